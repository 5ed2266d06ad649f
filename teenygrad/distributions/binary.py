"""What the families with a binary event's probability share (Bernoulli, Binomial, NegativeBinomial, Geometric,
LogitRelaxedBernoulli): the user gives probs or logits, the other is computed on first read."""
from ..tensor import Size
from .distribution import Distribution
from .utils import broadcast_params, lazy_property, probs_to_logits, logits_to_probs


def one_of(dist, probs, logits):
    """("probs", probs) or ("logits", logits): exactly one must be given, as torch says."""
    if (probs is None) == (logits is None):
        raise ValueError(f"{dist}: either `probs` or `logits` must be specified, but not both.")
    return ("probs", probs) if probs is not None else ("logits", logits)


class BinaryParams(Distribution):
    @property
    def _param(self):
        """the parameter the user gave (probs or logits); the other is computed from it on first read"""
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.shape

    def _expanded(self, new, batch_shape):
        """new (a fresh instance for expand) with the given parameter expanded to batch_shape"""
        batch_shape = Size(batch_shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                new.__dict__[name] = self.__dict__[name].expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _init_counted(self, total_count, probs, logits, validate_args):
        """__init__ of the families with a total_count beside probs / logits (Binomial, NegativeBinomial): the two
        broadcast together, total_count in the parameter's dtype"""
        dist = type(self).__name__
        name, param = one_of(dist, probs, logits)
        self.total_count, self.__dict__[name] = broadcast_params(dist, total_count=total_count, **{name: param})
        self.total_count = self.total_count.to(self._param.dtype)
        Distribution.__init__(self, self._param.shape, validate_args=validate_args)

    def _expand_counted(self, cls, batch_shape, _instance):
        """expand of the families that _init_counted builds; cls: the class whose expand this is"""
        new = self._get_checked_instance(cls, _instance)
        new.total_count = self.total_count.expand(Size(batch_shape))
        return self._expanded(new, batch_shape)
