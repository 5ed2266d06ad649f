"""torch.utils.dlpack: tensors to and from DLPack, the array-exchange protocol (numpy, cupy, jax, torch). Zero-copy:
the Tensor wraps the producer's memory (numpy's from_dlpack; cupy's for GPU producers), so writes show on both
sides, as in torch."""
import numpy as np
from ..tensor import Tensor

_CUDA_DEVICES = (2, 3, 13)  # DLPack device types: CUDA, CUDA host (pinned), CUDA managed


class _Capsule:
    """A bare DLPack capsule (from to_dlpack) dressed as a producer: numpy and cupy take only objects with
    __dlpack__."""
    def __init__(self, capsule, device):
        self.capsule, self.device = capsule, device

    def __dlpack__(self, stream=None, **kwargs):
        if self.capsule is None:
            raise RuntimeError("from_dlpack: this DLPack capsule was already consumed (a capsule can be used once)")
        capsule, self.capsule = self.capsule, None
        return capsule

    def __dlpack_device__(self):
        return self.device


def from_dlpack(ext_tensor):
    """A Tensor sharing ext_tensor's memory: any object with __dlpack__ (a numpy or cupy array, a torch tensor) or
    a capsule from to_dlpack."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor.detach()
    if type(ext_tensor).__name__ == "PyCapsule":
        if '"used_' in repr(ext_tensor):  # consumers rename a capsule they took: it holds no tensor any more
            raise RuntimeError("from_dlpack: this DLPack capsule was already consumed (a capsule can be used once)")
        ext_tensor = _Capsule(ext_tensor, (1, 0))
    if not hasattr(ext_tensor, "__dlpack__"):
        raise RuntimeError(f"from_dlpack: expected an object with __dlpack__ (an array or tensor) or a DLPack "
                           f"capsule, got {type(ext_tensor).__name__}")
    device = ext_tensor.__dlpack_device__()[0] if hasattr(ext_tensor, "__dlpack_device__") else 1
    if device in _CUDA_DEVICES:
        from ..backend import cuda
        cuda.require("from_dlpack (a cuda array)")
        return Tensor._wrap(cuda.get_xp().from_dlpack(ext_tensor))
    return Tensor._wrap(np.from_dlpack(ext_tensor))


def to_dlpack(tensor):
    """A DLPack capsule of the tensor's memory (detached: the capsule carries no gradient)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack: expected a Tensor, got {type(tensor).__name__}")
    try:  # a versioned capsule: numpy reads a legacy one back as read-only, which would break the shared writes
        return tensor._data.__dlpack__(max_version=(1, 0))
    except TypeError:  # a producer older than DLPack 1.0
        return tensor._data.__dlpack__()
