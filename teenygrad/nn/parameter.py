"""Parameter: a Tensor that a Module registers as learnable (requires_grad=True by default)."""
import numpy as np
from ..tensor import Tensor
from ..tensor_convert import _as_array


class Parameter(Tensor):
    def __init__(self, data=None, requires_grad=True):
        # like torch, a Parameter built from a tensor shares that tensor's memory
        if data is None:
            a = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            a = data._data
        else:
            a = _as_array(data, None)
        self._data, self.grad, self._ctx, self._retains_grad, self.requires_grad = a, None, None, False, False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (Parameter, (Tensor._wrap(self._data), self.requires_grad))


class Buffer(Tensor):
    """torch.nn.Buffer: assigning one to a Module attribute registers it as a buffer."""
    def __init__(self, data, persistent=True):
        a = data._data if isinstance(data, Tensor) else _as_array(data, None)
        self._data, self.grad, self._ctx, self._retains_grad, self.requires_grad = a, None, None, False, False
        self.persistent = persistent
