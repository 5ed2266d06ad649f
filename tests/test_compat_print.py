"""Printing like torch: tensor reprs (number formats, alignment, summarising, suffixes), set_printoptions, Size,
grad_fn names and next_functions, x.type(), and torch's warning on reading .grad of a non-leaf tensor.
Our reprs name our module (dtype=teenygrad.float64), so torch's are compared with `torch.` replaced."""
import math
import re

import numpy as np
import pytest
import torch

import teenygrad as tg

NAN, INF = float("nan"), float("inf")


def _norm(s):
    # 'teenygrad.' is 4 characters longer than 'torch.', which can move a suffix to the next line
    return re.sub(r",\s+(dtype|grad_fn|requires_grad|device|size)=", r", \1=", s.replace("torch.", "teenygrad."))


def _same_repr(a, **kw):
    """Our repr and str of numpy array a match torch's."""
    ours, theirs = tg.tensor(a, **kw), torch.tensor(a, **kw)
    assert _norm(repr(ours)) == _norm(repr(theirs))
    assert _norm(str(ours)) == _norm(str(theirs))


@pytest.fixture(autouse=True)
def _default_printoptions():
    yield
    tg.set_printoptions(profile="default", sci_mode=None)
    torch.set_printoptions(profile="default", sci_mode=None)


VALUES = [
    [0.1, 0.25], [1e-5, 1.0, 1e3], [1.5, 2.0], [1.0, 2.0], [-0.2138, -1.378, -0.0546], [1.0, NAN],
    [INF, -1.5, NAN], [-0.0, 1.0], [0.0, 0.0], [NAN], [INF, -INF], [1e9, 1.0], [123456789.0, 1.0], [1e-5], [0.5],
    [1e10], [1e8, 1.0], [999.0, 1.0], [1001.0, 1.0], [1e-4, 1.0], [9.9e-5, 1.0], [-1e-5, 2.5, NAN, -INF],
    [3.0, -0.0, NAN, INF], [[1.0, -2.5], [NAN, 100.0]], [1e20, -1e-20], [0.33333, 12345.6], 7.25, -0.0, NAN, 3.0,
    [], [[]], [[1.0], [2.0]],
]


@pytest.mark.parametrize("v", VALUES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_float_values(v, dtype):
    with np.errstate(over="ignore"):
        _same_repr(np.array(v, dtype=dtype))


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2000,), (100, 100), (30,), (4, 40), (2, 2, 2, 2),
                                   (3, 1, 500), (), (0, 3), (0,), (2, 0, 2), (1001,), (7, 7, 7, 7)], ids=str)
@pytest.mark.parametrize("scale", [1.0, 1e-5, 1e5, 1e9])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"])
def test_random(shape, scale, dtype):
    rng = np.random.default_rng(hash((shape, scale, dtype)) % 2 ** 32)
    x = rng.standard_normal(shape) * scale
    if dtype == "bool":
        x = x > 0
    elif dtype == "uint8":
        x = np.abs(x * 10) % 256
    elif dtype != "float16" and dtype.startswith("int"):
        x = np.clip(x * 10, -2 ** 31, 2 ** 31 - 1)
    with np.errstate(over="ignore", invalid="ignore"):
        _same_repr(x.astype(dtype))


@pytest.mark.parametrize("shape", [(6,), (3, 5), (2, 3, 4)], ids=str)
def test_whole_and_mixed_signs(shape):
    rng = np.random.default_rng(1)
    x = rng.integers(-50, 50, shape).astype(np.float32)
    _same_repr(x)
    x.flat[0] = -0.5
    _same_repr(x)


def test_bfloat16():
    x = [0.1, -2.5, 1000.0]
    assert _norm(repr(tg.tensor(x, dtype=tg.bfloat16))) == _norm(repr(torch.tensor(x, dtype=torch.bfloat16)))


@pytest.mark.parametrize("opts", [dict(precision=2), dict(precision=6), dict(sci_mode=True), dict(sci_mode=False),
                                  dict(threshold=5, edgeitems=1), dict(threshold=10, edgeitems=2),
                                  dict(linewidth=40), dict(profile="short"), dict(profile="full"),
                                  dict(edgeitems=0, threshold=3)], ids=str)
@pytest.mark.parametrize("v", [[1.23456, 2.5], [1e-6, 3.0, 250.0], list(range(20)), [[0.5] * 12] * 12], ids=str)
def test_set_printoptions(opts, v):
    tg.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    _same_repr(np.array(v, dtype=np.float32))
    _same_repr(np.array(v).astype(np.int64))


def test_suffixes():
    a, ta = tg.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    for f in (lambda x: x, lambda x: x * 2, lambda x: x + 1, lambda x: x.sum(), lambda x: x.mean(),
              lambda x: x.tanh(), lambda x: x.exp(), lambda x: x.double(), lambda x: (x * 1e5).sum()):
        assert _norm(repr(f(a))) == _norm(repr(f(ta)))
    assert _norm(repr(tg.zeros(2, 3, dtype=tg.int32))) == _norm(repr(torch.zeros(2, 3, dtype=torch.int32)))
    assert _norm(repr(tg.zeros(0, 2, dtype=tg.int64))) == _norm(repr(torch.zeros(0, 2, dtype=torch.int64)))
    # a long last line sends the suffix to its own line, as torch does
    v = np.linspace(0, 1, 9, dtype=np.float32)
    theirs = repr(torch.tensor(v, requires_grad=True))
    assert repr(tg.tensor(v, requires_grad=True)) == theirs and "\n" in theirs


def test_format_of_scalar_tensor():
    assert f"{tg.tensor(0.123456):.3f}" == f"{torch.tensor(0.123456):.3f}" == "0.123"


# ---- Size ----------------------------------------------------------------------------------------------------
def test_size_is_a_tuple_and_prints_as_one():
    """torch prints torch.Size([2, 3, 4]); teenygrad's Size prints as the plain tuple, which is also how every
    error message shows a shape (a Size repr there would read `teenygrad.Size([2, 3])` mid-sentence)."""
    import pickle
    s = tg.zeros(2, 3, 4).shape
    assert s == (2, 3, 4) and hash(s) == hash((2, 3, 4)) and s.numel() == 24 and s[1] == 3
    assert repr(s) == f"{s}" == "(2, 3, 4)" and isinstance(s, tg.Size) and tg.zeros(2, 3).size() == (2, 3)
    assert pickle.loads(pickle.dumps(s)) == s and type(pickle.loads(pickle.dumps(s))) is tg.Size


# ---- grad_fn ---------------------------------------------------------------------------------------------------
GRAPHS = {
    "mul": lambda L, a, b: a * b, "add": lambda L, a, b: a + b, "sub": lambda L, a, b: a - b,
    "div": lambda L, a, b: a / b, "mul_scalar": lambda L, a, b: a * 2, "sum": lambda L, a, b: a.sum(),
    "mean": lambda L, a, b: a.mean(), "tanh": lambda L, a, b: a.tanh(), "exp": lambda L, a, b: a.exp(),
    "relu": lambda L, a, b: L.relu(a), "mm": lambda L, a, b: a @ b.T, "view": lambda L, a, b: a.view(-1),
    "sigmoid": lambda L, a, b: a.sigmoid(), "neg": lambda L, a, b: -a, "pow": lambda L, a, b: a ** 2,
    "nll": lambda L, a, b: L.nn.functional.cross_entropy(a, L.tensor([0, 1])),
    "softmax": lambda L, a, b: L.softmax(a, 1), "log_softmax": lambda L, a, b: L.log_softmax(a, 1),
    "linear": lambda L, a, b: L.nn.functional.linear(a, b, L.ones(2)),
}


@pytest.mark.parametrize("op", list(GRAPHS))
def test_grad_fn_names(op):
    def run(L):
        a = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        return GRAPHS[op](L, a, L.tensor([[0.5, 1.5], [2.0, 3.0]], requires_grad=True))
    ours, theirs = run(tg), run(torch)
    assert ours.grad_fn.name() == type(theirs.grad_fn).__name__
    assert re.fullmatch(rf"<{type(theirs.grad_fn).__name__} object at 0x[0-9a-f]+>", repr(ours.grad_fn))
    assert f"grad_fn=<{type(theirs.grad_fn).__name__}>" in repr(ours)


def test_next_functions():
    a, b = tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([3.0, 4.0])
    loss = ((a * b) + a).sum()
    (add, _), = loss.grad_fn.next_functions
    assert add.name() == "AddBackward0"
    (mul, i), (acc, j) = add.next_functions
    assert (i, j) == (0, 0) and mul.name() == "MulBackward0" and acc.variable is a
    assert acc.name() == "torch::autograd::AccumulateGrad" and acc.next_functions == ()
    assert mul.next_functions[1] == (None, 0) and mul.next_functions[0][0].variable is a
    assert repr(acc).startswith("<AccumulateGrad object at 0x")
    loss.backward()  # the graph is freed: torch still names the node
    assert loss.grad_fn.name() == "SumBackward0"


# ---- x.type(), .grad of a non-leaf ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8",
                                   "bool"])
def test_type_names(dtype):
    x, tx = tg.zeros(2, dtype=getattr(tg, dtype)), torch.zeros(2, dtype=getattr(torch, dtype))
    assert x.type() == tx.type()
    name = tx.type()
    assert x.type(name).dtype == getattr(tg, dtype) and tg.ones(2).type(getattr(tg, dtype)).dtype == x.dtype


def test_type_converts():
    x = tg.tensor([1.5, 2.5])
    assert x.type("torch.LongTensor").tolist() == [1, 2] and x.type("torch.DoubleTensor").dtype == tg.float64
    assert x.type(tg.float64).dtype == tg.float64
    with pytest.raises(RuntimeError, match="invalid type"):
        x.type("torch.NoSuchTensor")


def test_grad_of_non_leaf_warns():
    import warnings
    for L in (tg, torch):
        x = L.ones(2, requires_grad=True)
        y, z = x * 2, x * 3
        z.retain_grad()
        (y + z).sum().backward()
        with pytest.warns(UserWarning, match="not a leaf Tensor"):
            assert y.grad is None
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert z.grad.tolist() == [1.0, 1.0] and x.grad.tolist() == [5.0, 5.0]
            assert L.ones(2).grad is None and L.ones(2, requires_grad=True).grad is None
