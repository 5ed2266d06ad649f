"""A seeded differential fuzzer for out=, torch against teenygrad: random functions of OUT_NAMES (and linalg. /
special.) with random arguments (broadcasting, 0-d, empty; float32/float64/int64/bool/complex64), each called with
a random out: right, castable, not castable, resized (warns), empty (silent), a transposed or sliced view of a bigger
tensor, an input itself, a view that partly overlaps an input, one that requires grad, inputs that require grad (with
grad mode on and under no_grad), tuple outs of the wrong length or element type. Both must raise the same error type
or neither; where both run, out's values, dtype and shape, `returned is out`, a view of out, the base of a view-out
and the resize warning must agree. Calls whose result differs already without out= are left to the op's own tests;
the differences out_arg.py does not own are named in _known(). Error wording may differ (torch names neg() for
negative, special_erf() for special.erf, and lists its overloads): the test prints how often.
Fuzz(seed, 0).one(name, gen, kind, grad) with Fuzz.outcomes probes one name's rule in torch, as out_arg.py's were.
"""
import collections
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.linalg  # noqa: F401
import teenygrad.special  # noqa: F401
from teenygrad.out_arg import OUT_NAMES, LINALG_OUT, SPECIAL_OUT

SEED, CALLS = 16, 5000
DTYPES = ["float32", "float64", "int64", "bool", "complex64"]
TORCH_DT = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "int32": torch.int32,
            "bool": torch.bool, "complex64": torch.complex64, "complex128": torch.complex128, "uint8": torch.uint8,
            "float16": torch.float16, "int8": torch.int8, "int16": torch.int16}
NAME_OF = {v: k for k, v in TORCH_DT.items()}
SHAPES = [(), (0,), (3,), (2, 3), (3, 1), (1, 4), (2, 0, 3), (2, 3, 4), (4, 3)]

# ---- argument generators: each returns (inputs, call); inputs are numpy arrays / python numbers / lists of arrays,
# call(m, ins) calls the function of module m (torch or teenygrad) on them, with **kw holding out=
UNARY = """abs absolute acos acosh angle arccos arccosh arcsin arcsinh arctan arctanh asin asinh atan atanh
    bitwise_not ceil conj_physical cos cosh deg2rad digamma erf erfc erfinv exp exp2 expm1 fix floor frac i0 isneginf
    isposinf lgamma log log10 log1p log2 logical_not logit nan_to_num neg negative rad2deg reciprocal round rsqrt sgn
    sigmoid sign signbit sin sinc sinh sqrt square tan tanh trunc tril triu t_copy detach_copy alias_copy
    special.erf special.erfc special.erfinv special.expit special.exp2 special.expm1 special.log1p special.i0
    special.i0e special.i1 special.i1e special.ndtr special.ndtri special.log_ndtr special.sinc special.entr
    special.erfcx special.round special.digamma special.psi special.gammaln special.logit special.bessel_j0
    special.bessel_j1 special.bessel_y0 special.bessel_y1 special.airy_ai special.modified_bessel_i1
    special.modified_bessel_k0 special.modified_bessel_k1 special.scaled_modified_bessel_k0
    special.scaled_modified_bessel_k1 special.spherical_bessel_j0""".split()
BINARY = """add sub mul div true_divide divide multiply subtract atan2 arctan2 pow maximum minimum fmax fmin fmod
    remainder hypot copysign logaddexp logaddexp2 nextafter xlogy eq ne lt le gt ge greater greater_equal less
    less_equal not_equal logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor floor_divide
    float_power heaviside gcd lcm ldexp igamma igammac special.xlogy special.xlog1py special.zeta special.gammainc
    special.gammaincc bitwise_left_shift bitwise_right_shift""".split()
REDUCE = """sum prod mean nansum nanmean std var logsumexp amax amin all any argmax argmin cumsum cumprod
    logcumsumexp softmax log_softmax special.logsumexp""".split()
MULTI = "max min sort topk kthvalue mode median nanmedian cummax cummin aminmax".split()
MATMUL = "mm matmul bmm mv dot vdot outer ger inner addmm addmv addr baddbmm addbmm kron linalg.matmul".split()
JOINS = "cat concat concatenate stack hstack vstack dstack column_stack row_stack".split()
FACTORY = "zeros ones full arange linspace logspace eye empty rand randn randint randperm".split()
TERNARY = "where clamp clip lerp addcmul addcdiv".split()
LINALG = "linalg.inv linalg.det inverse linalg.matrix_norm linalg.vector_norm linalg.svdvals linalg.eigvalsh".split()
RANDOM_VALUES = {"empty", "rand", "randn", "randint", "randperm",  # only shape / dtype compared
                 "linalg.eigh", "linalg.qr", "qr", "linalg.svd", "svd", "linalg.eig"}  # signs, phases: theirs
COVERED = set(UNARY + BINARY + REDUCE + MULTI + MATMUL + JOINS + FACTORY + TERNARY + LINALG + ["frexp"])


def _fn(m, name):
    for part in name.split("."):
        m = getattr(m, part)
    return m


def _array(rng, shape, dtype):
    if dtype == "bool":
        return np.asarray(rng.random(shape) > 0.5)
    if dtype == "int64":
        return np.asarray(rng.integers(-4, 6, shape), np.int64)
    a = rng.standard_normal(shape) * 1.5
    if dtype == "complex64":
        a = a + 1j * rng.standard_normal(shape)
    return np.asarray(a, dtype)


def _broadcastable(rng, shape):
    s = list(shape[int(rng.integers(0, len(shape) + 1)):]) if shape else []
    return tuple(1 if rng.random() < 0.3 else d for d in s)


def _unary(rng, name):
    shape = SHAPES[rng.integers(len(SHAPES))]
    if name in ("tril", "triu", "t_copy"):
        shape = SHAPES[rng.integers(3, len(SHAPES))][:2]
    x = _array(rng, shape, rng.choice(DTYPES))
    return [x], lambda m, ins, **kw: _fn(m, name)(ins[0], **kw)


def _binary(rng, name):
    shape = SHAPES[rng.integers(len(SHAPES))]
    a = _array(rng, shape, rng.choice(DTYPES))
    r = rng.random()
    if r < 0.15:  # a python number second
        b = float(np.round(rng.standard_normal(), 2)) if rng.random() < 0.5 else int(rng.integers(1, 4))
    else:
        b = _array(rng, _broadcastable(rng, shape) if r < 0.6 else shape, rng.choice(DTYPES))
    if rng.random() < 0.3:
        a, b = b, a
    if isinstance(a, (int, float)) and not name.startswith("special."):
        a, b = b, a  # torch.add(2, x) has no out= overload check worth fuzzing beyond test_out16's
    return [a, b], lambda m, ins, **kw: _fn(m, name)(ins[0], ins[1], **kw)


def _reduce(rng, name):
    shape = SHAPES[rng.integers(len(SHAPES))]
    dt = rng.choice(DTYPES)
    x = _array(rng, shape, dt)
    nd = max(len(shape), 1)
    dim = int(rng.integers(-nd, nd))
    keep = bool(rng.random() < 0.5)
    if name in ("cumsum", "cumprod", "logcumsumexp", "softmax", "log_softmax", "argmax", "argmin") or \
            name in ("all", "any") and rng.random() < 0.3:
        if name in ("argmax", "argmin"):
            return [x], lambda m, ins, **kw: _fn(m, name)(ins[0], dim, keep, **kw)
        return [x], lambda m, ins, **kw: _fn(m, name)(ins[0], dim, **kw)
    return [x], lambda m, ins, **kw: _fn(m, name)(ins[0], dim, keepdim=keep, **kw)


def _multi(rng, name):
    shape = SHAPES[rng.integers(len(SHAPES))]
    x = _array(rng, shape, rng.choice(["float32", "float64", "int64", "float32"]))
    if name == "mode":
        x = np.round(x)
    nd = max(len(shape), 1)
    dim = int(rng.integers(-nd, nd))
    keep = bool(rng.random() < 0.5)
    if name == "topk":
        k = int(rng.integers(0, 3))
        return [x], lambda m, ins, **kw: m.topk(ins[0], k, dim, **kw)
    if name == "kthvalue":
        return [x], lambda m, ins, **kw: m.kthvalue(ins[0], 1, dim, keep, **kw)
    if name == "sort":
        return [x], lambda m, ins, **kw: m.sort(ins[0], dim, descending=keep, stable=True, **kw)
    if name in ("cummax", "cummin"):
        return [x], lambda m, ins, **kw: _fn(m, name)(ins[0], dim, **kw)
    if name == "aminmax":
        return [x], lambda m, ins, **kw: m.aminmax(ins[0], dim=dim, keepdim=keep, **kw)
    return [x], lambda m, ins, **kw: _fn(m, name)(ins[0], dim, keep, **kw)


def _matmul(rng, name):
    dt = rng.choice(["float32", "float64", "float32", "int64", "complex64"])
    n, k, p, b = (int(v) for v in rng.integers(0, 4, 4))
    a = lambda *s: _array(rng, s, dt)  # noqa: E731
    shapes = {"mm": [(n, k), (k, p)], "matmul": [(b, n, k), (k, p)], "linalg.matmul": [(n, k), (b, k, p)],
              "bmm": [(b, n, k), (b, k, p)], "mv": [(n, k), (k,)], "dot": [(k,), (k,)], "vdot": [(k,), (k,)],
              "outer": [(n,), (p,)], "ger": [(n,), (p,)], "inner": [(n, k), (p, k)], "addmm": [(n, p), (n, k), (k, p)],
              "addmv": [(n,), (n, k), (k,)], "addr": [(n, p), (n,), (p,)], "baddbmm": [(b, n, p), (b, n, k), (b, k, p)],
              "addbmm": [(n, p), (b, n, k), (b, k, p)], "kron": [(n, k), (p, 2)]}[name]
    if len(shapes) == 3 and rng.random() < 0.3:
        shapes[0] = shapes[0][-1:]  # a broadcast self
    ins = [a(*s) for s in shapes]
    return ins, lambda m, ins, **kw: _fn(m, name)(*ins, **kw)


def _join(rng, name):
    shape = SHAPES[rng.integers(1, len(SHAPES))]
    k = int(rng.integers(1, 4))
    dts = [rng.choice(DTYPES[:4])] * k if rng.random() < 0.7 else list(rng.choice(DTYPES[:4], k))
    ins = [_array(rng, shape, d) for d in dts]
    if name in ("cat", "concat", "concatenate", "stack"):
        nd = len(shape) + (name == "stack")
        dim = int(rng.integers(-nd, nd))
        return ins, lambda m, ins, **kw: _fn(m, name)(list(ins), dim, **kw)
    return ins, lambda m, ins, **kw: _fn(m, name)(list(ins), **kw)


def _factory(rng, name):
    n = int(rng.integers(0, 5))
    calls = {"zeros": lambda m: m.zeros(n, 2), "ones": lambda m: m.ones((n,)), "full": lambda m: m.full((n,), 1.5),
             "arange": lambda m: m.arange(0, n, 1), "linspace": lambda m: m.linspace(0, 1, n),
             "logspace": lambda m: m.logspace(0, 1, n), "eye": lambda m: m.eye(n), "empty": lambda m: m.empty(n),
             "rand": lambda m: m.rand(n), "randn": lambda m: m.randn(n), "randint": lambda m: m.randint(0, 5, (n,)),
             "randperm": lambda m: m.randperm(n)}
    return [], lambda m, ins, **kw: calls[name](m) if not kw else _fn(m, name)(*_FACTORY_ARGS[name](n), **kw)


_FACTORY_ARGS = {"zeros": lambda n: (n, 2), "ones": lambda n: ((n,),), "full": lambda n: ((n,), 1.5),
                 "arange": lambda n: (0, n, 1), "linspace": lambda n: (0, 1, n), "logspace": lambda n: (0, 1, n),
                 "eye": lambda n: (n,), "empty": lambda n: (n,), "rand": lambda n: (n,), "randn": lambda n: (n,),
                 "randint": lambda n: (0, 5, (n,)), "randperm": lambda n: (n,)}


def _ternary(rng, name):
    shape = SHAPES[rng.integers(len(SHAPES))]
    dt = rng.choice(["float32", "float64", "int64", "float32"])
    x = _array(rng, shape, dt)
    y = _array(rng, _broadcastable(rng, shape), dt)
    z = _array(rng, _broadcastable(rng, shape), dt)
    if name == "where":
        return [x > 0, y, z], lambda m, ins, **kw: m.where(*ins, **kw)
    if name in ("clamp", "clip"):
        if rng.random() < 0.5:
            return [x], lambda m, ins, **kw: _fn(m, name)(ins[0], -0.5, 1, **kw)
        return [x, -abs(y), abs(z)], lambda m, ins, **kw: _fn(m, name)(*ins, **kw)
    if name == "lerp":
        return [x, y, 0.3], lambda m, ins, **kw: m.lerp(*ins, **kw)
    return [x, y, z], lambda m, ins, **kw: _fn(m, name)(*ins, value=2, **kw)


def _linalg(rng, name):
    n = int(rng.integers(1, 4))
    a = rng.standard_normal((n, n)) + 3 * np.eye(n)
    if name == "linalg.eigvalsh":
        a = a @ a.T
    a = a.astype(rng.choice(["float32", "float64"]))
    if name == "linalg.vector_norm":
        return [a], lambda m, ins, **kw: m.linalg.vector_norm(ins[0], 2, **kw)
    return [a], lambda m, ins, **kw: _fn(m, name)(ins[0], **kw)


def _frexp(rng, name):
    return [_array(rng, SHAPES[rng.integers(len(SHAPES))], rng.choice(["float32", "float64"]))], \
        lambda m, ins, **kw: m.frexp(ins[0], **kw)


def _x(rng, dtypes=("float32", "float64", "int64", "float32")):
    shape = SHAPES[rng.integers(2, len(SHAPES))]
    return _array(rng, shape, rng.choice(list(dtypes))), shape


def _idx(rng, n, k):
    return np.asarray(rng.integers(0, max(n, 1), k), np.int64)


# functions with their own arguments: name -> rng -> (inputs, call)
MISC = {
    "diag": lambda rng: ([_x(rng)[0].reshape(-1)[:4]], lambda m, i, **kw: m.diag(i[0], **kw)),
    "diagonal_copy": lambda rng: ([_array(rng, (3, 4), "float32")], lambda m, i, **kw: m.diagonal_copy(i[0], **kw)),
    "permute_copy": lambda rng: (lambda x: ([x[0]], lambda m, i, **kw: m.permute_copy(
        i[0], tuple(reversed(range(len(x[1])))), **kw)))(_x(rng)),
    "transpose_copy": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.transpose_copy(i[0], 0, -1, **kw)),
    "squeeze_copy": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.squeeze_copy(i[0], **kw)),
    "unsqueeze_copy": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.unsqueeze_copy(i[0], 1, **kw)),
    "view_copy": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.view_copy(i[0], (-1,), **kw)),
    "expand_copy": lambda rng: ([_array(rng, (3, 1), "float32")], lambda m, i, **kw: m.expand_copy(i[0], (2, 3, 4),
                                                                                                   **kw)),
    "select_copy": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.select_copy(i[0], 0, 0, **kw)),
    "slice_copy": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.slice_copy(i[0], -1, 0, 2, **kw)),
    "narrow_copy": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.narrow_copy(i[0], 0, 0, 1, **kw)),
    "diff": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.diff(i[0], **kw)),
    "msort": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.msort(i[0], **kw)),
    "argsort": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.argsort(i[0], stable=True, **kw)),
    "cross": lambda rng: ([_array(rng, (2, 3), "float32"), _array(rng, (2, 3), "float32")],
                          lambda m, i, **kw: m.cross(i[0], i[1], dim=1, **kw)),
    "linalg.cross": lambda rng: ([_array(rng, (2, 3), "float64"), _array(rng, (3,), "float64")],
                                 lambda m, i, **kw: m.linalg.cross(i[0], i[1], **kw)),
    "clamp_min": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.clamp_min(i[0], 0.5, **kw)),
    "clamp_max": lambda rng: ([_x(rng)[0], _array(rng, (), "float32")],
                              lambda m, i, **kw: m.clamp_max(i[0], i[1], **kw)),
    "hardshrink": lambda rng: ([_x(rng, ("float32", "float64"))[0]], lambda m, i, **kw: m.hardshrink(i[0], 0.5,
                                                                                                    **kw)),
    "threshold": lambda rng: ([_x(rng, ("float32", "float64"))[0]], lambda m, i, **kw: m.threshold(i[0], 0.1, 20.,
                                                                                                  **kw)),
    "polygamma": lambda rng: ([_x(rng, ("float32", "float64"))[0]], lambda m, i, **kw: m.polygamma(1, i[0], **kw)),
    "mvlgamma": lambda rng: ([abs(_x(rng, ("float32", "float64"))[0]) + 1], lambda m, i, **kw: m.mvlgamma(i[0], 2,
                                                                                                         **kw)),
    "complex": lambda rng: (lambda x: ([x, x * 2], lambda m, i, **kw: m.complex(i[0], i[1], **kw)))(
        _x(rng, ("float32", "float64"))[0]),
    "polar": lambda rng: (lambda x: ([abs(x), x], lambda m, i, **kw: m.polar(i[0], i[1], **kw)))(
        _x(rng, ("float32", "float64"))[0]),
    "index_select": lambda rng: (lambda x: ([x, _idx(rng, x.shape[0], 3)], lambda m, i, **kw: m.index_select(
        i[0], 0, i[1], **kw)))(_x(rng)[0]),
    "take": lambda rng: (lambda x: ([x, _idx(rng, x.size, 4)], lambda m, i, **kw: m.take(i[0], i[1], **kw)))(
        _x(rng)[0]),
    "gather": lambda rng: ([_array(rng, (3, 4), "float32"), _idx(rng, 4, (3, 2))],
                           lambda m, i, **kw: m.gather(i[0], 1, i[1], **kw)),
    "take_along_dim": lambda rng: ([_array(rng, (3, 4), "float32"), _idx(rng, 3, (2, 4))],
                                   lambda m, i, **kw: m.take_along_dim(i[0], i[1], 0, **kw)),
    "masked_select": lambda rng: (lambda x: ([x, x > 0], lambda m, i, **kw: m.masked_select(i[0], i[1], **kw)))(
        _x(rng)[0]),
    "nonzero": lambda rng: ([_x(rng)[0]], lambda m, i, **kw: m.nonzero(i[0], **kw)),
    "isin": lambda rng: ([_x(rng, ("int64",))[0], _array(rng, (3,), "int64")],
                         lambda m, i, **kw: m.isin(i[0], i[1], **kw)),
    "bucketize": lambda rng: ([_x(rng)[0], np.array([-1., 0., 1.5])],
                              lambda m, i, **kw: m.bucketize(i[0], i[1], **kw)),
    "searchsorted": lambda rng: ([np.array([-1., 0., 1.5]), _x(rng, ("float64",))[0]],
                                 lambda m, i, **kw: m.searchsorted(i[0], i[1], **kw)),
    "tensordot": lambda rng: ([_array(rng, (2, 3), "float32"), _array(rng, (3, 4), "float32")],
                              lambda m, i, **kw: m.tensordot(i[0], i[1], 1, **kw)),
    "norm": lambda rng: ([_x(rng, ("float32", "float64"))[0]], lambda m, i, **kw: m.norm(i[0], 2, 0, **kw)),
    "matrix_power": lambda rng: ([_array(rng, (2, 3, 3), "float32"), int(rng.integers(0, 3))],
                                 lambda m, i, **kw: m.matrix_power(i[0], i[1], **kw)),
    "chain_matmul": lambda rng: ([_array(rng, (2, 3), "float64"), _array(rng, (3, 3), "float64")],
                                 lambda m, i, **kw: m.chain_matmul(*i, **kw)),
    "linalg.vecdot": lambda rng: ([_array(rng, (2, 3), "float32"), _array(rng, (3,), "float32")],
                                  lambda m, i, **kw: m.linalg.vecdot(i[0], i[1], **kw)),
    "linalg.multi_dot": lambda rng: ([_array(rng, (2, 3), "float32"), _array(rng, (3, 3), "float32"),
                                      _array(rng, (3,), "float32")], lambda m, i, **kw: m.linalg.multi_dot(list(i),
                                                                                                          **kw)),
    "linalg.norm": lambda rng: ([_x(rng, ("float32", "float64"))[0]], lambda m, i, **kw: m.linalg.norm(i[0], **kw)),
    "linalg.solve": lambda rng: ([_array(rng, (3, 3), "float64") + 4 * np.eye(3), _array(rng, (3,), "float64")],
                                 lambda m, i, **kw: m.linalg.solve(i[0], i[1], **kw)),
    "linalg.slogdet": lambda rng: ([_array(rng, (3, 3), "float32") + 4 * np.eye(3, dtype=np.float32)],
                                   lambda m, i, **kw: m.linalg.slogdet(i[0], **kw)),
    "linalg.matrix_power": lambda rng: ([_array(rng, (3, 3), "float64")],
                                        lambda m, i, **kw: m.linalg.matrix_power(i[0], 2, **kw)),
    "linalg.pinv": lambda rng: ([_array(rng, (3, 2), "float64")], lambda m, i, **kw: m.linalg.pinv(i[0], **kw)),
    "special.polygamma": lambda rng: ([_x(rng, ("float32",))[0]],
                                      lambda m, i, **kw: m.special.polygamma(2, i[0], **kw)),
    "special.multigammaln": lambda rng: ([abs(_x(rng, ("float64",))[0]) + 2],
                                         lambda m, i, **kw: m.special.multigammaln(i[0], 2, **kw)),
    "special.modified_bessel_i0": lambda rng: ([_x(rng, ("float32",))[0]],
                                               lambda m, i, **kw: m.special.modified_bessel_i0(i[0], **kw)),
    "index_add": lambda rng: ([_array(rng, (3, 4), "float32"), _idx(rng, 3, 2), _array(rng, (2, 4), "float32")],
                              lambda m, i, **kw: m.index_add(i[0], 0, i[1], i[2], **kw)),
    "index_copy": lambda rng: ([_array(rng, (3, 4), "float32"), np.array([2, 0]), _array(rng, (2, 4), "float32")],
                               lambda m, i, **kw: m.index_copy(i[0], 0, i[1], i[2], **kw)),
    "scatter": lambda rng: ([_array(rng, (3, 4), "float32"), np.array([[2, 0, 1, 1]]), _array(rng, (1, 4), "float32")],
                            lambda m, i, **kw: m.scatter(i[0], 0, i[1], i[2], **kw)),
    "scatter_add": lambda rng: ([_array(rng, (3, 4), "float64"), _idx(rng, 3, (2, 4)), _array(rng, (2, 4), "float64")],
                                lambda m, i, **kw: m.scatter_add(i[0], 0, i[1], i[2], **kw)),
    "scatter_reduce": lambda rng: ([_array(rng, (3, 4), "float32"), _idx(rng, 3, (2, 4)),
                                    _array(rng, (2, 4), "float32")],
                                   lambda m, i, **kw: m.scatter_reduce(i[0], 0, i[1], i[2], "amax", **kw)),
    "slice_scatter": lambda rng: ([_array(rng, (4, 3), "float32"), _array(rng, (2, 3), "float32")],
                                  lambda m, i, **kw: m.slice_scatter(i[0], i[1], 0, 0, 4, 2, **kw)),
    "quantile": lambda rng: ([_x(rng, ("float32", "float64"))[0]], lambda m, i, **kw: m.quantile(i[0], 0.3, **kw)),
    "nanquantile": lambda rng: ([_x(rng, ("float64",))[0]], lambda m, i, **kw: m.nanquantile(i[0], 0.7, 0, **kw)),
    "renorm": lambda rng: ([_array(rng, (3, 4), "float32")], lambda m, i, **kw: m.renorm(i[0], 2, 0, 1., **kw)),
    "histc": lambda rng: ([_x(rng, ("float32",))[0]], lambda m, i, **kw: m.histc(i[0], 4, -1, 1, **kw)),
    "unfold_copy": lambda rng: ([_array(rng, (2, 5), "float32")],
                                lambda m, i, **kw: m.unfold_copy(i[0], 1, 2, 1, **kw)),
    "view_as_real_copy": lambda rng: ([_x(rng, ("complex64",))[0]],
                                      lambda m, i, **kw: m.view_as_real_copy(i[0], **kw)),
    "view_as_complex_copy": lambda rng: ([_array(rng, (3, 2), "float32")],
                                         lambda m, i, **kw: m.view_as_complex_copy(i[0], **kw)),
    "as_strided_copy": lambda rng: ([_array(rng, (3, 4), "float32")],
                                    lambda m, i, **kw: m.as_strided_copy(i[0], (2, 2), (1, 2), **kw)),
    "unbind_copy": lambda rng: ([_array(rng, (3, 2), "float32")], lambda m, i, **kw: m.unbind_copy(i[0], **kw)),
    "split_copy": lambda rng: ([_array(rng, (5, 2), "float32")], lambda m, i, **kw: m.split_copy(i[0], 2, **kw)),
    "range": lambda rng: ([], lambda m, i, **kw: m.range(0, 3, 1, **kw)),  # a step of 0.5 into a long out: SIGFPE
    "linalg.cholesky": lambda rng: (lambda a: ([a @ a.T + np.eye(3)], lambda m, i, **kw: m.linalg.cholesky(
        i[0], **kw)))(_array(rng, (3, 3), "float64")),
    "linalg.inv_ex": lambda rng: ([_array(rng, (3, 3), "float64") + 4 * np.eye(3)],
                                  lambda m, i, **kw: m.linalg.inv_ex(i[0], **kw)),
    "linalg.solve_ex": lambda rng: ([_array(rng, (3, 3), "float32") + 4 * np.eye(3, dtype=np.float32),
                                     _array(rng, (3, 2), "float32")],
                                    lambda m, i, **kw: m.linalg.solve_ex(i[0], i[1], **kw)),
    "linalg.solve_triangular": lambda rng: ([np.triu(_array(rng, (3, 3), "float64")) + 4 * np.eye(3),
                                             _array(rng, (3, 2), "float64")],
                                            lambda m, i, **kw: m.linalg.solve_triangular(i[0], i[1], upper=True,
                                                                                         **kw)),
    "linalg.lu_factor": lambda rng: ([_array(rng, (3, 3), "float64")],
                                     lambda m, i, **kw: m.linalg.lu_factor(i[0], **kw)),
    "linalg.eigvals": lambda rng: ([np.diag([1., 2., 3.]) + np.triu(_array(rng, (3, 3), "float64"), 1)],
                                   lambda m, i, **kw: m.linalg.eigvals(i[0], **kw)),
    "linalg.matrix_rank": lambda rng: ([_array(rng, (3, 2), "float32")],
                                       lambda m, i, **kw: m.linalg.matrix_rank(i[0], **kw)),
    "linalg.tensorinv": lambda rng: ([_array(rng, (4, 4), "float64") + 4 * np.eye(4)],
                                     lambda m, i, **kw: m.linalg.tensorinv(i[0], 1, **kw)),
    "linalg.cond": lambda rng: ([_array(rng, (3, 3), "float64") + 4 * np.eye(3)],
                                lambda m, i, **kw: m.linalg.cond(i[0], **kw)),
    "cholesky": lambda rng: (lambda a: ([a @ a.T + np.eye(3)], lambda m, i, **kw: m.cholesky(i[0], **kw)))(
        _array(rng, (3, 3), "float64")),
    "linalg.cholesky_ex": lambda rng: (lambda a: ([a @ a.T + np.eye(3)], lambda m, i, **kw: m.linalg.cholesky_ex(
        i[0], **kw)))(_array(rng, (3, 3), "float32")),
    "cholesky_inverse": lambda rng: ([np.tril(_array(rng, (3, 3), "float64")) + 3 * np.eye(3)],
                                     lambda m, i, **kw: m.cholesky_inverse(i[0], **kw)),
    "cholesky_solve": lambda rng: ([_array(rng, (3, 2), "float64"), np.tril(_array(rng, (3, 3), "float64"))
                                    + 3 * np.eye(3)], lambda m, i, **kw: m.cholesky_solve(i[0], i[1], **kw)),
    "triangular_solve": lambda rng: ([_array(rng, (3, 2), "float64"), np.triu(_array(rng, (3, 3), "float64"))
                                      + 3 * np.eye(3)], lambda m, i, **kw: m.triangular_solve(i[0], i[1], **kw)),
    "slogdet": lambda rng: ([_array(rng, (3, 3), "float64") + 4 * np.eye(3)],
                            lambda m, i, **kw: m.slogdet(i[0], **kw)),
    "linalg.eigh": lambda rng: (lambda a: ([a + a.T], lambda m, i, **kw: m.linalg.eigh(i[0], **kw)))(
        _array(rng, (3, 3), "float64")),
    "linalg.qr": lambda rng: ([_array(rng, (3, 2), "float64")], lambda m, i, **kw: m.linalg.qr(i[0], **kw)),
    "qr": lambda rng: ([_array(rng, (3, 2), "float32")], lambda m, i, **kw: m.qr(i[0], **kw)),
    "linalg.svd": lambda rng: ([_array(rng, (3, 2), "float64")],
                               lambda m, i, **kw: m.linalg.svd(i[0], full_matrices=False, **kw)),
    "svd": lambda rng: ([_array(rng, (3, 2), "float64")], lambda m, i, **kw: m.svd(i[0], **kw)),
    "linalg.eig": lambda rng: ([np.diag([1., 2., 3.]) + np.triu(_array(rng, (3, 3), "float64"), 1)],
                               lambda m, i, **kw: m.linalg.eig(i[0], **kw)),
    "linalg.lstsq": lambda rng: ([_array(rng, (4, 3), "float64"), _array(rng, (4, 2), "float64")],
                                 lambda m, i, **kw: m.linalg.lstsq(i[0], i[1], **kw)),
    "linalg.lu": lambda rng: ([_array(rng, (3, 3), "float64")], lambda m, i, **kw: m.linalg.lu(i[0], **kw)),
    "linalg.lu_factor_ex": lambda rng: ([_array(rng, (3, 3), "float64")],
                                        lambda m, i, **kw: m.linalg.lu_factor_ex(i[0], **kw)),
    "linalg.tensorsolve": lambda rng: ([_array(rng, (4, 4), "float64") + 4 * np.eye(4), _array(rng, (4,), "float64")],
                                       lambda m, i, **kw: m.linalg.tensorsolve(i[0], i[1], **kw)),
    "linalg.householder_product": lambda rng: ([_array(rng, (3, 2), "float64"), _array(rng, (2,), "float64")],
                                               lambda m, i, **kw: m.linalg.householder_product(i[0], i[1], **kw)),
    "orgqr": lambda rng: ([_array(rng, (3, 2), "float64"), _array(rng, (2,), "float64")],
                          lambda m, i, **kw: m.orgqr(i[0], i[1], **kw)),
    "frobenius_norm": lambda rng: ([_array(rng, (3, 4), "float32")],
                                   lambda m, i, **kw: m.frobenius_norm(i[0], (0, 1), **kw)),
    "nuclear_norm": lambda rng: ([_array(rng, (3, 4), "float64")], lambda m, i, **kw: m.nuclear_norm(i[0], **kw)),
    "split_with_sizes_copy": lambda rng: ([_array(rng, (5, 2), "float32")],
                                          lambda m, i, **kw: m.split_with_sizes_copy(i[0], [2, 3], **kw)),
    "index_reduce": lambda rng: ([_array(rng, (3, 4), "float32"), _idx(rng, 3, 2), _array(rng, (2, 4), "float32")],
                                 lambda m, i, **kw: m.index_reduce(i[0], 0, i[1], i[2], "amax", **kw)),
}
for _p in ("chebyshev_polynomial_t chebyshev_polynomial_u chebyshev_polynomial_v chebyshev_polynomial_w "
           "shifted_chebyshev_polynomial_t hermite_polynomial_h hermite_polynomial_he laguerre_polynomial_l "
           "legendre_polynomial_p").split():
    MISC["special." + _p] = (lambda p: lambda rng: (
        [_x(rng, ("float32", "float64"))[0], int(rng.integers(0, 4))],
        lambda m, i, **kw: _fn(m, "special." + p)(*i, **kw)))(_p)


def _misc(rng, name):
    return MISC[name](rng)


GROUPS = [(UNARY, _unary), (BINARY, _binary), (REDUCE, _reduce), (MULTI, _multi), (MATMUL, _matmul), (JOINS, _join),
          (FACTORY, _factory), (TERNARY, _ternary), (LINALG, _linalg), (["frexp"], _frexp),
          (list(MISC), _misc)]
COVERED |= set(MISC)
ELEMENTWISE = set(UNARY + BINARY + TERNARY) - {"tril", "triu", "t_copy", "detach_copy", "alias_copy"}


# ---- tensors, outs -----------------------------------------------------------------------------------------------
def _tensor(m, a):
    if isinstance(a, np.ndarray):
        return torch.from_numpy(a.copy()) if m is torch else tg.tensor(a.copy())
    if isinstance(a, list):
        return [_tensor(m, x) for x in a]
    return a


def _np_dtype(t):
    return NAME_OF[t.dtype] if isinstance(t, torch.Tensor) else str(t.dtype)


def _zeros(m, shape, dtype):
    return torch.zeros(shape, dtype=TORCH_DT[dtype]) if m is torch else tg.zeros(shape, dtype=np.dtype(dtype))


WIDER = {"bool": "int64", "int64": "float32", "float32": "float64", "float64": "complex128", "complex64": "complex128",
         "int32": "int64", "complex128": "complex128"}
NARROWER = {"bool": "bool", "int64": "bool", "float32": "int64", "float64": "float32", "complex64": "float32",
            "int32": "bool", "complex128": "float64"}
OUT_KINDS = ["same", "same", "wider", "narrower", "resize", "reshaped", "empty", "transposed", "sliced", "alias",
             "overlap", "out_grad", "scalar"]


def _make_out(kind, shape, dtype, rng_val):
    """(torch out, teenygrad out, torch base or None, teenygrad base or None) for one result of shape / dtype."""
    pairs = []
    for m in (torch, tg):
        if kind in ("same", "out_grad"):
            o, base = _zeros(m, shape, dtype), None
        elif kind == "wider":
            o, base = _zeros(m, shape, WIDER[dtype]), None
        elif kind == "narrower":
            o, base = _zeros(m, shape, NARROWER[dtype]), None
        elif kind == "resize":
            o, base = _zeros(m, (int(np.prod(shape)) + 2,), dtype), None
        elif kind == "reshaped":  # as many elements, another shape
            o, base = _zeros(m, (int(np.prod(shape)), 1), dtype), None
        elif kind == "empty":
            o, base = _zeros(m, (0,), dtype), None
        elif kind == "transposed" and len(shape) >= 2:
            base = _zeros(m, tuple(reversed(shape)), dtype)
            o = base.permute(*reversed(range(len(shape))))
        elif kind in ("transposed", "sliced"):
            big = tuple(d * 2 for d in shape) if shape else (3,)
            base = _zeros(m, big, dtype)
            o = base[tuple(slice(None, None, 2) for _ in shape)] if shape else base[1]
        else:
            raise AssertionError(kind)
        if kind == "out_grad" and dtype in ("float32", "float64", "complex64"):
            o.requires_grad_()
        pairs.append((o, base))
    if rng_val < 0.5 and pairs[0][0].numel():  # out starts with values, not zeros
        for o, _ in pairs:
            with (torch.no_grad() if isinstance(o, torch.Tensor) else tg.no_grad()):
                o.fill_(1)
    return pairs[0][0], pairs[1][0], pairs[0][1], pairs[1][1]


# ---- one call ----------------------------------------------------------------------------------------------------
def _attempt(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            return fn(), None, [str(x.message) for x in w]
        except Exception as e:  # noqa: BLE001  (the type is what is compared)
            return None, e, [str(x.message) for x in w]


def _values(t):
    t = t.detach() if isinstance(t, torch.Tensor) else t.detach()
    return np.asarray(t.numpy() if isinstance(t, torch.Tensor) else t.numpy())


def _same(a, b, tol):
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return np.allclose(b.astype(np.complex128), a.astype(np.complex128), rtol=tol, atol=tol, equal_nan=True)
    return np.array_equal(a, b)


class Fuzz:
    def __init__(self, seed, calls):
        self.rng = np.random.default_rng(seed)
        self.calls = calls
        self.stats = collections.Counter()
        self.mismatches = []
        self.wording = collections.Counter()
        self.base_skips = collections.Counter()
        self.outcomes = []

    def bad(self, what, name, kind, detail, et=None, eg=None):
        why = _known(name, what, et, eg, self.described)
        if why:
            self.stats["known: " + why] += 1
        else:
            self.mismatches.append(f"{name} [{kind}] {what}: {detail} | inputs {self.described}")

    def run(self):
        names = [(n, gen) for group, gen in GROUPS for n in group]
        for _ in range(self.calls):
            name, gen = names[self.rng.integers(len(names))]
            self.one(name, gen)

    def one(self, name, gen, kind=None, grad=None):
        rng = self.rng
        ins, call = gen(rng, name)
        ins_t, ins_g = _tensor(torch, ins), _tensor(tg, ins)
        self.described = [(a.shape, str(a.dtype)) if isinstance(a, np.ndarray) else a for a in ins]
        rt, et, _ = _attempt(lambda: call(torch, ins_t))
        if et is not None:
            self.stats["torch refuses the arguments"] += 1
            return
        rg, eg, _ = _attempt(lambda: call(tg, ins_g))
        tup = isinstance(rt, tuple)
        if eg is not None or isinstance(rg, tuple) != tup or (not tup and not _base_agrees(name, rt, rg)) or \
                (tup and not all(_base_agrees(name, a, b) for a, b in zip(rt, rg))):
            self.base_skips[name] = self.base_skips[name] + 1  # differs without out=: the op's own tests
            return
        results = list(rt) if tup else [rt]
        kind = kind or OUT_KINDS[rng.integers(len(OUT_KINDS))]
        if tup and rng.random() < 0.25:
            kind = "scalar"  # the tuple's own refusals: wrong length, a non-tensor, a tensor, a wrong index dtype
        if name in FACTORY_ONLY_KINDS and kind in ("alias", "overlap", "scalar"):
            kind = "same"
        grad = grad or rng.choice(["off", "off", "input", "input_no_grad"])
        first = ins[0] if ins and isinstance(ins[0], np.ndarray) else None
        if kind in ("alias", "overlap") and (tup or first is None or first.shape != tuple(rt.shape) or
                                            _np_dtype(rt) != str(first.dtype) or (kind == "overlap" and
                                                                                 first.shape[:1] in ((), (0,), (1,)))):
            kind = "same"
        bases = (None, None)
        if kind == "alias":
            ot, og = ins_t[0], ins_g[0]
        elif kind == "overlap":  # the input is base[:-1], out is base[1:]
            big = np.concatenate([first, first[:1]])
            bt, bg = _tensor(torch, big), _tensor(tg, big)
            ins_t, ins_g = [bt[:-1], *ins_t[1:]], [bg[:-1], *ins_g[1:]]
            ot, og, bases = bt[1:], bg[1:], (bt, bg)
        elif kind == "scalar":  # not a tensor, or for tuples the wrong length / a non-tensor element
            if tup:
                sub = rng.choice(["short", "long", "element", "tensor", "dtype"])
                kind = "tuple_" + sub
                outs = [_make_out("empty", tuple(r.shape), _np_dtype(r), 1.0) for r in results]
                ot, og = [o[0] for o in outs], [o[1] for o in outs]
                if sub == "short":
                    ot, og = ot[:1], og[:1]
                elif sub == "long":
                    ot, og = ot + [torch.empty(0)], og + [tg.empty(0)]
                elif sub == "element":
                    ot[-1], og[-1] = 3, 3
                elif sub == "tensor":
                    ot, og = ot[0], og[0]
                else:  # indices in int32 / values in the wrong dtype
                    ot[-1], og[-1] = torch.empty(0, dtype=torch.int32), tg.empty(0, dtype=tg.int32)
                ot, og = (tuple(ot), tuple(og)) if isinstance(ot, list) else (ot, og)
            else:
                ot, og = 3.0, 3.0
        else:
            outs = [_make_out(kind, tuple(r.shape), _np_dtype(r), rng.random()) for r in results]
            ot = tuple(o[0] for o in outs) if tup else outs[0][0]
            og = tuple(o[1] for o in outs) if tup else outs[0][1]
            bases = (outs[0][2], outs[0][3])
        if grad != "off":
            for a, b in zip(ins_t, ins_g):
                if isinstance(a, torch.Tensor) and (a.is_floating_point() or a.is_complex()):
                    a.requires_grad_(), b.requires_grad_()
        peek_t = ot[...] if isinstance(ot, torch.Tensor) and kind in ("same", "transposed", "sliced", "wider") else None
        peek_g = og[...] if peek_t is not None else None
        ctx = (torch.no_grad(), tg.no_grad()) if grad == "input_no_grad" else (_Null(), _Null())
        with ctx[0]:
            rt2, et2, wt = _attempt(lambda: call(torch, ins_t, out=ot))
        with ctx[1]:
            rg2, eg2, wg = _attempt(lambda: call(tg, ins_g, out=og))
        if kind == "scalar" and not isinstance(et2, TypeError):  # torch.mul(x, y, out=3.0): a 0-d out
            self.stats["torch takes a number as out"] += 1
            return
        self.stats[f"kind {kind}"] += 1
        self.outcomes.append((name, kind, grad, et2, eg2, wt, wg))
        self.stats["raised" if et2 is not None else "ran"] += 1
        if (et2 is None) != (eg2 is None):
            self.bad("raises", name, kind, f"torch {et2!r} teenygrad {eg2!r} (grad {grad})", et2, eg2)
            return
        if et2 is not None:
            if type(et2) is not type(eg2):
                self.bad("error type", name, kind, f"torch {et2!r} teenygrad {eg2!r}", et2, eg2)
            else:
                same = str(et2).split(" (Triggered")[0] in str(eg2)
                self.wording["same" if same else "differs"] += 1
                if not same:
                    self.wording_examples.setdefault(name, (str(et2)[:120], str(eg2)[:120]))
            return
        rw = lambda w: any("was resized" in x for x in w)  # noqa: E731
        if rw(wt) != rw(wg):
            self.bad("resize warning", name, kind, f"torch {wt} teenygrad {wg}")
        if name in ("split_copy", "split_with_sizes_copy", "unbind_copy"):
            return
        ots, ogs = (ot, og) if tup else ((ot,), (og,))
        rts, rgs = (rt2, rg2) if tup else ((rt2,), (rg2,))
        if not all(a is b for a, b in zip(rgs, ogs)) or len(rgs) != len(ogs):
            self.bad("returned is not out", name, kind, "")
        tol = 1e-4 if any(_np_dtype(o) in ("float32", "complex64") for o in (*ots, *results)) else 1e-7
        tol = 2e-3 if name.startswith("linalg.") or name in ("inverse", "logspace") else tol
        alias_garbage = kind in ("alias", "overlap") and name not in ELEMENTWISE  # torch reads what it wrote
        for a, b in zip(ots, ogs):
            if tuple(a.shape) != tuple(b.shape) or _np_dtype(a) != _np_dtype(b):
                self.bad("out shape/dtype", name, kind,
                         f"torch {tuple(a.shape)} {a.dtype} teenygrad {b.shape} {b.dtype}")
            elif name not in RANDOM_VALUES and not alias_garbage and not _same(_values(a), _values(b), tol):
                self.bad("out values", name, kind, f"torch {_values(a)} teenygrad {_values(b)}")
            if a.requires_grad != b.requires_grad:
                self.bad("out requires_grad", name, kind, f"torch {a.requires_grad} teenygrad {b.requires_grad}")
        if peek_t is not None and tuple(ot.shape) == tuple(peek_t.shape) and name not in RANDOM_VALUES:
            if not _same(_values(peek_g), _values(og), 0):
                self.bad("a view of out misses the write", name, kind, "")
        if bases[0] is not None and name not in RANDOM_VALUES and not alias_garbage:
            if not _same(_values(bases[0]), _values(bases[1]), tol):
                self.bad("base of the view-out", name, kind, f"torch {_values(bases[0])} teenygrad {_values(bases[1])}")

    wording_examples = {}


FACTORY_ONLY_KINDS = set(FACTORY)


def _known(name, what, et, eg, described):
    """Differences that out_arg.py does not own (each in the report of this file's landing), or None."""
    dtypes = {d[1] for d in described if isinstance(d, tuple)}
    if name == "detach_copy" and what == "out requires_grad":
        return "detach_copy: torch's out takes a NotImplemented grad_fn from an input that requires grad"
    if isinstance(et, NotImplementedError) and eg is None or isinstance(et, NotImplementedError) and \
            name == "nanmean":
        return "torch has no kernel for the dtype (nansum/std into complex, cumsum/cumprod into bool, ...)"
    if et is not None and "INTERNAL ASSERT" in str(et):
        return "torch's internal assert (ldexp into a narrower out)"
    if name in ("mean", "logsumexp", "special.logsumexp") and et is None and "complex64" in dtypes:
        return "torch writes a complex mean/logsumexp into a real out (drops the imaginary part)"
    if name == "addbmm" and et is None and any(d[0][:1] == (0,) for d in described[1:]):
        return "torch's addbmm over an empty batch casts self into out"
    if name in ("rand", "randn") and isinstance(eg, NotImplementedError) and et is None:
        return "teenygrad's rand/randn refuse an integer dtype even for zero elements (torch runs no kernel)"
    if name == "narrow_copy" and what in ("out values", "base of the view-out"):
        return "torch's narrow_copy writes a strided out as if it were contiguous"
    if name == "matmul" and eg is None and "must match the size" in str(et):
        return "torch's matmul into a permuted out with an empty dim raises a size error"
    return None


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def _base_agrees(name, t, g):
    if not isinstance(g, tg.Tensor) or tuple(t.shape) != tuple(g.shape) or _np_dtype(t) != _np_dtype(g):
        return False
    if name in RANDOM_VALUES or name in ("linalg.eigvalsh", "linalg.lstsq"):
        return True
    tol = 2e-3 if name.startswith("linalg.") or name in ("inverse", "logspace") else 1e-4
    return _same(_values(t), _values(g), tol)


def test_fuzz_out_against_torch():
    f = Fuzz(SEED, CALLS)
    f.run()
    print(dict(f.stats), "wording", dict(f.wording), "base skips", dict(f.base_skips))
    assert f.stats["ran"] > CALLS // 3 and f.stats["raised"] > CALLS // 10 and f.wording["same"] > f.wording["differs"]
    assert not f.mismatches, "\n".join(sorted(set(f.mismatches))[:40])


def test_fuzz_covers_the_names():
    """What the fuzzer reaches of the names that take out= (the rest need arguments it does not make)."""
    listed = OUT_NAMES | {"linalg." + n for n in LINALG_OUT} | {"special." + n for n in SPECIAL_OUT}
    assert COVERED <= listed, COVERED - listed
    assert len(COVERED) > 330


# ---- what the fuzzer found, kept as explicit cases: each once failed ----------------------------------------------
def _outcome(m, call):
    """(error type or None, out's values, out's requires_grad, whether a resize warning came) of call(m, out)."""
    t = np.random.default_rng(5).standard_normal((3, 3)).astype(np.float32)
    x = torch.tensor(t) if m is torch else tg.tensor(t)
    o = {"out": None}
    r, e, w = _attempt(lambda: call(m, x, o))
    out = o["out"]
    vals = None if e is not None or out is None else _values(out)
    return type(e).__name__ if e else None, vals, None if out is None else out.requires_grad, \
        any("resized" in s for s in w), w


def _set(o, v):
    o["out"] = v
    return v


REGRESSIONS = {
    # torch's argument parser refuses a number as out before autograd looks at the inputs
    "number_out_with_grad": lambda m, x, o: m.tanh(x.requires_grad_(), out=3.0),
    # non-differentiable ops and a few composites take out= from an input that requires grad
    "eq_grad_input": lambda m, x, o: m.eq(x.requires_grad_(), 0, out=_set(o, m.zeros(3, 3, dtype=m.bool))),
    "argmax_grad_input": lambda m, x, o: m.argmax(x.requires_grad_(), 1, out=_set(o, m.zeros(3, dtype=m.int64))),
    "softmax_grad_input": lambda m, x, o: m.softmax(x.requires_grad_(), 1, out=_set(o, m.zeros(3, 3))),
    "softmax_grad_out": lambda m, x, o: m.softmax(x, 1, out=_set(o, m.zeros(3, 3).requires_grad_())),
    "bessel_j0_grad_out": lambda m, x, o: m.special.bessel_j0(x, out=_set(o, m.zeros(3, 3).requires_grad_())),
    # partial overlap: refused by elementwise ops and cat, not by reductions, mm, softmax, tril
    "mm_overlap": lambda m, x, o: m.mm(x[:2], x[:, :2], out=_set(o, x[1:, :2])),
    "softmax_overlap": lambda m, x, o: m.softmax(x[:2], 1, out=_set(o, x[1:])),
    "tril_overlap": lambda m, x, o: m.tril(x[:2], out=_set(o, x[1:])),
    "sum_overlap": lambda m, x, o: m.sum(x[:2, :1], 1, keepdim=True, out=_set(o, x[1:, :1])),
    "addmm_mat_overlap": lambda m, x, o: m.addmm(m.ones(2, 3), x[:2], x, out=_set(o, x[1:])),
    "addmm_self_overlap": lambda m, x, o: m.addmm(x[:2], x[:2], x, out=_set(o, x[1:])),
    "add_overlap": lambda m, x, o: m.add(x[:2], 1, out=_set(o, x[1:])),
    "cat_into_its_input": lambda m, x, o: m.cat([x], out=_set(o, x)),
    "cat_into_empty_input": lambda m, x, o: m.cat([m.zeros(0, 3), x], out=_set(o, m.zeros(0, 3))),
    # resize: factories silently (arange with its own words), addbmm silently
    "kthvalue_into_kept_shape": lambda m, x, o: m.kthvalue(x, 2, 1, out=(_set(o, m.zeros(3, 1)),
                                                                          m.zeros(3, 1, dtype=m.int64))),
    "kthvalue_into_other_shape": lambda m, x, o: m.kthvalue(x, 2, 0, out=(_set(o, m.zeros(3, 1)),
                                                                           m.zeros(3, 1, dtype=m.int64))),
    "matrix_power_0_grad_input": lambda m, x, o: m.matrix_power(x.requires_grad_(), 0, out=_set(o, m.zeros(3, 3))),
    "matrix_power_1_overlap": lambda m, x, o: m.matrix_power(x[:2, :2], 1, out=_set(o, x[1:, 1:])),
    "matrix_power_2_overlap": lambda m, x, o: m.matrix_power(x[:2, :2], 2, out=_set(o, x[1:, 1:])),
    "special_polynomial_grad_out": lambda m, x, o: m.special.hermite_polynomial_h(
        x, 2, out=_set(o, m.zeros(3, 3).requires_grad_())),
    "view_copy_grad_input": lambda m, x, o: m.view_copy(x.requires_grad_(), (9,), out=_set(o, m.zeros(9))),
    "index_select_into_its_input": lambda m, x, o: m.index_select(x, 0, m.tensor([2, 1, 0]), out=_set(o, x)),
    "threshold_into_double": lambda m, x, o: m.threshold(x, 0.1, 2., out=_set(o, m.zeros(3, 3, dtype=m.float64))),
    "narrow_copy_resize": lambda m, x, o: m.narrow_copy(x, 0, 0, 2, out=_set(o, m.zeros(4))),
    "split_copy_into_wider_outs": lambda m, x, o: m.split_copy(x, 2, out=(_set(o, m.zeros(2, 3, dtype=m.float64)),
                                                                           m.zeros(2, 3))),
    "split_copy_into_grad_outs": lambda m, x, o: m.split_copy(x.requires_grad_(), 2, out=(
        _set(o, m.zeros(2, 3).requires_grad_()), m.zeros(1, 3))),
    "histc_grad_input": lambda m, x, o: m.histc(x.requires_grad_(), 4, -1, 1, out=_set(o, m.zeros(4))),
    "quantile_grad_input": lambda m, x, o: m.quantile(x.requires_grad_(), 0.5, 0, out=_set(o, m.zeros(3))),
    "zeros_resize": lambda m, x, o: m.zeros(3, out=_set(o, m.zeros(5))),
    "arange_resize": lambda m, x, o: m.arange(3, out=_set(o, m.zeros(5))),
    "arange_same_numel": lambda m, x, o: m.arange(3, out=_set(o, m.zeros(3, 1))),
    "linspace_same_numel": lambda m, x, o: m.linspace(0, 1, 4, out=_set(o, m.zeros(2, 2).t())),
    "zeros_same_numel": lambda m, x, o: m.zeros(4, out=_set(o, m.zeros(2, 2))),
    "addbmm_resize": lambda m, x, o: m.addbmm(x, x[None], x[None], out=_set(o, m.zeros(4))),
    # dtypes: lerp and addr cast as TensorIterator does, bitwise_not wants its input's dtype, |z| casts its real
    "lerp_into_double": lambda m, x, o: m.lerp(x, x * 2, 0.3, out=_set(o, m.zeros(3, 3, dtype=m.float64))),
    "addr_into_double": lambda m, x, o: m.addr(x, x[0], x[1], out=_set(o, m.zeros(3, 3, dtype=m.float64))),
    "bitwise_not_into_long": lambda m, x, o: m.bitwise_not(x > 0, out=_set(o, m.zeros(3, 3, dtype=m.int64))),
    "abs_complex_into_double": lambda m, x, o: m.abs(m.complex(x, x), out=_set(o, m.zeros(3, 3, dtype=m.float64))),
    "abs_complex_into_cdouble": lambda m, x, o: m.abs(m.complex(x, x),
                                                      out=_set(o, m.zeros(3, 3, dtype=m.complex128))),
    "abs_complex_into_long": lambda m, x, o: m.abs(m.complex(x, x), out=_set(o, m.zeros(3, 3, dtype=m.int64))),
    # factories set out's requires_grad from their own requires_grad=; empty / randn cannot resize it at all
    "ones_no_grad_out": lambda m, x, o: _no_grad(m, lambda: m.ones(3, out=_set(o, m.zeros(3).requires_grad_()))),
    "randn_no_grad_out": lambda m, x, o: _no_grad(m, lambda: m.randn(3, out=_set(o, m.zeros(3).requires_grad_()))),
}


def _no_grad(m, f):
    with m.no_grad():
        return f()


@pytest.mark.parametrize("case", sorted(REGRESSIONS))
def test_found_by_the_fuzzer(case):
    et, vt, gt, rt, wt = _outcome(torch, REGRESSIONS[case])
    eg, vg, gg, rg, wg = _outcome(tg, REGRESSIONS[case])
    assert eg == et, (et, eg)
    assert (gt, rt) == (gg, rg), ((gt, rt, wt), (gg, rg, wg))
    if vt is not None and "randn" not in case and "overlap" not in case:  # torch reads what it wrote there
        assert vg is not None and _same(vt, vg, 1e-5), (vt, vg)
    if case == "arange_resize":
        assert [s.split(" (Triggered")[0] for s in wt] == wg
