"""Conv1d."""
from .. import functional as F
from .module import Module
from .linear import _add_weight_and_bias, _reset_weight_and_bias


class Conv1d(Module):
    """(N, C_in, L) -> (N, C_out, L_out). Init as torch: kaiming_uniform_(a=sqrt(5)) on the weight, i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups * kernel_size; bias the same."""
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv1d: in_channels {in_channels} and out_channels {out_channels} must be divisible "
                             f"by groups {groups}")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"Conv1d: padding_mode must be one of 'zeros', 'reflect', 'replicate' or 'circular', "
                             f"got {padding_mode!r}")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"Conv1d: invalid padding string {padding!r}, should be one of 'valid', 'same'")
        tup = (lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,))
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.dilation = tup(kernel_size), tup(stride), tup(dilation)
        if padding == "same" and self.stride != (1,):
            raise ValueError("Conv1d: padding='same' is not supported for strided convolutions")
        self.padding = padding if isinstance(padding, str) else tup(padding)
        self.groups, self.padding_mode = groups, padding_mode
        _add_weight_and_bias(self, (out_channels, in_channels // groups, self.kernel_size[0]), bias, dtype)
        self.reset_parameters()
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved

    def reset_parameters(self):
        _reset_weight_and_bias(self.weight, self.bias, fan_in=self.weight.shape[1] * self.weight.shape[2])

    def forward(self, input):
        if self.padding_mode == "zeros":
            return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        # other modes pad the input first, as torch does ('same' puts the odd extra element on the right)
        if self.padding == "valid":
            lo = hi = 0
        elif self.padding == "same":
            total = self.dilation[0] * (self.kernel_size[0] - 1)
            lo, hi = total // 2, total - total // 2
        else:
            lo = hi = self.padding[0]
        return F.conv1d(F.pad(input, (lo, hi), mode=self.padding_mode), self.weight, self.bias, self.stride, 0,
                        self.dilation, self.groups)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,):
            s += f", padding={self.padding}"
        if self.dilation != (1,):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
