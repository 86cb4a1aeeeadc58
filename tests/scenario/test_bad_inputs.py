"""A battery of bad scenario files: ``allocator validate`` exits 2 and prints exactly the
expected ``file:line:col: field.path: message`` line(s), never a traceback.

Every case runs twice: in-process through click's ``CliRunner`` and as a real subprocess of the
installed ``allocator`` console script (plus ``python -m allocator`` once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.scenario.conftest import BASE, run_cli, run_subprocess, write_scenario

ANY = -1
"""A column (or line) the test does not pin down."""


@dataclass(frozen=True)
class Expect:
    """One expected problem line: ``file:line:col: field: <message_start>...<fragments>...``."""

    line: int | None
    column: int | None
    field: str
    message_start: str
    fragments: tuple[str, ...] = ()
    file: str | None = None
    """File named by the line (default: the file given to ``validate``)."""

    def matches(self, text: str, default_file: str) -> bool:
        where = self.file if self.file is not None else default_file
        rest = text
        if not rest.startswith(where + ":"):
            return False
        rest = rest[len(where) :]
        for number in (self.line, self.column):
            if number is None:
                continue
            head, sep, tail = rest[1:].partition(":")
            if not sep or not head.isdigit() or (number != ANY and int(head) != number):
                return False
            rest = ":" + tail
        if not rest.startswith(": "):
            return False
        rest = rest[2:]
        if self.field:
            if not rest.startswith(self.field + ": "):
                return False
            rest = rest[len(self.field) + 2 :]
        return rest.startswith(self.message_start) and all(f in rest for f in self.fragments)


Build = Callable[[Path, str], str]


@dataclass(frozen=True)
class Case:
    id: str
    build: Build
    """Writes the case's file(s) into a directory; returns the argument given to ``validate``."""
    expect: tuple[Expect, ...]
    after: Callable[[Path], None] | None = None
    """Extra check of the directory after the run."""


def edited(*edits: tuple[str, str], **overrides: object) -> Build:
    def build(directory: Path, name: str) -> str:
        write_scenario(directory, name, edits=edits, **overrides)
        return name

    return build


def raw(content: str | bytes) -> Build:
    def build(directory: Path, name: str) -> str:
        data = content.encode("utf-8") if isinstance(content, str) else content
        (directory / name).write_bytes(data)
        return name

    return build


def a_directory(directory: Path, name: str) -> str:
    (directory / name).mkdir()
    return name


def nothing(directory: Path, name: str) -> str:
    return name


def circular(directory: Path, name: str) -> str:
    write_scenario(directory, "loop_a.yaml", edits=[("name: mini\n", "extends: loop_b.yaml\n")])
    write_scenario(directory, "loop_b.yaml", edits=[("name: mini\n", "extends: loop_a.yaml\n")])
    return "loop_a.yaml"


def extends_itself(directory: Path, name: str) -> str:
    write_scenario(directory, name, edits=[("name: mini\n", f"extends: {name}\nname: mini\n")])
    return name


def extends_missing(directory: Path, name: str) -> str:
    (directory / name).write_text("extends: nowhere/base.yaml\nname: child\n")
    return name


def name_too_long(directory: Path, name: str) -> str:
    return "a" * 300 + ".yaml"


def nothing_pwned(directory: Path) -> None:
    assert not (directory / "pwned").exists(), "the !!python tag was executed"


BILLION_LAUGHS = "".join(
    f"{level}: &{level} [{', '.join([f'*{prev}'] * 10)}]\n"
    for prev, level in zip("abcdefgh", "bcdefghi", strict=True)
)
BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BILLION_LAUGHS

# 3x3, entries in [-1, 1], symmetric, unit diagonal, but eigenvalues {1.9, 1.9, -0.8}.
NON_PSD = [
    ("          assets: [small, large]\n", "          assets: [small, large, cash]\n"),
    ("matrix: [[1, 0.8], [0.8, 1]]", "matrix: [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]"),
]
CORRELATION = "market.regimes.states.expansion.correlation"
MATRIX = "matrix: [[1, 0.8], [0.8, 1]]"
TARIFF = "market.events.tariff"

CASES = [
    # --- reading and parsing ---------------------------------------------------------------
    Case(
        "syntax_error",
        edited(("paths: 100\n", "paths: 100\n  bad indent: 1\n")),
        (Expect(5, 13, "", "YAML syntax error: mapping values are not allowed here"),),
    ),
    Case(
        "syntax_unclosed_flow",
        edited(("    dof: 5\n", "    dof: [5\n")),
        # The parser notices at the next key, after the unclosed '[' of line 22.
        (Expect(23, 8, "", "YAML syntax error: expected ',' or ']'"),),
    ),
    Case("empty_file", raw(""), (Expect(None, None, "", "file is empty, expected a scenario"),)),
    Case(
        "comment_only",
        raw("# a scenario, some day\n\n   # still nothing\n"),
        (Expect(None, None, "", "file is empty, expected a scenario"),),
    ),
    Case(
        "not_utf8",
        raw(BASE.replace("US small caps", "US small caps caf\xe9").encode("latin-1")),
        (Expect(8, None, "", "is not UTF-8 text", ("byte 0xe9",)),),
    ),
    Case("directory", a_directory, (Expect(None, None, "", "is a directory"),)),
    Case(
        "binary_nul",
        raw(b"name: mini\n\x00\x01\x02\xff"),
        (Expect(None, None, "", "is a binary file, expected YAML text"),),
    ),
    Case("missing_file", nothing, (Expect(None, None, "", "file not found"),)),
    Case(
        "file_name_too_long",
        name_too_long,
        (Expect(None, None, "", "cannot read the file (File name too long)"),),
    ),
    Case(
        "top_level_list",
        raw("- name: mini\n- paths: 100\n"),
        (Expect(1, 1, "", "expected a mapping of scenario fields at the top, found a list"),),
    ),
    Case(
        "top_level_scalar",
        raw("just some text\n"),
        (Expect(1, 1, "", "expected a mapping of scenario fields at the top, found a str"),),
    ),
    Case(
        "duplicate_key",
        edited(("seed: 1\n", "seed: 1\nseed: 2\n")),
        (Expect(6, 1, "seed", "duplicate key 'seed'"),),
    ),
    Case(
        "python_object_tag",
        edited(
            (
                "description: a minimal valid scenario for tests",
                'description: !!python/object/apply:os.system ["touch pwned"]',
            )
        ),
        (
            Expect(
                2,
                14,
                "description",
                "unsupported YAML tag",
                ("python/object/apply:os.system", "expected plain YAML values only"),
            ),
        ),
        after=nothing_pwned,
    ),
    Case(
        "python_name_tag",
        edited(("name: mini", "name: !!python/name:os.system ''")),
        (Expect(1, 7, "name", "unsupported YAML tag", ("python/name:os.system",)),),
    ),
    Case(
        "alias_bomb",
        raw(BILLION_LAUGHS),
        (Expect(1, ANY, "", "YAML expands to more than 100,000 values", ("alias/anchor",)),),
    ),
    Case(
        "nested_too_deep",
        raw("name: " + "[" * 5000 + "]" * 5000 + "\n"),
        (Expect(None, None, "", "YAML is nested too deeply"),),
    ),
    # --- keys and types --------------------------------------------------------------------
    Case(
        "unknown_key",
        edited(("    kind: cash\n", "    kind: cash\n    colour: red\n")),
        (Expect(18, 5, "assets.cash.colour", "unknown key 'colour'; expected one of: name,"),),
    ),
    Case(
        "misspelled_key",
        edited(("expense_ratio: 0.19%", "expense_ration: 0.19%")),
        (
            Expect(
                10,
                5,
                "assets.small.expense_ration",
                "unknown key 'expense_ration' (did you mean 'expense_ratio'?)",
            ),
        ),
    ),
    Case(
        "misspelled_top_level_key",
        edited(("horizon_months: 24", "horizon_month: 24")),
        (Expect(3, 1, "horizon_month", "unknown key", ("did you mean 'horizon_months'?",)),),
    ),
    Case(
        "wrong_type",
        edited(paths="lots"),
        (Expect(4, 1, "paths", "input should be a valid integer", ("found 'lots'",)),),
    ),
    Case(
        "wrong_type_list_for_mapping",
        edited(("  all_large:\n    weights: {large: 1}\n", "  all_large: [large]\n")),
        (Expect(46, 3, "portfolios.all_large", "input should be a valid dictionary"),),
    ),
    Case(
        "missing_required_field",
        edited(("    name: T-bills\n    kind: cash\n", "    name: T-bills\n")),
        (Expect(15, 3, "assets.cash.kind", "expected a value, found nothing"),),
    ),
    Case(
        "missing_required_section",
        edited(
            (
                "portfolios:\n  all_large:\n    weights: {large: 1}\n"
                "  tilt:\n    weights: {large: 0.8, small: 0.2}\n",
                "",
            )
        ),
        (Expect(1, 1, "portfolios", "expected a value, found nothing (required field"),),
    ),
    Case(
        "boolean_for_integer",
        edited(paths=True),
        (Expect(4, 1, "paths", "expected a number, found True"),),
    ),
    Case(
        "boolean_for_float",
        edited(("dof: 5", "dof: true")),
        (Expect(22, 5, "market.innovations.dof", "expected a number, found True"),),
    ),
    Case(
        "boolean_for_rate",
        edited(("neutral: 3%", "neutral: yes")),
        (Expect(25, 5, "market.rates.neutral", "expected a number or a percent string"),),
    ),
    Case(
        "bad_percent_string",
        edited(("neutral: 3%", "neutral: abc%")),
        (
            Expect(
                25,
                5,
                "market.rates.neutral",
                "expected a number or a percent string such as '5%' or '25bp', found 'abc%'",
            ),
        ),
    ),
    Case(
        "unknown_market_model",
        edited(("model: macro", "model: magic")),
        (
            Expect(
                19,
                3,
                "market.model",
                "expected one of 'macro', 'parametric', 'historical', found 'magic'",
            ),
        ),
    ),
    Case(
        "missing_market_model",
        edited(("  model: macro\n", "")),
        (Expect(18, 1, "market", "expected a 'model' key naming the kind"),),
    ),
    Case(
        "misspelled_key_in_rebalance_policy",
        edited(
            (
                "    weights: {large: 1}\n",
                "    weights: {large: 1}\n    rebalance: {policy: calendar, evry: quarterly}\n",
            )
        ),
        (
            Expect(
                48,
                35,
                "portfolios.all_large.rebalance.evry",
                "unknown key 'evry' (did you mean 'every'?); expected one of: policy, every",
            ),
        ),
    ),
    Case(
        "unknown_rebalance_policy",
        edited(
            (
                "    weights: {large: 1}\n",
                "    weights: {large: 1}\n    rebalance: {policy: sometimes}\n",
            )
        ),
        (
            Expect(
                48,
                17,
                "portfolios.all_large.rebalance.policy",
                "expected one of 'buy_and_hold', 'calendar'",
                ("found 'sometimes'",),
            ),
        ),
    ),
    # --- numbers: NaN, inf, ranges -----------------------------------------------------------
    Case(
        "nan",
        edited(("drift: {small: 10%, large: 8%}", "drift: {small: .nan, large: 8%}")),
        (
            Expect(
                30,
                17,
                "market.regimes.states.expansion.drift.small",
                "input should be a finite number",
                ("nan",),
            ),
        ),
    ),
    Case(
        "inf_rate",
        edited(("vol: {small: 19.7%, large: 16%}", "vol: {small: .inf, large: 16%}")),
        (
            Expect(
                31,
                15,
                "market.regimes.states.expansion.vol.small",
                "input should be a finite number",
                ("inf",),
            ),
        ),
    ),
    Case(
        "inf_price",
        edited(("    expense_ratio: 0.19%\n", "    expense_ratio: 0.19%\n    start_price: .inf\n")),
        (Expect(11, 5, "assets.small.start_price", "input should be a finite number"),),
    ),
    Case(
        "huge_path_count",
        edited(paths=100_000_000),
        (Expect(4, 1, "paths", "input should be less than or equal to 10000000"),),
    ),
    Case(
        "zero_paths",
        edited(paths=0),
        (Expect(4, 1, "paths", "input should be greater than or equal to 1", ("found 0",)),),
    ),
    Case(
        "zero_horizon",
        edited(horizon_months=0),
        (Expect(3, 1, "horizon_months", "input should be greater than or equal to 1"),),
    ),
    Case(
        "negative_horizon",
        edited(horizon_months=-12),
        (Expect(3, 1, "horizon_months", "input should be greater", ("found -12",)),),
    ),
    Case(
        "horizon_too_long",
        edited(horizon_months=601),
        (Expect(3, 1, "horizon_months", "input should be less than or equal to 600"),),
    ),
    Case(
        "probability_above_one",
        edited(("      month: 3\n", "      probability_per_month: 1.5\n")),
        (
            Expect(
                43,
                7,
                f"{TARIFF}.probability_per_month",
                "input should be less than or equal to 1",
                ("found 1.5",),
            ),
        ),
    ),
    Case(
        "dof_two",
        edited(("dof: 5", "dof: 2")),
        (Expect(22, 5, "market.innovations.dof", "input should be greater than 2"),),
    ),
    Case(
        "student_t_without_dof",
        edited(("    dof: 5\n", "")),
        (
            Expect(
                20, 3, "market.innovations", "expected 'dof' (> 2) with distribution 'student_t'"
            ),
        ),
    ),
    Case(
        "bounds_min_above_max",
        edited(("small: [0, 0.5]", "small: [0.6, 0.5]")),
        (
            Expect(
                52, 5, "optimization.bounds.small", "expected min <= max, found min 0.6 > max 0.5"
            ),
        ),
    ),
    # --- matrices --------------------------------------------------------------------------
    Case(
        "correlation_not_psd",
        edited(*NON_PSD),
        (
            Expect(
                32,
                9,
                CORRELATION,
                "expected a positive semidefinite correlation matrix",
                ("smallest eigenvalue -0.8",),
            ),
        ),
    ),
    Case(
        "correlation_asymmetric",
        edited((MATRIX, "matrix: [[1, 0.8], [0.7, 1]]")),
        (Expect(32, 9, CORRELATION, "expected a symmetric matrix", ("[0][1]=0.8", "[1][0]=0.7")),),
    ),
    Case(
        "correlation_diagonal_not_one",
        edited((MATRIX, "matrix: [[1, 0.8], [0.8, 0.9]]")),
        (Expect(32, 9, CORRELATION, "expected a unit diagonal, found [1][1]=0.9"),),
    ),
    Case(
        "correlation_entry_above_one",
        edited((MATRIX, "matrix: [[1, 1.5], [1.5, 1]]")),
        (Expect(32, 9, CORRELATION, "expected entries in [-1, 1], found 1.5"),),
    ),
    Case(
        "correlation_wrong_shape",
        edited((MATRIX, "matrix: [[1, 0.8, 0], [0.8, 1, 0]]")),
        (Expect(32, 9, CORRELATION, "expected a 2x2 matrix (one row per asset), found 2x3"),),
    ),
    Case(
        "correlation_ragged",
        edited((MATRIX, "matrix: [[1, 0.8], [0.8]]")),
        (Expect(32, 9, CORRELATION, "expected a 2x2 matrix", ("2 rows of lengths [2, 1]",)),),
    ),
    Case(
        "transition_row_sum",
        edited(("{expansion: 0.1, recession: 0.9}", "{expansion: 0.2, recession: 0.9}")),
        (
            Expect(
                40,
                7,
                "market.regimes.transition.recession",
                "expected the row's probabilities to sum to 1, found 1.1",
            ),
        ),
    ),
    Case(
        "transition_two_bad_rows",
        edited(
            ("{expansion: 0.98, recession: 0.02}", "{expansion: 0.5, recession: 0.2}"),
            ("{expansion: 0.1, recession: 0.9}", "{expansion: 0.2, recession: 0.9}"),
        ),
        (
            Expect(39, 7, "market.regimes.transition.expansion", "expected the row", ("0.7",)),
            Expect(40, 7, "market.regimes.transition.recession", "expected the row", ("1.1",)),
        ),
    ),
    # --- references and sums -----------------------------------------------------------------
    Case(
        "weights_not_summing_to_one",
        edited(("weights: {large: 0.8, small: 0.2}", "weights: {large: 0.7, small: 0.2}")),
        (Expect(49, 5, "portfolios.tilt.weights", "expected weights summing to 1, found 0.9"),),
    ),
    Case(
        "unknown_asset_in_weights",
        edited(("weights: {large: 0.8, small: 0.2}", "weights: {large: 0.8, smal: 0.2}")),
        (
            Expect(
                49,
                27,
                "portfolios.tilt.weights.smal",
                "unknown asset 'smal', expected one of: small, large, cash",
            ),
        ),
    ),
    Case(
        "unknown_asset_in_drift",
        edited(("drift: {small: -20%, large: -12%}", "drift: {small: -20%, large: -12%, mid: 1%}")),
        (
            Expect(
                36, 43, "market.regimes.states.recession.drift.mid", "unknown asset 'mid', expected"
            ),
        ),
    ),
    Case(
        "unknown_asset_in_event_impact",
        edited(("impact: {small: -10%, large: -5%}", "impact: {small: -10%, largecap: -5%}")),
        (Expect(44, 29, f"{TARIFF}.impact.largecap", "unknown asset 'largecap'"),),
    ),
    Case(
        "unknown_regime_in_transition",
        edited(("{expansion: 0.1, recession: 0.9}", "{expansion: 0.1, depression: 0.9}")),
        (
            Expect(
                40,
                35,
                "market.regimes.transition.recession.depression",
                "unknown regime 'depression', expected one of: expansion, recession",
            ),
        ),
    ),
    Case(
        "unknown_initial_regime",
        edited(("initial: expansion", "initial: boom")),
        (Expect(27, 5, "market.regimes.initial", "unknown regime 'boom'"),),
    ),
    # --- extends -----------------------------------------------------------------------------
    Case(
        "circular_extends",
        circular,
        (
            Expect(
                1,
                1,
                "extends",
                "circular extends: loop_a.yaml -> loop_b.yaml -> loop_a.yaml",
                file="loop_b.yaml",
            ),
        ),
    ),
    Case(
        "extends_itself",
        extends_itself,
        (Expect(1, 1, "extends", "circular extends: extends_itself.yaml -> extends_itself.yaml"),),
    ),
    Case(
        "missing_extends_base",
        extends_missing,
        (Expect(1, 1, "extends", "base file 'nowhere/base.yaml' not found"),),
    ),
    Case(
        "extends_nul_byte",
        edited(("name: mini\n", 'extends: "base\\0.yaml"\nname: mini\n')),
        (Expect(1, 1, "extends", "expected a usable file path", ("embedded null byte",)),),
    ),
    Case(
        "extends_name_too_long",
        edited(("name: mini\n", f"extends: {'b' * 300}.yaml\nname: mini\n")),
        (Expect(1, 1, "extends", "expected a usable file path", ("File name too long",)),),
    ),
    Case(
        "historical_file_nul_byte",
        edited(("  model: macro\n", '  model: historical\n  file: "returns\\0.csv"\n')),
        (Expect(20, 3, "market.file", "expected a usable file path", ("embedded null byte",)),),
    ),
]

IDS = [case.id for case in CASES]


def test_battery_is_large_and_distinct() -> None:
    assert len(CASES) >= 30
    assert len(set(IDS)) == len(IDS)


def check_problem_lines(case: Case, lines: list[str], file: str) -> None:
    """Exactly one output line per expected problem, each matching exactly one expectation."""
    assert len(lines) == len(case.expect), "\n".join(lines)
    for expect in case.expect:
        hits = [line for line in lines if expect.matches(line, file)]
        assert len(hits) == 1, f"expected one line like {expect} in:\n" + "\n".join(lines)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_runner(case: Case, in_tmp: Path) -> None:
    arg = case.build(in_tmp, f"{case.id}.yaml")
    result = run_cli(["validate", arg])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert result.stdout == ""  # no 'ok' line for a bad file
    check_problem_lines(case, result.stderr.splitlines(), arg)
    if case.after is not None:
        case.after(in_tmp)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_console_script(case: Case, tmp_path: Path) -> None:
    arg = case.build(tmp_path, f"{case.id}.yaml")
    proc = run_subprocess(["validate", arg], cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout == ""
    check_problem_lines(case, proc.stderr.splitlines(), arg)
    if case.after is not None:
        case.after(tmp_path)


def test_python_dash_m(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "misspelled_key")
    arg = case.build(tmp_path, "scenario.yaml")
    proc = run_subprocess(["validate", arg], cwd=tmp_path, module=True)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    check_problem_lines(case, proc.stderr.splitlines(), arg)


def test_absolute_path_names_the_file(tmp_path: Path) -> None:
    """Outside the working directory the problem line names the file by its full path."""
    path = write_scenario(tmp_path, edits=[("dof: 5", "dof: 2")])
    result = run_cli(["validate", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:22:5: market.innovations.dof: "), lines[0]


def test_each_case_differs_from_the_valid_base(in_tmp: Path) -> None:
    """Sanity check of the battery: the unedited base is valid, so every failure is the edit's."""
    write_scenario(in_tmp, "base.yaml")
    result = run_cli(["validate", "base.yaml"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
