"""torch.utils.data.sampler: the orders DataLoader batches (sequential, random, subset, weighted) and BatchSampler."""
import numbers
from ...creation import as_tensor
from ...dtype import float64
from ...random import gen_of, Generator


class Sampler:
    """An iterable of dataset indices (one epoch's order); DataLoader(sampler=...) batches them."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh permutation each epoch (or num_samples draws with replacement), from `generator`."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, got {replacement!r}")
        self.data_source, self.replacement, self.generator = data_source, replacement, generator
        self._num_samples = num_samples
        if not isinstance(self.num_samples, numbers.Integral) or self.num_samples <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, got {self.num_samples!r}"
                             + (" (the dataset is empty)" if num_samples is None else ""))

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, g = len(self.data_source), self.generator
        if g is None:  # as torch: a fresh generator seeded from the default one, each epoch
            g = Generator().manual_seed(int(gen_of(None).randint(1, 0, 2 ** 63)[0]))
        gen_of(g)  # a TypeError now for what isn't a Generator
        return self._draws(n, g)

    def _draws(self, n, g):
        """Lazily, as torch: with replacement 32 ids a draw (minGPT asks for num_samples=1e10 and takes what it
        needs), else num_samples // n whole permutations, then one more cut to the rest (drawn even when empty)."""
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from g.randint(32, 0, n).tolist()
            yield from g.randint(self.num_samples % 32, 0, n).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from g.randperm(n).tolist()
        yield from g.randperm(n)[:self.num_samples % n].tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a fresh random order each epoch."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def __iter__(self):
        return iter([self.indices[i] for i in gen_of(self.generator).randperm(len(self.indices)).tolist()])

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices drawn with probability proportional to weights (with replacement by default)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer value, "
                             f"got {num_samples!r}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, got {replacement!r}")
        w = as_tensor(weights, dtype=float64)  # as torch: a float64 Tensor (the very one, when it is already one)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence, got shape {tuple(w.shape)}")
        self.weights, self.num_samples, self.replacement, self.generator = w, num_samples, replacement, generator

    def __iter__(self):
        from ...tensor_index import multinomial  # validates the weights (negative, nan, all zero) as torch does
        idx = multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        return iter(idx.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group a sampler's indices into lists of batch_size."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, got {batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, got {drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
