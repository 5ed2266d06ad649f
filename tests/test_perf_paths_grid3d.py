"""5-D grid_sample's fast path (ops/grid.py GridSample3d with backend/_numba_grid3d.py: float32 / float64 with
numba) and its reference composition, each against torch: every mode x padding x align_corners, grids spread past
[-1, 1] with points on voxel centres and edges, non-contiguous inputs and grids, partial gradients, empty sizes,
double backward; then the kernels alone where only they follow torch (NaN / inf / huge coordinates, as torch's scalar
5-D kernel does on x86), the kernels against the composition, and a float64 gradcheck through the kernels."""
import itertools
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from teenygrad.backend import cpu
from teenygrad.ops.grid import GridSample3d, grid_sample_composite
from tests.helpers import compare, compare_double, rand

MODES = list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True]))
TOL = {np.float32: dict(fwd=dict(atol=1e-5, rtol=1e-4), bwd=dict(atol=1e-4, rtol=1e-3)),
       np.float64: dict(fwd=dict(atol=1e-12, rtol=1e-10), bwd=dict(atol=1e-10, rtol=1e-9))}


@pytest.fixture
def kernels_on():
    if cpu.set_fused(True) is None:
        pytest.skip("numba kernels unavailable")
    yield


def _gs(mode, padding_mode, align_corners):
    return lambda lib, a, b: lib.nn.functional.grid_sample(a, b, mode=mode, padding_mode=padding_mode,
                                                           align_corners=align_corners)


def _grid(shape, seed, dtype, spread=1.4, snapped=0.3):
    """Uniform in [-spread, spread], a fraction of the points moved onto voxel centres / edges of a size-4, 5 or 6
    axis under either convention (and the ends of [-1, 1])."""
    rng = np.random.default_rng(seed)
    g = rng.uniform(-spread, spread, shape)
    snap = rng.random(shape) < snapped
    g[snap] = rng.choice([-1.0, -0.75, -0.6, -0.5, -0.2, 0.0, 0.25, 0.5, 0.6, 0.8, 1.0], snap.sum())
    return g.astype(dtype)


def _run(lib, x, g, kw, need=(True, True)):
    a, b = lib.tensor(x, requires_grad=need[0]), lib.tensor(g, requires_grad=need[1])
    y = lib.nn.functional.grid_sample(a, b, **kw)
    w = np.random.default_rng(3).standard_normal(y.shape).astype(x.dtype)
    (y * lib.tensor(w)).sum().backward()
    return [y.detach().numpy()] + [t.grad.numpy() for t, n in zip((a, b), need) if n]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode,padding_mode,align_corners", MODES)
def test_grid_sample_3d(kernels, mode, padding_mode, align_corners, dtype):
    x = rand((2, 3, 4, 5, 6), seed=41, dtype=dtype)
    g = _grid((2, 3, 4, 5, 3), 42, dtype)
    compare(_gs(mode, padding_mode, align_corners), [x, g], **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_3d_non_contiguous(kernels, mode, padding_mode, dtype):
    x = rand((2, 3, 5, 4, 6), seed=43, dtype=dtype)
    g = _grid((2, 4, 3, 5, 3), 44, dtype, spread=1.3)
    compare(_gs(mode, padding_mode, True), [x, g], layout="T", **TOL[dtype])
    compare(_gs(mode, padding_mode, False), [x, g], layout="step", **TOL[dtype])


@pytest.mark.parametrize("which", [(True, False), (False, True)])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_3d_partial_grads(kernels, mode, which):
    x = rand((2, 3, 4, 5, 3), seed=45)
    g = _grid((2, 3, 2, 4, 3), 46, np.float32)
    compare(_gs(mode, "reflection", False), [x, g], grad=list(which), **TOL[np.float32])


@pytest.mark.parametrize("xshape,gshape", [((0, 2, 3, 4, 5), (0, 2, 2, 2, 3)), ((2, 0, 3, 4, 5), (2, 2, 2, 2, 3)),
                                           ((2, 3, 3, 4, 5), (2, 0, 2, 2, 3)), ((1, 2, 1, 1, 1), (1, 3, 2, 2, 3))])
def test_grid_sample_3d_small_and_empty(kernels, xshape, gshape):
    compare(_gs("bilinear", "zeros", True), [rand(xshape, seed=47), _grid(gshape, 48, np.float32)],
            **TOL[np.float32])


def test_grid_sample_3d_larger(kernels):
    """More channels than an image has points, and an output larger than the input (upsampling)."""
    x = rand((2, 9, 3, 4, 5), seed=49)
    g = _grid((2, 6, 7, 8, 3), 50, np.float32, spread=1.1)
    compare(_gs("bilinear", "border", False), [x, g], **TOL[np.float32])


@pytest.mark.parametrize("mode,padding_mode", [("bilinear", "zeros"), ("bilinear", "reflection"),
                                               ("nearest", "border")])
def test_grid_sample_3d_double_backward(kernels, mode, padding_mode):
    x = rand((1, 2, 3, 4, 3), seed=51)
    g = _grid((1, 2, 2, 3, 3), 52, np.float32, spread=1.2)
    # 'nearest': torch's second gradient of the grid is zeros, ours none (its first is zeros either way)
    compare_double(_gs(mode, padding_mode, False), [x, g], grad=[True, mode == "bilinear"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_grid_sample_3d_takes_the_kernel_path(kernels, dtype):
    """float32 and float64 run as one GridSample3d node when the kernels are on; the composition otherwise."""
    x = tg.tensor(rand((1, 2, 3, 4, 2), seed=53, dtype=dtype), requires_grad=True)
    g = tg.tensor(_grid((1, 2, 2, 1, 3), 54, dtype), requires_grad=True)
    y = tg.nn.functional.grid_sample(x, g, align_corners=False)
    assert isinstance(y._ctx, GridSample3d) == (cpu.fused() is not None and dtype != np.float16)


def test_grid_sample_3d_kernels_match_the_composition(kernels_on):
    """Equal to the numpy path to float rounding on finite grids, forward and both gradients."""
    x = rand((2, 3, 4, 5, 6), seed=55, dtype=np.float64)
    g = _grid((2, 3, 4, 5, 3), 56, np.float64, spread=2.5)
    for mode, padding_mode, align_corners in MODES:
        kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        res = []
        for fn in (tg.nn.functional.grid_sample, lambda a, b, **k: grid_sample_composite(a, b, *k.values())):
            a, b = tg.tensor(x, requires_grad=True), tg.tensor(g, requires_grad=True)
            y = fn(a, b, **kw)
            (y * y).sum().backward()
            res.append([y.numpy(), a.grad.numpy(), b.grad.numpy()])
        assert isinstance(y._ctx, GridSample3d) is False  # the second run was the composition
        for got, want in zip(*res):
            np.testing.assert_allclose(got, want, atol=1e-13, rtol=1e-12, err_msg=str(kw))


def _points(values, dtype):
    """Each value in turn as the x, the y and the z coordinate of a point (the other two inside): (1, 1, 1, n, 3)."""
    pts = [[0.3, -0.2, 0.1] for _ in range(3 * len(values))]
    for i, v in enumerate(values):
        for k in range(3):
            pts[3 * i + k][k] = v
    return np.array(pts, dtype).reshape(1, 1, 1, -1, 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode,padding_mode,align_corners", MODES)
def test_grid_sample_3d_nonfinite(kernels_on, mode, padding_mode, align_corners, dtype):
    """NaN / inf / huge coordinates: torch's scalar 5-D kernel skips out-of-range taps (0 under 'zeros', where its 4-D
    kernel gives NaN), its forward's clip sends NaN to the last voxel while its backward's keeps it NaN (no tap, zero
    gradients), and its int casts count past-2^31 reflections as even. The composition keeps the 4-D conventions."""
    x = rand((2, 3, 3, 4, 5), seed=57, dtype=dtype)
    g = _points([np.nan, np.inf, -np.inf, 1e20, -1e20, 3e9, -3e9, 1.0, -1.0], dtype)
    if dtype == np.float64:  # align_corners=True, size 5: a reflection count of 2^31 + 1, 2^31 - 1, 2^32 + 3
        g = np.concatenate([g, _points([2.0 ** 32 + 1.5, 2.0 ** 32 - 2.5, 2.0 ** 33 + 6.3], dtype)], axis=3)
    g = np.concatenate([g, g], axis=0)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours, theirs = _run(tg, x, g, kw), _run(torch, x, g, kw)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, **TOL[dtype]["bwd"])  # NaN where torch has NaN, and only there


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_3d_gradcheck(kernels_on, padding_mode, align_corners):
    x = tg.tensor(rand((2, 2, 3, 2, 4), seed=58, dtype=np.float64), requires_grad=True)
    g = tg.tensor(_grid((2, 2, 2, 2, 3), 59, np.float64, spread=1.3, snapped=0), requires_grad=True)  # off the kinks

    def f(a, b):
        return tg.nn.functional.grid_sample(a, b, padding_mode=padding_mode, align_corners=align_corners)
    assert isinstance(f(x, g)._ctx, GridSample3d)
    assert gradcheck(f, (x, g))
