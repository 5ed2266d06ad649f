"""teenygrad.nn.utils.prune: torch.nn.utils.prune's pruning by masks.

Pruning parameter `name` of a module moves it to the Parameter `name_orig`, adds the buffer `name_mask`, and
makes `name` a plain attribute, orig * mask, recomputed by a forward pre-hook (the pruning method itself) before
every call: an optimizer updates `name_orig`, and the forward still sees zeros where the mask is 0. Pruning the
same parameter again chains the methods in a PruningContainer, each new one acting only on what is still
unpruned. remove() folds the mask into the parameter for good.

Masks are computed on the host in numpy. Ties are broken as torch's CPU topk breaks them (_prune_topk.py), and
the random methods draw from teenygrad's generator as torch does (rand_like on the scores, rand over the
channels), so the same seed prunes the same entries.
"""
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

import numpy as np
from ...tensor import Tensor
from ..._arrays import on_device_of, to_host
from ._prune_topk import topk_positions


def _like(t, host):
    """A host array as a Tensor on t's device."""
    return Tensor._wrap(on_device_of(t._data, np.ascontiguousarray(host)))


class BasePruningMethod(ABC):
    """Base of the pruning methods: subclasses define compute_mask (and PRUNING_TYPE: 'unstructured',
    'structured' with a `dim`, or 'global')."""
    _tensor_name: str

    def __call__(self, module, inputs):
        """The forward pre-hook: recompute module.<name> = orig * mask."""
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t, default_mask):
        """A mask for t (the importance scores) that keeps default_mask's zeros."""

    def apply_mask(self, module):
        """orig * mask for this method's parameter (in the graph, so gradients reach name_orig)."""
        if getattr(self, "_tensor_name", None) is None:
            raise RuntimeError(f"apply_mask: module {type(module).__name__} has to be pruned first")
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune `name` of `module` with cls(*args, **kwargs), chaining with any earlier pruning of it."""
        method = _composite_method(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(orig.shape):
                raise ValueError(f"{cls.__name__}: importance_scores of shape {tuple(importance_scores.shape)} "
                                 f"should have the shape {tuple(orig.shape)} of parameter {name!r}")
        else:
            importance_scores = orig
        first = not isinstance(method, PruningContainer)
        if first:
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = _like(orig, np.ones(orig.shape, orig.dtype))
        else:
            default_mask = getattr(module, name + "_mask").detach().clone()
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if first:  # put the parameter back as it was
                module.register_parameter(name, module._parameters.pop(name + "_orig"))
            raise
        return method

    def prune(self, t, default_mask=None, importance_scores=None):
        """t times the mask compute_mask gives for importance_scores (t itself when None)."""
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(t.shape):
                raise ValueError(f"{type(self).__name__}.prune: importance_scores of shape "
                                 f"{tuple(importance_scores.shape)} should have the shape {tuple(t.shape)} of t")
        else:
            importance_scores = t
        if default_mask is None:
            default_mask = _like(t, np.ones(t.shape, t.dtype))
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module):
        """Make the pruning permanent: name becomes a Parameter again (the name_orig object, holding
        orig * mask), and name_orig, name_mask go."""
        if getattr(self, "_tensor_name", None) is None:
            raise RuntimeError(f"remove: module {type(module).__name__} has to be pruned first")
        name = self._tensor_name
        weight = self.apply_mask(module)
        if name in module.__dict__:
            delattr(module, name)
        orig = module._parameters[name + "_orig"]
        orig.data = weight.detach()
        del module._parameters[name + "_orig"]
        del module._buffers[name + "_mask"]
        setattr(module, name, orig)


def _composite_method(cls, module, name, *args, **kwargs):
    """cls(*args, **kwargs) for `name`, taking the place of the module's earlier pruning hook for `name` (if
    any) in a PruningContainer."""
    old = [(k, h) for k, h in module._forward_pre_hooks.items()
           if isinstance(h, BasePruningMethod) and h._tensor_name == name]
    if len(old) > 1:
        raise RuntimeError(f"{cls.__name__}: {len(old)} pruning hooks on {name!r} of {type(module).__name__}; "
                           "use a PruningContainer")
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if not old:
        return method
    key, old_method = old[0]
    del module._forward_pre_hooks[key]
    if not isinstance(old_method, PruningContainer):
        old_method = PruningContainer(old_method)
    old_method.add_pruning_method(method)
    return old_method


class PruningContainer(BasePruningMethod):
    """A sequence of pruning methods on one parameter: the last one computes the new mask, on the entries (or
    channels) the earlier ones left."""

    def __init__(self, *args):
        self._pruning_methods = ()
        for method in args:
            self.add_pruning_method(method)

    def add_pruning_method(self, method):
        if method is None:
            return
        if not isinstance(method, BasePruningMethod):
            raise TypeError(f"PruningContainer: {type(method).__name__} is not a BasePruningMethod subclass")
        if getattr(self, "_tensor_name", None) is None:
            self._tensor_name = method._tensor_name
        if self._tensor_name != method._tensor_name:
            raise ValueError(f"PruningContainer: can only add pruning methods acting on the parameter named "
                             f"{self._tensor_name!r}, found {method._tensor_name!r}")
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t, default_mask):
        """The last method's mask on the still-unpruned part of t, written into default_mask."""
        method = self._pruning_methods[-1]
        mask = to_host(default_mask._data).astype(t.dtype, copy=True)
        kind = getattr(method, "PRUNING_TYPE", None)
        if kind == "unstructured":
            slc = mask == 1
        elif kind == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to have the attribute '
                                     "`dim` defined.")
            dim = method.dim + t.ndim if method.dim < 0 else method.dim
            if not 0 <= dim < t.ndim:
                raise IndexError(f"{type(method).__name__}: dim {method.dim} is out of bounds for a tensor with "
                                 f"{t.ndim} dims")
            keep = mask.sum(axis=tuple(d for d in range(t.ndim) if d != dim)) != 0
            slc = (slice(None),) * dim + (keep,)
        elif kind == "global":
            slc = (slice(None),) * t.ndim
        else:
            raise ValueError(f"PruningContainer: unrecognized PRUNING_TYPE {kind!r}")
        part = method.compute_mask(_like(t, to_host(t._data)[slc]), default_mask=_like(t, mask[slc]))
        mask[slc] = to_host(part._data)
        return _like(t, mask)


class Identity(BasePruningMethod):
    """Prunes nothing: the reparametrisation with a mask of ones."""
    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


class _Unstructured(BasePruningMethod):
    """Prune `amount` of the (unpruned) entries, those at the positions _positions(t, k) picks."""
    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _check_amount(amount, type(self).__name__)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        k = _count(self.amount, t.numel(), type(self).__name__)
        mask = to_host(default_mask._data).copy()
        if k:
            mask.reshape(-1)[self._positions(t, k)] = 0
        return _like(t, mask)


class RandomUnstructured(_Unstructured):
    """Prune `amount` of the (unpruned) entries at random."""
    def _positions(self, t, k):
        from ...creation import rand
        prob = to_host(rand(*t.shape, dtype=t.dtype, device=t.device)._data).reshape(-1)  # torch.rand_like(t)
        return topk_positions(prob, k, largest=True)

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(_Unstructured):
    """Prune the `amount` (unpruned) entries of smallest absolute value."""
    def _positions(self, t, k):
        return topk_positions(np.abs(to_host(t._data)).reshape(-1), k, largest=False)

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prune `amount` of the channels along `dim` at random."""
    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        _check_amount(amount, "RandomStructured")
        self.amount, self.dim = amount, dim

    def compute_mask(self, t, default_mask):
        n = _channels(t, self.dim, "RandomStructured")
        k = _count(self.amount, n, "RandomStructured")
        if k == 0:
            return default_mask
        from ...creation import rand
        prob = to_host(rand(n)._data)  # torch.rand(nchannels): float32, on the CPU
        threshold = np.partition(prob, k - 1)[k - 1]  # the k-th smallest, as kthvalue
        mask = _channel_mask(t, self.dim, prob > threshold)
        return _like(t, mask * to_host(default_mask._data).astype(mask.dtype))

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prune the `amount` channels along `dim` of smallest L`n` norm (n: a number, inf, -inf or 'fro')."""
    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        _check_amount(amount, "LnStructured")
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, t, default_mask):
        channels = _channels(t, self.dim, "LnStructured")
        k = _count(self.amount, channels, "LnStructured")
        if k == 0:
            return default_mask
        norms = _norm_but(t, self.n, self.dim)
        keep = np.zeros(channels, bool)
        keep[topk_positions(norms, channels - k, largest=True)] = True
        mask = _channel_mask(t, self.dim, keep)
        return _like(t, mask * to_host(default_mask._data).astype(mask.dtype))

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prune where the given mask is 0."""
    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        if tuple(default_mask.shape) != tuple(self.mask.shape):
            raise ValueError(f"CustomFromMask: mask of shape {tuple(self.mask.shape)} doesn't match the parameter's "
                             f"shape {tuple(default_mask.shape)}")
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)


# ---- checks and helpers ---------------------------------------------------------------------------------------
def _check_amount(amount, op):
    if not isinstance(amount, numbers.Real) or isinstance(amount, (bool, np.bool_)):  # torch fails on True later
        raise TypeError(f"{op}: invalid type for amount: {amount!r}. Must be int or float.")
    if (amount < 0) if isinstance(amount, numbers.Integral) else not 0.0 <= float(amount) <= 1.0:
        raise ValueError(f"{op}: amount={amount} should either be a float in the range [0, 1] or a non-negative "
                         "integer")


def _count(amount, size, op):
    """How many of `size` units to prune: an int as is, a fraction rounded (Python's round, as torch)."""
    k = int(amount) if isinstance(amount, numbers.Integral) else round(amount * size)
    if k > size:
        raise ValueError(f"{op}: amount={amount} should be smaller than the number of parameters to prune={size}")
    return k


def _channels(t, dim, op):
    if t.ndim <= 1:
        raise ValueError(f"{op}: structured pruning can only be applied to multidimensional tensors, found a "
                         f"tensor of shape {tuple(t.shape)} with {t.ndim} dims")
    if not isinstance(dim, numbers.Integral) or isinstance(dim, (bool, np.bool_)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r} for a tensor of shape {tuple(t.shape)}")
    if not -t.ndim <= dim < t.ndim:
        raise IndexError(f"{op}: invalid dim {dim} for a tensor of shape {tuple(t.shape)}")
    return t.shape[dim]


def _channel_mask(t, dim, keep):
    """Ones in the channels along dim where keep is True, zeros elsewhere (in t's dtype)."""
    mask = np.zeros(t.shape, t.dtype)
    mask[(slice(None),) * (dim % t.ndim) + (keep,)] = 1
    return mask


def _norm_but(t, n, dim):
    """The L`n` norm of each channel along dim (over all other dims), as torch.norm(t, p=n, dim=others)."""
    a = np.moveaxis(to_host(t._data), dim, 0).reshape(t.shape[dim], -1)
    x = np.abs(a)
    if n == "fro":  # torch.norm's 'fro' is the 2-norm over at most 2 dims
        if t.ndim > 3:
            raise RuntimeError(f"LnStructured: n='fro' needs at most 2 dims besides dim, the tensor of shape "
                               f"{tuple(t.shape)} has {t.ndim - 1}")
        n = 2
    n = 2 if n is None else n  # torch.norm's default p
    if not isinstance(n, numbers.Real):  # RuntimeError, as torch.norm's refusal
        raise RuntimeError(f"LnStructured: unsupported norm n={n!r} (a number, inf, -inf, 'fro' or None)")
    if n == np.inf:
        return x.max(axis=1)
    if n == -np.inf:
        return x.min(axis=1)
    if n == 0:
        return np.count_nonzero(x, axis=1).astype(x.dtype)
    with np.errstate(divide="ignore"):
        return (x ** x.dtype.type(n)).sum(axis=1) ** x.dtype.type(1.0 / n)


# ---- the functional interface --------------------------------------------------------------------------------
def identity(module, name):
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name, mask):
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune the (module, name) pairs as one flat vector with pruning_method(**kwargs) (an unstructured
    method): L1Unstructured with amount=0.5 drops the smallest half across all of them together."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured: parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = {} if importance_scores is None else importance_scores
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured: importance_scores must be of type dict")
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if getattr(method, "PRUNING_TYPE", None) != "unstructured":
        raise TypeError(f'global_unstructured: only "unstructured" PRUNING_TYPE supported for the pruning_method, '
                        f"found {type(method).__name__} of type {getattr(method, 'PRUNING_TYPE', None)!r}")
    scores, masks = [], []
    for module, name in parameters:
        p = getattr(module, name)
        s = importance_scores.get((module, name), p)
        if tuple(s.shape) != tuple(p.shape):
            raise IndexError(f"global_unstructured: importance_scores of shape {tuple(s.shape)} for parameter "
                             f"{name!r} of {type(module).__name__} should have its shape {tuple(p.shape)}")
        scores.append(to_host(s._data).reshape(-1))
        m = getattr(module, name + "_mask", None)
        masks.append(np.ones(p.numel(), p.dtype) if m is None else to_host(m._data).reshape(-1))
    if not scores:
        raise ValueError("global_unstructured: got no parameters to prune")
    container = PruningContainer(method)
    first = getattr(parameters[0][0], parameters[0][1])
    final = container.compute_mask(_like(first, np.concatenate(scores)), _like(first, np.concatenate(masks)))
    final = to_host(final._data)
    start = 0
    for module, name in parameters:
        p = getattr(module, name)
        piece = final[start:start + p.numel()].reshape(p.shape).astype(p.dtype)
        custom_from_mask(module, name, mask=_like(p, piece))
        start += p.numel()


def remove(module, name):
    """Make the pruning of `name` permanent and take its hook away."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"remove: parameter {name!r} of module {type(module).__name__} has to be pruned before "
                     "pruning can be removed")


def is_pruned(module):
    """Whether module or any submodule carries a pruning hook."""
    return any(isinstance(h, BasePruningMethod)
               for _, m in module.named_modules() for h in m._forward_pre_hooks.values())
