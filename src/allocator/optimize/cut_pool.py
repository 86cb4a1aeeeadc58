"""The cut pool of the cutting plane, and the master LP's working set of its cuts.

Every cut ever made on one scenario matrix stays in the pool (cuts depend on the data only,
never on the request); the master LP (``lp_master``) holds the model's rows and a working set:
the cuts made since its last solve, plus pool cuts violated at its solution (added and the LP
re-solved until none is), minus those slack at the start of each new solve. The master stays
small along a 50-point frontier while every cut remains available. Separation reads the
cuts made since the previous solve began (a frontier's neighbouring points share cuts; a cut
from far away, valid but rarely violated, is not worth a pass over a pool of 10^4-10^5 rows).

Cut kinds, in ``model``'s columns (``linear_model``): ``cvar``
``theta_j >= -S^T w - c a`` (block ``j``, tail sum ``S``, tail count ``c``), and ``te``
``tau >= g^T (w - b)`` (gradient ``g`` of the tracking error).
"""

from __future__ import annotations

import numpy as np

from allocator.optimize.linear_model import LinearModel
from allocator.optimize.lp_master import IntArray, LpMaster, LpStatus, make_master
from allocator.optimize.measures import FloatArray


class CutPool:
    """Cuts for ``n_assets`` weights (``benchmark`` ``b`` for tracking-error cuts) and the
    master LP of the model being solved."""

    def __init__(
        self,
        n_assets: int,
        benchmark: FloatArray | None,
        use_highspy: bool,
        separation_limit: int,
    ) -> None:
        self.benchmark = benchmark
        self.use_highspy = use_highspy
        self.separation_limit = separation_limit
        # CVaR cuts in arrays grown by doubling (``_cvar_size`` rows used)
        self._blocks = np.zeros(0, dtype=np.intp)
        self._sums = np.zeros((0, n_assets))
        self._counts = np.zeros(0)
        self._cvar_size = 0
        self.te_grads = np.zeros((0, n_assets))
        self.message = ""
        self._master: LpMaster | None = None
        self._master_id = -1
        self._master_cuts: list[tuple[str, int]] = []
        self._in_master = {"cvar": np.zeros(0, dtype=bool), "te": np.zeros(0, dtype=bool)}
        self._last_x: FloatArray | None = None
        self._pool_mark: dict[str, int] = {}
        # separation reads the cuts made since the previous solve began (neighbouring solves
        # share cuts; older ones stay in the pool and in the master while binding)
        self._window: dict[str, int] = {}
        self._solve_mark: dict[str, int] = {}

    def begin_solve(self) -> None:
        """Mark a new solve: separation then reads cuts from the previous solve on."""
        self._window = self._solve_mark
        self._solve_mark = {"cvar": self.cut_sums.shape[0], "te": self.te_grads.shape[0]}

    @property
    def cut_blocks(self) -> IntArray:
        return self._blocks[: self._cvar_size]

    @property
    def cut_sums(self) -> FloatArray:
        return self._sums[: self._cvar_size]

    @property
    def cut_counts(self) -> FloatArray:
        return self._counts[: self._cvar_size]

    def add_cvar(self, blocks: IntArray, sums: FloatArray, counts: FloatArray) -> None:
        """Cuts ``theta_j >= -sums^T w - counts a`` of blocks ``blocks``."""
        size, grown = self._cvar_size, self._cvar_size + blocks.size
        if grown > self._blocks.size:
            capacity = max(grown, 2 * self._blocks.size, 1024)
            self._blocks = np.resize(self._blocks, capacity)
            self._sums = np.resize(self._sums, (capacity, self._sums.shape[1]))
            self._counts = np.resize(self._counts, capacity)
        self._blocks[size:grown] = blocks
        self._sums[size:grown] = sums
        self._counts[size:grown] = counts
        self._cvar_size = grown

    def add_te(self, gradient: FloatArray) -> None:
        """The cut ``tau >= gradient^T (w - b)``."""
        self.te_grads = np.vstack([self.te_grads, gradient])

    def solve_master(
        self, model: LinearModel, lower: FloatArray, upper: FloatArray
    ) -> tuple[LpStatus, FloatArray | None, float]:
        """Solve ``model``'s master with weights in ``[lower, upper]``, adding violated pool
        cuts until none is left; ``(status, x, value)`` as ``lp_master`` returns them."""
        master = self._master_for(model)
        self._sync_pool()
        for kind in self._kinds(model):  # cuts made since the last solve
            fresh = np.flatnonzero(~self._in_master[kind])
            self._add_to_master(model, kind, fresh[fresh >= self._pool_mark.get(kind, 0)])
        self._pool_mark = {"cvar": self.cut_sums.shape[0], "te": self.te_grads.shape[0]}
        master.set_col_bounds(np.arange(model.n_assets), lower, upper)
        status: LpStatus = "failed"
        x: FloatArray | None = None
        value = np.nan
        for _ in range(100):
            status, x, value = master.solve()
            self.message = master.message
            if status != "optimal" or x is None:
                return status, None, value
            self._last_x = x
            if self._separate(model, x) == 0:
                break
        return status, x, value

    def _cut_rows(
        self, model: LinearModel, kind: str, index: IntArray
    ) -> tuple[FloatArray, FloatArray]:
        """Rows (``<= upper``) of pool cuts ``index`` of ``kind`` in ``model``'s columns."""
        m = model.n_assets
        rows = np.zeros((index.size, model.n_vars))
        if kind == "cvar":
            assert model.cvar is not None
            rows[:, :m] = -self.cut_sums[index]
            rows[:, model.cvar.start] = -self.cut_counts[index]
            rows[np.arange(index.size), model.cvar.start + 1 + self.cut_blocks[index]] = -1.0
            return rows, np.zeros(index.size)
        assert model.tau is not None and self.benchmark is not None
        rows[:, :m] = self.te_grads[index]
        rows[:, model.tau] = -1.0
        return rows, self.te_grads[index] @ self.benchmark

    def _violations(
        self, model: LinearModel, kind: str, x: FloatArray, index: IntArray | slice
    ) -> FloatArray:
        """How much the pool cuts ``index`` of ``kind`` are violated at ``x`` (negative:
        slack)."""
        m = model.n_assets
        if kind == "cvar":
            assert model.cvar is not None
            theta = x[model.cvar.start + 1 + self.cut_blocks[index]]
            alpha = x[model.cvar.start]
            value: FloatArray = self.cut_sums[index] @ -x[:m]
            value -= self.cut_counts[index] * alpha
            value -= theta
            return value
        assert model.tau is not None and self.benchmark is not None
        result: FloatArray = self.te_grads[index] @ (x[:m] - self.benchmark) - x[model.tau]
        return result

    def _kinds(self, model: LinearModel) -> list[str]:
        return (["cvar"] if model.cvar is not None else []) + (
            ["te"] if model.tau is not None else []
        )

    def _add_to_master(self, model: LinearModel, kind: str, index: IntArray) -> None:
        if index.size == 0 or self._master is None:
            return
        rows, upper = self._cut_rows(model, kind, index)
        self._master.add_rows(rows, np.full(index.size, -np.inf), upper)
        self._master_cuts += [(kind, int(i)) for i in index]
        self._in_master[kind][index] = True

    def _sync_pool(self) -> None:
        """Grow the in-master flags with the pool."""
        for kind, size in (("cvar", self.cut_sums.shape[0]), ("te", self.te_grads.shape[0])):
            flags = self._in_master[kind]
            if flags.size < size:
                self._in_master[kind] = np.concatenate([flags, np.zeros(size - flags.size, bool)])

    def _master_for(self, model: LinearModel) -> LpMaster:
        """The master LP of ``model`` (kept across return targets of one structure, its slack
        cuts dropped at each new solve: the pool brings back whichever become violated)."""
        self._sync_pool()
        if self._master is None or self._master_id != model.structure_id:
            self._master = make_master(
                model.c,
                model.lower,
                model.upper,
                model.rows,
                model.row_lower,
                model.row_upper,
                self.use_highspy,
            )
            self._master_id = model.structure_id
            self._master_cuts = []
            for flags in self._in_master.values():
                flags[:] = False
        else:
            if model.min_return_row is not None:
                r = model.min_return_row
                self._master.set_row_bounds(r, model.row_lower[r], model.row_upper[r])
            if self._last_x is not None and self._master_cuts:
                self._prune(model, self._last_x)
        return self._master

    def _prune(self, model: LinearModel, x: FloatArray) -> None:
        """Drop the master's cuts that are slack at ``x`` (kept in the pool)."""
        assert self._master is not None
        slack = np.zeros(len(self._master_cuts))
        for kind in self._kinds(model):
            positions = [p for p, (k, _) in enumerate(self._master_cuts) if k == kind]
            index = np.array([self._master_cuts[p][1] for p in positions], dtype=np.intp)
            if index.size:
                slack[positions] = -self._violations(model, kind, x, index)
        drop = np.flatnonzero(slack > 1e-9)
        if drop.size:
            self._master.delete_rows(model.rows.shape[0] + drop)
            for position in drop:
                kind, i = self._master_cuts[position]
                self._in_master[kind][i] = False
            keep = np.ones(len(self._master_cuts), dtype=bool)
            keep[drop] = False
            self._master_cuts = [c for c, k in zip(self._master_cuts, keep, strict=True) if k]

    def _separate(self, model: LinearModel, x: FloatArray) -> int:
        """Add to the master the pool cuts most violated at ``x`` (at most the limit)."""
        limit = self.separation_limit
        self._sync_pool()
        added = 0
        for kind in self._kinds(model):
            first = self._window.get(kind, 0)
            violation = self._violations(model, kind, x, slice(first, None))
            violation[self._in_master[kind][first:]] = -np.inf
            candidates = np.flatnonzero(violation > 1e-10 * max(1.0, float(np.max(np.abs(x)))))
            if candidates.size > limit:
                candidates = candidates[np.argsort(violation[candidates])[-limit:]]
            self._add_to_master(model, kind, candidates + first)
            added += candidates.size
        return added
