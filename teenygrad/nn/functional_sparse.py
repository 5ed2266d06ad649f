"""embedding_bag: the sum, mean or max of each bag of embedding rows, without building the (bags, len, e) tensor
in between for sum and mean. Sum and mean are one node (ops.index.BagSum: each row added straight into its bag,
and its bag's gradient straight back), unless per-sample weights or scale_grad_by_freq ask for the rows
themselves; those, and max, are composed from Tensor ops (a row lookup, index_add, gather). Either way every
looked-up row gets its bag's gradient (divided by the bag's size for mean), and for max only the row that won each
column does (the first one on a tie, as torch)."""
import weakref
import numpy as np
from ..tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ..tensor import Tensor, _check_same_device
from .._arrays import on_device_of, xp_of, zeros_on, to_host
from ..ops import index as I
from ._checks import _t

_MODES = ("sum", "mean", "max")


def _bags(input, offsets, include_last_offset):
    """(ids, bag) as numpy: the flat ids that belong to a bag and each one's bag number, and the number of bags."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"embedding_bag: if input is 2-D (shape {input.shape}), offsets has to be None: each "
                             f"row is one bag")
        b, n = input.shape
        if n == 0 and b:  # torch can't step through such rows either
            raise RuntimeError(f"embedding_bag: a 2-D input needs bags of at least one id, got shape {input.shape}")
        return to_host(input._data).reshape(-1), np.repeat(np.arange(b), n), b
    if input.ndim != 1:
        raise ValueError(f"embedding_bag: input has to be a 1-D or 2-D tensor, got shape {input.shape}")
    if offsets is None:
        raise ValueError("embedding_bag: with a 1-D input, offsets has to be a 1-D tensor, got None")
    _t(offsets, "embedding_bag", "offsets")
    if offsets.ndim != 1:
        raise ValueError(f"embedding_bag: offsets has to be a 1-D tensor, got shape {offsets.shape}")
    if offsets.dtype.kind not in "iu":
        raise RuntimeError(f"embedding_bag: offsets must be an integer tensor (Long/Int), got {offsets.dtype}")
    o = to_host(offsets._data)  # checked and used on the host
    o, n = o.astype(np.int64), input.shape[0]
    if o.size == 0:
        raise RuntimeError("embedding_bag: offsets must hold at least one offset, got an empty tensor")
    if o[0] != 0:
        raise RuntimeError(f"embedding_bag: offsets[0] has to be 0 (the first bag starts at position 0), got {o[0]}")
    if o[-1] > n:
        raise RuntimeError(f"embedding_bag: offsets[-1] can not be greater than input's length {n}, got {o[-1]}")
    if np.any(np.diff(o) < 0):
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {o.tolist()}")
    ends = o[1:] if include_last_offset else np.append(o[1:], n)
    starts = o[:-1] if include_last_offset else o
    sizes = ends - starts
    return to_host(input._data).reshape(-1)[:sizes.sum()], np.repeat(np.arange(starts.size), sizes), starts.size


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """(b, e): the sum / mean / max of weight's rows over each bag of ids. Bags are the rows of a 2-D input, or
    input[offsets[i]:offsets[i + 1]] of a 1-D one (include_last_offset: offsets' last entry ends the last bag).
    padding_idx ids are left out of their bag (and of its size); an empty bag gives zeros."""
    _t(input, "embedding_bag")
    _t(weight, "embedding_bag", "weight")
    if weight.ndim != 2:
        raise ValueError(f"embedding_bag: weight has to be a 2-D tensor, got shape {weight.shape}")
    if not dt.is_floating(weight.dtype):
        raise RuntimeError(f"embedding_bag: weight must be floating point, got {weight.dtype}")
    if input.dtype.kind not in "iu":
        raise RuntimeError(f"embedding_bag: expected integer indices (Long/Int), got {input.dtype} of shape "
                           f"{input.shape}")
    _check_same_device(input, weight, "embedding_bag")
    if mode not in _MODES:
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    if scale_grad_by_freq and mode == "max":
        raise ValueError("embedding_bag: max mode does not support scaling the gradient by the frequency")
    if sparse and mode == "max":
        raise ValueError("embedding_bag: max mode does not support sparse weights")
    if sparse:
        from .functional import warn_dense_sparse
        warn_dense_sparse("embedding_bag")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights is only supported for mode='sum' "
                                      f"(got mode={mode!r})")
        _t(per_sample_weights, "embedding_bag", "per_sample_weights")
        if per_sample_weights.shape != input.shape:
            raise ValueError(f"embedding_bag: per_sample_weights (shape {per_sample_weights.shape}) must have the "
                             f"same shape as the input ({input.shape})")
        if per_sample_weights.dtype != weight.dtype:
            raise RuntimeError(f"embedding_bag: per_sample_weights ({per_sample_weights.dtype}) must have the same "
                               f"dtype as weight ({weight.dtype})")
    v = weight.shape[0]
    if padding_idx is not None:
        if not -v <= padding_idx < v:
            raise RuntimeError(f"embedding_bag: padding_idx must be within the number of embeddings, {-v} through "
                               f"{v - 1}, but got {padding_idx}")
        padding_idx %= v
    ids, bag, b = _bags(input, offsets, include_last_offset)
    if ids.size and (ids.min() < 0 or ids.max() >= v):
        bad = int(ids.min()) if ids.min() < 0 else int(ids.max())
        raise RuntimeError(f"embedding_bag: index {bad} is out of range for an embedding of {v} rows "
                           f"(input shape {input.shape})")
    if max_norm is not None:
        from .functional import _embedding_renorm_
        _embedding_renorm_(weight._data, on_device_of(weight._data, ids), max_norm, norm_type)
        weight._mark_written()
    counts = np.bincount(ids, minlength=v) if scale_grad_by_freq else None  # over every id, as torch counts
    keep = np.flatnonzero(ids != padding_idx) if padding_idx is not None else np.arange(ids.size)
    ids, bag = ids[keep], bag[keep]
    out = _embedding_bag(weight, ids, bag, b, mode, counts, per_sample_weights, keep)._named("EmbeddingBagBackward0")
    if sparse:  # the rows its backward reaches, for optim.SparseAdam
        record_sparse_rows(weight, out, ids, None)
    return out


def _embedding_bag(weight, ids, bag, b, mode, counts, per_sample_weights, keep):
    """The bags' rows summed, averaged or maxed, once the ids are checked and padding_idx's are left out."""
    if mode == "max":
        return _bag_max(weight, ids, bag, b)
    if weight._data.dtype.kind == "V":  # bfloat16: the bags summed in float32, as torch (numpy sums it in bfloat16)
        psw = per_sample_weights.float() if per_sample_weights is not None else None
        return _embedding_bag(weight.float(), ids, bag, b, mode, counts, psw, keep).to(weight.dtype)
    if counts is None and per_sample_weights is None:  # each bag's rows summed straight from weight
        dev = weight._data
        out = I.BagSum.apply(weight, ids=on_device_of(dev, ids), bag=on_device_of(dev, bag), nbags=b)
        return _bag_mean(out, bag, b, weight) if mode == "mean" else out
    rows = weight.index_select(0, Tensor._wrap(on_device_of(weight._data, ids)))  # (k, e)
    if counts is not None and rows.requires_grad:  # each row's gradient divided by how often the input names it
        scale = Tensor._wrap(on_device_of(weight._data, counts[ids].astype(weight.dtype)[:, None]))
        rows.register_hook(lambda g: g / scale)
    if per_sample_weights is not None:
        psw = per_sample_weights.reshape(-1)[Tensor._wrap(on_device_of(weight._data, keep))]
        rows = rows * psw.unsqueeze(1)
    out = Tensor._wrap(zeros_on(weight._data, (b, weight.shape[1])))
    out = out.index_add(0, Tensor._wrap(on_device_of(weight._data, bag)), rows)
    return _bag_mean(out, bag, b, weight) if mode == "mean" else out


def _bag_mean(out, bag, b, weight):
    """The bags' sums divided by their sizes (an empty bag stays 0)."""
    size = np.maximum(np.bincount(bag, minlength=b), 1).astype(weight.dtype)
    return out / Tensor._wrap(on_device_of(weight._data, size[:, None]))


def bag_winners(w, ids, bag, b):
    """(win, sizes): per bag and column of the host weight array w, the row (an id of `ids`, whose bag numbers are
    `bag`, sorted) holding the bag's largest value, the first of ties as torch; -1 or 0 in an empty bag (sizes 0).
    Also torch's max_indices of the aten embedding_bag (aten_nn.py)."""
    sizes = np.bincount(bag, minlength=b)
    longest = int(sizes.max()) if b else 0
    win = np.zeros((b, w.shape[1]), np.int64)
    if longest:
        slot = np.full((b, longest), -1, np.int64)  # slot[i, j]: the j-th id of bag i (-1: none)
        rank = np.arange(bag.size) - np.searchsorted(bag, bag)  # position of each id within its bag
        slot[bag, rank] = ids
        vals = np.where((slot >= 0)[..., None], w[np.maximum(slot, 0)], -np.inf)  # (b, longest, e)
        best = vals.argmax(1)  # the first maximum, as torch
        win = np.take_along_axis(slot, best, 1)
    return win, sizes


def _bag_max(weight, ids, bag, b):
    """Per bag and column, the largest of the bag's rows: found in numpy, then gathered, so the gradient goes to
    the winning row only."""
    win, sizes = bag_winners(to_host(weight._data), ids, bag, b)
    empty = (win < 0) | (sizes == 0)[:, None]
    out = weight.gather(0, Tensor._wrap(on_device_of(weight._data, np.maximum(win, 0))))
    return out.masked_fill(Tensor._wrap(on_device_of(weight._data, empty)), 0.0) if empty.any() else out


class _SparseRows:
    """The rows of one weight that sparse=True lookups sent gradient to: the indices torch's sparse gradient would
    hold (padding_idx left out, rows whose gradient is 0 kept). A bool mask per gradient, on the .grad tensor itself
    (`_sparse_rows`), so that p.grad = None or a gradient the user assigns carries none: optim.SparseAdam reads it.
    Each lookup's output hook adds its ids to `pending`; the weight's grad hook takes them for this pass (a row
    outside them that got gradient means a dense op added to it, and the sum is dense, as in torch); the
    post-accumulate hook joins them to the .grad, which only a pass that stores it (not autograd.grad) runs."""
    def __init__(self, w):
        self.v, self.pending, self.passed, self.prev = w.shape[0], None, None, None
        self.weight = weakref.ref(w)  # weak: the weight holds this record through its hooks

    def touch(self, ids):
        if self.pending is None:
            self.pending = np.zeros(self.v, bool)
        self.pending[np.asarray(to_host(ids))] = True

    def on_grad(self, g):
        mask, self.pending = self.pending, None
        if mask is not None:
            a, xp = g._data, xp_of(g._data)
            if int(xp.count_nonzero(a)) != int(xp.count_nonzero(a[on_device_of(a, np.flatnonzero(mask))])):
                mask = None
        self.passed, self.prev = mask, self.weight()._grad

    def on_accumulate(self, w):
        mask, self.passed = self.passed, None
        grad = w._grad
        rows = grad.__dict__.get("_sparse_rows")
        if mask is None:
            grad.__dict__.pop("_sparse_rows", None)
        elif rows is not None:
            rows |= mask
        elif self.prev is None:  # a gradient this pass made (one that was there without rows is dense)
            grad._sparse_rows = mask
        self.prev = None


def record_sparse_rows(weight, out, ids, padding_idx):
    """sparse=True: remember which rows of leaf `weight` out's backward reaches (see _SparseRows)."""
    if not (out.requires_grad and weight.requires_grad and weight._ctx is None):
        return
    rec = weight.__dict__.get("_sparse_record")
    if rec is None:
        rec = weight._sparse_record = _SparseRows(weight)
        weight.register_hook(rec.on_grad)
        weight.register_post_accumulate_grad_hook(rec.on_accumulate)
    out.register_hook(lambda g: rec.touch(ids if padding_idx is None else ids[ids != padding_idx]))


def sparse_rows(p):
    """The row ids of p's sparse gradient (sorted, unique), or None when p.grad is dense or missing."""
    mask = None if p.grad is None else p.grad.__dict__.get("_sparse_rows")
    return None if mask is None else np.flatnonzero(mask)
