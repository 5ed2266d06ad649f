"""teenygrad.utils._pytree: nested containers of leaves, flattened to a list and rebuilt, as torch.utils._pytree.

A pytree is a tuple, list, dict (OrderedDict, defaultdict), deque or namedtuple of pytrees; anything else, None
included, is a leaf. Dicts keep their insertion order. torch.func's transforms (func.py) and activation
checkpointing (utils/checkpoint.py) walk their arguments and outputs with these, and user code written against
torch's module runs unchanged:

    leaves, spec = tree_flatten(({"w": w, "b": b}, [x]))    # leaves [w, b, x]
    tree_unflatten([2 * t for t in leaves], spec)             # ({"w": 2w, "b": 2b}, [2x])
    tree_map(lambda t: t.shape, batch)                        # the same structure, holding shapes
"""
from collections import OrderedDict, defaultdict, deque

__all__ = ["TreeSpec", "LeafSpec", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure", "tree_map",
           "tree_map_only", "tree_all", "tree_any"]


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _node_kind(x):
    """The kind of container x is (its children and how to rebuild it), or None for a leaf."""
    if isinstance(x, (list, tuple, deque)):
        return "namedtuple" if _is_namedtuple(x) else type(x)
    if isinstance(x, dict):
        return type(x)
    return None


class TreeSpec:
    """The structure of a pytree: the container type of each node (with a dict's keys, a defaultdict's factory) and
    where the leaves go. Two trees have equal specs when only their leaves differ."""

    def __init__(self, type, context, children):
        self.type, self.context, self.children_specs = type, context, children
        self.num_leaves = sum(c.num_leaves for c in children)

    @property
    def num_children(self):
        return len(self.children_specs)

    def is_leaf(self):
        return False

    def unflatten(self, leaves):
        return tree_unflatten(leaves, self)

    def __eq__(self, other):
        return (isinstance(other, TreeSpec) and type(other) is type(self) and self.type == other.type
                and self.context == other.context and self.children_specs == other.children_specs)

    def __hash__(self):
        return hash((self.type, repr(self.context), tuple(self.children_specs)))

    def __repr__(self):
        name = getattr(self.type, "__name__", str(self.type))
        return f"TreeSpec({name}, {self.context!r}, [{', '.join(map(repr, self.children_specs))}])"


class LeafSpec(TreeSpec):
    """The spec of a leaf: one slot."""

    def __init__(self):
        self.type, self.context, self.children_specs, self.num_leaves = None, None, [], 1

    def is_leaf(self):
        return True

    def __repr__(self):
        return "*"


_LEAF = LeafSpec()


def _flatten_into(tree, leaves, is_leaf):
    if is_leaf is not None and is_leaf(tree):
        leaves.append(tree)
        return _LEAF
    kind = _node_kind(tree)
    if kind is None:
        leaves.append(tree)
        return _LEAF
    if isinstance(tree, dict):
        keys = list(tree)
        context = (tree.default_factory, keys) if isinstance(tree, defaultdict) else keys
        return TreeSpec(type(tree), context, [_flatten_into(tree[k], leaves, is_leaf) for k in keys])
    context = type(tree) if kind == "namedtuple" else (tree.maxlen if isinstance(tree, deque) else None)
    return TreeSpec(kind, context, [_flatten_into(c, leaves, is_leaf) for c in tree])


def tree_flatten(tree, is_leaf=None):
    """(the leaves of tree in order, its TreeSpec). is_leaf(x) -> True stops the walk at x (a container too)."""
    leaves = []
    spec = _flatten_into(tree, leaves, is_leaf)
    return leaves, spec


def tree_leaves(tree, is_leaf=None):
    """The leaves of tree, in order (depth first, a dict's in insertion order)."""
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    """tree's TreeSpec."""
    return tree_flatten(tree, is_leaf)[1]


def _build(spec, it):
    if spec.is_leaf():
        return next(it)
    children = [_build(c, it) for c in spec.children_specs]
    if spec.type == "namedtuple":
        return spec.context(*children)
    if spec.type is defaultdict:
        factory, keys = spec.context
        return defaultdict(factory, zip(keys, children))
    if issubclass(spec.type, dict):
        return spec.type(zip(spec.context, children))
    if spec.type is deque:
        return deque(children, maxlen=spec.context)
    return spec.type(children)


def tree_unflatten(leaves, treespec):
    """The tree of treespec's structure holding leaves, in order; their number must be treespec.num_leaves."""
    if not isinstance(treespec, TreeSpec):
        raise TypeError(f"tree_unflatten(leaves, treespec): expected a TreeSpec, got {type(treespec).__name__}")
    leaves = list(leaves)
    if len(leaves) != treespec.num_leaves:
        raise ValueError(f"tree_unflatten(leaves, treespec): treespec has {treespec.num_leaves} leaves, but "
                         f"{len(leaves)} were given")
    return _build(treespec, iter(leaves))


def tree_map(func, tree, *rests, is_leaf=None):
    """A tree of tree's structure holding func(leaf) (func(leaf, *the leaves at the same place of rests))."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = []
    for r in rests:
        r_leaves, r_spec = tree_flatten(r, is_leaf)
        if r_spec != spec:
            raise ValueError(f"tree_map: the trees have different structures: {spec!r} and {r_spec!r}")
        others.append(r_leaves)
    return tree_unflatten([func(*xs) for xs in zip(leaves, *others)], spec)


def tree_map_only(type_or_types, func, tree, is_leaf=None):
    """tree_map of func over the leaves that are instances of type_or_types; the other leaves stay as they are."""
    return tree_map(lambda x: func(x) if isinstance(x, type_or_types) else x, tree, is_leaf=is_leaf)


def tree_all(pred, tree, is_leaf=None):
    return all(map(pred, tree_leaves(tree, is_leaf)))


def tree_any(pred, tree, is_leaf=None):
    return any(map(pred, tree_leaves(tree, is_leaf)))
