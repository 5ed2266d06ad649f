"""Adam and AdamW (decoupled weight decay), with amsgrad and maximize, in torch's exact update order."""
import numpy as np
from ..backend import cuda as _cuda
from ..backend.cpu import fused_for, pool
from ..tensor import Tensor
from .optimizer import Optimizer, _addend_for, _as_real, _check_betas, _check_hyper, _narrow, _scalar_for


class Adam(Optimizer):
    """g = grad (+ weight_decay * p, or p *= 1 - lr * weight_decay when decoupled)
    m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g;  (amsgrad: vmax = max(vmax, v), used as v)
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)"""

    _group_fallbacks = dict(amsgrad=False, maximize=False, foreach=None, capturable=False, differentiable=False,
                            decoupled_weight_decay=False, fused=None)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        op = type(self).__name__
        _check_hyper(op, lr=lr, eps=eps, weight_decay=weight_decay)
        betas = _check_betas(op, betas)
        self._refuse_graph_options(op, capturable, differentiable)
        if isinstance(lr, Tensor) and foreach:  # torch's foreach kernel takes lr only as a number
            raise ValueError(f"{op}: lr as a Tensor ({lr.item()}) is not supported for capturable=False and "
                             "foreach=True")
        if isinstance(betas[0], Tensor) != isinstance(betas[1], Tensor):
            raise ValueError(f"{op}: betas must be either both floats or both Tensors, got "
                             f"({type(betas[0]).__name__}, {type(betas[1]).__name__})")
        if isinstance(betas[0], Tensor) and foreach:  # nor betas
            raise ValueError(f"{op}: betas as Tensors are not supported for capturable=False and foreach=True")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, p, amsgrad):
        state = self.state[p]
        state["step"] = self._new_step()
        state["exp_avg"] = Tensor._wrap(np.zeros_like(p._data))
        state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
        if amsgrad:
            state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
        return state

    def step(self, closure=None):
        loss = self._run_closure(closure)
        op = type(self).__name__
        for group in self.param_groups:
            lr, eps, weight_decay = self._lr(group), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            amsgrad, decoupled = group["amsgrad"], group["decoupled_weight_decay"]
            fast = not amsgrad and not group["maximize"] and (decoupled or weight_decay == 0)
            # the numba updates as runs of one step count [step, [(p, g, m, v), ...]], one kernel call a run, run
            # before any update in between (parameters may share memory: torch updates them in the group's order)
            runs = []
            for p in self._params_with_grad(group, op):
                state = self.state[p]
                if not state:
                    state = self._init_state(p, amsgrad)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                x, g, m, v = _as_real(p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data)
                # the kernels update flat views: m and v too must be C-contiguous (made beside a transposed p, they
                # stay so after p.data = p.data.contiguous(); a flat copy of them would take the update and be lost)
                flat = (fast and x.flags.c_contiguous and g.flags.c_contiguous and m.flags.c_contiguous
                        and v.flags.c_contiguous)
                cuda = _cuda.kernels_for(x, g, m, v) if flat else None
                if cuda is not None:
                    # one Triton pass over p, g, m, v; fast means Adam without decay or AdamW: the same update
                    cuda.adamw_step(x, g, m, v, lr, beta1, beta2, eps, weight_decay, step)
                    continue
                kernels = fused_for(x, g, m, v) if flat else None
                if kernels is not None:
                    # the whole update in one pass over p, g, m, v (numba) instead of ~10 numpy passes
                    # BLAS owns the threads: a run of them in one serial call (_run_batched); a read-only g (an
                    # expanded or from_numpy gradient) would make adamw_many_'s tuple mixed-typed: numba can't index it
                    if pool() is None and g.flags.writeable:
                        if runs and runs[-1][0] == step:
                            runs[-1][1].append((x, g, m, v))
                        else:
                            runs.append((step, [(x, g, m, v)]))
                        continue
                    if runs:
                        runs = _run_batched(runs, lr, beta1, beta2, eps, weight_decay)
                    kernels.adamw_(x, g, m, v, lr, beta1, beta2, eps, weight_decay, step)
                    continue
                if runs:
                    runs = _run_batched(runs, lr, beta1, beta2, eps, weight_decay)
                if decoupled and weight_decay != 0:
                    x *= _scalar_for(x, 1 - lr * weight_decay)
                g = self._effective_grad(x, g, group["maximize"], 0.0 if decoupled else weight_decay)
                s = self._scratch(x, 1)
                _lerp_(m, g, 1 - beta1, s)
                _square_avg_(v, g, beta2, s)
                if amsgrad:
                    vmax, = _as_real(state["max_exp_avg_sq"]._data)
                    v = np.maximum(vmax, v, out=vmax)
                step_size = lr / (1 - beta1 ** step)
                denom = np.sqrt(v, out=s)
                denom /= _scalar_for(denom, (1 - beta2 ** step) ** 0.5)
                denom += _addend_for(denom, eps)
                _addcdiv_(x, m, denom, -step_size, self._scratch(x, 0))  # g is spent: reuse its slot
            _run_batched(runs, lr, beta1, beta2, eps, weight_decay)
        return loss


def _run_batched(runs, lr, beta1, beta2, eps, weight_decay):
    """The pending numba updates (Adam.step's runs), one adamw_many_ call a run, in order; returns no runs left."""
    for step, arrays in runs:
        fused_for().adamw_many_(arrays, lr, beta1, beta2, eps, weight_decay, step)
    return []


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr * weight_decay before the step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def _fill_group_fallbacks(self):
        # as torch: whatever a loaded state says (an Adam checkpoint, an older AdamW one), AdamW decays decoupled
        super()._fill_group_fallbacks()
        for g in self.param_groups:
            g["decoupled_weight_decay"] = True


def _addcdiv_(x, t1, t2, value, scratch):
    """x += value * t1 / t2, in place, rounding as torch's x.addcdiv_(t1, t2, value=value): (value t1) / t2, then
    the sum (float16 / bfloat16: all in float32, rounded once)."""
    if _narrow(x):
        x[...] = x.astype(np.float32) + np.float32(value) * t1.astype(np.float32) / t2.astype(np.float32)
        return
    if value == 1:  # (1 t1) / t2 is t1 / t2: one pass less (Adagrad, RMSprop's momentum)
        np.divide(t1, t2, out=scratch)
    else:
        np.multiply(t1, value, out=scratch)
        scratch /= t2
    x += scratch


def _addcmul_(x, t1, t2, value, scratch):
    """x += value * t1 * t2, in place, rounding as torch's x.addcmul_(t1, t2, value=value): (value t1) t2, then
    the sum (float16 / bfloat16: in float32, (value t1) t2 + x a fused multiply-add, rounded once)."""
    if _narrow(x):
        vt1 = (np.float32(value) * t1.astype(np.float32)).astype(np.float64)  # float64: the product exact, as in fma
        x[...] = (x.astype(np.float64) + vt1 * t2.astype(np.float64)).astype(np.float32)
        return
    if value == 1:  # (1 t1) t2 is t1 t2: one pass less (Adagrad's g^2)
        np.multiply(t1, t2, out=scratch)
    else:
        np.multiply(t1, value, out=scratch)
        scratch *= t2
    x += scratch


def _square_avg_(v, g, decay, scratch):
    """v = decay v + (1 - decay) g^2, in place, as torch's v.mul_(decay).addcmul_(g, g, value=1 - decay)."""
    v *= _scalar_for(v, decay)
    _addcmul_(v, g, g, 1 - decay, scratch)


def _lerp_(start, end, weight, scratch):
    """start += weight * (end - start), in place, rounding as torch's lerp does (it switches formula at 0.5;
    float16 / bfloat16 in float32, each form a fused multiply-add, rounded once)."""
    if _narrow(start):
        s32, e32, w = start.astype(np.float32), end.astype(np.float32), np.float32(weight)
        d = (e32 - s32).astype(np.float64)  # float64: the product exact, as in a float32 fma
        if weight < 0.5:
            start[...] = (s32 + d * float(w)).astype(np.float32)
        else:
            start[...] = (e32 - d * float(np.float32(1) - w)).astype(np.float32)
        return
    np.subtract(end, start, out=scratch)
    if weight < 0.5:
        scratch *= weight
        start += scratch
    else:
        scratch *= 1 - weight
        np.subtract(end, scratch, out=start)
