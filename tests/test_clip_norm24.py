"""clip_grad_norm_'s 2-norm takes one vdot per gradient without _vector_norm's per-call tests when all gradients
share a float dtype of 4+ bytes: the same norms bit for bit as the general path, and torch's within rounding."""
import importlib

import numpy as np
import pytest
import torch

import teenygrad as tg

U = importlib.import_module("teenygrad.nn.utils")


def _grads(dtype, seed=0):
    """Gradients of several shapes and layouts: a transposed (non-contiguous) one, a 0-d one and an empty one."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((7, 5)).astype(dtype), rng.standard_normal((5, 7)).astype(dtype).T,
            rng.standard_normal((33,)).astype(dtype), np.asarray(rng.standard_normal(), dtype=dtype),
            np.zeros((0, 3), dtype), rng.standard_normal((4, 3, 2)).astype(dtype)[:, ::2]]


def _params(lib, grads):
    ps = []
    for g in grads:
        p = lib.zeros(g.shape, dtype=getattr(lib, g.dtype.name), requires_grad=True)
        p.grad = lib.tensor(g)  # the transposed / sliced layouts as they are in teenygrad (torch copies: no matter)
        if lib is tg:
            p.grad._data = g
        ps.append(p)
    return ps


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("max_norm", [1e3, 0.5])
def test_clip_grad_norm_as_torch(dtype, max_norm):
    out = []
    for lib in (torch, tg):
        ps = _params(lib, _grads(dtype))
        total = lib.nn.utils.clip_grad_norm_(ps, max_norm)
        out.append((total.numpy(), [p.grad.numpy() for p in ps]))
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert out[0][0].dtype == out[1][0].dtype
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=tol)
    for a, b in zip(out[0][1], out[1][1]):
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_norms_bit_identical_to_the_general_path(dtype):
    grads = _grads(dtype, seed=1)
    general = np.array([g.dtype.type(U._vector_norm(g.reshape(-1), 2.0)) for g in grads], dtype=dtype)
    total = U._vector_norm(general, 2.0)
    got = U._total_norm(grads, 2.0, False)
    assert got.dtype == dtype and np.array_equal(got, np.asarray(total, dtype=dtype))


def test_one_vector_norm_call_for_float_gradients(monkeypatch):
    """The fast path is taken: _vector_norm runs once (the norm of the norms), not once per gradient as well."""
    calls = []
    real = U._vector_norm
    monkeypatch.setattr(U, "_vector_norm", lambda a, p: calls.append(a.size) or real(a, p))
    U._total_norm(_grads(np.float32), 2.0, False)
    assert len(calls) == 1


@pytest.mark.parametrize("case", ["mixed", "half", "p1", "nonfinite"])
def test_other_cases_keep_the_general_path(case):
    """Mixed dtypes (each norm in its own dtype, then promoted), float16 (widened), other orders and
    error_if_nonfinite: as torch."""
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((6, 4)), rng.standard_normal((9,))
    if case == "mixed":
        grads, kw = [a.astype(np.float32), b], {}
    elif case == "half":
        grads, kw = [a.astype(np.float16), b.astype(np.float16)], {}
    elif case == "p1":
        grads, kw = [a.astype(np.float32), b.astype(np.float32)], {"norm_type": 1.0}
    else:
        grads, kw = [a.astype(np.float32), np.array([np.inf, 1.0], np.float32)], {"error_if_nonfinite": True}
    out = []
    for lib in (torch, tg):
        ps = _params(lib, grads)
        try:
            out.append(lib.nn.utils.clip_grad_norm_(ps, 1.0, **kw).numpy())
        except RuntimeError as e:
            out.append(type(e))
    if case == "nonfinite":
        assert out == [RuntimeError, RuntimeError]
        return
    assert out[0].dtype == out[1].dtype
    np.testing.assert_allclose(out[1], out[0], rtol=1e-3 if case == "half" else 1e-6)
