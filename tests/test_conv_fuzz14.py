"""Differential fuzz of convolution, pooling and interpolation against torch: F.conv1d/2d/3d and conv_transpose*d
(stride, padding ints / tuples / 'same' / 'valid', dilation, groups and depthwise, bias or not, output_padding,
unbatched inputs), nn.Conv*d with every padding_mode, max / avg / adaptive / lp pools, max_unpool, the padding
modules and F.interpolate (every mode, align_corners, scale_factor or size, recompute_scale_factor, antialias), on
contiguous, strided, transposed and channels-last-like inputs. Outputs and every gradient (random upstream) must
agree; then the errors, types and messages, of the configurations torch refuses."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import teenygrad as tg
import teenygrad.nn as tnn
import teenygrad.nn.functional as TF

TOL = {np.float32: dict(atol=1e-4, rtol=1e-4), np.float64: dict(atol=1e-10, rtol=1e-8)}


def _leaves(a, rng):
    """(our leaf, our view, torch leaf, torch view) holding a: contiguous, every other column, transposed or
    channels-last-like (C stored last, permuted to its place); rng None: contiguous."""
    r, grad = 1.0 if rng is None else rng.random(), a.dtype.kind == "f"
    if r < 0.25:
        big = np.repeat(a, 2, axis=-1)
        g, t = tg.tensor(big, requires_grad=grad), torch.tensor(big, requires_grad=grad)
        return g, g[..., ::2], t, t[..., ::2]
    if r < 0.4 and a.ndim >= 2:
        base = np.ascontiguousarray(np.swapaxes(a, -1, -2))
        g, t = tg.tensor(base, requires_grad=grad), torch.tensor(base, requires_grad=grad)
        return g, g.transpose(-1, -2), t, t.transpose(-1, -2)
    if r < 0.55 and a.ndim >= 4:
        perm = [0] + list(range(2, a.ndim)) + [1]
        inv = [int(v) for v in np.argsort(perm)]
        base = np.ascontiguousarray(np.transpose(a, perm))
        g, t = tg.tensor(base, requires_grad=grad), torch.tensor(base, requires_grad=grad)
        return g, g.permute(*inv), t, t.permute(*inv)
    g, t = tg.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)
    return g, g, t, t


def _flat(o):
    return [y for x in o for y in _flat(x)] if isinstance(o, (tuple, list)) else [o]


def _compare(ours_fn, torch_fn, arrays, rng, dtype, extra=(), grad=True, views=True):
    """Run both on the same (possibly non-contiguous) inputs; outputs, then input (and extra pairs') gradients."""
    leaves, gi, ti = [], [], []
    for a in arrays:
        if a is None:
            gi.append(None)
            ti.append(None)
            continue
        gl, g, tl, t = _leaves(a, rng if views else None)
        leaves.append((gl, tl))
        gi.append(g)
        ti.append(t)
    touts, outs = _flat(torch_fn(*ti)), _flat(ours_fn(*gi))
    assert len(outs) == len(touts)
    loss, tloss = 0, 0
    for k, (o, t) in enumerate(zip(outs, touts)):
        tn = t.detach().numpy()
        assert tuple(o.shape) == tn.shape, f"output {k}: shape {tuple(o.shape)} != torch {tn.shape}"
        assert o.dtype == tn.dtype, f"output {k}: dtype {o.dtype} != torch {tn.dtype}"
        np.testing.assert_allclose(o.numpy(), tn, err_msg=f"output {k}", **TOL[dtype])
        if grad and t.dtype.is_floating_point and t.requires_grad:
            w = rng.standard_normal(tn.shape).astype(dtype)
            loss, tloss = loss + (o * tg.tensor(w)).sum(), tloss + (t * torch.tensor(w)).sum()
    if isinstance(tloss, int) or not grad:
        return
    loss.backward()
    tloss.backward()
    for k, (a, b) in enumerate(list(leaves) + list(extra)):
        if b.grad is not None:
            assert a.grad is not None, f"leaf {k}: no gradient"
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), err_msg=f"leaf {k} grad", **TOL[dtype])


def _tup(rng, nd, lo, hi):
    return int(rng.integers(lo, hi + 1)) if rng.random() < 0.5 else tuple(int(v) for v in rng.integers(lo, hi + 1, nd))


def _each(v, nd):
    return v if isinstance(v, tuple) else (v,) * nd


def _input(rng, nd, C, lo, hi, dtype, unbatched=0.2):
    S = tuple(int(v) for v in rng.integers(lo, (hi if nd < 3 else hi - 2) + 1, nd))
    lead = () if rng.random() < unbatched else (int(rng.integers(1, 3)),)
    return rng.standard_normal(lead + (C,) + S).astype(dtype), S


def _dtype(rng):
    return np.float64 if rng.random() < 0.3 else np.float32


@pytest.mark.parametrize("seed", range(60))
def test_conv_functional(seed):
    rng = np.random.default_rng(seed)
    nd, transposed, dtype = int(rng.integers(1, 4)), rng.random() < 0.4, _dtype(rng)
    g = int(rng.choice([1, 1, 2, 3]))
    cin, cout = (g, g) if rng.random() < 0.2 else (g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3)))
    K = tuple(int(v) for v in rng.integers(1, 4, nd))
    kw = dict(stride=_tup(rng, nd, 1, 3), dilation=_tup(rng, nd, 1, 2), groups=g)
    x, S = _input(rng, nd, cin, 3, 7, dtype)
    b = rng.standard_normal(cout).astype(dtype) if rng.random() < 0.6 else None
    if transposed:
        w = rng.standard_normal((cin, cout // g) + K).astype(dtype)
        kw["padding"] = _tup(rng, nd, 0, 1)
        kw["output_padding"] = tuple(int(rng.integers(0, max(s, d)))
                                     for s, d in zip(_each(kw["stride"], nd), _each(kw["dilation"], nd)))
        out = [(n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in
               zip(S, _each(kw["stride"], nd), _each(kw["padding"], nd), _each(kw["dilation"], nd), K,
                   kw["output_padding"])]
        if min(out) < 1:  # torch's answer depends on its backend there (an empty output or an error)
            kw["padding"] = 0
        name = f"conv_transpose{nd}d"
    else:
        w = rng.standard_normal((cout, cin // g) + K).astype(dtype)
        r = rng.random()
        kw["padding"] = "same" if r < 0.2 else "valid" if r < 0.3 else _tup(rng, nd, 0, 2)
        if kw["padding"] == "same":
            kw["stride"] = 1
        reach = [d * (k - 1) + 1 for d, k in zip(_each(kw["dilation"], nd), K)]
        if kw["padding"] != "same" and any(n + 2 * p < r for n, p, r in
                                           zip(S, _each(0 if kw["padding"] == "valid" else kw["padding"], nd), reach)):
            kw["dilation"] = 1
        name = f"conv{nd}d"
    _compare(lambda *a: getattr(TF, name)(*a, **kw), lambda *a: getattr(F, name)(*a, **kw), [x, w, b], rng, dtype)


@pytest.mark.parametrize("seed", range(24))
def test_conv_modules(seed):
    rng = np.random.default_rng(100 + seed)
    nd, dtype, g = int(rng.integers(1, 4)), _dtype(rng), int(rng.choice([1, 2]))
    transposed = rng.random() < 0.3
    cin, cout, K = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3)), _tup(rng, nd, 1, 3)
    kw = dict(stride=_tup(rng, nd, 1, 2), dilation=_tup(rng, nd, 1, 2), groups=g, bias=bool(rng.random() < 0.6))
    if transposed:
        cls, kw["padding"] = f"ConvTranspose{nd}d", 0
    else:
        cls, r = f"Conv{nd}d", rng.random()
        kw["padding"] = "same" if r < 0.3 else "valid" if r < 0.4 else _tup(rng, nd, 0, 2)
        if kw["padding"] == "same":
            kw["stride"] = 1
        kw["padding_mode"] = ["zeros", "reflect", "replicate", "circular"][seed % 4]
    x, _ = _input(rng, nd, cin, 5, 7, dtype)
    tm = getattr(torch.nn, cls)(cin, cout, K, dtype=torch.float64 if dtype == np.float64 else torch.float32, **kw)
    m = getattr(tnn, cls)(cin, cout, K, dtype=dtype, **kw)
    assert repr(m) == repr(tm)
    m.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    _compare(m, tm, [x], rng, dtype, extra=list(zip(m.parameters(), tm.parameters())))


def _pool_case(rng, kind, nd, dtype):
    x, S = _input(rng, nd, int(rng.integers(1, 3)), 1, 8, dtype)
    K = _tup(rng, nd, 1, 3)
    if kind == "max":
        kw = dict(kernel_size=K, stride=_tup(rng, nd, 1, 3) if rng.random() < 0.7 else None,
                  padding=_tup(rng, nd, 0, 1), dilation=_tup(rng, nd, 1, 2), ceil_mode=bool(rng.random() < 0.5),
                  return_indices=bool(rng.random() < 0.5))
        return f"max_pool{nd}d", x, kw
    if kind == "avg":
        kw = dict(kernel_size=K, stride=_tup(rng, nd, 1, 3) if rng.random() < 0.7 else None,
                  padding=_tup(rng, nd, 0, 1), ceil_mode=bool(rng.random() < 0.5),
                  count_include_pad=bool(rng.random() < 0.5))
        if nd > 1 and rng.random() < 0.3:
            kw["divisor_override"] = int(rng.integers(1, 5))
        return f"avg_pool{nd}d", x, kw
    o = tuple(int(v) for v in rng.integers(1, 7, nd))
    o = o[0] if nd == 1 or rng.random() < 0.3 else tuple(None if rng.random() < 0.2 else v for v in o)
    if kind == "adaptive_max":
        return f"adaptive_max_pool{nd}d", x, dict(output_size=o, return_indices=bool(rng.random() < 0.5))
    if kind == "adaptive_avg":
        return f"adaptive_avg_pool{nd}d", x, dict(output_size=o)
    x = np.abs(rng.standard_normal((2, 2) + tuple(int(v) for v in rng.integers(3, 7, nd))).astype(dtype)) + 0.1
    kw = dict(norm_type=float(rng.choice([1, 2, 3, 1.5, np.inf])), kernel_size=int(rng.integers(1, 4)),
              stride=_tup(rng, nd, 1, 2) if rng.random() < 0.5 else None, ceil_mode=bool(rng.random() < 0.5))
    return f"lp_pool{nd}d", x, kw


@pytest.mark.parametrize("kind", ["max", "avg", "adaptive_max", "adaptive_avg", "lp"])
@pytest.mark.parametrize("seed", range(16))
def test_pool(kind, seed):
    rng = np.random.default_rng(1000 * len(kind) + seed)
    nd, dtype = int(rng.integers(1, 4)), _dtype(rng)
    name, x, kw = _pool_case(rng, kind, nd, dtype)
    try:
        ref = getattr(F, name)(torch.tensor(x), **kw)
    except RuntimeError as e:  # too small an input: ours must refuse it too, with the op's name
        with pytest.raises(RuntimeError, match=name):
            getattr(TF, name)(tg.tensor(x), **kw)
        return
    # a window wholly in the padding: torch's backward adds its gradient at an unrelated position (or out of bounds)
    grad = not (name.startswith("max_pool") and torch.isinf(_flat(ref)[0]).any())
    _compare(lambda a: getattr(TF, name)(a, **kw), lambda a: getattr(F, name)(a, **kw), [x], rng, dtype, grad=grad)


@pytest.mark.parametrize("seed", range(30))
def test_interpolate(seed):
    rng = np.random.default_rng(2000 + seed)
    nd, dtype = int(rng.integers(1, 4)), _dtype(rng)
    x, _ = _input(rng, nd, 2, 1, 8, dtype, unbatched=0)
    mode = ["nearest", "nearest-exact", "area", ("linear", "bilinear", "trilinear")[nd - 1],
            "bicubic" if nd == 2 else "nearest"][seed % 5]
    kw = dict(mode=mode)
    if rng.random() < 0.5:
        kw["size"] = tuple(int(v) for v in rng.integers(1, 10, nd)) if rng.random() < 0.6 else int(rng.integers(1, 10))
    else:
        kw["scale_factor"] = (tuple(float(rng.choice([0.5, 1.7, 2, 3, 1.0])) for _ in range(nd)) if rng.random() < 0.5
                              else float(rng.choice([1.7, 2.0, 2.5])))
        kw["recompute_scale_factor"] = bool(rng.random() < 0.5)
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        kw["align_corners"] = bool(rng.random() < 0.5)
        kw["antialias"] = mode in ("bilinear", "bicubic") and rng.random() < 0.5
    _compare(lambda a: TF.interpolate(a, **kw), lambda a: F.interpolate(a, **kw), [x], rng, dtype)


@pytest.mark.parametrize("seed", range(12))
def test_unpool_and_padding_modules(seed):
    rng = np.random.default_rng(3000 + seed)
    nd, dtype = int(rng.integers(1, 4)), _dtype(rng)
    x, S = _input(rng, nd, 2, 3, 7, dtype)
    K, st = _tup(rng, nd, 1, 3), _tup(rng, nd, 1, 3)
    y, idx = getattr(F, f"max_pool{nd}d")(torch.tensor(x), K, st, return_indices=True)
    # the pooled input's own size (torch's default may be too small to hold every index), as spatial sizes or whole
    kw = dict(kernel_size=K, stride=st, output_size=S if seed % 2 or x.ndim == nd + 1 else x.shape)
    name = f"max_unpool{nd}d"
    _compare(lambda a, i: getattr(TF, name)(a, tg.tensor(i.numpy()), **kw),
             lambda a, i: getattr(F, name)(a, torch.tensor(i.numpy()), **kw), [y.numpy(), idx.numpy()], rng, dtype,
             views=False)  # torch's max_unpool backward fails on a non-contiguous input
    mode = ["Reflection", "Replication", "Zero", "Constant", "Circular"][seed % 5]
    p = tuple(min(int(v), min(S) - 1) for v in rng.integers(0, 3, 2 * nd))
    args = (p, 1.5) if mode == "Constant" else (p,)
    tm, m = getattr(torch.nn, f"{mode}Pad{nd}d")(*args), getattr(tnn, f"{mode}Pad{nd}d")(*args)
    assert repr(m) == repr(tm)
    _compare(m, tm, [x], rng, dtype)


def test_max_pool_indices_of_windows_in_the_padding():
    # a window whose taps all fall in the padding: torch's index is its first tap at or past 0 in every dim (ours
    # pointed into the padding: -2, 1, 4 where torch says 2, 3, 6)
    x = np.random.default_rng(0).standard_normal((1, 1, 8, 1)).astype(np.float32)
    kw = dict(kernel_size=2, stride=3, padding=1, dilation=2, ceil_mode=True, return_indices=True)
    (y, i), (ty, ti) = TF.max_pool2d(tg.tensor(x), **kw), F.max_pool2d(torch.tensor(x), **kw)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    x = np.full((1, 2, 5), -np.inf, np.float32)  # all -inf: the first real tap, never the padding
    kw = dict(kernel_size=3, stride=2, padding=1, return_indices=True)
    np.testing.assert_array_equal(TF.max_pool1d(tg.tensor(x), **kw)[1].numpy(),
                                  F.max_pool1d(torch.tensor(x), **kw)[1].numpy())


def test_area_interpolate_to_an_empty_size():
    x = np.random.default_rng(1).standard_normal((2, 2, 1, 5)).astype(np.float32)
    y = TF.interpolate(tg.tensor(x), scale_factor=0.7, mode="area")
    assert tuple(y.shape) == tuple(F.interpolate(torch.tensor(x), scale_factor=0.7, mode="area").shape) == (2, 2, 0, 3)


X4, X5 = np.zeros((1, 1, 2, 5), np.float32), np.zeros((1, 1, 2, 2, 3), np.float32)
BAD = [  # (call with (lib, F), exception type torch raises too, what our message must say)
    (lambda lib, F: F.avg_pool3d(lib.tensor(X5), 3, padding=1), RuntimeError,
     r"avg_pool3d: input \(1, 1, 2, 2, 3\) is too small: input image \(T: 2 H: 2 W: 3\) smaller than kernel size "
     r"\(kT: 3 kH: 3 kW: 3\)"),
    (lambda lib, F: F.avg_pool3d(lib.tensor(X5), 3, stride=1, ceil_mode=True), RuntimeError, r"avg_pool3d: .*T: 2"),
    (lambda lib, F: F.interpolate(lib.tensor(X5), scale_factor=(0.5,), mode="linear"), ValueError,
     r"interpolate: input \(1, 1, 2, 2, 3\) has spatial dimensions \[2, 2, 3\] but scale_factor=\(0.5,\) has 1"),
    (lambda lib, F: F.interpolate(lib.tensor(X4[None]), size=(5, 7), mode="bicubic"), ValueError,
     r"interpolate: input \(1, 1, 1, 2, 5\) has spatial dimensions \[1, 2, 5\] but size=\(5, 7\) has 2"),
    (lambda lib, F: F.interpolate(lib.tensor(X5), size=2, mode="bilinear", antialias=True), ValueError,
     r"interpolate: antialias is restricted .*\(1, 1, 2, 2, 3\)"),
    (lambda lib, F: F.interpolate(lib.tensor(X4), size=(0, 3)), RuntimeError,
     r"interpolate: input and output sizes should be greater than 0, .*\(2, 5\) and output \(0, 3\)"),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_errors_match_torch(i):
    fn, exc, msg = BAD[i]
    with pytest.raises(exc):
        fn(torch, F)
    with pytest.raises(exc, match=msg):
        fn(tg, TF)
