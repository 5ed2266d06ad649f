"""libstdc++'s std::sort, std::nth_element and std::partial_sort and ATen's quick_select, step for step, in
numba: PyTorch's CPU kernels for sort(stable=False), mode, topk and kthvalue call these, and where values tie the
order they leave decides the index torch returns (std::sort is not stable past 16 elements). Imported lazily by
tensor_sort.py only when numba is on; without numba tensor_sort keeps a stable order (the same for untied values).
sort, mode, topk and kthvalue use them (topk_positions and select_positions take a (P, n, Q) array and work along
its middle axis, so a dim other than the last needs no transposed copy). bisect_positions is searchsorted's
binary search, for the boundaries np.searchsorted could answer differently (NaN, unsorted, several rows).

Every routine works on one row: v (the keys) and ix (their positions, int64), moved together. cmp is the
comparator: 0 ascending, NaN the largest (ATen's KeyValueCompAsc); 1 descending, NaN the largest
(KeyValueCompDesc, also topk's and quick_select's gt_or_nan); 2 a plain x < y (mode's comparator)."""
import numba
import numpy as np

_exact = dict(error_model="numpy", cache=True, nogil=True)
_THRESHOLD = 16  # libstdc++'s _S_threshold


@numba.njit(**_exact)
def _less(x, y, cmp):
    if cmp == 0:
        return (x == x and y != y) or x < y
    if cmp == 1:
        return (x != x and y == y) or x > y
    return x < y


@numba.njit(**_exact)
def _swap(v, ix, i, j):
    v[i], v[j] = v[j], v[i]
    ix[i], ix[j] = ix[j], ix[i]


@numba.njit(**_exact)
def _lg(n):
    k = 0
    while n > 1:
        n >>= 1
        k += 1
    return k


@numba.njit(**_exact)
def _push_heap(v, ix, first, hole, top, val, vi, cmp):
    parent = (hole - 1) // 2
    while hole > top and _less(v[first + parent], val, cmp):
        v[first + hole], ix[first + hole] = v[first + parent], ix[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    v[first + hole], ix[first + hole] = val, vi


@numba.njit(**_exact)
def _adjust_heap(v, ix, first, hole, n, val, vi, cmp):
    top, child = hole, hole
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if _less(v[first + child], v[first + child - 1], cmp):
            child -= 1
        v[first + hole], ix[first + hole] = v[first + child], ix[first + child]
        hole = child
    if (n & 1) == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        v[first + hole], ix[first + hole] = v[first + child - 1], ix[first + child - 1]
        hole = child - 1
    _push_heap(v, ix, first, hole, top, val, vi, cmp)


@numba.njit(**_exact)
def _make_heap(v, ix, first, last, cmp):
    n = last - first
    if n < 2:
        return
    parent = (n - 2) // 2
    while True:
        _adjust_heap(v, ix, first, parent, n, v[first + parent], ix[first + parent], cmp)
        if parent == 0:
            return
        parent -= 1


@numba.njit(**_exact)
def _pop_heap(v, ix, first, last, result, cmp):
    val, vi = v[result], ix[result]
    v[result], ix[result] = v[first], ix[first]
    _adjust_heap(v, ix, first, 0, last - first, val, vi, cmp)


@numba.njit(**_exact)
def _heap_select(v, ix, first, middle, last, cmp):
    _make_heap(v, ix, first, middle, cmp)
    for i in range(middle, last):
        if _less(v[i], v[first], cmp):
            _pop_heap(v, ix, first, middle, i, cmp)


@numba.njit(**_exact)
def _partition_pivot(v, ix, first, last, cmp):
    """__unguarded_partition_pivot: the median of three moved to first, then Hoare's partition around it."""
    a, b, c = first + 1, first + (last - first) // 2, last - 1
    if _less(v[a], v[b], cmp):
        if _less(v[b], v[c], cmp):
            _swap(v, ix, first, b)
        elif _less(v[a], v[c], cmp):
            _swap(v, ix, first, c)
        else:
            _swap(v, ix, first, a)
    elif _less(v[a], v[c], cmp):
        _swap(v, ix, first, a)
    elif _less(v[b], v[c], cmp):
        _swap(v, ix, first, c)
    else:
        _swap(v, ix, first, b)
    lo, hi = first + 1, last
    while True:
        while lo < last - 1 and _less(v[lo], v[first], cmp):  # the bounds only guard a comparator that is
            lo += 1                                            # no strict weak order (cmp 2 with NaN)
        hi -= 1
        while hi > first and _less(v[first], v[hi], cmp):
            hi -= 1
        if not lo < hi:
            return lo
        _swap(v, ix, lo, hi)
        lo += 1


@numba.njit(**_exact)
def _linear_insert(v, ix, i, lo, cmp):
    val, vi = v[i], ix[i]
    while i > lo and _less(val, v[i - 1], cmp):
        v[i], ix[i] = v[i - 1], ix[i - 1]
        i -= 1
    v[i], ix[i] = val, vi


@numba.njit(**_exact)
def _insertion_sort(v, ix, first, last, cmp):
    for i in range(first + 1, last):
        if _less(v[i], v[first], cmp):
            val, vi = v[i], ix[i]
            for j in range(i, first, -1):
                v[j], ix[j] = v[j - 1], ix[j - 1]
            v[first], ix[first] = val, vi
        else:
            _linear_insert(v, ix, i, first, cmp)


@numba.njit(**_exact)
def std_sort(v, ix, cmp):
    n = len(v)
    if n < 2:
        return
    top = 0
    if n > _THRESHOLD:  # (else insertion sort alone, and no stack to allocate: topk's sort of a few)
        stack = np.empty((2 * _lg(n) + 4, 3), np.int64)  # (first, last, depth) of the right parts still to sort
        stack[0, 0], stack[0, 1], stack[0, 2], top = 0, n, 2 * _lg(n), 1
    while top:
        top -= 1
        first, last, depth = stack[top, 0], stack[top, 1], stack[top, 2]
        while last - first > _THRESHOLD:
            if depth == 0:  # std::__partial_sort(first, last, last): heapsort
                _heap_select(v, ix, first, last, last, cmp)
                while last - first > 1:
                    last -= 1
                    _pop_heap(v, ix, first, last, last, cmp)
                break
            depth -= 1
            cut = _partition_pivot(v, ix, first, last, cmp)
            if top == len(stack):
                stack = np.concatenate((stack, np.empty_like(stack)))
            stack[top, 0], stack[top, 1], stack[top, 2] = cut, last, depth
            top += 1
            last = cut
    if n > _THRESHOLD:  # __final_insertion_sort
        _insertion_sort(v, ix, 0, _THRESHOLD, cmp)
        for i in range(_THRESHOLD, n):
            _linear_insert(v, ix, i, 0, cmp)
    else:
        _insertion_sort(v, ix, 0, n, cmp)


@numba.njit(**_exact)
def std_nth_element(v, ix, nth, cmp):
    first, last = 0, len(v)
    if first == last or nth == last:
        return
    depth = 2 * _lg(last - first)
    while last - first > 3:
        if depth == 0:
            _heap_select(v, ix, first, nth + 1, last, cmp)
            _swap(v, ix, first, nth)
            return
        depth -= 1
        cut = _partition_pivot(v, ix, first, last, cmp)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(v, ix, first, last, cmp)


@numba.njit(**_exact)
def aten_quick_select(v, ix, k):
    """ATen's quick_select_template (kthvalue) with gt_or_nan, the comparator cmp 1."""
    lo, hi = 0, len(v) - 1
    while True:
        if hi <= lo:
            return
        if hi == lo + 1:
            if _less(v[lo], v[hi], 1):
                _swap(v, ix, lo, hi)
            return
        p = lo + (hi - lo) // 2
        _swap(v, ix, p, lo + 1)
        if _less(v[lo + 1], v[hi], 1):
            _swap(v, ix, lo + 1, hi)
        if _less(v[lo], v[hi], 1):
            _swap(v, ix, lo, hi)
        if _less(v[lo + 1], v[lo], 1):
            _swap(v, ix, lo + 1, lo)
        i, j, piv = lo + 1, hi, v[lo]
        while True:
            i += 1
            while _less(piv, v[i], 1):
                i += 1
            j -= 1
            while _less(v[j], piv, 1):
                j -= 1
            if j < i:
                break
            _swap(v, ix, i, j)
        _swap(v, ix, lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1


@numba.njit(**_exact)
def _topk_rows(a, k, cmp, sort, out):
    P, n, Q = a.shape
    v, ix = np.empty(n, a.dtype), np.empty(n, np.int64)  # ATen's queue of (value, position), reused row to row
    for p in range(P):
        for q in range(Q):
            if k * 64 <= n:  # std::partial_sort: a heap of the best k, then the heap sorted
                for i in range(k):
                    v[i], ix[i] = a[p, i, q], i
                _make_heap(v, ix, 0, k, cmp)
                for i in range(k, n):  # __heap_select read from a itself: what it writes past k is never read
                    if _less(a[p, i, q], v[0], cmp):
                        _adjust_heap(v, ix, 0, 0, k, a[p, i, q], i, cmp)
                last = k
                while last > 1:
                    last -= 1
                    _pop_heap(v, ix, 0, last, last, cmp)
            else:  # std::nth_element, then (sorted) std::sort of the k - 1 before the k-th
                for i in range(n):
                    v[i], ix[i] = a[p, i, q], i
                std_nth_element(v, ix, k - 1, cmp)
                if sort:
                    std_sort(v[:k - 1], ix[:k - 1], cmp)
            for j in range(k):
                out[p, j, q] = ix[j]


def topk_positions(a, k, largest, sorted):
    """torch.topk's positions along axis 1 of the (P, n, Q) a (the CPU kernel's order, sorted or not), 0 < k <= n,
    as (P, k, Q) int64."""
    out = np.empty((a.shape[0], k, a.shape[2]), np.int64)
    _topk_rows(np.ascontiguousarray(a), k, 1 if largest else 0, sorted, out)
    return out


@numba.njit(**_exact)
def _sort_rows(a, cmp, out):
    for r in range(a.shape[0]):
        v, ix = a[r].copy(), np.arange(a.shape[1])
        std_sort(v, ix, cmp)
        out[r] = ix


def sort_positions(a, descending):
    """torch's sort(stable=False) order of each row of the 2-D a: the positions, int64."""
    out = np.empty(a.shape, np.int64)
    _sort_rows(np.ascontiguousarray(a), 1 if descending else 0, out)
    return out


@numba.njit(**_exact)
def _mode_rows(a, out):
    n = a.shape[1]
    for r in range(a.shape[0]):
        v, ix = a[r].copy(), np.arange(n)
        std_sort(v, ix, 2)
        freq, best = 0, 0
        for i in range(n):  # the last position of the first longest run, as ATen's mode kernel
            freq += 1
            if i == n - 1 or v[i] != v[i + 1]:
                if freq > best:
                    out[r], best = ix[i], freq
                freq = 0


def mode_positions(a):
    """For each row of the 2-D a (at least one column), where torch.mode's answer sits."""
    out = np.empty(a.shape[0], np.int64)
    _mode_rows(np.ascontiguousarray(a), out)
    return out


@numba.njit(**_exact)
def _select_rows(a, k, out):
    P, n, Q = a.shape
    v, ix = np.empty(n, a.dtype), np.empty(n, np.int64)
    for p in range(P):
        for q in range(Q):
            for i in range(n):
                v[i], ix[i] = a[p, i, q], i
            aten_quick_select(v, ix, k)
            out[p, q] = ix[k]


def select_positions(a, k):
    """For the (P, n, Q) a: where torch.kthvalue's answer (k 0-based) sits along axis 1, as (P, Q) int64."""
    out = np.empty((a.shape[0], a.shape[2]), np.int64)
    _select_rows(np.ascontiguousarray(a), k, out)
    return out


@numba.njit(**_exact)
def _bisect_rows(rows, vals, right, out):
    n = rows.shape[1]
    for r in range(rows.shape[0]):
        for j in range(vals.shape[1]):
            v, lo, hi = vals[r, j], 0, n
            while lo < hi:
                mid = lo + ((hi - lo) >> 1)
                if (rows[r, mid] > v) if right else (rows[r, mid] >= v):
                    hi = mid
                else:
                    lo = mid + 1
            out[r, j] = lo


def bisect_positions(rows, vals, right):
    """torch.searchsorted's binary search (ATen's cus_lower_bound / cus_upper_bound: mid >= v, or mid > v when
    right), for each value of vals' row r in rows[r]: rows (r, n) and vals (r, m) of one dtype, as (r, m) int64.
    Its own comparisons, so NaNs and unsorted boundaries land where torch's do."""
    out = np.empty(vals.shape, np.int64)
    _bisect_rows(np.ascontiguousarray(rows), np.ascontiguousarray(vals), bool(right), out)
    return out
