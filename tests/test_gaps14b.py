"""torch 2.13 parity: median / nanmedian / mode / logcumsumexp on bool (and the order of their checks), full
nanmedian's gradient and empty input, renorm's gradient on NaN rows, circular / replicate pads that empty or
overdraw a dim, hypot's gradient at subnormal values."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
import teenygrad as tg
import teenygrad.nn.functional as GF


def _raises_like(f_torch, f_tg):
    with pytest.raises(Exception) as et:
        f_torch()
    with pytest.raises(type(et.value)):
        f_tg()


@pytest.mark.parametrize("call", [
    lambda m, b: b.median(), lambda m, b: b.median(0), lambda m, b: b.median(5), lambda m, b: b.median(-3),
    lambda m, b: b.nanmedian(), lambda m, b: b.nanmedian(0), lambda m, b: b.nanmedian(5),
    lambda m, b: b.kthvalue(1, 5), lambda m, b: b.kthvalue(9, 0), lambda m, b: b.kthvalue(1, 0),
    lambda m, b: b.mode(5), lambda m, b: b.logcumsumexp(5), lambda m, b: b.logcumsumexp(0),
    lambda m, b: m.tensor(True).median(1), lambda m, b: m.tensor(True).median(0),
    lambda m, b: m.tensor(True).nanmedian(0), lambda m, b: m.zeros(3, 0, dtype=m.bool).median(1),
    lambda m, b: m.zeros(3, 0, dtype=m.bool).nanmedian(1), lambda m, b: m.zeros(3, 0, dtype=m.bool).mode(1),
    lambda m, b: m.tensor([1., 2.]).nanmedian(5)])
def test_bool_select_errors_in_torch_order(call):
    v = [True, False, True]
    _raises_like(lambda: call(torch, torch.tensor(v)), lambda: call(tg, tg.tensor(v)))


@pytest.mark.parametrize("shape,dim,keepdim", [((7,), 0, False), ((4, 5), 1, True), ((4, 5), 0, False),
                                               ((3, 4, 2), -2, False), ((), 0, False), ((), -1, True)])
def test_mode_bool(shape, dim, keepdim):
    a = np.random.default_rng(0).random(shape) < 0.5
    t = torch.tensor(a).mode(dim, keepdim)
    g = tg.tensor(a).mode(dim, keepdim)
    assert g.values.dtype == tg.bool
    np.testing.assert_array_equal(g.values.numpy(), t.values.numpy())
    np.testing.assert_array_equal(g.indices.numpy(), t.indices.numpy())
    if a.ndim < 2:
        return
    t = torch.tensor(a).mT.mode(-1)  # a non-contiguous view
    g = tg.tensor(a).mT.mode(-1)
    np.testing.assert_array_equal(g.values.numpy(), t.values.numpy())
    np.testing.assert_array_equal(g.indices.numpy(), t.indices.numpy())


@pytest.mark.parametrize("vals", [[2., 1., 2., 3., 2.], [np.nan, 2., 2., 1., 2., np.nan], [[3., 2.], [2., 2.]],
                                  [np.nan] * 3, [5.] * 4, [1., np.nan, 3., 3., np.nan, 0.]])
def test_nanmedian_full_gradient_shared_by_ties(vals):
    a = np.array(vals, np.float32)
    g_up = np.float32(1.7)
    xt = torch.tensor(a, requires_grad=True)
    yt = xt.nanmedian()
    (yt * g_up).backward()
    xg = tg.tensor(a, requires_grad=True)
    yg = xg.nanmedian()
    (yg * g_up).backward()
    assert yg.dtype == tg.float32
    np.testing.assert_array_equal(yg.numpy(), yt.detach().numpy())
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-6)


def test_nanmedian_full_random_with_ties_and_noncontiguous():
    a = np.random.default_rng(1).integers(0, 4, (6, 5)).astype(np.float64)
    a[a == 3] = np.nan
    xt = torch.tensor(a, requires_grad=True)
    xg = tg.tensor(a, requires_grad=True)
    yt, yg = xt.T.nanmedian(), xg.T.nanmedian()
    yt.backward()
    yg.backward()
    np.testing.assert_array_equal(yg.numpy(), yt.detach().numpy())
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape,dtype", [((0,), "float32"), ((0, 3), "float32"), ((2, 0), "float64")])
def test_nanmedian_empty_is_nan(shape, dtype):
    xt = torch.zeros(shape, dtype=getattr(torch, dtype), requires_grad=True)
    xg = tg.zeros(shape, dtype=getattr(tg, dtype), requires_grad=True)
    yt, yg = xt.nanmedian(), xg.nanmedian()
    assert yg.dtype == getattr(tg, dtype) and yg.shape == ()
    assert np.isnan(yg.item()) and np.isnan(yt.item())
    yt.backward()
    yg.backward()
    assert xg.grad.shape == tuple(xt.grad.shape)


@pytest.mark.parametrize("p,dim,maxnorm", [(2, 0, 1.0), (1, 1, 0.5), (3, -1, 2.0)])
def test_renorm_gradient_passes_through_nan_rows(p, dim, maxnorm):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 5)).astype(np.float32) * 2
    a[1, 2] = np.nan
    a[3, 0] = np.nan
    g = rng.standard_normal((4, 5)).astype(np.float32)
    xt = torch.tensor(a, requires_grad=True)
    xg = tg.tensor(a, requires_grad=True)
    yt, yg = xt.renorm(p, dim, maxnorm), xg.renorm(p, dim, maxnorm)
    (yt * torch.tensor(g)).sum().backward()
    (yg * tg.tensor(g)).sum().backward()
    np.testing.assert_allclose(yg.numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert not np.isnan(xt.grad.numpy()).all()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode,shape,pad", [
    ("circular", (1, 2, 1, 3), (-1, 1, 0, -1)), ("circular", (1, 2, 3), (-3, 0)), ("circular", (1, 2, 3), (-2, -1)),
    ("circular", (1, 2, 3), (-4, 1)), ("circular", (1, 1, 2, 3), (-3, 0, 1, 0)), ("circular", (1, 1, 2, 3), (0, 0, -2, 0)),
    ("circular", (1, 1, 1, 2, 3), (0, 0, 0, 0, -1, 0)), ("replicate", (1, 1, 2, 3), (-3, 0, 0, 0)),
    ("replicate", (1, 1, 2, 3), (0, 0, -2, 1)), ("replicate", (1, 1, 1, 2, 3), (-3, 0, 1, 0, 0, 0)),
    ("replicate", (2, 3, 4), (-1, 2))])
def test_pad_negative_emptying_a_dim(mode, shape, pad):
    a = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    t = TF.pad(torch.tensor(a), pad, mode=mode)
    g = GF.pad(tg.tensor(a), pad, mode=mode)
    assert g.shape == tuple(t.shape)
    np.testing.assert_array_equal(g.numpy(), t.numpy())
    assert tg.tensor(a).pad(pad, mode=mode).shape == tuple(t.shape)


@pytest.mark.parametrize("mode,shape,pad", [
    ("replicate", (2, 1, 1, 1), (-1, -1, 2, 2)), ("replicate", (2, 1, 1, 1), (2, 2, -1, -1)),
    ("replicate", (1, 2, 3), (-3, 0)), ("replicate", (3, 2, 3), (-2, -2)), ("replicate", (1, 1, 2, 3), (-3, 0, -2, 0)),
    ("replicate", (1, 1, 1, 2, 3), (-3, -1, 0, 0, 1, 1)), ("circular", (1, 2, 3), (-4, 0)),
    ("circular", (1, 1, 2, 3), (-3, 0, 3, 0))])
def test_pad_negative_size_raises(mode, shape, pad):
    a = np.zeros(shape, np.float32)
    _raises_like(lambda: TF.pad(torch.tensor(a), pad, mode=mode), lambda: GF.pad(tg.tensor(a), pad, mode=mode))
    _raises_like(lambda: TF.pad(torch.tensor(a), pad, mode=mode), lambda: tg.tensor(a).pad(pad, mode=mode))


@pytest.mark.parametrize("a,b", [(1e-45, 1e-45), (1e-45, 0.), (1e-40, 1e-40), (1e-45, -1e-45), (3e-45, 1e-45),
                                 (1e-38, 1e-38), (0., 0.), (1e30, -1e30)])
def test_hypot_gradient_at_subnormals(a, b):
    xt, yt = torch.tensor([a, 2.], requires_grad=True), torch.tensor([b, -3.], requires_grad=True)
    xg, yg = tg.tensor([a, 2.], requires_grad=True), tg.tensor([b, -3.], requires_grad=True)
    torch.hypot(xt, yt).sum().backward()
    tg.hypot(xg, yg).sum().backward()
    assert xg.grad.dtype == tg.float32
    np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())
    np.testing.assert_array_equal(yg.grad.numpy(), yt.grad.numpy())


def test_hypot_second_derivative_at_subnormal():
    xt, yt = torch.tensor([1e-40, 1.5], requires_grad=True), torch.tensor([1e-40, 0.5], requires_grad=True)
    xg, yg = tg.tensor([1e-40, 1.5], requires_grad=True), tg.tensor([1e-40, 0.5], requires_grad=True)
    (gt,) = torch.autograd.grad(torch.hypot(xt, yt).sum(), xt, create_graph=True)
    (gg,) = tg.autograd.grad(tg.hypot(xg, yg).sum(), xg, create_graph=True)
    np.testing.assert_array_equal(gg.detach().numpy(), gt.detach().numpy())
