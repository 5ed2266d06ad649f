"""The compiled gamma sampler (backend/_numba_random.py gamma_serial) and the Python loop it replaces give torch's
_standard_gamma bit for bit, and leave the generator where torch's does: its position (the words drawn ahead in
chunks are wound back) and its cached Box-Muller normal. Sizes reach past one chunk of words (~9,400 elements) so
the refill path runs; the kernels fixture runs each test with numba on and off."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.random import default_generator

from test_torch_rng import same


def _alphas(kind, n, dtype, seed):
    rng = np.random.default_rng(seed)
    if kind == "small":  # alpha < 1: boosted by u^(1/alpha), one more uniform each
        a = rng.uniform(0.005, 1, n)
    elif kind == "large":
        a = rng.uniform(1, 60, n)
    else:  # both, with exact zeros (no draw) among them
        a = rng.uniform(0, 5, n)
        a[::11] = 0
    return a.astype(dtype)


def _draw_both(torch_fn, tg_fn, seed, cached):
    """each library's draws after manual_seed(seed) (and a cached Box-Muller normal when asked), then what the
    generator gives next: rand (its position) and a float64 randn (its cached normal) and a float32 randn"""
    out = []
    for L, fn in ((torch, torch_fn), (tg, tg_fn)):
        L.manual_seed(seed)
        if cached:
            L.randn(1, dtype=L.float64)
        v = fn()
        after = [L.rand(3, dtype=L.float64), L.randn(1, dtype=L.float64), L.randn(40)]
        out.append((np.ascontiguousarray(v.numpy() if hasattr(v, "numpy") else v), after))
    (t, ta), (g, ga) = out
    same(t, g)
    for x, y in zip(ta, ga):
        same(x, y)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["small", "large", "mix"])
@pytest.mark.parametrize("n", [1, 33, 9000, 9500, 30000])
def test_standard_gamma_is_torchs(kernels, n, kind, dtype):
    for seed, cached in ((0, True), (7, False), (2 ** 33 + 1, True)):
        a = _alphas(kind, n, dtype, seed)
        _draw_both(lambda: torch._standard_gamma(torch.from_numpy(a)),
                   lambda: default_generator.gamma(a).astype(dtype), seed, cached)


def test_tiny_alphas_many_chunks(kernels):
    """alpha 0.001 makes values down at the smallest normal; 1e5 of them take ~11 chunks of words"""
    a = np.full(100000, 0.001, np.float32)
    _draw_both(lambda: torch._standard_gamma(torch.from_numpy(a)), lambda: default_generator.gamma(a).astype(np.float32), 3, True)


def test_nan_and_zero_alphas_draw_nothing(kernels):
    tg.manual_seed(5)
    tg.randn(1, dtype=tg.float64)
    before = default_generator.get_state()
    g = default_generator.gamma(np.array([0.0, np.nan, -1.0, 0.0], np.float32))
    assert g[0] == g[3] == np.finfo(np.float32).tiny and np.isnan(g[1:3]).all()
    assert default_generator.get_state().equal(before)


@pytest.mark.parametrize("shape", [(5000, 3), (400, 20)])
def test_dirichlet_and_beta_are_torchs(kernels, shape):
    a = np.random.default_rng(1).uniform(0.1, 4, shape).astype(np.float32)
    _draw_both(lambda: torch.distributions.Dirichlet(torch.from_numpy(a)).sample(),
               lambda: tg.distributions.Dirichlet(tg.tensor(a)).sample(), 11, False)
    _draw_both(lambda: torch.distributions.Beta(torch.from_numpy(a[:, 0]), torch.from_numpy(a[:, 1])).rsample(),
               lambda: tg.distributions.Beta(tg.tensor(a[:, 0]), tg.tensor(a[:, 1])).rsample(), 12, True)
