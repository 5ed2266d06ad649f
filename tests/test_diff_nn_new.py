"""Differential tests against torch for the nn features added in one day (interpolate, pools, conv_transpose
modules, margin losses), at the argument combinations where a sweep found a different answer: values, gradients,
reprs, or an error torch raises. Each builds the same numpy values in both frameworks; tolerances stated once."""
import numpy as np
import pytest
import torch
import torch.nn as TN
import torch.nn.functional as TF
import teenygrad as tg
import teenygrad.nn as nn
import teenygrad.nn.functional as F

ATOL, RTOL = 1e-6, 1e-5  # float64 throughout


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def close(ours, theirs):
    a, b = ours.numpy(), theirs.detach().numpy()
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    np.testing.assert_allclose(a, b, atol=ATOL, rtol=RTOL)


def forward_backward(fo, ft, x, *args, **kw):
    """Compare fo(x) with ft(x), then the input gradients for one shared random output gradient."""
    xo, xt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = fo(xo, *args, **kw), ft(xt, *args, **kw)
    close(yo, yt)
    g = rnd(*yt.shape, seed=1)
    yo.backward(tg.tensor(g))
    yt.backward(torch.tensor(g))
    close(xo.grad, xt.grad)


# ---- antialiased interpolate: a dim whose size doesn't change is copied, whatever the scale ---------------------
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolate_antialias_same_size_dim_is_a_copy(mode):
    x = rnd(1, 2, 5, 6)  # scale 1.1: floor(5 * 1.1) = 5 and floor(6 * 1.1) = 6
    yo = F.interpolate(tg.tensor(x), scale_factor=1.1, mode=mode, antialias=True)
    yt = TF.interpolate(torch.tensor(x), scale_factor=1.1, mode=mode, antialias=True)
    close(yo, yt)


# ---- area and antialiased interpolate: an inf or nan stays inside its own windows (a short window's padding taps
# must not multiply it by 0) -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(mode="area"), dict(mode="bilinear", antialias=True),
                                dict(mode="bicubic", antialias=True)])
@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_interpolate_inf_stays_in_its_windows(kw, value):
    x = rnd(1, 2, 2, 5)
    x[..., 4] = value  # the last tap of the last (short) window
    close(F.interpolate(tg.tensor(x), size=(2, 3), **kw), TF.interpolate(torch.tensor(x), size=(2, 3), **kw))


# ---- lp_pool: norm_type = +-inf is the window's max / min of |x| ------------------------------------------------
@pytest.mark.parametrize("p", [float("inf"), -float("inf")])
@pytest.mark.parametrize("fn,x,kw", [("lp_pool1d", (2, 3, 7), dict(kernel_size=3, stride=2)),
                                     ("lp_pool2d", (2, 3, 5, 6), dict(kernel_size=2, ceil_mode=True, stride=2))])
def test_lp_pool_infinite_norm(fn, x, kw, p):
    forward_backward(getattr(F, fn), getattr(TF, fn), rnd(*x), p, **kw)


def test_lp_pool_module_infinite_norm():
    forward_backward(nn.LPPool2d(float("inf"), 2), TN.LPPool2d(float("inf"), 2), rnd(2, 3, 4, 6))


# ---- instance_norm / group_norm on an empty batch give an empty result; half the running stats is an error ---------
@pytest.mark.parametrize("fn,args", [("instance_norm", ()), ("group_norm", (3,))])
def test_norm_empty_batch(fn, args):
    x = rnd(0, 3, 4)
    close(getattr(F, fn)(tg.tensor(x), *args), getattr(TF, fn)(torch.tensor(x), *args))


def test_instance_norm_needs_both_running_stats():
    x, rm = rnd(2, 3, 4), np.zeros(3)
    with pytest.raises(ValueError):
        TF.instance_norm(torch.tensor(x), torch.tensor(rm), None)
    with pytest.raises(ValueError):
        F.instance_norm(tg.tensor(x), tg.tensor(rm), None)


# ---- ConvTranspose's repr lists dilation before output_padding, as torch -----------------------------------------
def test_conv_transpose_repr_order():
    kw = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=2)
    assert repr(nn.ConvTranspose1d(4, 6, 3, **kw)) == repr(TN.ConvTranspose1d(4, 6, 3, **kw))


# ---- activation modules show inplace=True in their repr, as torch ---------------------------------------------------
@pytest.mark.parametrize("name,args", [("ReLU6", ()), ("SiLU", ()), ("ELU", (0.5,)), ("LeakyReLU", (0.1,)),
                                       ("Hardtanh", (-2.0, 2.0))])
def test_activation_repr_shows_inplace(name, args):
    assert repr(getattr(nn, name)(*args, inplace=True)) == repr(getattr(TN, name)(*args, inplace=True))


# ---- soft_margin_loss: only target may broadcast (torch writes into an input-shaped output) ----------------------
@pytest.mark.parametrize("shape", [(3, 1), (4,), (1,)])
def test_soft_margin_loss_input_must_not_broadcast(shape):
    x, y = rnd(*shape), np.sign(rnd(3, 4, seed=1))
    with pytest.raises(RuntimeError):
        TF.soft_margin_loss(torch.tensor(x), torch.tensor(y))
    with pytest.raises(RuntimeError):
        F.soft_margin_loss(tg.tensor(x), tg.tensor(y))


def test_soft_margin_loss_target_broadcasts():
    y = np.sign(rnd(4, seed=1))
    forward_backward(lambda x: F.soft_margin_loss(x, tg.tensor(y), reduction="none"),
                     lambda x: TF.soft_margin_loss(x, torch.tensor(y), reduction="none"), rnd(3, 4))


# ---- multilabel_soft_margin_loss sums over input's class dim, even when target adds leading dims ------------------
@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("shape", [(4,), (1,)])
def test_multilabel_soft_margin_loss_broadcast_target(shape, reduction):
    y = (rnd(3, 4, seed=1) > 0).astype(np.float64)
    forward_backward(lambda x: F.multilabel_soft_margin_loss(x, tg.tensor(y), reduction=reduction),
                     lambda x: TF.multilabel_soft_margin_loss(x, torch.tensor(y), reduction=reduction), rnd(*shape))


# ---- remove_parametrizations leaves an unsafe, shape-changing parametrization's value in place, as torch's set_ ----
def test_remove_shape_changing_parametrization_keeps_its_value():
    from teenygrad.nn.utils import parametrize as P
    import torch.nn.utils.parametrize as TP

    def flat(M):
        class Flat(M.Module):
            def forward(self, X):
                return X.reshape(-1)
        return Flat()

    w = rnd(3, 3)
    ours, theirs = nn.Linear(3, 3, dtype=tg.float64), TN.Linear(3, 3, dtype=torch.float64)
    ours.weight = nn.Parameter(tg.tensor(w))
    theirs.weight = TN.Parameter(torch.tensor(w))
    P.register_parametrization(ours, "weight", flat(nn), unsafe=True)
    TP.register_parametrization(theirs, "weight", flat(TN), unsafe=True)
    P.remove_parametrizations(ours, "weight")
    TP.remove_parametrizations(theirs, "weight")
    assert isinstance(ours.weight, nn.Parameter)
    close(ours.weight, theirs.weight)


# ---- weight_norm of a 1-D tensor with dim=0: every entry is its own norm (g = |v|), as torch's norm_except_dim --------
@pytest.mark.parametrize("form", ["hook", "parametrization"])
def test_weight_norm_of_a_vector(form):
    from teenygrad.nn.utils import parametrizations as P, _norm_hooks as H
    import torch.nn.utils as TU
    w, b = rnd(4, 3, seed=2), rnd(4)
    ours, theirs = nn.Linear(3, 4, dtype=tg.float64), TN.Linear(3, 4, dtype=torch.float64)
    ours.weight, ours.bias = nn.Parameter(tg.tensor(w)), nn.Parameter(tg.tensor(b))
    theirs.weight, theirs.bias = TN.Parameter(torch.tensor(w)), TN.Parameter(torch.tensor(b))
    if form == "hook":
        H.weight_norm(ours, "bias")
        TU.weight_norm(theirs, "bias")
    else:
        P.weight_norm(ours, "bias")
        TU.parametrizations.weight_norm(theirs, "bias")
    sd = theirs.state_dict()
    for k, v in ours.state_dict().items():
        close(v, sd[k])
    x = rnd(2, 3, seed=1)
    ours(tg.tensor(x)).sum().backward()
    theirs(torch.tensor(x)).sum().backward()
    grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        close(p.grad, grads[name].grad)


def test_hardswish_at_the_corners_and_infinities_as_torch():
    vals = [-float("inf"), -1e30, -3.0, -2.9, 0.0, 2.9, 3.0, 1e30, float("inf"), float("nan")]
    for dtype in (np.float32, np.float64):
        a = np.array(vals, dtype)
        x, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, yt = tg.nn.functional.hardswish(x), torch.nn.functional.hardswish(xt)
        y.sum().backward()
        yt.sum().backward()
        np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
        assert y.dtype == x.dtype and x.grad.dtype == x.dtype
