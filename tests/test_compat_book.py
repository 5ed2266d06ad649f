"""Book-code compatibility (compat hunt round 2): torch.normal's keywords (d2l), number / x rounded as torch does
(micrograd), the default generator's per-process seed, grad_fn names, and torch's errors for common slips."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import rand


# ---- torch.normal with randn's keywords -------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(requires_grad=True), dict(dtype="float64"), dict(dtype="float32", device="cpu"),
                                dict(pin_memory=False, layout=None)])
def test_normal_keywords(kw):
    kt = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
    kg = {k: getattr(tg, v) if k == "dtype" else v for k, v in kw.items()}
    want = torch.normal(0, 0.01, size=(2, 3), generator=torch.Generator().manual_seed(5), **kt)
    got = tg.normal(0, 0.01, size=(2, 3), generator=tg.Generator().manual_seed(5), **kg)
    assert got.requires_grad == want.requires_grad and str(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())


def test_normal_d2l_parameter_trains():
    w = tg.normal(0, 0.01, size=(2, 1), requires_grad=True)  # d2l 3.2's first parameter line
    (w * 2).sum().backward()
    assert w.grad.tolist() == [[2.0], [2.0]]


def test_normal_out():
    ot, og = torch.empty(4, dtype=torch.float64), tg.empty(4, dtype=tg.float64)
    rt = torch.normal(1.0, 2.0, size=(4,), out=ot, generator=torch.Generator().manual_seed(3))
    rg = tg.normal(1.0, 2.0, size=(4,), out=og, generator=tg.Generator().manual_seed(3))
    assert rg is og and rt is ot
    np.testing.assert_array_equal(og.numpy(), ot.numpy())
    ot, og = torch.empty(3), tg.empty(3)
    torch.normal(torch.zeros(3), 1.0, out=ot, generator=torch.Generator().manual_seed(3))
    tg.normal(tg.zeros(3), 1.0, out=og, generator=tg.Generator().manual_seed(3))
    np.testing.assert_array_equal(og.numpy(), ot.numpy())


@pytest.mark.parametrize("kw", [dict(dtype="float64"), dict(requires_grad=True), dict(size=(3,))])
def test_normal_tensor_mean_refuses_creation_keywords(kw):
    kt = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
    kg = {k: getattr(tg, v) if k == "dtype" else v for k, v in kw.items()}
    with pytest.raises(TypeError):
        torch.normal(torch.zeros(3), 1.0, **kt)
    with pytest.raises(TypeError, match="normal"):
        tg.normal(tg.zeros(3), 1.0, **kg)


def test_normal_needs_size_with_numbers():
    with pytest.raises(TypeError):
        torch.normal(0, 1)
    with pytest.raises(TypeError, match="size"):
        tg.normal(0, 1)


# ---- number / x: torch computes x.reciprocal() * number ----------------------------------------------------------
@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # float16 1/x near 0
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("s", [10.0, 0.1, 3, -2.5])
def test_number_over_tensor_bitwise(dtype, s):
    a = rand((20000,), seed=1, dtype=np.float64).astype(dtype)
    xt, xg = torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)
    yt, yg = s / xt, s / xg
    if dtype != "float16":  # half's x * number runs in float32 and casts back (a ToCopy node)
        assert yg.grad_fn.name() == type(yt.grad_fn).__name__ == "MulBackward0"
    np.testing.assert_array_equal(yg.detach().numpy(), yt.detach().numpy())  # bit for bit, not only close
    if dtype == "float16":  # half's gradient goes through float32 (and overflows elsewhere than torch's)
        return
    g = rand((20000,), seed=2, dtype=np.float64).astype(dtype)
    yt.backward(torch.tensor(g))
    yg.backward(tg.tensor(g))
    # torch's reciprocal backward is -g * (z * z), and so is ops' Reciprocal: the same bits
    np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())


def test_micrograd_more_ops_digits():
    """micrograd's test_more_ops prints 10.0 / f in double: the last digit is torch's."""
    f = 7.0 / 2.058
    assert (10.0 / tg.tensor([f], dtype=tg.float64)).item() == (10.0 / torch.tensor([f], dtype=torch.float64)).item()


def test_int_over_number_and_number_over_int():
    a = np.array([1, 3, 7, -6], dtype=np.int64)
    np.testing.assert_array_equal((1 / tg.tensor(a)).numpy(), (1 / torch.tensor(a)).numpy())
    np.testing.assert_array_equal((0.3 / tg.tensor(a)).numpy(), (0.3 / torch.tensor(a)).numpy())


# ---- the default generator's seed ----------------------------------------------------------------------------------
def test_default_seed_differs_per_process():
    code = "import teenygrad as t; print(t.initial_seed(), t.randn(3).tolist(), t.Generator().initial_seed())"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ", 1)
            for _ in range(2)]
    assert runs[0][0] != runs[1][0] and runs[0][1] != runs[1][1]
    assert 0 <= int(runs[0][0]) < 2 ** 64
    assert runs[0][1].endswith(f" {torch.Generator().initial_seed()}\n")  # a new Generator keeps the fixed seed


def test_seeded_default_generator_is_torchs():
    tg.manual_seed(42)
    torch.manual_seed(42)
    assert tg.initial_seed() == torch.initial_seed() == 42
    np.testing.assert_array_equal(tg.randn(5).numpy(), torch.randn(5).numpy())


# ---- grad_fn names -------------------------------------------------------------------------------------------------
_INDEX_CASES = ["W[0, :3]", "W[0]", "W[:, 0]", "W[1:3]", "W[:]", "W[None]", "W[..., 0]", "W[[0, 1]]", "W[idx]",
                "W[0, [0, 1]]", "W[W > 0]", "W[::2]", "W[1:3, None]", "W[0, 0]", "W[-1]", "W[t0]", "W[1:3, [0, 1]]",
                "W[...]", "W[:, 1:]", "W[0:4]", "W[:, :]", "W[:, 0:100]", "W[:, -5:]", "W[None, 0]", "W[0, None]",
                "W[:, 0, None]", "A[0, 1:3]", "A[:, :, 0]", "A[..., 1:2]", "A[1, ..., 2]", "W.t()[0]"]
_OTHER_CASES = ["4.2 - W", "1 - W", "W - 4.2", "W - 2 * W", "W.sub(2)", "2 / W", "W.max(0).values", "W.amax()",
                "torch.max(W, 1)[0]", "W @ M", "v @ v", "W @ v", "v @ M", "A @ B", "A @ M4", "torch.mm(W, M)",
                "A @ v4", "torch.matmul(A4, B4)"]


def _names(lib, cases):
    gen = np.random.default_rng(0)
    mk = lambda *s: lib.tensor(gen.standard_normal(s).astype(np.float32), requires_grad=True)  # noqa: E731
    env = dict(torch=lib, W=mk(4, 5), A=mk(2, 3, 4), B=mk(2, 4, 5), M=mk(5, 2), M4=mk(4, 2), v=mk(5), v4=mk(4),
               A4=mk(2, 2, 3, 4), B4=mk(2, 2, 4, 5), idx=lib.tensor([0, 1]), t0=lib.tensor(1))
    fns = [eval(c, env).grad_fn for c in cases]
    return [fn.name() if lib is tg else type(fn).__name__ for fn in fns]


@pytest.mark.parametrize("cases", [_INDEX_CASES, _OTHER_CASES], ids=["index", "other"])
def test_grad_fn_names(cases):
    assert dict(zip(cases, _names(tg, cases))) == dict(zip(cases, _names(torch, cases)))


def test_grad_fn_names_max_all_and_bmm():
    cases = ["W.max()", "W.min()", "torch.bmm(A, B)"]
    assert _names(tg, cases) == _names(torch, cases)


def test_grad_fn_name_stays_lazy_and_repr():
    w = tg.randn(3, 4, requires_grad=True)
    y = 1 - w
    assert "torch_name" in vars(y.grad_fn) and repr(y.grad_fn).startswith("<RsubBackward1 object at")
    assert "torch_name" not in vars((w - 1).grad_fn)


# ---- torch's errors for common slips -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,name", [("int32", "Int"), ("int64", "Long"), ("bool", "Bool")])
def test_multinomial_refuses_counts(dtype, name):
    N = np.array([1, 2, 7]).astype(dtype)
    msg = f"multinomial only supports floating-point dtypes for input, got: {name}"
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match=msg):
            lib.multinomial(lib.tensor(N), 1)
        with pytest.raises(RuntimeError, match=msg):
            lib.tensor(N).multinomial(1)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_multinomial_takes_every_float(dtype):
    p = np.array([0.1, 0.2, 0.7]).astype(dtype)
    want = torch.multinomial(torch.tensor(p), 5, True, generator=torch.Generator().manual_seed(1))
    got = tg.multinomial(tg.tensor(p), 5, True, generator=tg.Generator().manual_seed(1))
    assert got.tolist() == want.tolist()


@pytest.mark.parametrize("a,b,msg", [("float32", "float64", "Float did not match Double"),
                                     ("int32", "int64", "Int did not match Long"),
                                     ("float32", "float16", "Float did not match Half")])
@pytest.mark.parametrize("op", ["allclose", "isclose"])
def test_close_needs_one_dtype(a, b, msg, op):
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match=msg):
            getattr(lib, op)(lib.ones(2, dtype=getattr(lib, a)), lib.ones(2, dtype=getattr(lib, b)))
    assert tg.allclose(tg.ones(2, dtype=tg.float64), tg.ones(2, dtype=tg.float64))
