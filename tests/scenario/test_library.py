"""Every bundled scenario (and the outlook) validates, cites its sources, and extends the
baseline where it tells a variant of it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from allocator.scenario import load_outlook, load_scenario

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"
STORIES = sorted(p for p in LIBRARY.glob("*.yaml") if p.stem != "outlook")
EXPECTED = {
    "baseline",
    "rate_cuts",
    "higher_for_longer",
    "recession",
    "tariff_shock",
    "ai_momentum",
    "small_cap_renaissance",
}


def test_the_library_has_every_story() -> None:
    assert {p.stem for p in STORIES} == EXPECTED
    assert (LIBRARY / "outlook.yaml").is_file()


@pytest.mark.parametrize("path", STORIES, ids=lambda p: p.stem)
def test_story_validates_and_cites_sources(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.sources, "each scenario lists its sources"
    text = path.read_text()
    assert re.search(r"\b\d{3}_[0-9a-f]{16}\.txt\b", text), "cites a seed article file"
    assert scenario.paths >= 10_000
    if path.stem != "baseline":
        assert scenario.extends == "baseline.yaml"


def test_outlook_names_every_story_with_probabilities_summing_to_one() -> None:
    outlook, loaded = load_outlook(LIBRARY / "outlook.yaml")
    assert {Path(e.file).stem for e in outlook.scenarios} == EXPECTED - {"baseline"}
    assert sum(p for _, p, _ in loaded) == pytest.approx(1.0)


def test_validate_command_accepts_the_whole_library() -> None:
    exe = Path(sys.executable).parent / "allocator"
    files = [str(p) for p in sorted(LIBRARY.glob("*.yaml"))]
    proc = subprocess.run([str(exe), "validate", *files], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(": ok (") == len(files)
