"""kl_divergence's whole pair table against torch's: every (P, Q) torch registers whose two families teenygrad has
(all but ContinuousBernoulli and ExponentialFamily), valued on random broadcast parameters in float32 and float64,
the +inf ones (whole families and parameter-dependent entries), parameter gradients for a few pairs, and
TransformedDistribution pairs with Transform equality deciding between the bases' KL and NotImplementedError."""
import zlib

import numpy as np
import pytest
import torch

import teenygrad as tg

TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-9, atol=1e-10)}
GRAD = dict(rtol=1e-3, atol=1e-4)  # float32 gradients
P_SHAPES, Q_SHAPES = ((2, 3), (3,)), ((3,), (2, 1))  # first / other parameters of p and of q: they broadcast

# family -> (build(D, *params), default range of each parameter); Uniform takes (low, width)
FAMILIES = {
    "Normal": (lambda D, loc, scale: D.Normal(loc, scale), [(-1, 1), (0.5, 2)]),
    "Laplace": (lambda D, loc, scale: D.Laplace(loc, scale), [(-1, 1), (0.5, 2)]),
    "Gumbel": (lambda D, loc, scale: D.Gumbel(loc, scale), [(-1, 1), (0.5, 2)]),
    "Exponential": (lambda D, rate: D.Exponential(rate), [(0.5, 2)]),
    "Gamma": (lambda D, k, rate: D.Gamma(k, rate), [(0.5, 3), (0.5, 2)]),
    "Beta": (lambda D, a, b: D.Beta(a, b), [(0.5, 3), (0.5, 3)]),
    "Uniform": (lambda D, low, width: D.Uniform(low, low + width), [(-1, 1), (0.5, 2)]),
    "Pareto": (lambda D, scale, alpha: D.Pareto(scale, alpha), [(0.5, 2), (2.5, 5)]),
    "Poisson": (lambda D, rate: D.Poisson(rate), [(0.5, 4)]),
    "Bernoulli": (lambda D, probs: D.Bernoulli(probs), [(0.1, 0.9)]),
    "Binomial": (lambda D, n, probs: D.Binomial(n, probs), [(3, 3), (0.1, 0.9)]),
}

# (P, Q) -> ranges that keep p inside q's support (None: the family default)
FINITE = {
    ("Bernoulli", "Poisson"): (None, None),
    ("Beta", "Exponential"): (None, None), ("Beta", "Gamma"): (None, None), ("Beta", "Normal"): (None, None),
    ("Beta", "Uniform"): (None, [(-1, 0), (2, 3)]),
    ("Exponential", "Gamma"): (None, None), ("Exponential", "Gumbel"): (None, None),
    ("Exponential", "Normal"): (None, None),
    ("Gamma", "Exponential"): (None, None), ("Gamma", "Gumbel"): (None, None), ("Gamma", "Normal"): (None, None),
    ("Gumbel", "Normal"): (None, None), ("Laplace", "Normal"): (None, None),
    ("Normal", "Gumbel"): (None, None), ("Normal", "Laplace"): (None, None),
    ("Pareto", "Exponential"): ([(0.5, 2), (1.2, 5)], None), ("Pareto", "Gamma"): ([(0.5, 2), (1.2, 5)], None),
    ("Pareto", "Normal"): (None, None),
    ("Poisson", "Poisson"): (None, None),
    ("Uniform", "Beta"): ([(0.05, 0.4), (0.1, 0.5)], None), ("Uniform", "Exponential"): ([(0, 1), (0.5, 2)], None),
    ("Uniform", "Gamma"): ([(0, 1), (0.5, 2)], None), ("Uniform", "Gumbel"): (None, None),
    ("Uniform", "Normal"): (None, None), ("Uniform", "Pareto"): ([(1, 2), (0.5, 2)], [(0.3, 1), (0.5, 3)]),
}

# (P, Q) whose KL is +inf for every parameter: p's support is not inside q's
INFINITE = [(p, q) for p, qs in {
    "Exponential": ["Beta", "Pareto", "Uniform"], "Gamma": ["Beta", "Pareto", "Uniform"],
    "Gumbel": ["Beta", "Exponential", "Gamma", "Pareto", "Uniform"],
    "Laplace": ["Beta", "Exponential", "Gamma", "Pareto", "Uniform"],
    "Normal": ["Beta", "Exponential", "Gamma", "Pareto", "Uniform"],
    "Pareto": ["Beta", "Uniform"], "Beta": ["Pareto"], "Poisson": ["Bernoulli", "Binomial"]}.items() for q in qs]


def _draw(family, ranges, shapes, rng):
    ranges = ranges or FAMILIES[family][1]
    return [rng.uniform(lo, hi, shapes[min(i, 1)]) for i, (lo, hi) in enumerate(ranges)]


def _build(family, params, dtype, lib, requires_grad=False):
    """the family in torch (lib=torch) or teenygrad on the given numpy parameters; returns (dist, tensors)"""
    D = torch.distributions if lib is torch else tg.distributions
    dt = getattr(lib, dtype)
    ts = [lib.tensor(x, dtype=dt, requires_grad=requires_grad) for x in params]
    return FAMILIES[family][0](D, *ts), ts


def _pair(P, Q, p_ranges, q_ranges, dtype, seed, requires_grad=False):
    rng = np.random.default_rng(seed)
    pp, qp = _draw(P, p_ranges, P_SHAPES, rng), _draw(Q, q_ranges, Q_SHAPES, rng)
    out = {}
    for lib in (torch, tg):
        p, p_ts = _build(P, pp, dtype, lib, requires_grad)
        q, q_ts = _build(Q, qp, dtype, lib, requires_grad)
        out[lib] = lib.distributions.kl_divergence(p, q), p_ts + q_ts
    return out


def test_every_torch_pair_is_registered():
    skipped = set()  # teenygrad has every family torch registers a pair for
    torch_pairs = {(a.__name__, b.__name__) for a, b in torch.distributions.kl._KL_REGISTRY}
    ours = {(a.__name__, b.__name__) for a, b in tg.distributions.kl._KL_REGISTRY}
    assert {p for p in torch_pairs if not skipped & set(p)} == ours


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("pair", sorted(FINITE), ids="-".join)
def test_kl_values(pair, dtype):
    out = _pair(*pair, *FINITE[pair], dtype, seed=zlib.crc32(repr(pair).encode()))
    t, g = out[torch][0], out[tg][0]
    assert g.dtype == getattr(tg, dtype) and tuple(g.shape) == tuple(t.shape) == (2, 3)
    assert np.isfinite(t.numpy()).all()
    np.testing.assert_allclose(g.numpy(), t.numpy(), **TOL[dtype])


GRAD_PAIRS = [("Beta", "Normal"), ("Gamma", "Gumbel"), ("Normal", "Laplace"), ("Uniform", "Beta"),
              ("Pareto", "Normal"), ("Exponential", "Gamma"), ("Uniform", "Gumbel"), ("Poisson", "Poisson")]


@pytest.mark.parametrize("pair", GRAD_PAIRS, ids="-".join)
def test_kl_gradients(pair):
    out = _pair(*pair, *FINITE[pair], "float32", seed=7, requires_grad=True)
    (t, t_params), (g, g_params) = out[torch], out[tg]
    w = np.random.default_rng(3).uniform(0.5, 1.5, tuple(t.shape)).astype(np.float32)
    t_grads = torch.autograd.grad((t * torch.tensor(w)).sum(), t_params)
    (g * tg.tensor(w)).sum().backward()
    for tg_param, t_grad in zip(g_params, t_grads):
        np.testing.assert_allclose(tg_param.grad.numpy(), t_grad.numpy(), **GRAD)


@pytest.mark.parametrize("pair", INFINITE, ids="-".join)
def test_kl_infinite_by_support(pair):
    out = _pair(*pair, None, None, "float32", seed=1)
    t, g = out[torch][0], out[tg][0]
    assert tuple(g.shape) == tuple(t.shape) and g.dtype == tg.float32  # torch's: p's parameter shape
    assert np.isposinf(g.numpy()).all() and np.isposinf(t.numpy()).all()


@pytest.mark.parametrize("pair", ["Poisson-NegativeBinomial", "NegativeBinomial-NegativeBinomial",
                                  "Binomial-NegativeBinomial", "NegativeBinomial-Binomial"])
def test_kl_negative_binomial_not_implemented(pair):
    """NegativeBinomial is no Binomial (as in torch): its pairs raise as torch's do, not take a Binomial formula"""
    for lib in (torch, tg):
        D = lib.distributions
        make = {"Poisson": lambda: D.Poisson(lib.tensor(2.0)),
                "Binomial": lambda: D.Binomial(lib.tensor(5.0), probs=lib.tensor(0.4)),
                "NegativeBinomial": lambda: D.NegativeBinomial(lib.tensor(5.0), probs=lib.tensor(0.4))}
        p, q = (make[name]() for name in pair.split("-"))
        with pytest.raises(NotImplementedError):
            D.kl_divergence(p, q)


# (P, Q) -> (p ranges, q ranges) where some entries escape q's support (or lose p's moments) and some do not
MIXED = {
    ("Beta", "Uniform"): (None, [(-0.3, 0.1), (0.9, 1.3)]),
    ("Uniform", "Beta"): ([(-0.2, 0.3), (0.2, 0.9)], None),
    ("Uniform", "Exponential"): ([(-0.5, 0.5), (0.5, 1)], None),
    ("Uniform", "Gamma"): ([(-0.5, 0.5), (0.5, 1)], None),
    ("Uniform", "Pareto"): ([(0.5, 1.5), (0.5, 1)], [(0.8, 1.2), (1, 3)]),
    ("Pareto", "Exponential"): ([(0.5, 2), (0.5, 1.5)], None),
    ("Pareto", "Gamma"): ([(0.5, 2), (0.5, 1.5)], None),
    ("Pareto", "Normal"): ([(0.5, 2), (1.5, 2.5)], None),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("pair", sorted(MIXED), ids="-".join)
def test_kl_infinite_where_parameters_escape(pair, dtype):
    for seed in range(20):  # parameters with both finite and infinite entries
        out = _pair(*pair, *MIXED[pair], dtype, seed=seed)
        t = out[torch][0].numpy()
        if np.isinf(t).any() and np.isfinite(t).any():
            break
    else:
        pytest.fail(f"no seed gave {pair} both finite and infinite entries")
    np.testing.assert_allclose(out[tg][0].numpy(), t, **TOL[dtype])  # inf where torch has inf, values elsewhere


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("order", ["mvn-lowrank", "lowrank-mvn"])
def test_kl_lowrank_and_full_rank_normal(order, dtype):
    rng = np.random.default_rng(5)
    n, r = 4, 2
    mvn = dict(loc=rng.normal(size=(n,)), L=np.tril(rng.normal(size=(3, n, n)), -1) + np.diag(rng.uniform(
        0.5, 2, n)))
    # torch's LowRank-MVN expands to the batch of q's scale_tril and p's cov_factor only, so d has no batch of its own
    low = dict(loc=rng.normal(size=(2, 1, n)), W=rng.normal(size=(3, n, r)), d=rng.uniform(0.5, 2, (n,)))
    results = {}
    for lib in (torch, tg):
        dt = getattr(lib, dtype)
        T = lambda x: lib.tensor(x, dtype=dt, requires_grad=True)  # noqa: E731
        m_ts, l_ts = [T(mvn["loc"]), T(mvn["L"])], [T(low["loc"]), T(low["W"]), T(low["d"])]
        m = lib.distributions.MultivariateNormal(m_ts[0], scale_tril=m_ts[1])
        lr = lib.distributions.LowRankMultivariateNormal(*l_ts)
        kl = lib.distributions.kl_divergence(*((m, lr) if order == "mvn-lowrank" else (lr, m)))
        results[lib] = kl, m_ts + l_ts
    (t, t_params), (g, g_params) = results[torch], results[tg]
    assert tuple(g.shape) == tuple(t.shape) == (2, 3) and g.dtype == getattr(tg, dtype)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), **TOL[dtype])
    t_grads = torch.autograd.grad(t.sum(), t_params)
    g.sum().backward()
    tol = GRAD if dtype == "float32" else dict(rtol=1e-7, atol=1e-9)
    for gp, tgrad in zip(g_params, t_grads):  # the scale_tril's upper entries get no gradient in either
        np.testing.assert_allclose(gp.grad.numpy(), tgrad.numpy(), **tol)


@pytest.mark.parametrize("order", ["mvn-lowrank", "lowrank-mvn"])
def test_kl_lowrank_with_batched_diagonal_equals_full_rank_kl(order):
    """a cov_diag with a batch of its own (beyond torch's LowRank-MVN): the KL of the same Gaussian written full-rank"""
    rng = np.random.default_rng(6)
    n, r = 3, 2
    loc, L = rng.normal(size=(3, n)), np.tril(rng.normal(size=(n, n)), -1) + np.diag(rng.uniform(0.5, 2, n))
    W, d, loc2 = rng.normal(size=(n, r)), rng.uniform(0.5, 2, (2, 1, n)), rng.normal(size=(n,))
    cov = W @ W.T + d[..., None] * np.eye(n)
    D, T = tg.distributions, (lambda x: tg.tensor(x, dtype=tg.float64))
    m = D.MultivariateNormal(T(loc), scale_tril=T(L))
    pairs = [(m, D.LowRankMultivariateNormal(T(loc2), T(W), T(d))), (m, D.MultivariateNormal(T(loc2), T(cov)))]
    if order == "lowrank-mvn":
        pairs = [(q, p) for p, q in pairs]
    got, want = (D.kl_divergence(*pq) for pq in pairs)
    assert tuple(got.shape) == (2, 3)
    np.testing.assert_allclose(got.numpy(), want.numpy(), **TOL["float64"])


def test_kl_lowrank_and_full_rank_event_shapes_differ():
    m = tg.distributions.MultivariateNormal(tg.zeros(3), scale_tril=tg.eye(3))
    lr = tg.distributions.LowRankMultivariateNormal(tg.zeros(2), tg.ones(2, 1), tg.ones(2))
    for p, q in ((m, lr), (lr, m)):
        with pytest.raises(ValueError, match=r"event shapes \(3,\) and \(2,\)|event shapes \(2,\) and \(3,\)"):
            tg.distributions.kl_divergence(p, q)


# ---- Transform equality and TransformedDistribution pairs ------------------------------------------------------

def _transform_pairs(lib):
    """(a, b, equal?) for each case torch decides"""
    T = lib.distributions.transforms
    v = lib.tensor([1.0, 2.0])
    return [
        (T.ExpTransform(), T.ExpTransform(), True),
        (T.ExpTransform(), T.SigmoidTransform(), False),
        (T.TanhTransform(), T.TanhTransform(), True),
        (T.AbsTransform(), T.AbsTransform(), True),
        (T.StickBreakingTransform(), T.StickBreakingTransform(), True),
        (T.AffineTransform(1.0, 2.0), T.AffineTransform(1.0, 2.0), True),
        (T.AffineTransform(1.0, 2.0), T.AffineTransform(1.0, 3.0), False),
        (T.AffineTransform(0.0, v), T.AffineTransform(0.0, lib.tensor([1.0, 2.0])), True),
        (T.AffineTransform(0.0, v), T.AffineTransform(0.0, lib.tensor([1.0, 2.5])), False),
        (T.AffineTransform(lib.zeros(2), 2.0), T.AffineTransform(0.0, 2.0), True),  # tensor against number
        (T.PowerTransform(v), T.PowerTransform(lib.tensor([1.0, 2.0])), True),
        (T.PowerTransform(v), T.PowerTransform(lib.tensor([3.0, 2.0])), False),
        (T.ExpTransform().inv, T.ExpTransform().inv, True),
        (T.ExpTransform().inv, T.ExpTransform(), False),
        (T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, 2.0)]),
         T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, 2.0)]), True),
        (T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, 2.0)]),
         T.ComposeTransform([T.AffineTransform(0.0, 2.0), T.ExpTransform()]), False),
        (T.ComposeTransform([T.ExpTransform()]), T.ExpTransform(), False),
        (T.ExpTransform(), 1.0, False),
    ]


@pytest.mark.parametrize("i", range(len(_transform_pairs(tg))))
def test_transform_equality(i):
    (ta, tb, want), (ga, gb, _) = _transform_pairs(torch)[i], _transform_pairs(tg)[i]
    assert (ta == tb) is want  # the table is torch's answer
    assert (ga == gb) is want and (ga != gb) is (not want) and (gb == ga) is want
    if want and not isinstance(gb, float):
        assert hash(ga) == hash(gb)


def test_transform_equality_shapes_that_do_not_broadcast():
    T = tg.distributions.transforms
    assert T.AffineTransform(tg.zeros(2), 1.0) != T.AffineTransform(tg.zeros(3), 1.0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_kl_transformed_equal_transforms_is_the_bases_kl(dtype):
    rng = np.random.default_rng(11)
    loc_p, loc_q, s_p, s_q = rng.normal(size=(2, 3)), rng.normal(size=3), rng.uniform(0.5, 2, 3), rng.uniform(
        0.5, 2, (2, 1))
    scale = rng.uniform(0.5, 2, 3)
    res = {}
    for lib in (torch, tg):
        D, dt = lib.distributions, getattr(lib, dtype)
        T = lambda x: lib.tensor(x, dtype=dt)  # noqa: E731

        def make(loc, s):
            return D.TransformedDistribution(D.Normal(T(loc), T(s)), [D.transforms.ExpTransform(),
                                                                     D.transforms.AffineTransform(0.0, T(scale))])
        res[lib] = (D.kl_divergence(make(loc_p, s_p), make(loc_q, s_q)),
                    D.kl_divergence(D.LogNormal(T(loc_p), T(s_p)), D.LogNormal(T(loc_q), T(s_q))),
                    D.kl_divergence(D.Normal(T(loc_p), T(s_p)), D.Normal(T(loc_q), T(s_q))))
    for t, g in zip(res[torch], res[tg]):
        assert g.dtype == getattr(tg, dtype)
        np.testing.assert_allclose(g.numpy(), t.numpy(), **TOL[dtype])
    np.testing.assert_allclose(res[tg][0].numpy(), res[tg][2].numpy(), **TOL[dtype])


def test_kl_transformed_unequal_transforms_raise():
    D = tg.distributions
    base = D.Normal(tg.zeros(3), tg.ones(3))
    p = D.TransformedDistribution(base, [D.transforms.AffineTransform(0.0, 2.0)])
    q = D.TransformedDistribution(base, [D.transforms.AffineTransform(0.0, 3.0)])
    with pytest.raises(NotImplementedError, match="unequal transforms"):
        D.kl_divergence(p, q)
    with pytest.raises(NotImplementedError):  # LogNormal against Pareto: [Exp] against [Exp, Affine]
        D.kl_divergence(D.LogNormal(0.0, 1.0), D.Pareto(1.0, 2.0))
    with pytest.raises(NotImplementedError):  # Weibulls of different scales: their Affine parts differ
        D.kl_divergence(D.Weibull(1.0, 2.0), D.Weibull(1.5, 2.0))
    with pytest.raises(NotImplementedError):  # torch agrees
        torch.distributions.kl_divergence(torch.distributions.Weibull(1.0, 2.0), torch.distributions.Weibull(1.5, 2.0))


def test_kl_transformed_unequal_event_shapes_raise():
    D = tg.distributions
    exp = D.transforms.ExpTransform()
    p = D.TransformedDistribution(D.Normal(tg.zeros(2, 3), tg.ones(2, 3)), [exp])
    q = D.TransformedDistribution(D.Independent(D.Normal(tg.zeros(2, 3), tg.ones(2, 3)), 1), [exp])
    with pytest.raises(NotImplementedError, match="event shapes"):
        D.kl_divergence(p, q)
