"""teenygrad.save / teenygrad.load against torch.save / torch.load, twenty-first landing: layouts and map_location.

Random checkpoints (test_serialization_fuzz20's generator, on seeds of their own) now compare every loaded tensor's
strides and storage offset with torch's, not only those of tensors sharing memory. What the sweep and the direct
cases below found: a tensor saved alone that was not all of its memory in order (transposed, permuted, a strided or
offset slice, expanded, Fortran-ordered) loaded contiguous at offset 0, where torch keeps the whole storage and
gives back its strides and offset; map_location was ignored (torch.load maps each tensor's saved device with it: a
device or its string, a {saved: wanted} dict, or a callable (storage, location); mapping to cuda on a machine
without one raises naming map_location, a bad value raises), and a tensor saved from a GPU loaded on the host; and
tensors viewing one memory as different dtypes were saved (without their sharing) where torch.save refuses them."""

import io
import json
import struct

import pytest
import torch

import teenygrad as tg
from test_serialization_fuzz20 import Both, _same_aliasing, _same_tree, _saved_and_loaded, _tensors


@pytest.mark.parametrize("seed", range(1000, 1120))
def test_random_checkpoint_keeps_every_layout_as_torch(seed):
    b = Both(seed)
    t_obj, g_obj = b.checkpoint()
    t_back, g_back = _saved_and_loaded(torch, t_obj), _saved_and_loaded(tg, g_obj)
    _same_tree(t_back, g_back)
    _same_aliasing(_tensors(t_back, []), _tensors(g_back, []), lambda t: True)


# ---------------------------------------------------------------- a tensor saved alone keeps its layout

LONE = {
    "transposed": lambda L: L.arange(6.).reshape(2, 3).t(),
    "permuted": lambda L: L.arange(24).reshape(2, 3, 4).permute(2, 0, 1),
    "strided slice": lambda L: L.arange(10.)[2:8:3],
    "offset slice": lambda L: L.arange(12, dtype=L.int16).reshape(3, 4)[1:, 1:],
    "expanded": lambda L: L.arange(3.).expand(2, 3),
    "select": lambda L: L.arange(12.).reshape(3, 4)[:, 2],
    "bool transposed": lambda L: (L.arange(6).reshape(2, 3) > 2).t(),
    "float16 step": lambda L: L.arange(8.).half()[::3],
    "bfloat16 transposed": lambda L: L.arange(6.).reshape(2, 3).to(L.bfloat16).t(),
    "complex transposed": lambda L: L.tensor([[1 + 2j, 3 - 1j], [0j, 1j]]).t(),
    "complex slice": lambda L: L.tensor([1 + 2j, 3 - 1j, 5j])[1:],
    "parameter transposed": lambda L: L.nn.Parameter(L.arange(6.).reshape(2, 3)).t(),
    "in a state dict": lambda L: {"w": L.arange(6.).reshape(2, 3).t(), "b": L.zeros(2)},
}


@pytest.mark.parametrize("make", LONE.values(), ids=LONE.keys())
def test_a_tensor_saved_alone_keeps_its_strides_and_offset_as_torch(make):
    t_back, g_back = _saved_and_loaded(torch, make(torch)), _saved_and_loaded(tg, make(tg))
    _same_tree(t_back, g_back)
    ts, gs = _tensors(t_back, []), _tensors(g_back, [])
    for t, g in zip(ts, gs):
        assert (g.stride(), g.storage_offset(), g.is_contiguous()) == (t.stride(), t.storage_offset(),
                                                                        t.is_contiguous())
    _same_aliasing(ts, gs, lambda t: True)


def test_fortran_ordered_memory_saved_alone_keeps_its_strides_as_torch():
    import numpy as np
    f = np.asfortranarray(np.arange(6.).reshape(2, 3))
    t_back, g_back = _saved_and_loaded(torch, torch.from_numpy(f.copy(order="F"))), _saved_and_loaded(
        tg, tg.from_numpy(f))
    assert g_back.stride() == t_back.stride() == (1, 2)
    assert g_back.tolist() == t_back.tolist()


# ---------------------------------------------------------------- map_location, weights_only, mmap

def _outcome(L, map_location, **kw):
    """The loaded tensors' devices, strides and values, or the error class torch.load / teenygrad.load raise."""
    x = L.arange(6.).reshape(2, 3)
    buf = io.BytesIO()
    L.save({"x": x, "y": x.t()}, buf)
    buf.seek(0)
    try:
        got = L.load(buf, map_location=map_location, **kw)
    except (RuntimeError, TypeError) as e:
        return type(e).__name__
    return {k: (str(v.device), v.stride(), v.tolist()) for k, v in got.items()}


MAP_LOCATIONS = {
    "None": lambda L: None, "cpu": lambda L: "cpu", "device cpu": lambda L: L.device("cpu"),
    "cuda": lambda L: "cuda", "cuda:0": lambda L: "cuda:0", "device cuda:1": lambda L: L.device("cuda", 1),
    "dict cuda to cpu": lambda L: {"cuda:0": "cpu"}, "dict cpu to cpu": lambda L: {"cpu": "cpu"},
    "dict cpu to cuda": lambda L: {"cpu": "cuda:0"},
    "callable identity": lambda L: lambda storage, loc: storage, "callable None": lambda L: lambda storage, loc: None,
    "bad name": lambda L: "gpu", "int": lambda L: 3,
}


@pytest.mark.skipif(torch.cuda.is_available() or tg.cuda.is_available(), reason="compares the CPU-only behaviour")
@pytest.mark.parametrize("make", MAP_LOCATIONS.values(), ids=MAP_LOCATIONS.keys())
def test_map_location_as_torch(make):
    assert _outcome(tg, make(tg)) == _outcome(torch, make(torch))


@pytest.mark.parametrize("kw", [{"weights_only": True}, {"weights_only": False}], ids=str)
def test_weights_only_is_accepted_as_torch(kw):
    assert _outcome(tg, None, **kw) == _outcome(torch, None, **kw)


def test_a_map_location_callable_sees_each_storage_and_the_saved_device():
    seen = []
    _outcome(tg, lambda storage, loc: seen.append((type(storage).__name__, loc)))
    assert seen and all(s == ("UntypedStorage", "cpu") for s in seen)


def _saved_on(device, tmp_path):
    """A checkpoint as teenygrad writes one from a GPU: its tensors' devices are in the metadata."""
    path = tmp_path / "gpu.pt"
    tg.save({"w": tg.arange(4.), "b": tg.ones(2)}, path)
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = json.loads(header["__metadata__"]["teenygrad"])
    meta["devices"] = {"w": device, "b": device}
    header["__metadata__"]["teenygrad"] = json.dumps(meta)
    hb = json.dumps(header).encode()
    hb += b" " * (-len(hb) % 8)
    path.write_bytes(struct.pack("<Q", len(hb)) + hb + raw[8 + n:])
    return path


@pytest.mark.skipif(tg.cuda.is_available(), reason="needs a machine without a GPU")
def test_a_checkpoint_saved_on_a_gpu_needs_map_location_without_one_as_torch(tmp_path):
    path = _saved_on("cuda:0", tmp_path)
    with pytest.raises(RuntimeError, match="map_location"):
        tg.load(path)
    for ml in ("cpu", tg.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage):
        got = tg.load(path, map_location=ml)
        assert str(got["w"].device) == "cpu" and got["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="map_location"):
        tg.load(path, map_location={"cuda:1": "cpu"})  # maps another device: this one still wants cuda:0


def test_the_saved_device_is_recorded_only_off_the_host(tmp_path):
    tg.save({"w": tg.arange(4.)}, tmp_path / "cpu.pt")
    raw = (tmp_path / "cpu.pt").read_bytes()
    header = json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])
    assert "devices" not in json.loads(header["__metadata__"]["teenygrad"])


def test_mmap_with_a_path_is_accepted_as_torch(tmp_path):
    torch.save(torch.arange(3.), tmp_path / "t.pt")
    tg.save(tg.arange(3.), tmp_path / "g.pt")
    assert tg.load(tmp_path / "g.pt", mmap=True).tolist() == torch.load(tmp_path / "t.pt", mmap=True).tolist()


# ---------------------------------------------------------------- one memory as two dtypes

DTYPE_VIEWS = {
    "float as int": lambda L: (lambda x: [x, x.view(L.int32)])(L.arange(4.)),
    "slices as two dtypes": lambda L: (lambda x: [x[1:], x.view(L.int16)[2:]])(L.arange(4.)),
    "int16 as uint8": lambda L: (lambda x: {"a": x, "b": x.view(L.uint8)})(L.arange(3, dtype=L.int16)),
    "complex as real": lambda L: (lambda z: [z, L.view_as_real(z)])(L.tensor([1 + 2j, 3 - 1j])),
}


@pytest.mark.parametrize("make", DTYPE_VIEWS.values(), ids=DTYPE_VIEWS.keys())
def test_tensors_viewing_one_memory_as_two_dtypes_are_refused_as_torch(make):
    with pytest.raises(RuntimeError, match="different types"):
        torch.save(make(torch), io.BytesIO())
    with pytest.raises(ValueError, match="save: tensors .* view the same memory as different dtypes"):
        tg.save(make(tg), io.BytesIO())


@pytest.fixture
def fake_gpu():
    import fake_cupy
    undo = fake_cupy.install()
    yield fake_cupy
    undo()


def test_a_tensor_saved_from_a_gpu_loads_back_there_unless_mapped_as_torch(fake_gpu, tmp_path):
    x = tg.arange(6.).reshape(2, 3).cuda()
    tg.save({"x": x, "h": tg.ones(2)}, tmp_path / "ck.pt")
    got = tg.load(tmp_path / "ck.pt")
    assert (got["x"].device.type, got["h"].device.type) == ("cuda", "cpu")
    assert isinstance(got["x"]._data, fake_gpu.FakeDeviceArray) and got["x"].cpu().tolist() == x.cpu().tolist()
    for ml in ("cpu", {"cuda:0": "cpu"}, lambda storage, loc: storage):  # the storage given is on the host
        got = tg.load(tmp_path / "ck.pt", map_location=ml)
        assert (str(got["x"].device), str(got["h"].device)) == ("cpu", "cpu")
    got = tg.load(tmp_path / "ck.pt", map_location="cuda")
    assert (got["x"].device.type, got["h"].device.type) == ("cuda", "cuda")
