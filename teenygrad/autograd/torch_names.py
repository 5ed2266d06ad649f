"""torch's names for graph nodes, as `grad_fn` shows them (MulBackward0, SliceBackward0, ...), and the
AccumulateGrad stand-in that `next_functions` gives for a leaf. Only repr / name() / next_functions read this
module: nothing here runs per op."""
import numpy as _np


class AccumulateGrad:
    """What torch's next_functions shows for a leaf that requires grad: the node that stores into its .grad."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

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


def _first(grads):
    return None if grads is None else grads[0]


# teenygrad's op classes whose torch counterparts are named otherwise (the rest read <Op>Backward0; a name given
# with its Backward suffix is taken whole)
_TORCH_NAMES = {
    "MulScalar": "Mul", "Pow": "PowBackward1", "PowScalar": "Pow", "Clamp": "ClampBackward1",
    "ClampT": "Clamp", "ELU": "Elu",
    "Matmul": "Mm", "Reshape": "View", "GetItem": "Index", "Contiguous": "Clone",
    "Cast": "ToCopy", "Log1p": "Log1P", "Pad": "ConstantPadNd", "LayerNorm": "NativeLayerNorm", "GroupNorm": "NativeGroupNorm",
    "BatchNorm": "NativeBatchNorm", "Dropout": "NativeDropout", "CrossEntropy": "NllLoss",
    "Huber": "HuberLoss", "ConvNd": "Convolution", "ConvTransposeNd": "Convolution",
    "MaxPoolNd": "MaxPool2DWithIndices", "AvgPoolNd": "AvgPool2D", "AMax": "Amax", "AMin": "Amin",
    "MaxDim": "Max", "MinDim": "Min", "LogSumExp": "Logsumexp", "LogCumSumExp": "Logcumsumexp",
    "Norm": "LinalgVectorNorm", "Svd": "LinalgSvd", "Eigh": "LinalgEigh", "Qr": "LinalgQr", "Inv": "LinalgInvEx",
    "Det": "LinalgDet", "Slogdet": "LinalgSlogdet", "Solve": "LinalgSolveEx", "Cholesky": "LinalgCholeskyEx",
    "Pinv": "LinalgPinv", "MatrixExp": "LinalgMatrixExp", "Einsum": "Bmm",
    "ScaledDotProductAttention": "ScaledDotProductFlashAttentionForCpu", "MedianAll": "Median", "NanSum": "Nansum",
    "Log1p": "Log1P", "I1": "SpecialI1", "I0e": "SpecialI0E", "I1e": "SpecialI1E", "Xlog1py": "SpecialXlog1Py",
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
                    "Tri": lambda node: "TriuBackward0" if node.upper else "TrilBackward0", "Huber": _huber_name}


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
