"""Seeded random numbers: a torch-like Generator over numpy's PCG64 (the numbers differ from torch's)."""
import contextlib
import numbers

import numpy as np


class Generator:
    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 0
        self.rng = np.random.Generator(np.random.PCG64(0))

    def manual_seed(self, seed):
        if not isinstance(seed, numbers.Integral):
            raise TypeError(f"manual_seed: expected an int seed, got {type(seed).__name__} {seed!r}")
        if not -2 ** 63 <= seed < 2 ** 64:
            raise ValueError(f"manual_seed: seed {seed} is outside [-2**63, 2**64)")
        self._seed = int(seed) % 2 ** 64  # as torch: a negative seed wraps to its unsigned 64-bit value
        self.rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        return self.manual_seed(np.random.SeedSequence().entropy % (2 ** 63))._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """JSON-able state (so a training checkpoint can resume the exact random stream)."""
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state
        return self


default_generator = Generator().manual_seed(0)


def manual_seed(seed):
    default_generator.manual_seed(int(seed))  # as torch: the module function converts ('7', 1.5), a Generator won't
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def rng_of(generator):
    if generator is None:
        return default_generator.rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a teenygrad.Generator, got {type(generator).__name__}")
    return generator.rng


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
