"""kl_divergence(p, q) = E_p[log p(x) - log q(x)] in closed form, dispatched on the two types, and register_kl to
add a pair (torch.distributions.kl)."""
import warnings

from ..tensor_misc import broadcast_shapes
from .bernoulli import Bernoulli
from .beta import Beta, _log_beta
from .categorical import Categorical, OneHotCategorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal, _mahalanobis, _solve_lower
from .normal import Normal
from .uniform import Uniform
from .utils import sum_rightmost

_KL_REGISTRY = {}  # (type_p, type_q) -> fn(p, q)
_KL_MEMOIZE = {}   # the dispatch result for each pair of concrete types seen


def register_kl(type_p, type_q):
    """@register_kl(P, Q) on fn(p, q) makes kl_divergence use fn for a P (or subclass) and a Q (or subclass)."""
    for t in (type_p, type_q):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"register_kl: expected a subclass of Distribution, got {t!r}")

    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        _KL_MEMOIZE.clear()
        return fn
    return decorator


def _dispatch_kl(type_p, type_q):
    matches = [m for m in _KL_REGISTRY if issubclass(type_p, m[0]) and issubclass(type_q, m[1])]
    if not matches:
        return NotImplemented
    # the most specific pair: nearest in p's MRO first; if q's nearest first picks another function, say so
    depth_p, depth_q = (lambda m: type_p.__mro__.index(m[0])), (lambda m: type_q.__mro__.index(m[1]))
    left = min(matches, key=lambda m: (depth_p(m), depth_q(m)))
    right = min(matches, key=lambda m: (depth_q(m), depth_p(m)))
    if _KL_REGISTRY[left] is not _KL_REGISTRY[right]:
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please register_kl("
                      f"{left[0].__name__}, {right[1].__name__})", RuntimeWarning)
    return _KL_REGISTRY[left]


def kl_divergence(p, q):
    key = type(p), type(q)
    if key not in _KL_MEMOIZE:
        _KL_MEMOIZE[key] = _dispatch_kl(*key)
    fn = _KL_MEMOIZE[key]
    if fn is NotImplemented:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
                                  f"{type(q).__name__}")
    return fn(p, q)


INF = float("inf")


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).square()
    t1 = ((p.loc - q.loc) / q.scale).square()
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    # log(p/q) through softplus of the logits: finite where the probabilities round to 0 or 1
    t1 = p.probs * ((-q.logits).softplus() - (-p.logits).softplus())
    t1 = t1.masked_fill(q.probs == 0, INF).masked_fill(p.probs == 0, 0.0)
    t2 = (1 - p.probs) * (q.logits.softplus() - p.logits.softplus())
    t2 = t2.masked_fill(q.probs == 1, INF).masked_fill(p.probs == 1, 0.0)
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = t.masked_fill((q.probs == 0).expand(t.shape), INF).masked_fill((p.probs == 0).expand(t.shape), 0.0)
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return result.masked_fill((q.low > p.low) | (q.high < p.high), INF)  # p has mass where q has none


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    return rate_ratio - rate_ratio.log() - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    return -scale_ratio.log() + loc_abs_diff / q.scale + scale_ratio * (-loc_abs_diff / p.scale).exp() - 1


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    pc, qc = p.concentration, q.concentration
    return (qc * (p.rate / q.rate).log() + qc.lgamma() - pc.lgamma() + (pc - qc) * pc.digamma()
            + (q.rate - p.rate) * (pc / p.rate))


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    return (_log_beta(a2, b2) - _log_beta(a1, b1) + (a1 - a2) * a1.digamma() + (b1 - b2) * b1.digamma()
            + (a2 - a1 + b2 - b1) * (a1 + b1).digamma())


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    """log B(b) - log B(a) + sum (a - b)(digamma(a) - digamma(sum a)), B the multivariate beta function"""
    a, b = p.concentration, q.concentration
    a0 = a.sum(-1)
    return (a0.lgamma() - b.sum(-1).lgamma() - (a.lgamma() - b.lgamma()).sum(-1)
            + ((a - b) * (a.digamma() - a0.unsqueeze(-1).digamma())).sum(-1))


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError(f"kl_divergence: KL-divergence between two Multivariate Normals with different event "
                         f"shapes cannot be computed, got {tuple(p.event_shape)} and {tuple(q.event_shape)}")
    n = p.event_shape[0]
    p_L, q_L = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    batch = tuple(broadcast_shapes(q_L.shape[:-2], p_L.shape[:-2]))
    # trace(Sigma_q^-1 Sigma_p) = |L_q^-1 L_p|_F^2
    trace = _solve_lower(q_L.expand(batch + (n, n)), p_L.expand(batch + (n, n))).square().sum((-2, -1))
    return q._half_log_det() - p._half_log_det() + 0.5 * (trace + _mahalanobis(q_L, q.loc - p.loc) - n)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(f"kl_divergence: Independent distributions with different "
                                  f"reinterpreted_batch_ndims ({p.reinterpreted_batch_ndims} and "
                                  f"{q.reinterpreted_batch_ndims}) are not supported")
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)
