"""Tensor creation and conversion against torch, second round (twenty-first landing): tensor / as_tensor / asarray of
random nested Python data (bools, ints, floats, complex, huge ints, nan / inf, numpy scalars of every dtype, 0-d
and one-element tensors, numpy arrays, tuples, ragged nests), with and without dtype=, under the default dtype
float64, with requires_grad; the factories' dtype inference from their arguments and sizes given as ints, tuples,
lists, torch.Size or 0-d tensors; item / tolist / float / int / bool / complex / numpy of every dtype and shape;
the layout (strides) of a copy of a numpy array or a tensor that is not C-contiguous.

What the sweeps found, each pinned by a direct case below: tensor() of a transposed (or Fortran-order, or permuted)
array or tensor gave a C-contiguous copy where torch's keeps the layout (strides (1, 4) for a (4, 3) transpose), and
a cast of a broadcast array (tensor(np.broadcast_to(...), dtype=float32)) came out with numpy's order-K strides (1,
3) where torch's are (4, 1); a Python int past int64 beside other ints ([2 ** 63, 1]) silently became float32 (numpy
reads the list as float64) and with dtype=int64 wrapped to -2 ** 63, where torch refuses both; with dtype=bool (or
bfloat16) an int past 2 ** 64 was refused where torch takes it as True (a float); beside a complex tensor with no
imaginary part, as float16, numpy's float() of the complex number raised (and without one, numpy warned of a
discarded imaginary part); asarray of a numpy scalar with a dtype refused casts torch makes (asarray(np.float16(1),
dtype=int32), as an array's); a complex 0-d tensor in a list converted to bfloat16 silently dropped its imaginary
part (torch refuses); linspace / logspace with a numpy unsigned steps (np.uint8(3)) failed inside numpy (the index
arithmetic wrapped), took steps=True or 3.0 (torch refuses), and logspace with a 0-d tensor steps raised a numpy
TypeError; randint took no 0-d int tensor for its bounds (torch does); x.repeat(-1) silently gave x (expand read -1
as "keep"), where torch refuses a negative repeat; a write into a tensor on a read-only numpy array's memory was
refused as if the tensor were an expand view sharing memory between elements (torch writes, undefined behavior:
teenygrad refuses, now naming the read-only array).

torch quirks left out of the sweeps: torch 2.13 refuses a 0-d numpy array in a list (len() of unsized object) and
float32 numpy arrays in a list converted to an integer dtype; it reads a nest's shape off its first element (an
empty list first gives shape (n, 0) whatever follows); a numpy bool_ or complex64 scalar as a factory argument is
read as a float (full((2,), np.bool_(1)) is float32; full((2,), np.complex64(1j)) is 0); float16 / bfloat16 fills
of a finite number past the range give inf in full but are refused in fill_ (1e6). teenygrad's own extras: a list of
tensors of more than one element is stacked (torch refuses), numpy() is allowed on a tensor that requires grad,
bfloat16 converts to numpy (ml_dtypes), numpy arrays with negative strides are taken, and a 0-d bool tensor
is read as a size (x.repeat(tensor(True)); torch refuses it there as it does for the int arguments, now refused
here too: linspace's steps, eye, randint)."""
import math
import random
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg


def _norm(r):
    """A comparable form of a result: a tensor's dtype name, shape, values (NaN as a string) and requires_grad."""
    if isinstance(r, (torch.Tensor, tg.Tensor)):
        return ("T", str(r.dtype).split(".")[-1], tuple(r.shape), _clean(r.tolist()), r.requires_grad)
    if isinstance(r, (tuple, list)):
        return type(r).__name__, tuple(_norm(x) for x in r)
    if isinstance(r, np.ndarray):
        return ("np", str(r.dtype), r.shape, _clean(r.tolist()))
    if isinstance(r, (torch.dtype, tg.dtype)):
        return str(r).split(".")[-1]
    if isinstance(r, (torch.Size, tg.Size)):
        return ("Size", tuple(r))
    return _clean(r)


def _clean(v):
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return ("float", "nan")
    if isinstance(v, complex):
        return ("complex", _clean(v.real), _clean(v.imag))
    return (type(v).__name__, v)


def _outcome(fn, lib):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _norm(fn(lib))
    except Exception as e:  # noqa: BLE001 - compared: an error where torch gives one
        return ("error", type(e).__name__, str(e))


def _match(got, want):
    """equal, floats to a float32 ulp or so (complex logspace, polar: torch's own rounding of sin / cos / exp)"""
    if isinstance(want, (tuple, list)):
        return (type(got) is type(want) and len(got) == len(want)
                and all(_match(g, w) for g, w in zip(got, want)))
    if type(want) is float and type(got) is float:
        return got == want or abs(got - want) <= 1e-6 * abs(want)
    return got == want


def _same(fn, where=""):
    want, got = _outcome(fn, torch), _outcome(fn, tg)
    if want[0] == "error":
        assert got[0] == "error", f"{where}: torch refuses ({want[2][:120]}), teenygrad gives {got}"
    else:
        assert _match(got, want), f"{where}: torch {want} vs teenygrad {got}"


# ---- random nested data ---------------------------------------------------------------------------------------
DTYPES = [None, "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool",
          "complex64", "complex128"]
NUMPY = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_, np.complex64,
         np.complex128]


def _leaf(m, r):
    k = r.randrange(12)
    if k == 0:
        return r.choice([True, False])
    if k == 1:
        return r.randint(-200, 300)
    if k == 2:
        return r.choice([r.uniform(-5, 5), math.nan, math.inf, -math.inf, -0.0, 1e300, 1e-300, 65504.0, 70000.0])
    if k == 3:
        return complex(r.randint(-3, 3), r.choice([0.0, 1.5, -2.0]))
    if k == 4:
        return r.choice([2 ** 63 - 1, -2 ** 63, 2 ** 63, 2 ** 64, -2 ** 63 - 1, 2 ** 31, 255, 256, -129])
    if k in (5, 6):
        return r.choice(NUMPY)(r.randint(0, 4))
    if k == 7:
        return m.tensor(r.uniform(-3, 3), dtype=r.choice([m.float32, m.float64, m.float16]))
    if k == 8:
        return m.tensor(r.randint(-3, 3), dtype=r.choice([m.int32, m.int64, m.uint8, m.bool, m.int8]))
    if k == 9:
        return m.tensor(1 + 2j) if r.random() < 0.5 else m.tensor(r.randint(0, 3), dtype=m.complex128)
    return r.uniform(-3, 3)


def _nest(m, r, depth):
    if depth == 0:
        return _leaf(m, r)
    items = [_nest(m, r, depth - 1) for _ in range(r.choice([1, 2, 2, 3]))]  # no empty list beside a full one
    return tuple(items) if r.random() < 0.3 else items


def _data(m, seed):
    r = random.Random(seed)
    depth = r.choice([0, 1, 1, 2, 2, 3])
    u = r.random()
    if u < 0.15:  # same-shape one-element tensors or numpy arrays (torch refuses longer tensors, 0-d arrays)
        shape, n, tensors = tuple(r.randint(1, 2) for _ in range(r.randint(1, 2))), r.randint(1, 3), r.random() < 0.5
        d = r.choice([m.float32, m.int64, m.float64, m.bool] if tensors else [np.int32, np.float64])
        return [m.ones((1,) * len(shape), dtype=d) if tensors else np.ones(shape, d) for _ in range(n)]
    if u < 0.22:
        return r.choice([[[1, 2], [3]], [[1.0], 2.0], [1, [2]], [[[]]], [[], []], [], ()])
    return _nest(m, r, depth)


def _creation_case(seed):
    r = random.Random(seed * 7919)
    fn, name = r.choice(["tensor", "as_tensor", "asarray"]), (r.choice(DTYPES) if r.random() < 0.5 else None)
    default64, grad = r.random() < 0.3, r.random() < 0.2

    def make(m):
        kw = {"dtype": getattr(m, name)} if name else {}
        if grad and fn != "as_tensor":
            kw["requires_grad"] = True
        old = m.get_default_dtype()
        if default64:
            m.set_default_dtype(m.float64)
        try:
            return getattr(m, fn)(_data(m, seed), **kw)
        finally:
            m.set_default_dtype(old)
    return make, (fn, name, default64, grad)


@pytest.mark.parametrize("block", range(4))
def test_nested_data_fuzz(block):
    """tensor / as_tensor / asarray of random nested data: torch's dtype, shape, values and requires_grad, or an
    error where torch refuses."""
    for seed in range(block * 500, (block + 1) * 500):
        make, desc = _creation_case(seed)
        _same(make, f"seed {seed} {desc} {_data(torch, seed)!r:.200}")


# ---- factories: dtype inference, sizes --------------------------------------------------------------------------
SIZES = {"3": lambda m: (3,), "(3,)": lambda m: ((3,),), "[3]": lambda m: ([3],), "Size": lambda m: (m.Size([2, 3]),),
         "0-d tensor": lambda m: (m.tensor(3),), "2, 3": lambda m: (2, 3), "()": lambda m: ((),), "[]": lambda m: ([],),
         "0": lambda m: (0,), "np.int64": lambda m: (np.int64(3),), "(np.int64, 3)": lambda m: ((np.int64(2), 3),),
         "(0-d tensor, 2)": lambda m: ((m.tensor(3), 2),), "-1": lambda m: (-1,), "2.0": lambda m: (2.0,),
         "True": lambda m: (True,)}


def _one(s):
    return s[0] if len(s) == 1 else s


SIZE_CALLS = {
    "zeros": lambda m, s: m.zeros(*s), "ones": lambda m, s: m.ones(*s), "empty": lambda m, s: m.empty(*s).shape,
    "rand": lambda m, s: m.rand(*s).shape, "randn": lambda m, s: (m.randn(*s).shape, m.randn(*s).dtype),
    "full": lambda m, s: m.full(_one(s), 2),
    "randint": lambda m, s: (lambda t: (t.shape, t.dtype))(m.randint(5, _one(s))),
    "new_zeros": lambda m, s: m.ones(1, dtype=m.int32).new_zeros(*s),
    "new_ones": lambda m, s: m.ones(1, dtype=m.float64).new_ones(*s),
    "new_full": lambda m, s: m.ones(1, dtype=m.int32).new_full(_one(s), 2.5),
    "new_empty": lambda m, s: (lambda t: (t.shape, t.dtype))(m.ones(1, dtype=m.int8).new_empty(*s)),
}


@pytest.mark.parametrize("size", sorted(SIZES))
def test_factory_sizes(size):
    for name, call in SIZE_CALLS.items():
        _same(lambda m: call(m, SIZES[size](m)), f"{name}({size})")


VALUES = {"2": lambda m: 2, "True": lambda m: True, "2.5": lambda m: 2.5, "1+2j": lambda m: 1 + 2j,
          "np.float32": lambda m: np.float32(2), "np.int32": lambda m: np.int32(2),
          "np.float16": lambda m: np.float16(2), "np.uint8": lambda m: np.uint8(3),
          "np.float64": lambda m: np.float64(2.5), "np.int64": lambda m: np.int64(-3),
          "tensor(2)": lambda m: m.tensor(2), "tensor(2.)": lambda m: m.tensor(2.0),
          "tensor(2, int32)": lambda m: m.tensor(2, dtype=m.int32), "tensor(True)": lambda m: m.tensor(True),
          "nan": lambda m: math.nan, "inf": lambda m: math.inf, "300": lambda m: 300, "-1": lambda m: -1}
VALUE_CALLS = {
    "full": lambda m, v: m.full((2,), v), "full_like int": lambda m, v: m.full_like(m.ones(2, dtype=m.int32), v),
    "full_like float": lambda m, v: m.full_like(m.ones(2), v),
    "new_full": lambda m, v: m.ones(2, dtype=m.int32).new_full((2,), v),
    "arange": lambda m, v: m.arange(v), "arange 0 v": lambda m, v: m.arange(0, v),
    "arange step": lambda m, v: m.arange(0, 5, v) if v != math.inf else "torch: empty, numpy: [0]",
    "linspace": lambda m, v: m.linspace(0, v, 3), "logspace": lambda m, v: m.logspace(0, v, 3),
    "linspace steps": lambda m, v: m.linspace(0, 1, v), "logspace steps": lambda m, v: m.logspace(0, 1, v),
    "tensor": lambda m, v: m.tensor(v), "tensor list": lambda m, v: m.tensor([v, 1]),
    "as_tensor": lambda m, v: m.as_tensor([v]), "asarray": lambda m, v: m.asarray(v),
    "scalar_tensor": lambda m, v: m.scalar_tensor(v), "eye": lambda m, v: m.eye(v),
    "full int32": lambda m, v: m.full((2,), v, dtype=m.int32), "full bool": lambda m, v: m.full((2,), v, dtype=m.bool),
    "full uint8": lambda m, v: m.full((2,), v, dtype=m.uint8),
    "asarray int32": lambda m, v: m.asarray(v, dtype=m.int32),
    "asarray bool": lambda m, v: m.asarray(v, dtype=m.bool), "randint high": lambda m, v: m.randint(v, (3,)).dtype,
    "tril_indices": lambda m, v: m.tril_indices(v, 3), "triu_indices offset": lambda m, v: m.triu_indices(3, 3, v),
    "repeat": lambda m, v: m.ones(1).repeat(v) if not (isinstance(v, m.Tensor) and v.dtype == m.bool) else "bool",
}


@pytest.mark.parametrize("value", sorted(VALUES))
def test_factory_value_inference(value):
    for name, call in VALUE_CALLS.items():
        _same(lambda m: call(m, VALUES[value](m)), f"{name}({value})")


# ---- conversions out ------------------------------------------------------------------------------------------
OUT_DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "bool",
              "complex64", "complex128"]
CONVERSIONS = {
    "item": lambda t: t.item(), "tolist": lambda t: t.tolist(), "float": float, "int": int, "bool": bool,
    "complex": complex, "len": len, "index": lambda t: t.__index__(),
    "numpy": lambda t: t.numpy(),
    "properties": lambda t: (t.dim(), t.numel(), t.element_size(), t.is_floating_point(), t.is_complex(),
                             t.is_signed()),
}


@pytest.mark.parametrize("dtype", OUT_DTYPES)
def test_conversions_of_every_dtype_and_shape(dtype):
    for shape in [(), (1,), (2,), (1, 1), (0,), (2, 3)]:
        for value in (1.5, 100.25, -0.0) + ((1e10, math.nan, math.inf) if dtype[0] in "fbc" else ()):  # no UB casts
            def make(m, shape=shape, value=value):
                base = (m.arange(6, dtype=m.float64) * value - 2).reshape(-1)[:math.prod(shape)].reshape(shape)
                return base.to(getattr(m, dtype))
            for name, conv in CONVERSIONS.items():
                if name == "numpy" and dtype == "bfloat16":  # numpy has no bfloat16 in torch (ml_dtypes here)
                    continue
                _same(lambda m: conv(make(m)), f"{name} of {dtype} {shape} ({value})")


# ---- direct cases ---------------------------------------------------------------------------------------------
def _arrays():
    b = np.arange(24.0).reshape(4, 6)
    return {"transpose": b.T, "gaps transposed": b[::2].T, "broadcast": np.broadcast_to(np.arange(4.0), (3, 4)),
            "broadcast transposed": np.broadcast_to(np.arange(4.0), (3, 4)).T, "fortran": np.asfortranarray(b),
            "permuted": np.arange(24.0).reshape(2, 3, 4).transpose(2, 0, 1), "C": b, "column": b[:, 1],
            "broadcast permuted": np.broadcast_to(np.arange(6.0).reshape(2, 1, 3), (2, 4, 3)).transpose(1, 2, 0)}


@pytest.mark.parametrize("dtype", [None, "float32", "float64", "int32"])
@pytest.mark.parametrize("name", sorted(_arrays()))
def test_copy_layout_as_torch(name, dtype):
    """A copy of a numpy array or a tensor that is not C-contiguous keeps its layout as torch's (a dense block its
    order, gaps closed up, an expanded axis in its C place), cast or not."""
    def strides(m):
        a, kw = _arrays()[name], ({"dtype": getattr(m, dtype)} if dtype else {})
        return [m.tensor(a, **kw).stride(), m.as_tensor(a, **kw).stride(), m.asarray(a, copy=True, **kw).stride(),
                m.tensor(m.as_tensor(a), **kw).stride(), m.as_tensor(m.as_tensor(a), **kw).stride()]
    _same(strides, name)


def test_copy_of_a_transpose_keeps_its_values_and_is_its_own():
    for m in (torch, tg):
        a = np.arange(12.0).reshape(3, 4)
        t = m.tensor(a.T)
        a[0, 0] = 100.0
        assert t.stride() == (1, 4) and t[0, 0].item() == 0.0 and t[3, 2].item() == 11.0, m.__name__


@pytest.mark.parametrize("data", ["[B, 1]", "(B, True, 297)", "[B, np.int8(1)]", "[B, t(1)]", "[B, 1.0]", "[B]",
                                  "[[B], [True]]", "[2 ** 64, True]", "[-B - 1, True]", "[B, 1 + 0j]",
                                  "[2 ** 64, -0.5]", "[t(1 + 0j), 2 ** 64]", "[t(1 + 1j), 2 ** 64]",
                                  "[t(1 + 0j), -B - 1]"])
@pytest.mark.parametrize("dtype", [None, "bool", "float32", "float16", "bfloat16", "int64", "uint8", "complex64"])
def test_ints_past_int64(data, dtype):
    """torch refuses a Python int past int64 where the dtype is an integer one, takes it as a float beside a float
    (or for a float dtype) and as True for bool; a complex number among them keeps no imaginary part (and no
    numpy ComplexWarning) in a real dtype, where it is 0."""
    _same(lambda m: m.tensor(eval(data, {"B": 2 ** 63, "np": np, "t": m.tensor}),
                             **({"dtype": getattr(m, dtype)} if dtype else {})), data)


@pytest.mark.parametrize("kind", [np.float16, np.float32, np.float64, np.int8, np.uint8, np.int64, np.bool_,
                                  np.complex64, np.complex128])
@pytest.mark.parametrize("dtype", [None, "bool", "int32", "uint8", "float32", "float16", "complex64"])
@pytest.mark.parametrize("copy", [None, False])
def test_asarray_numpy_scalar(kind, dtype, copy):
    """asarray reads a numpy scalar as a 0-d array: cast to dtype as an array is; copy=False can't alias it"""
    for v in (0, 3, 2.5):
        _same(lambda m: m.asarray(kind(v), copy=copy, **({"dtype": getattr(m, dtype)} if dtype else {})),
              f"asarray({kind.__name__}({v}))")


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32"])
def test_complex_tensor_in_list_to_real_dtype(dtype):
    _same(lambda m: m.tensor([m.tensor(1 + 2j), np.int8(3)], dtype=getattr(m, dtype)))
    _same(lambda m: m.tensor([m.tensor(1 + 0j)], dtype=getattr(m, dtype)))


@pytest.mark.parametrize("steps", ["3", "np.uint8(3)", "np.uint16(4)", "np.int32(3)", "t(3)", "True", "3.0", "t(3.)",
                                   "np.uint8(1)", "np.uint8(0)"])
def test_space_steps(steps):
    for call in (lambda m, s: m.linspace(0, 1, s), lambda m, s: m.linspace(0, 10, s, dtype=m.int64),
                 lambda m, s: m.linspace(0, 1j, s), lambda m, s: m.logspace(0, 1, s),
                 lambda m, s: m.logspace(0, 1, s, dtype=m.float16)):
        _same(lambda m: call(m, eval(steps, {"np": np, "t": m.tensor})), steps)


@pytest.mark.parametrize("bounds", ["(t(3), (2,))", "(t(1), t(5), (3,))", "(np.int64(2), (2,))", "(3.0, (2,))",
                                    "(True, (2,))", "(t(3.), (2,))"])
def test_randint_bounds(bounds):
    _same(lambda m: (lambda x: (x.shape, x.dtype))(m.randint(*eval(bounds, {"np": np, "t": m.tensor}))), bounds)


@pytest.mark.parametrize("repeats", [(-1,), (2, -1), (-1, 2), (1, 0, -1), (0, 2), (2, 3)])
def test_repeat_negative_refused(repeats):
    _same(lambda m: m.ones(2, 2).repeat(*repeats) if len(repeats) > 1 else m.ones(2).repeat(*repeats), str(repeats))


@pytest.mark.parametrize("write", ["setitem", "add_", "mul_ of a slice", "copy_", "zero_"])
@pytest.mark.parametrize("make", ["from_numpy", "as_tensor", "asarray"])
def test_write_into_read_only_numpy_memory_names_it(make, write):
    """torch writes into a read-only array's memory (undefined behavior, a warning); teenygrad refuses, naming the
    read-only array (it blamed an expand view's shared memory)."""
    a = np.arange(3.0)
    a.flags.writeable = False
    t = getattr(tg, make)(a)
    calls = {"setitem": lambda: t.__setitem__(0, 5.0), "add_": lambda: t.add_(1),
             "mul_ of a slice": lambda: t[1:].mul_(2), "copy_": lambda: t.copy_(tg.ones(3)), "zero_": lambda: t.zero_()}
    with pytest.raises(ValueError, match="read-only array"):
        calls[write]()
    assert a.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="single memory location"):  # an expand still says so
        tg.ones(1).expand(3).add_(1)


def test_complex_tensor_with_no_imaginary_part_as_float_warns_nothing():
    want = torch.tensor([torch.tensor(1 + 0j), 2.5], dtype=torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's ComplexWarning from the cast
        got = tg.tensor([tg.tensor(1 + 0j), 2.5], dtype=tg.float32)
    assert got.dtype == tg.float32 and got.tolist() == want.tolist()
