"""The optional ``optimization`` section of a simulation document: the chosen allocation and
the efficient frontier.

Accepted shape (keys beyond these are ignored)::

    optimization:
      allocation: {weights: {asset: w}, objective, expected_return, volatility, cvar, risk?}
      frontier: [{target_return | target | expected_return, risk, weights, small_cap_weight}]
                or {risk_measure, points: [...]}  (a point's risk is then its field named
                by risk_measure, e.g. 'cvar', when it has no 'risk')

Returns and risks are per decision period (the scenario's ``optimization.decision_period``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from allocator.report.assumptions import asset_long, asset_short
from allocator.report.charts import Series, line_chart, percent_format
from allocator.report.numbers import pct
from allocator.report.tables import Table, make_table

Doc = dict[str, Any]


@dataclass(frozen=True)
class OptimizationView:
    allocation: Table | None
    summary: Table | None
    charts: tuple[Markup, ...]
    period: str


def _number(node: Doc, *keys: str) -> float | None:
    for key in keys:
        value = node.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _points(frontier: Any) -> tuple[list[Doc], str]:
    if isinstance(frontier, dict):
        return list(frontier.get("points") or []), str(frontier.get("risk_measure") or "risk")
    return list(frontier or []), "risk"


def _risk_label(measure: str, period: str) -> str:
    """Axis title of the frontier's risk measure ('risk' when the document does not say)."""
    name = {"cvar": "CVaR", "volatility": "Volatility", "var": "VaR"}.get(measure)
    return f"{name} per {period}" if name else f"Risk per {period}"


def optimization_view(doc: Doc) -> OptimizationView | None:
    """Tables and charts of ``doc["optimization"]``, or None when the document has none."""
    opt = doc.get("optimization")
    if not isinstance(opt, dict) or not (opt.get("allocation") or opt.get("frontier")):
        return None
    resolved: Doc = doc["scenario"]["resolved"]
    period = str((resolved.get("optimization") or {}).get("decision_period") or "period")
    allocation: Doc = opt.get("allocation") or {}
    weights: Doc = allocation.get("weights") or {}
    alloc_table = summary = None
    if weights:
        alloc_table = make_table(
            ["Asset", "Weight"],
            [[asset_long(resolved, a), pct(float(w))] for a, w in weights.items()],
        )
        ret = _number(allocation, "expected_return", "target_return")
        vol = _number(allocation, "volatility")
        summary = make_table(
            [
                "Objective",
                f"Expected return / {period}",
                f"Volatility / {period}",
                f"CVaR / {period}",
            ],
            [
                [
                    str(allocation.get("objective") or "–"),
                    pct(ret),
                    pct(vol),
                    pct(_number(allocation, "cvar")),
                ]
            ],
        )
    points, measure = _points(opt.get("frontier"))
    charts: list[Markup] = []
    # the risk of a point: 'risk', else the field named by the frontier's measure
    risk_keys = ("risk", "objective_value" if measure == "objective" else measure)
    usable = [
        p
        for p in points
        if _number(p, *risk_keys) is not None
        and _number(p, "target_return", "target", "expected_return") is not None
    ]
    if usable:
        xs = [_number(p, *risk_keys) or 0.0 for p in usable]
        ys = [_number(p, "target_return", "target", "expected_return") or 0.0 for p in usable]
        highlight = _chosen_point(allocation, measure, usable, xs, ys)
        risk = _risk_label(measure, period)
        charts.append(
            line_chart(
                "Efficient frontier: best expected return for each level of risk",
                [Series("Efficient frontier", xs, ys)],
                x_label=risk,
                y_label=f"Expected return per {period}",
                x_format=percent_format,
                y_format=percent_format,
                highlight=highlight,
                width=580,
            )
        )
        asset_ids = list(dict.fromkeys(a for p in usable for a in (p.get("weights") or {})))
        series = [
            Series(
                asset_short(resolved, a),
                xs,
                [float((p.get("weights") or {}).get(a, 0.0)) for p in usable],
            )
            for a in asset_ids
        ]
        if not series and all(_number(p, "small_cap_weight") is not None for p in usable):
            series = [
                Series("small caps", xs, [_number(p, "small_cap_weight") or 0.0 for p in usable])
            ]
        if series:
            charts.append(
                line_chart(
                    "Weights along the frontier",
                    series,
                    x_label=risk,
                    y_label="Weight",
                    x_format=percent_format,
                    y_format=percent_format,
                    include_zero=True,
                    markers=False,
                    width=580,
                )
            )
    return OptimizationView(alloc_table, summary, tuple(charts), period)


def _chosen_point(
    allocation: Doc, measure: str, points: list[Doc], xs: list[float], ys: list[float]
) -> tuple[float, float, str] | None:
    """Where the chosen allocation sits: its own risk and return when it reports them in the
    frontier's measure, else the frontier point with the closest weights."""
    if not allocation:
        return None
    x = _number(allocation, "risk", measure)
    y = _number(allocation, "target_return", "expected_return")
    if x is not None and y is not None:
        return x, y, "chosen allocation"
    weights = allocation.get("weights") or {}
    if not weights:
        return None

    def distance(p: Doc) -> float:
        other = p.get("weights") or {}
        keys = set(weights) | set(other)
        return sum(abs(float(weights.get(k, 0.0)) - float(other.get(k, 0.0))) for k in sorted(keys))

    best = min(range(len(points)), key=lambda i: distance(points[i]))
    return xs[best], ys[best], "chosen allocation (nearest frontier point)"
