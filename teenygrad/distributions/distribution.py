"""Distribution: the base of every distribution (torch.distributions.Distribution). A distribution has a
batch_shape (independent, differently parameterised copies) and an event_shape (the shape of one draw); sample
and rsample return sample_shape + batch_shape + event_shape."""
import warnings

from ..autograd import no_grad
from ..tensor import Tensor, Size
from . import constraints
from .utils import all_numbers, broadcast_params, lazy_property


class Distribution:
    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__  # torch's default: validate unless python runs with -O

    @staticmethod
    def set_default_validate_args(value):
        """Whether new distributions check their parameters and log_prob's values (default: True)."""
        if value not in (True, False):
            raise ValueError(f"Distribution.set_default_validate_args: expected True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args=None):
        self._batch_shape, self._event_shape = Size(batch_shape), Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._validate_params()

    def _stored_params(self):
        """{name: tensor} of the parameters this instance holds now (what repr shows)"""
        try:
            names = self.arg_constraints
        except NotImplementedError:
            names = {}
        return {p: self.__dict__[p] for p in names if p in self.__dict__}

    def _validate_params(self):
        try:
            constraint_of = self.arg_constraints
        except NotImplementedError:
            warnings.warn(f"{type(self).__name__} does not define `arg_constraints`. Please set `arg_constraints = "
                          f"{{}}` or initialize the distribution with `validate_args=False` to turn off validation.",
                          stacklevel=3)
            return
        for param, constraint in constraint_of.items():
            if constraints.is_dependent(constraint):
                continue
            if param not in self.__dict__ and isinstance(getattr(type(self), param, None), lazy_property):
                continue  # a form computed on first read (logits from probs): its source is checked
            value = getattr(self, param)
            if not constraint.check(value).all():
                raise ValueError(f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) "
                                 f"of distribution {self!r} to satisfy the constraint {constraint!r}, but found "
                                 f"invalid values:\n{value}")

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def arg_constraints(self):
        """{parameter name: Constraint} that validate_args checks"""
        raise NotImplementedError

    @property
    def support(self):
        """the Constraint every value of the distribution satisfies"""
        raise NotImplementedError

    def expand(self, batch_shape, _instance=None):
        """The same distribution with its parameters expanded (views, no copies) to a larger batch_shape. Here the
        generic form: every parameter stored on the instance is expanded, other attributes are shared."""
        batch_shape = Size(batch_shape)
        new = self._get_checked_instance(type(self), _instance)
        n = len(self.batch_shape)
        for name, value in self.__dict__.items():
            if name in self.arg_constraints and isinstance(value, Tensor):
                value = value.expand(batch_shape + value.shape[n:])
            new.__dict__.setdefault(name, value)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f"Subclass {type(self).__name__} of {cls.__name__} that defines a custom "
                                      f"__init__ method must also define a custom .expand() method.")
        return type(self).__new__(type(self)) if _instance is None else _instance

    @property
    def mean(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=Size()):
        """A draw of shape sample_shape + batch_shape + event_shape, with no gradient."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=Size()):
        """A reparameterised draw: gradients flow from it to the parameters."""
        raise NotImplementedError(f"{type(self).__name__} does not implement rsample (has_rsample is False)")

    def sample_n(self, n):
        warnings.warn("sample_n will be deprecated. Use .sample((n,)) instead", UserWarning)
        return self.sample(Size((n,)))

    def log_prob(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def enumerate_support(self, expand=True):
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    def entropy(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self):
        return self.entropy().exp()

    def _extended_shape(self, sample_shape=Size()):
        return Size(tuple(Size(sample_shape)) + self._batch_shape + self._event_shape)

    def _validate_sample(self, value):
        """log_prob's value must broadcast against batch_shape + event_shape and lie in the support"""
        if not isinstance(value, Tensor):
            raise ValueError(f"{type(self).__name__}: the value argument to log_prob must be a Tensor, "
                             f"got {type(value).__name__}")
        event = tuple(value.shape[value.ndim - len(self._event_shape):]) if self._event_shape else ()
        if value.ndim < len(self._event_shape) or event != self._event_shape:
            raise ValueError(f"{type(self).__name__}: the right-most size of value must match event_shape: "
                             f"{tuple(value.shape)} vs {tuple(self._event_shape)}.")
        expected = self._batch_shape + self._event_shape
        for i, j in zip(reversed(value.shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"{type(self).__name__}: value is not broadcastable with batch_shape+event_shape: "
                                 f"{tuple(value.shape)} vs {tuple(expected)}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{type(self).__name__} does not define `support` to enable sample validation. Please "
                          f"initialize the distribution with `validate_args=False` to turn off validation.",
                          stacklevel=3)
            return
        if not support.check(value).all():
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to be "
                             f"within the support ({support!r}) of the distribution {self!r}, but found invalid "
                             f"values:\n{value}")

    def __repr__(self):
        shown = [f"{p}: {v.item() if v.numel() == 1 else tuple(v.shape)}" for p, v in self._stored_params().items()]
        return f"{type(self).__name__}({', '.join(shown)})"


class LocScale(Distribution):
    """A real-valued family with a location and a positive scale (Normal, Laplace): the parameters, broadcast
    together, and the mean and mode, which are the location."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_params(type(self).__name__, loc=loc, scale=scale)
        batch_shape = Size() if all_numbers(loc, scale) else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc
