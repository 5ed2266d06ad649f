"""Tensor.register_hook: functions run on a tensor's gradient during backward, each free to replace it. A leaf's
hooks live on the tensor and see its summed gradient just before it goes into .grad; a non-leaf's live on the
graph node that made it (so an in-place op that rebinds the tensor leaves them with the value they were for).
grad_fn.register_prehook / register_hook: torch's Node hooks, run on a node's gradients before and after its
backward."""
import itertools
from . import grad_mode

_state = grad_mode._state
hook_state = {"leaf": False, "multi": 0}  # leaf: set once a leaf has a hook (of either kind): until then backward
# looks for none; multi: register_multi_grad_hook's hooks in place, for which backward works out what a pass reaches
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


def args_and_kwargs(result, args, kwargs, what):
    """What a hook that may replace a call's arguments (a module's forward pre-hook with_kwargs, an optimizer's step
    pre hook) returned: None keeps (args, kwargs); anything but a pair (new_args, new_kwargs) is refused."""
    if result is None:
        return args, kwargs
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(f"{what} must return None or a tuple of (new_args, new_kwargs), but got {result!r}")
    return result


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
        if node.retained_by is None or node.retained_by is NO_OUTPUT:
            node.retained_by = t  # backward looks for hooks only on nodes that have this set
    return RemovableHandle(hooks, fn)


class _NoOutput:
    """What a node with Node hooks but no hooked or retained output tensor keeps as `retained_by`: backward looks for
    hooks only on nodes that have it set, and there is no .grad to retain."""
    _retains_grad = False


NO_OUTPUT = _NoOutput()


def register_node_hook(node, kind, fn):
    """grad_fn.register_prehook (kind "_pre_hooks") or register_hook ("_post_hooks")"""
    if not callable(fn):
        raise TypeError(f"register_hook: expected a callable hook, got {type(fn).__name__}")
    if node.retained_by is None:
        node.retained_by = NO_OUTPUT
    return RemovableHandle(node.__dict__.setdefault(kind, {}), fn)


def _as_tensors(grads):
    """Gradients as a Node hook sees them: Tensors (a create_graph pass's already are) or None."""
    from ..tensor import Tensor
    return tuple(g if g is None or isinstance(g, Tensor) else Tensor._wrap(g.dense() if hasattr(g, "dense") else g)
                 for g in grads)


def _unshared(grads):
    """Copies of the gradient arrays that the last hook was handed and may keep: a .grad that one of them becomes
    accumulates in place, which must not change the hook's tensor (torch copies a gradient held elsewhere)."""
    return tuple(g if g is None or not hasattr(g, "copy") else g.copy() for g in grads)


def _hook_grads(fn, out, like, graph):
    """A Node hook's returned gradients (a tuple like `like`, Tensors or None), checked as torch checks them: arrays
    for a first-order pass, Tensors (recorded) for a create_graph one."""
    if not isinstance(out, (tuple, list)) or len(out) != len(like):
        raise RuntimeError(f"hook '{_name(fn)}' returned {type(out).__name__}; expected None or a tuple of "
                           f"{len(like)} gradients")
    out = [None if o is None else checked_hook_result(fn, o, o.shape if like[i] is None else like[i].shape)
           for i, o in enumerate(out)]
    return tuple(o if o is None or graph else o._data.copy() for o in out)  # a copy: no .grad aliases the hook's


def run_node_prehooks(hooks, g, graph=False):
    """g (a node's incoming gradient: an array, a Tensor under create_graph, or a multi-output custom Function's
    _OutputGrads of them) after each prehook(grad_outputs) in turn; a hook that returns None leaves it as it is."""
    multi = hasattr(g, "grads")
    outs = tuple(g.grads) if multi else (g,)
    kept = False  # the last hook was handed outs and may keep them
    with grad_mode.set_grad_enabled(graph):
        for fn in list(hooks.values()):  # a hook may remove itself
            new = fn(_as_tensors(outs))
            kept = new is None
            if not kept:
                outs = _hook_grads(fn, new, outs, graph)
    if kept and not graph:
        outs = _unshared(outs)
    if not multi:
        return outs[0]
    g.grads = list(outs)
    return g


def run_node_posthooks(node, grad_inputs, g, graph=False):
    """grad_inputs (node's backward results, one per input) after each hook(grad_inputs, grad_outputs) of node in
    turn; a hook that returns None leaves them as they are. Inputs that need no gradient show None, as in torch."""
    from .torch_names import torch_slots
    need = node.needs_input_grad
    grad_inputs = tuple(gi if n else None for gi, n in zip(grad_inputs, need))
    slots = torch_slots(node)  # the hooks see grad_inputs in next_functions' order (torch's), as torch's hooks do
    shown = grad_inputs if slots is None else tuple(None if j is None else grad_inputs[j] for j in slots)
    outs = tuple(g.grads) if hasattr(g, "grads") else (g,)
    kept = False
    with grad_mode.set_grad_enabled(graph):
        for fn in list(node._post_hooks.values()):
            new = fn(_as_tensors(shown), _as_tensors(outs))
            kept = new is None
            if not kept:
                shown = _hook_grads(fn, new, shown, graph)
    if slots is not None:  # back to the parents' order (the parents torch's node leaves out take no gradient)
        grad_inputs = [None] * len(grad_inputs)
        for k, j in enumerate(slots):
            if j is not None:
                grad_inputs[j] = shown[k]
        shown = tuple(grad_inputs)
    return _unshared(shown) if kept and not graph else shown


class _Handles:
    """register_multi_grad_hook's handle: remove() unregisters the hook it put on each tensor."""

    def __init__(self, handles):
        self.handles = handles
        hook_state["multi"] += 1

    def remove(self):
        if self.handles:
            hook_state["multi"] -= 1
        for h in self.handles:
            h.remove()
        self.handles = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """autograd.graph.register_multi_grad_hook: once per backward pass, mode "all" calls fn(grads) when the gradient
    of every one of tensors that the pass reaches has been computed (a list, None for those it doesn't reach);
    mode "any" calls fn(grad) with the first one computed. A hook on each tensor counts them (function.current_pass
    tells the passes apart)."""
    from .function import current_pass
    if mode not in ("all", "any"):
        raise ValueError(f"register_multi_grad_hook: expected mode to be 'all' or 'any', got {mode!r}")
    tensors = tuple(tensors)
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(f"register_multi_grad_hook: tensor {i} does not require grad")
    state = {}  # this pass's number -> [gradients so far, how many more to wait for]

    def hook_for(i):
        def hook(g):
            n = current_pass[0]
            if n not in state:
                state.clear()  # an earlier pass's leftovers: its unreached tensors never called
                nodes, leaves = current_pass[1]
                state[n] = [[None] * len(tensors), sum(t._ctx in nodes if t._ctx is not None else id(t) in leaves
                                                        for t in tensors)]
                if mode == "any":
                    fn(g)
            if mode == "all":
                got = state[n]
                got[0][i] = g
                got[1] -= 1
                if got[1] == 0:
                    fn(got[0])
        return hook
    return _Handles([register_hook(t, hook_for(i)) for i, t in enumerate(tensors)])


def reach(root, capture):
    """What the backward pass from root (capturing `capture`, as run_backward) computes gradients for: the set of
    its graph nodes, and the set of the ids of its leaves."""
    from .function import Function, _prune, _topo_order
    if root._ctx is None:
        return set(), {id(root)}
    order = reversed(_topo_order(root._ctx))
    if capture is not None:
        order, _ = _prune(order, capture)
    nodes = set(order)
    leaves = {id(p) for node in nodes for p in node.parents or () if not isinstance(p, Function)}
    return nodes, leaves if capture is None else {k for k in leaves if k in capture}


def leaf_ranks(root):
    """{id(leaf): rank}, the order in which torch's engine completes the leaves' gradients and so runs their hooks
    (run_backward stores them in it once any leaf has a hook). Its CPU queue runs the newest node first (by sequence
    number), a leaf's AccumulateGrad as soon as the last node using the leaf has run, and a node's leaves in its
    next_functions order (a Linear's weight, which torch reaches through a transpose node, after its bias: bias,
    weight, then the layer below). teenygrad's nodes carry no sequence number: a DFS that takes each node's later
    inputs first stands in for it (in a * b, b was made later, as a rule)."""
    from .function import Function  # (function.py imports this module)
    from .torch_names import torch_slots
    order, seen = [], set()
    stack = [(root, False)]
    push, pop = stack.append, stack.pop
    while stack:
        node, done = pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        push((node, True))
        for p in reversed(node.parents or ()):
            if isinstance(p, Function) and p not in seen:
                push((p, False))
    ranks = {}
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        parents = node.parents or ()
        for p in parents:
            if not isinstance(p, Function) and p._requires_grad:
                break
        else:
            continue  # no leaf that takes a gradient here
        slots = torch_slots(node)
        if slots is not None and max((k for k in slots if k is not None), default=-1) < len(parents):
            parents = [parents[k] for k in slots if k is not None]  # (a graph-backward node has its own inputs)
        rank = len(order) - i
        for j, p in enumerate(parents):
            if not isinstance(p, Function) and p._requires_grad:
                ranks[id(p)] = (rank, j)  # a later user of the leaf overrides: its gradient is complete there
    return ranks


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
    kept = False  # the last hook was handed g and may keep it: g must not become a .grad (it accumulates in place)
    with grad_mode.no_grad():  # a hook's arithmetic is not part of any graph
        for fn in list(hooks.values()):  # a hook may remove itself
            out = checked_hook_result(fn, fn(Tensor._wrap(g)), g.shape, g.dtype)
            kept = out is None
            if not kept:
                g = out._data.copy()  # a copy: the hook's tensor must not become (part of) a .grad
    return g.copy() if kept else g


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
