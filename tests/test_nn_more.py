"""conv2d, pooling, adaptive pooling, GroupNorm, channel dropout, pad_sequence and the Transformer encoder against
torch: forward and every input / parameter gradient on random inputs (batch of 1, odd sizes, non-contiguous
inputs, float32 and float64), float64 finite-difference gradchecks, module reprs and state_dict keys, and the
errors bad arguments raise (naming the op and the shapes)."""
import numpy as np
import pytest
import torch
import teenygrad as tg
import teenygrad.nn as nn
import teenygrad.nn.functional as F
from teenygrad.autograd import gradcheck
from teenygrad.nn.utils.rnn import pad_sequence
from helpers import check_on_fake_device, compare, gc_input, rand, run_twin, twin

TOL = {np.float32: dict(fwd=dict(atol=1e-5, rtol=1e-4), bwd=dict(atol=1e-4, rtol=1e-4)),
       np.float64: dict(fwd=dict(atol=1e-10, rtol=1e-10), bwd=dict(atol=1e-10, rtol=1e-10))}
DTYPES = [np.float32, np.float64]
LAYOUTS = ["contig", "T", "step"]  # C order; a transposed view; every other row of a taller array


# ---- conv2d ------------------------------------------------------------------------------------------
CONV2D = [  # (input shape, weight shape, keywords)
    ((2, 4, 9, 7), (6, 4, 3, 3), dict()),
    ((1, 3, 8, 8), (5, 3, 3, 3), dict(stride=2, padding=1)),                        # batch of 1
    ((3, 4, 11, 6), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)),
    ((2, 3, 7, 9), (4, 3, 4, 3), dict(padding="same", dilation=(1, 2))),            # even kernel: odd extra right
    ((2, 6, 5, 5), (6, 1, 3, 3), dict(padding="valid", groups=6)),                  # depthwise
    ((2, 3, 6, 5), (4, 3, 1, 1), dict(stride=3)),
    ((2, 2, 5, 5), (3, 2, 5, 5), dict()),                                           # kernel = input
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs,ws,kw", CONV2D)
def test_conv2d_matches_torch(xs, ws, kw, dtype, layout):
    arrays = [rand(xs, 1, dtype), rand(ws, 2, dtype), rand(ws[:1], 3, dtype)]
    compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw), arrays, layout=layout, **TOL[dtype])
    compare(lambda lib, x, w: lib.nn.functional.conv2d(x, w, **kw), arrays[:2], layout=layout, **TOL[dtype])


def test_conv2d_unbatched_and_weight_only_grad():
    compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1), [rand((3, 6, 5), 1),
            rand((2, 3, 3, 3), 2), rand((2,), 3)])
    compare(lambda lib, x, w: lib.nn.functional.conv2d(x, w, stride=2), [rand((2, 3, 6, 5), 1),
            rand((2, 3, 3, 3), 2)], grad=[False, True])


def test_conv2d_gradcheck():
    x, w, b = gc_input((2, 4, 6, 5), 0), gc_input((4, 2, 3, 2), 1), gc_input((4,), 2)
    assert gradcheck(lambda a, c, d: F.conv2d(a, c, d, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
                     [x, w, b])
    assert gradcheck(lambda a, c: F.conv2d(a, c, padding="same"), [gc_input((1, 2, 5, 4), 3), gc_input((3, 2, 2, 3), 4)])


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2),
                                dict(groups=2, bias=False), dict(kernel_size=(2, 3), padding=(1, 0), stride=(1, 2)),
                                dict(padding=1, padding_mode="reflect"), dict(padding=(2, 1), padding_mode="circular"),
                                dict(padding="same", padding_mode="replicate")])
def test_conv2d_module(kw):
    kw = dict(kw)
    k = kw.pop("kernel_size", 3)
    m, tm = twin(nn.Conv2d(4, 6, k, **kw), torch.nn.Conv2d(4, 6, k, **kw))
    run_twin(m, tm, rand((2, 4, 9, 8), 5))
    run_twin(m, tm, rand((4, 7, 7), 6))  # unbatched


def test_conv2d_module_init_and_state_dict():
    m = nn.Conv2d(3, 16, (3, 5), groups=1)
    assert list(m.state_dict()) == ["weight", "bias"] and m.weight.shape == (16, 3, 3, 5)
    bound = 1 / np.sqrt(3 * 15)
    assert np.abs(m.weight.numpy()).max() <= bound and np.abs(m.weight.numpy()).max() > 0.8 * bound
    assert nn.Conv2d(3, 4, 3, bias=False).bias is None


@pytest.mark.parametrize("call,err,match", [
    (lambda: F.conv2d(tg.randn(2, 3, 5, 5), tg.randn(4, 2, 3, 3)), RuntimeError,
     r"conv2d: input \(2, 3, 5, 5\) has 3 channels but weight \(4, 2, 3, 3\) expects 2"),
    (lambda: F.conv2d(tg.randn(2, 5, 5), tg.randn(4, 3, 3, 3)), RuntimeError,
     r"conv2d: input \(2, 5, 5\) has 2 channels but weight \(4, 3, 3, 3\) expects 3"),  # unbatched
    (lambda: F.conv2d(tg.randn(5, 5), tg.randn(4, 3, 3, 3)), RuntimeError,
     r"conv2d: expected 3-D/4-D input \(N, C_in, H, W\) and 4-D weight, got input \(5, 5\)"),
    (lambda: F.conv2d(tg.randn(1, 3, 5, 5), tg.randn(4, 3, 3)), RuntimeError, r"conv2d: expected 3-D/4-D input"),
    (lambda: F.conv2d(tg.randn(1, 3, 5, 5), tg.randn(4, 3, 3, 3), groups=2), RuntimeError,
     "must both be divisible by groups=2"),
    (lambda: F.conv2d(tg.randn(1, 3, 2, 5), tg.randn(4, 3, 3, 3)), RuntimeError,
     r"conv2d: input size \(2, 5\) \(padded \(2, 5\)\) is smaller than the kernel's reach \(3, 3\)"),
    (lambda: F.conv2d(tg.randn(1, 3, 4, 5), tg.randn(4, 3, 3, 3), dilation=2), RuntimeError,
     r"smaller than the kernel's reach \(5, 5\)"),
    (lambda: F.conv2d(tg.randn(1, 3, 5, 5), tg.randn(4, 3, 3, 3), stride=0), RuntimeError,
     r"conv2d: stride \(\(0, 0\)\) and dilation \(\(1, 1\)\) must be positive"),
    (lambda: F.conv2d(tg.randn(1, 3, 5, 5), tg.randn(4, 3, 3, 3), padding=-1), RuntimeError,
     "conv2d: negative padding"),
    (lambda: F.conv2d(tg.randn(1, 3, 5, 5), tg.randn(4, 3, 3, 3), stride=(1, 2, 3)), RuntimeError,
     "conv2d: stride must be an int or a tuple of 2 ints"),
    (lambda: F.conv2d(tg.randn(1, 3, 5, 5), tg.randn(4, 3, 3, 3), padding="same", stride=2), ValueError,
     "conv2d: padding='same' is not supported for strided"),
    (lambda: F.conv2d(tg.randn(1, 3, 5, 5), tg.randn(4, 3, 3, 3), padding="full"), ValueError,
     "conv2d: invalid padding string 'full'"),
    (lambda: F.conv2d(tg.randn(1, 3, 5, 5), tg.randn(4, 3, 3, 3), tg.randn(3)), RuntimeError,
     r"conv2d: bias shape \(3,\) doesn't match 4 output channels"),
    (lambda: F.conv2d(tg.randn(1, 3, 5, 5), tg.randn(4, 3, 3, 3, dtype=tg.float64)), TypeError,
     "conv2d: dtype mismatch"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, "Conv2d: in_channels 4 and out_channels 6 must be divisible"),
    (lambda: nn.Conv2d(4, 6, 3, stride=2, padding="same"), ValueError, "Conv2d: padding='same' is not supported"),
    (lambda: nn.Conv2d(4, 6, (3, 3, 3)), ValueError, "Conv2d: kernel_size must be a positive int or a tuple of 2"),
    (lambda: nn.Conv2d(4, 6, 3, padding=-1), ValueError, "Conv2d: padding must be a non-negative int"),
])
def test_conv2d_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_conv1d_shares_the_im2col_op():
    compare(lambda lib, x, w, b: lib.nn.functional.conv1d(x, w, b, stride=2, padding=2, dilation=2, groups=2),
            [rand((3, 4, 11), 1, np.float64), rand((6, 2, 3), 2, np.float64), rand((6,), 3, np.float64)],
            layout="T", **TOL[np.float64])


# ---- pooling -----------------------------------------------------------------------------------------
POOL2D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(3, 2), stride=(2, 1)),
          dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=(2, 3), stride=2, padding=1, ceil_mode=True),
          dict(kernel_size=1, stride=3)]
POOL1D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=4, stride=3, ceil_mode=True),
          dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", POOL2D)
def test_pool2d_matches_torch(kw, dtype, layout):
    x = [rand((2, 3, 9, 8), 1, dtype)]
    compare(lambda lib, a: lib.nn.functional.max_pool2d(a, **kw), x, layout=layout, **TOL[dtype])
    compare(lambda lib, a: lib.nn.functional.max_pool2d(a, dilation=(2, 1), **kw), x, layout=layout, **TOL[dtype])
    for cip in (True, False):
        compare(lambda lib, a: lib.nn.functional.avg_pool2d(a, count_include_pad=cip, **kw), x, layout=layout,
                **TOL[dtype])
    compare(lambda lib, a: lib.nn.functional.avg_pool2d(a, divisor_override=5, **kw), x, layout=layout, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", POOL1D)
def test_pool1d_matches_torch(kw, dtype):
    for shape in ((2, 3, 11), (1, 1, 8), (4, 7)):  # batch of 1 and unbatched
        x = [rand(shape, 1, dtype)]
        compare(lambda lib, a: lib.nn.functional.max_pool1d(a, **kw), x, layout="T", **TOL[dtype])
        compare(lambda lib, a: lib.nn.functional.max_pool1d(a, dilation=2, **kw), x, **TOL[dtype])
        for cip in (True, False):
            compare(lambda lib, a: lib.nn.functional.avg_pool1d(a, count_include_pad=cip, **kw), x, layout="step",
                    **TOL[dtype])


@pytest.mark.parametrize("fn,shape,kw", [("max_pool2d", (2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1)),
                                         ("max_pool2d", (3, 6, 5), dict(kernel_size=2, ceil_mode=True)),
                                         ("max_pool2d", (1, 2, 8, 8), dict(kernel_size=3, stride=1, dilation=2)),
                                         ("max_pool1d", (2, 3, 10), dict(kernel_size=3, stride=2, padding=1)),
                                         ("max_pool1d", (3, 7), dict(kernel_size=2, ceil_mode=True))])
def test_max_pool_return_indices(fn, shape, kw):
    x = rand(shape, 4)
    y, i = getattr(F, fn)(tg.tensor(x), return_indices=True, **kw)  # no graph: the winners are found again
    ty, ti = getattr(torch.nn.functional, fn)(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert i.dtype == tg.int64
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    _, i2 = getattr(F, fn)(tg.tensor(x, requires_grad=True), return_indices=True, **kw)
    np.testing.assert_array_equal(i2.numpy(), ti.numpy())


def test_max_pool_overlapping_windows_accumulate_grad():
    # stride 1 with kernel 3: one large value wins 9 windows, so its gradient is a sum of 9 upstream values
    x = np.zeros((1, 1, 5, 5), np.float32)
    x[0, 0, 2, 2] = 5.0
    compare(lambda lib, a: lib.nn.functional.max_pool2d(a, 3, 1, padding=1), [x + rand(x.shape, 2) * 0.01])


def test_pool_gradcheck():
    x = gc_input((2, 2, 7, 6), 0)
    assert gradcheck(lambda a: F.max_pool2d(a, 3, 2, 1, ceil_mode=True), [x])
    assert gradcheck(lambda a: F.max_pool2d(a, (2, 3), (1, 2), dilation=(2, 1)), [x])
    assert gradcheck(lambda a: F.avg_pool2d(a, 3, 2, 1, ceil_mode=True, count_include_pad=False), [x])
    assert gradcheck(lambda a: F.avg_pool2d(a, (2, 3), 2, (1, 0), divisor_override=4), [x])
    x1 = gc_input((2, 3, 9), 1)
    assert gradcheck(lambda a: F.max_pool1d(a, 3, 2, 1) + F.avg_pool1d(a, 3, 2, 1), [x1])


@pytest.mark.parametrize("ours,theirs,shape", [
    (nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1), (2, 3, 8, 7)),
    (nn.MaxPool2d((2, 3), ceil_mode=True), torch.nn.MaxPool2d((2, 3), ceil_mode=True), (3, 7, 8)),
    (nn.MaxPool1d(2), torch.nn.MaxPool1d(2), (2, 3, 9)),
    (nn.MaxPool1d(3, 1, 1, dilation=1), torch.nn.MaxPool1d(3, 1, 1, dilation=1), (3, 9)),
    (nn.AvgPool2d(2), torch.nn.AvgPool2d(2), (2, 3, 8, 7)),
    (nn.AvgPool2d(3, 2, 1, count_include_pad=False), torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False),
     (1, 3, 8, 7)),
    (nn.AvgPool1d(3, 2, 1, ceil_mode=True), torch.nn.AvgPool1d(3, 2, 1, ceil_mode=True), (2, 3, 10)),
    (nn.AdaptiveAvgPool2d((3, 2)), torch.nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 8, 7)),
    (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1), (3, 5, 5)),
    (nn.AdaptiveAvgPool1d(4), torch.nn.AdaptiveAvgPool1d(4), (2, 3, 10)),
], ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_pool_modules(ours, theirs, shape):
    twin(ours, theirs)
    assert list(ours.state_dict()) == []
    run_twin(ours, theirs, rand(shape, 3), atol=1e-6)


def test_max_pool_module_return_indices():
    y, i = nn.MaxPool2d(2, return_indices=True)(tg.tensor(rand((1, 2, 4, 6), 0)))
    ty, ti = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(rand((1, 2, 4, 6), 0)))
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


@pytest.mark.parametrize("call,match", [
    (lambda: F.max_pool2d(tg.randn(1, 1, 5, 5), 3, padding=2), r"max_pool2d: pad should be non-negative and at most "
                                                                r"half of effective kernel size, but got pad=\(2, 2\)"),
    (lambda: F.avg_pool2d(tg.randn(1, 1, 5, 5), 2, padding=2), "avg_pool2d: pad should be"),
    (lambda: F.max_pool2d(tg.randn(1, 1, 2, 2), 3), r"max_pool2d: input \(1, 1, 2, 2\) is too small: calculated "
                                                    r"output size \(0, 0\)"),
    (lambda: F.avg_pool1d(tg.randn(1, 1, 2), 3), r"avg_pool1d: input \(1, 1, 2\) is too small"),
    (lambda: F.max_pool2d(tg.randn(5, 5), 2), r"max_pool2d: expected 3-D or 4-D \(batched\) input \(N, C, H, W\), "
                                              r"got shape \(5, 5\)"),
    (lambda: F.max_pool1d(tg.randn(1, 2, 3, 5), 2), r"max_pool1d: expected 2-D or 3-D"),
    (lambda: F.max_pool2d(tg.randn(1, 1, 5, 5), 2, stride=0), r"max_pool2d: stride must be greater than zero, but "
                                                              r"got stride=\(0, 0\) for input \(1, 1, 5, 5\)"),
    (lambda: F.avg_pool2d(tg.randn(1, 1, 5, 5), 0), "avg_pool2d: kernel_size must be greater than zero"),
    (lambda: F.avg_pool2d(tg.randn(1, 1, 5, 5), (2, 2, 2)), "avg_pool2d: kernel_size must be an int or a tuple of 2"),
    (lambda: F.avg_pool2d(tg.randn(1, 1, 5, 5), 2, divisor_override=0), "avg_pool2d: divisor_override must be "
                                                                        "non-zero"),
    (lambda: F.adaptive_avg_pool2d(tg.randn(4, 5), 2), r"adaptive_avg_pool2d: expected 3-D or 4-D input"),
    (lambda: F.adaptive_avg_pool2d(tg.randn(1, 4, 5), (2, 2, 2)), "adaptive_avg_pool2d: output_size must be an int "
                                                                  "or a tuple of 2"),
    (lambda: F.adaptive_avg_pool1d(tg.randn(1, 4, 5), -1), "adaptive_avg_pool1d: output_size must be non-negative"),
])
def test_pool_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()
    with pytest.raises(TypeError, match="avg_pool2d: expected a floating point input, got int32"):  # torch pools int64
        F.avg_pool2d(tg.tensor(np.ones((1, 1, 4, 4), np.int32)), 2)


def test_max_pool_integers_and_empty_adaptive_output():
    x = np.random.default_rng(0).integers(-50, 50, (2, 3, 7, 6))
    y, i = F.max_pool2d(tg.tensor(x), 3, 2, 1, return_indices=True)
    ty, ti = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    assert y.dtype == tg.int64
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert F.adaptive_avg_pool1d(tg.randn(1, 4, 5), 0).shape == (1, 4, 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,out", [((2, 3, 8, 6), (4, 3)), ((2, 3, 7, 10), (3, 4)), ((1, 2, 5, 5), 1),
                                       ((3, 7, 9), (None, 4)), ((2, 3, 3, 2), (5, 4))])  # larger than the input
def test_adaptive_avg_pool2d(shape, out, dtype):
    compare(lambda lib, a: lib.nn.functional.adaptive_avg_pool2d(a, out), [rand(shape, 1, dtype)], layout="T",
            **TOL[dtype])


@pytest.mark.parametrize("shape,out", [((2, 3, 12), 4), ((2, 3, 10), 3), ((3, 7), 5), ((1, 2, 5), 5)])
def test_adaptive_avg_pool1d(shape, out):
    compare(lambda lib, a: lib.nn.functional.adaptive_avg_pool1d(a, out), [rand(shape, 1)], layout="step")
    assert gradcheck(lambda a: F.adaptive_avg_pool1d(a, out), [gc_input(shape, 2)])


@pytest.mark.parametrize("op, x, out", [
    ("adaptive_avg_pool1d", [[[1.0, np.inf, 3.0, 4.0, 5.0]]], 3),
    ("adaptive_avg_pool1d", [[[1.0, np.nan, 3.0, -np.inf, 5.0, 6.0]]], 4),
    ("adaptive_avg_pool2d", [[[[1.0, np.inf, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, -np.inf]]]], 2),
    ("adaptive_avg_pool2d", [[[[1.0, np.inf, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, -np.inf]]]], (3, 1))])
def test_adaptive_avg_pool_keeps_inf_and_nan_in_their_windows(op, x, out):
    # a window without the inf or nan stays finite (the GEMM path would turn it into nan: inf * 0)
    a = np.array(x, np.float32)
    want = getattr(torch.nn.functional, op)(torch.tensor(a), out).numpy()
    got = getattr(F, op)(tg.tensor(a), out).numpy()
    np.testing.assert_array_equal(got, want)
    assert np.isfinite(want).any() and not np.isfinite(want).all()
    xg, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    yg, yt = getattr(F, op)(xg, out), getattr(torch.nn.functional, op)(xt, out)
    yg.backward(tg.ones_like(yg))
    yt.backward(torch.ones_like(yt))
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-6)


def test_adaptive_avg_pool2d_gradcheck():
    assert gradcheck(lambda a: F.adaptive_avg_pool2d(a, (3, 4)), [gc_input((2, 2, 7, 10), 0)])


# ---- GroupNorm, channel dropout ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("args,shape", [((2, 6), (3, 6, 5, 4)), ((3, 6), (1, 6, 7)), ((1, 4), (2, 4)),
                                        ((4, 4), (2, 4, 3, 3)), ((2, 6, 1e-3, False), (2, 6, 5))])
def test_group_norm(args, shape, dtype):
    m, tm = twin(nn.GroupNorm(*args), torch.nn.GroupNorm(*args))
    if dtype == np.float64:
        m, tm = m.double(), tm.double()
    for p in m.parameters():  # away from the init, so that a swapped weight / bias shows
        p._data[...] = rand(p.shape, 5, dtype)
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    tol = 1e-5 if dtype == np.float32 else 1e-10
    run_twin(m, tm, rand(shape, 1, dtype, -3, 3) + 1.0, atol=tol, rtol=tol * 10)


def test_group_norm_functional_and_gradcheck():
    compare(lambda lib, x, w, b: lib.nn.functional.group_norm(x, 3, w, b, eps=1e-4),
            [rand((2, 6, 4, 3), 1), rand((6,), 2), rand((6,), 3)], layout="T")
    compare(lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b),
            [rand((2, 6, 4, 3), 1, np.float64), rand((6,), 2, np.float64), rand((6,), 3, np.float64)], layout="step",
            **TOL[np.float64])
    assert gradcheck(lambda a, w, b: F.group_norm(a, 2, w, b), [gc_input((2, 4, 3), 0), gc_input((4,), 1), gc_input((4,), 2)])
    m = nn.GroupNorm(2, 4, affine=False, bias=False)
    assert list(m.state_dict()) == [] and repr(m) == repr(torch.nn.GroupNorm(2, 4, affine=False, bias=False))
    assert list(nn.GroupNorm(2, 4, bias=False).state_dict()) == ["weight"]


def test_group_norm_errors():
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match=r"group_norm: expected the number of channels in input \(2, 5, 3\) \(5\) "
                                           r"to be divisible by num_groups=2"):
        nn.GroupNorm(2, 4)(tg.randn(2, 5, 3))
    with pytest.raises(RuntimeError, match=r"group_norm: weight shape \(4,\) doesn't match 6 channels"):
        nn.GroupNorm(2, 4)(tg.randn(2, 6, 3))
    with pytest.raises(RuntimeError, match="group_norm: expected at least 2-D input"):
        F.group_norm(tg.randn(4), 2)


@pytest.mark.parametrize("cls,tcls,shape", [(nn.Dropout2d, torch.nn.Dropout2d, (8, 50, 3, 4)),
                                            (nn.Dropout1d, torch.nn.Dropout1d, (8, 50, 6)),
                                            (nn.Dropout1d, torch.nn.Dropout1d, (400, 6))])  # unbatched (C, L)
def test_channel_dropout(cls, tcls, shape):
    m = cls(0.3)
    assert repr(m) == repr(tcls(0.3))
    x = tg.tensor(rand(shape, 0, low=0.5, high=1.0), requires_grad=True)
    y = m(x)
    lead = 1 if len(shape) == 2 else 2  # one draw per (sample, channel), or per channel unbatched
    ratio = (y.numpy() / x.numpy()).reshape(*shape[:lead], -1)
    # every channel is all dropped (0) or all kept (1 / (1 - p)), about 30% dropped
    assert np.allclose(ratio, ratio[..., :1])
    assert np.all(np.isclose(ratio, 0) | np.isclose(ratio, 1 / 0.7))
    assert 0.2 < (ratio[..., 0] == 0).mean() < 0.4
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.numpy() / x.numpy(), rtol=1e-6)
    m.eval()
    assert m(x) is x
    with pytest.raises(ValueError, match="dropout2d: dropout probability has to be between 0 and 1"):
        F.dropout2d(tg.randn(2, 2, 2, 2), 1.5)
    with pytest.raises(RuntimeError, match=r"dropout1d: expected 2-D or 3-D input \(N, C, L\), got shape \(2, 2, 2, "
                                           r"2\)"):
        F.dropout1d(tg.randn(2, 2, 2, 2), 0.5)


# ---- pad_sequence --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True), dict(padding_value=-1.5),
                                dict(batch_first=True, padding_side="left"), dict(padding_side="left")])
@pytest.mark.parametrize("shapes", [[(3, 2), (5, 2), (1, 2)], [(4,), (2,), (4,)], [(2, 3, 2)], [(1, 2, 3), (3, 2, 3)]])
def test_pad_sequence(shapes, kw, dtype):
    arrays = [rand(s, i, dtype) for i, s in enumerate(shapes)]
    compare(lambda lib, *xs: (pad_sequence if lib is tg else torch.nn.utils.rnn.pad_sequence)(list(xs), **kw),
            arrays, **TOL[dtype])


def test_pad_sequence_errors_and_gradcheck():
    assert nn.utils.rnn.pad_sequence is pad_sequence
    with pytest.raises(RuntimeError, match="pad_sequence: received an empty list of sequences"):
        pad_sequence([])
    with pytest.raises(RuntimeError, match=r"pad_sequence: the sequences' trailing dims must match, got \(3, 2\) and "
                                           r"\(2, 3\)"):
        pad_sequence([tg.randn(3, 2), tg.randn(2, 3)])
    with pytest.raises(RuntimeError, match="pad_sequence: padding_side must be 'left' or 'right'"):
        pad_sequence([tg.randn(3)], padding_side="middle")
    assert gradcheck(lambda a, b: pad_sequence([a, b], padding_side="left"), [gc_input((3, 2), 0), gc_input((1, 2), 1)])


# ---- Transformer encoder -------------------------------------------------------------------------------
def _causal(t, kind):
    if kind == "bool":
        return np.triu(np.ones((t, t), bool), 1)
    return np.triu(np.full((t, t), -np.inf, np.float32), 1)


@pytest.mark.parametrize("kw", [dict(), dict(activation="gelu"), dict(batch_first=True, norm_first=True),
                                dict(activation="gelu", norm_first=True, bias=False), dict(dim_feedforward=7)])
def test_transformer_encoder_layer(kw):
    torch.manual_seed(0)
    kw = dict(dict(dim_feedforward=16, dropout=0.1), **kw)
    m, tm = twin(nn.TransformerEncoderLayer(8, 2, **kw), torch.nn.TransformerEncoderLayer(8, 2, **kw))
    b, t = 3, 5
    shape = (b, t, 8) if kw.get("batch_first") else (t, b, 8)
    x = rand(shape, 1)
    kpm = np.zeros((b, t), bool)
    kpm[1, 3:] = True
    run_twin(m, tm, x)  # eval: dropout off
    run_twin(m, tm, x, src_mask=_causal(t, "float"))
    run_twin(m, tm, x, src_mask=_causal(t, "bool"), src_key_padding_mask=kpm)
    run_twin(m, tm, x[:1] if kw.get("batch_first") else x[:, :1])  # batch of 1
    run_twin(m, tm, np.ascontiguousarray(x[0] if kw.get("batch_first") else x[:, 0]))  # unbatched (t, d)
    m.train()
    y1, y2 = m(tg.tensor(x)).numpy(), m(tg.tensor(x)).numpy()
    assert not np.allclose(y1, y2)  # dropout is on in training


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_encoder(batch_first):
    torch.manual_seed(0)
    kw = dict(dim_feedforward=12, dropout=0.0, batch_first=batch_first)
    layer, tlayer = twin(nn.TransformerEncoderLayer(8, 4, **kw), torch.nn.TransformerEncoderLayer(8, 4, **kw))
    with pytest.warns(UserWarning) if not batch_first else _nothing():
        tm = torch.nn.TransformerEncoder(tlayer, 3, norm=torch.nn.LayerNorm(8))
    m, tm = twin(nn.TransformerEncoder(layer, 3, norm=nn.LayerNorm(8), enable_nested_tensor=False), tm)
    assert len({id(p) for p in m.parameters()}) == 3 * 12 + 2  # deep copies: no shared parameters
    assert list(m.state_dict())[:2] == ["layers.0.self_attn.in_proj_weight", "layers.0.self_attn.in_proj_bias"]
    b, t = 2, 6
    x = rand((b, t, 8) if batch_first else (t, b, 8), 2)
    kpm = np.zeros((b, t), bool)
    kpm[0, 4:] = True
    run_twin(m, tm, x, train=True)  # dropout 0: training mode gives the same numbers
    run_twin(m, tm, x, mask=_causal(t, "bool"), src_key_padding_mask=kpm)
    m.eval()
    tm.eval()
    a, ta = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = m(a, mask=tg.tensor(_causal(t, "bool")), is_causal=True)
    ty = tm(ta, mask=torch.tensor(_causal(t, "bool")), is_causal=True)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-5, rtol=1e-4)
    with pytest.raises(RuntimeError, match="need attn_mask if specifying the is_causal hint"):
        m(a, is_causal=True)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_transformer_encoder_layer_float64_gradcheck():
    tg.manual_seed(0)
    m = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, dtype=tg.float64).eval()
    mask = tg.tensor(_causal(3, "float").astype(np.float64))
    assert gradcheck(lambda a: m(a, src_mask=mask), [gc_input((3, 2, 4), 0)])


def test_transformer_encoder_layer_errors():
    with pytest.raises(RuntimeError, match="TransformerEncoderLayer: activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(ValueError, match=r"embed_dim \(8\) must be divisible by num_heads \(3\)"):
        nn.TransformerEncoderLayer(8, 3)
    m = nn.TransformerEncoderLayer(8, 2, 16)
    with pytest.raises(RuntimeError, match=r"query's last dim 6 != embed_dim 8"):
        m(tg.randn(5, 2, 6))


# ---- on a (fake) GPU: every array stays on the device, numbers as on the CPU ---------------------------
DEVICE_OPS = {
    "conv2d": lambda x, w: F.conv2d(x, w[:, :2], stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
    "max_pool2d": lambda x, w: F.max_pool2d(x, 3, 2, 1, ceil_mode=True) * 2
    + F.max_pool2d(x, 2, return_indices=True)[1].float().sum(),
    "avg_pool2d": lambda x, w: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    "adaptive_avg_pool2d": lambda x, w: F.adaptive_avg_pool2d(x, (3, 2)),
    "group_norm": lambda x, w: F.group_norm(x, 2, w[:, 0, 0, 0], w[:, 0, 0, 1]),
    "pad_sequence": lambda x, w: pad_sequence([x[0], x[1, :2]], batch_first=True, padding_side="left"),
    "dropout2d": lambda x, w: F.dropout2d(x, 0.5) + F.dropout1d(x[0], 0.5),  # host RNG: the same masks
}


@pytest.mark.parametrize("name", list(DEVICE_OPS))
def test_ops_stay_on_device(name):
    check_on_fake_device(DEVICE_OPS[name], (2, 4, 7, 6), (4, 4, 3, 3), name)


def test_small_cnn_as_in_teaching_code():
    def make(lib):
        n = lib.nn
        return n.Sequential(n.Conv2d(1, 4, 3, padding=1), n.ReLU(), n.MaxPool2d(2), n.Conv2d(4, 8, 3, stride=1),
                            n.GroupNorm(2, 8), n.ReLU(), n.AvgPool2d(2, ceil_mode=True), n.AdaptiveAvgPool2d(1),
                            n.Flatten(), n.Linear(8, 10))
    torch.manual_seed(0)
    m, tm = twin(make(tg), make(torch))
    run_twin(m, tm, rand((3, 1, 12, 11), 9), train=True)


def test_max_pool_with_indices_runs_its_forward_once(monkeypatch):
    from teenygrad.ops import conv as C
    calls, forward = [], C.MaxPoolNd.forward
    monkeypatch.setattr(C.MaxPoolNd, "forward", lambda self, *a, **k: calls.append(1) or forward(self, *a, **k))
    a = np.random.default_rng(0).standard_normal((1, 2, 5, 5)).astype(np.float32)
    for requires_grad in (False, True):
        calls.clear()
        y, i = tg.nn.functional.max_pool2d(tg.tensor(a, requires_grad=requires_grad), 2, return_indices=True)
        ty, ti = torch.nn.functional.max_pool2d(torch.tensor(a), 2, return_indices=True)
        assert len(calls) == 1
        np.testing.assert_array_equal(y.detach().numpy(), ty.numpy())
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
