"""Seeded random numbers that are torch's own on the CPU: the same seed gives the same numbers.

torch's CPU generator is a 32-bit Mersenne Twister (MT19937) seeded with the seed's low 32 bits, and each sampler
turns its raw words into values in a fixed way (aten/src/ATen/core/TransformationHelper.h and
native/cpu/DistributionTemplates.h describe it). numpy ships the same twister, so a Generator here holds one
(`np.random.MT19937`, seeded through numpy's legacy 32-bit seeding, the reference algorithm that torch uses too)
and repeats torch's transformations on its raw words, vectorised:

- uniform float32: the low 24 bits of one word times 2^-24 (float64: the low 53 bits of two words, high word
  first), then `x * (to - from) + from` (half and bfloat16: the float32 value, from float32 bounds, rounded); a
  value that rounds up to `to` is `from` instead (uniform_(1, 2) from the largest word; rand in half near 1);
- randint / random_: one word modulo the range (two words, high first, when the range is 2^28 or more), plus
  low; random_() with no bounds takes two words for int64 and float64 only, whatever the range;
- randn float32 (16 values or more, contiguous): uniforms in place, then Box-Muller on blocks of 16, each block's
  first 8 values paired with its last 8, with the float32 log/sin/cos polynomials of torch's AVX2 kernel (which x86
  builds use even on AVX-512 machines) and its fused multiply-adds; a tail shorter than 16 redraws the last 16
  values (half and bfloat16 draw each block's 16 uniforms in turn, so their tail's uniforms are the words after
  the whole blocks', not after all n). Fewer than 16 values (or float64 ones not in blocks) take a double
  Box-Muller per pair whose second value is kept for the next call, as torch's generator does;
- exponential: -log1p(-u) / lambda on a 53-bit uniform; bernoulli(p): a 53-bit uniform < p; multinomial: one
  exponential per category and the largest p / e (n = 1 or no replacement), else a binary search of the
  normalised cumulative sum per 53-bit uniform (the exponentials follow the probabilities' memory order, as
  torch's empty_like(probs)); randperm: Fisher-Yates, one word modulo (n - i) per step;
- gamma (torch._standard_gamma), dirichlet (torch._sample_dirichlet) and poisson: torch's serial rejection
  samplers, one element after another in C order (the same whatever torch's thread count): Marsaglia-Tsang on
  53-bit uniforms and double Box-Muller normals (sharing the generator's cached normal), alpha < 1 boosted by
  u^(1/alpha) (float32 alpha: torch's float steps in float32); Dirichlet: double gammas over torch's CPU row-sum
  order; poisson: Hoermann's PTRS for rates >= 10 (with the C library's lgamma), else the product of uniforms.
  Python loops over words drawn ahead in blocks (the twister is wound back to the words used): ~10 ms per 10^4
  values; gamma's loop also runs compiled (numba, the same draws bit for bit) when the kernels are on.

float64 randn takes torch's scalar kernel in double (libm's log/cos/sin through Python's math); half and bfloat16
take the float32 kernel and round. The float64 samplers (exponential_, cauchy_, log_normal_, ...) store half and
bfloat16 through float32, as torch builds those types from a float (cast_sample). Checked bit for bit against
torch 2.13 on x86 (tests/test_torch_rng.py). On ARM
torch's randn takes its scalar kernel (libm's log/sin/cos) and differs from these values in the last bits. The
gamma, Dirichlet and Poisson samplers are checked in tests/test_torch_rng_gamma.py. Only rng_of's users
(nn.init.trunc_normal_ on a narrow window far in a tail) still draw from numpy's algorithms over the same twister:
seeded and reproducible, not torch's numbers. nn.init.orthogonal_ draws torch's normals but orthogonalises them
with numpy's LAPACK QR, which differs from torch's build in the last bits (a few ulps): the same stream after it,
not the same bits. tests/test_rng_fuzz15.py compares the samplers with torch across seeds, shapes and dtypes."""
import contextlib
import math
import numbers
import os

import numpy as np

from . import random_state
from .random_math import _box_muller_f64, _box_muller_kernel, _fma64, _libm, _libm_lgamma

_DEFAULT_SEED = 67280421310721  # torch's seed for a new Generator (its default generator gets a random one)
_M24 = np.uint64((1 << 24) - 1)
_M53 = np.uint64((1 << 53) - 1)
_F32 = np.float32
_F64 = np.float64
_BLOCK = 1 << 15  # elements per block of float64 temporaries (256 KB, within L2)
_SERIAL_KERNEL_FROM = 64  # randperm, uniform: below this numpy (or Python's loop) is as fast as numba


class Generator:
    def __init__(self, device="cpu"):
        self.device = device
        self._mt = None  # the twister, made on first use: numpy.random costs ~9 ms of `import teenygrad`
        self.manual_seed(_DEFAULT_SEED)

    @property
    def _bg(self):
        """The MT19937 bit generator, seeded from _seed when first asked for."""
        if self._mt is None:
            self._mt = np.random.MT19937(0)
            self._rng = np.random.Generator(self._mt)  # numpy's own samplers over the same twister (not torch's)
            self._seed_twister()
        return self._mt

    @property
    def rng(self):
        """numpy's samplers over the same twister (made, with it, on first use)."""
        if self._mt is None:
            self._bg
        return self._rng

    def _seed_twister(self):
        # MT19937's reference seeding of a 32-bit value (torch keeps the low 32 bits), through numpy's public API
        key = np.random.RandomState(self._seed & 0xFFFFFFFF).get_state()[1]
        self._mt.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 624}}

    def manual_seed(self, seed):
        if not isinstance(seed, numbers.Integral):
            raise TypeError(f"manual_seed: expected an int seed, got {type(seed).__name__} {seed!r}")
        if not -2 ** 63 <= seed < 2 ** 64:
            raise ValueError(f"manual_seed: seed {seed} is outside [-2**63, 2**64)")
        self._seed = int(seed) % 2 ** 64  # as torch: a negative seed wraps to its unsigned 64-bit value
        if self._mt is not None:
            self._seed_twister()
        self._next_normal = None  # the second value of the last double Box-Muller pair, as torch keeps it
        return self

    def seed(self):
        return self.manual_seed(_os_seed())._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """torch's state: a uint8 tensor of 5056 bytes, the same bytes torch's CPU generator gives (random_state.py)."""
        from .tensor import Tensor
        s = self._bg.state["state"]
        return Tensor._wrap(random_state.encode(self._seed, s["key"], int(s["pos"]), self._next_normal))

    def set_state(self, new_state):
        return self._load_state(new_state, "set_state")

    def _load_state(self, state, op):
        """Takes get_state()'s tensor (teenygrad's or torch's bytes), or the dict that older teenygrads returned."""
        seed, key, pos, self._next_normal = random_state.decode(state, op)
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._seed = self._seed if seed is None else seed
        return self

    # ---- torch's samplers ----------------------------------------------------------------------------------
    def _words(self, n):
        """n raw 32-bit words (uint64 array), torch's generator->random()."""
        return self._bg.random_raw(n) if n else np.zeros(0, np.uint64)

    def _words64(self, n):
        """n 64-bit words, each from two 32-bit ones (high word first): torch's generator->random64()."""
        w = self._words(2 * n)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    def _u24(self, n):
        """n float32 uniforms on [0, 1) in steps of 2^-24 (exact in float32)."""
        w = self._words(n)
        w &= _M24
        return np.multiply(w, _F32(2.0 ** -24), dtype=_F32, casting="unsafe")  # < 2^24: converts exactly

    def _u53(self, n):
        """n float64 uniforms on [0, 1) in steps of 2^-53."""
        return (self._words64(n) & _M53).astype(_F64) * 2.0 ** -53

    def uniform_double(self, n, low, high):
        """n float64 values u * (high - low) + low, rounded twice: torch's uniform_real_distribution<double> where a
        kernel outside the fused samplers calls it (rrelu), and nothing moves a value that rounds up to high."""
        return self._u53(n) * (high - low) + low

    def uniform(self, n, dtype, low=0.0, high=1.0):
        """n values uniform on [low, high) of float dtype, torch's uniform_ in iteration order: a value that rounds
        up to high (uniform_(1, 2) from the largest 24-bit word, or any rand in half) is low instead."""
        out = self._uniform_rounded(n, dtype, low, high)
        if (low, high) == (0, 1) and dtype in (_F32, _F64):  # below 1 - 2^-24 exactly: nothing rounds up
            return out
        hit = out == dtype.type(high)
        if hit.any():
            out[hit] = dtype.type(low)
        return out

    def _uniform_rounded(self, n, dtype, low, high):
        if dtype == _F64:
            u = self._u53(n)
            # x * (to - from) + from, fused
            return u if (low, high) == (0, 1) else _fma64(u, _F64(high) - _F64(low), _F64(low))
        # float32, half and bfloat16: torch's float32 uniform_ (from and to in float32, not in the tensor's dtype),
        # rounded to the dtype at the end
        lo, hi = _F32(low), _F32(high)
        if lo == 0 and hi == 1:
            return self._u24(n).astype(dtype, copy=False)
        # x * (to - from) + from in float32 with one rounding (the compiler fuses it): exact through float64,
        # a block at a time so the float64 temporaries stay in cache
        w = self._words(n)
        out = np.empty(n, _F32)
        span, base, scale = _F64(hi - lo), _F64(lo), _F64(2.0 ** -24)
        from .backend import cpu
        if n >= _SERIAL_KERNEL_FROM and cpu.fused() is not None:
            from .backend._numba_random import uniform_f32
            uniform_f32(w, span, base, out)
            return out.astype(dtype, copy=False)
        w &= _M24
        for a in range(0, n, _BLOCK):
            t = np.multiply(w[a:a + _BLOCK], scale, dtype=_F64, casting="unsafe")  # the float32 uniform x, exactly
            t *= span
            t += base
            out[a:a + _BLOCK] = t
        return out.astype(dtype, copy=False)

    def normal(self, n, dtype, mean=0.0, std=1.0, contiguous=True):
        """n values N(mean, std^2) of float dtype in iteration order, as torch's normal_."""
        if n >= 16 and contiguous:
            if dtype == _F64:  # torch's scalar kernel in double: libm's log, cos and sin
                d = self._normal_blocks(n, self._u53, _box_muller_f64)
                return _fma64(d, _F64(std), _F64(mean)) if (mean != 0 or std != 1) else d  # * std + mean, fused
            # float32, and half and bfloat16 too (torch computes them with the same float kernel and rounds)
            d = self._normal_blocks(n, self._u24, _box_muller_kernel(n), per_block=dtype != _F32)
            if mean != 0 or std != 1:
                d = (d.astype(_F64) * _F64(_F32(std)) + _F64(_F32(mean))).astype(_F32)  # one fused multiply-add
            return d.astype(dtype, copy=False)
        z = self._normal_pairs(n)  # torch's normal_distribution<double>: z * std + mean, fused, then the dtype
        return cast_sample(z if (mean, std) == (0, 1) else _fma64(z, _F64(std), _F64(mean)), dtype)

    def _normal_blocks(self, n, uniforms, box_muller, per_block=False):
        """torch's normal_fill: n uniforms, each whole block of 16 turned into normals in place; a tail shorter than
        a block takes 16 fresh uniforms, whose normals overwrite the last 16 values. Half and bfloat16 (per_block)
        draw 16 float32 uniforms per whole block instead, so the tail's uniforms follow the blocks' directly."""
        d = uniforms(n - n % 16 if per_block else n)
        box_muller(d, d.size)
        if n % 16:
            tail = uniforms(16)
            box_muller(tail, 16)
            if per_block:
                d = np.concatenate([d[:n - 16], tail])
            else:
                d[n - 16:] = tail
        return d

    def _normal_pairs(self, n):
        """torch's normal_distribution<double>, n times: a cached value first, then Box-Muller pairs (cos now,
        sin kept for the next draw)."""
        out = np.empty(n, _F64)
        i = 0
        if n and self._next_normal is not None:
            out[0], self._next_normal, i = self._next_normal, None, 1
        m = n - i
        if m:
            k = (m + 1) // 2
            u = self._u53(2 * k)
            u1, u2 = u[0::2], u[1::2]
            r = [math.sqrt(-2.0 * math.log1p(-b)) for b in u2.tolist()]
            th = [2.0 * math.pi * a for a in u1.tolist()]
            vals = np.empty(2 * k, _F64)
            vals[0::2] = [a * math.cos(t) for a, t in zip(r, th)]
            vals[1::2] = [a * math.sin(t) for a, t in zip(r, th)]
            out[i:] = vals[:m]
            if m % 2:
                self._next_normal = float(vals[-1])
        return out

    def randint(self, n, low, high, wide=None):
        """n integers uniform on [low, high) (int64), torch's random_from_to: a 64-bit word per value from a range
        of 2^28 on (less skew), else a 32-bit one. wide=True/False forces one (random_() with no bounds: 64-bit
        words for int64 and float64 only, whatever the range)."""
        span = high - low
        wide = span >= 1 << 28 if wide is None else wide
        w = self._words64(n) if wide else self._words(n)
        w %= np.uint64(span)  # in place, a fresh array: below 2^63 now, so int64 reads the same bits (no copy)
        v = w.view(np.int64)
        if low:
            v += low
        return v

    def randperm(self, n):
        """torch's randperm on the CPU: Fisher-Yates, swapping i with i + (word mod (n - i))."""
        if n < 2:
            return np.arange(n, dtype=np.int64)
        if n >= _SERIAL_KERNEL_FROM:
            from .backend import cpu
            if cpu.fused() is not None:  # the same swaps compiled: ~100x faster than the Python loop below
                from .backend._numba_random import fisher_yates
                return fisher_yates(self._words(n - 1))
        z = (self._words(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        p = list(range(n))
        for i, k in enumerate(z):
            if k:
                j = i + k
                p[i], p[j] = p[j], p[i]
        return np.asarray(p, dtype=np.int64)

    def exponential(self, n, lambd=1.0, dtype=_F64):
        """n values Exp(lambd) (float64 math, then dtype): -1/lambd * log1p(-u). float64 takes libm's log1p, whose
        last bit numpy's differs from; narrower dtypes take numpy's (the rounding to them hides that bit)."""
        u = self._u53(n)
        lg = _libm(math.log1p, -u) if dtype == _F64 else np.log1p(-u)
        return ((-1.0 / lambd) * lg).astype(dtype, copy=False)

    def cauchy(self, n, median, sigma):
        """n float64 Cauchy values: median + sigma * tan(pi * (u - 0.5)), fused, with libm's tan."""
        return _fma64(_F64(sigma), _libm(math.tan, math.pi * (self._u53(n) - 0.5)), _F64(median))

    def log_normal(self, n, mean, std):
        """n float64 values exp(z * std + mean) (fused, libm's exp), z from torch's normal_distribution<double>."""
        return _libm(math.exp, _fma64(self._normal_pairs(n), _F64(std), _F64(mean)))

    def geometric(self, n, p):
        """n float64 values ceil(log(u) / log1p(-p)): the trials up to the first success."""
        return np.ceil(_libm(math.log, self._u53(n)) / math.log1p(-p))

    def bernoulli(self, n, p):
        """n booleans, True with probability p (a number, or an array of n probabilities): torch's bernoulli."""
        if isinstance(p, np.ndarray) and p.dtype != _F64:
            return self._u24(n) < p.astype(_F32, copy=False)  # float probabilities: a float32 uniform
        return self._u53(n) < p

    def multinomial(self, rows, num_samples, replacement):
        """Category indices (len(rows), num_samples) from the rows of probabilities (float32 or float64; any
        strides: the exponentials below follow their memory order, as torch's empty_like(probs).exponential_())."""
        if not replacement or num_samples == 1:
            # torch: q ~ Exp(1) per category (in the rows' dtype); the sample is the argmax (or top k) of p / q
            if rows.flags.c_contiguous:  # memory order is C order (a model's next-token probabilities)
                q = self.exponential(rows.size, 1.0, rows.dtype).reshape(rows.shape)
            else:
                q = draw_like(rows.shape, rows.strides, lambda n: self.exponential(n, 1.0, rows.dtype))
            with np.errstate(divide="ignore", invalid="ignore"):
                keys = rows / q
            if num_samples == 1:
                return keys.argmax(axis=1)[:, None]
            if 8 * num_samples > rows.shape[1]:  # most of each row is kept anyway: sort it whole
                return np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
            return _top_k_stable(keys, num_samples)
        # each row's normalised cumulative sum (summed in turn, in the rows' dtype), then for each of the row's
        # num_samples 53-bit uniforms (row after row) the first category whose cumulative sum reaches it
        u = self._u53(rows.shape[0] * num_samples).reshape(rows.shape[0], num_samples)
        rows = np.ascontiguousarray(rows)
        from .backend import cpu
        if cpu.fused() is not None:  # the same steps in one pass per row (numpy's cumsum alone is 2x slower)
            from .backend._numba_random import multinomial_rows
            out = np.empty(u.shape, np.int64)
            multinomial_rows(rows, u, out)
            return out
        cum = np.cumsum(rows, axis=1, dtype=rows.dtype)
        total = cum[:, -1:]
        np.divide(cum, total, out=cum, where=total > 0)
        cum[:, -1] = 1
        if rows.shape[0] == 1:
            return np.searchsorted(cum[0], u[0], side="left")[None]
        return _search_rows(cum, u)
    # ---- torch's rejection samplers: one element after another (torch's cpu_serial_kernel), in C order ------------
    def gamma(self, alpha, dtype=None):
        """Gamma(alpha, 1) draws for each value of the array alpha, in C order, as torch's _standard_gamma on the CPU:
        Marsaglia and Tsang's rejection method (sample_gamma in aten/src/ATen/native/Distributions.h) on
        uniform_real_distribution<double> (53-bit) and normal_distribution<double> draws (Box-Muller pairs, the
        second value kept for the next draw), in double with alpha's own dtype where torch's code does float math
        (alpha + 1, 1 / alpha, alpha - 1/3 for float32). Returns float64 values rounded to dtype (alpha's dtype
        unless given) and kept at least its smallest normal number; dtype float64 on float32 alpha is the gamma
        step of torch's _sample_dirichlet. alpha 0 gives the smallest normal number with no draw; nan or negative
        alpha (torch loops forever or gives nonsense) gives nan with no draw."""
        a = np.asarray(alpha)
        dtype = np.dtype(dtype if dtype is not None else (a.dtype if a.dtype.kind == "f" else _F64))
        a = a.astype(dtype).ravel()
        small = a < 1
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            inv = (dtype.type(1) / a).astype(_F64)  # 1.0f / alpha: in alpha's dtype
            boosted = np.where(small, a + dtype.type(1), a)  # alpha += 1.0f: in alpha's dtype
            d = (boosted - dtype.type(_F32(1) / _F32(3))).astype(_F64)  # alpha - 1.0f / 3.0f
            c = 1.0 / np.sqrt(9.0 * d)
        out = np.empty(a.size, _F64)
        from .backend import cpu
        if cpu.fused() is not None:  # the same loop compiled: 1e5 values in ~7 ms instead of ~84 ms
            self._gamma_kernel(a, small.view(np.uint8), inv, d, c, out)
            return np.maximum(out.astype(dtype), np.finfo(dtype).tiny).astype(_F64)
        s = _Draws(self, 3 * a.size)
        uniform, normal = s.uniform, s.normal
        log, pow_ = math.log, math.pow
        k0331 = float(_F32(0.0331))
        for j, (aj, sm, ij, dj, cj) in enumerate(zip(a.tolist(), small.tolist(), inv.tolist(), d.tolist(),
                                                     c.tolist())):
            if not aj > 0:
                out[j] = 0.0 if aj == 0 else math.nan
                continue
            scale = pow_(1.0 - uniform(), ij) if sm else 1.0
            while True:
                while True:
                    x = normal()
                    y = 1.0 + cj * x
                    if not y <= 0:
                        break
                v = y * y * y
                u = 1.0 - uniform()
                xx = x * x
                if u < 1.0 - k0331 * xx * xx or log(u) < 0.5 * xx + dj * (1.0 - v + log(v)):
                    break
            out[j] = scale * dj * v
        s.close()
        return np.maximum(out.astype(dtype), np.finfo(dtype).tiny).astype(_F64)

    def _gamma_kernel(self, a, small, inv, d, c, out):
        """gamma's loop as numba's gamma_serial, on raw words drawn ahead in chunks (the next chunk appended when an
        element runs past them); then the twister is wound back to the last chunk that holds unused words and
        advanced over the used ones, and the Box-Muller normal left over is kept, as _Draws does for the loop."""
        if not a.size:
            return
        from .backend._numba_random import gamma_serial
        chunk = 2 * min(4 * a.size + 64, _BLOCK)  # words: ~3.5 uniforms an element on average, two words each
        words, j, pos, done = np.zeros(0, np.uint64), 0, 0, 0  # done: uniforms used before words[0]
        sp, has = (0.0, False) if self._next_normal is None else (self._next_normal, True)
        marks = []  # (uniforms drawn before a chunk, the twister's state then)
        while j < a.size:
            marks.append((done + words.size // 2, self._bg.state))
            words, done = np.concatenate((words[2 * pos:], self._words(chunk))), done + pos
            j, pos, sp, has = gamma_serial(a, small, inv, d, c, words, out, j, 0, sp, has)
        used = done + pos
        drawn, state = next(m for m in reversed(marks) if m[0] <= used)
        self._bg.state = state
        self._words(2 * (used - drawn))
        self._next_normal = float(sp) if has else None

    def dirichlet(self, alpha):
        """Dirichlet draws for the rows (last axis) of the array alpha, as torch's _sample_dirichlet on the CPU: a
        double gamma draw per value in C order, each divided by its row's double sum, then alpha's dtype, kept in
        [smallest normal, the largest value below 1]. Returns alpha's dtype."""
        a = np.asarray(alpha)
        dtype = a.dtype if a.dtype.kind == "f" else np.dtype(_F64)
        return normalise_gammas(self.gamma(a.astype(_F64), _F64).reshape(a.shape), dtype)

    def poisson(self, rates):
        """Poisson draws (float64 counts) for each value of the array rates, in C order, as torch's poisson on the
        CPU (sample_poisson in aten/src/ATen/native/Distributions.cpp): rate >= 10 takes Hoermann's transformed
        rejection (PTRS, two 53-bit uniforms a try), 0 gives 0 with no draw, else the product of uniforms until it
        falls below exp(-rate). Negative rates raise, as torch's do."""
        lam = np.asarray(rates, _F64).ravel()
        if not (lam >= 0).all():  # nan too, as torch's check
            raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
        out = np.empty(lam.size, _F64)
        s = _Draws(self, 2 * lam.size)
        uniform = s.uniform
        log, floor, exp, sqrt, lgamma = math.log, _floor_i64, math.exp, math.sqrt, _libm_lgamma()
        for j, lj in enumerate(lam.tolist()):
            if lj >= 10:
                slam, loglam = sqrt(lj), log(lj)
                b = 0.931 + 2.53 * slam
                a = -0.059 + 0.02483 * b
                log_invalpha = log(1.1239 + 1.1328 / (b - 3.4))
                vr = 0.9277 - 3.6224 / (b - 2)
                while True:
                    u = uniform() - 0.5
                    v = uniform()
                    us = 0.5 - abs(u)
                    k = floor((2 * a / us + b) * u + lj + 0.43)
                    if us >= 0.07 and v <= vr:
                        break
                    if k < 0 or (us < 0.013 and v > us):
                        continue
                    if log(v) + log_invalpha - log(a / (us * us) + b) <= -lj + k * loglam - lgamma(k + 1.0):
                        break
            elif lj == 0:
                k = 0
            else:
                enlam, k, prod = exp(-lj), 0, 1.0
                while True:
                    prod *= uniform()
                    if not prod > enlam:
                        break
                    k += 1
            out[j] = k
        s.close()
        return out


def _top_k_stable(keys, k):
    """np.argsort(-keys, axis=1, kind="stable")[:, :k] (the k largest keys of each row, ties by lowest index),
    without sorting whole rows: everything at or above each row's k-th largest key, sorted. Falls back to the
    full sort where a nan would be among the k."""
    neg = -keys
    kth = np.partition(neg, k - 1, axis=1)[:, k - 1:k]
    if np.isnan(kth).any():
        return np.argsort(neg, axis=1, kind="stable")[:, :k]
    r, c = np.nonzero(neg <= kth)  # row by row, each row's categories in increasing order
    order = np.lexsort((neg[r, c], r))  # by row, then by key; stable, so ties stay in increasing category order
    starts = np.searchsorted(r, np.arange(keys.shape[0]))
    return c[order][starts[:, None] + np.arange(k)]


def _search_rows(cum, u):
    """np.searchsorted(cum[i], u[i], side="left") for every row i at once: a binary search of all rows in step
    (cum's rows are non-decreasing), as torch's per-sample binary search finds the same index."""
    n = cum.shape[1]
    lo = np.zeros(u.shape, np.int64)
    hi = np.full(u.shape, n, np.int64)
    for _ in range(n.bit_length()):
        mid = (lo + hi) >> 1
        below = np.take_along_axis(cum, np.minimum(mid, n - 1), axis=1) < u
        lo = np.where(below, mid + 1, lo)
        hi = np.where(below, hi, mid)
    return lo


def normalise_gammas(g, dtype):
    """The second half of torch's _sample_dirichlet: double gamma draws g (rows on the last axis) divided by their
    row's sum (torch's CPU sum order), in dtype, kept in [smallest normal, the largest value below 1]."""
    dtype = np.dtype(dtype)
    x = (g / _row_sum(g)).astype(dtype)
    return np.clip(x, np.finfo(dtype).tiny, np.nextafter(dtype.type(1), dtype.type(0)))


class _Draws:
    """torch's uniform_real_distribution<double> and normal_distribution<double>, one value at a time, for the
    serial rejection samplers: 53-bit uniforms come from words drawn ahead in blocks, and close() winds the
    twister back to where the values used end (and keeps the Box-Muller normal left over, as torch does)."""

    def __init__(self, g, hint):
        self.g, self.state, self.used = g, g._bg.state, 0
        self.buf, self.i = [], 0
        self.spare, g._next_normal = g._next_normal, None
        self._hint = max(64, hint)

    def uniform(self):
        i = self.i
        if i == len(self.buf):
            self.used += i
            self.buf, self.i, i = self.g._u53(self._hint).tolist(), 0, 0
            self._hint *= 2
        self.i = i + 1
        return self.buf[i]

    def normal(self):
        z = self.spare
        if z is not None:
            self.spare = None
            return z
        u1 = self.uniform()
        r = math.sqrt(-2.0 * math.log1p(-self.uniform()))
        theta = 2.0 * math.pi * u1
        self.spare = r * math.sin(theta)
        return r * math.cos(theta)

    def close(self):
        g = self.g
        g._bg.state = self.state
        g._words(2 * (self.used + self.i))
        g._next_normal = self.spare


def _floor_i64(x):
    """(int64_t)std::floor(x), with x86's answer (INT64_MIN) where x is nan or out of range."""
    return math.floor(x) if -9.2e18 < x < 9.2e18 else -2 ** 63


def _row_sum(g, w=4):
    """g.sum(-1, keepdim=True) for a double array as torch's CPU reduction adds up contiguous rows
    (vectorized_inner_sum in aten/src/ATen/native/cpu/SumKernel.cpp): the row's whole vectors of w lanes summed
    lane-wise by row_sum (four interleaved accumulators, cascaded in levels of 16 or more), then 0 plus the
    leftover values in turn, plus each lane in turn. Four lanes matches torch 2.13's default, AVX2 and AVX-512
    kernels alike (checked against each through ATEN_CPU_CAPABILITY)."""
    k = g.shape[-1]
    rows = g.reshape(-1, k)
    nvec = k // w
    vecs = rows[:, :nvec * w].reshape(rows.shape[0], nvec, w)
    n_ilp = nvec // 4
    acc = np.zeros((4, 4, rows.shape[0], w))  # level, interleaved accumulator, row, lane
    power = max(4, (1 if n_ilp <= 2 else (n_ilp - 1).bit_length()) // 4)
    step, i = 1 << power, 0
    while i + step <= n_ilp:
        for _ in range(step):
            acc[0] += vecs[:, 4 * i:4 * i + 4].transpose(1, 0, 2)
            i += 1
        for lev in range(1, 4):
            acc[lev] += acc[lev - 1]
            acc[lev - 1] = 0
            if i & ((step - 1) << (lev * power)):
                break
    for i in range(i, n_ilp):
        acc[0] += vecs[:, 4 * i:4 * i + 4].transpose(1, 0, 2)
    for lev in range(1, 4):
        acc[0] += acc[lev]
    part = acc[0]
    for i in range(4 * n_ilp, nvec):
        part[0] += vecs[:, i]
    for j in range(1, 4):
        part[0] += part[j]
    total = np.zeros(rows.shape[0])
    for j in range(nvec * w, k):
        total += rows[:, j]
    for lane in range(w):
        total += part[0][:, lane]
    return total.reshape(g.shape[:-1] + (1,))


def _os_seed():
    """A fresh 64-bit seed from the OS, as torch's seed() and its default generator at start-up take one."""
    return int.from_bytes(os.urandom(8), "little")


# as torch 2.13: a different seed in every process, so unseeded code gives different numbers on each run
# (os.urandom costs microseconds; the twister itself is still only made on first use)
default_generator = Generator().manual_seed(_os_seed())


def manual_seed(seed):
    default_generator.manual_seed(int(seed))  # as torch: the module function converts ('7', 1.5), a Generator won't
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator._load_state(new_state, "set_rng_state")


draw_watch = None  # func.vmap's watch on the generators func draws from (its randomness modes), or None


def gen_of(generator):
    """The Generator to draw from: generator, or the default one."""
    if generator is None:
        generator = default_generator
    elif not isinstance(generator, Generator):
        raise TypeError(f"generator must be a teenygrad.Generator, got {type(generator).__name__}")
    if draw_watch is not None:
        draw_watch(generator)
    return generator


def rng_of(generator):
    """numpy's samplers over generator's twister, for the distributions whose torch algorithm is not repeated here."""
    return gen_of(generator).rng


def memory_order(shape, strides):
    """The axes of a tensor of `shape` whose memory has `strides` in the order torch's iterator visits them (the
    smallest stride fastest). An expanded tensor (a stride 0) is not dense, and torch's empty_like then infers its
    strides by an insertion sort that never moves a dim past one of stride 0 (infer_dense_strides)."""
    if not any(st == 0 and n > 1 for n, st in zip(shape, strides)):
        return sorted(range(len(shape)), key=lambda i: -abs(strides[i]) if shape[i] > 1 else 0)
    perm = list(range(len(shape) - 1, -1, -1))  # innermost first

    def should_swap(d0, d1):
        s0, s1 = strides[d0], strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        return -1 if s0 < s1 else 1 if s0 > s1 or shape[d0] > shape[d1] else 0
    for i in range(1, len(perm)):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm[::-1]


def draw_like(shape, strides, draw):
    """draw(n) for a tensor of `shape` whose memory has `strides`, placed as torch's iterator visits it, returned
    in C order of shape."""
    n = math.prod(shape)
    order = memory_order(shape, strides)
    if order == sorted(order):
        return draw(n).reshape(shape)
    vals = draw(n).reshape([shape[i] for i in order])
    return vals.transpose(np.argsort(order))


def largest_finite(d):
    """The largest finite value of a float dtype (numpy's finfo does not know bfloat16)."""
    if d.kind == "V":  # bfloat16
        import ml_dtypes
        return float(ml_dtypes.finfo(d).max)
    return float(np.finfo(d).max)


def float_random_bounds(lo, hi, dtype, op):
    """torch's update_from / update_to for random_(from, to) and randint into a float dtype: a bound that the
    dtype rounds past the range (half(2999) is 3000) moves inward by one step of the dtype there. hi=None is
    [lo, 2^digits]: returned as hi = 2^digits + 1."""
    d, lo0, hi0 = np.dtype(dtype), lo, hi
    digits = {2: 8 if d.kind == "V" else 11, 4: 24, 8: 53}[d.itemsize]  # bfloat16, half, float, double

    def rounded(v):  # (int64_t)(scalar_t)v: x86 gives INT64_MIN where that leaves int64 (inf included)
        x = float(np.array(v).astype(d).astype(_F64)) if abs(v) < 2 ** 63 else math.inf
        return int(x) if -2 ** 63 <= x < 2 ** 63 else -2 ** 63

    def step(v):  # the spacing of the dtype's integers about v
        return 1 << ((abs(v).bit_length() - 1) - digits + 1)
    up = rounded(lo + 1)
    if up < lo:
        lo = up + step(lo + 1)
    if hi is None:
        hi = (1 << digits) + 1
        if lo >= hi - 1:  # torch: from < 2^digits here
            raise RuntimeError(f"{op}: expects 'from' to be less than {hi - 1} in {d.name}, got from={lo}")
    else:
        down = rounded(hi - 1)
        if down >= hi:
            hi = down - step(hi - 1)
    if lo >= hi:
        raise RuntimeError(f"{op}: expects 'from' to be less than 'to' once both are rounded to {d.name}, got "
                           f"from={lo} and to={hi}")
    top = largest_finite(d)
    for name, v, given in (("from", lo, lo0), ("to - 1", hi - 1, None if hi0 is None else hi0 - 1)):
        if not -top <= v <= top:
            raise RuntimeError(f"{op}: {name} = {given} is out of bounds for {d.name} (its largest is {top:g})")
    return lo, hi


def cast_sample(vals, dtype):
    """A sampler's float64 values in dtype as torch stores them: half and bfloat16 are made from a float, so the
    double rounds to float32 first (a direct rounding differs where that first rounding lands on a tie)."""
    dtype = np.dtype(dtype)
    if vals.dtype == _F64 and dtype.kind in "fV" and dtype.itemsize == 2:  # float16, bfloat16
        vals = vals.astype(_F32)
    return vals.astype(dtype, copy=False)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, **kwargs):
    """Draws inside the block leave the default generator as they found it (torch.random.fork_rng)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
