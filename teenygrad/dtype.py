"""dtypes are numpy dtypes; type promotion follows torch's rules (not numpy's)."""
import numpy as np

float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
float16 = half = np.dtype(np.float16)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)
complex64 = cfloat = np.dtype(np.complex64)
complex128 = cdouble = np.dtype(np.complex128)

_default_float = float32
_bfloat16 = None


def bfloat16_dtype():
    """bfloat16 comes from ml_dtypes (optional): numpy has no native bfloat16."""
    global _bfloat16
    if _bfloat16 is None:
        try:
            import ml_dtypes
        except ImportError as e:
            raise ImportError("teenygrad: bfloat16 needs the ml_dtypes package: pip install ml_dtypes") from e
        _bfloat16 = np.dtype(ml_dtypes.bfloat16)
    return _bfloat16


def is_floating(dt):
    return dt.kind == "f" or dt.kind == "V" and dt.name == "bfloat16"  # .name is slow (~1-5 us): test kind first


def _category(dt):
    """0 bool, 1 integer, 2 floating, 3 complex: torch promotes across categories by the higher one."""
    if dt.kind == "b":
        return 0
    if dt.kind == "c":
        return 3
    return 2 if is_floating(dt) else 1


def _complex_for(c, other):
    """complex dtype c meeting a floating dtype `other` of equal standing: torch widens the complex type to hold
    the float's precision (complex64 with float64 is complex128)."""
    return complex128 if other == float64 else c


def to_dtype(dt):
    """Accept teenygrad/numpy dtypes, Python types and names ('float32', 'bfloat16')."""
    if dt is None or isinstance(dt, np.dtype):
        return dt
    if dt == "bfloat16" or getattr(dt, "__name__", None) == "bfloat16":
        return bfloat16_dtype()
    if dt is _builtin_float:  # torch: Python's float is float64 (torch.float, the name, is float32)
        return float64
    if dt is _builtin_int:
        return int64
    if type(dt) is str and dt in _TORCH_NAMES:  # torch's attribute names: 'float' is torch.float, float32 (numpy
        return _TORCH_NAMES[dt]                 # reads it as float64), 'int' is int32, 'long' int64, ...
    if dt is _builtin_complex:
        return complex128
    try:
        d = np.dtype(dt)
    except TypeError:
        raise TypeError(f"teenygrad: unknown dtype {dt!r}") from None
    if d.kind not in "biufc":  # numpy makes any class an object dtype (dtype=torch.Tensor), str a text one
        raise TypeError(f"teenygrad: {dt!r} is no tensor dtype (numpy reads it as {d}; expected bool, an integer, "
                        "floating or complex dtype)")
    return d


_builtin_float, _builtin_int, _builtin_complex = type(1.0), type(1), type(1j)
_TORCH_NAMES = {"float": np.dtype(np.float32), "double": np.dtype(np.float64), "half": np.dtype(np.float16),
                "int": np.dtype(np.int32), "long": np.dtype(np.int64), "short": np.dtype(np.int16),
                "cfloat": np.dtype(np.complex64), "cdouble": np.dtype(np.complex128)}


def _promote_same_category(a, b):
    if a == b:
        return a
    try:
        r = np.promote_types(a, b)
    except TypeError:  # float16 with bfloat16: torch picks float32
        return float32
    if r.name == "float64" and a.itemsize <= 2 and b.itemsize <= 2:
        return float32
    return r


def int_range(dt):
    """The Python ints torch converts into integer dtype dt without an overflow error: dt's range and, for an unsigned
    type, also -max..-1 (they wrap: uint8 -1 is 255)."""
    info = np.iinfo(dt)
    return (-info.max if info.min == 0 else info.min), info.max  # Python ints (iinfo gives them)


def scalar_dtype(x):
    if isinstance(x, type(True)) or isinstance(x, np.bool_):
        return bool
    if isinstance(x, (type(1), np.integer)):
        return int64
    if isinstance(x, (_builtin_complex, np.complexfloating)):
        return default_complex()
    return _default_float


def default_complex():
    """torch's default complex dtype follows the default float: complex64 for float32, complex128 for float64."""
    return complex128 if _default_float == float64 else complex64


def result_type(a_dtype, a_ndim, b_dtype, b_ndim):
    """torch's promotion for two tensors; ndim -1 marks a Python scalar, 0 a zero-dim tensor.
    A lower-priority operand (scalar < 0-dim < dimensioned) only matters when its category is higher."""
    if a_dtype == b_dtype:
        return a_dtype
    pa = 0 if a_ndim < 0 else (1 if a_ndim == 0 else 2)
    pb = 0 if b_ndim < 0 else (1 if b_ndim == 0 else 2)
    if pa == pb:
        ca, cb = _category(a_dtype), _category(b_dtype)
        if ca == cb:
            return _promote_same_category(a_dtype, b_dtype)
        if ca == 3 or cb == 3:
            return _complex_for(a_dtype, b_dtype) if ca == 3 else _complex_for(b_dtype, a_dtype)
        return a_dtype if ca > cb else b_dtype
    if pa < pb:
        a_dtype, b_dtype, pa, pb = b_dtype, a_dtype, pb, pa
    # a has priority; b wins only with a higher category
    ca, cb = _category(a_dtype), _category(b_dtype)
    if cb <= ca:
        return a_dtype
    if cb == 3:  # a complex scalar or 0-d tensor meeting a float tensor: complex at the float's precision
        if ca == 2:
            return complex128 if a_dtype == float64 else complex64
        return default_complex() if pb == 0 else b_dtype
    if pb == 0:  # Python scalar: default dtype of its category
        return _default_float if cb == 2 else int64
    return b_dtype
