"""simulate, optimize (scenario input) and advise give the same bytes of JSON on local threads
and on a Dask cluster of 1, 2 and 4 worker processes; progress is reported per chunk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from allocator.cli import main
from tests.distributed.conftest import CHUNK, PATHS, start_cluster

pytest.importorskip("distributed")

ENV = {"SOURCE_DATE_EPOCH": "1700000000"}


def _run(args: list[str], out: Path) -> bytes:
    result = CliRunner(env=ENV).invoke(main, args)
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def _simulate(inputs: Path, out: Path, *executor: str) -> bytes:
    args = ["simulate", str(inputs / "story.yaml"), "--out", str(out), "-q"]
    args += ["--paths", str(PATHS), "--chunk-size", str(CHUNK), *executor]
    return _run(args, out / "story.json")


def _optimize(inputs: Path, out: Path, *executor: str) -> bytes:
    json_path = out / "weights.json"
    args = ["optimize", str(inputs / "story.yaml"), "--objective", "crra"]
    args += ["--paths", str(PATHS), "--json", str(json_path), *executor]
    answer = _run(args, json_path)
    assert json.loads(answer)["input"]["n_scenarios"] == PATHS * 2  # two years per path
    return answer


def _advise(inputs: Path, out: Path, *executor: str) -> bytes:
    args = ["advise", str(inputs / "outlook.yaml"), "--out", str(out), "-q"]
    args += ["--paths", str(3 * 4096 + 7), *executor]
    return _run(args, out / "outlook.json")


COMMANDS = {"simulate": _simulate, "optimize": _optimize, "advise": _advise}


@pytest.fixture(scope="module")
def local_answers(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("local")
    return {
        name: command(inputs, out, "--executor", "local", "--workers", "2")
        for name, command in COMMANDS.items()
    }


@pytest.fixture(scope="module", params=[1, 2, 4], ids=lambda n: f"{n}-workers")
def cluster(request: pytest.FixtureRequest) -> Iterator[Any]:
    with start_cluster(request.param) as started:
        yield started


@pytest.mark.parametrize("name", list(COMMANDS))
def test_dask_gives_the_bytes_of_local(
    name: str,
    cluster: Any,
    inputs: Path,
    local_answers: dict[str, bytes],
    tmp_path: Path,
) -> None:
    executor = ["--executor", "dask", "--scheduler", cluster.scheduler_address]
    assert COMMANDS[name](inputs, tmp_path, *executor) == local_answers[name]


def test_progress_is_fed_per_chunk_on_dask(two_workers: Any, inputs: Path) -> None:
    from distributed import Client

    from allocator.scenario import load_scenario
    from allocator.simulation import simulate
    from allocator.simulation.executors import DaskExecutor

    calls: list[tuple[int, int]] = []
    scenario = load_scenario(inputs / "story.yaml")
    with Client(two_workers) as client, DaskExecutor(client=client) as executor:
        simulate(
            scenario,
            paths=PATHS,
            chunk_size=CHUNK,
            executor=executor,
            progress=lambda done, total: calls.append((done, total)),
        )
        assert client.status == "running"  # a client it was given is left open
    assert len(calls) == 11  # one per chunk
    assert all(total == PATHS for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1][0] == PATHS
