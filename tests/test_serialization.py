"""teenygrad.save / load: exact round trips, safetensors interop, refusal of corrupt and pickle files,
and atomic writes checked against a really killed process."""
import json
import math
import os
import pickle
import signal
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from teenygrad.serialization import CheckpointError, PickleRefusedError, load, save

ml_dtypes = pytest.importorskip("ml_dtypes")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RNG = np.random.default_rng(0)

DTYPES = [np.float32, np.float16, ml_dtypes.bfloat16, np.float64,
          np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_]


def Tensor(a):
    from teenygrad.tensor import Tensor
    return Tensor._from_data(a)   # the array's dtype kept (the legacy Tensor(array) makes float32, as torch's)


def rand(shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.asarray(RNG.random(shape) < 0.5)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.asarray(RNG.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True))
    return np.asarray(RNG.standard_normal(shape) * 100).astype(dtype)


def assert_same(got, want, where="checkpoint"):
    """Structural equality that also checks types (tuple vs list, int vs float), dtypes, nan and -0.0."""
    if isinstance(want, np.ndarray) or type(want).__name__ == "Tensor":
        assert type(got) is type(want), f"{where}: {type(got)} != {type(want)}"
        g, w = np.asarray(got.numpy() if hasattr(got, "numpy") else got), np.asarray(
            want.numpy() if hasattr(want, "numpy") else want)
        assert g.dtype == w.dtype and g.shape == w.shape, f"{where}: {g.dtype}{g.shape} != {w.dtype}{w.shape}"
        assert g.tobytes() == w.tobytes(), f"{where}: values differ"
        return
    assert type(got) is type(want), f"{where}: {type(got).__name__} != {type(want).__name__}"
    if isinstance(want, dict):
        assert list(got) == list(want), f"{where}: keys {list(got)} != {list(want)}"
        for k in want:
            assert_same(got[k], want[k], f"{where}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        assert (math.isnan(got) and math.isnan(want)) or (got == want and
                                                         math.copysign(1, got) == math.copysign(1, want)), where
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def roundtrip(obj, tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save(obj, path)
    return load(path)


# ---------------------------------------------------------------- exact round trips

@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (5,), (2, 3, 4)])
def test_every_dtype_round_trips_exactly(dtype, shape, tmp_path):
    sd = {"x": Tensor(rand(shape, dtype)), "y": rand(shape, dtype)}  # a Tensor and a numpy leaf
    assert_same(roundtrip(sd, tmp_path), sd)


def test_float_specials_round_trip_in_tensors(tmp_path):
    a = np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45, np.finfo(np.float32).max], np.float32)
    got = roundtrip({"a": Tensor(a)}, tmp_path)["a"].numpy()
    assert got.tobytes() == a.tobytes()


def nested_checkpoint():
    w, b = rand((4, 3), np.float32), rand((4,), np.float32)
    return {
        "model": {"fc.weight": Tensor(w), "fc.bias": Tensor(b), "emb": Tensor(rand((5, 2), ml_dtypes.bfloat16))},
        "optimizer": {
            "state": {0: {"step": 12, "exp_avg": Tensor(w * 0.1), "exp_avg_sq": Tensor(w * w)},
                      1: {"step": 12, "exp_avg": Tensor(b * 0.1), "exp_avg_sq": Tensor(b * b)}},
            "param_groups": [{"lr": 3e-4, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0,
                              "amsgrad": False, "params": [0, 1], "foreach": None}],
        },
        "step": 12_000, "big": 2 ** 70, "epoch": 3, "best_loss": float("nan"), "worst": float("-inf"),
        "top": float("inf"), "neg_zero": -0.0, "arch": "gpt-2 ✓", "note": None, "flags": [True, False],
        "rng_state": rand((8,), np.uint8), "shape": (2, (3, [4])), (1, "tuple-key"): {2.5: "float key"},
        "": "empty key", "a.b": Tensor(w), "a": {"b": Tensor(b)},  # both want the tensor name "a.b"
    }


def test_nested_checkpoint_round_trips_exactly(tmp_path):
    ckpt = nested_checkpoint()
    assert_same(roundtrip(ckpt, tmp_path), ckpt)


@pytest.mark.parametrize("obj", [{}, [], (), 7, "just a string", None, float("nan")], ids=repr)
def test_trivial_checkpoints(obj, tmp_path):
    assert_same(roundtrip(obj, tmp_path), obj)


def test_bare_tensor_and_non_contiguous_inputs(tmp_path):
    base = rand((6, 8), np.float32)
    view = base[::2, 1::3].T  # strided and transposed: neither C- nor F-contiguous
    assert not view.flags.c_contiguous
    got = roundtrip(Tensor(view), tmp_path)
    assert_same(got, Tensor(np.ascontiguousarray(view)))
    big_endian = np.arange(6, dtype=">i4").reshape(2, 3)
    got = roundtrip({"be": big_endian}, tmp_path)["be"]
    assert got.dtype == np.int32 and np.array_equal(got, big_endian)


def test_top_level_api_with_tensors_from_ops(tmp_path):
    import teenygrad as tg
    w = tg.Tensor(np.arange(12, dtype=np.float32).reshape(3, 4), requires_grad=True)
    view = w.T[::2]  # a strided view produced by movement ops
    assert not view.numpy().flags.c_contiguous
    path = tmp_path / "tg.safetensors"
    tg.save({"w": w, "view": view, "double": w * 2}, path)
    got = tg.load(path)
    assert isinstance(got["w"], tg.Tensor) and got["w"].requires_grad and got["w"].is_leaf  # kept, as torch.save
    assert got["double"].requires_grad and got["double"].is_leaf
    assert np.array_equal(got["w"].numpy(), w.numpy())
    assert np.array_equal(got["view"].numpy(), w.numpy().T[::2])
    assert np.array_equal(got["double"].numpy(), w.numpy() * 2)


def test_loaded_tensors_own_writable_memory_and_file_is_closed(tmp_path):
    path = tmp_path / "c.safetensors"
    save({"w": Tensor(np.ones((3, 3), np.float32))}, path)
    w = load(path)["w"].numpy()
    assert w.flags.writeable and w.flags.owndata
    w[0, 0] = 5.0  # must not touch the file
    assert load(path)["w"].numpy()[0, 0] == 1.0
    if os.path.isdir("/proc/self/fd"):
        open_files = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}
        assert str(path.resolve()) not in open_files


def test_torch_style_kwargs_are_accepted(tmp_path):
    path = tmp_path / "c.safetensors"
    save({"w": Tensor(np.arange(3, dtype=np.int64))}, path)
    got = load(str(path), map_location="cpu", weights_only=True)
    assert np.array_equal(got["w"].numpy(), [0, 1, 2])


def test_save_keeps_mode_and_writes_through_symlinks(tmp_path):
    real, link = tmp_path / "real.safetensors", tmp_path / "link.safetensors"
    save({"a": np.zeros(2, np.float32)}, real)
    os.chmod(real, 0o640)
    link.symlink_to(real)
    save({"a": np.ones(2, np.float32)}, link)
    assert link.is_symlink() and (os.stat(real).st_mode & 0o777) == 0o640
    assert np.array_equal(load(real)["a"], [1, 1])


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 80, 2 ** 80), st.floats(), st.text(max_size=8))
key = st.one_of(st.text(max_size=6), st.integers(-5, 5))
tree = st.recursive(json_leaf, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.lists(kids, max_size=4).map(tuple), st.dictionaries(key, kids, max_size=4)),
    max_leaves=20)


@settings(max_examples=40, deadline=None)
@given(tree)
def test_any_plain_tree_round_trips(tmp_path_factory, obj):
    assert_same(roundtrip(obj, tmp_path_factory.mktemp("h")), obj)


# ---------------------------------------------------------------- save refuses what it cannot store

@pytest.mark.parametrize("obj, match", [
    ({"w": object()}, r"cannot store object at checkpoint\['w'\]"),
    ({"s": frozenset({1, 2})}, r"cannot store frozenset"),  # (sets are stored, as torch; frozensets are not)
    ({"c": np.zeros(2, "datetime64[s]")}, r"checkpoint\['c'\]: dtype datetime64"),
    ({"o": np.array(["x"], dtype=object)}, r"dtype object"),
    ({frozenset(): 1}, r"dict key frozenset"),
])
def test_save_rejects_unstorable_values_and_leaves_old_file(obj, match, tmp_path):
    path = tmp_path / "c.safetensors"
    save({"old": np.arange(3)}, path)
    with pytest.raises(TypeError, match=match):
        save(obj, path)
    assert np.array_equal(load(path)["old"], [0, 1, 2])
    assert os.listdir(tmp_path) == ["c.safetensors"]  # no temp file left behind


def test_failed_write_removes_temp_file_and_keeps_old(tmp_path, monkeypatch):
    from teenygrad import serialization
    path = tmp_path / "c.safetensors"
    save({"old": np.arange(3)}, path)

    def disk_full(f, a):
        f.write(b"partial")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(serialization, "_write_tensor", disk_full)
    with pytest.raises(OSError, match="No space"):
        save({"new": np.ones(4)}, path)
    assert os.listdir(tmp_path) == ["c.safetensors"]
    assert np.array_equal(load(path)["old"], [0, 1, 2])


def test_save_rejects_cycles(tmp_path):
    loop = {"a": []}
    loop["a"].append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        save(loop, tmp_path / "c.safetensors")


# ---------------------------------------------------------------- safetensors interop

def test_flat_state_dict_is_readable_by_safetensors(tmp_path):
    st_numpy = pytest.importorskip("safetensors.numpy")
    st_torch = pytest.importorskip("safetensors.torch")
    sd = {"fc.weight": rand((3, 4), np.float32), "fc.bias": rand((3,), np.float16),
          "count": rand((2,), np.int64), "mask": rand((5,), np.bool_), "scalar": rand((), np.float64)}
    path = tmp_path / "sd.safetensors"
    save({k: Tensor(v) for k, v in sd.items()}, path)
    got = st_numpy.load_file(str(path))
    assert set(got) == set(sd)
    for k, v in sd.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape and got[k].tobytes() == v.tobytes()
    got = st_torch.load_file(str(path))
    for k, v in sd.items():
        assert got[k].numpy().tobytes() == v.tobytes() and tuple(got[k].shape) == v.shape


def test_bf16_and_nested_names_are_readable_by_safetensors_torch(tmp_path):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    a = rand((3, 2), ml_dtypes.bfloat16)
    path = tmp_path / "n.safetensors"
    save({"model": {"emb": Tensor(a)}, "optimizer": {"state": {0: {"m": Tensor(a)}}}}, path)
    got = st_torch.load_file(str(path))
    assert set(got) == {"model.emb", "optimizer.state.0.m"}
    assert got["model.emb"].dtype == torch.bfloat16
    assert np.array_equal(got["model.emb"].float().numpy(), a.astype(np.float32))


def test_nested_checkpoint_is_strict_json_readable_by_safetensors(tmp_path):
    safetensors = pytest.importorskip("safetensors")
    path = tmp_path / "nested.safetensors"
    save(nested_checkpoint(), path)
    with safetensors.safe_open(str(path), "np") as f:
        names, meta = set(f.keys()), f.metadata()
    assert {"model.fc.weight", "optimizer.state.0.exp_avg", "optimizer.state.1.exp_avg_sq", "a.b"} <= names

    def no_nan_tokens(token):  # strict JSON readers (serde, browsers) reject NaN/Infinity
        raise AssertionError(f"non-standard JSON token {token}")
    json.loads(meta["teenygrad"], parse_constant=no_nan_tokens)


def test_files_written_by_safetensors_numpy_load_as_tensors(tmp_path):
    st_numpy = pytest.importorskip("safetensors.numpy")
    sd = {f"t{i}": rand((2, i), dt) for i, dt in enumerate(DTYPES)}
    path = tmp_path / "np.safetensors"
    st_numpy.save_file(sd, str(path), metadata={"format": "np"})
    got = load(path)
    assert set(got) == set(sd)
    for k, v in sd.items():
        assert_same(got[k], Tensor(v), k)


def test_files_written_by_safetensors_torch_load_as_tensors(tmp_path):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    g = torch.Generator().manual_seed(0)
    sd = {"w": torch.randn(4, 3, generator=g), "h": torch.randn(5, generator=g).half(),
          "b": torch.randn(2, 2, generator=g).bfloat16(), "i": torch.arange(7), "m": torch.tensor([True, False]),
          "u": torch.arange(4, dtype=torch.uint8), "e": torch.zeros(0, 3)}
    path = tmp_path / "pt.safetensors"
    st_torch.save_file(sd, str(path))
    got = load(path)
    assert set(got) == set(sd)
    for k, v in sd.items():
        g_ = got[k].numpy()
        assert g_.shape == tuple(v.shape)
        want = v.float().numpy().astype(ml_dtypes.bfloat16) if v.dtype == torch.bfloat16 else v.numpy()
        assert g_.dtype == want.dtype and g_.tobytes() == want.tobytes(), k


# ---------------------------------------------------------------- load refuses corrupt files

def write_raw(path, header, data=b"", n=None):
    hb = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(hb) if n is None else n) + hb + data)
    return path


def entry(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


CORRUPT = {
    "empty file": (lambda p: p.write_bytes(b""), "too short"),
    "5 bytes": (lambda p: p.write_bytes(b"\x01\x02\x03\x04\x05"), "too short"),
    "header length past end": (lambda p: write_raw(p, {"x": entry()}, b"\0" * 8, n=10_000), "runs past the end"),
    "header length huge": (lambda p: write_raw(p, {"x": entry()}, b"\0" * 8, n=2 ** 64 - 1), "runs past the end"),
    "non-JSON header": (lambda p: write_raw(p, b"{not json at all}"), "not valid JSON"),
    "non-UTF8 header": (lambda p: write_raw(p, b"{\xff\xfe}"), "not valid JSON"),
    "header is a list": (lambda p: write_raw(p, b"[1, 2]"), "must be a JSON object"),
    "header is a JSON number": (lambda p: write_raw(p, b"42"), "must be a JSON object"),
    "duplicate name": (lambda p: write_raw(p, b'{"x": %s, "x": %s}' % (json.dumps(entry()).encode(),
                                                                  json.dumps(entry(offsets=(8, 16))).encode()),
                                           b"\0" * 16), "duplicate key 'x'"),
    "metadata is a list": (lambda p: write_raw(p, {"__metadata__": []}), "__metadata__ must map"),
    "entry not an object": (lambda p: write_raw(p, {"x": [1, 2]}), "'x': entry must have"),
    "extra field": (lambda p: write_raw(p, {"x": {**entry(), "evil": 1}}, b"\0" * 8), "'x': entry must have"),
    "unknown dtype": (lambda p: write_raw(p, {"x": entry(dtype="Q7")}, b"\0" * 8), "'x': unknown dtype 'Q7'"),
    "negative dim": (lambda p: write_raw(p, {"x": entry(shape=(-2,))}, b"\0" * 8), "'x': shape"),
    "float dim": (lambda p: write_raw(p, {"x": entry(shape=(2.0,))}, b"\0" * 8), "'x': shape"),
    "offsets out of bounds": (lambda p: write_raw(p, {"x": entry(offsets=(8, 16))}, b"\0" * 8), "out of bounds"),
    "offsets reversed": (lambda p: write_raw(p, {"x": entry(offsets=(8, 0))}, b"\0" * 8), "out of bounds"),
    "negative offset": (lambda p: write_raw(p, {"x": entry(offsets=(-8, 0))}, b"\0" * 8), "out of bounds"),
    "offsets not a pair": (lambda p: write_raw(p, {"x": entry(offsets=(0,))}, b"\0" * 8), "data_offsets"),
    "size lies (shape > bytes)": (lambda p: write_raw(p, {"x": entry(shape=(10,), offsets=(0, 8))}, b"\0" * 8),
                                  "'x': data_offsets \\[0, 8\\] hold 8 bytes but shape \\[10\\] of F32 needs 40"),
    "size lies (huge shape)": (lambda p: write_raw(p, {"x": entry(shape=(2 ** 40, 2 ** 40))}, b"\0" * 8),
                               "needs"),
    "overlap": (lambda p: write_raw(p, {"a": entry(offsets=(0, 8)), "b": entry(offsets=(4, 12))}, b"\0" * 12),
                "overlap"),
    "truncated data": (lambda p: write_raw(p, {"x": entry(shape=(4,), offsets=(0, 16))}, b"\0" * 10),
                       "'x'.*truncated"),
    "bool bytes not 0/1": (lambda p: write_raw(p, {"m": entry("BOOL", (2,), (0, 2))}, b"\x01\x07"), "'m': BOOL"),
    "metadata not str->str": (lambda p: write_raw(p, {"__metadata__": {"a": 1}}), "__metadata__ must map"),
    "tree not JSON": (lambda p: write_raw(p, {"__metadata__": {"teenygrad": "{oops"}}), "not valid JSON"),
    "tree from the future": (lambda p: write_raw(p, {"__metadata__": {"teenygrad": '{"format": 99, "tree": 1}'}}),
                             "newer teenygrad"),
    "tree names a missing tensor": (
        lambda p: write_raw(p, {"__metadata__": {"teenygrad": '{"format": 1, "tree": {"tensor": "ghost"}}'}}),
        "'ghost', which the header lacks"),
    "tree has an unknown tag": (
        lambda p: write_raw(p, {"__metadata__": {"teenygrad": '{"format": 1, "tree": {"eval": "rm -rf"}}'}}),
        "bad tree node"),
    "tree has an unhashable key": (
        lambda p: write_raw(p, {"__metadata__": {"teenygrad": '{"format": 1, "tree": {"dict": [[{"list": []}, 1]]}}'}}),
        "bad dict key"),
    "tree nested too deep": (
        lambda p: write_raw(p, {"__metadata__": {"teenygrad": '{"format": 1, "tree": '
                                                 + '{"list": [' * 100_000 + ']}' * 100_000 + '}'}}),
        "not valid JSON|too deeply"),
}


@pytest.mark.parametrize("name", list(CORRUPT))
def test_load_refuses_corrupt_files(name, tmp_path):
    make, match = CORRUPT[name]
    path = tmp_path / "bad.safetensors"
    make(path)
    with pytest.raises(CheckpointError, match=match) as e:
        load(path)
    assert isinstance(e.value, ValueError) and str(path) in str(e.value)


def test_load_refuses_truncated_copies_of_a_real_checkpoint(tmp_path):
    good = tmp_path / "good.safetensors"
    save(nested_checkpoint(), good)
    blob = good.read_bytes()
    bad = tmp_path / "cut.safetensors"
    for cut in sorted({0, 4, 8, 9, 100, len(blob) // 2, len(blob) - 1}):
        bad.write_bytes(blob[:cut])
        with pytest.raises(CheckpointError):
            load(bad)


# ---------------------------------------------------------------- pickle files are refused unread

class Boom:
    """Unpickling this creates a marker file: proof that code ran."""
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("writer", ["pickle0", "pickle2", "pickle5", "torch_zip", "torch_legacy"])
def test_load_refuses_pickles_without_running_them(writer, tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    payload = {"w": Boom(str(marker))}
    if writer.startswith("pickle"):
        with open(path, "wb") as f:
            pickle.dump(payload, f, protocol=int(writer[-1]))
    else:
        torch = pytest.importorskip("torch")
        torch.save(payload, path, _use_new_zipfile_serialization=(writer == "torch_zip"))
    with pytest.raises(PickleRefusedError, match="looks like a pickle/torch.save file; teenygrad.load never unpickles"):
        load(path)
    assert not marker.exists()
    if writer.startswith("pickle"):  # the test can fail: unpickling this file really does run code
        with open(path, "rb") as f:
            pickle.load(f)["w"].close()
        assert marker.exists()


def test_tiny_pickle_is_refused_as_pickle(tmp_path):
    path = tmp_path / "none.pkl"
    path.write_bytes(pickle.dumps(None, protocol=4))  # 4 bytes: shorter than a safetensors length prefix
    with pytest.raises(PickleRefusedError):
        load(path)


# ---------------------------------------------------------------- atomicity against a real SIGKILL

CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    from teenygrad import serialization
    real = serialization._write_tensor
    def slow_write(f, a):  # write one tensor, say so, then dawdle so the parent can kill us mid-file
        real(f, a)
        f.flush()
        print("wrote", flush=True)
        time.sleep(0.2)
    serialization._write_tensor = slow_write
    serialization.save({f"w{i}": np.full((256, 1024), i, np.float32) for i in range(50)}, sys.argv[1])
    print("finished", flush=True)
""")


def test_save_killed_midway_leaves_old_file_intact(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    old = {"w": Tensor(rand((64, 64), np.float32)), "step": 5}
    save(old, path)
    old_bytes = path.read_bytes()
    env = {**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, env=env, text=True)
    try:
        for _ in range(3):  # a few tensors (MBs) are on disk in the temp file
            assert child.stdout.readline().strip() == "wrote"
        temps = [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
        assert len(temps) == 1 and os.path.getsize(tmp_path / temps[0]) > 3 * 2 ** 20
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert path.read_bytes() == old_bytes
    assert_same(load(path), old)
    new = {"w": Tensor(np.zeros((2, 2), np.float32))}  # the leftover temp file does not get in the way
    save(new, path)
    assert_same(load(path), new)


def test_file_objects_round_trip(tmp_path):
    # torch.save(obj, buffer) / torch.load(buffer): an io.BytesIO or an open binary file works as the path does
    import io
    import teenygrad as tg
    ckpt = {"w": tg.arange(6.0).reshape(2, 3), "step": 7, "names": ["a", "b"]}
    buf = io.BytesIO()
    save(ckpt, buf)
    buf.seek(0)
    back = load(buf)
    assert back["step"] == 7 and back["names"] == ["a", "b"]
    np.testing.assert_array_equal(back["w"].numpy(), ckpt["w"].numpy())
    with open(tmp_path / "c.safetensors", "wb") as f:
        save(ckpt, f)
    assert load(tmp_path / "c.safetensors")["step"] == 7
    with open(tmp_path / "c.safetensors", "rb") as f:
        assert load(f)["step"] == 7
    with pytest.raises(CheckpointError, match=r"load\(<BytesIO>\): file too short"):
        load(io.BytesIO(b"abc"))
    with pytest.raises(CheckpointError, match="binary mode"):
        load(io.StringIO("text"))


def test_file_object_is_read_in_place_from_its_position():
    # a seekable file object is parsed where it stands, array by array: never read whole into a second copy
    import io
    import teenygrad as tg
    ckpt = {"w": tg.arange(4096.0).reshape(64, 64), "b": tg.ones(64)}
    raw = io.BytesIO()
    save(ckpt, raw)

    class Recording(io.BytesIO):
        biggest = 0

        def read(self, n=-1):
            out = super().read(n)
            Recording.biggest = max(Recording.biggest, len(out))
            return out

    f = Recording(b"prefix" + raw.getvalue())
    f.seek(6)
    back = load(f)
    np.testing.assert_array_equal(back["w"].numpy(), ckpt["w"].numpy())
    np.testing.assert_array_equal(back["b"].numpy(), ckpt["b"].numpy())
    assert Recording.biggest < 4096, Recording.biggest  # the header only; the 16 KB of arrays went to readinto
    assert f.tell() == len(f.getvalue())  # left at the end, as a whole read would


# ---------------------------------------------------------------- complex tensors (stored as (..., 2) floats)

@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_round_trips_and_reads_as_float_pairs(dtype, tmp_path):
    """complex tensors, arrays and scalars were refused ('no safetensors code'); they are stored as (..., 2) float
    pairs, which the safetensors library reads as such, and load gives them back as complex, bit for bit"""
    import teenygrad as tg
    from safetensors.numpy import load_file
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))).astype(dtype)
    obj = {"t": tg.tensor(a), "view": tg.tensor(a).T, "zero_d": tg.tensor(a[0, 0]), "empty": tg.tensor(a[:0]),
           "nd": a, "scalar": a[1, 2], "nested": [tg.tensor(a[1])]}
    path = tmp_path / "c.safetensors"
    save(obj, path)
    back = load(path)
    for k in ("t", "view", "zero_d", "empty"):
        assert back[k].dtype == obj[k].dtype and back[k].shape == obj[k].shape
        np.testing.assert_array_equal(back[k].numpy(), obj[k].numpy())
    assert back["nd"].dtype == dtype and np.array_equal(back["nd"], a)
    assert type(back["scalar"]) is np.dtype(dtype).type and back["scalar"] == a[1, 2]
    np.testing.assert_array_equal(back["nested"][0].numpy(), a[1])
    raw = load_file(str(path))
    assert raw["t"].shape == (2, 3, 2) and raw["t"].dtype == np.dtype(dtype).type(0).real.dtype
    np.testing.assert_array_equal(raw["t"][..., 1], a.imag)


def test_complex_tag_on_a_bad_array_is_refused(tmp_path):
    """a hand-edited file whose complex entry is not (..., 2) floats: a clear CheckpointError, not a wrong view"""
    import json
    import struct
    path = tmp_path / "c.safetensors"
    save({"z": np.zeros(3, np.complex64)}, path)
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header["z"]["shape"] = [6, 1]
    hb = json.dumps(header).encode()
    hb += b" " * (-len(hb) % 8)
    path.write_bytes(struct.pack("<Q", len(hb)) + hb + raw[8 + n:])
    with pytest.raises(CheckpointError, match="complex tensor 'z' is stored as float32 \\(6, 1\\)"):
        load(path)
