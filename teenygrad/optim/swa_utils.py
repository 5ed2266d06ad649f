"""torch.optim.swa_utils: weight averaging (SWA's running mean, EMA) of a model's parameters in an AveragedModel,
the SWALR schedule that anneals each group's lr to a constant swa_lr, and update_bn, which recomputes BatchNorm
running statistics for the averaged weights with one pass over the data."""
import copy
import math

from ..autograd import no_grad
from ..creation import tensor
from ..dtype import long
from ..nn.modules.module import Module
from ..nn.modules.normalization import _BatchNorm
from ..nn.modules.spatial import _InstanceNorm
from .lr_scheduler import LRScheduler, _warn_get_lr_called_within_step

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn",
           "get_swa_avg_fn"]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def _lerp_all(averaged, current, weight):
    for p_avg, p_cur in zip(averaged, current, strict=True):
        p_avg.lerp_(p_cur, weight)


def get_ema_multi_avg_fn(decay=0.999):
    """In place over lists of tensors: ema = decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list, current_param_list, _):
        if ema_param_list[0].is_floating_point() or ema_param_list[0].is_complex():
            _lerp_all(ema_param_list, current_param_list, 1 - decay)
        else:  # lerp is for floats only: integer buffers (num_batches_tracked) round toward zero on the copy back
            for p_ema, p_cur in zip(ema_param_list, current_param_list, strict=True):
                p_ema.copy_(p_ema * decay + p_cur * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """In place over lists of tensors: the running mean avg += (current - avg) / (n + 1)."""
    @no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        if averaged_param_list[0].is_floating_point() or averaged_param_list[0].is_complex():
            _lerp_all(averaged_param_list, current_param_list, float(1 / (num_averaged + 1)))
        else:  # torch's integer branch fails too (integer addcdiv / a float alpha on integers)
            raise RuntimeError(f"swa_update: the running mean of {averaged_param_list[0].dtype} tensors (integer "
                               "buffers such as num_batches_tracked, with use_buffers=True) is not supported; use "
                               "avg_fn=get_swa_avg_fn() or the default averaging instead")
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """One tensor at a time, returning the new average: decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """One tensor at a time, returning the new running mean: avg + (current - avg) / (n + 1)."""
    @no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of `model` (held as .module) whose parameters (and buffers, with use_buffers) are the average of the
    models passed to update_parameters; n_averaged (an int64 buffer) counts them. The first update copies; later
    ones apply avg_fn (per tensor) or multi_avg_fn (per list of same-device, same-dtype tensors), by default the
    equal-weight running mean. Without use_buffers the buffers are copied from the latest model."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=long, device=device))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged_tensors(self, model):
        """(this model's tensor, the source model's) pairs, detached and on this model's device."""
        if self.use_buffers:
            mine = [*self.module.parameters(), *self.module.buffers()]
            theirs = [*model.parameters(), *model.buffers()]
        else:
            mine, theirs = list(self.parameters()), list(model.parameters())
        return [(a.detach(), m.detach().to(a.device)) for a, m in zip(mine, theirs)]

    @no_grad()
    def update_parameters(self, model):
        pairs = self._averaged_tensors(model)
        n = self.n_averaged
        if int(n) == 0:
            for p_avg, p_model in pairs:
                p_avg.copy_(p_model)
        elif self.avg_fn is not None:
            for p_avg, p_model in pairs:
                p_avg.copy_(self.avg_fn(p_avg, p_model, n.to(p_avg.device)))
        else:
            groups = {}  # multi_avg_fn sees one list per (device, dtype), as torch's foreach grouping gives it
            for p_avg, p_model in pairs:
                groups.setdefault((str(p_avg.device), p_avg.dtype), []).append((p_avg, p_model))
            for group in groups.values():
                averaged, current = [p for p, _ in group], [p for _, p in group]
                n_here = n.to(averaged[0].device)
                if self.multi_avg_fn is not None:
                    self.multi_avg_fn(averaged, current, n_here)
                else:  # torch's CPU path: the per-tensor running mean (its foreach lerp only runs on accelerators)
                    swa = get_swa_avg_fn()
                    for p_avg, p_model in group:
                        p_avg.copy_(swa(p_avg, p_model, n_here))
        if not self.use_buffers:
            for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_avg.detach().copy_(b_model.detach().to(b_avg.device))
        self.n_averaged.add_(1)


def _is_batch_norm(module):
    # teenygrad's instance norms share _BatchNorm's code, but torch's update_bn leaves them alone
    return isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm)


@no_grad()
def update_bn(loader, model, device=None):
    """Recompute every BatchNorm's running_mean/running_var with one pass over loader (batches are tensors, or
    lists/tuples whose first item is the input). momentum=None makes each layer keep the plain mean over all
    batches; the layers' momenta and the model's train/eval mode are restored afterwards."""
    momenta = {}
    for module in model.modules():
        if _is_batch_norm(module):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


def _anneal_cos(t):
    return (1 - math.cos(math.pi * t)) / 2


def _anneal_linear(t):
    return t


class SWALR(LRScheduler):
    """Anneal each group's lr from its current value to swa_lr over anneal_epochs steps ('cos' or 'linear'), then
    hold it there. Each step recovers the lr the anneal started from out of the current lr (torch's recursive form,
    so that another scheduler may have moved the lr before SWALR takes over)."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        groups = optimizer.param_groups
        if isinstance(swa_lr, (list, tuple)):
            if len(swa_lr) != len(groups):
                raise ValueError(f"swa_lr must have the same length as optimizer.param_groups. swa_lr has "
                                 f"{len(swa_lr)} values, param_groups has {len(groups)}.")
            swa_lrs = list(swa_lr)
        else:
            swa_lrs = [swa_lr] * len(groups)
        for group, value in zip(groups, swa_lrs):
            group["swa_lr"] = value.clone() if hasattr(value, "clone") else value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = _anneal_cos if anneal_strategy == "cos" else _anneal_linear

    def _alpha(self, step):
        return self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha, alpha = self._alpha(step - 1), self._alpha(step)
        lrs = []
        for group in self.optimizer.param_groups:
            lr, swa_lr = group["lr"], group["swa_lr"]
            # the lr this anneal started from: invert last step's blend (at alpha == 1 it is swa_lr itself)
            start = swa_lr if prev_alpha == 1 else (lr - prev_alpha * swa_lr) / (1 - prev_alpha)
            lrs.append(swa_lr * alpha + start * (1 - alpha))
        return lrs

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
