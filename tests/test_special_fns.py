"""Special functions (erfinv, lgamma, digamma, polygamma, Bessel, normal-distribution, ...) against PyTorch: float64
accuracy across wide ranges including negative non-integers, poles and tails; float32 forward and backward through
the compare helper (broadcasting, non-contiguous views); float64 finite-difference gradchecks; in-place forms,
torch.xxx and torch.special spellings; and the errors torch raises."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from helpers import compare, rand, raises_like_torch

F64 = dict(rtol=1e-12, atol=1e-13)   # float64 values, next to torch's (absolute where the function crosses zero)
F32 = dict(rtol=2e-6, atol=1e-6)     # float32 values: torch computes in float32, we round a float64 result
GRAD = dict(atol=1e-4, rtol=1e-3)

_rng = np.random.default_rng(0)
WIDE = np.concatenate([_rng.uniform(-10, 10, 3000), _rng.uniform(-150, 150, 500), 10 ** _rng.uniform(-300, 300, 300),
                       -(10 ** _rng.uniform(-300, 2, 300)), [0.0, -0.0, 1.0, 2.0, -1.0, -2.0, -7.0, 0.5, -0.5, 1e-310,
                                                          np.inf, -np.inf, np.nan]])
UNIT = np.concatenate([_rng.uniform(-1, 1, 3000), 1 - 10 ** _rng.uniform(-16, 0, 300),
                       -1 + 10 ** _rng.uniform(-16, 0, 300),
                       10 ** _rng.uniform(-300, 0, 300), [0.0, 1.0, -1.0, 1.5, -2.0, np.nan]])
PROB = np.concatenate([_rng.uniform(0, 1, 3000), 10 ** _rng.uniform(-320, 0, 300), 1 - 10 ** _rng.uniform(-16, 0, 300),
                       [0.0, 1.0, 0.5, -0.1, 1.1, np.nan]])


def _both(name_tg, name_th, x, *args):
    """The same function of x (a float64 array) in teenygrad and torch"""
    f_tg, f_th = (eval(n, {"tg": tg, "torch": torch}) if isinstance(n, str) else n for n in (name_tg, name_th))
    return f_tg(tg.tensor(x), *args).numpy(), f_th(torch.tensor(x), *args).numpy()


ACCURACY = [
    ("erfc", "tg.erfc", "torch.erfc", WIDE),
    ("erfcx", "tg.special.erfcx", "torch.special.erfcx", WIDE[np.abs(WIDE) < 1e150]),
    ("erfinv", "tg.erfinv", "torch.erfinv", UNIT),
    ("lgamma", "tg.lgamma", "torch.lgamma", WIDE),
    ("digamma", "tg.digamma", "torch.digamma", WIDE[WIDE > -1e15]),
    ("i0", "tg.i0", "torch.i0", WIDE),
    ("i0e", "tg.special.i0e", "torch.special.i0e", WIDE),
    ("i1", "tg.special.i1", "torch.special.i1", WIDE),
    ("i1e", "tg.special.i1e", "torch.special.i1e", WIDE),
    ("ndtr", "tg.special.ndtr", "torch.special.ndtr", WIDE),
    ("ndtri", "tg.special.ndtri", "torch.special.ndtri", PROB),
    ("log_ndtr", "tg.special.log_ndtr", "torch.special.log_ndtr", WIDE[np.abs(WIDE) < 1e150]),
    ("sinc", "tg.sinc", "torch.sinc", WIDE[np.abs(WIDE) < 1e6]),
    ("entr", "tg.special.entr", "torch.special.entr", WIDE),
]


@pytest.mark.parametrize("name,f_tg,f_th,x", ACCURACY, ids=[a[0] for a in ACCURACY])
def test_float64_accuracy_against_torch(name, f_tg, f_th, x):
    got, want = _both(f_tg, f_th, x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, **F64, err_msg=name)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_polygamma_float64_accuracy(n):
    x = WIDE[(np.abs(WIDE) < 100) & (WIDE != np.round(WIDE))]  # torch's trigamma is off at the poles (1e32, not inf)
    got, want = tg.polygamma(n, tg.tensor(x)).numpy(), torch.polygamma(n, torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-9 if n == 1 else 1e-11, atol=1e-13)
    if n == 1:  # torch's trigamma is good to ~5e-10 only: mpmath (torch's sympy dependency) checks the last digits
        mpmath = pytest.importorskip("mpmath")
        few = x[:200]
        ref = np.array([float(mpmath.polygamma(1, v)) for v in few])
        np.testing.assert_allclose(tg.polygamma(1, tg.tensor(few)).numpy(), ref, rtol=1e-13)
    poles = np.array([0.0, -1.0, -3.0])
    if n > 1:
        np.testing.assert_array_equal(tg.polygamma(n, tg.tensor(poles)).numpy(),
                                      torch.polygamma(n, torch.tensor(poles)).numpy())


def test_zeta_and_mvlgamma_float64():
    s, q = _rng.uniform(1, 20, 2000), _rng.uniform(-10, 20, 2000)
    s[:10], q[10:20] = 1.0, -np.arange(10.0)  # the poles: s = 1 and q = 0, -1, ...
    s[20:40] = np.round(s[20:40])  # negative q needs an integer s (NaN otherwise)
    got, want = tg.special.zeta(tg.tensor(s), tg.tensor(q)).numpy(), torch.special.zeta(torch.tensor(s),
                                                                                          torch.tensor(q)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-300)
    x = _rng.uniform(2.1, 50, 500)
    for p in (1, 3):
        np.testing.assert_allclose(tg.mvlgamma(tg.tensor(x), p).numpy(), torch.mvlgamma(torch.tensor(x), p).numpy(),
                                   **F64)


UNARY_F32 = [
    ("erfc", lambda lib, x: lib.erfc(x), (-4, 4)),
    ("erfinv", lambda lib, x: lib.erfinv(x), (-0.99, 0.99)),
    ("lgamma", lambda lib, x: lib.lgamma(x), (-4, 6)),
    ("digamma", lambda lib, x: lib.digamma(x), (-4, 6)),
    ("polygamma2", lambda lib, x: lib.polygamma(2, x), (0.2, 6)),
    ("polygamma_method", lambda lib, x: x.polygamma(1), (0.2, 6)),
    ("mvlgamma", lambda lib, x: lib.mvlgamma(x, 3), (1.1, 6)),
    ("i0", lambda lib, x: lib.i0(x), (-20, 20)),
    ("sinc", lambda lib, x: lib.sinc(x), (-3, 3)),
    ("logcumsumexp", lambda lib, x: lib.logcumsumexp(x * 30, 0), (-3, 3)),
    ("logcumsumexp_dim", lambda lib, x: x.logcumsumexp(-1), (-3, 3)),
    ("float_power", lambda lib, x: lib.float_power(x, 3), (-2, 2)),
    ("frexp", lambda lib, x: tuple(lib.frexp(x * 100)), (-2, 2)),
    ("special.erfcx", lambda lib, x: lib.special.erfcx(x), (-3, 8)),
    ("special.i0e", lambda lib, x: lib.special.i0e(x), (-40, 40)),
    ("special.i1", lambda lib, x: lib.special.i1(x), (-20, 20)),
    ("special.i1e", lambda lib, x: lib.special.i1e(x), (-40, 40)),
    ("special.ndtr", lambda lib, x: lib.special.ndtr(x), (-6, 6)),
    ("special.ndtri", lambda lib, x: lib.special.ndtri(x), (0.01, 0.99)),
    ("special.log_ndtr", lambda lib, x: lib.special.log_ndtr(x), (-30, 6)),
    ("special.entr", lambda lib, x: lib.special.entr(x), (0.05, 3)),
    ("special.gammaln", lambda lib, x: lib.special.gammaln(x), (0.1, 8)),
    ("special.psi", lambda lib, x: lib.special.psi(x), (0.1, 8)),
    ("special.multigammaln", lambda lib, x: lib.special.multigammaln(x, 2), (1, 8)),
    ("special.expit", lambda lib, x: lib.special.expit(x), (-5, 5)),
    ("special.exp2", lambda lib, x: lib.special.exp2(x), (-5, 5)),
    ("special.logsumexp", lambda lib, x: lib.special.logsumexp(x, 0), (-5, 5)),
    ("special.softmax", lambda lib, x: lib.special.softmax(x, 1), (-5, 5)),
    ("special.log_softmax", lambda lib, x: lib.special.log_softmax(x, 1, dtype=lib.float64), (-5, 5)),
    ("special.round", lambda lib, x: lib.special.round(x), (-5, 5)),
]


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("name,fn,rng", UNARY_F32, ids=[u[0] for u in UNARY_F32])
def test_float32_forward_backward_match_torch(name, fn, rng, layout):
    compare(fn, [rand((5, 4), 3, low=rng[0], high=rng[1])], layout=layout, fwd=F32, bwd=GRAD)


BINARY_F32 = [
    ("xlog1py", lambda lib, x, y: lib.special.xlog1py(x, y.abs()), (-2, 2)),
    ("xlogy", lambda lib, x, y: lib.special.xlogy(x, y.abs()), (-2, 2)),
    ("ldexp", lambda lib, x, y: lib.ldexp(x, y), (-3, 3)),
    ("float_power", lambda lib, x, y: lib.float_power(x.abs(), y), (-2, 2)),
]


@pytest.mark.parametrize("name,fn,rng", BINARY_F32, ids=[b[0] for b in BINARY_F32])
def test_binary_broadcast_match_torch(name, fn, rng):
    compare(fn, [rand((3, 1, 4), 4, low=rng[0], high=rng[1]), rand((5, 1), 5, low=rng[0], high=rng[1])],
            fwd=F32, bwd=GRAD)


def test_xlog1py_zero_and_number_operands_match_torch():
    x = np.array([0.0, 0.0, 0.0, 2.0, -1.0], np.float32)
    y = np.array([np.nan, -1.0, -3.0, 0.5, np.inf], np.float32)
    compare(lambda lib, a, b: lib.special.xlog1py(a, b), [x, y], fwd=F32, bwd=GRAD)
    compare(lambda lib, a: lib.special.xlog1py(2.0, a), [rand((4,), 6, low=0, high=3)], fwd=F32, bwd=GRAD)
    compare(lambda lib, a: lib.special.zeta(a, 2), [rand((4,), 7, low=1.5, high=6)], grad=[False], fwd=F32)
    ints = tg.special.xlog1py(tg.tensor([1, 2]), tg.tensor([3, 4]))
    assert ints.dtype == torch_dtype_np(torch.special.xlog1py(torch.tensor([1, 2]), torch.tensor([3, 4])))


def torch_dtype_np(t):
    return np.dtype(str(t.dtype).replace("torch.", ""))


def test_integer_inputs_promote_like_torch():
    for name in ["erfinv", "lgamma", "digamma", "i0", "sinc", "erfc"]:
        got = getattr(tg, name)(tg.tensor([0, 1, 2]))
        want = getattr(torch, name)(torch.tensor([0, 1, 2]))
        assert got.dtype == torch_dtype_np(want), name
        np.testing.assert_allclose(got.numpy(), want.numpy(), **F32, err_msg=name)
    assert tg.float_power(tg.tensor([2]), 2).dtype == np.float64
    assert tg.ldexp(tg.tensor([2]), tg.tensor([3])).dtype == torch_dtype_np(torch.ldexp(torch.tensor([2]),
                                                                                          torch.tensor([3])))


def test_frexp_matches_torch():
    x = np.array([0.0, -0.0, 1.0, 0.3, -1e-30, 5e30, np.inf, np.nan], np.float32)
    m_tg, e_tg = tg.frexp(tg.tensor(x))
    m_th, e_th = torch.frexp(torch.tensor(x))
    np.testing.assert_array_equal(m_tg.numpy(), m_th.numpy())
    assert e_tg.dtype == np.int32
    np.testing.assert_array_equal(e_tg.numpy()[np.isfinite(x)], e_th.numpy()[np.isfinite(x)])


INPLACE = [("erfinv_", (-0.9, 0.9), ()), ("lgamma_", (0.1, 5), ()), ("digamma_", (0.1, 5), ()),
           ("polygamma_", (0.1, 5), (2,)), ("mvlgamma_", (2, 5), (2,)), ("i0_", (-3, 3), ()),
           ("sinc_", (-3, 3), ()), ("erfc_", (-3, 3), ()), ("ldexp_", (-3, 3), "tensor")]


@pytest.mark.parametrize("name,rng,args", INPLACE, ids=[i[0] for i in INPLACE])
def test_inplace_forms_match_torch(name, rng, args):
    x = rand((6,), 8, low=rng[0], high=rng[1])

    def run(lib):
        leaf = lib.tensor(x, requires_grad=True)
        y = leaf * 1
        extra = (lib.tensor([1.0, 2.0, 0.0, -1.0, 3.0, 1.0]),) if args == "tensor" else args
        out = getattr(y, name)(*extra)
        assert out is y
        (y * lib.tensor(np.arange(6, dtype=np.float32))).sum().backward()
        return y.detach().numpy(), leaf.grad.numpy()
    (v_tg, g_tg), (v_th, g_th) = run(tg), run(torch)
    np.testing.assert_allclose(v_tg, v_th, **F32)
    np.testing.assert_allclose(g_tg, g_th, **GRAD)


def test_float_power_inplace_needs_float64():
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match="float_power_"):
            lib.tensor([1.0, 2.0]).float_power_(2)
    x = tg.tensor([1.0, 2.0], dtype=tg.float64)
    x.float_power_(3)
    np.testing.assert_array_equal(x.numpy(), [1.0, 8.0])


def _d(lo, hi, seed, shape=(2, 3)):
    return tg.tensor(np.random.default_rng(seed).uniform(lo, hi, shape), dtype=tg.float64, requires_grad=True)


GRADCHECKS = [
    ("erfc", lambda x: x.erfc(), (-2, 2)), ("erfinv", lambda x: x.erfinv(), (-0.9, 0.9)),
    ("lgamma", lambda x: x.lgamma(), (-2.9, -2.1)), ("digamma", lambda x: x.digamma(), (0.3, 4)),
    ("polygamma3", lambda x: x.polygamma(3), (0.5, 4)), ("mvlgamma", lambda x: x.mvlgamma(4), (2, 4)),
    ("i0", lambda x: x.i0(), (-3, 3)), ("i0e", lambda x: tg.special.i0e(x), (-3, 3)),
    ("i1", lambda x: tg.special.i1(x), (-3, 3)), ("i1e", lambda x: tg.special.i1e(x), (-3, 3)),
    ("sinc", lambda x: x.sinc(), (-2, 2)), ("entr", lambda x: tg.special.entr(x), (0.1, 2)),
    ("erfcx", lambda x: tg.special.erfcx(x), (-2, 5)), ("ndtr", lambda x: tg.special.ndtr(x), (-3, 3)),
    ("ndtri", lambda x: tg.special.ndtri(x), (0.05, 0.95)), ("log_ndtr", lambda x: tg.special.log_ndtr(x), (-9, 3)),
    ("logcumsumexp", lambda x: x.logcumsumexp(1), (-3, 3)), ("frexp", lambda x: x.frexp().mantissa, (-3, 3)),
    ("float_power", lambda x: x.float_power(2.5), (0.5, 2)),
]


@pytest.mark.parametrize("name,fn,rng", GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_gradcheck(name, fn, rng):
    assert gradcheck(fn, [_d(rng[0], rng[1], 1)])


def test_gradcheck_binary():
    assert gradcheck(lambda x, y: tg.special.xlog1py(x, y), [_d(-2, 2, 1), _d(0.1, 2, 2, (3,))])
    assert gradcheck(lambda x, y: x.ldexp(y), [_d(-2, 2, 1), _d(-2, 2, 2, (3,))])


def test_logcumsumexp_extremes_match_torch():
    x = np.array([[-np.inf, 0.0, 1000.0, -1000.0, 3.0], [1e-3, -50.0, 80.0, 80.0, -np.inf]], np.float32)
    compare(lambda lib, a: lib.logcumsumexp(a, 1), [x], fwd=F32, bwd=GRAD)
    compare(lambda lib, a: lib.logcumsumexp(a, 0), [np.array(2.5, np.float32)], fwd=F32, bwd=GRAD)


BAD = [
    ("polygamma negative n", lambda lib: lib.polygamma(-1, lib.tensor([1.0])), RuntimeError, "polygamma.*negative n"),
    ("polygamma float n", lambda lib: lib.polygamma(1.5, lib.tensor([1.0])), TypeError, "polygamma"),
    ("mvlgamma p", lambda lib: lib.mvlgamma(lib.tensor([2.0]), 0), RuntimeError, "p has to be greater"),
    ("frexp int", lambda lib: lib.frexp(lib.tensor([2])), RuntimeError, "frexp.*floating"),
    ("logcumsumexp int", lambda lib: lib.logcumsumexp(lib.tensor([1, 2]), 0), NotImplementedError, "logcumsumexp"),
    ("logcumsumexp dim", lambda lib: lib.logcumsumexp(lib.tensor([1.0]), 1), IndexError, "logcumsumexp.*range"),
    ("zeta backward", lambda lib: lib.special.zeta(lib.tensor([2.0], requires_grad=True), 1.0).sum().backward(),
     RuntimeError, "zeta.*not implemented"),
]


@pytest.mark.parametrize("name,fn,exc,match", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_like_torch(name, fn, exc, match):
    raises_like_torch(fn, exc, match)


def test_special_module_loads_lazily():
    import pathlib
    import subprocess
    import sys
    code = ("import sys, teenygrad; assert 'teenygrad.special' not in sys.modules; "
            "assert 'teenygrad.ops.special_math' not in sys.modules; teenygrad.special.gammaln")
    assert subprocess.run([sys.executable, "-c", code], cwd=str(pathlib.Path(__file__).parent.parent)).returncode == 0


def test_every_special_name_exists_in_torch_and_teenygrad():
    for name in tg.special.__all__:
        assert callable(getattr(tg.special, name)), name
        assert hasattr(torch.special, name), name
