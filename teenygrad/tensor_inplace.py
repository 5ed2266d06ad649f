"""Tensor's in-place methods (x += y, add_, fill_, copy_, uniform_, ...). Without a graph they write into the
tensor's own memory, so views and `.data` aliases stay in sync; with one they rebind the tensor to a new graph node
that read a stand-in for the old value (see _inplace)."""
import builtins
import math
from weakref import ref as _weakref
import numpy as np
from . import dtype as dt
from ._arrays import on_device_of, xp_of
from .ops import index as I
from .autograd.function import Function
from .autograd.custom import _stale_custom_views
from .tensor import Tensor, E, _is_view_of, _gstate, _move, _needs_grad, _shared_memory_error, _weak_append


# in-place: real in-place on the array when no graph is involved; otherwise rebind (see _inplace)
def _inplace(self, result, op):
    if _gstate["enabled"] and (self._requires_grad or result.requires_grad):
        if self._ctx is None and self._requires_grad and "_nograd_view" not in self.__dict__:
            raise _leaf_error(self, op)
        if result._data.dtype != self._data.dtype or result._data.shape != self._data.shape:
            result = _fit(self, result, op)  # x.add_(y): x keeps its dtype and shape, as torch's in-place ops
        if "_nograd_view" in self.__dict__:
            fn = getattr(self._ctx, "_fn", None)
            if fn is not None:  # an output of a custom autograd.Function, which forward took as a view of an input
                raise RuntimeError(f"{op}: the output of {fn.__name__} is a view of its input (taken inside the custom "
                                   "Function, or the input returned as it is) and is being modified inplace, which "
                                   "torch forbids; clone() it inside forward, or before the in-place op")
            raise RuntimeError(f"{op}: a view was created in no_grad mode and is being modified inplace with grad "
                               "mode enabled (ambiguous, torch forbids it); take the view outside no_grad, or do "
                               "the in-place op inside it")
        if _multi_view_of(self):
            raise RuntimeError(f"{op}: the tensor is a view from split/chunk/unbind (or a view of one), which torch "
                               "does not allow to be modified in place with a graph; clone() it first, or write "
                               "to the base tensor")
        view_base = _view_base(self)
        if view_base is not None:
            _refuse_view_of_leaf(view_base, op)  # before the write is stamped: a refused write is no write
        pending = self.__dict__.pop("_pending_original", None)
        if pending is not None and pending.parents[0] is self._ctx:
            # torch overwrites the value in place, after the op read its inputs: ops that saved it (or memory it
            # shares) refuse their backward, this one too where another of its inputs is it (see _pre_inplace).
            # A result made without a stand-in (computed from the input itself, whose node its op then reads, as
            # nn.modules' _Elementwise still does) is taken without the stamp, which that op would otherwise refuse on
            _bump(self)
        if _view_base(result) is not None:  # a view of a tensor made inside the op (put_ reshapes index_put's
            named = result._ctx.__dict__.get("torch_name") if result._ctx is not None else None  # result back):
            result = result.clone()         # self takes a node of its own, not a view of that one, and its name
            if named is not None:
                result._named(named)
        if view_base is not None:
            return _write_through(self, result, op)
        if self._ctx is not None:
            # the op read a stand-in for the old value (_pre_inplace), so self can take the new node
            _take(self, result._data, result._ctx)
            _refresh_views(self)
            return self
        # a plain tensor takes a value that needs grad (buf.copy_(h)): the value goes into its own memory, which
        # views of it, .data and numpy may share, and the tensor joins the graph, with the views taken from it
        recipe = self.__dict__.get("_recipe")
        if recipe is not None:  # a plain view of a plain tensor: the base takes the value through it
            return _join_through_base(self, result, op, *recipe)
        _store(self, result._data, op)
        _join(self, result._ctx)
        _refresh_views(self)
        return self
    _store(self, result._data, op)
    return self


def _leaf_error(t, op):
    """The refusal of an in-place op with grad mode on leaf t, which requires grad; a view taken under no_grad of a
    tensor that requires grad also is one (no graph behind it), and torch's message names it so."""
    if "_nograd_view" in t.__dict__:
        return RuntimeError(f"{op}: a view was created in no_grad mode and is being modified inplace with grad mode "
                            "enabled (ambiguous, torch forbids it); take the view outside no_grad, or do the in-place "
                            "op inside it")
    return RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an in-place operation; wrap it in "
                        "teenygrad.no_grad() or use .data")


def _multi_view_of(t):
    """Whether t is one of the outputs of a multi-view op (split, chunk, unbind: marked _multi_view) or a view of
    one; torch refuses an in-place op with a graph on those, whose views' gradients it could not rebase."""
    while t is not None:
        d = t.__dict__
        if d.get("_multi_view"):
            return True
        recipe = d.get("_recipe")
        t = recipe[0] if recipe is not None else _view_base(t) if t._ctx is not None else None
    return False


def _overlaps(t, o):
    """torch's overlap test for an in-place op's input o: the same tensor, or dense memory blocks (any order of
    dims, no gaps) that meet; it does not look into other strided layouts."""
    if t is o:
        return True
    a, b = t._data, o._data
    if type(a) is not np.ndarray or type(b) is not np.ndarray or not np.may_share_memory(a, b):
        return False
    return _dense(a) and _dense(b)


def _same_data(a, b):
    """Whether arrays a and b are the same elements in the same layout."""
    return (a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def _dense(a):
    """Whether array a fills a block of memory with no gaps and no element twice (a permuted contiguous array)."""
    return a.size == 0 or a.size * a.itemsize == builtins.sum((n - 1) * abs(st) for n, st in zip(a.shape, a.strides)
                                                              if n > 1) + a.itemsize and all(
        st != 0 for n, st in zip(a.shape, a.strides) if n > 1)


def _take(t, data, ctx):
    """Graph tensor t takes in-place result `data` and its node. A tensor whose memory others may share keeps it, as
    torch's in-place ops write there: one that joined the graph in place (.data and detach() aliases, views, numpy
    may share it) or has aliases (which may have joined the graph themselves); the value goes into it (its stand-in
    held a copy, _pre_inplace). Any other graph tensor owns its memory alone: it is rebound to the new array."""
    if _keeps_memory(t):
        t._data[...] = data
        data = t._data
        _share_node(t, ctx)
    _rebind(t, data, ctx)


def _join(t, ctx):
    """Plain tensor t, whose memory just took a graph value, joins the graph with node ctx, keeping its memory."""
    t._ctx, t._requires_grad = ctx, True
    t._keeps_memory = True
    _share_node(t, ctx)


def _share_node(t, ctx):
    """ctx's output is t's memory: where t shares another's (detach(), _share_counter), the node shares the stamps of
    the writes to it from now on (this one's own write is stamped already)."""
    ref = t.__dict__.get("_shares")
    if ref is not None:
        ctx._shares, ctx._shared_since = ref, _gstate["writes"]


def _keeps_memory(t):
    """Whether graph tensor t's in-place results go into its memory (_take). A tensor with aliases or views taken
    under no_grad only when the array is its own: an op's output may be a view of another tensor's memory, which must
    not change (those views are taken again from the new value instead, _retake_nograd_views)."""
    d = t.__dict__
    a = t._data  # a cupy array's flags have no `writeable`: it always is
    return (type(a) is not np.ndarray or a.flags.writeable) and (
        "_keeps_memory" in d or ("_aliases" in d or "_nograd_views" in d) and t._data.base is None)


def _memory_kept(t):
    """Whether graph tensor t is (a view of) a tensor that keeps its memory (_take)."""
    while t._ctx is not None:
        if _keeps_memory(t):
            return True
        base = _view_base(t)
        if base is None:
            return False
        t = base
    return False


def _rebind(t, data, ctx):
    """Graph tensor t takes a new value and node in place. As in torch, retain_grad moves to the new node (.grad is
    the gradient of the new value), while hooks stay on the old one (they see the gradient of the old value)."""
    t._data, t._ctx, t._requires_grad = data, ctx, True
    if t._retains_grad:
        ctx.retained_by = t


def _check_result(self, r, op):
    """torch's rules for an in-place result r: no float result into an integer tensor, and exactly self's shape."""
    if r.dtype != self.dtype and dt._category(r.dtype) > dt._category(self.dtype):  # float -> int, int -> bool
        raise RuntimeError(f"{op}: result type {r.dtype} can't be cast to the desired output type {self.dtype}")
    if r.shape != self.shape:
        raise RuntimeError(f"{op}: output with shape {self.shape} doesn't match the broadcast shape {r.shape}")


def _check_cast_first(self, o, op):
    """torch checks an in-place op's promoted type against self's before the op runs: int_t &= 1.5 is the cast
    error, not bitwise_and's refusal of floats. Promotion only: no array is made."""
    if isinstance(o, Tensor):
        od, ond = o.dtype, o.ndim
    elif isinstance(o, (builtins.bool, builtins.int, builtins.float, builtins.complex, np.number, np.bool_)):
        od, ond = dt.scalar_dtype(o), -1
    else:
        return
    r = dt.result_type(self.dtype, self.ndim, od, ond)
    if dt._category(r) > dt._category(self.dtype):
        raise RuntimeError(f"{op}: result type {r} can't be cast to the desired output type {self.dtype}")


def _fit(self, result, op):
    """A graph in-place result, checked as _store checks one and cast to self's dtype."""
    _check_result(self, result._data, op)
    return result._cast(self.dtype)


def _store(self, r, op):
    """self's memory <- r, with torch's casting and shape rules for in-place results."""
    _check_result(self, r, op)
    if r.dtype != self.dtype:
        r = r.astype(self.dtype)
    try:
        self._data[...] = r
    except ValueError:
        raise _shared_memory_error(op, self) from None
    _bump(self)


def _bump(t):
    """t's memory was written without a graph: stamp the write (Function._written) on t's graph node, or on t
    itself for a leaf, and for a graph view on the tensor it is a view of, whose memory it is."""
    _gstate["writes"] += 1
    while t._ctx is not None:
        base = _view_base(t)
        if base is None:
            _stamp_node(t._ctx, _gstate["writes"])
            if "_shares" in t.__dict__:  # a detach() alias that joined the graph: its memory is another's
                _bump_plain_views(t, _gstate["writes"])
            _count_write(t)
            return
        t = base
    d = t.__dict__
    d["_written"] = _gstate["writes"]
    if "_recipe" in d or "_views" in d:  # a plain view or alias, or a tensor with plain views: they share it
        _bump_plain_views(t, _gstate["writes"])
    _count_write(t)


def _count_write(t):
    """One more write to t's memory, for Tensor._version (torch's count of in-place writes): counted on the tensor
    that owns the memory's counter (_counter_owner), which views and detach() aliases read too."""
    d = t.__dict__
    if "_recipe" in d:  # a plain view or a detach() alias (their `_recipe` key, None or not): its owner counts
        d = _counter_owner(t).__dict__
    d["_nwrites"] = d.get("_nwrites", 0) + 1
    views = d.get("_custom_views")
    if views:  # outputs of custom Functions that view this memory: their graphs go stale, as torch's
        _stale_custom_views(views)
    views = d.get("_nograd_views")
    if views:  # views taken under no_grad of a tensor that requires grad: they can no longer be used in a graph
        _stale_nograd_views(views)


def _counter_owner(t):
    """The tensor whose write count t shares (Tensor._version): the base of t's views, graph or plain, and of the
    detach() aliases and no_grad views among them (`_shares`, or `_counted_by` where that is a graph node, which an
    in-place op replaces). `.data` aliases have none: their count is their own, as in torch."""
    while True:
        d = t.__dict__
        if t._ctx is not None:
            base = _view_base(t)
            if base is not None:
                t = base
                continue
        elif d.get("_recipe") is not None:
            t = d["_recipe"][0]
            continue
        ref = d.get("_counted_by") or d.get("_shares")  # _shares: a tensor when it owns its memory (_share_counter)
        owner = None if ref is None else ref()
        return owner if isinstance(owner, Tensor) else t


def _stamp_node(node, stamp):
    """The output memory of graph node `node` was written."""
    node._written = stamp
    while type(node) is I.ViewScatter and node.parents:  # v.exp_() on a view: exp's output is this memory
        node = node.parents[1]
        if not hasattr(node, "parents"):  # a leaf: its value was copied in, its own memory is untouched
            break
        node._written = stamp


def _bump_plain_views(t, stamp):
    """A write to plain tensor t is a write to the memory of the plain tensors it is a view of, of the plain
    views taken of it (_plain_view), and of the tensor (or graph node) whose memory a detach() alias or a view
    taken without a graph is (_share_counter), as torch's shared version counter sees it: stamp them all."""
    base = t
    while base.__dict__.get("_recipe") is not None:
        base = base._recipe[0]
        base._written = stamp
    todo = [base]
    ref = base.__dict__.get("_shares")
    holder = None if ref is None else ref()
    if isinstance(holder, Tensor):
        holder._written = stamp
        todo.append(holder)
    elif holder is not None:
        _stamp_node(holder, stamp)
    while todo:
        for r in todo.pop().__dict__.get("_views", ()):
            v = r()
            if v is not None and v._ctx is None:
                v._written = stamp
                todo.append(v)


def _view_base(t):
    """The tensor that graph tensor t is a view of (set by the view ops, see tensor._as_view), else None."""
    ctx = t._ctx
    base = getattr(ctx, "base", None)
    if base is None:
        return None
    return base if _is_view_of(t._data, ctx.src) else None  # a copying reshape is no view


def _write_through(view, result, op):
    """An in-place op on a view of a graph tensor (v = y[0]; v.mul_(2)) changes the base, as in torch: the base
    becomes `base with the view's part replaced by result` (ViewScatter), the view becomes that part of it."""
    ctx, base = view._ctx, view._ctx.base
    if not hasattr(ctx, "view_of"):
        raise RuntimeError(f"{op}: unsupported operation: more than one element of the written-to tensor refers "
                           f"to a single memory location ({type(ctx).__name__} view); clone() it first")
    new_base = I.ViewScatter.apply(base._pre_inplace(original=False), result._cast(base.dtype), view=ctx)
    if _view_base(base) is not None:  # a view of a view: write through the next level too
        _write_through(base, new_base, op)
    else:  # the root: it takes the new node, and every view of it, this one included, is taken again from it
        _take(base, new_base._data, new_base._ctx)
        _refresh_views(base)
    return view


def _refuse_view_of_leaf(base, op):
    """An in-place op with a graph on a view whose root (base, or what base is a view of) is a leaf that requires
    grad, or a view of one taken under no_grad (invalid or not), is refused, as torch."""
    while "_nograd_view" not in base.__dict__ and base._ctx is not None:
        up = _view_base(base)
        if up is None:
            return
        base = up
    if "_nograd_view" in base.__dict__:
        raise RuntimeError(f"{op}: a view of a view which was created in no_grad mode is being modified inplace "
                           "with grad mode enabled (ambiguous, torch forbids it); take the view outside no_grad, "
                           "or do the in-place op inside it")
    if base.requires_grad:
        raise RuntimeError(f"{op}: a view of a leaf Variable that requires grad is being used in an in-place "
                           "operation; wrap it in teenygrad.no_grad() or use .data")


def _plain_view(out, base, fn, **kw):
    """out: a view of plain tensor base, taken without a graph by fn(base, **kw). In grad mode either may later
    take a graph value in place (buf.copy_(h), out[:, 0].copy_(h)); out remembers how it was taken, and base
    keeps it on its list of views, so that then the other joins the graph too (_refresh_views,
    _join_through_base), as views of torch's shared storage do. Under no_grad (base may then be a graph tensor)
    out only shares base's write stamps (_share_counter)."""
    if _gstate["enabled"]:
        out._recipe = (base, fn, kw)
        _weak_append(base.__dict__.setdefault("_views", []), out)
        ref = base.__dict__.get("_shares")
        if ref is not None:  # a view of a detach() alias: its writes reach the alias's holder too
            out._shares = ref
    else:  # taken under no_grad: it still shares base's version counter (torch refuses it in-place with a graph)
        d = out.__dict__
        d["_recipe"] = None  # _share_counter, spelled out: inference takes views under no_grad at every step
        d["_nograd_view"] = True
        bd = base.__dict__
        if base._requires_grad:  # as torch's: the view requires grad too, with no graph behind it, so an in-place
            out._requires_grad = True  # op on it with grad on is refused (as a leaf's) instead of going unrecorded
            out._nograd_of = (base, fn, kw)
            if base._ctx is None:  # a leaf (a parameter), or a view of one taken so: the leaf's stamps, count and list
                leaf = base if "_recipe" not in bd else bd["_shares"]() if "_nograd_of" in bd and \
                    "_counted_by" not in bd else None
                if leaf is not None:
                    d["_shares"] = _weakref(leaf)
                    _weak_append(leaf.__dict__.setdefault("_nograd_views", []), out)
                    return out
            d["_shares"], d["_counted_by"] = _weakref(_holder(base)), _weakref(_counter_owner(base))
            _watch_nograd_view(out, base, fn, kw)
            return out
        if base._ctx is None:
            if "_recipe" not in bd:
                d["_shares"] = _weakref(base)
                return out
            if "_nograd_view" in bd:  # a view of a no_grad view (decoding's view of a split): what _holder and
                ref = bd["_shares"]   # _counter_owner would find, without their walks
                counted = bd.get("_counted_by", ref)
                holder, owner = ref(), counted()
                if holder is not None and isinstance(owner, Tensor):  # the tensors base shares with still live
                    d["_shares"], d["_counted_by"] = ref, counted
                    return out
                if holder is None and owner is None:  # they are gone: base carries the memory's stamps itself
                    d["_shares"] = d["_counted_by"] = _weakref(base)
                    return out
        d["_shares"], d["_counted_by"] = _weakref(_holder(base)), _weakref(_counter_owner(base))
    return out


def _holder(t):
    """What carries the write stamps of t's memory: the graph node of the tensor that t is a graph view of (or of
    t), else the leaf or plain tensor at the root of t's plain views and aliases."""
    while t._ctx is not None:
        base = _view_base(t)
        if base is None:
            return t._ctx
        t = base
    while True:
        d = t.__dict__
        recipe = d.get("_recipe")
        if recipe is None:
            ref = d.get("_shares")
            holder = None if ref is None else ref()
            return t if holder is None else holder
        t = recipe[0]


def _share_counter(t, src):
    """t shares src's memory and, as torch's detach() and views do, its version counter: a write through t is
    stamped on src's holder (_bump_plain_views, reached through the `_recipe` key: None, t is no view to take
    again), and backward reads the holder's stamp as t's (function._stamp_of). A weak reference: a detached
    tensor must not keep the graph it came from alive."""
    d = t.__dict__
    d["_recipe"] = None
    if src._ctx is None and "_recipe" not in src.__dict__:  # src owns its memory: its stamps and its write count
        d["_shares"] = _weakref(src)
    else:  # the holder of the stamps may be a graph node, which an in-place op replaces: the count stays on a tensor
        d["_shares"], d["_counted_by"] = _weakref(_holder(src)), _weakref(_counter_owner(src))


def _join_through_base(view, result, op, base, fn, kw):
    """Plain view `view` of plain tensor `base` takes graph value `result`: base becomes `base with that part
    replaced` (ViewScatter), in its own memory, and its views, this one included, are taken again from it."""
    if base._ctx is None and base.requires_grad:
        raise RuntimeError(f"{op}: a view of a leaf Variable that requires grad is being used in an in-place "
                           "operation; wrap it in teenygrad.no_grad() or use .data")
    node = fn.__new__(fn)
    node.forward(base._data, **kw)  # sets what view_of needs
    if not hasattr(node, "view_of"):
        raise RuntimeError(f"{op}: unsupported operation: more than one element of the written-to tensor refers "
                           f"to a single memory location ({fn.__name__} view); clone() it first")
    new_base = I.ViewScatter.apply(base._pre_inplace(), result._cast(base.dtype), view=node)
    if base.__dict__.get("_recipe") is not None:  # base is itself a plain view: up one more level
        _join_through_base(base, new_base, op, *base._recipe)
    else:
        _store(base, new_base._data, op)
        _join(base, new_base._ctx)
        _refresh_views(base)
    return view


def _refresh_views(base):
    """base was just rebound to a new graph node: each live view of it (and their views) becomes that part of the
    new value, with a node reading it, as torch's views see an in-place change of their base."""
    aliases = base.__dict__.get("_aliases")
    if aliases:
        for r in aliases:
            a = r()
            if a is not None and a._ctx is None:  # still a plain alias (not given a graph of its own since)
                a._data = base._data
                _follow_holder(a, base)
                _repoint_plain_views(a)
    views = base.__dict__.get("_views")
    if views:
        _refresh_graph_views(base, views)
    ng = base.__dict__.get("_nograd_views")
    if ng:
        _retake_nograd_views(ng)


def _refresh_graph_views(base, views):
    live = []
    for r in views:
        v = r()
        if v is None:
            continue
        ctx = v._ctx
        if ctx is None:  # a plain view taken while base was plain (_plain_view)
            recipe = v.__dict__.pop("_recipe", None)
            if recipe is None or recipe[0] is not base:
                continue
            fresh = recipe[1].apply(base, **recipe[2])
        elif getattr(ctx, "base", None) is not base:  # rebound to something else since
            continue
        else:
            fresh = type(ctx).apply(base, **ctx.view_kwargs())
        fresh._ctx.base = base
        _rebind(v, fresh._data, fresh._ctx)
        live.append(r)
        _refresh_views(v)
    base._views = live


class _Invalid(Function):
    """Stands for a view taken under no_grad of a tensor that requires grad, once its memory is written (torch's
    grad_fn=<Invalid>): the view has no graph to rebase onto the write, so differentiating through it raises. It
    keeps the view's base (`base`, `src`), so that writes through the view still reach the base's memory stamps."""
    saves_inputs = False
    invalid = True

    def name(self):
        return "Invalid"

    def backward(self, g):
        raise RuntimeError("A view was created in no_grad mode and its base or another view of its base has been "
                           "modified inplace with grad mode enabled. Given that this use case is ambiguous and "
                           "error-prone, it is forbidden. You can clarify your code by moving both the view and the "
                           "inplace either both inside the no_grad block (if you don't want the inplace to be "
                           "tracked) or both outside (if you want the inplace to be tracked).")

    backward_graph = backward


def _watch_nograd_view(out, base, fn, kw):
    """out: a view taken under no_grad of `base`, which requires grad (or a graph view of such a view, taken by
    fn(base, **kw)). As torch's it shares base's memory and goes invalid at the next write to it
    (_stale_nograd_views). The tensor at the root of its views keeps it on a list:
    an in-place op with a graph that rebinds the root to a new array takes out again from it (_retake_nograd_views);
    the tensor counting the memory's writes keeps it too, to invalidate it."""
    out._nograd_of = (base, fn, kw)
    root = _nograd_root(base)
    _weak_append(root.__dict__.setdefault("_nograd_views", []), out)
    owner = _counter_owner(out)
    if owner is not root:
        _weak_append(owner.__dict__.setdefault("_nograd_views", []), out)


def _nograd_root(t):
    """The tensor at the root of t's graph views and no_grad views: where the no_grad views of them are listed."""
    while True:
        if t._ctx is not None and _view_base(t) is not None:
            t = _view_base(t)
        elif "_nograd_of" in t.__dict__:
            t = t._nograd_of[0]
        else:
            return t


def _stale_nograd_views(refs):
    """The memory these no_grad views share was written: from now on each stands for a node that refuses its backward
    (_Invalid); graphs that used them before keep what they recorded, as torch's."""
    for r in refs:
        v = r()
        if v is None or v._ctx is not None and v._ctx.invalid or "_nograd_of" not in v.__dict__:
            continue  # gone, invalid already, or a custom Function's output (custom._alias_input)
        base = v._nograd_of[0]
        node = _Invalid()
        # its base's node (or leaf) as input: autograd.grad(..., inputs) reaches it, and refuses, as torch
        node.parents, node.needs_input_grad, node.base, node.src = [base._ctx or base], [True], base, base._data
        v._ctx = node


def _retake_nograd_views(refs):
    """The root of these no_grad views was rebound to a new array (an in-place op with a graph on a tensor whose
    array is not its own, _keeps_memory): each view is taken again from its base's new value, in the order they were
    taken (a view's base first), with the aliases and graph views of it."""
    for r in refs:
        v = r()
        if v is None or "_nograd_of" not in v.__dict__:
            continue
        base, fn, kw = v._nograd_of
        if fn is None or _is_view_of(v._data, base._data):  # base's shape changed in place since (t_() under
            continue  # no_grad: tensor_inplace_view), or the root kept its memory (or base was taken again already)
        v._data = fn.__new__(fn).forward(base._data, **kw)
        if v._ctx is not None:
            v._ctx.src = base._data
        if "_views" in v.__dict__ or "_aliases" in v.__dict__:
            _refresh_views(v)


def _repoint_plain_views(t):
    """Plain tensor t was re-pointed at new memory (an alias of a rebound base): its aliases follow it and its plain
    views (_plain_view) are taken again from it, as views of torch's shared storage would show the new values."""
    for r in t.__dict__.get("_aliases", ()):
        a = r()
        if a is not None and a._ctx is None:
            a._data = t._data
            _follow_holder(a, t)
            _repoint_plain_views(a)
    for r in t.__dict__.get("_views", ()):
        v = r()
        recipe = None if v is None else v.__dict__.get("_recipe")
        if recipe is not None and recipe[0] is t and v._ctx is None:
            fn, kw = recipe[1], recipe[2]
            v._data = fn.__new__(fn).forward(t._data, **kw)
            _follow_holder(v, t)
            _repoint_plain_views(v)


def _follow_holder(a, t):
    """Alias (or plain view of one) `a` was re-pointed at t's new memory: a detach() alias shares its counter from now
    on, and the move was a write to the memory it shared (torch bumps the shared counter), so it is stamped."""
    if "_shares" in a.__dict__:
        a._shares, a._counted_by = _weakref(_holder(t)), _weakref(_counter_owner(t))
        a._written = _gstate["writes"]


def _pre_inplace(self, original=True):
    """A stand-in holding self's current value and graph node, so the op sees the old value. A plain tensor that
    may take a graph value here (buf.mul_(h)) gets it written into its own memory (_inplace), so the stand-in
    holds a copy: the op may save it for its backward.
    original: the stand-in is the in-place op's own input (x in x.mul_(y)), whose old value torch keeps for the op:
    it reaches x's node through a node of its own (_Original), which the write (stamped by _inplace after the op)
    does not mark. Any other input that shares x's memory (x.mul_(x), x.mul_(x.detach())) is marked, as in torch."""
    data = self._data
    if _gstate["enabled"] and (self._ctx is None and not self._requires_grad or
                               self._ctx is not None and _memory_kept(self)):  # the op writes into this memory
        data = data.copy()
    old = Tensor._wrap(data, self._requires_grad)
    old._ctx = self._ctx
    if original and self._ctx is not None and _gstate["enabled"]:
        old._ctx = self.__dict__["_pending_original"] = _Original.of(self._ctx)  # for _inplace: stamp after the op
    return old


class _Original(Function):
    """z = x, where x is the value an in-place op overwrites, read by that op (see _pre_inplace);  dx = dz"""
    saves_inputs = False
    keeps_graph = True  # it reads nothing: a second backward may pass it, as torch (whose graph has no such node)
    hidden_in_graph = True  # torch's in-place node takes the overwritten value's node as its input

    @staticmethod
    def of(node):
        ctx = _Original.__new__(_Original)
        ctx.parents, ctx.needs_input_grad = [node], [True]
        return ctx

    def backward(self, g):
        return g

    backward_graph = backward


def zero_(self):
    return self.fill_(0)

def _fill_value(value, dtype, op):
    """A Python number as torch converts it for a fill: truncated into integers, and refused where it overflows
    (an unsigned dtype takes negative integers down to -max, wrapping them, as torch's overflow check allows; a
    float must lie in the range before truncation: 127.9 overflows int8). A complex number fills a real dtype only
    with no imaginary part (1+0j is 1), and a complex dtype only where each part fits the float dtype under it."""
    if dtype.kind == "b":
        return builtins.bool(value)
    bad = RuntimeError(f"{op}: value {value} cannot be converted to type {dtype} without overflow")
    if dtype.kind == "c":
        part = np.dtype(dtype.char.lower())  # complex64's parts are float32
        for x in (value.real, value.imag):
            _fill_value(builtins.float(x), part, op)
        return value
    if isinstance(value, (builtins.complex, np.complexfloating)):
        if value.imag != 0:
            raise bad
        value = builtins.float(value.real)
    if dtype.kind == "f" or dt.is_floating(dtype):  # bfloat16's numpy kind is "V"
        with np.errstate(over="ignore"):
            if math.isfinite(value) and np.isinf(dtype.type(value)):
                raise bad
        return value
    info = np.iinfo(dtype)
    if isinstance(value, builtins.float):
        if not info.min <= value <= info.max:  # NaN and infinities fail too
            raise bad
        value = builtins.int(value)  # toward zero, as torch
    if not (-info.max if dtype.kind == "u" else info.min) <= value <= info.max:
        raise bad
    return value + info.max + 1 if value < 0 and dtype.kind == "u" else value


def _scalar_of(value, like):
    """A fill value that `like` (the array written into) takes: a number, a 0-d host array's numpy scalar, or a
    device 0-d array for a device `like` (cupy refuses a host 0-d array, and a host array a device one: then its
    value is read, as torch's .item())."""
    a = value._data if isinstance(value, Tensor) else value
    if type(a) is np.ndarray:
        return a[()]
    return a.item() if type(like) is np.ndarray and hasattr(a, "get") else a


def _filled_like(x, v):
    """An array like x (dtype, device) holding v everywhere."""
    out = xp_of(x).empty_like(x)
    out[...] = v
    return out


def fill_(self, value):
    if isinstance(value, Tensor) and value.ndim:  # torch: one value, not a tensor of them
        raise RuntimeError(f"fill_: only supports 0-dimension value tensor but got tensor with {value.ndim} "
                           f"dimensions")
    if self._requires_grad and self._ctx is None and _gstate["enabled"]:
        raise _leaf_error(self, "fill_")
    if isinstance(value, Tensor) and value.requires_grad and _gstate["enabled"] and self._data.dtype.kind in "fc":
        # a 0-d value in a graph: it takes the sum of the gradient, the old value a zero one (torch's FillBackward)
        new = value._cast(self.dtype).expand(self.shape)
        if self._ctx is None:
            return self._inplace(new.clone(), "fill_")
        keep = Tensor._wrap(on_device_of(self._data, np.ones(self.shape, np.bool_)))
        return self._inplace(E.Where.apply(keep, new, self._pre_inplace()), "fill_")
    if isinstance(value, Tensor) and value._data.dtype != self._data.dtype:
        value = value.detach()._cast(self.dtype)  # as copy_ casts it: into a narrower integer dtype it wraps, as torch
    if self._ctx is not None and _gstate["enabled"]:  # a graph tensor: the old value gets zero gradient
        v = _scalar_of(value, self._data)
        return self._inplace(E.Piecewise.apply(self._pre_inplace(), fn=lambda x: _filled_like(x, v)), "fill_")
    if isinstance(value, (builtins.complex, np.complexfloating)) and self._data.dtype.kind != "c":
        if value.imag != 0:  # torch takes 1+0j as 1, and refuses a value whose imaginary part would be lost
            raise RuntimeError(f"fill_: value {value} cannot be converted to type {self.dtype} without overflow")
        value = value.real
    if isinstance(value, (builtins.int, builtins.float, builtins.complex)) and not isinstance(value, builtins.bool):
        value = _fill_value(value, self._data.dtype, "fill_")  # torch truncates, and refuses overflow
    a = self._data
    if type(a) is np.ndarray and not a.flags.writeable:
        a = _writable_view(a, "fill_")  # x.expand(2, 3).fill_(1): each memory location takes the one value
    a[...] = _scalar_of(value, a)
    _bump(self)
    return self


class _Interface:
    """An __array_interface__ holder for _writable_view; keeps the memory's owner alive."""
    def __init__(self, interface, owner):
        self.__array_interface__, self.owner = interface, owner


def _writable_view(a, op):
    """A writable array on read-only view a's memory (numpy makes broadcast and overlapping strided views
    read-only), where the array that owns the memory is writable; else the shared-memory error."""
    root, b = a, a.base
    while b is not None:  # up through views and as_strided's interface holders to the last array
        if isinstance(b, np.ndarray):
            root = b
        elif not hasattr(b, "__array_interface__"):
            break
        b = getattr(b, "base", None)
    if not root.flags.writeable:
        raise ValueError(f"{op}: the tensor's memory (shape {root.shape}) is a read-only array; clone() it first")
    interface = dict(a.__array_interface__)
    interface["data"] = (interface["data"][0], False)
    return np.asarray(_Interface(interface, root))

def copy_(self, src):
    if self._requires_grad and self._ctx is None and _gstate["enabled"]:
        raise _leaf_error(self, "copy_")
    s = src._data if isinstance(src, Tensor) else np.asarray(src)
    try:
        ok = np.broadcast_shapes(self.shape, s.shape) == self.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"copy_: source shape {s.shape} can't be broadcast to {self.shape}")
    if isinstance(src, Tensor) and src is not self and _overlaps(self, src) and not _same_data(self._data, s):
        # y.copy_(y.t()): torch refuses; a copy from the same elements in the same layout is a no-op to it
        raise RuntimeError("copy_: unsupported operation: some elements of the input tensor and the written-to "
                           "tensor refer to a single memory location; clone() the source first")
    if _gstate["enabled"] and (self._ctx is not None or _needs_grad(src)):
        # differentiable copy: src's gradient flows back, the old value gets none
        if self._ctx is not None:  # where(True, src, old): the old value gets a zero gradient, as in torch
            keep = Tensor._wrap(on_device_of(self._data, np.ones(self.shape, np.bool_)))
            v = src._cast(self.dtype) if isinstance(src, Tensor) else \
                Tensor._wrap(on_device_of(self._data, np.asarray(s, self._data.dtype)))
            return self._inplace(E.Where.apply(keep, v, self._pre_inplace()), "copy_")
        new = src._cast(self.dtype).expand(self.shape).clone() if _needs_grad(src) else Tensor._wrap(
            np.broadcast_to(s, self.shape).astype(self.dtype))
        return self._inplace(new, "copy_")
    if type(s) is not type(self._data):
        s = _move(s, self.device)
    try:
        self._data[...] = s
    except ValueError:  # a read-only (expanded) array: one element would take several writes
        raise _shared_memory_error("copy_", self) from None
    _bump(self)
    return self

def assign(self, x):
    """tinygrad's assign: replace the contents, keeping the object."""
    return self.copy_(x)

def masked_fill_(self, mask, value):
    return self._inplace(self._pre_inplace().masked_fill(mask, value), "masked_fill_")

_LOCAL = ("_views", "_aliases", "_recipe", "_shares", "_nograd_view", "_keeps_memory", "_pending_original",
          "_counted_by", "_nwrites", "_custom_views", "_nograd_views", "_nograd_of")  # a copy's memory has seen no in-place write


def __getstate__(self):
    """pickle and copy.copy keep the value, flags and attributes, not the gradient (as torch's; copy.deepcopy keeps
    it: tensor_storage.deepcopy); the memory-sharing bookkeeping above (weak references into this process's tensors
    and graph) stays behind, as a copy or an unpickled tensor shares no memory."""
    d, slots = object.__getstate__(self)
    return ({k: v for k, v in d.items() if k not in _LOCAL} if d else d), {**slots, "_grad": None}


Tensor._written = 0  # the stamp of the last write to a leaf's memory without a graph: see Function._written
Tensor._mark_written = _bump  # for code that writes a tensor's array itself (optimizers, nn.init, load_state_dict)

for _name in ["_inplace", "_pre_inplace", "zero_", "fill_", "copy_", "assign", "masked_fill_", "__getstate__"]:
    setattr(Tensor, _name, globals()[_name])

from . import tensor_inplace_math  # noqa: E402,F401  (adds x += y, add_, mul_, clamp_, lerp_, exp_, ...)

from . import tensor_inplace_view  # noqa: E402,F401  (adds t_, transpose_, squeeze_, unsqueeze_)
from . import tensor_fill  # noqa: E402,F401  (adds fill_diagonal_, uniform_, normal_, exponential_, bernoulli_)
