"""DataLoader in the ways research code drives it: a map-style Dataset returning (tokens, label) of varying
length, a custom collate_fn that pads and builds a mask, shuffle with a seeded torch.Generator (two loaders with
the same seed give the same batches), drop_last, a WeightedRandomSampler for class balancing, a BatchSampler,
and random_split with a generator."""
import json

import torch
from torch.utils.data import (BatchSampler, DataLoader, Dataset, SequentialSampler, WeightedRandomSampler,
                              random_split)


class Seqs(Dataset):
    def __init__(self, n):
        g = torch.Generator().manual_seed(5)
        self.lengths = torch.randint(2, 7, (n,), generator=g).tolist()
        self.data = [torch.randint(1, 20, (l,), generator=g) for l in self.lengths]
        self.labels = [int(i % 5 == 0) for i in range(n)]          # imbalanced: 1 in 5 is positive

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i], self.labels[i]


def pad_collate(batch):
    seqs, labels = zip(*batch)
    T = max(len(s) for s in seqs)
    x = torch.zeros(len(seqs), T, dtype=torch.long)
    for i, s in enumerate(seqs):
        x[i, :len(s)] = s
    return x, x != 0, torch.tensor(labels)


ds = Seqs(23)
out = {}
loader = DataLoader(ds, batch_size=4, shuffle=True, drop_last=True, collate_fn=pad_collate,
                    generator=torch.Generator().manual_seed(42))
batches = [(x.shape[1], m.sum().item(), y.tolist()) for x, m, y in loader]
out["shuffled"] = [len(loader), batches]
again = DataLoader(ds, batch_size=4, shuffle=True, drop_last=True, collate_fn=pad_collate,
                   generator=torch.Generator().manual_seed(42))
out["repeatable"] = [y.tolist() for _, _, y in again] == [b[2] for b in batches]
two_epochs = [[y.tolist() for _, _, y in loader] for _ in range(2)]
out["epochs_differ"] = two_epochs[0] != two_epochs[1]

labels = torch.tensor(ds.labels)
class_count = torch.bincount(labels)
weights = (1.0 / class_count.float())[labels]
sampler = WeightedRandomSampler(weights, num_samples=40, replacement=True,
                                generator=torch.Generator().manual_seed(3))
idx = list(sampler)
out["weighted"] = [class_count.tolist(), idx, sum(ds.labels[i] for i in idx)]
wl = DataLoader(ds, batch_size=8, sampler=sampler, collate_fn=pad_collate)
out["weighted_batches"] = [list(x.shape) for x, _, _ in wl]

bs = BatchSampler(SequentialSampler(ds), batch_size=5, drop_last=False)
out["batch_sampler"] = [len(bs), list(bs)[-1]]
bl = DataLoader(ds, batch_sampler=bs, collate_fn=pad_collate)
out["bs_loader"] = [list(x.shape) for x, _, _ in bl]

train, val = random_split(ds, [18, 5], generator=torch.Generator().manual_seed(1))
out["split"] = [len(train), len(val), sorted(val.indices)]
vl = DataLoader(val, batch_size=2, collate_fn=pad_collate)
out["val_last"] = [list(t.shape) for t in list(vl)[-1]]

# default collate on fixed-size items: tensors stacked, ints to a LongTensor
fixed = DataLoader([(torch.ones(3) * i, i) for i in range(6)], batch_size=4)
fb = next(iter(fixed))
out["default_collate"] = [list(fb[0].shape), fb[1].tolist(), fb[1].dtype == torch.int64]
print("RESULT " + json.dumps(out))
