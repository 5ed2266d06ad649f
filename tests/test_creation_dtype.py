"""Factory functions, dtypes and torch's type promotion, conversions, seeded random numbers, import time."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import assert_close, NP_DTYPE, TORCH_DTYPE, rand, compare

CREATE = {
    "tensor_float": lambda L: L.tensor([[1.0, 2.0], [3.0, 4.5]]),
    "tensor_int": lambda L: L.tensor([1, 2, 3]),
    "tensor_bool": lambda L: L.tensor([True, False]),
    "tensor_scalar": lambda L: L.tensor(3.5),
    "tensor_mixed": lambda L: L.tensor([1, 2.5]),
    "tensor_dtype": lambda L: L.tensor([1, 2], dtype=L.float64),
    "tensor_empty": lambda L: L.tensor([]),
    "tensor_of_0d_tensors": lambda L: L.tensor([L.tensor(1.0), L.tensor(2.0)]),
    "zeros": lambda L: L.zeros(2, 3),
    "zeros_tuple": lambda L: L.zeros((2, 0)),
    "ones_dtype": lambda L: L.ones(3, dtype=L.int32),
    "full_float": lambda L: L.full((2, 2), 1.5),
    "full_int": lambda L: L.full((2,), 7),
    "full_bool": lambda L: L.full((2,), True),
    "empty_shape": lambda L: L.empty(2, 3).shape,
    "arange": lambda L: L.arange(5),
    "arange_start_step": lambda L: L.arange(1, 10, 3),
    "arange_float": lambda L: L.arange(0, 1, 0.25),
    "arange_neg": lambda L: L.arange(5, 0, -2),
    "arange_float_dtype": lambda L: L.arange(4, dtype=L.float32),
    "linspace": lambda L: L.linspace(0, 1, 5),
    "linspace_one": lambda L: L.linspace(-1, 1, 1),
    "eye": lambda L: L.eye(3),
    "eye_rect": lambda L: L.eye(2, 4, dtype=L.int64),
    "zeros_like": lambda L: L.zeros_like(L.ones(2, 3, dtype=L.int16)),
    "ones_like": lambda L: L.ones_like(L.ones(2)),
    "full_like": lambda L: L.full_like(L.ones(2, dtype=L.int32), 4),
    "empty_like": lambda L: L.empty_like(L.ones(2, 5)).shape,
    "tril_indices": lambda L: L.tril_indices(3, 4),
    "triu_indices": lambda L: L.triu_indices(3, 3, 1),
}


@pytest.mark.parametrize("op", list(CREATE))
def test_creation(op):
    got, want = CREATE[op](tg), CREATE[op](torch)
    if isinstance(want, torch.Size):
        assert tuple(got) == tuple(want)
    else:
        assert_close(got, want, op, 1e-7, 1e-6)


def test_from_numpy_shares_memory_and_numpy_tolist_item():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = tg.from_numpy(a)
    assert t.dtype == tg.float64
    a[0, 0] = 42
    assert t[0, 0].item() == 42.0 and isinstance(t[0, 0].item(), float)
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)
    assert t.tolist() == torch.from_numpy(a).tolist()
    assert tg.tensor(3).item() == 3 and isinstance(tg.tensor(3).item(), int)
    c = tg.tensor(a)
    a[0, 0] = 0
    assert c[0, 0].item() == 42.0, "tensor() copies"


DTYPES = ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("name", DTYPES)
def test_dtype_objects_and_to(name):
    d_tg, d_th = getattr(tg, name), getattr(torch, name)
    assert TORCH_DTYPE[d_tg] is d_th
    x = rand((3,), seed=1, low=-3, high=3)
    assert_close(tg.tensor(x).to(d_tg), torch.tensor(x).to(d_th), f"to({name})", 0, 0)
    assert_close(tg.tensor(x, dtype=d_tg), torch.tensor(x, dtype=d_th), f"tensor(dtype={name})", 0, 0)


@pytest.mark.parametrize("conv", ["float", "double", "half", "long", "int", "short", "char", "byte", "bool"])
def test_conversion_methods(conv):
    x = rand((2, 3), seed=2, low=-3, high=3)
    assert_close(getattr(tg.tensor(x), conv)(), getattr(torch.tensor(x), conv)(), conv, 0, 0)


def test_to_variants_and_type_name():
    x = tg.tensor([1.5, 2.5])
    assert x.to("cpu") is x and x.to(tg.float32) is x
    assert x.to(tg.ones(1, dtype=tg.float64)).dtype == tg.float64
    assert x.to("cpu", tg.int64).tolist() == [1, 2]
    assert x.to(dtype=tg.float16).dtype == tg.float16
    assert x.type() == "torch.FloatTensor"  # torch's legacy type names


def test_bfloat16_optional():
    pytest.importorskip("ml_dtypes")
    b = tg.tensor([1.0, 2.5, 3.140625]).to(tg.bfloat16)
    assert b.dtype == tg.bfloat16 and b.is_floating_point()
    want = torch.tensor([1.0, 2.5, 3.140625]).bfloat16().float()
    np.testing.assert_array_equal(b.float().numpy(), want.numpy())
    assert (b + b).dtype == tg.bfloat16
    assert (b + tg.ones(2, dtype=tg.float16)[:1]).dtype == tg.float32  # torch: bf16 + f16 -> f32
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.bfloat16().float().sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    a = rand((3, 4), seed=3)
    for fn in [lambda L, t: t @ t.T, lambda L, t: t.softmax(-1), lambda L, t: t.exp() * 2 + t, lambda L, t: t.sum(1),
               lambda L, t: t.cumsum(1), lambda L, t: t.max(1).values, lambda L, t: t.sigmoid()]:
        t_tg = tg.tensor(a).to(tg.bfloat16).requires_grad_()
        t_th = torch.tensor(a).bfloat16().requires_grad_()
        o_tg, o_th = fn(tg, t_tg), fn(torch, t_th)
        assert o_tg.dtype == tg.bfloat16 and o_tg.shape == tuple(o_th.shape)
        np.testing.assert_allclose(o_tg.float().numpy(), o_th.float().detach().numpy(), atol=0.05, rtol=0.02)
        o_tg.float().sum().backward()
        o_th.float().sum().backward()
        np.testing.assert_allclose(t_tg.grad.float().numpy(), t_th.grad.float().numpy(), atol=0.05, rtol=0.02)


# torch's promotion table: (a, b) where a/b are dtypes, Python scalars, or ("0d", dtype) zero-dim tensors
PROMOTE = [("int64", 1.5), ("int32", 2), ("int32", True), ("uint8", 300), ("bool", 2), ("bool", 2.0),
           ("float16", 2.0), ("float16", 3), ("int32", "int64"), ("int8", "uint8"), ("uint8", "int16"),
           ("float16", "float32"), ("float32", "float64"), ("int64", "float16"), ("bool", "int8"),
           ("bool", "float32"), ("int32", ("0d", "int64")), ("int32", ("0d", "float64")),
           ("float16", ("0d", "float64")), ("uint8", ("0d", "int8")), ("bool", ("0d", "int64")),
           (("0d", "int32"), ("0d", "int64")), (("0d", "float16"), "int64")]


def _operand(L, v, base_shape=(3,)):
    if isinstance(v, tuple):
        return L.ones((), dtype=getattr(L, v[1]))
    if isinstance(v, str):
        return L.ones(base_shape, dtype=getattr(L, v))
    return v


@pytest.mark.parametrize("op", ["add", "mul", "sub_or_and", "div", "maximum", "eq"])
@pytest.mark.parametrize("a,b", PROMOTE, ids=str)
def test_type_promotion(a, b, op):
    def run(L):
        x, y = _operand(L, a), _operand(L, b)
        if op == "add":
            return x + y, y + x
        if op == "mul":
            return x * y, y * x
        if op == "div":
            return x / y, y / x
        if op == "eq":
            return x == y, y == x
        if op == "maximum":
            x, y = [v if isinstance(v, (torch.Tensor, tg.Tensor)) else L.tensor(v) for v in (x, y)]
            return L.maximum(x, y), L.maximum(y, x)
        bool_case = all((isinstance(v, (torch.Tensor, tg.Tensor)) and v.dtype == L.bool) or isinstance(v, bool)
                        for v in (x, y))
        return (x & y, y & x) if bool_case else (x - y, y - x)

    if op == "sub_or_and" and any(v in ("bool", True) for v in (a, b)) and not all(
            v in ("bool", True) for v in (a, b)):
        pytest.skip("torch rejects bool subtraction")
    try:
        want = run(torch)
    except (RuntimeError, TypeError) as e:
        with pytest.raises(type(e)):
            run(tg)
        return
    got = run(tg)
    for g, w in zip(got, want):
        assert_close(g, w, f"{a} {op} {b}", 1e-6, 1e-3)


def test_int_tensor_true_division_and_inplace_casting_rules():
    x_tg, x_th = tg.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    assert_close(x_tg / 2, x_th / 2, "int / int", 0, 0)
    with pytest.raises(RuntimeError):
        x_th += 1.5
    with pytest.raises(RuntimeError, match="add_"):
        x_tg += 1.5
    x_tg += 2
    x_th += 2
    assert_close(x_tg, x_th, "int += int", 0, 0)
    f_tg, f_th = tg.ones(3), torch.ones(3)
    f_tg += tg.tensor([1, 2, 3])
    f_th += torch.tensor([1, 2, 3])
    assert_close(f_tg, f_th, "float += int tensor", 0, 0)


def test_inplace_operators_preserve_identity_and_views():
    x = tg.zeros(2, 3)
    row = x[0]
    y = x
    x += 1
    x *= 3
    x -= tg.tensor([1.0, 0.0, 0.0])
    x /= 2
    assert y is x and row.tolist() == [1.0, 1.5, 1.5]
    t = torch.zeros(2, 3)
    t += 1
    t *= 3
    t -= torch.tensor([1.0, 0.0, 0.0])
    t /= 2
    assert_close(x, t, "in-place chain", 0, 0)
    x.zero_()
    assert x.sum().item() == 0
    x.fill_(2.5).add_(1, alpha=2)
    assert x.tolist() == [[4.5] * 3] * 2
    x.clamp_(max=4)
    assert x.max().item() == 4.0


def test_default_dtype_switch():
    old = tg.get_default_dtype()
    try:
        tg.set_default_dtype(tg.float64)
        assert tg.tensor([1.5]).dtype == tg.float64 and tg.zeros(2).dtype == tg.float64
        assert (tg.tensor([1]) * 1.5).dtype == tg.float64
    finally:
        tg.set_default_dtype(old)
    assert tg.tensor([1.5]).dtype == tg.float32


# ---- random -----------------------------------------------------------------------------------------
RANDOM = {
    "rand": lambda g: tg.rand(3, 4, generator=g),
    "randn": lambda g: tg.randn((3, 4), generator=g),
    "randint": lambda g: tg.randint(0, 10, (20,), generator=g),
    "randint_high": lambda g: tg.randint(5, (20,), generator=g),
    "randperm": lambda g: tg.randperm(10, generator=g),
    "rand_like": lambda g: tg.rand_like(tg.ones(2, 2), generator=g),
    "randn64": lambda g: tg.randn(4, dtype=tg.float64, generator=g),
}


@pytest.mark.parametrize("op", list(RANDOM))
def test_random_seeded_reproducible_with_generator(op):
    a = RANDOM[op](tg.Generator().manual_seed(5))
    b = RANDOM[op](tg.Generator().manual_seed(5))
    c = RANDOM[op](tg.Generator().manual_seed(6))
    assert a.tolist() == b.tolist() and a.tolist() != c.tolist()
    ref = {"rand": torch.rand(3, 4), "randn": torch.randn(3, 4), "randint": torch.randint(0, 10, (20,)),
           "randint_high": torch.randint(5, (20,)), "randperm": torch.randperm(10),
           "rand_like": torch.rand(2, 2), "randn64": torch.randn(4, dtype=torch.float64)}[op]
    assert a.shape == tuple(ref.shape) and a.dtype == NP_DTYPE[ref.dtype]


def test_manual_seed_and_value_ranges():
    tg.manual_seed(123)
    a = tg.rand(1000)
    tg.manual_seed(123)
    assert tg.rand(1000).tolist() == a.tolist()
    assert 0 <= a.min().item() and a.max().item() < 1 and abs(a.mean().item() - 0.5) < 0.05
    n = tg.randn(10000)
    assert abs(n.mean().item()) < 0.05 and abs(n.std().item() - 1) < 0.05
    r = tg.randint(-3, 4, (5000,))
    assert r.min().item() == -3 and r.max().item() == 3 and r.dtype == tg.int64
    assert sorted(tg.randperm(50).tolist()) == list(range(50))
    assert tg.initial_seed() == 123


def test_generator_state_roundtrip():
    g = tg.Generator().manual_seed(1)
    state = g.get_state()
    a = tg.randn(5, generator=g)
    g.set_state(state)
    assert tg.randn(5, generator=g).tolist() == a.tolist()


def test_import_time_under_budget(tmp_path):
    """min of 3 fresh interpreters, after one that writes the bytecode cache (into tmp_path: a user's install
    has its .pyc files; this machine sets PYTHONDONTWRITEBYTECODE). The budget is 0.15 s; the 0.3 s threshold
    absorbs a loaded machine, and applies to the import's CPU time (wall time on a shared box mostly measures
    the neighbours)."""
    code = ("import time; w, c = time.perf_counter(), time.process_time(); import teenygrad; "
            "print(time.perf_counter() - w, time.process_time() - c)")
    root = str(__import__("pathlib").Path(__file__).parents[1])
    env = {k: v for k, v in __import__("os").environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path)
    runs = [tuple(map(float, subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                            check=True, cwd=root, env=env).stdout.split())) for _ in range(4)][1:]
    wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"import teenygrad: wall {wall:.3f} s, cpu {cpu:.3f} s (min of 3, bytecode cached)")
    assert cpu < 0.3, f"import teenygrad took {cpu:.3f} s of CPU"
    assert wall < 1.0, f"import teenygrad took {wall:.3f} s wall"


def test_repr_and_misc_properties():
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    assert "requires_grad=True" in repr(x) and "tensor(" in repr(x)
    assert x.shape == (1, 2) and x.size() == (1, 2) and x.size(-1) == 2 and x.dim() == 2 and x.numel() == 2
    assert len(tg.ones(4, 2)) == 4 and [t.tolist() for t in tg.tensor([1, 2])] == [1, 2]
    assert tg.tensor([[1, 2], [3, 4]]).T.stride() == (1, 2) and not tg.ones(2, 3).T.is_contiguous()
    assert tg.is_tensor(x) and tg.numel(x) == 2 and x.is_floating_point()
    assert float(tg.tensor(2.5)) == 2.5 and int(tg.tensor(3)) == 3 and bool(tg.tensor([1]))
    assert [10, 20, 30][tg.tensor(1)] == 20


def test_module_level_functions_match_methods():
    x = rand((3, 4), seed=3)
    for name in ["exp", "tanh", "sigmoid", "relu", "abs", "sum", "mean", "softmax", "log_softmax", "cumsum"]:
        args = (1,) if name in ("softmax", "log_softmax", "cumsum") else ()
        compare(lambda L, t: getattr(L, name)(t, *args), [x])


NEW = {
    "new_zeros": lambda x: x.new_zeros(2, 3), "new_ones": lambda x: x.new_ones((2,)),
    "new_full": lambda x: x.new_full((2, 2), 7), "new_tensor": lambda x: x.new_tensor([1, 2]),
    "new_empty_shape": lambda x: x.new_empty(4).shape, "type_as": lambda x: x.type_as(x.double()),
}


@pytest.mark.parametrize("op", list(NEW))
@pytest.mark.parametrize("dtype", ["float64", "int32"])
def test_new_factories_keep_dtype(op, dtype):
    got, want = NEW[op](tg.ones(1, dtype=getattr(tg, dtype))), NEW[op](torch.ones(1, dtype=getattr(torch, dtype)))
    if isinstance(want, torch.Size):
        assert tuple(got) == tuple(want)
    else:
        assert_close(got, want, op, 0, 0)


@pytest.mark.parametrize("call", ["sum(1, keepdims=True)", "mean(axis=0, keepdims=True)", "amax(axis=1)",
                                  "max(1, keepdims=True).values", "var(0, keepdims=True)", "softmax(axis=1)",
                                  "cumsum(axis=0)", "argmax(axis=1, keepdims=True)", "var(False)", "std(0, True, True)",
                                  "logsumexp(axis=1, keepdims=True)", "all(axis=0)", "prod(axis=1)"])
def test_numpy_keyword_spellings_like_torch(call):
    a = rand((2, 3), seed=70)
    got, want = eval("x." + call, {"x": tg.tensor(a)}), eval("x." + call, {"x": torch.tensor(a)})
    assert_close(got, want, call, 1e-6, 1e-5)


def test_python_types_as_dtypes_like_torch():
    for L in (torch, tg):
        assert L.zeros(2, dtype=float).dtype == L.float64
        assert L.tensor([1]).to(float).dtype == L.float64
        assert L.zeros(2, dtype=int).dtype == L.int64 and L.zeros(2, dtype=bool).dtype == L.bool


def test_float16_running_sums_accumulate_in_float32():
    h = np.full((5000,), 0.1, np.float16)
    compare(lambda L, t: t.cumsum(0)[-1:], [h], fwd=dict(atol=0.5, rtol=1e-3), bwd=dict(atol=1e-2, rtol=1e-2))
    compare(lambda L, t: t.sum(), [h], fwd=dict(atol=0.5, rtol=1e-3), bwd=dict(atol=1e-2, rtol=1e-2))
    compare(lambda L, t: t.mean(), [h], fwd=dict(atol=1e-3, rtol=1e-2), bwd=dict(atol=1e-5, rtol=1e-2))


@pytest.mark.parametrize("value", [np.float64(1.5), np.int32(3), np.float16(2), np.bool_(True), np.array(1.0)],
                         ids=lambda v: type(v).__name__ + str(getattr(v, "dtype", "")))
def test_numpy_scalars_keep_dtype(value):
    assert_close(tg.tensor(value), torch.tensor(value), "tensor(numpy scalar)", 0, 0)


def test_library_never_imports_torch():
    code = ("import sys, teenygrad as tg; (tg.ones(2, requires_grad=True) * 2).sum().backward(); "
            "print('torch' in sys.modules)")
    root = str(__import__("pathlib").Path(__file__).parents[1])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert out.strip() == "False"


def test_every_dtype_is_an_instance_of_teenygrad_dtype():
    for d in [tg.float32, tg.float64, tg.float16, tg.int8, tg.int16, tg.int32, tg.int64, tg.uint8, tg.bool]:
        assert isinstance(d, tg.dtype), d
    assert isinstance(tg.zeros(2, dtype=tg.int64).dtype, tg.dtype)


def test_legacy_tensor_constructor_as_torch():
    for data in ([1, 2, 3], [[True], [False]], (2, 3), [1.5, 2]):  # a Python list or tuple: the default float
        want, got = torch.Tensor(data), tg.Tensor(data)
        assert got.dtype == tg.float32 and got.tolist() == want.tolist()
    assert tg.Tensor(2, 3).shape == tuple(torch.Tensor(2, 3).shape) and tg.Tensor(2, 3).dtype == tg.float32
    assert tg.Tensor().shape == tuple(torch.Tensor().shape) == (0,)
    for a in (np.arange(3), np.array([[1.5, 2.5]]), np.array([True, False]), np.array(2.0), np.arange(6).reshape(2, 3).T,
              np.zeros(3, np.float32), np.array([1, 2], np.uint8)):   # any numpy array: the default float, as torch
        want, got = torch.Tensor(a), tg.Tensor(a)
        assert got.dtype == tg.float32 and got.shape == tuple(want.shape) and got.tolist() == want.tolist()
    a = np.zeros(3, np.float32)   # a float32 array is shared (torch's too); others are converted copies
    shared, copied, b = tg.Tensor(a), torch.Tensor(a), np.zeros(3)
    a[0], b[0] = 5.0, 5.0
    assert shared[0].item() == copied[0].item() == 5.0 and tg.Tensor(b)[1].item() == 0.0
    t = tg.tensor([1, 2])   # tensors keep their dtype (torch's too)
    assert tg.Tensor(t).dtype == tg.int64 and torch.Tensor(torch.tensor([1, 2])).dtype == torch.int64
    lin = tg.nn.Linear(3, 2)   # the RL idiom: a float64 numpy state into a float32 model works, as in torch
    assert lin(tg.Tensor(np.random.default_rng(0).random(3))).dtype == tg.float32
    tg.set_default_dtype(tg.float64)
    try:
        assert tg.Tensor(np.arange(2)).dtype == tg.float64
    finally:
        tg.set_default_dtype(tg.float32)
    assert tg.tensor([1, 2]).dtype == tg.int64 and tg.as_tensor([1, 2]).dtype == tg.int64
    x = tg.Tensor([2.0]).double()
    x.requires_grad = True
    assert x.dtype == tg.float64 and x.requires_grad


def test_device_objects():
    for L in (torch, tg):
        d = L.device("cuda", 1)
        assert (str(d), d.type, d.index, repr(d)) == ("cuda:1", "cuda", 1, "device(type='cuda', index=1)")
        assert L.zeros(2).device == L.device("cpu") and L.zeros(2).device.type == "cpu"
        assert L.zeros(2).to(L.device("cpu")).shape == (2,)
    assert tg.device("cpu") == "cpu"  # unlike torch's, teenygrad's device is also its string (a str subclass)
    with pytest.raises(RuntimeError, match="device"):
        tg.device("gpu")


def test_tensor_new_is_the_legacy_constructor_in_its_dtype():
    for L in (torch, tg):
        x = L.ones(2, dtype=L.float64)
        assert tuple(x.new(2, 3).shape) == (2, 3) and x.new(3).dtype == L.float64 and tuple(x.new().shape) == (0,)
        assert L.ones(2, dtype=L.int64).new([1, 2]).dtype == L.int64 and L.ones(2).new([1, 2]).dtype == L.float32


def test_set_printoptions_precision_and_profile():
    x = tg.tensor([1.23456, 2.5])
    try:
        tg.set_printoptions(precision=2)
        assert repr(x) == "tensor([1.23, 2.50])"
        tg.set_printoptions(threshold=5, edgeitems=1)
        assert "..." in repr(tg.arange(10))
    finally:
        tg.set_printoptions(profile="default")
    assert repr(x) == "tensor([1.2346, 2.5000])"
