"""teenygrad.utils.data beside torch.utils.data, found by a differential fuzz: DataLoader workers (order, seeds,
get_worker_info, worker_init_fn on the worker's dataset copy, IterableDataset streams per worker, persistent
workers), __getitems__, containers default_collate rebuilds, non-integer sampler keys, graph-keeping batches."""
import collections
import random
import warnings
import numpy as np
import pytest
import torch
import torch.utils.data as tdata
import teenygrad as tg
from teenygrad.utils import data as gdata


def _plain(x):
    """A batch as comparable Python data: tensors become (dtype, values), containers keep their type's name."""
    if isinstance(x, (torch.Tensor, tg.Tensor)):
        return str(x.dtype).replace("torch.", ""), x.numpy().tolist()
    if isinstance(x, dict):
        return type(x).__name__, {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, collections.deque)):
        return type(x).__name__, [_plain(v) for v in x]
    return x


def _both(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's hints about worker counts and pin_memory without a GPU
        return _plain(make(torch, tdata)), _plain(make(tg, gdata))


def _map_dataset(m, data):
    class Probe(data.Dataset):
        offset = 0

        def __len__(self):
            return 9

        def __getitem__(self, i):
            w = data.get_worker_info()
            return {"i": i + self.offset, "w": -1 if w is None else w.id, "seed": -1 if w is None else w.seed % 99991,
                    "r": m.rand(1), "np": np.random.rand(), "py": random.random()}
    return Probe()


def _set_offset(data):
    def init(worker_id):
        data.get_worker_info().dataset.offset = 100 * (worker_id + 1)
    return init


def test_map_style_workers_equal_torch_over_two_persistent_epochs():
    """Worker k of torch loads batches k, k + n, ...; it is seeded base_seed + k (teenygrad, random, numpy as
    torch seeds them), worker_init_fn sets only its own copy, and persistent workers draw no new base seed."""
    def run(m, data):
        m.manual_seed(5)
        ds = _map_dataset(m, data)
        dl = data.DataLoader(ds, 2, shuffle=True, num_workers=2, persistent_workers=True,
                             worker_init_fn=_set_offset(data))
        return [list(dl), list(dl), m.rand(2), ds.offset]
    py, npy = random.getstate(), np.random.get_state()
    t, g = _both(run)
    assert g == t
    assert random.getstate() == py and str(np.random.get_state()) == str(npy)  # the main process's are untouched


@pytest.mark.parametrize("split", [False, True])
def test_iterable_dataset_workers_equal_torch(split):
    """Without a split each worker reads the whole stream (its own deep copy); torch takes one batch from each
    worker in turn and drops a worker when its stream ends, partial last batches per worker."""
    def run(m, data):
        class Stream(data.IterableDataset):
            def __init__(self):
                self.start = 0

            def __iter__(self):
                w = data.get_worker_info()
                for k in range(self.start, 3 + 3 * w.id):
                    if not split or k % w.num_workers == w.id:
                        yield k, w.id, m.randint(0, 100, (1,))

        def init(worker_id):
            data.get_worker_info().dataset.start = worker_id
        m.manual_seed(1)
        ds = Stream()
        return [list(data.DataLoader(ds, 2, num_workers=2, worker_init_fn=init)), ds.start, m.rand(1)]
    t, g = _both(run)
    assert g == t


def test_iter_draws_the_base_seed_at_iter():
    def run(m, data):
        m.manual_seed(3)
        it = iter(data.DataLoader(range(8), 3, shuffle=True))
        r = m.rand(2)
        return [list(it), r]
    t, g = _both(run)
    assert g == t


def test_getitems_feeds_the_batch():
    def run(m, data):
        class Batched(data.Dataset):
            def __len__(self):
                return 5

            def __getitem__(self, i):
                return i

            def __getitems__(self, idx):
                return [10 * i for i in idx]
        d = Batched()
        return [list(data.DataLoader(d, 2)), list(data.DataLoader(data.Subset(d, [4, 0, 2]), 2)),
                list(data.DataLoader(data.StackDataset(d, range(5)), 3)),
                list(data.DataLoader(data.StackDataset(a=d, b=d), 4)), list(data.DataLoader(d, None))]
    t, g = _both(run)
    assert g == t


def test_sampler_keys_pass_through_unchanged():
    def run(m, data):
        d = {"a": 1.5, "b": 2.5, "c": 3.5}
        return [list(data.DataLoader(d, 2, sampler=["c", "a", "b"])), list(data.DataLoader(d, None, sampler=["b"]))]
    t, g = _both(run)
    assert g == t


class _Items(list):
    pass


@pytest.mark.parametrize("make", [
    lambda i: collections.OrderedDict(b=i, a=float(i)),
    lambda i: collections.defaultdict(list, x=np.float32(i)),
    lambda i: collections.deque([i, np.int32(i)]),
    lambda i: _Items([i, i * 0.5]),
    lambda i: ([i], (np.ones(2) * i, "s")),
], ids=["OrderedDict", "defaultdict", "deque", "list-subclass", "nested"])
def test_default_collate_keeps_container_types(make):
    t, g = _both(lambda m, data: data.default_collate([make(i) for i in range(3)]))
    assert g == t


def test_default_collate_refuses_datetime_scalars():
    batch = [np.datetime64("2020-01-01"), np.datetime64("2020-01-02")]
    with pytest.raises(TypeError):
        tdata.default_collate(batch)
    with pytest.raises(TypeError, match="default_collate: .*datetime64"):
        gdata.default_collate(batch)


def test_tensor_dataset_batches_keep_the_graph():
    x = tg.arange(6.0).reshape(3, 2).requires_grad_()
    (b,) = next(iter(gdata.DataLoader(gdata.TensorDataset(x), 2)))
    b.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 1], [1, 1], [0, 0]])


def test_concat_dataset_negative_index_past_the_start():
    with pytest.raises(ValueError):
        tdata.ConcatDataset([range(3)])[-4]
    with pytest.raises(ValueError, match="ConcatDataset: .*-4"):
        gdata.ConcatDataset([range(3)])[-4]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # torch's half-built iterator's __del__
@pytest.mark.parametrize("kw", [dict(timeout=1.5), dict(num_workers=2, prefetch_factor=0)])
def test_iteration_checks_as_torch(kw):
    """torch accepts these at construction and refuses them when iteration starts (AssertionError)."""
    with pytest.raises(AssertionError):
        iter(tdata.DataLoader(range(4), **kw))
    with pytest.raises(AssertionError, match="DataLoader: "):
        iter(gdata.DataLoader(range(4), **kw))
    assert gdata.DataLoader(range(4), num_workers=2).prefetch_factor == 2


def test_adding_streams_chains_them():
    def run(m, data):
        class Stream(data.IterableDataset):
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                return iter(range(self.n))
        both = Stream(2) + Stream(3)
        return [type(both).__name__, list(both), list(data.DataLoader(both, 2))]
    t, g = _both(run)
    assert g == t
    with pytest.raises(AssertionError):
        tdata.ConcatDataset([tdata.ChainDataset([])])
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        gdata.ConcatDataset([gdata.ChainDataset([])])


def test_random_split_warns_of_an_empty_fraction():
    with pytest.warns(UserWarning, match="index 2 is 0"):
        tdata.random_split(range(3), [0.5, 0.4, 0.1])
    with pytest.warns(UserWarning, match="random_split: .*index 2 is 0"):
        parts = gdata.random_split(range(3), [0.5, 0.4, 0.1], generator=tg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [2, 1, 0]


def test_workers_keep_each_generators_cached_gaussian_as_torch():
    """A dataset drawing from all three generators, Gaussians too (numpy's randn and Python's gauss cache every
    second value): with 2 workers each draws torch's values, and the main process's draws between batches (its
    own cached Gaussians included) go on as if no worker had run."""
    class Gauss:
        def __init__(self, m):
            self.m = m

        def __len__(self):
            return 7

        def __getitem__(self, i):
            return [i, np.random.randn(), random.gauss(0, 1), self.m.randn(1), np.random.rand(), random.random()]

    def run(m, data):
        m.manual_seed(7)
        np.random.seed(3)
        random.seed(4)
        np.random.randn()  # leaves a cached Gaussian in the main process
        random.gauss(0, 1)
        out = [[b, np.random.randn(), random.gauss(0, 1)]
               for b in data.DataLoader(Gauss(m), 3, shuffle=True, num_workers=2)]
        return out + [m.rand(1), np.random.randn(3).tolist(), random.gauss(0, 1)]
    t, g = _both(run)
    assert g == t
