"""The fused normalisation paths against torch: GroupNorm as one node (a numba kernel for float32, numpy otherwise;
instance_norm runs on it), LayerNorm over several trailing dims on the last-axis kernel, the float64 LayerNorm
kernel, and hardswish's one-pass kernels. Each runs with the kernels on and off (the `kernels` fixture)."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import check_on_fake_device, compare, compare_double, gradgrad_ok, gc_input, rand, to_np

F = {tg: tg.nn.functional, torch: torch.nn.functional}

# (x shape, groups); (2, 4, 40, 40) has rows of 3200 values: more than one block of _numba_norm's float32 sums
GN_CASES = [((4, 6, 5, 3), 3), ((3, 8, 7), 8), ((5, 4), 2), ((2, 8, 3, 3, 2), 4), ((2, 4, 40, 40), 2),
            ((3, 6, 5), 1)]


def _gn(groups, affine):
    def fn(lib, x, *wb):
        w = wb[0] if affine in ("wb", "w") else None
        b = wb[-1] if affine in ("wb", "b") else None
        return F[lib].group_norm(x, groups, w, b)
    return fn


def _gn_arrays(shape, affine, dtype=np.float32):
    c = shape[1]
    return [rand(shape, 0, dtype)] + [rand((c,), i, dtype) for i in range(1, 1 + len(affine))]


@pytest.mark.parametrize("shape,groups", GN_CASES)
@pytest.mark.parametrize("affine", ["wb", "w", "b", ""])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_group_norm(kernels, shape, groups, affine, layout):
    def bias_only(lib, x, b):  # torch's backward fails on a bias without a weight ("tensor does not have a device")
        return F[lib].group_norm(x, groups) + b.reshape((1, -1) + (1,) * (x.ndim - 2))
    compare(_gn(groups, affine), _gn_arrays(shape, affine), layout=layout,
            fn_torch=bias_only if affine == "b" else None)


def test_group_norm_takes_the_kernel(kernels):
    from teenygrad.backend import cpu
    y = F[tg].group_norm(tg.tensor(rand((2, 6, 5), 0), requires_grad=True), 3)
    assert (y._ctx.kernels is not None) == (cpu.fused() is not None)


def test_group_norm_shifted_input(kernels):
    # a large common offset: the statistics must not lose the small spread (a one-pass E[x^2] - E[x]^2 in float32
    # is off by percents here). Against float64 of the same inputs: both float32 results are within ~3e-5 of it.
    x, w, b = rand((2, 4, 16, 16), 0) + np.float32(1000.0), rand((4,), 1), rand((4,), 2)
    y = F[tg].group_norm(tg.tensor(x), 2, tg.tensor(w), tg.tensor(b))
    want = F[torch].group_norm(torch.tensor(x, dtype=torch.float64), 2, torch.tensor(w, dtype=torch.float64),
                               torch.tensor(b, dtype=torch.float64))
    assert y.dtype == tg.float32
    np.testing.assert_allclose(to_np(y), to_np(want), atol=2e-4)


def test_group_norm_only_some_grads(kernels):
    # weight frozen, bias learned (and the reverse): the returned grads line up with the inputs
    arrays = _gn_arrays((3, 4, 5), "wb")
    compare(_gn(2, "wb"), arrays, grad=[True, False, True])
    compare(_gn(2, "wb"), arrays, grad=[False, True, False])


@pytest.mark.parametrize("affine", ["wb", ""])
def test_group_norm_float64_gradcheck(kernels, affine):
    xs = [gc_input((2, 6, 3), 0)] + [gc_input((6,), i) for i in range(1, 1 + len(affine))]
    assert tg.autograd.gradcheck(lambda *a: _gn(3, affine)(tg, *a), xs)


@pytest.mark.parametrize("shape,groups", [((3, 4, 5), 2), ((2, 6, 2, 3), 6)])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_group_norm_double_backward(kernels, shape, groups, layout):
    compare_double(_gn(groups, "wb"), _gn_arrays(shape, "wb"), layout=layout)
    compare_double(_gn(groups, ""), _gn_arrays(shape, ""), layout=layout)


def test_group_norm_gradgradcheck():
    gradgrad_ok(lambda x, w, b: _gn(2, "wb")(tg, x, w, b), [(2, 4, 3), (4,), (4,)])
    gradgrad_ok(lambda x: _gn(3, "")(tg, x) ** 2, [(2, 3, 4)])


@pytest.mark.parametrize("shape", [(4, 3, 5), (2, 4, 3, 3)])
@pytest.mark.parametrize("running", [False, True])
def test_instance_norm(kernels, shape, running):
    c = shape[1]
    rm, rv = rand((c,), 5), rand((c,), 6, low=0.5, high=2.0)
    bufs = {lib: ((lib.tensor(rm.copy()), lib.tensor(rv.copy())) if running else (None, None)) for lib in (tg, torch)}

    def fn(lib, x, w, b):
        return F[lib].instance_norm(x, *bufs[lib], w, b, use_input_stats=True, momentum=0.3)
    compare(fn, [rand(shape, 0), rand((c,), 1), rand((c,), 2)], layout="T")
    if running:
        for ours, theirs in zip(bufs[tg], bufs[torch]):
            np.testing.assert_allclose(to_np(ours), to_np(theirs), rtol=1e-5, atol=1e-6)


# ---- LayerNorm over 2-3 trailing dims runs the last-axis kernel on x as (..., d) --------------------------------
LN_CASES = [((3, 4, 5), (4, 5)), ((2, 3, 4, 5), (3, 4, 5)), ((6, 2, 3), (2, 3)), ((4, 5), (4, 5))]


@pytest.mark.parametrize("shape,ns", LN_CASES)
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("layout", ["contig", "T", "step"])
def test_layer_norm_trailing_dims(kernels, shape, ns, affine, layout):
    arrays = [rand(shape, 0)] + ([rand(ns, 1), rand(ns, 2)] if affine else [])
    compare(lambda lib, x, *wb: F[lib].layer_norm(x, ns, *wb), arrays, layout=layout)


def test_layer_norm_trailing_dims_takes_the_kernel(kernels):
    from teenygrad.backend import cpu
    y = F[tg].layer_norm(tg.tensor(rand((3, 4, 5), 0), requires_grad=True), (4, 5))
    assert (y._ctx.kernels is not None) == (cpu.fused() is not None)


def test_layer_norm_weight_only_trailing_dims(kernels):
    compare(lambda lib, x, w: F[lib].layer_norm(x, (4, 5), w), [rand((3, 4, 5), 0), rand((4, 5), 1)])


def test_layer_norm_trailing_dims_double_backward(kernels):
    compare_double(lambda lib, x, w, b: F[lib].layer_norm(x, (3, 4), w, b),
                   [rand((2, 3, 4), 0), rand((3, 4), 1), rand((3, 4), 2)], layout="T")


# ---- float64 LayerNorm: its own kernel (numba on) ----------------------------------------------------------------
@pytest.mark.parametrize("shape,ns", [((5, 7), (7,)), ((2, 3, 8), (8,)), ((2, 3, 4), (3, 4))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_float64(kernels, shape, ns, affine):
    arrays = [rand(shape, 0, np.float64)] + ([rand(ns, 1, np.float64), rand(ns, 2, np.float64)] if affine else [])
    tight = dict(atol=1e-12, rtol=1e-10)
    compare(lambda lib, x, *wb: F[lib].layer_norm(x, ns, *wb), arrays, layout="T", fwd=tight, bwd=tight)


def test_layer_norm_float64_gradcheck_and_double_backward(kernels):
    xs = [gc_input((3, 6), 0), gc_input((6,), 1), gc_input((6,), 2)]
    assert tg.autograd.gradcheck(lambda x, w, b: F[tg].layer_norm(x, (6,), w, b), xs)
    gradgrad_ok(lambda x, w, b: F[tg].layer_norm(x, (6,), w, b), [(3, 6), (6,), (6,)])


# ---- hardswish: one pass each way (float32, C-contiguous) ------------------------------------------------------
def test_hardswish_random(kernels):
    x = rand((64, 33), 0, low=-5.0, high=5.0)
    x[0, :6] = [-3.0, 3.0, -2.9999998, 2.9999998, 0.0, -0.0]
    for layout in ("contig", "T"):
        compare(lambda lib, a: F[lib].hardswish(a), [x], layout=layout)


def test_hardswish_exact_at_corners(kernels):
    # torch's hardswish_backward: 0 up to -3 (inclusive), x / 3 + 1/2 below 3, then (and for nan) the gradient itself
    vals = np.array([-np.inf, -1e30, -3.0, -2.9, 0.0, 2.9, 3.0, 1e30, np.inf, np.nan, 1.5, -1.5], np.float32)
    g = rand(vals.shape, 3)
    x, xt = tg.tensor(vals, requires_grad=True), torch.tensor(vals, requires_grad=True)
    y, yt = F[tg].hardswish(x), F[torch].hardswish(xt)
    y.backward(tg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(to_np(y), to_np(yt))
    np.testing.assert_array_equal(to_np(x.grad), to_np(xt.grad))


@pytest.mark.parametrize("name,fn,shapes", [
    ("group_norm", lambda x, w: F[tg].group_norm(x, 2, w, w * 0.5), ((2, 4, 3), (4,))),
    ("layer_norm_2d", lambda x, w: F[tg].layer_norm(x, (3, 4), w), ((2, 3, 4), (3, 4))),
    ("hardswish", lambda x, w: F[tg].hardswish(x * 3) * w, ((2, 3), (3,)))])
def test_on_fake_device(name, fn, shapes):
    # the numpy paths take cupy arrays as they are (tests/fake_cupy.py stands in for a GPU)
    check_on_fake_device(fn, *shapes, name)
