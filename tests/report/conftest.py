"""Shared result documents for the report tests: a real simulation of a bundled scenario
(small path count) with hostile names, a parametric one without macro paths, and a
hand-made advice document."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import allocator
from allocator.report.result_json import result_document

REPO = Path(__file__).resolve().parents[2]
EVIL = "<script>alert(1)</script>"
Doc = dict[str, Any]

PARAMETRIC = """\
name: parametric test
description: "A & B"
horizon_months: 18
paths: 1500
seed: 5
assets:
  small: {name: Small caps, ticker: IWM, kind: equity, expense_ratio: "0.19%"}
  large: {name: Large caps, ticker: SPY, kind: equity}
market:
  model: parametric
  mean: {small: 8%, large: 7%}
  vol: {small: 19.7%, large: 16%}
  correlation: {assets: [small, large], matrix: [[1, 0.8], [0.8, 1]]}
portfolios:
  all_large: {weights: {large: 1}}
  tilt_20: {weights: {large: 0.8, small: 0.2}}
"""


def simulate_document(path: Path, paths: int, seed: int = 3) -> Doc:
    scenario = allocator.load_scenario(path)
    return result_document(allocator.simulate(scenario, paths=paths, seed=seed))


@pytest.fixture(scope="session")
def macro_doc() -> Doc:
    """rate_cuts.yaml, 2,000 paths, with a script tag in every user-written name."""
    doc = simulate_document(REPO / "scenarios" / "rate_cuts.yaml", paths=2000)
    doc["generated_at"] = "2026-01-01T00:00:00+00:00"
    doc["scenario"]["name"] = EVIL
    doc["scenario"]["resolved"]["name"] = EVIL
    doc["scenario"]["resolved"]["description"] = f"Story {EVIL} & more"
    doc["portfolios"][1]["name"] = f"tilt {EVIL}"
    doc["scenario"]["resolved"]["assets"]["small"]["ticker"] = "<b>IWM</b>"
    return doc


@pytest.fixture(scope="session")
def parametric_doc(tmp_path_factory: pytest.TempPathFactory) -> Doc:
    path = tmp_path_factory.mktemp("parametric") / "parametric.yaml"
    path.write_text(PARAMETRIC)
    return simulate_document(path, paths=1500)


def with_optimization(doc: Doc) -> Doc:
    """A copy of ``doc`` with an ``optimization`` section as the optimizer will write it."""
    out = copy.deepcopy(doc)
    frontier = [
        {
            "target_return": 0.06 + 0.004 * i,
            "risk": 0.10 + 0.01 * i + 0.001 * i * i,
            "weights": {"large": 1 - 0.05 * i, "small": 0.05 * i},
            "small_cap_weight": 0.05 * i,
        }
        for i in range(9)
    ]
    out["optimization"] = {
        "allocation": {
            "objective": "min-cvar",
            "weights": {"large": 0.85, "small": 0.15},
            "expected_return": 0.072,
            "volatility": 0.16,
            "cvar": 0.134,
        },
        "frontier": frontier,
    }
    return out


@pytest.fixture()
def advice_doc() -> Doc:
    return json.loads((Path(__file__).parent / "advice_example.json").read_text())
