"""teenygrad.nn.functional's sampling grids (re-exported there): affine_grid and grid_sample, as in torch.

affine_grid is a matmul of a base grid; grid_sample checks its arguments here and samples in ops/grid.py (Functions
with numba kernels for 4-D float32 and for 5-D float32 / float64, else a composition of Tensor ops), which has the
coordinate conventions; 'bicubic' is a composition of Tensor ops at the end of this file."""
import warnings
import numpy as np
from ..tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ..tensor import Tensor
from ..backend.cpu import fused, fused_for
from ..ops.grid import GridSample2d, GridSample3d, grid_sample_composite, _unnormalize, _clip, _reflect, _tap
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
    elif type(align_corners) is not bool:  # torch takes a Python bool only (not 1, not numpy's bool)
        raise TypeError(f"grid_sampler(): argument 'align_corners' must be bool, not {type(align_corners).__name__} "
                        f"({align_corners!r})")
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
    b = Tensor._from_data(base.reshape(1, -1, k + 1), device=theta.device)
    grid = b.matmul(theta.transpose(1, 2))  # (N, prod(spatial), k)
    return grid.reshape(size[0], *spatial, k)


# ---- grid_sample ---------------------------------------------------------------------------------------
def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample input (N, C, H, W) at the [-1, 1] coordinates grid (N, Ho, Wo, 2) (x, y) -> (N, C, Ho, Wo), or input
    (N, C, D, H, W) at grid (N, Do, Ho, Wo, 3) (x, y, z) -> (N, C, Do, Ho, Wo) ('bilinear' is then trilinear)."""
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
    elif type(align_corners) is not bool:  # torch takes a Python bool only (not 1, not numpy's bool)
        raise TypeError(f"grid_sampler(): argument 'align_corners' must be bool, not {type(align_corners).__name__} "
                        f"({align_corners!r})")
    ishape, gshape = list(input.shape), list(grid.shape)
    if input.ndim not in (4, 5) or input.ndim != grid.ndim:
        raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but got "
                           f"input with sizes {ishape} and grid with sizes {gshape}")
    if grid.ndim < 3 or gshape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, but "
                           f"got grid with sizes {gshape}")
    if ishape[0] != gshape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {ishape} and grid with sizes {gshape}")
    if mode == "bicubic" and input.ndim == 5:
        raise RuntimeError(f"grid_sampler(): bicubic interpolation only supports 4D input, got sizes {ishape}")
    if not dt.is_floating(input.dtype):  # torch has no integer kernel
        raise NotImplementedError(f"grid_sampler(): not implemented for input of dtype {input.dtype} (grid "
                                  f"{grid.dtype}); give floating point tensors")
    if input.dtype != grid.dtype:
        raise RuntimeError("grid_sampler(): expected input and grid to have the same floating dtype, but input "
                           f"has {input.dtype} and grid has {grid.dtype}")
    for d in range(2, input.ndim):
        if ishape[d] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {ishape} with dimension {d} being empty")
    if input.device != grid.device:
        raise RuntimeError(f"grid_sampler(): expected input and grid on the same device, got {input.device} and "
                           f"{grid.device}")
    if mode == "bicubic":
        return _grid_sample_bicubic(input, grid, padding_mode, align_corners)
    if input.ndim == 4 and fused_for(input._data, grid._data) is not None:  # float32 with numba: one pass each way
        return GridSample2d.apply(input, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    if input.ndim == 5 and fused() is not None and type(input._data) is np.ndarray and type(grid._data) is np.ndarray \
            and input.dtype in (dt.float32, dt.float64):  # numpy float32 / float64 with numba (the dtypes agree)
        return GridSample3d.apply(input, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    return grid_sample_composite(input, grid, mode, padding_mode, align_corners)


# ---- bicubic: Tensor ops, so autograd gives both gradients -------------------------------------------
_A = -0.75  # torch's cubic convolution constant (as in upsample_bicubic2d)


def _cubic_weights(t):
    """The 4 taps' weights at offsets -1, 0, 1, 2 from floor, t the fraction in [0, 1): Keys' kernel with A."""
    def near(x):  # |x| <= 1
        return ((_A + 2) * x - (_A + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A
    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _pad_tap(c, size, padding_mode, align_corners):
    """A tap's integer pixel coordinate moved by the padding mode (torch pads each of bicubic's 16 taps, not the
    sample point as bilinear does); 'zeros' leaves it, and out-of-range taps then read 0."""
    if padding_mode == "border":
        return _clip(c, size)
    if padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
        return _clip(c, size)
    return c


def _grid_sample_bicubic(input, grid, padding_mode, align_corners):
    """out = sum_{i,j} wy_j wx_i x[y0 - 1 + j, x0 - 1 + i] over the 4 x 4 pixels around (ix, iy), the weights
    cubic in the fractions (ix - x0, iy - y0); the grid's gradient flows through the fractions only."""
    N, C, H, W = input.shape
    flat = input.reshape(N, C, H * W)
    ix = _unnormalize(grid[..., 0], W, align_corners)  # (N, Ho, Wo), no clipping: the taps are padded instead
    iy = _unnormalize(grid[..., 1], H, align_corners)
    x0, y0 = ix.detach().floor(), iy.detach().floor()
    wx = [w.unsqueeze(1) for w in _cubic_weights(ix - x0)]  # each (N, 1, Ho, Wo)
    wy = [w.unsqueeze(1) for w in _cubic_weights(iy - y0)]
    xs = [_pad_tap(x0 + (i - 1), W, padding_mode, align_corners) for i in range(4)]
    out = None
    for j in range(4):
        yj = _pad_tap(y0 + (j - 1), H, padding_mode, align_corners)
        row = None
        for i in range(4):
            vals, _ = _tap(flat, (xs[i], yj), (W, H), C)
            row = vals * wx[i] if row is None else row + vals * wx[i]
        out = row * wy[j] if out is None else out + row * wy[j]
    return out
