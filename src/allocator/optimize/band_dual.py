"""The dual of the band LP (``band_lp``) in one ``highspy.Highs`` instance, warm-started from
round to round and from frontier point to frontier point.

With ``x`` the master's columns without the ``theta_j`` (``linear_model``; ``w`` first, ``a``
among them), ``c'`` their costs, ``c_t`` the cost of a ``theta_j``, ``S`` and ``s`` the sum and
count of the sure tail's rows, the band LP

    min  c'^T x - c_t (S^T w + s a) + c_t sum_{i in band} z_i
    s.t. z_i + R_i w + a >= 0,  z_i >= 0,  row_lower <= A x <= row_upper,  lower <= x <= upper

has the dual (weak duality: any feasible point of it prices a lower bound)

    max  sum (finite bounds) * (their multipliers)
    s.t. sum_{band} pi_i [R_i, 1] + A^T (y_lo - y_up) + (d_lo - d_up) = c' - c_t [S, s]
         0 <= pi_i <= c_t,  y, d >= 0  (free for an equation),

one equality row per column of ``x`` (a handful) whatever the band's size. ``x`` is the row
duals of the optimum. Between solves only the right-hand side, the prices of the bound
multipliers (the return target) and the band's columns change: a column whose scenario leaves
the band is deleted, one that joins is appended, and the dual simplex restarts from the last
basis. Scenarios whose column is basic stay in the band, so the basis stays valid; HiGHS puts
a new boxed column at its dual-feasible bound. The basic columns are also the active planes of
a vertex of the band LP (``Vertex``), from which the next solve first tries the walk
(``band_walk``); HiGHS then solves only when the walk declines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocator.optimize.linear_model import LinearModel
from allocator.optimize.lp_master import TOLERANCE, IntArray, highspy
from allocator.optimize.measures import FloatArray

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Vertex:
    """Active planes of the band LP: ``bounds`` (bound multipliers' columns) and ``kinks``
    (scenario numbers), ``len(bounds) + len(kinks) = dim x``."""

    bounds: IntArray
    kinks: IntArray


class BandDual:
    """The dual band LP of models of ``model``'s structure."""

    def __init__(self, model: LinearModel) -> None:
        assert model.cvar is not None and highspy is not None
        theta = np.arange(model.cvar.start + 1, model.cvar.stop)
        self.keep = np.setdiff1d(np.arange(model.n_vars), theta)
        self.structure_id = model.structure_id
        self.m = model.n_assets
        self.alpha = int(np.flatnonzero(self.keep == model.cvar.start)[0])
        self.cost = model.c[self.keep]
        self.theta_cost = float(model.c[theta[0]])
        self.iterations = 0  # simplex iterations of the last solve
        self.fixed, self._source, self._sign, lower = self._bound_columns(model)
        self._free = lower == -np.inf
        self._vertex: Vertex | None = None  # the last solve's active planes
        self.pattern = self._pattern(model)
        prices = self._prices(model)
        self.scenarios = np.zeros(0, dtype=np.intp)  # the band's columns, after the fixed ones
        self._basic = np.zeros(0, dtype=bool)
        h = self.highs = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")
        h.setOptionValue("primal_feasibility_tolerance", TOLERANCE)
        h.setOptionValue("dual_feasibility_tolerance", TOLERANCE)
        # Dantzig pricing: with a handful of rows, edge weights cost more than they save
        h.setOptionValue("simplex_dual_edge_weight_strategy", 0)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        no_index = np.zeros(0, dtype=np.int32)
        h.addRows(self.keep.size, self.cost, self.cost, 0, no_index, no_index, np.zeros(0))
        inf = highspy.kHighsInf
        nonzero = self.fixed != 0.0
        counts = nonzero.sum(axis=1)
        h.addCols(
            self.fixed.shape[0],
            prices,
            np.where(np.isfinite(lower), lower, -inf),
            np.full(self.fixed.shape[0], inf),
            int(counts.sum()),
            np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32),
            np.nonzero(nonzero)[1].astype(np.int32),
            self.fixed[nonzero],
        )

    def fits(self, model: LinearModel) -> bool:
        """Whether ``model`` differs from this one's only in bounds this instance can price."""
        if model.structure_id != self.structure_id:
            return False
        return bool(np.array_equal(self._pattern(model), self.pattern))

    def _bounds(self, model: LinearModel) -> tuple[FloatArray, FloatArray]:
        """Lower and upper bounds of ``model``'s rows, then of its kept columns."""
        lower = np.concatenate([model.row_lower, model.lower[self.keep]])
        upper = np.concatenate([model.row_upper, model.upper[self.keep]])
        return lower, upper

    def _pattern(self, model: LinearModel) -> npt.NDArray[np.bool_]:
        """Which bounds are finite and which are equations: what the columns depend on."""
        lower, upper = self._bounds(model)
        return np.concatenate([np.isfinite(lower), np.isfinite(upper), lower == upper])

    def _prices(self, model: LinearModel) -> FloatArray:
        """The bound multipliers' prices: the bounds, signed."""
        lower, upper = self._bounds(model)
        prices: FloatArray = self._sign * np.concatenate([lower, upper])[self._source]
        return prices

    def _bound_columns(
        self, model: LinearModel
    ) -> tuple[FloatArray, IntArray, FloatArray, FloatArray]:
        """The multipliers' columns of ``model``'s finite row and column bounds, where their
        prices come from (an index into the lower bounds then the upper ones of ``_bounds``)
        and with which sign, and their lower bounds (``-inf``: an equation's free
        multiplier)."""
        columns: list[FloatArray] = []
        source: list[int] = []
        sign: list[float] = []
        free: list[bool] = []
        normals = np.vstack([model.rows[:, self.keep], np.eye(self.keep.size)])
        lower, upper = self._bounds(model)
        size = lower.size
        for j in range(size):
            if lower[j] == upper[j]:
                columns.append(normals[j])
                source.append(j)
                sign.append(1.0)
                free.append(True)
                continue
            for side, bound, at in ((1.0, lower[j], j), (-1.0, upper[j], size + j)):
                if np.isfinite(bound):
                    columns.append(side * normals[j])
                    source.append(at)
                    sign.append(side)
                    free.append(False)
        return (
            np.array(columns),
            np.array(source, dtype=np.intp),
            np.array(sign),
            np.where(np.array(free), -np.inf, 0.0),
        )

    def solve(
        self, model: LinearModel, returns: FloatArray, sure: IntArray, band: IntArray
    ) -> tuple[FloatArray, float, IntArray, IntArray] | None:
        """``(x^, g*, sure, band)`` for ``model`` (``fits``) and the split ``sure``/``band``
        (sorted scenario numbers; those whose column was basic join the band), or None if HiGHS
        finds no optimum."""
        assert highspy is not None
        h = self.highs
        kept = self.scenarios[self._basic]
        if self._vertex is not None:
            kept = np.union1d(kept, self._vertex.kinks)
        if kept.size:
            band = np.union1d(band, kept)
            at = np.searchsorted(sure, kept)  # both sorted: drop the kept from ``sure``
            at = at[at < sure.size]
            sure = np.delete(sure, at[np.isin(sure[at], kept)])
        m, t = self.m, self.theta_cost
        rhs = self.cost.copy()
        rhs[:m] -= t * np.take(returns, sure, axis=0).sum(axis=0)  # take: faster than [sure]
        rhs[self.alpha] -= t * sure.size
        prices = self._prices(model)
        if self._vertex is not None:
            # imported here: the walk's numba kernel is for frontiers, not single solves
            from allocator.optimize.band_walk import walk

            walked = walk(
                self._vertex, rhs, t, self.fixed, prices, self._free, returns, band, m, self.alpha
            )
            self._vertex = None if walked is None else walked.vertex
            if walked is not None:
                self.iterations = walked.steps
                return walked.x, walked.value, sure, band
        rows = np.arange(rhs.size, dtype=np.int32)
        h.changeRowsBounds(rows.size, rows, rhs, rhs)
        fixed = np.arange(self.fixed.shape[0], dtype=np.int32)
        h.changeColsCost(fixed.size, fixed, prices)
        self._update_band(returns, band)
        h.run()
        self.iterations = int(h.getInfo().simplex_iteration_count)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            self._basic = np.zeros(self.scenarios.size, dtype=bool)
            h.clearSolver()  # no basis worth keeping
            return None
        basic = highspy.HighsBasisStatus.kBasic
        status = np.array([s == basic for s in h.getBasis().col_status], dtype=bool)
        self._basic = status[self.fixed.shape[0] :]
        bounds = np.flatnonzero(status[: self.fixed.shape[0]])
        kinks = np.sort(self.scenarios[self._basic])
        if bounds.size + kinks.size == self.keep.size:  # no row's logical in the basis
            self._vertex = Vertex(bounds, kinks)
        x = np.array(h.getSolution().row_dual, dtype=np.float64)
        return x, float(h.getInfo().objective_function_value), sure, band

    def _update_band(self, returns: FloatArray, scenarios: IntArray) -> None:
        """Delete the columns of scenarios that left the band, append those that joined."""
        assert highspy is not None
        h = self.highs
        stay = np.isin(self.scenarios, scenarios, assume_unique=True)
        if not np.all(stay):
            gone = (self.fixed.shape[0] + np.flatnonzero(~stay)).astype(np.int32)
            h.deleteCols(gone.size, gone)
            self.scenarios = self.scenarios[stay]
            self._basic = self._basic[stay]
        new = np.setdiff1d(scenarios, self.scenarios, assume_unique=True)
        if new.size == 0:
            return
        m, b = self.m, new.size
        index = np.append(np.arange(m), self.alpha).astype(np.int32)
        values = np.column_stack([np.take(returns, new, axis=0), np.ones(b)])
        h.addCols(
            b,
            np.zeros(b),
            np.zeros(b),
            np.full(b, self.theta_cost),
            b * (m + 1),
            np.arange(0, b * (m + 1), m + 1, dtype=np.int32),
            np.tile(index, b),
            values.ravel(),
        )
        self.scenarios = np.concatenate([self.scenarios, new])
        self._basic = np.concatenate([self._basic, np.zeros(b, dtype=bool)])
