"""Tensor methods for sorting and order statistics: sort, argsort, topk, unique, unique_consecutive, the
running extremes (cummax, cummin), median, kthvalue, mode and quantile, the module-level searchsorted and
bucketize, and the histograms (histc, histogram). Positions are found in numpy and the values gathered from them, so the gradient reaches the elements
picked. sort(stable=False), mode, topk and kthvalue replay torch's own CPU algorithms (backend/_std_sort.py) when
numba is on, so tied values come out in torch's order (without numba: a stable order). Imported by tensor_ops, whose _method attaches them to Tensor."""
import math
import numpy as np
from . import dtype as dt, return_types
from .ops import reduce as R
from .ops import index as I
from .backend.cpu import fused
from ._arrays import contiguous, on_device_of, zeros_on, xp_of, linspace, to_host
from .tensor import Tensor, _norm_dim, _gstate, _bool_arg, _int_arg
from .tensor_ops import _method, where

_sort_t = return_types.make("sort", ["values", "indices"])
_topk_t = return_types.make("topk", ["values", "indices"])


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """For each value in input, where it would go in sorted_sequence (1-D, or rows matching input's leading dims)
    to keep it sorted: the first such place, or the last with right=True / side='right'."""
    if side not in (None, "left", "right"):
        raise RuntimeError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if side == "left" and right:
        raise RuntimeError("searchsorted: side and right can't be set to opposites, got side='left' and right=True")
    side = side or ("right" if right else "left")
    seq = to_host(sorted_sequence._data)
    scalar = not isinstance(input, Tensor)
    vals = np.asarray(input) if scalar else to_host(input._data)
    if seq.dtype.kind == "c" or np.asarray(vals).dtype.kind == "c":  # complex numbers have no order (torch refuses)
        raise NotImplementedError(f"searchsorted: not implemented for complex tensors (got {seq.dtype} boundaries "
                                  f"and {np.asarray(vals).dtype} values)")
    if seq.dtype == np.bool_ and np.asarray(vals).dtype == np.bool_ and np.size(vals):  # torch: a bool common dtype
        raise NotImplementedError("searchsorted: not implemented for bool boundaries with bool values")
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, -1)
    if seq.ndim == 1:
        out = _search_rows(seq[None], np.reshape(vals, (1, -1)), side).reshape(np.shape(vals))
    elif not scalar and seq.shape[:-1] == vals.shape[:-1]:
        r = math.prod(seq.shape[:-1])
        rows, vrows = seq.reshape(r, seq.shape[-1]), vals.reshape(r, vals.shape[-1])
        out = _search_rows(rows, vrows, side).reshape(vals.shape)
    else:
        raise RuntimeError(f"searchsorted: boundaries should be 1-D or match the leading dims of the input, got "
                           f"shapes {seq.shape} and {vals.shape}")
    out = np.asarray(out, np.int32 if out_int32 else np.int64)
    return Tensor._wrap(on_device_of(sorted_sequence._data, out))


def _search_rows(rows, vals, side):
    """torch's binary search of each row of vals (r, m) in the same row of rows (r, n), by the fastest exact route:
    np.searchsorted where it provably agrees (one row, no NaN in it, sorted: then there is one right answer and
    a NaN value goes past the end in both), else the numba replay of torch's bisection, else _bisect. One query in
    1000 boundaries: 70 -> 6 us; 10^6 queries: 120 -> 57 ms (one thread)."""
    rows, vals = _key(rows), _key(vals)
    dt = np.promote_types(rows.dtype, vals.dtype)  # what numpy's comparisons in _bisect compare in
    if dt.kind == "f" and "f" not in rows.dtype.kind + vals.dtype.kind:  # int64 with uint64: numpy compares them
        return _bisect(rows, vals, side)                                  # exactly, float64 would round
    rows, vals = rows.astype(dt, copy=False), vals.astype(dt, copy=False)
    if len(rows) == 1 and rows.shape[1] and not (dt.kind == "f" and np.isnan(rows).any()) and \
            (rows[0, 1:] >= rows[0, :-1]).all():
        return np.searchsorted(rows[0], vals[0], side)[None]
    lib = _std_sort_lib(rows)
    if lib is None or not rows.size or not vals.size:
        return _bisect(rows, vals, side)
    if dt == np.float16:  # numba has none: float32 orders them the same
        rows, vals = rows.astype(np.float32), vals.astype(np.float32)
    return lib.bisect_positions(rows, vals, side == "right")


def _bisect(rows, vals, side):
    """torch's binary search, all values of each row at once: rows (r, n), vals (r, m). Its own comparisons
    (mid >= v, or mid > v for side='right') and not numpy's order, so a NaN in the boundaries or the values lands
    where torch puts it (numpy sorts NaN last and would differ)."""
    start = np.zeros(vals.shape, np.int64)
    end = np.full(vals.shape, rows.shape[-1], np.int64)
    r = np.arange(len(rows))[:, None]
    with np.errstate(invalid="ignore"):
        while (live := start < end).any():
            mid = start + ((end - start) >> 1)
            m = rows[r, np.minimum(mid, rows.shape[-1] - 1)]  # a finished search reads any element, then keeps still
            stop = (m > vals) if side == "right" else (m >= vals)
            start, end = np.where(live & ~stop, mid + 1, start), np.where(live & stop, mid, end)
    return start


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value: boundaries[i-1] < x <= boundaries[i] (right=True: boundaries[i-1] <= x < ...)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1-D, got shape {boundaries.shape}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# ---- sorting ---------------------------------------------------------------------------------------
@_method
def sort(self, dim=-1, descending=False, stable=False):
    if descending is not False and descending is not True:
        _bool_arg(descending, "sort", "descending")
    if stable is not False and stable is not True and stable is not None:
        _bool_arg(stable, "sort", "stable")
    d = _norm_dim(dim, self.ndim, "sort")
    a = _key(self._data)
    if a.ndim == 0:
        return _sort_t(self.clone()._named("SortBackward0"), Tensor._wrap(zeros_on(a, (), np.int64)))
    lib = _std_sort_lib(a) if stable is not True and a.shape[d] > 16 and a.strides[d] != 0 else None
    if lib is not None and not (a.ndim == 1 and a.dtype.kind in "iu" and a.size >= 32768 and not descending):
        # torch's std::sort, whose ties past 16 elements come out in its own order (1-D integers from 32768
        # elements up, ascending, go to torch's stable radix sort instead; a stride-0 dim keeps 0, 1, 2, ...)
        idx = _from_rows(_unstable_positions(_rows(a, d), bool(descending), lib), a.shape, d)
    else:
        idx = _argsort(a, d, descending)
    idx = idx.astype(np.int64, order="C", copy=False)
    return _sort_t(_values_at(self, idx, d, "SortBackward0"), Tensor._wrap(idx))


def _tied_rows(rows, probe=8):
    """Which rows of the 2-D rows (n >= 2) hold a value twice (-0.0 and 0.0 count as equal, and so do two NaNs).
    Sorting values alone is ~6x cheaper than an argsort; and when the first `probe` rows all tie, the rest are
    taken as tied unchecked (the replay is right for any row; checking data full of ties would only cost time)."""
    def ties(r):
        s = np.sort(r, axis=-1)
        t = (s[:, 1:] == s[:, :-1]).any(-1)
        return t | np.isnan(s[:, -2]) if s.dtype.kind == "f" else t  # NaNs sort last: two are the last two
    head = ties(rows[:probe])
    if len(rows) <= probe:
        return head
    return np.ones(len(rows), np.bool_) if head.all() else np.concatenate((head, ties(rows[probe:])))


def _unstable_positions(rows, descending, lib):
    """torch's sort(stable=False) order of each row of the 2-D rows (n >= 2): a row without ties has one sorted
    order, which numpy's fast argsort finds (NaN last, and so first when read backwards, as torch); only rows with
    ties need the replay of torch's std::sort. (4096, 1000) random float32, one thread: 219 -> 50 ms."""
    tied = _tied_rows(rows) if rows.size >= 1024 else None  # small: the replay costs less than numpy's calls
    if tied is None or tied.all():
        return lib.sort_positions(rows, descending)
    free = ~tied
    some = tied.any()
    idx = np.argsort(rows[free] if some else rows, axis=-1)  # the default kind: numpy's SIMD sort, the fastest
    if descending:
        idx = idx[:, ::-1]
    if not some:
        return idx
    out = np.empty(rows.shape, np.int64)
    out[free], out[tied] = idx, lib.sort_positions(rows[tied], descending)
    return out


def _key(a):
    """The array whose order the sort / search routines read: bfloat16 as float32 (exact; numpy's own bfloat16
    comparisons put NaN anywhere, so a sort came back unsorted), anything else as it is."""
    return a.astype(np.float32) if type(a) is np.ndarray and a.dtype.kind == "V" else a


def _std_sort_lib(a):
    """backend/_std_sort (torch's CPU sort and selection algorithms, step for step) for a numpy array of a real
    or bool dtype when numba is on, else None: the callers then keep a stable order, which differs from torch's
    only in which of equal values comes first."""
    if type(a) is not np.ndarray or a.dtype.kind not in "fiub" or fused() is None:
        return None
    from .backend import _std_sort
    return _std_sort


def _rows(a, d):
    """a's slices along d as the rows of a C-contiguous 2-D array, in a dtype numba sorts in the same order."""
    rows = a if d == a.ndim - 1 else np.moveaxis(a, d, -1)
    rows = rows.view(np.uint8) if rows.dtype == np.bool_ else rows.astype(np.float32) if rows.dtype == np.float16 \
        else rows
    return np.ascontiguousarray(rows).reshape(-1, a.shape[d])


def _slices(a, d):
    """a as (before d, along d, after d), in a dtype numba orders the same way: _std_sort's topk and kthvalue
    work along the middle axis, so no transposed copy."""
    a = a.view(np.uint8) if a.dtype == np.bool_ else a.astype(np.float32) if a.dtype == np.float16 else a
    return a.reshape(math.prod(a.shape[:d]), a.shape[d], math.prod(a.shape[d + 1:]))


def _from_rows(idx, shape, d):
    """_rows' inverse for positions: (rows, k) back to shape with k along d."""
    idx = idx.reshape(shape[:d] + shape[d + 1:] + idx.shape[-1:])
    return idx if d == len(shape) - 1 else np.moveaxis(idx, -1, d)


def _argsort(a, d, descending):
    """Stable argsort of a along d: ties keep their original order, NaN counts as the largest (torch's order)."""
    if descending:
        # stable ascending sort of the reversed array, read backwards: ties keep their original order and NaN
        # (numpy's largest) comes first, as in torch; negating instead would break unsigned and bool dtypes
        return a.shape[d] - 1 - np.flip(np.argsort(np.flip(a, d), axis=d, kind="stable"), d)
    return np.argsort(a, axis=d, kind="stable")


@_method
def argsort(self, dim=-1, descending=False, stable=False):
    if descending is not False and descending is not True:
        _bool_arg(descending, "argsort", "descending")
    return self.sort(_norm_dim(dim, self.ndim, "argsort"), descending, stable).indices


@_method
def topk(self, k, dim=-1, largest=True, sorted=True):
    k = _int_arg(k, "topk", "k")  # an int, numpy int or 0-d int tensor (a tensor reached the numba kernel and crashed)
    if largest is not True and largest is not False:
        _bool_arg(largest, "topk", "largest")
    if sorted is not True and sorted is not False:
        _bool_arg(sorted, "topk", "sorted")
    d = _norm_dim(dim, self.ndim, "topk")
    n = self.shape[d] if self.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {d} of size {n}")
    if self._data.dtype == np.bool_ and type(self._data) is np.ndarray:
        raise RuntimeError("topk: not implemented for bool tensors (as torch on the CPU)")
    if self.ndim == 0:  # torch: the scalar itself, whatever k
        return _topk_t(self.clone()._named("TopkBackward0"), Tensor._wrap(zeros_on(self._data, (), np.int64)))
    a, s = _key(self._data), self.shape
    lib = _std_sort_lib(a) if k else None
    if lib is not None:
        # torch's CPU kernel, replayed: std::partial_sort when k * 64 <= n, else std::nth_element (and std::sort of
        # the first k - 1 when sorted), so tied values and NaNs come out at torch's indices, in its order
        idx = lib.topk_positions(_slices(a, d), k, largest, sorted).reshape(s[:d] + (k,) + s[d + 1:])
    elif 0 < k < n and type(a) is np.ndarray and a.dtype != np.bool_:
        # without numba (TEENYGRAD_NUMBA=0): the first k of a stable sort, the same values and the same indices
        # wherever no tie straddles the cut or the order (torch's differ on ties)
        idx = np.moveaxis(_top_positions(np.moveaxis(a, d, -1), k, largest), -1, d)
    else:  # k of 0 or n, bool, or on the GPU: the full sort
        idx = self.sort(d, descending=largest, stable=True).indices
        idx = idx[(slice(None),) * d + (slice(0, k),)]
        return _topk_t(self.gather(d, idx)._named("TopkBackward0"), idx)
    idx = np.ascontiguousarray(idx, np.int64)
    return _topk_t(_values_at(self, idx, d, "TopkBackward0"), Tensor._wrap(idx))


def _values_at(self, idx, d, name):
    """self's values at positions idx along d, found by sort or topk and so in range: Gather itself (without
    gather()'s argument checks) when there is a gradient to record, else the values alone, in one numba pass where
    the dtype allows (sampling's top-k filter: ~2 us a call less)."""
    if self._requires_grad and _gstate["enabled"]:
        return I.Gather.apply(self, idx=idx, axis=d)._named(name)
    x, s = self._data, idx.shape
    kern = _sort_kernels(x)
    if kern is None or not idx.size:
        return Tensor._wrap(np.take_along_axis(x, idx, axis=d))
    p, q = math.prod(s[:d]), math.prod(s[d + 1:])
    return Tensor._wrap(kern.take_along(x.reshape(p, x.shape[d], q), idx.reshape(p, s[d], q)).reshape(s))


def _sort_kernels(a):
    """backend/_numba_index for a numpy float or integer array when numba is on (they compare exactly, so not only
    float32), else None."""
    if type(a) is not np.ndarray or a.dtype.kind not in "fiu" or a.dtype.itemsize < 4 or fused() is None:
        return None
    from .backend import _numba_index
    return _numba_index


def _is_nan(a):
    return np.isnan(a) if dt.is_floating(a.dtype) else np.zeros(a.shape, np.bool_)


def _top_positions(a, k, largest):
    """The first k positions of a's stable sort along the last axis (descending when largest; NaN the largest),
    for 0 < k < n, in O(n) a row: partition to find each row's k-th value t, keep what beats t plus the earliest
    ties with t (so the same ones the full sort would keep), then sort just those k."""
    n = a.shape[-1]
    kth = n - k if largest else k - 1
    t = np.partition(a, kth, axis=-1)[..., kth:kth + 1]
    nan, t_nan = _is_nan(a), _is_nan(t)
    beats = ((a > t) | (nan & ~t_nan)) if largest else ((a < t) | (~nan & t_nan))
    ties = (a == t) | (nan & t_nan)
    need = k - np.count_nonzero(beats, axis=-1, keepdims=True)  # how many ties with t to keep: the earliest
    extra = (np.count_nonzero(ties, axis=-1, keepdims=True) > need)[..., 0]
    if extra.any():  # rows with more ties than places: keep the first `need` of them
        rows = ties[extra]
        ties[extra] = rows & (np.cumsum(rows, axis=-1) <= need[extra])
    pos = np.nonzero(beats | ties)[-1].reshape(a.shape[:-1] + (k,))  # row by row, each row's k in index order
    order = _argsort(np.take_along_axis(a, pos, axis=-1), -1, largest)
    return np.take_along_axis(pos, order, axis=-1)


# ---- distinct values -------------------------------------------------------------------------------
@_method
def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (each NaN its own, as torch), or with dim the distinct slices along dim, sorted."""
    a = to_host(self._data)
    if a.dtype.kind == "V":  # bfloat16: numpy's sort leaves its NaNs in place (not last); float32 holds it exactly
        a = a.astype(np.float32)
    if dim is None:
        vals, inverse, counts = np.unique(a, return_inverse=True, return_counts=True, equal_nan=False)
        inverse = inverse.reshape(self.shape)
    else:
        d = _norm_dim(dim, self.ndim, "unique")
        if a.ndim == 0:
            raise IndexError(f"unique: dim {dim} is out of range for a 0-d tensor")
        if 0 in a.shape[:d] + a.shape[d + 1:]:
            raise RuntimeError(f"unique: shape {self.shape} has a 0-sized dim other than dim {d}; unique along it "
                               f"is undefined")
        vals, inverse, counts = np.unique(a, return_inverse=True, return_counts=True, axis=d)
        inverse = inverse.reshape(-1)
    out = [Tensor._wrap(on_device_of(self._data, vals.astype(self._data.dtype, copy=False)))]
    if return_inverse:
        out.append(Tensor._wrap(on_device_of(self._data, inverse.astype(np.int64))))
    if return_counts:
        out.append(Tensor._wrap(on_device_of(self._data, counts.astype(np.int64))))
    return out[0] if len(out) == 1 else tuple(out)


@_method
def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
    """Each run of equal values (or of equal slices along dim) kept once, in order."""
    a = to_host(self._data)
    if dim is None:
        flat = a.reshape(-1)
        starts = np.concatenate(([True], flat[1:] != flat[:-1])) if flat.size else np.zeros(0, np.bool_)
        vals, inv_shape = flat[starts], a.shape
    else:
        d = _norm_dim(dim, self.ndim, "unique_consecutive")
        rest = a.shape[:d] + a.shape[d + 1:]
        if 0 in rest:
            raise RuntimeError(f"unique_consecutive: shape {self.shape} has a 0-sized dim other than dim {d}; "
                               f"unique along it is undefined")
        m = np.moveaxis(a, d, 0).reshape(a.shape[d], math.prod(rest))
        starts = np.concatenate(([True], (m[1:] != m[:-1]).any(1))) if len(m) else np.zeros(0, np.bool_)
        vals, inv_shape = np.compress(starts, a, axis=d), (a.shape[d],)
    out = [Tensor._wrap(on_device_of(self._data, vals))]
    if return_inverse:
        out.append(Tensor._wrap(on_device_of(self._data, (np.cumsum(starts) - 1).reshape(inv_shape).astype(np.int64))))
    if return_counts:
        out.append(Tensor._wrap(on_device_of(self._data, np.diff(np.append(np.flatnonzero(starts), starts.size)))))
    return out[0] if len(out) == 1 else tuple(out)


# ---- running extremes and order statistics: the positions are found in numpy, the values gathered from them
# (Gather's backward sends each gradient to the position it came from, as torch's value-selecting reductions) ----
_cummax_t = return_types.make("cummax", ["values", "indices"])
_cummin_t = return_types.make("cummin", ["values", "indices"])
_median_t = return_types.make("median", ["values", "indices"])
_kthvalue_t = return_types.make("kthvalue", ["values", "indices"])
_mode_t = return_types.make("mode", ["values", "indices"])


def _cum_extreme(self, dim, op, result):
    d = _norm_dim(dim, self.ndim, op)
    name = "CummaxBackward0" if op == "cummax" else "CumminBackward0"
    if self.ndim == 0:
        return result(self.clone()._named(name), Tensor._wrap(zeros_on(self._data, (), np.int64)))
    s, kernels = self.shape, _sort_kernels(self._data)
    if kernels is not None and s[d] and self.numel():  # one pass, in a's own layout
        idx = kernels.cum_extreme(self._data.reshape(math.prod(s[:d]), s[d], math.prod(s[d + 1:])),
                                  op == "cummax").reshape(s)
        # idx is in range: no checks
        return result(I.Gather.apply(self, idx=idx, axis=d)._named(name), Tensor._wrap(idx))
    xp = xp_of(self._data)
    a = xp.moveaxis(self._data, d, 0)
    idx = zeros_on(a, a.shape, np.int64)
    if a.shape[0]:
        best, cur, nan_aware = a[0], idx[0], dt.is_floating(a.dtype)
        for i in range(1, a.shape[0]):  # torch's rule: ties move the index to the later one; NaN wins and stays
            x = a[i]
            take = (x >= best) if op == "cummax" else (x <= best)
            if nan_aware:
                take = xp.isnan(x) | (take & ~xp.isnan(best))
            best, cur = xp.where(take, x, best), xp.where(take, i, cur)
            idx[i] = cur
    idx_t = Tensor._wrap(contiguous(xp.moveaxis(idx, 0, d)))
    return result(self.gather(d, idx_t)._named(name), idx_t)


@_method
def cummax(self, dim):
    return _cum_extreme(self, dim, "cummax", _cummax_t)


@_method
def cummin(self, dim):
    return _cum_extreme(self, dim, "cummin", _cummin_t)


_SELECT_NAMES = {"median": "MedianBackward1", "kthvalue": "KthvalueBackward0"}  # torch's grad_fn names


def _select(self, dim, keepdim, op, result, k=None):
    """(values, indices) of the k-th smallest (0-based) along dim; k=None: the lower median. NaN counts as the
    largest value; for the median a slice holding a NaN gives that NaN (its first), as torch."""
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, op, "keepdim")
    d = _norm_dim(dim, self.ndim, op)  # torch checks dim and k (or the slice size) before the dtype
    is_bool = self._data.dtype.kind == "b"
    if self.ndim == 0:
        if k not in (None, 0):
            raise RuntimeError(f"{op}: selected number k = {k + 1} is out of range for a 0-d tensor")
        if is_bool and op != "kthvalue":  # torch's kthvalue hands a 0-d bool back
            raise NotImplementedError(f"{op}: not implemented for bool tensors")
        return result(self.clone()._named(_SELECT_NAMES[op]), Tensor._wrap(zeros_on(self._data, (), np.int64)))
    n = self.shape[d]
    if k is None:
        if n == 0:
            raise IndexError(f"{op}: expected reduction dim {d} to have non-zero size, shape {self.shape}")
        k = (n - 1) // 2
    elif n == 0:
        raise IndexError(f"{op}: expected reduction dim {d} to have non-zero size, shape {self.shape}")
    elif not 0 <= k < n:
        raise RuntimeError(f"{op}: selected number k = {k + 1} is out of range for dim {d} of size {n}")
    if is_bool:
        raise NotImplementedError(f"{op}: not implemented for bool tensors")
    a = _key(self._data)
    lib = _std_sort_lib(a) if op == "kthvalue" else None  # median's comparator breaks ties by index: stable
    if type(a) is np.ndarray:  # without numba (TEENYGRAD_NUMBA=0), and for median: the stable sort's k-th
        idx = np.moveaxis(_kth_position(np.ascontiguousarray(np.moveaxis(a, d, -1)), k, lib), -1, d)  # rows: ~1.4x
    else:
        idx = np.take(np.argsort(a, axis=d, kind="stable"), [k], axis=d)
    if op == "median" and a.dtype.kind == "f":
        nan = np.isnan(a)
        has_nan = nan.any(axis=d, keepdims=True)
        idx = np.where(has_nan, np.argmax(nan, axis=d, keepdims=True), idx)
    idx_t = Tensor._wrap(idx.astype(np.int64) if keepdim else np.squeeze(idx, d).astype(np.int64))
    values = self.gather(d, Tensor._wrap(idx.astype(np.int64)))
    return result((values if keepdim else values.squeeze(d))._named(_SELECT_NAMES[op]), idx_t)


def _kth_position(a, k, lib=None):
    """Where the k-th (0-based) of an ascending sort along the last axis sits (NaN the largest), keepdims, in O(n)
    a row: partition finds the value t; a row holding t once has its answer. Rows with ties: lib (_std_sort) given,
    torch's kthvalue kernel (ATen's quick_select) replayed on them; else the stable sort's (k - #less than t)-th tie."""
    t = np.partition(a, k, axis=-1)[..., k:k + 1]
    nan, t_nan = _is_nan(a), _is_nan(t)
    ties = (a == t) | (nan & t_nan)
    if lib is not None:
        pos = np.argmax(ties, axis=-1, keepdims=True)
        tied = np.count_nonzero(ties, axis=-1) > 1
        if tied.any():
            pos[tied] = lib.select_positions(_slices(a[tied], 1), k)
        return pos
    rank = k - np.count_nonzero((a < t) | (~nan & t_nan), axis=-1, keepdims=True)  # among the ties, 0-based
    pos = np.argmax(ties, axis=-1, keepdims=True)  # the first tie: right unless earlier ties come first
    later = (rank > 0)[..., 0]
    if later.any():
        pos[later] = np.argmax(np.cumsum(ties[later], axis=-1) > rank[later], axis=-1, keepdims=True)
    return pos


@_method
def median(self, dim=None, keepdim=False):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "median", "keepdim")
    if dim is None:
        if self._data.dtype.kind == "b":
            raise NotImplementedError("median: not implemented for bool tensors")
        if self.numel() == 0 and self._data.dtype.kind != "f":
            raise RuntimeError(f"median: the median of an empty {self.dtype} tensor is undefined")
        return R.MedianAll.apply(self)
    return _select(self, dim, keepdim, "median", _median_t)


@_method
def kthvalue(self, k, dim=-1, keepdim=False):
    k = _int_arg(k, "kthvalue", "k")  # an int, numpy int or 0-d int tensor, as torch's parser
    return _select(self, dim, keepdim, "kthvalue", _kthvalue_t, int(k) - 1)


@_method
def mode(self, dim=-1, keepdim=False):
    """The most frequent value along dim (the smallest among equally frequent ones) and its last index."""
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "mode", "keepdim")
    d = _norm_dim(dim, self.ndim, "mode")
    if self.ndim == 0:
        return _mode_t(self.clone()._named("ModeBackward0"), Tensor._wrap(zeros_on(self._data, (), np.int64)))
    if self.shape[d] == 0:
        raise IndexError(f"mode: expected reduction dim {d} to have non-zero size, shape {self.shape}")
    host = _key(to_host(self._data))  # np.unique per slice: on the host
    lib = _std_sort_lib(host)
    if lib is not None:  # torch's kernel: std::sort, then the last of the first longest run (ties: its order)
        rows = _rows(host, d)
        tied = np.full(len(rows), rows.size < 1024) if rows.size < 1024 or rows.shape[1] < 2 else \
            _tied_rows(rows)  # small: the replay costs less than the checks
        if rows.dtype.kind == "f" and not tied.all():
            tied |= np.isnan(rows).any(-1)  # mode's plain x < y leaves a NaN anywhere: replay
        if tied.all():
            idx = lib.mode_positions(rows)
        else:  # a row of distinct values has runs of 1 only, so the first, at the smallest value, wins
            idx = np.argmin(rows, axis=-1)
            if tied.any():
                idx[tied] = lib.mode_positions(rows[tied])
    else:
        rows = np.moveaxis(host, d, -1).reshape(-1, self.shape[d])
        idx = np.empty(len(rows), np.int64)
        for r, row in enumerate(rows):  # one np.unique per slice: simple, and mode is rarely on a hot path
            vals, counts = np.unique(row, return_counts=True, equal_nan=False)
            v = vals[np.argmax(counts)]  # the first maximum: the smallest value (NaNs are each their own value)
            idx[r] = len(row) - 1 - np.argmax(row[::-1] == v)
    shape = self.shape[:d] + self.shape[d + 1:]
    idx = on_device_of(self._data, np.expand_dims(idx.reshape(shape), d))
    values = self.gather(d, Tensor._wrap(idx))
    return _mode_t((values if keepdim else values.squeeze(d))._named("ModeBackward0"),
                   Tensor._wrap(idx if keepdim else idx.squeeze(d)))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


@_method
def quantile(self, q, dim=None, keepdim=False, interpolation="linear"):
    """torch.quantile: sort along dim, then interpolate between the two order statistics around q (n - 1)."""
    return _quantile(self, q, dim, keepdim, interpolation, "quantile")


def _quantile(self, q, dim, keepdim, interpolation, op, skip_nan=False):
    """quantile, or with skip_nan nanquantile (the order statistics of each slice's non-NaN values only)."""
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, op, "keepdim")
    if self.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{op}: input tensor must be either float or double dtype, got {self.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{op}: interpolation must be one of {', '.join(_INTERPOLATIONS)}, "
                           f"got {interpolation!r}")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{op}: q must be a scalar or 1-D tensor, got shape {q.shape}")
        if q.dtype != self.dtype:
            raise RuntimeError(f"{op}: q tensor must have the input's dtype {self.dtype}, got {q.dtype}")
        qs = to_host(q._data)  # checked on the host
        qs, scalar_q = np.asarray(qs, dtype=self._data.dtype).reshape(-1), q.ndim == 0
    else:
        qs, scalar_q = np.asarray([q], dtype=self._data.dtype), True
    if qs.size and not ((qs >= 0) & (qs <= 1)).all():
        raise RuntimeError(f"{op}: q must be in the range [0, 1], got {qs.tolist()}")
    qs, xp = on_device_of(self._data, qs), xp_of(self._data)
    if self.numel() == 0:
        raise RuntimeError(f"{op}: input tensor must be non-empty, got shape {self.shape}")
    if dim is None:
        x, d = self.reshape(-1), 0
    else:
        x, d = self, _norm_dim(dim, self.ndim, op)
    if x.ndim == 0:
        x = x.reshape(1)
    s = x.movedim(d, -1).sort(-1).values  # (..., n), NaN last
    n = s.shape[-1]
    dtype = self._data.dtype
    if skip_nan:
        valid = (~np.isnan(s._data)).sum(-1, keepdims=True)  # (..., 1): the non-NaN values come first
        ranks = np.maximum(qs * (valid - 1).astype(dtype), 0)  # an all-NaN slice picks its first NaN, as torch
    else:
        ranks = xp.broadcast_to(qs * dtype.type(n - 1), s.shape[:-1] + (qs.size,))
        nan_rows = xp.isnan(s._data[..., -1:])  # torch: a slice with a NaN gives NaN (its largest, after the sort)
        ranks = xp.where(nan_rows, dtype.type(n - 1), ranks)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)  # half to even, as torch
    lo, hi = np.floor(ranks).astype(np.int64), np.ceil(ranks).astype(np.int64)
    w = xp.full(ranks.shape, 0.5, dtype) if interpolation == "midpoint" else (ranks - lo).astype(dtype)
    below, above = s.gather(-1, Tensor._wrap(lo)), s.gather(-1, Tensor._wrap(hi))
    small = Tensor._wrap(w < 0.5)  # torch's lerp: from the nearer end, for accuracy
    wt, w1 = Tensor._wrap(w), Tensor._wrap((1 - w).astype(dtype))
    if interpolation == "linear" and isinstance(q, Tensor) and q.requires_grad and _gstate["enabled"]:
        # q's gradient: w = q (count - 1) - lo wherever the rank came from q (not from a NaN slice's fixed rank)
        scale = (valid - 1).astype(dtype) if skip_nan else dtype.type(n - 1)
        from_q = Tensor._wrap(xp.broadcast_to(qs * scale, ranks.shape) == ranks if skip_nan
                              else xp.broadcast_to(~nan_rows, ranks.shape))
        wq = q.reshape(-1) * Tensor._wrap(xp.asarray(scale, dtype)) - Tensor._wrap(lo.astype(dtype))
        wt = where(from_q, wq, wt)
        w1 = 1 - wt
    if interpolation in ("lower", "higher", "nearest"):  # an order statistic itself: no lerp (inf - inf is NaN)
        out = below
    else:
        diff = above - below
        out = where(small, below + diff * wt, above - diff * w1)
    out = out.movedim(-1, 0)  # (q, ...)
    if keepdim and self.ndim:  # a 0-d input has no dim to keep
        out = out.reshape((qs.size,) + (1,) * self.ndim) if dim is None else out.unsqueeze(d + 1)
    return out.squeeze(0) if scalar_q else out


@_method
def histc(self, bins=100, min=0, max=0):
    """Counts in `bins` equal bins over [min, max] (the data's range when min == max); values outside are
    dropped. Bin of x: int((x - min) * bins / (max - min)) in the input's dtype, as torch's CPU kernel."""
    if not dt.is_floating(self.dtype):  # bfloat16 too: its bins in bfloat16 arithmetic, as torch's kernel
        raise NotImplementedError(f"histc: expects a floating-point tensor, got {self.dtype}")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, got {bins}")
    a = self._data.reshape(-1)
    xp = xp_of(a)
    lo, hi = a.dtype.type(min), a.dtype.type(max)
    if lo == hi and a.size:
        lo, hi = a.dtype.type(float(a.min())), a.dtype.type(float(a.max()))  # host scalars, also for cupy
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi or not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"histc: range of [{lo}, {hi}] is not valid (max must be >= min and both finite)")
    a = a[(a >= lo) & (a <= hi)]  # drops nan too
    from .tensor_misc import finfo
    if float(hi) - float(lo) > finfo(self.dtype).max:  # max - min overflows the dtype: bins in float64,
        a, lo, hi = a.astype(np.float64) / 2, float(lo) / 2, float(hi) / 2  # halved (a float64 range past 1.8e308)
        pos = ((a - lo) / (hi - lo) * bins).astype(np.int64)  # the fraction first: (a - lo) * bins may overflow
    else:
        pos = ((a - lo) * a.dtype.type(bins) / (hi - lo)).astype(np.int64)
    out = xp.bincount(xp.minimum(pos, bins - 1), minlength=bins)  # x == max lands in the last bin
    return Tensor._wrap(out.astype(self.dtype))


_histogram_t = return_types.make("histogram", ["hist", "bin_edges"])


def _uniform_bin_search(edges, a, xp):
    """searchsorted(edges, a, side="right") for equally spaced edges and edges[0] <= a <= edges[-1]: the bin by
    arithmetic (in float64), then moved until edges[pos - 1] <= a < edges[pos] holds against the edges themselves
    (as torch's local search), so rounding in either never changes a count. 1e6 values: 39 -> 9 ms"""
    n, lo, span = len(edges) - 1, float(edges[0]), float(edges[-1]) - float(edges[0])
    if not 0 < span < np.inf:  # edges that rounding squeezed together (or overflowed): search them
        return xp.searchsorted(edges, a, side="right")
    pos = ((a.astype(np.float64) - lo) * (n / span)).astype(np.int64) + 1
    pos = xp.clip(pos, 1, n)
    while True:
        down = a < edges[pos - 1]
        up = (pos <= n - 1) & (a >= edges[xp.minimum(pos, n)])
        if not (down.any() or up.any()):
            return pos
        pos = pos - down + up


@_method
def histogram(self, bins=100, *, range=None, weight=None, density=False):
    """(hist, bin_edges). bins: a count of equal bins over range (else the data's min..max, widened by 0.5 each
    way if that is one point), or a 1-D tensor of increasing edges. A bin holds [left, right), the last its right
    edge too; density divides by the total and the bin widths."""
    if self.dtype.kind != "f":
        raise NotImplementedError(f"histogram: expects a floating-point tensor, got {self.dtype}")
    a = self._data.reshape(-1)
    xp = xp_of(a)
    if isinstance(bins, Tensor):
        if bins.ndim != 1 or bins.numel() < 2:
            raise RuntimeError(f"histogram: bins must be a 1-D tensor of at least 2 edges, got shape {bins.shape}")
        edges = bins._data.astype(a.dtype)
    else:
        if bins <= 0:
            raise RuntimeError(f"histogram: bins must be > 0, got {bins}")
        lo, hi = (float(range[0]), float(range[1])) if range is not None else \
            (float(a.min()), float(a.max())) if a.size else (0.0, 1.0)
        if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi:
            raise RuntimeError(f"histogram: range [{lo}, {hi}] is not finite or max < min")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = on_device_of(a, linspace(lo, hi, bins + 1, a.dtype))
    keep = (a >= edges[0]) & (a <= edges[-1])  # drops nan too
    pos = xp.searchsorted(edges, a[keep], side="right") if isinstance(bins, Tensor) else \
        _uniform_bin_search(edges, a[keep], xp)
    pos = xp.minimum(pos - 1, len(edges) - 2)
    w = None if weight is None else weight._data.reshape(-1)[keep]
    hist = xp.bincount(pos, weights=w, minlength=len(edges) - 1).astype(a.dtype)
    if density:
        hist = hist / (hist.sum() * xp.diff(edges))
    return _histogram_t(Tensor._wrap(hist), Tensor._wrap(edges))
