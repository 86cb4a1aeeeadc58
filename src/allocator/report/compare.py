"""Comparing simulation results: which scenario settings differ (dotted paths of the resolved
scenario), every metric side by side with its difference from the first result, and whether
that difference is larger than its Monte Carlo error.

Standard error of a difference B − A of the same metric of the same series id:

* paired results (same seed and path count: common random numbers, path i of both driven by
  the same draws): from the per-path samples both files keep (``path_sample``), resampled on
  the same paths so the shared noise cancels (``sample_errors``). This covers every metric
  computed from final wealth and drawdown. Metrics without per-path values (volatility,
  Sharpe, turnover, ...) fall back to the unpaired error, which overstates the paired one
  when the results are positively correlated, so their marks are conservative;
* unpaired results: ``sqrt(se_A² + se_B²)``, each from the file's ``*_se`` field, the
  binomial formula for a probability, or else its path sample;
* files without path samples (schema 1.0): unpaired errors where the file carries them.

A difference counts as larger than its error when ``|B − A| > 2 SE``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from allocator.report.documents import schema_major
from allocator.report.metric_defs import METRICS, Metric, diff_with_se, significant
from allocator.report.numbers import plain
from allocator.report.path_sample import PathSample, read_sample
from allocator.report.sample_errors import RESAMPLES, difference_errors
from allocator.report.tables import Cell, Table, make_table

Doc = dict[str, Any]
ABSENT = "(absent)"
SERIES_KINDS = (("portfolios", "portfolio"), ("sweep", "sweep point"), ("assets", "asset alone"))


@dataclass(frozen=True)
class SettingDiff:
    path: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class SeriesComparison:
    """One series id (a portfolio, sweep point or single asset) across the results."""

    kind: str
    id: str
    name: str
    table: Table
    differing: int
    """Number of metrics with a difference larger than its error in some result."""


@dataclass(frozen=True)
class Comparison:
    labels: tuple[str, ...]
    files: tuple[str, ...]
    docs: tuple[Doc, ...]
    warnings: tuple[str, ...]
    pairing: str
    paired: tuple[bool, ...]
    """Per result after the first: paired with the first (common random numbers)?"""
    settings: tuple[SettingDiff, ...]
    series: tuple[SeriesComparison, ...]


_MISSING = object()


def _child_keys(nodes: Sequence[Any]) -> list[str]:
    """Keys of several mappings once, in first-seen order (a later one's extra keys are placed
    after the key that precedes them there, so siblings stay together)."""
    merged: list[str] = []
    for node in nodes:
        anchor = -1
        for key in node:
            if key in merged:
                anchor = merged.index(key)
                continue
            anchor += 1
            merged.insert(anchor, key)
    return merged


def _diff(path: str, nodes: list[Any]) -> list[SettingDiff]:
    """Differences between the same field of several documents, by dotted path. Mappings are
    compared key by key and equal-length lists item by item; anything else that differs, a
    list whose length changed, or a field missing from some documents, is one row."""
    present = [n is not _MISSING for n in nodes]
    if all(present) and all(isinstance(n, dict) for n in nodes):
        out = []
        for key in _child_keys(nodes):
            child = f"{path}.{key}" if path else str(key)
            out += _diff(child, [n.get(key, _MISSING) for n in nodes])
        return out
    if (
        all(present)
        and all(isinstance(n, list) for n in nodes)
        and len({len(n) for n in nodes}) == 1
    ):
        out = []
        for i in range(len(nodes[0])):
            out += _diff(f"{path}[{i}]", [n[i] for n in nodes])
        return out
    if all(present) and all(n == nodes[0] for n in nodes[1:]):
        return []
    return [
        SettingDiff(
            path, tuple(plain(n) if ok else ABSENT for n, ok in zip(nodes, present, strict=True))
        )
    ]


def setting_differences(docs: Sequence[Doc]) -> list[SettingDiff]:
    """Resolved-scenario fields whose values are not all equal, by dotted path."""
    return _diff("", [d["scenario"]["resolved"] for d in docs])


def _asset_ids(doc: Doc) -> list[str]:
    return list(doc["scenario"]["resolved"].get("assets") or {})


def _is_paired(a: Doc, b: Doc) -> bool:
    return bool(
        a["run"]["seed"] == b["run"]["seed"]
        and a["run"]["paths"] == b["run"]["paths"]
        and _asset_ids(a) == _asset_ids(b)
    )


def _warnings(labels: Sequence[str], files: Sequence[str], docs: Sequence[Doc]) -> list[str]:
    out = []
    first = docs[0]
    for label, file, doc in zip(labels[1:], files[1:], docs[1:], strict=True):
        if schema_major(doc) != schema_major(first):
            out.append(
                f"{files[0]} has schema {first['schema_version']} and {file} has "
                f"{doc['schema_version']}: different major versions, fields may not match"
            )
        if _asset_ids(doc) != _asset_ids(first):
            out.append(
                f"different asset lists: {labels[0]} {_asset_ids(first)} vs {label} "
                f"{_asset_ids(doc)}; portfolios are matched by id only"
            )
        if doc["run"]["horizon_months"] != first["run"]["horizon_months"]:
            out.append(
                f"different horizons: {labels[0]} {first['run']['horizon_months']} months vs "
                f"{label} {doc['run']['horizon_months']} months"
            )
    return out


def _listed(labels: list[str]) -> str:
    """'B shares' / 'B, C share'."""
    return f"{', '.join(labels)} {'shares' if len(labels) == 1 else 'share'}"


def _pairing_text(
    labels: Sequence[str], paired: Sequence[bool], samples: Sequence[PathSample | None]
) -> str:
    with_sample = [samples[0] is not None and s is not None for s in samples[1:]]
    groups: dict[str, list[str]] = {"paired": [], "paired, no sample": [], "unpaired": []}
    for label, p, has in zip(labels[1:], paired, with_sample, strict=True):
        groups["unpaired" if not p else "paired" if has else "paired, no sample"].append(label)
    parts = []
    if groups["paired"]:
        m = min(s.paths for s in samples if s is not None)
        parts.append(
            f"{_listed(groups['paired'])} seed and path count with {labels[0]}: the "
            "same portfolio ran on common random numbers, so differences are paired. Their "
            f"standard errors come from the first {m:,} paths each file keeps, resampled "
            f"together ({RESAMPLES} bootstrap resamples, scaled to the full path count), for "
            "every metric computed from final wealth and drawdown; the other metrics show "
            "the unpaired error (conservative)."
        )
    if groups["paired, no sample"]:
        parts.append(
            f"{_listed(groups['paired, no sample'])} seed and path count with "
            f"{labels[0]}, but a file keeps no per-path sample (written before schema 1.1): "
            "the paired error is unavailable, and the unpaired one shown overstates it when "
            "the results are positively correlated (so the marks are conservative)."
        )
    if groups["unpaired"]:
        parts.append(
            f"{', '.join(groups['unpaired'])} ran on different random numbers than "
            f"{labels[0]}: differences are unpaired, SE = sqrt(SE_A² + SE_B²)."
        )
    return " ".join(parts)


def _difference_se(
    metric: Metric,
    a: Doc | None,
    b: Doc | None,
    paths: tuple[int, int],
    from_samples: dict[str, float],
    paired: bool,
) -> float | None:
    if a is None or b is None:
        return None
    if paired and metric.key in from_samples:
        return from_samples[metric.key]
    se_a, se_b = metric.se(a, paths[0]), metric.se(b, paths[1])
    if se_a is not None and se_b is not None:
        return math.hypot(se_a, se_b)
    return from_samples.get(metric.key)


def _series_table(
    labels: Sequence[str],
    docs: Sequence[Doc],
    found: Sequence[Doc | None],
    errors: Sequence[tuple[dict[str, float], bool]],
) -> tuple[Table, int]:
    """``errors[k - 1]``: the sample-based SEs of result k's differences and whether the pair
    is paired."""
    currency = str(docs[0]["scenario"]["resolved"].get("currency", ""))
    rows = []
    differing = 0
    for metric in METRICS:
        values = [None if s is None else metric.value(s) for s in found]
        if all(v is None for v in values):
            continue
        row = [Cell(metric.label, hint=metric.hint)]
        row += [Cell(metric.fmt(v, currency)) for v in values]
        any_sig = False
        for k in range(1, len(docs)):
            a, b = values[0], values[k]
            diff = None if a is None or b is None else b - a
            se = _difference_se(metric, found[0], found[k], _paths(docs, k), *errors[k - 1])
            sig = significant(diff, se)
            any_sig = any_sig or sig
            text = diff_with_se(metric, diff, se, currency)
            if diff is not None and se is None:
                text += " (no SE)"
            row.append(
                Cell(text, "sig" if sig else "", "larger than 2 standard errors" if sig else "")
            )
        differing += any_sig
        rows.append(row)
    columns = ["Metric", *labels, *(f"{label} − {labels[0]} (± SE)" for label in labels[1:])]
    return make_table(columns, rows), differing


def _paths(docs: Sequence[Doc], k: int) -> tuple[int, int]:
    return int(docs[0]["run"]["paths"]), int(docs[k]["run"]["paths"])


def _sample_errors(
    docs: Sequence[Doc],
    samples: Sequence[PathSample | None],
    paired: Sequence[bool],
    key: str,
    sid: str,
) -> list[tuple[dict[str, float], bool]]:
    out = []
    for k in range(1, len(docs)):
        a, b = samples[0], samples[k]
        errors = {}
        if a is not None and b is not None:
            errors = difference_errors(a, (key, sid), b, (key, sid), _paths(docs, k), paired[k - 1])
        out.append((errors, paired[k - 1]))
    return out


def compare_documents(files: Sequence[str], docs: Sequence[Doc]) -> Comparison:
    """Compare result documents (at least two); the first is the reference."""
    labels = [chr(ord("A") + i) if i < 26 else f"R{i + 1}" for i in range(len(docs))]
    paired = [_is_paired(docs[0], d) for d in docs[1:]]
    samples = [read_sample(d) for d in docs]
    keys = [
        (key, kind, sid)
        for key, kind in SERIES_KINDS
        for sid in dict.fromkeys(s["id"] for d in docs for s in d.get(key) or [])
    ]
    # the resampling sorts release the GIL: one thread per core over the series
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        all_errors = list(
            pool.map(lambda k: _sample_errors(docs, samples, paired, k[0], k[2]), keys)
        )
    series = []
    for (key, kind, sid), errors in zip(keys, all_errors, strict=True):
        found = [next((s for s in d.get(key) or [] if s["id"] == sid), None) for d in docs]
        name = next(str(s.get("name") or sid) for s in found if s is not None)
        table, differing = _series_table(labels, docs, found, errors)
        series.append(SeriesComparison(kind, sid, name, table, differing))
    return Comparison(
        labels=tuple(labels),
        files=tuple(files),
        docs=tuple(docs),
        warnings=tuple(_warnings(labels, files, docs)),
        pairing=_pairing_text(labels, paired, samples),
        paired=tuple(paired),
        settings=tuple(setting_differences(docs)),
        series=tuple(series),
    )


def settings_table(comparison: Comparison) -> Table:
    return make_table(
        ["Setting (resolved scenario)", *comparison.labels],
        [[d.path, *d.values] for d in comparison.settings],
        numeric_from=99,
        css_class="fit",
    )


def files_table(comparison: Comparison) -> Table:
    rows = []
    for label, file, doc in zip(comparison.labels, comparison.files, comparison.docs, strict=True):
        run = doc["run"]
        rows.append(
            [
                label,
                file,
                str(doc["scenario"].get("name", "")),
                str(run["seed"]),
                f"{int(run['paths']):,}",
                f"{run['horizon_months']} months",
                str(doc.get("schema_version", "")),
                str(doc["scenario"].get("hash", ""))[:12],
                str(doc.get("generated_at", "")),
            ]
        )
    return make_table(
        ["", "File", "Scenario", "Seed", "Paths", "Horizon", "Schema", "Hash", "Generated"],
        rows,
        numeric_from=99,
        css_class="compact",
    )
