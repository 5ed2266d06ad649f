"""CUDA backend: arrays are cupy arrays; ops run teenygrad's own Triton kernels (teenygrad.kernels).

This is the one place the rest of teenygrad calls for device="cuda" work. Nothing here imports cupy
or triton at module import (they load on first use), so `import teenygrad` stays fast on machines
without a GPU. The wrappers also accept numpy arrays when TRITON_INTERPRET=1: that is how the tests
run this layer on a CPU.

matmul picks an implementation with `choose_matmul_impl`, a pure function of
(dtype, compute capability, override) so the decision is testable without a GPU. By default it is
"cublas" (cupy's `a @ b`) for every dtype: in the nanoGPT GPU-config training step on an H200 our best exact-fp32
rung took 41.1 ms of products where cuBLAS took 23.2, and with tf32 our tensor-core rung made the step 58.0 ms
against cuBLAS's 39.0 (bench/gpu_step_breakdown.py, docs/gemm.md); at fp16/bf16 the ladder's best rung reaches
35-93% of cuBLAS (docs/gemm.md). The ladder's rungs run on request:
set_matmul_impl(name) or TEENYGRAD_MATMUL=naive|tiled|scheduled|tensorcore|hopper (cublas|auto: the default).
tf32 is off by default, like torch.backends.cuda.matmul.allow_tf32; turn it on with set_allow_tf32(True) or
TEENYGRAD_ALLOW_TF32=1. cuBLAS's 2-D fp32 products then run in tf32 through CuPy's compute-type switch (what
CUPY_TF32=1 sets at import; teenygrad's setting wins over that variable, and the switch is process-wide: the
user's own CuPy products follow it too); a CuPy without that switch gets the tensor-core rung for tf32 instead.
Batched products (ndim > 2: attention's) stay exact fp32 even then: CuPy's batched matmul passes a fixed fp32
compute type to cuBLAS (CuPy 14's _routines_linalg.matmul), where torch's allow_tf32 covers bmm too.
Batched matmul (ndim > 2 on both sides, batch dims broadcast) is one batched cuBLAS call unless a rung is
forced: our rungs are 2-D kernels, and looping over the batch in Python (one launch per matrix) cost more than
the products themselves (attention with a mask or dropout in the nanoGPT GPU config: 384 launches a product).

The ops (teenygrad.ops) ask `kernels_for(*arrays)` before each fused op, as they ask backend.cpu.fused_for
on the CPU: it returns this module when the arrays are GPU arrays the kernels take, else None and the op
runs its cupy composite. TEENYGRAD_KERNELS=0 turns every kernel off (matmul included: cuBLAS) for
reference runs.
"""
import importlib
import os
import sys

import numpy as np

MATMUL_IMPLS = ("cublas", "naive", "tiled", "scheduled", "tensorcore", "hopper")
_RUNG_MODULES = {"naive": "gemm_1_naive", "tiled": "gemm_2_tiled", "scheduled": "gemm_3_scheduled",
                 "tensorcore": "gemm_4_tensorcore", "hopper": "gemm_5_hopper"}
_KERNEL_DTYPES = ("float32", "float16", "bfloat16")
MAX_ROW = 65536  # softmax and layer_norm hold a whole row in one block
MAX_HEAD_DIM = 256  # flash attention holds a whole head in one tile
FLASH_DTYPES = ("float32", "float16", "bfloat16")  # attention in other dtypes takes the composite path
_matmul_override = None
_allow_tf32 = None
_test_xp = None  # a stand-in array module (tests/fake_cupy.py); see _use_array_module_for_tests


def _use_array_module_for_tests(mod):
    """Tests only: treat `mod` as cupy (require/get_xp return it) and turn the kernels off (kernels_enabled()
    is False: matmul is plain `xp.matmul`), since Triton kernels can't launch on a fake GPU. None undoes it."""
    global _test_xp
    _test_xp = mod


def kernels_enabled():
    """True unless TEENYGRAD_KERNELS=0 or the arrays are the tests' fake cupy (Triton can't launch on it)."""
    return _test_xp is None and os.environ.get("TEENYGRAD_KERNELS", "1") != "0"


def kernels_for(*arrays):
    """This module if every array is a GPU array of a kernel dtype (fp32/fp16/bf16) and kernels are enabled,
    else None (numpy arrays, float64, TEENYGRAD_KERNELS=0): the op then keeps its composite path."""
    for a in arrays:
        if type(a) is np.ndarray or a.dtype.name not in _KERNEL_DTYPES:
            return None
    return sys.modules[__name__] if kernels_enabled() else None


def flash_attention_for(q, k, v):
    """This module if attention on these arrays runs the flash kernels (GPU arrays of a FLASH_DTYPES dtype, heads
    of <= MAX_HEAD_DIM), else None: the op then computes softmax(q k^T) v with batched cuBLAS products."""
    if type(q) is np.ndarray or q.shape[-1] > MAX_HEAD_DIM or q.dtype.name not in FLASH_DTYPES:
        return None
    return kernels_for(q, k, v)


def is_available():
    """True if cupy imports and sees a CUDA GPU; never raises."""
    try:
        import cupy
        return bool(cupy.cuda.is_available())
    except Exception:
        return False


def require(op="cuda"):
    """Return cupy, or raise RuntimeError saying why device='cuda' cannot work here."""
    if _test_xp is not None:
        return _test_xp
    def fail(why):
        return RuntimeError(f"teenygrad: device='cuda' requested but no CUDA GPU is available ({why}); needed by {op}")
    try:
        import cupy
    except ImportError:
        # the packages themselves: `pip install teenygrad[cuda]` outside an install of this checkout fetches PyPI's
        # unrelated project of that name
        raise fail("cupy not installed: pip install cupy-cuda13x triton (on CUDA 12: cupy-cuda12x), or "
                   "pip install -e \".[cuda]\" in this checkout") from None
    except Exception as e:  # a broken CUDA install fails inside cupy's import
        raise fail(f"cupy failed to import: {e}") from e
    if not cupy.cuda.is_available():
        raise fail("cupy found no GPU")
    return cupy


def get_xp():
    """The array module for device='cuda' arrays (cupy)."""
    return require("get_xp")


# ---- matmul dispatch -------------------------------------------------------------------------------

def _dtype_name(dtype):
    return dtype if isinstance(dtype, str) else np.dtype(dtype).name


def choose_matmul_impl(dtype, compute_capability, override=None):
    """Name of the matmul implementation for this dtype on a GPU of this (major, minor) capability: cuBLAS unless
    `override` names a rung of the ladder (tf32 or not, cuBLAS is the faster: see the module docstring)."""
    name = _dtype_name(dtype)
    if override not in (None, "auto") and override not in MATMUL_IMPLS:
        raise ValueError(f"matmul: unknown implementation {override!r}; choose from {MATMUL_IMPLS + ('auto',)}")
    if name not in _KERNEL_DTYPES or override in (None, "auto"):
        return "cublas"
    if override == "hopper" and tuple(compute_capability) < (9, 0):
        raise ValueError(f"matmul: 'hopper' needs TMA (compute capability >= 9.0), this GPU is "
                         f"{compute_capability[0]}.{compute_capability[1]}")
    return override


def set_matmul_impl(name):
    """Force a matmul implementation for this process (None or 'auto' returns to the default choice)."""
    global _matmul_override
    if name not in (None, "auto") and name not in MATMUL_IMPLS:
        raise ValueError(f"set_matmul_impl: unknown implementation {name!r}; choose from {MATMUL_IMPLS + ('auto',)}")
    _matmul_override = name


def matmul_override():
    """The active override: set_matmul_impl's, else the TEENYGRAD_MATMUL environment variable, else None."""
    return _matmul_override or os.environ.get("TEENYGRAD_MATMUL") or None


def set_allow_tf32(flag):
    """Allow fp32 matmuls to use tf32 tensor cores (10-bit mantissa inputs), like torch's allow_tf32. None returns
    the choice to TEENYGRAD_ALLOW_TF32 (off when unset)."""
    global _allow_tf32
    _allow_tf32 = None if flag is None else bool(flag)


def tf32_setting():
    """What set_allow_tf32 last set (None: the environment decides), to put it back later."""
    return _allow_tf32


def allow_tf32():
    if _allow_tf32 is not None:
        return _allow_tf32
    return os.environ.get("TEENYGRAD_ALLOW_TF32", "0") not in ("", "0")


def compute_capability(x=None):
    """(major, minor) of the current GPU; (0, 0) for numpy arrays under the interpreter (no TMA)."""
    if x is not None and not _kernel("_launch").is_cupy(x):
        return (0, 0)
    cc = require("compute_capability").cuda.Device().compute_capability  # e.g. "90"
    return int(cc[:-1]), int(cc[-1])


def _kernel(module):
    return importlib.import_module(f"teenygrad.kernels.{module}")


def _matmul_2d(impl, a, b, out):
    if impl == "cublas":
        xp = _kernel("_launch").xp_of(a)
        return xp.matmul(a, b, out=out)
    fn = _kernel(_RUNG_MODULES[impl]).matmul
    if impl in ("tensorcore", "hopper"):
        return fn(a, b, out=out, allow_tf32=allow_tf32())
    return fn(a, b, out=out)


_cupy_linalg = None  # cupy._core._routines_linalg, once imported (False: this CuPy has no compute-type switch)
_cupy_fp32_compute = None  # the compute type teenygrad last gave CuPy's float32 products


def cublas_tf32(tf32):
    """Make CuPy's (cuBLAS's) 2-D float32 products tf32 or exact, as `tf32` says (a process-wide CuPy setting).
    False if that can't be had: a CuPy without the compute-type switch (or the tests' fake, whose answer is then
    kept for the process) runs its products exactly and can't do tf32."""
    global _cupy_linalg, _cupy_fp32_compute
    if _cupy_linalg is None:
        try:
            from cupy._core import _routines_linalg
            _cupy_linalg = _routines_linalg if hasattr(_routines_linalg, "set_compute_type") else False
        except ImportError:
            _cupy_linalg = False
    if _cupy_linalg is False:
        return not tf32
    want = _cupy_linalg.COMPUTE_TYPE_TF32 if tf32 else _cupy_linalg.COMPUTE_TYPE_DEFAULT
    if want != _cupy_fp32_compute:
        _cupy_linalg.set_compute_type(np.float32, want)
        _cupy_fp32_compute = want
    return True


def matmul(a, b):
    """a @ b for (..., M, K) and (..., K, N) arrays, batch dims broadcast, with the chosen implementation."""
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"matmul: expects arrays with >= 2 dims, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned ({a.shape[-1]} != {b.shape[-2]})")
    if a.dtype != b.dtype:
        raise TypeError(f"matmul: dtypes differ ({a.dtype} and {b.dtype}); cast one first")
    kernels, tf32 = kernels_enabled(), allow_tf32()
    impl = choose_matmul_impl(a.dtype, compute_capability(a), matmul_override()) if kernels else "cublas"
    if impl == "cublas" and a.dtype == np.float32 and not cublas_tf32(tf32) and kernels:
        impl = "tensorcore"  # tf32 asked for, and this CuPy can't run cuBLAS in tf32: our tf32 rung
    xp = _test_xp or _kernel("_launch").xp_of(a)
    if a.ndim == 2 and b.ndim == 2:
        return _matmul_2d(impl, a, b, None)
    if impl == "cublas" or matmul_override() in (None, "auto"):  # one batched cuBLAS call: our rungs are 2-D kernels, and
        return xp.matmul(a, b)  # a Python loop of launches (below, on request) costs more than the products
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(a, batch + a.shape[-2:])
    b = xp.broadcast_to(b, batch + b.shape[-2:])
    out = xp.empty(batch + (a.shape[-2], b.shape[-1]), dtype=a.dtype)
    for idx in np.ndindex(*batch):
        _matmul_2d(impl, a[idx], b[idx], out[idx])
    return out


# ---- fused ops: thin wrappers over the kernels ---------------------------------------------------

def softmax_fwd(x):
    """Softmax over the last axis (any leading dims)."""
    return _kernel("softmax").softmax_fwd(x.reshape(-1, x.shape[-1])).reshape(x.shape)


def softmax_bwd(y, dy):
    n = y.shape[-1]
    return _kernel("softmax").softmax_bwd(y.reshape(-1, n), dy.reshape(-1, n)).reshape(y.shape)


def cross_entropy_fwd(logits, target, ignore_index=-100):
    """(per-row loss, per-row logsumexp) for logits (n, classes) and integer targets (n,)."""
    return _kernel("cross_entropy").cross_entropy_fwd(logits, target, ignore_index)


def cross_entropy_bwd(logits, target, lse, dloss, ignore_index=-100):
    return _kernel("cross_entropy").cross_entropy_bwd(logits, target, lse, dloss, ignore_index)


def layer_norm_fwd(x, weight, bias=None, eps=1e-5):
    """(y, mean, rstd) of LayerNorm over the last axis."""
    return _kernel("layernorm").layer_norm_fwd(x, weight, bias, eps)


def layer_norm_bwd(dy, x, weight, mean, rstd):
    """(dx, dw, db) of LayerNorm."""
    return _kernel("layernorm").layer_norm_bwd(dy, x, weight, mean, rstd)


def gelu_fwd(x, approximate="none"):
    return _kernel("gelu").gelu_fwd(x, approximate)


def gelu_bwd(dy, x, approximate="none"):
    return _kernel("gelu").gelu_bwd(dy, x, approximate)


def attention_fwd(q, k, v, causal=False, scale=None):
    """(out, logsumexp) of softmax(scale * q k^T) v on (B, H, T, D) arrays."""
    return _kernel("flash_attention").attention_fwd(q, k, v, causal, scale)


def attention_bwd(do, q, k, v, o, lse, causal=False, scale=None):
    """(dq, dk, dv) of attention."""
    return _kernel("flash_attention").attention_bwd(do, q, k, v, o, lse, causal, scale)


def adamw_step(param, grad, exp_avg, exp_avg_sq, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2, step=1):
    """In-place AdamW update of param, exp_avg, exp_avg_sq (torch.optim.AdamW semantics)."""
    return _kernel("adamw").adamw_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, step)
