"""The optimization request as arrays in asset order: ``ProblemSpec``, built by ``compile_spec``.

Vocabulary (used by every module of the package): ``w`` weights ``(n_assets,)`` summing to 1,
``w0`` current weights, ``R`` scenario returns ``(n_scenarios, n_assets)`` (simple returns per
decision period, equally likely), ``mu`` their mean, ``Sigma = F^T F`` their covariance
(``ddof = 0``), ``k = tail_count(n_scenarios, beta)`` the CVaR tail size. Trading costs
``kappa(w) = c^T |w - w0|`` are charged once, in the decision period: the portfolio's net return
in scenario i is ``R_i w - kappa(w)``.

Every figure in a ``ProblemSpec`` is per decision period (per row of ``R``); ``compile_spec``
converts annual targets when the data's ``periods_per_year`` is given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from allocator.errors import InputError
from allocator.metrics import tail_count
from allocator.scenario.optimize_schema import Objective, Optimization

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Weight bound used when a per-asset bound is relaxed while a conflict is searched for
#: (the schema's largest leverage: no weight can exceed it in magnitude).
RELAXED_BOUND = 10.0

#: Order in which the constraint groups are named in messages (limits first, bounds last).
LIMIT_NAMES = (
    "min_return",
    "cvar_limit",
    "tracking_error_limit",
    "turnover_limit",
    "leverage_limit",
)


@dataclass(frozen=True, eq=False)
class GroupSpec:
    """Bounds on ``sum(w[members])``; ``members`` is a boolean mask ``(n_assets,)``."""

    name: str
    members: BoolArray
    lower: float
    upper: float


@dataclass(frozen=True, eq=False)
class ProblemSpec:
    """One optimization request in asset order, per decision period.

    Attributes
    ----------
    lower, upper : ndarray, shape (n_assets,)
        Per-asset weight bounds.
    current : ndarray, shape (n_assets,)
        Current weights ``w0`` (zeros when none were given: everything is bought).
    cost : ndarray, shape (n_assets,)
        Trading cost per unit of traded weight (``bps / 10_000``).
    benchmark : ndarray, shape (n_assets,), or None
        Benchmark weights ``b`` for tracking error.
    labels : mapping
        Constraint name (``min_return``, ``bounds.small``, ...) to how the user wrote it,
        in the user's units, for messages.
    """

    asset_ids: tuple[str, ...]
    objective: Objective
    beta: float
    risk_aversion: float
    lower: FloatArray
    upper: FloatArray
    groups: tuple[GroupSpec, ...]
    min_return: float | None
    current: FloatArray
    turnover_limit: float | None
    cost: FloatArray
    benchmark: FloatArray | None
    tracking_error_limit: float | None
    cvar_limit: float | None
    leverage_limit: float
    risk_free: float = 0.0
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def n_assets(self) -> int:
        return len(self.asset_ids)

    @property
    def has_trades(self) -> bool:
        """Whether ``|w - w0|`` matters (a turnover limit or a nonzero cost)."""
        return self.turnover_limit is not None or bool(np.any(self.cost > 0.0))

    @property
    def allows_shorting(self) -> bool:
        """Whether some weight may be negative (only then can ``sum |w|`` exceed 1)."""
        return bool(np.any(self.lower < 0.0))

    def tail_size(self, n_scenarios: int) -> int:
        """``k``: scenarios in the CVaR tail (``metrics.tail_count``)."""
        return tail_count(n_scenarios, self.beta)

    def with_min_return(self, target: float | None) -> ProblemSpec:
        labels = dict(self.labels)
        if target is not None:
            labels["min_return"] = f"min_return {target:.6g}"
        return replace(self, min_return=target, labels=labels)

    def with_objective(self, objective: Objective) -> ProblemSpec:
        return replace(self, objective=objective)

    def constraint_names(self) -> tuple[str, ...]:
        """Names of the constraint groups a request can relax, in message order."""
        present = {
            "min_return": self.min_return is not None,
            "cvar_limit": self.cvar_limit is not None,
            "tracking_error_limit": self.tracking_error_limit is not None,
            "turnover_limit": self.turnover_limit is not None,
            # Always listed: redundant while every bound is >= 0, but once a bound is
            # relaxed in a conflict search it is what keeps sum |w| in check.
            "leverage_limit": True,
        }
        limits = tuple(name for name in LIMIT_NAMES if present[name])
        groups = tuple(f"groups.{g.name}" for g in self.groups)
        bounds = tuple(f"bounds.{a}" for a in self.asset_ids)
        return limits + groups + bounds

    def trading_cost(self, weights: FloatArray) -> float:
        """``kappa(w) = c^T |w - w0|``."""
        return float(self.cost @ np.abs(weights - self.current))


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _weights(values: Mapping[str, float], asset_ids: tuple[str, ...], what: str) -> FloatArray:
    unknown = sorted(set(values) - set(asset_ids))
    if unknown:
        raise InputError(
            f"{what}: unknown asset '{unknown[0]}'; the assets are {', '.join(asset_ids)}"
        )
    return np.array([float(values.get(a, 0.0)) for a in asset_ids])


def compile_spec(
    request: Optimization,
    asset_ids: tuple[str, ...] | list[str],
    benchmark_weights: Mapping[str, float] | FloatArray | None = None,
    periods_per_year: float | None = None,
    risk_free: float = 0.0,
) -> ProblemSpec:
    """Turn ``request`` into arrays aligned with ``asset_ids``; raise ``InputError`` for names
    the universe does not have and for requests that miss an input.

    With ``periods_per_year = N`` the request's ``min_return`` and ``tracking_error_limit`` are
    read as annual figures and converted per period (``r / N``, ``te / sqrt(N)``); CVaR limits
    are always per period (tail losses do not scale with time in a model-free way).
    """
    ids = tuple(asset_ids)
    if len(set(ids)) != len(ids):
        raise InputError(f"asset names must be unique, found {', '.join(ids)}")
    m = len(ids)
    labels: dict[str, str] = {}
    lower = np.zeros(m)
    upper = np.ones(m)
    unknown = sorted(set(request.bounds) - set(ids))
    if unknown:
        raise InputError(f"bounds: unknown asset '{unknown[0]}'; the assets are {', '.join(ids)}")
    for i, asset in enumerate(ids):
        bound = request.bounds.get(asset)
        if bound is not None:
            lower[i], upper[i] = bound.min, bound.max
        labels[f"bounds.{asset}"] = f"bounds.{asset} [{_fmt(lower[i])}, {_fmt(upper[i])}]"
    groups = []
    for name, group in request.groups.items():
        members = np.zeros(m, dtype=bool)
        for asset in group.assets:
            if asset not in ids:
                raise InputError(
                    f"groups.{name}: unknown asset '{asset}'; the assets are {', '.join(ids)}"
                )
            members[ids.index(asset)] = True
        groups.append(GroupSpec(name, members, group.min, group.max))
        labels[f"groups.{name}"] = f"groups.{name} [{_fmt(group.min)}, {_fmt(group.max)}]"

    scale_return = 1.0 if periods_per_year is None else 1.0 / periods_per_year
    scale_vol = 1.0 if periods_per_year is None else 1.0 / math.sqrt(periods_per_year)
    min_return = None
    if request.min_return is not None:
        min_return = request.min_return * scale_return
        labels["min_return"] = f"min_return {_fmt(request.min_return)}"
    current = (
        np.zeros(m)
        if request.current_weights is None
        else _weights(request.current_weights, ids, "current_weights")
    )
    if request.turnover_limit is not None:
        if request.current_weights is None:
            raise InputError("turnover_limit needs current_weights (the holdings to trade from)")
        labels["turnover_limit"] = f"turnover_limit {_fmt(request.turnover_limit)}"
    default_bps = request.transaction_cost_bps.get("default", 0.0)
    per_asset_bps = {k: v for k, v in request.transaction_cost_bps.items() if k != "default"}
    cost = _weights(per_asset_bps, ids, "transaction_cost_bps") / 10_000.0
    for i, asset in enumerate(ids):
        if asset not in per_asset_bps:
            cost[i] = default_bps / 10_000.0

    benchmark = _benchmark(request, ids, benchmark_weights)
    te_limit = None
    if request.tracking_error_limit is not None:
        te_limit = request.tracking_error_limit * scale_vol
        labels["tracking_error_limit"] = (
            f"tracking_error_limit {_fmt(request.tracking_error_limit)}"
        )
    if request.cvar_limit is not None:
        labels["cvar_limit"] = f"cvar_limit {_fmt(request.cvar_limit)} at beta {request.beta:g}"
    labels["leverage_limit"] = f"leverage_limit {_fmt(request.leverage_limit)}"
    return ProblemSpec(
        asset_ids=ids,
        objective=request.objective,
        beta=request.beta,
        risk_aversion=request.risk_aversion,
        lower=lower,
        upper=upper,
        groups=tuple(groups),
        min_return=min_return,
        current=current,
        turnover_limit=request.turnover_limit,
        cost=cost,
        benchmark=benchmark,
        tracking_error_limit=te_limit,
        cvar_limit=request.cvar_limit,
        leverage_limit=request.leverage_limit,
        risk_free=risk_free,
        labels=labels,
    )


def _benchmark(
    request: Optimization,
    ids: tuple[str, ...],
    benchmark_weights: Mapping[str, float] | FloatArray | None,
) -> FloatArray | None:
    needed = request.objective == "min-tracking-error" or request.tracking_error_limit is not None
    if benchmark_weights is None:
        if needed:
            what = (
                "min-tracking-error"
                if request.objective == "min-tracking-error"
                else "tracking_error_limit"
            )
            raise InputError(f"{what} needs benchmark weights (a portfolio of the scenario)")
        return None
    if isinstance(benchmark_weights, Mapping):
        return _weights(benchmark_weights, ids, "benchmark")
    weights = np.asarray(benchmark_weights, dtype=np.float64)
    if weights.shape != (len(ids),):
        raise InputError(f"benchmark: expected {len(ids)} weights, found shape {weights.shape}")
    return weights
