"""Complex inputs for linalg.inv / inv_ex / det / slogdet / solve / solve_ex / cholesky / cholesky_ex / eigh / eigvalsh /
svd / svdvals / qr / lu / lu_factor / lu_solve / solve_triangular / pinv / lstsq / vecdot / matrix_norm / norm /
matrix_exp / vander / cond / matrix_rank and torch.cholesky_solve / cholesky_inverse, which refused them: results and
gradients against torch (first order, and second order for several), complex128 and complex64. The backward formulas
are the real ones with ^T -> ^H, plus torch's phase handling for eigh and svd; cholesky follows torch's form (its
diagonal keeps an imaginary part, and upper=True takes the formula itself); LU pivots as LAPACK's i?amax
(|Re| + |Im|)."""
import numpy as np
import pytest
import torch

import teenygrad as tg

RNG = np.random.default_rng(3)


def crand(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def hpd(n, batch=()):
    a = crand(*batch, n, n)
    return a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)


CASES = {
    "inv": (lambda m, A: m.linalg.inv(A), [crand(2, 3, 3)]),
    "inv_ex": (lambda m, A: m.linalg.inv_ex(A)[0], [crand(3, 3)]),
    "det": (lambda m, A: m.linalg.det(A), [crand(2, 3, 3)]),
    "solve": (lambda m, A, B: m.linalg.solve(A, B), [crand(2, 3, 3), crand(2, 3, 2)]),
    "solve_vector": (lambda m, A, B: m.linalg.solve(A, B), [crand(3, 3), crand(3)]),
    "solve_right": (lambda m, A, B: m.linalg.solve(A, B, left=False), [crand(3, 3), crand(2, 3)]),
    "solve_ex": (lambda m, A, B: m.linalg.solve_ex(A, B)[0], [crand(3, 3), crand(3, 2)]),
    "cholesky": (lambda m, A: m.linalg.cholesky(A), [hpd(3, (2,))]),
    "cholesky_upper": (lambda m, A: m.linalg.cholesky(A, upper=True), [hpd(3)]),
    "cholesky_ex": (lambda m, A: m.linalg.cholesky_ex(A)[0], [hpd(3)]),
    "vecdot": (lambda m, x, y: m.linalg.vecdot(x, y), [crand(2, 4), crand(2, 4)]),
    "matrix_norm_fro": (lambda m, A: m.linalg.matrix_norm(A), [crand(2, 3, 4)]),
    "matrix_norm_1": (lambda m, A: m.linalg.matrix_norm(A, 1), [crand(3, 4)]),
    "matrix_norm_inf": (lambda m, A: m.linalg.matrix_norm(A, float("inf")), [crand(3, 4)]),
    "matrix_norm_-1": (lambda m, A: m.linalg.matrix_norm(A, -1), [crand(3, 4)]),
    "norm": (lambda m, A: m.linalg.norm(A), [crand(3, 4)]),
    "norm_vector_3": (lambda m, A: m.linalg.norm(A, 3, dim=1), [crand(3, 4)]),
}


def herm(*batch, n=3):
    a = crand(*batch, n, n)
    return a + np.conj(np.swapaxes(a, -1, -2))


CASES.update({
    "slogdet_logabsdet": (lambda m, A: m.linalg.slogdet(A)[1], [crand(2, 3, 3)]),
    "slogdet_both": (lambda m, A: (lambda s, ld: s.real * 2 + s.imag * 3 + ld)(*m.linalg.slogdet(A)), [crand(3, 3)]),
    "svdvals": (lambda m, A: m.linalg.svdvals(A), [crand(2, 3, 4)]),
    "matrix_norm_nuc": (lambda m, A: m.linalg.matrix_norm(A, "nuc"), [crand(3, 4)]),
    "matrix_norm_2": (lambda m, A: m.linalg.matrix_norm(A, 2), [crand(3, 4)]),
    "eigvalsh": (lambda m, A: m.linalg.eigvalsh(A), [herm(2)]),
    "eigvalsh_upper": (lambda m, A: m.linalg.eigvalsh(A, UPLO="U"), [herm()]),
    # phase-free functions of the vectors (their moduli): a loss with a gradient
    "eigh": (lambda m, A: (lambda w, v: w.sum() + (v.abs() ** 2 * m.arange(3.0)).sum())(*m.linalg.eigh(A)), [herm(2)]),
    "eigh_vectors": (lambda m, A: m.linalg.eigh(A)[1].abs().sum(), [herm()]),
    "matrix_exp": (lambda m, A: m.linalg.matrix_exp(A), [crand(2, 3, 3) * 0.7]),
    "vander": (lambda m, x: m.linalg.vander(x), [crand(4)]),
    "cond": (lambda m, A: m.linalg.cond(A), [crand(2, 3, 3)]),
    "cond_nuc": (lambda m, A: m.linalg.cond(A, "nuc"), [crand(3, 3)]),
    "pinv": (lambda m, A: m.linalg.pinv(A), [crand(3, 4)]),
    "pinv_tall": (lambda m, A: m.linalg.pinv(A), [crand(2, 4, 3)]),
    "pinv_hermitian": (lambda m, A: m.linalg.pinv(A, hermitian=True), [herm()]),
    "lstsq": (lambda m, A, B: m.linalg.lstsq(A, B).solution, [crand(4, 3), crand(4, 2)]),
    "lstsq_vector": (lambda m, A, B: m.linalg.lstsq(A, B).solution, [crand(4, 3), crand(4)]),
})

# svd with vectors: losses that read them through phase-free quantities (moduli, U Vh), each output alone and all
SVD_LOSSES = {
    "U": lambda U, S, Vh, C, D: (U.abs() ** 2 * C).sum(),
    "Vh": lambda U, S, Vh, C, D: (Vh.abs() * D).sum(),
    "UVh": lambda U, S, Vh, C, D: (U @ Vh).real.sum() + ((U @ Vh).imag ** 2).sum(),
    "all": lambda U, S, Vh, C, D: (U.abs() ** 2 * C).sum() + (Vh.abs() * D).sum() + (S ** 2).sum() * 0.3,
}


def _svd_case(m, A, loss):
    U, S, Vh = m.linalg.svd(A, full_matrices=False)
    C, D = (m.tensor(np.random.default_rng(2).standard_normal(tuple(t.shape)), dtype=S.dtype) for t in (U, Vh))
    return SVD_LOSSES[loss](U, S, Vh, C, D)


for _shape in ((3, 3), (4, 3), (3, 4), (2, 4, 3)):
    for _loss in SVD_LOSSES:
        CASES[f"svd_{_loss}_{'x'.join(map(str, _shape))}"] = (lambda m, A, _l=_loss: _svd_case(m, A, _l),
                                                              [crand(*_shape)])


def _qr_case(m, A, mode):
    Q, R = m.linalg.qr(A, mode=mode)
    rng = np.random.default_rng(3)
    C, D = (m.tensor(rng.standard_normal(tuple(t.shape)) + 1j * rng.standard_normal(tuple(t.shape)), dtype=A.dtype)
            for t in (Q, R))
    return (Q * C).real.sum() + (R * D).abs().sum()


for _shape, _mode in (((3, 3), "reduced"), ((4, 3), "reduced"), ((3, 5), "reduced"), ((2, 4, 3), "reduced"),
                      ((3, 4), "complete")):
    CASES[f"qr_{_mode}_{'x'.join(map(str, _shape))}"] = (lambda m, A, _m=_mode: _qr_case(m, A, _m), [crand(*_shape)])


def _lu_loss(m, A):
    P, L, U = m.linalg.lu(A)
    return (L.abs() ** 2).sum() + (U * U).real.sum()


CASES.update({
    "lu_factor": (lambda m, A: m.linalg.lu_factor(A)[0], [crand(2, 4, 4)]),
    "lu_factor_tall": (lambda m, A: m.linalg.lu_factor(A)[0], [crand(5, 3)]),
    "lu_factor_wide": (lambda m, A: m.linalg.lu_factor(A)[0], [crand(3, 5)]),
    "lu": (_lu_loss, [crand(4, 4)]),
    "lu_tall": (_lu_loss, [crand(5, 3)]),
    "lu_wide": (_lu_loss, [crand(3, 5)]),
    "lu_solve": (lambda m, A, B: m.linalg.lu_solve(*m.linalg.lu_factor(A), B), [crand(3, 3), crand(3, 2)]),
    "lu_solve_adjoint": (lambda m, A, B: m.linalg.lu_solve(*m.linalg.lu_factor(A), B, adjoint=True),
                         [crand(3, 3), crand(3, 2)]),
    "lu_solve_right": (lambda m, A, B: m.linalg.lu_solve(*m.linalg.lu_factor(A), B, left=False),
                       [crand(3, 3), crand(2, 3)]),
    "lu_solve_right_adjoint": (lambda m, A, B: m.linalg.lu_solve(*m.linalg.lu_factor(A), B, left=False, adjoint=True),
                               [crand(3, 3), crand(2, 3)]),
    "solve_triangular_upper": (lambda m, A, B: m.linalg.solve_triangular(A, B, upper=True),
                               [crand(3, 3) + 3 * np.eye(3), crand(3, 2)]),
    "solve_triangular_lower_unit": (lambda m, A, B: m.linalg.solve_triangular(A, B, upper=False, unitriangular=True),
                                    [crand(3, 3), crand(3, 2)]),
    "solve_triangular_right": (lambda m, A, B: m.linalg.solve_triangular(A, B, upper=True, left=False),
                               [crand(3, 3) + 3 * np.eye(3), crand(2, 3)]),
})


_L = np.linalg.cholesky(hpd(3))
CASES.update({
    "cholesky_solve": (lambda m, B, F: m.cholesky_solve(B, F), [crand(3, 2), _L]),
    "cholesky_solve_upper": (lambda m, B, F: m.cholesky_solve(B, F, upper=True), [crand(3, 2), _L.conj().T]),
    "cholesky_inverse": (lambda m, F: m.cholesky_inverse(F), [_L]),
    "cholesky_inverse_upper": (lambda m, F: m.cholesky_inverse(F, upper=True), [_L.conj().T]),
})


def _run(m, f, arrays, dtype, order):
    ins = [m.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    out = f(m, *ins)
    c = m.tensor(np.random.default_rng(5).standard_normal(tuple(out.shape)).astype(
        np.float64 if dtype == np.complex128 else np.float32))
    loss = ((out * c).real.sum() + (out * c).imag.square().sum()) if m.is_complex(out) else (out * c).sum()
    grads = m.autograd.grad(loss, ins, create_graph=order == 2)
    if order == 2:
        grads = m.autograd.grad(sum((g.abs() ** 2).sum() for g in grads), ins)
    value = (lambda t: t.detach().resolve_conj().numpy()) if m is torch else (lambda t: t.detach().numpy())
    return value(out), [value(g) for g in grads], str(out.dtype).split(".")[-1]


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("name", list(CASES))
def test_complex_linalg_matches_torch(name, dtype):
    f, arrays = CASES[name]
    (o1, g1, d1), (o2, g2, d2) = (_run(m, f, arrays, dtype, 1) for m in (torch, tg))
    tol = 1e-9 if dtype == np.complex128 else 2e-4
    assert d2 == d1
    np.testing.assert_allclose(o2, o1, rtol=tol, atol=tol)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol * max(1.0, np.abs(a).max()))


@pytest.mark.parametrize("name", ["inv", "det", "solve", "cholesky", "cholesky_upper", "eigvalsh", "matrix_exp",
                                  "vander", "pinv", "lstsq", "lu", "lu_tall", "lu_solve_right_adjoint",
                                  "solve_triangular_right", "cholesky_solve_upper", "cholesky_inverse"])
def test_complex_linalg_second_order_matches_torch(name):
    f, arrays = CASES[name]
    (_, g1, _), (_, g2, _) = (_run(m, f, arrays, np.complex128, 2) for m in (torch, tg))
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-9 * max(1.0, np.abs(a).max()))


def test_complex_refusals():
    """eigh and svd refuse a loss that depends on the vectors' phases (as torch). (Their double backward, and
    slogdet's, svdvals' and qr's, on complex inputs: tests/test_program_fuzz19_linalg.py.)"""
    for m in (torch, tg):
        A = m.tensor(crand(3, 3), requires_grad=True)
        with pytest.raises(RuntimeError, match=r"specified up to multiplication by e\^\{i phi\}"):
            m.linalg.svd(A)[0].real.sum().backward()
    h = herm()
    for m in (torch, tg):
        A = m.tensor(h, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"specified up to multiplication by e\^\{i phi\}"):
            m.linalg.eigh(A)[1].real.sum().backward()


def test_complex_matrix_rank_as_torch():
    a = np.outer(crand(4), crand(3)) + np.outer(crand(4), crand(3))  # rank 2
    for hermitian, m_ in ((False, a), (True, herm(n=4))):
        got = [int(m.linalg.matrix_rank(m.tensor(m_), hermitian=hermitian)) for m in (torch, tg)]
        assert got[1] == got[0]


@pytest.mark.parametrize("p", [1, -1, float("inf"), "fro"])
def test_complex_cond_by_inverse(p):
    """cond with p = +-1, +-inf, 'fro' (through inv_ex and matrix_norm): the value as torch's, the gradient by
    central differences along each entry's real and imaginary direction (torch's own backward of these raises an
    in-place error for complex inputs)"""
    a = crand(3, 3)
    assert np.isclose(float(tg.linalg.cond(tg.tensor(a), p)), float(torch.linalg.cond(torch.tensor(a), p)), rtol=1e-12)
    _check_by_differences(lambda A: tg.linalg.cond(A, p), a)


def _check_by_differences(loss, a, rtol=1e-5, atol=1e-7):
    """loss(A)'s gradient in complex128 against central differences along each entry's real and imaginary direction
    (torch's convention: dL/dRe + i dL/dIm)"""
    A = tg.tensor(a, requires_grad=True)
    loss(A).backward()
    f = lambda z: float(loss(tg.tensor(z)))  # noqa: E731
    h, fd = 1e-6, np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        for unit in (1, 1j):
            e = np.zeros_like(a)
            e[idx] = h * unit
            fd[idx] += unit * (f(a + e) - f(a - e)) / (2 * h)
    np.testing.assert_allclose(A.grad.numpy(), fd, rtol=rtol, atol=atol)


DIFFERENCE_CASES = ["inv", "det", "slogdet_both", "eigh", "svd_all_4x3", "svd_all_3x4", "qr_reduced_4x3",
                    "qr_reduced_3x5", "lu", "lu_wide", "matrix_exp", "pinv"]


@pytest.mark.parametrize("name", DIFFERENCE_CASES)
def test_complex_linalg_gradient_by_differences(name):
    """the float64 finite-difference check of the quality bar, for a complex input (single-input cases); the loss is
    _run's: a real function of the output"""
    f, arrays = CASES[name]

    def loss(A):
        out = f(tg, A)
        return ((out * 0.7).real.sum() + (out * 0.7).imag.square().sum()) if tg.is_complex(out) else (out * 0.7).sum()
    _check_by_differences(loss, arrays[0].astype(np.complex128), rtol=1e-5, atol=1e-6)


def test_complex_lu_pivots_as_lapack():
    """LAPACK's pivot search for complex matrices takes the largest |Re| + |Im|, not the largest modulus"""
    a = np.array([[3 + 0j, 1], [2 + 2j, 5]])  # modulus picks row 1 (3 > 2.83); |Re| + |Im| row 2 (3 < 4)
    assert tg.linalg.lu_factor(tg.tensor(a))[1].tolist() == torch.linalg.lu_factor(torch.tensor(a))[1].tolist() == [2, 2]


@pytest.mark.parametrize("upper", [False, True])
def test_complex_cholesky_gradient_along_hermitian_directions(upper):
    """cholesky reads one triangle of a Hermitian A, so only Hermitian perturbations are meaningful: the gradient's
    directional derivative Re <G, E> against central differences along random Hermitian E"""
    a = hpd(3)
    c = np.random.default_rng(8).standard_normal((3, 3))

    def loss(A):
        out = tg.linalg.cholesky(A, upper=upper)
        return (out.real * tg.tensor(c)).sum() + out.imag.square().sum()
    A = tg.tensor(a, requires_grad=True)
    loss(A).backward()
    for _ in range(4):
        e = crand(3, 3)
        e = e + e.conj().T
        h = 1e-6
        fd = (float(loss(tg.tensor(a + h * e))) - float(loss(tg.tensor(a - h * e)))) / (2 * h)
        assert np.isclose(np.real(np.sum(np.conj(A.grad.numpy()) * e)), fd, rtol=1e-5, atol=1e-7)


def test_complex_bad_inputs_refused_as_torch():
    """complex inputs that torch refuses: mixed complex dtypes, a singular or non-positive-definite matrix, NaN in
    eig's input, a non-square matrix; the same exception class as torch, naming the op"""
    a, sing = crand(3, 3), np.ones((3, 3), complex)
    nan = a.copy()
    nan[0, 0] = complex(np.nan, 0)
    cases = {
        "linalg.solve": lambda m: m.linalg.solve(m.tensor(a), m.tensor(a.astype(np.complex64))),
        "linalg.inv": lambda m: m.linalg.inv(m.tensor(sing)),
        "linalg.cholesky": lambda m: m.linalg.cholesky(m.tensor(-hpd(3))),
        "linalg.eig": lambda m: m.linalg.eig(m.tensor(nan)),
        "linalg.det": lambda m: m.linalg.det(m.tensor(crand(3, 4))),
        "linalg.lu_solve": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.tensor(a)),
                                                       m.tensor(crand(3, 2).astype(np.complex64))),
    }
    for op, f in cases.items():
        with pytest.raises(Exception) as et:
            f(torch)
        with pytest.raises(Exception) as eg:
            f(tg)
        assert isinstance(eg.value, RuntimeError) == isinstance(et.value, RuntimeError), (op, et.value, eg.value)
        assert op in str(eg.value), (op, eg.value)
