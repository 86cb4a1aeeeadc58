"""Time the market model against its own random draws.

For each block of paths (seeded like the engine: ``SeedSequence(seed, spawn_key=(b,))``) the
script times ``draw_raw_normals`` (the random numbers alone, the yardstick) and
``sample_market`` (draws + turning them into paths), interleaved block by block so that a
change in machine load affects both alike, single-threaded. It prints both totals and the
ratio sample / raw.

    python bench/bench_market.py --paths 200000 --scenario scenarios/baseline.yaml
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from allocator.market import compile_market, draw_raw_normals, sample_market
from allocator.scenario import load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


def _generator(seed: int, block: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=1_000_000, help="paths in total")
    parser.add_argument("--block", type=int, default=4096, help="paths per block")
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO, help="scenario file")
    parser.add_argument("--horizon", type=int, default=None, help="months (default: scenario's)")
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    spec = compile_market(scenario, args.horizon)
    n_blocks = -(-args.paths // args.block)
    # warm-up: first-call costs (imports, allocator) out of the timings
    draw_raw_normals(spec, _generator(scenario.seed, 0), min(args.block, args.paths))
    sample_market(spec, _generator(scenario.seed, 0), min(args.block, args.paths))

    raw = sample = 0.0
    for b in range(n_blocks):
        n = min(args.block, args.paths - b * args.block)
        start = time.perf_counter()
        draw_raw_normals(spec, _generator(scenario.seed, b), n)
        middle = time.perf_counter()
        sample_market(spec, _generator(scenario.seed, b), n)
        raw += middle - start
        sample += time.perf_counter() - middle

    print(
        f"scenario {scenario.name} ({spec.model}): {args.paths} paths x {spec.n_months} months "
        f"x {spec.n_assets} assets, blocks of {args.block}, {len(spec.regime_names)} regimes"
    )
    print(f"draw_raw_normals: {raw:8.3f} s")
    print(f"sample_market:    {sample:8.3f} s")
    print(f"ratio:            {sample / raw:8.3f}")


if __name__ == "__main__":
    main()
