"""Indexing and movement ops diffed against PyTorch: index expressions drawn at random (ints, slices, None,
Ellipsis, masks, int lists, long tensors, 0-d tensors, advanced indices adjacent or split by a slice) and the
regressions the sweep found. Forward, backward, dtypes and view-vs-copy are compared through helpers.compare."""
import random

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad import tensor_sort as TS, tensor_join as TJ
from helpers import compare, rand, to_np


def _both_raise(fn, *arrays):
    """torch raises on these inputs, so teenygrad must too (never a silent result)."""
    with pytest.raises(Exception):
        fn(torch, *[torch.from_numpy(a.copy()) for a in arrays])
    with pytest.raises((RuntimeError, IndexError, ValueError, TypeError)):
        fn(tg, *[tg.tensor(a) for a in arrays])


def _long(L, v):
    return L.tensor(np.asarray(v, dtype=np.int64))


# ---- random index expressions ------------------------------------------------------------------------------
def _random_index(shape, rnd, rng):
    """A random index for a tensor of `shape`, as parts to build in either library (see _build)."""
    parts, dim, ell = [], 0, False
    for _ in range(rnd.randint(1, 4)):
        if dim >= len(shape):
            break
        n, c = shape[dim], rnd.random()
        if c < 0.15:
            parts.append(rnd.randint(-n, n - 1))
        elif c < 0.35:
            bound = lambda: rnd.choice([None, rnd.randint(-n - 1, n + 1)])  # noqa: E731
            parts.append(slice(bound(), bound(), rnd.choice([None, 1, 2, 3])))
        elif c < 0.42:
            parts.append(None)
            continue
        elif c < 0.48 and not ell:
            parts.append(Ellipsis)
            ell, dim = True, len(shape) - rnd.randint(0, 1)
            continue
        elif c < 0.58:
            m = rnd.randint(1, min(2, len(shape) - dim))
            parts.append(("mask", rng.random(shape[dim:dim + m]) < 0.5))
            dim += m
            continue
        elif c < 0.7:
            parts.append([rnd.randint(-n, n - 1) for _ in range(rnd.randint(0, 3))])
        elif c < 0.9:
            parts.append(("long", rng.integers(-n, n, rnd.choice([(3,), (2, 2), (1,), (2, 1), (1, 3)]))))
        else:
            parts.append(("0d", rnd.randint(-n, n - 1)))
        dim += 1
    return parts


def _build(parts, L):
    out = []
    for p in parts:
        if isinstance(p, tuple):
            out.append(L.tensor(np.asarray(p[1], dtype=np.int64 if p[0] != "mask" else np.bool_)))
        else:
            out.append(p)
    return tuple(out)


def _draw(seed):
    rnd, rng = random.Random(seed), np.random.default_rng(seed)
    shape = tuple(rnd.randint(1, 4) for _ in range(rnd.randint(1, 4)))
    return shape, _random_index(shape, rnd, rng), rnd


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("chunk", range(4))
def test_random_getitem_matches_torch(chunk, layout):
    for seed in range(chunk * 100, chunk * 100 + 100):
        shape, parts, _ = _draw(seed)
        try:
            torch.zeros(shape)[_build(parts, torch)]
        except (IndexError, RuntimeError):
            with pytest.raises(IndexError):
                tg.zeros(*shape)[_build(parts, tg)]
            continue
        compare(lambda L, x: x[_build(parts, L)], [rand(shape, seed)], layout=layout, seed=seed)


@pytest.mark.parametrize("chunk", range(4))
def test_random_setitem_matches_torch(chunk):
    """Values: Python scalars, floats into int tensors, 0-d tensors, broadcastable and leading-1 shapes, other
    dtypes (torch casts through basic indices and refuses through array ones); duplicate places are skipped."""
    for seed in range(chunk * 100, chunk * 100 + 100):
        shape, parts, rnd = _draw(seed)
        try:
            place = torch.arange(int(np.prod(shape))).reshape(shape)[_build(parts, torch)]
        except (IndexError, RuntimeError):
            continue
        if place.numel() != place.unique().numel():  # which duplicate write wins is unspecified
            continue
        dtype = rnd.choice([np.float32, np.int64])
        x0, rng = rand(shape, seed, dtype, -5, 5), np.random.default_rng(seed)
        kind = rnd.choice(["int", "float", "0d", "full", "bcast", "lead1", "float64"])
        vshape = list(place.shape)
        if kind == "bcast" and vshape:
            vshape[rnd.randrange(len(vshape))] = 1
            vshape = vshape[rnd.randrange(len(vshape) + 1):]
        if kind == "lead1":
            vshape = [1] + vshape
        v = rng.standard_normal(vshape) * 3
        results = []
        for L in (torch, tg):
            x = L.tensor(x0.copy())
            value = {"int": int(v.flat[0]) if v.size else 1, "float": float(v.flat[0]) if v.size else 0.5,
                     "0d": L.tensor(np.float32(v.flat[0] if v.size else 1.5))}.get(kind)
            if value is None:
                value = L.tensor(v.astype(np.float64 if kind == "float64" else np.float32 if kind != "full" else dtype))
            try:
                x[_build(parts, L)] = value
                results.append(x)
            except (IndexError, RuntimeError) as e:
                results.append(e)
        if isinstance(results[0], Exception):
            assert isinstance(results[1], Exception), f"seed {seed}: torch raised {results[0]}, teenygrad didn't"
        else:
            assert not isinstance(results[1], Exception), f"seed {seed}: {results[1]}"
            assert results[1].dtype == x0.dtype
            np.testing.assert_allclose(to_np(results[1]), to_np(results[0]), atol=1e-6, err_msg=f"seed {seed}")


@pytest.mark.parametrize("index", ["ids", "ids2", "mask_ids"])
def test_setitem_other_dtype_through_array_index_raises(index):
    idx = {"ids": lambda L: _long(L, [0, 2]), "ids2": lambda L: (0, [1, 2]),
           "mask_ids": lambda L: (L.tensor([True, False, True]), [1, 2])}[index]

    def fn(L, x, v):
        x[idx(L)] = v
    _both_raise(fn, np.zeros((3, 4), np.int64), np.array(1.5, np.float32))
    _both_raise(fn, np.zeros((3, 4), np.float32), np.array([1.0, 2.0]))  # float64 into float32


@pytest.mark.parametrize("index", ["mask", "slice", "int"])
def test_setitem_other_dtype_through_mask_or_basic_index_casts(index):
    idx = {"mask": lambda L: L.tensor([True, False, True]), "slice": lambda L: slice(0, 2),
           "int": lambda L: 1}[index]
    out = []
    for L in (torch, tg):
        x = L.tensor(np.zeros((3, 4), np.int64))
        x[idx(L)] = L.tensor(np.float32(2.7))
        out.append(to_np(x))
    np.testing.assert_array_equal(out[1], out[0])


# ---- fill, gather, scatter ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [2.7, -1.7, 300, "t0d"])
def test_masked_fill_index_fill_cast_float_values_into_int(value):
    mask = rand((4, 5), 1, np.bool_)
    v = (lambda L: L.tensor(2.5)) if value == "t0d" else (lambda L: value)
    compare(lambda L, x, m: x.masked_fill(m, v(L)), [rand((4, 5), 0, np.int64, -5, 5), mask])
    compare(lambda L, x, i: x.index_fill(1, i, v(L)), [rand((4, 5), 0, np.int64, -5, 5), np.array([0, 3])])


def test_masked_fill_of_non_finite_into_int_raises():
    _both_raise(lambda L, x, m: x.masked_fill(m, float("nan")), np.zeros((2, 2), np.int64), np.eye(2, dtype=bool))


def test_masked_fill_value_tensor_gets_its_gradient():
    arrays = [rand((4, 5)), rand((4, 5), 1, np.bool_), np.array(0.5, np.float32)]
    compare(lambda L, x, m, v: x.masked_fill(m, v), arrays)
    compare(lambda L, x, m, v: x.index_fill(0, L.tensor([1, 3]), v), arrays)


@pytest.mark.parametrize("case", ["gather_0d", "gather_1d_0d_index", "scatter_0d", "scatter_add_0d",
                                  "scatter_1d_0d_index", "topk_0d"])
def test_gather_scatter_topk_on_zero_d(case):
    fn = {"gather_0d": lambda L, x: x.gather(0, _long(L, 0)),
          "gather_1d_0d_index": lambda L, x: x.reshape(1).gather(0, _long(L, 0)),
          "scatter_0d": lambda L, x: x.scatter(0, _long(L, 0), x * 3),
          "scatter_add_0d": lambda L, x: x.scatter_add(0, _long(L, 0), x * 3),
          "scatter_1d_0d_index": lambda L, x: x.expand(3).scatter(0, _long(L, 1), x * 3),
          "topk_0d": lambda L, x: x.topk(1)}[case]
    compare(fn, [np.array(1.5, np.float32)])


@pytest.mark.parametrize("fn", [
    lambda L, x, s: x.scatter(0, _long(L, [[0, 1]]), s),  # float64 src into float32: torch refuses
    lambda L, x, s: x.scatter_add(0, _long(L, [[0, 1]]), s),
    lambda L, x, s: x.scatter(0, _long(L, np.zeros((1, 6))), s.float()),  # index wider than self in dim 1
    lambda L, x, s: x.index_add(0, _long(L, [1]), s),  # float64 source
    lambda L, x, s: x.index_add(0, _long(L, [1]), s.float()[:, :1]),  # source (1, 1) for self rows of 5
    lambda L, x, s: x.index_copy(0, _long(L, [1]), s),
    lambda L, x, s: x.masked_scatter(x > 0, s),
    lambda L, x, s: x.index_put((_long(L, [1]),), s),
    lambda L, x, s: L.cat([x[0, 0], x[0, 1]]),  # 0-d tensors
])
def test_mismatched_sources_raise(fn):
    _both_raise(fn, rand((4, 5)), rand((1, 6), 1, np.float64))


def test_index_add_with_alpha_and_repeats():
    compare(lambda L, x, s: x.index_add(0, _long(L, [1, 1, 3]), s, alpha=2.5), [rand((4, 5)), rand((3, 5), 1)])


def test_scatter_multiply_reduce():
    compare(lambda L, x: x.scatter(0, _long(L, [[0, 1, 0]]), 2.5, reduce="multiply"), [rand((4, 5))], grad=[False])


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_scatter_reduce_with_repeats_ties_and_zeros(reduce, include_self, dtype):
    """Small integers: repeated targets, tied maxima and zero factors, where the gradient rules differ."""
    for seed in range(20):
        rng = np.random.default_rng(seed)
        dim = seed % 2
        ishape = [int(rng.integers(1, 6)), int(rng.integers(1, 4))] if dim == 0 else [int(rng.integers(1, 3)),
                                                                                       int(rng.integers(1, 6))]
        idx = rng.integers(0, (3, 4)[dim], ishape)
        x, src = rng.integers(-2, 3, (3, 4)).astype(dtype), rng.integers(-2, 3, ishape).astype(dtype)
        compare(lambda L, a, s: a.scatter_reduce(dim, L.tensor(idx), s, reduce, include_self=include_self),
                [x, src], fwd=dict(atol=1e-12, rtol=1e-9), bwd=dict(atol=1e-12, rtol=1e-9), seed=seed)


def test_scatter_reduce_in_place():
    out = []
    for L in (torch, tg):
        x = L.tensor(rand((3, 4)))
        x.scatter_reduce_(1, _long(L, [[0, 0], [3, 3], [1, 2]]), L.tensor(rand((3, 2), 1)), "amax")
        out.append(to_np(x))
    np.testing.assert_allclose(out[1], out[0])


# ---- new index ops ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda L, x: x.take(_long(L, [[0, 19], [-1, 3]])),
    lambda L, x: x.take_along_dim(_long(L, np.argsort(rand((4, 5)), 1)), dim=1),
    lambda L, x: x.take_along_dim(_long(L, [[1, 2]]), 1),  # indices broadcast over the rows
    lambda L, x: x.take_along_dim(_long(L, [0, 5, 19])),
    lambda L, x: x.index_copy(1, _long(L, [4, 0]), x[:, :2] * 2),
    lambda L, x: x.index_put((_long(L, [0, 1]), _long(L, [2, 2])), x[0, :2] * 3),
    lambda L, x: x.index_put((_long(L, [0, 0, 1]),), x[1:4] * 2, accumulate=True),
    lambda L, x: x.index_put((_long(L, [0, 0, 3]), _long(L, [1, 1, 1])), x[0, 0] * 2, accumulate=True),
    lambda L, x: x.masked_scatter(x > 0, x.flip(0) * 2),
    lambda L, x: x[0].masked_scatter(L.tensor(rand((4, 5), 2, np.bool_)), x * 2),  # mask broadcasts self
])
def test_index_ops_added_by_the_sweep(fn):
    compare(fn, [rand((4, 5))])


def test_index_put_accumulate_and_copy_in_place():
    out = []
    for L in (torch, tg):
        x = L.tensor(rand((4, 5)))
        x.index_put_((_long(L, [0, 0, 1]), _long(L, [2, 2, 2])), L.tensor(np.float32([5, 6, 7])), accumulate=True)
        x.index_copy_(0, _long(L, [3]), L.tensor(np.ones((1, 5), np.float32)))
        x.masked_scatter_(x < 0, L.tensor(np.arange(20, dtype=np.float32)))
        out.append(to_np(x))
    np.testing.assert_allclose(out[1], out[0])


def test_take_out_of_range_raises():
    _both_raise(lambda L, x: x.take(_long(L, [20])), rand((4, 5)))


@pytest.mark.parametrize("kw", [{}, {"right": True}, {"side": "right"}, {"out_int32": True}])
def test_searchsorted_and_bucketize(kw):
    seq, vals = np.array([1.0, 3, 5, 5, 7]), np.array([[3.0, 6, 9], [0, 5, 7]])
    compare(lambda L, s, v: (L.searchsorted if L is torch else TS.searchsorted)(s, v, **kw), [seq, vals],
            grad=[False, False])
    rows = np.array([[1.0, 3, 5], [2, 4, 6]])
    compare(lambda L, s, v: (L.searchsorted if L is torch else TS.searchsorted)(s, v, **kw), [rows, vals],
            grad=[False, False])
    kw = {k: v for k, v in kw.items() if k != "side"}
    compare(lambda L, v, b: (L.bucketize if L is torch else TS.bucketize)(v, b, **kw), [vals, seq],
            grad=[False, False])


# ---- unique, sort ----------------------------------------------------------------------------------------
def test_unique_counts_each_nan_apart():
    x = np.array([3.0, np.nan, 1, 1, np.nan, 2, -0.0, 0.0], np.float32)
    compare(lambda L, a: a.unique(return_inverse=True, return_counts=True), [x], grad=[False])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unique_along_dim(dim):
    x = np.array([[3, 1, 3, 2], [1, 1, 3, 2], [3, 1, 3, 2]])
    compare(lambda L, a: a.unique(dim=dim, return_inverse=True, return_counts=True), [x])


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique_consecutive(dim):
    x = np.array([[1, 1, 2, 2, 3, 1, 1, 2], [1, 1, 2, 2, 3, 1, 0, 2], [1, 1, 2, 2, 3, 1, 0, 2]])
    compare(lambda L, a: a.unique_consecutive(return_inverse=True, return_counts=True, dim=dim), [x])


# ---- movement ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda L, x: x.roll((1, 2), (0, 0)),  # a repeated dim rolls twice
    lambda L, x: x.roll(3, -1),
    lambda L, x: x.rot90(),
    lambda L, x: x.rot90(-3, [2, 0]),
    lambda L, x: x.rot90(2, (1, 2)),
    lambda L, x: x.rot90(4, (1, 2)),
    lambda L, x: x.fliplr(),
    lambda L, x: x.flipud(),
    lambda L, x: x[0].diag_embed(),
    lambda L, x: x.diag_embed(1, 0, 2),
    lambda L, x: x[0].diag_embed(-2, -1, 0),
    lambda L, x: x.mH,
    lambda L, x: x[0].H,
    lambda L, x: x.adjoint(),
])
def test_movement_ops_added_or_fixed_by_the_sweep(fn):
    compare(fn, [rand((3, 4, 5))])


@pytest.mark.parametrize("fn", [lambda L, x: x.rot90(1, [0, 0]), lambda L, x: x[0, 0].rot90(),
                                lambda L, x: x[0, 0].fliplr(), lambda L, x: x[0, 0, 0].flipud(),
                                lambda L, x: x[0, 0].H, lambda L, x: x[0, 0].mH])
def test_movement_bad_inputs_raise(fn):
    _both_raise(fn, rand((3, 4, 5)))


def test_repeat_interleave_of_repeats_alone():
    compare(lambda L, r: L.repeat_interleave(r), [np.array([2, 0, 1, 3])])


@pytest.mark.parametrize("name", ["hstack", "vstack", "row_stack", "dstack", "column_stack"])
@pytest.mark.parametrize("inputs", ["0d", "1d", "2d", "mixed"])
def test_stacks_with_zero_d_and_promotion(name, inputs):
    arrays = {"0d": [np.array(1.0, np.float32), np.array(2, np.int64)], "1d": [rand(4), rand(4, 1, np.int64, -3, 3)],
              "2d": [rand((4, 3)), rand((4, 3), 1, np.float64)], "mixed": [rand(4), rand((4, 1), 1)]}[inputs]
    if name in ("hstack", "vstack", "row_stack", "dstack") and inputs == "mixed":
        arrays = [rand((1, 4)), rand((1, 4), 1)]
    compare(lambda L, *xs: (getattr(L, name) if L is torch else getattr(TJ, name))(list(xs)), arrays)


# ---- views and copies --------------------------------------------------------------------------------------
VIEW_OR_COPY = {
    "repeat_ones": lambda x: x.repeat(1, 1, 1), "tile_one": lambda x: x.tile(1),
    "repeat_size1": lambda x: x[:1, :1, :1].repeat(3, 1, 1), "diag_2d": lambda x: x[0].diag(),
    "diagonal": lambda x: x.diagonal(0, 1, 2), "slice": lambda x: x[:, 1:, ::2],
    "flatten_T": lambda x: x.transpose(1, 2).flatten(1), "unfold": lambda x: x.unfold(2, 2, 2),
    "flip": lambda x: x.flip(0),
    "take_along_dim": lambda x: x.take_along_dim(x.argsort(2), 2), "rot90": lambda x: x.rot90(), "mH": lambda x: x.mH,
    "diag_embed": lambda x: x[0].diag_embed(), "contiguous": lambda x: x.contiguous(),
}


@pytest.mark.parametrize("name", list(VIEW_OR_COPY))
def test_writes_reach_the_base_exactly_when_torch_views(name):
    """v = op(x); v += 1 changes x iff torch's op is a view; x *= 2 then changes v iff so; strides and offsets."""
    seen = []
    for L in (torch, tg):
        a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
        x = L.tensor(a.copy())
        v = VIEW_OR_COPY[name](x)
        meta = (tuple(v.shape), tuple(v.stride()), v.is_contiguous(), v.storage_offset())
        v.add_(1)
        forward = not np.array_equal(to_np(x), a)
        before = to_np(v).copy()
        x.mul_(2)
        seen.append((meta, forward, not np.array_equal(to_np(v), before)))
    assert seen[1] == seen[0]


def test_storage_offset_and_data_ptr_follow_torch():
    out = []
    for L in (torch, tg):
        x = L.tensor(np.zeros((3, 4, 5), np.float32))
        v, w = x.transpose(0, 1)[1:, :, 1:4:2], x[1].narrow(1, 2, 2)
        out.append((v.storage_offset(), w.storage_offset(), x[0, 0].data_ptr() == x.data_ptr(),
                    x[1].data_ptr() - x.data_ptr(), x.clone().data_ptr() == x.data_ptr()))
    assert out[1] == out[0]


# ---- odd index spellings -----------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::UserWarning")  # torch deprecates both spellings but still reads them so
@pytest.mark.parametrize("index", [
    lambda L: [[0, 1], [1, 0]],  # a list holding sequences is a tuple of indices: x[[0, 1], [1, 0]]
    lambda L: [[0, 1], [1]],
    lambda L: [L.tensor(0), 1],
    lambda L: [slice(None), [2, 0]],
    lambda L: [[0]] * 32,  # from 32 entries on, torch reads the list as one index tensor again
    lambda L: L.tensor(np.array([1, 0], np.uint8)),  # a uint8 tensor is a mask, not indices
    lambda L: (slice(None), L.tensor(np.array([1, 0, 1], np.uint8))),
])
def test_legacy_index_spellings_read_as_torch_does(index):
    compare(lambda L, x: x[index(L)], [rand((2, 3, 4))])


# ---- stacking edge cases -----------------------------------------------------------------------------------
@pytest.mark.parametrize("arrays", [
    [np.zeros(0, np.int32), rand((2, 3)), rand((2, 3), 1, np.bool_)],  # the first tensor decides hstack's dim
    [np.zeros(0, np.float32), rand((3, 2)), rand((3, 1))],
])
def test_hstack_dim_follows_the_first_tensor(arrays):
    fn = lambda L, *xs: L.hstack(list(xs))  # noqa: E731
    try:
        fn(torch, *[torch.from_numpy(a.copy()) for a in arrays])
    except RuntimeError:
        _both_raise(fn, *arrays)
        return
    compare(fn, arrays)


@pytest.mark.parametrize("dim", [0, 1, -2, 5])
def test_cat_of_only_empty_1d_tensors_takes_any_dim(dim):
    compare(lambda L, a, b: L.cat([a, b], dim), [np.zeros(0, np.float32), np.zeros(0, np.int64)])


def test_movedim_repeated_dims_raise_naming_movedim():
    with pytest.raises(RuntimeError, match="movedim"):
        tg.zeros(2, 3, 4).movedim((0, 0), (1, 2))
    _both_raise(lambda L, x: x.movedim((0, 0), (1, 2)), rand((2, 3, 4)))


# ---- scalar values converted as torch converts them --------------------------------------------------------
FILLS = [-255, -256, 255, 256, 128, -129, 65520.0, 1e5, float("inf"), float("nan"), -2.5, 2.7, True]
FILL_OPS = {
    "masked_fill": lambda L, x, v: x.masked_fill(L.tensor([True, False, True]), v),
    "index_fill": lambda L, x, v: x.index_fill(0, L.tensor([1]), v),
    "scatter": lambda L, x, v: x.scatter(0, L.tensor([1]), v),
    "setitem": lambda L, x, v: x.__setitem__(1, v) or x,
}


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")  # float16 setitem: inf, as torch gives
@pytest.mark.parametrize("op", list(FILL_OPS))
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int64", "float16", "bool"])
def test_fill_values_truncate_wrap_or_raise_like_torch(op, dtype):
    for v in FILLS:
        try:
            want = FILL_OPS[op](torch, torch.zeros(3, dtype=getattr(torch, dtype)), v)
        except RuntimeError:
            with pytest.raises(RuntimeError, match=op):
                FILL_OPS[op](tg, tg.zeros(3, dtype=getattr(tg, dtype)), v)
            continue
        got = FILL_OPS[op](tg, tg.zeros(3, dtype=getattr(tg, dtype)), v)
        assert got.dtype == getattr(tg, dtype)
        np.testing.assert_array_equal(to_np(got), to_np(want), err_msg=f"{op} {dtype} {v}")


@pytest.mark.parametrize("fn", [
    lambda L, x: x.bool().scatter_reduce(0, L.tensor([0, 0]), x.bool(), "mean"),
    lambda L, x: (L.searchsorted if L is torch else TS.searchsorted)(x.bool(), x.bool()),
    lambda L, x: x.take_along_dim(L.tensor(0), 0),
    lambda L, x: x.unique(dim=1),
])
def test_unsupported_index_inputs_raise(fn):
    _both_raise(fn, np.array(1.0, np.float32))


def test_unique_dim_with_other_empty_dim_raises():
    _both_raise(lambda L, x: x.unique(dim=1), np.zeros((0, 2), np.float32))


def test_masked_scatter_and_storage_offset_edge_cases():
    compare(lambda L, x, s: x.masked_scatter(L.tensor(True), s), [np.array(1.5, np.float32), rand(2)])
    out = [(x[1:].unfold(1, 2, 1).storage_offset(), x[1:].view(L.int32).storage_offset())
           for L in (torch, tg) for x in [L.tensor(rand((4, 5)))]]
    assert out[1] == out[0]


@pytest.mark.parametrize("case", ["f16", "u8", "T_f16", "zero_d", "rows_not_whole", "step_rows", "col_step"])
def test_view_as_dtype_follows_torch_stride_rule(case):
    fn = {"f16": lambda L, x: x.view(L.float16), "u8": lambda L, x: x.view(L.uint8),
          "T_f16": lambda L, x: x.t().view(L.float16), "zero_d": lambda L, x: x[0, 0].view(L.float16),
          "rows_not_whole": lambda L, x: x[:, :4].view(L.float64),  # row stride 5 floats: 2.5 doubles
          "step_rows": lambda L, x: x[::2, :4].view(L.int64), "col_step": lambda L, x: x[:, ::2].view(L.float16)}[case]
    a = np.arange(20, dtype=np.float32).reshape(4, 5)
    try:
        want = fn(torch, torch.from_numpy(a.copy()))
    except RuntimeError:
        with pytest.raises(RuntimeError, match="view"):
            fn(tg, tg.tensor(a))
        return
    got = fn(tg, tg.tensor(a))
    assert (got.shape, got.stride()) == (tuple(want.shape), want.stride())
    assert to_np(got).tobytes() == want.numpy().tobytes()
