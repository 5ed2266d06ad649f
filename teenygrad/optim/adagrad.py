"""Adagrad (Duchi et al.) with learning-rate decay, L2 weight decay and an initial accumulator value."""
import numpy as np
from ..tensor import Tensor
from .optimizer import Optimizer, _as_real, _addend_for, _check_hyper
from .adam import _addcdiv_, _addcmul_


class Adagrad(Optimizer):
    """clr = lr / (1 + (t - 1) * lr_decay);  sum += g * g;  p -= clr * g / (sqrt(sum) + eps)"""

    _group_fallbacks = dict(foreach=None, maximize=False, differentiable=False, fused=None)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_hyper("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                     initial_accumulator_value=initial_accumulator_value, eps=eps)
        if differentiable:
            raise ValueError("Adagrad: differentiable=True (a graph through the update) is not supported")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        # torch creates the state of the constructor's parameters up front (a group added later gets its state at
        # its first step, as in the other optimizers). Like torch, the accumulator starts at the constructor's
        # value: an 'initial_accumulator_value' given in a param group is not used.
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p):
        init = float(self.defaults["initial_accumulator_value"])
        state = self.state[p]
        state["step"] = self._new_step()
        # a complex p accumulates its real and imaginary parts apart, each from init
        state["sum"] = Tensor._wrap(np.full_like(p._data, complex(init, init) if p.is_complex() else init))
        return state

    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = self._lr(group), float(group["lr_decay"]), float(group["eps"])
            for p in self._params_with_grad(group, "Adagrad"):
                state = self.state[p] or self._init_state(p)
                step_t = state["step"]._data
                step_t += 1
                clr = lr / (1 + (float(step_t) - 1) * lr_decay)
                x, g, acc = _as_real(p._data, p.grad._data, state["sum"]._data)
                g = self._effective_grad(x, g, group["maximize"], float(group["weight_decay"]))
                s = self._scratch(x, 1)
                _addcmul_(acc, g, g, 1.0, s)
                std = np.sqrt(acc, out=s)
                std += _addend_for(std, eps)
                _addcdiv_(x, g, std, -clr, self._scratch(x, 0))
        return loss
