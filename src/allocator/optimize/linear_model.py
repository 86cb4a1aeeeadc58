"""The linear part of a request as an LP: the master problem of the cutting plane
(``cutting_plane``) and of the conflict search (``feasibility``).

Variables ``x = [w (m) | u (m) | s (m) | a, theta_1..theta_J | tau | v]``, the blocks after ``w``
only when needed: ``u >= |w - w0|`` (trades: a turnover limit or a cost), ``s >= |w|`` (a weight
may be negative and leverage is limited), ``a`` and ``theta_j`` model the CVaR of ``R w`` as
``a + (1/k) sum_j theta_j`` (Rockafellar–Uryasev; ``theta_j`` bounds the tail excess of the j-th
block of scenarios from below through cuts), ``tau`` the tracking error (cuts), ``v`` the
violation of the nonlinear limits in a feasibility check. Goals (objective ``c^T x``), with
``CVaR~ = a + (1/k) sum theta_j``:

* ``min-cvar``: ``CVaR~ + c^T u``;
* ``mean-cvar``: ``-mu^T w + (1 + lambda) c^T u + lambda CVaR~``
  (that is ``-(mu^T w - kappa) + lambda (CVaR + kappa)``);
* ``max-return``: ``-mu^T w + c^T u``;
* ``feasibility``: ``v``, with ``CVaR~ + c^T u - v <= cvar_limit`` and ``tau - v <= te_limit``.

Rows are ``row_lower <= rows x <= row_upper``. Per-asset bounds left out of ``enabled`` are
relaxed to ``[-RELAXED_BOUND, RELAXED_BOUND]``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from allocator.optimize.measures import FloatArray
from allocator.optimize.spec import RELAXED_BOUND, ProblemSpec

Goal = Literal["min-cvar", "mean-cvar", "max-return", "feasibility"]
_model_ids = itertools.count()


@dataclass(frozen=True)
class CvarLayout:
    """How the scenario matrix is modelled: tail size ``k``, ``blocks`` ``J`` and a bound
    ``|a| <= alpha_bound`` on the VaR variable (any loss the weights can produce)."""

    tail: int
    blocks: int
    alpha_bound: float


@dataclass(frozen=True, eq=False)
class LinearModel:
    """``min c^T x  s.t.  row_lower <= rows x <= row_upper,  lower <= x <= upper``.

    ``w`` is ``x[:n_assets]``; ``trades``, ``shorts`` and ``cvar`` (``[a, theta_1..J]``) are
    slices or None; ``tau``, ``slack`` column indices or None. ``min_return_row`` indexes the
    target's row; ``structure_id`` is shared by models that differ only in that target.
    """

    spec: ProblemSpec
    goal: Goal
    mean: FloatArray
    c: FloatArray
    rows: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    lower: FloatArray
    upper: FloatArray
    trades: slice | None
    shorts: slice | None
    cvar: slice | None
    tau: int | None
    slack: int | None
    cvar_limit: float | None
    te_limit: float | None
    min_return_row: int | None
    structure_id: int

    @property
    def n_assets(self) -> int:
        return self.spec.n_assets

    @property
    def n_vars(self) -> int:
        return int(self.c.shape[0])

    def with_min_return(self, target: float) -> LinearModel:
        """The same model with the return target moved to ``target`` (per period)."""
        if self.min_return_row is None:
            raise ValueError("the model was built without a return target")
        row_lower = self.row_lower.copy()
        row_lower[self.min_return_row] = target
        return replace(self, row_lower=row_lower, spec=self.spec.with_min_return(target))


def build_linear_model(
    spec: ProblemSpec,
    mean: FloatArray,
    goal: Goal,
    layout: CvarLayout | None,
    enabled: frozenset[str] | None = None,
) -> LinearModel:
    """The LP of ``spec``'s linear constraints for ``goal``; ``enabled`` (default: every name of
    ``spec.constraint_names()``) picks the constraint groups to keep; ``layout`` is needed when
    the goal or a limit involves CVaR."""
    names = frozenset(spec.constraint_names()) if enabled is None else enabled
    m = spec.n_assets
    w_lower, w_upper = spec.lower.copy(), spec.upper.copy()
    for i, asset in enumerate(spec.asset_ids):
        if f"bounds.{asset}" not in names:
            w_lower[i], w_upper[i] = -RELAXED_BOUND, RELAXED_BOUND
    cvar_limit = spec.cvar_limit if "cvar_limit" in names else None
    te_limit = spec.tracking_error_limit if "tracking_error_limit" in names else None
    leverage = "leverage_limit" in names and bool(np.any(w_lower < 0.0))

    size = m
    trades = shorts = cvar = None
    tau = slack = None
    if spec.has_trades:
        trades, size = slice(size, size + m), size + m
    if leverage:
        shorts, size = slice(size, size + m), size + m
    if goal in ("min-cvar", "mean-cvar") or cvar_limit is not None:
        if layout is None:
            raise ValueError("a CVaR goal or limit needs the scenario layout")
        cvar, size = slice(size, size + 1 + layout.blocks), size + 1 + layout.blocks
    if te_limit is not None:
        tau, size = size, size + 1
    if goal == "feasibility" and (cvar_limit is not None or te_limit is not None):
        slack, size = size, size + 1

    rows: list[FloatArray] = []
    bounds: list[tuple[float, float]] = []

    def add(row: FloatArray, lo: float, hi: float) -> int:
        rows.append(row)
        bounds.append((lo, hi))
        return len(rows) - 1

    budget = np.zeros(size)
    budget[:m] = 1.0
    add(budget, 1.0, 1.0)
    for group in spec.groups:
        if f"groups.{group.name}" in names:
            r = np.zeros(size)
            r[:m] = group.members
            add(r, group.lower, group.upper)
    cost_row = np.zeros(size)
    if trades is not None:
        cost_row[trades] = spec.cost
        for i in range(m):  # u_i >= |w_i - w0_i|
            for sign in (1.0, -1.0):
                r = np.zeros(size)
                r[i], r[trades.start + i] = sign, -1.0
                add(r, -np.inf, sign * float(spec.current[i]))
        if spec.turnover_limit is not None and "turnover_limit" in names:
            r = np.zeros(size)
            r[trades] = 1.0
            add(r, -np.inf, spec.turnover_limit)
    if shorts is not None:
        for i in range(m):  # s_i >= |w_i|
            for sign in (1.0, -1.0):
                r = np.zeros(size)
                r[i], r[shorts.start + i] = sign, -1.0
                add(r, -np.inf, 0.0)
        r = np.zeros(size)
        r[shorts] = 1.0
        add(r, -np.inf, spec.leverage_limit)
    min_return_row = None
    if spec.min_return is not None and "min_return" in names:
        r = -cost_row
        r[:m] = mean
        min_return_row = add(r, spec.min_return, np.inf)
    cvar_row = np.zeros(size)
    if cvar is not None:
        assert layout is not None
        cvar_row[cvar.start] = 1.0
        cvar_row[cvar.start + 1 : cvar.stop] = 1.0 / layout.tail
    if cvar_limit is not None:
        r = cvar_row + cost_row
        if slack is not None:
            r[slack] = -1.0
        add(r, -np.inf, cvar_limit)
    if te_limit is not None and tau is not None and slack is not None:
        r = np.zeros(size)
        r[tau], r[slack] = 1.0, -1.0
        add(r, -np.inf, te_limit)

    lower = np.full(size, -np.inf)
    upper = np.full(size, np.inf)
    lower[:m], upper[:m] = w_lower, w_upper
    for block in (trades, shorts):
        if block is not None:
            lower[block] = 0.0
    if cvar is not None:
        assert layout is not None
        lower[cvar.start], upper[cvar.start] = -layout.alpha_bound, layout.alpha_bound
        lower[cvar.start + 1 : cvar.stop] = 0.0
    if tau is not None:
        lower[tau] = 0.0
        if slack is None and te_limit is not None:
            upper[tau] = te_limit
    if slack is not None:
        lower[slack] = 0.0

    lam = spec.risk_aversion
    c = np.zeros(size)
    if goal == "min-cvar":
        c = cvar_row + cost_row
    elif goal == "mean-cvar":
        c = lam * cvar_row + (1.0 + lam) * cost_row
        c[:m] = -mean
    elif goal == "max-return":
        c = cost_row.copy()
        c[:m] = -mean
    elif slack is not None:
        c[slack] = 1.0
    return LinearModel(
        spec=spec,
        goal=goal,
        mean=mean,
        c=c,
        rows=np.array(rows),
        row_lower=np.array([b[0] for b in bounds]),
        row_upper=np.array([b[1] for b in bounds]),
        lower=lower,
        upper=upper,
        trades=trades,
        shorts=shorts,
        cvar=cvar,
        tau=tau,
        slack=slack,
        cvar_limit=cvar_limit,
        te_limit=te_limit,
        min_return_row=min_return_row,
        structure_id=next(_model_ids),
    )
