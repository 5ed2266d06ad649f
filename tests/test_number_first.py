"""torch.xxx(number, tensor): the module-level binary functions that take a Python number first (torch.sub(1, x),
torch.divide(1, x), torch.float_power(2, x), ...) against PyTorch: value and dtype for each number kind and tensor
dtype, errors where torch raises, backward and a float64 gradcheck; and the functions torch refuses a number first."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from teenygrad.functional_api import _NUMBER_FIRST
from helpers import compare, assert_close, rand

NUMBERS = [2, -3, 0, 2.5, True]
ARRAYS = {"float32": np.array([1.0, 3.0, -2.0, 0.5], np.float32), "float64": np.array([1.0, 2.0, -0.5], np.float64),
          "int64": np.array([1, 3, 2, -1]), "int32": np.array([1, 3, 2], np.int32),
          "bool": np.array([True, False, True])}
KWARGS = {"divide": {"rounding_mode": "floor"}, "div": {"rounding_mode": "trunc"}, "add": {"alpha": 2},
          "sub": {"alpha": 2}}
ALIAS = {"divide": "div", "true_divide": "div", "floor_divide": "div", "subtract": "sub", "multiply": "mul"}


def _both(name, number, arr, **kw):
    """(torch's result or exception, ours)"""
    out = []
    for lib in (torch, tg):
        try:
            with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0, 1 / 0: nan, inf as torch
                out.append(getattr(lib, name)(number, lib.tensor(arr), **kw))
        except (RuntimeError, TypeError, ValueError, NotImplementedError) as e:
            out.append(e)
    return out


@pytest.mark.parametrize("name", sorted(_NUMBER_FIRST))
def test_number_first_matches_torch(name):
    for number in NUMBERS:
        for kind, arr in ARRAYS.items():
            if name in ("sub", "subtract") and (kind == "bool" or number is True):
                continue  # torch refuses bool subtraction; the number-first path promotes the bool before sub sees it
            for kw in ({}, KWARGS.get(name)) if name in KWARGS else ({},):
                if kw.get("alpha") and kind == "bool" and number is True:
                    continue  # bool + alpha * bool: Tensor.add's own gap (int64, torch keeps bool), not this path's
                want, got = _both(name, number, arr, **kw)
                what = f"torch.{name}({number!r}, {kind} tensor, {kw})"
                if isinstance(want, Exception):
                    assert isinstance(got, Exception), f"{what}: torch raises {want!r}, teenygrad gives {got}"
                    stem = ALIAS.get(name, name.replace("bitwise_", ""))  # bitwise errors say "and:", "or:", ...
                    assert stem in str(got), f"{what}: the error does not name the op: {got}"
                    continue
                assert not isinstance(got, Exception), f"{what}: teenygrad raises {got!r}"
                assert_close(got, want, what, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", ["divide", "float_power", "xlogy", "bitwise_left_shift", "bitwise_right_shift"])
def test_number_first_new_names_refuse_what_torch_refuses(name):
    """The dtype combinations torch rejects (a float shift, ...) raise in both; and at least one result is computed,
    so the number-first path is really taken."""
    results = [_both(name, n, a) for n in NUMBERS for a in ARRAYS.values()]
    assert any(not isinstance(w, Exception) for w, _ in results)
    for want, got in results:
        assert isinstance(want, Exception) == isinstance(got, Exception), (want, got)
    if name.startswith("bitwise"):
        assert all(isinstance(r, Exception) for r in _both(name, 2.5, ARRAYS["int64"]))


@pytest.mark.parametrize("name", ["sub", "subtract", "div", "divide", "true_divide", "pow", "float_power", "xlogy",
                                  "mul", "multiply", "add"])  # not remainder: torch has no derivative for its 2nd input
def test_number_first_backward_matches_torch(name):
    x = rand((3, 4), 1, low=0.5, high=2.0)  # positive: pow and xlogy have finite gradients
    compare(lambda lib, t: getattr(lib, name)(1.5, t), [x])
    compare(lambda lib, t: getattr(lib, name)(3, t), [x.astype(np.float64)])


@pytest.mark.parametrize("name", ["divide", "float_power", "xlogy", "sub", "pow"])
def test_number_first_gradcheck(name):
    x = tg.tensor(np.random.default_rng(2).uniform(0.5, 2.0, (2, 3)), dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda t: getattr(tg, name)(1.7, t), [x])


@pytest.mark.parametrize("name", ["fmod", "atan2", "arctan2", "maximum", "minimum", "fmax", "fmin", "hypot",
                                  "copysign", "logaddexp", "heaviside", "nextafter", "gcd", "lcm", "ldexp", "eq", "lt",
                                  "logical_and"])
def test_number_first_refused_like_torch(name):
    with pytest.raises(TypeError):
        getattr(torch, name)(1, torch.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=f"{name}: expected a Tensor as the first argument, got int"):
        getattr(tg, name)(1, tg.tensor([1.0, 2.0]))


@pytest.mark.parametrize("first,second", [(2, [True, False]), (True, [1.0, 2.0]), (True, [True, False])])
def test_sub_with_a_bool_and_a_number_first_refuses_as_torch(first, second):
    with pytest.raises(RuntimeError, match="bool"):
        torch.sub(first, torch.tensor(second))
    for name in ("sub", "subtract"):
        with pytest.raises(RuntimeError, match="bool tensor is not supported"):
            getattr(tg, name)(first, tg.tensor(second))


def test_tensordot_over_empty_dims_as_torch():
    for sa, sb, dims in (((2, 0), (3, 0), ([1], [1])), ((0, 4), (4, 3), 1), ((2, 3), (3, 0), 1)):
        ra, rb = np.ones(sa, np.float32), np.ones(sb, np.float32)
        x, y = tg.tensor(ra, requires_grad=True), tg.tensor(rb, requires_grad=True)
        xt, yt = torch.tensor(ra, requires_grad=True), torch.tensor(rb, requires_grad=True)
        z, zt = tg.tensordot(x, y, dims), torch.tensordot(xt, yt, dims)
        assert tuple(z.shape) == tuple(zt.shape)
        np.testing.assert_array_equal(z.detach().numpy(), zt.detach().numpy())
        z.sum().backward()
        zt.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
        np.testing.assert_array_equal(y.grad.numpy(), yt.grad.numpy())


@pytest.mark.parametrize("op", ["addmm", "addmv", "addr", "baddbmm", "addbmm"])
def test_beta_zero_ignores_the_input_but_gives_it_a_zero_gradient_as_torch(op):
    shapes = {"addmm": ((2, 3), (2, 4), (4, 3)), "addmv": ((2,), (2, 4), (4,)), "addr": ((2, 3), (2,), (3,)),
              "baddbmm": ((5, 2, 3), (5, 2, 4), (5, 4, 3)), "addbmm": ((2, 3), (5, 2, 4), (5, 4, 3))}[op]
    r = np.random.default_rng(0)
    arrays = [r.standard_normal(s).astype(np.float32) for s in shapes]
    arrays[0][(0,) * arrays[0].ndim] = np.nan  # left out: no nan in the result
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = getattr(tg, op)(*ours, beta=0), getattr(torch, op)(*theirs, beta=0)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    yt.sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)
    bad = tg.ones(*[s + 3 for s in shapes[0]])  # still checked against the product's shape
    with pytest.raises(RuntimeError):
        getattr(torch, op)(torch.ones(*bad.shape), *theirs[1:], beta=0)
    with pytest.raises(RuntimeError, match=op):
        getattr(tg, op)(bad, *ours[1:], beta=0)
