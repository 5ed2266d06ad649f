"""torch.utils.data.get_worker_info and the DataLoader's workers. teenygrad runs each of num_workers "workers" in
the calling process, one batch at a time, but gives each what torch's worker process has: its own copy of the
dataset, a WorkerInfo (id, num_workers, seed = base_seed + id, dataset), the random states torch seeds a
worker with (teenygrad's and Python's from that seed, numpy's from torch's _generate_state), and one call of
worker_init_fn(id). Batches come back in torch's order, so results equal a torch run with the same seeds."""
import copy
import random
from dataclasses import dataclass

import numpy as np

from ...random import Generator, default_generator

_current = None  # the WorkerInfo of the worker whose code is running now, None in the main process


@dataclass
class WorkerInfo:
    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """Inside a DataLoader worker (its dataset calls, collate_fn, worker_init_fn): its WorkerInfo; else None."""
    return _current


def _numpy_seed(base_seed, worker_id):
    """The four 32-bit words torch seeds a worker's numpy.random with (torch.utils.data._utils.worker
    ._generate_state: numpy's SeedSequence hash over worker_id and base_seed)."""
    mask = 0xFFFFFFFF
    mult_a, mult_b, shift = 0x931E8875, 0x58F38DED, 16
    hash_a = 0x43B0D7E5

    def _hash(value):
        nonlocal hash_a
        value = (value ^ hash_a) & mask
        hash_a = (hash_a * mult_a) & mask
        value = (value * hash_a) & mask
        return (value ^ (value >> shift)) & mask

    def _mix(x, y):
        r = (((0xCA01F9DD * x) & mask) - ((0x4973F715 * y) & mask)) & mask
        return (r ^ (r >> shift)) & mask

    pool = [_hash(e) for e in (worker_id, base_seed & mask, base_seed >> 32, 0)]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = _mix(pool[dst], _hash(pool[src]))
    hash_b, state = 0x8B51F9DD, []
    for v in pool:
        v = (v ^ hash_b) & mask
        hash_b = (hash_b * mult_b) & mask
        v = (v * hash_b) & mask
        state.append((v ^ (v >> shift)) & mask)
    return state


class _Worker:
    """One worker's state; `with worker:` runs code as that worker (its info and random states swapped in)."""

    def __init__(self, worker_id, num_workers, base_seed, dataset, init_fn):
        seed = base_seed + worker_id
        self.info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        self._gen = Generator().manual_seed(seed)
        self._py = random.Random(seed).getstate()
        self._np = np.random.RandomState(_numpy_seed(base_seed, worker_id)).get_state()
        self.stream = None  # an IterableDataset worker's batch iterator
        if init_fn is not None:
            with self:
                init_fn(worker_id)

    def __enter__(self):
        global _current
        self._saved = _current, random.getstate(), np.random.get_state()
        _current = self.info
        random.setstate(self._py)
        np.random.set_state(self._np)
        default_generator.__dict__, self._gen.__dict__ = self._gen.__dict__, default_generator.__dict__
        return self

    def __exit__(self, *exc):
        global _current
        default_generator.__dict__, self._gen.__dict__ = self._gen.__dict__, default_generator.__dict__
        self._py, self._np = random.getstate(), np.random.get_state()
        _current, py, npy = self._saved
        random.setstate(py)
        np.random.set_state(npy)
        return False


def _dataset_copy(dataset, deep):
    """What unpickling gives a torch worker: its own copy. A map-style dataset gets a shallow one (worker_init_fn
    may set its attributes; its arrays stay shared), a stream a deep one (its reading state is the worker's own);
    the same object where it can't be copied."""
    try:
        return copy.deepcopy(dataset) if deep else copy.copy(dataset)
    except Exception:
        return dataset


def start_workers(num_workers, base_seed, dataset, init_fn, deep_copy):
    return [_Worker(w, num_workers, base_seed, _dataset_copy(dataset, deep_copy), init_fn) for w in range(num_workers)]
