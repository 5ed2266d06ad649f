"""The fast paths of the indexing and order-statistic ops, against torch (the `kernels` fixture runs each test with
the numba kernels of backend/_numba_index on and off): index_add and embedding_bag's sum/mean (one row scatter, no
index grid), the gradient of x[:, ids] / index_select / the reflect, replicate and circular pads (a scatter-add
along one dim), gather both ways, topk (a one-pass selection instead of a full sort), kthvalue and median
(a partition), cummax and cummin (a numba scan) and one_hot. Ties and NaNs follow the rules the full sorts gave:
a stable sort, NaN the largest. (The timings are in backend/_numba_index.py's docstring.)"""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck, gradgradcheck
from helpers import compare, compare_double, rand, to_np


def _ids(n, size, seed, low=0):
    return np.random.default_rng(seed).integers(low, n, size).astype(np.int64)


# ---- index_add: a scatter of whole slices ------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_index_add_matches_torch(dim, layout, kernels):
    shape = (5, 6, 7)
    d = dim % 3
    ids = _ids(shape[d], 11, 1)  # more ids than places: repeats accumulate
    src_shape = shape[:d] + (11,) + shape[d + 1:]
    compare(lambda L, x, i, s: x.index_add(dim, i, s, alpha=1.5), [rand(shape, 1), ids, rand(src_shape, 2)],
            layout=layout)


def test_index_add_int_and_float64():
    ids = np.array([2, 0, 2, 2])
    for dtype in (np.int64, np.int32, np.float64):
        x, s = rand((3, 4), 3, dtype, -5, 5), rand((3, 4), 4, dtype, -5, 5)
        got = tg.tensor(x).index_add(1, tg.tensor(ids), tg.tensor(s))
        want = torch.from_numpy(x).index_add(1, torch.from_numpy(ids), torch.from_numpy(s))
        assert got.dtype == x.dtype
        np.testing.assert_allclose(to_np(got), want.numpy(), rtol=1e-12)  # exact for ints; repeats sum first


def test_index_add_gradcheck_and_double_backward():
    ids = tg.tensor(np.array([1, 3, 1, 0, 1]))
    x = tg.tensor(rand((4, 5, 2), 5, np.float64), requires_grad=True)
    s = tg.tensor(rand((4, 5, 2), 6, np.float64), requires_grad=True)
    assert gradcheck(lambda x, s: x.index_add(1, ids, s, alpha=2.0) ** 2, [x, s])
    compare_double(lambda L, x, i, s: x.index_add(0, i, s) * x, [rand((4, 3), 7), np.array([3, 3, 0]), rand((3, 3), 8)])


# ---- embedding_bag: sum and mean straight from the table ----------------------------------------------------------
@pytest.mark.parametrize("mode", ["sum", "mean"])
@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("padding_idx", [None, 3])
def test_embedding_bag_sum_mean_matches_torch(mode, layout, padding_idx, kernels):
    ids = _ids(20, 60, 9)  # 60 ids into 20 rows: every row repeated
    offsets = np.array([0, 5, 5, 17, 40])  # an empty bag
    fn = lambda L, w, i, o: L.nn.functional.embedding_bag(i, w, o, mode=mode, padding_idx=padding_idx)
    compare(fn, [rand((20, 8), 10), ids, offsets], layout=layout)
    fn2 = lambda L, w, i: L.nn.functional.embedding_bag(i, w, mode=mode)
    compare(fn2, [rand((20, 8), 11), ids.reshape(12, 5)], layout=layout)


def test_embedding_bag_sum_gradcheck_and_double_backward():
    i, o = tg.tensor([0, 4, 2, 2, 1, 3, 0]), tg.tensor([0, 2, 2, 5])
    w = tg.tensor(rand((5, 3), 12, np.float64), requires_grad=True)
    F = tg.nn.functional
    assert gradcheck(lambda w: F.embedding_bag(i, w, o, mode="sum") ** 2 + F.embedding_bag(i, w, o, mode="mean"), [w])
    assert gradgradcheck(lambda w: F.embedding_bag(i, w, o, mode="sum") ** 2, [w])  # torch has no double backward


# ---- x[:, ids]: a scatter-add along one dim ----------------------------------------------------------------------
INDEXES = {"dim1": lambda i: (slice(None), i), "last": lambda i: (Ellipsis, i),
           "middle": lambda i: (slice(None), i, ...), "first": lambda i: (i, ...),
           "2d_ids": lambda i: (slice(None), i.reshape(3, -1))}


@pytest.mark.parametrize("which", list(INDEXES))
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_getitem_one_array_dim_matches_torch(which, layout, kernels):
    ids = np.array([3, -1, 0, 3, 3, 2])  # repeats and a negative index
    compare(lambda L, x, i: x[INDEXES[which](i)] * 2, [rand((4, 5, 6), 14), ids], layout=layout)


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_index_select_gradcheck(dim):
    ids = tg.tensor(np.array([1, 0, 1, 2, 1]))
    x = tg.tensor(rand((3, 4, 5), 15, np.float64), requires_grad=True)
    assert gradcheck(lambda x: x.index_select(dim, ids) ** 2, [x])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(2, 2), (2, 1, 1, 2), (1, 2, 2, 1, 1, 1)])
def test_pads_match_torch(mode, pad, kernels):
    shape = (2, 3, 5, 6, 7)[-(len(pad) // 2 + 2):]
    compare(lambda L, x: L.nn.functional.pad(x, pad, mode=mode), [rand(shape, 16)])
    compare(lambda L, x: L.nn.functional.pad(x, pad, mode=mode), [rand(shape, 17)], layout="T")


# ---- gather both ways --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_gather_matches_torch(dim, layout, kernels):
    shape = (4, 5, 6)
    ishape = tuple(3 if i != dim else 8 for i in range(3))  # smaller elsewhere, longer (repeats) along dim
    compare(lambda L, x, i: x.gather(dim, i), [rand(shape, 18), _ids(shape[dim], ishape, 19)], layout=layout)


# ---- topk, kthvalue, median: the full sort's answers without the full sort ----------------------------------------
def _with_ties_and_nans(shape, seed, dtype=np.float32, nans=True):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, shape).astype(dtype)  # many ties
    if nans:
        a[rng.random(shape) < 0.15] = np.nan
    return a


def _stable_topk(a, k, dim, largest):
    """The rule the full sort gave: a stable sort (ties in index order), NaN the largest, the first k."""
    if largest:
        n = a.shape[dim]
        order = n - 1 - np.flip(np.argsort(np.flip(a, dim), axis=dim, kind="stable"), dim)
    else:
        order = np.argsort(a, axis=dim, kind="stable")
    return np.take(order, np.arange(k), axis=dim)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_topk_ties_and_nans_follow_the_stable_sort(dtype, largest, dim, kernels, request):
    """With numba: torch's indices (its kernel's tie order, replayed); without: the stable sort's."""
    numba_on = request.node.callspec.params["kernels"]
    a = _with_ties_and_nans((6, 9, 7), 20, dtype, nans=dtype in (np.float32, np.float64))
    for k in (1, 3, a.shape[dim] - 1, a.shape[dim]):
        got = tg.tensor(a).topk(k, dim, largest=largest)
        ref = torch.from_numpy(a).topk(k, dim, largest=largest)
        want = ref.indices.numpy() if numba_on else _stable_topk(a, k, dim, largest)
        np.testing.assert_array_equal(to_np(got.indices), want)
        np.testing.assert_array_equal(to_np(got.values), ref.values.numpy())


def test_topk_sorted_input_and_sorted_false(kernels, request):
    """sorted=False: torch's own (unsorted) order with numba, the stable sort's without."""
    numba_on = request.node.callspec.params["kernels"]
    a = np.sort(rand((5, 40), 21), axis=1)  # every element beats the held ones: the kernel's slow case
    for largest in (True, False):
        for sorted_ in (True, False):
            got = tg.tensor(a).topk(7, 1, largest=largest, sorted=sorted_)
            want = torch.from_numpy(a).topk(7, 1, largest=largest, sorted=sorted_).indices.numpy() if numba_on \
                else _stable_topk(a, 7, 1, largest)
            np.testing.assert_array_equal(to_np(got.indices), want)


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_topk_matches_torch_with_gradient(dim, layout, kernels):
    compare(lambda L, x: x.topk(4, dim), [rand((30, 40), 22)], layout=layout)
    compare(lambda L, x: x.topk(3, dim, largest=False), [rand((30, 40), 23)], layout=layout)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_kthvalue_and_median_ties_and_nans(dtype, dim, kernels, request):
    """kthvalue: torch's indices with numba (ATen's quick_select replayed), the stable sort's without."""
    numba_on = request.node.callspec.params["kernels"]
    a = _with_ties_and_nans((5, 8, 6), 24, dtype, nans=dtype != np.int64)
    stable = np.argsort(a, axis=dim, kind="stable")  # the rule without numba
    for k in range(a.shape[dim]):
        got = tg.tensor(a).kthvalue(k + 1, dim)
        want = torch.from_numpy(a).kthvalue(k + 1, dim).indices.numpy() if numba_on else np.take(stable, k, axis=dim)
        np.testing.assert_array_equal(to_np(got.indices), want)
        np.testing.assert_array_equal(to_np(got.values), torch.from_numpy(a).kthvalue(k + 1, dim).values.numpy())
    got, want = tg.tensor(a).median(dim), torch.from_numpy(a).median(dim)
    np.testing.assert_array_equal(to_np(got.values), want.values.numpy())
    np.testing.assert_array_equal(to_np(got.indices), want.indices.numpy())


@pytest.mark.parametrize("layout", ["contig", "T"])
def test_kthvalue_median_match_torch_with_gradient(layout):
    compare(lambda L, x: x.kthvalue(5, 1), [rand((20, 31), 25)], layout=layout)
    compare(lambda L, x: x.median(0, keepdim=True), [rand((31, 20), 26)], layout=layout)


# ---- cummax, cummin ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32])
@pytest.mark.parametrize("op", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_cummax_cummin_ties_and_nans_match_torch(dtype, op, dim, kernels):
    a = _with_ties_and_nans((4, 7, 5), 27, dtype, nans=dtype in (np.float32, np.float64))
    got, want = getattr(tg.tensor(a), op)(dim), getattr(torch.from_numpy(a), op)(dim)
    np.testing.assert_array_equal(to_np(got.values), want.values.numpy())
    np.testing.assert_array_equal(to_np(got.indices), want.indices.numpy())


@pytest.mark.parametrize("op", ["cummax", "cummin"])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_cummax_cummin_gradient(op, layout, kernels):
    compare(lambda L, x: getattr(x, op)(1), [rand((6, 30), 28)], layout=layout)
    x = tg.tensor(rand((4, 6), 29, np.float64), requires_grad=True)
    assert gradcheck(lambda x: getattr(x, op)(0).values ** 2, [x])


# ---- one_hot -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(50,), (3, 4), (), (2, 0, 3)])
def test_one_hot_matches_torch(shape):
    a = _ids(7, shape, 30).astype(np.int64)
    got = tg.nn.functional.one_hot(tg.tensor(a), 7)
    want = torch.nn.functional.one_hot(torch.from_numpy(a), 7)
    assert got.dtype == np.int64 and got.shape == tuple(want.shape)
    np.testing.assert_array_equal(to_np(got), want.numpy())


@pytest.mark.parametrize("dtype", [np.int32, np.uint8])
def test_one_hot_takes_int64_only_as_torch(dtype):
    a = _ids(7, (5,), 31).astype(dtype)
    with pytest.raises(RuntimeError, match="only applicable to index tensor of type LongTensor"):
        torch.nn.functional.one_hot(torch.from_numpy(a), 7)
    with pytest.raises(RuntimeError, match="one_hot: is only applicable to index tensor of type LongTensor"):
        tg.nn.functional.one_hot(tg.tensor(a), 7)
