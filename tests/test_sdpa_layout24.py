"""scaled_dot_product_attention's output layout follows torch's CPU kernels: (b, L, h, Ev) in memory when the query is
laid out so (nanoGPT's heads, x.view(b, t, h, e).transpose(1, 2)), C order otherwise; values and gradients as before,
bit for bit, and as torch's."""
import contextlib
import sys

import numpy as np
import pytest
import torch

import teenygrad as tg

B, H, T, HS = 2, 4, 8, 16
TOL = {np.float32: 2e-5, np.float64: 1e-10}


def _heads(lib, x, t=T, requires_grad=False):
    """q, k, v as nanoGPT makes them: one (b, t, 3 h hs) array split three ways, each (b, h, t, hs)."""
    x = lib.tensor(x, requires_grad=requires_grad)
    return x, [a.view(B, t, H, HS).transpose(1, 2) for a in x.split(H * HS, dim=2)]


def _x(dtype=np.float32, t=T, seed=0):
    return np.random.default_rng(seed).standard_normal((B, t, 3 * H * HS)).astype(dtype)


def _mask_kw(lib, kind, t=T):
    rng = np.random.default_rng(1)
    if kind == "causal":
        return {"is_causal": True}
    if kind == "bool":
        return {"attn_mask": lib.tensor(np.tril(np.ones((t, t), bool)) | (rng.random((t, t)) > 0.5))}
    if kind == "float":
        return {"attn_mask": lib.tensor(rng.standard_normal((t, t)).astype(np.float32))}
    return {}


@pytest.mark.parametrize("kind", ["none", "causal", "bool", "float"])
@pytest.mark.parametrize("grad", [False, True])
def test_output_strides_as_torch_for_split_heads(kind, grad):
    x = _x()
    strides = []
    for lib in (torch, tg):
        _, (q, k, v) = _heads(lib, x, requires_grad=grad)
        y = lib.nn.functional.scaled_dot_product_attention(q, k, v, **_mask_kw(lib, kind))
        strides.append(tuple(y.stride()))
        assert y.transpose(1, 2).is_contiguous()  # nanoGPT's y.transpose(1, 2).contiguous() copies nothing
    assert strides[0] == strides[1]


@pytest.mark.parametrize("layout", ["contiguous", "weird", "cross", "dropout", "3d"])
def test_output_strides_as_torch_elsewhere(layout):
    rng = np.random.default_rng(2)
    strides = []
    for lib in (torch, tg):
        kw = {}
        if layout == "contiguous":
            q = k = v = lib.tensor(rng.standard_normal((B, H, T, HS)).astype(np.float32))
        elif layout == "weird":  # (b, h, hs, t) in memory: torch's output is C order there
            q = k = v = lib.tensor(rng.standard_normal((B, H, HS, T)).astype(np.float32)).transpose(2, 3)
        elif layout == "cross":  # 3 queries against T keys: the query's layout decides
            q = _heads(lib, _x(t=3), t=3)[1][0]
            _, (_, k, v) = _heads(lib, _x())
        elif layout == "dropout":  # torch's math path: C order
            _, (q, k, v) = _heads(lib, _x())
            kw = {"dropout_p": 0.5}
        else:
            q = k = v = lib.tensor(rng.standard_normal((H, HS, T)).astype(np.float32)).transpose(1, 2)
        strides.append(tuple(lib.nn.functional.scaled_dot_product_attention(q, k, v, **kw).stride()))
    assert strides[0] == strides[1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["none", "causal", "bool", "float"])
def test_values_and_grads_as_torch(dtype, kind):
    x = _x(dtype)
    w = np.random.default_rng(3).standard_normal((B, H, T, HS)).astype(dtype)
    got = []
    for lib in (torch, tg):
        xt, (q, k, v) = _heads(lib, x, requires_grad=True)
        kw = _mask_kw(lib, kind)
        if dtype == np.float64 and "attn_mask" in kw and kw["attn_mask"].dtype == lib.float32:
            kw["attn_mask"] = kw["attn_mask"].double()
        y = lib.nn.functional.scaled_dot_product_attention(q, k, v, **kw)
        (y * lib.tensor(w)).sum().backward()
        got.append((y.detach().numpy(), xt.grad.numpy()))
    for a, b in zip(*got):
        np.testing.assert_allclose(b, a, rtol=TOL[dtype], atol=TOL[dtype])


def _old_layout(monkeypatch):
    nn = sys.modules["teenygrad.ops.nn"]
    monkeypatch.setattr(nn, "_attention_out", lambda p, v, q: nn._bmm(p, v))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["none", "causal", "bool"])
def test_bit_identical_to_c_order_output(monkeypatch, dtype, kind):
    """The layout changes where BLAS writes, not what: nanoGPT's attention block, forward and backward, both ways."""
    x = _x(dtype)
    runs = []
    for old in (False, True):
        if old:
            _old_layout(monkeypatch)
        xt, (q, k, v) = _heads(tg, x, requires_grad=True)
        y = tg.nn.functional.scaled_dot_product_attention(q, k, v, **_mask_kw(tg, kind))
        z = y.transpose(1, 2).contiguous().view(B, T, H * HS)
        (z * z).sum().backward()
        runs.append((z.numpy(), xt.grad.numpy(), tuple(y.stride())))
        with tg.no_grad():  # the inference path (nothing recorded) too
            runs[-1] += (tg.nn.functional.scaled_dot_product_attention(q, k, v, **_mask_kw(tg, kind)).numpy(),)
    new, old = runs
    assert new[2] != old[2]  # the two layouts were compared
    for a, b in zip(new[:2] + new[3:], old[:2] + old[3:]):
        assert a.dtype == b.dtype and np.array_equal(a.view(np.uint8), b.view(np.uint8))


def test_double_backward_as_torch():
    """create_graph through the strided output (torch's flash kernel has no double backward: its math path is the
    oracle)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    x = _x(np.float64)
    got = []
    for lib in (torch, tg):
        xt, (q, k, v) = _heads(lib, x, requires_grad=True)
        with sdpa_kernel(SDPBackend.MATH) if lib is torch else contextlib.nullcontext():
            y = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        z = y.transpose(1, 2).contiguous().view(B, T, H * HS)
        (g,) = lib.autograd.grad((z * z).sum(), xt, create_graph=True)
        (g * g).sum().backward()
        got.append((g.detach().numpy(), xt.grad.numpy()))
    for a, b in zip(*got):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-9)
