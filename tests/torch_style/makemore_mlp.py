"""makemore part 3 (Karpathy's lecture): a character MLP on names with a hand-written batchnorm.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
every weight and batch, so both frameworks print the same numbers."""
import importlib
import os

import numpy as np

import _names

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
F = torch.nn.functional

words, stoi, itos, rng = _names.load(42)
vocab_size = len(itos)
block_size = 3  # context length: how many characters do we take to predict the next one?


def build_dataset(words):
    return _names.build_dataset(torch, words, stoi, block_size)


n1 = int(0.8 * len(words))
n2 = int(0.9 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
print("data", tuple(Xtr.shape), tuple(Ytr.shape), str(Xtr.dtype).replace("torch.", "").replace("teenygrad.", ""))

n_embd = 10
n_hidden = 200


def randn(*shape, scale=1.0):
    return torch.from_numpy((rng.standard_normal(shape) * scale).astype(np.float32))


C = randn(vocab_size, n_embd)
W1 = randn(n_embd * block_size, n_hidden, scale=(5 / 3) / ((n_embd * block_size) ** 0.5))
b1 = randn(n_hidden, scale=0.01)
W2 = randn(n_hidden, vocab_size, scale=0.01)
b2 = randn(vocab_size, scale=0.0)
bngain = torch.ones((1, n_hidden))
bnbias = torch.zeros((1, n_hidden))
bnmean_running = torch.zeros((1, n_hidden))
bnstd_running = torch.ones((1, n_hidden))

parameters = [C, W1, b1, W2, b2, bngain, bnbias]
print("params", sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

max_steps = 50
batch_size = 32
for i in range(max_steps):
    ix = torch.from_numpy(rng.integers(0, Xtr.shape[0], (batch_size,)))
    Xb, Yb = Xtr[ix], Ytr[ix]

    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1 + b1
    bnmeani = hpreact.mean(0, keepdim=True)
    bnstdi = hpreact.std(0, keepdim=True)
    hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
    with torch.no_grad():
        bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
        bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Yb)

    for p in parameters:
        p.grad = None
    loss.backward()

    lr = 0.1 if i < 40 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    print(f"loss {i} {loss.item():.7f}")

print("bnmean_running", f"{bnmean_running.abs().sum().item():.6f}", "bnstd_running",
      f"{bnstd_running.mean().item():.6f}")
print("grad_norm_C", f"{C.grad.norm().item():.6f}")


@torch.no_grad()
def split_loss(X, Y):
    emb = C[X]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1 + b1
    hpreact = bngain * (hpreact - bnmean_running) / bnstd_running + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    return F.cross_entropy(logits, Y)


print("loss_dev", f"{split_loss(Xdev, Ydev).item():.7f}")

# sampling, twice: the lecture's torch.multinomial with a seeded Generator (teenygrad's draws are torch's), and
# inverse-CDF sampling with numpy's uniforms, which needs no framework generator at all
gen = torch.Generator().manual_seed(2147483647)
lecture_names = []
for _ in range(5):
    out, context = [], [0] * block_size
    while True:
        emb = C[torch.tensor([context])]
        h = torch.tanh(bngain * (emb.view(1, -1) @ W1 + b1 - bnmean_running) / bnstd_running + bnbias)
        probs = F.softmax(h @ W2 + b2, dim=1)
        ix = torch.multinomial(probs, num_samples=1, generator=gen).item()
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0 or len(out) > 30:
            break
    lecture_names.append("".join(itos[i] for i in out))
print("multinomial_samples", " ".join(lecture_names))
names = []
for _ in range(5):
    out, out_mn = [], 0
    context = [0] * block_size
    while True:
        emb = C[torch.tensor([context])]
        h = torch.tanh(bngain * (emb.view(1, -1) @ W1 + b1 - bnmean_running) / bnstd_running + bnbias)
        probs = F.softmax(h @ W2 + b2, dim=1)
        draw = torch.multinomial(probs, num_samples=1, replacement=True, generator=gen)
        out_mn += int(0 <= draw.item() < vocab_size and tuple(draw.shape) == (1, 1))
        cdf = np.cumsum(np.asarray(probs[0].tolist(), dtype=np.float64))
        ix = min(int(np.searchsorted(cdf, rng.random() * cdf[-1])), vocab_size - 1)
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0 or len(out) > 30:
            break
    names.append("".join(itos[i] for i in out))
    print("multinomial_valid", out_mn == len(out))
print("samples", " ".join(names))
