"""A Generator's state as torch's CPU generator writes it: a uint8 tensor of 5056 bytes, byte for byte the same, so
that a state moves between the two libraries (through numpy) and the draws after it agree.

The bytes are torch's CPUGeneratorImplState on x86-64 (little-endian, C alignment), read off torch 2.13's
get_rng_state() around seeds and draws:

    offset  0  u64  the initial seed (all 64 bits; the twister was seeded with the low 32)
            8  i32  left: words until the next twist, plus one (1 right after seeding, or after the 624th word)
           12  i32  seeded (1)
           16  u64  next: the index of the next word (0 right after seeding)
           24  u64  x 624  the twister's words, one per 64-bit slot
         5016  f64  normal_x, 5024 normal_y, 5032 normal_rho; 5040 i32 normal_is_valid: torch keeps only the
                    cached second value of a double Box-Muller pair, in normal_y (x and rho are 0)
         5048  f32  a cached float normal, 5052 u8 its valid flag: torch's CPU samplers never set it; 0 here

numpy's twister counts used words instead (pos, 1..624; 624 means "twist first"): pos = 625 - left = next,
except right after seeding (next 0, left 1: pos 624 as well)."""
import numpy as np

N = 624
SIZE = 5056
_LAYOUT = np.dtype({
    "names": ["seed", "left", "seeded", "next", "key", "normal_x", "normal_y", "normal_rho", "normal_is_valid",
              "float_normal", "float_normal_is_valid"],
    "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", N), "<f8", "<f8", "<f8", "<i4", "<f4", "u1"],
    "offsets": [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052],
    "itemsize": SIZE})


def _just_seeded(seed, key):
    """Whether key still holds the words of seeding with seed (MT19937's init: k[i] = 1812433253 * (k[i-1] ^
    k[i-1] >> 30) + i), which torch writes with next = 0 rather than 624."""
    k = key.astype(np.uint64)
    follow = (np.uint64(1812433253) * (k[:-1] ^ (k[:-1] >> np.uint64(30))) + np.arange(1, N, dtype=np.uint64))
    return int(k[0]) == seed & 0xFFFFFFFF and np.array_equal(follow & np.uint64(0xFFFFFFFF), k[1:])


def encode(seed, key, pos, next_normal):
    """torch's state bytes (a uint8 array of SIZE) for a twister with key words at pos, seeded with seed."""
    rec = np.zeros((), _LAYOUT)
    rec["seed"], rec["left"], rec["seeded"] = seed, N + 1 - pos, 1
    rec["next"] = 0 if pos == N and _just_seeded(seed, key) else pos
    rec["key"] = key
    if next_normal is not None:
        rec["normal_y"], rec["normal_is_valid"] = next_normal, 1
    return np.frombuffer(rec.tobytes(), np.uint8).copy()


def decode(state, op):
    """(seed, key as uint32, pos, cached normal or None) from torch's state bytes in a uint8 tensor, or from the
    dict that teenygrad's get_state returned before its state became torch's (its checkpoints hold one; seed None
    there when it lacks one)."""
    if isinstance(state, dict):
        return _decode_dict(state, op)
    from .tensor import Tensor
    if not isinstance(state, Tensor):
        raise TypeError(f"{op}: expected a uint8 tensor (torch's ByteTensor) from get_state(), got "
                        f"{type(state).__name__}")
    if state.dtype != np.uint8:
        raise TypeError(f"{op}: the RNG state must be a uint8 tensor (torch's ByteTensor), got {state.dtype}")
    if state.numel() != SIZE:
        raise RuntimeError(f"{op}: expected a CPU generator state of {SIZE} bytes, got {state.numel()}")
    rec = np.frombuffer(np.ascontiguousarray(state.cpu().numpy()).tobytes(), _LAYOUT)[0]
    left, nxt = int(rec["left"]), int(rec["next"])
    if not rec["seeded"] or not 0 < left <= N or nxt > N:
        raise RuntimeError(f"{op}: invalid mt19937 state (seeded {int(rec['seeded'])}, left {left}, next {nxt}; "
                           f"torch wants seeded, left in [1, {N}], next <= {N})")
    if left != 1 and nxt != N + 1 - left:
        raise RuntimeError(f"{op}: mt19937 state with next {nxt} and left {left}: torch writes next = {N + 1} - left "
                           f"(or next 0 with left 1); teenygrad's twister cannot follow other states")
    nxt_normal = float(rec["normal_y"]) if rec["normal_is_valid"] else None
    return int(rec["seed"]), rec["key"].astype(np.uint32), N + 1 - left, nxt_normal


def _decode_dict(state, op):
    if state.get("bit_generator") != "MT19937" or "key" not in state:
        raise ValueError(f"{op}: expected a state from Generator.get_state() (an MT19937 twister, as torch's CPU "
                         f"generator), got {state.get('bit_generator')!r}; states saved by teenygrad before its "
                         f"generator became torch's (PCG64) cannot continue that stream: start again from a seed")
    key, pos = np.asarray(state["key"], dtype=np.uint32), int(state["pos"])
    if key.shape != (N,) or not 1 <= pos <= N:  # numpy's twister is at 1..624 after seeding or any draw
        raise ValueError(f"{op}: an MT19937 state has {N} key words and a position in [1, {N}], got "
                         f"{key.size} words and position {state['pos']}")
    seed = state.get("seed")
    nxt = state.get("next_normal")
    return None if seed is None else int(seed), key, pos, None if nxt is None else float(nxt)
