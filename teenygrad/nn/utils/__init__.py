"""teenygrad.nn.utils: gradient clipping and flat parameter vectors (torch.nn.utils' names).
Clipping works in place on the .grad arrays, outside any graph."""
import math
import numbers

import numpy as np
from ...tensor import Tensor
from ...tensor_join import cat
from ..._arrays import on_device_of, xp_of
from . import rnn  # noqa: F401  (torch.nn.utils.rnn)


def _params(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _grads(parameters):
    return [p.grad._data for p in _params(parameters) if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the norms of `tensors` (a Tensor or an iterable of them), as clip_grad_norm_ computes it."""
    arrays = [t._data if isinstance(t, Tensor) else t for t in _params(tensors)]
    return Tensor._wrap(_total_norm(arrays, float(norm_type), error_if_nonfinite))


def _vector_norm(a, p):
    """torch.linalg.vector_norm of the flat array a as a Python float (summed in float64; float16 is widened
    first so that its squares don't overflow, as torch accumulates in float32)."""
    if a.dtype.itemsize < 4:
        a = a.astype(np.float32)
    if a.size == 0:
        return math.inf if p == -math.inf else 0.0
    if p == 2.0:  # vdot: one BLAS dot, no temporaries
        return math.sqrt(float(np.vdot(a, a)))
    x = np.abs(a)
    if p == math.inf:
        return float(x.max())
    if p == -math.inf:
        return float(x.min())
    if p == 0.0:  # the number of non-zero entries
        return float(np.count_nonzero(x))
    if p == 1.0:
        return float(x.sum(dtype=np.float64))
    with np.errstate(divide="ignore", over="ignore"):  # p < 0: a zero entry gives inf, and the norm 0
        # the powers in the array's dtype, as torch takes them (a float32 |x|^p past 3.4e38 is inf there too)
        return float((x ** x.dtype.type(p)).sum(dtype=np.float64)) ** (1.0 / p)


def _total_norm(grads, norm_type, error_if_nonfinite):
    """torch's two-level norm: each gradient's norm in its own dtype, then the norm of those norms, in their
    promoted dtype (float32 stays float32; float32 with float64 gives float64). For norm_type 0 that counts the
    gradients that have a non-zero entry, as torch does."""
    if not grads:
        return np.zeros((), dtype=np.float32)
    if math.isinf(norm_type) and any(g.size == 0 for g in grads):
        raise RuntimeError(f"clip_grad_norm_: cannot compute the {norm_type} norm of an empty gradient because the "
                           "operation does not have an identity")
    dtype = np.result_type(*[g.dtype for g in grads])
    if norm_type == 2.0 and type(grads[0]) is not np.ndarray:
        return _total_norm_on_device(grads, dtype, error_if_nonfinite)
    if norm_type == 2.0 and dtype.kind == "f" and dtype.itemsize >= 4 and all(g.dtype == dtype for g in grads):
        # _vector_norm's vdot per gradient (vdot flattens as reshape(-1) does), without its per-call tests: ~2 us of
        # Python a gradient, 0.1 ms of a GPT step's 52 (Zen 3 VM)
        norms = np.array([math.sqrt(float(np.vdot(g, g))) for g in grads], dtype=dtype)
    else:
        norms = np.array([g.dtype.type(_vector_norm(g.reshape(-1), norm_type)) for g in grads], dtype=dtype)
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and scale the gradients "
                           "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return on_device_of(grads[0], np.asarray(total, dtype=dtype))  # torch returns the norm on the grads' device


def _total_norm_on_device(grads, dtype, error_if_nonfinite):
    """The 2-norm of GPU gradients, computed there: a float() per gradient would wait for the GPU each time (27
    round trips a step for nanoGPT). Each gradient's norm in its own dtype (float16 squares summed in float32),
    then the norm of those norms in the promoted dtype, as on the CPU."""
    xp = xp_of(grads[0])
    flats = [g.reshape(-1) if g.dtype.itemsize >= 4 else g.reshape(-1).astype(np.float32) for g in grads]
    norms = xp.stack([xp.sqrt(xp.vdot(f, f)).astype(g.dtype).astype(dtype) for f, g in zip(flats, grads)])
    wide = norms.astype(np.float32) if norms.dtype.itemsize < 4 else norms  # float16 squares overflow at 256
    total = xp.sqrt(xp.vdot(wide, wide)).astype(dtype)
    if error_if_nonfinite and not math.isfinite(float(total)):  # this check needs the value: one wait
        _total_norm([norms.get()], 2.0, True)  # raises torch's message
    return total


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients by min(1, max_norm / (total_norm + 1e-6)) in place; return total_norm (a Tensor)."""
    grads = _grads(parameters)
    total = _total_norm(grads, float(norm_type), error_if_nonfinite)
    _scale(grads, max_norm, total)
    return Tensor._wrap(total)


clip_grad_norm = clip_grad_norm_  # torch's deprecated name, still in use


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value] in place."""
    c = float(clip_value)
    for g in _grads(parameters):
        np.clip(g, -c, c, out=g)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor; like torch, it is in the graph (a loss
    on the vector backpropagates to the parameters)."""
    ps = _params(parameters)
    if not ps:
        raise ValueError("parameters_to_vector: got no parameters")
    return cat([p.reshape(-1) for p in ps])


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
        p._mark_written()
        i += p.numel()


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale gradients by min(1, max_norm / (total_norm + 1e-6)) given a precomputed total norm."""
    _scale(_grads(parameters), max_norm, total_norm)


def _scale(grads, max_norm, total_norm):
    """Multiply the gradient arrays in place by min(1, max_norm / (total_norm + 1e-6)), rounded as torch does
    it: in the norm's dtype, and x / t as x * (1 / t)."""
    t = total_norm._data if isinstance(total_norm, Tensor) else total_norm
    dt = np.dtype(getattr(t, "dtype", np.float64))
    dt = dt.type if dt.kind == "f" else np.float32
    if grads and type(grads[0]) is not np.ndarray and not isinstance(t, numbers.Number):
        # on a GPU the coefficient stays there, clamped to 1 as torch's CUDA path does, and every gradient is
        # multiplied (skipping the multiply when nothing is clipped would need the value: a wait)
        xp = xp_of(grads[0])
        coef = xp.minimum((dt(1.0) / (xp.asarray(t).astype(dt) + dt(1e-6))) * dt(float(max_norm)), dt(1.0))
        for g in grads:
            g *= coef.astype(g.dtype) if g.dtype.itemsize >= 4 else coef
        return
    coef = (dt(1.0) / (dt(float(t)) + dt(1e-6))) * dt(float(max_norm))
    if not coef >= 1.0:  # 1 changes nothing, so skip that pass; but a nan norm makes every gradient nan, as torch
        with np.errstate(invalid="ignore"):  # inf * 0 (an inf norm) is nan, as in torch, without a warning
            for g in grads:
                if g.dtype.itemsize < 4:  # torch multiplies float16 by the float32 coefficient, then rounds
                    np.multiply(g, np.float32(coef), out=g, casting="unsafe")
                else:
                    g *= g.dtype.type(coef)


def __getattr__(name):
    """The rest of torch.nn.utils loads on first use, keeping `import teenygrad.nn.utils` light."""
    import importlib
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _FROM:
        return getattr(importlib.import_module(f".{_FROM[name]}", __name__), name)
    raise AttributeError(f"module 'teenygrad.nn.utils' has no attribute '{name}'")


_SUBMODULES = {"parametrize", "parametrizations", "stateless", "fusion", "init", "prune"}
_FROM = {"weight_norm": "_norm_hooks", "remove_weight_norm": "_norm_hooks", "spectral_norm": "_norm_hooks",
         "remove_spectral_norm": "_norm_hooks", "fuse_conv_bn_eval": "fusion", "fuse_conv_bn_weights": "fusion",
         "fuse_linear_bn_eval": "fusion", "fuse_linear_bn_weights": "fusion", "skip_init": "init"}
