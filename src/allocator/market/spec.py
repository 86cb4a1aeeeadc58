"""``MarketSpec``: a scenario's market compiled to plain numpy arrays (picklable, immutable)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from allocator.market.historical import HistoricalSpec
from allocator.market.macro import MacroSpec
from allocator.market.parametric import ParametricSpec

ModelName = Literal["macro", "parametric", "historical"]


@dataclass(frozen=True, eq=False)
class MarketSpec:
    """Everything ``sample_market`` needs; exactly one of ``macro``, ``parametric``,
    ``historical`` is set, matching ``model``.

    Attributes
    ----------
    model : {"macro", "parametric", "historical"}
    asset_ids : tuple of str
        Assets in the scenario's order (the last axis of the returns).
    n_months : int
        Simulated months T.
    regime_names : tuple of str
        Regime of each index in ``MarketPaths.regimes``; empty without a regime chain.
    """

    model: ModelName
    asset_ids: tuple[str, ...]
    n_months: int
    regime_names: tuple[str, ...] = ()
    macro: MacroSpec | None = None
    parametric: ParametricSpec | None = None
    historical: HistoricalSpec | None = None

    @property
    def n_assets(self) -> int:
        return len(self.asset_ids)


def freeze(value: Any) -> None:
    """Make every array reachable from a compiled spec read-only (specs are shared by threads)."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple):
        for item in value:
            freeze(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            freeze(getattr(value, field.name))
