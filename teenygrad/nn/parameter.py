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
        self._data, self.grad, self._ctx, self._retains_grad, self._requires_grad = a, None, None, False, False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (Parameter, (Tensor._wrap(self._data), self.requires_grad))

    def __deepcopy__(self, memo):  # as torch's: a copy of the values in the same layout, requires_grad, no .grad
        if id(self) not in memo:
            memo[id(self)] = type(self)(Tensor._wrap(self._data.copy(order="K")), self.requires_grad)
        return memo[id(self)]


class Buffer(Tensor):
    """torch.nn.Buffer: assigning one to a Module attribute registers it as a buffer."""
    def __init__(self, data, persistent=True):
        a = data._data if isinstance(data, Tensor) else _as_array(data, None)
        self._data, self.grad, self._ctx, self._retains_grad, self._requires_grad = a, None, None, False, False
        self.persistent = persistent


_UNINIT = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
           "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call `forward` "
           "to initialize the parameters before accessing their attributes.")


class _Uninitialized:
    """torch's UninitializedTensorMixin: a lazy module's parameter or buffer before its shape is known. It holds no
    values (only a dtype and a device, in an empty array); materialize(shape) gives it memory and turns it into
    cls_to_become in place, so an optimizer built before still holds it. Its shape and size raise, as torch's."""
    __slots__ = ()
    cls_to_become = Tensor

    @property
    def shape(self):
        raise RuntimeError(_UNINIT)

    def size(self, dim=None):
        raise RuntimeError(_UNINIT)

    def numel(self):
        raise ValueError("Attempted to use an uninitialized parameter in numel. This error happens when you are "
                         "using a `LazyModule` or explicitly manipulating `torch.nn.parameter.UninitializedParameter` "
                         "objects. When using LazyModules Call `forward` with a dummy batch to initialize the "
                         "parameters before calling torch functions")

    def materialize(self, shape, device=None, dtype=None):
        """Allocate `shape` (values uninitialised) on the tensor's device, in its dtype: now cls_to_become."""
        from .._arrays import xp_of
        from ..tensor import _move, _device_name
        a = xp_of(self._data).empty(tuple(shape), dtype or self._data.dtype)
        self._data = a if device is None else _move(a, _device_name(device))
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, proto):
        return (type(self), (self.requires_grad, None, self._data.dtype))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, None, self._data.dtype)
        return memo[id(self)]


class UninitializedParameter(_Uninitialized, Parameter):
    """torch.nn.UninitializedParameter: becomes a Parameter when materialized."""
    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        from ..creation import empty
        super().__init__(empty(0, dtype=dtype, device=device), requires_grad)


class UninitializedBuffer(_Uninitialized, Tensor):
    """torch.nn.UninitializedBuffer (a lazy norm layer's running statistics): becomes a Tensor when materialized."""
    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        from ..creation import empty
        self._data = empty(0, dtype=dtype, device=device)._data
        self.grad, self._ctx, self._retains_grad, self._requires_grad = None, None, False, False
        self.persistent = persistent
        if requires_grad:
            self.requires_grad_(True)


def is_lazy(t):
    return isinstance(t, _Uninitialized)
