"""backend/_numba_special's one-pass kernels (lgamma, digamma, erfc, erfcx, erfinv, ndtri, log_ndtr, polygamma through
zeta) against PyTorch and against special_math's numpy path, at (4096, 512)-sized random inputs plus special values
(0, -0.0, poles, +-inf, NaN, tiny and huge arguments), in float32 and float64, with the kernels on and off; and that
zeta (so polygamma and digamma's backward) returns, with torch's values, for q far below 0 and at huge negative poles
(-1e30, -inf), where it used to loop forever."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.backend import cpu
from teenygrad.ops import special_math
from helpers import compare

_rng = np.random.default_rng(1)
SPECIAL = np.array([0.0, -0.0, 1.0, 2.0, -1.0, -2.0, -7.0, 0.5, -0.5, -3.5, 1e-310, -1e-310, 1e-300, 1e300, -1e300,
                    5.0, -5.0, 26.0, 27.0, -27.0, 40.0, np.inf, -np.inf, np.nan])
BIG = np.concatenate([_rng.uniform(-30, 30, 4096 * 256), _rng.uniform(-3, 3, 4096 * 256)]).reshape(4096, 512)
UNIT = np.concatenate([_rng.uniform(-1, 1, 4096 * 512 - 600), 1 - 10 ** _rng.uniform(-16, 0, 300),
                       -1 + 10 ** _rng.uniform(-16, 0, 300)]).reshape(4096, 512)
PROB = np.concatenate([_rng.uniform(0, 1, 4096 * 512 - 600), 10 ** _rng.uniform(-300, 0, 300),
                       1 - 10 ** _rng.uniform(-16, 0, 300)]).reshape(4096, 512)
UNIT_SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.0, 1 - 1e-12, 1 - 2e-12, np.nan])
PROB_SPECIAL = np.array([0.0, 1.0, 0.5, 0.25, 5e-13, 1e-12, 2e-12, 5e-324, 1e-300, -0.1, 1.1, np.nan])

CASES = [("lgamma", torch.lgamma, BIG, SPECIAL), ("digamma", torch.digamma, BIG, SPECIAL),
         ("erfc", torch.special.erfc, BIG, SPECIAL), ("erfcx", torch.special.erfcx, BIG, SPECIAL),
         ("log_ndtr", torch.special.log_ndtr, BIG, SPECIAL), ("erfinv", torch.special.erfinv, UNIT, UNIT_SPECIAL),
         ("ndtri", torch.special.ndtri, PROB, PROB_SPECIAL)]


def _op(lib, name):
    """lib.special.name, or lib.name where torch keeps it there (lgamma)"""
    return getattr(lib.special, name, None) or getattr(lib, name)


def _same(got, want, **tol):
    np.testing.assert_allclose(got, want, equal_nan=True, **tol)
    assert (np.isnan(got) == np.isnan(want)).all()


@pytest.mark.parametrize("name, fn, x, special", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_kernel_matches_torch(kernels, name, fn, x, special, dtype):
    with np.errstate(over="ignore"):  # 1e300 -> inf in float32
        x = np.concatenate([x.reshape(-1), special]).astype(dtype)
    got = _op(tg, name)(tg.tensor(x)).numpy()
    want = fn(torch.from_numpy(x)).numpy()
    assert got.dtype == x.dtype
    if name == "erfcx" and dtype == "float32":  # below -4 torch's float32 2 e^(x^2) drifts by x^2 float32 ulps
        keep = ~(x < -4)
        x, got, want = x[keep], got[keep], want[keep]
    if name == "digamma":  # next to its poles digamma is ill-conditioned: torch and we differ in the last digits
        keep = (np.abs(x - np.round(x)) > 1e-3) | (x > 0)
        got, want = got[keep], want[keep]
    _same(got, want, **(dict(rtol=1e-12, atol=1e-13) if dtype == "float64" else dict(rtol=2e-6, atol=1e-6)))
    edge = ((want == 0) & (name != "ndtri")) | np.isinf(want)  # -0.0 and the infs keep their signs (ndtri(0.5)
    # is -0.0 on both of our paths, +0.0 in torch: as before the kernels)
    assert (np.signbit(got[edge]) == np.signbit(want[edge])).all()


@pytest.mark.parametrize("name, x", [("lgamma", BIG), ("digamma", BIG), ("erfc", BIG), ("erfcx", BIG),
                                     ("log_ndtr", BIG), ("erfinv", UNIT), ("ndtri", PROB)])
def test_kernel_matches_numpy_path(name, x):
    """the kernel and special_math's numpy reference agree to float64 rounding, special values exactly"""
    if cpu.set_fused(True) is None:
        pytest.skip("numba kernels unavailable")
    x = x.reshape(-1)[::7]
    fast = getattr(special_math, name)(x)
    cpu.set_fused(False)
    try:
        ref = getattr(special_math, name)(x)
    finally:
        cpu.set_fused(True)
    _same(fast, ref, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_polygamma_kernel(kernels, n):
    x = np.concatenate([_rng.uniform(-30, 30, 20000), _rng.uniform(0, 3, 20000), SPECIAL[np.abs(SPECIAL) < 1e10]])
    x = x[(np.abs(x - np.round(x)) > 1e-3) | (x >= 0)]  # away from the poles (ill-conditioned)
    got = tg.special.polygamma(n, tg.tensor(x)).numpy()
    _same(got, torch.special.polygamma(n, torch.from_numpy(x)).numpy(), rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("op", ["lgamma", "digamma", "erfc", "erfinv", "ndtri", "log_ndtr"])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_forward_backward_float32(kernels, op, layout):
    if op == "erfinv":
        x = _rng.uniform(-0.99, 0.99, (64, 48)).astype(np.float32)
    elif op == "ndtri":
        x = _rng.uniform(0.01, 0.99, (64, 48)).astype(np.float32)
    elif op in ("lgamma", "digamma"):
        x = _rng.uniform(0.1, 8, (64, 48)).astype(np.float32)
    else:
        x = _rng.uniform(-4, 4, (64, 48)).astype(np.float32)
    compare(lambda lib, t: _op(lib, op)(t), [x], layout=layout)


# q far below 0 (not a pole) used to be stepped up to 10 one term at a time (|q| steps), and huge negative poles
# (-1e30, -inf) were missed by numba's int64 math.floor, so zeta looped forever; these must return, as torch's values
FAR_Q = np.array([-100.5, -100.3, -150.7, -333.1, -1e4 + 0.3, -1e6 + 0.25, -99.5])
HUGE = np.array([-101.0, -1e10, -1e30, -3e38, -1e300, -np.inf, np.inf, 1e30, np.nan, 0.0, -0.0, 1e-30, -1e-30])


@pytest.mark.parametrize("s", [2.0, 3.0, 4.0, 5.0, 7.0])
def test_zeta_far_negative_q(kernels, s):
    q = np.concatenate([FAR_Q, HUGE])
    got = tg.special.zeta(tg.tensor(np.full(q.shape, s)), tg.tensor(q)).numpy()
    want = torch.special.zeta(torch.full(q.shape, s, dtype=torch.float64), torch.from_numpy(q)).numpy()
    n = FAR_Q.size
    _same(got[n:], want[n:], rtol=1e-12)
    # the negative terms cancel against the first positive ones (for odd s), so both sums keep rounding noise of
    # the largest term's size, 1 / f^s or 1 / (1 - f)^s: errors are relative to that
    f = torch.from_numpy(q[:n] - np.floor(q[:n]))
    big = (torch.special.zeta(s, f) + torch.special.zeta(s, 1 - f)).numpy()
    assert (np.abs(got[:n] - want[:n]) <= 1e-12 * (np.abs(want[:n]) + big)).all()
    assert (np.signbit(got[np.isinf(want)]) == np.signbit(want[np.isinf(want)])).all()


def test_zeta_far_negative_q_matches_numpy_path():
    if cpu.set_fused(True) is None:
        pytest.skip("numba kernels unavailable")
    s = np.repeat([2.0, 3.0, 6.0, 9.0, 2.5], 400)
    q = np.tile(np.concatenate([_rng.uniform(-300, 20, 387), HUGE]), 5)
    fast = special_math.zeta(s, q)
    cpu.set_fused(False)
    try:
        ref = special_math.zeta(s, q)
    finally:
        cpu.set_fused(True)
    _same(fast, ref, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_huge_negative_poles(kernels, dtype):
    """digamma and polygamma at poles beyond int64 (and at -inf) give torch's NaN / inf, and return"""
    with np.errstate(over="ignore"):
        x = np.array([-1e10, -1e30, -3e38, -1e300, -np.inf, -2.0, 1e30, np.inf, np.nan], dtype=dtype)
    for fn in (lambda lib, t: lib.digamma(t), lambda lib, t: lib.special.polygamma(2, t),
               lambda lib, t: lib.special.polygamma(3, t), lambda lib, t: lib.lgamma(t)):
        got, want = fn(tg, tg.tensor(x)).numpy(), fn(torch, torch.from_numpy(x)).numpy()
        assert got.dtype == x.dtype
        _same(got, want, rtol=1e-6)
        assert (np.signbit(got[np.isinf(want)]) == np.signbit(want[np.isinf(want)])).all()
