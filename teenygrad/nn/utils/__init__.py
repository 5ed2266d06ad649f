"""teenygrad.nn.utils: gradient clipping and flat parameter vectors (torch.nn.utils' names).
Clipping works in place on the .grad arrays, outside any graph."""
import math
import numpy as np
from ...tensor import Tensor
from ..._arrays import on_device_of
from . import rnn  # noqa: F401  (torch.nn.utils.rnn)


def _params(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _grads(parameters):
    return [p.grad._data for p in _params(parameters) if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False):
    arrays = [t._data if isinstance(t, Tensor) else t for t in tensors]
    return Tensor._wrap(_total_norm(arrays, float(norm_type), error_if_nonfinite))


def _total_norm(grads, norm_type, error_if_nonfinite):
    """The norm of all gradients taken as one vector, in the gradients' dtype (float32 stays float32)."""
    if not grads:
        return np.zeros((), dtype=np.float32)
    dtype = grads[0].dtype
    if norm_type == math.inf:
        total = max(float(np.abs(g).max()) if g.size else 0.0 for g in grads)
    elif norm_type == 2.0:
        # vdot on the flat view: one BLAS dot per tensor, no temporaries
        total = math.sqrt(sum(float(np.vdot(g.reshape(-1), g.reshape(-1))) for g in grads))
    else:
        total = sum(float((np.abs(g) ** norm_type).sum()) for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and scale the gradients "
                           "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return on_device_of(grads[0], np.asarray(total, dtype=dtype))  # torch returns the norm on the grads' device


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients by min(1, max_norm / (total_norm + 1e-6)) in place; return total_norm (a Tensor)."""
    grads = _grads(parameters)
    total = _total_norm(grads, float(norm_type), error_if_nonfinite)
    _scale(grads, max_norm, total)
    return Tensor._wrap(total)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value] in place."""
    c = float(clip_value)
    for g in _grads(parameters):
        np.clip(g, -c, c, out=g)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor (a copy, no graph)."""
    ps = _params(parameters)
    if not ps:
        raise ValueError("parameters_to_vector: got no parameters")
    return Tensor._wrap(np.concatenate([p._data.reshape(-1) for p in ps]))


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D vec into the parameters (in place, keeping their objects)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, but got {type(vec).__name__}")
    ps = _params(parameters)
    n = sum(p.numel() for p in ps)
    if vec.ndim != 1 or vec.numel() != n:
        raise RuntimeError(f"vector_to_parameters: vec of shape {tuple(vec.shape)} doesn't hold the {n} values of "
                           "the parameters")
    i = 0
    for p in ps:
        p._data[...] = vec._data[i:i + p.numel()].reshape(p.shape)
        i += p.numel()


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale gradients by min(1, max_norm / (total_norm + 1e-6)) given a precomputed total norm."""
    _scale(_grads(parameters), max_norm, total_norm)


def _scale(grads, max_norm, total_norm):
    """Multiply the gradient arrays in place by min(1, max_norm / (total_norm + 1e-6)), as torch does."""
    coef = float(max_norm) / (float(total_norm) + 1e-6)
    if not coef >= 1.0:  # 1 changes nothing, so skip that pass; but a nan norm makes every gradient nan, as torch
        for g in grads:
            g *= g.dtype.type(coef)
