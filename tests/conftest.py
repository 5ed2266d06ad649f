"""Fixtures shared by the test files."""
import pytest


@pytest.fixture(params=[True, False], ids=["kernels", "numpy"])
def kernels(request):
    """Run a test with the backend's numba kernels on and off (the float32 fast path and the reference)."""
    from teenygrad.backend import cpu
    if request.param and cpu.set_fused(True) is None:
        pytest.skip("numba kernels unavailable")
    cpu.set_fused(request.param)
    yield
    cpu.set_fused(True)  # back to the default (which still honours TEENYGRAD_NUMBA=0)
