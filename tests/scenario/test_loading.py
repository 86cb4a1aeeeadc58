"""Valid inputs: units, ``extends``, several files, the schema and version commands, the hash."""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

import allocator
from allocator.errors import ScenarioError
from allocator.scenario import Scenario, load_scenario, scenario_hash
from tests.scenario.conftest import BASE, run_cli, run_subprocess, scenario_text, write_scenario

OK_SUMMARY = "ok (scenario 'mini', macro model, 3 assets, 2 portfolios)"


def test_base_fixture_layout() -> None:
    """The line numbers the tests point at (see test_bad_inputs.py)."""
    lines = BASE.splitlines()
    pinned = {
        3: "horizon_months: 24",
        4: "paths: 100",
        10: "    expense_ratio: 0.19%",
        15: "  cash:",
        18: "market:",
        22: "    dof: 5",
        25: "    neutral: 3%",
        30: "        drift: {small: 10%, large: 8%}",
        32: "        correlation:",
        40: "      recession: {expansion: 0.1, recession: 0.9}",
        44: "      impact: {small: -10%, large: -5%}",
        49: "    weights: {large: 0.8, small: 0.2}",
        52: "    small: [0, 0.5]",
    }
    for number, text in pinned.items():
        assert lines[number - 1] == text, number
    assert len(lines) == 52


def test_scenario_text_helper() -> None:
    assert "paths: 7\n" in scenario_text(paths=7)
    assert "\nseed:" not in scenario_text(seed=None)
    assert scenario_text(currency="EUR").endswith("currency: EUR\n")
    with pytest.raises(AssertionError, match="matches 0 times"):
        scenario_text(edits=[("no such text", "")])


# --- a valid file ---------------------------------------------------------------------------


def test_valid_file_prints_ok_and_exits_0(in_tmp: Path) -> None:
    write_scenario(in_tmp)
    result = run_cli(["validate", "scenario.yaml"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"scenario.yaml: {OK_SUMMARY}\n"
    assert result.stderr == ""


def test_valid_file_console_script(tmp_path: Path) -> None:
    write_scenario(tmp_path)
    proc = run_subprocess(["validate", "scenario.yaml"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"scenario.yaml: {OK_SUMMARY}\n"
    assert proc.stderr == ""


def test_quiet_prints_nothing_for_valid_files(in_tmp: Path) -> None:
    write_scenario(in_tmp)
    result = run_cli(["validate", "--quiet", "scenario.yaml"])
    assert result.exit_code == 0
    assert result.output == ""


def test_validate_needs_a_file() -> None:
    result = run_cli(["validate"])
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


# --- units -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("3%", 0.03),
        ("19.7%", 0.197),
        ("0.0945%", 0.000945),
        ("25bp", 0.0025),
        ("25bps", 0.0025),
        ("-0.25%", -0.0025),
        ("' 3.5 % '", 0.035),
        ("1.5e1%", 0.15),
        ("0.197", 0.197),  # a YAML number
        ("'0.197'", 0.197),  # a string holding a number
        ("0", 0.0),
        ("0%", 0.0),
    ],
)
def test_percent_strings(tmp_path: Path, written: str, value: float) -> None:
    """Exactly the float the decimal reads as: "19.7%" is 0.197, not 0.19699999999999998."""
    path = write_scenario(tmp_path, edits=[("neutral: 3%", f"neutral: {written}")])
    assert load_scenario(path).market.rates.neutral == value


def test_units_throughout_a_scenario(tmp_path: Path) -> None:
    s = load_scenario(write_scenario(tmp_path))
    assert s.assets["small"].expense_ratio == 0.0019
    assert s.assets["large"].expense_ratio == 0.000945
    state = s.market.regimes.states["expansion"]
    assert state.vol == {"small": 0.197, "large": 0.16}
    assert s.market.regimes.states["recession"].drift == {
        "small": -0.2,
        "large": -0.12,
    }
    assert s.market.events["tariff"].impact == {"small": -0.1, "large": -0.05}


def test_defaults_fill_what_is_left_out(tmp_path: Path) -> None:
    s = load_scenario(write_scenario(tmp_path, horizon_months=None, paths=None, seed=None))
    assert (s.horizon_months, s.paths, s.seed) == (120, 20_000, 0)
    assert s.assets["cash"].expense_ratio == 0.0
    assert s.portfolios["tilt"].rebalance.policy == "calendar"


# --- extends ---------------------------------------------------------------------------------


def test_extends_overrides_one_nested_value(tmp_path: Path) -> None:
    base = load_scenario(write_scenario(tmp_path, "base.yaml"))
    (tmp_path / "child.yaml").write_text(
        "extends: base.yaml\nname: child\nmarket:\n  innovations:\n    dof: 7\n"
    )
    child = load_scenario(tmp_path / "child.yaml")
    assert child.name == "child"
    assert child.market.innovations.distribution == "student_t"  # kept from the base
    assert child.market.innovations.dof == 7
    # Everything else is the base's, untouched.
    expected = base.model_dump()
    expected["name"] = "child"
    expected["extends"] = "base.yaml"
    expected["market"]["innovations"]["dof"] = 7.0
    assert child.model_dump() == expected


def test_extends_null_removes_an_inherited_key(tmp_path: Path) -> None:
    write_scenario(tmp_path, "base.yaml")
    (tmp_path / "child.yaml").write_text(
        "extends: base.yaml\n"
        "assets:\n  small:\n    expense_ratio: null\n"
        "market:\n  events: null\n"
        "optimization: null\n"
    )
    child = load_scenario(tmp_path / "child.yaml")
    assert child.assets["small"].expense_ratio == 0.0  # the default, not the base's 0.19%
    assert child.assets["small"].name == "US small caps"  # siblings stay
    assert child.market.events == {}
    assert child.optimization.bounds == {}
    assert child.market.rates.start == 0.0375


def test_extends_lists_replace_rather_than_merge(tmp_path: Path) -> None:
    write_scenario(tmp_path, "base.yaml")
    (tmp_path / "child.yaml").write_text(
        "extends: base.yaml\nsources: [one]\noptimization:\n  bounds:\n    small: [0.1, 0.2]\n"
    )
    child = load_scenario(tmp_path / "child.yaml")
    assert child.sources == ["one"]
    assert (child.optimization.bounds["small"].min, child.optimization.bounds["small"].max) == (
        0.1,
        0.2,
    )


def _layout(root: Path) -> Path:
    """lib/common.yaml <- lib/mid.yaml <- runs/deep/child.yaml, each extends relative to itself."""
    write_scenario(root / "lib", "common.yaml")
    (root / "lib" / "mid.yaml").write_text("extends: common.yaml\npaths: 200\n")
    child = root / "runs" / "deep" / "child.yaml"
    child.parent.mkdir(parents=True)
    child.write_text("extends: ../../lib/mid.yaml\nname: deep child\nseed: 9\n")
    return child


@pytest.mark.parametrize("cwd", [".", "runs/deep", "lib"])
def test_extends_paths_are_relative_to_the_extending_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cwd: str
) -> None:
    child = _layout(tmp_path)
    monkeypatch.chdir(tmp_path / cwd)
    s = load_scenario(child)
    assert (s.name, s.paths, s.seed, s.horizon_months) == ("deep child", 200, 9, 24)
    result = run_cli(["validate", str(child)])
    assert result.exit_code == 0, result.output


def test_extends_from_a_subdirectory_console_script(tmp_path: Path) -> None:
    _layout(tmp_path)
    proc = run_subprocess(["validate", "child.yaml"], cwd=tmp_path / "runs" / "deep")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("child.yaml: ok (scenario 'deep child'")


def test_error_in_a_base_file_names_the_base(in_tmp: Path) -> None:
    child = _layout(in_tmp)
    common = in_tmp / "lib" / "common.yaml"
    common.write_text(common.read_text().replace("dof: 5", "dof: 2"))
    result = run_cli(["validate", str(child.relative_to(in_tmp))])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "lib/common.yaml:22:5: market.innovations.dof: input should be greater than 2, found 2"
    ]


def test_error_set_by_the_child_names_the_child(in_tmp: Path) -> None:
    write_scenario(in_tmp, "base.yaml")
    (in_tmp / "child.yaml").write_text("extends: base.yaml\nmarket:\n  innovations:\n    dof: 1\n")
    result = run_cli(["validate", "child.yaml"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "child.yaml:4:5: market.innovations.dof: input should be greater than 2, found 1"
    ]


def test_child_can_fix_a_bad_base_value(tmp_path: Path) -> None:
    write_scenario(tmp_path, "base.yaml", edits=[("dof: 5", "dof: 2")])
    (tmp_path / "child.yaml").write_text(
        "extends: base.yaml\nmarket:\n  innovations:\n    dof: 5\n"
    )
    assert load_scenario(tmp_path / "child.yaml").market.innovations.dof == 5


def test_syntax_error_in_a_base_file_names_the_base(in_tmp: Path) -> None:
    (in_tmp / "base.yaml").write_text("name: base\nassets: {a: 1\n")
    (in_tmp / "child.yaml").write_text("extends: base.yaml\nname: child\n")
    result = run_cli(["validate", "child.yaml"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert re.match(r"base\.yaml:3:1: YAML syntax error: ", lines[0]), lines[0]


# --- several problems, several files ---------------------------------------------------------


def test_all_problems_of_a_file_are_reported(in_tmp: Path) -> None:
    write_scenario(
        in_tmp,
        edits=[
            ("expense_ratio: 0.19%", "expense_ration: 0.19%"),
            ("dof: 5", "dof: 1"),
            ("neutral: 3%", "neutral: lots"),
        ],
        paths=0,
    )
    result = run_cli(["validate", "scenario.yaml"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    prefixes = [
        "scenario.yaml:4:1: paths: ",
        "scenario.yaml:10:5: assets.small.expense_ration: unknown key",
        "scenario.yaml:22:5: market.innovations.dof: ",
        "scenario.yaml:25:5: market.rates.neutral: ",
    ]
    assert len(lines) == len(prefixes), lines
    for prefix in prefixes:
        assert sum(line.startswith(prefix) for line in lines) == 1, (prefix, lines)


def test_all_cross_field_problems_are_reported(in_tmp: Path) -> None:
    write_scenario(
        in_tmp,
        edits=[
            ("weights: {large: 1}", "weights: {large: 0.5}"),
            ("weights: {large: 0.8, small: 0.2}", "weights: {large: 0.8, small: 0.1}"),
            ("impact: {small: -10%, large: -5%}", "impact: {small: -10%, bonds: -5%}"),
        ],
    )
    result = run_cli(["validate", "scenario.yaml"])
    assert result.exit_code == 2
    assert sorted(result.stderr.splitlines()) == sorted(
        [
            "scenario.yaml:44:29: market.events.tariff.impact.bonds: unknown asset 'bonds', "
            "expected one of: small, large, cash",
            "scenario.yaml:47:5: portfolios.all_large.weights: "
            "expected weights summing to 1, found 0.5",
            "scenario.yaml:49:5: portfolios.tilt.weights: expected weights summing to 1, found 0.9",
        ]
    )


def _three_files(root: Path) -> list[str]:
    write_scenario(root, "good.yaml")
    write_scenario(root, "bad.yaml", edits=[("dof: 5", "dof: 2")])
    write_scenario(root, "also_good.yaml", name="other")
    return ["good.yaml", "bad.yaml", "also_good.yaml"]


BAD_LINE = "bad.yaml:22:5: market.innovations.dof: input should be greater than 2, found 2"


def test_several_files_one_bad(in_tmp: Path) -> None:
    result = run_cli(["validate", *_three_files(in_tmp)])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"good.yaml: {OK_SUMMARY}",
        f"also_good.yaml: {OK_SUMMARY.replace('mini', 'other')}",
    ]
    assert result.stderr.splitlines() == [BAD_LINE]


def test_several_files_one_bad_console_script(tmp_path: Path) -> None:
    proc = run_subprocess(["validate", *_three_files(tmp_path)], cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout.splitlines() == [
        f"good.yaml: {OK_SUMMARY}",
        f"also_good.yaml: {OK_SUMMARY.replace('mini', 'other')}",
    ]
    assert proc.stderr.splitlines() == [BAD_LINE]
    assert "Traceback" not in proc.stderr


def test_several_bad_files_are_all_reported(in_tmp: Path) -> None:
    write_scenario(in_tmp, "one.yaml", paths=0)
    write_scenario(in_tmp, "two.yaml", horizon_months=0)
    result = run_cli(["validate", "one.yaml", "missing.yaml", "two.yaml"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == ["one.yaml", "missing.yaml", "two.yaml"]
    assert lines[1] == "missing.yaml: file not found"


# --- outlook files ---------------------------------------------------------------------------


def _outlook(root: Path, probabilities: tuple[str, str], second: str = "b.yaml") -> str:
    write_scenario(root, "a.yaml", name="a")
    write_scenario(root, "b.yaml", name="b")
    (root / "outlook.yaml").write_text(
        "name: views\nscenarios:\n"
        f"  - {{file: a.yaml, probability: {probabilities[0]}}}\n"
        f"  - {{file: {second}, probability: {probabilities[1]}}}\n"
    )
    return "outlook.yaml"


def test_valid_outlook(in_tmp: Path) -> None:
    result = run_cli(["validate", _outlook(in_tmp, ("60%", "0.4"))])
    assert result.exit_code == 0, result.output
    assert result.stdout == "outlook.yaml: ok (outlook 'views', 2 scenarios)\n"


def test_outlook_probabilities_must_sum_to_one(in_tmp: Path) -> None:
    result = run_cli(["validate", _outlook(in_tmp, ("0.6", "0.6"))])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "outlook.yaml:2:1: scenarios: expected probabilities summing to 1, found 1.2"
    ]


def test_outlook_names_a_missing_scenario(in_tmp: Path) -> None:
    result = run_cli(["validate", _outlook(in_tmp, ("0.5", "0.5"), second="gone.yaml")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "outlook.yaml:4:6: scenarios[1].file: scenario file 'gone.yaml' not found"
    ]


# --- schema, version, help -------------------------------------------------------------------


def _schema() -> dict[str, Any]:
    result = run_cli(["schema"])
    assert result.exit_code == 0, result.output
    schema: dict[str, Any] = json.loads(result.stdout)
    return schema


def _walk(node: Any, names: bool = False) -> Any:
    """Every schema object in ``node`` (skipping the keys of properties/$defs maps)."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        if not names:
            yield node
        for key, value in node.items():
            if names:
                yield from _walk(value)
            elif key in ("properties", "patternProperties", "$defs"):
                yield from _walk(value, names=True)
            elif key != "default":
                yield from _walk(value)


def test_schema_is_json_with_the_top_level_sections() -> None:
    schema = _schema()
    assert schema["type"] == "object"
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"assets", "market", "portfolios", "name", "paths"} <= set(schema["properties"])
    assert set(schema["required"]) == {"name", "assets", "market", "portfolios"}
    assert schema["additionalProperties"] is False
    # Every $ref points at a definition that exists.
    refs = {n["$ref"] for n in _walk(schema) if "$ref" in n}
    assert refs, "expected $defs to be used"
    for ref in refs:
        assert ref.startswith("#/$defs/")
        assert ref.removeprefix("#/$defs/") in schema["$defs"]
    # Units are documented in the field descriptions.
    assert "%" in schema["$defs"]["Asset"]["properties"]["expense_ratio"]["description"]


def test_schema_accepts_percent_strings_where_the_loader_does() -> None:
    """An editor using the schema must not flag "0.19%": rate fields take numbers or strings."""
    rate = _schema()["$defs"]["Asset"]["properties"]["expense_ratio"]
    types = {branch.get("type") for branch in rate["anyOf"]}
    assert types == {"number", "string"}
    pattern = next(b["pattern"] for b in rate["anyOf"] if b.get("type") == "string")
    for good in ("0.19%", "25bp", "0.05", "-1.5%"):
        assert re.search(pattern, good), good
    for bad in ("abc%", "5 percent", ""):
        assert not re.search(pattern, bad), bad
    assert (rate["minimum"], rate["maximum"]) == (0, 0.1)


def test_schema_bounds_use_json_schema_keywords() -> None:
    schema = _schema()
    leaked = [n for n in _walk(schema) if {"ge", "gt", "le", "lt"} & set(n)]
    assert leaked == []
    paths = schema["properties"]["paths"]
    assert (paths["type"], paths["minimum"], paths["maximum"]) == ("integer", 1, 10_000_000)


def test_schema_validates_the_fixture_with_jsonschema_if_available() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = _schema()
    jsonschema.validate(yaml.safe_load(BASE), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(scenario_text(paths=0)), schema)


def test_schema_indent_option() -> None:
    result = run_cli(["schema", "--indent", "0"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "allocator scenario"


def test_version() -> None:
    result = run_cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"allocator, version {version('allocator')}\n"
    assert allocator.__version__ == version("allocator")


def test_version_console_script(tmp_path: Path) -> None:
    proc = run_subprocess(["--version"], cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"allocator, version {version('allocator')}"


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["validate", "--help"], ["schema", "--help"]])
def test_help_exits_0(args: list[str]) -> None:
    result = run_cli(args)
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")


def test_help_texts_describe_commands_and_output() -> None:
    top = run_cli(["--help"]).stdout
    for command in ("validate", "schema"):
        assert command in top
    assert "2 bad input" in top
    validate = run_cli(["validate", "--help"]).stdout
    assert "file:line:col: field.path" in validate
    assert "Exits 0 when every file is valid, 2 otherwise" in " ".join(validate.split())
    assert "[default: 2]" in run_cli(["schema", "--help"]).stdout


@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"]])
def test_help_mentions_units_and_defaults(args: list[str]) -> None:
    text = run_cli(args).stdout.lower()
    assert "unit" in text or "%" in text
    assert "default" in text


# --- the scenario hash, frozen models --------------------------------------------------------


def _hash(path: Path) -> str:
    return scenario_hash(load_scenario(path))


def test_hash_is_stable_for_equal_scenarios(tmp_path: Path) -> None:
    first = _hash(write_scenario(tmp_path, "one.yaml"))
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert _hash(write_scenario(tmp_path, "two.yaml")) == first  # another file, same text
    assert _hash(tmp_path / "one.yaml") == first  # loaded again
    # Comments, layout and key order do not matter; "19.7%" is the same number as 0.197.
    reformatted = scenario_text(
        edits=[
            ("name: mini\n", "# a comment\nseed: 1\nname: mini\n"),
            ("seed: 1\nassets:", "assets:"),
            (
                "vol: {small: 19.7%, large: 16%}",
                "vol:\n          large: 0.16\n          small: 0.197",
            ),
            ("dof: 5", "dof: 5.0"),
        ]
    )
    (tmp_path / "three.yaml").write_text(reformatted)
    assert _hash(tmp_path / "three.yaml") == first
    # A file that extends another without changing anything is the same story.
    (tmp_path / "four.yaml").write_text("extends: one.yaml\n")
    assert _hash(tmp_path / "four.yaml") == first


@pytest.mark.parametrize(
    "edit",
    [
        ("paths: 100", "paths: 101"),
        ("vol: {small: 19.7%", "vol: {small: 19.8%"),
        ("matrix: [[1, 0.8], [0.8, 1]]", "matrix: [[1, 0.8000001], [0.8000001, 1]]"),
        ("weights: {large: 0.8, small: 0.2}", "weights: {large: 0.75, small: 0.25}"),
        ("name: mini", "name: other"),
    ],
)
def test_hash_changes_when_a_value_changes(tmp_path: Path, edit: tuple[str, str]) -> None:
    base = _hash(write_scenario(tmp_path, "base.yaml"))
    assert _hash(write_scenario(tmp_path, "changed.yaml", edits=[edit])) != base


def test_models_are_frozen(tmp_path: Path) -> None:
    s = load_scenario(write_scenario(tmp_path))
    before = scenario_hash(s)
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        s.paths = 5
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        s.assets["small"].kind = "bond"
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        s.market.innovations.dof = 3
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        s.portfolios["tilt"].rebalance = s.portfolios["all_large"].rebalance
    assert scenario_hash(s) == before


def test_unknown_keys_are_refused_by_every_model() -> None:
    with pytest.raises(pydantic.ValidationError, match="extra"):
        Scenario.model_validate({**yaml.safe_load(BASE), "colour": "red"})


def test_load_scenario_raises_scenario_error_with_problems(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, paths=0, horizon_months=0)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [(p.field, p.line, p.column) for p in info.value.problems] == [
        ("horizon_months", 3, 1),
        ("paths", 4, 1),
    ]
    assert info.value.exit_code == 2
