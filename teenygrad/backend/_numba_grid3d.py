"""Serial numba kernels for grid_sample on 5-D float32 / float64 input (ops/grid.py GridSample3d), imported lazily
once teenygrad.backend.cpu.fused() has said numba is on; the numpy path (the Tensor-op composition) stays beside them.

What they replace: the composition's 8 corners x (gather + where + mul + add) plus the coordinate math, dozens of
numpy passes forward and 8 np.add.at scatters backward. As _numba_grid's 4-D kernels, each direction is one pass over
the output: per volume the 8 taps and weights of every output point are worked out once, then each channel is read
through them. Images split across cpu.parallel_for's threads when its pool is on (TEENYGRAD_POOL=1).

They follow aten's scalar 5-D kernel (GridSampler.cpp, grid_sampler_3d_cpu_impl and its backward), not the
vectorised 4-D one: the same order of operations (float32 and float64 results equal torch's bit for bit on the
tests' data), taps out of range skipped rather than read as 0 times their weight (a NaN / inf coordinate gives 0
under 'zeros', not NaN), and clip_coordinates' std::min / std::max, which send NaN to size - 1 in the forward, while
the backward's clip_coordinates_set_grad leaves it NaN (no tap in range: zero gradients). Float-to-int casts of NaN /
inf / huge values are x86's (out of range, or an even reflection count), as torch's on this machine.

Where it stands, F.grid_sample(x (2, 4, 16, 16, 16), grid (2, 16, 16, 16, 3), align_corners=False), forward +
backward (input and grid gradients) through autograd, medians of alternating rounds in one process over 6 s
(bench/grid_sample3d.py, 2026-11-27, a 2-core VM shared with other jobs, load 2-3): the composition 18-35 ms, these
kernels 3.2-10.6 ms, PyTorch 2.4-3.5 ms at 1 thread (13-18 ms at 2, contended). The kernels alone: forward 0.8 ms,
backward of both 1.5 ms.

No fastmath: NaN and inf coordinates must fall out of range exactly as torch's comparisons make them."""
import numba
import numpy as np

from .cpu import parallel_for

_exact = dict(error_model="numpy", cache=True, nogil=True)
_ZEROS, _BORDER, _REFLECTION = 0, 1, 2
_PADS = {"zeros": _ZEROS, "border": _BORDER, "reflection": _REFLECTION}


@numba.njit(inline="always", **_exact)
def _clip(c, size, set_grad, T):
    """clip_coordinates into [0, size - 1], and its derivative (0 at and beyond the ends). The forward's
    std::min(size - 1, std::max(c, 0)) sends NaN to size - 1; the backward's clip_coordinates_set_grad keeps it."""
    hi = T(size - 1)
    if set_grad:
        if c <= T(0):
            return T(0), T(0)
        if c >= hi:
            return hi, T(0)
        return c, T(1)
    if c < T(0):
        c = T(0)
    return (c if c < hi else hi), T(1)


@numba.njit(inline="always", **_exact)
def _reflect(c, twice_low, twice_high, T):
    """reflect_coordinates_set_grad: fold c into [twice_low / 2, twice_high / 2], and dc_out / dc_in (+-1)."""
    if twice_low == twice_high:
        return T(0), T(0)
    lo = T(twice_low) / T(2)
    span = T(twice_high - twice_low) / T(2)
    a = c - lo
    sign = T(1)
    if a < T(0):
        sign, a = T(-1), -a
    extra = T(np.fmod(a, span))
    flips = np.floor(a / span)
    # torch's int cast of flips: NaN, inf and anything past 2^31 - 1 become INT_MIN, an even count
    if flips < T(2147483648.0) and np.fmod(flips, T(2)) == T(1):
        return span - extra + lo, -sign
    return extra + lo, sign


@numba.njit(inline="always", **_exact)
def _source(c, size, pad, align, set_grad, T):
    """grid_sampler_compute_source_index(_set_grad): the voxel coordinate of the [-1, 1] coordinate c, and its
    derivative."""
    if align:
        d = T(size - 1) / T(2)
        c = (c + T(1)) / T(2) * T(size - 1)
    else:
        d = T(size) / T(2)
        c = ((c + T(1)) * T(size) - T(1)) / T(2)
    if pad == _BORDER:
        c, dc = _clip(c, size, set_grad, T)
        d = d * dc
    elif pad == _REFLECTION:
        if align:
            c, dr = _reflect(c, 0, 2 * (size - 1), T)
        else:
            c, dr = _reflect(c, -1, 2 * size - 1, T)
        c, dc = _clip(c, size, set_grad, T)
        d = d * dr * dc
    return c, d


@numba.njit(inline="always", **_exact)
def _inside(c, size):
    return c >= 0 and c <= size - 1  # False for NaN / inf, as torch's within_bounds_3d of their int casts


@numba.njit(**_exact)
def _taps(grid, n, D, H, W, pad, align, nearest, set_grad, idx, wt, ok, mult):
    """The taps of volume n's output points p: flat index idx[t, p] into the (D H W) volume, weight wt[t, p], in
    range ok[t, p] (t = 4 z + 2 y + x over the corners, torch's tnw, tne, tsw, tse, bnw, bne, bsw, bse; only t = 0
    for nearest), and the coordinate derivatives mult[:, p]. For the grid gradient, wt[8:14] hold the weights'
    factors (x1 - ix, ix - x0, y1 - iy, iy - y0, z1 - iz, iz - z0)."""
    T = grid.dtype.type
    for p in range(grid.shape[1]):
        ix, mult[0, p] = _source(grid[n, p, 0], W, pad, align, set_grad, T)
        iy, mult[1, p] = _source(grid[n, p, 1], H, pad, align, set_grad, T)
        iz, mult[2, p] = _source(grid[n, p, 2], D, pad, align, set_grad, T)
        if nearest:
            xr, yr, zr = np.rint(ix), np.rint(iy), np.rint(iz)  # half to even, as torch's nearbyint
            ok[0, p] = _inside(xr, W) and _inside(yr, H) and _inside(zr, D)
            idx[0, p] = (int(zr) * H + int(yr)) * W + int(xr) if ok[0, p] else 0
            continue
        x0, y0, z0 = np.floor(ix), np.floor(iy), np.floor(iz)
        x1, y1, z1 = x0 + T(1), y0 + T(1), z0 + T(1)
        fx, fy, fz = (x1 - ix, ix - x0), (y1 - iy, iy - y0), (z1 - iz, iz - z0)
        wt[8, p], wt[9, p], wt[10, p], wt[11, p], wt[12, p], wt[13, p] = fx[0], fx[1], fy[0], fy[1], fz[0], fz[1]
        for t in range(8):
            kx, ky, kz = t & 1, (t >> 1) & 1, t >> 2
            wt[t, p] = fx[kx] * fy[ky] * fz[kz]  # torch's (x factor) * (y factor) * (z factor)
            xt, yt, zt = x0 + T(kx), y0 + T(ky), z0 + T(kz)
            ok[t, p] = _inside(xt, W) and _inside(yt, H) and _inside(zt, D)
            idx[t, p] = (int(zt) * H + int(yt)) * W + int(xt) if ok[t, p] else 0


def _scratch(P, dtype):
    return (np.zeros((8, P), np.int64), np.zeros((14, P), dtype), np.zeros((8, P), np.bool_),
            np.zeros((3, P), dtype))


@numba.njit(**_exact)
def _forward(x, D, H, W, grid, pad, align, nearest, out, idx, wt, ok, mult):
    """out[n, c, p] = sum over the in-range taps t (in torch's order) of x[n, c, idx[t, p]] wt[t, p]."""
    N, C, P = x.shape[0], x.shape[1], grid.shape[1]
    T = x.dtype.type
    for n in range(N):
        _taps(grid, n, D, H, W, pad, align, nearest, False, idx, wt, ok, mult)
        for c in range(C):
            xc, oc = x[n, c], out[n, c]
            for p in range(P):
                if nearest:
                    oc[p] = xc[idx[0, p]] if ok[0, p] else T(0)
                    continue
                s = T(0)
                for t in range(8):
                    if ok[t, p]:
                        s += xc[idx[t, p]] * wt[t, p]
                oc[p] = s


@numba.njit(**_exact)
def _backward(x, D, H, W, grid, g, pad, align, nearest, gx, gg, need_x, need_grid, idx, wt, ok, mult, gi):
    """gx[n, c, idx[t, p]] += wt[t, p] g[n, c, p];  gg[n, p, k] = mult[k, p] sum_c g[n, c, p] sum_t x[n, c, tap t]
    dwt[t, p]/d(coordinate k), each term in torch's form and order (value * the other two factors * g)."""
    N, C, P = x.shape[0], x.shape[1], grid.shape[1]
    T = x.dtype.type
    for n in range(N):
        _taps(grid, n, D, H, W, pad, align, nearest, True, idx, wt, ok, mult)
        gi[:] = 0
        for c in range(C):
            xc, gc = x[n, c], g[n, c]
            gxc = gx[n, c] if need_x else gx[0, 0]  # a dummy row when d x is not wanted
            for p in range(P):
                go = gc[p]
                if nearest:
                    if need_x and ok[0, p]:
                        gxc[idx[0, p]] += go
                    continue
                gix, giy, giz = gi[0, p], gi[1, p], gi[2, p]
                for t in range(8):
                    if not ok[t, p]:
                        continue
                    i = idx[t, p]
                    if need_x:
                        gxc[i] += wt[t, p] * go
                    if need_grid:
                        kx, ky, kz = t & 1, (t >> 1) & 1, t >> 2
                        v = xc[i]
                        ax, ay, az = wt[8 + kx, p], wt[10 + ky, p], wt[12 + kz, p]
                        tx, ty, tz = v * ay * az * go, v * ax * az * go, v * ax * ay * go
                        gix = gix + tx if kx else gix - tx  # d(x1 - ix)/dix = -1, d(ix - x0)/dix = 1
                        giy = giy + ty if ky else giy - ty
                        giz = giz + tz if kz else giz - tz
                gi[0, p], gi[1, p], gi[2, p] = gix, giy, giz
        if need_grid and not nearest:
            for p in range(P):
                for k in range(3):
                    gg[n, p, k] = mult[k, p] * gi[k, p]


def grid_sample_forward(x, grid, mode, padding_mode, align_corners):
    """out (N, C, Do, Ho, Wo) of x (N, C, D, H, W) sampled at grid (N, Do, Ho, Wo, 3), both float32 or both
    float64."""
    N, C, D, H, W = x.shape
    P = grid.shape[1] * grid.shape[2] * grid.shape[3]
    out = np.empty((N, C) + grid.shape[1:4], x.dtype)
    xf = np.ascontiguousarray(x).reshape(N, C, D * H * W)
    gf = np.ascontiguousarray(grid).reshape(N, P, 3)
    of = out.reshape(N, C, P)
    args = (_PADS[padding_mode], bool(align_corners), mode == "nearest")

    def body(lo, hi):
        _forward(xf[lo:hi], D, H, W, gf[lo:hi], *args, of[lo:hi], *_scratch(P, x.dtype))
    parallel_for(N, body)
    return out


def grid_sample_backward(x, grid, g, mode, padding_mode, align_corners, need_x, need_grid):
    """(d x or None, d grid or None) for the output gradient g; the grid gradient of 'nearest' is zeros."""
    N, C, D, H, W = x.shape
    P = grid.shape[1] * grid.shape[2] * grid.shape[3]
    gx = np.zeros(x.shape, x.dtype) if need_x else np.zeros((1, 1, 1), x.dtype)
    gg = np.zeros(grid.shape, x.dtype) if need_grid else np.zeros((1, 1, 3), x.dtype)
    if need_x or (need_grid and mode != "nearest"):
        xf = np.ascontiguousarray(x).reshape(N, C, D * H * W)
        gf = np.ascontiguousarray(grid).reshape(N, P, 3)
        of = np.ascontiguousarray(g).reshape(N, C, P)
        gxf = gx.reshape(N, C, D * H * W) if need_x else gx
        ggf = gg.reshape(N, P, 3) if need_grid else gg
        args = (_PADS[padding_mode], bool(align_corners), mode == "nearest")

        def body(lo, hi):
            _backward(xf[lo:hi], D, H, W, gf[lo:hi], of[lo:hi], *args, gxf[lo:hi] if need_x else gxf,
                      ggf[lo:hi] if need_grid else ggf, need_x, need_grid, *_scratch(P, x.dtype),
                      np.zeros((3, P), x.dtype))
        parallel_for(N, body)
    return (gx if need_x else None), (gg if need_grid else None)
