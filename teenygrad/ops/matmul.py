"""Matrix products. GEMM is the floor of the step time: feed BLAS one big 2-D GEMM where we can."""
import math
import numpy as np
from ..autograd.function import Function
from .._arrays import unbroadcast, contiguous, xp_of, zeros_on, half_on_host
from ..backend import cuda as _cuda
from ..backend import cpu as _cpu
from ..autograd.graph_backward import const, sum_to


def _matmul2d(a, b):
    """2-D a @ b: numpy arrays go to the CPU backend (big GEMMs split over its thread pool), GPU arrays to the
    cuda backend (the GEMM rung for the dtype, or cuBLAS)."""
    if type(a) is np.ndarray:
        if half_on_host(a):  # numpy's float16 GEMM has no BLAS (~300x slower): in float32, rounded once
            return _matmul2d(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)
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
    if half_on_host(a):  # as _matmul2d
        return (a.astype(np.float32) @ b.astype(np.float32)).astype(a.dtype)
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
        if x.dtype.kind == "c":  # torch's convention for complex: dx = dz @ y^H, dy = x^H @ dz
            x, y = x.conj(), y.conj()
        n = self.needs_input_grad
        gx = gy = None
        if x.ndim == 2 and y.ndim == 2:  # the common case, without the general path's reshapes
            return (_matmul2d(g, y.T) if n[0] else None), (_matmul2d(x.T, g) if n[1] else None)
        if x.ndim == 1 and y.ndim == 1:  # dot product: g is 0-d
            return (g * y if n[0] else None), (g * x if n[1] else None)
        # matrix-vector: the matrix's gradient is an outer product, made as a fresh array (the general path's k=1
        # GEMM comes back as a reshaped view, which a leaf's .grad would copy once more)
        if x.ndim == 2 and y.ndim == 1:
            return (xp_of(g).outer(g, y) if n[0] else None), (x.T @ g if n[1] else None)
        if x.ndim == 1 and y.ndim == 2:
            return (y @ g if n[0] else None), (xp_of(g).outer(x, g) if n[1] else None)
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
        if self.x.dtype.kind == "c":  # as backward: dx = dz @ y^H, dy = x^H @ dz
            x, y = x.conj(), y.conj()
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


def _einsum(ins, out, xs):
    """einsum(ins -> out) of arrays xs with its products on BLAS, as torch's: two operands are one (batched) GEMM,
    more are contracted pairwise in the order numpy's einsum_path picks. (Plain np.einsum loops in C, 7-20x slower
    on real contractions; this also keeps the reshapes views where it can, and leaves tiny products to the C loops.)"""
    if type(xs[0]) is not np.ndarray:
        return xp_of(xs[0]).einsum(",".join(ins) + "->" + out, *xs)
    if len(xs) == 1:
        return np.einsum(ins[0] + "->" + out, xs[0])
    if len(xs) == 2:
        return _contract_pair(xs[0], ins[0], xs[1], ins[1], out)
    ins, xs = list(ins), list(xs)
    # no cap on the intermediates' size (numpy's default cap is the largest operand, which would keep F.bilinear's
    # (b, o, j) intermediate from being formed: all three operands would go to the C loops at once)
    path = np.einsum_path(",".join(ins) + "->" + out, *xs, optimize=("greedy", 2**62))[0][1:]
    for step in path:
        picked = sorted(step, reverse=True)  # einsum_path's convention: pop these, append the result
        subs, arrs = [ins.pop(k) for k in picked], [xs.pop(k) for k in picked]
        needed = set(out).union(*ins)
        letters = "".join(dict.fromkeys("".join(subs)))  # out's letters first: later steps find them outermost
        kept = "".join(c for c in out if c in letters) + "".join(c for c in letters if c in needed and c not in out)
        xs.append(_contract_pair(arrs[0], subs[0], arrs[1], subs[1], kept) if len(arrs) == 2
                  else np.einsum(",".join(subs) + "->" + kept, *arrs))
        ins.append(kept)
    return xs[0]


def _sum_alone(x, sub, needed):
    """x's diagonals (a repeated letter) taken and the letters no one else needs summed, before a contraction."""
    keep = "".join(c for c in dict.fromkeys(sub) if c in needed)
    return (x, sub) if keep == sub else (np.einsum(sub + "->" + keep, x), keep)


def _blas_ready(m):
    """m, or a C-contiguous copy when neither of its matrix axes is unit-stride (numpy's batched matmul would fall
    back to its slow loops, e.g. for a batch axis that lies innermost in memory)."""
    return m if m.itemsize in m.strides[-2:] or m.size == 0 else np.ascontiguousarray(m)


def _contract_pair(a, sa, b, sb, out):
    """einsum(sa, sb -> out) as one GEMM: (batch, left, summed) @ (batch, summed, right), torch's sumproduct."""
    if a.size * b.size <= 1 << 14:  # at most that many multiply-adds: the C loops beat the bookkeeping below
        return np.einsum(sa + "," + sb + "->" + out, a, b)
    first = next((c for c in out if (c in sa) != (c in sb)), "")
    if first and first in sb:  # the operand with out's first own letter goes left: the result lies in out's order
        a, sa, b, sb = b, sb, a, sa
    a, sa = _sum_alone(a, sa, sb + out)
    b, sb = _sum_alone(b, sb, sa + out)
    size = dict(zip(sa, a.shape))
    summed = [c for c in sa if c in sb and c not in out]
    batch = [c for c in out if c in sa and c in sb]
    left = [c for c in out if c in sa and c not in sb]
    right = [c for c in out if c in sb and c not in sa]
    # the C loops for a broadcast product (nothing summed), a batch of dot products (no letter of one side's own:
    # their sum-of-products loop is as fast as BLAS there) and size-1 letters broadcast against longer ones
    if not summed or not (left or right) or any(size[c] != n for c, n in zip(sb, b.shape) if c in size):
        return np.einsum(sa + "," + sb + "->" + out, a, b)
    size.update(zip(sb, b.shape))
    # letters in the order the operands lie in memory (largest stride first), so that the reshapes below are views
    # where they can be (a transposed operand goes to BLAS as it is); the result is transposed to out at the end
    by_a = lambda c: -a.strides[sa.index(c)]  # noqa: E731
    batch, left, summed = sorted(batch, key=by_a), sorted(left, key=by_a), sorted(summed, key=by_a)
    right = sorted(right, key=lambda c: -b.strides[sb.index(c)])
    n = lambda cs: math.prod(size[c] for c in cs)  # noqa: E731
    a3 = a.transpose([sa.index(c) for c in batch + left + summed]).reshape(n(batch), n(left), n(summed))
    b3 = b.transpose([sb.index(c) for c in batch + summed + right]).reshape(n(batch), n(summed), n(right))
    z = _matmul2d(a3[0], b3[0]) if n(batch) == 1 else _cpu.bmm(_blas_ready(a3), _blas_ready(b3))
    done = batch + left + right
    return z.reshape([size[c] for c in done]).transpose([done.index(c) for c in out])


class Einsum(Function):
    """z = einsum(spec, *xs);  dx_i = einsum of dz with the other operands, into x_i's subscripts"""
    def forward(self, *xs, ins, out):
        self.xs, self.ins, self.out = xs, ins, out
        # an operand's value is read only for the others' gradients (x @ w with a constant w: x may be written after)
        self.reads_for = tuple(tuple(j for j in range(len(xs)) if j != i) for i in range(len(xs)))
        return _einsum(ins, out, xs)

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
            # torch's conjugate convention (Matmul's too): the other operands enter conjugated
            ops = [g] + [xj.conj() if xj.dtype.kind == "c" else xj for j, xj in enumerate(self.xs) if j != i]
            gi = _einsum([self.out] + others, target, ops)
            size = {c: x.shape[k] for k, c in enumerate(sub)}
            spread = tuple(k for k, c in enumerate(target) if gi.shape[k] != size[c] == 1)  # x's size-1 letters
            if spread:
                gi = gi.sum(spread, keepdims=True)
            # letters summed away inside x alone, and x's letters that the others had at size 1 (broadcast against
            # x's), come back as a broadcast
            gi = gi.reshape([gi.shape[target.index(c)] if c in avail else 1 for c in uniq])
            gi = np.broadcast_to(gi, [size[c] for c in uniq])
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
            gi = Einsum.apply(g, *[xj.conj() if xj.dtype.kind == "c" else xj for j, xj in enumerate(xs) if j != i],
                              ins=(self.out, *others), out=target)
            size = {c: x.shape[k] for k, c in enumerate(sub)}
            spread = tuple(k for k, c in enumerate(target) if gi.shape[k] != size[c] == 1)  # x's size-1 letters
            if spread:
                gi = gi.sum(spread, keepdim=True)
            full = tuple(size[c] for c in uniq)
            if target != uniq:  # letters summed away inside x alone come back as a broadcast
                gi = gi.reshape([gi.shape[target.index(c)] if c in avail else 1 for c in uniq])
            if tuple(gi.shape) != full:  # and so do x's letters that the others had at size 1
                gi = gi.expand(*full)
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


class EuclidDist(Function):
    """z_ij = ||x1_i - x2_j||_2 as sqrt(max(|x1_i|^2 + |x2_j|^2 - 2 x1_i . x2_j, 0)): one GEMM, torch's mm path of
    cdist. With r = dz / z (0 where z = 0, torch's subgradient): dx1 = x1 * sum_j r - r @ x2,
    dx2 = x2 * sum_i r - r^T @ x1 (summed over broadcast batch axes)"""
    def forward(self, x1, x2):
        self.x1, self.x2 = x1, x2
        xp = xp_of(x1)
        z = _mm(x1, x2.swapaxes(-1, -2))  # (..., P, R); in place from here: it's the one full-size array
        z *= -2
        z += (x1 * x1).sum(-1)[..., :, None]
        z += (x2 * x2).sum(-1)[..., None, :]
        xp.maximum(z, 0, out=z)  # rounding can take a near-zero square below 0
        self.z = xp.sqrt(z, out=z)
        return self.z

    def backward(self, g):
        x1, x2, z = self.x1, self.x2, self.z
        xp = xp_of(z)
        r = xp.divide(g, z, out=xp.zeros_like(z), where=z != 0)
        n = self.needs_input_grad
        gx1 = unbroadcast(x1 * r.sum(-1)[..., :, None] - _mm(r, x2), x1.shape) if n[0] else None
        gx2 = unbroadcast(x2 * r.sum(-2)[..., :, None] - _mm(r.swapaxes(-1, -2), x1), x2.shape) if n[1] else None
        return gx1, gx2

    def backward_graph(self, g):
        x1, x2, z = self._input(0, self.x1), self._input(1, self.x2), self._output(self.z)
        zero = z == 0
        r = (g / z.masked_fill(zero, 1.0)).masked_fill(zero, 0.0)  # no inf from 1/0 even in the second derivative
        n = self.needs_input_grad
        gx1 = sum_to(x1 * r.sum(-1, keepdim=True) - r @ x2, x1.shape) if n[0] else None
        gx2 = sum_to(x2 * r.sum(-2).unsqueeze(-1) - r.mT @ x1, x2.shape) if n[1] else None
        return gx1, gx2
