"""Top-level torch functions and Tensor methods teaching code reaches for (teenygrad/tensor_top_api.py): poisson
(torch's draws bit for bit), torch.dropout / layer_norm / group_norm / batch_norm / instance_norm / embedding
with torch's own argument orders, Tensor.prelu / hardshrink, empty_strided, pdist, gradient, narrow_copy. Each
is compared with torch (the oracle): values, dtypes, shapes, gradients, and errors on bad input."""
import math
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import compare, rand, raises_like_torch, to_np, NP_DTYPE


def _same_bits(got, want):
    assert tuple(got.shape) == tuple(want.shape)
    assert got.dtype == NP_DTYPE[want.dtype]
    np.testing.assert_array_equal(to_np(got), to_np(want))


# ---- poisson ----------------------------------------------------------------------------------------
RATES = [np.float32(3.5), np.zeros(0, np.float32), np.array([0.0, 0.5, 9.99, 10.0, 250.0], np.float32),
         np.random.default_rng(0).uniform(0, 40, (6, 7)).astype(np.float32),
         np.random.default_rng(1).uniform(0, 5, (3, 4, 5))]


@pytest.mark.parametrize("i", range(len(RATES)))
def test_poisson_matches_torch_bitwise(i):
    r = np.asarray(RATES[i])
    tg.manual_seed(7)
    torch.manual_seed(7)
    _same_bits(tg.poisson(tg.tensor(r)), torch.poisson(torch.tensor(r)))
    _same_bits(tg.rand(3), torch.rand(3))  # the default generators advanced alike


def test_poisson_float16_and_transposed_input():
    r = np.random.default_rng(2).uniform(0, 20, (4, 6)).astype(np.float32)
    tg.manual_seed(3)
    torch.manual_seed(3)
    _same_bits(tg.poisson(tg.tensor(r).t()), torch.poisson(torch.tensor(r).t()))  # C order of the output
    h = r.astype(np.float16)
    _same_bits(tg.poisson(tg.tensor(h)), torch.poisson(torch.tensor(h)))


def test_poisson_explicit_generator_leaves_the_default_alone():
    r = np.random.default_rng(4).uniform(0, 30, (5, 5)).astype(np.float32)
    tg.manual_seed(0)
    torch.manual_seed(0)
    g_tg, g_th = tg.Generator().manual_seed(11), torch.Generator().manual_seed(11)
    _same_bits(tg.poisson(tg.tensor(r), g_tg), torch.poisson(torch.tensor(r), g_th))
    _same_bits(tg.poisson(tg.tensor(r), generator=g_tg), torch.poisson(torch.tensor(r), generator=g_th))
    _same_bits(tg.rand(4), torch.rand(4))


def test_poisson_gradient_is_zero():
    r = np.array([1.0, 20.0, 0.5], np.float32)
    x_tg, x_th = tg.tensor(r, requires_grad=True), torch.tensor(r, requires_grad=True)
    y_tg, y_th = tg.poisson(x_tg), torch.poisson(x_th)
    assert y_tg.requires_grad and y_th.requires_grad
    (y_tg * 3).sum().backward()
    (y_th * 3).sum().backward()
    _same_bits(x_tg.grad, x_th.grad)
    with tg.no_grad():
        assert not tg.poisson(x_tg).requires_grad


def test_poisson_bad_input():
    raises_like_torch(lambda lib: lib.poisson(lib.tensor([1, 2])), RuntimeError, "poisson.*floating.*int64")
    raises_like_torch(lambda lib: lib.poisson(lib.tensor([1.0, -1.0])), RuntimeError, "non-negative")
    raises_like_torch(lambda lib: lib.poisson([1.0]), TypeError, "poisson.*Tensor.*list")


# ---- torch's top-level spellings of nn.functional ops -----------------------------------------------
def test_dropout_matches_torch_draws():
    x = rand((4, 6))
    for p, train in [(0.3, True), (0.0, True), (1.0, True), (0.5, False)]:
        tg.manual_seed(5)
        torch.manual_seed(5)
        compare(lambda lib, a: lib.dropout(a, p, train), [x])
    tg.manual_seed(5)
    torch.manual_seed(5)
    compare(lambda lib, a: lib.dropout(input=a, p=0.2, train=True), [x])


def test_dropout_bad_input():
    raises_like_torch(lambda lib: lib.dropout(lib.ones(3), 1.5, True), RuntimeError, "between 0 and 1.*1.5")
    raises_like_torch(lambda lib: lib.dropout(lib.ones(3), 0.5), TypeError, "train")


def test_layer_norm_and_group_norm():
    x, w, b = rand((2, 4, 3), 1), rand((4, 3), 2), rand((4, 3), 3)
    compare(lambda lib, a, c, d: lib.layer_norm(a, (4, 3), c, d, 1e-5, True), [x, w, b])
    compare(lambda lib, a: lib.layer_norm(a, [3], eps=1e-3, cudnn_enable=False), [x])
    compare(lambda lib, a, c, d: lib.group_norm(a, 2, c, d, 1e-5, True), [x, w[:, 0].copy(), b[:, 0].copy()])
    compare(lambda lib, a: lib.group_norm(a, 1), [x])


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_and_instance_norm(training):
    x, w, b = rand((3, 4, 5), 1), rand((4,), 2), rand((4,), 3)
    stats = {}
    for lib in (tg, torch):
        stats[lib] = [lib.tensor(rand((4,), 4)), lib.tensor(rand((4,), 5, low=0.5, high=2.0))]
    compare(lambda lib, a, c, d: lib.batch_norm(a, c, d, *stats[lib], training, 0.2, 1e-5, True), [x, w, b])
    for s_tg, s_th in zip(stats[tg], stats[torch]):  # the running statistics moved alike
        np.testing.assert_allclose(to_np(s_tg), to_np(s_th), atol=1e-6, rtol=1e-5)
    compare(lambda lib, a, c, d: lib.instance_norm(a, c, d, None, None, True, 0.1, 1e-5, True), [x, w, b])


def test_norm_aliases_take_torchs_argument_counts():
    raises_like_torch(lambda lib: lib.batch_norm(lib.ones(2, 3), None, None), TypeError, "batch_norm")
    raises_like_torch(lambda lib: lib.layer_norm(lib.ones(2, 3), (3,), cudnn_enabled=True), TypeError,
                      "cudnn_enabled")


@pytest.mark.parametrize("padding_idx", [-1, -2, 2])
def test_embedding_weight_first(padding_idx):
    w, idx = rand((5, 3), 1), np.array([[0, 2], [2, 4]])
    compare(lambda lib, a, i: lib.embedding(a, i, padding_idx), [w, idx])
    compare(lambda lib, a, i: lib.embedding(a, i, padding_idx, True), [w, idx])  # scale_grad_by_freq


def test_embedding_bad_input():
    w = np.ones((5, 3), np.float32)
    raises_like_torch(lambda lib: lib.embedding(lib.tensor(w), lib.tensor([1.0])), RuntimeError,
                      "embedding.*integer")
    raises_like_torch(lambda lib: lib.embedding(lib.tensor(w), lib.tensor([7])), IndexError, "7.*out of range")


# ---- Tensor.prelu / hardshrink ----------------------------------------------------------------------
def test_prelu_and_hardshrink_methods():
    x = rand((2, 3, 4), 1)
    compare(lambda lib, a, w: a.prelu(w), [x, rand((3,), 2)])
    compare(lambda lib, a, w: a.prelu(w), [x, rand((1,), 3)])
    compare(lambda lib, a: a.hardshrink(), [x])
    compare(lambda lib, a: a.hardshrink(1.2), [x])
    compare(lambda lib, a: a.hardshrink(lambd=0.1), [x])


# ---- empty_strided ----------------------------------------------------------------------------------
@pytest.mark.parametrize("size,stride", [((2, 3), (1, 2)), ((2, 3), (3, 1)), ((4,), (2,)), ((), ()),
                                         ((2, 0, 3), (3, 3, 1)), ([3, 2], [1, 3])])
def test_empty_strided(size, stride):
    a, b = tg.empty_strided(size, stride), torch.empty_strided(size, stride)
    assert tuple(a.shape) == tuple(b.shape) and a.stride() == b.stride() and a.dtype == tg.float32
    c = tg.empty_strided(size, stride, dtype=tg.float64, requires_grad=True)
    assert c.dtype == tg.float64 and c.requires_grad and c.stride() == b.stride()
    assert tg.empty_strided(size, stride, dtype=tg.int32, device="cpu").dtype == tg.int32


def test_empty_strided_bad_input():
    raises_like_torch(lambda lib: lib.empty_strided((2, 3), (1,)), RuntimeError, "empty_strided.*stride")
    raises_like_torch(lambda lib: lib.empty_strided((2, -3), (1, 2)), RuntimeError, "empty_strided.*negative")
    raises_like_torch(lambda lib: lib.empty_strided((2, 3), (1, -2)), RuntimeError, "empty_strided.*negative")
    raises_like_torch(lambda lib: lib.ones(2).new_empty_strided((2, 3), (1,)), RuntimeError, "new_empty_strided")


# ---- pdist ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0, 0.5, 1, 1.5, 2, 3, math.inf])
def test_pdist_matches_torch(p):
    x = rand((6, 4), 1)
    x[3] = x[1]  # a zero distance: its gradient is 0
    x[4, 0] = x[2, 0]  # one zero difference
    compare(lambda lib, a: lib.pdist(a, p), [x])
    compare(lambda lib, a: lib.pdist(a, p=p), [x.astype(np.float64)])


def test_pdist_small_inputs_and_default_p():
    compare(lambda lib, a: lib.pdist(a), [rand((5, 3), 2)])
    for shape in [(1, 3), (4, 0)]:
        compare(lambda lib, a: lib.pdist(a), [rand(shape, 3)])
    compare(lambda lib, a: lib.pdist(a), [rand((0, 3), 3)], grad=[False])  # torch's backward crashes on it
    compare(lambda lib, a: lib.nn.functional.pairwise_distance(a[:1], a[1:]), [rand((2, 3), 4)])  # untouched


@pytest.mark.parametrize("p", [1.5, 2, 3])
def test_pdist_gradcheck(p):
    from teenygrad.autograd import gradcheck
    x = tg.tensor(np.random.default_rng(5).standard_normal((5, 3)), requires_grad=True)
    assert gradcheck(lambda a: tg.pdist(a, p), (x,), eps=1e-6, atol=1e-5)


def test_pdist_bad_input():
    raises_like_torch(lambda lib: lib.pdist(lib.ones(3)), RuntimeError, "pdist.*2D.*1D")
    raises_like_torch(lambda lib: lib.pdist(lib.ones(3, 2, dtype=lib.int64)), RuntimeError, "pdist.*floating")
    raises_like_torch(lambda lib: lib.pdist(lib.ones(3, 2), -1), RuntimeError, "pdist.*non-negative")


def test_cdist_unchanged():
    for p in [0, 0.5, 1, 2, 3, math.inf]:
        compare(lambda lib, a, b: lib.cdist(a, b, p), [rand((2, 4, 3), 1), rand((2, 5, 3), 2)])


# ---- gradient ---------------------------------------------------------------------------------------
F2 = rand((5, 4), 1)
COORDS = [np.array([0.0, 0.5, 1.7, 2.0, 4.0], np.float32), np.array([-1.0, 0.0, 0.3, 2.0], np.float32)]


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("kw", [{}, {"spacing": 2.0}, {"spacing": 3}, {"dim": 1}, {"dim": -2, "spacing": 0.5},
                                {"dim": [1, 0], "spacing": [2.0, 3.0]}, {"spacing": (0.5, 4)},
                                {"dim": 0, "spacing": [2.0]}])
def test_gradient_uniform_spacing(kw, edge_order):
    out_tg, out_th = compare(lambda lib, a: lib.gradient(a, edge_order=edge_order, **kw), [F2])
    assert isinstance(out_tg, list) and len(out_tg) == len(out_th)


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_coordinates(edge_order, dtype):
    def fn(lib, a, c0, c1):
        return lib.gradient(a, spacing=[c0, c1], edge_order=edge_order)
    compare(fn, [F2, COORDS[0].astype(dtype), COORDS[1].astype(dtype)], grad=[True, False, False])
    compare(lambda lib, a, c: lib.gradient(a, spacing=[c], dim=1, edge_order=edge_order),
            [F2.astype(dtype), COORDS[1]], grad=[True, False])
    compare(lambda lib, a, c: lib.gradient(a, spacing=[c], dim=0, edge_order=edge_order),
            [F2, np.array([0, 1, 3, 4, 7])], grad=[True, False])  # int64 coordinates


def test_gradient_dtypes_and_small_shapes():
    compare(lambda lib, a: lib.gradient(a), [np.array([1, 4, 9, 16])])  # int64 -> float32
    compare(lambda lib, a: lib.gradient(a, spacing=2), [np.array([1, 4, 9, 16], np.int32)])
    compare(lambda lib, a: lib.gradient(a), [np.array([1, 4, 9, 16], np.float16)], fwd=dict(atol=1e-3, rtol=1e-3))
    compare(lambda lib, a: lib.gradient(a), [rand((2, 3), 1)])  # size 2: only the one-sided ends
    compare(lambda lib, a: lib.gradient(a, dim=0), [rand((4, 1), 1)])  # only dim 0 needs 2 values
    assert tg.gradient(tg.tensor(3.0)) == () == torch.gradient(torch.tensor(3.0))
    compare(lambda lib, a: lib.gradient(a, spacing=lib.tensor(2.0)), [rand((4,), 2)])


def test_gradient_bad_input():
    x = lambda lib, *s: lib.ones(*(s or (4,)))  # noqa: E731
    raises_like_torch(lambda lib: lib.gradient(x(lib), edge_order=3), RuntimeError, "edge_order")
    raises_like_torch(lambda lib: lib.gradient(x(lib), spacing=[1, 2]), RuntimeError, "spacing.*length 2")
    raises_like_torch(lambda lib: lib.gradient(x(lib, 4, 4), dim=[0, 0]), RuntimeError, "multiple times")
    raises_like_torch(lambda lib: lib.gradient(x(lib), dim=1), IndexError, "out of range")
    raises_like_torch(lambda lib: lib.gradient(x(lib, 2, 1)), RuntimeError, "at least edge_order\\+1")
    raises_like_torch(lambda lib: lib.gradient(x(lib, 2, 2), edge_order=2), RuntimeError, "at least edge_order")
    raises_like_torch(lambda lib: lib.gradient(x(lib), spacing=[lib.tensor([1.0, 2.0])]), RuntimeError,
                      "coordinates.*size 4")
    raises_like_torch(lambda lib: lib.gradient(x(lib), spacing=[lib.tensor(2.0)]), RuntimeError, "1-D")
    raises_like_torch(lambda lib: lib.gradient(lib.tensor([True, False, True])), RuntimeError, "bool")
    raises_like_torch(lambda lib: lib.gradient([1.0, 2.0]), TypeError, "Tensor")


# ---- narrow_copy ------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [(0, 1, 2), (1, -3, 2), (-1, 0, 0), (1, 2, 2)])
def test_narrow_copy(args):
    x = rand((3, 4), 1)
    out_tg, _ = compare(lambda lib, a: a.narrow_copy(*args), [x])
    assert out_tg[0].is_contiguous()
    compare(lambda lib, a: lib.narrow_copy(a, *args), [x])
    compare(lambda lib, a: a.narrow_copy(*args), [x], layout="T")


def test_narrow_copy_owns_its_memory():
    x = tg.zeros(3, 4)
    y = x.narrow_copy(0, 0, 2)
    y += 1
    assert float(x.sum()) == 0.0


def test_narrow_copy_bad_input():
    raises_like_torch(lambda lib: lib.ones(3, 4).narrow_copy(1, 3, 2), RuntimeError, "exceeds")
    with pytest.raises(RuntimeError):
        torch.ones(3, 4).narrow_copy(2, 0, 1)
    with pytest.raises(IndexError, match="narrow.*out of range"):  # IndexError, as torch's narrow
        tg.ones(3, 4).narrow_copy(2, 0, 1)


@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_scale_grad_by_freq_module_and_functional(padding_idx):
    """nn.Embedding(scale_grad_by_freq=True) and F.embedding(..., scale_grad_by_freq=True): each row's gradient is
    divided by how often the batch names it (a transposed index array too)."""
    w, idx = rand((6, 4), 3), np.array([[1, 3, 3], [5, 3, 1]]).T
    compare(lambda lib, a, i: lib.nn.functional.embedding(i, a, padding_idx, scale_grad_by_freq=True), [w, idx])
    for lib in (tg, torch):
        lib.manual_seed(0)
        m = lib.nn.Embedding(6, 4, padding_idx=padding_idx, scale_grad_by_freq=True)
        (m(lib.tensor(idx)) * lib.tensor(rand((3, 2, 4), 4))).sum().backward()
        if lib is tg:
            got = m.weight.grad.numpy()
        else:
            want = m.weight.grad.numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_functional_pdist_is_torchs():
    x = rand((5, 3), 7)
    compare(lambda lib, a: lib.nn.functional.pdist(a, 1.5), [x])


@pytest.mark.parametrize("mode,padding_idx,offsets", [("sum", None, [0, 2, 5]), ("mean", 1, [0, 3]),
                                                      ("mean", None, None)])
def test_embedding_bag_scale_grad_by_freq(mode, padding_idx, offsets):
    """EmbeddingBag(scale_grad_by_freq=True): each row's gradient divided by how often the input names it, as the
    docs say and as torch's F.embedding does. torch 2.13's own CPU embedding_bag divides some rows by another id's
    count (ids [1, 3, 3, 5, 3, 1] in one-id bags: row 3 / 2 and row 5 / 3), so the oracle is torch's embedding with
    scale_grad_by_freq, summed (or averaged) over the bags."""
    w, g = rand((6, 4), 3), rand((6, 4), 4)
    flat = np.array([1, 3, 3, 5, 3, 1])
    bags = np.repeat(np.arange(len(offsets)), np.diff(offsets + [6])) if offsets is not None else np.repeat([0, 1], 3)
    keep = flat != padding_idx if padding_idx is not None else np.ones(6, bool)
    nbags = bags.max() + 1
    tw = torch.tensor(w, requires_grad=True)
    rows = torch.nn.functional.embedding(torch.tensor(flat), tw, scale_grad_by_freq=True)[torch.tensor(keep)]
    want = torch.zeros(nbags, 4).index_add(0, torch.tensor(bags[keep]), rows)
    if mode == "mean":
        want = want / torch.tensor(np.maximum(np.bincount(bags[keep], minlength=nbags), 1)[:, None], dtype=torch.float32)
    (want * torch.tensor(g[:nbags])).sum().backward()
    tg.manual_seed(0)
    m = tg.nn.EmbeddingBag(6, 4, mode=mode, padding_idx=padding_idx, scale_grad_by_freq=True, _weight=tg.tensor(w))
    idx = tg.tensor(flat) if offsets is not None else tg.tensor(flat.reshape(2, 3))
    out = m(idx, tg.tensor(offsets) if offsets is not None else None)
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-6)
    (out * tg.tensor(g[:nbags])).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), tw.grad.numpy(), rtol=1e-6, atol=1e-7)
