"""kl_divergence's closed forms for the pairs torch registers beyond kl.py's: the newer families each against its
own kind (Binomial, Cauchy, Geometric, Gumbel, HalfNormal, Pareto, Poisson), the low-rank Gaussian against itself
and the full-rank one, two TransformedDistributions that push their bases through equal transforms, and pairs of
different one-dimensional families.

A cross-family KL is -H(p) - E_p[log q(x)], with the moments of p that log q needs (mean, variance, E log x,
E e^(-x/b)). Where p puts mass outside q's support it is +inf: for whole families (a Normal against a Gamma) an inf
tensor of p's parameter shape, as torch returns it; where it depends on the parameters (a Uniform reaching below 0
against an Exponential) only those entries are inf."""
import math

from ..tensor_misc import broadcast_shapes
from ..creation import full_like
from .bernoulli import Bernoulli
from .beta import Beta, _log_beta
from .binomial import Binomial
from .cauchy import Cauchy
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .utils import EULER
from .half_normal import HalfNormal
from .laplace import Laplace
from .kl import INF, kl_divergence, register_kl, _kl_normal_normal
from .lowrank_multivariate_normal import (LowRankMultivariateNormal, _lowrank_logdet, _lowrank_mahalanobis,
                                          _woodbury_factor)
from .normal import Normal
from .multivariate_normal import MultivariateNormal, _mahalanobis, _solve_lower
from .pareto import Pareto
from .poisson import Poisson
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    if (p.total_count < q.total_count).any().item():
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return kl.masked_fill(p.total_count > q.total_count, INF)  # p puts mass where q has none


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    """log(((s_p + s_q)^2 + (m_p - m_q)^2) / (4 s_p s_q)) (Chyzak and Nielsen 2019)"""
    return ((p.scale + q.scale).square() + (p.loc - q.loc).square()).log() - (4 * p.scale * q.scale).log()


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    ratio, q_loc, p_loc = p.scale / q.scale, q.loc / q.scale, p.loc / q.scale
    return (-ratio.log() - q_loc + p_loc + ratio * EULER + (q_loc + (1 + ratio).lgamma() - p_loc).exp()
            - (1 + EULER))


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    """the two Normals' KL: folding both at 0 keeps the density ratio"""
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * (p.scale / q.scale).log() - alpha_ratio.log() + alpha_ratio - 1
    return result.masked_fill(p.scale < q.scale, INF)  # p's support reaches below q's


def _trace_xxt(x):
    """tr(X X^T) = the sum of X's squares over its last two dimensions"""
    return x.square().sum((-2, -1))


def _check_same_event(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError(f"kl_divergence: {type(p).__name__} and {type(q).__name__} of event shapes "
                         f"{tuple(p.event_shape)} and {tuple(q.event_shape)}")


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p, q):
    _check_same_event(p, q)
    pW, pD, qW, qD = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag, q._unbroadcasted_cov_factor, \
        q._unbroadcasted_cov_diag
    log_det_ratio = _lowrank_logdet(qD, q._capacitance_tril) - _lowrank_logdet(pD, p._capacitance_tril)
    mahalanobis = _lowrank_mahalanobis(qW, qD, q.loc - p.loc, q._capacitance_tril)
    # tr(Sigma_q^-1 Sigma_p) with Sigma_q^-1 = D_q^-1 - A^T A (Woodbury), A = L_q^-1 W_q^T D_q^-1
    A = _woodbury_factor(qW, qD, q._capacitance_tril)
    trace = ((pD / qD).sum(-1) + _trace_xxt(pW * qD.rsqrt().unsqueeze(-1)) - _trace_xxt(A * pD.sqrt().unsqueeze(-2))
             - _trace_xxt(A @ pW))
    return 0.5 * (log_det_ratio + trace + mahalanobis - p.event_shape[0])


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_mvn_lowrank(p, q):
    """0.5 (log det Sigma_q / det Sigma_p + tr(Sigma_q^-1 L_p L_p^T) + mahalanobis - n), Sigma_q^-1 by Woodbury"""
    _check_same_event(p, q)
    pL, qW, qD = p._unbroadcasted_scale_tril, q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag
    log_det_ratio = _lowrank_logdet(qD, q._capacitance_tril) - 2 * p._half_log_det()
    mahalanobis = _lowrank_mahalanobis(qW, qD, q.loc - p.loc, q._capacitance_tril)
    A = _woodbury_factor(qW, qD, q._capacitance_tril)
    trace = _trace_xxt(pL * qD.rsqrt().unsqueeze(-1)) - _trace_xxt(A @ pL)
    return 0.5 * (log_det_ratio + trace + mahalanobis - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_mvn(p, q):
    """0.5 (log det Sigma_q / det Sigma_p + |L_q^-1 W_p|^2 + |L_q^-1 D_p^1/2|^2 + mahalanobis - n)"""
    _check_same_event(p, q)
    qL, pW, pD = q._unbroadcasted_scale_tril, p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    n, r = pW.shape[-2:]
    batch = tuple(broadcast_shapes(qL.shape[:-2], pW.shape[:-2], pD.shape[:-1]))
    qL = qL.expand(batch + (n, n))
    trace = (_trace_xxt(_solve_lower(qL, pW.expand(batch + (n, r))))
             + _trace_xxt(_solve_lower(qL, pD.sqrt().diag_embed().expand(batch + (n, n)))))
    log_det_ratio = 2 * q._half_log_det() - _lowrank_logdet(pD, p._capacitance_tril)
    return 0.5 * (log_det_ratio + trace + _mahalanobis(q._unbroadcasted_scale_tril, q.loc - p.loc) - n)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    """r_p log(r_p / r_q) - r_p + r_q"""
    return p.rate * (p.rate.log() - q.rate.log()) - p.rate + q.rate


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    """KL of the bases when both push them through equal transforms: a bijection keeps the KL"""
    if p.transforms != q.transforms:
        raise NotImplementedError(f"kl_divergence: TransformedDistributions with unequal transforms {p.transforms} "
                                  f"and {q.transforms}")
    if p.event_shape != q.event_shape:
        raise NotImplementedError(f"kl_divergence: TransformedDistributions of event shapes {tuple(p.event_shape)} "
                                  f"and {tuple(q.event_shape)}")
    return kl_divergence(p.base_dist, q.base_dist)


# ---- different families --------------------------------------------------------------------------------------------

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _inf_like(param):
    return full_like(param, INF)


def _neg_log_normal(q, mean, var):
    """-E_p[log N(x; m, s)] from p's mean and variance: log(s sqrt(2 pi)) + (var + (mean - m)^2) / (2 s^2)"""
    return _HALF_LOG_2PI + q.scale.log() + (var + (mean - q.loc).square()) / (2 * q.scale.square())


def _neg_log_gamma(q, mean, mean_log):
    """-E_p[log Gamma(x; k, r)] from p's E x and E log x: lgamma(k) - k log r - (k - 1) E log x + r E x"""
    k, r = q.concentration, q.rate
    return k.lgamma() - k * r.log() - (k - 1) * mean_log + r * mean


def _neg_log_gumbel(q, mean, log_mean_exp):
    """-E_p[log Gumbel(x; m, b)] = log b + (E x - m) / b + e^(m/b) E e^(-x/b), given E x and log E e^(-x/b)
    (added before the exp, so a large m/b against a small moment does not overflow)"""
    return q.scale.log() + (mean - q.loc) / q.scale + (q.loc / q.scale + log_mean_exp).exp()


def _uniform_mean_log(low, high):
    """E log x for x ~ Uniform(low, high), 0 <= low: (h log h - l log l) / (h - l) - 1"""
    return (high.xlogy(high) - low.xlogy(low)) / (high - low) - 1


# ---- support mismatch: p has mass where q has none -----------------------------------------------------------------

@register_kl(Exponential, Beta)
@register_kl(Exponential, Pareto)
@register_kl(Exponential, Uniform)
def _kl_exponential_infinity(p, q):
    """inf: (0, inf) is not inside a bounded or a bounded-below-by-scale support"""
    return _inf_like(p.rate)


@register_kl(Gamma, Beta)
@register_kl(Gamma, Pareto)
@register_kl(Gamma, Uniform)
def _kl_gamma_infinity(p, q):
    """inf: (0, inf) is not inside a bounded or a bounded-below-by-scale support"""
    return _inf_like(p.concentration)


@register_kl(Gumbel, Beta)
@register_kl(Gumbel, Exponential)
@register_kl(Gumbel, Gamma)
@register_kl(Gumbel, Pareto)
@register_kl(Gumbel, Uniform)
def _kl_gumbel_infinity(p, q):
    """inf: the real line is not inside a half-line or an interval"""
    return _inf_like(p.loc)


@register_kl(Laplace, Beta)
@register_kl(Laplace, Exponential)
@register_kl(Laplace, Gamma)
@register_kl(Laplace, Pareto)
@register_kl(Laplace, Uniform)
def _kl_laplace_infinity(p, q):
    """inf: the real line is not inside a half-line or an interval"""
    return _inf_like(p.loc)


@register_kl(Normal, Beta)
@register_kl(Normal, Exponential)
@register_kl(Normal, Gamma)
@register_kl(Normal, Pareto)
@register_kl(Normal, Uniform)
def _kl_normal_infinity(p, q):
    """inf: the real line is not inside a half-line or an interval"""
    return _inf_like(p.loc)


@register_kl(Pareto, Beta)
@register_kl(Pareto, Uniform)
def _kl_pareto_infinity(p, q):
    """inf: [scale, inf) is not inside an interval"""
    return _inf_like(p.scale)


@register_kl(Beta, Pareto)
def _kl_beta_pareto(p, q):
    """inf: (0, 1) reaches below any positive Pareto scale"""
    return _inf_like(p.concentration1)


@register_kl(Poisson, Bernoulli)
@register_kl(Poisson, Binomial)
def _kl_poisson_infinity(p, q):
    """inf: a Poisson puts mass on every count, a Bernoulli or Binomial only up to its total count"""
    return _inf_like(p.rate)


# ---- p = Bernoulli, Beta --------------------------------------------------------------------------------------------

@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    """-H(p) - E[x log r - r - log x!], and log x! = 0 on {0, 1}"""
    return -p.entropy() - p.probs * q.rate.log() + q.rate


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p, q):
    """-H(p) - log r + r E x"""
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    """-H(p) - E log q, with E log x = digamma(a) - digamma(a + b)"""
    a, b = p.concentration1, p.concentration0
    return -p.entropy() + _neg_log_gamma(q, p.mean, a.digamma() - (a + b).digamma())


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    """-H(p) - E log q, with var = mean (1 - mean) / (a + b + 1)"""
    mean = p.mean
    var = mean * (1 - mean) / (p.concentration1 + p.concentration0 + 1)
    return -p.entropy() + _neg_log_normal(q, mean, var)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p, q):
    """-H(p) + log(high - low); inf unless [low, high] covers [0, 1]"""
    result = -p.entropy() + (q.high - q.low).log()
    return result.masked_fill((q.low > 0) | (q.high < 1), INF)


# ---- p = Exponential, Gamma -----------------------------------------------------------------------------------------

@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    """-H(p) - E log q, with E x = 1/rate and E log x = -euler - log rate"""
    return -p.entropy() + _neg_log_gamma(q, p.rate.reciprocal(), -EULER - p.rate.log())


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p, q):
    """-H(p) - E log q, with E e^(-x/b) = rate / (rate + 1/b)"""
    return -p.entropy() + _neg_log_gumbel(q, p.rate.reciprocal(), -(p.rate * q.scale).reciprocal().log1p())


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    """-H(p) - E log q, with mean 1/rate and variance 1/rate^2"""
    mean = p.rate.reciprocal()
    return -p.entropy() + _neg_log_normal(q, mean, mean.square())


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    """-H(p) - log r + r E x, with E x = k / rate"""
    return -p.entropy() - q.rate.log() + q.rate * p.concentration / p.rate


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p, q):
    """-H(p) - E log q, with E e^(-x/b) = (1 + 1/(rate b))^-k, the Gamma's moment generating function"""
    k, rate = p.concentration, p.rate
    return -p.entropy() + _neg_log_gumbel(q, k / rate, -k * (rate * q.scale).reciprocal().log1p())


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    """-H(p) - E log q, with mean k/rate and variance k/rate^2"""
    k, rate = p.concentration, p.rate
    return -p.entropy() + _neg_log_normal(q, k / rate, k / rate.square())


# ---- p = Gumbel, Laplace, Normal ------------------------------------------------------------------------------------

@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p, q):
    """-H(p) - E log q, with E x = m + b euler and var = (pi b)^2 / 6; H(p) = log b + euler + 1"""
    var = (math.pi * p.scale).square() / 6
    return -(p.scale.log() + EULER + 1) + _neg_log_normal(q, p.loc + p.scale * EULER, var)


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    """-H(p) - E log q, with E x = m and var = 2 b^2; H(p) = 1 + log 2b"""
    return -(1 + (2 * p.scale).log()) + _neg_log_normal(q, p.loc, 2 * p.scale.square())


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p, q):
    """-H(p) - E log q, with E e^(-x/b) = e^(-m/b + s^2 / (2 b^2)), the Normal's moment generating function"""
    log_mean_exp = -p.loc / q.scale + 0.5 * (p.scale / q.scale).square()
    return -p.entropy() + _neg_log_gumbel(q, p.loc, log_mean_exp)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p, q):
    """-H(p) + log 2b + E|x - m_q| / b, where E|x - m_q| = s sqrt(2/pi) e^(-d^2 / 2s^2) + d erf(d / (s sqrt 2)),
    d = m_p - m_q (the folded normal's mean)"""
    d = p.loc - q.loc
    z = d / p.scale
    mean_abs = math.sqrt(2 / math.pi) * p.scale * (-0.5 * z.square()).exp() + d * (z * math.sqrt(0.5)).erf()
    return -p.entropy() + (2 * q.scale).log() + mean_abs / q.scale


# ---- p = Pareto -----------------------------------------------------------------------------------------------------

def _pareto_neg_entropy(p):
    """-H(p) = log(alpha / scale) - 1/alpha - 1"""
    return (p.alpha / p.scale).log() - p.alpha.reciprocal() - 1


def _pareto_mean(p):
    """alpha scale / (alpha - 1), unclamped (Pareto.mean clamps alpha): the callers mask alpha <= 1 themselves"""
    return p.alpha * p.scale / (p.alpha - 1)


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    """-H(p) - log r + r E x, E x = alpha scale / (alpha - 1); inf where alpha <= 1 (no mean)"""
    result = _pareto_neg_entropy(p) - q.rate.log() + q.rate * _pareto_mean(p)
    return result.masked_fill(p.alpha <= 1, INF)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    """-H(p) - E log q, with E log x = log scale + 1/alpha; inf where alpha <= 1 (no mean)"""
    mean = _pareto_mean(p)
    result = _pareto_neg_entropy(p) + _neg_log_gamma(q, mean, p.scale.log() + p.alpha.reciprocal())
    return result.masked_fill(p.alpha <= 1, INF)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    """-H(p) - E log q, with var = alpha scale^2 / ((alpha - 1)^2 (alpha - 2)); inf where alpha <= 2 (no variance)"""
    mean = _pareto_mean(p)
    var = mean.square() / (p.alpha * (p.alpha - 2))
    result = _pareto_neg_entropy(p) + _neg_log_normal(q, mean, var)
    return result.masked_fill(p.alpha <= 2, INF)


# ---- p = Uniform ----------------------------------------------------------------------------------------------------

def _uniform_neg_entropy(p):
    return -(p.high - p.low).log()


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    """-H(p) + log B(a, b) - (a - 1) E log x - (b - 1) E log(1 - x); inf unless [low, high] is inside [0, 1]"""
    a, b = q.concentration1, q.concentration0
    mean_log1m = _uniform_mean_log(1 - p.high, 1 - p.low)  # 1 - x is uniform on [1 - high, 1 - low]
    log_beta = _log_beta(a, b)
    result = _uniform_neg_entropy(p) + log_beta - (a - 1) * _uniform_mean_log(p.low, p.high) - (b - 1) * mean_log1m
    return result.masked_fill((p.high > 1) | (p.low < 0), INF)


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p, q):
    """-H(p) - log r + r (low + high) / 2; inf where low < 0"""
    result = _uniform_neg_entropy(p) - q.rate.log() + q.rate * p.mean
    return result.masked_fill(p.low < 0, INF)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    """-H(p) - E log q; inf where low < 0"""
    result = _uniform_neg_entropy(p) + _neg_log_gamma(q, p.mean, _uniform_mean_log(p.low, p.high))
    return result.masked_fill(p.low < 0, INF)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p, q):
    """-H(p) - E log q, with E e^(-x/b) = b (e^(-low/b) - e^(-high/b)) / (high - low)"""
    b, width = q.scale, p.high - p.low
    log_mean_exp = (b / width).log() - p.low / b + (-(-width / b).expm1()).log()
    return _uniform_neg_entropy(p) + _neg_log_gumbel(q, p.mean, log_mean_exp)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    """-H(p) - E log q, with var = (high - low)^2 / 12"""
    return _uniform_neg_entropy(p) + _neg_log_normal(q, p.mean, p.variance)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    """-H(p) - log(alpha scale^alpha) + (alpha + 1) E log x; inf where low < scale"""
    result = (_uniform_neg_entropy(p) - q.alpha.log() - q.alpha * q.scale.log()
              + (q.alpha + 1) * _uniform_mean_log(p.low, p.high))
    return result.masked_fill(p.low < q.scale, INF)
