"""The CPU backend's fused kernels (numba, optional) and thread pool against PyTorch / numpy."""
import numpy as np
import pytest
import torch

from teenygrad.backend import cpu

numba = pytest.importorskip("numba")
K = cpu.fused()
pytestmark = pytest.mark.skipif(K is None, reason="fused kernels are off (TEENYGRAD_NUMBA=0)")
TOL = dict(atol=2e-5, rtol=1e-4)


def _rand(shape, seed=0, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


@pytest.fixture(params=[1, 2], ids=["serial", "pool2"])
def threads(request, monkeypatch):
    old = cpu.get_num_threads()
    monkeypatch.setenv("TEENYGRAD_POOL", "1")
    cpu.set_num_threads(request.param)
    yield request.param
    monkeypatch.undo()
    cpu.set_num_threads(old)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("shape", [(7,), (12, 64, 512)])
def test_gelu(threads, approximate, shape):
    x, g = _rand(shape, 1, 3.0), _rand(shape, 2)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yt = torch.nn.functional.gelu(xt, approximate=approximate)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(K.gelu(x, approximate), yt.detach().numpy(), **TOL)
    np.testing.assert_allclose(K.gelu_backward(x, g, approximate), xt.grad.numpy(), **TOL)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_far_tails(approximate):
    # large |x|: no overflow to inf (x e^2u once did for x >= 16), no visible error from 1 + erf rounding (x = -1000
    # gave -3e-5), gradients finite; torch gives x and 0 there
    x = np.array([-1000, -100, -20, -8, -5.6, -4, 4, 8, 16, 20, 50, 100, 1000], np.float32)
    g = np.ones_like(x)
    y, dx = K.gelu(x, approximate), K.gelu_backward(x, g, approximate)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.gelu(tx, approximate=approximate)
    ty.backward(torch.tensor(g))
    assert np.isfinite(y).all() and np.isfinite(dx).all()
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(3, 5), (12, 64, 128)])
def test_layer_norm(threads, shape):
    x, g = _rand(shape, 3, 2.0) + 1.0, _rand(shape, 4)
    w, b = _rand(shape[-1:], 5), _rand(shape[-1:], 6)
    xt, wt, bt = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
    yt = torch.nn.functional.layer_norm(xt, shape[-1:], wt, bt)
    yt.backward(torch.from_numpy(g))
    y, mean, rstd = K.layer_norm(x, w, b, 1e-5)
    np.testing.assert_allclose(y, yt.detach().numpy(), **TOL)
    dx, dw, db = K.layer_norm_backward(g, x, w, mean, rstd)
    for got, ref in ((dx, xt.grad), (dw, wt.grad), (db, bt.grad)):
        np.testing.assert_allclose(got, ref.numpy(), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", [(2, 3, 5, 5), (12, 4, 64, 64), (2, 3, 4, 9)])
def test_softmax(threads, causal, shape):
    s, dp = _rand(shape, 7, 4.0), _rand(shape, 8)
    st = torch.from_numpy(s.copy()).requires_grad_()
    z = st * 0.5
    if causal:
        mask = torch.ones(shape[-2:], dtype=torch.bool).tril()
        z = z.masked_fill(~mask, float("-inf"))
    pt = torch.softmax(z, -1)
    pt.backward(torch.from_numpy(dp))
    p = K.softmax(s, 0.5, causal_offset=0 if causal else None)
    np.testing.assert_allclose(p, pt.detach().numpy(), **TOL)
    np.testing.assert_allclose(K.softmax_backward(p, dp.copy(), 0.5), st.grad.numpy(), **TOL)


def test_cross_entropy():
    x = _rand((50, 65), 9, 3.0)
    t = np.random.default_rng(10).integers(0, 65, 50)
    t[[3, 7]] = -1
    xt = torch.from_numpy(x.copy()).requires_grad_()
    lt = torch.nn.functional.cross_entropy(xt, torch.from_numpy(t), ignore_index=-1)
    lt.backward()
    loss, p, kept = K.cross_entropy(x, t, -1)
    assert kept == 48
    np.testing.assert_allclose(loss.sum() / kept, lt.item(), **TOL)
    np.testing.assert_allclose(K.cross_entropy_backward(p, t, -1, np.float32(1 / kept)), xt.grad.numpy(), **TOL)


def test_scatter_add_rows():
    idx = np.random.default_rng(11).integers(-20, 20, 300)
    rows = _rand((300, 16), 12)
    out, ref = np.zeros((20, 16), np.float32), np.zeros((20, 16), np.float32)
    np.add.at(ref, idx, rows)
    np.testing.assert_allclose(K.scatter_add_rows(out, idx, rows), ref, **TOL)


def test_adamw(threads):
    p, g = _rand(70000, 13), _rand(70000, 14)
    pt = torch.from_numpy(p.copy()).requires_grad_()
    opt = torch.optim.AdamW([pt], lr=1e-2, betas=(0.9, 0.99), weight_decay=0.1)
    m, v = np.zeros_like(p), np.zeros_like(p)
    for step in (1, 2, 3):
        pt.grad = torch.from_numpy(g * step)
        opt.step()
        K.adamw_(p, g * step, m, v, 1e-2, 0.9, 0.99, 1e-8, 0.1, step)
    np.testing.assert_allclose(p, pt.detach().numpy(), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("shape", [((768, 128), (128, 384)), ((5, 3), (3, 2))])
def test_pool_matmul(threads, shape):
    a, b = _rand(shape[0], 15), _rand(shape[1], 16)
    np.testing.assert_allclose(cpu.matmul(a, b), a @ b, atol=1e-4, rtol=1e-5)
    np.testing.assert_allclose(cpu.matmul(np.asfortranarray(a), b[:, ::-1]), a @ b[:, ::-1], atol=1e-4, rtol=1e-5)
    a3, b3 = _rand((48, 64, 32), 17), _rand((48, 32, 64), 18)
    np.testing.assert_allclose(cpu.bmm(a3, b3), a3 @ b3, atol=1e-4, rtol=1e-5)


def test_pool_propagates_errors(threads):
    def body(lo, hi):
        if hi == 1000:
            raise ValueError("boom")
    if threads == 2:
        assert cpu.pool() is not None
        with pytest.raises(ValueError, match="boom"):
            cpu.parallel_for(1000, body)
    cpu.parallel_for(10, lambda lo, hi: None)   # the pool is still usable afterwards


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_kernels_keep_nan(approximate):
    # fastmath's no-nan promise turned gelu(nan) into 0 in the float32 kernel; torch gives nan
    import teenygrad as tg
    import teenygrad.nn.functional as F
    x = tg.tensor(np.array([np.nan, 1.0, -2.0], np.float32), requires_grad=True)
    y = F.gelu(x, approximate=approximate)
    y.sum().backward()
    assert np.isnan(y.numpy()).tolist() == [True, False, False]
    assert np.isnan(x.grad.numpy()).tolist() == [True, False, False]
