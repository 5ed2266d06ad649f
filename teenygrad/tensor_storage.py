"""Tensor.storage() / untyped_storage(): the flat memory a tensor views, as torch shows it when explaining views
(makemore part 2: `torch.arange(6).view(2, 3).storage()` still prints 0 1 2 3 4 5, one per line).

A storage is a flat view of the root numpy array the tensor's array views (as storage_offset finds it), so it
shares memory: writing s[0] changes the tensor, as in torch. CUDA arrays give the tensor's own flat memory."""
import copy

import numpy as np

from .tensor_convert import _dtype_name


def _root(a):
    """The outermost numpy array a views (a itself when it owns its memory)."""
    root, b = a, a.base
    while b is not None:  # as_strided views hold their array through a non-array wrapper: walk past it
        if isinstance(b, np.ndarray):
            root = b
        b = getattr(b, "base", None)
    return root


def _flat_memory(a):
    if type(a) is not np.ndarray:
        return a.reshape(-1)
    root = _root(a)
    # in memory order: reshape(-1) of a Fortran-ordered root (numpy's, an einsum's) would be a reordered copy
    return root.ravel(order="K") if root.flags.c_contiguous or root.flags.f_contiguous else a.reshape(-1)


class _Storage:
    _kind = "TypedStorage"

    def __init__(self, flat, device):
        self._flat, self.device = flat, device

    def __len__(self):
        return self._flat.size

    def size(self):
        return self._flat.size

    def __getitem__(self, i):
        if isinstance(i, slice):
            return type(self)(self._flat[i], self.device)
        n = self._flat.size
        if not -n <= i < n:
            raise IndexError(f"storage: index {i} out of range for storage of size {n}")
        return self._flat[i].item()

    def __setitem__(self, i, value):
        self._flat[i] = value

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self):
        return self._flat.tolist()

    def fill_(self, value):
        self._flat[...] = value
        return self

    def copy_(self, source, non_blocking=None):
        """source's bytes into this memory (the tensors on it see them); the sizes in bytes must match, as torch's."""
        if source.nbytes() != self.nbytes():
            raise RuntimeError(f"copy_: size mismatch: copying a storage of {source.nbytes()} bytes into one of "
                               f"{self.nbytes()} bytes")
        self._flat.view(np.uint8)[...] = source._flat.view(np.uint8)
        return self

    def clone(self):
        return type(self)(self._flat.copy(), self.device)

    def data_ptr(self):
        return self._flat.__array_interface__["data"][0] if type(self._flat) is np.ndarray else self._flat.data.ptr

    def nbytes(self):
        return self._flat.nbytes

    def element_size(self):
        return self._flat.itemsize

    def _info(self):
        return f"dtype={_dtype_name(self._flat.dtype)}, device={self.device}"

    def __repr__(self):  # torch's layout: one value per line, then the type, dtype and size
        values = " " + "\n ".join(str(v) for v in self.tolist())
        return f"{values}\n[teenygrad.storage.{self._kind}({self._info()}) of size {len(self)}]"


class TypedStorage(_Storage):
    @property
    def dtype(self):
        return self._flat.dtype


class UntypedStorage(_Storage):
    """The same memory as bytes (uint8): len() is nbytes, as torch's."""
    _kind = "UntypedStorage"

    def _info(self):
        return f"device={self.device}"


def storage(self):
    """The flat typed memory this tensor views (torch's TypedStorage)."""
    return TypedStorage(_flat_memory(self._data), self.device)


def untyped_storage(self):
    """The flat memory this tensor views, as bytes (torch's UntypedStorage)."""
    flat = _flat_memory(self._data)
    return UntypedStorage(flat.view(np.uint8), self.device)


def deepcopy(self, memo):
    """copy.deepcopy: each memory is copied once per deepcopy (memo), so tensors that shared it share the copy, at
    their offsets and strides, as torch's (views, tied weights); the gradient, flags and attributes are copied."""
    a = self._data
    root = _root(a) if type(a) is np.ndarray else None
    if root is not None and (root.flags.c_contiguous or root.flags.f_contiguous):
        new_root = copy.deepcopy(root, memo)  # memo: the first tensor on this memory copies it, the others reuse it
        offset = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        new = np.ndarray(a.shape, a.dtype, buffer=new_root.ravel(order="K"), offset=offset, strides=a.strides)
        if not a.flags.writeable and 0 in a.strides:  # an expanded tensor stays read-only
            new.flags.writeable = False
    else:
        new = copy.deepcopy(a, memo)
    t = type(self).__new__(type(self))
    memo[id(self)] = t
    attrs, slots = self.__getstate__()
    for k, v in {**slots, "_grad": self._grad}.items():  # (pickle leaves the gradient behind; deepcopy copies it)
        setattr(t, k, new if k == "_data" else copy.deepcopy(v, memo))
    if attrs:
        t.__dict__.update(copy.deepcopy(attrs, memo))
    return t


def _storage_ptr(a):
    """The address where the memory a views starts: equal for two arrays on one storage."""
    return _root(a).__array_interface__["data"][0] if type(a) is np.ndarray else a.data.mem.ptr


def is_set_to(self, tensor):
    """True when both view the same storage at the same offset with the same sizes and strides, as torch's."""
    a, b = self._data, tensor._data
    return (type(a) is type(b) and _storage_ptr(a) == _storage_ptr(b) and a.shape == b.shape
            and self.storage_offset() * a.itemsize == tensor.storage_offset() * b.itemsize
            and self.stride() == tensor.stride())


def set_(self, source=None, storage_offset=0, size=None, stride=None):
    """Make self view other memory, as torch's: a tensor's (at its offset, sizes and strides, so that
    self.is_set_to(source)), a storage's from storage_offset through size and stride (C order when None; the
    whole storage when size is None too), or none (an empty tensor). Tensors viewing self keep the old memory."""
    from ._arrays import xp_of
    from .tensor import _gstate, Tensor
    if self.requires_grad and _gstate["enabled"]:
        raise RuntimeError("set_: a leaf Variable that requires grad is being used in an in-place operation"
                           if self._ctx is None else "set_: a tensor that is part of a graph cannot be set: "
                           "set_ has no derivative (torch's gives a grad_fn that cannot run backward)")
    dtype = self._data.dtype
    if isinstance(source, Tensor):
        if (storage_offset, size, stride) != (0, None, None):
            raise TypeError("set_: a tensor source takes no storage_offset, size or stride; pass "
                            "source.untyped_storage() to view part of its memory")
        if source._data.dtype != dtype:
            raise RuntimeError(f"set_: could not set a tensor of dtype {self.dtype} to a tensor of dtype "
                               f"{source.dtype}")
        self._data = source._data
    else:
        if source is None:
            flat = xp_of(self._data).empty(0, dtype)
        elif isinstance(source, TypedStorage):
            if source.dtype != dtype:
                raise RuntimeError(f"set_: could not set a tensor of dtype {self.dtype} to a storage of dtype "
                                   f"{_dtype_name(source.dtype)}")
            flat = source._flat
        elif isinstance(source, UntypedStorage):
            flat = source._flat[:source._flat.size // dtype.itemsize * dtype.itemsize].view(dtype)
        else:
            raise TypeError(f"set_: source must be a Tensor, a storage or None, got {type(source).__name__}")
        size = (flat.size - storage_offset,) if size is None else tuple(size)
        if stride is None:
            stride = tuple(int(np.prod(size[i + 1:])) for i in range(len(size)))
        stride = tuple(stride)
        if len(stride) != len(size) or any(n < 0 for n in size) or any(s < 0 for s in stride) or storage_offset < 0:
            raise RuntimeError(f"set_: bad size {size}, stride {stride} or storage offset {storage_offset}")
        end = storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if 0 not in size else 0
        if end > flat.size:
            raise RuntimeError(f"set_: size {size}, stride {stride} and storage offset {storage_offset} need "
                               f"{end} elements, but the storage holds {flat.size} (teenygrad does not grow a "
                               "storage)")
        self._data = xp_of(flat).lib.stride_tricks.as_strided(
            flat[storage_offset:], size, [s * dtype.itemsize for s in stride])
    self._mark_written()
    return self
