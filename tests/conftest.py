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


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    """A small made-up text corpus (300 lines of six words) for the trainer's text tasks."""
    import numpy as np
    rng = np.random.default_rng(1)
    lines = [" ".join(rng.choice(["to", "be", "or", "not", "the", "king", "queen", "lord"], size=6))
             for _ in range(300)]
    path = tmp_path_factory.mktemp("data") / "text.txt"
    path.write_text("\n".join(lines) + "\n")
    return path
