"""Every GEMM rung against a float64 numpy reference: odd sizes, transposed/strided operands, fp32/fp16/bf16."""
import importlib

import numpy as np
import pytest

pytest.importorskip("triton")

from kernel_checks import assert_close, dtype_of  # noqa: E402

RUNGS = ["gemm_1_naive", "gemm_2_tiled", "gemm_3_scheduled", "gemm_4_tensorcore", "gemm_5_hopper"]
# The naive rung runs one program per output element: the interpreter is slow there, so keep it tiny.
SIZES = {"gemm_1_naive": [(5, 7, 9), (16, 16, 16)]}
DEFAULT_SIZES = [(37, 45, 33), (1, 19, 70), (32, 48, 64)]


def _operand(rng, shape, dtype, transposed):
    """A (rows, cols) operand, stored transposed (column-major) when asked."""
    if transposed:
        return rng.standard_normal(shape[::-1]).astype(dtype).T
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("dtype_name", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("layout", ["nn", "tn", "nt", "tt"])
def test_matmul_matches_float64_reference(rung, dtype_name, layout, rng):
    matmul = importlib.import_module(f"teenygrad.kernels.{rung}").matmul
    dtype = dtype_of(dtype_name)
    for M, N, K in SIZES.get(rung, DEFAULT_SIZES):
        a = _operand(rng, (M, K), dtype, layout[0] == "t")
        b = _operand(rng, (K, N), dtype, layout[1] == "t")
        ref = a.astype(np.float64) @ b.astype(np.float64)
        out = matmul(a, b)
        assert out.dtype == dtype
        assert_close(out, ref, dtype_name, f"{rung} {layout} {(M, N, K)}")


@pytest.mark.parametrize("rung", RUNGS)
def test_matmul_into_strided_out_view(rung, rng):
    matmul = importlib.import_module(f"teenygrad.kernels.{rung}").matmul
    a, b = rng.standard_normal((6, 5)).astype(np.float32), rng.standard_normal((5, 7)).astype(np.float32)
    big = np.full((7, 14), np.nan, np.float32)
    result = matmul(a, b, out=big[:, ::2][:6])  # column stride 2: not TMA-describable either
    assert result.base is big or result.base is big.base
    assert_close(big[:6, ::2], a.astype(np.float64) @ b, "float32", f"{rung} out view")
    assert np.isnan(big[:, 1::2]).all() and np.isnan(big[6]).all()  # nothing written outside the view


@pytest.mark.parametrize("rung", RUNGS)
def test_matmul_rejects_bad_operands(rung):
    matmul = importlib.import_module(f"teenygrad.kernels.{rung}").matmul
    with pytest.raises(ValueError, match=r"\(3, 4\) and \(5, 2\) are not aligned \(4 != 5\)"):
        matmul(np.zeros((3, 4), np.float32), np.zeros((5, 2), np.float32))
    with pytest.raises(TypeError, match="float64"):
        matmul(np.zeros((3, 4)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="out has shape"):
        matmul(np.zeros((3, 4), np.float32), np.zeros((4, 2), np.float32), out=np.zeros((2, 3), np.float32))


@pytest.mark.parametrize("rung", ["gemm_2_tiled", "gemm_5_hopper"])
def test_matmul_empty_k_gives_zeros(rung):
    matmul = importlib.import_module(f"teenygrad.kernels.{rung}").matmul
    out = matmul(np.zeros((3, 0), np.float32), np.zeros((0, 2), np.float32))
    np.testing.assert_array_equal(out, np.zeros((3, 2)))


def test_autotune_prune_drops_configs_that_overflow_shared_memory():
    import types

    import triton
    from teenygrad.kernels.gemm_3_scheduled import fits_shared_memory

    def cfg(bm, bn, bk, stages):
        return triton.Config({"BLOCK_M": bm, "BLOCK_N": bn, "BLOCK_K": bk}, num_stages=stages)
    big, small = cfg(128, 256, 64, 3), cfg(64, 64, 32, 3)  # 3 * (128*64 + 64*256) elements = 72 K elements
    fp32, bf16 = types.SimpleNamespace(dtype=np.float32), types.SimpleNamespace(dtype=np.float16)
    assert fits_shared_memory([big, small], {"a": bf16}) == [big, small]  # 147 KB
    assert fits_shared_memory([big, small], {"a": fp32}) == [small]  # 295 KB > 227 KB
    assert fits_shared_memory([big, small], {"a": bf16}, C_TMA=True) == [big, small]  # + 64 KB C tile: 213 KB
    huge = cfg(256, 256, 128, 4)
    assert fits_shared_memory([huge, big], {"a": fp32}) == [big]  # none fit: keep the smallest
