"""teenygrad.backend.cuda: the matmul decision (a pure function), overrides, errors, and the wrappers
run end to end on numpy arrays under the interpreter."""
import sys
import types

import numpy as np
import pytest

pytest.importorskip("triton")

from kernel_checks import assert_close  # noqa: E402
from teenygrad.backend import cuda  # noqa: E402

H100, A100, T4 = (9, 0), (8, 0), (7, 5)


@pytest.mark.parametrize("dtype,cc,override,expected", [
    # by default cuBLAS: it outran every rung in the GPU training step and the ladder (docs/gemm.md)
    ("bfloat16", H100, None, "cublas"),
    ("float16", H100, "auto", "cublas"),
    ("float32", H100, None, "cublas"),
    (np.float32, (0, 0), None, "cublas"),
    ("float64", H100, None, "cublas"),
    ("int32", A100, None, "cublas"),
    # a rung on request
    ("bfloat16", H100, "hopper", "hopper"),
    ("bfloat16", A100, "tensorcore", "tensorcore"),
    ("float16", T4, "tensorcore", "tensorcore"),
    ("float32", H100, "tensorcore", "tensorcore"),
    ("float32", H100, "scheduled", "scheduled"),
    ("float32", H100, "cublas", "cublas"),
    ("bfloat16", H100, "naive", "naive"),
    ("float32", A100, "tiled", "tiled"),
    ("float64", H100, "tiled", "cublas"),  # our kernels have no fp64 path
])
def test_choose_matmul_impl(dtype, cc, override, expected):
    assert cuda.choose_matmul_impl(dtype, cc, override) == expected


def test_choose_matmul_impl_rejects_bad_overrides():
    with pytest.raises(ValueError, match="unknown implementation 'fast'"):
        cuda.choose_matmul_impl("float32", H100, "fast")
    with pytest.raises(ValueError, match=r"'hopper' needs TMA .* this GPU is 8\.0"):
        cuda.choose_matmul_impl("float16", A100, "hopper")
    with pytest.raises(ValueError, match="unknown implementation"):
        cuda.set_matmul_impl("cutlass")


def test_override_sources(monkeypatch):
    monkeypatch.setattr(cuda, "_matmul_override", None)
    monkeypatch.delenv("TEENYGRAD_MATMUL", raising=False)
    assert cuda.matmul_override() is None
    monkeypatch.setenv("TEENYGRAD_MATMUL", "naive")
    assert cuda.matmul_override() == "naive"
    cuda.set_matmul_impl("tiled")  # set_matmul_impl beats the environment
    assert cuda.matmul_override() == "tiled"
    cuda.set_matmul_impl(None)
    assert cuda.matmul_override() == "naive"


def test_allow_tf32_sources(monkeypatch):
    monkeypatch.setattr(cuda, "_allow_tf32", None)
    monkeypatch.delenv("TEENYGRAD_ALLOW_TF32", raising=False)
    assert cuda.allow_tf32() is False
    monkeypatch.setenv("TEENYGRAD_ALLOW_TF32", "1")
    assert cuda.allow_tf32() is True
    cuda.set_allow_tf32(False)
    assert cuda.allow_tf32() is False


def test_require_explains_a_missing_cupy(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` raise ImportError
    assert cuda.is_available() is False
    with pytest.raises(RuntimeError, match=r"no CUDA GPU is available \(cupy not installed: pip install "
                                           r"cupy-cuda13x triton .*\); needed by matmul"):
        cuda.require(op="matmul")


def test_require_explains_a_cupy_without_gpu(monkeypatch):
    fake = types.SimpleNamespace(cuda=types.SimpleNamespace(is_available=lambda: False))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert cuda.is_available() is False
    with pytest.raises(RuntimeError, match=r"\(cupy found no GPU\)"):
        cuda.get_xp()


def test_is_available_never_raises(monkeypatch):
    def boom():
        raise OSError("libcuda.so not found")
    monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(cuda=types.SimpleNamespace(is_available=boom)))
    assert cuda.is_available() is False


@pytest.mark.parametrize("impl", ["cublas", "naive", "tiled", "scheduled", "tensorcore", "hopper"])
def test_batched_matmul_broadcasts_and_uses_the_chosen_rung(impl, monkeypatch, rng):
    # numpy arrays report compute capability (0, 0), so "hopper" must be reached through the rung itself
    monkeypatch.setattr(cuda, "compute_capability", lambda x=None: H100)
    cuda.set_matmul_impl(impl)
    try:
        a = rng.standard_normal((2, 1, 5, 6)).astype(np.float32)
        b = rng.standard_normal((3, 6, 4)).astype(np.float32)
        out = cuda.matmul(a, b)
    finally:
        cuda.set_matmul_impl(None)
    assert out.shape == (2, 3, 5, 4)
    assert_close(out, a.astype(np.float64) @ b.astype(np.float64), "float32", f"batched matmul via {impl}")


def test_matmul_auto_on_half_precision(rng):
    a, b = rng.standard_normal((9, 17)).astype(np.float16), rng.standard_normal((17, 5)).astype(np.float16)
    assert_close(cuda.matmul(a, b), a.astype(np.float64) @ b.astype(np.float64), "float16", "auto fp16 matmul")


def test_matmul_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\) are not aligned \(3 != 4\)"):
        cuda.matmul(np.zeros((2, 3), np.float32), np.zeros((4, 5), np.float32))
    with pytest.raises(TypeError, match="dtypes differ"):
        cuda.matmul(np.zeros((2, 3), np.float32), np.zeros((3, 5), np.float16))


def test_wrappers_reach_every_kernel(rng):
    x = rng.standard_normal((2, 3, 10)).astype(np.float32)
    y = cuda.softmax_fwd(x)
    e = np.exp(x - x.max(-1, keepdims=True))
    assert_close(y, e / e.sum(-1, keepdims=True), "float32", "softmax wrapper")
    assert cuda.softmax_bwd(y, np.ones_like(y)).shape == x.shape
    w, b = np.ones(10, np.float32), np.zeros(10, np.float32)
    yl, mean, rstd = cuda.layer_norm_fwd(x, w, b)
    assert_close(mean, x.reshape(-1, 10).mean(-1), "float32", "layernorm wrapper mean")
    assert [g.shape for g in cuda.layer_norm_bwd(np.ones_like(x), x, w, mean, rstd)] == [x.shape, (10,), (10,)]
    assert_close(cuda.gelu_bwd(np.ones_like(x), x, "tanh"), cuda.gelu_bwd(np.ones_like(x), x, "none"), "bfloat16",
                 "tanh vs exact gelu' agree roughly", scale=1)
    q = rng.standard_normal((1, 2, 5, 8)).astype(np.float32)
    o, lse = cuda.attention_fwd(q, q, q, causal=True)
    assert_close(o[:, :, 0], q[:, :, 0], "float32", "causal attention: first query sees only itself")
    assert [g.shape for g in cuda.attention_bwd(np.ones_like(q), q, q, q, o, lse, causal=True)] == [q.shape] * 3
    logits, target = rng.standard_normal((4, 7)).astype(np.float32), np.array([1, -100, 6, 0])
    loss, lse = cuda.cross_entropy_fwd(logits, target)
    assert loss[1] == 0.0 and (cuda.cross_entropy_bwd(logits, target, lse, 1.0)[1] == 0).all()
    p, g = np.ones(5, np.float32), np.full(5, 2.0, np.float32)
    cuda.adamw_step(p, g, np.zeros(5, np.float32), np.zeros(5, np.float32), lr=0.1, weight_decay=0.0, step=1)
    assert_close(p, np.full(5, 0.9), "float32", "first adamw step moves by lr * sign(g)", scale=10)


def test_importing_the_backend_loads_neither_triton_nor_cupy():
    import os
    import subprocess
    code = ("import sys, teenygrad.backend.cuda, teenygrad.kernels; "
            "print(sorted(m for m in ('triton', 'cupy', 'torch') if m in sys.modules))")
    repo = os.path.join(os.path.dirname(__file__), "..", "..")
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
