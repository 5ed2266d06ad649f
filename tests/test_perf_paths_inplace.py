"""The direct in-place paths (tensor_inplace: clamp_, lerp_, addcmul_, addcdiv_, exp_, add_/sub_ with alpha write
the tensor's memory with ufuncs when no graph is needed) and the one-pass scatters (ops/index: scatter_add,
scatter_reduce, index_put accumulate), against PyTorch: values, dtypes, views, write counters, errors."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import rand, FWD

BIG = (300, 200)  # > tensor_inplace._BLOCK elements: the blocked loop runs over several blocks


def _pair(a):
    return tg.tensor(a.copy()), torch.tensor(a.copy())


def _close(t, o, **tol):
    assert t.dtype == tg.tensor(o.numpy()).dtype
    np.testing.assert_allclose(np.asarray(t._data), o.numpy(), **(tol or FWD))


# ---- in-place math without a graph ---------------------------------------------------------------------------
INPLACE = {
    "clamp_": lambda m, x, y, z: x.clamp_(-0.5, 0.7),
    "clamp_min": lambda m, x, y, z: x.clamp_(min=-0.5),
    "clamp_max": lambda m, x, y, z: x.clamp_(None, 0.7),
    "clamp_lo_gt_hi": lambda m, x, y, z: x.clamp_(1.0, -1.0),
    "clamp_t": lambda m, x, y, z: x.clamp_(y, y + 1),
    "clamp_t_row": lambda m, x, y, z: x.clamp_(min=y[0]),
    "lerp_": lambda m, x, y, z: x.lerp_(y, 0.3),
    "lerp_t": lambda m, x, y, z: x.lerp_(y, z),
    "lerp_row": lambda m, x, y, z: x.lerp_(y[0], 0.8),
    "addcmul_": lambda m, x, y, z: x.addcmul_(y, z, value=0.1),
    "addcmul_1": lambda m, x, y, z: x.addcmul_(y, z[:1]),
    "addcdiv_": lambda m, x, y, z: x.addcdiv_(y, z + 3, value=-0.5),
    "addcdiv_zero": lambda m, x, y, z: x.addcdiv_(y, z * 0),
    "exp_": lambda m, x, y, z: x.exp_(),
    "add_alpha": lambda m, x, y, z: x.add_(y, alpha=0.5),
    "sub_alpha": lambda m, x, y, z: x.sub_(y[0], alpha=2),
}


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(INPLACE))
@pytest.mark.parametrize("grad_mode", ["plain", "no_grad"])
def test_inplace_direct_matches_torch(name, dtype, layout, grad_mode, monkeypatch):
    fn = INPLACE[name]
    a, b, c = (rand(BIG, seed=s, dtype=dtype) for s in range(3))
    if layout == "T":
        a, b, c = a.T, b.T, c.T
    a[0, :3] = np.nan  # NaN propagates (clamp too)
    (xt, xo), (yt, yo), (zt, zo) = _pair(a), _pair(b), _pair(c)
    if layout == "T":  # x itself a transposed view: the write must land in its memory
        xt, xo = tg.tensor(np.ascontiguousarray(a.T)).t(), torch.tensor(np.ascontiguousarray(a.T)).t()
    if grad_mode == "no_grad":  # a leaf that requires grad, written under no_grad (an optimizer's update)
        xt.requires_grad_(), xo.requires_grad_()
    mem = xt._data
    v0t, v0o = xt._version, xo._version
    monkeypatch.setattr(tg.Tensor, "_pre_inplace", None)  # the generic path would call it: the direct one must run
    with tg.no_grad() if grad_mode == "no_grad" else tg.enable_grad():
        with torch.no_grad() if grad_mode == "no_grad" else torch.enable_grad():
            rt, ro = fn(tg, xt, yt, zt), fn(torch, xo, yo, zo)
    assert rt is xt and xt._data is mem  # written in its own memory, same object
    _close(xt, xo.detach(), rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6 if dtype == np.float32 else 1e-12)
    assert xt._version - v0t == xo._version - v0o == 1
    assert xt.requires_grad == (grad_mode == "no_grad")


def test_inplace_direct_writes_through_views():
    a = rand(BIG)
    base = tg.tensor(a.copy())
    view, alias = base[10:20], base.detach()
    y = tg.tensor(rand((10, 200), seed=1))
    view.lerp_(y, 0.25)
    expect = a.copy()
    expect[10:20] += (np.asarray(y._data) - expect[10:20]) * np.float32(0.25)
    np.testing.assert_allclose(base.numpy(), expect, rtol=1e-6, atol=1e-7)
    assert base._version == view._version == alias._version == 1
    base.clamp_(-1, 1)
    assert view.numpy().max() <= 1 and alias.numpy().min() >= -1 and alias._version == 2


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8])
def test_clamp_integer_direct(dtype):
    a = rand(BIG, dtype=dtype, low=0 if dtype == np.uint8 else -50, high=50)
    (xt, xo), (lt, lo) = _pair(a), _pair(a[::-1].copy())
    xt.clamp_(3, 40), xo.clamp_(3, 40)
    assert xt.dtype == tg.tensor(xo.numpy()).dtype
    np.testing.assert_array_equal(xt.numpy(), xo.numpy())
    xt.clamp_(max=lt), xo.clamp_(max=lo)
    np.testing.assert_array_equal(xt.numpy(), xo.numpy())


def test_clamp_nan_bounds():
    a = rand((4, 5))
    (xt, xo), (bt, bo) = _pair(a), _pair(np.where(a > 0, np.nan, -1).astype(np.float32))
    xt.clamp_(min=bt), xo.clamp_(min=bo)
    np.testing.assert_array_equal(np.isnan(xt.numpy()), np.isnan(xo.numpy()))
    xt2, xo2 = _pair(a)
    xt2.clamp_(float("nan"), 1.0), xo2.clamp_(float("nan"), 1.0)
    np.testing.assert_array_equal(np.isnan(xt2.numpy()), np.isnan(xo2.numpy()))


@pytest.mark.parametrize("case", [
    lambda m, xi, xf, y: xi.clamp_(0.5, 2),          # a float bound into an int tensor
    lambda m, xi, xf, y: xf.clamp_(),                # no bound
    lambda m, xi, xf, y: xf.lerp_(y.reshape(1, 6, 4), 0.5),  # broadcasts beyond x's shape
    lambda m, xi, xf, y: xf.addcmul_(y, y.double()),  # mixed dtypes go the generic way (and must still work)
    lambda m, xi, xf, y: xi.exp_(),                  # a float result into an int tensor
    lambda m, xi, xf, y: xi.add_(y, alpha=2),        # float into int
    lambda m, xi, xf, y: xf.add_(y[:, :2], alpha=2),  # shapes that don't broadcast
    lambda m, xi, xf, y: m.ones(2, 3).expand(4, 2, 3).clamp_(0, 1),  # an expanded (read-only) tensor
])
def test_inplace_errors_as_torch(case):
    def run(m):
        xi, xf, y = m.arange(24).reshape(6, 4), m.ones(6, 4), m.ones(6, 4) * 2
        try:
            case(m, xi, xf, y)
        except RuntimeError:
            return "error"
        return np.asarray(xf.numpy()).copy()
    rt, ro = run(tg), run(torch)
    if isinstance(ro, str):
        assert rt == ro
    else:
        np.testing.assert_allclose(rt, ro)


def test_inplace_direct_on_saved_tensor_is_detected():
    """A plain tensor saved by a graph op, then changed in place without a graph: backward refuses, as torch."""
    for m in (tg, torch):
        w = m.ones(4, 4, requires_grad=True)
        a = m.ones(4, 4) * 2
        out = (w * a).sum()
        a.clamp_(-1, 1)
        with pytest.raises(RuntimeError):
            out.backward()


def test_inplace_with_grad_keeps_graph():
    """A tensor that needs grad takes the generic path: the gradient flows through the in-place op."""
    a, b = rand((5, 6)), rand((5, 6), seed=1)
    grads = []
    for m in (tg, torch):
        w, y = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        x = w * 1
        x.clamp_(-0.5, 0.5).lerp_(y, 0.3).addcmul_(y, y, value=0.2).add_(y, alpha=0.5).exp_()
        x.sum().backward()
        grads.append((w.grad.numpy(), y.grad.numpy()))
    for gt, go in zip(*grads):
        np.testing.assert_allclose(gt, go, rtol=1e-5, atol=1e-6)


# ---- scatter along an axis: one-pass kernels (float32) and the flat-index numpy path -----------------------------
from helpers import compare  # noqa: E402

SHAPE = (6, 7, 5)


def _index(shape, n, seed=3):
    return np.random.default_rng(seed).integers(0, n, shape)


# index shapes: like x apart from dim (the kernels' case), and smaller elsewhere too (the numpy path)
@pytest.mark.parametrize("dim,ishape", [(0, (9, 7, 5)), (1, (6, 4, 5)), (2, (6, 7, 8)), (1, (3, 4, 2)),
                                        (-1, (6, 7, 3))])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_scatter_reduce_matches_torch(kernels, dim, ishape, reduce, include_self, layout):
    # layout T: x and src non-contiguous (x's copy keeps its layout: the grid path runs)
    x, src, idx = rand(SHAPE, seed=1), rand(ishape, seed=2), _index(ishape, SHAPE[dim])
    compare(lambda m, x, s: x.scatter_reduce(dim, m.tensor(idx), s, reduce, include_self=include_self), [x, src],
            layout=layout)


@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_nan(kernels, reduce, include_self):
    x, src = rand(SHAPE, seed=1), rand(SHAPE, seed=2)
    x[0, 0, :] = np.nan
    src[1, 2, :] = np.nan
    idx = _index(SHAPE, SHAPE[1])
    out = [m.tensor(x).scatter_reduce(1, m.tensor(idx), m.tensor(src), reduce, include_self=include_self)
           for m in (tg, torch)]
    np.testing.assert_array_equal(np.isnan(out[0].numpy()), np.isnan(out[1].numpy()))
    np.testing.assert_allclose(out[0].numpy(), out[1].numpy())


@pytest.mark.parametrize("dim,ishape", [(0, (9, 7, 5)), (1, (6, 4, 5)), (2, (6, 7, 8)), (1, (3, 4, 2))])
@pytest.mark.parametrize("op", ["scatter_add", "scatter"])
@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("src_bigger", [False, True])
def test_scatter_add_matches_torch(kernels, dim, ishape, op, layout, src_bigger):
    # a src larger than the index: torch uses its leading block (and its backward can't take src's gradient)
    sshape = tuple(max(a, b) for a, b in zip(ishape, SHAPE)) if src_bigger else ishape
    x, src = rand(SHAPE, seed=1), rand(sshape, seed=2)
    # scatter: unique places along dim (torch leaves the winner among repeats unspecified)
    idx = (_index(ishape, SHAPE[dim]) if op == "scatter_add" else
           np.argsort(np.random.default_rng(4).random(ishape[:dim] + (SHAPE[dim],) + ishape[dim + 1:]), axis=dim)
           .take(range(ishape[dim]), axis=dim) if ishape[dim] <= SHAPE[dim] else None)
    if idx is None:
        pytest.skip("more places than the dim has")
    compare(lambda m, x, s: getattr(x, op)(dim, m.tensor(idx), s), [x, src], layout=layout,
            grad=[True, not src_bigger])


def test_scatter_add_inplace_big(kernels):
    """scatter_add_ / scatter_reduce_ in place at a size where the kernels pay off, with repeats, no graph."""
    x, src = rand((64, 300), seed=1), rand((64, 300), seed=2)
    idx = _index((64, 300), 300)
    for fn in (lambda m, x: x.scatter_add_(1, m.tensor(idx), m.tensor(src)),
               lambda m, x: x.scatter_reduce_(1, m.tensor(idx), m.tensor(src), "amax", include_self=False),
               lambda m, x: x.scatter_reduce_(0, m.tensor(idx[:10] % 64), m.tensor(src), "mean"),
               lambda m, x: x.scatter_add_(1, m.tensor(idx[:, :5]), m.tensor(0.5 * np.ones((64, 5), np.float32)))):
        (xt, xo) = _pair(x)
        v0 = xt._version
        fn(tg, xt), fn(torch, xo)
        assert xt._version == v0 + 1
        np.testing.assert_allclose(xt.numpy(), xo.numpy(), rtol=1e-5, atol=1e-5)


def test_scatter_float64_and_int(kernels):
    x, src = rand(SHAPE, seed=1, dtype=np.float64), rand(SHAPE, seed=2, dtype=np.float64)
    idx = _index(SHAPE, SHAPE[2])
    compare(lambda m, x, s: x.scatter_reduce(2, m.tensor(idx), s, "prod", include_self=False), [x, src])
    xi, si = rand(SHAPE, dtype=np.int64, low=-9, high=9), rand(SHAPE, seed=5, dtype=np.int64, low=-9, high=9)
    for r in ("sum", "mean", "amax"):
        out = [m.tensor(xi).scatter_reduce(0, m.tensor(idx % 6), m.tensor(si), r) for m in (tg, torch)]
        np.testing.assert_array_equal(out[0].numpy(), out[1].numpy())


# ---- index_put_(accumulate=True) on integer arrays: a row scatter-add ------------------------------------------
IDX = np.array([0, 3, -1, 3, 2, 0, 0, 5, -6])  # repeats and negative indices


@pytest.mark.parametrize("case", [
    ((6, 4, 3), lambda: (IDX,), (9, 4, 3)),               # rows of (4, 3)
    ((6, 4, 3), lambda: (IDX,), (1, 3)),                  # values broadcast
    ((6, 4), lambda: (IDX, IDX % 4), (9,)),               # single elements
    ((6, 4, 3), lambda: (IDX, -(IDX % 4) - 1), (9, 3)),    # rows of the last dim
    ((6, 4), lambda: (IDX[:, None], np.array([0, 2, 3])), (9, 3)),  # index arrays broadcast together
    ((6, 4), lambda: (IDX, IDX % 4), ()),                  # a scalar value
])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_index_put_accumulate_matches_torch(kernels, case, layout):
    shape, index, vshape = case
    x, v = rand(shape, seed=1), rand(vshape, seed=2)
    compare(lambda m, x, v: x.index_put(tuple(m.tensor(i) for i in index()), v, accumulate=True), [x, v],
            layout=layout)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_index_put_accumulate_inplace_big(kernels, dtype):
    x, v = rand((50, 700), seed=1, dtype=dtype, low=-9, high=9), rand((400, 700), seed=2, dtype=dtype, low=-9, high=9)
    idx = np.random.default_rng(3).integers(-50, 50, 400)
    i, j = np.random.default_rng(4).integers(0, 50, 5000), np.random.default_rng(5).integers(0, 700, 5000)
    w = rand((5000,), seed=6, dtype=dtype, low=-9, high=9)
    xt, xo = _pair(x)
    for m, t in ((tg, xt), (torch, xo)):
        t.index_put_((m.tensor(idx),), m.tensor(v), accumulate=True)
        t.index_put_((m.tensor(i), m.tensor(j)), m.tensor(w), accumulate=True)
    assert xt._version == 2
    np.testing.assert_allclose(xt.numpy(), xo.numpy(), rtol=1e-5, atol=1e-4)
