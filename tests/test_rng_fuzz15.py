"""Differential fuzz of the random samplers against torch's CPU generator: the same seed (or the same state bytes)
must give the same values bit for bit, and leave the stream at the same place (a draw after each case agrees)."""
import math
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg

SEEDS = [0, 42, 2**32 + 5, 2**63 - 1]
SIZES = [(), (0,), (1,), (15,), (16,), (17,), (1023,), (1025,), (3, 5), (2, 0, 3), (2, 3, 1, 5), (1, 2, 3, 2, 3)]
FLOATS = ["float32", "float64", "float16", "bfloat16"]


def host(x):
    x = x.detach()
    return x.float().numpy() if "bfloat16" in str(x.dtype) else x.numpy()


def same(a, b, what=""):
    a, b = host(a), host(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (what, a.shape, b.shape, a.dtype, b.dtype)
    bad = np.flatnonzero(~((a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a == b))
    assert bad.size == 0, f"{what}: {bad.size} differ, first at {bad[:3]}: torch {a.ravel()[bad[:3]]}, " \
                          f"teenygrad {b.ravel()[bad[:3]]}"


def both(draws, seed=0):
    """draws(lib) under manual_seed(seed) in each library, compared item by item, then one more draw each."""
    out = []
    for L in (torch, tg):
        L.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(list(draws(L)) + [L.rand(3)])
    for i, (a, b) in enumerate(zip(*out)):
        same(a, b, f"draw {i}")


# ---- planted words: a torch state whose next draws are chosen raw 32-bit words ------------------------------------
def _untemper(y):
    """MT19937's tempering, undone: the twister word that outputs y."""
    def undo_right(y, s):
        x = y
        for _ in range(32 // s + 1):
            x = y ^ (x >> s)
        return x & 0xFFFFFFFF

    def undo_left(y, s, m):
        x = y
        for _ in range(32 // s + 1):
            x = y ^ ((x << s) & m)
        return x & 0xFFFFFFFF
    return undo_right(undo_left(undo_left(undo_right(y, 18), 15, 0xEFC60000), 7, 0x9D2C5680), 11)


def planted(words, seed=0):
    """torch state bytes whose next draws are `words` (both libraries read the same bytes)."""
    g = torch.Generator().manual_seed(seed)
    torch.rand(1, generator=g)  # past the first twist, so the next words are the key's, tempered
    st = g.get_state().numpy().copy()
    key, nxt = st[24:24 + 624 * 8].view("<u8"), int(st[16:24].view("<u8")[0])
    for i, w in enumerate(words):
        key[nxt + i] = _untemper(int(w))
    return st


def both_planted(draw, words):
    g, h = torch.Generator(), tg.Generator()
    st = planted(words)
    g.set_state(torch.from_numpy(st))
    h.set_state(tg.tensor(st))
    same(draw(torch, g), draw(tg, h))
    same(g.get_state(), h.get_state(), "state after")


# ---- uniform: float32 bounds for every float dtype, a value rounded up to `to` is `from` -------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_rand_and_uniform(seed, dtype):
    def draws(L):
        d = getattr(L, dtype)
        for s in SIZES:
            yield L.rand(s, dtype=d)
            yield L.rand_like(L.zeros(s, dtype=d))
            yield L.empty(s, dtype=d).uniform_(-1.3, 2.9)
        yield L.rand(4000, dtype=d)  # half and bfloat16 round some values up to 1: torch gives 0 there
        yield L.empty(4000, dtype=d).uniform_(0.1, 0.7)
    both(draws, seed)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("low,high", [(1.0, 2.0), (-2.0, 3.0), (0.0, 1.0)])
def test_uniform_top_word_is_from(dtype, low, high):
    # uniform_(1, 2) from the largest 24-bit (53-bit) uniform rounds to 2: torch writes 1
    top = [0xFFFFFFFF] * 4 + [0xFFFFFF, 0]
    both_planted(lambda L, g: L.empty(3, dtype=getattr(L, dtype)).uniform_(low, high, generator=g), top)


@pytest.mark.parametrize("dtype,a,b", [("float16", -1e30, 1.0), ("float16", 0.0, 1e5), ("float16", -6e4, 6e4),
                                       ("float32", -3e38, 3e38), ("float64", -1e308, 1e308)])
def test_uniform_bounds_out_of_range(dtype, a, b):
    with pytest.raises(RuntimeError):
        torch.empty(2, dtype=getattr(torch, dtype)).uniform_(a, b)
    with pytest.raises(RuntimeError, match="uniform_"):
        tg.empty(2, dtype=getattr(tg, dtype)).uniform_(a, b)


# ---- randint / random_: 64-bit words from a range of 2^28 ----------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8", "float32", "float64"])
def test_randint_and_random_(seed, dtype):
    small, floating = dtype in ("int16", "uint8"), dtype.startswith("float")
    ranges = [(0, 10), (3, 4)] + ([] if dtype == "uint8" else [(-5, 5)])
    ranges += [] if small else [(0, 2**28 - 1), (0, 2**28), (-7, 2**31 - 7)]
    if dtype in ("int64", "float64"):
        ranges += [(-2**40, 2**40), (-2**63, 2**63 - 1), (2**62, 2**63 - 1)]

    def draws(L):
        d = getattr(L, dtype)
        for s in [(), (1,), (17,), (3, 5)]:
            for lo, hi in ranges:  # float bounds past 2^24: torch moves them inward (test_rng_parity20.py)
                yield L.empty(s, dtype=d).random_(lo, hi) if floating else L.randint(lo, hi, s, dtype=d)
            yield L.empty(s, dtype=d).random_()  # no bounds: two words for int64 and float64 only
            yield L.empty(s, dtype=d).random_(7)
            if not floating and not small:
                yield L.empty(s, dtype=d).random_(2, None)  # [2, max]: a range past 2^28
                yield L.randint_like(L.zeros(s, dtype=d), -3, 9)
    both(draws, seed)


# ---- the float64 samplers stored in half and bfloat16 round through float32 ----------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("op,args", [("log_normal_", (0.2, 0.5)), ("cauchy_", (0.5, 2.0)), ("exponential_", (1.5,)),
                                     ("geometric_", (0.3,)), ("normal_", (0.3, 1.7)), ("bernoulli_", (0.3,))])
def test_inplace_samplers(dtype, op, args):
    def draws(L):
        d = getattr(L, dtype)
        for s in [(), (0,), (15,), (16,), (17,), (2, 3, 1, 5)]:
            yield getattr(L.empty(s, dtype=d), op)(*args)
        yield getattr(L.empty(5, 4, dtype=d).t(), op)(*args)
        yield getattr(L.empty(60000, dtype=d), op)(*args)  # half: ~4 values here round differently from float64
    both(draws, 3)


# ---- multinomial: the exponentials in the probabilities' memory order ---------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_multinomial(seed, dtype):
    def draws(L):
        d = getattr(L, dtype)
        for k in [1, 5, 17, 100]:
            p = L.rand(k, dtype=d)
            yield L.multinomial(p, 1)
            yield L.multinomial(p, min(k, 3))
            yield L.multinomial(p, 20, True)
            yield L.multinomial(L.rand(4, k, dtype=d), min(k, 3))
        zeros = L.tensor([0.0, 1.0, 0.0, 2.0, 0.0], dtype=d)
        yield L.multinomial(zeros, 2)
        yield L.multinomial(zeros, 9, True)
        yield L.multinomial(L.rand(7, 3, dtype=d).t(), 4)  # a transposed matrix of probabilities
        yield L.multinomial(L.rand(7, 3, dtype=d).t(), 1)
        yield L.multinomial(L.rand(5, 4, 2, dtype=d)[:, :, 1].t(), 2)
        yield L.multinomial(L.rand(7, 3, dtype=d).t(), 9, True)
    both(draws, seed)


# ---- randn, normal's overloads, bernoulli, randperm, poisson, interleaved -----------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_randn_normal_bernoulli_interleaved(seed, dtype):
    def draws(L):
        d = getattr(L, dtype)
        for s in SIZES:
            yield L.randn(s, dtype=d)
            yield L.randn(1, dtype=L.float64)  # leaves a cached normal for the next small draw
            yield L.randn(3, dtype=d)
            yield L.randn_like(L.zeros(s, dtype=d))
        yield L.normal(L.randn(2, 3, dtype=d), L.rand(2, 3, dtype=d))
        yield L.normal(L.randn(2, 1, dtype=d), L.rand(1, 3, dtype=d))
        yield L.normal(L.randn(3, 4, dtype=d).t(), 2.0)
        yield L.normal(0.5, L.rand(4, 3, dtype=d).t())
        yield L.normal(1.0, 2.0, (2, 17), dtype=d)
        yield L.normal(L.zeros(20, dtype=d), L.ones(20, dtype=d), out=L.empty(20, dtype=d))
        yield L.bernoulli(L.rand(5, 4, dtype=d).t())
        yield L.bernoulli(L.rand(20, dtype=d), 0.3)
        yield L.empty(4, 5, dtype=d).bernoulli_(L.rand(5, dtype=d))
        yield L.empty(17, dtype=d).bernoulli_(L.rand(17, dtype=L.float64))
        yield L.empty(8, dtype=L.bool).bernoulli_(L.rand(8))
        yield L.poisson(L.rand(30, dtype=d) * 30)
        for n in [0, 1, 17, 1000]:
            yield L.randperm(n)
            yield L.randperm(n, dtype=L.float32)
    both(draws, seed)


# ---- generators, states across libraries, fork_rng ----------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_generators_and_states(seed):
    def draws(L):
        g = L.Generator().manual_seed(seed + 1)
        yield L.tensor([g.initial_seed() == seed + 1, L.Generator().initial_seed() == 67280421310721])
        yield L.randn(17, generator=g)
        yield L.randint(-3, 2**30, (5,), generator=g)
        yield L.multinomial(L.tensor([0.1, 0.2, 0.7]), 5, True, generator=g)
        yield L.empty(3).cauchy_(generator=g)
        yield L.empty(4, dtype=L.int32).random_(generator=g)
        st = g.get_state()
        a = L.randn(5, generator=g)
        g.set_state(st)
        yield a - L.randn(5, generator=g)
        yield st
        yield L.randn(1, dtype=L.float64)
        saved = L.get_rng_state()
        yield saved
        with L.random.fork_rng():
            L.manual_seed(99)
            yield L.randn(4)
        yield L.rand(3)
    both(draws, seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("before", ["none", "randn1_f64", "rand700", "randn17"])
def test_state_bytes_cross_library(seed, before):
    torch.manual_seed(seed)
    {"none": lambda: None, "randn1_f64": lambda: torch.randn(1, dtype=torch.float64),
     "rand700": lambda: torch.rand(700), "randn17": lambda: torch.randn(17)}[before]()
    st = torch.get_rng_state()
    tg.set_rng_state(tg.tensor(st.numpy()))
    same(st, tg.get_rng_state(), "bytes")

    def seq(L):
        return [L.randn(3), L.randn(1, dtype=L.float64), L.randint(0, 2**29, (5,)), L.randn(33), L.get_rng_state()]
    a = seq(torch)
    tg.set_rng_state(tg.tensor(st.numpy()))
    for x, y in zip(a, seq(tg)):
        same(x, y)
    torch.set_rng_state(torch.from_numpy(tg.get_rng_state().numpy().copy()))  # and back, from teenygrad's bytes
    same(torch.randn(40), tg.randn(40))


@pytest.mark.parametrize("trial", range(6))
def test_planted_edge_words(trial):
    edge = [0, 1, 0xFFFFFFFF, 0xFFFFFF, 0x1000000, 0xFFFFFFFE, 0x80000000, 0x7FFFFFFF, 0xFF000000, 2]
    words = [edge[(trial + 3 * i) % len(edge)] for i in range(40)]
    ops = [lambda L, g: L.rand(12, generator=g), lambda L, g: L.rand(12, dtype=L.float16, generator=g),
           lambda L, g: L.rand(6, dtype=L.float64, generator=g), lambda L, g: L.randn(16, generator=g),
           lambda L, g: L.randn(4, dtype=L.float64, generator=g), lambda L, g: L.empty(6).exponential_(generator=g),
           lambda L, g: L.empty(6).geometric_(0.3, generator=g), lambda L, g: L.empty(6).bernoulli_(0.5, generator=g),
           lambda L, g: L.randint(-7, 2**29, (6,), generator=g), lambda L, g: L.randperm(12, generator=g),
           lambda L, g: L.multinomial(L.tensor([0.2, 0.3, 0.5, 0.0]), 3, generator=g),
           lambda L, g: L.empty(12, dtype=L.int32).random_(generator=g)]
    for op in ops:
        both_planted(op, words)


# ---- nn.init, dropout, default layer init ------------------------------------------------------------------------
INITS = [("uniform_", (-0.3, 0.2)), ("normal_", (0.1, 0.5)), ("trunc_normal_", (0.0, 1.0, -2.0, 2.0)),
         ("xavier_uniform_", ()), ("xavier_normal_", (1.5,)), ("kaiming_uniform_", (math.sqrt(5),)),
         ("kaiming_normal_", (0, "fan_out", "relu")), ("sparse_", (0.3,))]


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_init_functions(seed):
    def draws(L):
        for shape in [(5, 3), (16, 17), (4, 3, 3, 3)]:
            for name, args in INITS:
                if name != "sparse_" or len(shape) == 2:
                    yield getattr(L.nn.init, name)(L.empty(shape), *args)
    both(draws, seed)


def test_orthogonal_draws_torch_normals():
    # its QR is numpy's LAPACK: the values agree to rounding, the stream after it exactly (random.py's docstring)
    for L in (torch, tg):
        L.manual_seed(0)
    a, b = torch.nn.init.orthogonal_(torch.empty(6, 4)), tg.nn.init.orthogonal_(tg.empty(6, 4))
    np.testing.assert_allclose(host(b), host(a), rtol=0, atol=1e-6)
    same(torch.rand(3), tg.rand(3))


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 1.0])
def test_dropout_masks(p):
    def draws(L):
        F = L.nn.functional
        for d in [L.float32, L.float64, L.float16, L.bfloat16]:
            for shape in [(17,), (2, 3, 4), (2, 3, 4, 5), (2, 3, 2, 2, 2)]:
                x = L.ones(shape, dtype=d)
                yield F.dropout(x, p)
                yield F.alpha_dropout(x, p, training=True)
                yield L.nn.Dropout(p).train()(x)
                if len(shape) == 3:
                    yield F.dropout1d(x, p)
                if len(shape) in (3, 4):
                    yield F.dropout2d(x, p)
                if len(shape) in (4, 5):
                    yield F.dropout3d(x, p)
    both(draws, 7)


def test_default_layer_init():
    def draws(L):
        nn = L.nn
        for m in [nn.Linear(17, 5), nn.Conv1d(3, 4, 5), nn.Conv2d(4, 8, 3, groups=2), nn.Embedding(10, 7, padding_idx=2),
                  nn.LayerNorm(5), nn.RNN(4, 6, 2), nn.LSTM(4, 6, 2, bidirectional=True), nn.GRU(3, 5),
                  nn.MultiheadAttention(8, 2), nn.TransformerEncoderLayer(8, 2, 16)]:
            yield from (p for _, p in sorted(m.state_dict().items()))
    both(draws, 0)


def test_multinomial_on_an_expanded_matrix_draws_in_torchs_order():
    # a stride-0 row made the draws follow column order; torch's empty_like infers dense strides and keeps C order
    p = np.random.default_rng(0).random((1, 7)).astype(np.float32)
    for seed in (3, 4):
        torch.manual_seed(seed)
        want = torch.multinomial(torch.tensor(p[0]).expand(3, 7), 2)
        tg.manual_seed(seed)
        got = tg.multinomial(tg.tensor(p[0]).expand(3, 7), 2)
        assert got.tolist() == want.tolist()
