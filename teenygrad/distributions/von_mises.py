"""VonMises(loc, concentration): the circular normal, density exp(k cos(x - loc)) / (2 pi I0(k)) on [-pi, pi).
Draws are torch's: Best and Fisher's (1979) rejection sampler, in float64, taking three uniform draws per element
per round from the default generator until every element accepts."""
import math

from ..autograd import no_grad
from ..creation import rand, zeros
from ..tensor import Size
from ..dtype import float64
from .. import special
from . import constraints
from .distribution import Distribution
from .utils import broadcast_params, all_numbers


def _log_i0(x):
    """log I0(x) = log(i0e(x)) + x, finite where I0 itself overflows (torch: a polynomial fit, same to ~1e-7)"""
    return special.i0e(x).log() + x


def _log_i1(x):
    return special.i1e(x).log() + x


class VonMises(Distribution):
    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_params("VonMises", loc=loc, concentration=concentration)
        batch_shape = Size() if all_numbers(loc, concentration) else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        k = self.concentration
        return k * (value - self.loc).cos() - math.log(2 * math.pi) - _log_i0(k)

    @property
    def _proposal_r(self):
        """the sampler's envelope parameter, in float64, made on the first sample() and kept (torch's lazy_property)"""
        r = self.__dict__.get("_r")
        if r is None:
            with no_grad():
                k = self.concentration.detach().to(float64)
                tau = 1 + (1 + 4 * k.square()).sqrt()
                rho = (tau - (2 * tau).sqrt()) / (2 * k)
                r = self._r = (1 / k + k).where(k < 1e-5, (1 + rho.square()) / (2 * rho))  # near 0: Taylor expansion
        return r

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with no_grad():
            loc, k = self.loc.detach().to(float64), self.concentration.detach().to(float64)
            r = self._proposal_r
            x = zeros(shape, dtype=float64, device=loc.device)
            done = x > 0
            while not done.all().item():
                u1, u2, u3 = rand((3,) + tuple(shape), dtype=float64, device=loc.device).unbind()
                z = (math.pi * u1).cos()
                f = (1 + r * z) / (r + z)
                c = k * (r - f)
                accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
                # as torch: an element accepted again takes the later value
                x = ((u3 - 0.5).sign() * f.acos()).where(accept, x)
                done = done | accept
            return ((x + math.pi + loc) % (2 * math.pi) - math.pi).to(self.loc.dtype)

    @property
    def mean(self):
        """the circular mean"""
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        """the circular variance, 1 - I1(k) / I0(k)"""
        k = self.concentration
        return 1 - (_log_i1(k) - _log_i0(k)).exp()
