"""Fused AdamW step, in place, with torch.optim.AdamW semantics (decoupled weight decay, bias correction).

    p <- p * (1 - lr*wd)
    m <- b1*m + (1-b1)*g;       v <- b2*v + (1-b2)*g^2
    p <- p - lr/(1-b1^step) * m / (sqrt(v)/sqrt(1-b2^step) + eps)

Why fused: the composite touches p, m, v and g in ~10 separate passes with temporaries; here each
element of p, m, v is read once and written once and g is read once. Bias corrections are scalars
computed on the host per step. Arithmetic is fp32 whatever the storage dtype.
Number reached: not yet measured on a GPU: run `python bench/gpu.py` (reports time vs the cupy composite).
"""
import math

import triton
import triton.language as tl

from ._launch import check_float, interpreting, ptrs


@triton.jit
def _adamw_kernel(p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, step_size, inv_sqrt_bc2, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    pv = tl.load(p + offs, mask=mask).to(tl.float32)
    gv = tl.load(g + offs, mask=mask).to(tl.float32)
    mv = beta1 * tl.load(m + offs, mask=mask).to(tl.float32) + (1.0 - beta1) * gv
    vv = beta2 * tl.load(v + offs, mask=mask).to(tl.float32) + (1.0 - beta2) * gv * gv
    pv = pv * (1.0 - lr * weight_decay)
    pv = pv - step_size * mv / (tl.sqrt(vv) * inv_sqrt_bc2 + eps)
    tl.store(p + offs, pv.to(p.dtype.element_ty), mask=mask)
    tl.store(m + offs, mv.to(m.dtype.element_ty), mask=mask)
    tl.store(v + offs, vv.to(v.dtype.element_ty), mask=mask)


def adamw_step(param, grad, exp_avg, exp_avg_sq, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2, step=1):
    """Update param, exp_avg and exp_avg_sq in place for optimizer step number `step` (1-based)."""
    check_float("adamw_step", param=param, grad=grad, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)
    for name, x in (("grad", grad), ("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq)):
        if x.shape != param.shape:
            raise ValueError(f"adamw_step: {name} has shape {x.shape}, param has {param.shape}")
    for name, x in (("param", param), ("grad", grad), ("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq)):
        if not x.flags.c_contiguous:
            raise ValueError(f"adamw_step: {name} must be C-contiguous (updated in place as a flat buffer)")
    if step < 1:
        raise ValueError(f"adamw_step: step must be >= 1 (bias correction divides by 1 - beta^step), got {step}")
    n = param.size
    block = 256 if interpreting() else 1024
    step_size = lr / (1.0 - beta1 ** step)
    inv_sqrt_bc2 = 1.0 / math.sqrt(1.0 - beta2 ** step)
    if n:
        _adamw_kernel[(triton.cdiv(n, block),)](*ptrs(*(x.reshape(-1) for x in (param, grad, exp_avg, exp_avg_sq))),
                                                n, float(lr), float(beta1), float(beta2), float(eps),
                                                float(weight_decay), step_size, inv_sqrt_bc2, BLOCK=block)
    return param
