"""Creation ops in every float dtype and views of complex tensors against torch (twenty-first landing), bit for bit.

What the sweeps found: linspace in float16 / bfloat16 took numpy's float64 values rounded once, where torch's kernel
does every step in the narrow type (start, end, steps - 1, the step, the index and each product and sum rounded to
it; start + step * i for the first half, end - step * (steps - 1 - i) for the second); logspace took numpy's
float64 linspace of the bounds as given, where torch rounds start and end (and their difference) to the dtype
first, so even float32 logspace was a bit off; arange in every float dtype took start + i * step in float64
rounded once, where torch's kernel fills vectors of 32 bytes from a fused start + step * i rounded to the dtype
(float32 arange(-17.1, 2.584, 0.8) has -16.300001, a float64 arange near zero keeps the fused residue); integer
logspace and linspace took numpy's values of the bounds as given (torch truncates them to the dtype first: int64
logspace(0.5, 2.5, 5) is [1, 3, 10, 31, 100]). torch is run on one thread here: past 32768 values its threads split
the range, each with its own tail. Views of complex tensors: x.real = v and x.imag = v raised AttributeError (no
setter), and view_as_complex viewed a tensor at an odd storage offset (torch refuses)."""
import random

import numpy as np
import pytest
import torch

import teenygrad as tg

FLOATS = ["bfloat16", "float16", "float32", "float64"]


def _one_thread(fn):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return fn()
    finally:
        torch.set_num_threads(threads)


def _same_bits(t, g, where):
    """torch's t and teenygrad's g: the same shape, dtype and bits (or both raise)."""
    if isinstance(t, Exception) or isinstance(g, Exception):
        assert isinstance(t, Exception) and isinstance(g, Exception), (where, t, g)
        return
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], where
    assert tuple(g.shape) == tuple(t.shape), where
    a, b = t.float().numpy() if t.dtype == torch.bfloat16 else t.numpy(), g.float().numpy() if "bfloat16" in str(
        g.dtype) else g.numpy()
    if where[0] == "linspace" and where[2] == "float64":  # its fused multiply-adds in float64: near, not exact
        np.testing.assert_allclose(b, a, rtol=2e-16, atol=0, err_msg=str(where))
        return
    assert np.array_equal(a, b, equal_nan=True), (where, np.flatnonzero(a != b)[:8])


def _call(L, name, args, dtype):
    try:
        return getattr(L, name)(*args, dtype=getattr(L, dtype))
    except (RuntimeError, ValueError, TypeError) as e:
        return e


def _space_args(r, name):
    s = round(r.uniform(-20, 20), r.choice([0, 1, 3]))
    e = round(r.uniform(-20, 20), r.choice([0, 1, 3]))
    if name == "arange":
        st = round(r.uniform(0.01, 3), r.choice([0, 1, 2, 3])) or 0.25
        if r.random() < 0.3:  # a start that the steps reach zero from: the fused multiply-add shows there
            s = -round(st * r.randint(1, 200), 6)
            e = s + st * r.randint(1, 300)
        return (min(s, e), max(s, e), st) if r.random() < 0.8 else (max(s, e), min(s, e), -st)
    if name == "logspace":
        s, e = s / 5, e / 5
    return s, e, r.choice([0, 1, 2, 3, 5, 7, 16, 17, 31, 33, 64, 65, 100, 257, 1000, 4097])


@pytest.mark.parametrize("name", ["linspace", "logspace", "arange"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_space_fuzz_bit_for_bit(name, dtype):
    r = random.Random(f"{name}{dtype}")
    for _ in range(120):
        args = _space_args(r, name)
        want = _one_thread(lambda: _call(torch, name, args, dtype))
        _same_bits(want, _call(tg, name, args, dtype), (name, args, dtype))


@pytest.mark.parametrize("name,args,dtype", [
    ("linspace", (13.8, -18.381, 17), "bfloat16"),   # the step rounded in bfloat16: 7.75, not 7.78125
    ("linspace", (2.7, 7.779, 1000), "bfloat16"),    # steps - 1 = 999 is 1000 in bfloat16
    ("linspace", (-3.5, 8.538, 31), "float16"),
    ("logspace", (2.4, 3.6, 7), "bfloat16"),          # the bounds rounded first: 255, not 251
    ("logspace", (1.78, 2.02, 7), "float16"),
    ("logspace", (-2.6, 0.9582, 17), "float32"),
    ("arange", (-17.1, 2.584, 0.8), "float32"),       # -16.300001
    ("arange", (-16.203, 17.0, 0.85), "bfloat16"),
    ("arange", (-19.929, 17.617, 0.76), "float16"),
    ("arange", (-17.0, 1.0, 0.1), "float64"),
    ("arange", (-83.1, 8.1, 0.3), "float32"),         # a fused residue near zero (-5.55e-17, not 0)
])
def test_space_cases(name, args, dtype):
    _same_bits(_call(torch, name, args, dtype), _call(tg, name, args, dtype), (name, args, dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_space_one_step_and_base(dtype):
    for args, kw in [((1.37, 9.0, 1), {}), ((-2.2, 3.1, 9), {"base": 2.0}), ((0.3, 0.3, 4), {"base": 1.5})]:
        want = torch.logspace(*args, dtype=getattr(torch, dtype), **kw)
        _same_bits(want, tg.logspace(*args, dtype=getattr(tg, dtype), **kw), (args, kw, dtype))
    _same_bits(torch.linspace(1.37, 9.0, 1, dtype=getattr(torch, dtype)),
               tg.linspace(1.37, 9.0, 1, dtype=getattr(tg, dtype)), dtype)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
def test_integer_logspace_fuzz(dtype):
    """torch truncates the bounds to integers first and converts each float64 power (logspace(0.5, 2.5, 5) in int64
    was [3, 10, 31, 100, 316], torch's [1, 3, 10, 31, 100]); a bound the dtype can't hold is refused."""
    r = random.Random(dtype)
    for _ in range(150):
        args = (round(r.uniform(-30, 40), r.choice([0, 1, 2])), round(r.uniform(-30, 40), r.choice([0, 1, 2])),
                r.choice([1, 2, 3, 5, 7, 33]))
        base = r.choice([10.0, 2.0, 3.5, 1.5, 1.1])
        got = []
        for L in (torch, tg):
            try:
                got.append(L.logspace(*args, base=base, dtype=getattr(L, dtype)).tolist())
            except RuntimeError:
                got.append("refused")
        assert got[0] == got[1], (args, base, dtype)


# views of complex tensors: a random chain of view ops, then a real view of it written in place; the base, the
# view's shape and strides and the written values compared with torch's
VIEWS = [
    lambda L, x: x.transpose(0, -1),
    lambda L, x: x[1:],
    lambda L, x: x[..., ::2],
    lambda L, x: x.unsqueeze(1),
    lambda L, x: x.narrow(0, 0, max(1, x.shape[0] - 1)),
    lambda L, x: x.select(0, 0) if x.ndim > 1 else x,
]
REAL_VIEWS = [
    lambda L, x: x.real,
    lambda L, x: x.imag,
    lambda L, x: L.view_as_real(x)[..., 1],
    lambda L, x: L.view_as_real(x).select(-1, 0),
    lambda L, x: x.real.real,
]
WRITES = [
    lambda L, v: v.mul_(-2),
    lambda L, v: v.add_(1.5),
    lambda L, v: v.zero_(),
    lambda L, v: v.fill_(7),
    lambda L, v: v.copy_(L.arange(v.shape[-1] if v.ndim else 1, dtype=v.dtype).expand(v.shape) if v.ndim
                          else L.tensor(3.0, dtype=v.dtype)),
]


def _view_program(seed):
    r = random.Random(seed)
    shape = tuple(r.randint(1, 4) for _ in range(r.randint(1, 3)))
    dtype = r.choice(["complex64", "complex128"])
    data = np.random.default_rng(seed).standard_normal(shape + (2,))
    chain = [r.randrange(len(VIEWS)) for _ in range(r.randint(0, 3))]
    return shape, dtype, data, chain, r.randrange(len(REAL_VIEWS)), r.randrange(len(WRITES))


def _run_view_program(L, seed):
    shape, dtype, data, chain, rv, w = _view_program(seed)
    base = L.view_as_complex(L.tensor(data)).to(getattr(L, dtype))
    x = base
    for i in chain:
        x = VIEWS[i](L, x)
    v = REAL_VIEWS[rv](L, x)
    layout = (tuple(v.shape), tuple(v.stride()), str(v.dtype).split(".")[-1])
    try:
        WRITES[w](L, v)
    except RuntimeError:
        layout += ("refused",)
    return layout, v.numpy().copy(), base.numpy().copy(), x.numpy().copy()


@pytest.mark.parametrize("seed", range(200))
def test_complex_view_write_fuzz(seed):
    got, want = _run_view_program(tg, seed), _run_view_program(torch, seed)
    assert got[0] == want[0], (seed, got[0], want[0])
    for g, w in zip(got[1:], want[1:]):
        np.testing.assert_array_equal(g, w, err_msg=str(seed))


@pytest.mark.parametrize("dtype", ["complex64", "float32"])
def test_real_and_imag_setters(dtype):
    """x.real = v / x.imag = v write v into that part, as torch (an AttributeError here: the properties had no
    setter); for a real x, x.real = v writes x itself and x.imag = v is refused."""
    for part in ("real", "imag"):
        out = []
        for L in (torch, tg):
            x = L.tensor([1 + 2j, 3 - 4j, -0.5j]).to(getattr(L, dtype)) if dtype == "complex64" else \
                L.tensor([1.0, 3.0, 0.0])
            try:
                setattr(x, part, L.tensor([9.0, 8.0, 7.0]))
                out.append(x.numpy().tolist())
            except RuntimeError:
                out.append("refused")
        assert out[0] == out[1], (part, dtype, out)
    x = tg.zeros(2, dtype=tg.complex64)
    x.real = 5  # a number broadcasts, as torch's
    assert x.numpy().tolist() == torch.full((2,), 5, dtype=torch.complex64).numpy().tolist()


def test_view_as_complex_refuses_an_odd_storage_offset():
    """torch refuses: a complex element would start half-way into another's memory (teenygrad viewed it)."""
    for L in (torch, tg):
        with pytest.raises(RuntimeError, match="storage_offset"):
            L.view_as_complex(L.arange(9.0)[1:].reshape(4, 2))
    x = tg.arange(10.0)[2:].reshape(4, 2)  # an even offset is fine
    np.testing.assert_array_equal(tg.view_as_complex(x).numpy(),
                                  torch.view_as_complex(torch.arange(10.0)[2:].reshape(4, 2)).numpy())


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
def test_integer_linspace_fuzz(dtype):
    """torch converts the bounds to dtype first (an int wraps: -28 is 228 in uint8) and truncates fused
    start + step * i / end - step * (steps - 1 - i); numpy's linspace cast gave other integers (linspace(80, -52,
    100) at 51, and uint8 bounds that wrap counted the other way)."""
    r = random.Random(dtype)
    for _ in range(150):
        args = (r.randint(-100, 100) + r.choice([0, 0.5, 0.7]), r.randint(-100, 100),
                r.choice([1, 2, 3, 5, 7, 16, 33, 64, 65, 100, 257]))
        got = []
        for L in (torch, tg):
            try:
                got.append(L.linspace(*args, dtype=getattr(L, dtype)).tolist())
            except RuntimeError:
                got.append("refused")
        assert got[0] == got[1], (args, dtype)
