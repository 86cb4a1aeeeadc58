"""SVG charts: well-formed, labelled, escaped, deterministic, data inside the plot area."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from allocator.report.bars import hbar_chart, heat_map, weight_bars
from allocator.report.charts import (
    Series,
    fan_chart,
    histogram_chart,
    line_chart,
    percent_format,
    stacked_area_chart,
)
from allocator.report.svg import nice_ticks, padded_range

EVIL = "<script>alert(1)</script>"


def _parse(svg: Markup) -> ET.Element:
    return ET.fromstring(str(svg))


def _bands(n: int = 25) -> dict[str, list[float]]:
    return {
        f"p{p}": [100.0 * (1 + 0.01 * m) ** (1 + k) for m in range(n)]
        for k, p in enumerate((5, 25, 50, 75, 95))
    }


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 1.0), (0.031, 0.047), (-0.2, 0.35), (95.0, 1e6)])
def test_nice_ticks_are_round_and_inside(lo: float, hi: float) -> None:
    ticks = nice_ticks(lo, hi)
    steps = {round(b - a, 12) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    mantissa = float(f"{steps.pop():e}".split("e")[0])
    assert mantissa in (1.0, 2.0, 2.5, 5.0)
    assert ticks[0] <= lo + 1e-12 and ticks[-1] <= hi + 1e-9
    low, high = padded_range([lo, hi])
    assert low <= lo and high >= hi


def _charts() -> list[Markup]:
    xs = [0.0, 0.1, 0.2, 0.3]
    return [
        fan_chart(f"Fan {EVIL}", _bands(), reference=[100.0] * 25, reference_label=EVIL),
        line_chart(
            "Line",
            [Series(EVIL, xs, [0.1, 0.12, 0.13, float("nan")], errors=[0.01] * 4)],
            x_label="x",
            y_label="y",
            x_format=percent_format,
            highlight=(0.1, 0.12, "chosen"),
        ),
        histogram_chart(
            "Histogram",
            [0.0, 1.0, 2.0, 3.0],
            [(EVIL, [1, 5, 2]), ("b", [2, 4, 2])],
            x_label="x",
            x_format=str,
        ),
        stacked_area_chart("Regimes", [("a", [0.7] * 30), ("b", [0.3] * 30)], first_month=1),
        hbar_chart("Bars", [(EVIL, 0.2), ("b", 0.35)], x_label="w", x_format=percent_format),
        weight_bars("Weights", [(EVIL, {"a": 0.8, "b": 0.2})], {"a": "A", "b": EVIL}),
        heat_map(
            "Heat",
            [EVIL, "b"],
            ["0%", "10%"],
            [[0.0, 0.01], [0.02, None]],
            x_label="w",
            value_format=lambda v: f"{v:.2f}",
            marked_column=1,
        ),
    ]


def test_charts_are_well_formed_titled_and_escaped() -> None:
    for chart in _charts():
        root = _parse(chart)  # raises if not well-formed XML
        assert root.tag == "svg" and root.get("role") == "img"
        assert root.find("title") is not None and root.get("aria-label")
        assert "<script" not in str(chart)
        texts = [t.text or "" for t in root.iter("text")]
        assert any(t for t in texts), "a chart without any label"


def test_charts_escape_user_text() -> None:
    joined = "".join(str(c) for c in _charts())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in joined


def test_charts_are_deterministic() -> None:
    assert [str(c) for c in _charts()] == [str(c) for c in _charts()]


def _ys(points: str) -> list[float]:
    return [float(pair.split(",")[1]) for pair in points.split()]


def test_data_stays_below_the_legend_and_inside_the_plot() -> None:
    """The legend's height sets where the plot starts: data drawn before the legend was laid
    out used to overlap it."""
    chart = fan_chart("Fan", _bands(), reference=[100.0] * 25, reference_label="benchmark")
    root = _parse(chart)
    legend_bottom = max(
        float(t.get("y", 0)) for t in root.iter("text") if t.get("class") == "legend"
    )
    height = float(root.get("height", 0))
    for shape in [*root.iter("polygon"), *root.iter("polyline")]:
        ys = _ys(shape.get("points", ""))
        assert min(ys) > legend_bottom and max(ys) <= height


def test_no_nan_coordinates() -> None:
    for chart in _charts():
        assert not re.search(r"\bnan\b", str(chart), re.IGNORECASE)
