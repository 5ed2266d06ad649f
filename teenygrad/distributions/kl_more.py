"""kl_divergence's closed forms for the pairs of newer families torch registers that cost a line or two (Binomial,
Cauchy, Geometric, Gumbel, HalfNormal, Pareto, LowRankMultivariateNormal, each with its own kind)."""
from .binomial import Binomial
from .cauchy import Cauchy
from .geometric import Geometric
from .gumbel import Gumbel
from .utils import EULER
from .half_normal import HalfNormal
from .kl import register_kl, _kl_normal_normal
from .lowrank_multivariate_normal import LowRankMultivariateNormal, _lowrank_logdet, _lowrank_mahalanobis
from .pareto import Pareto
from .. import linalg


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    if (p.total_count < q.total_count).any().item():
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return kl.masked_fill(p.total_count > q.total_count, float("inf"))  # p puts mass where q has none


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
    return result.masked_fill(p.scale < q.scale, float("inf"))  # p's support reaches below q's


def _trace_xxt(x):
    """tr(X X^T) = the sum of X's squares over its last two dimensions"""
    return x.square().sum((-2, -1))


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError(f"kl_divergence: LowRankMultivariateNormals of event shapes {tuple(p.event_shape)} and "
                         f"{tuple(q.event_shape)}")
    pW, pD, qW, qD = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag, q._unbroadcasted_cov_factor, \
        q._unbroadcasted_cov_diag
    log_det_ratio = _lowrank_logdet(qD, q._capacitance_tril) - _lowrank_logdet(pD, p._capacitance_tril)
    mahalanobis = _lowrank_mahalanobis(qW, qD, q.loc - p.loc, q._capacitance_tril)
    # tr(Sigma_q^-1 Sigma_p) with Sigma_q^-1 = D_q^-1 - A^T A (Woodbury), A = L_q^-1 W_q^T D_q^-1
    A = linalg.solve_triangular(q._capacitance_tril, qW.mT / qD.unsqueeze(-2), upper=False)
    trace = ((pD / qD).sum(-1) + _trace_xxt(pW * qD.rsqrt().unsqueeze(-1)) - _trace_xxt(A * pD.sqrt().unsqueeze(-2))
             - _trace_xxt(A @ pW))
    return 0.5 * (log_det_ratio + trace + mahalanobis - p.event_shape[0])
