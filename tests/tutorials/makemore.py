"""makemore: a bigram count model sampled with a seeded torch.Generator, the same bigram as a one-hot neural net
trained by hand (W.data += -lr * W.grad), and the MLP with a hand-written batchnorm (makemore part 3)."""
import json

import torch
import torch.nn.functional as F

words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper", "evelyn"] * 10
chars = sorted(set("".join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
n_vocab = len(stoi)

# bigram counts, sampled
N = torch.zeros((n_vocab, n_vocab), dtype=torch.int32)
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        N[stoi[ch1], stoi[ch2]] += 1
P = (N + 1).float()
P /= P.sum(1, keepdims=True)
g = torch.Generator().manual_seed(2147483647)
samples = []
for i in range(5):
    out, ix = [], 0
    while True:
        ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    samples.append("".join(out))

# the same bigram model as a neural net
xs, ys = [], []
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs, ys = torch.tensor(xs), torch.tensor(ys)
num = xs.nelement()
g = torch.Generator().manual_seed(2147483647)
W = torch.randn((n_vocab, n_vocab), generator=g, requires_grad=True)
bigram_losses = []
for k in range(10):
    xenc = F.one_hot(xs, num_classes=n_vocab).float()
    counts = (xenc @ W).exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W ** 2).mean()
    W.grad = None
    loss.backward()
    W.data += -50 * W.grad
    bigram_losses.append(loss.item())

# MLP on 3-character contexts with a hand-written batchnorm layer
block_size = 3
X, Y = [], []
for w in words:
    context = [0] * block_size
    for ch in w + ".":
        X.append(context)
        Y.append(stoi[ch])
        context = context[1:] + [stoi[ch]]
X, Y = torch.tensor(X), torch.tensor(Y)
g = torch.Generator().manual_seed(2147483647)
C = torch.randn((n_vocab, 10), generator=g)
W1 = torch.randn((30, 64), generator=g) * (5 / 3) / (30 ** 0.5)
b1 = torch.randn(64, generator=g) * 0.01
W2 = torch.randn((64, n_vocab), generator=g) * 0.01
b2 = torch.randn(n_vocab, generator=g) * 0
bngain, bnbias = torch.ones((1, 64)), torch.zeros((1, 64))
bnmean_running, bnstd_running = torch.zeros((1, 64)), torch.ones((1, 64))
parameters = [C, W1, b1, W2, b2, bngain, bnbias]
for p in parameters:
    p.requires_grad = True
mlp_losses = []
for i in range(30):
    ix = torch.randint(0, X.shape[0], (32,), generator=g)
    Xb, Yb = X[ix], Y[ix]
    emb = C[Xb]
    hpreact = emb.view(emb.shape[0], -1) @ W1 + b1
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
    lr = 0.1 if i < 20 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    mlp_losses.append(loss.item())

# the hand-derived gradient of cross_entropy agrees with autograd
dlogits = F.softmax(logits, 1)
dlogits[range(32), Yb] -= 1
dlogits /= 32
autograd_dlogits = torch.autograd.grad(F.cross_entropy(logits, Yb), [logits])[0]
print("RESULT", json.dumps({
    "samples": samples, "bigram_losses": bigram_losses[::3], "mlp_losses": mlp_losses[::5],
    "bnmean_running": bnmean_running.sum().item(), "saturated": (h.abs() > 0.97).float().mean().item(),
    "manual_grad_ok": torch.allclose(dlogits, autograd_dlogits, atol=1e-6),
}))
