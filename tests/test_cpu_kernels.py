"""numba kernels (float32 CPU) and the numpy paths they stand in for, both against torch (the `kernels` fixture
runs each test both ways): max_pool2d with ties and NaNs, strides, dilation, padding and ceil_mode; conv2d's input
gradient (col2im); softmax with -inf, +inf and NaN; masked_fill with a broadcast mask."""
import numpy as np
import pytest

from helpers import compare, compare_double, rand

POOLS = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(2, 3), stride=(1, 2)),
         dict(kernel_size=2, dilation=2), dict(kernel_size=3, stride=2, ceil_mode=True),
         dict(kernel_size=2, return_indices=True)]


def _pool_input(seed):
    x = rand((3, 4, 9, 10), seed)
    x[0, 0, :2, :2] = 1.0       # a tie: the first maximum (row-major in the window) wins, as torch
    x[1, 2, 3, 4] = np.nan      # a NaN wins its windows, as torch
    x[2, 1, 5, 5] = x[2, 1, 5, 6] = np.nan
    return x


@pytest.mark.parametrize("kw", POOLS)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_max_pool2d_both_paths(kw, layout, kernels):
    compare(lambda lib, x: lib.nn.functional.max_pool2d(x, **kw), [_pool_input(0)], layout=layout)


def test_max_pool2d_neg_inf_input_with_padding(kernels):
    """-inf in the input beside padding: the numpy path's _prefer_input case (the kernel steps aside)."""
    x = rand((2, 3, 6, 6), 1)
    x[0, 0, 0, 0] = x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 0, 1, 1] = -np.inf
    compare(lambda lib, x: lib.nn.functional.max_pool2d(x, 2, stride=2, padding=1), [x])


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=2, padding=2), dict(groups=2)])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_conv2d_input_gradient_both_paths(kw, layout, kernels):
    compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw),
            [rand((3, 4, 9, 10), 2), rand((6, 4 // kw.get("groups", 1), 3, 3), 3), rand((6,), 4)], layout=layout)


def _softmax_input():
    x = rand((4, 3, 7), 5)
    x[0, 0, 2] = -np.inf          # masked: exactly 0
    x[0, 1] = -np.inf             # a row all masked: NaN, as torch
    x[1, 2, :4] = -np.inf
    x[2, 0, 3] = np.inf           # +inf in a row: NaN, as torch
    return x


@pytest.mark.parametrize("nan", [False, True])  # a NaN anywhere sends the whole call down the numpy path
def test_softmax_infinities_and_nans(nan, kernels):
    x = _softmax_input()
    if nan:
        x[3, 1, 1] = np.nan
    compare(lambda lib, a: lib.softmax(a, -1), [x], grad=[False])
    finite = rand((4, 3, 7), 6)
    finite[:, :, 0] = -np.inf
    compare(lambda lib, a: lib.softmax(a, -1) * a.exp(), [finite])  # gradients (the -inf column has none)


@pytest.mark.parametrize("layout", ["contig", "T"])
def test_masked_fill_broadcast_mask_then_softmax(layout, kernels):
    """minGPT's attention: att.masked_fill(tril == 0, -inf).softmax(-1), the mask (1, 1, t, t) broadcast."""
    mask = np.tril(np.ones((6, 6), np.float32)).reshape(1, 1, 6, 6)
    compare(lambda lib, a, m: a.masked_fill(m == 0, float("-inf")).softmax(-1), [rand((2, 3, 6, 6), 7), mask],
            grad=[True, False], layout=layout)


def _activation_input():
    x = 4 * rand((6, 9), 8)
    x[0, 0], x[1, 1], x[2, 2] = np.nan, np.inf, -np.inf
    x[3, :3] = [25.0, -25.0, 0.0]  # softplus's threshold, and sigmoid's saturated ends
    return x


@pytest.mark.parametrize("name,fn", [
    ("sigmoid", lambda lib, a: lib.sigmoid(a)),
    ("silu", lambda lib, a: lib.nn.functional.silu(a)),
    ("softplus", lambda lib, a: lib.nn.functional.softplus(a)),
    ("softplus_beta", lambda lib, a: lib.nn.functional.softplus(a, beta=2.5, threshold=5.0)),
    ("elu", lambda lib, a: lib.nn.functional.elu(a, 0.7)),
    ("leaky_relu", lambda lib, a: lib.nn.functional.leaky_relu(a, 0.2)),
    ("leaky_relu_steep", lambda lib, a: lib.nn.functional.leaky_relu(a, 3.0)),
    ("log_softmax", lambda lib, a: lib.log_softmax(a, -1)),
    ("bce_logits", lambda lib, a: lib.nn.functional.binary_cross_entropy_with_logits(a, a.detach().sigmoid(),
                                                                                     reduction="none")),
])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_activations_with_infinities_both_paths(name, fn, layout, kernels):
    x = _activation_input()
    if name == "elu":  # torch's elu gradient at NaN is NaN on contiguous input, 1 on strided: no answer to match
        x[0, 0] = 0.5
    with np.errstate(invalid="ignore"):  # inf * 0 in the numpy paths, as torch computes it (silently)
        compare(fn, [x], layout=layout)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                dict(kernel_size=(2, 3), stride=(1, 2), ceil_mode=True), dict(kernel_size=2,
                                                                                            divisor_override=3)])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_avg_pool2d_both_paths(kw, layout, kernels):
    compare(lambda lib, x: lib.nn.functional.avg_pool2d(x, **kw), [rand((3, 4, 9, 10), 9)], layout=layout)


@pytest.mark.parametrize("shape", [(8, 3), (300, 17), (4, 3, 7), (3, 4, 5, 6), (2, 3, 70), (2, 3, 8, 9)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_both_paths(shape, affine, kernels):
    """Both kernels (memory-order walk for fewer than 64 values per channel and image, per-channel rows from 64:
    (2, 3, 70) and (2, 3, 8, 9)) and numpy's reductions: outputs, gradients and the running statistics the module
    keeps, against torch."""
    import torch
    import teenygrad as tg
    cls = {2: "BatchNorm1d", 3: "BatchNorm1d", 4: "BatchNorm2d"}[len(shape)]
    x = 3 * rand(shape, 10) + 1
    compare(lambda lib, a: getattr(lib.nn, cls)(shape[1], affine=affine)(a), [x], layout="T")
    ours, theirs = getattr(tg.nn, cls)(shape[1], affine=affine), getattr(torch.nn, cls)(shape[1], affine=affine)
    for _ in range(2):
        ours(tg.tensor(x))
        theirs(torch.tensor(x))
    np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", [dict(scale_factor=2, mode="nearest"), dict(scale_factor=3, mode="nearest"),
                                dict(size=(7, 9), mode="nearest"), dict(scale_factor=2, mode="bilinear"),
                                dict(scale_factor=2, mode="nearest-exact")])
def test_interpolate_gradient_fast_and_general_paths(kw):
    """Upsampling's backward: equal runs (integer scales) take the strided-slice sum, the rest numpy's reduceat."""
    compare(lambda lib, x: lib.nn.functional.interpolate(x, **kw), [rand((2, 3, 5, 6), 11)], layout="T")


@pytest.mark.parametrize("c_in,c_out,k,pad", [(6, 6, 3, 1), (8, 4, 3, 0), (6, 6, 5, 2), (5, 5, 4, "same"),
                                              (6, 3, 3, 2), (4, 6, 3, 1)])
def test_conv2d_input_gradient_by_flipped_conv(c_in, c_out, k, pad):
    """dx as a convolution of dy with the flipped kernels (stride 1, at most as many output channels as input ones:
    all but the last case here, which keeps col2im), against torch; 'same' with an even kernel pads unevenly."""
    compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=pad),
            [rand((3, c_in, 9, 10), 12), rand((c_out, c_in, k, k), 13), rand((c_out,), 14)], layout="T")


@pytest.mark.parametrize("shape, dim", [((6, 9), 1), ((6, 9), 0), ((6, 9), -1), ((3, 5, 4), 1), ((3, 5, 4), 2),
                                        ((3, 5, 4), 0), ((11,), 0), ((17, 3), -1), ((2, 0, 3), 1), ((0, 4), 1)])
@pytest.mark.parametrize("layout", ["contig", "T", "step"])
def test_cumsum_both_paths(shape, dim, layout, kernels):
    # 17 rows along the last axis: two blocks of eight interleaved chains and a ragged one
    compare(lambda lib, x: lib.cumsum(x, dim), [rand(shape, 7)], layout=layout)


def test_cumsum_accumulates_like_torch(kernels):
    # a long float32 run where float32 accumulation drifts: the kernel accumulates in float64, as torch's CPU cumsum
    import torch
    import teenygrad as tg
    from teenygrad.backend import cpu
    x = np.full((3, 20000), 0.1, np.float32)
    ours, theirs = tg.tensor(x).cumsum(1).numpy(), torch.tensor(x).cumsum(1).numpy()
    if cpu.fused_for(x) is not None:
        np.testing.assert_array_equal(ours, theirs)
    else:  # numpy's float32 running sum: close, not equal
        np.testing.assert_allclose(ours, theirs, rtol=1e-3)


def _relu_input():
    x = rand((5, 7), 8)
    x[0, :3] = [0.0, -0.0, np.nan]  # the gradient at 0 is 0 (torch's threshold_backward), NaN's forward stays NaN
    return x


@pytest.mark.parametrize("layout", ["contig", "T", "step"])
def test_relu_both_paths(layout, kernels):
    compare(lambda lib, x: lib.relu(x) * x, [_relu_input()], layout=layout)  # a NaN-free gradient through x too
    compare(lambda lib, x: lib.nn.functional.relu(x), [rand((3, 4, 5), 9)], layout=layout)


def test_relu_gradient_nan_where_output_is_zero(kernels):
    # a NaN arriving where relu's output is 0 gives 0, as torch's
    import torch
    import teenygrad as tg
    x = np.array([-1.0, 2.0, 0.0], np.float32)
    g = np.array([np.nan, 3.0, np.nan], np.float32)
    ours, theirs = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours.relu().backward(tg.tensor(g))
    theirs.relu().backward(torch.tensor(g))
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_relu_output_written_in_place_refuses_backward():
    # relu's backward reads its output (as torch's): a later in-place write to it makes backward raise, as in torch
    import teenygrad as tg
    x = tg.tensor(rand((4,), 10), requires_grad=True)
    y = x.relu()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("kw", [dict(padding=1), dict(stride=2, padding=1), dict(padding=2, dilation=2),
                                dict(padding=(0, 2), stride=(1, 2), dilation=(2, 1)), dict(padding="same"),
                                dict(stride=3)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_depthwise_conv2d_both_paths(kw, bias, layout, kernels):
    """groups = in = out channels: the direct kernels (backend/_numba_conv.py depthwise2d*) and im2col, against
    torch, odd sizes so the strided windows end early."""
    x, w, b = rand((3, 5, 11, 9), 1), rand((5, 1, 3, 3), 2), rand((5,), 3)
    compare(lambda lib, *a: lib.nn.functional.conv2d(*a, groups=5, **kw), [x, w, b] if bias else [x, w],
            layout=layout)


def test_depthwise_conv2d_partial_grads_double_backward_and_inplace(kernels):
    """Only dx, only dw; a gradient penalty through it (create_graph builds the im2col the kernel skipped); and, on
    the kernel's path, an in-place write to x after the forward refuses the backward (dw reads x), as in torch (the
    im2col path reads its own copy of x and gives the right gradient)."""
    import torch
    import teenygrad as tg
    from teenygrad.backend import cpu
    x, w = rand((2, 4, 7, 6), 4), rand((4, 1, 3, 2), 5)
    conv = lambda lib, a, b: lib.nn.functional.conv2d(a, b, groups=4, padding=1, stride=(2, 1))  # noqa: E731
    compare(conv, [x, w], grad=[True, False])
    compare(conv, [x, w], grad=[False, True])
    compare_double(conv, [x, w])
    for lib in (tg, torch) if cpu.fused_for(x) is not None else ():
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        a2 = a * 1.0
        y = conv(lib, a2, b)
        with lib.no_grad():
            a2.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=2), dict(kernel_size=2), dict(kernel_size=3, padding=1),
                                dict(kernel_size=2, stride=1, dilation=2), dict(kernel_size=4, stride=3, ceil_mode=True)])
def test_max_pool1d_both_paths(kw, kernels):
    """1-D max pooling through the 2-D kernel (windows (1, k)) and numpy: values, indices (ties: the first maximum;
    NaN: the last NaN of a window, as torch) and gradients."""
    x = np.round(rand((2, 3, 13), 8), 0)  # integers in [-2, 2]: ties in most windows
    x[0, 1, 4] = x[1, 2, 7] = x[1, 2, 8] = np.nan
    compare(lambda lib, a: lib.nn.functional.max_pool1d(a, **kw, return_indices=True), [x], layout="T")
