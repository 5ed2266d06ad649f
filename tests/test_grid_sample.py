"""F.affine_grid and F.grid_sample against torch: values, gradients (theta, input, grid), every mode x padding x
align_corners, float32 / float64, non-contiguous inputs, a float64 gradcheck, and torch-style errors."""
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from tests.helpers import compare, rand, raises_like_torch

F32 = dict(fwd=dict(atol=1e-5, rtol=1e-4), bwd=dict(atol=1e-4, rtol=1e-3))
F64 = dict(fwd=dict(atol=1e-12, rtol=1e-10), bwd=dict(atol=1e-10, rtol=1e-9))
TOL = {np.float32: F32, np.float64: F64}


# ---- affine_grid ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 5, 7), (2, 1, 4, 1), (2, 2, 1, 6)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_affine_grid(size, align_corners, dtype):
    theta = rand((size[0], 2, 3), seed=sum(size), dtype=dtype)
    with warnings.catch_warnings():  # both warn for a unit-size grid with align_corners=True
        warnings.simplefilter("ignore")
        compare(lambda lib, t: lib.nn.functional.affine_grid(t, list(size), align_corners=align_corners), [theta],
                **TOL[dtype])


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_3d(align_corners):
    theta = rand((2, 3, 4), seed=3)
    compare(lambda lib, t: lib.nn.functional.affine_grid(t, [2, 1, 3, 4, 5], align_corners=align_corners),
            [theta], **F32)


def test_affine_grid_warns():
    for lib in (torch, tg):
        theta = lib.zeros(1, 2, 3)
        with pytest.warns(UserWarning):
            lib.nn.functional.affine_grid(theta, [1, 1, 1, 3])
        with pytest.warns(UserWarning, match="unit-size"):
            lib.nn.functional.affine_grid(theta, [1, 1, 1, 3], align_corners=True)


def test_affine_grid_errors():
    raises_like_torch(lambda lib: lib.nn.functional.affine_grid(lib.zeros(2, 3, 3), [2, 1, 4, 4], False),
                      ValueError, "Nx2x3")
    raises_like_torch(lambda lib: lib.nn.functional.affine_grid(lib.zeros(2, 2, 3), [2, 1, 4, 4, 4], False),
                      ValueError, "Nx3x4")
    raises_like_torch(lambda lib: lib.nn.functional.affine_grid(lib.zeros(2, 2, 3), [2, 4, 4], False),
                      NotImplementedError, "4D and 5D")
    raises_like_torch(lambda lib: lib.nn.functional.affine_grid(lib.zeros(2, 2, 3, dtype=lib.int64),
                                                                [2, 1, 4, 4], False), ValueError, "floating")
    raises_like_torch(lambda lib: lib.nn.functional.affine_grid(lib.zeros(2, 2, 3), [2, 1, 0, 4], False),
                      ValueError, "positive output size")


# ---- grid_sample ---------------------------------------------------------------------------------------
def _grid(shape, seed, dtype):
    return rand(shape, seed, dtype, -1.6, 1.6)  # some points outside [-1, 1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample(mode, padding_mode, align_corners, dtype):
    x = rand((2, 3, 5, 6), seed=1, dtype=dtype)
    g = _grid((2, 4, 7, 2), seed=2, dtype=dtype)
    compare(lambda lib, a, b: lib.nn.functional.grid_sample(a, b, mode=mode, padding_mode=padding_mode,
                                                            align_corners=align_corners), [x, g], **TOL[dtype])


@pytest.mark.parametrize("layout", ["T", "step"])
@pytest.mark.parametrize("padding_mode", ["zeros", "reflection"])
def test_grid_sample_non_contiguous(layout, padding_mode):
    x = rand((2, 3, 4, 5), seed=4)
    g = _grid((2, 3, 3, 2), seed=5, dtype=np.float32)
    if layout == "T":  # a transposed input (and a transposed grid) would not match shapes: permute back inside

        def fn(lib, a, b):
            return lib.nn.functional.grid_sample(a.permute(3, 2, 1, 0), b.permute(3, 2, 1, 0), mode="bilinear",
                                                 padding_mode=padding_mode, align_corners=False)
        x, g = np.transpose(x).copy(), np.transpose(g).copy()
    else:

        def fn(lib, a, b):
            return lib.nn.functional.grid_sample(a, b, mode="bilinear", padding_mode=padding_mode,
                                                 align_corners=False)
    compare(fn, [x, g], layout=layout, **F32)


def test_grid_sample_non_contiguous_channels_last():
    x = rand((2, 5, 6, 3), seed=6)  # NHWC storage, sampled as an NCHW view

    def fn(lib, a, b):
        return lib.nn.functional.grid_sample(a.permute(0, 3, 1, 2), b, align_corners=True)
    compare(fn, [x, _grid((2, 4, 4, 2), seed=7, dtype=np.float32)], **F32)


@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_nearest_half_to_even(align_corners):
    """Grid points that land exactly on half pixels round to even, as torch's nearbyint."""
    W = 5
    px = np.arange(-2.5, W + 2.0, 0.5)  # pixel coordinates, many exact halves
    g = (2 * px / (W - 1) - 1) if align_corners else ((2 * px + 1) / W - 1)
    grid = np.stack([g, np.zeros_like(g)], -1).reshape(1, 1, -1, 2)
    x = rand((1, 2, 3, W), seed=8, dtype=np.float64)
    for pm in ("zeros", "border", "reflection"):
        compare(lambda lib, a, b: lib.nn.functional.grid_sample(a, b, mode="nearest", padding_mode=pm,
                                                                align_corners=align_corners), [x, grid], **F64)


def test_grid_sample_affine_pipeline():
    """A spatial-transformer step: theta -> affine_grid -> grid_sample, gradients w.r.t. input and theta."""
    x = rand((2, 3, 6, 6), seed=9)
    theta = (np.eye(2, 3)[None] * 1.2 + rand((2, 2, 3), seed=10, low=-0.3, high=0.3)).astype(np.float32)

    def fn(lib, a, t):
        grid = lib.nn.functional.affine_grid(t, [2, 3, 5, 4], align_corners=False)
        return lib.nn.functional.grid_sample(a, grid, padding_mode="border", align_corners=False)
    compare(fn, [x, theta], **F32)


def test_grid_sample_nearest_grid_grad_is_zeros():
    x = tg.tensor(rand((1, 1, 3, 3), seed=11), requires_grad=True)
    g = tg.tensor(rand((1, 2, 2, 2), seed=12, low=-1, high=1), requires_grad=True)
    tg.nn.functional.grid_sample(x, g, mode="nearest", align_corners=False).sum().backward()
    assert g.grad is not None and g.grad.shape == g.shape and not np.any(g.grad.numpy())


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_gradcheck(padding_mode, align_corners):
    x = tg.tensor(rand((1, 2, 3, 4), seed=13, dtype=np.float64), requires_grad=True)
    g = tg.tensor(rand((1, 2, 3, 2), seed=14, dtype=np.float64, low=-1.4, high=1.4), requires_grad=True)
    assert gradcheck(lambda a, b: tg.nn.functional.grid_sample(a, b, padding_mode=padding_mode,
                                                               align_corners=align_corners), (x, g))


def test_grid_sample_warns_without_align_corners():
    for lib in (torch, tg):
        with pytest.warns(UserWarning, match="align_corners"):
            lib.nn.functional.grid_sample(lib.zeros(1, 1, 2, 2), lib.zeros(1, 1, 1, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.nn.functional.grid_sample(tg.zeros(1, 1, 2, 2), tg.zeros(1, 1, 1, 2), align_corners=False)


def test_grid_sample_errors():
    def gs(inp, grid, **kw):
        return lambda lib: lib.nn.functional.grid_sample(lib.zeros(*inp), lib.zeros(*grid),
                                                         align_corners=False, **kw)
    raises_like_torch(gs((2, 1, 4, 4), (2, 3, 3, 3)), RuntimeError, r"size 2 in last dimension.*\[2, 3, 3, 3\]")
    raises_like_torch(gs((2, 1, 4, 4), (2, 3, 3)), RuntimeError, r"grid_sampler\(\).*\[2, 3, 3\]")
    raises_like_torch(gs((2, 1, 4, 4), (3, 3, 3, 2)), RuntimeError, r"same batch size.*\[2, 1, 4, 4\].*\[3, 3, 3, 2\]")
    raises_like_torch(gs((2, 1, 0, 4), (2, 3, 3, 2)), RuntimeError, "non-empty spatial dimensions")
    raises_like_torch(gs((2, 1, 4, 4), (2, 3, 3, 2), mode="linear"), ValueError, "expected mode.*'linear'")
    raises_like_torch(gs((2, 1, 4, 4), (2, 3, 3, 2), padding_mode="wrap"), ValueError, "padding_mode.*'wrap'")
    raises_like_torch(lambda lib: lib.nn.functional.grid_sample(
        lib.zeros(2, 1, 4, 4, dtype=lib.float64), lib.zeros(2, 3, 3, 2), align_corners=False), RuntimeError, "dtype")
