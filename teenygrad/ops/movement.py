"""Movement ops: they rearrange elements and never change values, so backward rearranges back."""
import numpy as np
from ..autograd.function import Function
from .._arrays import unbroadcast, contiguous, layout_copy, on_device_of, torch_layout, xp_of, zeros_on
from ..autograd.graph_backward import sum_to, const, where


class Reshape(Function):
    """z = x viewed as shape;  dx = dz reshaped back"""
    kept_after_op = ("src",)  # read right after the op: in-place write-through into the viewed array
    keeps_graph = True
    def forward(self, x, shape):
        # src, shape: an in-place op on z may write x's memory (tensor_inplace writes through to the base)
        self.in_shape, self.src, self.shape = x.shape, x, shape
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.in_shape)

    def backward_graph(self, g):
        return g.reshape(self.in_shape)

    def view_of(self, a):
        return a.reshape(self.shape)

    def view_kwargs(self):
        return {"shape": self.shape}


class Permute(Function):
    """z = x with axes reordered;  dx = dz with the inverse order"""
    kept_after_op = ("src",)  # read right after the op: in-place write-through into the viewed array
    keeps_graph = True
    def forward(self, x, order):
        inverse = [0] * len(order)
        for i, o in enumerate(order):   # np.argsort costs ~10x more on a 4-tuple
            inverse[o] = i
        self.inverse, self.src, self.order = tuple(inverse), x, order
        return x.transpose(order)

    def backward(self, g):
        return g.transpose(self.inverse)

    def backward_graph(self, g):
        return g.permute(*self.inverse)

    def view_of(self, a):
        return a.transpose(self.order)

    def view_kwargs(self):
        return {"order": self.order}


class Expand(Function):
    """z = x broadcast to shape (a read-only view);  dx = dz summed over the broadcast axes"""
    kept_after_op = ("src",)  # read right after the op: in-place write-through into the viewed array
    keeps_graph = True
    def forward(self, x, shape):
        self.in_shape, self.src = x.shape, x
        self.shape = shape
        return np.broadcast_to(x, shape)

    def backward(self, g):
        return unbroadcast(g, self.in_shape)

    def backward_graph(self, g):
        return sum_to(g, self.in_shape)

    def view_kwargs(self):  # no view_of: writing into an expanded view is refused
        return {"shape": self.shape}


def diagonal_view(a, offset, dim1, dim2):
    """The diagonal of a over dims dim1, dim2 as a view of a, writable when a is (numpy's own is read-only)."""
    v = a.diagonal(offset, dim1, dim2)
    if type(v) is np.ndarray and a.flags.writeable and not v.flags.writeable:
        v.flags.writeable = True
    return v


class Diagonal(Function):
    """z = x's diagonal over dim1, dim2 at offset, a view (the diagonal is the last axis of z);
    dx = zeros with dz written on that diagonal"""
    kept_after_op = ("src",)  # read right after the op: in-place write-through into the viewed array
    keeps_graph = True
    def forward(self, x, offset, dim1, dim2):
        self.in_shape, self.src, self.kw = x.shape, x, {"offset": offset, "dim1": dim1, "dim2": dim2}
        return diagonal_view(x, offset, dim1, dim2)

    def backward(self, g):
        dx = zeros_on(g, self.in_shape)
        self.view_of(dx)[...] = g
        return dx

    def backward_graph(self, g):
        return DiagEmbed.apply(g, shape=self.in_shape, **self.kw)

    def view_of(self, a):
        return diagonal_view(a, **self.kw)

    def view_kwargs(self):
        return self.kw


class Contiguous(Function):
    """z = a C-contiguous copy of x (no copy when it already is);  dx = dz"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x):
        return contiguous(x)

    def backward(self, g):
        return g

    def backward_graph(self, g):
        return g


class Pad(Function):
    """constant padding; pads is ((before, after), ...) per axis, negative values crop"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, pads, value=0.0):
        self.in_shape = x.shape
        grow = [(max(b, 0), max(a, 0)) for b, a in pads]
        z = np.pad(x, grow, constant_values=value) if any(b or a for b, a in grow) else x
        crop = tuple(slice(max(-b, 0), z.shape[i] - max(-a, 0)) for i, (b, a) in enumerate(pads))
        self.pads = pads
        return z[crop] if z is not x else z[crop].copy()  # F.pad gives a new tensor, never a view of x

    def backward(self, g):
        # inverse: crop what was added, zero-pad what was cropped
        return Pad.forward(Pad.__new__(Pad), g, tuple((-b, -a) for b, a in self.pads))

    def backward_graph(self, g):
        return Pad.apply(g, pads=tuple((-b, -a) for b, a in self.pads))


class Cat(Function):
    """z = concatenate along axis;  dx_i = the matching slice of dz"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, *xs, axis=0):
        self.axis = axis
        if self.needs_input_grad is not None:  # recorded in a graph (a decode step's k/v cache is not)
            bounds = [0]  # running sum in Python: np.cumsum costs ~2 us on a short list
            for x in xs:
                bounds.append(bounds[-1] + x.shape[axis])
            self.bounds = bounds
        return np.concatenate(xs, axis=axis)

    def backward(self, g):
        a = self.axis
        idx = [slice(None)] * g.ndim
        out = []
        for i, need in enumerate(self.needs_input_grad):
            if need:
                idx[a] = slice(self.bounds[i], self.bounds[i + 1])
                out.append(g[tuple(idx)])
            else:
                out.append(None)
        return tuple(out)

    def backward_graph(self, g):
        return tuple(g.narrow(self.axis, self.bounds[i], self.bounds[i + 1] - self.bounds[i]) if need else None
                     for i, need in enumerate(self.needs_input_grad))


class Flip(Function):
    """z = x reversed along axes;  dx = dz reversed back"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, axis):
        self.axis = axis
        z = np.flip(x, axis)  # copied, as torch (a view would let z.add_() write into x), in torch's layout for x
        return z.copy() if x.flags.c_contiguous else layout_copy(z, z.dtype, torch_layout(x))

    def backward(self, g):
        return np.flip(g, self.axis)

    def backward_graph(self, g):
        return Flip.apply(g, axis=self.axis)


class Roll(Function):
    """z = x rolled by shifts along axes;  dx = dz rolled back"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, shifts, axis):
        self.shifts, self.axis = shifts, axis
        return contiguous(np.roll(x, shifts, axis))  # numpy keeps x's layout, torch's roll is C order

    def backward(self, g):
        return np.roll(g, tuple(-s for s in self.shifts), self.axis)

    def backward_graph(self, g):
        return Roll.apply(g, shifts=tuple(-s for s in self.shifts), axis=self.axis)


class Tri(Function):
    """tril/triu: z = x masked to a triangle of the last two axes;  dx = dz masked the same way"""
    keeps_graph = True  # keeps only (diagonal, upper), as torch: the mask is made again by each backward
    saves_inputs = False
    def forward(self, x, diagonal=0, upper=False):
        self.diagonal, self.upper = diagonal, upper
        return contiguous(np.where(self._mask(x), x, x.dtype.type(0)))  # C order, as torch's tril / triu

    def _mask(self, a):
        """The kept triangle of a's last two axes (n, m), as a bool array."""
        n, m = a.shape[-2:]
        xp = xp_of(a)
        rows, cols = xp.arange(n)[:, None], xp.arange(m)[None, :]
        return (cols - rows >= self.diagonal) if self.upper else (cols - rows <= self.diagonal)

    def backward(self, g):
        return np.where(self._mask(g), g, g.dtype.type(0))

    def backward_graph(self, g):
        return where(self._mask(g._data), g, 0.0)


def unfold_view(a, axis, size, step):
    """The windows of a along axis (size elements, every step) as a view of a: axis becomes the window count and a
    new last axis holds each window, as torch's Tensor.unfold. Writable when a is and windows don't overlap."""
    n = (a.shape[axis] - size) // step + 1
    shape = a.shape[:axis] + (n,) + a.shape[axis + 1:] + (size,)
    strides = a.strides[:axis] + (a.strides[axis] * step,) + a.strides[axis + 1:] + (a.strides[axis],)
    if type(a) is not np.ndarray:
        return xp_of(a).lib.stride_tricks.as_strided(a, shape, strides)
    # writable when a is, unless windows overlap: a write would hit one element twice
    return np.lib.stride_tricks.as_strided(a, shape, strides,
                                           writeable=a.flags.writeable and not (step < size and n > 1))


class Unfold(Function):
    """z = x's windows along axis (a view: axis -> window index, last axis -> offset in the window);
    dx = dz's windows added back where they came from (overlapping windows sum)"""
    kept_after_op = ("src",)  # read right after the op: in-place write-through into the viewed array
    keeps_graph = True
    def forward(self, x, axis, size, step):
        self.in_shape, self.src, self.kw = x.shape, x, {"axis": axis, "size": size, "step": step}
        return unfold_view(x, axis, size, step)

    def backward(self, g):
        a, size, step = self.kw["axis"], self.kw["size"], self.kw["step"]
        dx = zeros_on(g, self.in_shape)
        n = g.shape[a]
        idx = [slice(None)] * len(self.in_shape)
        for k in range(size):  # offset k of every window: one strided slice, no overlaps within it
            idx[a] = slice(k, k + step * (n - 1) + 1, step)
            dx[tuple(idx)] += g[..., k]
        return dx

    def backward_graph(self, g):
        from .index import IndexPutAdd  # here, not at the top: index.py imports this module
        a, size, step = self.kw["axis"], self.kw["size"], self.kw["step"]
        n = g.shape[a]
        # window w's offset k is element w * step + k along axis: one index-add of every window at once
        pos = on_device_of(g._data, np.arange(n)[:, None] * step + np.arange(size)[None, :])
        index = (slice(None),) * a + (pos,)
        zeros = const(zeros_on(g._data, self.in_shape))
        return IndexPutAdd.apply(zeros, g.movedim(-1, a + 1), index=index)

    @property
    def view_of(self):
        if self.kw["step"] < self.kw["size"] and self.in_shape[self.kw["axis"]] - self.kw["size"] >= self.kw["step"]:
            # overlapping windows: an in-place write would hit one element twice; hasattr(ctx, "view_of") is
            # then False, and tensor_inplace refuses the write (as torch does)
            raise AttributeError("view_of")
        return lambda a: unfold_view(a, **self.kw)

    def view_kwargs(self):
        return self.kw


class DiagEmbed(Function):
    """z = zeros with x's last axis on the diagonal (offset) over dims dim1, dim2;  dx = that diagonal of dz"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, shape, offset, dim1, dim2):
        self.kw = {"offset": offset, "dim1": dim1, "dim2": dim2}
        z = zeros_on(x, shape)
        diagonal_view(z, **self.kw)[...] = x
        return z

    def backward(self, g):
        return diagonal_view(g, **self.kw).copy()

    def backward_graph(self, g):
        return Diagonal.apply(g, **self.kw)
