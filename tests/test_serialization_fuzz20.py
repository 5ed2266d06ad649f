"""Random checkpoints (nested dicts, OrderedDicts, lists, tuples, plain values, dtypes, devices, Sizes, sets, bytes
and complex numbers around tensors of every dtype, 0-d and empty ones, views with offsets and strides, expansions,
detach() aliases, tensors saved twice, leaves requiring grad and nn.Parameters built over other tensors' memory)
saved and loaded, and deep-copied, in torch and in teenygrad, compared: the structure and its types, each
tensor's class, dtype, shape, values and requires_grad, and the aliasing, by writing into each loaded tensor in
turn and reading all of them back (twentieth landing).

What the sweep found, each also pinned by a direct case below: teenygrad.load gave tensors that had shared
memory (tied weights, views of one base, one tensor saved twice) as independent copies, where torch.load keeps
them sharing it at their offsets and strides; requires_grad, nn.Parameter and OrderedDict were dropped (torch
keeps all three); dtypes, devices, sets, bytes and complex numbers were refused and a Size came back a tuple
(torch.load(weights_only=True) reads them all); copy.deepcopy copied each view into memory of its own (torch copies
each storage once per deepcopy); Tensor.set_ / is_set_to and the storages' fill_ / copy_ / clone were missing
(AttributeError); load_state_dict took a list or a number where torch refuses it, and listed unexpected keys in
another order; pickle and copy.copy kept a tensor's .grad (torch's leave it behind); and load(file object,
mmap=True) was taken where torch refuses it."""

import base64
import collections
import copy
import io
import random
import re

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.serialization import CheckpointError

DTYPES = "float32 float64 float16 bfloat16 int64 int32 int16 int8 uint8 bool complex64".split()
SEEDS = range(60)


def _values(rng, shape, dtype):
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype in ("uint8", "int8", "int16", "int32", "int64"):
        return rng.integers(0, 100, size=shape)
    if dtype == "complex64":
        return rng.integers(-8, 8, size=shape) / 4 + 1j * rng.integers(-8, 8, size=shape) / 2
    return rng.integers(-8, 8, size=shape) / 4  # exact in float16 and bfloat16


class Both:
    """One random checkpoint built in lockstep in torch (.t) and teenygrad (.g) by a seeded Python RNG.
    `shared` holds the ids of the torch tensors whose memory another tensor of the checkpoint also views."""

    def __init__(self, seed):
        self.rnd, self.rng = random.Random(seed), np.random.default_rng(seed)
        self.pool = []  # (torch tensor, teenygrad tensor, key of the memory it views)
        for k in range(self.rnd.randint(1, 3)):
            self._base(k)
        for _ in range(self.rnd.randint(1, 6)):
            self._derive()

    def _base(self, k):
        dtype = self.rnd.choice(DTYPES)
        shape = tuple(self.rnd.choice((0, 1, 2, 3, 4, 4)) for _ in range(self.rnd.randint(0, 3)))
        a = np.asarray(_values(self.rng, shape, dtype))
        t, g = torch.tensor(a).to(getattr(torch, dtype)), tg.tensor(a).to(getattr(tg, dtype))
        if a.ndim >= 2 and dtype != "bfloat16" and self.rnd.random() < 0.3:  # memory in Fortran order
            f = np.asfortranarray(a.astype(dtype))
            t, g = torch.from_numpy(f.copy(order="F")), tg.from_numpy(f)
        if dtype.startswith("float") or dtype == "bfloat16":
            if self.rnd.random() < 0.3:
                t.requires_grad_(), g.requires_grad_()
        self.pool.append((t, g, k))

    def _derive(self):
        t, g, key = self.rnd.choice(self.pool)
        op = self.rnd.choice("same slice step transpose select narrow expand diagonal flat detach parameter "
                             "clone".split())
        d = self.rnd.randrange(t.ndim) if t.ndim else None
        i = self.rnd.randrange(max(t.shape[d], 1)) if d is not None else 0
        make = {
            "same": lambda L, x: x,
            "slice": lambda L, x: x[1:] if x.ndim else x,
            "step": lambda L, x: x[::2] if x.ndim else x,
            "transpose": lambda L, x: x.transpose(0, -1) if x.ndim else x,
            "select": lambda L, x: x.select(d, i) if d is not None and x.shape[d] else x,
            "narrow": lambda L, x: x.narrow(d, i, x.shape[d] - i) if d is not None else x,
            "expand": lambda L, x: x.unsqueeze(0).expand(2, *x.shape),
            "diagonal": lambda L, x: x.diagonal() if x.ndim >= 2 else x,
            "flat": lambda L, x: x.reshape(-1),
            "detach": lambda L, x: x.detach(),
            "parameter": lambda L, x: L.nn.Parameter(x.detach(), requires_grad=x.is_floating_point()),
            "clone": lambda L, x: x.clone(),
        }[op]
        try:
            t2 = make(torch, t)
        except RuntimeError:  # a combination torch refuses (a Parameter of an integer tensor needing grad)
            return
        self.pool.append((t2, make(tg, g), None if op == "clone" else key))

    def checkpoint(self):
        """A nested tree holding a random selection of the pool (each tensor maybe twice) and plain values."""
        picked = [self.rnd.choice(self.pool) for _ in range(self.rnd.randint(1, 6))]
        distinct = {id(t): key for t, _, key in picked}
        counts = collections.Counter(distinct.values())
        self.shared = {i for i, key in distinct.items() if key is not None and counts[key] > 1}
        leaves = [(t, g) for t, g, _ in picked]
        plain = [lambda L: 7, lambda L: -2 ** 40, lambda L: 2.5, lambda L: -0.0, lambda L: "s", lambda L: None,
                 lambda L: True, lambda L: (1, "x"), lambda L: L.float16, lambda L: L.device("cpu"),
                 lambda L: L.Size([2, 3]), lambda L: {1, "a"}, lambda L: b"\x00b", lambda L: 1 - 0.5j]
        for v in self.rnd.sample(plain, 3):
            leaves.insert(self.rnd.randrange(len(leaves) + 1), (v(torch), v(tg)))
        return self._nest(leaves)

    def _nest(self, leaves, depth=0):
        if len(leaves) == 1 and (depth > 2 or self.rnd.random() < 0.5):
            return leaves[0]
        cut = self.rnd.randint(1, len(leaves) - 1) if len(leaves) > 1 else 1
        kids = [self._nest(part, depth + 1) for part in (leaves[:cut], leaves[cut:]) if part]
        if self.rnd.random() < 0.2:
            kids.append(([], []))
        kind = self.rnd.choice(("dict", "odict", "list", "tuple"))
        if kind in ("list", "tuple"):
            cls = list if kind == "list" else tuple
            return cls(k[0] for k in kids), cls(k[1] for k in kids)
        cls = dict if kind == "dict" else collections.OrderedDict
        keys = self.rnd.sample(["w", "b", 0, 3, "layer.0"], len(kids))
        return cls(zip(keys, (k[0] for k in kids))), cls(zip(keys, (k[1] for k in kids)))


def _tensors(x, out):
    """The tensors of a tree in order (each object once), as a loaded checkpoint lists them."""
    if isinstance(x, dict):
        for v in x.values():
            _tensors(v, out)
    elif isinstance(x, (list, tuple)):
        for v in x:
            _tensors(v, out)
    elif isinstance(x, (torch.Tensor, tg.Tensor)) and all(x is not y for y in out):
        out.append(x)
    return out


def _same_tree(t, g, where="checkpoint"):
    if isinstance(t, torch.Tensor):
        assert type(g).__name__ == type(t).__name__, f"{where}: {type(g).__name__} != {type(t).__name__}"
        assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], f"{where}: {g.dtype} != {t.dtype}"
        assert tuple(g.shape) == tuple(t.shape), f"{where}: shape {tuple(g.shape)} != {tuple(t.shape)}"
        assert g.requires_grad == t.requires_grad, f"{where}: requires_grad {g.requires_grad}"
        assert g.detach().tolist() == t.detach().tolist(), f"{where}: values differ"
        return
    if isinstance(t, (torch.dtype, torch.device, torch.Size)):  # teenygrad's own classes for these
        assert type(g).__name__ == type(t).__name__ or isinstance(t, torch.dtype), f"{where}: {type(g).__name__}"
        assert str(g) == (str(t).split(".")[-1] if isinstance(t, torch.dtype) else str(t) if isinstance(
            t, torch.device) else str(tuple(t))), f"{where}: {g!r} != {t!r}"
        return
    assert type(g) is type(t), f"{where}: {type(g).__name__} != {type(t).__name__}"
    if isinstance(t, dict):
        assert list(g) == list(t), f"{where}: keys {list(g)} != {list(t)}"
        for k in t:
            _same_tree(t[k], g[k], f"{where}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert len(g) == len(t), where
        for i, (a, b) in enumerate(zip(t, g)):
            _same_tree(a, b, f"{where}[{i}]")
    else:
        assert g == t, f"{where}: {g!r} != {t!r}"


def _same_aliasing(ts, gs, layout_of):
    """Write into each tensor in turn; all of them must read back as torch's do. layout_of(t): compare strides."""
    assert len(gs) == len(ts), "a tensor saved twice came back as two objects, or two as one"
    for k, (t, g) in enumerate(zip(ts, gs)):
        if layout_of(t) and t.numel():  # (the strides of an empty tensor's, or of a size-1 dim, are arbitrary)
            real = [(st, sg) for n, st, sg in zip(t.shape, t.stride(), g.stride()) if n > 1]
            assert all(st == sg for st, sg in real) and g.storage_offset() == t.storage_offset(), (
                f"tensor {k}: strides {g.stride()} offset {g.storage_offset()}, torch {t.stride()} "
                f"{t.storage_offset()}")
    for k, (t, g) in enumerate(zip(ts, gs)):
        if t.numel() == 0 or any(s == 0 and n > 1 for n, s in zip(t.shape, t.stride())):
            continue  # an expanded tensor: torch refuses most writes into it (fill_ writes each element once)
        value = bool(k % 2) if t.dtype == torch.bool else k + 1
        with torch.no_grad(), tg.no_grad():
            t.fill_(value), g.fill_(value)
        for j, (t2, g2) in enumerate(zip(ts, gs)):
            assert g2.detach().tolist() == t2.detach().tolist(), (
                f"after writing tensor {k}, tensor {j} differs from torch's (shared memory not kept?)")


def _saved_and_loaded(L, obj):
    buf = io.BytesIO()
    L.save(obj, buf)
    buf.seek(0)
    return L.load(buf, weights_only=True)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_checkpoint_loads_as_torch(seed):
    b = Both(seed)
    t_obj, g_obj = b.checkpoint()
    t_back, g_back = _saved_and_loaded(torch, t_obj), _saved_and_loaded(tg, g_obj)
    _same_tree(t_back, g_back)
    _same_aliasing(_tensors(t_back, []), _tensors(g_back, []), lambda t: True)  # every layout: test_serialization21


@pytest.mark.parametrize("seed", SEEDS)
def test_random_deepcopy_as_torch(seed):
    b = Both(seed)
    t_obj, g_obj = b.checkpoint()
    try:
        t_copy = copy.deepcopy(t_obj)
    except RuntimeError:  # torch deep-copies graph leaves only
        return
    g_copy = copy.deepcopy(g_obj)
    _same_tree(t_copy, g_copy)
    _same_aliasing(_tensors(t_copy, []), _tensors(g_copy, []), lambda t: True)


# ---------------------------------------------------------------- save / load: the findings directly

def test_tied_state_dict_shares_memory_after_load_and_safetensors_still_sees_every_name(tmp_path):
    """teenygrad.load gave tied weights as two copies; torch.load keeps them one memory"""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    sds = {}
    for L in (torch, tg):
        L.manual_seed(0)
        m = L.nn.Sequential(L.nn.Embedding(5, 3), L.nn.Linear(3, 5))
        m[1].weight = m[0].weight
        sds[L] = _saved_and_loaded(L, m.state_dict())
        with torch.no_grad():
            sds[L]["0.weight"][1, 2] = 9.0
    for L, sd in sds.items():
        assert type(sd) is collections.OrderedDict and list(sd) == ["0.weight", "1.weight", "1.bias"]
        assert sd["1.weight"][1, 2].item() == 9.0, L.__name__
    path = tmp_path / "tied.safetensors"
    tg.save(m.state_dict(), path)
    assert set(safetensors_numpy.load_file(str(path))) == {"0.weight", "1.weight", "1.bias"}


def test_a_loaded_tied_state_dict_assigned_to_a_model_ties_its_weights_memory():
    got = {}
    for L in (torch, tg):
        L.manual_seed(0)
        m = L.nn.Sequential(L.nn.Embedding(4, 3), L.nn.Linear(3, 4, bias=False))
        m[1].weight = m[0].weight
        m2 = L.nn.Sequential(L.nn.Embedding(4, 3), L.nn.Linear(3, 4, bias=False))
        m2.load_state_dict(_saved_and_loaded(L, m.state_dict()), assign=True)
        with torch.no_grad(), tg.no_grad():
            m2[0].weight.fill_(1.0)
        got[L] = (m2[1].weight.tolist(), m2[0].weight is m2[1].weight)
    assert got[tg] == got[torch]


def test_views_saved_together_share_memory_at_their_offsets_and_strides():
    got = {}
    for L in (torch, tg):
        base = L.arange(24.0).reshape(4, 6)
        left, col, t = _saved_and_loaded(L, [base[1:, :3], base[:, 4], base[::2, 1::2].t()])  # base not saved
        col.fill_(-1.0)
        t.mul_(10)
        got[L] = [x.tolist() for x in (left, col, t)] + [(x.stride(), x.storage_offset()) for x in (left, col, t)]
    assert got[tg] == got[torch]


def test_complex_views_saved_together_share_memory():
    """complex tensors are stored as float pairs; views of one complex base share it again, as torch's"""
    got = {}
    for L in (torch, tg):
        z = L.tensor([[1 + 2j, 3j], [4, 5 - 1j]])
        col, t, e, s = _saved_and_loaded(L, [z[:, 1], z.t(), z[1].expand(3, 2), L.tensor(2 + 1j)])
        col.mul_(10)
        got[L] = (t.tolist(), e.tolist(), t.stride(), e.stride(), col.storage_offset(), s.item())
    assert got[tg] == got[torch]


def test_requires_grad_and_parameters_are_kept_as_torch():
    for L in (torch, tg):
        x = L.ones(2, requires_grad=True)
        ckpt = {"leaf": x, "nonleaf": x * 2, "frozen": L.nn.Parameter(L.zeros(2), requires_grad=False),
                "param": L.nn.Parameter(L.zeros(3)), "plain": L.zeros(1)}
        back = _saved_and_loaded(L, ckpt)
        got = {k: (type(v).__name__, v.requires_grad, v.is_leaf) for k, v in back.items()}
        if L is torch:
            want = got
    assert got == want


def test_one_tensor_saved_twice_loads_as_one_object():
    for L in (torch, tg):
        x = L.arange(3)
        back = _saved_and_loaded(L, {"a": x, "b": [x]})
        assert back["a"] is back["b"][0], L.__name__


OLD_FILE = (
    "yAIAAAAAAAB7Im1vZGVsLmEud2VpZ2h0Ijp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlsyLDNdLCJkYXRhX29mZnNldHMiOlswLDI0XX0sIm1v"
    "ZGVsLmIud2VpZ2h0Ijp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlsyLDNdLCJkYXRhX29mZnNldHMiOlsyNCw0OF19LCJtb2RlbC5iLmJpYXMi"
    "OnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzNdLCJkYXRhX29mZnNldHMiOls0OCw2MF19LCJ6Ijp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlsy"
    "LDJdLCJkYXRhX29mZnNldHMiOls2MCw3Nl19LCJyZyI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMl0sImRhdGFfb2Zmc2V0cyI6Wzc2LDg0"
    "XX0sInAiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzFdLCJkYXRhX29mZnNldHMiOls4NCw4OF19LCJfX21ldGFkYXRhX18iOnsidGVlbnln"
    "cmFkIjoie1wiZm9ybWF0XCI6MSxcInRyZWVcIjp7XCJkaWN0XCI6W1tcIm1vZGVsXCIse1wiZGljdFwiOltbXCJhLndlaWdodFwiLHtcInRl"
    "bnNvclwiOlwibW9kZWwuYS53ZWlnaHRcIn1dLFtcImIud2VpZ2h0XCIse1widGVuc29yXCI6XCJtb2RlbC5iLndlaWdodFwifV0sW1wiYi5i"
    "aWFzXCIse1widGVuc29yXCI6XCJtb2RlbC5iLmJpYXNcIn1dXX1dLFtcInN0ZXBcIiwzXSxbXCJ6XCIse1wiY29tcGxleF90ZW5zb3JcIjpc"
    "InpcIn1dLFtcInJnXCIse1widGVuc29yXCI6XCJyZ1wifV0sW1wicFwiLHtcInRlbnNvclwiOlwicFwifV1dfX0ifX0gICAgAAAAAAAAgD8A"
    "AABAAABAQAAAgEAAAKBAAAAAAAAAgD8AAABAAABAQAAAgEAAAKBAAABAQAAAgEAAAKBAAACAPwAAAEAAAEBAAACAvwAAgD8AAIA/AAAAAA=="
)


def test_a_file_written_before_these_keys_loads_as_it_did():
    """written by the nineteenth landing's save: {"model": OrderedDict(a.weight=w, b.weight=w.detach(), b.bias=w[1]),
    "step": 3, "z": complex, "rg": ones(2, requires_grad=True), "p": Parameter(zeros(1))}; it stored no sharing,
    requires_grad, Parameter or OrderedDict, so they load as then: plain tensors in a dict, each its own memory"""
    back = tg.load(io.BytesIO(base64.b64decode(OLD_FILE)))
    assert list(back) == ["model", "step", "z", "rg", "p"] and back["step"] == 3
    model = back["model"]
    assert type(model) is dict and list(model) == ["a.weight", "b.weight", "b.bias"]
    assert model["a.weight"].tolist() == model["b.weight"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert model["b.bias"].tolist() == [3.0, 4.0, 5.0]
    model["a.weight"].fill_(7.0)
    assert model["b.weight"].tolist()[0] == [0.0, 1.0, 2.0] and model["b.bias"].tolist() == [3.0, 4.0, 5.0]
    assert back["z"].tolist() == [1 + 2j, 3 - 1j] and back["z"].dtype == tg.complex64
    assert type(back["rg"]) is tg.Tensor and not back["rg"].requires_grad
    assert type(back["p"]) is tg.Tensor and back["p"].tolist() == [0.0]


def _with_meta(ckpt, edit):
    """ckpt saved, its metadata entry edited by edit(meta dict), as bytes"""
    import json
    import struct
    buf = io.BytesIO()
    tg.save(ckpt, buf)
    raw = buf.getvalue()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = json.loads(header["__metadata__"]["teenygrad"])
    edit(meta)
    header["__metadata__"]["teenygrad"] = json.dumps(meta)
    hb = json.dumps(header).encode()
    hb += b" " * (-len(hb) % 8)
    return io.BytesIO(struct.pack("<Q", len(hb)) + hb + raw[8 + n:])


@pytest.mark.parametrize("edit, match", [
    (lambda m: m["views"]["b"].__setitem__(0, "nope"), "bad shared-memory entry 'b'"),
    (lambda m: m["views"]["b"].__setitem__(1, 5), r"'b' \(float32 \(2, 3\)\) cannot view 'a'"),
    (lambda m: m["views"]["b"].__setitem__(2, [1]), "cannot view 'a'"),
    (lambda m: m["views"]["b"].__setitem__(1, -1), "bad shared-memory entry"),
    (lambda m: m.__setitem__("views", [1]), "'views' must map"),
    (lambda m: m.__setitem__("requires_grad", 5), "must be lists"),
    (lambda m: m.__setitem__("requires_grad", ["i"]), "tensor 'i' of dtype int64 cannot require grad"),
])
def test_a_bad_shared_memory_entry_is_refused(edit, match):
    w = tg.zeros(2, 3)
    with pytest.raises(CheckpointError, match=match):
        tg.load(_with_meta({"a": w, "b": w.detach(), "i": tg.arange(2)}, edit))


# ---------------------------------------------------------------- copy.deepcopy: the findings directly

def test_deepcopy_copies_each_memory_once():
    """each view was deep-copied into memory of its own; torch copies each storage once per deepcopy (memo)"""
    got = {}
    for L in (torch, tg):
        base = L.arange(12.0).reshape(3, 4)
        b2, v2, e2 = copy.deepcopy([base, base[1:, ::2], base[0].expand(2, 4)])
        v2.fill_(-1.0)
        got[L] = (b2.tolist(), v2.stride(), v2.storage_offset(), e2.stride(), base.tolist())
    assert got[tg] == got[torch]


def test_deepcopy_of_an_expanded_tensor_still_refuses_writes():
    for L in (torch, tg):
        e = copy.deepcopy(L.ones(3).expand(2, 3))
        with pytest.raises(RuntimeError, match="more than one element"):
            e.add_(1.0)


def test_deepcopy_of_a_parameter_copies_its_values_alone_as_torch():
    """torch's Parameter.__deepcopy__ clones the values (no memory shared with a view copied beside it, no .grad)"""
    got = {}
    for L in (torch, tg):
        p = L.nn.Parameter(L.arange(6.0).reshape(2, 3).t())
        p.grad = L.ones(3, 2)
        q, v = copy.deepcopy([p, p.detach()[1:]])
        with torch.no_grad(), tg.no_grad():
            q.fill_(0.0)
        got[L] = (type(q).__name__, q.requires_grad, q.grad is None, q.stride(), v.tolist())
    assert got[tg] == got[torch]


def test_deepcopy_keeps_gradient_flags_and_attributes():
    got = {}
    for L in (torch, tg):
        x = L.arange(4.0, requires_grad=True)
        (x * x).sum().backward()
        x.note = "kept"
        y = copy.deepcopy(x)
        got[L] = (y.requires_grad, y.is_leaf, y.grad.tolist(), y.grad is not x.grad, y.note)
    assert got[tg] == got[torch]


# ---------------------------------------------------------------- Tensor.set_ / is_set_to (were missing)

SET_CALLS = {
    "tensor": lambda L, x, y: y.set_(x),
    "view of a tensor": lambda L, x, y: y.set_(x[1:].view(5)),
    "untyped storage, offset, size, stride": lambda L, x, y: y.set_(x.untyped_storage(), 2, (2, 2), (1, 2)),
    "typed storage, offset, size": lambda L, x, y: y.set_(x.storage(), 1, (2,)),
    "storage of a view": lambda L, x, y: y.set_(x[3:].untyped_storage(), 0, (3,)),
    "keywords": lambda L, x, y: y.set_(x.untyped_storage(), storage_offset=1, size=(2,), stride=(3,)),
    "nothing": lambda L, x, y: y.set_(),
    "another dtype": lambda L, x, y: y.double().set_(x),
    "grad leaf": lambda L, x, y: y.requires_grad_().set_(x),
}


@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")
@pytest.mark.parametrize("call", list(SET_CALLS))
def test_set_as_torch(call):
    got = {}
    for L in (torch, tg):
        x, y = L.arange(6.0), L.zeros(2)
        try:
            out = SET_CALLS[call](L, x, y)
        except RuntimeError:
            got[L] = "refused"
            continue
        x.mul_(10)  # y views x's memory now
        got[L] = (out is y, y.tolist(), tuple(y.shape), y.stride(), y.storage_offset(), y.is_set_to(x))
    assert got[tg] == got[torch]


def test_set_past_the_end_of_a_storage_is_refused():
    # torch grows the storage (its new elements uninitialized); teenygrad's numpy memory cannot grow in place
    with pytest.raises(RuntimeError, match=r"set_: size \(4,\), stride \(2,\) and storage offset 1 need 8 elements"):
        tg.zeros(2).set_(tg.arange(6.0).untyped_storage(), 1, (4,), (2,))


def test_is_set_to_as_torch():
    got = {}
    for L in (torch, tg):
        x = L.arange(6.0)
        e = L.zeros(0)
        got[L] = (x.is_set_to(x), x.is_set_to(x[:]), x.is_set_to(x.view(2, 3)), x[1:].is_set_to(x[1:]),
                  x[1:].is_set_to(x[2:]), x.is_set_to(L.arange(6.0)), e.is_set_to(e), e.is_set_to(L.zeros(0)),
                  x.is_set_to(x.detach()))
    assert got[tg] == got[torch]


# ---------------------------------------------------------------- load_state_dict

def _random_model(L, rnd, depth=0):
    """A random tree of small modules (built by the seeded rnd, so the same in torch and teenygrad)."""
    kinds = ["lin", "bn", "ln", "emb"] + (["conv", "gru", "seq", "dict", "list"] if depth < 2 else [])
    k = rnd.choice(kinds)
    if k == "lin":
        return L.nn.Linear(2, 2, bias=rnd.random() < 0.5)
    if k == "bn":
        return L.nn.BatchNorm1d(2, track_running_stats=rnd.random() < 0.7, affine=rnd.random() < 0.7)
    if k == "ln":
        return L.nn.LayerNorm(2, elementwise_affine=rnd.random() < 0.7)
    if k == "emb":
        return L.nn.Embedding(3, 2)
    if k == "conv":
        return L.nn.Conv1d(2, 2, 1)
    if k == "gru":
        return L.nn.GRU(2, 2)
    kids = [_random_model(L, rnd, depth + 1) for _ in range(rnd.randint(1, 3))]
    if k == "seq":
        return L.nn.Sequential(*kids)
    return L.nn.ModuleDict({f"m{i}": m for i, m in enumerate(kids)}) if k == "dict" else L.nn.ModuleList(kids)


def _load_outcome(L, seed):
    """A random model's state dict with keys dropped, added and resized, loaded (strict or not): the
    incompatible keys, or the error message (torch's shapes spelled as teenygrad's tuples, spaces trimmed)."""
    rnd = random.Random(seed)
    L.manual_seed(0)
    m = L.nn.Sequential(*[_random_model(L, rnd) for _ in range(rnd.randint(1, 3))])
    sd = dict(m.state_dict())
    keys = list(sd)
    for k in rnd.sample(keys, min(len(keys), rnd.randint(0, 2))):
        del sd[k]
    for _ in range(rnd.randint(0, 2)):
        sd[rnd.choice(["x", "0.x", "0.0.y", "9.w", "1.m0.z"])] = L.ones(1)
    if keys and rnd.random() < 0.3:
        sd[rnd.choice(keys)] = L.ones(7)  # (maybe a dropped key back, resized)
    try:
        r = m.load_state_dict(sd, strict=rnd.random() < 0.5)
    except RuntimeError as e:
        msg = re.sub(r"torch\.Size\(\[([^\]]*)\]\)", r"(\1)", str(e)).replace(",)", ")")
        return re.sub(r" +(\n|$)", r"\1", msg)
    return r.missing_keys, r.unexpected_keys


@pytest.mark.parametrize("seed", range(0, 200, 2))
def test_random_load_state_dict_as_torch(seed):
    assert _load_outcome(tg, seed) == _load_outcome(torch, seed)


def _two_level(L):
    L.manual_seed(0)
    return L.nn.Sequential(L.nn.Linear(2, 2), L.nn.Sequential(L.nn.BatchNorm1d(2), L.nn.Linear(2, 1)))


def test_unexpected_keys_come_in_torchs_order():
    """torch lists them as its walk meets the modules that report them (parents first); teenygrad listed them in
    the state dict's order"""
    got = {}
    for L in (torch, tg):
        m = _two_level(L)
        extra = {"1.1.extra": L.ones(1), "zz": L.ones(1), "1.q": L.ones(1), "0.a.b": L.ones(1), "9.w": L.ones(1)}
        got[L] = m.load_state_dict({**extra, **m.state_dict()}, strict=False).unexpected_keys
    assert got[tg] == got[torch]


@pytest.mark.parametrize("value", [3, None, [[1.0, 2.0], [3.0, 4.0]], "w"], ids=repr)
@pytest.mark.parametrize("key", ["0.weight", "1.0.num_batches_tracked"])
def test_an_entry_that_is_no_tensor_is_refused_as_torch(key, value):
    """torch refuses a list or a number where a tensor belongs (teenygrad took np.asarray of it, or reported a
    size mismatch of shape ())"""
    for L in (torch, tg):
        m = _two_level(L)
        with pytest.raises(RuntimeError, match=f'While copying the parameter named "{key}", expected torch.Tensor'):
            m.load_state_dict({**m.state_dict(), key: value}, strict=False)


# ---------------------------------------------------------------- the small values torch.load(weights_only=True) reads

def _small_values(L):
    return {"dtype": [L.float16, L.bfloat16, L.bool, L.int8, L.complex64], "device": [L.device("cpu"),
            L.device("cuda", 1)], "size": L.Size([2, 0, 3]), "set": {1, "a", (2, 3)}, "bytes": b"\x00ab\xff",
            "bytearray": bytearray(b"xy"), "complex": [1 - 2j, complex(float("inf"), -0.0)]}


def test_dtypes_devices_sizes_sets_bytes_and_complex_numbers_round_trip_as_torch():
    """teenygrad.save refused them (a Size was stored as a plain tuple); torch.load(weights_only=True) reads them"""
    want = _saved_and_loaded(torch, _small_values(torch))
    got = _saved_and_loaded(tg, _small_values(tg))
    assert list(got) == list(want)
    assert [str(d).split(".")[-1] for d in got["dtype"]] == [str(d).split(".")[-1] for d in want["dtype"]]
    assert [tg.zeros(1, dtype=d).dtype for d in got["dtype"]] == got["dtype"]  # usable as dtypes
    assert got["device"] == [tg.device("cpu"), tg.device("cuda", 1)] and type(got["device"][1]) is tg.device
    assert type(got["size"]) is tg.Size and tuple(got["size"]) == tuple(want["size"])
    for k in ("set", "bytes", "bytearray", "complex"):
        assert type(got[k]) is type(want[k]) and got[k] == want[k], k
    assert [repr(c) for c in got["complex"]] == [repr(c) for c in want["complex"]]  # -0.0 kept


@pytest.mark.parametrize("node", [{"dtype": "float99"}, {"dtype": 3}, {"device": "tpu"}, {"size": [1.5]},
                                  {"bytes": "not base64!"}, {"complex": [1]}, {"set": [[1]]}], ids=str)
def test_a_bad_small_value_node_is_refused(node):
    with pytest.raises(CheckpointError, match="bad (dtype|device|size|bytes|complex|set) node"):
        tg.load(_with_meta({"x": 1}, lambda m: m.__setitem__("tree", {"dict": [["x", node]]})))


# ---------------------------------------------------------------- storages: fill_, copy_, clone (were missing)

@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")
def test_storage_fill_copy_and_clone_as_torch():
    got = {}
    for L in (torch, tg):
        x = L.zeros(6)
        v = x[2:].view(2, 2)
        v.untyped_storage().fill_(0)
        x[1:3].storage().fill_(2.5)  # the whole memory: a storage is all of it, whatever the view
        before = x.tolist()
        x.untyped_storage().copy_(L.arange(6.0).untyped_storage())
        c = x.untyped_storage().clone()
        c.fill_(0)
        got[L] = (before, x.tolist(), v.tolist(), c.nbytes(), c.data_ptr() != x.untyped_storage().data_ptr())
        with pytest.raises(RuntimeError):
            x.untyped_storage().copy_(L.zeros(2).untyped_storage())
    assert got[tg] == got[torch]


def test_pickle_and_copy_leave_the_gradient_behind_as_torch():
    import pickle
    got = {}
    for L in (torch, tg):
        x = L.ones(2, requires_grad=True)
        x.grad = L.full((2,), 3.0)
        x.note = 1
        got[L] = [(y.grad, y.requires_grad, y.note, y.is_leaf) for y in (pickle.loads(pickle.dumps(x)), copy.copy(x))]
        got[L].append(copy.deepcopy(x).grad.tolist())
    assert got[tg] == got[torch]


def test_mmap_with_a_file_object_is_refused_as_torch(tmp_path):
    for L in (torch, tg):
        buf = io.BytesIO()
        L.save({"x": L.ones(2)}, buf)
        buf.seek(0)
        with pytest.raises(ValueError, match="file path"):
            L.load(buf, mmap=True)
        path = tmp_path / f"{L.__name__}.pt"
        L.save({"x": L.ones(2)}, path)
        assert L.load(path, mmap=True)["x"].tolist() == [1.0, 1.0]  # a path maps (teenygrad: reads)


# ---------------------------------------------------------------- memory in Fortran order (numpy's, an einsum's)

@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")
def test_fortran_ordered_memory_is_shared_as_torch():
    """a storage of Fortran-ordered memory was a reordered copy (writes to it were lost, its data_ptr was not the
    tensor's), and deepcopy / load did not keep the views of such memory sharing it"""
    got = {}
    for L in (torch, tg):
        a = np.asfortranarray(np.arange(6.0).reshape(2, 3))
        t = L.from_numpy(a)
        st = t.storage()
        st[1] = 100.0
        row = [t.untyped_storage().data_ptr() == t.data_ptr(), a.tolist(), st.tolist()]
        for back in (copy.deepcopy([t, t[1]]), _saved_and_loaded(L, [t, t[1]])):
            back[0].fill_(-1.0)
            row += [back[1].tolist(), back[0].stride()]
        got[L] = row
    assert got[tg] == got[torch]
