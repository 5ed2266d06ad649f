"""Creation ops in every float dtype and views of complex tensors against torch (twenty-first landing), bit for bit.

What the sweeps found: linspace in float16 / bfloat16 took numpy's float64 values rounded once, where torch's kernel
does every step in the narrow type (start, end, steps - 1, the step, the index and each product and sum rounded to
it; start + step * i for the first half, end - step * (steps - 1 - i) for the second); logspace took numpy's
float64 linspace of the bounds as given, where torch rounds start and end (and their difference) to the dtype
first, so even float32 logspace was a bit off; arange in every float dtype took start + i * step in float64
rounded once, where torch's kernel fills vectors of 32 bytes from a fused start + step * i rounded to the dtype
(float32 arange(-17.1, 2.584, 0.8) has -16.300001, a float64 arange near zero keeps the fused residue). torch is
run on one thread here: past 32768 values its threads split the range, each with its own tail."""
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
