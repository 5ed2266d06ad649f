"""The less common torch Tensor ops (inverse trig, NaN-aware math, order statistics, windows and index splits) and
the zero-norm gradient: forward and backward against PyTorch on random inputs, across dtypes, memory layouts,
broadcasting and 0-d / empty inputs, plus float64 finite-difference checks and torch's errors."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from helpers import compare as _compare, rand

F64 = dict(atol=1e-10, rtol=1e-9)
LAYOUTS = ["contig", "T", "step"]
DTYPES = [np.float32, np.float64]
NAN, INF = float("nan"), float("inf")


def _flat(out):
    if isinstance(out, (tuple, list)):  # namedtuples (values, indices) and tuples of pieces, nested
        return [t for o in out for t in _flat(o)]
    return [out]


def compare(fn, arrays, **kw):
    """helpers.compare, with nested outputs (a tuple of (values, indices) pairs) flattened."""
    return _compare(lambda L, *xs: _flat(fn(L, *xs)), arrays, **kw)


def _tol(dtype):
    return {} if dtype == np.float32 else dict(fwd=F64, bwd=F64)


def _both_raise(fn, *arrays):
    """torch raises on these inputs, so teenygrad must too, naming the op."""
    with pytest.raises(Exception):
        fn(torch, *[torch.from_numpy(a.copy()) for a in arrays])
    with pytest.raises((RuntimeError, IndexError, ValueError, TypeError, NotImplementedError)):
        fn(tg, *[tg.tensor(a) for a in arrays])


# ---- the zero-norm gradient (was NaN) -----------------------------------------------------------------
@pytest.mark.parametrize("p", [2, "fro", 3, 0.5, 1.5, 1])
def test_norm_of_zero_vector_has_zero_gradient(p):
    for lib in (torch, tg):
        z = lib.zeros(3, requires_grad=True)
        z.norm(p).backward()
        assert z.grad.tolist() == [0.0, 0.0, 0.0], (lib.__name__, p)


@pytest.mark.parametrize("p", [2, 3, 0.5, 1.5])
@pytest.mark.parametrize("dim", [None, 1, (0, 1)])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_norm_matches_torch_with_zero_rows_and_zero_entries(p, dim, layout):
    a = rand((3, 4), 1)
    a[1] = 0       # a zero row: norm 0 along dim 1
    a[0, 2] = 0    # a zero entry in a nonzero row (p < 1: |x|^(p-1) is inf there; torch gives 0)
    compare(lambda L, x: x.norm(p, dim), [a], layout=layout)
    compare(lambda L, x: x.norm(p, dim, keepdim=True), [a.astype(np.float64)], layout=layout, fwd=F64, bwd=F64)


@pytest.mark.parametrize("p", [2, 3, 0.5])
def test_norm_0d_and_empty(p):
    compare(lambda L, x: x.norm(p), [np.array(-1.5, np.float32)])
    compare(lambda L, x: x.norm(p), [np.array(0.0, np.float32)])
    compare(lambda L, x: (x.norm(p), x.norm(p, 0), x.norm(p, 1)), [np.zeros((0, 3), np.float32)])


def test_norm_rejects_integer_input():
    _both_raise(lambda L, x: x.norm(), np.array([1, 2]))


# ---- elementwise --------------------------------------------------------------------------------------
UNARY = {  # name: (fn, low, high)
    "asin": (lambda L, x: x.asin(), -0.95, 0.95),
    "acos": (lambda L, x: L.acos(x), -0.95, 0.95),
    "atan": (lambda L, x: x.atan() + L.arctan(x), -3.0, 3.0),
    "exp2": (lambda L, x: L.exp2(x), -3.0, 3.0),
    "sgn": (lambda L, x: x.sgn() * x, -2.0, 2.0),
    "positive": (lambda L, x: L.positive(x) * 2, -2.0, 2.0),
    "nan_to_num": (lambda L, x: x.nan_to_num(), -2.0, 2.0),
    "logit": (lambda L, x: x.logit(), 0.05, 0.95),
    "logit_eps": (lambda L, x: L.logit(x, eps=0.2), 0.0, 1.0),
}


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_unary(name, dtype, layout):
    fn, lo, hi = UNARY[name]
    compare(fn, [rand((3, 4), 2, dtype, lo, hi)], layout=layout, **_tol(dtype))


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", [(), (0, 3)])
def test_unary_0d_and_empty(name, shape):
    fn, lo, hi = UNARY[name]
    compare(fn, [rand(shape, 3, np.float32, lo, hi)])


@pytest.mark.parametrize("name", ["asin", "atan", "exp2", "sgn", "positive", "nan_to_num", "logit"])
def test_unary_int_input_gives_torch_dtype(name):
    compare(UNARY[name][0], [rand((5,), 4, np.int64, -1, 2)])


def test_unary_special_values():
    compare(lambda L, x: x.nan_to_num() + x.nan_to_num(nan=1.5, posinf=9.0, neginf=-7.0),
            [np.array([NAN, INF, -INF, 1.0, -2.0], np.float32)])
    compare(lambda L, x: x.nan_to_num(), [np.array([NAN, INF, -INF, 3.0])], fwd=F64, bwd=F64)
    # logit without eps: -inf / inf at 0 / 1, NaN outside; with eps: clamped, gradient 0 outside [eps, 1 - eps]
    compare(lambda L, x: x.logit(), [np.array([0.0, 0.5, 1.0, 1.5, -0.5], np.float32)])
    compare(lambda L, x: x.logit(0.1), [np.array([0.0, 0.05, 0.1, 0.5, 0.9, 1.0, 1.5], np.float32)])
    compare(lambda L, x: x.asin() + x.acos(), [np.array([-1.0, 0.0, 1.0, 1.5], np.float32)])


BINARY = {  # name: (fn, low_b, high_b); a is drawn in [-2, 2)
    "atan2": (lambda L, a, b: L.atan2(a, b) + a.arctan2(b), -2.0, 2.0),
    "hypot": (lambda L, a, b: a.hypot(b), -2.0, 2.0),
    "copysign": (lambda L, a, b: L.copysign(a, b), -2.0, 2.0),
    "fmax": (lambda L, a, b: L.fmax(a, b), -2.0, 2.0),
    "fmin": (lambda L, a, b: a.fmin(b), -2.0, 2.0),
    "xlogy": (lambda L, a, b: L.xlogy(a, b), 0.1, 3.0),
}


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_binary_broadcast(name, dtype, layout):
    fn, lo, hi = BINARY[name]
    compare(fn, [rand((3, 4), 5, dtype), rand((4,), 6, dtype, lo, hi)], layout=layout, **_tol(dtype))
    compare(fn, [rand((3, 1), 7, dtype), rand((2, 1, 4), 8, dtype, lo, hi)], **_tol(dtype))


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_0d_empty_and_scalar(name):
    fn, lo, hi = BINARY[name]
    compare(fn, [rand((), 9), rand((3,), 10, np.float32, lo, hi)])
    compare(fn, [rand((0, 3), 9), rand((3,), 10, np.float32, lo, hi)])
    if name in ("copysign", "xlogy"):  # the ones torch takes a Python number for
        compare(lambda L, a: getattr(a, name)(1.5), [rand((4,), 11)])


@pytest.mark.parametrize("name", ["atan2", "copysign", "fmax", "fmin", "xlogy"])
def test_binary_int_inputs_give_torch_dtype(name):
    compare(BINARY[name][0], [rand((2, 3), 12, np.int64, -3, 4), rand((3,), 13, np.int64, 1, 4)])
    compare(BINARY[name][0], [rand((3,), 12, np.int32, -3, 4), rand((3,), 13, np.float64, 1, 4)], fwd=F64, bwd=F64)


def test_binary_special_values():
    nan_ties = [np.array([1.0, 3.0, NAN, NAN, 2.0, -0.0], np.float32), np.array([1.0, NAN, 2.0, NAN, 5.0, 0.0],
                                                                                   np.float32)]
    compare(lambda L, a, b: a.fmax(b) * 1 + a.fmin(b) * 3, nan_ties)          # ties go all to a, NaN skipped
    compare(lambda L, a, b: L.xlogy(a, b), [np.array([0.0, 0.0, 1.0, 2.0, 0.0], np.float32),
                                            np.array([0.0, -1.0, 0.0, 3.0, NAN], np.float32)])
    compare(lambda L, a, b: L.copysign(a, b), [np.array([0.0, 3.0, -2.0, 1.0, -0.0], np.float32),
                                               np.array([-1.0, -4.0, 2.0, -0.0, 1.0], np.float32)])
    compare(lambda L, a, b: L.hypot(a, b), [np.array([0.0, 3.0], np.float32), np.array([0.0, 4.0], np.float32)])
    compare(lambda L, a, b: L.atan2(a, b), [np.array([0.0, 1.0, -1.0], np.float32), np.array([0.0, 0.0, -2.0],
                                                                                            np.float32)])


def test_heaviside_forward_and_no_derivative():
    x = np.array([-1.5, 0.0, 2.0, NAN, 0.0], np.float32)
    compare(lambda L, a, v: L.heaviside(a, v), [x, np.array([0.5], np.float32)], grad=[False, False])
    compare(lambda L, a, v: a.heaviside(v), [np.array([-2, 0, 3]), np.array([7])])
    _both_raise(lambda L, a, v: L.heaviside(a, v), x, np.array([1]))
    for lib in (torch, tg):
        a = lib.tensor([1.0, 0.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="heaviside"):
            lib.heaviside(a, lib.tensor([0.5])).sum().backward()


def test_inplace_variants():
    compare(lambda L, x: (x * 1).asin_() + (x * 1).atan2_(x + 2) + (x * 1).nan_to_num_() + (x * 0.5 + 0.5).logit_(),
            [rand((3, 4), 14, np.float32, -0.9, 0.9)])


def test_hypot_rejects_ints():
    _both_raise(lambda L, a, b: L.hypot(a, b), np.array([1, 2]), np.array([3, 4]))


# ---- NaN-aware reductions -----------------------------------------------------------------------------
def _with_nans(shape, seed, dtype=np.float32):
    a = rand(shape, seed, dtype)
    a.reshape(-1)[::3] = NAN
    return a


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_nansum_nanmean(dim, keepdim, layout, dtype):
    compare(lambda L, x: (x.nansum(dim, keepdim), L.nanmean(x, dim, keepdim)), [_with_nans((3, 4), 15, dtype)],
            layout=layout, **_tol(dtype))


def test_nansum_nanmean_ints_0d_empty():
    compare(lambda L, x: (x.nansum(), L.nansum(x, 0)), [rand((3, 2), 16, np.int32, -5, 5)])
    compare(lambda L, x: (x.nansum(), x.nanmean()), [np.array(NAN, np.float32)])
    compare(lambda L, x: (x.nansum(0), x.nanmean(1)), [np.zeros((0, 3), np.float32)])
    _both_raise(lambda L, x: x.nanmean(), np.array([1, 2]))


# ---- running extremes and order statistics ------------------------------------------------------------
@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_cummax_cummin(name, dim, layout):
    a = rand((4, 5), 17)
    a[1:3, 2] = a[0, 2]  # ties: torch moves the index to the later one
    a[3, 3] = a[3, 1]
    compare(lambda L, x: getattr(L, name)(x, dim), [a], layout=layout)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin_nan_int_0d_empty(name):
    compare(lambda L, x: getattr(x, name)(0), [np.array([1.0, NAN, 0.0, NAN, 5.0], np.float32)])
    compare(lambda L, x: getattr(x, name)(0), [np.array([3, 1, 3, 0, 4])])
    compare(lambda L, x: getattr(x, name)(0), [np.array(2.5, np.float64)], fwd=F64, bwd=F64)
    compare(lambda L, x: getattr(x, name)(1), [np.zeros((2, 0), np.float32)])


def _distinct(shape, seed, dtype=np.float32):
    return (np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.25 - 3).astype(dtype)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_median_kthvalue_along_dim(layout, dtype):
    a = _distinct((4, 5), 18, dtype)  # distinct values: the index is unique (torch's choice among ties varies)
    for keepdim in (False, True):
        compare(lambda L, x: (x.median(1, keepdim), L.median(x, 0, keepdim)), [a], layout=layout, **_tol(dtype))
        compare(lambda L, x: (x.kthvalue(2, 1, keepdim), L.kthvalue(x, 4, 0, keepdim), x.kthvalue(1)), [a],
                layout=layout, **_tol(dtype))


def test_median_whole_tensor_shares_gradient_among_ties():
    compare(lambda L, x: x.median(), [np.array([1.0, 2.0, 2.0, 2.0, 5.0], np.float32)])
    compare(lambda L, x: L.median(x), [np.array([[4.0, 1.0], [3.0, 2.0]])], fwd=F64, bwd=F64)  # lower median
    compare(lambda L, x: x.median(), [rand((3, 4), 19)], layout="T")
    compare(lambda L, x: x.median(), [np.array([1.0, NAN, 3.0, NAN], np.float32)])
    compare(lambda L, x: (x.median(), x.median(1)), [np.array([[1.0, NAN, 3.0], [2.0, 1.0, 0.0]], np.float32)])
    compare(lambda L, x: (x.median(), x.median(0), x.kthvalue(1, 0)), [np.array(1.5, np.float32)])
    compare(lambda L, x: x.median(), [np.zeros((0,), np.float32)])
    compare(lambda L, x: (x.median(), x.median(1), x.kthvalue(2, 0)), [np.array([[5, 1, 3], [2, 2, 9]])])


def test_kthvalue_nan_is_largest():
    compare(lambda L, x: x.kthvalue(3), [np.array([1.0, NAN, 3.0], np.float32)])


def test_mode():
    a = np.array([[1.0, 3.0, 3.0, 1.0, 2.0], [4.0, 4.0, 0.0, 4.0, 0.0], [2.0, 1.0, 0.0, -1.0, 5.0]], np.float32)
    compare(lambda L, x: (x.mode(1), L.mode(x, 0, True)), [a])
    compare(lambda L, x: x.mode(), [a], layout="T")
    compare(lambda L, x: x.mode(0), [np.array([2, 7, 2, 7, 7, 1])])
    compare(lambda L, x: x.mode(), [np.array(3.0, np.float32)])


@pytest.mark.parametrize("q", [0.3, 0.0, 1.0, "tensor", "tensor0d"])
@pytest.mark.parametrize("dim", [None, 1, -2])
@pytest.mark.parametrize("keepdim", [False, True])
def test_quantile(q, dim, keepdim):
    a = rand((4, 5), 20, np.float64)
    qs = {"tensor": np.array([0.1, 0.5, 0.75, 1.0]), "tensor0d": np.array(0.66)}

    def fn(L, x):
        qq = L.tensor(qs[q]) if q in qs else q
        return x.quantile(qq, dim, keepdim)
    compare(fn, [a], fwd=F64, bwd=F64)
    compare(lambda L, x: L.quantile(x, 0.42, dim, keepdim), [a.astype(np.float32)], layout="T")


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
@pytest.mark.parametrize("dim", [None, 1])
def test_quantile_gradient_reaches_q(op, dim):
    # linear interpolation: d out / d q = (count - 1) (upper - lower); a NaN slice's fixed rank gives q none
    a = rand((3, 5), 22, np.float64)
    a[1, 2] = np.nan
    q = np.array([0.0, 0.3, 0.55, 1.0])
    compare(lambda L, x, qq: getattr(L, op)(x, qq, dim), [a, q], fwd=F64, bwd=F64)
    b = rand((3, 5), 23, np.float64)
    assert gradcheck(lambda qq: tg.quantile(tg.tensor(b), qq, dim), [tg.tensor([0.2, 0.6], dtype=tg.float64,
                                                                               requires_grad=True)])


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_interpolations_and_nan(interpolation):
    a = np.array([[1.0, 3.0, 2.0, 4.0], [0.5, NAN, 1.0, 2.0]], np.float32)
    q = torch.tensor([0.3, 0.5, 1 / 3])
    compare(lambda L, x: x.quantile(L.tensor(q.numpy()), 1, interpolation=interpolation), [a])
    compare(lambda L, x: x.quantile(0.5, interpolation=interpolation), [a[:1].reshape(-1)])
    # ranks 0.5 and 1.5 exactly: 'nearest' rounds half to even
    compare(lambda L, x: x.quantile(L.tensor(np.array([0.25, 0.75], np.float32)), interpolation=interpolation),
            [np.array([3.0, 1.0, 2.0], np.float32)])


def test_quantile_errors():
    a = np.array([1.0, 2.0], np.float32)
    _both_raise(lambda L, x: x.quantile(1.3), a)
    _both_raise(lambda L, x: x.quantile(0.5), np.array([1, 2]))
    _both_raise(lambda L, x: x.quantile(L.tensor([0.5], dtype=L.float64)), a)
    _both_raise(lambda L, x: x.quantile(L.tensor([[0.5]])), a)
    _both_raise(lambda L, x: x.quantile(0.5, interpolation="foo"), a)
    _both_raise(lambda L, x: x.quantile(0.5), np.zeros(0, np.float32))


def test_order_statistic_errors():
    a = rand((2, 3), 21)
    _both_raise(lambda L, x: x.kthvalue(4, 1), a)
    _both_raise(lambda L, x: x.kthvalue(0, 1), a)
    _both_raise(lambda L, x: x.median(2), a)
    _both_raise(lambda L, x: x.median(1), np.zeros((2, 0), np.float32))
    _both_raise(lambda L, x: x.cummax(2), a)
    _both_raise(lambda L, x: x.median(), np.array([True, False]))


def test_module_level_cumsum_cumprod():
    compare(lambda L, x: (L.cumsum(x, 1), L.cumprod(x, 0), L.cumprod(x, dim=1)), [rand((3, 4), 22, np.float64,
                                                                                       0.5, 2.0)], fwd=F64, bwd=F64)


# ---- unfold (a view), ravel, index splits, atleast_nd --------------------------------------------------
@pytest.mark.parametrize("args", [(1, 2, 1), (1, 2, 2), (1, 3, 2), (0, 2, 1), (-1, 5, 1), (1, 1, 3), (1, 0, 1),
                                  (0, 4, 7)])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_unfold(args, layout, dtype):
    compare(lambda L, x: x.unfold(*args), [rand((4, 5), 23, dtype)], layout=layout, **_tol(dtype))


def test_unfold_0d_int_and_nested():
    compare(lambda L, x: x.unfold(0, 1, 1), [np.array(2.5, np.float32)])
    compare(lambda L, x: x.unfold(0, 2, 1), [np.array([1, 2, 3])])
    compare(lambda L, x: x.unfold(1, 2, 1).unfold(0, 2, 1) * 2, [rand((3, 4, 2), 24)])


def test_unfold_is_a_view_without_graph():
    for lib in (torch, tg):
        x = lib.zeros(6)
        x.unfold(0, 2, 3).add_(lib.tensor([1.0, 2.0]))  # windows [0:2], [3:5]
        x[4] = 7.0
        v = x.unfold(0, 3, 3)
        x.mul_(2)  # the base changed: the view sees it
        if lib is torch:
            want = (x.numpy().copy(), v.numpy().copy())
    np.testing.assert_array_equal(x.numpy(), want[0])
    np.testing.assert_array_equal(v.numpy(), want[1])


def _views_run(lib, steps):  # as tests/test_inplace_views.py: y is a graph tensor, writes go through its views
    x = lib.tensor(np.arange(12, dtype=np.float32).reshape(3, 4) - 5.0, requires_grad=True)
    y = x * 1.5
    out = steps(lib, y)
    w = lib.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))
    loss = (y * w).sum()
    if out is not None:
        loss = loss + (out * lib.tensor(np.linspace(-2, 1, out.numel(), dtype=np.float32).reshape(out.shape))).sum()
    loss.backward()
    return y.detach().numpy(), x.grad.numpy()


def _base_then_view(lib, y):
    v = y.unfold(1, 3, 1)   # overlapping windows (a view can read them)
    y.mul_(-2)              # a later in-place change of the base reaches the view
    return v


VIEWS = {
    "unfold mul_": lambda lib, y: y.unfold(1, 2, 2).mul_(3),
    "unfold row add_": lambda lib, y: y.unfold(0, 1, 2)[1].add_(10),
    "transpose then unfold": lambda lib, y: y.t().unfold(1, 2, 2).sub_(1),
    "unfold then index": lambda lib, y: y.unfold(1, 2, 2)[:, 1, 0].mul_(-4),
    "base changes after unfold": _base_then_view,
    "unfold read overlapping": lambda lib, y: y.unfold(1, 3, 1) * 1,
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_inplace_through_unfold_view(name):
    yt, gt = _views_run(torch, VIEWS[name])
    yg, gg = _views_run(tg, VIEWS[name])
    np.testing.assert_allclose(yg, yt, rtol=1e-6)
    np.testing.assert_allclose(gg, gt, rtol=1e-6)


def test_inplace_through_unfold_of_fortran_ordered_result():
    for lib in (torch, tg):  # numpy gives x.t() * 1.5 Fortran order: the view must still reach it
        x = lib.tensor(np.arange(12, dtype=np.float32).reshape(3, 4), requires_grad=True)
        y = x.t() * 1.5
        y.unfold(1, 1, 2).mul_(-2)
        (y * lib.arange(12.0).reshape(4, 3)).sum().backward()
        if lib is torch:
            want = (y.detach().numpy(), x.grad.numpy())
    np.testing.assert_allclose(y.detach().numpy(), want[0])
    np.testing.assert_allclose(x.grad.numpy(), want[1])


def test_inplace_into_overlapping_unfold_is_refused():
    # torch lets this through and gives an order-dependent answer (an element in two windows is written twice);
    # teenygrad refuses, as torch does for an expanded view
    y = tg.ones(3, 4, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="mul_: unsupported operation.*Unfold"):
        y.unfold(1, 3, 1).mul_(2)
    with pytest.raises(RuntimeError, match="add_: unsupported operation"):
        tg.zeros(5).unfold(0, 2, 1).add_(1)


def test_unfold_errors():
    a = rand((2, 3), 25)
    for args in [(1, 4, 1), (1, 2, 0), (1, -1, 1), (2, 1, 1)]:
        _both_raise(lambda L, x: x.unfold(*args), a)
    with pytest.raises(RuntimeError, match="unfold: maximum size for dimension 1"):
        tg.tensor(a).unfold(1, 4, 1)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_ravel_and_splits(layout):
    a = rand((5, 6), 26)
    cases = [lambda L, x: L.ravel(x) * 1, lambda L, x: x.tensor_split(3), lambda L, x: L.tensor_split(x, 4, dim=1),
             lambda L, x: x.tensor_split([1, 4], 1), lambda L, x: x.tensor_split((-2, 7, 2)),
             lambda L, x: x.tensor_split(L.tensor(2)), lambda L, x: x.tensor_split(L.tensor([1, 3]), 1),
             lambda L, x: L.hsplit(x, 3), lambda L, x: x.hsplit([2, 5]), lambda L, x: L.vsplit(x, [1]),
             lambda L, x: x.tensor_split(7)]
    for fn in cases:
        compare(fn, [a], layout=layout)
    compare(lambda L, x: (L.hsplit(x, 2), x.tensor_split(3)), [rand((4,), 27)])
    compare(lambda L, x: L.dsplit(x, 2) + x.dsplit([1]), [rand((2, 3, 4), 28)])
    compare(lambda L, x: x.ravel(), [np.array(3.0, np.float32)])


def test_splits_errors():
    _both_raise(lambda L, x: x.hsplit(4), rand((3, 6), 29))
    _both_raise(lambda L, x: x.vsplit(2), rand((3,), 29))
    _both_raise(lambda L, x: x.dsplit(2), rand((3, 4), 29))
    _both_raise(lambda L, x: x.tensor_split(0), rand((3, 4), 29))
    _both_raise(lambda L, x: x.tensor_split(2), np.array(1.0, np.float32))
    _both_raise(lambda L, x: x.tensor_split(L.tensor([1.0])), rand((3, 4), 29))


def test_atleast_nd():
    arrays = [np.array(1.5, np.float32), rand((3,), 30), rand((2, 3), 31), rand((2, 1, 3), 32), rand((1, 2, 3, 1), 33)]
    for name in ["atleast_1d", "atleast_2d", "atleast_3d"]:
        compare(lambda L, *xs: getattr(L, name)(*xs), arrays)
        compare(lambda L, *xs: getattr(L, name)(list(xs)), arrays)
        for a in arrays:
            compare(lambda L, x: getattr(L, name)(x), [a])


# ---- finite differences in float64 --------------------------------------------------------------------
def _d(shape, seed, low=-1.0, high=1.0):
    return tg.tensor(rand(shape, seed, np.float64, low, high), dtype=tg.float64, requires_grad=True)


GRADCHECK = {
    "inverse_trig": (lambda a: a.asin() + a.acos() * 2 + a.atan() * 3, [(3, 4)], (-0.9, 0.9)),
    "exp2_logit": (lambda a: a.exp2() + ((a + 1) / 2.5).logit() + a.logit(eps=0.3), [(5,)], (-0.9, 0.9)),
    "atan2_hypot": (lambda a, b: a.atan2(b) + a.hypot(b), [(3, 4), (4,)], (0.2, 2.0)),
    "copysign_xlogy": (lambda a, b: a.copysign(b - 1) + a.xlogy(b), [(3, 4), (4,)], (0.2, 2.0)),
    "fmax_fmin": (lambda a, b: a.fmax(b) + a.fmin(b) * 2, [(3, 4), (3, 1)], (-1.0, 1.0)),
    "nan_to_num": (lambda a: a.log().nan_to_num() * a, [(6,)], (-1.0, 1.0)),  # NaN at a < 0: gradient 0 there
    "norm_p": (lambda a: a.norm(3, 1).sum() + a.norm(1.5) + a.norm(dim=0), [(3, 4)], (-1.0, 1.0)),
    "nansum_nanmean": (lambda a: a.nansum(1) + a.nanmean(0).sum(), [(3, 4)], (-1.0, 1.0)),
    "cummax_cummin": (lambda a: a.cummax(1).values + a.cummin(0).values, [(3, 4)], (-1.0, 1.0)),
    "median_kthvalue_mode": (lambda a: a.median() + a.median(1).values.sum() + a.kthvalue(2, 0).values.sum()
                             + a.mode(1).values.sum(), [(3, 4)], (-1.0, 1.0)),
    "quantile": (lambda a: a.quantile(tg.tensor([0.2, 0.55], dtype=tg.float64), 1) + a.quantile(0.4), [(3, 4)],
                 (-1.0, 1.0)),
    "unfold": (lambda a: a.unfold(1, 3, 1) * a.unfold(1, 3, 1) + a.T.unfold(0, 2, 2).sum(), [(3, 5)], (-1.0, 1.0)),
    "splits_atleast": (lambda a: a.tensor_split(3, 1)[1] * a.hsplit([2])[0].ravel()[:2]
                       + tg.atleast_3d(a).sum(), [(3, 5)], (-1.0, 1.0)),
}


@pytest.mark.parametrize("op", list(GRADCHECK))
def test_gradcheck(op):
    fn, shapes, (lo, hi) = GRADCHECK[op]
    assert gradcheck(fn, [_d(s, i + 1, lo, hi) for i, s in enumerate(shapes)])
