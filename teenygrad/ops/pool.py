"""Pooling over N-d inputs (N, C, *S): max pooling (with the indices torch's return_indices gives), its inverse
max unpooling, and average pooling, each a reduction over the window view of ops/unfold.py; backward by col2im.
The numba kernels (backend/_numba_conv.py) take 1-D and 2-D float32 max pooling and 2-D average pooling."""
import math
import numpy as np
from ..autograd.function import Function
from ..autograd.graph_backward import const, where
from .._arrays import contiguous, xp_of, zeros_on
from ..backend.cpu import fused_for
from .unfold import _pad, _unpad, _out_size, _windows, window_sums, _col2im, _unpadded, Col2Im


class MaxPoolNd(Function):
    """y = max of each window of x padded with -inf (the least integer for integer x);  dx = dy sent to the
    window's maximum (the first; the last NaN, as torch), by col2im (a numba kernel for 1-D and 2-D float32).
    self.arg (N, C, *Out) keeps which kernel offset won (row-major over the window)."""
    kept_after_op = ("arg",)  # read by max_pool(return_indices=True) right after the op
    saves_inputs = False
    def forward(self, x, kernel, stride, pad, dilation):
        N, C = x.shape[:2]
        fill = -np.inf if x.dtype.kind in "fV" else np.iinfo(x.dtype).min  # V: bfloat16
        xpad = _pad(x, pad, fill)
        # a padded window whose maximum is the fill value must pick an input element (not x.min(): NaN there)
        holds_fill = any(lo or hi for lo, hi in pad) and x.size and bool((x == fill).any())
        self.xpad_shape, self.kernel, self.stride, self.pad, self.dilation = xpad.shape, kernel, stride, pad, dilation
        k = self.kernels = fused_for(x) if x.ndim in (3, 4) and x.size else None
        if k is not None:
            from ..backend import _numba_conv as k  # its pooling kernels (numba is there: fused_for said so)
            self.kernels = k
        if k is not None and x.ndim == 3:  # 1-D: the 2-D kernel over (N, C, 1, L) windows (1, k)
            if holds_fill:
                self.kernels = None
            else:
                y, arg = k.maxpool2d(contiguous(xpad)[:, :, None], 1, kernel[0], 1, stride[0], 1, dilation[0], 1,
                                     *_out_size(xpad.shape[2:], kernel, stride, dilation))
                self.pairs, self.arg = False, arg[:, :, 0]
                return y[:, :, 0]
        self.pairs = k is not None and kernel == (2, 2) and stride == (2, 2) and dilation == (1, 1) and xpad is x
        if self.pairs:
            from ..backend import _numba_conv  # MaxPool2d(2): a loop of its own, ~6x the general kernel
            y, self.arg = _numba_conv.maxpool2x2(contiguous(x), *_out_size(x.shape[2:], kernel, stride, dilation))
            return y
        if k is not None and not holds_fill:  # else _prefer_input's case
            y, self.arg = k.maxpool2d(contiguous(xpad), *kernel, *stride, *dilation,
                                      *_out_size(xpad.shape[2:], kernel, stride, dilation))
            return y
        win = _windows(xpad, kernel, stride, dilation)
        out = win.shape[2 + len(kernel):]
        cols = win.reshape(N, C, -1, *out)  # a copy (K and Out axes interleave in memory)
        self.arg = cols.argmax(axis=2)
        if x.dtype.kind == "f" and x.size and xp_of(x).isnan(x.max()):  # torch's loop: the last NaN of a window wins
            nan = xp_of(x).isnan(cols)
            self.arg = xp_of(x).where(nan.any(axis=2), cols.shape[2] - 1 - nan[:, :, ::-1].argmax(axis=2), self.arg)
        if holds_fill:
            self.arg = _prefer_input(self.arg, cols, x.shape, pad, kernel, stride, dilation)
        return xp_of(x).take_along_axis(cols, self.arg[:, :, None], axis=2)[:, :, 0]

    def backward(self, g):
        N, C = g.shape[:2]
        if self.pairs and g.dtype == np.float32:  # 2x2 at stride 2: each dx element written once (2.4x the general)
            from ..backend import _numba_conv
            return _numba_conv.maxpool2x2_backward(contiguous(g), self.arg, *self.xpad_shape[2:])
        if self.kernels is not None and g.dtype == np.float32 and g.ndim == 3:
            dx = self.kernels.maxpool2d_backward(contiguous(g)[:, :, None], self.arg[:, :, None], 1,
                                                 self.xpad_shape[2], self.kernel[0], 1, self.stride[0], 1,
                                                 self.dilation[0])
            return _unpad(dx[:, :, 0], self.pad)
        if self.kernels is not None and g.dtype == np.float32:  # each gradient added where its maximum came from
            dx = self.kernels.maxpool2d_backward(contiguous(g), self.arg, *self.xpad_shape[2:], self.kernel[1],
                                                 *self.stride, *self.dilation)
            return _unpad(dx, self.pad)
        dcols = zeros_on(g, (N, C, math.prod(self.kernel)) + g.shape[2:])
        xp_of(g).put_along_axis(dcols, self.arg[:, :, None], g[:, :, None], axis=2)
        dcols = dcols.reshape((N, C) + tuple(self.kernel) + g.shape[2:])
        return _unpad(_col2im(dcols, self.xpad_shape, self.stride, self.dilation), self.pad)

    def backward_graph(self, g):
        # linear in dy (the winners stay fixed: d2x = 0): dy placed at each window's winner, folded by Col2Im
        N, C = g.shape[:2]
        K = math.prod(self.kernel)
        offsets = xp_of(self.arg).arange(K).reshape((1, 1, K) + (1,) * (g.ndim - 2))
        dcols = where(offsets == self.arg[:, :, None], g.unsqueeze(2), 0.0)  # (N, C, K, *Out)
        return Col2Im.apply(dcols.reshape(N, C * K, -1), out_shape=_unpadded(self.xpad_shape, self.pad),
                            kernel=self.kernel, stride=self.stride, pad=self.pad, dilation=self.dilation)

    def indices(self, in_shape):
        """torch's return_indices: the flat position of each maximum within its (unpadded) input plane. A window
        whose max is a padding tap (all -inf) points, as torch's, at its first tap at or past 0 in every dim."""
        xp = xp_of(self.arg)
        offs = np.unravel_index(self.arg, self.kernel)
        flat = first = 0
        outside = False
        for i, (k, size) in enumerate(zip(offs, in_shape)):
            o = xp.arange(self.arg.shape[2 + i]).reshape((-1,) + (1,) * (len(in_shape) - 1 - i))
            start, d = o * self.stride[i] - self.pad[i][0], self.dilation[i]
            pos = start + k * d
            outside = outside | (pos < 0) | (pos >= size)
            flat = flat * size + pos
            first = first * size + start + (-xp.minimum(start, 0) + d - 1) // d * d
        return xp.where(outside, first, flat) if xp.any(outside) else flat

class MaxUnpool(Function):
    """y (rows, n) zeros with y[r, idx[r, i]] = x[r, i] (a repeated index keeps the last value, as torch's serial
    loop);  dx = dy gathered at idx (every repeat gets its position's gradient, as torch's)."""
    saves_inputs = False
    def forward(self, x, idx, n):
        xp = xp_of(x)
        self.idx = idx
        rows = x.shape[0]
        flat = (idx + n * xp.arange(rows).reshape(-1, 1)).ravel()
        _, first = xp.unique(flat[::-1], return_index=True)  # each position's last write
        keep = flat.size - 1 - first
        y = zeros_on(x, (rows, n))
        y.reshape(-1)[flat[keep]] = x.reshape(-1)[keep]
        return y

    def backward(self, g):
        return xp_of(g).take_along_axis(g, self.idx, axis=1)

    def backward_graph(self, g):
        return g.gather(1, const(self.idx))


def _prefer_input(arg, cols, shape, pad, kernel, stride, dilation):
    """Where the input itself holds the fill value (-inf), a window's first maximum may be a padded slot: torch
    picks the first input element with that value instead (so the gradient and the index land in the input)."""
    xp = xp_of(cols)
    real = xp.zeros((1, 1) + tuple(n + lo + hi for n, (lo, hi) in zip(shape[2:], pad)), dtype=bool)
    real[(0, 0) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape[2:], pad))] = True
    real = _windows(real, kernel, stride, dilation).reshape((1, 1, -1) + cols.shape[3:])
    best = xp.take_along_axis(cols, arg[:, :, None], axis=2)
    padded = ~xp.take_along_axis(xp.broadcast_to(real, cols.shape), arg[:, :, None], axis=2)[:, :, 0]
    return xp.where(padded, (real & (cols == best)).argmax(axis=2), arg)


class AvgPoolNd(Function):
    """y = sum of each window of x padded with zeros, / divisor (a scalar, or per output position: what the
    window counts);  dx = col2im(dy / divisor copied to every window offset)."""
    saves_inputs = False
    def forward(self, x, kernel, stride, pad, divisor):
        xpad = _pad(x, pad)
        k = self.kernels = fused_for(x) if x.ndim == 4 and x.size else None
        if k is not None:  # one pass (numba): numpy's sum over a strided window view is ~4x slower
            from ..backend import _numba_conv
            y = _numba_conv.window_sums2d(xpad, *kernel, *stride, *_out_size(xpad.shape[2:], kernel, stride, (1, 1)))
        else:
            y = window_sums(xpad, kernel, stride)
        y /= divisor
        self.xpad_shape, self.kernel, self.stride, self.pad, self.divisor = xpad.shape, kernel, stride, pad, divisor
        return y

    def backward(self, g):
        nd = len(self.kernel)
        gd = g / self.divisor
        dcols = xp_of(g).broadcast_to(gd.reshape(g.shape[:2] + (1,) * nd + g.shape[2:]),
                                      g.shape[:2] + tuple(self.kernel) + g.shape[2:])
        return _unpad(_col2im(dcols, self.xpad_shape, self.stride, (1,) * nd), self.pad)

    def backward_graph(self, g):
        N, C, K = g.shape[0], g.shape[1], math.prod(self.kernel)
        divisor = self.divisor if isinstance(self.divisor, float) else const(self.divisor)
        dcols = (g / divisor).unsqueeze(2).expand((N, C, K) + tuple(g.shape[2:]))  # (N, C, K, *Out)
        return Col2Im.apply(dcols.reshape(N, C * K, -1), out_shape=_unpadded(self.xpad_shape, self.pad),
                            kernel=self.kernel, stride=self.stride, pad=self.pad, dilation=(1,) * len(self.kernel))
