"""CyclicLR (Smith, 2017): the learning rate moves back and forth between base_lr and max_lr once per batch,
and momentum (or Adam's beta1) the opposite way. Re-exported from lr_scheduler, where torch users look."""
import math
import types
from .optimizer import Optimizer
from .lr_scheduler import (LRScheduler, _warn_get_lr_called_within_step, _per_group, _set_group_value,
                           _check_momentum, _start_momentum)


class CyclicLR(LRScheduler):
    """cycle = floor(1 + i / (up + down));  x = 1 + i / (up + down) - cycle  (the position in the cycle, 0..1)
    h = x / (up / (up + down)) while rising, else (x - 1) / (up / (up + down) - 1)
    lr = base_lr + (max_lr - base_lr) * h * scale_fn(cycle or i);  momentum = max_m - (max_m - base_m) * h * scale"""

    _MODES = ("triangular", "triangular2", "exp_range")

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"CyclicLR: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer

        def per_group(name, value):
            return _per_group(optimizer, value, f"CyclicLR: {name} must have the same length as "
                              f"optimizer.param_groups: {name} has {{got}} values, param_groups has {{groups}}")
        base_lrs = per_group("base_lr", base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                _set_group_value(group, "lr", lr)
        self.max_lrs = per_group("max_lr", max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        if not step_size_up + step_size_down > 0:
            raise ValueError(f"CyclicLR: a cycle must last at least one step, got step_size_up={step_size_up} "
                             f"and step_size_down={step_size_down}")
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        if mode not in self._MODES and scale_fn is None:
            raise ValueError(f"CyclicLR: mode is invalid and scale_fn is None: mode must be one of {self._MODES} "
                             f"or a scale_fn given, got mode={mode!r}")
        if scale_fn is not None and scale_mode not in ("cycle", "iterations"):  # torch reads a typo as "iterations"
            raise ValueError(f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _check_momentum("CyclicLR", optimizer)
            self.base_momentums = per_group("base_momentum", base_momentum)
            self.max_momentums = per_group("max_momentum", max_momentum)
            self.use_beta1 = _start_momentum(optimizer, self.max_momentums, self.base_momentums, last_epoch == -1)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self):
        """The built-in modes fix scale_mode (as torch): triangular(2) scale per cycle, exp_range per iteration."""
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self._scale_fn_ref, self.scale_mode = _triangular_scale, "cycle"
        elif self.mode == "triangular2":
            self._scale_fn_ref, self.scale_mode = _triangular2_scale, "cycle"
        else:
            gamma = self.gamma
            self._scale_fn_ref, self.scale_mode = (lambda x: gamma ** x), "iterations"

    def scale_fn(self, x):
        return self._scale_fn_custom(x) if self._scale_fn_custom is not None else self._scale_fn_ref(x)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        at = cycle if self.scale_mode == "cycle" else self.last_epoch
        # scale_fn is called once per value, as torch does (a stateful callable sees the same calls)
        lrs = [base_lr + (max_lr - base_lr) * scale_factor * self.scale_fn(at)
               for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, base_m, max_m in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                momentum = max_m - (max_m - base_m) * scale_factor * self.scale_fn(at)
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs

    def state_dict(self):
        """As torch: a plain function scale_fn can't be saved (None); a callable object saves its attributes."""
        sd = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_scale_fn_ref", "_scale_fn_custom")}
        fn = self._scale_fn_custom
        sd["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) else fn.__dict__.copy()
        return sd

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        fn = state_dict.pop("_scale_fn_custom", None)
        self.__dict__.update(state_dict)
        if fn is not None:
            self._scale_fn_custom.__dict__.update(fn)
        self._init_scale_fn()


def _triangular_scale(x):
    return 1.0


def _triangular2_scale(x):
    return 1 / (2.0 ** (x - 1))
