"""Dirichlet and Beta rsample gradients are torch's: each component held at its quantile of its Beta marginal
(_dirichlet_grad), chained as torch's _Dirichlet_backward. Our _dirichlet_grad is exact (series in float64); torch's
is a set of asymptotic / fitted approximations good to ~1e-3 relative, so every comparison with torch is at
RTOL = 3e-3, and exactness is checked separately against mpmath."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.distributions.dirichlet import _dirichlet_grad

RTOL = 3e-3  # torch's own approximation error (~1e-3), with room for float32 inputs
# (small, ~1, large); torch's small-x asymptotic is off by up to 30% at b = 1e4 with a <= 2, so the grid stops at 1e3
ALPHAS = [1e-3, 0.01, 0.1, 0.5, 1.0, 2.0, 7.0, 30.0, 200.0, 1e3]


def test_dirichlet_grad_matches_torch_on_a_grid():
    """x drawn from Beta(a, b) itself (near 0 and 1 where a or b is small), float64 as torch computes it in double"""
    a, b = (np.repeat(v.ravel(), 40) for v in np.meshgrid(ALPHAS, ALPHAS, indexing="ij"))
    at, bt = torch.tensor(a), torch.tensor(b)
    torch.manual_seed(0)
    x = torch.distributions.Beta(at, bt).sample()
    expected = torch._dirichlet_grad(x, at, at + bt).numpy()
    got = _dirichlet_grad(x.numpy(), a, (at + bt).numpy())
    assert x.min() < 1e-30 and x.max() > 1 - 1e-12  # the grid reaches both ends
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)


@pytest.mark.parametrize("x, a, b", [(0.3, 2.0, 3.0), (0.9, 0.5, 0.7), (0.01, 0.1, 5.0), (0.999, 3.0, 0.2),
                                     (0.45, 300.0, 350.0), (4e-4, 1.0, 1e4), (1e-40, 0.01, 2.0), (0.5, 1e-3, 1e-3)])
def test_dirichlet_grad_is_exact(x, a, b):
    """-(dI_x(a, b)/da) / pdf(x) / (1 - x) from mpmath's incomplete beta, including where torch's is 30% off"""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    x_, a_, b_ = mp.mpf(x), mp.mpf(a), mp.mpf(b)
    dI = mp.diff(lambda s: mp.betainc(s, b_, 0, x_, regularized=True), a_)
    pdf = x_ ** (a_ - 1) * (1 - x_) ** (b_ - 1) / mp.beta(a_, b_)
    expected = float(-dI / pdf / (1 - x_))
    np.testing.assert_allclose(_dirichlet_grad(x, a, a + b), expected, rtol=1e-9)


def test_dirichlet_grad_edges_are_finite():
    """float32 draws rounded to the smallest normal or to the largest value below 1, tiny and huge concentrations"""
    x = np.array([np.finfo(np.float32).tiny, 1 - 2 ** -24, 1e-30, 1 - 1e-12, 0.5, 0.5])
    a = np.array([1e-3, 200.0, 0.01, 1e4, 1e-3, 1e5])
    b = np.array([5.0, 1e-3, 0.01, 0.5, 1e-3, 1e5])
    got = _dirichlet_grad(x, a, a + b)
    assert np.isfinite(got).all()
    assert np.isnan(_dirichlet_grad(np.array([0.0, 1.0, 0.5]), np.array([1.0, 1.0, -1.0]), 2.0)).all()


def _grads(L, make, params, seed, sample_shape=()):
    ts = [L.tensor(p, requires_grad=True) for p in params]
    L.manual_seed(seed)
    x = make(L, *ts).rsample(sample_shape)
    w = L.tensor(np.linspace(-1.0, 2.0, x.shape[-1]).astype(params[0].dtype))
    (x * w).sum().backward()
    return x.detach().numpy(), [t.grad.numpy() for t in ts]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("lo, hi", [(0.02, 1.0), (0.5, 5.0), (2.0, 300.0)])
@pytest.mark.parametrize("family", ["Dirichlet", "Beta"])
def test_rsample_gradient_matches_torch(family, lo, hi, dtype):
    """the same seed gives the same draws and, to torch's accuracy, the same gradients; a transposed (non-contiguous)
    concentration for Dirichlet, broadcast parameters and a sample shape for Beta"""
    rng = np.random.default_rng(int(lo * 100))
    if family == "Dirichlet":
        params = [rng.uniform(lo, hi, (4, 300)).astype(dtype)]  # used as its transpose, (300, 4)
        make, shape = (lambda L, c: L.distributions.Dirichlet(c.mT)), ()
    else:
        params = [rng.uniform(lo, hi, (50, 1)).astype(dtype), rng.uniform(lo, hi, (6,)).astype(dtype)]
        make, shape = (lambda L, a, b: L.distributions.Beta(a, b)), (3,)
    (x_t, g_t), (x_g, g_g) = (_grads(L, make, params, 5, shape) for L in (torch, tg))
    np.testing.assert_array_equal(x_g, x_t)
    for got, expected in zip(g_g, g_t):
        # a Dirichlet gradient G_i (w_i - sum_j x_j w_j) can cancel to near 0: measure that against the terms' size
        scale = np.abs(expected).max()
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=RTOL * 1e-2 * scale)


def test_one_component_dirichlet_has_zero_gradient():
    for L in (torch, tg):
        c = L.tensor([[2.0], [0.5]], requires_grad=True)
        L.manual_seed(0)
        L.distributions.Dirichlet(c).rsample().sum().backward()
        np.testing.assert_array_equal(c.grad.numpy(), 0)
