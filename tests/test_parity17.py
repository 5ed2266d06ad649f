"""Differences from torch found in the seventeenth landing, each compared with torch directly."""
import numpy as np
import pytest
import torch

import teenygrad as tg

SRC = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]
DST = [None, "bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("src", SRC)
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_nansum_dtype_as_torch(src, dim):
    """nansum(dtype=) gave int64 for an integer input whatever dtype said (a bool dtype even cast before summing:
    2 for [1, 0, 2] where torch gives True), and a float input with an integer dtype cast its NaNs to garbage
    before summing (torch counts them 0 first)."""
    x = np.random.default_rng(0).integers(-3, 4, (3, 4)).astype(src)
    if src.startswith("float"):
        x[0, 1] = np.nan
    for d in DST:
        out = []
        for lib in (torch, tg):
            kw = {"dtype": getattr(lib, d)} if d else {}
            r = lib.nansum(lib.tensor(x), **kw) if dim is None else lib.nansum(lib.tensor(x), dim, **kw)
            out.append((str(r.dtype).replace("torch.", ""), np.asarray(r.tolist(), dtype=np.float64)))
        assert out[1][0] == out[0][0], (src, d, dim)
        np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-3, err_msg=f"{src} -> {d}, dim {dim}")


def _outcome(f):
    try:
        f()
        return "ok"
    except Exception as e:
        return f"{type(e).__name__}: {str(e).split(', got')[0]}"


def test_requires_grad_assignment_checked_as_torch():
    """`t.requires_grad = v` was a plain attribute: a non-leaf set to False silently cut its path out of the graph,
    an int64 tensor could be set to require grad, and any value was taken. torch refuses all three."""
    for lib in (torch, tg):
        lib_out = []
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        for target, value in ((y, False), (y, True), (lib.ones(3, dtype=lib.int64), True), (x, 1), (x, None)):
            lib_out.append(_outcome(lambda: setattr(target, "requires_grad", value)))
        ok = []
        for make in (lambda: lib.ones(3), lambda: lib.ones(3, dtype=lib.int64), lambda: lib.ones(3).view(3)):
            t = make()
            ok.append((_outcome(lambda: setattr(t, "requires_grad", t.dtype.is_floating_point if lib is torch
                                                else t.dtype in (tg.float32, tg.float64))), t.requires_grad))
        if lib is torch:
            ref = (lib_out, ok)
    assert lib_out[0].startswith("RuntimeError: you can only change requires_grad flags of leaf variables. If")
    assert lib_out == ref[0] and ok == ref[1], (lib_out, ref[0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 2])  # the refused assignment left the graph alone


def test_data_assignment_checked_as_torch():
    """`t.data = v` took a list, a number or a numpy array (torch takes only a tensor), and an integer tensor for a
    tensor that requires grad"""
    for value in ([1.0, 2.0], 3.0, np.ones(3)):
        for lib in (torch, tg):
            with pytest.raises(TypeError, match="Variable data has to be a tensor, but got"):
                lib.ones(3).data = value
    for lib in (torch, tg):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="data set to a tensor that requires gradients must be floating point"):
            x.data = lib.ones(3, dtype=lib.int64)
        x.data = lib.zeros(5, dtype=lib.float64)  # another shape and float dtype: taken, as torch
        assert tuple(x.shape) == (5,) and x.dtype == lib.float64 and x.requires_grad


COV_CASES = {
    "cov": lambda m, X, w: m.cov(X),
    "cov_weights": lambda m, X, w: m.cov(X, fweights=m.tensor([1, 2, 1, 3, 1]), aweights=m.tensor(w)),
    "cov_1d": lambda m, X, w: m.cov(X[0]),
    "cov_correction0": lambda m, X, w: m.cov(X, correction=0),
    "corrcoef": lambda m, X, w: m.corrcoef(X),
}


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("name", list(COV_CASES))
def test_complex_cov_and_corrcoef_as_torch(name, dtype):
    """cov / corrcoef refused complex inputs: now x_i conj(x_j) as torch, corrcoef clipping the real and imaginary
    parts each; values and gradients against torch"""
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((3, 5)) + 1j * rng.standard_normal((3, 5))).astype(dtype)
    w = rng.uniform(0.5, 2, 5).astype(np.float64 if dtype == np.complex128 else np.float32)
    res = []
    for m in (torch, tg):
        X = m.tensor(x, requires_grad=True)
        out = COV_CASES[name](m, X, w)
        g, = m.autograd.grad((out * out).real.sum() + out.imag.sum(), X)
        value = (lambda t: t.detach().resolve_conj().numpy()) if m is torch else (lambda t: t.detach().numpy())
        res.append((value(out), value(g), str(out.dtype).split(".")[-1]))
    tol = 1e-10 if dtype == np.complex128 else 1e-4
    assert res[1][2] == res[0][2]
    for a, b in zip(res[0][:2], res[1][:2]):
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("shape,dim", [((6,), 0), ((3, 5), 1), ((4, 3), 0), ((2, 3, 4), -1)])
def test_complex_logcumsumexp_as_torch(shape, dim, dtype):
    """logcumsumexp refused complex inputs: torch's complex log-add-exp scan, and its gradient"""
    rng = np.random.default_rng(6)
    x = (rng.standard_normal(shape) * 3 + 1j * rng.standard_normal(shape) * 2).astype(dtype)
    res = []
    for m in (torch, tg):
        X = m.tensor(x, requires_grad=True)
        out = m.logcumsumexp(X, dim)
        g, = m.autograd.grad((out.real * 1.3).sum() + (out.imag * out.imag).sum(), X)
        value = (lambda t: t.detach().resolve_conj().numpy()) if m is torch else (lambda t: t.detach().numpy())
        res.append((value(out), value(g)))
    tol = 1e-12 if dtype == np.complex128 else 2e-5
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol * max(1.0, np.abs(a).max()))


def test_complex_logcumsumexp_special_values_as_torch():
    for v in ([complex(-np.inf, 0), 1 + 1j, complex(-np.inf, 2)], [complex(np.nan, 0), 1j],
              [complex(np.inf, 1), complex(np.inf, 2)], [complex(-np.inf, 2), complex(-np.inf, 1)],
              [complex(np.inf, 2), 1 + 1j]):
        a = np.array(v, np.complex128)
        np.testing.assert_array_equal(tg.logcumsumexp(tg.tensor(a), 0).numpy(),
                                      torch.logcumsumexp(torch.tensor(a), 0).numpy())


def test_complex_logaddexp_and_logcumsumexp_special_values_as_torch():
    """torch's complex logaddexp: both real parts -inf give b, both +inf log(e^a + e^b), a NaN in any part NaN (they
    gave NaN for the infinities); logcumsumexp: a NaN imaginary part is infectious too (it gave inf+nanj)"""
    ni, pi, nan = -np.inf, np.inf, np.nan
    pairs = [(complex(ni, 0), complex(ni, 1)), (complex(ni, 1), complex(ni, 0)), (complex(pi, 1), complex(pi, 2)),
             (complex(pi, 1), complex(pi, 1)), (complex(pi, 1), 3 + 1j), (complex(ni, 1), 3 + 1j),
             (complex(nan, 0), 1j), (1j, complex(0, nan)), (complex(pi, 0), complex(ni, 0)), (1 + 2j, 1 + 0.5j)]
    a, b = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    np.testing.assert_array_equal(tg.logaddexp(tg.tensor(a), tg.tensor(b)).numpy(),
                                  torch.logaddexp(torch.tensor(a), torch.tensor(b)).numpy())
    for v in ([1j, complex(0, nan)], [complex(0, nan), 1 + 0j], [1 + 1j, complex(pi, nan)]):
        np.testing.assert_array_equal(tg.logcumsumexp(tg.tensor(np.array(v)), 0).numpy(),
                                      torch.logcumsumexp(torch.tensor(np.array(v)), 0).numpy())
