"""Load a scenario or outlook file: YAML with locations → extends → pydantic → cross checks.

Every problem becomes one ``Problem`` line: ``file:line:col: field.path: expected…, found…``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import types
import typing
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from allocator.errors import Problem, ScenarioError
from allocator.scenario.checks import check_outlook, check_scenario
from allocator.scenario.merge import resolve_extends
from allocator.scenario.schema import Outlook, Scenario
from allocator.scenario.yaml_source import Location, Path_, SourceDocument, field_text

MAX_SHOWN_INPUT = 60


def _data_path(data: Any, loc: tuple[str | int, ...]) -> Path_:
    """Pydantic's error location without the tags it adds for unions (e.g. 'macro')."""
    path: list[str | int] = []
    current = data
    for i, elem in enumerate(loc):
        last = i == len(loc) - 1
        in_dict = isinstance(current, dict) and elem in current
        in_list = isinstance(current, list) and isinstance(elem, int) and 0 <= elem < len(current)
        if in_dict or in_list:
            current = current[elem]
            path.append(elem)
        elif last and isinstance(elem, str) and "[" not in elem:
            path.append(elem)
            current = None
        # anything else is a union tag or a pydantic-internal step: not in the file
    return tuple(path)


def _location(locations: dict[Path_, Location], path: Path_) -> Location | None:
    for n in range(len(path), 0, -1):
        loc = locations.get(path[:n])
        if loc is not None:
            return loc
    return None


def _unwrap(tp: Any) -> list[Any]:
    """The concrete types an annotation can hold (Annotated and Optional stripped)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            if arg is not type(None):
                out += _unwrap(arg)
        return out
    return [tp]


def _keys_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` from ``root`` (for 'did you mean')."""
    candidates: list[Any] = [root]
    for elem in loc:
        nxt: list[Any] = []
        for tp in candidates:
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                if isinstance(elem, str) and elem in tp.model_fields:
                    nxt += _unwrap(tp.model_fields[elem].annotation)
                else:  # a discriminated-union tag: keep the member whose Literal matches
                    for field in tp.model_fields.values():
                        if elem in typing.get_args(field.annotation):
                            nxt.append(tp)
                            break
            elif typing.get_origin(tp) in (dict, list):
                nxt += _unwrap(typing.get_args(tp)[-1])
        candidates = nxt
    keys: list[str] = []
    for tp in candidates:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            keys += [k for k in tp.model_fields if k not in keys]
    return keys


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN_INPUT else text[: MAX_SHOWN_INPUT - 3] + "..."


def _message(err: Any, root: type[BaseModel]) -> str:
    kind = err["type"]
    msg: str = err["msg"]
    if kind == "missing":
        return "expected a value, found nothing (required field is missing)"
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        valid = _keys_at(root, err["loc"][:-1])
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{key}'{hint}; expected one of: {', '.join(valid)}"
    if kind == "union_tag_not_found":
        tag = err.get("ctx", {}).get("discriminator", "the kind")
        return f"expected a {tag} key naming the kind, found none"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"expected one of {ctx.get('expected_tags')}, found {ctx.get('tag')!r}"
    if msg.startswith("Value error, "):
        return msg[len("Value error, ") :]
    msg = msg[0].lower() + msg[1:]
    return f"{msg}, found {_describe(err.get('input'))}"


def _problems_from(
    exc: ValidationError, doc: SourceDocument, root: type[BaseModel]
) -> list[Problem]:
    problems = []
    for err in exc.errors():
        path = _data_path(doc.data, err["loc"])
        if err["type"] == "union_tag_invalid":  # point at the key naming the kind
            key = str(err.get("ctx", {}).get("discriminator", "")).strip("'")
            if key:
                path = (*path, key)
        problems.append(_problem(doc, path, _message(err, root)))
    return problems


def _problem(doc: SourceDocument, path: Path_, message: str) -> Problem:
    loc = _location(doc.locations, path)
    if loc is None:  # a missing top-level field: point at the document itself
        return Problem(doc.file, field_text(path), message, 1, 1)
    return Problem(loc.file, field_text(path), message, loc.line, loc.column)


def _validate(doc: SourceDocument, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(_problems_from(exc, doc, model)) from None


def _resolve_historical_file(doc: SourceDocument, path: Path) -> None:
    market = doc.data.get("market")
    if (
        isinstance(market, dict)
        and market.get("model") == "historical"
        and isinstance(market.get("file"), str)
    ):
        loc = doc.locations.get(("market", "file"))
        base = Path(loc.file).parent if loc else path.parent
        try:
            market["file"] = str((base / market["file"]).resolve())
        except (OSError, ValueError) as exc:  # e.g. a NUL in the name
            problem = _problem(doc, ("market", "file"), f"expected a usable file path ({exc})")
            raise ScenarioError([problem]) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate one scenario file; raise ``ScenarioError`` listing every problem."""
    path = Path(path)
    doc = resolve_extends(path)
    if "scenarios" in doc.data and "market" not in doc.data:
        raise ScenarioError([Problem(doc.file, "", "is an outlook file, expected a scenario file")])
    _resolve_historical_file(doc, path)
    scenario = _validate(doc, Scenario)
    assert isinstance(scenario, Scenario)
    findings = check_scenario(scenario)
    if findings:
        raise ScenarioError([_problem(doc, p, m) for p, m in findings])
    return scenario


def load_outlook(path: str | Path) -> tuple[Outlook, list[tuple[Scenario, float, str]]]:
    """Load an outlook file and every scenario it names (paths relative to the outlook)."""
    path = Path(path)
    doc = resolve_extends(path)
    outlook = _validate(doc, Outlook)
    assert isinstance(outlook, Outlook)
    problems = [_problem(doc, p, m) for p, m in check_outlook(outlook)]
    loaded: list[tuple[Scenario, float, str]] = []
    for i, entry in enumerate(outlook.scenarios):
        target = path.parent / entry.file
        if not target.is_file():
            problems.append(
                _problem(doc, ("scenarios", i, "file"), f"scenario file '{entry.file}' not found")
            )
            continue
        try:
            scenario = load_scenario(target)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        loaded.append((scenario, entry.probability, entry.label or scenario.name))
    if problems:
        raise ScenarioError(problems)
    return outlook, loaded


def is_outlook_file(path: str | Path) -> bool:
    """An outlook names ``scenarios`` and has no ``market`` of its own."""
    doc = resolve_extends(Path(path))
    return "scenarios" in doc.data and "market" not in doc.data


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON: same story, same hash (whether it
    was written out in full or through ``extends``, which is left out)."""
    data = scenario.model_dump(mode="json", exclude={"extends"})
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
