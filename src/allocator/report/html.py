"""HTML reports from result documents: one self-contained file each (inline CSS and SVG, no
scripts, nothing fetched), rendered by Jinja2 with autoescaping so that every name and
description a user wrote shows as text.

The output is a pure function of the document: the same document gives the same bytes (the
date shown is the document's ``generated_at``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import jinja2

from allocator.report.numbers import months_text

if TYPE_CHECKING:
    from allocator.report.compare import Comparison

Doc = dict[str, Any]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The template environment: package templates, autoescape on, strict undefined."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("allocator.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_simulation_html(result_doc: Doc) -> str:
    """The simulation report of a result document (``result_json.result_document``)."""
    from allocator.report.simulation_view import simulation_view

    view = simulation_view(result_doc)
    run = result_doc["run"]
    return (
        environment()
        .get_template("simulation.html.j2")
        .render(
            v=view,
            hash=str(result_doc["scenario"].get("hash", "")),
            paths=f"{int(run['paths']):,}",
            paths_raw=int(run["paths"]),
            horizon=months_text(int(run["horizon_months"])),
            horizon_raw=int(run["horizon_months"]),
            seed=run.get("seed"),
            schema=str(result_doc.get("schema_version", "")),
            generated=str(result_doc.get("generated_at", "")),
        )
    )


def render_advice_html(advice_doc: Doc) -> str:
    """The advice report of an advice document (per-scenario optima, blended / worst-case /
    min-regret allocations, regret heat map, recommendation, risk-aversion sensitivity)."""
    from allocator.report.advice_view import advice_view

    return environment().get_template("advice.html.j2").render(v=advice_view(advice_doc))


def render_compare_html(comparison: Comparison) -> str:
    """The comparison page of a ``compare.Comparison``: files, warnings, differing settings,
    sweep overlays and every metric side by side."""
    from allocator.report.compare import files_table, settings_table
    from allocator.report.compare_charts import portfolio_bars, sweep_overlays

    names = [str(d["scenario"].get("name", "")) for d in comparison.docs]
    return (
        environment()
        .get_template("compare.html.j2")
        .render(
            c=comparison,
            title="Comparison: " + " vs ".join(names),
            files=files_table(comparison),
            settings=settings_table(comparison),
            charts=sweep_overlays(comparison),
            bars=portfolio_bars(comparison),
        )
    )
