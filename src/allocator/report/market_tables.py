"""The market model's assumptions as tables: policy rate, regimes (drift, volatility,
correlation, transitions, forced windows), rate sensitivities, events, themes and valuation
for the ``macro`` model; mean, volatility and correlation for ``parametric``; the data file
for ``historical``. Input: the resolved scenario (``doc["scenario"]["resolved"]``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from allocator.report.assumptions import asset_short
from allocator.report.numbers import MISSING, num, pct, plain, signed_pp
from allocator.report.shock_tables import (
    event_table,
    sensitivity_table,
    theme_table,
    valuation_table,
)
from allocator.report.tables import Table, make_table

Doc = dict[str, Any]


@dataclass(frozen=True)
class Block:
    """A titled group of tables with a sentence of explanation."""

    title: str
    intro: str
    tables: list[Table] = field(default_factory=list)


def rate_block(resolved: Doc) -> Block:
    rates: Doc = resolved["market"]["rates"]
    if rates.get("target"):
        path = ", ".join(f"month {k['month']}: {pct(k['rate'], 3)}" for k in rates["target"])
        path_text = f"{path} (linear in between, flat after)"
    elif rates.get("moves"):
        path = ", ".join(f"month {m['month']}: {signed_pp(m['change'])}" for m in rates["moves"])
        path_text = f"changes at meetings — {path}"
    else:
        path_text = "stays at the starting rate"
    rows = [
        ["Policy rate now", pct(rates.get("start"), 3)],
        ["Neutral rate", pct(rates.get("neutral"), 3)],
        ["Expected path", path_text],
        [
            "Random deviation from the path",
            f"{pct(rates.get('noise_vol'), 2)} a year, half of it gone after "
            f"{rates.get('reversion_half_life_months', 0):g} months",
        ],
        ["Lowest possible rate", pct(rates.get("floor"), 2)],
    ]
    return Block(
        "Interest rates",
        "Cash earns the policy rate; bonds and equities react to its changes and to its "
        "distance from the neutral rate.",
        [make_table(["Assumption", "Value"], rows, numeric_from=99, css_class="wrap")],
    )


def _stay_months(p_stay: float) -> str:
    return "never leaves" if p_stay >= 1.0 else f"{1 / (1 - p_stay):.1f}"


def regime_block(resolved: Doc) -> Block:
    regimes: Doc = resolved["market"]["regimes"]
    states: Doc = regimes["states"]
    initial = regimes.get("initial")
    start = {initial: 1.0} if isinstance(initial, str) else dict(initial or {})
    assets = [
        a for a in resolved["assets"] if any(a in s.get("drift", {}) for s in states.values())
    ]
    assets += [
        a
        for a in resolved["assets"]
        if a not in assets and any(a in s.get("vol", {}) for s in states.values())
    ]
    rows = []
    for name, state in states.items():
        p_stay = float(regimes["transition"].get(name, {}).get(name, 0.0))
        rows.append(
            [name, pct(start.get(name, 0.0), 0), _stay_months(p_stay)]
            + [
                f"{pct(state.get('drift', {}).get(a))} / {pct(state.get('vol', {}).get(a))}"
                for a in assets
            ]
        )
    main = make_table(
        ["Regime", "Chance at start", "Average stay (months)"]
        + [f"{asset_short(resolved, a)} return / vol" for a in assets],
        rows,
        hints=["", "", "1 / (1 − monthly chance of staying)"]
        + [
            "Expected annual log return / annualized volatility in this regime (– : set by "
            "other parts of the model, e.g. bond yields)"
        ]
        * len(assets),
    )
    names = list(states)
    trans = make_table(
        ["From ↓ to →", *names],
        [
            [n, *(pct(regimes["transition"].get(n, {}).get(m, 0.0), 1) for m in names)]
            for n in names
        ],
        caption="Monthly chance of moving from one regime (row) to another (column)",
    )
    tables = [main, trans]
    corr = _correlation_table(resolved, states)
    if corr is not None:
        tables.append(corr)
    windows = regimes.get("windows") or []
    if windows:
        tables.append(
            make_table(
                ["Forced regime", "Months", "Chance each month"],
                [
                    [w["state"], f"{w['start_month']}–{w['end_month']}", pct(w["probability"], 0)]
                    for w in windows
                ],
                caption="Windows in which the chain is pushed into a regime, whatever the "
                "transition matrix says",
            )
        )
    return Block(
        "Economic regimes",
        "Each month the economy is in one regime; returns, volatilities and correlations "
        "depend on it, and it changes according to the transition chances.",
        tables,
    )


def _correlation_table(resolved: Doc, states: Doc) -> Table | None:
    pairs: dict[tuple[str, str], list[str]] = {}
    names = list(states)
    for k, state in enumerate(names):
        corr = states[state].get("correlation")
        if not corr:
            continue
        ids = corr["assets"]
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                cells = pairs.setdefault((ids[i], ids[j]), [MISSING] * len(names))
                cells[k] = num(corr["matrix"][i][j])
    if not pairs:
        return None
    return make_table(
        ["Asset pair", *names],
        [
            [f"{asset_short(resolved, a)} – {asset_short(resolved, b)}", *vals]
            for (a, b), vals in pairs.items()
        ],
        caption="Correlation of monthly shocks by regime (– : not correlated)",
    )


def macro_blocks(resolved: Doc) -> list[Block]:
    market: Doc = resolved["market"]
    shocks = market.get("innovations") or {}
    tail = (
        f"Student-t shocks with {shocks.get('dof'):g} degrees of freedom (more extreme months "
        "than a normal distribution)"
        if shocks.get("distribution") == "student_t"
        else "normally distributed shocks"
    )
    regime = regime_block(resolved)
    regime = Block(regime.title, f"{regime.intro} Monthly shocks: {tail}.", regime.tables)
    extra = [
        t
        for t in (
            sensitivity_table(resolved),
            event_table(resolved),
            theme_table(resolved),
            valuation_table(resolved),
        )
        if t is not None
    ]
    blocks = [rate_block(resolved), regime]
    if extra:
        blocks.append(
            Block(
                "Rate sensitivity, events, themes and valuation",
                "What moves returns on top of the regime: the policy rate, dated or random "
                "shocks, fading themes and valuation re-rating.",
                extra,
            )
        )
    return blocks


def parametric_blocks(resolved: Doc) -> list[Block]:
    market: Doc = resolved["market"]
    per = "a year" if market.get("frequency", "annual") == "annual" else "a month"
    vol = market.get("vol") or {}
    cov = market.get("covariance")
    rows = []
    for a, mean in market["mean"].items():
        if cov and a in cov["assets"]:
            i = cov["assets"].index(a)
            sd: float | None = math.sqrt(max(cov["matrix"][i][i], 0.0))
        else:
            sd = vol.get(a)
        rows.append([asset_short(resolved, a), pct(mean), pct(sd)])
    tables = [make_table(["Asset", f"Mean log return {per}", f"Volatility {per}"], rows)]
    corr = market.get("correlation")
    if corr:
        ids = corr["assets"]
        tables.append(
            make_table(
                ["", *(asset_short(resolved, a) for a in ids)],
                [
                    [asset_short(resolved, a), *(num(x) for x in row)]
                    for a, row in zip(ids, corr["matrix"], strict=True)
                ],
                caption="Correlation",
            )
        )
    shocks = market.get("innovations") or {}
    text = (
        f"Student-t, {shocks.get('dof'):g} degrees of freedom"
        if shocks.get("distribution") == "student_t"
        else "normal"
    )
    return [
        Block(
            "Return model", f"Independent months with fixed mean and risk; shocks {text}.", tables
        )
    ]


def historical_blocks(resolved: Doc) -> list[Block]:
    market: Doc = resolved["market"]
    rows = [[k.replace("_", " "), plain(v)] for k, v in market.items() if k != "model"]
    return [
        Block(
            "Return model",
            "Months resampled in blocks from the user's own data file (stationary block "
            "bootstrap): the future repeats the past in random order.",
            [make_table(["Setting", "Value"], rows, numeric_from=99)],
        )
    ]


def market_blocks(resolved: Doc) -> list[Block]:
    model = resolved.get("market", {}).get("model")
    if model == "macro":
        return macro_blocks(resolved)
    if model == "parametric":
        return parametric_blocks(resolved)
    return historical_blocks(resolved)
