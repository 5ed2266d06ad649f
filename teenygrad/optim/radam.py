"""RAdam (Liu et al., 2019): Adam whose adaptive step is switched on, and rectified, once the variance of
the second-moment estimate is tractable (rho_t > 5); before that it is SGD with bias-corrected momentum."""
import numpy as np
from .optimizer import Optimizer, _addend_for, _as_real, _check_betas, _check_hyper, _scalar_for
from .adam import _lerp_, _square_avg_


class RAdam(Optimizer):
    """g = grad (+ weight_decay * p, or p *= 1 - lr * weight_decay when decoupled)
    m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
    rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    rho_t > 5: p -= lr * m / (1 - beta1^t) * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t, with
               r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
    else:      p -= lr * m / (1 - beta1^t)"""

    _group_fallbacks = dict(maximize=False, foreach=None, capturable=False, differentiable=False,
                            decoupled_weight_decay=False)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_hyper("RAdam", lr=lr, eps=eps, weight_decay=weight_decay)
        betas = _check_betas("RAdam", betas)
        self._refuse_graph_options("RAdam", capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = self._lr(group), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            decoupled = group["decoupled_weight_decay"]
            for p in self._params_with_grad(group, "RAdam"):
                state = self.state[p] or self._fresh_state(p, "exp_avg", "exp_avg_sq")
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                x, g, m, v = _as_real(p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data)
                if decoupled and weight_decay != 0:
                    x *= _scalar_for(x, 1 - lr * weight_decay)
                g = self._effective_grad(x, g, group["maximize"], 0.0 if decoupled else weight_decay)
                s, upd = self._scratch(x, 1), self._scratch(x, 2)
                _lerp_(m, g, 1 - beta1, s)
                _square_avg_(v, g, beta2, s)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                np.divide(m, _scalar_for(m, bias_correction1), out=upd)
                upd *= _scalar_for(upd, lr)
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    adaptive = np.sqrt(v, out=s)
                    adaptive += _addend_for(adaptive, eps)
                    np.reciprocal(adaptive, out=adaptive)   # torch's float / tensor is reciprocal(t) * float
                    adaptive *= _scalar_for(adaptive, bias_correction2 ** 0.5)
                    upd *= adaptive
                    upd *= _scalar_for(upd, rect)
                x -= upd
        return loss
