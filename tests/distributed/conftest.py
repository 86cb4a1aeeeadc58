"""Shared inputs of the executor tests: a small story, an outlook of two, real local clusters.

Clusters are ``LocalCluster``s of worker processes on loopback (one thread each), as
``--executor dask --workers N`` starts them; each is shared by the tests of one module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from allocator.simulation.seeding import BLOCK_PATHS

STORY = """\
name: {name}
horizon_months: 24
paths: 3000
seed: 11
assets:
  small: {{name: Small caps, ticker: IWM, kind: equity, expense_ratio: "0.19%"}}
  large: {{name: Large caps, ticker: SPY, kind: equity}}
  cash: {{name: Cash, ticker: BIL, kind: cash}}
market:
  model: parametric
  mean: {{small: {small_mean}, large: 7%, cash: 3%}}
  vol: {{small: 20%, large: 16%, cash: 0.5%}}
  correlation: {{assets: [small, large], matrix: [[1, 0.8], [0.8, 1]]}}
  innovations: {{distribution: student_t, dof: 5}}
portfolios:
  all_large: {{weights: {{large: 0.9, cash: 0.1}}}}
  tilt: {{weights: {{large: 0.6, small: 0.3, cash: 0.1}},
         rebalance: {{policy: threshold, band: 0.05}}}}
sweep: {{asset: small, funded_from: large, stop: 40%, step: 20%}}
optimization: {{decision_period: year, bounds: {{small: [0, 40%]}}}}
"""

#: 10 full blocks and a short one: 11 one-block chunks, several per worker at 4 workers
PATHS = 10 * BLOCK_PATHS + 123
CHUNK = BLOCK_PATHS


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with ``story.yaml`` and ``outlook.yaml`` (two stories, 50/50)."""
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "story.yaml").write_text(STORY.format(name="story", small_mean="8%"))
    (folder / "gloomy.yaml").write_text(STORY.format(name="gloomy", small_mean="2%"))
    (folder / "outlook.yaml").write_text(
        "name: test outlook\nscenarios:\n"
        "  - {file: story.yaml, probability: 0.5}\n"
        "  - {file: gloomy.yaml, probability: 0.5}\n"
    )
    return folder


def start_cluster(n_workers: int) -> Any:
    """The cluster ``--executor dask --workers N`` starts."""
    from allocator.simulation.executors import start_local_cluster

    return start_local_cluster(n_workers)


@pytest.fixture(scope="module")
def two_workers() -> Iterator[Any]:
    """A 2-worker cluster (the scheduler address: ``.scheduler_address``)."""
    pytest.importorskip("distributed")
    with start_cluster(2) as cluster:
        yield cluster
