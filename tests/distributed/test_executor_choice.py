"""Choosing an executor: option checks, the missing-extra message, and a merge that does not
depend on the order chunks finish in (so no executor can change a number)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner

from allocator.cli import main
from allocator.scenario import load_scenario
from allocator.simulation import simulate
from tests.distributed.conftest import CHUNK, PATHS

S = TypeVar("S")
R = TypeVar("R")


class ReversedExecutor:
    """Runs every chunk, then hands the results over last first."""

    def map_chunks(
        self,
        fn: Callable[[S, range], R],
        shared: S,
        chunks: Sequence[range],
        on_result: Callable[[int, R], None],
    ) -> None:
        results = [fn(shared, blocks) for blocks in chunks]
        for index in reversed(range(len(chunks))):
            on_result(index, results[index])

    def close(self) -> None:
        pass


def test_completion_order_does_not_change_a_bit(inputs: Path) -> None:
    scenario = load_scenario(inputs / "story.yaml")
    forward = simulate(scenario, paths=PATHS, chunk_size=CHUNK, workers=1)
    backward = simulate(scenario, paths=PATHS, chunk_size=CHUNK, executor=ReversedExecutor())
    for name, values in forward.per_path.items():
        assert values.tobytes() == backward.per_path[name].tobytes()
    for a, b in zip(
        (*forward.portfolios, *forward.sweep, *forward.assets),
        (*backward.portfolios, *backward.sweep, *backward.assets),
        strict=True,
    ):
        assert a == b  # every statistic, block sums (volatility, Sharpe, turnover...) included


def test_optimize_inputs_do_not_depend_on_completion_order(inputs: Path) -> None:
    from allocator.optimize.scenario_returns import scenario_returns

    scenario = load_scenario(inputs / "story.yaml")
    forward = scenario_returns(scenario, PATHS)
    backward = scenario_returns(scenario, PATHS, executor=ReversedExecutor())
    assert forward.returns.tobytes() == backward.returns.tobytes()
    assert forward.risk_free == backward.risk_free


def _invoke(inputs: Path, tmp_path: Path, *options: str) -> Any:
    args = ["simulate", str(inputs / "story.yaml"), "--out", str(tmp_path), "-q", *options]
    return CliRunner().invoke(main, args)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler needs --executor dask"),
        (
            ["--executor", "dask", "--scheduler", "tcp://127.0.0.1:8786", "--workers", "2"],
            "give one or the other",
        ),
        (["--executor", "spark"], "'spark' is not one of 'local', 'dask'"),
    ],
)
def test_contradictory_options_exit_2(
    inputs: Path, tmp_path: Path, options: list[str], message: str
) -> None:
    result = _invoke(inputs, tmp_path, *options)
    assert result.exit_code == 2
    assert message in result.output


def test_without_the_extra_dask_is_one_line_saying_how_to_install(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    result = _invoke(inputs, tmp_path / "out", "--executor", "dask", "--workers", "2")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: --executor dask needs dask.distributed, which is not installed: "
        "pip install 'allocator[distributed]'"
    ]
    assert not (tmp_path / "out").exists()
