"""optim.SparseAdam beside torch's, fed by sparse=True lookups (torch: real sparse gradients; teenygrad: dense ones
with the touched rows recorded on the .grad). Same tables, same ids, several steps, parameters within 1e-6.

Tolerance: ATOL = RTOL = 1e-6 on parameters of size ~1: the same float32 arithmetic in the same order."""
import numpy as np
import pytest
import torch
import teenygrad as tg

ATOL = RTOL = 1e-6
V, E = 12, 3
pytestmark = pytest.mark.filterwarnings("ignore:.*sparse=True gives a dense gradient")


def _table(lib, w):
    return lib.nn.Parameter(lib.tensor(w))


def _close(a, b, what=""):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=RTOL, atol=ATOL, err_msg=what)


def _lookup_loss(lib, w, ids, up, padding_idx=None):
    """sum(F.embedding(ids, w, sparse=True) * up): up's zeros give touched rows a zero gradient."""
    out = lib.nn.functional.embedding(lib.tensor(ids), w, padding_idx=padding_idx, sparse=True)
    return (out * lib.tensor(up)).sum()


def _train(lib, w0, batches, steps_kw=None, padding_idx=None, **kw):
    w = _table(lib, w0)
    opt = lib.optim.SparseAdam([w], **kw)
    for ids, up in batches:
        opt.zero_grad()
        _lookup_loss(lib, w, ids, up, padding_idx).backward()
        opt.step()
    return w, opt


def _batches(rng, n=6, size=(4, 3), zero_frac=0.3):
    out = []
    for _ in range(n):
        ids = rng.integers(0, V // 2, size)  # half the table is never touched; repeats are likely
        up = rng.standard_normal(size + (E,)).astype(np.float32)
        up[rng.random(size) < zero_frac] = 0  # these lookups are touched with a zero gradient
        out.append((ids, up))
    return out


@pytest.mark.parametrize("kw", [dict(lr=0.05), dict(lr=0.1, maximize=True), dict(lr=0.02, betas=(0.5, 0.7), eps=1e-4),
                                dict(lr=0.05, betas=(0.0, 0.0))])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_matches_torch_over_steps(kw, padding_idx):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((V, E)).astype(np.float32)
    batches = _batches(rng)
    want, topt = _train(torch, w0, batches, padding_idx=padding_idx, **kw)
    got, gopt = _train(tg, w0, batches, padding_idx=padding_idx, **kw)
    _close(want, got)
    assert np.array_equal(got.numpy()[V // 2:], w0[V // 2:])  # untouched rows kept
    ts, gs = topt.state[want], gopt.state[got]
    assert type(gs["step"]) is int and gs["step"] == ts["step"] == len(batches)
    _close(ts["exp_avg"], gs["exp_avg"])
    _close(ts["exp_avg_sq"], gs["exp_avg_sq"])


def _bag_rows(lib, w, ids, offsets, psw):
    return lib.nn.functional.embedding_bag(lib.tensor(ids), w, lib.tensor(offsets), mode="sum", sparse=True,
                                           per_sample_weights=lib.tensor(psw), padding_idx=3)


@pytest.mark.parametrize("bag", [False, True])
def test_recorded_rows_are_torchs_sparse_indices(bag):
    """padding_idx left out, rows with a zero gradient kept, repeats once, two backwards joined."""
    from teenygrad.nn.functional_sparse import sparse_rows
    rng = np.random.default_rng(11)
    w0 = rng.standard_normal((V, E)).astype(np.float32)
    ids = [np.array([3, 1, 1, 7, 3]), np.array([9, 3, 0, 1, 9])]
    psw = np.array([1, 0, 0, 2, 1], np.float32)
    got = []
    for lib in (torch, tg):
        w = _table(lib, w0)
        for i in ids:
            if bag:
                _bag_rows(lib, w, i, np.array([0, 2]), psw).sum().backward()
            else:
                _lookup_loss(lib, w, i, psw[:, None] * np.ones(E, np.float32), padding_idx=3).backward()
        got.append(w)
    want = got[0].grad.coalesce()
    assert sparse_rows(got[1]).tolist() == want.indices()[0].tolist() == [0, 1, 7, 9]
    _close(want.to_dense(), got[1].grad)


def test_rows_touched_with_zero_gradient_still_move():
    """A row seen with gradient 0 after a nonzero one: its moments decay and it moves (dense Adam would too, but a
    row never seen must not)."""
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((V, E)).astype(np.float32)
    up = np.ones((2, E), np.float32)
    zero = np.zeros((2, E), np.float32)
    batches = [(np.array([0, 1]), up), (np.array([0, 3]), zero), (np.array([3, 3]), zero)]
    want, _ = _train(torch, w0, batches, lr=0.1)
    got, _ = _train(tg, w0, batches, lr=0.1)
    _close(want, got)
    assert not np.array_equal(got.numpy()[0], _train(tg, w0, batches[:1], lr=0.1)[0].numpy()[0])
    assert np.array_equal(got.numpy()[2], w0[2])


def _two_groups(lib, w0, b0, batches):
    w, b = _table(lib, w0), _table(lib, b0)
    opt = lib.optim.SparseAdam([{"params": [w]}, {"params": [b], "lr": 0.2, "betas": (0.8, 0.9)}], lr=0.05)
    for ids, up in batches:
        opt.zero_grad()
        (_lookup_loss(lib, w, ids, up) + 2 * _lookup_loss(lib, b, ids[:, ::-1].copy(), up)).backward()
        opt.step()
    return w, b


def test_two_param_groups():
    rng = np.random.default_rng(2)
    w0, b0 = (rng.standard_normal((V, E)).astype(np.float32) for _ in range(2))
    batches = _batches(rng)
    for want, got in zip(_two_groups(torch, w0, b0, batches), _two_groups(tg, w0, b0, batches)):
        _close(want, got)


def _bag(lib, w0, mode, steps, psw_zero):
    bag = lib.nn.EmbeddingBag(V, E, mode=mode, sparse=True, padding_idx=1)
    with lib.no_grad():
        bag.weight.copy_(lib.tensor(w0))
    opt = lib.optim.SparseAdam(list(bag.parameters()), lr=0.05)
    rng = np.random.default_rng(3)
    for _ in range(steps):
        ids = lib.tensor(rng.integers(0, V // 2, 9))
        offsets = lib.tensor(np.array([0, 2, 2, 6]))
        psw = None
        if mode == "sum":
            p = rng.standard_normal(9).astype(np.float32)
            p[:3] = 0 if psw_zero else p[:3]
            psw = lib.tensor(p)
        up = lib.tensor(rng.standard_normal((4, E)).astype(np.float32))
        opt.zero_grad()
        (bag(ids, offsets, per_sample_weights=psw) * up).sum().backward()
        opt.step()
    return bag.weight


@pytest.mark.parametrize("mode,psw_zero", [("sum", False), ("sum", True), ("mean", False)])
def test_embedding_bag(mode, psw_zero):
    w0 = np.random.default_rng(4).standard_normal((V, E)).astype(np.float32)
    _close(_bag(torch, w0, mode, 5, psw_zero), _bag(tg, w0, mode, 5, psw_zero))


def _accumulate_and_zero(lib, w0, batches, set_to_none):
    """Two backwards per step (their rows joined), zero_grad between steps, a step after a bare zero_grad."""
    w = _table(lib, w0)
    opt = lib.optim.SparseAdam([w], lr=0.05)
    for i in range(0, len(batches), 2):
        opt.zero_grad(set_to_none=set_to_none)
        for ids, up in batches[i:i + 2]:
            _lookup_loss(lib, w, ids, up).backward()
        opt.step()
    opt.zero_grad(set_to_none=set_to_none)
    opt.step()  # torch: no gradient (None) or an empty sparse one; step counts only for the latter
    return w, opt.state[w]["step"]


@pytest.mark.parametrize("set_to_none", [True, False])
def test_accumulation_and_zero_grad(set_to_none):
    rng = np.random.default_rng(5)
    w0 = rng.standard_normal((V, E)).astype(np.float32)
    batches = _batches(rng, n=6, size=(3,))
    want, wstep = _accumulate_and_zero(torch, w0, batches, set_to_none)
    got, gstep = _accumulate_and_zero(tg, w0, batches, set_to_none)
    _close(want, got)
    assert gstep == wstep


def test_grad_none_then_backward_forgets_old_rows():
    """p.grad = None, then a lookup of other rows: only those move (the old record went with the old .grad)."""
    w0 = np.random.default_rng(6).standard_normal((V, E)).astype(np.float32)
    res = []
    for lib in (torch, tg):
        w = _table(lib, w0)
        opt = lib.optim.SparseAdam([w], lr=0.1)
        _lookup_loss(lib, w, np.array([0, 1]), np.ones((2, E), np.float32)).backward()
        w.grad = None
        _lookup_loss(lib, w, np.array([4]), np.ones((1, E), np.float32)).backward()
        opt.step()
        res.append(w)
    _close(*res)
    assert np.array_equal(res[1].numpy()[:2], w0[:2])


def test_autograd_grad_leaves_the_record_alone():
    w0 = np.random.default_rng(7).standard_normal((V, E)).astype(np.float32)
    w = _table(tg, w0)
    opt = tg.optim.SparseAdam([w], lr=0.1)
    _lookup_loss(tg, w, np.array([0]), np.ones((1, E), np.float32)).backward()
    tg.autograd.grad(_lookup_loss(tg, w, np.array([5]), np.ones((1, E), np.float32)), [w])
    opt.step()
    moved = np.flatnonzero((w.detach().numpy() != w0).any(1))
    assert moved.tolist() == [0]


def test_dense_gradient_raises_like_torch():
    w0 = np.random.default_rng(8).standard_normal((V, E)).astype(np.float32)
    for lib in (torch, tg):
        w = _table(lib, w0)
        opt = lib.optim.SparseAdam([w])
        (w * 2).sum().backward()
        with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
            opt.step()
        w.grad = lib.zeros(V, E)  # a gradient the user assigns is dense too, and a sparse one added to it
        with pytest.raises(RuntimeError, match="does not support dense gradients"):
            opt.step()
        _lookup_loss(lib, w, np.array([0, 1]), np.ones((2, E), np.float32)).backward()
        with pytest.raises(RuntimeError, match="does not support dense gradients"):
            opt.step()


def test_sparse_then_dense_on_one_weight_is_dense():
    """torch adds a dense gradient to a sparse one as a dense tensor, which SparseAdam refuses: so do we."""
    w0 = np.random.default_rng(9).standard_normal((V, E)).astype(np.float32)
    for lib in (torch, tg):
        w = _table(lib, w0)
        opt = lib.optim.SparseAdam([w])
        _lookup_loss(lib, w, np.array([0, 1]), np.ones((2, E), np.float32)).backward()
        (w[5] * 3).sum().backward()
        with pytest.raises(RuntimeError, match="does not support dense gradients"):
            opt.step()
    w = _table(tg, w0)  # both in one backward (tied weights); torch's engine raises mixing layouts, we refuse later
    opt = tg.optim.SparseAdam([w])
    (_lookup_loss(tg, w, np.array([0]), np.ones((1, E), np.float32)) + (w[5] * 3).sum()).backward()
    with pytest.raises(RuntimeError, match="does not support dense gradients"):
        opt.step()


@pytest.mark.parametrize("kw,exc", [(dict(lr=0.0), ValueError), (dict(lr=-1.0), ValueError),
                                    (dict(eps=0.0), ValueError), (dict(betas=(1.0, 0.9)), ValueError),
                                    (dict(betas=(0.9, -0.1)), ValueError)])
def test_bad_hyper_parameters(kw, exc):
    for lib in (torch, tg):
        with pytest.raises(exc, match="Invalid"):
            lib.optim.SparseAdam([lib.nn.Parameter(lib.zeros(3, 2))], **kw)


def test_params_not_a_list():
    for lib in (torch, tg):
        with pytest.raises(TypeError):
            lib.optim.SparseAdam(lib.nn.Parameter(lib.zeros(3, 2)))


def test_embedding_bag_max_refuses_sparse():
    for lib in (torch, tg):
        with pytest.raises(ValueError, match="max mode does not support sparse"):
            lib.nn.functional.embedding_bag(lib.tensor([0, 1]), lib.zeros(3, 2), lib.tensor([0]), mode="max",
                                            sparse=True)


def test_state_dict_round_trip():
    rng = np.random.default_rng(10)
    w0 = rng.standard_normal((V, E)).astype(np.float32)
    batches = _batches(rng, n=6)
    want, _ = _train(torch, w0, batches, lr=0.05)
    got, opt = _train(tg, w0, batches[:3], lr=0.05)
    sd = opt.state_dict()
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"} and sd["state"][0]["step"] == 3
    w2 = _table(tg, got.detach().numpy())
    opt2 = tg.optim.SparseAdam([w2], lr=1.0)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.05 and type(opt2.state[w2]["step"]) is int
    for ids, up in batches[3:]:
        opt2.zero_grad()
        _lookup_loss(tg, w2, ids, up).backward()
        opt2.step()
    _close(want, w2)
