"""The regularized incomplete gamma functions P(a, x) (special.gammainc, igamma) and Q(a, x) (special.gammaincc,
igammac) against PyTorch: float64 and float32 values on random and edge inputs, broadcasting and strided views,
the gradient w.r.t. x (torch has none w.r.t. a, and neither do we), dtype rules and errors, and Gamma.cdf."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from helpers import compare, rand, raises_like_torch

# torch's float64 values are off by up to ~2e-9 relative where it switches to its asymptotic series (a in
# (20, 200), |x - a| < 0.3 a): ours are checked to 1e-13 against mpmath below. torch's float32 ones are off by
# up to ~3e-5; ours are the float64 values rounded.
F64 = dict(rtol=1e-8, atol=1e-15)
F32 = dict(rtol=1e-4, atol=1e-6)
GRAD = dict(atol=1e-4, rtol=1e-3)
FNS = [("gammainc", "igamma"), ("gammaincc", "igammac")]
INF, NAN = np.inf, np.nan

_rng = np.random.default_rng(0)
A_RANDOM = np.concatenate([_rng.uniform(0.01, 50, 4000), 10 ** _rng.uniform(-3, 3, 1000)])
X_RANDOM = np.concatenate([_rng.uniform(0, 100, 4000), 10 ** _rng.uniform(-3, 3.3, 1000)])
# a, x pairs at torch's edges: x = 0, a = 0, inf, NaN, negative values, -0.0, and extremes of each
EDGE_A = np.array([0, 0, 0, 0, 1, 1, 1, -1, 1, INF, INF, INF, 1, NAN, 1, -0.0, 2, 2, 1e-300, 1e-3, 0.5, 3, 1e300, 2])
EDGE_X = np.array([0, 1, INF, -1, 0, INF, -1, 1, NAN, 1, INF, 0, -0.0, 1, 1e-300, 1, 0, -0.0, 0, 1, 1e-30, 1e300,
                   1e300, 1e-10])


def _pair(fn, a, x, dtype):
    got = getattr(tg.special, fn)(tg.tensor(a, dtype=dtype), tg.tensor(x, dtype=dtype))
    want = getattr(torch.special, fn)(torch.tensor(a, dtype=getattr(torch, dtype.__name__)),
                                      torch.tensor(x, dtype=getattr(torch, dtype.__name__)))
    assert got.dtype == dtype
    return got.numpy(), want.numpy()


@pytest.mark.parametrize("fn", ["gammainc", "gammaincc"])
def test_float64_random_matches_torch(fn):
    got, want = _pair(fn, A_RANDOM, X_RANDOM, np.float64)
    np.testing.assert_allclose(got, want, **F64)


@pytest.mark.parametrize("upper", [False, True])
def test_float64_matches_mpmath(upper):
    mpmath = pytest.importorskip("mpmath")
    a, x = A_RANDOM[::25], X_RANDOM[::25]
    got = (tg.special.gammaincc if upper else tg.special.gammainc)(tg.tensor(a), tg.tensor(x)).numpy()
    with mpmath.workdps(40):
        ref = np.array([float(mpmath.gammainc(ai, xi, mpmath.inf, regularized=True) if upper else
                              mpmath.gammainc(ai, 0, xi, regularized=True)) for ai, xi in zip(a, x)])
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-300)  # ~a|log x| ulps where P or Q is tiny


@pytest.mark.parametrize("fn", ["gammainc", "gammaincc"])
def test_float32_random_matches_torch(fn):
    got, want = _pair(fn, A_RANDOM.astype(np.float32), X_RANDOM.astype(np.float32), np.float32)
    np.testing.assert_allclose(got, want, **F32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", ["gammainc", "gammaincc"])
def test_edges_match_torch(fn, dtype):
    with np.errstate(over="ignore"):  # 1e300 is inf in float32, for both
        a, x = EDGE_A.astype(dtype), EDGE_X.astype(dtype)
    got, want = _pair(fn, a, x, dtype)
    # the special values exactly; float32 ones near 0 are torch's float32 arithmetic, off by up to ~1e-4
    np.testing.assert_allclose(got, want, rtol=1e-3 if dtype == np.float32 else 1e-10, atol=0, equal_nan=True)


def test_large_and_tiny_a_match_torch():
    # torch's values for a > 200 are right only for |x - a| < 4.5 sqrt(a) (its asymptotic series; elsewhere its
    # series stops after 2000 terms): see test_asymptotic_expansion_matches_series for the rest
    a = np.concatenate([10 ** _rng.uniform(3, 8, 200), [1e300, 1e200, 1e20]])
    x = a * (1 + np.clip(_rng.normal(0, 2, 203), -4.4, 4.4) / np.sqrt(a))
    tiny = 10 ** _rng.uniform(-300, -1, 200)
    for fn in ("gammainc", "gammaincc"):
        got, want = _pair(fn, a, x, np.float64)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-12)  # torch's are off by up to 4e-6 for a > 1e5
        got, want = _pair(fn, tiny, 10 ** _rng.uniform(-300, 2, 200), np.float64)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)  # torch's Q for a < 1e-15 is good to atol


def test_asymptotic_expansion_matches_series(monkeypatch):
    from teenygrad.ops import special_math
    a = 10 ** _rng.uniform(5, 7.5, 100)
    x = a * (1 + _rng.normal(0, 4, 100) / np.sqrt(a))
    asymptotic = [special_math.gammainc(a, x, upper) for upper in (False, True)]
    monkeypatch.setattr(special_math, "_LARGE_A", np.inf)  # the series and fraction, summed to convergence
    monkeypatch.setattr(special_math, "_IGAMMA_STEPS", 10 ** 6)
    for upper, got in zip((False, True), asymptotic):
        np.testing.assert_allclose(got, special_math.gammainc(a, x, upper), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("layout", ["contig", "T", "step"])
@pytest.mark.parametrize("fn,method", FNS)
def test_broadcast_views_forward_backward_match_torch(fn, method, layout):
    a, x = rand((4, 1, 3), 1, low=0.1, high=8), rand((5, 3), 2, low=0.0, high=12)
    compare(lambda lib, p, q: getattr(lib.special, fn)(p, q), [a, x], grad=[False, True], layout=layout,
            fwd=F32, bwd=GRAD)
    compare(lambda lib, p, q: getattr(p, method)(q), [x, a], grad=[False, True], layout=layout, fwd=F32, bwd=GRAD)
    compare(lambda lib, p, q: getattr(lib, method)(p, q), [a, np.array(3.5, np.float32)], grad=[False, True],
            fwd=F32, bwd=GRAD)


@pytest.mark.parametrize("fn", ["gammainc", "gammaincc"])
def test_float64_gradient_matches_torch_including_edges(fn):
    a = np.concatenate([A_RANDOM[:500], [0, 1, -1, 2, 2, 0.5, 2, 3]])
    x = np.concatenate([X_RANDOM[:500], [1, 0, 1, -1, 0, 0, INF, NAN]])
    grads = []
    for lib in (tg, torch):
        xt = lib.tensor(x, requires_grad=True)
        getattr(lib.special, fn)(lib.tensor(a), xt).sum().backward()
        grads.append(xt.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-300, equal_nan=True)


@pytest.mark.parametrize("fn", ["gammainc", "gammaincc"])
def test_gradcheck_x(fn):
    a = tg.tensor(np.random.default_rng(3).uniform(0.5, 6, (2, 3)))
    x = tg.tensor(np.random.default_rng(4).uniform(0.2, 8, (3,)), requires_grad=True)
    assert gradcheck(lambda t: getattr(tg.special, fn)(a, t), [x])


@pytest.mark.parametrize("fn,op", FNS)
def test_gradient_wrt_a_is_not_implemented_like_torch(fn, op):
    for lib in (torch, tg):
        a = lib.tensor([1.5, 2.0], requires_grad=True)
        out = getattr(lib.special, fn)(a, lib.tensor([1.0, 3.0], requires_grad=True))  # the forward is fine
        with pytest.raises(NotImplementedError, match=op if lib is tg else "not implemented"):
            out.sum().backward()
    with pytest.raises(RuntimeError, match=f"{op}.*not implemented"):  # NotImplementedError is a RuntimeError
        getattr(tg.special, fn)(tg.tensor([2.0], requires_grad=True), tg.tensor([1.0])).sum().backward()


def test_dtype_promotion_matches_torch():
    cases = [(np.int64, np.float32), (np.float32, np.int64), (np.float16, np.float16), (np.bool_, np.float32),
             (np.float32, np.float64)]
    for da, dx in cases:
        a, x = np.array([1, 2, 3]).astype(da), np.array([2, 1, 3]).astype(dx)
        got = tg.igamma(tg.tensor(a), tg.tensor(x))
        want = torch.igamma(torch.tensor(a), torch.tensor(x))
        assert str(want.dtype) == f"torch.{got.dtype}", (da, dx)
        np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64), rtol=2e-3)
    zero_d = tg.igammac(tg.tensor([1.0, 2.0]), tg.tensor(2.0, dtype=tg.float64))  # a 0-d operand does not promote
    assert zero_d.dtype == np.float32


BAD = [
    ("int inputs", lambda lib: lib.special.gammainc(lib.tensor([1, 2]), lib.tensor([1, 2])), NotImplementedError,
     "gammainc.*int64"),
    ("bool inputs", lambda lib: lib.igammac(lib.tensor([True]), lib.tensor([False])), NotImplementedError,
     "igammac.*bool"),
    ("number other", lambda lib: lib.special.gammaincc(lib.tensor([1.0]), 2.0), TypeError, "gammaincc.*Tensor"),
    ("number input", lambda lib: lib.igamma(2.0, lib.tensor([1.0])), TypeError, "igamma.*Tensor"),
    ("in place on int", lambda lib: lib.tensor([1, 2]).igamma_(lib.tensor([1.0, 2.0])), RuntimeError,
     "igamma_.*cast"),
]


@pytest.mark.parametrize("name,fn,exc,match", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_like_torch(name, fn, exc, match):
    raises_like_torch(fn, exc, match)


@pytest.mark.parametrize("method", ["igamma_", "igammac_"])
def test_inplace_matches_torch(method):
    out = []
    for lib in (tg, torch):
        a = lib.tensor([0.5, 2.0, 7.0])
        x = lib.tensor([1.0, 3.0, 2.0], requires_grad=True)
        res = getattr(a, method)(x)
        assert res is a
        a.sum().backward()
        out.append((a.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0], **F32)
    np.testing.assert_allclose(out[0][1], out[1][1], **GRAD)


def test_names_exist_in_torch_and_teenygrad():
    for name in ("igamma", "igammac"):
        assert hasattr(torch, name) and hasattr(torch.Tensor, name) and hasattr(torch.Tensor, name + "_")
        assert callable(getattr(tg, name)) and callable(getattr(tg.Tensor, name + "_"))
    assert {"gammainc", "gammaincc"} <= set(tg.special.__all__)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gamma_cdf_matches_torch(dtype):
    c, r = rand((3, 1), 5, low=0.2, high=6).astype(dtype), rand((4,), 6, low=0.1, high=3).astype(dtype)
    v = rand((2, 3, 4), 7, low=0.0, high=10).astype(dtype)
    tol = F32 if dtype == "float32" else F64
    out = []
    for lib in (tg, torch):
        rate, value = lib.tensor(r, requires_grad=True), lib.tensor(v, requires_grad=True)
        cdf = lib.distributions.Gamma(lib.tensor(c), rate).cdf(value)
        cdf.sum().backward()
        out.append((cdf.detach().numpy(), rate.grad.numpy(), value.grad.numpy()))
    assert out[0][0].dtype == out[1][0].dtype and out[0][0].shape == out[1][0].shape
    np.testing.assert_allclose(out[0][0], out[1][0], **tol)
    for g_tg, g_th in zip(out[0][1:], out[1][1:]):
        np.testing.assert_allclose(g_tg, g_th, **(GRAD if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)))


def test_gamma_cdf_support_and_validate_args_like_torch():
    for lib in (torch, tg):
        d = lib.distributions.Gamma(lib.tensor([2.0, 0.5]), lib.tensor([3.0, 1.0]), validate_args=True)
        with pytest.raises(ValueError, match="support"):
            d.cdf(lib.tensor([-0.5, 1.0]))
        assert d.cdf(lib.tensor([0.0, 0.0])).tolist() == [0.0, 0.0]
        loose = lib.distributions.Gamma(lib.tensor([2.0]), lib.tensor([3.0]), validate_args=False)
        assert np.isnan(loose.cdf(lib.tensor([-0.5])).numpy()).all()
    with pytest.raises(NotImplementedError, match="igamma"):  # torch: no gradient w.r.t. the concentration
        c = tg.tensor([2.0], requires_grad=True)
        tg.distributions.Gamma(c, tg.tensor([1.0])).cdf(tg.tensor([1.0])).sum().backward()
