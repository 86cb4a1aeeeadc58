"""Inline SVG bar charts and heat maps: horizontal bars (with an optional range), stacked
weight bars (one row per allocation) and a heat map with its values printed in the cells."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from allocator.report.numbers import percentile_label
from allocator.report.svg import Frame, color, f1, nice_ticks, padded_range, text_width

Format = Callable[[float], str]


def _label_margin(labels: Sequence[str], limit: float = 300.0) -> float:
    return min(limit, max((text_width(label) for label in labels), default=40.0) + 16)


def _clip(label: str, margin: float) -> str:
    room = int((margin - 16) / text_width("x"))
    return label if len(label) <= room else label[: max(room - 1, 1)] + "…"


def hbar_chart(
    title: str,
    rows: Sequence[tuple[str, float]],
    *,
    x_label: str,
    x_format: Format,
    value_format: Format | None = None,
    ranges: Sequence[tuple[float, float] | None] | None = None,
    emphasis: Sequence[bool] | None = None,
    colours: Sequence[str] | None = None,
    legend: Sequence[tuple[str, str]] = (),
    width: float = 760.0,
    description: str = "",
) -> Markup:
    """One horizontal bar per ``(label, value)`` (an empty label continues the group above);
    ``ranges`` draws a whisker per row; ``emphasis`` paints chosen rows in the accent colour,
    ``colours`` gives each row its own, explained by ``legend`` ``(label, colour)`` entries."""
    labels = [label for label, _ in rows]
    left = _label_margin(labels)
    values = [v for _, v in rows] + [x for r in ranges or [] if r for x in r]
    lo, hi = padded_range(values, include_zero=True)
    ticks = nice_ticks(lo, hi, 6)
    frame = Frame(title, (min(ticks[0], lo), max(ticks[-1], hi)), (0.0, float(len(rows))))
    frame.width, frame.right, frame.title_x, frame.left = width, 56.0, 8.0, left + 8
    for label, colour in legend:
        frame.legend.add(label, colour, "box")
    frame.height = frame.top + 24.0 * len(rows) + 46.0
    bar = frame.plot_height / max(len(rows), 1)
    show = value_format or x_format
    for i, (label, value) in enumerate(rows):
        y = frame.sy(len(rows) - i)
        x0, x1 = sorted((frame.sx(0.0), frame.sx(value)))
        c = "#0072B2"
        if colours is not None:
            c = colours[i]
        elif emphasis is not None and emphasis[i]:
            c = "#D55E00"
        frame.parts.append(
            f'<rect x="{f1(x0)}" y="{f1(y + bar * 0.15)}" width="{f1(max(x1 - x0, 0.5))}" '
            f'height="{f1(bar * 0.7)}" fill="{c}"/>'
            f'<text x="{f1(frame.left - 8)}" y="{f1(y + bar / 2 + 4)}" class="tick" '
            f'text-anchor="end">{escape(_clip(label, left))}</text>'
            f'<text x="{f1(max(x1, frame.sx(0.0)) + 4)}" y="{f1(y + bar / 2 + 4)}" '
            f'class="value">{escape(show(value))}</text>'
        )
        if ranges is not None and ranges[i] is not None:
            r_lo, r_hi = ranges[i]  # type: ignore[misc]
            ym = f1(y + bar / 2)
            frame.parts.append(
                f'<line x1="{f1(frame.sx(r_lo))}" y1="{ym}" x2="{f1(frame.sx(r_hi))}" y2="{ym}" '
                f'stroke="#000" stroke-width="1.5"/>'
            )
    frame.axes(x_label, "", x_format, x_format, x_ticks=ticks, y_ticks=[])
    return Markup(frame.render(description))


def weight_bars(
    title: str,
    rows: Sequence[tuple[str, dict[str, float]]],
    asset_labels: dict[str, str],
    *,
    width: float = 760.0,
    description: str = "",
) -> Markup:
    """One 100% stacked bar per allocation, one colour per asset (in ``asset_labels`` order),
    the weight printed inside segments wide enough to hold it."""
    labels = [label for label, _ in rows]
    left = _label_margin(labels)
    assets = list(asset_labels)
    frame = Frame(title, (0.0, 1.0), (0.0, float(len(rows))), width=width)
    for k, asset in enumerate(assets):
        frame.legend.add(asset_labels[asset], color(k), "box")
    frame.left, frame.title_x = left + 8, 8.0
    frame.height = frame.top + 28.0 * len(rows) + 46.0
    bar = frame.plot_height / max(len(rows), 1)
    for i, (label, weights) in enumerate(rows):
        y = frame.sy(len(rows) - i)
        frame.parts.append(
            f'<text x="{f1(frame.left - 8)}" y="{f1(y + bar / 2 + 4)}" class="tick" '
            f'text-anchor="end">{escape(_clip(label, left))}</text>'
        )
        start = 0.0
        for k, asset in enumerate(assets):
            w = weights.get(asset, 0.0)
            if w <= 1e-9:
                continue
            x0, x1 = frame.sx(start), frame.sx(start + w)
            frame.parts.append(
                f'<rect x="{f1(x0)}" y="{f1(y + bar * 0.15)}" width="{f1(x1 - x0)}" '
                f'height="{f1(bar * 0.7)}" fill="{color(k)}"><title>'
                f"{escape(asset_labels[asset])}: {100 * w:.1f}%</title></rect>"
            )
            text = f"{100 * w:.0f}%"
            if x1 - x0 > text_width(text) + 6:
                frame.parts.append(
                    f'<text x="{f1((x0 + x1) / 2)}" y="{f1(y + bar / 2 + 4)}" '
                    f'class="inbar" text-anchor="middle">{text}</text>'
                )
            start += w
    frame.axes(
        "Weight",
        "",
        lambda x: f"{100 * x:g}%",
        str,
        x_ticks=[0.0, 0.25, 0.5, 0.75, 1.0],
        y_ticks=[],
    )
    return Markup(frame.render(description))


def _heat_colour(t: float) -> str:
    """White (t = 0) to dark red (t = 1)."""
    t = min(max(t, 0.0), 1.0)
    low, high = (255, 255, 255), (179, 0, 0)
    rgb = [round(a + (b - a) * t) for a, b in zip(low, high, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def heat_map(
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    x_label: str,
    value_format: Format,
    legend_low: str = "low",
    legend_high: str = "high",
    marked_column: int | None = None,
    width: float = 760.0,
    description: str = "",
) -> Markup:
    """A grid of cells shaded from white (smallest value) to dark red (largest), the value
    printed in each; ``marked_column`` outlines one column (e.g. the recommendation)."""
    left = _label_margin(row_labels)
    finite = [v for row in values for v in row if v is not None]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    frame = Frame(title, (0.0, float(len(column_labels))), (0.0, float(len(row_labels))))
    frame.width = width
    frame.legend.add(f"lighter: {legend_low}", _heat_colour(0.15), "box")
    frame.legend.add(f"darker: {legend_high}", _heat_colour(0.9), "box")
    frame.left, frame.title_x = left + 8, 8.0
    frame.height = frame.top + 30.0 * len(row_labels) + 46.0
    cw = frame.plot_width / max(len(column_labels), 1)
    ch = frame.plot_height / max(len(row_labels), 1)
    for i, (label, row) in enumerate(zip(row_labels, values, strict=True)):
        y = frame.sy(len(row_labels) - i)
        frame.parts.append(
            f'<text x="{f1(frame.left - 8)}" y="{f1(y + ch / 2 + 4)}" class="tick" '
            f'text-anchor="end">{escape(_clip(label, left))}</text>'
        )
        for j, value in enumerate(row):
            x = frame.sx(float(j))
            t = 0.0 if value is None or hi <= lo else (value - lo) / (hi - lo)
            text = "–" if value is None else value_format(value)
            ink = "#fff" if t > 0.55 else "#1b1f24"
            frame.parts.append(
                f'<rect x="{f1(x)}" y="{f1(y)}" width="{f1(cw)}" height="{f1(ch)}" '
                f'fill="{_heat_colour(t)}" stroke="#fff"/>'
                f'<text x="{f1(x + cw / 2)}" y="{f1(y + ch / 2 + 4)}" text-anchor="middle" '
                f'class="cell" fill="{ink}">{escape(text)}</text>'
            )
    if marked_column is not None:
        frame.parts.append(
            f'<rect x="{f1(frame.sx(float(marked_column)))}" y="{f1(frame.top)}" '
            f'width="{f1(cw)}" height="{f1(frame.plot_height)}" fill="none" stroke="#000" '
            f'stroke-width="2.5"/>'
        )
    ticks = [j + 0.5 for j in range(len(column_labels))]
    frame.axes(
        x_label,
        "",
        lambda x: column_labels[int(x)] if 0 <= int(x) < len(column_labels) else "",
        str,
        x_ticks=ticks,
        y_ticks=[],
    )
    return Markup(frame.render(description))


def _strip_legend(rows: Sequence[dict[str, float]]) -> str:
    keys = sorted(rows[0], key=lambda k: float(k[1:])) if rows else []
    if len(keys) < 2:
        return "median (tick)"
    inner = keys[1:-1] if len(keys) >= 4 else keys
    box = f"{percentile_label(inner[0])}–{percentile_label(inner[-1])} percentile (box)"
    line = f"{percentile_label(keys[0])}–{percentile_label(keys[-1])} (line)"
    return f"{box}, {line}, median (tick)"


def percentile_strips(
    title: str,
    rows: Sequence[tuple[str, dict[str, float]]],
    *,
    x_label: str,
    x_format: Format,
    colours: Sequence[str] | None = None,
    width: float = 900.0,
    description: str = "",
) -> Markup:
    """One horizontal box per row from its percentiles (keys 'p5', 'p25', ...): a whisker
    from the lowest to the highest, a box between the inner pair, a tick at the median."""
    labels = [label for label, _ in rows]
    left = _label_margin(labels, 340.0)
    values = [v for _, pcts in rows for v in pcts.values()]
    lo, hi = padded_range(values)
    ticks = nice_ticks(lo, hi, 8)
    frame = Frame(title, (min(ticks[0], lo), max(ticks[-1], hi)), (0.0, float(len(rows))))
    frame.width, frame.right, frame.title_x, frame.left = width, 24.0, 8.0, left + 8
    frame.legend.add(_strip_legend([pcts for _, pcts in rows]), "#555", "box")
    frame.height = frame.top + 26.0 * len(rows) + 46.0
    bar = frame.plot_height / max(len(rows), 1)
    for i, (label, pcts) in enumerate(rows):
        keys = sorted(pcts, key=lambda k: float(k[1:]))
        if not keys:
            continue
        c = colours[i] if colours is not None else color(i)
        y = frame.sy(len(rows) - i)
        ym = y + bar / 2
        outer = (pcts[keys[0]], pcts[keys[-1]])
        inner = (pcts[keys[1]], pcts[keys[-2]]) if len(keys) >= 4 else outer
        median = pcts.get("p50")
        frame.parts.append(
            f'<text x="{f1(frame.left - 8)}" y="{f1(ym + 4)}" class="tick" '
            f'text-anchor="end">{escape(_clip(label, left))}</text>'
            f'<line x1="{f1(frame.sx(outer[0]))}" y1="{f1(ym)}" x2="{f1(frame.sx(outer[1]))}" '
            f'y2="{f1(ym)}" stroke="{c}" stroke-width="1.5"/>'
            f'<rect x="{f1(frame.sx(inner[0]))}" y="{f1(y + bar * 0.2)}" '
            f'width="{f1(max(frame.sx(inner[1]) - frame.sx(inner[0]), 0.5))}" '
            f'height="{f1(bar * 0.6)}" fill="{c}" fill-opacity="0.35" stroke="{c}"/>'
        )
        if median is not None:
            mx = f1(frame.sx(median))
            frame.parts.append(
                f'<line x1="{mx}" y1="{f1(y + bar * 0.12)}" x2="{mx}" y2="{f1(y + bar * 0.88)}" '
                f'stroke="{c}" stroke-width="3"/>'
            )
    frame.axes(x_label, "", x_format, x_format, x_ticks=ticks, y_ticks=[])
    return Markup(frame.render(description))
