"""Fused GELU, forward and backward, exact (erf) or tanh approximation (torch's approximate="tanh").

    exact: y = x * Phi(x),  Phi(x) = (1 + erf(x / sqrt(2))) / 2;   dy/dx = Phi(x) + x * exp(-x^2/2) / sqrt(2*pi)
    tanh:  u = sqrt(2/pi) * (x + 0.044715 x^3),  y = x/2 * (1 + tanh(u))
           dy/dx = (1 + tanh(u))/2 + x/2 * (1 - tanh(u)^2) * sqrt(2/pi) * (1 + 3*0.044715 x^2)

Why fused: the composite makes a pass over memory per elementwise op (~8 for the tanh form); here
it is one read and one write (forward) or two reads and one write (backward). tanh is written via
exp because Triton's core language has no tanh.
Number reached: not yet measured on a GPU: run `python bench/gpu.py` (reports time vs the cupy composite).
"""
import triton
import triton.language as tl

from ._launch import check_float, interpreting, ptrs, xp_of

# tl.constexpr: compiled kernels may only read module globals that are compile-time constants
SQRT_2_OVER_PI = tl.constexpr(0.7978845608028654)
INV_SQRT_2 = tl.constexpr(0.7071067811865476)
INV_SQRT_2PI = tl.constexpr(0.3989422804014327)


@triton.jit
def _tanh(u):
    e = tl.exp(-2.0 * tl.abs(u))  # in (0, 1]: never overflows, unlike exp(2u)
    t = (1.0 - e) / (1.0 + e)
    return tl.where(u < 0, -t, t)


@triton.jit
def _gelu_kernel(x, dy, out, n, BLOCK: tl.constexpr, TANH: tl.constexpr, BACKWARD: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    v = tl.load(x + offs, mask=mask, other=0.0).to(tl.float32)
    if TANH:
        # tensor * constexpr, not constexpr * tensor: the interpreter mishandles the latter
        t = _tanh((v + 0.044715 * v * v * v) * SQRT_2_OVER_PI)
        if BACKWARD:
            g = 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * v * v)
        else:
            r = 0.5 * v * (1.0 + t)
    else:
        phi = 0.5 * (1.0 + tl.erf(v * INV_SQRT_2))
        if BACKWARD:
            g = phi + v * tl.exp(-0.5 * v * v) * INV_SQRT_2PI
        else:
            r = v * phi
    if BACKWARD:
        r = g * tl.load(dy + offs, mask=mask, other=0.0).to(tl.float32)
    tl.store(out + offs, r.to(out.dtype.element_ty), mask=mask)


def _approximate_flag(approximate):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return approximate == "tanh"


def _launch(x, dy, approximate):
    xp = xp_of(x)
    flat = xp.ascontiguousarray(x).reshape(-1)  # elementwise: any layout, computed on a flat copy
    dflat = None if dy is None else xp.ascontiguousarray(dy).reshape(-1)
    out = xp.empty(flat.shape, dtype=x.dtype if dy is None else dy.dtype)
    block = 256 if interpreting() else 1024
    if flat.size:
        _gelu_kernel[(triton.cdiv(flat.size, block),)](*ptrs(flat, dflat if dflat is not None else flat, out),
                                                       flat.size, BLOCK=block, TANH=_approximate_flag(approximate),
                                                       BACKWARD=dy is not None)
    return out.reshape(x.shape)


def gelu_fwd(x, approximate="none"):
    """GELU(x) elementwise, in x's dtype (computed in fp32)."""
    check_float("gelu_fwd", x=x)
    _approximate_flag(approximate)
    return _launch(x, None, approximate)


def gelu_bwd(dy, x, approximate="none"):
    """dx = dy * GELU'(x), given the forward input x."""
    check_float("gelu_bwd", dy=dy, x=x)
    if dy.shape != x.shape:
        raise ValueError(f"gelu_bwd: dy {dy.shape} and x {x.shape} differ in shape")
    _approximate_flag(approximate)
    return _launch(x, dy, approximate)
