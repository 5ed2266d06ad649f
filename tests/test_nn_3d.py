"""The 3-D layers (N, C, D, H, W) against torch: conv3d / conv_transpose3d, max / avg / adaptive / lp pooling,
BatchNorm3d, InstanceNorm3d and channel dropout3d. They share the N-d im2col ops of the 1-D and 2-D versions, so
these check the third spatial dim end to end: forward and every input / parameter gradient on random inputs
(batch of 1, odd sizes, non-contiguous inputs, float32 and float64), float64 finite-difference gradchecks, module
reprs and state_dict keys, the errors bad arguments raise (naming the op and the values), and dropout3d's mask
drawn bit for bit as torch's after the same manual_seed."""
import warnings
import numpy as np
import pytest
import torch
import teenygrad as tg
import teenygrad.nn as nn
import teenygrad.nn.functional as F
from teenygrad.autograd import gradcheck
from helpers import check_on_fake_device, compare, gc_input, rand, raises_like_torch, run_twin, twin

TOL = {np.float32: dict(fwd=dict(atol=1e-5, rtol=1e-4), bwd=dict(atol=1e-4, rtol=1e-4)),
       np.float64: dict(fwd=dict(atol=1e-10, rtol=1e-10), bwd=dict(atol=1e-10, rtol=1e-10))}
DTYPES = [np.float32, np.float64]
LAYOUTS = ["contig", "T", "step"]  # C order; a transposed view; every other sample of a taller array
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")  # torch's perf note


# ---- conv3d ------------------------------------------------------------------------------------------
CONV3D = [  # (input shape, weight shape, keywords)
    ((2, 3, 5, 6, 7), (4, 3, 3, 3, 3), dict()),
    ((1, 2, 6, 5, 7), (3, 2, 3, 2, 3), dict(stride=2, padding=1)),                   # batch of 1
    ((2, 4, 7, 5, 6), (6, 2, 3, 2, 2), dict(stride=(2, 1, 3), padding=(1, 0, 2), dilation=(2, 1, 1), groups=2)),
    ((2, 3, 5, 6, 4), (2, 3, 2, 3, 4), dict(padding="same", dilation=(2, 1, 1))),   # even kernel: odd extra right
    ((1, 4, 4, 5, 3), (4, 1, 3, 3, 3), dict(padding="valid", groups=4)),             # depthwise
    ((2, 2, 3, 4, 5), (3, 2, 3, 4, 5), dict()),                                      # kernel = input
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs,ws,kw", CONV3D)
def test_conv3d_matches_torch(xs, ws, kw, dtype, layout):
    arrays = [rand(xs, 1, dtype), rand(ws, 2, dtype), rand(ws[:1], 3, dtype)]
    compare(lambda lib, x, w, b: lib.nn.functional.conv3d(x, w, b, **kw), arrays, layout=layout, **TOL[dtype])
    compare(lambda lib, x, w: lib.nn.functional.conv3d(x, w, **kw), arrays[:2], layout=layout, **TOL[dtype])


def test_conv3d_unbatched_and_weight_only_grad():
    compare(lambda lib, x, w, b: lib.nn.functional.conv3d(x, w, b, padding=1), [rand((3, 4, 5, 3), 1),
            rand((2, 3, 3, 3, 3), 2), rand((2,), 3)])
    compare(lambda lib, x, w: lib.nn.functional.conv3d(x, w, stride=2), [rand((2, 3, 5, 6, 5), 1),
            rand((2, 3, 3, 3, 3), 2)], grad=[False, True])


def test_conv3d_gradcheck():
    x, w, b = gc_input((2, 4, 4, 5, 3), 0), gc_input((4, 2, 2, 3, 2), 1), gc_input((4,), 2)
    assert gradcheck(lambda a, c, d: F.conv3d(a, c, d, stride=(1, 2, 1), padding=(1, 0, 1), dilation=(1, 1, 2),
                                              groups=2), [x, w, b])
    assert gradcheck(lambda a, c: F.conv3d(a, c, padding="same"), [gc_input((1, 2, 3, 4, 3), 3), gc_input((2, 2, 2, 3, 2), 4)])


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2),
                                dict(groups=2, bias=False), dict(kernel_size=(2, 3, 1), padding=(1, 0, 1),
                                                                 stride=(1, 2, 2)),
                                dict(padding=1, padding_mode="reflect"), dict(padding=(2, 1, 0), padding_mode="circular"),
                                dict(padding="same", padding_mode="replicate")])
def test_conv3d_module(kw):
    kw = dict(kw)
    k = kw.pop("kernel_size", 3)
    m, tm = twin(nn.Conv3d(4, 6, k, **kw), torch.nn.Conv3d(4, 6, k, **kw))
    run_twin(m, tm, rand((2, 4, 5, 7, 6), 5))
    run_twin(m, tm, rand((4, 6, 5, 5), 6))  # unbatched


def test_conv3d_module_init_and_state_dict():
    m = nn.Conv3d(3, 16, (3, 5, 2))
    assert list(m.state_dict()) == ["weight", "bias"] and m.weight.shape == (16, 3, 3, 5, 2)
    assert m.weight.dtype == tg.float32
    bound = 1 / np.sqrt(3 * 30)
    assert np.abs(m.weight.numpy()).max() <= bound and np.abs(m.weight.numpy()).max() > 0.8 * bound
    assert nn.Conv3d(3, 4, 3, bias=False).bias is None
    tg.manual_seed(4)
    torch.manual_seed(4)  # built after the same seed: torch's exact weights
    ours, theirs = nn.Conv3d(3, 5, (2, 3, 1), groups=1), torch.nn.Conv3d(3, 5, (2, 3, 1), groups=1)
    np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())
    np.testing.assert_array_equal(ours.bias.numpy(), theirs.bias.detach().numpy())


@pytest.mark.parametrize("call,err,match", [
    (lambda: F.conv3d(tg.randn(2, 3, 5, 5, 5), tg.randn(4, 2, 3, 3, 3)), RuntimeError,
     r"conv3d: input \(2, 3, 5, 5, 5\) has 3 channels but weight \(4, 2, 3, 3, 3\) expects 2"),
    (lambda: F.conv3d(tg.randn(2, 5, 5, 5), tg.randn(4, 3, 3, 3, 3)), RuntimeError,
     r"conv3d: input \(2, 5, 5, 5\) has 2 channels but weight \(4, 3, 3, 3, 3\) expects 3"),  # unbatched
    (lambda: F.conv3d(tg.randn(3, 5, 5), tg.randn(4, 3, 3, 3, 3)), RuntimeError,
     r"conv3d: expected 4-D/5-D input \(N, C_in, D, H, W\) and 5-D weight, got input \(3, 5, 5\)"),
    (lambda: F.conv3d(tg.randn(1, 3, 5, 5, 5), tg.randn(4, 3, 3, 3)), RuntimeError, r"conv3d: expected 4-D/5-D"),
    (lambda: F.conv3d(tg.randn(1, 3, 5, 5, 5), tg.randn(4, 3, 3, 3, 3), groups=2), RuntimeError,
     "conv3d: in_channels 3 and out_channels 4 must both be divisible by groups=2"),
    (lambda: F.conv3d(tg.randn(1, 3, 5, 2, 5), tg.randn(4, 3, 3, 3, 3)), RuntimeError,
     r"conv3d: input size \(5, 2, 5\) \(padded \(5, 2, 5\)\) is smaller than the kernel's reach \(3, 3, 3\)"),
    (lambda: F.conv3d(tg.randn(1, 3, 5, 4, 5), tg.randn(4, 3, 3, 3, 3), dilation=2), RuntimeError,
     r"smaller than the kernel's reach \(5, 5, 5\)"),
    (lambda: F.conv3d(tg.randn(1, 3, 5, 5, 5), tg.randn(4, 3, 3, 3, 3), stride=0), RuntimeError,
     r"conv3d: stride \(\(0, 0, 0\)\) and dilation \(\(1, 1, 1\)\) must be positive"),
    (lambda: F.conv3d(tg.randn(1, 3, 5, 5, 5), tg.randn(4, 3, 3, 3, 3), padding=-1), RuntimeError,
     "conv3d: negative padding"),
    (lambda: F.conv3d(tg.randn(1, 3, 5, 5, 5), tg.randn(4, 3, 3, 3, 3), stride=(1, 2)), RuntimeError,
     r"conv3d: stride must be an int or a tuple of 3 ints, got \(1, 2\)"),
    (lambda: F.conv3d(tg.randn(1, 3, 5, 5, 5), tg.randn(4, 3, 3, 3, 3), padding="same", stride=2), ValueError,
     "conv3d: padding='same' is not supported for strided"),
    (lambda: F.conv3d(tg.randn(1, 3, 5, 5, 5), tg.randn(4, 3, 3, 3, 3), padding="full"), ValueError,
     "conv3d: invalid padding string 'full'"),
    (lambda: F.conv3d(tg.randn(1, 3, 5, 5, 5), tg.randn(4, 3, 3, 3, 3), tg.randn(3)), RuntimeError,
     r"conv3d: bias shape \(3,\) doesn't match 4 output channels"),
    (lambda: F.conv3d(tg.randn(1, 3, 5, 5, 5), tg.randn(4, 3, 3, 3, 3, dtype=tg.float64)), TypeError,
     "conv3d: dtype mismatch"),
    (lambda: nn.Conv3d(4, 6, 3, groups=4), ValueError, "Conv3d: in_channels 4 and out_channels 6 must be divisible"),
    (lambda: nn.Conv3d(4, 6, 3, stride=2, padding="same"), ValueError, "Conv3d: padding='same' is not supported"),
    (lambda: nn.Conv3d(4, 6, (3, 3)), ValueError, "Conv3d: kernel_size must be a positive int or a tuple of 3"),
    (lambda: nn.Conv3d(4, 6, 3, padding=-1), ValueError, "Conv3d: padding must be a non-negative int"),
])
def test_conv3d_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


# ---- conv_transpose3d -------------------------------------------------------------------------------
CONVT3D = [  # (input shape, weight shape (C_in, C_out / groups, *K), keywords)
    ((2, 3, 3, 4, 5), (3, 2, 3, 3, 3), dict()),
    ((1, 4, 3, 2, 4), (4, 3, 3, 2, 3), dict(stride=2, padding=1, output_padding=1)),
    ((2, 4, 2, 3, 3), (4, 1, 2, 3, 2), dict(stride=(1, 2, 3), padding=(0, 1, 1), output_padding=(0, 1, 2),
                                           groups=2, dilation=(2, 1, 1))),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs,ws,kw", CONVT3D)
def test_conv_transpose3d_matches_torch(xs, ws, kw, dtype, layout):
    out = ws[1] * kw.get("groups", 1)
    arrays = [rand(xs, 1, dtype), rand(ws, 2, dtype), rand((out,), 3, dtype)]
    compare(lambda lib, x, w, b: lib.nn.functional.conv_transpose3d(x, w, b, **kw), arrays, layout=layout,
            **TOL[dtype])
    compare(lambda lib, x, w: lib.nn.functional.conv_transpose3d(x, w, **kw), arrays[:2], layout=layout,
            **TOL[dtype])


def test_conv_transpose3d_gradcheck_and_unbatched():
    assert gradcheck(lambda a, w, b: F.conv_transpose3d(a, w, b, stride=2, padding=(1, 0, 1), output_padding=1),
                     [gc_input((1, 2, 2, 3, 2), 0), gc_input((2, 3, 3, 2, 3), 1), gc_input((3,), 2)])
    compare(lambda lib, x, w: lib.nn.functional.conv_transpose3d(x, w, stride=2), [rand((3, 2, 3, 4), 1),
            rand((3, 2, 2, 2, 2), 2)])


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1, output_padding=1), dict(groups=2, bias=False),
                                dict(stride=(2, 1, 3), dilation=(1, 2, 1))])
def test_conv_transpose3d_module(kw):
    m, tm = twin(nn.ConvTranspose3d(4, 6, 3, **kw), torch.nn.ConvTranspose3d(4, 6, 3, **kw))
    run_twin(m, tm, rand((2, 4, 3, 4, 5), 5))
    run_twin(m, tm, rand((4, 3, 3, 2), 6))  # unbatched


def test_conv_transpose3d_output_size_and_errors():
    m, tm = twin(nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1), torch.nn.ConvTranspose3d(2, 3, 3, stride=2,
                                                                                           padding=1))
    x = rand((1, 2, 3, 4, 2), 1)
    y, ty = m(tg.tensor(x), output_size=(6, 8, 4)), tm(torch.tensor(x), output_size=(6, 8, 4))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match=r"ConvTranspose3d: requested an output size of \(9, 8, 4\), but valid "
                                         r"sizes range from \(5, 7, 3\) to \(6, 8, 4\)"):
        m(tg.tensor(x), output_size=(9, 8, 4))
    with pytest.raises(RuntimeError, match=r"conv_transpose3d: output_padding \(2, 0, 0\) must be smaller than "
                                           r"either stride \(2, 2, 2\) or dilation \(1, 1, 1\)"):
        F.conv_transpose3d(tg.randn(1, 2, 3, 3, 3), tg.randn(2, 3, 3, 3, 3), stride=2, output_padding=(2, 0, 0))
    with pytest.raises(RuntimeError, match=r"conv_transpose3d: expected 4-D/5-D input \(N, C_in, D, H, W\)"):
        F.conv_transpose3d(tg.randn(2, 3, 3), tg.randn(2, 3, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"conv_transpose3d: input \(1, 3, 3, 3, 3\) has 3 channels but weight "
                                           r"\(2, 3, 3, 3, 3\) expects 2"):
        F.conv_transpose3d(tg.randn(1, 3, 3, 3, 3), tg.randn(2, 3, 3, 3, 3))
    with pytest.raises(ValueError, match="ConvTranspose3d: only \"zeros\" padding mode is supported"):
        nn.ConvTranspose3d(2, 3, 3, padding_mode="reflect")


# ---- max / avg pooling --------------------------------------------------------------------------------
POOL3D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(3, 2, 1), stride=(2, 1, 2)),
          dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=(2, 3, 2), stride=2, padding=1, ceil_mode=True)]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", POOL3D)
def test_pool3d_matches_torch(kw, dtype, layout):
    x = [rand((2, 3, 7, 6, 5), 1, dtype)]
    compare(lambda lib, a: lib.nn.functional.max_pool3d(a, **kw), x, layout=layout, **TOL[dtype])
    compare(lambda lib, a: lib.nn.functional.max_pool3d(a, dilation=(1, 2, 1), **kw), x, layout=layout, **TOL[dtype])
    for cip in (True, False):
        compare(lambda lib, a: lib.nn.functional.avg_pool3d(a, count_include_pad=cip, **kw), x, layout=layout,
                **TOL[dtype])
    compare(lambda lib, a: lib.nn.functional.avg_pool3d(a, divisor_override=5, **kw), x, layout=layout, **TOL[dtype])


def test_pool3d_unbatched_and_batch_of_one():
    for shape in ((3, 5, 6, 7), (1, 1, 4, 5, 3)):
        x = [rand(shape, 2)]
        compare(lambda lib, a: lib.nn.functional.max_pool3d(a, 2, 1, 1), x)
        compare(lambda lib, a: lib.nn.functional.avg_pool3d(a, 2, 1, 1, ceil_mode=True, count_include_pad=False), x)


@pytest.mark.parametrize("shape,kw", [((2, 3, 5, 7, 6), dict(kernel_size=3, stride=2, padding=1)),
                                      ((3, 5, 6, 5), dict(kernel_size=2, ceil_mode=True)),
                                      ((1, 2, 6, 6, 6), dict(kernel_size=(2, 3, 2), stride=1, dilation=2))])
def test_max_pool3d_return_indices(shape, kw):
    x = rand(shape, 4)
    y, i = F.max_pool3d(tg.tensor(x), return_indices=True, **kw)  # no graph: the winners are found again
    ty, ti = torch.nn.functional.max_pool3d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert i.dtype == tg.int64
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    _, i2 = F.max_pool3d(tg.tensor(x, requires_grad=True), return_indices=True, **kw)
    np.testing.assert_array_equal(i2.numpy(), ti.numpy())
    y3, i3 = nn.MaxPool3d(return_indices=True, **kw)(tg.tensor(x))
    np.testing.assert_array_equal(i3.numpy(), ti.numpy())


def test_max_pool3d_integers_and_overlapping_windows():
    x = np.random.default_rng(0).integers(-50, 50, (2, 3, 5, 6, 4))
    y, i = F.max_pool3d(tg.tensor(x), 3, 2, 1, return_indices=True)
    ty, ti = torch.nn.functional.max_pool3d(torch.tensor(x), 3, 2, 1, return_indices=True)
    assert y.dtype == tg.int64
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    # stride 1, kernel 3: one large value wins 27 windows, so its gradient is a sum of 27 upstream values
    z = np.zeros((1, 1, 5, 5, 5), np.float32)
    z[0, 0, 2, 2, 2] = 5.0
    compare(lambda lib, a: lib.nn.functional.max_pool3d(a, 3, 1, padding=1), [z + rand(z.shape, 2) * 0.01])


def test_pool3d_gradcheck():
    x = gc_input((1, 2, 5, 4, 5), 0)
    assert gradcheck(lambda a: F.max_pool3d(a, 3, 2, 1, ceil_mode=True), [x])
    assert gradcheck(lambda a: F.max_pool3d(a, (2, 2, 3), (1, 2, 1), dilation=(2, 1, 1)), [x])
    assert gradcheck(lambda a: F.avg_pool3d(a, 3, 2, 1, ceil_mode=True, count_include_pad=False), [x])
    assert gradcheck(lambda a: F.avg_pool3d(a, (2, 3, 2), 2, (1, 0, 1), divisor_override=4), [x])


@pytest.mark.parametrize("ours,theirs,shape", [
    (nn.MaxPool3d(3, 2, 1), torch.nn.MaxPool3d(3, 2, 1), (2, 3, 6, 7, 5)),
    (nn.MaxPool3d((2, 3, 2), ceil_mode=True), torch.nn.MaxPool3d((2, 3, 2), ceil_mode=True), (3, 5, 7, 5)),
    (nn.AvgPool3d(2), torch.nn.AvgPool3d(2), (2, 3, 6, 7, 5)),
    (nn.AvgPool3d(3, 2, 1, count_include_pad=False), torch.nn.AvgPool3d(3, 2, 1, count_include_pad=False),
     (1, 3, 5, 6, 7)),
    (nn.AvgPool3d(2, divisor_override=3), torch.nn.AvgPool3d(2, divisor_override=3), (3, 4, 5, 4)),
    (nn.AdaptiveAvgPool3d((3, 2, 4)), torch.nn.AdaptiveAvgPool3d((3, 2, 4)), (2, 3, 7, 6, 9)),
    (nn.AdaptiveAvgPool3d(1), torch.nn.AdaptiveAvgPool3d(1), (3, 5, 5, 4)),
    (nn.AdaptiveMaxPool3d((2, None, 3)), torch.nn.AdaptiveMaxPool3d((2, None, 3)), (2, 3, 5, 4, 7)),
    (nn.LPPool3d(2, 2), torch.nn.LPPool3d(2, 2), (2, 3, 5, 4, 6)),
], ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_pool3d_modules(ours, theirs, shape):
    twin(ours, theirs)
    assert list(ours.state_dict()) == []
    run_twin(ours, theirs, rand(shape, 3), atol=1e-6)


@pytest.mark.parametrize("call,match", [
    (lambda lib: lib.nn.functional.max_pool3d(lib.randn(1, 1, 5, 5, 5), 3, padding=2),
     r"max_pool3d: pad should be non-negative and at most half of effective kernel size, but got pad=\(2, 2, 2\)"),
    (lambda lib: lib.nn.functional.avg_pool3d(lib.randn(1, 1, 5, 5, 5), 2, padding=2), "avg_pool3d: pad should be"),
    (lambda lib: lib.nn.functional.max_pool3d(lib.randn(1, 1, 4, 2, 4), 3),
     r"max_pool3d: input \(1, 1, 4, 2, 4\) is too small: calculated output size \(1, 0, 1\)"),
    (lambda lib: lib.nn.functional.avg_pool3d(lib.randn(1, 1, 2, 5, 5), 3), r"avg_pool3d: input \(1, 1, 2, 5, 5\) "
                                                                            r"is too small"),
    (lambda lib: lib.nn.functional.max_pool3d(lib.randn(5, 5, 5), 2),
     r"max_pool3d: expected 4-D or 5-D \(batched\) input \(N, C, D, H, W\), got shape \(5, 5, 5\)"),
    (lambda lib: lib.nn.functional.max_pool3d(lib.randn(1, 1, 5, 5, 5), 2, stride=0),
     r"max_pool3d: stride must be greater than zero, but got stride=\(0, 0, 0\) for input \(1, 1, 5, 5, 5\)"),
    (lambda lib: lib.nn.functional.avg_pool3d(lib.randn(1, 1, 5, 5, 5), 0),
     "avg_pool3d: kernel_size must be greater than zero"),
    (lambda lib: lib.nn.functional.avg_pool3d(lib.randn(1, 1, 5, 5, 5), (2, 2)),
     r"avg_pool3d: kernel_size must be an int or a tuple of 3 ints, got \(2, 2\)"),
    (lambda lib: lib.nn.functional.avg_pool3d(lib.randn(1, 1, 5, 5, 5), 2, divisor_override=0),
     "avg_pool3d: divisor_override must be non-zero"),
    (lambda lib: lib.nn.functional.adaptive_avg_pool3d(lib.randn(4, 5), 2),
     r"adaptive_avg_pool3d: expected 4-D or 5-D input \(N, C, D, H, W\) with non-zero sizes, got shape \(4, 5\)"),
    (lambda lib: lib.nn.functional.adaptive_max_pool3d(lib.randn(1, 4, 5, 3), (2, 2)),
     r"adaptive_max_pool3d: output_size must be an int or a tuple of 3, got \(2, 2\)"),
])
def test_pool3d_errors(call, match):
    raises_like_torch(call, RuntimeError, match)
    with pytest.raises(TypeError, match="avg_pool3d: expected a floating point input, got int32"):  # torch pools int64
        F.avg_pool3d(tg.tensor(np.ones((1, 1, 4, 4, 4), np.int32)), 2)


# ---- adaptive and lp pooling ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,out", [((2, 3, 8, 6, 4), (4, 3, 2)), ((2, 3, 7, 10, 5), (3, 4, 2)),
                                       ((1, 2, 5, 5, 5), 1), ((3, 7, 9, 5), (None, 4, 3)),
                                       ((2, 3, 3, 2, 4), (5, 4, 6))])  # larger than the input
def test_adaptive_pool3d(shape, out, dtype):
    for layout in ("T", "step"):
        compare(lambda lib, a: lib.nn.functional.adaptive_avg_pool3d(a, out), [rand(shape, 1, dtype)], layout=layout,
                **TOL[dtype])
        compare(lambda lib, a: lib.nn.functional.adaptive_max_pool3d(a, out), [rand(shape, 1, dtype)], layout=layout,
                **TOL[dtype])
    y, i = F.adaptive_max_pool3d(tg.tensor(rand(shape, 2, dtype)), out, return_indices=True)
    ty, ti = torch.nn.functional.adaptive_max_pool3d(torch.tensor(rand(shape, 2, dtype)), out, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


def test_adaptive_pool3d_gradcheck_and_inf():
    assert gradcheck(lambda a: F.adaptive_avg_pool3d(a, (2, 3, 2)), [gc_input((1, 2, 5, 4, 3), 0)])
    assert gradcheck(lambda a: F.adaptive_max_pool3d(a, (3, 2, 2)), [gc_input((1, 2, 5, 4, 3), 1)])
    a = rand((1, 1, 4, 3, 3), 3)
    a[0, 0, 0, 0, 0], a[0, 0, 3, 2, 2] = np.inf, np.nan  # a window without them stays finite (no inf * 0 in a GEMM)
    want = torch.nn.functional.adaptive_avg_pool3d(torch.tensor(a), 2).numpy()
    np.testing.assert_allclose(F.adaptive_avg_pool3d(tg.tensor(a), 2).numpy(), want, rtol=1e-6)  # sum order
    assert np.isfinite(want).any() and not np.isfinite(want).all()


@pytest.mark.parametrize("p", [1, 2, 3.5, float("inf")])
def test_lp_pool3d(p):
    x = rand((2, 3, 5, 6, 4), 1, low=0.1, high=2.0)
    compare(lambda lib, a: lib.nn.functional.lp_pool3d(a, p, (2, 3, 2), stride=(1, 2, 2), ceil_mode=True), [x],
            layout="T")


# ---- BatchNorm3d, InstanceNorm3d ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [dict(), dict(momentum=None), dict(affine=False), dict(track_running_stats=False),
                                dict(eps=1e-3, momentum=0.3, bias=False)])
def test_batch_norm3d(kw, dtype):
    m, tm = twin(nn.BatchNorm3d(4, **kw), torch.nn.BatchNorm3d(4, **kw))
    if dtype == np.float64:
        m, tm = m.double(), tm.double()
    for p in m.parameters():  # away from the init, so that a swapped weight / bias shows
        p._data[...] = rand(p.shape, 5, dtype)
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    tol = 1e-5 if dtype == np.float32 else 1e-10
    for step in range(2):  # training moves the running statistics, eval uses them
        run_twin(m, tm, rand((3, 4, 3, 5, 2), step, dtype, -3, 3) + 1.0, train=True, atol=tol, rtol=tol * 10)
    for (n, b), (_, tb) in zip(m.named_buffers(), tm.named_buffers()):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), atol=tol, rtol=tol * 10, err_msg=n)
    run_twin(m, tm, rand((2, 4, 3, 2, 5), 7, dtype), train=False, atol=tol, rtol=tol * 10)


def test_batch_norm3d_functional_gradcheck_and_errors():
    compare(lambda lib, x, w, b: lib.nn.functional.batch_norm(x, None, None, w, b, training=True),
            [rand((2, 3, 4, 3, 5), 1), rand((3,), 2), rand((3,), 3)], layout="T")
    assert gradcheck(lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
                     [gc_input((2, 3, 2, 3, 2), 0), gc_input((3,), 1), gc_input((3,), 2)])
    with pytest.raises(ValueError, match=r"BatchNorm3d: expected 5D input, got shape \(2, 4, 3, 3\)"):
        nn.BatchNorm3d(4)(tg.randn(2, 4, 3, 3))
    with pytest.raises(ValueError):
        torch.nn.BatchNorm3d(4)(torch.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match=r"BatchNorm3d: input shape \(2, 3, 2, 2, 2\) has 3 channels, expected "
                                         r"num_features=4"):
        nn.BatchNorm3d(4)(tg.randn(2, 3, 2, 2, 2))
    with pytest.raises(ValueError, match="batch_norm: expected more than 1 value per channel when training"):
        nn.BatchNorm3d(4)(tg.randn(1, 4, 1, 1, 1))


@pytest.mark.parametrize("affine,track", [(False, False), (True, True), (True, False), (False, True)])
def test_instance_norm3d(affine, track):
    m, tm = (lib.nn.InstanceNorm3d(3, affine=affine, track_running_stats=track, momentum=0.2) for lib in (tg, torch))
    assert repr(m) == repr(tm) and list(m.state_dict()) == list(tm.state_dict())
    if affine:
        for p, tp in zip(m.parameters(), tm.parameters()):
            p._data[...] = rand(p.shape, 5)
            tp.data[...] = torch.tensor(p.numpy())
    for train, x in ((True, rand((2, 3, 4, 3, 5), 1)), (True, rand((3, 3, 4, 2), 2)), (False, rand((2, 3, 3, 4, 2), 3)),
                     (False, rand((3, 2, 4, 3), 4))):
        run_twin(m, tm, x, train=train)
        for (n, b), (_, tb) in zip(m.named_buffers(), tm.named_buffers()):
            np.testing.assert_allclose(b.numpy(), tb.numpy(), atol=1e-6, rtol=1e-5, err_msg=n)


def test_instance_norm3d_functional_gradcheck_and_errors():
    for dtype in DTYPES:
        compare(lambda lib, x, w, b: lib.nn.functional.instance_norm(x, weight=w, bias=b, eps=1e-3),
                [rand((2, 3, 4, 3, 5), 1, dtype), rand((3,), 2, dtype), rand((3,), 3, dtype)], layout="step",
                **TOL[dtype])
    assert gradcheck(lambda a, w, b: F.instance_norm(a, weight=w, bias=b), [gc_input((2, 2, 2, 3, 2), 0), gc_input((2,), 1),
                                                                            gc_input((2,), 2)])
    raises_like_torch(lambda lib: lib.nn.InstanceNorm3d(3)(lib.randn(3, 4, 5)), ValueError,
                      r"InstanceNorm3d: expected 4D or 5D input, got shape \(3, 4, 5\)")
    raises_like_torch(lambda lib: lib.nn.InstanceNorm3d(3, affine=True)(lib.randn(2, 4, 2, 2, 2)), ValueError,
                      r"InstanceNorm3d: expected input's size at dim=1 to match num_features \(3\), but got: 4")


# ---- dropout3d ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("p", [0.3, 0.5, 1.0])
def test_dropout3d_draws_as_torch(p, seed):
    x_np = rand((4, 6, 3, 2, 5), 0, low=0.5, high=1.5)
    outs = {}
    for lib in (tg, torch):
        lib.manual_seed(seed)
        a = lib.tensor(x_np)
        y1 = lib.nn.functional.dropout3d(a, p)                        # batched: one draw per (sample, channel)
        y2 = lib.nn.functional.dropout3d(a[0], p)                     # unbatched: one draw per channel
        y3 = lib.nn.functional.dropout3d(a.permute(0, 1, 4, 3, 2), p)  # non-contiguous
        b = lib.tensor(x_np)
        lib.nn.functional.dropout3d(b, p, inplace=True)
        m = lib.nn.Dropout3d(p)
        y5 = m(a)
        m.eval()
        assert m(a) is a
        outs[lib] = [t.numpy() for t in (y1, y2, y3, b, y5, lib.rand(3))]  # and the stream goes on alike
    for got, want in zip(outs[tg], outs[torch]):
        np.testing.assert_array_equal(got, want)
    assert repr(nn.Dropout3d(p)) == repr(torch.nn.Dropout3d(p))


def test_dropout3d_grad_and_errors():
    x = tg.tensor(rand((4, 20, 3, 2, 2), 0, low=0.5, high=1.0), requires_grad=True)
    y = F.dropout3d(x, 0.4)
    ratio = (y.numpy() / x.numpy()).reshape(4, 20, -1)
    assert np.allclose(ratio, ratio[..., :1]) and np.all(np.isclose(ratio, 0) | np.isclose(ratio, 1 / 0.6))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.numpy() / x.numpy(), rtol=1e-6)
    assert F.dropout3d(x, 0.4, training=False) is x
    raises_like_torch(lambda lib: lib.nn.functional.dropout3d(lib.randn(2, 2, 2, 2), 1.5), ValueError,
                      "dropout probability has to be between 0 and 1, but got 1.5")
    for lib in (tg, torch):  # another rank warns (as torch) and is taken as unbatched
        lib.manual_seed(3)
        with pytest.warns(UserWarning, match="dropout3d: Received a 3-D input to dropout3d"):
            out = lib.nn.functional.dropout3d(lib.ones(6, 4, 5), 0.5)
        if lib is tg:
            ours = out.numpy()
    np.testing.assert_array_equal(ours, out.numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.dropout3d(tg.ones(2, 3, 2, 2), 0.5)  # 4-D: unbatched, no warning


# ---- a small 3-D CNN, as in teaching code ---------------------------------------------------------------------
def test_small_3d_cnn_trains_like_torch():
    def build(lib):
        lib.manual_seed(0)
        nn_ = lib.nn
        return nn_.Sequential(nn_.Conv3d(2, 4, 3, padding=1), nn_.BatchNorm3d(4), nn_.ReLU(), nn_.MaxPool3d(2),
                              nn_.Conv3d(4, 6, 3, padding="same"), nn_.InstanceNorm3d(6, affine=True), nn_.ReLU(),
                              nn_.AvgPool3d(2, ceil_mode=True), nn_.AdaptiveAvgPool3d(1), nn_.Flatten(),
                              nn_.Linear(6, 3))
    m, tm = build(tg), build(torch)
    x, t = rand((3, 2, 6, 8, 7), 1), np.array([0, 2, 1])
    opt, topt = tg.optim.SGD(m.parameters(), lr=0.1), torch.optim.SGD(tm.parameters(), lr=0.1)
    for _ in range(3):
        for mod, o, lib in ((m, opt, tg), (tm, topt, torch)):
            o.zero_grad()
            loss = lib.nn.functional.cross_entropy(mod(lib.tensor(x)), lib.tensor(t))
            loss.backward()
            o.step()
        np.testing.assert_allclose(m(tg.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                                   atol=1e-5, rtol=1e-4)


# ---- on a (fake) GPU: every array stays on the device, numbers as on the CPU ---------------------------------
DEVICE_OPS = {
    "conv3d": lambda x, w: F.conv3d(x, w, stride=(2, 1, 1), padding=1, dilation=(1, 2, 1)),
    "conv_transpose3d": lambda x, w: F.conv_transpose3d(x, w.transpose(0, 1), stride=2, output_padding=1),
    "max_pool3d": lambda x, w: F.max_pool3d(x, 3, 2, 1, ceil_mode=True) * 2
    + F.max_pool3d(x, 2, return_indices=True)[1].float().sum(),
    "avg_pool3d": lambda x, w: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    "adaptive_pool3d": lambda x, w: F.adaptive_avg_pool3d(x, (3, 2, 4)) + F.adaptive_max_pool3d(x, (3, 2, 4)),
    "norm3d": lambda x, w: F.batch_norm(x, None, None, w[0, :, 0, 0, 0], w[1, :, 0, 0, 0], training=True)
    + F.instance_norm(x),
    "dropout3d": lambda x, w: F.dropout3d(x, 0.5) + F.dropout3d(x[0], 0.5),  # host RNG: the same masks
}


@pytest.mark.parametrize("name", list(DEVICE_OPS))
def test_3d_ops_stay_on_device(name):
    check_on_fake_device(DEVICE_OPS[name], (2, 4, 5, 7, 6), (3, 4, 2, 3, 2), name)


def test_dropout3d_on_a_1d_input_warns_and_draws_as_torch():
    out = {}
    for lib in (tg, torch):
        lib.manual_seed(0)
        with pytest.warns(UserWarning, match="Received a 1-D input to dropout3d"):
            out[lib] = lib.nn.functional.dropout3d(lib.ones(6), 0.5).numpy()
    np.testing.assert_array_equal(out[tg], out[torch])
