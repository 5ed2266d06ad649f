"""Module: the base class of every layer. Keeps parameters, buffers and child modules in three ordered
dicts (filled by __setattr__), and walks them for parameters(), to(), train() and repr (state_dict() and
load_state_dict() are in state_dict.py)."""
import types
import numpy as np
from ...tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ...tensor import Tensor, _move, _device_name, zero_grads, _can_require_grad
from ...autograd import no_grad
from ...creation import empty_like
from ..parameter import Parameter, Buffer
from .state_dict import StateDictMixin, _IncompatibleKeys  # noqa: F401  (_IncompatibleKeys: torch's import path)
from ...autograd.hooks import RemovableHandle, args_and_kwargs

# torch.nn.modules.module's global hooks (register_module_forward_hook, ...): every module's call runs them
_global_forward_pre_hooks, _global_forward_hooks = {}, {}
_global_backward_pre_hooks, _global_backward_hooks = {}, {}
_global_with_kwargs, _global_always_call = {}, {}  # the forward hooks' flags, by handle id
_global_hook_ids = {}  # the ids of all of them: the plain call tests this one dict


def _register_global(hooks, hook, flags=()):
    h = RemovableHandle(hooks, hook, extra=(_global_hook_ids,) + tuple(flags))
    _global_hook_ids[h.id] = True
    return h


def register_module_forward_pre_hook(hook):
    """hook(module, args) -> None or new args, before every module's forward (and before its own pre hooks)."""
    return _register_global(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """hook(module, args, output) (with_kwargs: hook(module, args, kwargs, output)) after every module's forward,
    before its own hooks; a result that is not None replaces the output."""
    h = _register_global(_global_forward_hooks, hook, (_global_with_kwargs, _global_always_call))
    if with_kwargs:
        _global_with_kwargs[h.id] = True
    if always_call:
        _global_always_call[h.id] = True
    return h


def register_module_full_backward_pre_hook(hook):
    """hook(module, grad_output) for every module's call, before its own backward pre hooks."""
    return _register_global(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook):
    """hook(module, grad_input, grad_output) for every module's call, before its own backward hooks."""
    return _register_global(_global_backward_hooks, hook)


class Module(StateDictMixin):
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
        if not (self._forward_hooks or self._forward_pre_hooks or self._backward_hooks or self._backward_pre_hooks
                or _global_hook_ids):
            # a plain call when there are no keywords: forwarding an empty **kwargs costs ~60 ns more
            return self.forward(*args, **kwargs) if kwargs else self.forward(*args)
        d = self.__dict__
        pre, post = self._forward_pre_hooks, self._forward_hooks
        bw_pre, bw_post = self._backward_pre_hooks, self._backward_hooks
        kw, always = d.get("_forward_hooks_with_kwargs", {}), d.get("_forward_hooks_always_call", {})
        if _global_hook_ids:  # register_module_*_hook's: they run before the module's own, as torch's
            pre, post = {**_global_forward_pre_hooks, **pre}, {**_global_forward_hooks, **post}
            bw_pre, bw_post = {**_global_backward_pre_hooks, **bw_pre}, {**_global_backward_hooks, **bw_post}
            kw, always = {**_global_with_kwargs, **kw}, {**_global_always_call, **always}
        pre_kw = d.get("_forward_pre_hooks_with_kwargs", ())
        out, ran = None, set()  # ran: the forward hooks called so far (always_call ones don't run twice)
        try:
            for k, hook in list(pre.items()):
                if k in pre_kw:  # hook(module, args, kwargs) -> None or (new_args, new_kwargs)
                    args, kwargs = args_and_kwargs(hook(self, args, kwargs), args, kwargs, "forward pre-hook")
                    continue
                r = hook(self, args)
                if r is not None:
                    args = r if isinstance(r, tuple) else (r,)
            bw = None
            if bw_post or bw_pre:
                from ..hooks import BackwardHook
                bw = BackwardHook(self, bw_post, bw_pre)
                args = bw.setup_input_hook(args)
            out = self.forward(*args, **kwargs)
            for k, hook in list(post.items()):
                ran.add(k)
                r = hook(self, args, kwargs, out) if k in kw else hook(self, args, out)
                if r is not None:
                    out = r
            return out if bw is None else bw.setup_output_hook(out)
        except Exception:
            self._always_call_hooks(args, kwargs, out, post, kw, always, ran)
            raise

    def _always_call_hooks(self, args, kwargs, out, hooks, kw, always, ran):
        """a pre hook, forward or a forward hook raised: the forward hooks registered with always_call=True that
        have not run yet still run (with the output so far, None if forward did not return), as in torch; an
        exception of theirs is only warned about, so that the first one propagates."""
        for k, hook in list(hooks.items()):
            if k in always and k not in ran:
                try:
                    r = hook(self, args, kwargs, out) if k in kw else hook(self, args, out)
                    if r is not None:
                        out = r
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
        # torch's order: a name held by a parameter (or a module) takes only a Parameter (a Module) or None
        d = self.__dict__
        if isinstance(value, Parameter):
            self._check_init("parameters")
            self._drop(name, keep="_parameters")
            d["_parameters"][name] = value
        elif "_parameters" in d and name in d["_parameters"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(nn.Parameter or None expected)")
            d["_parameters"][name] = None
        elif isinstance(value, Module):
            self._check_init("module")
            self._drop(name, keep="_modules")
            d["_modules"][name] = value
        elif "_modules" in d and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(nn.Module or None expected)")
            d["_modules"][name] = None
        elif isinstance(value, Buffer):
            self.register_buffer(name, value, value.persistent)
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
            if mod._modules.get(part) is None:  # absent, or a child set to None
                raise AttributeError(f"get_submodule: {type(mod).__name__} has no submodule `{part}` "
                                     f"(looking up {target!r})")
            mod = mod._modules[part]
        return mod

    def set_submodule(self, target, module, strict=False):
        """Put `module` at the dotted path `target` (its parent must exist; strict: the old one too)."""
        if target == "":
            raise ValueError("set_submodule: cannot set the submodule without a target name")
        if not isinstance(module, Module):
            raise ValueError(f"set_submodule: `module` is not an nn.Module, found {type(module).__name__}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"set_submodule: {type(parent).__name__} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"set_submodule: `{name}` is not an nn.Module")
        setattr(parent, name, module)

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
            if self in memo:  # memo holds modules, as torch's (a caller may seed it)
                return
            memo.add(self)
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

    def _apply(self, fn, recurse=True):
        """torch's step under to() and the casts, for code that calls it: fn(tensor) -> tensor for every parameter,
        gradient and buffer. A parameter (and its gradient) keeps its object and takes the result's data; a buffer
        is replaced by the result, as torch."""
        with no_grad():
            for m in self.modules() if recurse else [self]:
                for p in m._parameters.values():
                    if p is not None:
                        p._data = fn(p)._data
                        if p.grad is not None:
                            p.grad._data = fn(p.grad)._data
                for name, b in m._buffers.items():
                    if b is not None:
                        m._buffers[name] = fn(b)
        return self

    def to_empty(self, *, device, recurse=True):
        """Parameters and buffers on `device`, with uninitialised values (to fill by init or load_state_dict)."""
        return self._apply(lambda t: empty_like(t, device=device), recurse=recurse)

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

    def share_memory(self):
        for t in list(self.parameters()) + list(self.buffers()):
            t.share_memory_()
        return self

    def cuda(self, device=None):
        return self.to("cuda")

    def type(self, dst_type):
        """Every parameter and buffer (and gradient) cast to dst_type, a dtype or a name like 'torch.DoubleTensor':
        the integer ones too, as torch (to() and double() cast only the floating point ones)."""
        def convert(a):
            return Tensor._wrap(a).type(dst_type)._data
        target = convert(np.zeros(0, np.float32)).dtype
        if not _can_require_grad(target) and any(p.requires_grad for p in self.parameters()):
            raise RuntimeError(f"Module.type: parameters that require grad must stay floating point or complex, "
                               f"got {dst_type}")
        return self._apply_arrays(convert)

    # ---- repr -------------------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"({name}): " + _indent(repr(m)) for name, m in self._modules.items()]
        extra = self.extra_repr()
        if not lines and "\n" not in extra:
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
