"""On a real CUDA GPU: run the check part of bench/gpu.py (every kernel vs CuPy/cuBLAS on random data).
Skips cleanly where cupy is missing or sees no GPU. Runs in a subprocess: this session uses the interpreter."""
import os
import subprocess
import sys

import pytest


def _gpu_ready():
    try:
        import cupy
        return bool(cupy.cuda.is_available())
    except Exception:
        return False


@pytest.mark.skipif(not _gpu_ready(), reason="needs cupy and a CUDA GPU")
def test_kernels_match_cupy_on_the_gpu():
    bench = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "gpu.py")
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    proc = subprocess.run([sys.executable, bench, "--check-only"], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
