"""torch.autograd.graph's hooks on saved tensors: saved_tensors_hooks(pack_hook, unpack_hook), save_on_cpu and
disable_saved_tensors_hooks (and register_multi_grad_hook, a hook on several tensors' gradients: hooks.py).

While a saved_tensors_hooks context is active, every op recorded in the graph hands each array it keeps for its
backward to pack_hook (as a Tensor) and keeps only what pack_hook returns; its backward first gets the arrays back
through unpack_hook (which must return a Tensor of the packed shape; another float dtype is cast back, so
gradients keep their dtype). A custom Function's ctx.save_for_backward packs each tensor, and ctx.saved_tensors
unpacks them. The innermost context wins, as in torch.

Where it differs from torch: pack sees the arrays each teenygrad op keeps, which need not be the tensors torch's
op saves (a fused op may keep a logsumexp where torch keeps the softmax): the same kind of values, not always the
same count or shapes. Ops that keep no arrays (views, adds, sums) pack nothing, as torch's save nothing. The
in-place check (a backward refusing a value written after it was saved) still works for built-in ops; for a custom
Function's packed tensors it is skipped, since the tensors themselves are no longer held."""
import numpy as np

from .function import _saved_hooks
from .hooks import register_multi_grad_hook

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks", "register_multi_grad_hook"]

_disabled = []  # disable_saved_tensors_hooks' messages, innermost last


class saved_tensors_hooks:
    """with saved_tensors_hooks(pack_hook, unpack_hook): pack_hook(tensor) -> anything is called for each value an
    op records for backward, unpack_hook(that) -> Tensor when the backward needs it."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook
        self._entered = 0

    def __enter__(self):
        if _disabled:
            raise RuntimeError(_disabled[-1])
        for what, hook in (("pack_hook", self.pack_hook), ("unpack_hook", self.unpack_hook)):
            if not callable(hook):
                raise TypeError(f"saved_tensors_hooks: {what} must be callable, got {type(hook).__name__}")
        _saved_hooks.append((self._pack, self._unpack))
        self._entered += 1
        return self

    def __exit__(self, *exc):
        if not self._entered:
            raise RuntimeError("saved_tensors_hooks: __exit__ without a matching __enter__")
        self._entered -= 1
        _saved_hooks.pop()
        return False

    def _pack(self, t):
        """pack_hook's result, with the shape and dtype the backward expects back."""
        return t.shape, t.dtype, self.pack_hook(t)

    def _unpack(self, packed):
        """unpack_hook's Tensor, checked against what was packed and cast back to its dtype (no silent upcast)."""
        from ..tensor import Tensor
        shape, dtype, obj = packed
        t = self.unpack_hook(obj)
        if not isinstance(t, Tensor):
            raise TypeError(f"saved_tensors_hooks: unpack_hook must return a Tensor, got {type(t).__name__}")
        if t.shape != shape:
            raise RuntimeError(f"saved_tensors_hooks: unpack_hook returned a tensor of shape {tuple(t.shape)}, "
                               f"but the packed one had shape {tuple(shape)}")
        if t.dtype != dtype:
            if np.issubdtype(dtype, np.inexact) and not np.issubdtype(t.dtype, np.inexact):
                raise RuntimeError(f"saved_tensors_hooks: unpack_hook returned a {t.dtype} tensor for a packed "
                                   f"{dtype} one; only floating point and complex dtypes can carry gradients")
            t = t.to(dtype)
        return t


class save_on_cpu(saved_tensors_hooks):
    """Keep what backward needs on the CPU (moved back to its device when used): GPU memory for a host copy."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(t):
            return t.device, t.cpu()

        def unpack(packed):
            device, t = packed
            return t.to(device)
        super().__init__(pack, unpack)


class disable_saved_tensors_hooks:
    """Inside it, entering saved_tensors_hooks raises RuntimeError(error_message); hooks already active stay."""

    def __init__(self, error_message):
        if not isinstance(error_message, str):
            raise TypeError(f"disable_saved_tensors_hooks: error_message must be a str, got "
                            f"{type(error_message).__name__}")
        self.error_message = error_message

    def __enter__(self):
        if _saved_hooks:
            raise RuntimeError(self.error_message)
        _disabled.append(self.error_message)
        return self

    def __exit__(self, *exc):
        _disabled.pop()
        return False
