"""ExponentialFamily: densities p(x) = h(x) exp(<theta, t(x)> - F(theta)) (torch.distributions.exp_family). A family
gives its natural parameters theta, the log-normalizer F and E[log h(x)] (the mean carrier measure); the entropy
then follows from the Bregman divergence of F: H = F(theta) - <theta, grad F(theta)> - E[log h(x)]. kl.py uses the
same for the KL of two members of one family."""
from ..autograd import grad
from .distribution import Distribution


class ExponentialFamily(Distribution):
    @property
    def _natural_params(self):
        """the natural parameters theta, a tuple of tensors"""
        raise NotImplementedError(f"{type(self).__name__} does not implement _natural_params")

    def _log_normalizer(self, *natural_params):
        """F(theta), batch_shape"""
        raise NotImplementedError(f"{type(self).__name__} does not implement _log_normalizer")

    @property
    def _mean_carrier_measure(self):
        """E[log h(x)]"""
        raise NotImplementedError(f"{type(self).__name__} does not implement _mean_carrier_measure")

    def entropy(self):
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        gradients = grad(lg_normal.sum(), nparams, create_graph=True)
        result = lg_normal - self._mean_carrier_measure
        for theta, g in zip(nparams, gradients):
            result = result - (theta * g).reshape(self._batch_shape + (-1,)).sum(-1)
        return result
