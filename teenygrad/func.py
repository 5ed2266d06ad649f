"""teenygrad.func: torch.func's functional_call, grad, grad_and_value, vjp, jacrev/jacfwd, hessian and jvp built
on autograd.grad, vmap as a loop, and stack_module_state for ensembling. They compose (grad(grad(f)),
vmap(grad(f))): an argument that already requires grad, as an inner call's input does, stays in its graph, and the
gradient is then taken with create_graph=True, so it is differentiable in that argument. There is no forward-mode
AD: jacfwd and jvp are computed in reverse mode."""
from .tensor import Tensor
from .autograd import grad as _autograd_grad, enable_grad
from .autograd.grad_mode import is_grad_enabled
from .nn.utils.stateless import functional_call  # noqa: F401  (torch.func.functional_call)


def _fresh(x):
    """A tensor argument to differentiate in (pytrees of tuples/lists/dicts too): a graph-free copy that requires grad,
    or one that already requires grad (an outer grad's input) itself, in its graph."""
    if isinstance(x, Tensor):
        return x if x.requires_grad and is_grad_enabled() else x.detach().requires_grad_(True)
    if isinstance(x, (tuple, list)):
        return type(x)(_fresh(a) for a in x)
    if isinstance(x, dict):
        return {k: _fresh(v) for k, v in x.items()}
    raise TypeError(f"expected tensors (or tuples, lists, dicts of them) as differentiated arguments, got "
                    f"{type(x).__name__}")


def _leaves(x):
    if isinstance(x, Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for a in x for t in _leaves(a)]
    return [t for v in x.values() for t in _leaves(v)]


def _like(x, flat):
    """Rebuild x's structure from the flat list of tensors (consumed in order)."""
    if isinstance(x, Tensor):
        return flat.pop(0)
    if isinstance(x, (tuple, list)):
        return type(x)(_like(a, flat) for a in x)
    return {k: _like(v, flat) for k, v in x.items()}


def _nested(inputs):
    """Whether some input is in an outer graph (see _fresh): then the gradient must be differentiable too."""
    return is_grad_enabled() and any(t.requires_grad for t in inputs)


def _argnums_check(op, argnums, n):
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    for k in nums:
        if not isinstance(k, int) or not -n <= k < n:
            raise RuntimeError(f"{op}: Got argnums={argnums} but only {n} positional inputs")
    return nums


def _differentiate(op, func, args, kwargs, nums, has_aux):
    """func(*args, **kwargs) with args[nums] made differentiable (_fresh): (args as called, whether the gradients
    must be differentiable (_nested), func's output, its aux or None, the tensors of args[nums] in order)."""
    args = list(args)
    nested = _nested([t for n in nums for t in _leaves(args[n])])
    for n in nums:
        args[n] = _fresh(args[n])
    with enable_grad():
        out = func(*args, **kwargs)
    aux = None
    if has_aux:
        if not (isinstance(out, tuple) and len(out) == 2):
            raise RuntimeError(f"{op}: has_aux=True requires func to return a (output, aux) tuple")
        out, aux = out
        if not nested:  # as torch's transforms unwrap it: aux leaves the transform without its graph
            aux = _detached(aux)
    return args, nested, out, aux, [t for n in nums for t in _leaves(args[n])]


def _detached(x):
    """x (tensors in tuples, lists, dicts; anything else kept as it is) with every tensor detached."""
    if isinstance(x, Tensor):
        return x.detach()
    if isinstance(x, (tuple, list)):
        return type(x)(_detached(a) for a in x)
    if isinstance(x, dict):
        return {k: _detached(v) for k, v in x.items()}
    return x


def _grad_and_value(op, func, argnums, has_aux):
    """grad_and_value's function, its errors named op (the transform the user called)"""
    def grad_and_value_fn(*args, **kwargs):
        nums = _argnums_check(op, argnums, len(args))
        args, nested, out, aux, inputs = _differentiate(op, func, args, kwargs, nums, has_aux)
        if not isinstance(out, Tensor) or out.ndim != 0:
            got = f"a tensor of shape {tuple(out.shape)}" if isinstance(out, Tensor) else type(out).__name__
            raise RuntimeError(f"{op}: Expected f(*args) to return a scalar Tensor, got {got}")
        gs = list(_autograd_grad(out, inputs, allow_unused=True, materialize_grads=True,
                                 create_graph=nested)) if out.requires_grad \
            else [t.detach() * 0 for t in inputs]
        result = tuple(_like(args[n], gs) for n in nums)
        result = result if isinstance(argnums, tuple) else result[0]
        value = out if nested else out.detach()    # inside an outer transform the value stays differentiable
        return (result, (value, aux)) if has_aux else (result, value)
    return grad_and_value_fn


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (d func(*args) / d args[argnums], func(*args)); with has_aux, (grad, (value, aux))."""
    return _grad_and_value("grad_and_value", func, argnums, has_aux)


def grad(func, argnums=0, has_aux=False):
    """A function returning d func(*args) / d args[argnums] (func returns a scalar tensor, or (scalar, aux))."""
    inner = _grad_and_value("grad", func, argnums, has_aux)

    def grad_fn(*args, **kwargs):
        result, value = inner(*args, **kwargs)
        return (result, value[1]) if has_aux else result
    return grad_fn


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn): vjp_fn(cotangents) gives the gradient of <func(*primals), cotangents> with
    respect to each primal, as a tuple (it may be called more than once)."""
    primals, nested, out, aux, inputs = _differentiate("vjp", func, primals, {}, range(len(primals)), has_aux)
    primals = tuple(primals)  # vjp_fn's result takes its structure: a tuple, as torch's
    outs = _leaves(out)

    def vjp_fn(cotangents):
        cts = _leaves(cotangents)
        if len(cts) != len(outs):
            raise RuntimeError(f"vjp: expected {len(outs)} cotangents, got {len(cts)}")
        for o, c in zip(outs, cts):
            if tuple(o.shape) != tuple(c.shape):
                raise RuntimeError(f"vjp: cotangent of shape {tuple(c.shape)} doesn't match the output's shape "
                                   f"{tuple(o.shape)}")
        pairs = [(o, c) for o, c in zip(outs, cts) if o.requires_grad]
        if not pairs:
            return _like(primals, [t.detach() * 0 for t in inputs])
        gs = _autograd_grad([o for o, _ in pairs], inputs, [c for _, c in pairs], retain_graph=True,
                            allow_unused=True, materialize_grads=True, create_graph=nested)
        return _like(primals, list(gs))
    detached = _like(out, [o.detach() for o in outs])
    return (detached, vjp_fn, aux) if has_aux else (detached, vjp_fn)


def jacrev(func, argnums=0, has_aux=False):
    """A function returning the Jacobian of func(*args) (a Tensor or a tuple of Tensors) with respect to
    args[argnums]: for output o and input x a Tensor of shape o.shape + x.shape, one backward per output element.
    It composes with grad and itself (hessian = jacrev(jacrev(f))): the blocks are built with Tensor ops from
    gradients taken with create_graph=True when an input is in an outer graph."""
    from .tensor_join import stack

    def jac_fn(*args):
        nums = _argnums_check("jacrev", argnums, len(args))
        args, nested, out, aux, inputs = _differentiate("jacrev", func, args, {}, nums, has_aux)
        outs = _leaves(out)
        per_out = []
        for o in outs:
            rows = []  # per output element: the gradient of that element w.r.t. every input
            for e in range(o.numel()):
                if not o.requires_grad:
                    rows.append([t.detach() * 0 for t in inputs])
                    continue
                onehot = o.detach().new_zeros(o.numel())
                onehot[e] = 1
                rows.append(_autograd_grad(o, inputs, onehot.reshape(o.shape), retain_graph=True, allow_unused=True,
                                           materialize_grads=True, create_graph=nested))
            blocks = []
            for i, t in enumerate(inputs):
                col = [r[i] for r in rows]
                block = stack(col) if col else t.detach().new_zeros((0,) + tuple(t.shape))
                blocks.append(block.reshape(tuple(o.shape) + tuple(t.shape)))
            shaped = tuple(_like(args[k], blocks) for k in nums)
            per_out.append(shaped if isinstance(argnums, tuple) else shaped[0])
        result = _like(out, per_out) if not isinstance(out, Tensor) else per_out[0]
        return (result, aux) if has_aux else result
    return jac_fn


def jacfwd(func, argnums=0, has_aux=False, randomness="error"):
    """torch.func.jacfwd's spelling: the same Jacobian, computed here in reverse mode (jacrev): teenygrad has no
    forward-mode AD. The values are the same; the cost is one backward per output element."""
    return jacrev(func, argnums, has_aux)


def hessian(func, argnums=0):
    """The Hessian of a function with a one-element output: jacrev of jacrev (double backward)."""
    return jacrev(jacrev(func, argnums), argnums)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents): a Jacobian-vector product by the double-vjp trick, without forward-mode AD:
    g(u) = J^T u is linear in u, so the gradient of <g(u), tangents> with respect to u is J tangents. Two backward
    passes, the first with create_graph=True."""
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError("jvp: Expected primals and tangents to be tuples")
    if len(primals) != len(tangents):
        raise RuntimeError(f"jvp: Expected primals and tangents to have the same length, got {len(primals)} and "
                           f"{len(tangents)}")
    for p, t in zip(_leaves(primals), _leaves(tangents)):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp: Expected primals and tangents to have the same shapes, got {tuple(p.shape)} "
                               f"and {tuple(t.shape)}")
    primals, nested, out, aux, inputs = _differentiate("jvp", func, primals, {}, range(len(primals)), has_aux)
    outs, tans = _leaves(out), _leaves(tangents)
    with enable_grad():
        us = [o.detach().new_zeros(o.shape).requires_grad_(True) for o in outs]
        live = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
        if live:
            gs = _autograd_grad([o for o, _ in live], inputs, [u for _, u in live], create_graph=True,
                                allow_unused=True, materialize_grads=True)
            pairs = [(g, t) for g, t in zip(gs, tans) if g.requires_grad]
        else:
            pairs = []
        if pairs:
            dirs = _autograd_grad([g for g, _ in pairs], us, [t for _, t in pairs], allow_unused=True,
                                  materialize_grads=True, create_graph=nested)
        else:
            dirs = [u.detach() * 0 for u in us]
    primal_out = _like(out, [o if nested else o.detach() for o in outs])
    tangent_out = _like(out, list(dirs))
    return (primal_out, tangent_out, aux) if has_aux else (primal_out, tangent_out)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """torch.func.vmap, by a loop: func runs once per batch element on the slices of the mapped arguments (in_dims:
    an int or None for all arguments, or one per positional argument; a pytree argument's tensors share its dim),
    and the results are stacked along out_dims. The values are vmap's; the speed is a Python loop's, and random
    ops draw fresh numbers for each element (torch's randomness='different')."""
    from .tensor_join import stack

    def mapped(*args, **kwargs):
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap: in_dims is not compatible with the structure of `inputs`: in_dims has "
                             f"{len(dims)} entries for {len(args)} positional arguments")
        sizes = set()
        leaf_dims = []  # per argument, the dim of each of its tensors (None: not mapped)
        for a, d in zip(args, dims):
            if d is None:
                leaf_dims.append(None)
                continue
            if isinstance(d, int) and not isinstance(a, (Tensor, tuple, list, dict)):
                raise ValueError(f"vmap: Got in_dim={d} for an input but the input is of type {type(a).__name__}. "
                                 f"We cannot vmap over non-Tensor arguments; pass None in in_dims for it")
            ds = _dims_per_leaf(a, d)
            leaf_dims.append(ds)
            for t, dd in zip(_leaves(a), ds):
                if dd is None:
                    continue
                if not -t.ndim <= dd < t.ndim:
                    raise ValueError(f"vmap: Got in_dim={dd} for an input but the input is of shape "
                                     f"{tuple(t.shape)}")
                sizes.add(t.shape[dd])
        if not sizes:
            raise ValueError("vmap: at least one argument must be a Tensor mapped over a dimension (in_dims not "
                             "all None)")
        if len(sizes) > 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sorted(sizes)} for the mapped dimension")
        (n,) = sizes
        results = []
        for i in range(n):
            sliced = [a if ds is None else _like(a, [t if dd is None else t.select(dd, i)
                                                     for t, dd in zip(_leaves(a), ds)])
                      for a, ds in zip(args, leaf_dims)]
            results.append(func(*sliced, **kwargs))
        first = results[0]
        if isinstance(first, Tensor):
            return stack(results, dim=out_dims if isinstance(out_dims, int) else out_dims[0])
        outs = [_leaves(r) for r in results]
        odims = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(outs[0])
        return _like(first, [stack([o[j] for o in outs], dim=odims[j]) for j in range(len(outs[0]))])
    return mapped


def _dims_per_leaf(a, d):
    """vmap's in_dim d for argument a, as one dim (or None) per tensor of a: an int (or None) applies to all of them;
    a tuple, list or dict shaped like (a prefix of) a gives each part its own."""
    if d is None or isinstance(d, int):
        return [d] * len(_leaves(a))
    if isinstance(d, (tuple, list)) and isinstance(a, (tuple, list)) and len(d) == len(a):
        return [x for part, dd in zip(a, d) for x in _dims_per_leaf(part, dd)]
    if isinstance(d, dict) and isinstance(a, dict) and d.keys() == a.keys():
        return [x for k in a for x in _dims_per_leaf(a[k], d[k])]
    raise ValueError(f"vmap: in_dims is not compatible with the structure of `inputs`: in_dim {d!r} for an argument "
                     f"of type {type(a).__name__}")


def stack_module_state(models):
    """(params, buffers) for ensembling with vmap: each parameter and buffer of the same-class modules stacked on a
    new first dim, by name. The stacked parameters are new leaves that require grad (an optimizer can take them)."""
    from .tensor_join import stack
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if any(type(m) is not type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class, got "
                           f"{sorted({type(m).__name__ for m in models})}")
    if len({m.training for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")

    def stacked(named, leaf):
        names = [n for n, _ in named(models[0])]
        out = {}
        for name in names:
            t = stack([dict(named(m))[name].detach() for m in models])
            out[name] = t.requires_grad_(True) if leaf else t
        return out

    return (stacked(lambda m: m.named_parameters(), True), stacked(lambda m: m.named_buffers(), False))
