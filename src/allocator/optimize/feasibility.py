"""Which constraints of an infeasible request conflict: a deletion filter over constraint groups.

Each group (``min_return``, ``cvar_limit``, ``tracking_error_limit``, ``turnover_limit``,
``leverage_limit``, ``groups.<name>``, ``bounds.<asset>``) is dropped in turn, bounds first and
the return target last (the leverage limit first of all when every bound is long-only, as the
bounds then imply it); a group stays dropped when the rest is still infeasible. What remains is
an irreducible conflicting set: every group in it is needed for the conflict (Chinneck's
deletion filter). Feasibility of a subset is an LP over the linear groups, with the CVaR and
tracking-error limits as cuts (``cutting_plane`` with the ``feasibility`` goal: minimize the
largest violation ``v`` of those limits, certified ``> 0`` or ``<= tolerance``). The budget
``sum w = 1`` is never dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from allocator.errors import SolverFailedError
from allocator.optimize.cutting_plane import CvarCuttingPlane
from allocator.optimize.linear_model import build_linear_model
from allocator.optimize.measures import FloatArray
from allocator.optimize.spec import ProblemSpec

FEASIBILITY_TOLERANCE = 1e-9


def is_feasible(
    spec: ProblemSpec,
    mean: FloatArray,
    engine: CvarCuttingPlane,
    enabled: frozenset[str],
) -> bool:
    """Whether the constraint groups ``enabled`` of ``spec`` admit a portfolio (True when
    the check cannot decide: a group is then kept in the conflict rather than wrongly
    dropped)."""
    model = build_linear_model(spec, mean, "feasibility", engine.layout, enabled)
    try:
        result = engine.solve(model, tolerance=FEASIBILITY_TOLERANCE, max_iterations=500)
    except SolverFailedError:
        return True
    return result.status == "feasible"


def find_conflict(
    spec: ProblemSpec,
    mean: FloatArray,
    engine: CvarCuttingPlane,
    feasible: Callable[[frozenset[str]], bool] | None = None,
) -> tuple[str, ...]:
    """An irreducible set of constraint names that cannot hold together (in message order:
    limits, groups, bounds); empty when the request is feasible."""
    check = feasible or (lambda names: is_feasible(spec, mean, engine, names))
    names = spec.constraint_names()
    kept = set(names)
    if check(frozenset(kept)):
        return ()
    order = list(reversed(names))  # bounds first, the return target last
    if not spec.allows_shorting:
        # long-only bounds already cap sum |w| at 1: try the leverage limit first, so the
        # conflict is told in the bounds the user wrote
        order.remove("leverage_limit")
        order.insert(0, "leverage_limit")
    for name in order:
        trial = kept - {name}
        if not check(frozenset(trial)):
            kept = trial
    return tuple(name for name in names if name in kept)


def describe_conflict(spec: ProblemSpec, conflict: tuple[str, ...]) -> str:
    """One line: ``infeasible: min_return 0.25 conflicts with bounds.small [0, 0.4], ...``."""
    labels = [spec.labels.get(name, name) for name in conflict]
    if len(labels) == 1:
        return f"infeasible: {labels[0]} cannot be met, whatever the other constraints"
    return f"infeasible: {labels[0]} conflicts with {', '.join(labels[1:])}"
