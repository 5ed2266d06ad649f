"""Elementwise math, broadcasting, operators and reductions against PyTorch: values, shapes, dtypes, gradients,
over random shapes (size-1, zero-size, 0-d), non-contiguous layouts and negative dims."""
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import teenygrad as tg
from helpers import compare, rand, make_pair, assert_close

SHAPES = [(), (1,), (5,), (3, 4), (2, 1, 3), (0, 3), (2, 3, 4)]
LAYOUTS = ["contig", "T", "step"]


def _F(L):
    """torch spells a few activations only in torch.nn.functional; teenygrad has them as methods."""
    return F if L is torch else None


POS = dict(low=0.1, high=3.0)
UNARY = {
    "neg": (lambda L, x: -x, {}),
    "abs": (lambda L, x: x.abs(), {}),
    "exp": (lambda L, x: x.exp(), {}),
    "log": (lambda L, x: x.log(), POS),
    "log2": (lambda L, x: x.log2(), POS),
    "log10": (lambda L, x: x.log10(), POS),
    "log1p": (lambda L, x: x.log1p(), dict(low=-0.9, high=3.0)),
    "expm1": (lambda L, x: x.expm1(), {}),
    "sqrt": (lambda L, x: x.sqrt(), POS),
    "rsqrt": (lambda L, x: x.rsqrt(), POS),
    "sin": (lambda L, x: x.sin(), {}),
    "cos": (lambda L, x: x.cos(), {}),
    "tanh": (lambda L, x: x.tanh(), {}),
    "sigmoid": (lambda L, x: x.sigmoid(), dict(low=-8, high=8)),
    "relu": (lambda L, x: x.relu(), {}),
    "gelu": (lambda L, x: F.gelu(x) if L is torch else x.gelu(), {}),
    "gelu_tanh": (lambda L, x: F.gelu(x, approximate="tanh") if L is torch else x.gelu(approximate="tanh"), {}),
    "silu": (lambda L, x: F.silu(x) if L is torch else x.silu(), {}),
    "softplus": (lambda L, x: F.softplus(x) if L is torch else x.softplus(), {}),
    "softplus_beta": (lambda L, x: F.softplus(x, beta=2.0, threshold=3.0) if L is torch
                      else x.softplus(beta=2.0, threshold=3.0), {}),
    "sign": (lambda L, x: x.sign(), {}),
    "reciprocal": (lambda L, x: x.reciprocal(), POS),
    "square": (lambda L, x: x.square(), {}),
    "clamp": (lambda L, x: x.clamp(-0.5, 0.7), {}),
    "clamp_min": (lambda L, x: x.clamp(min=0.2), {}),
    "clamp_max": (lambda L, x: L.clamp(x, max=-0.1), {}),
    "pow2": (lambda L, x: x ** 2, {}),
    "pow3": (lambda L, x: x ** 3, {}),
    "pow_half": (lambda L, x: x ** 0.5, POS),
    "pow_neg": (lambda L, x: x ** -1.5, POS),
    "rpow": (lambda L, x: 2 ** x, {}),
    "radd": (lambda L, x: 1.5 + x, {}),
    "rsub": (lambda L, x: 1.5 - x, {}),
    "rmul": (lambda L, x: 3 * x, {}),
    "rdiv": (lambda L, x: 2 / x, POS),
    "div_scalar": (lambda L, x: x / 4, {}),
    "mod_scalar": (lambda L, x: x % 0.7, {}),
    "floordiv_scalar": (lambda L, x: x.detach() // 0.7, {}),  # torch has no floor_divide backward
    "floor": (lambda L, x: x.floor() * x, {}),
    "ceil": (lambda L, x: x.ceil() * x, {}),
    "round": (lambda L, x: x.round() + x, {}),
    "trunc": (lambda L, x: x.trunc(), {}),
    "func_exp": (lambda L, x: L.exp(x), {}),
    "func_sigmoid": (lambda L, x: L.sigmoid(x), {}),
}


# a transposed view needs 2 dims, a strided one 1
SHAPE_LAYOUTS = [(s, lay) for s in SHAPES for lay in LAYOUTS if len(s) >= {"contig": 0, "T": 2, "step": 1}[lay]]


@pytest.mark.parametrize("shape,layout", SHAPE_LAYOUTS, ids=str)
@pytest.mark.parametrize("op", list(UNARY))
def test_unary(op, shape, layout):
    fn, dom = UNARY[op]
    x = rand(shape, seed=zlib.crc32(op.encode()) % 1000, **dom)
    compare(fn, [x], layout=layout)


BCAST = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 4)), ((2, 1, 4), (3, 1)), ((), (3,)), ((2, 3), ()),
         ((1,), (2, 3)), ((0, 3), (1, 3)), ((5, 1), (1, 0)), ((2, 1, 3, 1), (4, 1, 5))]
BINARY = {
    "add": (lambda L, a, b: a + b, {}),
    "sub": (lambda L, a, b: a - b, {}),
    "mul": (lambda L, a, b: a * b, {}),
    "div": (lambda L, a, b: a / b, dict(low=0.5, high=2)),
    "pow": (lambda L, a, b: a ** b, dict(low=0.5, high=2)),
    "maximum": (lambda L, a, b: L.maximum(a, b), {}),
    "minimum": (lambda L, a, b: a.minimum(b), {}),
    "add_alpha": (lambda L, a, b: a.add(b, alpha=2.5), {}),
    "sub_alpha": (lambda L, a, b: L.sub(a, b, alpha=0.5), {}),
    "where": (lambda L, a, b: L.where(a > 0, a, b), {}),
    "remainder": (lambda L, a, b: a % b, dict(low=0.5, high=2)),
    "atan_like": (lambda L, a, b: (a * b).tanh() + a.exp() * b, {}),
}


@pytest.mark.parametrize("shapes", BCAST, ids=str)
@pytest.mark.parametrize("op", list(BINARY))
def test_binary(op, shapes):
    fn, dom = BINARY[op]
    compare(fn, [rand(shapes[0], seed=1, **dom), rand(shapes[1], seed=2, **dom)])


@pytest.mark.parametrize("op", ["add", "mul", "sub", "maximum"])
def test_binary_transposed_inputs(op):
    fn, _ = BINARY[op]
    compare(fn, [rand((4, 3), seed=3), rand((4, 3), seed=4)], layout="T")
    compare(fn, [rand((4, 3), seed=3), rand((4, 3), seed=4)], layout="step")


def test_same_tensor_in_both_operands():
    # x feeds two inputs of one op: its gradient is the sum of both paths
    compare(lambda L, x: x * x + x / (x.abs() + 1), [rand((3, 4))])


def test_maximum_ties_split_gradient():
    a = np.array([1.0, 2.0, 3.0], np.float32)
    compare(lambda L, x, y: L.maximum(x, y), [a, np.array([1.0, 0.0, 3.0], np.float32)])
    compare(lambda L, x, y: L.minimum(x, y), [a, np.array([1.0, 5.0, 3.0], np.float32)])


@pytest.mark.parametrize("name,fn", [("lt", lambda a, b: a < b), ("le", lambda a, b: a <= b),
                                     ("gt", lambda a, b: a > b), ("ge", lambda a, b: a >= b),
                                     ("eq", lambda a, b: a == b), ("ne", lambda a, b: a != b),
                                     ("and", lambda a, b: (a > 0) & (b > 0)), ("or", lambda a, b: (a > 0) | (b > 0)),
                                     ("xor", lambda a, b: (a > 0) ^ (b > 0)), ("not", lambda a, b: ~(a > b)),
                                     ("logical_and", lambda a, b: a.logical_and(b)),
                                     ("logical_or", lambda a, b: a.logical_or(b)),
                                     ("logical_not", lambda a, b: a.logical_not()),
                                     ("isnan", lambda a, b: (a / b).isnan()), ("scalar_cmp", lambda a, b: a > 0.5)])
def test_comparisons_and_logic_no_grad(name, fn):
    a = np.round(rand((3, 4), seed=5))
    b = np.round(rand((4,), seed=6))
    out, _ = compare(lambda L, x, y: fn(x, y), [a, b])
    assert out[0].dtype == tg.bool and not out[0].requires_grad


@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((2, 1), (1, 3))], ids=str)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "floordiv", "mod", "truediv", "pow", "maximum"])
def test_integer_binary(op, dtype, shapes):
    fns = {"add": lambda L, a, b: a + b, "sub": lambda L, a, b: a - b, "mul": lambda L, a, b: a * b,
           "floordiv": lambda L, a, b: a // b, "mod": lambda L, a, b: a % b, "truediv": lambda L, a, b: a / b,
           "pow": lambda L, a, b: a ** b, "maximum": lambda L, a, b: L.maximum(a, b)}
    lo = 0 if dtype == np.uint8 else -7
    a = rand(shapes[0], seed=7, dtype=dtype, low=lo, high=8)
    b = rand(shapes[1], seed=8, dtype=dtype, low=1, high=4)
    if op == "sub" and dtype == np.uint8:
        a = a + 4
    compare(fns[op], [a, b])


@pytest.mark.parametrize("op", ["floordiv", "mod"])
def test_float_floor_and_mod_signs(op):
    a = np.array([-3.5, -2.0, 0.0, 2.5, 7.0], np.float32)
    b = np.array([2.0, -1.5, 3.0, -2.0, 2.5], np.float32)
    fn = (lambda L, x, y: x // y) if op == "floordiv" else (lambda L, x, y: x % y)
    compare(fn, [a, b], grad=[op == "mod", op == "mod"])


# ---- reductions -------------------------------------------------------------------------------------
RSHAPES = [(5,), (3, 4), (2, 3, 4), (1, 4, 1)]
DIMS = [None, 0, -1, (0, -1), 1]
REDUCE = {
    "sum": lambda L, x, d, k: x.sum() if d is None else x.sum(d, keepdim=k),
    "mean": lambda L, x, d, k: x.mean() if d is None else x.mean(d, keepdim=k),
    "amax": lambda L, x, d, k: x.amax() if d is None else x.amax(d, keepdim=k),
    "amin": lambda L, x, d, k: L.amin(x) if d is None else L.amin(x, d, keepdim=k),
    "var": lambda L, x, d, k: x.var() if d is None else x.var(d, keepdim=k),
    "var_biased": lambda L, x, d, k: x.var(d, unbiased=False, keepdim=k),
    "var_corr2": lambda L, x, d, k: x.var(d, correction=2, keepdim=k) if d is not None else x.var(correction=0),
    "std": lambda L, x, d, k: x.std() if d is None else x.std(d, keepdim=k),
    "logsumexp": lambda L, x, d, k: x.logsumexp(d if d is not None else tuple(range(x.ndim)), keepdim=k),
    "norm": lambda L, x, d, k: x.norm(dim=d, keepdim=k),
}
SINGLE = {  # ops that take one int dim
    "max": lambda L, x, d, k: x.max(d, keepdim=k),
    "min": lambda L, x, d, k: x.min(dim=d, keepdim=k),
    "argmax": lambda L, x, d, k: x.argmax(d, keepdim=k),
    "argmin": lambda L, x, d, k: L.argmin(x, dim=d, keepdim=k),
    "prod": lambda L, x, d, k: x.prod(d, keepdim=k),
    "softmax": lambda L, x, d, k: x.softmax(d),
    "log_softmax": lambda L, x, d, k: x.log_softmax(dim=d),
    "cumsum": lambda L, x, d, k: x.cumsum(d),
    "all": lambda L, x, d, k: (x > -1).all(d, keepdim=k),
    "any": lambda L, x, d, k: (x > 1).any(dim=d, keepdim=k),
}


def _valid(shape, d):
    dims = d if isinstance(d, tuple) else (d,) if d is not None else ()
    return all(-len(shape) <= i < len(shape) for i in dims) and not (
        isinstance(d, tuple) and len({i % len(shape) for i in d}) < len(d))


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", [(s, d) for s in RSHAPES for d in DIMS if _valid(s, d)], ids=str)
@pytest.mark.parametrize("op", list(REDUCE))
def test_reduce(op, shape, dim, keepdim):
    compare(lambda L, x: REDUCE[op](L, x, dim, keepdim), [rand(shape, seed=11)], layout="contig")


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", [(s, d) for s in RSHAPES for d in (0, -1, 1) if _valid(s, d)], ids=str)
@pytest.mark.parametrize("op", list(SINGLE))
def test_reduce_single_dim(op, shape, dim, keepdim):
    x = rand(shape, seed=12, low=0.5 if op == "prod" else -2, high=1.5 if op == "prod" else 2)
    compare(lambda L, t: SINGLE[op](L, t, dim, keepdim), [x])


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "softmax", "cumsum", "max", "var", "logsumexp"])
def test_reduce_noncontiguous(op):
    fn = {"sum": lambda L, x: x.sum(0), "mean": lambda L, x: x.mean(-1, keepdim=True),
          "amax": lambda L, x: x.amax(1), "softmax": lambda L, x: x.softmax(0), "cumsum": lambda L, x: x.cumsum(1),
          "max": lambda L, x: x.max(0), "var": lambda L, x: x.var(1), "logsumexp": lambda L, x: x.logsumexp(0)}[op]
    compare(fn, [rand((3, 5), seed=13)], layout="T")
    compare(fn, [rand((3, 5), seed=13)], layout="step")


@pytest.mark.parametrize("op", ["sum", "mean", "prod", "amax_keep", "cumsum", "softmax", "all", "any", "sum_all",
                                "logsumexp"])
def test_reduce_zero_size(op):
    fn = {"sum": lambda L, x: x.sum(0), "mean": lambda L, x: x.mean(1), "prod": lambda L, x: x.prod(0),
          "amax_keep": lambda L, x: x.amax(1, keepdim=True), "cumsum": lambda L, x: x.cumsum(0),
          "softmax": lambda L, x: x.softmax(0), "all": lambda L, x: (x > 0).all(0),
          "any": lambda L, x: (x > 0).any(), "sum_all": lambda L, x: x.sum(),
          "logsumexp": lambda L, x: x.logsumexp(0)}[op]
    compare(fn, [rand((0, 3), seed=14)])


def test_prod_with_zeros_gradient():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.5, 2.0, -1.0]], np.float32)
    compare(lambda L, t: t.prod(1), [x])
    compare(lambda L, t: t.prod(), [x[0]])


def test_prod_all_and_int_sum_dtype():
    compare(lambda L, t: t.prod(), [rand((2, 3), seed=15, low=0.5, high=1.5)])
    compare(lambda L, t: t.sum(), [rand((2, 3), seed=16, dtype=np.int32, low=-5, high=5)])
    compare(lambda L, t: t.sum(0), [rand((2, 3), seed=16, dtype=np.bool_)])
    compare(lambda L, t: t.cumsum(0), [rand((4,), seed=16, dtype=np.uint8, low=0, high=9)])
    compare(lambda L, t: t.prod(1), [rand((2, 3), seed=16, dtype=np.int8, low=-3, high=3)])


def test_amax_ties_share_gradient_and_max_dim_picks_one():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], np.float32)
    compare(lambda L, t: t.amax(1), [x])
    compare(lambda L, t: t.amax(), [x])
    compare(lambda L, t: t.max(), [x])
    out, ref = compare(lambda L, t: t.max(1).values, [x])


def test_max_min_named_tuple_and_binary_form():
    x_tg, x_th = make_pair(rand((3, 4), seed=17), False)
    v, i = x_tg.max(dim=1)
    assert_close(v, x_th.max(dim=1).values, "values", 0, 0)
    assert_close(x_tg.min(0).indices, x_th.min(0).indices, "indices", 0, 0)
    compare(lambda L, a, b: a.max(b), [rand((3, 4), seed=1), rand((4,), seed=2)])
    assert_close(x_tg.argmax(), x_th.argmax(), "argmax flat", 0, 0)
    assert_close(x_tg.argmin(keepdim=True), x_th.argmin(keepdim=True), "argmin keepdim", 0, 0)


def test_softmax_extreme_values_stable():
    x = np.array([[1000.0, 0.0, -1000.0], [-np.inf, 0.0, 1.0]], np.float32)
    compare(lambda L, t: t.softmax(-1), [x])
    compare(lambda L, t: t.log_softmax(-1), [x[:1]])
    compare(lambda L, t: t.logsumexp(1), [x])


def test_tinygrad_axis_keyword():
    x = tg.tensor(rand((2, 3), seed=18))
    np.testing.assert_allclose(x.sum(axis=1).numpy(), x.numpy().sum(1), rtol=1e-6)
    np.testing.assert_allclose(x.mean(axis=0).numpy(), x.numpy().mean(0), rtol=1e-6)
    np.testing.assert_allclose(x.max(axis=1).values.numpy(), x.numpy().max(1))


def test_softmax_on_integer_and_0d():
    compare(lambda L, t: t.softmax(0), [rand((), seed=19)])
    compare(lambda L, t: t.float().softmax(0), [rand((4,), seed=19, dtype=np.int64)])
    compare(lambda L, t: t.sum(0), [rand((), seed=19)])
    compare(lambda L, t: t.cumsum(0), [rand((), seed=19)])


def test_var_std_mean_functions():
    x = rand((3, 4), seed=20)
    compare(lambda L, t: L.var_mean(t, 1), [x])
    compare(lambda L, t: L.std_mean(t, 0, keepdim=True), [x])
    compare(lambda L, t: L.std(t, 1, unbiased=False), [x])


# ---- products ---------------------------------------------------------------------------------------
MATMUL = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (2, 4, 5)),
          ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5)), ((0, 4), (4, 3)), ((3, 0), (0, 2)),
          ((1, 1), (1, 1))]


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("shapes", MATMUL, ids=str)
def test_matmul(shapes, layout):
    compare(lambda L, a, b: a @ b, [rand(shapes[0], seed=50), rand(shapes[1], seed=51)], layout=layout)


def test_matmul_spellings():
    a, b = rand((3, 4), seed=52), rand((4, 2), seed=53)
    compare(lambda L, x, y: x.matmul(y), [a, b])
    compare(lambda L, x, y: L.mm(x, y), [a, b])
    compare(lambda L, x, y: L.bmm(x[None], y[None]), [a, b])
    compare(lambda L, x, y: x[0].dot(y[:, 0]), [a, b])
    compare(lambda L, x, y: L.matmul(x, y), [rand((4, 4), seed=54, dtype=np.int64, low=-3, high=3),
                                             rand((4,), seed=55, dtype=np.int64, low=-3, high=3)])


EINSUM = [("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("ij->ji", [(3, 4)]),
          ("ij->", [(3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("i,j->ij", [(3,), (4,)]), ("i,i->", [(4,), (4,)]),
          ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ij,ij->i", [(3, 4), (3, 4)]), ("ijk->kj", [(2, 3, 4)]),
          ("ij,jk", [(3, 4), (4, 2)]), ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)])]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum(eq, shapes):
    compare(lambda L, *xs: L.einsum(eq, *xs), [rand(s, seed=56 + i) for i, s in enumerate(shapes)])
    compare(lambda L, *xs: L.einsum(eq, list(xs)), [rand(s, seed=56 + i) for i, s in enumerate(shapes)])


# ---- dtypes other than float32 ----------------------------------------------------------------------
DT_OPS = {
    "exp": lambda L, x: x.exp(), "tanh": lambda L, x: x.tanh(), "sigmoid": lambda L, x: x.sigmoid(),
    "mul_add": lambda L, x: x * 2.5 + x, "sum": lambda L, x: x.sum(-1), "mean": lambda L, x: x.mean(0),
    "softmax": lambda L, x: x.softmax(-1), "matmul": lambda L, x: x @ x.T, "relu": lambda L, x: x.relu(),
    "gelu": lambda L, x: F.gelu(x) if L is torch else x.gelu(), "max": lambda L, x: x.max(1),
    "cumsum": lambda L, x: x.cumsum(0), "log_softmax": lambda L, x: x.log_softmax(1),
}
TOL = {np.float64: (dict(atol=1e-12, rtol=1e-9), dict(atol=1e-10, rtol=1e-8)),
       np.float16: (dict(atol=2e-3, rtol=1e-2), dict(atol=1e-2, rtol=2e-2))}


@pytest.mark.parametrize("dtype", [np.float64, np.float16], ids=["float64", "float16"])
@pytest.mark.parametrize("op", list(DT_OPS))
def test_float64_and_float16(op, dtype):
    fwd, bwd = TOL[dtype]
    compare(DT_OPS[op], [rand((3, 4), seed=60, dtype=dtype)], fwd=fwd, bwd=bwd)


INT_OPS = {
    "abs": lambda L, x: x.abs(), "neg": lambda L, x: -x, "sign": lambda L, x: x.sign(),
    "clamp": lambda L, x: x.clamp(-2, 3), "square": lambda L, x: x.square(), "relu": lambda L, x: x.relu(),
    "max": lambda L, x: x.max(1), "amin": lambda L, x: x.amin(0), "argmax": lambda L, x: x.argmax(-1),
    "cumsum": lambda L, x: x.cumsum(1), "prod": lambda L, x: x.prod(0), "sort": lambda L, x: x.sort(1),
    "pow2": lambda L, x: x ** 2, "float_scale": lambda L, x: x * 0.5, "exp": lambda L, x: x.exp(),
    "sqrt_abs": lambda L, x: x.abs().sqrt(), "sum": lambda L, x: x.sum(), "all": lambda L, x: x.all(1),
    "any": lambda L, x: x.any(), "cmp": lambda L, x: x >= 1, "maximum": lambda L, x: L.maximum(x, x.flip(0)),
    "where": lambda L, x: L.where(x > 0, x, -7), "mod": lambda L, x: x % 3, "floordiv": lambda L, x: x // -3,
    "trunc_div": lambda L, x: L.div(x, 3, rounding_mode="trunc"),
    "floor_div": lambda L, x: x.div(4, rounding_mode="floor"),
}


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8])
@pytest.mark.parametrize("op", list(INT_OPS))
def test_integer_tensors(op, dtype):
    compare(INT_OPS[op], [rand((3, 4), seed=61, dtype=dtype, low=-5, high=6)])


def test_sigmoid_silu_keep_relative_precision_far_out():
    x = np.linspace(-80, 30, 23).astype(np.float32)
    for fn in [lambda L, t: t.sigmoid(), lambda L, t: F.silu(t) if L is torch else t.silu(),
               lambda L, t: (t.sigmoid()).log()]:
        compare(fn, [x], fwd=dict(atol=1e-30, rtol=1e-5), bwd=dict(atol=1e-30, rtol=1e-4))


INPLACE = {
    "add_": lambda y, o: y.add_(o), "sub_": lambda y, o: y.sub_(o, alpha=2), "mul_": lambda y, o: y.mul_(o),
    "div_": lambda y, o: y.div_(o.abs() + 1), "pow_": lambda y, o: y.abs().pow_(2), "exp_": lambda y, o: y.exp_(),
    "tanh_": lambda y, o: y.tanh_(), "sigmoid_": lambda y, o: y.sigmoid_(), "relu_": lambda y, o: y.relu_(),
    "neg_": lambda y, o: y.neg_(), "abs_": lambda y, o: y.abs_(), "clamp_": lambda y, o: y.clamp_(-0.5, 0.5),
    "masked_fill_": lambda y, o: y.masked_fill_(o > 0, 1.0), "iadd": lambda y, o: y.__iadd__(o),
    "imul": lambda y, o: y.__imul__(o), "itruediv": lambda y, o: y.__itruediv__(2.0),
    "sqrt_": lambda y, o: y.abs().sqrt_(), "log_": lambda y, o: (y.abs() + 1).log_(),
}


@pytest.mark.parametrize("op", list(INPLACE))
def test_inplace_methods_on_graph_tensors(op):
    def fn(L, x, o):
        y = x * 1.0
        r = INPLACE[op](y, o)
        return r * 2 + x
    compare(fn, [rand((3, 4), seed=62), rand((4,), seed=63)])


@pytest.mark.parametrize("op", list(INPLACE))
def test_inplace_methods_without_graph_keep_identity(op):
    a, o = rand((3, 4), seed=64), rand((4,), seed=65)
    y_tg, y_th = tg.tensor(a), torch.tensor(a)
    r_tg, r_th = INPLACE[op](y_tg, tg.tensor(o)), INPLACE[op](y_th, torch.tensor(o))
    assert_close(r_tg, r_th, op, 1e-6, 1e-5)
    if op not in ("pow_", "sqrt_", "log_"):  # those act on a fresh y.abs()
        assert r_tg is y_tg
        assert_close(y_tg, y_th, op + " (self)", 1e-6, 1e-5)


def test_numpy_operands_on_either_side():
    t = tg.tensor([1.0, 2.0])
    for got, want in [(np.float32(2) * t, [2.0, 4.0]), (np.float64(1) - t, [0.0, -1.0]), (t / np.int64(2), [0.5, 1])]:
        assert isinstance(got, tg.Tensor) and got.dtype == tg.float32 and got.tolist() == want
    assert (np.ones(2) + t).dtype == tg.float64  # a float64 array is a dimensioned float64 operand


def test_clamp_with_tensor_bounds():
    compare(lambda L, x, lo, hi: x.clamp(lo, hi), [rand((3, 4), seed=66), rand((4,), seed=67, low=-2, high=0),
                                                    rand((3, 1), seed=68, low=0, high=2)])
    compare(lambda L, x, lo: L.clamp(x, min=lo), [rand((3, 4), seed=66), rand((4,), seed=67)])


@pytest.mark.parametrize("c_shape,x_shape,y_shape,layout", [((3, 4), (3, 4), (3, 4), "contig"),
                                                            ((3, 4), (3, 4), (3, 4), "T"),
                                                            ((3, 4), (4,), (4,), "contig"),
                                                            ((3, 4), (3, 4), (), "contig"),
                                                            ((3, 4), (), (3, 4), "T"),
                                                            ((3, 4), (3, 4), (1, 4), "contig")])
def test_where_select_kernel_and_its_fallbacks(c_shape, x_shape, y_shape, layout):
    """where on contiguous float32 operands of the condition's shape (or one 0-d) runs a branch-free select kernel;
    broadcast or strided operands take numpy's where. Both give torch's values and gradients, NaN and inf included."""
    x, y = rand(x_shape, 1), rand(y_shape, 2)
    x.reshape(-1)[0], y.reshape(-1)[-1] = np.nan, np.inf if y.ndim else 0.5  # a 0-d inf would make the loss inf - inf
    c = np.random.default_rng(3).random(c_shape) > 0.5
    compare(lambda lib, a, b: lib.where(lib.tensor(c), a, b), [x, y], layout=layout)
