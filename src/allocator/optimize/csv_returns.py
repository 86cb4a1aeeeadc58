"""Returns or prices from a CSV the user supplies, checked cell by cell.

Layout: a header, a date column (named ``date``, any case; else the first column) and one
column per asset; one row per period. Empty cells (or ``NA``/``NaN``/``null``) before every
asset has a value are expected (assets start at different dates): those first rows are
dropped with a note. Any other empty cell is a gap inside the data, and any cell that is not a
finite number is an error: ``DataError`` naming the file, line, date and column. Prices must be
positive and become simple returns ``p_t / p_{t-1} - 1``; returns must exceed -1.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

import numpy as np

from allocator.errors import DataError
from allocator.optimize.measures import FloatArray

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a"})
Kind = Literal["returns", "prices"]


@dataclass(frozen=True, eq=False)
class ReturnTable:
    """Simple returns ``(n_periods, n_assets)`` read from ``source``; ``dates[t]`` labels the
    end of period t."""

    returns: FloatArray
    asset_ids: tuple[str, ...]
    dates: tuple[str, ...]
    source: str
    kind: Kind


def read_returns_csv(path: Path | str, note: Callable[[str], None] | None = None) -> ReturnTable:
    """A CSV of simple returns per period (``0.012`` = 1.2%)."""
    return _read(Path(path), "returns", note)


def read_prices_csv(path: Path | str, note: Callable[[str], None] | None = None) -> ReturnTable:
    """A CSV of prices (or total-return index levels) per period."""
    return _read(Path(path), "prices", note)


def _read(path: Path, kind: Kind, note: Callable[[str], None] | None) -> ReturnTable:
    name = path.name
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = _rows(handle)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read the file ({exc})") from exc
    if not rows:
        raise DataError(f"{name}: the file is empty; expected a header and rows of {kind}")
    (_, header), body = rows[0], rows[1:]
    header = [cell.strip() for cell in header]
    date_col = next((i for i, h in enumerate(header) if h.lower() == "date"), 0)
    assets = [(i, h) for i, h in enumerate(header) if i != date_col]
    if not assets:
        raise DataError(f"{name}: expected a date column and one column per asset, found {header}")
    names = [h for _, h in assets]
    for i, h in assets:
        if not h:
            raise DataError(f"{name}: column {i + 1} has no name in the header")
    duplicated = sorted({h for h in names if names.count(h) > 1})
    if duplicated:
        raise DataError(f"{name}: column '{duplicated[0]}' appears more than once in the header")

    dates: list[str] = []
    lines: list[int] = []
    values = np.full((len(body), len(assets)), np.nan)
    for r, (line, row) in enumerate(body):
        if len(row) != len(header):
            raise DataError(f"{name}: line {line}: expected {len(header)} cells, found {len(row)}")
        date = row[date_col].strip()
        if not date:
            raise DataError(f"{name}: line {line}: the date cell is empty")
        dates.append(date)
        lines.append(line)
        for j, (i, column) in enumerate(assets):
            values[r, j] = _number(row[i], name, line, date, column)
    _check_dates(dates, lines, name)

    complete = np.all(np.isfinite(values), axis=1)
    if not complete.any():
        raise DataError(f"{name}: no row has a value for every asset")
    first = int(np.argmax(complete))
    dropped = (
        f"{name}: dropped the first {first} row(s) (up to {dates[first - 1]}): "
        "not every asset has a value yet"
    )
    values, dates, lines = values[first:], dates[first:], lines[first:]
    gaps = np.argwhere(~np.isfinite(values))
    if gaps.size:
        r, j = (int(x) for x in gaps[0])
        raise DataError(
            f"{name}: line {lines[r]} (date {dates[r]}), column '{names[j]}': empty cell inside "
            "the data (a gap); fill it or cut the file before it"
        )
    if kind == "prices":
        bad = np.argwhere(values <= 0.0)
        if bad.size:
            r, j = (int(x) for x in bad[0])
            raise DataError(
                f"{name}: line {lines[r]} (date {dates[r]}), column '{names[j]}': expected a "
                f"positive price, found {values[r, j]:g}"
            )
        returns = values[1:] / values[:-1] - 1.0
        dates = dates[1:]
    else:
        bad = np.argwhere(values <= -1.0)
        if bad.size:
            r, j = (int(x) for x in bad[0])
            raise DataError(
                f"{name}: line {lines[r]} (date {dates[r]}), column '{names[j]}': expected a "
                f"simple return above -1 (-100%), found {values[r, j]:g}"
            )
        returns = values
    if returns.shape[0] < 2:
        raise DataError(
            f"{name}: expected at least 2 periods of returns with every asset, "
            f"found {returns.shape[0]}"
        )
    if first and note is not None:  # only once the file is known to be usable
        note(dropped)
    return ReturnTable(np.ascontiguousarray(returns), tuple(names), tuple(dates), str(path), kind)


def _rows(handle: TextIO) -> list[tuple[int, list[str]]]:
    """Non-blank rows with their line numbers (1-based, the header is line 1)."""
    reader = csv.reader(handle)
    found = []
    for row in reader:
        if any(cell.strip() for cell in row):
            found.append((reader.line_num, row))
    return found


def _number(cell: str, name: str, line: int, date: str, column: str) -> float:
    text = cell.strip()
    if text.lower() in MISSING:
        return float("nan")
    try:
        value = float(text)
    except ValueError:
        raise DataError(
            f"{name}: line {line} (date {date}), column '{column}': expected a number, "
            f"found '{text}'"
        ) from None
    if not np.isfinite(value):
        raise DataError(
            f"{name}: line {line} (date {date}), column '{column}': expected a finite number, "
            f"found '{text}'"
        )
    return value


_DATE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")


def _parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``YYYY-MM`` (first of the month); None for other labels."""
    match = _DATE.match(text)
    if match is None:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3) or "1"
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _check_dates(dates: list[str], lines: list[int], name: str) -> None:
    """Dates written as ISO dates must increase (other labels are kept as they are)."""
    parsed = [p for p in (_parse_date(d) for d in dates) if p is not None]
    if len(parsed) != len(dates):
        return
    for r in range(1, len(parsed)):
        if parsed[r] <= parsed[r - 1]:
            raise DataError(
                f"{name}: line {lines[r]}: dates must increase, found {dates[r]} after "
                f"{dates[r - 1]}"
            )
