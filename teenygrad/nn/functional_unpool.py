"""teenygrad.nn.functional's max_pool{1,2,3}d_with_indices and their partial inverses max_unpool{1,2,3}d (re-exported
there): unpooling puts each value at the flat position its pooling max came from, zeros elsewhere. The work is
teenygrad.ops.pool.MaxUnpool (a scatter; its backward the matching gather), so this file checks and reshapes."""
import math
import numpy as np
from ..ops import conv as C
from ._checks import _t
from .functional_conv import _ntuple, _SPATIAL, max_pool1d, max_pool2d, max_pool3d


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """max_pool1d's (values, indices) whatever return_indices says, as torch's."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """max_pool2d's (values, indices) whatever return_indices says, as torch's."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """max_pool3d's (values, indices) whatever return_indices says, as torch's."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def _unpool_output_size(op, input, K, S, P, output_size):
    """torch's rule: by default (n - 1) stride + kernel - 2 padding per spatial dim; an explicit output_size (the
    spatial dims, or all of (N, C, ...)) must lie strictly within stride of that default."""
    nd = len(K)
    default = [(n - 1) * s + k - 2 * p for n, k, s, p in zip(input.shape[-nd:], K, S, P)]
    if output_size is None:
        size = default
    else:
        size = [int(o) for o in output_size]
        if len(size) == nd + 2:
            size = size[2:]
        if len(size) != nd:
            raise ValueError(f"{op}: output_size should be a sequence containing {nd} or {nd + 2} elements, but it "
                             f"has a length of '{len(output_size)}'")
        for d, (o, dflt, s) in enumerate(zip(size, default, S)):
            if not dflt - s < o < dflt + s:
                raise ValueError(f'{op}: invalid output_size "{tuple(output_size)}" (dim {d} must be between '
                                 f'{dflt - s} and {dflt + s})')
    for d, o in enumerate(size):
        if o < 0:
            raise ValueError(f"{op}: output_size must contain non-negative spatial dimensions, but got "
                             f"output_size[{d}]={o}")
    return tuple(size)


def _max_unpool(op, nd, input, indices, kernel_size, stride, padding, output_size):
    _t(input, op)
    _t(indices, op, "indices")
    K = _ntuple(kernel_size, nd, "kernel_size", op)
    S = K if stride is None else _ntuple(stride, nd, "stride", op)
    P = _ntuple(padding, nd, "padding", op)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected a {nd + 1}-D or {nd + 2}-D (batched) input (N, C, {_SPATIAL[nd]}), got "
                           f"shape {input.shape}")
    size = _unpool_output_size(op, input, K, S, P, output_size)
    if indices.dtype != np.int64:
        raise RuntimeError(f"{op}: elements in indices should be type int64 but got {indices.dtype}")
    if indices.shape != input.shape:
        raise RuntimeError(f"{op}: expected indices of the input's shape {input.shape} but got indices of shape "
                           f"{indices.shape}")
    lead = input.shape[:-nd]  # (N, C) or (C,)
    n = math.prod(size)
    a = indices._data
    if a.size and (int(a.min()) < 0 or int(a.max()) >= n):
        bad = a[(a < 0) | (a >= n)][-1]  # the last in C order, as torch's loop leaves it
        raise RuntimeError(f"{op}: Found an invalid max index: {int(bad)} (output volumes are of size "
                           f"{'x'.join(map(str, size))})")
    rows = math.prod(lead)
    plane = math.prod(input.shape[len(lead):])  # not -1: an empty batch has no rows to infer it from
    x = input.reshape(rows, plane)  # (N C, L) or (N C, H W): one row per plane
    return C.MaxUnpool.apply(x, idx=a.reshape(rows, plane), n=n).reshape(*lead, *size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """(N, C, L) or (C, L) values and max_pool1d's indices -> (N, C, L_out), zeros where no max came from."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """(N, C, H, W) or (C, H, W) values and max_pool2d's flat indices h * W_out + w -> (N, C, H_out, W_out)."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """(N, C, D, H, W) or (C, D, H, W) values and max_pool3d's flat indices (d * H_out + h) * W_out + w
    -> (N, C, D_out, H_out, W_out)."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
