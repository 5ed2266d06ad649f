"""Differential checks of teenygrad.linalg (and the torch.xxx / Tensor spellings) against torch: a small seeded fuzz
over well-conditioned batched inputs (values and gradients, float32 and float64), and the cases the fuzz found:
LinAlgError, the solve / inv_ex / cholesky_ex error messages, solve(left=False) with a vector-shaped B,
cholesky_solve (triangle only, broadcasting, singular factors, torch's gradient), eig / eigvals, the addmm family's
dtype rules, and det's second derivative at a singular matrix."""
import math
import numpy as np
import pytest
import torch
import teenygrad as tg
import teenygrad.linalg as TL

TOL = {np.float32: 1e-4, np.float64: 1e-8}


def _wc(rng, shape, dt):
    """well-conditioned: a square matrix gets 3 I added"""
    a = rng.standard_normal(shape)
    if len(shape) > 1 and shape[-1] == shape[-2]:
        a = a + 3 * np.eye(shape[-1])
    return a.astype(dt)


def _spd(rng, shape, dt):
    a = rng.standard_normal(shape)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dt)


def _close(x, y, dt, what):
    x, y = np.asarray(x), np.asarray(y)
    assert x.shape == y.shape, (what, x.shape, y.shape)
    scale = max(1.0, float(np.abs(x[np.isfinite(x)]).max(initial=0)))
    np.testing.assert_allclose(y, x, rtol=TOL[dt], atol=TOL[dt] * scale, err_msg=what)


def _compare(what, f_torch, f_tg, arrays, dt, loss=None, skip=()):
    """outputs (but those in skip: a sign/phase gauge) and the gradients of loss (default: a random linear one)"""
    rng = np.random.default_rng(len(what))
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    gs = [tg.tensor(a, requires_grad=True) for a in arrays]
    ot, og = f_torch(*ts), f_tg(*gs)
    ots = list(ot) if isinstance(ot, tuple) else [ot]
    ogs = list(og) if isinstance(og, tuple) else [og]
    for i, (x, y) in enumerate(zip(ots, ogs)):
        if i not in skip:
            assert str(x.dtype).split(".")[-1] == str(y.dtype).split(".")[-1], what
            _close(x.detach().numpy(), y.detach().numpy(), dt, f"{what} output {i}")
    if loss is None:
        ups = [rng.standard_normal(tuple(x.shape)).astype(dt) for x in ots]
        lt = sum((x * torch.tensor(u)).sum() for x, u in zip(ots, ups) if x.dtype.is_floating_point)
        lg = sum((y * tg.tensor(u)).sum() for y, u in zip(ogs, ups) if y.is_floating_point())
    else:
        lt, lg = loss(ot), loss(og)
    grads = torch.autograd.grad(lt, ts)
    lg.backward()
    for i, (gt, t) in enumerate(zip(grads, gs)):
        _close(gt.numpy(), t.grad.numpy(), dt, f"{what} grad {i}")


def _cases(rng, dt):
    sq, S = _wc(rng, (2, 4, 4), dt), _spd(rng, (2, 4, 4), dt)
    low = np.linalg.cholesky(S.astype(np.float64)).astype(dt)
    A = _wc(rng, (3, 5), dt)
    svd_loss = lambda o: (o[1] ** 3).sum() + ((o[0][..., :, :3] * o[1][..., None, :]) @ o[2][..., :3, :]).pow(2).sum()
    yield "inv", torch.linalg.inv, TL.inv, [sq], {}
    yield "det", torch.linalg.det, TL.det, [sq], {}
    yield "slogdet", torch.linalg.slogdet, TL.slogdet, [sq], {}
    yield "logdet", torch.logdet, tg.logdet, [S], {}
    yield "solve bcast", torch.linalg.solve, TL.solve, [sq, _wc(rng, (3, 1, 4, 2), dt)], {}
    yield "solve vec", torch.linalg.solve, TL.solve, [sq, _wc(rng, (4,), dt)], {}
    yield ("solve right", lambda a, b: torch.linalg.solve(a, b, left=False), lambda a, b: TL.solve(a, b, left=False),
           [sq, _wc(rng, (2, 3, 4), dt)], {})
    for upper, left, unit in [(True, True, False), (False, False, True), (True, False, False)]:
        b = _wc(rng, (2, 4, 3) if left else (2, 3, 4), dt)
        kw = dict(upper=upper, left=left, unitriangular=unit)
        yield (f"solve_triangular {kw}", lambda a, b, kw=kw: torch.linalg.solve_triangular(a, b, **kw),
               lambda a, b, kw=kw: TL.solve_triangular(a, b, **kw), [sq, b], {})
    yield ("cholesky upper", lambda a: torch.linalg.cholesky(a, upper=True), lambda a: TL.cholesky(a, upper=True),
           [S], {})
    yield "cholesky_inverse", torch.cholesky_inverse, tg.cholesky_inverse, [low], {}
    yield ("lu_solve adjoint", lambda a, b: torch.linalg.lu_solve(*torch.linalg.lu_factor(a), b, adjoint=True),
           lambda a, b: TL.lu_solve(*TL.lu_factor(a), b, adjoint=True), [sq, _wc(rng, (3, 1, 4, 2), dt)], {})
    yield "lu", torch.linalg.lu, TL.lu, [A], dict(loss=lambda o: ((o[1] @ o[2]) ** 2).sum())
    yield ("qr complete", lambda a: torch.linalg.qr(a, mode="complete"), lambda a: TL.qr(a, mode="complete"),
           [A], dict(loss=lambda o: (o[1] ** 2).sum()))
    yield "svd", torch.linalg.svd, TL.svd, [A], dict(loss=svd_loss, skip=(0, 2))
    yield ("eigh U", lambda a: torch.linalg.eigh(a, UPLO="U"), lambda a: TL.eigh(a, UPLO="U"), [S],
           dict(loss=lambda o: (o[0] ** 3).sum() + ((o[1] * o[0][..., None, :]) @ o[1].mT).pow(2).sum(), skip=(1,)))
    yield "pinv", torch.linalg.pinv, TL.pinv, [A], {}
    yield ("pinv hermitian", lambda a: torch.linalg.pinv(a, hermitian=True), lambda a: TL.pinv(a, hermitian=True),
           [S], {})
    yield "lstsq", lambda a, b: torch.linalg.lstsq(a, b).solution, lambda a, b: TL.lstsq(a, b).solution, \
        [A.T.copy(), _wc(rng, (5, 2), dt)], {}
    for ord in ("fro", "nuc", 2, -2, 1, -math.inf):
        yield (f"matrix_norm {ord}", lambda a, o=ord: torch.linalg.matrix_norm(a, o, dim=(-1, 0), keepdim=True),
               lambda a, o=ord: TL.matrix_norm(a, o, dim=(-1, 0), keepdim=True), [A], {})
    yield "cond", torch.linalg.cond, TL.cond, [A], {}
    yield "matrix_power -3", lambda a: torch.linalg.matrix_power(a, -3), lambda a: TL.matrix_power(a, -3), [sq], {}
    yield "matrix_exp", torch.linalg.matrix_exp, TL.matrix_exp, [sq * 0.3], {}
    yield ("householder_product", torch.linalg.householder_product, TL.householder_product,
           [_wc(rng, (2, 5, 3), dt), rng.random((2, 2)).astype(dt)], {})
    yield "tensorinv", lambda a: torch.linalg.tensorinv(a, ind=2), lambda a: TL.tensorinv(a, ind=2), \
        [(rng.standard_normal((6, 6)) + 4 * np.eye(6)).astype(dt).reshape(2, 3, 6)], {}
    yield ("addmm beta=0", lambda i, a, b: torch.addmm(i, a, b, beta=0, alpha=1.5),
           lambda i, a, b: tg.addmm(i, a, b, beta=0, alpha=1.5),
           [np.full((1, 4), np.nan, dt), _wc(rng, (3, 2), dt), _wc(rng, (2, 4), dt)], {})
    yield ("baddbmm", lambda i, a, b: torch.baddbmm(i, a, b, beta=0.5, alpha=2),
           lambda i, a, b: tg.baddbmm(i, a, b, beta=0.5, alpha=2),
           [_wc(rng, (3, 4), dt), _wc(rng, (2, 3, 2), dt), _wc(rng, (2, 2, 4), dt)], {})


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_seeded_fuzz_values_and_gradients_match_torch(dt):
    for what, f_torch, f_tg, arrays, kw in _cases(np.random.default_rng(14), dt):
        _compare(what, f_torch, f_tg, arrays, dt, **kw)


def test_singular_inputs_raise_linalg_error_naming_the_op_and_the_batch_element():
    sing = np.stack([np.eye(3), np.diag([1.0, 0.0, 1.0])])
    assert issubclass(TL.LinAlgError, RuntimeError)
    cases = [(lambda L, a: L.inv(a), "linalg.inv: (Batch element 1): The diagonal element 2 is zero"),
             (lambda L, a: L.solve(a, a), "linalg.solve: (Batch element 1): The solver failed"),
             (lambda L, a: L.inv_ex(a, check_errors=True), "linalg.inv_ex: (Batch element 1): The diagonal element 2"),
             (lambda L, a: L.cholesky(a), "linalg.cholesky: (Batch element 1): The factorization could not"),
             (lambda L, a: L.cholesky_ex(a, check_errors=True), "linalg.cholesky_ex: (Batch element 1): The factor")]
    for f, message in cases:
        with pytest.raises(torch.linalg.LinAlgError) as et:
            f(torch.linalg, torch.tensor(sing))
        with pytest.raises(TL.LinAlgError) as eg:
            f(TL, tg.tensor(sing))
        assert str(eg.value).startswith(message) and message in str(et.value)
    with pytest.raises(TL.LinAlgError, match="^cholesky_inverse: The diagonal element 2 is zero"):
        tg.cholesky_inverse(tg.tensor(sing[1]))


def test_solve_right_refuses_a_vector_shaped_b_as_torch():
    """B of shape A.shape[:-1] is a batch of vectors, left or not: X A = B has no solution shape for it"""
    a, b = np.random.default_rng(0).standard_normal((2, 3, 3)), np.ones((2, 3))
    with pytest.raises(RuntimeError, match=r"XA = B \(3x3 and 3x1\)"):
        torch.linalg.solve(torch.tensor(a), torch.tensor(b), left=False)
    with pytest.raises(RuntimeError, match=r"XA = B \(3x3 and 3x1\)"):
        TL.solve(tg.tensor(a), tg.tensor(b), left=False)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_reads_the_triangle_broadcasts_and_differentiates_as_torch(upper):
    rng = np.random.default_rng(3)
    low = np.linalg.cholesky(_spd(rng, (3, 3), np.float64))
    factor = low.T.copy() if upper else low
    factor = factor + (np.tril(np.ones((3, 3)), -1) if upper else np.triu(np.ones((3, 3)), 1)) * 7  # never read
    b = rng.standard_normal((2, 3, 2))
    res = []
    for m in (torch, tg):
        B, F = m.tensor(b, requires_grad=True), m.tensor(factor, requires_grad=True)
        x = m.cholesky_solve(B, F, upper=upper)
        gb, gf = m.autograd.grad((x ** 3).sum(), [B, F], create_graph=True)
        hb, hf = m.autograd.grad((gb ** 2).sum() + (gf ** 2).sum(), [B, F])
        res.append([t.detach().numpy() for t in (x, gb, gf, hb, hf)])
    for x, y in zip(*res):
        np.testing.assert_allclose(y, x, rtol=1e-9, atol=1e-9)


def test_cholesky_solve_singular_factor_and_shape_errors():
    low = np.diag([1.0, 0.0, 2.0])
    b = np.random.default_rng(1).standard_normal((3, 2))
    expected = torch.cholesky_solve(torch.tensor(b), torch.tensor(low)).numpy()  # inf/NaN, no error
    np.testing.assert_array_equal(tg.cholesky_solve(tg.tensor(b), tg.tensor(low)).numpy(), expected)
    message = "Incompatible matrix sizes for cholesky_solve: each A matrix is 4 by 4 but each b matrix is 3 by 2"
    for m in (torch, tg):
        with pytest.raises(RuntimeError, match=message):
            m.cholesky_solve(m.ones(3, 2, dtype=m.float64), m.eye(4, dtype=m.float64))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_eig_and_eigvals_match_torch(dt):
    a = np.random.default_rng(2).standard_normal((2, 5, 5)).astype(dt)
    w_t = torch.linalg.eigvals(torch.tensor(a)).numpy()
    w = TL.eigvals(tg.tensor(a))
    assert str(w.dtype).split(".")[-1] == str(w_t.dtype)
    np.testing.assert_allclose(np.sort_complex(w.numpy()), np.sort_complex(w_t), rtol=TOL[dt] * 10, atol=TOL[dt] * 10)
    values, vectors = TL.eig(tg.tensor(a))
    np.testing.assert_allclose(np.sort_complex(values.numpy()), np.sort_complex(w_t), rtol=TOL[dt] * 10,
                               atol=TOL[dt] * 10)
    v = vectors.numpy()
    np.testing.assert_allclose(a @ v, v * values.numpy()[..., None, :], atol=TOL[dt] * 100)
    np.testing.assert_allclose(np.linalg.norm(v, axis=-2), 1, atol=TOL[dt] * 10)
    bad = a.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(RuntimeError, match="linalg.eigvals: input tensor should not contain infs or NaNs"):
        TL.eigvals(tg.tensor(bad))


def test_addmm_family_refuses_mixed_dtypes_and_keeps_integers_integer():
    f, d = np.ones, np.float64
    calls = {"addmm": ((3, 4), (3, 2), (2, 4)), "addmv": ((3,), (3, 2), (2,)),
             "baddbmm": ((2, 3, 4), (2, 3, 2), (2, 2, 4)), "addbmm": ((3, 4), (2, 3, 2), (2, 2, 4))}
    for op, (si, s1, s2) in calls.items():
        for m in (torch, tg):
            with pytest.raises(RuntimeError):
                getattr(m, op)(m.tensor(f(si, np.float32)), m.tensor(f(s1, d)), m.tensor(f(s2, d)))
    with pytest.raises(RuntimeError, match="addmm: input tensors must have the same dtype, but got input float32"):
        tg.addmm(tg.ones(3, 4), tg.ones(3, 2, dtype=tg.float64), tg.ones(2, 4, dtype=tg.float64))
    ints = [np.arange(4).reshape(2, 2)] * 3
    for kw in (dict(alpha=1.5), dict(beta=0.5), dict(beta=2.7, alpha=-1.2)):
        want = torch.addmm(*[torch.tensor(x) for x in ints], **kw)
        got = tg.addmm(*[tg.tensor(x) for x in ints], **kw)
        assert got.dtype == tg.int64
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    # addr still promotes, as torch
    assert tg.addr(tg.ones(3, 2), tg.ones(3, dtype=tg.float64), tg.ones(2, dtype=tg.float64)).dtype == tg.float64


def test_det_second_derivative_at_a_singular_matrix_in_a_batch():
    """create_graph: adj(A)^T by the SVD formula for the singular matrix, det A A^-T for the other, as torch"""
    m_ = np.stack([np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]]), 2 * np.eye(3)])
    res = []
    for m in (torch, tg):
        A = m.tensor(m_, requires_grad=True)
        g, = m.autograd.grad(m.linalg.det(A).sum(), A, create_graph=True)
        h, = m.autograd.grad((g ** 2).sum(), A)
        res.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], atol=1e-10)
    np.testing.assert_allclose(res[1][1], res[0][1], atol=1e-9)


def test_solve_ex_matches_torch():
    """(result, info), info over A's batch; check_errors raises LinAlgError naming solve_ex; gradients flow"""
    a = np.stack([np.eye(3), np.diag([1.0, 0.0, 1.0])])
    for b, ok in ((np.ones((2, 3, 1)), (0,)), (np.ones((4, 1, 3, 2)), (slice(None), 0)), (np.ones((2, 3)), (0,))):
        want = torch.linalg.solve_ex(torch.tensor(a), torch.tensor(b))
        got = TL.solve_ex(tg.tensor(a), tg.tensor(b))
        assert got.result.shape == tuple(want.result.shape) and got.info.dtype == tg.int32
        np.testing.assert_array_equal(got.info.numpy(), want.info.numpy())
        np.testing.assert_array_equal(got.result.numpy()[ok], want.result.numpy()[ok])  # the invertible matrix
    with pytest.raises(TL.LinAlgError, match=r"^linalg.solve_ex: \(Batch element 1\): The solver failed"):
        TL.solve_ex(tg.tensor(a), tg.tensor(np.ones((2, 3))), check_errors=True)
    rng = np.random.default_rng(4)
    _compare("solve_ex", lambda x, y: torch.linalg.solve_ex(x, y, left=False).result,
             lambda x, y: TL.solve_ex(x, y, left=False).result,
             [_wc(rng, (2, 3, 3), np.float64), _wc(rng, (2, 2, 3), np.float64)], np.float64)


def test_norm_refuses_an_ord_without_dim_beyond_2d_and_a_dim_of_length_3():
    x = np.ones((2, 3, 4))
    for ord_, dim, message in [("fro", None, "must be 1D or 2D. Got 3D"), ("nuc", None, "must be 1D or 2D. Got 3D"),
                               (None, (0, 1, 2), "it must be of length 1 or 2")]:
        for m in (torch, tg):
            with pytest.raises(RuntimeError, match=message):
                m.linalg.norm(m.tensor(x), ord_, dim=dim)
    np.testing.assert_allclose(TL.norm(tg.tensor(x), "fro", dim=(0, 2)).numpy(), np.sqrt(8.0))


def test_cholesky_upper_reads_the_upper_triangle():
    """upper=True is LAPACK's uplo='U': a non-symmetric A's upper triangle decides, values, gradients and info"""
    rng = np.random.default_rng(6)
    spd = _spd(rng, (2, 4, 4), np.float64)
    a = spd + np.triu(rng.standard_normal((4, 4)), 1)  # the upper triangle no longer mirrors the lower one
    for f_t, f_g in [(lambda x: torch.linalg.cholesky(x, upper=True), lambda x: TL.cholesky(x, upper=True)),
                     (lambda x: torch.linalg.cholesky_ex(x, upper=True).L, lambda x: TL.cholesky_ex(x, upper=True).L),
                     (lambda x: x.cholesky(upper=True), lambda x: x.cholesky(upper=True))]:
        _compare("cholesky upper", f_t, f_g, [a], np.float64)
    not_pd_above = np.eye(3)
    not_pd_above[0, 2] = 5.0
    assert TL.cholesky_ex(tg.tensor(not_pd_above)).info.item() == 0
    assert TL.cholesky_ex(tg.tensor(not_pd_above), upper=True).info.item() == \
        torch.linalg.cholesky_ex(torch.tensor(not_pd_above), upper=True).info.item() == 3


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse_reads_the_triangle_and_differentiates_as_torch(upper):
    rng = np.random.default_rng(8)
    low = np.tril(rng.standard_normal((2, 3, 3))) + 3 * np.eye(3)
    factor = low + np.triu(np.ones((3, 3)), 1)  # never read
    factor = np.swapaxes(factor, -1, -2).copy() if upper else factor
    res = []
    for m in (torch, tg):
        f = m.tensor(factor, requires_grad=True)
        out = m.cholesky_inverse(f, upper=upper)
        g, = m.autograd.grad((out ** 2).sum(), f, create_graph=True)
        h, = m.autograd.grad((g ** 2).sum(), f)
        res.append([t.detach().numpy() for t in (out, g, h)])
    for x, y in zip(*res):
        np.testing.assert_allclose(y, x, rtol=1e-9, atol=1e-9)
    assert tg.cholesky_inverse(tg.tensor(low.astype(np.float32))).dtype == tg.float32


def test_addmm_addmv_addbmm_alpha_zero_ignore_the_product_as_blas():
    """alpha == 0: BLAS never reads the product, so NaN in mat1 is left out; the gradients are torch's"""
    rng = np.random.default_rng(10)
    nan = np.full((3, 2), np.nan)
    calls = [("addmm", [rng.standard_normal((3, 4)), nan, rng.standard_normal((2, 4))]),
             ("addmv", [rng.standard_normal(3), nan, rng.standard_normal(2)]),
             ("addbmm", [rng.standard_normal((3, 4)), np.stack([nan, nan]), rng.standard_normal((2, 2, 4))])]
    for op, arrays in calls:
        res = []
        for m in (torch, tg):
            ts = [m.tensor(a, requires_grad=True) for a in arrays]
            out = getattr(m, op)(*ts, beta=0.5, alpha=0)
            out.sum().backward()
            res.append([out.detach().numpy()] + [t.grad.numpy() for t in ts])
        assert np.isfinite(res[1][0]).all()
        for x, y in zip(*res):
            np.testing.assert_array_equal(y, x)


def test_vecdot_and_cross_refuse_mixed_or_integer_dtypes():
    for m in (torch, tg):
        with pytest.raises(RuntimeError, match="vecdot: Expected x and y to have the same dtype"):
            m.linalg.vecdot(m.ones(3), m.ones(3, dtype=m.float64))
        with pytest.raises(RuntimeError, match="vecdot: Expected a floating point"):
            m.linalg.vecdot(m.ones(3, dtype=m.int64), m.ones(3, dtype=m.int64))
        with pytest.raises(RuntimeError):
            m.linalg.cross(m.ones(3), m.ones(3, dtype=m.float64))
    with pytest.raises(RuntimeError, match="linalg.cross: expected input and other to have the same dtype"):
        TL.cross(tg.ones(3), tg.ones(3, dtype=tg.float64))


EIG_LOSSES = {  # each depends on the eigenvectors only through their moduli: a loss with a gradient (phase-free)
    "eigvals": lambda m, A, c1, c2: (m.linalg.eigvals(A).real * c1).sum() + (m.linalg.eigvals(A).imag * c2).sum(),
    "eig": lambda m, A, c1, c2: ((lambda w, v: (v.abs() * c2.unsqueeze(-2)).sum() + (w.real * c1).sum()
                                  + (w.imag ** 2).sum())(*m.linalg.eig(A))),
    "eig_vectors": lambda m, A, c1, c2: (m.linalg.eig(A)[1].abs() ** 2 * c2.unsqueeze(-1)).sum(),
}


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("loss", list(EIG_LOSSES))
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3)])
def test_eig_gradient_matches_torch(dt, loss, shape):
    """eig / eigvals have torch's gradient (they refused an input that required grad), for real and complex A"""
    rng = np.random.default_rng(7)
    a = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if np.dtype(dt).kind == "c" else 0)
    a = a.astype(dt)
    real = np.float32 if dt in (np.float32, np.complex64) else np.float64
    c1, c2 = (rng.standard_normal(shape[:-1]).astype(real) for _ in range(2))
    grads = []
    for m in (torch, tg):
        A = m.tensor(a, requires_grad=True)
        EIG_LOSSES[loss](m, A, m.tensor(c1), m.tensor(c2)).backward()
        grads.append(A.grad.detach().numpy())
    assert grads[1].dtype == grads[0].dtype
    tol = 1e-4 if real == np.float32 else 1e-10
    np.testing.assert_allclose(grads[1], grads[0], rtol=tol, atol=tol * np.abs(grads[0]).max())


def test_eig_gradcheck_float64():
    rng = np.random.default_rng(8)
    c = tg.tensor(rng.standard_normal(4))
    for loss in EIG_LOSSES.values():
        A = tg.tensor(rng.standard_normal((4, 4)), requires_grad=True)
        assert tg.autograd.gradcheck(lambda A: loss(tg, A, c, c), (A,))


def test_eig_refuses_a_phase_dependent_loss_and_double_backward():
    """each eigenvector is defined up to a phase: a loss that reads it (v.real) has no gradient, refused as torch
    refuses it; no_grad and detached inputs still run"""
    a = np.array([[0.0, -2.0, 0.5], [1.0, 0.3, 0.0], [0.2, 0.1, 1.0]])  # a complex pair of eigenvalues
    for m in (torch, tg):
        A = m.tensor(a, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"specified up to multiplication by e\^\{i phi\}"):
            m.linalg.eig(A)[1].real.sum().backward()
        with m.no_grad():
            m.linalg.eig(A)
        m.linalg.eig(A.detach())
    A = tg.tensor(a, requires_grad=True)
    g, = tg.autograd.grad(tg.linalg.eigvals(A).real.sum(), A)  # the trace's gradient: I
    np.testing.assert_allclose(g.numpy(), np.eye(3), atol=1e-12)
    with pytest.raises(NotImplementedError, match="double backward"):
        tg.autograd.grad(tg.linalg.eigvals(A).real.sum(), A, create_graph=True)
