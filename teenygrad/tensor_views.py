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
        if base._ctx is not None and _is_view_of(out._data, ctx.src):  # a copying reshape is no view
            _weak_append(base.__dict__.setdefault("_views", []), out)
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
