"""F.grid_sample on 5-D input (N, C, D, H, W) with a grid (N, Do, Ho, Wo, 3) (twenty-first landing): 'bilinear'
(trilinear over 8 corners) and 'nearest', every padding mode, both align_corners, float32 and float64, forward and
both gradients, against torch; plus torch.grid_sampler / grid_sampler_2d / grid_sampler_3d (aten's spellings, modes as
enum ints) and the affine_grid 3-D round trip.

Before this landing 5-D input raised NotImplementedError (torch samples it) and teenygrad had no grid_sampler*.
The fuzz draws shapes (size-1 and empty dims among them), grids spread past [-1, 1] (and points on pixel centres and
edges), non-contiguous inputs and grids, and an upstream gradient; it compares values, dtypes, shapes and gradients.
Non-finite grid coordinates are left out: torch's 5-D kernel is the scalar one, whose NaN handling differs from its
own 4-D kernel (NaN reads 0 under 'zeros', but the last pixel under 'border')."""
import itertools
import random

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from tests.helpers import raises_like_torch

MODES = list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True]))
TOL = {np.float32: dict(atol=2e-5, rtol=2e-4), np.float64: dict(atol=1e-12, rtol=1e-10)}


def _grid_values(rng, shape, dtype, spread):
    """Uniform in [-spread, spread], with a third of the points moved onto the -1 / 0 / 1 lattice of pixel edges."""
    g = rng.uniform(-spread, spread, shape)
    snap = rng.random(shape) < 0.3
    g[snap] = rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], snap.sum())
    return g.astype(dtype)


def _layout(rng, a):
    """(storage, view-maker): the same values as a, seen through a permuted or strided view of another array."""
    kind = rng.choice(["contig", "permute", "step"])
    if kind == "permute":
        perm = rng.permutation(a.ndim)
        inv = np.argsort(perm)
        return np.ascontiguousarray(a.transpose(perm)), lambda t: t.permute(*inv.tolist())
    if kind == "step":
        ax = int(rng.integers(a.ndim))
        return np.repeat(a, 2, axis=ax), lambda t: t[(slice(None),) * ax + (slice(None, None, 2),)]
    return a, lambda t: t


def _run(lib, xs, xv, gs, gv, kw, w, need):
    a = lib.tensor(xs, requires_grad=need[0])
    b = lib.tensor(gs, requires_grad=need[1])
    y = lib.nn.functional.grid_sample(xv(a), gv(b), **kw)
    if need[0] or need[1]:
        (y * lib.tensor(w)).sum().backward()
    return y, [t.grad for t, n in zip((a, b), need) if n]


def _check(got, want, tol, where):
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], where
    assert tuple(got.shape) == tuple(want.shape), where
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), err_msg=where, **tol)


@pytest.mark.parametrize("seed", range(24))
def test_grid_sample_5d_fuzz(seed):
    rng = np.random.default_rng(seed)
    random.seed(seed)
    dtype = [np.float32, np.float64][seed % 2]
    mode, padding_mode, align_corners = MODES[seed % len(MODES)]
    N, C = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    N, C = (0 if seed % 11 == 5 else N), (0 if seed % 7 == 3 else C)  # empty: N at seeds 5, 16; C at 3, 10, 17
    spatial = [int(rng.integers(1, 6)) for _ in range(3)]
    out = [int(rng.integers(0 if seed % 13 == 4 else 1, 5)) for _ in range(3)]
    x = rng.standard_normal((N, C, *spatial)).astype(dtype)
    g = _grid_values(rng, (N, *out, 3), dtype, float(rng.choice([1.0, 1.5, 4.0])))
    w = rng.standard_normal((N, C, *out)).astype(dtype)
    (xs, xv), (gs, gv) = _layout(rng, x), _layout(rng, g)
    need = [(True, True), (True, False), (False, True)][seed % 3]
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    y, grads = _run(tg, xs, xv, gs, gv, kw, w, need)
    ty, tgrads = _run(torch, xs, xv, gs, gv, kw, w, need)
    where = f"seed {seed}: {kw} {dtype.__name__} x {x.shape} grid {g.shape} grads of {need}"
    _check(y, ty, TOL[dtype], where)
    assert len(grads) == len(tgrads)
    for got, want in zip(grads, tgrads):
        _check(got, want, TOL[dtype], where)


@pytest.mark.parametrize("mode,padding_mode,align_corners", MODES)
def test_grid_sample_5d_every_mode(mode, padding_mode, align_corners):
    rng = np.random.default_rng(7)
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal((2, 3, 4, 5, 3)).astype(dtype)
        g = _grid_values(rng, (2, 3, 2, 4, 3), dtype, 1.4)
        w = rng.standard_normal((2, 3, 3, 2, 4)).astype(dtype)
        kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        (y, grads), (ty, tgrads) = (_run(lib, x, lambda t: t, g, lambda t: t, kw, w, (True, True))
                                    for lib in (tg, torch))
        for got, want in zip([y] + grads, [ty] + tgrads):
            _check(got, want, TOL[dtype], f"{kw} {dtype.__name__}")
        if mode == "nearest":  # torch's grid gradient is zeros there, not None
            assert not np.any(grads[1].numpy())


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_5d_gradcheck(padding_mode, align_corners):
    rng = np.random.default_rng(3)
    x = tg.tensor(rng.standard_normal((1, 2, 3, 2, 4)), requires_grad=True)
    g = tg.tensor(rng.uniform(-1.3, 1.3, (1, 2, 1, 2, 3)), requires_grad=True)
    assert gradcheck(lambda a, b: tg.nn.functional.grid_sample(a, b, padding_mode=padding_mode,
                                                               align_corners=align_corners), (x, g))


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_5d_double_backward(padding_mode):
    """Gradients of a loss of both first gradients (create_graph), as torch's."""
    rng = np.random.default_rng(8)
    x, g = rng.standard_normal((1, 2, 3, 3, 4)), rng.uniform(-1.2, 1.2, (1, 2, 2, 2, 3))
    res = []
    for lib in (tg, torch):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
        y = lib.nn.functional.grid_sample(a, b, padding_mode=padding_mode, align_corners=False)
        ga, gb = lib.autograd.grad((y * y).sum(), (a, b), create_graph=True)
        (ga.sum() + gb.pow(2).sum()).backward()
        res.append([a.grad.numpy(), b.grad.numpy()])
    for got, want in zip(*res):
        np.testing.assert_allclose(got, want, **TOL[np.float64])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_affine_grid_3d_round_trip(dtype):
    """The identity theta's grid reproduces the input (align_corners=True puts its points on the voxel centres)."""
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 5, 6)).astype(dtype)
    theta = tg.tensor(np.tile(np.eye(3, 4, dtype=dtype), (2, 1, 1)))
    F = tg.nn.functional
    for mode in ("bilinear", "nearest"):
        y = F.grid_sample(tg.tensor(x), F.affine_grid(theta, [2, 3, 4, 5, 6], align_corners=True), mode=mode,
                          align_corners=True)
        assert y.dtype == tg.tensor(x).dtype
        np.testing.assert_allclose(y.numpy(), x, **TOL[dtype])


def test_affine_grid_3d_pipeline_gradients():
    """theta -> affine_grid (3-D) -> grid_sample (5-D): gradients w.r.t. input and theta match torch."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 2, 3, 4, 5))
    theta = np.eye(3, 4)[None] * 1.1 + rng.uniform(-0.3, 0.3, (2, 3, 4))
    res = []
    for lib in (tg, torch):
        a, t = lib.tensor(x, requires_grad=True), lib.tensor(theta, requires_grad=True)
        y = lib.nn.functional.grid_sample(a, lib.nn.functional.affine_grid(t, [2, 2, 3, 3, 4], align_corners=False),
                                          padding_mode="reflection", align_corners=False)
        (y * y).sum().backward()
        res.append([y.detach().numpy(), a.grad.numpy(), t.grad.numpy()])
    for got, want in zip(*res):
        np.testing.assert_allclose(got, want, **TOL[np.float64])


@pytest.mark.parametrize("mode", [0, 1])
@pytest.mark.parametrize("padding_mode", [0, 1, 2])
def test_grid_sampler_aten(mode, padding_mode):
    rng = np.random.default_rng(6)
    x, g = rng.standard_normal((1, 2, 3, 4, 2)), rng.uniform(-1.2, 1.2, (1, 2, 2, 3, 3))
    x4, g4 = x[:, :, 0], g[:, 0, :, :, :2]
    for op, a, b in (("grid_sampler_3d", x, g), ("grid_sampler", x, g), ("grid_sampler_2d", x4, g4),
                     ("grid_sampler", x4, g4)):
        for ac in (False, True):
            got = getattr(tg, op)(tg.tensor(a), tg.tensor(b), mode, padding_mode, ac)
            want = getattr(torch, op)(torch.tensor(a), torch.tensor(b), mode, padding_mode, ac)
            np.testing.assert_allclose(got.numpy(), want.numpy(), err_msg=op, **TOL[np.float64])


def test_grid_sample_5d_errors():
    def gs(inp, grid, **kw):
        return lambda lib: lib.nn.functional.grid_sample(lib.zeros(*inp), lib.zeros(*grid), align_corners=False, **kw)
    raises_like_torch(gs((1, 1, 2, 3, 4), (1, 1, 1, 1, 3), mode="bicubic"), RuntimeError,
                      r"bicubic interpolation only supports 4D input")
    raises_like_torch(gs((1, 1, 2, 3, 4), (1, 1, 1, 1, 2)), RuntimeError,
                      r"size 3 in last dimension.*\[1, 1, 1, 1, 2\]")
    raises_like_torch(gs((1, 1, 0, 3, 4), (1, 1, 1, 1, 3)), RuntimeError, "non-empty spatial.*dimension 2")
    raises_like_torch(gs((1, 1, 3), (1, 2, 1)), RuntimeError, r"same number of dimensions.*\[1, 1, 3\].*\[1, 2, 1\]")
    raises_like_torch(gs((1, 1, 2, 2, 2, 2), (1, 1, 1, 1, 1, 4)), RuntimeError, r"same number of dimensions")
    raises_like_torch(gs((1, 1, 3, 3), (1, 1, 1, 1, 2)), RuntimeError, r"same number of dimensions")
    x, g = np.zeros((1, 1, 2, 2, 2)), np.zeros((1, 1, 1, 1, 3))
    raises_like_torch(lambda lib: lib.grid_sampler_3d(lib.tensor(x), lib.tensor(g), 2, 0, False), RuntimeError,
                      "bicubic interpolation only supports 4D input")
    raises_like_torch(lambda lib: lib.grid_sampler_3d(lib.tensor(x), lib.tensor(g), "bilinear", 0, False), TypeError,
                      r"grid_sampler_3d\(\): argument 'interpolation_mode'.* must be int, not str")
    raises_like_torch(lambda lib: lib.grid_sampler_3d(lib.tensor(x[:, :, 0]), lib.tensor(g[:, 0, ..., :2]), 0, 0,
                                                      False), RuntimeError, r"expected 5D input and grid")
    with pytest.raises(ValueError, match=r"grid_sampler_3d\(\): interpolation_mode must be 0, 1 or 2.*got 3"):
        tg.grid_sampler_3d(tg.tensor(x), tg.tensor(g), 3, 0, False)  # torch runs some mode for out-of-enum ints
