"""Differential sweep of optimizers, LR schedulers and gradient clipping against torch: corners the main
suites (test_optim, test_lr_scheduler, test_nn_utils) don't reach. Each test runs the same numpy-drawn values
through both libraries and compares. Tolerances: learning rates are Python floats on both sides (TOL);
parameters and norms are float32 (RTOL)."""
import math
import numpy as np
import pytest
import torch
import teenygrad as tg
from teenygrad import optim
from teenygrad.nn import utils
from teenygrad.optim import lr_scheduler as gsched
from torch.optim import lr_scheduler as tsched

TOL = 1e-12
RTOL = 1e-6

# torch warns when a scheduler steps before its optimizer (these tests step schedulers alone)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _lib(lib):
    """(tensor module, optim module, scheduler module) for torch or teenygrad."""
    return (torch, torch.optim, tsched) if lib is torch else (tg, optim, gsched)


def _sgd(lib, lrs=(0.1, 0.2), lr_tensor=False):
    T, O, _ = _lib(lib)
    groups = [{"params": [T.zeros(2, requires_grad=True)], "lr": T.tensor(lr) if lr_tensor else lr} for lr in lrs]
    return O.SGD(groups, momentum=0.9)


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy()


def _lrs(opt):
    return [float(g["lr"]) for g in opt.param_groups]


def _assert_lrs(topt, gopt, where):
    np.testing.assert_allclose(_lrs(gopt), _lrs(topt), rtol=TOL, atol=0, err_msg=where)


# ---- schedulers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["resume", "epoch0"])
def test_multiplicative_lr_applies_no_factor_when_built(how):
    """The constructor's step must not apply a factor, also when resuming (last_epoch=k); step(0) does."""
    opts, scheds = [], []
    for lib in (torch, tg):
        opt = _sgd(lib)
        kw = {}
        if how == "resume":
            for g in opt.param_groups:
                g["initial_lr"] = g["lr"] * 2
            kw = dict(last_epoch=4)
        opts.append(opt)
        scheds.append(_lib(lib)[2].MultiplicativeLR(opt, lambda e: 0.9, **kw))
    _assert_lrs(*opts, "after construction")
    for i in range(6):
        for s in scheds:
            s.step(0) if how == "epoch0" and i == 0 else s.step()
        _assert_lrs(*opts, f"step {i}")
        np.testing.assert_allclose(scheds[1].get_last_lr(), scheds[0].get_last_lr(), rtol=TOL)


def test_reduce_lr_on_plateau_reduces_groups_added_later():
    """torch extends a scalar min_lr to a param group added after the scheduler was built."""
    opts, scheds = [], []
    for lib in (torch, tg):
        opt = _sgd(lib)
        s = _lib(lib)[2].ReduceLROnPlateau(opt, patience=1, factor=0.5, min_lr=0.01)
        opt.add_param_group({"params": [_lib(lib)[0].zeros(3, requires_grad=True)], "lr": 0.7})
        opts.append(opt)
        scheds.append(s)
    for i in range(12):
        for s in scheds:
            s.step(1.0)
        _assert_lrs(*opts, f"step {i}")
    assert _lrs(opts[1])[2] < 0.7


def test_reduce_lr_on_plateau_min_lr_list_and_added_group_raises():
    for lib in (torch, tg):
        opt = _sgd(lib)
        s = _lib(lib)[2].ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
        opt.add_param_group({"params": [_lib(lib)[0].zeros(3, requires_grad=True)]})
        s.step(1.0)
        with pytest.raises(RuntimeError, match="min_lr"):
            s.step(2.0)


@pytest.mark.parametrize("make", [
    lambda S, o: S.LambdaLR(o, lambda e: 0.9 ** e),
    lambda S, o: S.CosineAnnealingWarmRestarts(o, 3),
], ids=["LambdaLR", "CosineAnnealingWarmRestarts"])
def test_scheduler_with_group_added_later_raises(make):
    """A group added after the scheduler has no base lr: torch fails (a zip error), so must we, not skip it."""
    for lib in (torch, tg):
        opt = _sgd(lib, lrs=(0.1,))
        s = make(_lib(lib)[2], opt)
        opt.add_param_group({"params": [_lib(lib)[0].zeros(3, requires_grad=True)], "lr": 0.3})
        with pytest.raises(ValueError):
            s.step()
    with pytest.raises(ValueError, match="param group added after"):
        s.step()


@pytest.mark.parametrize("composed", ["ChainedScheduler", "SequentialLR"])
def test_composed_schedulers_refuse_reduce_lr_on_plateau(composed):
    for lib in (torch, tg):
        S, opt = _lib(lib)[2], _sgd(lib)
        parts = [S.StepLR(opt, 3), S.ReduceLROnPlateau(opt)]
        with pytest.raises(ValueError, match="ReduceLROnPlateau"):
            S.ChainedScheduler(parts) if composed == "ChainedScheduler" else S.SequentialLR(opt, parts, [2])


def test_scheduler_argument_checks_match_torch():
    for lib in (torch, tg):
        S = _lib(lib)[2]
        with pytest.raises(TypeError, match="lr_lambda should be a function, but got float"):
            S.MultiplicativeLR(_sgd(lib), 0.9)
        with pytest.raises(ValueError, match="float or int eta_min"):
            S.CosineAnnealingWarmRestarts(_sgd(lib), 3, eta_min="0.1")


TENSOR_LR_SCHEDULES = {
    "StepLR": lambda S, o: S.StepLR(o, 3, 0.5),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, 7, 0.01),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, [0.5, 0.3], total_steps=25),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, 4, 2),
    "SequentialLR": lambda S, o: S.SequentialLR(o, [S.LinearLR(o, 0.5, 1.0, 4), S.ExponentialLR(o, 0.8)], [5]),
}


@pytest.mark.parametrize("name", TENSOR_LR_SCHEDULES)
def test_tensor_lr_is_filled_in_place(name):
    """lr given as a 0-d tensor: torch fills that same tensor, so the user's handle follows the schedule."""
    opts, scheds, handles = [], [], []
    for lib in (torch, tg):
        opt = _sgd(lib, lr_tensor=True)
        handles.append([g["lr"] for g in opt.param_groups])
        opts.append(opt)
        scheds.append(TENSOR_LR_SCHEDULES[name](_lib(lib)[2], opt))
    for i in range(20):
        for s in scheds:
            s.step()
        for t, g in zip(*handles):
            np.testing.assert_allclose(float(g), float(t), rtol=RTOL, err_msg=f"{name} step {i}")
        assert all(isinstance(g["lr"], tg.Tensor) for g in opts[1].param_groups)
        np.testing.assert_allclose([float(v) for v in scheds[1].get_last_lr()],
                                   [float(v) for v in scheds[0].get_last_lr()], rtol=RTOL)


def test_reduce_lr_on_plateau_tensor_lr_and_in_cooldown():
    opts, scheds, handles = [], [], []
    for lib in (torch, tg):
        opt = _sgd(lib, lr_tensor=True)
        handles.append(opt.param_groups[0]["lr"])
        opts.append(opt)
        scheds.append(_lib(lib)[2].ReduceLROnPlateau(opt, patience=0, cooldown=2, factor=0.5))
    for i in range(8):
        for s in scheds:
            s.step(1.0)
        assert scheds[1].in_cooldown == scheds[0].in_cooldown
        np.testing.assert_allclose(float(handles[1]), float(handles[0]), rtol=RTOL)


# ---- optimizers ---------------------------------------------------------------------------------------

def test_adagrad_accumulator_starts_at_constructor_value():
    """torch fills every accumulator with the constructor's initial_accumulator_value (a value in a param
    group, or a group added later, does not change it); the updates must match torch's."""
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(3).astype(np.float32) for _ in range(3)]
    grads = [[rng.standard_normal(3).astype(np.float32) for _ in range(3)] for _ in range(5)]
    params = []
    for lib in (torch, tg):
        T, O, _ = _lib(lib)
        ps = [T.tensor(a, requires_grad=True) for a in init]
        opt = O.Adagrad([{"params": [ps[0]], "initial_accumulator_value": 2.0}, {"params": [ps[1]]}], lr=0.1,
                        initial_accumulator_value=0.5)
        opt.add_param_group({"params": [ps[2]], "initial_accumulator_value": 3.0})
        for gs in grads:
            for p, g in zip(ps, gs):
                p.grad = T.tensor(g)
            opt.step()
        params.append([p.detach().numpy() if lib is torch else p.numpy() for p in ps])
    for t, g in zip(*params):
        np.testing.assert_allclose(g, t, rtol=RTOL, atol=1e-7)


def test_param_group_is_the_callers_dict():
    """torch keeps the dict the caller passed as the group: setting its 'lr' later changes the next step."""
    a = np.random.default_rng(2).standard_normal(4).astype(np.float32)
    out = []
    for lib in (torch, tg):
        T, O, _ = _lib(lib)
        p = T.tensor(a, requires_grad=True)
        group = {"params": [p]}
        opt = O.SGD([group], lr=0.1)
        assert opt.param_groups[0] is group and group["momentum"] == 0
        group["lr"] = 0.5
        p.grad = T.tensor(a)
        opt.step()
        out.append(_np(p))
    np.testing.assert_allclose(out[1], out[0], rtol=RTOL)
    np.testing.assert_allclose(out[1], a * 0.5, rtol=RTOL)


def test_named_and_unnamed_params_do_not_mix():
    for lib in (torch, tg):
        T, O, _ = _lib(lib)
        a, b = T.zeros(2, requires_grad=True), T.zeros(3, requires_grad=True)
        with pytest.raises(ValueError, match="with/without names"):
            O.Adam([("a", a), b])
        with pytest.raises(ValueError, match="with/without names"):
            O.Adam([{"params": [("a", a)]}, {"params": [b]}])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
def test_fused_and_foreach_together_raise(name):
    for lib in (torch, tg):
        T, O, _ = _lib(lib)
        with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
            getattr(O, name)([T.zeros(2, requires_grad=True)], lr=0.1, fused=True, foreach=True)


def test_tensor_lr_must_have_one_element():
    for lib in (torch, tg):
        T, O, _ = _lib(lib)
        with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
            O.Adam([T.zeros(2, requires_grad=True)], lr=T.tensor([0.1, 0.2]))


# (saved by, loaded into, group keys an older torch's checkpoint lacks)
OLD_CHECKPOINTS = [
    ("Adam", "AdamW", ()),  # torch's AdamW decays decoupled whatever the loaded groups say
    ("AdamW", "AdamW", ("decoupled_weight_decay", "fused", "capturable", "differentiable", "maximize", "amsgrad")),
    ("Adam", "Adam", ("decoupled_weight_decay", "amsgrad", "foreach")),
    ("SGD", "SGD", ("nesterov", "maximize", "fused", "differentiable")),
    ("RMSprop", "RMSprop", ("centered", "capturable", "momentum")),
    ("Adagrad", "Adagrad", ("fused", "maximize")),
]


@pytest.mark.parametrize("saved,loaded,missing", OLD_CHECKPOINTS, ids=[f"{a}-{b}" for a, b, _ in OLD_CHECKPOINTS])
def test_load_state_dict_fills_keys_of_older_checkpoints(saved, loaded, missing):
    a = np.random.default_rng(1).standard_normal(5).astype(np.float32)
    out = []
    for lib in (torch, tg):
        T, O, _ = _lib(lib)
        p = T.tensor(a, requires_grad=True)
        opt = getattr(O, saved)([p], lr=0.1, weight_decay=0.5)
        p.grad = T.tensor(a)
        opt.step()
        sd = opt.state_dict()
        sd = {"state": sd["state"], "param_groups": [{k: v for k, v in g.items() if k not in missing}
                                                     for g in sd["param_groups"]]}
        q = T.tensor(a, requires_grad=True)
        opt2 = getattr(O, loaded)([q], lr=0.1, weight_decay=0.5)
        opt2.load_state_dict(sd)
        for _ in range(3):
            q.grad = T.tensor(a)
            opt2.step()
        out.append(_np(q))
    np.testing.assert_allclose(out[1], out[0], rtol=RTOL, atol=1e-7)


# ---- gradient clipping and parameter vectors ----------------------------------------------------------

def _grads(lib, arrays):
    T = _lib(lib)[0]
    ps = []
    for a in arrays:
        p = T.zeros(a.shape, dtype=T.float64 if a.dtype == np.float64 else T.float32, requires_grad=True)
        p.grad = T.tensor(a)
        ps.append(p)
    return ps


def _arrays(dtypes=(np.float32,) * 3, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(s) * scale).astype(d) for s, d in zip([(5, 3), (4,), ()], dtypes)]


@pytest.mark.parametrize("norm_type", [0, -math.inf, -1.0, -2.0, 0.5, 1.0, 3.0, math.inf])
def test_clip_grad_norm_every_order(norm_type):
    """torch takes each gradient's norm, then the norm of those: for order 0 that counts the gradients with a
    non-zero entry, and -inf is the smallest |g| (the old code failed or returned 1.0 for these)."""
    arrays = _arrays(scale=0.1)
    arrays[1][1] = 0.0
    tps, gps = _grads(torch, arrays), _grads(tg, arrays)
    total_t = torch.nn.utils.clip_grad_norm_(tps, 0.05, norm_type)
    total_g = utils.clip_grad_norm_(gps, 0.05, norm_type)
    assert total_g.dtype == np.float32 and total_g.shape == ()
    np.testing.assert_allclose(total_g.item(), total_t.item(), rtol=RTOL)
    for t, g in zip(tps, gps):
        np.testing.assert_allclose(_np(g.grad), _np(t.grad), rtol=RTOL, atol=1e-8)


@pytest.mark.parametrize("norm_type", [2.0, math.inf, 1.0])
def test_clip_grad_norm_mixed_dtypes_promote(norm_type):
    """torch stacks the per-gradient norms, so float32 with float64 gradients give a float64 norm."""
    arrays = _arrays((np.float32, np.float64, np.float32))
    tps, gps = _grads(torch, arrays), _grads(tg, arrays)
    total_t = torch.nn.utils.clip_grad_norm_(tps, 0.5, norm_type)
    total_g = utils.clip_grad_norm_(gps, 0.5, norm_type)
    assert total_g.dtype == np.float64
    np.testing.assert_allclose(total_g.item(), total_t.item(), rtol=RTOL)
    for t, g in zip(tps, gps):
        np.testing.assert_allclose(_np(g.grad), _np(t.grad), rtol=RTOL)


def test_clip_grad_norm_float16_does_not_overflow():
    """A float16 norm is summed wider (torch: float32); float16 squares summed in float16 overflowed to inf."""
    rng = np.random.default_rng(3)
    arrays = [(rng.standard_normal(3000) * 100).astype(np.float16)]
    tp = torch.zeros(3000, dtype=torch.float16, requires_grad=True)
    gp = tg.zeros(3000, dtype=tg.float16, requires_grad=True)
    tp.grad, gp.grad = torch.tensor(arrays[0]), tg.tensor(arrays[0])
    total_t = torch.nn.utils.clip_grad_norm_([tp], 1.0)
    total_g = utils.clip_grad_norm_([gp], 1.0)
    assert total_g.dtype == np.float16 and math.isfinite(total_g.item())
    np.testing.assert_allclose(total_g.item(), total_t.item(), rtol=1e-3)
    np.testing.assert_allclose(_np(gp.grad).astype(np.float32), _np(tp.grad).astype(np.float32), rtol=1e-3,
                               atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_coefficient_rounds_like_torch(dtype):
    """Given the same total norm, the clipped gradients are bit-identical: torch computes the coefficient in
    the norm's dtype as max_norm * (1 / (norm + 1e-6))."""
    for seed in range(20):
        arrays = _arrays((dtype,) * 3, scale=2.0, seed=seed)
        total = np.asarray(np.random.default_rng(seed).uniform(1, 9), dtype)
        tps, gps = _grads(torch, arrays), _grads(tg, arrays)
        torch.nn.utils.clip_grads_with_norm_(tps, 0.7, torch.tensor(total))
        utils.clip_grads_with_norm_(gps, 0.7, tg.tensor(total))
        for t, g in zip(tps, gps):
            np.testing.assert_array_equal(_np(g.grad), _np(t.grad))


def test_get_total_norm_signature_and_single_tensor():
    arrays = _arrays()
    tgr, ggr = [torch.tensor(a) for a in arrays], [tg.tensor(a) for a in arrays]
    np.testing.assert_allclose(utils.get_total_norm(ggr, 2.0, False, None).item(),
                               torch.nn.utils.get_total_norm(tgr, 2.0, False, None).item(), rtol=RTOL)
    for i, p in ((0, 0.0), (0, 2.0), (2, 2.0)):  # one Tensor is one gradient, not a list of its rows
        np.testing.assert_allclose(utils.get_total_norm(ggr[i], p).item(),
                                   torch.nn.utils.get_total_norm(tgr[i], p).item(), rtol=RTOL)
    assert utils.clip_grad_norm is utils.clip_grad_norm_


def test_parameters_to_vector_is_differentiable():
    rng = np.random.default_rng(5)
    init = [rng.standard_normal(s).astype(np.float32) for s in [(2, 3), (4,)]]
    tps = [torch.tensor(a, requires_grad=True) for a in init]
    gps = [tg.tensor(a, requires_grad=True) for a in init]
    tv, gv = torch.nn.utils.parameters_to_vector(tps), utils.parameters_to_vector(gps)
    assert gv.requires_grad and tv.requires_grad
    np.testing.assert_array_equal(_np(gv), _np(tv))
    (tv * tv * torch.arange(10.0)).sum().backward()
    (gv * gv * tg.arange(10.0)).sum().backward()
    for t, g in zip(tps, gps):
        np.testing.assert_allclose(_np(g.grad), _np(t.grad), rtol=RTOL)
