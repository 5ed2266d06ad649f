"""create_graph=True: a backward pass that is itself recorded as a graph, so its gradients can be differentiated
again (double backward: Hessian-vector products, gradient penalties, MAML).

The first-order pass (function.run_backward) works on raw arrays, with no graph, as fast as it can. This one walks
the same nodes but calls each node's backward_graph(g) instead: the same formulas written with Tensor operations,
on a Tensor gradient, with grad mode on, so every product and sum it makes is recorded. A node's saved values
enter that new graph through Function._input / Function._output, which give them back their place in the old
graph: d/dx of `g * y` reaches y's node, and from there x. Ops without a backward_graph raise and name themselves.

As in torch, create_graph keeps the graph (nothing is freed), a leaf's .grad becomes a Tensor with a grad_fn, and
gradients arriving at a leaf that already has one are added out of place."""
import math
from . import grad_mode
from .function import (Function, _FREED, check_nan, _check_unwritten, _prune, _topo_order, _unpack_saved,
                       _drop_unpacked, current_pass)
from .hooks import hook_state, checked_hook_result, run_node_prehooks, run_node_posthooks, reach, leaf_ranks

_state = grad_mode._state


def const(a):
    """Array a (a mask, a saved value no gradient flows back to) as a constant Tensor for a backward_graph."""
    from ..tensor import Tensor
    return Tensor._wrap(a)


def where(c, x, y):
    """teenygrad.where for a backward_graph; c may be the raw bool array forward saved."""
    from ..tensor_ops import where as _where
    return _where(c if hasattr(c, "_data") else const(c), x, y)


def sum_to(g, shape):
    """Tensor g summed down to `shape` (the shape it was broadcast from), recorded in the graph."""
    return g if tuple(g.shape) == tuple(shape) else g.sum_to_size(tuple(shape))


def run_backward_graph(root, grad, capture=None):
    """run_backward with create_graph=True: grad is a Tensor; each node's backward_graph makes the gradients of its
    inputs as Tensors recorded in the graph. capture as in run_backward (keys: nodes of non-leaf tensors, id()s of
    leaves), filled with Tensors."""
    with grad_mode.enable_grad():
        _run(root, grad, capture)


def _run(root, grad, capture):
    current_pass[:] = current_pass[0] + 1, reach(root, capture) if hook_state["multi"] else None
    if root._ctx is None:  # backward on a leaf itself
        if capture is None:
            _store(root, _leaf_hooks(root, grad))
        elif id(root) in capture:
            capture[id(root)] = _leaf_hooks(root, grad)
        return
    if root._ctx.parents is None:
        raise RuntimeError(_FREED)
    grads = {root._ctx: grad}
    writes = _state["writes"]
    anomaly = _state.get("anomaly")
    leaves = {}
    order = reversed(_topo_order(root._ctx))
    if capture is not None:
        order, live = _prune(order, capture)
    ranks = leaf_ranks(root._ctx) if hook_state["leaf"] and capture is None else None  # torch's leaf hook order
    for node in order:
        g = grads.pop(node, None)
        if g is None:
            continue
        kept = node.retained_by
        if kept is not None:
            g = _tensor_grad(node, kept, g)
        if capture is not None and node in capture:
            capture[node] = g
            if node not in live:
                continue
        parents = node.parents
        if parents is None:
            raise RuntimeError(_FREED)
        if node._packed is not None:
            _unpack_saved(node)
        if node.seen is not None and node.seen != writes:
            _check_unwritten(node, node.seen)
        if kept is not None and "_pre_hooks" in node.__dict__:  # grad_fn.register_prehook
            g = run_node_prehooks(node._pre_hooks, g, graph=True)
        in_grads = node.backward_graph(g)
        if node._packed is not None:
            _drop_unpacked(node)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        if kept is not None and "_post_hooks" in node.__dict__:  # grad_fn.register_hook
            in_grads = run_node_posthooks(node, in_grads, g, graph=True)
        if anomaly:
            check_nan(node, in_grads)
        for p, pg in zip(parents, in_grads):
            if pg is None:
                continue
            if isinstance(p, Function):
                prev = grads.get(p)
                grads[p] = pg if prev is None else prev + pg
            elif p.requires_grad:
                if tuple(pg.shape) != tuple(p._data.shape):
                    raise RuntimeError(f"{type(node).__name__}.backward_graph: gradient shape {tuple(pg.shape)} "
                                       f"!= input shape {tuple(p._data.shape)}")
                k = id(p)
                prev = leaves.get(k)
                leaves[k] = (p, pg) if prev is None else (p, prev[1] + pg)
    if ranks:
        last = (math.inf, 0)
        leaves = dict(sorted(leaves.items(), key=lambda e: ranks.get(e[0], last)))
    for k, (t, g) in leaves.items():
        if capture is not None:
            if k in capture:
                capture[k] = _leaf_hooks(t, g)
        else:
            _store(t, _leaf_hooks(t, g))


def _run_tensor_hooks(hooks, g):
    """g after each hook in turn (register_hook), recorded in the graph: a hook's arithmetic is differentiable here."""
    for fn in list(hooks.values()):
        out = checked_hook_result(fn, fn(g), g.shape, g._data.dtype)
        if out is not None:
            g = out
    return g


def _tensor_grad(node, t, g):
    hooks = node.__dict__.get("_grad_hooks")
    if hooks:
        g = _run_tensor_hooks(hooks, g)
    if t._retains_grad and t._ctx is node:
        _store(t, g)
    return g


def _leaf_hooks(t, g):
    hooks = t.__dict__.get("_grad_hooks") if hook_state["leaf"] else None
    return _run_tensor_hooks(hooks, g) if hooks else g


def _store(t, g):
    """Accumulate g into t.grad as torch does under create_graph: a fresh tensor in the graph (a clone: no .grad
    shares memory with another tensor), and out of place when t already has a gradient."""
    t._grad = g.clone() if t._grad is None else t._grad + g  # _grad: .grad warns on a non-leaf
    if t._ctx is None and hook_state["leaf"]:
        from .function import _after_accumulate
        _after_accumulate(t)


def recomputed_grads(node, values, fwd, g):
    """backward_graph by recomputation, for ops whose first-order backward reads values the forward computed on
    raw arrays (the LSTM and GRU scans' gate activations, grid_sample's kernels): the forward is run again with
    Tensor operations on the inputs as they stand in the graph, and its gradient taken with create_graph. values:
    each input's array as forward saw it; fwd(*tensors) -> the op's output as a Tensor. Each input that needs a gradient enters through a clone (its
    own node), so two inputs that are one tensor still get their gradients apart."""
    from .engine import grad  # engine imports this module
    n = node.needs_input_grad
    ins = [node._input(i, a).clone() if n[i] else const(a) for i, a in enumerate(values)]
    want = [i for i in range(len(ins)) if n[i]]
    got = grad(fwd(*ins), [ins[i] for i in want], g, create_graph=True, allow_unused=True)
    out = [None] * len(ins)
    for i, d in zip(want, got):
        out[i] = d
    return tuple(out)
