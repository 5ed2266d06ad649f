"""Compile every kernel for an H100 (sm_90) on a machine without a GPU, and check the PTX uses the
hardware each rung is about (mma/wgmma tensor cores, tf32, TMA bulk copies).

The interpreter runs kernels as Python, so it cannot catch what only the compiler rejects (types that
change inside loops, unsupported ops, constexpr misuse). triton.compile needs no driver for a given
target; ptxas ships with triton. Run as a script (it must NOT see TRITON_INTERPRET=1):
    python tests/kernels/compile_sm90.py                 # one config per kernel (the test runs this)
    python tests/kernels/compile_sm90.py --all-configs   # plus every bf16 autotune config of rungs 4-5
"""
import os
import sys
import time
import types

os.environ.pop("TRITON_INTERPRET", None)
os.environ.setdefault("TRITON_DEFAULT_BACKEND", "nvidia")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

import numpy as np  # noqa: E402
import triton  # noqa: E402
from triton.backends.compiler import GPUTarget  # noqa: E402
from triton.compiler import ASTSource  # noqa: E402
from triton.runtime.jit import JITFunction  # noqa: E402

from teenygrad.kernels import (adamw, cross_entropy, flash_attention, gelu, gemm_1_naive, gemm_2_tiled,  # noqa: E402
                               gemm_3_scheduled, gemm_4_tensorcore, gemm_5_hopper, layernorm, softmax)

TARGET = GPUTarget("cuda", 90, 32)
H100_SHARED_BYTES = 232448  # per-block opt-in limit on sm_90; more fails at launch with OutOfResources
FLOAT_ARGS = {"lr", "beta1", "beta2", "eps", "weight_decay", "step_size", "inv_sqrt_bc2", "scale"}


def compile_kernel(kernel, pointers, constexprs, num_warps=4, num_stages=3, divisible=()):
    """Compile for sm_90; pointer args get the given element types, other non-constexpr args are i32/fp32.
    `divisible` names args promised to be multiples of 16 (pointers: 16-byte aligned), as Triton's
    launcher promises for real aligned arguments; that is what lets it emit 16-byte vector copies."""
    fn = kernel
    while not isinstance(fn, JITFunction):  # unwrap @autotune / @heuristics
        fn = fn.fn
    signature = {}
    for name in fn.arg_names:
        if name in constexprs:
            signature[name] = "constexpr"
        elif name in pointers:
            signature[name] = "*" + pointers[name]
        else:
            signature[name] = "fp32" if name in FLOAT_ARGS else "i32"
    attrs = {(fn.arg_names.index(n),): [["tt.divisibility", 16]] for n in divisible}
    src = ASTSource(fn, signature, constexprs=constexprs, attrs=attrs)
    return triton.compile(src, target=TARGET, options={"num_warps": num_warps, "num_stages": num_stages})


def gemm_ptrs(dt):
    return {"a": dt, "b": dt, "c": dt}


# A row-major, aligned GEMM as the launcher specializes it: unit strides become constants,
# sizes and the other strides are known multiples of 16.
ALIGNED = dict(s_ak=1, s_bn=1, s_cn=1)
ALIGNED_DIV = ("a", "b", "c", "M", "N", "K", "s_am", "s_bk", "s_cm")
ASYNC_16B = "cp.async.cg.shared.global"  # with 0x10: pipelined 16-byte copies global -> shared


def config_kwargs(module, dtype="bfloat16", c_tma=False):
    """The first autotune config the kernel would try for this element type (after the shared-memory prune)."""
    operand = types.SimpleNamespace(dtype=dtype if dtype != "bfloat16" else "float16")  # same itemsize
    cfg = gemm_3_scheduled.fits_shared_memory(module._configs(), {"a": operand}, C_TMA=c_tma)[0]
    return cfg.kwargs, cfg.num_warps, cfg.num_stages


def cases(all_configs=False):
    """(name, kernel, pointer types, constexprs, warps, stages, text the PTX must contain[, divisible args])."""
    tc_kw, tc_w, tc_s = config_kwargs(gemm_4_tensorcore)
    sc_kw, sc_w, sc_s = config_kwargs(gemm_3_scheduled)
    hp_kw, hp_w, hp_s = config_kwargs(gemm_5_hopper, c_tma=True)
    tf_kw, tf_w, tf_s = config_kwargs(gemm_4_tensorcore, "float32")
    hp_tf_kw, hp_tf_w, hp_tf_s = config_kwargs(gemm_5_hopper, "float32", c_tma=True)
    attn = dict(BLOCK_M=64, BLOCK_N=64, BLOCK_D=64, PRECISION="ieee", UPCAST=False)
    yield "gemm_1_naive fp32", gemm_1_naive._naive_kernel, gemm_ptrs("fp32"), dict(BLOCK_K=16), 4, 3, None
    yield ("gemm_2_tiled fp32 (ieee: no tensor cores)", gemm_2_tiled._tiled_kernel, gemm_ptrs("fp32"),
           dict(BLOCK_M=64, BLOCK_N=64, BLOCK_K=32, UPCAST=False), 4, 3, None)
    yield ("gemm_2_tiled fp16", gemm_2_tiled._tiled_kernel, gemm_ptrs("fp16"),
           dict(BLOCK_M=64, BLOCK_N=64, BLOCK_K=32, UPCAST=False), 4, 3, "mma")
    yield ("gemm_2_tiled fp32 aligned", gemm_2_tiled._tiled_kernel, gemm_ptrs("fp32"),
           dict(**ALIGNED, BLOCK_M=64, BLOCK_N=64, BLOCK_K=32, UPCAST=False), 4, 3, ASYNC_16B, ALIGNED_DIV)
    yield ("gemm_3_scheduled bf16", gemm_3_scheduled._scheduled_kernel, gemm_ptrs("bf16"),
           dict(sc_kw, UPCAST=False), sc_w, sc_s, "wgmma")
    yield ("gemm_3_scheduled fp32 aligned", gemm_3_scheduled._scheduled_kernel, gemm_ptrs("fp32"),
           dict(sc_kw, **ALIGNED, UPCAST=False), sc_w, sc_s, ASYNC_16B, ALIGNED_DIV)
    yield ("gemm_4_tensorcore bf16 aligned", gemm_4_tensorcore._tensorcore_kernel, gemm_ptrs("bf16"),
           dict(tc_kw, **ALIGNED, PRECISION="ieee", UPCAST=False, EVEN_K=True), tc_w, tc_s, ASYNC_16B, ALIGNED_DIV)
    for dt, prec, even, want in [("bf16", "ieee", True, "wgmma"), ("fp16", "ieee", False, "wgmma")]:
        yield (f"gemm_4_tensorcore {dt} {prec} EVEN_K={even}", gemm_4_tensorcore._tensorcore_kernel, gemm_ptrs(dt),
               dict(tc_kw, PRECISION=prec, UPCAST=False, EVEN_K=even), tc_w, tc_s, want)
    yield ("gemm_4_tensorcore fp32 tf32", gemm_4_tensorcore._tensorcore_kernel, gemm_ptrs("fp32"),
           dict(tf_kw, PRECISION="tf32", UPCAST=False, EVEN_K=True), tf_w, tf_s, "tf32")
    every_config = [(gemm_4_tensorcore, gemm_4_tensorcore._tensorcore_kernel, dict(EVEN_K=True)),
                    (gemm_5_hopper, gemm_5_hopper._hopper_kernel, dict(A_T=False, B_T=False, C_TMA=True))]
    for module, kernel, extra in every_config if all_configs else []:
        for i, cfg in enumerate(module._configs()):  # every bf16 autotune candidate must fit the chip
            yield (f"{module.__name__.split('.')[-1]} bf16 config {i} {tuple(cfg.kwargs.values())}", kernel,
                   gemm_ptrs("bf16"), dict(cfg.kwargs, PRECISION="ieee", UPCAST=False, **extra), cfg.num_warps,
                   cfg.num_stages, "wgmma")
    for a_t, b_t, c_tma in [(False, False, True), (False, True, True), (True, False, False)]:
        yield (f"gemm_5_hopper bf16 A_T={a_t} B_T={b_t} C_TMA={c_tma}", gemm_5_hopper._hopper_kernel,
               gemm_ptrs("bf16"), dict(hp_kw, A_T=a_t, B_T=b_t, C_TMA=c_tma, PRECISION="ieee", UPCAST=False),
               hp_w, hp_s, "cp.async.bulk.tensor")
    yield ("gemm_5_hopper fp32 tf32", gemm_5_hopper._hopper_kernel, gemm_ptrs("fp32"),
           dict(hp_tf_kw, A_T=False, B_T=False, C_TMA=True, PRECISION="tf32", UPCAST=False), hp_tf_w, hp_tf_s, "tf32")
    yield "softmax fwd", softmax._softmax_fwd_kernel, {"x": "bf16", "y": "bf16"}, dict(BLOCK=1024), 4, 1, None
    yield ("softmax bwd", softmax._softmax_bwd_kernel, {"y": "fp32", "dy": "fp32", "dx": "fp32"},
           dict(BLOCK=1024), 4, 1, None)
    xent = {"x": "bf16", "target": "i64", "loss": "fp32", "lse": "fp32", "dloss": "fp32", "dx": "bf16"}
    yield "cross_entropy fwd", cross_entropy._xent_fwd_kernel, xent, dict(BLOCK=4096), 8, 1, None
    yield "cross_entropy bwd", cross_entropy._xent_bwd_kernel, xent, dict(BLOCK=4096), 8, 1, None
    ln = {n: "fp32" for n in ("x", "w", "b", "y", "mean", "rstd", "dy", "dx", "dw_part", "db_part")}
    yield "layernorm fwd", layernorm._ln_fwd_kernel, ln, dict(BLOCK=1024, HAS_BIAS=True), 4, 1, None
    yield "layernorm bwd", layernorm._ln_bwd_kernel, ln, dict(BLOCK=1024), 4, 1, None
    for tanh in (False, True):
        for bwd in (False, True):
            yield (f"gelu tanh={tanh} backward={bwd}", gelu._gelu_kernel, {"x": "fp16", "dy": "fp16", "out": "fp16"},
                   dict(BLOCK=1024, TANH=tanh, BACKWARD=bwd), 4, 1, None)
    qkv = {n: "fp16" for n in ("q", "k", "v", "o", "do", "dq", "dk", "dv")}
    qkv.update(lse="fp32", delta="fp32")
    for causal in (False, True):
        yield (f"attention fwd causal={causal}", flash_attention._fwd_kernel, qkv, dict(attn, CAUSAL=causal), 4, 2,
               "mma")
        yield (f"attention bwd dk/dv causal={causal}", flash_attention._bwd_dkdv_kernel, qkv,
               dict(attn, CAUSAL=causal), 4, 2, "mma")
        yield (f"attention bwd dq causal={causal}", flash_attention._bwd_dq_kernel, qkv, dict(attn, CAUSAL=causal),
               4, 2, "mma")
    # fp32 attention runs its dots as unrolled FMAs: each kernel's tile (flash_attention._FP32_TILES) keeps its
    # spills (ptxas -v) where they were when chosen. At D = 64 the tiles timed fastest on an H200 (bench/flash_sweep.py)
    # spill 8.3 KB (dkdv 32 x 32) and 22 KB (dq 64 x 64) per thread and still beat the spill-free 16 x 16 / 32 x 32
    qkv32 = dict({n: "fp32" for n in qkv}, lse="fp32", delta="fp32")
    for (which, block_d), limit in {("fwd", 64): 0, ("dkdv", 64): 9000, ("dq", 64): 24000,
                                    ("fwd", 128): 0, ("dkdv", 128): 2560, ("dq", 128): 0}.items():
        meta = flash_attention.tile_meta(which, np.dtype(np.float32), block_d)
        warps, stages = meta.pop("num_warps"), meta.pop("num_stages")
        kernel = {"fwd": flash_attention._fwd_kernel, "dkdv": flash_attention._bwd_dkdv_kernel,
                  "dq": flash_attention._bwd_dq_kernel}[which]
        tile = f"{meta['BLOCK_M']}x{meta['BLOCK_N']}/{warps} warps"
        yield (f"attention {which} fp32 D={block_d} tile {tile}", kernel, qkv32,
               dict(meta, CAUSAL=True), warps, stages, f"spill<={limit}")
    for which, kernel in (("fwd", flash_attention._fwd_kernel), ("dkdv", flash_attention._bwd_dkdv_kernel),
                          ("dq", flash_attention._bwd_dq_kernel)):  # TEENYGRAD_FLASH_FP32=tf32x3: tensor cores
        yield (f"attention {which} fp32 tf32x3", kernel, qkv32, dict(attn, CAUSAL=True, PRECISION="tf32x3"), 4, 2,
               "mma")
    yield ("adamw", adamw._adamw_kernel, {"p": "fp32", "g": "bf16", "m": "fp32", "v": "fp32"}, dict(BLOCK=1024),
           4, 1, None)


def spill_bytes(ptx):
    """Bytes of spill stores per thread that ptxas reports for sm_90a, or None when no ptxas here can read this
    PTX (Triton names the one it uses through get_ptxas)."""
    import re
    import subprocess
    import tempfile
    from triton.backends.nvidia import compiler as nv
    try:
        path = nv.get_ptxas(90).path
    except Exception:  # older Triton: the bundled one
        path = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "ptxas")
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "k.ptx")
        with open(src, "w") as f:
            f.write(ptx)
        r = subprocess.run([path, "-arch=sm_90a", "-v", src, "-o", os.path.join(d, "k.cubin")],
                           capture_output=True, text=True)
    m = re.search(r"(\d+) bytes spill stores", r.stderr)
    return int(m.group(1)) if r.returncode == 0 and m else None


def main():
    failures = 0
    for name, kernel, pointers, constexprs, warps, stages, want, *divisible in cases("--all-configs" in sys.argv):
        t0 = time.perf_counter()
        try:
            compiled = compile_kernel(kernel, pointers, constexprs, warps, stages, *divisible)
            ptx = compiled.asm["ptx"]
            if want and want.startswith("spill<="):
                spilled = spill_bytes(ptx)
                ok = spilled is None or spilled <= int(want[7:])
                note = ("(no ptxas here reads this PTX: spills not checked)" if spilled is None
                        else f"{spilled} bytes of spill stores" + ("" if ok else f" > {want[7:]}"))
            else:
                ok = want is None or (want in ptx and (want != ASYNC_16B or "0x10," in ptx))
                note = "" if ok else f"PTX lacks {want!r}"
            if compiled.metadata.shared > H100_SHARED_BYTES:
                ok, note = False, f"needs {compiled.metadata.shared} bytes of shared memory > {H100_SHARED_BYTES}"
        except Exception as e:  # report every kernel, then fail
            ok, note = False, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:55s} {time.perf_counter() - t0:5.1f}s {note}", flush=True)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
