"""Smaller torch functions built from Tensor ops (so autograd comes for free where they are differentiable):
dtype queries (result_type, promote_types, can_cast, finfo, iinfo), broadcasting helpers, diff, trapezoid,
cdist, cartesian_prod, combinations, block_diag, isin, signbit, isposinf/isneginf, nanmedian."""
import itertools
import math
import numbers
import numpy as np
from . import dtype as dt, return_types
from ._arrays import zeros_on, to_host, xp_of
from .autograd.function import Function
from .ops.matmul import EuclidDist
from .ops.reduce import MedianAll
from .ops.unary import Abs
from .tensor import Tensor


# ---------------------------------------------------------------- dtypes

def _operand_dtype(x):
    """(dtype, ndim) for torch's promotion: a Python number has ndim -1 (it yields to any tensor)."""
    if isinstance(x, Tensor):
        return x.dtype, x.ndim
    if isinstance(x, (numbers.Number, np.generic)):
        return dt.scalar_dtype(x), -1
    raise TypeError(f"result_type: expected a Tensor or a number, got {type(x).__name__}")


def result_type(tensor1, tensor2):
    return dt.result_type(*_operand_dtype(tensor1), *_operand_dtype(tensor2))


def promote_types(type1, type2):
    return dt.result_type(dt.to_dtype(type1), 1, dt.to_dtype(type2), 1)


def can_cast(from_, to):
    """torch's rule: a cast may not lower the category (float -> int, int -> bool); within one, any size goes."""
    return dt._category(dt.to_dtype(from_)) <= dt._category(dt.to_dtype(to))


class finfo:
    """Machine limits of a floating dtype, as Python floats (torch.finfo); a complex dtype's are its parts' (complex64
    gives float32's)."""

    def __init__(self, type=None):
        d = dt._default_float if type is None else dt.to_dtype(type)
        if d.kind == "c":
            d = np.dtype(np.float32 if d == np.complex64 else np.float64)
        if not dt.is_floating(d):
            raise TypeError(f"finfo: expected a floating point dtype, got {d}")
        if d.name == "bfloat16":
            import ml_dtypes
            info = ml_dtypes.finfo(d)
        else:
            info = np.finfo(d)
        self.dtype, self.bits = d.name, info.bits
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)  # torch gives the exact power of ten

    def __eq__(self, other):  # equal when for one dtype, as torch's (finfo(complex64) == finfo(float32))
        return self.dtype == other.dtype if isinstance(other, finfo) else NotImplemented

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer (or bool) dtype, as Python ints (torch.iinfo)."""

    def __init__(self, type):
        d = dt.to_dtype(type)
        if d.kind == "b":
            self.bits, self.min, self.max = 8, 0, 1
        elif d.kind in "iu":
            info = np.iinfo(d)
            self.bits, self.min, self.max = info.bits, int(info.min), int(info.max)
        else:
            raise TypeError(f"iinfo: expected an integer dtype, got {d}")
        self.dtype = d.name

    def __eq__(self, other):
        return self.dtype == other.dtype if isinstance(other, iinfo) else NotImplemented

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"  # torch's %g: max=2.14748e+09


# ---------------------------------------------------------------- broadcasting

def broadcast_shapes(*shapes):
    shapes = [(s,) if isinstance(s, numbers.Integral) else tuple(s) for s in shapes]
    out = [1] * max((len(s) for s in shapes), default=0)
    for s in shapes:
        for i, n in enumerate(s, len(out) - len(s)):
            if n < 0:
                raise RuntimeError(f"broadcast_shapes: negative size {n} in shape {s}")
            if out[i] == 1:
                out[i] = n
            elif n != 1 and n != out[i]:
                raise RuntimeError(f"broadcast_shapes: shapes {', '.join(map(str, shapes))} cannot be broadcast "
                                   f"together (size {out[i]} vs {n} at dim {i})")
    return tuple(out)


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t if t.shape == shape else t.expand(shape) for t in tensors)


# ---------------------------------------------------------------- differences and integrals

def diff(input, n=1, dim=-1, prepend=None, append=None):
    """out[i] = x[i+1] - x[i] along dim, n times (for bool: x[i+1] != x[i]); prepend/append join x first."""
    from .tensor_join import cat
    if input.ndim == 0:
        raise RuntimeError("diff: expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"diff: order must be non-negative, got n={n}")
    d = dim + input.ndim if dim < 0 else dim
    if not 0 <= d < input.ndim:
        raise IndexError(f"diff: dim {dim} out of range for a tensor of shape {input.shape}")
    if n == 0:  # torch: a copy of the input, prepend and append unused
        return input.clone()
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        m = x.shape[d]
        if m == 0:
            break
        hi, lo = x.narrow(d, 1, m - 1), x.narrow(d, 0, m - 1)
        x = hi != lo if x.dtype == dt.bool else hi - lo
    return x


def _spacing(y, x, dx, d, op):
    """The per-interval widths along dim d (a number, or a tensor broadcastable against the intervals)."""
    if x is not None and dx is not None:
        raise RuntimeError(f"{op}: pass x or dx, not both")
    if x is None:
        return 1 if dx is None else dx
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise RuntimeError(f"{op}: x has {x.shape[0]} points but y has {y.shape[d]} along dim {d}")
        return diff(x).reshape([-1 if i == d else 1 for i in range(y.ndim)])
    return diff(x, dim=d - y.ndim)


def _trapezoid_parts(y, x, dx, dim, op):
    if y.ndim == 0:
        raise IndexError(f"{op}: expects y to be at least one-dimensional")
    d = dim + y.ndim if dim < 0 else dim
    if not 0 <= d < y.ndim:
        raise IndexError(f"{op}: dim {dim} out of range for y of shape {y.shape}")
    if y.dtype == dt.bool:  # torch refuses it rather than counting True as 1
        raise RuntimeError(f"{op}: received a bool input for `y`, but bool is not supported")
    if not (y.is_floating_point() or y.is_complex()):  # integers integrate in the default float; complex stays
        y = y.to(dt._default_float)
    m = y.shape[d]
    if m == 0:
        return y, d, None
    mid = (y.narrow(d, 1, m - 1) + y.narrow(d, 0, m - 1)) * 0.5
    return y, d, mid * _spacing(y, x, dx, d, op)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    y, d, areas = _trapezoid_parts(y, x, dx, dim, "trapezoid")
    return y.sum(d) if areas is None else areas.sum(d)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    y, d, areas = _trapezoid_parts(y, x, dx, dim, "cumulative_trapezoid")
    return y.narrow(d, 0, 0) if areas is None else areas.cumsum(d)


# ---------------------------------------------------------------- products and distances

_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p; the gradient at a zero distance is 0, as torch's."""
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: x1 {x1.shape} and x2 {x2.shape} must be at least 2-D with the same last "
                           f"dimension")
    for name, x in (("X1", x1), ("X2", x2)):
        if not x.is_floating_point():
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {x.dtype}")
    if x1._data.dtype.itemsize < 4:  # torch's CPU kernel has no float16 / bfloat16
        raise NotImplementedError(f'"cdist" not implemented for {x1.dtype} (use float32 or float64)')
    if x1.dtype != x2.dtype:  # torch: no promotion here
        raise RuntimeError(f"cdist: expected scalar type {x1.dtype} but found {x2.dtype} (x2)")
    if p < 0:
        raise RuntimeError(f"cdist: only supports non-negative p values, got {p}")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    if p == 2:
        # torch's rule: the GEMM form ||a||^2 + ||b||^2 - 2 a.b past 25 rows (it loses a little precision for
        # near points), unless compute_mode says always or never
        rows = max(x1.shape[-2], x2.shape[-2])
        if compute_mode == "use_mm_for_euclid_dist" or (rows > 25 and compute_mode != "donot_use_mm_for_euclid_dist"):
            return EuclidDist.apply(x1, x2)
    if p == 1 and _l1_kernels(x1._data, x2._data) is not None:
        return L1Dist.apply(x1, x2)
    d = DistAbs.apply(x1.unsqueeze(-2) - x2.unsqueeze(-3))  # (..., P, R, M) -> (..., P, R)
    return pnorm_last(d, p)._named("CdistBackward0")  # torch's one node, as print(y) shows it


class DistAbs(Abs):
    """|d| for the distances (cdist, pdist): dd = dz sign(d) with numpy's sign, NaN at a NaN difference, as torch's
    distance backward (Tensor.abs's gradient there is torch's 0)"""
    def backward(self, g):
        return g * np.sign(self.x)

    def backward_graph(self, g):
        from .autograd.graph_backward import const
        return g * const(np.sign(self.x))


def _l1_kernels(a, b):
    """backend/_numba_linalg if numba is on and a, b are numpy float32 or float64 arrays of one dtype, else None"""
    from .backend.cpu import fused
    if fused() is None or type(a) is not np.ndarray or type(b) is not np.ndarray or a.dtype != b.dtype \
            or a.dtype not in (np.float32, np.float64):
        return None
    from .backend import _numba_linalg
    return _numba_linalg


class L1Dist(Function):
    """z[..., i, j] = sum_d |x1[..., i, d] - x2[..., j, d]| by a kernel over the pairs (the numpy path holds the
    (..., P, R, M) differences);  dx1_i = sum_j dz_ij sign(x1_i - x2_j), dx2_j = -sum_i dz_ij sign(x1_i - x2_j),
    summed over broadcast batch axes. sign is flat, so a second derivative reaches only dz."""
    def forward(self, x1, x2):
        self.x1, self.x2 = x1, x2
        self.batch = np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
        nb = math.prod(self.batch)
        self.a, self.b = (np.ascontiguousarray(np.broadcast_to(x, self.batch + x.shape[-2:]))
                          .reshape((nb,) + x.shape[-2:]) for x in (x1, x2))  # (B, P, M), (B, R, M)
        out = np.empty((self.a.shape[0], x1.shape[-2], x2.shape[-2]), x1.dtype)
        _l1_kernels(x1, x2).l1_dist(self.a, self.b, out)
        return out.reshape(self.batch + out.shape[1:])

    def backward(self, g):
        from ._arrays import unbroadcast
        g1, g2 = np.zeros_like(self.a), np.zeros_like(self.b)
        g3 = np.ascontiguousarray(g, dtype=self.a.dtype).reshape((self.a.shape[0],) + g.shape[-2:])
        _l1_kernels(self.a, self.b).l1_dist_backward(self.a, self.b, g3, g1, g2)
        n = self.needs_input_grad
        return (unbroadcast(g1.reshape(self.batch + g1.shape[1:]), self.x1.shape) if n[0] else None,
                unbroadcast(g2.reshape(self.batch + g2.shape[1:]), self.x2.shape) if n[1] else None)

    def backward_graph(self, g):
        from .autograd.graph_backward import const, sum_to
        s = const(np.sign(self.x1[..., :, None, :] - self.x2[..., None, :, :]))  # (..., P, R, M)
        n = self.needs_input_grad
        gs = g.unsqueeze(-1) * s
        return (sum_to(gs.sum(-2), self.x1.shape) if n[0] else None,
                sum_to(-gs.sum(-3), self.x2.shape) if n[1] else None)


class ZeroGrad(Function):
    """z = values worked out from x elsewhere (given as an array); dz/dx = 0. For results torch keeps in the graph
    with a zero gradient: poisson's draws, the p = 0 "norm" (a count of nonzeros)."""
    saves_inputs = False

    def forward(self, x, values):
        self.in_shape = x.shape
        return values

    def backward(self, g):
        return zeros_on(g, self.in_shape)

    def backward_graph(self, g):
        return Tensor._wrap(zeros_on(g._data, self.in_shape))


class NoDerivative(Function):
    """z = values worked out from the inputs elsewhere; backward raises, as torch's ops without a derivative formula
    whose outputs still require grad (binomial's draws)."""
    saves_inputs = False

    def forward(self, *inputs, values, op, error=RuntimeError):
        self.op, self.error = op, error  # error: torch's exception type for this op's refusal
        return values

    def backward(self, g):
        raise self.error(f"the derivative for {self.op} is not implemented")

    backward_graph = backward


def pnorm_last(delta, p):
    """The p-norm over the last dim of delta = |differences| (cdist, pdist), with torch's distance gradients:
    0 where the distance is 0, and 0 from a zero difference when p < 1."""
    from .tensor_ops import where
    if p == 0:  # in the graph with a zero gradient, as torch's
        return ZeroGrad.apply(delta, values=(delta != 0).to(delta.dtype).sum(-1)._data)
    if p == math.inf:
        return delta.amax(-1)
    if p == 1:
        return delta.sum(-1)
    if p < 1:  # d|x|^p/dx is infinite at 0 too
        delta = where(delta == 0, 0.0, where(delta == 0, 1.0, delta) ** p)
    s = (delta * delta).sum(-1) if p == 2 else delta.sum(-1) if p < 1 else (delta ** p).sum(-1)
    zero = s == 0
    safe = where(zero, 1.0, s)  # the root's gradient is infinite at 0: keep it out of the graph there
    return where(zero, 0.0, safe.sqrt() if p == 2 else safe ** (1.0 / p))


def cartesian_prod(*tensors):
    from .tensor_join import meshgrid
    from .tensor_ops import stack
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"cartesian_prod: expects 1-D tensors, got shape {t.shape}")
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], dim=1)


def combinations(input, r=2, with_replacement=False):
    """The length-r combinations of a 1-D tensor's elements, one per row (itertools' order)."""
    if input.ndim != 1:
        raise RuntimeError(f"combinations: expects a 1-D tensor, got shape {input.shape}")
    if r < 0:
        raise RuntimeError(f"combinations: r must be non-negative, got {r}")
    if r == 0:
        return input.narrow(0, 0, 0)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return input[Tensor._from_data(idx, device=input.device)]


def block_diag(*tensors):
    from .tensor_join import cat
    from .creation import zeros
    blocks = []
    for t in tensors:
        if t.ndim > 2:
            raise RuntimeError(f"block_diag: input tensors must have 2 or fewer dimensions, got shape {t.shape}")
        blocks.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not blocks:
        return zeros(1, 0)
    out_dtype = blocks[0].dtype
    for b in blocks[1:]:
        out_dtype = dt.result_type(out_dtype, 1, b.dtype, 1)
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        h, w = b.shape
        parts = [zeros(h, left, dtype=out_dtype, device=b.device), b.to(out_dtype),
                 zeros(h, width - left - w, dtype=out_dtype, device=b.device)]
        rows.append(cat(parts, 1))
        left += w
    return cat(rows, 0)._named("BlockDiagBackward0")


# ---------------------------------------------------------------- tests and counts (no gradient)

def _host(x):
    """A tensor's (any device) or a number's / list's values as a host array (isin runs np.isin there)."""
    if isinstance(x, Tensor):
        return to_host(x._data)
    return np.asarray(x)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    e, t = _host(elements), _host(test_elements)
    if e.dtype == np.bool_ or t.dtype == np.bool_:
        raise RuntimeError(f"isin: unsupported input dtype bool (elements {e.dtype}, test_elements {t.dtype}), as torch")
    if e.dtype.kind == "c" or t.dtype.kind == "c":
        raise RuntimeError(f"isin: unsupported input dtype (elements {e.dtype}, test_elements {t.dtype}): complex "
                           f"numbers are refused, as torch")
    if e.dtype.kind == "V" or t.dtype.kind == "V":  # bfloat16: numpy can't promote it; compare in float32, exactly
        e, t = (a.astype(np.float32) if a.dtype.kind == "V" else a for a in (e, t))
    device = elements.device if isinstance(elements, Tensor) else getattr(test_elements, "device", "cpu")
    return Tensor._from_data(np.isin(e, t, invert=invert), device=device)


def signbit(self):
    if self.dtype.kind == "b":
        return Tensor._wrap(self._data & False)
    return Tensor._wrap(np.signbit(self._data))


def isposinf(self):
    return Tensor._wrap(np.isposinf(self._data) if dt.is_floating(self._data.dtype) else self._data != self._data)


def isneginf(self):
    return Tensor._wrap(np.isneginf(self._data) if dt.is_floating(self._data.dtype) else self._data != self._data)


class NanMedianAll(MedianAll):
    """z = the lower median of x's non-NaN values (NaN if there are none);  dx = dz shared evenly by the elements
    equal to z (by all of x when z is NaN), as torch's full nanmedian"""
    def forward(self, x):
        self.x, flat, xp = x, x.reshape(-1), xp_of(x)
        flat = flat[~xp.isnan(flat)] if dt.is_floating(flat.dtype) else flat
        self.z = (xp.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2] if flat.size
                  else xp.asarray(np.nan, dtype=x.dtype))
        return xp.asarray(self.z, dtype=x.dtype)


def nanmedian(self, dim=None, keepdim=False):
    """The median ignoring NaNs (the lower of the two middle values; NaN only where all are NaN)."""
    if keepdim is not False and keepdim is not True:
        from .tensor import _bool_arg
        _bool_arg(keepdim, "nanmedian", "keepdim")
    from .tensor import _norm_dim
    if dim is None:
        if self._data.dtype.kind == "b":
            raise NotImplementedError("nanmedian: not implemented for bool tensors")
        if self.numel() == 0 and self._data.dtype.kind != "f":
            raise RuntimeError(f"nanmedian: the median of an empty {self.dtype} tensor is undefined")
        return NanMedianAll.apply(self)
    d = _norm_dim(dim, self.ndim, "nanmedian")  # torch checks dim, then the slice size, then the dtype
    if self.ndim and self.shape[d] == 0:
        raise IndexError(f"nanmedian: cannot take the median over dim {dim} of size 0 (shape {self.shape})")
    if self._data.dtype.kind == "b":
        raise NotImplementedError("nanmedian: not implemented for bool tensors")
    x = self.unsqueeze(0) if self.ndim == 0 else self
    d = 0 if self.ndim == 0 else d
    if x.shape[d] == 0:
        raise IndexError(f"nanmedian: cannot take the median over dim {dim} of size 0 (shape {self.shape})")
    values, indices = x.sort(dim=d, stable=True)  # NaNs sort last; ties: the stable order, as torch
    count = (~x.isnan()).sum(d, keepdim=True)
    k = ((count - 1).clamp(min=0)) // 2
    out_v, out_i = values.gather(d, k), indices.gather(d, k)
    if not keepdim or self.ndim == 0:
        out_v, out_i = out_v.squeeze(d), out_i.squeeze(d)
    if self.ndim == 0:
        out_v, out_i = out_v.reshape(()), out_i.reshape(())
    return return_types.make("nanmedian", ["values", "indices"])(out_v, out_i)


for _name in ["diff", "signbit", "isposinf", "isneginf", "nanmedian"]:
    setattr(Tensor, _name, globals()[_name])
