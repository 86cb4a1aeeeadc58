"""What every chunk of a run needs, frozen and picklable (it is shipped to workers)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from allocator.market import MarketSpec
from allocator.simulation.group_accounting import PortfolioArrays
from allocator.simulation.portfolio import PortfolioPlan


@dataclass(frozen=True)
class RunPlan:
    """Everything a chunk needs: the compiled market, the portfolios, the seed, the size.

    ``portfolios[0]`` is the benchmark; ``cash_index`` is the asset Sharpe and Sortino are
    measured against (None: against zero).
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
    def portfolio_arrays(self) -> PortfolioArrays:
        """The portfolios stacked for the compiled kernels (built once per plan)."""
        return PortfolioArrays.of(self.portfolios, self.market.n_months, self.market.n_assets)
