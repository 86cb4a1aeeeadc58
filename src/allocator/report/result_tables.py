"""Tables of simulated results: metrics per portfolio with paired differences against the
benchmark (± one Monte Carlo standard error), each asset alone, the small-cap sweep, and
staged entry against its lump-sum twin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from allocator.report.assumptions import describe_entry, describe_rebalance
from allocator.report.metric_defs import (
    BY_KEY,
    Metric,
    diff_with_se,
    same_as_benchmark,
    significant,
    with_se,
)
from allocator.report.numbers import pct
from allocator.report.path_sample import read_sample
from allocator.report.sample_errors import difference_errors
from allocator.report.tables import Cell, Table, make_table

Doc = dict[str, Any]

RISK_KEYS = (
    "terminal_wealth.p50",
    "cagr_median",
    "cagr_mean",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown.p50",
    "prob_loss",
    "prob_shortfall",
    "var",
    "cvar",
)
VS_BENCHMARK_KEYS = (
    "cagr_vs_benchmark",
    "terminal_vs_benchmark",
    "prob_beat_benchmark",
    "tracking_error",
    "turnover_per_year",
    "rebalances",
    "costs_paid",
    "months_under_water_mean",
    "prob_ruin",
)
SWEEP_KEYS = (
    "cagr_median",
    "cagr_vs_benchmark",
    "prob_beat_benchmark",
    "cvar",
    "max_drawdown.p50",
    "volatility",
    "sharpe",
)


def _label(metric: Metric, level: float, currency: str = "") -> str:
    if metric.key in ("var", "cvar"):
        return f"{metric.label} {pct(level, 0)}"
    if metric.kind == "money" and currency:
        return f"{metric.label} ({currency})"
    return metric.label


def _cell(metric: Metric, series: Doc, paths: int) -> Cell:
    """A cell of a metrics table; money without its unit (the column title has it)."""
    paired = metric.key.endswith("_vs_benchmark")
    if metric.relative and same_as_benchmark(series):
        return Cell("benchmark" if paired else "–", "dim", "identical to the benchmark")
    if paired:
        text = with_se(metric, series, paths, "")
        sig = significant(metric.value(series), metric.se(series, paths))
        return Cell(text, "sig" if sig else "", "larger than 2 standard errors" if sig else "")
    return Cell(metric.fmt(metric.value(series), ""))


def metrics_table(
    doc: Doc, series: Sequence[Doc], keys: Sequence[str], first_column: str = "Portfolio"
) -> Table:
    """One row per series, one column per metric in ``keys`` (columns with no value in any
    row are dropped, e.g. the goal shortfall when there is no goal)."""
    run = doc["run"]
    currency = str(doc["scenario"]["resolved"].get("currency", ""))
    metrics = [BY_KEY[k] for k in keys if any(BY_KEY[k].value(s) is not None for s in series)]
    rows = [
        [Cell(str(s.get("name") or s["id"]))] + [_cell(m, s, int(run["paths"])) for m in metrics]
        for s in series
    ]
    level = float(run.get("var_level", 0.95))
    return make_table(
        [first_column, *(_label(m, level, currency) for m in metrics)],
        rows,
        hints=["", *(m.hint for m in metrics)],
    )


def sweep_table(doc: Doc) -> Table:
    sweep = doc.get("sweep") or []
    table = metrics_table(doc, sweep, SWEEP_KEYS, "Small-cap weight")
    rows = tuple(
        (Cell(pct(s.get("sweep_weight"), 0)), *row[1:])
        for s, row in zip(sweep, table.rows, strict=True)
    )
    return Table(table.columns, rows, table.column_hints, table.numeric_from)


def _same_rules(a: Doc, b: Doc) -> bool:
    return bool(a.get("rebalance") == b.get("rebalance") and a.get("costs") == b.get("costs"))


def entry_pairs(doc: Doc) -> list[tuple[str, str | None]]:
    """(staged portfolio id, its lump-sum twin id or None): the twin has the same target
    weights and no staged entry (or a lump-sum one); one with the same rebalancing and costs
    is preferred, then the first in the scenario's order."""
    portfolios: Doc = doc["scenario"]["resolved"].get("portfolios", {})
    simulated = {s["id"] for s in doc.get("portfolios", [])}

    def lump(p: Doc) -> bool:
        return not p.get("entry") or p["entry"].get("method") == "lump_sum"

    pairs: list[tuple[str, str | None]] = []
    for pid, p in portfolios.items():
        if lump(p) or pid not in simulated:
            continue
        twins = [
            tid
            for tid, t in portfolios.items()
            if tid != pid and tid in simulated and lump(t) and t.get("weights") == p.get("weights")
        ]
        exact = [tid for tid in twins if _same_rules(portfolios[tid], p)]
        pairs.append((pid, next(iter(exact or twins), None)))
    return pairs


ENTRY_KEYS = (
    "terminal_wealth.p50",
    "cagr_median",
    "cagr_vs_benchmark",
    "prob_beat_benchmark",
    "max_drawdown.p50",
    "cvar",
    "turnover_per_year",
    "costs_paid",
)


def entry_table(doc: Doc, staged_id: str, twin_id: str) -> tuple[Table, str]:
    """Staged portfolio against its lump-sum twin, metric by metric, and a sentence on how
    they differ besides the entry."""
    by_id = {s["id"]: s for s in doc["portfolios"]}
    resolved = doc["scenario"]["resolved"]
    staged, twin = by_id[staged_id], by_id[twin_id]
    currency = str(resolved.get("currency", ""))
    paths = int(doc["run"]["paths"])
    sample = read_sample(doc)
    paired = {}
    if sample is not None:  # same paths: paired errors from the file's per-path sample
        twin_key, staged_key = ("portfolios", twin_id), ("portfolios", staged_id)
        paired = difference_errors(sample, twin_key, sample, staged_key, (paths, paths), True)
    rows = []
    for key in ENTRY_KEYS:
        m = BY_KEY[key]
        a, b = m.value(staged), m.value(twin)
        diff = None if a is None or b is None else a - b
        se: float | None
        if key in paired:
            se = paired[key]
            diff_text = diff_with_se(m, diff, se, currency)
        else:
            se_a, se_b = m.se(staged, paths), m.se(twin, paths)
            # no per-path values for this metric: se_a + se_b bounds the paired SE from
            # above whatever the correlation
            se = None if se_a is None or se_b is None else se_a + se_b
            diff_text = diff_with_se(m, diff, se, currency, bound=True)
        mark = "sig" if significant(diff, se) else ""
        rows.append(
            [
                Cell(_label(m, float(doc["run"].get("var_level", 0.95)))),
                Cell(m.fmt(a, currency)),
                Cell(m.fmt(b, currency)),
                Cell(diff_text, mark),
            ]
        )
    spec = resolved["portfolios"]
    rules = (
        "Same rebalancing and costs."
        if _same_rules(spec[staged_id], spec[twin_id])
        else "Also differs in rebalancing: "
        f"{describe_rebalance(resolved, spec[staged_id].get('rebalance', {}))} vs "
        f"{describe_rebalance(resolved, spec[twin_id].get('rebalance', {}))}."
    )
    note = f"Staged: {describe_entry(resolved, spec[staged_id].get('entry'))}. {rules}"
    columns = ["Metric", str(staged.get("name") or staged_id), str(twin.get("name") or twin_id)]
    return make_table([*columns, "Difference"], rows), note
