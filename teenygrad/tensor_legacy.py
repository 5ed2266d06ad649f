"""torch's older Tensor methods that code still calls: resize / resize_as (the deprecated out-of-place reshapes),
storage_type, as_subclass, output_nr, map_ / map2_ (a Python function over each element), geqrf / ormqr (LAPACK's compact QR
and a product with its Q), and lstsq / solve / eig / symeig, which torch removed (they raise its guidance)."""
import math
import numbers
import warnings

import numpy as np

from .tensor import Tensor, _gstate
from .tensor_misc import NoDerivative


# ---- resize / resize_as ------------------------------------------------------------------------------------------
def resize(self, *sizes):
    """Deprecated: self's elements in shape sizes (a view where self is contiguous), as torch's Resize."""
    warnings.warn("non-inplace resize is deprecated", stacklevel=2)
    return _resize(self, sizes, "resize")


def resize_as(self, tensor):
    warnings.warn("non-inplace resize_as is deprecated", stacklevel=2)
    return _resize(self, tuple(tensor.shape), "resize_as")


def _resize(self, sizes, op):
    if not all(isinstance(n, numbers.Integral) for n in sizes) or math.prod(sizes) != self.numel():
        raise RuntimeError(f"{op}: requested resize to {sizes}, but the given tensor has shape {tuple(self.shape)} "
                           f"({self.numel()} elements); the out-of-place resize only changes the shape of a tensor, "
                           "keeping its number of elements (sizes are ints, not a tuple)")
    return self.contiguous().view(*sizes)


# ---- storage_type / as_subclass ----------------------------------------------------------------------------------
def storage_type(self):
    return type(self.storage())


def as_subclass(self, cls):
    """self as an instance of cls (a Tensor subclass): the same memory and the same place in the graph."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"as_subclass: cls must be a subclass of Tensor, got {cls!r}")
    out = self.view_as(self)
    out.__class__ = cls
    return out


def output_nr(self):
    """This tensor's place among the outputs of the graph node that made it: split / chunk / unbind number their
    pieces as torch's one node does; a leaf, or any other op's output, is 0 (torch also numbers the outputs of
    svd, var_mean, aminmax, ...; here those are 0)."""
    return self.__dict__.get("_output_nr", 0)


# ---- map_ / map2_ ------------------------------------------------------------------------------------------------
def _map(self, others, fn, op):
    if self.requires_grad:
        raise RuntimeError(f"Can't call {op}() on a tensor that requires grad. Use t.detach().{op}() instead.")
    for o in others:
        if not isinstance(o, Tensor):
            raise TypeError(f"{op}: expected a Tensor, got {type(o).__name__}")
        if o.dtype != self.dtype:
            raise TypeError(f"{op}: expected a tensor of {self.dtype} (self's dtype), got {o.dtype}")
    try:
        args = [np.broadcast_to(o.detach().cpu().numpy(), tuple(self.shape)) for o in others]
    except ValueError:
        raise RuntimeError(f"{op}: the tensors of shapes {[tuple(o.shape) for o in others]} do not broadcast to "
                           f"self's shape {tuple(self.shape)}") from None
    mine = self.detach().cpu().numpy()
    vals = [fn(*a) for a in zip(mine.ravel().tolist(), *(a.ravel().tolist() for a in args))]
    self.copy_(Tensor._wrap(np.array(vals, mine.dtype).reshape(mine.shape)))
    return self


def map_(self, tensor, callable):
    """self[i] = callable(self[i], tensor[i]) for each element (tensor broadcast to self's shape), in place."""
    return _map(self, [tensor], callable, "map_")


def map2_(self, x, y, callable):
    """self[i] = callable(self[i], x[i], y[i]) for each element, in place."""
    return _map(self, [x, y], callable, "map2_")


# ---- geqrf / ormqr -----------------------------------------------------------------------------------------------
def geqrf(input):
    """(a, tau): LAPACK's geqrf of input (torch's keyword; Tensor.geqrf binds it), R on and above a's diagonal and the Householder vectors below it. No derivative,
    as torch."""
    from .return_types import make
    if not isinstance(input, Tensor):
        raise TypeError(f"geqrf: expected a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(f"geqrf: input must have at least 2 dimensions, got shape {tuple(input.shape)}")
    if not (input.is_floating_point() or input.is_complex()) or input.dtype.itemsize < 4 + 4 * input.is_complex():
        raise NotImplementedError(f"geqrf: not implemented for {input.dtype} (float32, float64 and complex only)")
    a = input.detach().cpu().numpy()
    m, n = a.shape[-2:]
    if a.size == 0:
        h, tau = np.zeros(a.shape, a.dtype), np.zeros(a.shape[:-2] + (min(m, n),), a.dtype)
    else:
        h, tau = np.linalg.qr(a, mode="raw")  # h is a's transpose, as Fortran holds it
        h = np.swapaxes(h, -1, -2).astype(a.dtype)
        tau = tau.astype(a.dtype)
    outs = [NoDerivative.apply(input, values=v, op="geqrf", error=NotImplementedError) if input.requires_grad and _gstate["enabled"]
            else Tensor._wrap(v) for v in (np.ascontiguousarray(h), tau)]
    return make("geqrf", ["a", "tau"])(*outs)


def ormqr(input, input2, input3, left=True, transpose=False):
    """op(Q) @ other (left) or other @ op(Q), Q = H_1 ... H_k the m x m product of the reflectors (input, tau) from
    geqrf, op(Q) = Q^H when transpose. Differentiable through linalg.householder_product."""
    from .linalg import householder_product
    from .tensor_join import cat
    tau, other = input2, input3
    for name, t in (("input", input), ("tau", tau), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"ormqr: argument '{name}' must be a Tensor, not {type(t).__name__}")
    if input.ndim < 2 or other.ndim < 2:
        raise RuntimeError(f"ormqr: input and other must have at least 2 dimensions, got shapes "
                           f"{tuple(input.shape)} and {tuple(other.shape)}")
    m, k = input.shape[-2], tau.shape[-1]
    if other.shape[-2 if left else -1] != m:
        raise RuntimeError(f"ormqr: other.shape[{-2 if left else -1}] must be equal to input.shape[-2] ({m}), got "
                           f"other of shape {tuple(other.shape)}")
    if k > min(m, input.shape[-1]):
        raise RuntimeError(f"ormqr: tau.shape[-1] ({k}) must be at most min(input.shape[-2], input.shape[-1]) "
                           f"for input of shape {tuple(input.shape)}")
    if m > k:  # the full m x m Q: the extra reflectors (tau 0) are identities
        v = cat([input[..., :k], input.new_zeros(tuple(input.shape[:-1]) + (m - k,))], -1)
        tau = cat([tau, tau.new_zeros(tuple(tau.shape[:-1]) + (m - k,))], -1)
    else:
        v = input[..., :m]
    q = householder_product(v, tau)
    if transpose:
        q = q.mH
    return q @ other if left else other @ q


# ---- removed in torch --------------------------------------------------------------------------------------------
def _removed(name):
    def method(self, *args, **kwargs):
        from . import aten_api
        return getattr(aten_api, name)(self, *args, **kwargs)
    method.__name__ = name
    return method


for _name in ("resize", "resize_as", "storage_type", "as_subclass", "map_", "map2_", "geqrf", "ormqr"):
    setattr(Tensor, _name, globals()[_name])
Tensor.output_nr = property(output_nr)
for _name in ("lstsq", "solve", "eig", "symeig"):
    setattr(Tensor, _name, _removed(_name))
