"""Double backward (create_graph=True) of the elementwise and special ops (ops/elementwise.py, special.py, extra.py):
each op's backward_graph against torch (first and second gradients, also in the grad_outputs; broadcasting binary
ops, a transposed layout) and by float64 finite differences (gradgradcheck)."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import compare_double, gradgrad_ok, rand

A, B = (3, 4), (4,)  # binary ops: the second operand broadcasts
ANY, POS, UNIT, UP = (-2.0, 2.0), (0.5, 2.0), (-0.9, 0.9), (0.05, 0.95)  # input ranges

# name: (fn(lib, *tensors), [(shape, (low, high)) per input])
CASES = {
    "pow": (lambda m, a, b: a ** b, [(A, POS), (B, ANY)]),
    "maximum": (lambda m, a, b: a.maximum(b) * a, [(A, ANY), (B, ANY)]),
    "minimum": (lambda m, a, b: a.minimum(b) * b, [(A, ANY), (B, ANY)]),
    "log2": (lambda m, a: a.log2(), [(A, POS)]),
    "log10": (lambda m, a: a.log10(), [(A, POS)]),
    "log1p": (lambda m, a: a.log1p(), [(A, (-0.5, 2.0))]),
    "expm1": (lambda m, a: a.expm1(), [(A, ANY)]),
    "sin": (lambda m, a: a.sin(), [(A, ANY)]),
    "cos": (lambda m, a: a.cos(), [(A, ANY)]),
    "silu": (lambda m, a: m.nn.functional.silu(a), [(A, ANY)]),
    "softplus": (lambda m, a: m.nn.functional.softplus(a, beta=2.0, threshold=1.5), [(A, ANY)]),
    "gelu": (lambda m, a: m.nn.functional.gelu(a), [(A, ANY)]),
    "gelu_tanh": (lambda m, a: m.nn.functional.gelu(a, approximate="tanh"), [(A, ANY)]),
    "abs": (lambda m, a: a.abs() * a, [(A, ANY)]),
    "reciprocal": (lambda m, a: a.reciprocal(), [(A, POS)]),
    "clamp": (lambda m, a: a.clamp(-1.0, 1.0) * a, [(A, ANY)]),
    "clamp_min": (lambda m, a: a.clamp(min=-0.5) ** 2, [(A, ANY)]),
    "clamp_tensor": (lambda m, a, lo, hi: a.clamp(lo, hi) * a, [(A, ANY), (B, (-1.5, -0.5)), (B, (0.5, 1.5))]),
    "floor_sign": (lambda m, a, b: a.floor() * a + a.sign() * b + a.div(b, rounding_mode="trunc") * b,
                   [(A, ANY), (B, POS)]),
    "remainder": (lambda m, a, b: (a % b) * a, [(A, ANY), (B, POS)]),
    "fmod": (lambda m, a, b: a.fmod(b) * b, [(A, ANY), (B, POS)]),
    # special.py
    "erf": (lambda m, a: a.erf(), [(A, ANY)]),
    "asin": (lambda m, a: a.asin(), [(A, UNIT)]),
    "acos": (lambda m, a: a.acos(), [(A, UNIT)]),
    "atan": (lambda m, a: a.atan(), [(A, ANY)]),
    "atan2": (lambda m, a, b: a.atan2(b), [(A, ANY), (B, ANY)]),
    "exp2": (lambda m, a: a.exp2(), [(A, ANY)]),
    "nan_to_num": (lambda m, a: a.nan_to_num() * a, [(A, ANY)]),
    "hypot": (lambda m, a, b: a.hypot(b), [(A, ANY), (B, ANY)]),
    "copysign": (lambda m, a, b: a.copysign(b) * a, [(A, ANY), (B, ANY)]),
    "fmax": (lambda m, a, b: a.fmax(b) * a, [(A, ANY), (B, ANY)]),
    "fmin": (lambda m, a, b: a.fmin(b) * b, [(A, ANY), (B, ANY)]),
    "xlogy": (lambda m, a, b: a.xlogy(b), [(A, ANY), (B, POS)]),
    "xlog1py": (lambda m, a, b: m.special.xlog1py(a, b), [(A, ANY), (B, (-0.5, 2.0))]),
    "logit": (lambda m, a: a.logit(), [(A, UP)]),
    "logit_eps": (lambda m, a: a.logit(eps=0.2) * a, [(A, UP)]),
    "erfc": (lambda m, a: a.erfc(), [(A, ANY)]),
    "erfcx": (lambda m, a: m.special.erfcx(a), [(A, ANY)]),
    "erfinv": (lambda m, a: a.erfinv(), [(A, UNIT)]),
    "lgamma": (lambda m, a: a.lgamma(), [(A, POS)]),
    "digamma": (lambda m, a: a.digamma(), [(A, POS)]),
    "polygamma2": (lambda m, a: m.polygamma(2, a), [(A, (1.0, 2.0))]),
    "i0": (lambda m, a: a.i0(), [(A, ANY)]),
    "i0e": (lambda m, a: m.special.i0e(a), [(A, ANY)]),
    "i1": (lambda m, a: m.special.i1(a), [(A, ANY)]),
    "i1e": (lambda m, a: m.special.i1e(a), [(A, ANY)]),
    "sinc": (lambda m, a: a.sinc(), [(A, ANY)]),
    "entr": (lambda m, a: m.special.entr(a), [(A, POS)]),
    "ndtr": (lambda m, a: m.special.ndtr(a), [(A, ANY)]),
    "ndtri": (lambda m, a: m.special.ndtri(a), [(A, UP)]),
    "log_ndtr": (lambda m, a: m.special.log_ndtr(a), [(A, ANY)]),
    # extra.py
    "acosh": (lambda m, a: a.acosh(), [(A, (1.2, 3.0))]),
    "asinh": (lambda m, a: a.asinh(), [(A, ANY)]),
    "atanh": (lambda m, a: a.atanh(), [(A, UNIT)]),
    "nextafter": (lambda m, a, b: a.nextafter(b) * b, [(A, ANY), (B, ANY)]),
}


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(name, layout):
    fn, specs = CASES[name]
    compare_double(fn, [rand(s, i, low=lo, high=hi) for i, (s, (lo, hi)) in enumerate(specs)], layout=layout)


@pytest.mark.parametrize("name", list(CASES))
def test_gradgradcheck(name):
    fn, specs = CASES[name]
    shapes = [(2, 3) if s == A else (3,) for s, _ in specs]
    # gradgrad_ok draws inputs in [-1, 1): map them affinely onto the op's range
    gradgrad_ok(lambda *xs: fn(tg, *[lo + (x + 1.0) * ((hi - lo) / 2) for x, (_, (lo, hi)) in zip(xs, specs)]),
                shapes)


def test_op_without_graph_backward_raises_naming_it():
    # Polar(abs, angle) has a first-order gradient only; through a Function directly, the graph pass names it
    from teenygrad.ops.complex import Polar
    from teenygrad.autograd.function import Function
    assert Polar.backward_graph is Function.backward_graph
    node = Polar.__new__(Polar)
    with pytest.raises(NotImplementedError, match="polar: double backward"):
        node.backward_graph(None)


@pytest.mark.parametrize("upper", [False, True])
def test_igamma_double_backward_against_torch(upper):
    a, x = rand((2, 3), 1, low=0.5, high=3.0), rand((2, 3), 0, low=0.2, high=4.0)
    compare_double(lambda lib, a, x: (lib.igammac if upper else lib.igamma)(a, x), [a, x], grad=[False, True])
    compare_double(lambda lib, a, x: (lib.igammac if upper else lib.igamma)(a, x), [a[0], x], grad=[False, True])
    gradgrad_ok(lambda x: (tg.igammac if upper else tg.igamma)(tg.tensor(a.astype(np.float64)), x.abs() + 0.2),
                [(2, 3)])


@pytest.mark.parametrize("layout", ["contig", "T", "step"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp_double_backward_against_torch(dim, layout):
    # grad_outputs of both signs (compare_double draws them normal), so both log-space halves of the formula run
    compare_double(lambda lib, x: x.logcumsumexp(dim), [rand((3, 4), 0, low=-3.0, high=3.0)], layout=layout)


def test_logcumsumexp_double_backward_extremes():
    # large spreads (exp over/underflows in a naive formula) and zero grad_outputs: finite, torch's values
    x = np.array([[-80.0, 0.0, 60.0, -5.0], [30.0, 29.0, -100.0, 31.0]], np.float32)
    vd = np.array([[1.0, 0.0, -2.0, 0.5], [0.0, 0.0, 1.0, -1.0]])
    compare_double(lambda lib, t: t.logcumsumexp(1), [x])
    for m in (tg, torch):
        t = m.tensor(x, requires_grad=True)
        v = m.tensor(vd.astype(np.float32), requires_grad=True)
        g, = m.autograd.grad(t.logcumsumexp(1), t, v, create_graph=True)
        (g * g).sum().backward()
        if m is tg:
            ours = [a.numpy().copy() for a in (g, t.grad, v.grad)]
        else:
            theirs = [a.detach().numpy() for a in (g, t.grad, v.grad)]
    for name, a, b in zip(("g", "x.grad", "v.grad"), ours, theirs):
        assert np.all(np.isfinite(a)), name
        # torch's formula takes log|v|: its gradient in v is NaN where v is exactly 0; the true derivative is finite
        # (dx is linear in v), and ours. Compare where torch has a number, and check ours against float64 finite
        # differences everywhere
        ok = np.isfinite(b)
        np.testing.assert_allclose(a[ok], b[ok], rtol=1e-4, atol=1e-5, err_msg=name)
    xd = x.astype(np.float64)

    def g_of(v):
        t = tg.tensor(xd, requires_grad=True)
        g, = tg.autograd.grad(t.logcumsumexp(1), t, tg.tensor(v))
        return g.numpy()
    num = np.zeros_like(vd)
    for idx in np.ndindex(vd.shape):
        e = np.zeros_like(vd)
        e[idx] = 1e-6
        num[idx] = ((g_of(vd + e) ** 2).sum() - (g_of(vd - e) ** 2).sum()) / 2e-6
    np.testing.assert_allclose(ours[2], num, rtol=1e-3, atol=1e-4, err_msg="v.grad against finite differences")


def test_gradgradcheck_logcumsumexp():
    gradgrad_ok(lambda x: x.logcumsumexp(1), [(2, 4)])
    gradgrad_ok(lambda x: (x * 20.0).logcumsumexp(0), [(3, 2)])
