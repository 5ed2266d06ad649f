"""Sorting, searching and set ops against torch where they had gone wrong: the order torch's own CPU algorithms
leave tied values in (sort(stable=False) and mode past 16 elements; topk's and kthvalue's replays), searchsorted's comparisons around
NaN, and empty / bool / n=0 corners. Ties are forced by drawing from a few values."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.backend.cpu import fused

needs_numba = pytest.mark.skipif(fused() is None, reason="torch's tie order is replayed by the numba kernels")
DTYPES = [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]


def _tied(rng, shape, dtype, nan=False):
    a = rng.integers(0, 3, shape).astype(dtype)
    if nan:
        a[rng.random(shape) < 0.2] = np.nan
    return a


def _eq(ours, theirs):
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, (ours, theirs)
    np.testing.assert_array_equal(ours, theirs)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [17, 40, 300])
def test_sort_unstable_ties_as_torch(dtype, n):
    rng = np.random.default_rng(n)
    x = _tied(rng, (3, n), dtype, nan=dtype in (np.float32, np.float64))
    for desc in (False, True):
        for dim, xx in ((1, x), (0, np.ascontiguousarray(x.T))):  # along the last dim, and along dim 0
            got = tg.as_tensor(xx).sort(dim=dim, descending=desc)
            want = torch.from_numpy(xx).sort(dim=dim, descending=desc)
            _eq(got.indices.numpy(), want.indices.numpy())
            _eq(got.values.numpy(), want.values.numpy())
    _eq(tg.as_tensor(x).argsort(dim=1).numpy(), torch.from_numpy(x).argsort(dim=1).numpy())
    _eq(tg.as_tensor(x).sort(dim=1, stable=True).indices.numpy(), torch.from_numpy(x).sort(dim=1, stable=True).indices.numpy())


def test_sort_expanded_and_radix_paths_stay_stable():
    x = np.random.default_rng(0).integers(0, 3, 40000)  # 1-D integers from 32768 up: torch's radix sort
    _eq(tg.as_tensor(x).sort().indices.numpy(), torch.from_numpy(x).sort().indices.numpy())
    e = tg.as_tensor([[1.0]]).expand(40, 3)  # a stride-0 dim: torch keeps 0, 1, 2, ...
    _eq(e.sort(0).indices.numpy(), torch.ones(1, 1).expand(40, 3).sort(0).indices.numpy())


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8])
def test_topk_kthvalue_ties_as_torch(dtype):
    """topk (sorted or not) and kthvalue pick tied values and NaNs at torch's indices, along any dim."""
    rng = np.random.default_rng(1)
    for n in (5, 17, 100, 1000):
        x = _tied(rng, (2, n), dtype, nan=dtype == np.float32)
        for dim, xx in ((1, x), (0, np.ascontiguousarray(x.T))):
            for k in sorted({1, n // 64 or 1, n // 2 or 1, n}):
                for largest in (True, False):
                    for srt in (True, False):
                        got = tg.as_tensor(xx).topk(k, dim, largest, srt)
                        want = torch.from_numpy(xx).topk(k, dim, largest, srt)
                        _eq(got.indices.numpy(), want.indices.numpy())
                        _eq(got.values.numpy(), want.values.numpy())
                got, want = tg.as_tensor(xx).kthvalue(k, dim), torch.from_numpy(xx).kthvalue(k, dim)
                _eq(got.indices.numpy(), want.indices.numpy())
                _eq(got.values.numpy(), want.values.numpy())


@needs_numba
def test_topk_kthvalue_big_and_sampling_sized_as_torch():
    rng = np.random.default_rng(4)
    v = rng.integers(0, 50, 200_000).astype(np.float32)  # ties everywhere, both of topk's algorithms
    for k in (10, 100_000):
        _eq(tg.as_tensor(v).topk(k).indices.numpy(), torch.from_numpy(v).topk(k).indices.numpy())
    _eq(tg.as_tensor(v).kthvalue(777).indices.numpy(), torch.from_numpy(v).kthvalue(777).indices.numpy())
    logits = np.round(rng.standard_normal((1, 65)), 1).astype(np.float32)  # GPT sampling's topk, with ties
    for k in (1, 10, 65):
        _eq(tg.as_tensor(logits).topk(k).indices.numpy(), torch.from_numpy(logits).topk(k).indices.numpy())
    h = rng.integers(0, 3, (3, 40)).astype(np.float16)
    _eq(tg.as_tensor(h).topk(7, 1).indices.numpy(), torch.from_numpy(h).topk(7, 1).indices.numpy())


def test_bincount_empty_with_weights_is_int64_zeros():
    for wd in (np.float32, np.float64, np.int32):
        got = tg.bincount(tg.tensor(np.zeros(0, np.int64)), tg.tensor(np.zeros(0, wd)), minlength=3)
        want = torch.bincount(torch.zeros(0, dtype=torch.int64), torch.from_numpy(np.zeros(0, wd)), minlength=3)
        _eq(got.numpy(), want.numpy())


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int16])
def test_mode_tie_index_as_torch(dtype):
    rng = np.random.default_rng(2)
    for n in (5, 17, 64, 500):
        x = _tied(rng, (4, n), dtype, nan=dtype == np.float64)
        got, want = tg.as_tensor(x).mode(1), torch.from_numpy(x).mode(1)
        _eq(got.indices.numpy(), want.indices.numpy())
        _eq(got.values.numpy(), want.values.numpy())
        # median(dim) and nanmedian(dim) pick the stable sort's tie in torch: they must not follow sort's new order
        _eq(tg.as_tensor(x).median(1).indices.numpy(), torch.from_numpy(x).median(1).indices.numpy())
        _eq(tg.as_tensor(x).nanmedian(1).indices.numpy(), torch.from_numpy(x).nanmedian(1).indices.numpy())
    w = rng.standard_normal(4).astype(np.float32)  # mode's gradient lands on the tied element torch picked
    x = _tied(rng, (4, 40), np.float32)
    xt, xg = torch.from_numpy(x).requires_grad_(), tg.tensor(x, requires_grad=True)
    (xt.mode(1).values * torch.from_numpy(w)).sum().backward()
    (xg.mode(1).values * tg.as_tensor(w)).sum().backward()
    _eq(xg.grad.numpy(), xt.grad.numpy())


def test_searchsorted_nan_follows_torch_comparisons():
    rng = np.random.default_rng(3)
    pool = np.array([np.nan, -np.inf, np.inf, 0.0, 1.0, 2.0], np.float32)
    for trial in range(200):
        b = rng.choice(pool, int(rng.integers(0, 8)))
        b = np.sort(b) if trial % 2 else b
        v = rng.choice(np.append(pool, 0.5).astype(np.float32), 5)
        for side in ("left", "right"):
            want = torch.searchsorted(torch.from_numpy(b), torch.from_numpy(v), side=side)
            _eq(tg.searchsorted(tg.as_tensor(b), tg.as_tensor(v), side=side).numpy(), want.numpy())
    b = np.array([-np.inf, -1.0, 2.5, np.nan], np.float32)  # torch: inf and NaN go past the NaN boundary
    _eq(tg.bucketize(tg.as_tensor([np.inf, np.nan]), tg.as_tensor(b)).numpy(),
        torch.bucketize(torch.tensor([np.inf, np.nan]), torch.from_numpy(b)).numpy())


def test_searchsorted_empty_and_bool():
    for seq, vals in (((4, 4), (4, 0)), ((0, 4), (0, 4)), ((2, 3, 0), (2, 3, 2))):
        s, v = np.zeros(seq, np.float32), np.zeros(vals, np.float32)
        _eq(tg.searchsorted(tg.as_tensor(s), tg.as_tensor(v)).numpy(), torch.searchsorted(torch.from_numpy(s), torch.from_numpy(v)).numpy())
    bt, bg = torch.tensor([False, True]), tg.tensor([False, True])
    _eq(tg.searchsorted(bg, 1).numpy(), torch.searchsorted(bt, 1).numpy())
    _eq(tg.searchsorted(tg.as_tensor([1.0, 2.0]), tg.tensor([True])).numpy(),
        torch.searchsorted(torch.tensor([1.0, 2.0]), torch.tensor([True])).numpy())
    with pytest.raises(NotImplementedError):
        tg.searchsorted(bg, tg.tensor([True]))


def test_unique_consecutive_dim_empty():
    for shape, dim in (((0,), 0), ((4, 0), 1)):
        want = torch.unique_consecutive(torch.zeros(shape), dim=dim, return_inverse=True, return_counts=True)
        got = tg.unique_consecutive(tg.zeros(shape), dim=dim, return_inverse=True, return_counts=True)
        for g, w in zip(got, want):
            _eq(g.numpy(), w.numpy())
    with pytest.raises(RuntimeError):
        tg.unique_consecutive(tg.zeros(4, 0), dim=0)


def test_error_types_and_corners_as_torch():
    with pytest.raises(IndexError):  # an empty dim: torch's IndexError whatever k
        tg.zeros(4, 0).kthvalue(1, 1)
    with pytest.raises(RuntimeError):
        tg.tensor([True, False]).topk(1)
    k = tg.tensor(True).kthvalue(1)
    assert k.values.item() is True and k.indices.item() == 0
    with pytest.raises(RuntimeError):
        tg.isin(tg.tensor([True, False]), tg.tensor([True]))
    x, p = np.arange(5.0, dtype=np.float32), np.array([1.0, 2.0], np.float32)  # n=0: the input, prepend unused
    _eq(tg.diff(tg.as_tensor(x), n=0, prepend=tg.as_tensor(p), append=tg.as_tensor(p)).numpy(),
        torch.diff(torch.from_numpy(x), n=0, prepend=torch.from_numpy(p), append=torch.from_numpy(p)).numpy())


# ---- the fast routes (numpy where it provably agrees, the replay only for rows with ties) give torch's answers ----
def _mixed_rows(rng, rows, n, dtype):
    """Rows of every kind the fast routes tell apart: distinct values, a few ties, all equal, and (floats) NaN /
    inf / -0.0 / 0.0 mixes, one NaN (no tie) or several."""
    out = np.empty((rows, n), np.float64)
    for r in range(rows):
        kind = r % 6
        row = rng.permutation(n) - n // 2.0 + (0.25 if dtype != np.int64 else 0)
        if kind == 1:
            row[rng.integers(0, n, 3)] = row[0]  # a few ties
        elif kind == 2:
            row[:] = row[0]
        elif kind in (3, 4) and dtype != np.int64:
            row[rng.integers(0, n, 1 if kind == 3 else 3)] = np.nan  # one NaN: no tie; three: tied
            row[1], row[2] = np.inf, -np.inf
        elif kind == 5 and dtype != np.int64:
            row[3], row[4] = 0.0, -0.0  # equal to each other: a tie
        out[r] = row
    return out.astype(dtype)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.float16])
def test_sort_unstable_fast_route_as_torch(dtype):
    rng = np.random.default_rng(5)
    x = _mixed_rows(rng, 60, 50, dtype)  # 3000 elements: past the size where the numpy route starts
    for desc in (False, True):
        for dim, xx in ((1, x), (0, np.ascontiguousarray(x.T)), (0, x.T)):
            got = tg.as_tensor(xx).sort(dim=dim, descending=desc)
            want = torch.from_numpy(np.ascontiguousarray(xx)).sort(dim=dim, descending=desc)
            _eq(got.indices.numpy(), want.indices.numpy())
            _eq(got.values.numpy(), want.values.numpy())
        t = np.concatenate((_tied(rng, (20, 50), dtype), x[:20]))  # the first rows all tied, the rest mixed
        _eq(tg.as_tensor(t).sort(descending=desc).indices.numpy(), torch.from_numpy(t).sort(descending=desc).indices.numpy())
        for v in (x.reshape(-1), rng.permutation(3000).astype(dtype), x[:8].reshape(-1)):  # 1-D
            _eq(tg.as_tensor(v).sort(descending=desc).indices.numpy(),
                torch.from_numpy(v).sort(descending=desc).indices.numpy())
    for shape in ((0,), (3, 0), (0, 40)):  # empty, and 0-d
        e = np.zeros(shape, dtype)
        _eq(tg.as_tensor(e).sort().indices.numpy(), torch.from_numpy(e).sort().indices.numpy())
    _eq(tg.tensor(np.array(2, dtype)).sort().indices.numpy(), torch.tensor(np.array(2, dtype)).sort().indices.numpy())


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.float64])
def test_mode_fast_route_as_torch(dtype):
    rng = np.random.default_rng(6)
    x = _mixed_rows(rng, 60, 40, dtype)
    for dim, xx in ((1, x), (0, np.ascontiguousarray(x.T))):
        got, want = tg.as_tensor(xx).mode(dim), torch.from_numpy(xx).mode(dim)
        _eq(got.indices.numpy(), want.indices.numpy())
        _eq(got.values.numpy(), want.values.numpy())
    col = rng.permutation(2000).reshape(2000, 1).astype(dtype)  # n = 1
    _eq(tg.as_tensor(col).mode(1).indices.numpy(), torch.from_numpy(col).mode(1).indices.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.float16, np.float64])
def test_searchsorted_fast_routes_as_torch(dtype):
    """Sorted boundaries without NaN go to np.searchsorted (1-D) or the numba bisection (rows); the rest keep
    torch's comparisons. Values: NaN, inf, -0.0 against 0.0, the boundaries themselves."""
    rng = np.random.default_rng(7)
    special = [np.nan, np.inf, -np.inf, 0.0, -0.0] if dtype != np.int64 else [0, -5, 5]
    for trial in range(60):
        n = int(rng.integers(1, 30))
        b = np.sort(rng.integers(-4, 5, (3, n)), axis=-1).astype(np.float64)  # with repeats
        if dtype != np.int64:
            b[:, rng.integers(0, n)] = rng.choice([0.0, -0.0])
            if trial % 3 == 1:
                b[0, -1] = np.inf
            if trial % 5 == 2:
                b[1, 0] = np.nan
            if trial % 7 == 3:
                b = b[:, ::-1]  # unsorted
        b = np.ascontiguousarray(b).astype(dtype)
        v = np.concatenate((rng.integers(-6, 7, (3, 6)).astype(np.float64), np.array([special] * 3)), 1).astype(dtype)
        for side in ("left", "right"):
            for bb, vv in ((b[0], v.reshape(-1)), (b, v), (b[0], v[0, 0])):
                want = torch.searchsorted(torch.from_numpy(bb), torch.from_numpy(np.asarray(vv)), side=side)
                got = tg.searchsorted(tg.as_tensor(bb), tg.as_tensor(np.asarray(vv)), side=side)
                _eq(got.numpy(), want.numpy())
            perm = np.argsort(b, axis=-1, kind="stable")  # sorter=
            want = torch.searchsorted(torch.from_numpy(b), torch.from_numpy(v), side=side, sorter=torch.from_numpy(perm))
            _eq(tg.searchsorted(tg.as_tensor(b), tg.as_tensor(v), side=side, sorter=tg.tensor(perm)).numpy(), want.numpy())
        want = torch.bucketize(torch.from_numpy(v), torch.from_numpy(b[2]), right=bool(trial % 2))
        _eq(tg.bucketize(tg.as_tensor(v), tg.as_tensor(b[2]), right=bool(trial % 2)).numpy(), want.numpy())
    if dtype != np.int64:  # one NaN boundary: "sorted" to any pairwise test, yet every value goes past it
        one = np.array([np.nan], dtype)
        _eq(tg.searchsorted(tg.as_tensor(one), tg.as_tensor(v[0])).numpy(),
            torch.searchsorted(torch.from_numpy(one), torch.from_numpy(v[0])).numpy())
    bi = np.array([-3, 0, 2, 2, 9], np.int64)  # int boundaries, float values (a common dtype), and a Python scalar
    vf = np.array([-0.0, 2.0, 2.5, np.nan, np.inf], np.float32)
    _eq(tg.searchsorted(tg.tensor(bi), tg.as_tensor(vf)).numpy(), torch.searchsorted(torch.from_numpy(bi), torch.from_numpy(vf)).numpy())
    _eq(tg.searchsorted(tg.tensor(bi), 2, right=True).numpy(), torch.searchsorted(torch.from_numpy(bi), 2, right=True).numpy())
    bu = np.array([[0, 3, 3, 200], [1, 2, 250, 255]], np.uint8)  # unsigned boundaries with signed values, by rows
    vi = np.array([[-1, 3, 300, 255], [0, 2, 3, 256]], np.int64)
    for side in ("left", "right"):
        _eq(tg.searchsorted(tg.tensor(bu), tg.tensor(vi), side=side).numpy(),
            torch.searchsorted(torch.from_numpy(bu), torch.from_numpy(vi), side=side).numpy())
        _eq(tg.searchsorted(tg.tensor(bu[1]), tg.tensor(vi), side=side).numpy(),
            torch.searchsorted(torch.from_numpy(bu[1]), torch.from_numpy(vi), side=side).numpy())


def test_bfloat16_with_nan_sorts_and_searches_as_torch():
    # numpy's bfloat16 comparisons put NaN anywhere: sort came back unsorted, topk crashed, searchsorted misplaced
    # the values after a NaN query
    nan = float("nan")
    d = [[0.5, nan, -1, 2, nan, 0.25, 2, 0.5]]
    got, want = tg.tensor(d, dtype=tg.bfloat16), torch.tensor(d, dtype=torch.bfloat16)
    for f in (lambda x: x.sort().indices, lambda x: x.sort(descending=True).indices, lambda x: x.topk(3).indices,
              lambda x: x.kthvalue(3).indices, lambda x: x.median(1).indices, lambda x: x.mode(1).indices,
              lambda x: x.argsort(stable=True)):
        assert f(got).tolist() == f(want).tolist()
    assert got.sort().values.float().isnan().tolist() == want.sort().values.float().isnan().tolist()
    b, q = [1.0, 2.0, 3.0], [nan, 0.5, 2.5]
    for right in (False, True):
        assert tg.searchsorted(tg.tensor(b, dtype=tg.bfloat16), tg.tensor(q, dtype=tg.bfloat16), right=right
                               ).tolist() == torch.searchsorted(torch.tensor(b, dtype=torch.bfloat16),
                                                                torch.tensor(q, dtype=torch.bfloat16), right=right).tolist()
