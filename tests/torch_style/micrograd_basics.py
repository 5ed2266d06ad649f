"""micrograd / PyTorch-basics style: the lecture's scalar checks done in torch (a neuron in float64, the
operator soup of micrograd's tests with in-place += on intermediates), tensor creation from Python lists, an
MLP by hand trained with a plain SGD loop, then an nn.Module with an nn.ModuleList trained with SGD momentum,
evaluated in eval / inference mode, and its state_dict round-tripped through torch.save to a BytesIO.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
every weight, so both frameworks print the same numbers."""
import importlib
import io
import os

import numpy as np

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
F = torch.nn.functional


def dt(t):
    return str(t.dtype).split(".")[-1]


# a neuron, as in micrograd's lecture, checked against torch in float64
x1 = torch.Tensor([2.0]).double()
x1.requires_grad = True
x2 = torch.Tensor([0.0]).double()
x2.requires_grad = True
w1 = torch.Tensor([-3.0]).double()
w1.requires_grad = True
w2 = torch.Tensor([1.0]).double()
w2.requires_grad = True
b = torch.Tensor([6.8813735870195432]).double()
b.requires_grad = True
n = x1 * w1 + x2 * w2 + b
o = torch.tanh(n)
print("neuron", o.data.item(), dt(o), tuple(o.shape), o.requires_grad, o.is_leaf, x1.is_leaf)
o.backward()
print("neuron_grads", x2.grad.item(), w2.grad.item(), x1.grad.item(), w1.grad.item(), b.grad.item())
print("grad_types", type(x1.grad.item()).__name__, dt(x1.grad), x1.grad.data.item(), type(o.item()).__name__)

# micrograd's test_more_ops, in torch
a = torch.Tensor([-4.0]).double()
b = torch.Tensor([2.0]).double()
a.requires_grad = True
b.requires_grad = True
c = a + b
d = a * b + b ** 3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + (b + a).relu()
d = d + 3 * d + (b - a).relu()
e = c - d
f = e ** 2
g = f / 2.0
g = g + 10.0 / f
g.backward()
print("more_ops", f"{g.data.item():.10f}", f"{a.grad.item():.10f}", f"{b.grad.item():.10f}")

# the same with in-place += on intermediates (none of them is needed by the backward)
a2 = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
b2 = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
c = a2 + b2
d = a2 * b2 + b2 ** 3
c += c + 1
c += 1 + c + (-a2)
d += d * 2 + (b2 + a2).relu()
d += 3 * d + (b2 - a2).relu()
e = c - d
f = e ** 2
g = f / 2.0
g += 10.0 / f
g.backward()
print("more_ops_inplace", f"{g.item():.10f}", f"{a2.grad.item():.10f}", f"{b2.grad.item():.10f}",
      torch.equal(a2.grad, a.grad), c.is_leaf, c.requires_grad)

# a few more scalar ops: rpow, rsub, rdiv, pow of a negative exponent, exp/log, sigmoid
s = torch.tensor(1.5, requires_grad=True)
y = 2 ** s + (1 - s) * 3 - 4 / s + s ** -2 + s.exp().log() + torch.sigmoid(s) * s.sqrt() - s.abs() / 7
y.backward()
print("scalar_ops", f"{y.item():.6f}", f"{s.grad.item():.6f}", s.dim(), tuple(s.shape), dt(s))

# creation from Python lists and numbers
t1 = torch.tensor([[1.0, 2], [3, 4]])
t2 = torch.tensor([1, 2, 3])
t3 = torch.tensor(3.5)
t4 = torch.tensor([True, False])
t5 = torch.Tensor([1, 2, 3])
t6 = torch.tensor(np.array([1.0, 2.0]))
t7 = torch.zeros(2, 3, dtype=torch.long)
t8 = torch.Tensor(2, 3)
print("creation", dt(t1), dt(t2), dt(t3), dt(t4), dt(t5), dt(t6), dt(t7), tuple(t8.shape), dt(t8), t3.ndim)
print("int_ops", dt(t2 / 2), (t2 / 2).tolist(), (t2 // 2).tolist(), dt(t2 * 1.5), dt(t2 + True), (t2 % 2).tolist(),
      dt(t2.float().mean()), t2.sum().item(), type(t2.sum().item()).__name__, dt(t2.sum()))
m = torch.arange(12).reshape(3, 4)
print("arange", dt(m), m.sum(dim=1).tolist(), m.T.shape == (4, 3), torch.matmul(m, m.T)[0].tolist(),
      m.float().mean().item(), m.max().item(), m.argmax().item(), m[1:, ::2].tolist(), m[-1, -1].item())
torch.manual_seed(1337)
r = torch.rand(3, 4)
rn = torch.randn(1000)
print("seeded", tuple(r.shape), bool(((r >= 0) & (r < 1)).all()), dt(r), abs(rn.mean().item()) < 0.2,
      torch.manual_seed(1337) is not None, torch.equal(torch.rand(3, 4), r))

# micrograd's MLP(3, [4, 4, 1]) by hand: list of weight tensors, squared error, plain SGD
rng = np.random.default_rng(0)
xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
X = torch.tensor(xs)
Y = torch.tensor(ys)
sizes = [3, 4, 4, 1]
Ws = [torch.tensor(rng.uniform(-1, 1, (sizes[i], sizes[i + 1])).tolist(), requires_grad=True) for i in range(3)]
bs = [torch.tensor(rng.uniform(-1, 1, (sizes[i + 1],)).tolist(), requires_grad=True) for i in range(3)]
params = Ws + bs
print("mlp_params", sum(p.numel() for p in params), dt(Ws[0]), Ws[0].is_leaf)


def mlp(x):
    for i, (W, bb) in enumerate(zip(Ws, bs)):
        x = torch.tanh(x @ W + bb)
    return x.squeeze(-1)


for k in range(20):
    ypred = mlp(X)
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(Y, ypred))
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= 0.05 * p.grad
    print(f"loss {k} {loss.item():.6f}")
print("ypred", " ".join(f"{v:.5f}" for v in mlp(X).tolist()), tuple(loss.shape))


# the same network as an nn.Module with a ModuleList
class MLP(nn.Module):
    def __init__(self, nin, nouts):
        super().__init__()
        sz = [nin] + nouts
        self.layers = nn.ModuleList([nn.Linear(sz[i], sz[i + 1]) for i in range(len(nouts))])
        self.scale = nn.Parameter(torch.ones(1))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        self.calls += 1
        for layer in self.layers:
            x = torch.tanh(layer(x))
        return x * self.scale


def init_from_numpy(module):
    if isinstance(module, nn.Linear):
        with torch.no_grad():
            module.weight.copy_(torch.from_numpy(rng.uniform(-1, 1, tuple(module.weight.shape)).astype(np.float32)))
            module.bias.copy_(torch.from_numpy(rng.uniform(-1, 1, tuple(module.bias.shape)).astype(np.float32)))


model = MLP(3, [4, 4, 1])
model.apply(init_from_numpy)
print("module", len(model.layers), sum(p.numel() for p in model.parameters()),
      [name for name, _ in model.named_parameters()], [name for name, _ in model.named_modules()][:3],
      isinstance(model.layers[0], nn.Linear), model.training)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for k in range(20):
    ypred = model(X).squeeze(-1)
    loss = F.mse_loss(ypred, Y, reduction="sum")
    optimizer.zero_grad(set_to_none=False)
    if k == 1:
        print("zeroed", all(p.grad is not None for p in model.parameters()),
              sum(p.grad.abs().sum().item() for p in model.parameters()))
    loss.backward()
    optimizer.step()
    print(f"loss m{k} {loss.item():.6f}", f"{model.layers[0].weight.grad.norm().item():.6f}")
optimizer.zero_grad()
print("set_to_none", all(p.grad is None for p in model.parameters()), model.calls.item(), dt(model.calls))

ret = model.eval()
print("eval", ret is model, model.training, model.layers[1].training)
with torch.inference_mode():
    yi = model(X)
    flags = torch.is_inference_mode_enabled(), torch.is_grad_enabled()
print("inference", yi.requires_grad, flags, torch.is_inference_mode_enabled(),
      " ".join(f"{v:.6f}" for v in yi.view(-1).tolist()))
dev = torch.device("cpu")
model.to(dev)
Xd = X.to(dev)
print("device", Xd.device.type, str(Xd.device), Xd.device == dev, next(model.parameters()).device.type,
      dev.type, dev.index)
with torch.no_grad():
    yn = model(X)
print("no_grad", yn.requires_grad, torch.equal(yi, yn), torch.is_grad_enabled())
model.train()
print("train", model.training, model.layers[0].training)

# state_dict round trip through an in-memory file
sd = model.state_dict()
print("state_dict", list(sd.keys()), [tuple(v.shape) for v in sd.values()], sd["layers.0.weight"].requires_grad)
buf = io.BytesIO()
torch.save({"model": sd, "optimizer": optimizer.state_dict(), "step": 20}, buf)
buf.seek(0)
ck = torch.load(buf)
model2 = MLP(3, [4, 4, 1])
result = model2.load_state_dict(ck["model"])
print("loaded", list(result.missing_keys), list(result.unexpected_keys), ck["step"],
      all(torch.equal(a, b) for a, b in zip(model.parameters(), model2.parameters())),
      model2.calls.item(), torch.equal(model2(X), model(X)))
opt2 = torch.optim.SGD(model2.parameters(), lr=0.05, momentum=0.9)
opt2.load_state_dict(ck["optimizer"])
st = opt2.state_dict()
print("opt_state", sorted(st["state"].keys()), st["param_groups"][0]["lr"], st["param_groups"][0]["momentum"],
      f"{st['state'][0]['momentum_buffer'].norm().item():.6f}")
for k in range(3):
    for mm, opt in ((model, optimizer), (model2, opt2)):
        loss = F.mse_loss(mm(X).squeeze(-1), Y, reduction="sum")
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"resumed {k} {loss.item():.6f}",
          all(torch.allclose(a, b) for a, b in zip(model.parameters(), model2.parameters())))
