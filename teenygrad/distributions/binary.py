"""What the families with a binary event's probability share (Bernoulli, Binomial, NegativeBinomial, Geometric,
LogitRelaxedBernoulli): the user gives probs or logits, the other is computed on first read."""
from ..tensor import Size
from .distribution import Distribution
from .utils import lazy_property, probs_to_logits, logits_to_probs


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
