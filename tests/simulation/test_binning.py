"""The engine's compiled counters against NumPy's ``bincount``."""

from __future__ import annotations

import numpy as np

from allocator.simulation.binning import count_states


def test_state_counts_equal_a_bincount_per_column() -> None:
    rng = np.random.default_rng(3)
    states = rng.integers(0, 3, size=(301, 17)).astype(np.int8)
    states[:, 5] = 2  # a column in one state only
    counts = np.zeros((17, 3), dtype=np.int32)
    count_states(states, 3, counts)
    count_states(states[:100], 3, counts)  # adds to what is there
    want = np.stack([np.bincount(c, minlength=3) for c in states.T])
    want += np.stack([np.bincount(c, minlength=3) for c in states[:100].T])
    np.testing.assert_array_equal(counts, want)
