"""Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d and their Lazy versions."""
from .. import functional as F
from ..parameter import UninitializedParameter
from .module import Module
from .lazy import LazyModuleMixin
from .linear import _add_weight_and_bias, _reset_weight_and_bias, _param


class _ConvNd(Module):
    """(N, C_in, *S) -> (N, C_out, *S_out). Init as torch: kaiming_uniform_(a=sqrt(5)) on the weight, i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups * prod(kernel_size); bias the same."""
    _nd = 0
    transposed = False  # torch's attribute; a transposed conv's weight is (C_in, C_out / groups, *K)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        name, nd = type(self).__name__, self._nd
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels {in_channels} and out_channels {out_channels} must be divisible "
                             f"by groups {groups}")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"{name}: padding_mode must be one of 'zeros', 'reflect', 'replicate' or 'circular', "
                             f"got {padding_mode!r}")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"{name}: invalid padding string {padding!r}, should be one of 'valid', 'same'")
        tup = (lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.dilation = tup(kernel_size), tup(stride), tup(dilation)
        for what, v in (("kernel_size", self.kernel_size), ("stride", self.stride), ("dilation", self.dilation)):
            if len(v) != nd or min(v) < 1:
                raise ValueError(f"{name}: {what} must be a positive int or a tuple of {nd}, got {v!r}")
        if padding == "same" and self.stride != (1,) * nd:
            raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
        self.padding = padding if isinstance(padding, str) else tup(padding)
        if not isinstance(padding, str) and (len(self.padding) != nd or min(self.padding) < 0):
            raise ValueError(f"{name}: padding must be a non-negative int or a tuple of {nd}, got {padding!r}")
        self.groups, self.padding_mode = groups, padding_mode
        self.output_padding = (0,) * nd  # torch's _ConvNd attribute, set by ConvTranspose
        if self.transposed:
            _add_weight_and_bias(self, (in_channels, out_channels // groups) + self.kernel_size, False, dtype)
            self.register_parameter("bias", _param(out_channels, dtype=dtype) if bias else None)
        else:
            _add_weight_and_bias(self, (out_channels, in_channels // groups) + self.kernel_size, bias, dtype)
        self.reset_parameters()
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved

    def reset_parameters(self):
        fan_in = 1
        for s in self.weight.shape[1:]:
            fan_in *= s
        _reset_weight_and_bias(self.weight, self.bias, fan_in=fan_in)

    def _conv(self, *args):
        raise NotImplementedError

    def forward(self, input):
        if self.padding_mode == "zeros":
            return self._conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        # other modes pad the input first, as torch does ('same' puts the odd extra element on the right)
        pad = []
        for i in reversed(range(self._nd)):  # F.pad lists the last dim first
            if self.padding == "valid":
                lo = hi = 0
            elif self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                lo, hi = total // 2, total - total // 2
            else:
                lo = hi = self.padding[i]
            pad += [lo, hi]
        return self._conv(F.pad(input, tuple(pad), mode=self.padding_mode), self.weight, self.bias, self.stride, 0,
                          self.dilation, self.groups)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """(N, C_in, L) -> (N, C_out, L_out)."""
    _nd = 1

    def _conv(self, *args):
        return F.conv1d(*args)


class Conv2d(_ConvNd):
    """(N, C_in, H, W) -> (N, C_out, H_out, W_out)."""
    _nd = 2

    def _conv(self, *args):
        return F.conv2d(*args)


class Conv3d(_ConvNd):
    """(N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)."""
    _nd = 3

    def _conv(self, *args):
        return F.conv3d(*args)


class _ConvTransposeNd(_ConvNd):
    """(N, C_in, *S) -> (N, C_out, *S_out), the adjoint of a convolution. Weight (C_in, C_out / groups, *K), init
    as torch: kaiming_uniform_(a=sqrt(5)) with fan_in = out_channels / groups * prod(kernel_size); bias the same."""
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        name, nd = type(self).__name__, self._nd
        if padding_mode != "zeros":
            raise ValueError(f'{name}: only "zeros" padding mode is supported, got padding_mode={padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int or a tuple of {nd} ints, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)
        self.output_padding = tuple(output_padding) if isinstance(output_padding, (tuple, list)) else \
            (output_padding,) * nd
        if len(self.output_padding) != nd or min(self.output_padding) < 0:
            raise ValueError(f"{name}: output_padding must be a non-negative int or a tuple of {nd}, got "
                             f"{output_padding!r}")

    def _output_padding(self, input, output_size):
        """output_padding, or the one that gives output_size ((*S_out) or (N, C_out, *S_out)), as torch."""
        if output_size is None:
            return self.output_padding
        nd, name = self._nd, type(self).__name__
        output_size = tuple(output_size)
        lead = input.ndim - nd
        if len(output_size) == lead + nd:
            output_size = output_size[lead:]
        if len(output_size) != nd:
            raise ValueError(f"{name}: for {input.ndim}-D input, output_size must have {nd} or {lead + nd} "
                             f"elements (got {len(output_size)})")
        least = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in
                      zip(input.shape[lead:], self.stride, self.padding, self.dilation, self.kernel_size))
        most = tuple(m + s - 1 for m, s in zip(least, self.stride))
        if any(not lo <= o <= hi for o, lo, hi in zip(output_size, least, most)):
            raise ValueError(f"{name}: requested an output size of {output_size}, but valid sizes range from {least} "
                             f"to {most} (for an input of {tuple(input.shape[lead:])})")
        return tuple(o - lo for o, lo in zip(output_size, least))

    def forward(self, input, output_size=None):
        return self._conv(input, self.weight, self.bias, self.stride, self.padding,
                          self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """(N, C_in, L) -> (N, C_out, L_out), L_out = (L - 1) stride - 2 padding + dilation (K - 1) + output_padding + 1."""
    _nd = 1

    def _conv(self, *args):
        return F.conv_transpose1d(*args)


class ConvTranspose2d(_ConvTransposeNd):
    """(N, C_in, H, W) -> (N, C_out, H_out, W_out)."""
    _nd = 2

    def _conv(self, *args):
        return F.conv_transpose2d(*args)


class ConvTranspose3d(_ConvTransposeNd):
    """(N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)."""
    _nd = 3

    def _conv(self, *args):
        return F.conv_transpose3d(*args)


class _LazyConvMixin(LazyModuleMixin):
    """in_channels is the first input's dim 1 (dim 0 unbatched); until then weight and bias are uninitialised. The
    first forward materializes them, draws the eager layer's init (torch's numbers after the same seed) and makes
    the module cls_to_become. After a load_state_dict the first forward only sets in_channels (torch leaves 0)."""
    def _lazy_weight_and_bias(self, out_channels, bias, device, dtype):
        self.out_channels = out_channels
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        nd = self._nd
        if input.ndim not in (nd + 1, nd + 2):
            raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {tuple(input.shape)}")
        in_channels = input.shape[1] if input.ndim == nd + 2 else input.shape[0]
        if self.has_uninitialized_params():
            if in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            self.in_channels = in_channels
            g = self.groups
            shape = (in_channels, self.out_channels // g) if self.transposed else (self.out_channels, in_channels // g)
            self.weight.materialize(shape + self.kernel_size)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()
        elif self.in_channels == 0:  # materialized by load_state_dict
            self.in_channels = in_channels


class _LazyConvNd(_LazyConvMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self._lazy_weight_and_bias(out_channels, bias, device, dtype)


class _LazyConvTransposeNd(_LazyConvMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode,
                         device, dtype)
        self._lazy_weight_and_bias(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConvNd, Conv1d):
    cls_to_become = Conv1d


class LazyConv2d(_LazyConvNd, Conv2d):
    cls_to_become = Conv2d


class LazyConv3d(_LazyConvNd, Conv3d):
    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTransposeNd, ConvTranspose1d):
    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeNd, ConvTranspose2d):
    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeNd, ConvTranspose3d):
    cls_to_become = ConvTranspose3d
