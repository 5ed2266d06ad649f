"""The faster paths of multilabel_margin_loss (the listed targets gathered, no (N, C, C) pairs), of conv_transpose2d
at stride 1 (run as a convolution with the flipped kernels) and of conv3d, against torch with the numba kernels on
and off (the `kernels` fixture), contiguous and transposed inputs, and double backward where the path is new."""
import numpy as np
import pytest
import teenygrad as tg
from teenygrad.autograd.gradcheck import gradcheck

from helpers import compare, compare_double, rand


def _F(lib):
    return lib.nn.functional


def _targets(n, c, seed, p):
    """Rows of class ids, each entry listed with probability p (else -1): rows with no, one and several targets,
    repeats, and ids after the first -1 (which don't count)."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random((n, c)) < p, rng.integers(0, c, (n, c)), -1).astype(np.int64)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.9, 1.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_multilabel_margin_loss_listed_targets(p, reduction, layout):
    x = rand((24, 9), 1)
    x[0, :3] = x[0, 3] - 1  # hinges at exactly 0: no gradient there, as torch
    compare(lambda L, x, t: _F(L).multilabel_margin_loss(x, t, reduction=reduction), [x, _targets(24, 9, 2, p)],
            [True, False], layout=layout)


def test_multilabel_margin_loss_rows_and_vectors():
    t = np.array([[2, 2, 0, -1, 1], [-1, 3, 3, 3, 3], [4, 3, 2, 1, 0]])  # a repeat counts twice
    compare(lambda L, x, t: _F(L).multilabel_margin_loss(x, t, reduction="none"), [rand((3, 5), 3), t], [True, False])
    compare(lambda L, x, t: _F(L).multilabel_margin_loss(x, t), [rand((5,), 4), t[0]], [True, False])
    x = tg.tensor(rand((0, 5), 5), requires_grad=True)  # no rows (torch returns uninitialised memory here)
    loss = _F(tg).multilabel_margin_loss(x, tg.tensor(t[:0]), reduction="sum")
    loss.backward()
    assert loss.item() == 0 and x.grad.shape == (0, 5)


def test_multilabel_margin_loss_gradcheck():
    x = tg.tensor(rand((6, 7), 6, np.float64), requires_grad=True)
    t = tg.tensor(_targets(6, 7, 7, 0.5))
    assert gradcheck(lambda x: _F(tg).multilabel_margin_loss(x, t, reduction="sum"), (x,))


TRANSPOSED = [dict(padding=1, groups=4), dict(padding=0, groups=2), dict(padding=(1, 2), dilation=2, groups=2),
              dict(dilation=2, output_padding=1, padding=1, groups=2), dict(padding=1, groups=8), dict(padding=1),
              dict(padding=2, groups=2), dict(padding=3, groups=2)]  # the last: padding past the kernel's reach


@pytest.mark.parametrize("kw", TRANSPOSED)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_conv_transpose2d_stride1_as_conv(kw, layout, kernels):
    g = kw.get("groups", 1)
    compare(lambda L, x, w, b: _F(L).conv_transpose2d(x, w, b, **kw),
            [rand((3, 8, 9, 10), 10), rand((8, 12 // g, 3, 3), 11), rand((12 // g * g,), 12)], layout=layout)


def test_conv_transpose2d_stride1_unbatched_and_no_bias(kernels):
    compare(lambda L, x, w: _F(L).conv_transpose2d(x, w, padding=1, groups=2), [rand((4, 7, 6), 13),
                                                                                   rand((4, 3, 3, 2), 14)])
    compare(lambda L, x, w: _F(L).conv_transpose2d(x, w, groups=4), [rand((2, 4, 5, 5), 15), rand((4, 2, 2, 2), 16)])


def test_conv_transpose2d_stride1_double_backward(kernels):
    compare_double(lambda L, x, w, b: _F(L).conv_transpose2d(x, w, b, padding=1, groups=2),
                   [rand((2, 4, 6, 5), 17), rand((4, 3, 3, 3), 18), rand((6,), 19)])


def test_conv_transpose2d_stride1_gradcheck():
    x = tg.tensor(rand((2, 4, 5, 4), 20, np.float64), requires_grad=True)
    w = tg.tensor(rand((4, 3, 3, 2), 21, np.float64), requires_grad=True)
    assert gradcheck(lambda x, w: _F(tg).conv_transpose2d(x, w, padding=(1, 0), groups=2, dilation=(1, 2)), (x, w))


def test_conv_transpose2d_stride1_saved_input_written():
    """x is read for dw: writing it in place before backward is refused, as torch refuses."""
    x, w = tg.tensor(rand((1, 4, 5, 5), 22)), tg.tensor(rand((4, 2, 3, 3), 23), requires_grad=True)
    y = _F(tg).conv_transpose2d(x, w, padding=1, groups=2)
    x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("kernel,pad", [((3, 3, 3), 1), ((3, 2, 3), (0, 1, 2)), ((1, 3, 2), 0)])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_conv3d_chunked_vol2col(kernel, pad, layout, kernels):
    """Rows wide enough (8 channels x 40) that a vol2col chunk holds a few output rows, so chunks start and end
    inside an output plane (d, h) and the last chunk is short; the forward, dw and dx (flipped conv) all use it."""
    compare(lambda L, x, w, b: _F(L).conv3d(x, w, b, padding=pad),
            [rand((2, 8, 5, 6, 40), 30, low=-0.5, high=0.5), rand((8, 8) + kernel, 31, low=-0.3, high=0.3),
             rand((8,), 32)], layout=layout)
