"""Leftovers 15: fill_ with a 0-d value that requires grad, einsum's implicit output with ellipses of different
lengths, addcmul/addcdiv with a fractional value on integer results, tensordot's dims refusals. torch is the
oracle."""
import numpy as np
import pytest
import torch

import teenygrad as tg

RTOL, ATOL = 1e-5, 1e-5


def _pair(*shape, dtype=np.float32, requires_grad=False):
    a = np.asarray(np.random.randn(*shape), dtype)
    return (torch.tensor(a, requires_grad=requires_grad), tg.tensor(a, requires_grad=requires_grad))


# ---- 1. fill_ / torch.fill with a 0-d value in a graph -------------------------------------------------
@pytest.mark.parametrize("case", ["plain", "fill", "graph", "view", "float64"])
def test_fill_value_tensor_receives_gradient(case):
    v_t, v_g = _pair(requires_grad=True)
    x_t, x_g = _pair(3, 4, requires_grad=True)
    w_t, w_g = _pair(3, 4)
    outs = []
    for lib, v, x, w in ((torch, v_t, x_t, w_t), (tg, v_g, x_g, w_g)):
        if case == "plain":
            y = lib.ones(3, 4).fill_(v)
        elif case == "fill":
            y = lib.fill(lib.ones(3, 4), v * 2)
        elif case == "graph":  # the old values get a zero gradient
            y = (x * 3).fill_(v)
        elif case == "view":  # a row of a plain tensor, then the whole tensor on
            y = lib.ones(3, 4)
            y[1].fill_(v)
        else:
            y = lib.ones(3, 4, dtype=lib.float64).fill_(v)
        assert y.requires_grad
        (y * w.to(y.dtype)).sum().backward()
        outs.append((y.detach().numpy(), v.grad.numpy(), None if x.grad is None else x.grad.numpy()))
    (yt, gvt, gxt), (yg, gvg, gxg) = outs
    assert yg.dtype == yt.dtype
    np.testing.assert_allclose(yg, yt, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(gvg, gvt, rtol=RTOL, atol=ATOL)
    assert (gxt is None) == (gxg is None)
    if gxt is not None:
        np.testing.assert_array_equal(gxg, gxt)


def test_fill_value_tensor_no_grad_and_plain_value():
    v = tg.tensor(2.5, requires_grad=True)
    with tg.no_grad():
        y = tg.ones(3).fill_(v)
    assert not y.requires_grad and y.tolist() == [2.5, 2.5, 2.5]
    y = tg.ones(3).fill_(tg.tensor(1.5))
    assert not y.requires_grad and y.tolist() == [1.5, 1.5, 1.5]
    with pytest.raises(RuntimeError, match="leaf Variable"):
        tg.ones(3, requires_grad=True).fill_(v)


# ---- 2. einsum: implicit output with ellipses of different lengths ----------------------------------
@pytest.mark.parametrize("eq,shapes", [
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...ij,...jk", [(5, 4, 2), (2, 1, 2, 3)]),
    ("...ij,jk", [(2, 1, 3, 4), (4, 2)]),
    ("i...,...i", [(3, 2, 4), (4, 3)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
])
def test_einsum_ellipses_of_different_lengths(eq, shapes):
    ts, gs = zip(*[_pair(*s, requires_grad=True) for s in shapes])
    out_t, out_g = torch.einsum(eq, *ts), tg.einsum(eq, *gs)
    assert tuple(out_g.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    w = np.random.randn(*out_t.shape).astype(np.float32)
    (out_t * torch.tensor(w)).sum().backward()
    (out_g * tg.tensor(w)).sum().backward()
    for t, g in zip(ts, gs):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


# ---- 3. addcmul / addcdiv with a fractional value on integer results --------------------------------
@pytest.mark.parametrize("dtype", ["int32", "int64", "int16", "int8", "uint8"])
@pytest.mark.parametrize("value", [0.5, 1.7, -0.5, 2.0, 3, -1, 127.9, 128, -128.5, float("nan"), True])
def test_addcmul_integer_value(dtype, value):
    a, b, c = (np.array(v, dtype=dtype) for v in ([3, 4, 5], [1, 3, 7], [5, 3, 3]))
    results = []
    for lib in (torch, tg):
        A, B, C = (lib.tensor(x) for x in (a, b, c))
        for fn in (lambda: lib.addcmul(A, B, C, value=value), lambda: A.clone().addcmul_(B, C, value=value),
                   lambda: lib.addcdiv(A, B.float(), C.float(), value=value)):
            try:
                r = fn()
                results.append((str(r.dtype).split(".")[-1], str(np.round(r.numpy().astype(np.float64), 4).tolist())))
            except RuntimeError:
                results.append("error")
    assert results[3:] == results[:3]


def test_addcmul_float_and_int_mixes():
    f, i = np.array([1., 2, 3], np.float32), np.array([3, 4, 5], np.int32)
    for x, y in ((f, i), (i, f)):
        for value in (0.5, 2):
            rt = torch.addcmul(torch.tensor(x), torch.tensor(y), torch.tensor(y), value=value)
            rg = tg.addcmul(tg.tensor(x), tg.tensor(y), tg.tensor(y), value=value)
            assert str(rg.dtype).split(".")[-1] == str(rt.dtype).split(".")[-1]
            np.testing.assert_allclose(rg.numpy(), rt.numpy())


# ---- 4. tensordot: dims must be an int, a tensor, or a pair of lists of ints -------------------------
_DIMS = {
    "pair of tensors": lambda lib: (lib.tensor([1, 2]), lib.tensor([0, 1])),
    "tensor and list": lambda lib: (lib.tensor([1, 2]), [0, 1]),
    "pair of ints": lambda lib: (2, 1),
    "list and int": lambda lib: ([2], 1),
    "float in list": lambda lib: ([1., 2], [0, 1]),
    "bool in list": lambda lib: ([True], [0]),
    "1-d tensor": lambda lib: lib.tensor([2, 1]),
    "list and tensor": lambda lib: [[1, 2], lib.tensor([0, 1])],
    "float": lambda lib: 2.0,
    "pair of lists": lambda lib: ([1, 2], [0, 1]),
    "list and tuple": lambda lib: ([1, 2], (0, 1)),
    "2-d tensor": lambda lib: lib.tensor([[1, 2], [0, 1]]),
    "0-d tensor": lambda lib: lib.tensor(2),
    "0-d float tensor": lambda lib: lib.tensor(2.0),
    "empty lists": lambda lib: ([], []),
}


@pytest.mark.parametrize("name", list(_DIMS))
def test_tensordot_dims_forms(name):
    a_t, a_g = _pair(2, 3, 4)
    b_t, b_g = _pair(3, 4, 5)
    try:
        want = torch.tensordot(a_t, b_t, dims=_DIMS[name](torch))
    except (TypeError, RuntimeError) as e:
        with pytest.raises(type(e)):
            tg.tensordot(a_g, b_g, dims=_DIMS[name](tg))
        return
    got = tg.tensordot(a_g, b_g, dims=_DIMS[name](tg))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-4)
