"""Data-loading idioms: a map-style Dataset returning dicts, random_split with a seeded generator, Subset and
ConcatDataset, WeightedRandomSampler for class imbalance, a collate_fn padding variable-length sequences with
pad_sequence, default_collate of nested dicts/tuples, an IterableDataset, and nn.EmbeddingBag(mode='mean') with
offsets and per_sample_weights (mode='sum') as the bag-of-words model."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import (ConcatDataset, DataLoader, Dataset, IterableDataset, Subset, TensorDataset,
                              WeightedRandomSampler, random_split)
from torch.utils.data.dataloader import default_collate

torch.manual_seed(47)


class TextDataset(Dataset):
    def __init__(self, n):
        self.lens = torch.randint(2, 6, (n,))
        self.toks = [torch.randint(1, 15, (int(k),)) for k in self.lens]
        self.labels = (torch.rand(n) < 0.25).long()

    def __len__(self):
        return len(self.toks)

    def __getitem__(self, i):
        return {"ids": self.toks[i], "label": self.labels[i]}


def collate(batch):
    ids = [b["ids"] for b in batch]
    lengths = torch.tensor([len(x) for x in ids])
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])
    return {"padded": pad_sequence(ids, batch_first=True, padding_value=0), "flat": torch.cat(ids),
            "offsets": offsets, "label": torch.stack([b["label"] for b in batch])}


ds = TextDataset(24)
train, val = random_split(ds, [18, 6], generator=torch.Generator().manual_seed(1))
counts = torch.bincount(torch.stack([train[i]["label"] for i in range(len(train))]), minlength=2)
weights = (1.0 / counts.float())[torch.stack([train[i]["label"] for i in range(len(train))])]
sampler = WeightedRandomSampler(weights, num_samples=12, replacement=True)
loader = DataLoader(train, batch_size=4, sampler=sampler, collate_fn=collate)
bag = nn.EmbeddingBag(15, 8, mode="mean")
head = nn.Linear(8, 2)
opt = torch.optim.SGD(list(bag.parameters()) + list(head.parameters()), lr=0.5, momentum=0.9)
losses, seen = [], []
for epoch in range(2):
    for batch in loader:
        logits = head(bag(batch["flat"], batch["offsets"]))
        loss = F.cross_entropy(logits, batch["label"])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        seen.append(batch["label"].tolist())
first = next(iter(DataLoader(val, batch_size=3, collate_fn=collate)))
sum_bag = nn.EmbeddingBag(15, 4, mode="sum")
psw = torch.rand(first["flat"].shape[0])
summed = sum_bag(first["flat"], first["offsets"], per_sample_weights=psw)
nested = default_collate([{"a": torch.tensor([1.0, 2.0]), "b": (1, "x")}, {"a": torch.tensor([3.0, 4.0]),
                                                                          "b": (2, "y")}])


class Counter(IterableDataset):
    def __iter__(self):
        return iter(range(7))


its = [b.tolist() for b in DataLoader(Counter(), batch_size=3)]
cat = ConcatDataset([Subset(TensorDataset(torch.arange(10.0)), [1, 3, 5]), TensorDataset(torch.arange(3.0))])
shuf = [b[0].tolist() for b in DataLoader(cat, batch_size=2, shuffle=True)]
print("RESULT " + json.dumps({"split": [list(train.indices), list(val.indices)], "counts": counts.tolist(),
                              "losses": losses, "seen": seen, "padded": list(first["padded"].shape),
                              "summed": summed.tolist(), "nested": [nested["a"].tolist(), nested["b"][0].tolist(),
                                                                    list(nested["b"][1])],
                              "iter": its, "shuf": shuf, "len": len(cat)}))
