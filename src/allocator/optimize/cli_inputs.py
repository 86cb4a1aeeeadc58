"""The command line's inputs: one of a scenario, a returns CSV or a prices CSV, the
request with the command-line overrides applied, and the options that say so."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, get_args

import click
import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from allocator.errors import InputError
from allocator.scenario.optimize_schema import Objective, Optimization

FloatArray = npt.NDArray[np.float64]

F = TypeVar("F", bound=Callable[..., Any])
OBJECTIVES = get_args(Objective)


def parse_rate_text(text: str) -> float:
    """A decimal or a percent string (``0.05``, ``5%``, ``50bp``) as a finite float."""
    from allocator.scenario.units import parse_rate

    try:
        value = float(parse_rate(text))
    except (TypeError, ValueError) as exc:
        raise click.BadParameter(str(exc)) from None
    if not np.isfinite(value):
        raise click.BadParameter(f"expected a finite number, found {text!r}")
    return value


def _rate_option(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    return None if value is None else parse_rate_text(value)


def parse_bounds(values: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """``("small=0:0.4", "large=10%:60%")`` to ``{"small": (0.0, 0.4), ...}``."""
    parsed: dict[str, tuple[float, float]] = {}
    for text in values:
        asset, sep, pair = text.partition("=")
        lo_text, colon, hi_text = pair.partition(":")
        if not sep or not colon or not asset.strip():
            raise click.BadParameter(
                f"expected ASSET=LO:HI (e.g. small=0:0.4), found '{text}'", param_hint="--bounds"
            )
        try:
            lo, hi = parse_rate_text(lo_text), parse_rate_text(hi_text)
        except click.BadParameter as exc:
            raise click.BadParameter(f"'{text}': {exc.message}", param_hint="--bounds") from None
        if lo > hi:
            raise click.BadParameter(
                f"'{text}': expected LO <= HI, found {lo:g} > {hi:g}", param_hint="--bounds"
            )
        parsed[asset.strip()] = (lo, hi)
    return parsed


@dataclass(frozen=True, eq=False)
class Inputs:
    """What the commands optimize over: the scenario matrix and the request, with labels."""

    returns: FloatArray
    asset_ids: tuple[str, ...]
    request: Optimization
    benchmark: dict[str, float] | None
    periods_per_year: float | None
    risk_free: float
    source: str
    period_label: str
    small_cap: str | None
    notes: tuple[str, ...]


def _overridden(
    request: Optimization, asset_ids: tuple[str, ...], overrides: dict[str, Any]
) -> Optimization:
    data = request.model_dump()
    bounds = overrides.pop("bounds", {})
    for asset, (lo, hi) in bounds.items():
        if asset not in asset_ids:
            raise click.BadParameter(
                f"unknown asset '{asset}'; the assets are {', '.join(asset_ids)}",
                param_hint="--bounds",
            )
        data["bounds"][asset] = {"min": lo, "max": hi}
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Optimization.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise click.BadParameter(f"{where}: {first['msg']}") from None


def load_inputs(
    scenario_file: Path | None,
    returns_file: Path | None,
    prices_file: Path | None,
    paths: int | None,
    periods_per_year: float | None,
    overrides: dict[str, Any],
) -> Inputs:
    """Read the one input given and apply the command-line overrides to its request."""
    given = [x for x in (scenario_file, returns_file, prices_file) if x is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of SCENARIO, --returns FILE or --prices FILE")
    if scenario_file is not None:
        if periods_per_year is not None:
            raise click.UsageError(
                "--periods-per-year applies to --returns/--prices; a scenario's period is its "
                "optimization.decision_period"
            )
        return _scenario_inputs(scenario_file, paths, overrides)
    if paths is not None:
        raise click.UsageError("--paths applies to a SCENARIO, not to --returns/--prices")
    from allocator.optimize.csv_returns import read_prices_csv, read_returns_csv

    def note(line: str) -> None:
        click.echo(f"note: {line}", err=True)

    if returns_file is not None:
        table = read_returns_csv(returns_file, note)
    else:
        assert prices_file is not None
        table = read_prices_csv(prices_file, note)
    request = _overridden(Optimization(), table.asset_ids, overrides)
    label = "per period" if periods_per_year is None else f"per period ({periods_per_year:g}/yr)"
    return Inputs(
        returns=table.returns,
        asset_ids=table.asset_ids,
        request=request,
        benchmark=None,
        periods_per_year=periods_per_year,
        risk_free=0.0,
        source=f"{Path(table.source).name}: {table.returns.shape[0]} periods "
        f"{table.dates[0]} .. {table.dates[-1]}",
        period_label=label,
        small_cap="small" if "small" in table.asset_ids else None,
        notes=(),
    )


def _scenario_inputs(path: Path, paths: int | None, overrides: dict[str, Any]) -> Inputs:
    from allocator.optimize.frontier import small_cap_asset
    from allocator.optimize.scenario_returns import scenario_returns
    from allocator.scenario import load_scenario

    scenario = load_scenario(path)
    request = _overridden(scenario.optimization, scenario.asset_ids, overrides)
    benchmark_id = request.benchmark or scenario.benchmark_id
    if benchmark_id not in scenario.portfolios:
        raise InputError(f"optimization.benchmark: no portfolio '{benchmark_id}' in the scenario")
    data = scenario_returns(scenario, paths, request.decision_period)
    sweep = scenario.sweep.asset if scenario.sweep is not None else None
    return Inputs(
        returns=data.returns,
        asset_ids=data.asset_ids,
        request=request,
        benchmark=dict(scenario.portfolios[benchmark_id].weights),
        periods_per_year=None,
        risk_free=data.risk_free,
        source=f"{path.name}: {data.n_paths:,} paths x {data.returns.shape[0] // data.n_paths} "
        f"{data.period}(s), seed {data.seed}",
        period_label=data.period_label,
        small_cap=small_cap_asset(data.asset_ids, sweep),
        notes=data.notes,
    )


def input_options(func: F) -> F:
    """The options shared by ``optimize`` and ``frontier``."""
    options = [
        click.argument(
            "scenario_file", metavar="[SCENARIO]", required=False, type=click.Path(path_type=Path)
        ),
        click.option(
            "--returns",
            "returns_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="CSV: a date column and one column of simple returns per asset.",
        ),
        click.option(
            "--prices",
            "prices_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="CSV: a date column and one column of prices per asset.",
        ),
        click.option("--objective", type=click.Choice(OBJECTIVES), help="What to optimize."),
        click.option(
            "--beta",
            type=click.FloatRange(0.5, 1.0, max_open=True),
            help="CVaR/VaR confidence level (0.95 = the worst 5%).",
        ),
        click.option(
            "--min-return",
            callback=_rate_option,
            metavar="RATE",
            help="Lowest expected return per period (annual with --periods-per-year).",
        ),
        click.option(
            "--risk-aversion",
            type=click.FloatRange(0.0, 1000.0, min_open=True),
            help="lambda of mean-variance/mean-cvar, gamma of crra.",
        ),
        click.option(
            "--bounds",
            "bounds",
            multiple=True,
            metavar="ASSET=LO:HI",
            help="Weight bounds of one asset (repeatable), e.g. small=0:0.4.",
        ),
        click.option(
            "--periods-per-year",
            type=click.FloatRange(0.0, min_open=True),
            help="Rows per year of the CSV (12 monthly, 52 weekly, 252 daily): targets and "
            "reported returns become annual.",
        ),
        click.option(
            "--paths",
            type=click.IntRange(1, 10_000_000),
            help="Monte Carlo paths of a SCENARIO  [default: the scenario's `paths`].",
        ),
        click.option(
            "--json",
            "json_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Also write the result as JSON (atomically).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def overrides_of(
    objective: str | None,
    beta: float | None,
    min_return: float | None,
    risk_aversion: float | None,
    bounds: tuple[str, ...],
) -> dict[str, Any]:
    return {
        "objective": objective,
        "beta": beta,
        "min_return": min_return,
        "risk_aversion": risk_aversion,
        "bounds": parse_bounds(bounds),
    }


def input_json(inputs: Inputs) -> dict[str, Any]:
    return {
        "source": inputs.source,
        "assets": list(inputs.asset_ids),
        "n_scenarios": int(inputs.returns.shape[0]),
        "period": inputs.period_label,
        "periods_per_year": inputs.periods_per_year,
        "risk_free": inputs.risk_free,
        "notes": list(inputs.notes),
    }
