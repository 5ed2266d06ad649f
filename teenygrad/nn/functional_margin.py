"""teenygrad.nn.functional's margin, embedding and likelihood losses (re-exported there): poisson_nll_loss,
gaussian_nll_loss, margin_ranking_loss, hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss,
multilabel_margin_loss, multi_margin_loss, cosine_embedding_loss, triplet_margin_loss and
triplet_margin_with_distance_loss. Each is a composite of differentiable Tensor ops (none is on a hot path);
input and target broadcast as in torch, and the checks here name the op and the offending shapes/values."""
import math
import numpy as np
from ..tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ..tensor import Tensor, _check_same_device
from ..tensor_ops import where as _where, minimum as _minimum
from .._arrays import on_device_of, xp_of, zeros_on
from ._checks import _t
from .functional_loss import _reduce, _legacy_reduction, _check_reduction, _not_differentiable

_INT64 = np.dtype(np.int64)


def _reduction(size_average, reduce, reduction, op):
    if size_average is not None or reduce is not None:  # torch's deprecated flags win over reduction
        reduction = _legacy_reduction(size_average, reduce, op)
    _check_reduction(reduction, op)
    return reduction


def _broadcast(op, **tensors):
    """Check that the named tensors broadcast together (as torch lets these losses do), naming them if not."""
    for name, x in tensors.items():
        _t(x, op, name)
    first = next(iter(tensors.values()))
    for x in tensors.values():
        _check_same_device(first, x, op)
    try:
        return np.broadcast_shapes(*(x.shape for x in tensors.values()))
    except ValueError:
        shapes = ", ".join(f"{name} {x.shape}" for name, x in tensors.items())
        raise RuntimeError(f"{op}: shapes don't broadcast together: {shapes}") from None


def _const(like, array):
    """A constant (no-grad) tensor of like's dtype and device."""
    return Tensor._wrap(on_device_of(like._data, array).astype(like.dtype, copy=False))  # a device array stays


def _hinge(z, keep):
    """z where z > 0 and keep, else 0 (and no gradient there), as torch's `if (z > 0) sum += z` loops: a NaN z
    (inf - inf) adds nothing, and a left-out term adds 0 even where it is NaN"""
    return _where(Tensor._wrap((z._data > 0) & on_device_of(z._data, keep)), z, 0.0)


def _class_ids(target, op):
    if _t(target, op, "target").dtype != _INT64:  # torch: expected scalar type Long
        raise TypeError(f"{op}: expected int64 (Long) class ids as target, got {target.dtype} of shape "
                        f"{target.shape}")
    return target._data


# ---- likelihoods -----------------------------------------------------------------------------------
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """e^x - y x (log_input) or x - y log(x + eps); full adds Stirling's y log y - y + log(2 pi y) / 2 where y > 1."""
    reduction = _reduction(size_average, reduce, reduction, "poisson_nll_loss")
    _broadcast("poisson_nll_loss", input=input, target=target)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        # 0 where target <= 1, by a where over the term on target itself: as torch's masked_fill, target's gradient
        # there is 0 * log(0), NaN, at target 0
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + _where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction, "poisson_nll_loss")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """(log(max(var, eps)) + (x - y)^2 / max(var, eps)) / 2 (+ log(2 pi) / 2 with full). var is input-shaped, or
    has one dim of size 1 where input's differs (shared across it), or lacks input's last dim; or a number."""
    op = "gaussian_nll_loss"
    _t(input, op)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries (var={var})")
        var = _const(input, np.full(input.shape, var))
    elif _t(var, op, "var")._data.size and var._data.min() < 0:
        raise ValueError(f"{op}: var has negative entry/entries (min {var._data.min()})")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:  # one variance per row of the last dim
            var = var.unsqueeze(-1)
        elif not (var.ndim == input.ndim
                  and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):  # torch's rule, verbatim
            raise ValueError(f"{op}: var of shape {var.shape} is of incorrect size for input of shape "
                             f"{input.shape} (expected the input's shape, that shape with one dim of size 1, or "
                             f"the input's shape without its last dim)")
    _check_reduction(reduction, op)
    _broadcast(op, input=input, target=target, var=var)
    v = var.detach()
    var = var + (v.clamp(min=eps) - v)  # clamped in value only: the gradient passes as if unclamped, as torch's
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, op)


# ---- margins ---------------------------------------------------------------------------------------
def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -y (x1 - x2) + margin), y = 1 (x1 should rank higher) or -1."""
    op = "margin_ranking_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    for name, x in (("input1", input1), ("input2", input2), ("target", target)):
        _t(x, op, name)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"{op}: all input tensors should have the same number of dims, got input1 {input1.shape}, "
                           f"input2 {input2.shape}, target {target.shape}")
    _broadcast(op, input1=input1, input2=input2, target=target)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction, op)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1 (torch adds both terms for any other y)."""
    op = "hinge_embedding_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    _broadcast(op, input=input, target=target)
    loss = _where(target != 1, (margin - input).clamp(min=0), 0.0) + _where(target != -1, input, 0.0)
    return _reduce(loss, reduction, op)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + e^(-y x)), as a softplus (no overflow for large -y x)."""
    op = "soft_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    shape = _broadcast(op, input=input, target=target)
    if tuple(shape) != tuple(input.shape):  # torch computes into an input-shaped output: only target broadcasts
        raise RuntimeError(f"{op}: target {target.shape} would broadcast input {input.shape} to {tuple(shape)}; "
                           f"only target may be broadcast")
    return _reduce((-input * target).softplus(), reduction, op)._named("SoftMarginLossBackward0")


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Mean over the classes (last dim) of -w (y log sigmoid(x) + (1 - y) log sigmoid(-x))."""
    op = "multilabel_soft_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    if _t(input, op).ndim == 0:
        raise IndexError(f"{op}: input must have a class dim (the last), got a 0-d tensor")
    _broadcast(op, input=input, target=target, **({} if weight is None else {"weight": weight}))
    loss = -(target * -(-input).softplus() + (1 - target) * -input.softplus())  # log sigmoid(x) = -softplus(-x)
    if weight is not None:
        loss = loss * weight
    # summed over input's class dim, as torch, even where target broadcasts the loss to more dims
    return _reduce(loss.sum(input.ndim - 1) / input.shape[-1], reduction, op)


def _class_scores(input, target, op):
    """The checks both multi-class margin losses make: float scores (C,) or (N, C) with C > 0, and integer class ids
    on the same device; returns the ids as an array."""
    _t(input, op)
    if not dt.is_floating(input.dtype):
        raise TypeError(f"{op}: expected a floating point input, got {input.dtype}")
    if input.ndim > 2 or (input.ndim >= 1 and input.shape[-1] == 0):
        raise RuntimeError(f"{op}: expected a non-empty vector or matrix (C,) / (N, C) as input, got {input.shape}")
    t = _class_ids(target, op)
    _check_same_device(input, target, op)
    return t


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Per sample: sum over its target classes j and non-target classes i of max(0, 1 - (x_j - x_i)), over C.
    target (like input, int64) lists the target classes first, ended by -1 (or by the row's end)."""
    op = "multilabel_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    t = _class_scores(input, target, op)
    if target.shape != input.shape and not (input.ndim == 0 and t.size == 1 and target.ndim <= 1):
        raise RuntimeError(f"{op}: inconsistent target size: {target.shape} for input of size {input.shape}")
    x = input.reshape(-1, input.shape[-1] if input.ndim else 1)
    C = x.shape[1]
    t = t.reshape(x.shape)
    if t.size and (t.min() < -1 or t.max() >= C):
        bad = int(t.min()) if t.min() < -1 else int(t.max())
        raise RuntimeError(f"{op}: target {bad} is out of range for {C} classes (expected -1 to {C - 1})")
    # torch loops over the listed targets only: gather their scores, (n, k), and pair each with every class,
    # (n, k, c), rather than all (n, c, c) class pairs; a repeated target is listed, and counted, twice
    listed = np.cumprod(t != -1, axis=1).astype(bool)  # the targets before the row's first -1
    k = int(listed.sum(1).max()) if t.size else 0
    listed = listed[:, :k]
    ids = np.where(listed, t[:, :k], 0)
    is_target = zeros_on(t, x.shape, np.bool_)
    is_target[np.nonzero(listed)[0], ids[listed]] = True
    pairs = listed[:, :, None] & ~is_target[:, None, :]  # (n, k, i): listed target against non-target i
    x_j = x.gather(1, Tensor._wrap(on_device_of(x._data, ids)))  # (n, k)
    z = 1 - x_j.unsqueeze(2) + x.unsqueeze(1)
    loss = _hinge(z, pairs).sum((1, 2)) / C
    loss = loss.reshape(()) if input.ndim <= 1 else loss
    return loss.sum() if reduction == "mean" and x.shape[0] == 0 else _reduce(loss, reduction, op)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Per sample: sum over classes i != y of w_y max(0, margin - x_y + x_i)^p, over C (p is 1 or 2)."""
    op = "multi_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    if p != 1 and p != 2:
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    t = _class_scores(input, target, op)
    x = input.reshape(-1, input.shape[-1] if input.ndim else 1)
    N, C = x.shape
    if (target.shape != (N,)) if input.ndim == 2 else (target.ndim > 1 or t.size != 1):
        raise RuntimeError(f"{op}: target should be 1-D with one class id per sample: expected target size ({N},), "
                           f"got {target.shape} for input {input.shape}")
    if weight is not None:
        if _t(weight, op, "weight").ndim != 1:
            raise ValueError(f"{op}: weight must be one-dimensional, got shape {weight.shape}")
        if weight.shape[0] != C:
            raise RuntimeError(f"{op}: inconsistent weight size, expected ({C},) but got {weight.shape}")
        if weight.dtype != input.dtype:
            raise TypeError(f"{op}: weight dtype {weight.dtype} differs from the input's {input.dtype}")
        _not_differentiable(op, weight=weight)
    t = t.reshape(-1)
    if t.size and (t.min() < 0 or t.max() >= C):
        bad = int(t.min()) if t.min() < 0 else int(t.max())
        raise RuntimeError(f"{op}: target {bad} is out of range for {C} classes")
    x_y = x.gather(1, Tensor._wrap(on_device_of(x._data, t.reshape(-1, 1))))  # (n, 1)
    others = xp_of(t).arange(C) != t[:, None]  # the target's own term is left out
    hinge = _hinge(margin - x_y + x, others)
    loss = (hinge * hinge if p == 2 else hinge).sum(1) / C
    if weight is not None:
        loss = loss * weight.detach()[Tensor._wrap(on_device_of(x._data, t))]  # torch: weight gets no gradient
    loss = loss if input.ndim == 2 else loss.reshape(target.shape)
    loss = loss.sum() if reduction == "mean" and N == 0 else _reduce(loss, reduction, op)  # torch: 0, not nan
    return loss._named("MultiMarginLossBackward0")


# ---- embeddings ------------------------------------------------------------------------------------
def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1 (0 for any other y); rows of
    (n, d) inputs with (n,) targets, or (d,) inputs with a 0-d target."""
    op = "cosine_embedding_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    for name, x in (("input1", input1), ("input2", input2), ("target", target)):
        _t(x, op, name)
    if target.ndim > 1:
        raise RuntimeError(f"{op}: 0-D or 1-D target tensor expected, multi-target not supported (got target "
                           f"{target.shape})")
    if not input1.ndim == input2.ndim == target.ndim + 1:
        raise RuntimeError(f"{op}: a {target.ndim}-D target tensor expects {target.ndim + 1}-D input tensors, but "
                           f"found inputs with sizes {input1.shape} and {input2.shape}")
    _broadcast(op, input1=input1, input2=input2)
    d = target.ndim
    dot = (input1 * input2).sum(d)
    denom = (((input1 * input1).sum(d) + 1e-12) * ((input2 * input2).sum(d) + 1e-12)).sqrt()
    cos = dot / denom
    _broadcast(op, cos=cos, target=target)
    loss = _where(target == 1, 1 - cos, 0.0) + _where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduce(loss, reduction, op)


def _pairwise(x1, x2, p=2.0, eps=1e-6):
    """nn.functional.pairwise_distance: the p-norm of x1 - x2 + eps over the last dim."""
    d = x1 - x2 + eps
    return d.abs() if d.ndim == 0 else d.norm(p, -1)


def _triplet_dims(op, anchor, positive, negative):
    for name, x in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        _t(x, op, name)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"{op}: the anchor, positive, and negative tensors are expected to have the same number "
                           f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
                           f"negative {negative.ndim}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, margin + d(a, pos) - d(a, neg)), d the p-norm distance over the last dim (pairwise_distance);
    swap: d(a, neg) becomes min(d(a, neg), d(pos, neg))."""
    op = "triplet_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    _triplet_dims(op, anchor, positive, negative)
    _broadcast(op, anchor=anchor, positive=positive, negative=negative)
    d_pos, d_neg = _pairwise(anchor, positive, p, eps), _pairwise(anchor, negative, p, eps)
    if swap:
        d_neg = _minimum(d_neg, _pairwise(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction, op)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """triplet_margin_loss with any distance_function(x1, x2) -> distances (default: pairwise_distance)."""
    op = "triplet_margin_with_distance_loss"
    _check_reduction(reduction, op)
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    _triplet_dims(op, anchor, positive, negative)
    dist = _pairwise if distance_function is None else distance_function
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = _minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction, op)
