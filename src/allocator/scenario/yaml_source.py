"""Safe YAML loading that remembers where every value came from (file, line, column).

Only plain YAML types are built (mappings, sequences, strings, numbers, booleans, null,
dates): any other tag (``!!python/object`` and friends) is refused. Aliases are followed,
but the total number of values built is bounded, so an alias ("billion laughs") bomb is an
error rather than an out-of-memory. Duplicate keys are an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from allocator.errors import Problem, ScenarioError

MAX_FILE_BYTES = 2_000_000
MAX_VALUES = 100_000
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_CONTAINER_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TOO_DEEP = "YAML is nested too deeply, expected a scenario of ordinary depth"

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int


@dataclass
class SourceDocument:
    """A parsed YAML mapping and the location of each key path inside it."""

    data: dict[str, Any]
    locations: dict[Path_, Location]
    file: str


def field_text(path: Path_) -> str:
    """``('market', 'events', 'tariff', 'impact')`` → ``market.events.tariff.impact``."""
    text = ""
    for elem in path:
        text += f"[{elem}]" if isinstance(elem, int) else (f".{elem}" if text else str(elem))
    return text


def _fail(
    file: str, message: str, line: int | None = None, column: int | None = None, field: str = ""
) -> ScenarioError:
    return ScenarioError(
        [Problem(file=file, field=field, message=message, line=line, column=column)]
    )


def read_text(path: Path, display: str) -> str:
    """Read a UTF-8 text file, refusing directories, binaries, huge files and bad encodings."""
    try:
        if not path.exists():
            raise _fail(display, "file not found")
        if path.is_dir():
            raise _fail(display, "is a directory, expected a YAML file")
        raw = path.read_bytes()
    except (OSError, ValueError) as exc:  # e.g. a name too long, a NUL in the name
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _fail(display, f"cannot read the file ({reason})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _fail(display, f"file is {len(raw):,} bytes, expected at most {MAX_FILE_BYTES:,}")
    if b"\x00" in raw:
        raise _fail(display, "is a binary file, expected YAML text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(
            display, f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})", line
        ) from None
    return text


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.locations: dict[Path_, Location] = {}
        self.scalars = yaml.constructor.SafeConstructor()

    def _where(self, node: yaml.Node) -> Location:
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def _error(self, node: yaml.Node, message: str, path: Path_ = ()) -> ScenarioError:
        loc = self._where(node)
        return _fail(self.file, message, loc.line, loc.column, field_text(path))

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise self._error(
                node,
                f"YAML expands to more than {MAX_VALUES:,} values "
                "(an alias/anchor bomb?), expected a scenario of ordinary size",
            )
        if isinstance(node, yaml.CollectionNode) and node.tag not in _CONTAINER_TAGS:
            raise self._error(
                node, f"unsupported YAML tag '{node.tag}', expected plain YAML values only", path
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, child in enumerate(node.value):
                here = (*path, index)
                self.locations[here] = self._where(child)
                items.append(self.build(child, here))
            return items
        if node.tag not in _PLAIN_TAGS:
            raise self._error(
                node, f"unsupported YAML tag '{node.tag}', expected plain YAML values only", path
            )
        try:
            return self.scalars.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            raise self._error(node, f"cannot read the value ({exc})", path) from None

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                value = self.build(value_node, path)
                sources = value if isinstance(value, list) else [value]
                for source in sources:
                    if not isinstance(source, dict):
                        raise self._error(value_node, "expected a mapping to merge with '<<'", path)
                    for k, v in source.items():
                        merged.setdefault(k, v)
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                raise self._error(
                    key_node, "expected a plain key (text), found a complex key", path
                )
            key = self.scalars.construct_object(key_node)
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                raise self._error(key_node, f"duplicate key '{key}'", (*path, key))
            here = (*path, key)
            self.locations[here] = self._where(key_node)
            result[key] = self.build(value_node, here)
        for k, v in merged.items():
            result.setdefault(k, v)
        return result


def load_yaml(path: Path, display: str) -> SourceDocument:
    """Parse one YAML file into a mapping with locations; errors are ``ScenarioError``."""
    text = read_text(path, display)
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise _fail(
            display, "file is empty, expected a scenario mapping (name, assets, market, ...)"
        )
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise _fail(display, _TOO_DEEP) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        raise _fail(display, f"YAML syntax error: {what}", line, col) from None
    except yaml.YAMLError as exc:
        raise _fail(display, f"YAML error: {exc}") from None
    if node is None:
        raise _fail(display, "file is empty, expected a scenario mapping")
    builder = _Builder(display)
    try:
        data = builder.build(node, ())
    except RecursionError:
        raise _fail(display, _TOO_DEEP) from None
    if not isinstance(data, dict):
        found = type(data).__name__
        raise _fail(
            display, f"expected a mapping of scenario fields at the top, found a {found}", 1, 1
        )
    return SourceDocument(data=data, locations=builder.locations, file=display)
