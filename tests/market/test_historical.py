"""Historical model: CSV reading and validation, and the stationary block bootstrap."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from allocator.errors import DataError
from allocator.market import compile_market, sample_market
from tests.market.helpers import equity, scenario

K_SE = 4.0


def _assets() -> dict[str, dict[str, Any]]:
    return {"small": equity(ticker="IWM"), "large": equity(ticker="SPY")}


def _market(path: Path, **extra: Any) -> dict[str, Any]:
    return {"model": "historical", "file": str(path), **extra}


def _monthly_csv(path: Path, n: int = 60, seed: int = 0) -> pd.DataFrame:
    """Monthly returns: 'IWM' encodes the row (0.001 · row − 0.02), 'large' is random."""
    rng = np.random.default_rng(seed)
    frame: pd.DataFrame = pd.DataFrame(
        {
            "date": pd.date_range("2000-01-31", periods=n, freq="ME").strftime("%Y-%m-%d"),
            "IWM": 0.001 * np.arange(n) - 0.02,
            "large": rng.normal(0.008, 0.045, n),
        }
    )
    frame.to_csv(path, index=False)
    return frame


def test_bootstrap_keeps_blocks_and_the_mean(tmp_path: Path) -> None:
    path = tmp_path / "monthly.csv"
    data = _monthly_csv(path)
    n_rows, block = len(data), 6.0
    scn = scenario(_assets(), _market(path, block_length_months=block), horizon=120)
    spec = compile_market(scn)
    assert spec.model == "historical" and spec.regime_names == ()
    paths = sample_market(spec, np.random.default_rng(21), 4096)
    assert paths.rates is None and paths.regimes is None
    rows = np.rint((paths.returns[..., 0] + 0.02) / 0.001).astype(int)
    assert rows.min() >= 0 and rows.max() < n_rows
    # Each step continues (next row, wrapping) with prob 1 - 1/L, or jumps to a uniform row,
    # which is the next row with prob 1/N: independent Bernoulli(q) steps,
    # SE = sqrt(q (1 - q) / steps).
    follows = rows[:, 1:] == (rows[:, :-1] + 1) % n_rows
    q = (1 - 1 / block) + 1 / (block * n_rows)
    assert abs(follows.mean() - q) <= K_SE * math.sqrt(q * (1 - q) / follows.size)
    # Every month's row is uniform (stationary bootstrap), so the resampled mean is unbiased;
    # paths are independent: SE = std(per-path mean) / sqrt(n_paths).
    large = paths.returns[..., 1]
    per_path = large.mean(axis=1)
    se = per_path.std(ddof=1) / math.sqrt(per_path.size)
    assert abs(large.mean() - data["large"].mean()) <= K_SE * se
    # and the resampled values are the data's values
    assert np.isin(large, data["large"].to_numpy()).all()


def test_block_length_one_draws_independent_rows(tmp_path: Path) -> None:
    path = tmp_path / "monthly.csv"
    data = _monthly_csv(path, n=30)
    scn = scenario(_assets(), _market(path, block_length_months=1), horizon=24)
    paths = sample_market(compile_market(scn), np.random.default_rng(1), 4000)
    rows = np.rint((paths.returns[..., 0] + 0.02) / 0.001).astype(int)
    follows = rows[:, 1:] == (rows[:, :-1] + 1) % len(data)
    q = 1 / len(data)
    assert abs(follows.mean() - q) <= K_SE * math.sqrt(q * (1 - q) / follows.size)
    # uniform rows: each of the N rows has share 1/N, SE sqrt(q (1 - q) / n)
    share = np.bincount(rows.ravel(), minlength=len(data)) / rows.size
    assert np.all(np.abs(share - q) <= K_SE * math.sqrt(q * (1 - q) / rows.size))


def test_same_seed_same_paths(tmp_path: Path) -> None:
    path = tmp_path / "monthly.csv"
    _monthly_csv(path)
    spec = compile_market(scenario(_assets(), _market(path), horizon=36))
    a = sample_market(spec, np.random.default_rng(5), 100).returns
    b = sample_market(spec, np.random.default_rng(5), 100).returns
    c = sample_market(spec, np.random.default_rng(6), 100).returns
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.shape == (100, 36, 2)


# ----------------------------------------------------------------------------- conversion


def _months(spec: Any) -> tuple[str, ...]:
    return spec.historical.months  # type: ignore[no-any-return]


def test_daily_prices_become_month_end_returns(tmp_path: Path) -> None:
    days = pd.bdate_range("2001-01-01", "2003-12-31")
    rng = np.random.default_rng(3)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(days), 2)), axis=0))
    iwm = prices[:, 0].astype(object)
    iwm[:10] = ""  # IWM starts later: leading empty rows are dropped
    frame = pd.DataFrame({"Date": days.strftime("%Y-%m-%d"), "IWM": iwm, "SPY": prices[:, 1]})
    path = tmp_path / "daily.csv"
    frame.to_csv(path, index=False)
    market = _market(path, data="prices", frequency="daily", date_column="Date")
    spec = compile_market(scenario(_assets(), market, horizon=12))
    assert spec.historical is not None
    month_end = pd.Series(prices[:, 1], index=days).iloc[10:].resample("ME").last()
    np.testing.assert_allclose(
        spec.historical.data[:, 1], month_end.pct_change().iloc[1:], rtol=1e-12
    )
    assert _months(spec)[0] == "2001-02" and len(_months(spec)) == 35


def test_weekly_returns_compound_within_months(tmp_path: Path) -> None:
    weeks = pd.date_range("2010-01-01", "2012-12-31", freq="W-FRI")
    rng = np.random.default_rng(4)
    r = rng.normal(0.002, 0.02, (len(weeks), 2))
    frame = pd.DataFrame({"date": weeks.strftime("%Y-%m-%d"), "small": r[:, 0], "large": r[:, 1]})
    path = tmp_path / "weekly.csv"
    frame.iloc[::-1].to_csv(path, index=False)  # newest first: reversed on reading
    spec = compile_market(scenario(_assets(), _market(path, frequency="weekly"), horizon=12))
    assert spec.historical is not None
    expected = (1 + pd.DataFrame(r, index=weeks)).resample("ME").prod() - 1
    np.testing.assert_allclose(spec.historical.data, expected.to_numpy(), rtol=1e-12)
    assert len(_months(spec)) == 36


def test_columns_mapping_and_ticker_default(tmp_path: Path) -> None:
    path = tmp_path / "monthly.csv"
    data = _monthly_csv(path)
    market = _market(path, columns={"large": "IWM"})
    spec = compile_market(scenario(_assets(), market, horizon=12))
    assert spec.historical is not None
    np.testing.assert_array_equal(spec.historical.data[:, 0], data["IWM"])  # ticker
    np.testing.assert_array_equal(spec.historical.data[:, 1], data["IWM"])  # mapping


# ----------------------------------------------------------------------------- errors


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _good_lines(n: int = 30) -> list[str]:
    dates = pd.date_range("2000-01-31", periods=n, freq="ME").strftime("%Y-%m-%d")
    return ["date,small,large"] + [f"{d},0.01,0.02" for d in dates]


def _error(path: Path, **market: Any) -> str:
    with pytest.raises(DataError) as info:
        compile_market(scenario(_assets(), _market(path, **market), horizon=12))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


def test_missing_file(tmp_path: Path) -> None:
    assert "file not found" in _error(tmp_path / "nope.csv")


def test_missing_date_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", _good_lines())
    message = _error(path, date_column="Date")
    assert "date column 'Date' not found" in message and "date, small, large" in message


def test_missing_asset_column(tmp_path: Path) -> None:
    lines = [
        line.replace(",small", ",tiny").replace("date,tiny", "date,tiny") for line in _good_lines()
    ]
    path = _write(tmp_path / "x.csv", lines)
    assert "no column for asset 'small' (looked for 'small' or 'IWM')" in _error(path)
    path = _write(tmp_path / "y.csv", _good_lines())
    assert "column 'R2000' (asset 'small') not found" in _error(path, columns={"small": "R2000"})


def test_non_numeric_cell(tmp_path: Path) -> None:
    lines = _good_lines()
    lines[5] = lines[5].replace("0.02", "abc")
    path = _write(tmp_path / "x.csv", lines)
    assert f"{path}:6: column 'large': expected a number, found 'abc'" == _error(path)


def test_gap_inside_the_data(tmp_path: Path) -> None:
    lines = _good_lines()
    lines[7] = lines[7].replace(",0.01,", ",,")
    path = _write(tmp_path / "x.csv", lines)
    message = _error(path)
    assert message.startswith(f"{path}:8: column 'small': expected a number, found an empty cell")


def test_unparseable_date(tmp_path: Path) -> None:
    lines = _good_lines()
    lines[3] = "2000-13-45,0.01,0.02"
    path = _write(tmp_path / "x.csv", lines)
    assert f"{path}:4: column 'date': expected a date, found '2000-13-45'" == _error(path)


def test_dates_out_of_order(tmp_path: Path) -> None:
    lines = _good_lines()
    lines[3], lines[4] = lines[4], lines[3]
    path = _write(tmp_path / "x.csv", lines)
    assert "expected dates in increasing order" in _error(path)


def test_too_few_months(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", _good_lines(20))
    message = _error(path)
    assert message == f"{path}: expected at least 24 monthly returns after conversion, found 20"
    # 24 prices give only 23 returns
    prices = [line.replace("0.01", "100").replace("0.02", "50") for line in _good_lines(24)]
    path = _write(tmp_path / "p.csv", prices)
    assert "found 23" in _error(path, data="prices")


def test_two_rows_in_a_month_for_monthly_data(tmp_path: Path) -> None:
    lines = _good_lines()
    lines.insert(2, "2000-02-15,0.01,0.02")
    path = _write(tmp_path / "x.csv", lines)
    assert "expected one row per month (frequency monthly)" in _error(path)


def test_a_missing_month(tmp_path: Path) -> None:
    lines = _good_lines(40)
    del lines[10]
    path = _write(tmp_path / "x.csv", lines)
    assert "expected consecutive months" in _error(path)


def test_non_positive_price(tmp_path: Path) -> None:
    lines = [line.replace("0.01", "100").replace("0.02", "50") for line in _good_lines()]
    lines[9] = lines[9].replace(",100,", ",-3,")
    path = _write(tmp_path / "x.csv", lines)
    assert f"{path}:10: column 'small': expected a positive price, found '-3'" == _error(
        path, data="prices"
    )


def test_return_below_minus_100_percent(tmp_path: Path) -> None:
    lines = _good_lines()
    lines[2] = lines[2].replace(",0.01,", ",-1.5,")
    path = _write(tmp_path / "x.csv", lines)
    assert "expected a return above -100%, found '-1.5'" in _error(path)
