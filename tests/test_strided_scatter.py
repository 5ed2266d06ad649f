"""Strided views and scatters into a part (as_strided, diagflat, diagonal/select/slice_scatter, index_reduce),
vander, renorm, isreal, chain_matmul, and the bag reductions of F.embedding_bag / nn.EmbeddingBag: forward and
backward against PyTorch on random float32 inputs (broadcast and non-contiguous inputs where the op takes them),
float64 finite-difference checks, and torch's errors."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from helpers import compare, rand, to_np

# torch warns that index_reduce is in beta and both warn that chain_matmul is deprecated (asserted once below)
pytestmark = pytest.mark.filterwarnings("ignore:.*(index_reduce|chain_matmul)")


def _both_raise(fn, arrays, match):
    """torch refuses these inputs, so teenygrad must too, with an error naming the op (and the bad values)."""
    with pytest.raises(Exception):
        fn(torch, *[torch.from_numpy(a.copy()) for a in arrays])
    with pytest.raises((RuntimeError, IndexError, ValueError, TypeError), match=match):
        fn(tg, *[tg.tensor(a) for a in arrays])


def _d(shape, seed, low=-1.0, high=1.0):
    return tg.tensor(rand(shape, seed, np.float64, low, high), dtype=tg.float64, requires_grad=True)


# ---- as_strided -------------------------------------------------------------------------------------------
AS_STRIDED = [((3, 4), (2, 2), (4, 1), None),      # a block: non-overlapping
              ((3, 4), (3, 3), (1, 1), 1),         # sliding windows: overlapping, gradients add up
              ((12,), (4, 3), (2, 1), 0),          # overlapping rows of a 1-D base
              ((2, 6), (2, 3), (1, 4), 2),         # transposed reading order
              ((3, 4), (3, 2), (0, 1), 5),         # stride 0: every row reads the same elements
              ((3, 4), (0, 3), (1, 1), None)]      # empty


@pytest.mark.parametrize("case", AS_STRIDED)
def test_as_strided_matches_torch(case):
    shape, size, stride, off = case
    compare(lambda L, x: L.as_strided(x * 1, size, stride, off), [rand(shape, 1)])
    compare(lambda L, x: x.as_strided(size, stride, off) * 2, [rand(shape, 2)])  # on the leaf itself


def _write_through(L, x):
    y = x * 1
    y.as_strided((2, 2), (4, 2), 1).mul_(3)  # an in-place op on the view reaches its base, in the graph
    return y.sin()


def test_as_strided_in_place_write_reaches_the_base():
    compare(_write_through, [rand((3, 4), 1)])
    # overlapping windows: torch multiplies a shared element once per window that holds it; teenygrad refuses,
    # as it does for overlapping unfold windows
    with pytest.raises(RuntimeError, match=r"mul_: unsupported operation.*AsStrided"):
        (tg.ones(6, requires_grad=True) * 1).as_strided((2, 3), (1, 1)).mul_(2)


def test_as_strided_on_a_contiguous_view_counts_the_storage_offset():
    # x[1] starts 4 elements into the storage: an explicit storage_offset is counted from the storage's start
    compare(lambda L, x: (x * 1)[1:].as_strided((2, 2), (1, 2), 5), [rand((3, 4), 3)])
    compare(lambda L, x: (x * 1)[1].as_strided((2,), (2,)), [rand((3, 4), 4)])


def test_as_strided_is_a_view():
    for lib in (torch, tg):
        x = lib.zeros(6)
        v = x.as_strided((2, 2), (3, 1), 1)
        v.add_(1)
        assert x.tolist() == [0, 1, 1, 0, 1, 1], lib.__name__
        x[1] = 7
        assert v[0, 0].item() == 7, lib.__name__


def test_as_strided_gradcheck():
    assert gradcheck(lambda a: a.as_strided((3, 3), (1, 1), 1) * a.as_strided((3, 3), (3, 1)), [_d((9,), 1)])
    assert gradcheck(lambda a: a.diagflat(1) * a.reshape(-1).diagflat(1).exp(), [_d((2, 2), 2)])


@pytest.mark.parametrize("args,match", [(((2, 2), (-1, 1)), "negative strides"),
                                        (((2, 2), (1,)), "mismatch in length"),
                                        (((4, 4), (4, 1)), r"need elements 0..15.*holds elements 0..11"),
                                        (((2, 2), (1, 1), -1), "invalid storage offset -1"),
                                        (((-2, 2), (1, 1)), r"negative dimension")])
def test_as_strided_bad_input(args, match):
    _both_raise(lambda L, x: x.as_strided(*args), [rand((3, 4), 1)], match)


def test_as_strided_refuses_a_non_contiguous_input():
    # torch reads the storage behind the transpose; teenygrad reads only a contiguous input's own memory
    torch.from_numpy(rand((3, 4), 1)).T.as_strided((2,), (1,))
    with pytest.raises(RuntimeError, match=r"as_strided: .*contiguous.*strides \(1, 4\)"):
        tg.tensor(rand((3, 4), 1)).T.as_strided((2,), (1,))


# ---- diagflat and the *_scatter ops ------------------------------------------------------------------------
@pytest.mark.parametrize("shape,offset", [((4,), 0), ((2, 3), 1), ((2, 2), -2), ((), 0)])
def test_diagflat_matches_torch(shape, offset):
    compare(lambda L, x: L.diagflat(x, offset), [rand(shape, 1)])
    if len(shape) == 2:
        compare(lambda L, x: x.diagflat(offset), [rand(shape, 2)], layout="T")


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("shape,src,kw", [((4, 4), (4,), {}), ((3, 5), (3,), {"offset": 1}),
                                          ((3, 5), (2,), {"offset": -1}),
                                          ((2, 3, 4), (2, 3), {"dim1": 1, "dim2": 2}),
                                          ((2, 3, 4), (3, 1), {"offset": 1, "dim1": 2, "dim2": 0})])
def test_diagonal_scatter_matches_torch(layout, shape, src, kw):
    compare(lambda L, x, s: L.diagonal_scatter(x, s, **kw), [rand(shape, 1), rand(src, 2)], layout=layout)


@pytest.mark.parametrize("layout", ["contig", "T", "step"])
@pytest.mark.parametrize("shape,src,dim,index", [((4, 3), (3,), 0, 1), ((4, 3), (4,), 1, -1),
                                                 ((2, 3, 4), (2, 4), 1, 2), ((5,), (), 0, 3)])
def test_select_scatter_matches_torch(layout, shape, src, dim, index):
    compare(lambda L, x, s: L.select_scatter(x, s, dim, index), [rand(shape, 1), rand(src, 2)], layout=layout)


@pytest.mark.parametrize("layout", ["contig", "T", "step"])
@pytest.mark.parametrize("shape,src,args", [((6, 3), (2, 3), (0, 1, 5, 2)), ((6, 3), (2, 3), (0, -5, -1, 2)),
                                            ((6, 3), (6, 2), (1, 1)), ((6, 3), (6, 3), (0, -100, 100)),
                                            ((6, 3), (0, 3), (0, 7, 9)), ((2, 3, 4), (2, 3, 2), (2, None, None, 3))])
def test_slice_scatter_matches_torch(layout, shape, src, args):
    compare(lambda L, x, s: L.slice_scatter(x, s, *args), [rand(shape, 1), rand(src, 2)], layout=layout)


def test_scatter_into_casts_src_and_keeps_float32():
    compare(lambda L, x, s: x.select_scatter(s, 0, 1), [rand((3, 3), 1), rand((3,), 2, np.float64)])
    compare(lambda L, x, s: x.slice_scatter(s, 1, 0, 2), [rand((3, 3), 1), rand((3, 2), 2, np.int64, -3, 3)])


def test_scatter_into_gradcheck():
    assert gradcheck(lambda a, s, t: a.diagonal_scatter(s * s, 1) + a.select_scatter(s.sin(), 1, 2)
                     + a.slice_scatter(t.exp(), 0, 1, 4, 2).sin(), [_d((4, 5), 1), _d((4,), 2), _d((2, 5), 3)])


@pytest.mark.parametrize("fn,match", [
    (lambda L, x, s: L.diagonal_scatter(x, s[:2]), r"diagonal_scatter: .*src \(2,\), slice \(3,\)"),
    (lambda L, x, s: L.diagonal_scatter(x, s, 0, 0, 0), "diagonal_scatter: dim1 and dim2"),
    (lambda L, x, s: L.select_scatter(x, s[:2], 0, 1), r"select_scatter: .*src \(2,\), slice \(3,\)"),
    (lambda L, x, s: L.select_scatter(x, s, 0, 3), "select_scatter: index 3 is out of range"),
    (lambda L, x, s: L.select_scatter(x, s, 2, 0), "select_scatter: dim"),
    (lambda L, x, s: L.slice_scatter(x, s.expand(3, 3), 0, 0, 3, 2), r"slice_scatter: .*src \(3, 3\), slice \(2, 3\)"),
    (lambda L, x, s: L.slice_scatter(x, s.expand(2, 3), 0, 1, 5, 0), "slice_scatter: slice step must be positive"),
])
def test_scatter_into_bad_input(fn, match):
    _both_raise(fn, [rand((3, 3), 1), rand((3,), 2)], match)


# ---- index_reduce ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_index_reduce_matches_torch(reduce, include_self, layout):
    idx = np.array([0, 2, 0, 3, 2, 0])
    compare(lambda L, x, s, i: x.index_reduce(0, i, s, reduce, include_self=include_self),
            [rand((5, 3), 1), rand((6, 3), 2), idx], layout=layout)
    compare(lambda L, x, s, i: L.index_reduce(x, -1, i, s, reduce, include_self=include_self),
            [rand((2, 5), 3), rand((2, 6), 4), idx], layout=layout)


def test_index_reduce_ties_and_integers():
    # tied maxima share the gradient as torch shares it; integer means floor
    compare(lambda L, x, s, i: x.index_reduce(0, i, s, "amax"),
            [np.array([[1., 5.], [2., 2.]], np.float32), np.array([[1., 5.], [1., 3.]], np.float32), np.array([0, 0])])
    compare(lambda L, x, s, i: x.index_reduce(0, i, s, "mean"),
            [rand((3, 2), 1, np.int64, -9, 9), rand((2, 2), 2, np.int64, -9, 9), np.array([0, 0])])
    compare(lambda L, x, s, i: x.index_reduce(0, i, s, "prod"), [rand((), 1), rand((), 2), np.array([0])])


def test_index_reduce_in_place():
    for lib in (torch, tg):
        x = lib.ones(3, 2)
        out = x.index_reduce_(0, lib.tensor([0, 0]), lib.full((2, 2), 3.0), "prod")
        assert out is x and x[0].tolist() == [9.0, 9.0] and x[1].tolist() == [1.0, 1.0], lib.__name__


def test_index_reduce_gradcheck():
    i = tg.tensor([1, 0, 1, 1])
    assert gradcheck(lambda x, s: x.index_reduce(0, i, s, "prod") + x.index_reduce(0, i, s, "mean")
                     + x.index_reduce(0, i, s, "amax", include_self=False), [_d((3, 2), 1), _d((4, 2), 2)])


@pytest.mark.parametrize("fn,match", [
    (lambda L, x, s, i: x.index_reduce(0, i, s, "sum"), "index_reduce: reduce must be one of prod"),
    (lambda L, x, s, i: x.index_reduce(0, i + 3, s, "prod"), "index_reduce: index 4 is out of range"),
    (lambda L, x, s, i: x.index_reduce(0, i - 1, s, "prod"), "index_reduce: index -1 is out of range"),
    (lambda L, x, s, i: x.index_reduce(0, L.cat([i, i]), s, "prod"), "index_reduce: index has 4 entries"),
    (lambda L, x, s, i: x.index_reduce(0, i.float(), s, "prod"), "index_reduce: expected an int32/int64 index"),
    (lambda L, x, s, i: x.index_reduce(0, i, s.double(), "prod"), "index_reduce: self.*float32.*float64"),
    (lambda L, x, s, i: x.index_reduce(0, i[None], s, "prod"), r"index_reduce: index must be 0-D or 1-D"),
    (lambda L, x, s, i: x.index_reduce(0, i, s.T, "prod"), r"index_reduce: source shape \(3, 2\)"),
])
def test_index_reduce_bad_input(fn, match):
    _both_raise(fn, [rand((3, 3), 1), rand((2, 3), 2), np.array([0, 1])], match)


# ---- vander, renorm, isreal, chain_matmul ------------------------------------------------------------------
@pytest.mark.parametrize("N,increasing", [(None, False), (4, True), (1, False), (0, True), (5, False)])
def test_vander_matches_torch(N, increasing):
    x = rand((4,), 1)
    x[2] = 0.0  # x = 0: the running product still has a gradient at x^1
    compare(lambda L, a: L.vander(a, N, increasing), [x], grad=[False])
    compare(lambda L, a: L.vander(a, N, increasing), [rand((3,), 2, np.int64, -4, 4)])
    compare(lambda L, a: L.vander(a[::2], N, increasing), [rand((6,), 3)], grad=[False])  # a strided view
    if N is not None and N <= 1:  # a constant: no graph in torch either
        assert not tg.vander(tg.tensor(x, requires_grad=True), N).requires_grad
        return
    # torch.vander's own backward fails (it writes its cumprod in place), so its gradient oracle is x^k
    compare(lambda L, a: L.vander(a, N, increasing), [x], fn_torch=lambda L, a: _powers(a, N, increasing))
    compare(lambda L, a: L.vander(a[::2], N, increasing), [rand((6,), 3)],
            fn_torch=lambda L, a: _powers(a[::2], N, increasing))


def _powers(a, N, increasing):
    k = torch.arange(a.shape[0] if N is None else N, dtype=a.dtype)
    return a[:, None] ** (k if increasing else k.flip(0))


def test_vander_bool_and_gradcheck():
    compare(lambda L, a: L.vander(a), [np.array([True, False])])
    assert gradcheck(lambda a: tg.vander(a, 4) * tg.vander(a, 4, increasing=True), [_d((3,), 1)])


@pytest.mark.parametrize("fn,match", [(lambda L, a: L.vander(a, -1), "vander: N must be non-negative, got -1"),
                                      (lambda L, a: L.vander(a.reshape(2, 2)), r"vander: .*shape \(2, 2\)"),
                                      (lambda L, a: L.vander(a[0]), r"vander: .*one-dimensional")])
def test_vander_bad_input(fn, match):
    _both_raise(fn, [rand((4,), 1)], match)


@pytest.mark.parametrize("p", [2, 1, 3.5, float("inf")])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_renorm_matches_torch(p, dim, layout):
    x = rand((4, 3, 2), 1) if layout == "contig" else rand((3, 4), 1)
    x[1] = 0  # a zero slice stays zero with a finite gradient
    maxnorm = 1.5
    compare(lambda L, a: L.renorm(a, p, dim, maxnorm), [x], layout=layout)
    compare(lambda L, a: a.renorm(p, dim, 0.0) + 1, [x], layout=layout)


def test_renorm_in_place_and_gradcheck():
    for lib in (torch, tg):
        x = lib.full((2, 3), 2.0)
        assert x.renorm_(2, 0, 1.0) is x and abs(x.norm(2, 1) - 1.0).max().item() < 1e-6, lib.__name__
    assert gradcheck(lambda a: a.renorm(2, 1, 0.8) + a.renorm(3, 0, 1.2), [_d((3, 4), 1)])


@pytest.mark.parametrize("fn,match", [(lambda L, a: L.renorm(a[0], 2, 0, 1.0), "renorm: input needs at least 2"),
                                      (lambda L, a: L.renorm(a, 0, 0, 1.0), "renorm: p must be positive, got 0 "),
                                      (lambda L, a: L.renorm(a, -1, 0, 1.0), "renorm: p must be positive, got -1 "),
                                      (lambda L, a: L.renorm(a, 2, 0, -1.0), "renorm: .*maxnorm.* got -1"),
                                      (lambda L, a: L.renorm(a, 2, 2, 1.0), "renorm: dim"),
                                      (lambda L, a: L.renorm(a.long(), 2, 0, 1.0), "renorm: .*floating.*int64")])
def test_renorm_bad_input(fn, match):
    _both_raise(fn, [rand((3, 2), 1)], match)


@pytest.mark.parametrize("a", [rand((2, 3), 1), rand((4,), 2, np.int64, -3, 3), rand((), 3), np.array([True])])
def test_isreal_matches_torch(a):
    compare(lambda L, x: L.isreal(x), [a], grad=[False])
    compare(lambda L, x: x.isreal(), [a], grad=[False])


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4), (4, 1)], [(3, 2)], [(1, 5), (5, 5), (5, 2), (2, 3)]])
def test_chain_matmul_matches_torch(shapes):
    compare(lambda L, *ms: L.chain_matmul(*ms), [rand(s, i) for i, s in enumerate(shapes)])
    if len(shapes) > 1:
        compare(lambda L, *ms: L.chain_matmul(*ms), [rand(s, i) for i, s in enumerate(shapes)], layout="T")


def test_chain_matmul_gradcheck_and_warning():
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        tg.chain_matmul(tg.ones(2, 2))
    assert gradcheck(lambda a, b, c: tg.chain_matmul(a, b, c), [_d((2, 3), 1), _d((3, 3), 2), _d((3, 2), 3)])


@pytest.mark.parametrize("fn,match", [(lambda L, a: L.chain_matmul(), "chain_matmul: expected one or more"),
                                      (lambda L, a: L.chain_matmul(a, a), r"chain_matmul: .*\(2, 3\) and \(2, 3\)"),
                                      (lambda L, a: L.chain_matmul(a, a[0]), r"chain_matmul: matrix 1 .*\(3,\)"),
                                      (lambda L, a: L.chain_matmul(a, a.T.double()), "chain_matmul: .*float64")])
def test_chain_matmul_bad_input(fn, match):
    _both_raise(fn, [rand((2, 3), 1)], match)


def test_module_level_spellings_are_the_methods():
    x = tg.tensor(rand((3, 4), 1))
    for name in ["as_strided", "diagflat", "diagonal_scatter", "select_scatter", "slice_scatter", "index_reduce",
                 "renorm", "isreal"]:
        assert callable(getattr(tg, name)) and hasattr(tg.Tensor, name), name
    assert np.array_equal(to_np(tg.as_strided(x, (2,), (5,))), to_np(x.as_strided((2,), (5,))))


# ---- embedding_bag / EmbeddingBag: sums, means and maxima over bags of rows --------------------------------
IDS = np.array([1, 2, 4, 5, 4, 3, 2, 0, 4, 1])
BAGS = {"2d": (IDS.reshape(2, 5), None, False), "offsets": (IDS, np.array([0, 3, 3, 6]), False),
        "last_offset": (IDS, np.array([0, 4, 4, 10]), True), "int32": (IDS.astype(np.int32), np.array([0, 7], np.int32),
                                                                      False)}


def _bag(L, w, i, o, **kw):
    return L.nn.functional.embedding_bag(i, w, o, **kw)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("bags", list(BAGS))
@pytest.mark.parametrize("padding_idx", [None, 4, -2])
def test_embedding_bag_matches_torch(mode, bags, padding_idx):
    ids, offsets, last = BAGS[bags]
    arrays = [rand((6, 3), 1), ids] + ([] if offsets is None else [offsets])
    fn = (lambda L, w, i, o=None: _bag(L, w, i, o, mode=mode, include_last_offset=last, padding_idx=padding_idx))
    compare(fn, arrays)
    compare(fn, arrays, layout="T")  # a transposed (non-contiguous) table


def test_embedding_bag_last_offset_short_of_the_end():
    # torch documents offsets[-1] == len(input) with include_last_offset; short of it, torch's own kernels disagree
    # (mean divides by the size up to the end, padding and non-contiguous tables sum to the end). Its contiguous
    # sum stops at the last offset, as teenygrad does in every mode
    fn = lambda L, w, i, o: _bag(L, w, i, o, mode="sum", include_last_offset=True)
    compare(fn, [rand((6, 3), 1), IDS, np.array([0, 4, 4, 9])], grad=[False, False, False])
    # torch's backward here is not even consistent with its own forward (a run on a fresh machine gave another
    # gradient than every other run), so ours is checked against the sum itself: each id before the last offset
    # receives its bag's upstream gradient, the id past it nothing
    w = tg.tensor(rand((6, 3), 1), requires_grad=True)
    g = rand((3, 3), 2)
    fn(tg, w, tg.tensor(IDS), tg.tensor([0, 4, 4, 9])).backward(tg.tensor(g))
    want = np.zeros((6, 3), np.float32)
    for bag, (lo, hi) in enumerate([(0, 4), (4, 4), (4, 9)]):
        np.add.at(want, IDS[lo:hi], g[bag])
    np.testing.assert_allclose(w.grad.numpy(), want, rtol=1e-6)
    y = _bag(tg, tg.tensor(rand((6, 3), 1)), tg.tensor(IDS), tg.tensor([0, 4, 9]), mode="mean",
             include_last_offset=True)
    np.testing.assert_allclose(to_np(y)[1], rand((6, 3), 1)[IDS[4:9]].mean(0), rtol=1e-6)


@pytest.mark.parametrize("bags", list(BAGS))
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_bag_per_sample_weights(bags, padding_idx):
    ids, offsets, last = BAGS[bags]
    fn = (lambda L, w, p, i, o=None: _bag(L, w, i, o, mode="sum", per_sample_weights=p, include_last_offset=last,
                                          padding_idx=padding_idx))
    compare(fn, [rand((6, 3), 1), rand(ids.shape, 2), ids] + ([] if offsets is None else [offsets]))


def test_embedding_bag_max_ties_go_to_the_first_row():
    w = np.array([[1., 5.], [1., 2.], [3., 0.], [9., 9.]], np.float32)  # rows 0 and 1 tie in column 0
    compare(lambda L, w, i: _bag(L, w, i, None, mode="max"), [w, np.array([[0, 1, 2], [3, 1, 0]])])
    compare(lambda L, w, i: _bag(L, w, i, None, mode="max", padding_idx=3), [w, np.array([[0, 1, 2], [3, 1, 0]])])


def test_embedding_bag_empty_input_and_max_norm():
    for mode in ["sum", "mean", "max"]:
        compare(lambda L, w, i, o: _bag(L, w, i, o, mode=mode), [rand((5, 2), 1), np.zeros(0, np.int64),
                                                                 np.array([0, 0])])
        w = rand((6, 3), 2)
        ours, theirs = tg.tensor(w), torch.tensor(w)
        got = _bag(tg, ours, tg.tensor(IDS), tg.tensor([0, 4]), mode=mode, max_norm=1.0, norm_type=3)
        want = _bag(torch, theirs, torch.tensor(IDS), torch.tensor([0, 4]), mode=mode, max_norm=1.0, norm_type=3)
        np.testing.assert_allclose(to_np(got), to_np(want), atol=1e-6, rtol=1e-5)
        np.testing.assert_allclose(to_np(ours), to_np(theirs), atol=1e-6, rtol=1e-5)  # renormed in place


def test_embedding_bag_gradcheck():
    w, p = _d((5, 3), 1), _d((7,), 2)
    i, o = tg.tensor([0, 4, 2, 2, 1, 3, 0]), tg.tensor([0, 2, 2, 5])
    F = tg.nn.functional
    assert gradcheck(lambda w, p: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=p, padding_idx=1)
                     + F.embedding_bag(i, w, o, mode="mean") + F.embedding_bag(i, w * 2, o, mode="max"), [w, p])


def test_embedding_bag_module_matches_torch():
    torch.manual_seed(0)
    for kw in [dict(), dict(mode="max", padding_idx=1), dict(mode="sum", include_last_offset=True)]:
        tm, m = torch.nn.EmbeddingBag(6, 3, **kw), tg.nn.EmbeddingBag(6, 3, **kw)
        assert repr(m) == repr(tm) and [n for n, _ in m.named_parameters()] == ["weight"]
        if kw.get("padding_idx") is not None:
            assert not m.weight.numpy()[1].any()  # the padding row starts at zero
        m.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
        i, o = IDS, np.array([0, 2, 7, 10] if kw.get("include_last_offset") else [0, 2, 7])
        y, ty = m(tg.tensor(i), tg.tensor(o)), tm(torch.tensor(i), torch.tensor(o))
        np.testing.assert_allclose(to_np(y), to_np(ty), atol=1e-6, rtol=1e-5)
        y.square().sum().backward()
        ty.square().sum().backward()
        np.testing.assert_allclose(to_np(m.weight.grad), to_np(tm.weight.grad), atol=1e-5, rtol=1e-5)
    w = rand((4, 2), 3)
    m, tm = tg.nn.EmbeddingBag.from_pretrained(tg.tensor(w), mode="sum"), torch.nn.EmbeddingBag.from_pretrained(
        torch.tensor(w), mode="sum")
    assert not m.weight.requires_grad and repr(m) == repr(tm)
    np.testing.assert_allclose(to_np(m(tg.tensor([[0, 3]]))), to_np(tm(torch.tensor([[0, 3]]))), atol=1e-6)


@pytest.mark.parametrize("fn,match", [
    (lambda L, w, i: _bag(L, w, i.reshape(2, 5), i[:2]), "embedding_bag: if input is 2-D"),
    (lambda L, w, i: _bag(L, w, i, None), "embedding_bag: with a 1-D input, offsets has to be"),
    (lambda L, w, i: _bag(L, w, i, i[1:3]), r"embedding_bag: offsets\[0\] has to be 0.*got 2"),
    (lambda L, w, i: _bag(L, w, i, L.tensor([0, 11])), r"offsets\[-1\] can not be greater than input's length 10"),
    (lambda L, w, i: _bag(L, w, i, L.tensor([0, 2]), mode="mean", per_sample_weights=w[0, :1].expand(10)),
     "per_sample_weights is only supported for mode='sum'"),
    (lambda L, w, i: _bag(L, w, i, L.tensor([0, 2]), mode="sum", per_sample_weights=w[0, :1].expand(9)),
     r"per_sample_weights \(shape \(9,\)\) must have the same shape as the input \(\(10,\)\)"),
    (lambda L, w, i: _bag(L, w, i, L.tensor([0, 2]), mode="sum", per_sample_weights=w[0, :1].expand(10).double()),
     "per_sample_weights .*float64.* weight .*float32"),
    (lambda L, w, i: _bag(L, w, i, L.tensor([0, 2]), mode="median"), "mode has to be one of sum, mean or max"),
    (lambda L, w, i: _bag(L, w, i + 1, L.tensor([0, 2])), "embedding_bag: index 6 is out of range .* 6 rows"),
    (lambda L, w, i: _bag(L, w, i - 3, L.tensor([0, 2])), "embedding_bag: index -3 is out of range"),
    (lambda L, w, i: _bag(L, w, i[:0].reshape(2, 0), None), r"embedding_bag: .*bags of at least one id.*\(2, 0\)"),
    (lambda L, w, i: _bag(L, w, i.float(), L.tensor([0, 2])), "embedding_bag: expected integer indices"),
    (lambda L, w, i: _bag(L, w, i, L.tensor([0, 2]).float()), "embedding_bag: offsets must be an integer"),
    (lambda L, w, i: _bag(L, w, i, L.tensor([[0, 2]])), r"embedding_bag: offsets has to be a 1-D tensor"),
    (lambda L, w, i: _bag(L, w[0], i, L.tensor([0, 2])), r"embedding_bag: weight has to be a 2-D tensor"),
    (lambda L, w, i: _bag(L, w, i, L.tensor([0, 2]), padding_idx=6), "padding_idx must be within .* -6 through 5"),
    (lambda L, w, i: _bag(L, w, i.reshape(1, 2, 5), None), "embedding_bag: input has to be a 1-D or 2-D"),
    (lambda L, w, i: _bag(L, w, i, L.tensor([0, 2]), mode="max", scale_grad_by_freq=True),
     "max mode does not support scaling the gradient"),
])
def test_embedding_bag_bad_input(fn, match):
    _both_raise(fn, [rand((6, 3), 1), IDS], match)
