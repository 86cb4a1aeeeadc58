"""Number formatting shared by the HTML pages, the charts and the terminal tables.

Every function is a pure function of its arguments (fixed formats, no locale), so the same
document always renders to the same bytes. ``None`` (a NaN or infinity in the JSON) renders
as an en dash.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TypeGuard

MISSING = "–"


def _ok(x: float | None) -> TypeGuard[float]:
    return x is not None and math.isfinite(x)


def _no_negative_zero(x: float, digits: int) -> float:
    """0.0 for anything that rounds to zero, so '-0.0' is never printed."""
    return 0.0 if round(x, digits) == 0 else x


def pct(x: float | None, digits: int = 1) -> str:
    """0.1234 → '12.3%'."""
    if _ok(x):
        return f"{_no_negative_zero(100 * x, digits):.{digits}f}%"
    return MISSING


def signed_pp(x: float | None, digits: int = 2) -> str:
    """A difference of two rates in percentage points: 0.0123 → '+1.23 pp'."""
    if _ok(x):
        return f"{_no_negative_zero(100 * x, digits):+.{digits}f} pp"
    return MISSING


def digits_for(se: float | None, lowest: int = 0, highest: int = 4) -> int:
    """Decimals that show two significant digits of a standard error ``se`` (in display
    units), clamped to [lowest, highest]."""
    if _ok(se) and se != 0:
        return min(max(1 - math.floor(math.log10(abs(se))), lowest), highest)
    return lowest


def money(x: float | None, currency: str = "") -> str:
    """100000.4 → '100,000 USD'."""
    if _ok(x):
        return f"{_no_negative_zero(x, 0):,.0f} {currency}".rstrip()
    return MISSING


def signed_money(x: float | None, currency: str = "") -> str:
    """-1234.5 → '-1,234 USD' (a difference: always signed)."""
    if _ok(x):
        return f"{_no_negative_zero(x, 0):+,.0f} {currency}".rstrip()
    return MISSING


def compact_money(x: float) -> str:
    """Short axis labels: 1250000 → '1.25M', 25000 → '25k'."""
    size = abs(x)
    if size >= 1e9:
        return f"{x / 1e9:g}B"
    if size >= 1e6:
        return f"{x / 1e6:.3g}M"
    if size >= 1e3:
        return f"{x / 1e3:.3g}k"
    return f"{x:.3g}"


def num(x: float | None, digits: int = 2) -> str:
    """1234.567 → '1,234.57'."""
    if _ok(x):
        return f"{_no_negative_zero(x, digits):,.{digits}f}"
    return MISSING


def plain(value: object) -> str:
    """A scenario setting as text: floats without trailing zeros, None as '–', lists inline."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, list):
        return "[" + ", ".join(plain(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {plain(v)}" for k, v in value.items()) + "}"
    return str(value)


def months_text(months: int) -> str:
    """120 → '120 months (10 years)'."""
    if months % 12 == 0:
        years = months // 12
        return f"{months} months ({years} year{'s' if years != 1 else ''})"
    return f"{months} months ({months / 12:.1f} years)"


def percentile_label(key: str) -> str:
    """'p5' → '5th', 'p50' → 'median', 'p92.5' → '92.5th'."""
    value = key[1:] if key.startswith("p") else key
    if value == "50":
        return "median"
    suffix = "th"
    if value.isdigit() and int(value) % 100 not in (11, 12, 13):
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(int(value) % 10, "th")
    return f"{value}{suffix}"


def readable_time(iso: str) -> str:
    """'2026-01-31T14:05:09+00:00' → '2026-01-31 14:05 UTC'; other text unchanged."""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.utcoffset() == dt.timedelta(0):
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    return iso
