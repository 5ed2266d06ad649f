"""torch's top-level functions that teaching code calls and that fit nowhere else: poisson (torch's draws), the
aten-style spellings of nn.functional ops with torch's own argument orders (torch.dropout, torch.layer_norm,
torch.embedding, torch.batch_norm, torch.group_norm, torch.instance_norm), pdist, gradient (central
differences, as numpy's), empty_strided, narrow_copy, anomaly mode (NaN checks in backward); and the Tensor methods prelu,
hardshrink, narrow_copy, apply_.
nn.functional loads on first call, so `import teenygrad` stays fast."""
import functools
import numbers
import warnings

import numpy as np
from . import dtype as dt
from ._arrays import on_device_of
from .random import gen_of
from .tensor import Tensor, _norm_dims
from .tensor_join import cat
from .tensor_misc import DistAbs, NoDerivative, ZeroGrad, pnorm_last
from .tensor_ops import _method


def _check_tensor(x, op, what="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: argument '{what}' must be a Tensor, not {type(x).__name__}")


# ---- poisson ----------------------------------------------------------------------------------------
def poisson(input, generator=None):
    """A Poisson count for each rate of input (same shape and dtype), torch's CPU draws one after another in C
    order from generator (or the default one). The output follows input in the graph with a zero gradient."""
    _check_tensor(input, "poisson")
    if not dt.is_floating(input.dtype):
        raise RuntimeError(f"poisson: expected a floating point tensor of rates, got {input.dtype}")
    draws = gen_of(generator).poisson(input.detach().cpu().numpy()).reshape(input.shape).astype(input.dtype)
    return ZeroGrad.apply(input, values=on_device_of(input._data, draws))  # torch: a zero gradient


def binomial(count, prob, generator=None):
    """A Binomial(count, prob) draw for each element of count (prob broadcasts to its shape), torch's CPU draws in
    C order from generator (or the default one). Float32 and float64 only, as torch; the output stays in the graph
    but, as torch, has no derivative."""
    _check_tensor(count, "binomial", "count")
    _check_tensor(prob, "binomial", "prob")
    if not dt.is_floating(count.dtype):
        raise ValueError(f"binomial: only floating-point dtypes are supported for count, got {count.dtype}")
    if count.dtype not in (dt.float32, dt.float64):
        raise NotImplementedError(f"binomial: not implemented for {count.dtype} (float32 and float64 only)")
    if prob.dtype != count.dtype:
        raise RuntimeError(f"binomial: prob's dtype {prob.dtype} differs from count's {count.dtype}")
    from .random_binomial import sample
    c = count.detach().cpu().numpy()
    try:
        p = np.broadcast_to(prob.detach().cpu().numpy(), c.shape)
    except ValueError:
        raise RuntimeError(f"binomial: prob of shape {tuple(prob.shape)} does not broadcast to count's shape "
                           f"{tuple(count.shape)}") from None
    draws = sample(gen_of(generator), c, p, c.dtype).reshape(c.shape)
    return NoDerivative.apply(count, prob, values=on_device_of(count._data, draws), op="binomial")


# ---- torch's top-level (aten) spellings of nn.functional ops ------------------------------------------
def _F():
    from .nn import functional
    return functional


def dropout(input, p, train):
    if not 0 <= p <= 1:  # torch.dropout raises RuntimeError here, nn.functional.dropout ValueError
        raise RuntimeError(f"dropout: probability has to be between 0 and 1, but got {p}")
    return _F().dropout(input, p, train)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return _F().group_norm(input, num_groups, weight, bias, eps)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """The weight rows at indices: weight first, and a negative padding_idx means none (aten's convention)."""
    if isinstance(indices, Tensor) and indices.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected integer indices (Long/Int), got {indices.dtype}")
    return _F().embedding(indices, weight, None if padding_idx < 0 else padding_idx,
                          scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


@_method
def prelu(self, weight):
    return _F().prelu(self, weight)


@_method
def hardshrink(self, lambd=0.5):
    return _F().hardshrink(self, lambd)


# ---- pdist ------------------------------------------------------------------------------------------
def pdist(input, p=2):
    """The p-norm distance between each pair of rows i < j of a 2-D input, as a 1-D tensor in row-major order of
    the pairs (the upper triangle of cdist(input, input)); the gradient at a zero distance is 0, as torch's."""
    _check_tensor(input, "pdist")
    if input.ndim != 2:
        raise RuntimeError(f"pdist: only supports 2D tensors, got {input.ndim}D (shape {tuple(input.shape)})")
    if not dt.is_floating(input.dtype):
        raise RuntimeError(f"pdist: only supports floating-point dtypes, got {input.dtype}")
    if p < 0:
        raise RuntimeError(f"pdist: only supports non-negative p values, got {p}")
    i, j = (Tensor._from_data(k, device=input.device) for k in np.triu_indices(input.shape[0], 1))
    d = DistAbs.apply(input.index_select(0, i) - input.index_select(0, j))
    return pnorm_last(d, p)._named("PdistBackward0")  # torch's one node, as print(y) shows it


# ---- gradient ---------------------------------------------------------------------------------------
def _part(x, d, start, stop):
    return x[(slice(None),) * d + (slice(start, stop),)]


def _along_uniform(f, d, h, edge_order):
    """torch's gradient_helper_float: central differences with spacing h, one-sided ones at the ends."""
    center = (_part(f, d, 2, None) - _part(f, d, 0, -2)) / h / 2
    if edge_order == 1:
        first = (_part(f, d, 1, 2) - _part(f, d, 0, 1)) / h
        last = (_part(f, d, -1, None) - _part(f, d, -2, -1)) / h
    else:
        first = (_part(f, d, 0, 1) * -1.5 + _part(f, d, 1, 2) * 2 - _part(f, d, 2, 3) * 0.5) / h
        last = (_part(f, d, -3, -2) * 0.5 + _part(f, d, -2, -1) * -2 + _part(f, d, -1, None) * 1.5) / h
    return cat([first, center, last], d)


def _along_coordinates(f, d, x, edge_order):
    """torch's gradient_helper: second-order differences for samples at coordinates x (numpy's formulas)."""
    shape = [-1 if k == d else 1 for k in range(f.ndim)]
    dx = x.diff()
    dx1, dx2 = dx[:-1], dx[1:]
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * _part(f, d, 0, -2) + b * _part(f, d, 1, -1) + c * _part(f, d, 2, None)
    if edge_order == 1:
        first = (_part(f, d, 1, 2) - _part(f, d, 0, 1)) / dx[0]
        last = (_part(f, d, -1, None) - _part(f, d, -2, -1)) / dx[-1]
    else:
        a = -(2.0 * dx[0] + dx[1]) / (dx[0] * (dx[0] + dx[1]))
        b = (dx[0] + dx[1]) / (dx[0] * dx[1])
        c = -dx[0] / (dx[1] * (dx[0] + dx[1]))
        first = a * _part(f, d, 0, 1) + b * _part(f, d, 1, 2) + c * _part(f, d, 2, 3)
        a = dx[-1] / (dx[-2] * (dx[-1] + dx[-2]))
        b = -(dx[-1] + dx[-2]) / (dx[-1] * dx[-2])
        c = (2 * dx[-1] + dx[-2]) / (dx[-1] * (dx[-1] + dx[-2]))
        last = a * _part(f, d, -3, -2) + b * _part(f, d, -2, -1) + c * _part(f, d, -1, None)
    return cat([first, center, last], d)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """The derivative of the sampled function input along each dim in dim (all by default), one tensor per dim:
    central differences inside, one-sided ones (edge_order 1 or 2) at the ends. spacing: a number (the same
    step for every dim), a list of numbers (a step per dim) or a list of 1-D tensors (the sample coordinates
    along each dim)."""
    _check_tensor(input, "gradient")
    if edge_order not in (1, 2):
        raise RuntimeError(f"gradient: only supports edge_order=1 and edge_order=2, got {edge_order}")
    dims = _norm_dims([dim] if isinstance(dim, int) else dim, input.ndim, "gradient")
    if isinstance(spacing, Tensor) and spacing.ndim == 0:
        spacing = spacing.item()
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            raise RuntimeError(f"gradient: spacing must be a number or a list with one entry per dim "
                               f"({len(dims)}), got a list of length {len(spacing)}")
    elif isinstance(spacing, numbers.Number):
        spacing = [spacing] * len(dims)
    else:
        raise TypeError(f"gradient: spacing must be a number or a list of numbers or tensors, got {spacing!r}")
    out = []
    for d, h in zip(dims, spacing):
        n = input.shape[d]
        if n < edge_order + 1:
            raise RuntimeError(f"gradient: expected each dimension size to be at least edge_order+1 "
                               f"({edge_order + 1}), got size {n} along dim {d} (shape {tuple(input.shape)})")
        if isinstance(h, Tensor):
            if h.ndim != 1 or h.shape[0] != n:
                raise RuntimeError(f"gradient: the coordinates for dim {d} must be a 1-D tensor of its size {n}, "
                                   f"got shape {tuple(h.shape)}")
            out.append(_along_coordinates(input, d, h, edge_order))
        elif isinstance(h, numbers.Number):
            out.append(_along_uniform(input, d, h, edge_order))
        else:
            raise TypeError(f"gradient: each entry of spacing must be a number or a 1-D tensor, got {h!r}")
    return tuple(out)


# ---- empty_strided and narrow_copy ------------------------------------------------------------------
def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor of `size` whose elements lie `stride` apart in a fresh buffer (zeros; torch leaves it
    uninitialized), in dtype (the default float unless given)."""
    from .tensor_extra_ops import strided_zeros
    return strided_zeros("empty_strided", size, stride, dtype or dt._default_float, device, requires_grad)


@_method
def narrow_copy(self, dim, start, length):
    """self.narrow(dim, start, length) in new, contiguous memory."""
    return self.narrow(dim, start, length).clone().contiguous()


def narrow_copy_fn(input, dim, start, length):
    _check_tensor(input, "narrow_copy")
    return input.narrow_copy(dim, start, length)


# ---- anomaly mode -----------------------------------------------------------------------------------
_anomaly = {"enabled": False, "check_nan": True}


def is_anomaly_enabled():
    return _anomaly["enabled"]


def is_anomaly_check_nan_enabled():
    return _anomaly["check_nan"]


def set_anomaly_enabled(mode, check_nan=True):
    """Anomaly mode: with check_nan, every backward (create_graph's too) checks each node's gradients and raises
    torch's "Function 'SqrtBackward0' returned nan values in its 0th output." RuntimeError. Unlike torch it records
    no forward traces."""
    _anomaly["enabled"], _anomaly["check_nan"] = bool(mode), bool(check_nan)
    _sync_anomaly()


def _sync_anomaly():
    """the engine's flag (autograd.grad_mode._state["anomaly"]) from _anomaly"""
    from .autograd import grad_mode
    grad_mode._state["anomaly"] = _anomaly["enabled"] and _anomaly["check_nan"]


class set_detect_anomaly:
    """torch.autograd.set_detect_anomaly(mode): set at once (a plain call works); a `with` block restores the old
    mode at its end. See set_anomaly_enabled."""
    def __init__(self, mode, check_nan=True):
        self.prev = dict(_anomaly)
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _anomaly.update(self.prev)
        _sync_anomaly()
        return False


class detect_anomaly:
    """torch.autograd.detect_anomaly(): `with` block (or decorator) in anomaly mode (see set_anomaly_enabled)."""
    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self.prev = dict(_anomaly)
        set_anomaly_enabled(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _anomaly.update(self.prev)
        _sync_anomaly()
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapped


# ---- apply_ -----------------------------------------------------------------------------------------
@_method
def apply_(self, callable):
    """Each element replaced by callable(element) (a Python number in, a number out), in place: one Python call per
    element, as torch's. CPU only, and never on a tensor that requires grad (torch refuses both)."""
    if self.requires_grad:
        raise RuntimeError("apply_: can't call apply_() on a tensor that requires grad; use x.detach().apply_() "
                           "instead")
    a = self._data
    if type(a) is not np.ndarray:
        raise TypeError(f"apply_: only implemented on CPU tensors, got a tensor on {self.device}")
    out = [callable(v) for v in a.ravel().tolist()]
    for v in out:
        if not isinstance(v, numbers.Number):
            raise TypeError(f"apply_: the callable must return a real number, got {type(v).__name__}")
    from .tensor_inplace import _bump
    a[...] = np.array(out).reshape(a.shape)  # cast to a's dtype as torch does (floats truncate into ints)
    _bump(self)
    return self
