"""Tensors over memory teenygrad did not allocate: frombuffer (any object with Python's buffer protocol: bytearray,
array.array, mmap, numpy arrays) and from_file (a memory-mapped file), sharing that memory as torch's do."""
import numpy as np

from . import dtype as dt
from .tensor import Tensor


def _wrap(a, requires_grad, op):
    if requires_grad and not (dt.is_floating(a.dtype) or a.dtype.kind == "c"):
        raise RuntimeError(f"{op}: only Tensors of floating point and complex dtype can require gradients, got "
                           f"{a.dtype}")
    return Tensor._wrap(a, requires_grad=bool(requires_grad))


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-d tensor of count elements of dtype (all the buffer's after offset bytes when count is -1) over the
    buffer's memory: writes to either show in the other."""
    dtype = dt.to_dtype(dtype)
    try:
        mem = memoryview(buffer)
    except TypeError:
        raise ValueError(f"frombuffer: {type(buffer).__name__} does not implement Python's buffer protocol") \
            from None
    if not mem.contiguous:
        raise RuntimeError("frombuffer: could not retrieve buffer from a non-contiguous object")
    length, size = mem.nbytes, dtype.itemsize
    if length == 0 or count == 0:
        raise ValueError(f"frombuffer: both buffer length ({length}) and count ({count}) must not be 0")
    if not 0 <= offset < length:
        raise ValueError(f"frombuffer: offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({length} bytes) minus 1")
    if count < 0:
        if (length - offset) % size:
            raise ValueError(f"frombuffer: buffer length ({length - offset} bytes) after offset ({offset} bytes) must "
                             f"be a multiple of element size ({size})")
        count = (length - offset) // size
    elif offset + count * size > length:
        raise ValueError(f"frombuffer: requested buffer length ({count} * {size} bytes) after offset ({offset} bytes) "
                         f"must not be greater than actual buffer length ({length} bytes)")
    return _wrap(np.frombuffer(mem.cast("B"), dtype, count, offset), requires_grad, "frombuffer")


def from_file(filename, shared=None, size=0, *, dtype=None, layout=None, device=None, pin_memory=False,
              requires_grad=False):
    """A 1-d tensor of size elements of dtype over the memory-mapped file filename: with shared, writes go to the
    file (created or grown to fit); without, the mapping is private (copy on write) and the file must be big enough."""
    dtype = dt._default_float if dtype is None else dt.to_dtype(dtype)
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"from_file: only CPU tensors can be mapped to files, got device {device!r}")
    if pin_memory:
        raise RuntimeError("from_file: tensors backed by a memory-mapped file cannot be in pinned memory")
    if not isinstance(size, int) or size < 0:
        raise RuntimeError(f"from_file: size must be a non-negative int (a count of elements), got {size!r}")
    nbytes = size * dtype.itemsize
    import os
    name = os.fsdecode(filename)
    try:
        if shared:
            with open(name, "ab") as f:  # created if needed
                if f.tell() < nbytes:
                    f.truncate(nbytes)
        have = os.path.getsize(name)
    except OSError as e:
        raise RuntimeError(f"from_file: unable to open file <{name}>: {e.strerror} ({e.errno})") from None
    if have < nbytes:
        raise RuntimeError(f"from_file: file <{name}> size <{have}> is smaller than the required mapping size "
                           f"<{nbytes}>")
    a = np.memmap(name, dtype, "r+" if shared else "c", shape=(size,)) if size else np.empty(0, dtype)
    return _wrap(a.view(np.ndarray), requires_grad, "from_file")
