"""Selection by a boolean mask: select (np.where with a branch-free float32 kernel), Where, and the clamps, whose
gradients are masks too (dz where x was kept). Re-exported by elementwise.py."""
import numpy as np
from ..autograd.function import Function
from .._arrays import unbroadcast, xp_of
from ..backend.cpu import fused_for
from ..autograd.graph_backward import sum_to, where as _where


def _same_layout(c, x, y):
    """Whether the select kernels take where(c, x, y): a C-contiguous boolean c, and x, y each C-contiguous in c's
    shape or 0-d (a number), not both 0-d."""
    if c.dtype != np.bool_ or not c.flags.c_contiguous or (x.ndim == 0 and y.ndim == 0):
        return False
    return all(a.ndim == 0 or (a.shape == c.shape and a.flags.c_contiguous) for a in (x, y))


def _is_array(a):
    return hasattr(a, "shape") and not isinstance(a, np.generic)


def select(c, x, y):
    """np.where(c, x, y) on arrays (x or y may be a number): by the branch-free kernel where it takes the operands
    (_same_layout, float32 on the CPU: numpy's where branches per element, 10x slower on a random c), else numpy's.
    Where, masked_fill, elu and leaky_relu go through it."""
    like = x if _is_array(x) else y
    if _is_array(like):  # a number beside an array: a 0-d array of its dtype, on its device
        x, y = (a if _is_array(a) else xp_of(like).asarray(a, like.dtype) for a in (x, y))
    k = fused_for(x, y)
    return k.select(c, x, y) if k is not None and _same_layout(c, x, y) else np.where(c, x, y)


class Where(Function):
    """z = where(c, x, y);  dx = dz where c, dy = dz where not c"""
    reads_for = ((1, 2), (), ())  # only the condition is read back
    def forward(self, c, x, y):
        self.c, self.xs, self.ys = c, x.shape, y.shape
        return select(c, x, y)

    def backward(self, g):
        n, c = self.needs_input_grad, self.c
        return (None, unbroadcast(select(c, g, 0), self.xs) if n[1] else None,
                unbroadcast(select(c, 0, g), self.ys) if n[2] else None)

    def backward_graph(self, g):
        n, c = self.needs_input_grad, self.c
        return (None, sum_to(_where(c, g, 0.0), self.xs) if n[1] else None,
                sum_to(_where(c, 0.0, g), self.ys) if n[2] else None)


class Clamp(Function):
    """z = min(max(x, lo), hi);  dx = dz where lo <= x <= hi (torch's rule: nowhere when lo > hi)"""
    saves_inputs = False
    def forward(self, x, lo=None, hi=None):
        z, self.mask = x, None
        if lo is not None:
            z = np.maximum(z, lo)
            self.mask = x >= lo
        if hi is not None:
            z = np.minimum(z, hi)
            self.mask = x <= hi if self.mask is None else self.mask & (x <= hi)
        return z.astype(x.dtype, copy=False)

    def backward(self, g):  # a select, not g * mask: an inf dz where x was clamped gives 0, as torch's where
        return g if self.mask is None else select(self.mask, g, g.dtype.type(0))

    def backward_graph(self, g):
        return g if self.mask is None else _where(self.mask, g, 0.0)


class ClampT(Function):
    """clamp with tensor bounds, torch's rule: dx flows where lo <= x <= hi (ties and NaN bounds included),
    d(lo) where x < lo < hi, d(hi) where x > hi or hi < lo (then z = hi)"""
    saves_inputs = False
    def forward(self, x, lo, hi):
        self.shapes = (x.shape, lo.shape, hi.shape)
        z = np.minimum(np.maximum(x, lo), hi)
        self.from_x = (x >= lo) & (x <= hi)
        self.from_lo = (x < lo) & (lo < hi)
        self.from_hi = (x > hi) | (hi < lo)
        return z

    def backward(self, g):
        xs, ls, hs = self.shapes
        zero = g.dtype.type(0)
        return (unbroadcast(select(self.from_x, g, zero), xs), unbroadcast(select(self.from_lo, g, zero), ls),
                unbroadcast(select(self.from_hi, g, zero), hs))

    def backward_graph(self, g):
        n = self.needs_input_grad
        return tuple(sum_to(_where(m, g, 0.0), s) if need else None
                     for m, s, need in zip((self.from_x, self.from_lo, self.from_hi), self.shapes, n))
