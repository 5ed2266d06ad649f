"""In-place fills: fill_diagonal_ (with a graph, a where() over the old value, as fill_), and the random fills
(uniform_, normal_, exponential_, bernoulli_), which write the tensor's own memory without one (each stamps the write,
tensor_inplace._bump, as torch moves the version counter) and refuse a leaf that requires grad outside no_grad."""
import builtins
import numpy as np
from . import dtype as dt
from .ops import elementwise as E
from ._arrays import on_device_of, to_host
from .tensor import Tensor, _gstate, _move, _shared_memory_error
from .tensor_inplace import _bump, _fill_value, _leaf_error
from .random import largest_finite


def _diagonal_index(shape, wrap):
    """The positions fill_diagonal_ writes: (i, i, ...) for every dim; a tall matrix with wrap=True starts the
    diagonal again after each block of width + 1 rows, as torch's."""
    if len(shape) < 2:
        raise RuntimeError(f"fill_diagonal_: dimensions must be larger than 1, got shape {tuple(shape)}")
    if len(shape) > 2 and len(set(shape)) > 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length, got shape "
                           f"{tuple(shape)}")
    h, w = shape[0], shape[1]
    if wrap and len(shape) == 2 and h > w + 1:
        rows = np.arange(h)
        cols = rows % (w + 1)
        keep = cols < w
        return rows[keep], cols[keep]
    i = np.arange(builtins.min(shape))
    return (i,) * len(shape)


def fill_diagonal_(self, fill_value, wrap=False):
    if isinstance(fill_value, Tensor):
        if fill_value.ndim:
            raise TypeError(f"fill_diagonal_: fill_value must be a number, not a tensor of shape {fill_value.shape}")
        fill_value = fill_value.item()
    if not isinstance(fill_value, (builtins.int, builtins.float, builtins.bool, np.number, np.bool_)):
        raise TypeError(f"fill_diagonal_: fill_value must be a number, got {type(fill_value).__name__}")
    if not isinstance(wrap, (builtins.bool, np.bool_)):
        raise TypeError(f"fill_diagonal_: wrap must be a bool, got {type(wrap).__name__}")
    index = _diagonal_index(self.shape, wrap)
    if not isinstance(fill_value, (builtins.bool, np.bool_)):
        fill_value = _fill_value(fill_value.item() if isinstance(fill_value, np.number) else fill_value,
                                 self._data.dtype, "fill_diagonal_")
    if _gstate["enabled"] and self.requires_grad:
        if self._ctx is None:
            raise RuntimeError("fill_diagonal_: a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation; wrap it in teenygrad.no_grad() or use .data")
        mask = np.zeros(self.shape, np.bool_)
        mask[index] = True
        keep = Tensor._wrap(on_device_of(self._data, mask))
        value = Tensor._wrap(on_device_of(self._data, np.asarray(fill_value, self._data.dtype)))
        # where(diagonal, value, old): the old value gets a zero gradient on the diagonal
        return self._inplace(E.Where.apply(keep, value, self._pre_inplace()), "fill_diagonal_")
    try:
        self._data[index] = fill_value
    except ValueError:  # a read-only (expanded) array
        raise _shared_memory_error("fill_diagonal_", self) from None
    _bump(self)
    return self


def _check_floating(self, op):
    if not dt.is_floating(self._data.dtype):  # the samples would be truncated to integers: torch refuses
        raise RuntimeError(f"{op}: expected a floating point tensor, got {self.dtype}")


def _write_sample(self, sample, op):
    """self <- sample (a host array of self's shape: the host RNG, any device), as torch's random fills: a leaf that
    requires grad is refused (nn.init and the optimizers fill under no_grad), a graph tensor is rebound to the
    sample (its old value gets a zero gradient), anything else takes it in its own memory, stamped."""
    from .random import cast_sample
    sample = cast_sample(sample, self._data.dtype)
    if self.requires_grad and _gstate["enabled"]:
        if self._ctx is None:
            raise _leaf_error(self, op)
        vals = on_device_of(self._data, sample.astype(self._data.dtype))
        return self._inplace(E.Piecewise.apply(self._pre_inplace(), fn=lambda x: vals), op)
    try:
        self._data[...] = _move(sample, self.device)
    except ValueError:  # a read-only (expanded) array
        raise _shared_memory_error(op, self) from None
    _bump(self)
    return self


def _draw(self, draw):
    """draw(n) placed in self's shape as torch's iterator visits its memory (random.draw_like; cupy arrays have
    numpy-style strides too)."""
    from .random import draw_like
    return draw_like(self.shape, self._data.strides, draw)


def _fill_complex(self, fill, op):
    """torch fills a complex tensor through its real view (view_as_real(self).uniform_(...)): the real and imaginary
    parts are drawn in turn, as the pairs lie in memory. fill(real_tensor) draws into a host buffer laid out as self,
    which then goes in as one sample."""
    from .ops.complex import view_as_real_array
    buf = np.empty_like(self._data) if type(self._data) is np.ndarray else np.empty(self.shape, self._data.dtype)
    fill(Tensor._wrap(view_as_real_array(buf)))
    return _write_sample(self, buf, op)


def uniform_(self, a=0.0, b=1.0, generator=None, **bounds):
    from .random import gen_of
    if bounds:  # torch's keywords: uniform_(from=-1, to=1)
        extra = sorted(set(bounds) - {"from", "to"})
        if extra:
            raise TypeError(f"uniform_() got an unexpected keyword argument {extra[0]!r}")
        a, b = bounds.get("from", a), bounds.get("to", b)
    if self._data.dtype.kind == "c":  # real and imaginary parts each uniform on [a, b)
        return _fill_complex(self, lambda real: uniform_(real, a, b, generator), "uniform_")
    _check_floating(self, "uniform_")
    if a > b:
        raise RuntimeError(f"uniform_: expects to return a [from, to) range, but found from={a} > to={b}")
    g, d = gen_of(generator), np.dtype(self._data.dtype)
    top = largest_finite(d)
    for name, v in (("from", a), ("to", b)):
        if not -top <= v <= top:
            raise RuntimeError(f"uniform_: {name}={v} is out of bounds for {self.dtype} (its largest is {top:g})")
    if b - a > top:
        raise RuntimeError(f"uniform_: expects to - from <= {top:g} (the largest {self.dtype}), but found "
                           f"to={b} and from={a}")
    return _write_sample(self, _draw(self, lambda n: g.uniform(n, d, a, b)), "uniform_")


def normal_(self, mean=0.0, std=1.0, generator=None):
    from .random import gen_of
    if std < 0:
        raise RuntimeError(f"normal_: expects std >= 0.0, but found std {std}")
    if self._data.dtype.kind == "c":  # a complex normal of variance std^2: each part mean + N(0, std^2 / 2)
        return _fill_complex(self, lambda real: normal_(real, mean, std / 2 ** 0.5, generator), "normal_")
    _check_floating(self, "normal_")
    g, d = gen_of(generator), np.dtype(self._data.dtype)
    contiguous = self._data.flags.c_contiguous
    return _write_sample(self, _draw(self, lambda n: g.normal(n, d, mean, std, contiguous)), "normal_")


def exponential_(self, lambd=1.0, generator=None):
    from .random import gen_of
    _check_floating(self, "exponential_")
    if not lambd > 0:
        raise RuntimeError(f"exponential_: expects lambda > 0.0, but found lambda={lambd}")
    g = gen_of(generator)
    return _write_sample(self, _draw(self, lambda n: g.exponential(n, lambd)), "exponential_")


def _check_probabilities(p, op):
    """torch's bernoulli refuses integer probabilities and any outside [0, 1] (nan included)."""
    if not dt.is_floating(p.dtype):
        raise NotImplementedError(f"{op}: probabilities must be a floating point tensor, got {p.dtype}")
    if p.numel() and not (0 <= p.min().item() and p.max().item() <= 1):
        raise RuntimeError(f"{op}: expects all probabilities in [0, 1], got min {p.min().item()} and max "
                           f"{p.max().item()}")


def bernoulli_(self, p=0.5, generator=None):
    from .random import gen_of, memory_order
    if self._data.dtype.kind == "c":
        raise NotImplementedError(f"bernoulli_: not implemented for complex tensors (got {self.dtype})")
    g = gen_of(generator)
    if isinstance(p, Tensor):
        _check_probabilities(p, "bernoulli_")
        try:
            probs = np.broadcast_to(to_host(p._data), self.shape)
        except ValueError:
            raise RuntimeError(f"bernoulli_: the probabilities' shape {tuple(p.shape)} does not broadcast to "
                               f"{tuple(self.shape)}") from None
        probs = probs.transpose(memory_order(self.shape, self._data.strides))  # torch pairs them in self's order
        sample = _draw(self, lambda n: g.bernoulli(n, np.ascontiguousarray(probs).ravel()))
        return _write_sample(self, sample, "bernoulli_")
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_: expects p to be in [0, 1], but got p={p}")
    return _write_sample(self, _draw(self, lambda n: g.bernoulli(n, p)), "bernoulli_")


for _name in ["fill_diagonal_", "uniform_", "normal_", "exponential_", "bernoulli_"]:
    setattr(Tensor, _name, globals()[_name])
