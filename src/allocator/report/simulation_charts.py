"""The charts of the simulation report, from the result document: one wealth fan per
portfolio (shared scale), the final-wealth and drawdown histograms, the macro paths (policy
rate fan, regime shares) and the small-cap sweep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from allocator.report.bars import percentile_strips
from allocator.report.charts import (
    Series,
    fan_chart,
    histogram_chart,
    line_chart,
    percent_format,
    stacked_area_chart,
)
from allocator.report.metric_defs import same_as_benchmark
from allocator.report.numbers import compact_money, months_text
from allocator.report.svg import color, padded_range

Doc = dict[str, Any]


@dataclass(frozen=True)
class Fan:
    name: str
    chart: Markup


def _percent_band_keys(doc: Doc) -> list[str]:
    return [f"p{p:g}" for p in doc["run"].get("percentiles", [])]


def fans(doc: Doc) -> list[Fan]:
    """One wealth fan per candidate portfolio, all on the same y axis, with the benchmark's
    median as a dashed reference line."""
    portfolios = [p for p in doc.get("portfolios", []) if p.get("bands")]
    if not portfolios:
        return []
    values = [v for p in portfolios for band in p["bands"].values() for v in band]
    y_range = padded_range(values, include_zero=True)
    bench_id = doc["run"].get("benchmark")
    bench = next((p for p in portfolios if p["id"] == bench_id), None)
    currency = str(doc["scenario"]["resolved"].get("currency", ""))
    out = []
    for i, p in enumerate(portfolios):
        reference = None
        if bench is not None and p["id"] != bench_id and "p50" in bench["bands"]:
            reference = bench["bands"]["p50"]
        name = str(p.get("name") or p["id"])
        out.append(
            Fan(
                name,
                fan_chart(
                    name,
                    p["bands"],
                    colour=color(i),
                    y_range=y_range,
                    reference=reference,
                    reference_label=f"benchmark median ({bench.get('name') if bench else ''})",
                    y_label=f"Wealth ({currency})" if currency else "Wealth",
                    width=560,
                    height=300,
                    description="Percentile bands of wealth by month",
                ),
            )
        )
    return out


def distribution_charts(doc: Doc) -> list[Markup]:
    """For final wealth and max drawdown: each portfolio's percentiles as a box (easy to
    compare), then the histograms on shared bins (the shape)."""
    portfolios = doc.get("portfolios", [])
    dists: Doc = doc.get("distributions") or {}
    names = {s["id"]: str(s.get("name") or s["id"]) for s in portfolios}
    colours = {s["id"]: color(i) for i, s in enumerate(portfolios)}
    currency = str(doc["scenario"]["resolved"].get("currency", ""))
    years = months_text(int(doc["run"]["horizon_months"]))
    unit = f" ({currency})" if currency else ""
    specs = (
        ("terminal_wealth", f"Final wealth after {years}", f"Final wealth{unit}", compact_money),
        (
            "max_drawdown",
            "Worst peak-to-trough fall (max drawdown) over the horizon",
            "Max drawdown (larger = worse)",
            percent_format,
        ),
    )
    charts = []
    for key, title, x_label, fmt in specs:
        charts.append(
            percentile_strips(
                f"{title}: spread across paths",
                [(names[s["id"]], s[key]) for s in portfolios if s.get(key)],
                x_label=x_label,
                x_format=fmt,
                colours=[colours[s["id"]] for s in portfolios if s.get(key)],
            )
        )
        hist = dists.get(key)
        ids = [i for i in names if hist and i in hist["counts"]]
        if not hist or not ids:
            continue
        charts.append(
            histogram_chart(
                f"{title}: share of paths per bin",
                hist["edges"],
                [(names[i], hist["counts"][i]) for i in ids],
                x_label=x_label,
                x_format=fmt,
                colours=[colours[i] for i in ids],
                width=900,
                height=340,
            )
        )
    return charts


def macro_charts(doc: Doc) -> list[Markup]:
    charts = []
    rates = doc.get("rates")
    if rates:
        charts.append(
            fan_chart(
                "Policy rate: percentile bands over the simulated paths",
                rates,
                colour="#009E73",
                y_range=padded_range([v for b in rates.values() for v in b], include_zero=True),
                y_label="Policy rate (annual)",
                y_format=percent_format,
                width=640,
                height=300,
            )
        )
    share = doc.get("regime_share")
    if share:
        # one value per simulated month (1..horizon) when it has no month 0
        horizon = int(doc["run"]["horizon_months"])
        first = 1 if len(next(iter(share.values()))) == horizon else 0
        charts.append(
            stacked_area_chart(
                "Share of paths in each economic regime, month by month",
                list(share.items()),
                first_month=first,
            )
        )
    return charts


def sweep_charts(doc: Doc) -> list[Markup]:
    sweep = doc.get("sweep") or []
    if not sweep:
        return []
    xs = [float(s.get("sweep_weight") or 0.0) for s in sweep]
    level = f"{100 * float(doc['run'].get('var_level', 0.95)):g}%"
    nan = float("nan")
    # a point identical to the benchmark cannot beat it: no value rather than 0%
    beat = [nan if same_as_benchmark(s) else s["prob_beat_benchmark"] for s in sweep]
    specs = (
        ("Median CAGR", "Median CAGR (per year)", [s["cagr_median"] for s in sweep], False),
        (
            f"CVaR {level} (a loss)",
            f"CVaR {level} of the horizon return",
            [s["cvar"] for s in sweep],
            False,
        ),
        ("Chance of beating the benchmark", "Share of paths", beat, True),
        (
            "Median max drawdown",
            "Median max drawdown",
            [s["max_drawdown"]["p50"] for s in sweep],
            True,
        ),
    )
    charts = []
    for title, y_label, ys, zero in specs:
        charts.append(
            line_chart(
                title,
                [Series(title, xs, [nan if y is None else float(y) for y in ys])],
                x_label="Small-cap weight",
                y_label=y_label,
                x_format=percent_format,
                y_format=percent_format,
                include_zero=zero,
                width=440,
                height=270,
                description="against the small-cap weight",
            )
        )
    return charts
