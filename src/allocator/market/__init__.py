"""The market model of docs/MODEL.md: compile a scenario's market, sample blocks of paths.

Modules, one job each: ``rates`` (policy rate), ``regimes`` (Markov chain), ``events``
(events, themes, valuation), ``innovations`` (correlated normal / Student-t shocks),
``macro``, ``parametric``, ``historical`` (+ ``historical_data`` for the CSV), ``spec``
(``MarketSpec``), ``paths`` (``MarketPaths``), ``api`` (the entry points).
"""

from allocator.market.api import compile_market, draw_raw_normals, sample_market
from allocator.market.paths import MarketPaths
from allocator.market.spec import MarketSpec

__all__ = ["MarketPaths", "MarketSpec", "compile_market", "draw_raw_normals", "sample_market"]
