"""Book-code compatibility, round 2: exp's underflow in the fused kernels (masked softmax is exactly 0, as torch),
torch.distributed / torch.nn.parallel for nanoGPT's train.py imports, Tensor.storage(), and get_batch's fast paths
(slices with 0-d tensor bounds, stack of plain tensors), each against torch."""
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg


def _same_floats(a, b, rtol=2e-5):
    """Zeros where torch has zeros, and close values (denormals within a few of their coarse steps)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert ((a == 0) == (b == 0)).all(), np.flatnonzero((a == 0) != (b == 0))[:5]
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-44)


# ---- finding 3: exp underflows to denormals and 0 ---------------------------------------------------------
TAIL = np.concatenate([np.linspace(-112, -78, 20001), [-1e9, -1e6, -np.inf]]).astype(np.float32)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_tail_matches_torch(kernels, fn):
    x = np.stack([np.zeros_like(TAIL), TAIL, np.full_like(TAIL, -0.5)], 1)  # rows [0, t, -0.5]
    got = getattr(tg.tensor(x), fn)(-1).numpy()
    want = getattr(torch.tensor(x), fn)(-1).numpy()
    if fn == "softmax":
        _same_floats(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_softmax_of_a_huge_negative_mask_is_zero(kernels):
    assert tg.nn.functional.softmax(tg.tensor([0.0, -1e9]), dim=0).tolist() == [1.0, 0.0]
    x = np.random.default_rng(0).standard_normal((4, 64, 64)).astype(np.float32)
    mask = np.triu(np.ones((64, 64), bool), 1)
    got = tg.tensor(x).masked_fill(tg.tensor(mask), -1e6).softmax(-1).numpy()
    want = torch.tensor(x).masked_fill(torch.tensor(mask), -1e6).softmax(-1).numpy()
    assert (got[:, mask] == 0).all() and (want[:, mask] == 0).all()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_sigmoid_tail_matches_torch(kernels):
    for x in (TAIL, -TAIL, np.linspace(-95, -85, 20001).astype(np.float32)):
        _same_floats(tg.tensor(x).sigmoid().numpy(), torch.tensor(x).sigmoid().numpy())
    assert tg.sigmoid(tg.tensor([-100.0])).tolist() == [0.0]


def test_cross_entropy_with_masked_logits(kernels):
    x = np.random.default_rng(1).standard_normal((64, 50)).astype(np.float32)
    x[:, 25:] = -1e9
    y = np.random.default_rng(2).integers(0, 25, 64)
    got = tg.nn.functional.cross_entropy(tg.tensor(x), tg.tensor(y)).item()
    want = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(y)).item()
    assert got == pytest.approx(want, rel=1e-6)


def test_tanh_and_lstm_stay_finite_at_large_inputs(kernels):
    x = np.array([-1e9, -100, -44.5, 44.5, 88.8, 100, 1e9] * 8, np.float32).reshape(8, 7)
    lstm = tg.nn.LSTM(7, 3)
    out, _ = lstm(tg.tensor(x).unsqueeze(1))
    assert np.isfinite(out.numpy()).all()
    np.testing.assert_array_equal(tg.tensor(x).tanh().numpy(), torch.tensor(x).tanh().numpy())


# ---- finding 4: torch.distributed and torch.nn.parallel -------------------------------------------------
def test_distributed_imports_and_refuses():
    from teenygrad.distributed import init_process_group, destroy_process_group  # noqa: F401 (nanoGPT's imports)
    from teenygrad.nn.parallel import DistributedDataParallel as DDP
    assert tg.distributed.is_available() is False and tg.distributed.is_initialized() is False
    with pytest.raises(RuntimeError, match="one process on one device"):
        init_process_group(backend="nccl")
    for fn in (tg.distributed.get_rank, tg.distributed.get_world_size, destroy_process_group):
        with pytest.raises(ValueError, match="not been initialized"):
            fn()
    with pytest.raises(ValueError, match="distributed training is not supported"):
        DDP(tg.nn.Linear(2, 2))


def test_data_parallel_runs_the_module_as_torch_does():
    assert tg.nn.DataParallel is tg.nn.parallel.DataParallel
    x = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    outs = []
    for lib in (torch, tg):
        lib.manual_seed(0)
        m = lib.nn.DataParallel(lib.nn.Linear(2, 3))
        assert list(m.state_dict()) == ["module.weight", "module.bias"]
        assert isinstance(m.module, lib.nn.Linear)
        outs.append(m(lib.tensor(x)).detach().numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6)


# ---- finding 6: Tensor.storage() ----------------------------------------------------------------------------
STORAGE_CASES = [lambda lib: lib.arange(6), lambda lib: lib.arange(6).view(2, 3).t(),
                 lambda lib: lib.arange(6)[2:4], lambda lib: lib.tensor([1.5, 2.25]),
                 lambda lib: lib.tensor([0.1, -3.0]).view(2, 1), lambda lib: lib.tensor([True, False]),
                 lambda lib: lib.zeros(0)]


@pytest.mark.parametrize("case", range(len(STORAGE_CASES)))
def test_storage_prints_and_reads_as_torch(case):
    t, g = STORAGE_CASES[case](torch), STORAGE_CASES[case](tg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: TypedStorage is deprecated
        ts, gs = t.storage(), g.storage()
        assert repr(gs) == repr(ts).replace("torch.", "teenygrad.")
        assert len(gs) == len(ts) and gs.size() == ts.size() and gs.tolist() == ts.tolist()
        assert [gs[i] for i in range(len(gs))] == [ts[i] for i in range(len(ts))]
        assert (gs.data_ptr() == g.data_ptr()) == (ts.data_ptr() == t.data_ptr())
        assert gs.nbytes() == ts.nbytes() and gs.element_size() == ts.element_size()
        tu, gu = t.untyped_storage(), g.untyped_storage()
        assert len(gu) == len(tu) and gu.nbytes() == tu.nbytes()
        assert repr(gu) == repr(tu).replace("torch.", "teenygrad.")


def test_storage_shares_memory():
    a = tg.arange(6)
    s = a.view(2, 3)[1:].storage()
    s[0] = 7
    assert a.tolist() == [7, 1, 2, 3, 4, 5] and s.data_ptr() == a.data_ptr()
    with pytest.raises(IndexError):
        s[6]


# ---- get_batch: slices with 0-d tensor bounds, stack of plain tensors -------------------------------------------
BOUNDS = [lambda lib, i: (i, i + 5, None), lambda lib, i: (i, None, None), lambda lib, i: (None, i, None),
          lambda lib, i: (-i, None, None), lambda lib, i: (i, lib.tensor(100), lib.tensor(3)),
          lambda lib, i: (lib.tensor(True), i, None), lambda lib, i: (lib.tensor(2, dtype=lib.int32), i, None)]


@pytest.mark.parametrize("case", range(len(BOUNDS)))
def test_slice_with_tensor_bounds(case):
    data = np.arange(50) * 3
    for i in (0, 7, 49, 60):
        want = torch.tensor(data)[slice(*BOUNDS[case](torch, torch.tensor(i)))]
        got = tg.tensor(data)[slice(*BOUNDS[case](tg, tg.tensor(i)))]
        assert got.tolist() == want.tolist() and got.dtype == np.int64


def test_slice_with_tensor_bounds_is_a_view_and_keeps_errors():
    data = tg.arange(10.0)
    v = data[tg.tensor(2):tg.tensor(5)]
    v[0] = 100.0
    assert data[2].item() == 100.0
    with pytest.raises(TypeError, match="integer tensors"):
        data[tg.tensor(2.0):5]
    with pytest.raises(ValueError, match="step"):
        data[tg.tensor(1):tg.tensor(8):tg.tensor(0)]
    w = tg.arange(10.0, requires_grad=True)
    w[tg.tensor(3):tg.tensor(6)].sum().backward()
    assert w.grad.tolist() == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0]


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_stack_of_plain_tensors(dim):
    rows = np.random.default_rng(0).integers(0, 65, (12, 64))
    got = tg.stack([tg.tensor(r) for r in rows], dim)
    want = torch.stack([torch.tensor(r) for r in rows], dim)
    assert got.tolist() == want.tolist() and tuple(got.shape) == tuple(want.shape) and got.dtype == np.int64
    src = tg.tensor(rows[0])
    out = tg.stack([src, src])
    out[0, 0] = -1  # a fresh tensor, not a view of its inputs
    assert src[0].item() == rows[0, 0]


def test_stack_keeps_torch_semantics():
    assert tg.stack([tg.tensor(1), tg.tensor(2)]).tolist() == [1, 2]
    assert tg.stack([tg.ones(2, dtype=tg.int32), tg.ones(2)]).dtype == np.float32  # promoted, as torch
    with pytest.raises(RuntimeError, match="equal size"):
        tg.stack([tg.ones(2), tg.ones(3)])
    with pytest.raises(IndexError):
        tg.stack([tg.ones(2), tg.ones(2)], 2)
    a = tg.ones(3, requires_grad=True)
    (tg.stack([a, tg.zeros(3)]) * tg.tensor([[2.0], [3.0]])).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0, 2.0]
    with tg.no_grad():
        assert tg.stack([a, a]).requires_grad is False


@pytest.mark.parametrize("o", [64, -3, 0, (1 << 62) - 1, 1 << 62, 1 << 63 - 1])
@pytest.mark.parametrize("a", [7, [1, 2, 3], [[1], [2]], 2 ** 63 - 1])
def test_int64_plus_python_int_matches_torch(a, o):
    """tensor.__add__'s short path for an int64 tensor + a Python int (nanoGPT's i + block_size): torch's values,
    dtype and shape, wrapping at int64's end as torch does."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's scalar overflow warning must not leak out
        x = tg.tensor(a) + o
    y = torch.tensor(a) + o
    assert x.dtype == tg.int64 and tuple(x.shape) == tuple(y.shape) and x.tolist() == y.tolist()
