"""teenygrad.amp: torch.amp's autocast and GradScaler, so mixed-precision training loops (nanoGPT's train.py)
run unchanged. autocast is a no-op: ops run in their tensors' own dtypes (cast the model with .to(dtype) for
half precision). GradScaler does what torch's does: scale the loss, unscale the grads, skip a step whose grads
hold inf/nan, and grow or back off the scale."""
import warnings
from .tensor import Tensor
from ._arrays import xp_of
from .backend import cuda as _cuda


class autocast:
    """Context manager and decorator that changes nothing (see the module docstring)."""
    def __init__(self, device_type="cuda", dtype=None, enabled=True, cache_enabled=None):
        self.device_type, self.fast_dtype, self.enabled = device_type, dtype, enabled

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        return fn


class GradScaler:
    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        if enabled and str(device).startswith("cuda") and not _cuda.is_available():  # as torch: warn, disable
            warnings.warn("GradScaler is enabled, but CUDA is not available. Disabling.")
            enabled = False
        self._enabled = enabled
        self._scale, self._growth, self._backoff, self._interval = init_scale, growth_factor, backoff_factor, \
            growth_interval
        self._good_steps, self._unscaled, self._found_inf = 0, set(), False

    def is_enabled(self):
        return self._enabled

    def get_scale(self):
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer):
        if not self._enabled:
            return
        if id(optimizer) in self._unscaled:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        inv = 1.0 / self._scale
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    g = p.grad._data
                    g *= inv
                    self._found_inf |= not bool(xp_of(g).isfinite(g).all())
        self._unscaled.add(id(optimizer))

    def step(self, optimizer, *args, **kwargs):
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._unscaled:
            self.unscale_(optimizer)
        return None if self._found_inf else optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if isinstance(new_scale, Tensor) else new_scale)
        elif self._found_inf:
            self._scale *= self._backoff
            self._good_steps = 0
        else:
            self._good_steps += 1
            if self._good_steps == self._interval:
                self._scale *= self._growth
                self._good_steps = 0
        self._unscaled, self._found_inf = set(), False

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth, "backoff_factor": self._backoff,
                "growth_interval": self._interval, "_growth_tracker": self._good_steps}

    def load_state_dict(self, state):
        if state:
            self._scale, self._growth, self._backoff = state["scale"], state["growth_factor"], state["backoff_factor"]
            self._interval, self._good_steps = state["growth_interval"], state["_growth_tracker"]


class cpu:
    """torch.cpu's spellings: torch.cpu.amp.autocast (enabled first, bfloat16 by default: a no-op as autocast is)
    and GradScaler, and the CPU device queries."""
    class amp:
        @staticmethod
        def autocast(enabled=True, dtype=None, cache_enabled=True):
            return autocast("cpu", dtype, enabled)

        @staticmethod
        def GradScaler(init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                       enabled=True):
            return GradScaler("cpu", init_scale, growth_factor, backoff_factor, growth_interval, enabled)

    @staticmethod
    def is_available():
        return True

    @staticmethod
    def device_count():
        return 1

    @staticmethod
    def synchronize(device=None):
        """CPU ops finish before they return: nothing to wait for."""
