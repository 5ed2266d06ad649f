"""Schedulers beside torch: the same learning rates (and momenta) to 1e-12 relative over 100+ steps, and a
state_dict round trip mid-run that changes nothing. Both sides compute in Python floats with the same
formulas, so any difference beyond rounding noise is a real bug."""
import copy
import math
import warnings
import numpy as np
import pytest
import torch
import teenygrad as tg
from teenygrad import optim
from teenygrad.optim import lr_scheduler as gsched

TOL = 1e-12
STEPS = 120


def _sgd(lib, momentum=0.9):
    mk = (lambda: torch.zeros(2, requires_grad=True)) if lib is torch else (lambda: tg.zeros(2, requires_grad=True))
    groups = [{"params": [mk()], "lr": 0.1}, {"params": [mk()], "lr": 0.03}]
    return lib.optim.SGD(groups, lr=0.1, momentum=momentum)


def _adam(lib):
    mk = (lambda: torch.zeros(2, requires_grad=True)) if lib is torch else (lambda: tg.zeros(2, requires_grad=True))
    return lib.optim.Adam([{"params": [mk()]}, {"params": [mk()], "lr": 0.002}], lr=0.01)


def _lam1(e):
    return 0.95 ** e


def _lam2(e):
    return 1.0 / (1 + e)


# each: (optimizer factory, scheduler factory given (sched module, optimizer)); total steps <= STEPS
SCHEDULES = {
    "StepLR": (_sgd, lambda S, o: S.StepLR(o, step_size=7, gamma=0.5)),
    "MultiStepLR": (_sgd, lambda S, o: S.MultiStepLR(o, milestones=[10, 30, 30, 80], gamma=0.3)),
    "ExponentialLR": (_sgd, lambda S, o: S.ExponentialLR(o, gamma=0.97)),
    "CosineAnnealingLR": (_sgd, lambda S, o: S.CosineAnnealingLR(o, T_max=30, eta_min=1e-3)),  # past T_max too
    "CosineAnnealingLR-eta0": (_sgd, lambda S, o: S.CosineAnnealingLR(o, T_max=STEPS)),
    "LambdaLR": (_sgd, lambda S, o: S.LambdaLR(o, lr_lambda=_lam1)),
    "LambdaLR-list": (_sgd, lambda S, o: S.LambdaLR(o, lr_lambda=[_lam1, _lam2])),
    "LinearLR": (_sgd, lambda S, o: S.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=40)),
    "LinearLR-default": (_sgd, lambda S, o: S.LinearLR(o)),
    "ConstantLR": (_sgd, lambda S, o: S.ConstantLR(o, factor=0.25, total_iters=12)),
    "SequentialLR-warmup-cosine": (_sgd, lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.01, total_iters=20), S.CosineAnnealingLR(o, T_max=100, eta_min=1e-4)],
        milestones=[20])),
    "SequentialLR-three": (_sgd, lambda S, o: S.SequentialLR(
        o, [S.ExponentialLR(o, gamma=0.9), S.StepLR(o, step_size=5, gamma=0.5),
            S.ConstantLR(o, factor=0.5, total_iters=10)],
        milestones=[15, 60])),
    "PolynomialLR": (_sgd, lambda S, o: S.PolynomialLR(o, total_iters=50, power=2.0)),
    "CosineAnnealingWarmRestarts": (_sgd, lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=10, eta_min=1e-3)),
    "CosineAnnealingWarmRestarts-Tmult": (_sgd, lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2)),
    "ChainedScheduler": (_sgd, lambda S, o: S.ChainedScheduler(
        [S.ExponentialLR(o, gamma=0.98), S.MultiStepLR(o, milestones=[20, 50], gamma=0.5)])),
    "OneCycleLR-cos-momentum": (_sgd, lambda S, o: S.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=STEPS)),
    "OneCycleLR-linear": (_sgd, lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=STEPS,
                                                           anneal_strategy="linear", pct_start=0.25)),
    "OneCycleLR-three-phase": (_sgd, lambda S, o: S.OneCycleLR(o, max_lr=0.5, epochs=4, steps_per_epoch=30,
                                                                three_phase=True, div_factor=10.0)),
    "OneCycleLR-adam-betas": (_adam, lambda S, o: S.OneCycleLR(o, max_lr=0.01, total_steps=STEPS,
                                                                base_momentum=0.8, max_momentum=0.9)),
    "OneCycleLR-no-momentum": (_adam, lambda S, o: S.OneCycleLR(o, max_lr=0.01, total_steps=STEPS,
                                                                 cycle_momentum=False)),
}


def _snapshot(opt, sched):
    """Everything a schedule controls: per-group lr, momentum / beta1, and get_last_lr()."""
    out = list(sched.get_last_lr())
    for g in opt.param_groups:
        out.append(g["lr"])
        out.append(g["betas"][0] if "betas" in g else g.get("momentum", 0.0))
    return [float(v) for v in out]


def _check(t, g, where):
    assert len(t) == len(g)
    for a, b in zip(t, g):
        assert math.isclose(a, b, rel_tol=TOL, abs_tol=1e-15), f"{where}: torch {t} vs teenygrad {g}"


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_matches_torch(name):
    make_opt, make_sched = SCHEDULES[name]
    topt, gopt = make_opt(torch), make_opt(tg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's "step order" warnings (no gradients here)
        tsch, gsch = make_sched(torch.optim.lr_scheduler, topt), make_sched(gsched, gopt)
        _check(_snapshot(topt, tsch), _snapshot(gopt, gsch), f"{name} at construction")
        for step in range(STEPS - 1):
            topt.step()
            gopt.step()
            tsch.step()
            gsch.step()
            _check(_snapshot(topt, tsch), _snapshot(gopt, gsch), f"{name} step {step}")


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_state_dict_round_trip_mid_run(name):
    """Save optimizer and scheduler mid-run, rebuild both, load, continue: same lrs as torch uninterrupted."""
    make_opt, make_sched = SCHEDULES[name]
    topt, gopt = make_opt(torch), make_opt(tg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tsch, gsch = make_sched(torch.optim.lr_scheduler, topt), make_sched(gsched, gopt)
        for step in range(STEPS - 1):
            if step == STEPS // 2:
                osd, ssd = copy.deepcopy(gopt.state_dict()), copy.deepcopy(gsch.state_dict())
                gopt = make_opt(tg)
                gsch = make_sched(gsched, gopt)
                gopt.load_state_dict(osd)
                gsch.load_state_dict(ssd)
            topt.step()
            gopt.step()
            tsch.step()
            gsch.step()
            _check(_snapshot(topt, tsch), _snapshot(gopt, gsch), f"{name} step {step}")


@pytest.mark.parametrize("make", [
    lambda S, o: S.StepLR(o, step_size=4, gamma=0.5),
    lambda S, o: S.MultiStepLR(o, milestones=[3, 6], gamma=0.5),
    lambda S, o: S.ExponentialLR(o, gamma=0.9),
    lambda S, o: S.CosineAnnealingLR(o, T_max=10),
    lambda S, o: S.LinearLR(o, start_factor=0.2, total_iters=8),
    lambda S, o: S.ConstantLR(o, factor=0.2, total_iters=8),
    lambda S, o: S.PolynomialLR(o, total_iters=10, power=0.5),
], ids=["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "ConstantLR", "PolynomialLR"])
def test_step_with_epoch_uses_closed_form(make):
    topt, gopt = _sgd(torch), _sgd(tg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tsch, gsch = make(torch.optim.lr_scheduler, topt), make(gsched, gopt)
        for epoch in (5, 2, 9, 13):
            tsch.step(epoch)
            gsch.step(epoch)
            _check(_snapshot(topt, tsch), _snapshot(gopt, gsch), f"epoch {epoch}")


@pytest.mark.parametrize("T_mult", [1, 3])
def test_warm_restarts_with_fractional_epochs(T_mult):
    topt, gopt = _sgd(torch), _sgd(tg)
    tsch = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=4, T_mult=T_mult, eta_min=0.01)
    gsch = gsched.CosineAnnealingWarmRestarts(gopt, T_0=4, T_mult=T_mult, eta_min=0.01)
    iters = 7
    for epoch in range(30):
        for i in range(iters):
            tsch.step(epoch + i / iters)
            gsch.step(epoch + i / iters)
            _check(_snapshot(topt, tsch), _snapshot(gopt, gsch), f"epoch {epoch} + {i}/{iters}")


def test_schedule_drives_training_like_torch():
    """Scheduler + AdamW + gradients together: parameters still agree with torch."""
    rng = np.random.default_rng(0)
    init = rng.standard_normal((4, 3)).astype(np.float32)
    tw, gw = torch.tensor(init, requires_grad=True), tg.tensor(init, requires_grad=True)
    topt, gopt = torch.optim.AdamW([tw], lr=0.05), optim.AdamW([gw], lr=0.05)
    tsch = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.05, total_steps=30)
    gsch = gsched.OneCycleLR(gopt, max_lr=0.05, total_steps=30)
    for _ in range(29):
        a = rng.standard_normal((4, 3)).astype(np.float32)
        tw.grad, gw.grad = torch.tensor(a), tg.tensor(a)
        topt.step()
        gopt.step()
        tsch.step()
        gsch.step()
    np.testing.assert_allclose(gw.numpy(), tw.detach().numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kw", [dict(), dict(mode="max", threshold_mode="abs", threshold=0.1, cooldown=2,
                                           patience=1, min_lr=[0.02, 0.0])])
def test_reduce_lr_on_plateau(kw):
    topt, gopt = _sgd(torch), _sgd(tg)
    tsch = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, factor=0.5, **{"patience": 3, **kw})
    gsch = gsched.ReduceLROnPlateau(gopt, factor=0.5, **{"patience": 3, **kw})
    metrics = np.random.default_rng(0).standard_normal(STEPS).cumsum() * 0.1
    for m in metrics:
        tsch.step(m)
        gsch.step(m)
        _check(_snapshot(topt, tsch), _snapshot(gopt, gsch), f"metric {m}")


def test_errors():
    opt = _sgd(tg)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        gsched.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="start_factor"):
        gsched.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="end_factor"):
        gsched.LinearLR(opt, end_factor=1.5)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas|expected 2 lr_lambdas"):
        gsched.LambdaLR(opt, [_lam1])
    with pytest.raises(ValueError, match="total_steps OR"):
        gsched.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy"):
        gsched.OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        gsched.OneCycleLR(opt, max_lr=[0.1, 0.2, 0.3], total_steps=10)
    with pytest.raises(ValueError, match="one milestone fewer"):
        gsched.SequentialLR(opt, [gsched.StepLR(opt, 2), gsched.StepLR(opt, 3)], milestones=[])
    with pytest.raises(ValueError, match="positive integer T_0"):
        gsched.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="at least one scheduler"):
        gsched.ChainedScheduler([])
    with pytest.raises(KeyError, match="initial_lr"):
        gsched.StepLR(_sgd(tg), step_size=2, last_epoch=3)
    sched = gsched.OneCycleLR(_sgd(tg), max_lr=0.1, total_steps=3)
    sched.step()
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="tried to step 4 times"):
        sched.step()
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        gsched.OneCycleLR(optim.Adagrad([tg.zeros(2, requires_grad=True)]), max_lr=0.1, total_steps=10)
