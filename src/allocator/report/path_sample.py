"""The per-path sample a result file keeps: final wealth and maximum drawdown of the first
``SAMPLE_PATHS`` paths of every series, so that ``compare`` can pair two results path by path.

Paths are independent and identically distributed, so the first ``m`` are a random sample of
the run's; with the same seed and path count, path ``i`` of two results was driven by the
same random numbers. Values are float32 (7 significant digits: plenty for an error estimate),
little-endian, base64: 2,048 paths × 2 values cost about 22 kB of JSON per series.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from allocator.metrics import FloatArray
from allocator.path_statistics import PathContext, path_context

if TYPE_CHECKING:
    from allocator.simulation.results import SimulationResult

SAMPLE_PATHS = 2048
SAMPLE_FIELDS = ("terminal", "max_drawdown")
ENCODING = "base64 of little-endian float32"
SERIES_KEYS = ("portfolios", "sweep", "assets")


def encode(values: Any) -> str:
    return base64.b64encode(np.asarray(values, dtype="<f4").tobytes()).decode("ascii")


def decode(text: str) -> FloatArray:
    raw = np.frombuffer(base64.b64decode(text, validate=True), dtype="<f4")
    return raw.astype(np.float64)


def sample_document(result: SimulationResult) -> dict[str, Any]:
    """The ``path_sample`` field of the result JSON. ``terminal`` is final wealth over initial
    wealth; the goal, if any, as the same multiple (the statistics need it)."""
    m = min(SAMPLE_PATHS, result.paths)
    ctx = path_context(result.scenario, result.horizon_months, result.percentiles)
    doc: dict[str, Any] = {"paths": m, "encoding": ENCODING, "goal_multiple": ctx.goal_multiple}
    row = 0  # per-path rows are the portfolios, then the sweep, then the assets
    for key in SERIES_KEYS:
        doc[key] = {}
        for series in getattr(result, key):
            doc[key][series.id] = {
                name: encode(result.per_path[name][row, :m]) for name in SAMPLE_FIELDS
            }
            row += 1
    return doc


@dataclass(frozen=True)
class PathSample:
    """A result file's sample, decoded: ``values[(kind, id)][field]`` arrays of ``paths``."""

    paths: int
    context: PathContext
    benchmark: str
    values: dict[tuple[str, str], dict[str, FloatArray]]

    def terminal_and_drawdown(self, kind: str, sid: str) -> tuple[FloatArray, FloatArray] | None:
        found = self.values.get((kind, sid))
        return None if found is None else (found["terminal"], found["max_drawdown"])

    def benchmark_terminal(self) -> FloatArray | None:
        found = self.values.get(("portfolios", self.benchmark))
        return None if found is None else found["terminal"]


def read_sample(doc: dict[str, Any]) -> PathSample | None:
    """The sample of a result document, or None when it has none (files before schema 1.1)
    or it cannot be read (then the caller falls back to unpaired errors)."""
    block = doc.get("path_sample")
    if not isinstance(block, dict) or block.get("encoding") != ENCODING:
        return None
    try:
        m = int(block["paths"])
        run = doc["run"]
        goal = block.get("goal_multiple")
        context = PathContext(
            horizon_months=int(run["horizon_months"]),
            initial_wealth=float(run["initial_wealth"]),
            var_level=float(run["var_level"]),
            percentiles=tuple(float(p) for p in run["percentiles"]),
            goal_multiple=None if goal is None else float(goal),
        )
        values = {
            (key, sid): {name: decode(fields[name]) for name in SAMPLE_FIELDS}
            for key in SERIES_KEYS
            for sid, fields in (block.get(key) or {}).items()
        }
    except (KeyError, TypeError, ValueError):
        return None
    if m < 2 or any(len(v) != m for fields in values.values() for v in fields.values()):
        return None
    return PathSample(m, context, str(doc["run"].get("benchmark", "")), values)
