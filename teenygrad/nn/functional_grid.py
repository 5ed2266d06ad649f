"""teenygrad.nn.functional's sampling grids (re-exported there): affine_grid and grid_sample, as in torch.

Both are composites of differentiable Tensor ops (matmul; arithmetic, floor, where, gather), so autograd gives the
gradients w.r.t. theta, input and grid. Coordinates follow aten's GridSampler.h: unnormalize a [-1, 1] grid to
pixel space (align_corners picks the corner or the edge convention), then for 'border' clip to [0, size - 1] and
for 'reflection' reflect about the edges and clip. 'bilinear' weighs the four neighbours (out-of-range taps
count as zero), 'nearest' takes the neighbour at round-half-to-even, as torch's nearbyint; its grid gradient is
zero, as torch's."""
import warnings
import numpy as np
from ..tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ..tensor import Tensor
from ..tensor_ops import where as _where
from ..autograd.grad_mode import is_grad_enabled
from ._checks import _t

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. "
                  "See the documentation of grid_sample for details.")


# ---- affine_grid ---------------------------------------------------------------------------------------
def _linspace_from_neg_one(n, align_corners, dtype):
    """aten's linspace_from_neg_one: n points over [-1, 1] (pixel centres when not align_corners); 0 for n <= 1."""
    if n <= 1:
        return np.zeros(max(n, 1), dtype)
    r = np.linspace(-1, 1, n).astype(dtype)
    if not align_corners:
        r = r * dtype.type(n - 1) / dtype.type(n)
    return r.astype(dtype)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps theta (N, 2, 3) (or (N, 3, 4)) for an
    output of the given size; grid[..., 0] is x (the width coordinate), as torch's."""
    _t(theta, "affine_grid", "theta")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not dt.is_floating(theta.dtype):
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(s) for s in size]
    if len(size) == 4:
        if theta.ndim != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {tuple(theta.shape)}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.ndim != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. "
                             f"Got {tuple(theta.shape)}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. "
                      "See the documentation of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if size[0] != theta.shape[0]:
        raise RuntimeError(f"affine_grid: theta has batch size {theta.shape[0]} but size asks for {size[0]} "
                           f"(theta {tuple(theta.shape)}, size {size})")
    npdt = np.dtype(theta.dtype)
    k = len(spatial)  # 2 or 3 spatial dims; the base grid holds (x, y[, z], 1) per output point
    base = np.empty(tuple(spatial) + (k + 1,), npdt)
    for i in range(k):  # coordinate i runs along spatial dim k - 1 - i (x along the last)
        shape = [1] * k
        shape[k - 1 - i] = spatial[k - 1 - i]
        base[..., i] = _linspace_from_neg_one(spatial[k - 1 - i], align_corners, npdt).reshape(shape)
    base[..., k] = 1
    b = Tensor(base.reshape(1, -1, k + 1), device=theta.device)
    grid = b.matmul(theta.transpose(1, 2))  # (N, prod(spatial), k)
    return grid.reshape(size[0], *spatial, k)


# ---- grid_sample ---------------------------------------------------------------------------------------
def _unnormalize(c, size, align_corners):
    if align_corners:
        return (c + 1) / 2 * (size - 1)
    return ((c + 1) * size - 1) / 2


def _clip(c, size):
    """clip_coordinates: into [0, size - 1]; the gradient passes only strictly inside, as aten's set_grad."""
    c = _where(c <= 0, 0.0, c)
    return _where(c >= size - 1, float(size - 1), c)


def _reflect(c, twice_low, twice_high):
    """reflect_coordinates: fold c into [twice_low / 2, twice_high / 2] by reflecting about the ends."""
    if twice_low == twice_high:
        return _where(c < c, c, 0.0)  # 0 (NaN too), with a zero gradient path to c
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    a = (c - lo).abs()
    flips = (a.detach() / span).floor()
    extra = a.fmod(span)
    odd = flips.remainder(2) == 1
    return _where(odd, span - extra + lo, extra + lo)


def _source_index(c, size, padding_mode, align_corners):
    c = _unnormalize(c, size, align_corners)
    if padding_mode == "border":
        c = _clip(c, size)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
        c = _clip(c, size)
    return c


def _tap(flat, x, y, H, W, C):
    """Input values at integer pixel coords (x, y) (float tensors (N, Ho, Wo), no grad), zero out of range:
    returns (values (N, C, Ho, Wo), in-range mask (N, 1, Ho, Wo))."""
    N, Ho, Wo = x.shape
    valid = (x >= 0) & (x <= W - 1) & (y >= 0) & (y <= H - 1)  # NaN coordinates are out of range
    idx = _where(valid, y * W + x, 0.0).long().reshape(N, 1, Ho * Wo).expand(N, C, Ho * Wo)
    vals = flat.gather(2, idx).reshape(N, C, Ho, Wo)
    valid = valid.reshape(N, 1, Ho, Wo)
    return _where(valid, vals, 0.0), valid


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample input (N, C, H, W) at the [-1, 1] coordinates grid (N, Ho, Wo, 2) (x, y) -> (N, C, Ho, Wo)."""
    _t(input, "grid_sample")
    _t(grid, "grid_sample", "grid")
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    ishape, gshape = list(input.shape), list(grid.shape)
    if input.ndim != grid.ndim:
        raise RuntimeError("grid_sampler(): expected grid to have the same number of dimensions as input, but got "
                           f"input with sizes {ishape} and grid with sizes {gshape}")
    if grid.ndim < 3 or gshape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, but "
                           f"got grid with sizes {gshape}")
    if ishape[0] != gshape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {ishape} and grid with sizes {gshape}")
    if input.ndim != 4:
        raise NotImplementedError(f"grid_sample: only 4-D input (N, C, H, W) is supported, got sizes {ishape}")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode='bicubic' is not supported")
    if not dt.is_floating(input.dtype) or input.dtype != grid.dtype:
        raise RuntimeError("grid_sampler(): expected input and grid to have the same floating dtype, but input "
                           f"has {input.dtype} and grid has {grid.dtype}")
    for d in range(2, 4):
        if ishape[d] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {ishape} with dimension {d} being empty")
    if input.device != grid.device:
        raise RuntimeError(f"grid_sampler(): expected input and grid on the same device, got {input.device} and "
                           f"{grid.device}")
    N, C, H, W = ishape
    _, Ho, Wo, _ = gshape
    flat = input.reshape(N, C, H * W)
    ix = _source_index(grid[..., 0], W, padding_mode, align_corners)  # (N, Ho, Wo)
    iy = _source_index(grid[..., 1], H, padding_mode, align_corners)
    if mode == "nearest":
        out, _ = _tap(flat, ix.detach().round(), iy.detach().round(), H, W, C)
        if grid.requires_grad and is_grad_enabled():  # torch's grid gradient here is zeros, not None
            link = _where(grid < grid, grid, 0.0)  # 0 (even for NaN / inf), with a zero gradient path
            out = out + link.sum(-1).unsqueeze(1)
        return out
    x0, y0 = ix.detach().floor(), iy.detach().floor()
    x1, y1 = x0 + 1, y0 + 1
    out = None
    for xc, yc, w in ((x0, y0, (x1 - ix) * (y1 - iy)), (x1, y0, (ix - x0) * (y1 - iy)),
                      (x0, y1, (x1 - ix) * (iy - y0)), (x1, y1, (ix - x0) * (iy - y0))):
        vals, valid = _tap(flat, xc, yc, H, W, C)
        term = vals * _where(valid, w.unsqueeze(1), 0.0)
        out = term if out is None else out + term
    return out
