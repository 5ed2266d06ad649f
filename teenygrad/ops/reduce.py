"""Reductions over axes. `axis` is a tuple of non-negative ints (Tensor methods normalise dims);
backward re-inserts the reduced axes and broadcasts."""
import numpy as np
from ..autograd.function import Function
from ..backend import cuda as _cuda
from ..backend.cpu import fused_for
from .._arrays import column_sums, contiguous, on_device_of, xp_of, zeros_on
from ..autograd.graph_backward import const, where


def _expand_back_graph(g, in_shape, axis, keepdim):
    """_expand_back on a Tensor gradient (create_graph=True), recorded in the graph."""
    if not keepdim:
        shape = list(in_shape)
        for a in axis:
            shape[a] = 1
        g = g.reshape(shape)
    return g.expand(*in_shape)


def _expand_back(g, in_shape, axis, keepdim):
    if not keepdim:  # np.expand_dims(g, axis), without its Python-level axis checks: the same view
        shape = list(in_shape)
        for a in axis:
            shape[a] = 1
        g = g.reshape(shape)
    return np.broadcast_to(g, in_shape)


def _others_matrix(xt, n):
    """m[..., j, k] = x_k, and 1 where k = j (x's last axis has n entries): a product over k then skips x_j."""
    eye = on_device_of(xt._data, np.eye(n, dtype=np.bool_))
    return where(eye, 1.0, xt.unsqueeze(-2).expand(*xt.shape[:-1], n, n))


def _prod_of_others(xt, x, a):
    """Graph Tensor: at each place, the product of the other entries of x along axis a (no division where x has
    zeros)."""
    if x.all():
        return xt.prod(a, keepdim=True) / xt
    return _others_matrix(xt.movedim(a, -1), x.shape[a]).prod(-1).movedim(-1, a)


class Sum(Function):
    """z = sum_axis x;  dx = broadcast(dz)"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, axis, keepdim=False):
        self.in_shape, self.axis, self.keepdim = x.shape, axis, keepdim
        if x.ndim == 2 and (axis == (0,) or axis == 0):  # the sums a bias gradient gets (unbroadcast): x.sum(0) then
            z = column_sums(x)                           # equals b.grad bit for bit, as in torch (backprop ninja)
            return z[None] if keepdim else z
        return contiguous(x.sum(axis=axis, keepdims=keepdim))  # a permuted x: numpy keeps its order, torch C

    def backward(self, g):
        return _expand_back(g, self.in_shape, self.axis, self.keepdim)

    def backward_graph(self, g):
        return _expand_back_graph(g, self.in_shape, self.axis, self.keepdim)


class NanSum(Sum):
    """z = sum_axis of x with NaN read as 0;  dx = broadcast(dz) where x is not NaN, else 0 (a product, as torch:
    an inf dz gives NaN there)"""
    keeps_graph = False  # its mask is freed after a backward, as torch's saved input
    def forward(self, x, axis, keepdim=False):
        self.mask = ~np.isnan(x)
        return Sum.forward(self, np.where(self.mask, x, x.dtype.type(0)), axis, keepdim)

    def backward(self, g):
        return Sum.backward(self, g) * self.mask

    def backward_graph(self, g):
        return Sum.backward_graph(self, g) * const(self.mask)


class Mean(Function):
    """z = sum_axis x / n;  dx = broadcast(dz) / n"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, axis, keepdim=False):
        self.in_shape, self.axis, self.keepdim = x.shape, axis, keepdim
        n = 1
        for a in axis:
            n *= x.shape[a]
        self.n = n
        if x.itemsize < 4 and n:  # float16/bfloat16: sum and divide in float32, round once (as torch)
            return contiguous((x.sum(axis=axis, keepdims=keepdim, dtype=np.float32) / np.float32(n)).astype(x.dtype))
        z = x.sum(axis=axis, keepdims=keepdim) / x.dtype.type(n) if n else x.mean(axis=axis, keepdims=keepdim)
        return contiguous(z)

    def backward(self, g):
        return _expand_back(g / g.dtype.type(self.n), self.in_shape, self.axis, self.keepdim)

    def backward_graph(self, g):
        return _expand_back_graph(g / float(self.n), self.in_shape, self.axis, self.keepdim)


class Prod(Function):
    """z = prod x;  dx = dz * prod of the others (computed without dividing, so zeros are fine)"""
    def forward(self, x, axis, keepdim=False):
        self.x, self.axis, self.keepdim = x, axis, keepdim
        return contiguous(x.prod(axis=axis, keepdims=keepdim))

    def backward(self, g):
        x, (a,) = self.x, self.axis
        if x.shape[a] == 0:
            return zeros_on(g, x.shape)
        if x.dtype.kind == "c":  # torch's convention: g times the conjugate derivative, a product of conj(x)'s
            x = x.conj()
        # product of everything before and after each position along the axis
        ones = np.ones_like(np.take(x, [0], axis=a))
        before = np.cumprod(np.concatenate([ones, np.take(x, range(x.shape[a] - 1), axis=a)], axis=a), axis=a)
        rev = np.flip(x, axis=a)
        after = np.flip(np.cumprod(np.concatenate([ones, np.take(rev, range(x.shape[a] - 1), axis=a)], axis=a),
                                   axis=a), axis=a)
        return _expand_back(g, x.shape, self.axis, self.keepdim) * before * after

    def backward_graph(self, g):
        x, (a,) = self.x, self.axis
        if x.shape[a] == 0:
            return const(zeros_on(x, x.shape))
        xt = self._input(0, x)
        if x.dtype.kind == "c":  # the conjugate derivative, as in backward
            xt = xt.conj()
        return _expand_back_graph(g, x.shape, self.axis, self.keepdim) * _prod_of_others(xt, x, a)


class AMax(Function):
    """z = max over axes; the gradient is shared evenly between tied maxima (torch's amax rule). nan_ties: NaNs
    also tie (torch's rule for the whole-tensor max and for the inf-norm), else a NaN max has no ties: 0/0"""
    saves_output = True
    op = staticmethod(np.max)

    def forward(self, x, axis, keepdim=False, nan_ties=False):
        self.x, self.axis, self.keepdim, self.nan_ties = x, axis, keepdim, nan_ties
        self.z = self.op(x, axis=axis, keepdims=True)
        return contiguous(self.z if keepdim else np.squeeze(self.z, axis))

    def _share(self, dtype):
        mask = self.x == self.z
        if self.nan_ties:
            mask |= np.isnan(self.x)
        with np.errstate(invalid="ignore"):
            return (mask / mask.sum(axis=self.axis, keepdims=True)).astype(dtype, copy=False)

    def backward(self, g):
        if not self.keepdim:
            g = np.expand_dims(g, self.axis)
        return g * self._share(g.dtype)

    def backward_graph(self, g):  # the share is piecewise constant: no gradient flows through which places tie
        return _expand_back_graph(g, self.x.shape, self.axis, self.keepdim) * const(self._share(g.dtype))


class AMin(AMax):
    op = staticmethod(np.min)


class MaxDim(Function):
    """(values, indices) = max along one axis; the gradient goes to the returned index"""
    saves_inputs = False
    arg = staticmethod(np.argmax)

    def forward(self, x, axis, keepdim=False, arg=None):
        """arg: the arg-max (arg-min) along axis when the caller has it already (it returns it as the indices)"""
        self.in_shape, self.axis, self.keepdim = x.shape, axis, keepdim
        if arg is None:
            arg = self.arg(x, axis=axis)
        idx = self.idx = arg.reshape(arg.shape[:axis] + (1,) + arg.shape[axis:])
        if x.ndim == 2 and type(x) is np.ndarray:  # a matrix (logits): one fancy index, ~4 us less than take_along
            v = x[np.arange(x.shape[0]), arg] if axis == 1 else x[arg, np.arange(x.shape[1])]
            return v.reshape(idx.shape) if keepdim else v
        v = contiguous(np.take_along_axis(x, idx, axis=axis))
        return v if keepdim else v.reshape(arg.shape)

    def backward(self, g):
        if not self.keepdim:
            g = np.expand_dims(g, self.axis)
        dx = zeros_on(g, self.in_shape)
        np.put_along_axis(dx, self.idx, g, axis=self.axis)
        return dx

    def backward_graph(self, g):
        hit = zeros_on(self.idx, self.in_shape, np.bool_)
        np.put_along_axis(hit, self.idx, True, axis=self.axis)
        return where(hit, _expand_back_graph(g, self.in_shape, (self.axis,), self.keepdim), 0.0)


class MinDim(MaxDim):
    arg = staticmethod(np.argmin)


class Var(Function):
    """z = sum (x - mean)^2 / (n - correction);  dx = dz * 2 (x - mean) / (n - correction)"""
    saves_inputs = False
    def forward(self, x, axis, correction=1, keepdim=False):
        with np.errstate(over="ignore"):  # a float64 variance past float32's range rounds to inf, as torch's
            return contiguous(self._var(x, axis, correction, keepdim).astype(x.dtype, copy=False))

    def _var(self, x, axis, correction, keepdim):
        """the variance, in float32 for float16/bfloat16 x (torch computes there and rounds once). float32 x on the
        CPU is computed in float64, as torch's CPU kernels accumulate it (Welford in double), so the result is the
        float64 variance rounded once: torch's, bit for bit (in float32 41% of random rows were 1 ulp off), and no
        overflow of the squares (a float32 std of 1e30 and -1e30 is 1.4e30, not inf). ~2.7x the float32 time; var
        and std are on no training path here (LayerNorm and BatchNorm have their own kernels). On a GPU float32
        stays float32, as torch's CUDA kernels accumulate it."""
        if x.itemsize < 4:
            x = x.astype(np.float32)
        elif x.dtype == np.float32 and type(x) is np.ndarray:
            x = x.astype(np.float64)
        return self._var_in(x, axis, correction, keepdim)

    def _var_in(self, x, axis, correction, keepdim):
        self.in_shape, self.axis, self.keepdim = x.shape, axis, keepdim
        n = 1
        for a in axis:
            n *= x.shape[a]
        with np.errstate(divide="ignore", invalid="ignore"):
            # shifted by one sample first, so a constant row gives exactly d = 0 (and std's gradient 0, as torch)
            x = x - x[tuple(slice(0, 1) if i in axis else slice(None) for i in range(x.ndim))]
            self.d = x - x.mean(axis=axis, keepdims=True)
            # torch clamps n - correction at 0 in forward but not in backward (so n=1, correction=2 gives -0 grads)
            self.n_corr = n - correction
            return (self.d * self.d).sum(axis=axis, keepdims=keepdim) / x.dtype.type(max(n - correction, 0))

    def backward(self, g):
        g = _expand_back(g, self.in_shape, self.axis, self.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (g * self.d * g.dtype.type(2 / self.n_corr if self.n_corr else np.inf)).astype(g.dtype, copy=False)

    def backward_graph(self, g):
        # d = x - mean(x), recorded. Forward kept d, not x, so d stands in for x's value: the two differ by a
        # constant along the axes, which x - mean(x) (its value and its derivative) does not see
        xt = self._input(0, self.d.astype(g.dtype, copy=False))
        d = xt - xt.mean(self.axis, keepdim=True)
        scale = 2 / self.n_corr if self.n_corr else float("inf")
        return _expand_back_graph(g, self.in_shape, self.axis, self.keepdim) * d * scale


class Std(Var):
    """z = sqrt(var x);  dx = dz (x - mean) / ((n - correction) z), and 0 where z = 0 (torch's rule: no NaN
    from a constant row)"""
    saves_inputs, saves_output = False, True
    def forward(self, x, axis, correction=1, keepdim=False):
        with np.errstate(over="ignore"):
            self.z = contiguous(np.sqrt(self._var(x, axis, correction, keepdim)).astype(x.dtype, copy=False))
        return self.z

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(self.z == 0, 0, g / (2 * self.z)).astype(g.dtype, copy=False)
        return Var.backward(self, g)

    def backward_graph(self, g):
        zero = self.z == 0
        z = where(zero, 1.0, self._output(self.z))  # no 1/0 in the branch where() drops: its gradient would be NaN
        return Var.backward_graph(self, where(zero, 0.0, g / (z * 2.0)))


def _max_keepdims(x, axis):
    """x.max(axis, keepdims=True), and -inf over a zero-size axis (numpy's `initial`, which cupy's max lacks)."""
    if x.size:
        return x.max(axis=axis, keepdims=True)
    shape = list(x.shape)
    for a in (axis if isinstance(axis, tuple) else (axis,)) if axis is not None else range(x.ndim):
        shape[a] = 1
    return xp_of(x).full(shape, -np.inf, x.dtype)


class LogSumExp(Function):
    """z = log sum e^x (shifted by the max for stability);  dx = dz softmax(x)"""
    saves_output = True
    def forward(self, x, axis, keepdim=False):
        self.x, self.axis, self.keepdim = x, axis, keepdim
        m = _max_keepdims(x, axis)  # empty axes give log(0) = -inf
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            self.z = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
        return contiguous(self.z if keepdim else np.squeeze(self.z, axis))

    def backward(self, g):
        if not self.keepdim:
            g = np.expand_dims(g, self.axis)
        return g * np.exp(self.x - self.z)

    def backward_graph(self, g):
        z = self._output(self.z if self.keepdim else np.squeeze(self.z, self.axis))
        if not self.keepdim:
            g, z = g.reshape(self.z.shape), z.reshape(self.z.shape)
        return g * (self._input(0, self.x) - z).exp()


def _softmax_kernel(op, x, axis, name):
    """The numba kernel `name` of backend/_numba_softmax on x when it applies: float32 on the CPU, no NaN in x; any
    axis (-inf as torch). Sets op.kernels (None: op takes its numpy path, backward too); returns the result or
    None."""
    global _numba_softmax
    if not x.size or fused_for(x) is None:
        op.kernels = None
        return None
    k = _numba_softmax
    if k is None:  # imported once: an import statement per call cost ~1 us on a decode step's softmax
        from ..backend import _numba_softmax as k
        _numba_softmax = k
    y = getattr(k, name)(x, axis)
    op.kernels = k if y is not None else None
    return y if y is None else contiguous(y)  # the rows of a permuted x come back in its order; torch's are C


_numba_softmax = None


class Softmax(Function):
    """y = e^x / sum e^x;  dx = y (dy - sum(dy y))"""
    saves_inputs, saves_output = False, True
    def forward(self, x, axis):
        self.axis = axis
        self.cuda = (_cuda.kernels_for(x) if type(x) is not np.ndarray and axis == x.ndim - 1
                     and x.shape[-1] <= _cuda.MAX_ROW else None)  # kernels_for: None for numpy arrays anyway
        if self.cuda is not None:  # one read and one write per row (Triton)
            self.y = self.cuda.softmax_fwd(x)
            return self.y
        self.y = _softmax_kernel(self, x, axis, "softmax")
        if self.y is not None:
            return self.y
        with np.errstate(invalid="ignore"):  # inf - inf, a row all -inf: NaN, as torch's (which doesn't warn)
            e = np.exp(x - _max_keepdims(x, axis))
            e /= e.sum(axis=axis, keepdims=True)
        self.y = contiguous(e)  # numpy keeps a permuted x's order, torch's softmax is C order
        return self.y

    def backward(self, g):
        y = self.y
        if self.cuda is not None:
            return self.cuda.softmax_bwd(y, g)
        if self.kernels is not None and g.dtype == np.float32:
            return self.kernels.softmax_backward(y, g, self.axis)
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True))

    def backward_graph(self, g):
        y = self._output(self.y)
        return y * (g - (g * y).sum(self.axis, keepdim=True))


class LogSoftmax(Function):
    """y = x - logsumexp(x);  dx = dy - softmax(x) sum(dy)"""
    saves_inputs, saves_output = False, True
    def forward(self, x, axis):
        self.axis = axis
        self.y = _softmax_kernel(self, x, axis, "log_softmax")
        if self.y is not None:
            return self.y
        with np.errstate(invalid="ignore"):  # inf - inf: NaN, as torch's (which doesn't warn)
            s = x - _max_keepdims(x, axis)
            self.y = contiguous(s - np.log(np.exp(s).sum(axis=axis, keepdims=True)))  # C order, as torch's
        return self.y

    def backward(self, g):
        if self.kernels is not None and g.dtype == np.float32:
            return self.kernels.log_softmax_backward(self.y, g, self.axis)
        return g - np.exp(self.y) * g.sum(axis=self.axis, keepdims=True)

    def backward_graph(self, g):
        return g - self._output(self.y).exp() * g.sum(self.axis, keepdim=True)


class Cumsum(Function):
    """z_i = sum_{j<=i} x_j;  dx_j = sum_{i>=j} dz_i (a reversed cumsum)"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, axis):
        self.axis = axis
        k = fused_for(x)
        if k is not None:  # float32: one kernel pass, accumulated in float64 as torch's
            return k.cumsum(x, axis)
        return np.cumsum(x, axis=axis, dtype=_acc_dtype(x.dtype)).astype(x.dtype, copy=False)

    def backward(self, g):
        a = self.axis
        k = fused_for(g)
        if k is not None:
            return k.cumsum(g, a, reverse=True)
        return np.flip(np.cumsum(np.flip(g, a), axis=a, dtype=_acc_dtype(g.dtype)), a).astype(g.dtype, copy=False)

    def backward_graph(self, g):
        return g.flip(self.axis).cumsum(self.axis).flip(self.axis)


class Cumprod(Function):
    """z_i = prod_{j<=i} x_j;  dx_j = prod_{k<j} x_k * sum_{i>=j} dz_i prod_{j<k<=i} x_k (no division: zeros are fine)"""
    saves_output = True
    def forward(self, x, axis):
        self.x, self.axis = x, axis
        self.z = np.cumprod(x, axis=axis, dtype=_acc_dtype(x.dtype)).astype(x.dtype, copy=False)
        return self.z

    def backward(self, g):
        x, a, z = self.x, self.axis, self.z
        if x.dtype.kind == "c":  # torch's convention: the conjugate derivative, the same products of conj(x)
            x, z = x.conj(), z.conj()
        if x.shape[a] == 1:  # z = x: exact even for a NaN or inf x, as torch
            return g.copy()
        if x.all():  # no zeros: dx_j = (sum_{i>=j} dz_i z_i) / x_j, one reversed cumsum
            return np.flip(np.cumsum(np.flip(g * z, a), axis=a), a) / x
        n = x.shape[a]
        dx = zeros_on(g, x.shape)
        for j in range(n):  # O(n^2), but exact where x has zeros
            pre = [slice(None)] * x.ndim
            pre[a] = slice(0, j)
            before = np.prod(x[tuple(pre)], axis=a, keepdims=True)
            post = [slice(None)] * x.ndim
            post[a] = slice(j + 1, n)
            rest = np.cumprod(np.concatenate([np.ones_like(before), x[tuple(post)]], axis=a), axis=a)
            gi = [slice(None)] * x.ndim
            gi[a] = slice(j, n)
            sel = [slice(None)] * x.ndim
            sel[a] = slice(j, j + 1)
            dx[tuple(sel)] = before * (g[tuple(gi)] * rest).sum(axis=a, keepdims=True)
        return dx

    def backward_graph(self, g):
        x, a = self.x, self.axis
        xt, zt = self._input(0, x), self._output(self.z)
        if x.dtype.kind == "c":  # the conjugate derivative, as in backward
            xt, zt = xt.conj(), zt.conj()
        if x.shape[a] == 1:  # z = x
            return g
        if x.all():
            return (g * zt).flip(a).cumsum(a).flip(a) / xt
        # with zeros: c[..., j, i] = prod_{k <= i, k != j} x_k, and dx_j = sum_{i >= j} dz_i c[..., j, i]
        n = x.shape[a]
        c = _others_matrix(xt.movedim(a, -1), n).cumprod(-1)
        later = on_device_of(x, np.arange(n)[None, :] >= np.arange(n)[:, None])
        return where(later, g.movedim(a, -1).unsqueeze(-2) * c, 0.0).sum(-1).movedim(-1, a)


def _acc_dtype(d):
    """Running sums of float16/bfloat16 stall (0.1 + ... stops at 256): accumulate in float32, as torch does."""
    return np.float32 if d.kind == "f" and d.itemsize < 4 or d.kind == "V" and d.name == "bfloat16" else d


class Norm(Function):
    """z = (sum |x|^p)^(1/p) over axes (p a nonzero number);  dx = dz sign(x) |x|^(p-1) / z^(p-1), with torch's
    masks (norm_backward): p = 2 and p >= 1 take dz / z^(p-1) as 0 where z = 0, p < 1 takes |x|^(p-1) as 0 where
    x = 0; the masks are products, so a NaN or inf dz still gives NaN there (a zero vector's norm has gradient 0)"""
    saves_output = True
    def forward(self, x, axis, p=2.0, keepdim=False):
        self.x, self.axis, self.p, self.keepdim = x, axis, p, keepdim
        if p == 2:
            self.z = np.sqrt((x * x).sum(axis=axis, keepdims=True))
        else:
            with np.errstate(divide="ignore"):  # p < 0: 0^p = inf, and the norm 0
                self.z = (np.abs(x) ** p).sum(axis=axis, keepdims=True) ** (1.0 / p)
        return contiguous(self.z if keepdim else self.z.reshape([n for i, n in enumerate(x.shape) if i not in axis]))

    def backward(self, g):
        x, z, p = self.x, self.z, self.p
        if not self.keepdim:
            g = g.reshape(z.shape)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 2:
                return (g * np.where(z == 0, 0, x / z)).astype(g.dtype, copy=False)
            scaled = np.sign(x) * np.abs(x) ** (p - 1)
            if p < 1:  # |x|^(p-1) is inf at 0: masked there, and z^(1-p) is not masked
                return (np.where(x == 0, 0, scaled) * g * z ** (1 - p)).astype(g.dtype, copy=False)
            return (scaled * np.where(z == 0, 0, g / z ** (p - 1))).astype(g.dtype, copy=False)

    def backward_graph(self, g):
        x, z, p = self.x, self.z, self.p
        zt = self._output(z if self.keepdim else z.reshape(g.shape))
        if not self.keepdim:
            g, zt = g.reshape(z.shape), zt.reshape(z.shape)
        xt = self._input(0, x)
        zsafe = where(z == 0, 1.0, zt)  # 1 stands in where z = 0, so no branch divides by 0
        if p == 2:
            return g * where(z == 0, 0.0, xt / zsafe)
        sign = const(np.sign(x))
        absx = where(x == 0, 1.0, xt * sign)  # |x|, differentiable (its derivative is sign(x))
        if p < 1:
            return where(x == 0, 0.0, sign * absx ** (p - 1)) * g * zt ** (1 - p)
        return sign * absx ** (p - 1) * where(z == 0, 0.0, g / zsafe ** (p - 1))


class MedianAll(Function):
    """z = the lower median of all of x (NaN if x has one);  dx = dz shared evenly by the elements equal to z
    (torch's rule for the full reduction; with a dim, the gradient goes to the returned index instead)"""
    saves_output = True
    def forward(self, x):
        flat, xp = x.reshape(-1), xp_of(x)
        self.x = x
        if flat.size == 0 or np.isnan(flat).any():
            self.z = xp.asarray(np.nan, dtype=x.dtype)
        else:
            self.z = xp.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2]
        return xp.asarray(self.z, dtype=x.dtype)

    def backward(self, g):
        mask = np.isnan(self.x) if np.isnan(self.z) else (self.x == self.z)
        return (g * mask / mask.sum()).astype(g.dtype, copy=False)

    def backward_graph(self, g):
        mask = np.isnan(self.x) if np.isnan(self.z) else (self.x == self.z)
        return g * const((mask / mask.sum()).astype(g.dtype, copy=False))
