"""Datasets and batching with torch.utils.data's names: Dataset, TensorDataset, Subset, ConcatDataset,
IterableDataset, random_split, samplers, default_collate and a single-process DataLoader.

DataLoader takes samples by index and collates them; when the dataset is a TensorDataset (or a Subset of
one) and the collate function is the default, it gathers the whole batch with one fancy-index per tensor
instead, which gives the same batch without a Python loop over samples."""
import bisect
import collections.abc
import math
import numbers
import numpy as np
from ..tensor import Tensor
from ..random import gen_of, Generator


class Dataset:
    """A map-style dataset: __getitem__(index) -> sample, and usually __len__."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: __iter__ yields them (the DataLoader batches consecutive ones)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class TensorDataset(Dataset):
    """Sample i is tuple(t[i] for t in tensors); all tensors share their first dimension."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if any(s != sizes[0] for s in sizes) or sizes[0] is None:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dimensions {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of dataset at the given indices, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Datasets one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise ValueError("ConcatDataset: does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise IndexError(f"ConcatDataset: index {idx} out of range for length {len(self)}")
            idx += len(self)
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        return self.datasets[d][idx - (self.cumulative_sizes[d - 1] if d else 0)]


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping Subsets of the given lengths, or fractions summing to 1 (the leftover items
    from flooring go one each to the first subsets, as torch does)."""
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1: {frac}")
        sizes = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if any(not isinstance(k, numbers.Integral) or k < 0 for k in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions summing to 1, "
                         f"got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths {lengths} ({sum(lengths)}) does not equal the "
                         f"length of the input dataset ({n})")
    perm = gen_of(generator).randperm(n).tolist()
    out, start = [], 0
    for k in lengths:
        out.append(Subset(dataset, perm[start:start + k]))
        start += k
    return out


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
        if self.replacement:
            return iter(g.randint(self.num_samples, 0, n).tolist())
        # as torch: num_samples // n whole permutations, then one more cut to the rest (drawn even when that is empty)
        perms = [g.randperm(n) for _ in range(self.num_samples // n + 1)]
        return iter(np.concatenate(perms)[:self.num_samples].tolist())

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
        w = np.asarray(weights.numpy() if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence, got shape {w.shape}")
        self.weights, self.num_samples, self.replacement, self.generator = w, num_samples, replacement, generator

    def __iter__(self):
        from ..tensor_index import multinomial  # validates the weights (negative, nan, all zero) as torch does
        idx = multinomial(Tensor(self.weights), self.num_samples, self.replacement, generator=self.generator)
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


def default_collate(batch):
    """Stack a list of samples into a batch, keeping the sample's structure: tensors, numpy arrays and numbers
    become one tensor with a new first dimension; tuples/lists, dicts and namedtuples are collated per field."""
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray)) and any(b.shape != elem.shape for b in batch):
        raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, got shapes "
                           f"{[tuple(b.shape) for b in batch]}")
    if isinstance(elem, Tensor):
        if any(b.requires_grad for b in batch):  # keep the graph, as torch.stack does
            from ..tensor_join import stack
            return stack(list(batch))
        return Tensor._wrap(np.stack([b._data for b in batch]))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(f"default_collate: numpy arrays of dtype {elem.dtype} can't become a tensor")
        return Tensor._wrap(np.stack(batch))
    if isinstance(elem, (str, bytes)):  # np.str_ too: it is a str
        return batch  # as torch: a list at the top, a tuple of one field's strings inside a sample
    if isinstance(elem, np.generic):  # numpy scalars keep their dtype
        return Tensor._wrap(np.array(batch, dtype=elem.dtype))
    if isinstance(elem, numbers.Integral):  # bool too; as torch.tensor(batch): [2, 1.5] is float32, [True, 2] int64
        from ..creation import tensor
        return tensor(list(batch))
    if isinstance(elem, float):  # torch collates Python floats as float64
        return Tensor._wrap(np.array(batch, dtype=np.float64))
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError(f"default_collate: each element in list of batch should be of equal size, got "
                               f"sizes {[len(b) for b in batch]}")
        return [default_collate(s) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}")


def _gather(dataset, idx):
    """The batch at integer array idx, fetched with one fancy-index per tensor, or None if the dataset isn't
    built from tensors this way."""
    if type(dataset) is TensorDataset:
        return [Tensor._wrap(t._data[idx]) for t in dataset.tensors]
    if type(dataset) is Subset:
        return _gather(dataset.dataset, np.asarray(dataset.indices, dtype=np.int64)[idx])
    return None


class DataLoader:
    """Iterate a dataset in batches. shuffle draws a fresh permutation each epoch from `generator` (a
    teenygrad.Generator; the global one if None). Loading runs in this process: num_workers, pin_memory
    and the like are accepted for torch scripts and change nothing but speed."""

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 generator=None, prefetch_factor=None, persistent_workers=False):
        if batch_size is not None and (not isinstance(batch_size, numbers.Integral) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, got {batch_size!r}")
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None disables batching and is mutually exclusive with drop_last")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                             "sampler, and drop_last")
        if isinstance(dataset, IterableDataset) and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError("DataLoader: an IterableDataset takes no shuffle, sampler or batch_sampler")
        if num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative, got {num_workers}")
        self.dataset = dataset
        self.batch_size = None if batch_sampler is not None else batch_size
        self.shuffle, self.sampler, self.batch_sampler = shuffle, sampler, batch_sampler
        self.drop_last, self.generator, self.num_workers = drop_last, generator, num_workers
        self.collate_fn = default_collate if collate_fn is None else collate_fn

    def _indices(self):
        if self.sampler is not None:
            return list(self.sampler)
        n = len(self.dataset)
        return list(RandomSampler(self.dataset, generator=self.generator)) if self.shuffle else np.arange(n)

    def _index_batches(self):
        if self.batch_sampler is not None:
            yield from self.batch_sampler
            return
        order, b = self._indices(), self.batch_size
        stop = (len(order) // b) * b if self.drop_last else len(order)
        for i in range(0, stop, b):
            yield order[i:i + b]

    def __iter__(self):
        # torch draws each iterator's base seed (for worker processes) first: the same draw keeps the streams equal
        gen_of(self.generator).randint(1, 0, 2 ** 63)
        if isinstance(self.dataset, IterableDataset):
            yield from self._iter_stream()
            return
        if self.batch_size is None and self.batch_sampler is None:  # no batching: samples one by one
            for i in self._indices():
                yield self.dataset[int(i)]
            return
        fast = self.collate_fn is default_collate
        for idx in self._index_batches():
            batch = _gather(self.dataset, np.asarray(idx, dtype=np.int64)) if fast else None
            if batch is None:
                batch = self.collate_fn([self.dataset[int(i)] for i in idx])
            yield batch

    def _iter_stream(self):
        if self.batch_size is None:
            yield from self.dataset
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # TypeError if the stream has no length, as in torch
        elif self.batch_sampler is not None:
            return len(self.batch_sampler)
        else:
            n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
