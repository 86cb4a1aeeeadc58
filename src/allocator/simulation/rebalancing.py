"""When to trade and to what: the rebalancing rules, on current and target weights.

Shapes: ``current`` and ``target`` weights are ``(n_paths, n_assets)``; masks ``(n_paths,)``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.simulation.portfolio import PortfolioPlan

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
EDGE_ITERATIONS = 8


def band_width(plan: PortfolioPlan, target: FloatArray) -> FloatArray:
    """Allowed deviation per asset: ``band`` (absolute) or ``band × target`` (relative)."""
    return plan.band * target if plan.relative_band else np.full_like(target, plan.band)


def is_calendar_date(plan: PortfolioPlan, month: int) -> bool:
    return month % plan.every == 0


def should_trade(
    plan: PortfolioPlan, month: int, current: FloatArray, target: FloatArray
) -> BoolArray:
    """Which paths rebalance at ``month`` (after that month's returns)."""
    n = current.shape[0]
    if plan.rule == "none":
        return np.zeros(n, dtype=bool)
    if plan.rule == "calendar":
        return np.full(n, is_calendar_date(plan, month))
    if plan.rule == "hybrid" and not is_calendar_date(plan, month):
        return np.zeros(n, dtype=bool)
    outside = np.abs(current - target) > band_width(plan, target) + 1e-15
    if plan.watched is not None:
        outside &= plan.watched
    return np.asarray(outside.any(axis=1))


def trade_to(plan: PortfolioPlan, current: FloatArray, target: FloatArray) -> FloatArray:
    """Weights after the trade: the target, or (``to: edge``) the nearest band edge.

    Going to the edge clips each watched weight into ``target ± band``; what that frees or
    needs is spread over the assets not held at an edge, in proportion to their targets,
    repeating until the weights sum to 1.
    """
    if not plan.to_edge or plan.rule in ("none", "calendar"):
        return np.array(target, dtype=np.float64)
    width = band_width(plan, target)
    watched = np.ones(target.shape[1], bool) if plan.watched is None else plan.watched
    lo = np.where(watched, target - width, -np.inf)
    hi = np.where(watched, target + width, np.inf)
    new = np.clip(current, lo, hi)
    for _ in range(EDGE_ITERATIONS):
        residual = 1.0 - new.sum(axis=1, keepdims=True)
        if np.all(np.abs(residual) < 1e-13):
            break
        room = np.where(residual > 0, new < hi - 1e-15, new > lo + 1e-15) & (target > 0)
        share = np.where(room, target, 0.0)
        total = share.sum(axis=1, keepdims=True)
        share = np.divide(share, total, out=np.zeros_like(share), where=total > 0)
        new = np.clip(new + residual * share, lo, hi)
    residual = 1.0 - new.sum(axis=1, keepdims=True)
    return np.asarray(new + residual * target)  # any last crumb in proportion to targets
