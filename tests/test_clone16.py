"""clone(memory_format=...) lays its copy out as torch's does: the input's axis order by default (a transpose stays a
transpose, gaps close, an expanded axis keeps its place: torch's infer_dense_strides), C order for contiguous_format;
compared with torch on random permuted, sliced and expanded views, with and without autograd."""
import numpy as np
import pytest
import torch

import teenygrad as tg


def _views(seed, n):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        nd = int(rng.integers(1, 5))
        base = rng.standard_normal(tuple(int(s) for s in rng.integers(1, 5, nd))).astype(np.float32)
        perm = tuple(int(p) for p in rng.permutation(nd))
        sl = tuple(slice(None, None, int(rng.integers(1, 3))) for _ in range(nd))
        e, pos = int(rng.integers(0, 3)), int(rng.integers(0, nd + 1))

        def make(m, base=base, perm=perm, sl=sl, e=e, pos=pos):
            x = m.from_numpy(base.copy()).permute(*perm)[sl]
            if e:
                x = x.unsqueeze(pos)
                x = x.expand(*[e + 1 if i == pos else s for i, s in enumerate(x.shape)])
            return x
        yield make


def _big_strides(t):
    return [s for s, n in zip(t.stride(), t.shape) if n > 1]   # a size-1 axis's stride is never read


@pytest.mark.parametrize("fmt", [None, "preserve_format", "contiguous_format"])
@pytest.mark.parametrize("grad", [False, True])
def test_clone_strides_match_torch(fmt, grad):
    compared = 0
    for make in _views(7, 400):
        xt, xg = make(torch), make(tg)
        if grad:
            xt, xg = xt.detach().requires_grad_(), xg.detach().requires_grad_()
        kt = {} if fmt is None else {"memory_format": getattr(torch, fmt)}
        kg = {} if fmt is None else {"memory_format": getattr(tg, fmt)}
        a, b = xt.clone(**kt), xg.clone(**kg)
        np.testing.assert_array_equal(b.detach().numpy(), a.detach().numpy())
        if xt.stride() == xg.stride():   # numpy may give a size-1 axis another stride than torch: same input only
            assert _big_strides(b) == _big_strides(a), (tuple(xt.shape), xt.stride(), a.stride(), b.stride())
            assert b.is_contiguous() == a.is_contiguous()
            compared += 1
        assert b.requires_grad == grad
    assert compared > 150


def test_clone_transposed_keeps_layout_and_view_refuses_as_torch():
    xt, xg = torch.randn(3, 4).t(), tg.randn(3, 4).t()
    assert xg.clone().stride() == xt.clone().stride() == (1, 4)
    assert not xg.clone().is_contiguous()
    with pytest.raises(RuntimeError):
        xt.clone().view(-1)
    with pytest.raises(RuntimeError):
        xg.clone().view(-1)
    assert tg.clone(xg, memory_format=tg.contiguous_format).view(-1).shape == (12,)


def test_clone_is_a_copy_and_gradient_flows():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5))
    xt = torch.tensor(a, requires_grad=True)
    xg = tg.tensor(a, requires_grad=True)
    w = rng.standard_normal((5, 4))
    yt, yg = xt.t().clone(), xg.t().clone()
    (yt * torch.tensor(w)).sum().backward()
    (yg * tg.tensor(w)).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy())
    yg2 = xg.detach().t().clone()
    yg2[0, 0] = 100.0
    assert xg[0, 0].item() != 100.0


def test_clone_gradcheck_float64_on_views():
    from teenygrad.autograd import gradcheck
    x = tg.tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda t: (t.t().clone() * t.t().clone()).sum(), (x,))
    assert gradcheck(lambda t: t[:, ::2].permute(1, 0).clone(memory_format=tg.contiguous_format).exp(), (x,))


def test_clone_memory_format_refusals():
    with pytest.raises(RuntimeError, match="clone: required rank 4"):
        tg.randn(3, 4).clone(memory_format=tg.channels_last)
    with pytest.raises(RuntimeError):
        torch.randn(3, 4).clone(memory_format=torch.channels_last)
    with pytest.raises(RuntimeError, match="rank 5"):
        tg.randn(2, 3, 4, 5).clone(memory_format=tg.channels_last_3d)
    with pytest.raises(TypeError, match="memory_format"):
        tg.randn(3).clone(memory_format="contiguous")
    y = tg.randn(2, 3, 4, 5).clone(memory_format=tg.channels_last)   # values kept (C order, teenygrad's layout)
    assert y.shape == (2, 3, 4, 5)
