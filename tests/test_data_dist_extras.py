"""teenygrad.utils.data's DistributedSampler, StackDataset, ChainDataset, default_convert, get_worker_info and
teenygrad.distributions' transforms, TransformedDistribution, RelaxedBernoulli and RelaxedOneHotCategorical,
against torch (the oracle): index lists per rank and epoch, values, log_prob and its gradients, rsample (torch's
random stream) and its gradients, and bad arguments raising torch's exception types."""
import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import teenygrad as tg
import teenygrad.utils.data as gdata

FWD = dict(rtol=1e-5, atol=1e-5)    # float32 values
GRAD = dict(rtol=1e-4, atol=1e-5)   # float32 gradients


def _close(a, b, tol=FWD):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)


# ---- torch.utils.data ----

@pytest.mark.parametrize("n", [0, 1, 7, 10, 13])
@pytest.mark.parametrize("replicas", [1, 3, 4])
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("drop_last", [True, False])
def test_distributed_sampler_indices(n, replicas, shuffle, drop_last):
    for rank in range(replicas):
        kw = dict(num_replicas=replicas, rank=rank, shuffle=shuffle, seed=5, drop_last=drop_last)
        ts, gs = tdata.DistributedSampler(range(n), **kw), gdata.DistributedSampler(range(n), **kw)
        assert len(gs) == len(ts)
        for epoch in (0, 1, 7):
            ts.set_epoch(epoch)
            gs.set_epoch(epoch)
            assert list(gs) == list(ts)


def test_distributed_sampler_in_dataloader():
    x = np.arange(22, dtype=np.float32).reshape(11, 2)
    ts = tdata.DistributedSampler(range(11), num_replicas=2, rank=1, seed=3)
    gs = gdata.DistributedSampler(range(11), num_replicas=2, rank=1, seed=3)
    tl = tdata.DataLoader(tdata.TensorDataset(torch.tensor(x)), batch_size=4, sampler=ts)
    gl = gdata.DataLoader(gdata.TensorDataset(tg.tensor(x)), batch_size=4, sampler=gs)
    for epoch in range(2):
        ts.set_epoch(epoch)
        gs.set_epoch(epoch)
        for (tb,), (gb,) in zip(tl, gl, strict=True):
            np.testing.assert_array_equal(gb.numpy(), tb.numpy())


@pytest.mark.parametrize("kw", [dict(), dict(num_replicas=2), dict(rank=0), dict(num_replicas=2, rank=2),
                                dict(num_replicas=2, rank=-1), dict(num_replicas=0, rank=0)])
def test_distributed_sampler_bad_args(kw):
    with pytest.raises(Exception) as te:
        tdata.DistributedSampler(range(5), **kw)
    with pytest.raises(te.type):
        gdata.DistributedSampler(range(5), **kw)


def test_stack_dataset():
    a, b = [np.float32(i) for i in range(5)], list("abcde")
    for args, kwargs in (((a, b), {}), ((), dict(x=a, y=b))):
        ts, gs = tdata.StackDataset(*args, **kwargs), gdata.StackDataset(*args, **kwargs)
        assert len(gs) == len(ts) == 5
        assert [gs[i] for i in range(5)] == [ts[i] for i in range(5)]
    for args, kwargs in (((), {}), ((a,), dict(y=b)), ((a, b[:3]), {}), ((), dict(x=a, y=b[:2]))):
        with pytest.raises(Exception) as te:
            tdata.StackDataset(*args, **kwargs)
        with pytest.raises(te.type):
            gdata.StackDataset(*args, **kwargs)


def _stream(mod, values, with_len=True):
    class Stream(mod.IterableDataset):
        def __iter__(self):
            return iter(values)
    if with_len:
        Stream.__len__ = lambda self: len(values)
    return Stream()


def test_chain_dataset():
    parts = [[1, 2], [], [3, 4, 5]]
    tc = tdata.ChainDataset([_stream(tdata, p) for p in parts])
    gc = gdata.ChainDataset([_stream(gdata, p) for p in parts])
    assert list(gc) == list(tc) and len(gc) == len(tc)
    tb = [b.tolist() for b in tdata.DataLoader(tc, batch_size=2)]
    assert [b.tolist() for b in gdata.DataLoader(gc, batch_size=2)] == tb
    for bad in (lambda m: m.ChainDataset([_stream(m, [1]), [2, 3]]),):
        with pytest.raises(Exception) as te:
            list(bad(tdata))
        with pytest.raises(te.type):
            list(bad(gdata))
        with pytest.raises(te.type):
            len(bad(gdata))
    with pytest.raises(TypeError):  # a stream without a length: torch's TypeError too
        len(gdata.ChainDataset([_stream(gdata, [1], with_len=False)]))
    with pytest.raises(TypeError):
        len(tdata.ChainDataset([_stream(tdata, [1], with_len=False)]))


Point = collections.namedtuple("Point", "x y")


def _same_structure(g, t):
    if isinstance(t, torch.Tensor):
        assert isinstance(g, tg.Tensor) and str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(g.numpy(), t.numpy())
        return
    assert type(g) is type(t), (type(g), type(t))
    if isinstance(t, dict):
        assert list(g) == list(t)
        for k in t:
            _same_structure(g[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert len(g) == len(t)
        for a, b in zip(g, t):
            _same_structure(a, b)
    elif isinstance(t, np.ndarray):
        np.testing.assert_array_equal(g, t)
    else:
        assert g == t


@pytest.mark.parametrize("make", [
    lambda: np.arange(6, dtype=np.float32).reshape(2, 3), lambda: np.int64(3), lambda: np.float64(2.5), lambda: 3,
    lambda: "text", lambda: np.array(["a", "b"]), lambda: (np.arange(3), 1.5),
    lambda: [np.float32(1), [np.arange(2, dtype=np.int32)]], lambda: {"a": np.ones(2), "b": ("s", np.zeros(1))},
    lambda: Point(np.arange(2), np.float32(1)), lambda: range(3),
    lambda: collections.OrderedDict(k=np.arange(2, dtype=np.uint8))])
def test_default_convert(make):
    _same_structure(gdata.default_convert(make()), tdata.default_convert(make()))


def test_unbatched_loader_converts_samples():
    data = [(np.arange(3, dtype=np.float32) + i, np.int64(i)) for i in range(4)]
    for tb, gb in zip(tdata.DataLoader(data, batch_size=None), gdata.DataLoader(data, batch_size=None), strict=True):
        _same_structure(gb, tb)


def test_get_worker_info_main_process():
    assert gdata.get_worker_info() is None and tdata.get_worker_info() is None
    seen = []

    class Probe(gdata.Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            seen.append(gdata.get_worker_info())
            return np.float32(i)
    list(gdata.DataLoader(Probe(), batch_size=2, num_workers=2))  # workers run in this process, each with its info
    assert [w.id for w in seen] == [0, 0, 1] and all(w.num_workers == 2 for w in seen)  # batch k on worker k % 2


# ---- torch.distributions ----

def _params(rng, *shapes, low=-1.0, high=1.0):
    """each shape's float32 array as a (torch leaf, teenygrad leaf) pair, both requiring grad"""
    out = []
    for s in shapes:
        a = rng.uniform(low, high, s).astype(np.float32)
        out.append((torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)))
    return out


def _check_grads(pairs):
    for t, g in pairs:
        assert g.grad is not None
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **GRAD)


TRANSFORMS = {
    "exp": lambda D, p: D.ExpTransform(),
    "sigmoid": lambda D, p: D.SigmoidTransform(),
    "tanh": lambda D, p: D.TanhTransform(),
    "affine_number": lambda D, p: D.AffineTransform(0.5, -2.0),
    "affine_tensor": lambda D, p: D.AffineTransform(p[0], p[1]),
    "affine_event": lambda D, p: D.AffineTransform(p[0], p[1], event_dim=1),
    "compose": lambda D, p: D.ComposeTransform([D.AffineTransform(p[0], p[1]), D.TanhTransform(),
                                                D.AffineTransform(1.0, 3.0)]),
    "compose_event": lambda D, p: D.ComposeTransform([D.ExpTransform(), D.AffineTransform(p[0], p[1], event_dim=1)]),
}


@pytest.mark.parametrize("name", TRANSFORMS)
def test_transforms(name):
    rng = np.random.default_rng(0)
    params = _params(rng, (3,), (3,), low=0.5, high=1.5)
    (tx, gx), = _params(rng, (4, 3), low=-2, high=2)
    tt = TRANSFORMS[name](torch.distributions.transforms, [p[0] for p in params])
    gt = TRANSFORMS[name](tg.distributions.transforms, [p[1] for p in params])
    ty, gy = tt(tx), gt(gx)
    _close(gy, ty)
    _close(gt.inv(gy), tt.inv(ty), dict(rtol=1e-4, atol=1e-4))
    tl, gl = tt.log_abs_det_jacobian(tx, ty), gt.log_abs_det_jacobian(gx, gy)
    assert gl.shape == tl.shape
    _close(gl, tl, dict(rtol=1e-4, atol=1e-4))
    assert gt.domain.event_dim == tt.domain.event_dim and gt.codomain.event_dim == tt.codomain.event_dim
    (ty.sum() + tl.sum()).backward()
    (gy.sum() + gl.sum()).backward()
    _check_grads(params + [(tx, gx)] if name.startswith(("affine_t", "affine_e", "compose")) else [(tx, gx)])


def test_transform_cache():
    for cache in (0, 1):
        t = tg.distributions.ExpTransform(cache_size=cache)
        x = tg.tensor([1e-3, 10.0])
        assert (t.inv(t(x)) is x) == (cache == 1)
    with pytest.raises(ValueError):
        torch.distributions.ExpTransform(cache_size=2)
    with pytest.raises(ValueError):
        tg.distributions.ExpTransform(cache_size=2)


BASES = {  # name -> (build(D, transforms module, params), parameter shapes, value sampler)
    "lognormal": (lambda D, T, p: D.TransformedDistribution(D.Normal(p[0], p[1].exp()), [T.ExpTransform()]),
                  [(2, 3), (3,)], lambda rng: rng.uniform(0.2, 3.0, (4, 2, 3))),
    "affine_sigmoid": (lambda D, T, p: D.TransformedDistribution(
        D.Normal(p[0], p[1].exp()), [T.AffineTransform(0.3, p[1].exp()), T.SigmoidTransform()]),
        [(3,), (3,)], lambda rng: rng.uniform(0.05, 0.95, (5, 3))),
    "tanh_normal": (lambda D, T, p: D.TransformedDistribution(D.Normal(p[0], p[1].exp()), T.TanhTransform()),
                    [(2, 3), (2, 3)], lambda rng: rng.uniform(-0.9, 0.9, (2, 3))),
    "event_affine": (lambda D, T, p: D.TransformedDistribution(D.Normal(p[0], p[1].exp()),
                                                               [T.AffineTransform(p[0], p[1].exp(), event_dim=1)]),
                     [(2, 3), (2, 3)], lambda rng: rng.uniform(-2, 2, (4, 2, 3))),
    "relaxed_bernoulli_probs": (lambda D, T, p: D.RelaxedBernoulli(p[1].exp(), probs=p[0].sigmoid()),
                                [(2, 3), ()], lambda rng: rng.uniform(0.02, 0.98, (4, 2, 3))),
    "relaxed_bernoulli_logits": (lambda D, T, p: D.RelaxedBernoulli(p[1].exp(), logits=p[0]),
                                 [(3,), (3,)], lambda rng: rng.uniform(0.02, 0.98, (3,))),
    "relaxed_onehot_logits": (lambda D, T, p: D.RelaxedOneHotCategorical(p[1].exp(), logits=p[0]),
                              [(2, 4), ()], lambda rng: rng.dirichlet(np.ones(4), (3, 2))),
    "relaxed_onehot_probs": (lambda D, T, p: D.RelaxedOneHotCategorical(p[1].exp(), probs=p[0].softmax(-1)),
                             [(4,), ()], lambda rng: rng.dirichlet(np.ones(4), (5,))),
}


def _build(name, rng):
    build, shapes, values = BASES[name]
    params = _params(rng, *shapes)
    td = build(torch.distributions, torch.distributions.transforms, [p[0] for p in params])
    gd = build(tg.distributions, tg.distributions.transforms, [p[1] for p in params])
    return params, td, gd, values(rng).astype(np.float32)


@pytest.mark.parametrize("name", BASES)
def test_log_prob_and_grads(name):
    params, td, gd, value = _build(name, np.random.default_rng(1))
    assert gd.batch_shape == td.batch_shape and gd.event_shape == td.event_shape
    tl, gl = td.log_prob(torch.tensor(value)), gd.log_prob(tg.tensor(value))
    assert gl.shape == tl.shape
    _close(gl, tl, dict(rtol=1e-4, atol=1e-4))
    tl.sum().backward()
    gl.sum().backward()
    _check_grads(params)


@pytest.mark.parametrize("name", BASES)
def test_rsample_stream_and_grads(name):
    params, td, gd, _ = _build(name, np.random.default_rng(2))
    torch.manual_seed(11)
    tg.manual_seed(11)
    ts, gs = td.rsample((6,)), gd.rsample((6,))
    assert gs.shape == ts.shape
    _close(gs, ts, dict(rtol=1e-4, atol=1e-5))
    w = np.random.default_rng(3).uniform(-1, 1, ts.shape).astype(np.float32)  # a generic downstream loss
    (ts * torch.tensor(w)).sum().backward()
    (gs * tg.tensor(w)).sum().backward()
    _check_grads(params)
    torch.manual_seed(12)
    tg.manual_seed(12)
    ts, gs = td.sample(), gd.sample()
    assert not gs.requires_grad
    _close(gs, ts, dict(rtol=1e-4, atol=1e-5))


def test_expand():
    _, td, gd, _ = _build("relaxed_bernoulli_probs", np.random.default_rng(4))
    te, ge = td.expand((5, 2, 3)), gd.expand((5, 2, 3))
    assert type(ge) is tg.distributions.RelaxedBernoulli and ge.batch_shape == te.batch_shape
    v = np.random.default_rng(5).uniform(0.1, 0.9, (5, 2, 3)).astype(np.float32)
    _close(ge.log_prob(tg.tensor(v)), te.log_prob(torch.tensor(v)), dict(rtol=1e-4, atol=1e-4))


def test_cdf_icdf_through_decreasing_transform():
    mk = lambda D: D.TransformedDistribution(D.Normal(0.5, 2.0), [D.AffineTransform(1.0, -3.0), D.ExpTransform()])
    v = np.array([0.1, 1.0, 4.0], dtype=np.float32)
    _close(mk(tg.distributions).cdf(tg.tensor(v)), mk(torch.distributions).cdf(torch.tensor(v)))
    q = np.array([0.2, 0.5, 0.7], dtype=np.float32)
    _close(mk(tg.distributions).icdf(tg.tensor(q)), mk(torch.distributions).icdf(torch.tensor(q)), dict(rtol=1e-4,
                                                                                                     atol=1e-5))


@pytest.mark.parametrize("bad", [
    lambda D, m: D.TransformedDistribution(D.Normal(0.0, 1.0), "exp"),
    lambda D, m: D.TransformedDistribution(D.Normal(0.0, 1.0), [D.ExpTransform(), "exp"]),
    lambda D, m: D.TransformedDistribution(D.Normal(m.zeros(2), 1.0), D.AffineTransform(0.0, 1.0, event_dim=2)),
    lambda D, m: D.RelaxedBernoulli(m.tensor(0.5)),
    lambda D, m: D.RelaxedBernoulli(m.tensor(0.5), probs=m.tensor([0.5]), logits=m.tensor([0.1])),
    lambda D, m: D.RelaxedBernoulli(m.tensor(0.5), probs=m.tensor([1.5])),
    lambda D, m: D.RelaxedOneHotCategorical(m.tensor(0.5), probs=m.tensor([-0.5, 1.5])),
    lambda D, m: D.RelaxedOneHotCategorical(m.tensor(0.5)),
    lambda D, m: D.RelaxedBernoulli(m.tensor(0.5), probs=m.tensor([0.3])).log_prob(m.tensor([1.5])),
    lambda D, m: D.RelaxedOneHotCategorical(m.tensor(0.5), logits=m.zeros(3)).log_prob(m.tensor([0.5, 0.6, 0.1])),
])
def test_bad_arguments(bad):
    with pytest.raises(Exception) as te:
        bad(torch.distributions, torch)
    with pytest.raises(te.type):
        bad(tg.distributions, tg)
