"""`allocator compare`: settings that differ, metrics side by side with their error, notes
for mismatched files, exit codes, and the HTML page."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from allocator.report.commands import compare
from allocator.report.compare import compare_documents, setting_differences
from tests.report.conftest import EVIL
from tests.report.test_html import offline_problems

Doc = dict[str, Any]


def _write(tmp_path: Path, name: str, doc: Doc) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _variant(doc: Doc) -> Doc:
    """The same run with a higher neutral rate, an extra event and a better mean CAGR."""
    out = copy.deepcopy(doc)
    market = out["scenario"]["resolved"]["market"]
    market["rates"]["neutral"] = 0.035
    market["events"]["shock"] = {"month": 3, "impact": {"small": -0.1}}
    out["portfolios"][0]["cagr_mean"] += 0.01
    return out


def _resolved(**fields: Any) -> Doc:
    return {"scenario": {"resolved": fields}}


def test_setting_differences_by_dotted_path() -> None:
    a = _resolved(x={"y": 1, "z": [1, 2]}, only_a=1, same="s", knots=[1, 2])
    b = _resolved(x={"y": 2, "z": [1, 3]}, same="s", knots=[1, 2, 3])
    diffs = {d.path: d.values for d in setting_differences([a, b])}
    assert diffs == {
        "x.y": ("1", "2"),
        "x.z[1]": ("2", "3"),
        "only_a": ("1", "(absent)"),
        "knots": ("[1, 2]", "[1, 2, 3]"),
    }


def test_cli_prints_differing_settings_and_metrics(tmp_path: Path, macro_doc: Doc) -> None:
    a = _write(tmp_path, "a.json", macro_doc)
    b = _write(tmp_path, "b.json", _variant(macro_doc))
    result = CliRunner().invoke(compare, [str(a), str(b)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "market.rates.neutral" in out and "market.events.shock" in out
    words = " ".join(out.split())  # the note is wrapped to the terminal
    assert "common random numbers" in words and "resampled together" in words
    assert "Mean CAGR" in out and "B − A (± SE)" in out
    assert "sweep points and single assets not shown" in out


def test_unpaired_difference_uses_both_errors(macro_doc: Doc) -> None:
    b = _variant(macro_doc)
    b["run"]["seed"] += 1  # other random numbers: unpaired
    comparison = compare_documents(["a", "b"], [macro_doc, b])
    assert comparison.paired == (False,)
    assert "unpaired" in comparison.pairing
    table = next(s.table for s in comparison.series if s.id == macro_doc["portfolios"][0]["id"])
    row = next(r for r in table.rows if r[0].text == "Mean CAGR")
    se = math.hypot(macro_doc["portfolios"][0]["cagr_mean_se"], b["portfolios"][0]["cagr_mean_se"])
    assert f"± {100 * se:.2f}" in row[3].text or f"± {100 * se:.3f}" in row[3].text
    assert row[3].mark == "sig"  # +1 pp is far beyond the error of 2,000 paths


def test_files_without_samples_fall_back_to_unpaired_errors(macro_doc: Doc) -> None:
    a, b = copy.deepcopy(macro_doc), _variant(macro_doc)
    del a["path_sample"], b["path_sample"]  # as written before schema 1.1
    comparison = compare_documents(["a", "b"], [a, b])
    assert comparison.paired == (True,)
    assert "unavailable" in comparison.pairing
    table = next(s.table for s in comparison.series if s.id == a["portfolios"][0]["id"])
    median = next(r for r in table.rows if r[0].text == "Median final wealth")
    assert median[3].text.endswith("(no SE)")  # no error without per-path values
    mean = next(r for r in table.rows if r[0].text == "Mean CAGR")
    se = math.hypot(a["portfolios"][0]["cagr_mean_se"], b["portfolios"][0]["cagr_mean_se"])
    assert f"± {100 * se:.2f}" in mean[3].text or f"± {100 * se:.3f}" in mean[3].text


def test_mismatched_files_are_noted_not_refused(
    tmp_path: Path, macro_doc: Doc, parametric_doc: Doc
) -> None:
    newer = copy.deepcopy(macro_doc)
    newer["schema_version"] = "2.0.0"
    paths = [
        _write(tmp_path, "a.json", macro_doc),
        _write(tmp_path, "b.json", newer),
        _write(tmp_path, "c.json", parametric_doc),
    ]
    result = CliRunner().invoke(compare, [str(p) for p in paths])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note:")]
    assert any("different major versions" in n for n in notes)
    assert any("different asset lists" in n for n in notes)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"kind": "advice", "schema_version": "1.0.0"}', "not a simulation result"),
        ('{"kind": "simulation", "schema_version": "1.0.0"}', "missing 'scenario.resolved'"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_bad_files_exit_2_naming_the_file(
    tmp_path: Path, macro_doc: Doc, content: str, message: str
) -> None:
    good = _write(tmp_path, "good.json", macro_doc)
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = CliRunner().invoke(compare, [str(good), str(bad)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}: ")
    assert message in lines[0]


def test_missing_file_and_single_file_exit_2(tmp_path: Path, macro_doc: Doc) -> None:
    good = _write(tmp_path, "good.json", macro_doc)
    missing = CliRunner().invoke(compare, [str(good), str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "nope.json: cannot read" in missing.output
    single = CliRunner().invoke(compare, [str(good)])
    assert single.exit_code == 2 and "at least two" in single.output


def test_unwritable_html_path_exits_2(tmp_path: Path, macro_doc: Doc) -> None:
    a = _write(tmp_path, "a.json", macro_doc)
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(compare, [str(a), str(a), "--html", str(blocker / "x.html")])
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_html_page(tmp_path: Path, macro_doc: Doc) -> None:
    a = _write(tmp_path, "a.json", macro_doc)
    b = _write(tmp_path, "b.json", _variant(macro_doc))
    page = tmp_path / "cmp.html"
    result = CliRunner().invoke(compare, [str(a), str(b), "--html", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert ">Scenario settings that differ</h2>" in html and "market.rates.neutral" in html
    assert ">Every metric, side by side</h2>" in html and "Median CAGR by small-cap weight" in html
    assert EVIL not in html and "&lt;script&gt;" in html
    assert offline_problems(html) == []
    again = tmp_path / "again.html"
    CliRunner().invoke(compare, [str(a), str(b), "--html", str(again)])
    assert again.read_bytes() == page.read_bytes()
