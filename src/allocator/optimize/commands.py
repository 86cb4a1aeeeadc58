"""``allocator optimize`` and ``allocator frontier``: parse, call, print (nothing computed here).

Register with ``main.add_command(optimize_command)`` and ``main.add_command(frontier_command)``.
Errors a user can cause become ``error: <one line>`` and an exit code (2 bad input, 1 the
request cannot be met); bad option values exit 2 through ``click.BadParameter``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from allocator.cli_errors import user_errors
from allocator.cli_executor import executor_options
from allocator.optimize.cli_inputs import input_json, input_options, load_inputs, overrides_of


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def _weight(value: float, digits: int) -> float:
    """A weight in percent, rounded, with -0.0 (a solver's -1e-10) shown as 0.0."""
    return round(100 * value, digits) + 0.0


@click.command("optimize")
@input_options
@executor_options
@user_errors
def optimize_command(
    scenario_file: Path | None,
    returns_file: Path | None,
    prices_file: Path | None,
    objective: str | None,
    beta: float | None,
    min_return: float | None,
    risk_aversion: float | None,
    bounds: tuple[str, ...],
    periods_per_year: float | None,
    paths: int | None,
    json_path: Path | None,
) -> None:
    """Optimal weights for a SCENARIO's simulated market or a CSV of returns or prices.

    Options override the scenario's `optimization` request. Prints the weights and what they
    achieve (expected return, volatility, VaR and CVaR as positive losses at beta); --json
    writes the same. Exit codes: 0 done, 1 infeasible or solver failure, 2 bad input.
    """
    from allocator.optimize.optimizer import PortfolioOptimizer

    overrides = overrides_of(objective, beta, min_return, risk_aversion, bounds)
    inputs = load_inputs(
        scenario_file, returns_file, prices_file, paths, periods_per_year, overrides
    )
    optimizer = PortfolioOptimizer(
        inputs.asset_ids,
        inputs.request,
        inputs.benchmark,
        periods_per_year=inputs.periods_per_year,
        risk_free=inputs.risk_free,
    )
    allocation = optimizer.solve(inputs.returns)
    click.echo(f"{allocation.objective} on {inputs.source}")
    click.echo(f"{'asset':<16}{'weight':>10}")
    for asset, weight in allocation.weights_by_asset.items():
        click.echo(f"{asset:<16}{_weight(weight, 2):>9.2f}%")
    unit = inputs.period_label
    click.echo(f"objective value     {allocation.objective_value:.6g}")
    click.echo(f"expected return     {_percent(allocation.expected_return)} {unit}")
    click.echo(f"volatility          {_percent(allocation.volatility)} {unit}")
    if allocation.periods_per_year is not None:
        click.echo(f"annualized return   {_percent(allocation.annualized_return)}")
        click.echo(f"annualized vol      {_percent(allocation.annualized_volatility)}")
    click.echo(f"VaR  {allocation.beta:g}          {_percent(allocation.value_at_risk)} {unit}")
    click.echo(f"CVaR {allocation.beta:g}          {_percent(allocation.cvar)} {unit}")
    if allocation.trading_cost > 0.0:
        click.echo(f"trading cost        {_percent(allocation.trading_cost)}")
    fallback = " (fallback)" if allocation.fallback_used else ""
    click.echo(f"solver              {allocation.solver}{fallback}, {allocation.status}")
    for note in (*inputs.notes, *allocation.notes):
        click.echo(f"note: {note}")
    if json_path is not None:
        document = {
            "input": input_json(inputs),
            "request": inputs.request.model_dump(mode="json"),
            **allocation.to_dict(),
        }
        _write_json(json_path, document)
        click.echo(f"wrote {json_path}")


@click.command("frontier")
@input_options
@click.option(
    "--points",
    type=click.IntRange(2, 500),
    help="Points on the frontier  [default: the request's frontier_points].",
)
@user_errors
def frontier_command(
    scenario_file: Path | None,
    returns_file: Path | None,
    prices_file: Path | None,
    objective: str | None,
    beta: float | None,
    min_return: float | None,
    risk_aversion: float | None,
    bounds: tuple[str, ...],
    periods_per_year: float | None,
    paths: int | None,
    json_path: Path | None,
    points: int | None,
) -> None:
    """The efficient frontier of the request: its risk minimized at rising return targets,
    with the small-cap weight along it (the scenario's sweep asset, else the asset `small`).
    """
    from allocator.optimize.frontier import efficient_frontier
    from allocator.optimize.optimizer import PortfolioOptimizer

    overrides = overrides_of(objective, beta, min_return, risk_aversion, bounds)
    inputs = load_inputs(
        scenario_file, returns_file, prices_file, paths, periods_per_year, overrides
    )
    optimizer = PortfolioOptimizer(
        inputs.asset_ids,
        inputs.request,
        inputs.benchmark,
        periods_per_year=inputs.periods_per_year,
        risk_free=inputs.risk_free,
    )
    count = points if points is not None else inputs.request.frontier_points
    frontier = efficient_frontier(optimizer, inputs.returns, count, inputs.small_cap)
    click.echo(
        f"{frontier.objective} frontier on {inputs.source}: {len(frontier.allocations)} points "
        f"in {frontier.seconds:.2f}s (return and {frontier.risk_measure} {inputs.period_label})"
    )
    header = f"{'return':>9}{frontier.risk_measure[:10]:>12}"
    header += "".join(f"{a[:9]:>10}" for a in inputs.asset_ids)
    click.echo(header)
    for allocation, risk in zip(frontier.allocations, frontier.risk, strict=True):
        row = f"{_percent(allocation.expected_return):>9}{risk:>12.5g}"
        row += "".join(f"{_weight(w, 1):>9.1f}%" for w in allocation.weights)
        click.echo(row)
    for note in (*inputs.notes, *frontier.notes):
        click.echo(f"note: {note}")
    if json_path is not None:
        document = {
            "input": input_json(inputs),
            "request": inputs.request.model_dump(mode="json"),
            **frontier.to_dict(),
        }
        _write_json(json_path, document)
        click.echo(f"wrote {json_path}")


def _write_json(path: Path, document: dict[str, Any]) -> None:
    from allocator.report.files import write_atomic

    write_atomic(path, json.dumps(document, indent=2, allow_nan=False) + "\n")
