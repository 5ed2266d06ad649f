"""Optimizer: parameter groups, per-parameter state and torch's state_dict layout.

Subclasses update parameters in place on their numpy arrays (`p._data`) with `out=` ufuncs: no graph, no
per-step allocations beyond the scratch buffers kept here. Hyper-parameters are turned into Python floats
before they touch an array, because a numpy float64 scalar would silently upcast float32 math."""
import collections
import copy
import functools
import numpy as np
from ..tensor import Tensor, zero_grads
from ..autograd import enable_grad
from ..autograd.hooks import RemovableHandle, args_and_kwargs
from .._arrays import xp_of
from ..ops.complex import view_as_real_array


def _as_real(*arrays):
    """torch updates a complex parameter as pairs of reals (view_as_real of it, its gradient and its state): the
    element-wise steps (squares, square roots, signs, maxima) act on real and imaginary parts apart. Complex arrays
    come back as (..., 2) real views of the same memory, real ones as they are."""
    if arrays[0].dtype.kind != "c":
        return arrays
    return tuple(view_as_real_array(a) for a in arrays)


def _narrow(a):
    """float16 / bfloat16 (numpy kind 'V' from ml_dtypes): torch computes each update op on them in float32, its
    scalars too, and rounds the result once; numpy would round the scalar and each partial result to the dtype."""
    return a.dtype.itemsize == 2 and a.dtype.kind in "fV"


def _scalar_for(a, c):
    """The scalar c as torch applies it to array a: float32 for float16 / bfloat16 (so numpy computes in float32
    and rounds once into a), as it is otherwise."""
    return np.float32(c) if _narrow(a) else c


def _addend_for(a, c):
    """The scalar c as torch adds it to array a (a.add(c)): rounded to a's dtype first for float16 / bfloat16 (the
    sum then in float32, rounded once), where mul and div take it in float32 (_scalar_for)."""
    return a.dtype.type(c) if _narrow(a) else c


def _add_scaled(a, alpha, b, out, scratch):
    """out = a + alpha * b, as torch's a.add(b, alpha=alpha) (float16 / bfloat16: alpha rounded to the dtype, the
    rest in float32, rounded once). out may be a; scratch: a work array like b, distinct from a (it may be out)."""
    if _narrow(out):
        out[...] = a.astype(np.float32) + np.float32(out.dtype.type(alpha)) * b.astype(np.float32)
        return out
    np.multiply(b, alpha, out=scratch)
    return np.add(a, scratch, out=out)


class _RequiredParameter:
    """Marks a hyper-parameter that has no default and must come from each param group."""
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

# keywords torch accepts that only pick one of its kernels; every choice gives the same numbers, and
# teenygrad has one kernel, so they are recorded (torch's state_dict layout) and otherwise ignored
_KERNEL_CHOICES = ("foreach", "fused")


# torch.optim.optimizer.register_optimizer_step_pre_hook / _post_hook: run around every optimizer's step
_global_step_pre_hooks, _global_step_post_hooks = {}, {}


def register_optimizer_step_pre_hook(hook):
    """hook(optimizer, args, kwargs) before every optimizer's step; it may return (new_args, new_kwargs)."""
    return RemovableHandle(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """hook(optimizer, args, kwargs) after every optimizer's step."""
    return RemovableHandle(_global_step_post_hooks, hook)


def _with_step_hooks(step):
    """A subclass's step, run between the step pre hooks and post hooks (global ones and the optimizer's own), as
    torch's: they see step's args with the optimizer first. A step that calls its parent's (also wrapped) step runs
    them once (torch runs them again there, once it has patched the parent class too)."""
    @functools.wraps(step)
    def hooked_step(*args, **kwargs):
        self = args[0]
        d = self.__dict__
        d["_opt_called"] = True  # read by the LR schedulers' check that optimizer.step() comes first, as torch's
        pre, post = d.get("_optimizer_step_pre_hooks"), d.get("_optimizer_step_post_hooks")
        if not (pre or post or _global_step_pre_hooks or _global_step_post_hooks) or d.get("_in_hooked_step"):
            return step(*args, **kwargs)
        for hook in [*_global_step_pre_hooks.values(), *(pre or {}).values()]:
            args, kwargs = args_and_kwargs(hook(self, args, kwargs), args, kwargs,
                                           f"{type(self).__name__}.step: a step pre hook")
        d["_in_hooked_step"] = True
        try:
            out = step(*args, **kwargs)
        finally:
            d["_in_hooked_step"] = False
        for hook in [*(post or {}).values(), *_global_step_post_hooks.values()]:
            hook(self, args, kwargs)
        return out
    return hooked_step


class Optimizer:
    # group keys that checkpoints from older torch versions lack, with the values torch's __setstate__ gives them
    _group_fallbacks = {}
    # per-parameter state kept as one number (a 0-d tensor, as torch: NAdam's mu_product, ASGD's eta and mu),
    # not shaped like the parameter: load_state_dict checks these for one element instead
    _scalar_state = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = collections.defaultdict(dict)
        self.param_groups = []
        self._scratch_buffers = {}
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors or dicts, "
                            f"but got a Tensor of shape {tuple(params.shape)}")
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{type(self).__name__}: params must be an ordered collection (a list), not a set: "
                            "set order changes between runs")
        if defaults.get("fused") and defaults.get("foreach"):
            raise RuntimeError(f"{type(self).__name__}: `fused` and `foreach` cannot be `True` together")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)  # the caller's dict itself, as torch: editing it later edits the group

    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyper-parameters (missing ones come from the defaults)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: optimizer parameters must be an ordered collection (a list), not a set")
        params = list(params)
        named = sum(isinstance(p, tuple) for p in params)
        if named and named != len(params):
            raise ValueError(f"{name}: all optimizer params should be with/without names; {len(params) - named} of "
                             f"{len(params)} parameters have no name")
        if named:  # named parameters: [(name, tensor), ...]
            param_group["param_names"] = [n for n, _ in params]
            params = [p for _, p in params]
        for g in self.param_groups:
            if ("param_names" in g) != bool(named):
                raise ValueError(f"{name}: all optimizer param groups should be with/without names; cannot add a "
                                 f"param group {'with' if named else 'without'} names to groups "
                                 f"{'without' if named else 'with'} them")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: optimizer can only optimize Tensors, but parameter {i} is "
                                f"{type(p).__name__}")
            if not (p.is_leaf or p.retains_grad):
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (parameter {i}, shape {tuple(p.shape)})")
        param_group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in param_group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required optimization "
                                 f"parameter {key}")
            param_group.setdefault(key, default)
        seen = set()
        for i, p in enumerate(params):
            if id(p) in seen:
                raise ValueError(f"{name}: parameter {i} (shape {tuple(p.shape)}) appears twice in one parameter "
                                 "group; it would be updated twice per step")
            seen.add(id(p))
        for g in self.param_groups:
            if any(id(p) in seen for p in g["params"]):
                raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ---- gradients --------------------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        zero_grads((p for g in self.param_groups for p in g["params"]), set_to_none)

    def step(self, closure=None):
        raise NotImplementedError(f"{type(self).__name__} does not implement step")

    @staticmethod
    def _run_closure(closure):
        """torch re-enables grad for the closure: it computes a loss and calls backward."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _scratch(self, like, slot):
        """A reusable work array shaped like `like`: one flat buffer per (dtype, slot), grown to the largest
        parameter, so steps after the first allocate nothing."""
        key = (like.dtype, slot, type(like))
        buf = self._scratch_buffers.get(key)
        if buf is None or buf.size < like.size:
            buf = xp_of(like).empty(like.size, like.dtype)
            self._scratch_buffers[key] = buf
        return buf[:like.size].reshape(like.shape)

    def _effective_grad(self, x, g, maximize, weight_decay):
        """The gradient the update sees: -g when maximizing, plus weight_decay * x (L2 penalty), built in
        scratch slot 0 so that p.grad stays what backward left."""
        if not maximize and weight_decay == 0:
            return g
        s = self._scratch(g, 0)
        if weight_decay == 0:
            return np.negative(g, out=s)
        if maximize and not _narrow(s):
            np.multiply(x, weight_decay, out=s)
            return np.subtract(s, g, out=s)
        return _add_scaled(np.negative(g, out=s) if maximize else g, weight_decay, x, s, s)

    @staticmethod
    def _refuse_graph_options(op, capturable, differentiable):
        """torch's capturable (CUDA graphs) and differentiable (a graph through the update): not supported here."""
        if capturable or differentiable:
            raise ValueError(f"{op}: capturable/differentiable (CUDA graphs, a graph through the update) "
                             "are not supported")

    def _fresh_state(self, p, *buffers):
        """p's state before its first step: 'step' 0 and a zero array shaped like p for each named buffer."""
        state = self.state[p]
        state["step"] = self._new_step()
        for name in buffers:
            state[name] = Tensor._wrap(np.zeros_like(p._data))
        return state

    @staticmethod
    def _lr(group):
        """lr as the step's scalar math sees it: a Python float, or for a Tensor lr a numpy scalar of its dtype,
        because torch does that math on the 0-d tensor (float32 for torch.tensor(0.1), even over float64 params)."""
        lr = group["lr"]
        return np.asarray(lr.numpy()).reshape(())[()] if isinstance(lr, Tensor) else float(lr)

    @staticmethod
    def _new_step():
        return Tensor._wrap(np.zeros((), np.float32))  # torch keeps 'step' as a float32 0-d tensor

    @staticmethod
    def _params_with_grad(group, op):
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.grad.shape != p.shape:
                raise RuntimeError(f"{op}.step: gradient of shape {tuple(p.grad.shape)} does not match its "
                                   f"parameter of shape {tuple(p.shape)}")
            p._mark_written()  # the step writes p's memory: a graph that saved p can no longer use it
            yield p

    # ---- hooks ------------------------------------------------------------------------------------
    def _register(self, slot, hook, prepend):
        return RemovableHandle(self.__dict__.setdefault(slot, {}), hook, prepend=prepend)

    def register_step_pre_hook(self, hook):
        """hook(optimizer, args, kwargs) before each step; it may return (new_args, new_kwargs)."""
        return self._register("_optimizer_step_pre_hooks", hook, False)

    def register_step_post_hook(self, hook):
        """hook(optimizer, args, kwargs) after each step."""
        return self._register("_optimizer_step_post_hooks", hook, False)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """hook(optimizer) before state_dict() packs the state."""
        return self._register("_optimizer_state_dict_pre_hooks", hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) after state_dict(); a dict it returns replaces the state dict."""
        return self._register("_optimizer_state_dict_post_hooks", hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) before load_state_dict(); a dict it returns is loaded instead."""
        return self._register("_optimizer_load_state_dict_pre_hooks", hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """hook(optimizer) after load_state_dict()."""
        return self._register("_optimizer_load_state_dict_post_hooks", hook, prepend)

    def _hooks(self, slot):
        return list(self.__dict__.get(slot, {}).values())

    # ---- checkpoints ------------------------------------------------------------------------------
    def state_dict(self):
        """torch's layout: {'state': {param index: {name: value}}, 'param_groups': [{..., 'params': [index]}]}.
        Like torch, the state values are the live tensors (save the dict to snapshot it)."""
        for hook in self._hooks("_optimizer_state_dict_pre_hooks"):
            hook(self)
        index = {}
        groups = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            for p in g["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in g["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": state, "param_groups": groups}
        for hook in self._hooks("_optimizer_state_dict_post_hooks"):
            new = hook(self, state_dict)
            state_dict = state_dict if new is None else new
        return state_dict

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and state from state_dict(); the tensors are copied, cast to each
        parameter's dtype (except 'step')."""
        name = type(self).__name__
        for hook in self._hooks("_optimizer_load_state_dict_pre_hooks"):
            new = hook(self, state_dict)
            state_dict = state_dict if new is None else new
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups', got {got}")
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)} != {len(self.param_groups)})")
        for i, (g, sg) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError(f"{name}.load_state_dict: loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group (group {i}: {len(sg['params'])} saved "
                                 f"parameters, {len(g['params'])} here)")
        id_map = {}
        for g, sg in zip(self.param_groups, saved_groups):
            id_map.update(zip(sg["params"], g["params"]))
        state = collections.defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k not in id_map:
                state[k] = copy.deepcopy(v)
                continue
            p = id_map[k]
            state[p] = {key: _restore_value(p, key, val, k, name, key in self._scalar_state) for key, val in v.items()}
        for g, sg in zip(self.param_groups, saved_groups):
            sg["params"] = g["params"]
            if "param_names" in g and "param_names" not in sg:
                sg["param_names"] = g["param_names"]
        self.state = state
        self.param_groups = saved_groups
        self._fill_group_fallbacks()
        for hook in self._hooks("_optimizer_load_state_dict_post_hooks"):
            hook(self)

    def _fill_group_fallbacks(self):
        # as torch's __setstate__ (which its load_state_dict runs): a group added after a load gets differentiable,
        # also in the optimizers whose constructors have no such option (Adafactor, Muon, LBFGS, SparseAdam)
        self.defaults.setdefault("differentiable", False)
        for g in self.param_groups:
            for key, value in self._group_fallbacks.items():
                g.setdefault(key, value)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._scratch_buffers = {}
        self._fill_group_fallbacks()

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, g in enumerate(self.param_groups):
            lines += [""] * (i > 0) + [f"Parameter Group {i}"]  # a blank line between groups, as torch's
            lines += [f"    {k}: {g[k]}" for k in sorted(g) if k != "params"]
        return "\n".join(lines) + "\n)"


def _restore_value(p, key, val, index, name, scalar=False):
    """A saved state value as this optimizer keeps it: a fresh tensor (float state in the parameter's dtype).
    scalar: state held as one number (Optimizer._scalar_state), a 0-d tensor whatever the parameter's shape."""
    if scalar:
        a = np.asarray(val.numpy() if isinstance(val, Tensor) else val).copy()
        if a.size != 1:
            raise ValueError(f"{name}.load_state_dict: state '{key}' of parameter {index} must hold one number, "
                             f"got shape {a.shape}")
        return Tensor._wrap(a.reshape(()).astype(p.dtype))
    if isinstance(val, (Tensor, np.ndarray)) or (hasattr(val, "__array__") and not isinstance(val, (int, float))):
        a = np.asarray(val).copy()  # asarray: torch's __array__ takes no copy= (numpy warns)
        if key == "step":
            return Tensor._wrap(a.astype(np.float32).reshape(()))
        if a.dtype.kind == "f":
            if a.shape != tuple(p.shape):
                raise ValueError(f"{name}.load_state_dict: state '{key}' of parameter {index} has shape "
                                 f"{a.shape} but the parameter has shape {tuple(p.shape)}")
            a = a.astype(p.dtype)
        return Tensor._wrap(xp_of(p._data).asarray(a) if type(p._data) is not np.ndarray else a)
    if key == "step" and isinstance(val, (int, float)):
        return Tensor._wrap(np.array(val, np.float32))
    return copy.deepcopy(val)


def _check_hyper(op, **values):
    """torch's constructor checks: each of these hyper-parameters must be >= 0 (NaN fails too)."""
    for key, v in values.items():
        if isinstance(v, Tensor) and v.numel() != 1:
            raise ValueError(f"{op}: Tensor {key} must be 1-element, got shape {tuple(v.shape)}")
        if not float(v) >= 0.0:
            what = {"lr": "learning rate", "eps": "epsilon value"}.get(key, f"{key} value")  # torch's wording
            raise ValueError(f"{op}: Invalid {what}: {v} (must be >= 0)")


def _check_betas(op, betas):
    """torch's check for the Adam family: two coefficients, each in [0, 1)."""
    betas = tuple(betas)
    if len(betas) != 2:
        raise ValueError(f"{op}: betas must be a pair (beta1, beta2), got {betas}")
    for i, b in enumerate(betas):
        if not 0.0 <= float(b) < 1.0:
            raise ValueError(f"{op}: Invalid beta parameter at index {i}: {b} (must be in [0, 1))")
    return betas
