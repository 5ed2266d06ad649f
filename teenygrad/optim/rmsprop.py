"""RMSprop (Hinton's lecture 6e), with momentum, the centered variant, L2 weight decay and maximize."""
import numpy as np
from ..tensor import Tensor
from .optimizer import Optimizer, _add_scaled, _addend_for, _as_real, _check_hyper, _scalar_for
from .adam import _addcdiv_, _addcmul_, _lerp_, _square_avg_


class RMSprop(Optimizer):
    """v = alpha * v + (1 - alpha) * g * g;  centered: a = lerp(a, g, 1 - alpha), v' = v - a * a
    d = sqrt(v') + eps;  momentum: buf = momentum * buf + g / d, p -= lr * buf;  else p -= lr * g / d"""

    _group_fallbacks = dict(momentum=0, centered=False, foreach=None, maximize=False, differentiable=False,
                            capturable=False)

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_hyper("RMSprop", lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        self._refuse_graph_options("RMSprop", capturable, differentiable)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = self._new_step()
        state["square_avg"] = Tensor._wrap(np.zeros_like(p._data))
        if group["momentum"] > 0:
            state["momentum_buffer"] = Tensor._wrap(np.zeros_like(p._data))
        if group["centered"]:
            state["grad_avg"] = Tensor._wrap(np.zeros_like(p._data))
        return state

    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps = self._lr(group), float(group["alpha"]), float(group["eps"])
            momentum, weight_decay = float(group["momentum"]), float(group["weight_decay"])
            for p in self._params_with_grad(group, "RMSprop"):
                state = self.state[p]
                if not state:
                    state = self._init_state(p, group)
                state["step"]._data += 1
                x, g, v = _as_real(p._data, p.grad._data, state["square_avg"]._data)
                g = self._effective_grad(x, g, group["maximize"], weight_decay)
                s = self._scratch(x, 1)
                _square_avg_(v, g, alpha, s)
                if group["centered"]:
                    a, = _as_real(state["grad_avg"]._data)
                    _lerp_(a, g, 1 - alpha, s)
                    np.copyto(s, v)
                    _addcmul_(s, a, a, -1.0, self._scratch(x, 2))  # v - a^2, as torch's addcmul(value=-1)
                    avg = np.sqrt(s, out=s)
                else:
                    avg = np.sqrt(v, out=s)
                avg += _addend_for(avg, eps)
                # g may live in scratch slot 0: the (value g) / avg below may overwrite it in place
                if momentum > 0:
                    buf, = _as_real(state["momentum_buffer"]._data)
                    buf *= _scalar_for(buf, momentum)
                    _addcdiv_(buf, g, avg, 1.0, self._scratch(x, 0))
                    _add_scaled(x, -lr, buf, x, avg)
                else:
                    _addcdiv_(x, g, avg, -lr, self._scratch(x, 0))
        return loss
