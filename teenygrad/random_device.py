"""Dropout masks made on a GPU (random.py's generator only gives each mask its key)."""
import math

# ---- dropout masks on a GPU ---------------------------------------------------------------------------------
# A mask drawn on the host and copied over would cost more than the whole GPU step (the bernoulli draws of one
# (64, 6, 256, 256) attention mask take ~1.5 s here), so on a GPU the mask is made where it is used, by a
# counter-based hash of each element's index under a key drawn from the host generator (two words, one draw per
# mask): reproducible after manual_seed, one host draw instead of n, and the same numbers from any array library.
# torch too draws its CUDA masks on the device with another generator than the CPU's, so a GPU run's masks differ
# from the CPU run's in torch as here.
_GOLDEN, _MIX1, _MIX2 = 0x9E3779B9, 0x85EBCA6B, 0xC2B2AE35


def _fmix32(xp, h):
    """MurmurHash3's 32-bit finaliser, in place on a uint32 array: a bijection whose every output bit depends on
    every input bit."""
    h ^= h >> xp.uint32(16)
    h *= xp.uint32(_MIX1)
    h ^= h >> xp.uint32(13)
    h *= xp.uint32(_MIX2)
    h ^= h >> xp.uint32(16)
    return h


def hashed_bits(xp, n, key):
    """n uint32 words from the index 0..n-1 under a 64-bit key: fmix32(fmix32(i * golden ^ k0) ^ k1)."""
    if n >= 1 << 32:
        raise ValueError(f"dropout on a GPU: a mask of {n} elements is too large (the hash counts to 2^32)")
    h = xp.arange(n, dtype=xp.uint32)
    h *= xp.uint32(_GOLDEN)
    h ^= xp.uint32(key & 0xFFFFFFFF)
    h = _fmix32(xp, h)
    h ^= xp.uint32(key >> 32)
    return _fmix32(xp, h)


def device_dropout_noise(like, shape, p, generator):
    """Dropout's noise for an array on a GPU: 1 / (1 - p) where an element is kept (probability 1 - p, in steps of
    2^-24), 0 where it is dropped, shaped `shape` in like's dtype, made on like's device. The key comes from
    `generator` (one two-word draw)."""
    from ._arrays import xp_of
    xp = xp_of(like)
    k0, k1 = (int(w) for w in generator.randint(2, 0, 1 << 32))
    bits = hashed_bits(xp, math.prod(shape), k0 | k1 << 32)
    keep = (bits >> xp.uint32(8)) >= xp.uint32(math.ceil(p * (1 << 24)))  # a 24-bit uniform >= p
    return (keep.astype(like.dtype) / like.dtype.type(1 - p)).reshape(shape)
