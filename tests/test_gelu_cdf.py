"""Exact GELU keeps Phi(x) from its forward for its backward (backend/_numba_kernels.py: _gelu_fwd_cdf,
_gelu_bwd_cdf), so the erf is evaluated once a step: the kept-cdf gradient must be the recomputing kernel's bit for
bit, and both torch's, on random inputs, extremes (NaN, +-inf, -0.0, +-1000, the -4 sqrt(2) cut), transposed and
strided inputs and gradients, float16 and float64 (the numpy path); a call with nothing to record keeps nothing."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.backend import cpu

SPECIAL = [0.0, -0.0, np.nan, np.inf, -np.inf, 1000.0, -1000.0, -5.656854, -5.656855, -5.7, 5.7, 1e-8, -1e-8,
           3e38, -3e38, 10.0, -10.0]
ULP = np.finfo(np.float32).eps


def _kernels():
    k = cpu.set_fused(True)
    if k is None:
        pytest.skip("numba kernels unavailable")
    return k


def _input(shape, seed, dtype=np.float32):
    x = np.random.default_rng(seed).normal(0.0, 3.0, shape).astype(dtype)
    with np.errstate(over="ignore"):  # 3e38 is inf in float16
        x.reshape(-1)[:len(SPECIAL)] = SPECIAL
    return x


def _layout(a, layout):
    if layout == "T":
        return np.ascontiguousarray(a.T).T
    if layout == "step":
        return np.repeat(a, 2, axis=0)[::2]
    return a


def _both(x, g):
    """(teenygrad y, dx), (torch y, dx) for F.gelu on x with upstream gradient g."""
    out = []
    for lib, wrap in ((tg, tg.Tensor._from_data), (torch, torch.from_numpy)):
        t = wrap(x).requires_grad_() if lib is tg else torch.from_numpy(x.copy()).requires_grad_()
        y = lib.nn.functional.gelu(t)
        y.backward(wrap(g) if lib is tg else torch.from_numpy(g.copy()))
        out.append((y.detach().numpy(), t.grad.numpy()))
    return out


def _close(a, b, atol):
    """Equal NaN pattern, equal infinities, finite values within atol + 4 ulp of b."""
    assert a.dtype == b.dtype and a.shape == b.shape
    assert (np.isnan(a) == np.isnan(b)).all()
    fin = np.isfinite(b)
    assert (a[~fin & ~np.isnan(b)] == b[~fin & ~np.isnan(b)]).all()
    np.testing.assert_allclose(a[fin], b[fin], rtol=4 * np.finfo(b.dtype).eps, atol=atol)


@pytest.mark.parametrize("layout", ["contig", "T", "step"])
@pytest.mark.parametrize("glayout", ["contig", "T"])
def test_kept_cdf_gradient_like_torch(layout, glayout):
    _kernels()
    x = _layout(_input((48, 70), 1), layout)
    g = _layout(np.random.default_rng(2).normal(size=(48, 70)).astype(np.float32), glayout)
    (y, dx), (ty, tdx) = _both(x, g)
    _close(y, ty, atol=2e-6)   # Eigen's float32 erf against torch's: 1.4e-6 at most on [-12, 12] (x = 5.64, 2 ulp)
    _close(dx, tdx, atol=1e-6)


def test_kept_cdf_is_the_recomputed_gradient_bit_for_bit():
    k = _kernels()
    x = _input((64, 300), 3)
    g = np.random.default_rng(4).normal(size=x.shape).astype(np.float32)
    y, cdf = k.gelu(x, keep_cdf=True)
    assert (y.view(np.int32) == k.gelu(x).view(np.int32)).all()
    kept, again = k.gelu_backward(x, g, cdf=cdf), k.gelu_backward(x, g)
    assert (np.isnan(kept) == np.isnan(again)).all()
    assert (kept[~np.isnan(kept)].view(np.int32) == again[~np.isnan(again)].view(np.int32)).all()


def test_node_keeps_cdf_only_when_recorded():
    _kernels()
    x = tg.Tensor(_input((8, 16), 5), requires_grad=True)
    y = tg.nn.functional.gelu(x)
    assert y.grad_fn is not None and isinstance(y._ctx.__dict__.get("cdf"), np.ndarray)
    with tg.no_grad():
        assert tg.nn.functional.gelu(x)._ctx is None
    assert tg.nn.functional.gelu(x, approximate="tanh")._ctx.cdf is None  # nothing kept for the tanh form


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_other_dtypes_like_torch(dtype):
    _kernels()
    x = _input((16, 24), 6, dtype)
    g = np.random.default_rng(7).normal(size=x.shape).astype(dtype)
    (y, dx), (ty, tdx) = _both(x, g)
    atol = 1e-12 if dtype == np.float64 else 2e-3
    _close(y, ty, atol)
    _close(dx, tdx, atol * 10)


def test_saved_tensors_hooks_see_the_kept_cdf():
    _kernels()
    packed = []
    x = tg.Tensor(_input((8, 16), 8), requires_grad=True)
    with tg.autograd.graph.saved_tensors_hooks(lambda t: packed.append(t) or t * 1, lambda t: t):
        y = tg.nn.functional.gelu(x)
    y.sum().backward()
    tx = torch.from_numpy(x.numpy().copy()).requires_grad_()
    torch.nn.functional.gelu(tx).sum().backward()
    _close(x.grad.numpy(), tx.grad.numpy(), atol=1e-6)
    assert len(packed) >= 1
