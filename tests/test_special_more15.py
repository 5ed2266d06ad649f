"""torch.special's Airy, Bessel and orthogonal-polynomial functions against torch: float64 values over wide ranges
(tiny, moderate, large, negative, near zeros, the branch edges of the approximations, inf, NaN), float32 results
(float32, and correctly rounded: compared with torch's float64 values, since torch's float32 recurrences lose up to
~1e-3 at larger degrees), dtype promotion of a number or tensor degree, and no gradient (as torch)."""
import numpy as np
import pytest
import torch

import teenygrad as tg

UNARY = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
         "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
         "spherical_bessel_j0"]
POLY = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
        "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
        "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
        "legendre_polynomial_p"]
# torch returns an uninitialised value (0, 7e13, 7e-310, ...) for x = NaN and n >= 2 in these: teenygrad gives NaN
NAN_X_UNDEFINED = {"chebyshev_polynomial_u", "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_u",
                   "shifted_chebyshev_polynomial_w", "laguerre_polynomial_l", "legendre_polynomial_p"}
RTOL = 1e-12  # float64: the same approximations as torch's kernels, so agreement to rounding
ZEROS = [2.404825557695773, 5.520078110286311, 3.8317059702075125, 0.8935769662791675, 2.197141326031017,
         -2.338107410459767, -4.087949444130970, np.pi, 2 * np.pi]  # j0, j1, y0, y1, Ai, sin x / x zeros


def _inputs():
    rng = np.random.default_rng(15)
    edges = [0.0, -0.0, 1e-300, 5e-324, 1e-8, 1e-5, 0.49, 0.5, 2.0, 2.09, -2.09, 2.0899, 4.999, 5.0, 5.001, 8.0,
             8.3203353, 8.33, 103.8, 104.0, 700.0, 710.0, 1e10, 1e17, 1e300, np.inf, -np.inf, np.nan]
    pts = np.concatenate([edges, [-e for e in edges], ZEROS, [z * (1 + 1e-9) for z in ZEROS],
                          rng.uniform(-30, 30, 300), rng.uniform(-1e3, 1e3, 100),
                          np.exp(rng.uniform(-30, 30, 100)), -np.exp(rng.uniform(-5, 5, 50))])
    return pts


def _close(a, b, rtol, atol=0.0):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    assert np.array_equal(np.isnan(a), np.isnan(b)) and np.array_equal(np.isinf(a), np.isinf(b))
    inf = np.isinf(b)
    assert np.array_equal(np.sign(a[inf]), np.sign(b[inf]))


@pytest.mark.parametrize("name", UNARY)
def test_unary_float64_matches_torch(name):
    x = _inputs()
    got = getattr(tg.special, name)(tg.tensor(x)).numpy()
    want = getattr(torch.special, name)(torch.tensor(x)).numpy()
    # atol: near a zero of the function the absolute error of ~1e-16 * scale is what rounding allows
    _close(got, want, RTOL, atol=1e-15 * np.nanmax(np.abs(want[np.isfinite(want)]).clip(max=1.0)))
    # where torch and teenygrad differ in the last bits only: the bulk agrees far more tightly than rtol
    fin = np.isfinite(want) & (np.abs(want) > 1e-3)
    assert np.median(np.abs(got[fin] - want[fin]) / np.abs(want[fin])) < 1e-15


@pytest.mark.parametrize("name", UNARY)
def test_unary_float32_and_ints(name):
    x = np.random.default_rng(1).uniform(-12, 12, (6, 7)).astype(np.float32)
    t = tg.tensor(x)[:, ::2]  # a non-contiguous view
    got = getattr(tg.special, name)(t)
    assert got.dtype == tg.float32 and getattr(torch.special, name)(torch.tensor(x)).dtype == torch.float32
    want = getattr(torch.special, name)(torch.tensor(x)[:, ::2].double()).numpy().astype(np.float32)
    _close(got.numpy(), want, 1e-6, atol=1e-7)
    i = np.arange(-3, 4)
    gi = getattr(tg.special, name)(tg.tensor(i))
    wi = getattr(torch.special, name)(torch.tensor(i))
    assert gi.dtype == tg.float32 and wi.dtype == torch.float32
    _close(gi.numpy(), wi.numpy(), 1e-6, atol=1e-7)
    assert getattr(tg.special, name)(tg.tensor(2.0)).shape == ()


def _grid():
    xs = np.concatenate([np.linspace(-3, 3, 61), [0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, 1 - 2 ** -52, -1 + 2 ** -52,
                                                    100.0, -1e4, np.inf, -np.inf, np.nan]])
    ns = np.array([-3, -1, -0.5, 0, 0.7, 1, 2, 2.999, 3, 4, 5, 6, 7, 8, 9, 10, 15, 30, 100,
                   np.nan, np.inf, -np.inf, 1e19, -1e19])
    return np.meshgrid(xs, ns)


@pytest.mark.parametrize("name", POLY)
def test_polynomial_float64_matches_torch(name):
    x, n = _grid()
    got = getattr(tg.special, name)(tg.tensor(x), tg.tensor(n)).numpy()
    want = getattr(torch.special, name)(torch.tensor(x), torch.tensor(n)).numpy()
    keep = ~(np.isnan(x) & (np.trunc(np.nan_to_num(n)) >= 2)) if name in NAN_X_UNDEFINED else np.ones(x.shape, bool)
    _close(got[keep], want[keep], RTOL, atol=1e-300)
    assert np.isnan(got[np.isnan(x) & (n >= 2) & np.isfinite(n) & (n < 1e18)]).all()


@pytest.mark.parametrize("name", POLY)
def test_polynomial_float32_and_promotion(name):
    rng = np.random.default_rng(2)
    x = rng.uniform(-1.5, 1.5, (3, 40)).astype(np.float32)
    n = rng.integers(0, 25, (3, 1))
    f, g = getattr(tg.special, name), getattr(torch.special, name)
    got = f(tg.tensor(x), tg.tensor(n))
    assert got.dtype == tg.float32 and g(torch.tensor(x), torch.tensor(n)).dtype == torch.float32
    want = g(torch.tensor(x).double(), torch.tensor(n)).numpy()
    _close(got.numpy(), want.astype(np.float32), 2e-6, atol=1e-6 * np.abs(want).max())
    # a number degree or a number input, and the dtype each gives (torch's promotion; integers -> float32)
    for a, b in [(tg.tensor(x), 3), (tg.tensor(x), 4.7), (0.3, tg.tensor(n)), (2, tg.tensor(n)),
                 (tg.tensor([0, 1, 2]), 3), (tg.tensor([0, 1, 2]), tg.tensor(3.0, dtype=tg.float64)),
                 (tg.tensor(x.astype(np.float64)), tg.tensor([3], dtype=tg.int32)),
                 (tg.tensor(x), tg.tensor(3.0, dtype=tg.float64)), (2.5, tg.tensor([3.0, 4.0], dtype=tg.float64))]:
        ta = torch.tensor(a.numpy()) if isinstance(a, tg.Tensor) else a
        tb = torch.tensor(b.numpy()) if isinstance(b, tg.Tensor) else b
        r, w = f(a, b), g(ta, tb)
        assert str(r.dtype).split(".")[-1] == str(w.dtype).split(".")[-1] and r.shape == tuple(w.shape)
        np.testing.assert_allclose(r.numpy(), w.numpy(), rtol=1e-4, atol=1e-4 * max(1.0, np.abs(w.numpy()).max()))


def test_large_degree():
    x = np.array([0.3, -0.7, 0.999, 1.0, -1.0, 1.2, -3.0])
    for name in POLY:
        got = getattr(tg.special, name)(tg.tensor(x), 2000).numpy()
        want = getattr(torch.special, name)(torch.tensor(x), 2000).numpy()
        _close(got, want, 1e-9, atol=1e-12)


@pytest.mark.parametrize("name", UNARY + POLY)
def test_no_gradient_and_errors(name):
    f = getattr(tg.special, name)
    args = (lambda t: (t,)) if name in UNARY else (lambda t: (t, 3))
    x = tg.tensor([0.5, 1.5], requires_grad=True)
    y = f(*args(x))
    assert not y.requires_grad and y.grad_fn is None  # torch: non-differentiable, the result is a constant
    assert not getattr(torch.special, name)(*args(torch.tensor([0.5, 1.5], requires_grad=True))).requires_grad
    for bad in (tg.float16, tg.bfloat16):
        with pytest.raises(NotImplementedError, match=name):
            f(*args(tg.tensor([0.5], dtype=bad)))
    with pytest.raises(TypeError, match=name):
        f(*((0.5,) if name in UNARY else (0.5, 3)))
    assert not hasattr(torch, name) and not hasattr(torch.Tensor, name)  # no top-level alias to mirror


def test_on_fake_device():
    """a device (cupy) tensor: the host kernels run on a copy and the result comes back to the device"""
    import fake_cupy
    from device_helpers import on_device
    undo = fake_cupy.install()
    try:
        x = np.linspace(-2, 2, 12).reshape(3, 4)
        for name in ("bessel_j0", "modified_bessel_k1", "legendre_polynomial_p", "hermite_polynomial_he"):
            f = getattr(tg.special, name)
            args = (lambda t: (t,)) if name in UNARY else (lambda t: (t, tg.tensor([2, 5, 7, 0]).to("cuda")))
            got = f(*args(tg.tensor(x).to("cuda")))
            assert got.device == "cuda" and on_device(got._data)
            want = f(*(a.cpu() for a in args(tg.tensor(x).to("cuda"))))
            np.testing.assert_array_equal(got.cpu().numpy(), want.numpy())
    finally:
        undo()
