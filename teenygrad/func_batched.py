"""Which of func's tensors vmap's loop would hold as a batch, so that it refuses what torch's vmap refuses.

torch's vmap runs func once, on tensors holding the whole batch: it refuses to read one Python value out of such a
tensor (.item(), float(), bool() and so `if t > 0:`, tolist(), numpy()), and the ops whose output shape depends on the
values (nonzero, unique, masked_select, torch.where(cond), boolean-mask indexing). teenygrad's loop sees one element
at a time, so it marks the tensors torch would batch: the mapped slices, what is computed from them, and the draws of
randomness='different' mode. A marked tensor is a BatchedTensor (the same tensor, its class switched) whose methods
mark what they compute (and refuse what torch's refuse); while a vmap runs, the torch-level functions of teenygrad's
modules (torch.*, nn.functional, linalg, ...) are swapped for marking ones in the modules' namespaces. No class is
changed and no tensor is of this class outside vmap: item(), bool() and every op cost what they did.

Only func's own reads are refused (teenygrad's ops may read a batched value inside, where torch's batching rule does
the same work). Not seen: a plain tensor's method given a batched argument (c.eq(a), c[mask], c.gather(0, idx);
c + a is seen, Python asks the subclass first), and functions func imported by name; what they return stays
unmarked, and reading it runs per element."""
import sys
import types

from .tensor import Tensor

_running = []  # the Levels of the vmaps now running, outermost first
_drawn = []    # per draw while a vmap in randomness='different' mode runs: that vmap's Level (drew)


class Level:
    """One running call of a vmapped function: the tensors computed from its mapped inputs carry it while it runs
    (active); same: its randomness is 'same' (a draw from a batched input is refused there)."""
    __slots__ = ("active", "same")

    def __init__(self, randomness):
        self.active, self.same = True, randomness == "same"


class BatchedTensor(Tensor):
    """A tensor holding one value per batch element of the vmaps in _vlevels (torch's BatchedTensor): the running
    ones among them count."""
    __slots__ = ()
    _vlevels = ()
    __hash__ = Tensor.__hash__  # the __eq__ set below would otherwise leave the class unhashable


def _active(levels):
    for lv in levels:
        if lv.active:
            return True
    return False


def is_batched(t, level=None):
    """Whether t holds one value per batch element of a running vmap (or of level, running or not)."""
    return type(t) is BatchedTensor and (_active(t._vlevels) or level in t._vlevels)


def drew(level):
    """DrawWatch's note of a draw in level's randomness='different' mode: what it drew is batched there."""
    _drawn.append(level)


def _union(a, b):
    if not b or a is b:
        return a
    return b if not a else tuple(dict.fromkeys(a + b))


def _levels_in(args, kwargs):
    """the levels of the batched tensors among args and kwargs, and in their tuples and lists (cat's, an index)"""
    levels = ()
    for a in (*args, *kwargs.values()) if kwargs else args:
        if type(a) is BatchedTensor:
            levels = _union(levels, a._vlevels)
        elif type(a) is tuple or type(a) is list:
            for b in a:
                if type(b) is BatchedTensor:
                    levels = _union(levels, b._vlevels)
    return levels


def mark(out, levels, inputs=()):
    """Mark the tensors of out (a tensor, or tuples / lists of them) batched over levels; a plain tensor that is one
    of inputs (returned as it came, by .to() or type_as) stays as it is."""
    cls = type(out)
    if cls is BatchedTensor:
        if out._vlevels is not levels:
            out._vlevels = _union(out._vlevels, levels)
    elif cls is Tensor:
        for a in inputs:
            if a is out:
                return
        out.__class__ = BatchedTensor
        out._vlevels = levels
    elif isinstance(out, (tuple, list)):  # namedtuples too (max, sort)
        for o in out:
            mark(o, levels, inputs)


def settle(out):
    """out's tensors without the levels of the vmaps that have ended (batched over none: plain again)."""
    if type(out) is BatchedTensor:
        levels = tuple(lv for lv in out._vlevels if lv.active)
        if levels:
            out._vlevels = levels
        else:
            out.__class__ = Tensor
            del out._vlevels
    elif isinstance(out, (tuple, list)):
        for o in out:
            settle(o)
    elif isinstance(out, dict):
        for o in out.values():
            settle(o)


def batched_like(out, tensors):
    """out, stacked from tensors (one per element of a vmap that has ended), batched over the running vmaps that
    any of tensors is"""
    levels = _levels_in((tensors,), None)
    if levels:
        mark(out, levels)
    settle(out)
    return out


def _marked(out, args, kwargs, drawn, from_args=True):
    """out, marked with the levels of the batched tensors among args and kwargs (from_args) and those of the draws
    made since _drawn held `drawn` entries"""
    if _running:
        if not from_args:
            levels = ()
        elif len(args) == 1 and not kwargs and isinstance(args[0], Tensor):  # a method of one tensor: spelled out
            levels = args[0]._vlevels if type(args[0]) is BatchedTensor else ()
        else:
            levels = _levels_in(args, kwargs)
        if len(_drawn) != drawn:
            levels = _union(levels, tuple(dict.fromkeys(_drawn[drawn:])))
        if levels:
            mark(out, levels, args)
    return out


def _from_user():
    """Whether the op running was called from outside teenygrad (by func's own code)."""
    f = sys._getframe(2)
    while f is not None and f.f_globals.get("__name__") == __name__:
        f = f.f_back
    name = (f.f_globals.get("__name__") or "") if f is not None else ""
    return not (name == "teenygrad" or name.startswith("teenygrad."))


# ---- what torch's vmap refuses -------------------------------------------------------------------------------------

_BATCHED = ("the tensor holds one value per batch element (it was computed from vmap's mapped inputs, or drawn in "
            "randomness='different' mode)")
_ITEM = ("vmap: {call}: " + _BATCHED + ", and torch's vmap refuses to read one Python number from it (It looks like "
         "you're calling .item() on a Tensor), as teenygrad's does; rewrite it with tensor operations, or do it "
         "outside vmap")
_FLOW = ("vmap: {call} is data-dependent control flow: " + _BATCHED + ", which torch's vmap does not support, nor "
         "teenygrad's; choose with tensor operations instead (torch.where)")
_STORAGE = ("vmap: {call}: " + _BATCHED + ", and torch's vmap gives it no memory to read (Cannot access data pointer "
            "of Tensor that doesn't have storage), nor does teenygrad's; return it from func and convert vmap's "
            "result instead")
_SHAPE = ("vmap: {call}: its output's shape would depend on each batch element's values, which torch's vmap cannot "
          "batch (We do not support batching operators that can output dynamic shape), nor teenygrad's; use a "
          "fixed-shape form instead (torch.where(cond, x, y), masked_fill, nonzero_static)")
_BOOL = ("vmap: {call}: it answers with one Python bool, but " + _BATCHED + ", which torch's vmap does not support, "
         "nor teenygrad's; compare with tensor operations ((a == b).all(), torch.isclose(a, b).all()) instead")
_CLASSES = ("vmap: {call}: the number of classes would be read from the values (their max, one per batch element), "
            "which torch's vmap refuses (please provide an explicit positive num_classes argument), as teenygrad's "
            "does; pass num_classes")
_SAME = ("vmap: {call} in randomness='same' mode: every batch element draws the same numbers there, but its input "
         "holds one value per batch element; torch's vmap does not support that (same randomness with a batched "
         "tensor input), nor teenygrad's: use randomness='different', or draw outside vmap")


def _self(message, call):
    """the refusal of a read of self, a batched tensor"""
    def refused(self, *args, **kwargs):
        return (message, call) if _active(self._vlevels) else None
    return refused


def _scalar_format(self, spec="", *args):
    return (_ITEM, "format() of a 0-d batched tensor") if not self._data.ndim and _active(self._vlevels) else None


def _bool_mask_in(index):
    """whether index (a tensor, or a tuple / list holding some) has a batched boolean mask"""
    for i in (index if type(index) is tuple or type(index) is list else (index,)):
        if type(i) is BatchedTensor and i._data.dtype == bool and _active(i._vlevels):
            return True
    return False


def _masked_select(self, mask, *args, **kwargs):
    return (_SHAPE, "masked_select with a batched mask") if _bool_mask_in(mask) else None


def _mask_index(self, index, *args, **kwargs):
    return (_SHAPE, "indexing with a batched boolean mask") if _bool_mask_in(index) else None


def _any(message, call):
    """the refusal of a call with a batched tensor among its arguments"""
    def refused(*args, **kwargs):
        return (message, call) if any(is_batched(a) for a in (*args, *kwargs.values())) else None
    return refused


def _holds_batched(x):
    if isinstance(x, (tuple, list)):
        return any(_holds_batched(a) for a in x)
    return is_batched(x)


def _number_from(name, skip=0):
    """a factory's refusal of a batched tensor among its numbers (sizes, bounds, fill values, data: torch reads them
    with .item()); skip: its leading tensor arguments (full_like's input)"""
    def refused(*args, **kwargs):
        if _holds_batched(args[skip:]) or _holds_batched(list(kwargs.values())):
            return _ITEM, f"torch.{name}() reading a number from a batched tensor"
        return None
    return refused


def _where_one(condition, *args, **kwargs):
    if not args and not kwargs and is_batched(condition):
        return _SHAPE, "torch.where(condition) of a batched condition"
    return None


def _narrow_start(self, dim, start, *args, **kwargs):
    return (_ITEM, "narrow() reading its start from a batched tensor") if is_batched(start) else None


def _one_hot(tensor, num_classes=-1):
    return (_CLASSES, "one_hot() of a batched tensor without num_classes") if num_classes == -1 and is_batched(
        tensor) else None


def _same_draw(call):
    """the refusal of a draw from a tensor batched over a running vmap in randomness='same' mode"""
    def refused(*args, **kwargs):
        return (_SAME, call) if any(lv.active and lv.same for lv in _levels_in(args, kwargs)) else None
    return refused


# BatchedTensor's methods that refuse, given (self, *args, **kwargs): None, or (message, the call it names)
_METHOD_CHECKS = {
    "item": _self(_ITEM, ".item() on a batched tensor"), "__float__": _self(_ITEM, "float() of a batched tensor"),
    "__int__": _self(_ITEM, "int() of a batched tensor"), "__complex__": _self(_ITEM, "complex() of a batched tensor"),
    "__index__": _self(_ITEM, "a batched tensor used as an index (__index__)"),
    "__contains__": _self(_ITEM, "`in` a batched tensor"), "__format__": _scalar_format,
    "__bool__": _self(_FLOW, "bool() of a batched tensor"),
    "is_nonzero": _self(_FLOW, "is_nonzero() of a batched tensor"),
    "tolist": _self(_STORAGE, "tolist() of a batched tensor"), "numpy": _self(_STORAGE, "numpy() of a batched tensor"),
    "__array__": _self(_STORAGE, "numpy's conversion of a batched tensor (__array__)"),
    "data_ptr": _self(_STORAGE, "data_ptr() of a batched tensor"),
    "nonzero": _self(_SHAPE, "nonzero() of a batched tensor"), "unique": _self(_SHAPE, "unique() of a batched tensor"),
    "unique_consecutive": _self(_SHAPE, "unique_consecutive() of a batched tensor"),
    "bernoulli": _same_draw("bernoulli() of a batched tensor"),
    "multinomial": _same_draw("multinomial() of a batched tensor"),
    "masked_select": _masked_select, "__getitem__": _mask_index, "__setitem__": _mask_index,
    "index_put": _mask_index, "index_put_": _mask_index, "equal": _any(_BOOL, "equal() with a batched tensor"),
    "allclose": _any(_BOOL, "allclose() with a batched tensor"), "narrow": _narrow_start}
# torch-level functions that refuse (teenygrad's names), swapped in while a vmap runs
_TORCH_CHECKS = {
    "nonzero": _any(_SHAPE, "torch.nonzero() of a batched tensor"),
    "unique": _any(_SHAPE, "torch.unique() of a batched tensor"),
    "unique_consecutive": _any(_SHAPE, "torch.unique_consecutive() of a batched tensor"),
    "masked_select": lambda input, mask, *args, **kwargs: _masked_select(input, mask), "where": _where_one,
    "index_put": lambda input, indices, *args, **kwargs: _mask_index(input, indices),
    "index_put_": lambda input, indices, *args, **kwargs: _mask_index(input, indices),
    "equal": _any(_BOOL, "torch.equal() with a batched tensor"),
    "allclose": _any(_BOOL, "torch.allclose() with a batched tensor"),
    "is_nonzero": _any(_FLOW, "torch.is_nonzero() of a batched tensor"),
    "full_like": _number_from("full_like", 1), "randint_like": _number_from("randint_like", 1),
    "narrow": _narrow_start}
for _n in ("tensor", "full", "arange", "zeros", "ones", "empty", "eye", "randint", "randperm"):
    _TORCH_CHECKS[_n] = _number_from(_n)
for _n in ("bernoulli", "normal", "poisson", "multinomial", "binomial"):
    _TORCH_CHECKS[_n] = _same_draw(f"torch.{_n}() of a batched tensor")
_NN_CHECKS = {"one_hot": _one_hot}  # nn.functional's
_DRAWS_ONLY = {"rand_like", "randn_like", "randint_like"}  # batched only where they draw ('different'), as torch's


_inside = False  # a marking op is running: the ops it calls need no marks of their own (its output gets them)


def _checked(name, op, refused=None, from_args=True, tensor_dict=vars(Tensor)):
    """op (a torch-level function; None: Tensor's method `name`, looked up at each call, so that a method set later
    is the one that runs) refusing, when func calls it, what refused(*args, **kwargs) names; its output marked
    (from_args: with the levels of its batched arguments; always with those of its draws)"""
    def checked(*args, **kwargs):
        global _inside
        fn = op or tensor_dict[name]
        if _inside or not _running:
            return fn(*args, **kwargs)
        if refused is not None and _from_user():
            try:
                why = refused(*args, **kwargs)
            except TypeError:  # arguments op refuses itself, in its own words
                why = None
            if why is not None:
                raise RuntimeError(why[0].format(call=why[1]))
        drawn = len(_drawn)
        _inside = True
        try:
            out = fn(*args, **kwargs)
        finally:
            _inside = False
        return _marked(out, args, kwargs, drawn, from_args)
    checked.__name__ = checked.__qualname__ = name
    return checked


# ---- BatchedTensor's methods ----------------------------------------------------------------------------------------

def _method(name):
    """BatchedTensor's `name`: Tensor's, refusing what torch's vmap refuses, its output marked (torch's new_tensor
    is a new unbatched tensor)"""
    return _checked(name, None, _METHOD_CHECKS.get(name), from_args=name != "new_tensor")


def _property(name, tensor_dict=vars(Tensor)):
    prop = tensor_dict[name]
    return property(lambda self: _marked(tensor_dict[name].fget(self), (self,), None, len(_drawn)), prop.fset,
                    prop.fdel, prop.__doc__)


_NOT_WRAPPED = {"__init__", "__hash__", "__repr__", "__getstate__", "__deepcopy__", "__len__", "__dlpack_device__",
                "__reversed__"}
_PROPERTIES = {"data", "T", "mT", "H", "mH", "real", "imag"}
_wrapped = set()


def _sync_methods():
    """Give BatchedTensor a marking method for each public method and operator of Tensor's (ones set on Tensor since
    the last vmap too); the private helpers are left as they are: the method that calls one marks."""
    d = vars(Tensor)
    if len(_wrapped) == len(d):
        return
    for name, v in list(d.items()):
        if name in _wrapped:
            continue
        _wrapped.add(name)
        if type(v) is types.FunctionType and name not in _NOT_WRAPPED and (name[0] != "_" or name[:2] == "__"):
            setattr(BatchedTensor, name, _method(name))
        elif type(v) is property and name in _PROPERTIES:
            setattr(BatchedTensor, name, _property(name))


# ---- what a running vmap swaps in ------------------------------------------------------------------------------------

_swapped = {}  # while a vmap runs: per module swapped, {name: the function it held}
_MODULES = ("teenygrad", "teenygrad.nn.functional", "teenygrad.autograd", "teenygrad.linalg", "teenygrad.special",
            "teenygrad.fft")
_plans = {}  # module -> (its number of names, {name: function}, {name: stand-in}) (_stand_ins)


def _stand_ins(module, checks):
    """({name: function}, {name: its marking stand-in}) for the torch-level functions of a teenygrad module (its
    hooks such as __getattr__ left out), worked out again only when the module's functions change"""
    d = vars(module)
    plan = _plans.get(module)
    if plan is None or plan[0] != len(d) or not plan[1].items() <= d.items():
        fns = {n: v for n, v in d.items() if type(v) is types.FunctionType and n[:2] != "__"
               and (v.__module__ or "").startswith("teenygrad")}
        plan = _plans[module] = (len(d), fns, {n: _checked(n, fn, checks.get(n), n not in _DRAWS_ONLY)
                                               for n, fn in fns.items()})
    return plan[1], plan[2]


def _swap_in():
    """Swap in the marking (and checking) torch-level functions of the teenygrad modules loaded (func cannot have
    reached the others through them): module namespaces only, as a class changed at each call would, from Python
    3.12, run out of the version tags that keep its method lookups fast."""
    import teenygrad
    _sync_methods()
    if teenygrad not in _plans:  # torch.exp, torch.nonzero, ...: functional_api's are set on the module when first
        for n in vars(teenygrad.functional_api):  # read; read them all now, so that each has its stand-in
            if n[0] != "_":
                getattr(teenygrad, n, None)
    for name in _MODULES:
        module = sys.modules.get(name)
        if module is not None:
            checks = _TORCH_CHECKS if module is teenygrad else _NN_CHECKS if name == "teenygrad.nn.functional" else {}
            _swapped[module], stand_ins = _stand_ins(module, checks)
            vars(module).update(stand_ins)


def _swap_out():
    for module, held in _swapped.items():
        vars(module).update(held)
    _swapped.clear()


class BatchWatch:
    """vmap's watch on which of func's tensors are batched: its Level, active while the loop runs. The first vmap to
    start swaps the marking ops in, the last to end swaps them out."""
    def __init__(self, randomness):
        self.level = Level(randomness)

    def mapped(self, t):
        """t, a slice of a mapped argument, marked batched over this vmap (and over the ones it already was)"""
        mark(t, (self.level,))
        return t

    def __enter__(self):
        global _inside
        if not _running:
            _swap_in()
        _running.append(self.level)
        self.inside, _inside = _inside, False  # a vmap func runs inside a marking op (a hook, a callback) marks anew
        return self

    def __exit__(self, *exc):
        global _inside
        _inside = self.inside
        self.level.active = False
        _running.remove(self.level)
        if not _running:
            _swap_out()
            _drawn.clear()
