"""torch.distributions.transforms: invertible maps y = f(x) with log |det dy/dx|, which TransformedDistribution uses
to push a base distribution forward (log p(y) = log p(x) - log|det J|). Here the ones users combine most: Exp,
Affine, Sigmoid, Tanh, and Compose to chain them, and those the newer families are built from: Abs (HalfNormal,
HalfCauchy), Power (Weibull, Kumaraswamy) and StickBreaking (LogisticNormal); transforms_more.py holds the rest
(Cat, Stack, Independent, Reshape, Softplus, Softmax, the Cholesky ones, CumulativeDistribution), re-exported here.

cache_size=1 remembers the last (x, y): inverting the y just produced returns the x it came from (exact, and its
graph), instead of recomputing it through the inverse."""
import math
import numbers

from ..creation import full_like
from ..nn.functional import logsigmoid, pad, softplus
from ..tensor import Size
from ..tensor_misc import broadcast_shapes, finfo
from . import constraints
from .utils import sum_rightmost


class Transform:
    """y = transform(x), x = transform.inv(y), transform.log_abs_det_jacobian(x, y)"""
    bijective = False
    domain = constraints.real
    codomain = constraints.real

    def __init__(self, cache_size=0):
        if cache_size not in (0, 1):
            raise ValueError(f"{type(self).__name__}: cache_size must be 0 or 1, got {cache_size!r}")
        self._cache_size = cache_size
        self._cached_x_y = None, None
        self._inv = None

    @property
    def event_dim(self):
        if self.domain.event_dim == self.codomain.event_dim:
            return self.domain.event_dim
        raise ValueError("Please use either .domain.event_dim or .codomain.event_dim")

    @property
    def sign(self):
        """+1 or -1 for a monotone map (whether it increases or decreases)"""
        raise NotImplementedError(f"{type(self).__name__} does not implement sign")

    @property
    def inv(self):
        if self._inv is None:
            self._inv = _InverseTransform(self)
        return self._inv

    def __call__(self, x):
        if self._cache_size == 0:
            return self._call(x)
        x_old, y_old = self._cached_x_y
        if x is x_old:
            return y_old
        y = self._call(x)
        self._cached_x_y = x, y
        return y

    def with_cache(self, cache_size=1):
        """this transform with another cache_size (a parameterless one: a new instance)"""
        if self._cache_size == cache_size:
            return self
        if type(self).__init__ is Transform.__init__:
            return type(self)(cache_size=cache_size)
        raise NotImplementedError(f"{type(self).__name__}.with_cache is not implemented")

    def _inv_call(self, y):
        if self._cache_size == 0:
            return self._inverse(y)
        x_old, y_old = self._cached_x_y
        if y is y_old:
            return x_old
        x = self._inverse(y)
        self._cached_x_y = x, y
        return x

    def _call(self, x):
        raise NotImplementedError(f"{type(self).__name__} does not implement its forward map")

    def _inverse(self, y):
        raise NotImplementedError(f"{type(self).__name__} does not implement its inverse")

    def log_abs_det_jacobian(self, x, y):
        raise NotImplementedError(f"{type(self).__name__} does not implement log_abs_det_jacobian")

    def forward_shape(self, shape):
        return shape

    def inverse_shape(self, shape):
        return shape

    def __repr__(self):
        return type(self).__name__ + "()"

    # equality as torch's: a transform equals only itself, unless its class compares parameters (kl_divergence of
    # two TransformedDistributions needs equal transforms); equal transforms hash alike
    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = object.__hash__


def _same_class(self, other):
    """__eq__ for a transform without parameters: any two of the class are the same map"""
    return type(other) is type(self)


def _class_hash(self):
    return hash(type(self))


def _same_values(a, b):
    """a parameter of two transforms is the same: equal numbers, or tensors equal at every broadcast position"""
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        return a == b
    try:
        return bool((a == b).all().item())
    except (ValueError, RuntimeError):  # shapes that do not broadcast are not equal
        return False


class _InverseTransform(Transform):
    """transform.inv: the same map run backwards, sharing the forward transform's cache"""

    def __init__(self, transform):
        super().__init__(cache_size=transform._cache_size)
        self._inv = transform

    def with_cache(self, cache_size=1):
        return self._inv.with_cache(cache_size).inv

    @property
    def domain(self):
        return self._inv.codomain

    @property
    def codomain(self):
        return self._inv.domain

    @property
    def bijective(self):
        return self._inv.bijective

    @property
    def sign(self):
        return self._inv.sign

    @property
    def inv(self):
        return self._inv

    def __call__(self, x):
        return self._inv._inv_call(x)

    def log_abs_det_jacobian(self, x, y):
        return -self._inv.log_abs_det_jacobian(y, x)

    def __eq__(self, other):
        return isinstance(other, _InverseTransform) and self._inv == other._inv

    def __hash__(self):
        return hash((_InverseTransform, self._inv))

    def forward_shape(self, shape):
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape):
        return self._inv.forward_shape(shape)

    def __repr__(self):
        return f"_InverseTransform({self._inv!r})"


class ExpTransform(Transform):
    """y = exp(x);  log|dy/dx| = x"""
    domain, codomain, bijective, sign = constraints.real, constraints.positive, True, +1
    __eq__, __hash__ = _same_class, _class_hash

    def _call(self, x):
        return x.exp()

    def _inverse(self, y):
        return y.log()

    def log_abs_det_jacobian(self, x, y):
        return x


def _clipped_sigmoid(x):
    """sigmoid kept inside (tiny, 1 - eps), so logs of it and of 1 - it stay finite"""
    fi = finfo(x.dtype)
    return x.sigmoid().clamp(min=fi.tiny, max=1 - fi.eps)


class SigmoidTransform(Transform):
    """y = sigmoid(x), kept inside (tiny, 1 - eps) so the inverse's logs stay finite;
    log|dy/dx| = log(y (1 - y)) = -softplus(-x) - softplus(x)"""
    domain, codomain, bijective, sign = constraints.real, constraints.unit_interval, True, +1
    __eq__, __hash__ = _same_class, _class_hash

    def _call(self, x):
        return _clipped_sigmoid(x)

    def _inverse(self, y):
        fi = finfo(y.dtype)
        y = y.clamp(min=fi.tiny, max=1.0 - fi.eps)
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x, y):
        return -softplus(-x) - softplus(x)


class TanhTransform(Transform):
    """y = tanh(x);  log|dy/dx| = log(1 - tanh(x)^2) = 2 (log 2 - x - softplus(-2x)), stable for large |x|"""
    domain, codomain, bijective, sign = constraints.real, constraints.interval(-1.0, 1.0), True, +1
    __eq__, __hash__ = _same_class, _class_hash

    def _call(self, x):
        return x.tanh()

    def _inverse(self, y):
        return y.atanh()

    def log_abs_det_jacobian(self, x, y):
        return 2.0 * (math.log(2.0) - x - softplus(-2.0 * x))


class AffineTransform(Transform):
    """y = loc + scale x, pointwise; event_dim > 0 treats that many rightmost dimensions as one event, so
    log|det J| = sum of log|scale| over them"""
    bijective = True

    def __init__(self, loc, scale, event_dim=0, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.loc, self.scale, self._event_dim = loc, scale, event_dim

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self._event_dim, cache_size=cache_size)

    @property
    def event_dim(self):
        return self._event_dim

    @property
    def domain(self):
        return constraints.independent(constraints.real, self._event_dim) if self._event_dim else constraints.real

    codomain = domain

    @property
    def sign(self):
        if isinstance(self.scale, numbers.Real):
            return 1 if float(self.scale) > 0 else -1 if float(self.scale) < 0 else 0
        return self.scale.sign()

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        shape = x.shape
        if isinstance(self.scale, numbers.Number):
            result = full_like(x, math.log(abs(self.scale)))
        else:
            result = self.scale.abs().log()
        if self._event_dim:
            result = sum_rightmost(result, self._event_dim)
            shape = shape[:len(shape) - self._event_dim]
        return result.expand(shape)

    def forward_shape(self, shape):
        return broadcast_shapes(shape, getattr(self.loc, "shape", ()), getattr(self.scale, "shape", ()))

    inverse_shape = forward_shape

    def __repr__(self):
        return f"AffineTransform(loc={self.loc!r}, scale={self.scale!r}, event_dim={self._event_dim})"

    def __eq__(self, other):
        return (isinstance(other, AffineTransform) and _same_values(self.loc, other.loc)
                and _same_values(self.scale, other.scale))

    __hash__ = _class_hash


class ComposeTransform(Transform):
    """parts applied left to right: ComposeTransform([f, g])(x) = g(f(x)); the log-determinants add, each summed
    over the event dimensions the whole composition has at that point"""

    def __init__(self, parts, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.parts = list(parts)
        for i, part in enumerate(self.parts):
            if not isinstance(part, Transform):
                raise ValueError(f"ComposeTransform: part {i} is a {type(part).__name__}, not a Transform")
        if cache_size:  # the parts cache (as torch's): inv of the y just produced walks back to the very x
            self.parts = [part.with_cache(cache_size) for part in self.parts]

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return ComposeTransform(self.parts, cache_size=cache_size)

    @property
    def domain(self):
        if not self.parts:
            return constraints.real
        domain, event_dim = self.parts[0].domain, self.parts[-1].codomain.event_dim
        for part in reversed(self.parts):
            event_dim = max(event_dim - part.codomain.event_dim + part.domain.event_dim, part.domain.event_dim)
        return constraints.independent(domain, event_dim - domain.event_dim) if event_dim > domain.event_dim \
            else domain

    @property
    def codomain(self):
        if not self.parts:
            return constraints.real
        codomain, event_dim = self.parts[-1].codomain, self.parts[0].domain.event_dim
        for part in self.parts:
            event_dim = max(event_dim - part.domain.event_dim + part.codomain.event_dim, part.codomain.event_dim)
        return constraints.independent(codomain, event_dim - codomain.event_dim) \
            if event_dim > codomain.event_dim else codomain

    @property
    def bijective(self):
        return all(p.bijective for p in self.parts)

    @property
    def sign(self):
        sign = 1
        for p in self.parts:
            sign = sign * p.sign
        return sign

    @property
    def inv(self):
        if self._inv is None:
            self._inv = ComposeTransform([p.inv for p in reversed(self.parts)])
            self._inv._inv = self
        return self._inv

    def __call__(self, x):
        for part in self.parts:
            x = part(x)
        return x

    def log_abs_det_jacobian(self, x, y):
        if not self.parts:
            return full_like(x, 0.0)
        result, event_dim = 0.0, self.domain.event_dim
        for part in self.parts[:-1]:
            y_part = part(x)
            result = result + sum_rightmost(part.log_abs_det_jacobian(x, y_part), event_dim - part.domain.event_dim)
            x = y_part
            event_dim += part.codomain.event_dim - part.domain.event_dim
        last = self.parts[-1]
        return result + sum_rightmost(last.log_abs_det_jacobian(x, y), event_dim - last.domain.event_dim)

    def forward_shape(self, shape):
        for part in self.parts:
            shape = part.forward_shape(shape)
        return Size(shape)

    def inverse_shape(self, shape):
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return Size(shape)

    def __repr__(self):
        return "ComposeTransform(\n    " + ",\n    ".join(repr(p) for p in self.parts) + "\n)"

    def __eq__(self, other):
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    def __hash__(self):
        return hash((ComposeTransform,) + tuple(self.parts))


identity_transform = ComposeTransform([])


class AbsTransform(Transform):
    """y = |x|: not bijective, so TransformedDistribution only samples through it (log_prob is the family's)"""

    domain, codomain = constraints.real, constraints.positive
    __eq__, __hash__ = _same_class, _class_hash

    def _call(self, x):
        return x.abs()

    def _inverse(self, y):
        return y


class PowerTransform(Transform):
    """y = x^exponent on x > 0;  log|dy/dx| = log|exponent y / x|"""
    domain, codomain, bijective = constraints.positive, constraints.positive, True

    def __init__(self, exponent, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.exponent = exponent

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return PowerTransform(self.exponent, cache_size=cache_size)

    @property
    def sign(self):
        return self.exponent.sign()

    def _call(self, x):
        return x.pow(self.exponent)

    def _inverse(self, y):
        return y.pow(1 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return (self.exponent * y / x).abs().log()

    def forward_shape(self, shape):
        return broadcast_shapes(shape, getattr(self.exponent, "shape", ()))

    inverse_shape = forward_shape

    def __repr__(self):
        return f"PowerTransform(exponent={self.exponent!r})"

    def __eq__(self, other):
        return isinstance(other, PowerTransform) and _same_values(self.exponent, other.exponent)

    __hash__ = _class_hash


def _offsets(n, like):
    """log(n), log(n-1), ..., log(1): the shift that maps x = 0 to the simplex's centre"""
    return (n + 1 - like.new_ones(n).cumsum(-1)).log()


class StickBreakingTransform(Transform):
    """R^n -> the (n+1)-simplex: z_i = sigmoid(x_i - log(n - i)) breaks off fraction z_i of the stick still left,
    y_i = z_i prod_{j<i} (1 - z_j), and the last entry takes what remains"""
    domain, codomain, bijective = constraints.real_vector, constraints.simplex, True
    __eq__, __hash__ = _same_class, _class_hash

    def _call(self, x):
        z = _clipped_sigmoid(x - _offsets(x.shape[-1], x))
        left = (1 - z).cumprod(-1)
        return pad(z, (0, 1), value=1) * pad(left, (1, 0), value=1)

    def _inverse(self, y):
        crop = y[..., :-1]
        rest = (1 - crop.cumsum(-1)).clamp(min=finfo(y.dtype).tiny)
        return crop.log() - rest.log() + _offsets(crop.shape[-1], y)

    def log_abs_det_jacobian(self, x, y):
        x = x - _offsets(x.shape[-1], x)
        return (-x + logsigmoid(x) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError(f"StickBreakingTransform: too few dimensions on input shape {tuple(shape)}")
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        if len(shape) < 1:
            raise ValueError(f"StickBreakingTransform: too few dimensions on input shape {tuple(shape)}")
        return tuple(shape[:-1]) + (shape[-1] - 1,)


from .transforms_more import (CatTransform, CorrCholeskyTransform, CumulativeDistributionTransform,  # noqa: E402,F401
                              IndependentTransform, LowerCholeskyTransform, PositiveDefiniteTransform,
                              ReshapeTransform, SoftmaxTransform, SoftplusTransform, StackTransform)
