"""What every chunk of a run needs, frozen and picklable (it is shipped to workers)."""

from __future__ import annotations

from dataclasses import dataclass

from allocator.market import MarketSpec
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
