"""Discrete Fourier transforms (numpy.fft computes them) and the overlap-add that inverts framing (istft).
Each transform is linear, so its gradient is its adjoint applied to the output gradient: for a complex-linear one
(c2c) that is the conjugate transpose, which is the opposite-direction transform with the dual norm ('backward' and
'forward' swap, 'ortho' stays). Padding / trimming to the requested size s is part of the op; its adjoint trims /
zero-pads the gradient back to the input's shape. backward_graph applies the same adjoint as Functions (the
adjoint's adjoint is the forward again), so double backward works. Outputs keep the input's precision (numpy
computes in complex128).
The transforms are the array module's own (numpy.fft, or cupy.fft on the GPU): numpy's functions would reach cupy
arrays only through __array_function__, for the names cupy happens to define."""
from .._arrays import xp_of
from ..autograd.function import Function
from ..autograd.graph_backward import const
from .complex import _REAL_OF, _COMPLEX_OF

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def resize(a, axes, sizes):
    """a trimmed or zero-padded at the end of each axis to sizes (the same array when nothing changes)."""
    pad = [(0, 0)] * a.ndim
    cut = [slice(None)] * a.ndim
    for ax, n in zip(axes, sizes):
        if n < a.shape[ax]:
            cut[ax] = slice(0, n)
        elif n > a.shape[ax]:
            pad[ax] = (0, n - a.shape[ax])
    a = a[tuple(cut)]
    return xp_of(a).pad(a, pad) if any(p != (0, 0) for p in pad) else a


def resize_graph(t, axes, sizes):
    """resize of a Tensor, differentiably (for double backward): pad's negative widths crop."""
    pad = [0] * (2 * t.ndim)
    for ax, n in zip(axes, sizes):
        pad[2 * (t.ndim - 1 - ax) + 1] = n - t.shape[ax]
    return t.pad(tuple(pad)) if any(pad) else t


class FFT(Function):
    """y = fftn(x, s, axes) (ifftn when inverse);  dx = resize(ifftn(dy, norm=dual)) (fftn when inverse), real part
    for a real x (torch promotes a real input to complex, and that cast's gradient keeps the real part)"""
    saves_inputs = False

    def forward(self, x, s, axes, norm, inverse):
        self.shape, self.dtype, self.axes, self.norm, self.inverse = x.shape, x.dtype, axes, norm, inverse
        cdtype = x.dtype if x.dtype.kind == "c" else _COMPLEX_OF[x.dtype]
        fft = xp_of(x).fft
        f = fft.ifftn if inverse else fft.fftn
        return f(x, s=s, axes=axes, norm=norm).astype(cdtype, copy=False)

    def backward(self, g):
        fft = xp_of(g).fft
        f = fft.fftn if self.inverse else fft.ifftn
        gx = f(g, axes=self.axes, norm=_DUAL[self.norm])
        gx = resize(gx, self.axes, [self.shape[a] for a in self.axes])
        return (gx if self.dtype.kind == "c" else gx.real).astype(self.dtype, copy=False)

    def backward_graph(self, g):
        gx = FFT.apply(g, s=[g.shape[a] for a in self.axes], axes=self.axes, norm=_DUAL[self.norm],
                       inverse=not self.inverse)
        gx = resize_graph(gx, self.axes, [self.shape[a] for a in self.axes])
        return gx if self.dtype.kind == "c" else gx.real


class RFFT(Function):
    """y = rfftn(x, s, axes): the last axis keeps bins 0..s[-1]//2;  dx = Re ifftn(dy zero-padded to s, dual norm)
    (the adjoint of dropping the upper bins is putting zeros there)"""
    saves_inputs = False

    def forward(self, x, s, axes, norm):
        self.shape, self.dtype, self.axes, self.norm, self.s = x.shape, x.dtype, axes, norm, s
        return xp_of(x).fft.rfftn(x, s=s, axes=axes, norm=norm).astype(_COMPLEX_OF[x.dtype], copy=False)

    def backward(self, g):
        g = resize(g, self.axes[-1:], self.s[-1:])
        gx = xp_of(g).fft.ifftn(g, axes=self.axes, norm=_DUAL[self.norm]).real
        return resize(gx, self.axes, [self.shape[a] for a in self.axes]).astype(self.dtype, copy=False)

    def backward_graph(self, g):
        g = resize_graph(g, self.axes[-1:], self.s[-1:])
        gx = FFT.apply(g, s=list(self.s), axes=self.axes, norm=_DUAL[self.norm], inverse=True).real
        return resize_graph(gx, self.axes, [self.shape[a] for a in self.axes])


class IRFFT(Function):
    """y = irfftn(z, s, axes), real, from the half spectrum z (bins 0..s[-1]//2 of the last axis);
    dz = rfftn(dy, dual norm) with the bins that stand for two (k and s[-1]-k: all but 0 and s[-1]/2) doubled,
    resized back to z's shape (torch's formula)"""
    saves_inputs = False

    def forward(self, z, s, axes, norm):
        self.shape, self.dtype, self.axes, self.norm, self.s = z.shape, z.dtype, axes, norm, s
        # trimmed / zero-padded here, not by irfftn: numpy's irfft of an empty axis padded to n returns garbage
        z = resize(z, axes, [*s[:-1], s[-1] // 2 + 1])
        return xp_of(z).fft.irfftn(z, s=s, axes=axes, norm=norm).astype(_REAL_OF[z.dtype], copy=False)

    def backward(self, g):
        gz = xp_of(g).fft.rfftn(g, axes=self.axes, norm=_DUAL[self.norm])
        gz *= self._twice(gz)
        return resize(gz, self.axes, [self.shape[a] for a in self.axes]).astype(self.dtype, copy=False)

    def backward_graph(self, g):
        gz = RFFT.apply(g, s=list(self.s), axes=self.axes, norm=_DUAL[self.norm])
        gz = gz * const(self._twice(gz._data))
        return resize_graph(gz, self.axes, [self.shape[a] for a in self.axes])

    def _twice(self, gz):
        """2 on the bins that stand for two (k and s[-1]-k: all but 0 and s[-1]/2), 1 elsewhere, along the last axis"""
        n, ax = self.s[-1], self.axes[-1]
        w = xp_of(gz).ones(n // 2 + 1, _REAL_OF[gz.dtype])
        w[1:n - (n // 2 + 1) + 1] = 2
        return w.reshape([-1 if a == ax else 1 for a in range(gz.ndim)])


class OverlapAdd(Function):
    """y[..., k*hop + j] += frames[..., k, j] for frames (..., f, n), y (..., n + hop*(f-1));  dframes = the same
    windows of dy (a strided view of it, copied)"""
    saves_inputs = False

    def forward(self, frames, hop):
        *lead, f, n = frames.shape
        self.hop, self.n, self.f = hop, n, f
        xp = xp_of(frames)
        r = -(-n // hop)  # each frame spans r hops: add them in r passes of whole hops, not f passes of frames
        pad = [(0, 0)] * (frames.ndim - 1) + [(0, r * hop - n)]
        parts = xp.pad(frames, pad).reshape(*lead, f, r, hop)
        y = xp.zeros((*lead, (f + r - 1) * hop), frames.dtype)
        for j in range(r):
            y[..., j * hop:(j + f) * hop] += parts[..., j, :].reshape(*lead, f * hop)
        return y[..., :n + hop * (f - 1)]

    def backward(self, g):
        step = g.strides[-1]  # any layout of g: the windows walk its own strides
        windows = xp_of(g).lib.stride_tricks.as_strided(g, (*g.shape[:-1], self.f, self.n),
                                                        (*g.strides[:-1], self.hop * step, step))
        return windows.copy()  # overlapping windows: each frame's gradient gets its own memory

    def backward_graph(self, g):
        return g.unfold(-1, self.n, self.hop)
