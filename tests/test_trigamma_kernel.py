"""backend/_numba_special's trigamma kernel (polygamma(1, x), so digamma's and lgamma's second derivative and
digamma's backward) against PyTorch, mpmath and special_math's numpy path (zeta(2, x)), with the kernels on and off:
random and special inputs (poles, +-inf, NaN, tiny, huge, far negative), float32 and float64, and the gradient of
digamma (contiguous, transposed, gradcheck in float64)."""
import math

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from teenygrad.backend import cpu
from teenygrad.ops import special_math
from helpers import compare

_rng = np.random.default_rng(7)
RANDOM = np.concatenate([_rng.uniform(-30, 30, 20000), _rng.uniform(0, 3, 20000), 10 ** _rng.uniform(-20, 20, 2000),
                         -10 ** _rng.uniform(-5, 3, 2000)])
# 9.99 / 10 / 10.01: both sides of the kernel's switch to the asymptotic series
SPECIAL = np.array([0.0, -0.0, -1.0, -2.0, -1e10, -1e15 - 0.5, -1e20, -3e38, -1e300, 1e-300, -1e-300, 1e-310,
                    -1e-310, 1e-30, -1e-30, 1e-154, 1e155, 1e300, 3e38, 9.99, 10.0, 10.01, 0.5, -0.5, -2.5, -100.5,
                    np.inf, -np.inf, np.nan])


def _same(got, want, **tol):
    np.testing.assert_allclose(got, want, equal_nan=True, **tol)
    assert (np.isnan(got) == np.isnan(want)).all()


def _trigamma(x):
    return tg.special.polygamma(1, tg.tensor(x)).numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_trigamma_matches_torch(kernels, dtype):
    x = RANDOM[(np.abs(RANDOM - np.round(RANDOM)) > 1e-3) | (RANDOM > 0)].astype(dtype)  # poles: ill-conditioned
    with np.errstate(over="ignore"):  # 1 / x^2 overflows float32 for x below ~1e-19, in torch too
        got = _trigamma(x)
        assert got.dtype == x.dtype
        # torch's own trigamma is good to ~5e-10 (its series stops at B6); its float32 reflection (x < 0) is off
        # by up to ~1e-2, so float32 is checked against torch's float64 of the same inputs, rounded
        want = torch.special.polygamma(1, torch.from_numpy(x.astype(np.float64))).numpy().astype(dtype)
    _same(got, want, **(dict(rtol=1e-9, atol=1e-13) if dtype == "float64" else dict(rtol=2e-6, atol=1e-30)))
    pos = x > 0
    _same(got[pos], torch.special.polygamma(1, torch.from_numpy(x[pos])).numpy(), rtol=2e-6 if dtype == "float32"
          else 1e-9, atol=1e-30)


def test_trigamma_float64_matches_mpmath(kernels):
    mpmath = pytest.importorskip("mpmath")
    x = np.concatenate([RANDOM[::100], SPECIAL[np.isfinite(SPECIAL) & (SPECIAL != np.round(SPECIAL))], [-1000.5]])
    x = x[(np.abs(x) < 1e4) & (np.abs(x) > 1e-10)]  # mpmath is slow far out
    want = np.array([float(mpmath.polygamma(1, mpmath.mpf(v))) for v in x])
    _same(_trigamma(x), want, rtol=1e-13)


def test_trigamma_special_values(kernels):
    """inf at 0, -0 and the negative integers (all x below -2^52); 0 at +inf and NaN at -inf and NaN, as torch's
    trigamma (torch gives a huge finite value at the poles); and far out, the reflection / the series alone"""
    got = _trigamma(SPECIAL)
    want = {0.0: math.inf, -1.0: math.inf, -2.0: math.inf, -1e10: math.inf, -1e20: math.inf, -3e38: math.inf, -1e300: math.inf,
            np.inf: 0.0, 1e-300: math.inf, -1e-300: math.inf, 1e-310: math.inf, -1e-310: math.inf,
            1e155: 1e-155, 1e300: 1e-300, 3e38: 1 / 3e38, -1e15 - 0.5: math.pi ** 2, 1e-30: 1e60, -1e-30: 1e60}
    for v, w in want.items():
        np.testing.assert_allclose(got[SPECIAL == v], w, rtol=1e-14, err_msg=str(v))
    assert np.isnan(got[np.isnan(SPECIAL) | (SPECIAL == -np.inf)]).all()
    t = torch.polygamma(1, torch.tensor([np.inf, -np.inf], dtype=torch.float64)).numpy()
    assert t[0] == 0.0 and np.isnan(t[1])  # the values above are torch's
    assert np.isfinite(got[~np.isin(SPECIAL, list(want)) & ~np.isnan(SPECIAL) & (SPECIAL != -np.inf)]).all()


def test_trigamma_kernel_matches_numpy_path():
    """the kernel and special_math's zeta(2, x) agree to float64 rounding, special values exactly"""
    if cpu.set_fused(True) is None:
        pytest.skip("numba kernels unavailable")
    x = np.concatenate([RANDOM, SPECIAL, -10 ** _rng.uniform(3, 15, 200) - 0.5])
    fast = special_math.polygamma(x, 1)
    cpu.set_fused(False)
    try:
        ref = special_math.polygamma(x, 1)
    finally:
        cpu.set_fused(True)
    _same(fast, ref, rtol=1e-13, atol=0)
    assert (np.isinf(fast) == np.isinf(ref)).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_digamma_gradient(kernels, dtype, layout):
    x = np.concatenate([_rng.uniform(0.1, 8, (40, 48)), _rng.uniform(-6, 0, (24, 48))]).astype(dtype)
    x[(np.abs(x - np.round(x)) < 1e-2) & (x < 0)] += 0.1  # away from the poles
    compare(lambda lib, t: lib.digamma(t), [x], layout=layout)
    compare(lambda lib, t: lib.special.polygamma(1, t), [x], layout=layout)


def test_digamma_gradcheck(kernels):
    x = tg.tensor(np.concatenate([_rng.uniform(0.2, 12, 20), _rng.uniform(-4, -0.1, 10)]), requires_grad=True)
    assert gradcheck(lambda t: t.digamma(), [x])
