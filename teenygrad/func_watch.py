"""What func.vmap's loop watches while it runs func once per batch element: the generators func draws from (its
randomness modes) and the tensors outside the batch that func could write in place (a write the loop would repeat)."""
import functools
import types

from .tensor import Tensor
from .tensor_storage import _root
from . import random as _rng
from .func_batched import drew


class DrawWatch:
    """vmap's watch on the generators func draws from (random.gen_of calls it before each draw, from any generator,
    the default one or a user's): 'error' refuses the draw, as torch's; the others keep each generator's state from
    before its first draw, for restore() ('same': every element starts from it), and 'different' notes that what is
    drawn is batched (func_batched.drew). An enclosing vmap sees the draw too (an outer 'error' refuses it)."""
    def __init__(self, mode, level):
        self.mode, self.level, self.states = mode, level, {}

    def __call__(self, g):
        if self.outer is not None:
            self.outer(g)
        if self.mode == "error":
            raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use the "
                               "'same' or 'different' randomness flags on vmap or perform the randomness operation "
                               "out of vmap")
        if self.mode == "different":  # what it draws differs between batch elements: a batched value
            drew(self.level)
        if id(g) not in self.states:
            self.states[id(g)] = (g, g.get_state())

    def restore(self):
        for g, state in self.states.values():
            g.set_state(state)

    def __enter__(self):
        self.outer, _rng.draw_watch = _rng.draw_watch, self
        return self

    def __exit__(self, *exc):
        _rng.draw_watch = self.outer


def outside_tensors(func, unmapped, mapped, kwargs):
    """The tensors func can write in place that vmap does not map, and the module buffers among them: the unmapped
    arguments' tensors, the keyword arguments, and those func reaches from outside (_reached), less any that share
    memory with a mapped tensor (a write through its slices is a write into the batch)."""
    found, buffers = {id(t): t for t in unmapped}, {}
    mapped = {id(_root(t._data)) for t in mapped}
    _reached(kwargs, found, buffers, set(), 0)
    _reached(func, found, buffers, set(), 0)
    return tuple([t for t in ts.values() if id(_root(t._data)) not in mapped] for ts in (found, buffers))


def _reached(obj, found, buffers, seen, depth):
    """Collect in found the tensors obj reaches (and in buffers the modules' buffers): a tensor; a module's
    parameters and buffers; the cells and named globals of a function (the globals of teenygrad's own functions
    left out: its vmap, grad, ... hold the user's function in a cell), a partial's or a bound method's parts; the
    items of tuples, lists and dicts."""
    from .nn import Module
    if id(obj) in seen or depth > 8:
        return
    seen.add(id(obj))
    if isinstance(obj, Tensor):
        found[id(obj)] = obj
    elif isinstance(obj, Module):
        for t in obj.parameters():
            found[id(t)] = t
        for t in obj.buffers():
            found[id(t)] = buffers[id(t)] = t
        _reached(type(obj).forward, found, buffers, seen, depth + 1)
    elif isinstance(obj, (tuple, list)):
        for a in obj:
            _reached(a, found, buffers, seen, depth + 1)
    elif isinstance(obj, dict):
        for a in obj.values():
            _reached(a, found, buffers, seen, depth + 1)
    elif isinstance(obj, functools.partial):
        _reached((obj.func, obj.args, obj.keywords), found, buffers, seen, depth + 1)
    elif isinstance(obj, types.MethodType):
        _reached((obj.__self__, obj.__func__), found, buffers, seen, depth + 1)
    elif isinstance(obj, types.FunctionType):
        for cell in obj.__closure__ or ():
            try:
                _reached(cell.cell_contents, found, buffers, seen, depth + 1)
            except ValueError:  # an empty cell
                pass
        if not (obj.__module__ or "").startswith("teenygrad"):
            g = obj.__globals__
            for name in _names(obj.__code__):
                if name in g:
                    _reached(g[name], found, buffers, seen, depth + 1)


def _names(code):
    """the global names code (and the functions, lambdas and comprehensions defined in it) may read"""
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _names(c)
    return names
