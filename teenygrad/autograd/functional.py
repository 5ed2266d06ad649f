"""torch.autograd.functional: jacobian, vjp and jvp of a function of Tensors, by reverse mode (autograd.grad).
teenygrad has no create_graph (no double backward), so hessian, hvp and vhp are not offered, and jvp is the
transpose of the vjp map: it builds the full Jacobian, one backward pass per output element (fine for the small
functions these helpers are used on; for a large output prefer vjp)."""
import numpy as np
from .engine import grad
from .grad_mode import enable_grad

__all__ = ["jacobian", "vjp", "jvp", "hessian", "hvp", "vhp"]


def _as_tuple(x, what, op):
    """(was_tuple, tuple of Tensors), refusing anything else as torch does"""
    from ..tensor import Tensor
    was_tuple = isinstance(x, tuple)
    xs = x if was_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            where = f"the value at index {i}" if was_tuple else f"the given {what}"
            raise TypeError(f"{op}: The {what} given to {op} must be either a Tensor or a tuple of Tensors but "
                            f"{where} has type {type(t).__name__}.")
    return was_tuple, xs


def _unpack(xs, was_tuple):
    return xs if was_tuple else xs[0]


def _no_graph_features(op, create_graph, vectorize=False):
    if create_graph:
        raise NotImplementedError(f"{op}: create_graph=True needs double backward, which teenygrad does not "
                                  f"support")
    if vectorize:
        raise NotImplementedError(f"{op}: vectorize=True is not supported; use the default vectorize=False")


def _run(func, inputs, op):
    """(inputs_was_tuple, fresh leaves requiring grad, outputs_was_tuple, outputs) for func at inputs"""
    in_tuple, xs = _as_tuple(inputs, "inputs", op)
    xs = tuple(x.detach().requires_grad_(True) for x in xs)
    with enable_grad():
        out = func(*xs)
    out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", op)
    return in_tuple, xs, out_tuple, outs


def _strict_output(op, i, o, strict):
    if strict and not o.requires_grad:
        raise RuntimeError(f"{op}: Output {i} of the user-provided function does not require gradients. The outputs "
                           f"must be computed in a differentiable manner from the input when running in strict mode.")


def _vjp_rows(outs, xs, vs, op, strict):
    """sum_i v_i^T dout_i/dx for each input x, as numpy arrays (zeros where no gradient reaches)"""
    pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    got = [None] * len(xs)
    if pairs:
        got = grad([o for o, _ in pairs], xs, [v for _, v in pairs], retain_graph=True, allow_unused=True)
    result = []
    for j, (x, g) in enumerate(zip(xs, got)):
        if g is None:
            if strict:
                raise RuntimeError(f"{op}: The output of the user-provided function is independent of input {j}. "
                                   f"This is not allowed in strict mode.")
            result.append(np.zeros(x.shape, x._data.dtype))
        else:
            result.append(g._data)
    return result


def _check_v(v, like, op, what):
    from ..tensor import Tensor
    _, vs = _as_tuple(v, "v", op)
    if len(vs) != len(like):
        raise RuntimeError(f"{op}: v has {len(vs)} Tensors but the {what} has {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"{op}: Entry {i} in v has invalid size: should be {tuple(b.shape)} but got "
                               f"{tuple(a.shape)}.")
    return tuple(a if isinstance(a, Tensor) else Tensor(a) for a in vs)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs: for output i and input j a Tensor of shape out_i.shape + in_j.shape, nested as
    torch nests them (a tuple level for tuple outputs, then one for tuple inputs). One backward per output element"""
    from ..tensor import Tensor
    op = "jacobian"
    _no_graph_features(op, create_graph, vectorize)
    if strategy != "reverse-mode":
        raise NotImplementedError(f"{op}: strategy={strategy!r} is not supported; use 'reverse-mode'")
    in_tuple, xs, out_tuple, outs = _run(func, inputs, op)
    jac = []
    for i, o in enumerate(outs):
        _strict_output(op, i, o, strict)
        blocks = [np.zeros((o.numel(), x.numel()), x._data.dtype) for x in xs]
        if o.requires_grad:
            for k in range(o.numel()):
                onehot = np.zeros(o.numel(), o._data.dtype)
                onehot[k] = 1
                rows = _vjp_rows((o,), xs, (Tensor(onehot.reshape(o.shape)),), op, strict)
                for block, row in zip(blocks, rows):
                    block[k] = row.reshape(-1)
        jac.append(tuple(Tensor._wrap(b.reshape(tuple(o.shape) + tuple(x.shape))) for b, x in zip(blocks, xs)))
    per_output = [_unpack(row, in_tuple) for row in jac]
    return _unpack(tuple(per_output), out_tuple)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product, one backward pass; v may be None for a one-element
    output"""
    from ..tensor import Tensor
    op = "vjp"
    _no_graph_features(op, create_graph)
    in_tuple, xs, out_tuple, outs = _run(func, inputs, op)
    if v is None:
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError(f"{op}: The vector v can only be None if the user-provided function returns a single "
                               f"Tensor with a single element, got output shapes {[tuple(o.shape) for o in outs]}")
        vs = (Tensor(np.ones(outs[0].shape, outs[0]._data.dtype)),)
    else:
        vs = _check_v(v, outs, op, "output of the user-provided function")
    for i, o in enumerate(outs):
        _strict_output(op, i, o, strict)
    rows = _vjp_rows(outs, xs, vs, op, strict)
    values = tuple(o.detach() for o in outs)
    return _unpack(values, out_tuple), _unpack(tuple(Tensor._wrap(r) for r in rows), in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, computed exactly from the full Jacobian (one backward per
    output element: reverse mode has no cheaper way without double backward); v may be None for a one-element
    input"""
    from ..tensor import Tensor
    op = "jvp"
    _no_graph_features(op, create_graph)
    in_tuple, xs = _as_tuple(inputs, "inputs", op)
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise RuntimeError(f"{op}: The vector v can only be None if the input to the user-provided function is a "
                               f"single Tensor with a single element, got input shapes {[tuple(x.shape) for x in xs]}")
        vs = (Tensor(np.ones(xs[0].shape, xs[0]._data.dtype)),)
    else:
        vs = _check_v(v, xs, op, "input")
    in_tuple, leaves, out_tuple, outs = _run(func, inputs, op)
    products = []
    for i, o in enumerate(outs):
        _strict_output(op, i, o, strict)
        acc = np.zeros(o.numel(), o._data.dtype)
        if o.requires_grad:
            for k in range(o.numel()):
                onehot = np.zeros(o.numel(), o._data.dtype)
                onehot[k] = 1
                rows = _vjp_rows((o,), leaves, (Tensor(onehot.reshape(o.shape)),), op, strict)
                acc[k] = sum(float((r.reshape(-1) * vv._data.reshape(-1)).sum()) for r, vv in zip(rows, vs))
        products.append(Tensor._wrap(acc.reshape(o.shape)))
    values = tuple(o.detach() for o in outs)
    return _unpack(values, out_tuple), _unpack(tuple(products), out_tuple)


def _needs_double_backward(op):
    def fn(*args, **kwargs):
        raise NotImplementedError(f"{op}: needs second derivatives (double backward through create_graph=True), "
                                  f"which teenygrad does not support; jacobian, vjp and jvp are available")
    fn.__name__ = op
    return fn


hessian = _needs_double_backward("hessian")
hvp = _needs_double_backward("hvp")
vhp = _needs_double_backward("vhp")
