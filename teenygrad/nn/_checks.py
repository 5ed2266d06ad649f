"""Argument checks shared by the functional modules (errors name the op and the offending shapes/dtypes)."""
from ..tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ..tensor import Tensor


class DtypeError(TypeError, RuntimeError):
    """A dtype the op refuses (a float64 batch into float32 weights, float ids into an embedding): a TypeError here,
    and a RuntimeError as torch raises it (mat1 and mat2 must have the same dtype), so `except RuntimeError` in
    torch code still catches it."""


def _t(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    return x


def _same_float(op, x, *others, complex_ok=False):
    """Fused ops take one floating dtype for all operands (no silent upcasts); complex_ok: or one complex dtype."""
    if not dt.is_floating(x.dtype) and not (complex_ok and x.dtype.kind == "c"):
        raise DtypeError(f"{op}: expected a floating point input, got {x.dtype}")
    for o in others:
        if o is not None and o.dtype != x.dtype:
            raise DtypeError(f"{op}: dtype mismatch, input is {x.dtype} but a parameter is {o.dtype} "
                            f"(shape {o.shape})")


def _mixed_norm(op, x, *params):
    """torch's CPU norms (layer_norm, group_norm, batch_norm) also take a float16 / bfloat16 input with float32
    parameters ("mixed dtype": computed in float32, the output in the input's dtype). True for that case; otherwise
    the parameters must share the input's dtype (_same_float)."""
    given = [p for p in params if p is not None]
    if (x.dtype.itemsize == 2 and dt.is_floating(x.dtype) and given
            and all(p.dtype == dt.float32 for p in given)):
        return True
    if any(p.dtype != x.dtype for p in given) and dt.is_floating(x.dtype):
        raise DtypeError(f"{op}: dtype mismatch, input is {x.dtype} but the parameters are "
                        f"{[str(p.dtype) for p in given]} (torch takes all of the input's dtype, or, for a float16 / "
                        f"bfloat16 input, all float32)")
    _same_float(op, x, *params)
    return False
