"""The fast paths of LU, cdist(p=1) and histogram against torch and against the reference paths they replace:
the blocked LU kernel (backend/_numba_linalg.py: same pivots as the unblocked elimination), the pairwise-L1 kernels
of cdist (forward, backward, double backward, broadcast batches, zero differences), and histogram's arithmetic bin
search (values on the edges counted as searchsorted over the edges counts them)."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import compare, rand
from teenygrad.autograd import gradcheck, gradgradcheck
from teenygrad.ops.linalg_lu import lu_packed

numba = pytest.importorskip("numba")
from teenygrad.backend._numba_linalg import lu_blocked  # noqa: E402


def _lu_input(shape, dtype, seed):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    if shape[-1] > 3:
        a[..., :, 2] = 0  # a zero pivot (info) mid-way
        a[..., 1, 3] = a[..., 0, 3]  # a tie for the max: the first row wins
    return a


@pytest.mark.parametrize("shape", [(200, 200), (3, 130, 70), (70, 130), (64, 32, 32), (5, 5), (0, 3), (2, 0, 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lu_blocked_matches_unblocked(shape, dtype):
    a = _lu_input(shape, dtype, 0)
    ref, new = lu_packed(a), lu_blocked(a)
    assert new[0].dtype == dtype
    for name, r, n in zip(["pivots", "perm", "info"], ref[1:], new[1:]):
        np.testing.assert_array_equal(n, r, err_msg=name)
    if dtype == np.float64:
        np.testing.assert_allclose(new[0], ref[0], rtol=1e-11, atol=1e-11)
    elif a.size:  # float32 rounding grows with n: no further from the float64 factorisation than the reference
        exact = lu_packed(a.astype(np.float64))[0]
        assert np.abs(new[0] - exact).max() <= 2 * np.abs(ref[0] - exact).max() + 1e-6


def test_lu_blocked_nan_column():
    a = _lu_input((7, 7), np.float32, 1)
    a[4, 1] = np.nan  # np.argmax picks the first NaN: so must the kernel
    for r, n in zip(lu_packed(a), lu_blocked(a)):
        np.testing.assert_array_equal(n, r)


@pytest.mark.parametrize("shape", [(300, 300), (2, 150, 90), (90, 150)])
def test_lu_blocked_against_torch(shape):
    a = np.random.default_rng(2).standard_normal(shape)
    lu, piv, _, _ = lu_blocked(a)
    want = torch.linalg.lu_factor(torch.from_numpy(a))
    np.testing.assert_array_equal(piv, want.pivots.numpy())
    np.testing.assert_allclose(lu, want.LU.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("layout", ["contig", "T"])
def test_lu_end_to_end(kernels, layout):
    # float64: float32 rounding of a 96-column elimination is already past compare's tolerance (either path)
    compare(lambda lib, a: lib.linalg.lu(a)[1:], [rand((96, 96), 3, np.float64)], layout=layout)


# ---------------------------------------------------------------- cdist(p=1)

def _points(shape, seed, dup_of=None):
    a = rand(shape, seed)
    if dup_of is not None:  # a zero distance and zero differences: sign(0) = 0 in the gradient, as torch's
        a[..., 0, :] = dup_of[..., 0, :]
        a[..., 1, 2] = dup_of[..., 1, 2]
    return a


@pytest.mark.parametrize("shapes", [((40, 16), (30, 16)), ((3, 9, 5), (3, 7, 5)), ((2, 1, 6, 4), (3, 5, 4)),
                                    ((6, 4), (2, 5, 4)), ((0, 4), (5, 4)), ((4, 0), (3, 0))])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_cdist_p1(kernels, shapes, layout):
    a = rand(shapes[0], 1)
    b = _points(shapes[1], 2, a if shapes[0][:-2] == shapes[1][:-2] and min(shapes[0][-2:]) > 2 else None)
    compare(lambda lib, x, y: lib.cdist(x, y, p=1), [a, b], layout=layout)


def test_cdist_p1_takes_the_kernel():
    from teenygrad.backend import cpu
    from teenygrad.tensor_misc import L1Dist
    if cpu.fused() is None:
        pytest.skip("numba kernels off")
    out = tg.cdist(tg.tensor(rand((5, 3), 1), requires_grad=True), tg.tensor(rand((4, 3), 2)), p=1)
    assert isinstance(out._ctx, L1Dist)


def test_cdist_p1_nan(kernels):
    a, b = rand((4, 3), 1), rand((5, 3), 2)
    a[1, 2] = np.nan
    compare(lambda lib, x, y: lib.cdist(x, y, p=1), [a, b])


def test_cdist_p1_double_backward(kernels):  # torch has no double backward of cdist: check by finite differences
    x = tg.tensor(rand((2, 5, 3), 1, np.float64), requires_grad=True)
    y = tg.tensor(rand((4, 3), 2, np.float64), requires_grad=True)
    assert gradgradcheck(lambda x, y: tg.cdist(x, y, p=1), (x, y))


def test_cdist_p1_gradcheck(kernels):
    x = tg.tensor(rand((2, 5, 3), 1, np.float64), requires_grad=True)
    y = tg.tensor(rand((4, 3), 2, np.float64), requires_grad=True)
    assert gradcheck(lambda x, y: tg.cdist(x, y, p=1), (x, y))


# ---------------------------------------------------------------- histogram

def _on_edges(dtype):
    e = np.linspace(-2, 2, 41).astype(dtype)
    return np.concatenate([e, e, [np.nan, np.inf, -np.inf, 5, -5], rand((5000,), 3, dtype)]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bins, range_", [(40, (-2.0, 2.0)), (13, (-2.0, 2.0)), (7, (-0.1, 0.2)), (997, None),
                                          (100000, (-2.0, 2.0)), (3, (1.0, 1.0))])
def test_histogram_uniform_bins(dtype, bins, range_):
    v = _on_edges(dtype)
    if range_ is None:
        v = v[np.isfinite(v)]
    hist, edges = tg.histogram(tg.tensor(v), bins, range=range_)
    by_edges = tg.histogram(tg.tensor(v), edges)[0]  # the searchsorted path over the same edges
    np.testing.assert_array_equal(hist.numpy(), by_edges.numpy())
    want_h, want_e = torch.histogram(torch.from_numpy(v), bins, range=range_)
    if np.array_equal(edges.numpy(), want_e.numpy()):  # where torch's linspace rounds an edge alike
        np.testing.assert_array_equal(hist.numpy(), want_h.numpy())


def test_histogram_weights_density():
    v, w = rand((3000,), 1, np.float64), rand((3000,), 2, np.float64, 0.0, 1.0)
    compare(lambda lib, x, w: lib.histogram(x, 30, weight=w, density=True)[0], [v, w], grad=[False, False])


def test_histogram_tight_range():
    v = (np.random.default_rng(4).random(1000) * 1e-3 + 1e6).astype(np.float32)  # edges a few ulps apart
    hist, edges = tg.histogram(tg.tensor(v), 997)
    np.testing.assert_array_equal(hist.numpy(), tg.histogram(tg.tensor(v), edges)[0].numpy())
    assert hist.numpy().sum() == 1000
