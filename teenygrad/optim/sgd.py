"""SGD with momentum, dampening, Nesterov momentum, L2 weight decay and maximize (torch's update order)."""
from ..tensor import Tensor
from .optimizer import Optimizer, _add_scaled, _check_hyper, _scalar_for


class SGD(Optimizer):
    """g = grad (+ weight_decay * p);  buf = momentum * buf + (1 - dampening) * g  (buf = g on the first step);
    g = g + momentum * buf (nesterov) or buf;  p -= lr * g"""

    _group_fallbacks = dict(nesterov=False, maximize=False, foreach=None, differentiable=False, fused=False)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_hyper("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum and zero dampening "
                             f"(got momentum={momentum}, dampening={dampening})")
        if differentiable:
            raise ValueError("SGD: differentiable=True (a graph through the update) is not supported")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, momentum, dampening = self._lr(group), float(group["momentum"]), float(group["dampening"])
            weight_decay, nesterov = float(group["weight_decay"]), group["nesterov"]
            for p in self._params_with_grad(group, "SGD"):
                x = p._data
                g = self._effective_grad(x, p.grad._data, group["maximize"], weight_decay)
                s = self._scratch(x, 1)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = Tensor._wrap(g.copy())
                    else:
                        b = buf._data
                        b *= _scalar_for(b, momentum)
                        if dampening == 0:
                            b += g
                        else:
                            _add_scaled(b, 1 - dampening, g, b, s)
                    g = _add_scaled(g, momentum, buf._data, s, s) if nesterov else buf._data
                _add_scaled(x, -lr, g, x, s)
        return loss
