"""teenygrad.accelerator: torch.accelerator's device-agnostic calls, so PyTorch's quickstart line
`device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"` runs.
teenygrad's one accelerator is CUDA (teenygrad.cuda, through cupy); without a GPU these answer as a CPU-only torch
does: not available, no current accelerator, and the device calls refuse."""
import contextlib

from . import cuda as _cuda
from .tensor import device as _device


def is_available():
    return _cuda.is_available()


def current_accelerator(check_available=False):
    """device('cuda') when a GPU is there, else None."""
    return _device("cuda") if _cuda.is_available() else None


def device_count():
    return _cuda.device_count()


def _require():
    if not _cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")


def current_device_index():
    _require()
    return _cuda.current_device()


current_device_idx = current_device_index


def set_device_index(device, /):
    _require()


set_device_idx = set_device_index


@contextlib.contextmanager
def device_index(device, /):
    if device is not None:
        _require()
    yield


def synchronize(device=None, /):
    _require()
    _cuda.synchronize()


def empty_cache():
    _require()
    _cuda.empty_cache()
