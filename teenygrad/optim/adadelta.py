"""Adadelta (Zeiler, 2012): per-coordinate steps scaled by the ratio of RMS past updates to RMS past
gradients, so the units of the update match the parameter's; lr only scales that update."""
import numpy as np
from .optimizer import Optimizer, _add_scaled, _addend_for, _as_real, _check_hyper
from .adam import _square_avg_


class Adadelta(Optimizer):
    """g = grad (+ weight_decay * p);  v = rho * v + (1 - rho) * g * g
    delta = sqrt(u + eps) / sqrt(v + eps) * g;  u = rho * u + (1 - rho) * delta * delta;  p -= lr * delta"""

    _group_fallbacks = dict(foreach=None, capturable=False, maximize=False, differentiable=False)

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_hyper("Adadelta", lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0.0 <= float(rho) <= 1.0:
            raise ValueError(f"Adadelta: Invalid rho value: {rho} (must be in [0, 1])")
        self._refuse_graph_options("Adadelta", capturable, differentiable)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, rho, eps = self._lr(group), float(group["rho"]), float(group["eps"])
            for p in self._params_with_grad(group, "Adadelta"):
                state = self.state[p] or self._fresh_state(p, "square_avg", "acc_delta")
                state["step"]._data += 1
                x, g, v, u = _as_real(p._data, p.grad._data, state["square_avg"]._data, state["acc_delta"]._data)
                g = self._effective_grad(x, g, group["maximize"], float(group["weight_decay"]))
                s, delta = self._scratch(x, 1), self._scratch(x, 2)
                _square_avg_(v, g, rho, s)
                std = np.add(v, _addend_for(v, eps), out=s)
                np.sqrt(std, out=std)
                np.add(u, _addend_for(u, eps), out=delta)
                np.sqrt(delta, out=delta)
                delta /= std
                delta *= g
                _square_avg_(u, delta, rho, s)
                _add_scaled(x, -lr, delta, x, s)
        return loss
