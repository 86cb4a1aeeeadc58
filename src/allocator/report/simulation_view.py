"""Everything the simulation report shows, computed from the result document: header facts,
assumption tables and macro charts, wealth fans, distributions, metrics, the sweep, the
optional optimization, and staged entry. The template only lays it out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from allocator.report.assumptions import (
    asset_table,
    portfolio_table,
    settings_table,
)
from allocator.report.market_tables import Block, market_blocks
from allocator.report.numbers import money, months_text, pct, percentile_label, readable_time
from allocator.report.optimization_view import OptimizationView, optimization_view
from allocator.report.result_tables import (
    RISK_KEYS,
    VS_BENCHMARK_KEYS,
    entry_pairs,
    entry_table,
    metrics_table,
    sweep_table,
)
from allocator.report.simulation_charts import (
    Fan,
    distribution_charts,
    fans,
    macro_charts,
    sweep_charts,
)
from allocator.report.tables import Table, make_table

Doc = dict[str, Any]


@dataclass(frozen=True)
class EntryComparison:
    """A staged-entry portfolio against its lump-sum twin (``table`` None without a twin)."""

    title: str
    table: Table | None
    note: str


def entry_comparisons(doc: Doc) -> list[EntryComparison]:
    names = {s["id"]: str(s.get("name") or s["id"]) for s in doc.get("portfolios", [])}
    out = []
    for staged, twin in entry_pairs(doc):
        if twin is None:
            out.append(
                EntryComparison(
                    names[staged],
                    None,
                    "No candidate portfolio has the same target weights without staged entry, "
                    "so there is nothing to compare it with.",
                )
            )
            continue
        table, note = entry_table(doc, staged, twin)
        out.append(EntryComparison(f"{names[staged]} vs {names[twin]}", table, note))
    return out


@dataclass(frozen=True)
class SimulationView:
    """What ``simulation.html.j2`` lays out; charts are ready SVG, tables plain text."""

    title: str
    description: str
    facts: list[tuple[str, str]]
    versions: str
    sources: list[str]
    settings: Table
    assets: Table
    portfolios: Table
    market: list[Block]
    macro_charts: list[Markup]
    fans: list[Fan]
    distributions: list[Markup]
    percentile_tables: list[Table]
    risk_table: Table
    benchmark_table: Table
    asset_risk_table: Table | None
    sweep_charts: list[Markup]
    sweep_table: Table | None
    optimization: OptimizationView | None
    entries: list[EntryComparison]
    notes: list[str]
    benchmark_name: str
    model: str


def percentile_tables(doc: Doc) -> list[Table]:
    """Final wealth and max drawdown at the run's percentiles, one row per portfolio."""
    keys = [f"p{p:g}" for p in doc["run"].get("percentiles", [])]
    currency = str(doc["scenario"]["resolved"].get("currency", ""))
    unit = f" ({currency})" if currency else ""
    portfolios = doc.get("portfolios", [])
    wealth = make_table(
        ["Portfolio", *(f"{percentile_label(k)}{unit}" for k in keys)],
        [
            [str(p.get("name") or p["id"]), *(money(p["terminal_wealth"].get(k)) for k in keys)]
            for p in portfolios
        ],
        caption="Final wealth at percentiles of the paths",
    )
    drawdown = make_table(
        ["Portfolio", *(percentile_label(k) for k in keys)],
        [
            [str(p.get("name") or p["id"]), *(pct(p["max_drawdown"].get(k)) for k in keys)]
            for p in portfolios
        ],
        caption="Max drawdown at percentiles of the paths (larger = worse)",
    )
    return [wealth, drawdown]


def simulation_view(doc: Doc) -> SimulationView:
    resolved: Doc = doc["scenario"]["resolved"]
    run: Doc = doc["run"]
    report: Doc = resolved.get("report") or {}
    bench = next((p for p in doc["portfolios"] if p["id"] == run.get("benchmark")), None)
    facts = [
        ("Generated", readable_time(str(doc.get("generated_at", "")))),
        ("Simulated paths", f"{int(run['paths']):,}"),
        ("Horizon", months_text(int(run["horizon_months"]))),
        ("Seed", str(run.get("seed"))),
        ("Scenario hash", str(doc["scenario"].get("hash", ""))[:16]),
        ("Schema", str(doc.get("schema_version", ""))),
    ]
    versions = ", ".join(f"{k} {v}" for k, v in (doc.get("versions") or {}).items())
    return SimulationView(
        title=str(report.get("title") or doc["scenario"].get("name") or resolved.get("name")),
        description=str(resolved.get("description") or ""),
        facts=facts,
        versions=versions,
        sources=[str(s) for s in resolved.get("sources") or []],
        settings=settings_table(doc),
        assets=asset_table(resolved),
        portfolios=portfolio_table(resolved, str(run.get("benchmark"))),
        market=market_blocks(resolved),
        macro_charts=macro_charts(doc),
        fans=fans(doc),
        distributions=distribution_charts(doc),
        percentile_tables=percentile_tables(doc),
        risk_table=metrics_table(doc, doc["portfolios"], RISK_KEYS),
        benchmark_table=metrics_table(doc, doc["portfolios"], VS_BENCHMARK_KEYS),
        asset_risk_table=(
            metrics_table(doc, doc["assets"], RISK_KEYS, "Asset") if doc.get("assets") else None
        ),
        sweep_charts=sweep_charts(doc),
        sweep_table=sweep_table(doc) if doc.get("sweep") else None,
        optimization=optimization_view(doc),
        entries=entry_comparisons(doc),
        notes=[str(n) for n in doc.get("notes") or []],
        benchmark_name=str(bench.get("name") or bench["id"]) if bench else "",
        model=str(resolved.get("market", {}).get("model", "")),
    )
