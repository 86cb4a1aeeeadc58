"""One random source: ``SeedSequence(seed)``, one child stream per fixed block of paths.

Block b (paths ``b*BLOCK_PATHS`` .. ``(b+1)*BLOCK_PATHS - 1``) always draws from the generator
seeded by ``SeedSequence(seed, spawn_key=(b,))`` — the b-th child ``SeedSequence(seed).spawn``
would give — so results do not depend on how blocks are grouped into chunks, on the number of
workers or on the executor.
"""

from __future__ import annotations

import numpy as np

BLOCK_PATHS = 4096


def block_generator(seed: int, block: int) -> np.random.Generator:
    """The generator of block ``block`` of the run seeded with ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))


def block_count(n_paths: int) -> int:
    return -(-n_paths // BLOCK_PATHS)


def block_size(n_paths: int, block: int) -> int:
    """Paths in ``block`` (the last block may be short)."""
    return min(BLOCK_PATHS, n_paths - block * BLOCK_PATHS)


def chunk_ranges(n_paths: int, chunk_paths: int) -> list[range]:
    """Group blocks into chunks of about ``chunk_paths`` paths (whole blocks, in order)."""
    per_chunk = max(1, chunk_paths // BLOCK_PATHS)
    n_blocks = block_count(n_paths)
    return [range(b, min(b + per_chunk, n_blocks)) for b in range(0, n_blocks, per_chunk)]
