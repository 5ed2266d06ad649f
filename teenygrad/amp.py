"""teenygrad.amp: torch.amp's autocast and GradScaler, so mixed-precision training loops (nanoGPT's train.py)
run unchanged. autocast is a no-op: ops run in their tensors' own dtypes (cast the model with .to(dtype) for
half precision). GradScaler does what torch's does: scale the loss, unscale the grads, skip a step whose grads
hold inf/nan, and grow or back off the scale."""
import functools
import warnings

import numpy as np
from .tensor import Tensor
from ._arrays import xp_of
from .backend import cuda as _cuda


# the device types torch.amp knows, with their default autocast dtypes ("bf16" or "f16")
_DEFAULT_DTYPES = {"cpu": "bf16", "cuda": "f16", "ipu": "f16", "xpu": "f16", "maia": "bf16", "xla": "bf16",
                   "mps": "f16", "hpu": "bf16", "mtia": "f16", "privateuseone": "f16"}
_DEVICE_TYPES = ("cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, vulkan, mps, "
                 "meta, hpu, mtia, privateuseone")
_DEVICE_TYPE_SET = frozenset(_DEVICE_TYPES.split(", "))
_state = {}  # device type -> (enabled, dtype) where an autocast context or set_autocast_* has set it
_nesting = [0]  # autocast_increment_nesting's count (torch's)
_cache_enabled = [True]  # is_autocast_cache_enabled: teenygrad keeps no cast cache, but reports the setting


def _device_type(device_type, op):
    """The type part of a device string ('cuda:0' -> 'cuda'), checked as torch checks it."""
    if not isinstance(device_type, str):
        raise TypeError(f"{op}(): argument 'device_type' must be str, not {type(device_type).__name__}")
    kind = device_type.split(":")[0]
    if kind not in _DEVICE_TYPE_SET:
        raise RuntimeError(f"{op}: expected one of {_DEVICE_TYPES} device type at start of device string: "
                           f"{device_type}")
    return kind


def is_autocast_available(device_type):
    """Whether autocast can be used on device_type (torch's answer: cpu, cuda, mps, xpu, ... but not meta)."""
    return _device_type(device_type, "is_autocast_available") in _DEFAULT_DTYPES


def is_autocast_enabled(device_type=None):
    """Whether an autocast context for device_type ('cuda' when None, as torch) is active and enabled. What the
    context asked for: teenygrad runs ops in their own dtypes regardless."""
    kind = _device_type("cuda" if device_type is None else device_type, "is_autocast_enabled")
    if kind not in _DEFAULT_DTYPES:
        raise RuntimeError(f"is_autocast_enabled: autocast is not available for device type {kind!r}")
    return _state.get(kind, (False, None))[0]


def get_autocast_dtype(device_type):
    """The dtype autocast asks for on device_type: the innermost context's, else the default (bfloat16 on the CPU,
    float16 on CUDA)."""
    kind = _device_type(device_type, "get_autocast_dtype")
    if kind not in _DEFAULT_DTYPES:
        raise RuntimeError(f"get_autocast_dtype: autocast is not available for device type {kind!r}")
    if _state.get(kind, (None, None))[1] is not None:
        return _state[kind][1]
    from .dtype import bfloat16_dtype  # needs ml_dtypes: only asked for here, so autocast runs without it
    return bfloat16_dtype() if _DEFAULT_DTYPES[kind] == "bf16" else np.dtype(np.float16)


def _available(device_type, op):
    kind = _device_type(device_type, op)
    if kind not in _DEFAULT_DTYPES:
        raise RuntimeError(f"{op}: autocast is not available for device type {kind!r}")
    return kind


def _bool(v, op, what="enabled"):
    if type(v) is not bool:
        raise TypeError(f"{op}(): argument '{what}' must be bool, not {type(v).__name__}")
    return v


def set_autocast_enabled(device_type, enabled=None):
    """torch.set_autocast_enabled(device_type, enabled), or (enabled) for CUDA: what is_autocast_enabled reports
    until an autocast context (which restores it on exit) or another call changes it."""
    if enabled is None and not isinstance(device_type, str):  # the one-argument form: CUDA's
        device_type, enabled = "cuda", device_type
    if not isinstance(device_type, str):
        raise TypeError(f"set_autocast_enabled(): argument 'device_type' must be str, not {type(device_type).__name__}")
    kind = _available(device_type, "set_autocast_enabled")
    _state[kind] = (_bool(enabled, "set_autocast_enabled"), _state.get(kind, (False, None))[1])


def set_autocast_dtype(device_type, dtype):
    """The dtype get_autocast_dtype(device_type) reports (and an autocast context without dtype= takes)."""
    kind = _available(device_type, "set_autocast_dtype")
    if not isinstance(dtype, np.dtype):
        raise TypeError(f"set_autocast_dtype(): dtype must be a teenygrad dtype, not {type(dtype).__name__}")
    _state[kind] = (_state.get(kind, (False, None))[0], dtype)


def _deprecated(old, new):
    warnings.warn(f"torch.{old} is deprecated. Please use torch.{new} instead.", DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled():
    _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')")
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled):
    _deprecated("set_autocast_cpu_enabled(enabled)", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", _bool(enabled, "set_autocast_cpu_enabled"))


def get_autocast_cpu_dtype():
    _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def set_autocast_cpu_dtype(dtype):
    _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)


def get_autocast_gpu_dtype():
    _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def set_autocast_gpu_dtype(dtype):
    _deprecated("set_autocast_gpu_dtype(dtype)", "set_autocast_dtype('cuda', dtype)")
    set_autocast_dtype("cuda", dtype)


def is_autocast_cache_enabled():
    return _cache_enabled[0]


def set_autocast_cache_enabled(enabled):
    _cache_enabled[0] = _bool(enabled, "set_autocast_cache_enabled")


def clear_autocast_cache():
    """Nothing to clear: teenygrad's autocast casts nothing, so it caches nothing."""


def autocast_increment_nesting():
    _nesting[0] += 1
    return _nesting[0]


def autocast_decrement_nesting():
    _nesting[0] -= 1
    return _nesting[0]


AUTOCAST_NAMES = ("set_autocast_enabled", "set_autocast_dtype", "is_autocast_cpu_enabled", "set_autocast_cpu_enabled",
                  "get_autocast_cpu_dtype", "set_autocast_cpu_dtype", "get_autocast_gpu_dtype",
                  "set_autocast_gpu_dtype", "is_autocast_cache_enabled", "set_autocast_cache_enabled",
                  "clear_autocast_cache", "autocast_increment_nesting", "autocast_decrement_nesting",
                  "is_autocast_enabled", "get_autocast_dtype")  # torch's top-level names (teenygrad.__getattr__)


def _is_cpu_autocast_dtype(dtype):
    """Whether dtype is float16 or bfloat16 (a dtype, not its name, as torch asks)."""
    if not isinstance(dtype, np.dtype):
        return False
    if dtype == np.float16:
        return True
    from .dtype import bfloat16_dtype
    try:
        return dtype == bfloat16_dtype()
    except ImportError:  # without ml_dtypes no dtype is bfloat16
        return False


class autocast:
    """Context manager and decorator that records what it asks for (is_autocast_enabled, get_autocast_dtype report
    it) but changes no dtypes (see the module docstring). Like torch, a CPU context asking for a dtype other than
    bfloat16/float16, or a CUDA one without CUDA, warns and is disabled."""
    def __init__(self, device_type="cuda", dtype=None, enabled=True, cache_enabled=None):
        kind = _device_type(device_type, "autocast")
        if dtype is None:  # the enclosing context's, as torch takes it when built; else None: the device's default
            dtype = _state.get(kind, (None, None))[1]
        if enabled and kind == "cpu" and dtype is not None and not _is_cpu_autocast_dtype(dtype):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                          "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.")
            enabled = False
        if enabled and kind == "cuda" and not _cuda.is_available():
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.")
            enabled = False
        self.device_type, self.fast_dtype, self.enabled = device_type, dtype, enabled
        self._cache_enabled = _cache_enabled[0] if cache_enabled is None else bool(cache_enabled)
        self._kind, self._saved = kind, []

    def __enter__(self):
        if self.fast_dtype is not None and not isinstance(self.fast_dtype, np.dtype):
            raise TypeError(f"autocast: dtype must be a teenygrad dtype, not {type(self.fast_dtype).__name__}")
        self._saved.append((_state.get(self._kind), _cache_enabled[0]))
        _state[self._kind] = (bool(self.enabled), self.fast_dtype)
        _cache_enabled[0] = self._cache_enabled
        autocast_increment_nesting()
        return self

    def __exit__(self, *exc):
        prev, _cache_enabled[0] = self._saved.pop()
        if prev is None:
            _state.pop(self._kind, None)
        else:
            _state[self._kind] = prev
        autocast_decrement_nesting()
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return run


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
            return autocast("cpu", dtype, enabled, cache_enabled)

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
