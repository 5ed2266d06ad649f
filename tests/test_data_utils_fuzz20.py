"""teenygrad.utils.data and teenygrad.utils.checkpoint beside torch's, by random configurations (twentieth landing).
teenygrad draws torch's CPU random stream, so with the same seed every shuffled order, sampler draw and split equals
torch's: each case builds the same datasets, samplers and loaders in both libraries, runs two epochs and compares
every batch element by element (containers, types, dtypes, shapes, values), the loader's len() and the next draw of
the global generator (so a loader must advance it exactly as torch's does). Checkpointed networks with dropout are
compared on values and on the gradients of the input and of every weight.

What the sweep found, each also pinned by a direct case below: default_collate stacked tensors (or numpy arrays) of
mixed dtypes in numpy's promotion (float32 with int64 gave float64; float16 with bfloat16 raised numpy's
DTypePromotionError) where torch.stack gives float32, and collated numpy scalars in the first one's dtype
(np.float32 then np.float64 gave float32, torch float64); a Tensor followed by a numpy array leaked an
AttributeError; a namedtuple's string field came back a list where torch keeps the tuple;
WeightedRandomSampler.weights was a numpy array, torch's a float64 Tensor; checkpoint refused outputs that torch
passes through (None or a number beside the tensors, a dict or a list of tensors, no tensor at all), marked an
output that reads no input as requiring grad, and took keyword arguments under use_reentrant=True (or unset),
which torch refuses.

Torch quirks left out: a numpy array with negative strides (torch refuses it, teenygrad collates it), promotion
with uint16/32/64 (torch refuses it), checkpoint_sequential with more segments than functions (torch's range()
error), and use_reentrant=True's detached outputs (a dict output, or no input that requires grad)."""
import collections
import random
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import teenygrad as tg
from teenygrad.utils import data as gdata

LIBS = ((tg, gdata), (torch, tdata))
TOL = dict(atol=1e-5, rtol=1e-4)
Point = collections.namedtuple("Point", ["x", "tag"])


def _dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def _same(g, t, where=""):
    """A teenygrad structure equals torch's: same containers, keys, types, shapes, dtypes and values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(g, tg.Tensor), f"{where}: {type(g).__name__} instead of a Tensor"
        assert _dtype_name(g) == _dtype_name(t), f"{where}: dtype {g.dtype} vs {t.dtype}"
        assert tuple(g.shape) == tuple(t.shape), f"{where}: shape {tuple(g.shape)} vs {tuple(t.shape)}"
        np.testing.assert_array_equal(g.numpy(), t.numpy(), err_msg=where)
    elif isinstance(t, dict):
        assert type(g) is type(t) and list(g) == list(t), f"{where}: {type(g).__name__} {list(g)} vs {list(t)}"
        for k in t:
            _same(g[k], t[k], f"{where}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert type(g) is type(t) and len(g) == len(t), f"{where}: {type(g).__name__} vs {type(t).__name__}"
        for i, (a, b) in enumerate(zip(g, t)):
            _same(a, b, f"{where}[{i}]")
    elif isinstance(t, np.ndarray):
        assert isinstance(g, np.ndarray) and g.dtype == t.dtype, where
        np.testing.assert_array_equal(g, t, err_msg=where)
    else:
        assert type(g) is type(t) and g == t, f"{where}: {g!r} vs {t!r}"


def _both(build):
    """build(L, D) run with teenygrad and with torch: (teenygrad's result, torch's), an exception standing for one."""
    out = []
    for L, D in LIBS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's warnings on empty splits and unset use_reentrant
            try:
                out.append(build(L, D))
            except Exception as e:  # noqa: BLE001 - a refusal is a result to compare
                out.append(e)
    return out


def _check(build, where):
    _compare(*_both(build), where)


def _compare(g, t, where, same_error_type=True):
    if isinstance(t, Exception) or isinstance(g, Exception):
        assert isinstance(t, Exception) and isinstance(g, Exception), f"{where}: teenygrad {g!r}, torch {t!r}"
        assert not same_error_type or isinstance(g, type(t)), f"{where}: teenygrad {g!r}, torch {t!r}"
        return
    _same(g, t, where)


# ---- random datasets, samplers and loaders --------------------------------------------------------------------

class _Stream:
    """Mixed into each library's IterableDataset: n samples, each a (value, draw) pair when it draws."""

    def __init__(self, L, n, draws):
        self.L, self.n, self.draws = L, n, draws

    def __iter__(self):
        for i in range(self.n):
            yield (i, self.L.rand(2)) if self.draws else np.float32(i) * 0.5

    def __len__(self):
        return self.n


def _stream(L, D, n, draws):
    cls = type("Stream", (_Stream, D.IterableDataset), {})
    return cls(L, n, draws)


def _samples(kind, n, rnd):
    """n plain-Python/numpy samples of one kind, the same for both libraries."""
    a = np.random.default_rng(rnd.randrange(1 << 30))
    if kind == "dict":
        return [{"x": a.standard_normal(3).astype(np.float32), "y": i, "name": f"s{i}"} for i in range(n)]
    if kind == "tuple":
        return [(a.integers(0, 9, (2, 2)), float(i), Point(np.float64(i), "t")) for i in range(n)]
    if kind == "scalar":
        return [np.float32(i) if i % 2 else np.float64(i) for i in range(n)]
    return [[i, bool(i % 2)] for i in range(n)]


def _dataset(L, D, spec):
    kind, n, seed = spec
    rnd = random.Random(seed)
    a = np.random.default_rng(seed)
    X = L.tensor(a.standard_normal((n, 2)).astype(rnd.choice([np.float32, np.float64])))
    Y = L.tensor(a.integers(0, 5, n))
    if kind == "tensor":
        return D.TensorDataset(X, Y)
    if kind == "subset":
        return D.Subset(D.TensorDataset(X, Y), [rnd.randrange(n) for _ in range(n - 2)])
    if kind == "concat":
        k = rnd.randrange(1, n)
        return D.ConcatDataset([D.TensorDataset(X[:k]), D.TensorDataset(X[k:])])
    if kind == "stack":
        return D.StackDataset(D.TensorDataset(X), _samples("dict", n, rnd))
    if kind == "stack_named":
        return D.StackDataset(x=D.TensorDataset(Y), y=_samples("tuple", n, rnd))
    if kind == "split":
        lengths = rnd.choice([[0.3, 0.7], [0.5, 0.25, 0.25], [n - 3, 3]])
        return D.random_split(D.TensorDataset(X, Y), lengths, generator=L.Generator().manual_seed(seed))[0]
    if kind == "stream":
        return _stream(L, D, n, rnd.random() < 0.5)
    if kind == "chain":
        return D.ChainDataset([_stream(L, D, n // 2, False), _stream(L, D, n - n // 2, False)])
    return _samples(kind, n, rnd)


def _loader_kwargs(rnd, L, D, ds, iterable):
    """Random DataLoader arguments: batching, shuffling, a sampler or a batch sampler, with or without a generator."""
    kw = {"batch_size": rnd.choice([None, 1, 2, 3, 5, 8])}
    if kw["batch_size"] is not None:
        kw["drop_last"] = rnd.random() < 0.4
    if iterable:
        return kw
    gen = (lambda: L.Generator().manual_seed(rnd.randrange(100))) if rnd.random() < 0.5 else (lambda: None)
    how = rnd.choice(["plain", "shuffle", "shuffle", "random", "subset", "weighted", "batch_sampler"])
    n = len(ds)
    if how == "shuffle":
        kw.update(shuffle=True, generator=gen())
    elif how == "random":
        rep = rnd.random() < 0.5
        ns = rnd.choice([None, 3, n + 4, 40]) if rep else rnd.choice([None, 2, n + 3])
        kw["sampler"] = D.RandomSampler(ds, replacement=rep, num_samples=ns, generator=gen())
    elif how == "subset":
        kw["sampler"] = D.SubsetRandomSampler([rnd.randrange(n) for _ in range(rnd.randrange(1, n))], generator=gen())
    elif how == "weighted":
        w = [rnd.random() + 0.05 for _ in range(n)]
        rep = rnd.random() < 0.6
        kw["sampler"] = D.WeightedRandomSampler(w, rnd.randrange(1, 2 * n if rep else n), replacement=rep,
                                                generator=gen())
    elif how == "batch_sampler":
        inner = D.RandomSampler(ds, generator=gen()) if rnd.random() < 0.5 else D.SequentialSampler(ds)
        kw = {"batch_sampler": D.BatchSampler(inner, rnd.randrange(1, 6), rnd.random() < 0.5)}
    return kw


def _epochs(seed):
    def build(L, D):
        rnd = random.Random(seed)
        kind = rnd.choice("tensor subset concat stack stack_named split stream chain dict tuple scalar list".split())
        ds = _dataset(L, D, (kind, rnd.randrange(6, 14), seed))
        L.manual_seed(seed)
        loader = D.DataLoader(ds, **_loader_kwargs(rnd, L, D, ds, kind in ("stream", "chain")))
        return [kind, len(loader), list(loader), list(loader), L.rand(3)]
    return build


@pytest.mark.parametrize("seed", range(120))
def test_random_loaders_match_torch(seed):
    _check(_epochs(seed), f"seed {seed}")


@pytest.mark.parametrize("seed", range(4))
def test_random_loaders_with_workers_match_torch(seed):
    """num_workers > 0 (torch's processes, teenygrad's in-process workers): the same batches, each worker's draws
    from its own seeded stream, and the same advance of the global generator."""
    def build(L, D):
        rnd = random.Random(seed)

        class Draws(D.Dataset):
            def __len__(self):
                return 9

            def __getitem__(self, i):
                info = D.get_worker_info()
                return {"i": i, "r": L.rand(2), "np": np.random.rand(), "worker": info.id}

        L.manual_seed(seed)
        loader = D.DataLoader(Draws(), batch_size=rnd.choice([1, 2, 4]), shuffle=rnd.random() < 0.5,
                              num_workers=1 + seed % 2, persistent_workers=seed >= 2)
        return [len(loader), list(loader), list(loader), L.rand(3)]
    _check(build, f"workers seed {seed}")


# ---- random samples through default_collate and default_convert --------------------------------------------------

def _leaf(rnd, L, a):
    kind = rnd.choice("f32 f64 i64 i32 u8 bool f16 np_f32 np_i64 np_f64 np0 npscalar int float str bool_py".split())
    shape = rnd.choice([(), (2,), (2, 3)])
    if kind in ("f32", "f64", "i64", "i32", "u8", "bool", "f16"):
        dt = {"f32": np.float32, "f64": np.float64, "i64": np.int64, "i32": np.int32, "u8": np.uint8,
              "bool": np.bool_, "f16": np.float16}[kind]
        return lambda: L.tensor((a.standard_normal(shape) * 3).astype(dt))
    if kind.startswith("np_"):
        dt = {"np_f32": np.float32, "np_i64": np.int64, "np_f64": np.float64}[kind]
        return lambda: (a.standard_normal(shape) * 3).astype(dt)
    return {"np0": lambda: np.array(a.standard_normal(), np.float32),
            "npscalar": lambda: rnd.choice([np.float32, np.float64, np.int32, np.int64])(rnd.randrange(9)),
            "int": lambda: rnd.randrange(-5, 5), "float": lambda: rnd.random(), "str": lambda: f"w{rnd.randrange(9)}",
            "bool_py": lambda: rnd.random() < 0.5}[kind]


def _structure(rnd, L, a, mixed, depth=0):
    """A sample maker: a random nest of dicts, tuples, lists and namedtuples over leaves, each leaf's kind fixed per
    position or, now and then, varying across the batch as a faulty dataset's would (noted in the list mixed)."""
    pick = rnd.random()
    if depth >= 2 or pick < 0.4:
        makers = [_leaf(rnd, L, a), _leaf(rnd, L, a)]
        if rnd.random() < 0.2:
            mixed.append(True)
            return lambda: rnd.choice(makers)()
        return makers[0]
    kids = [_structure(rnd, L, a, mixed, depth + 1) for _ in range(rnd.randrange(1, 4))]
    if pick < 0.6:
        return lambda: {f"k{i}": k() for i, k in enumerate(kids)}
    if pick < 0.75:
        return lambda: tuple(k() for k in kids)
    if pick < 0.9:
        return lambda: [k() for k in kids]
    return lambda: Point(kids[0](), kids[-1]())


@pytest.mark.parametrize("seed", range(150))
def test_random_collate_matches_torch(seed):
    mixed = []

    def build(L, D):
        rnd, a = random.Random(seed), np.random.default_rng(seed)
        sample = _structure(rnd, L, a, mixed)
        batch = [sample() for _ in range(rnd.randrange(1, 4))]
        return [D.default_collate(batch), D.default_convert(batch[0])]
    g, t = _both(build)
    _compare(g, t, f"seed {seed}", same_error_type=not mixed)  # a batch of mixed kinds: torch's errors vary by kind


# ---- checkpoint and checkpoint_sequential -------------------------------------------------------------------------

def _checkpointed(seed):
    """A random stack of Linear / activation / Dropout layers, checkpointed whole, in segments, or by a function
    with extra non-Tensor arguments and outputs; the values, the input's gradient and every weight's gradient."""
    def build(L, D):
        rnd = random.Random(seed)
        L.manual_seed(seed)
        width, layers = rnd.randrange(2, 6), []
        for _ in range(rnd.randrange(2, 7)):
            layers.append(rnd.choice([lambda: L.nn.Linear(width, width), L.nn.Tanh, L.nn.ReLU, L.nn.Sigmoid,
                                      lambda: L.nn.Dropout(rnd.choice([0.2, 0.5]))])())
        net = L.nn.Sequential(*layers)
        x = L.tensor(np.random.default_rng(seed).standard_normal((3, width)).astype(np.float32), requires_grad=True)
        ck = L.utils.checkpoint
        reentrant, preserve = rnd.random() < 0.5, rnd.random() < 0.7
        L.manual_seed(seed + 1)
        how = rnd.choice(["plain", "sequential", "extras", "structure"])
        if how == "plain":
            y = ck.checkpoint(net, x, use_reentrant=reentrant, preserve_rng_state=preserve)
        elif how == "sequential":
            y = ck.checkpoint_sequential(net, rnd.randrange(1, len(layers) + 1), x, use_reentrant=reentrant,
                                         preserve_rng_state=preserve)
        elif how == "extras":
            out = ck.checkpoint(lambda t, k, s=1.0: (net(t) * s, None, k), x, 2, s=0.5, use_reentrant=False,
                                preserve_rng_state=preserve)
            y = out[0] * out[2]
        else:
            out = ck.checkpoint(lambda t: {"a": [net(t), t.sum()], "b": 3}, x, use_reentrant=False,
                                preserve_rng_state=preserve)
            y = out["a"][0] + out["a"][1] * out["b"]
        after = L.rand(2)  # the global stream after the forward: preserve_rng_state must not disturb it
        (y * y).sum().backward()
        grads = [x.grad] + [p.grad for p in net.parameters()]
        return [y.detach()] + [L.zeros(1) if g is None else g for g in grads] + [after, L.rand(2)]
    return build


@pytest.mark.parametrize("seed", range(40))
def test_random_checkpoints_match_torch(seed):
    g, t = _both(_checkpointed(seed))
    assert not isinstance(g, Exception) and not isinstance(t, Exception), (g, t)
    assert len(g) == len(t)
    for i, (a, b) in enumerate(zip(g, t)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), err_msg=f"seed {seed} output {i}", **TOL)


# ---- the findings, one direct case each ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtypes", [("float32", "int64"), ("int32", "int64"), ("float16", "bfloat16"),
                                    ("bool", "uint8"), ("int64", "float64")])
def test_collate_promotes_mixed_tensor_dtypes_as_torch_stack(dtypes):
    _check(lambda L, D: D.default_collate([L.ones(2, dtype=getattr(L, d)) for d in dtypes]), str(dtypes))


def test_collate_promotes_mixed_numpy_dtypes_as_torch():
    _check(lambda L, D: D.default_collate([np.ones(2, np.float32), np.ones(2, np.int64)]), "arrays")
    _check(lambda L, D: D.default_collate([np.float32(1), np.float64(2)]), "scalars")
    _check(lambda L, D: D.default_collate([np.int32(1), np.float32(2.5)]), "int then float scalars")


def test_collate_tensor_then_array_is_a_type_error():
    with pytest.raises(TypeError, match="stack: expected a sequence of Tensors, but element 1 is ndarray"):
        gdata.default_collate([tg.ones(2), np.ones(2)])
    _check(lambda L, D: D.default_collate([np.ones(2, np.float32), L.ones(2)]), "array then tensor")


def test_collate_namedtuple_string_field_stays_a_tuple():
    _check(lambda L, D: D.default_collate([Point(np.float32(1), "a"), Point(np.float32(2), "b")]), "namedtuple")


def test_weighted_sampler_weights_are_a_float64_tensor():
    _check(lambda L, D: D.WeightedRandomSampler([0.5, 2, 1], 4).weights, "weights")
    w = tg.tensor([1.0, 2.0], dtype=tg.float64)
    assert gdata.WeightedRandomSampler(w, 3).weights is w  # as torch.as_tensor: the very tensor
    with pytest.raises(ValueError, match=r"WeightedRandomSampler: weights should be a 1d sequence, got shape \(1, 2\)"):
        gdata.WeightedRandomSampler([[1.0, 2.0]], 3)


@pytest.mark.parametrize("fn", [lambda t: (t * 2, None, "s"), lambda t: {"a": [t * 2, 3]}, lambda t: 1.0,
                                lambda t: (t.detach() * 2, t * 3)], ids=["none-str", "dict-list", "float", "detached"])
def test_checkpoint_passes_non_tensor_outputs_through(fn):
    def build(L, D):
        x = L.tensor([1.0, -2.0], requires_grad=True)
        out = L.utils.checkpoint.checkpoint(fn, x, use_reentrant=False)
        flat = out if isinstance(out, tuple) else (out,)
        return [out, [getattr(o, "requires_grad", None) for o in flat]]

    g, t = _both(build)
    assert not isinstance(g, Exception), g
    _same(_detached(g), _detached(t))


def _detached(x):
    if isinstance(x, (tg.Tensor, torch.Tensor)):
        return x.detach()
    if isinstance(x, dict):
        return {k: _detached(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_detached(v) for v in x)
    return x


@pytest.mark.parametrize("use_reentrant", [None, True])
def test_checkpoint_keyword_arguments_need_use_reentrant_false(use_reentrant):
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="checkpoint: unexpected keyword arguments scale"):
        tg.utils.checkpoint.checkpoint(lambda t, scale=1.0: t * scale, x, scale=2.0, use_reentrant=use_reentrant)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.utils.checkpoint.checkpoint(lambda t, scale=1.0: t * scale, torch.ones(2, requires_grad=True),
                                              scale=2.0, use_reentrant=use_reentrant)
