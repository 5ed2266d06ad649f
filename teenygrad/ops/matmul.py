"""Matrix products. GEMM is the floor of the step time: feed BLAS one big 2-D GEMM where we can."""
import numpy as np
from ..autograd.function import Function
from ._util import unbroadcast


def _mm(a, b):
    """a @ b, collapsing a batched (..., k) @ (k, n) into one 2-D GEMM (numpy would loop over the batch)."""
    if b.ndim == 2 and a.ndim > 2:
        return (a.reshape(-1, a.shape[-1]) @ b).reshape(*a.shape[:-1], b.shape[-1])
    return a @ b


class Matmul(Function):
    """z = x @ y;  dx = dz @ y^T, dy = x^T @ dz (summed over broadcast batch axes)"""
    def forward(self, x, y):
        self.x, self.y = x, y
        return _mm(x, y)

    def backward(self, g):
        x, y = self.x, self.y
        n = self.needs_input_grad
        gx = gy = None
        xv = x[None, :] if x.ndim == 1 else x
        yv = y[:, None] if y.ndim == 1 else y
        gv = g
        if x.ndim == 1:
            gv = np.expand_dims(gv, -2)
        if y.ndim == 1:
            gv = np.expand_dims(gv, -1)
        if n[0]:
            gx = _mm(gv, np.swapaxes(yv, -1, -2))
            gx = unbroadcast(gx, xv.shape).reshape(x.shape)
        if n[1]:
            if yv.ndim == 2 and xv.ndim > 2:
                # weight gradient of a batched linear: one GEMM over the flattened batch
                gy = xv.reshape(-1, xv.shape[-1]).T @ gv.reshape(-1, gv.shape[-1])
            else:
                gy = unbroadcast(np.swapaxes(xv, -1, -2) @ gv, yv.shape)
            gy = gy.reshape(y.shape)
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
            target = "".join(c for c in dict.fromkeys(sub) if c in avail)
            ops = [g] + [xj for j, xj in enumerate(self.xs) if j != i]
            gi = np.einsum(",".join([self.out] + others) + "->" + target, *ops)
            if len(set(sub)) != len(sub):
                raise NotImplementedError("einsum backward: repeated subscripts in one operand")
            # letters summed away inside x alone come back as a broadcast
            shape = [x.shape[k] if c in avail else 1 for k, c in enumerate(sub)]
            order = [target.index(c) for c in sub if c in avail]
            gi = np.transpose(gi, order).reshape(shape)
            grads.append(np.ascontiguousarray(np.broadcast_to(gi, x.shape)))
        return tuple(grads)
