"""Scenario fixtures written in code: a minimal valid scenario whose line numbers are fixed.

Tests assert exact ``file:line:col`` positions, so ``BASE`` below is laid out one key per line
and ``test_loading.py::test_base_fixture_layout`` pins the lines the tests point at.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from allocator.cli import main

BASE = """\
name: mini
description: a minimal valid scenario for tests
horizon_months: 24
paths: 100
seed: 1
assets:
  small:
    name: US small caps
    kind: equity
    expense_ratio: 0.19%
  large:
    name: US large caps
    kind: equity
    expense_ratio: 0.0945%
  cash:
    name: T-bills
    kind: cash
market:
  model: macro
  innovations:
    distribution: student_t
    dof: 5
  rates:
    start: 3.75%
    neutral: 3%
  regimes:
    initial: expansion
    states:
      expansion:
        drift: {small: 10%, large: 8%}
        vol: {small: 19.7%, large: 16%}
        correlation:
          assets: [small, large]
          matrix: [[1, 0.8], [0.8, 1]]
      recession:
        drift: {small: -20%, large: -12%}
        vol: {small: 30%, large: 24%}
    transition:
      expansion: {expansion: 0.98, recession: 0.02}
      recession: {expansion: 0.1, recession: 0.9}
  events:
    tariff:
      month: 3
      impact: {small: -10%, large: -5%}
portfolios:
  all_large:
    weights: {large: 1}
  tilt:
    weights: {large: 0.8, small: 0.2}
optimization:
  bounds:
    small: [0, 0.5]
"""

#: The installed console script, next to the interpreter running the tests.
ALLOCATOR = Path(sys.executable).parent / "allocator"


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def scenario_text(
    *, edits: Sequence[tuple[str, str]] = (), text: str = BASE, **overrides: Any
) -> str:
    """``text`` with each ``(old, new)`` edit applied (``old`` must occur exactly once) and each
    top-level scalar override set in place (``None`` removes the line; a new key is appended)."""
    for old, new in edits:
        count = text.count(old)
        assert count == 1, f"fixture edit {old!r} matches {count} times, expected once"
        text = text.replace(old, new)
    for key, value in overrides.items():
        pattern = re.compile(rf"^{re.escape(key)}:[^\n]*\n", re.MULTILINE)
        line = "" if value is None else f"{key}: {_yaml_scalar(value)}\n"
        text, n = pattern.subn(line, text)
        if n == 0 and value is not None:
            text += line
    return text


def write_scenario(
    directory: Path,
    filename: str = "scenario.yaml",
    *,
    edits: Sequence[tuple[str, str]] = (),
    text: str = BASE,
    **overrides: Any,
) -> Path:
    """Write a scenario (``BASE`` unless ``text`` is given, then edited) and return its path."""
    path = directory / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(scenario_text(edits=edits, text=text, **overrides), encoding="utf-8")
    return path


def run_cli(args: Sequence[str]) -> Result:
    """``allocator ARGS`` in-process through click's runner (stdout and stderr kept apart)."""
    return CliRunner().invoke(main, list(args))


def run_subprocess(
    args: Sequence[str], cwd: Path, module: bool = False
) -> subprocess.CompletedProcess[str]:
    """``allocator ARGS`` as a real process: the console script, or ``python -m allocator``."""
    command = [sys.executable, "-m", "allocator"] if module else [str(ALLOCATOR)]
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in a fresh directory so that problem lines name files relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
