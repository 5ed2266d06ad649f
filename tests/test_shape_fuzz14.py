"""Reductions and shape/movement ops against torch: the cases a differential fuzz (~30,000 seeds) found
disagreeing, plus a small seeded sweep of the same generator's kinds of inputs (non-contiguous, size-0/1 dims)."""
import numpy as np
import pytest
import torch

import teenygrad as tg

TOL = dict(rtol=1e-5, atol=1e-6)


def _pair(arr, grad=False):
    return (torch.tensor(arr, requires_grad=grad), tg.tensor(arr, requires_grad=grad))


def _same(a, b):
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), equal_nan=True, **TOL)


def _raises_alike(fn):
    """fn(mod) raises the same exception type under torch and teenygrad."""
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)):
        fn(tg)


# ---- reductions ------------------------------------------------------------------------------------
@pytest.mark.parametrize("x", [[float("nan")], [float("inf")], [0.0], [2.5]])
@pytest.mark.parametrize("create_graph", [False, True])
def test_cumprod_grad_along_size_one_dim(x, create_graph):
    # z = x along a size-1 dim, so dx = dz even for a NaN or inf x (it was NaN: dz * z / x)
    grads = []
    for mod in (torch, tg):
        t = mod.tensor(np.array(x, np.float64), requires_grad=True)
        (g,) = mod.autograd.grad(t.cumprod(0).sum() * 3, t, create_graph=create_graph)
        grads.append(g)
    _same(*grads)


@pytest.mark.parametrize("op", ["sum", "nansum", "prod", "cumsum", "cumprod"])
def test_integer_dtype_reduction_of_a_grad_input(op):
    arr = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32) * 3
    args = (1,) if op.startswith("cum") else ()
    _raises_alike(lambda m: getattr(m.tensor(arr, requires_grad=True), op)(*args, dtype=m.int64))
    with torch.no_grad(), tg.no_grad():  # without a graph to record both answer
        a, b = _pair(arr, grad=True)
        _same(getattr(a, op)(*args, dtype=torch.int64), getattr(b, op)(*args, dtype=tg.int64))


def test_nanmean_checks_input_and_dtype():
    _raises_alike(lambda m: m.tensor([[True, False]]).nanmean(dtype=m.float32))
    _raises_alike(lambda m: m.tensor([[1, 2]]).nanmean(dtype=m.float64))
    _raises_alike(lambda m: m.tensor([[1.0, 2.0]]).nanmean(dtype=m.int64))
    a, b = _pair(np.array([[1.0, np.nan, 3.0]], np.float32))
    _same(a.nanmean(1, dtype=torch.float64), b.nanmean(1, dtype=tg.float64))


def test_norm_errors():
    arr = np.ones((2, 3, 4), np.float32)
    _raises_alike(lambda m: m.tensor(arr).norm("fro", dim=(0, 1, 2)))
    _raises_alike(lambda m: m.tensor(arr).norm(dim=(0, 1, 2)))  # p defaults to "fro"
    _raises_alike(lambda m: m.zeros(1, 0).norm(p=float("inf"), dim=-1))
    _raises_alike(lambda m: m.zeros(1, 0).norm(p=float("-inf")))
    _same(torch.zeros(0, 2).norm(p=float("inf"), dim=1), tg.zeros(0, 2).norm(p=float("inf"), dim=1))
    _same(torch.tensor(arr).norm("fro", dim=(0,)), tg.tensor(arr).norm("fro", dim=(0,)))


# ---- movement -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda m: m.tensor(3.0).narrow(0, 0, 1),
    lambda m: m.tensor(3.0).chunk(2),
    lambda m: m.tensor(3.0).split(1),
    lambda m: m.tensor(3.0).roll(1, 0),
    lambda m: m.tensor(3.0).unflatten(0, (1,)),
    lambda m: m.ones(3, 1).unflatten(1, ()),
    lambda m: m.meshgrid(m.ones(2), m.ones(3, dtype=m.int64), indexing="ij"),
    lambda m: m.meshgrid(m.ones(2), m.ones(2, 2), indexing="ij"),
    lambda m: m.cartesian_prod(m.ones(2), m.ones(3, dtype=m.int64)),
], ids=["narrow0d", "chunk0d", "split0d", "roll0d", "unflatten0d", "unflatten_empty", "meshgrid_dtype",
        "meshgrid_2d", "cartesian_dtype"])
def test_invalid_inputs_raise_as_torch(fn):
    _raises_alike(fn)


def test_narrow_tensor_start():
    arr = np.arange(12.0).reshape(3, 4)
    for start in (-3, 1):
        a, b = _pair(arr)
        _same(a.narrow(1, torch.tensor(start), 2), b.narrow(1, tg.tensor(start), 2))


def test_roll_of_empty_skips_dim_check():
    _same(torch.zeros(0, 2).roll((1,), (7,)), tg.zeros(0, 2).roll((1,), (7,)))


def test_zero_d_adjoint_is_the_tensor():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = _pair(np.array(2.5))
        _same(a.mH, b.mH)
        _same(a.adjoint(), b.adjoint())


@pytest.mark.parametrize("dim", [None, 1])
def test_repeat_interleave_one_element_repeats_broadcast(dim):
    a, b = _pair(np.arange(6).reshape(2, 3))
    _same(a.repeat_interleave(torch.tensor([2]), dim=dim), b.repeat_interleave(tg.tensor([2]), dim=dim))


def _writes_through(mod, make, op):
    with (torch.no_grad() if mod is torch else tg.no_grad()):
        base, x = make(mod)
        before = base.numpy().copy()
        op(x).fill_(7)
        return not np.array_equal(before, base.numpy())


@pytest.mark.parametrize("make,op", [
    (lambda m: (lambda b: (b, b.expand(1, 1, 1, 3, 3)))(m.zeros(1, 1, 1, 1, 1)), lambda x: x.ravel()),
    (lambda m: (lambda b: (b, b.expand(2, 3)))(m.zeros(1, 3)), lambda x: x.reshape(-1)),
    (lambda m: (lambda b: (b, b[::2]))(m.zeros(8)), lambda x: x.ravel()),
    (lambda m: (lambda b: (b, b.t()))(m.zeros(2, 3)), lambda x: x.ravel()),
    (lambda m: (lambda b: (b, b))(m.zeros(2, 3)), lambda x: x.ravel()),
    (lambda m: (lambda b: (b, b[:, :2]))(m.zeros(2, 3)), lambda x: x.reshape(-1)),
], ids=["ravel_expanded", "reshape_expanded", "ravel_strided", "ravel_transposed", "ravel_contiguous",
        "reshape_sliced"])
def test_reshape_views_exactly_when_torch_does(make, op):
    # ravel of an expanded tensor was numpy's read-only stride-0 array (fill_ raised); a strided ravel was a view
    assert _writes_through(tg, make, op) == _writes_through(torch, make, op)


def test_cat_gives_skipped_empty_inputs_a_gradient():
    rng = np.random.default_rng(1)
    arrs = [rng.standard_normal(s).astype(np.float32) for s in [(2, 3), (0,), (2, 1), (0,)]]
    g = rng.standard_normal((2, 4)).astype(np.float32)
    grads = []
    for mod in (torch, tg):
        ts = [mod.tensor(a, requires_grad=True) for a in arrs]
        mod.cat(ts, 1).backward(mod.tensor(g))
        grads.append([t.grad for t in ts])
    for a, b in zip(*grads):
        assert b is not None
        _same(a, b)


# ---- a small seeded sweep: non-contiguous inputs with size-0/1 dims, forward and backward ------------
def _inputs(rng, n):
    for _ in range(n):
        shape = tuple(int(s) for s in rng.choice([0, 1, 2, 3], rng.integers(1, 5)))
        arr = rng.standard_normal([s * 2 for s in shape]).astype(np.float64)
        yield arr, (lambda x, nd=len(shape): x[(slice(None, None, 2),) * nd])


_SWEEP = [
    ("sum", lambda x, nd: x.sum(-1, keepdim=True)),
    ("nansum", lambda x, nd: x.nansum(tuple(range(nd))[-2:])),
    ("prod", lambda x, nd: x.prod(nd - 1)),
    ("cumprod", lambda x, nd: x.cumprod(0)),
    ("cumsum", lambda x, nd: x.cumsum(-1)),
    ("var", lambda x, nd: x.var(0, correction=0)),
    ("logsumexp", lambda x, nd: x.logsumexp(-1)),
    ("ravel", lambda x, nd: x.ravel()),
    ("flatten", lambda x, nd: x.flatten(0, -1)),
    ("roll", lambda x, nd: x.roll((1, -2), (0, nd - 1))),
    ("movedim", lambda x, nd: x.movedim(0, -1)),
    ("repeat", lambda x, nd: x.repeat(*([2] * nd))),
    ("flip", lambda x, nd: x.flip(0)),
    ("unbind", lambda x, nd: x.unbind(-1)),
    ("tensor_split", lambda x, nd: x.tensor_split([1, 2], 0)),
]


@pytest.mark.parametrize("name,op", _SWEEP, ids=[n for n, _ in _SWEEP])
def test_seeded_sweep(name, op):
    rng = np.random.default_rng(14)
    for arr, view in _inputs(rng, 12):
        outs, grads = [], []
        for mod in (torch, tg):
            leaf = mod.tensor(arr, requires_grad=True)
            x = view(leaf)
            out = op(x, x.ndim)
            out = list(out) if isinstance(out, tuple) else [out]
            r = np.random.default_rng(0)
            tot = sum((o * mod.tensor(r.standard_normal(tuple(o.shape)))).sum() for o in out)
            if out and tot.requires_grad:
                tot.backward()
            outs.append(out)
            grads.append(leaf.grad)
        for a, b in zip(*outs):
            _same(a, b)
        assert (grads[0] is None) == (grads[1] is None)
        if grads[0] is not None:
            _same(grads[0], grads[1])
