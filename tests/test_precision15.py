"""Precision against torch: half-precision RMSNorm and logaddexp computed in float32 and rounded once, and the
float32 cross-entropy kernel at large logits (fastmath's reassociation lost its digits)."""
import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.nn.functional as F

HALF = [(tg.float16, torch.float16), (tg.bfloat16, torch.bfloat16)]


def _pair(a, dtype, tdtype):
    return (tg.tensor(a, dtype=dtype, requires_grad=True),
            torch.tensor(a, dtype=tdtype, requires_grad=True))


def _np(t):
    return t.detach().float().numpy() if isinstance(t, torch.Tensor) else t.float().numpy()


@pytest.mark.parametrize("dtype,tdtype", HALF)
@pytest.mark.parametrize("rows", [[[300., 1.]], [[1e-4, 2e-4]]])
def test_rms_norm_half_values(dtype, tdtype, rows):
    x, tx = _pair(rows, dtype, tdtype)
    y, ty = F.rms_norm(x, (2,)), torch.nn.functional.rms_norm(tx, (2,))
    assert y.dtype == dtype
    np.testing.assert_array_equal(_np(y), _np(ty))


@pytest.mark.parametrize("dtype,tdtype", HALF)
@pytest.mark.parametrize("weight", [False, True])
def test_rms_norm_half_random(dtype, tdtype, weight):
    rng = np.random.default_rng(15)
    a = (rng.standard_normal((6, 3, 16)) * rng.choice([1e-3, 1.0, 200.0], (6, 1, 1))).astype(np.float32)
    x, tx = _pair(a, dtype, tdtype)
    w, tw = _pair(rng.standard_normal(16).astype(np.float32), dtype, tdtype) if weight else (None, None)
    y = F.rms_norm(x.transpose(0, 1), (16,), w)           # a strided input
    ty = torch.nn.functional.rms_norm(tx.transpose(0, 1), (16,), tw)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(tg.tensor(g, dtype=dtype))
    ty.backward(torch.tensor(g, dtype=tdtype))
    assert y.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_array_equal(_np(y), _np(ty))      # one rounding of the float32 result: exact
    ulp = 2e-3 if dtype == tg.float16 else 1.6e-2
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=2 * ulp, atol=2 * ulp * np.abs(_np(tx.grad)).max())
    if weight:
        assert w.grad.dtype == dtype
        np.testing.assert_allclose(_np(w.grad), _np(tw.grad), rtol=4 * ulp, atol=4 * ulp * np.abs(_np(tw.grad)).max())


def test_rms_norm_float32_unchanged():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 32)).astype(np.float32)
    y = F.rms_norm(tg.tensor(a), (32,))
    assert y.dtype == tg.float32
    np.testing.assert_allclose(y.numpy(), torch.nn.functional.rms_norm(torch.tensor(a), (32,)).numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype,tdtype", HALF)
def test_logaddexp_half(dtype, tdtype):
    a, ta = _pair([1.5], dtype, tdtype)
    b, tb = _pair([1.0], dtype, tdtype)
    np.testing.assert_array_equal(_np(a.logaddexp(b)), _np(ta.logaddexp(tb)))   # bfloat16: 1.9765625, not 1.96875
    rng = np.random.default_rng(2)
    u = (rng.standard_normal((5, 40)) * 4).astype(np.float32)
    v = (rng.standard_normal((5, 40)) * 4).astype(np.float32)
    u[0, :4], v[0, :4] = [np.inf, -np.inf, 3, -np.inf], [np.inf, -np.inf, np.inf, 2]
    x, tx = _pair(u, dtype, tdtype)
    y, ty = _pair(v, dtype, tdtype)
    out, tout = x.logaddexp(y), tx.logaddexp(ty)
    assert out.dtype == dtype
    np.testing.assert_array_equal(_np(out), _np(tout))
    x, tx = _pair(u[1:], dtype, tdtype)     # the gradient on finite rows (at equal infinities it's another matter)
    y, ty = _pair(v[1:], dtype, tdtype)
    out, tout = x.logaddexp(y), tx.logaddexp(ty)
    out.sum().backward()
    tout.sum().backward()
    assert x.grad.dtype == dtype
    ulp = 1e-3 if dtype == tg.float16 else 8e-3
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=ulp, atol=ulp)
    np.testing.assert_allclose(_np(y.grad), _np(ty.grad), rtol=ulp, atol=ulp)


@pytest.mark.parametrize("v", [3.0, 1e4, 1e6, 1e8, -1e8])
def test_cross_entropy_large_logits(v):
    x = np.array([[v, v, v - 1], [v - 1, v, v]], np.float32)
    t = np.array([2, 0])
    out = F.cross_entropy(tg.tensor(x), tg.tensor(t), reduction="none").numpy()
    want = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t), reduction="none").numpy()
    np.testing.assert_array_equal(out, want)    # v = 1e4: 1.8623 was 1.8620; v = 1e8: 0 was log 3


def test_cross_entropy_shifted_rows_match_torch():
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((64, 65)) + rng.choice([0.0, 1e3, -5e4, 2e5], (64, 1))).astype(np.float32)
    t = rng.integers(0, 65, 64)
    t[5] = -100
    out = F.cross_entropy(tg.tensor(x), tg.tensor(t), reduction="none").numpy()
    want = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t), reduction="none").numpy()
    assert out[5] == 0
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
