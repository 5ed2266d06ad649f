"""Spatial layers against PyTorch: transposed convolution, unfold / fold, interpolate, pixel and channel shuffles,
instance and local response norm, adaptive max and LP pooling, padding modules. Forward and backward on random
float32 inputs (contiguous and non-contiguous views), float64 finite-difference gradchecks, and bad input that
torch refuses must be refused here too, with the op and the offending values named."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from helpers import compare, rand, assert_close, FWD


def _F(lib):
    return lib.nn.functional


def _d(shape, seed, low=-1.0, high=1.0):
    return tg.tensor(rand(shape, seed, np.float64, low, high), requires_grad=True)


# ---- transposed convolution ------------------------------------------------------------------------
CONVT = [  # x shape, weight shape, kwargs
    ((2, 4, 5, 6), (4, 3, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    ((2, 4, 5, 6), (4, 1, 3, 3), dict(stride=(2, 3), padding=(0, 2), output_padding=(1, 2), groups=4,
                                      dilation=(1, 2))),
    ((3, 4, 4), (3, 2, 2, 3), dict(stride=1, dilation=2, output_padding=1)),  # unbatched; output_padding < dilation
    ((2, 4, 7), (4, 2, 3), dict(stride=3, dilation=2, output_padding=2, groups=2)),
    ((4, 5), (4, 2, 3), dict(padding=1)),  # unbatched 1-d
    ((2, 6, 7), (6, 2, 1), dict()),
]


@pytest.mark.parametrize("case", range(len(CONVT)))
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_conv_transpose(case, bias, layout):
    xs, ws, kw = CONVT[case]
    name = "conv_transpose1d" if len(ws) == 3 else "conv_transpose2d"
    b = [rand((ws[1] * kw.get("groups", 1),), 3)] if bias else []
    compare(lambda lib, x, w, *b: getattr(_F(lib), name)(x, w, *(b or [None]), **kw),
            [rand(xs, 1), rand(ws, 2)] + b, layout=layout)


def test_conv_transpose_is_conv_adjoint():
    """<conv(x), y> = <x, conv_transpose(y)> for the same weight: the defining identity, in teenygrad alone."""
    x, w, y = (tg.tensor(rand(s, i, np.float64)) for i, s in enumerate([(2, 4, 9, 8), (6, 2, 3, 2), (2, 6, 5, 4)]))
    kw = dict(stride=2, padding=1, dilation=(1, 2), groups=2)
    lhs = (tg.nn.functional.conv2d(x, w, **kw) * y).sum().item()
    rhs = (x * tg.nn.functional.conv_transpose2d(y, w, output_padding=(0, 1), **kw)).sum().item()
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))


def test_conv_transpose_saved_input_written():
    """x is saved for the weight gradient: writing it in place before backward is refused, as torch refuses."""
    for lib in (tg, torch):
        x, w = lib.tensor(rand((1, 2, 3, 3), 1)), lib.tensor(rand((2, 2, 2, 2), 2), requires_grad=True)
        y = _F(lib).conv_transpose2d(x, w)
        x.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


@pytest.mark.parametrize("nd", [1, 2])
def test_conv_transpose_module(nd):
    cls = "ConvTranspose1d" if nd == 1 else "ConvTranspose2d"
    kw = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=1)
    m = getattr(tg.nn, cls)(4, 6, 3, **kw)
    ref = getattr(torch.nn, cls)(4, 6, 3, **kw)
    assert m.weight.shape == tuple(ref.weight.shape) and m.bias.shape == tuple(ref.bias.shape)
    assert repr(m) == repr(ref)
    assert set(m.state_dict()) == set(ref.state_dict())
    bound = 1 / np.sqrt(3 * 3 ** nd)  # torch's default init: fan_in = out_channels / groups * prod(kernel)
    w = m.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound and np.abs(m.bias.numpy()).max() <= bound
    m.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    xs = (2, 4) + (5,) * nd
    x = rand(xs, 4)
    assert_close(m(tg.tensor(x)), ref(torch.from_numpy(x)), "module forward", **FWD)
    out = (2, 6) + (10,) * nd  # output_size picks output_padding (9 is the least here, 10 the most)
    assert_close(m(tg.tensor(x), output_size=out[2:]), ref(torch.from_numpy(x), output_size=out[2:]),
                 "module forward with output_size", **FWD)
    assert m(tg.tensor(x), output_size=out).shape == out
    with pytest.raises(ValueError):
        ref(torch.from_numpy(x), output_size=(11,) * nd)
    with pytest.raises(ValueError, match=f"{cls}.*output size.*11"):
        m(tg.tensor(x), output_size=(11,) * nd)
    with pytest.raises(ValueError):
        getattr(torch.nn, cls)(4, 6, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=f"{cls}.*zeros.*reflect"):
        getattr(tg.nn, cls)(4, 6, 3, padding_mode="reflect")


# ---- unfold / fold ---------------------------------------------------------------------------------
FOLDS = [dict(kernel_size=3), dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
         dict(kernel_size=2, stride=2, padding=1)]


@pytest.mark.parametrize("kw", FOLDS)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_unfold_fold(kw, layout):
    x = rand((2, 3, 6, 7), 1)
    compare(lambda lib, x: _F(lib).unfold(x, **kw), [x], layout=layout)
    compare(lambda lib, x: _F(lib).unfold(x, **kw), [x[0]])  # unbatched
    cols = _F(torch).unfold(torch.from_numpy(x), **kw)
    c = rand(tuple(cols.shape), 2)
    compare(lambda lib, c: _F(lib).fold(c, (6, 7), **kw), [c], layout=layout)
    compare(lambda lib, c: _F(lib).fold(c, (6, 7), **kw), [c[0]])
    compare(lambda lib, c: lib.nn.Fold((6, 7), **kw)(lib.nn.Unfold(**kw)(c)), [x])


# ---- interpolate -----------------------------------------------------------------------------------
INTERP = [
    ("nearest", (2, 3, 7), dict(size=10)), ("nearest", (2, 3, 7), dict(scale_factor=0.6)),
    ("nearest", (2, 3, 5, 6), dict(size=(9, 4))), ("nearest", (2, 3, 5, 6), dict(scale_factor=2.3)),
    ("nearest", (2, 3, 5, 6), dict(scale_factor=2)), ("nearest", (2, 3, 5, 6), dict(scale_factor=2.1)),
    ("nearest-exact", (2, 3, 7), dict(size=4)), ("nearest-exact", (2, 3, 5, 6), dict(scale_factor=(1.7, 0.5))),
    ("linear", (2, 3, 7), dict(size=12)), ("linear", (2, 3, 7), dict(scale_factor=0.45)),
    ("linear", (2, 3, 7), dict(scale_factor=1.7, recompute_scale_factor=True)),
    ("bilinear", (2, 3, 5, 6), dict(size=(8, 3))), ("bilinear", (2, 3, 5, 6), dict(scale_factor=(1.7, 2.5))),
    ("bilinear", (2, 3, 5, 6), dict(size=1)), ("bilinear", (2, 3, 5, 6), dict(scale_factor=1.1)),
    ("bicubic", (2, 3, 5, 6), dict(size=(9, 4))), ("bicubic", (2, 3, 5, 6), dict(scale_factor=1.6)),
    ("area", (2, 3, 7), dict(size=3)), ("area", (2, 3, 5, 6), dict(size=(3, 8))),
    ("trilinear", (1, 2, 3, 4, 5), dict(size=(5, 3, 7))),
]


@pytest.mark.parametrize("case,align_corners", [(i, ac) for i, (mode, _, _) in enumerate(INTERP) for ac in
                                                ((None, True) if mode in ("linear", "bilinear", "bicubic",
                                                                          "trilinear") else (None,))])
def test_interpolate(case, align_corners):
    mode, shape, kw = INTERP[case]
    fwd = dict(atol=1e-5, rtol=1e-3) if mode == "bicubic" else FWD  # 16 taps summed in another order
    for layout in ("contig", "T"):
        compare(lambda lib, x: _F(lib).interpolate(x, mode=mode, align_corners=align_corners, **kw),
                [rand(shape, case)], layout=layout, fwd=fwd)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("kw", [dict(size=(4, 3)), dict(scale_factor=(0.3, 1.7)), dict(size=(13, 12)),
                                dict(size=(4, 3), align_corners=True)])
def test_interpolate_antialias(mode, kw):
    compare(lambda lib, x: _F(lib).interpolate(x, mode=mode, antialias=True, **kw), [rand((2, 3, 9, 10), 1)],
            layout="T", fwd=dict(atol=1e-5, rtol=1e-3))


def test_interpolate_same_size_scale_forward():
    """A scale_factor whose floor gives back the input size: torch's nearest 1-d / bicubic forwards still use
    the scale (only its 2-d nearest kernel copies). Their backward kernels copy instead (a torch inconsistency),
    so only the forward is compared with torch; gradcheck covers our backward."""
    for mode, shape in (("nearest", (2, 3, 7)), ("nearest", (2, 3, 5, 6)), ("bicubic", (2, 3, 5, 6))):
        x = rand(shape, 3)
        y = _F(tg).interpolate(tg.tensor(x), scale_factor=1.1, mode=mode)
        assert_close(y, _F(torch).interpolate(torch.from_numpy(x), scale_factor=1.1, mode=mode), mode,
                     atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("cls,kw", [("Upsample", dict(scale_factor=2, mode="bilinear")),
                                    ("Upsample", dict(size=(4, 9), mode="bicubic", align_corners=True)),
                                    ("UpsamplingNearest2d", dict(scale_factor=1.5)),
                                    ("UpsamplingBilinear2d", dict(size=7))])
def test_upsample_modules(cls, kw):
    assert repr(getattr(tg.nn, cls)(**kw)) == repr(getattr(torch.nn, cls)(**kw))
    compare(lambda lib, x: getattr(lib.nn, cls)(**kw)(x), [rand((2, 3, 5, 6), 1)], fwd=dict(atol=1e-5, rtol=1e-3))


@pytest.mark.parametrize("name,kw", [("upsample", dict(scale_factor=2, mode="linear")),
                                     ("upsample_nearest", dict(size=5)), ("upsample_bilinear", dict(size=4))])
def test_deprecated_upsample(name, kw):
    shape = (2, 3, 4) if kw.get("mode") == "linear" else (2, 3, 4, 3)
    with pytest.warns(UserWarning, match=f"nn.functional.{name}` is deprecated"):  # torch warns too, the same
        compare(lambda lib, x: getattr(_F(lib), name)(x, **kw), [rand(shape, 1)])


# ---- shuffles ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_shuffles(layout):
    x = rand((2, 8, 3, 4), 1)
    compare(lambda lib, x: _F(lib).pixel_shuffle(x, 2), [x], layout=layout)
    compare(lambda lib, x: lib.nn.PixelShuffle(2)(x), [rand((2, 3, 8, 2, 3), 2)], layout=layout)  # extra batch dim
    compare(lambda lib, x: _F(lib).pixel_unshuffle(x, 3), [rand((2, 2, 6, 9), 3)], layout=layout)
    compare(lambda lib, x: lib.nn.PixelUnshuffle(2)(x), [rand((3, 4, 6), 4)], layout=layout)  # unbatched
    compare(lambda lib, x: _F(lib).channel_shuffle(x, 4), [x], layout=layout)
    compare(lambda lib, x: lib.nn.ChannelShuffle(3)(x), [rand((2, 6, 5), 5)], layout=layout)
    y = rand((2, 8, 6, 4), 6)
    back = tg.nn.functional.pixel_unshuffle(tg.nn.functional.pixel_shuffle(tg.tensor(y), 2), 2)
    np.testing.assert_array_equal(back.numpy(), y)


# ---- instance and local response norm --------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 3, 7), (2, 3, 4, 5)])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_instance_norm(shape, layout):
    c = shape[1]
    compare(lambda lib, x: _F(lib).instance_norm(x), [rand(shape, 1)], layout=layout)
    compare(lambda lib, x, w, b: _F(lib).instance_norm(x, weight=w, bias=b, eps=1e-3),
            [rand(shape, 1), rand((c,), 2), rand((c,), 3)], layout=layout)
    # the running statistics move in training, and normalise instead when use_input_stats=False
    stats = {lib: (lib.tensor(rand((c,), 4)), lib.tensor(rand((c,), 5, low=0.5, high=2))) for lib in (tg, torch)}
    x = rand(shape, 6)
    for lib in (tg, torch):
        _F(lib).instance_norm(lib.tensor(x), *stats[lib], momentum=0.3)
    for a, b in zip(stats[tg], stats[torch]):
        assert_close(a, b, "running stat", **FWD)
    compare(lambda lib, x, w: _F(lib).instance_norm(x, *stats[lib], weight=w, use_input_stats=False),
            [rand(shape, 7), rand((c,), 8)], layout=layout)


@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("affine,track", [(False, False), (True, True), (True, False), (False, True)])
def test_instance_norm_module(nd, affine, track):
    cls = f"InstanceNorm{nd}d"
    m, ref = (getattr(lib.nn, cls)(3, affine=affine, track_running_stats=track, momentum=0.2) for lib in (tg, torch))
    assert repr(m) == repr(ref) and set(m.state_dict()) == set(ref.state_dict())
    shape = (2, 3) + (5,) * nd
    for train, x, batched in ((True, rand(shape, 1), True), (True, rand(shape[1:], 2), False),
                              (False, rand(shape, 3), True)):
        m.train(train)
        ref.train(train)
        xs = [x]
        if affine:  # the parameters join the comparison as inputs
            xs += [rand((3,), 4), rand((3,), 5)]

        def run(lib, x, *wb):
            mod = m if lib is tg else ref
            if wb:
                mod.weight, mod.bias = (lib.nn.Parameter(t) for t in wb)
            return mod(x)
        compare(run, xs)
        if track:
            assert_close(m.running_mean, ref.running_mean, "running_mean", **FWD)
            assert_close(m.running_var, ref.running_var, "running_var", **FWD)


@pytest.mark.parametrize("shape,size", [((2, 6, 5), 3), ((2, 5, 3, 4), 4), ((1, 4, 2, 3, 2), 2), ((2, 3, 4), 7)])
def test_local_response_norm(shape, size):
    compare(lambda lib, x: _F(lib).local_response_norm(x, size, alpha=0.3, beta=0.6, k=1.5), [rand(shape, 1)])
    layout = "T" if len(shape) <= 4 else "contig"  # torch's 5-D path views its input: it refuses a transpose
    compare(lambda lib, x: lib.nn.LocalResponseNorm(size)(x), [rand(shape, 2)], layout=layout)
    assert repr(tg.nn.LocalResponseNorm(size, k=2.0)) == repr(torch.nn.LocalResponseNorm(size, k=2.0))


# ---- adaptive max and LP pooling ---------------------------------------------------------------------
@pytest.mark.parametrize("shape,out", [((2, 3, 7), 3), ((2, 3, 10), 4), ((3, 5), 5), ((2, 3, 7, 9), (3, 4)),
                                       ((2, 3, 5, 6), (None, 4)), ((3, 6, 5), 2), ((2, 3, 4, 4), (7, 5)),
                                       ((2, 3, 9), 3), ((2, 3, 8, 6), (4, 3)), ((3, 8, 8), (1, 2))])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_adaptive_max_pool(shape, out, layout):
    name = "adaptive_max_pool1d" if isinstance(out, int) and len(shape) <= 3 and shape != (3, 6, 5) else \
        "adaptive_max_pool2d"
    compare(lambda lib, x: getattr(_F(lib), name)(x, out, return_indices=True), [rand(shape, 1)], layout=layout)
    cls = "AdaptiveMaxPool1d" if name.endswith("1d") else "AdaptiveMaxPool2d"
    compare(lambda lib, x: getattr(lib.nn, cls)(out)(x), [rand(shape, 2)])


def test_adaptive_max_pool_ties_and_nan():
    x = np.array([[[1.0, 3.0, 3.0, np.nan, 2.0, np.nan, 0.0, 5.0, 5.0]]], np.float32)
    for out in (1, 2, 3, 4):  # 1 and 3: equal windows, taken by max_pool1d
        y, i = tg.nn.functional.adaptive_max_pool1d(tg.tensor(x), out, return_indices=True)
        want, wi = torch.nn.functional.adaptive_max_pool1d(torch.from_numpy(x), out, return_indices=True)
        assert_close(y, want, "values", **FWD)
        assert_close(i, wi, "indices", **FWD)


@pytest.mark.parametrize("nd,p,kw", [(1, 2, dict(kernel_size=3)), (1, 3.0, dict(kernel_size=2, stride=1)),
                                     (2, 2, dict(kernel_size=2)), (2, 1.5, dict(kernel_size=(2, 3), stride=(1, 2))),
                                     (2, 2, dict(kernel_size=3, stride=2, ceil_mode=True))])
def test_lp_pool(nd, p, kw):
    shape = (2, 3, 7) if nd == 1 else (2, 3, 6, 7)
    low = 0.1 if p != int(p) or p % 2 else -2.0  # fractional / odd p on negatives is nan in both: keep it clean
    compare(lambda lib, x: getattr(_F(lib), f"lp_pool{nd}d")(x, p, **kw), [rand(shape, 1, low=low)], layout="T")
    compare(lambda lib, x: getattr(lib.nn, f"LPPool{nd}d")(p, **kw)(x), [rand(shape, 2, low=low)])
    assert repr(getattr(tg.nn, f"LPPool{nd}d")(p, **kw)) == repr(getattr(torch.nn, f"LPPool{nd}d")(p, **kw))


# ---- padding modules ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["Zero", "Constant", "Reflection", "Replication", "Circular"])
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_padding_modules(kind, nd):
    cls = f"{kind}Pad{nd}d"
    shape = (2, 3) + (4, 5, 3)[:nd]
    for padding in (2, (2, 1, 0, 2, 1, 0)[:2 * nd]):
        args = (padding, 1.5) if kind == "Constant" else (padding,)
        m, ref = getattr(tg.nn, cls)(*args), getattr(torch.nn, cls)(*args)
        assert repr(m) == repr(ref)
        compare(lambda lib, x: (m if lib is tg else ref)(x), [rand(shape, 1)], layout="T")
        compare(lambda lib, x: (m if lib is tg else ref)(x), [rand(shape[1:], 2)])  # unbatched


@pytest.mark.parametrize("fn", [lambda F, x: F.conv_transpose2d(x, x.new_ones((3, 2, 2, 2)), stride=2),
                                lambda F, x: F.unfold(x, 2), lambda F, x: F.fold(F.unfold(x, 2), (5, 4), 2),
                                lambda F, x: F.interpolate(x, scale_factor=2, mode="bicubic"),
                                lambda F, x: F.adaptive_max_pool2d(x, (3, 2), return_indices=True)[1],
                                lambda F, x: F.pixel_shuffle(x.repeat(1, 4, 1, 1), 2)])
def test_empty_batch(fn):
    x = rand((0, 3, 5, 4), 1)
    got, want = fn(tg.nn.functional, tg.tensor(x)), fn(torch.nn.functional, torch.from_numpy(x))
    assert got.shape == tuple(want.shape) and got.dtype == tg.tensor(want.numpy()).dtype


# ---- float64 finite differences ----------------------------------------------------------------------
GRADCHECK = {
    "conv_transpose2d": (lambda x, w, b: tg.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                                           output_padding=1, groups=2),
                         [(2, 4, 3, 3), (4, 2, 3, 2), (4,)]),
    "conv_transpose1d": (lambda x, w: tg.nn.functional.conv_transpose1d(x, w, stride=2, dilation=2), [(1, 3, 4),
                                                                                                     (3, 2, 3)]),
    "unfold": (lambda x: tg.nn.functional.unfold(x, 2, dilation=(1, 2), padding=1, stride=2), [(2, 2, 4, 5)]),
    "fold": (lambda c: tg.nn.functional.fold(c, (4, 5), 2, padding=1, stride=(1, 2)), [(2, 8, 15)]),
    "bilinear": (lambda x: tg.nn.functional.interpolate(x, scale_factor=1.7, mode="bilinear"), [(1, 2, 3, 4)]),
    "bicubic": (lambda x: tg.nn.functional.interpolate(x, size=(5, 3), mode="bicubic", align_corners=True),
                [(1, 2, 3, 4)]),
    "nearest": (lambda x: tg.nn.functional.interpolate(x, scale_factor=1.1, mode="nearest"), [(1, 2, 6)]),
    "area": (lambda x: tg.nn.functional.interpolate(x, size=(2, 3), mode="area"), [(1, 2, 5, 4)]),
    "antialias": (lambda x: tg.nn.functional.interpolate(x, size=(2, 5), mode="bicubic", antialias=True),
                  [(1, 2, 5, 4)]),
    "nearest_down": (lambda x: tg.nn.functional.interpolate(x, scale_factor=0.4), [(1, 2, 9)]),  # rows skipped
    "shuffles": (lambda x: tg.nn.functional.channel_shuffle(tg.nn.functional.pixel_shuffle(x, 2), 2)
                 * tg.nn.functional.pixel_unshuffle(x, 2).sum(), [(1, 8, 2, 2)]),
    "instance_norm": (lambda x, w, b: tg.nn.functional.instance_norm(x, weight=w, bias=b), [(2, 3, 5), (3,), (3,)]),
    "local_response_norm": (lambda x: tg.nn.functional.local_response_norm(x, 3, alpha=0.5), [(2, 4, 3)]),
    "adaptive_max_pool2d": (lambda x: tg.nn.functional.adaptive_max_pool2d(x, (2, 3)), [(2, 2, 5, 4)]),
    "lp_pool2d": (lambda x: tg.nn.functional.lp_pool2d(x + 2, 3, 2), [(1, 2, 4, 5)]),
}


@pytest.mark.parametrize("op", list(GRADCHECK))
def test_gradcheck(op):
    fn, shapes = GRADCHECK[op]
    assert gradcheck(fn, [_d(s, i + 1) for i, s in enumerate(shapes)])


# ---- bad input: torch refuses, and so do we, naming the op and the values ----------------------------
X4, X3, W = rand((2, 4, 5, 5), 1), rand((2, 4, 5), 2), rand((4, 3, 3, 3), 3)
BAD = [  # (fn(lib, F), teenygrad's exception, what its message must say)
    (lambda lib, F: F.conv_transpose2d(lib.tensor(X4), lib.tensor(W), output_padding=2, stride=2), RuntimeError,
     r"conv_transpose2d: output_padding \(2, 2\) must be smaller than either stride \(2, 2\) or dilation \(1, 1\)"),
    (lambda lib, F: F.conv_transpose2d(lib.tensor(X4), lib.tensor(W), groups=3), RuntimeError,
     r"conv_transpose2d: weight \(4, 3, 3, 3\).*groups=3"),
    (lambda lib, F: F.conv_transpose2d(lib.tensor(X4), lib.tensor(rand((3, 3, 3, 3), 4))), RuntimeError,
     r"conv_transpose2d: input \(2, 4, 5, 5\) has 4 channels but weight \(3, 3, 3, 3\) expects 3"),
    (lambda lib, F: F.conv_transpose2d(lib.tensor(X4), lib.tensor(W), lib.tensor(rand((4,), 5))), RuntimeError,
     r"conv_transpose2d: bias shape \(4,\) doesn't match 3 output channels"),
    (lambda lib, F: F.conv_transpose2d(lib.tensor(X4), lib.tensor(W), padding=5), RuntimeError,
     r"conv_transpose2d: .*padding \(5, 5\) gives a non-positive output size \(-3, -3\)"),
    (lambda lib, F: F.conv_transpose2d(lib.tensor(X4), lib.tensor(W), stride=0), RuntimeError,
     r"conv_transpose2d: stride \(0, 0\) and dilation \(1, 1\) must be positive"),
    (lambda lib, F: F.conv_transpose2d(lib.tensor(X4[0, 0]), lib.tensor(W)), RuntimeError,
     r"conv_transpose2d: expected 3-D/4-D input .* got input \(5, 5\)"),
    (lambda lib, F: F.conv_transpose1d(lib.tensor(X3), lib.tensor(W[..., 0].astype(np.float64))), TypeError,
     r"conv_transpose1d: dtype mismatch, input is float32"),
    (lambda lib, F: F.unfold(lib.tensor(X4), 6), RuntimeError, r"unfold: input spatial size \(5, 5\).*\(0, 0\)"),
    (lambda lib, F: F.unfold(lib.tensor(X4), 2, padding=-1), RuntimeError, r"unfold: padding .*\(-1, -1\)"),
    (lambda lib, F: F.unfold(lib.tensor(X4[0, 0]), 2), (RuntimeError, IndexError), r"unfold: .*got shape \(5, 5\)"),
    (lambda lib, F: F.fold(lib.tensor(rand((2, 12, 15), 6)), (5, 5), 2), RuntimeError,
     r"fold: .*4 \* 4 sliding blocks, but input \(2, 12, 15\) has L=15"),
    (lambda lib, F: F.fold(lib.tensor(rand((2, 13, 16), 6)), (5, 5), 2), RuntimeError,
     r"fold: input.size\(-2\)=13 .*kernel_size=\(2, 2\)"),
    (lambda lib, F: F.interpolate(lib.tensor(X4), size=3, mode="linear"), NotImplementedError,
     r"interpolate: got a 4-D input \(2, 4, 5, 5\), but mode 'linear' needs 3-D"),
    (lambda lib, F: F.interpolate(lib.tensor(X4), size=3, align_corners=True), ValueError,
     r"interpolate: align_corners can only be set .*'nearest'"),
    (lambda lib, F: F.interpolate(lib.tensor(X4), size=3, scale_factor=2), ValueError,
     r"interpolate: only one of size or scale_factor"),
    (lambda lib, F: F.interpolate(lib.tensor(X4)), ValueError, r"interpolate: either size or scale_factor"),
    (lambda lib, F: F.interpolate(lib.tensor(X4), size=(3, 4, 5)), ValueError,
     r"interpolate: input \(2, 4, 5, 5\) has spatial dimensions \[5, 5\] but size=\(3, 4, 5\)"),
    (lambda lib, F: F.interpolate(lib.tensor(X4), scale_factor=0.1), RuntimeError,
     r"interpolate: .*input \(5, 5\) and output \(0, 0\)"),
    (lambda lib, F: F.interpolate(lib.tensor(X4), size=3, recompute_scale_factor=True), ValueError,
     r"interpolate: recompute_scale_factor"),
    (lambda lib, F: F.interpolate(lib.tensor(X4), size=3, mode="foo"), NotImplementedError,
     r"interpolate: unknown mode 'foo'"),
    (lambda lib, F: F.interpolate(lib.tensor(X4), size=(3, 2.5)), TypeError, r"interpolate: size .*\(3, 2.5\)"),
    (lambda lib, F: F.interpolate(lib.tensor(X4), size=3, antialias=True), ValueError,
     r"interpolate: antialias is restricted .*'nearest'"),
    (lambda lib, F: F.interpolate(lib.tensor(X4.astype(np.int64)), size=3), TypeError,
     r"interpolate: expected a floating point input, got int64"),
    (lambda lib, F: F.pixel_shuffle(lib.tensor(X4), 3), RuntimeError,
     r"pixel_shuffle: .*shape \(2, 4, 5, 5\) and upscale_factor=3"),
    (lambda lib, F: F.pixel_shuffle(lib.tensor(X4[0, 0]), 1), RuntimeError, r"pixel_shuffle: .*shape \(5, 5\)"),
    (lambda lib, F: F.pixel_unshuffle(lib.tensor(X4), 2), RuntimeError,
     r"pixel_unshuffle: .*shape \(2, 4, 5, 5\) and downscale_factor=2"),
    (lambda lib, F: F.channel_shuffle(lib.tensor(X4), 3), RuntimeError,
     r"channel_shuffle: .*shape \(2, 4, 5, 5\) and groups=3"),
    (lambda lib, F: F.channel_shuffle(lib.tensor(X4[0, 0]), 1), RuntimeError, r"channel_shuffle: .*shape \(5, 5\)"),
    (lambda lib, F: F.instance_norm(lib.tensor(X4[:, :, :1, :1])), ValueError,
     r"instance_norm: expected more than 1 spatial element .*\(2, 4, 1, 1\)"),
    (lambda lib, F: F.instance_norm(lib.tensor(X4), lib.zeros(3), lib.ones(3)), RuntimeError,
     r"instance_norm: running_mean shape \(3,\) doesn't match 4 channels"),
    (lambda lib, F: F.instance_norm(lib.tensor(X4), use_input_stats=False), RuntimeError,
     r"instance_norm: running_mean and running_var must be defined"),
    (lambda lib, F: F.local_response_norm(lib.tensor(X4[0, 0]), 2), ValueError,
     r"local_response_norm: expected 3-D or higher input .*\(5, 5\)"),
    (lambda lib, F: F.local_response_norm(lib.tensor(X4), 0), RuntimeError, r"local_response_norm: .*size=0"),
    (lambda lib, F: F.adaptive_max_pool2d(lib.tensor(X4[0, 0]), 2), RuntimeError,
     r"adaptive_max_pool2d: expected 3-D or 4-D input .*\(5, 5\)"),
    (lambda lib, F: F.adaptive_max_pool2d(lib.tensor(rand((2, 3, 0, 4), 1)), 2), RuntimeError,
     r"adaptive_max_pool2d: .*non-zero sizes, got shape \(2, 3, 0, 4\)"),
    (lambda lib, F: F.adaptive_max_pool2d(lib.tensor(X4), (1, 2, 3)), RuntimeError,
     r"adaptive_max_pool2d: output_size .*\(1, 2, 3\)"),
    (lambda lib, F: F.adaptive_max_pool1d(lib.tensor(X4), 2), RuntimeError,
     r"adaptive_max_pool1d: expected 2-D or 3-D input .*\(2, 4, 5, 5\)"),
    (lambda lib, F: F.adaptive_max_pool1d(lib.tensor(X3.astype(np.int64)), 2), TypeError,
     r"adaptive_max_pool1d: expected a floating point input, got int64"),
    (lambda lib, F: F.lp_pool1d(lib.tensor(X3), 2, 7), RuntimeError, r"avg_pool1d: input \(2, 4, 5\) is too small"),
    (lambda lib, F: F.lp_pool1d(lib.tensor(X3), 0, 2), ValueError, r"lp_pool1d: norm_type must be non-zero, got 0"),
    (lambda lib, F: lib.nn.CircularPad1d(1)(lib.tensor(X4)), ValueError,
     r"CircularPad1d: expected 2D or 3D input \(got 4D input"),
    (lambda lib, F: lib.nn.ReflectionPad1d(5)(lib.tensor(X3)), RuntimeError, r"pad: reflect padding \(5, 5\)"),
    (lambda lib, F: lib.nn.InstanceNorm1d(3, affine=True)(lib.tensor(X3)), ValueError,
     r"InstanceNorm1d: expected input's size at dim=1 to match num_features \(3\), but got: 4"),
    (lambda lib, F: lib.nn.InstanceNorm2d(3)(lib.tensor(X4[0, 0])), ValueError,
     r"InstanceNorm2d: expected 3D or 4D input, got shape \(5, 5\)"),
]


@pytest.mark.parametrize("case", range(len(BAD)))
def test_bad_input(case):
    fn, exc, match = BAD[case]
    with pytest.raises(Exception):
        fn(torch, torch.nn.functional)
    with pytest.raises(exc, match=match):
        fn(tg, tg.nn.functional)
