"""Serial numba kernels for grid_sample on 4-D float32 input (ops/grid.py), imported lazily once
teenygrad.backend.cpu.fused_for has said numba is on; the numpy path (the Tensor-op composition) stays beside them.

What they replace: the composition of 4 taps x (gather + where + mul + add) plus the coordinate math, ~25 numpy
passes forward and 4 np.add.at scatters backward. Here each direction is one pass over the output: per image, the
taps and weights of every output point are worked out once (in float32, in torch's order of operations), then
each channel plane is read through them.

Where it stands, F.grid_sample(x (16, 32, 64, 64), grid (16, 64, 64, 2), align_corners=False): forward 13 ms, the
backward of input and grid 20 ms (PyTorch at 2 threads 7-8 and 27-33 ms); forward + backward through autograd 32-43
ms against the composition's 95-114 ms (ops/grid.py's docstring has the details).

No fastmath: NaN and inf coordinates must fall out of range exactly as torch's comparisons make them."""
import numba
import numpy as np

_exact = dict(error_model="numpy", cache=True, nogil=True)
_ZEROS, _BORDER, _REFLECTION = 0, 1, 2
_f = np.float32


@numba.njit(inline="always", **_exact)
def _clip(c, size):
    """clip_coordinates: c in [0, size - 1] and its derivative (0 at and beyond the ends, as aten's set_grad); NaN
    goes to 0, as torch's vectorised clamp (its backward leaves NaN undefined)."""
    if not c > _f(0):
        return _f(0), _f(0)
    hi = _f(size - 1)
    if c >= hi:
        return hi, _f(0)
    return c, _f(1)


@numba.njit(inline="always", **_exact)
def _reflect(c, twice_low, twice_high):
    """aten's reflect_coordinates_set_grad: fold c into [twice_low / 2, twice_high / 2], and dc_out / dc_in (+-1)."""
    if twice_low == twice_high:
        return _f(0), _f(0)
    lo = _f(twice_low) / _f(2)
    span = _f(twice_high - twice_low) / _f(2)
    a = c - lo
    sign = _f(1)
    if a < _f(0):
        sign, a = _f(-1), -a
    extra = _f(np.fmod(a, span))
    flips = np.floor(a / span)
    if np.fmod(flips, _f(2)) == _f(1):  # NaN / inf flips count as even, as torch's int cast of them
        return span - extra + lo, -sign
    return extra + lo, sign


@numba.njit(inline="always", **_exact)
def _source(c, size, pad, align):
    """grid_sampler_compute_source_index_set_grad: pixel coordinate of the [-1, 1] coordinate c, and its derivative."""
    if align:
        d = _f(size - 1) / _f(2)
        c = (c + _f(1)) / _f(2) * _f(size - 1)
    else:
        d = _f(size) / _f(2)
        c = ((c + _f(1)) * _f(size) - _f(1)) / _f(2)
    if pad == _BORDER:
        c, dc = _clip(c, size)
        d = d * dc
    elif pad == _REFLECTION:
        if align:
            c, dr = _reflect(c, 0, 2 * (size - 1))
        else:
            c, dr = _reflect(c, -1, 2 * size - 1)
        c, dc = _clip(c, size)
        d = d * dr * dc
    return c, d


@numba.njit(**_exact)
def _taps(grid, n, H, W, pad, align, nearest, idx, wt, ok, dx, dy):
    """The taps of image n's output points p: flat index idx[t, p] into the (H W) plane, weight wt[t, p], in range
    ok[t, p] (t: nw, ne, sw, se; only t = 0 for nearest), and the coordinate derivatives dx[p], dy[p]. For the
    grid gradient, wt[4:8] hold the weights' x factors and y factors: (x1 - ix, ix - x0, y1 - iy, iy - y0)."""
    Wo = grid.shape[2]
    for p in range(idx.shape[1]):
        ix, dx[p] = _source(grid[n, p // Wo, p % Wo, 0], W, pad, align)
        iy, dy[p] = _source(grid[n, p // Wo, p % Wo, 1], H, pad, align)
        if nearest:
            xr, yr = np.rint(ix), np.rint(iy)  # half to even, as torch's nearbyint
            ok[0, p] = xr >= 0 and xr <= W - 1 and yr >= 0 and yr <= H - 1
            idx[0, p] = int(yr) * W + int(xr) if ok[0, p] else 0
            continue
        x0, y0 = np.floor(ix), np.floor(iy)
        x1, y1 = x0 + _f(1), y0 + _f(1)
        ax, bx, ay, by = x1 - ix, ix - x0, y1 - iy, iy - y0
        wt[0, p], wt[1, p], wt[2, p], wt[3, p] = ax * ay, bx * ay, ax * by, bx * by
        wt[4, p], wt[5, p], wt[6, p], wt[7, p] = ax, bx, ay, by
        for t in range(4):
            xt = x0 if t % 2 == 0 else x1
            yt = y0 if t < 2 else y1
            ok[t, p] = xt >= 0 and xt <= W - 1 and yt >= 0 and yt <= H - 1  # False for NaN / inf
            idx[t, p] = int(yt) * W + int(xt) if ok[t, p] else 0


@numba.njit(**_exact)
def _forward(x, H, W, grid, pad, align, nearest, out):
    N, C = x.shape[0], x.shape[1]
    P = grid.shape[1] * grid.shape[2]
    idx, ok = np.zeros((4, P), np.int64), np.zeros((4, P), np.bool_)
    wt, dx, dy = np.zeros((8, P), np.float32), np.zeros(P, np.float32), np.zeros(P, np.float32)
    for n in range(N):
        _taps(grid, n, H, W, pad, align, nearest, idx, wt, ok, dx, dy)
        for c in range(C):
            xc, oc = x[n, c], out[n, c]
            for p in range(P):
                if nearest:
                    oc[p] = xc[idx[0, p]] if ok[0, p] else _f(0)
                    continue
                s = _f(0)
                for t in range(4):  # out-of-range taps read 0, times a weight that is NaN for a NaN / inf coordinate
                    s += (xc[idx[t, p]] if ok[t, p] else _f(0)) * wt[t, p]
                oc[p] = s


@numba.njit(**_exact)
def _backward(x, H, W, grid, g, pad, align, nearest, gx, gg, need_x, need_grid):
    N, C = x.shape[0], x.shape[1]
    P = grid.shape[1] * grid.shape[2]
    idx, ok = np.zeros((4, P), np.int64), np.zeros((4, P), np.bool_)
    wt, dx, dy = np.zeros((8, P), np.float32), np.zeros(P, np.float32), np.zeros(P, np.float32)
    gix, giy = np.zeros(P, np.float32), np.zeros(P, np.float32)
    for n in range(N):
        _taps(grid, n, H, W, pad, align, nearest, idx, wt, ok, dx, dy)
        gix[:] = 0
        giy[:] = 0
        for c in range(C):
            xc, gc = x[n, c], g[n, c]
            gxc = gx[n, c] if need_x else gx[0, 0]  # a dummy row when d x is not wanted
            for p in range(P):
                go = gc[p]
                if nearest:
                    if need_x and ok[0, p]:
                        gxc[idx[0, p]] += go
                    continue
                if need_x:
                    for t in range(4):
                        if ok[t, p]:
                            gxc[idx[t, p]] += wt[t, p] * go
                if need_grid:  # d/dix and d/diy of sum_t w_t v_t: w = (x1 - ix | ix - x0) (y1 - iy | iy - y0)
                    ax, bx, ay, by = wt[4, p], wt[5, p], wt[6, p], wt[7, p]
                    v00 = xc[idx[0, p]] if ok[0, p] else _f(0)
                    v01 = xc[idx[1, p]] if ok[1, p] else _f(0)
                    v10 = xc[idx[2, p]] if ok[2, p] else _f(0)
                    v11 = xc[idx[3, p]] if ok[3, p] else _f(0)
                    gix[p] += ((v01 - v00) * ay + (v11 - v10) * by) * go  # torch's form: NaN weights give NaN
                    giy[p] += ((v10 - v00) * ax + (v11 - v01) * bx) * go
        if need_grid and not nearest:
            Wo = grid.shape[2]
            for p in range(P):
                gg[n, p // Wo, p % Wo, 0] = dx[p] * gix[p]
                gg[n, p // Wo, p % Wo, 1] = dy[p] * giy[p]


_PADS = {"zeros": _ZEROS, "border": _BORDER, "reflection": _REFLECTION}


def grid_sample_forward(x, grid, mode, padding_mode, align_corners):
    """out (N, C, Ho, Wo) float32 of x (N, C, H, W) sampled at grid (N, Ho, Wo, 2), both float32."""
    N, C, H, W = x.shape
    Ho, Wo = grid.shape[1], grid.shape[2]
    out = np.empty((N, C, Ho, Wo), np.float32)
    xf = np.ascontiguousarray(x).reshape(N, C, H * W)
    _forward(xf, H, W, np.ascontiguousarray(grid), _PADS[padding_mode], bool(align_corners), mode == "nearest",
             out.reshape(N, C, Ho * Wo))
    return out


def grid_sample_backward(x, grid, g, mode, padding_mode, align_corners, need_x, need_grid):
    """(d x or None, d grid or None) for the output gradient g; the grid gradient of 'nearest' is zeros."""
    N, C, H, W = x.shape
    Ho, Wo = grid.shape[1], grid.shape[2]
    gx = np.zeros((N, C, H, W), np.float32) if need_x else np.zeros((1, 1, 1), np.float32)
    gg = np.zeros(grid.shape, np.float32) if need_grid else np.zeros((1, 1, 1, 2), np.float32)
    if need_x or (need_grid and mode != "nearest"):
        _backward(np.ascontiguousarray(x).reshape(N, C, H * W), H, W, np.ascontiguousarray(grid),
                  np.ascontiguousarray(g).reshape(N, C, Ho * Wo), _PADS[padding_mode], bool(align_corners),
                  mode == "nearest", gx.reshape(N, C, H * W) if need_x else gx, gg, need_x, need_grid)
    return (gx if need_x else None), (gg if need_grid else None)
