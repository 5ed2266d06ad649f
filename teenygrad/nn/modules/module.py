"""Module: the base class of every layer. Keeps parameters, buffers and child modules in three ordered
dicts (filled by __setattr__), and walks them for parameters(), state_dict(), to(), train() and repr."""
import collections
import types
import numpy as np
from ...tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ...tensor import Tensor, _move, _device_name, zero_grads
from ..parameter import Parameter, Buffer, is_lazy
from .lazy import LazyModuleMixin
from ...autograd.hooks import RemovableHandle

class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self):  # torch's words when nothing is off
        return "<All keys matched successfully>" if not (self.missing_keys or self.unexpected_keys) else \
            super().__repr__()

    __str__ = __repr__


class Module:
    training: bool
    # read-only stand-ins for a module made before these existed (pickled, or built without Module.__init__)
    _backward_hooks = _backward_pre_hooks = types.MappingProxyType({})

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments; "
                            "Module.__init__ takes none")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}
        d["_forward_hooks"] = {}
        d["_forward_pre_hooks"] = {}
        d["_backward_hooks"] = {}
        d["_backward_pre_hooks"] = {}

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        if not (self._forward_hooks or self._forward_pre_hooks or self._backward_hooks or self._backward_pre_hooks):
            # a plain call when there are no keywords: forwarding an empty **kwargs costs ~60 ns more
            return self.forward(*args, **kwargs) if kwargs else self.forward(*args)
        d = self.__dict__
        pre_kw = d.get("_forward_pre_hooks_with_kwargs", ())
        for k, hook in list(self._forward_pre_hooks.items()):
            if k in pre_kw:  # hook(module, args, kwargs) -> None or (new_args, new_kwargs)
                r = hook(self, args, kwargs)
                if r is not None:
                    if not (isinstance(r, tuple) and len(r) == 2):
                        raise RuntimeError(f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {r}.")
                    args, kwargs = r
                continue
            r = hook(self, args)
            if r is not None:
                args = r if isinstance(r, tuple) else (r,)
        bw = None
        if self._backward_hooks or self._backward_pre_hooks:
            from ..hooks import BackwardHook
            bw = BackwardHook(self, self._backward_hooks, self._backward_pre_hooks)
            args = bw.setup_input_hook(args)
        kw = d.get("_forward_hooks_with_kwargs", ())
        try:
            out = self.forward(*args, **kwargs)
        except Exception:
            self._always_call_hooks(args, kwargs, kw)
            raise
        for k, hook in list(self._forward_hooks.items()):
            r = hook(self, args, kwargs, out) if k in kw else hook(self, args, out)
            if r is not None:
                out = r
        return out if bw is None else bw.setup_output_hook(out)

    def _always_call_hooks(self, args, kwargs, kw):
        """forward raised: the forward hooks registered with always_call=True still run (with output None), as in
        torch; an exception of theirs is only warned about, so that forward's own propagates."""
        always = self.__dict__.get("_forward_hooks_always_call", ())
        for k, hook in list(self._forward_hooks.items()):
            if k in always:
                try:
                    hook(self, args, kwargs, None) if k in kw else hook(self, args, None)
                except Exception as e:
                    import warnings
                    warnings.warn(f"forward hook with always_call=True raised an exception that was silenced as "
                                  f"another error was raised in forward: {e}")

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """hook(module, args, output) (with_kwargs: hook(module, args, kwargs, output)) after forward; a result
        that is not None replaces the output. always_call: run it even when forward raises."""
        d = self.__dict__
        kw = d.setdefault("_forward_hooks_with_kwargs", {})
        always = d.setdefault("_forward_hooks_always_call", {})
        h = RemovableHandle(self._forward_hooks, hook, extra=(kw, always), prepend=prepend)
        if with_kwargs:
            kw[h.id] = True
        if always_call:
            always[h.id] = True
        return h

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """hook(module, args) -> None or new args (with_kwargs: hook(module, args, kwargs) -> None or
        (new_args, new_kwargs)) before forward."""
        kw = self.__dict__.setdefault("_forward_pre_hooks_with_kwargs", {})
        h = RemovableHandle(self._forward_pre_hooks, hook, extra=(kw,), prepend=prepend)
        if with_kwargs:
            kw[h.id] = True
        return h

    def register_full_backward_hook(self, hook, prepend=False):
        """hook(module, grad_input, grad_output) once the gradients w.r.t. the module's inputs are known; it may
        return a replacement grad_input (see nn/hooks.py)."""
        return RemovableHandle(self.__dict__.setdefault("_backward_hooks", {}), hook, prepend=prepend)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """hook(module, grad_output) once the gradients w.r.t. the module's outputs are known; it may return a
        replacement grad_output."""
        return RemovableHandle(self.__dict__.setdefault("_backward_pre_hooks", {}), hook, prepend=prepend)

    def register_backward_hook(self, hook):
        # torch's old hook saw the gradients of the module's last op, not of its inputs; teenygrad has only the
        # full kind, so it runs that one (what torch's own warning asks for)
        import warnings
        warnings.warn("register_backward_hook is deprecated: teenygrad runs the hook as register_full_backward_hook, "
                      "so grad_input holds the gradients w.r.t. the module's inputs. Use "
                      "register_full_backward_hook to get the documented behavior.", stacklevel=2)
        return self.register_full_backward_hook(hook)

    # ---- registration -----------------------------------------------------------------------------
    def _check_init(self, what):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call "
                                 f"(call super().__init__() first in {type(self).__name__}.__init__)")

    def __setattr__(self, name, value):
        d = self.__dict__
        if isinstance(value, Parameter):
            self._check_init("parameters")
            self._drop(name, keep="_parameters")
            d["_parameters"][name] = value
        elif isinstance(value, Module):
            self._check_init("module")
            self._drop(name, keep="_modules")
            d["_modules"][name] = value
        elif isinstance(value, Buffer):
            self._check_init("buffer")
            self._drop(name)
            self.register_buffer(name, value, value.persistent)
        elif "_parameters" in d and name in d["_parameters"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(nn.Parameter or None expected)")
            d["_parameters"][name] = None
        elif "_modules" in d and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(nn.Module or None expected)")
            d["_modules"][name] = None
        elif "_buffers" in d and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(Tensor or None expected)")
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _drop(self, name, keep=None):
        """Forget `name` everywhere but in `keep` (re-assigning keeps its place in the order, as torch)."""
        d = self.__dict__
        d.pop(name, None)
        for k in ("_parameters", "_buffers", "_modules"):
            if k != keep:
                d[k].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name):
        # only called when normal lookup fails: parameters, buffers and children live in the dicts
        d = self.__dict__
        for k in ("_parameters", "_buffers", "_modules"):
            entries = d.get(k)  # None before Module.__init__
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for k in ("_parameters", "_buffers", "_modules"):
            if name in d.get(k, ()):
                del d[k][name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def _check_name(self, name, what, own):
        """torch's rules: a string without dots, not already taken by anything but an entry of the same kind."""
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string, got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f"{what} name can't contain \".\" or be empty, got {name!r}")
        if hasattr(self, name) and name not in self.__dict__[own]:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        self._check_init("parameters")
        self._check_name(name, "parameter", "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(nn.Parameter or None required)")
        self._drop(name, keep="_parameters")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        self._check_init("buffer")
        self._check_name(name, "buffer", "_buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(Tensor or None required)")
        self._drop(name, keep="_buffers")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass")
        self._check_init("module")
        self._check_name(name, "module", "_modules")
        self._drop(name, keep="_modules")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        mod = self
        for part in target.split(".") if target else []:
            if part not in mod._modules:
                raise AttributeError(f"get_submodule: {type(mod).__name__} has no submodule `{part}` "
                                     f"(looking up {target!r})")
            mod = mod._modules[part]
        return mod

    def get_parameter(self, target):
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target):
        return self._get_member(target, "_buffers", "buffer")

    def _get_member(self, target, table, kind):
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        members = getattr(mod, table)
        if name not in members:
            raise AttributeError(f"get_{kind}: {type(mod).__name__} has no {kind} `{name}`")
        return members[name]

    # ---- traversal --------------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            yield from m.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, dict_name, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mprefix, m in mods:
            for name, v in m.__dict__[dict_name].items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))  # shared (tied) tensors are listed once, under their first name
                yield mprefix + ("." if mprefix else "") + name, v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ----------------------------------------------------------------------
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be boolean, got {mode!r}")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def compile(self, *args, **kwargs):
        """torch's in-place Module.compile: teenygrad runs eagerly, so nothing changes (and None comes back)."""

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        zero_grads(self.parameters(), set_to_none)

    # ---- dtype / device ---------------------------------------------------------------------------
    def _apply_arrays(self, fn, kinds=None):
        """Replace each parameter's/buffer's array in place (the Parameter objects stay the same, so an
        optimizer built before .to() still holds them). kinds: the numpy dtype kinds to touch (None: all)."""
        for m in self.modules():
            for t in list(m._parameters.values()) + list(m._buffers.values()):
                if t is None or (kinds is not None and np.dtype(t._data.dtype).kind not in kinds):
                    continue
                t._data = fn(t._data)
                if t.grad is not None:
                    t.grad._data = fn(t.grad._data)
        return self

    def to(self, *args, device=None, dtype=None, non_blocking=False, memory_format=None):
        """memory_format (channels_last, ...) is accepted and checked; the arrays stay in C order."""
        if memory_format is not None:
            from ...creation import memory_format as _mf
            if not isinstance(memory_format, _mf):
                raise TypeError(f"Module.to: memory_format must be a torch.memory_format, got {memory_format!r}")
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, str):    # torch reads every string here as a device, never as a dtype name
                device = a
            elif a is not None and not isinstance(a, bool):
                dtype = a
        if dtype is not None:
            dtype = dt.to_dtype(dtype)
            if not (dt.is_floating(dtype) or np.dtype(dtype).kind == "c"):
                raise TypeError(f"Module.to: only floating point or complex dtypes are accepted, got {dtype}")
            # as torch: floating and complex tensors take the dtype (a float one becomes complex), others stay
            self._apply_arrays(lambda a: _cast(a, dtype), kinds="fcV")
        if device is not None:
            name = _device_name(device)
            self._apply_arrays(lambda a: _move(a, name))
        return self

    def _float_as(self, dtype):
        """float() / double() / half(): only the floating point tensors (complex ones stay), as torch."""
        return self._apply_arrays(lambda a: _cast(a, dtype), kinds="fV")

    def float(self):
        return self._float_as(dt.float32)

    def double(self):
        return self._float_as(dt.float64)

    def half(self):
        return self._float_as(dt.float16)

    def bfloat16(self):
        return self._float_as(dt.bfloat16_dtype())

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda")

    def type(self, dst_type):
        return self.to(dtype=dst_type)

    # ---- state dict -------------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """name -> tensor sharing memory with the parameter/buffer (detached unless keep_vars)."""
        out = collections.OrderedDict() if destination is None else destination
        for mprefix, m in self.named_modules(remove_duplicate=False):
            p = prefix + mprefix + "." if mprefix else prefix  # prefix as given, as torch (no dot added)
            for name, v in m._parameters.items():
                if v is not None:  # an uninitialised (lazy) parameter is kept as itself, as torch
                    out[p + name] = v if keep_vars or is_lazy(v) else Tensor._wrap(v._data)
            for name, v in m._buffers.items():
                if v is not None and name not in m._non_persistent_buffers_set:
                    out[p + name] = v if keep_vars or is_lazy(v) else Tensor._wrap(v._data)
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values into the existing tensors. Shape mismatches always raise, before anything is copied; with
        strict, missing and unexpected keys raise too (one error listing all of them). Load hooks run as torch's:
        the pre hooks first (on a copy of state_dict, which they may rewrite), the post hooks after the copy, and
        they may edit the missing/unexpected lists before strict looks at them."""
        mods = list(self.named_modules(remove_duplicate=False))
        hooked_pre = [(p, m) for p, m in mods if m.__dict__.get("_load_state_dict_pre_hooks")]
        hooked_post = [m for _, m in mods if m.__dict__.get("_load_state_dict_post_hooks")]
        errors, missing, unexpected = [], [], []
        if hooked_pre:
            state_dict = self._run_load_pre_hooks(hooked_pre, state_dict, strict, missing, unexpected, errors)
        own = self.state_dict(keep_vars=True)
        missing += [k for k in own if k not in state_dict]
        if missing:
            optional = self._optional_state_keys(state_dict)
            missing = [k for k in missing if k not in optional]
        unexpected += [k for k in state_dict if k not in own]
        for k, t in own.items():
            if k not in state_dict or is_lazy(t):  # a lazy parameter takes the checkpoint's shape, below
                continue
            v = state_dict[k]
            shape = tuple(v.shape) if hasattr(v, "shape") else np.shape(v)
            if shape != t.shape:
                errors.append(f"size mismatch for {k}: copying a param with shape {shape} from checkpoint, "
                              f"the shape in current model is {tuple(t.shape)}.")
        if errors or (strict and not hooked_post and (missing or unexpected)):
            self._raise_load_errors(strict, missing, unexpected, errors)
        for mprefix, m in mods:  # nothing failed: lazy tensors take shapes
            if isinstance(m, LazyModuleMixin):
                m._lazy_load_hook(state_dict, mprefix + "." if mprefix else "")
        for k, t in own.items():
            if k in state_dict and not is_lazy(t):  # still lazy: the checkpoint's was lazy too (as torch, no copy)
                v = state_dict[k]
                a = v._data if isinstance(v, Tensor) else np.asarray(v)
                if type(a) is not type(t._data):
                    a = _move(a, t.device)
                if assign:
                    self._assign_state(k, t, v if isinstance(v, Tensor) and type(a) is type(v._data)
                                       else Tensor._wrap(a))
                else:
                    t._data[...] = a
                    t._mark_written()
        result = _IncompatibleKeys(missing, unexpected)
        for m in reversed(hooked_post):  # children before their parents, as torch
            for hook in list(m._load_state_dict_post_hooks.values()):
                if hook(m, result) is not None:
                    raise AssertionError("load_state_dict: a load_state_dict post hook should return None, modifying "
                                       "incompatible_keys in place")
        if strict and (missing or unexpected):
            self._raise_load_errors(strict, missing, unexpected, [])
        return result

    def _raise_load_errors(self, strict, missing, unexpected, errors):
        head = []
        if strict:  # torch's order: missing keys first
            if missing:
                head.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
            if unexpected:
                head.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
        raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" +
                           "\n\t".join(head + errors))

    @staticmethod
    def _run_load_pre_hooks(hooked, state_dict, strict, missing, unexpected, errors):
        """The pre hooks of every module, parents first, on a copy of state_dict (the caller's stays as it was)."""
        meta = getattr(state_dict, "_metadata", None)
        state_dict = collections.OrderedDict(state_dict)
        if meta is not None:
            state_dict._metadata = meta
        for mprefix, m in hooked:
            prefix = mprefix + "." if mprefix else ""
            local = (meta or {}).get(mprefix, {})
            for hook in list(m._load_state_dict_pre_hooks.values()):
                hook(m, state_dict, prefix, local, strict, missing, unexpected, errors)
        return state_dict

    def register_load_state_dict_pre_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs),
        before the module's entries load; it may rename or convert entries of state_dict in place."""
        return RemovableHandle(self.__dict__.setdefault("_load_state_dict_pre_hooks", {}), hook)

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        """torch's older form: the hook takes no module argument unless with_module."""
        return self.register_load_state_dict_pre_hook(hook if with_module else lambda m, *args: hook(*args))

    def register_load_state_dict_post_hook(self, hook):
        """hook(module, incompatible_keys) after loading; it may edit incompatible_keys.missing_keys /
        .unexpected_keys in place (strict looks at them afterwards)."""
        return RemovableHandle(self.__dict__.setdefault("_load_state_dict_post_hooks", {}), hook)

    def _assign_state(self, key, old, v):
        """load_state_dict(assign=True): the module takes the checkpoint's tensor itself (its dtype and memory, no
        grad), as torch; a parameter becomes a Parameter on that memory, keeping the old one's requires_grad."""
        mod_path, _, name = key.rpartition(".")
        m = self.get_submodule(mod_path)
        if name in m._parameters:
            if isinstance(v, Parameter):
                v.requires_grad_(old.requires_grad)
            else:
                v = Parameter(v, requires_grad=old.requires_grad)
            m._parameters[name] = v
        else:
            m._buffers[name] = v

    def _optional_state_keys(self, state_dict):
        """Keys a state_dict may leave out (the module keeps its value), as torch's loaders allow: a module's
        `_optional_state` names, when the dict carries no torch metadata of version 2 or later for it (BatchNorm's
        num_batches_tracked, which older and hand-built state dicts lack)."""
        meta = getattr(state_dict, "_metadata", None) or {}
        keys = set()
        for prefix, m in self.named_modules(remove_duplicate=False):
            if m.__dict__.get("_optional_state") and (meta.get(prefix, {}).get("version") or 0) < 2:
                keys.update(prefix + ("." if prefix else "") + name for name in m._optional_state)
        return keys

    # ---- repr -------------------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"({name}): " + _indent(repr(m)) for name, m in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = ([_indent(extra)] if extra else []) + lines
        return type(self).__name__ + "(\n  " + "\n  ".join(body) + "\n)"

    def _get_name(self):
        return type(self).__name__

    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)


def _cast(a, dtype):
    if np.dtype(a.dtype).kind == "c" and np.dtype(dtype).kind != "c":
        a = a.real  # torch drops the imaginary part (numpy would warn)
    return a.astype(dtype, copy=False)


def _indent(s):
    return s.replace("\n", "\n  ")
