"""grid_sample: one Function for 4-D float32 on the CPU with numba (backend/_numba_grid.py), one for 5-D float32 /
float64 (backend/_numba_grid3d.py), and the composition of Tensor ops (gather, where, arithmetic) that is both the
reference path (4-D float64, numba off, cupy; 5-D is trilinear over 8 corners) and the Functions' double backward
(differentiated with create_graph, by autograd.graph_backward.recomputed_grads). On non-finite 5-D coordinates the
composition keeps the 4-D conventions, while the 5-D kernels follow torch's scalar 5-D kernel (see there).

Coordinates follow aten's GridSampler.h: unnormalize a [-1, 1] grid to pixel space (align_corners picks the corner
or the edge convention), then for 'border' clip to [0, size - 1] and for 'reflection' reflect about the edges and
clip. 'bilinear' weighs the four neighbours (out-of-range taps count as zero), 'nearest' takes the neighbour at
round-half-to-even, as torch's nearbyint; its grid gradient is zero, as torch's.

F.grid_sample(x (16, 32, 64, 64), grid (16, 64, 64, 2), align_corners=False), forward + backward (input and grid
gradients), medians of 7 alternating rounds in one process (/tmp/s10/h/h5_bench.py, 13:50 UTC 2026-11-26, a 2-core
VM shared with ~4 other jobs): the composition 95-114 ms, this Function 32-43 ms, PyTorch 30 ms at 1 thread
(13-68 ms at 2, swamped by the other jobs; ~10 ms on a quiet machine). The kernels alone: forward 13 ms (PyTorch 7-8
at 2 threads), backward of both 20 ms (PyTorch 27-33)."""
import itertools
import math

from ..autograd.function import Function
from ..autograd.graph_backward import recomputed_grads, where
from ..autograd.grad_mode import is_grad_enabled


class GridSample2d(Function):
    """out[n, c, p] = sum_t w_t(ix, iy) x[n, c, tap_t]  (bilinear: the 4 neighbours t of the pixel coordinates
    (ix, iy) of grid[n, p], w_t = (1 - |ix - x_t|)(1 - |iy - y_t|); nearest: the one rounded neighbour, w = 1);
    dx[n, c, tap_t] += w_t dout[n, c, p];  dgrid[n, p] = sum_c dout[n, c, p] sum_t x[n, c, tap_t] dw_t/d(ix, iy)
    times d(ix, iy)/dgrid (unnormalize, clip, reflect). float32 numpy arrays with numba on only (fused_for)."""
    def forward(self, x, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
        from ..backend import _numba_grid
        self.x, self.grid, self.args = x, grid, (mode, padding_mode, align_corners)
        return _numba_grid.grid_sample_forward(x, grid, mode, padding_mode, align_corners)

    def backward(self, g):
        from ..backend import _numba_grid
        return _numba_grid.grid_sample_backward(self.x, self.grid, g, *self.args, *self.needs_input_grad)

    def backward_graph(self, g):
        return recomputed_grads(self, (self.x, self.grid), lambda x, grid: grid_sample_composite(x, grid, *self.args),
                                 g)


class GridSample3d(Function):
    """GridSample2d on volumes: out[n, c, p] = sum_t w_t x[n, c, tap_t] over the 8 corners t of the voxel coordinates
    (ix, iy, iz) of grid[n, p], w_t the product of one factor per axis ((x1 - ix) or (ix - x0), ...); nearest: the
    one rounded neighbour. float32 or float64 numpy arrays with numba on (backend/_numba_grid3d.py, which follows
    aten's scalar 5-D kernel)."""
    def forward(self, x, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
        from ..backend import _numba_grid3d
        self.x, self.grid, self.args = x, grid, (mode, padding_mode, align_corners)
        return _numba_grid3d.grid_sample_forward(x, grid, mode, padding_mode, align_corners)

    def backward(self, g):
        from ..backend import _numba_grid3d
        return _numba_grid3d.grid_sample_backward(self.x, self.grid, g, *self.args, *self.needs_input_grad)

    backward_graph = GridSample2d.backward_graph


# ---- the composition of Tensor ops ---------------------------------------------------------------------
def _unnormalize(c, size, align_corners):
    if align_corners:
        return (c + 1) / 2 * (size - 1)
    return ((c + 1) * size - 1) / 2


def _clip(c, size):
    """clip_coordinates: into [0, size - 1]; the gradient passes only strictly inside, as aten's set_grad. NaN goes
    to 0, as torch's vectorised clamp."""
    c = where(c > 0, c, 0.0)
    return where(c >= size - 1, float(size - 1), c)


def _reflect(c, twice_low, twice_high):
    """reflect_coordinates: fold c into [twice_low / 2, twice_high / 2] by reflecting about the ends."""
    if twice_low == twice_high:
        return where(c < c, c, 0.0)  # 0 (NaN too), with a zero gradient path to c
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    a = (c - lo).abs()
    flips = (a.detach() / span).floor()
    extra = a.fmod(span)
    odd = flips.remainder(2) == 1
    return where(odd, span - extra + lo, extra + lo)


def _source_index(c, size, padding_mode, align_corners):
    c = _unnormalize(c, size, align_corners)
    if padding_mode == "border":
        c = _clip(c, size)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
        c = _clip(c, size)
    return c


def _tap(flat, coords, sizes, C):
    """Input values at integer pixel coords (x, y[, z]) (float tensors (N, *out), no grad) of a plane flattened from
    sizes (W, H[, D]), zero out of range: returns (values (N, C, *out), in-range mask (N, 1, *out))."""
    N, out = coords[0].shape[0], coords[0].shape[1:]
    valid, index = None, None
    for c, size in zip(reversed(coords), reversed(sizes)):  # index = (z H + y) W + x, outermost first
        inside = (c >= 0) & (c <= size - 1)  # NaN coordinates are out of range
        valid = inside if valid is None else valid & inside
        index = c if index is None else index * size + c
    P = math.prod(out)
    idx = where(valid, index, 0.0).long().reshape(N, 1, P).expand(N, C, P)
    vals = flat.gather(2, idx).reshape(N, C, *out)
    valid = valid.reshape(N, 1, *out)
    return where(valid, vals, 0.0), valid


def grid_sample_composite(input, grid, mode, padding_mode, align_corners):
    """grid_sample of Tensors input (N, C, H, W) and grid (N, Ho, Wo, 2), or input (N, C, D, H, W) and grid
    (N, Do, Ho, Wo, 3), already checked, as Tensor ops."""
    N, C = input.shape[:2]
    sizes = input.shape[:1:-1]  # (W, H[, D]): grid[..., i] indexes sizes[i]
    flat = input.reshape(N, C, math.prod(sizes))
    coords = [_source_index(grid[..., i], size, padding_mode, align_corners) for i, size in enumerate(sizes)]
    if mode == "nearest":
        out, _ = _tap(flat, [c.detach().round() for c in coords], sizes, C)
        if grid.requires_grad and is_grad_enabled():  # torch's grid gradient here is zeros, not None
            link = where(grid < grid, grid, 0.0)  # 0 (even for NaN / inf), with a zero gradient path
            out = out + link.sum(-1).unsqueeze(1)
        return out
    lows = [c.detach().floor() for c in coords]
    highs = [lo + 1 for lo in lows]
    factors = [(hi - c, c - lo) for c, lo, hi in zip(coords, lows, highs)]  # (x1 - ix, ix - x0) per dim
    out = None
    for corner in itertools.product((0, 1), repeat=len(sizes)):  # x fastest: torch's nw, ne, sw, se (t..., b...)
        corner = corner[::-1]
        taps = [hi if k else lo for lo, hi, k in zip(lows, highs, corner)]
        w = None
        for f, k in zip(factors, corner):
            w = f[k] if w is None else w * f[k]
        vals, _ = _tap(flat, taps, sizes, C)
        term = vals * w.unsqueeze(1)  # vals is 0 out of range; a NaN / inf coordinate's NaN weight makes NaN, as torch
        out = term if out is None else out + term
    return out
