"""Inline SVG charts over time and over a variable: fan chart, line chart, histogram outline
and stacked area. Bars and heat maps are in ``bars.py``; axes, ticks and legends in ``svg.py``.

Each function returns one ``<svg>`` element as ``Markup`` with a title, axis titles, tick
labels and a legend; no scripts, no external resources.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from allocator.report.numbers import compact_money, percentile_label
from allocator.report.svg import Frame, color, f1, nice_ticks, padded_range

Format = Callable[[float], str]


def _pct_tick(x: float) -> str:
    return f"{100 * x:.4g}%"


def percent_format(x: float) -> str:
    """Axis ticks for fractions: 0.25 → '25%'."""
    return _pct_tick(x)


def time_axis(n_values: int, first_month: int = 0) -> tuple[list[float], str, list[float], Format]:
    """x values, axis title, ticks and tick format for ``n_values`` monthly values starting at
    ``first_month``: in years when the last month is 24 or later, else in months."""
    last = first_month + n_values - 1
    if last >= 24:
        xs = [(first_month + m) / 12 for m in range(n_values)]
        years = last / 12
        step = 1 if years <= 12 else (2 if years <= 24 else 5)
        ticks = [float(t) for t in range(0, int(years) + 1, step)]
        return xs, "Years from now", ticks, lambda x: f"{x:g}"
    xs = [float(first_month + m) for m in range(n_values)]
    return xs, "Months from now", nice_ticks(0, last, 8), lambda x: f"{x:g}"


def _band_pairs(keys: Sequence[str]) -> tuple[list[tuple[str, str]], str | None]:
    """Percentile keys paired outside-in (p5/p95, p25/p75) and the middle one, if odd."""
    ordered = sorted(keys, key=lambda k: float(k[1:]))
    pairs = [(ordered[i], ordered[-1 - i]) for i in range(len(ordered) // 2)]
    middle = ordered[len(ordered) // 2] if len(ordered) % 2 else None
    return pairs, middle


def fan_chart(
    title: str,
    bands: Mapping[str, Sequence[float]],
    *,
    colour: str = "#0072B2",
    y_range: tuple[float, float] | None = None,
    reference: Sequence[float] | None = None,
    reference_label: str = "",
    y_label: str = "Wealth",
    y_format: Format = compact_money,
    width: float = 600.0,
    height: float = 300.0,
    description: str = "",
) -> Markup:
    """Percentile bands over time (``bands``: 'p5' → values by month), shaded outside-in, the
    median as a line, and an optional dashed ``reference`` line (e.g. the benchmark median)."""
    pairs, middle = _band_pairs(list(bands))
    n = len(next(iter(bands.values())))
    xs, x_label, x_ticks, x_fmt = time_axis(n)
    all_values = [v for series in bands.values() for v in series]
    if reference is not None:
        all_values.extend(reference)
    frame = Frame(
        title, (xs[0], xs[-1]), y_range or padded_range(all_values), width=width, height=height
    )
    opacities = [0.16, 0.32, 0.5, 0.65]
    # the legend first: its height sets where the plot starts
    for i, (lo_key, hi_key) in enumerate(pairs):
        label = f"{percentile_label(lo_key)}–{percentile_label(hi_key)} percentile of paths"
        frame.legend.add(label, _faded(colour, opacities[i % 4]), "box")
    if middle is not None:
        frame.legend.add("median", colour)
    if reference is not None:
        frame.legend.add(reference_label, "#333", "dash")
    for i, (lo_key, hi_key) in enumerate(pairs):
        lo, hi = bands[lo_key], bands[hi_key]
        points = frame.polyline(xs, hi) + " " + frame.polyline(xs[::-1], list(lo)[::-1])
        frame.parts.append(
            f'<polygon points="{points}" fill="{colour}" fill-opacity="{opacities[i % 4]}"/>'
        )
    if middle is not None:
        frame.parts.append(
            f'<polyline points="{frame.polyline(xs, bands[middle])}" fill="none" '
            f'stroke="{colour}" stroke-width="2.5"/>'
        )
    if reference is not None:
        frame.parts.append(
            f'<polyline points="{frame.polyline(xs, reference)}" fill="none" stroke="#333" '
            f'stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
    frame.axes(x_label, y_label, x_fmt, y_format, x_ticks=x_ticks)
    return Markup(frame.render(description))


def _faded(colour: str, opacity: float) -> str:
    """The colour of ``colour`` at ``opacity`` over white (for legend swatches)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 - (255 - c) * opacity) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


@dataclass(frozen=True)
class Series:
    """One line: label, x and y values, optional ± error per point, dashed or not."""

    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    errors: Sequence[float] | None = None
    dashed: bool = False
    colour: str | None = None


def line_chart(
    title: str,
    series: Sequence[Series],
    *,
    x_label: str,
    y_label: str,
    x_format: Format = lambda x: f"{x:g}",
    y_format: Format = lambda y: f"{y:g}",
    markers: bool = True,
    include_zero: bool = False,
    highlight: tuple[float, float, str] | None = None,
    legend: bool | None = None,
    width: float = 600.0,
    height: float = 300.0,
    description: str = "",
) -> Markup:
    """Lines through points, with error bars (± ``errors``) and an optional highlighted point
    ``(x, y, label)`` drawn as a large ring (e.g. the chosen allocation on a frontier)."""
    xs_all = [x for s in series for x in s.xs]
    ys_all = [y for s in series for y in s.ys]
    for s in series:
        if s.errors is not None:
            ys_all += [y + e for y, e in zip(s.ys, s.errors, strict=True)]
            ys_all += [y - e for y, e in zip(s.ys, s.errors, strict=True)]
    if highlight is not None:
        xs_all.append(highlight[0])
        ys_all.append(highlight[1])
    ys_all = [y for y in ys_all if math.isfinite(y)]
    x_lo, x_hi = (min(xs_all), max(xs_all)) if xs_all else (0.0, 1.0)
    if x_hi <= x_lo:
        x_lo, x_hi = x_lo - 0.5, x_hi + 0.5
    frame = Frame(
        title, (x_lo, x_hi), padded_range(ys_all, include_zero), width=width, height=height
    )
    if legend is None:  # a single line is named by the title
        legend = len(series) > 1 or highlight is not None
    for i, s in enumerate(series if legend else ()):
        frame.legend.add(s.label, s.colour or color(i), "dash" if s.dashed else "line")
    if highlight is not None:
        frame.legend.add(highlight[2], "#000", "dot")
    for i, s in enumerate(series):
        c = s.colour or color(i)
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        frame.parts.append(
            f'<polyline points="{frame.polyline(s.xs, s.ys)}" fill="none" stroke="{c}" '
            f'stroke-width="2"{dash}/>'
        )
        if s.errors is not None:
            for x, y, e in zip(s.xs, s.ys, s.errors, strict=True):
                if not math.isfinite(y):
                    continue
                px = f1(frame.sx(x))
                frame.parts.append(
                    f'<line x1="{px}" y1="{f1(frame.sy(y - e))}" x2="{px}" '
                    f'y2="{f1(frame.sy(y + e))}" stroke="{c}" stroke-width="1.2"/>'
                )
        if markers:
            frame.parts.extend(
                f'<circle cx="{f1(frame.sx(x))}" cy="{f1(frame.sy(y))}" r="3" fill="{c}"/>'
                for x, y in zip(s.xs, s.ys, strict=True)
                if math.isfinite(y)
            )
    if highlight is not None:
        hx, hy = frame.sx(highlight[0]), frame.sy(highlight[1])
        frame.parts.append(
            f'<circle cx="{f1(hx)}" cy="{f1(hy)}" r="7" fill="none" stroke="#000" '
            f'stroke-width="2.5"/>'
        )
    frame.axes(x_label, y_label, x_format, y_format)
    return Markup(frame.render(description))


def histogram_chart(
    title: str,
    edges: Sequence[float],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    x_label: str,
    x_format: Format,
    colours: Sequence[str] | None = None,
    width: float = 640.0,
    height: float = 320.0,
    description: str = "",
) -> Markup:
    """Histograms on shared ``edges`` as step outlines of the share of paths per bin; the
    first series (the benchmark) is also shaded. Empty bins at both ends are trimmed."""
    shares = []
    for _, counts in series:
        total = sum(counts) or 1
        shares.append([c / total for c in counts])
    used = [i for i in range(len(edges) - 1) if any(s[i] > 0 for s in shares)]
    first, last = (used[0], used[-1] + 1) if used else (0, len(edges) - 1)
    x_range = (edges[first], edges[last])
    y_top = max((max(s[first:last]) for s in shares), default=1.0)
    frame = Frame(title, x_range, padded_range([0.0, y_top], True), width=width, height=height)
    palette = [colours[k] if colours is not None else color(k) for k in range(len(series))]
    for (label, _), c in zip(series, palette, strict=True):
        frame.legend.add(label, c)
    for k, (share, c) in enumerate(zip(shares, palette, strict=True)):
        points = [(edges[first], 0.0)]
        for i in range(first, last):
            points += [(edges[i], share[i]), (edges[i + 1], share[i])]
        points.append((edges[last], 0.0))
        xy = frame.polyline([p[0] for p in points], [p[1] for p in points])
        fill = f'fill="{c}" fill-opacity="0.15"' if k == 0 else 'fill="none"'
        frame.parts.append(f'<polyline points="{xy}" {fill} stroke="{c}" stroke-width="1.8"/>')
    frame.axes(x_label, "Share of paths per bin", x_format, _pct_tick)
    return Markup(frame.render(description))


def stacked_area_chart(
    title: str,
    layers: Sequence[tuple[str, Sequence[float]]],
    *,
    y_label: str = "Share of paths",
    first_month: int = 0,
    width: float = 640.0,
    height: float = 280.0,
    description: str = "",
) -> Markup:
    """Shares over time (values for months ``first_month``, ``first_month + 1``...), stacked
    bottom-up in the order given (they sum to 1)."""
    n = len(layers[0][1]) if layers else 1
    xs, x_label, x_ticks, x_fmt = time_axis(n, first_month)
    frame = Frame(title, (xs[0], xs[-1]), (0.0, 1.0), width=width, height=height)
    for k, (label, _) in enumerate(layers):
        frame.legend.add(label, color(k), "box")
    below = [0.0] * n
    for k, (_, share) in enumerate(layers):
        above = [b + s for b, s in zip(below, share, strict=True)]
        points = frame.polyline(xs, above) + " " + frame.polyline(xs[::-1], below[::-1])
        c = color(k)
        frame.parts.append(f'<polygon points="{points}" fill="{c}" fill-opacity="0.75"/>')
        below = above
    frame.axes(x_label, y_label, x_fmt, _pct_tick, x_ticks=x_ticks, y_ticks=nice_ticks(0, 1, 4))
    return Markup(frame.render(description))


def caption(text: str) -> Markup:
    """A chart caption paragraph (escaped)."""
    return Markup(f'<p class="caption">{escape(text)}</p>')
