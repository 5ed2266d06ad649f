"""The numpy adapter that lets Triton's interpreter launch on plain arrays."""
import numpy as np
import pytest

pytest.importorskip("triton")

from teenygrad.kernels import _launch  # noqa: E402


def test_ptr_reports_address_and_element_strides():
    x = np.arange(60, dtype=np.float32).reshape(6, 10)
    view = x[1:, 2:].T  # offset and transposed
    p = _launch.Ptr(view)
    assert p.data_ptr() == x.ctypes.data + (1 * 10 + 2) * 4
    assert p.stride() == (1, 10) and p.stride(1) == 10
    assert p.size() == (8, 5) and p.dtype == np.float32
    assert p.untyped_storage().cpu() is p  # host memory: the interpreter's copy steps are identities


def test_kernel_writes_through_the_adapter_into_numpy_memory():
    from teenygrad.kernels import gemm_2_tiled
    a = np.ones((3, 4), np.float32)
    out = np.full((6, 2), 7.0, np.float32)
    gemm_2_tiled.matmul(a, np.ones((4, 2), np.float32), out=out[::2])  # strided out view
    np.testing.assert_array_equal(out[::2], 4.0)
    np.testing.assert_array_equal(out[1::2], 7.0)  # rows between the view's rows untouched


def test_bf16_dot_is_upcast_only_under_the_interpreter(monkeypatch):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    assert _launch.upcast_for_dot(ml_dtypes.bfloat16) and not _launch.upcast_for_dot(np.float16)
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    assert not _launch.upcast_for_dot(ml_dtypes.bfloat16)


def test_interpreter_timer_returns_quantiles():
    calls = []
    t = _launch.do_bench(lambda: calls.append(1), quantiles=(0.5, 0.2, 0.8))
    assert len(t) == 3 and calls == [1] and t[0] >= 0
