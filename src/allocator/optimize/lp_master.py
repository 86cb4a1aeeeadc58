"""A small LP that grows by rows and is re-solved many times: the cutting plane's master.

``lower_row <= A x <= upper_row``, ``lower <= x <= upper``, minimize ``c^T x``. With ``highspy``
(HiGHS's own Python interface, installed with cvxpy) rows are added to one ``Highs`` instance
and each solve warm-starts the dual simplex from the previous basis; without it every solve
rebuilds the LP for ``scipy.optimize.linprog(method="highs")`` (same solver, no warm start,
several times slower on long cut loops). Both use primal and dual feasibility tolerances 1e-10.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

from allocator.optimize.measures import FloatArray

#: HiGHS's own interface, a dependency of recent cvxpy releases (None when absent).
highspy: Any = importlib.import_module("highspy") if importlib.util.find_spec("highspy") else None
HAVE_HIGHSPY = highspy is not None

IntArray = npt.NDArray[np.intp]
TOLERANCE = 1e-10
LpStatus = Literal["optimal", "infeasible", "failed"]


class LinprogMaster:
    """The master LP re-solved from scratch by ``scipy.optimize.linprog``."""

    def __init__(
        self,
        c: FloatArray,
        lower: FloatArray,
        upper: FloatArray,
        rows: FloatArray,
        row_lower: FloatArray,
        row_upper: FloatArray,
    ) -> None:
        self.c = c
        self.lower, self.upper = lower.copy(), upper.copy()
        self.rows, self.row_lower, self.row_upper = rows.copy(), row_lower.copy(), row_upper.copy()
        self.message = ""

    def add_rows(self, rows: FloatArray, row_lower: FloatArray, row_upper: FloatArray) -> None:
        self.rows = np.vstack([self.rows, rows])
        self.row_lower = np.concatenate([self.row_lower, row_lower])
        self.row_upper = np.concatenate([self.row_upper, row_upper])

    def delete_rows(self, positions: IntArray) -> None:
        keep = np.ones(self.rows.shape[0], dtype=bool)
        keep[positions] = False
        self.rows, self.row_lower = self.rows[keep], self.row_lower[keep]
        self.row_upper = self.row_upper[keep]

    def set_col_bounds(self, index: IntArray, lower: FloatArray, upper: FloatArray) -> None:
        self.lower[index], self.upper[index] = lower, upper

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None:
        self.row_lower[row], self.row_upper[row] = lower, upper

    def solve(self) -> tuple[LpStatus, FloatArray | None, float]:
        equal = self.row_lower == self.row_upper
        upper_rows = ~equal & np.isfinite(self.row_upper)
        lower_rows = ~equal & np.isfinite(self.row_lower)
        a_ub = np.vstack([self.rows[upper_rows], -self.rows[lower_rows]])
        b_ub = np.concatenate([self.row_upper[upper_rows], -self.row_lower[lower_rows]])
        result = linprog(
            self.c,
            A_ub=a_ub if a_ub.shape[0] else None,
            b_ub=b_ub if a_ub.shape[0] else None,
            A_eq=self.rows[equal] if equal.any() else None,
            b_eq=self.row_upper[equal] if equal.any() else None,
            bounds=np.column_stack([self.lower, self.upper]),
            method="highs",
            options={
                "primal_feasibility_tolerance": TOLERANCE,
                "dual_feasibility_tolerance": TOLERANCE,
            },
        )
        self.message = str(result.message)
        if result.status == 2:
            return "infeasible", None, np.inf
        if result.status != 0 or result.x is None:
            return "failed", None, np.nan
        return "optimal", np.asarray(result.x, dtype=np.float64), float(result.fun)


class HighsMaster:
    """The master LP kept in one ``highspy.Highs`` instance (rows appended, warm starts)."""

    def __init__(
        self,
        c: FloatArray,
        lower: FloatArray,
        upper: FloatArray,
        rows: FloatArray,
        row_lower: FloatArray,
        row_upper: FloatArray,
    ) -> None:
        assert highspy is not None
        h = self.highs = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")
        h.setOptionValue("primal_feasibility_tolerance", TOLERANCE)
        h.setOptionValue("dual_feasibility_tolerance", TOLERANCE)
        inf = highspy.kHighsInf
        self.n = c.shape[0]
        empty_i = np.zeros(0, dtype=np.int32)
        h.addCols(
            self.n,
            c,
            np.where(np.isfinite(lower), lower, -inf),
            np.where(np.isfinite(upper), upper, inf),
            0,
            empty_i,
            empty_i,
            np.zeros(0),
        )
        self.message = ""
        self.add_rows(rows, row_lower, row_upper)

    def add_rows(self, rows: FloatArray, row_lower: FloatArray, row_upper: FloatArray) -> None:
        if rows.shape[0] == 0:
            return
        assert highspy is not None
        inf = highspy.kHighsInf
        nonzero = rows != 0.0
        counts = nonzero.sum(axis=1)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
        columns = np.nonzero(nonzero)[1].astype(np.int32)
        self.highs.addRows(
            rows.shape[0],
            np.where(np.isfinite(row_lower), row_lower, -inf),
            np.where(np.isfinite(row_upper), row_upper, inf),
            int(counts.sum()),
            starts,
            columns,
            rows[nonzero],
        )

    def delete_rows(self, positions: IntArray) -> None:
        if positions.size:
            idx = np.asarray(positions, dtype=np.int32)
            self.highs.deleteRows(idx.size, idx)

    def set_col_bounds(self, index: IntArray, lower: FloatArray, upper: FloatArray) -> None:
        idx = np.asarray(index, dtype=np.int32)
        self.highs.changeColsBounds(idx.size, idx, lower, upper)

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None:
        assert highspy is not None
        inf = highspy.kHighsInf
        self.highs.changeRowBounds(
            row, lower if np.isfinite(lower) else -inf, upper if np.isfinite(upper) else inf
        )

    def solve(self) -> tuple[LpStatus, FloatArray | None, float]:
        assert highspy is not None
        h = self.highs
        h.run()
        status = h.getModelStatus()
        self.message = h.modelStatusToString(status)
        if status == highspy.HighsModelStatus.kOptimal:
            x = np.array(h.getSolution().col_value, dtype=np.float64)
            return "optimal", x, float(h.getInfo().objective_function_value)
        if status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", None, np.inf
        return "failed", None, np.nan


LpMaster = HighsMaster | LinprogMaster


def make_master(
    c: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    rows: FloatArray,
    row_lower: FloatArray,
    row_upper: FloatArray,
    use_highspy: bool | None = None,
) -> LpMaster:
    """A ``HighsMaster`` when highspy is importable (or ``use_highspy``), else ``LinprogMaster``."""
    if use_highspy is None:
        use_highspy = HAVE_HIGHSPY
    kind = HighsMaster if use_highspy else LinprogMaster
    return kind(c, lower, upper, rows, row_lower, row_upper)
