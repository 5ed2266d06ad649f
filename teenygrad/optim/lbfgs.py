"""L-BFGS (Nocedal, 1980) over all parameters flattened into one vector, as torch's port of minFunc: each
step() runs up to max_iter quasi-Newton iterations, calling the closure for the loss and its gradient.

Scalars that torch keeps as 0-d float32 tensors (dot products, ro, H_diag, t after a line search) are numpy
float32 scalars here: mixed with Python floats they round as torch's 0-d tensors do, so the two runs agree."""
import numpy as np
from ..tensor import Tensor
from .optimizer import Optimizer, _as_real, _check_hyper


class LBFGS(Optimizer):
    """d = -H g (two-loop recursion over the last history_size pairs s = t d, y = g_new - g_old, H0 = s.y / y.y)
    p += t d, with t = lr (the first iteration: min(1, 1 / |g|_1) * lr) or from a strong-Wolfe line search"""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        _check_hyper("LBFGS", lr=lr)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError(f"LBFGS doesn't support per-parameter options (parameter groups): got "
                             f"{len(self.param_groups)} groups")

    @property
    def _params(self):
        return self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        if self.param_groups:  # torch lets this through and then fails in step()
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups): it optimizes one "
                             "flat vector of all parameters")
        super().add_param_group(param_group)

    # ---- the parameters as one flat vector ---------------------------------------------------------
    def _gather_flat_grad(self):
        for p in self._params:
            if p.grad is not None and p.grad.shape != p.shape:
                raise RuntimeError(f"LBFGS.step: gradient of shape {tuple(p.grad.shape)} does not match its "
                                   f"parameter of shape {tuple(p.shape)}")
        # a complex parameter enters as its real and imaginary parts (view_as_real), as in torch: the dot products
        # of the two-loop recursion are then real
        flat = []
        for p in self._params:
            x, = _as_real(p._data)
            flat.append(np.zeros(x.size, x.dtype) if p.grad is None else _as_real(p.grad._data)[0].reshape(-1))
        return np.concatenate(flat)

    def _add_grad(self, step_size, update):
        offset = 0
        for p in self._params:
            x, = _as_real(p._data)
            p._mark_written()
            x += (update[offset:offset + x.size] * step_size).reshape(x.shape)
            offset += x.size

    def _clone_param(self):
        return [p._data.copy() for p in self._params]

    def _set_param(self, saved):
        for p, a in zip(self._params, saved):
            p._mark_written()
            np.copyto(p._data, a)

    def _directional_evaluate(self, closure, x, t, d):
        """Loss and flat gradient at x + t d; the parameters are put back to x afterwards."""
        self._add_grad(t, d)
        loss = float(self._run_closure(closure))
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ---- the step ----------------------------------------------------------------------------------
    def step(self, closure):
        if closure is None:
            raise RuntimeError("LBFGS.step: a closure that reevaluates the model and returns the loss is required")
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        if line_search_fn not in (None, "strong_wolfe"):
            raise RuntimeError(f"LBFGS: only 'strong_wolfe' is supported as line_search_fn, got {line_search_fn!r}")

        state = self.state[self._params[0]]  # all of LBFGS's state lives under its first parameter
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._run_closure(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:  # already optimal
            return orig_loss

        d, prev_flat_grad = _array(state.get("d")), _array(state.get("prev_flat_grad"))
        old_dirs = [_array(y) for y in state.get("old_dirs") or []]
        old_stps = [_array(s) for s in state.get("old_stps") or []]
        t, ro, H_diag = _number(state.get("t")), [_number(r) for r in state.get("ro") or []], _number(state.get("H_diag"))
        prev_loss = _number(state.get("prev_loss"))

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = np.negative(flat_grad)
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only under positive curvature
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                d = self._two_loop(state, flat_grad, old_dirs, old_stps, ro, H_diag, history_size)

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                np.copyto(prev_flat_grad, flat_grad)
            prev_loss = loss

            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction
                break

            if line_search_fn is None:
                self._add_grad(t, d)
                evals = 0
                if n_iter != max_iter:  # the last iteration's loss is the next step's first evaluation
                    loss = float(self._run_closure(closure))
                    flat_grad = self._gather_flat_grad()
                    evals = 1
            else:
                x_init = self._clone_param()
                loss, flat_grad, t, evals = _strong_wolfe(
                    lambda x, t_, d_: self._directional_evaluate(closure, x, t_, d_),
                    x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
            opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            current_evals += evals
            state["func_evals"] += evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:  # the step no longer moves the parameters
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = None if d is None else Tensor._wrap(d)   # None: max_iter=0 ran no iteration
        state["t"] = t
        state["old_dirs"] = [Tensor._wrap(y) for y in old_dirs]
        state["old_stps"] = [Tensor._wrap(s) for s in old_stps]
        state["ro"] = [_scalar_tensor(r) for r in ro]
        state["H_diag"] = _scalar_tensor(H_diag)
        state["prev_flat_grad"] = None if prev_flat_grad is None else Tensor._wrap(prev_flat_grad)
        state["prev_loss"] = prev_loss
        return orig_loss

    @staticmethod
    def _two_loop(state, flat_grad, old_dirs, old_stps, ro, H_diag, history_size):
        """d = -H g by the two-loop recursion; the alphas live in state['al'] as torch keeps them."""
        if "al" not in state:
            state["al"] = [None] * history_size
        al = [None] * len(old_dirs)
        q = np.negative(flat_grad)
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q) * ro[i]
            q += old_dirs[i] * -al[i]
        r = q * H_diag
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r) * ro[i]
            r += old_stps[i] * (al[i] - be_i)
        state["al"][:len(al)] = [_scalar_tensor(a) for a in al]
        return r

    def load_state_dict(self, state_dict):
        """LBFGS's state (flat vectors, lists of them, scalars) is not shaped like a parameter: it is copied
        here, vectors cast to the parameters' dtype, instead of by Optimizer's per-parameter checks."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            return super().load_state_dict(state_dict)  # raises its own message
        saved = state_dict["state"]
        super().load_state_dict(dict(state_dict, state={}))
        dtype = _as_real(self._params[0]._data)[0].dtype  # the flat vectors' (a complex p's real dtype)
        for index, values in saved.items():
            if index != 0:
                raise ValueError(f"LBFGS.load_state_dict: state is kept under parameter 0 only, got parameter {index}")
            self.state[self._params[0]] = {k: _restore_lbfgs_value(v, dtype) for k, v in values.items()}


def _array(v):
    return v._data if isinstance(v, Tensor) else v


def _restore_lbfgs_value(v, dtype):
    if isinstance(v, (list, tuple)):
        return [_restore_lbfgs_value(e, dtype) for e in v]
    if isinstance(v, (Tensor, np.ndarray, np.generic)) or hasattr(v, "__array__"):  # torch's tensors too
        a = np.asarray(v.numpy() if isinstance(v, Tensor) else v).copy()
        if a.dtype.kind != "f":
            return a.item() if a.ndim == 0 else Tensor._wrap(a)
        return Tensor._wrap(a.astype(dtype))
    return v


def _number(v):
    """A scalar of LBFGS's state as the step computes with it: a 0-d tensor becomes a numpy scalar of its dtype."""
    return v._data.reshape(())[()] if isinstance(v, Tensor) else v


def _scalar_tensor(v):
    """torch keeps ro, al and H_diag as 0-d tensors (H_diag stays the int 1 until a curvature pair is kept)."""
    return Tensor._wrap(np.asarray(v)) if isinstance(v, np.generic) else v


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clipped to bounds
    (default: between x1 and x2); the bounds' midpoint when the cubic has no minimum."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, lo), hi)


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t satisfying the strong Wolfe conditions along d (Nocedal & Wright, algorithms 3.5 and 3.6):
    first widen the step until a bracket holding such a point is found, then shrink the bracket (zoom) by
    cubic interpolation. Returns (loss, flat grad, t, evaluations)."""
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    evals = 1
    gtd_new = g_new.dot(d)

    # bracketing: each point is [t, f, g, gtd]
    prev = [0, f, g, gtd]
    done, ls_iter, bracket = False, 0, None
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= prev[1]):
            bracket = [prev, [t, f_new, g_new.copy(), gtd_new]]   # sufficient decrease failed
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, done = [[t, f_new, g_new, gtd_new]], True    # strong Wolfe holds here
            break
        if gtd_new >= 0:
            bracket = [prev, [t, f_new, g_new.copy(), gtd_new]]   # the slope turned: a minimum lies between
            break
        min_step, max_step = t + 0.01 * (t - prev[0]), t * 10
        t_old = t
        t = _cubic_interpolate(prev[0], prev[1], prev[3], t, f_new, gtd_new, bounds=(min_step, max_step))
        prev = [t_old, f_new, g_new.copy(), gtd_new]
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [[0, f, g, None], [t, f_new, g_new, None]]

    # zoom: keep the lower end (low) satisfying sufficient decrease, shrink toward a strong-Wolfe point
    insuf_progress = False
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    while not done and ls_iter < max_ls:
        ends = [b[0] for b in bracket]
        if abs(ends[1] - ends[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0][0], bracket[0][1], bracket[0][3], bracket[1][0], bracket[1][1],
                               bracket[1][3])
        # too close to an end of the bracket: move it in by 10% of the bracket, once progress stalls
        top, bottom = max(ends), min(ends)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insuf_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket[low][1]:
            bracket[high] = [t, f_new, g_new.copy(), gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = [t, f_new, g_new.copy(), gtd_new]
    t, f_new, g_new = bracket[low][0], bracket[low][1], bracket[low][2]
    return f_new, g_new, t, evals
