"""torch.autograd.functional: jacobian, vjp and jvp of a function of Tensors, by reverse mode (autograd.grad).
hessian, hvp and vhp differentiate the gradient again (double backward, create_graph=True). jvp is the transpose of
the vjp map: it builds the full Jacobian, one backward pass per output element (fine for the small functions these
helpers are used on; for a large output prefer vjp). With create_graph=True the results stay in the graph of the
inputs (which are then used as they are, not detached), to be differentiated again."""
from .._arrays import xp_of, zeros_on
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


def _zeros(like, shape):
    """zeros of like's dtype on like's device (a Tensor's), as a raw array"""
    return zeros_on(like._data, shape)


def _onehot(like, k):
    """A Tensor shaped like `like`, on its device, with 1 at flat index k and 0 elsewhere"""
    from ..tensor import Tensor
    e = _zeros(like, like.numel())
    e[k] = 1
    return Tensor._wrap(e.reshape(like.shape))


def _check_vectorize(op, strict, vectorize):
    """vectorize=True is torch's hint to batch the backward passes (vmap); here they run one by one either way."""
    if vectorize and strict:
        raise RuntimeError(f"torch.autograd.functional.{op}: `strict=True` and `vectorized=True` are not supported "
                           f"together. Please either set `strict=False` or `vectorize=False`.")


def _strategy_check(op, strategy, vectorize, create_graph=False):
    """torch's strategy choice: "forward-mode" (vectorize=True only) gives the same Jacobian, which teenygrad
    computes in reverse mode either way (it has no forward-mode AD)."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError(f'torch.autograd.functional.{op}: Expected strategy to be either "forward-mode" or '
                         f'"reverse-mode", got {strategy!r}')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(f"torch.autograd.functional.{op}: Computing Jacobian using forward-AD or "
                                  f"forward-over-reverse Hessian is only implemented for `vectorize=True`.")
    if strategy == "forward-mode" and create_graph:
        raise NotImplementedError(f'torch.autograd.functional.{op}: `create_graph=True` and `strategy="forward-mode"` '
                                  f'are not supported together (yet). Please either set `create_graph=False` or '
                                  f'`strategy="reverse-mode"`.')


def _run(func, inputs, op, create_graph=False):
    """(inputs_was_tuple, the inputs as differentiated, outputs_was_tuple, outputs) for func at inputs: fresh leaves
    requiring grad, or with create_graph an input that requires grad itself (a view of it: its graph stays)"""
    in_tuple, xs = _as_tuple(inputs, "inputs", op)
    xs = tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in xs)
    with enable_grad():
        out = func(*xs)
    out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", op)
    return in_tuple, xs, out_tuple, outs


def _stacked(rows, shape, like):
    """create_graph: the flat rows (Tensors in the graph) of one Jacobian block stacked into a Tensor of `shape`."""
    from ..tensor import Tensor
    from ..tensor_join import stack
    if not rows:
        return Tensor._wrap(_zeros(like, shape))
    return stack(rows).reshape(shape)


def _results(rows, create_graph):
    """_vjp_rows' results as Tensors: already (create_graph) or wrapping its arrays."""
    from ..tensor import Tensor
    return tuple(rows) if create_graph else tuple(Tensor._wrap(r) for r in rows)


def _strict_output(op, i, o, strict):
    if strict and not o.requires_grad:
        raise RuntimeError(f"{op}: Output {i} of the user-provided function does not require gradients. The outputs "
                           f"must be computed in a differentiable manner from the input when running in strict mode.")


def _vjp_rows(outs, xs, vs, op, strict, create_graph=False):
    """sum_i v_i^T dout_i/dx for each input x, as numpy arrays (zeros where no gradient reaches); with create_graph,
    as Tensors recorded in the graph, to be differentiated again (hessian, hvp, vhp)"""
    from ..tensor import Tensor
    pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    got = [None] * len(xs)
    if pairs:
        got = grad([o for o, _ in pairs], xs, [v for _, v in pairs], retain_graph=True, allow_unused=True,
                   create_graph=create_graph)
    result = []
    for j, (x, g) in enumerate(zip(xs, got)):
        if g is None:
            if strict:
                raise RuntimeError(f"{op}: The output of the user-provided function is independent of input {j}. "
                                   f"This is not allowed in strict mode.")
            zeros = _zeros(x, x.shape)
            result.append(Tensor._wrap(zeros) if create_graph else zeros)
        else:
            result.append(g if create_graph else g._data)
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


def _v_or_ones(v, like, op, what):
    """v checked against like (the function's outputs, or its inputs), or ones when v is None, which torch allows
    only where like is a single one-element Tensor."""
    from ..tensor import Tensor
    if v is not None:
        return _check_v(v, like, op, what)
    if len(like) != 1 or like[0].numel() != 1:
        whose = ("the user-provided function returns a single Tensor" if what != "input" else
                 "the input to the user-provided function is a single Tensor")
        kind = "output" if what != "input" else "input"
        raise RuntimeError(f"{op}: The vector v can only be None if {whose} with a single element, got {kind} shapes "
                           f"{[tuple(t.shape) for t in like]}")
    return (Tensor._wrap(xp_of(like[0]._data).ones(like[0].shape, like[0]._data.dtype)),)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs: for output i and input j a Tensor of shape out_i.shape + in_j.shape, nested as
    torch nests them (a tuple level for tuple outputs, then one for tuple inputs). One backward per output element"""
    from ..tensor import Tensor
    op = "jacobian"
    _check_vectorize(op, strict, vectorize)
    _strategy_check(op, strategy, vectorize, create_graph)
    in_tuple, xs, out_tuple, outs = _run(func, inputs, op, create_graph)
    jac = []
    for i, o in enumerate(outs):
        _strict_output(op, i, o, strict)
        if create_graph:
            per_x = [[] for _ in xs]
            for k in range(o.numel() if o.requires_grad else 0):
                for lst, row in zip(per_x, _vjp_rows((o,), xs, (_onehot(o, k),), op, strict, True)):
                    lst.append(row.reshape(-1))
            jac.append(tuple(_stacked(lst, tuple(o.shape) + tuple(x.shape), x) for lst, x in zip(per_x, xs)))
            continue
        blocks = [_zeros(x, (o.numel(), x.numel())) for x in xs]
        if o.requires_grad:
            for k in range(o.numel()):
                rows = _vjp_rows((o,), xs, (_onehot(o, k),), op, strict)
                for block, row in zip(blocks, rows):
                    block[k] = row.reshape(-1)
        jac.append(tuple(Tensor._wrap(b.reshape(tuple(o.shape) + tuple(x.shape))) for b, x in zip(blocks, xs)))
    per_output = [_unpack(row, in_tuple) for row in jac]
    return _unpack(tuple(per_output), out_tuple)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product, one backward pass; v may be None for a one-element
    output"""
    op = "vjp"
    in_tuple, xs, out_tuple, outs = _run(func, inputs, op, create_graph)
    vs = _v_or_ones(v, outs, op, "output of the user-provided function")
    for i, o in enumerate(outs):
        _strict_output(op, i, o, strict)
    rows = _vjp_rows(outs, xs, vs, op, strict, create_graph)
    values = outs if create_graph else tuple(o.detach() for o in outs)
    return _unpack(values, out_tuple), _unpack(_results(rows, create_graph), in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, computed exactly from the full Jacobian (one backward per
    output element: reverse mode has no cheaper way without double backward); v may be None for a one-element
    input"""
    from ..tensor import Tensor
    op = "jvp"
    in_tuple, xs = _as_tuple(inputs, "inputs", op)
    vs = _v_or_ones(v, xs, op, "input")
    in_tuple, leaves, out_tuple, outs = _run(func, inputs, op, create_graph)
    products = []
    for i, o in enumerate(outs):
        _strict_output(op, i, o, strict)
        if create_graph:
            acc = [sum((r.reshape(-1) * vv.reshape(-1)).sum() for r, vv in
                       zip(_vjp_rows((o,), leaves, (_onehot(o, k),), op, strict, True), vs))
                   for k in range(o.numel() if o.requires_grad else 0)]
            products.append(_stacked(acc, tuple(o.shape), o))
            continue
        acc = _zeros(o, o.numel())
        if o.requires_grad:
            for k in range(o.numel()):
                rows = _vjp_rows((o,), leaves, (_onehot(o, k),), op, strict)
                acc[k] = sum(float((r.reshape(-1) * vv._data.reshape(-1)).sum()) for r, vv in zip(rows, vs))
        products.append(Tensor._wrap(acc.reshape(o.shape)))
    values = outs if create_graph else tuple(o.detach() for o in outs)
    return _unpack(values, out_tuple), _unpack(tuple(products), out_tuple)


def _scalar_output(func, inputs, op, create_graph):
    """(inputs_was_tuple, the inputs as differentiated, the one-element output) for hessian, hvp and vhp."""
    in_tuple, xs, _, outs = _run(func, inputs, op, create_graph)
    if len(outs) != 1 or outs[0].numel() != 1:
        raise RuntimeError(f"{op}: The function given to {op} should return a single element Tensor, got output "
                           f"shapes {[tuple(o.shape) for o in outs]}")
    return in_tuple, xs, outs[0]


def _first_grads(out, xs, op, strict):
    """d out / d x for each leaf x (out has one element), as Tensors recorded in the graph; zeros where x is unused."""
    _strict_output(op, 0, out, strict)
    return _vjp_rows((out,), xs, (_onehot(out, 0),), op, strict, create_graph=True)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H): the vector-Hessian product of a function with a one-element output, by double
    backward (the gradient with create_graph=True, then one backward through it); v may be None for a one-element
    input"""
    return _hessian_product("vhp", func, inputs, v, create_graph, strict)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v): the Hessian-vector product; the Hessian of a twice-differentiable function is symmetric,
    so this is v^T H, computed as vhp"""
    return _hessian_product("hvp", func, inputs, v, create_graph, strict)


def _hessian_product(op, func, inputs, v, create_graph, strict):
    in_tuple, xs, out = _scalar_output(func, inputs, op, create_graph)
    vs = _v_or_ones(v, xs, op, "input")
    rows = _vjp_rows(_first_grads(out, xs, op, strict), xs, vs, op, strict, create_graph)
    return (out if create_graph else out.detach()), _unpack(_results(rows, create_graph), in_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """d^2 func(inputs) / d inputs^2 of a function with a one-element output: for inputs i and j a Tensor of shape
    in_i.shape + in_j.shape (nested per input pair when inputs is a tuple), one backward per input element through
    the gradient computed with create_graph=True"""
    from ..tensor import Tensor
    op = "hessian"
    _check_vectorize(op, strict, vectorize)
    _strategy_check(op, outer_jacobian_strategy, vectorize)
    in_tuple, xs, out = _scalar_output(func, inputs, op, create_graph)
    firsts = _first_grads(out, xs, op, strict)
    rows = []
    for i, (gi, xi) in enumerate(zip(firsts, xs)):
        if create_graph:
            per_x = [[] for _ in xs]
            for k in range(xi.numel()):
                vs = [_onehot(xi, k) if j == i else Tensor._wrap(_zeros(g, g.shape)) for j, g in enumerate(firsts)]
                for lst, r in zip(per_x, _vjp_rows(firsts, xs, vs, op, strict, True)):
                    lst.append(r.reshape(-1))
            rows.append(tuple(_stacked(lst, tuple(xi.shape) + tuple(x.shape), x) for lst, x in zip(per_x, xs)))
            continue
        blocks = [_zeros(x, (xi.numel(), x.numel())) for x in xs]
        for k in range(xi.numel()):
            vs = [_onehot(xi, k) if j == i else Tensor._wrap(_zeros(g, g.shape)) for j, g in enumerate(firsts)]
            for block, r in zip(blocks, _vjp_rows(firsts, xs, vs, op, strict)):
                block[k] = r.reshape(-1)
        rows.append(tuple(Tensor._wrap(b.reshape(tuple(xi.shape) + tuple(x.shape))) for b, x in zip(blocks, xs)))
    return _unpack(tuple(_unpack(r, in_tuple) for r in rows), in_tuple)
