"""Advice across competing scenarios: how much small caps, with its uncertainty.

Utility is CRRA with risk aversion γ on the return of one decision period (γ = 1: log):
``u(w) = E[(1 + Rw)^(1-γ)] / (1-γ)``; its certainty equivalent ``CE = u^{-1}`` is a return.
- per-scenario optimum: the optimizer's ``crra`` solution on that scenario's simulated returns;
- blended: the optimum on the probability-weighted mixture of the scenarios' returns;
- candidate small-cap weights: the benchmark's weights with the small-cap weight set to x,
  funded from ``sweep.funded_from`` (0 to the sweep's stop, in ``small_cap_grid_step``);
- regret of x under scenario s: ``CE_s(optimum_s) - CE_s(x)`` (return per period);
- worst-case (max-min CE) and minimum-regret (min-max regret) choices over the candidates;
- recommended x: the candidate with the largest probability-weighted expected utility; its
  range: 5th-95th percentile of that choice over bootstrap resamples of whole paths within
  each scenario; sensitivity: the same choice for each γ of ``risk_aversion_grid``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.errors import InputError
from allocator.optimize.optimizer import optimize_weights
from allocator.optimize.scenario_returns import PeriodReturns, scenario_returns
from allocator.scenario import Outlook, Scenario
from allocator.simulation.executors import Executor

FloatArray = npt.NDArray[np.float64]


def row_utility(returns: FloatArray, weights: FloatArray, gamma: float) -> FloatArray:
    """CRRA utility of each row for each candidate: ``returns`` (n, assets), ``weights``
    (k, assets) → (n, k); a gross return at or below zero (ruin) is -inf."""
    gross = 1.0 + returns @ weights.T
    safe = np.maximum(gross, 1e-300)
    with np.errstate(divide="ignore"):
        u = np.log(safe) if gamma == 1.0 else safe ** (1 - gamma) / (1 - gamma)
    return np.asarray(np.where(gross > 0, u, -np.inf), dtype=np.float64)


def expected_utility(returns: FloatArray, weights: FloatArray, gamma: float) -> FloatArray:
    """Mean CRRA utility per candidate: ``returns`` (n, assets), ``weights`` (k, assets) → (k,)."""
    return np.asarray(row_utility(returns, weights, gamma).mean(axis=0), dtype=np.float64)


def certainty_equivalent(utility: FloatArray, gamma: float) -> FloatArray:
    """The sure return with the same utility: ``u^{-1}(U) - 1``."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if gamma == 1.0:
            return np.asarray(np.exp(utility) - 1.0, dtype=np.float64)
        return np.asarray(((1 - gamma) * utility) ** (1 / (1 - gamma)) - 1.0, dtype=np.float64)


@dataclass(frozen=True)
class StoryReturns:
    label: str
    probability: float
    scenario: Scenario
    period: PeriodReturns


def candidate_weights(scenario: Scenario, grid: FloatArray) -> FloatArray:
    """(k, assets): the benchmark with the small-cap weight x, funded from the sweep's source."""
    assert scenario.sweep is not None
    ids = scenario.asset_ids
    base = scenario.portfolios[scenario.benchmark_id].weights
    w0 = np.array([base.get(a, 0.0) for a in ids])
    i, j = ids.index(scenario.sweep.asset), ids.index(scenario.sweep.funded_from)
    out = np.tile(w0, (len(grid), 1))
    out[:, j] -= grid - w0[i]
    out[:, i] = grid
    return out


def _mixture(stories: list[StoryReturns]) -> FloatArray:
    n = min(s.period.returns.shape[0] for s in stories)
    top = max(s.probability for s in stories)
    parts = [s.period.returns[: round(n * s.probability / top)] for s in stories]
    return np.concatenate([p for p in parts if p.shape[0] > 0])


def _best_candidate(stories: list[StoryReturns], cands: FloatArray, gamma: float) -> int:
    blended = sum(s.probability * expected_utility(s.period.returns, cands, gamma) for s in stories)
    return int(np.argmax(blended))


def advise(
    outlook: Outlook,
    loaded: list[tuple[Scenario, float, str]],
    paths: int | None = None,
    executor: Executor | None = None,
) -> dict[str, Any]:
    """The advice document (see ``allocator.report.html.render_advice_html``).

    ``executor``: where the scenarios' paths are simulated (see ``scenario_returns``).
    """
    opts = outlook.advice
    if opts.objective not in ("crra", "max-growth"):
        raise InputError(
            f"advice: objective '{opts.objective}' unsupported; use crra or max-growth"
        )
    gamma = 1.0 if opts.objective == "max-growth" else opts.risk_aversion
    first = loaded[0][0]
    for scenario, _, _ in loaded[1:]:
        if scenario.asset_ids != first.asset_ids:
            raise InputError(
                f"advice: scenario '{scenario.name}' has assets {list(scenario.asset_ids)}, "
                f"expected the same assets as '{first.name}' {list(first.asset_ids)}"
            )
    n = paths or outlook.paths
    stories = []
    for scenario, probability, label in loaded:
        sc = (
            scenario if outlook.seed is None else scenario.model_copy(update={"seed": outlook.seed})
        )
        simulated = scenario_returns(sc, n, executor=executor)
        stories.append(StoryReturns(label, probability, sc, simulated))
    ids = first.asset_ids
    request = first.optimization.model_copy(update={"objective": "crra", "risk_aversion": gamma})
    sweep = first.sweep
    if sweep is None:
        raise InputError(f"scenario '{first.name}': advice needs a 'sweep' (the small-cap asset)")
    grid = np.round(np.arange(0.0, sweep.stop + 1e-9, opts.small_cap_grid_step), 10)
    cands = candidate_weights(first, grid)
    small = ids.index(sweep.asset)

    def weights(w: FloatArray) -> dict[str, float]:
        return {a: round(float(x), 6) for a, x in zip(ids, w, strict=True) if abs(x) > 1e-6}

    optima = [optimize_weights(s.period.returns, ids, request).weights for s in stories]
    blended = optimize_weights(_mixture(stories), ids, request).weights
    ce = np.array(
        [
            certainty_equivalent(expected_utility(s.period.returns, cands, gamma), gamma)
            for s in stories
        ]
    )  # (scenarios, candidates)
    ce_opt = np.array(
        [
            certainty_equivalent(expected_utility(s.period.returns, w[None, :], gamma), gamma)[0]
            for s, w in zip(stories, optima, strict=True)
        ]
    )
    regret = ce_opt[:, None] - ce
    # a candidate cannot beat the optimum: differences below 1e-9 are solver tolerance
    regret[np.abs(regret) < 1e-9] = 0.0
    worst_case = int(np.argmax(ce.min(axis=0)))
    min_regret = int(np.argmin(regret.max(axis=0)))
    best = _best_candidate(stories, cands, gamma)
    rng = np.random.default_rng(np.random.SeedSequence(first.seed, spawn_key=(2**31,)))
    utilities = [row_utility(st.period.returns, cands, gamma) for st in stories]  # once
    picks = []
    for _ in range(opts.resamples):  # resample whole paths within each story
        pooled = np.zeros(len(grid))  # probability-weighted expected utility per candidate
        for st, u in zip(stories, utilities, strict=True):
            n_paths = st.period.n_paths
            per_path = st.period.returns.shape[0] // n_paths
            counts = rng.multinomial(n_paths, np.full(n_paths, 1 / n_paths))
            row_weights = np.repeat(counts, per_path) / (n_paths * per_path)
            pooled += st.probability * (row_weights @ u)
        picks.append(grid[int(np.argmax(pooled))])
    low, high = np.quantile(picks, [0.05, 0.95])
    sensitivity = [
        {"risk_aversion": g, "small_cap_weight": float(grid[_best_candidate(stories, cands, g)])}
        for g in opts.risk_aversion_grid
    ]
    x = float(grid[best])
    ticker = first.assets[ids[small]].ticker or ids[small]
    period = stories[0].period.period_label
    return {
        "kind": "advice",
        "outlook": {"name": outlook.name, "description": outlook.description},
        "scenarios": [
            {"label": s.label, "probability": s.probability, "optimum": {"weights": weights(w)}}
            for s, w in zip(stories, optima, strict=True)
        ],
        "blended": {"weights": weights(blended)},
        "worst_case": {"weights": weights(cands[worst_case])},
        "min_regret": {"weights": weights(cands[min_regret])},
        "regret_table": {
            "small_cap_weights": grid.tolist(),
            "scenarios": [s.label for s in stories],
            "regret": regret.tolist(),
            "unit": f"certainty-equivalent return per {period}",
        },
        "recommendation": {"small_cap_weight": x, "low": float(low), "high": float(high)},
        "risk_aversion_sensitivity": sensitivity,
        "summary": (
            f"Hold about {100 * x:.0f}% in US small caps ({ticker}), funded from large caps; "
            f"resampling the simulated paths puts the choice between {100 * low:.0f}% and "
            f"{100 * high:.0f}% (5th-95th percentile).\n"
            f"Across the stories the best small-cap weight runs from "
            f"{100 * min(w[small] for w in optima):.0f}% to "
            f"{100 * max(w[small] for w in optima):.0f}%; the minimum-regret choice is "
            f"{100 * cands[min_regret][small]:.0f}%, the worst-case choice "
            f"{100 * cands[worst_case][small]:.0f}%.\n"
            "These are simulated futures under stated assumptions. Not financial advice."
        ),
        "assumptions": [
            f"CRRA utility of the return over one {period}, risk aversion {gamma:g}.",
            f"{stories[0].period.n_paths:,} paths per scenario; seeds as in each scenario file.",
            "Scenario probabilities are the outlook file's subjective odds: "
            + ", ".join(f"{s.label} {100 * s.probability:.0f}%" for s in stories)
            + ".",
            f"Per-scenario optima and the blended allocation respect the optimization bounds "
            f"of '{first.name}'; candidate portfolios move only the small-cap weight, funded "
            "from large caps.",
            "Not financial advice.",
        ],
    }
