"""makemore part 4 style ("backprop ninja"): a 2-layer MLP with batchnorm whose forward pass is split into
many small steps, each intermediate kept with retain_grad(); a backward pass written by hand step by step
(then in fused form for cross-entropy and batchnorm), each gradient checked against autograd's; finally
training with the hand-written gradients only, under no_grad.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
every weight and batch, so both frameworks print the same numbers."""
import importlib
import os

import numpy as np

import _names

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
F = torch.nn.functional

words, stoi, itos, rng = _names.load(7, limit=3000)
vocab_size = len(stoi)
block_size = 3


def build_dataset(words):
    return _names.build_dataset(torch, words, stoi, block_size)


Xtr, Ytr = build_dataset(words)
print("data", tuple(Xtr.shape), tuple(Ytr.shape))


def cmp(s, dt, t):
    ex = torch.all(dt == t.grad).item()
    app = torch.allclose(dt, t.grad)
    maxdiff = (dt - t.grad).abs().max().item()
    print(f"{s:15s} | exact: {str(ex):5s} | approximate: {str(app):5s} | maxdiff: {maxdiff:.3e}")


def np_randn(*shape, scale=1.0):
    return torch.from_numpy((rng.standard_normal(shape) * scale).astype(np.float32))


n_embd, n_hidden = 10, 64
C = np_randn(vocab_size, n_embd)
W1 = np_randn(n_embd * block_size, n_hidden, scale=(5 / 3) / (n_embd * block_size) ** 0.5)
b1 = np_randn(n_hidden, scale=0.1)  # useless with batchnorm, but its gradient is still checked
W2 = np_randn(n_hidden, vocab_size, scale=0.1)
b2 = np_randn(vocab_size, scale=0.1)
bngain = np_randn(1, n_hidden, scale=0.1) + 1.0
bnbias = np_randn(1, n_hidden, scale=0.1)
parameters = [C, W1, b1, W2, b2, bngain, bnbias]
print("params", sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

batch_size = 32
n = batch_size
ix = torch.from_numpy(rng.integers(0, Xtr.shape[0], (batch_size,)))
Xb, Yb = Xtr[ix], Ytr[ix]

# forward, chunked into small steps that we can backward one at a time
emb = C[Xb]
embcat = emb.view(emb.shape[0], -1)
hprebn = embcat @ W1 + b1
bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
bndiff = hprebn - bnmeani
bndiff2 = bndiff ** 2
bnvar = 1 / (n - 1) * (bndiff2).sum(0, keepdim=True)  # Bessel's correction
bnvar_inv = (bnvar + 1e-5) ** -0.5
bnraw = bndiff * bnvar_inv
hpreact = bngain * bnraw + bnbias
h = torch.tanh(hpreact)
logits = h @ W2 + b2
logit_maxes = logits.max(1, keepdim=True).values
norm_logits = logits - logit_maxes
counts = norm_logits.exp()
counts_sum = counts.sum(1, keepdims=True)
counts_sum_inv = counts_sum ** -1
probs = counts * counts_sum_inv
logprobs = probs.log()
loss = -logprobs[range(n), Yb].mean()

for p in parameters:
    p.grad = None
for t in [logprobs, probs, counts, counts_sum, counts_sum_inv, norm_logits, logit_maxes, logits, h, hpreact, bnraw,
          bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani, embcat, emb]:
    t.retain_grad()
loss.backward()
print(f"loss 0 {loss.item():.6f}")
print("is_leaf", C.is_leaf, emb.is_leaf, emb.grad is not None, embcat.requires_grad)

# exercise 1: backprop through everything by hand
dlogprobs = torch.zeros_like(logprobs)
dlogprobs[range(n), Yb] = -1.0 / n
dprobs = (1.0 / probs) * dlogprobs
dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
dcounts = counts_sum_inv * dprobs
dcounts_sum = (-counts_sum ** -2) * dcounts_sum_inv
dcounts += torch.ones_like(counts) * dcounts_sum
dnorm_logits = counts * dcounts
dlogits = dnorm_logits.clone()
dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
dh = dlogits @ W2.T
dW2 = h.T @ dlogits
db2 = dlogits.sum(0)
dhpreact = (1.0 - h ** 2) * dh
# torch's tanh backward rounds differently (a fused multiply-add), so from here on the exact check starts
# from autograd's own hpreact.grad: each later step is then compared on its own
dhpreact_mine, dhpreact = dhpreact, hpreact.grad.clone()
dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
dbnraw = bngain * dhpreact
dbnbias = dhpreact.sum(0, keepdim=True)
dbndiff = bnvar_inv * dbnraw
dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
dbnvar = (-0.5 * (bnvar + 1e-5) ** -1.5) * dbnvar_inv
dbndiff2 = (1.0 / (n - 1)) * torch.ones_like(bndiff2) * dbnvar
dbndiff += (2 * bndiff) * dbndiff2
dhprebn = dbndiff.clone()
dbnmeani = (-dbndiff).sum(0)
dhprebn += 1.0 / n * (torch.ones_like(hprebn) * dbnmeani)
dembcat = dhprebn @ W1.T
dW1 = embcat.T @ dhprebn
db1 = dhprebn.sum(0)
demb = dembcat.view(emb.shape)
dC = torch.zeros_like(C)
for k in range(Xb.shape[0]):
    for j in range(Xb.shape[1]):
        ix = Xb[k, j]
        dC[ix] += demb[k, j]

cmp("logprobs", dlogprobs, logprobs)
cmp("probs", dprobs, probs)
cmp("counts_sum_inv", dcounts_sum_inv, counts_sum_inv)
cmp("counts_sum", dcounts_sum, counts_sum)
cmp("counts", dcounts, counts)
cmp("norm_logits", dnorm_logits, norm_logits)
cmp("logit_maxes", dlogit_maxes, logit_maxes)
cmp("logits", dlogits, logits)
cmp("h", dh, h)
cmp("W2", dW2, W2)
cmp("b2", db2, b2)
print("hpreact", torch.allclose(dhpreact_mine, hpreact.grad), (dhpreact_mine - hpreact.grad).abs().max().item() < 1e-8)
cmp("bngain", dbngain, bngain)
cmp("bnbias", dbnbias, bnbias)
cmp("bnraw", dbnraw, bnraw)
cmp("bnvar_inv", dbnvar_inv, bnvar_inv)
cmp("bnvar", dbnvar, bnvar)
cmp("bndiff2", dbndiff2, bndiff2)
cmp("bndiff", dbndiff, bndiff)
cmp("bnmeani", dbnmeani, bnmeani)
cmp("hprebn", dhprebn, hprebn)
cmp("embcat", dembcat, embcat)
cmp("W1", dW1, W1)
cmp("b1", db1, b1)
cmp("emb", demb, emb)
cmp("C", dC, C)
print("logit_maxes_grad_small", logit_maxes.grad.abs().max().item() < 1e-6)

# the same dC three more ways: index_add_, index_put_ with accumulate, one-hot matmul
dC2 = torch.zeros_like(C).index_add_(0, Xb.view(-1), demb.view(-1, n_embd))
dC3 = torch.zeros_like(C)
dC3.index_put_((Xb.view(-1),), demb.view(-1, n_embd), accumulate=True)
dC4 = F.one_hot(Xb.view(-1), num_classes=vocab_size).float().T @ demb.view(-1, n_embd)
print("dC_ways", torch.allclose(dC2, C.grad), torch.allclose(dC3, C.grad), torch.allclose(dC4, C.grad, atol=1e-7),
      dC2.dtype == torch.float32, F.one_hot(Xb.view(-1)).dtype == torch.int64, tuple(F.one_hot(Yb).shape))

# exercise 2: cross entropy and batchnorm, forward and backward in one step
loss_fast = F.cross_entropy(logits, Yb)
print("loss_fast", f"{loss_fast.item():.6f}", "diff", f"{(loss_fast - loss).item():.3e}")
dlogits = F.softmax(logits, 1)
dlogits[range(n), Yb] -= 1
dlogits /= n
cmp("logits_fast", dlogits, logits)
print("dlogits_rowsum", f"{dlogits.sum(1).abs().max().item():.3e}")

hpreact_fast = bngain * (hprebn - hprebn.mean(0, keepdim=True)) / torch.sqrt(
    hprebn.var(0, keepdim=True, unbiased=True) + 1e-5) + bnbias
print("hpreact_fast max diff", f"{(hpreact_fast - hpreact).abs().max().item():.3e}")
dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
cmp("hprebn_fast", dhprebn, hprebn)
print("shapes", tuple(dhprebn.shape), tuple(hprebn.shape))

# exercise 4: train with the hand-written backward only
for p in parameters:
    p.grad = None
with torch.no_grad():
    for i in range(30):
        ix = torch.from_numpy(rng.integers(0, Xtr.shape[0], (batch_size,)))
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)
        hprebn = embcat @ W1 + b1
        bnmean = hprebn.mean(0, keepdim=True)
        bnvar = hprebn.var(0, keepdim=True, unbiased=True)
        bnvar_inv = (bnvar + 1e-5) ** -0.5
        bnraw = (hprebn - bnmean) * bnvar_inv
        hpreact = bngain * bnraw + bnbias
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Yb)

        dlogits = F.softmax(logits, 1)
        dlogits[range(n), Yb] -= 1
        dlogits /= n
        dh = dlogits @ W2.T
        dW2 = h.T @ dlogits
        db2 = dlogits.sum(0)
        dhpreact = (1.0 - h ** 2) * dh
        dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
        dbnbias = dhpreact.sum(0, keepdim=True)
        dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw *
                                            (dhpreact * bnraw).sum(0))
        dembcat = dhprebn @ W1.T
        dW1 = embcat.T @ dhprebn
        db1 = dhprebn.sum(0)
        demb = dembcat.view(emb.shape)
        dC = torch.zeros_like(C)
        dC.index_add_(0, Xb.view(-1), demb.view(-1, n_embd))
        grads = [dC, dW1, db1, dW2, db2, dbngain, dbnbias]
        lr = 0.1 if i < 20 else 0.05
        for p, grad in zip(parameters, grads):
            p.data += -lr * grad
        print(f"loss {i + 1} {loss.item():.6f}", "grad_norm", f"{torch.cat([g.view(-1) for g in grads]).norm():.5f}",
              "requires_grad", loss.requires_grad)

print("grads_none", all(p.grad is None for p in parameters), "leaf_requires_grad", all(p.requires_grad for p in
                                                                                          parameters))
# one step of autograd against the hand-written gradients of the trained weights
emb = C[Xb]
embcat = emb.view(emb.shape[0], -1)
hprebn = embcat @ W1 + b1
hpreact = bngain * (hprebn - hprebn.mean(0, keepdim=True)) / (hprebn.var(0, keepdim=True) + 1e-5).sqrt() + bnbias
loss = F.cross_entropy(torch.tanh(hpreact) @ W2 + b2, Yb)
loss.backward()
print(f"final_loss {loss.item():.6f}")
for name, p in zip(["C", "W1", "b1", "W2", "b2", "bngain", "bnbias"], parameters):
    print("final", name, f"{p.grad.norm().item():.5f}")
