"""torch.utils.checkpoint: trade compute for memory. A checkpointed function keeps none of its activations for
backward; backward runs it again (with the random-number state it first saw, so dropout draws the same masks) and
backpropagates through that fresh graph.

How it sits in the graph: one node whose parents are the function's tensor inputs and every leaf tensor the
function reads that requires grad (the parameters of the layers it calls). They are found by running the forward
once with a graph and walking it; that graph is dropped at once, so its activations never outlive the call. The
gradients of the parameters therefore flow through the engine like any other: .backward(), autograd.grad with
respect to the parameters, and create_graph=True all work (torch's use_reentrant=False semantics; use_reentrant only
decides whether keyword arguments for the function are refused, as torch's reentrant variant refuses them). The output
may hold its Tensors inside tuples, lists and dicts, beside other values."""
from ..autograd import Function, grad as _grad
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from .. import random as _random
from ._pytree import tree_leaves, tree_map

__all__ = ["checkpoint", "checkpoint_sequential"]


def _graph_leaves(outs, skip):
    """The leaf tensors that require grad below the graphs of outs, each once, skipping those whose id is in skip."""
    from ..autograd.function import _topo_order
    found = {}
    for o in outs:
        for node in _topo_order(o._ctx) if o._ctx is not None else ():
            for p in node.parents or ():
                if not isinstance(p, Function) and p.requires_grad and id(p) not in skip:
                    found.setdefault(id(p), p)
    return list(found.values())


def _tensors_in(out):
    """The Tensors of a function's output, in order: the output itself, or those inside its tuples, lists and dicts
    (anything else there, None or an int, is passed through as torch's use_reentrant=False does)."""
    from ..tensor import Tensor
    return [t for t in tree_leaves(out) if isinstance(t, Tensor)]


def _with_tensors(out, tensors):
    """out with its Tensors (as _tensors_in finds them) replaced, in order, by those of the iterator tensors."""
    from ..tensor import Tensor
    return tree_map(lambda t: next(tensors) if isinstance(t, Tensor) else t, out)


class _Checkpoint(Function):
    """forward: the values of the discovery run. backward: run the function again and differentiate that."""

    @staticmethod
    def forward(ctx, run, rng_state, n_inputs, values, *tensors):
        ctx.run, ctx.rng_state = run, rng_state
        ctx.save_for_backward(*tensors[:n_inputs])
        ctx.leaves = tensors[n_inputs:]
        return values if len(values) > 1 else values[0]

    @staticmethod
    def backward(ctx, *grads):
        inputs = ctx.saved_tensors
        graph = is_grad_enabled()  # on under create_graph=True (the engine's graph backward), off otherwise
        # first order: fresh leaves for the inputs; under create_graph the inputs themselves, so that the gradients
        # stay differentiable in whatever made them
        xs = [x if graph or not x.requires_grad else x.detach().requires_grad_(True) for x in inputs]
        with _random.fork_rng(enabled=ctx.rng_state is not None), enable_grad():
            if ctx.rng_state is not None:
                _random.set_rng_state(ctx.rng_state)
            outs = _tensors_in(ctx.run(*xs))
        wrt = [x for x in xs if x.requires_grad] + list(ctx.leaves)
        pairs = [(o, g) for o, g in zip(outs, grads) if o.requires_grad and g is not None]
        got = [None] * len(wrt)
        if pairs and wrt:
            got = list(_grad([o for o, _ in pairs], wrt, [g for _, g in pairs], allow_unused=True, create_graph=graph))
        per_input = [got.pop(0) if x.requires_grad else None for x in xs]
        return (None, None, None, None, *per_input, *got)


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    """function(*args, **kwargs), keeping no activations for backward (see the module docstring). Tensor arguments
    may be positional only, as in torch's use_reentrant=False."""
    from ..tensor import Tensor
    if context_fn is not None:
        raise NotImplementedError("checkpoint: context_fn is not supported")
    if kwargs and use_reentrant is not False:  # torch's reentrant variant (its default) takes none
        raise ValueError(f"checkpoint: unexpected keyword arguments {', '.join(kwargs)} (they need "
                         f"use_reentrant=False)")
    if not is_grad_enabled():  # nothing to save: a plain call
        return function(*args, **kwargs)
    rng_state = _random.get_rng_state() if preserve_rng_state else None
    tensors = [a for a in args if isinstance(a, Tensor)]

    def run(*xs):
        it = iter(xs)
        return function(*[next(it) if isinstance(a, Tensor) else a for a in args], **kwargs)

    # discovery: run once with a graph on stand-ins for the inputs, note the leaves it reads, drop the graph
    stand_ins = [t.detach().requires_grad_(t.requires_grad) for t in tensors]
    with enable_grad():
        out = run(*stand_ins)
    outs = _tensors_in(out)
    leaves = _graph_leaves(outs, {id(s) for s in stand_ins})
    values = tuple(o.detach() for o in outs)
    needs_grad = [o.requires_grad for o in outs]  # as torch: an output that reads no input and no parameter has none
    out = _with_tensors(out, iter(values))  # the output's structure, holding no activations
    del outs, stand_ins
    if not any(needs_grad):
        return out
    got = _Checkpoint.apply(run, rng_state, len(tensors), values, *tensors, *leaves)
    got = got if len(values) > 1 else (got,)
    return _with_tensors(out, (g if n else g.detach() for g, n in zip(got, needs_grad)))


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run the modules (or functions) of functions in order, in `segments` chunks; every chunk but the last is
    checkpointed, as torch's checkpoint_sequential."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if not isinstance(segments, int) or segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be a positive int, got {segments!r}")
    size = max(1, len(functions) // segments)

    def chunk(lo, hi):
        def run(x):
            for f in functions[lo:hi]:
                x = f(x)
            return x
        return run

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(chunk(start, end + 1), input, use_reentrant=use_reentrant, **kwargs)
    return chunk(end + 1, len(functions))(input)
