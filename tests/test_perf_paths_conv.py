"""Fast paths of ops/conv.py beside their numpy references, against torch: the `kernels` fixture runs every test with
the numba kernels on and off. conv3d's chunked float32 path (_conv3d_chunked: vol2col3d_s1 a few output rows at a
time, dw from the im2col made again, dx by the flipped convolution or col2vol3d_s1), and Resample's one-pass kernel
(interpolate's forward, and its backward as a gather)."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.backend import cpu
from teenygrad.ops import conv as conv_ops
from helpers import compare, compare_double, rand

CONV3D = [  # (x shape, w shape, conv3d keywords)
    ((2, 5, 5, 6, 7), (4, 5, 3, 3, 3), dict(padding=1)),                  # dx by the flipped convolution
    ((2, 3, 5, 6, 7), (5, 3, 3, 3, 3), dict(padding=1)),                  # O > C: dx by col2vol
    ((2, 4, 5, 6, 7), (3, 4, 3, 2, 3), dict(padding=(1, 0, 2))),          # pads differ per dim
    ((2, 4, 5, 6, 7), (3, 4, 2, 2, 3), dict()),                           # no padding
    ((2, 4, 5, 6, 7), (3, 4, 3, 3, 3), dict(padding=3)),                  # pads past the kernel: col2vol
    ((2, 4, 5, 6, 6), (4, 4, 2, 3, 4), dict(padding="same")),             # even kernels: uneven pads
    ((2, 4, 5, 6, 7), (6, 4, 1, 1, 1), dict()),                           # 1x1x1
    ((2, 4, 7, 6, 7), (3, 4, 3, 3, 3), dict(stride=2, padding=1)),        # strided: the general path
    ((2, 4, 7, 6, 7), (4, 2, 3, 3, 3), dict(groups=2, padding=1)),        # groups: the general path
]


def _conv3d(kw):
    return lambda lib, x, w, b: lib.nn.functional.conv3d(x, w, b, **kw)


@pytest.mark.parametrize("xs,ws,kw", CONV3D)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_conv3d_matches_torch(xs, ws, kw, layout, kernels):
    compare(_conv3d(kw), [rand(xs, 1), rand(ws, 2, low=-0.3, high=0.3), rand((ws[0],), 3)], layout=layout)


@pytest.mark.parametrize("xs,ws,kw", CONV3D[:2])
def test_conv3d_takes_the_chunked_path(xs, ws, kw, monkeypatch):
    """With the kernels on, the stride-1 float32 conv3d runs vol2col3d_s1 (forward and dw) and, for O > C,
    col2vol3d_s1: the tests above compare that path, not the reference."""
    if cpu.fused_for(np.zeros(1, np.float32)) is None:
        pytest.skip("numba kernels unavailable")
    from teenygrad.backend import _numba_conv
    calls = {"vol2col3d_s1": 0, "col2vol3d_s1": 0}
    for name in calls:
        kernel = getattr(_numba_conv, name)
        monkeypatch.setattr(_numba_conv, name, lambda *a, _k=kernel, _n=name: (calls.__setitem__(_n, calls[_n] + 1),
                                                                                _k(*a))[1])
    compare(_conv3d(kw), [rand(xs, 4), rand(ws, 5, low=-0.3, high=0.3), rand((ws[0],), 6)])
    assert calls["vol2col3d_s1"] > 0
    assert (calls["col2vol3d_s1"] > 0) == (ws[0] > ws[1])


@pytest.mark.parametrize("chunk_bytes", [1, 3000, 1 << 30])
@pytest.mark.parametrize("xs,ws,kw", [CONV3D[0], CONV3D[1], CONV3D[2]])
def test_conv3d_chunks(xs, ws, kw, chunk_bytes, monkeypatch, kernels):
    """One output row a chunk, a few with a shorter last chunk, a whole image: the same result."""
    monkeypatch.setattr(conv_ops, "_CHUNK3D_BYTES", chunk_bytes)
    compare(_conv3d(kw), [rand((3,) + xs[1:], 7), rand(ws, 8, low=-0.3, high=0.3), rand((ws[0],), 9)])


@pytest.mark.parametrize("grad", [[True, False, False], [False, True, True], [True, True, False]])
def test_conv3d_partial_gradients(grad, kernels):
    """x padded is kept only when dw is wanted; dx comes without it."""
    for xs, ws, kw in CONV3D[:2]:
        compare(_conv3d(kw), [rand(xs, 10), rand(ws, 11, low=-0.3, high=0.3), rand((ws[0],), 12)], grad=grad)


def test_conv3d_double_backward(kernels):
    """backward_graph builds the im2col from the kept padded x (the chunked path keeps no cols)."""
    compare_double(_conv3d(dict(padding=1)), [rand((2, 3, 4, 5, 4), 13), rand((4, 3, 3, 3, 3), 14, low=-0.3,
                                                                                    high=0.3), rand((4,), 15)])


def test_conv3d_writes_to_x_after_forward_leave_the_gradient(kernels):
    """The chunked path keeps its own padded copy of x: changing x in place afterwards changes nothing."""
    x, w = rand((2, 3, 4, 5, 4), 16), rand((4, 3, 3, 3, 3), 17, low=-0.3, high=0.3)
    xt, wt = tg.tensor(x.copy()), tg.tensor(w, requires_grad=True)
    y = tg.nn.functional.conv3d(xt, wt, padding=1)
    xt.numpy()[...] = 0  # a raw write that autograd can't see
    y.sum().backward()
    want = torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv3d(torch.tensor(x), want, padding=1).sum().backward()
    np.testing.assert_allclose(wt.grad.numpy(), want.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_conv3d_kernels_match_numpy():
    """vol2col3d_s1 / col2vol3d_s1 against the strided-view im2col and the numpy col2im, on one image's rows
    r0 .. r0 + R - 1."""
    if cpu.fused_for(np.zeros(1, np.float32)) is None:
        pytest.skip("numba kernels unavailable")
    from teenygrad.backend import _numba_conv
    xpad, K = rand((1, 3, 6, 7, 8), 18), (3, 2, 3)
    win = conv_ops._windows(xpad, K, (1, 1, 1), (1, 1, 1))[0]  # (C, *K, od, oh, ow)
    C, od, oh, ow = 3, *win.shape[4:]
    rows = win.reshape((C,) + K + (od * oh, ow))
    r0, R = 3, 7
    cols = np.empty((C,) + K + (R, ow), np.float32)
    np.testing.assert_array_equal(_numba_conv.vol2col3d_s1(xpad[0], cols, r0, oh), rows[..., r0:r0 + R, :])
    dcols = rand((C,) + K + (od * oh, ow), 19)
    want = conv_ops._col2im(dcols.reshape((1, C) + K + (od, oh, ow)), xpad.shape, (1, 1, 1), (1, 1, 1))
    got = np.zeros(xpad.shape[1:], np.float32)
    for r in range(0, od * oh, R):  # a chunk at a time, the last one shorter
        _numba_conv.col2vol3d_s1(np.ascontiguousarray(dcols[..., r:r + R, :]), got, r, oh)
    np.testing.assert_allclose(got, want[0], rtol=1e-5, atol=1e-5)


# ---- interpolate: Resample's kernel (forward taps gathered in one pass, backward as a gather) ---------------------
INTERP = [
    ((2, 3, 6, 7), dict(size=(10, 9), mode="bilinear", align_corners=True)),
    ((2, 3, 6, 7), dict(scale_factor=2, mode="bilinear")),
    ((2, 3, 11, 9), dict(size=(4, 5), mode="bilinear")),                 # shrinking: input rows nobody reads
    ((2, 3, 6, 7), dict(size=(9, 13), mode="bicubic", align_corners=False)),
    ((2, 3, 17), dict(size=40, mode="linear")),                          # the last axis only
    ((2, 3, 4, 5, 6), dict(size=(7, 3, 8), mode="trilinear")),
    ((2, 3, 6, 7), dict(size=(13, 9), mode="nearest")),
    ((2, 3, 6, 7), dict(scale_factor=3, mode="nearest-exact")),
    ((2, 3, 13, 11), dict(size=(4, 5), mode="area")),                    # padding taps (short windows)
    ((2, 3, 13, 11), dict(size=(5, 4), mode="bilinear", antialias=True)),
    ((2, 3, 13, 11), dict(size=(5, 4), mode="bicubic", antialias=True)),
]


@pytest.mark.parametrize("xs,kw", INTERP)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_interpolate_matches_torch(xs, kw, layout, kernels):
    compare(lambda lib, x: lib.nn.functional.interpolate(x, **kw), [rand(xs, 20)], layout=layout)


@pytest.mark.parametrize("xs,kw", [INTERP[0], INTERP[4], INTERP[6], INTERP[9]])
def test_interpolate_double_backward(xs, kw, kernels):
    """ResampleAdjoint runs the backward's gather forward, and the forward kernel as its own backward."""
    compare_double(lambda lib, x: lib.nn.functional.interpolate(x, **kw), [rand(xs, 21)])


@pytest.mark.parametrize("kw", [dict(mode="area"), dict(mode="bilinear", antialias=True)])
@pytest.mark.parametrize("value", [np.inf, np.nan])
@pytest.mark.parametrize("last", [True, False])
def test_interpolate_skipped_taps_leave_inf_and_nan_out(kw, value, last, kernels):
    """A short window's padding taps repeat its last position: the kernel skips them (as torch's windows end
    there), on the last axis (a scalar loop) and a middle one (row by row)."""
    x = rand((1, 2, 13, 13), 22)
    if last:
        x[..., 12] = value
    else:
        x[..., 12, :] = value
    y = tg.nn.functional.interpolate(tg.tensor(x), size=(4, 4), **kw).numpy()
    want = torch.nn.functional.interpolate(torch.tensor(x), size=(4, 4), **kw).numpy()
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5, equal_nan=True)


@pytest.mark.parametrize("kw", [dict(size=(5, 9), mode="nearest"), dict(size=(4, 6), mode="bilinear")])
def test_interpolate_keeps_negative_zero(kw, kernels):
    """A copied -0.0 (nearest, or bilinear at the same size) stays -0.0, as torch's, on both axes."""
    x = np.full((1, 2, 4, 6), -0.0, np.float32)
    y = tg.nn.functional.interpolate(tg.tensor(x), **kw).numpy()
    want = torch.nn.functional.interpolate(torch.tensor(x), **kw).numpy()
    np.testing.assert_array_equal(np.signbit(y), np.signbit(want))
