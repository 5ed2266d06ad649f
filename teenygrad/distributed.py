"""torch.distributed, as far as single-process code needs it: teenygrad runs in one process on one device.

nanoGPT's train.py imports init_process_group / destroy_process_group at the top and calls them only when
launched by torchrun (RANK set), so the imports must work; any actual use raises a clear error instead of
pretending to train in parallel. is_available() is False, as torch's on a build without distributed support."""

_NOT_SUPPORTED = "teenygrad runs in one process on one device; distributed training is not supported"


def is_available():
    return False


def is_initialized():
    return False


def is_torchelastic_launched():
    return False


def _not_supported(op):
    def fn(*args, **kwargs):
        raise RuntimeError(f"{op}: {_NOT_SUPPORTED}")
    fn.__name__ = fn.__qualname__ = op
    return fn


def _no_process_group(op):
    def fn(*args, **kwargs):  # torch's error when no process group was initialised (never, here)
        raise ValueError(f"{op}: default process group has not been initialized ({_NOT_SUPPORTED})")
    fn.__name__ = fn.__qualname__ = op
    return fn


init_process_group = _not_supported("init_process_group")
destroy_process_group = _no_process_group("destroy_process_group")
get_rank = _no_process_group("get_rank")
get_world_size = _no_process_group("get_world_size")
get_backend = _no_process_group("get_backend")
barrier = _no_process_group("barrier")
all_reduce = _no_process_group("all_reduce")
all_gather = _no_process_group("all_gather")
broadcast = _no_process_group("broadcast")
reduce = _no_process_group("reduce")


class ReduceOp:
    """torch.distributed.ReduceOp's names, so that `op=dist.ReduceOp.SUM` in code that never runs still imports."""
    SUM, AVG, PRODUCT, MIN, MAX = "sum", "avg", "product", "min", "max"
