"""Shared by the kernel tests: tolerances (stated once), dtype lookup and the comparison helper."""
import numpy as np
import pytest

# Tolerances, stated once: |got - ref| <= atol + rtol * |ref| against a float64 reference computed
# from the same (rounded) inputs. They are a few units of the output dtype's rounding error.
TOL = {"float32": (2e-5, 2e-5), "float16": (4e-3, 4e-3), "bfloat16": (3e-2, 3e-2)}


def dtype_of(name):
    if name == "bfloat16":
        return np.dtype(pytest.importorskip("ml_dtypes").bfloat16)
    return np.dtype(name)


def assert_close(got, ref, dtype_name, what="", scale=1.0):
    """Compare a kernel output with its float64 reference; NaNs (unwritten outputs) always fail."""
    rtol, atol = TOL[dtype_name]
    got = np.asarray(got).astype(np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != reference {ref.shape}"
    assert not np.isnan(got).any(), f"{what}: {np.isnan(got).sum()} NaN entries (unwritten output?)"
    err = np.abs(got - ref) - (atol + rtol * np.abs(ref)) * scale
    worst = np.unravel_index(np.argmax(err), err.shape) if err.size else ()
    assert err.size == 0 or err.max() <= 0, (f"{what} ({dtype_name}): mismatch at {worst}: got {got[worst]}, "
                                             f"expected {ref[worst]}")
