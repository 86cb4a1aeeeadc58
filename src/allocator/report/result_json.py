"""The simulation result as versioned JSON.

``schema_version`` follows semantic versioning: a new optional field bumps the minor number,
a renamed or removed field the major one. The document carries everything needed to rerun and
to trust it: the resolved scenario, its hash, the seed, paths, horizon and package versions.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from typing import Any

from allocator.report.path_sample import sample_document
from allocator.simulation.results import SimulationResult, as_dict

#: 1.1.0: ``path_sample`` (per-path values of the first paths, for paired comparisons)
SCHEMA_VERSION = "1.1.0"


def generated_at() -> str:
    """UTC time of the run, or ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
        if epoch and epoch.isdigit()
        else dt.datetime.now(tz=dt.timezone.utc)
    )
    return moment.replace(microsecond=0).isoformat()


def _clean(value: Any) -> Any:
    """JSON has no NaN/inf: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def result_document(result: SimulationResult) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": "simulation",
        "generated_at": generated_at(),
        "versions": result.versions,
        "scenario": {
            "name": result.scenario.name,
            "hash": result.scenario_hash,
            "resolved": result.scenario.model_dump(mode="json"),
        },
        "run": {
            "seed": result.seed,
            "paths": result.paths,
            "horizon_months": result.horizon_months,
            "percentiles": list(result.percentiles),
            "var_level": result.scenario.report.var_level,
            "initial_wealth": result.scenario.initial_wealth,
            "benchmark": result.scenario.benchmark_id,
        },
        "notes": list(result.notes),
    }
    doc.update(as_dict(result))
    doc["path_sample"] = sample_document(result)
    return _clean(doc)  # type: ignore[no-any-return]


def to_json(document: dict[str, Any]) -> str:
    """The document as the text written to ``<scenario>.json`` (stable key order)."""
    return json.dumps(document, indent=1, allow_nan=False) + "\n"
