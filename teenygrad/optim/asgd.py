"""ASGD (Polyak & Juditsky, 1992): SGD with a decaying step and, from step t0 on, a running average of the
iterates kept in state['ax'] (the averaged parameters the method is named after; the parameters are SGD's)."""
import numpy as np
from ..tensor import Tensor
from .optimizer import Optimizer, _add_scaled, _check_hyper, _scalar_for


class ASGD(Optimizer):
    """g = grad (+ weight_decay * p);  p = p * (1 - lambd * eta) - eta * g;  ax += mu * (p - ax)  (ax = p while mu = 1)
    then eta = lr / (1 + lambd * lr * t)^alpha,  mu = 1 / max(1, t - t0)"""
    _scalar_state = ("eta", "mu")

    _group_fallbacks = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_hyper("ASGD", lr=lr, weight_decay=weight_decay)
        self._refuse_graph_options("ASGD", capturable, differentiable)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))


    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = self._lr(group), float(group["lambd"]), float(group["alpha"]), float(group["t0"])
            for p in self._params_with_grad(group, "ASGD"):
                state = self.state[p]
                if not state:  # torch keeps eta and mu as float32 0-d tensors
                    state["step"] = self._new_step()
                    state["eta"] = Tensor._wrap(np.array(lr, np.float32))
                    state["mu"] = Tensor._wrap(np.ones((), np.float32))
                    state["ax"] = Tensor._wrap(np.zeros_like(p._data))
                step_t, eta, mu = state["step"]._data, state["eta"]._data, state["mu"]._data
                step_t += 1
                x, ax = p._data, state["ax"]._data
                g = self._effective_grad(x, p.grad._data, group["maximize"], float(group["weight_decay"]))
                s = self._scratch(x, 1)
                eta_value, mu_value = float(eta), float(mu)
                x *= _scalar_for(x, 1 - lambd * eta_value)
                _add_scaled(x, -eta_value, g, x, s)
                if mu_value != 1:
                    np.subtract(x, ax, out=s)
                    s *= _scalar_for(s, mu_value)
                    ax += s
                else:
                    np.copyto(ax, x)
                step = float(step_t)
                # torch.as_tensor(float) is float32: eta and mu are float32-rounded even where a loaded state
                # made them float64
                eta[...] = np.float32(lr / ((1 + lambd * lr * step) ** alpha))
                mu[...] = np.float32(1 / max(1, step - t0))
        return loss
