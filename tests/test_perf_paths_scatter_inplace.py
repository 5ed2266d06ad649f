"""The direct in-place scatters (tensor_scatter: scatter_, scatter_add_, scatter_reduce_; tensor_index: index_put_)
write the tensor's own memory when no graph is recorded, through ops/index's *_into helpers; index shapes are worked
out without the gather (tensor_index._indexed_shape). Against PyTorch: values, views, write counters, saved-tensor
checks, errors."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.tensor_index import _indexed_shape
from helpers import rand, compare

SHAPE = (40, 30)
RNG = np.random.default_rng(7)
IDX = RNG.integers(0, SHAPE[1], (40, 20))                      # repeats along dim 1
PERM = np.argsort(RNG.random(SHAPE), axis=1)[:, :20]            # no repeats: scatter_'s winner is then defined
ROWS = np.array([0, 3, -1, 3, 2, 0, 0, 5, -6, 39])              # repeats and negative indices
UNIQ = np.array([0, 3, -1, 5, 2, 17])


def _src(shape=(40, 20), seed=2):
    return rand(shape, seed=seed)


INPLACE = {
    "scatter_add_": lambda m, x: x.scatter_add_(1, m.tensor(IDX), m.tensor(_src())),
    "scatter_add_dim0": lambda m, x: x.scatter_add_(0, m.tensor(IDX[:25] % 40), m.tensor(_src((30, 30)))),
    "scatter_": lambda m, x: x.scatter_(1, m.tensor(PERM), m.tensor(_src())),
    "scatter_value": lambda m, x: x.scatter_(1, m.tensor(PERM), 0.25),
    "scatter_reduce_add": lambda m, x: x.scatter_(1, m.tensor(IDX), m.tensor(_src()), reduce="add"),
    "scatter_reduce_mul": lambda m, x: x.scatter_(1, m.tensor(IDX), m.tensor(_src()), reduce="multiply"),
    "scatter_reduce_sum": lambda m, x: x.scatter_reduce_(1, m.tensor(IDX), m.tensor(_src()), "sum"),
    "scatter_reduce_mean": lambda m, x: x.scatter_reduce_(1, m.tensor(IDX), m.tensor(_src()), "mean"),
    "scatter_reduce_mean_excl": lambda m, x: x.scatter_reduce_(1, m.tensor(IDX), m.tensor(_src()), "mean",
                                                               include_self=False),
    "scatter_reduce_prod": lambda m, x: x.scatter_reduce_(1, m.tensor(IDX), m.tensor(_src()), "prod"),
    "scatter_reduce_amax": lambda m, x: x.scatter_reduce_(1, m.tensor(IDX), m.tensor(_src()), "amax"),
    "scatter_reduce_amin_excl": lambda m, x: x.scatter_reduce_(1, m.tensor(IDX), m.tensor(_src()), "amin",
                                                               include_self=False),
    "index_put_acc_rows": lambda m, x: x.index_put_((m.tensor(ROWS),), m.tensor(_src((10, 30))), accumulate=True),
    "index_put_acc_bcast": lambda m, x: x.index_put_((m.tensor(ROWS),), m.tensor(_src((1, 30))), accumulate=True),
    "index_put_acc_ij": lambda m, x: x.index_put_((m.tensor(ROWS), m.tensor(ROWS % 30)), m.tensor(_src((10,))),
                                                  accumulate=True),
    "index_put_acc_grid": lambda m, x: x.index_put_((m.tensor(np.arange(40)[:, None]), m.tensor(ROWS % 30)),
                                                    m.tensor(_src((40, 10))), accumulate=True),
    "index_put_acc_mask": lambda m, x: x.index_put_((m.tensor(np.arange(40) % 3 == 0),),  # shape from the gather
                                                    m.tensor(_src((14, 30))), accumulate=True),
    "index_put_rows": lambda m, x: x.index_put_((m.tensor(UNIQ),), m.tensor(_src((6, 30)))),
    "index_put_ij_scalar": lambda m, x: x.index_put_((m.tensor(UNIQ), m.tensor(UNIQ % 30)), m.tensor(1.5)),
}


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("name", list(INPLACE))
@pytest.mark.parametrize("grad_mode", ["plain", "no_grad"])
def test_scatter_inplace_direct_matches_torch(kernels, name, layout, grad_mode, monkeypatch):
    fn, a = INPLACE[name], rand(SHAPE, seed=1)
    base_t, base_o = tg.tensor(a.copy()), torch.tensor(a.copy())
    xt, xo = base_t, base_o
    if layout == "T":  # x a transposed view of its base: the writes must land in the base's memory
        base_t, base_o = tg.tensor(np.ascontiguousarray(a.T)), torch.tensor(np.ascontiguousarray(a.T))
        xt, xo = base_t.t(), base_o.t()
    if grad_mode == "no_grad":  # a leaf that requires grad, written under no_grad (an optimizer's update)
        base_t.requires_grad_(), base_o.requires_grad_()
        xt, xo = (base_t.t(), base_o.t()) if layout == "T" else (base_t, base_o)
    mem = xt._data
    v0t, v0o = base_t._version, base_o._version
    monkeypatch.setattr(tg.Tensor, "_pre_inplace", None)  # the generic path would call it: the direct one must run
    with tg.no_grad() if grad_mode == "no_grad" else tg.enable_grad():
        with torch.no_grad() if grad_mode == "no_grad" else torch.enable_grad():
            rt, ro = fn(tg, xt), fn(torch, xo)
    assert rt is xt and xt._data is mem
    np.testing.assert_allclose(xt.numpy(), ro.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(base_t.numpy(), base_o.detach().numpy(), rtol=1e-5, atol=1e-5)  # the view wrote it
    assert xt.dtype == tg.float32
    assert base_t._version - v0t == base_o._version - v0o == 1


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_scatter_inplace_direct_other_dtypes(kernels, dtype):
    a = rand(SHAPE, seed=1, dtype=dtype, low=-9, high=9)
    s = rand((40, 20), seed=2, dtype=dtype, low=-9, high=9)
    for fn in (lambda m, x: x.scatter_add_(1, m.tensor(IDX), m.tensor(s)),
               lambda m, x: x.scatter_reduce_(1, m.tensor(IDX), m.tensor(s), "mean"),
               lambda m, x: x.scatter_reduce_(1, m.tensor(IDX), m.tensor(s), "amax", include_self=False),
               lambda m, x: x.index_put_((m.tensor(ROWS % 20), m.tensor(ROWS % 30)), m.tensor(s[0, :10]),
                                         accumulate=True)):
        xt, xo = tg.tensor(a.copy()), torch.tensor(a.copy())
        fn(tg, xt), fn(torch, xo)
        assert xt.dtype == tg.tensor(xo.numpy()).dtype
        np.testing.assert_allclose(xt.numpy(), xo.numpy(), rtol=1e-12, atol=1e-12)


def test_scatter_inplace_0d_and_1d():
    for fn in (lambda m, x: x.scatter_add_(0, m.tensor([1, 1, 3]), m.tensor([1.0, 2.0, 3.0])),
               lambda m, x: x[0].scatter_reduce_(0, m.tensor(0), m.tensor(5.0), "amax")):
        xt, xo = tg.zeros(4), torch.zeros(4)
        fn(tg, xt), fn(torch, xo)
        np.testing.assert_array_equal(xt.numpy(), xo.numpy())
        assert xt._version == xo._version


def test_scatter_inplace_direct_on_saved_tensor_is_detected():
    """A plain tensor saved by a graph op, then scattered into without a graph: backward refuses, as torch."""
    for m in (tg, torch):
        for write in (lambda a: a.scatter_add_(1, m.tensor(IDX[:4, :4]), m.ones(4, 4)),
                      lambda a: a.index_put_((m.tensor([0, 1]),), m.ones(30), accumulate=True),
                      lambda a: a.index_put_((m.tensor([0, 1]),), m.ones(30))):
            w = m.ones(4, 30, requires_grad=True)
            a = m.ones(4, 30) * 2
            out = (w * a).sum()
            write(a)
            with pytest.raises(RuntimeError):
                out.backward()


@pytest.mark.parametrize("op", ["scatter_add_", "scatter_", "scatter_reduce_", "index_put_"])
def test_scatter_inplace_with_grad_keeps_graph(kernels, op):
    """self or the source needs grad: the generic path, whose gradients still match torch's."""
    fns = {"scatter_add_": lambda m, x, s: x.clone().scatter_add_(1, m.tensor(IDX), s),
           "scatter_": lambda m, x, s: x.clone().scatter_(1, m.tensor(PERM), s),
           "scatter_reduce_": lambda m, x, s: x.clone().scatter_reduce_(1, m.tensor(IDX), s, "amax"),
           "index_put_": lambda m, x, s: x.clone().index_put_((m.tensor(ROWS % 40),), s[:10, :1], accumulate=True)}
    compare(fns[op], [rand(SHAPE, seed=1), _src()], layout="T")
    compare(fns[op], [rand(SHAPE, seed=1), _src()], grad=[True, False])  # only self's graph to record
    compare(lambda m, x, s: (x * 1).detach().scatter_add_(1, m.tensor(IDX), s), [rand(SHAPE, seed=1), _src()],
            grad=[False, True])


def test_scatter_inplace_on_leaf_that_requires_grad_refused():
    for m in (tg, torch):
        x = m.tensor(rand(SHAPE, seed=1), requires_grad=True)
        for write in (lambda: x.scatter_add_(1, m.tensor(IDX), m.tensor(_src())),
                      lambda: x.index_put_((m.tensor(UNIQ),), m.ones(30), accumulate=True)):
            with pytest.raises(RuntimeError):
                write()


def test_scatter_inplace_source_sharing_memory(kernels):
    """A source in self's memory: torch refuses a dense overlap; a strided one (rows 0 and 20 written, rows 0 and
    20 read) takes the generic path, whose scatter reads the old values (the direct one would read its own writes)."""
    a = rand(SHAPE, seed=1)
    for m in (tg, torch):
        x = m.tensor(a.copy())
        for write in (lambda: x.index_put_((m.tensor(UNIQ),), x[:6], accumulate=True),
                      lambda: x.scatter_add_(1, m.tensor(IDX[:10]), x[:10]),
                      lambda: x.scatter_(1, m.tensor(PERM), x),
                      lambda: x.scatter_reduce_(1, m.tensor(IDX[:10]), x[:10], "amax")):
            with pytest.raises(RuntimeError, match="single memory location"):
                write()
    xt, xo = tg.tensor(a.copy()), torch.tensor(a.copy())
    xt.index_put_((tg.tensor([20, 0]),), xt[::20], accumulate=True)
    xo.index_put_((torch.tensor([20, 0]),), xo[::20].clone(), accumulate=True)
    np.testing.assert_allclose(xt.numpy(), xo.numpy(), rtol=1e-6)
    xt, xo = tg.tensor(a.copy()), torch.tensor(a.copy())
    xt.scatter_(1, tg.tensor(PERM[:2]), xt[::20])
    xo.scatter_(1, torch.tensor(PERM[:2]), xo[::20].clone())
    np.testing.assert_allclose(xt.numpy(), xo.numpy(), rtol=1e-6)


def test_scatter_inplace_errors_as_torch():
    for fn in (lambda m, x: x.scatter_add_(1, m.tensor(IDX), m.tensor(_src()).double()),
               lambda m, x: x.scatter_add_(1, m.tensor(IDX + 30), m.tensor(_src())),
               lambda m, x: x.index_put_((m.tensor([0, 40]),), m.ones(2, 30), accumulate=True),
               lambda m, x: x.index_put_((m.tensor([0, 1]), m.tensor([0, 1, 2])), m.ones(3), accumulate=True),
               lambda m, x: x.index_put_((m.tensor([0, 1]),), m.ones(3, 30), accumulate=True),
               lambda m, x: x.index_put_((m.tensor([0, -41]),), m.ones(2, 30))):
        a = rand(SHAPE, seed=1)
        errors = []
        for m in (tg, torch):
            x = m.tensor(a.copy())
            with pytest.raises((RuntimeError, IndexError)) as e:
                fn(m, x)
            errors.append(e.type)
            if m is tg:
                np.testing.assert_array_equal(x.numpy(), a)  # ours writes nothing (torch may, partly)
        assert errors[0] is errors[1]


@pytest.mark.parametrize("index", [
    lambda: (np.array([0, 3, -1, 3]),),
    lambda: (np.array([[0], [2]]), np.array([1, -2, 3])),       # broadcast together
    lambda: (np.array([], np.int64),),
    lambda: (np.array([1, 2], np.uint8).astype(np.uint32), np.array([0, 1])),
    lambda: (np.array([0, 1]), np.array([0, 1]), np.array([2, 3])),  # every dim
    lambda: (slice(None), np.array([1, 2])),                    # not the shortcut: from the gather
])
def test_indexed_shape_matches_numpy(index):
    a = np.zeros((5, 6, 7), np.float32)
    assert _indexed_shape(a, index()) == a[index()].shape


@pytest.mark.parametrize("index", [
    lambda: (np.array([0, 5]),),
    lambda: (np.array([-6]),),
    lambda: (np.array([0, 1]), np.array([6, 0])),
    lambda: (np.array([0, 1]), np.array([0, 1, 2])),
])
def test_indexed_shape_errors_as_numpy(index):
    a = np.zeros((5, 6, 7), np.float32)
    with pytest.raises(IndexError) as numpy_error:
        a[index()]
    with pytest.raises(IndexError) as ours:
        _indexed_shape(a, index())
    assert str(ours.value).split(" ")[:2] == str(numpy_error.value).split(" ")[:2]
