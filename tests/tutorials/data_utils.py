"""torch.utils.data beyond the basics: TensorDataset, random_split with a seeded generator, Subset, ConcatDataset,
a map-style Dataset of variable-length sequences batched by a collate_fn that pads with pad_sequence, drop_last,
WeightedRandomSampler for class balancing, SubsetRandomSampler, BatchSampler, and an IterableDataset."""
import json

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler,
                              SequentialSampler, Subset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                              random_split)

torch.manual_seed(5)
result = {}
X = torch.arange(40, dtype=torch.float32).view(20, 2)
Y = torch.arange(20) % 3
ds = TensorDataset(X, Y)
train, val = random_split(ds, [15, 5], generator=torch.Generator().manual_seed(42))
result["split"] = [len(train), len(val), sorted(val.indices), [int(y) for _, y in val]]
parts = random_split(range(10), [0.5, 0.3, 0.2], generator=torch.Generator().manual_seed(1))
result["fractions"] = [list(p) for p in parts]

sub = Subset(ds, [0, 2, 4])
cat = ConcatDataset([sub, Subset(ds, [19])])
result["concat"] = [len(cat), cat[3][1].item(), cat[1][0].tolist(), cat.cumulative_sizes]

loader = DataLoader(train, batch_size=4, shuffle=True, drop_last=True)
result["shuffle"] = [[yb.tolist() for _, yb in loader], len(loader)]
loader = DataLoader(train, batch_size=4, shuffle=False, drop_last=False)
result["no_drop"] = [list(xb.shape) for xb, _ in loader]


class Sentences(Dataset):
    def __init__(self, n):
        g = torch.Generator().manual_seed(3)
        self.lengths = torch.randint(1, 7, (n,), generator=g).tolist()
        self.data = [torch.randint(1, 50, (l,), generator=g) for l in self.lengths]

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i], len(self.data[i]) % 2


def collate_batch(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = pad_sequence(seqs, batch_first=True, padding_value=0)
    return padded, lengths, torch.tensor(labels)


loader = DataLoader(Sentences(11), batch_size=3, shuffle=True, collate_fn=collate_batch, drop_last=True)
result["padded"] = [[p.tolist(), l.tolist(), y.tolist()] for p, l, y in loader]
padded_tm = pad_sequence([torch.ones(2, 3), torch.ones(4, 3) * 2])
result["time_major"] = [list(padded_tm.shape), padded_tm[:, 0, 0].tolist()]

class_counts = torch.bincount(Y)
weights = 1.0 / class_counts.float()
sample_weights = weights[Y]
sampler = WeightedRandomSampler(sample_weights, num_samples=12, replacement=True)
result["weighted"] = list(sampler)
loader = DataLoader(ds, batch_size=6, sampler=sampler)
result["weighted_loader"] = [yb.tolist() for _, yb in loader]
result["subset_random"] = list(SubsetRandomSampler([1, 3, 5, 7]))
result["batch_sampler"] = list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
result["random_sampler"] = list(RandomSampler(range(6), generator=torch.Generator().manual_seed(9)))
loader = DataLoader(ds, batch_sampler=BatchSampler(RandomSampler(ds), batch_size=5, drop_last=True))
result["batch_sampler_loader"] = [yb.tolist() for _, yb in loader]


class Stream(IterableDataset):
    def __iter__(self):
        for i in range(7):
            yield torch.tensor([i, i * i])


result["iterable"] = [b.tolist() for b in DataLoader(Stream(), batch_size=3)]
dict_loader = DataLoader([{"x": torch.ones(2) * i, "id": i} for i in range(4)], batch_size=2)
result["dicts"] = [[b["x"].tolist(), b["id"].tolist()] for b in dict_loader]
print("RESULT " + json.dumps(result))
