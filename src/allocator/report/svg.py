"""SVG building blocks for the report charts: a plotting frame with scales, axes with "nice"
ticks, a title and a legend.

Everything is written as text with coordinates rounded to 0.1 px, so the output is a pure
function of the inputs. Text that may come from a user (names, labels) is escaped here; the
charts return ``markupsafe.Markup`` so the templates insert them as is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import escape

#: Colour-blind-safe palette (Okabe & Ito), darkest first; cycled when series outnumber it.
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#6f6f6f",
    "#000000",
)
FONT = 12
CHAR_WIDTH = 6.6  # average glyph width at FONT px, for laying out legends


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def f1(x: float) -> str:
    """A coordinate: one decimal, never '-0.0'."""
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def text_width(text: str, size: float = FONT) -> float:
    return len(text) * CHAR_WIDTH * size / FONT


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 × 10^k steps) covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw * (1 - 1e-9))
    first = math.floor(lo / step + 1e-9) * step
    ticks = []
    k = 0
    while first + k * step <= hi + step * 1e-9:
        ticks.append(round(first + k * step, 12))
        k += 1
    return ticks


def padded_range(values: Sequence[float], include_zero: bool = False) -> tuple[float, float]:
    """Data range widened to the enclosing nice ticks."""
    finite = [v for v in values if math.isfinite(v)]
    if include_zero:
        finite.append(0.0)
    if not finite:
        return 0.0, 1.0
    lo, hi = min(finite), max(finite)
    ticks = nice_ticks(lo, hi)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else (abs(hi) or 1.0)
    top = ticks[-1] if ticks[-1] >= hi - 1e-12 * step else ticks[-1] + step
    return min(ticks[0], lo), top


@dataclass
class Legend:
    """Legend entries laid out left to right, wrapping, under the title."""

    entries: list[tuple[str, str, str]] = field(default_factory=list)
    """(label, colour, kind) with kind 'line', 'dash', 'box' or 'dot'."""

    def add(self, label: str, colour: str, kind: str = "line") -> None:
        self.entries.append((label, colour, kind))

    def rows(self, width: float) -> list[list[tuple[float, tuple[str, str, str]]]]:
        rows: list[list[tuple[float, tuple[str, str, str]]]] = [[]]
        x = 0.0
        for entry in self.entries:
            w = 22 + text_width(entry[0]) + 16
            if x + w > width and rows[-1]:
                rows.append([])
                x = 0.0
            rows[-1].append((x, entry))
            x += w
        return rows if self.entries else []

    def height(self, width: float) -> float:
        return 18.0 * len(self.rows(width))

    def render(self, left: float, top: float, width: float) -> str:
        parts = []
        for r, row in enumerate(self.rows(width)):
            y = top + 18 * r + 9
            for x0, (label, colour, kind) in row:
                x = left + x0
                if kind == "box":
                    parts.append(
                        f'<rect x="{f1(x)}" y="{f1(y - 6)}" width="16" height="12" '
                        f'fill="{colour}"/>'
                    )
                elif kind == "dot":
                    parts.append(f'<circle cx="{f1(x + 8)}" cy="{f1(y)}" r="4" fill="{colour}"/>')
                else:
                    dash = ' stroke-dasharray="5 3"' if kind == "dash" else ""
                    parts.append(
                        f'<line x1="{f1(x)}" y1="{f1(y)}" x2="{f1(x + 16)}" y2="{f1(y)}" '
                        f'stroke="{colour}" stroke-width="2.5"{dash}/>'
                    )
                parts.append(
                    f'<text x="{f1(x + 22)}" y="{f1(y + 4)}" class="legend">{escape(label)}</text>'
                )
        return "".join(parts)


@dataclass
class Frame:
    """A chart: outer size, margins, data domain, and the SVG pieces drawn so far.

    ``sx``/``sy`` map data to pixels; ``y_log`` plots y on a log scale.
    """

    title: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    width: float = 640.0
    height: float = 320.0
    left: float = 70.0
    right: float = 20.0
    bottom: float = 46.0
    legend: Legend = field(default_factory=Legend)
    parts: list[str] = field(default_factory=list)
    title_x: float | None = None
    """Where the title starts (default: aligned with the plot's left edge)."""

    @property
    def top(self) -> float:
        return 30.0 + self.legend.height(self.width - self.left - self.right) + 6.0

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    def sx(self, x: float) -> float:
        lo, hi = self.x_range
        span = (hi - lo) or 1.0
        return self.left + (x - lo) / span * self.plot_width

    def sy(self, y: float) -> float:
        lo, hi = self.y_range
        span = (hi - lo) or 1.0
        return self.top + (1.0 - (y - lo) / span) * self.plot_height

    def polyline(self, xs: Sequence[float], ys: Sequence[float]) -> str:
        return " ".join(
            f"{f1(self.sx(x))},{f1(self.sy(y))}"
            for x, y in zip(xs, ys, strict=True)
            if math.isfinite(y)
        )

    def axes(
        self,
        x_label: str,
        y_label: str,
        x_format: Callable[[float], str],
        y_format: Callable[[float], str],
        x_ticks: Sequence[float] | None = None,
        y_ticks: Sequence[float] | None = None,
    ) -> None:
        """Grid lines, tick labels and axis titles."""
        xt = x_ticks if x_ticks is not None else nice_ticks(*self.x_range, count=8)
        yt = y_ticks if y_ticks is not None else nice_ticks(*self.y_range)
        bottom = self.top + self.plot_height
        out = []
        for y in yt:
            if not self.y_range[0] - 1e-12 <= y <= self.y_range[1] + 1e-12:
                continue
            py = f1(self.sy(y))
            out.append(
                f'<line x1="{f1(self.left)}" y1="{py}" x2="{f1(self.left + self.plot_width)}" '
                f'y2="{py}" class="grid"/>'
                f'<text x="{f1(self.left - 6)}" y="{f1(self.sy(y) + 4)}" class="tick" '
                f'text-anchor="end">{escape(y_format(y))}</text>'
            )
        for x in xt:
            if not self.x_range[0] - 1e-12 <= x <= self.x_range[1] + 1e-12:
                continue
            px = f1(self.sx(x))
            out.append(
                f'<line x1="{px}" y1="{f1(bottom)}" x2="{px}" y2="{f1(bottom + 4)}" class="axis"/>'
                f'<text x="{px}" y="{f1(bottom + 17)}" class="tick" text-anchor="middle">'
                f"{escape(x_format(x))}</text>"
            )
        out.append(
            f'<line x1="{f1(self.left)}" y1="{f1(bottom)}" x2="{f1(self.left + self.plot_width)}" '
            f'y2="{f1(bottom)}" class="axis"/>'
            f'<text x="{f1(self.left + self.plot_width / 2)}" y="{f1(self.height - 6)}" '
            f'class="axis-title" text-anchor="middle">{escape(x_label)}</text>'
            f'<text transform="translate(14 {f1(self.top + self.plot_height / 2)}) rotate(-90)" '
            f'class="axis-title" text-anchor="middle">{escape(y_label)}</text>'
        )
        self.parts[:0] = out  # grid behind the data

    def render(self, description: str = "") -> str:
        """The finished ``<svg>`` element with title, legend and an accessible name."""
        label = self.title + (f". {description}" if description else "")
        legend = self.legend.render(self.left, 30.0, self.plot_width)
        return (
            f'<svg class="chart" viewBox="0 0 {f1(self.width)} {f1(self.height)}" '
            f'width="{f1(self.width)}" height="{f1(self.height)}" role="img" '
            f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
            f'<text x="{f1(self.left if self.title_x is None else self.title_x)}" y="18" '
            f'class="chart-title">{escape(self.title)}</text>'
            f"{legend}{''.join(self.parts)}</svg>"
        )
