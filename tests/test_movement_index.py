"""Movement, indexing, gather/scatter, sorting and sampling against PyTorch (values, shapes, dtypes, gradients)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import teenygrad as tg
from helpers import compare, rand, make_pair, assert_close, to_np

MOVE = {
    "reshape": ((2, 3, 4), lambda L, x: x.reshape(4, -1)),
    "reshape_tuple": ((2, 3, 4), lambda L, x: x.reshape((6, 4))),
    "reshape_0d": ((1,), lambda L, x: x.reshape(())),
    "reshape_zero": ((0, 3), lambda L, x: x.reshape(3, 0, 2)),
    "view": ((2, 3, 4), lambda L, x: x.contiguous().view(3, 8)),
    "view_as": ((2, 3, 4), lambda L, x: x.contiguous().view(-1)),
    "permute": ((2, 3, 4), lambda L, x: x.permute(2, 0, 1)),
    "permute_neg": ((2, 3, 4), lambda L, x: x.permute(-1, -3, -2)),
    "permute_tuple": ((2, 3, 4), lambda L, x: x.permute((1, 2, 0))),
    "transpose": ((2, 3, 4), lambda L, x: x.transpose(0, -1)),
    "T": ((3, 4), lambda L, x: x.T),
    "mT": ((2, 3, 4), lambda L, x: x.mT),
    "t": ((3, 4), lambda L, x: x.t()),
    "expand": ((3, 1), lambda L, x: x.expand(2, 3, 4)),
    "expand_neg1": ((3, 1), lambda L, x: x.expand(-1, 5)),
    "expand_as": ((1, 4), lambda L, x: x.expand_as(L.zeros(3, 4))),
    "squeeze": ((1, 3, 1), lambda L, x: x.squeeze()),
    "squeeze_dim": ((1, 3, 1), lambda L, x: x.squeeze(-1)),
    "squeeze_noop": ((2, 3), lambda L, x: x.squeeze(0)),
    "unsqueeze": ((2, 3), lambda L, x: x.unsqueeze(1)),
    "unsqueeze_neg": ((2, 3), lambda L, x: x.unsqueeze(-1)),
    "flatten": ((2, 3, 4), lambda L, x: x.flatten()),
    "flatten_range": ((2, 3, 4, 5), lambda L, x: x.flatten(1, 2)),
    "flatten_0d": ((), lambda L, x: x.flatten()),
    "unflatten": ((2, 12), lambda L, x: x.unflatten(1, (3, -1))),
    "contiguous": ((3, 4), lambda L, x: x.T.contiguous() * 2),
    "split": ((7, 3), lambda L, x: x.split(3)),
    "split_sizes": ((7, 3), lambda L, x: x.split([2, 5], dim=0)),
    "split_dim": ((3, 7), lambda L, x: x.split(2, dim=-1)),
    "chunk": ((7, 3), lambda L, x: x.chunk(3)),
    "chunk_dim": ((3, 6), lambda L, x: L.chunk(x, 4, dim=1)),
    "unbind": ((3, 2), lambda L, x: x.unbind(1)),
    "roll": ((3, 4), lambda L, x: x.roll(1, 0)),
    "roll_multi": ((3, 4), lambda L, x: x.roll((2, -1), (0, 1))),
    "roll_flat": ((3, 4), lambda L, x: x.roll(5)),
    "flip": ((3, 4), lambda L, x: x.flip(0)),
    "flip_multi": ((2, 3, 4), lambda L, x: x.flip((0, -1))),
    "repeat": ((2, 3), lambda L, x: x.repeat(2, 1, 3)),
    "repeat_same": ((2, 3), lambda L, x: x.repeat(1, 1)),
    "tril": ((4, 5), lambda L, x: x.tril()),
    "tril_k": ((2, 4, 5), lambda L, x: x.tril(-1)),
    "triu": ((4, 5), lambda L, x: x.triu(1)),
    "triu_func": ((5, 4), lambda L, x: L.triu(x)),
    "masked_fill": ((3, 4), lambda L, x: x.masked_fill(x > 0.5, -1.0)),
    "masked_fill_bcast": ((3, 4), lambda L, x: x.masked_fill(L.tensor([True, False, True, False]), 0.0)),
    "masked_fill_inf": ((3, 4), lambda L, x: x.masked_fill(x < 0, float("-inf")).softmax(-1)),
    "cat": ((2, 3), lambda L, x: L.cat([x, x * 2, x[:1]], 0)),
    "cat_neg": ((2, 3), lambda L, x: L.cat((x, x.exp()), dim=-1)),
    "cat_empty1d": ((2, 3), lambda L, x: L.cat([x.reshape(-1), L.zeros(0)])),
    "stack": ((2, 3), lambda L, x: L.stack([x, x * 3])),
    "stack_last": ((2, 3), lambda L, x: L.stack([x, x.sin(), x], dim=-1)),
}


@pytest.mark.parametrize("op", list(MOVE))
def test_movement(op):
    shape, fn = MOVE[op]
    compare(fn, [rand(shape, seed=21)])


@pytest.mark.parametrize("layout", ["T", "step"])
@pytest.mark.parametrize("op", ["reshape", "permute", "transpose", "flatten", "split", "roll", "flip", "repeat",
                                "squeeze_noop", "unsqueeze", "mT", "expand_as"])
def test_movement_noncontiguous(op, layout):
    shape, fn = MOVE[op]
    if op == "expand_as":
        shape, fn = (1, 4, 3), (lambda L, x: x.expand(2, 4, 3))
    compare(fn, [rand(shape, seed=22)], layout=layout)


def test_view_of_noncontiguous_is_an_error_like_torch():
    x_tg, x_th = make_pair(rand((3, 4)), False, "T")
    with pytest.raises(RuntimeError):
        x_th.view(12)
    with pytest.raises(RuntimeError, match="view"):
        x_tg.view(12)


PADS = [(1, 2), (0, 0, 1, 0), (2, 1, 1, 3), (-1, 1), (1, -2, 0, 1)]


@pytest.mark.parametrize("value", [0.0, -1.5])
@pytest.mark.parametrize("pad", PADS, ids=str)
def test_pad(pad, value):
    compare(lambda L, x: F.pad(x, pad, value=value) if L is torch else x.pad(pad, value=value),
            [rand((3, 4), seed=23)])


def test_shrink_is_slicing():
    compare(lambda L, x: x[1:3, :] if L is torch else x.shrink(((1, 3), None)), [rand((4, 5), seed=24)])


def test_one_hot():
    idx = np.array([[0, 2], [3, 1]], np.int64)
    compare(lambda L, i: F.one_hot(i, 5) if L is torch else L.one_hot(i, 5), [idx])
    compare(lambda L, i: F.one_hot(i) if L is torch else tg.nn.functional.one_hot(i) if hasattr(tg, "nn") and
            hasattr(tg.nn, "functional") and hasattr(tg.nn.functional, "one_hot") else L.one_hot(i), [idx])


def test_cat_promotes_dtypes_and_stack_grad_flows_to_each():
    compare(lambda L, a, b: L.cat([a, b], 1), [rand((2, 3), seed=1), rand((2, 2), seed=2, dtype=np.int64)])
    compare(lambda L, a, b: L.stack([a, b], 1), [rand((2, 3), seed=1), rand((2, 3), seed=2)])


# ---- indexing ---------------------------------------------------------------------------------------
GETITEM = {
    "int": lambda x: x[1],
    "neg_int": lambda x: x[-1, 2],
    "slice": lambda x: x[1:3],
    "slice_step": lambda x: x[::2, 1::3],
    "slice_neg": lambda x: x[-3:-1, :-2],
    "slice_oob": lambda x: x[2:100],
    "none": lambda x: x[None, :, None],
    "ellipsis": lambda x: x[..., 1],
    "ellipsis_none": lambda x: x[1, ..., None],
    "list": lambda x: x[[0, 2, 2]],
    "list_neg": lambda x: x[[-1, 0]],
    "tensor_2d": lambda x: x[_idx(x, [[0, 1], [3, 3]])],
    "range_pair": lambda x: x[range(3), _idx(x, [1, 0, 4])],
    "two_lists": lambda x: x[[0, 1], [2, 3]],
    "list_and_slice": lambda x: x[1:, [0, 0, 2]],
    "bool_mask": lambda x: x[x > 0],
    "bool_rows": lambda x: x[_bool(x, [True, False, True, False])],
    "bool_list": lambda x: x[[True, False, True, True]],
    "scalar_tensor": lambda x: x[_idx(x, 2)],
    "empty_list": lambda x: x[[]],
    "empty_slice": lambda x: x[3:1],
    "int_ellipsis_list": lambda x: x[..., [1, 1]],
    "sep_advanced": lambda x: x[[0, 1], :, ][:, [2, 0]],
}


def _idx(x, v):
    return (torch.tensor if isinstance(x, torch.Tensor) else tg.tensor)(v)


def _bool(x, v):
    return (torch.tensor if isinstance(x, torch.Tensor) else tg.tensor)(v, dtype=torch.bool if isinstance(
        x, torch.Tensor) else tg.bool)


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("op", list(GETITEM))
def test_getitem(op, layout):
    compare(lambda L, x: GETITEM[op](x), [rand((4, 5), seed=25)], layout=layout)


def test_getitem_3d_mixed():
    compare(lambda L, x: x[1:, None, [0, 2], ::2], [rand((3, 4, 5), seed=26)])
    compare(lambda L, x: x[[0, 2], :, [1, 1]], [rand((3, 4, 5), seed=26)])
    compare(lambda L, x: x[:, [0, 2]][..., [1, 4]], [rand((3, 4, 5), seed=26)])


def test_embedding_lookup_and_logprob_pick():
    # the makemore patterns: C[X] with X (b, t) int64, and logprobs[range(n), Y]
    C = rand((27, 2), seed=27)
    X = np.random.default_rng(0).integers(0, 27, (32, 3))
    compare(lambda L, c, x: c[x].reshape(32, -1), [C, X])
    Y = np.random.default_rng(1).integers(0, 27, (32,))
    logits = rand((32, 27), seed=28)
    compare(lambda L, lg, y: -lg.log_softmax(1)[range(32), y].mean(), [logits, Y])
    # long index arrays go down the sorted scatter-add path
    Xb = np.random.default_rng(2).integers(0, 27, (300,))
    compare(lambda L, c, x: c[x] * 1.5, [C, Xb])


SETITEM = {
    "int": lambda x, L: x.__setitem__(1, 5.0),
    "slice_tensor": lambda x, L: x.__setitem__((slice(None), slice(1, 3)), L.ones(4, 2)),
    "bcast_row": lambda x, L: x.__setitem__(0, L.arange(5).float()),
    "mask": lambda x, L: x.__setitem__(x > 0, 0.0),
    "list": lambda x, L: x.__setitem__([0, 2], -1.0),
    "pair": lambda x, L: x.__setitem__(([0, 1], [2, 3]), L.tensor([7.0, 8.0])),
    "step": lambda x, L: x.__setitem__((slice(None, None, 2),), 3.0),
}


@pytest.mark.parametrize("op", list(SETITEM))
def test_setitem_no_grad(op):
    a = rand((4, 5), seed=29)
    x_tg, x_th = make_pair(a, False)
    SETITEM[op](x_th, torch)
    SETITEM[op](x_tg, tg)
    assert_close(x_tg, x_th, op, 0, 0)


def test_setitem_count_matrix_increment():
    # N[i, j] += 1 from makemore's bigram counts, with repeats across calls
    N_tg, N_th = tg.zeros((4, 4), dtype=tg.int32), torch.zeros((4, 4), dtype=torch.int32)
    for i, j in [(0, 1), (2, 3), (0, 1), (3, 3)]:
        N_tg[i, j] += 1
        N_th[i, j] += 1
    assert_close(N_tg, N_th, "counts", 0, 0)
    assert N_tg[0, 1].item() == 2


def test_setitem_view_writes_through_and_mask_assign():
    x_tg, x_th = make_pair(rand((3, 4), seed=30), False)
    row_tg, row_th = x_tg[1], x_th[1]
    row_tg[2] = 9.0
    row_th[2] = 9.0
    assert_close(x_tg, x_th, "write through a basic-index view", 0, 0)
    x_tg[x_tg < 0] = tg.tensor(0.5)
    x_th[x_th < 0] = torch.tensor(0.5)
    assert_close(x_tg, x_th, "mask assign", 0, 0)


def test_setitem_differentiable():
    def fn(L, x, v):
        y = x * 1.0
        y[1:3, 0] = v * 2
        y[0] = y[0] * 3
        return y
    compare(fn, [rand((4, 3), seed=31), rand((2,), seed=32)])


def test_setitem_on_leaf_requiring_grad_raises_like_torch():
    x_tg, x_th = make_pair(rand((3,)), True)
    with pytest.raises(RuntimeError):
        x_th[0] = 1.0
    with pytest.raises(RuntimeError, match="leaf"):
        x_tg[0] = 1.0


GATHER = [((3, 4), 1, (3, 2)), ((3, 4), 0, (2, 4)), ((3, 4), -1, (2, 3)), ((2, 3, 4), 1, (2, 5, 4))]


@pytest.mark.parametrize("xs,dim,ishape", GATHER, ids=str)
def test_gather(xs, dim, ishape):
    idx = np.random.default_rng(33).integers(0, xs[dim], ishape)
    compare(lambda L, x, i: x.gather(dim, i), [rand(xs, seed=34), idx])
    compare(lambda L, x, i: L.gather(x, dim, i), [rand(xs, seed=34), idx], layout="T")


@pytest.mark.parametrize("xs,dim,ishape", GATHER[:3], ids=str)
@pytest.mark.parametrize("kind", ["scatter", "scatter_add", "scatter_value"])
def test_scatter(kind, xs, dim, ishape):
    rng = np.random.default_rng(35)
    # scatter (no reduce) with repeated indices is order-dependent; use a permutation prefix per slice
    n = xs[dim]
    idx = np.argsort(rng.random([s if i != dim else n for i, s in enumerate(ishape)]), axis=dim)
    idx = np.take(idx, range(ishape[dim]), axis=dim) if kind != "scatter_add" else rng.integers(0, n, ishape)
    src = rand(ishape, seed=36)
    if kind == "scatter":
        compare(lambda L, x, i, s: x.scatter(dim, i, s), [rand(xs, seed=37), idx, src])
    elif kind == "scatter_add":
        compare(lambda L, x, i, s: x.scatter_add(dim, i, s), [rand(xs, seed=37), idx, src])
    else:
        compare(lambda L, x, i: x.scatter(dim, i, 2.5), [rand(xs, seed=37), idx])


def test_scatter_src_larger_than_index():
    idx = np.array([[0, 2], [1, 0]])
    # (torch's own src gradient has the index's shape here and fails its shape check, so only x needs grad)
    compare(lambda L, x, i, s: x.scatter_add(1, i, s), [rand((2, 3), seed=38), idx, rand((3, 4), seed=39)],
            grad=[True, False, False])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select(dim):
    idx = np.array([2, 0, 2], np.int64)
    compare(lambda L, x, i: x.index_select(dim, i), [rand((3, 4), seed=40), idx])


# ---- sorting and sampling ---------------------------------------------------------------------------
@pytest.mark.parametrize("dim,desc", [(-1, False), (0, True), (1, True), (0, False)])
def test_sort_argsort(dim, desc):
    x = rand((4, 5), seed=41)
    compare(lambda L, t: t.sort(dim, descending=desc), [x])
    compare(lambda L, t: t.argsort(dim=dim, descending=desc), [x])
    compare(lambda L, t: L.sort(t, dim, descending=desc), [rand((4, 5), seed=42, dtype=np.int64, low=-99,
                                                                    high=99)])


@pytest.mark.parametrize("k,dim,largest", [(2, -1, True), (1, 0, True), (3, 1, False), (0, 1, True), (4, 0, True)])
def test_topk(k, dim, largest):
    compare(lambda L, t: t.topk(k, dim, largest=largest), [rand((4, 5), seed=43)])


def test_sort_stable_with_ties():
    x = np.array([3, 1, 3, 1, 2, 3], np.int64)
    compare(lambda L, t: t.sort(stable=True), [x])
    compare(lambda L, t: t.sort(descending=True, stable=True), [x])
    compare(lambda L, t: t.float().sort(descending=True, stable=True), [x])


def test_multinomial_seeded_and_distribution():
    p = tg.tensor([0.1, 0.0, 0.6, 0.3])
    g1, g2 = tg.Generator().manual_seed(7), tg.Generator().manual_seed(7)
    a = tg.multinomial(p, 20, replacement=True, generator=g1)
    b = p.multinomial(20, replacement=True, generator=g2)
    assert a.dtype == tg.int64 and a.shape == (20,)
    assert a.tolist() == b.tolist()
    assert 1 not in a.tolist()
    many = tg.multinomial(p, 20000, replacement=True, generator=g1).numpy()
    np.testing.assert_allclose(np.bincount(many, minlength=4) / 20000, [0.1, 0.0, 0.6, 0.3], atol=0.02)
    # without replacement: distinct categories, never a zero-probability one
    for _ in range(20):
        s = tg.multinomial(p, 3, generator=g1).tolist()
        assert len(set(s)) == 3 and 1 not in s
    rows = tg.multinomial(tg.tensor([[0.0, 1.0], [1.0, 0.0]]), 3, replacement=True)
    assert rows.tolist() == [[1, 1, 1], [0, 0, 0]]
    # unnormalised weights are fine, as in torch
    assert tg.multinomial(tg.tensor([0.0, 5.0]), 1).item() == 1


def test_multinomial_first_draw_frequencies_without_replacement():
    p = np.array([0.5, 0.3, 0.2])
    g = tg.Generator().manual_seed(3)
    first = [tg.multinomial(tg.tensor(p), 2, generator=g).tolist()[0] for _ in range(3000)]
    np.testing.assert_allclose(np.bincount(first, minlength=3) / 3000, p, atol=0.03)


def test_to_np_helper_sanity():
    assert to_np(tg.tensor([1, 2])).tolist() == [1, 2]


def test_element_access_is_a_view_like_torch():
    for L in (torch, tg):
        x = L.zeros(2, 3)
        v = x[1, 2]
        v += 1
        x[0][1] = 5.0
        assert x.tolist() == [[0.0, 5.0, 0.0], [0.0, 0.0, 1.0]], L.__name__
        assert x[..., 1][0].item() == 5.0 and x[1, ...].shape == (3,)


ZERO = {
    "permute": lambda L, x: x.permute(1, 0, 2), "transpose": lambda L, x: x.transpose(0, -1),
    "reshape": lambda L, x: x.reshape(3, 0), "flatten": lambda L, x: x.flatten(),
    "unsqueeze": lambda L, x: x.unsqueeze(1), "squeeze": lambda L, x: x.squeeze(), "flip": lambda L, x: x.flip(1),
    "roll": lambda L, x: x.roll(1, 2), "repeat": lambda L, x: x.repeat(2, 1, 1),
    "expand": lambda L, x: x.expand(2, 2, 0, 3), "cat": lambda L, x: L.cat([x, x], 1),
    "stack": lambda L, x: L.stack([x, x], -1), "split": lambda L, x: x.split(1, 0),
    "pad": lambda L, x: F.pad(x, (1, 1)) if L is torch else x.pad((1, 1)), "getitem": lambda L, x: x[:, 1:, [0, 2]],
    "tril": lambda L, x: x.tril(), "masked_fill": lambda L, x: x.masked_fill(x > 0, 1.0),
    "matmul": lambda L, x: x @ L.ones(3, 2), "sum": lambda L, x: x.sum(1), "max": lambda L, x: x.amax(-1),
}


@pytest.mark.parametrize("op", list(ZERO))
def test_movement_on_zero_size(op):
    compare(ZERO[op], [rand((2, 0, 3), seed=71)])


@pytest.mark.parametrize("dtype", [np.uint8, np.bool_, np.int16, np.float32])
def test_sort_descending_stable_every_dtype(dtype):
    x = np.array([3, 1, 3, 0, 2, 3, 1], dtype=dtype)
    compare(lambda L, t: t.sort(descending=True, stable=True), [x], grad=[False])
    compare(lambda L, t: t.argsort(descending=False, stable=True), [x], grad=[False])


def test_sort_topk_with_nan_like_torch():
    x = np.array([[1.0, np.nan, 3.0, -1.0]], np.float32)
    compare(lambda L, t: t.sort(-1, descending=True), [x], grad=[False])
    compare(lambda L, t: t.sort(-1), [x], grad=[False])
    compare(lambda L, t: t.topk(2), [x], grad=[False])
    compare(lambda L, t: t.sort(0), [rand((), seed=1)])


# ---- further torch names built from the core ops ----------------------------------------------------
EXTRA = {
    "erf": ((3, 4), lambda L, x: x.erf()), "tan": ((3, 4), lambda L, x: (x * 0.5).tan()),
    "sinh": ((3, 4), lambda L, x: x.sinh()), "cosh": ((3, 4), lambda L, x: L.cosh(x)),
    "logaddexp": ((3, 4), lambda L, x: x.logaddexp(x.flip(0) * 3)),
    "lerp": ((3, 4), lambda L, x: x.lerp(x.exp(), 0.3)),
    "frac": ((3, 4), lambda L, x: x.frac()), "clamp_min": ((3, 4), lambda L, x: x.clamp_min(0.2)),
    "outer": ((4,), lambda L, x: L.outer(x, x[:3])), "narrow": ((3, 4), lambda L, x: x.narrow(1, -3, 2)),
    "select": ((3, 4), lambda L, x: x.select(-1, 2)), "movedim": ((2, 3, 4), lambda L, x: x.movedim(0, -1)),
    "movedim_multi": ((2, 3, 4), lambda L, x: L.movedim(x, (0, 1), (2, 0))),
    "swapdims": ((2, 3), lambda L, x: x.swapdims(0, 1)),
    "tile": ((2, 3), lambda L, x: x.tile(2)), "tile_more": ((2, 3), lambda L, x: x.tile((2, 1, 2))),
    "diagonal": ((3, 4), lambda L, x: x.diagonal()), "diagonal_off": ((3, 4), lambda L, x: x.diagonal(1)),
    "diagonal_neg": ((4, 3), lambda L, x: x.diagonal(-2)),
    "diagonal_3d": ((2, 3, 3), lambda L, x: x.diagonal(0, 1, 2)),
    "diag_2d": ((3, 3), lambda L, x: x.diag()), "diag_1d": ((3,), lambda L, x: L.diag(x, 1)),
    "diag_1d_neg": ((3,), lambda L, x: x.diag(-2)), "trace": ((3, 4), lambda L, x: x.trace()),
    "hstack": ((2, 3), lambda L, x: L.hstack([x, x * 2])), "vstack": ((3,), lambda L, x: L.vstack([x, x.exp()])),
    "meshgrid_ij": ((3,), lambda L, x: L.meshgrid(x, x[:2], indexing="ij")),
    "meshgrid_xy": ((3,), lambda L, x: L.meshgrid(x, x[:2], indexing="xy")),
    "masked_select": ((3, 4), lambda L, x: x.masked_select(x > 0)),
    "masked_select_bcast": ((3, 4), lambda L, x: L.masked_select(x, L.tensor([True, False, True, True]))),
    "nonzero": ((3, 4), lambda L, x: (x > 0).nonzero()), "argwhere": ((3, 4), lambda L, x: L.argwhere(x > 0)),
    "nonzero_tuple": ((3, 4), lambda L, x: (x > 0).nonzero(as_tuple=True)),
    "unique": ((8,), lambda L, x: (x.detach() * 2).round().unique(return_inverse=True, return_counts=True)),
    "bincount": ((6,), lambda L, x: (x.abs() * 2).long().bincount(minlength=3)),
    "aminmax": ((3, 4), lambda L, x: tuple(x.aminmax(dim=1))),
    "floor_divide": ((3, 4), lambda L, x: x.detach().floor_divide(0.3)),
    "negative_multiply": ((3, 4), lambda L, x: L.multiply(L.negative(x), L.subtract(x, 1))),
    "scatter_": ((3, 4), lambda L, x: (x * 1).scatter_(1, L.tensor([[0], [1], [3]]), x[:, :1] * 2)),
    "scatter_add_": ((3, 4), lambda L, x: (x * 1).scatter_add_(0, L.tensor([[0, 1, 2, 0]]), x[:1].exp())),
    "index_add": ((3, 4), lambda L, x: x.index_add(1, L.tensor([0, 0, 3]), x[:, :3] * 3, alpha=2)),
    "index_add_": ((3, 4), lambda L, x: (x * 1).index_add_(0, L.tensor([2, 2]), x[:2])),
    "index_fill": ((3, 4), lambda L, x: x.index_fill(1, L.tensor([0, 2]), -1.0)),
    "index_fill_": ((3, 4), lambda L, x: (x * 2).index_fill_(0, L.tensor([1]), 5.0)),
    "repeat_interleave": ((2, 3), lambda L, x: x.repeat_interleave(2, dim=1)),
    "repeat_interleave_flat": ((2, 3), lambda L, x: x.repeat_interleave(3)),
    "repeat_interleave_tensor": ((2, 3), lambda L, x: x.repeat_interleave(L.tensor([1, 0, 2]), dim=-1)),
    "shifts": ((3,), lambda L, x: ((x.abs() * 4).long() << 2) + (L.tensor([64, 9, 7]) >> 1)),
    "chunk_empty": ((0, 3), lambda L, x: x.chunk(2)),
}


@pytest.mark.parametrize("op", list(EXTRA))
def test_extra_ops(op):
    shape, fn = EXTRA[op]
    compare(fn, [rand(shape, seed=80)])


@pytest.mark.parametrize("bins,lo,hi", [(20, -1, 1), (100, 0, 0), (7, -0.3, 0.9), (4, 0, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histc_counts_match_torch(bins, lo, hi, dtype):
    rng = np.random.default_rng(bins)
    for x in [np.tanh(rng.standard_normal(2000) * 2), np.round(rng.standard_normal(1000) * 10) / 10,
              np.array([1.0, 1.0]), np.array([]), np.array([0.5, np.nan, hi])]:
        x = x.astype(dtype)
        if lo == hi and np.isnan(x).any():  # the range would come from the data: nan makes it invalid
            for L in (torch, tg):
                with pytest.raises(RuntimeError):
                    L.histc(L.from_numpy(x), bins=bins, min=lo, max=hi)
            continue
        want = torch.histc(torch.from_numpy(x), bins=bins, min=lo, max=hi).numpy()
        got = tg.histc(tg.from_numpy(x), bins=bins, min=lo, max=hi).numpy()
        assert got.dtype == want.dtype and got.tolist() == want.tolist(), (x, got, want)
    with pytest.raises(NotImplementedError, match="histc"):
        tg.tensor([1, 2]).histc()


def test_histc_range_past_float32_max_counts_in_float64():
    # max - min overflows float32: torch's float32 kernel answers all zeros, numpy's bincount raised on the NaN bins;
    # the counts are float64's (the float64 tensor's, which torch gets right)
    x = np.array([1.0, 0.0, 3.0, -3.4e38, 2.0, 5.0, 3.4e38, 0.0])
    want = torch.histc(torch.tensor(x), bins=4).numpy()
    got = tg.histc(tg.tensor(x.astype(np.float32)), bins=4)
    assert got.dtype == tg.float32 and got.numpy().tolist() == want.tolist() == [1, 0, 6, 1]
    wide = tg.histc(tg.tensor([-1.7e308, 1.7e308, 0.0, 1e308], dtype=tg.float64), 4, -1.7e308, 1.7e308)
    assert wide.numpy().tolist() == [1, 0, 1, 2]  # past float64's max: torch answers zeros, numpy's bincount raised


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histogram_matches_torch(dtype):
    rng = np.random.default_rng(0)
    x = np.tanh(rng.standard_normal(3000) * 1.5).astype(dtype)
    w = rng.random(3000).astype(dtype)
    edges = np.array([-1, -0.5, 0, 0.1, 2], dtype)
    for kw in [dict(bins=20), dict(bins=50, density=True), dict(bins=7, range=(-0.3, 0.9)), dict(bins=10, w=True),
               dict(bins=edges, density=True), dict(bins=3, x=np.array([1.0, 1.0], dtype)),
               dict(bins=2, x=np.array([], dtype))]:
        outs = []
        for L in (torch, tg):
            k = dict(kw)
            data = L.from_numpy(k.pop("x", x))
            if k.pop("w", False):
                k["weight"] = L.from_numpy(w)
            if isinstance(k["bins"], np.ndarray):
                k["bins"] = L.from_numpy(k["bins"])
            hist, bin_edges = L.histogram(data, **k)
            outs.append((hist.numpy(), bin_edges.numpy()))
        (h0, e0), (h1, e1) = outs
        assert h1.dtype == h0.dtype and np.array_equal(e1, e0), kw
        np.testing.assert_allclose(h1, h0, rtol=1e-6, err_msg=str(kw))


def test_linspace_bit_exact_with_torch():
    rng = np.random.default_rng(1)
    for _ in range(200):
        a, b = rng.standard_normal(2) * rng.choice([1, 10, 1000])
        n = int(rng.integers(0, 2000))
        assert np.array_equal(tg.linspace(a, b, n).numpy(), torch.linspace(a, b, n).numpy())
        # float64: torch's fused multiply-add rounds once; long double gets within an ulp
        np.testing.assert_allclose(tg.linspace(a, b, n, dtype=tg.float64).numpy(),
                                   torch.linspace(a, b, n, dtype=torch.float64).numpy(), rtol=1e-15, atol=1e-12)


@pytest.mark.parametrize("weight", [0.0, 0.25, 0.5, 0.75, 1.0, -0.6, 1.5, "tensor"])
@pytest.mark.parametrize("inplace", [False, True])
def test_lerp_takes_torch_side_of_the_weight(weight, inplace):
    # torch computes from end's side for |weight| >= 0.5: weight 1 gives end exactly and an infinite start leaves
    # the far end -inf, not NaN (self + (end - self) w gave NaN there and could miss end by an ulp)
    rng = np.random.default_rng(7)
    a, b = (rng.standard_normal((64, 33)).astype(np.float32) * 1e3 for _ in range(2))
    a[0, :3], b[0, :3] = [np.inf, -np.inf, 1.0], [1.0, 2.0, np.inf]
    w = np.clip(rng.standard_normal((64, 33)), -1, 2).astype(np.float32) if weight == "tensor" else weight
    want = torch.lerp(torch.tensor(a), torch.tensor(b), torch.tensor(w) if weight == "tensor" else w).numpy()
    tw = tg.tensor(w) if weight == "tensor" else w
    with np.errstate(invalid="ignore", over="ignore"):
        if inplace:
            got = tg.tensor(a.copy())
            got.lerp_(tg.tensor(b), tw)
        else:
            got = tg.lerp(tg.tensor(a), tg.tensor(b), tw)
    got = got.numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-3)  # torch rounds once (fma), we twice
    if weight == 1.0:
        np.testing.assert_array_equal(got[1:], b[1:])


def test_lerp_gradients_with_infinities_and_dtypes_like_torch():
    # a tensor weight's gradient is dz (end - start): -inf / inf next to an infinite end point, not NaN (both
    # branches of a where sent 0 * inf back); mixed dtypes are refused as torch refuses them
    from teenygrad.autograd import gradcheck
    vals = ([np.inf, 1.0, 1e38, 0.5], [1.0, np.inf, -3e38, -2.0], [0.9, 0.2, 0.3, 0.6])
    got = []
    for lib in (torch, tg):
        s, e, w = (lib.tensor(np.array(v, np.float32), requires_grad=True) for v in vals)
        y = lib.lerp(s, e, w)
        y.backward(lib.tensor(np.array([1.0, -2.0, 0.5, 3.0], np.float32)))
        got.append([t.detach().numpy() for t in (y, s.grad, e.grad, w.grad)])
    for a, b in zip(*got):
        np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(3)
    s, e = (tg.tensor(rng.standard_normal((3, 4)), requires_grad=True) for _ in range(2))
    w = tg.tensor(rng.uniform(-1, 2, (4,)), requires_grad=True)
    assert gradcheck(lambda s, e, w: tg.lerp(s, e, w), [s, e, w])
    assert tg.autograd.gradgradcheck(lambda s, e, w: tg.lerp(s, e, w) ** 2, [s, e, w])
    for lib in (torch, tg):
        a = lib.ones(3)
        with pytest.raises(RuntimeError, match="expected dtype .* for `end`"):
            lib.lerp(a, a.double(), 0.5)
        with pytest.raises(RuntimeError, match="expected dtype .* for `weight`"):
            lib.lerp(a, a, lib.full((3,), 0.5, dtype=lib.float64))
