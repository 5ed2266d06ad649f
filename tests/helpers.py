"""One compare helper for the core tests: build the same inputs in teenygrad and PyTorch (the oracle) from
numpy, run the op forward, backward with the same random upstream gradient, and compare value, shape, dtype
and every input gradient. Tolerances are stated once, here."""
import numpy as np
import pytest
import torch

import teenygrad as tg

FWD = dict(atol=1e-6, rtol=1e-3)      # float32 forward
GRAD = dict(atol=1e-4, rtol=1e-3)     # float32 gradients

TORCH_DTYPE = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64,
               np.dtype(np.float16): torch.float16, np.dtype(np.int8): torch.int8,
               np.dtype(np.int16): torch.int16, np.dtype(np.int32): torch.int32, np.dtype(np.int64): torch.int64,
               np.dtype(np.uint8): torch.uint8, np.dtype(np.bool_): torch.bool}
NP_DTYPE = {v: k for k, v in TORCH_DTYPE.items()}


def rand(shape, seed=0, dtype=np.float32, low=-2.0, high=2.0):
    """Random numpy input; integer dtypes draw in [low, high)."""
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(int(low), int(high), shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) < 0.5
    return rng.uniform(low, high, shape).astype(dtype)


def _layout(a, layout):
    """Same values as a, different memory layout: 'T' is a transposed view, 'step' a strided slice."""
    if layout == "contig" or a.ndim == 0:
        return a, a, lambda t: t
    if layout == "T":
        base = np.transpose(a).copy()
        return np.transpose(base), base, lambda t: t.permute(*reversed(range(t.ndim)))
    if layout == "step":
        base = np.repeat(a, 2, axis=0)
        return base[::2], base, lambda t: t[::2]
    raise ValueError(layout)


def make_pair(a, requires_grad, layout="contig"):
    """A teenygrad leaf and a torch leaf holding the same numpy values and (for 'T'/'step') the same strides."""
    view, base, redo = _layout(a, layout)
    t_tg = tg.Tensor._from_data(view)  # the view itself (its dtype and strides), not a float copy
    t_th = redo(torch.from_numpy(base.copy())).detach()
    if requires_grad:
        t_tg.requires_grad_()
        t_th.requires_grad_()
    return t_tg, t_th


def to_np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t._data)


def _outputs(out):
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def assert_close(got, want, what, atol, rtol):
    """got: teenygrad Tensor, want: torch Tensor. Shape, dtype and values must agree."""
    assert isinstance(got, tg.Tensor), f"{what}: expected a teenygrad Tensor, got {type(got).__name__}"
    assert tuple(got.shape) == tuple(want.shape), f"{what}: shape {tuple(got.shape)} != torch {tuple(want.shape)}"
    assert got.dtype == NP_DTYPE[want.dtype], f"{what}: dtype {got.dtype} != torch {want.dtype}"
    g, w = to_np(got), to_np(want)
    if g.dtype.kind == "f":
        np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), atol=atol, rtol=rtol,
                                   equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(g, w, err_msg=what)


def _add_projection(loss_tg, loss_th, ours, theirs, rng):
    """The two running losses plus <ours, w> and <theirs, w> for one random w shaped like them (a random projection:
    its gradient checks every element at once)."""
    w = rng.standard_normal(theirs.shape).astype(NP_DTYPE[theirs.dtype])
    term_tg, term_th = (ours * tg.tensor(w)).sum(), (theirs * torch.from_numpy(w)).sum()
    return (term_tg if loss_tg is None else loss_tg + term_tg), (term_th if loss_th is None else loss_th + term_th)


def _run_both(fn, arrays, grad, layout, fn_torch):
    """(grad flags, teenygrad leaves, torch leaves, teenygrad outputs, torch outputs) of fn on the same inputs."""
    if grad is None:
        grad = [a.dtype.kind == "f" for a in arrays]
    pairs = [make_pair(a, g, layout if a.ndim else "contig") for a, g in zip(arrays, grad)]
    xs_tg, xs_th = [p[0] for p in pairs], [p[1] for p in pairs]
    out_th = _outputs((fn_torch or fn)(torch, *xs_th))
    out_tg = _outputs(fn(tg, *xs_tg))
    assert len(out_tg) == len(out_th), f"{len(out_tg)} outputs, torch gives {len(out_th)}"
    return grad, xs_tg, xs_th, out_tg, out_th


def compare(fn, arrays, grad=None, layout="contig", fn_torch=None, seed=1, fwd=FWD, bwd=GRAD):
    """Run fn(lib, *tensors) with lib = teenygrad and lib = torch (or fn_torch(torch, *tensors)) on the same
    numpy inputs. grad: which inputs require grad (default: every floating input). Compares forward outputs,
    then backward with a shared random upstream gradient through every differentiable output."""
    grad, xs_tg, xs_th, out_tg, out_th = _run_both(fn, arrays, grad, layout, fn_torch)
    for i, (o, w) in enumerate(zip(out_tg, out_th)):
        assert_close(o, w, f"forward output {i}", **fwd)
    if not any(grad):
        return out_tg, out_th
    rng = np.random.default_rng(seed)
    loss_tg = loss_th = None
    for o, w in zip(out_tg, out_th):
        if not (isinstance(w, torch.Tensor) and w.requires_grad):
            assert not o.requires_grad or not w.dtype.is_floating_point, (
                "teenygrad output requires grad, torch's doesn't")
            continue
        assert o.requires_grad, "torch output requires grad, teenygrad's doesn't"
        loss_tg, loss_th = _add_projection(loss_tg, loss_th, o, w, rng)
    if loss_th is None:
        return out_tg, out_th
    loss_th.backward()
    loss_tg.backward()
    _same_grads([(f"input {i}", a, b) for i, (a, b) in enumerate(zip(xs_tg, xs_th)) if grad[i]], "gradient", bwd)
    return out_tg, out_th


def _same_grads(pairs, what, tol):
    """For each (label, ours, torch's) leaf pair: the same .grad, or none on either side (ours may be all zeros
    where torch has none)."""
    for label, ours, theirs in pairs:
        if theirs.grad is None:
            assert ours.grad is None or not np.any(to_np(ours.grad)), f"{what} of {label}: torch has none"
            continue
        assert ours.grad is not None, f"{what} of {label}: torch has one, teenygrad has none"
        assert_close(ours.grad, theirs.grad, f"{what} of {label}", **tol)


def raises_like_torch(fn, exc, match):
    """fn(torch) raises exc, and fn(teenygrad) raises exc with a message matching `match` (the op and the values)."""
    with pytest.raises(exc):
        fn(torch)
    with pytest.raises(exc, match=match):
        fn(tg)


def refused_like_torch(fn, op):
    """fn(torch) raises, and fn(teenygrad) raises the same exception type with a message naming op."""
    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(type(want.value)) as got:
        fn(tg)
    assert op in str(got.value)


def assert_nonfinite_close(got, want, what, atol, rtol, same_dtype=False):
    """NaN where torch has NaN, the same infinities, finite values close (and the same dtype if same_dtype)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert not same_dtype or got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    got, want = got.astype(np.float64), want.astype(np.float64)
    ok = np.isnan(got) == np.isnan(want)
    ok &= np.where(np.isinf(want) | np.isinf(got), got == want, True)
    fin = np.isfinite(got) & np.isfinite(want)
    ok &= np.where(fin, np.abs(got - want) <= atol + rtol * np.abs(want), True)
    bad = np.argwhere(~ok)[:5]
    assert ok.all(), f"{what}: " + ", ".join(f"at {tuple(i)} teenygrad {got[tuple(i)]} torch {want[tuple(i)]}"
                                             for i in bad)


def raises_same(fn_torch, fn_tg):
    """fn_torch() raises, and fn_tg() raises the same exception type (the message is not compared)."""
    with pytest.raises(Exception) as want:
        fn_torch()
    with pytest.raises(type(want.value)):
        fn_tg()


_twin_rng = np.random.default_rng(0)


def gc_input(shape, seed):
    """A float64 leaf in [-1, 1) for a finite-difference gradcheck."""
    return tg.tensor(rand(shape, seed, np.float64, -1.0, 1.0), dtype=tg.float64, requires_grad=True)


def twin(ours, theirs):
    """Copy torch's parameters and buffers into ours; reprs, names and order must match torch's."""
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    sd = theirs.state_dict()
    assert list(ours.state_dict()) == list(sd)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in sd.items()})
    return ours, theirs


def run_twin(m, tm, x, train=False, atol=1e-5, rtol=1e-4, **kw):
    """Forward m and tm on x (and kw), backward a shared random gradient; compare output (and its dtype), input and
    parameter gradients."""
    m.train(train)
    tm.train(train)
    a, ta = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = m(a, **{k: tg.tensor(v) for k, v in kw.items()})
    ty = tm(ta, **{k: torch.tensor(v) for k, v in kw.items()})
    assert y.dtype == tg.tensor(x).dtype
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=atol, rtol=rtol)
    g = _twin_rng.standard_normal(ty.shape).astype(x.dtype)
    y.backward(tg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=atol, rtol=rtol, err_msg="input grad")
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=atol, rtol=rtol, err_msg=n)
    return y


def check_on_fake_device(fn, x_shape, w_shape, name):
    """fn(x, w) forward and backward on the fake GPU (tests/fake_cupy.py): every array stays on the device and the
    numbers equal the cpu run's."""
    import fake_cupy
    undo = fake_cupy.install()
    try:
        def run(device):
            tg.manual_seed(0)
            x = tg.tensor(rand(x_shape, 1), requires_grad=True, device=device)
            w = tg.tensor(rand(w_shape, 2), requires_grad=True, device=device)
            y = fn(x, w)
            y.backward(tg.tensor(rand(y.shape, 3), device=device))
            return y, x, w
        ref, got = run("cpu"), run("cuda")
        for r, t in zip(ref, got):
            assert type(t._data) is fake_cupy.FakeDeviceArray, f"{name}: {type(t._data).__name__}"
            np.testing.assert_allclose(t.cpu().numpy(), r.numpy(), atol=1e-5, rtol=1e-5)
            if r.grad is not None:
                assert type(t.grad._data) is fake_cupy.FakeDeviceArray
                np.testing.assert_allclose(t.grad.cpu().numpy(), r.grad.numpy(), atol=1e-5, rtol=1e-5)
    finally:
        undo()


GRAD2 = dict(atol=1e-4, rtol=1e-3)    # second derivatives, float32


def compare_double(fn, arrays, grad=None, layout="contig", fn_torch=None, seed=2, tol=GRAD2):
    """Double backward against torch: run fn(lib, *tensors) in both, take the gradients of the outputs (weighted by
    random grad_outputs that themselves require grad) with create_graph=True, compare them, then backpropagate a
    random projection of those gradients and compare what reaches every input and every grad_output.
    grad: which inputs require grad (default: every floating input). Returns the two lists of first gradients."""
    grad, xs_tg, xs_th, out_tg, out_th = _run_both(fn, arrays, grad, layout, fn_torch)
    rng = np.random.default_rng(seed)
    outs_tg, outs_th, vs_tg, vs_th = [], [], [], []
    for o, w in zip(out_tg, out_th):
        if isinstance(w, torch.Tensor) and w.requires_grad:
            assert o.requires_grad, "torch output requires grad, teenygrad's doesn't"
            v = rng.standard_normal(w.shape).astype(NP_DTYPE[w.dtype])
            outs_tg.append(o)
            outs_th.append(w)
            vs_tg.append(tg.tensor(v, requires_grad=True))
            vs_th.append(torch.tensor(v, requires_grad=True))
    diff = [i for i, g in enumerate(grad) if g]
    g_th = torch.autograd.grad(outs_th, [xs_th[i] for i in diff], vs_th, create_graph=True, allow_unused=True)
    g_tg = tg.autograd.grad(outs_tg, [xs_tg[i] for i in diff], vs_tg, create_graph=True, allow_unused=True)
    loss_tg = loss_th = None
    for k, (a, b) in enumerate(zip(g_tg, g_th)):
        if b is None:
            assert a is None or not np.any(to_np(a)), f"first gradient of input {diff[k]}: torch has none"
            continue
        assert a is not None, f"first gradient of input {diff[k]}: torch has one, teenygrad has none"
        assert_close(a, b, f"first gradient of input {diff[k]}", **tol)
        if not b.requires_grad:
            continue
        assert a.requires_grad, f"first gradient of input {diff[k]} is differentiable in torch, not in teenygrad"
        loss_tg, loss_th = _add_projection(loss_tg, loss_th, a, b, rng)
    if loss_th is None:
        return g_tg, g_th
    loss_th.backward()
    loss_tg.backward()
    _same_grads([(f"input {i}", xs_tg[i], xs_th[i]) for i in diff]
                + [(f"grad_output {k}", a, b) for k, (a, b) in enumerate(zip(vs_tg, vs_th))], "second gradient", tol)
    return g_tg, g_th


def gradgrad_ok(fn, shapes, seed=0, **kw):
    """teenygrad.autograd.gradgradcheck of fn(*float64 leaves) at random inputs of the given shapes."""
    xs = [gc_input(s, seed + i) for i, s in enumerate(shapes)]
    assert tg.autograd.gradgradcheck(fn, xs, **kw)


def backprop_and_compare(outs, touts, leaves, m, tm, atol=1e-5, rtol=1e-4):
    """Module outputs against torch's, then the gradients of a fixed weighted sum of them: every (ours, torch's)
    leaf pair in leaves and every named parameter of m against tm's (tests/test_nn_rnn.py, tests/test_rnn_fast.py)."""
    loss, tloss = 0, 0
    for k, (o, to) in enumerate(zip(outs, touts)):
        np.testing.assert_allclose(o.numpy(), to.detach().numpy(), atol=atol, rtol=rtol, err_msg=f"output {k}")
        w = np.cos(np.arange(o.numel()) + k).reshape(o.shape).astype(np.float32)
        loss = loss + (o * tg.tensor(w)).sum()
        tloss = tloss + (to * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    for k, (a, ta) in enumerate(leaves):
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=atol, rtol=rtol, err_msg=f"input {k}")
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=atol, rtol=rtol, err_msg=n)


def central_differences(total, arrays, h=1e-6, which=None):
    """The derivative of total(arrays) (a float) along every entry of each real array (or of arrays[k] for k in
    which), by central differences: one array of them per array differentiated."""
    fds = []
    for k in range(len(arrays)) if which is None else which:
        a = arrays[k]
        fd = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            up, down = [x.copy() for x in arrays], [x.copy() for x in arrays]
            up[k][idx] += h
            down[k][idx] -= h
            fd[idx] = (total(up) - total(down)) / (2 * h)
        fds.append(fd)
    return fds
