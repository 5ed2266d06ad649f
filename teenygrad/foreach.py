"""torch._foreach_*: one op over a list of tensors (EMA updates and hand-written optimizers call them). torch fuses
the loop into few kernels; teenygrad runs it tensor by tensor through the ordinary Tensor methods, so dtype rules,
the leaf-in-place check and version counters are theirs. The second operand follows torch's overloads: a number,
a list of numbers, a list of tensors, or (add, sub, mul, div) one tensor shared by every element.
teenygrad.__getattr__ loads this module on the first torch._foreach_* read."""
import numbers
from .tensor import Tensor


def _check_list(op, tensors):
    if not isinstance(tensors, (list, tuple)) or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{op}: expected a list of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{op}: Tensor list must have at least one tensor.")


def _per_tensor(op, tensors, other, what="other"):
    """The second operand spread over the list: one entry per tensor."""
    n = len(tensors)
    if isinstance(other, (list, tuple)):
        if len(other) != n:
            raise RuntimeError(f"{op}: Tensor lists must have the same number of tensors, got {n} and {len(other)} "
                               f"({what})")
        if not all(isinstance(o, (Tensor, numbers.Number)) for o in other):
            raise TypeError(f"{op}: {what} must hold tensors or numbers, got "
                            f"{sorted({type(o).__name__ for o in other})}")
        return list(other)
    if isinstance(other, (Tensor, numbers.Number)):
        return [other] * n
    raise TypeError(f"{op}: {what} must be a number, a list of numbers or tensors, or a tensor, got "
                    f"{type(other).__name__}")


def _scalars(op, tensors, value):
    """addcmul / addcdiv's value: a number, a list of numbers, or a 1-D tensor holding one number per tensor."""
    if isinstance(value, Tensor):
        if value.ndim != 1 or value.shape[0] != len(tensors):
            raise RuntimeError(f"{op}: scalars tensor must be 1-D with {len(tensors)} elements, got shape "
                               f"{tuple(value.shape)}")
        return value.tolist()
    vals = _per_tensor(op, tensors, value, "scalars")
    if any(isinstance(v, Tensor) for v in vals):
        raise TypeError(f"{op}: scalars must be numbers (or one 1-D tensor of them)")
    return vals


def _binary(name, method, inplace):
    op = f"_foreach_{name}{'_' if inplace else ''}"

    def fn(self, other, *, alpha=None):
        _check_list(op, self)
        others = _per_tensor(op, self, other)
        kw = {} if alpha is None else {"alpha": alpha}
        out = [getattr(t, method)(o, **kw) for t, o in zip(self, others)]
        return list(self) if inplace else out
    fn.__name__ = op
    return fn


def _unary(name, method, inplace):
    op = f"_foreach_{name}{'_' if inplace else ''}"

    def fn(self):
        _check_list(op, self)
        out = [getattr(t, method)() for t in self]
        return list(self) if inplace else out
    fn.__name__ = op
    return fn


def _pointwise(name, inplace):
    op = f"_foreach_{name}{'_' if inplace else ''}"
    method = name + ("_" if inplace else "")

    def fn(self, tensor1, tensor2, value=1):
        _check_list(op, self)
        t1, t2 = _per_tensor(op, self, tensor1, "tensor1"), _per_tensor(op, self, tensor2, "tensor2")
        vals = _scalars(op, self, value)
        out = [getattr(t, method)(a, b, value=v) for t, a, b, v in zip(self, t1, t2, vals)]
        return list(self) if inplace else out
    fn.__name__ = op
    return fn


def _lerp(inplace):
    op = f"_foreach_lerp{'_' if inplace else ''}"

    def fn(self, tensors1, weight):
        _check_list(op, self)
        ends = _per_tensor(op, self, tensors1, "tensors1")
        weights = _per_tensor(op, self, weight, "weight")
        out = [getattr(t, "lerp_" if inplace else "lerp")(e, w) for t, e, w in zip(self, ends, weights)]
        return list(self) if inplace else out
    fn.__name__ = op
    return fn


def _extremum(name, inplace):
    """maximum / minimum with a tensor, or clamp_min / clamp_max with a number (torch's scalar overloads); Tensor
    has no maximum_, so the in-place forms copy the result back."""
    op = f"_foreach_{name}{'_' if inplace else ''}"
    clamp = "clamp_min" if name == "maximum" else "clamp_max"

    def fn(self, other):
        _check_list(op, self)
        out = [getattr(t, name)(o) if isinstance(o, Tensor) else getattr(t, clamp)(o)
               for t, o in zip(self, _per_tensor(op, self, other))]
        if not inplace:
            return out
        for t, o in zip(self, out):
            t.copy_(o)
        return list(self)
    fn.__name__ = op
    return fn


def _foreach_pow(self, exponent):
    """Each tensor to a power (a number, or one per tensor), or a number raised to each tensor: pow(2.0, tensors)."""
    if isinstance(self, numbers.Number):
        _check_list("_foreach_pow", exponent)
        return [t.__rpow__(self) for t in exponent]
    return _binary("pow", "pow", False)(self, exponent)


def _foreach_max(self):
    """One 0-d tensor per input: its largest element."""
    _check_list("_foreach_max", self)
    return [t.max() for t in self]


def _foreach_clone(self):
    _check_list("_foreach_clone", self)
    return [t.clone() for t in self]


def _foreach_norm(self, ord=2, dtype=None):
    """One 0-d tensor per input: its vector norm of order ord (2, 1, inf, ...)."""
    from .linalg import vector_norm
    _check_list("_foreach_norm", self)
    return [vector_norm(t, ord, dtype=dtype) for t in self]


def _foreach_copy_(self, src, non_blocking=False):
    _check_list("_foreach_copy_", self)
    srcs = _per_tensor("_foreach_copy_", self, src, "src")
    for t, s in zip(self, srcs):
        t.copy_(s)
    return list(self)


def _foreach_zero_(self):
    _check_list("_foreach_zero_", self)
    for t in self:
        t.zero_()
    return list(self)


for _name in ("add", "sub", "mul", "div", "pow", "clamp_min", "clamp_max"):
    for _inplace in (False, True):
        _f = _binary(_name, _name + ("_" if _inplace else ""), _inplace)
        globals().setdefault(_f.__name__, _f)  # _foreach_pow above also takes a number as its base
for _name in ("sqrt", "rsqrt", "neg", "abs", "exp", "expm1", "log", "log1p", "log2", "log10", "sign", "reciprocal",
              "sigmoid", "tanh", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "erf", "erfc", "lgamma",
              "ceil", "floor", "round", "trunc", "frac"):
    for _inplace in (False, True):
        _f = _unary(_name, _name + ("_" if _inplace else ""), _inplace)
        globals()[_f.__name__] = _f
for _name in ("maximum", "minimum"):
    for _inplace in (False, True):
        _f = _extremum(_name, _inplace)
        globals()[_f.__name__] = _f
for _name in ("addcmul", "addcdiv"):
    for _inplace in (False, True):
        _f = _pointwise(_name, _inplace)
        globals()[_f.__name__] = _f
for _inplace in (False, True):
    _f = _lerp(_inplace)
    globals()[_f.__name__] = _f
del _name, _inplace, _f

NAMES = frozenset(n for n in globals() if n.startswith("_foreach_"))
