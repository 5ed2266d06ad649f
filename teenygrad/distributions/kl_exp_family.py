"""kl_divergence's pairs for the newer families: two members of one exponential family through the Bregman
divergence of the log-normalizer (Wishart against Wishart, say), and the ContinuousBernoulli against itself and
the one-dimensional families torch pairs it with. A pair whose p puts mass outside q's support is +inf."""
import math

from ..autograd import grad
from ..creation import full_like
from ..tensor_ops import where
from .beta import Beta
from .continuous_bernoulli import ContinuousBernoulli
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .kl import INF, register_kl
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .uniform import Uniform
from .utils import sum_rightmost


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p, q):
    """F(theta_q) - F(theta_p) - <theta_q - theta_p, grad F(theta_p)>"""
    if type(p) is not type(q):
        raise NotImplementedError("The cross KL-divergence between different exponential families cannot be "
                                  f"computed using Bregman divergences ({type(p).__name__}, {type(q).__name__})")
    p_nparams = [t.detach().requires_grad_() for t in p._natural_params]
    q_nparams = q._natural_params
    lg_normal = p._log_normalizer(*p_nparams)
    gradients = grad(lg_normal.sum(), p_nparams, create_graph=True)
    result = q._log_normalizer(*q_nparams) - lg_normal
    for pnp, qnp, g in zip(p_nparams, q_nparams, gradients):
        result = result - sum_rightmost((qnp - pnp) * g, len(q.event_shape))
    return result


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + (-p.probs).log1p()
    t3 = -q._cont_bern_log_norm() - (-q.probs).log1p()
    return t1 + t2 + t3


def _minus_entropy_cross_cb(p, q):
    """-H(p) - E_p[log q(x)] for q a ContinuousBernoulli: log q(x) = x logit_q + log(1 - q) + log C(q)"""
    return -p.entropy() - p.mean * q.logits - (-q.probs).log1p() - q._cont_bern_log_norm()


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return _minus_entropy_cross_cb(p, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    result = _minus_entropy_cross_cb(p, q)
    return where((p.high >= q.support.upper_bound) | (p.low <= q.support.lower_bound), INF, result)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    t1 = -p.entropy()
    t2 = 0.5 * (math.log(2.0 * math.pi) + (q.loc / q.scale).square()) + q.scale.log()
    t3 = (p.variance + p.mean.square() - 2.0 * q.loc * p.mean) / (2.0 * q.scale.square())
    return t1 + t2 + t3


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    return where((q.low >= p.support.lower_bound) | (q.high <= p.support.upper_bound), INF, result)


def _infinite(param):
    return lambda p, q: full_like(getattr(p, param), INF)


register_kl(ContinuousBernoulli, Pareto)(_infinite("probs"))
for _family, _param in [(Exponential, "rate"), (Gamma, "concentration"), (Gumbel, "loc"), (Laplace, "loc"),
                        (Normal, "loc"), (Pareto, "scale")]:
    register_kl(_family, ContinuousBernoulli)(_infinite(_param))
