"""The historical model: a stationary block bootstrap of the CSV's monthly returns.

Politis & Romano (1994) with expected block length L over the N monthly rows (MODEL.md):
month 1 starts at a uniform row; each next month continues with the next row (wrapping to the
first) with probability 1 − 1/L, or jumps to a new uniform row with probability 1/L.

Random numbers: one uniform u[p, t] per path and month, shape (n_paths, n_months). Month 1
takes row ⌊u N⌋. Month t ≥ 2 jumps when u < 1/L and then takes row ⌊u L N⌋ (given u < 1/L,
u L is uniform on [0, 1), independent of the jump decision's outcome), otherwise the next row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.market.historical_data import load_monthly_returns
from allocator.market.paths import FloatArray, IntArray, MarketPaths
from allocator.scenario.market_schema import HistoricalModel
from allocator.scenario.schema import Asset


@dataclass(frozen=True, eq=False)
class HistoricalSpec:
    """A compiled historical model.

    Attributes
    ----------
    data : ndarray, shape (N, n_assets)
        Monthly simple returns, as they are (an ETF's adjusted prices carry its fees).
    months : tuple of str
        Month ("YYYY-MM") of each row.
    block_length : float
        Expected block length L in months.
    n_months : int
        Months per simulated path.
    source : str
        The CSV file.
    """

    data: FloatArray
    months: tuple[str, ...]
    block_length: float
    n_months: int
    source: str


def compile_historical(
    model: HistoricalModel, assets: dict[str, Asset], n_months: int
) -> HistoricalSpec:
    monthly = load_monthly_returns(model, assets)
    return HistoricalSpec(
        data=monthly.returns,
        months=monthly.months,
        block_length=float(model.block_length_months),
        n_months=n_months,
        source=model.file,
    )


def draw_historical(spec: HistoricalSpec, rng: np.random.Generator, n_paths: int) -> FloatArray:
    return rng.random((n_paths, spec.n_months))


def bootstrap_rows(spec: HistoricalSpec, uniforms: FloatArray) -> IntArray:
    """Row of the data used by each path and month, shape (n_paths, n_months), int.

    With b(t) the last month ≤ t that started a block (month 1 or a jump) and ρ its row,
    row(t) = (ρ + t − b(t)) mod N.
    """
    n_rows = spec.data.shape[0]
    n_months = uniforms.shape[1]
    months = np.arange(n_months)
    jump_p = 1.0 / spec.block_length
    jump = uniforms < jump_p
    jump[:, 0] = True
    scaled = uniforms * (spec.block_length * n_rows)
    scaled[:, 0] = uniforms[:, 0] * n_rows
    start_row = np.minimum(scaled, n_rows - 1).astype(np.intp)
    block_start = np.where(jump, months, 0)
    np.maximum.accumulate(block_start, axis=1, out=block_start)
    rows = np.take_along_axis(start_row, block_start, axis=1)
    rows -= block_start
    rows += months
    rows %= n_rows
    return rows


def sample_historical(
    spec: HistoricalSpec, uniforms: FloatArray, n_paths: int, log_returns: bool = False
) -> MarketPaths:
    """Paths of resampled months (``bootstrap_rows``); ln(1 + R) with ``log_returns``."""
    rows = bootstrap_rows(spec, uniforms)
    returns = np.take(spec.data, rows, axis=0)
    if log_returns:
        np.log1p(returns, out=returns)
    return MarketPaths(returns, None, None, log_returns)
