"""Adafactor (Shazeer & Stern, 2018) as torch.optim.Adafactor: a second moment factored into row and column means
for parameters of 2 or more dimensions, relative step sizes, and update clipping."""
import numpy as np
from ..tensor import Tensor
from .adam import _lerp_
from .._arrays import xp_of
from ..tensor_misc import finfo
from .optimizer import Optimizer, _add_scaled, _narrow, _scalar_for


class Adafactor(Optimizer):
    """t = step;  w = t ** beta2_decay;  rho = min(lr, 1 / sqrt(t));  alpha = max(eps2, rms(p)) * rho
    p *= 1 - lr * weight_decay
    ndim >= 2:  R = lerp(R, mean(g^2, -1), w);  C = lerp(C, mean(g^2, -2), w);  v = R C / max(mean(R, -2), eps1)
    else:       v = lerp(v, g^2, w)
    u = g / sqrt(max(v, eps1^2));  p -= alpha / max(1, rms(u) / d) * u
    eps1=None means the machine epsilon of the group's first parameter with a gradient (torch picks it once)."""

    _group_fallbacks = dict(foreach=None)

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        op = type(self).__name__
        # torch's checks and wording, in torch's order
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError(f"{op}: Tensor lr must be 1-element, got shape {tuple(lr.shape)}")
        if not 0.0 <= float(lr):
            raise ValueError(f"{op}: Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"{op}: beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"{op}: epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"{op}: epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"{op}: Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"{op}: weight_decay should be >= 0 but is: {weight_decay}")
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))

    def _init_state(self, p):
        state = self.state[p]
        state["step"] = self._new_step()
        xp = xp_of(p._data)
        if p.ndim > 1:  # factored: one mean per row (last dim reduced) and one per column (next-to-last reduced)
            state["row_var"] = Tensor._wrap(xp.zeros(p.shape[:-1] + (1,), p._data.dtype))
            state["col_var"] = Tensor._wrap(xp.zeros(p.shape[:-2] + (1, p.shape[-1]), p._data.dtype))
        else:
            state["variance"] = Tensor._wrap(np.zeros_like(p._data))
        return state

    def step(self, closure=None):
        loss = self._run_closure(closure)
        op = type(self).__name__
        for group in self.param_groups:
            lr, d, weight_decay = self._lr(group), float(group["d"]), float(group["weight_decay"])
            beta2_decay = float(group["beta2_decay"])
            eps1, eps2 = group["eps"]
            eps2 = float(eps2)
            for p in group["params"]:  # torch refuses before any parameter of the group moves
                if p.grad is not None and p._data.dtype.kind == "c":
                    raise RuntimeError(f"{op} does not support complex parameters (got {p._data.dtype})")
            for p in self._params_with_grad(group, op):
                state = self.state[p] or self._init_state(p)
                x = p._data
                if eps1 is None:  # torch fixes eps1 from the first parameter and keeps it for the group's rest
                    eps1 = finfo(x.dtype).eps  # ml_dtypes' finfo for bfloat16
                eps1 = float(eps1)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                one_minus_beta2_t = step ** beta2_decay
                rho = min(lr, 1 / step ** 0.5)
                alpha = max(eps2, _norm(x) / x.size ** 0.5) * rho  # rms(p) before the decay
                if weight_decay != 0:
                    x *= _scalar_for(x, 1 - lr * weight_decay)
                g = self._effective_grad(x, p.grad._data, group["maximize"], 0.0)
                if _narrow(x):
                    _narrow_update(x, g, state, one_minus_beta2_t, eps1, alpha, d)
                    continue
                g2 = np.multiply(g, g, out=self._scratch(x, 1))
                if g.ndim > 1:
                    row_var, col_var = state["row_var"]._data, state["col_var"]._data
                    _lerp_(row_var, g2.sum(-1, keepdims=True) / g.shape[-1], one_minus_beta2_t,
                           self._scratch(row_var, 2))
                    _lerp_(col_var, g2.sum(-2, keepdims=True) / g.shape[-2], one_minus_beta2_t,
                           self._scratch(col_var, 2))
                    v = np.matmul(row_var, col_var, out=g2)  # (..., r, 1) @ (..., 1, c): the rank-1 estimate
                    v /= np.maximum(row_var.mean(-2, keepdims=True), eps1)
                else:
                    variance = state["variance"]._data
                    _lerp_(variance, g2, one_minus_beta2_t, self._scratch(x, 2))
                    v = g2
                    np.copyto(v, variance)  # the update must not write into the state
                update = np.maximum(v, eps1 * eps1, out=v)
                np.sqrt(update, out=update)
                np.divide(g, update, out=update)
                denom = max(1.0, float(np.linalg.norm(update.ravel())) / (update.size ** 0.5 * d))
                update *= -alpha / denom
                x += update
        return loss

    def load_state_dict(self, state_dict):
        """As Optimizer.load_state_dict; row_var / col_var are shaped as p's factors, not as p, so they are
        checked and cast here."""
        name = type(self).__name__
        factors = {}
        if isinstance(state_dict, dict) and isinstance(state_dict.get("state"), dict) \
                and isinstance(state_dict.get("param_groups"), list):
            id_map = {}
            for g, sg in zip(self.param_groups, state_dict["param_groups"]):
                id_map.update(zip(sg["params"], g["params"]))
            stripped = {}
            for k, v in state_dict["state"].items():
                if k in id_map and isinstance(v, dict):
                    p = id_map[k]
                    for key in ("row_var", "col_var"):
                        if key in v:
                            factors[k, key] = _restore_factor(p, key, v[key], k, name)
                    v = {key: val for key, val in v.items() if key not in ("row_var", "col_var")}
                stripped[k] = v
            state_dict = {**state_dict, "state": stripped}
        super().load_state_dict(state_dict)
        order = {key: i for i, key in enumerate(("step", "row_var", "col_var", "variance"))}
        for (k, key), val in factors.items():
            p = id_map[k]
            self.state[p][key] = val
            self.state[p] = dict(sorted(self.state[p].items(), key=lambda kv: order.get(kv[0], len(order))))


def _norm(a):
    """torch's a.norm(2).item(): float16 / bfloat16 summed in float32 and the norm rounded to the dtype."""
    if _narrow(a):
        return float(a.dtype.type(np.sqrt(np.square(a.astype(np.float32)).sum(dtype=np.float32))))
    return float(np.linalg.norm(a.ravel()))


def _narrow_update(x, g, state, w, eps1, alpha, d):
    """The update of a float16 / bfloat16 parameter op by op as torch's: each op in float32, rounded once."""
    dt, f32 = x.dtype, np.float32
    if g.ndim > 1:
        g32 = g.astype(f32)
        row_var, col_var = state["row_var"]._data, state["col_var"]._data
        for var, axis in ((row_var, -1), (col_var, -2)):  # norm(g, dim).square_().div_(n): each rounded to dt
            norm = np.sqrt(np.square(g32).sum(axis, keepdims=True)).astype(dt).astype(f32)
            mean = (np.square(norm).astype(dt).astype(f32) / f32(g.shape[axis])).astype(dt)
            _lerp_(var, mean, w, None)
        v = (row_var.astype(f32) @ col_var.astype(f32)).astype(dt).astype(f32)
        row_mean = np.maximum(row_var.astype(f32).mean(-2, keepdims=True, dtype=f32).astype(dt).astype(f32), f32(eps1))
        v = (v / row_mean.astype(dt).astype(f32)).astype(dt).astype(f32)
    else:
        _lerp_(state["variance"]._data, (g.astype(f32) * g.astype(f32)).astype(dt), w, None)
        v = state["variance"]._data.astype(f32)
    v = np.maximum(v, f32(dt.type(eps1 * eps1)))
    update = (f32(1) / np.sqrt(v)).astype(dt)  # rsqrt_
    update = (update.astype(f32) * g.astype(f32)).astype(dt)
    denom = max(1.0, _norm(update) / (update.size ** 0.5 * d))
    _add_scaled(x, -alpha / denom, update, x, None)


def _restore_factor(p, key, val, index, name):
    shape = p.shape[:-1] + (1,) if key == "row_var" else p.shape[:-2] + (1, p.shape[-1])
    a = np.asarray(val.numpy() if isinstance(val, Tensor) else val)
    if p.ndim < 2 or a.shape != tuple(shape):
        raise ValueError(f"{name}.load_state_dict: state '{key}' of parameter {index} has shape {a.shape} but a "
                         f"parameter of shape {tuple(p.shape)} needs {tuple(shape)}")
    return Tensor._wrap(xp_of(p._data).asarray(a.astype(p._data.dtype, copy=True)))
