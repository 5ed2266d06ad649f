"""teenygrad's CPU random numbers are torch's: the same seed (default generator or an explicit Generator) gives
bit-identical values from every sampler, fill, dropout, sampler and distribution, and the stream continues
identically from call to call (stream position and the cached second Box-Muller normal). Compared bitwise
(np.array_equal on the raw bits) unless a comment says otherwise."""
import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.nn.functional as TF
import torch.nn.functional as F

SEEDS = [0, 42, 1337, 2147483647, 2 ** 40 + 7, -5]
SIZES = [0, 1, 2, 1000, 30000]
FLOATS = ["float32", "float64"]


def _np(x):
    """A torch or teenygrad tensor (or a list) as a numpy array (bfloat16 through float32: exact)."""
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return x.float().numpy() if x.dtype == torch.bfloat16 else x.numpy()
    if isinstance(x, tg.Tensor):
        a = x.detach().numpy()
        return a.astype(np.float32) if a.dtype.name == "bfloat16" else a
    return np.asarray(x)


def same(t, g):
    """torch's t and teenygrad's g are the same values bit for bit, in the same shape and dtype."""
    a, b = _np(t), _np(g)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    if a.dtype.kind == "f":  # bitwise: -0.0 vs 0.0 and different nans count as different
        a, b = a.view(f"u{a.dtype.itemsize}"), b.view(f"u{b.dtype.itemsize}")
    diff = np.flatnonzero(a.ravel() != b.ravel())
    assert diff.size == 0, f"{diff.size} of {a.size} differ, first at {diff[0]}: {a.ravel()[diff[0]]} vs " \
                           f"{b.ravel()[diff[0]]}"


def both(fn, seed):
    """fn(lib) under lib.manual_seed(seed), for torch and teenygrad."""
    out = []
    for lib in (torch, tg):
        lib.manual_seed(seed)
        out.append(fn(lib))
    return out


def check(fn, seed):
    t, g = both(fn, seed)
    same(t, g)


def ulps(a, b):
    """Largest distance in units in the last place between two float arrays of the same dtype."""
    a, b = _np(a), _np(b)
    i = f"i{a.dtype.itemsize}"
    ai, bi = a.view(i).astype(np.int64), b.view(i).astype(np.int64)
    ai, bi = np.where(ai < 0, np.iinfo(i).min - ai, ai), np.where(bi < 0, np.iinfo(i).min - bi, bi)
    return int(np.abs(ai - bi).max()) if a.size else 0


# ---- creation ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", ["rand", "randn"])
def test_rand_randn(op, dtype, n, seed):
    check(lambda L: getattr(L, op)(n, dtype=getattr(L, dtype)), seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(), (3, 5), (16,), (17,), (31,), (4, 4), (2, 3, 7), (100003,), (0, 4)])
@pytest.mark.parametrize("op", ["rand", "randn"])
def test_rand_randn_shapes(op, shape, seed):
    check(lambda L: getattr(L, op)(shape), seed)


@pytest.mark.parametrize("n", [4096, 65553])
def test_randn_float32_kernel_and_numpy_paths(kernels, n):
    # large float32 randn runs the Box-Muller pass in numba when the kernels are on: both paths are torch's bits
    check(lambda L: L.cat([L.randn(n), L.randn(17)]), 1337)  # a whole block, then the next call's redrawn tail


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("bounds", [(0, 10), (-7, 3), (0, 20000), (0, 2 ** 32), (-2 ** 40, 2 ** 40 + 3),
                                    (0, 2 ** 63 - 1)])
def test_randint(bounds, n, seed):
    check(lambda L: L.randint(*bounds, (n,)), seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_randperm(n, seed):
    check(lambda L: L.randperm(n), seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_like(dtype, seed):
    def fn(L):
        x = L.zeros(3, 40, dtype=getattr(L, dtype))
        return L.cat([L.rand_like(x), L.randn_like(x), L.randint_like(x, 9), L.randint_like(x, -4, 100)])
    check(fn, seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("form", ["floats", "tensor_mean", "tensor_std", "both_tensors", "small"])
def test_normal_forms(form, seed):
    mean_np = np.linspace(-3, 3, 40, dtype=np.float32).reshape(2, 20)
    std_np = np.linspace(0.1, 2, 40, dtype=np.float32).reshape(2, 20)

    def fn(L):
        mean, std = L.tensor(mean_np), L.tensor(std_np)
        if form == "floats":
            return L.normal(2.0, 3.0, size=(5, 7))
        if form == "tensor_mean":
            return L.normal(mean, 0.5)
        if form == "tensor_std":
            return L.normal(1.5, std)
        if form == "both_tensors":
            return L.normal(mean, std)
        return L.normal(mean[:, :3], std[:, :3])  # 6 values: the double Box-Muller pairs
    check(fn, seed)


# ---- in-place fills ------------------------------------------------------------------------------------
SHAPES = [(0,), (), (5,), (16,), (17,), (31,), (100003,), (3, 4, 5)]
LAYOUTS = {
    "contig": lambda L, s, d: L.empty(s, dtype=d),
    "transposed": lambda L, s, d: L.empty(s[::-1], dtype=d).permute(*reversed(range(len(s)))),
    "sliced": lambda L, s, d: L.empty((s[0] * 2,) + tuple(s[1:]), dtype=d)[::2] if s else L.empty(s, dtype=d),
}
FILLS = {
    "uniform_": lambda t: t.uniform_(),
    "uniform_ab": lambda t: t.uniform_(-2.5, 7.0),
    "normal_": lambda t: t.normal_(),
    "normal_ms": lambda t: t.normal_(1.5, 0.3),
    "exponential_": lambda t: t.exponential_(2.5),
    "bernoulli_p": lambda t: t.bernoulli_(0.3),
    "cauchy_": lambda t: t.cauchy_(0.5, 2.0),
    "log_normal_": lambda t: t.log_normal_(0.2, 0.5),
    "geometric_": lambda t: t.geometric_(0.3),
    "random_": lambda t: t.random_(),
    "random_to": lambda t: t.random_(1000),
    "random_from_to": lambda t: t.random_(-50, 50),
}


@pytest.mark.parametrize("seed", [0, 2147483647, -5])
@pytest.mark.parametrize("shape, layout", [(s, lay) for s in SHAPES for lay in LAYOUTS if s or lay == "contig"],
                         ids=str)  # a scalar has one layout
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fill", list(FILLS))
def test_fill(fill, dtype, shape, layout, seed):
    def fn(L):
        t = LAYOUTS[layout](L, shape, getattr(L, dtype))
        FILLS[fill](t)
        return t.contiguous()
    check(fn, seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fill", list(FILLS))
def test_fill_seeds(fill, seed):
    check(lambda L: FILLS[fill](L.empty(4, 37)), seed)


@pytest.mark.parametrize("seed", [0, 1337])
@pytest.mark.parametrize("dtype, bounds", [(d, b) for d in ["int64", "int32", "uint8", "bool", "float32", "float64"]
                                           for b in [(), (2,), (0, 100), (3, 7)]
                                           if d != "bool" or not b or b[-1] <= 2], ids=str)  # bool holds [0, 2)
@pytest.mark.parametrize("shape", [(5,), (40, 3), (1001,)], ids=str)
def test_random_dtypes(shape, bounds, dtype, seed):
    check(lambda L: L.empty(shape, dtype=getattr(L, dtype)).random_(*bounds), seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("layout", ["contig", "transposed"])
def test_bernoulli_tensor_p(layout, seed):
    p_np = np.linspace(0, 1, 60, dtype=np.float32).reshape(6, 10)

    def fn(L):
        p = L.tensor(p_np)
        t = LAYOUTS[layout](L, (6, 10), L.float32)
        return L.cat([t.bernoulli_(p).contiguous(), L.bernoulli(p), L.bernoulli(p.double()).float(),
                      p.bernoulli(), L.empty(6, 10).bernoulli_(p.double())])
    check(fn, seed)


@pytest.mark.parametrize("seed", [0, 42])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("fill", ["uniform_", "uniform_ab", "exponential_", "bernoulli_p", "random_",
                                  "random_from_to"])
def test_half_fills(fill, dtype, seed):
    check(lambda L: FILLS[fill](L.empty(3, 33, dtype=getattr(L, dtype))), seed)


@pytest.mark.parametrize("seed", [0, 42])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("n", [5, 16, 160, 30000])
def test_half_normal(n, dtype, seed):
    # fewer than 16: the double Box-Muller path; whole blocks of 16: torch's float32 kernel, then rounded
    check(lambda L: L.randn(n, dtype=getattr(L, dtype)).normal_(0.5, 1.5), seed)
    same(torch.rand(3), tg.rand(3))  # the stream position is torch's too


@pytest.mark.parametrize("seed", [0, 42, -5])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("n", list(range(16, 41)) + [100, 1007, 4103])
def test_half_normal_tail(n, dtype, seed):
    # torch draws half/bfloat16 uniforms block by block: the redrawn tail's words follow the whole blocks' words
    check(lambda L: L.cat([L.randn(n, dtype=getattr(L, dtype)).float(), L.rand(3)]), seed)
    check(lambda L: L.cat([L.empty(n, dtype=getattr(L, dtype)).normal_(0.1, 0.3).float(), L.rand(3)]), seed)


# ---- the stream continues: position, normal cache, explicit generators ------------------------------------
def _sequence(L, g=None):
    p = L.tensor([[0.1, 0.0, 0.5, 0.4], [0.25, 0.25, 0.25, 0.25]])
    out = []
    for _ in range(2):
        out += [L.randn(3, generator=g), L.randn(20, generator=g), L.rand(5, generator=g),
                L.randint(0, 100, (7,), generator=g).float(), L.randn(1, generator=g),
                L.multinomial(p, 3, replacement=True, generator=g).float().ravel(),
                L.randn(5, dtype=L.float64, generator=g).float(), L.randperm(9, generator=g).float(),
                L.multinomial(p, 2, generator=g).float().ravel(), L.randn(17, generator=g)]
    return L.cat(out)


@pytest.mark.parametrize("seed", SEEDS)
def test_interleaved_default(seed):
    check(_sequence, seed)


@pytest.mark.parametrize("seed", [2147483647, 0, -5])
def test_explicit_generator(seed):
    t = _sequence(torch, torch.Generator().manual_seed(seed))
    g = _sequence(tg, tg.Generator().manual_seed(seed))
    same(t, g)
    # an explicit generator leaves the default one alone, and vice versa
    torch.manual_seed(1), tg.manual_seed(1)
    gt, gg = torch.Generator().manual_seed(seed), tg.Generator().manual_seed(seed)
    same(torch.rand(3), tg.rand(3))
    same(torch.randn(3, generator=gt), tg.randn(3, generator=gg))
    same(torch.randn(3), tg.randn(3))


def test_fresh_generator_default_seed():
    same(torch.rand(5, generator=torch.Generator()), tg.rand(5, generator=tg.Generator()))
    assert torch.Generator().initial_seed() == tg.Generator().initial_seed()


@pytest.mark.parametrize("seed", SEEDS)
def test_initial_seed(seed):
    torch.manual_seed(seed), tg.manual_seed(seed)
    assert torch.initial_seed() == tg.initial_seed()
    assert torch.Generator().manual_seed(seed).initial_seed() == tg.Generator().manual_seed(seed).initial_seed()


@pytest.mark.parametrize("skip", [0, 3, 700])  # 700 words: past the twister's 624-word block
def test_state_round_trip(skip):
    out = {}
    for L in (torch, tg):
        L.manual_seed(99)
        L.rand(skip)
        L.randn(3)  # leaves a cached normal behind
        state = L.get_rng_state()
        a = _sequence(L)
        L.rand(50)
        L.set_rng_state(state)
        b = _sequence(L)
        same(a, b)
        g = L.Generator().manual_seed(5)
        L.randn(1, generator=g)
        gs = g.get_state()
        c = L.randn(40, generator=g)
        g.manual_seed(6)
        g.set_state(gs)
        same(c, L.randn(40, generator=g))
        out[L] = (a, c)
    same(out[torch][0], out[tg][0])
    same(out[torch][1], out[tg][1])


def test_state_round_trips_as_a_list_and_garbage_rejected():
    """the state is a uint8 tensor (torch's layout: tests/test_rng_state13.py); it survives JSON as a list"""
    import json
    g = tg.Generator().manual_seed(3)
    state = tg.tensor(json.loads(json.dumps(g.get_state().tolist())), dtype=tg.uint8)
    x = tg.randn(30, generator=g)
    g.set_state(state)
    same(x, tg.randn(30, generator=g))
    for bad, exc in [(None, TypeError), ("state", TypeError), (torch.get_rng_state(), TypeError),
                     ({"bit_generator": "PCG64", "key": []}, ValueError),
                     ({"bit_generator": "MT19937", "key": [1, 2], "pos": 0}, ValueError),
                     ({"bit_generator": "MT19937", "key": [0] * 624, "pos": 999}, ValueError)]:
        with pytest.raises(exc, match="set_state"):
            g.set_state(bad)
        with pytest.raises(exc, match="set_rng_state"):
            tg.set_rng_state(bad)


def test_fork_rng():
    for L in (torch, tg):
        L.manual_seed(7)
        with L.random.fork_rng():
            L.manual_seed(8)
            L.randn(5)
        assert L.initial_seed() == 7
    same(torch.randn(9), tg.randn(9))
    torch.manual_seed(7), tg.manual_seed(7)
    torch.randn(1), tg.randn(1)  # the cached normal must survive the fork too
    with torch.random.fork_rng(), tg.random.fork_rng():
        torch.randn(10), tg.randn(11)
    same(torch.randn(3), tg.randn(3))


# ---- multinomial ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("num,replacement", [(1, True), (1, False), (5, True), (3, False), (10, True)])
def test_multinomial(num, replacement, ndim, dtype, seed):
    w = np.array([[0.0, 1.0, 2.0, 0.0, 3.0, 0.5, 0.0, 7.0], [1, 1, 1, 1, 1, 1, 1, 1],
                  [0.0, 0.0, 5.0, 1.0, 1.0, 0.0, 2.0, 0.01]])
    w = (w[1] if ndim == 1 else w).astype(dtype) if ndim == 1 else w.astype(dtype)
    t, g = both(lambda L: L.multinomial(L.tensor(w), num, replacement=replacement), seed)
    same(t, g)
    assert (w.reshape(-1, 8)[np.arange(w.reshape(-1, 8).shape[0])[:, None], _np(g).reshape(-1, num)] > 0).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_multinomial_zero_never_drawn(seed):
    w = np.zeros((4, 50), np.float32)
    w[:, ::7] = np.arange(1, 9, dtype=np.float32)
    t, g = both(lambda L: L.multinomial(L.tensor(w), 300, replacement=True), seed)
    same(t, g)
    assert (_np(g) % 7 == 0).all()


# ---- dropout and friends ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout(p, seed):
    x_np = np.linspace(-1, 1, 300, dtype=np.float32).reshape(10, 30)

    def fn(L, Fn):
        x = L.tensor(x_np)
        y1 = Fn.dropout(x, p, training=True)
        y2 = Fn.dropout(x.t(), p)  # non-contiguous input: the mask is laid out in x's memory order
        y3 = L.nn.Dropout(p).train()(x)
        x4 = L.tensor(x_np)
        Fn.dropout(x4, p, inplace=True)
        y5 = Fn.dropout2d(L.tensor(x_np).reshape(2, 5, 3, 10), p)
        y6 = Fn.dropout1d(L.tensor(x_np).reshape(2, 5, 30), p)
        return L.cat([y1.ravel(), y2.contiguous().ravel(), y3.ravel(), x4.ravel(), y5.ravel(), y6.ravel(),
                      Fn.dropout(x, p, training=False).ravel()])
    torch.manual_seed(seed), tg.manual_seed(seed)
    same(fn(torch, F), fn(tg, TF))


@pytest.mark.parametrize("seed", [0, 42, -5])
def test_rrelu_training(seed):
    x_np = np.linspace(-2, 2, 97, dtype=np.float32)
    torch.manual_seed(seed), tg.manual_seed(seed)
    same(F.rrelu(torch.tensor(x_np), 0.1, 0.4, training=True), TF.rrelu(tg.tensor(x_np), 0.1, 0.4, training=True))
    same(torch.nn.RReLU()(torch.tensor(x_np)), tg.nn.RReLU()(tg.tensor(x_np)))


@pytest.mark.parametrize("seed", [0, 42, -5])
def test_sdpa_dropout(seed):
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 3, 6, 8)).astype(np.float32) for _ in range(3))
    torch.manual_seed(seed), tg.manual_seed(seed)
    t = F.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), dropout_p=0.3)
    g = TF.scaled_dot_product_attention(*map(tg.tensor, (q, k, v)), dropout_p=0.3)
    # the mask is torch's bit for bit; softmax and the matmuls are separate float32 code, so values are close
    keep_t, keep_g = _np(t) != 0, _np(g) != 0
    np.testing.assert_allclose(_np(g), _np(t), rtol=1e-5, atol=1e-6)
    same(torch.rand(4), tg.rand(4))  # both consumed the same number of words
    assert (keep_t == keep_g).all()


# ---- data loading ----------------------------------------------------------------------------------------
class _Range:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


def _epochs(L, make, n_epochs=2):
    return [[int(i) for b in make() for i in (b.tolist() if hasattr(b, "tolist") else [b])]
            for _ in range(n_epochs)]


@pytest.mark.parametrize("seed", [0, 42, -5])
@pytest.mark.parametrize("with_gen", [False, True])
def test_dataloader_shuffle(with_gen, seed):
    out = []
    for L in (torch, tg):
        L.manual_seed(seed)
        g = L.Generator().manual_seed(seed + 1) if with_gen else None
        dl = L.utils.data.DataLoader(_Range(37), batch_size=5, shuffle=True, generator=g)
        out.append(_epochs(L, lambda: dl) + [L.rand(3).tolist()])
    assert out[0] == out[1]


@pytest.mark.parametrize("seed", [0, 42])
@pytest.mark.parametrize("replacement,num_samples", [(False, None), (True, None), (False, 50), (True, 70),
                                                     (False, 7)])
@pytest.mark.parametrize("with_gen", [False, True])
def test_random_sampler(with_gen, replacement, num_samples, seed):
    out = []
    for L in (torch, tg):
        L.manual_seed(seed)
        g = L.Generator().manual_seed(seed + 3) if with_gen else None
        s = L.utils.data.RandomSampler(_Range(23), replacement=replacement, num_samples=num_samples, generator=g)
        out.append([list(s), list(s), L.rand(2).tolist()])
    assert out[0] == out[1]


@pytest.mark.parametrize("seed", [0, 42])
@pytest.mark.parametrize("with_gen", [False, True])
def test_other_samplers_and_split(with_gen, seed):
    out = []
    for L in (torch, tg):
        L.manual_seed(seed)
        g = L.Generator().manual_seed(seed + 5) if with_gen else None
        D = L.utils.data
        sub = D.SubsetRandomSampler([3, 8, 1, 20, 5, 7], generator=g)
        w = D.WeightedRandomSampler([0.1, 0.0, 2.0, 1.0, 0.5], 12, replacement=True, generator=g)
        wn = D.WeightedRandomSampler([0.1, 0.3, 2.0, 1.0, 0.5], 4, replacement=False, generator=g)
        parts = D.random_split(_Range(20), [7, 13], generator=g if with_gen else L.Generator().manual_seed(1))
        parts_f = D.random_split(_Range(10), [0.3, 0.7], generator=g if with_gen else None) if with_gen else []
        out.append([list(sub), list(sub), list(w), list(w), list(wn), [list(p.indices) for p in parts],
                    [list(p.indices) for p in parts_f], L.rand(2).tolist()])
    assert out[0] == out[1]


# ---- distributions ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["Normal", "Uniform", "Bernoulli", "Categorical", "Exponential", "Laplace"])
def test_distribution_sample(name, seed):
    # Laplace: the draw is torch's, but its float32 log1p (torch: SLEEF) differs from numpy's in the last bit (which
    # of the two rounds which way depends on numpy's loop for the CPU: SIMD with AVX-512, libm's without). The error
    # is held to 8 ulp of the terms of loc - scale * log1p(...), not of the result: where they cancel (0.5 - 0.4957
    # = 0.0043) one ulp of the log is 128 of the result (seen on a Zen 3 VM)
    tol = 8 if name == "Laplace" else 0

    def fn(L):
        D = L.distributions
        a, b = L.tensor([0.5, -1.0, 2.0]), L.tensor([1.5, 0.2, 3.0])
        d = {"Normal": lambda: D.Normal(a, b), "Uniform": lambda: D.Uniform(a, a + b),
             "Bernoulli": lambda: D.Bernoulli(probs=L.tensor([0.1, 0.5, 0.9])),
             "Categorical": lambda: D.Categorical(probs=L.tensor([[0.2, 0.0, 0.5, 0.3], [1.0, 1.0, 1.0, 1.0]])),
             "Exponential": lambda: D.Exponential(b), "Laplace": lambda: D.Laplace(a, b)}[name]()
        return L.cat([d.sample().ravel().float(), d.sample((4, 5)).ravel().float(), d.sample((17,)).ravel().float(),
                      L.rand(2)])
    t, g = both(fn, seed)
    if tol:
        t, g = _np(t), _np(g)
        n = t.size - 2                                  # the Laplace draws; then two rand() values, bit for bit
        loc = np.tile(np.float32([0.5, -1.0, 2.0]), n // 3)
        terms = np.abs(loc) + np.abs(g[:n] - loc)       # |loc| + |scale * log1p(-|u|)|
        assert np.all(np.abs(t[:n] - g[:n]) <= tol * np.spacing(terms.astype(np.float32))), (t[:n], g[:n])
        same(t[n:], g[n:])
    else:
        same(t, g)


# ---- the makemore lecture --------------------------------------------------------------------------------
def test_makemore_bigram_names():
    """makemore part 1: sample names from a bigram table with torch.Generator().manual_seed(2147483647)."""
    chars = ".abcdeilmnorsy"
    words = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harry", "noah", "liam", "lucas",
             "mason", "ella", "bella", "sam", "ida", "nora", "rose", "lily", "mary", "ray", "lee"]
    stoi = {c: i for i, c in enumerate(chars)}
    N_np = np.zeros((len(chars), len(chars)), np.int32)
    for w in words:
        w = "." + "".join(c for c in w if c in stoi) + "."
        for a, b in zip(w, w[1:]):
            N_np[stoi[a], stoi[b]] += 1
    names = {}
    for L in (torch, tg):
        N = L.tensor(N_np)
        P = (N + 1).float()
        P /= P.sum(1, keepdim=True)
        g = L.Generator().manual_seed(2147483647)
        out = []
        for _ in range(20):
            ix, name = 0, []
            while True:
                ix = L.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
                name.append(chars[ix])
                if ix == 0:
                    break
            out.append("".join(name))
        names[L] = out
    assert names[torch] == names[tg]
