"""torch.testing.assert_close: torch's default tolerances per dtype and torch's failure messages."""
import numpy as np
from .tensor import Tensor

# (rtol, atol) by dtype, as torch's; integers and bool compare exactly
_TOLS = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5), np.dtype(np.float64): (1e-7, 1e-7),
         np.dtype(np.complex64): (1.3e-6, 1e-5), np.dtype(np.complex128): (1e-7, 1e-7)}


def _tols(dtype):
    if dtype.kind == "V":  # bfloat16
        return 1.6e-2, 1e-5
    return _TOLS.get(dtype, (0.0, 0.0))


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise AssertionError unless |actual - expected| <= atol + rtol * |expected| elementwise (shapes, dtypes and
    devices equal too). Tensors, Python numbers, and lists/tuples/dicts of them (compared item by item)."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'atol' if atol is None else 'rtol'}.")
    _compare(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, msg, [])


def _compare(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, msg, path):
    where = "" if not path else "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}{where}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, rtol, atol, equal_nan, check_device, check_dtype, msg, path + [i])
        return
    if isinstance(actual, dict) and isinstance(expected, dict):
        if set(actual) != set(expected):
            raise AssertionError(f"The keys of the mappings do not match: {sorted(map(repr, actual))} != "
                                 f"{sorted(map(repr, expected))}{where}")
        for k in actual:
            _compare(actual[k], expected[k], rtol, atol, equal_nan, check_device, check_dtype, msg, path + [k])
        return
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        _compare_tensors(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, msg, where)
    elif isinstance(actual, (bool, int, float)) and isinstance(expected, (bool, int, float)):
        _compare_scalars(actual, expected, rtol, atol, equal_nan, check_dtype, msg, where)
    else:
        raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def _compare_scalars(actual, expected, rtol, atol, equal_nan, check_dtype, msg, where):
    if check_dtype and type(actual) is not type(expected):
        raise AssertionError(f"The values for attribute 'dtype' do not match: {type(actual).__name__} != "
                             f"{type(expected).__name__}.{where}")
    exact = isinstance(actual, int) and isinstance(expected, int)
    if rtol is None:
        rtol, atol = (0.0, 0.0) if exact else _TOLS[np.dtype(np.float64)]
    a, e = float(actual), float(expected)
    if (a == e) or (equal_nan and a != a and e != e) or abs(a - e) <= atol + rtol * abs(e):
        return
    if msg is not None:
        raise AssertionError(msg)
    diff = abs(a - e)
    rel = diff / abs(e) if e else float("inf")
    if exact:
        raise AssertionError(f"Scalars are not equal!\n\nExpected {expected} but got {actual}.\n"
                             f"Absolute difference: {abs(actual - expected)}\nRelative difference: {rel}{where}")
    raise AssertionError(f"Scalars are not close!\n\nExpected {expected} but got {actual}.\n"
                         f"Absolute difference: {diff} (up to {atol} allowed)\n"
                         f"Relative difference: {rel} (up to {rtol} allowed){where}")


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, msg, where):
    if actual.shape != expected.shape:
        raise AssertionError(f"The values for attribute 'shape' do not match: {actual.shape} != {expected.shape}."
                             f"{where}")
    if check_device and actual.device != expected.device:
        raise AssertionError(f"The values for attribute 'device' do not match: {actual.device} != "
                             f"{expected.device}.{where}")
    if check_dtype and actual.dtype != expected.dtype:
        raise AssertionError(f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}."
                             f"{where}")
    a, e = actual.detach().cpu().numpy(), expected.detach().cpu().numpy()
    exact = a.dtype.kind in "biu" and e.dtype.kind in "biu"
    if rtol is None:  # the looser of the two dtypes' tolerances, as torch's
        (r1, a1), (r2, a2) = _tols(actual.dtype), _tols(expected.dtype)
        rtol, atol = max(r1, r2), max(a1, a2)
    if a.dtype.kind == "V" or e.dtype.kind == "V":  # bfloat16: compare as float32
        a, e = a.astype(np.float32), e.astype(np.float32)
    wide = np.complex128 if a.dtype.kind == "c" or e.dtype.kind == "c" else np.float64  # |a - e| of complex too
    a, e = a.astype(wide), e.astype(wide)  # exact for every dtype teenygrad has except int64 > 2**53
    ok = (a == e) | (np.abs(a - e) <= atol + rtol * np.abs(e))
    if equal_nan:
        ok |= np.isnan(a) & np.isnan(e)  # a complex NaN anywhere counts as NaN, as np.isnan reads it
    if ok.all():
        return
    if msg is not None:
        raise AssertionError(msg)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.abs(a - e)
        rel = diff / np.abs(e)
    bad = int((~ok).sum())

    def worst(x):  # torch reports the first NaN if there is one, else the greatest value
        i = np.unravel_index(int(np.argmax(np.where(np.isnan(x), np.inf, x))), x.shape) if x.size else ()
        v = x[i] if x.size else 0.0
        return (int(v) if exact and np.isfinite(v) and x is diff else float(v)), tuple(int(j) for j in i)
    (d, di), (r, ri) = worst(diff), worst(rel)
    kind = "equal" if exact else "close"
    head = f"Tensor-likes are not {kind}!\n\nMismatched elements: {bad} / {a.size} ({100 * bad / a.size:.1f}%)\n"
    if exact:
        raise AssertionError(head + f"Greatest absolute difference: {d} at index {di}\n"
                             f"Greatest relative difference: {r} at index {ri}{where}")
    raise AssertionError(head + f"Greatest absolute difference: {d} at index {di} (up to {atol} allowed)\n"
                         f"Greatest relative difference: {r} at index {ri} (up to {rtol} allowed){where}")
