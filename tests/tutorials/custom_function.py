"""Custom autograd Functions as users write them: a clamped exp with ctx.save_for_backward and
ctx.needs_input_grad, a sort that marks its indices non-differentiable, a straight-through rounding estimator,
a once_differentiable backward, set_materialize_grads, and gradcheck on a float64 Function."""
import json

import torch
from torch.autograd import Function
from torch.autograd.function import once_differentiable


class ScaledExp(Function):
    @staticmethod
    def forward(ctx, x, scale):
        y = torch.exp(x.clamp(max=5.0)) * scale
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        gx = None
        if ctx.needs_input_grad[0]:
            gx = grad_out * y * (x <= 5.0).to(y.dtype)
        return gx, None         # scale is a python float: needs_input_grad[1] is False


class SortValues(Function):
    @staticmethod
    def forward(ctx, x):
        values, idx = torch.sort(x, dim=-1)
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return values, idx

    @staticmethod
    def backward(ctx, g_values, g_idx):
        idx, = ctx.saved_tensors
        gx = torch.zeros_like(g_values)
        gx.scatter_(-1, idx, g_values)
        return gx


class RoundSTE(Function):
    @staticmethod
    def forward(ctx, x):
        return torch.round(x * 4) / 4

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        return g.clone()


class MulAdd(Function):
    @staticmethod
    def forward(ctx, a, b, c):
        ctx.set_materialize_grads(True)
        ctx.save_for_backward(a, b)
        return a * b + c, a - b

    @staticmethod
    def backward(ctx, g1, g2):
        a, b = ctx.saved_tensors
        return g1 * b + g2, g1 * a - g2, g1


torch.manual_seed(21)
result = {}
x = torch.randn(3, 4, requires_grad=True)
y = ScaledExp.apply(x * 2, 0.5)
y.sum().backward()
result["exp"] = [y.sum().item(), x.grad.tolist(), y.requires_grad, type(y.grad_fn).__name__.startswith("ScaledExp")]

z = torch.randn(2, 5, requires_grad=True)
vals, idx = SortValues.apply(z)
(vals * torch.arange(5.0)).sum().backward()
result["sort"] = [vals.tolist(), idx.tolist(), idx.requires_grad, z.grad.tolist()]

w = torch.randn(6, requires_grad=True)
q = RoundSTE.apply(w)
(q ** 2).sum().backward()
result["ste"] = [q.tolist(), w.grad.tolist()]

a, b, c = (torch.randn(4, requires_grad=True) for _ in range(3))
s, d = MulAdd.apply(a, b, c)
s.sum().backward()                    # d unused: its grad arrives materialised as zeros
result["muladd"] = [a.grad.tolist(), b.grad.tolist(), c.grad.tolist()]
a64 = torch.randn(3, dtype=torch.double, requires_grad=True)
b64 = torch.randn(3, dtype=torch.double, requires_grad=True)
c64 = torch.randn(3, dtype=torch.double, requires_grad=True)
result["gradcheck"] = torch.autograd.gradcheck(MulAdd.apply, (a64, b64, c64), eps=1e-6, atol=1e-4)
print("RESULT " + json.dumps(result))
