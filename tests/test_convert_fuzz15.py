"""Tensor creation, conversion, numpy interop and printing checked against torch (the oracle): dtypes, shapes,
values, memory sharing, error types, and repr strings."""
import random
import re
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.creation import asarray as tg_asarray

LIBS = [("torch", torch), ("tg", tg)]


def AS(m):
    """torch.asarray, or teenygrad's (creation.asarray, until teenygrad/__init__ exports it)"""
    return getattr(m, "asarray", tg_asarray)


def _outcome(fn, lib):
    """What fn(lib) gives, comparable across libraries: (dtype name, shape, values) or ('error', type name)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn(lib)
    except Exception as e:  # noqa: BLE001 - the error's type is what's compared
        return ("error", type(e).__name__)
    if isinstance(r, (torch.Tensor, tg.Tensor)):
        return (str(r.dtype).split(".")[-1], tuple(r.shape), r.tolist())
    return r


def _same(fn):
    want, got = _outcome(fn, torch), _outcome(fn, tg)
    assert got == want, f"torch {want} vs teenygrad {got}"


def _repr(lib, t):
    # 'teenygrad.' is 4 characters longer than 'torch.': a suffix may move to the next line
    return re.sub(r",\s+(dtype|grad_fn|requires_grad|size)=", r", \1=", repr(t).replace("teenygrad.", "torch."))


# ---- sharing and copying ------------------------------------------------------------------------------------
def _shares(make):
    a = np.arange(4, dtype=np.float32)
    t = make(a)
    a[0] = 100.0
    return float(t.reshape(-1)[0]) == 100.0


@pytest.mark.parametrize("name,make", [
    ("as_tensor same dtype", lambda m, a: m.as_tensor(a, dtype=m.float32)),
    ("as_tensor", lambda m, a: m.as_tensor(a)),
    ("as_tensor other dtype", lambda m, a: m.as_tensor(a, dtype=m.float64)),
    ("from_numpy", lambda m, a: m.from_numpy(a)),
    ("tensor", lambda m, a: m.tensor(a)),
    ("tensor same dtype", lambda m, a: m.tensor(a, dtype=m.float32)),
    ("asarray", lambda m, a: AS(m)(a)),
    ("asarray same dtype", lambda m, a: AS(m)(a, dtype=m.float32)),
    ("asarray copy", lambda m, a: AS(m)(a, copy=True)),
    ("asarray other dtype", lambda m, a: AS(m)(a, dtype=m.float64)),
])
def test_numpy_memory_sharing_as_torch(name, make):
    assert _shares(lambda a: make(tg, a)) == _shares(lambda a: make(torch, a))


def test_as_tensor_of_tensor_with_its_dtype_is_the_tensor():
    t = tg.ones(3)
    assert tg.as_tensor(t, dtype=tg.float32) is t
    assert tg.as_tensor(t, dtype=tg.float64).dtype == tg.float64


def test_array_protocol_copy_semantics():
    for lib in (torch, tg):
        t = lib.ones(2)
        b = np.array(t)  # numpy asks __array__ for a copy
        b[0] = 5
        assert t[0].item() == 1.0, lib.__name__
        c = np.asarray(t)  # ... and here for the memory itself
        c[0] = 7
        assert t[0].item() == 7.0, lib.__name__
    assert np.array(tg.ones(2), dtype=np.float64).dtype == np.float64


# ---- torch.asarray ------------------------------------------------------------------------------------------
ASARRAY_CASES = {
    "np f64": lambda m: AS(m)(np.arange(3.0)),
    "np int": lambda m: AS(m)(np.arange(3)),
    "np 0-d": lambda m: AS(m)(np.array(3.0)),
    "np dtype copy=False": lambda m: AS(m)(np.arange(3.0), dtype=m.float32, copy=False),
    "np requires_grad": lambda m: AS(m)(np.arange(3.0), requires_grad=True).requires_grad,
    "np big-endian": lambda m: AS(m)(np.array([1, 2], ">i4")),
    "np object": lambda m: AS(m)(np.array([1, 2], object)),
    "list": lambda m: AS(m)([1, 2.0]),
    "list copy=False": lambda m: AS(m)([1, 2.0], copy=False),
    "int": lambda m: AS(m)(3),
    "float as int32": lambda m: AS(m)(3.5, dtype=m.int32),
    "numpy scalar": lambda m: AS(m)(np.float64(2)),
    "int list requires_grad": lambda m: AS(m)([1, 2], requires_grad=True),
    "0-d tensors": lambda m: AS(m)([m.tensor(1.0), m.tensor(2.0)]),
    "tensor is": lambda m: (lambda t: AS(m)(t) is t)(m.ones(2)),
    "tensor same dtype is": lambda m: (lambda t: AS(m)(t, dtype=m.float32) is t)(m.ones(2)),
    "tensor copy": lambda m: (lambda t: AS(m)(t, copy=True) is t)(m.ones(2)),
    "tensor cast": lambda m: AS(m)(m.ones(2), dtype=m.float64),
    "tensor cast copy=False": lambda m: AS(m)(m.ones(2), dtype=m.float64, copy=False),
    "tensor requires_grad": lambda m: (lambda t: (AS(m)(t, requires_grad=True) is t, t.requires_grad))(m.ones(2)),
    "tensor copy keeps graph": lambda m: AS(m)(m.ones(2, requires_grad=True), copy=True).grad_fn is not None,
    "tensor cast keeps graph": lambda m: AS(m)(m.ones(2, requires_grad=True), dtype=m.float64).grad_fn is not None,
}


@pytest.mark.parametrize("case", sorted(ASARRAY_CASES))
def test_asarray_as_torch(case):
    _same(ASARRAY_CASES[case])


# ---- what tensor() takes --------------------------------------------------------------------------------------
DATA_CASES = {
    "big-endian tensor": lambda m: m.tensor(np.array([1, 2], ">f4")),
    "big-endian as_tensor": lambda m: m.as_tensor(np.array([1, 2], ">i4")),
    "big-endian from_numpy": lambda m: m.from_numpy(np.array([1, 2], ">f8")),
    "object array": lambda m: m.tensor(np.array([1, "a"], object)),
    "object from_numpy": lambda m: m.from_numpy(np.array([1], object)),
    "str array": lambda m: m.tensor(np.array(["a"])),
    "numpy str scalar": lambda m: m.tensor(np.str_("a")),
    "datetime array": lambda m: m.tensor(np.array([1], "M8[s]")),
    "longdouble array": lambda m: m.tensor(np.array([1.0], np.longdouble)),
    "one-element tensors": lambda m: m.tensor([m.tensor([1.0]), m.tensor([[3.0]])]),
    "one-element int tensors": lambda m: m.tensor([[m.tensor([1])], [m.tensor([2], dtype=m.int32)]]),
    "None": lambda m: m.tensor(None),
    "list of None": lambda m: m.tensor([1, None]),
    "generator": lambda m: m.tensor(x for x in range(3)),
    "set": lambda m: m.tensor({1, 2}),
    "int past int64": lambda m: m.tensor([2 ** 64]),
    "int below int64": lambda m: m.tensor([[1], [-2 ** 63 - 1]]),
    "int past int64 beside a float": lambda m: m.tensor([1.0, 2 ** 64]),
    "int past int64 as float32": lambda m: m.tensor([2 ** 64], dtype=m.float32),
    "float tensor as int": lambda m: m.tensor([m.tensor(1.5)], dtype=m.int32),
    "float tensor as bool": lambda m: m.tensor([m.tensor(1.5), False], dtype=m.bool),
    "bool tensor as int": lambda m: m.tensor([m.tensor(True)], dtype=m.int32),
    "int tensor as bool": lambda m: m.tensor([m.tensor(2)], dtype=m.bool),
    "complex tensor as float": lambda m: m.tensor([m.tensor(1 + 1j)], dtype=m.float32),
    "negative int beside a float as uint8": lambda m: m.tensor([-4, 2.5], dtype=m.uint8),
    "negative int tensor beside a float as uint8": lambda m: m.tensor([m.tensor(-4), np.float64(1.5)], dtype=m.uint8),
    "negative float as uint8": lambda m: m.tensor([-0.5, 2], dtype=m.uint8),
    "300 beside a float as uint8": lambda m: m.tensor([300, 2.5], dtype=m.uint8),
    "numpy arrays as int32": lambda m: m.tensor([np.array([1.5, 2]), np.array([3.0, -4])], dtype=m.int32),
}


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_tensor_data_as_torch(case):
    _same(DATA_CASES[case])


def _leaf(m, rng):
    k = rng.randrange(12)
    return [lambda: rng.choice([True, False]), lambda: rng.randint(-300, 300), lambda: rng.uniform(-5, 5),
            lambda: complex(rng.randint(-3, 3), rng.choice([0, 1.5])), lambda: np.float32(rng.uniform(-5, 5)),
            lambda: np.float16(rng.uniform(-5, 5)), lambda: np.int8(rng.randint(-5, 5)),
            lambda: np.uint8(rng.randint(0, 5)), lambda: m.tensor(rng.uniform(-5, 5)),
            lambda: m.tensor(rng.randint(-5, 5), dtype=m.int32), lambda: np.bool_(rng.random() < 0.5),
            lambda: np.float64(rng.uniform(-5, 5))][k]()


@pytest.mark.parametrize("seed", range(4))
def test_mixed_lists_fuzz(seed):
    """Random (nested) lists of Python, numpy and 0-d tensor numbers, with and without dtype=: the same dtype,
    shape and values as torch, or an error where torch gives one."""
    rng = random.Random(seed)
    names = [None, "float32", "float64", "int64", "int32", "uint8", "bool", "complex64", "float16", "int8"]
    for _ in range(120):
        n, nest, name, s = rng.randint(1, 3), rng.random() < 0.4, rng.choice(names), rng.random()

        def make(m):
            r = random.Random(s)
            data = [[_leaf(m, r) for _ in range(n)] for _ in range(2)] if nest else [_leaf(m, r) for _ in range(n)]
            return m.tensor(data, dtype=getattr(m, name) if name else None)
        want, got = _outcome(make, torch), _outcome(make, tg)
        if want[0] == "error":
            assert got[0] == "error", (name, got)
        else:
            assert got[:2] == want[:2], (name, want, got)
            np.testing.assert_allclose(np.array(got[2]), np.array(want[2]), rtol=1e-3)


# ---- arange -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["tensor float end", "tensor int end", "tensor float step", "inf", "nan"])
def test_arange_as_torch(case):
    _same({"tensor float end": lambda m: m.arange(m.tensor(3.0)),
           "tensor int end": lambda m: m.arange(m.tensor(3)),
           "tensor float step": lambda m: m.arange(0, 2, m.tensor(0.5)),
           "inf": lambda m: m.arange(0, float("inf")),
           "nan": lambda m: m.arange(float("nan"), 2)}[case])


# ---- printing -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("values,dtype", [([0.0], "float32"), ([0.0, -0.0, float("nan")], "float32"),
                                          ([float("inf"), 0.0], "float64"), ([1e-11, 0.0], "float16")])
def test_repr_sci_mode_with_no_finite_nonzero_value(values, dtype):
    """torch forces sci_mode only where some finite nonzero value chose a format: zeros, nan and inf print plain."""
    got = {}
    for name, lib in LIBS:
        lib.set_printoptions(sci_mode=True)
        try:
            got[name] = [_repr(lib, lib.tensor(values, dtype=getattr(lib, dtype))),
                         _repr(lib, lib.tensor(values[0], dtype=getattr(lib, dtype)))]
        finally:
            lib.set_printoptions(profile="default")
            lib.set_printoptions(sci_mode=None)
    assert got["tg"] == got["torch"]


@pytest.mark.parametrize("seed", range(3))
def test_repr_complex_line_width(seed):
    """torch fits a complex element in real width + imaginary width + 1 (the j) + 2: one more per line than before
    (-20866436.+6.3302e-05j: 3 to a line of 80, where teenygrad fitted 2)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((2, 5)) * [[4e6, 8e5, 2e7, 2e6, 1.6e7]] + 1j * rng.standard_normal((2, 5)) * 1e-4
    a[0, 2] = -20866436 + 6.33e-5j
    for opts in (dict(), dict(precision=1), dict(linewidth=50), dict(sci_mode=False)):
        got = {}
        for name, lib in LIBS:
            lib.set_printoptions(**opts)
            try:
                got[name] = _repr(lib, lib.tensor(a.astype(np.complex64)))
            finally:
                lib.set_printoptions(profile="default")
                lib.set_printoptions(sci_mode=None)
        assert got["tg"] == got["torch"], opts
