"""Views and aliases as torch's shared storage would show them: a graph view remembers its base and a base its
views, so an in-place op on either reaches the other (tensor_inplace._refresh_views); .data and detach() aliases
are re-pointed when their graph tensor is rebound. No Tensor here: tensor.py imports these."""
from weakref import ref as _weakref
import numpy as np
from ._arrays import xp_of


def _as_view(out, base):
    """A graph view remembers its base tensor, so an in-place op on the view can reach it, and a base that is a
    graph node remembers its views, so an in-place op on the base reaches them (tensor_inplace._refresh_views).
    A leaf never changes in place while it is in a graph, so its views need no list."""
    ctx = out._ctx
    if ctx is not None:
        ctx.base = base
        if not _is_view_of(out._data, ctx.src):  # a copying reshape is no view: later writes to base miss it
            ctx.copied = True
        elif base._ctx is not None:
            _weak_append(base.__dict__.setdefault("_views", []), out)
        elif "_nograd_of" in base.__dict__:  # a view of a view taken under no_grad: it goes invalid with it, as torch's
            from .tensor_inplace import _watch_nograd_view
            _watch_nograd_view(out, base, type(ctx), ctx.view_kwargs())
    return out


def _add_alias(base, t):
    """t shares base's memory without a graph (.data, detach()): an in-place op that rebinds graph tensor base
    to a new array re-points t too (tensor_inplace._refresh_views), as torch's shared storage would show it."""
    _weak_append(base.__dict__.setdefault("_aliases", []), t)


def _weak_append(refs, t):
    """refs.append(weakref to t); at 16, 32, 64, ... entries the dead ones are dropped first: O(1) amortised."""
    n = len(refs)
    if n >= 16 and not n & (n - 1):
        refs[:] = [r for r in refs if r() is not None]
    refs.append(_weakref(t))


def _is_view_of(a, src):
    """Whether array a is a view of src's memory. numpy points a view's .base at the array owning the memory, so
    one identity test answers for numpy; other array types ask their may_share_memory."""
    ob = a.base
    if ob is not None and (ob is src or ob is src.base):
        return True
    if ob is None and type(a) is np.ndarray:  # owns its memory: a copy
        return False
    # a view of something else (as_strided hides the owner behind a helper object; fancy indexing returns a
    # view of a temporary): ask the array module
    may_share = getattr(xp_of(a), "may_share_memory", None)
    return may_share is None or may_share(a, src)


def _with_strides(a, strides):
    """numpy array a laid out with `strides` (in elements), a view of the same memory from a's first element. For
    size-1 axes, where numpy and torch pick different strides for the same view (numpy's x[:, None] has stride 0
    where torch's has size * stride of the next axis): the strides a caller (as_strided(x.shape, x.stride())) reads."""
    return _with_byte_strides(a, tuple([s * a.itemsize for s in strides]))


def _with_byte_strides(a, st):
    """_with_strides with st (a tuple) in bytes, as numpy's strides."""
    if st == a.strides or type(a) is not np.ndarray:
        return a
    try:  # a C- or F-contiguous a exports its memory as one buffer: ~10x cheaper than as_strided. The new array's
        return np.ndarray(a.shape, a.dtype, a, 0, st)  # base is a's owner, as a view's; read-only stays so
    except ValueError:  # "ndarray is not contiguous"
        return np.lib.stride_tricks.as_strided(a, a.shape, st, writeable=a.flags.writeable)


def _unsqueeze_strides(shape, strides, d):
    """torch's stride for a new size-1 axis at d: size * stride of the axis it goes before, 1 at the end."""
    return strides[:d] + ((shape[d] * strides[d],) if d < len(shape) else (1,)) + strides[d:]


def _view_strides(old_shape, old_strides, new_shape):
    """torch's strides for viewing old_shape / old_strides as new_shape (ATen's computeStride), None where no view
    exists. numpy's reshape agrees on every axis longer than 1; the size-1 ones are where they differ."""
    if not old_shape:
        return (1,) * len(new_shape)
    new = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    base = old_strides[-1]
    tensor_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or old_shape[d - 1] != 1 and old_strides[d - 1] != tensor_numel * base:
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new[view_d] = view_numel * base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base, tensor_numel, view_numel = old_strides[d - 1], 1, 1
    return tuple(new) if view_d == -1 else None
