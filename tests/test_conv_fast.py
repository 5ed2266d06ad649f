"""conv2d's chunked float32 path (ops/conv.py: _conv2d_chunked with its stride-1 im2col kernel, the flipped-conv
input gradient through it, the chunked col2im input gradient, the weight gradient as cols dy^T, the bias gradient
as a GEMV) and the numpy reference path it stands beside, both against torch: the `kernels` fixture runs every
test with the kernels on (the chunked path) and off (the reference). Forward and backward; stride, dilation,
groups, uneven padding, non-contiguous inputs, chunks that split the batch unevenly, padding modes; float64 stays
on the reference path. The kernels of backend/_numba_conv.py are also checked against the general ones."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.ops import conv as conv_ops
from helpers import compare, compare_double, rand

CASES = [  # (x shape, w shape, conv2d keywords)
    ((3, 4, 9, 10), (6, 4, 3, 3), dict(padding=1)),                      # flipped dx (O <= C? no: col2im)
    ((3, 6, 9, 10), (4, 6, 3, 3), dict(padding=1)),                      # dx by the flipped convolution
    ((3, 4, 9, 11), (6, 4, 3, 3), dict(stride=2, padding=1)),
    ((2, 4, 11, 9), (5, 4, 3, 2), dict(stride=(2, 3), padding=(2, 0))),
    ((3, 4, 12, 12), (6, 4, 3, 3), dict(dilation=2, padding=2)),
    ((3, 6, 10, 9), (4, 6, 3, 3), dict(dilation=(2, 1), padding=(1, 2))),
    ((3, 4, 9, 10), (6, 2, 3, 3), dict(groups=2, padding=1)),
    ((2, 6, 8, 8), (6, 1, 3, 3), dict(groups=6, stride=2, padding=1)),  # depthwise
    ((3, 5, 9, 10), (5, 5, 4, 4), dict(padding="same")),               # even kernel: uneven pads
    ((3, 1, 12, 12), (6, 1, 5, 5), dict(padding=2)),                     # LeNet's first conv, smaller
    ((3, 6, 14, 14), (16, 6, 5, 5), dict()),                             # LeNet's second conv
    ((2, 3, 7, 7), (4, 3, 1, 1), dict()),                                # 1x1
    ((2, 3, 5, 6), (4, 3, 5, 6), dict()),                                # one output position
]


@pytest.mark.parametrize("xs,ws,kw", CASES)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_conv2d_matches_torch(xs, ws, kw, layout, kernels):
    compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw),
            [rand(xs, 1), rand(ws, 2, low=-0.3, high=0.3), rand((ws[0],), 3)], layout=layout)


@pytest.mark.parametrize("grad", [[True, False, False], [False, True, True], [True, True, False]])
def test_conv2d_partial_gradients(grad, kernels):
    """Only some inputs want a gradient: the im2col is kept only for dw, dx comes without it. (Weights at an
    initialiser's scale, as below: with weights in [-2, 2] an output of 5e-4 summed from terms up to 27 differed
    from torch's by 1.5e-6 on a Zen 3 VM, OpenBLAS's AVX2 kernels against MKL, past the float32 atol.)"""
    for kw, ws in ((dict(padding=1), (4, 6, 3, 3)), (dict(stride=2), (6, 4, 3, 3))):
        compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw),
                [rand((3, ws[1], 9, 10), 4), rand(ws, 5, low=-0.3, high=0.3), rand((ws[0],), 6)], grad=grad)


def test_conv2d_no_bias(kernels):
    compare(lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=1), [rand((2, 4, 7, 8), 7), rand((3, 4, 3, 3), 8)])


@pytest.mark.parametrize("chunk_bytes", [1, 3000, 1 << 30])
@pytest.mark.parametrize("xs,ws,kw", [CASES[0], CASES[1], CASES[2], CASES[6], CASES[8], CASES[10]])
def test_conv2d_chunks_split_the_batch(xs, ws, kw, chunk_bytes, monkeypatch, kernels):
    """One image a chunk, a few with a shorter last chunk, the whole batch in one: the same result. (Weights at
    an initialiser's scale: sums of 150 products of [-2, 2] values round past the float32 atol near zero.)"""
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", chunk_bytes)
    compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw),
            [rand((7,) + xs[1:], 9), rand(ws, 10, low=-0.3, high=0.3), rand((ws[0],), 11)])


def test_conv2d_strided_input_view(kernels):
    """A strided slice and a permuted view as the input: the chunked copies read any strides."""
    base = rand((4, 9, 12, 8), 12)
    w, b = rand((5, 3, 3, 3), 13), rand((5,), 14)

    def fn(lib, base, w, b):
        x = base[::2, 1::3].permute(0, 1, 3, 2)  # (2, 3, 8, 12), not contiguous
        return lib.nn.functional.conv2d(x, w, b, padding=1, stride=(1, 2))
    compare(fn, [base, w, b])


@pytest.mark.parametrize("mode", ["reflect", "circular", "replicate", "zeros"])
def test_conv2d_padding_modes(mode, kernels):
    def fn(lib, x, w, b):
        m = lib.nn.Conv2d(4, 5, 3, padding=1, padding_mode=mode)
        with lib.no_grad():
            m.weight.copy_(w)
            m.bias.copy_(b)
        return m(x) + 0 * (m.weight.sum() + m.bias.sum())
    compare(fn, [rand((2, 4, 7, 6), 15), rand((5, 4, 3, 3), 16), rand((5,), 17)], grad=[True, False, False])


@pytest.mark.parametrize("grad", [None, [True, False, True], [False, True, False]])
def test_conv2d_double_backward(grad, kernels):
    """create_graph through a conv whose forward ran on the chunked path (its kept im2col feeds the graph; with
    only dx wanted none was kept)."""
    compare_double(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1, stride=2),
                   [rand((2, 3, 7, 8), 18), rand((4, 3, 3, 3), 19), rand((4,), 20)], grad=grad)


def test_the_chunked_path_is_the_one_taken(kernels):
    """float32 2-D with the kernels on runs chunked; float64, 1-d and 3-d, and the kernels off run the reference."""
    from teenygrad.backend import cpu
    on = cpu.fused() is not None
    x = tg.tensor(rand((2, 3, 6, 6), 21), requires_grad=True)
    w = tg.tensor(rand((4, 3, 3, 3), 22), requires_grad=True)
    assert tg.nn.functional.conv2d(x, w, padding=1)._ctx.chunked is on
    y64 = tg.nn.functional.conv2d(x.double(), w.double(), padding=1)
    assert y64._ctx.chunked is False and y64.dtype == tg.float64
    y1 = tg.nn.functional.conv1d(tg.tensor(rand((2, 3, 6), 23)), tg.tensor(rand((4, 3, 3), 24), requires_grad=True))
    assert y1._ctx.chunked is False


def test_conv2d_float64_stays_float64_and_matches_torch(kernels):
    x, w, b = rand((2, 4, 7, 8), 25, np.float64), rand((5, 4, 3, 3), 26, np.float64), rand((5,), 27, np.float64)
    out, _ = compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1), [x, w, b])
    assert out[0].dtype == tg.float64


def test_weight_grad_without_input_grad_keeps_no_input_columns(kernels):
    """dx alone needs no im2col: the forward keeps none (the sweep's conv: ~19 MB less), and backward works."""
    x = tg.tensor(rand((2, 4, 6, 6), 28), requires_grad=True)
    w = tg.tensor(rand((4, 4, 3, 3), 29))
    y = tg.nn.functional.conv2d(x, w, padding=1)
    assert y._ctx.cols is None
    y.sum().backward()
    xt = torch.tensor(x.numpy(), requires_grad=True)
    torch.nn.functional.conv2d(xt, torch.tensor(w.numpy()), padding=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-3, atol=1e-4)


def _pool_input(shape, seed):
    """Ties (the first maximum of a window wins), one NaN and two NaNs in a window (the last wins), -inf, +inf."""
    x = rand(shape, seed)
    x[0, 0, :2, :2] = 1.0
    x[0, 1, 0, 1] = x[0, 1, 1, 0] = 1.5
    x[1, 0, 2, 3] = np.nan
    x[1, 1, 4, 4] = x[1, 1, 5, 5] = np.nan
    x[0, 2, 2:4, 2:4] = -np.inf
    x[0, 2, 4, 5] = np.inf
    return x


@pytest.mark.parametrize("shape", [(2, 3, 8, 10), (2, 3, 9, 7), (2, 3, 2, 2)])
@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=2, return_indices=True),
                                dict(kernel_size=2, ceil_mode=True)])
def test_max_pool2d_2x2_matches_torch(shape, layout, kw, kernels):
    """MaxPool2d(2) (backend/_numba_conv.py: maxpool2x2 with the kernels on): odd sizes drop the last row and
    column (ceil_mode keeps them through the general path: it pads), values and the winners' gradients."""
    if shape[2] < 6:
        x = rand(shape, 30)
    else:
        x = _pool_input(shape, 30)
    compare(lambda lib, x: lib.nn.functional.max_pool2d(x, **kw), [x], layout=layout)


def test_max_pool2d_2x2_same_winners_as_the_general_kernel():
    """The 2x2 kernel and the general one pick the same winner in every window, ties and NaNs included."""
    from teenygrad.backend import cpu
    k = cpu.fused()
    if k is None:
        pytest.skip("numba kernels unavailable")
    from teenygrad.backend import _numba_conv
    x = _pool_input((3, 4, 11, 12), 31)
    x[2] = np.round(x[2])  # many ties
    y0, a0 = _numba_conv.maxpool2d(x, 2, 2, 2, 2, 1, 1, 5, 6)
    y1, a1 = _numba_conv.maxpool2x2(x, 5, 6)
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_array_equal(a0, a1)


def _kernels_or_skip():
    from teenygrad.backend import cpu
    k = cpu.fused()
    if k is None:
        pytest.skip("numba kernels unavailable")
    from teenygrad.backend import _numba_conv
    return _numba_conv


@pytest.mark.parametrize("shape", [(3, 4, 11, 12), (2, 3, 8, 10), (2, 3, 9, 7), (2, 3, 2, 3)])
def test_max_pool2d_2x2_backward_same_as_the_general_kernel(shape):
    """maxpool2x2_backward writes what the general kernel adds: each gradient at its window's winner (ties, NaNs),
    zeros elsewhere, the odd row and column left out by the pool included."""
    k = nc = _kernels_or_skip()
    x = _pool_input(shape, 32) if shape[2] >= 6 else rand(shape, 32)
    oh, ow = shape[2] // 2, shape[3] // 2
    _, arg = nc.maxpool2x2(x, oh, ow)
    g = rand(shape[:2] + (oh, ow), 33)
    want = k.maxpool2d_backward(g, arg.astype(np.int64), shape[2], shape[3], 2, 2, 2, 1, 1)
    got = nc.maxpool2x2_backward(g, arg, shape[2], shape[3])
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.float32 and arg.dtype == np.int8


def test_max_pool2d_2x2_backward_is_the_one_taken(monkeypatch):
    """MaxPool2d(2) on float32 with the kernels on sends its gradient through maxpool2x2_backward, and it is torch's."""
    nc = _kernels_or_skip()
    calls = []
    real = nc.maxpool2x2_backward
    monkeypatch.setattr(nc, "maxpool2x2_backward", lambda *a: calls.append(1) or real(*a))
    compare(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), [_pool_input((2, 3, 8, 10), 34)])
    assert calls == [1]


@pytest.mark.parametrize("xs,k", [((3, 4, 9, 10), (3, 3)), ((2, 1, 12, 12), (5, 5)), ((2, 3, 7, 9), (2, 4))])
def test_im2col2d_s1_same_as_the_numpy_windows(xs, k):
    nc = _kernels_or_skip()
    x = rand(xs, 35)
    want = conv_ops._windows(x, k, (1, 1), (1, 1))
    got = nc.im2col2d_s1(x, np.empty(want.shape, np.float32))
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape", [(3, 4, 3, 3, 7, 8), (2, 6, 5, 5, 10, 10), (2, 3, 2, 4, 6, 5), (1, 2, 1, 1, 3, 3)])
def test_col2im2d_s1_same_as_the_general_kernel(shape):
    """col2im2d_s1 adds into the images from n0 on of a zeroed dx: the general col2im2d's sums, a chunk at a time."""
    k = nc = _kernels_or_skip()
    d = rand(shape, 36)
    n, c, kh, kw, oh, ow = shape
    want = k.col2im2d(d, oh + kh - 1, ow + kw - 1, 1, 1, 1, 1)
    got = np.zeros((n + 2, c, oh + kh - 1, ow + kw - 1), np.float32)
    nc.col2im2d_s1(d, got, 2)
    np.testing.assert_allclose(got[2:], want, rtol=1e-6, atol=1e-6)
    assert not got[:2].any()


def test_conv2d_col2im_input_gradient_is_the_chunked_one(monkeypatch):
    """Stride 1 with more output than input channels (LeNet's second conv) takes dx through col2im2d_s1."""
    nc = _kernels_or_skip()
    calls = []
    real = nc.col2im2d_s1
    monkeypatch.setattr(nc, "col2im2d_s1", lambda *a: calls.append(a[0].shape[0]) or real(*a))
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 3000)
    xs, ws, kw = CASES[10]
    compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw),
            [rand((5,) + xs[1:], 37), rand(ws, 38, low=-0.3, high=0.3), rand((ws[0],), 39)])
    assert sum(calls) == 5 and len(calls) == 5  # one image a chunk (6 x 25 x 100 floats > 3000 bytes)


@pytest.mark.parametrize("chunk_bytes", [3000, 1 << 30])
def test_conv2d_weight_gradient_as_one_gemm(chunk_bytes, monkeypatch, kernels):
    """Few positions an image (LeNet's second conv: 100): the forward keeps its im2col batch-inside, (C K, N, P), runs
    one GEMM over the batch, and dw is one GEMM too; more positions keep the per-image layout. Both against torch,
    with padding (chunks) and without, and through a create_graph backward."""
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", chunk_bytes)
    from teenygrad.backend import cpu
    on = cpu.fused() is not None
    for xs, ws, kw in (CASES[10], CASES[0], CASES[9]):
        x = tg.tensor(rand(xs, 40), requires_grad=True)
        w = tg.tensor(rand(ws, 41, low=-0.3, high=0.3), requires_grad=True)
        y = tg.nn.functional.conv2d(x, w, **kw)
        inner = y._ctx.cols.shape[-1] <= conv_ops._ONE_GEMM_DW_POSITIONS and on
        assert y._ctx.cols.flags.c_contiguous is not inner
        compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw),
                [rand((5,) + xs[1:], 42), rand(ws, 43, low=-0.3, high=0.3), rand((ws[0],), 44)])
    compare_double(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1),
                   [rand((2, 3, 7, 8), 45), rand((4, 3, 3, 3), 46), rand((4,), 47)])
