"""Identity, Linear, LazyLinear, Bilinear, Embedding."""
import math
from ...tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ...creation import empty
from ..parameter import Parameter, UninitializedParameter
from .. import functional as F, init
from .module import Module
from .lazy import LazyModuleMixin


def _param(*shape, dtype=None):
    return Parameter(empty(*shape, dtype=dtype or dt._default_float))


def _add_weight_and_bias(module, weight_shape, bias, dtype):
    """Register an uninitialised `weight` and, if bias, a `bias` of weight_shape[0] (else bias is None)."""
    module.weight = _param(*weight_shape, dtype=dtype)
    if bias:
        module.bias = _param(weight_shape[0], dtype=dtype)
    else:
        module.register_parameter("bias", None)


def _reset_weight_and_bias(weight, bias, fan_in):
    """torch's Linear/Conv init: kaiming_uniform_(a=sqrt(5)) on the weight, bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Identity(Module):
    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b; W (out_features, in_features). Init as torch: U(-1/sqrt(in), 1/sqrt(in)) for both."""
    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        _add_weight_and_bias(self, (out_features, in_features), bias, dtype)
        self.reset_parameters()
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved

    def reset_parameters(self):
        _reset_weight_and_bias(self.weight, self.bias, self.in_features)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear whose in_features is the first input's last dim. weight and bias are UninitializedParameters until
    that first forward, which materializes them, draws Linear's init (torch's numbers after the same seed) and
    makes the module a Linear. An optimizer built before holds the same parameters and works after; a state_dict
    loaded before materializes them from its shapes (in_features is then set by the first forward)."""
    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        Module.__init__(self)
        self.in_features, self.out_features = 0, out_features
        self.weight = UninitializedParameter(dtype=dtype, device=device)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype, device=device)
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if input.ndim == 0:
            raise IndexError(f"LazyLinear: can't infer in_features from a 0-d input (shape {input.shape})")
        if self.has_uninitialized_params():
            self.in_features = input.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()
        if self.in_features == 0:  # materialized by load_state_dict: in_features is the loaded weight's
            if input.shape[-1] != self.weight.shape[-1]:
                raise RuntimeError(f"LazyLinear: The in_features inferred from input: {input.shape[-1]} is not equal "
                                   f"to in_features from self.weight: {self.weight.shape[-1]}")
            self.in_features = input.shape[-1]

    def forward(self, input):
        self._infer_parameters(input)  # now a Linear: later calls go straight to Linear.forward
        return F.linear(input, self.weight, self.bias)


class Bilinear(Module):
    """y_o = x1^T W_o x2 + b_o; init U(-1/sqrt(in1), 1/sqrt(in1)) as torch."""
    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        _add_weight_and_bias(self, (out_features, in1_features, in2_features), bias, dtype)
        self.reset_parameters()
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Embedding(Module):
    """Lookup table (num_embeddings, embedding_dim), init N(0, 1); the padding_idx row starts at zero and
    gets no gradient."""
    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        if sparse:
            F.warn_dense_sparse("Embedding")
        self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse = max_norm, norm_type, \
            scale_grad_by_freq, sparse
        self._init_table(num_embeddings, embedding_dim, padding_idx, _weight, dtype, not _freeze)
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved

    def _init_table(self, num_embeddings, embedding_dim, padding_idx, _weight, dtype, requires_grad=True):
        """The (num_embeddings, embedding_dim) table and its padding_idx, for Embedding and EmbeddingBag: drawn by
        reset_parameters, or the given _weight."""
        op = type(self).__name__
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"{op}: padding_idx {padding_idx} must be within num_embeddings ({num_embeddings})")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = _param(num_embeddings, embedding_dim, dtype=dtype)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"{op}: _weight shape {tuple(_weight.shape)} doesn't match "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=requires_grad)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                           self.sparse)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, **kw):
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got {embeddings.shape}")
        return cls(embeddings.shape[0], embeddings.shape[1], padding_idx=padding_idx, _weight=embeddings,
                   _freeze=freeze, **kw)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        s += f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        s += f", max_norm={self.max_norm}" if self.max_norm is not None else ""
        s += f", norm_type={self.norm_type}" if self.norm_type != 2 else ""
        s += ", scale_grad_by_freq=True" if self.scale_grad_by_freq else ""
        return s + (", sparse=True" if self.sparse else "")
