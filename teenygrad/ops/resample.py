"""Resampling along one axis (interpolate's linear, bilinear, bicubic, trilinear, nearest and area modes are
products of these, one axis at a time): gather a few taps per output position, weigh them, sum; the backward
scatters the same taps back. float32 numpy arrays go through one numba kernel both ways (backend/_numba_conv.py:
resample)."""
import math
import numpy as np
from ..autograd.function import Function
from .._arrays import contiguous, xp_of, zeros_on, on_device_of
from ..backend.cpu import fused_for


def _along(a, axis):
    """a C-ordered array viewed as (before, axis, after): the layout of the Resample kernels."""
    return a.reshape(math.prod(a.shape[:axis]), a.shape[axis], math.prod(a.shape[axis + 1:]))


class Resample(Function):
    """Along one axis: y[.., i, ..] = sum_j w[i, j] x[.., idx[i, j], ..] (interpolation taps; w None: one tap of
    weight 1);  dx[.., idx[i, j], ..] += w[i, j] dy[.., i, ..]. Every tap column idx[:, j] is non-decreasing, so
    each tap's scatter is one segment sum (add.reduceat) onto distinct rows: no slow unbuffered add.at.
    pad (out, taps) bool or None: the taps that only pad a short window, left out rather than weighed 0, so an inf
    or nan they point at stays out of the sum, as in torch's windows. float32 numpy arrays go through one numba
    kernel instead, both ways (_numba_conv.resample; the backward as a gather, _backward_by_gather)."""
    saves_inputs = False
    def forward(self, x, axis, idx, w, pad=None):
        xp = xp_of(x)
        bshape = (-1,) + (1,) * (x.ndim - 1 - axis)
        self.axis, self.shape, self.bshape, self.idx, self.w = axis, x.shape, bshape, idx, w
        if x.size and fused_for(x) is not None:  # numba: one gathering pass
            from ..backend import _numba_conv
            y = np.empty(x.shape[:axis] + (len(idx),) + x.shape[axis + 1:], np.float32)
            w = np.ones(idx.shape, np.float32) if w is None else w.astype(np.float32, copy=False)
            skip = np.zeros(idx.shape, bool) if pad is None else pad
            full = int(np.argmax(np.r_[skip.any(axis=0), True]))  # the leading taps that skip nothing
            _numba_conv.resample(_along(contiguous(x), axis), contiguous(idx.T), contiguous(w.T), contiguous(skip.T),
                                 full, _along(y, axis))
            return y
        y = None
        for j in range(idx.shape[1]):
            t = xp.take(x, on_device_of(x, idx[:, j]), axis=axis)
            if w is not None:
                wj = on_device_of(x, w[:, j]).reshape(bshape)
                if pad is not None and pad[:, j].any():
                    t = xp.where(on_device_of(x, pad[:, j]).reshape(bshape), xp.zeros((), t.dtype), t)
                t *= wj
            y = t if y is None else xp.add(y, t, out=y)
        return y

    def backward(self, g):
        if g.size and fused_for(g) is not None:
            return self._backward_by_gather(g)
        xp, at = xp_of(g), (slice(None),) * self.axis
        dx = zeros_on(g, self.shape)
        for j in range(self.idx.shape[1]):
            col = self.idx[:, j]
            starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
            c = g if self.w is None else g * on_device_of(g, self.w[:, j]).reshape(self.bshape)
            rows = col[starts]  # a run of rows (the usual case) is written through a slice, not a fancy index
            rows = slice(rows[0], rows[-1] + 1) if rows[-1] - rows[0] == len(rows) - 1 else on_device_of(g, rows)
            runs = np.diff(np.r_[starts, col.size])
            if (runs == runs[0]).all() and runs[0] <= 8:
                # equal short runs (an integer scale): the runs' strided slices, added (reduceat, or a sum over the
                # runs' axis, is ~5x slower along a middle axis)
                sh, at1 = c.shape, (slice(None),) * (self.axis + 1)
                v = c.reshape(sh[:self.axis] + (len(starts), int(runs[0])) + sh[self.axis + 1:])
                seg = v[at1 + (0,)].copy()
                for k in range(1, int(runs[0])):
                    seg += v[at1 + (k,)]
            else:
                seg = xp.add.reduceat(c, on_device_of(g, starts), axis=self.axis)
            dx[at + (rows,)] += seg
        return dx

    def _backward_by_gather(self, g):
        """The scatter as a gather (numba), by the forward's kernel: input row k reads the dy rows i of the taps
        (i, j) with idx[i, j] = k, weighed w[i, j]; rows with fewer such taps than the most are padded with skipped
        ones. Each dx row is then written once (no zeros first, no read-modify-write per tap). (16, 32, 64, 64) to
        (100, 100), bilinear, both axes: 97 -> 14 ms (one thread, medians of 9 alternating rounds)."""
        from ..backend import _numba_conv
        n, taps = self.shape[self.axis], self.idx.shape[1]
        flat = self.idx.ravel()
        order = np.argsort(flat, kind="stable")  # the taps grouped by the input row they read, in (i, j) order
        counts = np.bincount(flat, minlength=n)
        rows = flat[order]
        slot = np.arange(flat.size) - (np.cumsum(counts) - counts)[rows]  # each tap's place among its row's
        width = max(int(counts.max()), 1)
        src, wt, skip = np.zeros((width, n), np.int64), np.zeros((width, n), np.float32), np.ones((width, n), bool)
        src[slot, rows], skip[slot, rows] = order // taps, False
        wt[slot, rows] = 1 if self.w is None else self.w.ravel()[order]
        dx = np.empty(self.shape, np.float32)
        _numba_conv.resample(_along(contiguous(g), self.axis), src, wt, skip, int(counts.min()), _along(dx, self.axis))
        return dx

    def backward_graph(self, g):
        return ResampleAdjoint.apply(g, of=self)


class ResampleAdjoint(Function):
    """Resample's backward as an op of its own, so that a create_graph pass can differentiate it: y = the scatter
    Resample node `of` sends its gradient back with (its backward, applied to x);  dx = that Resample's gather of dy
    (a scatter's adjoint; the padding taps weigh 0, so they need no leaving out here)."""
    saves_inputs = False
    def forward(self, g, of):
        self.axis, self.idx, self.w = of.axis, of.idx, of.w  # not `of` itself: a first-order backward may free it
        return of.backward(g)

    def backward(self, g):
        return Resample().forward(g, self.axis, self.idx, self.w)

    def backward_graph(self, g):
        return Resample.apply(g, axis=self.axis, idx=self.idx, w=self.w)
