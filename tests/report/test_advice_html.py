"""The advice report, from a hand-made advice document."""

from __future__ import annotations

import copy
from typing import Any

from allocator.report.html import render_advice_html
from tests.report.conftest import EVIL
from tests.report.test_html import offline_problems

Doc = dict[str, Any]


def test_every_part_is_there(advice_doc: Doc) -> None:
    html = render_advice_html(advice_doc)
    for heading in (
        "Recommendation",
        "The best allocation in each story",
        "Regret table",
        "How the answer depends on risk appetite",
        "Assumptions and limits",
    ):
        assert f">{heading}</h2>" in html, heading
    assert '<p class="big">15%</p>' in html and "range 10% to 25%" in html
    assert "Hold about 15% of the equity sleeve" in html
    assert "Regret of each small-cap weight in each scenario" in html  # the heat map
    assert "Best in the worst case" in html and "Least regret" in html
    assert "Expected CRRA utility of terminal wealth" in html
    assert "Not financial advice." in html
    # per-story bars, allocation bars, heat map, sensitivity line
    assert html.count("<svg") == 4


def test_user_text_is_escaped_and_nothing_is_fetched(advice_doc: Doc) -> None:
    html = render_advice_html(advice_doc)
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert offline_problems(html) == []


def test_deterministic(advice_doc: Doc) -> None:
    assert render_advice_html(advice_doc) == render_advice_html(copy.deepcopy(advice_doc))


def test_optional_parts_are_left_out(advice_doc: Doc) -> None:
    for key in ("regret_table", "risk_aversion_sensitivity", "generated_at"):
        del advice_doc[key]
    html = render_advice_html(advice_doc)
    assert "Regret table" not in html and "risk appetite" not in html
    assert ">Recommendation</h2>" in html


def test_worst_regret_row_is_the_column_maximum(advice_doc: Doc) -> None:
    html = render_advice_html(advice_doc)
    regret = advice_doc["regret_table"]["regret"]
    worst_at_15 = max(row[3] for row in regret)
    row = html[html.index("Worst case over scenarios") :]
    assert f"{100 * worst_at_15:.2f}%" in row[: row.index("</tr>")]
