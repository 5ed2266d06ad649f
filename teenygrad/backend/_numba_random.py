"""Serial kernels for the random samplers (numba), imported on first use by teenygrad/random.py.

torch's randperm is a Fisher-Yates shuffle, one swap after another: each step depends on the last, so numpy cannot
vectorise it, and the Python loop over its swaps took ~0.5 us per element (10.6 ms for randperm(50_000), 57x torch
at 1 thread). The same loop compiled takes ~5 ns per element. Integer-only, so the result is the same, bit for bit."""
import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def fisher_yates(words):
    """torch's randperm(n) from its n - 1 raw 32-bit words: swap i with i + (words[i] mod (n - i))."""
    n = words.size + 1
    p = np.arange(n)
    for i in range(n - 1):
        k = words[i] % np.uint64(n - i)
        if k:
            j = i + np.int64(k)
            p[i], p[j] = p[j], p[i]
    return p


@numba.njit(cache=True, nogil=True)
def multinomial_rows(rows, u, out):
    """torch's multinomial with replacement, row by row: the row's cumulative sum (added in turn, in the rows'
    dtype; no fastmath, so each add and divide rounds as numpy's do), divided by its total when that is > 0, the
    last entry set to 1; then out[r, s] = the first category whose cumulative sum is >= u[r, s] (a binary search)."""
    n = rows.shape[1]
    cum = np.empty(n, rows.dtype)
    for r in range(rows.shape[0]):
        cum[0] = rows[r, 0]
        for j in range(1, n):
            cum[j] = cum[j - 1] + rows[r, j]
        total = cum[n - 1]
        if total > 0:
            for j in range(n):
                cum[j] = cum[j] / total
        cum[n - 1] = 1
        for s in range(u.shape[1]):
            x = u[r, s]
            lo, hi = 0, n
            while lo < hi:
                mid = (lo + hi) >> 1
                if cum[mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            out[r, s] = lo


@numba.njit(cache=True, nogil=True)
def uniform_f32(words, span, base, out):
    """out = float32(x * span + base) in float64, x the float32 uniform (low 24 bits of a word) * 2^-24: one pass
    instead of numpy's five. No fastmath: the multiply and the add must each round (no fused multiply-add) to
    give numpy's float64 values, which are torch's float32 fused ones after the final rounding."""
    for i in range(words.size):
        x = np.float64(words[i] & np.uint64(0xFFFFFF)) * 5.9604644775390625e-08  # 2^-24
        out[i] = np.float32(x * span + base)
