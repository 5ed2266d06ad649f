"""Differences from torch found in the nineteenth landing by sweeping the Tensor object's Python protocol and its
construction and conversion (torch.tensor / as_tensor / from_numpy, ==, in, reversed, finfo / iinfo) against torch,
each compared with torch directly (values, dtypes, shared memory, refusals)."""
import operator

import numpy as np
import pytest
import torch

import teenygrad as tg

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64", "complex128"]


def _make(lib, dtype, values):
    """The same values in both libraries (made in torch, handed over through float32 for bfloat16)."""
    t = torch.tensor(values, dtype=torch.float64)
    t = (t != 0) if dtype == "bool" else t.to(getattr(torch, dtype))
    if lib is torch:
        return t
    return tg.tensor((t.float() if dtype == "bfloat16" else t).numpy(), dtype=getattr(tg, dtype))


def _outcome(f):
    try:
        return f()
    except Exception as e:  # noqa: BLE001 - the refusal is the result compared
        return type(e)


# ---- numpy subclasses ---------------------------------------------------------------------------------------------
SUBCLASSES = {"matrix": lambda: np.asmatrix(np.array([[1.5, 2.0], [3.0, -4.0]])),
              "masked": lambda: np.ma.array([1.5, 2.0, 3.0], mask=[0, 1, 0])}


@pytest.mark.parametrize("make", ["tensor", "as_tensor", "asarray", "from_numpy"])
@pytest.mark.parametrize("kind", sorted(SUBCLASSES))
def test_ndarray_subclass_is_taken_as_its_plain_array(make, kind):
    """tensor / as_tensor / from_numpy kept an np.matrix or a masked array as the tensor's array: the tensor then said
    its device was cuda, numpy() refused, and arithmetic and printing failed (torch takes the plain array under it)"""
    res = {}
    for lib in (torch, tg):
        a = SUBCLASSES[kind]()
        t = getattr(lib, make)(a)
        assert str(t.device) == "cpu"
        assert type(t.numpy()) is np.ndarray
        res[lib] = (t.shape, (t * 2).sum().item(), t.tolist(), repr(t).replace("teenygrad.", "torch."))
    assert res[tg] == res[torch]


@pytest.mark.parametrize("make", ["as_tensor", "asarray", "from_numpy"])
@pytest.mark.parametrize("kind", sorted(SUBCLASSES))
def test_ndarray_subclass_memory_is_shared_as_torch(make, kind):
    seen = {}
    for lib in (torch, tg):
        a = SUBCLASSES[kind]()
        getattr(lib, make)(a).fill_(7.0)
        seen[lib] = np.asarray(a).tolist()
    assert seen[tg] == seen[torch]


# ---- text data ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", ["abc", "1.5", b"1", ["False"], [["1", "2"]]], ids=repr)
@pytest.mark.parametrize("dtype", [None, "bool", "float32", "int64"])
def test_text_data_is_refused(data, dtype):
    """numpy parsed strings given with a dtype: tensor(['False'], dtype=bool) was tensor([True]) and
    tensor('1.5', dtype=float32) 1.5 (torch refuses text whatever the dtype: TypeError, or ValueError for a str
    first in a list)"""
    want = _outcome(lambda: torch.tensor(data, dtype=dtype and getattr(torch, dtype)))
    assert want in (TypeError, ValueError)
    with pytest.raises(want, match="text"):
        tg.tensor(data, dtype=dtype and getattr(tg, dtype))
    with pytest.raises(want, match="text"):
        tg.as_tensor(data, dtype=dtype and getattr(tg, dtype))


# ---- == and != with what is no operand ----------------------------------------------------------------------------
NON_OPERANDS = {"None": None, "str": "a", "object": object(), "dict": {1: 2}}


@pytest.mark.parametrize("other", sorted(NON_OPERANDS))
@pytest.mark.parametrize("op", ["eq", "ne"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_eq_ne_with_no_operand_is_a_python_bool(other, op, dtype):
    """t == None raised TypeError; torch answers False (and != True), both ways round, as Python's identity test"""
    o = NON_OPERANDS[other]
    for a_first in (True, False):
        res = {}
        for lib in (torch, tg):
            t = _make(lib, dtype, [1.0, 0.0, 2.0])
            res[lib] = getattr(operator, op)(t, o) if a_first else getattr(operator, op)(o, t)
        assert type(res[tg]) is bool and res[tg] == res[torch]


@pytest.mark.parametrize("op", ["eq", "ne"])
def test_eq_ne_methods_still_refuse_no_operand(op):
    """the named methods take a tensor or a number only: t.eq(None) is refused in torch and teenygrad"""
    with pytest.raises(TypeError):
        getattr(torch.zeros(2), op)(None)
    with pytest.raises(TypeError):
        getattr(tg.zeros(2), op)(None)


def test_list_filters_and_none_checks_on_tensors():
    """code that looks for a tensor among None defaults or in a list compares with ==; torch answers by identity"""
    for lib in (torch, tg):
        t = lib.ones(3)
        assert [x for x in (None, t, None) if x != None] == [t]  # noqa: E711 - the comparison under test
        assert t != None and not (t == None)  # noqa: E711
        assert (None in [t]) is False


# ---- in -----------------------------------------------------------------------------------------------------------
ELEMENTS = {"int 2": 2, "float 2.0": 2.0, "float -2.0": -2.0, "zero": 0, "True": True, "nan": float("nan"),
            "big": 300, "complex": 2 + 0j, "np.float32": np.float32(3.25)}


@pytest.mark.parametrize("shape", [(), (4,), (2, 2), (1, 2, 2)])
@pytest.mark.parametrize("element", sorted(ELEMENTS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_contains_a_number_as_torch(shape, element, dtype):
    """x in t failed on a 0-d tensor ('not iterable') and on 2-d ones (each row compared, then 'Boolean value of
    Tensor ... is ambiguous'); torch asks (x == t).any()"""
    vals = [2.0, -2.0, 0.0, 3.25]
    vals = vals[0] if shape == () else np.reshape(vals, shape).tolist()
    e = ELEMENTS[element]
    want = _outcome(lambda: e in _make(torch, dtype, vals))
    got = _outcome(lambda: e in _make(tg, dtype, vals))
    assert got == want


@pytest.mark.parametrize("element", [[1.0, 5.0], [[1.0, 5.0]], [2.0, 3.0], [1.0], 9.0, 3.0])
def test_contains_a_tensor_broadcasts_as_torch(element):
    res = {lib: (lib.tensor(element) in lib.tensor([[1.0, 5.0], [2.0, 3.0]])) for lib in (torch, tg)}
    assert res[tg] is res[torch]


@pytest.mark.parametrize("element", ["a", None, [1.0], (1.0,)], ids=repr)
def test_contains_refuses_what_is_no_number_or_tensor(element):
    with pytest.raises(RuntimeError):
        element in torch.tensor([1.0])  # noqa: B015
    with pytest.raises(RuntimeError, match="__contains__"):
        element in tg.tensor([1.0])  # noqa: B015


# ---- reversed -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (3, 1, 2), (0, 2)])
def test_reversed_is_a_tensor_flipped_along_dim_0(shape):
    """reversed(t) gave Python's reverse iterator over rows (and refused a 0-d tensor); torch gives t.flip(0), and a
    0-d tensor itself"""
    n = int(np.prod(shape))
    t = torch.arange(n, dtype=torch.float32).reshape(shape)
    g = tg.arange(n, dtype=tg.float32).reshape(shape)
    r = reversed(g)
    assert isinstance(r, tg.Tensor) and r.shape == tuple(reversed(t).shape)
    np.testing.assert_array_equal(r.numpy(), reversed(t).numpy())
    if shape == ():
        assert r is g


def test_reversed_keeps_the_gradient():
    x = tg.arange(6.0).reshape(2, 3).requires_grad_()
    (reversed(x) * tg.tensor([[1.0], [2.0]])).sum().backward()
    xt = torch.arange(6.0).reshape(2, 3).requires_grad_()
    (reversed(xt) * torch.tensor([[1.0], [2.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


# ---- finfo / iinfo ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_finfo_of_a_complex_dtype_is_its_parts(dtype):
    """finfo(complex64) was refused; torch gives float32's limits (complex128: float64's)"""
    f, ft = tg.finfo(getattr(tg, dtype)), torch.finfo(getattr(torch, dtype))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(f, attr) == getattr(ft, attr), attr
    assert repr(f) == repr(ft)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_repr_as_torch(dtype):
    """torch prints iinfo's limits with %g (max=2.14748e+09 for int32); teenygrad printed every digit"""
    assert repr(tg.iinfo(getattr(tg, dtype))) == repr(torch.iinfo(getattr(torch, dtype)))


# ---- a Python number filled into a tensor -------------------------------------------------------------------------
FILLS = {
    "full": lambda lib, d, v: lib.full((3,), v, dtype=d),
    "new_full": lambda lib, d, v: lib.zeros(3, dtype=d).new_full((3,), v),
    "fill_": lambda lib, d, v: lib.zeros(3, dtype=d).fill_(v),
    "masked_fill": lambda lib, d, v: lib.zeros(3, dtype=d).masked_fill(lib.tensor([True, False, True]), v),
    "index_fill": lambda lib, d, v: lib.zeros(3, dtype=d).index_fill(0, lib.tensor([1]), v),
    "setitem": lambda lib, d, v: _setitem(lib.zeros(3, dtype=d), 1, v),
    "setitem slice": lambda lib, d, v: _setitem(lib.zeros(3, dtype=d), slice(None), v),
}


def _setitem(t, i, v):
    t[i] = v
    return t


_FILL_VALUES = [127.9, 127.5, -128.5, 255.5, 255.9, -0.5, 32767.5, 2147483647.5, 1 + 0j, 3 + 0j, -2 + 0j, 2.5 + 0j,
                1 + 1j, 3.5e38 + 0j, 3.5e38j, 1e300 + 0j, 127.0, -0.0]
_FILL_DTYPES = ["uint8", "int8", "int16", "int32", "int64", "float32", "float64", "complex64", "complex128"]
# (not index_fill of a complex number into a real dtype: torch's refuses any, teenygrad takes 1+0j as 1, as the
# other fills do)
_FILL_CASES = [pytest.param(op, d, v, id=f"{op}-{d}-{v!r}") for op in sorted(FILLS) for d in _FILL_DTYPES
               for v in _FILL_VALUES
               if not (op == "index_fill" and isinstance(v, complex) and not d.startswith("complex"))]


@pytest.mark.parametrize("op,dtype,value", _FILL_CASES)
def test_fill_values_convert_as_torch(op, dtype, value):
    """a float past an integer dtype's range before truncation was truncated into it (full((3,), 127.9, int8) gave
    127; torch refuses), x[i] = 1+0j and masked_fill(m, 1+0j) leaked numpy's TypeError (torch takes 1), and a
    complex number past complex64's range filled inf (torch refuses)"""
    want = _outcome(lambda: FILLS[op](torch, getattr(torch, dtype), value))
    got = _outcome(lambda: FILLS[op](tg, getattr(tg, dtype), value))
    assert isinstance(got, type) == isinstance(want, type), (want, got)
    if isinstance(want, type):
        assert got is RuntimeError, got
        return
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_array_equal(got.numpy(), want.numpy())


# ---- *_like ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int64", "uint8", "float16", "float32", "float64"])
def test_randint_like_takes_requires_grad(dtype):
    """randint_like had no requires_grad argument (TypeError); torch takes it (and refuses it for an integer dtype)"""
    want = _outcome(lambda: torch.randint_like(torch.ones(2, 3, dtype=getattr(torch, dtype)), 5,
                                               requires_grad=True))
    got = _outcome(lambda: tg.randint_like(tg.ones(2, 3, dtype=getattr(tg, dtype)), 5, requires_grad=True))
    assert isinstance(got, type) == isinstance(want, type), (want, got)
    if not isinstance(want, type):
        assert got.requires_grad and got.is_leaf and str(got.dtype) == dtype and got.shape == (2, 3)
        assert ((got >= 0) & (got < 5)).all()


# ---- dtypes that are none -----------------------------------------------------------------------------------------
NO_DTYPES = {"Tensor": lambda lib: lib.Tensor, "object": lambda lib: object, "str": lambda lib: str,
             "list": lambda lib: list, "'O'": lambda lib: "O", "'U5'": lambda lib: "U5", "'M8[s]'": lambda lib: "M8[s]"}


@pytest.mark.parametrize("make,bad", [(m, b) for m in ["zeros", "tensor", "to", "ones_like", "full"]
                                      for b in sorted(NO_DTYPES) if not (m == "to" and b.startswith("'"))])
def test_a_class_or_text_dtype_is_refused(make, bad):  # (to() reads a string as a device: not those)
    """numpy reads any class as an object dtype and str as a text one: zeros(2, dtype=torch.Tensor) was an object
    tensor and tensor([1, 2], dtype=str) a text one (torch refuses each)"""
    calls = {"zeros": lambda lib, d: lib.zeros(2, dtype=d), "tensor": lambda lib, d: lib.tensor([1, 2], dtype=d),
             "to": lambda lib, d: lib.ones(2).to(d), "ones_like": lambda lib, d: lib.ones_like(lib.ones(2), dtype=d),
             "full": lambda lib, d: lib.full((2,), 1.0, dtype=d)}
    with pytest.raises(TypeError):
        calls[make](torch, NO_DTYPES[bad](torch))
    with pytest.raises(TypeError, match="dtype"):
        calls[make](tg, NO_DTYPES[bad](tg))


@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool", "float64", "float16", "complex64"])
def test_type_of_the_tensor_class_is_the_default_dtype(dtype):
    """t.type(torch.Tensor) gave an object tensor; torch casts to the default dtype (float32)"""
    got = tg.ones(2, dtype=getattr(tg, dtype)).type(tg.Tensor)
    want = _outcome(lambda: torch.ones(2, dtype=getattr(torch, dtype)).type(torch.Tensor))
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_array_equal(got.numpy(), want.numpy())


# ---- casts with a memory format -----------------------------------------------------------------------------------
SOURCES = {"transposed": lambda lib: lib.arange(6.0).reshape(2, 3).t(),
           "strided": lambda lib: lib.arange(12.0).reshape(3, 4)[:, ::2],
           "contiguous": lambda lib: lib.arange(6.0).reshape(2, 3)}


@pytest.mark.parametrize("copy", [False, True])
@pytest.mark.parametrize("memory_format", ["contiguous_format", "preserve_format"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("src", sorted(SOURCES))
def test_to_lays_out_its_copy_as_asked(src, dtype, memory_format, copy):
    """t.t().to(float64, memory_format=contiguous_format) kept the transpose's strides: the cast copies, and torch
    lays that copy out as asked"""
    res = {}
    for lib in (torch, tg):
        t = SOURCES[src](lib)
        r = t.to(getattr(lib, dtype), copy=copy, memory_format=getattr(lib, memory_format))
        res[lib] = (r is t, tuple(r.stride()), r.tolist())
    assert res[tg] == res[torch]


@pytest.mark.parametrize("memory_format", ["contiguous_format", "preserve_format"])
@pytest.mark.parametrize("method", ["float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte",
                                    "bool"])
def test_cast_methods_take_memory_format(method, memory_format):
    """t.float(memory_format=...) was a TypeError; torch's cast methods take it, as to() does"""
    res = {}
    for lib in (torch, tg):
        t = lib.arange(6.0).reshape(2, 3).t()
        same = getattr(t, method)()
        r = getattr(t, method)(memory_format=getattr(lib, memory_format))
        res[lib] = (tuple(r.stride()), str(r.dtype).split(".")[-1], getattr(same, method)(
            memory_format=getattr(lib, memory_format)) is same)
    assert res[tg] == res[torch]


def test_to_contiguous_copy_keeps_the_gradient():
    x = tg.arange(6.0).reshape(2, 3).requires_grad_()
    xt = torch.arange(6.0).reshape(2, 3).requires_grad_()
    for a, lib in ((x, tg), (xt, torch)):
        r = a.t().to(lib.float64, memory_format=lib.contiguous_format)
        (r * lib.arange(6.0, dtype=lib.float64).reshape(3, 2)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


# ---- the legacy constructors --------------------------------------------------------------------------------------
LEGACY = {"Tensor(Size)": lambda lib, s: lib.Tensor(lib.Size(s)),
          "FloatTensor(Size)": lambda lib, s: lib.FloatTensor(lib.Size(s)),
          "LongTensor(Size)": lambda lib, s: lib.LongTensor(lib.Size(s)),
          "FloatTensor(size=)": lambda lib, s: lib.FloatTensor(size=s),
          "new(Size)": lambda lib, s: lib.ones(1, dtype=lib.int8).new(lib.Size(s)),
          "Tensor(tuple)": lambda lib, s: lib.Tensor(tuple(s)),
          "new(list)": lambda lib, s: lib.ones(1, dtype=lib.int8).new(list(s))}


@pytest.mark.parametrize("shape", [(), (2,), (2, 3), (0, 2)])
@pytest.mark.parametrize("make", sorted(LEGACY))
def test_legacy_constructors_read_a_size_as_sizes(make, shape):
    """torch.Tensor(torch.Size([2, 3])) and x.new(x.shape) gave the tensor of data [2., 3.] (a Size was read as data),
    and FloatTensor(Size([])) an empty tensor where torch's is 0-d; a plain tuple or list stays data"""
    t = LEGACY[make](torch, shape)
    g = LEGACY[make](tg, shape)
    assert g.shape == tuple(t.shape) and str(g.dtype) == str(t.dtype).replace("torch.", "")
    if make in ("Tensor(tuple)", "new(list)"):
        np.testing.assert_array_equal(g.numpy(), t.numpy())


FLOATS = ["float16", "bfloat16", "float32", "float64", "complex64", "complex128"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("a", FLOATS)
@pytest.mark.parametrize("b", FLOATS)
def test_finfo_equality_as_torch(a, b):
    """two finfo of one dtype compared unequal (identity); torch compares their dtypes"""
    fa, fb = tg.finfo(getattr(tg, a)), tg.finfo(getattr(tg, b))
    ta, tb = torch.finfo(getattr(torch, a)), torch.finfo(getattr(torch, b))
    assert (fa == fb) == (ta == tb) and (fa != fb) == (ta != tb)
    assert (fa == 1) is (ta == 1) is False


@pytest.mark.parametrize("a", INTS)
@pytest.mark.parametrize("b", INTS)
def test_iinfo_equality_as_torch(a, b):
    fa, fb = tg.iinfo(getattr(tg, a)), tg.iinfo(getattr(tg, b))
    ta, tb = torch.iinfo(getattr(torch, a)), torch.iinfo(getattr(torch, b))
    assert (fa == fb) == (ta == tb) and (fa != fb) == (ta != tb)
