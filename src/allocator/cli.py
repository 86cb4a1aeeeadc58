"""The command line: parse, call, print. Errors a user can cause become one line and an exit
code (2 bad input, 1 infeasible or solver failure); nothing here computes anything."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from allocator import __version__
from allocator.errors import AllocatorError, ScenarioError

F = TypeVar("F", bound=Callable[..., Any])


def _user_errors(func: F) -> F:
    """Turn an ``AllocatorError`` into its one-line message(s) and exit code, no traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AllocatorError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"error: {line}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="allocator")
def main() -> None:
    """How much US small caps (Russell 2000 / IWM) next to US large caps, and how to rebalance.

    Each macro story (rate cuts, recession, tariff shock, AI momentum, ...) is a scenario file;
    allocator simulates it by Monte Carlo, runs the candidate portfolios through it, optimizes
    the weights, and writes HTML and JSON reports. Exit codes: 0 success, 1 the request cannot
    be met (infeasible, solver failed), 2 bad input.
    """


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print only problems, not the 'ok' lines.")
def validate(files: tuple[Path, ...], quiet: bool) -> None:
    """Check scenario and outlook FILES; print one line per problem.

    Each problem reads `file:line:col: field.path: what was expected, what was found`.
    Exits 0 when every file is valid, 2 otherwise.
    """
    from allocator.scenario import is_outlook_file, load_outlook, load_scenario

    failed = False
    for file in files:
        try:
            if is_outlook_file(file):
                outlook, loaded = load_outlook(file)
                summary = f"outlook '{outlook.name}', {len(loaded)} scenarios"
            else:
                scenario = load_scenario(file)
                summary = (
                    f"scenario '{scenario.name}', {scenario.market.model} model, "
                    f"{len(scenario.assets)} assets, {len(scenario.portfolios)} portfolios"
                )
        except ScenarioError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        if not quiet:
            click.echo(f"{file}: ok ({summary})")
    sys.exit(2 if failed else 0)


@main.command()
@click.option("--indent", default=2, show_default=True, help="JSON indentation (spaces).")
def schema(indent: int) -> None:
    """Print the JSON Schema of scenario files (for editor completion and checks).

    Point your editor's YAML language server at it, e.g. save it as allocator.schema.json.
    """
    from allocator.scenario import scenario_json_schema

    click.echo(json.dumps(scenario_json_schema(), indent=indent))


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@_user_errors
def simulate(scenario_file: Path) -> None:
    """Simulate SCENARIO (a YAML file) and write reports/<name>.html and .json."""
    from allocator.scenario import load_scenario

    scenario = load_scenario(scenario_file)
    click.echo(
        f"{scenario_file}: valid scenario '{scenario.name}' "
        f"({scenario.paths:,} paths x {scenario.horizon_months} months). "
        "The Monte Carlo engine is not built yet (issue 3): nothing was simulated."
    )
