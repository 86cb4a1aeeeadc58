"""Paired and unpaired standard errors of differences from the per-path sample a result file
keeps: the encoding, the bootstrap against closed forms, the scaling to all paths against
repeated runs, and common random numbers in real simulations."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import allocator
from allocator import metrics
from allocator.path_statistics import PathContext, path_values, reduce_paths
from allocator.report import sample_errors
from allocator.report.path_sample import PathSample, decode, encode, read_sample
from allocator.report.result_json import result_document
from allocator.report.sample_errors import difference_errors
from tests.report.conftest import PARAMETRIC

Doc = dict[str, Any]
CTX = PathContext(
    horizon_months=12,  # CAGR over one year is the horizon return: linear in final wealth
    initial_wealth=1.0,
    var_level=0.95,
    percentiles=(5.0, 50.0, 95.0),
    goal_multiple=None,
)
A, B = ("portfolios", "a"), ("portfolios", "b")


def _sample(a: np.ndarray, b: np.ndarray, bench: np.ndarray | None = None) -> PathSample:
    drawdown = np.zeros_like(a)
    values = {
        ("portfolios", "bench"): {
            "terminal": a if bench is None else bench,
            "max_drawdown": drawdown,
        },
        A: {"terminal": a, "max_drawdown": drawdown},
        B: {"terminal": b, "max_drawdown": drawdown},
    }
    return PathSample(a.shape[0], CTX, "bench", values)


def _correlated(rng: np.random.Generator, n: int, rho: float) -> tuple[np.ndarray, np.ndarray]:
    z = rng.standard_normal((2, n))
    x = z[0]
    y = rho * z[0] + math.sqrt(1 - rho * rho) * z[1]
    return np.exp(0.07 + 0.16 * x), np.exp(0.08 + 0.20 * y)


def test_encoding_round_trip_and_unreadable_samples(parametric_doc: Doc) -> None:
    values = np.array([1.25, 0.5, 3.0e-8, 1234.5])
    assert np.array_equal(decode(encode(values)), values.astype(np.float32))
    sample = read_sample(parametric_doc)
    assert sample is not None and sample.paths == parametric_doc["run"]["paths"] == 1500
    for breakage in ("missing", "bad base64", "short"):
        doc = copy.deepcopy(parametric_doc)
        block = doc["path_sample"]
        if breakage == "missing":
            del doc["path_sample"]
        elif breakage == "bad base64":
            block["portfolios"]["all_large"]["terminal"] = "not base64!"
        else:
            block["portfolios"]["all_large"]["terminal"] = encode(np.ones(10))
        assert read_sample(doc) is None, breakage


def test_bootstrap_matches_the_closed_form_of_a_mean(monkeypatch: pytest.MonkeyPatch) -> None:
    """For a mean, the bootstrap SE of the difference is the plug-in sd(d) / sqrt(m), scaled by
    sqrt(m / N) to N paths. With R = 4,000 resamples the bootstrap's own relative error is
    1/sqrt(2R) ≈ 1.1%; the tolerance is 4 of those."""
    monkeypatch.setattr(sample_errors, "RESAMPLES", 4000)
    rng = np.random.default_rng(11)
    a, b = _correlated(rng, 2048, rho=0.9)
    n_paths = 50_000  # the run the sample came from
    paired = difference_errors(_sample(a, b), A, _sample(a, b), B, (n_paths, n_paths), True)
    exact = np.std(b - a) / math.sqrt(n_paths)
    assert paired["mean_horizon_return"] == pytest.approx(exact, rel=4 * 0.011)
    assert paired["cagr_mean"] == pytest.approx(exact, rel=4 * 0.011)  # 12 months: same values
    unpaired = difference_errors(_sample(a, b), A, _sample(a, b), B, (n_paths, n_paths), False)
    independent = math.hypot(np.std(a), np.std(b)) / math.sqrt(n_paths)
    assert unpaired["mean_horizon_return"] == pytest.approx(independent, rel=4 * 0.011)
    # correlation 0.9: pairing removes most of the noise
    assert paired["mean_horizon_return"] < 0.6 * unpaired["mean_horizon_return"]


def test_scaled_errors_match_the_spread_of_repeated_runs() -> None:
    """K independent runs of N paths, each keeping its first m: the predicted SE of the median
    difference (bootstrap on m, scaled to N) against the actual spread of the N-path
    differences. The spread's own relative error is 1/sqrt(2(K - 1)) ≈ 5%; tolerance 3 of
    those (plus the bootstrap's 5%, averaged over K runs to < 1%)."""
    rng = np.random.default_rng(2026)
    k_runs, n_paths, m = 200, 2048, 512
    actual, predicted = {}, {}
    keys = ("terminal_wealth.p50", "cvar", "prob_loss")
    for key in keys:
        actual[key], predicted[key] = [], []
    for _ in range(k_runs):
        a, b = _correlated(rng, n_paths, rho=0.8)
        none = np.zeros((1, n_paths))
        full_a = reduce_paths(path_values(a[None], a[None], none, CTX), CTX)
        full_b = reduce_paths(path_values(b[None], a[None], none, CTX), CTX)
        sample = _sample(a[:m], b[:m])
        se = difference_errors(sample, A, sample, B, (n_paths, n_paths), True)
        for key in keys:
            actual[key].append(full_b[key][0] - full_a[key][0])
            predicted[key].append(se[key])
    tolerance = 3 / math.sqrt(2 * (k_runs - 1))
    for key in keys:
        spread = float(np.std(actual[key], ddof=1))
        assert float(np.mean(predicted[key])) == pytest.approx(spread, rel=tolerance), key


def _parametric_result(tmp_path: Path, small_vol: str, seed: int) -> tuple[Doc, Any]:
    path = tmp_path / f"p_{small_vol.strip('%')}_{seed}.yaml"
    path.write_text(PARAMETRIC.replace("small: 19.7%", f"small: {small_vol}"))
    result = allocator.simulate(allocator.load_scenario(path), paths=1500, seed=seed)
    return result_document(result), result


def test_common_random_numbers_pair_two_simulations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two scenarios that differ in one volatility, run with the same seed: path i of both used
    the same draws, so the paired SE of the mean-CAGR difference is the exact
    sd(g_B - g_A) / sqrt(N) from all per-path values (here m = N = 1,500; R = 4,000 resamples,
    tolerance 4 × 1.1%), and far below the SE of the same runs with different seeds."""
    monkeypatch.setattr(sample_errors, "RESAMPLES", 4000)
    doc_a, res_a = _parametric_result(tmp_path, "19.7%", seed=5)
    doc_b, res_b = _parametric_result(tmp_path, "24%", seed=5)
    doc_c, _ = _parametric_result(tmp_path, "24%", seed=6)
    sa, sb, sc = read_sample(doc_a), read_sample(doc_b), read_sample(doc_c)
    assert sa is not None and sb is not None and sc is not None
    tilt = ("portfolios", "tilt_20")
    paired = difference_errors(sa, tilt, sb, tilt, (1500, 1500), True)
    row = [s.id for s in (*res_a.portfolios, *res_a.sweep, *res_a.assets)].index("tilt_20")
    g_a = metrics.cagr(res_a.per_path["terminal"][row], 18)
    g_b = metrics.cagr(res_b.per_path["terminal"][row], 18)
    exact = np.std(g_b - g_a, ddof=1) / math.sqrt(1500)
    assert paired["cagr_mean"] == pytest.approx(exact, rel=4 * 0.011)
    unpaired = difference_errors(sa, tilt, sc, tilt, (1500, 1500), False)
    assert paired["terminal_wealth.p50"] < 0.5 * unpaired["terminal_wealth.p50"]
    assert paired["cagr_mean"] < 0.5 * unpaired["cagr_mean"]


def test_errors_are_deterministic(parametric_doc: Doc) -> None:
    sample = read_sample(parametric_doc)
    assert sample is not None
    large, tilt = ("portfolios", "all_large"), ("portfolios", "tilt_20")
    first = difference_errors(sample, large, sample, tilt, (1500, 1500), True)
    assert first == difference_errors(sample, large, sample, tilt, (1500, 1500), True)
    assert first["cagr_mean"] > 0
