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
