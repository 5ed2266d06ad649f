"""Explicit torch.Generator objects, as reproducible pipelines pass them around: randn/rand/randint/randperm/
normal_/bernoulli/multinomial with generator=, DataLoader(shuffle=True, generator=g) and random_split with its
own generator, get_state/set_state replay, and the global stream left untouched by seeded generators."""
import json

import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset, random_split

torch.manual_seed(0)
g = torch.Generator().manual_seed(1234)
result = {"initial_seed": g.initial_seed()}
state = g.get_state()
a = torch.randn(3, generator=g)
b = torch.rand(2, 2, generator=g)
c = torch.randint(0, 100, (5,), generator=g)
d = torch.randperm(8, generator=g)
e = torch.empty(4).normal_(mean=1.0, std=0.5, generator=g)
f = torch.bernoulli(torch.full((6,), 0.3), generator=g)
h = torch.multinomial(torch.tensor([0.1, 0.2, 0.7]), 4, replacement=True, generator=g)
u = torch.empty(3).uniform_(-1, 1, generator=g)
g.set_state(state)
a2 = torch.randn(3, generator=g)
result["draws"] = [a.tolist(), b.tolist(), c.tolist(), d.tolist(), e.tolist(), f.tolist(), h.tolist(), u.tolist(),
                   torch.equal(a, a2)]
# the global stream is untouched by draws from g
result["global"] = torch.randn(2).tolist()

ds = TensorDataset(torch.arange(20.0).unsqueeze(1), torch.arange(20))
train, val = random_split(ds, [0.75, 0.25], generator=torch.Generator().manual_seed(42))
result["split"] = [len(train), len(val), sorted(val.indices)]
loader = DataLoader(train, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(7))
epochs = [[yb.tolist() for _, yb in loader] for _ in range(2)]
loader2 = DataLoader(train, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(7))
result["loader"] = [epochs, [yb.tolist() for _, yb in loader2] == epochs[0]]
sampler = RandomSampler(range(10), num_samples=6, replacement=True, generator=torch.Generator().manual_seed(3))
result["sampler"] = list(sampler)
g2 = torch.Generator()
g2.manual_seed(99)
w = torch.nn.init.normal_(torch.empty(2, 3), std=0.02, generator=g2)
k = torch.nn.init.kaiming_uniform_(torch.empty(2, 3), a=5 ** 0.5, generator=g2)
result["seed"] = [g2.initial_seed(), w.tolist(), k.tolist(), torch.randn(2, generator=torch.Generator().manual_seed(99)).tolist()]
result["after"] = torch.rand(2).tolist()
print("RESULT " + json.dumps(result))
