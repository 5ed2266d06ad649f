"""Twenty-fourth landing's hot-path changes, each against torch and the code it replaced: Linear's bias add as a numba
row kernel (backend/_numba_kernels.py add_bias_rows, taken by ops/nn.py linear_forward for float32 C-contiguous rows),
against numpy's `y += b` bit for bit (NaN, +-inf, -0.0, empty and one-element shapes) and torch through F.linear and
nn.Linear (3-D inputs, a strided bias, a transposed input, float64); the bias gradients' kept vector of ones
(_arrays.column_sums) against `np.ones(n) @ a`; a 0-d loss's starting gradient (autograd/engine.py root_grad); and
cross-entropy's hot path."""
import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.nn.functional as F
from teenygrad import _arrays
from helpers import compare, rand


def _kernels_or_skip():
    from teenygrad.backend import cpu
    k = cpu.fused()
    if k is None:
        pytest.skip("numba kernels unavailable")
    return k


def _special(a):
    """a with NaN, +-inf and -0.0 in its first entries (where it has them)."""
    f = a.reshape(-1)
    for i, v in enumerate((np.nan, np.inf, -np.inf, -0.0, 0.0)[:f.size]):
        f[i] = v
    return a


@pytest.mark.parametrize("shape", [(768, 384), (768, 128), (32, 27), (3, 5), (1, 1), (0, 4), (4, 0), (7, 33)])
def test_add_bias_rows_is_numpys_add_bit_for_bit(shape):
    k = _kernels_or_skip()
    y, b = _special(rand(shape, 1)), _special(rand(shape[1:], 2))
    if shape[0] > 1 and shape[1] > 4:
        y[1, :5] = [-0.0, 0.0, np.inf, -np.inf, 1.0]  # -0.0 + -0.0, -0.0 + 0.0, inf + -inf (NaN), -inf + inf
        b[:5] = [-0.0, -0.0, -np.inf, np.inf, np.nan]
    want = y.copy()
    with np.errstate(invalid="ignore"):  # inf + -inf
        want += b
    got = y.copy()
    assert k.add_bias_rows(got, b) is got  # in place
    np.testing.assert_array_equal(got.view(np.int32), want.view(np.int32))


def _linear_both(x, w, b):
    """F.linear with the kernels on and off (the numpy path), values as arrays."""
    from teenygrad.backend import cpu
    on = F.linear(tg.tensor(x), tg.tensor(w), tg.tensor(b)).numpy()
    cpu.set_fused(False)
    try:
        off = F.linear(tg.tensor(x), tg.tensor(w), tg.tensor(b)).numpy()
    finally:
        cpu.set_fused(True)
    return on, off


@pytest.mark.parametrize("xshape,out", [((12, 64, 128), 384), ((12, 64, 128), 128), ((32, 30), 200), ((5,), 3),
                                        ((2, 0, 4), 3), ((3, 4), 0)])
def test_linear_bias_matches_numpy_path_and_torch(xshape, out):
    _kernels_or_skip()
    x, w, b = rand(xshape, 3), rand((out, xshape[-1]), 4), rand((out,), 5)
    if b.size:
        b[0] = np.nan
    on, off = _linear_both(x, w, b)
    np.testing.assert_array_equal(on.view(np.int32), off.view(np.int32))
    want = torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)).numpy()
    np.testing.assert_allclose(on, want, rtol=1e-5, atol=1e-5)  # NaN in the same places (assert_allclose: equal_nan)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_bias_layouts_against_torch(dtype):
    """A strided bias and a transposed input take the numpy path (or a copy); float64 always does."""
    x = rand((6, 10), 6, dtype)
    w, b2 = rand((8, 6), 7, dtype), rand((16,), 8, dtype)
    compare(lambda lib, x, w, b: lib.nn.functional.linear(x.T, w, b[::2]), [x, w, b2])
    compare(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), [rand((3, 4, 6), 9, dtype), w, rand((8,), 10, dtype)])


def test_linear_module_step_against_torch():
    """nn.Linear forward and backward on the GPT's (b, t, e) with a NaN-free input: values and all three gradients."""
    x = rand((12, 64, 128), 11)
    lin, tlin = tg.nn.Linear(128, 384), torch.nn.Linear(128, 384)
    with torch.no_grad():
        tlin.weight.copy_(torch.from_numpy(lin.weight.numpy()))
        tlin.bias.copy_(torch.from_numpy(rand((384,), 12)))
    lin.bias.data = tg.tensor(tlin.bias.detach().numpy().copy())
    xt, xtt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = lin(xt), tlin(xtt)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = rand((12, 64, 384), 13)
    y.backward(tg.tensor(g))
    ty.backward(torch.from_numpy(g))
    for ours, theirs in ((xt.grad, xtt.grad), (lin.weight.grad, tlin.weight.grad), (lin.bias.grad, tlin.bias.grad)):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_column_sums_kept_ones_bit_for_bit(dtype):
    """Growing, shrinking and past the kept length: each sum is a fresh np.ones GEMV's, the kept vector stays ones
    and read-only, and a result is never the same memory as the next one."""
    prev = None
    for n in (32, 5, 2000, 1, 768, _arrays._ONES_KEPT + 3, 0, 32):
        a = _special(rand((n, 7), n, dtype)) if n else np.zeros((0, 7), dtype)
        got = _arrays.column_sums(a)
        want = np.ones(n, dtype) @ a
        assert got.dtype == want.dtype and got.shape == (7,)
        np.testing.assert_array_equal(got, want)
        if prev is not None:
            assert not np.shares_memory(got, prev)
        got[:] = 123  # the caller owns its result
        prev = got
    kept = _arrays._ONES[np.dtype(dtype).char]
    assert not kept.flags.writeable and (kept == 1).all() and kept.shape[0] <= _arrays._ONES_KEPT


def test_bias_gradient_against_torch():
    """(n, k) + (k,) in a graph: the bias gradient goes through column_sums."""
    compare(lambda lib, a, b: (a + b).tanh(), [rand((32, 200), 14), rand((200,), 15)])
    compare(lambda lib, a, b: a + b, [rand((5, 3), 16, np.float64), rand((3,), 17, np.float64)])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_scalar_loss_starting_gradient(dtype):
    """root_grad's 0-d ones (np.array(1, dtype) rather than np.ones): a 0-d leaf's .grad is a fresh, writable array of
    its dtype on every backward, and accumulates as torch's."""
    x, tx = tg.ones((), dtype=getattr(tg, dtype), requires_grad=True), torch.ones((), dtype=getattr(torch, dtype),
                                                                                 requires_grad=True)
    x.backward()
    first = x.grad._data
    assert first.shape == () and first.flags.writeable and x.grad.dtype == x.dtype
    x.backward()
    tx.backward()
    tx.backward()
    assert x.grad._data is first  # accumulated in place
    assert float(x.grad) == float(tx.grad) == 2.0
    y, ty = tg.ones((1, 1), requires_grad=True), torch.ones((1, 1), requires_grad=True)
    (y * 3.0).backward()
    (ty * 3.0).backward()
    np.testing.assert_array_equal(y.grad.numpy(), ty.grad.numpy())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_hot_path_against_torch(reduction):
    """The hot path's target check (np.maximum.reduce), its sum (np.add.reduce) and the backward's per-row or uniform
    scale; an out-of-range class id still takes the checked path and raises as torch."""
    x, t = rand((32, 27), 18), np.random.default_rng(19).integers(0, 27, 32)
    t[0], t[1] = 0, 26
    compare(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, reduction=reduction), [x, t])
    bad = t.copy()
    bad[3] = 27
    with pytest.raises((IndexError, RuntimeError)):
        torch.nn.functional.cross_entropy(torch.from_numpy(x), torch.from_numpy(bad))
    with pytest.raises((IndexError, RuntimeError)):
        F.cross_entropy(tg.tensor(x), tg.tensor(bad))


# ---- parts of one gradient (autograd/function.py PartialGrad.plus / dense) ------------------------------------------
def _parts_case(lib, x, case):
    """Ways the slices of x come back to it: a split's pieces (all, in any order, some unused), overlapping slices, a
    gap, strided and integer indexes, and x a non-leaf (the parts meet at a graph node) or a leaf."""
    y = x * 1.0 if case.startswith("node") else x
    kind = case.split(":")[1]
    if kind == "split3":  # the q, k, v split
        q, k, v = y.split(4, dim=2)
        return (q * 2 + k.exp() + v * v).sum()
    if kind == "split_reversed":
        q, k, v = y.split(4, dim=2)
        return (v * 3).sum() + (k * k).sum() + q.sum()
    if kind == "split_unused":
        q, k, v = y.split(4, dim=2)
        return (q * 2).sum() + (v * 5).sum()
    if kind == "overlap":
        return (y[:, :, :7] * 2).sum() + (y[:, :, 5:] ** 2).sum()
    if kind == "gap":
        return (y[:, :, :3] * 2).sum() + (y[:, :, 5:] ** 2).sum()
    if kind == "strided":
        return (y[:, :, ::2] * 2).sum() + (y[:, :, 1::2] ** 2).sum()
    if kind == "ints":
        return (y[0] * 2).sum() + (y[1] ** 2).sum()
    if kind == "rows":  # tiles along axis 0, the other axes whole
        return (y[:1] * 2).sum() + (y[1:] ** 2).sum()
    if kind == "twice":  # the same part twice: it overlaps itself
        return (y[:, :, :6] * 2).sum() + (y[:, :, :6] ** 2).sum() + (y[:, :, 6:]).sum()
    raise ValueError(kind)


@pytest.mark.parametrize("case", [f"{w}:{k}" for w in ("node", "leaf") for k in
                                  ("split3", "split_reversed", "split_unused", "overlap", "gap", "strided", "ints",
                                   "rows", "twice")])
def test_gradient_parts_against_torch(case):
    compare(lambda lib, x: _parts_case(lib, x, case), [rand((2, 3, 12), 20)])


def test_gradient_parts_keep_negative_zero_as_torch():
    """Tiling parts are copied (torch's SplitBackward concatenates): a -0.0 gradient in any piece stays -0.0; the old
    zeros-and-add made the later pieces' -0.0 into +0.0."""
    x, tx = tg.tensor(rand((2, 3, 12), 21), requires_grad=True), torch.tensor(rand((2, 3, 12), 21), requires_grad=True)
    outs = []
    for lib, t in ((tg, x), (torch, tx)):
        q, k, v = (t * 1.0).split(4, dim=2)
        (q * -0.0 + k * -0.0 + v * -0.0).sum().backward()
    np.testing.assert_array_equal(np.signbit(x.grad.numpy()), np.signbit(tx.grad.numpy()))
    assert np.signbit(x.grad.numpy()).all()


def test_gradient_parts_with_hooks_and_retain_graph():
    """A hook on the split input sees the summed gradient; a second backward through the kept graph sums again."""
    x, tx = tg.tensor(rand((2, 3, 12), 22), requires_grad=True), torch.tensor(rand((2, 3, 12), 22), requires_grad=True)
    seen = {}
    for name, t in (("tg", x), ("torch", tx)):
        y = t * 2.0
        y.register_hook(lambda g, name=name: seen.__setitem__(name, g.numpy().copy()))
        q, k, v = y.split(4, dim=2)
        loss = (q * k).sum() + (v ** 2).sum()
        loss.backward(retain_graph=True)
        loss.backward()
    np.testing.assert_allclose(seen["tg"], seen["torch"], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


def test_tile_along_one_axis():
    from teenygrad.autograd.function import _tile_along_one_axis as tiles
    s = slice(None)
    assert tiles((2, 3, 12), [(s, s, slice(0, 4)), (s, s, slice(8, 12)), (s, s, slice(4, 8))])
    assert tiles((4, 5), [(slice(2, None),), (slice(0, 2),)])
    assert not tiles((2, 3, 12), [(s, s, slice(0, 4)), (s, s, slice(4, 8))])  # a gap at the end
    assert not tiles((2, 3, 12), [(s, s, slice(0, 7)), (s, s, slice(5, 12))])  # an overlap
    assert not tiles((2, 3, 12), [(slice(0, 1), s, slice(0, 4)), (s, s, slice(4, 12))])  # two axes cut
    assert not tiles((2, 3, 12), [(s, s, slice(0, 12, 2)), (s, s, slice(1, 12, 2))])  # strided
    assert not tiles((2, 3), [(0,), (1,)])  # integer indexes
    assert not tiles((2, 3), [(s,), (slice(0, 1),), (slice(1, 2),)])  # a whole part overlaps the rest
