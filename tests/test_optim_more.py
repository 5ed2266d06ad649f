"""Adamax, NAdam, RAdam, Adadelta, Rprop, ASGD, LBFGS and lr_scheduler.CyclicLR beside torch.

Each optimizer trains the same 2-layer MLP (same initial weights, same fixed data, same MSE loss) in both
libraries, with two param groups of different hyper-parameters; parameters are compared every few steps.
Tolerance RTOL = ATOL = 1e-5: the libraries' forward and backward passes round differently in the last bits
(matmul summation order) and the updates carry that through the run. LBFGS gets LBFGS_TOL: its curvature
pairs and step lengths are ratios of dot products, which amplify those bits. Learning rates from CyclicLR are
Python floats on both sides (SCHED_TOL)."""
import copy
import numpy as np
import pytest
import torch
import teenygrad as tg
from teenygrad import optim
from teenygrad.optim import lr_scheduler as gsched
from torch.optim import lr_scheduler as tsched

RTOL = ATOL = 1e-5
LBFGS_TOL = 1e-4
SCHED_TOL = 1e-12
STEPS = 30
CHECK_EVERY = 5

_rng = np.random.default_rng(0)
X = _rng.standard_normal((16, 4)).astype(np.float32)
Y = _rng.standard_normal((16, 2)).astype(np.float32)
INIT = [(_rng.standard_normal(s) * 0.5).astype(np.float32) for s in [(4, 8), (8,), (8, 2), (2,)]]

# (optimizer, constructor keywords, the second param group's own hyper-parameters)
CASES = [
    ("Adamax", dict(lr=0.01), dict(lr=0.005, betas=(0.7, 0.9))),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1), dict(eps=1e-3)),
    ("Adamax", dict(lr=0.01, maximize=True), dict(weight_decay=0.1)),
    ("NAdam", dict(lr=0.01), dict(lr=0.005, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1), dict(betas=(0.8, 0.9))),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), dict(weight_decay=0.0)),
    ("NAdam", dict(lr=0.01, maximize=True, momentum_decay=0.02), dict(lr=0.02)),
    ("RAdam", dict(lr=0.01), dict(lr=0.005, eps=1e-6)),   # rho_t > 5 from step 6: both branches run
    ("RAdam", dict(lr=0.01, weight_decay=0.1), dict(betas=(0.5, 0.9))),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), dict(lr=0.02)),
    ("RAdam", dict(lr=0.01, maximize=True), dict(weight_decay=0.05)),
    ("Adadelta", dict(), dict(rho=0.7)),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1), dict(lr=2.0, weight_decay=0.0)),
    ("Adadelta", dict(lr=0.5, maximize=True), dict(eps=1e-4)),
    ("Rprop", dict(lr=0.01), dict(lr=0.002, etas=(0.4, 1.1))),
    ("Rprop", dict(lr=0.01, etas=(0.3, 1.5), step_sizes=(1e-4, 0.05)), dict(step_sizes=(1e-3, 0.02))),
    ("Rprop", dict(lr=0.005, maximize=True, step_sizes=(1e-6, 0.02)), dict(etas=(0.6, 1.3))),
    ("ASGD", dict(lr=0.05), dict(lr=0.02, alpha=0.5)),
    ("ASGD", dict(lr=0.05, t0=5, lambd=1e-3, weight_decay=0.1), dict(t0=12, lambd=1e-2)),  # averaging starts
    ("ASGD", dict(lr=0.02, t0=3, maximize=True), dict(weight_decay=0.1)),
]
IDS = [f"{n}-" + ",".join(f"{k}={v}" for k, v in kw.items()) for n, kw, _ in CASES]


def _params(lib, dtype=np.float32):
    return [lib.tensor(a.astype(dtype), requires_grad=True) for a in INIT]


def _loss(lib, params, dtype=np.float32):
    w1, b1, w2, b2 = params
    out = (lib.tensor(X.astype(dtype)) @ w1 + b1).tanh() @ w2 + b2
    return ((out - lib.tensor(Y.astype(dtype))) ** 2).mean()


def _groups(params, second):
    return [dict(params=params[:2]), dict(params=params[2:], **second)]


def _train_step(lib, opt, params):
    opt.zero_grad()
    loss = _loss(lib, params)
    loss.backward()
    opt.step()
    return loss.item()


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy()


def _assert_close(tp, gp, where, tol=RTOL):
    for i, (t, g) in enumerate(zip(tp, gp)):
        assert g.dtype == np.float32, f"{where}: param {i} is {g.dtype}"
        np.testing.assert_allclose(g.numpy(), _np(t), rtol=tol, atol=tol, err_msg=f"{where}: param {i}")


def _assert_float32_state(opt, name):
    for p, state in opt.state.items():
        for key, v in state.items():
            assert v.dtype == np.float32, f"{name}: state '{key}' is {v.dtype}, not float32"


@pytest.mark.parametrize("name,kw,second", CASES, ids=IDS)
def test_matches_torch_on_mlp(name, kw, second):
    tp, gp = _params(torch), _params(tg)
    topt = getattr(torch.optim, name)(_groups(tp, second), **kw)
    gopt = getattr(optim, name)(_groups(gp, second), **kw)
    for step in range(1, STEPS + 1):
        tl, gl = _train_step(torch, topt, tp), _train_step(tg, gopt, gp)
        assert gl == pytest.approx(tl, rel=RTOL, abs=ATOL), f"{name} loss at step {step}"
        if step % CHECK_EVERY == 0:
            _assert_close(tp, gp, f"{name} step {step}")
    # the whole state, scalars (NAdam's mu_product, ASGD's eta and mu, ASGD's average ax) included
    tsd, gsd = topt.state_dict(), gopt.state_dict()
    assert sorted(tsd["state"]) == sorted(gsd["state"])
    for i, ts in tsd["state"].items():
        assert sorted(ts) == sorted(gsd["state"][i]), f"{name}: state keys of param {i}"
        for key, v in ts.items():
            np.testing.assert_allclose(gsd["state"][i][key].numpy(), v.numpy(), rtol=RTOL, atol=ATOL,
                                       err_msg=f"{name}: state '{key}' of param {i}")
    assert [sorted(g) for g in gsd["param_groups"]] == [sorted(g) for g in tsd["param_groups"]]
    _assert_float32_state(gopt, name)


@pytest.mark.parametrize("name,kw,second", CASES, ids=IDS)
def test_state_dict_resume_is_exact(name, kw, second, tmp_path):
    """Save mid-run to a file, load into a fresh optimizer built with defaults and other lrs (every group's
    hyper-parameters must come back from the file too), continue: bit-identical to the run that never stopped."""
    straight, resumed = _params(tg), _params(tg)
    opt_a = getattr(optim, name)(_groups(straight, second), **kw)
    opt_b = getattr(optim, name)(_groups(resumed, second), **kw)
    half = STEPS // 2
    for _ in range(half):
        _train_step(tg, opt_a, straight)
        _train_step(tg, opt_b, resumed)
    path = str(tmp_path / "opt.safetensors")
    tg.save(opt_b.state_dict(), path)
    del opt_b
    opt_b = getattr(optim, name)(_groups(resumed, dict(lr=123.0)), lr=77.0)
    opt_b.load_state_dict(tg.load(path))
    assert opt_b.param_groups[1]["lr"] == opt_a.param_groups[1]["lr"]
    _assert_float32_state(opt_b, name)
    for _ in range(half):
        _train_step(tg, opt_a, straight)
        _train_step(tg, opt_b, resumed)
    for i, (a, b) in enumerate(zip(straight, resumed)):
        assert np.array_equal(a.numpy(), b.numpy()), f"{name}: param {i} differs after resuming"


def test_loads_torch_state_dict_with_scalar_state():
    """NAdam's and ASGD's 0-d state from a torch run (as numpy) continues the run in teenygrad."""
    for name, kw in [("NAdam", dict(lr=0.01)), ("ASGD", dict(lr=0.05, t0=2))]:
        tp = _params(torch)
        topt = getattr(torch.optim, name)(tp, **kw)
        for _ in range(5):
            _train_step(torch, topt, tp)
        gp = [tg.tensor(_np(t).copy(), requires_grad=True) for t in tp]
        gopt = getattr(optim, name)(gp, **kw)
        sd = topt.state_dict()
        gopt.load_state_dict({"param_groups": sd["param_groups"],
                              "state": {i: {k: v.numpy() for k, v in s.items()} for i, s in sd["state"].items()}})
        _assert_float32_state(gopt, name)
        for _ in range(10):
            _train_step(torch, topt, tp)
            _train_step(tg, gopt, gp)
        _assert_close(tp, gp, f"{name} continued from torch's state")


def test_float64_params_keep_float64_updates():
    """Parameter-shaped state follows the parameter's dtype (torch: zeros_like); nothing rounds to float32."""
    for name in ("Adamax", "RAdam", "Adadelta", "Rprop"):
        tp = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in INIT]
        gp = [tg.tensor(a.astype(np.float64), requires_grad=True) for a in INIT]
        topt, gopt = getattr(torch.optim, name)(tp), getattr(optim, name)(gp)
        rng = np.random.default_rng(5)
        for _ in range(10):
            for t, g in zip(tp, gp):
                a = rng.standard_normal(t.shape)
                t.grad, g.grad = torch.tensor(a), tg.tensor(a)
            topt.step()
            gopt.step()
        for t, g in zip(tp, gp):
            assert g.dtype == np.float64
            np.testing.assert_allclose(g.numpy(), _np(t), rtol=1e-12, atol=1e-12, err_msg=name)


# ---- LBFGS ------------------------------------------------------------------------------------------

LBFGS_CASES = [
    dict(lr=1, max_iter=5, history_size=3),
    dict(lr=0.5, max_iter=4, history_size=10),
    dict(lr=0.5, max_iter=1, history_size=5),   # one iteration a step: the next step needs the saved t and d
    dict(max_iter=6, history_size=3, line_search_fn="strong_wolfe"),
    dict(lr=0.8, max_iter=5, max_eval=7, line_search_fn="strong_wolfe"),   # max_eval ends the line search
]


def _lbfgs_step(lib, opt, params, dtype=np.float32):
    def closure():
        opt.zero_grad()
        loss = _loss(lib, params, dtype)
        loss.backward()
        return loss
    return opt.step(closure).item()


@pytest.mark.parametrize("kw", LBFGS_CASES, ids=[",".join(f"{k}={v}" for k, v in kw.items()) for kw in LBFGS_CASES])
@pytest.mark.parametrize("dtype,steps,tol", [(np.float64, 4, 1e-9), (np.float32, 2, LBFGS_TOL)],
                         ids=["float64", "float32"])
def test_lbfgs_matches_torch(kw, dtype, steps, tol):
    """float64 shows the algorithm is torch's (every branch, to 1e-9 over ~20 iterations); float32 runs
    are shorter because the curvature ratios amplify float32 rounding differences step after step."""
    tp, gp = _params(torch, dtype), _params(tg, dtype)
    topt, gopt = torch.optim.LBFGS(tp, **kw), optim.LBFGS(gp, **kw)
    for step in range(steps):
        tl, gl = _lbfgs_step(torch, topt, tp, dtype), _lbfgs_step(tg, gopt, gp, dtype)
        assert gl == pytest.approx(tl, rel=tol), f"LBFGS loss at step {step}"
        for i, (t, g) in enumerate(zip(tp, gp)):
            assert g.dtype == dtype
            np.testing.assert_allclose(g.numpy(), _np(t), rtol=tol, atol=tol, err_msg=f"step {step} param {i}")
        ts, gs = topt.state[tp[0]], gopt.state[gp[0]]
        # same number of closure calls and iterations: the same branches were taken
        assert (gs["func_evals"], gs["n_iter"], len(gs["old_dirs"])) == \
               (ts["func_evals"], ts["n_iter"], len(ts["old_dirs"])), f"LBFGS step {step}"
        np.testing.assert_allclose(float(gs["t"]), float(ts["t"]), rtol=tol)
        assert gs["d"].dtype == dtype and all(y.dtype == dtype for y in gs["old_dirs"])
        assert all(np.asarray(r).dtype == dtype for r in gs["ro"]), "LBFGS: ro must stay in the params' dtype"
    assert _loss(tg, gp, dtype).item() < _loss(tg, _params(tg, dtype), dtype).item()


def test_strong_wolfe_line_search_matches_torch():
    """The line search alone, in float64 on 300 random smooth functions (quadratic plus cosines) and initial
    steps from 0.01 to 30: too short, too long, bracketing, zooming and its insufficient-progress rule."""
    from torch.optim.lbfgs import _strong_wolfe as torch_strong_wolfe
    from teenygrad.optim.lbfgs import _strong_wolfe
    rng = np.random.default_rng(7)
    for trial in range(300):
        a = rng.standard_normal((3, 3))
        hess, c, k = a @ a.T + 0.1 * np.eye(3), rng.standard_normal(3), rng.uniform(0, 3)

        def f(x):
            return 0.5 * x @ hess @ x + np.cos(k * x).sum() + c @ x, hess @ x - k * np.sin(k * x) + c

        def torch_f(x, t, d):
            fx, gx = f(x.numpy() + float(t) * d.numpy())
            return float(fx), torch.tensor(gx)

        x0 = rng.standard_normal(3)
        f0, g0 = f(x0)
        d = -g0 * rng.uniform(0.1, 3)
        t0 = float(rng.choice([0.01, 0.3, 1.0, 5.0, 30.0]))
        want = torch_strong_wolfe(torch_f, torch.tensor(x0), t0, torch.tensor(d), float(f0), torch.tensor(g0),
                                  torch.tensor(g0 @ d))
        got = _strong_wolfe(lambda x, t, d: f(x + t * d), x0, t0, d, float(f0), g0, np.float64(g0 @ d))
        assert got[3] == want[3], f"trial {trial}: {got[3]} evaluations, torch {want[3]}"
        np.testing.assert_allclose(float(got[2]), float(want[2]), rtol=1e-9, err_msg=f"trial {trial}: step")
        np.testing.assert_allclose(got[0], want[0], rtol=1e-9, err_msg=f"trial {trial}: loss")
        np.testing.assert_allclose(got[1], want[1].numpy(), rtol=1e-9, atol=1e-9, err_msg=f"trial {trial}: gradient")


def test_lbfgs_stops_at_once_when_gradient_is_small():
    tp, gp = _params(torch), _params(tg)
    topt, gopt = torch.optim.LBFGS(tp, tolerance_grad=1e3), optim.LBFGS(gp, tolerance_grad=1e3)
    assert _lbfgs_step(tg, gopt, gp) == pytest.approx(_lbfgs_step(torch, topt, tp), rel=RTOL)
    _assert_close(tp, gp, "LBFGS, optimal at start")
    assert all(np.array_equal(g.numpy(), a) for g, a in zip(gp, INIT))
    assert gopt.state[gp[0]]["func_evals"] == topt.state[tp[0]]["func_evals"] == 1


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_state_dict_resume_is_exact(line_search_fn, tmp_path):
    kw = dict(max_iter=4, history_size=3, line_search_fn=line_search_fn)
    straight, resumed = _params(tg), _params(tg)
    opt_a, opt_b = optim.LBFGS(straight, **kw), optim.LBFGS(resumed, **kw)
    for _ in range(2):
        _lbfgs_step(tg, opt_a, straight)
        _lbfgs_step(tg, opt_b, resumed)
    path = str(tmp_path / "lbfgs.safetensors")
    tg.save(opt_b.state_dict(), path)
    opt_b = optim.LBFGS(resumed, lr=5.0)
    opt_b.load_state_dict(tg.load(path))
    assert opt_b.param_groups[0]["history_size"] == 3
    copied = copy.deepcopy({"opt": opt_a, "params": straight})  # a deep copy keeps optimizer and params paired
    for _ in range(2):
        _lbfgs_step(tg, opt_a, straight)
        _lbfgs_step(tg, opt_b, resumed)
        _lbfgs_step(tg, copied["opt"], copied["params"])
    for i, (a, b, c) in enumerate(zip(straight, resumed, copied["params"])):
        assert np.array_equal(a.numpy(), b.numpy()), f"LBFGS: param {i} differs after resuming"
        assert np.array_equal(a.numpy(), c.numpy()), f"LBFGS: param {i} differs in the deep copy"


def test_lbfgs_refuses_what_torch_refuses():
    params = [_params(torch), _params(tg)]
    for lib, ps in zip((torch, tg), params):
        with pytest.raises(ValueError, match="LBFGS.*parameter groups|per-parameter options"):
            lib.optim.LBFGS([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.1}])
        with pytest.raises(ValueError, match="learning rate"):
            lib.optim.LBFGS(ps, lr=-1.0)
    with pytest.raises(ValueError, match=r"LBFGS: Invalid learning rate: -1.0"):
        optim.LBFGS(params[1], lr=-1.0)
    # an unknown line search: torch refuses it at the first step (RuntimeError), teenygrad at once
    topt = torch.optim.LBFGS(params[0], line_search_fn="armijo")
    with pytest.raises(RuntimeError, match="strong_wolfe"):
        _lbfgs_step(torch, topt, params[0])
    with pytest.raises(ValueError, match="LBFGS: line_search_fn must be None or 'strong_wolfe', got 'armijo'"):
        optim.LBFGS(params[1], line_search_fn="armijo")


# ---- bad hyper-parameters -------------------------------------------------------------------------

# (optimizer, keywords, text the message must hold besides the optimizer's name)
BAD = [
    ("Adamax", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adamax", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("Adamax", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("NAdam", dict(lr=float("nan")), "Invalid learning rate: nan"),
    ("NAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("NAdam", dict(momentum_decay=-0.004), "Invalid momentum_decay value: -0.004"),
    ("RAdam", dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    ("RAdam", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("RAdam", dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(rho=-0.1), "Invalid rho value: -0.1"),
    ("Adadelta", dict(lr=-0.5), "Invalid learning rate: -0.5"),
    ("Adadelta", dict(eps=-1e-6), "Invalid epsilon value: -1e-06"),
    ("Rprop", dict(etas=(1.2, 0.5)), "Invalid eta values: (1.2, 0.5)"),
    ("Rprop", dict(etas=(0.0, 1.2)), "Invalid eta values: (0.0, 1.2)"),
    ("Rprop", dict(etas=(0.5, 1.0)), "Invalid eta values: (0.5, 1.0)"),
    ("Rprop", dict(lr=-0.01), "Invalid learning rate: -0.01"),
    ("ASGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("ASGD", dict(weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
]


@pytest.mark.parametrize("name,kw,msg", BAD, ids=[f"{n}-{m}" for n, _, m in BAD])
def test_bad_hyper_parameters_raise_like_torch(name, kw, msg):
    with pytest.raises(ValueError):
        getattr(torch.optim, name)(_params(torch), **kw)
    with pytest.raises(ValueError) as err:
        getattr(optim, name)(_params(tg), **kw)
    assert str(err.value).startswith(f"{name}: ") and msg in str(err.value)


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "Adadelta", "Rprop", "ASGD", "LBFGS"])
def test_defaults_match_torch(name):
    tg_group = getattr(optim, name)(_params(tg)).param_groups[0]
    t_group = getattr(torch.optim, name)(_params(torch)).param_groups[0]
    assert sorted(tg_group) == sorted(t_group)
    for key, v in t_group.items():
        if key != "params":
            assert tg_group[key] == v, f"{name}: default {key}"


# ---- CyclicLR ---------------------------------------------------------------------------------------

SCHED_CASES = [
    ("SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
    ("SGD", dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=4, step_size_down=2, mode="triangular2",
                 base_momentum=[0.8, 0.7], max_momentum=0.95)),
    ("SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=5, mode="exp_range", gamma=0.97)),
    ("Adam", dict(base_lr=1e-4, max_lr=1e-3, step_size_up=3, mode="triangular2", base_momentum=0.85)),
    ("Adam", dict(base_lr=1e-4, max_lr=1e-3, step_size_up=5, scale_fn=lambda x: 1 / (1 + 0.1 * x),
                  scale_mode="iterations")),
    ("Adagrad", dict(base_lr=0.01, max_lr=0.05, step_size_up=2, cycle_momentum=False)),
]


def _sched_opt(lib, name):
    ps = _params(lib)
    kw = dict(momentum=0.9) if name == "SGD" else {}
    return getattr(lib.optim, name)([dict(params=ps[:2]), dict(params=ps[2:], lr=0.5)], lr=0.1, **kw)


def _schedule(opt):
    g = opt.param_groups
    return [float(x["lr"]) for x in g] + [x["betas"][0] if "betas" in x else x.get("momentum", 0.0) for x in g]


@pytest.mark.parametrize("name,kw", SCHED_CASES, ids=[f"{n}-{kw.get('mode', 'fn')}-{i}"
                                                       for i, (n, kw) in enumerate(SCHED_CASES)])
def test_cyclic_lr_matches_torch(name, kw):
    topt, gopt = _sched_opt(torch, name), _sched_opt(tg, name)
    ts, gs = tsched.CyclicLR(topt, **kw), gsched.CyclicLR(gopt, **kw)
    np.testing.assert_allclose(_schedule(gopt), _schedule(topt), rtol=SCHED_TOL, err_msg="after construction")
    for i in range(30):   # several cycles
        topt.step()
        gopt.step()
        ts.step()
        gs.step()
        np.testing.assert_allclose(_schedule(gopt), _schedule(topt), rtol=SCHED_TOL, err_msg=f"step {i}")
        np.testing.assert_allclose(gs.get_last_lr(), ts.get_last_lr(), rtol=SCHED_TOL)
    # the same saved fields, but for torch's bookkeeping of a warning that teenygrad's schedulers don't give
    assert sorted(gs.state_dict()) == sorted(ts.state_dict())
    # resume: a fresh scheduler on a fresh optimizer, both loaded, continues the same schedule
    opt2 = _sched_opt(tg, name)
    opt2.load_state_dict(gopt.state_dict())
    s2 = gsched.CyclicLR(opt2, **kw)
    s2.load_state_dict(gs.state_dict())
    for i in range(7):
        for s in (ts, gs, s2):
            s.step()
        np.testing.assert_allclose(_schedule(opt2), _schedule(topt), rtol=SCHED_TOL, err_msg=f"resumed {i}")


def test_cyclic_lr_drives_sgd_momentum_training_like_torch():
    tp, gp = _params(torch), _params(tg)
    topt, gopt = torch.optim.SGD(tp, lr=0.1, momentum=0.9), optim.SGD(gp, lr=0.1, momentum=0.9)
    ts = tsched.CyclicLR(topt, 0.01, 0.2, step_size_up=4, mode="triangular2")
    gs = gsched.CyclicLR(gopt, 0.01, 0.2, step_size_up=4, mode="triangular2")
    for step in range(20):
        _train_step(torch, topt, tp)
        _train_step(tg, gopt, gp)
        ts.step()
        gs.step()
    _assert_close(tp, gp, "SGD under CyclicLR")


def test_cyclic_lr_bad_arguments_raise_like_torch():
    bad = [
        (lambda S, o: S.CyclicLR(o, 0.01, 0.1, mode="triangle"), "CyclicLR: mode is invalid"),
        (lambda S, o: S.CyclicLR(o, [0.01], 0.1), "CyclicLR: base_lr must have the same length"),
        (lambda S, o: S.CyclicLR(o, 0.01, [0.1, 0.2, 0.3]), "max_lr has 3 values, param_groups has 2"),
        (lambda S, o: S.CyclicLR(o, 0.01, 0.1, max_momentum=[0.9]), "max_momentum has 1 values"),
    ]
    for make, msg in bad:
        with pytest.raises(ValueError):
            make(tsched, _sched_opt(torch, "SGD"))
        with pytest.raises(ValueError, match=msg):
            make(gsched, _sched_opt(tg, "SGD"))
    with pytest.raises(ValueError):
        tsched.CyclicLR(_sched_opt(torch, "Adagrad"), 0.01, 0.1)
    with pytest.raises(ValueError, match="CyclicLR: optimizer Adagrad must support momentum or beta1"):
        gsched.CyclicLR(_sched_opt(tg, "Adagrad"), 0.01, 0.1)
    with pytest.raises(TypeError, match="CyclicLR"):
        gsched.CyclicLR(object(), 0.01, 0.1)
    # torch divides by zero on its first step here; teenygrad says why at once
    with pytest.raises(ZeroDivisionError):
        tsched.CyclicLR(_sched_opt(torch, "SGD"), 0.01, 0.1, step_size_up=0, step_size_down=0)
    with pytest.raises(ValueError, match="CyclicLR: a cycle must last at least one step"):
        gsched.CyclicLR(_sched_opt(tg, "SGD"), 0.01, 0.1, step_size_up=0, step_size_down=0)
