"""teenygrad.func: torch.func's functional_call, grad, grad_and_value, vjp, jacrev/jacfwd, hessian, jvp and linearize
built on autograd.grad, vmap as a loop, and stack_module_state for ensembling. They compose (grad(grad(f)),
vmap(grad(f))): each transform differentiates in its own alias of an argument that already requires grad (an outer
transform's input), so that alias stays in the outer graph; and when func's output reaches any tensor that requires
grad outside the transform (such an input, or a parameter func closes over), the gradient is taken with
create_graph=True, so the result is differentiable in it, as torch's is. There is no forward-mode AD: jacfwd, jvp and
linearize are computed in reverse mode."""
from .tensor import Tensor
from ._arrays import xp_of
from . import autograd as _autograd
from .autograd import enable_grad
from .autograd.grad_mode import is_grad_enabled, _state as _gstate
from .autograd.forward_ad import _walk, _reraise_saved_value_error
from .func_batched import BatchWatch, batched_like, is_batched, settle
from .func_watch import DrawWatch, outside_tensors
from .utils._pytree import tree_leaves, tree_map, tree_structure, tree_unflatten
from .nn.utils.stateless import functional_call  # noqa: F401  (torch.func.functional_call)


def _fresh(x):
    """A tensor argument to differentiate in (pytrees of tuples/lists/dicts too): a graph-free copy that requires grad,
    or, for one that already requires grad (an outer grad's input), an alias of it in its graph. Never x itself: an
    inner grad(f)(a) inside an outer grad in a must differentiate in its own variable, not in the outer one."""
    def one(t):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected tensors (or tuples, lists, dicts of them) as differentiated arguments, got "
                            f"{type(t).__name__}")
        return t.view_as(t) if t.requires_grad and is_grad_enabled() else t.detach().requires_grad_(True)
    return tree_map(one, x)


def _leaves(x, op="func"):
    """The tensors of pytree x (utils._pytree), which holds nothing else."""
    leaves = tree_leaves(x)
    for t in leaves:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"{op}: expected only Tensors (or tuples, lists, dicts of them), got "
                               f"{type(t).__name__}")
    return leaves


def _like(x, flat):
    """x's structure (a namedtuple such as max's or sort's too) holding the first leaves of list flat, which are
    consumed: the next call takes the ones after them."""
    spec = tree_structure(x)
    taken = flat[:spec.num_leaves]
    del flat[:spec.num_leaves]
    return tree_unflatten(taken, spec)


def _outer(tensors, fresh):
    """Whether some of tensors was computed from a tensor that requires grad outside this transform (an input in an
    outer graph, or a parameter func closes over): then what the transform returns must stay differentiable in it,
    as torch's does. The fresh graph-free leaves of this transform don't count."""
    if not is_grad_enabled():
        return False
    hidden = {id(t) for t in fresh if t._ctx is None}
    return any(t.requires_grad and _walk(t, hidden)[1] for t in tensors if isinstance(t, Tensor))


def _argnums_check(op, argnums, n):
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    if isinstance(argnums, tuple) and not argnums:
        raise RuntimeError(f"{op}: argnums must be non-empty")
    positions = {k % n if isinstance(k, int) and n else id(k) for k in nums}  # -1 and n-1 are the same argument
    if len(positions) != len(nums):
        raise RuntimeError(f"{op}: argnums elements must be unique, got {argnums}")
    for k in nums:
        if not isinstance(k, int) or not -n <= k < n:
            raise RuntimeError(f"{op}: Got argnums={argnums} but only {n} positional inputs")
    return nums


def _differentiate(op, func, args, kwargs, nums, has_aux):
    """func(*args, **kwargs) with args[nums] made differentiable (_fresh): (args as called, whether the gradients
    must be differentiable (_outer), func's output, its aux or None, the tensors of args[nums] in order)."""
    args = list(args)
    for n in nums:
        args[n] = _fresh(args[n])
    inputs = [t for n in nums for t in _leaves(args[n])]
    _gstate["func_level"] += 1
    try:
        with enable_grad():
            out = func(*args, **kwargs)
    finally:
        _gstate["func_level"] -= 1
    aux = None
    if has_aux:
        if not (isinstance(out, tuple) and len(out) == 2):
            raise RuntimeError(f"{op}: has_aux=True requires func to return a (output, aux) tuple")
        out, aux = out
        _tensors_only(op, aux)
        aux = _detached(aux, inputs)  # as torch's transforms unwrap it: aux leaves without this transform's graph
    nested = _outer(_leaves_or_none(out), inputs)
    return args, nested, out, aux, inputs


def _tensors_only(op, x):
    """torch's transforms return aux as a pytree of tensors only."""
    if isinstance(x, (tuple, list)):
        for a in x:
            _tensors_only(op, a)
    elif isinstance(x, dict):
        for a in x.values():
            _tensors_only(op, a)
    elif not isinstance(x, Tensor):
        raise RuntimeError(f"{op}: Expected tensors, got unsupported type {type(x)} in the aux output of func")


def _structure(x):
    """x's pytree structure as torch prints it: * for a tensor, tuples/lists/dicts around them."""
    if isinstance(x, (tuple, list)):
        inner = ", ".join(_structure(a) for a in x)
        return f"({inner}{',' if len(x) == 1 else ''})" if isinstance(x, tuple) else f"[{inner}]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_structure(v)}" for k, v in x.items()) + "}"
    return "*"


def _leaves_or_none(x):
    """The tensors of an output pytree; [] for anything that holds none (a float, None)."""
    return _leaves(x) if isinstance(x, (Tensor, tuple, list, dict)) else []


def _zeros_like(t):
    """a zero gradient shaped like t (not t * 0: that is nan where t is inf or nan)"""
    return t.detach().new_zeros(t.shape)


def _float_outputs(op, outs):
    """torch's vjp-based transforms differentiate only floating-point outputs, and say so."""
    for o in outs:
        if not isinstance(o, Tensor) or not (o.is_floating_point() or o.is_complex()):
            got = f"Tensor with dtype {o.dtype}" if isinstance(o, Tensor) else type(o).__name__
            raise RuntimeError(f"{op}(f, ...): All outputs of f must be floating-point or complex Tensors, got {got}")


def _detached(x, fresh):
    """x (tensors in tuples, lists, dicts; anything else kept as it is) with every tensor that is not in an outer
    graph (_outer) detached."""
    if isinstance(x, Tensor):
        return x if _outer([x], fresh) else x.detach()
    if isinstance(x, (tuple, list)):
        return type(x)(_detached(a, fresh) for a in x)
    if isinstance(x, dict):
        return {k: _detached(v, fresh) for k, v in x.items()}
    return x


def _grad_and_value(op, func, argnums, has_aux):
    """grad_and_value's function, its errors named op (the transform the user called)"""
    def grad_and_value_fn(*args, **kwargs):
        nums = _argnums_check(op, argnums, len(args))
        args, nested, out, aux, inputs = _differentiate(op, func, args, kwargs, nums, has_aux)
        if not isinstance(out, Tensor) or out.ndim != 0:
            got = f"a tensor of shape {tuple(out.shape)}" if isinstance(out, Tensor) else type(out).__name__
            raise RuntimeError(f"{op}: Expected f(*args) to return a scalar Tensor, got {got}")
        gs = list(_autograd.grad(out, inputs, allow_unused=True, materialize_grads=True,
                                 create_graph=nested)) if out.requires_grad \
            else [_zeros_like(t) for t in inputs]
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
    outs = _leaves_or_none(out) or [out]
    _float_outputs("vjp", outs)

    def vjp_fn(cotangents):
        if _structure(cotangents) != _structure(out):
            raise RuntimeError(f"vjp: Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {_structure(cotangents)}, primal output: "
                               f"{_structure(out)}")
        cts = _leaves(cotangents)
        if len(cts) != len(outs):
            raise RuntimeError(f"vjp: expected {len(outs)} cotangents, got {len(cts)}")
        for o, c in zip(outs, cts):
            if tuple(o.shape) != tuple(c.shape):
                raise RuntimeError(f"vjp: cotangent of shape {tuple(c.shape)} doesn't match the output's shape "
                                   f"{tuple(o.shape)}")
        pairs = [(o, c) for o, c in zip(outs, cts) if o.requires_grad]
        if not pairs:
            return _like(primals, [_zeros_like(t) for t in inputs])
        graph = nested or (is_grad_enabled() and any(c.requires_grad for c in cts))  # differentiable in cotangents
        gs = _autograd.grad([o for o, _ in pairs], inputs, [c for _, c in pairs], retain_graph=True,
                            allow_unused=True, materialize_grads=True, create_graph=graph)
        return _like(primals, list(gs))
    detached = _like(out, [o if _outer([o], inputs) else o.detach() for o in outs])
    return (detached, vjp_fn, aux) if has_aux else (detached, vjp_fn)


def _chunk_check(op, chunk_size):
    """torch's chunk_size bounds how many rows are computed at once; here they are computed one by one anyway."""
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"{op}: `chunk_size` should be greater than 0, got {chunk_size!r}")


def _randomness_check(randomness):
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """A function returning the Jacobian of func(*args) (a Tensor or a tuple of Tensors) with respect to
    args[argnums]: for output o and input x a Tensor of shape o.shape + x.shape, one backward per output element.
    It composes with grad and itself (hessian = jacrev(jacrev(f))): the blocks are built with Tensor ops from
    gradients taken with create_graph=True when an input is in an outer graph."""
    from .tensor_join import stack
    _chunk_check("jacrev", chunk_size)

    def jac_fn(*args):
        nums = _argnums_check("jacrev", argnums, len(args))
        args, nested, out, aux, inputs = _differentiate("jacrev", func, args, {}, nums, has_aux)
        outs = _leaves_or_none(out) or [out]
        _float_outputs("jacrev", outs)
        per_out = []
        for o in outs:
            rows = []  # per output element: the gradient of that element w.r.t. every input
            for e in range(o.numel()):
                if not o.requires_grad:
                    rows.append([_zeros_like(t) for t in inputs])
                    continue
                onehot = o.detach().new_zeros(o.numel())
                onehot[e] = 1
                rows.append(_autograd.grad(o, inputs, onehot.reshape(o.shape), retain_graph=True, allow_unused=True,
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


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """torch.func.jacfwd's spelling: the same Jacobian, computed here in reverse mode (jacrev): teenygrad has no
    forward-mode AD. The values are the same; the cost is one backward per output element."""
    _randomness_check(randomness)
    return jacrev(func, argnums, has_aux=has_aux)


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
    for p, t in zip(_leaves(primals, "jvp"), _leaves(tangents, "jvp")):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp: Expected primals and tangents to have the same shapes, got {tuple(p.shape)} "
                               f"and {tuple(t.shape)}")
    primals, nested, out, aux, inputs = _differentiate("jvp", func, primals, {}, range(len(primals)), has_aux)
    outs, tans = _leaves_or_none(out) or [out], _leaves(tangents)
    if not all(isinstance(o, Tensor) for o in outs):
        raise RuntimeError(f"jvp(f, primals, tangents): Expected f(*primals) to return only tensors, got unsupported "
                           f"type {type(out).__name__}")
    with enable_grad():  # u: one per output; an integer output's tangent is zeros of its dtype, as torch's
        us = [o.detach().new_zeros(o.shape).requires_grad_(o.is_floating_point() or o.is_complex()) for o in outs]
        live = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
        if live:
            try:
                gs = _autograd.grad([o for o, _ in live], inputs, [u for _, u in live], create_graph=True,
                                    allow_unused=True, materialize_grads=True)
            except RuntimeError as e:
                _reraise_saved_value_error(e, "jvp: teenygrad computes a jvp by double backward (it has no forward "
                                              "mode)")
            pairs = [(g, t) for g, t in zip(gs, tans) if g.requires_grad]
        else:
            pairs = []
        if pairs:
            graph = nested or (is_grad_enabled() and any(t.requires_grad for _, t in pairs))  # in the tangents too
            floats = [u for u in us if u.requires_grad]
            got = iter(_autograd.grad([g for g, _ in pairs], floats, [t for _, t in pairs], allow_unused=True,
                                      materialize_grads=True, create_graph=graph))
            dirs = [next(got) if u.requires_grad else u for u in us]
        else:
            dirs = [u.detach() for u in us]
    primal_out = _like(out, [o if _outer([o], inputs) else o.detach() for o in outs])
    tangent_out = _like(out, list(dirs))
    return (primal_out, tangent_out, aux) if has_aux else (primal_out, tangent_out)


def linearize(func, *primals):
    """(func(*primals), jvp_fn): jvp_fn(*tangents) is the Jacobian-vector product at primals, as torch.func.linearize;
    each call runs jvp (reverse mode, see jvp) on func at the saved primals."""
    out = func(*primals)
    outs = _leaves(out) if isinstance(out, (Tensor, tuple, list, dict)) else [out]
    if not all(isinstance(o, Tensor) for o in outs):
        raise RuntimeError(f"linearize: Expected f(*primals) to return only tensors, got {type(out).__name__}")
    saved = tuple(_detached(p, []) for p in primals)

    def jvp_fn(*tangents):
        if _structure(tangents) != _structure(saved):
            raise RuntimeError(f"linearize: Expected the tangents to have the structure of the primals, got "
                               f"{_structure(tangents)} for primals {_structure(saved)}")
        for p, t in zip(_leaves(saved), _leaves(tangents)):
            if tuple(p.shape) != tuple(t.shape):
                raise RuntimeError(f"linearize: tangent with shape {tuple(t.shape)} doesn't match the shape "
                                   f"{tuple(p.shape)} of the corresponding primal")
        return jvp(func, saved, tangents)[1]
    return _detached(out, []), jvp_fn


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """torch.func.vmap, by a loop: func runs once per batch element on the slices of the mapped arguments (in_dims:
    an int or None for all arguments, or a tuple with one per positional argument; a pytree argument's tensors share
    its dim), and the results are stacked along out_dims (None: an output that does not depend on the batch, taken
    from the first element). randomness: 'error' raises when func draws from a generator, 'same' gives every
    element the same numbers, 'different' fresh ones (drawn element by element: torch's numbers where func makes one
    draw, as torch draws each random op's whole batch at once). The values are vmap's; the speed is a Python loop's.
    As torch's, it refuses to read a Python value out of a batched tensor (one computed from the mapped arguments:
    .item(), float(), bool(), `if t > 0:`, tolist(), numpy()) and the ops whose output shape depends on the values
    (nonzero, unique, masked_select, torch.where(cond), boolean-mask indexing), and in 'same' mode a draw from a
    batched tensor (bernoulli(p)), while the tensors that are not batched (closed over, in_dim None, made inside
    func, drawn in 'same' mode) read as usual: func_batched marks the batched ones. An in-place write into a tensor
    that is not mapped (an argument with in_dim None, a keyword argument, a tensor or module buffer func reaches from
    outside) is refused: the loop would repeat it per element."""
    _randomness_check(randomness)
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")
    if not (in_dims is None or isinstance(in_dims, (int, tuple))):
        raise ValueError(f"vmap: expected `in_dims` to be int or a (potentially nested) tuple matching the structure "
                         f"of inputs, got: {type(in_dims).__name__}")

    def mapped(*args, **kwargs):
        dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
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

        def element(i):
            """func on batch element i; for an empty batch (i None), on zeros shaped like one element. Its slices
            are marked batched (func_batched.BatchWatch)."""
            def part(t, dd):
                return t if dd is None else batch.mapped(t.select(dd, i) if i is not None else _zeros_slice(t, dd))
            return [a if ds is None else _like(a, [part(t, dd) for t, dd in zip(_leaves(a), ds)])
                    for a, ds in zip(args, leaf_dims)]

        outside, buffers = [], []
        if n > 1:
            pairs = [(t, dd) for a, ds in zip(args, leaf_dims) if isinstance(a, (Tensor, tuple, list, dict))
                     for t, dd in zip(_leaves(a), ds or [None] * len(_leaves(a)))]
            outside, buffers = outside_tensors(func, [t for t, dd in pairs if dd is None],
                                               [t for t, dd in pairs if dd is not None], kwargs)
        versions = [t._version for t in outside]
        saved = [(t, t._data.copy()) for t in buffers]  # batch_norm writes running stats without counting a version
        results = []
        with BatchWatch(randomness) as batch, DrawWatch(randomness, batch.level) as draws:
            for i in (range(n) if n else [None]):
                if randomness == "same":
                    draws.restore()
                results.append(func(*element(i), **kwargs))
                if any(t._version != v for t, v in zip(outside, versions)) or \
                        (i == 0 and not all(_same(t, Tensor._wrap(a)) for t, a in saved)):
                    for t, a in saved:
                        t._data[...] = a
                    raise RuntimeError("vmap: func wrote in place into a tensor that is not mapped (an argument with "
                                       "in_dims None, a keyword argument, or one it reaches from outside, such as a "
                                       "module's buffer): teenygrad's vmap runs func once per batch element, so the "
                                       "write would repeat for each of them (torch refuses a batched value written "
                                       "into an unbatched tensor); write into a mapped argument or a copy instead")
            if n == 0 and randomness == "different":
                draws.restore()  # torch draws nothing for an empty batch; the zeros element's draws are undone
        return _stacked_outputs(results, out_dims, n, batch.level)
    return mapped


def _zeros_slice(t, d):
    """zeros shaped like one batch element of t (mapped over dim d), for vmap over an empty batch"""
    shape = list(t.shape)
    del shape[d % t.ndim]
    return t.detach().new_zeros(tuple(shape))


def _output_leaves(x):
    """The leaves of an output pytree: its tensors, and anything else that is no container (a number returned with
    out_dims None)."""
    return tree_leaves(x)


def _stacked_outputs(results, out_dims, n, level):
    """vmap's result: the per-element outputs stacked along out_dims (an int or None for all outputs, or one per
    output); n == 0: results holds one output from a zeros element, giving the shapes. level: the vmap's, now ended;
    an output stays batched over the enclosing vmaps its elements were (func_batched.settle)."""
    from .tensor_join import stack
    first = results[0]
    outs = [_output_leaves(r) for r in results]
    if isinstance(first, Tensor) and isinstance(out_dims, tuple) and len(out_dims) == 1:
        out_dims = out_dims[0]
    odims = _dims_per_leaf(first, out_dims, "out_dims", "outputs", _strict=False)
    if odims is None:
        raise ValueError(f"vmap: out_dims={out_dims!r} is not compatible with the structure of `outputs` "
                         f"{_structure(first)}")
    stacked = []
    for j, d in enumerate(odims):
        col = [o[j] for o in outs]
        if d is None:
            if isinstance(col[0], Tensor) and (is_batched(col[0], level) or not all(_same(col[0], t) for t in col[1:])):
                raise ValueError(f"vmap: out_dims is None for an output that is batched (it was computed from the "
                                 f"mapped inputs, so it may differ between batch elements; torch's vmap refuses to "
                                 f"return a batched tensor with out_dim None): give that output an out_dim")
            settle(col[0])
            stacked.append(col[0])
            continue
        if not isinstance(col[0], Tensor):
            raise ValueError(f"vmap: func must only return Tensors, got type {type(col[0]).__name__}. Did you mean to "
                             f"set out_dims= to None for output?")
        nd = col[0].ndim
        if not -nd - 1 <= d <= nd:
            raise IndexError(f"vmap: out_dim {d} is out of range for an output of shape {tuple(col[0].shape)} "
                             f"(expected to be in range of [{-nd - 1}, {nd}], but got {d})")
        shapes = list(dict.fromkeys(tuple(t.shape) for t in col))
        if len(shapes) > 1:
            raise RuntimeError(f"vmap: func returned tensors of shapes {shapes[:4]} for different batch elements: a "
                               f"data-dependent shape (boolean-mask indexing, nonzero, unique, masked_select), which "
                               f"vmap cannot batch, as torch's refuses")
        out = stack(col, dim=d) if n else stack(col, dim=d).narrow(d, 0, 0)
        stacked.append(batched_like(out, col))
    return _like(first, stacked) if isinstance(first, (tuple, list, dict)) else stacked[0]


def _same(a, b):
    """Whether two of func's outputs hold the same value (NaN equal to NaN): an output not mapped over the batch."""
    if a is b:
        return True
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    xp = xp_of(a._data)
    return bool(xp.array_equal(a._data, b._data, equal_nan=a.is_floating_point() or a.is_complex()))


def _dims_per_leaf(a, d, what="in_dims", of="inputs", _strict=True):
    """vmap's in_dim (or out_dim) d for argument (output) a, as one dim (or None) per tensor of a: an int (or None)
    applies to all of them; a tuple, list or dict shaped like (a prefix of) a gives each part its own. Not
    compatible: ValueError, or None when not _strict (the caller names the whole structure)."""
    if d is None or isinstance(d, int):
        return [d] * len(_output_leaves(a))
    parts = None
    if isinstance(d, (tuple, list)) and type(a) is type(d) and len(d) == len(a):  # a tuple for a tuple, as torch
        parts = [_dims_per_leaf(part, dd, what, of, _strict) for part, dd in zip(a, d)]
    elif isinstance(d, dict) and isinstance(a, dict) and d.keys() == a.keys():
        parts = [_dims_per_leaf(a[k], d[k], what, of, _strict) for k in a]
    if parts is not None and all(p is not None for p in parts):
        return [x for p in parts for x in p]
    if not _strict:
        return None
    raise ValueError(f"vmap: {what} is not compatible with the structure of `{of}`: {what[:-1]} {d!r} for a part of "
                     f"type {type(a).__name__}")


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
