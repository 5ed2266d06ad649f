"""teenygrad.distributions: torch.distributions' names and semantics, built on differentiable Tensor ops.
One file per family; kl.py holds kl_divergence and the closed-form pairs."""
from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical, OneHotCategorical
from .chi2 import Chi2
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .lognormal import LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .poisson import Poisson
from .relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from .relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from . import transforms
from .transformed_distribution import TransformedDistribution
from .transforms import (Transform, ExpTransform, AffineTransform, SigmoidTransform, TanhTransform,
                         ComposeTransform)
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Chi2", "Dirichlet", "Distribution", "Exponential", "Gamma",
           "Independent", "Laplace", "LogNormal", "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "Uniform",
           "constraints", "kl_divergence", "register_kl", "LogitRelaxedBernoulli", "RelaxedBernoulli",
           "ExpRelaxedCategorical", "RelaxedOneHotCategorical", "TransformedDistribution", "transforms", "Transform",
           "ExpTransform", "AffineTransform", "SigmoidTransform", "TanhTransform", "ComposeTransform"]
