"""The one-pass float32 activation kernels (backend/_numba_act.py) and the numpy paths they stand in for, both
against torch (the `kernels` fixture runs each test both ways): sigmoid, tanh, exp, leaky_relu, softplus, forward and
backward, with NaN, +-inf and -0.0 in the input, non-contiguous inputs and gradients, and an in-place write to the
saved value raising in backward as torch's does."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import compare, rand

OPS = {
    "sigmoid": lambda lib, x: x.sigmoid(),
    "tanh": lambda lib, x: x.tanh(),
    "exp": lambda lib, x: x.exp(),
    "leaky_relu": lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1),
    "leaky_relu_steep": lambda lib, x: lib.nn.functional.leaky_relu(x, 3.0),
    "softplus": lambda lib, x: lib.nn.functional.softplus(x),
    "softplus_beta": lambda lib, x: lib.nn.functional.softplus(x, 2.0, 5.0),
    "softplus_small_beta": lambda lib, x: lib.nn.functional.softplus(x, 0.5, 3.0),
}
SPECIAL = [0.0, -0.0, np.nan, np.inf, -np.inf, 30.0, -30.0, -95.0, 1e-8, -1e-8]


def _input(seed, shape=(6, 9)):
    x = rand(shape, seed, low=-12.0, high=12.0)
    x.reshape(-1)[:len(SPECIAL)] = SPECIAL
    return x


def _values(out):
    return out.detach().numpy() if isinstance(out, torch.Tensor) else out.numpy()


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("layout", ["contig", "T", "step"])
def test_forward_and_backward_like_torch(name, layout, kernels):
    # finite inputs: the backward through a random projection (NaN / inf would make every gradient NaN)
    compare(OPS[name], [rand((6, 9), 1, low=-8.0, high=8.0)], layout=layout)


@pytest.mark.parametrize("name", list(OPS))
def test_nan_inf_and_signed_zero_like_torch(name, kernels):
    x = _input(2)
    ours, theirs = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = OPS[name](tg, ours), OPS[name](torch, theirs)
    a, b = _values(yo), _values(yt)
    assert a.dtype == np.float32
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)  # NaN where torch has NaN, inf where it has inf
    z = (a == 0) & (b == 0)
    assert np.array_equal(np.signbit(a[z]), np.signbit(b[z])), "-0.0 differs from torch's"
    g = np.ones_like(x)
    g.reshape(-1)[[0, 1, 5, 8]] = [np.inf, np.nan, -0.0, -0.0]  # at x = 0, -0.0, 30, 1e-8 (SPECIAL)
    yo.backward(tg.tensor(g))
    yt.backward(torch.tensor(g))
    ga, gb = ours.grad.numpy(), theirs.grad.numpy()
    np.testing.assert_allclose(ga, gb, rtol=1e-4, atol=1e-6)
    z = (ga == 0) & (gb == 0)
    assert np.array_equal(np.signbit(ga[z]), np.signbit(gb[z])), "-0.0 gradient differs from torch's"


@pytest.mark.parametrize("name", list(OPS))
def test_non_contiguous_gradient(name, kernels):
    # a gradient that arrives transposed (the kernels take C-contiguous arrays; the op must still be right)
    x = rand((7, 5), 3, low=-6.0, high=6.0)
    gt = rand((5, 7), 4)
    ours, theirs = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    OPS[name](tg, ours).backward(tg.tensor(gt).t())
    OPS[name](torch, theirs).backward(torch.tensor(gt).t())
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_softplus_threshold_edges(kernels):
    # beta x exactly at, just above and just below the threshold: linear only strictly above, as torch
    x = np.array([19.999998, 20.0, 20.000002, 10.0, 10.000001, -20.0], np.float32)
    for beta, thr in [(1.0, 20.0), (2.0, 20.0)]:
        compare(lambda lib, t: lib.nn.functional.softplus(t, beta, thr), [x])


@pytest.mark.parametrize("name, saves_output", [("sigmoid", True), ("tanh", True), ("exp", True),
                                                 ("leaky_relu", False), ("softplus", False)])
def test_inplace_write_to_saved_value_raises_like_torch(name, saves_output, kernels):
    # torch saves the output of sigmoid/tanh/exp and the input of leaky_relu/softplus: writing the saved one
    # in place before backward raises, in both frameworks
    x = rand((4, 3), 5)
    for lib in (torch, tg):
        leaf = lib.tensor(x, requires_grad=True)
        inp = leaf * 1.0
        out = OPS[name](lib, inp)
        (out if saves_output else inp).add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0, 0.0])
def test_elu_kernels_like_torch(alpha):
    # the kernels for ops/nn.py's ELU (forward; backward reading the result, as torch's elu_ does), called directly
    from teenygrad.backend import cpu
    if cpu.fused_for(np.zeros(1, np.float32)) is None:
        pytest.skip("numba kernels unavailable")
    from teenygrad.backend import _numba_act
    x = np.concatenate([_input(6, (200,)), rand((100,), 7, low=-1e-3, high=1e-3),
                        np.array([-0.35, -0.3500001, -1e-30, -90.0], np.float32)])
    g = rand(x.shape, 8)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.elu(xt * 1.0, alpha, inplace=True)  # in place: torch's backward reads the result too
    yt.backward(torch.tensor(g))
    y = _numba_act.elu(x, alpha)
    want = yt.detach().numpy()
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=0)  # relative: expm1 keeps tiny values exact
    z = (y == 0) & (want == 0)
    assert np.array_equal(np.signbit(y[z]), np.signbit(want[z]))
    dx = _numba_act.elu_backward(g, y, alpha)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-6, atol=1e-30)


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("shape", [(), (0,), (3, 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_dim_and_empty(name, shape, dtype, kernels):
    # a 0-d input (the numpy leaky_relu wrote into a numpy scalar and raised) and empty ones, dtype kept
    x = rand(shape, 9, dtype=dtype)
    out, want = compare(OPS[name], [x])
    assert out[0].numpy().dtype == dtype


def test_tanh_kernel_within_one_ulp():
    # the forward kernel (a rational fit evaluated in float64, rounded once) against float64 tanh over a dense sweep
    # of float32 inputs, the saturation edge (tanh rounds to 1 from ~9.01) and the special values; numpy's float32
    # tanh is 1.4 ulp off here, torch's 0.5
    from teenygrad.backend import cpu
    if cpu.fused_for(np.zeros(1, np.float32)) is None:
        pytest.skip("numba kernels unavailable")
    from teenygrad.backend import _numba_act
    x = np.concatenate([np.linspace(-12, 12, 400_001, dtype=np.float32), np.geomspace(1e-30, 1e-2, 2001, dtype=np.float32),
                        np.nextafter(np.float32(9.02), np.float32([0, 20])), np.float32([8.66, 8.67, 9.0, 9.01, 1e30])])
    x = np.concatenate([x, -x])
    y = _numba_act.tanh(x)
    exact = np.tanh(x.astype(np.float64))
    ulps = np.abs(y - exact) / np.spacing(np.abs(exact).astype(np.float32))
    assert y.dtype == np.float32 and ulps.max() < 1.0, (ulps.max(), x[ulps.argmax()])
    a = x.copy()  # in place (the recurrent scans' use) and into another array: the same values
    assert _numba_act.tanh(a, out=a) is a and np.array_equal(a, y)
    b = np.empty_like(x)
    assert _numba_act.tanh(x, out=b) is b and np.array_equal(b, y)
    sp = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], np.float32)
    got, want = _numba_act.tanh(sp), torch.tanh(torch.tensor(sp)).numpy()
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))
