"""Layout kernels (numba, imported on first use through teenygrad._arrays.c_copy).

A transposed matrix copied into C order reads its source down the columns. numpy walks it in one long sweep, and
when a row of the source is a power of two in bytes (2048 or 4096 floats) every read of a column lands in the same
few cache sets: a (2048, 2048) float32 transpose takes ~26 ms in numpy, ~4 ms in PyTorch. Copying it in 64 x 64
blocks (16 KB of source, within L1) takes ~4 ms."""
import numba
import numpy as np

_BLOCK = 64


@numba.njit(cache=True, nogil=True)
def transpose_last2(b, out):
    """out[n] = b[n].T for each n: b (N, R, C) C-contiguous, out (N, C, R), walked in 64 x 64 blocks."""
    N, R, C = b.shape
    for n in range(N):
        src, dst = b[n], out[n]
        for i0 in range(0, R, _BLOCK):
            i1 = min(i0 + _BLOCK, R)
            for j0 in range(0, C, _BLOCK):
                for j in range(j0, min(j0 + _BLOCK, C)):
                    row = dst[j]
                    for i in range(i0, i1):
                        row[i] = src[i, j]
