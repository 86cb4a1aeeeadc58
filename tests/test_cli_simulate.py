"""`allocator simulate` end to end: files written atomically, JSON complete, errors clean."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from allocator.cli import main

SCENARIO = """\
name: cli test <script>alert(1)</script>
description: "A & B"
horizon_months: 24
paths: 2000
seed: 5
assets:
  small: {name: Small caps, ticker: IWM, kind: equity, expense_ratio: "0.19%"}
  large: {name: Large caps, ticker: SPY, kind: equity}
market:
  model: parametric
  mean: {small: 8%, large: 7%}
  vol: {small: 19.7%, large: 16%}
  correlation: {assets: [small, large], matrix: [[1, 0.8], [0.8, 1]]}
portfolios:
  all_large: {weights: {large: 1}}
  tilt_20: {weights: {large: 0.8, small: 0.2}}
"""


def _write(tmp_path: Path, text: str = SCENARIO) -> Path:
    path = tmp_path / "story.yaml"
    path.write_text(text)
    return path


def test_simulate_writes_json_and_html(tmp_path: Path) -> None:
    path = _write(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["simulate", str(path), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "story.json").read_text())
    assert doc["schema_version"].startswith("1.")
    assert doc["run"]["seed"] == 5 and doc["run"]["paths"] == 2000
    assert len(doc["scenario"]["hash"]) == 64
    assert doc["scenario"]["resolved"]["name"].startswith("cli test")
    assert {"numpy", "allocator", "python"} <= set(doc["versions"])
    assert [p["id"] for p in doc["portfolios"]] == ["all_large", "tilt_20"]
    assert len(doc["portfolios"][0]["bands"]["p50"]) == 25
    html = (out / "story.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "A &amp; B" in html
    assert not list(out.glob(".*.tmp"))


def test_overrides_are_recorded_in_the_result(tmp_path: Path) -> None:
    path = _write(tmp_path)
    args = ["simulate", str(path), "--out", str(tmp_path), "-q"]
    CliRunner().invoke(main, [*args, "--paths", "300", "--seed", "9", "--horizon", "6"])
    doc = json.loads((tmp_path / "story.json").read_text())
    assert (doc["run"]["paths"], doc["run"]["seed"], doc["run"]["horizon_months"]) == (300, 9, 6)
    resolved = doc["scenario"]["resolved"]
    assert (resolved["paths"], resolved["seed"], resolved["horizon_months"]) == (300, 9, 6)


def test_same_inputs_give_identical_json(tmp_path: Path, monkeypatch: object) -> None:
    path = _write(tmp_path)
    outputs = []
    for chunk, workers in (("4096", "1"), ("8192", "2")):
        out = tmp_path / f"o{chunk}"
        env = {"SOURCE_DATE_EPOCH": "1700000000"}
        args = ["simulate", str(path), "--out", str(out), "-q", "--paths", "9000"]
        res = CliRunner(env=env).invoke(main, [*args, "--chunk-size", chunk, "--workers", workers])
        assert res.exit_code == 0, res.output
        outputs.append((out / "story.json").read_bytes())
    assert outputs[0] == outputs[1]


def test_summary_table_is_printed(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["simulate", str(_write(tmp_path)), "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert "med CAGR" in result.output and "tilt_20" in result.output
    assert "wrote " in result.output


def test_bad_scenario_exits_2_without_writing(tmp_path: Path) -> None:
    path = _write(tmp_path, SCENARIO.replace("large: 0.8, small: 0.2", "large: 0.8, small: 0.3"))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["simulate", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "portfolios.tilt_20.weights: expected weights summing to 1" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_option_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["simulate", str(_write(tmp_path)), "--paths", "0"])
    assert result.exit_code == 2
    assert "--paths" in result.output


def test_interrupt_leaves_no_report(tmp_path: Path) -> None:
    path = _write(tmp_path)
    out = tmp_path / "out"
    exe = Path(sys.executable).parent / "allocator"
    # 2M paths x 20 years: far longer than the 3 s below on any machine (2M x 2 years
    # finished inside 3 s on a fast one)
    command = [str(exe), "simulate", str(path), "--out", str(out), "-q"]
    proc = subprocess.Popen(
        [*command, "--paths", "2000000", "--horizon", "240"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3.0)  # well into the simulation (start-up takes about a second)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted; no report written" in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_python_dash_m_runs(tmp_path: Path) -> None:
    env = {**os.environ}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "allocator",
            "simulate",
            str(_write(tmp_path)),
            "--out",
            str(tmp_path),
            "-q",
            "--paths",
            "100",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "story.html").exists()


def test_reports_are_ordinary_files_not_private(tmp_path: Path) -> None:
    out = tmp_path / "out"
    CliRunner().invoke(main, ["simulate", str(_write(tmp_path)), "--out", str(out), "-q"])
    mask = os.umask(0)
    os.umask(mask)
    for name in ("story.json", "story.html"):
        assert (out / name).stat().st_mode & 0o777 == 0o666 & ~mask
