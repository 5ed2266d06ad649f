"""torch.autograd.forward_ad: dual tensors for Jacobian-vector products, as users call it:

    with fwAD.dual_level():
        d = fwAD.make_dual(x, v)        # x carrying the tangent v
        y = f(d)
        p, t = fwAD.unpack_dual(y)      # p = f(x), t = J_f(x) v

teenygrad has no forward mode. make_dual records a reverse graph instead, from a hidden fresh leaf holding x's
value, and unpack_dual computes J v by the double-vjp trick of teenygrad.func.jvp: g(u) = J^T u is linear in u, so
the gradient of <g(u), v> with respect to u is J v. So the tangents are torch's, but each unpack_dual costs two
backward passes (the first with create_graph=True) over y's graph, not one cheap forward step per op; the tangent
is the sum over every dual tensor of the level that y depends on, and None when it depends on none.

Where it differs from torch:
- it needs grad mode: make_dual under no_grad / inference_mode raises, and ops run under no_grad on a dual tensor
  record nothing, so what they make has no tangent (torch's forward mode ignores grad mode);
- a dual tensor and what is computed from it report requires_grad=True and have a grad_fn (the hidden leaf), where
  torch's do only if they require grad in reverse mode; unpack_dual's primal and tangent do follow torch (they
  require grad only when a tensor the user made requires grad, a parameter or x itself);
- ops without a double backward (docs/autograd.md lists them) raise in unpack_dual, naming the op;
- a backward() without retain_graph through y's graph frees it, and a later unpack_dual of y then raises;
- make_dual returns a copy of x, not an alias of its memory; complex dual tensors and nested levels (torch has no
  nested levels either) are not supported."""
import weakref
from collections import namedtuple

from .._arrays import xp_of
from .engine import grad as _grad
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "dual_level"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = "unpack_dual's result: the primal value and the tangent (None without one)."

_current_level = -1
_duals = weakref.WeakSet()  # the MakeDual nodes of the current level (each holds its hidden leaf and tangent)


class MakeDual(Function):
    """d = x, seen by backward as a function of two inputs: the hidden leaf l (x's value, where unpack_dual takes
    gradients) and x itself (so d stays differentiable in x, as torch's dual is);  dl = dx = dd"""
    saves_inputs = False
    keeps_graph = True  # its backward reads no arrays

    def forward(self, l, x):
        return l.copy(order="K")  # in x's layout (strides), as torch's dual, a view of x

    def backward(self, g):
        return g, (g if self.needs_input_grad[1] else None)

    backward_graph = backward


def enter_dual_level():
    """Enter the forward AD level (0) that make_dual and unpack_dual use; returns it."""
    global _current_level
    if _current_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _current_level = 0
    return _current_level


def exit_dual_level(*, level=None):
    """Leave the current level: every dual tensor of it loses its tangent."""
    global _current_level
    if level is None:
        level = _current_level
    if level != _current_level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    _duals.clear()
    _current_level = level - 1


class dual_level:
    """Context manager (and decorator) for forward AD: enters a level and exits it, dropping its tangents."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper


def _level(op, level):
    if level is None:
        return _current_level
    if level != _current_level:
        raise RuntimeError(f"{op}: level {level} is not the current forward AD level {_current_level} (teenygrad has "
                           f"a single level)")
    return level


def _walk(t, hidden):
    """(whether t's graph reaches one of the hidden leaves, whether it reaches a tensor the user made that requires
    grad, whether it reaches a node freed by a backward, so that what lies below it is unknown): a walk over the
    Function nodes t was computed from."""
    if t._ctx is None:
        return id(t) in hidden, t.requires_grad and id(t) not in hidden, False
    dual = real = freed = False
    seen, stack = set(), [t._ctx]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        freed |= node.parents is None  # as the engine marks a node whose backward has freed it
        for p in node.parents or ():
            if isinstance(p, Function):
                stack.append(p)
            elif id(p) in hidden:
                dual = True
            elif p.requires_grad:
                real = True
    return dual, real, freed


def _check_tensor(op, what, t):
    from ..tensor import Tensor
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected a Tensor as the {what}, got {type(t).__name__}")
    if t.is_complex():
        raise NotImplementedError(f"{op}: complex dual tensors are not supported in teenygrad")
    if not t.is_floating_point():
        raise ValueError(f"Expected {what} to be floating point or complex, but got: {t.dtype}")


def make_dual(tensor, tangent, *, level=None):
    """A dual tensor: tensor's value (a copy) carrying `tangent` (same shape) at the current level, differentiable
    in tensor as torch's is. Compute with it, then unpack_dual the result."""
    level = _level("make_dual", level)
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    _check_tensor("make_dual", "primal", tensor)
    _check_tensor("make_dual", "tangent", tangent)
    if tuple(tensor.shape) != tuple(tangent.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if tensor.device != tangent.device:
        raise RuntimeError(f"make_dual: the primal is on {tensor.device} but the tangent on {tangent.device}")
    if not is_grad_enabled():
        raise RuntimeError("make_dual: teenygrad's forward AD records a reverse-mode graph (see "
                           "teenygrad.autograd.forward_ad), so it needs grad mode: call it outside no_grad and "
                           "inference_mode")
    if _walk(tensor, {id(n.parents[0]) for n in _duals if n.parents})[0]:
        raise RuntimeError(f"Making a dual Tensor based on a Tensor that already has a forward gradient at the same "
                           f"level {level} is not supported.")
    leaf = tensor.detach().requires_grad_(True)
    dual = MakeDual.apply(leaf, tensor)
    if tangent.stride() != dual.stride():  # torch keeps the tangent in the primal's layout: a copy where it differs
        from ..tensor import Tensor
        tangent = Tensor._wrap(xp_of(dual._data).empty_like(dual._data)).copy_(tangent)
    dual._ctx.tangent = tangent
    _duals.add(dual._ctx)
    return dual


def unpack_dual(tensor, *, level=None):
    """(primal, tangent) of tensor at the current level: its value, and J v summed over the dual tensors it was
    computed from (None when none). Outside a level: (tensor, None)."""
    level = _level("unpack_dual", level)
    if level < 0:
        return UnpackedDualTensor(tensor, None)
    from ..tensor import Tensor
    if not isinstance(tensor, Tensor):
        raise TypeError(f"unpack_dual: expected a Tensor, got {type(tensor).__name__}")
    nodes = [n for n in _duals if n.parents]
    leaves = [n.parents[0] for n in nodes]
    dual, real, freed = _walk(tensor, {id(l) for l in leaves})
    if freed and nodes:  # the tangent is computed by backward through the graph, and part of it is gone
        raise RuntimeError("unpack_dual: the graph of this tensor was freed by an earlier backward(), and teenygrad "
                           "computes tangents by backward through it (teenygrad.autograd.forward_ad): call "
                           "backward(retain_graph=True) before unpack_dual, or unpack_dual first")
    primal = tensor.view_as(tensor) if real else tensor.detach()
    if not dual:
        return UnpackedDualTensor(primal, None)
    if tensor._ctx in _duals:  # a dual tensor itself: its tangent as given
        return UnpackedDualTensor(primal, tensor._ctx.tangent)
    graph = real or any(n.tangent.requires_grad for n in nodes)
    with enable_grad():
        u = tensor.detach().new_zeros(tensor.shape).requires_grad_(True)
        try:
            gs = _grad(tensor, leaves, u, create_graph=True, allow_unused=True)  # J^T u per dual input
        except NotImplementedError as e:
            raise NotImplementedError(f"unpack_dual: teenygrad computes tangents by double backward "
                                      f"(teenygrad.autograd.forward_ad), and {e}") from e
        except RuntimeError as e:
            _reraise_saved_value_error(e, "unpack_dual: teenygrad computes tangents by double backward "
                                          "(teenygrad.autograd.forward_ad)")
        pairs = [(g, n.tangent) for g, n in zip(gs, nodes) if g is not None and g.requires_grad]
        if not pairs:  # J^T u does not depend on u: every J is zero
            return UnpackedDualTensor(primal, u.detach() * 0)
        tangent, = _grad([g for g, _ in pairs], u, [t for _, t in pairs], create_graph=graph, allow_unused=True,
                         materialize_grads=True)
    return UnpackedDualTensor(primal, tangent)


def _reraise_saved_value_error(e, how):
    """Raise e again; where it says a value the backward saved was written in place (torch's forward mode runs such
    a program), first say why a jvp taken by double backward needs that value."""
    if "modified by an inplace operation" not in str(e):
        raise e
    raise RuntimeError(f"{how}, which needs what the backward saved, where torch's forward mode does not: {e}") from None
