"""Finite-difference check of backward in float64: central differences against the analytic vector-Jacobian
products, one input element at a time."""
import numpy as np


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """fn(*inputs) -> Tensor (or tuple of Tensors). Inputs that require grad must be float64."""
    from ..tensor import Tensor
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    for t in diff:
        if t.dtype != np.float64:
            raise ValueError(f"gradcheck: inputs that require grad must be float64, got {t.dtype} "
                             f"(shape {t.shape}); float32 finite differences are too noisy")

    def outputs():
        out = fn(*inputs)
        return out if isinstance(out, (tuple, list)) else (out,)

    outs = outputs()
    rng = np.random.default_rng(0)
    # a random projection of the outputs makes one scalar whose gradient checks every output at once
    weights = [rng.standard_normal(o.shape) for o in outs]

    def scalar():
        with _no_grad():
            return sum(float((o._data.astype(np.float64) * w).sum()) for o, w in zip(outputs(), weights))

    for t in diff:
        t.grad = None
    total = None
    for o, w in zip(outs, weights):
        if o.requires_grad:
            term = (o * Tensor(w, dtype=o.dtype)).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    for k, t in enumerate(diff):
        analytic = np.zeros(t.shape) if t.grad is None else t.grad._data.astype(np.float64)
        numeric = np.zeros(t.shape)
        flat = t._data.reshape(-1)
        if not np.shares_memory(flat, t._data) and flat.size:
            raise ValueError("gradcheck: inputs must be contiguous")
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = scalar()
            flat[i] = orig - eps
            minus = scalar()
            flat[i] = orig
            numeric.reshape(-1)[i] = (plus - minus) / (2 * eps)
        if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
            worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), t.shape) if t.ndim else ()
            msg = (f"gradcheck: gradient of input {k} (shape {t.shape}) differs at index {worst}: "
                   f"analytic {analytic[worst]:.6g} vs numeric {numeric[worst]:.6g}")
            if raise_exception:
                raise AssertionError(msg)
            return False
    return True


def _no_grad():
    from .grad_mode import no_grad
    return no_grad()


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Finite-difference check of double backward (create_graph=True) in float64: gradcheck of the map
    (inputs, grad_outputs) -> the vector-Jacobian products of fn, which backward computes with a graph. grad_outputs
    default to random float64 tensors requiring grad, so the second derivatives in them are checked too (torch's
    gradgradcheck does the same)."""
    from ..tensor import Tensor
    from .engine import grad
    from .grad_mode import enable_grad
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    with enable_grad():
        outs = fn(*inputs)
    outs = outs if isinstance(outs, (tuple, list)) else (outs,)
    outs = [o for o in outs if o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(1)
        grad_outputs = [Tensor(rng.standard_normal(o.shape), dtype=o.dtype, requires_grad=True) for o in outs]
    grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else (grad_outputs,)
    if len(grad_outputs) != len(outs):
        raise ValueError(f"gradgradcheck: {len(grad_outputs)} grad_outputs for {len(outs)} differentiable outputs")
    n = len(inputs)

    def vjp(*args):
        xs, vs = args[:n], args[n:]
        with enable_grad():
            ys = fn(*xs)
            ys = ys if isinstance(ys, (tuple, list)) else (ys,)
            ys = [y for y in ys if y.requires_grad]
            return grad(ys, diff, vs, create_graph=True, allow_unused=True, materialize_grads=True)

    return gradcheck(vjp, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
