"""numba kernels for ops/conv.py beside the general ones in _numba_kernels.py: shapes common enough to be worth
a loop of their own. Imported by ops/conv.py only once teenygrad.backend.cpu.fused_for has handed out the kernels
(float32 numpy arrays, numba on); the general kernel and the numpy path stay, and the tests run all of them.

maxpool2x2: 2x2 windows at stride 2 (MaxPool2d(2), LeNet's and most CNNs' pool). The general maxpool2d reads its
windows at a run-time stride and offset, which LLVM leaves scalar; here both are constants, so the loads
vectorise. LeNet's pools, (64, 6, 28, 28) and (64, 16, 10, 10): 1.13 -> 0.19 ms and 0.40 -> 0.06 ms (the same y
and arg, bit for bit)."""
import numba
import numpy as np

_exact_select = dict(error_model="numpy", cache=True, nogil=True)  # selects only: no fastmath (NaN must win)


@numba.njit(**_exact_select)
def maxpool2x2(x, oh, ow):
    """y (n, c, oh, ow): the maximum of x[n, c, 2i:2i+2, 2j:2j+2]; arg: its offset in the window (row-major), the
    first maximum or the last NaN, as torch's loop and the general kernel pick them."""
    N, C = x.shape[0], x.shape[1]
    y = np.empty((N, C, oh, ow), x.dtype)
    arg = np.empty((N, C, oh, ow), np.int64)
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                top, bottom = x[n, c, 2 * i], x[n, c, 2 * i + 1]
                best_row, at_row = y[n, c, i], arg[n, c, i]
                for j in range(ow):
                    best, at = top[2 * j], 0
                    v = top[2 * j + 1]
                    take = (v > best) | (v != v)  # no branch: vectorises
                    best, at = (v, 1) if take else (best, at)
                    v = bottom[2 * j]
                    take = (v > best) | (v != v)
                    best, at = (v, 2) if take else (best, at)
                    v = bottom[2 * j + 1]
                    take = (v > best) | (v != v)
                    best, at = (v, 3) if take else (best, at)
                    best_row[j], at_row[j] = best, at
    return y, arg
