"""torch's rejection samplers, bit for bit: _standard_gamma, _sample_dirichlet and poisson on the CPU, and the
distributions drawing from them (Gamma, Chi2, Beta, Dirichlet, Poisson). Each check also draws after the sampler
(torch.rand, and a float64 randn whose value may be the Box-Muller normal the sampler left over), so the
generator's position and cached normal must match too. teenygrad has no torch._standard_gamma or torch.poisson
function: its Generator's gamma / dirichlet / poisson methods are compared with them."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.random import _row_sum, default_generator

from test_torch_rng import same

SEEDS = [0, 42, 2147483647, 2 ** 40 + 7, -5]
ALPHAS = [0.01, 0.3, 1.0, 2.5, 50.0, "mix"]
RATES = [0.0, 0.5, 3.0, 9.99, 10.0, 12.0, 1000.0, "mix"]


def _values(v, n, dtype, seed, high):
    """n values of dtype: all v, or ("mix") uniform on [0, high) with some exact zeros"""
    if v != "mix":
        return np.full(n, v, dtype)
    a = np.random.default_rng(seed % 1000).uniform(0, high, n)
    a[::13] = 0
    return a.astype(dtype)


def _after(L):
    """draws after a sampler: they show the generator's position and its cached Box-Muller normal"""
    return np.concatenate([L.rand(3, dtype=L.float64).numpy(), L.randn(1, dtype=L.float64).numpy()])


def _both(torch_fn, tg_fn, seed):
    out = []
    for L, fn in ((torch, torch_fn), (tg, tg_fn)):
        L.manual_seed(seed)
        L.randn(1, dtype=L.float64)  # leaves a cached normal the samplers' first normal draw takes
        v = fn()
        out.append((np.ascontiguousarray(v.numpy() if hasattr(v, "numpy") else v), _after(L)))
    (t, ta), (g, ga) = out
    same(t, g)
    same(ta, ga)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("n", [1, 7, 100, 10000])
def test_standard_gamma(n, alpha, dtype):
    for seed in SEEDS[:2] if n == 10000 else SEEDS:
        a = _values(alpha, n, dtype, seed, 5.0)
        _both(lambda: torch._standard_gamma(torch.from_numpy(a)), lambda: default_generator.gamma(a).astype(dtype),
              seed)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("n", [1, 7, 100, 10000])
def test_poisson(n, rate, dtype):
    for seed in SEEDS[:2] if n == 10000 else SEEDS:
        r = _values(rate, n, dtype, seed, 30.0)
        _both(lambda: torch.poisson(torch.from_numpy(r)), lambda: default_generator.poisson(r).astype(dtype), seed)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(2,), (1, 2), (7, 2), (50, 5), (10, 8), (4, 33), (3, 100), (2000, 3)])
def test_sample_dirichlet(shape, dtype):
    for seed in SEEDS[:3]:
        rng = np.random.default_rng(seed % 1000)
        a = (rng.uniform(0.005, 5, shape) * rng.choice([1, 0.01, 20], shape)).astype(dtype)
        _both(lambda: torch._sample_dirichlet(torch.from_numpy(a)), lambda: default_generator.dirichlet(a), seed)


def test_row_sum_is_torchs():
    """the double row sums Dirichlet divides by, added in torch's order (values spread over 16 decades)"""
    rng = np.random.default_rng(0)
    for k in list(range(1, 70)) + [127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 4096, 5000]:
        g = rng.gamma(0.3, size=(3, k)) * 10.0 ** rng.integers(-8, 8, (3, k))
        same(torch.from_numpy(g).sum(-1, keepdim=True), _row_sum(g))


def test_explicit_generator():
    a = np.array([0.2, 1.0, 3.0, 0.05] * 5, np.float32)
    r = np.array([0.0, 2.0, 15.0, 400.0] * 5)
    tgen, ggen = torch.Generator().manual_seed(9), tg.Generator().manual_seed(9)
    same(torch._standard_gamma(torch.from_numpy(a), generator=tgen), ggen.gamma(a).astype(np.float32))
    same(torch.poisson(torch.from_numpy(r), generator=tgen), ggen.poisson(r))
    same(torch.rand(5, generator=tgen), ggen.uniform(5, np.dtype(np.float32)))


def test_edge_values():
    tg.manual_seed(0)
    before = default_generator.get_state()
    g = default_generator.gamma(np.zeros(3, np.float32))
    assert np.all(g == np.finfo(np.float32).tiny)  # as torch: no draw, the smallest normal float
    assert np.all(default_generator.poisson(np.zeros(4)) == 0)
    assert default_generator.get_state().equal(before)
    with pytest.raises(RuntimeError, match="non-negative"):
        default_generator.poisson(np.array([1.0, -1.0]))
    assert np.isnan(default_generator.gamma(np.array([np.nan, -1.0]))).all()  # torch loops forever on these


# ---- the distributions -----------------------------------------------------------------------------------
SHAPES = [(), (1,), (5,), (2, 7)]


def _params(dtype, seed):
    rng = np.random.default_rng(seed % 1000)
    return (rng.uniform(0.005, 4, (3, 4)).astype(dtype), rng.uniform(0.2, 3, (4,)).astype(dtype),
            rng.uniform(0, 25, (3, 4)).astype(dtype))


FAMILIES = {
    "Gamma": lambda L, c, r, lam, grad: L.distributions.Gamma(L.tensor(c, requires_grad=grad), L.tensor(r)),
    "Gamma_numbers": lambda L, c, r, lam, grad: L.distributions.Gamma(0.01, 2.0),
    "Chi2": lambda L, c, r, lam, grad: L.distributions.Chi2(L.tensor(c, requires_grad=grad)),
    "Beta": lambda L, c, r, lam, grad: L.distributions.Beta(L.tensor(c, requires_grad=grad), L.tensor(r)),
    "Beta_numbers": lambda L, c, r, lam, grad: L.distributions.Beta(0.3, 2.0),
    "Dirichlet": lambda L, c, r, lam, grad: L.distributions.Dirichlet(L.tensor(c, requires_grad=grad)),
    "Poisson": lambda L, c, r, lam, grad: L.distributions.Poisson(L.tensor(lam)),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("family", list(FAMILIES))
def test_distribution_sample(family, dtype):
    for seed in SEEDS[:3]:
        c, r, lam = _params(dtype, seed)
        for shape in SHAPES:
            methods = ["sample"] + (["rsample"] if family != "Poisson" else [])
            for method in methods:
                grad = method == "rsample"
                outs = []
                for L in (torch, tg):
                    d = FAMILIES[family](L, c, r, lam, grad)
                    L.manual_seed(seed)
                    x = getattr(d, method)(shape)
                    assert x.requires_grad == (grad and not family.endswith("numbers"))
                    assert tuple(x.shape) == tuple(shape) + tuple(d.batch_shape) + tuple(d.event_shape)
                    outs.append((x.detach(), _after(L)))
                (t, ta), (g, ga) = outs
                same(t, g)
                same(ta, ga)


def test_expanded_distributions_sample():
    for name, make in [("Chi2", lambda L: L.distributions.Chi2(L.tensor([1.0, 3.0]))),
                       ("Dirichlet", lambda L: L.distributions.Dirichlet(L.tensor([0.5, 1.0, 4.0]))),
                       ("Poisson", lambda L: L.distributions.Poisson(L.tensor([0.5, 30.0])))]:
        outs = []
        for L in (torch, tg):
            d = make(L)
            e = d.expand((4,) + tuple(d.batch_shape))
            L.manual_seed(1)
            outs.append(e.sample((3,)))
            assert tuple(e.batch_shape) == (4,) + tuple(d.batch_shape), name
        same(*outs)


def test_new_families_match_torch():
    """log_prob, entropy and the moments of Chi2, Dirichlet and Poisson"""
    c = np.array([[0.5, 1.5, 3.0], [0.2, 0.3, 0.9], [2.0, 2.0, 5.0]], np.float32)
    v = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]], np.float32)
    counts = np.array([[0.0, 3.0, 7.0], [1.0, 0.0, 25.0], [4.0, 4.0, 4.0]], np.float32)
    rates = np.array([[0.5, 0.0, 6.0], [2.0, 1.0, 20.0], [0.1, 4.0, 3.0]], np.float32)
    for attr in ["mean", "variance", "mode", "entropy", "log_prob"]:
        for make, value in [(lambda L: L.distributions.Chi2(L.tensor(c)), c),
                            (lambda L: L.distributions.Dirichlet(L.tensor(c)), v),
                            (lambda L: L.distributions.Poisson(L.tensor(rates)), counts)]:
            outs = []
            for L in (torch, tg):
                d = make(L)
                if attr == "entropy" and isinstance(d, L.distributions.Poisson):
                    continue
                a = getattr(d, attr)
                outs.append((a(L.tensor(value)) if attr == "log_prob" else a() if callable(a) else a).detach().numpy())
            if outs:
                np.testing.assert_allclose(outs[1], outs[0], rtol=2e-5, atol=1e-6, err_msg=f"{attr} {type(d)}")


def test_dirichlet_rsample_gradient_is_unbiased():
    """the mean over draws of d (w . x) / d concentration is d (w . mean) / d concentration"""
    D, n = tg.distributions, 40000
    c0, w = np.array([0.5, 2.0, 8.0]), np.array([1.0, -2.0, 0.5])
    c = tg.tensor(np.tile(c0, (n, 1)), requires_grad=True)
    tg.manual_seed(0)
    (D.Dirichlet(c).rsample() * tg.tensor(w)).sum().backward()
    c1 = tg.tensor(c0, requires_grad=True)
    (D.Dirichlet(c1).mean * tg.tensor(w)).sum().backward()
    g = c.grad.numpy()
    assert np.all(np.abs(g.mean(0) - c1.grad.numpy()) < 5 * g.std(0) / np.sqrt(n)), (g.mean(0), c1.grad.numpy())


def test_poisson_nan_rate_raises_and_dirichlet_mode_is_quiet():
    import warnings
    for lib in (tg, torch):
        with pytest.raises(RuntimeError, match="invalid Poisson rate"):
            lib.poisson(lib.tensor([float("nan"), 1.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a zero total: torch's nan, without numpy's warning
        mode = tg.distributions.Dirichlet(tg.tensor([1.0, 0.5])).mode.numpy()
    np.testing.assert_array_equal(mode, torch.distributions.Dirichlet(torch.tensor([1.0, 0.5])).mode.numpy())
