"""SparseAdam: Adam on the rows a sparse gradient holds (nn.Embedding(sparse=True)), each row's moments and value
left as they are when a step's gradient does not touch it. teenygrad's gradients are dense; the rows come from the
record the sparse=True lookups keep on the .grad (nn.functional_sparse.sparse_rows)."""
import math
import numpy as np
from ..tensor import Tensor
from ..nn.functional_sparse import sparse_rows
from .._arrays import on_device_of
from .optimizer import Optimizer


class SparseAdam(Optimizer):
    """Per touched row r, as torch's _functional.sparse_adam: m_r += (g_r - m_r)(1 - b1), v_r += (g_r^2 - v_r)(1 - b2),
    w_r -= lr sqrt(1 - b2^t) / (1 - b1^t) * m_r / (sqrt(v_r) + eps); t counts every step with a gradient."""
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError(f"SparseAdam: Tensor lr must be 1-element, got shape {tuple(lr.shape)}")
        if not 0.0 < float(lr):
            raise ValueError(f"SparseAdam: Invalid learning rate: {lr} (must be > 0)")
        if not 0.0 < eps:
            raise ValueError(f"SparseAdam: Invalid epsilon value: {eps} (must be > 0)")
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"SparseAdam: Invalid beta parameter at index {i}: {betas[i]} (must be in [0, 1))")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))
        bad = [[i, j] for i, g in enumerate(self.param_groups) for j, p in enumerate(g["params"])
               if p._data.dtype.kind == "c"]
        if bad:
            raise ValueError(f"SparseAdam: Complex params at indices {bad}: SparseAdam does not support complex "
                             "parameters")

    def step(self, closure=None):
        loss = self._run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps = float(group["lr"]), group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                rows = sparse_rows(p)
                if rows is None:
                    raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
                state = self.state[p]
                if not state:
                    state["step"] = 0  # a Python int, as torch keeps it here
                    state["exp_avg"] = Tensor._wrap(np.zeros_like(p._data))
                    state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
                state["step"] += 1
                if rows.size == 0:
                    continue
                p._mark_written()
                r = on_device_of(p._data, rows)
                g = p.grad._data[r]
                if group["maximize"]:
                    g = -g
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                m_old, v_old = m[r], v[r]
                dm = (g - m_old) * (1 - beta1)
                dv = (g * g - v_old) * (1 - beta2)
                m[r] = m_old + dm
                v[r] = v_old + dv
                t = state["step"]
                step_size = lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
                p._data[r] += -step_size * ((dm + m_old) / (np.sqrt(dv + v_old) + eps))
        return loss

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for s in self.state.values():  # the base class keeps 'step' as a tensor; torch's SparseAdam an int
            if "step" in s:
                s["step"] = int(float(s["step"]))
