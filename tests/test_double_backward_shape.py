"""Double backward (create_graph=True) of the reduce, movement, index and strided ops: each op's backward_graph
against torch (first and second gradients, also in the grad_outputs), in a contiguous and a transposed or strided
layout, and teenygrad.autograd.gradgradcheck (float64 finite differences) at random inputs."""
import numpy as np
import pytest

import teenygrad as tg
from helpers import compare_double, gradgrad_ok, rand

X = rand((3, 4))
SQ = rand((4, 4), 1)
POS = rand((3, 4), 5, low=0.5, high=2.0)
TIES = np.array([[1., 3., 3., 0.], [2., 2., 2., 2.], [-1., 5., 0., 5.]], np.float32)  # amax/median share dz
HOLES = np.array([[1., 1., 1., 1.], [1., 1., 0., 1.], [0., 1., 1., 0.]], np.float32)  # zeros for prod, cumprod
IDS = np.array([2, 0, 2, 1])  # repeats: their gradients sum
COLS = np.array([[0, 2], [3, 1]])
TWICE = np.array([[0, 0], [3, 1]])  # a place hit twice


def _setitem(x, index, v):
    x = x.clone()
    x[index] = v
    return x


def _write_through_view(x, w):
    x = x.clone()
    x[1].mul_(w)  # an in-place op on a view: ViewScatter
    return x


def _sr(reduce, include_self=True):
    return lambda m, a, b: (a * a).scatter_reduce(1, m.tensor(TWICE), b * b, reduce, include_self=include_self)


# name: (fn(lib, *tensors), inputs). Most square their input first, so the op's own backward_graph is met by a
# gradient that depends on the input (and its second derivative reaches the input through it).
CASES = {
    # reduce.py
    "softmax": (lambda m, a: m.softmax(a, 1) * a, [X]),
    "softmax_dim0": (lambda m, a: m.softmax(a * a, 0), [X]),
    "log_softmax": (lambda m, a: m.log_softmax(a, 1) * a, [X]),
    "logsumexp": (lambda m, a: m.logsumexp(a * a, 1), [X]),
    "logsumexp_keepdim": (lambda m, a: m.logsumexp(a * a, 0, keepdim=True), [X]),
    "nansum": (lambda m, a: m.nansum(a * a, 1), [X]),
    "prod": (lambda m, a: a.prod(1), [X]),
    "prod_zeros": (lambda m, a: (a * m.tensor(HOLES)).prod(1), [X]),
    "prod_all": (lambda m, a: a.prod(), [rand((2, 3), 3, low=0.5, high=1.5)]),
    "amax": (lambda m, a: (a * a).amax(1), [TIES]),
    "amin": (lambda m, a: (a * a).amin((0, 1), keepdim=True), [TIES]),
    "max_dim": (lambda m, a: (a * a).max(1).values, [X]),
    "min_dim": (lambda m, a: (a * a).min(0, keepdim=True).values, [X]),
    "var": (lambda m, a: (a * a).var(1), [X]),
    "var_all": (lambda m, a: a.var(), [X]),
    "std": (lambda m, a: (a * a).std(0, keepdim=True), [X]),
    "cumsum": (lambda m, a: (a * a).cumsum(1), [X]),
    "cumprod": (lambda m, a: a.cumprod(1), [X]),
    "cumprod_zeros": (lambda m, a: (a * m.tensor(HOLES)).cumprod(1), [X]),
    "norm": (lambda m, a: (a * a).norm(dim=1), [X]),
    "norm_p3_zeros": (lambda m, a: (a * m.tensor(HOLES)).norm(p=3, dim=1, keepdim=True), [X]),
    "norm_p_half": (lambda m, a: a.norm(p=0.5, dim=1), [POS]),
    "median": (lambda m, a: (a * a).median(), [TIES]),
    # movement.py
    "diagonal": (lambda m, a: (a * a).diagonal(1), [SQ]),
    "diag_embed": (lambda m, a: m.diag_embed(a * a, offset=-1), [X]),
    "contiguous": (lambda m, a: (a * a).t().contiguous(), [X]),
    "pad": (lambda m, a: m.nn.functional.pad(a * a, (1, -1, 2, 0)), [X]),
    "cat": (lambda m, a, b: m.cat([a * a, b * a], 1), [X, rand((3, 4), 2)]),
    "flip": (lambda m, a: (a * a).flip(0, 1), [X]),
    "roll": (lambda m, a: (a * a).roll((1, -2), (0, 1)), [X]),
    "tril": (lambda m, a: (a * a).tril(-1), [X]),
    "triu": (lambda m, a: (a * a).triu(1), [X]),
    "unfold_overlapping": (lambda m, a: (a * a).unfold(1, 3, 1), [X]),
    "unfold_gaps": (lambda m, a: (a * a).unfold(0, 2, 2), [rand((5, 3), 4)]),
    # index.py
    "getitem_slices": (lambda m, a: (a * a)[1:, ::2], [X]),
    "getitem_int": (lambda m, a: (a * a)[1, 2], [X]),
    "getitem_none_ellipsis": (lambda m, a: (a * a)[None, ..., 1], [X]),
    "embedding": (lambda m, a: (a * a)[m.tensor(IDS)], [X]),
    "getitem_two_arrays": (lambda m, a: (a * a)[m.tensor(IDS[:3]), m.tensor(IDS[1:])], [X]),
    "getitem_bool": (lambda m, a: (a * a)[a > 0], [X]),
    "getitem_slice_array": (lambda m, a: (a * a)[1:, m.tensor(IDS)], [X]),
    "setitem": (lambda m, a, b: _setitem(a * a, (slice(None), 1), b * b), [X, rand((3,), 3)]),
    "setitem_rows": (lambda m, a, b: _setitem(a * a, m.tensor([0, 2]), b * b), [X, rand((4,), 3)]),
    "setitem_int_first": (lambda m, a, b: _setitem(a * a, (0, slice(None), m.tensor([2, 0])), b * b),
                          [rand((2, 3, 4)), rand((3, 2), 3)]),
    "write_through_view": (lambda m, a, b: _write_through_view(a * a, b), [X, rand((4,), 3)]),
    "gather": (lambda m, a: (a * a).gather(1, m.tensor(np.array([[0, 0], [3, 1], [2, 2]]))), [X]),
    "scatter": (lambda m, a, b: (a * a).scatter(1, m.tensor(COLS), b * b), [X, rand((2, 2), 3)]),
    "scatter_add": (lambda m, a, b: (a * a).scatter_add(1, m.tensor(TWICE), b * b), [X, rand((2, 2), 3)]),
    "masked_fill": (lambda m, a: (a * a).masked_fill(m.tensor(np.array([True, False, True, False])), 2.0), [X]),
    "index_put_accumulate": (lambda m, a, b: (a * a).index_put((m.tensor(IDS),), b * b, accumulate=True),
                             [X, rand((4,), 3)]),
    "scatter_reduce_sum": (_sr("sum"), [X, rand((2, 2), 3)]),
    "scatter_reduce_mean": (_sr("mean", include_self=False), [X, rand((2, 2), 3)]),
    "scatter_reduce_prod": (lambda m, a, b: (a * 1.0).scatter_reduce(1, m.tensor(TWICE), b * 1.0, "prod"),
                            [X, rand((2, 2), 3)]),
    "scatter_reduce_amax": (_sr("amax"), [X, rand((2, 2), 3)]),
    "scatter_reduce_amin": (_sr("amin", include_self=False), [X, rand((2, 2), 3)]),
    # strided.py
    "as_strided_overlapping": (lambda m, a: (a * a).contiguous().as_strided((3, 3), (2, 1), 1), [X]),
    "as_strided": (lambda m, a: (a * a).contiguous().as_strided((2, 2), (4, 2), 1), [X]),
    "select_scatter": (lambda m, a, b: (a * a).select_scatter(b * b, 1, 2), [X, rand((3,), 3)]),
    "slice_scatter": (lambda m, a, b: (a * a).slice_scatter(b * b, 1, 0, 4, 2), [X, rand((3, 2), 3)]),
    "diagonal_scatter": (lambda m, a, b: (a * a).diagonal_scatter(b * b, 1), [SQ, rand((3,), 3)]),
}
# torch's own double backward refuses a src larger than the index (a shape error): checked by finite differences
BIG_SRC = {
    "scatter_big_src": lambda a, b: (a * a).scatter(1, tg.tensor(COLS), b * b),
    "scatter_reduce_sum_big_src": lambda a, b: (a * a).scatter_reduce(1, tg.tensor(TWICE), b * b, "sum"),
    "scatter_reduce_amax_big_src": lambda a, b: (a * a).scatter_reduce(1, tg.tensor(TWICE), b * b, "amax"),
}


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("name", CASES)
def test_against_torch(name, layout):
    fn, arrays = CASES[name]
    compare_double(fn, arrays, layout=layout)


@pytest.mark.parametrize("name", ["softmax", "cat", "embedding", "scatter_add", "select_scatter"])
def test_against_torch_strided_input(name):
    fn, arrays = CASES[name]
    compare_double(fn, arrays, layout="step")


@pytest.mark.parametrize("name", CASES)
def test_gradgradcheck(name):
    fn, arrays = CASES[name]
    gradgrad_ok(lambda *xs: fn(tg, *xs), [a.shape for a in arrays])


@pytest.mark.parametrize("name", BIG_SRC)
def test_gradgradcheck_src_larger_than_index(name):
    gradgrad_ok(BIG_SRC[name], [(3, 4), (3, 3)])


def test_cross_entropy_hessian_vector_product():
    """the softmax/log_softmax/gather path of cross-entropy, double-differentiated end to end"""
    target = np.array([1, 0, 3])
    compare_double(lambda m, z: m.nn.functional.cross_entropy(z * z, m.tensor(target)), [X])


def test_scatter_reduce_prod_with_zeros_has_no_double_backward():
    x = tg.tensor(rand((3, 4)), requires_grad=True)
    y = x.scatter_reduce(1, tg.tensor(TWICE), tg.zeros(2, 2), "prod")
    (g,) = tg.autograd.grad(y.sum(), [x], retain_graph=True)  # first order is fine
    assert g.shape == (3, 4)
    with pytest.raises(NotImplementedError, match="scatterreduce: double backward"):
        tg.autograd.grad(y.sum(), [x], create_graph=True)


def _on(dev, a):
    return tg.tensor(a, device=dev)


DEVICE_CASES = {
    "softmax": lambda x, dev: tg.softmax(x, 1) * x,
    "logsumexp": lambda x, dev: tg.logsumexp(x * x, 1),
    "prod_zeros": lambda x, dev: (x * _on(dev, HOLES)).prod(1),
    "cumprod_zeros": lambda x, dev: (x * _on(dev, HOLES)).cumprod(1),
    "max_dim": lambda x, dev: (x * x).max(1).values,
    "norm_p3": lambda x, dev: x.norm(p=3, dim=1),
    "unfold": lambda x, dev: (x * x).unfold(1, 3, 1),
    "embedding": lambda x, dev: (x * x)[_on(dev, IDS)],
    "setitem": lambda x, dev: _setitem(x * x, (slice(None), 1), x[:, 0] * 2.0),
    "scatter_reduce_amax": lambda x, dev: (x * x).scatter_reduce(1, _on(dev, TWICE), x[:2, :2], "amax"),
    "select_scatter": lambda x, dev: (x * x).select_scatter(x[:, 0], 1, 2),
}


@pytest.mark.parametrize("name", DEVICE_CASES)
def test_double_backward_stays_on_the_fake_gpu(name):
    import fake_cupy
    undo = fake_cupy.install()
    try:
        def run(dev):
            x = tg.tensor(X, requires_grad=True, device=dev)
            y = DEVICE_CASES[name](x, dev)
            (g,) = tg.autograd.grad(y, x, _on(dev, rand(y.shape, 1)), create_graph=True)
            (g * g).sum().backward()
            return g, x.grad
        for r, t in zip(run("cpu"), run("cuda")):
            assert type(t._data) is fake_cupy.FakeDeviceArray
            np.testing.assert_allclose(t.cpu().numpy(), r.numpy(), atol=1e-5, rtol=1e-5)
    finally:
        undo()
