"""teenygrad/tensor_extra_ops.py against PyTorch: inverse hyperbolics, torch's alias spellings and in-place forms,
gcd/lcm/shifts, cov/corrcoef/nanquantile/msort, inner/mv/vdot/addr, put, split_with_sizes, sum_to_size, resize_,
new_empty_strided and the storage queries: forward and backward on random float32 inputs (broadcast, non-contiguous
views), integer dtypes, float64 finite-difference gradients, torch's errors, in-place semantics (leaf refusal, a
view's base sees the write), and the random fills checked statistically."""
import warnings
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from helpers import compare, rand, assert_close

NAN = float("nan")


def _t(lib, a):
    return lib.from_numpy(a.copy()) if lib is torch else tg.tensor(a)


# ---- forward and backward against torch ----------------------------------------------------------------
FWD_BWD = {  # name: (fn(lib, *tensors), shapes, (low, high))
    "acosh": (lambda L, a: a.acosh() + L.arccosh(a), [(3, 4)], (1.1, 3.0)),
    "asinh": (lambda L, a: a.asinh() + L.arcsinh(a), [(3, 4)], (-3.0, 3.0)),
    "atanh": (lambda L, a: a.atanh() * L.arctanh(a), [(3, 4)], (-0.9, 0.9)),
    "divide": (lambda L, a, b: L.divide(a, b) + a.divide(b, rounding_mode="floor") * 2, [(3, 4), (4,)], (0.5, 2)),
    "cmp_aliases": (lambda L, a, b: (a.greater(b).to(a.dtype) + a.less_equal(b) * 2 + a.not_equal(b) * 4
                                     + L.greater_equal(a, b) * 8 + L.less(a, b) * 16) * a, [(3, 4), (4,)], (-1, 1)),
    "absolute_fix": (lambda L, a: L.absolute(a) + a.fix() + L.fix(a * 3), [(3, 4)], (-3, 3)),
    "nextafter": (lambda L, a, b: L.nextafter(a, b) * 3, [(3, 4), (4,)], (-1, 1)),
    "cov": (lambda L, a: L.cov(a) + a.cov(correction=0) * 2, [(3, 5)], (-1, 1)),
    "cov_1d": (lambda L, a: a.cov(), [(6,)], (-1, 1)),
    "cov_weights": (lambda L, a, w: a.cov(fweights=L.arange(1, 6), aweights=w) + a.cov(aweights=w, correction=2),
                    [(3, 5), (5,)], (0.2, 1.5)),
    "corrcoef": (lambda L, a: L.corrcoef(a) * a.std(1).unsqueeze(0), [(3, 6)], (-1, 1)),
    "msort": (lambda L, a: L.msort(a) * L.arange(4.0), [(5, 4)], (-1, 1)),
    "inner": (lambda L, a, b: L.inner(a, b), [(2, 3, 4), (5, 4)], (-1, 1)),
    "inner_0d": (lambda L, a, b: a.inner(b), [(2, 3), ()], (-1, 1)),
    "mv": (lambda L, a, b: L.mv(a, b) + a.mv(b), [(3, 4), (4,)], (-1, 1)),
    "vdot": (lambda L, a, b: L.vdot(a, b) + a.vdot(b), [(5,), (5,)], (-1, 1)),
    "addr": (lambda L, a, b, c: L.addr(a, b, c, beta=0.5, alpha=2) + a.addr(b, c), [(1, 4), (3,), (4,)], (-1, 1)),
    "put": (lambda L, a, s: a.put(L.tensor([0, -1, 5, 7]), s) + L.put(a, L.tensor([1, 1]), s[:2], accumulate=True),
            [(3, 4), (4,)], (-1, 1)),
    "split_with_sizes": (lambda L, a: [p * (i + 1) for i, p in enumerate(a.split_with_sizes([1, 3, 0], 1))]
                         + list(L.split_with_sizes(a, (2, 1)))[:1], [(3, 4)], (-1, 1)),
    "sum_to_size": (lambda L, a: [a.sum_to_size(4), a.sum_to_size(1, 4), a.sum_to_size((3, 1)),
                                  a.sum_to_size(2, 3, 4), a.sum_to_size([])], [(2, 3, 4)], (-1, 1)),
}


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("op", list(FWD_BWD))
def test_forward_backward(op, layout):
    fn, shapes, (lo, hi) = FWD_BWD[op]
    arrays = [rand(s, i + 1, np.float32, lo, hi) for i, s in enumerate(shapes)]
    compare(lambda L, *xs: fn(L, *xs), arrays, layout=layout)


def test_addr_beta0_ignores_input():
    a = rand((3, 4), 1)
    a[1, 2] = NAN  # beta = 0: the input's NaN and inf don't reach the result
    compare(lambda L, x, b, c: [x.addr(b, c, beta=0), L.addr(x, b, c, beta=0, alpha=3)],
            [a, rand((3,), 2), rand((4,), 3)], grad=[False, True, True])


def test_nanquantile():
    a = rand((4, 6), 3, np.float32, -1, 1)
    a[0, 2] = a[1, [0, 3]] = a[2, 1] = NAN
    a[3] = NAN  # a row of NaN only gives NaN
    q = np.array([0.1, 0.5, 0.93], np.float32)
    for kw in [dict(dim=1), dict(dim=0, keepdim=True), dict(), dict(dim=-1, interpolation="lower"),
               dict(dim=1, interpolation="higher"), dict(dim=1, interpolation="midpoint"),
               dict(dim=1, interpolation="nearest", keepdim=True)]:
        compare(lambda L, x, qq: [x.nanquantile(qq, **kw), L.nanquantile(x, 0.3, **kw)], [a, q], grad=[True, False])
    clean = rand((3, 5), 4, np.float32)  # no NaN: the same as quantile
    compare(lambda L, x: x.nanquantile(0.4, 1) - x.quantile(0.4, 1) + x.nanquantile(0.7), [clean])


def test_integer_dtypes():
    rng = np.random.default_rng(0)
    for dtype in [np.int8, np.int16, np.int32, np.int64, np.uint8]:
        a = rng.integers(-40 if dtype != np.uint8 else 0, 40, (3, 4)).astype(dtype)
        b = rng.integers(1, 30, (4,)) * np.array([1, -1, 1, -1 if dtype != np.uint8 else 1])
        compare(lambda L, x, y: [x.gcd(y), L.lcm(x, y), L.gcd(x, x.flip(0)), x.acosh(), L.atanh(x.clamp(-1, 1)),
                                 x.asinh(), x.divide(y, rounding_mode="trunc"), x.msort(), x.cov(), L.corrcoef(x)],
                [a, b])
        s = rng.integers(0, 10, (3, 4)).astype(dtype)
        compare(lambda L, x, y: [x << y, x >> y, L.bitwise_left_shift(x, y), x.bitwise_right_shift(3),
                                 L.bitwise_left_shift(x, 2), 3 << y], [a, s])
    compare(lambda L, x, y: [L.inner(x, y), x.mv(y[0]), L.vdot(x[0], y[0]), x.addr(y[0], y[1], beta=2, alpha=3)],
            [rng.integers(-5, 5, (4, 4)), rng.integers(-5, 5, (4, 4))])
    compare(lambda L, x, y: x.addr(y[0], y[1]), [rng.random((4, 4)) < 0.5, rng.random((2, 4)) < 0.5])
    # shifts of the type's width or more, and negative ones: 0 (or -1 for a negative number shifted right)
    x, s = np.array([1, -1, 5, -128, 3], np.int64), np.array([64, 63, -1, 70, 2], np.int64)
    compare(lambda L, a, b: [a << b, a >> b, a.to(L.int8) << b.to(L.int8), a.to(L.int8) >> b.to(L.int8),
                             a.to(L.uint8) << 1], [x, s])


def test_gradcheck():
    def d(shape, seed, lo=-1.0, hi=1.0):
        return tg.tensor(rand(shape, seed, np.float64, lo, hi), dtype=tg.float64, requires_grad=True)
    w = tg.tensor([1, 2, 1, 3, 1])
    assert gradcheck(lambda a: a.acosh(), [d((3, 4), 1, 1.2, 3)])
    assert gradcheck(lambda a: a.asinh() + a.atanh() * 2, [d((3, 4), 2, -0.9, 0.9)])
    # torch has no derivative for the in-place inverse hyperbolics; teenygrad's is the out-of-place one's
    assert gradcheck(lambda a: (a * 1).acosh_() + (a - 1).asinh_() + (a / 4).atanh_(), [d((3, 4), 2, 1.2, 3)])
    assert gradcheck(lambda a, aw: a.cov(fweights=w, aweights=aw) + a.corrcoef() + a[0].cov(),
                     [d((3, 5), 3), d((5,), 4, 0.2, 2)])
    x = d((3, 5), 5)
    with tg.no_grad():
        x[1, 2] = NAN
    assert gradcheck(lambda a: a.nanquantile(tg.tensor([0.3, 0.8], dtype=tg.float64), 1, interpolation="linear")
                     .nan_to_num(), [x])
    assert gradcheck(lambda a, b, c: a.inner(b).sum() + a.mv(c).sum() + c.vdot(c) + a.addr(a[:, 0], c, alpha=0.5),
                     [d((3, 4), 6), d((2, 4), 7), d((4,), 8)])
    assert gradcheck(lambda a, s: a.put(tg.tensor([0, 2, 2]), s, accumulate=True).sum_to_size(1, 4) * a[0],
                     [d((3, 4), 9), d((3,), 10)])
    assert gradcheck(lambda a, b: a.nextafter(b) + a.msort() + (a * 1).addmm_(b[:, :2], a[:2]),
                     [d((4, 3), 11), d((4, 3), 12)])


# ---- in-place forms --------------------------------------------------------------------------------------
INPLACE = {  # name: (shape of self, (low, high), the other arguments as numpy arrays or numbers, kwargs)
    "acosh_": ((3, 4), (1.1, 3), [], {}), "asinh_": ((3, 4), (-2, 2), [], {}), "atanh_": ((3, 4), (-.9, .9), [], {}),
    "arccosh_": ((3, 4), (1.1, 3), [], {}), "arcsinh_": ((3, 4), (-2, 2), [], {}),
    "arctanh_": ((3, 4), (-.9, .9), [], {}), "arccos_": ((3, 4), (-.9, .9), [], {}),
    "arcsin_": ((3, 4), (-.9, .9), [], {}), "arctan_": ((3, 4), (-2, 2), [], {}),
    "arctan2_": ((3, 4), (-2, 2), [(4,)], {}), "absolute_": ((3, 4), (-2, 2), [], {}),
    "divide_": ((3, 4), (0.5, 2), [(4,)], {}), "multiply_": ((3, 4), (-2, 2), [(3, 1)], {}),
    "subtract_": ((3, 4), (-2, 2), [(4,)], {"alpha": 2}), "negative_": ((3, 4), (-2, 2), [], {}),
    "fix_": ((3, 4), (-3, 3), [], {}), "deg2rad_": ((3, 4), (-90, 90), [], {}),
    "rad2deg_": ((3, 4), (-2, 2), [], {}), "nextafter_": ((3, 4), (-1, 1), [(4,)], {}),
    "eq_": ((3, 4), (-1, 1), [(4,)], {}), "ne_": ((3, 4), (-1, 1), [(4,)], {}), "lt_": ((3, 4), (-1, 1), [0.2], {}),
    "le_": ((3, 4), (-1, 1), [(3, 4)], {}), "gt_": ((3, 4), (-1, 1), [(4,)], {}), "ge_": ((3, 4), (-1, 1), [0.], {}),
    "greater_": ((3, 4), (-1, 1), [(4,)], {}), "greater_equal_": ((3, 4), (-1, 1), [(4,)], {}),
    "less_": ((3, 4), (-1, 1), [(4,)], {}), "less_equal_": ((3, 4), (-1, 1), [(4,)], {}),
    "not_equal_": ((3, 4), (-1, 1), [(4,)], {}),
    "addr_": ((3, 4), (-1, 1), [(3,), (4,)], {"beta": 2, "alpha": 0.5}),
    "addmm_": ((3, 4), (-1, 1), [(3, 2), (2, 4)], {"alpha": 2}), "addmv_": ((3,), (-1, 1), [(3, 4), (4,)], {}),
    "addbmm_": ((3, 4), (-1, 1), [(2, 3, 5), (2, 5, 4)], {}),
    "baddbmm_": ((2, 3, 4), (-1, 1), [(2, 3, 5), (2, 5, 4)], {"beta": 0.5}),
    "put_": ((3, 4), (-1, 1), [np.array([0, -1, 5]), (3,)], {"accumulate": True}),
}


def _inplace_inputs(name, seed=0):
    shape, (lo, hi), others, kw = INPLACE[name]
    x = rand(shape, seed, np.float32, lo, hi)
    if name in ("eq_", "ne_", "le_", "ge_"):
        x = np.round(x, 1)  # some equal elements
    args = [o if not isinstance(o, tuple) else rand(o, seed + i + 1) for i, o in enumerate(others)]
    return x, args, kw


def _arg(lib, o):
    return _t(lib, o) if isinstance(o, np.ndarray) else o


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace(name):
    x, args, kw = _inplace_inputs(name)
    if name == "eq_":
        args = [x[0].copy()]
    # values and gradients, through a non-leaf (x * 1) that takes the write
    arrays = [x] + [a for a in args if isinstance(a, np.ndarray)]
    grad = [True] + [a.dtype.kind == "f" for a in args if isinstance(a, np.ndarray)]
    if "cosh" in name or "sinh" in name or "tanh" in name:  # torch: "the derivative for 'inplace version of acosh'
        grad = [False]                                       # is not implemented" (test_gradcheck covers ours)

    def run(lib, t, *ts):
        it = iter(ts)
        call = [next(it) if isinstance(a, np.ndarray) else a for a in args]
        y = t * 1
        out = getattr(y, name)(*call, **kw)
        assert out is y
        return y
    compare(run, arrays, grad=grad)
    # a view's base sees the write (a non-contiguous view: every other column)
    base = {lib: _t(lib, np.repeat(x, 2, axis=-1)) for lib in (tg, torch)}
    for lib in (tg, torch):
        getattr(base[lib][..., ::2], name)(*[_arg(lib, a) for a in args], **kw)
    assert_close(base[tg], base[torch], f"{name}: the base after a write through a view", atol=1e-6, rtol=1e-5)
    # a leaf that requires grad is refused, by both
    for lib in (torch, tg):
        leaf = _t(lib, x).requires_grad_()
        with pytest.raises(RuntimeError, match="leaf"):
            getattr(leaf, name)(*[_arg(lib, a) for a in args], **kw)


@pytest.mark.parametrize("name,args", [("gcd_", [np.array([4, 6, 9, 0])]), ("lcm_", [np.array([4, 6, 9, 0])]),
                                       ("bitwise_left_shift_", [np.array([1, 2, 70, -1])]),
                                       ("bitwise_right_shift_", [2]), ("lt_", [3.5]), ("eq_", [np.array([5, 2, 1, 7])]),
                                       ("divide_", [np.array([2, -3, 2, 4])])])
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_inplace_integer(name, args, dtype):
    kw = {"rounding_mode": "floor"} if name == "divide_" else {}
    base = {lib: _t(lib, np.array([[5, -7, 12, 9], [1, 2, 3, 4]], dtype)) for lib in (tg, torch)}
    for lib in (tg, torch):
        out = getattr(base[lib][0], name)(*[_arg(lib, a) for a in args], **kw)
        assert out.dtype == base[lib].dtype
    assert_close(base[tg], base[torch], name, atol=0, rtol=0)


def test_shift_assign_operators_are_in_place():
    for lib in (tg, torch):
        x = _t(lib, np.array([1, 2, 3]))
        view = x[1:]
        same = x
        x <<= 2
        x >>= _t(lib, np.array([1, 0, 1]))
        assert x is same
        assert view.tolist() == [8, 6]


# ---- random fills ----------------------------------------------------------------------------------------
N = 20000


def _within(sample_stat, expected, se, what):
    assert abs(sample_stat - expected) < 5 * se, f"{what}: {sample_stat} vs {expected} (5 SE = {5 * se})"


def test_random_fills_statistics():
    tg.manual_seed(0)
    x = tg.empty(N).random_(3, 13)
    v = x.numpy()
    assert x.dtype == tg.float32 and set(np.unique(v)) == set(range(3, 13))
    _within(v.mean(), 7.5, np.sqrt((100 - 1) / 12 / N), "random_(3, 13) mean")
    v = tg.empty(N, dtype=tg.int8).random_().numpy()
    assert v.min() >= 0 and v.max() <= 127 and len(np.unique(v)) == 128
    v = tg.empty(N, dtype=tg.int64).random_(6).numpy()
    assert set(np.unique(v)) == set(range(6))
    v = tg.empty(N).random_(**{"from": -4, "to": 2}).numpy()
    assert v.min() == -4 and v.max() == 1
    v = tg.empty(N).random_().numpy()
    assert v.min() >= 0 and v.max() <= 2 ** 24 and v.max() > 2 ** 23 and np.all(v == np.round(v))
    assert set(np.unique(tg.empty(100, dtype=tg.bool).random_().numpy())) == {False, True}
    v = tg.empty(N).cauchy_(1.0, 2.0).numpy()  # no mean: the median and quartiles (median -+ sigma)
    se = np.pi * 2.0 / (2 * np.sqrt(N))
    _within(np.median(v), 1.0, se, "cauchy_ median")
    _within(np.quantile(v, 0.75) - np.quantile(v, 0.25), 4.0, 3 * se, "cauchy_ interquartile range")
    v = np.log(tg.empty(N, dtype=tg.float64).log_normal_(0.5, 0.3).numpy())
    _within(v.mean(), 0.5, 0.3 / np.sqrt(N), "log_normal_ mean of the log")
    _within(v.std(), 0.3, 0.3 / np.sqrt(2 * N), "log_normal_ std of the log")
    v = tg.empty(N, dtype=tg.int64).geometric_(0.3).numpy()
    assert v.min() >= 1
    _within(v.mean(), 1 / 0.3, np.sqrt(0.7 / 0.09 / N), "geometric_ mean")
    p = tg.tensor([0.1, 0.5, 0.9]).expand(N, 3)
    v = p.bernoulli().numpy()
    for j, pj in enumerate([0.1, 0.5, 0.9]):
        _within(v[:, j].mean(), pj, np.sqrt(pj * (1 - pj) / N), "bernoulli() mean")
    v = tg.empty(N).bernoulli(0.25).numpy()
    assert set(np.unique(v)) == {0.0, 1.0}
    _within(v.mean(), 0.25, np.sqrt(0.25 * 0.75 / N), "bernoulli(p) mean")


@pytest.mark.parametrize("fill", [lambda t, g=None: t.random_(0, 100, generator=g),
                                  lambda t, g=None: t.cauchy_(generator=g),
                                  lambda t, g=None: t.log_normal_(generator=g),
                                  lambda t, g=None: t.geometric_(0.4, generator=g),
                                  lambda t, g=None: t.bernoulli(generator=g)])
def test_random_fills_repeat_and_write_in_place(fill):
    def draw(seed):
        tg.manual_seed(seed)
        return fill(tg.full((50,), 0.5)).numpy()
    assert np.array_equal(draw(3), draw(3)) and not np.array_equal(draw(3), draw(4))
    a, b = (fill(tg.full((50,), 0.5), tg.Generator().manual_seed(7)).numpy() for _ in range(2))
    assert np.array_equal(a, b)
    if fill.__code__.co_names[-1] != "bernoulli":  # the in-place fills: into self's memory, refused on a leaf
        base = tg.zeros(4, 6)
        out = fill(base[:, ::2])
        assert out.shape == (4, 3) and np.all(base.numpy()[:, 1::2] == 0) and np.all(base.numpy()[:, ::2] != 0)
        for lib in (torch, tg):
            with pytest.raises(RuntimeError, match="leaf"):
                fill(lib.zeros(3, requires_grad=True))
        for lib in (torch, tg):  # a graph tensor takes the draw; its old value gets a zero gradient
            x = lib.full((50,), 0.5, requires_grad=True)
            y = x * 2
            fill(y)
            y.sum().backward()
            assert x.grad.tolist() == [0] * 50 and y.tolist() != [1] * 50


# ---- storage and size ------------------------------------------------------------------------------------
def test_resize():
    for lib in (tg, torch):
        a = lib.arange(6.0)
        v = a[1:3]
        v.resize_(4)  # a view grows within its base's storage
        assert v.tolist() == [1, 2, 3, 4] and a.tolist() == [0, 1, 2, 3, 4, 5]
        a.resize_(2, 2)
        assert a.tolist() == [[0, 1], [2, 3]] and a.stride() == (2, 1)
        a.resize_(6)  # back within the storage: the old values are still there
        assert a.tolist() == [0, 1, 2, 3, 4, 5]
        a.resize_(3, 3)  # grows the storage: the old values first
        assert a.shape == (3, 3) and a.reshape(-1)[:6].tolist() == [0, 1, 2, 3, 4, 5]
        b = lib.ones(2, 3)
        assert b.resize_as_(lib.ones(3, 1)).shape == (3, 1) and b.resize_(0).shape == (0,)
        for bad in (lambda: lib.ones(2, requires_grad=True).resize_(3),
                    lambda: (lib.ones(2, requires_grad=True) * 2).resize_(2)):
            with pytest.raises(RuntimeError, match="resize"):
                bad()
    with pytest.raises(RuntimeError):
        torch.ones(2).resize_(-1)
    with pytest.raises(NotImplementedError, match=r"resize_: .*contiguous.*strides \(1, 3\)"):
        tg.arange(6.0).reshape(2, 3).T.resize_(2, 2)  # torch reads the storage in its order: not supported
    with pytest.raises(RuntimeError, match=r"resize_.*\(-1,\)"):
        tg.ones(2).resize_(-1)


def test_new_empty_strided_and_queries():
    for dtype in [tg.float32, tg.int32]:
        t = tg.ones(2, dtype=dtype).new_empty_strided((2, 3), (1, 2))
        w = torch.ones(2, dtype=getattr(torch, str(dtype))).new_empty_strided((2, 3), (1, 2))
        assert t.shape == tuple(w.shape) and t.stride() == w.stride() and str(t.dtype) == str(w.dtype).split(".")[1]
    t = tg.ones(2).new_empty_strided([3, 2], [2, 1], dtype=tg.float64, requires_grad=True)
    assert t.dtype == tg.float64 and t.requires_grad and t.is_leaf and t.stride() == (2, 1)
    assert tg.ones(2).new_empty_strided((0, 3), (1, 1)).shape == (0, 3)
    for lib in (tg, torch):
        x = lib.ones(2)
        assert (x.is_cpu, x.get_device(), lib.get_device(x), x.is_inference(), x.is_shared()) == (
            True, -1, -1, False, False)
        assert x.share_memory_() is x and x.is_shared()
        assert not lib.is_inference(x)


def test_functional_spellings():
    a = rand((3, 4), 1, np.float32, 1.1, 2)
    names = ["acosh", "asinh", "atanh", "arccosh", "arcsinh", "arctanh", "absolute", "fix", "msort", "cov",
             "corrcoef"]
    compare(lambda L, x: [getattr(L, n)(x / 2 if "tanh" in n else x) for n in names], [a], grad=[False])
    compare(lambda L, x: [getattr(L, n + "_")(x.clone() / (2 if "tanh" in n else 1)) for n in
                          ["acosh", "asinh", "atanh", "arccosh", "arcsinh", "arctanh", "fix", "deg2rad", "rad2deg",
                           "arctan", "negative"]]
            + [L.arccos_(x.clone() / 3), L.arcsin_(x.clone() / 3)], [a], grad=[False])
    i = np.array([[4, 6], [9, 12]])
    compare(lambda L, x: [L.gcd(x, x.T), L.lcm(x, x.T), L.gcd_(x.clone(), x.T), L.lcm_(x.clone(), x.T),
                          L.bitwise_left_shift(x, 1), L.bitwise_right_shift(x, x.T % 3),
                          L.put(x, L.tensor([3]), x[0, :1]),
                          *L.split_with_sizes(x, [1, 1]), L.resize_as_(x.clone(), x[0]),
                          L.addmv_(x[0].clone(), x, x[1])], [i])


# ---- bad input: torch raises, and so does teenygrad, naming the op and the values ------------------------
BAD = [  # (what, fn(lib), teenygrad's message must contain)
    ("gcd float", lambda L: L.gcd(L.ones(2), L.ones(2)), "gcd: not implemented for float32"),
    ("lcm bool", lambda L: L.tensor([True]).lcm(L.tensor([True])), "lcm: not implemented for bool"),
    ("gcd number", lambda L: L.ones(2, dtype=L.int64).gcd(3), "gcd: other must be a Tensor"),
    ("lshift float", lambda L: L.ones(2).bitwise_left_shift(1), "float32"),
    ("rshift bool", lambda L: L.tensor([True]).bitwise_right_shift(L.tensor([True])), "bool"),
    ("shift broadcast", lambda L: L.ones(2, dtype=L.int64).bitwise_left_shift_(L.ones(3, 2, dtype=L.int64)), "(3, 2)"),
    ("acosh_ int", lambda L: L.tensor([1, 2]).acosh_(), "int64"),
    ("divide_ int", lambda L: L.tensor([5, 7]).divide_(2), "int64"),
    ("divide mode", lambda L: L.ones(2).divide(2, rounding_mode="bad"), "'bad'"),
    ("lt_ broadcast", lambda L: L.ones(3).lt_(L.ones(2, 3)), "(2, 3)"),
    ("eq_ bad broadcast", lambda L: L.ones(3).eq_(L.ones(2)), "(3,) and (2,)"),
    ("nextafter int", lambda L: L.nextafter(L.tensor([1]), L.tensor([2])), "nextafter: not implemented for int64"),
    ("nextafter number", lambda L: L.nextafter(L.ones(1), 2.0), "nextafter: other must be a Tensor"),
    ("cov 3d", lambda L: L.cov(L.ones(2, 2, 2)),
     "cov: expected input to have two or fewer dimensions, got shape (2, 2, 2)"),
    ("cov bool", lambda L: L.cov(L.tensor([True, False])), "cov: bool"),
    ("cov fweights float", lambda L: L.ones(2, 3).cov(fweights=L.ones(3)),
     "fweights to have an integral dtype, got float32"),
    ("cov fweights size", lambda L: L.ones(2, 3).cov(fweights=L.tensor([1, 2])), "observations (3), got 2"),
    ("cov fweights negative", lambda L: L.ones(2, 3).cov(fweights=L.tensor([1, -2, 3])),
     "fweights cannot be negative, got min -2"),
    ("cov fweights 2d", lambda L: L.ones(2, 3).cov(fweights=L.tensor([[1, 2, 3]])), "shape (1, 3)"),
    ("cov aweights int", lambda L: L.ones(2, 3).cov(aweights=L.tensor([1, 2, 3])),
     "aweights to have a floating point dtype, got int64"),
    ("cov aweights negative", lambda L: L.ones(2, 3).cov(aweights=L.tensor([1., -2, 3])),
     "aweights cannot be negative"),
    ("cov correction float", lambda L: L.ones(2, 3).cov(correction=0.5), "cov: correction must be an int"),
    ("nanquantile int", lambda L: L.tensor([1, 2]).nanquantile(0.5),
     "nanquantile: input tensor must be either float or double dtype, got int64"),
    ("nanquantile q", lambda L: L.ones(2).nanquantile(1.5), "[1.5]"),
    ("nanquantile q dtype", lambda L: L.ones(2).nanquantile(L.tensor([0.5], dtype=L.float64)), "float64"),
    ("nanquantile interpolation", lambda L: L.ones(2).nanquantile(0.5, interpolation="bad"), "'bad'"),
    ("nanquantile empty", lambda L: L.ones(0).nanquantile(0.5), "non-empty, got shape (0,)"),
    ("nanquantile dim", lambda L: L.ones(2).nanquantile(0.5, dim=3), "nanquantile"),
    ("inner shapes", lambda L: L.inner(L.ones(2, 3), L.ones(4)),
     "inner: the last dimension must match on both inputs, got shapes (2, 3) and (4,)"),
    ("inner dtype", lambda L: L.inner(L.ones(2, 3, dtype=L.int32), L.ones(3)), "int32 and float32"),
    ("mv size", lambda L: L.mv(L.ones(2, 3), L.ones(4)), "mv: size mismatch, matrix (2, 3) and vector (4,)"),
    ("mv 2d vec", lambda L: L.mv(L.ones(2, 3), L.ones(3, 1)), "(2, 3) and (3, 1)"),
    ("mv dtype", lambda L: L.mv(L.ones(2, 3, dtype=L.int64), L.ones(3)), "int64 and float32"),
    ("vdot dtype", lambda L: L.vdot(L.ones(2), L.ones(2, dtype=L.float64)), "float32 and float64"),
    ("vdot 2d", lambda L: L.vdot(L.ones(2, 2), L.ones(2)), "(2, 2) and (2,)"),
    ("vdot size", lambda L: L.vdot(L.ones(3), L.ones(2)), "3 and 2"),
    ("addr broadcast", lambda L: L.addr(L.ones(2, 3), L.ones(2), L.ones(4)), "(2, 3)"),
    ("addr 2d", lambda L: L.addr(L.ones(2, 3), L.ones(2, 1), L.ones(3)), "(2, 1) and (3,)"),
    ("addr int beta", lambda L: L.addr(L.ones(2, 3, dtype=L.int64), L.ones(2, dtype=L.int64),
                                       L.ones(3, dtype=L.int64), beta=0.5),
     "argument beta must not be a floating point number, got 0.5"),
    ("addr_ shape", lambda L: L.ones(1, 3).addr_(L.ones(2), L.ones(3)), "(2, 3)"),
    ("addmv_ shape", lambda L: L.ones(1).addmv_(L.ones(2, 2), L.ones(2)), "(2,)"),
    ("baddbmm_ shape", lambda L: L.ones(3).baddbmm_(L.ones(2, 2, 2), L.ones(2, 2, 3)), "(2, 2, 3)"),
    ("put index", lambda L: L.zeros(2, 3).put(L.tensor([0, 6]), L.ones(2)),
     "put: index 6 is out of range for a tensor of 6 elements"),
    ("put neg index", lambda L: L.zeros(2, 3).put_(L.tensor([0, -7]), L.ones(2)), "index -7"),
    ("put int32 index", lambda L: L.zeros(2, 3).put(L.tensor([0, 1], dtype=L.int32), L.ones(2)), "int32"),
    ("put dtype", lambda L: L.zeros(2, 3).put(L.tensor([0, 1]), L.ones(2, dtype=L.float64)), "float32 and float64"),
    ("put numel", lambda L: L.zeros(2, 3).put(L.tensor([0, 1]), L.ones(3)), "got 3 and 2"),
    ("put empty", lambda L: L.zeros(0).put(L.tensor([0]), L.ones(1)),
     "put: tried to put elements into an empty tensor"),
    ("split_with_sizes sum", lambda L: L.zeros(5).split_with_sizes([2, 2]),
     "to sum exactly to 5 (the size of dim 0 of shape (5,)), got [2, 2]"),
    ("split_with_sizes negative", lambda L: L.zeros(5).split_with_sizes([2, 4, -1]), "[2, 4, -1]"),
    ("split_with_sizes dim", lambda L: L.zeros(5).split_with_sizes([2, 3], dim=1), "split_with_sizes"),
    ("sum_to_size", lambda L: L.ones(2, 3).sum_to_size(2), "sum_to_size: size (2,) is not expandable to size (2, 3)"),
    ("sum_to_size longer", lambda L: L.ones(2, 3).sum_to_size(1, 2, 3), "(1, 2, 3)"),
    ("sum_to_size none", lambda L: L.ones(2, 3).sum_to_size(), "sum_to_size"),
    ("new_empty_strided ndim", lambda L: L.ones(2).new_empty_strided((2, 3), (1,)), "(2, 3) and stride (1,)"),
    ("new_empty_strided negative", lambda L: L.ones(2).new_empty_strided((2, -3), (1, 1)), "(2, -3)"),
    ("new_empty_strided negative stride", lambda L: L.ones(2).new_empty_strided((2, 3), (1, -1)), "(1, -1)"),
    ("random_ from >= to", lambda L: L.zeros(3).random_(5, 3), "from=5 >= to=3"),
    ("random_ to", lambda L: L.zeros(3).random_(-5), "from=0 >= to=-5"),
    ("random_ float bound", lambda L: L.zeros(3).random_(2.5), "2.5"),
    ("random_ uint8 to", lambda L: L.zeros(3, dtype=L.uint8).random_(0, 300),
     "to - 1 = 299 is out of bounds for uint8"),
    ("random_ uint8 from", lambda L: L.zeros(3, dtype=L.uint8).random_(-1, 3), "from=-1 is out of bounds for uint8"),
    ("random_ int8 to", lambda L: L.zeros(3, dtype=L.int8).random_(0, 129), "128 is out of bounds for int8"),
    ("random_ bool", lambda L: L.zeros(3, dtype=L.bool).random_(0, 3), "out of bounds for bool"),
    ("cauchy_ sigma", lambda L: L.zeros(3).cauchy_(0, 0), "cauchy_: expects sigma > 0.0, but found sigma=0"),
    ("cauchy_ int", lambda L: L.zeros(3, dtype=L.int64).cauchy_(), "cauchy_: expects a floating point tensor"),
    ("log_normal_ std", lambda L: L.zeros(3).log_normal_(1, -1), "log_normal_: expects std > 0.0, but found std=-1"),
    ("log_normal_ int", lambda L: L.zeros(3, dtype=L.int64).log_normal_(), "int64"),
    ("geometric_ p", lambda L: L.zeros(3).geometric_(1), "geometric_: expects p to be in (0, 1), but got p=1"),
    ("geometric_ bool", lambda L: L.zeros(3, dtype=L.bool).geometric_(0.5), "geometric_: not implemented for bool"),
    ("bernoulli int", lambda L: L.tensor([1, 0]).bernoulli(), "bernoulli: probabilities must be a floating point"),
    ("bernoulli p", lambda L: L.tensor([.1, .2]).bernoulli(1.5), "p=1.5"),
]


@pytest.mark.parametrize("what,fn,msg", BAD, ids=[b[0] for b in BAD])
def test_bad_input(what, fn, msg):
    with pytest.raises(Exception):  # torch refuses it
        fn(torch)
    with pytest.raises(Exception) as got:
        fn(tg)
    assert msg in str(got.value), f"{what}: {got.value!r} does not say {msg!r}"
    assert isinstance(got.value, (RuntimeError, IndexError, TypeError)), f"{what}: {got.value!r}"


def test_cov_degrees_of_freedom_warn():
    for lib in (tg, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            c = lib.cov(lib.tensor([1.0, 2, 4]), correction=3)
            assert any("degrees of freedom" in str(m.message) for m in w)
        assert c.item() == float("inf")
        assert lib.cov(lib.ones(2, 1)).isnan().all()
