"""Adamax (Kingma & Ba, section 7.1): Adam with the infinity norm of past gradients in place of the RMS."""
import numpy as np
from .optimizer import Optimizer, _addend_for, _as_real, _check_betas, _check_hyper, _narrow, _scalar_for
from .adam import _addcdiv_, _lerp_


class Adamax(Optimizer):
    """g = grad (+ weight_decay * p);  m = lerp(m, g, 1 - beta1);  u = max(beta2 * u, |g| + eps)
    p -= lr / (1 - beta1^t) * m / u"""

    _group_fallbacks = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_hyper("Adamax", lr=lr, eps=eps, weight_decay=weight_decay)
        betas = _check_betas("Adamax", betas)
        self._refuse_graph_options("Adamax", capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = self._lr(group), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            for p in self._params_with_grad(group, "Adamax"):
                state = self.state[p] or self._fresh_state(p, "exp_avg", "exp_inf")
                step_t = state["step"]._data
                step_t += 1
                x, g, m, u = _as_real(p._data, p.grad._data, state["exp_avg"]._data, state["exp_inf"]._data)
                g = self._effective_grad(x, g, group["maximize"], weight_decay)
                s = self._scratch(x, 1)
                _lerp_(m, g, 1 - beta1, s)
                np.abs(g, out=s)
                s += _addend_for(s, eps)
                u *= _scalar_for(u, beta2)
                np.maximum(u, s, out=u)
                clr = lr / (1 - beta1 ** float(step_t))
                if _narrow(x):
                    _addcdiv_(x, m, u, -clr, s)
                    continue
                np.divide(m, u, out=s)   # addcdiv: p + value * (m / u)
                s *= -clr
                x += s
        return loss
