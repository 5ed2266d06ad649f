"""NAdam (Dozat, 2016): Adam with Nesterov momentum, whose momentum coefficient warms up by momentum_decay."""
import numpy as np
from ..tensor import Tensor
from .optimizer import Optimizer, _addend_for, _as_real, _check_betas, _check_hyper, _narrow, _scalar_for
from .adam import _addcdiv_, _lerp_, _square_avg_


class NAdam(Optimizer):
    """g = grad (+ weight_decay * p, or p *= 1 - lr * weight_decay when decoupled)
    mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay));  prod_t = mu_1 * ... * mu_t
    m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g;  d = sqrt(v / (1 - beta2^t)) + eps
    p -= lr * (1 - mu_t) / (1 - prod_t) * g / d + lr * mu_{t+1} / (1 - prod_t * mu_{t+1}) * m / d"""
    _scalar_state = ("mu_product",)

    _group_fallbacks = dict(maximize=False, foreach=None, capturable=False, differentiable=False,
                            decoupled_weight_decay=False)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_hyper("NAdam", lr=lr, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay)
        betas = _check_betas("NAdam", betas)
        self._refuse_graph_options("NAdam", capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))


    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = self._lr(group), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            momentum_decay, decoupled = float(group["momentum_decay"]), group["decoupled_weight_decay"]
            for p in self._params_with_grad(group, "NAdam"):
                state = self.state[p]
                if not state:
                    state["step"] = self._new_step()
                    state["mu_product"] = Tensor._wrap(np.ones((), np.float32))  # torch: a float32 0-d tensor
                    state["exp_avg"] = Tensor._wrap(np.zeros_like(p._data))
                    state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                x, g, m, v = _as_real(p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data)
                if decoupled and weight_decay != 0:
                    x *= _scalar_for(x, 1 - lr * weight_decay)
                g = self._effective_grad(x, g, group["maximize"], 0.0 if decoupled else weight_decay)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
                mu_product = state["mu_product"]._data
                mu_product *= mu   # in the state's precision, as torch's tensor *= float
                mu_product = float(mu_product)
                s, q = self._scratch(x, 1), self._scratch(x, 2)
                _lerp_(m, g, 1 - beta1, s)
                _square_avg_(v, g, beta2, s)
                denom = np.divide(v, _scalar_for(v, 1 - beta2 ** step), out=s)
                np.sqrt(denom, out=denom)
                denom += _addend_for(denom, eps)
                if _narrow(x):
                    _addcdiv_(x, g, denom, -lr * (1.0 - mu) / (1.0 - mu_product), q)
                    _addcdiv_(x, m, denom, (-lr * mu_next) / (1.0 - mu_product * mu_next), q)
                    continue
                np.divide(g, denom, out=q)   # addcdiv: p + value * (g / d)
                q *= -lr * (1.0 - mu) / (1.0 - mu_product)
                x += q
                np.divide(m, denom, out=q)
                q *= (-lr * mu_next) / (1.0 - mu_product * mu_next)
                x += q
        return loss
