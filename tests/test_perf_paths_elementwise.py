"""The fast paths of a few elementwise ops, against torch, with the numba kernels on and off (`kernels` fixture):
x ** p for the exponents torch multiplies out (2, 3, -2) or takes by sqrt / reciprocal (0.5, -0.5, -1), bit for bit;
remainder's fmod-based float32 kernel (exact, the sign of zero as torch's); float64 erf and exact gelu (libm's erf);
huber_loss / smooth_l1_loss as one node reduced in place (the numba pass and the numpy path)."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from helpers import compare, rand

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 3e38]


def _same_bits(ours, theirs):
    """Equal values, zeros of the same sign, NaN where torch has NaN (a NaN's sign bit is not compared)."""
    a, b = ours.numpy(), theirs.detach().numpy()
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(b)
    np.testing.assert_array_equal(a[ok], b[ok])
    np.testing.assert_array_equal(np.signbit(a[ok]), np.signbit(b[ok]))


def _with_specials(x):
    x = x.copy()
    x.reshape(-1)[:len(SPECIAL)] = SPECIAL
    return x


# ---- x ** p -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [2, 3, 3.0, -2, -0.5, -1, 0, 1])
def test_pow_scalar_bitwise_as_torch(p, dtype):
    x = _with_specials(rand((67, 33), 0, dtype, low=-4, high=4))
    if p == -0.5:
        x = np.abs(x)
    _same_bits(tg.tensor(x) ** p, torch.tensor(x) ** p)
    _same_bits(tg.pow(tg.tensor(x), p), torch.pow(torch.tensor(x), p))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [2, 3, -2])
def test_pow_scalar_gradient_bitwise_as_torch(p, dtype):
    """dx = dz * (p * x ** (p - 1)): for p = 3 the x ** 2 is x * x in both, so the gradient matches bit for bit."""
    x = rand((40, 30), 1, dtype, low=0.5, high=3)
    if p == 3:
        x = rand((40, 30), 1, dtype)
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (a ** p).backward(tg.ones_like(a))
    (b ** p).backward(torch.ones_like(b))
    if p == -2:  # x ** -3 is a pow in both, and torch's vectorised pow is not libm's: equal up to rounding
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=4 * np.finfo(dtype).eps)
    else:
        _same_bits(a.grad, b.grad)


@pytest.mark.parametrize("p", [3, 3.0, -2, 0.5, -0.5, -1, 4, 1.5, 2.5, -3])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_pow_scalar_forward_backward(p, layout):
    compare(lambda lib, x: x ** p, [rand((24, 17), 2, low=0.5, high=2)], layout=layout)
    compare(lambda lib, x: lib.pow(x, p) * 2, [rand((24, 17), 3, low=0.5, high=2)], layout=layout)


@pytest.mark.parametrize("p", [3, -2, -0.5, 0.5, 4])
def test_pow_scalar_gradcheck(p):
    x = tg.tensor(rand((5, 4), 4, np.float64, low=0.5, high=2), requires_grad=True)
    assert gradcheck(lambda x: x ** p, [x])


def test_pow_scalar_double_backward():
    compare(lambda lib, x: _grad(lib, x, lambda x: (x ** 3).sum()), [rand((6, 5), 5)])


def _grad(lib, x, f):
    (g,) = (tg.autograd.grad if lib is tg else torch.autograd.grad)(f(x), [x], create_graph=True)
    return g


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float16])
def test_pow_scalar_other_dtypes(dtype):
    x = rand((9, 7), 6, dtype, low=-20, high=20) if dtype != np.float16 else rand((9, 7), 6, dtype)
    for p in (2, 3):
        a, b = tg.tensor(x) ** p, torch.tensor(x) ** p
        assert a.numpy().dtype == b.numpy().dtype
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_new_gelu_as_mingpt():
    """minGPT's NewGELU: the x ** 3 of the tanh form through torch.pow."""
    f = lambda lib, x: 0.5 * x * (1.0 + lib.tanh(0.7978845608028654 * (x + 0.044715 * lib.pow(x, 3.0))))
    compare(f, [rand((16, 48), 7, low=-4, high=4)])


# ---- remainder ----------------------------------------------------------------------------------------------------
def _rem_inputs(seed, n=6000):
    """Values over many magnitudes, exact multiples of the divisors and their neighbours (where a - q b cancels)."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 6, n)).astype(np.float32)
    x[:100] = np.float32(1.5) * np.arange(-50, 50, dtype=np.float32)
    x[100:200] = np.nextafter(np.float32(0.7) * np.arange(-50, 50, dtype=np.float32), np.float32(np.inf))
    x[200:300] = np.nextafter(np.float32(-0.3) * np.arange(-50, 50, dtype=np.float32), np.float32(-np.inf))
    return _with_specials(x).reshape(60, 100)


@pytest.mark.parametrize("b", [1.5, 0.7, -0.3, -2.0, 3e-3, 0.0, np.inf, -np.inf, np.nan])
def test_remainder_scalar_bitwise_as_torch(b, kernels):
    x = _rem_inputs(0)
    if abs(b) < 1:  # torch's vectorised fmod returns NaN once x / b overflows float32; keep the quotients sane
        x = np.clip(x, -1e4, 1e4)
    _same_bits(tg.tensor(x) % b, torch.tensor(x) % b)
    _same_bits(tg.tensor(x).remainder(b), torch.tensor(x).remainder(b))


@pytest.mark.parametrize("layout", ["contig", "T"])
def test_remainder_tensor_bitwise_as_torch(layout, kernels):
    x, y = _rem_inputs(1), _with_specials(rand((60, 100), 2, low=-3, high=3))
    y.reshape(-1)[8:12] = [1e-4, -1e-4, 1e6, -1e6]
    if layout == "T":
        x, y = x.T, y.T
    _same_bits(tg.tensor(x) % tg.tensor(y), torch.tensor(x) % torch.tensor(y))


def test_remainder_huge_quotients_are_exact(kernels):
    """|x / b| >= 2^24: the kernel's second pass (libm fmod), exact; numpy's mod agrees (torch's vector path, NaN)"""
    x = (np.random.default_rng(3).standard_normal(3000) * 1e30).astype(np.float32)
    for b in (np.float32(0.7), np.float32(-1e-20)):
        got = (tg.tensor(x) % float(b)).numpy()
        np.testing.assert_array_equal(got, np.mod(x, b))


@pytest.mark.parametrize("layout", ["contig", "T"])
def test_remainder_forward_backward(layout, kernels):
    compare(lambda lib, x: x.remainder(1.5) * x, [rand((30, 20), 4)], layout=layout)
    compare(lambda lib, x, y: lib.remainder(x, y), [rand((30, 20), 5), rand((30, 20), 6, low=0.5, high=2)],
            layout=layout)


def test_remainder_other_dtypes(kernels):
    for dtype in (np.float64, np.float16, np.int32, np.int64):
        x = rand((20, 30), 7, dtype, low=-50, high=50) if dtype in (np.int32, np.int64) else rand((20, 30), 7, dtype)
        for b in (3, -3):
            a, t = tg.tensor(x) % b, torch.tensor(x) % b
            assert a.numpy().dtype == t.numpy().dtype
            _same_bits(a, t) if dtype != np.float16 else np.testing.assert_array_equal(a.numpy(), t.numpy())


# ---- float64 erf / gelu ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_erf_float64_as_torch(layout, kernels):
    x = _with_specials(rand((50, 40), 8, np.float64, low=-7, high=7))
    x = x.T if layout == "T" else x
    a, b = tg.tensor(x).erf().numpy(), torch.tensor(x).erf().numpy()
    np.testing.assert_allclose(a, b, rtol=4e-16, atol=1e-300)
    assert tg.tensor(0.3, dtype=tg.float64).erf().item() == torch.tensor(0.3, dtype=torch.float64).erf().item()


def test_erf_gelu_float64_forward_backward(kernels):
    tight = dict(atol=1e-14, rtol=1e-13)
    compare(lambda lib, x: x.erf(), [rand((20, 30), 9, np.float64, low=-4, high=4)], fwd=tight, bwd=tight)
    compare(lambda lib, x: lib.nn.functional.gelu(x), [rand((20, 30), 10, np.float64, low=-6, high=6)],
            layout="T", fwd=tight, bwd=tight)
    x = tg.tensor(rand((4, 5), 11, np.float64), requires_grad=True)
    assert gradcheck(lambda x: tg.nn.functional.gelu(x).erf(), [x])


# ---- huber_loss / smooth_l1_loss ---------------------------------------------------------------------------------
def _loss_inputs(seed, dtype=np.float32):
    x, t = rand((33, 40), seed, dtype, low=-3, high=3), rand((33, 40), seed + 1, dtype, low=-3, high=3)
    t[0, :3] = x[0, :3] + np.array([1.0, -1.0, 0.5], dtype)  # |d| right at delta / beta
    return [x, t]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("delta", [1.0, 0.5, 2.5])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_huber_loss(reduction, delta, layout, kernels):
    compare(lambda lib, x, t: lib.nn.functional.huber_loss(x, t, reduction=reduction, delta=delta),
            _loss_inputs(12), layout=layout)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.5, 0.0])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_smooth_l1_loss(reduction, beta, layout, kernels):
    compare(lambda lib, x, t: lib.nn.functional.smooth_l1_loss(x, t, reduction=reduction, beta=beta),
            _loss_inputs(14), layout=layout)


@pytest.mark.parametrize("grad", [[True, False], [False, True]])
def test_huber_one_side_needs_grad(grad, kernels):
    compare(lambda lib, x, t: lib.nn.functional.huber_loss(x, t, delta=0.7), _loss_inputs(16), grad=grad)
    compare(lambda lib, x, t: lib.nn.functional.smooth_l1_loss(x, t, beta=0.7), _loss_inputs(16), grad=grad)


def test_huber_nan_inf_and_empty(kernels):
    x, t = _loss_inputs(18)
    x[1, :3] = [np.nan, np.inf, -np.inf]
    for red in ("mean", "none"):
        compare(lambda lib, x, t: lib.nn.functional.huber_loss(x, t, reduction=red), [x, t])
        compare(lambda lib, x, t: lib.nn.functional.smooth_l1_loss(x, t, reduction=red), [x, t])
    e = np.zeros((0, 3), np.float32)
    assert np.isnan(tg.nn.functional.huber_loss(tg.tensor(e), tg.tensor(e)).item())


def test_huber_weight_dtypes_and_errors(kernels):
    x, t = _loss_inputs(20)
    w = rand((33, 40), 22, low=0, high=1)
    for red in ("mean", "sum", "none"):
        compare(lambda lib, x, t, w: lib.nn.functional.huber_loss(x, t, reduction=red, delta=0.8, weight=w),
                [x, t, w])
    # two dtypes: computed in the promoted one; huber_loss writes input's dtype (torch's backward then refuses),
    # smooth_l1_loss keeps the promoted one
    for a, b in ((x, t.astype(np.float64)), (x.astype(np.float64), t)):
        compare(lambda lib, x, t: lib.nn.functional.huber_loss(x, t), [a, b], grad=[False, False])
        compare(lambda lib, x, t: lib.nn.functional.smooth_l1_loss(x, t), [a, b])
    with pytest.raises(NotImplementedError, match="huber_loss"):
        tg.nn.functional.huber_loss(tg.arange(3), tg.arange(3))
    with pytest.raises(ValueError, match="reduction"):
        tg.nn.functional.huber_loss(tg.tensor(x), tg.tensor(t), reduction="avg")


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_huber_gradcheck_and_double_backward(reduction):
    x, t = (tg.tensor(a, requires_grad=True) for a in _loss_inputs(24, np.float64))
    F = tg.nn.functional
    assert gradcheck(lambda x, t: F.huber_loss(x, t, reduction=reduction, delta=0.9), [x, t])
    assert gradcheck(lambda x, t: F.smooth_l1_loss(x, t, reduction=reduction, beta=1.3), [x, t])
    compare(lambda lib, x, t: _grad(lib, x, lambda x: (lib.nn.functional.huber_loss(x, t, delta=0.9) * 3).sum() +
                                    (lib.nn.functional.smooth_l1_loss(x * x, t, beta=0.6) ** 2).sum()),
            _loss_inputs(26))


@pytest.mark.parametrize("layout", ["contig", "T"])
def test_erf_float32_as_torch(layout, kernels):
    """float32 erf: the numba fit (or numpy's without numba) within 5e-7 of torch's everywhere, -0, tiny, inf and NaN
    kept; and its gradient."""
    x = _with_specials(np.linspace(-6, 6, 40 * 51, dtype=np.float32).reshape(40, 51))
    x = x.T if layout == "T" else x
    a, b = tg.tensor(x).erf(), torch.tensor(x).erf()
    assert a.numpy().dtype == np.float32
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=5e-7)
    compare(lambda lib, x: x.erf(), [rand((20, 30), 12, low=-3, high=3)], layout=layout)
    compare(lambda lib, x: x.half().erf().float(), [rand((20, 30), 13, low=-3, high=3)], grad=[False],
            fwd=dict(atol=1e-3, rtol=1e-3))  # float16 rounds through float32
