"""Module's state dict: state_dict() walks the tree (parameters, persistent buffers and a module's extra state, under
dotted names) and load_state_dict() copies a dict back in, checking names and shapes first. Both run their hooks where
torch runs them. Module inherits these from StateDictMixin."""
import collections
import numpy as np
from ...tensor import Tensor, _move
from ..parameter import Parameter, is_lazy
from .lazy import LazyModuleMixin
from ...autograd.hooks import RemovableHandle

_EXTRA_STATE = "_extra_state"  # the key of get_extra_state()'s value, after the module's prefix


class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self):  # torch's words when nothing is off
        return "<All keys matched successfully>" if not (self.missing_keys or self.unexpected_keys) else \
            super().__repr__()

    __str__ = __repr__


class StateDictMixin:
    _version = 1  # the format of a module's entries, saved in state_dict()._metadata (BatchNorm's is 2, as torch's)

    def get_extra_state(self):
        """Override (with set_extra_state) to save a picklable value of the module's own in its state dict."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called. Please "
                           "override get_extra_state() in your module to return its extra state.")

    def set_extra_state(self, state):
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called. Please "
                           "override set_extra_state() in your module to load its extra state.")

    def _has_extra_state(self, method):
        return getattr(type(self), method) is not getattr(StateDictMixin, method)

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """name -> tensor sharing memory with the parameter/buffer (detached unless keep_vars), in torch's order: a
        module's parameters, buffers and extra state, then its children's. Pre hooks run before a module's entries,
        post hooks after its children's."""
        out = destination
        if out is None:
            out = collections.OrderedDict()
            out._metadata = collections.OrderedDict()  # module path -> {"version": ...}, which loaders read
        local_metadata = {"version": self._version}
        if hasattr(out, "_metadata"):
            out._metadata[prefix[:-1]] = local_metadata
        hooks = self.__dict__.get("_state_dict_hooks")
        for hook in list(self.__dict__.get("_state_dict_pre_hooks", {}).values()):
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(out, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=out, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in list((hooks or {}).values()):
            r = hook(self, out, prefix, local_metadata)
            if r is not None:  # torch's private form may hand back a new dict
                out = r
        return out

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        """The module's own entries (not its children's), which a subclass may override as in torch."""
        for table in ("_parameters", "_buffers"):
            for name, v in self.__dict__[table].items():
                if v is not None and name not in self._non_persistent_buffers_set:
                    # an uninitialised (lazy) tensor is kept as itself, as torch
                    destination[prefix + name] = v if keep_vars or is_lazy(v) else Tensor._wrap(v._data)
        if self._has_extra_state("get_extra_state"):
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()

    def register_state_dict_pre_hook(self, hook):
        """hook(module, prefix, keep_vars) before state_dict() saves the module's entries."""
        return RemovableHandle(self.__dict__.setdefault("_state_dict_pre_hooks", {}), hook)

    def register_state_dict_post_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata) after the module's (and its children's) entries are
        saved; it may edit state_dict in place and must return None."""
        def checked(*args):
            if hook(*args) is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return RemovableHandle(self.__dict__.setdefault("_state_dict_hooks", {}), checked)

    def _register_state_dict_hook(self, hook):
        """torch's older form of the post hook: a result that is not None replaces the state dict."""
        return RemovableHandle(self.__dict__.setdefault("_state_dict_hooks", {}), hook)

    def _own_state(self, skip=()):
        """key -> (module, name, tensor) of every entry load_state_dict() fills: parameters and persistent buffers,
        and the extra state of a module that overrides set_extra_state (name and tensor None), in state_dict()'s
        order. skip: the prefixes of modules that load their own entries."""
        own = {}
        for mprefix, m in self.named_modules(remove_duplicate=False):
            p = mprefix + "." if mprefix else ""
            if p in skip:
                continue
            for table in ("_parameters", "_buffers"):
                for name, v in m.__dict__[table].items():
                    if v is not None and name not in m._non_persistent_buffers_set:
                        own[p + name] = (m, name, v)
            if m._has_extra_state("set_extra_state"):
                own[p + _EXTRA_STATE] = (m, None, None)
        return own

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values into the existing tensors. Shape mismatches always raise, before anything is copied (but what
        a module's own _load_from_state_dict copied); with strict, missing and unexpected keys raise too (one error
        listing all of them). Load hooks run as torch's: the pre hooks first (on a copy of state_dict, which they
        may rewrite), the post hooks after the copy, and they may edit the missing/unexpected lists before strict
        looks at them."""
        mods = list(self.named_modules(remove_duplicate=False))
        hooked_pre = [(p, m) for p, m in mods if m.__dict__.get("_load_state_dict_pre_hooks")]
        hooked_post = [m for _, m in mods if m.__dict__.get("_load_state_dict_post_hooks")]
        # modules whose class overrides _load_from_state_dict load their own entries first, as torch's do (copying
        # as they go; parents first, so that they may rename their children's keys)
        custom = {(p + "." if p else ""): m for p, m in mods
                  if type(m)._load_from_state_dict is not StateDictMixin._load_from_state_dict}
        errors, missing, unexpected = [], [], []
        if hooked_pre or custom:  # on a copy of state_dict, which they may rewrite
            state_dict = self._run_load_pre_hooks(hooked_pre, state_dict, strict, missing, unexpected, errors)
        meta = getattr(state_dict, "_metadata", None) or {}
        for p, m in custom.items():
            local = dict(meta.get(p[:-1], {}))
            if assign:
                local["assign_to_params_buffers"] = True
            m._load_from_state_dict(state_dict, p, local, True, missing, unexpected, errors)
        own = self._own_state(skip=custom)
        missing += [k for k in own if k not in state_dict]
        if missing:
            optional = self._optional_state_keys(state_dict)
            missing = [k for k in missing if k not in optional]
        unexpected += _in_walk_order([k for k in state_dict if k not in own and not _local_to(k, custom)], mods)
        for k, (_, name, t) in own.items():
            if k not in state_dict or name is None or is_lazy(t):  # a lazy parameter takes the checkpoint's shape
                continue
            v = state_dict[k]
            if _not_tensor_like(k, v, errors):
                continue
            shape = tuple(v.shape) if hasattr(v, "shape") else np.shape(v)
            if shape != t.shape:
                errors.append(f"size mismatch for {k}: copying a param with shape {shape} from checkpoint, "
                              f"the shape in current model is {tuple(t.shape)}.")
        if errors or (strict and not hooked_post and (missing or unexpected)):
            self._raise_load_errors(strict, missing, unexpected, errors)
        for mprefix, m in mods:  # nothing failed: lazy tensors take shapes
            if isinstance(m, LazyModuleMixin):
                m._lazy_load_hook(state_dict, mprefix + "." if mprefix else "")
        for k, (m, name, t) in own.items():
            if k not in state_dict:
                continue
            if name is None:
                m.set_extra_state(state_dict[k])
            elif not is_lazy(t):  # still lazy: the checkpoint's was lazy too (as torch, no copy)
                _copy_entry(m, name, t, state_dict[k], assign)
        result = _IncompatibleKeys(missing, unexpected)
        for m in reversed(hooked_post):  # children before their parents, as torch
            for hook in list(m._load_state_dict_post_hooks.values()):
                if hook(m, result) is not None:
                    raise AssertionError("load_state_dict: a load_state_dict post hook should return None, modifying "
                                         "incompatible_keys in place")
        if strict and (missing or unexpected):
            self._raise_load_errors(strict, missing, unexpected, [])
        return result

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        """This module's own entries (not its children's) from state_dict: torch's protocol, for a subclass to
        override (to rename or drop keys, say) and call. It copies as it goes, as torch's: a shape mismatch goes to
        error_msgs, an absent key to missing_keys, a key under prefix naming none of its entries to unexpected_keys
        (load_state_dict has run the load pre hooks already, and reports keys of absent children itself)."""
        assign = local_metadata.get("assign_to_params_buffers", False)
        optional = self.__dict__.get("_optional_state", ()) if (local_metadata.get("version") or 0) < 2 else ()
        local = {name: t for table in ("_parameters", "_buffers") for name, t in self.__dict__[table].items()
                 if t is not None and name not in self._non_persistent_buffers_set}
        for name, t in local.items():
            key = prefix + name
            if key not in state_dict:
                if strict and name not in optional:
                    missing_keys.append(key)
                continue
            v = state_dict[key]
            if _not_tensor_like(key, v, error_msgs):
                continue
            shape = tuple(v.shape) if hasattr(v, "shape") else np.shape(v)
            if not is_lazy(t) and shape != tuple(t.shape):
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {shape} from checkpoint, "
                                  f"the shape in current model is {tuple(t.shape)}.")
            elif not is_lazy(t):
                _copy_entry(self, name, t, v, assign)
        extra = prefix + _EXTRA_STATE
        if self._has_extra_state("set_extra_state"):
            if extra in state_dict:
                self.set_extra_state(state_dict[extra])
            elif strict:
                missing_keys.append(extra)
        elif strict and extra in state_dict:
            unexpected_keys.append(extra)
        if strict:
            unexpected_keys += [k for k in state_dict if k != extra and _local_to(k, (prefix,))
                                and k[len(prefix):] not in local]

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


def _not_tensor_like(key, v, errors):
    """A checkpoint entry that is no tensor or array (a list, a number) goes to errors, in torch's words."""
    if isinstance(v, Tensor) or hasattr(v, "__array__"):
        return False
    errors.append(f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like object from '
                  f"checkpoint but received {type(v)}")
    return True


def _in_walk_order(keys, mods):
    """Unexpected keys in torch's order: by the module that reports each (the deepest one on its dotted path, as
    torch's walk meets the modules, parents first), then as the state dict lists them."""
    walk = {}
    for i, (p, _) in enumerate(mods):
        walk.setdefault(p + "." if p else "", i)

    def reporter(k):
        parts = k.split(".")
        return max(walk.get(".".join(parts[:j]) + "." if j else "", 0) for j in range(len(parts)))
    return sorted(keys, key=reporter)


def _local_to(key, prefixes):
    """Whether key names an entry of a module at one of prefixes itself (not of a child)."""
    return any(key.startswith(p) and "." not in key[len(p):] for p in prefixes)


def _copy_entry(m, name, t, v, assign):
    """Checkpoint value v into module m's tensor t (its entry `name`): into t's memory, or (assign) as itself."""
    a = v._data if isinstance(v, Tensor) else np.asarray(v)
    if type(a) is not type(t._data):
        a = _move(a, t.device)
    if assign:
        _assign_state(m, name, t, v if isinstance(v, Tensor) and type(a) is type(v._data) else Tensor._wrap(a))
    else:
        t._data[...] = a
        t._mark_written()


def _assign_state(m, name, old, v):
    """load_state_dict(assign=True): module m takes the checkpoint's tensor itself (its dtype and memory, no grad), as
    torch; a parameter becomes a Parameter on that memory, keeping the old one's requires_grad."""
    if name in m._parameters:
        if isinstance(v, Parameter):
            v.requires_grad_(old.requires_grad)
        else:
            v = Parameter(v, requires_grad=old.requires_grad)
        m._parameters[name] = v
    else:
        m._buffers[name] = v
