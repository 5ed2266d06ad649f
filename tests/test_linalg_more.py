"""teenygrad.linalg's triangular solves, LU family, matrix_exp, cond, tensorsolve, tensorinv and vander (and the
torch-level triangular_solve, lu, lu_solve, matrix_exp spellings) against PyTorch: forward and backward on random
float32 inputs (batched, broadcast, transposed views), float64 finite-difference gradchecks, pivots and P L U = A
checked exactly, and the errors torch raises for mis-shaped and singular inputs."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from helpers import compare, rand

FWD = dict(atol=1e-4, rtol=1e-3)   # float32, after an O(n^3) factorization
GRAD = dict(atol=1e-3, rtol=1e-2)

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:UserWarning")  # torch.lu, torch.lu_solve, ...


def _well_conditioned(shape, seed):
    a = rand(shape, seed, low=-1, high=1)
    return (a + 3 * np.eye(shape[-1], dtype=np.float32)).astype(np.float32)


# ---- solve_triangular and torch.triangular_solve ------------------------------------------------------------------
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular_matches_torch(upper, left, unit):
    a = _well_conditioned((2, 1, 3, 3), 1)  # batch (2, 1) broadcasts against B's (4,)
    b = rand((4, 3, 2) if left else (4, 2, 3), 2)
    compare(lambda lib, A, B: lib.linalg.solve_triangular(A, B, upper=upper, left=left, unitriangular=unit),
            [a, b], fwd=FWD, bwd=GRAD)
    compare(lambda lib, A, B: lib.linalg.solve_triangular(A, B, upper=upper, left=left, unitriangular=unit),
            [a[0, 0], b[0]], layout="T", fwd=FWD, bwd=GRAD)  # transposed (non-contiguous) views


@pytest.mark.parametrize("transpose", [False, True])
def test_triangular_solve_deprecated_api_matches_torch(transpose):
    a, b = _well_conditioned((2, 3, 3), 3), rand((2, 3, 4), 4)
    compare(lambda lib, B, A: tuple(lib.triangular_solve(B, A, upper=False, transpose=transpose)), [b, a],
            fwd=FWD, bwd=GRAD)
    compare(lambda lib, B, A: tuple(B.triangular_solve(A, transpose=transpose, unitriangular=True)), [b, a],
            fwd=FWD, bwd=GRAD)


def test_solve_triangular_zero_diagonal_gives_inf_like_torch():
    a, b = np.array([[1.0, 2.0], [0.0, 0.0]], np.float32), np.ones((2, 1), np.float32)
    got = tg.linalg.solve_triangular(tg.tensor(a), tg.tensor(b), upper=True).numpy()
    want = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=True).numpy()
    np.testing.assert_array_equal(got, want)
    assert np.isinf(got).all()


# ---- LU ------------------------------------------------------------------------------------------------------------
LU_SHAPES = [(3, 3), (2, 4, 4), (5, 3), (2, 3, 5)]


@pytest.mark.parametrize("shape", LU_SHAPES)
def test_lu_factor_matches_torch_with_its_pivots(shape):
    a = rand(shape, 5, low=-1, high=1)
    out, _ = compare(lambda lib, A: tuple(lib.linalg.lu_factor(A)), [a], fwd=FWD, bwd=GRAD,
                     layout="T" if len(shape) == 2 else "contig")
    assert out[1].dtype == np.int32  # 1-based int32 pivots, compared exactly above
    P, L, U = tg.linalg.lu(tg.tensor(a))
    np.testing.assert_allclose((P @ L @ U).numpy(), a, atol=1e-6)
    k = min(shape[-2:])
    assert np.allclose(np.diagonal(L.numpy(), axis1=-2, axis2=-1), 1) and L.shape[-1] == U.shape[-2] == k
    assert np.array_equal(np.tril(U.numpy(), -1), np.zeros(U.shape)) and np.all(np.abs(L.numpy()) <= 1 + 1e-6)


@pytest.mark.parametrize("shape", LU_SHAPES)
def test_lu_matches_torch(shape):
    compare(lambda lib, A: tuple(lib.linalg.lu(A)), [rand(shape, 6, low=-1, high=1)], fwd=FWD, bwd=GRAD)


def test_lu_ex_and_torch_lu_match_torch_on_singular_matrices():
    sing = np.stack([np.eye(3), [[1, 2, 3], [2, 4, 6], [1, 0, 1]], np.zeros((3, 3))]).astype(np.float32)
    got, want = tg.linalg.lu_factor_ex(tg.tensor(sing)), torch.linalg.lu_factor_ex(torch.tensor(sing))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-6)
    assert got.info.dtype == np.int32 and got.info.numpy().tolist() == [0, 3, 1]
    for g, w in zip(tg.lu(tg.tensor(sing), get_infos=True), torch.lu(torch.tensor(sing), get_infos=True)):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-6)
    P, L, U = tg.linalg.lu(tg.tensor(sing))  # linalg.lu factors singular matrices without complaint
    np.testing.assert_allclose((P @ L @ U).numpy(), sing, atol=1e-6)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_matches_torch(left, adjoint):
    a = _well_conditioned((2, 3, 3), 7)
    b = rand((2, 3, 2) if left else (2, 2, 3), 8)

    def fn(lib, A, B):  # the gradient reaches A through lu_factor's LU and the triangular solves
        LU, piv = lib.linalg.lu_factor(A)
        return lib.linalg.lu_solve(LU, piv, B, left=left, adjoint=adjoint)
    compare(fn, [a, b], fwd=FWD, bwd=GRAD)
    rows = rand((3, 3), 9, low=-1, high=1)  # pivoting swaps rows here, so the permutation is exercised
    compare(fn, [rows, rand((3, 4) if left else (4, 3), 10)], layout="T", fwd=FWD, bwd=GRAD)


def test_deprecated_lu_solve_and_tensor_methods_match_torch():
    a, b = rand((2, 3, 3), 11, low=-1, high=1), rand((2, 3, 1), 12)

    def fn(lib, A, B):
        LU, piv = A.lu()
        return lib.lu_solve(B, LU, piv), B.lu_solve(*lib.lu(A)), A.matrix_exp(), lib.matrix_exp(A)
    compare(fn, [a, b], fwd=FWD, bwd=GRAD)


# ---- matrix_exp, cond, tensorsolve, tensorinv ----------------------------------------------------------------------
@pytest.mark.parametrize("scale", [0.01, 1.0, 8.0])  # 8: a 1-norm past theta_13, so the result is squared up
def test_matrix_exp_matches_torch(scale):
    a = (rand((2, 4, 4), 13, low=-1, high=1) * scale).astype(np.float32)
    compare(lambda lib, A: lib.linalg.matrix_exp(A), [a], fwd=FWD, bwd=GRAD)
    compare(lambda lib, A: lib.linalg.matrix_exp(A), [a[0]], layout="T", fwd=FWD, bwd=GRAD)


def test_matrix_exp_identities():
    t = np.array([[0.0, -1.0], [1.0, 0.0]], np.float32)  # exp of a rotation generator: cos/sin
    np.testing.assert_allclose(tg.linalg.matrix_exp(tg.tensor(t * 0.5)).numpy(),
                               [[np.cos(0.5), -np.sin(0.5)], [np.sin(0.5), np.cos(0.5)]], atol=1e-6)
    z = tg.linalg.matrix_exp(tg.zeros(3, 2, 2))
    assert z.dtype == tg.float32 and np.array_equal(z.numpy(), np.broadcast_to(np.eye(2), (3, 2, 2)))


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, float("inf"), float("-inf")])
def test_cond_matches_torch(p):
    a = _well_conditioned((2, 3, 3), 14)
    compare(lambda lib, A: lib.linalg.cond(A, p), [a], grad=[False], fwd=FWD)
    if p in (None, 2, -2):
        compare(lambda lib, A: lib.linalg.cond(A, p), [a], fwd=FWD, bwd=GRAD)
    else:  # torch's own cond backward fails for these (an in-place write to inv_ex's output): its definition instead
        compare(lambda lib, A: lib.linalg.cond(A, p), [a], fwd=FWD, bwd=GRAD, fn_torch=lambda lib, A: (
            lib.linalg.matrix_norm(A, p) * lib.linalg.matrix_norm(lib.linalg.inv(A), p)))
    sing = np.array([[1.0, 2.0], [2.0, 4.0]], np.float32)
    if p not in (None, 2, -2, "nuc"):  # torch: inf for a singular matrix in these norms
        assert float(tg.linalg.cond(tg.tensor(sing), p)) == float(torch.linalg.cond(torch.tensor(sing), p)) == np.inf
    if p == "nuc":  # by singular values: finite for a numerically singular matrix, NaN for zero
        for lib in (tg, torch):  # its value is rounding noise (1 / the tiny singular value): only its size is shared
            assert 1e6 < float(lib.linalg.cond(lib.tensor(sing), p)) < np.inf
        with np.errstate(divide="ignore", invalid="ignore"):
            assert np.isnan(float(tg.linalg.cond(tg.zeros(2, 2), p)))
        assert torch.linalg.cond(torch.zeros(2, 2), p).isnan()
    if p is None:
        compare(lambda lib, A: lib.linalg.cond(A), [rand((4, 3), 15)], fwd=FWD, bwd=GRAD)  # rectangular: by SVD


def test_tensorsolve_and_tensorinv_match_torch():
    a = (rand((6, 2, 3), 16, low=-1, high=1) + 3 * np.eye(6, dtype=np.float32).reshape(6, 2, 3)).astype(np.float32)
    compare(lambda lib, A, B: lib.linalg.tensorsolve(A, B), [a, rand((6,), 17)], fwd=FWD, bwd=GRAD)
    a2 = np.ascontiguousarray(a.reshape(2, 3, 2, 3))
    compare(lambda lib, A, B: lib.linalg.tensorsolve(A, B, dims=(0,)), [a2, rand((3, 2), 18)], fwd=FWD, bwd=GRAD)
    compare(lambda lib, A: lib.linalg.tensorinv(A, ind=2), [a2], fwd=FWD, bwd=GRAD)
    compare(lambda lib, A: lib.linalg.tensorinv(A, ind=1), [a], fwd=FWD, bwd=GRAD)


@pytest.mark.parametrize("shape,k", [((5, 3), 2), ((2, 4, 4), 4)])
def test_householder_product_matches_torch(shape, k):
    a, tau = rand(shape, 19, low=-1, high=1), rand(shape[:-2] + (k,), 20, low=-1, high=1)
    compare(lambda lib, A, t: lib.linalg.householder_product(A, t), [a, tau], fwd=FWD, bwd=GRAD)
    compare(lambda lib, A, t: lib.orgqr(A, t), [a, tau], layout="T" if len(shape) == 2 else "contig", fwd=FWD,
            bwd=GRAD)
    g, t = torch.geqrf(torch.tensor(a))  # with geqrf's reflectors it rebuilds QR's Q
    q = tg.linalg.householder_product(tg.tensor(g.numpy()), tg.tensor(t.numpy())).numpy()
    np.testing.assert_allclose(q, torch.linalg.qr(torch.tensor(a)).Q.numpy(), atol=1e-5)


@pytest.mark.parametrize("shape,N", [((4,), None), ((2, 3), 5), ((3,), 2), ((), 3), ((2, 0), 3)])
def test_vander_matches_torch(shape, N):
    x = rand(shape, 23, low=-1.5, high=1.5)
    if x.size:
        x.reshape(-1)[0] = 0.0  # x = 0: the running product still has a gradient there (x^k's is k x^(k-1))
    compare(lambda lib, X: lib.linalg.vander(X, N=N), [x], fwd=FWD, bwd=GRAD)
    if len(shape) == 2:
        compare(lambda lib, X: lib.linalg.vander(X, N=N), [x], layout="T", fwd=FWD, bwd=GRAD)


def test_vander_integer_inputs_give_int64_like_torch():
    for dtype in (np.int32, np.uint8, np.int64):
        x = np.array([[0, 2, 3], [1, 4, 5]], dtype)
        compare(lambda lib, X: lib.linalg.vander(X, N=4), [x])
    got = tg.linalg.vander(tg.tensor([2, 3], dtype=tg.int32), N=tg.tensor(3))  # N: anything with __index__
    np.testing.assert_array_equal(got.numpy(), [[1, 2, 4], [1, 3, 9]])
    assert got.dtype == tg.int64
    with pytest.raises(TypeError):
        torch.linalg.vander([1.0, 2.0])
    with pytest.raises(TypeError, match="linalg.vander: expected a Tensor, got list"):
        tg.linalg.vander([1.0, 2.0])


@pytest.mark.parametrize("a_dtype,b_dtype", [(np.float32, np.float64), (np.float64, np.float32)])
def test_solve_triangular_computes_in_the_dtype_of_A_like_torch(a_dtype, b_dtype):
    a, b = _well_conditioned((3, 3), 21).astype(a_dtype), rand((3, 2), 22).astype(b_dtype)
    got = tg.linalg.solve_triangular(tg.tensor(a), tg.tensor(b), upper=True)
    want = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=True)
    assert got.dtype == a_dtype and want.dtype == {np.float32: torch.float32, np.float64: torch.float64}[a_dtype]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)


# ---- float64 finite differences ------------------------------------------------------------------------------------
def _d(shape, seed, shift=0.0):
    a = np.random.default_rng(seed).uniform(-1, 1, shape)
    if shift:
        a = a + shift * np.eye(shape[-1])
    return tg.tensor(a, dtype=tg.float64, requires_grad=True)


GRADCHECKS = {
    "solve_triangular_upper": (lambda a, b: tg.linalg.solve_triangular(a, b, upper=True), (2, 3, 3), (3, 2)),
    "solve_triangular_right_unit": (lambda a, b: tg.linalg.solve_triangular(a, b, upper=False, left=False,
                                                                            unitriangular=True), (3, 3), (2, 3)),
    "lu_factor_square": (lambda a: tg.linalg.lu_factor(a).LU, (2, 3, 3), None),
    "lu_factor_tall": (lambda a: tg.linalg.lu_factor(a).LU, (4, 3), None),
    "lu_factor_wide": (lambda a: tg.linalg.lu_factor(a).LU, (3, 4), None),
    "lu_L_U": (lambda a: tuple(tg.linalg.lu(a))[1:], (4, 3), None),
    "lu_solve_adjoint": (lambda a, b: tg.linalg.lu_solve(*tg.linalg.lu_factor(a), b, adjoint=True), (3, 3), (3, 2)),
    "matrix_exp": (lambda a: tg.linalg.matrix_exp(a), (2, 3, 3), None),
    "matrix_exp_squared": (lambda a: tg.linalg.matrix_exp(4 * a), (3, 3), None),
    "cond_fro": (lambda a: tg.linalg.cond(a, "fro"), (3, 3), None),
    "tensorinv": (lambda a: tg.linalg.tensorinv(a.reshape(2, 2, 2, 2), ind=2), (4, 4), None),
    "tensorsolve": (lambda a, b: tg.linalg.tensorsolve(a.reshape(2, 2, 4), b), (4, 4), (2, 2)),
    "householder_product": (lambda a, t: tg.linalg.householder_product(a, t), (4, 3), (3,)),
    "vander": (lambda a: tg.linalg.vander(a, N=4), (2, 3), None),
}


@pytest.mark.parametrize("name", list(GRADCHECKS))
def test_gradcheck(name):
    fn, shape_a, shape_b = GRADCHECKS[name]
    shift = 3.0 if name.startswith(("solve", "tensor", "cond")) else 0.0
    inputs = [_d(shape_a, 1, shift)] + ([_d(shape_b, 2)] if shape_b else [])
    assert gradcheck(fn, inputs)


# ---- bad input -----------------------------------------------------------------------------------------------------
SINGULAR = [[1.0, 2.0], [2.0, 4.0]]
BAD = [
    ("solve_triangular non-square", lambda lib: lib.linalg.solve_triangular(lib.ones(2, 3), lib.ones(2, 1),
                                                                             upper=True), "solve_triangular.*2 by 3"),
    ("solve_triangular shapes", lambda lib: lib.linalg.solve_triangular(lib.eye(2), lib.ones(3, 1), upper=True),
     r"solve_triangular.*AX = B \(2x2 and 3x1\)"),
    ("solve_triangular right shapes", lambda lib: lib.linalg.solve_triangular(lib.eye(2), lib.ones(1, 3),
                                                                               upper=True, left=False),
     r"solve_triangular.*XA = B \(2x2 and 1x3\)"),
    ("solve_triangular 1-d B", lambda lib: lib.linalg.solve_triangular(lib.eye(2), lib.ones(2), upper=True),
     "solve_triangular.*B must have at least 2 dimensions"),
    ("lu_factor singular", lambda lib: lib.linalg.lu_factor(lib.tensor(SINGULAR)), r"lu_factor.*U\[2,2\] is zero"),
    ("lu_factor batch singular", lambda lib: lib.linalg.lu_factor(lib.stack([lib.eye(2), lib.tensor(SINGULAR)])),
     r"lu_factor.*Batch element 1.*U\[2,2\] is zero"),
    ("lu_factor 1-d", lambda lib: lib.linalg.lu_factor(lib.ones(3)), "lu_factor.*2 dimensions"),
    ("lu_factor no pivot", lambda lib: lib.linalg.lu_factor(lib.eye(3), pivot=False), "lu_factor.*without pivoting"),
    ("lu no pivot", lambda lib: lib.linalg.lu(lib.eye(3), pivot=False), "linalg.lu.*without pivoting"),
    ("lu_solve shapes", lambda lib: lib.linalg.lu_solve(*lib.linalg.lu_factor(lib.eye(4)), lib.ones(3, 1)),
     r"lu_solve.*AX = B \(4x4 and 3x1\)"),
    ("lu_solve pivots", lambda lib: lib.linalg.lu_solve(lib.eye(4), lib.linalg.lu_factor(lib.eye(4)).pivots[:3],
                                                        lib.ones(4, 1)), "lu_solve.*Number of pivots"),
    ("lu_solve non-square", lambda lib: lib.linalg.lu_solve(lib.ones(4, 3), lib.linalg.lu_factor(lib.eye(4)).pivots,
                                                            lib.ones(4, 1)), "lu_solve.*4 by 3"),
    ("lu_solve dtypes", lambda lib: lib.linalg.lu_solve(*lib.linalg.lu_factor(lib.eye(2)), lib.ones(2, 1).double()),
     "lu_solve.*same dtype.*float32.*float64"),
    ("lu_solve 1-d B", lambda lib: lib.linalg.lu_solve(*lib.linalg.lu_factor(lib.eye(4)), lib.ones(4)),
     "lu_solve.*at least 2 dimensions"),
    ("matrix_exp non-square", lambda lib: lib.linalg.matrix_exp(lib.ones(2, 3)), "matrix_exp.*2 by 3"),
    ("matrix_exp 1-d", lambda lib: lib.linalg.matrix_exp(lib.ones(3)), "matrix_exp.*at least 2 dimensions"),
    ("cond fro non-square", lambda lib: lib.linalg.cond(lib.ones(2, 3), "fro"), r"cond\(ord=fro\).*2 by 3"),
    ("cond bad p", lambda lib: lib.linalg.cond(lib.eye(2), 3), "cond.*invalid norm type: 3"),
    ("tensorsolve prod", lambda lib: lib.linalg.tensorsolve(lib.ones(2, 3, 4), lib.ones(2, 3)), "4 != 6"),
    ("tensorsolve singular", lambda lib: lib.linalg.tensorsolve(lib.ones(2, 3, 6), lib.ones(2, 3)), "singular"),
    ("tensorinv prod", lambda lib: lib.linalg.tensorinv(lib.ones(2, 3, 4), ind=1), "12 != 2"),
    ("tensorinv ind", lambda lib: lib.linalg.tensorinv(lib.ones(2, 2), ind=0), "tensorinv.*positive integer.*0"),
    ("householder_product wide", lambda lib: lib.linalg.householder_product(lib.ones(2, 3), lib.ones(2)),
     "householder_product.*input.shape\\[-2\\] must be greater"),
    ("householder_product tau", lambda lib: lib.linalg.householder_product(lib.ones(3, 2), lib.ones(3)),
     "householder_product.*tau.shape\\[-1\\]"),
    ("householder_product batch", lambda lib: lib.linalg.householder_product(lib.ones(2, 3, 2), lib.ones(3, 2)),
     "householder_product.*batch dimensions of tau"),
    ("householder_product dtype", lambda lib: lib.linalg.householder_product(lib.ones(3, 2),
                                                                             lib.ones(2, dtype=lib.float64)),
     "householder_product.*tau dtype"),
    ("triangular_solve non-square", lambda lib: lib.triangular_solve(lib.ones(2, 1), lib.ones(2, 3)), "2 by 3"),
    ("vander N=1", lambda lib: lib.linalg.vander(lib.ones(3), N=1), r"linalg.vander: N must be greater than 1.*N=1"),
    ("vander N<0", lambda lib: lib.linalg.vander(lib.ones(2, 3), N=-2), r"vander.*N=-2 \(x of shape \(2, 3\)\)"),
    ("vander 0-d", lambda lib: lib.linalg.vander(lib.tensor(2.0)), r"vander: N must be greater than 1, got N=1"),
    ("vander empty", lambda lib: lib.linalg.vander(lib.ones(0)), r"vander: N must be greater than 1, got N=0"),
    ("vander bool", lambda lib: lib.linalg.vander(lib.ones(3, dtype=lib.bool)), "linalg.vander supports .* got bool"),
    ("vander half", lambda lib: lib.linalg.vander(lib.ones(3, dtype=lib.float16)), "vander supports .* got float16"),
]


@pytest.mark.parametrize("name,fn,match", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_like_torch(name, fn, match):
    with pytest.raises(RuntimeError):
        fn(torch)
    with pytest.raises(RuntimeError, match=match):
        fn(tg)


def test_integer_input_refused_like_torch():
    for lib, err in ((torch, (RuntimeError, NotImplementedError)), (tg, RuntimeError)):
        for f in (lambda: lib.linalg.lu_factor(lib.tensor([[1, 2], [3, 4]])),
                  lambda: lib.linalg.matrix_exp(lib.tensor([[1, 2], [3, 4]]))):
            with pytest.raises(err):
                f()
    with pytest.raises(RuntimeError, match="matrix_exp.*floating"):
        tg.linalg.matrix_exp(tg.tensor([[1, 2], [3, 4]]))


def test_lazy_import_still_holds():
    import subprocess
    import sys
    from pathlib import Path
    code = ("import sys, teenygrad; assert not {'teenygrad.linalg', 'teenygrad.linalg_lu', 'teenygrad.ops.linalg_lu'} "
            "& set(sys.modules); teenygrad.linalg.lu_factor")
    assert subprocess.run([sys.executable, "-c", code], cwd=str(Path(__file__).parent.parent)).returncode == 0
