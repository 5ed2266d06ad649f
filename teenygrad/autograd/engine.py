"""autograd.grad, autograd.backward and Tensor.backward(inputs=...): backpropagation to chosen tensors, leaves or
not. grad and backward(inputs=...) are run_backward with a capture dict; grad hands the gradients back and leaves
every .grad as it was."""
import numpy as np
from . import function as _fn, grad_mode
from .function import Function, run_backward
from .._arrays import xp_of


class _Outputs(Function):
    """A root joining several outputs, so one backward pass starts from all of them: passes each its gradient."""

    def backward(self, g):
        return self.grads

    backward_graph = backward  # under create_graph the gradients it holds are Tensors


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _grads_tuple(op, grad_outputs, n):
    """grad_outputs as a tuple of n Tensors or Nones, refused as torch refuses them (no numbers, lists or arrays)."""
    from ..tensor import Tensor
    if grad_outputs is None:
        return (None,) * n
    if isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    elif not isinstance(grad_outputs, (tuple, list)):
        raise TypeError(f"{op}: grad_outputs must be a Tensor or a sequence of Tensors or Nones, got "
                        f"{type(grad_outputs).__name__}")
    for g in grad_outputs:
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"{op}: gradients can be either Tensors or None, but got {type(g).__name__}")
    return tuple(grad_outputs)


def _root(op, outputs, grad_outputs, graph=False):
    """The tensor and gradient one backward pass starts from, checked as torch checks them: a raw array, or with
    graph (create_graph=True) a Tensor. Several outputs are joined by one node that hands each its gradient."""
    from ..tensor import Tensor
    outputs = _as_tuple(outputs)
    grad_outputs = _grads_tuple(op, grad_outputs, len(outputs))
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{op}: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    grads = []
    for i, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(o, Tensor):
            raise TypeError(f"{op}: outputs must be Tensors, got {type(o).__name__} at index {i}")
        grads.append(_graph_grad(op, o, g, i) if graph else root_grad(op, o, g, i))
    if len(outputs) == 1:
        return outputs[0], grads[0]
    node = _Outputs()
    node.parents = [o._ctx or o for o in outputs]
    node.grads = tuple(grads)
    root = Tensor._wrap(np.zeros(()), requires_grad=True)
    root._ctx = node
    return root, (Tensor._wrap(root._data) if graph else root._data)


def _graph_grad(op, t, g, i):
    """root_grad as a Tensor for a create_graph pass; a Tensor the caller passed (which may itself require grad:
    then the result is differentiable in it too) is kept as it is when its dtype is t's."""
    from ..tensor import Tensor
    a = root_grad(op, t, g, i)
    return g if isinstance(g, Tensor) and g._data.dtype == a.dtype else Tensor._wrap(a)


def root_grad(op, t, g, i=0):
    """The raw gradient a backward pass starts output t with, checked as torch checks it: ones for a scalar when g
    is None, else g in t's dtype (a copy: no .grad may alias the caller's array). i: t's place among the outputs."""
    if not t.requires_grad:
        raise RuntimeError(f"{op}: element {i} of tensors does not require grad and does not have a grad_fn")
    a = t._data
    if g is None:
        if a.size != 1:
            raise RuntimeError(f"{op}: grad can be implicitly created only for scalar outputs, got shape "
                               f"{tuple(a.shape)} for output {i}")
        if a.dtype.kind == "c":  # d|L|/dL or dRe(L)/dL? torch asks for the gradient to be given
            raise RuntimeError(f"{op}: grad can be implicitly created only for real scalar outputs, got {a.dtype} "
                               f"for output {i}")
        if type(a) is not np.ndarray:
            return xp_of(a).ones(a.shape, a.dtype)
        return np.array(1, a.dtype) if a.ndim == 0 else np.ones(a.shape, a.dtype)  # a loss: 0.4 us, np.ones 1.2 us
    if not isinstance(g, _fn.Tensor):
        raise TypeError(f"{op}: gradients can be either Tensors or None, but got {type(g).__name__}")
    g = g._data
    if g.shape != a.shape:
        raise RuntimeError(f"{op}: Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} "
                           f"and output[{i}] has a shape of {tuple(a.shape)}.")
    if (g.dtype.kind == "c") != (a.dtype.kind == "c"):  # a cast would drop, or make up, an imaginary part
        raise RuntimeError(f"{op}: for complex tensors, grad_output and output must both be complex or both real: "
                           f"grad_output[{i}] is {g.dtype} and output[{i}] is {a.dtype}")
    return g.astype(a.dtype)


def _inputs(op, inputs):
    from ..tensor import Tensor
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError(f"{op}: `inputs` argument to `{op}()` cannot be empty.")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: inputs must be Tensors, got {type(t).__name__} at index {i}")
        if not t.requires_grad:
            raise RuntimeError(f"{op}: One of the differentiated Tensors (index {i}, shape {tuple(t.shape)}) "
                               f"does not require grad")
    return inputs


def _capture(root, g, inputs, retain_graph, graph=False):
    """run_backward from root, returning the raw gradient of each input (None where none arrived); with graph
    (create_graph=True) the graph pass, and the gradients as Tensors recorded in the graph."""
    keys = [t._ctx if t._ctx is not None else id(t) for t in inputs]  # a non-leaf's gradient is its node's
    capture = dict.fromkeys(keys)
    if graph:
        from .graph_backward import run_backward_graph
        run_backward_graph(root, g, capture)
    else:
        run_backward(root, g, retain_graph, capture)
    return [capture[k] for k in keys]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of outputs (summed, each weighted by its grad_output) w.r.t. each of inputs, as a tuple.
    No tensor's .grad changes (except those retain_grad asked for, as in torch)."""
    from ..tensor import Tensor
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    inputs = _inputs("grad", inputs)
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                             materialize_grads)
    root, g = _root("grad", outputs, grad_outputs, graph=create_graph)
    got = _capture(root, g, inputs, bool(retain_graph), graph=create_graph)
    out = []
    for i, (t, a) in enumerate(zip(inputs, got)):
        if a is None:
            if not allow_unused:
                raise RuntimeError(f"grad: The differentiated Tensor at index {i} appears to not have been used "
                                   f"in the graph. Set allow_unused=True if this is the desired behavior.")
            # torch's zeros require grad under create_graph (a leaf: nothing flows back through them)
            out.append(Tensor._wrap(xp_of(t._data).zeros_like(t._data), bool(create_graph)) if materialize_grads
                       else None)
            continue
        if create_graph:
            with grad_mode.enable_grad():  # in the graph even when called under no_grad, as torch's
                out.append(a.clone())  # a Tensor in the graph; a clone, as for the arrays below
        else:
            out.append(Tensor._wrap(a.copy()))  # a copy: the pass may have stored a in a retained .grad too
    return tuple(out)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """torch.autograd.backward: tensors' gradients (each weighted by its grad_tensor) accumulated into the .grad of
    the leaves (of inputs only, when given), in one pass: Tensor.backward for several outputs at once."""
    if grad_variables is not None:  # torch's old name for grad_tensors
        grad_tensors = grad_variables if grad_tensors is None else grad_tensors
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        return backward_graph(tensors, grad_tensors, inputs)
    root, g = _root("backward", tensors, grad_tensors)
    if inputs is not None:
        return backward_into(root, g, bool(retain_graph), inputs)
    run_backward(root, g, bool(retain_graph))


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """grad(is_grads_batched=True): the first dimension of each grad_output indexes independent vector-Jacobian
    products (torch vmaps over it); here one backward pass per index, the results stacked along a new dimension 0."""
    from ..tensor_join import stack
    outputs = _as_tuple(outputs)
    gos = _grads_tuple("grad", grad_outputs, len(outputs))
    sizes = {tuple(g.shape)[0] if g.ndim else None for g in gos if g is not None}
    if not sizes or None in sizes or len(sizes) != 1:
        shapes = [None if g is None else tuple(g.shape) for g in gos]
        raise RuntimeError(f"grad: is_grads_batched=True needs every grad_output to be a Tensor with the same "
                           f"batch size in dimension 0, got shapes {shapes}")
    n = sizes.pop()
    per = [grad(outputs, inputs, [None if g is None else g[b] for g in gos], retain_graph=True if b < n - 1 else
                retain_graph, create_graph=create_graph, allow_unused=allow_unused, materialize_grads=materialize_grads)
           for b in range(n)]
    return tuple(None if col[0] is None else stack(list(col)) for col in zip(*per))


_create_graph_warned = False


def backward_graph(t, gradient, inputs):
    """Tensor.backward(create_graph=True): the gradients are Tensors recorded in the graph, accumulated (out of
    place) into the .grad of the leaves, or of the listed inputs only."""
    from .graph_backward import run_backward_graph, _store
    global _create_graph_warned
    root, g = _root("backward", t, gradient, graph=True)
    if not _create_graph_warned:  # torch's TORCH_WARN_ONCE
        _create_graph_warned = True
        import warnings
        warnings.warn("Using backward() with create_graph=True will create a reference cycle between the parameter "
                      "and its gradient which can cause a memory leak. We recommend using autograd.grad when "
                      "creating the graph to avoid this. If you have to use this function, make sure to reset the "
                      ".grad fields of your parameters to None after use to break the cycle and avoid the leak.",
                      UserWarning, stacklevel=3)
    if inputs is None:
        run_backward_graph(root, g)
        return
    inputs = tuple({id(x): x for x in _inputs("backward", inputs)}.values())
    for x, a in zip(inputs, _capture(root, g, inputs, True, graph=True)):
        if a is not None and not (x._ctx is not None and x._retains_grad):
            _store(x, a)


def backward_into(root, g, retain_graph, inputs):
    """Tensor.backward(inputs=...): accumulate into the .grad of the listed tensors only (leaves or not)."""
    from .function import _accumulate_into_grad, _after_accumulate
    inputs = tuple({id(t): t for t in _inputs("backward", inputs)}.values())  # each listed tensor once
    stored = set()
    for t, a in zip(inputs, _capture(root, g, inputs, retain_graph)):
        if a is None or (t._ctx is not None and t._retains_grad):  # a retained .grad was filled by the pass
            continue
        _accumulate_into_grad(t, a.copy(), stored)  # a copy: the pass may have stored a in a retained .grad
        if t._ctx is None:  # a leaf's post-accumulate hooks run once its .grad holds the sum, as in backward()
            _after_accumulate(t)
