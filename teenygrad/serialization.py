"""teenygrad.save / teenygrad.load: pickle-free checkpoints in the safetensors file layout.

    [8-byte little-endian u64 N][N bytes of JSON header][raw little-endian, C-contiguous tensor bytes]

The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets count from
the first data byte) plus an optional "__metadata__": {str: str}. So that any checkpoint, not just a
flat state dict, fits this layout, the non-tensor structure (nested dicts/lists/tuples, ints, floats,
strings, bools, None; and the other small values torch.load(weights_only=True) reads: sets, bytes, complex
numbers, dtypes, devices, Sizes) goes into __metadata__["teenygrad"] as a JSON tree whose leaves name tensors.
A flat {str: Tensor} dict keeps its keys as tensor names, so `safetensors.numpy.load_file` and
`safetensors.torch.load_file` read it directly; files written by the safetensors library (no
"teenygrad" tree) load as {name: Tensor}. safetensors has no complex dtype: a complex64 / complex128 tensor is
stored as float32 / float64 pairs (shape (..., 2): real, imaginary), which the tree marks as complex.

What torch.save keeps beyond the values rides in the same metadata entry, beside the tree (files written before
these keys load as before, and an older teenygrad reading a newer file just goes without them): "views" names the
tensors that share memory with another tensor of the checkpoint (tied weights, views of one base), or that are not
all of their memory in order (a slice, a transpose), each as [storage name, offset, strides] into a stored tensor
that holds their whole memory, so they share it again and keep their strides and offsets after loading;
"requires_grad" and "parameters" name the tensors saved with requires_grad or as nn.Parameter; "devices" the
device of each tensor saved off the host; "ordered_dicts" counts which dicts (in the tree's order) were
OrderedDicts. Each tensor sharing memory is still
stored by value under its own name too, so safetensors readers see every name (one tensor object met twice is
stored once).

Why not pickle: unpickling runs arbitrary code, so a downloaded checkpoint could own the machine.
load() parses only JSON and raw bytes, and checks every size and offset before reading a byte of data.
"""
import base64
import collections
import io
import json
import math
import os
import stat
import struct
import sys
import tempfile

import numpy as np

__all__ = ["save", "load", "CheckpointError", "PickleRefusedError"]

_FORMAT_VERSION = 1
_TREE_KEY = "teenygrad"  # the __metadata__ entry holding the checkpoint's structure
_RESERVED = "__metadata__"  # a safetensors header key, never a tensor name

# safetensors dtype codes; BF16 is handled apart (_bfloat16) because numpy needs ml_dtypes for it
_DTYPES = {
    "F64": np.dtype(np.float64), "F32": np.dtype(np.float32), "F16": np.dtype(np.float16),
    "I64": np.dtype(np.int64), "I32": np.dtype(np.int32), "I16": np.dtype(np.int16), "I8": np.dtype(np.int8),
    "U64": np.dtype(np.uint64), "U32": np.dtype(np.uint32), "U16": np.dtype(np.uint16), "U8": np.dtype(np.uint8),
    "BOOL": np.dtype(np.bool_),
}
_CODES = {dt: code for code, dt in _DTYPES.items()}

_PLAIN = (str, int, bool, type(None))  # JSON stores these exactly; floats get special care (nan, inf)


class CheckpointError(ValueError):
    """A file that load() refuses: corrupt, truncated, lying about its sizes, or not a safetensors file."""


class PickleRefusedError(CheckpointError):
    """The file is a pickle (pickle.dump, torch.save): refused unread, since unpickling can run code."""


# ---------------------------------------------------------------- dtypes and Tensor conversion

def _bfloat16():
    from teenygrad.dtype import bfloat16_dtype  # imports ml_dtypes only now, when a BF16 tensor shows up
    return bfloat16_dtype()


def _code_of(dt, where="save"):
    if dt.name == "bfloat16":
        return "BF16"
    code = _CODES.get(dt.newbyteorder("="))
    if code is None:
        raise TypeError(f"{where}: dtype {dt} has no safetensors code; supported: {', '.join(_DTYPES)}, BF16 "
                        f"(and complex64 / complex128, stored as pairs of F32 / F64)")
    return code


def _dtype_of(code):
    return _bfloat16() if code == "BF16" else _DTYPES[code]


def _tensor_class():
    from teenygrad.tensor import Tensor  # lazy: tensor.py sits above serialization in the layering
    return Tensor


def _to_numpy(x):
    """Tensor or ndarray -> C-contiguous little-endian ndarray (the exact bytes the file will hold)."""
    if not isinstance(x, np.ndarray) and x.device != "cpu":
        x = x.cpu()  # a cuda tensor: the file holds host bytes
    a = x if isinstance(x, np.ndarray) else x.numpy()
    a = a if a.flags.c_contiguous else a.copy(order="C")  # not ascontiguousarray: it turns 0-d into 1-d
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and sys.byteorder == "big"):
        a = a.byteswap().view(a.dtype.newbyteorder("<"))
    return a


def _from_numpy(a):
    return _tensor_class()._from_data(a)   # the array's own dtype (the legacy Tensor(array) makes float32)


# ---------------------------------------------------------------- the tree: structure <-> JSON

def _where(path):
    return "checkpoint" + "".join(f"[{k!r}]" for k in path)


def _encode_float(x):
    # json writes finite floats with repr (exact, -0.0 too); nan/inf have no strict-JSON form, so tag them
    return x if math.isfinite(x) else {"float": repr(x)}


def _encode_key(k, path):
    if type(k) in _PLAIN:
        return k
    if type(k) is float:
        return _encode_float(k)
    if type(k) is tuple:
        return {"tuple": [_encode_key(e, path) for e in k]}
    raise TypeError(f"save: dict key {k!r} of type {type(k).__name__} at {_where(path)} is not storable; "
                    "keys must be str, int, float, bool, None or tuples of them")


def _refusal(x, path):
    """Why save can't store x, and what to save instead: a whole model or optimizer would need pickle."""
    name = type(x).__name__
    at = f" (at {_where(path)})" if path else ""
    if callable(getattr(x, "state_dict", None)):
        from .nn.modules.module import Module  # only now: checkpoints of plain tensors never need nn
        from .optim.optimizer import Optimizer
        if isinstance(x, Module):
            return (f"save: cannot store a whole Module ({name}) pickle-free{at}; save model.state_dict() and load "
                    f"it into a new {name}() with load_state_dict (torch.load of a whole model needs pickle, which "
                    "teenygrad's files never hold)")
        if isinstance(x, Optimizer):
            return (f"save: cannot store a whole Optimizer ({name}) pickle-free{at}; save optimizer.state_dict() "
                    f"and load it into a new {name} over the model's parameters with load_state_dict (teenygrad's "
                    "files never hold pickle)")
        return f"save: cannot store {name} pickle-free{at}; save its state_dict() and load it with load_state_dict"
    return (f"save: cannot store {name} at {_where(path)}; checkpoints hold only Tensors, numpy arrays, dicts, "
            "lists, tuples, sets, str, bytes, int, float, complex, bool, None, dtypes, devices and Sizes (what "
            "torch.load(weights_only=True) reads; they are pickle-free)")


def _layout(a, root):
    """(offset, strides) in elements of array a inside root, the memory it views; None where a cannot be read back
    as a view of root's elements (another dtype, a negative or unaligned stride)."""
    if a.dtype != root.dtype:
        return None
    off, rem = divmod(a.__array_interface__["data"][0] - root.__array_interface__["data"][0], a.itemsize)
    strides = [divmod(s, a.itemsize) for s in a.strides]
    if rem or off < 0 or any(r or s < 0 for s, r in strides):
        return None
    return off, [s for s, _ in strides]


class _Flattener:
    """Walks a checkpoint once, turning it into a JSON tree plus {tensor name: ndarray}, and notes what torch.save
    keeps beyond the values (shared memory, requires_grad, Parameters, OrderedDicts: see the module docstring)."""

    def __init__(self):
        self.arrays = {}
        self.active = set()  # ids of containers on the current path: a cycle would recurse forever
        self.seen = {}  # id(tensor) -> its node: a tensor met twice is stored once and loads as one object
        self.roots = {}  # id(memory) -> (that root array, [(name, array) of the tensors viewing it])
        self.requires_grad, self.parameters, self.ordered_dicts = [], [], []
        self.devices = {}  # name -> device of the tensors saved off the host (torch.load puts them back there)
        self.dicts = 0
        from .tensor import Size  # lazy: tensor.py sits above serialization
        from .tensor_device import device
        self.Size, self.device = Size, device

    def _name(self, path):
        return self._unique(".".join(str(k) for k in path) if path else "tensor")

    def _unique(self, name):
        base, i = name, 1
        while name in self.arrays or name == _RESERVED:  # {"a.b": x, "a": {"b": y}} both want "a.b"
            name, i = f"{base}~{i}", i + 1
        return name

    def _note_tensor(self, t, name):
        from .nn.parameter import Parameter  # only now: nn sits above serialization
        if t.requires_grad:
            self.requires_grad.append(name)
        if isinstance(t, Parameter):
            self.parameters.append(name)
        if t.device != "cpu":  # as torch's location tag: with its index, so map_location={"cuda:0": "cpu"} finds it
            self.devices[name] = f"{t.device.type}:{t.device.index or 0}"
        a = t._data
        if type(a) is np.ndarray and a.size:
            from .tensor_storage import _root
            root = _root(a)
            self.roots.setdefault(id(root), (root, []))[1].append((name, a))

    def views(self):
        """{name: [storage name, offset, strides]} for the tensors that share memory with another one saved here, or
        that are not all of their memory in order.
        The storage is a tensor that is all of that memory, or else the memory stored under a name of its own."""
        views = {}
        for root, members in self.roots.values():
            typed = {a.dtype: n for n, a in members}
            if len(typed) > 1:  # torch.save refuses these too: one storage would have to hold two dtypes
                (d1, n1), (d2, n2) = list(typed.items())[:2]
                raise ValueError(f"save: tensors {n1!r} ({d1}) and {n2!r} ({d2}) view the same memory as different "
                                 "dtypes; torch.save cannot store that either: save a .clone() of one of them")
            members = [(n, a, _layout(a, root)) for n, a in members]
            members = [m for m in members if m[2] is not None]
            if not members or not (root.flags.c_contiguous or root.flags.f_contiguous):
                continue
            (_, a, (off, _)), = members[:1]
            if len(members) == 1 and off == 0 and a.size == root.size and a.flags.c_contiguous:
                continue  # a tensor alone that is all of its memory, in order: stored as it is
            storage = next((n for n, a, (off, _) in members
                            if off == 0 and a.size == root.size and a.flags.c_contiguous), None)
            pairs = root.dtype.kind == "c"  # complex memory is stored as float pairs: offsets and strides count floats
            if storage is None:
                storage = self._unique(members[0][0] + ".storage")
                flat = root.ravel(order="K")  # in memory order (a Fortran-ordered root too), as offsets count
                self.arrays[storage] = _to_numpy(flat.view(flat.real.dtype) if pairs else flat)
            for n, _, (off, strides) in members:
                if n != storage:
                    views[n] = [storage, 2 * off, [2 * s for s in strides] + [1]] if pairs else [storage, off, strides]
        return views

    def _encode_small(self, x, path):
        if isinstance(x, np.dtype):  # torch.float16 and the rest: teenygrad's dtypes are numpy's
            return {"dtype": x.name}
        if type(x) is self.device:
            return {"device": str(x)}
        if type(x) is self.Size:
            return {"size": list(x)}
        if type(x) in (bytes, bytearray):
            return {type(x).__name__: base64.b64encode(x).decode()}
        if type(x) is complex:
            return {"complex": [_encode_float(x.real), _encode_float(x.imag)]}
        if type(x) is set:
            return {"set": [self.encode(v, path + (i,)) for i, v in enumerate(x)]}
        return None

    def encode(self, x, path=()):
        if type(x) in _PLAIN:
            return x
        if type(x) is float:
            return _encode_float(x)
        node = self._encode_small(x, path)  # the other plain values torch.load(weights_only=True) reads
        if node is not None:
            return node
        if isinstance(x, (dict, list, tuple)):
            if id(x) in self.active:
                raise ValueError(f"save: {_where(path)} contains itself; checkpoints must be trees")
            self.active.add(id(x))
            if isinstance(x, dict):
                if type(x) is collections.OrderedDict:  # a state_dict: torch.load gives an OrderedDict back
                    self.ordered_dicts.append(self.dicts)
                self.dicts += 1
                node = {"dict": [[_encode_key(k, path), self.encode(v, path + (k,))] for k, v in x.items()]}
            else:
                items = [self.encode(v, path + (i,)) for i, v in enumerate(x)]
                node = {"tuple" if isinstance(x, tuple) else "list": items}
            self.active.discard(id(x))
            return node
        if isinstance(x, np.ndarray):
            kind = "ndarray"
        elif isinstance(x, np.generic):  # a numpy scalar, stored as a 0-d array so it keeps its dtype
            kind, x = "scalar", np.asarray(x)
        else:
            kind = "tensor" if isinstance(x, _tensor_class()) else None
        if kind is None:
            raise TypeError(_refusal(x, path))
        if kind == "tensor" and id(x) in self.seen:
            return self.seen[id(x)]
        a = _to_numpy(x)
        if a.dtype.kind == "c":  # safetensors has no complex code: stored as (..., 2) (real, imaginary) floats,
            a = a.reshape(a.shape + (1,)).view(a.real.dtype)  # which any safetensors reader reads as such
            kind = "complex_" + kind
        _code_of(a.dtype, f"save: {_where(path)}")  # fail now, before a temp file exists
        name = self._name(path)
        self.arrays[name] = a
        if kind.endswith("tensor"):
            self._note_tensor(x, name)
            self.seen[id(x)] = {kind: name}
        return {kind: name}


def _shared_views(arrays, views, where):
    """Make each tensor that "views" names a view of its storage's array (as saved), in place in `arrays`."""
    if not isinstance(views, dict):
        raise CheckpointError(f"{where}: 'views' must map tensor names to [storage, offset, strides]")
    stored = dict(arrays)  # storages are read as stored, never through another view
    for name, v in views.items():
        ok = (isinstance(v, list) and len(v) == 3 and v[0] in stored and v[0] != name and name in stored
              and type(v[1]) is int and v[1] >= 0 and isinstance(v[2], list)
              and all(type(s) is int and s >= 0 for s in v[2]))
        if not ok:
            raise CheckpointError(f"{where}: bad shared-memory entry {name!r}: {str(v)[:80]}")
        (storage, offset, strides), a = v, stored[name]
        buf = stored[storage].reshape(-1)
        end = offset + sum((n - 1) * s for n, s in zip(a.shape, strides)) + 1 if a.size else 0
        if buf.dtype != a.dtype or len(strides) != a.ndim or end > buf.size:
            raise CheckpointError(f"{where}: tensor {name!r} ({a.dtype} {a.shape}) cannot view {storage!r} "
                                  f"({buf.dtype}, {buf.size} elements) at offset {offset} with strides {strides}")
        arrays[name] = np.ndarray(a.shape, a.dtype, buffer=buf, offset=offset * a.itemsize,
                                  strides=[s * a.itemsize for s in strides])
        if any(s == 0 and n > 1 for n, s in zip(a.shape, strides)):
            arrays[name].flags.writeable = False  # an expanded tensor: one element at several places


def _list(val):
    if not isinstance(val, list):
        raise TypeError(f"expected a list, got {type(val).__name__}")
    return val


def _str(val):
    if not isinstance(val, str):
        raise TypeError(f"expected a str, got {type(val).__name__}")
    return val


def _dtype_node(name):
    from .dtype import to_dtype
    return to_dtype(_str(name))


def _device_node(name):
    from .tensor_device import device
    return device(_str(name))


def _size_node(dims):
    from .tensor import Size
    if not (isinstance(dims, list) and all(type(d) is int for d in dims)):
        raise TypeError("a Size holds ints")
    return Size(dims)


def _complex_node(parts):
    if len(parts) != 2:
        raise ValueError("a complex number is [real, imaginary]")
    return complex(*parts)


# tree tags of the small values torch.load(weights_only=True) also reads -> how each is rebuilt
_SMALL = {"dtype": _dtype_node, "device": _device_node, "size": _size_node,
          "bytes": lambda v: base64.b64decode(_str(v), validate=True),
          "bytearray": lambda v: bytearray(base64.b64decode(_str(v), validate=True)),
          "complex": _complex_node, "set": set}


class _Unflattener:
    """Inverse of _Flattener: the JSON tree back to the checkpoint, given {name: loaded ndarray} and the metadata
    entry's extra keys (each optional: files from before them load as before)."""

    def __init__(self, tensors, meta, where, place):
        self.tensors, self.where, self.place = tensors, where, place
        self.made = {}  # name -> Tensor: a tensor saved twice loads as one object, as torch's
        self.dicts = 0
        try:
            self.requires_grad = set(meta.get("requires_grad", ()))
            self.parameters = set(meta.get("parameters", ()))
            self.ordered_dicts = set(meta.get("ordered_dicts", ()))
        except TypeError:
            raise CheckpointError(f"{where}: requires_grad, parameters and ordered_dicts must be lists") from None
        self.devices = meta.get("devices", {})
        if not (isinstance(self.devices, dict) and all(isinstance(d, str) for d in self.devices.values())):
            raise CheckpointError(f"{where}: 'devices' must map tensor names to device strings")

    def _tensor(self, a, name):
        if name not in self.made:
            t = self.place(_from_numpy(a), name, self.devices.get(name, "cpu"))
            if name in self.requires_grad and a.dtype.kind not in "fcV":  # (V: bfloat16)
                raise CheckpointError(f"{self.where}: tensor {name!r} of dtype {a.dtype} cannot require grad")
            if name in self.parameters:
                from .nn.parameter import Parameter
                t = Parameter(t, requires_grad=name in self.requires_grad)
            elif name in self.requires_grad:
                t.requires_grad_()
            self.made[name] = t
        return self.made[name]

    def decode(self, node):
        tensors, where = self.tensors, self.where
        if isinstance(node, (str, int, float, bool)) or node is None:
            return node
        if not (isinstance(node, dict) and len(node) == 1):
            raise CheckpointError(f"{where}: bad tree node {str(node)[:80]}")
        (tag, val), = node.items()
        if tag in ("tensor", "ndarray", "scalar", "complex_tensor", "complex_ndarray", "complex_scalar"):
            if not isinstance(val, str) or val not in tensors:
                raise CheckpointError(f"{where}: tree names tensor {str(val)[:80]!r}, which the header lacks")
            a = tensors[val]
            if tag.startswith("complex_"):  # (..., 2) floats back to complex numbers
                if a.dtype not in (_DTYPES["F32"], _DTYPES["F64"]) or a.ndim == 0 or a.shape[-1] != 2:
                    raise CheckpointError(f"{where}: complex tensor {val!r} is stored as {a.dtype} {a.shape}, not "
                                          f"as (..., 2) float32 / float64")
                if a.strides[-1] != a.itemsize:  # (the pairs of a view of shared memory are already adjacent)
                    a = np.ascontiguousarray(a)
                a = a.view(np.complex64 if a.dtype == _DTYPES["F32"] else np.complex128)[..., 0]
                tag = tag[len("complex_"):]
            if tag == "scalar" and a.ndim != 0:
                raise CheckpointError(f"{where}: scalar {val!r} has shape {a.shape}, not ()")
            return self._tensor(a, val) if tag == "tensor" else a if tag == "ndarray" else a[()]
        if tag == "float" and val in ("nan", "inf", "-inf"):
            return float(val)
        if tag in _SMALL:
            try:
                if tag in ("complex", "set"):  # their items are tree nodes (nan parts, tensors in a set)
                    val = [self.decode(v) for v in _list(val)]
                return _SMALL[tag](val)
            except (TypeError, ValueError, RuntimeError) as e:
                raise CheckpointError(f"{where}: bad {tag} node {str(val)[:80]} ({type(e).__name__})") from None
        if tag in ("list", "tuple") and isinstance(val, list):
            items = [self.decode(v) for v in val]
            return items if tag == "list" else tuple(items)
        if tag == "dict" and isinstance(val, list) and all(isinstance(p, list) and len(p) == 2 for p in val):
            cls = collections.OrderedDict if self.dicts in self.ordered_dicts else dict
            self.dicts += 1
            try:
                return cls((self.decode(k), self.decode(v)) for k, v in val)
            except TypeError as e:  # an unhashable key (a list) in a hand-made file
                raise CheckpointError(f"{where}: bad dict key in tree: {e}") from None
        raise CheckpointError(f"{where}: bad tree node {str(node)[:80]}")


# ---------------------------------------------------------------- writing

def _header_bytes(arrays, metadata):
    # lay out widest dtypes first so every tensor's offset is aligned to its itemsize (zero-copy readers
    # like safetensors' mmap need that); the header itself keeps the checkpoint's order
    order = sorted(arrays, key=lambda n: -arrays[n].dtype.itemsize)
    offsets, pos = {}, 0
    for name in order:
        offsets[name] = [pos, pos + arrays[name].nbytes]
        pos += arrays[name].nbytes
    header = {name: {"dtype": _code_of(a.dtype), "shape": list(a.shape), "data_offsets": offsets[name]}
              for name, a in arrays.items()}
    header[_RESERVED] = metadata
    hb = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    hb += b" " * (-len(hb) % 8)  # pad with spaces (as safetensors does) so the data starts 8-byte aligned
    return hb, order


def _write_tensor(f, a):
    if a.size:
        f.write(a.reshape(-1).view(np.uint8).data)  # no copy: the array is already contiguous


def _fsync_dir(d):
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:  # Windows cannot open directories; its os.replace is as durable as it gets
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_stream(f, hb, order, arrays):
    f.write(struct.pack("<Q", len(hb)))
    f.write(hb)
    for name in order:
        _write_tensor(f, arrays[name])


def _write_safetensors(path, arrays, metadata):
    """Atomic: bytes go to a temp file beside `path`, fsync'd, then renamed over it. A crash at any
    point leaves either the old file or the new one, never half of one (plus, after a hard kill, a
    stray hidden `.name.*.tmp` that load never looks at). A file object (io.BytesIO, an open file) is
    written as it is: its owner decides about atomicity."""
    hb, order = _header_bytes(arrays, metadata)
    if hasattr(path, "write"):
        _write_stream(path, hb, order, arrays)
        return
    path = os.path.realpath(os.fspath(path))  # saving through a symlink updates its target, like open()
    d, base = os.path.split(path)
    try:  # mkstemp makes the file 0600; keep the old file's mode, or give a new one the usual 0644
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{base}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_stream(f, hb, order, arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(d)


def save(obj, path):
    """Save a checkpoint: a Tensor, numpy array, or nested dicts/lists/tuples of those and of str, int,
    float (nan and inf too), bool and None, and of the values torch.load(weights_only=True) also reads (sets,
    bytes, complex numbers, dtypes, devices, Sizes). Writes atomically (see _write_safetensors).

    As torch.save, tensors that share memory (tied weights, views of one base, one tensor saved twice) share it
    again after loading, with their offsets and strides; so does a tensor alone (a slice or transpose keeps its
    strides and offset into the whole memory it was cut from, which is stored with it, as torch's storage). Tensors
    viewing one memory as different dtypes are refused, as torch.save refuses them. requires_grad, nn.Parameter,
    OrderedDict and the tensors' devices are kept (a .grad is not). Each tensor is also stored by
    value, contiguous, under its own name, as safetensors readers expect. numpy arrays and scalars load back as
    numpy arrays and scalars of the same dtype. Tensor names in the file are the dotted key paths
    ("model.fc.weight", "optimizer.state.0.exp_avg"); a flat {str: Tensor} dict keeps its keys."""
    flat = _Flattener()
    tree = flat.encode(obj)
    meta = {"format": _FORMAT_VERSION, "tree": tree, "views": flat.views(), "requires_grad": flat.requires_grad,
            "parameters": flat.parameters, "ordered_dicts": flat.ordered_dicts, "devices": flat.devices}
    meta = json.dumps({k: v for k, v in meta.items() if v or k == "tree"}, separators=(",", ":"), allow_nan=False)
    _write_safetensors(path, flat.arrays, {_TREE_KEY: meta})


# ---------------------------------------------------------------- reading

def _looks_like_pickle(head, tail):
    if head[:4] == b"PK\x03\x04":  # torch.save's default: a zip archive holding data.pkl
        return True
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):  # PROTO opcode
        return True
    # protocol 0/1 pickles start with an opcode such as ( ] } c N and always end with STOP '.'
    return tail == b"." and head[:1] in b"(]}cNIFSVLUGJKM"


def _check_entry(where, name, e, data_size):
    """Validate one header entry; return (dtype, shape, begin, end) only if every field is sane."""
    w = f"{where}: tensor {name!r}"
    if not isinstance(e, dict) or set(e) != {"dtype", "shape", "data_offsets"}:
        raise CheckpointError(f"{w}: entry must have exactly dtype, shape, data_offsets; got {str(e)[:80]}")
    code, shape, offs = e["dtype"], e["shape"], e["data_offsets"]
    if code not in _DTYPES and code != "BF16":
        raise CheckpointError(f"{w}: unknown dtype {code!r}; supported: {', '.join(_DTYPES)}, BF16")
    if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape):
        raise CheckpointError(f"{w}: shape {shape!r} must be a list of non-negative ints")
    if not (isinstance(offs, list) and len(offs) == 2 and all(type(o) is int for o in offs)):
        raise CheckpointError(f"{w}: data_offsets {offs!r} must be [begin, end] ints")
    begin, end = offs
    if not 0 <= begin <= end <= data_size:
        raise CheckpointError(f"{w}: data_offsets {offs} out of bounds: the file holds {data_size} data bytes"
                              + (" (truncated?)" if 0 <= begin <= end else ""))
    itemsize = 2 if code == "BF16" else _DTYPES[code].itemsize
    need = math.prod(shape) * itemsize
    if end - begin != need:
        raise CheckpointError(f"{w}: data_offsets {offs} hold {end - begin} bytes but shape {shape} "
                              f"of {code} needs {need}")
    return code, tuple(shape), begin, end


def _unique_keys(pairs):
    # plain json.loads keeps the last of two equal keys: a header could hide a second entry that way
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise ValueError(f"duplicate key {k!r}")
        seen.add(k)
    return dict(pairs)


def _read_header(f, where, size):
    head = f.read(16)
    f.seek(max(size - 1, 0))
    tail = f.read(1)
    n = struct.unpack("<Q", head[:8])[0] if size >= 8 else None
    if n is None or n > size - 8 or head[8:9] != b"{":
        if _looks_like_pickle(head, tail):
            raise PickleRefusedError(f"{where}: looks like a pickle/torch.save file; teenygrad.load never "
                                     "unpickles (that can run arbitrary code). Convert it once, in a trusted "
                                     "environment, with safetensors.torch.save_file(torch.load(...), path)")
        if n is None:
            raise CheckpointError(f"{where}: file too short ({size} bytes) for a safetensors header")
        if n > size - 8:
            raise CheckpointError(f"{where}: header length {n} runs past the end of the file ({size} bytes)")
    f.seek(8)
    raw = f.read(n)
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise CheckpointError(f"{where}: header is not valid JSON ({type(e).__name__}: {str(e)[:80]})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{where}: header must be a JSON object, got {type(header).__name__}")
    return header, 8 + n


def _load_where(src):
    return f"load({os.fspath(src)!r})" if not hasattr(src, "read") else f"load(<{type(src).__name__}>)"


def _read_safetensors(src):
    """-> ({name: ndarray}, metadata dict). Every array is a fresh, writable copy; a file opened here is closed.
    src: a path, or a file object read from its current position to its end (as torch.load reads one)."""
    where = _load_where(src)
    if hasattr(src, "read"):
        if getattr(src, "seekable", lambda: False)() and hasattr(src, "readinto"):
            # read the arrays straight out of it, as from a path: no second copy of the checkpoint in memory
            start = src.tell()
            end = src.seek(0, io.SEEK_END)
            src.seek(start)
            try:
                return _parse_safetensors(_Window(src, start), end - start, where)
            finally:
                src.seek(end)
        data = src.read()
        if not isinstance(data, bytes):
            raise CheckpointError(f"{where}: the file object gave {type(data).__name__}, not bytes; open it "
                                  "in binary mode ('rb')")
        return _parse_safetensors(io.BytesIO(data), len(data), where)
    with open(os.fspath(src), "rb") as f:
        return _parse_safetensors(f, os.fstat(f.fileno()).st_size, where)


class _Window:
    """A seekable file object seen from `start` on: position 0 is where the checkpoint begins."""
    def __init__(self, f, start):
        self.f, self.start = f, start

    def seek(self, pos):
        return self.f.seek(self.start + pos) - self.start

    def read(self, n):
        return self.f.read(n)

    def readinto(self, buf):
        return self.f.readinto(buf)


def _parse_safetensors(f, size, where):
    header, data_start = _read_header(f, where, size)
    metadata = header.pop(_RESERVED, None)
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise CheckpointError(f"{where}: __metadata__ must map str to str, got {str(metadata)[:80]}")
    entries = {name: _check_entry(where, name, e, size - data_start) for name, e in header.items()}
    spans = sorted((b, e, name) for name, (_, _, b, e) in entries.items())
    for (_, prev_end, prev), (b, _, name) in zip(spans, spans[1:]):
        if b < prev_end:
            raise CheckpointError(f"{where}: tensors {prev!r} and {name!r} overlap in the data section")
    covered = sum(e - b for b, e, _ in spans)
    if covered != size - data_start:  # as the safetensors library: bytes no tensor claims mean a damaged file
        raise CheckpointError(f"{where}: the data section holds {size - data_start} bytes but its tensors cover "
                              f"{covered}: the file has bytes no tensor claims (appended to, or overwritten in "
                              "place by a smaller checkpoint?)")
    arrays = {}
    for name, (code, shape, begin, end) in entries.items():
        a = np.empty(shape, _dtype_of(code))  # sizes are checked against the file: no huge allocations
        if end > begin:
            f.seek(data_start + begin)
            if f.readinto(a.reshape(-1).view(np.uint8)) != end - begin:
                raise CheckpointError(f"{where}: tensor {name!r}: file ended while reading its data")
            if sys.byteorder == "big":
                a.byteswap(inplace=True)
            if code == "BOOL" and a.view(np.uint8).max() > 1:
                raise CheckpointError(f"{where}: tensor {name!r}: BOOL data holds bytes other than 0/1")
        arrays[name] = a
    return arrays, metadata


def _placer(map_location):
    """torch.load's map_location -> place(tensor, name, saved device) giving the tensor on the device it loads on.
    map_location: None (where it was saved), a device or its string, a {saved: wanted} dict of devices, or a callable
    (storage, saved device) -> a storage on the wanted device, or None for the saved one."""
    from .tensor_device import device
    if map_location is None:
        where_to = device
    elif isinstance(map_location, str):  # a torch.device is a str too
        target = device(map_location)  # a bad name ('gpu') fails now, before reading the file
        where_to = lambda loc, t: target  # noqa: E731
    elif isinstance(map_location, dict):
        where_to = lambda loc, t: device(map_location.get(loc, loc))  # noqa: E731
    elif callable(map_location):
        def where_to(loc, t):
            storage = map_location(t.untyped_storage(), loc)
            return device(loc if storage is None else storage.device)
    else:
        raise TypeError(f"load: map_location must be None, a device, a str, a dict or a callable, got "
                        f"{type(map_location).__name__}")

    def place(t, name, loc):
        to = where_to(loc) if map_location is None else where_to(loc, t)
        if to.type == "cpu":
            return t
        from . import cuda
        if not cuda.is_available():
            raise RuntimeError(f"load: tensor {name!r} (saved on {loc}) is to load on {to}, but "
                               "torch.cuda.is_available() is False; on a CPU-only machine pass "
                               "map_location=torch.device('cpu') to load it on the CPU")
        return t.to(to)
    return place


def load(path, map_location=None, weights_only=True, mmap=None):
    """Load a checkpoint written by save() or by the safetensors library (the latter as {name: Tensor}).

    Tensors load on the device they were saved from, or where map_location puts them, as torch.load's (see
    _placer). weights_only and mmap are accepted so torch code runs unchanged: tensors load into fresh memory, and
    nothing is ever unpickled, whatever weights_only says (mmap=True with a file object is refused, as torch's:
    there is no file to map).
    Raises CheckpointError (a ValueError) naming the path and the bad tensor for any corrupt file, and
    PickleRefusedError (a CheckpointError) for pickle/torch.save files, without executing them."""
    if mmap and hasattr(path, "read"):
        raise ValueError(f"load: mmap=True needs a file path; got a file object ({type(path).__name__})")
    place = _placer(map_location)
    arrays, metadata = _read_safetensors(path)
    if _TREE_KEY not in metadata:
        return {name: place(_from_numpy(a), name, "cpu") for name, a in arrays.items()}
    where = f"{_load_where(path)}: __metadata__[{_TREE_KEY!r}]"
    try:
        meta = json.loads(metadata[_TREE_KEY])
    except (ValueError, RecursionError) as e:
        raise CheckpointError(f"{where} is not valid JSON ({type(e).__name__})") from None
    if not isinstance(meta, dict) or "tree" not in meta or meta.get("format") != _FORMAT_VERSION:
        raise CheckpointError(f"{where}: expected {{'format': {_FORMAT_VERSION}, 'tree': ...}}; the file may come "
                              "from a newer teenygrad")
    _shared_views(arrays, meta.get("views", {}), where)
    try:
        return _Unflattener(arrays, meta, where, place).decode(meta["tree"])
    except RecursionError:
        raise CheckpointError(f"{where}: tree nested too deeply") from None
