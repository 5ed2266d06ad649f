"""torch-style custom autograd Functions, written as in torch:

    class Sq(Function):
        @staticmethod
        def forward(ctx, x, k=2.0):   # Tensors in (other arguments passed through), Tensor(s) out, no graph recorded
            ctx.save_for_backward(x); ctx.k = k
            return x ** k
        @staticmethod
        def backward(ctx, g):         # one gradient per output in, one per forward argument (or None) out
            x, = ctx.saved_tensors
            return g * ctx.k * x ** (ctx.k - 1), None

Function.__init_subclass__ hands such a class to setup_custom_function, which gives it custom_apply and a graph
node class (a FunctionCtx, the `ctx` both staticmethods receive). The node sits in the graph like any op: its
backward, on raw arrays, wraps them as Tensors and calls the user's backward. A forward that returns a tuple
gives each output its own small node (_OutputSlot), so retain_grad, hooks and autograd.grad can tell the outputs
apart; their gradients reach the Function's node as one _OutputGrads."""
import inspect
from . import grad_mode
from .function import Function, _FREED, _stamp_of, _saved_hooks
from .. import dtype as dt
from .._arrays import xp_of, unbroadcast

_state = grad_mode._state


class FunctionCtx(Function):
    """ctx for one call of a custom Function, and its node in the graph."""
    _fn = None  # the user's Function subclass (set per class by setup_custom_function)
    parents = ()  # set when the call is recorded; None once backward has freed it
    materialize_grads = True
    keeps_graph = frees_itself = True  # without retain_graph the engine calls free(), which keeps ctx's attributes

    def save_for_backward(self, *tensors):
        from ..tensor import Tensor
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save tensors (or None), but argument {i} is of type "
                                f"{type(t).__name__}")
        if _saved_hooks:  # autograd.graph.saved_tensors_hooks: keep only what pack returns (graph.py)
            pack, unpack = _saved_hooks[-1]
            with grad_mode.no_grad():
                self._saved_packed = (unpack, [None if t is None else pack(t) for t in tensors])
            return
        # the array is kept beside the tensor: an in-place op on a graph tensor rebinds it to a new array
        # and its node (custom_apply takes both again once forward is done): a later Function that writes it in
        # place (mark_dirty) gives it a new node, but stamps this one
        self._saved = [(t, None if t is None else t._data, None if t is None else t._ctx or t) for t in tensors]
        self._saved_at = _state["writes"]  # a later write without a graph stamps past it (Function._written)

    def save_for_forward(self, *tensors):
        """torch's tensors for a jvp staticmethod. teenygrad's forward AD differentiates the user's backward twice
        instead (forward_ad.py), so jvp is never called: the arguments are only checked, as torch checks them."""
        from ..tensor import Tensor
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_forward expects all arguments to be tensors or None, but argument {i} is "
                                f"of type {type(t).__name__}")

    @property
    def saved_tensors(self):
        if self.parents is None or "_freed" in self.__dict__:
            raise RuntimeError(f"{self.name()}: {_FREED}")
        packed = self.__dict__.get("_saved_packed")
        if packed is not None:
            return tuple(None if p is None else packed[0](p) for p in packed[1])  # graph.py checks it
        out = []
        for t, a, holder in self.__dict__.get("_saved", ()):
            if t is not None and (t._data is not a or max(_stamp_of(t._ctx or t), _stamp_of(holder)) > self._saved_at):
                raise RuntimeError(f"{self.name()}: one of the variables needed for gradient computation "
                                   f"has been modified by an inplace operation (a saved tensor of shape "
                                   f"{tuple(t.shape)})")
            out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *tensors):
        self._non_diff = [id(t) for t in tensors]

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        """forward changed these inputs in place and returns them: they become its outputs (custom_apply)."""
        self._dirty = [id(t) for t in tensors]

    def name(self):
        """torch's name: FBackward for a user's Function F (the node class itself is named so too)."""
        from .torch_names import _class_name
        return _class_name(self._fn)

    def free(self):
        """After a backward without retain_graph: drop what was saved, but keep what forward set on ctx and the
        links to the inputs, as torch's node: a second backward runs the user's backward again, which raises only
        if it reads saved_tensors."""
        for k in ("_saved", "_saved_packed"):
            self.__dict__.pop(k, None)
        self._freed = True

    def _incoming(self, g, zeros):
        """The gradient of each output (a list), zeros(meta) standing in for those no gradient reached."""
        if not self._multi:
            return [g]
        gs = list(g.grads)
        if self.materialize_grads:  # torch's default: zeros for the outputs no gradient reached
            for i, meta in enumerate(self._out_meta):
                if gs[i] is None and meta is not None:
                    gs[i] = zeros(meta)
        return gs

    def _checked(self, res, name):
        """The user's backward results as a tuple, checked as torch checks them."""
        from ..tensor import Tensor
        if not isinstance(res, tuple):
            res = (res,)
        n = len(self.needs_input_grad)
        if len(res) != n:
            if len(res) < n or any(r is not None for r in res[n:]):  # torch lets trailing Nones through
                raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                                   f"(expected {n}, got {len(res)})")
        for i, (r, a) in enumerate(zip(res, self._args)):
            if r is not None and not isinstance(r, Tensor):
                raise RuntimeError(f"function {name} returned {type(r).__name__} as gradient {i}; expected a "
                                   f"Tensor or None")
            if r is not None and a is None:
                raise RuntimeError(f"function {name} returned a gradient different than None at position {i + 1}, "
                                   f"but the corresponding forward input was not a Tensor")
        for i in self._grad_pos:
            r, (shape, dtype) = res[i], self._args[i]
            if r is None:
                continue
            if tuple(r.shape) != tuple(shape) and not _expandable(shape, tuple(r.shape)):
                raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - got "
                                   f"{tuple(r.shape)} but expected shape compatible with {tuple(shape)}")
            if r._data.dtype.kind == "c" and dtype.kind != "c":  # casting would drop the imaginary part
                raise RuntimeError(f"Function {name} returned a complex gradient ({r._data.dtype}) at index {i} for a "
                                   f"real input ({dtype}); return its real part if that is meant")
        return res

    def backward(self, g):
        """Raw incoming gradient(s) -> the user's backward on Tensors -> one raw gradient per parent."""
        name = self.name()
        from ..tensor import Tensor
        gs = self._incoming(g, lambda meta: meta[2].zeros(meta[0], meta[1]))
        with grad_mode.no_grad():  # the user's backward is arithmetic on gradients, not part of any graph
            res = self._fn.backward(self, *[None if a is None else Tensor._wrap(a) for a in gs])
        res = self._checked(res, name)
        out = []
        for i in self._grad_pos:  # the inputs that require grad: this node's parents, in order
            r = res[i]
            if r is None:
                out.append(None)
                continue
            shape, dtype = self._args[i]
            a = r._data
            if a.shape != shape:
                a = unbroadcast(a, shape)
            out.append(a.astype(dtype))  # a copy: the user's tensor must not become (part of) a .grad
        return tuple(out)

    def backward_graph(self, g):
        """create_graph=True: the user's backward runs with grad mode on, so what it computes (from the gradients
        and from saved_tensors, which are the graph's own tensors) is recorded and can be differentiated again.
        A backward marked @once_differentiable runs as in a first-order pass; its results are in the graph, but
        differentiating through them raises, as in torch."""
        from ..tensor import Tensor
        from .graph_backward import sum_to
        if getattr(self._fn.backward, "_once_differentiable", False):
            return _once_differentiable_grads(self, g)
        name = self.name()
        gs = self._incoming(g, lambda meta: Tensor._wrap(meta[2].zeros(meta[0], meta[1])))
        refused = _state["numpy_refused"]
        if _state["func_level"]:  # a torch.func transform differentiates it (hessian, grad(grad(f))): a value read
            # through numpy would be a constant, its derivative a silent zero; torch's transforms refuse numpy() here
            _state["numpy_refused"] = name
        try:
            res = self._checked(self._fn.backward(self, *gs), name)
        finally:
            _state["numpy_refused"] = refused
        out = []
        for i in self._grad_pos:
            r = res[i]
            if r is not None:
                shape, dtype = self._args[i]
                if not r.requires_grad and all(t is not None and t.requires_grad for t in gs):
                    # backward is linear in the gradients (each requiring grad), so it lost them: computed outside
                    # the graph (numpy, detach, no_grad). Differentiating it again (forward AD's tangents) must not
                    # read a zero
                    r, = _refusing(self, g, [unbroadcast(r._data, shape).astype(dtype)],
                                   f"{name}: its backward returned gradient {i} computed outside the graph (numpy, "
                                   f".detach() or no_grad), so it cannot be differentiated again (forward AD and "
                                   f"func.jvp differentiate it in the incoming gradient: teenygrad does not call a jvp "
                                   f"staticmethod); write it with tensor ops")
                else:
                    r = sum_to(r, shape)
                    r = r.to(dtype) if r._data.dtype != dtype else r.clone()  # a new tensor: never the user's own
            out.append(r)
        return tuple(out)


class _OnceDifferentiable(Function):
    """Stands for results of a custom backward under create_graph that cannot be differentiated again (its backward
    marked @once_differentiable, or computed outside the graph): in the graph (they depend on the Function's inputs
    and on the incoming gradients), but differentiating through them raises, as torch's Error node."""
    saves_inputs = False
    why = ""  # the message, set per node

    def name(self):
        return "torch::autograd::Error"

    def backward(self, g):
        raise RuntimeError(self.why)

    backward_graph = backward


class _StaleView(_OnceDifferentiable):
    """Stands for an output of a custom Function that views an input's memory, once that memory is written
    (_stale_custom_views): differentiating through it raises, as torch refuses to use it."""


def _refusing(node, g, raw, why):
    """Tensors for the raw gradients `raw`, each the output of a node that refuses to be differentiated with `why`.
    They depend on node's inputs and, linearly, on its incoming gradients g (which a double backward differentiates
    in, as forward_ad's tangents do): either path must reach the refusal, not read as unused."""
    from ..tensor import Tensor
    grads = g.grads if node._multi else [g]
    parents = list(node.parents) + [t._ctx or t for t in grads if t is not None and t.requires_grad]
    out = []
    for a in raw:
        t = None
        if a is not None:
            stand = _OnceDifferentiable()
            stand.parents, stand.needs_input_grad, stand.why = parents, [True] * len(parents), why
            t = Tensor._wrap(a, True)
            t._ctx = stand
        out.append(t)
    return tuple(out)


def _once_differentiable_grads(node, g):
    """node.backward_graph for a @once_differentiable backward: the first-order gradients, refusing to be
    differentiated."""
    raw = node.backward(_OutputGrads([None if t is None else t._data for t in g.grads]) if node._multi else g._data)
    return _refusing(node, g, raw, f"trying to differentiate twice a function that was marked with "
                                   f"@once_differentiable ({node.name()})")


class _OutputGrads:
    """The gradients of a multi-output custom Function's outputs, one slot each (None: none arrived). run_backward
    sums what the outputs send with +, as it does arrays."""
    __slots__ = ("grads",)

    def __init__(self, grads):
        self.grads = grads

    def __add__(self, other):  # usually each output's node sends once, in its own slot; a backward_graph that
        # reaches an output through a second slot node (linalg's MultiOutput._output_i) adds to the same slot
        return _OutputGrads([_add_slot(a, b) for a, b in zip(self.grads, other.grads)])

    def __iadd__(self, other):  # in place, as run_backward's owned sums expect (the slots' gradients are not)
        self.grads = [_add_slot(a, b) for a, b in zip(self.grads, other.grads)]
        return self


def _add_slot(a, b):
    return b if a is None else a if b is None else a + b


class _OutputSlot(Function):
    """Output i of a multi-output custom Function: passes its gradient on in slot i. As grad_fn it stands for the
    Function's node (torch gives every output that one node): attributes it lacks are read from there."""
    keeps_graph = True  # reads no arrays; the Function's node frees itself
    is_output_slot = True  # grad_fn and next_functions show the Function's node (and i) instead

    def __getattr__(self, k):
        parents = self.__dict__.get("parents")
        if k.startswith("__") or not parents:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {k!r}")
        return getattr(parents[0], k)

    def name(self):
        return self.parents[0].name() if self.parents else super().name()

    def register_prehook(self, fn):  # Node hooks go on the Function's node, which sees every output's gradient
        return self.parents[0].register_prehook(fn)

    def register_hook(self, fn):
        return self.parents[0].register_hook(fn)

    def backward(self, g):
        grads = [None] * self.n
        grads[self.i] = g
        return _OutputGrads(grads)

    backward_graph = backward  # the slot holds a Tensor instead of an array


def setup_custom_function(cls):
    name = cls.__name__
    cls._node_cls = type(name + "Backward", (FunctionCtx,), {"_fn": cls, "__module__": cls.__module__})
    cls._slot_cls = type(name, (_OutputSlot,), {"__module__": cls.__module__})
    cls._setup = getattr(cls, "setup_context", None)  # torch 2's style: forward(*args) without ctx
    vjp = getattr(cls, "vjp", None)  # torch's other name for backward
    if vjp is not None and cls.backward is not vjp:
        if cls.backward is not Function.backward:
            raise RuntimeError(f"{name}: implementing both 'backward' and 'vjp' for a custom Function is not "
                               f"allowed; implement only one of them")
        cls.backward = staticmethod(vjp)
    elif cls.backward is Function.backward:
        cls.backward = staticmethod(_missing_backward)
    try:
        params = list(inspect.signature(cls.forward).parameters.values())
    except (TypeError, ValueError):
        params = None
    if params is not None and cls._setup is None:
        params = params[1:]  # ctx
    cls._signature = None if params is None else inspect.Signature(params)
    cls.apply = classmethod(custom_apply)
    cls.__call__ = _legacy_call


def _missing_backward(ctx, *grads):
    raise NotImplementedError(f"{ctx._fn.__name__}: you must implement either the backward or the vjp staticmethod "
                              f"for a custom autograd.Function to use it with backward mode AD")


def _legacy_call(self, *args, **kwargs):
    raise RuntimeError(f"{type(self).__name__}: Legacy autograd function with non-static forward method is deprecated. "
                       f"Please use new-style autograd function with static forward method, and call it as "
                       f"{type(self).__name__}.apply(...)")


def custom_apply(cls, *args, **kwargs):
    """Run forward without recording a graph, then record one node for the call if any Tensor argument requires
    grad (and grad mode is on). Keyword arguments are bound to positions, as torch does, and so are the defaults
    of forward + setup_context: backward returns one gradient per argument."""
    from ..tensor import Tensor
    if cls._signature is not None:
        bound = cls._signature.bind(*args, **kwargs)
        if cls._setup is not None or len(bound.args) < len(args) + len(kwargs):
            bound.apply_defaults()  # an old-style forward's defaults not passed are no inputs (in torch neither)
        args = bound.args
    elif kwargs:
        raise TypeError(f"{cls.__name__}.apply: keyword arguments need an inspectable forward signature")
    ctx = cls._node_cls.__new__(cls._node_cls)
    needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx.needs_input_grad = needs
    recording = _state["enabled"]
    with grad_mode.no_grad():
        if cls._setup is None:
            out = cls.forward(ctx, *args)
        else:
            out = cls.forward(*args)
            cls._setup(ctx, args, out)
            _check_saved_not_returned(cls, ctx, args, out, recording)
    if not (recording and any(needs)):
        return out
    ctx._args = [(a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None for a in args]
    ctx._grad_pos = [i for i, n in enumerate(needs) if n]
    ctx.parents = [args[i]._ctx or args[i] for i in ctx._grad_pos]
    multi = isinstance(out, tuple)
    ctx._multi = multi
    outs = list(out) if multi else [out]
    non_diff = ctx.__dict__.pop("_non_diff", ())
    dirty = ctx.__dict__.pop("_dirty", ())
    if any(all(d != id(o) for o in outs) for d in dirty):
        raise RuntimeError(f"{cls.__name__}: some tensors marked as dirty during the forward method were not returned "
                           f"as outputs; the inputs that are modified in place must all be outputs of the Function")
    meta, views, rebase = [], [], []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            meta.append(None)  # a plain value, passed through: its gradient is always None
            continue
        meta.append((o._data.shape, o._data.dtype, xp_of(o._data)))
        differentiable = id(o) not in non_diff and (dt.is_floating(o._data.dtype) or o._data.dtype.kind == "c")
        if id(o) in dirty:  # changed in place by forward (mark_dirty): the input itself, now this node's output
            if o._ctx is None and o.requires_grad:
                raise RuntimeError(f"{cls.__name__}: a leaf Variable that requires grad has been used in an in-place "
                                   f"operation.")
            if o.__dict__.get("_views") or getattr(o._ctx, "base", None) is not None:
                rebase.append((o, o._ctx))  # a graph view, or a tensor with graph views: see _rebase_dirty
        elif any(o is a for a in args):  # an input returned as it is: the output is a view of it, as in torch
            with grad_mode.no_grad():  # (one taken inside forward, so an in-place op on it is refused)
                o = outs[i] = o.view_as(o)
        if not differentiable:
            continue
        if "_nograd_view" in o.__dict__:  # a view of an input's memory, taken inside forward (or the input itself)
            views.append(o)
        if multi:
            slot = cls._slot_cls.__new__(cls._slot_cls)
            slot.i, slot.n, slot.parents = i, len(outs), [ctx]
            o._ctx = slot
        else:
            o._ctx = ctx
        o._requires_grad = True
    ctx._out_meta = meta
    for o in views:
        _alias_input(o, args)
    for o, old in rebase:
        _rebase_dirty(cls.__name__, o, old, multi)
    saved = ctx.__dict__.get("_saved")
    if saved:  # as torch, what was saved is taken as forward left it: its own writes (mark_dirty) are no change
        ctx._saved = [(t, None, None) if t is None else (t, t._data, t._ctx or t) for t, _, _ in saved]
        ctx._saved_at = _state["writes"]
    return tuple(outs) if multi else outs[0]


def _rebase_dirty(name, o, old, multi):
    """o, written in place by forward (mark_dirty) and now the Function's output, is a graph view or has graph views:
    as for any in-place op on them (tensor_inplace._inplace), the base becomes `base with o's part replaced by the
    Function's output` and the views are taken again from the new value, so gradients through either reach the
    Function's backward."""
    from ..tensor import Tensor
    from ..tensor_inplace import _refresh_views, _refuse_view_of_leaf, _view_base, _write_through
    new, o._ctx = o._ctx, old
    base = None if old is None else _view_base(o)
    if base is None:  # not a view (a copying reshape neither): its views are taken again from its new node
        o._ctx = new
        _refresh_views(o)
        return
    _refuse_view_of_leaf(base, name)
    if multi:
        raise RuntimeError(f"{name}: if your Function modifies inplace an input that is a view of another Tensor, "
                           f"your Function cannot return more than one Tensor. This is not supported.")
    result = Tensor._wrap(o._data, True)
    result._ctx = new
    _write_through(o, result, name)


def _check_saved_not_returned(cls, ctx, args, out, recording):
    """torch refuses a setup_context that saves an input which forward returned as it is (the output becomes a view
    of the input made after setup_context ran, so what it saved is neither); under no_grad it takes one that
    requires grad."""
    saved = [t for t, _, _ in ctx.__dict__.get("_saved", ())]
    for o in out if isinstance(out, tuple) else (out,):
        if (recording or not o.requires_grad) and any(o is a for a in args) and any(o is t for t in saved):
            raise RuntimeError(f"{cls.__name__}: an input that has been returned as-is as output is being saved for "
                               f"backward. This is not supported if you override setup_context. You should return "
                               f"and save a view of the input instead, e.g. with x.view_as(x) or setup ctx inside "
                               f"the forward function itself.")


def _alias_input(view, args):
    """view (an output of forward, with its node) shares the memory of one of the Tensors in args. As torch's output
    it aliases that memory: the graph tensor that owns it keeps it through in-place ops (tensor_inplace._take writes
    into it instead of rebinding it to a new array), and its node shares the memory's write stamps (an op that saved
    it refuses its backward after a write, function._stamp_of). And as torch's, its graph goes stale at the next
    write to that memory (the custom backward cannot be rebased onto the write): the tensor that counts the memory's
    writes (Tensor._version) keeps it on a list, and tensor_inplace._count_write calls _stale_custom_views."""
    from ..tensor import Tensor
    from ..tensor_inplace import _view_base, _counter_owner
    from ..tensor_views import _is_view_of, _weak_append
    view.__dict__.pop("_nograd_of", None)  # it goes stale as an output (below), not as a view taken under no_grad
    for a in args:
        if isinstance(a, Tensor) and (view._data is a._data or _is_view_of(view._data, a._data)):
            while a._ctx is not None and _view_base(a) is not None:
                a = _view_base(a)
            if a._ctx is not None:
                a._keeps_memory = True
            _weak_append(_counter_owner(view).__dict__.setdefault("_custom_views", []), view)
            view._ctx._shares, view._ctx._shared_since = view.__dict__["_shares"], _state["writes"]
            return


def _stale_custom_views(refs):
    """The memory that these outputs of custom Functions view was written: from now on each stands for a node that
    refuses its backward, as torch refuses to use them (uses recorded before the write keep the Function's node)."""
    for r in refs:
        o = r()
        ctx = None if o is None else o._ctx
        if ctx is None or type(ctx) is _StaleView:  # gone, detached (detach_()), or stale already
            continue
        node, i = (ctx.parents[0], ctx.i) if ctx.is_output_slot else (ctx, 0)
        stale = _StaleView()
        stale.parents, stale.needs_input_grad, stale._fn = [ctx], [True], node._fn
        stale.why = (f"Output {i} of {node._fn.__name__} is a view and its base or another view of its base has been "
                     f"modified inplace. This view was created inside a custom Function (or because an input was "
                     f"returned as-is) and the autograd logic to handle view+inplace would override the custom "
                     f"backward associated with the custom Function, leading to incorrect gradients. This behavior "
                     f"is forbidden; clone() the output of the custom Function")
        o._ctx = stale
    refs.clear()


def _expandable(shape, to):
    """Whether a tensor of shape `shape` broadcasts to `to` (so a gradient of shape `to` sums back down to it)."""
    if len(shape) > len(to):
        return False
    return all(s == 1 or s == t for s, t in zip(reversed(shape), reversed(to)))
