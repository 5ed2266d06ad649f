"""The short paths of argmax / argmin(dim) (no max values computed), max / min(dim) on matrices (one fancy index),
and sort / topk values without a graph (one numba pass instead of a recorded Gather): values, indices, dtypes and
shapes against torch over random shapes, dims and dtypes with NaNs and ties, and the graph versions unchanged."""
import numpy as np
import pytest
import torch

import teenygrad as tg

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "uint8", "bool"]
OPS = {
    "argmax": lambda x, d, flag: x.argmax(d, keepdim=flag),
    "argmin": lambda x, d, flag: x.argmin(d, keepdim=flag),
    "max": lambda x, d, flag: x.max(d, keepdim=flag),
    "min": lambda x, d, flag: x.min(d, keepdim=flag),
    "sort": lambda x, d, flag: x.sort(d, descending=flag),
    "topk": lambda x, d, flag: x.topk(min(2, x.shape[d]), d, largest=flag),
}


def _numpy(t):
    return (t.float() if str(t.dtype).endswith("bfloat16") else t).numpy()


def _pair(rng, shape, dtype):
    a = np.round(rng.standard_normal(shape) * 3)  # ties
    if dtype in ("float32", "float64", "float16", "bfloat16"):
        a[rng.random(shape) < 0.15] = np.nan
    elif dtype in ("uint8", "bool"):
        a = np.abs(a)
    want = torch.tensor(a).to(getattr(torch, dtype))
    return want, tg.tensor(_numpy(want)).to(getattr(tg, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(4))
def test_dim_reductions_and_sorts_as_torch(dtype, seed):
    rng = np.random.default_rng(seed)
    for _ in range(6):
        shape = tuple(int(n) for n in rng.integers(1, 6, rng.integers(1, 4)))
        want_x, got_x = _pair(rng, shape, dtype)
        d, flag = int(rng.integers(-len(shape), len(shape))), bool(rng.integers(2))
        for name, op in OPS.items():
            if dtype == "bool" and name in ("argmax", "argmin", "topk"):
                with pytest.raises(RuntimeError):
                    op(got_x, d, flag)
                continue
            want, got = op(want_x, d, flag), op(got_x, d, flag)
            want, got = (want, got) if isinstance(want, tuple) else ((want,), (got,))
            for w, g in zip(want, got):
                assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1], (name, dtype)
                np.testing.assert_array_equal(_numpy(g), _numpy(w), err_msg=f"{name} {dtype} {shape} dim {d}")


@pytest.mark.parametrize("name", ["max", "min", "sort", "topk"])
def test_graph_paths_unchanged(name):
    """With a gradient to record, the values still come through the recorded op: same values, torch's node name,
    and the gradient scattered back to the chosen positions."""
    a = np.random.default_rng(7).standard_normal((5, 9)).astype(np.float32)
    for d in (0, 1):
        want_x, got_x = torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)
        want, got = OPS[name](want_x, d, True)[0], OPS[name](got_x, d, True)[0]
        assert got.grad_fn.name() == want.grad_fn.name()
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
        (want * torch.arange(want.numel()).reshape(want.shape)).sum().backward()
        (got * tg.arange(got.numel()).reshape(got.shape)).sum().backward()
        np.testing.assert_array_equal(got_x.grad.numpy(), want_x.grad.numpy())
        with tg.no_grad():
            assert OPS[name](got_x, d, True)[0].grad_fn is None


@pytest.mark.parametrize("op", ["topk", "kthvalue"])
@pytest.mark.parametrize("make_k", [lambda L: L.tensor(2), lambda L: L.tensor([2]), lambda L: np.int64(2),
                                    lambda L: 2.0, lambda L: True, lambda L: L.tensor(2.0), lambda L: "2"])
def test_k_argument_kinds_like_torch(op, make_k):
    # torch's parser takes an int, a numpy int or an integer tensor of one element for k, and refuses floats, bools
    # and the rest with a TypeError; a tensor k used to reach topk's numba kernel and crash there (TypingError)
    x = np.array([3.0, 1.0, 2.0, 5.0], np.float32)
    try:
        want = getattr(torch.tensor(x), op)(make_k(torch))
    except TypeError:
        with pytest.raises(TypeError, match=f"{op}\\(\\): argument 'k' must be int"):
            getattr(tg.tensor(x), op)(make_k(tg))
        return
    got = getattr(tg.tensor(x), op)(make_k(tg))
    np.testing.assert_array_equal(got[0].numpy(), want[0].numpy())
    np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())
