"""Adam / AdamW run their numba updates as one kernel call per parameter group and step count
(backend/_numba_kernels.py: adamw_many_), padded to 8 or 16 entries and chunked by 16: checked against torch over
several steps with many parameters (past one chunk), parameters whose step counts differ (one skipped a step
without a gradient), and float32 parameters beside float64 ones and non-contiguous gradients in one group (those
take the per-parameter path); and against the per-parameter kernel bit for bit."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.backend import cpu
from teenygrad.optim import adam as adam_module

TOL = dict(rtol=1e-6, atol=1e-7)


def _kernels():
    k = cpu.set_fused(True)
    if k is None:
        pytest.skip("numba kernels unavailable")
    return k


def _pairs(shapes, seed, dtypes=None):
    rng = np.random.default_rng(seed)
    vals = [rng.normal(size=s).astype((dtypes or {}).get(i, np.float32)) for i, s in enumerate(shapes)]
    return ([tg.from_numpy(v.copy()).requires_grad_() for v in vals],
            [torch.tensor(v.copy(), requires_grad=True) for v in vals])


def _run(shapes, cls, steps, skip=None, dtypes=None, transposed=(), **kw):
    """steps of cls on both libraries; skip: {step: param index without a gradient that step}."""
    ours, theirs = _pairs(shapes, 0, dtypes)
    o1, o2 = getattr(tg.optim, cls)(ours, **kw), getattr(torch.optim, cls)(theirs, **kw)
    rng = np.random.default_rng(1)
    for s in range(steps):
        o1.zero_grad(set_to_none=True)
        o2.zero_grad(set_to_none=True)
        for i, (a, b) in enumerate(zip(ours, theirs)):
            if skip and skip.get(s) == i:
                continue
            g = rng.normal(size=a.shape).astype(a.numpy().dtype)
            if i in transposed:  # a transposed gradient array: not C-contiguous
                a.grad = tg.Tensor._from_data(np.ascontiguousarray(g.T).T)
            else:
                a.grad = tg.Tensor._from_data(g.copy())
            b.grad = torch.from_numpy(g.copy())
        o1.step()
        o2.step()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), **TOL)
        assert a.numpy().dtype == b.detach().numpy().dtype


@pytest.mark.parametrize("cls, kw", [("AdamW", dict(lr=1e-2, weight_decay=0.1)), ("Adam", dict(lr=1e-2)),
                                     ("AdamW", dict(lr=3e-3, betas=(0.6, 0.95), eps=1e-6, weight_decay=0.0))])
def test_many_parameters_like_torch(cls, kw):
    _kernels()
    shapes = [(3, 5), (7,), (1,), (4, 2, 3)] * 9 + [(0,), (2, 0)]  # 38 parameters: three chunks, empty ones too
    _run(shapes, cls, 4, **kw)


def test_step_counts_differ_in_one_group():
    _kernels()
    _run([(6, 4), (5,), (3, 3), (8,)], "AdamW", 5, skip={0: 1, 2: 3, 3: 1}, lr=1e-2, weight_decay=0.1)


def test_float64_and_non_contiguous_beside_batched():
    _kernels()
    _run([(6, 4), (5,), (4, 6), (3, 3)], "AdamW", 4, dtypes={1: np.float64}, transposed=(2,), lr=1e-2,
         weight_decay=0.1)


@pytest.mark.parametrize("cls", ["AdamW", "Adam"])
def test_read_only_gradient_beside_batched(cls):
    """A read-only gradient (an expanded 0-d tensor, a from_numpy of a read-only array: torch takes both) is another
    numba type than the writable ones: in adamw_many_'s tuple numba failed to index it (TypingError, after the step
    counts had been advanced). It takes the per-parameter kernel."""
    _kernels()
    ours, theirs = _pairs([(1,), (3, 4), (5,), (2,)], 3)
    o1, o2 = getattr(tg.optim, cls)(ours, lr=1e-2), getattr(torch.optim, cls)(theirs, lr=1e-2)
    rng = np.random.default_rng(4)
    for _ in range(3):
        g = [rng.normal(size=a.shape).astype(np.float32) for a in ours]
        frozen = g[2].copy()
        frozen.flags.writeable = False
        ours[0].grad, theirs[0].grad = tg.tensor(g[0][0]).expand(1), torch.tensor(g[0][0]).expand(1)
        ours[1].grad, theirs[1].grad = tg.from_numpy(g[1].copy()), torch.from_numpy(g[1].copy())
        ours[2].grad, theirs[2].grad = tg.from_numpy(frozen), torch.from_numpy(g[2].copy())
        ours[3].grad, theirs[3].grad = tg.from_numpy(g[3].copy()), torch.from_numpy(g[3].copy())
        assert not ours[0].grad.numpy().flags.writeable and not ours[2].grad.numpy().flags.writeable
        o1.step()
        o2.step()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **TOL)


@pytest.mark.parametrize("cls", ["AdamW", "Adam"])
def test_parameters_sharing_memory_updated_in_order(cls):
    """A matrix and its transpose as two parameters of one group (one memory): torch updates them in the group's
    order. The batched update of the contiguous one waited for the end of the group, after the transposed one's
    numpy update (4.6e-4 off after three AdamW steps); the pending runs now go first."""
    _kernels()
    rng = np.random.default_rng(5)
    base = rng.normal(size=(4, 4)).astype(np.float32)
    t = torch.tensor(base.copy())
    o = tg.tensor(base.copy())
    theirs, ours = [torch.nn.Parameter(t), torch.nn.Parameter(t.t())], [tg.nn.Parameter(o), tg.nn.Parameter(o.t())]
    assert np.shares_memory(ours[0].numpy(), ours[1].numpy())
    o1, o2 = getattr(tg.optim, cls)(ours, lr=0.1), getattr(torch.optim, cls)(theirs, lr=0.1)
    for _ in range(3):
        for a, b in zip(ours, theirs):
            g = rng.normal(size=(4, 4)).astype(np.float32)
            a.grad, b.grad = tg.from_numpy(g.copy()), torch.from_numpy(g.copy())
        o1.step()
        o2.step()
    np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].detach().numpy(), **TOL)


@pytest.mark.parametrize("cls", ["AdamW", "Adam"])
@pytest.mark.parametrize("pool", [False, True])
def test_state_not_contiguous_beside_a_contiguous_parameter(cls, pool, monkeypatch):
    """exp_avg and exp_avg_sq are made in a transposed parameter's layout; after p.data = p.data.contiguous() the
    parameter and its gradient are C-contiguous but the state is not: the kernels (batched or per parameter) wrote
    the update into flat copies of m and v, and lost it (p 0.08 off torch after two more steps). They take numpy's
    path, as torch keeps the state's layout too."""
    _kernels()
    monkeypatch.setattr(adam_module, "pool", (lambda: object()) if pool else (lambda: None))
    rng = np.random.default_rng(6)
    w = rng.normal(size=(4, 6)).astype(np.float32)
    ours = tg.nn.Parameter(tg.tensor(np.ascontiguousarray(w.T)).t())
    theirs = torch.nn.Parameter(torch.tensor(np.ascontiguousarray(w.T)).t())
    o1, o2 = getattr(tg.optim, cls)([ours], lr=0.1), getattr(torch.optim, cls)([theirs], lr=0.1)
    for s in range(4):
        if s == 2:
            ours.data, theirs.data = ours.data.contiguous(), theirs.data.contiguous()
        g = rng.normal(size=(4, 6)).astype(np.float32)
        ours.grad, theirs.grad = tg.from_numpy(g.copy()), torch.from_numpy(g.copy())
        o1.step()
        o2.step()
    assert ours.numpy().flags.c_contiguous and not o1.state[ours]["exp_avg"].numpy().flags.c_contiguous
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **TOL)
    for key in ("exp_avg", "exp_avg_sq"):
        np.testing.assert_allclose(o1.state[ours][key].numpy(), o2.state[theirs][key].numpy(), **TOL)


def test_batched_kernel_is_the_per_parameter_kernel():
    k = _kernels()
    rng = np.random.default_rng(2)
    shapes = [(5, 7), (3,), (128,), (1,), (2, 9)] * 3
    arrays = [tuple(rng.normal(size=s).astype(np.float32) for _ in range(4)) for s in shapes]
    for a in arrays:
        np.abs(a[3], out=a[3])  # v >= 0
    one = [tuple(x.copy() for x in a) for a in arrays]
    many = [tuple(x.copy() for x in a) for a in arrays]
    for a in one:
        k.adamw_(*a, 1e-3, 0.9, 0.99, 1e-8, 0.1, 3)
    k.adamw_many_(many, 1e-3, 0.9, 0.99, 1e-8, 0.1, 3)
    for a, b in zip(one, many):
        for x, y in zip(a, b):
            assert (x.view(np.int32) == y.view(np.int32)).all()
