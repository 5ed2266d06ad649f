"""The sliding windows under convolution and pooling, on (N, C, *S) arrays: padding, each receptive field as a
strided view of the padded input (_windows: im2col without a copy), its adjoint _col2im (one strided add per kernel
offset), and F.unfold / F.fold as the Functions Im2Col and Col2Im. ops/conv.py and ops/pool.py build on these."""
import itertools
import math
import numpy as np
from ..autograd.function import Function
from .._arrays import contiguous, xp_of, zeros_on
from ..backend.cpu import fused_for


def _pad(x, pad, value=0):
    """Pad the spatial dims of (N, C, *S) by pad = ((lo, hi), ...)."""
    if not any(lo or hi for lo, hi in pad):
        return x
    return np.pad(x, ((0, 0), (0, 0)) + tuple(pad), constant_values=value)


def _unpad(g, pad):
    return g[(slice(None), slice(None)) + tuple(slice(lo, g.shape[2 + i] - hi) for i, (lo, hi) in enumerate(pad))]


def _out_size(size, kernel, stride, dilation):
    """Output length of a window sliding over `size` (padded) elements: floor((size - reach) / stride) + 1."""
    return tuple((s - d * (k - 1) - 1) // st + 1 for s, k, st, d in zip(size, kernel, stride, dilation))


def _windows(x, kernel, stride, dilation):
    """(N, C, *S) -> a view (N, C, *K, *Out) with [n, c, k.., o..] = x[n, c, o * stride + k * dilation]."""
    out = _out_size(x.shape[2:], kernel, stride, dilation)
    s = x.strides
    strides = (s[:2] + tuple(d * t for d, t in zip(dilation, s[2:])) + tuple(st * t for st, t in zip(stride, s[2:])))
    return xp_of(x).lib.stride_tricks.as_strided(x, x.shape[:2] + tuple(kernel) + out, strides)


def window_sums(x, kernel, stride):
    """(N, C, *S) -> (N, C, *Out): the sum of each window (dilation 1)."""
    return _windows(x, kernel, stride, (1,) * len(kernel)).sum(axis=tuple(range(2, 2 + len(kernel))))


def _col2im(dcols, shape, stride, dilation):
    """The adjoint of _windows: dcols (N, C, *K, *Out) summed into zeros of `shape` (N, C, *S), one strided add
    per kernel offset (K adds of whole (N, C, *Out) slabs; overlapping windows accumulate)."""
    nd = len(shape) - 2
    k = fused_for(dcols) if nd == 2 else None
    if k is not None:  # one pass in numba (2-D, float32 on the CPU)
        from ..backend import _numba_conv
        return _numba_conv.col2im2d(contiguous(dcols), *shape[2:], *stride, *dilation)
    kernel, out = dcols.shape[2:2 + nd], dcols.shape[2 + nd:]
    dx = zeros_on(dcols, shape)
    for k in itertools.product(*map(range, kernel)):
        at = tuple(slice(i * d, i * d + st * (o - 1) + 1, st) for i, d, st, o in zip(k, dilation, stride, out))
        dx[(slice(None), slice(None)) + at] += dcols[(slice(None), slice(None)) + k]
    return dx


def _unpadded(xpad_shape, pad):
    """The spatial size of the input that padding by pad made xpad_shape."""
    return tuple(s - lo - hi for s, (lo, hi) in zip(xpad_shape[2:], pad))


class Im2Col(Function):
    """F.unfold: cols[n, (c, k), p] = xpad[n, c, p * stride + k * dilation];  dx = col2im(dcols), cropped."""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, kernel, stride, pad, dilation):
        xpad = _pad(x, pad)
        win = _windows(xpad, kernel, stride, dilation)
        self.win_shape, self.xpad_shape = win.shape, xpad.shape
        self.stride, self.pad, self.dilation = stride, pad, dilation
        blocks = math.prod(win.shape[2 + len(kernel):])
        cols = contiguous(win)
        if cols is win and xpad is x:  # a 1x1 kernel's windows are x itself: a copy, as torch's (never a view of x)
            cols = cols.copy()
        return cols.reshape(x.shape[0], x.shape[1] * math.prod(kernel), blocks)

    def backward(self, g):
        return _unpad(_col2im(g.reshape(self.win_shape), self.xpad_shape, self.stride, self.dilation), self.pad)

    def backward_graph(self, g):
        kernel = self.win_shape[2:2 + len(self.pad)]
        return Col2Im.apply(g, out_shape=_unpadded(self.xpad_shape, self.pad), kernel=kernel, stride=self.stride,
                            pad=self.pad, dilation=self.dilation)


class Col2Im(Function):
    """F.fold, the adjoint of Im2Col: y = crop(col2im(cols)), overlapping blocks summed;  dcols = im2col(pad(dy))."""
    keeps_graph = True
    saves_inputs = False
    def forward(self, cols, out_shape, kernel, stride, pad, dilation):
        N, C = cols.shape[0], cols.shape[1] // math.prod(kernel)
        full = (N, C) + tuple(o + lo + hi for o, (lo, hi) in zip(out_shape, pad))
        blocks = _out_size(full[2:], kernel, stride, dilation)
        dcols = cols.reshape((N, C) + tuple(kernel) + blocks)
        self.kernel, self.stride, self.pad, self.dilation = kernel, stride, pad, dilation
        return contiguous(_unpad(_col2im(dcols, full, stride, dilation), pad))

    def backward(self, g):
        win = _windows(_pad(g, self.pad), self.kernel, self.stride, self.dilation)
        return contiguous(win).reshape(g.shape[0], g.shape[1] * math.prod(self.kernel),
                                       math.prod(win.shape[2 + len(self.kernel):]))

    def backward_graph(self, g):
        return Im2Col.apply(g, kernel=self.kernel, stride=self.stride, pad=self.pad, dilation=self.dilation)
