"""A first, plain HTML page of a simulation result: one self-contained file, no scripts,
everything the user wrote escaped. The full report (charts, sweep, frontier) replaces it."""

from __future__ import annotations

from html import escape

from allocator.simulation.results import SeriesStats, SimulationResult

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:70rem;color:#1b1f24;line-height:1.45;padding:0 1rem}
table{border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #d0d7de;padding:.3rem .7rem;text-align:right}
th:first-child,td:first-child{text-align:left}
.meta{color:#57606a;font-size:.9rem}
.note{background:#fff8c5;padding:.5rem 1rem;border-radius:6px}
"""


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _money(x: float, currency: str) -> str:
    return f"{x:,.0f} {escape(currency)}"


def _row(s: SeriesStats, currency: str) -> str:
    cells = [
        escape(s.name),
        _money(s.terminal_wealth["p50"], currency),
        _pct(s.cagr_median),
        _pct(s.cagr_mean),
        _pct(s.volatility),
        f"{s.sharpe:.2f}",
        _pct(s.max_drawdown["p50"]),
        _pct(s.prob_loss),
        _pct(s.var),
        _pct(s.cvar),
        _pct(s.prob_beat_benchmark),
        f"{100 * s.cagr_vs_benchmark:+.2f} ± {100 * s.cagr_vs_benchmark_se:.2f} pp",
        f"{100 * s.turnover_per_year:.1f}%",
        _money(s.costs_paid, currency),
    ]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def render_simple_html(result: SimulationResult, generated: str) -> str:
    sc = result.scenario
    cur = sc.currency
    level = f"{100 * sc.report.var_level:g}%"
    head = (
        "<tr><th>Portfolio / asset</th><th>Median final wealth</th><th>Median CAGR</th>"
        "<th>Mean CAGR</th><th>Volatility</th><th>Sharpe</th><th>Median max drawdown</th>"
        f"<th>P(loss)</th><th>VaR {level}</th><th>CVaR {level}</th><th>P(beat benchmark)</th>"
        "<th>CAGR vs benchmark (±1 SE)</th><th>Turnover / yr</th><th>Costs paid</th></tr>"
    )
    rows_p = "".join(_row(s, cur) for s in result.portfolios)
    rows_a = "".join(_row(s, cur) for s in result.assets)
    rows_s = "".join(_row(s, cur) for s in result.sweep)
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes)
    versions = ", ".join(f"{escape(k)} {escape(v)}" for k, v in result.versions.items())
    pcts = result.percentiles
    band_head = "".join(f"<th>p{p:g}</th>" for p in pcts)
    bands = "".join(
        "<tr><td>"
        + escape(s.name)
        + "</td>"
        + "".join(f"<td>{_money(s.terminal_wealth[f'p{p:g}'], cur)}</td>" for p in pcts)
        + "</tr>"
        for s in result.portfolios
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(sc.report.title or sc.name)} — allocator</title><style>{_STYLE}</style></head>
<body>
<h1>{escape(sc.report.title or sc.name)}</h1>
<p>{escape(sc.description)}</p>
<p class="meta">Generated {escape(generated)} · seed {result.seed} · {result.paths:,} paths ·
{result.horizon_months} months · scenario hash <code>{result.scenario_hash[:16]}</code> ·
{_money(sc.initial_wealth, cur)} invested at month 0<br>{versions}</p>
<h2>Candidate portfolios</h2>
<p>Horizon return statistics over {result.horizon_months} months; VaR and CVaR are losses.</p>
<table>{head}{rows_p}</table>
<h2>Final wealth percentiles</h2>
<table><tr><th>Portfolio</th>{band_head}</tr>{bands}</table>
{f"<h2>Small-cap weight sweep</h2><table>{head}{rows_s}</table>" if rows_s else ""}
<h2>Each asset held alone</h2>
<table>{head}{rows_a}</table>
{f'<h2>Not modeled yet</h2><ul class="note">{notes}</ul>' if notes else ""}
<p class="note">Simulated futures under stated assumptions, not forecasts.
This is not financial advice.</p>
</body></html>
"""
