"""The reports in a real browser: headless Chromium renders each report type without console
errors, the screenshot is not blank, the DOM has its charts, and a script-tag name is text.

Chromium is required: without it these tests fail (run `make browser`), they never skip.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from allocator.report.commands import compare
from allocator.report.html import render_advice_html, render_simulation_html
from tests.report.conftest import with_optimization
from tests.report.png import luminance_stats, read_png

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
Doc = dict[str, Any]


@dataclass(frozen=True)
class Run:
    stdout: str
    stderr: str


def chromium(page: Path, tmp: Path, *args: str) -> Run:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need Chromium. Run `make browser` "
            "(apt-get install chromium) and try again.",
            pytrace=False,
        )
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    done = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return Run(done.stdout, done.stderr)


def console_problems(stderr: str) -> list[str]:
    """Console output of the page: the reports have no scripts, so any is a problem."""
    return [
        line
        for line in stderr.splitlines()
        if "Uncaught" in line or "ERROR:CONSOLE" in line or ":CONSOLE" in line
    ]


@pytest.fixture(scope="module")
def pages(
    tmp_path_factory: pytest.TempPathFactory, macro_doc: Doc, parametric_doc: Doc
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    simulation = folder / "simulation.html"
    simulation.write_text(render_simulation_html(with_optimization(macro_doc)))
    advice_doc = json.loads((Path(__file__).parent / "advice_example.json").read_text())
    advice = folder / "advice.html"
    advice.write_text(render_advice_html(advice_doc))
    a, b = folder / "a.json", folder / "b.json"
    a.write_text(json.dumps(macro_doc))
    variant = json.loads(json.dumps(macro_doc))
    variant["scenario"]["resolved"]["market"]["rates"]["neutral"] = 0.035
    b.write_text(json.dumps(variant))
    comparison = folder / "compare.html"
    result = CliRunner().invoke(compare, [str(a), str(b), "--html", str(comparison)])
    assert result.exit_code == 0, result.output
    return {"simulation": simulation, "advice": advice, "compare": comparison}


#: the fewest <svg> charts each page must show
MIN_CHARTS = {"simulation": 18, "advice": 4, "compare": 3}


@pytest.mark.parametrize("kind", ["simulation", "advice", "compare"])
def test_screenshot_is_not_blank(pages: dict[str, Path], tmp_path: Path, kind: str) -> None:
    shot = tmp_path / f"{kind}.png"
    run = chromium(pages[kind], tmp_path, f"--screenshot={shot}", "--window-size=1280,900")
    assert console_problems(run.stderr) == []
    image = read_png(shot.read_bytes())
    assert (image.width, image.height) == (1280, 900)
    mean, variance, levels = luminance_stats(image)
    # a blank or single-colour page has no variance; text and charts give many grey levels
    assert variance > 100 and levels > 20, (mean, variance, levels)


@pytest.mark.parametrize("kind", ["simulation", "advice", "compare"])
def test_dom_has_charts_and_shows_script_names_as_text(
    pages: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    run = chromium(pages[kind], tmp_path, "--dump-dom")
    dom = run.stdout
    assert console_problems(run.stderr) == []
    assert dom.count("<svg") >= MIN_CHARTS[kind]
    assert "<script" not in dom  # the name did not become an element...
    assert ESCAPED in dom  # ...it is text


def test_missing_chromium_fails_and_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no")
    with pytest.raises(pytest.fail.Exception, match="make browser"):
        chromium(tmp_path / "page.html", tmp_path, "--dump-dom")
