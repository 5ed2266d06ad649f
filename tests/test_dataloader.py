"""teenygrad.utils.data beside torch.utils.data: same batches (unshuffled), same collated structure and dtypes,
same split sizes, and shuffling that is a reproducible permutation driven by teenygrad.Generator."""
import collections
import warnings
import numpy as np
import pytest
import torch
import torch.utils.data as tdata
import teenygrad as tg
from teenygrad.utils import data as gdata


def _same(g, t, where=""):
    """A teenygrad batch structure equals torch's: same containers, keys, shapes, dtypes and values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(g, tg.Tensor), f"{where}: {type(g).__name__} instead of a Tensor"
        assert str(g.dtype) == str(t.dtype).replace("torch.", ""), f"{where}: dtype {g.dtype} vs {t.dtype}"
        np.testing.assert_array_equal(g.numpy(), t.numpy(), err_msg=where)
    elif isinstance(t, dict):
        assert isinstance(g, dict) and list(g) == list(t), where
        for k in t:
            _same(g[k], t[k], f"{where}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert type(g) is type(t) and len(g) == len(t), f"{where}: {type(g).__name__} vs {type(t).__name__}"
        for i, (a, b) in enumerate(zip(g, t)):
            _same(a, b, f"{where}[{i}]")
    else:
        assert g == t, where


Point = collections.namedtuple("Point", ["x", "y"])
rng = np.random.default_rng(0)
SAMPLES = {
    "numpy-float32": [rng.standard_normal(3).astype(np.float32) for _ in range(4)],
    "numpy-int": [np.arange(3) + i for i in range(4)],
    "python-int": [1, 2, 3, 4],
    "python-float": [0.5, 1.5, 2.5, 3.5],
    "numpy-scalar": [np.float32(i) for i in range(4)],
    "tuple": [(rng.standard_normal(2).astype(np.float32), i) for i in range(4)],
    "dict": [{"x": np.full(2, i, np.float32), "label": i, "name": f"s{i}"} for i in range(4)],
    "namedtuple": [Point(np.float32(i), i * 2) for i in range(4)],
    "nested": [{"pair": (i, float(i)), "arr": np.ones((2, 2), np.float64) * i} for i in range(4)],
}


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_default_collate_matches_torch(kind):
    batch = SAMPLES[kind]
    _same(gdata.default_collate(batch), tdata.default_collate(batch), kind)


def test_default_collate_tensors_and_errors():
    a = [np.arange(6, dtype=np.float32).reshape(2, 3) + i for i in range(3)]
    _same(gdata.default_collate([tg.tensor(x) for x in a]), tdata.default_collate([torch.tensor(x) for x in a]))
    with pytest.raises(RuntimeError, match="equal size"):
        gdata.default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="found object"):
        gdata.default_collate([object(), object()])


class Squares(gdata.Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return {"x": np.array([i, i * i], np.float32), "y": i}


class TSquares(tdata.Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return {"x": np.array([i, i * i], np.float32), "y": i}


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (5, True), (16, False)])
def test_unshuffled_batches_match_torch(batch_size, drop_last):
    X = np.random.default_rng(1).standard_normal((10, 4)).astype(np.float32)
    Y = np.arange(10)
    cases = [
        (gdata.TensorDataset(tg.tensor(X), tg.tensor(Y)), tdata.TensorDataset(torch.tensor(X), torch.tensor(Y))),
        (Squares(), TSquares()),
        (list(range(10)), list(range(10))),  # any indexable works as a dataset
    ]
    for gds, tds in cases:
        gl = gdata.DataLoader(gds, batch_size=batch_size, drop_last=drop_last)
        tl = tdata.DataLoader(tds, batch_size=batch_size, drop_last=drop_last)
        assert len(gl) == len(tl)
        gb, tb = list(gl), list(tl)
        assert len(gb) == len(tb) == len(gl)
        for i, (g, t) in enumerate(zip(gb, tb)):
            _same(g, t, f"{type(gds).__name__} batch {i}")


def test_fast_path_equals_per_sample_collate():
    X = tg.tensor(np.random.default_rng(2).standard_normal((23, 2, 3)).astype(np.float32))
    Y = tg.arange(23)
    ds = gdata.Subset(gdata.TensorDataset(X, Y), list(range(20, 2, -1)))
    fast = list(gdata.DataLoader(ds, batch_size=4, shuffle=True, generator=tg.Generator().manual_seed(3)))
    slow = list(gdata.DataLoader(ds, batch_size=4, shuffle=True, generator=tg.Generator().manual_seed(3),
                                 collate_fn=lambda b: gdata.default_collate(b)))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())


def test_shuffle_is_a_reproducible_permutation():
    ds = gdata.TensorDataset(tg.arange(50))
    def run(seed):
        dl = gdata.DataLoader(ds, batch_size=7, shuffle=True, generator=tg.Generator().manual_seed(seed))
        return [np.concatenate([b[0].numpy() for b in dl]) for _ in range(3)]

    a, b, c = run(0), run(0), run(1)
    for e in a:
        assert sorted(e.tolist()) == list(range(50)), "each epoch visits every sample once"
    assert all(np.array_equal(x, y) for x, y in zip(a, b)), "same seed, same order"
    assert not np.array_equal(a[0], a[1]), "a new order each epoch"
    assert not np.array_equal(a[0], c[0]), "another seed, another order"


def test_shuffle_uses_global_generator_when_none():
    ds = list(range(20))
    tg.manual_seed(7)
    a = [x.tolist() for x in gdata.DataLoader(ds, batch_size=20, shuffle=True)]
    tg.manual_seed(7)
    b = [x.tolist() for x in gdata.DataLoader(ds, batch_size=20, shuffle=True)]
    assert a == b and sorted(a[0]) == ds and a[0] != ds


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.33, 0.33, 0.34], [0.5, 0.5], [1, 0, 9], [0.1] * 10])
def test_random_split_sizes_match_torch(lengths):
    n = 10 if sum(lengths) != 10.0 or isinstance(lengths[0], float) else sum(lengths)
    gparts = gdata.random_split(list(range(n)), lengths, generator=tg.Generator().manual_seed(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about empty parts
        tparts = tdata.random_split(list(range(n)), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in gparts] == [len(p) for p in tparts]
    seen = sorted(x for p in gparts for x in (p[i] for i in range(len(p))))
    assert seen == list(range(n)), "the parts are disjoint and cover the dataset"
    again = gdata.random_split(list(range(n)), lengths, generator=tg.Generator().manual_seed(0))
    assert [p.indices for p in again] == [p.indices for p in gparts]


def test_random_split_errors():
    with pytest.raises(ValueError, match="does not equal the length"):
        gdata.random_split(list(range(10)), [3, 3])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        gdata.random_split(list(range(10)), [1.5, -0.5])


def test_subset_concat_iterable():
    base = gdata.TensorDataset(tg.arange(10) * 10)
    sub = gdata.Subset(base, [9, 0, 4])
    assert len(sub) == 3 and sub[0][0].item() == 90 and sub[2][0].item() == 40
    cat = gdata.ConcatDataset([list(range(3)), list(range(100, 105))])
    assert len(cat) == 8 and cat[3] == 100 and cat[-1] == 104 and cat[2] == 2
    assert len(base + base) == 20

    class Stream(gdata.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    batches = [b.tolist() for b in gdata.DataLoader(Stream(), batch_size=3)]
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in gdata.DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]


def test_collate_fn_sampler_and_batch_size_none():
    dl = gdata.DataLoader(list(range(6)), batch_size=4, collate_fn=lambda b: sum(b))
    assert list(dl) == [6, 9]
    dl = gdata.DataLoader(list(range(6)), batch_size=2, sampler=[5, 3, 1])
    assert [b.tolist() for b in dl] == [[5, 3], [1]] and len(dl) == 2
    dl = gdata.DataLoader(list(range(6)), batch_sampler=[[0, 1, 2], [5]])
    assert [b.tolist() for b in dl] == [[0, 1, 2], [5]] and len(dl) == 2
    assert list(gdata.DataLoader([4, 5], batch_size=None)) == [4, 5]


def test_samplers():
    ds = list(range(10))
    assert list(gdata.SequentialSampler(ds)) == ds
    a = list(gdata.RandomSampler(ds, generator=tg.Generator().manual_seed(0)))
    assert sorted(a) == ds and a != ds
    r = list(gdata.RandomSampler(ds, replacement=True, num_samples=25, generator=tg.Generator().manual_seed(0)))
    assert len(r) == 25 and all(0 <= i < 10 for i in r)
    assert sorted(gdata.SubsetRandomSampler([3, 5, 7], generator=tg.Generator())) == [3, 5, 7]
    bs = gdata.BatchSampler(gdata.SequentialSampler(ds), 4, drop_last=False)
    assert list(bs) == list(tdata.BatchSampler(tdata.SequentialSampler(ds), 4, drop_last=False)) and len(bs) == 3
    dl = gdata.DataLoader(ds, batch_size=3, sampler=gdata.RandomSampler(ds, generator=tg.Generator().manual_seed(1)))
    assert sorted(x for b in dl for x in b.tolist()) == ds and len(dl) == 4

    class Reverse(gdata.Sampler):  # user samplers subclass Sampler, as in torch
        def __iter__(self):
            return iter(range(9, -1, -1))

        def __len__(self):
            return 10

    assert [b.tolist() for b in gdata.DataLoader(ds, batch_size=5, sampler=Reverse())] == [[9, 8, 7, 6, 5],
                                                                                           [4, 3, 2, 1, 0]]


def test_dataloader_errors():
    ds = list(range(5))
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        gdata.DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        gdata.DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="size mismatch"):
        gdata.TensorDataset(tg.zeros(3), tg.zeros(4))


def test_torch_style_access_path():
    """`torch.utils.data.DataLoader` works by attribute access after `import teenygrad as torch`."""
    assert tg.utils.data.DataLoader is gdata.DataLoader
    assert tg.utils.data.TensorDataset is gdata.TensorDataset


def test_endless_sampler_is_read_lazily_as_mingpt_uses_it():
    """minGPT's trainer: DataLoader(sampler=RandomSampler(ds, replacement=True, num_samples=int(1e10))) and next()
    on its iterator. The draws are torch's (32 ids at a time), imported through torch's module paths."""
    import teenygrad.utils.data.dataloader as tdl
    import teenygrad.utils.data.sampler as tsm
    import torch.utils.data.dataloader as odl
    import torch.utils.data.sampler as osm
    got = []
    for L, dl_mod, s_mod in ((tg, tdl, tsm), (torch, odl, osm)):
        L.manual_seed(3)
        ds = L.utils.data.TensorDataset(L.arange(100).reshape(50, 2))
        loader = dl_mod.DataLoader(ds, sampler=s_mod.RandomSampler(ds, replacement=True, num_samples=int(1e10)),
                                   shuffle=False, pin_memory=True, batch_size=7, num_workers=0)
        it = iter(loader)
        got.append([next(it)[0].numpy() for _ in range(6)])
        assert len(loader) == -(-int(1e10) // 7)
    for a, b in zip(*got):
        np.testing.assert_array_equal(a, b)
