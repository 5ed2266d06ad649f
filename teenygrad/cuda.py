"""teenygrad.cuda: torch.cuda's few everyday calls. device='cuda' arrays are cupy arrays (teenygrad.backend.cuda)."""
from .backend import cuda as _backend


def is_available():
    """True if cupy imports and sees a CUDA GPU; never raises (torch.cuda.is_available)."""
    return _backend.is_available()


def device_count():
    return _backend.require("cuda.device_count").cuda.runtime.getDeviceCount() if is_available() else 0


def synchronize():
    """Wait for every queued GPU operation (time a GPU step only after this)."""
    _backend.require("cuda.synchronize").cuda.get_current_stream().synchronize()


def empty_cache():
    """Gives cupy's pooled GPU memory that no array holds back to the driver (torch.cuda.empty_cache); without
    cupy, or with no GPU, there is nothing to free."""
    if is_available():
        cp = _backend.require("cuda.empty_cache")
        cp.get_default_memory_pool().free_all_blocks()
        cp.get_default_pinned_memory_pool().free_all_blocks()


def manual_seed(seed):
    """Does nothing: teenygrad draws its random numbers, for any device, from the host generator that
    torch.manual_seed seeds (torch.cuda.manual_seed would seed a separate GPU stream). Dropout masks on a GPU are
    made there, keyed by one draw from that generator (teenygrad/random.py)."""


manual_seed_all = manual_seed


def is_bf16_supported():
    return is_available()


class amp:
    """torch.cuda.amp's spellings (enabled / init_scale first) of teenygrad.amp's autocast and GradScaler."""
    @staticmethod
    def autocast(enabled=True, dtype=None, cache_enabled=True):
        from .amp import autocast
        return autocast("cuda", dtype, enabled)

    @staticmethod
    def GradScaler(init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True):
        from .amp import GradScaler
        return GradScaler("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
