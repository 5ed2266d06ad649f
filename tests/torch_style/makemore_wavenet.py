"""makemore part 5 style (WaveNet): a hierarchical character model from small hand-written layers (Embedding,
FlattenConsecutive, Linear, BatchNorm1d over dims (0, 1) of 3-D input, Tanh, Sequential), trained with a step
lr schedule, its loss curve averaged in chunks, evaluated in eval mode, and sampled from.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
every weight and batch, so both frameworks print the same numbers."""
import importlib
import os

import numpy as np

import _names

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
F = torch.nn.functional

words, stoi, itos, rng = _names.load(2024, limit=3000)
vocab_size = len(itos)
block_size = 8


def build_dataset(words):
    return _names.build_dataset(torch, words, stoi, block_size)


n1 = int(0.8 * len(words))
n2 = int(0.9 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
Xte, Yte = build_dataset(words[n2:])
for x, y in zip(Xtr[:3], Ytr[:3]):
    print("example", "".join(itos[ix.item()] for ix in x), "-->", itos[y.item()])


def np_randn(*shape):
    return torch.from_numpy(rng.standard_normal(shape).astype(np.float32))


class Linear:
    def __init__(self, fan_in, fan_out, bias=True):
        self.weight = np_randn(fan_in, fan_out) / fan_in ** 0.5
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
            if x.ndim == 2:
                dim = 0
            elif x.ndim == 3:
                dim = (0, 1)
            xmean = x.mean(dim, keepdim=True)
            xvar = x.var(dim, keepdim=True)
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


class Embedding:
    def __init__(self, num_embeddings, embedding_dim):
        self.weight = np_randn(num_embeddings, embedding_dim)

    def __call__(self, IX):
        self.out = self.weight[IX]
        return self.out

    def parameters(self):
        return [self.weight]


class FlattenConsecutive:
    def __init__(self, n):
        self.n = n

    def __call__(self, x):
        B, T, C = x.shape
        x = x.view(B, T // self.n, C * self.n)
        if x.shape[1] == 1:
            x = x.squeeze(1)
        self.out = x
        return self.out

    def parameters(self):
        return []


class Sequential:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        self.out = x
        return self.out

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


n_embd = 10
n_hidden = 48
model = Sequential([
    Embedding(vocab_size, n_embd),
    FlattenConsecutive(2), Linear(n_embd * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, vocab_size),
])
with torch.no_grad():
    model.layers[-1].weight *= 0.1  # last layer less confident

parameters = model.parameters()
print("params", sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

# shapes through the network, and the flatten written two other ways
ix = torch.from_numpy(rng.integers(0, Xtr.shape[0], (4,)))
Xb, Yb = Xtr[ix], Ytr[ix]
logits = model(Xb)
print("batch", tuple(Xb.shape), tuple(logits.shape))
for layer in model.layers:
    print(layer.__class__.__name__, ":", tuple(layer.out.shape))
e = model.layers[0].out
explicit = torch.cat([e[:, ::2, :], e[:, 1::2, :]], dim=2)  # even and odd characters side by side
print("flatten_ways", tuple(explicit.shape), torch.equal(e.view(4, 4, 20)[:, :, :10], explicit[:, :, :10]),
      torch.allclose(e.view(4, 4, 20), torch.cat([e[:, 0::2], e[:, 1::2]], 2)) is False,
      torch.equal(e.view(4, 4, 20), e.reshape(4, 4, 2, 10).flatten(2)))
h1 = model.layers[2].out
bn = nn.BatchNorm1d(n_hidden)  # torch's own expects (N, C, L): transpose in and out
ref = bn(h1.transpose(1, 2)).transpose(1, 2)
mine = (h1 - h1.mean((0, 1), keepdim=True)) / torch.sqrt(h1.var((0, 1), keepdim=True, unbiased=False) + 1e-5)
print("bn_vs_torch", torch.allclose(ref, mine, atol=1e-5), tuple(bn.running_mean.shape),
      f"{bn.running_var.mean().item():.6f}", bn.num_batches_tracked.item())
print("bn3d_stats", tuple(h1.mean((0, 1), keepdim=True).shape), tuple(model.layers[3].running_mean.shape))

max_steps = 40
batch_size = 32
lossi = []
for i in range(max_steps):
    ix = torch.from_numpy(rng.integers(0, Xtr.shape[0], (batch_size,)))
    Xb, Yb = Xtr[ix], Ytr[ix]
    logits = model(Xb)
    loss = F.cross_entropy(logits, Yb)
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 30 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    lossi.append(loss.log10().item())
    print(f"loss {i} {loss.item():.6f}")

curve = torch.tensor(lossi).view(-1, 10).mean(1)
print("curve", tuple(curve.shape), " ".join(f"{v:.6f}" for v in curve.tolist()))

for layer in model.layers:
    layer.training = False
bnl = model.layers[3]
print("running", tuple(bnl.running_mean.shape), f"{bnl.running_mean.abs().mean().item():.6f}",
      f"{bnl.running_var.mean().item():.6f}")


@torch.no_grad()
def split_loss(split):
    x, y = {"train": (Xtr, Ytr), "val": (Xdev, Ydev), "test": (Xte, Yte)}[split]
    logits = model(x)
    return F.cross_entropy(logits, y).item()


for split in ("train", "val", "test"):
    print("split", split, f"{split_loss(split):.6f}")

g = torch.Generator().manual_seed(42)
names, valid = [], True
for _ in range(8):
    out = []
    context = [0] * block_size
    while True:
        logits = model(torch.tensor([context]))
        probs = F.softmax(logits, dim=1)
        d = torch.multinomial(probs, num_samples=1, generator=g).item()
        valid &= 0 <= d < vocab_size
        cdf = np.cumsum(np.asarray(probs[0].tolist(), dtype=np.float64))
        ix = min(int(np.searchsorted(cdf, rng.random() * cdf[-1])), vocab_size - 1)
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0 or len(out) > 20:
            break
    names.append("".join(itos[i] for i in out))
print("multinomial_valid", valid)
print("samples", " ".join(names))
