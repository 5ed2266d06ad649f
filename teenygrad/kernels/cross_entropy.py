"""Fused cross entropy: log_softmax + NLL with class-index targets and ignore_index, forward and backward.

    lse  = log(sum_c exp(x_c))               (online: running max and rescaled sum, one pass over the row)
    loss = lse - x[target]                   (0 where target == ignore_index)
    dx   = (exp(x - lse) - onehot(target)) * dloss      (0 rows where target == ignore_index)

Why fused: the log-probabilities (rows x vocab, the biggest activation of a language model) are never
written to memory; the forward reads the logits once and keeps only lse (one float per row) for the
backward, which reads them once more and writes dlogits. Columns are walked in blocks, so any
vocabulary size works. Reduction (mean over non-ignored rows) is left to the caller: pass
dloss = grad / count per row.
Number reached: not yet measured on a GPU: run `python bench/gpu.py` (reports time vs the cupy composite).
"""
import triton
import triton.language as tl

from ._launch import check_float, interpreting, ptrs, strides, xp_of


@triton.jit
def _xent_fwd_kernel(x, target, loss, lse, V, s_xr, s_xc, s_t, ignore_index, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    x += row * s_xr
    # Per-lane online logsumexp: each lane keeps its own running max m and sum s (rescaled when m grows);
    # lanes are combined once at the end. m starts very negative but finite so exp(m_old - m_new) is never nan.
    m = tl.full([BLOCK], -1e30, tl.float32)
    s = tl.zeros([BLOCK], dtype=tl.float32)
    for c0 in range(0, V, BLOCK):
        cols = c0 + tl.arange(0, BLOCK)
        v = tl.load(x + cols * s_xc, mask=cols < V, other=-float("inf")).to(tl.float32)
        m_new = tl.maximum(m, v)
        s = s * tl.exp(m - m_new) + tl.exp(v - m_new)
        m = m_new
    m_row = tl.max(m, axis=0)
    row_lse = m_row + tl.log(tl.sum(s * tl.exp(m - m_row), axis=0))
    t = tl.load(target + row * s_t)
    keep = t != ignore_index
    x_t = tl.load(x + tl.where(keep, t, 0) * s_xc).to(tl.float32)  # ignored rows read a harmless column 0
    tl.store(loss + row, tl.where(keep, row_lse - x_t, 0.0))
    tl.store(lse + row, row_lse)


@triton.jit
def _xent_bwd_kernel(x, target, lse, dloss, dx, V, s_xr, s_xc, s_t, s_dxr, s_dxc, ignore_index, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    t = tl.load(target + row * s_t)
    g = tl.where(t != ignore_index, tl.load(dloss + row), 0.0)
    row_lse = tl.load(lse + row)
    for c0 in range(0, V, BLOCK):
        cols = c0 + tl.arange(0, BLOCK)
        v = tl.load(x + row * s_xr + cols * s_xc, mask=cols < V, other=0.0).to(tl.float32)
        grad = (tl.exp(v - row_lse) - tl.where(cols == t, 1.0, 0.0)) * g
        tl.store(dx + row * s_dxr + cols * s_dxc, grad.to(dx.dtype.element_ty), mask=cols < V)


def _check(name, logits, target, ignore_index):
    check_float(name, logits=logits)
    if logits.ndim != 2 or target.shape != logits.shape[:1]:
        raise ValueError(f"{name}: expects logits (n, classes) and target (n,), got {logits.shape} and {target.shape}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got {target.dtype}")
    # A bad index would read out of bounds on the GPU; this check costs one device sync.
    bad = (target != ignore_index) & ((target < 0) | (target >= logits.shape[1]))
    if bool(bad.any()):
        value = int(target[bad][0])
        raise IndexError(f"{name}: target {value} is out of range for {logits.shape[1]} classes "
                         f"(ignore_index={ignore_index})")


def _block(V):
    return min(triton.next_power_of_2(max(V, 1)), 32 if interpreting() else 4096)


def cross_entropy_fwd(logits, target, ignore_index=-100):
    """Per-row loss (fp32, 0 on ignored rows) and per-row logsumexp (fp32, kept for the backward)."""
    _check("cross_entropy_fwd", logits, target, ignore_index)
    xp = xp_of(logits)
    n, V = logits.shape
    loss, lse = xp.empty(n, dtype=xp.float32), xp.empty(n, dtype=xp.float32)
    if n:
        _xent_fwd_kernel[(n,)](*ptrs(logits, target, loss, lse), V, *strides(logits), strides(target)[0],
                               ignore_index, BLOCK=_block(V), num_warps=8)
    return loss, lse


def cross_entropy_bwd(logits, target, lse, dloss, ignore_index=-100):
    """dlogits for per-row upstream gradients dloss (an array of n, or a scalar applied to every row)."""
    _check("cross_entropy_bwd", logits, target, ignore_index)
    xp = xp_of(logits)
    n, V = logits.shape
    dloss = xp.broadcast_to(xp.asarray(dloss, dtype=xp.float32), (n,))
    dloss = xp.ascontiguousarray(dloss)
    if lse.shape != (n,):
        raise ValueError(f"cross_entropy_bwd: lse has shape {lse.shape}, expected {(n,)}")
    lse = xp.ascontiguousarray(lse, dtype=xp.float32)
    dx = xp.empty(logits.shape, dtype=logits.dtype)
    if n:
        _xent_bwd_kernel[(n,)](*ptrs(logits, target, lse, dloss, dx), V, *strides(logits), strides(target)[0],
                               *strides(dx), ignore_index, BLOCK=_block(V), num_warps=8)
    return dx
