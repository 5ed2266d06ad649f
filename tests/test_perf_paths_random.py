"""The fast paths of the random and creation functions give torch's values bit for bit, and leave the generator
where torch's is (the next draw matches too): randperm's compiled Fisher-Yates, multinomial's compiled rows and
vectorised binary search, the partial top-k without replacement, the blocked linspace and float arange, and the
one-pass uniform_. Each runs with the numba kernels on and off (the `kernels` fixture), at sizes on both sides of
every threshold (64 elements for the kernels, 2^15 per block, 8 * num_samples categories for the top-k)."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.random import _search_rows, _top_k_stable

SEEDS = [0, 1337, 2 ** 40 + 7]


def same(t, g):
    """torch's t and teenygrad's g: the same shape, dtype and bits."""
    a, b = t.numpy(), g.numpy()
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    if a.dtype.kind == "f":
        a, b = a.view(f"u{a.dtype.itemsize}"), b.view(f"u{b.dtype.itemsize}")
    diff = np.flatnonzero(a.ravel() != b.ravel())
    assert diff.size == 0, f"{diff.size} of {a.size} differ, first at {diff[0]}"


def both(fn, seed):
    """fn(lib) under lib.manual_seed(seed) for torch and teenygrad, then one more draw from each (the stream
    must continue in step)."""
    out = []
    for lib in (torch, tg):
        lib.manual_seed(seed)
        out.append((fn(lib), lib.rand(7)))
    (t, tn), (g, gn) = out
    same(tn, gn)
    return t, g


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [2, 63, 64, 65, 1000, 50_000])
def test_randperm(n, seed, kernels):
    t, g = both(lambda L: L.randperm(n), seed)
    same(t, g)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,num", [((1, 50257), 50), ((64, 1000), 10), ((3, 7), 4), ((5, 64), 1)])
def test_multinomial_with_replacement(shape, num, dtype, seed, kernels):
    p = np.random.default_rng(seed % 97).random(shape).astype(dtype)
    p[:, 1::3] = 0  # zero-probability categories: never drawn, and ties in the cumulative sum
    t, g = both(lambda L: L.multinomial(L.tensor(p), num, replacement=True), seed)
    same(t, g)
    assert (p[np.arange(shape[0])[:, None], g.numpy()] > 0).all()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,num", [((1, 50257), 50), ((64, 1000), 10), ((64, 1000), 125), ((64, 1000), 126),
                                       ((4, 1000), 500), ((2, 40), 5)])
def test_multinomial_without_replacement(shape, num, dtype, seed):
    p = np.random.default_rng(seed % 89).random(shape).astype(dtype)
    p[:, 3::4] = 0
    p[:, 0::4] = 0.5  # equal probabilities: equal keys are possible only through equal p / q, keep them common
    t, g = both(lambda L: L.multinomial(L.tensor(p), num), seed)
    same(t, g)


@pytest.mark.parametrize("k", [1, 3, 8, 20])
def test_top_k_stable_ties_and_nans(k):
    """The partial top-k is the stable full sort's first k, with many ties at the cut and nans (sorted last)."""
    rng = np.random.default_rng(k)
    keys = rng.integers(0, 4, (50, 40)).astype(np.float32)
    keys[rng.random(keys.shape) < 0.1] = np.inf
    keys[rng.random(keys.shape) < 0.05] = 0.0
    keys[:5, :] = -0.0
    keys[7] = np.nan
    keys[9, 2:] = np.nan  # fewer than k numbers in a row: the nans are in the top k
    want = np.argsort(-keys, axis=1, kind="stable")[:, :k]
    assert np.array_equal(_top_k_stable(keys, k), want)
    ok = ~np.isnan(keys).any(axis=1)
    assert np.array_equal(_top_k_stable(keys[ok], k), want[ok])  # the partition path itself (no nan fallback)


@pytest.mark.parametrize("n", [1, 2, 7, 1000, 1024])
def test_search_rows_is_searchsorted(n):
    rng = np.random.default_rng(n)
    cum = np.sort(rng.random((9, n)).astype(np.float32), axis=1)
    cum[:, n // 2:] = cum[:, n // 2:n // 2 + 1]  # runs of equal values
    cum[:, -1] = 1
    u = rng.random((9, 33))
    u[:, 0] = cum[:, n // 2]  # a value equal to an entry: side="left"
    u[:, 1] = 0
    want = np.stack([np.searchsorted(c, x, side="left") for c, x in zip(cum, u)])
    assert np.array_equal(_search_rows(cum, u), want)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("start,end", [(0, 1), (-3.7, 11.2), (1e6, -2.5), (5, 5)])
@pytest.mark.parametrize("steps", [2, 3, 32767, 32768, 32769, 65537, 98305])
def test_linspace(steps, start, end, dtype):
    t = torch.linspace(start, end, steps, dtype=getattr(torch, dtype))
    g = tg.linspace(start, end, steps, dtype=getattr(tg, dtype))
    if dtype == "float32":
        same(t, g)
    else:  # float64: torch's fused multiply-adds in double, near-exact here (long double)
        assert g.numpy().dtype == np.float64
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=0, atol=1e-15 * max(abs(start), abs(end)))


@pytest.mark.parametrize("args", [(0, 70000.0), (0, 1e5, 1.0), (0, 1, 0.1), (2, 65537), (-5, 5, 1e-4),
                                  (1e6, -1e6, -3.0)])
@pytest.mark.parametrize("dtype", [None, "float64", "float16"])
def test_float_arange(args, dtype):
    """The blocked float arange gives torch's values bit for bit (torch run on one thread: past 32768 values its
    threads split the range, each with its own scalar tail)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        want = torch.arange(*args, dtype=None if dtype is None else getattr(torch, dtype))
    finally:
        torch.set_num_threads(threads)
    same(want, tg.arange(*args, dtype=None if dtype is None else getattr(tg, dtype)))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("low,high", [(-1, 1), (3.3, 7.1), (-1e30, 1e30), (0, 1)])
@pytest.mark.parametrize("n", [5, 63, 64, 32769, 70001])
def test_uniform_(n, low, high, seed, kernels):
    t, g = both(lambda L: L.empty(n).uniform_(low, high), seed)
    same(t, g)


@pytest.mark.parametrize("low,high", [(-1, 1), (3.3, 7.1), (-1e30, 1e30), (1e-40, 3e-40), (-2.5, 1e-3)])
@pytest.mark.parametrize("n", [63, 64, 32769])
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_uniform_matches_its_formula(dtype, n, low, high, kernels):
    """Every dtype and range (half, bfloat16 and subnormal bounds too): the 24-bit float32 uniform x, then
    float32(x * (hi - lo) + lo) in float64 from the bounds rounded to float32 (torch's, whatever the dtype), then the
    dtype; a value that rounds up to hi is lo instead, as torch's."""
    dt = np.dtype(getattr(tg, dtype))
    lo, hi = np.float32(low), np.float32(high)
    x = (tg.Generator().manual_seed(5)._words(n) & np.uint64(0xFFFFFF)).astype(np.float32) * np.float32(2 ** -24)
    want = (x.astype(np.float64) * np.float64(hi - lo) + np.float64(lo)).astype(np.float32).astype(dt)
    want[want == dt.type(high)] = dt.type(low)
    got = tg.Generator().manual_seed(5).uniform(n, dt, low, high)
    assert got.dtype == dt and np.array_equal(got.astype(np.float32).view(np.uint32),
                                              want.astype(np.float32).view(np.uint32))
