"""Where a tensor's array lives: torch.device, moving arrays between numpy (the CPU) and cupy (a GPU), and the
differentiable copy that to(device) records. No Tensor here: tensor.py imports these."""
import numpy as np
from .autograd import function as _function
from ._arrays import to_host


def _check_same_device(a, b, op):
    if type(a._data) is not type(b._data):
        raise RuntimeError(f"{op}: expected all tensors to be on the same device, but found {a.device} "
                           f"and {b.device}")


class device(str):
    """torch.device: a device string ('cpu', 'cuda', 'cuda:1') with torch's .type and .index, so it goes
    wherever a device string does (to(), device=, ==)."""
    def __new__(cls, type, index=None):
        s = str(type) if index is None else f"{type}:{index}"
        kind, _, idx = s.partition(":")
        if kind not in ("cpu", "cuda") or (idx and not idx.isdigit()):
            raise RuntimeError(f"device: expected a device type 'cpu' or 'cuda' (with an optional ':index'), got {s!r}")
        self = super().__new__(cls, s)
        self.type, self.index = kind, int(idx) if idx else None
        return self

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"


_CPU, _CUDA = device("cpu"), device("cuda")


def _device_name(dev):
    """'cpu' or 'cuda' for any device spelling torch accepts here ('cpu:0', 'cuda:1', torch.device)."""
    try:
        return device(dev).type
    except RuntimeError:
        raise RuntimeError(f"to: unknown device {dev!r} (expected 'cpu' or 'cuda', "
                           "with an optional ':index')") from None


def _move(a, device):
    device = _device_name(device)
    if device == "cpu":
        return to_host(a)
    from .backend import cuda
    cuda.require("to('cuda')")
    return cuda.get_xp().asarray(a)


class _ToDevice(_function.Function):
    """z = x copied to another device;  dx = dz copied back"""
    def forward(self, x, device):
        self.src = "cpu" if type(x) is np.ndarray else "cuda"
        return _move(x, device)

    def backward(self, g):
        return _move(g, self.src)

    def backward_graph(self, g):
        return g.to(self.src)
