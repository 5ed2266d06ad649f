"""LeNet's pool and relu kernels on short rows (backend/_numba_conv.py: maxpool2x2 over the whole array at an even
width, maxpool2x2_backward at even sizes; backend/_numba_act.py: relu's forward), against torch and against the
row-by-row kernels they stand beside (odd sizes still take those): winners with ties, NaN and +-inf, LeNet's own
shapes, non-contiguous inputs, float64 and strided inputs on the numpy path, and -0.0 through relu as torch's."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import compare, rand


def _kernels_or_skip():
    from teenygrad.backend import cpu
    if cpu.fused() is None:
        pytest.skip("numba kernels unavailable")
    from teenygrad.backend import _numba_conv, _numba_act
    return _numba_conv, _numba_act


def _pool_input(shape, seed):
    """Ties in the first windows (the first maximum wins), NaNs in the same window (the last wins), +-inf, and a plane
    of integers (ties everywhere)."""
    x = rand(shape, seed)
    x[-1, -1] = np.round(x[-1, -1])
    if min(shape[2:]) < 5:
        return x
    x[0, 0, :2, :2] = 1.0
    x[0, 0, 2, 3] = x[0, 0, 3, 2] = 1.5
    x[-1, 0, 0, 1] = x[-1, 0, 1, 0] = np.nan
    x[-1, 0, 2, 2] = np.nan
    x[0, -1, :2, 2:4] = -np.inf
    x[0, -1, 2, 4] = np.inf
    return x


SHAPES = [(4, 6, 28, 28), (4, 16, 10, 10), (2, 3, 9, 8), (2, 3, 8, 9), (2, 3, 7, 7), (1, 1, 2, 2), (2, 2, 3, 2)]


@pytest.mark.parametrize("shape", SHAPES)
def test_maxpool2x2_same_as_the_row_kernels(shape):
    """The whole-array kernels (even width; even sizes backward) pick the winner the row-by-row ones pick, and write
    the same gradient; odd sizes run the row kernels themselves."""
    nc, _ = _kernels_or_skip()
    x = _pool_input(shape, 40)
    oh, ow = shape[2] // 2, shape[3] // 2
    y, arg = nc.maxpool2x2(x, oh, ow)
    y0, a0 = nc._maxpool2x2_rows(x, oh, ow)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(arg, a0)
    y1, a1 = nc.maxpool2d(x, 2, 2, 2, 2, 1, 1, oh, ow)  # the general kernel too
    np.testing.assert_array_equal(y, y1)
    np.testing.assert_array_equal(arg, a1)
    g = rand(y.shape, 41)
    dx = nc.maxpool2x2_backward(g, arg, *shape[2:])
    np.testing.assert_array_equal(dx, nc._maxpool2x2_backward_rows(g, arg, *shape[2:]))
    np.testing.assert_array_equal(dx, nc.maxpool2d_backward(g, arg.astype(np.int64), *shape[2:], 2, 2, 2, 1, 1))
    assert y.dtype == dx.dtype == np.float32 and arg.dtype == np.int8


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_max_pool2d_2x2_matches_torch(shape, layout, kernels):
    compare(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), [_pool_input(shape, 42)], layout=layout)
    compare(lambda lib, x: lib.nn.functional.max_pool2d(x, 2, return_indices=True), [_pool_input(shape, 43)],
            layout=layout)


def test_max_pool2d_2x2_float64_skips_the_kernel(monkeypatch):
    """float64 keeps the numpy path (the kernels are float32's), and matches torch there."""
    nc, _ = _kernels_or_skip()
    calls = []
    monkeypatch.setattr(nc, "maxpool2x2", lambda *a: calls.append(1))
    compare(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), [_pool_input((2, 3, 8, 10), 44).astype(np.float64)])
    assert calls == []


def test_lenet_block_matches_torch(kernels):
    """conv -> relu -> 2x2 max pool, twice, at LeNet's sizes (batch 4): values and every gradient."""
    def net(lib, x, w1, b1, w2, b2):
        F = lib.nn.functional
        h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1, padding=2)), 2)
        return F.max_pool2d(F.relu(F.conv2d(h, w2, b2)), 2)
    compare(net, [rand((4, 1, 28, 28), 45), rand((6, 1, 5, 5), 46, low=-0.4, high=0.4), rand((6,), 47, low=-0.1,
            high=0.1), rand((16, 6, 5, 5), 48, low=-0.16, high=0.16), rand((16,), 49, low=-0.1, high=0.1)])


_SPECIAL = [0.0, -0.0, np.nan, np.inf, -np.inf, -1e-30, 1e-30, -3.0, 3.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["contig", "T", "step"])
def test_relu_matches_torch(dtype, layout, kernels):
    x = rand((6, 9), 50, dtype)
    x.reshape(-1)[:len(_SPECIAL)] = _SPECIAL
    out, ref = compare(lambda lib, x: lib.relu(x) * 2.0, [rand((6, 9), 51, dtype)], layout=layout)
    assert out[0].dtype == (tg.float32 if dtype == np.float32 else tg.float64)
    y, yt = tg.relu(tg.tensor(x)).numpy(), torch.relu(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(y, yt)  # NaN where torch has NaN, +-inf kept


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("n", [9, 4096])
def test_relu_keeps_negative_zero_as_torch(n, dtype, kernels):
    """relu(-0.0) is -0.0 in torch (its max keeps x when x is not below 0); numpy's maximum(x, 0) gave +0.0, and
    float16's maximum(0, x) too (it returns its first argument on a tie, float32's and float64's their second)."""
    x = np.resize(np.array(_SPECIAL, dtype), n)
    y, yt = tg.relu(tg.tensor(x)).numpy(), torch.relu(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(y, yt)
    assert np.array_equal(np.signbit(y), np.signbit(yt)), "-0.0 differs from torch's"


def test_relu_kernel_taken_for_large_contiguous_float32_only():
    """The kernel runs on C-contiguous float32 input of at least _RELU_KERNEL_SIZE elements; a strided view, a small
    array and float64 keep numpy's maximum."""
    _, act = _kernels_or_skip()
    from teenygrad.ops import activation
    n = activation._RELU_KERNEL_SIZE
    x = rand((n,), 65)
    calls = []
    real = act.relu
    try:
        act.relu = lambda a: calls.append(a.shape) or real(a)
        tg.relu(tg.tensor(x))
        tg.relu(tg.tensor(np.stack([x, x], 1))[:, 0])
        tg.relu(tg.tensor(x[:n - 1]))
        tg.relu(tg.tensor(x.astype(np.float64)))
    finally:
        act.relu = real
    assert calls == [x.shape]


DW_CASES = [  # (x shape, w shape, conv2d keywords): output channels a group <= _DOTS_DW_CHANNELS take the dot products
    # where the cols are kept per image (more than 128 positions an image, or strided input)
    ((3, 1, 12, 12), (6, 1, 5, 5), dict(padding=2)),                 # LeNet's first conv, smaller
    ((2, 3, 12, 13), (5, 3, 3, 3), dict(padding=1)),                 # odd channels, odd rows of cols (27)
    ((2, 4, 9, 11), (6, 2, 3, 2), dict(groups=2, stride=(2, 1), padding=(1, 0))),  # 3 channels a group
    ((2, 3, 12, 12), (8, 3, 3, 3), dict(dilation=2, padding=2)),
    ((2, 3, 12, 12), (1, 3, 1, 1), dict()),                          # one channel, three rows
    ((2, 2, 20, 20), (4, 2, 3, 3), dict()),                          # > 128 positions an image: per-image cols
]


def _dw_calls(monkeypatch):
    nc, _ = _kernels_or_skip()
    calls = []
    real = nc.weight_grad_dots
    monkeypatch.setattr(nc, "weight_grad_dots", lambda *a: calls.append(a[0].shape) or real(*a))
    return calls


@pytest.mark.parametrize("xs,ws,kw", DW_CASES)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_conv2d_weight_grad_by_dots_matches_torch(xs, ws, kw, layout, monkeypatch):
    calls = _dw_calls(monkeypatch)
    compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw),
            [rand(xs, 52), rand(ws, 53, low=-0.3, high=0.3), rand((ws[0],), 54)], layout=layout)
    assert len(calls) == 1


def test_conv2d_weight_grad_by_dots_propagates_nan_and_inf(monkeypatch):
    calls = _dw_calls(monkeypatch)
    x = rand((2, 3, 12, 12), 55)
    x[0, 1, 3, 3], x[1, 2, 5, 6] = np.nan, np.inf
    w = rand((4, 3, 3, 3), 56, low=-0.3, high=0.3)
    grads = []
    for lib in (tg, torch):
        wt = lib.tensor(w, requires_grad=True)
        lib.nn.functional.conv2d(lib.tensor(x), wt, padding=1).sum().backward()
        grads.append(wt.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-4)  # NaN and inf where torch has them
    assert calls and np.isnan(grads[0]).any()


@pytest.mark.parametrize("case", ["wide", "float64", "numpy"])
def test_conv2d_weight_grad_dots_not_taken(case, monkeypatch):
    """More output channels a group than _DOTS_DW_CHANNELS, float64, or the kernels off: the GEMMs, still torch's."""
    from teenygrad.backend import cpu
    calls = _dw_calls(monkeypatch)
    ws = (9, 3, 3, 3) if case == "wide" else (4, 3, 3, 3)
    dtype = np.float64 if case == "float64" else np.float32
    if case == "numpy":
        monkeypatch.setattr(cpu, "fused_for", lambda *a: None)
        from teenygrad.ops import conv
        monkeypatch.setattr(conv, "fused_for", lambda *a: None)
    compare(lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=1),
            [rand((2, 3, 9, 9), 57, dtype), rand(ws, 58, dtype, low=-0.3, high=0.3)])
    assert calls == []


@pytest.mark.parametrize("xs,ws,kw", [((3, 1, 12, 12), (6, 1, 5, 5), dict(padding=2)),  # per chunk of images
                                      ((3, 6, 14, 14), (16, 6, 5, 5), dict()),  # one GEMM over the batch
                                      ((2, 4, 9, 9), (6, 2, 3, 3), dict(groups=2, stride=2))])
def test_conv2d_bias_added_by_the_kernel_matches_torch(xs, ws, kw, kernels):
    """The bias (backend/_numba_conv.py: add_channel_bias), also a strided view of a longer vector, NaN included."""
    b = rand((2 * ws[0],), 59)
    b[2] = np.nan
    compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b[::2], **kw),
            [rand(xs, 60), rand(ws, 61, low=-0.3, high=0.3), b], grad=[True, True, False])
    compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw),
            [rand(xs, 62), rand(ws, 63, low=-0.3, high=0.3), rand((ws[0],), 64)])
