"""API gaps user code hits, against torch: Tensor.to's full signature (memory_format, positional non_blocking /
copy), contiguous / is_contiguous(memory_format=), Module.to(memory_format=), numpy(force=True), torch._foreach_*,
DLPack (torch.from_dlpack, utils.dlpack), F.multi_head_attention_forward, F.fractional_max_pool2d /
nn.FractionalMaxPool2d and nn.CrossMapLRN2d: values, gradients, and the exception types of bad arguments."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import raises_same
import teenygrad.nn.functional as F
from teenygrad.utils import dlpack as tg_dlpack
from teenygrad.nn.modules.pooling_fractional import FractionalMaxPool2d, CrossMapLRN2d

FWD = dict(atol=1e-6, rtol=1e-5)  # float32 values
BWD = dict(atol=1e-5, rtol=1e-4)  # float32 gradients


def _pair(x, requires_grad=False):
    return (torch.tensor(x, requires_grad=requires_grad), tg.tensor(x, requires_grad=requires_grad))


def _close(t, g, tol=FWD):
    np.testing.assert_allclose(g.detach().numpy() if isinstance(g, tg.Tensor) else g,
                               t.detach().numpy(), **tol)


# ---- Tensor.to / contiguous / is_contiguous / Module.to -------------------------------------------------------
LAYOUTS = {"c": lambda a: a, "nhwc": lambda a: a.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
           "transposed": lambda a: a.transpose(2, 3)}
FORMATS = ["preserve_format", "contiguous_format", "channels_last"]


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1)])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_to_memory_format_copies_where_torch_does(shape, layout, fmt):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    t, g = (LAYOUTS[layout](a) for a in _pair(x))
    yt, yg = t.to(memory_format=getattr(torch, fmt)), g.to(memory_format=getattr(tg, fmt))
    _close(yt, yg)
    assert (yg is g) == (yt is t)
    if fmt == "contiguous_format" and yt is not t:
        assert yg.is_contiguous()
    assert g.is_contiguous(memory_format=getattr(tg, fmt)) == t.is_contiguous(memory_format=getattr(torch, fmt))


def test_to_memory_format_keeps_the_graph():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 4)).astype(np.float32)
    t, g = _pair(x, requires_grad=True)
    w = np.random.default_rng(2).standard_normal(x.shape).astype(np.float32)
    (t.to(memory_format=torch.channels_last) * torch.tensor(w)).sum().backward()
    (g.to(memory_format=tg.channels_last) * tg.tensor(w)).sum().backward()
    _close(t.grad, g.grad, BWD)


@pytest.mark.parametrize("args,kwargs", [
    (("float32", False, True), {}), (("float32", True, False), {}), (("cpu", "float32", False, True), {}),
    (("cpu",), dict(copy=True)), ((), dict(dtype="float64", copy=True)), (("cpu",), dict(non_blocking=True)),
    (("cpu", "float32"), dict(non_blocking=True, copy=True, memory_format="preserve_format")),
    (("float32",), dict(memory_format="contiguous_format"))])
def test_to_signatures(args, kwargs):
    """Each of torch's spellings: the result aliases exactly when torch's does, and a copy is independent."""
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    t, g = _pair(x)
    conv = {"float32": (torch.float32, tg.float32), "float64": (torch.float64, tg.float64)}
    mod = lambda v, i: conv[v][i] if v in conv else (getattr((torch, tg)[i], v) if str(v).endswith("format") else v)
    yt = t.to(*[mod(a, 0) for a in args], **{k: mod(v, 0) for k, v in kwargs.items()})
    yg = g.to(*[mod(a, 1) for a in args], **{k: mod(v, 1) for k, v in kwargs.items()})
    assert (yg is g) == (yt is t)
    assert str(yg.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1]
    _close(yt, yg)
    if yg is not g:
        yg[0, 0] = 100.0
        assert g[0, 0].item() == 0.0


def test_to_bad_arguments():
    t, g = _pair(np.zeros((3, 4), np.float32))
    raises_same(lambda: t.to(memory_format=torch.channels_last), lambda: g.to(memory_format=tg.channels_last))
    raises_same(lambda: t.to(memory_format="x"), lambda: g.to(memory_format="x"))
    raises_same(lambda: t.to(torch.float32, 3), lambda: g.to(tg.float32, 3))
    raises_same(lambda: t.contiguous(memory_format=torch.channels_last),
                 lambda: g.contiguous(memory_format=tg.channels_last))
    assert g.is_contiguous(memory_format=tg.channels_last) == t.is_contiguous(memory_format=torch.channels_last)


def test_contiguous_memory_format_values():
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 5)).astype(np.float32)
    t, g = _pair(x)
    for fmt in FORMATS[1:]:
        _close(t.transpose(1, 2).contiguous(memory_format=getattr(torch, fmt)),
               g.transpose(1, 2).contiguous(memory_format=getattr(tg, fmt)))
    raises_same(lambda: t.transpose(1, 2).contiguous(memory_format=torch.preserve_format),
                 lambda: g.transpose(1, 2).contiguous(memory_format=tg.preserve_format))
    for fmt in FORMATS[1:]:  # a tensor already in the asked-for layout comes back as is
        for lay in LAYOUTS.values():
            a, b = lay(t), lay(g)
            assert ((b.contiguous(memory_format=getattr(tg, fmt)) is b)
                    == (a.contiguous(memory_format=getattr(torch, fmt)) is a))


def test_module_to_memory_format():
    import teenygrad.nn as tnn
    m = tnn.Conv2d(2, 3, 3)
    before = m.weight.detach().numpy().copy()
    assert m.to(memory_format=tg.channels_last) is m
    np.testing.assert_array_equal(m.weight.detach().numpy(), before)
    with pytest.raises(TypeError):
        torch.nn.Conv2d(2, 3, 3).to(memory_format="x")
    with pytest.raises(TypeError):
        m.to(memory_format="x")


def test_numpy_force():
    x = np.random.default_rng(4).standard_normal(5).astype(np.float32)
    t, g = _pair(x, requires_grad=True)
    a = g.numpy(force=True)
    np.testing.assert_array_equal(a, t.numpy(force=True))
    assert a.dtype == np.float32
    assert np.shares_memory(a, g.numpy())


# ---- torch._foreach_* -------------------------------------------------------------------------------------
SHAPES = [(3,), (2, 4), ()]


def _lists(seed, n=3, positive=False):
    rng = np.random.default_rng(seed)
    xs = [rng.standard_normal(s).astype(np.float32) for s in SHAPES[:n]]
    xs = [np.abs(x) + 0.5 for x in xs] if positive else xs
    return [torch.tensor(x) for x in xs], [tg.tensor(x) for x in xs]


def _other(kind, seed):
    if kind == "scalar":
        return 1.5, 1.5
    if kind == "scalar_list":
        return [0.5, -2.0, 3.0], [0.5, -2.0, 3.0]
    if kind == "tensor":
        return torch.tensor(2.5), tg.tensor(2.5)
    return _lists(seed, positive=True)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("kind", ["scalar", "scalar_list", "tensor", "tensor_list"])
@pytest.mark.parametrize("inplace", [False, True])
def test_foreach_binary(op, kind, inplace):
    (ts, gs), (ot, og) = _lists(5), _other(kind, 6)
    name = f"_foreach_{op}{'_' if inplace else ''}"
    kw = {"alpha": 0.5} if kind == "tensor_list" and op in ("add", "sub") else {}
    rt, rg = getattr(torch, name)(ts, ot, **kw), getattr(tg, name)(gs, og, **kw)
    for a, b in zip(ts if inplace else rt, gs if inplace else rg):
        _close(a, b)
    if inplace:
        assert all(r is g for r, g in zip(rg, gs))


@pytest.mark.parametrize("name", ["_foreach_sqrt", "_foreach_neg", "_foreach_sqrt_", "_foreach_neg_",
                                  "_foreach_zero_"])
def test_foreach_unary(name):
    ts, gs = _lists(7, positive=True)
    rt, rg = getattr(torch, name)(ts), getattr(tg, name)(gs)
    inplace = name.endswith("_")
    for a, b in zip(ts if inplace else rt, gs if inplace else rg):
        _close(a, b)


@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", ["default", "scalar", "list", "tensor"])
@pytest.mark.parametrize("inplace", [False, True])
def test_foreach_pointwise(op, value, inplace):
    (ts, gs), (t1, g1), (t2, g2) = _lists(8), _lists(9), _lists(10, positive=True)
    vals = {"default": ({}, {}), "scalar": ({"value": 0.3}, {"value": 0.3}),
            "list": ({"value": [0.1, 2.0, -1.0]}, {"value": [0.1, 2.0, -1.0]}),
            "tensor": ({"value": torch.tensor([0.1, 2.0, -1.0])}, {"value": tg.tensor([0.1, 2.0, -1.0])})}[value]
    name = f"_foreach_{op}{'_' if inplace else ''}"
    rt = getattr(torch, name)(ts, t1, t2, *vals[0].values())
    rg = getattr(tg, name)(gs, g1, g2, *vals[1].values())
    for a, b in zip(ts if inplace else rt, gs if inplace else rg):
        _close(a, b)


@pytest.mark.parametrize("weight", ["scalar", "tensor_list", "scalar_list"])
@pytest.mark.parametrize("inplace", [False, True])
def test_foreach_lerp(weight, inplace):
    (ts, gs), (et, eg) = _lists(11), _lists(12)
    wt, wg = {"scalar": (0.25, 0.25), "tensor_list": _lists(13, positive=True),
              "scalar_list": ([0.1, 0.5, 0.9], [0.1, 0.5, 0.9])}[weight]
    name = f"_foreach_lerp{'_' if inplace else ''}"
    rt, rg = getattr(torch, name)(ts, et, wt), getattr(tg, name)(gs, eg, wg)
    for a, b in zip(ts if inplace else rt, gs if inplace else rg):
        _close(a, b)


@pytest.mark.parametrize("ord", [2, 1, float("inf")])
def test_foreach_norm_and_copy(ord):
    ts, gs = _lists(14)
    for a, b in zip(torch._foreach_norm(ts, ord), tg._foreach_norm(gs, ord)):
        _close(a, b)
        assert b.dtype == tg.float32 and b.ndim == 0
    (st, sg) = _lists(15)
    torch._foreach_copy_(ts, st)
    tg._foreach_copy_(gs, sg)
    for a, b in zip(ts, gs):
        _close(a, b)


def test_foreach_ema_under_no_grad():
    """timm's ModelEmaV3 step: ema = ema * decay + (1 - decay) * model, written into the EMA's parameters."""
    ts, gs = _lists(16)
    mt, mg = _lists(17)
    for t in gs:
        t.requires_grad_(True)
    with torch.no_grad():
        torch._foreach_lerp_(ts, mt, 1 - 0.99)
    with tg.no_grad():
        tg._foreach_lerp_(gs, mg, 1 - 0.99)
    for a, b in zip(ts, gs):
        _close(a, b)


def test_foreach_bad_arguments():
    (ts, gs), (ot, og) = _lists(18), _lists(19)
    raises_same(lambda: torch._foreach_add_(ts, ot[:2]), lambda: tg._foreach_add_(gs, og[:2]))
    raises_same(lambda: torch._foreach_add_(ts, [1.0]), lambda: tg._foreach_add_(gs, [1.0]))
    raises_same(lambda: torch._foreach_add_([], 1.0), lambda: tg._foreach_add_([], 1.0))
    raises_same(lambda: torch._foreach_mul_([torch.ones(2, dtype=torch.int64)], 1.5),
                 lambda: tg._foreach_mul_([tg.ones(2, dtype=tg.int64)], 1.5))
    raises_same(lambda: torch._foreach_add_([torch.ones(2, requires_grad=True)], 1.0),
                 lambda: tg._foreach_add_([tg.ones(2, requires_grad=True)], 1.0))
    with pytest.raises(AttributeError):
        tg._foreach_not_an_op


# ---- DLPack -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_from_dlpack_numpy_zero_copy(dtype):
    a = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    g, t = tg.from_dlpack(a), torch.from_dlpack(a.copy())
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(g.numpy(), t.numpy())
    assert np.shares_memory(g.numpy(), a)
    s = a[:, ::2]  # strided producers keep their strides
    np.testing.assert_array_equal(tg.from_dlpack(s).numpy(), torch.from_dlpack(s).numpy())


def test_dlpack_round_trips_share_memory():
    a = np.zeros((2, 3), np.float32)
    g = tg.from_dlpack(a)
    u = tg_dlpack.from_dlpack(tg_dlpack.to_dlpack(g))
    u[0, 1] = 7.0
    t = torch.from_dlpack(g)  # teenygrad tensors are DLPack producers
    t[1, 2] = -1.0
    back = tg.from_dlpack(torch.ones(2))  # and consume torch's
    assert a[0, 1] == 7.0 and a[1, 2] == -1.0
    np.testing.assert_array_equal(back.numpy(), np.ones(2, np.float32))
    np.testing.assert_array_equal(np.from_dlpack(g), a)


def test_dlpack_bad_arguments():
    g, t = tg.ones(2), torch.ones(2)
    cg, ct = tg_dlpack.to_dlpack(g), torch.utils.dlpack.to_dlpack(t)
    tg_dlpack.from_dlpack(cg)
    torch.utils.dlpack.from_dlpack(ct)
    raises_same(lambda: torch.utils.dlpack.from_dlpack(ct), lambda: tg_dlpack.from_dlpack(cg))
    raises_same(lambda: torch.from_dlpack([1, 2]), lambda: tg.from_dlpack([1, 2]))
    raises_same(lambda: np.from_dlpack(torch.ones(2, requires_grad=True)),
                 lambda: np.from_dlpack(tg.ones(2, requires_grad=True)))


# ---- F.multi_head_attention_forward -------------------------------------------------------------------------
def _mha_case(seed, e=8, h=2, L=3, S=4, N=2, bias=True, bias_kv=False, separate=False, kdim=8):
    rng = np.random.default_rng(seed)
    r = lambda *s: (rng.standard_normal(s) * 0.5).astype(np.float32)
    p = {"q": r(L, N, e), "k": r(S, N, kdim), "v": r(S, N, kdim), "out_w": r(e, e), "out_b": r(e) if bias else None,
         "in_w": None if separate else r(3 * e, e), "in_b": r(3 * e) if bias else None,
         "bias_k": r(1, 1, e) if bias_kv else None, "bias_v": r(1, 1, e) if bias_kv else None,
         "qw": r(e, e) if separate else None, "kw": r(e, kdim) if separate else None,
         "vw": r(e, kdim) if separate else None}
    return p


def _mha_run(lib, p, h, **kw):
    ts = {k: (None if v is None else lib.tensor(v, requires_grad=True)) for k, v in p.items()}
    mod = torch.nn.functional if lib is torch else F
    out, w = mod.multi_head_attention_forward(
        ts["q"], ts["k"], ts["v"], p["out_w"].shape[0], h, ts["in_w"], ts["in_b"], ts["bias_k"], ts["bias_v"],
        kw.pop("add_zero_attn", False), 0.0, ts["out_w"], ts["out_b"], use_separate_proj_weight=p["qw"] is not None,
        q_proj_weight=ts["qw"], k_proj_weight=ts["kw"], v_proj_weight=ts["vw"], **kw)
    loss = (out * lib.tensor(np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(out.shape))).sum()
    if w is not None:
        loss = loss + (w * w).sum()
    loss.backward()
    return out, w, ts


@pytest.mark.parametrize("case", [
    dict(), dict(bias=False), dict(bias_kv=True), dict(separate=True, kdim=5), dict(add_zero_attn=True),
    dict(attn_mask="bool"), dict(key_padding_mask=True), dict(attn_mask="float", key_padding_mask=True, bias_kv=True),
    dict(need_weights=False, attn_mask="bool"), dict(average_attn_weights=False), dict(unbatched=True)])
def test_multi_head_attention_forward(case):
    case = dict(case)
    build = {k: case.pop(k) for k in ("bias", "bias_kv", "separate", "kdim") if k in case}
    p = _mha_case(20, **build)
    L, S, N = 3, 4, 2
    kw = {}
    rng = np.random.default_rng(21)
    if case.pop("unbatched", False):
        for k in ("q", "k", "v"):
            p[k] = p[k][:, 0]
    if "attn_mask" in case:
        m = rng.random((L, S)) < 0.3
        m[:, 0] = False
        kw["attn_mask"] = m if case.pop("attn_mask") == "bool" else rng.standard_normal((L, S)).astype(np.float32)
    if case.pop("key_padding_mask", False):
        m = np.zeros((N, S), bool)
        m[0, -1] = True
        kw["key_padding_mask"] = m
    kw.update(case)
    wrap = lambda lib: {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    ot, wt, tt = _mha_run(torch, p, 2, **wrap(torch))
    og, wg, tgs = _mha_run(tg, p, 2, **wrap(tg))
    _close(ot, og)
    assert (wg is None) == (wt is None)
    if wt is not None:
        _close(wt, wg)
    for k, v in tt.items():
        if v is not None:
            _close(v.grad, tgs[k].grad, BWD)


def test_multi_head_attention_forward_static_kv_and_module():
    p = _mha_case(22)
    rng = np.random.default_rng(23)
    sk, sv = (rng.standard_normal((2 * 2, 5, 4)).astype(np.float32) for _ in range(2))
    ot, wt, _ = _mha_run(torch, p, 2, static_k=torch.tensor(sk), static_v=torch.tensor(sv))
    og, wg, _ = _mha_run(tg, p, 2, static_k=tg.tensor(sk), static_v=tg.tensor(sv))
    _close(ot, og)
    _close(wt, wg)
    # the module runs the same path: its output is the functional form's on its own parameters
    import teenygrad.nn as tnn
    m = tnn.MultiheadAttention(8, 2, batch_first=True)
    x = tg.tensor(rng.standard_normal((2, 3, 8)).astype(np.float32))
    o, w = m(x, x, x)
    of, wf = F.multi_head_attention_forward(x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1), 8, 2,
                                            m.in_proj_weight, m.in_proj_bias, None, None, False, 0.0,
                                            m.out_proj.weight, m.out_proj.bias)
    _close(of.transpose(0, 1), o)
    _close(wf, w)


def test_multi_head_attention_forward_bad_arguments():
    p = _mha_case(24)
    bad = dict(p, q=p["q"][..., :6])
    with pytest.raises(Exception) as et:
        _mha_run(torch, bad, 2)
    with pytest.raises(RuntimeError, match="embed_dim"):
        _mha_run(tg, bad, 2)
    assert isinstance(et.value, (AssertionError, RuntimeError))  # torch asserts; teenygrad names the op
    mask = np.zeros((2, 2), bool)
    raises_same(lambda: _mha_run(torch, p, 2, attn_mask=torch.tensor(mask)),
                 lambda: _mha_run(tg, p, 2, attn_mask=tg.tensor(mask)))


# ---- F.fractional_max_pool2d / nn.FractionalMaxPool2d ------------------------------------------------------
@pytest.mark.parametrize("seed", range(12))
def test_fractional_max_pool2d_given_samples(seed):
    rng = np.random.default_rng(seed)
    n, c, hh, ww = 2, 3, int(rng.integers(5, 20)), int(rng.integers(5, 20))
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    oh, ow = int(rng.integers(1, hh - kh + 2)), int(rng.integers(1, ww - kw + 2))
    x = rng.standard_normal((n, c, hh, ww)).astype(np.float32)
    s = rng.random((n, c, 2)).astype(np.float32)
    t, g = _pair(x, requires_grad=True)
    yt, it = torch.nn.functional.fractional_max_pool2d(t, (kh, kw), (oh, ow), return_indices=True,
                                                       _random_samples=torch.tensor(s))
    yg, ig = F.fractional_max_pool2d(g, (kh, kw), (oh, ow), return_indices=True, _random_samples=tg.tensor(s))
    np.testing.assert_array_equal(ig.numpy(), it.numpy())
    assert ig.dtype == tg.int64
    np.testing.assert_array_equal(yg.detach().numpy(), yt.detach().numpy())
    dy = rng.standard_normal(yt.shape).astype(np.float32)
    yt.backward(torch.tensor(dy))
    yg.backward(tg.tensor(dy))
    _close(t.grad, g.grad, BWD)


def test_fractional_max_pool2d_draws_torchs_samples():
    x = np.random.default_rng(30).standard_normal((2, 3, 11, 9)).astype(np.float32)
    t, g = _pair(x)
    torch.manual_seed(5)
    tg.manual_seed(5)
    _close(torch.nn.FractionalMaxPool2d(3, output_ratio=0.5)(t), FractionalMaxPool2d(3, output_ratio=0.5)(g))
    _close(torch.nn.functional.fractional_max_pool2d(t[0], 2, output_size=4),
           F.fractional_max_pool2d(g[0], 2, output_size=4))  # unbatched (C, H, W)


def test_fractional_max_pool2d_bad_arguments():
    t, g = _pair(np.zeros((2, 3, 9, 9), np.float32))
    TF = torch.nn.functional
    raises_same(lambda: TF.fractional_max_pool2d(t, 3, output_size=(20, 4)),
                 lambda: F.fractional_max_pool2d(g, 3, output_size=(20, 4)))
    raises_same(lambda: TF.fractional_max_pool2d(t, 3), lambda: F.fractional_max_pool2d(g, 3))
    raises_same(lambda: TF.fractional_max_pool2d(t, 3, 4, _random_samples=torch.rand(2, 3, 3)),
                 lambda: F.fractional_max_pool2d(g, 3, 4, _random_samples=tg.rand(2, 3, 3)))
    raises_same(lambda: TF.fractional_max_pool2d(t, 3, 4, _random_samples=torch.rand(1, 3, 2)),
                 lambda: F.fractional_max_pool2d(g, 3, 4, _random_samples=tg.rand(1, 3, 2)))
    raises_same(lambda: torch.nn.FractionalMaxPool2d(3), lambda: FractionalMaxPool2d(3))
    raises_same(lambda: torch.nn.FractionalMaxPool2d(3, 4, 0.5), lambda: FractionalMaxPool2d(3, 4, 0.5))
    raises_same(lambda: torch.nn.FractionalMaxPool2d(3, output_ratio=1.5),
                 lambda: FractionalMaxPool2d(3, output_ratio=1.5))


# ---- nn.CrossMapLRN2d ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [2, 3, 4, 5, 7])
@pytest.mark.parametrize("channels", [1, 3, 8])
def test_cross_map_lrn2d(size, channels):
    """torch's legacy window (channel 0 in every window) and its hand-written gradient, not LocalResponseNorm's."""
    rng = np.random.default_rng(size * 10 + channels)
    x = rng.standard_normal((2, channels, 3, 4)).astype(np.float32)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    t, g = _pair(x, requires_grad=True)
    yt, yg = torch.nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0)(t), CrossMapLRN2d(size, 0.3, 0.75, 2.0)(g)
    _close(yt, yg)
    assert yg.dtype == tg.float32
    yt.backward(torch.tensor(dy))
    yg.backward(tg.tensor(dy))
    _close(t.grad, g.grad, BWD)


def test_cross_map_lrn2d_bad_input_and_repr():
    t, g = _pair(np.zeros((3, 4, 4), np.float32))
    raises_same(lambda: torch.nn.CrossMapLRN2d(3)(t), lambda: CrossMapLRN2d(3)(g))
    assert repr(CrossMapLRN2d(5, beta=0.5)) == repr(torch.nn.CrossMapLRN2d(5, beta=0.5))
