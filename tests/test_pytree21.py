"""teenygrad.utils._pytree against torch.utils._pytree: random nested trees of tuples, lists, dicts, OrderedDicts,
defaultdicts, deques and namedtuples, flattened, rebuilt and mapped; plus the walkers built on it (torch.func's
argument trees, activation checkpointing's outputs)."""
import collections
import random

import pytest
import torch
import torch.utils._pytree as tp

import teenygrad as tg
import teenygrad.utils._pytree as gp

Pair = collections.namedtuple("Pair", "a b")


def _tree(rng, depth=0):
    kind = rng.choice(["leaf"] * (2 + depth) + ["tuple", "list", "dict", "odict", "ddict", "deque", "pair", "none"])
    if kind == "leaf":
        return rng.choice([rng.randint(-9, 9), rng.random(), "s", b"b", 1.5j, True])
    if kind == "none":
        return None
    kids = [_tree(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "tuple":
        return tuple(kids)
    if kind == "list":
        return kids
    if kind == "deque":
        return collections.deque(kids, maxlen=rng.choice([None, 5]))
    if kind == "pair":
        return Pair(_tree(rng, depth + 1), _tree(rng, depth + 1))
    keys = rng.sample("zyxabc", len(kids))        # insertion order, not sorted
    if kind == "dict":
        return dict(zip(keys, kids))
    if kind == "odict":
        return collections.OrderedDict(zip(keys, kids))
    return collections.defaultdict(list, zip(keys, kids))


def _same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        if isinstance(a, collections.defaultdict):
            assert a.default_factory is b.default_factory
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (tuple, list, collections.deque)):
        assert len(a) == len(b)
        if isinstance(a, collections.deque):
            assert a.maxlen == b.maxlen
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b


@pytest.mark.parametrize("seed", range(60))
def test_flatten_unflatten_map_as_torch(seed):
    rng = random.Random(seed)
    tree = _tree(rng)
    leaves, spec = gp.tree_flatten(tree)
    t_leaves, t_spec = tp.tree_flatten(tree)
    assert leaves == t_leaves and [type(x) for x in leaves] == [type(x) for x in t_leaves]
    assert spec.num_leaves == t_spec.num_leaves == len(leaves)
    back, t_back = gp.tree_unflatten([("L", x) for x in leaves], spec), tp.tree_unflatten([("L", x) for x in leaves], t_spec)
    _same(back, t_back)
    _same(gp.tree_map(lambda x: (x, 1), tree), tp.tree_map(lambda x: (x, 1), tree))
    _same(gp.tree_map(lambda x, y: (x, y), tree, tree), tp.tree_map(lambda x, y: (x, y), tree, tree))
    other = _tree(random.Random(seed + 1000))
    assert (gp.tree_structure(tree) == gp.tree_structure(other)) == (tp.tree_structure(tree) == tp.tree_structure(other))
    is_leaf = lambda x: isinstance(x, list)   # noqa: E731  stops at lists, as torch's is_leaf
    assert gp.tree_leaves(tree, is_leaf) == tp.tree_leaves(tree, is_leaf)


def test_mismatched_trees_and_leaf_counts_raise():
    with pytest.raises(ValueError, match="tree_map: the trees have different structures"):
        gp.tree_map(lambda a, b: a, [1, 2], (1, 2))
    spec = gp.tree_structure({"a": [1, 2]})
    with pytest.raises(ValueError, match="treespec has 2 leaves, but 3 were given"):
        gp.tree_unflatten([1, 2, 3], spec)
    with pytest.raises(TypeError, match="expected a TreeSpec"):
        gp.tree_unflatten([1], [1])
    assert gp.tree_map_only(int, lambda x: -x, [1, "a", (2.5, 3)]) == tp.tree_map_only(int, lambda x: -x, [1, "a", (2.5, 3)])
    assert gp.tree_all(lambda x: x > 0, (1, [2])) and not gp.tree_any(lambda x: x > 5, {"a": 1, "b": (2,)})


def test_func_grad_and_checkpoint_keep_namedtuple_and_ordered_dict_structure():
    """The transforms' argument trees and checkpoint's outputs go through the same walker: a namedtuple argument
    to func.grad (its gradient comes back as the namedtuple) and a checkpointed function returning an OrderedDict
    (it stays one). Before, func.grad rebuilt a namedtuple from a generator (TypeError) and checkpoint turned an
    OrderedDict into a dict, where torch keeps both."""
    ours = tg.func.grad(lambda p: (p.a * p.b).sum())(Pair(tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0])))
    theirs = torch.func.grad(lambda p: (p.a * p.b).sum())(Pair(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])))
    assert type(ours) is Pair is type(theirs)
    assert ours.a.tolist() == theirs.a.tolist() and ours.b.tolist() == theirs.b.tolist()
    x = tg.tensor([1.0, -2.0], requires_grad=True)
    out = tg.utils.checkpoint.checkpoint(lambda v: collections.OrderedDict(y=v.exp(), n=3), x, use_reentrant=False)
    assert type(out) is collections.OrderedDict and list(out) == ["y", "n"] and out["n"] == 3
    out["y"].sum().backward()
    assert x.grad.tolist() == pytest.approx(x.detach().exp().tolist())
