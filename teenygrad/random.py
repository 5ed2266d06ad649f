"""Seeded random numbers: a torch-like Generator over numpy's PCG64 (the numbers differ from torch's)."""
import numpy as np


class Generator:
    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 0
        self.rng = np.random.Generator(np.random.PCG64(0))

    def manual_seed(self, seed):
        self._seed = int(seed)
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
    default_generator.manual_seed(seed)
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
