"""Complex elementwise unary ops against torch: values (random complex64/complex128, strided views, the special
values and branch cuts), gradients of a real loss (torch's conjugate-Wirtinger convention), finite differences in
complex128 and double backward."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck, gradgradcheck

from test_device import gpu, on_device  # noqa: F401  (the fake-GPU fixture and the device check)

OPS = ["exp", "log", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tan", "sinh", "cosh", "tanh", "sigmoid", "square",
       "log1p", "expm1", "log2", "log10", "exp2", "asin", "acos", "atan", "asinh", "acosh", "atanh", "sinc"]
VTOL = {np.complex64: dict(rtol=2e-5, atol=1e-6), np.complex128: dict(rtol=1e-12, atol=1e-14)}
GTOL = dict(rtol=1e-10, atol=1e-12)  # complex128 gradients
INF, NAN = float("inf"), float("nan")
_PARTS = [0.0, -0.0, 0.5, -1.0, 2.0, -3.0, 1e30, INF, -INF, NAN]
SPECIALS = np.array([complex(a, b) for a in _PARTS for b in _PARTS])


def _crandn(rng, shape, scale=1.0):
    return scale * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))


def _same(got, want, tol, signed_zero=True):
    """equal with NaN == NaN and (optionally) the sign of a zero part checked, part by part"""
    for p in ("real", "imag"):
        g, w = getattr(got, p), getattr(want, p)
        np.testing.assert_allclose(g, w, equal_nan=True, **tol)
        if signed_zero:
            z = (g == 0) & (w == 0)
            np.testing.assert_array_equal(np.signbit(g[z]), np.signbit(w[z]))


@pytest.mark.parametrize("cdtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("name", OPS)
def test_values(name, cdtype):
    rng = np.random.default_rng(0)
    a = _crandn(rng, (6, 8), 1.5).astype(cdtype)[:, ::2]  # a strided view
    ot, og = getattr(torch, name)(torch.from_numpy(a.copy())[:, :]), getattr(tg.tensor(a), name)()
    assert og.dtype == cdtype
    _same(og.numpy(), ot.numpy(), VTOL[cdtype], signed_zero=False)


@pytest.mark.parametrize("cdtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("name", [n for n in OPS if n != "square"])  # square is x * x: complex Mul's own rounding
def test_special_values(name, cdtype):
    """+-0, +-inf, NaN and the branch cuts (x + 0i and x - 0i with x < -1, < 0 or > 1)"""
    a = SPECIALS.astype(cdtype)
    with np.errstate(all="ignore"):
        ot, og = getattr(torch, name)(torch.from_numpy(a.copy())), getattr(tg, name)(tg.tensor(a))
    # torch's complex128 acos has +0 where C99 (and numpy, and torch's complex64) have -0 on the real axis
    _same(og.numpy(), ot.numpy(), VTOL[cdtype], signed_zero=not (name == "acos" and cdtype == np.complex128))


@pytest.mark.parametrize("cdtype", [np.complex64, np.complex128])
def test_log1p_small(cdtype):
    """log1p keeps its precision near 0 (log(1 + x) loses all of Re in complex64 at 1e-10)"""
    a = np.array([1e-10 + 1e-10j, 1e-10j, 1e-5 + 1e-7j, -1e-8 + 3e-9j, 1e-20, 0.3 - 0.2j, -0.4 + 0.1j], cdtype)
    _same(tg.tensor(a).log1p().numpy(), torch.from_numpy(a).log1p().numpy(), VTOL[cdtype])


def _loss(lib, out, w):
    return (out * w).real.sum() + (out.abs() ** 2).sum()


@pytest.mark.parametrize("name", OPS)
def test_grad(name):
    rng = np.random.default_rng(1)
    a, w = _crandn(rng, (3, 4)), _crandn(rng, (3, 4))
    grads = []
    for lib in (torch, tg):
        x = lib.tensor(a, requires_grad=True)
        _loss(lib, getattr(x, name)(), lib.tensor(w)).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], **GTOL)


@pytest.mark.parametrize("name", ["exp", "sigmoid", "tanh"])
def test_grad_complex64(name):
    rng = np.random.default_rng(2)
    a, w = _crandn(rng, (5,)).astype(np.complex64), _crandn(rng, (5,)).astype(np.complex64)
    grads = []
    for lib in (torch, tg):
        x = lib.tensor(a, requires_grad=True)
        _loss(lib, getattr(x, name)(), lib.tensor(w)).backward()
        assert x.grad.dtype == (torch.complex64 if lib is torch else np.complex64)
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-4, atol=1e-5)


def _as_real_fn(name):
    return lambda r: tg.view_as_real(getattr(tg.view_as_complex(r), name)())


@pytest.mark.parametrize("name", OPS)
def test_gradcheck(name):
    rng = np.random.default_rng(3)
    r = tg.tensor(rng.uniform(0.2, 0.9, (4, 2)) * rng.choice([-1, 1], (4, 2)), requires_grad=True)
    assert gradcheck(_as_real_fn(name), (r,))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "rsqrt", "sin", "tanh", "sigmoid", "asin", "acosh", "tan",
                                  "cosh", "log1p"])
def test_gradgradcheck(name):
    rng = np.random.default_rng(4)
    r = tg.tensor(rng.uniform(0.2, 0.9, (3, 2)) * rng.choice([-1, 1], (3, 2)), requires_grad=True)
    assert gradgradcheck(_as_real_fn(name), (r,))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "reciprocal", "atan", "asinh",
                                  "expm1", "sinc", "acosh"])
def test_double_backward(name):
    """d/dx of the gradient's squared modulus, through create_graph, against torch"""
    rng = np.random.default_rng(5)
    a, w = _crandn(rng, (4,), 0.7), _crandn(rng, (4,))
    res = []
    for lib in (torch, tg):
        x = lib.tensor(a, requires_grad=True)
        (g,) = lib.autograd.grad(_loss(lib, getattr(x, name)(), lib.tensor(w)), x, create_graph=True)
        (g.abs() ** 2).sum().backward()
        res.append((g.detach().numpy(), x.grad.numpy()))
    for got, want in zip(res[1], res[0]):
        np.testing.assert_allclose(got, want, **GTOL)


@pytest.mark.parametrize("name", OPS)
def test_grad_at_poles_and_cuts(name):
    """0, +-1, +-i and both sides of the negative real axis: sinc's gradient is 0 at 0 (torch's mask), the poles give
    torch's inf/NaN (complex division by 0, not 0 * inf), the cuts torch's side"""
    a = np.array([0j, complex(-0.0, 0), 1, -1, 1j, -1j, complex(-2, 0), complex(-2, -0.0), complex(2, 0)])
    w = np.array([1 - 1j, 0.5, 2j, 1 + 1j, -1, 1j, 1 - 2j, 3, 1j])
    grads = []
    for lib in (torch, tg):
        x = lib.tensor(a, requires_grad=True)
        with np.errstate(all="ignore"):
            (getattr(x, name)() * lib.tensor(w)).real.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], equal_nan=True, **GTOL)


def test_erf_still_refuses_complex():
    for lib in (torch, tg):
        with pytest.raises(NotImplementedError):
            lib.tensor([1 + 1j]).erf()


@pytest.mark.parametrize("name", ["log1p", "sinc", "sqrt", "acosh", "sigmoid"])
def test_on_device(gpu, name):
    """the complex forms stay on the device (fake GPU; TEENYGRAD_TEST_CUDA=1: cupy) and match the cpu run"""
    a = _crandn(np.random.default_rng(6), (2, 5), 0.4).astype(np.complex64)
    a[0, 0] = 0
    res = []
    for device in ("cpu", "cuda"):
        x = tg.tensor(a, requires_grad=True, device=device)
        out = getattr(x, name)()
        (out * out.conj()).real.sum().backward()
        res.append((out, x.grad))
    (ref, ref_g), (out, g) = res
    assert on_device(out._data) and on_device(g._data) and out.dtype == np.complex64
    np.testing.assert_allclose(out.detach().cpu().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g.cpu().numpy(), ref_g.numpy(), rtol=1e-4, atol=1e-5)
