"""teenygrad.distributions against torch.distributions on random parameters (twentieth landing): every family
torch has, each built from a random mix of Python numbers, 0-d tensors and tensors whose shapes broadcast against
one another, in float32 or float64; shapes, support, mean / mode / variance / stddev / entropy, seeded sample and
rsample (teenygrad reproduces torch's CPU stream), log_prob / cdf / icdf, enumerate_support and expand, with the
gradients w.r.t. the parameters of each (rsample's through a random function of the draw); log_prob, cdf and icdf
at and past the edges of the support with validation on and off; each parameter pushed off its constraint; every
registered kl_divergence pair; transforms (forward, inv, log_abs_det_jacobian, shapes, caching).

What the sweep found, each also pinned by a direct case below: Binomial.sample() of a distribution with no batch
shape and no sample shape crashed (numpy hands back a Python int for a 0-d draw); ComposeTransform(cache_size=1)
cached nothing (torch gives each part the cache, so inv of the y just produced returns the very x);
linalg.cholesky let a NaN pivot through (numpy does not fail on NaN) where torch raises, so
MultivariateNormal(validate_args=False) with a NaN covariance computed NaNs; constraints.positive_definite.check of
a non-square matrix raised from isclose where torch answers False; Gamma.rsample turned a draw past float32's range
(a rate below its normals) into NaN, not torch's inf, so NegativeBinomial(logits=100).sample() raised; Beta with a
float32 and a float64 concentration drew in float32 (torch promotes, as for its mean)."""
import random
import zlib

import numpy as np
import pytest
import torch

import teenygrad as tg

TOL = {torch.float32: dict(rtol=2e-4, atol=2e-5), torch.float64: dict(rtol=1e-6, atol=1e-8)}
GRAD = {torch.float32: dict(rtol=2e-3, atol=2e-4), torch.float64: dict(rtol=1e-6, atol=1e-8)}
# rsample's implicit gradients (the gamma family): torch's are approximations good to ~1e-4
IMPLICIT_GRAD = dict(rtol=3e-3, atol=1e-5)
IMPLICIT = {"Gamma", "Chi2", "Beta", "Dirichlet", "StudentT", "FisherSnedecor", "InverseGamma", "IndepBeta"}
# draws that are not torch's numbers: Binomial (torch's BTRS sampler is not reproduced) and Wishart (torch 2.13
# always redraws once: see Wishart.rsample)
NOT_SEEDED = {"BinomialP", "BinomialL", "Wishart", "WishartTril"}
# torch's modified Bessel functions (VonMises' moments) are polynomial fits good to ~1e-7: float32's tolerances
LOOSE = {"VonMises"}
# torch's own limits: a mixture whose batch broadcasts against its components' fails in torch's sample (gather);
# GeneralizedPareto's log_prob / cdf compare float64 parameters with a float32 zero (isclose refuses)
FIXED_BASE = {"MixNormal": (), "MixGamma": ()}
FIXED_DTYPE = {"GeneralizedPareto": np.float32}


def u(lo, hi):  # an elementwise parameter uniform in [lo, hi)
    return ("u", lo, hi)


def n(lo, hi):  # an integer count
    return ("n", lo, hi)


def v(lo, hi):  # a vector parameter (the event size k last)
    return ("v", lo, hi)


PD, TRIL, W = ("pd",), ("tril",), ("w",)  # a (k, k) covariance, its Cholesky factor, a (k, 2) low-rank factor


def _rb(D):  # torch keeps the logit-space relaxed families in their modules
    return torch.distributions.relaxed_bernoulli if D is torch.distributions else D


def _rc(D):
    return torch.distributions.relaxed_categorical if D is torch.distributions else D


FAMILIES = {  # name -> (build(D, *params), parameter specs)
    "Normal": (lambda D, a, b: D.Normal(a, b), [u(-2, 2), u(0.3, 2)]),
    "Laplace": (lambda D, a, b: D.Laplace(a, b), [u(-2, 2), u(0.3, 2)]),
    "Cauchy": (lambda D, a, b: D.Cauchy(a, b), [u(-2, 2), u(0.3, 2)]),
    "Gumbel": (lambda D, a, b: D.Gumbel(a, b), [u(-2, 2), u(0.3, 2)]),
    "LogNormal": (lambda D, a, b: D.LogNormal(a, b), [u(-1, 1), u(0.3, 1.5)]),
    "HalfNormal": (lambda D, b: D.HalfNormal(b), [u(0.3, 2)]),
    "HalfCauchy": (lambda D, b: D.HalfCauchy(b), [u(0.3, 2)]),
    "Exponential": (lambda D, b: D.Exponential(b), [u(0.3, 2)]),
    "Gamma": (lambda D, a, b: D.Gamma(a, b), [u(0.3, 4), u(0.3, 2)]),
    "Chi2": (lambda D, a: D.Chi2(a), [u(0.5, 6)]),
    "Beta": (lambda D, a, b: D.Beta(a, b), [u(0.3, 4), u(0.3, 4)]),
    "Uniform": (lambda D, a, b: D.Uniform(a, a + b), [u(-2, 1), u(0.3, 2)]),
    "StudentT": (lambda D, a, b, c: D.StudentT(a, b, c), [u(0.5, 6), u(-1, 1), u(0.3, 2)]),
    "Weibull": (lambda D, a, b: D.Weibull(a, b), [u(0.3, 2), u(0.5, 3)]),
    "Pareto": (lambda D, a, b: D.Pareto(a, b), [u(0.3, 2), u(0.5, 5)]),
    "Kumaraswamy": (lambda D, a, b: D.Kumaraswamy(a, b), [u(0.4, 3), u(0.4, 3)]),
    "InverseGamma": (lambda D, a, b: D.InverseGamma(a, b), [u(0.5, 4), u(0.3, 2)]),
    "FisherSnedecor": (lambda D, a, b: D.FisherSnedecor(a, b), [u(0.5, 8), u(0.5, 8)]),
    "GeneralizedPareto": (lambda D, a, b, c: D.GeneralizedPareto(a, b, c), [u(-1, 1), u(0.3, 2), u(-0.8, 0.8)]),
    "VonMises": (lambda D, a, b: D.VonMises(a, b), [u(-3, 3), u(0.1, 10)]),
    "Poisson": (lambda D, a: D.Poisson(a), [u(0.2, 6)]),
    "BernoulliP": (lambda D, a: D.Bernoulli(probs=a), [u(0.05, 0.95)]),
    "BernoulliL": (lambda D, a: D.Bernoulli(logits=a), [u(-3, 3)]),
    "GeometricP": (lambda D, a: D.Geometric(probs=a), [u(0.05, 0.95)]),
    "GeometricL": (lambda D, a: D.Geometric(logits=a), [u(-3, 3)]),
    "BinomialP": (lambda D, c, a: D.Binomial(c, probs=a), [n(0, 8), u(0.05, 0.95)]),
    "BinomialL": (lambda D, c, a: D.Binomial(c, logits=a), [n(0, 8), u(-3, 3)]),
    "NegBinP": (lambda D, c, a: D.NegativeBinomial(c, probs=a), [u(0.3, 6), u(0.05, 0.95)]),
    "NegBinL": (lambda D, c, a: D.NegativeBinomial(c, logits=a), [u(0.3, 6), u(-3, 3)]),
    "ContBernP": (lambda D, a: D.ContinuousBernoulli(probs=a), [u(0.05, 0.95)]),
    "ContBernL": (lambda D, a: D.ContinuousBernoulli(logits=a), [u(-3, 3)]),
    "RelaxedBernP": (lambda D, t, a: D.RelaxedBernoulli(t, probs=a), [u(0.2, 2), u(0.05, 0.95)]),
    "LogitRelaxedBernL": (lambda D, t, a: _rb(D).LogitRelaxedBernoulli(t, logits=a), [u(0.2, 2), u(-3, 3)]),
    "CategoricalP": (lambda D, a: D.Categorical(probs=a), [v(0.05, 1)]),
    "CategoricalL": (lambda D, a: D.Categorical(logits=a), [v(-3, 3)]),
    "OneHotP": (lambda D, a: D.OneHotCategorical(probs=a), [v(0.05, 1)]),
    "OneHotST": (lambda D, a: D.OneHotCategoricalStraightThrough(logits=a), [v(-3, 3)]),
    "Dirichlet": (lambda D, a: D.Dirichlet(a), [v(0.3, 4)]),
    "MultinomialP": (lambda D, a: D.Multinomial(5, probs=a), [v(0.05, 1)]),
    "MultinomialL": (lambda D, a: D.Multinomial(3, logits=a), [v(-3, 3)]),
    "RelaxedOneHotP": (lambda D, t, a: D.RelaxedOneHotCategorical(t, probs=a), [u(0.2, 2), v(0.05, 1)]),
    "ExpRelaxedCatL": (lambda D, t, a: _rc(D).ExpRelaxedCategorical(t, logits=a), [u(0.2, 2), v(-3, 3)]),
    "LogisticNormal": (lambda D, a, b: D.LogisticNormal(a, b), [v(-1, 1), v(0.3, 1.5)]),
    "MVN": (lambda D, a, c: D.MultivariateNormal(a, covariance_matrix=c), [v(-1, 1), PD]),
    "MVNtril": (lambda D, a, c: D.MultivariateNormal(a, scale_tril=c), [v(-1, 1), TRIL]),
    "MVNprec": (lambda D, a, c: D.MultivariateNormal(a, precision_matrix=c), [v(-1, 1), PD]),
    "LowRankMVN": (lambda D, a, w, d: D.LowRankMultivariateNormal(a, w, d), [v(-1, 1), W, v(0.3, 1.5)]),
    "IndepNormal": (lambda D, a, b: D.Independent(D.Normal(a, b), 1), [v(-1, 1), v(0.3, 2)]),
    "IndepBeta": (lambda D, a, b: D.Independent(D.Beta(a, b), 1), [v(0.5, 3), v(0.5, 3)]),
    "MixNormal": (lambda D, l, a, b: D.MixtureSameFamily(D.Categorical(logits=l), D.Normal(a, b)),
                  [v(-1, 1), v(-2, 2), v(0.3, 2)]),
    "MixGamma": (lambda D, p, a, b: D.MixtureSameFamily(D.Categorical(probs=p), D.Gamma(a, b)),
                 [v(0.1, 1), v(0.5, 3), v(0.3, 2)]),
    "TDExpAffine": (lambda D, a, b, c: D.TransformedDistribution(
        D.Normal(a, b), [D.transforms.ExpTransform(), D.transforms.AffineTransform(c, 2.0)]), [u(-1, 1), u(0.3, 1),
                                                                                                u(-1, 1)]),
    "TDSigmoidNeg": (lambda D, a, b, c: D.TransformedDistribution(D.Laplace(a, b), D.transforms.ComposeTransform(
        [D.transforms.SigmoidTransform(), D.transforms.AffineTransform(0.0, c)])), [u(-1, 1), u(0.3, 1), u(-2, -0.5)]),
    "TDStickBreaking": (lambda D, a, b: D.TransformedDistribution(D.Independent(D.Normal(a, b), 1),
                                                                  D.transforms.StickBreakingTransform()),
                        [v(-1, 1), v(0.3, 1)]),
    "TDTanhCached": (lambda D, a, b: D.TransformedDistribution(D.Normal(a, b),
                                                               [D.transforms.TanhTransform(cache_size=1)]),
                     [u(-1, 1), u(0.3, 1)]),
    "Wishart": (lambda D, df, c: D.Wishart(df, covariance_matrix=c), [u(4, 7), PD]),
    "WishartTril": (lambda D, df, c: D.Wishart(df, scale_tril=c), [u(4, 7), TRIL]),
    "LKJ": (lambda D, c: D.LKJCholesky(3, c), [u(0.3, 3)]),
}


def _suffix(rng, base):
    """a shape that broadcasts to base: some of its trailing dimensions, some of them 1"""
    shape = list(base[len(base) - rng.randint(0, len(base)):])
    return tuple(1 if rng.random() < 0.3 else d for d in shape)


def _dtype_of(params):
    return next((p.dtype for kind, p in params if kind != "py"), np.dtype(np.float32))


def _params(specs, seed, base=None, dtype=None, k=None):
    """[(kind, value)]: kind 'py' (a Python number), 't' (a float tensor that requires grad) or 'c' (a count);
    elementwise parameters are Python numbers, 0-d tensors or broadcasting tensors at random"""
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    base = base if base is not None else rng.choice([(), (1,), (3,), (2, 3), (2, 1, 3)])
    dtype = dtype or rng.choice([np.float32, np.float64])
    k = k or rng.choice([2, 3, 4])
    out = []
    for kind, *rest in specs:
        if kind in "un":
            lo, hi = rest
            form = rng.random()
            draw = (lambda s: nrng.uniform(lo, hi, s)) if kind == "u" else (
                lambda s: nrng.integers(lo, hi + 1, s).astype(float))
            if form < 0.15:
                out.append(("py", float(draw(()))))
            else:
                out.append(("t" if kind == "u" else "c", draw(() if form < 0.3 else _suffix(rng, base)).astype(dtype)))
        elif kind == "v":
            out.append(("t", nrng.uniform(*rest, _suffix(rng, base) + (k,)).astype(dtype)))
        elif kind == "w":
            out.append(("t", nrng.uniform(-1, 1, _suffix(rng, base) + (k, 2)).astype(dtype)))
        else:  # a positive-definite matrix or its Cholesky factor
            a = nrng.uniform(-1, 1, _suffix(rng, base) + (k, k))
            m = a @ np.swapaxes(a, -1, -2) + k * 0.5 * np.eye(k)
            out.append(("t", (np.linalg.cholesky(m) if kind == "tril" else m).astype(dtype)))
    return out


def _leaves(L, params):
    return [p if kind == "py" else L.tensor(p, requires_grad=kind == "t") for kind, p in params]


def _np(t):
    return np.asarray(t.detach().numpy())


def _close(ours, theirs, what, tol=None):
    assert tuple(ours.shape) == tuple(theirs.shape), (what, ours.shape, theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], (what, ours.dtype, theirs.dtype)
    tol = tol or TOL.get(theirs.dtype, dict(rtol=0, atol=0))
    np.testing.assert_allclose(_np(ours).astype(np.float64), _np(theirs).astype(np.float64), equal_nan=True,
                               err_msg=what, **tol)


def _same_grads(ours, theirs, tg_leaves, th_leaves, what, seed, tol=None):
    """d sum(w * out) / d parameter for random weights w on the entries where torch's out is finite"""
    pairs = [(a, b) for a, b in zip(tg_leaves, th_leaves) if isinstance(b, torch.Tensor) and b.requires_grad]
    t_np = _np(theirs)
    finite = np.isfinite(t_np)
    if not theirs.requires_grad or not pairs or not finite.any():
        return
    w = (np.random.default_rng(seed).uniform(0.5, 1.5, t_np.shape) * finite).astype(t_np.dtype)
    try:
        want = torch.autograd.grad((theirs.masked_fill(~torch.tensor(finite), 0) * torch.tensor(w)).sum(),
                                   [b for _, b in pairs], allow_unused=True, retain_graph=True)
    except NotImplementedError:  # torch has no derivative of igamma w.r.t. its first argument (Gamma's cdf)
        return
    assert ours.requires_grad, what
    got = tg.autograd.grad((ours.masked_fill(tg.tensor(~finite), 0) * tg.tensor(w)).sum(), [a for a, _ in pairs],
                           allow_unused=True, retain_graph=True)
    for i, (g, t) in enumerate(zip(got, want)):
        if t is None or g is None:
            assert (g is None or not _np(g).any()) and (t is None or not t.numpy().any()), (what, i)
            continue
        _close(g, t, f"{what}: d/d parameter {i}", tol or GRAD[t.dtype])


def _both(fn_torch, fn_tg, what):
    """(ours, theirs), or None where torch refuses (then teenygrad must refuse with the same kind of error)"""
    try:
        theirs = fn_torch()
    except (NotImplementedError, ValueError, RuntimeError) as e:
        kind = NotImplementedError if isinstance(e, NotImplementedError) else (ValueError, RuntimeError)
        with pytest.raises(kind):
            fn_tg()
        return None
    return fn_tg(), theirs


def _build(name, params):
    build = FAMILIES[name][0]
    t_leaves, g_leaves = _leaves(torch, params), _leaves(tg, params)
    return build(torch.distributions, *t_leaves), build(tg.distributions, *g_leaves), t_leaves, g_leaves


def _seed(name, salt=0):
    return zlib.crc32(name.encode()) % 10000 + salt


@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_matches_torch(name):
    seed = _seed(name)
    params = _params(FAMILIES[name][1], seed, FIXED_BASE.get(name), FIXED_DTYPE.get(name))
    theirs, ours, t_leaves, g_leaves = _build(name, params)
    assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == tuple(theirs.event_shape)
    assert (ours.has_rsample, ours.has_enumerate_support) == (theirs.has_rsample, theirs.has_enumerate_support)
    s_ours, s_theirs = ours.support, theirs.support
    assert type(s_ours).__name__.lstrip("_") == type(s_theirs).__name__.lstrip("_")
    assert (s_ours.event_dim, s_ours.is_discrete) == (s_theirs.event_dim, s_theirs.is_discrete)

    def compare(what, fn, grad=True, tol=None, grad_tol=None):
        if name in LOOSE:
            tol, grad_tol = tol or TOL[torch.float32], grad_tol or GRAD[torch.float32]
        got = _both(lambda: fn(theirs), lambda: fn(ours), what)
        if got is not None:
            _close(*got, what, tol)
            if grad:
                _same_grads(*got, g_leaves, t_leaves, what, seed, grad_tol)
        return got

    for prop in ("mean", "mode", "variance", "stddev"):
        compare(prop, lambda d: getattr(d, prop))
    compare("entropy", lambda d: d.entropy())
    sample_shape = random.Random(seed).choice([(), (2,), (3, 1)])

    def draw(method):
        def fn(d):
            (torch if d is theirs else tg).manual_seed(seed)
            return getattr(d, method)(sample_shape)
        return fn
    if name not in NOT_SEEDED:
        compare("sample", draw("sample"), grad=False)
        if theirs.has_rsample:
            compare("rsample", lambda d: draw("rsample")(d).tanh(),
                    grad_tol=IMPLICIT_GRAD if name in IMPLICIT else None)
    torch.manual_seed(seed)
    value = theirs.sample(sample_shape)
    compare("log_prob", lambda d: d.log_prob(value if d is theirs else tg.tensor(value.numpy())),
            tol=dict(rtol=5 * TOL[value.dtype]["rtol"], atol=5 * TOL[value.dtype]["atol"]) if value.is_floating_point()
            else None)
    if not theirs.event_shape:
        if not theirs.support.is_discrete:
            compare("cdf", lambda d: d.cdf(value if d is theirs else tg.tensor(value.numpy())))
        q = np.random.default_rng(seed).uniform(0.02, 0.98, tuple(theirs.batch_shape))
        q = q.astype(_dtype_of(params))
        compare("icdf", lambda d: d.icdf(torch.tensor(q) if d is theirs else tg.tensor(q)))
    if theirs.has_enumerate_support:
        for expand in (True, False):
            compare(f"enumerate_support({expand})", lambda d: d.enumerate_support(expand), grad=False)
    big = (2,) + tuple(theirs.batch_shape)
    e_theirs, e_ours = theirs.expand(big), ours.expand(big)
    assert e_ours.batch_shape == tuple(e_theirs.batch_shape) and type(e_ours) is type(ours)
    for prop in ("mean", "variance"):
        got = _both(lambda: getattr(e_theirs, prop), lambda: getattr(e_ours, prop), "expand " + prop)
        if got is not None:
            _close(*got, "expand " + prop, TOL[torch.float32] if name in LOOSE else None)
    value = e_theirs.sample()
    got = _both(lambda: e_theirs.log_prob(value), lambda: e_ours.log_prob(tg.tensor(value.numpy())), "expand log_prob")
    if got is not None:
        _close(*got, "expand log_prob", dict(rtol=1e-3, atol=1e-4))


SPECIAL = [-1.0, 0.0, 1e-30, 0.5, 1.0, 2.0, 3.0, float("inf"), -float("inf"), 1 - 1e-7]
ELEMENTWISE = [n for n, (_, specs) in FAMILIES.items() if all(s[0] in "un" for s in specs) and n != "LKJ"]


@pytest.mark.parametrize("validate", [True, False])
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_edges_of_the_support(name, validate):
    """log_prob and cdf at and past the support's edges (refused alike when validating), icdf at 0 and 1, and
    support.check"""
    seed = _seed(name, 1)
    params = _params(FAMILIES[name][1], seed, (3,), FIXED_DTYPE.get(name))
    rng = np.random.default_rng(seed)
    tg.distributions.Distribution.set_default_validate_args(validate)
    torch.distributions.Distribution.set_default_validate_args(validate)
    try:
        theirs, ours, _, _ = _build(name, params)
        dtype = _dtype_of(params)
        shape = (4,) + tuple(theirs.batch_shape)
        x = rng.choice(SPECIAL, shape).astype(dtype)
        methods = ["log_prob"] + ([] if theirs.support.is_discrete else ["cdf"])
        for m in methods:
            got = _both(lambda: getattr(theirs, m)(torch.tensor(x)), lambda: getattr(ours, m)(tg.tensor(x)), m)
            if got is not None:
                _close(*got, f"{m} at {x.ravel()}", dict(rtol=1e-4, atol=1e-5))
        q = rng.choice([0.0, 1.0, 0.5, 1e-6], shape).astype(dtype)
        got = _both(lambda: theirs.icdf(torch.tensor(q)), lambda: ours.icdf(tg.tensor(q)), "icdf")
        if got is not None:
            _close(*got, f"icdf at {q.ravel()}", dict(rtol=1e-4, atol=1e-5))
        np.testing.assert_array_equal(ours.support.check(tg.tensor(x)).numpy(), theirs.support.check(torch.tensor(x)))
    finally:
        tg.distributions.Distribution.set_default_validate_args(True)
        torch.distributions.Distribution.set_default_validate_args(True)


# torch names another parameter (the one of a family it is built on: FisherSnedecor's Gamma's concentration) or
# fails in cholesky before validating (LowRankMultivariateNormal): teenygrad's ValueError names the parameter
NAMES_ITS_OWN = {"FisherSnedecor", "LowRankMVN"}


@pytest.mark.parametrize("name", [n for n in FAMILIES if n not in NAMES_ITS_OWN])
def test_parameter_off_its_constraint(name):
    """one entry of one parameter made NaN, -1, 0, 1.5 or inf: refused alike, a ValueError naming the parameter"""
    rng = random.Random(_seed(name, 2))
    for trial in range(3):
        params = _params(FAMILIES[name][1], _seed(name, 3 + trial), base=(3,))
        i = rng.randrange(len(params))
        kind, p = params[i]
        bad = rng.choice([-1.0, 0.0, float("nan"), 1.5, float("inf")])
        if kind == "py":
            params[i] = ("py", bad)
        else:
            p = p.copy()
            p.flat[rng.randrange(p.size)] = bad
            params[i] = (kind, p)
        try:
            _build(name, params)
        except (ValueError, RuntimeError) as e:  # torch refuses it: so must teenygrad
            kind = ValueError if isinstance(e, ValueError) else RuntimeError
            named = str(e).split("Expected parameter ")[1].split()[0] if "Expected parameter" in str(e) else ""
            with pytest.raises(kind, match=named):
                FAMILIES[name][0](tg.distributions, *_leaves(tg, params))
        else:
            FAMILIES[name][0](tg.distributions, *_leaves(tg, params))


def _kl_families():
    by_class = {}
    for name, (build, specs) in FAMILIES.items():
        d = build(torch.distributions, *_leaves(torch, _params(specs, 0, base=(3,), dtype=np.float64)))
        by_class.setdefault(type(d).__name__, []).append(name)
    return by_class


KL_FAMILIES = _kl_families()
KL_PAIRS = sorted((a.__name__, b.__name__) for a, b in tg.distributions.kl._KL_REGISTRY
                  if a.__name__ in KL_FAMILIES and b.__name__ in KL_FAMILIES)


@pytest.mark.parametrize("pair", KL_PAIRS, ids="-".join)
def test_kl_divergence(pair):
    """random p and q of each registered pair, parameters that broadcast between them too: value and gradients"""
    seed = _seed("".join(pair))
    rng = random.Random(seed)
    p_name, q_name = rng.choice(KL_FAMILIES[pair[0]]), rng.choice(KL_FAMILIES[pair[1]])
    base, dtype, k = rng.choice([(), (3,), (2, 3)]), rng.choice([np.float32, np.float64]), rng.choice([2, 3])
    p_params = _params(FAMILIES[p_name][1], seed, base, dtype, k)
    q_params = _params(FAMILIES[q_name][1], seed + 1, base, dtype, k)
    p_t, p_g, pt_leaves, pg_leaves = _build(p_name, p_params)
    q_t, q_g, qt_leaves, qg_leaves = _build(q_name, q_params)
    try:
        torch.distributions.kl_divergence(p_t, q_t)
    except IndexError:  # torch's masks do not broadcast (Beta-Uniform, Uniform-Gamma, ...): compare at one shape
        shape = torch.broadcast_shapes(p_t.batch_shape, q_t.batch_shape)
        p_t, q_t, p_g, q_g = p_t.expand(shape), q_t.expand(shape), p_g.expand(shape), q_g.expand(shape)
    except (NotImplementedError, ValueError, RuntimeError):
        pass  # refused: _both checks that teenygrad refuses too
    got = _both(lambda: torch.distributions.kl_divergence(p_t, q_t),
                lambda: tg.distributions.kl_divergence(p_g, q_g), "kl")
    if got is not None:
        _close(*got, "kl", dict(rtol=1e-4, atol=1e-5))
        _same_grads(*got, pg_leaves + qg_leaves, pt_leaves + qt_leaves, "kl", seed)


def _transforms(L, rng):
    T, D = L.distributions.transforms, L.distributions
    loc, scale = L.tensor(rng.uniform(-1, 1, (3,))), L.tensor(rng.uniform(0.5, 2, (2, 3)) * rng.choice([-1, 1]))
    return {  # name -> (transform, kind of input)
        "Affine": (T.AffineTransform(loc, scale), "real"),
        "AffineEvent": (T.AffineTransform(loc, scale, event_dim=1), "real"),
        "PowerNeg": (T.PowerTransform(-L.tensor(rng.uniform(0.5, 3, (3,)))), "pos"),
        "Softplus": (T.SoftplusTransform(), "real"),
        "StickBreaking": (T.StickBreakingTransform(), "real"),
        "LowerCholesky": (T.LowerCholeskyTransform(), "square"),
        "PositiveDefinite": (T.PositiveDefiniteTransform(), "square"),
        "CorrCholesky": (T.CorrCholeskyTransform(), "real"),
        "Independent": (T.IndependentTransform(T.ExpTransform(), 1), "real"),
        "Reshape": (T.ReshapeTransform((3,), (3, 1)), "real"),
        "ComposeEvent": (T.ComposeTransform([T.AffineTransform(loc, scale, event_dim=1), T.StickBreakingTransform()]),
                         "real"),
        "ComposeCached": (T.ComposeTransform([T.AffineTransform(loc, scale, event_dim=1),
                                              T.StickBreakingTransform()], cache_size=1), "real"),
        "InvSigmoid": (T.SigmoidTransform().inv, "unit"),
        "Cat": (T.CatTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)], dim=-1, lengths=[1, 2]), "real"),
        "Stack": (T.StackTransform([T.ExpTransform(), T.SigmoidTransform(), T.TanhTransform()], dim=-1), "real"),
        "CDF": (T.CumulativeDistributionTransform(D.Normal(loc, 1.0)), "real"),
    }


@pytest.mark.parametrize("name", list(_transforms(torch, np.random.default_rng(0))))
def test_transform(name):
    """forward, log_abs_det_jacobian and inv (of a fresh y and of the y just produced) with their gradients,
    forward_shape / inverse_shape, domain / codomain, and with_cache"""
    seed = _seed(name)
    t_th, kind = _transforms(torch, np.random.default_rng(seed))[name]
    t_tg = _transforms(tg, np.random.default_rng(seed))[name][0]
    rng = np.random.default_rng(seed + 1)
    shape = (2, 3) if kind != "square" else (2, 3, 3)
    x = {"real": lambda: rng.uniform(-2, 2, shape), "pos": lambda: rng.uniform(0.2, 3, shape),
         "unit": lambda: rng.uniform(0.05, 0.95, shape), "square": lambda: rng.uniform(-1, 1, shape)}[kind]()
    for attr in ("domain", "codomain"):
        a, b = getattr(t_tg, attr), getattr(t_th, attr)
        assert type(a).__name__.lstrip("_") == type(b).__name__.lstrip("_") and a.event_dim == b.event_dim, attr
    assert t_tg.bijective == t_th.bijective
    for sh in (shape, (4,) + shape):
        assert tuple(t_tg.forward_shape(sh)) == tuple(t_th.forward_shape(torch.Size(sh)))
        y_shape = tuple(t_th.forward_shape(torch.Size(sh)))
        assert tuple(t_tg.inverse_shape(y_shape)) == tuple(t_th.inverse_shape(torch.Size(y_shape)))
    xt, xg = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    yt, yg = t_th(xt), t_tg(xg)
    _close(yg, yt, "forward")
    _same_grads(yg, yt, [xg], [xt], "forward", seed)
    got = _both(lambda: t_th.log_abs_det_jacobian(xt, yt), lambda: t_tg.log_abs_det_jacobian(xg, yg), "ladj")
    if got is not None:
        _close(*got, "log_abs_det_jacobian")
        _same_grads(*got, [xg], [xt], "log_abs_det_jacobian", seed)
    _close(t_tg.inv(yg), t_th.inv(yt), "inv of the y just produced", dict(rtol=1e-6, atol=1e-6))
    y = yt.detach().numpy()
    yt, yg = torch.tensor(y, requires_grad=True), tg.tensor(y, requires_grad=True)
    it, ig = t_th.inv(yt), t_tg.inv(yg)
    _close(ig, it, "inv", dict(rtol=1e-5, atol=1e-6))
    _same_grads(ig, it, [yg], [yt], "inv", seed, dict(rtol=1e-4, atol=1e-5))
    ct, cg = t_th.with_cache(1), t_tg.with_cache(1)
    yt, yg = ct(torch.tensor(x)), cg(tg.tensor(x))
    _close(cg.inv(yg), ct.inv(yt), "cached inv", dict(rtol=1e-6, atol=1e-6))


# ---- the findings, one direct case each ------------------------------------------------------------------------
def test_binomial_sample_with_no_batch_and_no_sample_shape():
    """numpy's binomial answers a 0-d draw with a Python int: sample() crashed with AttributeError"""
    for dtype in ("float32", "float64"):
        for L in (torch, tg):
            probs = L.tensor(0.3, dtype=getattr(L, dtype)) if dtype == "float64" else 0.3  # a number: float32
            x = L.distributions.Binomial(3.0, probs=probs).sample()
            assert tuple(x.shape) == () and str(x.dtype).endswith(dtype) and x.item() in (0, 1, 2, 3)


def test_compose_transform_cache_reaches_its_parts():
    """ComposeTransform(parts, cache_size=1): each part caches (as torch's), so inv of the y just produced is the
    very x, whatever the parts' broadcasting (here x (3,) gives y (2, 4))"""
    for L in (torch, tg):
        T = L.distributions.transforms
        affine = T.AffineTransform(L.tensor([0.5, 1.0, 2.0]), L.tensor([[1.0, 2.0, 3.0], [2.0, 1.0, 0.5]]), event_dim=1)
        t = T.ComposeTransform([affine, T.StickBreakingTransform()], cache_size=1)
        assert [p._cache_size for p in t.parts] == [1, 1]
        x = L.tensor([0.1, 0.2, 0.3])
        y = t(x)
        assert tuple(y.shape) == (2, 4) and t.inv(y) is x
        assert t.parts[0](x) is t.parts[0](x)  # the part's own cache
    # a TransformedDistribution through a cached composition scores its own draws at the draw's very x: tanh's
    # inverse of a draw near +-1 loses digits that the cache keeps
    got = []
    for L in (torch, tg):
        D, T = L.distributions, L.distributions.transforms
        squash = T.ComposeTransform([T.TanhTransform(), T.AffineTransform(0.0, 2.0)], cache_size=1)
        d = D.TransformedDistribution(D.Normal(L.tensor([0.0, 3.0, -4.0]), 0.5), squash)
        L.manual_seed(0)
        y = d.rsample((4,))
        got.append(_np(d.log_prob(y)))
    np.testing.assert_allclose(got[1], got[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("where", [(0, 0), (1, 1)])
def test_cholesky_refuses_a_nan_pivot(where):
    """numpy factors a matrix with NaN on its diagonal without complaint; torch's LAPACK stops at that leading minor"""
    a = np.array([[[2.0, 0.5], [0.5, 1.0]], [[1.0, 0.0], [0.0, 1.0]]])
    a[1][where] = np.nan
    for L in (torch, tg):
        with pytest.raises(RuntimeError, match=rf"Batch element 1.*order {where[0] + 1}"):
            L.linalg.cholesky(L.tensor(a))
    np.testing.assert_array_equal(tg.linalg.cholesky_ex(tg.tensor(a)).info.numpy(),
                                  torch.linalg.cholesky_ex(torch.tensor(a)).info.numpy())
    for L in (torch, tg):  # without validation the distribution reaches the factorization, which refuses
        with pytest.raises(RuntimeError, match="positive-definite"):
            L.distributions.MultivariateNormal(L.zeros(2), covariance_matrix=L.tensor(a[1]), validate_args=False)


def test_positive_definite_check_of_a_non_square_matrix():
    """torch answers False (not square, so not symmetric); isclose(value, value.mT) raised here"""
    x = np.ones((4, 2, 3))
    for C, L in ((torch.distributions.constraints, torch), (tg.distributions.constraints, tg)):
        for c in (C.positive_definite, C.positive_semidefinite, C.symmetric):
            assert c.check(L.tensor(x)).tolist() == [False] * 4
    assert tg.distributions.constraints.positive_definite.check(tg.eye(3).expand(2, 3, 3)).tolist() == [True] * 2


def test_gamma_draw_past_float32_range_is_inf():
    """a rate below float32's normals sends x = z / rate to inf: kept inf as torch's in-place clamp keeps it (the
    clamp written as x + (clamped - x) made it inf - inf = NaN), and NegativeBinomial(logits=100)'s Poisson draw
    from it no longer refuses the rate as negative"""
    got = []
    for L in (torch, tg):
        c = L.tensor([2.0, 1.0, 1e-3], requires_grad=True)
        L.manual_seed(0)
        x = L.distributions.Gamma(c, L.tensor([3.7835e-44, 9.3576e-14, 1.0])).rsample((2,))
        grad, = L.autograd.grad(x[:, 1:].sum(), [c])
        L.manual_seed(0)
        counts = L.distributions.NegativeBinomial(L.tensor([2.0, 1.0]), logits=L.tensor([100.0, 30.0])).sample((2,))
        got.append([_np(x), _np(grad), _np(counts)])
    assert np.isinf(got[1][0][:, 0]).all()
    for ours, theirs in zip(got[1], got[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_beta_draw_of_mixed_dtype_concentrations_is_promoted():
    """Beta(float32, float64): torch stacks the two (promoting), so its draws are float64 like its mean; they were
    drawn in the first concentration's float32"""
    got = []
    for L in (torch, tg):
        a, b = L.tensor([0.5, 2.0], requires_grad=True), L.tensor([1.5, 3.0], dtype=L.float64, requires_grad=True)
        d = L.distributions.Beta(a, b)
        L.manual_seed(0)
        x = d.rsample((3,))
        L.manual_seed(0)
        s = d.sample((3,))
        got.append([x, s, *L.autograd.grad(x.sum(), [a, b])])
    for ours, theirs in zip(got[1], got[0]):
        _close(ours, theirs, "beta", dict(rtol=1e-3, atol=1e-6))
