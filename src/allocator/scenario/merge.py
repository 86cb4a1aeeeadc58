"""``extends:`` — a scenario overrides only what differs from its base file.

Mappings merge key by key (recursively); lists and scalars replace; ``null`` removes an
inherited key. Each value keeps the location of the file that last set it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from allocator.errors import Problem, ScenarioError
from allocator.scenario.yaml_source import Location, Path_, SourceDocument, load_yaml

MAX_EXTENDS_DEPTH = 20


def _merge(
    base: dict[str, Any],
    override: dict[str, Any],
    base_locs: dict[Path_, Location],
    over_locs: dict[Path_, Location],
    path: Path_,
    locations: dict[Path_, Location],
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in base.items():
        result[key] = value
        _copy_locations(base_locs, (*path, key), locations)
    for key, value in override.items():
        here = (*path, key)
        if value is None and key in base:
            result.pop(key, None)
            _drop_locations(locations, here)
            continue
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            locations[here] = over_locs[here]
            result[key] = _merge(base[key], value, base_locs, over_locs, here, locations)
        else:
            _drop_locations(locations, here)
            result[key] = value
            _copy_locations(over_locs, here, locations)
    return result


def _copy_locations(src: dict[Path_, Location], prefix: Path_, dst: dict[Path_, Location]) -> None:
    n = len(prefix)
    for p, loc in src.items():
        if p[:n] == prefix:
            dst[p] = loc


def _drop_locations(locations: dict[Path_, Location], prefix: Path_) -> None:
    n = len(prefix)
    for p in [p for p in locations if p[:n] == prefix]:
        del locations[p]


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def resolve_extends(
    path: Path, display: str | None = None, chain: tuple[Path, ...] = ()
) -> SourceDocument:
    """Load ``path`` and, recursively, the files it extends; return the merged document."""
    display = display or _display(path)
    doc = load_yaml(path, display)
    parent = doc.data.get("extends")
    if parent is None:
        return doc
    loc = doc.locations.get(("extends",))
    where = {"line": loc.line, "column": loc.column} if loc else {}
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(
            [Problem(display, "extends", f"expected a file path, found {parent!r}", **where)]
        )
    try:
        parent_path = (path.parent / parent).resolve()
        parent_found = parent_path.is_file()
    except (OSError, ValueError) as exc:  # e.g. a name too long, a NUL in the name
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        shown = parent if len(parent) <= 60 else parent[:57] + "..."
        raise ScenarioError(
            [
                Problem(
                    display,
                    "extends",
                    f"expected a usable file path, found {shown!r} ({reason})",
                    **where,
                )
            ]
        ) from None
    here = path.resolve()
    if parent_path in (*chain, here):
        cycle = " -> ".join(_display(p) for p in (*chain, here, parent_path))
        raise ScenarioError([Problem(display, "extends", f"circular extends: {cycle}", **where)])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            [
                Problem(
                    display,
                    "extends",
                    f"expected at most {MAX_EXTENDS_DEPTH} levels of extends",
                    **where,
                )
            ]
        )
    if not parent_found:
        raise ScenarioError(
            [
                Problem(
                    display,
                    "extends",
                    f"base file '{parent}' not found (looked for {_display(parent_path)})",
                    **where,
                )
            ]
        )
    base = resolve_extends(parent_path, None, (*chain, here))
    locations: dict[Path_, Location] = {}
    base_data = {k: v for k, v in base.data.items() if k != "extends"}
    merged = _merge(base_data, doc.data, base.locations, doc.locations, (), locations)
    return SourceDocument(data=merged, locations=locations, file=display)
