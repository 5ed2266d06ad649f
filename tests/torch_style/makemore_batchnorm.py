"""makemore part 3 style: a deeper character MLP built from small hand-written Linear / BatchNorm1d / Tanh
classes (each with parameters(), a training flag, running buffers updated under no_grad), kaiming init by hand,
activation and gradient statistics, update-to-data ratios, then eval-mode losses.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
every weight and batch; torch.Generator draws are checked only for framework-independent facts."""
import importlib
import os

import numpy as np

import _names

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
F = torch.nn.functional

words, stoi, itos, rng = _names.load(1234, limit=4000)
vocab_size = len(itos)
block_size = 3


def build_dataset(words):
    return _names.build_dataset(torch, words, stoi, block_size)


Xtr, Ytr = build_dataset(words[:3200])
Xdev, Ydev = build_dataset(words[3200:])
print("data", tuple(Xtr.shape), tuple(Xdev.shape), Xtr.dtype == torch.int64, Ytr.max().item())

# torch.Generator, as the lecture seeds it: teenygrad's generator is torch's, so the values themselves must agree
g = torch.Generator().manual_seed(2147483647)
w = torch.randn((27, 10), generator=g)
ri = torch.randint(0, Xtr.shape[0], (32,), generator=g)
print("gen", tuple(w.shape), w.dtype == torch.float32, tuple(ri.shape), ri.dtype == torch.int64)
print("gen_values", " ".join(f"{v:.7f}" for v in w[0].tolist()), " ".join(str(i) for i in ri.tolist()))
g2 = torch.Generator().manual_seed(2147483647)
print("gen_repeat", torch.equal(torch.randn((27, 10), generator=g2), w))


def np_randn(*shape):
    return torch.from_numpy(rng.standard_normal(shape).astype(np.float32))


class Linear:
    def __init__(self, fan_in, fan_out, bias=True):
        self.weight = np_randn(fan_in, fan_out) / fan_in ** 0.5  # kaiming-ish: unit gain
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        if self.training:
            xmean = x.mean(0, keepdim=True)
            xvar = x.var(0, keepdim=True)
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


n_embd, n_hidden = 10, 64
C = np_randn(vocab_size, n_embd)
layers = [
    Linear(n_embd * block_size, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, vocab_size, bias=False), BatchNorm1d(vocab_size),
]
with torch.no_grad():
    layers[-1].gamma *= 0.1  # last layer less confident
    for layer in layers[:-1]:
        if isinstance(layer, Linear):
            layer.weight *= 5 / 3  # tanh gain

parameters = [C] + [p for layer in layers for p in layer.parameters()]
print("params", sum(p.nelement() for p in parameters), len(parameters))
for p in parameters:
    p.requires_grad = True

max_steps = 40
batch_size = 32
ud = []
for i in range(max_steps):
    ix = torch.from_numpy(rng.integers(0, Xtr.shape[0], (batch_size,)))
    Xb, Yb = Xtr[ix], Ytr[ix]
    emb = C[Xb]
    x = emb.view(emb.shape[0], -1)
    for layer in layers:
        x = layer(x)
    loss = F.cross_entropy(x, Yb)

    for layer in layers:
        layer.out.retain_grad()
    for p in parameters:
        p.grad = None
    loss.backward()

    lr = 0.1 if i < 30 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    print(f"loss {i} {loss.item():.6f}")
    with torch.no_grad():
        ud.append([((lr * p.grad).std() / p.data.std()).log10().item() for p in parameters])

# activation statistics of the tanh layers (forward) and their gradients (backward)
for i, layer in enumerate(layers[:-1]):
    if isinstance(layer, Tanh):
        t = layer.out
        sat = (t.abs() > 0.97).float().mean() * 100
        print(f"act layer {i} mean {t.mean().item():+.5f} std {t.std().item():.5f} saturated {sat.item():.4f}%")
        hy = torch.histc(t, bins=20, min=-1, max=1)  # bin counts of trained values could flip at an edge
        print("histc", tuple(hy.shape), hy.dtype == torch.float32, f"{hy.sum().item():.1f}")
        hy, hx = torch.histogram(t.detach(), density=True)  # what the lecture plots: (hx[:-1], hy)
        print("histogram", tuple(hy.shape), tuple(hx.shape), f"{(hy * (hx[1:] - hx[:-1])).sum().item():.5f}",
              f"{hx[0].item():.6f}", f"{hx[-1].item():.6f}")
        gr = t.grad
        print(f"grad layer {i} mean {gr.mean().item():+.8f} std {gr.std().item():.4e}")  # the mean: ~0, noise

fixed = torch.tanh(np_randn(50, 40) * 2)
print("histc_fixed", " ".join(f"{v:.0f}" for v in torch.histc(fixed, bins=20, min=-1, max=1).tolist()))
hy, hx = torch.histogram(fixed, bins=12, range=(-1.0, 1.0))
print("histogram_fixed", " ".join(f"{v:.0f}" for v in hy.tolist()), " ".join(f"{v:.4f}" for v in hx.tolist()))
print("histc_auto", " ".join(f"{v:.0f}" for v in torch.histc(fixed[:, :7], bins=9).tolist()))

for i, p in enumerate(parameters):
    if p.ndim == 2:
        t = p.grad
        print(f"weight {tuple(p.shape)} | mean {t.mean().item():+.8f} | std {t.std().item():.4e} | "
              f"grad:data ratio {t.std().item() / p.std().item():.4e}")
for j in (0, len(ud) - 1):
    print("ud", j, " ".join(f"{v:.4f}" for v in ud[j]))

bn = layers[1]
print("running", f"{bn.running_mean.abs().mean().item():.6f}", f"{bn.running_var.mean().item():.6f}",
      tuple(bn.running_mean.shape), bn.running_mean.requires_grad)


@torch.no_grad()
def split_loss(X, Y):
    emb = C[X]
    x = emb.view(emb.shape[0], -1)
    for layer in layers:
        x = layer(x)
    return F.cross_entropy(x, Y).item()


for layer in layers:
    layer.training = False
print("eval train", f"{split_loss(Xtr, Ytr):.6f}", "dev", f"{split_loss(Xdev, Ydev):.6f}")

# sampling with numpy's uniforms (inverse CDF) so the names match; multinomial only checked for validity
g = torch.Generator().manual_seed(2147483647 + 10)
names, valid = [], True
for _ in range(6):
    out = []
    context = [0] * block_size
    while True:
        emb = C[torch.tensor([context])]
        x = emb.view(emb.shape[0], -1)
        for layer in layers:
            x = layer(x)
        probs = F.softmax(x, dim=1)
        d = torch.multinomial(probs, num_samples=1, generator=g).item()
        valid &= isinstance(d, int) and 0 <= d < vocab_size
        cdf = np.cumsum(np.asarray(probs[0].tolist(), dtype=np.float64))
        ix = min(int(np.searchsorted(cdf, rng.random() * cdf[-1])), vocab_size - 1)
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0 or len(out) > 20:
            break
    names.append("".join(itos[i] for i in out))
print("multinomial_valid", valid)
print("samples", " ".join(names))
