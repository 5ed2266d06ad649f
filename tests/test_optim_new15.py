"""Adafactor, Muon and swap_in_optimizer_params_and_state vs torch 2.13: trajectories on the same parameters
and the same preset gradients, state_dict layout, checkpoint round trips, and torch's constructor errors."""
import ml_dtypes
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.optim.muon import _zeropower_via_newtonschulz

RTOL = {np.float32: 1e-5, np.float64: 1e-10}
ATOL = {np.float32: 1e-6, np.float64: 1e-12}


def _run(opt_tg, opt_torch, shapes, dtype, steps, kw, seed=0, lr_tensor=False):
    """Step both optimizers `steps` times on identical params and identical gradient sequences; return both."""
    rng = np.random.default_rng(seed)
    inits = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]
    pt = [torch.tensor(a, requires_grad=True) for a in inits]
    pg = [tg.tensor(a.copy(), requires_grad=True) for a in inits]
    kt, kg = dict(kw), dict(kw)
    if lr_tensor:
        kt["lr"], kg["lr"] = torch.tensor(kw["lr"]), tg.tensor(kw["lr"])
    ot, og = opt_torch(pt, **kt), opt_tg(pg, **kg)
    for gs in grads:
        for a, b, g in zip(pt, pg, gs):
            a.grad, b.grad = torch.tensor(g), tg.tensor(g.copy())
        ot.step()
        og.step()
    return pt, pg, ot, og


def _close(pt, pg, dtype, rtol=None, atol=None):
    for a, b in zip(pt, pg):
        assert b.numpy().dtype == dtype, "the parameter's dtype changed"
        np.testing.assert_allclose(b.numpy(), a.detach().numpy(), rtol=rtol or RTOL[dtype], atol=atol or ATOL[dtype])


def _same_state(ot, og):
    st, sg = ot.state_dict(), og.state_dict()
    scalar = lambda v: float(v.item()) if hasattr(v, "item") else v  # noqa: E731  (a Tensor lr)
    assert [list(g) for g in sg["param_groups"]] == [list(g) for g in st["param_groups"]]  # keys, in order
    assert [{k: scalar(v) for k, v in g.items()} for g in sg["param_groups"]] == \
        [{k: scalar(v) for k, v in g.items()} for g in st["param_groups"]]
    assert sorted(sg["state"]) == sorted(st["state"])
    for i in st["state"]:
        assert list(sg["state"][i]) == list(st["state"][i])  # same keys in the same order
        for k, v in st["state"][i].items():
            w = sg["state"][i][k].numpy()
            assert w.shape == tuple(v.shape) and w.dtype == v.detach().numpy().dtype, k


# ---- Adafactor ------------------------------------------------------------------------------------------------
ADAFACTOR_CONFIGS = [
    dict(),
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.02, maximize=True),
    dict(beta2_decay=-0.5, d=2.0),
    dict(eps=(1e-4, 1e-2), weight_decay=0.05),
    dict(lr=0.01, beta2_decay=0.0, eps=(None, 0.0)),
    dict(foreach=True, lr=0.03),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", ADAFACTOR_CONFIGS, ids=[str(i) for i in range(len(ADAFACTOR_CONFIGS))])
def test_adafactor_trajectory(kw, dtype):
    shapes = [(7,), (5, 3), (2, 4, 6), (3, 1, 2, 5), ()]  # 1-D / 0-D unfactored, 2-D+ factored on the last two dims
    pt, pg, ot, og = _run(tg.optim.Adafactor, torch.optim.Adafactor, shapes, dtype, 20, kw)
    _close(pt, pg, dtype)
    _same_state(ot, og)
    for i, p in enumerate(pg):
        for k, v in ot.state_dict()["state"][i].items():
            np.testing.assert_allclose(og.state[p][k].numpy(), v.numpy(), rtol=RTOL[dtype], atol=ATOL[dtype])


def test_adafactor_tensor_lr_and_groups():
    pt, pg, ot, og = _run(tg.optim.Adafactor, torch.optim.Adafactor, [(4, 3), (6,)], np.float64, 20,
                          dict(lr=0.03, weight_decay=0.1), lr_tensor=True)
    _close(pt, pg, np.float64, rtol=1e-6, atol=1e-8)  # a float32 lr tensor: torch mixes its float32 into the math


def test_adafactor_eps1_from_first_param_dtype():
    # torch fixes eps1 = finfo(dtype).eps from the group's first parameter and keeps it for the rest
    rng = np.random.default_rng(1)
    a32, a64 = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((5,)) * 1e-5
    g32, g64 = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((5,)) * 1e-9
    pt = [torch.tensor(a32, requires_grad=True), torch.tensor(a64, requires_grad=True)]
    pg = [tg.tensor(a32.copy(), requires_grad=True), tg.tensor(a64.copy(), requires_grad=True)]
    ot, og = torch.optim.Adafactor(pt), tg.optim.Adafactor(pg)
    for _ in range(5):
        pt[0].grad, pt[1].grad = torch.tensor(g32), torch.tensor(g64)
        pg[0].grad, pg[1].grad = tg.tensor(g32.copy()), tg.tensor(g64.copy())
        ot.step()
        og.step()
    np.testing.assert_allclose(pg[1].numpy(), pt[1].detach().numpy(), rtol=1e-10)


def test_adafactor_state_dict_round_trip():
    shapes = [(5, 3), (4,), (2, 3, 4)]
    pt, pg, ot, og = _run(tg.optim.Adafactor, torch.optim.Adafactor, shapes, np.float32, 6, dict(lr=0.02))
    # a torch checkpoint loads into teenygrad and the trajectories go on together
    fresh = [tg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in pt]
    o2 = tg.optim.Adafactor(fresh, lr=0.5)
    o2.load_state_dict(ot.state_dict())
    assert o2.param_groups[0]["lr"] == 0.02 and list(o2.state[fresh[0]]) == ["step", "row_var", "col_var"]
    rng = np.random.default_rng(3)
    for _ in range(5):
        gs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        for a, b, g in zip(pt, fresh, gs):
            a.grad, b.grad = torch.tensor(g), tg.tensor(g)
        ot.step()
        o2.step()
    _close(pt, fresh, np.float32)
    # and teenygrad's own state_dict loads back into teenygrad
    o3 = tg.optim.Adafactor([tg.tensor(p.numpy().copy(), requires_grad=True) for p in pg])
    o3.load_state_dict(og.state_dict())
    assert float(list(o3.state.values())[0]["step"].numpy()) == 6.0
    bad = og.state_dict()
    bad["state"][0] = dict(bad["state"][0], row_var=tg.zeros(3, 1))
    with pytest.raises(ValueError, match="row_var"):
        tg.optim.Adafactor([tg.zeros(5, 3, requires_grad=True), tg.zeros(4, requires_grad=True),
                            tg.zeros(2, 3, 4, requires_grad=True)]).load_state_dict(bad)


@pytest.mark.parametrize("kw, msg", [
    (dict(lr=-1.0), "Learning rate should be >= 0 but is: -1.0"),
    (dict(beta2_decay=0.5), "beta2_decay should be <= 0 but is: 0.5"),
    (dict(eps=(-1e-3, 1e-3)), "epsilon1 should be >= 0 but is: -0.001"),
    (dict(eps=(None, -1.0)), "epsilon2 should be >= 0 but is: -1.0"),
    (dict(d=0.5), "Clipping threshold d should be >= 1 but is: 0.5"),
    (dict(weight_decay=-0.1), "weight_decay should be >= 0 but is: -0.1"),
])
def test_adafactor_errors(kw, msg):
    with pytest.raises(ValueError, match=msg):
        torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError, match=msg):
        tg.optim.Adafactor([tg.zeros(2, requires_grad=True)], **kw)


def test_adafactor_refuses_complex_and_unknown_kwargs():
    p = tg.tensor(np.ones(3, np.complex64), requires_grad=True)
    p.grad = tg.tensor(np.ones(3, np.complex64))
    with pytest.raises(RuntimeError, match="Adafactor does not support complex parameters"):
        tg.optim.Adafactor([p]).step()
    with pytest.raises(TypeError):
        tg.optim.Adafactor([tg.zeros(2, requires_grad=True)], fused=True)  # torch has no fused Adafactor
    assert tg.optim.Adafactor([tg.zeros(2, requires_grad=True)]).defaults == \
        torch.optim.Adafactor([torch.zeros(2, requires_grad=True)]).defaults


# ---- Muon -----------------------------------------------------------------------------------------------------
def _bf16_ulp(a):
    return 2.0 ** (np.floor(np.log2(np.maximum(np.abs(a), 1e-30))) - 7)


@pytest.mark.parametrize("shape", [(8, 16), (16, 8), (12, 12), (1, 7), (7, 1), (20, 33)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_newton_schulz_matches_torch(shape, dtype):
    from torch.optim._muon import _zeropower_via_newtonschulz as torch_ns
    rng = np.random.default_rng(sum(shape))
    g = rng.standard_normal(shape).astype(dtype)
    want = torch_ns(torch.tensor(g), (3.4445, -4.7750, 2.0315), 5, 1e-7).float().numpy()
    got = _zeropower_via_newtonschulz(g, (3.4445, -4.7750, 2.0315), 5, 1e-7)
    assert got.dtype == np.float32
    # bfloat16 math: equal but where torch's float32 accumulation rounds across a bfloat16 boundary
    assert np.mean(got != want) < 0.01
    assert np.all(np.abs(got - want) <= 2 * _bf16_ulp(want))


@pytest.mark.parametrize("shape", [(128, 256), (256, 128)])
@pytest.mark.parametrize("seed", [0, 1])
def test_newton_schulz_wide_shapes_within_bf16_noise(shape, seed):
    """Past toy shapes one flipped bfloat16 rounding is amplified by the iteration, so most elements differ from
    torch's; the result must still be bfloat16 values within torch's bfloat16 noise. Measured relative Frobenius
    error: 0.1%..0.7% over 16 draws at these shapes; an unrounded float32 iteration is 1.2% away."""
    from torch.optim._muon import _zeropower_via_newtonschulz as torch_ns
    g = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    want = torch_ns(torch.tensor(g), (3.4445, -4.7750, 2.0315), 5, 1e-7).float().numpy()
    got = _zeropower_via_newtonschulz(g, (3.4445, -4.7750, 2.0315), 5, 1e-7)
    assert got.dtype == np.float32 and got.shape == shape
    assert np.array_equal(got, got.astype(ml_dtypes.bfloat16).astype(np.float32)), "not bfloat16 values"
    assert np.linalg.norm(got - want) / np.linalg.norm(want) < 1e-2


MUON_CONFIGS = [
    dict(lr=0.02),
    dict(lr=0.02, weight_decay=0.0, nesterov=False),
    dict(lr=0.01, momentum=0.5, adjust_lr_fn="match_rms_adamw"),
    dict(lr=0.01, adjust_lr_fn="original", ns_steps=3, ns_coefficients=(2.0, -1.5, 0.5)),
    dict(lr=0.05, weight_decay=0.2, momentum=0.0, eps=1e-3),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", MUON_CONFIGS, ids=[str(i) for i in range(len(MUON_CONFIGS))])
def test_muon_trajectory(kw, dtype):
    shapes = [(6, 10), (10, 6), (8, 8), (3, 17)]  # wide, tall (orthogonalized transposed), square
    pt, pg, ot, og = _run(tg.optim.Muon, torch.optim.Muon, shapes, dtype, 15, kw)
    # the update is bfloat16 in torch too: allow a rare one-ulp bfloat16 difference in one step's update
    _close(pt, pg, dtype, rtol=1e-6, atol=2 * kw["lr"] * 2 ** -8)
    _same_state(ot, og)
    for i, p in enumerate(pg):  # the momentum buffers see only gradients: tight
        np.testing.assert_allclose(og.state[p]["momentum_buffer"].numpy(),
                                   ot.state_dict()["state"][i]["momentum_buffer"].numpy(),
                                   rtol=RTOL[dtype], atol=ATOL[dtype])


def test_muon_tensor_lr_and_round_trip():
    pt, pg, ot, og = _run(tg.optim.Muon, torch.optim.Muon, [(5, 9)], np.float32, 5, dict(lr=0.02),
                          lr_tensor=True)
    _close(pt, pg, np.float32, rtol=1e-6, atol=2 * 0.02 * 2 ** -8)
    assert og.param_groups[0].keys() == ot.param_groups[0].keys()
    fresh = tg.tensor(pt[0].detach().numpy().copy(), requires_grad=True)
    o2 = tg.optim.Muon([fresh])
    o2.load_state_dict(ot.state_dict())
    np.testing.assert_array_equal(o2.state[fresh]["momentum_buffer"].numpy(),
                                  ot.state[pt[0]]["momentum_buffer"].numpy())


def test_muon_errors():
    two = lambda: [tg.zeros(3, 4, requires_grad=True)]  # noqa: E731
    for kw, msg in [(dict(lr=-0.1), "Learning rate should be >= 0 but is: -0.1"),
                    (dict(momentum=-0.5), "momentum should be >= 0 but is: -0.5"),
                    (dict(weight_decay=-1.0), "weight decay should be >= 0 but is: -1.0"),
                    (dict(adjust_lr_fn="spectral"), "Adjust learning rate function spectral is not supported")]:
        with pytest.raises(ValueError, match=msg):
            torch.optim.Muon([torch.zeros(3, 4, requires_grad=True)], **kw)
        with pytest.raises(ValueError, match=msg):
            tg.optim.Muon(two(), **kw)
    for shape in [(3,), (2, 3, 4)]:
        with pytest.raises(ValueError, match="Muon only supports 2D parameters"):
            tg.optim.Muon([tg.zeros(*shape, requires_grad=True)])
    with pytest.raises(TypeError):
        tg.optim.Muon(two(), foreach=True)  # torch's Muon takes no foreach
    for kw, msg in [(dict(ns_steps=100), "Number of steps must be less than 100"),
                    (dict(ns_coefficients=(1.0, 2.0)), "Coefficients must be a tuple of exactly 3 values")]:
        p = two()
        p[0].grad = tg.ones(3, 4)
        with pytest.raises(ValueError, match=msg):
            tg.optim.Muon(p, **kw).step()
    o = tg.optim.Muon(two())
    v = tg.zeros(5, requires_grad=True)
    o.add_param_group({"params": [v]})  # as torch: only the constructor checks; step refuses the 1-D gradient
    v.grad = tg.ones(5)
    with pytest.raises(ValueError, match="Param gradient must be a 2D matrix"):
        o.step()
    c = tg.tensor(np.ones((2, 2), np.complex64), requires_grad=True)
    c.grad = tg.tensor(np.ones((2, 2), np.complex64))
    with pytest.raises(RuntimeError, match="Muon does not support complex parameters"):
        tg.optim.Muon([c]).step()


def test_muon_zero_gradient_and_defaults():
    p = tg.tensor(np.ones((3, 5), np.float32), requires_grad=True)
    p.grad = tg.zeros(3, 5)
    tg.optim.Muon([p], lr=0.1, weight_decay=0.0).step()  # a zero gradient orthogonalizes to zero: eps, no NaN
    np.testing.assert_array_equal(p.numpy(), np.ones((3, 5), np.float32))
    assert tg.optim.Muon([tg.zeros(2, 2, requires_grad=True)]).defaults == \
        torch.optim.Muon([torch.zeros(2, 2, requires_grad=True)]).defaults


# ---- swap_in_optimizer_params_and_state -----------------------------------------------------------------------
def test_swap_in_params_and_state_matches_torch():
    rng = np.random.default_rng(5)
    a, b, g = (rng.standard_normal((4, 3)) for _ in range(3))

    def run(lib):
        live = lib.tensor(a.copy(), requires_grad=True)
        opt = lib.optim.Adam([live], lr=0.1)
        live.grad = lib.tensor(g.copy())
        opt.step()
        other = lib.tensor(b.copy(), requires_grad=True)
        other.grad = lib.tensor(g.copy())
        osd = opt.state_dict()
        osd = {"state": {0: {k: v.clone() for k, v in osd["state"][0].items()}},
               "param_groups": [dict(osd["param_groups"][0], lr=0.5)]}
        before = live.detach().numpy().copy()
        params_list = opt.param_groups[0]["params"]
        with lib.optim.swap_in_optimizer_params_and_state(opt, {"w": other}, osd):
            assert opt.param_groups[0]["params"][0] is other and opt.param_groups[0]["lr"] == 0.5
            opt.step()
        assert opt.param_groups[0]["params"] is params_list and opt.param_groups[0]["lr"] == 0.1
        np.testing.assert_array_equal(live.detach().numpy(), before)
        return other.detach().numpy(), osd["state"][0]["exp_avg"].numpy(), float(osd["state"][0]["step"])

    for x, y in zip(run(torch), run(tg)):
        np.testing.assert_allclose(y, x, rtol=1e-12)


def test_swap_in_errors():
    p = tg.zeros(2, requires_grad=True)
    opt = tg.optim.SGD([p], lr=0.1, momentum=0.9)
    with pytest.raises(RuntimeError, match="requires initialized optimizer state"):
        with tg.optim.swap_in_optimizer_params_and_state(opt, {"p": p}, opt.state_dict()):
            pass
    p.grad = tg.ones(2)
    opt.step()
    sd = opt.state_dict()
    for bad, msg in [({"state": sd["state"], "param_groups": []}, "different number of parameter groups"),
                     ({"state": {**sd["state"], 7: {}}, "param_groups": sd["param_groups"]}, "extra keys"),
                     ({"state": sd["state"], "param_groups": [dict(sd["param_groups"][0], extra=1)]},
                      "Keys only in swap-in: \\['extra'\\]")]:
        with pytest.raises(RuntimeError, match=msg):
            with tg.optim.swap_in_optimizer_params_and_state(opt, {"p": p}, bad):
                pass
