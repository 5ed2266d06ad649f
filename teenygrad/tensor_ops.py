"""Tensor methods for elementwise math. Each checks its arguments (errors name the op and the values) and
applies one Function from teenygrad.ops. Reductions live in tensor_reduce, movement in tensor_movement (joining
and splitting in tensor_join), products in tensor_products, indexing and sampling in tensor_index, sorting and
order statistics in tensor_sort (all imported at the end, so `import teenygrad` attaches every method)."""
import builtins
import numbers
import numpy as np
from . import dtype as dt
from .autograd import grad_mode
from .ops import elementwise as E, special as S, activation as A, complex as C
from .ops.unary import _sign0
from .tensor import Tensor, _check_modulo
from .tensor_inplace import _check_cast_first

_gstate = grad_mode._state


def _method(fn):
    setattr(Tensor, fn.__name__, fn)
    return fn


# ---- elementwise math -------------------------------------------------------------------------------
def _float_unary(name, fn_cls):
    complex_cls = C.UNARY.get(name)  # the complex function and its conjugated derivative (ops/complex.py)

    def op(self):
        d = self._data.dtype  # kind == "f" first: the common case without a call
        if d.kind == "f" or dt.is_floating(d):
            return fn_cls.apply(self)
        if d.kind == "c":
            if complex_cls is None:  # erf: torch has no complex kernel either
                raise NotImplementedError(f"{name}: not implemented for complex tensors (got {d})")
            return complex_cls.apply(self)
        return fn_cls.apply(self._cast(dt._default_float))
    op.__name__ = name
    op.__doc__ = fn_cls.__doc__
    setattr(Tensor, name, op)


for _name, _cls in [("exp", E.Exp), ("log", E.Log), ("log2", E.Log2), ("log10", E.Log10), ("log1p", E.Log1p),
                    ("expm1", E.Expm1), ("sqrt", E.Sqrt), ("rsqrt", E.Rsqrt), ("sin", E.Sin), ("cos", E.Cos),
                    ("tan", E.Tan), ("sinh", E.Sinh), ("cosh", E.Cosh), ("tanh", E.Tanh), ("sigmoid", E.Sigmoid), ("reciprocal", E.Reciprocal), ("erf", S.Erf)]:
    _float_unary(_name, _cls)


def _float_input(x, op):
    """The activations torch computes for floating tensors only (silu, gelu, softplus): no silent int -> float."""
    d = x._data.dtype
    if d.kind == "f" or dt.is_floating(d):
        return x
    raise NotImplementedError(f"{op}: not implemented for {d} tensors (floating point only)")


@_method
def silu(self):
    return A.Silu.apply(_float_input(self, "silu"))


_CAST_FIRST = {"floor_divide", "remainder", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
               "bitwise_right_shift"}  # binary ops whose own dtype errors torch's in-place cast check comes before


def _inplace_variant(name):
    check = name in _CAST_FIRST

    def op(self, *args, **kwargs):
        if check and args:
            _check_cast_first(self, args[0], name + "_")
        if kwargs.get("dtype") is not None and dt.to_dtype(kwargs["dtype"]) != self._data.dtype:  # cumsum_(dtype=)
            raise RuntimeError(f"{name}_: Bad in-place call: input tensor dtype {self.dtype} and output tensor dtype "
                               f"{dt.to_dtype(kwargs['dtype'])} should match")
        return self._inplace(getattr(self._pre_inplace(), name)(*args, **kwargs), name + "_")
    op.__name__ = name + "_"
    setattr(Tensor, name + "_", op)


for _name in ["log", "sqrt", "tanh", "sigmoid", "relu", "neg", "abs", "reciprocal"]:  # exp_: tensor_inplace_math.py
    _inplace_variant(_name)
_abs_inplace = Tensor.abs_


def _abs_(self):
    if self._data.dtype.kind == "c":  # |z| is real: it can't be written back into the complex tensor
        raise RuntimeError(f"abs_: in-place abs is not supported for complex tensors (got {self.dtype})")
    return _abs_inplace(self)


Tensor.abs_ = _abs_


@_method
def relu(self):
    if self._data.dtype.kind == "b":
        raise RuntimeError("relu: Boolean inputs not supported for relu")
    return A.Relu.apply(self)


@_method
def gelu(self, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return A.Gelu.apply(_float_input(self, "gelu"), approximate=approximate)


@_method
def softplus(self, beta=1.0, threshold=20.0):
    return A.Softplus.apply(_float_input(self, "softplus"), beta=beta, threshold=threshold)


@_method
def abs(self):
    if self._data.dtype.kind == "b":
        raise NotImplementedError("abs: not implemented for bool tensors")
    return E.Abs.apply(self)


def _piecewise(name, fn):
    def op(self):
        if self._data.dtype.kind == "b":  # torch: sign keeps a bool tensor as it is, the rest refuse one
            if name == "sign":
                return self.clone()
            raise NotImplementedError(f"{name}: not implemented for bool tensors")
        return E.Piecewise.apply(self, fn=fn)._named(torch_name)
    op.__name__, torch_name = name, name.capitalize() + "Backward0"
    setattr(Tensor, name, op)


# (sign: np.sign with sign(NaN) = 0, as torch's (0 < x) - (x < 0))
for _name, _fn in [("sign", _sign0), ("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc)]:
    _piecewise(_name, _fn)


@_method
def round(self, decimals=0):
    if self._data.dtype.kind == "b":
        raise NotImplementedError("round: not implemented for bool tensors")
    name = "RoundBackward1" if decimals else "RoundBackward0"
    if decimals and self._data.itemsize == 2 and self._data.dtype.kind in "fV":  # float16/bfloat16: x 10^d in
        return E.Piecewise.apply(self, fn=lambda x: np.round(x.astype(np.float32), decimals).astype(x.dtype))._named(
            name)  # float32
    return E.Piecewise.apply(self, fn=lambda x: np.round(x, decimals))._named(name)  # half to even, as torch


@_method
def square(self):
    x = self._cast(dt.int64) if self._data.dtype.kind == "b" else self  # torch: bool squares to int64
    return (x * x)._named("PowBackward0")


@_method
def clamp(self, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if min is not None and type(min) is not float and type(min) is not int:
        _check_bound(self, min, "min")
    if max is not None and type(max) is not float and type(max) is not int:
        _check_bound(self, max, "max")
    x = self
    # the bounds take part in the result dtype, as a binary op's operand would (Python numbers can't change a
    # float tensor's dtype: skip the promotion there)
    for b in ((min, max) if self._data.dtype.kind != "f" or isinstance(min, Tensor) or isinstance(max, Tensor)
              else ()):
        if b is not None:
            bd, bn = (b.dtype, b.ndim) if isinstance(b, Tensor) else (dt.scalar_dtype(b), -1)
            rt = dt.result_type(x.dtype, self.ndim, bd, bn)
            if rt != x.dtype:
                x = x._cast(rt)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo, hi = (b._cast(x.dtype) if isinstance(b, Tensor) else
                  Tensor._from_data(np.asarray(_extreme(x.dtype, i) if b is None else b, x.dtype), device=self.device)
                  for i, b in enumerate((min, max)))
        return E.ClampT.apply(x, lo, hi)
    if x._data.dtype.kind == "b":  # bool number bounds on a bool tensor: torch has no bool clamp-by-scalar kernel
        raise NotImplementedError(f"clamp: not implemented for bool tensors with number bounds (min={min!r}, "
                                  f"max={max!r})")
    lo = None if min is None else _bound(min, x.dtype)
    hi = None if max is None else _bound(max, x.dtype)
    return E.Clamp.apply(x, lo=lo, hi=hi)


def _check_bound(self, b, name):
    """A clamp bound is a real number or a tensor: numpy would turn '1' or [1] into one silently."""
    if not isinstance(b, (Tensor, numbers.Number, np.number, np.bool_)):
        raise TypeError(f"clamp: argument '{name}' must be a number or a Tensor, not {type(b).__name__} ({b!r})")
    if isinstance(b, (complex, np.complexfloating)):  # torch: a float tensor can't take it, an integer one refuses
        cls = RuntimeError if self._data.dtype.kind in "fV" else NotImplementedError
        raise cls(f"clamp: {name}={b!r} is complex: clamp is not supported for complex types")


def _bound(b, dtype):
    if dtype.kind in "iu":  # torch's range check (uint8 takes -255..-1 and wraps them), numpy's refuses or wraps
        lo, hi = dt.int_range(dtype)
        if not lo <= b <= hi:
            raise RuntimeError(f"clamp: bound {b} is out of range for a {dtype} tensor")
        return np.asarray(b).astype(dtype)[()]
    return dtype.type(b)


def _extreme(dtype, upper):
    """The bound that clamps nothing: -inf / +inf, or the integer type's limits."""
    if dt.is_floating(dtype):
        return np.inf if upper else -np.inf
    if dtype.kind == "b":
        return upper
    info = np.iinfo(dtype)
    return info.max if upper else info.min


Tensor.clip = Tensor.clamp


@_method
def fmod(self, other):
    """C's fmod: the remainder takes the sign of self (remainder / % take the sign of other)."""
    a, b = self._other(other, "fmod")
    _check_modulo(a, b, "fmod")
    out = E.Fmod.apply(a, b)
    return out._named("FmodBackward1") if isinstance(other, Tensor) else out  # Backward0: fmod by a number


@_method
def maximum(self, other):
    if not isinstance(other, Tensor):  # torch has no number overload here (clamp takes one)
        raise _not_tensor("maximum", other)
    a, b = self._other(other, "maximum")
    return E.Maximum.apply(a, b)


@_method
def minimum(self, other):
    if not isinstance(other, Tensor):  # torch has no number overload here (clamp takes one)
        raise _not_tensor("minimum", other)
    a, b = self._other(other, "minimum")
    return E.Minimum.apply(a, b)


def where(condition, input=None, other=None):
    """where(c, x, y): x where c is true else y; x and y broadcast and promote like a binary op.
    where(c) alone is c.nonzero(as_tuple=True), as in torch."""
    x, y = input, other  # torch's keyword names; x and y below
    if x is None and y is None:
        return condition.nonzero(as_tuple=True)
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {c.dtype}")
    ct = condition if isinstance(condition, Tensor) else Tensor._wrap(c)  # the tensor itself: a later write shows
    for t, n in ((x, y), (y, x)):  # a number beside an integer tensor takes its dtype: it must fit (no wrapping)
        if isinstance(n, builtins.int) and not isinstance(n, builtins.bool) and isinstance(t, Tensor) and \
                t._data.dtype.kind in "iu":
            lo, hi = dt.int_range(t._data.dtype)
            if not lo <= n <= hi:
                raise RuntimeError(f"where: value {n} cannot be converted to {t.dtype} without overflow")
    if not isinstance(x, Tensor):
        if not isinstance(y, Tensor):  # two numbers: made on the condition's device
            x = Tensor._from_data(x) if type(c) is np.ndarray else Tensor._from_data(x, device=ct.device)
        else:
            y, x = y._other(x, "where")
            return E.Where.apply(ct, x, y)
    x, y = x._other(y, "where")
    try:
        np.broadcast_shapes(c.shape, x.shape, y.shape)
    except ValueError:
        raise RuntimeError(f"where: shapes of condition {c.shape}, x {x.shape} and y {y.shape} "
                           "can't be broadcast together") from None
    return E.Where.apply(ct, x, y)


def _where_method(self, condition, other):
    """x.where(c, y) is where(c, x, y), as in torch."""
    return where(condition, self, other)


Tensor.where = _where_method


# ---- composites: a few more torch names built from the differentiable ops above -------------------------
@_method
def logaddexp(self, other):
    """log(e^a + e^b) without overflow: max(a, b) + log1p(e^-|a - b|); a = b (infinite ones too: -inf - -inf is
    NaN) gives a + log 2, as torch's"""
    if not isinstance(other, Tensor):
        raise _not_tensor("logaddexp", other)
    return _logaddexp(*self._other(other, "logaddexp"))._named("LogaddexpBackward0")  # torch's one node


def _logaddexp(a, b):
    if a._data.dtype.kind == "c":  # torch's complex helper: the operand with the larger real part first (b on a
        first = a.real > b.real    # tie), and its special cases: both real parts -inf give b, both +inf
        m, n = where(first, a, b), where(first, b, a)  # log(e^a + e^b), a NaN anywhere NaN
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            out = m + (n - m).exp().log1p()
            both = (a.real == b.real) & a.real.isinf()
            if both.any():
                out = where(both & (a.real < 0), b, where(both, (a.exp() + b.exp()).log(), out))
        nan = a.isnan() | b.isnan()
        return where(nan, complex(np.nan, np.nan), out) if nan.any() else out
    if not dt.is_floating(a.dtype):
        raise NotImplementedError(f"logaddexp: not implemented for {a.dtype} operands (floating point only)")
    low = a._data.dtype if a._data.dtype.itemsize < 4 else None
    if low is not None:  # float16 / bfloat16: computed in float32 and rounded once, as torch (each op's rounding
        a, b = a._cast(dt.float32), b._cast(dt.float32)  # left bfloat16's 1.5 logaddexp 1.0 1 ulp off)
    d = where(a == b, 0.0, a - b)  # the unused branch's gradient is a plain 0 (a - b's backward multiplies nothing)
    out = a.maximum(b) + (-d.abs()).exp().log1p()
    return out if low is None else out._cast(low)


@_method
def log_sigmoid(self):
    return -(-_float_input(self, "log_sigmoid")).softplus()


@_method
def lerp(self, end, weight):
    """self + weight (end - self), as torch: from end's side for |weight| >= 0.5 (end - (end - self)(1 - weight)),
    so weight 1 gives end exactly and an infinite self doesn't turn the far end NaN."""
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp(): argument 'end' must be Tensor, not {type(end).__name__}")
    if not dt.is_floating(self._data.dtype) and self._data.dtype.kind != "c":
        raise NotImplementedError(f"lerp: not implemented for {self.dtype} tensors (floating point only)")
    if isinstance(weight, (complex, np.complexfloating)) and self._data.dtype.kind != "c":
        raise RuntimeError(f"lerp: weight {weight} is complex and can't be converted to {self.dtype}")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != self._data.dtype:
            raise RuntimeError(f"lerp: expected dtype {self.dtype} for `{name}` but got dtype {t.dtype}")
    if isinstance(weight, Tensor):  # one node: a where of both branches sent 0 * inf = NaN to the weight
        return E.Lerp.apply(self, end, weight)._named("LerpBackward1")  # torch: ...0 for a number weight
    if self._data.itemsize == 2:  # float16/bfloat16: in float32, rounded once, as torch's kernel
        return self._cast(dt.float32).lerp(end._cast(dt.float32), weight)._cast(self.dtype)._named("LerpBackward0")
    d = end - self
    out = self + d * weight if builtins.abs(weight) < 0.5 else end - d * (1 - weight)
    return out._named("LerpBackward0")  # torch's one node, as print(y) shows it


@_method
def frac(self):
    if not dt.is_floating(self._data.dtype):
        raise NotImplementedError(f"frac: not implemented for {self.dtype} tensors (floating point only)")
    return (self - self.trunc())._named("FracBackward0")


@_method
def addcmul(self, tensor1, tensor2, value=1):
    out, value = _check_addc_value(self, tensor1, tensor2, value, "addcmul")
    if out.itemsize == 2 and out.kind in "fV":  # float16/bfloat16: in float32, rounded once, as torch
        out = _in_float32(self, out).addcmul(_in_float32(tensor1, out), _in_float32(tensor2, out), value)._cast(out)
        return out._named("AddcmulBackward0")
    # the factors are cast to the three operands' result dtype before they multiply, as torch (float32 factors
    # beside a float64 input multiply in float64; bool * bool * value stays in that dtype, not int64)
    t = _addc_operand(tensor1, out) * _addc_operand(tensor2, out)
    return (self + t * value if value != 1 else self + t)._named("AddcmulBackward0")  # torch's one node


@_method
def addcdiv(self, tensor1, tensor2, value=1):
    _check_addc_tensors(tensor1, tensor2, "addcdiv")
    if dt._category(tensor1._data.dtype) < 2 and dt._category(tensor2._data.dtype) < 2:  # complex divides truly
        raise RuntimeError(f"addcdiv: integer division with addcdiv is not supported ({tensor1.dtype} / "
                           f"{tensor2.dtype}); use (input + value * (tensor1 / tensor2)) for a true division")
    out, value = _check_addc_value(self, tensor1, tensor2, value, "addcdiv")
    if out.itemsize == 2 and out.kind in "fV":  # (as addcmul)
        out = _in_float32(self, out).addcdiv(_in_float32(tensor1, out), _in_float32(tensor2, out), value)._cast(out)
        return out._named("AddcdivBackward0")
    tensor1, tensor2 = _addc_operand(tensor1, out), _addc_operand(tensor2, out)  # divide in the result dtype
    out = self + tensor1 / tensor2 * value if value != 1 else self + tensor1 / tensor2
    return out._named("AddcdivBackward0")  # torch's one node


def _addc_operand(t, out):
    return t if t._data.dtype == out else t._cast(out)


def _in_float32(t, out):
    """An operand of a float16/bfloat16 result, rounded to that dtype first as torch casts its operands, then
    widened to compute in."""
    return _addc_operand(t, out)._cast(dt.float32)


def _check_addc_tensors(tensor1, tensor2, op):
    for name, t in (("tensor1", tensor1), ("tensor2", tensor2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")


def _check_addc_value(self, tensor1, tensor2, value, op):
    """The result dtype and the value as it takes it, after refusing what torch refuses (bool results, a value the
    result dtype can't hold)."""
    _check_addc_tensors(tensor1, tensor2, op)
    # the result's dtype decides (a bool input beside float tensors gives a float result)
    out = dt.result_type(self.dtype, self.ndim, dt.result_type(tensor1.dtype, tensor1.ndim, tensor2.dtype,
                                                                   tensor2.ndim), max(tensor1.ndim, tensor2.ndim))
    if out.kind == "b":
        raise NotImplementedError(f"{op}: not implemented for bool tensors ({self.dtype}, {tensor1.dtype}, "
                                  f"{tensor2.dtype}), as torch")
    if value == 1:
        return out, value
    if isinstance(value, (complex, np.complexfloating)) and out.kind != "c":
        raise RuntimeError(f"{op}: value {value} is complex and can't be converted to the result dtype {out}")
    if out.kind in "iu" and not isinstance(value, (builtins.bool, np.bool_)):
        # torch truncates a fractional value toward zero on integer results (value=0.5 adds 0), and refuses one
        # outside the dtype's range
        # (an unsigned result takes a negative integer down to -max, wrapped, as torch's overflow check allows)
        info = np.iinfo(out)
        low = -info.max if out.kind == "u" and isinstance(value, (builtins.int, np.integer)) else info.min
        if not (np.isfinite(value) and low <= value <= info.max):
            raise RuntimeError(f"{op}: value {value} cannot be converted to type {out} without overflow")
        value = builtins.int(value) % (info.max + 1) if out.kind == "u" else builtins.int(value)
    return out, value


@_method
def clamp_min(self, min):
    return self.clamp(min=min)


@_method
def clamp_max(self, max):
    return self.clamp(max=max)


Tensor.negative, Tensor.true_divide, Tensor.subtract, Tensor.multiply = (Tensor.neg, Tensor.div, Tensor.sub,
                                                                         Tensor.mul)
Tensor.floor_divide = lambda self, other: self.__floordiv__(other)  # torch's keyword is other
# addcmul_, addcdiv_ and lerp_ have their own no-graph paths in tensor_inplace_math.py
for _name in ["floor", "ceil", "trunc", "round", "sign", "square", "fmod", "clamp_min", "clamp_max", "log1p",
              "expm1", "sin", "cos", "rsqrt", "frac", "silu"]:
    _inplace_variant(_name)
Tensor.bitwise_and, Tensor.bitwise_or, Tensor.bitwise_xor, Tensor.bitwise_not = (Tensor.__and__, Tensor.__or__,
                                                                                 Tensor.__xor__, Tensor.__invert__)


# ---- more elementwise math: inverse trig, float binary ops, NaN handling ------------------------------
for _name, _cls in [("asin", S.Asin), ("acos", S.Acos), ("atan", S.Atan), ("exp2", S.Exp2)]:
    _float_unary(_name, _cls)
Tensor.arcsin, Tensor.arccos, Tensor.arctan = Tensor.asin, Tensor.acos, Tensor.atan


def _not_tensor(op, other):
    return TypeError(f"{op}: argument 'other' must be a Tensor, not {type(other).__name__}")


def _float_binary(name, fn_cls, ints_to_float, tensor_only=False):
    """A binary op with a floating result: integer operands go to the default float (atan2, copysign, xlogy) or are
    refused (hypot), as in torch. tensor_only: a number `other` is refused (torch's atan2 has no number overload)."""
    def op(self, other):
        if tensor_only and not isinstance(other, Tensor):
            raise _not_tensor(name, other)
        a, b = self._other(other, name)
        if not dt.is_floating(a.dtype):
            if a._data.dtype.kind == "c":  # torch has no complex kernel for these (numpy's copysign TypeErrors)
                raise NotImplementedError(f"{name}: not implemented for complex operands ({self.dtype} and "
                                          f"{getattr(other, 'dtype', type(other).__name__)})")
            if not ints_to_float:
                raise NotImplementedError(f"{name}: not implemented for {a.dtype} tensors (floating point only)")
            a, b = self._float_pair(other, name)
        return fn_cls.apply(a, b)
    op.__name__ = name
    op.__doc__ = fn_cls.__doc__
    setattr(Tensor, name, op)


for _name, _cls, _ints in [("copysign", S.Copysign, True), ("xlogy", S.Xlogy, True)]:
    _float_binary(_name, _cls, _ints)
_float_binary("hypot", S.Hypot, False, tensor_only=True)
_float_binary("atan2", S.Atan2, True, tensor_only=True)
Tensor.arctan2 = Tensor.atan2


@_method
def fmax(self, other):
    if not isinstance(other, Tensor):
        raise _not_tensor("fmax", other)
    a, b = self._other(other, "fmax")
    return S.Fmax.apply(a, b) if dt.is_floating(a.dtype) else E.Maximum.apply(a, b)  # no NaN among ints


@_method
def fmin(self, other):
    if not isinstance(other, Tensor):
        raise _not_tensor("fmin", other)
    a, b = self._other(other, "fmin")
    return S.Fmin.apply(a, b) if dt.is_floating(a.dtype) else E.Minimum.apply(a, b)


@_method
def sgn(self):
    """sign for real tensors; z / |z| for complex ones (0 at 0), as torch"""
    if self._data.dtype.kind != "c":
        return self.sign()
    a = self.abs()
    zero = a == 0
    return where(zero, Tensor._from_data(np.zeros((), self._data.dtype), device=self.device), self / where(zero, 1.0, a))


@_method
def positive(self):
    if self._data.dtype.kind == "b":
        raise RuntimeError("positive: the `+` operator on a bool tensor is not supported")
    return self


Tensor.__pos__ = positive


@_method
def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
    complex_ = self._data.dtype.kind == "c"
    if not (complex_ or dt.is_floating(self.dtype)):
        return self.clone()  # integers have no NaN or inf
    if complex_ and self._requires_grad and _gstate["enabled"]:
        raise RuntimeError("nan_to_num does not support automatic differentiation for outputs with complex dtype")
    # complex: the real and imaginary parts are replaced separately, the defaults the real dtype's max and min
    if self._data.dtype.kind == "V":  # bfloat16: numpy can't test it for NaN; in float32, with bfloat16's extremes
        import ml_dtypes
        info = ml_dtypes.finfo(self._data.dtype)
        return self._cast(dt.float32).nan_to_num(nan, float(info.max) if posinf is None else posinf,
                                                 float(info.min) if neginf is None else neginf)._cast(self.dtype)
    info = np.finfo(self._data.dtype)
    return S.NanToNum.apply(self, nan=nan, posinf=info.max if posinf is None else posinf,
                            neginf=info.min if neginf is None else neginf)


@_method
def logit(self, eps=None):
    return S.Logit.apply(self._float_operand(), eps=eps)


@_method
def heaviside(self, values):
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside: values must be a Tensor, got {type(values).__name__}")
    if self.dtype != values.dtype:
        raise RuntimeError(f"heaviside: input and values must have the same dtype, got {self.dtype} "
                           f"and {values.dtype}")
    return S.Heaviside.apply(self, values)


for _name in ["asin", "acos", "atan", "exp2", "atan2", "hypot", "copysign", "xlogy", "nan_to_num", "logit", "sgn",
              "floor_divide", "remainder", "true_divide", "clip", "erf", "log2", "log10", "sinh", "cosh", "tan",
              "cumsum", "cumprod", "tril", "triu", "logical_not", "logical_and", "logical_or", "logical_xor",
              "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "heaviside"]:
    _inplace_variant(_name)


# the @_method names above shadow builtins inside this module; drop them so helpers here get the builtins
del abs, round


from . import tensor_reduce  # noqa: E402,F401  (adds the reduction methods)
from . import tensor_movement  # noqa: E402,F401  (adds the movement methods)
from .tensor_join import cat, concat, concatenate, stack  # noqa: E402,F401  (re-exported)
from .tensor_products import einsum  # noqa: E402,F401  (re-exported)
from .tensor_index import multinomial, one_hot  # noqa: E402,F401
from . import tensor_sort  # noqa: E402,F401  (adds the sorting and order-statistic methods)
from . import tensor_complex  # noqa: E402,F401  (complex methods; last: it wraps the ordering ops above)
