"""Which k positions torch.topk picks on the CPU, ties included (for torch.nn.utils.prune's masks).

torch's CPU topk puts (value, index) pairs in a vector and runs std::partial_sort on it when k * 64 <= n, else
std::nth_element, comparing values only. Among equal values the winners therefore depend on how those
libstdc++ algorithms move elements, not on index order. When the k-th value has no ties across the cut, any
selection gives the same set (numpy, fast); otherwise the libstdc++ steps are replayed here on integer ranks
(pure Python, so only for that case).
"""
import numpy as np


def topk_positions(values, k, largest):
    """The set of positions (a sorted int64 array) that torch.topk(values, k, largest=largest) returns for a 1-D
    host array; NaN counts as the largest value, as in torch."""
    n = values.shape[0]
    if k == 0:
        return np.zeros(0, np.int64)
    if k >= n:
        return np.arange(n, dtype=np.int64)
    keys = _ranks(values)
    if largest:
        keys = -keys
    cut = np.partition(keys, k - 1)[k - 1]
    below = keys < cut
    if np.count_nonzero(below) + np.count_nonzero(keys == cut) == k:  # no tie straddles the cut
        return np.flatnonzero(keys <= cut).astype(np.int64)
    pairs = [(int(r), i) for i, r in enumerate(keys)]
    if k * 64 <= n:
        _heap_select(pairs, 0, k, n)
    else:
        _introselect(pairs, 0, k - 1, n, 2 * (n.bit_length() - 1))
    return np.sort(np.array([i for _, i in pairs[:k]], dtype=np.int64))


def _ranks(values):
    """Dense integer ranks: equal values share a rank, NaNs share the largest (torch's comparator: NaN on top)."""
    nan = np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
    ranks = np.zeros(values.shape, np.int64)
    if (~nan).any():
        ranks[~nan] = np.unique(values[~nan], return_inverse=True)[1].reshape(-1)
    ranks[nan] = ranks.max() + 1 if (~nan).any() else 0
    return ranks


# libstdc++'s algorithms (bits/stl_heap.h, bits/stl_algo.h), on a list of (rank, index) compared by rank only.
def _adjust_heap(a, first, hole, length, value):
    top, child = hole, hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if a[first + child][0] < a[first + child - 1][0]:
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and a[first + parent][0] < value[0]:
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value


def _heap_select(a, first, middle, last):
    """std::__heap_select: a max-heap of [first, middle) that swaps in every later element below its top."""
    length = middle - first
    if length >= 2:
        for parent in range((length - 2) // 2, -1, -1):
            _adjust_heap(a, first, parent, length, a[first + parent])
    for i in range(middle, last):
        if a[i][0] < a[first][0]:
            value = a[i]
            a[i] = a[first]
            _adjust_heap(a, first, 0, length, value)


def _introselect(a, first, nth, last, depth):
    """std::nth_element: median-of-three quickselect, heap select past the depth limit, insertion sort at <= 3."""
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _partition_pivot(a, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last)


def _partition_pivot(a, first, last):
    mid = first + (last - first) // 2
    x, y, z = first + 1, mid, last - 1  # __move_median_to_first
    if a[x][0] < a[y][0]:
        m = y if a[y][0] < a[z][0] else (z if a[x][0] < a[z][0] else x)
    else:
        m = x if a[x][0] < a[z][0] else (z if a[y][0] < a[z][0] else y)
    a[first], a[m] = a[m], a[first]
    pivot = a[first][0]
    lo, hi = first + 1, last  # __unguarded_partition
    while True:
        while a[lo][0] < pivot:
            lo += 1
        hi -= 1
        while pivot < a[hi][0]:
            hi -= 1
        if not lo < hi:
            return lo
        a[lo], a[hi] = a[hi], a[lo]
        lo += 1


def _insertion_sort(a, first, last):
    for i in range(first + 1, last):
        value = a[i]
        if value[0] < a[first][0]:
            a[first + 1:i + 1] = a[first:i]
            a[first] = value
        else:
            j = i
            while value[0] < a[j - 1][0]:
                a[j] = a[j - 1]
                j -= 1
            a[j] = value
