"""Gaps against torch 2.13: fill_ through expanded and overlapping views, 0-d .mT, the in-place cast check before
the op's own dtype errors, maximum / minimum / atan2 refusing numbers, tensor() refusing numbers torch can't convert,
and number-first functional calls (torch.add(1+2j, t), torch.true_divide(-2, uint8_t))."""
import warnings
import numpy as np
import pytest
import torch
import teenygrad as tg

RNG = np.random.default_rng(14)


def _same(t, g):
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


def _raises_like(fn, exc=None):
    """fn(torch) and fn(teenygrad) raise the same exception type (exc, where given)."""
    with pytest.raises(Exception) as et:
        fn(torch)
    with pytest.raises(Exception) as eg:
        fn(tg)
    assert type(eg.value).__name__ == type(et.value).__name__, (eg.value, et.value)
    if exc is not None:
        assert isinstance(eg.value, exc)
    return str(eg.value)


def _like_torch(run):
    """run(L) gives what torch gives, or raises where torch raises (same type); torch's exception, or None"""
    try:
        want = run(torch)
    except Exception as e:  # noqa: BLE001  the type of torch's error is what is compared
        _raises_like(run)
        return e
    _same(want, run(tg))
    return None


# ---- 1. fill_ / zero_ through a view whose elements share memory ----------------------------------------------
VIEWS = {
    "expand": lambda x: x[1].expand(3, 4),
    "expand_permuted": lambda x: x.t()[:, None].expand(4, 2, 3),
    "as_strided_overlap": lambda x: x.as_strided((3, 3), (1, 1), 1),
    "as_strided_zero_stride": lambda x: x.as_strided((2, 5), (0, 2)),
    "broadcast_to": lambda x: x[:, :1].broadcast_to((3, 5)),
}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("fill", ["fill_", "zero_"])
def test_fill_writes_through_overlapping_views(view, fill):
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    xt, xg = torch.tensor(a), tg.tensor(a)
    vt, vg = VIEWS[view](xt), VIEWS[view](xg)
    args = (2.5,) if fill == "fill_" else ()
    assert getattr(vg, fill)(*args) is vg
    getattr(vt, fill)(*args)
    _same(xt, xg)
    _same(vt, vg)


def test_fill_int_expand_and_ops_still_refuse():
    xt, xg = torch.zeros(3, dtype=torch.int64), tg.zeros(3, dtype=tg.int64)
    xt.expand(2, 3).fill_(7)
    xg.expand(2, 3).fill_(7)
    _same(xt, xg)
    # an op whose result differs per element still refuses on an overlapping view, as torch
    _raises_like(lambda L: L.zeros(3).expand(2, 3).add_(L.ones(2, 3)), RuntimeError)


# ---- 2. .mT of a 0-d tensor ----------------------------------------------------------------------------------------
def test_mT_of_0d_is_the_tensor():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xt = torch.tensor(3.5)
        assert xt.mT is xt
    xg = tg.tensor(3.5)
    assert xg.mT is xg
    _raises_like(lambda L: L.ones(3).mT, RuntimeError)


# ---- 3. in-place ops: the cast check comes before the op's own dtype errors -----------------------------------------
INPLACE = {
    "iand": lambda t, o: t.__iand__(o), "ior": lambda t, o: t.__ior__(o), "ixor": lambda t, o: t.__ixor__(o),
    "ilshift": lambda t, o: t.__ilshift__(o), "irshift": lambda t, o: t.__irshift__(o),
    "ifloordiv": lambda t, o: t.__ifloordiv__(o), "imod": lambda t, o: t.__imod__(o),
    "bitwise_and_": lambda t, o: t.bitwise_and_(o), "bitwise_or_": lambda t, o: t.bitwise_or_(o),
    "bitwise_left_shift_": lambda t, o: t.bitwise_left_shift_(o), "remainder_": lambda t, o: t.remainder_(o),
    "floor_divide_": lambda t, o: t.floor_divide_(o),
}
OTHERS = {"float": 1.5, "complex": 1j, "float_t": [1.5, 2.0, 3.0], "float_0d": np.float32(1.5),
          "complex_t": [1j, 2.0, 1.0], "int": 3, "int_t": [1, 2, 3], "bool": True}


def _operand(L, o):
    if isinstance(o, list):
        return L.tensor(o)
    if isinstance(o, np.float32):
        return L.tensor(float(o))  # a 0-d float tensor
    return o


@pytest.mark.parametrize("op", INPLACE)
@pytest.mark.parametrize("other", OTHERS)
@pytest.mark.parametrize("self_dtype", ["int64", "uint8", "bool", "float32"])
def test_inplace_cast_check_first(op, other, self_dtype):
    a = np.array([5, 6, 7])

    def run(L):
        return INPLACE[op](L.tensor(a).to(getattr(L, self_dtype)), _operand(L, OTHERS[other]))
    err = _like_torch(run)
    if err is not None and "can't be cast" in str(err):
        assert "can't be cast" in _raises_like(run)


# ---- 4. maximum / minimum / atan2 take only tensors -----------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda L, x: L.maximum(x, 1.5), lambda L, x: L.minimum(x, 2), lambda L, x: x.maximum(0.0),
    lambda L, x: x.minimum(True), lambda L, x: L.atan2(x, 1.5), lambda L, x: x.atan2(1), lambda L, x: x.atan2_(1.5),
    lambda L, x: x.arctan2(2.0), lambda L, x: L.maximum(x, [1.0, 2.0, 3.0])])
def test_tensor_only_binary_refuse_numbers(call):
    a = RNG.standard_normal(3).astype(np.float32)
    _raises_like(lambda L: call(L, L.tensor(a)), TypeError)


def test_tensor_only_binary_still_take_tensors():
    a, b = RNG.standard_normal((2, 3)).astype(np.float32), RNG.standard_normal(3).astype(np.float32)
    for f in (lambda L, x, y: L.maximum(x, y), lambda L, x, y: L.minimum(x, y), lambda L, x, y: L.atan2(x, y),
              lambda L, x, y: x.clone().atan2_(y)):
        _same(f(torch, torch.tensor(a), torch.tensor(b)), f(tg, tg.tensor(a), tg.tensor(b)))


# ---- 5. tensor(data, dtype=) refuses numbers torch can't convert ---------------------------------------------------
DATA = {"py_complex": lambda: 1j, "py_complex_real": lambda: 1 + 0j, "list_complex": lambda: [1, 2j],
        "nested_complex": lambda: [[1.0], [2j]], "np_float16": lambda: np.float16(1.5),
        "np_float32": lambda: np.float32(2.0), "np_float64": lambda: np.float64(2.5),
        "np_complex64": lambda: np.complex64(1j), "np_complex128": lambda: np.complex128(1 + 0j),
        "list_np_float32": lambda: [np.float32(1.5), 2], "tuple_np_float16": lambda: (1, np.float16(2.0)),
        "np_int32": lambda: np.int32(3), "np_bool": lambda: np.bool_(True), "py_float": lambda: 1.5,
        "list_np_complex64": lambda: [np.complex64(1j)], "array_float16": lambda: np.array([1.5], np.float16)}


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool", "complex64"])
def test_tensor_number_conversion_like_torch(data, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's and torch's ComplexWarning for np.complex64 into a real dtype
        try:
            want = torch.tensor(DATA[data](), dtype=getattr(torch, dtype))
        except TypeError:
            _raises_like(lambda L: L.tensor(DATA[data](), dtype=getattr(L, dtype)), TypeError)
            return
        _same(want, tg.tensor(DATA[data](), dtype=getattr(tg, dtype)))


# ---- 6. number-first functional calls -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "true_divide", "divide", "floor_divide", "remainder",
                                  "pow"])
@pytest.mark.parametrize("number", [-2, 3, -2.5, 1 + 2j, True])
@pytest.mark.parametrize("dtype", ["uint8", "int32", "float32", "bool"])
def test_number_first_like_torch(name, number, dtype):
    a = np.array([1, 2, 3])

    def run(L):
        return getattr(L, name)(number, L.tensor(a).to(getattr(L, dtype)))
    _like_torch(run)


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_number_first_div_rounding_keeps_integer_promotion(mode):
    a = np.array([1, 2, 3], np.uint8)
    _same(torch.div(-2, torch.tensor(a), rounding_mode=mode), tg.div(-2, tg.tensor(a), rounding_mode=mode))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "true_divide", "floor_divide", "pow", "remainder",
                                  "bitwise_and"])
@pytest.mark.parametrize("pair", [(2, 3.5), (2, 3), (-7, 2), (2.5, 1j)])
def test_two_numbers_like_torch(name, pair):
    def run(L):
        return getattr(L, name)(*pair)
    _like_torch(run)
