"""Function: one differentiable op. The graph is made of Function instances (ctx) hanging off their
output tensors; backward walks it in reverse topological order without recursion."""
import numpy as _np
from . import grad_mode

_state = grad_mode._state


class Function:
    """Subclasses define forward(*arrays, **kw) -> array and backward(grad) -> grad or tuple of grads
    (one per tensor input, None where no gradient flows). Both work on raw backend arrays."""

    def forward(self, *args, **kwargs):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    retained_by = None  # the output tensor, when Tensor.retain_grad asks backward to keep its gradient

    @classmethod
    def apply(cls, *inputs, **kwargs):
        ctx = cls.__new__(cls)
        requires_grad = False
        if _state["enabled"]:
            for t in inputs:  # a plain loop: any(genexpr) costs a generator per op, and this runs for every op
                if t.requires_grad:
                    requires_grad = True
                    break
        ctx.needs_input_grad = [t.requires_grad for t in inputs] if requires_grad else None
        try:
            if len(inputs) == 1:  # the common arities without building an argument list
                out = ctx.forward(inputs[0]._data, **kwargs)
            elif len(inputs) == 2:
                out = ctx.forward(inputs[0]._data, inputs[1]._data, **kwargs)
            else:
                out = ctx.forward(*[t._data for t in inputs], **kwargs)
        except ValueError as e:  # numpy's shape errors; torch raises RuntimeError, and we name the op
            shapes = ", ".join(str(tuple(t.shape)) for t in inputs)
            raise RuntimeError(f"{cls.__name__.lower()}: {e} (input shapes {shapes})") from None
        except TypeError:  # cupy (and numpy) refuse to mix host and GPU arrays: say which tensors did
            devices = ["cpu" if type(t._data) is _np.ndarray else "cuda" for t in inputs]
            if len(set(devices)) > 1:
                raise RuntimeError(f"{cls.__name__.lower()}: expected all tensors to be on the same device, but "
                                   f"found {' and '.join(dict.fromkeys(devices))}") from None
            raise
        if type(out) is not _np.ndarray and isinstance(out, _np.generic):  # numpy full reductions return scalars
            out = _np.asarray(out)
        t = Tensor.__new__(Tensor)
        t._data = out
        t.grad = None
        t._retains_grad = False
        if requires_grad:
            # parents are graph nodes fixed now: each input's Function, or the tensor itself for a leaf.
            # A later in-place op rebinds the input's _ctx, but this op's gradient still reaches the old node.
            ctx.parents = [x._ctx or x for x in inputs]
            t.requires_grad = True
            t._ctx = ctx
        else:
            t.requires_grad = False
            t._ctx = None
        return t


def _topo_order(root):
    """Post-order DFS with an explicit stack: each Function node after every node it was computed from.
    Leaf tensors are not visited: they have no parents, so run_backward fills them in at the end."""
    order, seen = [], set()
    stack = [(root, False)]
    push, pop = stack.append, stack.pop  # bound once: this loop runs once per graph node
    while stack:
        node, done = pop()
        if done:
            order.append(node)
            continue
        if node in seen:  # marked when expanded, not when pushed: that keeps the post-order exact
            continue
        seen.add(node)  # Function nodes only, hashed by identity (no id() calls needed)
        push((node, True))
        for p in node.parents or ():  # None: freed by an earlier backward (reported when it is reached)
            if isinstance(p, Function) and p not in seen:
                push((p, False))
    return order


def _accumulate_into_grad(t, g, stored):
    """Leaf/retained gradient: keep our own writable copy, never an alias of another tensor's grad."""
    if t.grad is None:
        if g.base is not None or id(g) in stored or not g.flags.writeable:  # cheapest test first
            g = g.copy()
        stored.add(id(g))
        t.grad = Tensor._wrap(g)
    else:
        t.grad._data = t.grad._data + g


_FREED = ("backward: trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed): an earlier backward freed its saved arrays; pass "
          "retain_graph=True to the first backward call")


def run_backward(root, grad, retain_graph=False):
    if root._ctx is None:  # backward on a leaf itself
        _accumulate_into_grad(root, grad, set())
        return
    if root._ctx.parents is None:
        raise RuntimeError(_FREED)
    grads = {id(root._ctx): grad}
    leaves, stored = {}, set()
    for node in reversed(_topo_order(root._ctx)):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        kept = node.retained_by  # set by Tensor.retain_grad on the node's output
        if kept is not None:
            _accumulate_into_grad(kept, g, stored)
        parents = node.parents
        if parents is None:
            raise RuntimeError(_FREED)
        in_grads = node.backward(g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        for p, pg in zip(parents, in_grads):
            if pg is None:
                continue
            k = id(p)
            if not isinstance(p, Function):  # a leaf tensor: collect now, store once every path has arrived
                if not p.requires_grad:
                    continue
                if pg.shape != p._data.shape:
                    raise RuntimeError(f"{type(node).__name__}.backward: gradient shape {pg.shape} "
                                       f"!= input shape {p._data.shape}")
                leaves[k] = p
            prev = grads.get(k)
            grads[k] = pg if prev is None else prev + pg
        if not retain_graph:
            # a finished graph holds no memory: drop saved arrays and the links to inputs
            node.__dict__.clear()
            node.parents = None
    for k, t in leaves.items():
        _accumulate_into_grad(t, grads[k], stored)


Tensor = None  # set by teenygrad.tensor once the class exists (tensor.py imports this module)
