"""Fused neural-network ops: each is ONE graph node with an analytic backward, so a layer costs one Python
dispatch and no chain of temporaries. Everything stays in the input's dtype (float32 in, float32 out).
Where teenygrad.backend.cpu offers more (numba kernels for LayerNorm / softmax / cross-entropy, GEMMs split over
the thread pool that owns the cores) the float32 numpy path takes it; on the GPU, teenygrad.backend.cuda's Triton
kernels (`kernels_for`) play that part. The numpy code below is the reference and the path for float64, cupy
arrays with the kernels off (TEENYGRAD_KERNELS=0) and machines without numba."""
import math
import numpy as np
from ..autograd.function import Function
from ..backend import cpu as _cpu
from ..backend.cpu import fused_for, one_pass_for
from ..backend import cuda as _cuda
from .index import scatter_add_rows
from .elementwise import select
from .matmul import _matmul2d as _mm  # 2-D a @ b: split over the CPU pool, or the GPU's GEMM rung
from .._arrays import unbroadcast, column_sums, contiguous, xp_of, zeros_on
from ..autograd.graph_backward import const, sum_to, where as _where


def _bmm(a, b):
    """Batched a @ b over matching leading dims, split by batch over the pool; numpy broadcasting otherwise."""
    if type(a) is np.ndarray and a.ndim == b.ndim and a.ndim >= 3 and a.shape[:-2] == b.shape[:-2]:
        if _cpu._pool is False:  # no pool (the default): numpy runs BLAS per matrix on strided (b, h, t, e)
            return a @ b         # views as they are; flattening the batch dims first would copy them (~20 us)
        lead = a.shape[:-2]
        out = _cpu.bmm(a.reshape(-1, *a.shape[-2:]), b.reshape(-1, *b.shape[-2:]))
        return out.reshape(*lead, *out.shape[-2:])
    return a @ b if type(a) is np.ndarray else _cuda.matmul(a, b)


def _bmm_like(a, b, like):
    """_bmm(a, b), the gradient of input `like`, written in like's memory order (np.empty_like keeps its axis order):
    attention's heads come from x.view(b, t, h, e).transpose(1, 2), and a gradient in (b, h, t, e) order would be
    copied again by that reshape's backward (12 copies of a GPT step's q, k, v gradients). BLAS writes the strided
    result directly."""
    if (type(a) is np.ndarray and _cpu._pool is False and not like.flags.c_contiguous and a.ndim == b.ndim == like.ndim
            and like.dtype == a.dtype == b.dtype and like.shape == a.shape[:-1] + b.shape[-1:]):
        return np.matmul(a, b, out=np.empty_like(like))
    return _bmm(a, b)


def _attention_out(p, v, q):
    """p @ v, attention's output (b, h, L, Ev), laid out as (b, L, h, Ev) where q is (not C-contiguous, its axes 1 and 2
    swapped in memory), as torch's CPU flash kernel lays it out: nanoGPT's q = x.view(b, t, h, e).transpose(1, 2),
    and y.transpose(1, 2).contiguous().view(b, t, d) then copies nothing (4 copies a GPT step: -0.1 ms, Zen 3 VM)."""
    if type(p) is np.ndarray and q.ndim == 4 and _cpu._pool is False and not q.flags.c_contiguous:
        s = q.strides
        if (s[0] >= s[2] >= s[1] >= s[3] >= 0 and p.dtype == v.dtype and p.ndim == v.ndim == 4
                and p.shape[:2] == v.shape[:2] == q.shape[:2]):
            b, h, L = p.shape[:3]
            return np.matmul(p, v, out=np.empty((b, L, h, v.shape[-1]), v.dtype).swapaxes(1, 2))
    return _bmm(p, v)


def _rows(a):
    """(..., n) -> (m, n) view: Linear on (b, t, e) is one 2-D GEMM, not a batched matmul."""
    n = a.shape[-1]
    return a.reshape(-1, n) if n else a.reshape(math.prod(a.shape[:-1]), 0)  # -1 can't be inferred beside a 0


def _normalized(x, axes, rstd, center=True):
    """For a backward_graph: xh = (x - mean) * rstd (no centring for RMSNorm) and rstd over axes, as Tensor
    functions of x. Forward kept no eps: c = 1/rstd^2 - var (per row, a constant) stands in for it, which gives
    rstd its forward value and all its derivatives in x."""
    xc = x - x.mean(axes, keepdim=True) if center else x
    var = (xc * xc).mean(axes, keepdim=True)
    r = rstd.reshape(var.shape)
    r = (var + const(1 / (r * r) - var._data)).rsqrt()
    return xc * r, r


def _softmax_exps(x, p, axis):
    """For a backward_graph: e = p e^z and its sum over axis, with z = x - (x's value): 0, but it carries x's
    derivatives, so e / sum(e) is softmax(x) with forward's value p. x's value is never read (ops that kept only p
    pass p for it), and a row that p has all 0 (every entry masked) stays 0 instead of 0/0."""
    z = x - const(x._data)
    e = const(p) * z.exp()
    s = e.sum(axis, keepdim=True)
    empty = p.sum(axis=axis, keepdims=True) == 0
    if empty.any():
        s = s + const(empty.astype(p.dtype))
    return e, s, z


def linear_forward(x, w, b=None):
    """x W^T + b on arrays: Linear's forward, and F.linear's whole work when nothing is recorded."""
    y = _mm(x.reshape(-1, x.shape[-1]) if x.shape[-1] else _rows(x), w.T)  # _rows(x), inlined
    if b is not None:
        k = fused_for(y, b)
        if k is not None and y.flags.c_contiguous and b.flags.c_contiguous:
            k.add_bias_rows(y, b)  # numpy's broadcast y += b: ~2x the kernel's time on the GPT's rows (Zen 3)
        else:
            y += b
    return y.reshape(*x.shape[:-1], w.shape[0])


class Linear(Function):
    """y = x W^T + b;  dx = dy W, dW = dy^T x, db = sum dy (over all leading axes); W and x conjugated when complex"""
    reads_for = ((1,), (0,), ())
    def forward(self, x, w, b=None):
        self.x, self.w = x, w
        return linear_forward(x, w, b)

    def backward(self, g):
        n = self.needs_input_grad
        g2 = _rows(g)
        x, w = (self.x.conj(), self.w.conj()) if self.w.dtype.kind == "c" else (self.x, self.w)
        gx = _mm(g2, w).reshape(self.x.shape) if n[0] else None
        gw = _mm(g2.T, _rows(x)) if n[1] else None
        if len(n) == 2:
            return gx, gw
        return gx, gw, (column_sums(g2) if n[2] else None)

    def backward_graph(self, g):
        n = self.needs_input_grad
        x, w = self._input(0, self.x), self._input(1, self.w)
        if self.w.dtype.kind == "c":
            x, w = x.conj(), w.conj()
        g2 = g.reshape(math.prod(g.shape[:-1]), g.shape[-1])
        gx = g @ w if n[0] else None
        gw = g2.mT @ x.reshape(g2.shape[0], x.shape[-1]) if n[1] else None
        if len(n) == 2:
            return gx, gw
        return gx, gw, (g2.sum(0) if n[2] else None)


def _finite_rows(rows):
    """Whether the one-hot GEMM may sum these gradient rows: 0 * NaN (or inf) would spread a NaN row into every row
    of dW, where torch's sum leaves the other rows finite. Checked on the host only (on a GPU .all() would wait)."""
    return type(rows) is not np.ndarray or bool(np.isfinite(rows).all())


class Embedding(Function):
    """y = W[idx];  dW = rows of dy summed per id (one-hot GEMM or sorted segment sum), padding row zero"""
    saves_inputs = False  # W's values are never read back (max_norm renorms W in place between lookups)
    def forward(self, w, idx, padding_idx=None):
        self.idx, self.wshape, self.padding_idx = idx, w.shape, padding_idx
        return w[idx]

    def backward(self, g):
        idx = self.idx.reshape(-1)
        rows = g.reshape(idx.size, self.wshape[1])  # (not -1: an empty embedding dim has no rows to infer)
        v = self.wshape[0]
        if v * idx.size <= 100_000 and fused_for(rows) is None and _finite_rows(rows):
            # small tables without numba (makemore): a one-hot GEMM beats sorting, 3x at v=27 (1 thread)
            onehot = zeros_on(g, (v, idx.size))
            onehot[idx, xp_of(g).arange(idx.size)] = 1
            gw = onehot @ rows
        else:
            gw = scatter_add_rows(zeros_on(g, self.wshape), idx, rows)
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw

    def backward_graph(self, g):
        idx = self.idx.reshape(-1)
        v, e = self.wshape
        rows = g.reshape(idx.size, e)
        if v * idx.size <= 100_000 and _finite_rows(g._data):  # small tables: the one-hot GEMM, as backward
            onehot = zeros_on(g._data, (v, idx.size))
            onehot[idx, xp_of(idx).arange(idx.size)] = 1
            if self.padding_idx is not None:
                onehot[self.padding_idx] = 0
            return const(onehot) @ rows
        gw = const(zeros_on(g._data, self.wshape)).index_add(0, const(idx), rows)
        if self.padding_idx is not None:
            pad = xp_of(idx).arange(v)[:, None] == self.padding_idx
            gw = _where(pad, 0.0, gw)
        return gw


def _layer_norm_kernels(x, *wb):
    """LayerNorm's numba kernels (one pass per row each way): _numba_kernels' for float32, _numba_norm's for float64
    (the same two calls), None for anything else or with numba off."""
    k = fused_for(x, *wb)
    if k is None and fused_for() is not None and all(type(a) is np.ndarray and a.dtype == np.float64 for a in (x, *wb)):
        from ..backend import _numba_norm as k
    return k


class LayerNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * w + b over the last k axes;
    dx = rstd (dxh - mean(dxh) - xh mean(dxh xh)) with dxh = dy w"""
    def forward(self, x, *wb, k=1, eps=1e-5, has_w=True, has_b=True):
        if k == 1 and has_w and has_b and x.size:
            kernels = fused_for(x, *wb)  # numpy float32 arrays, numba on
            if kernels is not None and wb[0].shape == wb[1].shape == x.shape[-1:]:
                # nn.LayerNorm on float32 (a decode step runs 9 on one row): the kernels path below, its setup
                # spelled out (it cost more than the kernel on a (1, 1, 128) row)
                self.axes, self.has_w, self.has_b, self.empty = (x.ndim - 1,), True, True, None
                self.kernels, self.cuda, self.rows = kernels, None, x.shape
                self.x, self.w = x, wb[0]
                y, self.mean, self.rstd = kernels.layer_norm(x, wb[0], wb[1], eps)
                return y
        axes = tuple(range(x.ndim - k, x.ndim))
        self.axes, self.has_w, self.has_b = axes, has_w, has_b
        self.empty = [a.shape for a in (x, *wb)] if x.size == 0 else None
        if self.empty:  # an empty batch or normalized shape: nothing to normalise, zero gradients (as torch)
            return zeros_on(x, x.shape)
        # the numba kernel normalises the last axis: over k > 1 axes it runs on x as (..., d), d = their product
        self.kernels = _layer_norm_kernels(x, *wb) if k == 1 or (k > 1 and x.size) else None
        self.cuda = _cuda.kernels_for(x, *wb) if k == 1 and x.shape[-1] <= _cuda.MAX_ROW else None
        if self.cuda is not None:  # statistics, normalization and affine in one pass per row (Triton)
            self.x = x
            self.w = wb[0] if has_w else xp_of(x).ones(x.shape[-1], x.dtype)
            y, self.mean, self.rstd = self.cuda.layer_norm_fwd(x, self.w, wb[-1] if has_b else None, eps)
            return y
        if self.kernels is not None:  # one pass per row in registers (numba) instead of ~8 numpy passes
            self.rows = x.shape[:x.ndim - k] + (math.prod(x.shape[x.ndim - k:]),)
            d = self.rows[-1]
            self.w = wb[0] if has_w else np.ones(d, x.dtype)
            b = wb[-1].reshape(d) if has_b else np.zeros(d, x.dtype)
            self.x = x
            y, self.mean, self.rstd = self.kernels.layer_norm(x.reshape(self.rows), self.w.reshape(d), b, eps)
            return y if k == 1 else y.reshape(x.shape)  # k == 1: no view, so a leaf's gradient isn't copied
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        var = np.mean(xc * xc, axis=axes, keepdims=True)
        self.rstd = 1 / np.sqrt(var + x.dtype.type(eps))
        xc *= self.rstd
        self.xh = xc
        self.w = wb[0] if has_w else None
        y = xc * self.w if has_w else xc.copy()
        if has_b:
            y += wb[-1]
        return y

    def backward(self, g):
        n = self.needs_input_grad
        if self.empty:
            return tuple(zeros_on(g, shape) for shape in self.empty)
        if self.cuda is not None:
            gx, gw, gb = self.cuda.layer_norm_bwd(g, self.x, self.w, self.mean, self.rstd)
            return (gx,) + ((gw,) if self.has_w else ()) + ((gb,) if self.has_b else ())
        if self.kernels is not None:
            d, ns = self.rows[-1], self.x.shape[len(self.rows) - 1:]
            gx, gw, gb = self.kernels.layer_norm_backward(g.reshape(self.rows), self.x.reshape(self.rows),
                                                          self.w.reshape(d), self.mean, self.rstd)
            if len(ns) != 1:
                gx, gw, gb = gx.reshape(self.x.shape), gw.reshape(ns), gb.reshape(ns)
            return (gx,) + ((gw,) if self.has_w else ()) + ((gb,) if self.has_b else ())
        xh, axes = self.xh, self.axes
        lead = tuple(range(g.ndim - len(axes)))
        grads = []
        dxh = g * self.w if self.has_w else g
        if n[0]:
            m1 = dxh.mean(axis=axes, keepdims=True)
            m2 = (dxh * xh).mean(axis=axes, keepdims=True)
            gx = dxh - m1
            gx -= xh * m2
            gx *= self.rstd
            grads.append(gx)
        else:
            grads.append(None)
        if self.has_w:
            grads.append((g * xh).sum(axis=lead) if n[len(grads)] else None)
        if self.has_b:
            grads.append(g.sum(axis=lead) if n[len(grads)] else None)
        return tuple(grads)

    def backward_graph(self, g):
        n, axes = self.needs_input_grad, self.axes
        if self.empty:
            return tuple(const(zeros_on(g._data, shape)) for shape in self.empty)
        # the numpy path kept no x; x - mean (= xh / rstd) is as good: what follows is shift-invariant in x
        fused = self.cuda is not None or self.kernels is not None
        xh, r = _normalized(self._input(0, self.x if fused else self.xh / self.rstd), axes, self.rstd)
        w = self._input(1, self.w) if self.has_w else None
        dxh = g * w if self.has_w else g
        grads = [r * (dxh - dxh.mean(axes, keepdim=True) - xh * (dxh * xh).mean(axes, keepdim=True))
                 if n[0] else None]
        if self.has_w:
            grads.append(sum_to(g * xh, w.shape) if n[1] else None)
        if self.has_b:
            grads.append(sum_to(g, g.shape[g.ndim - len(axes):]) if n[len(grads)] else None)
        return tuple(grads)


class RMSNorm(Function):
    """y = x / sqrt(mean(x^2) + eps) * w;  dx = r (dxh - xh mean(dxh xh)), dxh = dy w, r = 1/rms"""
    def forward(self, x, *w, k=1, eps=1e-6):
        axes = tuple(range(x.ndim - k, x.ndim))
        self.axes = axes
        self.w = w[0] if w else None
        # float16 / bfloat16 on the CPU: x^2 and its mean in float32 (300^2 overflows float16) and the output rounded
        # once, as torch's
        self.low = (x.dtype if type(x) is np.ndarray and x.dtype.itemsize < 4 and x.dtype.kind not in "iub"
                    and (not w or w[0].dtype == x.dtype) else None)
        if self.low is not None:
            x = x.astype(np.float32)
            w = tuple(a.astype(np.float32) for a in w)
        self.r = 1 / np.sqrt(np.mean(x * x, axis=axes, keepdims=True) + x.dtype.type(eps))
        self.xh = x * self.r
        y = self.xh * w[0] if w else self.xh
        return y.astype(self.low) if self.low is not None else y

    def backward(self, g):
        if self.low is None:
            return self._backward(g, self.w)
        grads = self._backward(g.astype(np.float32), self.w.astype(np.float32) if self.w is not None else None)
        def low(a):
            return None if a is None else a.astype(self.low)
        return tuple(map(low, grads)) if self.w is not None else low(grads)

    def _backward(self, g, w):
        xh = self.xh
        dxh = g * w if w is not None else g
        n = self.needs_input_grad
        gx = (dxh - xh * (dxh * xh).mean(axis=self.axes, keepdims=True)) * self.r if n[0] else None
        if w is None:
            return gx
        lead = tuple(range(g.ndim - len(self.axes)))
        return gx, ((g * xh).sum(axis=lead) if n[1] else None)

    def backward_graph(self, g):
        n = self.needs_input_grad
        x, r = self.xh / self.r, self.r
        if self.low is not None:  # the graph runs in the input's dtype
            x, r = x.astype(self.low), r.astype(self.low)
        xh, r = _normalized(self._input(0, x), self.axes, r, center=False)
        w = self._input(1, self.w) if self.w is not None else None
        dxh = g * w if w is not None else g
        gx = (dxh - xh * (dxh * xh).mean(self.axes, keepdim=True)) * r if n[0] else None
        if w is None:
            return gx
        return gx, (sum_to(g * xh, w.shape) if n[1] else None)


def _norm_kernels(*arrays):
    """backend/_numba_norm (GroupNorm's and hardswish's float32 kernels) if fused_for takes the arrays, else None."""
    if fused_for(*arrays) is None:
        return None
    from ..backend import _numba_norm
    return _numba_norm


class GroupNorm(Function):
    """x (n, c, *) seen as (n, groups, c/groups, s): y = (x - mean) / sqrt(var + eps) * w + b, with mean and var per
    (sample, group) and w, b per channel (the channels of a group share the statistics, not the affine);
    dx = rstd (dxh - mean(dxh) - xh mean(dxh xh)) over the group, dxh = dy w"""
    def forward(self, x, *wb, groups, eps, has_w, has_b):
        N, C = x.shape[:2]
        self.shape4 = (N, groups, C // groups, math.prod(x.shape[2:]))  # no -1: N may be 0
        self.has_w, self.has_b = has_w, has_b
        k = self.kernels = _norm_kernels(x, *wb) if x.size else None
        if k is not None:  # statistics and affine in 3 reads of x instead of ~15 numpy passes (_numba_norm.py)
            self.x = x = contiguous(x)  # kept for the backward: a strided x is copied once, not twice
            N, G, Cg, S = self.shape4
            self.w = wb[0].reshape(G, Cg) if has_w else np.ones((G, Cg), np.float32)
            b = wb[-1].reshape(G, Cg) if has_b else np.zeros((G, Cg), np.float32)
            y, self.mean, self.rstd = k.group_norm(x, N * G, contiguous(self.w), contiguous(b), eps)
            self.rstd = self.rstd.reshape(N, G, 1, 1)
            return y
        x4 = x.reshape(self.shape4)
        xc = x4 - x4.mean(axis=(2, 3), keepdims=True)
        var = np.mean(xc * xc, axis=(2, 3), keepdims=True)
        self.rstd = 1 / np.sqrt(var + x.dtype.type(eps))
        xc *= self.rstd
        self.xh = xc
        wshape = (1,) + self.shape4[1:3] + (1,)  # (1, groups, c/groups, 1): channel c's weight on its values
        self.w = wb[0].reshape(wshape) if has_w else None
        y = xc * self.w if has_w else xc.copy()
        if has_b:
            y += wb[-1].reshape(wshape)
        return y.reshape(x.shape)

    def _grads(self, gx, gw, gb):
        """(gx, gw, gb) -> what backward returns: the input's gradient and, where given, the weight's and bias's."""
        n = self.needs_input_grad
        grads = [gx if n[0] else None]
        if self.has_w:
            grads.append(gw if n[1] else None)
        if self.has_b:
            grads.append(gb if n[len(grads)] else None)
        return tuple(grads)

    def backward(self, g):
        N, G, Cg, S = self.shape4
        C = G * Cg
        if self.kernels is not None and g.dtype == np.float32:
            return self._grads(*self.kernels.group_norm_backward(contiguous(g), self.x, N * G,
                                                                 contiguous(self.w), self.mean, self.rstd.reshape(-1)))
        g4, xh, axes = g.reshape(self.shape4), self.xh, (2, 3)
        gx = gw = gb = None
        if self.needs_input_grad[0]:
            dxh = g4 * self.w if self.has_w else g4
            gx = dxh - dxh.mean(axis=axes, keepdims=True)
            gx -= xh * (dxh * xh).mean(axis=axes, keepdims=True)
            gx *= self.rstd
            gx = gx.reshape(g.shape)
        if self.has_w:
            gw = (g4 * xh).sum(axis=(0, 3)).reshape(C)
        if self.has_b:
            gb = g4.sum(axis=(0, 3)).reshape(C)
        return self._grads(gx, gw, gb)

    def backward_graph(self, g):
        n, axes = self.needs_input_grad, (2, 3)
        N, G, Cg, S = self.shape4
        # the numpy path kept no x; x - mean (= xh / rstd) is as good: what follows is shift-invariant in x
        x = self._input(0, self.x if self.kernels is not None else (self.xh / self.rstd).reshape(g.shape))
        xh, r = _normalized(x.reshape(self.shape4), axes, self.rstd)
        g4 = g.reshape(self.shape4)
        w = self._input(1, self.w.reshape(G * Cg)) if self.has_w else None
        dxh = g4 * w.reshape(1, G, Cg, 1) if self.has_w else g4
        grads = [(r * (dxh - dxh.mean(axes, keepdim=True) - xh * (dxh * xh).mean(axes, keepdim=True))).reshape(
            g.shape) if n[0] else None]
        if self.has_w:
            grads.append((g4 * xh).sum((0, 3)).reshape(G * Cg) if n[1] else None)
        if self.has_b:
            grads.append(g4.sum((0, 3)).reshape(G * Cg) if n[len(grads)] else None)
        return tuple(grads)


# per-channel rows shorter than this (BatchNorm1d on (n, c): 1) go to the kernels that walk x in memory order:
# faster up to 32 (2.3x forward at (64, 64, 32)), slower from 64 (1.5x at (32, 16, 64)); _numba_norm.py
_BN_ROWS_BELOW = 64


class BatchNorm(Function):
    """Training-mode batch norm over `axes` with batch statistics (biased var);
    dx = rstd/N (N dxh - sum(dxh) - xh sum(dxh xh)), dxh = dy w"""
    kept_after_op = ("mean", "var")  # read by the module to update its running statistics
    def forward(self, x, *wb, axes, eps, shape, has_w):
        self.axes, self.has_w = axes, has_w
        k = self.kernels = fused_for(x, *wb) if axes == (0,) + tuple(range(2, x.ndim)) and x.size else None
        if k is not None:  # one kernel over (n, c, s): per channel, contiguous rows
            from ..backend import _numba_norm  # numba is there: fused_for returned its kernels
            self.kernels = _numba_norm
            return self._forward_fused(_numba_norm, x, wb, eps, shape)
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        var = np.mean(xc * xc, axis=axes, keepdims=True)
        self.mean, self.var = mu, var  # read by the module to update running statistics
        self.rstd = 1 / np.sqrt(var + x.dtype.type(eps))
        xc *= self.rstd
        self.xh = xc
        self.w = wb[0].reshape(shape) if has_w else None
        y = xc * self.w if has_w else xc.copy()
        if has_w:
            y += wb[1].reshape(shape)
        return y

    def _forward_fused(self, k, x, wb, eps, shape):
        N, C = x.shape[:2]
        x3 = contiguous(x).reshape(N, C, -1)
        w = wb[0] if self.has_w else np.ones(C, np.float32)
        b = wb[1] if self.has_w else np.zeros(C, np.float32)
        y, xh = np.empty_like(x3), np.empty_like(x3)
        mean, var = np.empty(C, np.float32), np.empty(C, np.float32)
        self.eps = np.float32(eps)
        if x3.shape[2] < _BN_ROWS_BELOW:  # a channel's values are short rows: walk x in memory order instead
            k.batch_norm_fwd_rows(x3.reshape(N, -1), contiguous(w), contiguous(b), self.eps, y.reshape(N, -1),
                                  xh.reshape(N, -1), mean, var)
        else:
            k.batch_norm_fwd(x3, contiguous(w), contiguous(b), self.eps, y, xh, mean, var)
        self.mean, self.var = mean.reshape(shape), var.reshape(shape)  # read by the module (running statistics)
        self.rstd = 1 / np.sqrt(self.var + self.eps)
        self.xh, self.w = xh.reshape(x.shape), (wb[0].reshape(shape) if self.has_w else None)
        return y.reshape(x.shape)

    def backward(self, g):
        if self.kernels is not None and g.dtype == np.float32:
            N, C = g.shape[:2]
            gx, gw, gb = np.empty(self.xh.shape, np.float32), np.empty(C, np.float32), np.empty(C, np.float32)
            w = self.w.reshape(-1) if self.has_w else np.ones(C, np.float32)
            g3, xh3 = contiguous(g).reshape(N, C, -1), self.xh.reshape(N, C, -1)
            if g3.shape[2] < _BN_ROWS_BELOW:
                self.kernels.batch_norm_bwd_rows(g3.reshape(N, -1), xh3.reshape(N, -1), contiguous(w),
                                                 self.var.reshape(-1), self.eps, gx.reshape(N, -1), gw, gb)
            else:
                self.kernels.batch_norm_bwd(g3, xh3, contiguous(w), self.var.reshape(-1), self.eps,
                                            gx.reshape(N, C, -1), gw, gb)
            n = self.needs_input_grad
            gx = gx if n[0] else None
            return (gx, gw if n[1] else None, gb if n[2] else None) if self.has_w else gx
        xh, axes = self.xh, self.axes
        dxh = g * self.w if self.has_w else g
        n = self.needs_input_grad
        gx = None
        if n[0]:
            gx = (dxh - dxh.mean(axis=axes, keepdims=True) - xh * (dxh * xh).mean(axis=axes, keepdims=True))
            gx *= self.rstd
        if not self.has_w:
            return gx
        gw = (g * xh).sum(axis=axes) if n[1] else None
        gb = g.sum(axis=axes) if n[2] else None
        return gx, gw, gb

    def backward_graph(self, g):
        axes, n = self.axes, self.needs_input_grad
        xh, r = _normalized(self._input(0, self.xh / self.rstd), axes, self.rstd)  # x - mean: shift-invariant
        dxh = g
        if self.has_w:
            w = self._input(1, self.w.reshape(-1))
            dxh = g * w.reshape(self.w.shape)
        gx = r * (dxh - dxh.mean(axes, keepdim=True) - xh * (dxh * xh).mean(axes, keepdim=True)) if n[0] else None
        if not self.has_w:
            return gx
        return gx, ((g * xh).sum(axes) if n[1] else None), (g.sum(axes) if n[2] else None)


class Hardtanh(Function):
    """y = clip(x, lo, hi);  dx = dy where lo < x < hi: unlike clamp's, torch's gradient is 0 at the corners"""
    saves_inputs = False
    def forward(self, x, lo, hi):
        self.inside = (x > lo) & (x < hi)
        t = x.dtype.type
        # min(max(x, lo), hi), NaN kept as np.clip does; np.clip of a bfloat16 array comes back as float32
        return xp_of(x).minimum(xp_of(x).maximum(x, t(lo)), t(hi))

    def backward(self, g):
        return g * self.inside

    def backward_graph(self, g):
        return _where(self.inside, g, 0.0)


class Hardswish(Function):
    """y = x clip(x + 3, 0, 6) / 6;  dx = dy * (0 for x <= -3, x/3 + 1/2 inside (-3, 3), 1 from 3 up and for nan, as
    torch). One node: as a product, 0 * inf at x = +-inf made the gradient nan."""
    def forward(self, x):
        self.x = x
        k = _norm_kernels(x) if x.flags.c_contiguous else None
        if k is not None:  # one pass each way instead of 4 forward, ~7 backward
            return k.hardswish(x)
        with np.errstate(invalid="ignore"):  # -inf * 0 is nan, as in torch, without numpy's warning
            t = x.dtype.type
            return x * xp_of(x).minimum(xp_of(x).maximum(x + t(3), t(0)), t(6)) / t(6)

    def backward(self, g):
        x = self.x
        k = _norm_kernels(g, x)
        if k is not None and g.flags.c_contiguous and x.flags.c_contiguous and g.shape == x.shape:
            return k.hardswish_backward(g, x)
        return g * np.where(x <= -3, 0, np.where(x < 3, x / 3 + 0.5, 1)).astype(g.dtype, copy=False)

    def backward_graph(self, g):
        a = self.x
        slope = _where(a < 3, self._input(0, a) * (1 / 3) + 0.5, 1.0)  # 1 for nan, as backward
        return g * _where(a <= -3, 0.0, slope)


class ELU(Function):
    """y = x (x > 0), alpha (e^x - 1) (else);  dx = dy (x > 0), dy (y + alpha) (else). One node: as a where of
    two branches, e^x overflows for large x and its zero gradient times inf makes nan. float32 with alpha >= 0 runs
    one kernel pass each way and makes no mask: y > 0 exactly where x > 0 then (torch's elu_ backward reads y so).
    As torch's, elu keeps x (y may be written in place after; backward computes it again) and elu_ (inplace) y."""
    saves_output = True
    def forward(self, x, alpha, inplace=False):
        self.alpha = x.dtype.type(alpha)
        if inplace:
            self.saves_inputs = False
        else:
            self.saves_output, self.x = False, x
        y = self._elu(x)
        self.y = y if inplace else None
        return y

    def _elu(self, x):
        k = one_pass_for(x) if self.alpha >= 0 else None
        if k is not None:
            self.pos = None
            return k.elu(x, self.alpha)
        self.pos = x > 0
        return select(self.pos, x, np.expm1(np.minimum(x, 0)) * self.alpha)

    def backward(self, g):
        y = self.y if self.y is not None else self._elu(self.x)
        k = one_pass_for(g, y) if self.pos is None else None
        if k is not None:
            return k.elu_backward(g, y, self.alpha)
        return select(y > 0 if self.pos is None else self.pos, g, g * (y + self.alpha))

    def backward_graph(self, g):
        if self.y is not None:
            y, pos = self._output(self.y), self.y > 0 if self.pos is None else self.pos
        else:
            y = ELU.apply(self._input(0, self.x), alpha=float(self.alpha))
            pos = self.x > 0
        return _where(pos, g, g * (y + float(self.alpha)))


def dropout_noise(keep, p, dtype):
    """torch's noise.div_(1 - p) on the kept mask: 1 / (1 - p) computed in its opmath type (float32 for half and
    bfloat16, whose own rounding of 1 - p would move the scale), rounded once to dtype; 0 where dropped."""
    t = np.float64 if dtype == np.float64 else np.float32
    return (keep.astype(t) / t(1 - p)).astype(dtype, copy=False)  # an array over a scalar of its dtype: any numpy


class Dropout(Function):
    """y = x m / (1-p), m ~ Bernoulli(1-p);  dx = dy m / (1-p)"""
    saves_inputs = False
    def forward(self, x, p, gen):
        from ..random import draw_like
        from ..random_device import device_dropout_noise
        if p < 1 and type(x) is not np.ndarray:  # a GPU array: the mask is made there (random_device.py says how)
            self.m = device_dropout_noise(x, x.shape, p, gen)
        elif p < 1:  # torch: noise = bernoulli_(1 - p) laid out like x, noise /= (1 - p) in x's dtype, x * noise
            keep = draw_like(x.shape, x.strides, lambda n: gen.bernoulli(n, 1 - p))
            self.m = dropout_noise(keep, p, x.dtype)
        else:
            self.m = zeros_on(x, x.shape)
        return x * self.m

    def backward(self, g):
        return g * self.m

    def backward_graph(self, g):
        return g * const(self.m)


def _attention_probs(q, k, mask, causal, scale):
    """softmax(q k^T scale + mask) (causal: only keys j <= i), and the numba kernels that made it (None: numpy's)."""
    s = _bmm(q, k.swapaxes(-1, -2))  # BLAS takes the k^T view as a transposed operand: no copy
    L, S = s.shape[-2:]
    kernels = fused_for(s) if mask is None and scale > 0 else None
    if kernels is not None:  # scale, causal cut and softmax in one pass per row (numba)
        return kernels.softmax(s, scale, 0 if causal else None), kernels
    s *= q.dtype.type(scale)
    if causal:  # the scores past the cut are replaced, not added to: a NaN there changes nothing (torch)
        xp = xp_of(s)
        xp.copyto(s, s.dtype.type(-np.inf), where=~xp.tril(xp.ones((L, S), dtype=bool)))
    elif mask is not None:  # in place unless the mask broadcasts the scores to more batch dims
        s = s + mask if np.broadcast_shapes(s.shape, mask.shape) != s.shape else np.add(s, mask, out=s)
    # a row of -inf scores only (fully masked) attends to nothing: output 0, as torch's safe softmax
    m = s.max(axis=-1, keepdims=True)
    np.copyto(m, 0, where=m == -np.inf)  # not m[...] = 0: cupy's boolean setitem waits for the GPU
    s -= m
    np.exp(s, out=s)
    se = s.sum(axis=-1, keepdims=True)
    np.copyto(se, 1, where=se == 0)
    s /= se
    return s, None


def attention_inference(q, k, v, causal, scale):
    """ScaledDotProductAttention's output alone (no mask, no dropout), for a call with nothing to record."""
    if q.ndim == 4 and q.shape == k.shape == v.shape:
        cuda = _cuda.flash_attention_for(q, k, v)
        if cuda is not None:
            return cuda.attention_fwd(q, k, v, causal, scale)[0]
    return _attention_out(_attention_probs(q, k, None, causal, scale)[0], v, q)


class ScaledDotProductAttention(Function):
    """o = dropout(softmax(q k^T scale + mask)) v over (..., L, E) with (..., S, E) keys/values.
    dv = P^T do;  dP = do v^T;  dS = P (dP - sum(dP P));  dq = dS k scale;  dk = dS^T q scale.
    mask is an additive float array (bool masks become 0 / -inf before we get here); causal means query i
    sees keys j <= i (torch's top-left aligned is_causal)."""
    saves_output = True  # the flash kernels read o
    def forward(self, q, k, v, mask=None, causal=False, scale=1.0, drop=None):
        self.q, self.k, self.v, self.scale, self.drop = q, k, v, scale, drop
        self.causal, self.cuda = causal, None
        if mask is None and drop is None and q.ndim == 4 and q.shape == k.shape == v.shape:
            self.cuda = _cuda.flash_attention_for(q, k, v)
        if self.cuda is not None:  # flash attention: the (t, t) scores never reach memory (Triton)
            self.o, self.lse = self.cuda.attention_fwd(q, k, v, causal, scale)
            return self.o
        self.saves_output = False  # o is not read here: it may be written in place after, as torch's
        s, self.kernels = _attention_probs(q, k, mask, causal, scale)
        self.p = s
        if drop is not None:  # torch's math path (dropout): a C-contiguous output
            self.pd = s * drop
            return _bmm(self.pd, v)
        self.pd = s
        return _attention_out(s, v, q)

    def backward(self, g):
        n = self.needs_input_grad
        if self.cuda is not None:
            grads = self.cuda.attention_bwd(g, self.q, self.k, self.v, self.o, self.lse, self.causal, self.scale)
            return tuple(d if need else None for d, need in zip(grads, n))
        q, k, v, p = self.q, self.k, self.v, self.p
        gv = unbroadcast(_bmm_like(self.pd.swapaxes(-1, -2), g, v), v.shape) if n[2] else None
        dp = _bmm(g, v.swapaxes(-1, -2))
        if self.drop is not None:
            dp *= self.drop
        if self.kernels is not None:
            ds = self.kernels.softmax_backward(p, dp, self.scale)
        else:
            ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True))
            ds *= q.dtype.type(self.scale)
        gq = unbroadcast(_bmm_like(ds, k, q), q.shape) if n[0] else None
        gk = unbroadcast(_bmm_like(ds.swapaxes(-1, -2), q, k), k.shape) if n[1] else None
        return gq, gk, gv

    def backward_graph(self, g):
        n = self.needs_input_grad
        q, k, v = self._input(0, self.q), self._input(1, self.k), self._input(2, self.v)
        if n[0] or n[1]:  # P as a function of q and k (the mask's value isn't kept, nor needed: see _softmax_exps)
            s = (q @ k.mT) * self.scale
            P = self.p if self.cuda is None else _softmax_rows(s._data, self.causal)  # flash kept no P
            e, se, _ = _softmax_exps(s, P, -1)
            p = e / se
        else:
            p = const(self.p)
        pd = p * const(self.drop) if self.drop is not None else p
        gv = sum_to(pd.mT @ g, v.shape) if n[2] else None
        dp = g @ v.mT
        if self.drop is not None:
            dp = dp * const(self.drop)
        ds = p * (dp - (dp * p).sum(-1, keepdim=True)) * self.scale
        gq = sum_to(ds @ k, q.shape) if n[0] else None
        gk = sum_to(ds.mT @ q, k.shape) if n[1] else None
        return gq, gk, gv


def _softmax_rows(s, causal=False):
    """softmax over the last axis of array s (queries seeing keys j <= i when causal): the probabilities the fused
    GPU kernels don't keep, for a backward_graph."""
    xp = xp_of(s)
    if causal:
        s = xp.where(xp.tril(xp.ones(s.shape[-2:], dtype=bool)), s, s.dtype.type(-np.inf))
    e = xp.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
