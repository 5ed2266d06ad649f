"""Differential sweep of the core ops against PyTorch (type promotion, integer semantics, elementwise edges,
reductions, creation, products). Each case once gave a silent wrong answer (value, dtype or gradient), crashed
where torch works, or returned where torch raises. Inputs are drawn with numpy and given to both libraries."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import compare, rand

TOL = dict(atol=1e-5, rtol=1e-5, equal_nan=True)


def _lib_args(L, arrays):
    return [torch.from_numpy(a.copy()) if L is torch else tg.tensor(a.copy()) for a in arrays]


def _same(want, got):
    """got (teenygrad) equals want (torch): dtype, shape and values."""
    assert str(got.dtype) == str(want.dtype).replace("torch.", ""), (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(np.asarray(got.numpy(), np.float64), want.detach().double().numpy(), **TOL)


def _check(fn, *arrays):
    _same(fn(torch, *_lib_args(torch, arrays)), fn(tg, *_lib_args(tg, arrays)))


def _check_grad(fn, *arrays):
    """forward and the gradient of sum(fn(...)) for every float input."""
    ins = {}
    for L in (torch, tg):
        xs = [(torch.tensor(a.copy()) if L is torch else tg.tensor(a.copy())).requires_grad_() for a in arrays]
        y = fn(L, *xs)
        y.sum().backward()
        ins[L] = (y, xs)
    (yt, xt), (yg, xg) = ins[torch], ins[tg]
    _same(yt, yg)
    for a, b in zip(xt, xg):
        _same(a.grad, b.grad)


def _both_raise(fn, *arrays):
    with pytest.raises(Exception):
        fn(torch, *_lib_args(torch, arrays))
    with pytest.raises((RuntimeError, TypeError, NotImplementedError)):
        fn(tg, *_lib_args(tg, arrays))


def _ints(shape, dtype, seed=0, low=-5, high=6):
    return rand(shape, seed, dtype, low, high)


# ---- promotion: an integer promotion must not wrap an operand that goes to float ----------------------------
@pytest.mark.parametrize("op", [lambda L, a, b: a / b, lambda L, a, b: L.true_divide(a, b),
                                lambda L, a, b: L.atan2(a, b), lambda L, a, b: L.xlogy(b, a)])
@pytest.mark.parametrize("zero_d", ["int8", "int16", "int64"])
def test_true_division_of_mixed_ints_converts_each_operand_to_float(op, zero_d):
    a = rand((5,), 0, "uint8", 1, 6)
    b = np.array(-3, zero_d)  # a 0-d tensor: the promoted integer type is a's (uint8), which can't hold -3
    _check(op, a, b)
    _check(lambda L, x, y: op(L, y, x), a, b)


def test_copysign_of_uint8_with_a_negative_number():
    _check(lambda L, a: L.copysign(a, -3), rand((5,), 0, "uint8", 1, 6))


# ---- integer semantics --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64"])
def test_integer_pow_with_negative_integer_exponents(dtype):
    base = np.array([0, 1, -1, 2, -2, 3, -1, 5], dtype)
    exp = np.array([-1, -3, -3, -1, -2, 0, -4, 2], dtype)
    _check(lambda L, a, b: a ** b, base, exp)
    _check(lambda L, a, b: L.pow(a, b), _ints((4, 3), dtype, 1), _ints((3,), dtype, 2, -3, 3))
    _check(lambda L, b: 2 ** b, exp)


@pytest.mark.parametrize("op", [lambda L, a, b: a << b, lambda L, a, b: a >> b])
def test_shifts_refuse_bool_and_take_a_number_on_the_left(op):
    _both_raise(op, np.array([True, False]), np.array([True, True]))
    _check(lambda L, b: op(L, 40, b), _ints((5,), "int64", 0, 0, 4))
    _check(lambda L, b: op(L, 3, b), _ints((5,), "uint8", 0, 0, 4))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "remainder", "floor_divide", "true_divide",
                                  "bitwise_and", "subtract", "multiply"])
@pytest.mark.parametrize("number", [2, 2.5])
def test_module_level_binary_ops_take_a_number_first(name, number):
    if name == "bitwise_and" and isinstance(number, float):
        return
    b = _ints((6,), "int64", 0, 1, 6)
    _check(lambda L, t: getattr(L, name)(number, t), b)
    if name != "bitwise_and":
        _check(lambda L, t: getattr(L, name)(number, t), b.astype(np.float32))


def test_module_level_div_number_first_with_rounding_mode():
    _check(lambda L, t: L.div(7, t, rounding_mode="trunc"), np.array([3, -4, 2, -1]))


# ---- ops torch computes for floating tensors only ----------------------------------------------------------
@pytest.mark.parametrize("op", [
    lambda L, x: L.logaddexp(x, x), lambda L, x: x.frac(), lambda L, x: L.nn.functional.softplus(x),
    lambda L, x: L.nn.functional.gelu(x), lambda L, x: L.nn.functional.silu(x),
    lambda L, x: L.nn.functional.logsigmoid(x), lambda L, x: x.softmax(0), lambda L, x: x.log_softmax(0)])
@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
def test_float_only_ops_refuse_integer_tensors(op, dtype):
    _both_raise(op, _ints((4,), dtype, 0, 0, 4))


@pytest.mark.parametrize("op", [lambda L, x: x.abs(), lambda L, x: +x, lambda L, x: L.logaddexp(x, x)])
def test_ops_refusing_bool_tensors(op):
    _both_raise(op, np.array([True, False]))


def test_clamp_integer_bounds_follow_torch_range_rules():
    _both_raise(lambda L, x: x.clamp(max=300), np.array([1, 2], np.uint8))
    _both_raise(lambda L, x: x.clamp(-200, 2), np.array([1, 2], np.int8))
    _check(lambda L, x: x.clamp(-1, 2), _ints((5,), "uint8", 0, 0, 6))  # -1 wraps to 255 in torch
    _check(lambda L, x: x.clamp(min=0, max=200), _ints((5,), "uint8", 0, 0, 250))


# ---- gradients at edges ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clamp_gradient_with_min_above_max_is_zero(dtype):
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0], dtype)
    _check_grad(lambda L, t: t.clamp(min=1, max=-1), x)
    _check_grad(lambda L, t: t.clamp(min=-1, max=1), x)  # ties at the bounds pass the gradient, as before


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_gradient_where_the_exponent_is_zero(dtype):
    x = np.array([0.0, 0.0, 2.0, 0.0, 1.5], dtype)
    y = np.array([0.0, 1.0, 0.0, 2.0, 0.5], dtype)
    _check_grad(lambda L, a, b: a ** b, x, y)
    _check_grad(lambda L, a: a ** a, x)


@pytest.mark.parametrize("dim", [None, 1, 0])
def test_norm_negative_p_gradient_with_zeros(dim):
    x = rand((3, 4), 0, np.float64, 0.5, 2.0)
    x[0, 1] = x[2, 0] = 0.0
    _check_grad(lambda L, t: t.norm(-1, dim=dim), x)
    _check_grad(lambda L, t: t.norm(-2.5, dim=dim), rand((3, 4), 1, np.float64, 0.5, 2.0))


@pytest.mark.parametrize("dim", [None, 1])
def test_norm_p0_keeps_a_graph_with_zero_gradient(dim):
    x = rand((3, 4), 0, np.float32)
    x[0, 1] = x[2, 0] = 0.0
    compare(lambda L, t: t.norm(0, dim=dim), [x])  # torch: a graph whose backward leaves .grad None (zero)
    compare(lambda L, a, b: L.nn.functional.pairwise_distance(a, b, p=0), [x, rand((3, 4), 1, np.float32)])


def test_one_hot_of_an_empty_tensor_needs_num_classes():
    _both_raise(lambda L, t: L.nn.functional.one_hot(t), np.zeros((0,), np.int64))
    with pytest.raises(RuntimeError, match="infer total number of classes"):
        tg.nn.functional.one_hot(tg.zeros(0, dtype=tg.int64))
    _check(lambda L, t: L.nn.functional.one_hot(t, 3), np.zeros((0,), np.int64))


# ---- reductions --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", [lambda L, x: x.sum(dtype=L.int32), lambda L, x: x.sum(1, dtype=L.int32),
                                lambda L, x: x.prod(dtype=L.int32), lambda L, x: x.prod(0, dtype=L.int16),
                                lambda L, x: x.sum(0, dtype=L.uint8), lambda L, x: x.prod(1, dtype=L.int8)])
@pytest.mark.parametrize("dtype", ["bool", "int8", "int32", "int64"])
def test_integer_reductions_keep_the_asked_dtype(op, dtype):
    _check(op, _ints((3, 4), dtype, 0, -3, 4))


@pytest.mark.parametrize("eq", ["ii", "ij->", "ij->i", "ii->i", "ij->ji"])
@pytest.mark.parametrize("dtype", ["uint8", "int32", "bool"])
def test_einsum_of_one_integer_operand_sums_in_int64(eq, dtype):
    _check(lambda L, x: L.einsum(eq, x), _ints((3, 3), dtype, 0, 0, 4))


def test_bool_products_raise():
    a = np.array([[True, False], [True, True]])
    _both_raise(lambda L, x, y: x @ y, a, a)
    _both_raise(lambda L, x, y: x @ y, a[0], a[1])
    _both_raise(lambda L, x, y: L.einsum("ij,jk->ik", x, y), a, a)
    _check(lambda L, x, y: L.einsum("i,j->ij", x, y), a[0], a[1])  # no contraction: torch allows it


# ---- creation ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda L, v: [np.int8(v[0]), np.int8(v[1])], lambda L, v: [np.float16(v[0]), 2.5],
    lambda L, v: [np.float64(v[0]), 2], lambda L, v: [np.uint8(abs(v[0])), np.int8(v[1])],
    lambda L, v: [np.int8(v[0]), 300], lambda L, v: [np.float16(v[0]), 3],
    lambda L, v: [L.tensor(v[0], dtype=L.uint8), L.tensor(v[1], dtype=L.uint8)],
    lambda L, v: [L.tensor(float(v[0]), dtype=L.float64), 2.5],
    lambda L, v: [L.tensor(v[0], dtype=L.uint8), L.tensor(float(v[1]), dtype=L.float16)],
    lambda L, v: [[L.tensor(v[0], dtype=L.int8)], [True]],
    lambda L, v: [np.array(v, np.int8), np.array(v, np.int8)], lambda L, v: [np.array(v, np.float64)]])
def test_tensor_from_a_list_keeps_the_dtypes_of_numpy_scalars_and_tensors(make):
    v = [int(x) for x in rand((2,), 0, np.int64, 1, 9)]
    _same(torch.tensor(make(torch, v)), tg.tensor(make(tg, v)))


@pytest.mark.parametrize("case", [([-256, 2], "uint8"), ([1, 300], "uint8"), ([200], "int8"), ([2 ** 40], "int32"),
                                  ([float("nan")], "int64"), ([1.0, float("inf")], "int32"), ([-0.5], "uint8"),
                                  ([127.5], "int8"), ([1e20], "int64")])
def test_tensor_with_an_integer_dtype_refuses_out_of_range_python_ints(case):
    data, name = case
    with pytest.raises(Exception):
        torch.tensor(data, dtype=getattr(torch, name))
    with pytest.raises(RuntimeError, match="tensor"):
        tg.tensor(data, dtype=getattr(tg, name))


@pytest.mark.parametrize("fill", [-1, -129, 255, 2])
def test_full_wraps_negative_ints_into_uint8_like_torch(fill):
    shape = tuple(int(n) for n in rand((2,), 0, np.int64, 1, 4))
    _same(torch.full(shape, fill, dtype=torch.uint8), tg.full(shape, fill, dtype=tg.uint8))
    _check(lambda L, x: L.full_like(x, fill), _ints(shape, "uint8", 1, 0, 5))


@pytest.mark.parametrize("case", [(float("nan"), "int64"), (256, "uint8"), (-256, "uint8"), (128, "int8")])
def test_full_refuses_values_an_integer_dtype_cannot_hold(case):
    fill, name = case
    with pytest.raises(RuntimeError):
        torch.full((2,), fill, dtype=getattr(torch, name))
    with pytest.raises(RuntimeError, match="full"):
        tg.full((2,), fill, dtype=getattr(tg, name))


def test_tensor_with_an_integer_dtype_takes_what_torch_takes():
    data = [int(v) for v in rand((4,), 0, np.int64, -255, 256)]
    _same(torch.tensor(data, dtype=torch.uint8), tg.tensor(data, dtype=tg.uint8))  # small negatives wrap
    floats = [float(v) for v in rand((4,), 1, np.float64, -0.99, 127.99)]
    _same(torch.tensor(floats, dtype=torch.int8), tg.tensor(floats, dtype=tg.int8))  # truncated toward zero


@pytest.mark.parametrize("args", [(0, 1, 5), (0, 1, 1), (1, 0, 0), (-1, 1, 2), (0, 10, 4), (2, 2, 3)])
@pytest.mark.parametrize("base", [10.0, 2])
def test_logspace(args, base):
    _same(torch.logspace(*args, base=base), tg.logspace(*args, base=base))
    _same(torch.logspace(*args, base=base, dtype=torch.float64), tg.logspace(*args, base=base, dtype=tg.float64))


def test_randint_refuses_float_bounds():
    with pytest.raises(TypeError):
        torch.randint(0, 1.5, (2,))
    with pytest.raises(TypeError, match="randint"):
        tg.randint(0, 1.5, (2,))


# ---- float16 with a Python number: torch multiplies and divides in float32 by the number as given -----------
@pytest.mark.parametrize("op", [lambda L, x, s: x * s, lambda L, x, s: s * x, lambda L, x, s: x.mul(s),
                                lambda L, x, s: x / s, lambda L, x, s: s / x, lambda L, x, s: x // s,
                                lambda L, x, s: x.div(s, rounding_mode="trunc"), lambda L, x, s: x + s,
                                lambda L, x, s: s - x])
@pytest.mark.parametrize("number", [1e-8, 0.1, 1 / 3, 7e4, 65536.0, 2 ** -20, 70000])
def test_float16_with_a_python_number(op, number):
    x = rand((64,), 0, np.float16, -3e4, 3e4)
    x[:4] = [6e4, 1.0, 0.3333, 0.0]
    want = op(torch, torch.from_numpy(x.copy()), number)
    got = op(tg, tg.tensor(x), number)
    assert got.dtype == tg.float16 and want.dtype == torch.float16
    np.testing.assert_array_equal(got.numpy(), want.numpy())  # exactly: one rounding to float16


def test_float16_times_a_number_gradient():
    x = rand((16,), 1, np.float16, -4, 4)
    _check_grad(lambda L, t: (t * 1e-6) * 3e4, x)


@pytest.mark.parametrize("value", [300, -129, 200, -1, 127])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_where_with_a_number_beside_an_integer_tensor_must_fit_it(value, dtype):
    x = _ints((4,), dtype, 0, 0, 100)
    c = np.array([True, False, True, False])
    for fn in (lambda L, c, t: L.where(c, t, value), lambda L, c, t: L.where(c, value, t)):
        try:
            want = fn(torch, torch.from_numpy(c), torch.from_numpy(x.copy()))
        except RuntimeError:
            with pytest.raises(RuntimeError, match="where"):
                fn(tg, tg.tensor(c), tg.tensor(x))
            continue
        _same(want, fn(tg, tg.tensor(c), tg.tensor(x)))


@pytest.mark.parametrize("op", [lambda t: t.mean(), lambda t: t.mean(1), lambda t: t.mean(0, keepdim=True),
                                lambda t: t.var(1), lambda t: t.var(), lambda t: t.std(0, correction=0),
                                lambda t: t.std(1)])
@pytest.mark.parametrize("shape", [(4, 700), (37, 9)])
def test_float16_reductions_round_once_like_torch(op, shape):
    x = rand(shape, 0, np.float16, 0.0, 3.0)
    want, got = op(torch.from_numpy(x.copy())), op(tg.tensor(x))
    assert got.dtype == tg.float16
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("dim", [(), []])
def test_logsumexp_over_an_empty_dim_list_reduces_everything(dim):
    _check_grad(lambda L, t: t.logsumexp(dim, keepdim=True), rand((2, 3, 4), 0, np.float64))


# ---- bfloat16: numpy (ml_dtypes) would accumulate in bfloat16 itself; torch accumulates in float32 -----------
@pytest.mark.parametrize("op", [lambda L, t: t.sum(1), lambda L, t: t.sum(), lambda L, t: t.nansum(1),
                                lambda L, t: t.norm(dim=1), lambda L, t: t.norm(3, dim=1), lambda L, t: t.norm(1, dim=1),
                                lambda L, t: t.logsumexp(1), lambda L, t: L.einsum("ij->i", t),
                                lambda L, t: L.einsum("ij,kj->ik", t, t), lambda L, t: t.mean(1), lambda L, t: t.var(1)])
def test_bfloat16_reductions_accumulate_in_float32(op):
    pytest.importorskip("ml_dtypes")
    x = rand((6, 300), 0, np.float32, 0.95, 1.15)
    want = op(torch, torch.tensor(x).bfloat16())
    got = op(tg, tg.tensor(x).to(tg.bfloat16))
    assert got.dtype == tg.bfloat16
    # one bfloat16 rounding apart at most (2^-8 relative); bfloat16 running sums were off by ~4% here
    np.testing.assert_allclose(got.float().numpy(), want.float().numpy(), rtol=5e-3, atol=0)


@pytest.mark.parametrize("value", [np.float64(300.0), np.int64(300), np.int64(-256), np.float64("nan")])
def test_tensor_from_a_numpy_scalar_with_an_integer_dtype_refuses_out_of_range(value):
    with pytest.raises(RuntimeError):
        torch.tensor(value, dtype=torch.uint8)
    with pytest.raises(RuntimeError, match="tensor"):
        tg.tensor(value, dtype=tg.uint8)


INPLACE_ADDED = {"floor_divide_": (2.0,), "remainder_": (2.0,), "true_divide_": (2.0,), "clip_": (-1.0, 1.0),
                 "erf_": (), "log2_": (), "log10_": (), "sinh_": (), "cosh_": (), "tan_": (), "cumsum_": (1,),
                 "cumprod_": (0,), "tril_": (), "triu_": (1,), "logical_not_": ()}


@pytest.mark.parametrize("name", sorted(INPLACE_ADDED))
def test_added_inplace_variants_match_torch(name):
    # values of the plain in-place form, and the gradient through it on a graph tensor
    x = np.array([[1.5, -2.0, 3.0], [0.25, 4.0, -1.0]], np.float32)
    g = np.array([[1.0, 2.0, -1.0], [0.5, -3.0, 2.0]], np.float32)
    got = []
    for L in (torch, tg):
        plain = L.tensor(x.copy())
        getattr(plain, name)(*INPLACE_ADDED[name])
        leaf = L.tensor(x.copy(), requires_grad=True)
        h = leaf * 1
        getattr(h, name)(*INPLACE_ADDED[name])
        if name not in ("floor_divide_", "logical_not_"):  # no gradient in torch either
            h.backward(L.tensor(g))
        grad = None if leaf.grad is None else np.array(leaf.grad.tolist())
        got.append((np.array(plain.tolist()), grad))
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(got[1][0], got[0][0], rtol=1e-5, equal_nan=True)
        if got[0][1] is not None:
            np.testing.assert_allclose(got[1][1], got[0][1], rtol=1e-5, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("name", ["take", "take_along_dim", "index_copy", "index_put", "masked_scatter",
                                  "scatter_reduce", "unique_consecutive", "rot90", "fliplr", "flipud", "diag_embed",
                                  "dstack", "column_stack", "row_stack", "searchsorted", "bucketize", "logspace"])
def test_torch_module_level_names_exist(name):
    assert callable(getattr(tg, name)), name


def test_sizes_must_be_integers():
    for f in (lambda L: L.ones(2.0), lambda L: L.zeros(2, 3.5), lambda L: L.ones(6).reshape(2.0, 3)):
        for L in (torch, tg):
            with pytest.raises(TypeError):
                f(L)
    assert tg.ones(np.int64(2), tg.tensor(3)).shape == (2, 3)
