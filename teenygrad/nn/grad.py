"""torch.nn.grad: the gradients of conv1d/2d/3d with respect to their input and weight, given grad_output.
Both are convolutions themselves, so they are built from F.conv_transpose* and F.conv* (and stay differentiable):
  d input  = conv_transpose(grad_output, weight), with the output_padding that lands on input_size;
  d weight = conv(input as (C_in / groups, groups * N, *S), grad_output as the kernel (C_out, N, *O)), stride
             and dilation swapped, cropped to the kernel size."""
from ._checks import _t
from .functional_conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d,
                              _ntuple)

_CONV = {1: conv1d, 2: conv2d, 3: conv3d}
_CONV_T = {1: conv_transpose1d, 2: conv_transpose2d, 3: conv_transpose3d}


def _check(op, nd, input_shape, weight_shape, grad_output, stride, padding, dilation, groups):
    """The convolution's geometry, checked as torch's convolution_backward: (stride, padding, dilation, out size)."""
    _t(grad_output, op, "grad_output")
    input_shape, weight_shape = tuple(input_shape), tuple(weight_shape)
    if len(weight_shape) != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight (C_out, C_in / groups, *kernel), got {weight_shape}")
    if len(input_shape) != nd + 2:
        raise RuntimeError(f"{op}: Expected {nd + 2}-dimensional input for {nd + 2}-dimensional weight "
                           f"{list(weight_shape)}, but got {len(input_shape)}-dimensional input of size "
                           f"{list(input_shape)} instead")
    if not isinstance(groups, int) or groups < 1 or weight_shape[0] % groups:
        raise RuntimeError(f"{op}: groups={groups} must be a positive int dividing weight's {weight_shape[0]} "
                           f"output channels")
    if input_shape[1] != weight_shape[1] * groups:
        raise RuntimeError(f"{op}: Given groups={groups}, weight of size {list(weight_shape)}, expected "
                           f"input{list(input_shape)} to have {weight_shape[1] * groups} channels, but got "
                           f"{input_shape[1]} channels instead")
    stride, padding = _ntuple(stride, nd, "stride", op), _ntuple(padding, nd, "padding", op)
    dilation = _ntuple(dilation, nd, "dilation", op)
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise RuntimeError(f"{op}: stride {stride} and dilation {dilation} must be positive, padding {padding} "
                           f"non-negative")
    out = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                for n, p, d, k, s in zip(input_shape[2:], padding, dilation, weight_shape[2:], stride))
    expected = (input_shape[0], weight_shape[0]) + out
    if grad_output.ndim != nd + 2 or tuple(grad_output.shape) != expected:
        raise RuntimeError(f"{op}: grad_output has shape {tuple(grad_output.shape)}, but a convolution of input "
                           f"{input_shape} with weight {weight_shape} (stride {stride}, padding {padding}, dilation "
                           f"{dilation}, groups {groups}) gives {expected}")
    return stride, padding, dilation, out


def _conv_input(op, nd, input_size, weight, grad_output, stride, padding, dilation, groups):
    _t(weight, op, "weight")
    stride, padding, dilation, out = _check(op, nd, input_size, weight.shape, grad_output, stride, padding, dilation,
                                            groups)
    # the rows of input past the last window read nothing: output_padding gives them their zero gradient
    opad = tuple(n - ((o - 1) * s - 2 * p + d * (k - 1) + 1)
                 for n, o, s, p, d, k in zip(tuple(input_size)[2:], out, stride, padding, dilation, weight.shape[2:]))
    return _CONV_T[nd](grad_output, weight, None, stride, padding, opad, groups, dilation)


def _conv_weight(op, nd, input, weight_size, grad_output, stride, padding, dilation, groups):
    _t(input, op)
    stride, padding, dilation, _ = _check(op, nd, input.shape, weight_size, grad_output, stride, padding, dilation,
                                          groups)
    N, C, *S = input.shape
    Cout, Cg, *K = tuple(weight_size)
    # x'[c, g * N + n] = x[n, g * C_g + c]: each group's input channels become the batch, its samples the channels
    x = input.reshape(N, groups, Cg, *S).permute(2, 1, 0, *range(3, nd + 3)).reshape(Cg, groups * N, *S)
    k = grad_output.transpose(0, 1)  # (C_out, N, *O): out channel o of group g reads x' channels g * N .. g * N + N
    dw = _CONV[nd](x, k, None, dilation, padding, stride, groups)  # (C_g, C_out, *K'), K' >= K
    dw = dw[(slice(None), slice(None)) + tuple(slice(0, n) for n in K)]
    return dw.transpose(0, 1)  # (C_out, C_g, *K)


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d loss / d input of conv1d, shape input_size (N, C_in, L)."""
    return _conv_input("conv1d_input", 1, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d loss / d weight of conv1d, shape weight_size (C_out, C_in / groups, K)."""
    return _conv_weight("conv1d_weight", 1, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d loss / d input of conv2d, shape input_size (N, C_in, H, W)."""
    return _conv_input("conv2d_input", 2, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d loss / d weight of conv2d, shape weight_size (C_out, C_in / groups, kH, kW)."""
    return _conv_weight("conv2d_weight", 2, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d loss / d input of conv3d, shape input_size (N, C_in, D, H, W)."""
    return _conv_input("conv3d_input", 3, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """d loss / d weight of conv3d, shape weight_size (C_out, C_in / groups, kD, kH, kW)."""
    return _conv_weight("conv3d_weight", 3, input, weight_size, grad_output, stride, padding, dilation, groups)
