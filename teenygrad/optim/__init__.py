"""teenygrad.optim: torch's optimizers and learning-rate schedulers, updating numpy arrays in place."""
import collections
import contextlib
from ..tensor import Tensor
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from .adamax import Adamax
from .nadam import NAdam
from .radam import RAdam
from .adadelta import Adadelta
from .rprop import Rprop
from .asgd import ASGD
from .lbfgs import LBFGS
from .sparse_adam import SparseAdam
from .adafactor import Adafactor
from .muon import Muon
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam", "Adadelta",
           "Rprop", "ASGD", "LBFGS", "SparseAdam", "Adafactor", "Muon", "swap_in_optimizer_params_and_state",
           "lr_scheduler", "swa_utils"]


def __getattr__(name):
    # swa_utils needs teenygrad.nn: load it on first use so that importing optim alone stays light
    if name == "swa_utils":
        import importlib
        return importlib.import_module(".swa_utils", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@contextlib.contextmanager
def swap_in_optimizer_params_and_state(optimizer, swapin_parameters, swapin_optim_state):
    """torch.optim.swap_in_optimizer_params_and_state: for the `with` block, optimizer steps other parameters
    (swapin_parameters: a dict of tensors in the order of the optimizer's parameters) with other state
    (swapin_optim_state: shaped as optimizer.state_dict(), keyed by packed ids); the live parameters, groups and
    state come back on exit. In-place updates reach the given tensors and state tensors; new entries do not."""
    op = "swap_in_optimizer_params_and_state"
    if not optimizer.state:
        raise RuntimeError(f"{op} requires initialized optimizer state.")
    if not isinstance(swapin_optim_state, dict):
        raise RuntimeError(f"{op} requires a DCP-style optimizer state_dict, got {type(swapin_optim_state).__name__}.")
    state, groups = swapin_optim_state.get("state"), swapin_optim_state.get("param_groups")
    if not isinstance(state, dict):
        raise RuntimeError(f"{op} requires swapin_optim_state['state'] to be a dict mapping packed parameter ids to "
                           f"per-param state dicts, got {type(state).__name__}.")
    if any(isinstance(k, Tensor) for k in state):
        raise RuntimeError(f"{op} requires optimizer.state_dict()-style state keyed by packed parameter ids.")
    if any(isinstance(k, int) and not isinstance(v, dict) for k, v in state.items()):
        raise RuntimeError(f"{op} requires per-parameter optimizer state entries to be dictionaries.")
    if not isinstance(groups, list):
        raise RuntimeError(f"{op} requires swapin_optim_state['param_groups'] to be a list of param-group dicts, "
                           f"got {type(groups).__name__}.")
    if len(groups) != len(optimizer.param_groups):
        raise RuntimeError(f"swapin_optim_state has a different number of parameter groups than the live optimizer "
                           f"({len(groups)} != {len(optimizer.param_groups)}).")
    flat = list(swapin_parameters.values())
    offset, seen, swaps = 0, set(), []
    for i, (group, sgroup) in enumerate(zip(optimizer.param_groups, groups)):
        if not isinstance(sgroup, dict):
            raise RuntimeError(f"{op} requires each optimizer param group to be a dictionary.")
        ids = sgroup.get("params")
        if not isinstance(ids, list) or not all(isinstance(k, int) for k in ids):
            raise RuntimeError(f"{op} requires optimizer.state_dict()-style param_groups[*]['params'] entries keyed "
                               "by packed parameter ids.")
        if len(ids) != len(group["params"]):
            raise RuntimeError(f"swapin_optim_state param group {i} has a different number of params than the live "
                               f"optimizer param group ({len(ids)} != {len(group['params'])}).")
        only_swap, only_live = [k for k in sgroup if k not in group], [k for k in group if k not in sgroup]
        if only_swap or only_live:
            raise RuntimeError(f"{op} requires optimizer.state_dict()-style param group keys to exactly match the "
                               f"live optimizer group keys for group {i}. Keys only in swap-in: {only_swap}. Keys "
                               f"only in live: {only_live}.")
        seen.update(ids)
        if offset + len(ids) > len(flat):
            raise RuntimeError(f"{op} requires the explicit parameter state to match optimizer.param_groups "
                               f"ordering ({len(flat)} parameters given).")
        swaps.append((group, sgroup, flat[offset:offset + len(ids)]))
        offset += len(ids)
    extra = [k for k in state if k not in seen]
    if extra:
        raise RuntimeError(f"{op} requires swapin_optim_state['state'] to be keyed only by packed parameter ids from "
                           f"param_groups[*]['params']; got extra keys {extra!r}.")
    live_state = optimizer.state
    snapshots = [dict(g) for g in optimizer.param_groups]  # shallow: the live 'params' list keeps its identity
    try:
        swapped = collections.defaultdict(dict)
        for group, sgroup, params in swaps:
            group["params"] = params
            group.update((k, v) for k, v in sgroup.items() if k != "params")
            for p, k in zip(params, sgroup["params"]):
                swapped[p] = dict(state.get(k, {}))  # a shallow copy: tensors shared, new keys stay local
        optimizer.state = swapped
        yield
    finally:
        for group, snapshot in zip(optimizer.param_groups, snapshots):
            group.clear()
            group.update(snapshot)
        optimizer.state = live_state
