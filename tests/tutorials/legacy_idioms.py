"""Idioms from older tutorials and from library-style layer code that still circulate: Variable wrappers
(requires_grad=True on inputs, isinstance checks), a custom conv layer that normalises its arguments with
nn.modules.utils._pair and F.conv2d, a DataParallel-style checkpoint whose 'module.' prefix is stripped with
consume_prefix_in_state_dict_if_present, and attention pinned to a backend with nn.attention.sdpa_kernel."""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.nn.modules.utils import _pair, consume_prefix_in_state_dict_if_present

torch.manual_seed(13)
result = {}

# Variable era: wrap inputs and targets, train a tiny regressor
x_train = torch.randn(16, 3)
y_train = x_train @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
model = nn.Linear(3, 1)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(5):
    inputs, targets = Variable(x_train), Variable(y_train)
    outputs = model(inputs)
    loss = criterion(outputs, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
w = Variable(torch.randn(3), requires_grad=True)
(w * w).sum().backward()
result["variable"] = [loss.item(), model.weight.data.tolist(), isinstance(w, Variable), w.is_leaf,
                      w.grad.tolist(), Variable(loss).requires_grad]


class MyConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True):
        super().__init__()
        self.kernel_size, self.stride = _pair(kernel_size), _pair(stride)
        self.padding, self.dilation = _pair(padding), _pair(dilation)
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, *self.kernel_size))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


conv = MyConv2d(2, 3, 3, stride=(2, 1), padding=1)
img = torch.randn(2, 2, 6, 6, requires_grad=True)
out = conv(img)
out.pow(2).mean().backward()
result["conv"] = [list(out.shape), out.sum().item(), img.grad.abs().sum().item(), conv.extra_repr(),
                  list(_pair(4)), list(_pair([1, 2]))]

# a checkpoint from a DataParallel-wrapped model
wrapped_sd = {"module." + k: v.clone() for k, v in conv.state_dict().items()}
fresh = MyConv2d(2, 3, 3, stride=(2, 1), padding=1)
consume_prefix_in_state_dict_if_present(wrapped_sd, "module.")
fresh.load_state_dict(wrapped_sd)
result["prefix"] = [list(wrapped_sd.keys()), torch.equal(fresh(img), conv(img))]

# attention pinned to a backend (teenygrad: the same math whichever is named)
q, k, v = torch.randn(3, 2, 2, 5, 4).unbind(0)
with sdpa_kernel(SDPBackend.MATH):
    a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]):
    b = F.scaled_dot_product_attention(q, k, v, is_causal=True)
result["sdpa"] = [torch.allclose(a, b, atol=1e-6), a[0, 1].tolist(), int(SDPBackend.FLASH_ATTENTION)]
print("RESULT " + json.dumps(result))
