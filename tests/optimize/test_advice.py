"""Advice across scenarios: certainty equivalents, regret, the recommendation and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from allocator.cli import main
from allocator.optimize.advice import advise, certainty_equivalent, expected_utility
from allocator.scenario import load_outlook

STORY = """\
name: {name}
horizon_months: 24
paths: 3000
seed: 11
assets:
  small: {{name: Small caps, ticker: IWM, kind: equity}}
  large: {{name: Large caps, ticker: SPY, kind: equity}}
market:
  model: parametric
  mean: {{small: {small_mean}, large: 7%}}
  vol: {{small: 20%, large: 16%}}
  correlation: {{assets: [small, large], matrix: [[1, 0.8], [0.8, 1]]}}
portfolios:
  all_large: {{weights: {{large: 1}}}}
sweep: {{asset: small, funded_from: large, stop: 40%, step: 10%}}
optimization: {{bounds: {{small: [0, 40%]}}}}
"""


def _outlook(tmp_path: Path, means: dict[str, str], extra: str = "") -> Path:
    for name, mean in means.items():
        (tmp_path / f"{name}.yaml").write_text(STORY.format(name=name, small_mean=mean))
    p = 1.0 / len(means)
    lines = "\n".join(f"  - {{file: {n}.yaml, probability: {p}}}" for n in means)
    path = tmp_path / "outlook.yaml"
    path.write_text(f"name: test outlook\nscenarios:\n{lines}\n{extra}")
    return path


@pytest.mark.parametrize("gamma", [1.0, 3.0])
def test_certainty_equivalent_of_a_sure_return_is_that_return(gamma: float) -> None:
    r = np.full((100, 2), 0.05)
    u = expected_utility(r, np.array([[0.3, 0.7]]), gamma)
    assert certainty_equivalent(u, gamma)[0] == pytest.approx(0.05, rel=1e-12)


def test_certainty_equivalent_is_below_the_mean_for_a_risky_return() -> None:
    r = np.array([[0.3], [-0.1]])  # mean 10%
    for gamma in (1.0, 3.0):
        ce = certainty_equivalent(expected_utility(r, np.array([[1.0]]), gamma), gamma)[0]
        assert ce < 0.10
    # log utility: the geometric mean
    log_ce = certainty_equivalent(expected_utility(r, np.array([[1.0]]), 1.0), 1.0)[0]
    assert log_ce == pytest.approx(np.sqrt(1.3 * 0.9) - 1)


def test_one_story_outlook_blends_to_that_story(tmp_path: Path) -> None:
    outlook, loaded = load_outlook(_outlook(tmp_path, {"a": "12%"}))
    doc = advise(outlook, loaded)
    assert doc["blended"]["weights"] == pytest.approx(doc["scenarios"][0]["optimum"]["weights"])
    regret = np.array(doc["regret_table"]["regret"])
    grid = doc["regret_table"]["small_cap_weights"]  # advice grid: 0-40% in 5% steps
    assert regret.shape == (1, len(grid)) == (1, 9) and np.all(regret >= 0.0)
    # the recommendation is the candidate with the least regret when there is one story
    best = doc["regret_table"]["small_cap_weights"][int(np.argmin(regret[0]))]
    assert doc["recommendation"]["small_cap_weight"] == best
    assert doc["recommendation"]["low"] <= best <= doc["recommendation"]["high"]


def test_stories_pull_the_recommendation_their_way(tmp_path: Path) -> None:
    # small caps clearly better in one story, clearly worse in the other
    outlook, loaded = load_outlook(_outlook(tmp_path, {"up": "16%", "down": "0%"}))
    doc = advise(outlook, loaded)
    up, down = (s["optimum"]["weights"].get("small", 0.0) for s in doc["scenarios"])
    assert up == pytest.approx(0.4, abs=1e-6) and down == pytest.approx(0.0, abs=1e-6)
    assert 0.0 <= doc["recommendation"]["small_cap_weight"] <= 0.4
    weights = [row["small_cap_weight"] for row in doc["risk_aversion_sensitivity"]]
    assert weights == sorted(weights, reverse=True)  # more risk aversion, less small caps


def test_advise_command_writes_json_and_html(tmp_path: Path) -> None:
    path = _outlook(tmp_path, {"up": "14%", "down": "2%"})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["advise", str(path), "--out", str(out), "--paths", "2000"])
    assert result.exit_code == 0, result.output
    assert "Not financial advice" in result.output
    doc = json.loads((out / "outlook.json").read_text())
    assert doc["kind"] == "advice" and doc["schema_version"].startswith("1.")
    assert "<svg" in (out / "outlook.html").read_text()


def test_scenarios_with_different_assets_are_refused(tmp_path: Path) -> None:
    path = _outlook(tmp_path, {"a": "10%", "b": "8%"})
    text = (
        (tmp_path / "b.yaml")
        .read_text()
        .replace("kind: equity}\nmarket", "kind: equity}\n  cash: {name: Cash, kind: cash}\nmarket")
    )
    text = text.replace("mean: {small: 8%, large: 7%}", "mean: {small: 8%, large: 7%, cash: 3%}")
    text = text.replace("vol: {small: 20%, large: 16%}", "vol: {small: 20%, large: 16%, cash: 0%}")
    (tmp_path / "b.yaml").write_text(text)
    result = CliRunner().invoke(main, ["advise", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "expected the same assets" in result.output
    assert not (tmp_path / "o").exists()
