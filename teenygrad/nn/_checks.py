"""Argument checks shared by the functional modules (errors name the op and the offending shapes/dtypes)."""
from ..tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ..tensor import Tensor


def _t(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    return x


def _same_float(op, x, *others, complex_ok=False):
    """Fused ops take one floating dtype for all operands (no silent upcasts); complex_ok: or one complex dtype."""
    if not dt.is_floating(x.dtype) and not (complex_ok and x.dtype.kind == "c"):
        raise TypeError(f"{op}: expected a floating point input, got {x.dtype}")
    for o in others:
        if o is not None and o.dtype != x.dtype:
            raise TypeError(f"{op}: dtype mismatch, input is {x.dtype} but a parameter is {o.dtype} "
                            f"(shape {o.shape})")
