"""A plain table model shared by the HTML templates and the terminal output.

Cells are text (escaped when rendered); a cell's ``mark`` styles it: ``"sig"`` a difference
larger than its Monte Carlo error, ``"dim"`` something less important, ``""`` nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    text: str
    mark: str = ""
    hint: str = ""
    """Shown on hover (the ``title`` attribute), e.g. the exact value or a definition."""


@dataclass(frozen=True)
class Table:
    """Columns with optional explanations, rows of cells; columns from ``numeric_from`` on
    are right-aligned numbers."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    column_hints: tuple[str, ...] = ()
    numeric_from: int = 1
    caption: str = ""
    css_class: str = ""
    group_rows: tuple[int, ...] = field(default_factory=tuple)
    """Indices of rows that start a new group (drawn with a rule above)."""

    def hint(self, index: int) -> str:
        return self.column_hints[index] if index < len(self.column_hints) else ""


def cells(*texts: str) -> tuple[Cell, ...]:
    return tuple(Cell(t) for t in texts)


def make_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Cell | str]],
    *,
    hints: Sequence[str] = (),
    numeric_from: int = 1,
    caption: str = "",
    css_class: str = "",
) -> Table:
    """A ``Table`` from rows of cells or plain strings."""
    return Table(
        columns=tuple(columns),
        rows=tuple(tuple(c if isinstance(c, Cell) else Cell(c) for c in row) for row in rows),
        column_hints=tuple(hints),
        numeric_from=numeric_from,
        caption=caption,
        css_class=css_class,
    )


def to_text(table: Table, max_width: int = 48) -> str:
    """The table as aligned plain text for a terminal; marked cells get a trailing '*'."""
    texts = [list(table.columns)] + [
        [c.text + ("*" if c.mark == "sig" else "") for c in row] for row in table.rows
    ]
    # the first column names the row: kept whole; the others are cut to max_width
    texts = [
        [t if i == 0 or len(t) <= max_width else t[: max_width - 1] + "…" for i, t in enumerate(r)]
        for r in texts
    ]
    widths = [max(len(r[i]) for r in texts) for i in range(len(table.columns))]
    lines = []
    for r in texts:
        parts = [
            t.ljust(w) if i < table.numeric_from else t.rjust(w)
            for i, (t, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
