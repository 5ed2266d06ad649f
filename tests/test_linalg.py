"""teenygrad.linalg and the torch.det / x.inverse() spellings against PyTorch: forward and backward on random float32
inputs (batched, broadcast, transposed views), float64 finite-difference gradchecks, and the errors torch raises
for singular, non-positive-definite and mis-shaped inputs. Decompositions are compared through gauge-invariant
functions (reconstructions, |U|, |V|), since the signs of singular and eigen vectors are arbitrary."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from helpers import compare, rand

FWD = dict(atol=1e-4, rtol=1e-3)   # float32, after an O(n^3) factorization
GRAD = dict(atol=1e-3, rtol=1e-2)


def _well_conditioned(shape, seed):
    """A random square matrix (or batch) kept away from singular by a diagonal shift"""
    a = rand(shape, seed, low=-1, high=1)
    return (a + 3 * np.eye(shape[-1], dtype=np.float32)).astype(np.float32)


def _spd(lib, x):
    """x x^T + I: symmetric positive-definite, differentiable in x"""
    return x @ x.mT + lib.eye(x.shape[-1], dtype=x.dtype)


def _sym(lib, x):
    return x + x.mT


# ---- forward and backward against torch --------------------------------------------------------------------------
SQUARE_OPS = {
    "inv": lambda lib, a: lib.linalg.inv(a),
    "inverse": lambda lib, a: lib.inverse(a),
    "inverse_method": lambda lib, a: a.inverse(),
    "det": lambda lib, a: lib.linalg.det(a),
    "det_method": lambda lib, a: a.det(),
    "slogdet": lambda lib, a: tuple(lib.linalg.slogdet(a)),
    "logdet": lambda lib, a: lib.logdet(a @ a.mT),
    "matrix_power_3": lambda lib, a: lib.linalg.matrix_power(a, 3),
    "matrix_power_-2": lambda lib, a: a.matrix_power(-2),
    "matrix_power_0": lambda lib, a: lib.matrix_power(a, 0),
    "cholesky": lambda lib, a: lib.linalg.cholesky(_spd(lib, a)),
    "cholesky_upper": lambda lib, a: lib.linalg.cholesky(_spd(lib, a), upper=True),
    "cholesky_method": lambda lib, a: _spd(lib, a).cholesky(),
    "cholesky_inverse": lambda lib, a: lib.cholesky_inverse(lib.linalg.cholesky(_spd(lib, a))),
    "eigvalsh": lambda lib, a: lib.linalg.eigvalsh(_sym(lib, a)),
    "eigvalsh_U": lambda lib, a: lib.linalg.eigvalsh(_sym(lib, a), UPLO="U"),
    "eigh_gauge": lambda lib, a: (lambda w, v: (w, v.abs(), v @ lib.diag_embed(w) @ v.mT))(
        *lib.linalg.eigh(_sym(lib, a))),
    "svdvals": lambda lib, a: lib.linalg.svdvals(a),
    "matrix_norm_fro": lambda lib, a: lib.linalg.matrix_norm(a),
    "matrix_norm_nuc": lambda lib, a: lib.linalg.matrix_norm(a, "nuc"),
    "matrix_norm_2": lambda lib, a: lib.linalg.matrix_norm(a, 2),
    "matrix_norm_-2": lambda lib, a: lib.linalg.matrix_norm(a, -2),
    "matrix_norm_1": lambda lib, a: lib.linalg.matrix_norm(a, 1, keepdim=True),
    "matrix_norm_-1": lambda lib, a: lib.linalg.matrix_norm(a, -1),
    "matrix_norm_inf": lambda lib, a: lib.linalg.matrix_norm(a, float("inf")),
    "matrix_norm_-inf": lambda lib, a: lib.linalg.matrix_norm(a, float("-inf"), dim=(-1, -2)),
    "norm_default": lambda lib, a: lib.linalg.norm(a),
    "norm_dim": lambda lib, a: lib.linalg.norm(a, 3, dim=-1),
    "vector_norm_inf": lambda lib, a: lib.linalg.vector_norm(a, float("inf"), dim=(-2, -1), keepdim=True),
    "vector_norm_1": lambda lib, a: lib.linalg.vector_norm(a, 1),
    "vector_norm_-inf": lambda lib, a: lib.linalg.vector_norm(a, float("-inf"), dim=-1),
    "vector_norm_0": lambda lib, a: lib.linalg.vector_norm(a - a.round(), 0, keepdim=True),
    "norm_fro_dims": lambda lib, a: lib.linalg.norm(a, "fro", dim=(0, -1)),
    "diagonal": lambda lib, a: lib.linalg.diagonal(a, offset=1),
    "pinv_square": lambda lib, a: lib.linalg.pinv(a),
    "pinverse": lambda lib, a: a.pinverse(),
    "pinv_hermitian": lambda lib, a: lib.linalg.pinv(_spd(lib, a), hermitian=True),
}


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
@pytest.mark.parametrize("name", list(SQUARE_OPS))
def test_square_ops_match_torch(name, shape):
    layout = "T" if shape == (3, 3) else "contig"  # a transposed (non-contiguous) view for the 2-D case
    compare(SQUARE_OPS[name], [_well_conditioned(shape, 1)], layout=layout, fwd=FWD, bwd=GRAD)


RECT_OPS = {
    "svd_reduced": lambda lib, a: (lambda u, s, vh: (u @ lib.diag_embed(s) @ vh, s, u.abs(), vh.abs()))(
        *lib.linalg.svd(a, full_matrices=False)),
    "svd_full": lambda lib, a: (lambda u, s, vh: (s, u[..., :, :s.shape[-1]].abs(), vh[..., :s.shape[-1], :].abs()))(
        *lib.linalg.svd(a)),
    "torch_svd": lambda lib, a: (lambda u, s, v: (u @ lib.diag_embed(s) @ v.mT, s))(*lib.svd(a)),
    "qr_reduced": lambda lib, a: tuple(lib.linalg.qr(a)),
    "qr_method": lambda lib, a: tuple(a.qr()),
    "pinv": lambda lib, a: lib.linalg.pinv(a),
    "pinv_rtol": lambda lib, a: lib.linalg.pinv(a, rtol=0.3),
    "svdvals": lambda lib, a: lib.linalg.svdvals(a),
    "matrix_norm_nuc": lambda lib, a: lib.linalg.matrix_norm(a, "nuc"),
    "matrix_norm_1": lambda lib, a: lib.linalg.matrix_norm(a, 1),
    "norm_2d_ord": lambda lib, a: lib.linalg.norm(a[0], float("inf")),
}


@pytest.mark.parametrize("shape", [(2, 5, 3), (3, 5)])
@pytest.mark.parametrize("name", list(RECT_OPS))
def test_rectangular_ops_match_torch(name, shape):
    compare(RECT_OPS[name], [rand(shape, 2, low=-1, high=1)], layout="T" if len(shape) == 2 else "contig",
            fwd=FWD, bwd=GRAD)


def test_qr_complete_and_r_modes_match_torch():
    wide = rand((3, 5), 3)
    compare(lambda lib, a: tuple(lib.linalg.qr(a, mode="complete")), [wide], fwd=FWD, bwd=GRAD)
    tall = rand((5, 3), 4)
    compare(lambda lib, a: (lib.linalg.qr(a, mode="r").R.abs(),), [tall], grad=[False], fwd=FWD)
    assert tuple(tg.linalg.qr(tg.tensor(tall), mode="r").Q.shape) == tuple(torch.linalg.qr(torch.tensor(tall),
                                                                                           mode="r").Q.shape)
    for mode, a in [("complete", tall), ("r", tall)]:  # torch refuses these backwards, and so do we
        for lib in (torch, tg):
            x = lib.tensor(a, requires_grad=True)
            q, r = lib.linalg.qr(x, mode=mode)
            with pytest.raises(RuntimeError, match="mode"):
                r.sum().backward()


@pytest.mark.parametrize("left", [True, False])
def test_solve_matches_torch(left):
    a = _well_conditioned((2, 1, 3, 3), 5)
    b = rand((4, 3, 2) if left else (4, 2, 3), 6)  # batch dims (2, 1) and (4,) broadcast to (2, 4)
    compare(lambda lib, A, B: lib.linalg.solve(A, B, left=left), [a, b], fwd=FWD, bwd=GRAD)
    vec = rand((3,), 7)  # a vector right-hand side: a column for AX = B, refused for XA = B (as torch)
    if left:
        compare(lambda lib, A, B: lib.linalg.solve(A, B), [a[0, 0], vec], fwd=FWD, bwd=GRAD)
    else:
        for lib in (torch, tg):
            with pytest.raises(RuntimeError, match="XA = B"):
                lib.linalg.solve(lib.tensor(a[0, 0]), lib.tensor(vec), left=False)
    batch_vec = rand((2, 1, 3), 8)  # B of shape A.shape[:-1]: a batch of vectors
    compare(lambda lib, A, B: lib.linalg.solve(A, B), [a, batch_vec], fwd=FWD, bwd=GRAD)


def test_products_and_small_helpers_match_torch():
    a, b, c = rand((3, 4), 1), rand((4, 5), 2), rand((5, 2), 3)
    compare(lambda lib, x, y, z: lib.linalg.multi_dot([x, y, z]), [a, b, c], fwd=FWD, bwd=GRAD)
    compare(lambda lib, v, y, w: lib.linalg.multi_dot([v, y, w]), [rand((4,), 4), b, rand((5,), 5)], fwd=FWD, bwd=GRAD)
    compare(lambda lib, x, y: lib.linalg.cross(x, y), [rand((2, 4, 3), 6), rand((2, 1, 3), 7)], fwd=FWD, bwd=GRAD)
    compare(lambda lib, x, y: lib.linalg.vecdot(x, y, dim=0), [rand((3, 4), 8), rand((3, 1), 9)], fwd=FWD, bwd=GRAD)
    compare(lambda lib, x: lib.linalg.vector_norm(x, 0.5, dim=1, dtype=lib.float64), [rand((3, 4), 10)], fwd=FWD,
            bwd=GRAD)
    spd = rand((3, 3), 11)
    compare(lambda lib, x, y: lib.cholesky_solve(y, lib.linalg.cholesky(_spd(lib, x))), [spd, rand((3, 2), 12)],
            fwd=FWD, bwd=GRAD)
    compare(lambda lib, x, y: y.cholesky_solve(lib.linalg.cholesky(_spd(lib, x), upper=True), upper=True),
            [spd, rand((3, 2), 12)], fwd=FWD, bwd=GRAD)


def test_lstsq_rank_and_ex_variants_match_torch():
    a, b = rand((2, 5, 3), 1), rand((2, 5, 2), 2)
    compare(lambda lib, x, y: lib.linalg.lstsq(x, y).solution, [a, b], fwd=FWD, bwd=GRAD)
    low_rank = rand((4, 2), 3) @ rand((2, 5), 4)
    for A in (a, low_rank, np.zeros((3, 3), np.float32)):
        assert np.array_equal(tg.linalg.matrix_rank(tg.tensor(A)).numpy(),
                              torch.linalg.matrix_rank(torch.tensor(A)).numpy())
    assert int(tg.linalg.matrix_rank(tg.tensor(low_rank), atol=1e9)) == 0
    sym = low_rank @ low_rank.T
    assert int(tg.linalg.matrix_rank(tg.tensor(sym), hermitian=True)) == int(
        torch.linalg.matrix_rank(torch.tensor(sym), hermitian=True))
    sing = np.stack([np.eye(3), [[1, 2, 3], [2, 4, 6], [0, 1, 1]]]).astype(np.float32)
    inv_tg, info_tg = tg.linalg.inv_ex(tg.tensor(sing))
    inv_th, info_th = torch.linalg.inv_ex(torch.tensor(sing))
    assert np.array_equal(info_tg.numpy(), info_th.numpy()) and info_tg.dtype == np.int32
    np.testing.assert_allclose(inv_tg.numpy()[0], inv_th.numpy()[0])
    not_pd = np.stack([np.eye(3), [[1, 0, 0], [0, 1, 2], [0, 2, 1]], -np.eye(3)]).astype(np.float32)
    l_tg, info_tg = tg.linalg.cholesky_ex(tg.tensor(not_pd))
    l_th, info_th = torch.linalg.cholesky_ex(torch.tensor(not_pd))
    assert np.array_equal(info_tg.numpy(), info_th.numpy())
    np.testing.assert_allclose(l_tg.numpy()[0], l_th.numpy()[0])
    with pytest.raises(RuntimeError, match="positive-definite"):
        tg.linalg.cholesky_ex(tg.tensor(not_pd), check_errors=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_det_gradient_of_a_singular_matrix_is_the_adjugate(dtype):
    """At a singular A, det A A^-T would divide by zero; the gradient is still adj(A)^T, the cofactor matrix (det is
    a polynomial: the finite differences agree). torch's own answer here depends on its LAPACK's rounding: with an
    exact zero pivot its LU solve gives 0 (MKL on an AMD EPYC), so it is not the oracle for this case."""
    sing = np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]], dtype)  # rank 2
    a = tg.tensor(sing, requires_grad=True)
    tg.linalg.det(a).backward(tg.tensor(0.5, dtype=a.dtype))
    minor = lambda i, j: np.linalg.det(np.delete(np.delete(sing.astype(np.float64), i, 0), j, 1))
    cofactors = np.array([[(-1) ** (i + j) * minor(i, j) for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(a.grad.numpy(), 0.5 * cofactors, atol=1e-5)
    assert a.grad.dtype == a.dtype
    assert gradcheck(lambda m: tg.linalg.det(m), [tg.tensor(sing.astype(np.float64), requires_grad=True)])


# ---- float64 finite differences -------------------------------------------------------------------------------------
def _d(shape, seed, shift=0.0):
    a = np.random.default_rng(seed).uniform(-1, 1, shape)
    if shift:
        a = a + shift * np.eye(shape[-1])
    return tg.tensor(a, dtype=tg.float64, requires_grad=True)


GRADCHECKS = {
    "inv": (lambda a: tg.linalg.inv(a), (2, 3, 3), 3),
    "det": (lambda a: tg.linalg.det(a), (2, 3, 3), 0),
    "slogdet": (lambda a: tg.linalg.slogdet(a).logabsdet, (3, 3), 3),
    "cholesky": (lambda a: tg.linalg.cholesky(_spd(tg, a)), (2, 3, 3), 0),
    "eigh": (lambda a: (lambda w, v: (w, v.abs()))(*tg.linalg.eigh(_sym(tg, a))), (3, 3), 0),
    "eigvalsh": (lambda a: tg.linalg.eigvalsh(_sym(tg, a)), (3, 3), 0),
    "svd_tall": (lambda a: (lambda u, s, vh: (s, u.abs(), vh.abs()))(*tg.linalg.svd(a, False)), (4, 3), 0),
    "svd_wide": (lambda a: (lambda u, s, vh: (s, u.abs(), vh.abs()))(*tg.linalg.svd(a, False)), (3, 4), 0),
    "svdvals": (lambda a: tg.linalg.svdvals(a), (2, 3, 4), 0),
    "qr_tall": (lambda a: tuple(tg.linalg.qr(a)), (4, 3), 0),
    "qr_wide": (lambda a: tuple(tg.linalg.qr(a)), (3, 4), 0),
    "pinv": (lambda a: tg.linalg.pinv(a), (4, 3), 0),
    "matrix_norm_nuc": (lambda a: tg.linalg.matrix_norm(a, "nuc"), (3, 4), 0),
    "matrix_power": (lambda a: tg.linalg.matrix_power(a, -3), (3, 3), 3),
}


@pytest.mark.parametrize("name", list(GRADCHECKS))
def test_gradcheck(name):
    fn, shape, shift = GRADCHECKS[name]
    assert gradcheck(fn, [_d(shape, 1, shift)])


def test_gradcheck_solve():
    assert gradcheck(lambda a, b: tg.linalg.solve(a, b), [_d((2, 3, 3), 1, 3), _d((3, 2), 2)])


# ---- bad input ----------------------------------------------------------------------------------------------------
SINGULAR = [[1.0, 2.0], [2.0, 4.0]]
NOT_PD = [[1.0, 2.0], [2.0, 1.0]]
BAD = [
    ("inv int", lambda lib: lib.linalg.inv(lib.tensor([[1, 2], [3, 4]])), "linalg.inv.*floating"),
    ("inv non-square", lambda lib: lib.linalg.inv(lib.ones(2, 3)), "linalg.inv.*2 by 3"),
    ("inv 1-d", lambda lib: lib.linalg.inv(lib.ones(3)), "linalg.inv.*at least 2 dimensions"),
    ("inv singular", lambda lib: lib.linalg.inv(lib.tensor(SINGULAR)), "linalg.inv.*diagonal element 2 is zero"),
    ("inverse batch singular", lambda lib: lib.inverse(lib.stack([lib.eye(2), lib.tensor(SINGULAR)])),
     r"Batch element 1.*singular"),
    ("cholesky not PD", lambda lib: lib.linalg.cholesky(lib.tensor(NOT_PD)), "linalg.cholesky.*minor of order 2"),
    ("cholesky method not PD", lambda lib: lib.tensor(NOT_PD).cholesky(), "minor of order 2"),
    ("solve shapes", lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(4)), "linalg.solve.*3x3 and 4x1"),
    ("solve singular", lambda lib: lib.linalg.solve(lib.tensor(SINGULAR), lib.ones(2)), "singular"),
    ("det non-square", lambda lib: lib.linalg.det(lib.ones(2, 3)), "linalg.det.*2 by 3"),
    ("matrix_norm 1-d", lambda lib: lib.linalg.matrix_norm(lib.ones(3)), "matrix_norm.*2 dimensions"),
    ("matrix_norm ord", lambda lib: lib.linalg.matrix_norm(lib.ones(3, 3), 3), "matrix_norm.*Order 3"),
    ("vector_norm int", lambda lib: lib.linalg.vector_norm(lib.tensor([1, 2])), "vector_norm.*floating"),
    ("norm 3-d with ord", lambda lib: lib.linalg.norm(lib.ones(2, 2, 2), 2), "linalg.norm.*1D or 2D"),
    ("multi_dot one", lambda lib: lib.linalg.multi_dot([lib.ones(2, 3)]), "multi_dot.*at least 2"),
    ("multi_dot shapes", lambda lib: lib.linalg.multi_dot([lib.ones(2, 3), lib.ones(4, 2)]),
     r"multi_dot.*\[?\(?2, 3"),
    ("matrix_power non-square", lambda lib: lib.linalg.matrix_power(lib.ones(2, 3), 2), "matrix_power.*2 by 3"),
    ("matrix_power singular", lambda lib: lib.linalg.matrix_power(lib.tensor(SINGULAR), -1), "singular"),
    ("eigh non-square", lambda lib: lib.linalg.eigh(lib.ones(2, 3)), "eigh.*2 by 3"),
    ("eigh UPLO", lambda lib: lib.linalg.eigh(lib.eye(2), UPLO="X"), "UPLO"),
    ("qr mode", lambda lib: lib.linalg.qr(lib.eye(2), mode="x"), "mode 'x'"),
    ("cross length", lambda lib: lib.linalg.cross(lib.ones(4, 2), lib.ones(4, 2)), "cross.*length 3"),
    ("cross ndim", lambda lib: lib.linalg.cross(lib.ones(4, 3), lib.ones(2, 4, 3)), "cross.*number of dimensions"),
]


@pytest.mark.parametrize("name,fn,match", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_like_torch(name, fn, match):
    with pytest.raises(RuntimeError):
        fn(torch)
    with pytest.raises(RuntimeError, match=match):
        fn(tg)


def test_lazy_module_and_aliases():
    import importlib
    import subprocess
    import sys
    code = "import sys, teenygrad; assert 'teenygrad.linalg' not in sys.modules; teenygrad.linalg.det"
    assert subprocess.run([sys.executable, "-c", code], cwd=str(importlib.import_module("pathlib").Path(
        __file__).parent.parent)).returncode == 0
    a = tg.tensor(_well_conditioned((3, 3), 1))
    assert np.allclose(tg.det(a).numpy(), a.det().numpy())
    assert np.allclose(tg.slogdet(a).logabsdet.numpy(), np.log(np.abs(np.linalg.det(a.numpy()))), rtol=1e-5)
    u, s, v = tg.svd(tg.tensor(rand((4, 3), 2)), some=False)
    ut, st, vt = torch.svd(torch.tensor(rand((4, 3), 2)), some=False)
    assert tuple(u.shape) == tuple(ut.shape) and tuple(v.shape) == tuple(vt.shape)
    u0, s0, v0 = tg.tensor(rand((4, 3), 2)).svd(compute_uv=False)
    ut0, st0, vt0 = torch.tensor(rand((4, 3), 2)).svd(compute_uv=False)
    assert tuple(u0.shape) == tuple(ut0.shape) and not u0.numpy().any()
    np.testing.assert_allclose(s0.numpy(), st0.numpy(), rtol=1e-5)


def test_inplace_write_to_a_decomposition_output_refuses_backward_like_torch():
    a = rand((4, 3), 1)
    for lib in (torch, tg):
        x = lib.tensor(a, requires_grad=True)
        u, s, vh = lib.linalg.svd(x, full_matrices=False)
        u.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            s.sum().backward()
    x = tg.tensor(a, requires_grad=True)
    u, s, vh = tg.linalg.svd(x, full_matrices=False)
    (s.sum() + u.abs().sum()).backward()  # untouched: backward runs
    assert x.grad is not None and "Svd" in repr(s)


def test_det_gradient_of_a_nearly_singular_matrix_is_the_adjugate():
    """det A A^-T (the invertible branch) stays the adjugate when det A is tiny but not zero: within 1e-10 of the
    SVD formula for rank-deficient float64 matrices whose computed det is ~1e-15 (torch's own singular branch is
    off by up to ~80 on some of these, so the SVD formula is the reference here)."""
    from teenygrad.ops.linalg import _adjugate_T
    for seed in range(20):
        s = np.random.default_rng(seed).standard_normal((6, 6))
        s[:, 0] = s[:, 1]
        x = tg.tensor(s, requires_grad=True)
        tg.linalg.det(x).backward()
        np.testing.assert_allclose(x.grad.numpy(), _adjugate_T(s), atol=1e-10)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("unit", [True, False])
@pytest.mark.parametrize("left", [True, False])
def test_solve_triangular_across_blocks(upper, unit, left):
    """n = 150: three row blocks of the blocked substitution (64, 64, 22), batched, against torch, values and
    gradients (float64, so the comparison is tight)."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 150, 150)) * 0.1 + 3 * np.eye(150)
    b = rng.standard_normal((2, 150, 7) if left else (2, 7, 150))
    compare(lambda lib, x, y: lib.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit),
            [a, b], fwd=dict(atol=1e-10, rtol=1e-9), bwd=dict(atol=1e-9, rtol=1e-8))
