"""Muon (Keller Jordan, 2024) as torch.optim.Muon: SGD momentum whose update is orthogonalized by a quintic
Newton-Schulz iteration, for 2-D weights only.

torch runs the iteration in bfloat16 whatever the parameter's dtype; numpy has no bfloat16 matmul, so each product
here is taken in float32 on bfloat16 values (torch accumulates in float32 too) and rounded to bfloat16 where torch's
kernel rounds. One product then differs from torch's in about 1 element in 10^4 (float32 summation order landing on
the other side of a bfloat16 rounding boundary), but the iteration amplifies such flips: against torch 2.13's
_zeropower_via_newtonschulz on standard normal gradients, the share of differing elements of the result was 0 at
8x16, 0 to 67% at 20x33 and 32x64 (depending on the draw), 12-68% at 128x256 and 256x128, about 70% at 768x768,
with a relative Frobenius error of at most 0.7% throughout: bfloat16 noise, of the size of torch's own distance
from an unrounded float32 iteration (1.2% at 128x256)."""
import math
import numpy as np
from ..tensor import Tensor
from .adam import _lerp_
from .optimizer import Optimizer

# the quintic's coefficients and steps from Keller Jordan's post (https://kellerjordan.github.io/posts/muon/)
EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def _round_bf16(a):
    """a rounded to bfloat16 (nearest, ties to even) and held as float32: float64 goes through float32 first, as
    torch's conversion does."""
    a = np.ascontiguousarray(a, np.float32)
    bits = a.view(np.uint32)
    out = ((bits + np.uint32(0x7FFF) + ((bits >> 16) & 1)) & np.uint32(0xFFFF0000)).view(np.float32)
    return np.where(np.isnan(a), a, out)


def _zeropower_via_newtonschulz(grad, ns_coefficients, ns_steps, eps, op="Muon"):
    """x = G / max(|G|_F, eps) (bfloat16), wide side last;  ns_steps times:
    A = x x^T;  B = b A + c A A;  x = a x + B x   -> roughly U V^T of G = U S V^T.  Returns float32 bfloat16 values."""
    if ns_steps >= 100:
        raise ValueError(f"{op}: Number of steps must be less than 100 for computational efficiency, got {ns_steps}")
    if grad.ndim != 2:
        raise ValueError(f"{op}: Input tensor gradient must be a 2D matrix, got shape {grad.shape}")
    if len(ns_coefficients) != 3:
        raise ValueError(f"{op}: Coefficients must be a tuple of exactly 3 values, got {tuple(ns_coefficients)}")
    a, b, c = (float(v) for v in ns_coefficients)
    x = _round_bf16(grad)
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    norm = _round_bf16(np.sqrt(np.square(x, dtype=np.float64).sum()))
    norm = np.maximum(norm, _round_bf16(eps))
    x = _round_bf16(x / norm)  # bfloat16 / bfloat16: float32 math, rounded once
    for _ in range(ns_steps):  # float32 products of bfloat16 values, as torch accumulates; each result rounded
        gram = _round_bf16(x @ x.T)
        gram_update = _round_bf16(np.float32(b) * gram + np.float32(c) * (gram @ gram))  # addmm rounds once
        x = _round_bf16(np.float32(a) * x + gram_update @ x)
    return x.T if tall else x


def _adjust_lr(lr, adjust_lr_fn, param_shape):
    """torch's lr scaling by shape (A, B): 'original' sqrt(max(1, A/B)), 'match_rms_adamw' 0.2 sqrt(max(A, B))."""
    A, B = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, A / B))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(A, B))
    else:
        ratio = 1.0
    return lr * ratio


class Muon(Optimizer):
    """m = lerp(m, g, 1 - momentum);  u = lerp(g, m, momentum) if nesterov else m
    p *= 1 - lr * weight_decay;  p -= adjust_lr(lr, p.shape) * newton_schulz(u)"""

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C), eps=EPS, ns_steps=DEFAULT_NS_STEPS,
                 adjust_lr_fn=None):
        op = type(self).__name__
        # torch's checks and wording, in torch's order
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError(f"{op}: Tensor lr must be 1-element, got shape {tuple(lr.shape)}")
        if not 0.0 <= float(lr):
            raise ValueError(f"{op}: Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"{op}: momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"{op}: weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"{op}: Adjust learning rate function {adjust_lr_fn} is not supported "
                             "(None, 'original' or 'match_rms_adamw')")
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                                      ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                                      adjust_lr_fn=adjust_lr_fn))
        for group in self.param_groups:  # as torch: checked here, not in add_param_group (step checks again)
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"{op} only supports 2D parameters whereas we found a parameter with size: "
                                     f"{tuple(p.shape)}")

    def step(self, closure=None):
        loss = self._run_closure(closure)
        op = type(self).__name__
        for group in self.param_groups:
            lr, weight_decay, momentum = self._lr(group), float(group["weight_decay"]), float(group["momentum"])
            for p in group["params"]:  # torch refuses before any parameter of the group moves
                if p.grad is not None and p._data.dtype.kind == "c":
                    raise RuntimeError(f"{op} does not support complex parameters (got {p._data.dtype})")
            for p in self._params_with_grad(group, op):
                x, g = p._data, p.grad._data
                if g.ndim != 2:
                    raise ValueError(f"{op}: Param gradient must be a 2D matrix, got shape {g.shape}")
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = Tensor._wrap(np.zeros_like(g))
                buf = state["momentum_buffer"]._data
                _lerp_(buf, g, 1 - momentum, self._scratch(x, 0))
                if group["nesterov"]:
                    update = self._scratch(x, 1)
                    np.copyto(update, g)
                    _lerp_(update, buf, momentum, self._scratch(x, 0))
                else:
                    update = buf
                ortho = _zeropower_via_newtonschulz(update, group["ns_coefficients"], int(group["ns_steps"]),
                                                    float(group["eps"]), op)
                adjusted_lr = _adjust_lr(lr, group["adjust_lr_fn"], x.shape)
                x *= 1 - lr * weight_decay
                ortho = ortho.astype(x.dtype, copy=False)
                ortho *= -adjusted_lr
                x += ortho
        return loss
