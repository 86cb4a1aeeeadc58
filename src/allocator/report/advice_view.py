"""What the advice report shows, from an advice document::

    {schema_version, kind: "advice", generated_at?, versions?, outlook {name, description},
     scenarios [{label, probability, optimum {weights}}], blended {weights},
     worst_case {weights}, min_regret {weights},
     regret_table {small_cap_weights [...], scenarios [...], regret [[...]], unit?},
     recommendation {small_cap_weight, low, high}, risk_aversion_sensitivity
     [{risk_aversion, small_cap_weight}], summary, assumptions [...],
     small_cap?, assets? {id: {name, ticker}}}

Weights are fractions by asset id. Regret values are shown as percentages when they are all
below 1 in size (returns or certainty equivalents), as plain numbers otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from allocator.report.bars import hbar_chart, heat_map, weight_bars
from allocator.report.charts import Series, line_chart, percent_format
from allocator.report.numbers import MISSING, pct, readable_time
from allocator.report.tables import Table, make_table

Doc = dict[str, Any]


@dataclass(frozen=True)
class AdviceView:
    title: str
    description: str
    facts: list[tuple[str, str]]
    versions: str
    recommendation: str
    recommendation_range: str
    summary: str
    small_cap_label: str
    charts_top: list[Markup]
    allocations_chart: Markup | None
    allocations_table: Table
    regret_chart: Markup | None
    regret_table: Table | None
    regret_note: str
    sensitivity_chart: Markup | None
    sensitivity_table: Table | None
    assumptions: list[str]


def _asset_label(doc: Doc, asset: str) -> str:
    info = (doc.get("assets") or {}).get(asset) or {}
    return str(info.get("ticker") or info.get("name") or asset)


def small_cap_id(doc: Doc) -> str | None:
    """The small-cap asset: ``small_cap`` if given, else an asset called 'small'."""
    if doc.get("small_cap"):
        return str(doc["small_cap"])
    seen = {
        a for s in doc.get("scenarios", []) for a in (s.get("optimum") or {}).get("weights", {})
    }
    return "small" if "small" in seen else None


@dataclass(frozen=True)
class Choice:
    """An allocation shown in the report: a story's optimum or one of the robust choices."""

    label: str
    weights: dict[str, float]
    probability: float | None = None
    """The story's probability (None for the robust choices)."""
    robust: bool = False


def choices(doc: Doc) -> list[Choice]:
    """Each story's optimum, then the blended, worst-case and least-regret allocations."""
    out = [
        Choice(
            f"Best if: {s.get('label')}",
            dict((s.get("optimum") or {}).get("weights", {})),
            s.get("probability"),
        )
        for s in doc.get("scenarios", [])
    ]
    for key, label in (
        ("blended", "Blended (probability-weighted)"),
        ("worst_case", "Best in the worst case"),
        ("min_regret", "Least regret"),
    ):
        if isinstance(doc.get(key), dict) and doc[key].get("weights"):
            out.append(Choice(label, dict(doc[key]["weights"]), robust=True))
    return out


def _regret_format(values: list[float]) -> tuple[Any, str]:
    if values and max(abs(v) for v in values) < 1.0:
        return (lambda v: f"{100 * v:.2f}%"), "percent"
    return (lambda v: f"{v:.3g}"), "number"


def _regret(doc: Doc, recommended: float | None) -> tuple[Markup | None, Table | None, str]:
    table: Doc = doc.get("regret_table") or {}
    weights = [float(w) for w in table.get("small_cap_weights") or []]
    labels = [str(s) for s in table.get("scenarios") or []]
    regret = [[None if v is None else float(v) for v in row] for row in table.get("regret") or []]
    if not weights or not labels or len(regret) != len(labels):
        return None, None, ""
    fmt, _ = _regret_format([v for row in regret for v in row if v is not None])
    columns = [pct(w, 0) for w in weights]
    marked = (
        min(range(len(weights)), key=lambda j: abs(weights[j] - recommended))
        if recommended is not None
        else None
    )
    chart = heat_map(
        "Regret of each small-cap weight in each scenario",
        labels,
        columns,
        regret,
        x_label="Small-cap weight",
        value_format=fmt,
        legend_low="little regret",
        legend_high="much regret",
        marked_column=marked,
    )
    worst: list[float | None] = []
    for j in range(len(weights)):
        column = [v for row in regret if (v := row[j]) is not None]
        worst.append(max(column) if column else None)
    rows = [
        [label, *(MISSING if v is None else fmt(v) for v in row)]
        for label, row in zip(labels, regret, strict=True)
    ]
    rows.append(["Worst case over scenarios", *(MISSING if v is None else fmt(v) for v in worst)])
    unit = str(table.get("unit") or "")
    note = (
        "Regret: how much worse a small-cap weight does in a scenario than the best weight for "
        "that scenario"
        + (f" ({unit})" if unit else "")
        + "; 0 is the best choice for it. "
        + ("The outlined column is the recommendation." if marked is not None else "")
    )
    return chart, make_table(["Scenario", *columns], rows), note


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _story_bars(all_choices: list[Choice], small: str, small_label: str) -> Markup:
    rows = [
        (c.label.removeprefix("Best if: "), float(c.weights.get(small, 0.0))) for c in all_choices
    ]
    return hbar_chart(
        f"Best {small_label} weight in each story, and the robust choices",
        rows,
        x_label=f"{_capital(small_label)} weight",
        x_format=percent_format,
        value_format=lambda v: pct(v, 0),
        emphasis=[c.robust for c in all_choices],
        description="Orange bars are the allocations that weigh all stories together",
    )


def _sensitivity(doc: Doc, small_label: str) -> tuple[Markup | None, Table | None]:
    sens = doc.get("risk_aversion_sensitivity") or []
    if not sens:
        return None, None
    xs = [float(p["risk_aversion"]) for p in sens]
    ys = [float(p["small_cap_weight"]) for p in sens]
    label = f"{_capital(small_label)} weight"
    chart = line_chart(
        f"Recommended {small_label} weight against risk aversion",
        [Series(label, xs, ys)],
        x_label="Risk aversion (higher = more cautious)",
        y_label=label,
        y_format=percent_format,
        include_zero=True,
    )
    table = make_table(
        ["Risk aversion", label], [[f"{x:g}", pct(y)] for x, y in zip(xs, ys, strict=True)]
    )
    return chart, table


def advice_view(doc: Doc) -> AdviceView:
    outlook: Doc = doc.get("outlook") or {}
    rec: Doc = doc.get("recommendation") or {}
    small = small_cap_id(doc)
    known = small is not None and small in (doc.get("assets") or {})
    small_label = _asset_label(doc, small) if known and small is not None else "small-cap"
    facts = [("Stories weighed", str(len(doc.get("scenarios") or [])))]
    if doc.get("generated_at"):
        facts.insert(0, ("Generated", readable_time(str(doc["generated_at"]))))
    facts.append(("Schema", str(doc.get("schema_version", ""))))
    all_choices = choices(doc)
    assets = list(dict.fromkeys(a for c in all_choices for a in c.weights))
    asset_labels = {a: _asset_label(doc, a) for a in assets}
    recommended = rec.get("small_cap_weight")
    regret_chart, regret_table, regret_note = _regret(
        doc, float(recommended) if recommended is not None else None
    )
    sens_chart, sens_table = _sensitivity(doc, small_label)
    low, high = rec.get("low"), rec.get("high")
    return AdviceView(
        title=str(outlook.get("name") or "Advice across scenarios"),
        description=str(outlook.get("description") or ""),
        facts=facts,
        versions=", ".join(f"{k} {v}" for k, v in (doc.get("versions") or {}).items()),
        recommendation=pct(recommended, 0) if recommended is not None else MISSING,
        recommendation_range=(
            f"range {pct(low, 0)} to {pct(high, 0)}" if low is not None and high is not None else ""
        ),
        summary=str(doc.get("summary") or ""),
        small_cap_label=f"{_capital(small_label)} weight",
        charts_top=[_story_bars(all_choices, small, small_label)]
        if small is not None and all_choices
        else [],
        allocations_chart=(
            weight_bars(
                "Allocations: each story's best and the robust choices",
                [(c.label, c.weights) for c in all_choices],
                asset_labels,
            )
            if all_choices
            else None
        ),
        allocations_table=make_table(
            ["Allocation", "Probability", *(asset_labels[a] for a in assets)],
            [
                [c.label, pct(c.probability, 0), *(pct(c.weights.get(a, 0.0)) for a in assets)]
                for c in all_choices
            ],
        ),
        regret_chart=regret_chart,
        regret_table=regret_table,
        regret_note=regret_note,
        sensitivity_chart=sens_chart,
        sensitivity_table=sens_table,
        assumptions=[str(a) for a in doc.get("assumptions") or []],
    )
