"""expm1 and log1p in forms LLVM vectorizes (numba has no SVML, so a scalar ``math.expm1``
or ``math.log1p`` per element stays a library call per element).

expm1, over a contiguous buffer. Range reduction: x = k ln2 + r with k = round(x / ln2) and
|r| ≤ ln2 / 2, ln2 split into a high part (k · ln2_hi exact) and a low part; c is the
rounding error of r. Then

    expm1(x) = 2^k (expm1(r) + 1) − 1 = 2^k · p + (2^k − 1),
    p = expm1(r + c) ≈ P(r) + c (1 + P(r)),

with P the Taylor polynomial of expm1 to degree 14 (truncation below 3e-19 relative on
|r| ≤ ln2 / 2), evaluated by Estrin's scheme (short dependency chains). k = 0 (|x| < ln2 / 2)
gives P(x) itself, so tiny x keep full relative accuracy. 2^k is built from its bits: adding
1.5 · 2^52 to x / ln2 rounds it to the integer k held in the low mantissa bits, which integer
vector ops shift into the exponent field (AVX2 has no vector float64 → int64 conversion).

Measured against NumPy's (glibc) expm1: at most 2 ulp. |x| > ``LIMIT`` (2^k would leave the
normal range) and NaN fall back to ``math.expm1`` for the whole buffer: never on realistic
log returns.

log1p, over a contiguous buffer, for |x| ≤ ``LOG1P_LIMIT`` (a month's interest r Δ): with
s = x / (2 + x), |s| < 0.053,

    log1p(x) = 2 atanh(s) = 2 s Σ_{k≥0} s^2k / (2k + 1) = (x − x s) + 2 s Σ_{k≥1} s^2k / (2k + 1)

(2 s = x − x s), nine terms leaving a truncation error below 1e-21 relative. The leading term
x − x s carries the result to about 1 ulp; the rounding of s only enters the small terms.
Other inputs fall back to ``math.log1p`` for the whole buffer.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Inputs handled by the vector path: |x| ≤ LIMIT keeps 2^k a normal float.
LIMIT = 700.0
#: Inputs of the series form of log1p.
LOG1P_LIMIT = 0.1
_INV_LN2 = 1.0 / math.log(2.0)
_LN2_HI = 6.93147180369123816490e-01  # 32 significant bits: k · _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_SHIFTER = 6755399441055744.0  # 1.5 · 2^52: y + _SHIFTER holds round(y) in its low bits
_SHIFTER_BITS = int(np.float64(_SHIFTER).view(np.int64))
_EXPONENT_BIAS = 1023
# 1 / n! for the Taylor terms r^n, n = 2..14
_C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13, _C14 = (
    1.0 / math.factorial(n) for n in range(2, 15)
)


@numba.njit(cache=True, nogil=True, inline="always", fastmath={"contract"})
def _expm1_reduced(r: float) -> float:
    """expm1(r) for |r| ≤ ln2 / 2: r + r² Σ_{n=2..14} r^(n−2) / n!, Estrin's scheme."""
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    b0 = (_C2 + _C3 * r) + (_C4 + _C5 * r) * r2
    b1 = (_C6 + _C7 * r) + (_C8 + _C9 * r) * r2
    b2 = (_C10 + _C11 * r) + (_C12 + _C13 * r) * r2
    tail = (b0 + b1 * r4) + (b2 + _C14 * r4) * r8
    return r + r2 * tail


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def expm1_in_place(x: FloatArray, scratch: FloatArray) -> None:
    """``x[:] = expm1(x)`` for a contiguous 1-d ``x``; ``scratch`` at least as long as x.

    Two vectorized loops: the first rounds x / ln2 (and counts inputs outside the vector
    path's range), the second builds 2^k from the rounded value's bits and evaluates.
    """
    n = x.shape[0]
    shifted = scratch[:n]
    outside = 0
    for k in range(n):
        g = x[k]
        inside = abs(g) <= LIMIT  # False for NaN
        outside += 0 if inside else 1
        shifted[k] = (g if inside else 0.0) * _INV_LN2 + _SHIFTER
    if outside:
        for k in range(n):
            x[k] = math.expm1(x[k])
        return
    bits = shifted.view(np.int64)
    for k in range(n):
        g = x[k]
        kf = shifted[k] - _SHIFTER  # k as an exact float
        bits[k] = (bits[k] - _SHIFTER_BITS + _EXPONENT_BIAS) << 52  # now 2^k
        high = g - kf * _LN2_HI
        low = kf * _LN2_LO
        r = high - low
        c = (high - r) - low
        p = _expm1_reduced(r)
        p = p + c * (1.0 + p)
        scale = shifted[k]
        x[k] = scale * p + (scale - 1.0)


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def log1p_in_place(x: FloatArray) -> None:
    """``x[:] = log1p(x)`` for a contiguous 1-d ``x``; one vectorized loop when every
    |x| ≤ ``LOG1P_LIMIT`` (module docstring), else ``math.log1p`` for the whole buffer."""
    n = x.shape[0]
    outside = 0
    for k in range(n):
        outside += 0 if abs(x[k]) <= LOG1P_LIMIT else 1  # also NaN
    if outside:
        for k in range(n):
            x[k] = math.log1p(x[k])
        return
    for k in range(n):
        v = x[k]
        s = v / (2.0 + v)
        z = s * s
        tail = 1.0 / 17.0
        for d in range(15, 1, -2):  # Horner, from the highest term, down to 1/3
            tail = 1.0 / d + z * tail
        x[k] = (v - v * s) + 2.0 * s * z * tail  # 2 s = x − x s
