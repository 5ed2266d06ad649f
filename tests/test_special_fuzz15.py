"""What a differential fuzz of torch.special found: zeta at a huge or infinite exponent (NaN, not inf), zeta's
gradient in q (torch has one), logit with eps > 1/2 or eps < 0, sinc's gradient near 0 (cancellation), and log_ndtr's
double backward for x >= ~38 (NaN). Each against torch, or against the exact value where torch's own is off."""
import math

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.backend import cpu
from teenygrad.ops import special_math

F64 = dict(rtol=1e-12, atol=1e-300)
_rng = np.random.default_rng(15)


@pytest.fixture(params=["kernels", "numpy"])
def path(request):
    """Both of special_math's paths: the numba kernels and plain numpy"""
    if request.param == "kernels" and cpu.set_fused(True) is None:
        pytest.skip("numba kernels unavailable")
    if request.param == "numpy":
        cpu.set_fused(False)
    yield request.param
    cpu.set_fused(True)


# s, q, where torch and the sum agree: the terms |q + k| < 1 make it inf, s = 1 is a pole whatever q is (cephes'
# order: s = 1, then s < 1, then a pole in q), and inf^-s vanishes past q = 1
ZETA_EDGES = [(np.inf, 0.5), (1e30, 0.5), (1e30, 1e-8), (np.inf, 1e-300), (np.inf, 1.0), (1e30, 1.0), (1e30, -1.5),
              (np.inf, -150.5), (np.inf, -2.75e5 - 0.25), (1e30, -200.5), (1.0, np.inf), (1.0, np.nan), (np.nan, 0.0),
              (np.nan, -3.0), (300.0, 0.5), (3.0, -150.5), (4.0, -150.25), (0.5, 0.0), (2.0, np.inf)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zeta_huge_exponent_matches_torch(path, dtype):
    s, q = (np.array(v, dtype) for v in zip(*ZETA_EDGES))
    got = tg.special.zeta(tg.tensor(s), tg.tensor(q)).numpy()
    want = torch.special.zeta(torch.tensor(s), torch.tensor(q)).numpy()
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-10, equal_nan=True)


def test_zeta_huge_exponent_vanishes_past_one(path):
    """zeta(s, q) = q^-s + ... underflows to 0 for q > 1 and a huge s (torch gives NaN here: inf * 0 in its tail)"""
    s, q = np.array([1e30, np.inf, 1e30, 2e3]), np.array([2.0, 2.0, 1.0000001, 1.5])
    np.testing.assert_array_equal(special_math.zeta(s, q), [0.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zeta_gradient_in_q_matches_torch(dtype):
    """dq = -dz x zeta(x + 1, q), broadcast; also as a double backward and with the exponent a Python number"""
    x = _rng.uniform(1.1, 6, (3, 1)).astype(dtype)
    q = np.concatenate([_rng.uniform(0.1, 5, 5), _rng.uniform(-3, -0.1, 3) + 0.05]).astype(dtype).reshape(2, 4)
    q = np.broadcast_to(q[:, None, :], (2, 1, 4))
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    out = []
    for lib in (tg, torch):
        qt = lib.tensor(np.ascontiguousarray(q), requires_grad=True)
        z = lib.special.zeta(lib.tensor(x), qt)
        (g,) = lib.autograd.grad(z.sum(), [qt], create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), [qt])
        q2 = lib.tensor(np.ascontiguousarray(q[0, 0]), requires_grad=True)
        lib.special.zeta(2.5, q2).sum().backward()
        out.append([g.detach().numpy(), h.numpy(), q2.grad.numpy()])
    for a, b in zip(*out):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, **tol)


def test_zeta_gradient_in_exponent_raises_like_torch():
    for lib in (torch, tg):
        s = lib.tensor([2.0, 3.0], requires_grad=True)
        with pytest.raises(NotImplementedError, match="zeta"):
            lib.special.zeta(s, lib.tensor([1.5, 2.5], requires_grad=True)).sum().backward()


@pytest.mark.parametrize("eps", [0.6, 1.0, 2.0, -0.1, -2.0])
def test_logit_eps_past_one_half_or_negative_matches_torch(eps):
    """eps > 1/2: lo = eps wins over hi = 1 - eps (np.clip took hi); eps < 0: no clamp, NaN gradient outside [0, 1]"""
    x = np.array([0.0, 0.3, 0.5, 0.55, 0.7, 0.9, 1.0, -1.0, 2.0, -0.05, 1.05, 1e-8])
    for dtype in (np.float32, np.float64):
        got, want = [], []
        for lib, res in ((tg, got), (torch, want)):
            t = lib.tensor(x.astype(dtype), requires_grad=True)
            z = lib.special.logit(t, eps)
            z.sum().backward()
            res += [z.detach().numpy(), t.grad.numpy()]
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sinc_gradient_near_zero(dtype):
    """sinc'(x) = -pi^2 x / 3 + O(x^3) near 0, where (cos(pi x) - sinc x) / x cancels (torch's float64 gives
    -2.1e-8 at 1e-8, float32 -3.335e-3 at 1e-3); sinc''(x) = -pi^2 / 3 + O(x^2); away from 0, torch's float64 value"""
    small = np.array([1e-8, -1e-8, 1e-5, 1e-3, -1e-3, 1e-300, 0.0])
    x = tg.tensor(small.astype(dtype), requires_grad=True)
    (g,) = tg.autograd.grad(tg.special.sinc(x).sum(), [x], create_graph=True)
    (h,) = tg.autograd.grad(g.sum(), [x])
    exact = -math.pi ** 2 * small / 3 + math.pi ** 4 * small ** 3 / 30 - math.pi ** 6 * small ** 5 / 840
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(g.detach().numpy(), exact.astype(dtype), rtol=rtol, atol=0)
    np.testing.assert_allclose(h.numpy(), -math.pi ** 2 / 3 + math.pi ** 4 * small ** 2 / 10 - math.pi ** 6 * small ** 4 / 168,
                               rtol=rtol)
    wide = np.concatenate([_rng.uniform(-0.5, 0.5, 50), _rng.uniform(-20, 20, 50), [1 / math.pi, -1 / math.pi, 1.0]])
    got = tg.tensor(wide, requires_grad=True)
    tg.special.sinc(got).sum().backward()
    want = torch.tensor(wide, requires_grad=True)
    torch.special.sinc(want).sum().backward()
    np.testing.assert_allclose(got.grad.numpy(), want.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_log_ndtr_double_backward_in_the_upper_tail():
    """erfcx(-x / sqrt 2) overflows for x >= ~38 and its derivative with it: the double backward was NaN there"""
    x = np.array([-40.0, -5.0, -1.0, 0.0, 0.5, 3.0, 10.0, 37.0, 38.0, 40.0, 1e3])
    out = []
    for lib in (tg, torch):
        t = lib.tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad(lib.special.log_ndtr(t).sum(), [t], create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), [t])
        out.append((g.detach().numpy(), h.numpy()))
    for a, b in zip(*out):
        assert np.isfinite(a).all()
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-300)


def test_polygamma_order_past_170_does_not_overflow_the_factorial():
    """n! is past float64 for n > 170: math.factorial(n) * array raised OverflowError (torch gives inf or NaN);
    now n! zeta(n + 1, x) in log space, exact where it fits (values from mpmath), NaN where zeta underflowed"""
    x = tg.tensor([2.5, 10.0, 100.0, 1.0])
    got = tg.special.polygamma(171, x.double()).numpy()
    np.testing.assert_allclose(got[:2], [4.4473019163482665e+240, 1.2410181644579104e+137], rtol=1e-11)
    assert np.isnan(got[2]) and got[3] == np.inf
    np.testing.assert_allclose(tg.polygamma(200, tg.tensor([10.0], dtype=tg.float64)).numpy(), [-7.886578711401554e+173],
                               rtol=1e-11)
    assert tg.special.polygamma(171, x).dtype == tg.float32
