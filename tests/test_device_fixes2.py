"""Regression tests for device fixes, on the fake GPU (tests/fake_cupy.py): the special functions (computed on the
host, moved back), the families and KLs built on lgamma / digamma, linear-algebra backward passes, matrix_exp, the LU
family and householder_product, VonMises / LowRankMultivariateNormal, and autograd.functional. Each case runs on cpu
and cuda: every output and every input gradient must stay on the device and equal the cpu's. Also: NegativeBinomial
is its own Distribution (not a Binomial), as torch's. TEENYGRAD_TEST_CUDA=1 runs them on the real cupy."""
import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.distributions as D
import teenygrad.nn as nn

from device_helpers import check_on_device as _check, rand as _rand, signless as _signless
from test_device import gpu, on_device  # noqa: F401  (the fixture: the fake GPU, or cupy with TEENYGRAD_TEST_CUDA=1)


X = _rand((3, 4), 1)
POS = _rand((3,), 3, 0.5, 2.0)
POS2 = _rand((3,), 4, 0.5, 2.0)
PROB = _rand((3,), 5, 0.1, 0.9)
SQ = _rand((3, 3), 6) + 3 * np.eye(3, dtype=np.float32)  # well conditioned
TALL = _rand((4, 3), 7)


def _second(f):
    """x -> d(sum f(x))/dx with create_graph, so backward runs each op's backward_graph (double backward)"""
    return lambda x: tg.autograd.grad(f(x).sum(), x, create_graph=True)[0]


def _dist(make, entropy=True):
    """a distribution's draw (rsample where it has one), log_prob of the draw, mean and (optionally) entropy"""
    def f(*params):
        d = make(*params)
        s = d.rsample((2,)) if d.has_rsample else d.sample((2,))
        return [s, d.log_prob(s.detach()), d.mean, *([d.entropy()] if entropy else [])]
    return f


def _c(x, v):
    return tg.tensor(v, dtype=x.dtype, device=x.device)


SPECIAL = {
    "erfc_erfcx": (lambda x: [tg.erfc(x), tg.special.erfcx(x)], [X]),
    "erfinv": (lambda x: tg.erfinv(x.tanh()), [X]),
    "lgamma_digamma": (lambda x: [tg.lgamma(x.abs() + 0.1), tg.digamma(x.abs() + 0.1), tg.special.gammaln(x.abs() + 1)],
                       [X]),
    "polygamma": (lambda x: [tg.polygamma(1, x.abs() + 0.5), tg.polygamma(2, x.abs() + 0.5)], [X]),
    "mvlgamma": (lambda x: tg.mvlgamma(x.abs() + 2, 3), [X]),
    "bessel": (lambda x: [tg.special.i0(x), tg.special.i0e(x), tg.special.i1(x), tg.special.i1e(x)], [X]),
    "normal_cdf": (lambda x: [tg.special.ndtr(x), tg.special.log_ndtr(x), tg.special.ndtri(x.sigmoid())], [X]),
    "zeta": (lambda x: tg.special.zeta(x.detach().abs() + 1.5, x.detach().abs() + 0.5), [X]),
    "igamma": (lambda x: [tg.igamma(x.detach().abs() + 0.5, x.abs() + 0.1),
                          tg.igammac(x.detach().abs() + 0.5, x.abs())], [X]),  # no derivative in a, as torch
    "second_order": (lambda x: [_second(lambda r: (r.abs() + 0.5).lgamma())(x), _second(tg.special.i0)(x),
                                _second(tg.special.i1e)(x), _second(tg.special.log_ndtr)(x),
                                _second(lambda r: tg.erfinv(r.tanh() * 0.9))(x)], [X]),
}

DISTRIBUTIONS = {
    "gamma": (_dist(D.Gamma), [POS, POS2]),
    "beta": (_dist(D.Beta), [POS, POS2]),
    "dirichlet": (_dist(D.Dirichlet), [POS]),
    "chi2": (_dist(D.Chi2), [POS]),
    "student_t": (_dist(lambda df, m, s: D.StudentT(df + 1, m, s)), [POS, X[0, :3], POS2]),
    "poisson": (_dist(D.Poisson, entropy=False), [POS]),
    # entropy left out: Binomial.enumerate_support makes its arange on the cpu (distributions/binomial.py)
    "binomial": (_dist(lambda p: D.Binomial(_c(p, [3.0, 5.0, 2.0]), probs=p), entropy=False), [PROB]),
    "negative_binomial": (_dist(lambda p: D.NegativeBinomial(_c(p, [3.0, 5.0, 2.5]), probs=p), entropy=False), [PROB]),
    "weibull": (_dist(D.Weibull), [POS, POS2]),
    "kumaraswamy": (_dist(D.Kumaraswamy), [POS, POS2]),
    "von_mises": (lambda m, k: [D.VonMises(m, k).sample((2,)), D.VonMises(m, k).log_prob(m * 0.5),
                                D.VonMises(m, k).variance], [X[0, :3], POS]),
    "lowrank_mvn": (lambda m, w, d: [*_dist(lambda *a: D.LowRankMultivariateNormal(*a))(m, w, d),
                                     D.LowRankMultivariateNormal(m, w, d).scale_tril,
                                     D.LowRankMultivariateNormal(m, w, d).precision_matrix],
                    [X[0, :3], SQ[:, :2], POS]),
    "kl": (lambda a, b: [D.kl_divergence(D.Beta(a, b), D.Beta(b, a + 1)), D.kl_divergence(D.Gamma(a, b), D.Gamma(b, a)),
                         D.kl_divergence(D.Dirichlet(a), D.Dirichlet(b))], [POS, POS2]),
}

LINALG = {
    "det": (lambda a: [tg.linalg.det(a), _second(tg.linalg.det)(a)], [SQ]),
    "svd": (lambda a: _signless(tg.linalg.svd(a, full_matrices=False)), [TALL]),
    "svd_second": (_second(lambda a: tg.linalg.svd(a, full_matrices=False)[0].abs()), [SQ]),
    "qr": (lambda a: [*tg.linalg.qr(a), *tg.linalg.qr(a.T)], [TALL]),
    "qr_second": (_second(lambda a: tg.linalg.qr(a)[0].abs()), [SQ]),
    "eigh": (lambda a: _signless(tg.linalg.eigh(a @ a.T)), [SQ]),
    "eig": (lambda a: [tg.linalg.eigvals(a).real, tg.linalg.eig(a)[0].imag, tg.linalg.eig(a)[1].abs()], [SQ]),
    # complex inputs (the ^H backward formulas): made from the real input, so its gradient is the real part's
    "complex": (lambda a: [(lambda c: [tg.linalg.inv(c).abs(), tg.linalg.det(c).abs(), tg.linalg.solve(c, c).real,
                                       tg.linalg.svdvals(c), tg.linalg.qr(c)[1].abs(),
                                       tg.linalg.eigvalsh(c @ c.mH), tg.linalg.cholesky(c @ c.mH + 3).abs(),
                                       tg.linalg.lu_factor(c)[0].abs(), tg.linalg.svd(c)[1],
                                       tg.linalg.solve_triangular(c + 3, c, upper=True).real])(
        tg.complex(a, a.flip(0)))][0], [SQ]),
    "eigh_second": (_second(lambda a: tg.linalg.eigh(a @ a.T)[1].abs()), [SQ]),
    "cholesky_second": (_second(lambda a: tg.linalg.cholesky(a @ a.T)), [SQ]),
    "matrix_exp": (lambda a: [tg.linalg.matrix_exp(a * 0.1), tg.linalg.matrix_exp(a),
                              _second(tg.linalg.matrix_exp)(a * 0.1)], [SQ]),
    "orthogonal": (lambda x: nn.utils.parametrizations.orthogonal(nn.Linear(4, 4)).to(x.device)(x), [X]),
    "lu_factor": (lambda a: [tg.linalg.lu_factor(a)[0], *tg.linalg.lu(a), *tg.linalg.lu(a.T)], [TALL]),
    "lu_factor_ex": (lambda a: list(tg.linalg.lu_factor_ex(a)), [SQ]),
    "lu_second": (lambda a: [_second(lambda r: tg.linalg.lu_factor(r)[0])(a), _second(lambda r: tg.linalg.lu(r)[1])(a)],
                  [SQ]),
    "lu_solve": (lambda a, b: [tg.linalg.lu_solve(*tg.linalg.lu_factor(a), b),
                               tg.linalg.lu_solve(*tg.linalg.lu_factor(a), b, adjoint=True),
                               tg.linalg.lu_solve(*tg.linalg.lu_factor(a), b.T, left=False)], [SQ, TALL[:3, :2]]),
    "solve_triangular_second": (_second(lambda a: tg.linalg.solve_triangular(a.triu(), a, upper=True)), [SQ]),
    "householder_product": (lambda a, t: tg.linalg.householder_product(a, t), [TALL, POS[:2]]),
}

FUNCTIONAL = {
    "jacobian": (lambda x, y: [tg.autograd.functional.jacobian(lambda r: r.sin() * 2, x[0]),
                               *tg.autograd.functional.jacobian(lambda r, s: (r * s).sum(0), (x, y))], [X, X * 0.5]),
    "hessian": (lambda x: tg.autograd.functional.hessian(lambda r: (r ** 3).sum(), x[0]), [X]),
    "hessian_pair": (lambda x, y: [h for row in tg.autograd.functional.hessian(lambda r, s: (r * s.exp()).sum(), (x, y))
                                   for h in row], [X, X * 0.5]),
    "vjp_jvp": (lambda x, v: [*tg.autograd.functional.vjp(lambda r: r.tanh(), x, v),
                              *tg.autograd.functional.jvp(lambda r: r.tanh(), x, v)], [X, X * 0.3]),
    "hvp_vhp": (lambda x, v: [*tg.autograd.functional.hvp(lambda r: (r ** 3).sum(), x, v),
                              *tg.autograd.functional.vhp(lambda r: (r ** 3).sum(), x, v),
                              tg.autograd.functional.vjp(lambda r: r.sum(), x)[1]], [X, X * 0.3]),
}


@pytest.mark.parametrize("name", list(SPECIAL))
def test_special_function_on_device(gpu, name):
    fn, arrays = SPECIAL[name]
    grads = _check(fn, arrays)
    assert grads == (0 if name == "zeta" else 1)


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_distribution_on_device(gpu, name):
    fn, arrays = DISTRIBUTIONS[name]
    _check(fn, arrays)


@pytest.mark.parametrize("name", list(LINALG))
def test_linalg_on_device(gpu, name):
    fn, arrays = LINALG[name]
    assert _check(fn, arrays) >= 1


@pytest.mark.parametrize("name", list(FUNCTIONAL))
def test_autograd_functional_on_device(gpu, name):
    fn, arrays = FUNCTIONAL[name]
    _check(fn, arrays)


def test_special_math_device_arrays_come_back_on_the_device(gpu):
    """special_math's functions take device arrays (the host math runs on their copy) and give device arrays"""
    from teenygrad.ops import special_math as sm
    x = gpu.asarray(np.linspace(0.1, 3, 7))
    for name, args in [("lgamma", (x,)), ("digamma", (x,)), ("polygamma", (x, 2)), ("zeta", (x + 1, x)),
                       ("gammainc", (x, x * 0.5)), ("gammainc_dx", (x, x)), ("ndtri", (x / 4,)), ("i1e", (x,))]:
        out = getattr(sm, name)(*args)
        ref = getattr(sm, name)(*(a.get() if on_device(a) else a for a in args))
        assert on_device(out), name
        np.testing.assert_array_equal(out.get(), ref, err_msg=name)


def test_negative_binomial_is_not_a_binomial():
    """torch's NegativeBinomial subclasses Distribution, not Binomial: isinstance and KL dispatch agree with it"""
    for lib in (torch, tg):
        nb = lib.distributions.NegativeBinomial(lib.tensor([5.0, 2.0]), probs=lib.tensor([0.4, 0.7]))
        assert not isinstance(nb, lib.distributions.Binomial)
        assert isinstance(nb, lib.distributions.Distribution)
        binom = lib.distributions.Binomial(lib.tensor([5.0, 2.0]), probs=lib.tensor([0.4, 0.7]))
        for p, q in [(nb, nb), (binom, nb), (nb, binom), (lib.distributions.Poisson(lib.tensor([2.0, 1.0])), nb)]:
            with pytest.raises(NotImplementedError):
                lib.distributions.kl_divergence(p, q)
    t = torch.distributions.NegativeBinomial(torch.tensor([5.0, 2.0]), logits=torch.tensor([0.3, -1.0]))
    g = D.NegativeBinomial(tg.tensor([5.0, 2.0]), logits=tg.tensor([0.3, -1.0])).expand((4, 2))
    assert type(g) is D.NegativeBinomial and tuple(g.batch_shape) == (4, 2)
    v = torch.tensor([0.0, 3.0])
    for name in ("mean", "mode", "variance"):
        np.testing.assert_allclose(getattr(g, name).numpy(), getattr(t, name).expand(4, 2).numpy(), rtol=1e-5)
    np.testing.assert_allclose(g.log_prob(tg.tensor(v.numpy())).numpy(), t.log_prob(v).expand(4, 2).numpy(), rtol=1e-5)
    with pytest.raises(NotImplementedError):
        g.entropy()
