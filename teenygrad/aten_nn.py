"""torch's aten-level spellings of nn.functional's embedding_bag and grid_sample (aten_api.py exports them):
integer mode codes, and embedding_bag's 4-tuple with the bookkeeping torch's CPU kernel returns beside the bags."""
import numpy as np

from .tensor import Tensor


def _F():
    from .nn import functional
    return functional


_BAG_MODES = ("sum", "mean", "max")


def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """(output, offset2bag, bag_size, max_indices) as torch's CPU kernel: output is F.embedding_bag's (mode 0 sum,
    1 mean, 2 max) over the bags of the 1-D indices that offsets start; offset2bag is each index's bag (empty in
    the fast sum mode: no padding_idx, a float32 / half weight with unit row stride); bag_size each bag's count of non-padding indices (zeros in sum mode);
    max_indices the weight row of each bag's maximum per column in max mode (bag_size in mean mode, zeros in sum)."""
    if type(mode) is not int:
        raise TypeError(f"embedding_bag(): argument 'mode' must be int (0 sum, 1 mean, 2 max), not "
                        f"{type(mode).__name__}")
    if mode not in (0, 1, 2):
        raise RuntimeError(f"embedding_bag: `mode` must be 0 (sum), 1 (mean) or 2 (max), got {mode}")
    for name, t in (("weight", weight), ("indices", indices), ("offsets", offsets)):
        if not isinstance(t, Tensor):
            raise TypeError(f"embedding_bag(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if indices.ndim != 1 or offsets.ndim != 1:
        raise RuntimeError(f"embedding_bag: indices and offsets must be 1-D, got shapes {tuple(indices.shape)} and "
                           f"{tuple(offsets.shape)}")
    output = _F().embedding_bag(indices, weight, offsets, scale_grad_by_freq=scale_grad_by_freq,
                                mode=_BAG_MODES[mode], sparse=sparse, per_sample_weights=per_sample_weights,
                                include_last_offset=include_last_offset, padding_idx=padding_idx)
    idx = indices.detach().cpu().numpy().astype(np.int64)
    starts = offsets.detach().cpu().numpy().astype(np.int64)
    if include_last_offset:
        starts = starts[:-1]
    n, b, itype = idx.size, starts.size, indices.dtype
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    fast = weight.dtype.itemsize <= 4 and weight.stride(-1) == 1  # torch's fast sum path: float32, half, bfloat16
    if mode == 0 and padding_idx is None and fast:
        offset2bag = np.zeros(0, itype)
    else:  # torch's make_offset2bag: a 1 at each bag's start, less one at 0, summed up
        marks = np.zeros(n + 1, np.int64)
        np.add.at(marks, starts, 1)
        marks[0] -= 1
        offset2bag = np.cumsum(marks)[:n].astype(itype)
    if mode == 0:
        bag_size = max_indices = np.zeros(b, itype)
    else:
        counted = np.ones(n, np.int64) if padding_idx is None else (idx != padding_idx).astype(np.int64)
        ends = np.append(starts[1:], n)  # torch's last bag runs to the end of indices
        cum = np.concatenate([[0], np.cumsum(counted)])
        bag_size = (cum[ends] - cum[starts]).astype(itype)
        max_indices = bag_size.copy()
    if mode == 2:  # the row holding each column's maximum in each bag (its padding rows left out), 0 if empty
        from .nn.functional_sparse import bag_winners
        keep = counted == 1
        bag = np.repeat(np.arange(b), np.diff(np.append(starts, n)))
        win, _ = bag_winners(weight.detach().cpu().numpy(), idx[keep], bag[keep], b)
        max_indices = np.maximum(win, 0).astype(itype)
    wrap = Tensor._wrap
    return output, wrap(offset2bag), wrap(bag_size), wrap(max_indices)


_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners, _op="grid_sampler"):
    """F.grid_sample with torch's integer codes: interpolation 0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros,
    1 border, 2 reflection (torch reads other codes without a check; here they raise)."""
    for name, v, names in (("interpolation_mode", interpolation_mode, _MODES), ("padding_mode", padding_mode,
                                                                                 _PADDINGS)):
        if type(v) is not int:
            raise TypeError(f"{_op}(): argument '{name}' must be int, not {type(v).__name__}")
        if v not in (0, 1, 2):
            raise ValueError(f"{_op}(): {name} must be 0, 1 or 2 ({', '.join(names)}), got {v}")
    return _F().grid_sample(input, grid, _MODES[interpolation_mode], _PADDINGS[padding_mode], align_corners)


def _grid_sampler_nd(nd):
    op = f"grid_sampler_{nd}d"

    def fn(input, grid, interpolation_mode, padding_mode, align_corners):
        for t in (input, grid):
            if isinstance(t, Tensor) and t.ndim != nd + 2:
                raise RuntimeError(f"{op}(): expected {nd + 2}D input and grid with same number of dimensions, but "
                                   f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
        return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners, _op=op)
    fn.__name__ = fn.__qualname__ = op
    return fn


grid_sampler_2d, grid_sampler_3d = _grid_sampler_nd(2), _grid_sampler_nd(3)
