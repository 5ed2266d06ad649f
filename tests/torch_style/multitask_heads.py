"""A multi-task model on synthetic "product reviews": numeric features plus a bag of words (an nn.EmbeddingBag
over flat ids and offsets, tf-idf per_sample_weights), a shared trunk of the less common activations (PReLU,
GLU, Mish, Hardswish, SELU) with BatchNorm1d, and one head per loss: F.multi_margin_loss on the class,
F.poisson_nll_loss on a count, F.gaussian_nll_loss on a noisy value with a predicted variance,
nn.MarginRankingLoss on pairs of scores, nn.TripletMarginLoss and nn.CosineEmbeddingLoss on the trunk's
embedding. NAdam under CyclicLR (triangular2, cycling beta1), a state_dict round trip through a temp file, and
evaluation in eval mode under no_grad.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
the data, the weights, the batches and the pairs, so both frameworks print the same numbers."""
import importlib
import os
import tempfile

import numpy as np

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
F = torch.nn.functional

rng = np.random.default_rng(11)
N, D, V, C = 256, 8, 50, 4  # samples, numeric features, vocabulary, classes

# ---- data: each class has its own words (ids 10c..10c+9) and shares the common ones (40..49)
labels = rng.integers(0, C, N)
centers = rng.standard_normal((C, D)) * 1.5
feats = (centers[labels] + rng.standard_normal((N, D))).astype(np.float32)
bags = []
for c in labels:
    n_own, n_common = rng.integers(1, 5), rng.integers(1, 4)
    bags.append(np.concatenate([rng.integers(10 * c, 10 * c + 10, n_own), rng.integers(40, 50, n_common)]))
doc_freq = np.bincount(np.concatenate([np.unique(b) for b in bags]), minlength=V)
idf = np.log((1 + N) / (1 + doc_freq)) + 1.0
counts = rng.poisson(np.exp(0.3 * feats[:, 0] - 0.2 * feats[:, 1]).clip(0, 20)).astype(np.float32)
noise_std = 0.2 + 0.5 * (labels == 3)  # one class is much noisier: the variance head should learn that
values = (feats[:, 2] - 0.5 * feats[:, 3] + noise_std * rng.standard_normal(N)).astype(np.float32)
print("data", feats.shape, int(counts.sum()), f"{values.mean():.5f}", np.bincount(labels).tolist(),
      sum(len(b) for b in bags))


def make_batch(idx):
    """Numpy indices -> tensors, with the bags flattened as EmbeddingBag wants them: ids, offsets, weights."""
    ids = np.concatenate([bags[i] for i in idx])
    lens = np.array([len(bags[i]) for i in idx])
    offsets = np.concatenate([[0], np.cumsum(lens)[:-1]])
    weights = np.concatenate([idf[bags[i]] / len(bags[i]) for i in idx]).astype(np.float32)  # tf-idf
    return dict(x=torch.from_numpy(feats[idx]), ids=torch.from_numpy(ids.astype(np.int64)),
                offsets=torch.from_numpy(offsets.astype(np.int64)), weights=torch.from_numpy(weights),
                y=torch.from_numpy(labels[idx].astype(np.int64)), count=torch.from_numpy(counts[idx]),
                value=torch.from_numpy(values[idx]))


class ReviewNet(nn.Module):
    def __init__(self, e=16, h=32):
        super().__init__()
        self.bag = nn.EmbeddingBag(V, e, mode="sum")
        self.num = nn.Sequential(nn.Linear(D, h, bias=False), nn.BatchNorm1d(h), nn.PReLU(h))  # BN cancels a bias
        self.trunk = nn.Sequential(
            nn.Linear(h + e, 2 * h), nn.GLU(dim=-1),  # gated: (b, 2h) -> (b, h)
            nn.Mish(),
            nn.Linear(h, h), nn.Hardswish(),
            nn.Linear(h, h), nn.SELU(),
        )
        self.cls = nn.Linear(h, C)
        self.rate = nn.Linear(h, 1)  # log Poisson rate
        self.gauss = nn.Linear(h, 2)  # mean and log variance
        self.score = nn.Linear(h, 1)
        self.act = nn.PReLU()  # one shared slope, on the score

    def forward(self, x, ids, offsets, weights):
        text = self.bag(ids, offsets, per_sample_weights=weights)  # (b, e)
        z = self.trunk(torch.cat([self.num(x), text], dim=1))  # (b, h)
        mean, log_var = self.gauss(z).unbind(dim=1)
        return dict(z=z, logits=self.cls(z), log_rate=self.rate(z).squeeze(1), mean=mean, var=log_var.exp(),
                    score=self.act(self.score(z)).squeeze(1))


def init_weights(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                scale = 0.5 if name.startswith("bag") else 1.0 / np.sqrt(p.shape[1])
                p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) * scale).astype(np.float32)))
            elif "num.1" in name:  # the BatchNorm's affine parameters
                p.fill_(1.0 if name.endswith("weight") else 0.0)
            elif "act" in name or "num.2" in name:  # PReLU slopes
                p.fill_(0.25)
            else:
                p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.05).astype(np.float32)))


def pairs_for(y):
    """Per anchor: a positive of the same class and a negative of another (numpy, so both runs pick the same)."""
    pos, neg = [], []
    for i, c in enumerate(y):
        same = [j for j in range(len(y)) if y[j] == c and j != i] or [i]
        other = [j for j in range(len(y)) if y[j] != c]
        pos.append(same[rng.integers(len(same))])
        neg.append(other[rng.integers(len(other))])
    return torch.tensor(pos), torch.tensor(neg)


triplet = nn.TripletMarginLoss(margin=1.0, p=2)
cosine = nn.CosineEmbeddingLoss(margin=0.2)
ranking = nn.MarginRankingLoss(margin=0.5)


def losses(model, b, pos, neg):
    out = model(b["x"], b["ids"], b["offsets"], b["weights"])
    z = out["z"]
    # the ranking head should order reviews by their value: target +1 where the first is the larger
    order = torch.sign(b["value"] - b["value"][pos])
    order = torch.where(order == 0, torch.ones_like(order), order)
    same = torch.where(b["y"] == b["y"][neg], torch.ones_like(b["value"]), -torch.ones_like(b["value"]))
    parts = dict(
        margin=F.multi_margin_loss(out["logits"], b["y"], margin=1.0),
        poisson=F.poisson_nll_loss(out["log_rate"], b["count"], log_input=True),
        gauss=F.gaussian_nll_loss(out["mean"], b["value"], out["var"]),
        rank=ranking(out["score"], out["score"][pos], order),
        triplet=triplet(z, z[pos], z[neg]),
        cosine=cosine(z, z[neg], same),
    )
    return sum(parts.values()), parts, out


model = ReviewNet()
init_weights(model)
print("params", sum(p.numel() for p in model.parameters()), [n for n, _ in model.named_parameters()][:4])

epochs, bs = 4, 32
optimizer = torch.optim.NAdam(model.parameters(), lr=2e-3, betas=(0.9, 0.999), weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.CyclicLR(optimizer, base_lr=1e-3, max_lr=1e-2, step_size_up=4,
                                              mode="triangular2", base_momentum=0.8, max_momentum=0.9)
perms = [rng.permutation(N) for _ in range(epochs)]
eval_batch = make_batch(np.arange(0, N, 4))
eval_pos, eval_neg = pairs_for(labels[np.arange(0, N, 4)])


def evaluate(model, tag):
    model.eval()
    with torch.no_grad():
        total, parts, out = losses(model, eval_batch, eval_pos, eval_neg)
        acc = (out["logits"].argmax(1) == eval_batch["y"]).float().mean().item()
        var_by_class = [out["var"][eval_batch["y"] == c].mean().item() for c in range(C)]
    print(f"eval {tag} {total.item():.6f} acc {acc:.4f}", " ".join(f"{k} {v.item():.6f}" for k, v in parts.items()))
    print(f"var_by_class {tag}", " ".join(f"{v:.5f}" for v in var_by_class), "training", model.training)
    model.train()


evaluate(model, "init")
for epoch in range(epochs):
    for step in range(N // bs):
        idx = perms[epoch][step * bs:(step + 1) * bs]
        b = make_batch(idx)
        pos, neg = pairs_for(labels[idx])
        total, parts, _ = losses(model, b, pos, neg)
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        scheduler.step()
        if step % 2 == 0:
            print(f"loss {epoch} {step} {total.item():.6f} lr {scheduler.get_last_lr()[0]:.6f} "
                  f"beta1 {optimizer.param_groups[0]['betas'][0]:.4f}",
                  " ".join(f"{k} {v.item():.6f}" for k, v in parts.items()))
    g = model.num[2].weight
    print(f"epoch {epoch} prelu {g.mean().item():.6f} act {model.act.weight.item():.6f} "
          f"bag_grad {model.bag.weight.grad.abs().sum().item():.6f} "
          f"bn_mean {model.num[1].running_mean.abs().sum().item():.6f}")
    evaluate(model, f"epoch{epoch}")

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "review_net.pt")
    torch.save(model.state_dict(), path)
    state = torch.load(path)
print("state_dict", len(state), "num.1.num_batches_tracked" in state, int(state["num.1.num_batches_tracked"]),
      tuple(state["bag.weight"].shape), tuple(state["act.weight"].shape))
restored = ReviewNet()
restored.load_state_dict(state)
evaluate(restored, "restored")
