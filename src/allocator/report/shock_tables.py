"""What moves returns on top of the regime in the ``macro`` model, as tables: rate
sensitivities, events (dated or random shocks), themes (fading extra returns) and valuation
re-rating. Input: the resolved scenario (``doc["scenario"]["resolved"]``)."""

from __future__ import annotations

import math
from typing import Any

from allocator.report.assumptions import asset_short
from allocator.report.numbers import pct
from allocator.report.tables import Table, make_table

Doc = dict[str, Any]


def _signed_pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:+.{digits}f}%"


def sensitivity_table(resolved: Doc) -> Table | None:
    sens: Doc = resolved["market"].get("rate_sensitivity") or {}
    if not sens:
        return None
    rows = [
        [
            asset_short(resolved, a),
            _signed_pct(0.01 * float(s.get("level", 0.0)), 2),
            _signed_pct(-0.0025 * float(s.get("change", 0.0)), 2),
        ]
        for a, s in sens.items()
    ]
    return make_table(
        ["Asset", "Return per year, per 1 pp above neutral", "Immediate return on a 25 bp cut"],
        rows,
        caption="Rate sensitivity",
    )


def _timing(event: Doc, horizon: int) -> str:
    if event.get("month") is not None:
        return f"month {event['month']}"
    window = event.get("window") or [1, horizon]
    times = event.get("max_occurrences", 1)
    return (
        f"{pct(event['probability_per_month'], 2)} chance each month in months "
        f"{window[0]}–{window[1]}, " + ("at most once" if times == 1 else f"at most {times} times")
    )


def _recovery(resolved: Doc, event: Doc) -> str:
    half = event.get("recovery_half_life_months")
    if half is None:
        return "permanent"
    share = pct(event.get("recovery_fraction", 1.0), 0)
    if isinstance(half, dict):
        return f"{share} recovered, half-lives " + ", ".join(
            f"{asset_short(resolved, k)} {v:g} mo" for k, v in half.items()
        )
    return f"{share} recovered, half-life {half:g} months"


def event_table(resolved: Doc) -> Table | None:
    events: Doc = resolved["market"].get("events") or {}
    if not events:
        return None
    horizon = int(resolved.get("horizon_months", 0))
    rows = []
    for eid, e in events.items():
        impact = ", ".join(
            f"{asset_short(resolved, a)} {_signed_pct(v)}" for a, v in e["impact"].items()
        )
        spike = (
            f"× {e['vol_multiplier']:g}, half-life {e.get('vol_half_life_months', 0):g} mo"
            if e.get("vol_multiplier", 1.0) > 1.0
            else "none"
        )
        rows.append(
            [str(e.get("name") or eid), _timing(e, horizon), impact, _recovery(resolved, e), spike]
        )
    return make_table(
        ["Event", "When", "Immediate move", "Recovery", "Volatility spike"],
        rows,
        numeric_from=99,
        caption="Events (shocks)",
        css_class="wrap",
    )


def theme_table(resolved: Doc) -> Table | None:
    themes: Doc = resolved["market"].get("themes") or {}
    if not themes:
        return None
    rows = [
        [
            str(t.get("name") or tid),
            ", ".join(
                f"{asset_short(resolved, a)} {_signed_pct(v)}/yr" for a, v in t["premium"].items()
            ),
            f"{t['half_life_months']:g} months",
        ]
        for tid, t in themes.items()
    ]
    return make_table(
        ["Theme", "Extra return at start", "Half-life of the extra return"],
        rows,
        numeric_from=99,
        caption="Themes (persistent extra returns that fade)",
    )


def valuation_table(resolved: Doc) -> Table | None:
    vals: Doc = resolved["market"].get("valuation") or {}
    if not vals:
        return None
    horizon = float(resolved.get("horizon_months", 120))
    rows = []
    for a, v in vals.items():
        closed = 1.0 - 2.0 ** (-horizon / float(v["half_life_months"]))
        per_year = math.log(v["long_run_pe"] / v["pe"]) * closed / (horizon / 12.0)
        rows.append(
            [
                asset_short(resolved, a),
                f"{v['pe']:g}",
                f"{v['long_run_pe']:g}",
                f"{v['half_life_months'] / 12:g} years",
                pct(closed, 0),
                _signed_pct(per_year, 2),
            ]
        )
    return make_table(
        ["Asset", "Forward P/E now", "Long-run P/E", "Half-life", "Gap closed", "Re-rating / yr"],
        rows,
        caption="Valuation: the P/E drifts toward its long-run level (expected, over the horizon)",
    )
