"""teenygrad.distributions: torch.distributions' names and semantics, built on differentiable Tensor ops.
One file per family; kl.py holds kl_divergence and the closed-form pairs."""
from . import constraints, transforms
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .cauchy import Cauchy
from .categorical import Categorical, OneHotCategorical, OneHotCategoricalStraightThrough
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli
from .chi2 import Chi2
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .fishersnedecor import FisherSnedecor
from .gamma import Gamma
from .generalized_pareto import GeneralizedPareto
from .geometric import Geometric
from .gumbel import Gumbel
from .half_cauchy import HalfCauchy
from .half_normal import HalfNormal
from .independent import Independent
from .inverse_gamma import InverseGamma
from .kl import kl_divergence, register_kl
from . import kl_more, kl_exp_family  # noqa: F401  (register the newer families' pairs)
from .kumaraswamy import Kumaraswamy
from .laplace import Laplace
from .lkj_cholesky import LKJCholesky
from .logistic_normal import LogisticNormal
from .lognormal import LogNormal
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .transforms import (AbsTransform, PowerTransform, StickBreakingTransform, CatTransform, CorrCholeskyTransform,
                         CumulativeDistributionTransform, IndependentTransform, LowerCholeskyTransform,
                         PositiveDefiniteTransform, ReshapeTransform, SoftmaxTransform, SoftplusTransform,
                         StackTransform, identity_transform)
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .pareto import Pareto
from .poisson import Poisson
from .relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from .relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import (Transform, ExpTransform, AffineTransform, SigmoidTransform, TanhTransform,
                         ComposeTransform)
from .uniform import Uniform
from .von_mises import VonMises
from .weibull import Weibull
from .wishart import Wishart

__all__ = ["Bernoulli", "Beta", "Categorical", "Chi2", "Dirichlet", "Distribution", "Exponential", "Gamma",
           "Independent", "Laplace", "LogNormal", "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "Uniform",
           "constraints", "kl_divergence", "register_kl", "LogitRelaxedBernoulli", "RelaxedBernoulli",
           "ExpRelaxedCategorical", "RelaxedOneHotCategorical", "TransformedDistribution", "transforms", "Transform",
           "ExpTransform", "AffineTransform", "SigmoidTransform", "TanhTransform", "ComposeTransform",
           "Binomial", "Cauchy", "Geometric", "Gumbel", "HalfCauchy", "HalfNormal", "Kumaraswamy", "LogisticNormal",
           "LowRankMultivariateNormal", "MixtureSameFamily", "NegativeBinomial", "Pareto", "StudentT", "VonMises",
           "Weibull", "AbsTransform", "PowerTransform", "StickBreakingTransform",
           "Multinomial", "ContinuousBernoulli", "ExponentialFamily", "FisherSnedecor", "GeneralizedPareto",
           "InverseGamma", "LKJCholesky", "OneHotCategoricalStraightThrough", "Wishart", "biject_to", "transform_to",
           "CatTransform", "CorrCholeskyTransform", "CumulativeDistributionTransform", "IndependentTransform",
           "LowerCholeskyTransform", "PositiveDefiniteTransform", "ReshapeTransform", "SoftmaxTransform",
           "SoftplusTransform", "StackTransform", "identity_transform"]
