"""teenygrad.func: torch.func's functional_call, and grad / vjp built on autograd.grad (first order only:
teenygrad's graphs don't differentiate their own backward)."""
from .tensor import Tensor
from .autograd import grad as _autograd_grad, enable_grad
from .nn.utils.stateless import functional_call  # noqa: F401  (torch.func.functional_call)


def _fresh(x):
    """A graph-free copy of a tensor argument that requires grad (pytrees of tuples/lists/dicts too)."""
    if isinstance(x, Tensor):
        return x.detach().requires_grad_(True)
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


def grad(func, argnums=0, has_aux=False):
    """A function returning d func(*args) / d args[argnums] (func returns a scalar tensor, or (scalar, aux))."""
    def grad_fn(*args, **kwargs):
        nums = argnums if isinstance(argnums, tuple) else (argnums,)
        for n in nums:
            if not isinstance(n, int) or not -len(args) <= n < len(args):
                raise RuntimeError(f"grad: Got argnums={argnums} but only {len(args)} positional inputs")
        args = list(args)
        for n in nums:
            args[n] = _fresh(args[n])
        with enable_grad():
            out = func(*args, **kwargs)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("grad: has_aux=True requires func to return a (output, aux) tuple")
            out, aux = out
        if not isinstance(out, Tensor) or out.ndim != 0:
            got = f"a tensor of shape {tuple(out.shape)}" if isinstance(out, Tensor) else type(out).__name__
            raise RuntimeError(f"grad: Expected f(*args) to return a scalar Tensor, got {got}")
        inputs = [t for n in nums for t in _leaves(args[n])]
        gs = list(_autograd_grad(out, inputs, allow_unused=True, materialize_grads=True)) if out.requires_grad \
            else [t.detach() * 0 for t in inputs]
        result = tuple(_like(args[n], gs) for n in nums)
        result = result if isinstance(argnums, tuple) else result[0]
        return (result, aux) if has_aux else result
    return grad_fn


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn): vjp_fn(cotangents) gives the gradient of <func(*primals), cotangents> with
    respect to each primal, as a tuple (it may be called more than once)."""
    primals = tuple(_fresh(p) for p in primals)
    with enable_grad():
        out = func(*primals)
    aux = None
    if has_aux:
        out, aux = out
    outs = _leaves(out)
    inputs = _leaves(primals)

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
                            allow_unused=True, materialize_grads=True)
        return _like(primals, list(gs))
    detached = _like(out, [o.detach() for o in outs])
    return (detached, vjp_fn, aux) if has_aux else (detached, vjp_fn)
