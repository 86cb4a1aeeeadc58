"""Faults on the Dask executor: a worker killed mid-run changes nothing (its chunks are
recomputed); an unreachable scheduler is one line and exit 2 within seconds; Ctrl-C cancels the
cluster's work, shuts it down and leaves no file."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from allocator.cli import main
from tests.distributed.conftest import CHUNK, PATHS

pytest.importorskip("distributed")


def _fingerprint(result: Any) -> list[Any]:
    return [
        {k: v.tobytes() for k, v in result.per_path.items()},
        (*result.portfolios, *result.sweep, *result.assets),  # every statistic
    ]


def test_a_worker_killed_mid_run_changes_nothing(two_workers: Any, inputs: Path) -> None:
    from distributed import Client

    from allocator.scenario import load_scenario
    from allocator.simulation import simulate
    from allocator.simulation.executors import DaskExecutor

    scenario = load_scenario(inputs / "story.yaml")
    paths = 2 * PATHS  # 21 one-block chunks, 4 in flight
    reference = _fingerprint(simulate(scenario, paths=paths, chunk_size=CHUNK, workers=2))
    with Client(two_workers) as client:
        pids = client.run(os.getpid)  # worker address -> process id
        victim_address, victim = sorted(pids.items())[0]
        chunks_done = []

        def kill_after_three_chunks(done: int, total: int) -> None:
            chunks_done.append(done)
            if len(chunks_done) == 3:
                os.kill(victim, signal.SIGKILL)  # a crash: no goodbye to the scheduler

        with DaskExecutor(client=client) as executor:
            result = simulate(
                scenario,
                paths=paths,
                chunk_size=CHUNK,
                executor=executor,
                progress=kill_after_three_chunks,
            )
        assert victim_address not in client.run(os.getpid)  # the worker really died
    assert len(chunks_done) == 21 and chunks_done[-1] == paths
    assert _fingerprint(result) == reference


def test_unreachable_scheduler_is_one_line_and_exit_2(inputs: Path, tmp_path: Path) -> None:
    start = time.monotonic()
    result = CliRunner().invoke(
        main,
        [
            *("simulate", str(inputs / "story.yaml"), "--out", str(tmp_path / "out")),
            *("--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"),
        ],
    )
    assert time.monotonic() - start < 10.0
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "tcp://127.0.0.1:1" in lines[0], result.output
    assert lines[0].startswith("error: --scheduler tcp://127.0.0.1:1: no Dask scheduler")
    assert not (tmp_path / "out").exists()


def test_ctrl_c_cancels_the_cluster_and_writes_nothing(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    exe = Path(sys.executable).parent / "allocator"
    proc = subprocess.Popen(
        [
            *(str(exe), "simulate", str(inputs / "story.yaml"), "--out", str(out)),
            *("--paths", "4000000", "--executor", "dask", "--workers", "2"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's job
    )
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + 90
    while b"paths" not in seen and time.monotonic() < deadline:  # the progress bar: running
        if select.select([proc.stderr], [], [], 1.0)[0]:
            seen += os.read(proc.stderr.fileno(), 4096)
    assert b"paths" in seen, seen
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C at a terminal reaches the whole group
    _, err_bytes = proc.communicate(timeout=60)
    err = (seen + err_bytes).decode()
    assert proc.returncode == 130, err
    assert "error: interrupted; no report written" in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())
    assert _alive_in_session(proc.pid, wait=5.0) == [], "processes of the run still alive"


def _alive_in_session(session: int, wait: float) -> list[str]:
    """Processes (not zombies) left in ``session`` after up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        rows = subprocess.run(
            ["ps", "-o", "pid=,stat=", "-s", str(session)], capture_output=True, text=True
        ).stdout.splitlines()
        alive = [row for row in rows if row.split() and not row.split()[1].startswith("Z")]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def _die(shared: object, blocks: range) -> None:
    os._exit(1)  # a worker killed by every attempt (as by the kernel's OOM killer)


def test_a_chunk_that_kills_every_worker_is_one_error(two_workers: Any) -> None:
    from distributed import Client

    from allocator.simulation.executors import ClusterFailedError, DaskExecutor

    with (
        Client(two_workers) as client,
        DaskExecutor(client=client) as executor,
        pytest.raises(ClusterFailedError, match="running blocks 0-0 died each time"),
    ):
        executor.map_chunks(_die, None, [range(0, 1)], lambda index, result: None)
    assert ClusterFailedError.exit_code == 1
