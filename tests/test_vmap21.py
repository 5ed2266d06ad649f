"""teenygrad.func.vmap against torch.func.vmap (twenty-first landing): its randomness modes on every generator,
in-place writes into tensors vmap does not map, and a random sweep of vmap programs (nested vmaps with in_dims /
out_dims trees, chunk_size, outputs that are numbers, in-place writes into mapped arguments, draws) compared with torch.

What the probes found, each pinned below: randomness='error' let a draw from a user's Generator through (only the
default generator was watched; torch refuses any random op); 'same' gave each element its own numbers from a user's
Generator (torch: the numbers of one draw); 'different' over an empty batch advanced the generator (torch draws
nothing); an in-place write into a tensor func closes over (or reaches through a global, a keyword argument, a
module: BatchNorm's running stats in training) was repeated once per element (torch writes a plain value once and
refuses a batched one); an out_dim out of range raised from stack without naming vmap; functional_call(strict=True)
listed the keys in module order (torch: sorted).

Known differences left as they are: an in-place write of a batched value into a tensor created inside func runs per
element (torch refuses); in 'different' mode each element draws in turn, where torch draws each random op's whole
batch at once, so the streams agree only for one random op per func (several interleave), batched outermost in
memory, and not for the normal samplers' vectorised path (16 numbers or more in the batch, fewer per element);
output strides follow stack, not torch's batch-dim layout. (.item(), bool(), tolist(), data-dependent output shapes
on a batched value and 'same' draws from a batched tensor ran per element here; test_vmap22 has them refused.)"""
import random

import numpy as np
import pytest
import torch

import teenygrad as tg
from test_func_fuzz20 import _flat, _structure  # the twentieth fuzzer's output walkers

LIBS = (torch, tg)


def _rand(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _np(t):
    return t.detach().numpy()


# ---- randomness: every generator, not only the default one -------------------------------------------------------

DRAWS = {
    "rand": lambda L, a, g: a + L.rand(a.shape, generator=g),
    "randn": lambda L, a, g: a + L.randn(a.shape, generator=g),
    "normal_": lambda L, a, g: a.clone().normal_(generator=g),
    "bernoulli": lambda L, a, g: L.bernoulli(L.full(a.shape, 0.5), generator=g),
    "randint": lambda L, a, g: a + L.randint(0, 9, a.shape, generator=g),
    "randperm": lambda L, a, g: a[L.randperm(a.shape[0], generator=g)],
}


def _generator(L, seed=5):
    return L.Generator().manual_seed(seed)


@pytest.mark.parametrize("draw", sorted(DRAWS))
def test_error_mode_refuses_a_draw_from_a_user_generator_as_torch(draw):
    for L in LIBS:
        g = _generator(L)
        with pytest.raises(RuntimeError, match="randomness error mode"):
            L.func.vmap(lambda a: DRAWS[draw](L, a, g))(L.tensor(_rand((3, 4), 0)))


@pytest.mark.parametrize("randomness", ["same", "different"])
@pytest.mark.parametrize("draw", sorted(DRAWS))
def test_a_user_generator_gives_torchs_numbers_in_each_mode(draw, randomness):
    """'same': every element gets the numbers of one draw; 'different': fresh ones. The generator is left where
    torch leaves it (its next number matches)."""
    got = []
    for L in LIBS:
        L.manual_seed(0)
        g = _generator(L)
        out = L.func.vmap(lambda a: DRAWS[draw](L, a, g), randomness=randomness)(L.tensor(_rand((3, 4), 1)))
        got.append((_np(out), _np(L.rand(3, generator=g)), _np(L.rand(2))))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_same_mode_replays_each_generator_nested_in_different():
    """an inner 'same' inside an outer 'different': each outer element draws once, shared by its inner elements"""
    got = []
    for L in LIBS:
        g = _generator(L)
        inner = L.func.vmap(lambda a: a + L.rand((), generator=g), randomness="same")
        got.append(_np(L.func.vmap(inner, randomness="different")(L.tensor(_rand((3, 4), 2)))))
    np.testing.assert_allclose(got[1], got[0], rtol=1e-6)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_error_mode_runs_a_dropout_that_draws_nothing_as_torch(p):
    """dropout with p 0 or 1 draws nothing (torch's, teenygrad's): vmap's 'error' mode has nothing to refuse"""
    got = []
    for L in LIBS:
        L.manual_seed(0)
        out = L.func.vmap(lambda a: L.nn.functional.dropout(a, p, training=True))(L.tensor(_rand((3, 4), 5)))
        got.append((_np(out), _np(L.rand(2))))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("randomness", ["same", "different"])
def test_an_empty_batch_draws_as_torch(randomness):
    """torch draws one unbatched sample in 'same' mode and nothing (a (0, ...) draw) in 'different' mode; teenygrad
    runs func once on a zeros element to learn the output shapes, and must not leave that draw behind."""
    got = []
    for L in LIBS:
        L.manual_seed(0)
        out = L.func.vmap(lambda a: a + L.rand(2), randomness=randomness)(L.zeros(0, 2))
        got.append((tuple(out.shape), _np(L.rand(3))))
    assert got[0][0] == got[1][0]
    np.testing.assert_allclose(got[1][1], got[0][1], rtol=1e-6)


# ---- writes into tensors func reaches from outside ------------------------------------------------------------------

COUNTER = {}  # a module-level tensor a function below writes into


def _count_calls(a):
    COUNTER["n"].add_(1)
    return a * 2


def _bn(L, mode):
    L.manual_seed(0)
    m = L.nn.Sequential(L.nn.Linear(2, 3), L.nn.BatchNorm1d(3))
    return m.train(mode == "train")


WRITES = {  # each writes, once per batch element in a loop, into a tensor that vmap does not map
    "closure_batched_value": lambda L, x, z, m: L.func.vmap(lambda a: z.add_(a))(x),
    "closure_plain_value": lambda L, x, z, m: L.func.vmap(lambda a: a + z.add_(1))(x),
    "keyword_argument": lambda L, x, z, m: L.func.vmap(lambda a, acc=None: a + acc.mul_(2))(x, acc=z),
    "global_through_a_helper": lambda L, x, z, m: L.func.vmap(_count_calls)(x),
    "nested_vmap": lambda L, x, z, m: L.func.vmap(L.func.vmap(lambda a: z.add_(a.sum())))(x[:, :, None]),
    "batchnorm_module_in_training": lambda L, x, z, m: L.func.vmap(m)(x[:, None].expand(3, 4, 2) * 1),
    "functional_call_without_buffers": lambda L, x, z, m: L.func.vmap(
        lambda a: L.func.functional_call(m, dict(m.named_parameters()), (a,)))(x[:, None].expand(3, 4, 2) * 1),
}


@pytest.mark.parametrize("case", sorted(WRITES))
def test_a_write_into_a_tensor_func_reaches_from_outside_is_refused(case):
    """torch writes a plain value once (a loop would write it once per element) and refuses a batched one
    (batch_norm's running stats, for one); teenygrad refuses both, leaving a module's buffers as they were."""
    got = {}
    for L in LIBS:
        z, m = L.zeros(2), _bn(L, "train")
        COUNTER["n"] = L.zeros(())
        try:
            got[L] = ("ran", WRITES[case](L, L.tensor(_rand((3, 2), 3)), z, m))
        except RuntimeError as e:
            got[L] = ("refused", e)
        got[L] += (_np(m[1].running_mean), _np(m[1].running_var))
    assert got[tg][0] == "refused", f"{case}: teenygrad ran"
    assert "vmap: func wrote in place into a tensor that is not mapped" in str(got[tg][1])
    if got[torch][0] == "refused":
        for a, b in zip(got[tg][2:], got[torch][2:]):
            np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_module_state_that_stays_unwritten_or_mapped_runs_as_torch(mode):
    """eval BatchNorm reads its buffers; stacked buffers (ensembling) are mapped; a closure over the mapped
    argument itself writes into the batch: all as torch."""
    got = []
    for L in LIBS:
        ms = [_bn(L, mode) for _ in range(3)]
        params, buffers = L.func.stack_module_state(ms)
        x = L.tensor(_rand((3, 4, 2), 4))
        out = L.func.vmap(lambda p, b, a: L.func.functional_call(ms[0], (p, b), (a,)))(params, buffers, x)
        plain = L.func.vmap(ms[1])(x) if mode == "eval" else out
        y = x.clone()
        L.func.vmap(lambda a: a.mul_(2) + y.sum() * 0)(y)
        got.append([_np(out), _np(plain), _np(y)] + [_np(buffers[k]) for k in sorted(buffers)])
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ---- errors that name vmap --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("func, out_dims", [(lambda a: a.sum(), 1), (lambda a: a, 2), (lambda a: a, -3),
                                            (lambda a: (a, a.sum()), (0, -2))])
def test_an_out_dim_out_of_range_is_refused_naming_vmap(func, out_dims):
    with pytest.raises(IndexError, match="Dimension out of range"):
        torch.func.vmap(func, out_dims=out_dims)(torch.ones(3, 2))
    with pytest.raises(IndexError, match=r"vmap: out_dim -?\d is out of range for an output of shape .*expected to "
                                         r"be in range of \[-\d, \d\], but got -?\d"):
        tg.func.vmap(func, out_dims=out_dims)(tg.ones(3, 2))


def test_functional_call_strict_lists_the_keys_sorted_as_torch():
    msgs = []
    for L in LIBS:
        m = L.nn.Sequential(L.nn.Linear(2, 3), L.nn.BatchNorm1d(3))
        with pytest.raises(RuntimeError) as e:
            L.func.vmap(lambda a: L.func.functional_call(m, {"z": a, "a.b": a, "1.weight": L.ones(3)}, (a,),
                                                         strict=True))(L.ones(2, 2))
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


# ---- the sweep: random vmap programs ----------------------------------------------------------------------------------
# Each program: 1-3 arguments (a tensor, a tuple / list / dict of tensors, or a number), each tensor mapped at each
# nesting level over a random dim (maybe negative) or not at all (in_dims trees: an int for a whole pytree, or one per
# leaf); a body of elementwise ops and reductions, maybe an in-place write into a mapped argument, maybe one draw
# ('same' / 'different'); outputs a tensor, a tuple, a dict or (tensor, number) with random out_dims; 1 or 2 nested
# vmaps with chunk_size. Stepped around, torch's own faults: chunk_size with a number among the outputs or an empty
# batch, and, in 'different' mode, a chunked inner vmap (torch draws per chunk).

def _leaf_arrays(r, rng, depth, sizes, nleaf):
    """per leaf (its array, its dim at each level or None)"""
    out = []
    for _ in range(nleaf):
        shape = [r.choice([2, 3]) for _ in range(r.randint(0, 2))]
        dims = [None] * depth
        for lvl in reversed(range(depth)):  # innermost batch dim first, so the outer one is placed around it
            how = r.choice([None, "pos", "neg"])
            if how is not None:
                pos = r.randrange(len(shape) + 1)
                shape.insert(pos, sizes[lvl])
                dims[lvl] = pos if how == "pos" else pos - len(shape)
        out.append([rng.standard_normal(shape), dims])
    return out


def _program(seed):
    r, rng = random.Random(seed), np.random.default_rng(seed)
    depth = r.choice([1, 1, 2])
    sizes = [r.choice([1, 2, 3]) for _ in range(depth)]
    kinds = [r.choice(["t", "t", "tuple", "list", "dict", "num"]) for _ in range(r.randint(1, 3))] + ["t"]
    specs = [(k, r.choice([2, 0.5, -1.5]) if k == "num" else _leaf_arrays(r, rng, depth, sizes, 1 if k == "t" else
                                                                         r.randint(1, 2))) for k in kinds]
    last = specs[-1][1][0]  # the last argument maps at every level: vmap needs one mapped tensor per level
    if any(d is None for d in last[1]):
        last[0], last[1] = rng.standard_normal(tuple(sizes) + (2,)), [0] * depth
    in_dims = []
    for lvl in range(depth):
        dims = []
        for kind, v in specs:
            ds = None if kind == "num" else [leaf[1][lvl] for leaf in v]
            dims.append(None if ds is None else ds[0] if kind == "t" or (len(set(ds)) == 1 and r.random() < 0.5)
                        else {f"k{i}": d for i, d in enumerate(ds)} if kind == "dict"
                        else (tuple if kind == "tuple" else list)(ds))
        in_dims.append(tuple(dims))
    out_kind = r.choice(["t", "tuple", "dict", "num"])
    ops, dtype = [r.randrange(6) for _ in range(4)], r.choice([np.float64, np.float32])
    randomness = r.choice(["error", "error", "same", "different"])
    leaves_dims = [leaf[1] for kind, v in specs if kind != "num" for leaf in v]
    mapped = [i for i, ds in enumerate(leaves_dims) if all(d is not None for d in ds)]
    inplace = r.choice(mapped) if r.random() < 0.3 else None
    chunked = out_kind != "num" and not (randomness == "different" and depth == 2)
    chunks = [r.choice([None, None, 1, 2]) if chunked else None for _ in range(depth)]
    out_dims = [r.choice([0, 1, -1]) for _ in range(depth)]
    both = r.random() < 0.5

    def body(L, *args):
        leaves, c = [], 1.0
        for (kind, _), a in zip(specs, args):
            if kind == "num":
                c = c + a
            else:
                leaves += [a] if kind == "t" else [a[f"k{i}"] for i in range(len(a))] if kind == "dict" else list(a)
        if inplace is not None:
            leaves[inplace].mul_(1.5)  # into a mapped argument's slice: the write lands in the batch
        acc = 0
        for i, t in enumerate(leaves):
            acc = acc + [lambda: t.sin() * c, lambda: t.exp(), lambda: (t * t).cumsum(-1) if t.ndim else t * 3,
                         lambda: t.mean() + c, lambda: t.abs().sqrt(), lambda: t.tanh().flip(-1) if t.ndim else t.tanh()
                         ][ops[i % 4]]().sum()
        if randomness != "error":
            acc = acc + L.rand(leaves[-1].shape, dtype=leaves[-1].dtype).sum()
        first = leaves[-1] * 2 + acc  # every tensor output depends on the batch (torch mishandles one that doesn't)
        return {"t": first, "tuple": (first, acc.reshape(1) * leaves[0].sum()), "num": (first, c),
                "dict": {"a": first, "b": (acc, leaves[0] - acc)}}[out_kind]

    def od(lvl):
        d = out_dims[lvl]
        return {"t": d, "tuple": (d, 0), "num": (d, None), "dict": {"a": d, "b": (0, d if both else 0)}}[out_kind]

    def run(L):
        L.manual_seed(seed)
        args = []
        for kind, v in specs:
            ts = None if kind == "num" else [L.tensor(leaf[0].astype(dtype)) for leaf in v]
            args.append(v if kind == "num" else ts[0] if kind == "t" else {f"k{i}": t for i, t in enumerate(ts)}
                        if kind == "dict" else (tuple if kind == "tuple" else list)(ts))
        f = lambda *xs: body(L, *xs)  # noqa: E731
        for lvl in reversed(range(depth)):
            f = L.func.vmap(f, in_dims=in_dims[lvl], out_dims=od(lvl), randomness=randomness, chunk_size=chunks[lvl])
        return f(*args), args
    return run




def _attempt(run, L):
    try:
        return "ran", run(L)
    except (RuntimeError, ValueError, IndexError) as e:
        return "refused", e


@pytest.mark.parametrize("seed", range(0, 240, 40))
def test_random_vmap_programs_as_torch(seed):
    """outputs (values, dtypes, shapes, pytree structure) and the arguments after func's in-place writes"""
    for s in range(seed, seed + 40):
        run = _program(s)
        want, got = _attempt(run, torch), _attempt(run, tg)
        if want[0] == "refused":
            assert got[0] == "refused", f"seed {s}: torch refused ({want[1]}), teenygrad ran"
            continue
        assert got[0] == "ran", f"seed {s}: teenygrad refused: {got[1]!r}"
        assert _structure(got[1]) == _structure(want[1]), f"seed {s}"
        for g, w in zip(_flat(got[1]), _flat(want[1])):
            if not isinstance(w, torch.Tensor):
                assert g == w, f"seed {s}"
                continue
            assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1], f"seed {s}"
            assert tuple(g.shape) == tuple(w.shape), f"seed {s}"
            np.testing.assert_allclose(_np(g), _np(w), rtol=1e-5, atol=1e-6, err_msg=f"seed {s}")
