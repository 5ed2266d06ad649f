"""Rprop (Riedmiller & Braun, 1993): each coordinate moves by its own step size in the direction of -sign(g);
the step grows by etas[1] while the gradient keeps its sign and shrinks by etas[0] when it flips."""
import numpy as np
from ..tensor import Tensor
from .optimizer import Optimizer, _as_real, _check_hyper


class Rprop(Optimizer):
    """c = g * prev;  size *= etaplus where c > 0, etaminus where c < 0;  size = clamp(size, *step_sizes)
    where c < 0: g = 0 (no move now, no sign memory for the next step);  p -= sign(g) * size;  prev = g"""

    _group_fallbacks = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False,
                 foreach=None, maximize=False, differentiable=False):
        _check_hyper("Rprop", lr=lr)
        etas, step_sizes = tuple(etas), tuple(step_sizes)
        if len(etas) != 2 or not 0.0 < float(etas[0]) < 1.0 < float(etas[1]):
            raise ValueError(f"Rprop: Invalid eta values: {etas} (need 0 < etaminus < 1 < etaplus)")
        if len(step_sizes) != 2:
            raise ValueError(f"Rprop: step_sizes must be a pair (min, max), got {step_sizes}")
        self._refuse_graph_options("Rprop", capturable, differentiable)
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            etaminus, etaplus = (float(e) for e in group["etas"])
            size_min, size_max = (float(s) for s in group["step_sizes"])
            for p in self._params_with_grad(group, "Rprop"):
                state = self.state[p]
                if not state:
                    state["step"] = self._new_step()
                    state["prev"] = Tensor._wrap(np.zeros_like(p._data))
                    lr = float(group["lr"])  # a complex p steps its real and imaginary parts apart: lr for each
                    state["step_size"] = Tensor._wrap(np.full_like(p._data, complex(lr, lr) if p.is_complex() else lr))
                state["step"]._data += 1
                x, g, prev, size = _as_real(p._data, p.grad._data, state["prev"]._data, state["step_size"]._data)
                g = self._effective_grad(x, g, group["maximize"], 0.0)
                same, factor = self._scratch(x, 1), self._scratch(x, 2)
                np.multiply(g, prev, out=same)
                flipped = same < 0
                np.copyto(factor, 1.0)
                np.copyto(factor, etaplus, where=same > 0)
                np.copyto(factor, etaminus, where=flipped)
                size *= factor
                np.clip(size, size_min, size_max, out=size)
                np.copyto(prev, g)
                np.copyto(prev, 0.0, where=flipped)
                np.sign(prev, out=factor)
                factor *= size
                x -= factor
        return loss
