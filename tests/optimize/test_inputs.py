"""Inputs: a scenario's pooled decision-period returns (reproducible by block) and CSV files
of returns or prices (every malformed cell is a one-line ``DataError`` naming where it is)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from allocator.errors import DataError, InputError
from allocator.market import compile_market, sample_market
from allocator.optimize.csv_returns import read_prices_csv, read_returns_csv
from allocator.optimize.scenario_returns import compound_periods, scenario_returns
from allocator.scenario import Scenario
from allocator.simulation.seeding import BLOCK_PATHS, block_generator


def _scenario(horizon: int = 24, period: str = "year", seed: int = 7) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "optimizer input test",
            "horizon_months": horizon,
            "seed": seed,
            "assets": {
                "small": {"name": "Small", "kind": "equity"},
                "large": {"name": "Large", "kind": "equity"},
            },
            "market": {
                "model": "parametric",
                "mean": {"small": 0.08, "large": 0.07},
                "vol": {"small": 0.2, "large": 0.16},
            },
            "portfolios": {"all_large": {"weights": {"large": 1.0}}},
            "optimization": {"decision_period": period},
        }
    )


def test_decision_periods_compound_the_simulated_months() -> None:
    scenario = _scenario(horizon=24)
    data = scenario_returns(scenario, n_paths=100)
    assert data.returns.shape == (100 * 2, 2)
    assert data.periods_per_year == 1.0 and data.period_label == "per year"
    paths = sample_market(compile_market(scenario, 24), block_generator(7, 0), 100)
    first_year = np.prod(1.0 + paths.returns[0, :12, :], axis=0) - 1.0
    second_year = np.prod(1.0 + paths.returns[0, 12:, :], axis=0) - 1.0
    assert np.allclose(data.returns[0], first_year, rtol=1e-12)
    assert np.allclose(data.returns[1], second_year, rtol=1e-12)
    monthly = scenario_returns(scenario, n_paths=100, period="month")
    assert monthly.returns.shape == (100 * 24, 2)
    assert np.allclose(monthly.returns[:24], paths.returns[0])
    whole = scenario_returns(scenario, n_paths=100, period="horizon")
    assert whole.returns.shape == (100, 2) and whole.period_label == "per 24-month horizon"


def test_rows_are_reproducible_by_block() -> None:
    scenario = _scenario(horizon=12)
    small = scenario_returns(scenario, n_paths=BLOCK_PATHS)
    large = scenario_returns(scenario, n_paths=BLOCK_PATHS + 500)
    assert np.array_equal(small.returns, large.returns[:BLOCK_PATHS])
    assert np.array_equal(small.returns, scenario_returns(scenario, BLOCK_PATHS).returns)


def test_partial_periods_are_dropped_with_a_note() -> None:
    data = scenario_returns(_scenario(horizon=30), n_paths=10)
    assert data.returns.shape == (20, 2)
    assert "the last 6 month(s)" in data.notes[0]
    with pytest.raises(InputError, match="longer than the horizon"):
        scenario_returns(_scenario(horizon=6), n_paths=10)


def test_compound_periods_is_exact_for_known_returns() -> None:
    monthly = np.full((1, 12, 1), 0.01)
    assert compound_periods(monthly, 12)[0, 0, 0] == pytest.approx(1.01**12 - 1.0, rel=1e-14)


def _write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_returns_and_prices_files(tmp_path: Path) -> None:
    returns = _write(tmp_path, "date,small,large\n2020-01-31,0.01,0.02\n2020-02-29,-0.03,0.0\n")
    table = read_returns_csv(returns)
    assert table.asset_ids == ("small", "large")
    assert np.array_equal(table.returns, [[0.01, 0.02], [-0.03, 0.0]])
    prices = _write(tmp_path, "Date,a,b\n2020-01,100,50\n2020-02,110,50\n2020-03,99,55\n", "p.csv")
    table = read_prices_csv(prices)
    assert np.allclose(table.returns, [[0.1, 0.0], [-0.1, 0.1]])
    assert table.dates == ("2020-02", "2020-03")


def test_leading_rows_without_every_asset_are_dropped_with_a_note(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "date,a,b\n2020-01-31,100,\n2020-02-29,101,\n2020-03-31,102,10\n"
        "2020-04-30,103,11\n2020-05-31,104,12\n",
    )
    notes: list[str] = []
    table = read_prices_csv(path, notes.append)
    assert table.returns.shape == (2, 2)
    assert notes == [
        "data.csv: dropped the first 2 row(s) (up to 2020-02-29): not every asset has a value yet"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "date,a,b\n2020-01,0.1,0.2\n2020-02,,0.1\n2020-03,0.1,0.1\n",
            "data.csv: line 3 (date 2020-02), column 'a': empty cell inside the data (a gap)",
        ),
        (
            "date,a,b\n2020-01,0.1,0.2\n2020-02,abc,0.1\n2020-03,0.1,0.1\n",
            "data.csv: line 3 (date 2020-02), column 'a': expected a number, found 'abc'",
        ),
        (
            "date,a,b\n2020-01,0.1,0.2\n2020-02,0.1,-1.5\n",
            "data.csv: line 3 (date 2020-02), column 'b': expected a simple return above -1",
        ),
        ("date,a\n2020-01,0.1\n2020-01,0.2\n", "data.csv: line 3: dates must increase"),
        ("date,a,a\n2020-01,0.1,0.2\n", "column 'a' appears more than once"),
        ("date,a,b\n2020-01,0.1\n", "data.csv: line 2: expected 3 cells, found 2"),
        ("date,a\n2020-01,0.1\n", "expected at least 2 periods of returns"),
        ("date,a\n2020-01,inf\n2020-02,0.1\n", "expected a finite number, found 'inf'"),
        ("", "the file is empty"),
    ],
)
def test_bad_returns_files_name_the_cell(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError) as caught:
        read_returns_csv(_write(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_bad_prices_and_missing_files(tmp_path: Path) -> None:
    path = _write(tmp_path, "date,a\n2020-01,10\n2020-02,0\n2020-03,11\n")
    with pytest.raises(DataError, match=r"line 3 .*column 'a': expected a positive price"):
        read_prices_csv(path)
    with pytest.raises(DataError, match="cannot read the file"):
        read_returns_csv(tmp_path / "missing.csv")
