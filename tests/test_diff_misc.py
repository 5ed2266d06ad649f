"""Differential sweep beside PyTorch (the oracle) of the smaller corners: random-op argument checks and seeding,
DataLoader/sampler/collate details, and the small torch functions in teenygrad/tensor_misc.py (forward and,
where differentiable, backward on the same numpy-drawn values)."""
import numpy as np
import pytest
import torch
import torch.utils.data as tdata
import teenygrad as tg
from teenygrad.utils import data as gdata

FWD = dict(atol=1e-5, rtol=1e-4)


def _np(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def _both(a, requires_grad=False):
    return tg.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def _check(g, t):
    assert tuple(g.shape) == tuple(t.shape), (g.shape, t.shape)
    assert str(g.dtype) == str(t.dtype).replace("torch.", ""), (g.dtype, t.dtype)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), **FWD)


def _fwd_bwd(fn_tg, fn_torch, *arrays):
    """Run both functions on the same arrays, compare outputs and the gradients of a random weighted sum."""
    gs = [tg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    og, ot = fn_tg(*gs), fn_torch(*ts)
    _check(og, ot)
    w = np.random.default_rng(7).standard_normal(tuple(ot.shape)).astype(np.float32)
    (og * tg.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    for g, t in zip(gs, ts):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), atol=1e-4, rtol=1e-3)


# ---------------------------------------------------------------- random ops: argument checks and seeding

@pytest.mark.parametrize("case", ["normal_neg_std", "normal_tensor_neg_std", "bernoulli_above_1", "bernoulli_below_0",
                                  "bernoulli__above_1", "uniform_from_gt_to", "exponential_neg"])
def test_random_bad_args_raise_like_torch(case):
    calls = {
        "normal_neg_std": lambda m: m.normal(0.0, -1.0, (3,)),
        "normal_tensor_neg_std": lambda m: m.normal(m.zeros(3), -m.ones(3)),
        "bernoulli_above_1": lambda m: m.bernoulli(m.tensor([0.5, 1.5])),
        "bernoulli_below_0": lambda m: m.bernoulli(m.tensor([-0.5, 0.5])),
        "bernoulli__above_1": lambda m: m.empty(3).bernoulli_(1.5),
        "uniform_from_gt_to": lambda m: m.empty(3).uniform_(2.0, 1.0),
        "exponential_neg": lambda m: m.empty(3).exponential_(-1.0),
    }
    with pytest.raises(RuntimeError):
        calls[case](torch)
    op = case.split("_")[0] + ("_" if case.startswith("bernoulli__") else "")
    with pytest.raises(RuntimeError, match=op):
        calls[case](tg)


def test_bernoulli_second_positional_is_p():
    # torch.bernoulli(input, p): p is a probability (the old code took it for a generator and raised TypeError)
    tg.manual_seed(0)
    out = tg.bernoulli(tg.zeros(4000), 0.25)
    assert out.shape == (4000,) and out.dtype == tg.float32
    assert set(np.unique(out.numpy())) <= {0.0, 1.0} and abs(out.numpy().mean() - 0.25) < 0.03
    assert tg.bernoulli(tg.zeros(10), 1.0).numpy().tolist() == torch.bernoulli(torch.zeros(10), 1.0).tolist()
    g = tg.Generator().manual_seed(3)
    a = tg.bernoulli(tg.full((50,), 0.5), generator=g)
    g.manual_seed(3)
    assert np.array_equal(a.numpy(), tg.bernoulli(tg.full((50,), 0.5), generator=g).numpy())


def test_manual_seed_like_torch():
    assert tg.manual_seed(-1).initial_seed() == torch.manual_seed(-1).initial_seed()
    tg.manual_seed(-1)
    a = tg.rand(3)
    tg.manual_seed(2 ** 64 - 1)
    assert np.array_equal(a.numpy(), tg.rand(3).numpy())  # -1 and 2**64-1 are one seed, as in torch
    with pytest.raises(RuntimeError):
        torch.Generator().manual_seed(1.5)
    with pytest.raises(TypeError, match="manual_seed.*1.5"):
        tg.Generator().manual_seed(1.5)  # the old code truncated it to seed 1
    assert tg.manual_seed(1.5).initial_seed() == torch.manual_seed(1.5).initial_seed() == 1
    torch.manual_seed(0)
    tg.manual_seed(0)


# ---------------------------------------------------------------- utils.data

def test_batch_size_none_with_drop_last_raises():
    ds = [1.0, 2.0, 3.0]
    with pytest.raises(ValueError):
        tdata.DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="DataLoader.*drop_last"):
        gdata.DataLoader(ds, batch_size=None, drop_last=True)


def test_sampler_flag_types_checked():
    with pytest.raises(TypeError):
        tdata.RandomSampler(range(5), replacement=1)
    with pytest.raises(TypeError, match="RandomSampler.*replacement"):
        gdata.RandomSampler(range(5), replacement=1)
    with pytest.raises(ValueError):
        tdata.BatchSampler(range(5), 2, drop_last=1)
    with pytest.raises(ValueError, match="BatchSampler.*drop_last"):
        gdata.BatchSampler(range(5), 2, drop_last=1)


def test_collate_strings_inside_samples_are_tuples():
    batch = [("a", 1.5, {"name": "x"}), ("b", 2.5, {"name": "y"})]
    g, t = gdata.default_collate(batch), tdata.default_collate(batch)
    assert type(g) is type(t) and type(g[0]) is type(t[0]) and g[0] == t[0]
    assert type(g[2]["name"]) is type(t[2]["name"]) and g[2]["name"] == t[2]["name"]
    np.testing.assert_array_equal(g[1].numpy(), t[1].numpy())
    assert str(g[1].dtype) == str(t[1].dtype).replace("torch.", "")
    assert gdata.default_collate(["a", "b"]) == tdata.default_collate(["a", "b"])


@pytest.mark.parametrize("batch", [[2, 1.5], [True, 2], [True, False], [np.str_("a"), np.str_("b")], [3, 4]])
def test_collate_python_numbers_infer_like_torch_tensor(batch):
    # an int first used to force int64 on the whole batch (1.5 -> 1); np.str_ became a unicode-dtype Tensor
    g, t = gdata.default_collate(batch), tdata.default_collate(batch)
    if isinstance(t, torch.Tensor):
        _check(g, t)
    else:
        assert type(g) is type(t) and list(g) == list(t)


def test_collate_keeps_graph_and_checks_shapes():
    a = np.arange(6, dtype=np.float32).reshape(3, 2)
    g = [tg.tensor(r, requires_grad=True) for r in a]
    t = [torch.tensor(r, requires_grad=True) for r in a]
    og, ot = gdata.default_collate(g), tdata.default_collate(t)
    assert og.requires_grad == ot.requires_grad
    (og * tg.tensor(a)).sum().backward()
    (ot * torch.tensor(a)).sum().backward()
    for x, y in zip(g, t):
        np.testing.assert_array_equal(x.grad.numpy(), y.grad.numpy())
    with pytest.raises(RuntimeError):
        tdata.default_collate([torch.zeros(2), torch.zeros(3)])
    with pytest.raises(RuntimeError, match=r"default_collate.*\(2,\), \(3,\)"):
        gdata.default_collate([tg.zeros(2), tg.zeros(3)])


def test_random_sampler_empty_dataset_raises_at_once():
    with pytest.raises(ValueError):
        tdata.RandomSampler([])
    with pytest.raises(ValueError, match="RandomSampler.*num_samples"):
        gdata.RandomSampler([])  # used to fail later, inside iteration, with ZeroDivisionError


def test_weighted_random_sampler():
    w = [0.0, 1.0, 3.0, 0.0]
    s = gdata.WeightedRandomSampler(w, 4000, generator=tg.Generator().manual_seed(0))
    idx = list(s)
    assert len(s) == len(tdata.WeightedRandomSampler(w, 4000)) == len(idx) == 4000
    freq = np.bincount(idx, minlength=4) / 4000
    np.testing.assert_allclose(freq, np.array(w) / sum(w), atol=0.03)
    assert sorted(gdata.WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False)) == [0, 1, 2]
    again = list(gdata.WeightedRandomSampler(w, 4000, generator=tg.Generator().manual_seed(0)))
    assert again == idx
    loader = gdata.DataLoader(gdata.TensorDataset(tg.arange(4)), batch_size=8, sampler=s)
    assert sum(b[0].shape[0] for b in loader) == 4000 and len(loader) == 500


# ---------------------------------------------------------------- dtype queries

DTYPES = ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_promote_types_and_can_cast(a, b):
    ta, tb = getattr(torch, a), getattr(torch, b)
    ga, gb = getattr(tg, a), getattr(tg, b)
    assert str(tg.promote_types(ga, gb)) == str(torch.promote_types(ta, tb)).replace("torch.", "")
    assert tg.can_cast(ga, gb) == torch.can_cast(ta, tb)


@pytest.mark.parametrize("pair", [("t_f32", 2), ("t_i64", 2.5), ("t_u8", -1), ("s_f64", "t_f16"), ("t_i32", "s_f32"),
                                  ("t_bool", True), (1, 2.0), ("t_i8", "t_u8")])
def test_result_type(pair):
    make = {"t_f32": ((3,), "float32"), "t_i64": ((3,), "int64"), "t_u8": ((3,), "uint8"), "s_f64": ((), "float64"),
            "t_f16": ((2,), "float16"), "t_i32": ((2,), "int32"), "s_f32": ((), "float32"), "t_bool": ((2,), "bool"),
            "t_i8": ((2,), "int8")}

    def build(m, x):
        if isinstance(x, str):
            shape, d = make[x]
            return m.zeros(shape, dtype=getattr(m, d))
        return x
    g = tg.result_type(build(tg, pair[0]), build(tg, pair[1]))
    t = torch.result_type(build(torch, pair[0]), build(torch, pair[1]))
    assert str(g) == str(t).replace("torch.", "")


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "bfloat16"])
def test_finfo(name):
    g, t = tg.finfo(getattr(tg, name)), torch.finfo(getattr(torch, name))
    for field in ["bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"]:
        assert getattr(g, field) == getattr(t, field), field
    assert g.dtype == t.dtype
    assert tg.finfo().eps == torch.finfo().eps


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8"])
def test_iinfo(name):
    g, t = tg.iinfo(getattr(tg, name)), torch.iinfo(getattr(torch, name))
    assert (g.bits, g.min, g.max, g.dtype) == (t.bits, t.min, t.max, t.dtype)
    with pytest.raises(TypeError):
        tg.iinfo(tg.float32)


# ---------------------------------------------------------------- broadcasting

def test_broadcast_shapes_and_tensors():
    for shapes in [((2, 1), (3,)), ((1,), (4, 1, 5), (5,)), (2, (3, 1)), ((), (2, 3)), ((0, 1), (3,))]:
        assert tg.broadcast_shapes(*shapes) == tuple(torch.broadcast_shapes(*shapes))
    with pytest.raises(RuntimeError):
        torch.broadcast_shapes((2, 3), (4,))
    with pytest.raises(RuntimeError, match=r"broadcast_shapes.*\(2, 3\).*\(4,\)"):
        tg.broadcast_shapes((2, 3), (4,))
    rng = np.random.default_rng(1)
    a, b, c = _np(rng, 3, 1), _np(rng, 4), _np(rng, 1, 1)

    def run(m):
        def f(x, y, z):
            u, v, w = m.broadcast_tensors(x, y, z)
            return u * 1.0 + v * 2.0 + w * 3.0
        return f
    _fwd_bwd(run(tg), run(torch), a, b, c)
    outs = tg.broadcast_tensors(tg.tensor(a), tg.tensor(b))
    assert [tuple(o.shape) for o in outs] == [(3, 4), (3, 4)]


# ---------------------------------------------------------------- diff and trapezoid

@pytest.mark.parametrize("kw", [dict(), dict(n=2), dict(dim=0), dict(n=3, dim=1), dict(n=0), dict(n=7)])
def test_diff(kw):
    a = _np(np.random.default_rng(2), 4, 5)
    _fwd_bwd(lambda x: tg.diff(x, **kw), lambda x: torch.diff(x, **kw), a)


def test_diff_prepend_append_bool_int():
    rng = np.random.default_rng(3)
    a, p, q = _np(rng, 3, 4), _np(rng, 3, 2), _np(rng, 3, 1)
    _fwd_bwd(lambda x, y, z: tg.diff(x, prepend=y, append=z), lambda x, y, z: torch.diff(x, prepend=y, append=z), a, p, q)
    b = rng.random(7) < 0.5
    _check(tg.diff(tg.tensor(b)), torch.diff(torch.tensor(b)))
    i = rng.integers(-5, 5, (2, 6))
    _check(tg.tensor(i).diff(n=2), torch.tensor(i).diff(n=2))
    with pytest.raises(RuntimeError):
        torch.diff(torch.tensor(1.0))
    with pytest.raises(RuntimeError, match="diff"):
        tg.diff(tg.tensor(1.0))


@pytest.mark.parametrize("fn", ["trapezoid", "cumulative_trapezoid"])
def test_trapezoid(fn):
    rng = np.random.default_rng(4)
    y, x1, x2 = _np(rng, 3, 5), np.sort(_np(rng, 5)), np.sort(_np(rng, 3, 5), axis=1)
    g, t = getattr(tg, fn), getattr(torch, fn)
    _fwd_bwd(lambda a: g(a), lambda a: t(a), y)
    _fwd_bwd(lambda a: g(a, dx=0.5, dim=0), lambda a: t(a, dx=0.5, dim=0), y)
    _fwd_bwd(lambda a, b: g(a, b), lambda a, b: t(a, b), y, x1)
    _fwd_bwd(lambda a, b: g(a, b), lambda a, b: t(a, b), y, x2)
    iy = rng.integers(0, 9, (6,))
    _check(g(tg.tensor(iy)), t(torch.tensor(iy)))


# ---------------------------------------------------------------- products and distances

@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf"), 0.0])
@pytest.mark.parametrize("shapes", [((4, 3), (5, 3)), ((2, 4, 3), (2, 6, 3))])
def test_cdist(p, shapes):
    rng = np.random.default_rng(5)
    a, b = _np(rng, *shapes[0]), _np(rng, *shapes[1])
    b[..., 0, :] = a[..., 0, :]  # one zero distance: the gradient there must be 0, not nan
    if p == 0.0:
        _check(tg.cdist(tg.tensor(a), tg.tensor(b), p=p), torch.cdist(torch.tensor(a), torch.tensor(b), p=p))
        return
    _fwd_bwd(lambda x, y: tg.cdist(x, y, p=p), lambda x, y: torch.cdist(x, y, p=p), a, b)


def test_cdist_bad_shapes():
    with pytest.raises(RuntimeError):
        torch.cdist(torch.zeros(3, 2), torch.zeros(4, 5))
    with pytest.raises(RuntimeError, match=r"cdist.*\(3, 2\).*\(4, 5\)"):
        tg.cdist(tg.zeros(3, 2), tg.zeros(4, 5))


def test_cartesian_prod_and_combinations():
    rng = np.random.default_rng(6)
    a, b, c = _np(rng, 3), _np(rng, 2), _np(rng, 4)
    _fwd_bwd(lambda x, y, z: tg.cartesian_prod(x, y, z), lambda x, y, z: torch.cartesian_prod(x, y, z), a, b, c)
    _fwd_bwd(lambda x: tg.cartesian_prod(x), lambda x: torch.cartesian_prod(x), a)
    for r in [0, 1, 2, 3, 5]:
        for rep in [False, True]:
            if r == 0 or r > len(c) and not rep:  # empty: torch's result has no grad_fn
                _check(tg.combinations(tg.tensor(c), r, rep), torch.combinations(torch.tensor(c), r, rep))
                continue
            _fwd_bwd(lambda x: tg.combinations(x, r, rep) * 1.0, lambda x: torch.combinations(x, r, rep) * 1.0, c)


def test_block_diag():
    rng = np.random.default_rng(8)
    a, b, c = _np(rng, 2, 3), _np(rng, 4), np.float32(rng.standard_normal())
    _fwd_bwd(lambda x, y, z: tg.block_diag(x, y, z), lambda x, y, z: torch.block_diag(x, y, z), a, b, np.array(c))
    i = rng.integers(0, 5, (2, 2))
    _check(tg.block_diag(tg.tensor(i), tg.tensor(a)), torch.block_diag(torch.tensor(i), torch.tensor(a)))
    _check(tg.block_diag(tg.tensor(i), tg.zeros(0, 2)), torch.block_diag(torch.tensor(i), torch.zeros(0, 2)))


# ---------------------------------------------------------------- tests and counts

def test_isin_signbit_inf_tests():
    rng = np.random.default_rng(9)
    e, t = rng.integers(0, 10, (3, 4)), rng.integers(0, 10, (5,))
    for inv in [False, True]:
        _check(tg.isin(tg.tensor(e), tg.tensor(t), invert=inv), torch.isin(torch.tensor(e), torch.tensor(t), invert=inv))
    _check(tg.isin(tg.tensor(e), 3), torch.isin(torch.tensor(e), 3))
    _check(tg.isin(3, tg.tensor(t)), torch.isin(3, torch.tensor(t)))
    f = np.array([-0.0, 0.0, -1.5, 2.0, np.inf, -np.inf, np.nan], dtype=np.float32)
    for name in ["signbit", "isposinf", "isneginf"]:
        _check(getattr(tg, name)(tg.tensor(f)), getattr(torch, name)(torch.tensor(f)))
        _check(getattr(tg.tensor(e - 5), name)(), getattr(torch.tensor(e - 5), name)())


@pytest.mark.parametrize("kw", [dict(), dict(bins=7), dict(bins=4, min=-1, max=1), dict(bins=5, min=0.5, max=0.5)])
def test_histc(kw):
    a = _np(np.random.default_rng(10), 200)
    a[:3] = [-1.0, 1.0, 0.0]  # values on the range's ends and on a bin edge
    _check(tg.histc(tg.tensor(a), **kw), torch.histc(torch.tensor(a), **kw))
    _check(tg.tensor(a).histc(**kw), torch.tensor(a).histc(**kw))


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_nanmedian(dim):
    rng = np.random.default_rng(11)
    a = _np(rng, 5, 6)
    a[rng.random(a.shape) < 0.3] = np.nan
    a[:, 2] = np.nan  # a column all NaN
    if dim is None:
        _fwd_bwd(tg.nanmedian, torch.nanmedian, a)
        return
    finite_cols = a[:, ~np.isnan(a).all(0)]  # which NaN an all-NaN column reports (and gets the gradient) is arbitrary
    finite = finite_cols[~np.isnan(finite_cols).all(1)]
    _fwd_bwd(lambda x: tg.nanmedian(x, dim).values, lambda x: torch.nanmedian(x, dim).values, finite)
    for keepdim in [False, True]:
        g, t = tg.nanmedian(tg.tensor(a), dim, keepdim), torch.nanmedian(torch.tensor(a), dim, keepdim)
        _check(g.values, t.values)
        assert g.indices.dtype == tg.int64 and g.indices.shape == tuple(t.indices.shape)
        picked = np.take_along_axis(a, g.indices.numpy() if keepdim else np.expand_dims(g.indices.numpy(), dim), dim)
        np.testing.assert_array_equal(picked.reshape(g.values.shape), g.values.numpy())


# ---------------------------------------------------------------- grad mode

def test_no_grad_decorated_generator_runs_body_without_grad():
    def run(m):
        x = m.ones(2, requires_grad=True)

        @m.no_grad()
        def gen():
            for _ in range(2):
                yield (x * 2).requires_grad

        it = gen()
        first, outside, second = next(it), (x * 2).requires_grad, next(it)
        return first, outside, second, m.is_grad_enabled()
    assert run(tg) == run(torch) == (False, True, False, True)


# ---------------------------------------------------------------- product helpers (tensor_linalg_misc.py)

@pytest.mark.parametrize("op, shapes", [("addmm", [(3, 5), (3, 4), (4, 5)]), ("addmm", [(5,), (3, 4), (4, 5)]),
                                        ("addmv", [(3,), (3, 4), (4,)]), ("baddbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
                                        ("baddbmm", [(3, 5), (2, 3, 4), (2, 4, 5)]), ("addbmm", [(3, 5), (2, 3, 4), (2, 4, 5)])])
@pytest.mark.parametrize("scales", [dict(), dict(beta=0.5, alpha=2.0), dict(beta=0)])
def test_addmm_family(op, shapes, scales):
    rng = np.random.default_rng(12)
    arrays = [_np(rng, *s) for s in shapes]
    if scales.get("beta") == 0:  # input is ignored, nan included (torch gives it a zero gradient, we none)
        _fwd_bwd(lambda *x: getattr(tg, op)(tg.tensor(arrays[0]), *x, beta=0),
                 lambda *x: getattr(torch, op)(torch.tensor(arrays[0]), *x, beta=0), *arrays[1:])
        nan_in = np.full(shapes[0], np.nan, np.float32)
        _check(getattr(tg, op)(tg.tensor(nan_in), *map(tg.tensor, arrays[1:]), beta=0),
               getattr(torch, op)(torch.tensor(nan_in), *map(torch.tensor, arrays[1:]), beta=0))
    else:
        _fwd_bwd(lambda *x: getattr(tg, op)(*x, **scales), lambda *x: getattr(torch, op)(*x, **scales), *arrays)


@pytest.mark.parametrize("shapes, dims", [(((3, 4, 5), (4, 5, 2)), 2), (((3, 4), (4, 2)), 1), (((3, 4), (2, 5)), 0),
                                          (((3, 4, 5), (5, 3, 2)), ([0, 2], [1, 0])), (((3, 4), (4, 3)), ([1], [0]))])
def test_tensordot(shapes, dims):
    rng = np.random.default_rng(13)
    a, b = _np(rng, *shapes[0]), _np(rng, *shapes[1])
    _fwd_bwd(lambda x, y: tg.tensordot(x, y, dims), lambda x, y: torch.tensordot(x, y, dims), a, b)


@pytest.mark.parametrize("shapes", [((2, 3), (4, 2)), ((3,), (2,)), ((2, 2), (3,)), ((2, 1, 3), (2, 2))])
def test_kron(shapes):
    rng = np.random.default_rng(14)
    _fwd_bwd(tg.kron, torch.kron, _np(rng, *shapes[0]), _np(rng, *shapes[1]))


@pytest.mark.filterwarnings("ignore:Using torch.cross without")
@pytest.mark.parametrize("shape, dim", [((4, 3), None), ((3, 5), 0), ((2, 4, 3), -1), ((3, 3), 1)])
def test_cross(shape, dim):
    rng = np.random.default_rng(15)
    a, b = _np(rng, *shape), _np(rng, *shape)
    _fwd_bwd(lambda x, y: tg.cross(x, y, dim=dim), lambda x, y: torch.cross(x, y, dim=dim), a, b)


@pytest.mark.parametrize("p", [2, 1, 3, float("inf")])
def test_dist_and_elementwise_helpers(p):
    rng = np.random.default_rng(16)
    a, b = _np(rng, 3, 4), _np(rng, 4)
    _fwd_bwd(lambda x, y: tg.dist(x, y, p), lambda x, y: torch.dist(x, y, p), a, b)
    _fwd_bwd(tg.logaddexp2, torch.logaddexp2, a, b)
    for name in ["deg2rad", "rad2deg"]:
        _fwd_bwd(getattr(tg, name), getattr(torch, name), a)
        i = rng.integers(-90, 90, (5,))
        _check(getattr(tg, name)(tg.tensor(i)), getattr(torch, name)(torch.tensor(i)))


def test_small_queries():
    for v in [0.0, 2.0, True]:
        assert tg.is_nonzero(tg.tensor([v])) == torch.is_nonzero(torch.tensor([v]))
    with pytest.raises(RuntimeError):
        torch.is_nonzero(torch.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"is_nonzero.*\(2,\)"):
        tg.is_nonzero(tg.tensor([1.0, 2.0]))
    assert tg.is_same_size(tg.zeros(2, 3), tg.ones(2, 3)) and not tg.is_same_size(tg.zeros(2, 3), tg.zeros(3, 2))
    assert tg.is_complex(tg.zeros(2)) == torch.is_complex(torch.zeros(2))
    tg.use_deterministic_algorithms(True)
    assert tg.are_deterministic_algorithms_enabled()
    tg.use_deterministic_algorithms(False)
    assert not tg.are_deterministic_algorithms_enabled()


def test_fork_rng_restores_the_default_stream():
    for m in (tg, torch):
        m.manual_seed(4)
        with m.random.fork_rng():
            m.rand(5)
        inside_forked = m.rand(3).numpy()
        m.manual_seed(4)
        np.testing.assert_array_equal(inside_forked, m.rand(3).numpy())


@pytest.mark.parametrize("wdtype", ["float32", "float64", "float16", "int64", "bool"])
def test_bincount_weight_dtypes(wdtype):
    rng = np.random.default_rng(17)
    idx, w = rng.integers(0, 6, (20,)), rng.integers(0, 2, (20,)).astype(wdtype)
    _check(tg.bincount(tg.tensor(idx), tg.tensor(w), minlength=8), torch.bincount(torch.tensor(idx), torch.tensor(w), minlength=8))


@pytest.mark.parametrize("case", ["minlength", "weights_len"])
def test_bincount_bad_args(case):
    call = {"minlength": lambda m: m.bincount(m.tensor(np.array([1, 2])), minlength=-1),
            "weights_len": lambda m: m.bincount(m.tensor(np.array([1, 2])), m.tensor([1.0]))}[case]
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError, match="bincount"):
        call(tg)


@pytest.mark.parametrize("case", ["zeros", "ones", "empty", "rand", "randn", "randint_high_size_kw", "normal_f64_mean",
                                  "normal_f64_std"])
def test_creation_keyword_spellings(case):
    call = {"zeros": lambda m: m.zeros(size=(2, 3)), "ones": lambda m: m.ones(size=[4]),
            "empty": lambda m: m.empty(size=(1, 2)), "rand": lambda m: m.rand(size=(3,)),
            "randn": lambda m: m.randn(size=(2, 2), dtype=m.float64), "randint_high_size_kw": lambda m: m.randint(5, size=(300,)),
            "normal_f64_mean": lambda m: m.normal(m.zeros(3, dtype=m.float64), 1.0),
            "normal_f64_std": lambda m: m.normal(0.0, m.ones(2, 3, dtype=m.float64))}[case]
    g, t = call(tg), call(torch)
    assert tuple(g.shape) == tuple(t.shape) and str(g.dtype) == str(t.dtype).replace("torch.", "")
    if case.startswith("randint"):
        assert g.numpy().min() >= 0 and g.numpy().max() <= 4 and len(np.unique(g.numpy())) == 5
    if case in ("zeros", "ones"):
        np.testing.assert_array_equal(g.numpy(), t.numpy())
    with pytest.raises(TypeError, match="zeros"):
        tg.zeros(2, size=(3,))


def test_shape_is_a_size_with_numel():
    # x.shape.numel() (torch.Size's) raised AttributeError: shape was a plain tuple
    for L in (torch, tg):
        x = L.ones(2, 3, 4)
        assert isinstance(x.shape, L.Size) and isinstance(x.size(), L.Size)
        assert x.shape.numel() == 24 and x.shape == (2, 3, 4) and L.Size([2, 3]) == (2, 3)
        assert L.Size([2, 3]).numel() == 6 and L.zeros(L.Size([2, 3])).shape == (2, 3)


BAD_ADDED = {
    "addmm_shapes": lambda L: L.addmm(L.ones(3, 5), L.ones(3, 4), L.ones(3, 5)),
    "addmv_shapes": lambda L: L.addmv(L.ones(3), L.ones(3, 4), L.ones(5)),
    "baddbmm_batch": lambda L: L.baddbmm(L.ones(2, 3, 5), L.ones(2, 3, 4), L.ones(3, 4, 5)),
    "addbmm_rank": lambda L: L.addbmm(L.ones(3, 5), L.ones(3, 4), L.ones(4, 5)),
    "tensordot_dims": lambda L: L.tensordot(L.ones(2, 3), L.ones(4, 5), dims=1),
    "cross_size": lambda L: L.cross(L.ones(2, 4), L.ones(2, 4), dim=1),
    "block_diag_3d": lambda L: L.block_diag(L.ones(2, 2, 2)),
    "broadcast_tensors": lambda L: L.broadcast_tensors(L.ones(2, 3), L.ones(4)),
    "diff_n": lambda L: L.diff(L.ones(4), n=-1),
    "combinations_r": lambda L: L.combinations(L.ones(4), r=-1),
    "cartesian_prod_2d": lambda L: L.cartesian_prod(L.ones(2, 2), L.ones(2)),
    "dist_shapes": lambda L: L.dist(L.ones(3), L.ones(4)),
    "trapezoid_dx_x": lambda L: L.trapezoid(L.ones(3), L.ones(3), dx=1.0),
    "is_nonzero_many": lambda L: L.is_nonzero(L.ones(2)),
}


@pytest.mark.parametrize("case", sorted(BAD_ADDED))
def test_added_functions_refuse_bad_input_like_torch(case):
    with pytest.raises(Exception) as theirs:
        BAD_ADDED[case](torch)
    with pytest.raises(Exception) as ours:
        BAD_ADDED[case](tg)
    assert issubclass(ours.type, (RuntimeError, ValueError, TypeError, IndexError)), ours.value
    assert not isinstance(ours.value, (AttributeError, NameError)), ours.value
