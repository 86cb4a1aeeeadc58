"""What every chunk of a run needs, frozen and picklable (it is shipped to workers)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from allocator.market import MarketSpec
from allocator.simulation.group_accounting import PortfolioArrays
from allocator.simulation.portfolio import PortfolioPlan

IndexArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class RunPlan:
    """Everything a chunk needs: the compiled market, the portfolios, the seed, the size.

    ``portfolios[0]`` is the benchmark; ``cash_index`` is the asset Sharpe and Sortino are
    measured against (None: against zero).

    Portfolios the accounting cannot tell apart (the same arrays in ``PortfolioArrays``, e.g.
    the sweep's 0% point and an all-large benchmark) are computed once: chunks hold the
    *computed* series (the first of each kind of portfolio, then the assets), and the run's
    merge copies them to the rows of their repeats (``series_source``).
    """

    market: MarketSpec
    portfolios: tuple[PortfolioPlan, ...]
    seed: int
    n_paths: int
    cash_index: int | None = None

    @property
    def n_series(self) -> int:
        """Portfolios first, then each asset held alone (its growth of 1)."""
        return len(self.portfolios) + self.market.n_assets

    @cached_property
    def portfolio_kinds(self) -> IndexArray:
        """For each portfolio, the number of its kind: kinds numbered in order of first
        appearance (the benchmark's is 0), one per distinct ``PortfolioArrays`` row."""
        arrays = PortfolioArrays.of(self.portfolios, self.market.n_months, self.market.n_assets)
        keys: dict[bytes, int] = {}
        kinds = [
            keys.setdefault(_row_key(arrays, j), len(keys)) for j in range(len(self.portfolios))
        ]
        return np.array(kinds, dtype=np.intp)

    @cached_property
    def computed_portfolios(self) -> IndexArray:
        """Rows of the portfolios the chunks compute: the first of each kind, in order."""
        return np.unique(self.portfolio_kinds, return_index=True)[1].astype(np.intp)

    @property
    def n_computed_series(self) -> int:
        """Series in a chunk's summary: the computed portfolios, then the assets."""
        return self.computed_portfolios.size + self.market.n_assets

    @cached_property
    def series_source(self) -> IndexArray:
        """For each series of the result, its row among the computed series."""
        assets = self.computed_portfolios.size + np.arange(self.market.n_assets, dtype=np.intp)
        return np.concatenate([self.portfolio_kinds, assets])

    @cached_property
    def portfolio_arrays(self) -> PortfolioArrays:
        """The computed portfolios stacked for the compiled kernels (built once per plan)."""
        computed = [self.portfolios[j] for j in self.computed_portfolios]
        return PortfolioArrays.of(computed, self.market.n_months, self.market.n_assets)


def _row_key(arrays: PortfolioArrays, j: int) -> bytes:
    """Portfolio ``j``'s arrays as bytes: equal keys, equal accounting on any paths."""
    return b"|".join(np.ascontiguousarray(field[j]).tobytes() for field in arrays.fields())
