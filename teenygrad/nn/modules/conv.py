"""Conv1d, Conv2d."""
from .. import functional as F
from .module import Module
from .linear import _add_weight_and_bias, _reset_weight_and_bias


class _ConvNd(Module):
    """(N, C_in, *S) -> (N, C_out, *S_out). Init as torch: kaiming_uniform_(a=sqrt(5)) on the weight, i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups * prod(kernel_size); bias the same."""
    _nd = 0

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
        self.transposed, self.output_padding = False, (0,) * nd  # torch's _ConvNd attributes (no transposed conv)
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
