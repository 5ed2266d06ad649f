"""Which OpenBLAS kernels numpy runs, and the switch that lets it choose them itself.

OpenBLAS picks its kernels once, when it loads, from the CPU; OPENBLAS_CORETYPE overrides the pick (and
OPENBLAS_L2_SIZE its cache size). Some machines set both for the whole system, because older OpenBLAS builds
compute wrong results or crash on their processors. The VM these benchmarks were run on sets OPENBLAS_CORETYPE=Haswell:
numpy 2.4's OpenBLAS 0.3.31 then runs its AVX2 kernels on a CPU with AVX-512, at ~230 GFLOP/s for a 1024^3 float32
GEMM on 2 cores, where its own pick (SkylakeX) reaches ~410-450 (docs/performance.md). `--native-blas` in the
benchmarks removes both variables from the benchmark's processes alone (never from tests or CI), and every table
says which kernels ran. PyTorch's CPU build uses MKL, which neither variable touches."""
import os

VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def native_env(env):
    """A copy of env without the variables that override OpenBLAS's own choice of kernels."""
    return {k: v for k, v in env.items() if k not in VARS}


def overrides(env=None):
    """'OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512' for the overrides set in env (os.environ), '' if none."""
    env = os.environ if env is None else env
    return ", ".join(f"{k}={env[k]}" for k in VARS if k in env)


def openblas_core():
    """The kernel set of the OpenBLAS loaded in this process ('SkylakeX', 'Haswell', ...), or None without one."""
    try:
        import ctypes
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line})
        for path in paths:
            lib = ctypes.CDLL(path)
            for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
                if hasattr(lib, name):
                    fn = getattr(lib, name)
                    fn.restype = ctypes.c_char_p
                    return fn().decode()
    except OSError:
        pass
    return None
