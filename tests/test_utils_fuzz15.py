"""nn.init, nn.utils and Module state handling against torch (the oracle): each test pins a fix where teenygrad
crashed while torch worked, or gave a different answer, or accepted what torch refuses."""
import math
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad import nn
from teenygrad.nn import init
from teenygrad.nn.utils import parametrize, parametrizations

RNG = np.random.default_rng(15)


def _rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _linear(lib, w, b):
    m = lib.nn.Linear(w.shape[1], w.shape[0])
    with lib.no_grad():
        m.weight.copy_(lib.tensor(w))
        m.bias.copy_(lib.tensor(b))
    return m


# ---- nn.init ---------------------------------------------------------------------------------------------------------
def test_orthogonal_rejects_an_integer_tensor():
    with pytest.raises(NotImplementedError):
        torch.nn.init.orthogonal_(torch.zeros(3, 4, dtype=torch.int64))
    t = tg.zeros(3, 4, dtype=tg.int64)
    with pytest.raises(TypeError, match="orthogonal_"):  # it used to write rounded Q values into the int tensor
        init.orthogonal_(t)
    assert not t.numpy().any()


@pytest.mark.parametrize("shape,groups", [((5, 3, 3), 2), ((6, 2, 3, 3), 4)])
def test_dirac_needs_out_channels_divisible_by_groups(shape, groups):
    with pytest.raises(ValueError, match="divisible by groups"):
        torch.nn.init.dirac_(torch.empty(*shape), groups)
    with pytest.raises(ValueError, match=r"dirac_: dim 0 must be divisible by groups.*groups=" + str(groups)):
        init.dirac_(tg.empty(*shape), groups)


@pytest.mark.parametrize("shape,groups", [((6, 3, 3), 2), ((4, 2, 3, 3), 2), ((2, 5, 3, 3, 3), 1)])
def test_dirac_groups_match_torch(shape, groups):
    np.testing.assert_array_equal(init.dirac_(tg.empty(*shape), groups).numpy(),
                                  torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())


# ---- Module.state_dict / load_state_dict -------------------------------------------------------------------------------
def test_state_dict_prefix_is_used_as_given():
    for prefix in ("m.", "m", ""):
        keys = list(nn.Sequential(nn.Linear(2, 2)).state_dict(prefix=prefix))
        assert keys == list(torch.nn.Sequential(torch.nn.Linear(2, 2)).state_dict(prefix=prefix))
    assert keys == ["0.weight", "0.bias"]


def _assign_case(lib, w):
    m = lib.nn.Linear(3, 2)
    old = m.weight
    m.weight.grad = lib.ones(2, 3)
    sd = {"weight": lib.tensor(w.astype(np.float64)), "bias": lib.nn.Parameter(lib.zeros(2), requires_grad=False)}
    m.load_state_dict(sd, assign=True)
    sd["weight"][0, 0] = 7.0  # the module holds the checkpoint's memory
    return dict(w=m.weight.detach().numpy().copy(), dtype=str(m.weight.dtype).split(".")[-1],
                kind=type(m.weight).__name__, rg=(m.weight.requires_grad, m.bias.requires_grad),
                same_old=m.weight is old, bias_is_sd=m.bias is sd["bias"], grad=m.weight.grad is None)


def test_load_state_dict_assign_takes_the_checkpoint_tensor():
    w = _rand(2, 3)
    t, o = _assign_case(torch, w), _assign_case(tg, w)
    np.testing.assert_array_equal(o.pop("w"), t.pop("w"))
    assert o == t  # float64 kept, memory shared, a new Parameter with the old requires_grad, no stale grad


def test_load_state_dict_assign_buffer():
    out = []
    for lib in (torch, tg):
        m = lib.nn.BatchNorm1d(2)
        sd = dict(m.state_dict())
        sd["running_mean"] = lib.tensor([1.0, 2.0], dtype=lib.float64)
        m.load_state_dict(sd, assign=True)
        sd["running_mean"][0] = 4.0
        out.append((m.running_mean.numpy().tolist(), str(m.running_mean.dtype).split(".")[-1]))
    assert out[0] == out[1] == ([4.0, 2.0], "float64")


def test_load_state_dict_without_assign_still_copies():
    m = nn.Linear(3, 2)
    w0 = m.weight
    sd = {"weight": tg.tensor(_rand(2, 3).astype(np.float64)), "bias": tg.zeros(2)}
    m.load_state_dict(sd)
    assert m.weight is w0 and m.weight.dtype == tg.float32
    np.testing.assert_allclose(m.weight.numpy(), sd["weight"].numpy(), rtol=1e-6)


def _hooks_case(lib, w):
    m = lib.nn.Sequential(lib.nn.Linear(3, 2))

    def rename(module, state_dict, prefix, local_metadata, strict, missing, unexpected, errors):
        if prefix + "w" in state_dict:
            state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")

    def forgive(module, incompatible):
        incompatible.missing_keys.remove("0.bias")

    h = m[0].register_load_state_dict_pre_hook(rename)
    m.register_load_state_dict_post_hook(forgive)
    sd = {"0.w": lib.tensor(w)}
    res = m.load_state_dict(sd)  # strict: the post hook cleared the only missing key
    out = [str(res), list(sd), m[0].weight.detach().numpy().copy()]
    h.remove()
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict({"0.w": lib.tensor(w)})
    out.append("Unexpected key(s) in state_dict: \"0.w\"" in str(e.value))
    return out


def test_load_state_dict_pre_and_post_hooks():
    w = _rand(2, 3)
    t, o = _hooks_case(torch, w), _hooks_case(tg, w)
    assert o[:2] == t[:2] == ["<All keys matched successfully>", ["0.w"]]  # the caller's dict is left as it was
    np.testing.assert_array_equal(o[2], t[2])
    assert o[3] and t[3]


def test_private_load_pre_hook_without_module():
    seen = []
    for lib in (torch, tg):
        m = lib.nn.Linear(3, 2)
        m._register_load_state_dict_pre_hook(lambda sd, prefix, *rest: seen.append((prefix, sorted(sd), len(rest))))
        m.load_state_dict(m.state_dict())
    assert seen[0] == seen[1] == ("", ["bias", "weight"], 5)


def test_strict_failure_without_post_hooks_copies_nothing():
    m = nn.Linear(3, 2)
    before = m.weight.numpy().copy()
    with pytest.raises(RuntimeError, match="Missing key"):
        m.load_state_dict({"weight": tg.zeros(2, 3)})
    np.testing.assert_array_equal(m.weight.numpy(), before)


# ---- Module.to --------------------------------------------------------------------------------------------------------
def test_module_to_complex_dtype():
    out = []
    for lib in (torch, tg):
        m = lib.nn.Linear(2, 2)
        m.register_buffer("steps", lib.arange(3))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.to(lib.complex64)
        out.append([str(t.dtype).split(".")[-1] for t in m.state_dict().values()])
        with pytest.raises(TypeError):
            m.to(lib.int32)
    assert out[0] == out[1] == ["complex64", "complex64", "int64"]


def test_module_double_leaves_complex_and_to_float_drops_imaginary():
    out = []
    for lib in (torch, tg):
        m = lib.nn.Module()
        m.c = lib.nn.Parameter(lib.tensor([1 + 2j]))
        m.f = lib.nn.Parameter(lib.ones(1))
        m.double()
        r = [str(m.c.dtype).split(".")[-1], str(m.f.dtype).split(".")[-1]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.to(lib.float32)
        out.append(r + [str(m.c.dtype).split(".")[-1], m.c.detach().numpy().tolist()])
    assert out[0] == out[1] == ["complex64", "float64", "float32", [1.0]]


# ---- parametrizations -----------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_old_weight_norm_checkpoint_loads_into_parametrized_weight_norm():
    w, b, x = _rand(4, 3), _rand(4), _rand(2, 3)
    ys = []
    for lib in (torch, tg):
        old = lib.nn.utils.weight_norm(_linear(lib, w, b))
        new = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 4))
        assert str(new.load_state_dict(old.state_dict())) == "<All keys matched successfully>"
        ys.append(new(lib.tensor(x)).detach().numpy())
    np.testing.assert_allclose(ys[1], ys[0], rtol=1e-5, atol=1e-6)


def test_transfer_parametrizations_and_params():
    w, b = _rand(4, 3), _rand(4)
    out = []
    for lib in (torch, tg):
        class Double(lib.nn.Module):
            def forward(self, x):
                return x * 2

            def right_inverse(self, x):
                return x / 2

        src = _linear(lib, w, b)
        lib.nn.utils.parametrize.register_parametrization(src, "weight", Double())
        dst = lib.nn.utils.parametrize.transfer_parametrizations_and_params(src, lib.nn.Linear(3, 4))
        assert dst.parametrizations.weight.original is src.parametrizations.weight.original
        out.append((dst.weight.detach().numpy(), list(dst.state_dict())))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-6)
    assert out[1][1] == out[0][1]
    assert parametrize.transfer_parametrizations_and_params(nn.Linear(2, 2), nn.Linear(2, 2)).weight.shape == (2, 2)


# ---- clip_grad_norm_ parity sweep (no fix needed: pins the norm types and the returned dtype) -----------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, -math.inf, 0.5, 0.0, 3.0])
def test_clip_grad_norm_norm_types(norm_type):
    shapes = [(3, 4), (5,), (2, 2, 2)]
    data, grads = [_rand(*s) for s in shapes], [_rand(*s) * 3 for s in shapes]
    out = []
    for lib in (torch, tg):
        ps = [lib.nn.Parameter(lib.tensor(d)) for d in data]
        for p, g in zip(ps[::2], grads[::2]):  # the middle one has no grad
            p.grad = lib.tensor(g)
        total = lib.nn.utils.clip_grad_norm_(ps, 0.5, norm_type=norm_type)
        out.append((float(total), str(total.dtype).split(".")[-1], [p.grad.numpy() for p in ps[::2]]))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-5)
    assert out[1][1] == out[0][1] == "float32"
    for a, e in zip(out[1][2], out[0][2]):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-7)


# ---- serialization ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("extra", [b"xyz", b"\x00" * 8])
def test_load_refuses_bytes_no_tensor_claims(tmp_path, extra):
    """The safetensors library refuses a data section its tensors don't tile exactly; so does load (it used to
    return the tensors and ignore the stray bytes of an appended-to or overwritten-in-place file)."""
    path = tmp_path / "c.safetensors"
    tg.save({"w": tg.arange(10.0), "n": {"b": tg.ones(2, dtype=tg.int8)}}, path)
    good = path.read_bytes()
    path.write_bytes(good + extra)
    with pytest.raises(tg.serialization.CheckpointError, match=f"holds {42 + len(extra)} bytes but its tensors cover 42"):
        tg.load(path)
    path.write_bytes(good)
    out = tg.load(path)
    np.testing.assert_array_equal(out["w"].numpy(), np.arange(10.0, dtype=np.float32))
    tg.save({}, path)
    assert tg.load(path) == {}
