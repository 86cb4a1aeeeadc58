"""The scenario's non-market assumptions in words: assets, candidate portfolios (weights,
rebalancing, costs, cash flows, staged entry) and the other settings, from the resolved
scenario inside a result document (``doc["scenario"]["resolved"]``)."""

from __future__ import annotations

from typing import Any

from allocator.report.numbers import MISSING, money, num, pct, plain
from allocator.report.tables import Table, make_table

Doc = dict[str, Any]

_EVERY = {
    "monthly": "every month",
    "quarterly": "every quarter",
    "semiannual": "every six months",
    "annual": "every year",
}


def asset_short(resolved: Doc, asset_id: str) -> str:
    """Ticker if known, else the id: used where space is short (chart legends, columns)."""
    asset = resolved.get("assets", {}).get(asset_id) or {}
    return str(asset.get("ticker") or asset_id)


def asset_long(resolved: Doc, asset_id: str) -> str:
    asset = resolved.get("assets", {}).get(asset_id) or {}
    name = str(asset.get("name") or asset_id)
    return f"{name} ({asset['ticker']})" if asset.get("ticker") else name


def weights_text(resolved: Doc, weights: dict[str, float]) -> str:
    """{'large': 0.8, 'small': 0.2} → '80% SPY · 20% IWM' (largest first, ties by id)."""
    items = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    return (
        " · ".join(
            f"{pct(w, 0 if abs(100 * w - round(100 * w)) < 1e-9 else 1)} {asset_short(resolved, a)}"
            for a, w in items
            if w > 0
        )
        or MISSING
    )


def describe_rebalance(resolved: Doc, rule: Doc) -> str:
    policy = rule.get("policy")
    if policy == "buy_and_hold":
        return "Buy and hold: never traded, weights drift with prices"
    if policy == "calendar":
        return f"Back to target {_EVERY.get(rule.get('every', ''), rule.get('every', ''))}"
    band = float(rule.get("band", 0.0))
    watched = rule.get("assets")
    which = " or ".join(asset_short(resolved, a) for a in watched) if watched else "any asset"
    size = (
        f"±{100 * band:g} pp"
        if rule.get("band_type", "absolute") == "absolute"
        else f"±{100 * band:g}% of its target"
    )
    to = "back to target" if rule.get("to", "target") == "target" else "only back to the band edge"
    if policy == "threshold":
        return f"When {which} is {size} off target (checked monthly), trade {to}"
    if policy == "hybrid":
        every = _EVERY.get(rule.get("every", ""), rule.get("every", ""))
        return f"Checked {every}; if {which} is {size} off target, trade {to}"
    return plain(rule)


def describe_costs(costs: Doc) -> str:
    bps = costs.get("proportional_bps") or {}
    parts = []
    if bps:
        default = bps.get("default")
        named = [f"{v:g} bp {k}" for k, v in bps.items() if k != "default"]
        if default is not None:
            named.append(f"{default:g} bp" + (" others" if named else " of traded value"))
        parts.append(", ".join(named))
    if costs.get("fixed_per_trade"):
        parts.append(f"{costs['fixed_per_trade']:g} per asset traded")
    return "; ".join(parts) or "none"


def describe_entry(resolved: Doc, entry: Doc | None) -> str:
    if not entry:
        return "all at once (month 0)"
    asset = asset_short(resolved, entry["asset"])
    park = asset_short(resolved, entry["park_in"]) if entry.get("park_in") else "cash"
    method = entry.get("method")
    if method == "lump_sum":
        return f"{asset} bought at once"
    if method == "dca":
        text = f"{asset} bought in {entry.get('months')} equal monthly instalments"
    elif method == "breakout":
        text = f"{asset} bought when its price closes above {entry.get('above'):g}"
    elif method == "zone":
        text = (
            f"{asset} bought when its price closes inside "
            f"{entry.get('zone_low'):g}–{entry.get('zone_high'):g}"
        )
    else:
        text = (
            f"{asset} bought when its price closes above {entry.get('above'):g} or inside "
            f"{entry.get('zone_low'):g}–{entry.get('zone_high'):g}, whichever comes first"
        )
    if entry.get("deadline_month"):
        text += f"; the rest by month {entry['deadline_month']} at the latest"
    return f"{text}; waiting money held in {park}"


def describe_flows(flows: list[Doc], currency: str) -> str:
    if not flows:
        return "none"
    parts = []
    for flow in flows:
        amount = float(flow["amount"])
        kind = "contribute" if amount >= 0 else "withdraw"
        end = flow.get("end_month")
        span = (
            f"months {flow.get('start_month', 1)}–{end}"
            if end
            else (f"from month {flow.get('start_month', 1)}")
        )
        grows = f", growing {pct(flow.get('indexed'))}/yr" if flow.get("indexed") else ""
        parts.append(
            f"{kind} {money(abs(amount), currency)} {_EVERY.get(flow.get('every', ''), '')}"
            f" {span}{grows}"
        )
    return "; ".join(parts)


def asset_table(resolved: Doc) -> Table:
    rows = []
    for aid, a in resolved.get("assets", {}).items():
        rows.append(
            [
                str(a.get("name") or aid),
                str(a.get("ticker") or MISSING),
                str(a.get("kind", "")),
                pct(a.get("expense_ratio"), 3),
                num(a.get("start_price")) if a.get("start_price") else MISSING,
                f"{a['duration']:g} years" if a.get("duration") is not None else MISSING,
                pct(a.get("spread"), 2) if a.get("kind") == "bond" else MISSING,
            ]
        )
    return make_table(
        ["Asset", "Ticker", "Kind", "Expense ratio / yr", "Price now", "Duration", "Spread"],
        rows,
        numeric_from=3,
        hints=[
            "",
            "",
            "equity: driven by the market model; bond: yield and duration; cash: earns the "
            "policy rate",
            "Annual fee deducted monthly",
            "Used only for price-triggered staged entry",
            "Bonds: sensitivity of price to yield changes",
            "Bonds: yield over the policy rate",
        ],
    )


def portfolio_table(resolved: Doc, benchmark: str) -> Table:
    currency = str(resolved.get("currency", ""))
    rows = []
    for pid, p in resolved.get("portfolios", {}).items():
        name = str(p.get("name") or pid)
        if pid == benchmark and "benchmark" not in name.lower():
            name += " (benchmark)"
        rows.append(
            [
                name,
                weights_text(resolved, p.get("weights", {})),
                describe_rebalance(resolved, p.get("rebalance", {})),
                describe_costs(p.get("costs", {})),
                describe_entry(resolved, p.get("entry")),
                describe_flows(p.get("cash_flows", []), currency),
            ]
        )
    return make_table(
        ["Portfolio", "Target weights", "Rebalancing", "Trading costs", "Buying in", "Cash flows"],
        rows,
        numeric_from=99,
        css_class="wrap",
    )


def settings_table(doc: Doc) -> Table:
    """Run settings and the other scenario fields in words."""
    resolved: Doc = doc["scenario"]["resolved"]
    run: Doc = doc["run"]
    currency = str(resolved.get("currency", ""))
    rows: list[list[str]] = [
        ["Money invested at month 0", money(run.get("initial_wealth"), currency)],
        ["Benchmark portfolio", _portfolio_name(resolved, run.get("benchmark"))],
        [
            "Risk level of VaR and CVaR",
            f"{pct(run.get('var_level'), 0)} (CVaR: mean loss of the worst "
            f"{pct(1 - float(run.get('var_level') or 0.95), 0)} of paths)",
        ],
    ]
    sweep = resolved.get("sweep")
    if sweep:
        base = sweep.get("base") or run.get("benchmark")
        rows.append(
            [
                "Small-cap sweep",
                f"{asset_short(resolved, sweep['asset'])} from {pct(sweep['start'], 0)} to "
                f"{pct(sweep['stop'], 0)} in steps of {100 * sweep['step']:g} pp, taken from "
                f"{asset_short(resolved, sweep['funded_from'])}; rules and costs of "
                f"'{_portfolio_name(resolved, base)}'",
            ]
        )
    goal = resolved.get("goal")
    if goal:
        target = (
            money(goal["terminal_wealth"], currency) + " at the end"
            if goal.get("terminal_wealth") is not None
            else f"{pct(goal.get('annual_return'))} a year"
        )
        rows.append(["Goal (for the probability of shortfall)", target])
    if resolved.get("start_date"):
        rows.append(["Month 0 is", str(resolved["start_date"])])
    return make_table(["Setting", "Value"], rows, numeric_from=99, css_class="wrap")


def _portfolio_name(resolved: Doc, pid: Any) -> str:
    portfolio = resolved.get("portfolios", {}).get(pid) or {}
    return str(portfolio.get("name") or pid)
