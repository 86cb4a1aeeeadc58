"""Charts of a comparison: the small-cap sweep of every result on one set of axes, and each
candidate portfolio's median CAGR per result."""

from __future__ import annotations

import math

from markupsafe import Markup

from allocator.report.bars import hbar_chart
from allocator.report.charts import Series, line_chart, percent_format
from allocator.report.compare import Comparison
from allocator.report.numbers import pct
from allocator.report.svg import color


def sweep_overlays(comparison: Comparison) -> list[Markup]:
    """Median CAGR and CVaR against the small-cap weight, one line per result with a sweep."""
    with_sweep = [
        (label, doc)
        for label, doc in zip(comparison.labels, comparison.docs, strict=True)
        if doc.get("sweep")
    ]
    if not with_sweep:
        return []
    charts = []
    for title, y_label, key in (
        ("Median CAGR by small-cap weight", "Median CAGR", "cagr_median"),
        ("CVaR (a loss) by small-cap weight", "CVaR of the horizon return", "cvar"),
    ):
        series = [
            Series(
                f"{label}: {doc['scenario'].get('name', '')}",
                [float(s.get("sweep_weight") or 0.0) for s in doc["sweep"]],
                [math.nan if s.get(key) is None else float(s[key]) for s in doc["sweep"]],
            )
            for label, doc in with_sweep
        ]
        charts.append(
            line_chart(
                title,
                series,
                x_label="Small-cap weight",
                y_label=y_label,
                x_format=percent_format,
                y_format=percent_format,
                width=560,
                height=320,
            )
        )
    return charts


def portfolio_bars(comparison: Comparison) -> Markup | None:
    """Median CAGR of every candidate portfolio in every result: one group of bars per
    portfolio, one colour per result."""
    rows: list[tuple[str, float]] = []
    colours: list[str] = []
    for s in comparison.series:
        if s.kind != "portfolio":
            continue
        first = True
        for k, doc in enumerate(comparison.docs):
            match = next((p for p in doc.get("portfolios", []) if p["id"] == s.id), None)
            if match is not None and match.get("cagr_median") is not None:
                rows.append((s.name if first else "", float(match["cagr_median"])))
                colours.append(color(k))
                first = False
    if not rows:
        return None
    legend = [
        (f"{label}: {doc['scenario'].get('name', '')}", color(k))
        for k, (label, doc) in enumerate(zip(comparison.labels, comparison.docs, strict=True))
    ]
    return hbar_chart(
        "Median CAGR of each candidate portfolio, per result",
        rows,
        x_label="Median CAGR",
        x_format=percent_format,
        value_format=lambda v: pct(v),
        colours=colours,
        legend=legend,
        width=900,
    )
