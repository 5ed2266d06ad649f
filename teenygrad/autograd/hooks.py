"""Tensor.register_hook: functions run on a tensor's gradient during backward, each free to replace it. A leaf's
hooks live on the tensor and see its summed gradient just before it goes into .grad; a non-leaf's live on the
graph node that made it (so an in-place op that rebinds the tensor leaves them with the value they were for)."""
import itertools
from . import grad_mode

_state = grad_mode._state
hook_state = {"leaf": False}  # set once a leaf has a hook (of either kind): until then backward looks for none
_ids = itertools.count()


class RemovableHandle:
    """What register_hook returns: handle.remove() unregisters the hook (also on leaving a `with` block)."""

    def __init__(self, hooks, fn, extra=(), prepend=False):
        self.id = next(_ids)
        self._hooks = hooks
        self._extra = extra  # dicts of per-hook flags (Module's with_kwargs, always_call) to forget it in too
        hooks[self.id] = fn  # dicts keep insertion order: hooks run in the order they were registered
        if prepend:  # first in line instead: rebuilt in place, since the owner holds this dict
            rest = [(k, v) for k, v in hooks.items() if k != self.id]
            hooks.clear()
            hooks[self.id] = fn
            hooks.update(rest)

    def remove(self):
        self._hooks.pop(self.id, None)
        for d in self._extra:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_hook(t, fn):
    if not callable(fn):
        raise TypeError(f"register_hook: expected a callable hook, got {type(fn).__name__}")
    if not t.requires_grad:
        raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
    node = t._ctx
    if node is None:
        hook_state["leaf"] = True
        hooks = t.__dict__.setdefault("_grad_hooks", {})
    else:
        hooks = node.__dict__.setdefault("_grad_hooks", {})
        if node.retained_by is None:
            node.retained_by = t  # backward looks for hooks only on nodes that have this set
    return RemovableHandle(hooks, fn)


def register_post_accumulate_grad_hook(t, fn):
    """hook(t) runs once backward has accumulated leaf t's gradient into t.grad (run_backward; not for autograd.grad,
    which stores no .grad). Shares the leaf-hook flag: until a leaf has a hook, backward looks for none."""
    op = "register_post_accumulate_grad_hook"
    if not callable(fn):
        raise TypeError(f"{op}: expected a callable hook, got {type(fn).__name__}")
    if not t.requires_grad:
        raise RuntimeError(f"{op}: cannot register a hook on a tensor that doesn't require gradient")
    if t._ctx is not None:
        raise RuntimeError(f"{op}: post accumulate grad hooks cannot be registered on non-leaf tensors")
    hook_state["leaf"] = True
    return RemovableHandle(t.__dict__.setdefault("_post_grad_hooks", {}), fn)


def run_post_accumulate_hooks(hooks, t):
    """Each hook in turn on leaf t, whose .grad now holds its accumulated gradient; a hook returns nothing."""
    with grad_mode.no_grad():
        for fn in list(hooks.values()):  # a hook may remove itself
            out = fn(t)
            if out is not None:
                raise TypeError(f"post accumulate grad hook '{_name(fn)}' returned {type(out).__name__}; expected "
                                "None")


def run_hooks(hooks, g):
    """g (an array) after each hook in turn, as Tensors; a hook that returns None leaves it as it is."""
    from ..tensor import Tensor
    with grad_mode.no_grad():  # a hook's arithmetic is not part of any graph
        for fn in list(hooks.values()):  # a hook may remove itself
            out = checked_hook_result(fn, fn(Tensor._wrap(g)), g.shape, g.dtype)
            if out is not None:
                g = out._data.copy()  # a copy: the hook's tensor must not become (part of) a .grad
    return g


def checked_hook_result(fn, out, shape, dtype=None):
    """What hook fn returned for a gradient of `shape` (and `dtype`): None or a Tensor of that shape and dtype, as
    torch requires."""
    from ..tensor import Tensor
    if out is not None and not isinstance(out, Tensor):
        raise TypeError(f"hook '{_name(fn)}' returned {type(out).__name__}; expected a Tensor or None")
    if out is not None and tuple(out.shape) != tuple(shape):
        raise RuntimeError(f"hook '{_name(fn)}' has changed the size of value: gradient of shape "
                           f"{tuple(shape)}, hook returned {tuple(out.shape)}")
    if out is not None and dtype is not None and out._data.dtype != dtype:
        raise RuntimeError(f"hook '{_name(fn)}' has changed the type of value (was {dtype} got {out.dtype}); "
                           f"return the gradient in its own dtype")
    return out


def _name(fn):
    return getattr(fn, "__name__", type(fn).__name__)
