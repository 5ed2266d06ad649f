"""Matrix products. GEMM is the floor of the step time: feed BLAS one big 2-D GEMM where we can."""
import math
import numpy as np
from ..autograd.function import Function
from .._arrays import unbroadcast, contiguous, xp_of, zeros_on
from ..backend import cuda as _cuda
from ..backend import cpu as _cpu
from ..autograd.graph_backward import const, sum_to


def _matmul2d(a, b):
    """2-D a @ b: numpy arrays go to the CPU backend (big GEMMs split over its thread pool), GPU arrays to the
    cuda backend (the GEMM rung for the dtype, or cuBLAS)."""
    if type(a) is np.ndarray:
        # no thread pool (the default, decided on first use): the backend's matmul is a @ b, so skip its checks
        return a @ b if _cpu._pool is False else _cpu.matmul(a, b)
    return _cuda.matmul(a, b)


def _mm(a, b):
    """a @ b, collapsing a batched (..., k) @ (k, n) into one 2-D GEMM (numpy would loop over the batch)."""
    if b.ndim == 2 and a.ndim > 2:
        rows = a.size // a.shape[-1] if a.shape[-1] else math.prod(a.shape[:-1])  # -1 is ambiguous when k = 0
        return _matmul2d(a.reshape(rows, a.shape[-1]), b).reshape(*a.shape[:-1], b.shape[-1])
    if a.ndim == 2 and b.ndim == 2:
        return _matmul2d(a, b)
    if type(a) is not np.ndarray and a.ndim >= 2 and b.ndim >= 2:  # batched on the GPU
        return _cuda.matmul(a, b)
    return a @ b


class Matmul(Function):
    """z = x @ y;  dx = dz @ y^T, dy = x^T @ dz (summed over broadcast batch axes)"""
    reads_for = ((1,), (0,))
    def forward(self, x, y):
        self.x, self.y = x, y
        if type(x) is np.ndarray and x.ndim == 2 and y.ndim == 2 and _cpu._pool is False:
            return x @ y  # the common case, as _mm -> _matmul2d would do it, without their two calls
        return _mm(x, y)

    def backward(self, g):
        x, y = self.x, self.y
        n = self.needs_input_grad
        gx = gy = None
        if x.ndim == 2 and y.ndim == 2:  # the common case, without the general path's reshapes
            return (_matmul2d(g, y.T) if n[0] else None), (_matmul2d(x.T, g) if n[1] else None)
        if x.ndim == 1 and y.ndim == 1:  # dot product: g is 0-d
            return (g * y if n[0] else None), (g * x if n[1] else None)
        xv = x[None, :] if x.ndim == 1 else x
        yv = y[:, None] if y.ndim == 1 else y
        gv = g
        if x.ndim == 1:
            gv = np.expand_dims(gv, -2)
        if y.ndim == 1:
            gv = np.expand_dims(gv, -1)
        if n[0]:
            gx = _mm(gv, yv.swapaxes(-1, -2))
            gx = unbroadcast(gx, xv.shape).reshape(x.shape)
        if n[1]:
            if yv.ndim == 2 and xv.ndim > 2:
                # weight gradient of a batched linear: one GEMM over the flattened batch
                rows = math.prod(xv.shape[:-1])  # explicit: -1 is ambiguous for empty arrays
                gy = _matmul2d(xv.reshape(rows, xv.shape[-1]).T, gv.reshape(rows, gv.shape[-1]))
            else:
                gy = unbroadcast(_mm(xv.swapaxes(-1, -2), gv), yv.shape)
            gy = gy.reshape(y.shape)
        return gx, gy

    def backward_graph(self, g):
        n = self.needs_input_grad
        x, y = self._input(0, self.x), self._input(1, self.y)
        if x.ndim == 1 and y.ndim == 1:
            return (g * y if n[0] else None), (g * x if n[1] else None)
        xv = x.unsqueeze(0) if x.ndim == 1 else x
        yv = y.unsqueeze(-1) if y.ndim == 1 else y
        gv = g
        if x.ndim == 1:
            gv = gv.unsqueeze(-2)
        if y.ndim == 1:
            gv = gv.unsqueeze(-1)
        gx = sum_to(gv @ yv.mT, xv.shape).reshape(x.shape) if n[0] else None
        gy = sum_to(xv.mT @ gv, yv.shape).reshape(y.shape) if n[1] else None
        return gx, gy


class Einsum(Function):
    """z = einsum(spec, *xs);  dx_i = einsum of dz with the other operands, into x_i's subscripts"""
    def forward(self, *xs, ins, out):
        self.xs, self.ins, self.out = xs, ins, out
        return np.einsum(",".join(ins) + "->" + out, *xs)

    def backward(self, g):
        grads = []
        for i, (x, sub) in enumerate(zip(self.xs, self.ins)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(self.ins) if j != i]
            avail = set(self.out).union(*others)
            uniq = "".join(dict.fromkeys(sub))  # "ii" (a diagonal) -> "i"
            target = "".join(c for c in uniq if c in avail)
            ops = [g] + [xj for j, xj in enumerate(self.xs) if j != i]
            gi = np.einsum(",".join([self.out] + others) + "->" + target, *ops)
            # letters summed away inside x alone come back as a broadcast
            size = {c: x.shape[k] for k, c in enumerate(sub)}
            gi = np.broadcast_to(gi.reshape([size[c] if c in avail else 1 for c in uniq]), [size[c] for c in uniq])
            if uniq == sub:
                grads.append(contiguous(gi))
                continue
            dx = zeros_on(g, x.shape)
            np.einsum(sub + "->" + uniq, dx)[...] = gi  # numpy's diagonal einsum is a writable view
            grads.append(dx)
        return tuple(grads)

    def backward_graph(self, g):
        xs = [self._input(i, a) for i, a in enumerate(self.xs)]
        fresh = iter(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     if c not in "".join(self.ins) + self.out)
        grads = []
        for i, (x, sub) in enumerate(zip(xs, self.ins)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(self.ins) if j != i]
            avail = set(self.out).union(*others)
            uniq = "".join(dict.fromkeys(sub))
            target = "".join(c for c in uniq if c in avail)
            gi = Einsum.apply(g, *[xj for j, xj in enumerate(xs) if j != i], ins=(self.out, *others), out=target)
            size = {c: x.shape[k] for k, c in enumerate(sub)}
            full = tuple(size[c] for c in uniq)
            if target != uniq:  # letters summed away inside x alone come back as a broadcast
                gi = gi.reshape([size[c] if c in avail else 1 for c in uniq]).expand(*full)
            if uniq != sub:  # a repeated letter (a diagonal, "ii"): gi onto it, zeros elsewhere, via identities
                seen, spread, eyes = set(), "", []
                for c in sub:
                    if c in seen:
                        f = next(fresh)
                        spread += f
                        eyes.append((c + f, const(xp_of(g._data).eye(size[c], dtype=g._data.dtype))))
                    else:
                        seen.add(c)
                        spread += c
                gi = Einsum.apply(gi, *[e for _, e in eyes], ins=(uniq, *[s for s, _ in eyes]), out=spread)
            grads.append(gi)
        return tuple(grads)
