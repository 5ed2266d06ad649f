"""LogisticNormal(loc, scale): the stick-breaking image on the simplex of x ~ Normal(loc, scale) (independent over
the last dimension), so a draw has one more entry than loc. Draws are the base Normal's, so torch's."""
from ..tensor import Size
from . import constraints
from .transforms import StickBreakingTransform
from .normal import Normal
from .transformed_distribution import TransformedDistribution


class LogisticNormal(TransformedDistribution):
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            base = base.expand(Size((1,)))
        super().__init__(base, StickBreakingTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance=self._get_checked_instance(LogisticNormal, _instance))

    @property
    def loc(self):
        return self.base_dist.base_dist.loc

    @property
    def scale(self):
        return self.base_dist.base_dist.scale
