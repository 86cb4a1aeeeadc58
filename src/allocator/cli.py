"""The command line: parse, call, print. Errors a user can cause become one line and an exit
code (2 bad input, 1 infeasible or solver failure); nothing here computes anything."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from allocator import __version__
from allocator.cli_errors import user_errors
from allocator.cli_executor import executor_options
from allocator.errors import ScenarioError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="allocator")
def main() -> None:
    """How much US small caps (Russell 2000 / IWM) next to US large caps, and how to rebalance.

    Each macro story (rate cuts, recession, tariff shock, AI momentum, ...) is a scenario file;
    allocator simulates it by Monte Carlo, runs the candidate portfolios through it, optimizes
    the weights, and writes HTML and JSON reports. Exit codes: 0 success, 1 the request cannot
    be met (infeasible, solver failed), 2 bad input.

    \b
    Units in scenario files: annual rates and returns as decimals (0.05 = 5%/yr; "5%" and
    "25bp" accepted), volatilities annualized, horizons and half-lives in months, weights as
    fractions summing to 1. Defaults of every field: `allocator schema`.
    """


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print only problems, not the 'ok' lines.")
def validate(files: tuple[Path, ...], quiet: bool) -> None:
    """Check scenario and outlook FILES; print one line per problem.

    Each problem reads `file:line:col: field.path: what was expected, what was found`.
    Exits 0 when every file is valid, 2 otherwise. A file with `scenarios:` and no `market:`
    is an outlook: the scenario files it names are validated too.

    \b
    Units: annual rates as decimals (0.05 = 5%/yr; "5%", "25bp" accepted); months for
    horizons and half-lives. Field defaults are listed by `allocator schema`.
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


class _Progress:
    """A one-line progress bar on stderr, shown only once a run has taken over a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.monotonic() - self.start
        if not self.enabled or (elapsed < 1.0 and not self.shown):
            return
        self.shown = True
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else 0.0
        filled = int(30 * done / total)
        bar = "#" * filled + "-" * (30 - filled)
        click.echo(
            f"\r[{bar}] {done:,}/{total:,} paths  {rate:,.0f}/s  ETA {eta:4.0f}s",
            err=True,
            nl=False,
        )

    def close(self) -> None:
        if self.shown:
            click.echo("", err=True)


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option(
    "--paths",
    type=click.IntRange(1, 10_000_000),
    help="Number of Monte Carlo paths  [default: the scenario's `paths`].",
)
@click.option(
    "--seed", type=click.IntRange(0, 2**63 - 1), help="Random seed  [default: the scenario's]."
)
@click.option(
    "--horizon",
    type=click.IntRange(1, 600),
    metavar="MONTHS",
    help="Horizon in months  [default: the scenario's `horizon_months`].",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Folder for <scenario>.json and <scenario>.html.",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(1, 10_000_000),
    default=16384,
    show_default=True,
    help="Paths per task (rounded to blocks of 4096). Changes memory and speed, not results.",
)
@executor_options
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary table.")
@user_errors
def simulate(
    scenario_file: Path,
    paths: int | None,
    seed: int | None,
    horizon: int | None,
    out_dir: Path,
    chunk_size: int,
    quiet: bool,
) -> None:
    """Simulate SCENARIO (a YAML file) and write <out>/<scenario>.json and .html.

    Prints a summary table of the candidate portfolios (median CAGR, volatility, median max
    drawdown, probability of loss, CVaR) and the paths of the files written.
    """
    from allocator.report.files import write_atomic
    from allocator.report.html import render_simulation_html
    from allocator.report.result_json import result_document, to_json
    from allocator.scenario import load_scenario
    from allocator.simulation import simulate as run_simulation

    scenario = load_scenario(scenario_file)
    progress = _Progress(enabled=not quiet)
    try:
        result = run_simulation(
            scenario,
            paths=paths,
            seed=seed,
            horizon=horizon,
            chunk_size=chunk_size,
            progress=progress,
        )
    except KeyboardInterrupt:
        progress.close()
        click.echo("error: interrupted; no report written", err=True)
        sys.exit(130)
    progress.close()
    stem = scenario_file.stem
    json_path = out_dir / f"{stem}.json"
    html_path = out_dir / f"{stem}.html"
    doc = result_document(result)  # one document, so the JSON and the page agree to the byte
    write_atomic(json_path, to_json(doc))
    write_atomic(html_path, render_simulation_html(doc))
    if not quiet:
        _print_summary(result)
    click.echo(f"wrote {html_path}")
    click.echo(f"wrote {json_path}")


def _print_summary(result: Any) -> None:
    sc = result.scenario
    click.echo(
        f"{sc.name}: {result.paths:,} paths x {result.horizon_months} months, seed {result.seed}"
        f"; differences are against '{result.portfolios[0].name}', paired, ± 1 standard error"
    )
    header = (
        f"{'portfolio':<30}{'med CAGR':>9}{'vol':>7}{'Sharpe':>7}{'med MDD':>8}{'P(loss)':>8}"
        f"{'CVaR':>7}{'P(beat)':>8}  {'CAGR vs benchmark':>18}"
    )
    click.echo(header)
    for s in (*result.portfolios, *result.sweep):
        diff = f"{100 * s.cagr_vs_benchmark:+.3f} ± {100 * s.cagr_vs_benchmark_se:.3f}pp"
        click.echo(
            f"{s.name[:29]:<30}{100 * s.cagr_median:>8.1f}%{100 * s.volatility:>6.1f}%"
            f"{s.sharpe:>7.2f}{100 * s.max_drawdown['p50']:>7.1f}%{100 * s.prob_loss:>7.1f}%"
            f"{100 * s.cvar:>6.1f}%{100 * s.prob_beat_benchmark:>7.1f}%  {diff:>18}"
        )


def _register_commands() -> None:
    from allocator.optimize.advice_command import advise_command
    from allocator.optimize.commands import frontier_command, optimize_command
    from allocator.report.commands import compare

    main.add_command(optimize_command)
    main.add_command(frontier_command)
    main.add_command(advise_command)
    main.add_command(compare)


_register_commands()
