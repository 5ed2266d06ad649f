"""torch.nn.utils.prune against torch: the same weights (and seeds) must give the same masks, names, state_dict
keys, forward values, gradients and optimizer steps; plus the amp queries (is_autocast_enabled, ...)."""
import math

import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.nn.utils.prune as prune
import torch.nn.utils.prune as tprune

ATOL = 1e-6


def _linears(shapes, seed=0, ties=False):
    """Pairs of (torch, teenygrad) Linear layers holding the same random weights (small integers when ties)."""
    rng = np.random.default_rng(seed)
    pairs = []
    for fan_in, fan_out in shapes:
        t, g = torch.nn.Linear(fan_in, fan_out), tg.nn.Linear(fan_in, fan_out)
        for name in ("weight", "bias"):
            shape = getattr(t, name).shape
            a = (rng.integers(-3, 4, shape) if ties else rng.standard_normal(shape)).astype(np.float32)
            setattr(t, name, torch.nn.Parameter(torch.tensor(a)))
            setattr(g, name, tg.nn.Parameter(tg.tensor(a)))
        pairs.append((t, g))
    return pairs


def _conv_pair(seed=0, shape=(6, 4, 3, 3)):
    rng = np.random.default_rng(seed)
    t, g = torch.nn.Conv2d(shape[1], shape[0], shape[2]), tg.nn.Conv2d(shape[1], shape[0], shape[2])
    a = rng.standard_normal(shape).astype(np.float32)
    a[1] = 0.0  # a dead filter: ties among the channel norms
    a[3] = -a[4]  # two filters of equal norm
    t.weight = torch.nn.Parameter(torch.tensor(a))
    g.weight = tg.nn.Parameter(tg.tensor(a))
    return t, g


def _same(t, g, atol=ATOL):
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), atol=atol, rtol=1e-5)


def _same_module(t, g, name="weight"):
    """Same mask, same pruned tensor, same parameter/buffer names and state_dict keys."""
    _same(getattr(t, name + "_mask"), getattr(g, name + "_mask"), 0)
    _same(getattr(t, name), getattr(g, name))
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in g.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert list(g.state_dict()) == list(t.state_dict())
    assert getattr(g, name + "_mask").dtype == tg.float32


# ---- unstructured ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("amount", [0.0, 0.3, 0.5, 1.0, 0, 7, 20])
@pytest.mark.parametrize("ties", [False, True])
def test_l1_unstructured(amount, ties):
    (t, g), = _linears([(5, 4)], seed=1, ties=ties)
    assert tprune.l1_unstructured(t, "weight", amount) is t
    assert prune.l1_unstructured(g, "weight", amount) is g
    _same_module(t, g)
    assert list(t.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    assert isinstance(g.weight_orig, tg.nn.Parameter) and not isinstance(g.weight, tg.nn.Parameter)


@pytest.mark.parametrize("n,k", [(300, 2), (640, 9), (1280, 20), (100, 60), (1000, 700)])
def test_l1_ties_follow_torch_topk(n, k):
    """Many equal magnitudes: both of torch's selection paths (partial_sort for k*64 <= n, nth_element else)."""
    rng = np.random.default_rng(n + k)
    a = rng.integers(-2, 3, (1, n)).astype(np.float32)
    if k * 64 <= n:  # ties at a level above the smallest: which ones the heap keeps is not index order
        a = rng.choice(np.float32([1, -2, 2, 3]), (1, n), p=[0.005, 0.25, 0.25, 0.495])
    t, g = torch.nn.Linear(n, 1, bias=False), tg.nn.Linear(n, 1, bias=False)
    t.weight, g.weight = torch.nn.Parameter(torch.tensor(a)), tg.nn.Parameter(tg.tensor(a))
    tprune.l1_unstructured(t, "weight", k)
    prune.l1_unstructured(g, "weight", k)
    _same_module(t, g)


@pytest.mark.parametrize("amount", [0.25, 5])
def test_random_unstructured_draws_as_torch(amount):
    (t, g), = _linears([(6, 5)], seed=2)
    torch.manual_seed(11)
    tg.manual_seed(11)
    tprune.random_unstructured(t, "weight", amount)
    prune.random_unstructured(g, "weight", amount)
    _same_module(t, g)
    assert float(torch.rand(1)) == float(tg.rand(1).item())  # the generators moved on alike


def test_repeated_pruning_acts_on_what_is_left():
    (t, g), = _linears([(8, 6)], seed=3, ties=True)
    torch.manual_seed(5)
    tg.manual_seed(5)
    for mod, p in ((t, tprune), (g, prune)):
        p.l1_unstructured(mod, "weight", 0.3)
        p.random_unstructured(mod, "weight", 5)
        p.l1_unstructured(mod, "weight", 0.5)
        p.ln_structured(mod, "weight", 2, n=1, dim=0)
    _same_module(t, g)
    hook, = g._forward_pre_hooks.values()
    assert isinstance(hook, prune.PruningContainer) and len(hook) == 4
    assert [type(m).__name__ for m in hook] == [type(m).__name__ for m in next(iter(t._forward_pre_hooks.values()))]


def test_importance_scores_and_bias():
    (t, g), = _linears([(5, 4)], seed=4)
    s = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    tprune.l1_unstructured(t, "weight", 6, importance_scores=torch.tensor(s))
    prune.l1_unstructured(g, "weight", 6, importance_scores=tg.tensor(s))
    tprune.l1_unstructured(t, "bias", 2)
    prune.l1_unstructured(g, "bias", 2)
    _same_module(t, g)
    _same_module(t, g, "bias")


# ---- structured --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 0.5, math.inf, -math.inf])
@pytest.mark.parametrize("dim", [0, 1, -1, 3])
@pytest.mark.parametrize("amount", [2, 0.5])
def test_ln_structured(n, dim, amount):
    t, g = _conv_pair(seed=5)
    tprune.ln_structured(t, "weight", amount, n=n, dim=dim)
    prune.ln_structured(g, "weight", amount, n=n, dim=dim)
    _same_module(t, g)
    tprune.ln_structured(t, "weight", 1, n=n, dim=dim)  # again: only the channels still there compete
    prune.ln_structured(g, "weight", 1, n=n, dim=dim)
    _same_module(t, g)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_random_structured_draws_as_torch(dim):
    t, g = _conv_pair(seed=6)
    torch.manual_seed(2)
    tg.manual_seed(2)
    tprune.random_structured(t, "weight", 0.5, dim)
    prune.random_structured(g, "weight", 0.5, dim)
    _same_module(t, g)


# ---- global, custom, identity -----------------------------------------------------------------------------------
@pytest.mark.parametrize("ties", [False, True])
def test_global_unstructured(ties):
    pairs = _linears([(6, 16), (16, 16), (16, 3)], seed=7, ties=ties)
    tprune.l1_unstructured(pairs[0][0], "weight", 0.2)  # one layer already pruned: its mask is respected
    prune.l1_unstructured(pairs[0][1], "weight", 0.2)
    tprune.global_unstructured([(t, "weight") for t, _ in pairs], pruning_method=tprune.L1Unstructured, amount=0.5)
    prune.global_unstructured([(g, "weight") for _, g in pairs], pruning_method=prune.L1Unstructured, amount=0.5)
    for t, g in pairs:
        _same_module(t, g)
    assert sum(int((g.weight == 0).sum()) for _, g in pairs) == sum(int((t.weight == 0).sum()) for t, _ in pairs)


def test_global_unstructured_scores_and_random():
    pairs = _linears([(4, 5), (5, 3)], seed=8)
    s = np.abs(np.random.default_rng(1).standard_normal((5, 4))).astype(np.float32)
    tprune.global_unstructured([(t, "weight") for t, _ in pairs], tprune.L1Unstructured,
                               importance_scores={(pairs[0][0], "weight"): torch.tensor(s)}, amount=9)
    prune.global_unstructured([(g, "weight") for _, g in pairs], prune.L1Unstructured,
                              importance_scores={(pairs[0][1], "weight"): tg.tensor(s)}, amount=9)
    torch.manual_seed(4)
    tg.manual_seed(4)
    tprune.global_unstructured([(t, "bias") for t, _ in pairs], tprune.RandomUnstructured, amount=0.5)
    prune.global_unstructured([(g, "bias") for _, g in pairs], prune.RandomUnstructured, amount=0.5)
    for t, g in pairs:
        _same_module(t, g)
        _same_module(t, g, "bias")


def test_custom_from_mask_and_identity():
    (t, g), = _linears([(3, 4)], seed=9)
    m = np.random.default_rng(2).integers(0, 2, (4, 3)).astype(np.float32)
    tprune.custom_from_mask(t, "weight", torch.tensor(m))
    prune.custom_from_mask(g, "weight", tg.tensor(m))
    tprune.identity(t, "bias")
    prune.identity(g, "bias")
    _same_module(t, g)
    _same_module(t, g, "bias")
    assert float(g.bias_mask.sum()) == 4.0


@pytest.mark.parametrize("shape,dim", [((5, 4), 0), ((3, 4, 5), 1), ((3, 4, 5), -1)])
def test_ln_structured_fro(shape, dim):
    a = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    _same(tprune.LnStructured(2, n="fro", dim=dim).prune(torch.tensor(a)),
          prune.LnStructured(2, n="fro", dim=dim).prune(tg.tensor(a)))
    with pytest.raises(RuntimeError):  # torch: 'fro' over more than 2 dims is a matrix norm it can't take
        tprune.LnStructured(1, n="fro", dim=0).prune(torch.tensor(a[None, None]))
    with pytest.raises(RuntimeError, match="'fro' needs at most 2 dims"):
        prune.LnStructured(1, n="fro", dim=0).prune(tg.tensor(a[None, None]))


def test_method_prune_on_a_tensor():
    a = np.random.default_rng(3).standard_normal((4, 6)).astype(np.float32)
    _same(tprune.L1Unstructured(7).prune(torch.tensor(a)), prune.L1Unstructured(7).prune(tg.tensor(a)))
    _same(tprune.LnStructured(2, n=2, dim=1).prune(torch.tensor(a)),
          prune.LnStructured(2, n=2, dim=1).prune(tg.tensor(a)))


# ---- training with masks, remove -------------------------------------------------------------------------------
def test_gradients_and_sgd_keep_the_zeros():
    pairs = _linears([(6, 8), (8, 3)], seed=10)
    x = np.random.default_rng(4).standard_normal((5, 6)).astype(np.float32)
    tm = torch.nn.Sequential(pairs[0][0], torch.nn.ReLU(), pairs[1][0])
    gm = tg.nn.Sequential(pairs[0][1], tg.nn.ReLU(), pairs[1][1])
    for m, p in ((tm, tprune), (gm, prune)):
        p.l1_unstructured(m[0], "weight", 0.5)
        p.ln_structured(m[2], "weight", 1, n=2, dim=0)
    topt, gopt = torch.optim.SGD(tm.parameters(), lr=0.1), tg.optim.SGD(gm.parameters(), lr=0.1)
    for _ in range(3):
        tl, gl = tm(torch.tensor(x)).square().mean(), gm(tg.tensor(x)).square().mean()
        topt.zero_grad()
        gopt.zero_grad()
        tl.backward()
        gl.backward()
        _same(tm[0].weight_orig.grad, gm[0].weight_orig.grad)
        _same(tm[2].weight_orig.grad, gm[2].weight_orig.grad)
        assert not (gm[0].weight_orig.grad.numpy()[gm[0].weight_mask.numpy() == 0]).any()
        topt.step()
        gopt.step()
        _same(tl, gl, 1e-5)
    gm(tg.tensor(x))  # the pre-hook recomputes weight from the stepped weight_orig
    tm(torch.tensor(x))
    for i in (0, 2):
        _same_module(tm[i], gm[i])
        assert (gm[i].weight.numpy()[gm[i].weight_mask.numpy() == 0] == 0).all()


def test_remove_makes_it_permanent():
    (t, g), = _linears([(5, 4)], seed=11)
    for m, p in ((t, tprune), (g, prune)):
        p.l1_unstructured(m, "weight", 0.5)
        p.random_unstructured(m, "bias", 0)
    orig = g.weight_orig
    assert prune.is_pruned(tg.nn.Sequential(g)) and tprune.is_pruned(t)
    tprune.remove(t, "weight")
    assert prune.remove(g, "weight") is g
    assert g.weight is orig and isinstance(g.weight, tg.nn.Parameter)  # the same Parameter object stays
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()] == ["bias_orig", "weight"]
    assert list(g.state_dict()) == list(t.state_dict())
    _same(t.weight, g.weight)
    prune.remove(g, "bias")
    assert not prune.is_pruned(g) and list(g.state_dict()) == ["weight", "bias"]
    with pytest.raises(ValueError, match="has to be pruned"):
        prune.remove(g, "weight")


# ---- bad input ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call,err,match", [
    (lambda m: prune.l1_unstructured(m, "weight", 1.5), ValueError, r"amount=1.5 should either be a float"),
    (lambda m: prune.l1_unstructured(m, "weight", -1), ValueError, r"amount=-1 should either"),
    (lambda m: prune.random_unstructured(m, "weight", "x"), TypeError, r"invalid type for amount"),
    (lambda m: prune.l1_unstructured(m, "weight", 13), ValueError, r"amount=13 should be smaller than.*=12"),
    (lambda m: prune.ln_structured(m, "bias", 1, n=2, dim=0), ValueError, r"multidimensional.*\(4,\)"),
    (lambda m: prune.ln_structured(m, "weight", 1, n=2, dim=2), IndexError, r"invalid dim 2.*\(4, 3\)"),
    (lambda m: prune.random_structured(m, "weight", 5, dim=1), ValueError, r"amount=5 should be smaller.*=3"),
    (lambda m: prune.l1_unstructured(m, "weight", 1, importance_scores=tg.ones(3, 4)), ValueError, r"\(3, 4\)"),
    (lambda m: prune.global_unstructured([(m, "weight")], prune.LnStructured, amount=1, n=2, dim=0), TypeError,
     r'only "unstructured"'),
    (lambda m: prune.global_unstructured([(m, "weight")], prune.L1Unstructured, importance_scores=[1], amount=1),
     TypeError, "must be of type dict"),
])
def test_bad_input(call, err, match):
    (_, g), = _linears([(3, 4)])
    with pytest.raises(err, match=match):
        call(g)
    # as torch, a failed prune puts the parameter back (re-registered, so last) and leaves no mask or hook
    assert sorted(n for n, _ in g.named_parameters()) == ["bias", "weight"] and not prune.is_pruned(g)
    assert list(g.named_buffers()) == []


def test_bad_input_matches_torch_error_types():
    (t, g), = _linears([(3, 4)])
    for amount, err in ((1.5, ValueError), (-1, ValueError), ("x", TypeError), (13, ValueError)):
        with pytest.raises(err):
            tprune.l1_unstructured(t, "weight", amount)
        with pytest.raises(err):
            prune.l1_unstructured(g, "weight", amount)
        assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]


def test_import_paths():
    assert tg.nn.utils.prune is prune
    assert issubclass(prune.L1Unstructured, prune.BasePruningMethod)


# ---- amp queries -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("device", ["cpu", "cuda", "cuda:0", "mps", "xpu", "hpu", "meta"])
def test_is_autocast_available(device):
    assert tg.amp.is_autocast_available(device) == torch.amp.is_autocast_available(device)


def test_autocast_state_as_torch():
    def state(lib):
        return [lib.is_autocast_enabled(), lib.is_autocast_enabled("cpu"), str(lib.get_autocast_dtype("cpu")),
                str(lib.get_autocast_dtype("cuda"))]

    seen = {}
    for lib in (torch, tg):
        out = [state(lib)]
        with lib.autocast("cpu", dtype=lib.float16, enabled=False):
            out.append(state(lib))
        with lib.autocast(device_type="cpu"):
            out.append(state(lib))
            with lib.autocast("cpu", dtype=lib.float16):
                out.append(state(lib))
            out.append(state(lib))

        @lib.autocast("cpu", dtype=lib.bfloat16)
        def inside():
            return state(lib)
        out += [inside(), state(lib)]
        seen[lib.__name__] = [[s.replace("torch.", "") for s in row[2:]] + row[:2] for row in out]
    assert seen["teenygrad"] == seen["torch"]
    assert seen["torch"][2][3] is True  # the checks above can see an enabled context


def test_autocast_queries_bad_input():
    with pytest.raises(RuntimeError, match="device type at start of device string: foo"):
        tg.get_autocast_dtype("foo")
    with pytest.raises(RuntimeError, match="foo"):
        tg.is_autocast_enabled("foo")
    with pytest.raises(TypeError, match="must be str"):
        tg.amp.is_autocast_available(0)
    with pytest.raises(TypeError):
        tg.get_autocast_dtype()
