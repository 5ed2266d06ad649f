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

    @classmethod
    def apply(cls, *inputs, **kwargs):
        ctx = cls.__new__(cls)
        requires_grad = _state["enabled"] and any(t.requires_grad for t in inputs)
        ctx.needs_input_grad = [t.requires_grad for t in inputs] if requires_grad else None
        out = ctx.forward(*[t._data for t in inputs], **kwargs)
        if isinstance(out, _np.generic):  # numpy full reductions return scalars; keep 0-d arrays
            out = _np.asarray(out)
        t = Tensor.__new__(Tensor)
        t._data = out
        t.grad = None
        t._retains_grad = False
        if requires_grad:
            ctx.parents = inputs
            t.requires_grad = True
            t._ctx = ctx
        else:
            t.requires_grad = False
            t._ctx = None
        return t


def _topo_order(root):
    """Post-order DFS with an explicit stack: each tensor after every tensor it was computed from."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        ctx = t._ctx
        if ctx is not None and ctx.parents is not None:
            for p in ctx.parents:
                if p.requires_grad and id(p) not in seen:
                    stack.append((p, False))
    return order


def _accumulate_into_grad(t, g, stored):
    """Leaf/retained gradient: keep our own writable copy, never an alias of another tensor's grad."""
    if t.grad is None:
        if id(g) in stored or not g.flags.writeable or g.base is not None:
            g = g.copy()
        stored.add(id(g))
        t.grad = Tensor._wrap(g)
    else:
        t.grad._data = t.grad._data + g


def run_backward(root, grad, retain_graph=False):
    if root._ctx is not None and root._ctx.parents is None:
        raise RuntimeError(
            "backward: trying to backward through the graph a second time (its saved arrays were freed "
            "by the first backward); pass retain_graph=True to the first backward call")
    grads = {id(root): grad}
    stored = set()
    for t in reversed(_topo_order(root)):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        ctx = t._ctx
        if ctx is None:
            _accumulate_into_grad(t, g, stored)
            continue
        if t._retains_grad:
            _accumulate_into_grad(t, g, stored)
        if ctx.parents is None:
            raise RuntimeError(
                "backward: trying to backward through part of a graph that an earlier backward freed; "
                "pass retain_graph=True to the first backward call")
        in_grads = ctx.backward(g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        for p, pg in zip(ctx.parents, in_grads):
            if pg is None or not p.requires_grad:
                continue
            if pg.shape != p._data.shape:
                raise RuntimeError(f"{type(ctx).__name__}.backward: gradient shape {pg.shape} "
                                   f"!= input shape {p._data.shape}")
            k = id(p)
            prev = grads.get(k)
            grads[k] = pg if prev is None else prev + pg
        if not retain_graph:
            # a finished graph holds no memory: drop saved arrays and the links to inputs
            ctx.__dict__.clear()
            ctx.parents = None


Tensor = None  # set by teenygrad.tensor once the class exists (tensor.py imports this module)
