"""torch.utils.data.dataloader: default_collate, default_convert and DataLoader.

DataLoader takes samples by index and collates them; when the dataset is a TensorDataset (or a Subset of
one) and the collate function is the default, it gathers the whole batch with one fancy-index per tensor
instead, which gives the same batch without a Python loop over samples."""
import collections.abc
import copy
import math
import numbers
import numpy as np
from ...tensor import Tensor
from ...random import gen_of
from .dataset import TensorDataset, Subset, IterableDataset
from .sampler import RandomSampler, SequentialSampler, BatchSampler
from .worker import start_workers


def default_collate(batch):
    """Stack a list of samples into a batch, keeping the sample's structure: tensors, numpy arrays and numbers
    become one tensor with a new first dimension; tuples/lists, dicts and namedtuples are collated per field."""
    elem = batch[0]
    if isinstance(elem, Tensor):  # as torch.stack: a TypeError for a non-Tensor, dtypes promoted, the graph kept
        from ...tensor_join import stack
        if all(isinstance(b, Tensor) for b in batch):
            _check_equal_shapes(batch)
        return stack(list(batch))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(f"default_collate: numpy arrays of dtype {elem.dtype} can't become a tensor")
        if any(type(b) is not np.ndarray or b.dtype != elem.dtype for b in batch):  # torch promotes as torch.stack
            from ...creation import as_tensor                                      # does: float32 with int64 is float32
            return default_collate([as_tensor(b) for b in batch])
        _check_equal_shapes(batch)
        return Tensor._wrap(np.stack(batch))
    if isinstance(elem, (str, bytes)):  # np.str_ too: it is a str
        return batch  # as torch: a list at the top, a tuple of one field's strings inside a sample
    if isinstance(elem, np.generic):  # numpy scalars keep their dtypes, promoted as torch.as_tensor(batch) does
        if elem.dtype.kind in "OSUVMm":
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                            f"found numpy {elem.dtype}")
        from ...creation import as_tensor
        return as_tensor(list(batch))
    if isinstance(elem, numbers.Integral):  # bool too; as torch.tensor(batch): [2, 1.5] is float32, [True, 2] int64
        from ...creation import tensor
        return tensor(list(batch))
    if isinstance(elem, float):  # torch collates Python floats as float64
        return Tensor._wrap(np.array(batch, dtype=np.float64))
    if isinstance(elem, collections.abc.Mapping):  # as torch: the first sample's mapping type, where it rebuilds
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _rebuilt(elem, collated, lambda clone: clone.update(collated), collections.abc.MutableMapping)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))  # a field's strings stay a tuple, as torch's
    if isinstance(elem, collections.abc.Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError(f"default_collate: each element in list of batch should be of equal size, got "
                               f"sizes {[len(b) for b in batch]}")
        collated = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):  # torch's backwards compatibility: a tuple's fields come back as a list
            return collated

        def fill(clone):
            for i, c in enumerate(collated):
                clone[i] = c
        return _rebuilt(elem, collated, fill, collections.abc.MutableSequence)
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}")


def _check_equal_shapes(batch):
    if any(b.shape != batch[0].shape for b in batch):
        raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, got shapes "
                           f"{[tuple(b.shape) for b in batch]}")


def _rebuilt(elem, collated, fill, mutable):
    """collated in elem's container type, as torch rebuilds it: a copy of a mutable one filled in, else
    type(elem)(collated); the plain dict or list when that fails."""
    try:
        if isinstance(elem, mutable):
            clone = copy.copy(elem)
            fill(clone)
            return clone
        return type(elem)(collated)
    except TypeError:
        return collated


def default_convert(data):
    """One sample, unbatched, with numpy arrays and numpy scalars made tensors (inside tuples, lists, dicts and
    namedtuples too; a tuple comes back a list, as torch's); anything else as it is. DataLoader(batch_size=None)
    applies it to each sample."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        if isinstance(data, np.ndarray) and data.dtype.kind in "OSUV":  # strings and objects have no tensor
            return data
        from ...creation import as_tensor
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):  # a copy keeps the mapping's own type and extras
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(converted):
                    clone[i] = d
                return clone
            return type(data)(converted)
        except TypeError:  # range and the like can't be rebuilt from a list
            return converted
    return data


def _gather(dataset, idx):
    """The batch at the index list idx, fetched with one fancy-index per tensor, or None if the dataset isn't
    built from plain tensors this way (a tensor that needs grad is stacked by default_collate, keeping its graph)."""
    if type(dataset) is TensorDataset:
        if any(t.requires_grad for t in dataset.tensors):
            return None
        return [Tensor._wrap(t._data[np.asarray(idx, dtype=np.int64)]) for t in dataset.tensors]
    if type(dataset) is Subset:
        sub = np.asarray(dataset.indices, dtype=np.int64)[np.asarray(idx, dtype=np.int64)]
        return _gather(dataset.dataset, sub)
    return None


class DataLoader:
    """Iterate a dataset in batches. shuffle draws a fresh permutation each epoch from `generator` (a
    teenygrad.Generator; the global one if None). num_workers > 0 runs torch's worker protocol in this process
    (worker.py): each worker's seed, worker_init_fn, get_worker_info and its own copy of the dataset, and
    torch's batch order, so the batches equal torch's; pin_memory and timeout change nothing here."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool)  # torch's test:
                                       or batch_size <= 0):                                   # np.int64 too is refused
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, got {batch_size!r}")
        if batch_size is not None and batch_sampler is None and not isinstance(drop_last, bool):
            raise ValueError(f"DataLoader: drop_last should be a boolean value, got {drop_last!r}")
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
        if not isinstance(num_workers, numbers.Integral):  # torch's worker loop would refuse it: range(1.5)
            raise TypeError(f"DataLoader: num_workers must be an integer, got {num_workers!r}")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:  # as torch: the options of worker processes need some
            raise ValueError(f"DataLoader: prefetch_factor={prefetch_factor!r} needs num_workers > 0")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError(f"DataLoader: prefetch_factor option should be non-negative, got {prefetch_factor}")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.batch_size = None if batch_sampler is not None else batch_size
        if not isinstance(dataset, IterableDataset):  # as torch: the epoch's order and its batches, for code to read
            if sampler is None:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
            if batch_size is not None and batch_sampler is None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.shuffle, self.sampler, self.batch_sampler = shuffle, sampler, batch_sampler
        self.drop_last, self.generator, self.num_workers = drop_last, generator, num_workers
        self.pin_memory, self.timeout, self.worker_init_fn = pin_memory, timeout, worker_init_fn
        self.multiprocessing_context, self.pin_memory_device, self.in_order = (multiprocessing_context,
                                                                               pin_memory_device, in_order)
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.persistent_workers = persistent_workers
        self._workers = None  # persistent_workers keep theirs (and their random states) from epoch to epoch
        if collate_fn is None:  # as torch: without batching each sample is only converted
            collate_fn = default_convert if batch_size is None and batch_sampler is None else default_collate
        self.collate_fn = collate_fn

    def _index_batches(self):
        """The epoch's tasks: the batch sampler's lists of indices, or without batching the sampler's indices (both
        read lazily: a sampler may be all but endless)."""
        return iter(self.sampler if self.batch_sampler is None else self.batch_sampler)

    def _gathered(self, ds, idx):
        """The batch by _gather where the fetch is default_collate over plain tensors, else None. It runs no user
        code and draws no random numbers, so a worker needs no swap of its random states for it."""
        if self.collate_fn is not default_collate or (self.batch_size is None and self.batch_sampler is None):
            return None
        return _gather(ds, idx)

    def _fetch(self, ds, idx):
        """One task's result, as torch's fetcher: the dataset's __getitems__(idx) when it has one, else a sample
        per index, collated; without batching dataset[idx], converted."""
        if self.batch_size is None and self.batch_sampler is None:
            return self.collate_fn(ds[idx])
        batch = self._gathered(ds, idx)
        if batch is not None:
            return batch
        getitems = getattr(ds, "__getitems__", None)
        return self.collate_fn(getitems(idx) if getitems else [ds[i] for i in idx])

    def _start_workers(self):
        """This epoch's workers: fresh ones (torch draws their base seed from `generator` first, each epoch), or
        the persistent ones, which keep their dataset copies and random states and draw no new seed."""
        if self._workers is not None:
            return self._workers
        base_seed = int(gen_of(self.generator).randint(1, 0, 2 ** 63)[0])
        if self.num_workers == 0:
            if self.timeout != 0:  # torch's type and test, at the start of iteration
                raise AssertionError(f"DataLoader: timeout={self.timeout} needs num_workers > 0")
            return None
        if self.prefetch_factor <= 0:
            raise AssertionError(f"DataLoader: prefetch_factor must be greater than 0 with num_workers > 0, got "
                                 f"{self.prefetch_factor}")
        workers = start_workers(self.num_workers, base_seed, self.dataset, self.worker_init_fn,
                                deep_copy=isinstance(self.dataset, IterableDataset))
        if self.persistent_workers:
            self._workers = workers
        return workers

    def __iter__(self):
        return self._batches(self._start_workers())  # as torch: the seed draw and checks happen at iter(loader)

    def _batches(self, workers):
        if isinstance(self.dataset, IterableDataset):
            yield from self._iter_streams(workers)
            return
        for k, idx in enumerate(self._index_batches()):  # the sampler runs here, in the main process
            if workers is None:
                yield self._fetch(self.dataset, idx)
                continue
            w = workers[k % len(workers)]  # torch sends task k to worker k mod num_workers
            batch = self._gathered(w.info.dataset, idx)
            if batch is None:
                with w:
                    batch = self._fetch(w.info.dataset, idx)
            yield batch

    def _iter_streams(self, workers):
        """An IterableDataset: in the main process its stream, batched; with workers each worker batches its own
        copy's whole stream, and torch takes one batch from each worker in turn, dropping those that end."""
        if workers is None:
            yield from self._stream(self.dataset)
            return
        for w in workers:
            w.stream = self._stream(w.info.dataset)
        active = list(workers)
        while active:
            for w in list(active):
                with w:
                    batch = next(w.stream, _END)
                if batch is _END:
                    active.remove(w)
                else:
                    yield batch

    def _stream(self, dataset):
        if self.batch_size is None:
            for sample in dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in dataset:
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


_END = object()
