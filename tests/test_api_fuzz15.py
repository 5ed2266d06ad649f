"""Fixes from an API-wide differential fuzz against torch (fifteenth landing): each test replays one mismatch
(a result where torch refuses the input, a crash where torch works, a wrong dtype) with fresh inputs."""
import numpy as np
import pytest
import torch

import teenygrad as tg

RTOL = ATOL = 1e-5
rng = np.random.default_rng(15)


def both(a):
    return torch.from_numpy(np.array(a)), tg.tensor(np.array(a))


def same_error(fn, *args):
    """torch raises; teenygrad raises the same exception class (or a subclass)"""
    with pytest.raises(Exception) as ref:
        fn(torch, *(a[0] if isinstance(a, tuple) else a for a in args))
    with pytest.raises(ref.type):
        fn(tg, *(a[1] if isinstance(a, tuple) else a for a in args))


def same_value(r, g):
    assert tuple(r.shape) == tuple(g.shape) and str(r.dtype).split(".")[-1] == str(g.dtype).split(".")[-1]
    np.testing.assert_allclose(g.float().numpy() if "bfloat16" in str(g.dtype) else g.numpy(),
                               r.float().numpy() if r.dtype == torch.bfloat16 else r.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("op", ["fmax", "fmin", "hypot", "logaddexp"])
def test_tensor_only_binary_refuses_a_number(op):
    x = both(rng.standard_normal(4).astype(np.float32))
    same_error(lambda L, a: getattr(a, op)(2.0), x)
    y = both(rng.standard_normal(4).astype(np.float32))
    same_value(getattr(x[0], op)(y[0]), getattr(x[1], op)(y[1]))


@pytest.mark.parametrize("op", ["copysign", "xlogy"])
def test_float_binary_refuses_complex(op):
    x = both(rng.standard_normal(3).astype(np.float32))
    same_error(lambda L, a: getattr(a, op)(1 + 2j), x)
    same_error(lambda L: getattr(L.ones(3, dtype=L.complex64), "atan2")(L.ones(3)))


def test_addcmul_addcdiv_argument_checks_and_result_dtype():
    t1, t2 = both(rng.standard_normal(3).astype(np.float32)), both(rng.standard_normal(3).astype(np.float32))
    x = both(rng.standard_normal(3).astype(np.float32))
    same_error(lambda L, a, b: a.addcmul(b, 2), x, t1)                       # tensor2 a number
    same_error(lambda L, a, b, c: a.addcdiv(b, c, value=1 + 2j), x, t1, t2)  # complex value on a real result
    same_error(lambda L, a, b: a.addcmul_(2, b), x, t1)
    b3 = both(rng.random(3) > 0.5)
    same_error(lambda L, a, b, c: a.addcmul(b, c, value=2), b3, b3, b3)       # bool result
    # a bool input beside float tensors gives a float result: a fractional value is fine
    same_value(b3[0].addcdiv(t1[0], t2[0], value=-1.5), b3[1].addcdiv(t1[1], t2[1], value=-1.5))
    # uint8 + bool * bool * 2 stays uint8 (bool * 2 alone would promote to int64)
    u = both(rng.integers(0, 9, 3).astype(np.uint8))
    same_value(u[0].addcmul(b3[0], b3[0], value=2), u[1].addcmul(b3[1], b3[1], value=2))


@pytest.mark.parametrize("op", ["addcmul", "addcdiv", "addcdiv_"])
def test_addc_computes_in_the_result_dtype(op):
    # float32 factors beside a float64 input: torch multiplies / divides in float64 (teenygrad did it in float32)
    x = rng.standard_normal(6)
    t1, t2 = (rng.standard_normal(6).astype(np.float32) for _ in range(2))
    r = getattr(torch.tensor(x), op)(torch.tensor(t1), torch.tensor(t2), value=-1.5)
    g = getattr(tg.tensor(x), op)(tg.tensor(t1), tg.tensor(t2), value=-1.5)
    assert g.dtype == tg.float64
    np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=1e-13, atol=1e-13)


def test_allclose_isclose_argument_checks():
    x, y = both(rng.standard_normal(3).astype(np.float32)), both(rng.standard_normal(4).astype(np.float32))
    same_error(lambda L, a: a.isclose(a, rtol=-1.0), x)
    same_error(lambda L, a: a.allclose(a, atol=-1.5), x)
    same_error(lambda L, a: a.isclose(a, atol=float("nan")), x)
    same_error(lambda L, a: a.isclose(a, rtol=1j), x)
    same_error(lambda L, a: a.isclose(1.0), x)
    same_error(lambda L, a, b: a.allclose(b), x, y)                            # (3,) vs (4,): RuntimeError
    same_value(x[0].isclose(x[0] + 1e-7), x[1].isclose(x[1] + 1e-7))
    assert x[1].allclose(x[1][:1].expand(3)) == x[0].allclose(x[0][:1].expand(3))


@pytest.mark.parametrize("op", ["gt_", "ge_", "lt_", "le_"])
def test_ordered_inplace_compare_refuses_complex(op):
    z = both((rng.standard_normal(3) + 1j * rng.standard_normal(3)).astype(np.complex64))
    same_error(lambda L, a: getattr(a.clone(), op)(0), z)
    r, g = z[0].clone(), z[1].clone()
    same_value(r.eq_(r), g.eq_(g))


def test_inplace_abs_of_complex_and_inplace_dtype_mismatch():
    z = both((rng.standard_normal(3) + 1j * rng.standard_normal(3)).astype(np.complex64))
    same_error(lambda L, a: a.clone().abs_(), z)
    x = both(rng.standard_normal((2, 3)).astype(np.float32))
    same_error(lambda L, a: a.clone().cumsum_(1, dtype=L.int64), x)
    same_error(lambda L, a: a.clone().cumprod_(0, dtype=L.float64), x)
    r, g = x[0].clone(), x[1].clone()
    same_value(r.cumsum_(1, dtype=torch.float32), g.cumsum_(1, dtype=tg.float32))


def test_clamp_bool_and_complex_bounds():
    b = both(rng.random(4) > 0.5)
    same_error(lambda L, a: a.clamp(min=True), b)
    same_error(lambda L, a: a.clamp_max(False), b)
    same_value(b[0].clamp(min=b[0]), b[1].clamp(min=b[1]))     # tensor bounds on bool are fine
    same_value(b[0].clamp(min=0), b[1].clamp(min=0))           # an int bound promotes to int64
    x, i = both(rng.standard_normal(4).astype(np.float32)), both(rng.integers(-3, 3, 4))
    same_error(lambda L, a: a.clamp(min=1j), x)
    same_error(lambda L, a: a.clamp_min(1 + 2j), i)


def test_float_only_ops_refuse_integers_and_complex():
    i = both(rng.integers(-3, 3, (2, 3)))
    x = both(rng.standard_normal((2, 3)).astype(np.float32))
    same_error(lambda L, a: a.softmax(0, dtype=L.int64), x)
    same_error(lambda L, a: a.log_softmax(1, dtype=L.int32), x)
    same_value(i[0].softmax(1, dtype=torch.float64), i[1].softmax(1, dtype=tg.float64))
    same_error(lambda L, a: a.lerp(a, 0.5), i)
    same_error(lambda L, a: a.lerp(a, 1j), x)
    z = both((rng.standard_normal(3) + 1j).astype(np.complex64))
    same_error(lambda L, a: a.nansum(), z)
    same_error(lambda L: L.ones(2, 2, dtype=L.bool).trace())
    same_value(i[0][:, :2].trace(), i[1][:, :2].trace())


def test_sgn_of_complex():
    a = (rng.standard_normal(5) + 1j * rng.standard_normal(5)).astype(np.complex64)
    a[2] = 0
    r, g = both(a)
    same_value(r.sgn(), g.sgn())
    same_value(r.clone().sgn_(), g.clone().sgn_())
    x = both(np.array([-2.0, 0.0, 3.0], np.float32))
    same_value(x[0].sgn(), x[1].sgn())


def test_bfloat16_nan_to_num_isin_and_integer_pow():
    a = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0], np.float32)
    r, g = torch.from_numpy(a).to(torch.bfloat16), tg.tensor(a).to(tg.bfloat16)
    same_value(r.nan_to_num(), g.nan_to_num())
    same_value(r.nan_to_num(nan=1.0, posinf=2.0), g.nan_to_num(nan=1.0, posinf=2.0))
    same_value(r.clone().nan_to_num_(), g.clone().nan_to_num_())
    same_value(torch.isin(r, 1.5), tg.isin(g, 1.5))
    same_value(torch.isin(r, torch.tensor([-2.0])), tg.isin(g, tg.tensor([-2.0])))
    same_error(lambda L: L.isin(L.ones(3, dtype=L.complex64), 1))
    e = np.array([-2, 3, 0, -1, 2])
    xr = torch.from_numpy(rng.uniform(0.5, 2, 5).astype(np.float32)).to(torch.bfloat16).requires_grad_()
    xg = tg.tensor(xr.detach().float().numpy()).to(tg.bfloat16).requires_grad_()
    yr, yg = xr.pow(torch.from_numpy(e)), xg.pow(tg.tensor(e))   # bfloat16 ** negative int64: crashed
    same_value(yr.detach(), yg.detach())
    yr.sum().backward()
    yg.sum().backward()
    same_value(xr.grad, xg.grad)


def test_tile_needs_dims():
    x = both(rng.standard_normal((2, 3)).astype(np.float32))
    same_error(lambda L, a: a.tile(), x)
    same_value(x[0].tile(()), x[1].tile(()))
    same_value(x[0].t().tile(2, 1), x[1].t().tile(2, 1))
