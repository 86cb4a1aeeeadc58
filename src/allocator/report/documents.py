"""Reading result documents back from disk, for ``compare``: parse the JSON, check that it is
a simulation result this version understands, and say which file is wrong when it is not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from allocator.errors import InputError

Doc = dict[str, Any]


class ResultFileError(InputError):
    """A result file is unreadable, not JSON, or not an allocator simulation result."""


def schema_major(doc: Doc) -> int | None:
    """Major number of ``schema_version`` ('1.2.0' → 1), or None when malformed."""
    version = doc.get("schema_version")
    if not isinstance(version, str):
        return None
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _require(path: Path, doc: Doc, dotted: str, kind: type | tuple[type, ...]) -> None:
    node: Any = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ResultFileError(f"{path}: not an allocator simulation result: missing '{dotted}'")
        node = node[part]
    if not isinstance(node, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ResultFileError(
            f"{path}: not an allocator simulation result: expected '{dotted}' to be {names}, "
            f"found {type(node).__name__}"
        )


def load_result(path: Path) -> Doc:
    """The simulation result document in ``path``.

    Raises ``ResultFileError`` (exit 2) naming the file when it cannot be read, is not JSON,
    or lacks what a comparison needs.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ResultFileError(f"{path}: cannot read: {reason}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultFileError(
            f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(doc, dict):
        raise ResultFileError(f"{path}: not an allocator result: expected a JSON object")
    if doc.get("kind") != "simulation":
        raise ResultFileError(
            f"{path}: not a simulation result (kind: {doc.get('kind')!r}); compare takes the "
            "JSON files written by `allocator simulate`"
        )
    if schema_major(doc) is None:
        raise ResultFileError(
            f"{path}: not an allocator simulation result: expected 'schema_version' like "
            f"'1.0.0', found {doc.get('schema_version')!r}"
        )
    for dotted, kind in (
        ("scenario.resolved", dict),
        ("run.seed", int),
        ("run.paths", int),
        ("run.horizon_months", int),
        ("portfolios", list),
    ):
        _require(path, doc, dotted, kind)
    for key in ("portfolios", "sweep", "assets"):
        for item in doc.get(key) or []:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise ResultFileError(
                    f"{path}: not an allocator simulation result: an entry of '{key}' has no id"
                )
    return doc
