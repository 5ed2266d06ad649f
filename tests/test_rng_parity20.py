"""Random programs that interleave teenygrad's samplers on the default generator and on a Generator, every value
compared with torch's bit for bit (twentieth landing): sizes about torch's vectorization thresholds, in-place
fills of transposed and sliced tensors, out= tensors, dropout's family, rrelu, gumbel_softmax, nn.init.

What the sweep found, each pinned by a direct case below: rand, randn and randint with a non-contiguous out= drew
in C order, where torch fills out in place in its memory order; normal with a tensor mean or std and out= drew a
fresh tensor and copied it (torch fills out in its order and dtype: the serial normal where out is not
contiguous); bernoulli(p, out=) did the same, and refused an integer, bool or float64 out that torch fills;
bernoulli_ took probabilities outside [0, 1] (nan too) and integer ones, which torch refuses; rrelu's slopes were
fused (x * (to - from) + from in one rounding, as uniform_ has it, but not rrelu's kernel) and, in bfloat16, its
bounds and product were rounded to bfloat16 where torch keeps them in float; dropout, dropout1d/2d/3d in half
rounded 1 - p to half before dividing (torch divides in float: 1 / 0.6 is 1.667 in half, not 1.666); the serial
normal_ (a non-contiguous tensor) in half and bfloat16 rounded each double straight to 16 bits where torch goes
through float; trunc_normal_ of a slice redrew its rejects with the serial normal_, where torch redraws into
empty_like (dense: the vectorized one); rand_like, randn_like and randint_like of a transposed tensor were C
ordered and drawn in C order, where torch's empty_like keeps the layout and the fill follows its memory;
random_(from, to) and randint into a float dtype used bounds that the dtype rounds past (half(2999) is 3000), which
torch moves inward by one step first, and bounds past the dtype (half's 65504) gave inf where torch raises;
Tensor.uniform_ refused torch's from= and to= keywords; normal(mean, std) with two tensors took their promoted
dtype, not mean's, and an integer mean or std gave float32 where torch refuses; bernoulli of integer
probabilities, randperm past what its dtype holds and multinomial over more than 2^24 categories computed where
torch refuses; and normal's and bernoulli_'s shapes that do not broadcast leaked numpy's ValueError.

Left as they are: gumbel_softmax's soft output differs from torch's in the last bits (the noise is torch's; its
log and softmax round as numpy's do), as does any later arithmetic on the samples."""
import math
import random
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
from test_rng_fuzz15 import both, same  # the bitwise comparison of draws, shared

FLOATS = ["float32", "float64", "float16", "bfloat16"]
SIZES = [(), (1,), (15,), (16,), (17,), (31,), (32,), (33,), (4095,), (4096,), (4097,), (65536,), (3, 5), (16, 17),
         (2, 3, 4)]


def laid_out(L, shape, dtype, kind):
    """An empty tensor of shape: 0 contiguous, 1 transposed (dims reversed), 2 every other element of its last
    dim, 3 a slice inside its last dim."""
    d = getattr(L, dtype)
    if kind == 0 or not shape:
        return L.empty(shape, dtype=d)
    if kind == 1:
        return L.empty(shape[::-1], dtype=d).permute(*range(len(shape) - 1, -1, -1))
    if kind == 2:
        return L.empty(shape[:-1] + (2 * shape[-1],), dtype=d)[..., ::2]
    return L.empty(shape[:-1] + (shape[-1] + 3,), dtype=d)[..., 1:-2]


# ---- the random programs ------------------------------------------------------------------------------------------
def step(L, r, G):
    """One sampler call picked by r (a seeded Python RNG: the same program in both libraries); its results."""
    F, init = L.nn.functional, L.nn.init
    s, d, kind = r.choice(SIZES), r.choice(FLOATS), r.randrange(4)
    D = getattr(L, d)
    gk = {"generator": G} if r.random() < 0.5 else {}
    op = r.choice("rand randn randint randperm normal_tt normal_tf normal_ft normal_ff normal_out bernoulli "
                  "bernoulli_p bernoulli_out bernoulli_ multinomial poisson exponential_ geometric_ cauchy_ "
                  "log_normal_ uniform_ normal_ random_ like dropout channel_dropout alpha_dropout rrelu gumbel "
                  "init".split())
    if op == "rand":
        return [L.rand(s, dtype=D, **gk), L.rand(s, out=laid_out(L, s, d, kind), **gk)]
    if op == "randn":
        return [L.randn(s, dtype=D, **gk), L.randn(s, out=laid_out(L, s, d, kind), **gk)]
    if op == "randint":
        di = r.choice(["int64", "int32", "int16", "uint8", "float32", "float64"])
        lo, hi = r.choice([(0, 10), (0, 2), (3, 100)] if di in ("int16", "uint8") else
                          [(0, 10), (-100, 7), (0, 2 ** 24), (-5, 2 ** 40) if di == "int64" else (1, 2)])
        return [L.randint(lo, hi, s, dtype=getattr(L, di), **gk),
                L.randint(lo, hi, s, out=laid_out(L, s, di, kind), **gk)]
    if op == "randperm":
        n = r.choice([0, 1, 15, 16, 17, 33, 4096, 4097])
        return [L.randperm(n, dtype=getattr(L, r.choice(["int64", "int32", "float32", "float64"])), **gk)]
    if op == "normal_tt":
        return [L.normal(L.randn(s, dtype=D), L.rand(s, dtype=D), **gk)]
    if op == "normal_tf":
        return [L.normal(L.randn(s, dtype=D), r.choice([0.0, 1.5]), **gk)]
    if op == "normal_ft":
        return [L.normal(r.choice([0.0, -2.0]), L.rand(s, dtype=D), **gk)]
    if op == "normal_ff":
        return [L.normal(0.3, 2.0, s or (1,), dtype=D, **gk)]
    if op == "normal_out":
        o = laid_out(L, s, d, kind)
        mean, std = r.choice([(L.zeros(s, dtype=D), L.ones(s, dtype=D)), (L.zeros(s), 2.0), (0.5, L.ones(s))])
        return [L.normal(mean, std, out=o, **gk), o]
    if op == "bernoulli":
        return [L.bernoulli(L.rand(s, dtype=D), **gk)]
    if op == "bernoulli_p":
        return [L.bernoulli(L.rand(s, dtype=D), r.choice([0.0, 0.3, 1.0]), **gk)]
    if op == "bernoulli_out":
        o = laid_out(L, s, r.choice(FLOATS + ["int64", "bool"]), kind)
        return [L.bernoulli(L.rand(s, dtype=D), out=o, **gk), o]
    if op == "bernoulli_":
        p = L.rand(s, dtype=r.choice([D, L.float64, L.float32]))
        return [laid_out(L, s, d, kind).bernoulli_(p, **gk)]
    if op == "multinomial":
        k = r.choice([1, 2, 5, 16, 17, 33, 200])
        p = L.rand(*r.choice([(), (1,), (3,), (8,)]), k, dtype=getattr(L, r.choice(["float32", "float64"])))
        rep = r.random() < 0.5
        return [L.multinomial(p, r.choice([1, 3, k, 2 * k + 1]) if rep else r.randint(1, k), rep, **gk)]
    if op == "poisson":
        rates = L.rand(s, dtype=r.choice([L.float32, L.float64])) * r.choice([1, 5, 30, 200])
        return [L.poisson(rates, **gk)]
    o = laid_out(L, s, d, kind)
    if op in ("exponential_", "geometric_", "cauchy_", "log_normal_", "uniform_", "normal_"):
        args = {"exponential_": (r.choice([0.5, 3.0]),), "geometric_": (r.choice([0.1, 0.9]),),
                "cauchy_": (0.5, 2.0), "log_normal_": (0.1, 0.5), "uniform_": (-2.0, 3.0), "normal_": (0.5, 1.5)}
        return [getattr(o, op)(*args[op], **gk), o]
    if op == "random_":
        return [o.random_(**gk), o.random_(r.choice([2, 100]), **gk), o.random_(r.choice([-5, 1]), 50, **gk)]
    if op == "like":
        x = laid_out(L, s, d, kind)
        return [L.rand_like(x), L.randn_like(x), L.randint_like(x, 0, 9)]
    x = L.ones(s or (1,), dtype=D)
    p = r.choice([0.1, 0.3, 0.4, 0.5, 0.7, 0.9])
    if op == "dropout":
        return [F.dropout(x.mT if x.ndim == 2 else x, p), L.nn.Dropout(p)(x), F.dropout(x.clone(), p, inplace=True)]
    if op == "channel_dropout":
        return [F.dropout1d(L.ones(2, 3, 4, dtype=D), p), F.dropout2d(L.ones(2, 3, 4, 5, dtype=D), p),
                F.dropout3d(L.ones(2, 3, 2, 2, 2, dtype=D), p)]
    x = L.randn((2, 3, 4) if kind < 2 else (4, 5, 2, 2), dtype=D)
    if op == "alpha_dropout":
        return [F.alpha_dropout(x, p, True), F.feature_alpha_dropout(x, p, True), L.nn.AlphaDropout(p).train()(x),
                L.nn.FeatureAlphaDropout(p).train()(x)]
    if op == "rrelu":  # torch's CPU rrelu has no half kernel
        x = L.randn(s, dtype=D if d != "float16" else L.float32)
        return [F.rrelu(x, 0.1, 0.4, training=True), L.nn.RReLU(0.2, 0.25).train()(x)]
    if op == "gumbel":  # hard: the softmax's own rounding (exp, log) is not the sampler's
        return [F.gumbel_softmax(L.randn(s or (4,), dtype=D), tau=r.choice([0.5, 1.0]), hard=True)]
    t = laid_out(L, r.choice([(5, 3), (16, 17), (4, 3, 3, 3), (3, 4, 5), (2, 2, 2, 3, 3)]), d, kind)
    name = r.choice(["uniform_", "normal_", "trunc_normal_", "trunc_normal_narrow", "xavier_uniform_",
                     "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "sparse_"])
    if name == "trunc_normal_narrow":
        return [init.trunc_normal_(t, 0.5, 2.0, -1.0, 0.5, **gk)]
    if name.startswith("kaiming"):
        nl = r.choice(["relu", "leaky_relu", "selu", "tanh", "linear", "sigmoid", "conv2d"])
        return [getattr(init, name)(t, a=r.choice([0, 0.2, math.sqrt(5)]), mode=r.choice(["fan_in", "fan_out"]),
                                    nonlinearity=nl, **gk)]
    if name == "sparse_" and t.ndim == 2:
        return [init.sparse_(t, r.choice([0.1, 0.5, 0.9]), std=0.02, **gk)]
    if name == "sparse_":
        name = "normal_"
    return [getattr(init, name)(t, **gk)]


def run_program(L, seed, steps):
    r = random.Random(seed)
    L.manual_seed(seed)
    G = L.Generator().manual_seed(7 * seed + 1)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(steps):
            out.append(step(L, r, G) + [L.rand(2), L.rand(2, generator=G)])  # both streams still in step
    return out


@pytest.mark.parametrize("seed", range(24))
def test_random_programs(seed):
    a, b = run_program(torch, seed, 12), run_program(tg, seed, 12)
    for i, (xs, ys) in enumerate(zip(a, b)):
        assert len(xs) == len(ys)
        for j, (x, y) in enumerate(zip(xs, ys)):
            same(x, y, f"step {i}, value {j}")


# ---- out=: torch fills out in place, in its memory order ------------------------------------------------------------
@pytest.mark.parametrize("kind", [1, 2])
@pytest.mark.parametrize("shape", [(3, 5), (17, 5), (16, 34)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_random_factories_into_a_strided_out(kind, shape, dtype):
    def draws(L):
        for f in (lambda o: L.rand(shape, out=o), lambda o: L.randn(shape, out=o),
                  lambda o: L.randint(-4, 9, shape, out=o)):
            o = laid_out(L, shape, dtype, kind)
            yield f(o)
            yield o
        yield L.randint(0, 7, shape, out=laid_out(L, shape, "int32", kind))
    both(draws)


@pytest.mark.parametrize("kind", [0, 1, 2])
@pytest.mark.parametrize("shape", [(3, 5), (16, 17)])
@pytest.mark.parametrize("out_dtype", ["float32", "float64", "bfloat16"])
def test_normal_tensor_overloads_into_out(kind, shape, out_dtype):
    def draws(L):
        m, s = L.randn(shape), L.rand(shape)
        for mean, std in ((m, s), (m, 2.0), (0.5, s), (L.zeros(shape[0], 1), L.ones(1, shape[1]))):
            o = laid_out(L, shape, out_dtype, kind)
            yield L.normal(mean, std, out=o)
            yield o
    both(draws)


def test_normal_out_refuses_shapes_that_do_not_broadcast():
    with pytest.raises(RuntimeError):
        torch.normal(torch.zeros(3, 5), 1.0, out=torch.empty(2))
    with pytest.raises(RuntimeError, match="normal"):
        tg.normal(tg.zeros(3, 5), 1.0, out=tg.empty(2))


@pytest.mark.parametrize("kind", [0, 1, 2])
@pytest.mark.parametrize("out_dtype", ["float32", "float64", "float16", "int64", "bool"])
def test_bernoulli_into_out(kind, out_dtype):
    def draws(L):
        for shape in [(3, 5), (17, 5)]:
            o = laid_out(L, shape, out_dtype, kind)
            yield L.bernoulli(L.rand(shape), out=o)
            yield o
            yield L.bernoulli(L.rand(shape, dtype=L.float64), out=laid_out(L, shape, out_dtype, kind))
    both(draws)


def test_bernoulli_out_refuses_what_torch_refuses():
    for L in (torch, tg):
        with pytest.raises(RuntimeError, match="out="):
            L.bernoulli(L.rand(3, requires_grad=True), out=L.empty(3))
        with pytest.raises(TypeError):
            L.bernoulli(L.rand(3), 0.5, out=L.empty(3))


@pytest.mark.parametrize("p", [[0.5, 2.0, 0.1], [0.5, -0.25, 0.1], [0.5, float("nan"), 0.1]])
def test_bernoulli_probabilities_outside_0_1_raise(p):
    with pytest.raises(RuntimeError):
        torch.empty(3).bernoulli_(torch.tensor(p))
    with pytest.raises(RuntimeError, match="bernoulli_"):
        tg.empty(3).bernoulli_(tg.tensor(p))


def test_bernoulli_integer_probabilities_raise():
    with pytest.raises(NotImplementedError):
        torch.empty(3).bernoulli_(torch.tensor([1, 0, 1]))
    with pytest.raises(NotImplementedError, match="bernoulli_"):
        tg.empty(3).bernoulli_(tg.tensor([1, 0, 1]))


# ---- rrelu: unfused slopes, float bounds and product for bfloat16 -------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@pytest.mark.parametrize("n", [15, 16, 17, 300])
def test_rrelu_training_slopes_and_gradient(dtype, n):
    x = np.random.default_rng(n).standard_normal((3, n)).astype(np.float32)
    outs = []
    for L in (torch, tg):
        L.manual_seed(5)
        a = L.tensor(x).to(getattr(L, dtype)).requires_grad_()
        y = L.nn.functional.rrelu(a, 0.1, 0.4, training=True)
        y.backward(L.ones_like(y))
        b = L.tensor(x).to(getattr(L, dtype))
        L.nn.functional.rrelu_(b, 0.03, 0.77, training=True)
        outs.append((y, a.grad, b, L.rand(2)))
    for u, v in zip(*outs):
        same(u, v)


# ---- dropout's scale in half: 1 / (1 - p) in float, rounded once --------------------------------------------------
@pytest.mark.parametrize("p", [0.3, 0.4, 0.7, 0.77])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_dropout_scale_in_half(p, dtype):
    def draws(L):
        F, d = L.nn.functional, getattr(L, dtype)
        x = L.ones(2, 3, 4, 5, dtype=d)
        yield F.dropout(x, p)
        yield L.nn.Dropout(p)(x)
        yield F.dropout(x.clone(), p, inplace=True)
        yield F.dropout1d(x[0], p)
        yield F.dropout2d(x, p)
        yield F.dropout3d(x[None], p)
    both(draws)


# ---- the serial normal_ in half: double -> float -> half -----------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_serial_normal_in_half_rounds_through_float(dtype):
    def draws(L):
        o = L.empty(2 * 65536, dtype=getattr(L, dtype))[::2]  # seed 0: 4 values of the float16 draw tie-round
        yield o.normal_()
        yield o.normal_(0.5, 2.0)
        yield L.normal(L.zeros(65536, dtype=getattr(L, dtype)), 1.0, out=o)
    both(draws)


# ---- trunc_normal_ redraws into empty_like(tensor) ------------------------------------------------------------------
@pytest.mark.parametrize("kind", [1, 2, 3])
@pytest.mark.parametrize("shape", [(16, 17), (3, 4, 5), (65,)])
def test_trunc_normal_redraws_of_a_strided_tensor(kind, shape):
    def draws(L):
        for dtype in FLOATS:
            yield L.nn.init.trunc_normal_(laid_out(L, shape, dtype, kind))
            yield L.nn.init.trunc_normal_(laid_out(L, shape, dtype, kind), 0.5, 1.0, -1.0, 1.5)
    both(draws)


# ---- rand_like, randn_like, randint_like keep a dense input's layout -----------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_random_like_of_a_permuted_tensor(dtype):
    def draws(L):
        for x in (L.empty(4, 3, 6, dtype=getattr(L, dtype)).permute(2, 1, 0), L.empty(17, 5).t()):
            for y in (L.rand_like(x, dtype=x.dtype), L.randn_like(x, dtype=x.dtype), L.randint_like(x, 3, 9),
                      L.randint_like(x, 5), L.rand_like(x, memory_format=L.contiguous_format)):
                yield L.tensor(list(y.stride()))
                yield y
    both(draws)


# ---- random_ and randint into a float dtype: bounds the dtype rounds past move inward, as torch's update_from/to ---
def _near(b):
    return [b - 3, b - 2, b - 1, b, b + 1, b + 2, b + 3]


@pytest.mark.parametrize("dtype,digits", [("float16", 11), ("bfloat16", 8), ("float32", 24)])
def test_float_random_bounds_move_as_torchs(dtype, digits):
    edges = [0, 5] + _near(2 ** digits) + _near(2 ** (digits + 1)) + _near(3 * 2 ** digits)
    edges = sorted(set(edges + [-e for e in edges]))

    def torch_takes(lo, hi):
        try:
            torch.empty(1, dtype=getattr(torch, dtype)).random_(lo, hi)
            return True
        except RuntimeError:  # both bounds round to one value: checked in the test below
            return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = [(lo, hi) for lo in edges for hi in edges + [None] if (hi is None or lo < hi) and torch_takes(lo, hi)]

        def draws(L):
            d = getattr(L, dtype)
            for lo, hi in pairs:
                yield L.empty(5, dtype=d).random_(lo, hi)
                if hi is not None:
                    yield L.randint(lo, hi, (5,), dtype=d)
        both(draws)


@pytest.mark.parametrize("dtype,lo,hi", [("float16", 4097, 4100), ("float16", -4100, -4097), ("bfloat16", 513, 516)])
def test_float_random_bounds_that_round_together_raise(dtype, lo, hi):
    for L in (torch, tg):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError, match="random_"):
                L.empty(3, dtype=getattr(L, dtype)).random_(lo, hi)


@pytest.mark.parametrize("dtype,lo", [("float16", 2048), ("bfloat16", 256), ("float32", 2 ** 24)])
def test_float_random_from_at_the_top_raises(dtype, lo):
    with pytest.raises(RuntimeError):
        torch.empty(3, dtype=getattr(torch, dtype)).random_(lo, None)
    with pytest.raises(RuntimeError, match="random_"):
        tg.empty(3, dtype=getattr(tg, dtype)).random_(lo, None)


# ---- normal's result takes mean's dtype (std's where mean is a number), as torch's empty(shape, mean.options()) ----
def test_normal_result_takes_means_dtype():
    def draws(L):
        yield L.normal(L.zeros(20), L.ones(20, dtype=L.float64))
        yield L.normal(L.zeros(20, dtype=L.float16), L.rand(20, dtype=L.float64) + 0.5)
        yield L.normal(L.zeros(20, dtype=L.float64), L.ones(20, dtype=L.float16))
        yield L.normal(1.0, L.ones(20, dtype=L.float64))
    both(draws)


@pytest.mark.parametrize("call", [lambda L: L.normal(L.tensor([1, 2]), 1.0),
                                  lambda L: L.normal(0.0, L.tensor([1, 2])),
                                  lambda L: L.normal(L.tensor([1, 2]), L.tensor([1.0, 2.0])),
                                  lambda L: L.bernoulli(L.tensor([1, 0]))])
def test_integer_means_and_probabilities_raise(call):
    with pytest.raises(NotImplementedError):
        call(torch)
    with pytest.raises(NotImplementedError, match="normal|bernoulli"):
        call(tg)


@pytest.mark.parametrize("call", [lambda L: L.normal(L.zeros(2, 3), L.ones(4)),
                                  lambda L: L.empty(5).bernoulli_(L.rand(3)),
                                  lambda L: L.empty(5).bernoulli_(L.rand(2, 5)),
                                  lambda L: L.randperm(129, dtype=L.int8),
                                  lambda L: L.randperm(257, dtype=L.uint8),
                                  lambda L: L.randperm(2050, dtype=L.float16),
                                  lambda L: L.multinomial(L.ones(2 ** 24 + 1), 1),
                                  lambda L: L.multinomial(L.ones(2, 2 ** 24 + 1), 1, True)])
def test_bad_shapes_and_ranges_raise_as_torch(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError, match="normal|bernoulli_|randperm|multinomial"):
        call(tg)


def test_randperm_at_the_dtype_limits_matches_torch():
    def draws(L):
        yield L.randperm(128, dtype=L.int8)
        yield L.randperm(256, dtype=L.uint8)
        yield L.randperm(2049, dtype=L.float16)
    both(draws)


@pytest.mark.parametrize("dtype,lo,hi", [("float16", 70000, 70010), ("float16", 0, 70000), ("float16", -70000, 0),
                                         ("float16", 0, 65520), ("float16", -2 ** 63, 5)])
def test_float_random_bounds_past_the_dtype_raise(dtype, lo, hi):
    for L in (torch, tg):
        for call in (lambda: L.empty(3, dtype=getattr(L, dtype)).random_(lo, hi),
                     lambda: L.randint(lo, hi, (3,), dtype=getattr(L, dtype))):
            with pytest.raises(RuntimeError, match="out of bounds"):
                call()


def test_uniform_takes_torchs_from_and_to_keywords():
    def draws(L):
        yield L.empty(20).uniform_(**{"from": -1.0, "to": 2.0})
        yield L.empty(20, dtype=L.float64).uniform_(**{"to": 3.0})
    both(draws)
    with pytest.raises(TypeError):
        tg.empty(3).uniform_(low=1.0)
