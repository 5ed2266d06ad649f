"""Differential fuzz of teenygrad.optim against torch.optim: random option combinations (param groups with their
own options, a 0-d tensor lr, float64 params, non-contiguous params, frozen params, steps where a grad is None),
20 steps on the same quadratic-ish loss, then parameters and state_dict() (values, dtypes, key order) compared;
state_dict round trips, the errors for bad options, and LR schedulers (60 steps, a state_dict resume mid-run).
Tolerances: relative TOL[dtype] on parameters, 100x that on the optimizer state."""
import copy
import warnings
import numpy as np
import pytest
import torch
import teenygrad as tg

TOL = {np.float32: 1e-6, np.float64: 1e-12}
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
NAMES = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Rprop", "Adagrad", "Adadelta", "ASGD"]


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy()


def _options(name, rng, top):
    """Hyper-parameters torch accepts for `name`; top: the constructor's (which may pick a kernel)."""
    pick = lambda xs: xs[rng.integers(len(xs))]  # noqa: E731
    o = {"lr": pick([1e-3, 1e-2, 0.05, 0.1])}
    if name not in ("Rprop",) and rng.random() < 0.6:
        o["weight_decay"] = pick([0.0, 1e-2, 0.1])
    if rng.random() < 0.4:
        o["maximize"] = True
    if top and rng.random() < 0.5:
        # torch's foreach ASGD (and Adamax with a tensor lr) round differently from its own default kernel
        o["foreach"] = pick([False, None] if name in ("ASGD", "Adamax") else [False, True, None])
    if name == "SGD":
        if rng.random() < 0.7:
            o["momentum"] = pick([0.5, 0.9])
        if o.get("momentum") and rng.random() < 0.4:
            o["nesterov"] = True
        elif rng.random() < 0.4:
            o["dampening"] = pick([0.1, 0.5])
    if name in ("Adam", "AdamW", "Adamax", "NAdam", "RAdam") and rng.random() < 0.6:
        o["betas"] = (pick([0.0, 0.5, 0.9]), pick([0.9, 0.99, 0.999]))
    if name in ("Adam", "AdamW") and rng.random() < 0.4:
        o["amsgrad"] = True
    if name in ("Adam", "NAdam", "RAdam") and rng.random() < 0.4:
        o["decoupled_weight_decay"] = True
    if name == "NAdam" and rng.random() < 0.5:
        o["momentum_decay"] = pick([1e-3, 0.1])
    if name == "RMSprop":
        o.update(momentum=pick([0.0, 0.9]), centered=bool(rng.random() < 0.5), alpha=pick([0.9, 0.99]))
    if name == "Rprop" and rng.random() < 0.5:
        o.update(etas=(pick([0.3, 0.5]), pick([1.2, 2.0])), step_sizes=(pick([1e-6, 1e-3]), pick([1.0, 50.0])))
    if name == "Adagrad":
        o["lr_decay"] = pick([0.0, 0.1])
        if top:
            o["initial_accumulator_value"] = pick([0.0, 0.1])
    if name == "Adadelta":
        o.update(rho=pick([0.5, 0.9]), lr=pick([0.1, 1.0]))
    if name == "ASGD":
        o.update(lambd=pick([1e-4, 1e-2]), alpha=pick([0.5, 0.75]), t0=pick([3.0, 1e6]))
    return o


VIEWS = [lambda t: t, lambda t: t.T, lambda t: t[::2], lambda t: t[:, 1:]]


def _config(name, seed, dtype=None, lr_tensor=None):
    rng = np.random.default_rng(seed)
    dtype = dtype or (np.float32, np.float64)[rng.integers(2)]
    n = int(rng.integers(2, 5))
    params = [(rng.standard_normal((4, 6)).astype(dtype), int(rng.integers(len(VIEWS))), i == 0 or rng.random() > 0.15)
              for i in range(n)]
    top = _options(name, rng, True)
    cuts = sorted(rng.choice(np.arange(1, n), int(rng.integers(0, min(2, n - 1) + 1)), replace=False).tolist())
    bounds = [0] + cuts + [n]
    overrides = [{} if i == 0 else {k: v for k, v in _options(name, rng, False).items()} for i in range(len(bounds) - 1)]
    lr_tensor = bool(rng.random() < 0.3) if lr_tensor is None else lr_tensor
    if name == "ASGD" and dtype == np.float64:
        lr_tensor = False  # torch's eta = lr / (...) ** 0.5 on a float32 0-d tensor is 1 ulp off a correctly rounded one
    if lr_tensor and top.get("foreach") and name in ("Adam", "AdamW"):
        top["foreach"] = False  # torch refuses that pair (test_bad_options)
    coef = [(rng.uniform(0.5, 2.0, (4, 6)), rng.standard_normal((4, 6))) for _ in range(n)]
    return dict(name=name, dtype=dtype, params=params, top=top, bounds=bounds, overrides=overrides,
                lr_tensor=lr_tensor, grad_none=bool(rng.random() < 0.4), coef=coef)


def _build(lib, cfg):
    params = []
    for base, view, trainable in cfg["params"]:
        p = VIEWS[view](lib.tensor(base.copy()))
        params.append(p.requires_grad_() if trainable else p)
    top = dict(cfg["top"])
    if cfg["lr_tensor"]:
        top["lr"] = lib.tensor(top["lr"])  # a float32 0-d tensor on both sides
    groups = [dict(params=params[a:b], **o) for a, b, o in zip(cfg["bounds"], cfg["bounds"][1:], cfg["overrides"])]
    return params, getattr(lib.optim, cfg["name"])(groups, **top)


def _set_grads(lib, cfg, params, k):
    for i, p in enumerate(params):
        if not p.requires_grad:
            continue
        if cfg["grad_none"] and (k + i) % 3 == 0:
            p.grad = None
            continue
        a, b = (VIEWS[cfg["params"][i][1]](c) for c in cfg["coef"][i])
        x = _np(p).astype(np.float64)
        p.grad = lib.tensor(np.ascontiguousarray((a * x + b * np.sin(3 * x) + 0.1).astype(cfg["dtype"])))


def _run(lib, cfg, steps=20):
    params, opt = _build(lib, cfg)
    history = []
    for k in range(steps):
        _set_grads(lib, cfg, params, k)
        opt.step()
        history.append([_np(p).copy() for p in params])
    return params, opt, history


def _assert_same(a, b, tol, where):
    if isinstance(a, torch.Tensor):
        assert isinstance(b, tg.Tensor), f"{where}: torch has a Tensor, teenygrad {type(b).__name__}"
        assert str(a.dtype).split(".")[-1] == str(b.dtype) and tuple(a.shape) == tuple(b.shape), \
            f"{where}: {a.dtype}{tuple(a.shape)} vs {b.dtype}{tuple(b.shape)}"
        np.testing.assert_allclose(_np(b), _np(a), rtol=tol, atol=tol, err_msg=where)
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), f"{where}: {a!r} vs {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, tol, f"{where}[{i}]")
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} vs {b!r}"


def _assert_state_dicts(sd_t, sd_g, tol):
    assert list(sd_t["state"]) == list(sd_g["state"])
    for k, st in sd_t["state"].items():
        assert list(st) == list(sd_g["state"][k]), f"state[{k}] keys"
        for key in st:
            _assert_same(st[key], sd_g["state"][k][key], tol, f"state[{k}][{key}]")
    for i, (gt, gg) in enumerate(zip(sd_t["param_groups"], sd_g["param_groups"], strict=True)):
        assert list(gt) == list(gg), f"param_groups[{i}] keys {list(gt)} vs {list(gg)}"
        for key in gt:
            _assert_same(gt[key], gg[key], tol, f"param_groups[{i}][{key}]")


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", NAMES)
def test_optimizer_matches_torch(name, seed):
    cfg = _config(name, 1000 * NAMES.index(name) + seed)
    _, opt_t, hist_t = _run(torch, cfg)
    _, opt_g, hist_g = _run(tg, cfg)
    tol = TOL[cfg["dtype"]]
    for k, (ps_t, ps_g) in enumerate(zip(hist_t, hist_g)):
        for i, (a, b) in enumerate(zip(ps_t, ps_g)):
            assert a.dtype == b.dtype
            np.testing.assert_allclose(b, a, rtol=20 * tol, atol=20 * tol, err_msg=f"step {k} param {i}")
    _assert_state_dicts(opt_t.state_dict(), opt_g.state_dict(), 100 * tol)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax", "NAdam", "RAdam", "SGD", "Adagrad", "RMSprop"])
def test_tensor_lr_over_float64_params(name):
    """torch does the lr scalar math on the float32 0-d tensor (1 - lr*wd, lr / (1 - beta1^t)): float32-rounded
    factors applied to float64 params. teenygrad used float(lr) in double: 1e-8 off after one AdamW step."""
    cfg = _config(name, 77, dtype=np.float64, lr_tensor=True)
    cfg["top"].update(lr=1e-3, weight_decay=0.1, foreach=False)
    _, _, hist_t = _run(torch, cfg, steps=5)
    _, _, hist_g = _run(tg, cfg, steps=5)
    for ps_t, ps_g in zip(hist_t, hist_g):
        for a, b in zip(ps_t, ps_g):
            np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip(name):
    """torch's state_dict loads into a fresh teenygrad optimizer (and teenygrad's own into another): the next
    steps match torch continuing."""
    cfg = _config(name, 5000 + NAMES.index(name), dtype=np.float64, lr_tensor=False)
    cfg["grad_none"] = False
    params_t, opt_t, _ = _run(torch, cfg, steps=4)
    params_g, opt_g, _ = _run(tg, cfg, steps=4)
    for source in (opt_t, opt_g):
        fresh_params = [tg.tensor(_np(p).copy()).requires_grad_(p.requires_grad) for p in params_t]
        groups = [dict(params=fresh_params[a:b]) for a, b in zip(cfg["bounds"], cfg["bounds"][1:])]
        fresh = getattr(tg.optim, name)(groups, **cfg["top"])
        fresh.load_state_dict(copy.deepcopy(source.state_dict()))
        assert [len(g["params"]) for g in fresh.param_groups] == [len(g["params"]) for g in opt_t.param_groups]
        assert all(float(a["lr"]) == float(b["lr"]) for a, b in zip(fresh.param_groups, opt_t.param_groups))
        tt = [torch.tensor(_np(p).copy()).requires_grad_(p.requires_grad) for p in params_t]
        ref = getattr(torch.optim, name)([dict(params=tt[a:b]) for a, b in zip(cfg["bounds"], cfg["bounds"][1:])],
                                         **cfg["top"])
        ref.load_state_dict(copy.deepcopy(opt_t.state_dict()))  # torch's load keeps the saved tensors
        for k in range(3):
            _set_grads(torch, cfg, tt, k)
            _set_grads(tg, cfg, fresh_params, k)
            ref.step()
            fresh.step()
        for a, b in zip(tt, fresh_params):
            np.testing.assert_allclose(_np(b), _np(a), rtol=1e-11, atol=1e-11)
        _assert_state_dicts(ref.state_dict(), fresh.state_dict(), 1e-10)


def test_adadelta_param_group_key_order():
    """torch's Adadelta defaults: ..., weight_decay, maximize, capturable, foreach, differentiable (teenygrad had
    foreach before maximize, so its state_dict's param_groups were laid out differently)."""
    for lib in (torch, tg):
        keys = list(lib.optim.Adadelta([lib.zeros(2, requires_grad=True)]).state_dict()["param_groups"][0])
        assert keys == ["lr", "rho", "eps", "weight_decay", "maximize", "capturable", "foreach", "differentiable",
                        "params"], (lib.__name__, keys)


@pytest.mark.parametrize("name, kw, exc, text", [
    ("SGD", dict(lr=-0.1), ValueError, "-0.1"),
    ("SGD", dict(lr=0.1, nesterov=True), ValueError, "Nesterov"),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError, "dampening"),
    ("Adam", dict(betas=(1.0, 0.9)), ValueError, "1.0"),
    ("AdamW", dict(betas=(0.9, -0.1)), ValueError, "-0.1"),
    ("NAdam", dict(momentum_decay=-1.0), ValueError, "-1.0"),
    ("RMSprop", dict(alpha=-0.5), ValueError, "-0.5"),
    ("Rprop", dict(etas=(1.5, 1.2)), ValueError, "1.5"),
    ("Adadelta", dict(rho=1.5), ValueError, "1.5"),
    ("Adagrad", dict(lr_decay=-2.0), ValueError, "-2.0"),
    ("Adam", dict(lr="tensor", foreach=True), ValueError, "foreach"),
    ("AdamW", dict(lr="tensor", foreach=True), ValueError, "foreach"),
])
def test_bad_options(name, kw, exc, text):
    for lib in (torch, tg):
        kw2 = {k: (lib.tensor(0.1) if v == "tensor" else v) for k, v in kw.items()}
        with pytest.raises(exc) as info:
            getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **kw2)
        assert text in str(info.value), (lib.__name__, str(info.value))


def test_lbfgs_state_layout_and_resume():
    """torch keeps LBFGS's ro, al and H_diag as 0-d tensors (teenygrad kept numpy scalars); a torch state_dict
    loaded mid-run continues as torch does."""
    rng = np.random.default_rng(3)
    a, x0 = rng.uniform(0.5, 3.0, 6), rng.standard_normal(6)

    def setup(lib):
        p = lib.tensor(x0.copy()).requires_grad_()
        opt = lib.optim.LBFGS([p], lr=0.5, max_iter=4, history_size=3)

        def closure():
            x = _np(p)
            p.grad = lib.tensor(a * x + np.sin(x))
            return lib.tensor(float((0.5 * a * x * x - np.cos(x)).sum()), dtype=lib.float64)
        return p, opt, closure
    (pt, ot, ct), (pg, og, cg) = setup(torch), setup(tg)
    for _ in range(3):
        lt, lg = ot.step(ct), og.step(cg)
        assert abs(float(lt) - float(lg)) <= 1e-12 * max(1, abs(float(lt)))
    st, sg = ot.state_dict()["state"][0], og.state_dict()["state"][0]
    for key in ("ro", "al"):
        assert all(isinstance(v, tg.Tensor) and v.shape == () and v.dtype == tg.float64 for v in sg[key]
                   if v is not None), key
        _assert_same([v for v in st[key] if v is not None], [v for v in sg[key] if v is not None], 1e-10, key)
    assert isinstance(sg["H_diag"], tg.Tensor) and sg["H_diag"].shape == ()
    p2, o2, c2 = setup(tg)
    p2.data = tg.tensor(_np(pt).copy())
    o2.load_state_dict(copy.deepcopy(ot.state_dict()))
    ot.step(ct)
    o2.step(c2)
    np.testing.assert_allclose(_np(p2), _np(pt), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("lib", [torch, tg], ids=["torch", "teenygrad"])
def test_zero_grad_closure_add_param_group(lib):
    p, q = lib.ones(3, requires_grad=True), lib.ones(2, requires_grad=True)
    opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [q], "lr": 0.5})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["nesterov"] is False

    def closure():
        opt.zero_grad()
        loss = (p * p).sum() + (q * 3).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert float(loss) == 9.0
    np.testing.assert_allclose(_np(p), np.full(3, 0.8, np.float32), rtol=1e-6)
    np.testing.assert_allclose(_np(q), np.full(2, -0.5, np.float32), rtol=1e-6)
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and float(abs(p.grad).sum()) == 0.0
    opt.zero_grad()
    assert p.grad is None
    with pytest.raises(ValueError):
        opt.add_param_group({"params": [p]})


# ---- LR schedulers ---------------------------------------------------------------------------------
SCHEDULERS = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
              "CyclicLR", "OneCycleLR", "LinearLR", "ConstantLR", "PolynomialLR", "LambdaLR", "MultiplicativeLR",
              "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"]
SIMPLE = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "ConstantLR", "PolynomialLR",
          "MultiplicativeLR"]


def _scheduler(lib, name, seed):
    S = lib.optim.lr_scheduler
    rng = np.random.default_rng(seed)
    pick = lambda xs: xs[rng.integers(len(xs))]  # noqa: E731
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": pick([0.1, 0.5, 1.0])}
              for _ in range(int(rng.integers(1, 3)))]
    opt = lib.optim.SGD(groups, lr=0.1, momentum=0.9)

    def make(kind):
        if kind == "StepLR":
            return S.StepLR(opt, step_size=int(rng.integers(1, 10)), gamma=pick([0.1, 0.5]))
        if kind == "MultiStepLR":
            return S.MultiStepLR(opt, milestones=sorted(rng.choice(40, 3, replace=False).tolist()), gamma=0.5)
        if kind == "ExponentialLR":
            return S.ExponentialLR(opt, gamma=pick([0.9, 0.99]))
        if kind == "CosineAnnealingLR":
            return S.CosineAnnealingLR(opt, T_max=int(rng.integers(3, 30)), eta_min=pick([0.0, 0.01]))
        if kind == "CosineAnnealingWarmRestarts":
            return S.CosineAnnealingWarmRestarts(opt, T_0=int(rng.integers(1, 10)), T_mult=int(rng.integers(1, 3)),
                                                 eta_min=pick([0.0, 0.01]))
        if kind == "CyclicLR":
            return S.CyclicLR(opt, base_lr=0.01, max_lr=0.2, step_size_up=int(rng.integers(1, 10)),
                              step_size_down=pick([None, 3]), mode=pick(["triangular", "triangular2", "exp_range"]),
                              gamma=0.99, cycle_momentum=bool(rng.random() < 0.5))
        if kind == "OneCycleLR":
            return S.OneCycleLR(opt, max_lr=0.3, total_steps=80, pct_start=pick([0.1, 0.3]),
                                anneal_strategy=pick(["cos", "linear"]), three_phase=bool(rng.random() < 0.5))
        if kind == "LinearLR":
            return S.LinearLR(opt, start_factor=pick([0.1, 0.5]), end_factor=pick([1.0, 0.8]),
                              total_iters=int(rng.integers(1, 20)))
        if kind == "ConstantLR":
            return S.ConstantLR(opt, factor=pick([0.1, 0.5]), total_iters=int(rng.integers(1, 20)))
        if kind == "PolynomialLR":
            return S.PolynomialLR(opt, total_iters=int(rng.integers(1, 30)), power=pick([0.5, 2.0]))
        if kind == "LambdaLR":
            return S.LambdaLR(opt, lambda e: 0.95 ** e + 0.01 * (e % 3))
        if kind == "MultiplicativeLR":
            return S.MultiplicativeLR(opt, lambda e: 0.97)
        if kind == "SequentialLR":
            return S.SequentialLR(opt, [make(pick(SIMPLE)), make(pick(SIMPLE))], milestones=[int(rng.integers(1, 30))])
        if kind == "ChainedScheduler":
            return S.ChainedScheduler([make(pick(SIMPLE)), make(pick(SIMPLE))])
        return S.ReduceLROnPlateau(opt, mode=pick(["min", "max"]), factor=pick([0.1, 0.5]),
                                   patience=int(rng.integers(0, 4)), threshold=pick([1e-4, 0.1]),
                                   threshold_mode=pick(["rel", "abs"]), cooldown=int(rng.integers(0, 3)),
                                   min_lr=pick([0.0, 0.01]))
    return opt, make(name)


def _schedule(lib, name, seed, resume_at):
    opt, sched = _scheduler(lib, name, seed)
    metrics = np.random.default_rng(seed + 7).standard_normal(60).cumsum()
    out = []
    for k in range(60):
        opt.step()
        sched.step(float(metrics[k])) if name == "ReduceLROnPlateau" else sched.step()
        out.append(([float(g["lr"]) for g in opt.param_groups], [float(g["momentum"]) for g in opt.param_groups],
                    [float(x) for x in sched.get_last_lr()], getattr(sched, "last_epoch", None)))
        if k == resume_at:  # a fresh optimizer and scheduler carry on from the saved dicts
            saved, saved_opt = sched.state_dict(), opt.state_dict()
            opt, sched = _scheduler(lib, name, seed)
            opt.load_state_dict(saved_opt)
            sched.load_state_dict(saved)
    return out


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("name", SCHEDULERS)
def test_scheduler_matches_torch(name, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for resume_at in (None, 17):
            ref, got = _schedule(torch, name, seed, resume_at), _schedule(tg, name, seed, resume_at)
            for k, (a, b) in enumerate(zip(ref, got)):
                assert a[3] == b[3], f"step {k}: last_epoch {a[3]} vs {b[3]}"
                for x, y in zip(a[:3], b[:3]):
                    np.testing.assert_allclose(y, x, rtol=1e-12, atol=1e-15, err_msg=f"step {k} resume {resume_at}")
