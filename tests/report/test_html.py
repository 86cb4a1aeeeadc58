"""The simulation report: every section, escaping, offline, deterministic, small."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from allocator.report.html import render_simulation_html
from allocator.report.result_tables import entry_pairs
from tests.report.conftest import EVIL, REPO, simulate_document, with_optimization

Doc = dict[str, Any]
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:|//)|url\(|@import""", re.I)


def offline_problems(html: str) -> list[str]:
    """Anything that would make the browser fetch or run something."""
    problems = [m.group(0) for m in EXTERNAL.finditer(html)]
    problems += [tag for tag in ("<script", "<link", "<iframe", "<img") if tag in html.lower()]
    return problems


@pytest.fixture(scope="module")
def html(macro_doc: Doc) -> str:
    return render_simulation_html(macro_doc)


def test_every_section_is_there(html: str) -> None:
    for heading in (
        "Assumptions",
        "Interest rates",
        "Economic regimes",
        "Rate sensitivity, events, themes and valuation",
        "Macro paths the model produced",
        "Wealth over time",
        "Final wealth and drawdowns",
        "Metrics and differences against the benchmark",
        "How much small caps: the weight sweep",
        "Staged entry against buying at once",
        "Method and limits",
    ):
        assert f">{heading}</h" in html, heading
    assert "Not financial advice." in html
    assert "Optimized allocation" not in html  # no optimization section in this document


def test_header_states_the_run(html: str, macro_doc: Doc) -> None:
    assert "2026-01-01 00:00 UTC" in html
    assert str(macro_doc["run"]["seed"]) in html
    assert macro_doc["scenario"]["hash"] in html
    assert "2,000" in html and "120 months (10 years)" in html
    assert f"numpy {macro_doc['versions']['numpy']}" in html


def test_assumptions_name_each_event_theme_and_portfolio(html: str) -> None:
    for text in (
        "First cut of the renewed easing cycle",
        "Rotation into rate-sensitive small caps",
        "Share of paths in each economic regime",
        "Policy rate: percentile bands",
        "bought in 12 equal monthly instalments",
    ):
        assert text in html, text


def test_one_fan_chart_per_portfolio_and_the_other_charts(html: str, macro_doc: Doc) -> None:
    fans = html.count("5th–95th percentile of paths")
    assert fans == len(macro_doc["portfolios"]) + 1  # + the policy-rate fan
    # fans, 2 macro charts, 2 × (percentile boxes + histogram), 4 sweep charts
    assert html.count("<svg") == len(macro_doc["portfolios"]) + 2 + 4 + 4


def test_user_text_is_escaped(html: str) -> None:
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>IWM</b>" not in html
    assert offline_problems(html) == []


def test_same_document_same_bytes(macro_doc: Doc, html: str) -> None:
    roundtrip = json.loads(json.dumps(macro_doc))
    assert render_simulation_html(roundtrip) == html
    assert render_simulation_html(copy.deepcopy(macro_doc)) == html


def test_differences_carry_their_standard_error(html: str) -> None:
    assert re.search(r"[+-]\d+\.\d+ ± \d+\.\d+ pp", html)
    assert 'class="num sig"' in html  # a 20% tilt's CAGR gain is many SE from zero


def test_optimization_section_when_present(macro_doc: Doc) -> None:
    html = render_simulation_html(with_optimization(macro_doc))
    assert ">Optimized allocation and efficient frontier</h2>" in html
    assert "Efficient frontier: best expected return for each level of risk" in html
    assert "chosen allocation" in html and "min-cvar" in html


def test_optimization_frontier_in_the_optimizers_own_shape(macro_doc: Doc) -> None:
    doc = with_optimization(macro_doc)
    points = doc["optimization"]["frontier"]
    doc["optimization"]["frontier"] = {
        "risk_measure": "cvar",
        "points": [
            {"target": p["target_return"], "cvar": p["risk"], "weights": p["weights"]}
            for p in points
        ],
    }
    html = render_simulation_html(doc)
    assert "Efficient frontier: best expected return" in html and "CVaR per year" in html
    assert "Weights along the frontier" in html


def test_staged_entry_is_paired_with_its_lump_sum_twin(macro_doc: Doc) -> None:
    # no candidate shares staged_20's quarterly rule and weights: the first same-weights one
    assert entry_pairs(macro_doc) == [("staged_20", "tilt_20"), ("dca_20", "tilt_20")]


def test_parametric_result_without_macro_paths(parametric_doc: Doc) -> None:
    html = render_simulation_html(parametric_doc)
    assert ">Return model</h3>" in html and "A &amp; B" in html
    assert "Macro paths" not in html and "weight sweep</h2>" not in html
    assert "Staged entry" not in html
    assert "18 months (1.5 years)" in html and "Months from now" in html
    assert offline_problems(html) == []


def test_default_scenario_report_is_under_2_mb() -> None:
    doc = simulate_document(REPO / "scenarios" / "rate_cuts.yaml", paths=10_000)
    assert len(render_simulation_html(doc).encode()) < 2_000_000
