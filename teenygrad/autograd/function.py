"""Function: one differentiable op. The graph is made of Function instances (ctx) hanging off their
output tensors; backward walks it in reverse topological order without recursion."""
import math as _math
import numpy as _np
from . import grad_mode
from .hooks import (run_hooks, run_post_accumulate_hooks, hook_state, run_node_prehooks, run_node_posthooks, reach,
                    leaf_ranks)
from .._arrays import c_copy, dense_order, xp_of, zeros_on

_state = grad_mode._state
# autograd.graph.saved_tensors_hooks' (pack, unpack) pairs, innermost last (autograd/graph.py): while one is set,
# each recorded op hands the arrays it keeps for backward to pack, and gets them back through unpack there
_saved_hooks = []
# the backward pass running now, for autograd.graph.register_multi_grad_hook: [its number, what it reaches (the
# graph nodes, the leaves' ids), worked out before it frees the graph and only while such a hook exists]
current_pass = [0, None]


class Function:
    """Subclasses define forward(*arrays, **kw) -> array and backward(grad) -> grad or tuple of grads
    (one per tensor input, None where no gradient flows). Both work on raw backend arrays.

    A subclass whose forward is a staticmethod is a torch-style custom Function instead (forward(ctx, ...) and
    backward(ctx, ...) on Tensors, see custom.py): it gets its own apply, so this one stays the ops' hot path."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "view_kwargs" in cls.__dict__:  # a view op (see tensor._as_view): it shares its input's stamps
            cls._written = property(_view_written, _set_view_written)
            cls.saves_inputs = False
        cls._stamped = cls.saves_inputs or cls.saves_output
        for k in cls.__mro__:
            if "forward" in k.__dict__:
                if isinstance(k.__dict__["forward"], staticmethod):
                    from .custom import setup_custom_function
                    setup_custom_function(cls)
                return

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: forward is not implemented (a custom autograd.Function "
                                  f"defines forward as a staticmethod)")

    # ---- torch's view of a graph node (grad_fn): read only on request, nothing here runs per op ----
    def name(self):
        """torch's name for this node: MulBackward0 for teenygrad's Mul, SqBackward for a user's Function Sq."""
        named = self.__dict__.get("torch_name")  # set by a caller when the node alone can't tell (number - x: Rsub)
        if named is not None:
            return named
        from .torch_names import node_name
        return node_name(self)

    def __repr__(self):
        return f"<{self.name().rpartition('::')[2]} object at {id(self):#x}>"

    @property
    def next_functions(self):
        """(node, output number) per input, as torch gives: the input's grad_fn, an AccumulateGrad for a leaf that
        requires grad, None for one that doesn't. Empty once backward has freed the graph."""
        from .torch_names import next_functions
        return next_functions(self)

    @property
    def metadata(self):
        """a dict for the user's notes on this node (torch's Node.metadata), made when first asked for"""
        return self.__dict__.setdefault("_metadata", {})

    def register_prehook(self, fn):
        """fn(grad_outputs) -> None or the grad_outputs to use instead, run before this node's backward (after its
        output tensor's hooks and retain_grad), as torch's Node.register_prehook."""
        from .hooks import register_node_hook
        return register_node_hook(self, "_pre_hooks", fn)

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> None or the grad_inputs to use instead, run after this node's backward,
        as torch's Node.register_hook (grad_inputs: one per input, None where none flows)."""
        from .hooks import register_node_hook
        return register_node_hook(self, "_post_hooks", fn)

    def backward(self, grad):
        raise NotImplementedError

    def backward_graph(self, g):
        """backward for create_graph=True (graph_backward.py): the same formulas on a Tensor gradient, written with
        Tensor operations so that they are recorded; saved values enter through _input and _output."""
        raise NotImplementedError(f"{type(self).__name__.lower()}: double backward (create_graph=True) is not "
                                  f"supported for this op; its first-order backward is (create_graph=False)")

    def _input(self, i, a):
        """Input i as a Tensor in the graph, given its value a as forward saw it: the leaf itself, or a for the
        output of the node that made it (so what is computed from it here is differentiable through that node)."""
        p = self.parents[i]
        if not isinstance(p, Function):
            return p
        t = Tensor._wrap(a, True)
        t._ctx = p
        return t

    def _output(self, a):
        """This node's output (value a) as a Tensor in the graph."""
        t = Tensor._wrap(a, True)
        t._ctx = self
        return t

    invalid = False  # stands for a view that can no longer be used in a graph (tensor_inplace._Invalid)
    hidden_in_graph = False  # a node torch has no counterpart for (in-place ops' _Original): next_functions looks through
    is_output_slot = False  # output i of a multi-output custom Function (custom._OutputSlot): torch shows its node
    retained_by = None  # the output tensor, when retain_grad or register_hook asks backward to stop at its gradient
    # (hooks.NO_OUTPUT for a node with Node hooks only)
    needs_input_grad = None  # per input, set by apply when the op is recorded in a graph
    # torch's version counter, as write stamps: every write to a tensor's memory made without a graph, and every
    # in-place op with one, which rebinds the tensor to a new node (tensor_inplace._bump, called by _inplace once
    # the op has read its inputs) advances the global count _state["writes"] and stamps it on the tensor's (old)
    # graph node, or on the tensor itself for a leaf (`_written`); detach() aliases and views taken under no_grad
    # share the stamps of the memory they alias (_stamp_of). A recorded op that saves values for its backward notes
    # the count in `seen`; backward refuses to run it if what it saved was stamped after that: an input
    # (saves_inputs, the default) or its own output (saves_output: exp, tanh, softmax, ... keep y, not x).
    # Ops whose backward reads no values at all (add, sum, views, ...) set saves_inputs = False.
    _written = 0
    seen = None
    saves_inputs = True
    saves_output = False
    # products (mul, matmul, linear) read an input's value only for other inputs' gradients: per input, the inputs
    # whose gradients read it. None: a saved input is read whenever the backward runs.
    reads_for = None
    output_read_for = None  # the same for its own output (saves_output): the inputs whose gradients read it
    _stamped = True  # saves_inputs or saves_output, worked out once per class
    # ops whose backward reads no arrays (shapes, axes and scalars only): a backward without retain_graph leaves
    # them in the graph, so a second backward may run through them again, as torch's nodes without saved tensors
    # (y = -x; (2 * y).sum().backward(); (3 * y).sum().backward()). Reaching a freed node still raises. The views
    # among them (Reshape, Permute, Expand) still hold their input array as `src` for in-place write-through, which
    # keeps it alive as long as the view's output tensor lives (torch's view keeps its base alive the same way).
    keeps_graph = False
    frees_itself = False  # a keeps_graph node that, without retain_graph, drops its saved values itself (free)
    _packed = None  # (unpack, {attribute: packed}) while saved_tensors_hooks hold this node's arrays
    # the arrays code outside the backward reads right after the op (a view's source, BatchNorm's batch statistics):
    # saved_tensors_hooks leave them on the node
    kept_after_op = ()

    @classmethod
    def apply(cls, *inputs, **kwargs):
        ctx = cls.__new__(cls)
        # The common arities are spelled out: no argument list, generator or list comprehension to build (each
        # costs a frame or an allocation, and this runs for every op). Graph bookkeeping only when recorded.
        n = len(inputs)
        if n == 1:
            x = inputs[0]
            requires_grad = x._requires_grad and _state["enabled"]
            if requires_grad:
                ctx.needs_input_grad = [True]
            try:
                # a plain call when there are no keywords: forwarding an empty **kwargs costs ~60 ns more
                out = ctx.forward(x._data, **kwargs) if kwargs else ctx.forward(x._data)
            except (ValueError, TypeError) as e:
                raise _forward_error(cls, inputs, e) from None
        elif n == 2:
            x, y = inputs
            rx, ry = x._requires_grad, y._requires_grad
            requires_grad = (rx or ry) and _state["enabled"]
            if requires_grad:
                ctx.needs_input_grad = [rx, ry]
            try:
                out = ctx.forward(x._data, y._data, **kwargs) if kwargs else ctx.forward(x._data, y._data)
            except (ValueError, TypeError) as e:
                raise _forward_error(cls, inputs, e) from None
        else:
            requires_grad = False
            if _state["enabled"]:
                for t in inputs:
                    if t._requires_grad:
                        requires_grad = True
                        break
            if requires_grad:
                ctx.needs_input_grad = [t._requires_grad for t in inputs]
            try:
                out = ctx.forward(*[t._data for t in inputs], **kwargs)
            except (ValueError, TypeError) as e:
                raise _forward_error(cls, inputs, e) from None
        if type(out) is not _np.ndarray and isinstance(out, _np.generic):  # numpy full reductions return scalars
            out = _np.asarray(out)
        t = Tensor.__new__(Tensor)
        t._data = out
        t._grad = None
        t._retains_grad = False
        if requires_grad:
            # parents are graph nodes fixed now: each input's Function, or the tensor itself for a leaf.
            # A later in-place op rebinds the input's _ctx, but this op's gradient still reaches the old node.
            if n == 1:
                ctx.parents = [x._ctx or x]
            elif n == 2:
                ctx.parents = [x._ctx or x, y._ctx or y]
            else:
                ctx.parents = [x._ctx or x for x in inputs]
            if cls._stamped:
                ctx.seen = _state["writes"]
            if _saved_hooks and not cls.keeps_graph:
                _pack_saved(ctx)
            t._requires_grad = True
            t._ctx = ctx
        else:
            t._requires_grad = False
            t._ctx = None
        return t


def _is_array(v):
    return type(v) is _np.ndarray or type(v).__name__ == "ndarray" and hasattr(v, "__cuda_array_interface__")


def _pack_saved(ctx):
    """Hand each array ctx keeps for its backward to the innermost saved_tensors_hooks' pack (as a Tensor), keeping
    what pack returns instead. These are the arrays the op keeps, which need not be the tensors torch's op saves."""
    from ..tensor import Tensor
    pack, unpack = _saved_hooks[-1]
    d = ctx.__dict__
    kept = ctx.kept_after_op
    packed = {k: v for k, v in d.items() if k not in kept and _is_array(v)}
    if not packed:
        return
    with grad_mode.no_grad():
        for k, v in packed.items():
            packed[k] = pack(Tensor._wrap(v))
            del d[k]
    ctx._packed = (unpack, packed)


def _unpack_saved(node):
    """Put back the arrays _pack_saved took from node, through the hooks' unpack, before each of its backward runs
    (unpack is called every time, as torch's; _drop_unpacked takes them off again after it)."""
    unpack, packed = node._packed  # graph.py's unpack: checked to return a Tensor of the packed shape and dtype
    with grad_mode.no_grad():
        for k, obj in packed.items():
            node.__dict__[k] = unpack(obj)._data


def _drop_unpacked(node):
    """After a backward through a packed node: only the packed values stay (a retained graph under save_on_cpu
    keeps no device copy)."""
    d = node.__dict__
    for k in node._packed[1]:
        d.pop(k, None)


def _view_written(self):
    """A view node's stamp is its base's (they share memory) or one put on the node itself (a reshape that had
    to copy is no view; writes to it land here). A node that knows it copied (x[ids]: `copied`) has only its own."""
    p = self.parents
    d = self.__dict__
    own = d.get("_own_written", 0)
    return max(own, _stamp_of(p[0])) if p and "copied" not in d else own


def _set_view_written(self, stamp):
    self.__dict__["_own_written"] = stamp


def _stamp_of(p):
    """The write stamp of graph parent p: its own or, for a detach() alias or a view taken under no_grad (which share
    their source's memory and version counter, tensor_inplace._share_counter) or a node whose output is such a
    tensor's memory, the later of that and the stamp of the holder of the memory (for a node, only a write after it
    took the memory: `_shared_since`)."""
    d = p.__dict__
    ref = d.get("_shares")
    holder = None if ref is None else ref()
    if holder is None:
        return p._written
    s = holder._written
    return s if s > p._written and s > d.get("_shared_since", 0) else p._written


def _check_unwritten(node, seen):
    """Refuse to run node's backward if a value it saved was written in place after it was recorded."""
    late = []
    if node.saves_inputs:
        need = node.needs_input_grad
        for i, p in enumerate(node.parents):
            if _stamp_of(p) <= seen or any(p is q for q in late):
                continue
            if node.reads_for is not None and not any(need[j] for j in node.reads_for[i]):
                continue  # read only for gradients that are not wanted (torch's rule too)
            late.append(p)
    if node.saves_output and _stamp_of(node) > seen and (
            node.output_read_for is None or any(node.needs_input_grad[j] for j in node.output_read_for)):
        late.append("its output")
    if not late:
        return
    what = ", ".join(p if isinstance(p, str) else f"an input of shape {tuple(p._data.shape)}" if hasattr(p, "_data")
                     else f"the output of {type(p).__name__}" for p in late)
    op = type(node).__name__
    raise RuntimeError(f"backward: one of the variables needed for gradient computation has been modified by an "
                       f"inplace operation: {op} saved {what} for its backward, and it was written in place "
                       f"afterwards. Compute the graph again after the in-place change, or change a clone()")


class PartialGrad:
    """A gradient that is zero outside one basic-indexed part: what y = x[index] sends back to x. run_backward
    adds it into that part of x's gradient instead of materialising full-size zeros per use (the q, k, v split
    of attention would build three zero arrays and sum them). Parts of one array that meet are kept together
    (`rest`: the later ones, in arrival order) and made dense once, when the gradient is used: where they tile the
    array along one axis (a split's pieces) each is copied into an empty array, as torch's SplitBackward
    concatenates them; the q, k, v split took 0.25 ms a layer as zeros, a copy and two adds (Zen 3 VM)."""
    __slots__ = ("shape", "index", "g", "rest")

    def __init__(self, shape, index, g, rest=()):
        self.shape, self.index, self.g, self.rest = shape, index, g, rest

    def plus(self, other):
        """self and other (a PartialGrad of the same shape) as one PartialGrad; neither is changed."""
        return PartialGrad(self.shape, self.index, self.g, self.rest + ((other.index, other.g),) + other.rest)

    def dense(self):
        rest = self.rest
        if rest and _tile_along_one_axis(self.shape, [self.index] + [index for index, _ in rest]):
            out = xp_of(self.g).empty(self.shape, self.g.dtype)  # every element is written below
            out[self.index] = self.g
            for index, g in rest:
                out[index] = g
            return out
        out = zeros_on(self.g, self.shape)
        out[self.index] = self.g
        for index, g in rest:  # parts that overlap (or leave gaps): summed, as each was before they met
            out[index] += g
        return out


def _tile_along_one_axis(shape, indexes):
    """Whether basic indexes, each a tuple of slices with step 1, cut `shape` into blocks along one axis (all the others
    whole) that cover that axis once, without overlaps: their copies then fill an array exactly."""
    axis, spans = None, []
    for index in indexes:
        if type(index) is not tuple or len(index) > len(shape):
            return False
        span = None
        for d, s in enumerate(index):
            if type(s) is not slice:
                return False
            start, stop, step = s.indices(shape[d])
            if step != 1:
                return False
            if start == 0 and stop == shape[d]:
                continue
            if span is not None or (axis is not None and d != axis):
                return False
            axis, span = d, (start, max(start, stop))
        if span is None:  # the whole array: it overlaps the other parts
            return False
        spans.append(span)
    n, end = shape[axis], 0
    for start, stop in sorted(spans):
        if start != end:
            return False
        end = stop
    return end == n


def _sum_grads(prev, pg, owned):
    """prev + pg: two contributions to one node's gradient. Arrays this backward pass made itself (ids in owned,
    never handed to a backward yet) are added into in place; anything else may be aliased and gets a new array."""
    if type(prev) is PartialGrad:
        if type(pg) is PartialGrad and pg.shape == prev.shape:  # parts of one array: made dense once, when it is used
            return prev.plus(pg)
        prev = prev.dense()
        owned.add(id(prev))
    if type(pg) is PartialGrad:
        if id(prev) not in owned or isinstance(prev, _np.generic):  # (a numpy scalar from 0-d arithmetic: no [index])
            prev = _np.array(prev) if isinstance(prev, _np.generic) else prev.copy()
            owned.add(id(prev))
        prev[pg.index] += pg.g
        for index, g in pg.rest:
            prev[index] += g
        return prev
    if id(prev) in owned:
        prev += pg
        return prev
    out = prev + pg
    owned.add(id(out))
    return out


def _forward_error(cls, inputs, e):
    """The exception to raise for a forward that failed with e (re-raises e itself when it isn't ours to name)."""
    if isinstance(e, ValueError):  # numpy's shape errors; torch raises RuntimeError, and we name the op
        shapes = ", ".join(str(tuple(t.shape)) for t in inputs)
        return RuntimeError(f"{cls.__name__.lower()}: {e} (input shapes {shapes})")
    # TypeError: cupy (and numpy) refuse to mix host and GPU arrays: say which tensors did
    devices = ["cpu" if type(t._data) is _np.ndarray else "cuda" for t in inputs]
    if len(set(devices)) > 1:
        return RuntimeError(f"{cls.__name__.lower()}: expected all tensors to be on the same device, but "
                            f"found {' and '.join(dict.fromkeys(devices))}")
    raise e


def _backward_order(root):
    """Function nodes from root back to the first ops: reversed(_topo_order(root)). A chain (every node has at
    most one Function parent: an MLP without residuals) is walked directly, which gives the same order without
    the DFS's stack and seen-set; at the first node with two Function parents we fall back to the DFS."""
    order = []
    node = root
    while node is not None:
        order.append(node)
        nxt = None
        for p in node.parents or ():
            if isinstance(p, Function):
                if nxt is not None:  # a branch (or one node used twice, x * x): not a chain
                    return reversed(_topo_order(root))
                nxt = p
        node = nxt
    return order


def _topo_order(root):
    """Post-order DFS with an explicit stack: each Function node after every node it was computed from.
    Leaf tensors are not visited: they have no parents, so run_backward fills them in at the end."""
    order, seen = [], set()
    stack = [(root, False)]
    push, pop = stack.append, stack.pop  # bound once: this loop runs once per graph node
    while stack:
        node, done = pop()
        if done:
            order.append(node)
            continue
        if node in seen:  # marked when expanded, not when pushed: that keeps the post-order exact
            continue
        seen.add(node)  # Function nodes only, hashed by identity (no id() calls needed)
        push((node, True))
        for p in node.parents or ():  # None: freed by an earlier backward (reported when it is reached)
            if isinstance(p, Function) and p not in seen:
                push((p, False))
    return order


def once_differentiable(fn):
    """torch's decorator for a custom backward that can't itself be differentiated: it runs as it always does, and
    under create_graph=True its results refuse to be differentiated (custom.py, _once_differentiable_grads)."""
    fn._once_differentiable = True
    return fn


def _in_dtype_of(t, g):
    """g in tensor t's dtype, as torch's engine gives each gradient its input's dtype (a bfloat16 leaf's gradient
    comes back float32 from the ops that compute half precision in float32)."""
    return g if g.dtype is t._data.dtype or g.dtype == t._data.dtype else g.astype(t._data.dtype)


def _in_layout_of(a, g):
    """A new copy of gradient g laid out as torch's AccumulateGrad lays out the .grad of a leaf whose array a is not
    C-contiguous: with a's strides where a is a dense block in another order (x.t(), a permute), else in C order."""
    laid = dense_order(a)
    if laid is None or laid[1] is not a:  # C order, or gaps / overlaps (a copy would be needed to lay it out)
        return c_copy(g)
    out = xp_of(g).empty_like(a, dtype=g.dtype)  # order K: a's strides
    out[...] = g
    return out


def _accumulate_into_grad(t, g, stored):
    """Leaf/retained gradient: keep our own writable copy, never an alias of another tensor's grad."""
    g = _in_dtype_of(t, g)
    if t._grad is None:  # the slot itself: .grad of a non-leaf warns (Tensor.grad)
        if not t._data.flags.c_contiguous:
            g = _in_layout_of(t._data, g)
        # cheapest test first; a cupy array's flags have no `writeable` (it always is)
        elif g.base is not None or id(g) in stored or (type(g) is _np.ndarray and not g.flags.writeable):
            g = c_copy(g)
        stored.add(id(g))
        t._grad = Tensor._wrap(g)
    else:
        grad = t._grad
        a = grad._data
        if grad._ctx is None and not grad.requires_grad and a.dtype == g.dtype and a.shape == g.shape and (
                type(a) is not _np.ndarray or a.flags.writeable):
            # in place, as torch's: .grad may be a view of a flat gradient buffer, or held as a numpy view
            a += g
            grad._mark_written()
            return
        s = a + g
        # numpy's 0-d + 0-d is a scalar, not an array: a 0-d parameter's second backward left .grad unprintable
        grad._data = _np.asarray(s) if type(s) is not _np.ndarray and isinstance(s, _np.generic) else s


_FREED = ("backward: trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed): an earlier backward freed its saved arrays; pass "
          "retain_graph=True to the first backward call")


def _tensor_grad(node, t, g, stored):
    """g reached non-leaf t, the output of node: t's hooks (Tensor.register_hook) may replace it, then retain_grad
    keeps it. The gradient the rest of the pass uses is returned."""
    hooks = node.__dict__.get("_grad_hooks")
    if hooks:
        g = run_hooks(hooks, _in_dtype_of(t, g))  # the hooks see it in the tensor's dtype, as torch's
    if t._retains_grad and t._ctx is node:  # not a node t was rebound away from by an in-place op
        _accumulate_into_grad(t, g, stored)
    return g


def _leaf_grad(t, g):
    """The summed gradient of leaf t in its dtype, after its hooks (which may replace it)."""
    g = _in_dtype_of(t, g)
    hooks = t.__dict__.get("_grad_hooks")
    return run_hooks(hooks, g) if hooks else g


def _after_accumulate(t):
    """Leaf t's .grad was just accumulated: its post-accumulate hooks (Tensor.register_post_accumulate_grad_hook)."""
    hooks = t.__dict__.get("_post_grad_hooks")
    if hooks:
        run_post_accumulate_hooks(hooks, t)


def run_backward(root, grad, retain_graph=False, capture=None):
    """Backpropagate grad (an array shaped like root) into the .grad of the leaves root was computed from.
    capture (autograd.grad, backward(inputs=)): a dict whose keys are the graph nodes of non-leaf tensors and
    the id()s of leaf tensors; their gradients are stored there instead, no leaf's .grad is touched, and only
    the nodes on a path to one of them run."""
    current_pass[:] = current_pass[0] + 1, reach(root, capture) if hook_state["multi"] else None
    if root._ctx is None:  # backward on a leaf itself
        if hook_state["leaf"]:
            grad = _leaf_grad(root, grad)
        if capture is None:
            _accumulate_into_grad(root, grad, set())
            if hook_state["leaf"]:
                _after_accumulate(root)
        elif id(root) in capture:
            capture[id(root)] = grad
        return
    if root._ctx.parents is None:
        raise RuntimeError(_FREED)
    # Function nodes are keyed by themselves (identity hash, no id() call); leaves by id, collected with
    # their summed gradient and stored once every path has arrived
    grads = {root._ctx: grad}
    writes = _state["writes"]
    anomaly = _state.get("anomaly")  # anomaly mode (set_detect_anomaly): every gradient is checked for NaN
    leaves, stored, owned = {}, set(), set()
    parts = False  # whether some leaf was sent a PartialGrad
    order = _backward_order(root._ctx)
    if capture is not None:
        order, live = _prune(order, capture)
    ranks = leaf_ranks(root._ctx) if hook_state["leaf"] and capture is None else None  # torch's leaf hook order
    for node in order:
        g = grads.pop(node, None)
        if g is None:
            continue
        if type(g) is PartialGrad:
            g = g.dense()
        elif owned:
            owned.discard(id(g))  # handed to a backward now, which may pass it on as it is (Add does): shared
        kept = node.retained_by  # the node's output tensor, set by Tensor.retain_grad and Tensor.register_hook
        if kept is not None:
            g = _tensor_grad(node, kept, g, stored)
        if capture is not None and node in capture:
            capture[node] = g
            if node not in live:  # nothing below it was asked for
                continue
        parents = node.parents
        if parents is None:
            raise RuntimeError(_FREED)
        if node._packed is not None:
            _unpack_saved(node)
        seen = node.seen
        if seen is not None and seen != writes:  # something was written since the node was made: what it saved?
            _check_unwritten(node, seen)
        if kept is not None and "_pre_hooks" in node.__dict__:  # grad_fn.register_prehook
            g = run_node_prehooks(node._pre_hooks, g)
        if type(g) is not _np.ndarray and isinstance(g, _np.generic):  # numpy's 0-d arithmetic returns scalars; a
            g = _np.asarray(g)  # backward that zeroes part of a copy of g (ViewScatter, SetItem) needs an array
        in_grads = node.backward(g)
        if node._packed is not None:
            _drop_unpacked(node)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        if kept is not None and "_post_hooks" in node.__dict__:  # grad_fn.register_hook
            in_grads = run_node_posthooks(node, in_grads, g)
        if anomaly:
            check_nan(node, in_grads)
        for p, pg in zip(parents, in_grads):
            if pg is None:
                continue
            if isinstance(p, Function):
                prev = grads.get(p)
                grads[p] = pg if prev is None else _sum_grads(prev, pg, owned)
            elif p._requires_grad:  # a leaf tensor
                if type(pg) is PartialGrad:  # parts (x.unbind(1), x.split(8, 1)) are summed in place, not each
                    parts = True             # densified: made dense below
                if pg.shape != p._data.shape:
                    raise RuntimeError(f"{type(node).__name__}.backward: gradient shape {tuple(pg.shape)} "
                                       f"!= input shape {p._data.shape}")
                k = id(p)
                prev = leaves.get(k)
                leaves[k] = (p, pg) if prev is None else (p, _sum_grads(prev[1], pg, owned))
        if not retain_graph:
            if not node.keeps_graph:
                # a finished graph holds no memory: drop saved arrays and the links to inputs. What lay below
                # stays known (the nodes, and the leaves that take a gradient; not the input data), so that a
                # later autograd.grad that needs to pass through here refuses instead of skipping the path
                wants = node.__dict__.get("needs_input_grad")
                node.__dict__.clear()
                node.parents = None
                node.freed_below = parents if wants is not None and False not in wants else freed_record(parents)
            elif node.frees_itself:  # a custom Function's ctx: what forward set on it outlives the backward
                node.free()
    if parts:
        for k, (t, g) in leaves.items():
            if type(g) is PartialGrad:
                leaves[k] = (t, g.dense())
    if capture is not None:
        for k, (t, g) in leaves.items():
            if k in capture:
                capture[k] = _leaf_grad(t, g)
    elif hook_state["leaf"]:  # some leaf has hooks: run them on its summed gradient before it is stored, and after
        last = (_math.inf, 0)  # (a hook registered during this backward: no ranks, the order they came in)
        for t, g in sorted(leaves.values(), key=lambda e: ranks.get(id(e[0]), last)) if ranks else leaves.values():
            _accumulate_into_grad(t, _leaf_grad(t, g), stored)
            _after_accumulate(t)
    else:
        for t, g in leaves.values():
            _accumulate_into_grad(t, g, stored)


def check_nan(node, in_grads):
    """Anomaly mode: refuse a backward that produced NaN, naming the node as torch does."""
    for i, a in enumerate(in_grads):
        if a is None:
            continue
        if hasattr(a, "_data"):  # a create_graph pass's Tensor
            a = a._data
        elif type(a) is PartialGrad:
            a = a.g
        elif not _is_array(a):  # a custom Function's per-output slots (custom._OutputGrads)
            continue
        if a.dtype.kind in "fc" and bool(_np.isnan(a).any() if type(a) is _np.ndarray else a.__ne__(a).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _prune(order, capture):
    """For a capturing pass: the nodes to visit (root first) and the set of those whose backward must run
    because a captured tensor lies below them. The rest of the graph is neither run nor freed, as in torch."""
    order = list(order)
    live = set()
    freed = False
    for node in reversed(order):  # inputs first: a node is live when one of its parents is captured or live
        if node.parents is None:  # freed by an earlier backward (the keeps_graph nodes above it were not)
            below = node.__dict__.get("freed_below")
            if below is None:  # freed without a record of what lay below (a custom Function's ctx)
                freed = True
            elif _freed_reaches(below, capture):  # the gradient must pass through it: torch's error too
                raise RuntimeError(_FREED)
            continue
        for p in node.parents:
            if (p in live or p in capture) if isinstance(p, Function) else id(p) in capture:
                live.add(node)
                break
    if freed:  # a captured tensor not found may lie below a freed node: say so, not that it went unused
        found = {n for n in order if n in capture}
        found.update(id(p) for n in order for p in n.parents or () if not isinstance(p, Function))
        if any(k not in found for k in capture):
            raise RuntimeError(_FREED)
    return [n for n in order if n in live or n in capture], live


def freed_record(parents):
    """What a freed node keeps of its parents: the nodes and the leaves that take a gradient, not input data."""
    return [p for p in parents if p.__class__ is not Tensor or p._requires_grad]


def _freed_reaches(below, capture):
    """Whether a captured tensor lies below a freed node whose parents were `below` (its freed_below record):
    a walk through the freed nodes' records and the parents of nodes kept alive (keeps_graph)."""
    stack, seen = list(below), set()
    while stack:
        p = stack.pop()
        if not isinstance(p, Function):
            if id(p) in capture:
                return True
            continue
        if p in capture:
            return True
        if p in seen:
            continue
        seen.add(p)
        nxt = p.parents if p.parents is not None else p.__dict__.get("freed_below")
        if nxt is None:  # freed without a record: what lies below is unknown
            return True
        stack.extend(nxt)
    return False


Tensor = None  # set by teenygrad.tensor once the class exists (tensor.py imports this module)


def _saved_property(attr):
    def get(node):
        from .torch_names import saved_value
        return saved_value(node, attr)
    return property(get, doc=f"torch's grad_fn.{attr}: the saved value as a Tensor, for the ops that save it")


for _attr in ("_saved_self", "_saved_other", "_saved_result", "_saved_mat2"):
    setattr(Function, _attr, _saved_property(_attr))


def __getattr__(name):  # torch.autograd.function.FunctionCtx (type hints): custom.py imports this module
    if name == "FunctionCtx":
        from .custom import FunctionCtx
        return FunctionCtx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
