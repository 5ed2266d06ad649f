"""Graph code written against plain torch the way PyG-style repos do when they avoid torch_scatter: scatter_reduce
with 'mean' / 'amax' / 'sum' (include_self=False), torch.unique with return_inverse/return_counts to relabel a
subgraph, a dense adjacency by index_put_(accumulate=True), searchsorted/bucketize for CSR row
pointers, and a GAT layer with a per-destination softmax built from scatter_reduce amax."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(23)
n = 7
src = torch.tensor([0, 1, 2, 3, 4, 5, 6, 0, 2, 4, 1, 3])
dst = torch.tensor([1, 2, 3, 4, 5, 6, 0, 3, 5, 1, 0, 6])
x = torch.randn(n, 4)
res = {}

agg = {}
for red in ("sum", "mean", "amax", "amin"):
    out = torch.zeros(n, 4).scatter_reduce(0, dst[:, None].expand(-1, 4), x[src], reduce=red, include_self=False)
    agg[red] = out[:2].tolist()
res["agg"] = agg

# relabel a sampled subgraph
nodes = torch.tensor([5, 2, 5, 6, 2, 0])
uniq, inv, counts = torch.unique(nodes, return_inverse=True, return_counts=True)
res["unique"] = [uniq.tolist(), inv.tolist(), counts.tolist()]
res["unique_sorted"] = torch.unique(nodes, sorted=True).tolist()

# dense adjacency from an edge list (index_put_ with accumulate, the sparse-free spelling)
A = torch.zeros(n, n).index_put_((dst, src), torch.ones(src.numel()), accumulate=True)
res["adj_mm"] = (A @ x)[:2].tolist()
res["dense"] = A.sum(1).tolist()

# CSR row pointers
order = torch.argsort(dst, stable=True)
dst_sorted = dst[order]
rowptr = torch.searchsorted(dst_sorted, torch.arange(n + 1))
res["rowptr"] = rowptr.tolist()
res["bucket"] = torch.bucketize(torch.tensor([0.1, 2.5, 6.0]), torch.tensor([1.0, 2.0, 3.0, 6.0])).tolist()


class GATLayer(nn.Module):
    def __init__(self, cin, cout, heads=2):
        super().__init__()
        self.lin = nn.Linear(cin, heads * cout, bias=False)
        self.att_src = nn.Parameter(torch.empty(1, heads, cout))
        self.att_dst = nn.Parameter(torch.empty(1, heads, cout))
        nn.init.xavier_uniform_(self.att_src)
        nn.init.xavier_uniform_(self.att_dst)
        self.h, self.c = heads, cout

    def forward(self, x, src, dst):
        h = self.lin(x).view(-1, self.h, self.c)
        a = (h * self.att_src).sum(-1)[src] + (h * self.att_dst).sum(-1)[dst]     # (e, heads)
        a = F.leaky_relu(a, 0.2)
        amax = torch.full((x.size(0), self.h), float("-inf")).scatter_reduce(
            0, dst[:, None].expand_as(a), a, reduce="amax", include_self=True)
        e = (a - amax[dst]).exp()
        denom = torch.zeros(x.size(0), self.h).index_add_(0, dst, e)
        alpha = e / denom[dst]
        out = torch.zeros_like(h).index_add_(0, dst, h[src] * alpha.unsqueeze(-1))
        return out.mean(1), alpha


gat = GATLayer(4, 3)
opt = torch.optim.Adam(gat.parameters(), lr=0.05)
y = torch.randint(0, 3, (n,))
losses = []
for step in range(5):
    out, alpha = gat(x, src, dst)
    loss = F.cross_entropy(out, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
res["gat"] = [losses, alpha[:3].tolist()]
print("RESULT " + json.dumps(res))
