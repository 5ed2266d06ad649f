"""Tensor methods and functions that join tensors (cat, stack, hstack/vstack/dstack/column_stack, meshgrid,
atleast_1d/2d/3d) and split them (split, chunk, unbind, tensor_split, hsplit/vsplit/dsplit). Each checks its
arguments, naming the op and the shapes; cat is one Function (teenygrad.ops.movement.Cat), the splits are views
or slices. Imported by tensor_ops, whose _method attaches the methods to Tensor."""
import builtins
import numpy as np
from . import dtype as dt
from .ops import index as I, movement as M
from .tensor import Tensor, _norm_dim, _check_same_device, _gstate
from .tensor_ops import _method
from .tensor_inplace import _plain_view


def hstack(tensors):
    tensors = atleast_1d(*tensors)
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)  # torch looks at the first tensor only


def vstack(tensors):
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0)


row_stack = vstack


def dstack(tensors):
    return cat(list(atleast_3d(*tensors)) if len(tensors) > 1 else [atleast_3d(*tensors)], 2)


def column_stack(tensors):
    """1-D (and 0-d) tensors as columns, the rest as they are, side by side."""
    return hstack([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors])


def meshgrid(*tensors, indexing="ij"):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0-d or 1-d tensors, got shape {t.shape}")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError(f"meshgrid: expects all tensors to have the same dtype, got {tensors[0].dtype} "
                               f"and {t.dtype}")
    shape = tuple(t.numel() for t in tensors)
    out = [t.reshape([-1 if i == k else 1 for i in range(len(shape))]).expand(shape) for k, t in enumerate(tensors)]
    if indexing == "xy" and len(shape) >= 2:  # 'xy' is 'ij' with the first two dims swapped
        out = [o.transpose(0, 1) for o in out]
    return tuple(out)


@_method
def split(self, split_size, dim=0):
    """split_size: an int, or a list of sizes (torch.split's split_size_or_sections)."""
    a = self._data
    if a.ndim == 0:
        raise RuntimeError("split: expects at least a 1-dimensional tensor")
    d = _norm_dim(dim, a.ndim, "split")
    n = a.shape[d]
    if isinstance(split_size, int):
        s = split_size
        if s <= 0 and n:
            raise RuntimeError(f"split: split_size must be positive, got {s}")
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    else:
        sizes = list(split_size)
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split: split sizes {sizes} don't sum to the size {n} of dim {dim} of shape {self.shape}")
    out, start = [], 0
    graph = self._requires_grad and _gstate["enabled"]
    name = "SplitBackward0" if isinstance(split_size, int) else "SplitWithSizesBackward0"
    before, after = (slice(None),) * d, (slice(None),) * (a.ndim - d - 1)
    for k, s in enumerate(sizes):
        idx = before + (slice(start, start + s),) + after
        # no graph: the slice itself, as self[idx] would give it (slices need none of getitem's index checks)
        if graph:
            piece = self[idx]._named(name)
            piece._ctx.output_nr = k  # torch's one Split node: the piece's number in next_functions
        else:
            piece = _plain_view(Tensor._wrap(a[idx]), self, I.GetItem, index=idx)
        piece._multi_view = True  # torch refuses in-place ops with a graph on the outputs of a multi-view op
        if graph:
            piece._output_nr = len(out)  # its place among the outputs of torch's one node (Tensor.output_nr)
        out.append(piece)
        start += s
    return tuple(out)


@_method
def chunk(self, chunks, dim=0):
    if self.ndim == 0:
        raise RuntimeError("chunk: expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
    n = self.shape[_norm_dim(dim, self.ndim, "chunk")]
    if n == 0:  # torch: `chunks` empty pieces
        return tuple(self.clone() for _ in range(chunks))
    return self.split(-(-n // chunks), dim)


@_method
def unbind(self, dim=0):
    d = _norm_dim(dim, self.ndim, "unbind")
    if self.shape[d] == 0:  # split gives one empty piece here; unbind gives none
        return ()
    out = tuple(t.squeeze(d)._named("UnbindBackward0") for t in self.split(1, d))
    if self._requires_grad and _gstate["enabled"]:
        for i, t in enumerate(out):
            t._output_nr = i
    return out


def _tensor_list(tensors, op):
    """tensors as a list, each one a Tensor (torch's TypeError otherwise, not an AttributeError from inside)"""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expected a sequence of tensors, got a single Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a sequence of Tensors, but element {i} is {type(t).__name__}")
    return tensors


def _cat_plain(tensors, dim):
    """cat's axis when its checks would pass with nothing to do (a list or tuple of Tensors on one device, of one
    dtype and ndim, matching off dim, no 1-D empty to skip; a decode step's k/v cache), in one pass; else None and
    cat's checks decide."""
    if type(tensors) is not list and type(tensors) is not tuple or not tensors or type(dim) is not int:
        return None
    first = tensors[0]
    if type(first) is not Tensor:
        return None
    a = first._data
    shape, rt, kind = a.shape, a.dtype, type(a)
    n = len(shape)
    if not -n <= dim < n or shape == (0,):  # a 0-d ref too
        return None
    d = dim if dim >= 0 else dim + n
    head, tail = shape[:d], shape[d + 1:]
    for t in tensors:
        if t is first:  # torch.cat([x] * n): nothing to check again
            continue
        if type(t) is not Tensor:
            return None
        a = t._data
        if type(a) is not kind or a.dtype is not rt:
            return None
        s = a.shape
        if s != shape and (len(s) != n or s[:d] != head or s[d + 1:] != tail or s == (0,)):
            return None
    return d


def cat(tensors, dim=0, *, axis=None):
    if axis is not None:  # numpy's name, which torch takes too
        dim = axis
    d = _cat_plain(tensors, dim)
    if d is not None:
        if _gstate["enabled"]:
            for t in tensors:
                if t._requires_grad:
                    return M.Cat.apply(*tensors, axis=d)
        # nothing to record (a decode step's k/v cache): what Cat.apply would return, without the node
        return Tensor._wrap(np.concatenate([t._data for t in tensors], axis=d))
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    # torch skips 1-D empty tensors in the shape checks (and Cat), but not in the result dtype
    ref = tensors[0]
    if ref._data.shape == (0,):
        ref = next((t for t in tensors if t._data.shape != (0,)), ref)
        if ref._data.shape == (0,):  # nothing but 1-D empties: torch takes any dim
            dim = 0
    ra = ref._data  # the checks read the arrays: each Tensor property costs a call
    if not ra.ndim:
        raise RuntimeError(f"cat: zero-dimensional tensor (at position {tensors.index(ref)}) cannot be concatenated")
    d = _norm_dim(dim, ra.ndim, "cat")
    rest = ra.shape[:d] + ra.shape[d + 1:]
    rt = ra.dtype
    mixed = skip = False
    for t in tensors:
        a = t._data
        if t is not ref:
            _check_same_device(ref, t, "cat")
            if a.shape == (0,):
                skip = True
            elif a.ndim != ra.ndim or a.shape[:d] + a.shape[d + 1:] != rest:
                raise RuntimeError(f"cat: sizes of tensors must match except in dimension {d}; got {ref.shape} and "
                                   f"{t.shape}")
        if a.dtype is not rt:
            mixed = True
            rt = dt.result_type(rt, 1, a.dtype, 1)
    if skip:  # an empty piece of ref's shape, not dropped: its gradient is an empty tensor, as torch's
        empty = ra.shape[:d] + (0,) + ra.shape[d + 1:]
        tensors = [t.reshape(empty) if t is not ref and t._data.shape == (0,) else t for t in tensors]
    if mixed:  # promote to the common dtype (one dtype throughout: nothing to cast)
        tensors = [t._cast(rt) for t in tensors]
    return M.Cat.apply(*tensors, axis=d)


concat = concatenate = cat


def stack(tensors, dim=0, *, axis=None):
    if axis is not None:
        dim = axis
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack: expected a non-empty list of tensors")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got {tensors[0].shape} and {t.shape}")
    d = _norm_dim(dim, tensors[0].ndim + 1, "stack")
    rt = tensors[0]._data.dtype
    if all(type(t._data) is np.ndarray and t._data.dtype is rt for t in tensors) and not (
            _gstate["enabled"] and any(t.requires_grad for t in tensors)):
        # no graph, one dtype, CPU (nanoGPT's get_batch stacks 12 slices per batch): one np.stack, not a view per tensor
        return Tensor._wrap(np.stack([t._data for t in tensors], d))
    return cat([t.unsqueeze(d) for t in tensors], d)._named("StackBackward0")


@_method
def tensor_split(self, indices_or_sections, dim=0):
    """Pieces along dim: n sections (the first size % n one longer), or split before each index (slice rules)."""
    if self.ndim == 0:
        raise RuntimeError("tensor_split: expected at least a 1-dimensional tensor, but got a 0-d tensor")
    d = _norm_dim(dim, self.ndim, "tensor_split")
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype != np.int64 or ios.ndim > 1:
            raise RuntimeError(f"tensor_split: indices_or_sections must be a 0-d or 1-D int64 tensor, got "
                               f"{ios.dtype} of shape {ios.shape}")
        ios = int(ios.item()) if ios.ndim == 0 else ios.tolist()
    n = self.shape[d]
    if isinstance(ios, (int, np.integer)) and not isinstance(ios, bool):
        if ios <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got {ios}")
        q, r = divmod(n, int(ios))
        bounds = [0]
        for i in range(int(ios)):
            bounds.append(bounds[-1] + q + (i < r))
    else:
        bounds = [0] + [int(i) for i in ios] + [None]
    pre = (slice(None),) * d
    return tuple(self[pre + (slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:]))


def _dir_split(self, sections, dim, min_ndim, op):
    if self.ndim < min_ndim:
        raise RuntimeError(f"{op}: requires a tensor with at least {min_ndim} dimension(s), got shape {self.shape}")
    if isinstance(sections, Tensor) and sections.ndim == 0:  # torch takes a 0-d tensor as that int
        sections = int(sections.item())
    if isinstance(sections, int) and (sections == 0 or self.shape[dim] % sections):
        raise RuntimeError(f"{op}: attempted to split along dimension {dim}, but the size of the dimension "
                           f"{self.shape[dim]} is not divisible by the split_size {sections}")
    return self.tensor_split(sections, dim)


@_method
def hsplit(self, sections):
    return _dir_split(self, sections, 1 if self.ndim > 1 else 0, 1, "hsplit")


@_method
def vsplit(self, sections):
    return _dir_split(self, sections, 0, 2, "vsplit")


@_method
def dsplit(self, sections):
    return _dir_split(self, sections, 2, 3, "dsplit")


def _atleast(tensors, n, op):
    one = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    ts = tensors if not (len(tensors) == 1 and isinstance(tensors[0], (list, tuple))) else tuple(tensors[0])
    for t in ts:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__}")
    out = []
    for t in ts:  # torch's placements: 0-D -> (1, 1, 1)[:n], 1-D (k) -> (1, k) -> (1, k, 1), 2-D (m, k) -> (m, k, 1)
        if t.ndim >= n:
            out.append(t)
        elif t.ndim == 0:
            out.append(t.reshape((1,) * n))
        elif t.ndim == 1:
            out.append(t.reshape((1,) + t.shape + (1,) * (n - 2)))
        else:
            out.append(t.unsqueeze(-1))
    return out[0] if one else tuple(out)


def atleast_1d(*tensors):
    return _atleast(tensors, 1, "atleast_1d")


def atleast_2d(*tensors):
    return _atleast(tensors, 2, "atleast_2d")


def atleast_3d(*tensors):
    return _atleast(tensors, 3, "atleast_3d")
