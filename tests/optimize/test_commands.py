"""``optimize`` and ``frontier`` through click's CliRunner: exit codes 0 (done), 1 (infeasible),
2 (bad input), the printed table and the --json document."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from allocator.optimize.commands import frontier_command, optimize_command

SCENARIO = """\
name: optimizer cli test
horizon_months: 24
paths: 400
seed: 9
assets:
  small: {name: Small caps, kind: equity}
  large: {name: Large caps, kind: equity}
  bonds: {name: Bonds, kind: equity}
market:
  model: parametric
  mean: {small: 9%, large: 7%, bonds: 3%}
  vol: {small: 20%, large: 16%, bonds: 5%}
  correlation:
    assets: [small, large, bonds]
    matrix: [[1, 0.8, 0.1], [0.8, 1, 0.1], [0.1, 0.1, 1]]
portfolios:
  classic: {weights: {large: 0.6, bonds: 0.4}}
optimization:
  objective: min-cvar
  decision_period: year
  bounds: {small: [0, 0.4]}
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "story.yaml"
    path.write_text(SCENARIO)
    return path


@pytest.fixture
def returns_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    values = rng.normal([0.008, 0.006, 0.003], [0.05, 0.04, 0.01], size=(120, 3))
    lines = ["date,small,large,bonds"] + [
        f"{2010 + i // 12}-{i % 12 + 1:02d}-28," + ",".join(f"{v:.6f}" for v in row)
        for i, row in enumerate(values)
    ]
    path = tmp_path / "monthly.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_optimize_prints_and_writes_json(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "weights.json"
    result = CliRunner().invoke(optimize_command, [str(scenario), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "min-cvar on story.yaml: 400 paths x 2 year(s), seed 9" in result.output
    assert "CVaR 0.95" in result.output and "per year" in result.output
    doc = json.loads(out.read_text())
    assert set(doc["weights"]) == {"small", "large", "bonds"}
    assert sum(doc["weights"].values()) == pytest.approx(1.0, abs=1e-6)
    assert doc["weights"]["small"] <= 0.4 + 1e-6
    for key in ("objective_value", "expected_return", "volatility", "var", "cvar"):
        assert isinstance(doc[key], float)
    assert doc["objective"] == "min-cvar" and doc["objective_value"] == doc["cvar"]
    assert doc["status"] == "optimal" and doc["solver"].startswith("cutting-plane")
    assert doc["fallback_used"] is False and doc["beta"] == 0.95
    assert doc["input"]["n_scenarios"] == 800 and doc["request"]["bounds"]["small"]["max"] == 0.4
    assert not list(out.parent.glob(".*.tmp"))


def test_options_override_the_request(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "w.json"
    args = [str(scenario), "--objective", "crra", "--risk-aversion", "4", "--beta", "0.9"]
    args += ["--bounds", "small=0:10%", "--bounds", "bonds=0.2:1", "--paths", "300"]
    result = CliRunner().invoke(optimize_command, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["objective"] == "crra" and doc["beta"] == 0.9
    assert doc["weights"]["small"] <= 0.1 + 1e-6 and doc["weights"]["bonds"] >= 0.2 - 1e-6
    assert doc["input"]["n_scenarios"] == 600


def test_infeasible_request_exits_1_with_one_line(scenario: Path) -> None:
    result = CliRunner().invoke(optimize_command, [str(scenario), "--min-return", "50%"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: infeasible: min_return 0.5 conflicts")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--beta", "1.5"], "--beta"),
        (["--bounds", "small=0.5:0.2"], "expected LO <= HI"),
        (["--bounds", "mid=0:1"], "unknown asset 'mid'"),
        (["--bounds", "small"], "expected ASSET=LO:HI"),
        (["--min-return", "lots"], "percent string"),
        (["--objective", "max-fun"], "--objective"),
        (["--periods-per-year", "12"], "--periods-per-year applies to --returns/--prices"),
    ],
)
def test_bad_options_exit_2(scenario: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(optimize_command, [str(scenario), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_exactly_one_input(scenario: Path, returns_csv: Path) -> None:
    none = CliRunner().invoke(optimize_command, [])
    both = CliRunner().invoke(optimize_command, [str(scenario), "--returns", str(returns_csv)])
    for result in (none, both):
        assert result.exit_code == 2
        assert "give exactly one of SCENARIO, --returns FILE or --prices FILE" in result.output


def test_returns_csv_with_annual_figures(returns_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv.json"
    args = ["--returns", str(returns_csv), "--objective", "min-variance", "--min-return", "6%"]
    result = CliRunner().invoke(
        optimize_command, [*args, "--periods-per-year", "12", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["periods_per_year"] == 12.0
    assert doc["annualized_return"] == pytest.approx(12 * doc["expected_return"])
    assert doc["annualized_return"] >= 0.06 - 1e-6
    assert "annualized return" in result.output


def test_prices_csv_notes_dropped_rows_and_rejects_gaps(tmp_path: Path) -> None:
    good = tmp_path / "prices.csv"
    rows = ["date,small,large", "2020-01-31,100,", "2020-02-29,101,50"]
    rows += [f"2020-{m:02d}-28,{100 + m % 3},{50 + m % 4}" for m in range(3, 13)]
    good.write_text("\n".join(rows) + "\n")
    result = CliRunner().invoke(optimize_command, ["--prices", str(good)])
    assert result.exit_code == 0, result.output
    assert "note: prices.csv: dropped the first 1 row(s) (up to 2020-01-31)" in result.stderr
    bad = tmp_path / "gap.csv"
    bad.write_text("\n".join([*rows[:5], "2020-05-28,,51", *rows[6:]]) + "\n")
    result = CliRunner().invoke(optimize_command, ["--prices", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: gap.csv: line 6 (date 2020-05-28), column 'small'")


def test_tracking_error_objective_needs_a_benchmark(returns_csv: Path) -> None:
    args = ["--returns", str(returns_csv), "--objective", "min-tracking-error"]
    result = CliRunner().invoke(optimize_command, args)
    assert result.exit_code == 2
    assert "error: min-tracking-error needs benchmark weights" in result.stderr


def test_frontier_command(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "frontier.json"
    args = [str(scenario), "--objective", "min-variance", "--points", "12", "--json", str(out)]
    result = CliRunner().invoke(frontier_command, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["objective"] == "min-variance" and doc["small_cap"] == "small"
    assert len(doc["points"]) == 12
    small = [p["weights"]["small"] for p in doc["points"]]
    assert max(small) <= 0.4 + 1e-6
    returns = [p["expected_return"] for p in doc["points"]]
    assert returns == sorted(returns)
