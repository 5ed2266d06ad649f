"""Strided views and scatters into a part. as_strided reads any window of a contiguous array's memory; the
*_scatter ops are the out-of-place inverses of select/slice/diagonal: a copy of x with that part replaced."""
import math
import numpy as np
from ..autograd.function import Function
from .._arrays import contiguous, on_device_of, ufunc_at, xp_of, zeros_on
from .movement import Diagonal, diagonal_view
from ..autograd.graph_backward import const, where
from .index import GetItem, IndexPutAdd


def strided_positions(size, stride, offset):
    """The flat element read at each position of an as_strided view: offset + sum_k i_k * stride_k, shaped size."""
    pos = np.full(size, offset, np.int64)
    for k, (n, s) in enumerate(zip(size, stride)):
        pos += np.arange(n, dtype=np.int64).reshape([n if j == k else 1 for j in range(len(size))]) * s
    return pos


def overlapping(size, stride, offset=0):
    """Whether two positions of the view read the same element (a write through it would hit one twice)."""
    if math.prod(size) < 2:
        return False
    pos = strided_positions(size, stride, offset)
    return np.unique(pos).size < pos.size


def strided_view(a, size, stride, offset):
    """a's flat memory (a is C-contiguous) read as `size` with element strides `stride` from element `offset`:
    a view of a, writable when a is and no two positions share an element."""
    flat = a.reshape(-1)[offset:]
    strides = tuple(s * a.itemsize for s in stride)
    if type(a) is not np.ndarray:
        return xp_of(a).lib.stride_tricks.as_strided(flat, size, strides)
    return np.lib.stride_tricks.as_strided(flat, size, strides,
                                           writeable=a.flags.writeable and not overlapping(size, stride))


class AsStrided(Function):
    """z = x's memory read through (size, stride, offset), a view;  dx = dz added back at each element it read
    (an element read by several positions, in overlapping windows, gets their sum)"""
    kept_after_op = ("src",)  # read right after the op: in-place write-through into the viewed array
    keeps_graph = True
    def forward(self, x, size, stride, offset):
        self.in_shape, self.src, self.kw = x.shape, x, {"size": size, "stride": stride, "offset": offset}
        self.overlaps = overlapping(size, stride)
        return strided_view(x, size, stride, offset)

    def backward(self, g):
        dx = zeros_on(g, self.in_shape)
        if self.overlaps:
            ufunc_at(np.add, dx.reshape(-1), strided_positions(**self.kw), g)
        else:
            strided_view(dx, **self.kw)[...] = g
        return dx

    def backward_graph(self, g):
        # every read element gets the sum of its positions' gradients: an index-add into x's flat memory
        flat = const(zeros_on(g._data, (math.prod(self.in_shape),)))
        pos = on_device_of(g._data, strided_positions(**self.kw))
        return IndexPutAdd.apply(flat, g, index=(pos,)).reshape(self.in_shape)

    @property
    def view_of(self):
        if self.overlaps:
            # a write through overlapping windows would hit one element twice: hasattr(ctx, "view_of") is then
            # False, and tensor_inplace refuses it, as for overlapping unfold (torch writes it, once per window)
            raise AttributeError("view_of")
        return lambda a: strided_view(a, **self.kw)

    def view_kwargs(self):
        return self.kw


def part_of(a, where):
    """The part of a that a *_scatter op replaces, as a view: `where` is a basic index (select_scatter,
    slice_scatter), the diagonal's {offset, dim1, dim2} (diagonal_scatter) or a strided window's {size, stride,
    offset} in a's C-order memory (as_strided_scatter)."""
    if isinstance(where, dict):
        return strided_view(a, **where) if "stride" in where else diagonal_view(a, **where)
    return a[where]


class ScatterInto(Function):
    """z = x with part_of(z, where) replaced by src;  dx = dz with that part zeroed, dsrc = that part of dz"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, src, where):
        self.where = where
        z = x.copy(order="K")  # keeps x's layout, as torch's result keeps its strides
        part_of(z, where)[...] = src
        return z

    def backward(self, g):
        n = self.needs_input_grad
        gx = gsrc = None
        if n[0]:
            gx = g.copy()
            part_of(gx, self.where)[...] = 0
        if n[1]:
            gsrc = part_of(contiguous(g) if "stride" in self.where else g, self.where).copy()
        return gx, gsrc

    def backward_graph(self, g):
        n = self.needs_input_grad
        gx = gsrc = None
        if n[0]:
            keep = xp_of(g._data).ones(g.shape, np.bool_)
            part_of(keep, self.where)[...] = False
            gx = where(keep, g, 0.0)
        if n[1]:
            w = self.where
            gsrc = (AsStrided.apply(g.contiguous(), **w) if "stride" in w else Diagonal.apply(g, **w)) \
                if isinstance(w, dict) else GetItem.apply(g, index=w)
        return gx, gsrc
