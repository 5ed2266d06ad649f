"""LayerNorm, RMSNorm, GroupNorm, BatchNorm1d/2d/3d, LazyBatchNorm1d/2d/3d."""
import numpy as np
from ...tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ...creation import ones, zeros
from ...tensor import Tensor
from ..parameter import Parameter, UninitializedParameter, UninitializedBuffer
from .. import functional as F
from .module import Module
from .lazy import LazyModuleMixin


def _shape(normalized_shape):
    return (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)


def _affine(m, shape, affine, bias, dtype, device):
    """LayerNorm's and GroupNorm's weight (ones) and bias (zeros) of `shape`, or None where switched off."""
    dtype = dtype or dt._default_float
    m.register_parameter("weight", Parameter(ones(shape, dtype=dtype)) if affine else None)
    m.register_parameter("bias", Parameter(zeros(shape, dtype=dtype)) if affine and bias else None)
    m.to(device=device)  # torch's device= kwarg: built on the host, then moved


def _reset_affine(m):
    if m.weight is not None:
        m.weight._data[...] = 1
    if m.bias is not None:
        m.bias._data[...] = 0


class LayerNorm(Module):
    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine(self, self.normalized_shape, elementwise_affine, bias, dtype, device)

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(self.normalized_shape, dtype=dtype or dt._default_float))
        else:
            self.register_parameter("weight", None)
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved

    def reset_parameters(self):
        if self.weight is not None:
            self.weight._data[...] = 1

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """(N, C, *) normalised per sample over groups of C / num_groups channels; per-channel affine weight, bias."""
    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine(self, (num_channels,), affine, bias, dtype, device)

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _ChannelsError(RuntimeError, ValueError):
    """torch's batch_norm raises RuntimeError on a channel count mismatch; a ValueError too, as teenygrad raised
    before."""


class _BatchNorm(Module):
    _ndims = ()
    _version = 2  # torch's: its state dict has num_batches_tracked

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = dtype or dt._default_float
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.zeros((), np.int64)))
            self._optional_state = ("num_batches_tracked",)  # torch loads unversioned dicts without it
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        _reset_affine(self)

    def forward(self, input):
        if input.ndim not in self._ndims:
            raise ValueError(f"{type(self).__name__}: expected {' or '.join(f'{d}D' for d in self._ndims)} input, "
                             f"got shape {input.shape}")
        if input.shape[1] != self.num_features and (self.weight is not None or self.running_mean is not None):
            raise _ChannelsError(f"{type(self).__name__}: input shape {input.shape} has {input.shape[1]} "
                                 f"channels, expected num_features={self.num_features}")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked._data)
        # batch statistics when training or when no running statistics are kept
        use_batch = self.training or self.running_mean is None
        track = self.training and self.track_running_stats
        return F.batch_norm(input, self.running_mean if track or not use_batch else None,
                            self.running_var if track or not use_batch else None, self.weight, self.bias,
                            use_batch, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Over (N, C) or (N, C, L): statistics per channel C."""
    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    _ndims = (4,)


class BatchNorm3d(_BatchNorm):
    """Over (N, C, D, H, W): statistics per channel C."""
    _ndims = (5,)


class _LazyNormBase(LazyModuleMixin):
    """num_features is the first input's dim 1 (as torch, even for an unbatched instance norm input). Until then
    weight, bias, running_mean and running_var (those the options ask for) are uninitialised; the first forward
    materializes them with the eager layer's values (ones, zeros, zeros, ones) and makes the module cls_to_become.
    The defaults are torch's: affine and track_running_stats on, for the instance norms too."""
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine, self.track_running_stats = affine, track_running_stats
        lazy = dict(device=device, dtype=dtype)
        if affine:
            self.weight = UninitializedParameter(**lazy)
            if bias:
                self.bias = UninitializedParameter(**lazy)
        if track_running_stats:
            self.register_buffer("running_mean", UninitializedBuffer(**lazy))
            self.register_buffer("running_var", UninitializedBuffer(**lazy))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.zeros((), np.int64)))
            self._optional_state = ("num_batches_tracked",)
        self.to(device=device)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if input.ndim < 2:
            raise ValueError(f"{type(self).__name__}: expected an input with a channel dim 1, got shape "
                             f"{tuple(input.shape)}")
        uninitialized = self.has_uninitialized_params()
        loaded = self.num_features == 0 and (self.weight is not None or self.running_mean is not None)
        if uninitialized or loaded:  # a module with no per-channel tensors keeps 0, as torch's; a loaded one
            self.num_features = input.shape[1]  # takes the input's (torch's keeps 0 there too)
        if uninitialized:
            for t in (self.weight, self.bias, self.running_mean, self.running_var):
                if t is not None:
                    t.materialize((self.num_features,))
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    cls_to_become = BatchNorm3d
