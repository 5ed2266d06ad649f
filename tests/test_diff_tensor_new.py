"""Differential sweep beside PyTorch (the oracle) of the newer tensor-level features: special functions,
linalg edge cases (empty and singular matrices), and the extra Tensor methods (cov, addr, inner). Each test is a
regression for a bug the sweep found; forward values, dtypes, shapes and gradients are compared with torch."""
import math
import warnings
import numpy as np
import pytest
import torch
import teenygrad as tg

TOL = dict(atol=1e-6, rtol=1e-5)


def _check(g, t):
    assert tuple(g.shape) == tuple(t.shape), (g.shape, t.shape)
    assert str(g.dtype) == str(t.dtype).replace("torch.", ""), (g.dtype, t.dtype)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), **TOL)


# ---- special functions ------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 3])
def test_polygamma_at_a_far_negative_pole_returns(n):
    # zeta's summation used to step the pole -1e10 up towards 10 one at a time: it never returned
    x = np.array([-1e10, -3.0, 2.5, -2.5])
    _check(tg.tensor(x).polygamma(n), torch.tensor(x).polygamma(n))


def test_digamma_backward_at_a_far_negative_value_returns():
    x = np.array([-1e10, 0.7])
    g, t = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g.digamma()[1].backward()
    t.digamma()[1].backward()
    _check(g.grad[1], t.grad[1])  # at the pole itself: 0 * inf (NaN) here, 0 * (a huge finite trigamma) in torch


@pytest.mark.parametrize("n", [2, 3])
def test_zeta_and_polygamma_at_infinities(n):
    q = np.array([np.inf, -np.inf, 2.0])
    _check(tg.special.zeta(tg.tensor(np.full(3, n + 1.0)), tg.tensor(q)),
           torch.special.zeta(torch.tensor(np.full(3, n + 1.0)), torch.tensor(q)))
    _check(tg.tensor(q).polygamma(n), torch.tensor(q).polygamma(n))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_frexp_of_subnormals(dtype):
    fi = np.finfo(dtype)
    x = np.array([fi.tiny / 8, -fi.tiny / 1024, fi.tiny, fi.max, 0.75, 0.0], dtype)
    gm, ge = tg.tensor(x).frexp()
    tm, te = torch.tensor(x).frexp()
    _check(gm, tm)
    _check(ge, te)


# ---- linalg -----------------------------------------------------------------------------------------------
def test_slogdet_backward_of_a_singular_matrix_is_inf_not_an_error():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    g, t = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    tg.linalg.slogdet(g).logabsdet.backward()
    torch.linalg.slogdet(t).logabsdet.backward()
    assert np.isinf(g.grad.numpy()).all() and np.isinf(t.grad.numpy()).all()


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3), (3, 0), (2, 0, 3)])
def test_lu_of_empty_matrices(shape):
    a = np.zeros(shape)
    for fg, ft in [(lambda m, x: m.linalg.lu_factor(x), None), (lambda m, x: m.linalg.lu(x), None),
                   (lambda m, x: m.linalg.lu_factor_ex(x), None)]:
        for g, t in zip(fg(tg, tg.tensor(a)), fg(torch, torch.tensor(a))):
            _check(g, t)


@pytest.mark.parametrize("shape", [(0, 2), (2, 0), (3, 0, 2)])
def test_svd_without_uv_shapes(shape):
    a = np.random.default_rng(0).standard_normal(shape)
    for g, t in zip(tg.tensor(a).svd(compute_uv=False), torch.tensor(a).svd(compute_uv=False)):
        _check(g, t)


@pytest.mark.parametrize("shape", [(2, 4, 3), (2, 3, 5)])
def test_qr_mode_r_gives_empty_q(shape):
    a = np.random.default_rng(0).standard_normal(shape)
    gq, gr = tg.linalg.qr(tg.tensor(a), mode="r")
    tq, tr = torch.linalg.qr(torch.tensor(a), mode="r")
    _check(gq, tq)
    np.testing.assert_allclose(np.abs(gr.numpy()), np.abs(tr.numpy()), **TOL)


# ---- extra Tensor methods ---------------------------------------------------------------------------------
def test_cov_with_aweights_and_too_large_correction_keeps_the_sign():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 5)), rng.random(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _check(tg.tensor(x).cov(correction=5, aweights=tg.tensor(w)),
               torch.tensor(x).cov(correction=5, aweights=torch.tensor(w)))


@pytest.mark.parametrize("kind", ["fweights", "aweights"])
def test_cov_weights_summing_to_zero_raise(kind):
    x, w = np.random.default_rng(0).standard_normal((2, 3)), np.zeros(3)
    w = w.astype(np.int64) if kind == "fweights" else w
    with pytest.raises(RuntimeError):
        torch.tensor(x).cov(**{kind: torch.tensor(w)})
    with pytest.raises(RuntimeError, match="cov"):
        tg.tensor(x).cov(**{kind: tg.tensor(w)})


@pytest.mark.parametrize("dtype,beta,alpha", [(np.float64, True, 1), (np.int64, 1, False),
                                              (np.bool_, 0.5, True), (np.bool_, True, 1.5)])
def test_addr_rejects_scalars_of_the_wrong_kind(dtype, beta, alpha):
    m, v1, v2 = np.ones((2, 3), dtype), np.ones(2, dtype), np.ones(3, dtype)
    with pytest.raises(RuntimeError):
        torch.tensor(m).addr(torch.tensor(v1), torch.tensor(v2), beta=beta, alpha=alpha)
    with pytest.raises(RuntimeError, match="addr"):
        tg.tensor(m).addr(tg.tensor(v1), tg.tensor(v2), beta=beta, alpha=alpha)


@pytest.mark.parametrize("s1,s2", [((0,), (0,)), ((2, 0), (3, 0)), ((4, 2, 0), (0,))])
def test_inner_over_an_empty_last_dim(s1, s2):
    a, b = np.zeros(s1, np.float32), np.zeros(s2, np.float32)
    g = tg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    og, ot = g.inner(tg.tensor(b)), t.inner(torch.tensor(b))
    _check(og, ot)
    og.sum().backward()
    ot.sum().backward()
    _check(g.grad, t.grad)


@pytest.mark.parametrize("ord", [1, 2, math.inf, "nuc"])
@pytest.mark.parametrize("shape", [(2, 0, 0), (0, 3), (3, 0)])
def test_matrix_norm_of_empty_matrices_is_zero(ord, shape):
    _check(tg.linalg.matrix_norm(tg.zeros(shape), ord), torch.linalg.matrix_norm(torch.zeros(shape), ord))


@pytest.mark.parametrize("p", [None, 2, -2, 1, "fro"])
def test_cond_of_empty_matrices_is_zero(p):
    _check(tg.linalg.cond(tg.zeros((2, 0, 0)), p), torch.linalg.cond(torch.zeros((2, 0, 0)), p))


def test_matrix_power_of_integer_matrices():
    a = np.arange(8).reshape(2, 2, 2)
    for n in (0, 1, 3):
        _check(tg.tensor(a).matrix_power(n), torch.tensor(a).matrix_power(n))
        _check(tg.linalg.matrix_power(tg.tensor(a).int(), n), torch.linalg.matrix_power(torch.tensor(a).int(), n))
    with pytest.raises(RuntimeError):
        torch.tensor(a).matrix_power(-1)
    with pytest.raises(RuntimeError, match="matrix_power"):
        tg.tensor(a).matrix_power(-1)


@pytest.mark.parametrize("a_shape,b_shape", [((3, 3), (2, 3, 1)), ((2, 1, 3, 3), (4, 3, 2))])
def test_triangular_solve_broadcasts_the_cloned_coefficient(a_shape, b_shape):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape) + 3 * np.eye(3), rng.standard_normal(b_shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for g, t in zip(tg.tensor(b).triangular_solve(tg.tensor(a)), torch.tensor(b).triangular_solve(torch.tensor(a))):
            _check(g, t)


def test_lstsq_rejects_b_with_more_dims_than_a():
    a, b = np.eye(3), np.ones((2, 3, 1))
    with pytest.raises(RuntimeError):
        torch.linalg.lstsq(torch.tensor(a), torch.tensor(b))
    with pytest.raises(RuntimeError, match="lstsq"):
        tg.linalg.lstsq(tg.tensor(a), tg.tensor(b))


@pytest.mark.parametrize("kw", [dict(atol=np.array([0.5, 2.0])), dict(rtol=np.array([0.1, 0.5])),
                                dict(atol=np.array([0.0, 2.0])), dict(atol=np.array([[0.5], [2.0], [1.0]]))])
def test_pinv_and_matrix_rank_with_tensor_tolerances(kw):
    a = np.random.default_rng(1).standard_normal((2, 4, 4))
    g_kw = {k: tg.tensor(v) for k, v in kw.items()}
    t_kw = {k: torch.tensor(v) for k, v in kw.items()}
    _check(tg.linalg.pinv(tg.tensor(a), **g_kw), torch.linalg.pinv(torch.tensor(a), **t_kw))
    _check(tg.linalg.matrix_rank(tg.tensor(a), **g_kw), torch.linalg.matrix_rank(torch.tensor(a), **t_kw))
