"""Differential checks of dtype promotion and tensor creation against torch: binary ops over every pair of dtypes
(tensor, 0-d tensor and Python number operands), the errors torch raises for the pairs it refuses, unary ops on
integer and bool inputs, and the factory functions' dtypes, with the default dtype changed too."""
import itertools

import numpy as np
import pytest
import torch

import teenygrad as tg

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "complex64",
          "complex128"]
rng = np.random.default_rng(14)


def _sample(name, shape, nonzero=False):
    if name == "bool":
        a = rng.random(shape) > 0.5
    elif name[0] in "iu":
        a = rng.integers(0 if name == "uint8" else -5, 8, size=shape).astype(name)
    elif name.startswith("complex"):
        a = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(name)
    else:
        a = (rng.standard_normal(shape) * 3).astype(name)
    a = np.asarray(a)
    if nonzero and name != "bool":
        a[a == 0] = 1
    return a


def _both(x):
    """x for torch and for teenygrad: arrays become tensors (a copy each), numbers stay numbers."""
    return (torch.from_numpy(x.copy()), tg.tensor(x)) if isinstance(x, np.ndarray) else (x, x)


def _run(fn, m, *args):
    try:
        return fn(m, *args), None
    except Exception as e:  # noqa: BLE001  (the exception type is what we compare)
        return None, e


def _compare(fn, *operands):
    """fn(torch, ...) against fn(tg, ...): the same exception type, or the same dtype, shape and values."""
    pairs = [_both(o) for o in operands]
    targs, gargs = [p[0] for p in pairs], [p[1] for p in pairs]
    t, te = _run(fn, torch, *targs)
    g, ge = _run(fn, tg, *gargs)
    what = f"operands {[getattr(o, 'dtype', o) for o in operands]}"
    if te is not None:
        assert ge is not None, f"{what}: torch raises {type(te).__name__} ({te}), teenygrad returns {g.dtype}"
        assert type(ge) is type(te), f"{what}: torch raises {type(te).__name__}, teenygrad {type(ge).__name__}: {ge}"
        return
    assert ge is None, f"{what}: teenygrad raises {type(ge).__name__}: {ge}"
    assert str(t.dtype).replace("torch.", "") == g.dtype.name, f"{what}: dtype {t.dtype} vs {g.dtype}"
    tv, gv = t.numpy(), g.numpy()
    assert tv.shape == gv.shape
    if tv.dtype.kind in "biu":
        np.testing.assert_array_equal(gv, tv, err_msg=what)
    else:
        rtol = 1e-2 if tv.dtype == np.float16 else 1e-5
        np.testing.assert_allclose(gv.astype(complex), tv.astype(complex), rtol=rtol, atol=1e-5, err_msg=what)


BINARY = {  # name: (fn, needs a nonzero right operand)
    "add": (lambda m, a, b: a + b, False), "sub": (lambda m, a, b: a - b, False), "mul": (lambda m, a, b: a * b, False),
    "truediv": (lambda m, a, b: a / b, False), "floordiv": (lambda m, a, b: a // b, True),
    "mod": (lambda m, a, b: a % b, True), "pow": (lambda m, a, b: a ** b, False),
    "and": (lambda m, a, b: a & b, False), "or": (lambda m, a, b: a | b, False),
    "xor": (lambda m, a, b: a ^ b, False), "lshift": (lambda m, a, b: a << b, False),
    "rshift": (lambda m, a, b: a >> b, False), "eq": (lambda m, a, b: a == b, False),
    "lt": (lambda m, a, b: a < b, False),
    "ge": (lambda m, a, b: a >= b, False), "maximum": (lambda m, a, b: m.maximum(a, b), False),
    "atan2": (lambda m, a, b: m.atan2(a, b), False), "fmod": (lambda m, a, b: m.fmod(a, b), True),
    "remainder": (lambda m, a, b: m.remainder(a, b), True),
    "div_trunc": (lambda m, a, b: m.div(a, b, rounding_mode="trunc"), True),
    "logical_and": (lambda m, a, b: m.logical_and(a, b), False),
    "logical_xor": (lambda m, a, b: m.logical_xor(a, b), False),
    "where": (lambda m, a, b: m.where(m.tensor([True, False, True]), a, b), False),
}
# torch promotes float16 with a complex number to complex32, which numpy (and so teenygrad) has no type for
_NO_COMPLEX32 = [(a, b) for a, b in itertools.product(DTYPES, DTYPES)
                 if not ({a, b} & {"float16"} and {a, b} & {"complex64", "complex128"})]


@pytest.mark.parametrize("op", list(BINARY))
def test_binary_tensor_pairs(op):
    fn, nonzero = BINARY[op]
    for a, b in _NO_COMPLEX32:
        _compare(fn, _sample(a, (3,)), _sample(b, (3,), nonzero))
        _compare(fn, _sample(a, (3,)), _sample(b, (), nonzero))  # a 0-d tensor of a higher category only
        _compare(fn, _sample(a, ()), _sample(b, (), nonzero))


# torch.maximum and torch.atan2 refuse a number (TypeError) where teenygrad takes it: tensor_ops' business
@pytest.mark.parametrize("op", [op for op in BINARY if op not in ("maximum", "atan2")])
def test_binary_python_numbers(op):
    fn, nonzero = BINARY[op]
    for a in DTYPES:
        for s in (True, 3, -2, 2.5, 1 + 2j):
            if a == "float16" and isinstance(s, complex):
                continue  # complex32, as above
            _compare(fn, _sample(a, (3,)), s)
            if op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "eq", "lt"):
                _compare(fn, s, _sample(a, (3,), True))  # reflected operators


def test_complex_refusals():
    """torch refuses to order or floor complex numbers, also where only the other operand is complex; the logical
    ops take tensors only."""
    x = tg.tensor([1, 2])
    for fn in (lambda: x < 1j, lambda: 1j >= x, lambda: x // 1j, lambda: x % tg.tensor([1j, 1j]),
               lambda: tg.fmod(x, 1j), lambda: tg.tensor([1.5]).div(2j, rounding_mode="floor")):
        with pytest.raises(NotImplementedError):
            fn()
    with pytest.raises(TypeError, match="logical_and"):
        tg.tensor([True]).logical_and(True)


def test_integer_overflow_and_division_by_zero():
    checks = [lambda m: m.tensor([250, 3], dtype=m.uint8) + 300, lambda m: 5 - m.tensor([250, 3], dtype=m.uint8),
              lambda m: m.tensor([100, 3], dtype=m.int8) * m.tensor(1000),
              lambda m: m.tensor([1, 2], dtype=m.uint8) / m.tensor(-3, dtype=m.int8),
              lambda m: m.tensor([2, 3], dtype=m.uint8) ** m.tensor(9), lambda m: m.tensor([1, 2], dtype=m.uint8) << 9,
              lambda m: m.tensor([2 ** 62, 3]) * 4, lambda m: m.tensor([5, 3]) // m.tensor([0, 1]),
              lambda m: m.tensor([5, 3], dtype=m.uint8) % 0, lambda m: m.tensor([5, 3]) / 0,
              lambda m: m.tensor([-5, 3]) % 0.0, lambda m: m.tensor([-7, 7]) % -2]
    for fn in checks:
        _compare(fn)


def test_inplace_casts():
    checks = [lambda m: m.tensor([1, 2]).__iadd__(1.5), lambda m: m.tensor([1, 2]).__itruediv__(2),
              lambda m: m.tensor([1, 2]).__iadd__(m.tensor([1.5, 1])), lambda m: m.tensor([True]).__iadd__(1),
              lambda m: m.tensor([1., 2]).__iadd__(1j),
              lambda m: m.tensor([1, 2], dtype=m.int8).__iadd__(m.tensor(300)),
              lambda m: m.tensor([1, 2], dtype=m.uint8).__isub__(5), lambda m: m.tensor([1, 2], dtype=m.int8) ** 2.0,
              lambda m: m.tensor([1., 2], dtype=m.float16).__imul__(m.tensor([3], dtype=m.float64)),
              lambda m: m.tensor([1, 2], dtype=m.int8).__ifloordiv__(0)]
    for fn in checks:
        _compare(fn)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int16", "int64"])
def test_unary_on_integers(dtype):
    x = _sample(dtype, (2, 3))
    for name in ("sqrt", "exp", "sin", "abs", "neg", "sign", "floor", "round", "reciprocal", "sigmoid", "mean", "sum",
                 "prod", "std", "square", "ceil", "trunc"):
        _compare(lambda m, t: getattr(t, name)(), x)
    for name in ("sum", "prod", "cumsum", "cumprod", "softmax"):
        _compare(lambda m, t: getattr(t, name)(1), x)
    _compare(lambda m, t: t.sum(dtype=m.int16), x)


DATA = [True, 3, 2.5, 1 + 2j, [True, False], [1, 2], [1, 2.5], [True, 2], [1, 2j], [[1, 2], [3, 4.0]], [],
        [np.float16(1), 2], [np.int8(1), 2], np.float64(2.0), np.int32(3), np.bool_(True), np.complex64(1j),
        [2 ** 40], (1, 2)]


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_creation_dtypes(default):
    tg.set_default_dtype(getattr(tg, default))
    torch.set_default_dtype(getattr(torch, default))
    try:
        for d in DATA:
            _compare(lambda m: m.tensor(d))
            _compare(lambda m: m.tensor(d, dtype=m.complex64))
        for name in DTYPES:
            a = np.arange(-2, 4).astype(name)
            _compare(lambda m: m.tensor(a))
            _compare(lambda m: m.tensor(a[3]))
        for args in [(5,), (0., 5), (0, 5, 2), (0, 5, 1.5), (1, 2.5), (np.float32(0), 3), (-2.5, 3, 2.5)]:
            _compare(lambda m: m.arange(*args))
            for d in ("int16", "int32", "int64", "float16", "bool"):
                _compare(lambda m: m.arange(*args, dtype=getattr(m, d)))
        _compare(lambda m: m.arange(0, 5, 0.5, dtype=m.int16))  # step truncated to 0: zeros (int64 raises)
        for fn, args in itertools.product(["linspace", "logspace"], [(0, 1, 5), (0, 10, 5), (1 + 1j, 2, 3)]):
            _compare(lambda m: getattr(m, fn)(*args))
            for d in ("int64", "float64", "complex64"):
                _compare(lambda m: getattr(m, fn)(*args, dtype=getattr(m, d)))
        for v in (3, True, 2.5, 1j, np.int8(2), 2 ** 40):
            _compare(lambda m: m.full((2,), v))
            _compare(lambda m: m.full_like(m.zeros(2, dtype=m.int8), v))
            for d in ("float32", "int32", "bool", "complex128"):
                _compare(lambda m: m.full((2,), v, dtype=getattr(m, d)))
        for d in DTYPES:
            _compare(lambda m: m.zeros(2, 3, dtype=getattr(m, d)))
            for fn in ("rand", "randn", "empty"):  # dtypes and refusals only: the values differ
                _compare(lambda m: getattr(m, fn)(2, 3, dtype=getattr(m, d)).zero_())
        _compare(lambda m: m.eye(3))
        _compare(lambda m: m.rand(2).zero_())
        _compare(lambda m: m.tensor([1, 2]) / m.tensor([2, 2]))
        _compare(lambda m: m.tensor([1, 2]) + 1j)
    finally:
        tg.set_default_dtype(tg.float32)
        torch.set_default_dtype(torch.float32)
    assert tg.ones(1).dtype == tg.float32


def test_random_integer_dtypes():
    for low, high, d in [(0, 2, "bool"), (0, 5, "bool"), (0, 300, "uint8"), (-1, 3, "uint8"), (-128, 128, "int8")]:
        _compare(lambda m: m.randint(low, high, (50,), dtype=getattr(m, d)).zero_())
    _compare(lambda m: m.randperm(4, dtype=m.bool))
    x = tg.randn(20000, dtype=tg.complex64)
    assert x.dtype == tg.complex64 and abs(float((x.abs() ** 2).mean()) - 1) < 0.05  # unit variance, as torch
    u = tg.rand(1000, dtype=tg.complex128).numpy()
    assert (u.real >= 0).all() and (u.real < 1).all() and (u.imag >= 0).all() and (u.imag < 1).all()


def test_inplace_xor_writes_in_place_and_bool_subtraction_is_refused():
    # a ^= b had no __ixor__: Python rebound a to a new int64 tensor, the alias kept the old values; a -= bool
    # took the fast in-place path past torch's refusal
    for lib in (torch, tg):
        a = lib.tensor([1, 2, 3], dtype=lib.int8)
        alias = a
        a ^= lib.tensor([1, 1, 1])
        assert a is alias and a.dtype == lib.int8 and alias.tolist() == [0, 3, 2]
        with pytest.raises(RuntimeError, match="(?i)subtraction, the `-` operator, with a bool tensor"):
            x = lib.tensor([1, 2])
            x -= lib.tensor([True, False])
        with pytest.raises(RuntimeError, match="(?i)subtraction, the `-` operator, with a bool tensor"):
            y = lib.tensor([True])
            y -= 1
        with pytest.raises(RuntimeError, match="(?i)subtraction, the `-` operator, with a bool tensor"):
            z = lib.ones(3)
            z -= True
