"""Reductions of complex tensors against torch: values and dtypes (var/std/norm are real, the rest complex),
gradients in torch's convention (a real loss, dRe + i dIm) and, where the real op has one, the double backward.
Also pow's second derivative with respect to a complex exponent."""
import numpy as np
import pytest
import torch

import teenygrad as tg

TOL = {np.complex64: dict(rtol=2e-4, atol=2e-5), np.complex128: dict(rtol=1e-9, atol=1e-11)}


def _c(rng, shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def _weights(rng, shape, is_complex):
    w = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if is_complex else 0)
    return np.asarray(w, np.complex128 if is_complex else np.float64)


def _loss(m, out, w):
    """(out * w).real.sum() for a complex out, (out * w).sum() for a real one"""
    wt = m.tensor(w).to(out.dtype)
    return (out * wt).real.sum() if out.is_complex() else (out * wt).sum()


def _run(m, f, xa, w, v, twice):
    x = m.tensor(xa, requires_grad=True)
    src = x.transpose(0, 1) if xa.ndim == 2 else x  # a non-contiguous view
    out = f(m, src)
    g, = m.autograd.grad(_loss(m, out, w), x, create_graph=twice)
    h = m.autograd.grad((g * m.tensor(v)).real.sum(), x)[0].numpy() if twice else None
    return out.detach().numpy(), str(out.dtype).split(".")[-1], g.detach().numpy(), h


def _compare(f, xa, twice, seed=1):
    rng = np.random.default_rng(seed)
    out = f(torch, torch.tensor(xa).transpose(0, 1) if xa.ndim == 2 else torch.tensor(xa))
    w = _weights(rng, out.shape, out.is_complex())
    v = _c(rng, xa.shape, xa.dtype)
    tol = TOL[xa.dtype.type]
    ref, got = _run(torch, f, xa, w, v, twice), _run(tg, f, xa, w, v, twice)
    assert got[1] == ref[1]
    for r, g in zip((ref[0], ref[2], ref[3]), (got[0], got[2], got[3])):
        if r is not None:
            np.testing.assert_allclose(g, r, **tol)


REDUCTIONS = {  # name: (f, whether to check the double backward: not for linear ones, whose is 0)
    "sum": (lambda m, t: t.sum(), False),
    "sum_dim": (lambda m, t: t.sum(-1), False),
    "mean": (lambda m, t: t.mean(), False),
    "mean_dim": (lambda m, t: t.mean(0, keepdim=True), False),
    "prod": (lambda m, t: t.prod(-1), True),
    "cumsum": (lambda m, t: t.cumsum(0), False),
    "cumprod": (lambda m, t: t.cumprod(-1), True),
    "var": (lambda m, t: t.var(), True),
    "var_dim": (lambda m, t: t.var(-1), True),
    "var_corr0": (lambda m, t: t.var(0, correction=0, keepdim=True), True),
    "std": (lambda m, t: t.std(), True),
    "std_dim": (lambda m, t: t.std(-1, unbiased=False), True),
    "var_mean_var": (lambda m, t: m.var_mean(t, -1)[0], True),
    "var_mean_mean": (lambda m, t: m.var_mean(t, -1)[1], False),
    "std_mean_std": (lambda m, t: m.std_mean(t, 0)[0], True),
    "logsumexp": (lambda m, t: t.logsumexp(-1), True),
    "logsumexp_all": (lambda m, t: t.logsumexp((0, 1), keepdim=True), True),
    "norm": (lambda m, t: t.norm(), True),
    "norm_dim": (lambda m, t: t.norm(dim=-1), True),
    "norm_p1": (lambda m, t: t.norm(p=1, dim=0), True),
    "norm_p3": (lambda m, t: t.norm(p=3, dim=-1), True),
    "norm_inf": (lambda m, t: t.norm(p=float("inf"), dim=-1), False),
}


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_complex_reduction_matches_torch(name, dtype):
    f, twice = REDUCTIONS[name]
    _compare(f, _c(np.random.default_rng(0), (5, 4), dtype), twice and dtype == np.complex128)


@pytest.mark.parametrize("name", ["std_dim", "norm_dim"])
def test_complex_zero_row_gradient_is_zero_as_torch(name):
    """a constant row: std (and a zero vector's norm) has gradient 0 there in torch, not NaN"""
    xa = _c(np.random.default_rng(2), (4, 3), np.complex128)
    xa[:, 1] = 0 if name == "norm_dim" else 1.5 - 2j
    _compare(REDUCTIONS[name][0], xa, False)


def test_complex_logsumexp_large_real_parts():
    """the shift by the largest real part keeps e^z finite (torch gives a finite answer here)"""
    xa = _c(np.random.default_rng(3), (3, 4), np.complex64) + 200
    _compare(REDUCTIONS["logsumexp"][0], xa, False)


@pytest.mark.parametrize("x_complex, y_complex, y_shape", [(True, True, (3, 4)), (True, True, (4,)),
                                                           (False, True, (3, 4)), (True, False, (3, 4))])
def test_pow_second_derivative_complex(x_complex, y_complex, y_shape):
    rng = np.random.default_rng(4)
    xa = _c(rng, (3, 4), np.complex128) if x_complex else rng.standard_normal((3, 4))  # real x < 0 too
    ya = _c(rng, y_shape, np.complex128) if y_complex else rng.standard_normal(y_shape)
    w, vx, vy = _c(rng, (3, 4), np.complex128), _c(rng, (3, 4), np.complex128), _c(rng, y_shape, np.complex128)
    res = []
    for m in (torch, tg):
        x, y = m.tensor(xa, requires_grad=True), m.tensor(ya, requires_grad=True)
        gx, gy = m.autograd.grad(((x ** y) * m.tensor(w)).real.sum(), (x, y), create_graph=True)
        second = m.autograd.grad((gx * m.tensor(vx if x_complex else vx.real)).real.sum()
                                 + (gy * m.tensor(vy if y_complex else vy.real)).real.sum(), (x, y))
        res.append([t.detach().numpy() for t in (gx, gy, *second)])
    for r, g in zip(*res):
        np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("ord_", [2, 1, 3, float("inf"), 0.5])
@pytest.mark.parametrize("dim", [None, -1, (0, 1)])
def test_linalg_vector_norm_of_complex_as_torch(ord_, dim):
    # linalg.vector_norm refused complex tensors; torch returns the (real) norm of |z| and its gradient
    r = np.random.default_rng(7).standard_normal((2, 3, 4))
    a = (r[0] + 1j * r[1]).astype(np.complex64)
    t, g = torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)
    want, got = torch.linalg.vector_norm(t, ord_, dim), tg.linalg.vector_norm(g, ord_, dim)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5)
    want.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.resolve_conj().numpy(), rtol=1e-4, atol=1e-6)
