"""Read a user's CSV of returns or prices and turn it into monthly simple returns.

Every problem raises ``DataError`` with one line ``file:line: column 'name': expected …,
found …`` (line numbers count the header as line 1). Rules:

- the date column and one column per asset (``columns`` mapping, else a column named like
  the asset id, else like its ticker) must exist;
- dates must parse and increase (a file in decreasing date order is reversed);
- cells are numbers; empty cells (or NA, N/A, NaN, null, None, #N/A) are allowed only
  before an asset's first value: those leading rows are dropped (the sample starts where
  every asset has data); an empty cell after that is a gap;
- prices must be positive, returns above -100%;
- ``prices`` → last price of each calendar month → monthly returns; ``returns`` → compounded
  within calendar months (``monthly`` data must have one row per month); months must be
  consecutive; at least ``MIN_MONTHS`` monthly returns must remain.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from allocator.errors import DataError
from allocator.market.paths import FloatArray
from allocator.scenario.market_schema import HistoricalModel
from allocator.scenario.schema import Asset

if TYPE_CHECKING:
    import pandas as pd

MIN_MONTHS = 24
NA_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a"})
HEADER_LINES = 1


@dataclass(frozen=True, eq=False)
class MonthlyReturns:
    """Monthly simple returns (n_months, n_assets) and their months ("YYYY-MM")."""

    returns: FloatArray
    months: tuple[str, ...]


def _line(row: int) -> int:
    """Line of the file holding data row ``row`` (0-based)."""
    return row + HEADER_LINES + 1


def _read(path: Path, name: str) -> pd.DataFrame:
    import pandas as pd  # lazily: only the historical model reads CSV files

    if not path.is_file():
        raise DataError(f"{name}: file not found")
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{name}: cannot read the CSV ({detail})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.str.strip())
    filled = (frame != "").any(axis=1).to_numpy()
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    trimmed: pd.DataFrame = frame.iloc[:last]
    return trimmed


def _asset_columns(
    model: HistoricalModel, assets: dict[str, Asset], frame: pd.DataFrame, name: str
) -> list[str]:
    have = list(frame.columns)
    listing = ", ".join(have)
    if model.date_column not in have:
        raise DataError(f"{name}: date column '{model.date_column}' not found; columns: {listing}")
    out = []
    for asset_id, asset in assets.items():
        if model.columns is not None and asset_id in model.columns:
            col = model.columns[asset_id]
            if col not in have:
                raise DataError(
                    f"{name}: column '{col}' (asset '{asset_id}') not found; columns: {listing}"
                )
        elif asset_id in have:
            col = asset_id
        elif asset.ticker is not None and asset.ticker in have:
            col = asset.ticker
        else:
            looked = f"'{asset_id}'" + (f" or '{asset.ticker}'" if asset.ticker else "")
            raise DataError(
                f"{name}: no column for asset '{asset_id}' (looked for {looked}); "
                f"columns: {listing}"
            )
        out.append(col)
    return out


def _dates(frame: pd.DataFrame, column: str, name: str) -> tuple[pd.Series, np.ndarray]:
    """Parsed dates in increasing order and the original row of each position."""
    import pandas as pd  # lazily: only the historical model reads CSV files

    text = frame[column]
    empty = np.flatnonzero((text == "").to_numpy())
    if empty.size:
        raise DataError(
            f"{name}:{_line(int(empty[0]))}: column '{column}': expected a date, "
            "found an empty cell"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dates = pd.to_datetime(text, errors="coerce")
    bad = np.flatnonzero(dates.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise DataError(
            f"{name}:{_line(row)}: column '{column}': expected a date, found {text.iloc[row]!r}"
        )
    order = np.arange(len(dates))
    values = dates.to_numpy()
    step = np.diff(values).astype(np.int64)
    if len(step) and np.all(step < 0):
        order = order[::-1]
        values = values[::-1]
        step = np.diff(values).astype(np.int64)
    wrong = np.flatnonzero(step <= 0)
    if wrong.size:
        pos = int(wrong[0]) + 1
        raise DataError(
            f"{name}:{_line(int(order[pos]))}: column '{column}': expected dates in increasing "
            f"order, found {text.iloc[order[pos]]!r} after {text.iloc[order[pos - 1]]!r}"
        )
    return pd.Series(values), order


def _numbers(
    text: pd.Series, column: str, prices: bool, lines: np.ndarray, name: str
) -> tuple[FloatArray, int]:
    """Values of one column (rows in date order) and the first row with a value."""
    import pandas as pd  # lazily: only the historical model reads CSV files

    empty = text.str.lower().isin(NA_TOKENS).to_numpy()
    values = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~empty & ~np.isfinite(values))
    if bad.size:
        row = int(bad[0])
        raise DataError(
            f"{name}:{lines[row]}: column '{column}': expected a number, found {text.iloc[row]!r}"
        )
    if empty.all():
        raise DataError(f"{name}: column '{column}': expected numbers, found only empty cells")
    first = int(np.argmin(empty))
    gaps = np.flatnonzero(empty[first:])
    if gaps.size:
        row = first + int(gaps[0])
        raise DataError(
            f"{name}:{lines[row]}: column '{column}': expected a number, found an empty cell "
            "(a gap inside the data)"
        )
    low = values[first:] <= (0.0 if prices else -1.0)
    if low.any():
        row = first + int(np.argmax(low))
        what = "a positive price" if prices else "a return above -100%"
        raise DataError(
            f"{name}:{lines[row]}: column '{column}': expected {what}, found {text.iloc[row]!r}"
        )
    return values, first


def load_monthly_returns(model: HistoricalModel, assets: dict[str, Asset]) -> MonthlyReturns:
    """Monthly simple returns of ``assets`` (in order) from ``model.file``."""
    name = model.file
    frame = _read(Path(model.file), name)
    columns = _asset_columns(model, assets, frame, name)
    prices = model.data == "prices"
    dates, order = _dates(frame, model.date_column, name)
    frame = frame.iloc[order].reset_index(drop=True)
    lines = order + HEADER_LINES + 1
    values = []
    start = 0
    for col in columns:
        column, first = _numbers(frame[col], col, prices, lines, name)
        values.append(column)
        start = max(start, first)
    data = np.column_stack(values)[start:]
    dates, lines = dates.iloc[start:].reset_index(drop=True), lines[start:]
    period = dates.dt.to_period("M")
    codes = (dates.dt.year * 12 + dates.dt.month - 1).to_numpy()
    new_month = np.diff(codes) != 0
    if model.frequency == "monthly" and not new_month.all():
        dup = int(np.argmin(new_month)) + 1
        raise DataError(
            f"{name}:{lines[dup]}: column '{model.date_column}': expected one row per month "
            f"(frequency monthly), found a second row in {period.iloc[dup]}"
        )
    firsts = np.append(0, np.flatnonzero(new_month) + 1)
    ends = np.append(firsts[1:] - 1, len(codes) - 1)
    hole = np.flatnonzero(np.diff(codes[firsts]) > 1)
    if hole.size:
        row = int(firsts[hole[0] + 1])
        raise DataError(
            f"{name}:{lines[row]}: column '{model.date_column}': expected consecutive months, "
            f"found no rows between {period.iloc[row - 1]} and {period.iloc[row]}"
        )
    if prices:
        month_end = data[ends]
        monthly = month_end[1:] / month_end[:-1] - 1.0
        labels = period.iloc[ends[1:]]
    else:
        monthly = (
            data
            if model.frequency == "monthly"
            else np.multiply.reduceat(1.0 + data, firsts, 0) - 1.0
        )
        labels = period.iloc[ends]
    if len(monthly) < MIN_MONTHS:
        raise DataError(
            f"{name}: expected at least {MIN_MONTHS} monthly returns after conversion, "
            f"found {len(monthly)}"
        )
    return MonthlyReturns(
        returns=np.ascontiguousarray(monthly, dtype=np.float64),
        months=tuple(str(p) for p in labels),
    )
