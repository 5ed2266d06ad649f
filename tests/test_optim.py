"""Optimizers beside torch: same parameters, same random gradients, >= 20 steps, parameters within 1e-6.

Tolerance: ATOL = RTOL = 1e-6 on parameters of size ~1. Both libraries do the same float32 arithmetic in the
same order; what remains is a last-bit rounding difference per op (e.g. torch divides by a scalar as a multiply
by its reciprocal), far below 1e-6 after 25 steps."""
import math
import tracemalloc
import numpy as np
import pytest
import torch
import teenygrad as tg
from teenygrad import optim

ATOL = RTOL = 1e-6
STEPS = 25
SHAPES = [(5, 3), (3,), (4, 2, 2), ()]

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.05, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.5), eps=1e-6)),  # lerp weight >= 0.5: torch's other formula
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.2, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.95), maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, maximize=True, eps=1e-4)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, maximize=True, eps=1e-6)),
]
IDS = [f"{n}-" + ",".join(f"{k}={v}" for k, v in kw.items()) for n, kw in CASES]


def _pair(shapes=SHAPES, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    gp = [tg.tensor(a, requires_grad=True) for a in init]
    return tp, gp


def _feed_grads(rng, tp, gp, drop=True):
    """Same random gradients to both; now and then a parameter gets no gradient (it must be skipped)."""
    for t, g in zip(tp, gp):
        if drop and rng.random() < 0.15:
            t.grad, g.grad = None, None
            continue
        a = rng.standard_normal(t.shape).astype(np.float32)
        t.grad = torch.tensor(a)
        g.grad = tg.tensor(a)


def _assert_close(tp, gp, where=""):
    for i, (t, g) in enumerate(zip(tp, gp)):
        assert g.dtype == np.float32, f"{where} param {i} dtype {g.dtype}"
        np.testing.assert_allclose(g.numpy(), t.detach().numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"{where} param {i}")


def _groups(params, kw, split):
    """split=True: two param groups, the second with its own lr (per-group hyper-parameters)."""
    if not split:
        return [dict(params=params)]
    return [dict(params=params[:2]), dict(params=params[2:], lr=kw["lr"] * 0.5)]


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
@pytest.mark.parametrize("split", [False, True])
def test_matches_torch(name, kw, split):
    tp, gp = _pair()
    topt = getattr(torch.optim, name)(_groups(tp, kw, split), **kw)
    gopt = getattr(optim, name)(_groups(gp, kw, split), **kw)
    rng = np.random.default_rng(1)
    for step in range(STEPS):
        _feed_grads(rng, tp, gp)
        topt.step()
        gopt.step()
        _assert_close(tp, gp, f"{name} step {step}")


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_state_dict_round_trip_mid_run(name, kw, tmp_path):
    """Save mid-run, build a fresh optimizer, load, continue: identical to never stopping (and to torch)."""
    tp, gp = _pair()
    topt = getattr(torch.optim, name)(tp, **kw)
    gopt = getattr(optim, name)(gp, **kw)
    rng = np.random.default_rng(2)
    for step in range(2 * STEPS):
        if step == STEPS:
            path = str(tmp_path / "opt.safetensors")
            tg.save(gopt.state_dict(), path)
            del gopt
            gopt = getattr(optim, name)(gp, lr=123.0)  # hyper-parameters must come back from the file
            gopt.load_state_dict(tg.load(path))
        _feed_grads(rng, tp, gp)
        topt.step()
        gopt.step()
    _assert_close(tp, gp, f"{name} after reload")


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_state_dict_layout_and_exact_values(name, kw):
    tp, gp = _pair()
    topt = getattr(torch.optim, name)(_groups(tp, kw, True), **kw)
    gopt = getattr(optim, name)(_groups(gp, kw, True), **kw)
    rng = np.random.default_rng(3)
    for _ in range(3):
        _feed_grads(rng, tp, gp, drop=False)
        topt.step()
        gopt.step()
    tsd, gsd = topt.state_dict(), gopt.state_dict()
    assert sorted(tsd["state"]) == sorted(gsd["state"])
    for i in tsd["state"]:
        assert sorted(tsd["state"][i]) == sorted(gsd["state"][i]), f"state keys of param {i}"
    for tg_, gg in zip(tsd["param_groups"], gsd["param_groups"]):
        assert sorted(tg_) == sorted(gg)
        assert tg_["params"] == gg["params"]
    # a fresh optimizer loaded from the dict holds bit-identical copies, not aliases
    fresh = getattr(optim, name)(_groups(gp, kw, True), **kw)
    fresh.load_state_dict(gsd)
    for i, p in enumerate(gp):
        for key, v in gopt.state[p].items():
            w = fresh.state[p][key]
            assert w.dtype == v.dtype and np.array_equal(w.numpy(), v.numpy()), (i, key)
            assert w.numpy() is not v.numpy()
    assert fresh.param_groups[1]["lr"] == kw["lr"] * 0.5


@pytest.mark.parametrize("name,kw", [c for c in CASES if c[0] in ("Adam", "SGD")][:4])
def test_loads_torch_state_dict(name, kw):
    """A torch optimizer's state_dict (tensors turned to numpy) continues the run in teenygrad."""
    tp, _ = _pair()
    topt = getattr(torch.optim, name)(tp, **kw)
    rng = np.random.default_rng(4)
    for _ in range(5):
        for t in tp:
            t.grad = torch.randn(t.shape, generator=torch.Generator().manual_seed(int(rng.integers(1 << 30))))
        topt.step()
    gp = [tg.tensor(t.detach().numpy(), requires_grad=True) for t in tp]
    gopt = getattr(optim, name)(gp, **kw)
    sd = topt.state_dict()
    gopt.load_state_dict({"param_groups": sd["param_groups"],
                          "state": {i: {k: v.numpy() for k, v in s.items()} for i, s in sd["state"].items()}})
    for _ in range(STEPS):
        _feed_grads(rng, tp, gp, drop=False)
        topt.step()
        gopt.step()
    _assert_close(tp, gp, f"{name} continued from torch's state")


def test_updates_in_place_and_skips_missing_grads():
    w = tg.tensor(np.ones((3, 2), np.float32), requires_grad=True)
    b = tg.tensor(np.ones(2, np.float32), requires_grad=True)
    arr = w.numpy()
    opt = optim.AdamW([w, b], lr=0.1)
    w.grad = tg.ones(3, 2)
    opt.step()
    assert w.numpy() is arr, "the parameter's array must be updated in place, not replaced"
    assert np.all(b.numpy() == 1) and b not in opt.state, "a parameter without grad is left alone"
    assert w.numpy().dtype == np.float32 and opt.state[w]["exp_avg"].dtype == np.float32


def test_float64_params_stay_float64():
    tp, gp = _pair()
    tp = [torch.tensor(t.detach().numpy().astype(np.float64), requires_grad=True) for t in tp]
    gp = [tg.tensor(t.detach().numpy(), requires_grad=True) for t in tp]
    topt, gopt = torch.optim.Adam(tp, lr=0.01), optim.Adam(gp, lr=0.01)
    rng = np.random.default_rng(5)
    for _ in range(STEPS):
        for t, g in zip(tp, gp):
            a = rng.standard_normal(t.shape)
            t.grad, g.grad = torch.tensor(a), tg.tensor(a)
        topt.step()
        gopt.step()
    for t, g in zip(tp, gp):
        assert g.dtype == np.float64
        np.testing.assert_allclose(g.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_zero_grad_and_closure():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])  # w - 0.5 * 2w
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and np.all(w.grad.numpy() == 0)
    opt.zero_grad()
    assert w.grad is None


def test_add_param_group_and_defaults():
    a, b = tg.zeros(2, requires_grad=True), tg.zeros(3, requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.9
    c = tg.zeros(1, requires_grad=True)
    ada = optim.Adagrad([a], initial_accumulator_value=0.25)
    ada.add_param_group({"params": [c]})  # a group added later gets its accumulator at its first step (as torch)
    assert c not in ada.state
    c.grad = tg.ones(1)
    ada.step()
    assert ada.state[c]["sum"].numpy().tolist() == [1.25]
    named = optim.AdamW([("w", a), ("b", b)])  # torch >= 2.6 accepts named_parameters()
    assert named.param_groups[0]["param_names"] == ["w", "b"] and named.param_groups[0]["params"] == [a, b]


# (make(optim module, params), message, does torch raise ValueError too)
BAD = [
    (lambda O, p: O.SGD(p, lr=-0.1), "Invalid learning rate: -0.1", True),
    (lambda O, p: O.SGD(p, lr=0.1, momentum=-1), "Invalid momentum value", True),
    (lambda O, p: O.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum", True),
    (lambda O, p: O.Adam(p, lr=-1e-3), "Invalid learning rate", True),
    (lambda O, p: O.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0", True),
    (lambda O, p: O.AdamW(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1", True),
    (lambda O, p: O.AdamW(p, eps=-1.0), "Invalid epsilon value", True),
    (lambda O, p: O.Adam(p, weight_decay=-0.1), "Invalid weight_decay value", True),
    (lambda O, p: O.RMSprop(p, alpha=-0.5), "Invalid alpha value", True),
    (lambda O, p: O.Adagrad(p, lr_decay=-1), "Invalid lr_decay value", True),
    (lambda O, p: O.Adam([]), "empty parameter list", True),
    (lambda O, p: O.Adam([{"params": [p[0]]}, {"params": [p[1], p[0]]}]), "more than one parameter group", True),
    (lambda O, p: O.Adam([p[0] * 2]), "non-leaf", True),
    # torch only warns here (and then updates the parameter twice per step); teenygrad refuses
    (lambda O, p: O.Adam([p[0], p[1], p[0]]), "appears twice", False),
]


@pytest.mark.parametrize("make,msg,torch_too", BAD, ids=[m for _, m, _ in BAD])
def test_bad_arguments_raise_value_error(make, msg, torch_too):
    params = [tg.zeros(2, requires_grad=True), tg.zeros(3, requires_grad=True)]
    with pytest.raises(ValueError, match=msg):
        make(optim, params)
    if torch_too:  # the same mistake is a ValueError in torch as well
        with pytest.raises(ValueError):
            make(torch.optim, [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)])


def test_bad_state_dicts_raise_value_error():
    a, b = tg.zeros(2, requires_grad=True), tg.zeros(3, requires_grad=True)
    opt = optim.Adam([a, b])
    a.grad, b.grad = tg.ones(2), tg.ones(3)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.Adam([a]).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        optim.Adam([a, b]).load_state_dict({"params": []})
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 0 has shape \(2,\)"):
        optim.Adam([b, a]).load_state_dict(sd)


def test_type_errors():
    w = tg.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD({w}, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([w, np.zeros(2)], lr=0.1)


def test_lr_change_between_steps_matches_torch():
    """Schedulers write group['lr']; the next step must use it (no cached hyper-parameters)."""
    tp, gp = _pair()
    topt, gopt = torch.optim.AdamW(tp, lr=0.01), optim.AdamW(gp, lr=0.01)
    rng = np.random.default_rng(6)
    for step in range(STEPS):
        for o in (topt, gopt):
            o.param_groups[0]["lr"] = 0.01 * math.cos(step / STEPS)
            o.param_groups[0]["betas"] = (0.85 + 0.1 * step / STEPS, 0.99)
        _feed_grads(rng, tp, gp)
        topt.step()
        gopt.step()
    _assert_close(tp, gp, "scheduled AdamW")


def _user_optimizer(lib):
    """A custom optimizer as teaching code writes one: subclass Optimizer, use self.state and in-place ops."""

    class SignMomentum(lib.optim.Optimizer):
        def __init__(self, params, lr=0.01, beta=0.9):
            super().__init__(params, dict(lr=lr, beta=beta))

        @lib.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if "buf" not in state:
                        state["buf"] = lib.zeros_like(p)
                    state["buf"].mul_(group["beta"]).add_(p.grad, alpha=1 - group["beta"])
                    p.add_(state["buf"].sign(), alpha=-group["lr"])

    return SignMomentum


def test_user_defined_optimizer_subclass():
    tp, gp = _pair()
    topt, gopt = _user_optimizer(torch)(tp, lr=0.01), _user_optimizer(tg)(gp, lr=0.01)
    rng = np.random.default_rng(7)
    for _ in range(STEPS):
        _feed_grads(rng, tp, gp)
        topt.step()
        gopt.step()
    _assert_close(tp, gp, "user optimizer")
    assert sorted(gopt.state_dict()["state"]) == sorted(topt.state_dict()["state"])


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_steps_allocate_no_arrays(name, kw):
    """After the first step (state and scratch buffers), a step allocates no parameter-sized arrays
    (numpy reports its array memory to tracemalloc)."""
    params = [tg.tensor(np.ones((256, 256), np.float32), requires_grad=True) for _ in range(4)]
    for p in params:
        p.grad = tg.tensor(np.full((256, 256), 0.5, np.float32))
    opt = getattr(optim, name)(params, **kw)
    opt.step()
    tracemalloc.start()
    for _ in range(3):
        opt.step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 256 * 256 * 4 // 4, f"{name} step allocated {peak} bytes (one parameter is {256 * 256 * 4})"


def test_grad_scaler_matches_torch_cpu_scaler():
    """Scale, unscale_, a skipped step on an inf loss with backoff, then growth, as torch's CPU GradScaler."""
    w0 = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    runs = []
    for L in (torch, tg):
        w = L.tensor(w0, requires_grad=True)
        opt = L.optim.SGD([w], lr=0.1)
        scaler = L.amp.GradScaler("cpu", init_scale=256.0, growth_interval=2)
        seen = []
        for it in range(6):
            loss = (w * w).sum() * (float("inf") if it == 1 else 1.0)
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            seen.append(float(w.grad.abs().max()) if it != 1 else None)
            scaler.step(opt)
            scaler.update()
            opt.zero_grad()
            seen.append(scaler.get_scale())
        runs.append((seen, w.detach().numpy().copy(), sorted(scaler.state_dict())))
    assert runs[0][0] == pytest.approx(runs[1][0]) and runs[0][2] == runs[1][2]
    np.testing.assert_allclose(runs[1][1], runs[0][1], rtol=1e-6)
    with pytest.raises(RuntimeError, match="unscale_"):
        s = tg.amp.GradScaler("cpu")
        s.unscale_(opt)
        s.unscale_(opt)


def test_training_script_shims():
    """nanoGPT's train.py calls these; on teenygrad they are accepted and change nothing numerical."""
    lin = tg.nn.Linear(2, 2)
    assert tg.compile(lin)._orig_mod is lin and tg.compile()(lin)._orig_mod is lin
    with tg.autocast(device_type="cpu", dtype=tg.bfloat16), tg.amp.autocast("cpu"):
        assert lin(tg.ones(1, 2)).dtype == tg.float32
    assert not tg.cuda.amp.GradScaler(enabled=False).is_enabled()
    tg.backends.cudnn.deterministic = True
    assert not tg.backends.mps.is_available()
    prev = tg.backends.cuda.matmul.allow_tf32
    tg.set_float32_matmul_precision("high")
    assert tg.backends.cuda.matmul.allow_tf32 and tg.get_float32_matmul_precision() == "high"
    tg.set_float32_matmul_precision("highest")
    tg.backends.cuda.matmul.allow_tf32 = prev
    tg.manual_seed(3)
    a = tg.rand(3)
    tg.manual_seed(3)
    tg.cuda.manual_seed(7)  # a no-op: every draw comes from the host generator
    assert tg.equal(tg.rand(3), a)
    assert tg.ones(2).pin_memory().tolist() == [1.0, 1.0]
