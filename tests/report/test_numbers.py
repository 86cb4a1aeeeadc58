"""Number formats: fixed, signed, no negative zero, enough digits for an error."""

from __future__ import annotations

from allocator.report.metric_defs import BY_KEY, diff_with_se, significant
from allocator.report.numbers import (
    digits_for,
    money,
    months_text,
    pct,
    percentile_label,
    readable_time,
    signed_pp,
)


def test_formats() -> None:
    assert pct(0.1234) == "12.3%"
    assert pct(-0.00001) == "0.0%"
    assert pct(None) == "–" and pct(float("nan")) == "–"
    assert signed_pp(-0.000001) == "+0.00 pp"
    assert signed_pp(0.0123) == "+1.23 pp"
    assert money(1234567.4, "USD") == "1,234,567 USD"
    assert readable_time("2026-01-31T14:05:09+00:00") == "2026-01-31 14:05 UTC"
    assert readable_time("yesterday") == "yesterday"
    assert months_text(120) == "120 months (10 years)"
    assert months_text(18) == "18 months (1.5 years)"
    assert [percentile_label(k) for k in ("p5", "p50", "p1", "p92.5")] == [
        "5th",
        "median",
        "1st",
        "92.5th",
    ]


def test_difference_shows_two_significant_digits_of_its_error() -> None:
    assert (
        digits_for(0.0042) == 4
        and digits_for(0.15) == 2
        and digits_for(3.0) == 1
        and digits_for(30.0) == 0
    )
    cagr = BY_KEY["cagr_vs_benchmark"]
    assert diff_with_se(cagr, 0.002712, 0.000042) == "+0.2712 ± 0.0042 pp"
    assert diff_with_se(cagr, 0.0027, 0.0002, bound=True) == "+0.270 pp (SE ≤ 0.020 pp)"
    assert significant(0.003, 0.001) and not significant(0.001, 0.001)
    assert not significant(0.1, None) and not significant(None, 0.1)
