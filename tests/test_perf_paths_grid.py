"""grid_sample's fast path (ops/grid.py GridSample2d with backend/_numba_grid.py, float32 with numba) and its
reference composition, each against torch: grid points on pixel centres and borders and far outside, NaN / inf
coordinates, non-contiguous inputs, partial gradients, and double backward."""
import itertools
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradgradcheck
from teenygrad.ops.grid import GridSample2d
from tests.helpers import compare, compare_double, rand

F32 = dict(fwd=dict(atol=1e-5, rtol=1e-4), bwd=dict(atol=1e-4, rtol=1e-3))
MODES = list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True]))


def _gs(mode, padding_mode, align_corners):
    return lambda lib, a, b: lib.nn.functional.grid_sample(a, b, mode=mode, padding_mode=padding_mode,
                                                           align_corners=align_corners)


def _pairs(values):
    """Every (x, y) pair of the values as a float32 grid (2, 1, n, 2)."""
    p = np.array(list(itertools.product(values, values)), np.float32)
    p = p[:len(p) // 2 * 2]
    return p.reshape(2, 1, -1, 2)


# pixel centres and edges for W = 5 / H = 4 under both conventions, the ends of [-1, 1] and just past them, -0.0,
# points far outside, and points that reflect several times
_EDGES = [-1, -1.0000001, -0.9999999, 1, 1.0000001, 0.9999999, 0, -0.0, 0.5, -0.5, 0.25, 0.2, -0.6, 0.6, 1.5, -1.5,
          2, -3, 5, -5, 7.3, 1e6, -1e6]


@pytest.mark.parametrize("mode,padding_mode,align_corners", MODES)
def test_grid_sample_edges(kernels, mode, padding_mode, align_corners):
    x = rand((2, 3, 4, 5), seed=21)
    compare(_gs(mode, padding_mode, align_corners), [x, _pairs(_EDGES)], **F32)


def test_grid_sample_takes_the_kernel_path(kernels):
    """float32 runs as one GridSample2d node when the kernels are on, and as the composition when they are off."""
    from teenygrad.backend import cpu
    x = tg.tensor(rand((1, 2, 3, 4), seed=22), requires_grad=True)
    g = tg.tensor(rand((1, 2, 2, 2), seed=23, low=-1, high=1), requires_grad=True)
    y = tg.nn.functional.grid_sample(x, g, align_corners=False)
    assert isinstance(y._ctx, GridSample2d) == (cpu.fused_for(x._data) is not None)


def _run(lib, x, g, mode, padding_mode, align_corners, backward=True):
    a, b = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
    y = lib.nn.functional.grid_sample(a, b, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    if not backward:
        return [y.detach().numpy()]
    w = np.random.default_rng(3).standard_normal(y.shape).astype(x.dtype)
    (y * lib.tensor(w)).sum().backward()
    return [y.detach().numpy(), a.grad.numpy(), b.grad.numpy()]


@pytest.mark.parametrize("mode,align_corners", list(itertools.product(["bilinear", "nearest"], [False, True])))
def test_grid_sample_nonfinite_zeros(kernels, mode, align_corners):
    """padding 'zeros': a NaN or inf coordinate gives a NaN output and grid gradient under 'bilinear' (torch
    multiplies the zero of an out-of-range tap by its NaN weight) and 0 under 'nearest'."""
    x = rand((2, 3, 4, 5), seed=24)
    g = _pairs([np.nan, np.inf, -np.inf, 0.3, -1.2, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the composition's inf - inf
        ours = _run(tg, x, g, mode, "zeros", align_corners)
    for a, b in zip(ours, _run(torch, x, g, mode, "zeros", align_corners)):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-4)  # NaN where torch has NaN, and only there


@pytest.mark.parametrize("mode,padding_mode,align_corners",
                         list(itertools.product(["bilinear", "nearest"], ["border", "reflection"], [False, True])))
def test_grid_sample_nonfinite_clipped_forward(kernels, mode, padding_mode, align_corners):
    """'border' / 'reflection': NaN (and an inf that reflects to NaN) clips to 0, as torch's forward (its backward
    is undefined there: not compared)."""
    x = rand((2, 3, 4, 5), seed=25)
    g = _pairs([np.nan, np.inf, -np.inf, 0.3, -1.2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = _run(tg, x, g, mode, padding_mode, align_corners, backward=False)
    np.testing.assert_allclose(ours[0], _run(torch, x, g, mode, padding_mode, align_corners, backward=False)[0],
                               atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_non_contiguous(kernels, mode, padding_mode):
    x = rand((2, 3, 6, 7), seed=26)
    g = rand((2, 5, 4, 2), seed=27, low=-1.3, high=1.3)
    compare(_gs(mode, padding_mode, True), [x, g], layout="T", **F32)
    compare(_gs(mode, padding_mode, False), [x, g], layout="step", **F32)


@pytest.mark.parametrize("which", [(True, False), (False, True)])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_partial_grads(kernels, mode, which):
    x = rand((2, 3, 5, 6), seed=28)
    g = rand((2, 4, 3, 2), seed=29, low=-1.3, high=1.3)
    compare(_gs(mode, "reflection", False), [x, g], grad=list(which), **F32)


def test_grid_sample_larger(kernels):
    """More channels than points per image and an output larger than the input (upsampling)."""
    x = rand((3, 17, 9, 11), seed=30)
    g = rand((3, 13, 19, 2), seed=31, low=-1.1, high=1.1)
    compare(_gs("bilinear", "zeros", False), [x, g], **F32)


@pytest.mark.parametrize("mode,padding_mode,align_corners", MODES)
def test_grid_sample_double_backward(kernels, mode, padding_mode, align_corners):
    x = rand((2, 2, 4, 5), seed=32)
    g = rand((2, 3, 3, 2), seed=33, low=-1.3, high=1.3)
    # 'nearest': torch's second gradient of the grid is zeros, ours none (its first is zeros either way)
    compare_double(_gs(mode, padding_mode, align_corners), [x, g], grad=[True, mode == "bilinear"])


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_gradgradcheck(padding_mode):
    x = tg.tensor(rand((1, 2, 3, 4), seed=34, dtype=np.float64), requires_grad=True)
    g = tg.tensor(rand((1, 2, 3, 2), seed=35, dtype=np.float64, low=-1.3, high=1.3), requires_grad=True)
    assert gradgradcheck(lambda a, b: tg.nn.functional.grid_sample(a, b, padding_mode=padding_mode,
                                                                   align_corners=False), (x, g))
