"""Fused losses: cross-entropy on class ids (weights, ignore_index, label smoothing), on probability targets, and
binary cross-entropy; each ONE graph node with an analytic backward, as the other fused ops in nn.py."""
import numpy as np
from ..autograd.function import Function
from ..backend.cpu import fused_for
from ..backend import cuda as _cuda
from .._arrays import xp_of, zeros_on
from ..autograd.graph_backward import const, where as _where
from .nn import _softmax_exps, _softmax_rows


def _over(a, denom):
    """a / denom for a mean over kept targets: with every target ignored (denom 0) the nan torch gives, without
    numpy's divide warning. Host scalars only are tested: a GPU denom stays on the device (cupy doesn't warn)."""
    if (isinstance(denom, np.generic) or type(denom) is np.ndarray) and denom == 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            return a / denom
    return a / denom


class CrossEntropy(Function):
    """Class-index targets. loss_i = (1-s) w_t (lse - x_t) + s/C sum_c w_c (lse - x_c);
    dx_ic = g_i [((1-s) w_t + s W/C) p_c - (1-s) w_t [c=t] - s/C w_c], W = sum_c w_c.
    Ignored rows have g_i = 0. Logits (n, C), target (n,) int."""
    def forward(self, x, target, weight=None, ignore_index=-100, label_smoothing=0.0, reduction="mean"):
        dtype = x.dtype.type
        n, C = x.shape
        self.reduction = reduction
        self.cuda = _cuda.kernels_for(x) if weight is None and label_smoothing == 0 else None
        if self.cuda is not None:  # loss and logsumexp per row in one pass over the logits (Triton)
            loss, self.lse = self.cuda.cross_entropy_fwd(x, target, ignore_index)  # fp32
            self.x, self.t, self.ignore_index = x, target, ignore_index
            if reduction == "none":
                return loss.astype(x.dtype)
            self.denom = (target != ignore_index).sum().astype(np.float32)  # stays on the device: no sync
            total = loss.sum() if reduction == "sum" else loss.sum() / self.denom
            return total.astype(x.dtype)
        self.saves_inputs = False  # from here on only the softmax is kept: x may be written in place after, as torch's
        self.kernels = fused_for(x) if weight is None and label_smoothing == 0 else None
        if self.kernels is not None:  # the plain (GPT) case: softmax, loss and kept count in one pass (numba)
            loss, self.p, kept = self.kernels.cross_entropy(x, target, ignore_index)
            self.t, self.ignore_index, self.denom = target, ignore_index, dtype(kept)
            if reduction == "none":
                return loss
            total = np.add.reduce(loss, dtype=x.dtype)  # loss.sum(), without ndarray.sum's Python wrapper
            return np.asarray(total if reduction == "sum" else total / self.denom if kept else _over(total, self.denom),
                              dtype=x.dtype)
        keep = target != ignore_index
        t = np.where(keep, target, 0)
        ar = xp_of(x).arange(n)
        with np.errstate(invalid="ignore"):  # inf - inf, a row all -inf: NaN, as torch's (which doesn't warn)
            s = x - x.max(axis=1, keepdims=True)
        s_t = s[ar, t]
        eps = label_smoothing
        w = weight
        wt = w[t] * keep if w is not None else keep.astype(x.dtype)
        smooth = None
        if eps > 0:
            smooth = (s @ w) if w is not None else s.sum(axis=1)
        np.exp(s, out=s)
        se = s.sum(axis=1)
        lse = np.log(se)
        s /= se[:, None]
        self.p = s  # softmax, kept for backward
        nll = wt * (lse - s_t)
        loss = (1 - eps) * nll if eps > 0 else nll
        if eps > 0:
            W = w.sum() if w is not None else C
            loss = loss + (eps / C) * (W * lse - smooth) * keep
        loss = xp_of(x).where(keep, loss, 0)  # an ignored row's loss is 0 even when its logits hold a NaN
        self.t, self.wt, self.keep, self.w, self.eps, self.C = t, wt, keep, w, eps, C
        if reduction == "none":
            return loss.astype(x.dtype, copy=False)
        total = loss.sum(dtype=x.dtype)
        if reduction == "sum":
            return xp_of(x).asarray(total, dtype=x.dtype)
        # mean: torch divides the nll part by the kept weight sum and the smoothing part by the same
        self.denom = wt.sum(dtype=x.dtype)
        return xp_of(x).asarray(_over(total, self.denom), dtype=dtype)

    def backward(self, g):
        if self.cuda is not None:
            scale = g if self.reduction != "mean" else g / self.denom
            return self.cuda.cross_entropy_bwd(self.x, self.t, self.lse, scale, self.ignore_index)
        if self.kernels is not None:
            scale = g if self.reduction != "mean" else g / self.denom if self.denom else _over(g, self.denom)
            return self.kernels.cross_entropy_backward(self.p, self.t, self.ignore_index, scale)
        p, t, wt, eps, C = self.p, self.t, self.wt, self.eps, self.C
        n = p.shape[0]
        dt = p.dtype.type
        if self.reduction == "none":
            gi = g.astype(p.dtype, copy=False) * self.keep
        elif self.reduction == "sum":
            gi = np.broadcast_to(g, (n,)) * self.keep
        else:
            # where, not a product: with every row ignored denom is 0, and torch's ignored rows get 0, not nan
            gi = xp_of(p).where(self.keep, _over(g, self.denom), 0)
        gi = gi.astype(p.dtype, copy=False)
        W = (self.w.sum() if self.w is not None else C) if eps > 0 else 0
        coef = gi * ((1 - eps) * wt + dt(eps * W / C)) if eps > 0 else gi * wt
        dx = p * coef[:, None]  # p is ours (freed after backward), but a fresh array keeps retain_graph safe
        dx[xp_of(p).arange(n), t] -= (gi * wt) * dt(1 - eps)
        if eps > 0:
            if self.w is not None:
                dx -= (gi * dt(eps / C))[:, None] * self.w
            else:
                dx -= (gi * dt(eps / C))[:, None]
        return dx

    def backward_graph(self, g):
        # dx = gi (A p - B): A_i = (1-s) w_t + s W/C, B_ic = (1-s) w_t [c=t] + s/C w_c, constants of the targets
        p = self.p if self.cuda is None else _softmax_rows(self.x)  # the flash kernel kept only logsumexp
        dt = p.dtype.type
        xp = xp_of(p)
        n, C = p.shape
        if self.cuda is None and self.kernels is None:
            t, keep, wt, w, eps = self.t, self.keep, self.wt, self.w, self.eps
        else:  # the fused paths: no class weights, no smoothing
            keep = self.t != self.ignore_index
            t, w, eps = xp.where(keep, self.t, 0), None, 0.0
            wt = keep.astype(p.dtype)
        scale = keep.astype(p.dtype)
        if self.reduction == "mean":
            scale = xp.where(keep, _over(dt(1), self.denom), dt(0)).astype(p.dtype)  # 0, not nan, if all ignored
        W = (w.sum() if w is not None else C) if eps > 0 else 0
        A = ((1 - eps) * wt + dt(eps * W / C)).astype(p.dtype)
        B = zeros_on(p, (n, C))
        B[xp.arange(n), t] = dt(1 - eps) * wt
        if eps > 0:
            B += (dt(eps / C) * w) if w is not None else dt(eps / C)
        e, s, _ = _softmax_exps(self._input(0, p), p, 1)  # x's value is not read
        gi = g * const(scale)  # (n,)
        return (gi * const(A)).reshape(n, 1) * (e / s) - gi.reshape(n, 1) * const(B)


class SoftCrossEntropy(Function):
    """Probability targets q (same shape as logits (n, C)): loss_i = -sum_c w_c q_ic log p_ic;
    dx = p sum_c(w_c q_c) - w q, dq = -w log p. Mean divides by n (as torch does)."""
    reads_for = ((), (0,))  # x's value is not kept (its log-softmax is); q is read for dx
    def forward(self, x, q, weight=None, label_smoothing=0.0, reduction="mean"):
        n, C = x.shape
        s = x - x.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        eps = label_smoothing
        qs = q * x.dtype.type(1 - eps) + x.dtype.type(eps / C) if eps > 0 else q
        wq = qs * weight if weight is not None else qs
        self.logp, self.wq, self.w, self.eps, self.reduction, self.n = logp, wq, weight, eps, reduction, n
        loss = -(wq * logp).sum(axis=1)
        if reduction == "none":
            return loss
        if reduction == "sum":
            return xp_of(x).asarray(loss.sum(), dtype=x.dtype)
        return xp_of(x).asarray(loss.sum() / x.dtype.type(n), dtype=x.dtype)

    def backward(self, g):
        gi = g[:, None] if self.reduction == "none" else (g / self.n if self.reduction == "mean" else g)
        gi = gi.astype(self.logp.dtype, copy=False)
        need = self.needs_input_grad
        gx = gq = None
        if need[0]:
            gx = (np.exp(self.logp) * self.wq.sum(axis=1, keepdims=True) - self.wq) * gi
        if need[1]:
            gq = -self.logp * gi
            if self.w is not None:
                gq = gq * self.w
            if self.eps > 0:
                gq = gq * self.logp.dtype.type(1 - self.eps)
        return gx, gq

    def backward_graph(self, g):
        n, C = self.logp.shape
        need = self.needs_input_grad
        gi = g.reshape(n, 1) if self.reduction == "none" else (g * (1 / n) if self.reduction == "mean" else g)
        p = xp_of(self.logp).exp(self.logp)
        e, s, z = _softmax_exps(self._input(0, self.logp), p, 1)  # x's value is not read
        k = (1 - self.eps) * (const(self.w) if self.w is not None else 1.0)  # d wq / dq
        wq = const(self.wq)
        if need[1]:  # wq is affine in q: forward's value, plus 0 that carries q's derivative (q's value not read)
            q = self._input(1, self.wq)
            wq = wq + (q - const(q._data)) * k
        gx = ((e / s) * wq.sum(1, keepdim=True) - wq) * gi if need[0] else None
        gq = -(const(self.logp) + z - s.log()) * gi * k if need[1] else None
        return gx, gq


_BCE_EPS = np.float32(1e-12)  # torch's EPSILON, a float even for double inputs


class BinaryCrossEntropy(Function):
    """Probabilities x, targets y: loss = -(y log x + (1 - y) log(1 - x)), each log clamped at -100 as torch;
    dx = (x - y) / max(x (1 - x), eps) (finite where x is exactly 0 or 1), dy = log(1 - x) - log(x); eps is torch's
    float 1e-12 (9.99999996e-13 in float64 too)"""
    def forward(self, x, y):
        self.x, self.y = x, y
        with np.errstate(divide="ignore"):
            self.logx, self.log1mx = np.log(x), np.log1p(-x)
        one, floor = x.dtype.type(1), x.dtype.type(-100)
        return -(y * np.maximum(self.logx, floor) + (one - y) * np.maximum(self.log1mx, floor))

    def backward(self, g):
        x, y = self.x, self.y
        n = self.needs_input_grad
        gx = g * (x - y) / np.maximum(x * (x.dtype.type(1) - x), x.dtype.type(_BCE_EPS)) if n[0] else None
        gy = g * (self.log1mx - self.logx) if n[1] else None
        return gx, gy

    def backward_graph(self, g):
        n = self.needs_input_grad
        x, y = self._input(0, self.x), self._input(1, self.y)
        gx = gy = None
        if n[0]:
            ok = self.x * (1 - self.x) > self.x.dtype.type(_BCE_EPS)
            gx = g * (x - y) / _where(ok, x * (1.0 - x), float(_BCE_EPS))
        if n[1]:
            gy = g * ((1.0 - x).log() - x.log())
        return gx, gy


class MseLoss(Function):
    """l = (x - t)^2, reduced in the same node as torch's mse_loss ('none', 'mean' or 'sum');  dx = 2 (x - t) dl = -dt
    (dl / n for the mean). float16 / bfloat16 are computed in float32, as torch's."""
    def forward(self, x, t, reduction):
        self.x, self.t, self.reduction = x, t, reduction
        d = _diff32(x, t)
        d *= d
        if reduction == "none":
            return d.astype(x.dtype, copy=False)
        with np.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is nan, as torch's, unwarned
            s = d.sum() / d.dtype.type(d.size) if reduction == "mean" else d.sum()
        return xp_of(x).asarray(s, dtype=x.dtype)

    def backward(self, g):
        x, n = self.x, self.needs_input_grad
        d = _diff32(x, self.t)
        d *= d.dtype.type(2 / x.size if self.reduction == "mean" and x.size else 2)  # torch's order: norm * d * g
        d *= g
        gx = d.astype(x.dtype, copy=False)
        return (gx if n[0] else None), (-gx if n[1] else None)

    def backward_graph(self, g):
        n = self.needs_input_grad
        d = self._input(0, self.x) - self._input(1, self.t)
        gx = d * (2 / self.x.size if self.reduction == "mean" and self.x.size else 2.0) * g
        return (gx if n[0] else None), (-gx if n[1] else None)


def _diff32(x, t):
    """x - t as a new array, in float32 for float16 / bfloat16 (torch's opmath)"""
    if x.dtype.itemsize < 4 and x.dtype.kind in "fV":
        return x.astype(np.float32) - t.astype(np.float32)
    return x - t


class Huber(Function):
    """Huber loss of d = x - t, reduced in the same node as torch's huber_loss / smooth_l1_loss (reduction 'none',
    'mean' or 'sum'); smooth=True is smooth_l1 with beta = delta (its values divided by beta, in torch's order):
    l = d^2 / 2 (|d| < delta), delta (|d| - delta / 2) (else);  dx = dl clip(d, -delta, delta) = -dt.
    Composed of Tensor ops it was ~10 full-size passes each way; here float32 is one numba pass each way (the sum
    taken in the pass), and the numpy path computes in place."""
    def forward(self, x, t, delta, smooth, reduction):
        self.x, self.t, self.delta, self.smooth, self.reduction = x, t, delta, smooth, reduction
        k = fused_for(x, t)
        if k is not None and x.flags.c_contiguous and t.flags.c_contiguous and x.size:
            from ..backend import _numba_elementwise as K
            self.k, delta = K, np.float32(delta)
            if reduction == "none":
                out = np.empty(x.shape, np.float32)
                K.huber(x.reshape(-1), t.reshape(-1), delta, smooth, out.reshape(-1))
                return out
            s = K.huber_sum(x.reshape(-1), t.reshape(-1), delta, smooth)
            return np.asarray(s / x.size if reduction == "mean" else s, np.float32)
        self.k = None
        xp = xp_of(x)
        z = xp.abs(x - t)
        inner = z < delta
        sq = 0.5 * z
        sq *= z
        if smooth:
            sq /= delta
        z -= 0.5 * delta  # the linear part, in z's place
        if not smooth:
            z *= delta
        loss = xp.where(inner, sq, z)
        if reduction == "none":
            return loss
        return xp.asarray(loss.mean() if reduction == "mean" else loss.sum(), dtype=x.dtype)

    def backward(self, g):
        x, t, delta = self.x, self.t, self.delta
        n = self.needs_input_grad
        if self.reduction == "mean":
            g = g / x.size  # 0-d
        if self.k is not None and g.ndim == 0:
            gx = np.empty(x.shape, np.float32)
            gt = np.empty(x.shape if n[1] else 0, np.float32)
            self.k.huber_backward(x.reshape(-1), t.reshape(-1), np.float32(g), np.float32(delta), self.smooth,
                                  gx.reshape(-1), gt.reshape(-1))
            return gx if n[0] else None, gt if n[1] else None
        c = xp_of(x).clip(x - t, -delta, delta)
        if self.smooth:
            c /= delta
        c *= g
        return (c if n[0] else None), (-c if n[1] else None)

    def backward_graph(self, g):
        n = self.needs_input_grad
        d = self._input(0, self.x) - self._input(1, self.t)
        c = d.clamp(-self.delta, self.delta)
        if self.smooth:
            c = c / self.delta
        gx = g * c if self.reduction != "mean" else g * c / self.x.size
        return (gx if n[0] else None), (-gx if n[1] else None)
