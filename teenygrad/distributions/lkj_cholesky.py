"""LKJCholesky(dim, concentration): the LKJ law over dim x dim correlation matrices, density proportional to
det(C)^(concentration - 1), given on their lower Cholesky factors L (C = L L^T). Draws use the onion method as
torch's: row i is sqrt(y_i) times a uniform direction in its first i entries, y_i ~ Beta, and the diagonal entry
fills the row to unit norm. Not reparameterised (no rsample)."""
import math

from ..creation import arange, randn
from ..tensor import Size
from ..tensor_misc import finfo
from ..tensor_ops import cat
from . import constraints
from .beta import Beta
from .distribution import Distribution
from .utils import broadcast_params


class LKJCholesky(Distribution):
    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if not isinstance(dim, int) or dim < 2:
            raise ValueError(f"LKJCholesky: expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        self.concentration, = broadcast_params("LKJCholesky", concentration=concentration)
        c = self.concentration
        marginal_conc = c + 0.5 * (dim - 2)
        offset = arange(dim - 1, dtype=c.dtype, device=c.device)
        offset = cat([offset.new_zeros((1,)), offset])
        self._beta = Beta(offset + 0.5, marginal_conc.unsqueeze(-1) - 0.5 * offset, validate_args=False)
        super().__init__(c.shape, Size((dim, dim)), validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(batch_shape + (self.dim,))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=Size()):
        y = self._beta.sample(sample_shape).unsqueeze(-1)
        u = randn(self._extended_shape(sample_shape), dtype=y.dtype, device=y.device).tril(-1)
        u = u / u.norm(dim=-1, keepdim=True).clamp(min=finfo(u.dtype).tiny)  # row 0 is all zero: 0, not 0/0
        u = cat([u[..., :1, :].new_zeros(u[..., :1, :].shape), u[..., 1:, :]], -2)
        w = y.sqrt() * u
        diag = (1 - (w * w).sum(-1)).clamp(min=finfo(w.dtype).tiny).sqrt()
        return (w + diag.diag_embed()).detach()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diag = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = arange(2, self.dim + 1, device=self.concentration.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized = (order * diag.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalize = 0.5 * dm1 * math.log(math.pi) + (alpha - 0.5).mvlgamma(dm1) - alpha.lgamma() * dm1
        return unnormalized - normalize
