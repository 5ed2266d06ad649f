"""torch's names for graph nodes, as `grad_fn` shows them (MulBackward0, SliceBackward0, ...), and the
AccumulateGrad stand-in that `next_functions` gives for a leaf. Only repr / name() / next_functions read this
module: nothing here runs per op."""
import weakref as _weakref

import numpy as _np

from .function import Function


class AccumulateGrad:
    """What torch's next_functions shows for a leaf that requires grad: the node that stores into its .grad."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

        self.metadata = {}

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def register_prehook(self, fn):
        """fn(grad_outputs) -> None or (the gradient to store instead,): the leaf's own hooks (Tensor.register_hook)"""
        from .hooks import register_hook
        return register_hook(self.variable, lambda g: _first(fn((g,))))

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs), run once the gradient is in the leaf's .grad (grad_inputs is empty: the
        node has no inputs; grad_outputs holds .grad). DDP's way to learn that a parameter's gradient is ready."""
        from .hooks import register_post_accumulate_grad_hook
        return register_post_accumulate_grad_hook(self.variable, lambda t: fn((), (t.grad,)) and None)

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


def next_functions(node):
    """torch's next_functions of a graph node: (node, output number) per input in torch's order (see _SLOTS), the
    input's grad_fn, an AccumulateGrad for a leaf that requires grad, (None, 0) for an input that doesn't. Empty
    once backward has freed the graph."""
    parents = node.parents
    if not parents:
        return ()
    name = node.__dict__.get("torch_name")
    through = _THROUGH.get(name)
    if through is not None:  # torch's one node stands where teenygrad has two: show the inner one's inputs
        return tuple(through(p) if isinstance(p, Function) else _entry(p) for p in parents)
    slots = torch_slots(node)
    if slots is None:
        entries = tuple(_entry(p) for p in parents)
    else:
        entries = tuple((None, 0) if j is None else _entry(parents[j]) for j in slots)
    if type(node).__name__ == "Linear" and node_name(node) in ("AddmmBackward0", "MmBackward0"):
        entries = _with_weight_t(node, entries)
    return entries


class _Transposed:
    """torch's linear on 2-D input is addmm(b, x, w.t()): the TBackward0 node between the Addmm and the weight,
    which teenygrad's Linear has no node for (it reads w as it is). It takes no hooks."""

    def __init__(self, entry):
        self.next_functions = (entry,)
        self.metadata = {}

    def name(self):
        return "TBackward0"

    def __repr__(self):
        return f"<TBackward0 object at {id(self):#x}>"


def _with_weight_t(node, entries):
    k = len(entries) - 1 if len(entries) == 3 else 1  # the weight: last of (b, x, w), second of (x, w)
    if entries[k][0] is None:
        return entries
    t = node.__dict__.get("_weight_t")  # one stand-in per node, so that id()-keyed drawers see one
    if t is None or t.next_functions != (entries[k],):
        t = node.__dict__["_weight_t"] = _Transposed(entries[k])
    return entries[:k] + ((t, 0),) + entries[k + 1:]


def _entry(p):
    """(node, output number) for one input (a graph node or a tensor)"""
    if isinstance(p, Function):
        while p.hidden_in_graph and p.parents:
            p = p.parents[0]
            if not isinstance(p, Function):
                return _entry(p)
        return (p.parents[0], p.i) if p.is_output_slot else (p, _output_nr(p))
    return (accumulate_grad(p), 0) if p.requires_grad else (None, 0)


def accumulate_grad(leaf):
    """The leaf's AccumulateGrad, the same object while someone holds it (torch's grad accumulator is kept weakly
    on its tensor): graph drawers that tell nodes apart by id() draw a leaf used twice once."""
    ref = leaf.__dict__.get("_grad_accumulator")
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf.__dict__["_grad_accumulator"] = _weakref.ref(node)
    return node


def _through_unsqueeze(p):  # stack: cat of unsqueezed inputs
    return _entry(p.parents[0]) if p.__dict__.get("torch_name") == "UnsqueezeBackward0" else _entry(p)


def _through_split(p):  # unbind: squeezed pieces of a split
    return _entry(p.parents[0]) if p.__dict__.get("torch_name") == "SplitBackward0" else _entry(p)


def _output_nr(node):
    """which output of torch's node this is: the piece's number for split and unbind (one node each in torch)"""
    name = node.__dict__.get("torch_name")
    if name == "UnbindBackward0" and isinstance(node.parents[0], Function):
        node = node.parents[0]
    return node.__dict__.get("output_nr", 0)


def _through_flatten(p):  # prod(): a Prod along the flattened input
    return _entry(p.parents[0]) if type(p).__name__ == "Reshape" else _entry(p)


_THROUGH = {"StackBackward0": _through_unsqueeze, "UnbindBackward0": _through_split,
            "ProdBackward0": _through_flatten}


def _norm_slots(node):
    """native_layer_norm / group_norm / batch_norm take (input, weight, bias), None where not given"""
    w = getattr(node, "has_w", False)
    b = getattr(node, "has_b", w)  # BatchNorm takes both or neither
    return (0, 1 if w else None, 1 + w if b else None)


# torch's layout of next_functions where it differs from teenygrad's parents: per entry, the index of the parent it
# shows, None for an input that takes no gradient; a parent left out is one torch's node does not take (where's
# condition, the number in number - x). Keyed by torch's name where a caller named the node, else by class.
_SLOTS_BY_NAME = {"RsubBackward1": lambda node: (1,), "PowBackward2": lambda node: (1,),
                  "PowBackward0": lambda node: (0,)}  # x ** 2 (square is x * x)
_SLOTS = {
    "MulScalar": lambda node: (0, None),  # torch wraps the number as a tensor that takes no gradient
    "Where": lambda node: (1, 2),
    "Fmod": lambda node: (0,), "Remainder": lambda node: (0,),  # by a number (by a tensor: named Backward1)
    "MaskedFill": lambda node: (0,),
    "LayerNorm": _norm_slots, "GroupNorm": _norm_slots, "BatchNorm": _norm_slots,
    "ConvNd": lambda node: (0, 1, 2 if len(node.parents) == 3 else None),
    "ConvTransposeNd": lambda node: (0, 1, 2 if len(node.parents) == 3 else None),
    "Linear": lambda node: (2, 0, 1) if len(node.parents) == 3 else None,  # addmm(bias, x, w.t())
    "Dropout": lambda node: None if _on_device(node) else (0, None),  # x * mask
}


def torch_slots(node):
    """node's _SLOTS layout, or None where torch's next_functions follows the parents one for one"""
    name = node.__dict__.get("torch_name")
    if name is not None:
        f = _SLOTS_BY_NAME.get(name)
    else:
        cls = type(node)
        f = _SLOTS.get(cls.__name__) if cls.__module__.startswith("teenygrad.") else None
    return None if f is None else f(node)


def _first(grads):
    return None if grads is None else grads[0]


# teenygrad's op classes whose torch counterparts are named otherwise (the rest read <Op>Backward0; a name given
# with its Backward suffix is taken whole)
_TORCH_NAMES = {
    "MulScalar": "Mul", "Pow": "PowBackward1", "PowScalar": "Pow", "Clamp": "ClampBackward1",
    "ClampT": "Clamp", "ELU": "Elu",
    "Matmul": "Mm", "Reshape": "View", "GetItem": "Index", "Contiguous": "Clone",
    "Cast": "ToCopy", "Log1p": "Log1P", "Pad": "ConstantPadNd", "LayerNorm": "NativeLayerNorm", "GroupNorm": "NativeGroupNorm",
    "BatchNorm": "NativeBatchNorm", "CrossEntropy": "NllLoss",
    "Huber": "HuberLoss", "ConvNd": "Convolution", "ConvTransposeNd": "Convolution",
    "MaxPoolNd": "MaxPool2DWithIndices", "AvgPoolNd": "AvgPool2D", "AMax": "Amax", "AMin": "Amin",
    "MaxDim": "Max", "MinDim": "Min", "LogSumExp": "Logsumexp", "LogCumSumExp": "Logcumsumexp",
    "Norm": "LinalgVectorNorm", "Svd": "LinalgSvd", "Eigh": "LinalgEigh", "Qr": "LinalgQr", "Inv": "LinalgInvEx",
    "Det": "LinalgDet", "Slogdet": "LinalgSlogdet", "Solve": "LinalgSolveEx", "Cholesky": "LinalgCholeskyEx",
    "Pinv": "LinalgPinv", "MatrixExp": "LinalgMatrixExp", "Einsum": "Bmm",
    "ScaledDotProductAttention": "ScaledDotProductFlashAttentionForCpu", "MedianAll": "Median", "NanSum": "Nansum",
    "Log1p": "Log1P", "I1": "SpecialI1", "I0e": "SpecialI0E", "I1e": "SpecialI1E", "Xlog1py": "SpecialXlog1Py",
    "EuclidDist": "View", "L1Dist": "Cdist",  # cdist: torch's mm form ends in a view
    "RMSNorm": "Mul",  # torch's CPU rms_norm is a composite that ends in its weight (or rsqrt) product
}


def _getitem_name(node):
    """torch applies a basic index part by part and names the node after the last op it applied: an int is a
    Select, a slice a Slice (none for a full one among others: with no op at all, an Alias), None an Unsqueeze;
    an array (or bool) index anywhere makes it an Index."""
    index, shape = node.index, node.in_shape
    parts = [i for i in index if i is not None and i is not Ellipsis]
    if any(not isinstance(i, (int, _np.integer, slice)) or isinstance(i, (bool, _np.bool_)) for i in parts):
        return "IndexBackward0"
    if len(index) == 1 and type(index[0]) is slice:  # x[a:b] alone is always a Slice, even when full
        return "SliceBackward0"
    last, d = "Alias", 0
    for i in index:
        if i is None:
            last = "Unsqueeze"
        elif i is Ellipsis:
            d += len(shape) - len(parts)
        else:
            full = (type(i) is slice and i.start in (None, 0) and i.step in (None, 1)
                    and (i.stop is None or i.stop >= shape[d]))
            last, d = (last if full else "Slice" if type(i) is slice else "Select"), d + 1
    return last + "Backward0"


def _matmul_name(node):
    """torch's matmul picks its kernel by the operands' dims (dot, mv, mm, or a folded or batched mm that ends in
    a view)."""
    x, y = getattr(node, "x", None), getattr(node, "y", None)
    if x is None or y is None:
        return "MmBackward0"
    dims = (x.ndim, y.ndim)
    named = {(1, 1): "Dot", (2, 1): "Mv", (1, 2): "Squeeze", (2, 2): "Mm"}.get(dims)
    if named is None:
        named = "Clone" if x.ndim == 2 else "UnsafeView"
    return named + ("Backward4" if named == "Squeeze" else "Backward0")


def _linear_name(node):
    """torch's linear is an addmm (mm without a bias) on 2-D input; other input is folded to 2-D and viewed back."""
    x, n = getattr(node, "x", None), node.needs_input_grad
    bias = n is not None and len(n) == 3
    if x is None or x.ndim == 2:
        return "AddmmBackward0" if bias else "MmBackward0"
    return "ViewBackward0" if bias else "SqueezeBackward4" if x.ndim == 1 else "UnsafeViewBackward0"


def _huber_name(node):
    return "SmoothL1LossBackward0" if getattr(node, "smooth", False) else "HuberLossBackward0"


# names that depend on the node's fields, computed only when asked for (repr, name())
_NAMES_BY_FIELDS = {"GetItem": _getitem_name, "Matmul": _matmul_name, "Linear": _linear_name,
                    "Tri": lambda node: "TriuBackward0" if node.upper else "TrilBackward0", "Huber": _huber_name,
                    "Prod": lambda node: "ProdBackward1",  # along dims; prod() of all is named ProdBackward0
                    "Polygamma": lambda node: "PolygammaBackward0" if node.n else "DigammaBackward0",
                    "Scatter": lambda node: "ScatterAddBackward0" if node.reduce == "add" else "ScatterBackward0",
                    "Dropout": lambda node: "NativeDropoutBackward0" if _on_device(node) else "MulBackward0"}


def _on_device(node):  # torch's CPU dropout is x * mask (a Mul), its CUDA one native_dropout
    m = getattr(node, "m", None)
    return m is not None and type(m) is not _np.ndarray


def node_name(node):
    """torch's grad_fn name for a graph node (Function.name, when no caller set one)."""
    cls = type(node)
    by_fields = _NAMES_BY_FIELDS.get(cls.__name__) if cls.__module__.startswith("teenygrad.") else None
    return _class_name(cls) if by_fields is None else by_fields(node)


def _class_name(cls):
    n = cls.__name__
    if not cls.__module__.startswith("teenygrad."):  # a user's Function, as torch names custom ones
        return n + "Backward"
    named = _TORCH_NAMES.get(n)
    return named if named is not None and "Backward" in named else (named or n) + "Backward0"


# grad_fn._saved_<name> for common ops: (input number, or "out" for the node's own output, the attribute the node
# keeps the array in)
_SAVED = {
    "Mul": {"_saved_self": (0, "x"), "_saved_other": (1, "y")},
    "Div": {"_saved_self": (0, "x"), "_saved_other": (1, "y")},
    "Matmul": {"_saved_self": (0, "x"), "_saved_mat2": (1, "y")},
    "Tanh": {"_saved_result": ("out", "z")}, "Exp": {"_saved_result": ("out", "z")},
    "Sigmoid": {"_saved_result": ("out", "z")},
}


def saved_value(node, attr):
    """node's saved value `attr` as a Tensor: a leaf input as itself, any other value in the graph where it was
    saved (its grad_fn the node that made it), None where the node kept none (torch's None for a value the
    backward will not need)."""
    cls = type(node)
    where = _SAVED.get(cls.__name__, {}).get(attr) if cls.__module__.startswith("teenygrad.") else None
    if where is None:
        raise AttributeError(f"'{node.name()}' object has no attribute '{attr}'")
    i, field = where
    if node.parents is None or field not in node.__dict__:
        raise RuntimeError(f"{node.name()}.{attr}: trying to access saved tensors after they have already been freed "
                           f"(backward ran without retain_graph=True) or while saved_tensors_hooks hold them")
    a = node.__dict__[field]
    if a is None:
        return None
    if i == "out":
        return node._output(a)
    p = node.parents[i]
    return p if not isinstance(p, Function) and p._data is a else node._input(i, a)
