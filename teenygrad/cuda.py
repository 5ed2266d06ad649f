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


def current_device():
    return _backend.require("cuda.current_device").cuda.Device().id


def get_device_name(device=None):
    """The GPU's name (torch.cuda.get_device_name): of `device` (an index, 'cuda:1', a device), else the current one."""
    cp = _backend.require("cuda.get_device_name")
    index = getattr(device, "index", device)
    if isinstance(index, str):
        index = int(index.split(":")[1]) if ":" in index else None
    return cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id if index is None else index)["name"].decode()


def is_initialized():
    return is_available()


def memory_allocated(device=None):
    """Bytes the GPU arrays hold (cupy's memory pool in use); 0 without a GPU, as a CPU-only torch answers."""
    return _backend.require("cuda.memory_allocated").get_default_memory_pool().used_bytes() if is_available() else 0


def memory_reserved(device=None):
    """Bytes cupy's pool holds from the driver, in use or cached; 0 without a GPU."""
    return _backend.require("cuda.memory_reserved").get_default_memory_pool().total_bytes() if is_available() else 0


# cupy keeps no peak counts; its pool keeps freed blocks until empty_cache, so what it holds is the peak in use
# since then (an upper bound for torch's max_memory_allocated)
max_memory_allocated = max_memory_reserved = memory_reserved


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
