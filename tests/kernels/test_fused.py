"""Fused kernels, forward and backward, against float64 numpy references (formulas written out here)."""
import math
import os

import numpy as np
import pytest

pytest.importorskip("triton")

from kernel_checks import assert_close, dtype_of  # noqa: E402
from teenygrad.kernels import adamw, cross_entropy, flash_attention, gelu, layernorm, softmax  # noqa: E402

FLOATS = ["float32", "float16", "bfloat16"]


def f64(*xs):
    return [np.asarray(x).astype(np.float64) for x in xs]


def _softmax64(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("dtype_name", FLOATS)
@pytest.mark.parametrize("shape", [(7, 37), (1, 1), (3, 128)])
def test_softmax(dtype_name, shape, rng):
    dt = dtype_of(dtype_name)
    x = (rng.standard_normal(shape[::-1]) * 4).astype(dt).T  # transposed: strided rows
    dy = rng.standard_normal(shape).astype(dt)
    y = softmax.softmax_fwd(x)
    ref = _softmax64(*f64(x))
    assert_close(y, ref, dtype_name, "softmax fwd")
    yy, g = f64(y, dy)  # the backward is a function of the y it is given
    assert_close(softmax.softmax_bwd(y, dy), yy * (g - (g * yy).sum(-1, keepdims=True)), dtype_name, "softmax bwd")


def test_softmax_rejects_bad_input():
    with pytest.raises(ValueError, match=r"2-D"):
        softmax.softmax_fwd(np.zeros((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match=r"y \(2, 3\) and dy \(2, 4\)"):
        softmax.softmax_bwd(np.zeros((2, 3), np.float32), np.zeros((2, 4), np.float32))


@pytest.mark.parametrize("dtype_name", FLOATS)
@pytest.mark.parametrize("n,classes,ignore_index", [(9, 45, -100), (4, 100, 3), (3, 1, -100)])
def test_cross_entropy(dtype_name, n, classes, ignore_index, rng):
    dt = dtype_of(dtype_name)
    logits = (rng.standard_normal((n, classes)) * 5).astype(dt)
    target = rng.integers(0, classes, n)
    target[0] = ignore_index  # one ignored row (a real class when ignore_index=3: then all its rows are ignored)
    loss, lse = cross_entropy.cross_entropy_fwd(logits, target, ignore_index)
    (x,) = f64(logits)
    lse64 = np.log(np.exp(x - x.max(1, keepdims=True)).sum(1)) + x.max(1)
    keep = target != ignore_index
    rows = np.arange(n)
    assert_close(loss, np.where(keep, lse64 - x[rows, np.where(keep, target, 0)], 0.0), "float32", "xent loss")
    assert_close(lse, lse64, "float32", "xent lse")
    dloss = rng.standard_normal(n).astype(np.float32)
    onehot = np.zeros_like(x)
    onehot[rows[keep], target[keep]] = 1.0
    ref = (np.exp(x - lse64[:, None]) - onehot) * np.where(keep, dloss, 0.0)[:, None]
    assert_close(cross_entropy.cross_entropy_bwd(logits, target, lse, dloss, ignore_index), ref, dtype_name, "xent bwd")


def test_cross_entropy_scalar_dloss_int32_targets_and_extreme_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-50.0, -50.0, -50.0]], np.float32)
    target = np.array([1, 2], np.int32)
    loss, lse = cross_entropy.cross_entropy_fwd(logits, target)
    assert_close(loss, [2000.0, math.log(3)], "float32", "extreme logits loss")
    dx = cross_entropy.cross_entropy_bwd(logits, target, lse, 0.5)
    assert_close(dx, [[0.5, -0.5, 0.0], [1 / 6, 1 / 6, 1 / 6 - 0.5]], "float32", "scalar dloss bwd")


def test_cross_entropy_rejects_bad_targets():
    logits = np.zeros((2, 5), np.float32)
    with pytest.raises(IndexError, match="target 5 is out of range for 5 classes"):
        cross_entropy.cross_entropy_fwd(logits, np.array([0, 5]))
    with pytest.raises(ValueError, match=r"\(2, 5\) and \(3,\)"):
        cross_entropy.cross_entropy_fwd(logits, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="integer"):
        cross_entropy.cross_entropy_fwd(logits, np.array([0.0, 1.0]))


@pytest.mark.parametrize("dtype_name", FLOATS)
@pytest.mark.parametrize("shape,has_bias", [((3, 5, 33), True), ((4, 64), False), ((1, 1), True)])
def test_layer_norm(dtype_name, shape, has_bias, rng):
    dt = dtype_of(dtype_name)
    N = shape[-1]
    x = (rng.standard_normal(shape) * 3 + 1).astype(dt)
    w = rng.standard_normal(N).astype(dt)
    b = rng.standard_normal(N).astype(dt) if has_bias else None
    dy = rng.standard_normal(shape).astype(dt)
    y, mean, rstd = layernorm.layer_norm_fwd(x, w, b, eps=1e-5)
    x64, w64, g = f64(x, w, dy)
    mu = x64.mean(-1, keepdims=True)
    r = 1 / np.sqrt(x64.var(-1, keepdims=True) + 1e-5)
    xhat = (x64 - mu) * r
    assert_close(y, xhat * w64 + (f64(b)[0] if has_bias else 0), dtype_name, "layernorm y")
    assert_close(mean, mu.reshape(-1), "float32", "layernorm mean")
    assert_close(rstd, r.reshape(-1), "float32", "layernorm rstd", scale=10)  # 1/sqrt amplifies rounding
    dx, dw, db = layernorm.layer_norm_bwd(dy, x, w, mean, rstd)
    dxhat = g * w64
    ref_dx = r * (dxhat - dxhat.mean(-1, keepdims=True) - xhat * (dxhat * xhat).mean(-1, keepdims=True))
    lead = tuple(range(len(shape) - 1))
    assert_close(dx, ref_dx, dtype_name, "layernorm dx", scale=4)
    assert_close(dw, (g * xhat).sum(lead), dtype_name, "layernorm dw", scale=4)
    assert_close(db, g.sum(lead), dtype_name, "layernorm db", scale=4)


_erf = np.vectorize(math.erf)


@pytest.mark.parametrize("dtype_name", FLOATS)
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(dtype_name, approximate, rng):
    dt = dtype_of(dtype_name)
    x = (rng.standard_normal((40, 13)) * 4).astype(dt).T  # non-contiguous, 520 elements: several programs
    dy = rng.standard_normal(x.shape).astype(dt)
    x64, g = f64(x, dy)
    if approximate == "none":
        phi = 0.5 * (1 + _erf(x64 / math.sqrt(2)))
        y, dydx = x64 * phi, phi + x64 * np.exp(-0.5 * x64 ** 2) / math.sqrt(2 * math.pi)
    else:
        c = math.sqrt(2 / math.pi)
        t = np.tanh(c * (x64 + 0.044715 * x64 ** 3))
        y, dydx = 0.5 * x64 * (1 + t), 0.5 * (1 + t) + 0.5 * x64 * (1 - t * t) * c * (1 + 3 * 0.044715 * x64 ** 2)
    assert_close(gelu.gelu_fwd(x, approximate), y, dtype_name, f"gelu {approximate} fwd")
    assert_close(gelu.gelu_bwd(dy, x, approximate), g * dydx, dtype_name, f"gelu {approximate} bwd")


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        gelu.gelu_fwd(np.zeros(3, np.float32), "sigmoid")


def _attention64(q, k, v, do, causal, scale):
    s = q @ k.swapaxes(-1, -2) * scale
    if causal:
        T = q.shape[2]
        s = np.where(np.tril(np.ones((T, T), bool)), s, -np.inf)
    m = s.max(-1, keepdims=True)
    lse = m + np.log(np.exp(s - m).sum(-1, keepdims=True))
    p = np.exp(s - lse)
    dp = do @ v.swapaxes(-1, -2)
    ds = p * (dp - (dp * p).sum(-1, keepdims=True))
    return p @ v, lse[..., 0], ds @ k * scale, ds.swapaxes(-1, -2) @ q * scale, p.swapaxes(-1, -2) @ do


@pytest.mark.parametrize("dtype_name", ["float32", "float16"])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("B,H,T,D", [(2, 3, 37, 20), (1, 2, 16, 16), (1, 1, 5, 8)])
def test_flash_attention(dtype_name, causal, B, H, T, D, rng):
    dt = dtype_of(dtype_name)
    # q, k, v as a model makes them: (B, T, H, D) storage viewed as (B, H, T, D), i.e. strided
    q, k, v = (rng.standard_normal((B, T, H, D)).astype(dt).transpose(0, 2, 1, 3) for _ in range(3))
    do = rng.standard_normal((B, H, T, D)).astype(dt)
    scale = 1 / math.sqrt(D)
    o, lse = flash_attention.attention_fwd(q, k, v, causal=causal)
    ref = _attention64(*f64(q, k, v, do), causal, scale)
    # half-precision flash kernels round P and dS to fp16 before their matmuls: 4x the fp16 tolerance
    loose = 4 if dtype_name == "float16" else 1
    assert_close(o, ref[0], dtype_name, "attention out", scale=loose)
    assert_close(lse, ref[1], "float32", "attention lse", scale=1 if dtype_name == "float32" else 50)
    for name, got, want in zip(("dq", "dk", "dv"), flash_attention.attention_bwd(do, q, k, v, o, lse, causal), ref[2:]):
        assert_close(got, want, dtype_name, f"attention {name}", scale=loose)


GPU_TILES = {"ieee": {"fwd": (32, 32), "dkdv": (32, 32), "dq": (64, 64)},
             "tf32x3": {"fwd": (32, 64), "dkdv": (64, 32), "dq": (64, 64)}}


@pytest.mark.parametrize("precision", ["ieee", "tf32x3"])
@pytest.mark.parametrize("causal", [False, True])
def test_flash_attention_with_the_gpu_fp32_tiles(causal, precision, rng, monkeypatch):
    """fp32 on a GPU takes its own tiles per kernel and precision (_FP32_TILES, _TF32X3_TILES; BLOCK_M != BLOCK_N in
    two of tf32x3's): the same numbers as the reference with those tiles, here in the interpreter (which otherwise
    uses 16 everywhere, and multiplies tf32x3 as fp32)."""
    monkeypatch.setattr(flash_attention, "interpreting", lambda: False)
    monkeypatch.setattr(flash_attention, "FP32_PRECISION", precision)
    tiles = {k: flash_attention.tile_meta(k, np.dtype(np.float32), 64) for k in ("fwd", "dkdv", "dq")}
    assert {k: (m["BLOCK_M"], m["BLOCK_N"]) for k, m in tiles.items()} == GPU_TILES[precision]
    B, H, T, D = 1, 2, 45, 64
    q, k, v, do = (rng.standard_normal((B, H, T, D)).astype(np.float32) for _ in range(4))
    o, lse = flash_attention.attention_fwd(q, k, v, causal=causal)
    ref = _attention64(*f64(q, k, v, do), causal, 1 / math.sqrt(D))
    assert_close(o, ref[0], "float32", "attention out")
    for name, got, want in zip(("dq", "dk", "dv"), flash_attention.attention_bwd(do, q, k, v, o, lse, causal), ref[2:]):
        assert_close(got, want, "float32", f"attention {name}")


def test_flash_attention_rejects_mismatched_shapes():
    q = np.zeros((1, 2, 4, 8), np.float32)
    with pytest.raises(ValueError, match=r"\(1, 2, 4, 8\), \(1, 2, 5, 8\)"):
        flash_attention.attention_fwd(q, np.zeros((1, 2, 5, 8), np.float32), q)


def test_adamw_matches_torch_semantics_over_steps(rng):
    shape = (13, 7)
    p = rng.standard_normal(shape).astype(np.float32)
    m, v = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    p64, m64, v64 = f64(p, m, v)
    lr, b1, b2, eps, wd = 3e-3, 0.9, 0.95, 1e-8, 0.1
    for step in range(1, 4):
        g = rng.standard_normal(shape).astype(np.float32)
        adamw.adamw_step(p, g, m, v, lr, b1, b2, eps, wd, step)
        p64 = p64 * (1 - lr * wd)
        m64 = b1 * m64 + (1 - b1) * g
        v64 = b2 * v64 + (1 - b2) * g.astype(np.float64) ** 2
        p64 = p64 - lr / (1 - b1 ** step) * m64 / (np.sqrt(v64) / math.sqrt(1 - b2 ** step) + eps)
        assert_close(p, p64, "float32", f"adamw param step {step}")
        assert_close(m, m64, "float32", f"adamw exp_avg step {step}")
        assert_close(v, v64, "float32", f"adamw exp_avg_sq step {step}")


def test_adamw_rejects_bad_input():
    z = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match="step must be >= 1"):
        adamw.adamw_step(z, z, z.copy(), z.copy(), 1e-3, step=0)
    with pytest.raises(ValueError, match="grad must be C-contiguous"):
        adamw.adamw_step(z, np.zeros((3, 4), np.float32).T, z.copy(), z.copy(), 1e-3)
    with pytest.raises(ValueError, match=r"exp_avg has shape \(4,\)"):
        adamw.adamw_step(z, z, np.zeros(4, np.float32), z.copy(), 1e-3)


def test_flash_fp32_precision_switch(monkeypatch):
    """TEENYGRAD_FLASH_FP32=tf32x3 (FP32_PRECISION) gives fp32 attention tensor-core dots and their own tiles on a
    GPU; half precision and the interpreter keep "ieee"; an unknown value is refused at import."""
    monkeypatch.setattr(flash_attention, "interpreting", lambda: False)
    monkeypatch.setattr(flash_attention, "FP32_PRECISION", "tf32x3")
    meta = flash_attention.tile_meta("dkdv", np.dtype(np.float32), 64)
    assert (meta["PRECISION"], meta["BLOCK_M"], meta["BLOCK_N"], meta["num_stages"]) == ("tf32x3", 64, 32, 1)
    assert flash_attention.tile_meta("dq", np.dtype(np.float32), 128)["BLOCK_M"] == 64  # no sweep: the half tiles
    assert flash_attention.tile_meta("dq", np.dtype(np.float16), 64)["PRECISION"] == "ieee"
    monkeypatch.setattr(flash_attention, "interpreting", lambda: True)
    assert flash_attention.tile_meta("fwd", np.dtype(np.float32), 64)["PRECISION"] == "ieee"
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-c", "import teenygrad.kernels.flash_attention"], capture_output=True,
                       text=True, env=dict(os.environ, TEENYGRAD_FLASH_FP32="tf32"))
    assert r.returncode != 0 and "TEENYGRAD_FLASH_FP32 must be ieee or tf32x3, got 'tf32'" in r.stderr
