"""A tiny graph neural network with no torch_scatter: a LongTensor edge_index, mean aggregation by index_add_ and
scatter_add_, degrees by torch.bincount, GCN symmetric normalisation with rsqrt, a GIN-style sum layer, global mean
pool over a batch vector, and node + graph classification losses."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(11)
# two graphs: a 4-cycle (nodes 0-3) and a triangle with a tail (nodes 4-7)
edges = [(0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 4), (6, 7)]
edge_index = torch.tensor(edges, dtype=torch.long).t()
edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)          # undirected
batch = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
num_nodes = 8
x = torch.randn(num_nodes, 5)
y_node = torch.tensor([0, 1, 0, 1, 2, 2, 1, 0])
y_graph = torch.tensor([0, 1])


class MeanConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.lin_self = nn.Linear(cin, cout)
        self.lin_nb = nn.Linear(cin, cout, bias=False)

    def forward(self, x, edge_index):
        src, dst = edge_index
        agg = torch.zeros(x.size(0), x.size(1)).index_add_(0, dst, x[src])
        deg = torch.bincount(dst, minlength=x.size(0)).clamp(min=1).unsqueeze(-1).to(x.dtype)
        return self.lin_self(x) + self.lin_nb(agg / deg)


class GCNConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.lin = nn.Linear(cin, cout)

    def forward(self, x, edge_index):
        loops = torch.arange(x.size(0)).unsqueeze(0).repeat(2, 1)
        src, dst = torch.cat([edge_index, loops], dim=1)
        deg = torch.zeros(x.size(0)).scatter_add_(0, dst, torch.ones(dst.numel()))
        norm = deg.rsqrt()[src] * deg.rsqrt()[dst]
        h = self.lin(x)
        out = torch.zeros_like(h)
        out.scatter_add_(0, dst.unsqueeze(-1).expand(-1, h.size(1)), h[src] * norm.view(-1, 1))
        return out


class GIN(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.eps = nn.Parameter(torch.zeros(1))
        self.mlp = nn.Sequential(nn.Linear(cin, cout), nn.BatchNorm1d(cout), nn.ReLU(), nn.Linear(cout, cout))

    def forward(self, x, edge_index):
        src, dst = edge_index
        agg = torch.zeros_like(x).index_add(0, dst, x[src])
        return self.mlp((1 + self.eps) * x + agg)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = MeanConv(5, 16)
        self.c2 = GCNConv(16, 16)
        self.c3 = GIN(16, 16)
        self.node_head = nn.Linear(16, 3)
        self.graph_head = nn.Linear(16, 2)

    def forward(self, x, edge_index, batch):
        h = F.relu(self.c1(x, edge_index))
        h = F.dropout(h, p=0.2, training=self.training)
        h = F.elu(self.c2(h, edge_index))
        h = self.c3(h, edge_index)
        n_graphs = int(batch.max()) + 1
        pooled = torch.zeros(n_graphs, h.size(1)).index_add_(0, batch, h)
        pooled = pooled / torch.bincount(batch).unsqueeze(1)
        return self.node_head(h), self.graph_head(pooled)


model = Net()
opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
losses = []
for epoch in range(8):
    model.train()
    node_out, graph_out = model(x, edge_index, batch)
    loss = F.cross_entropy(node_out, y_node) + F.nll_loss(F.log_softmax(graph_out, dim=1), y_graph)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
model.eval()
with torch.no_grad():
    node_out, graph_out = model(x, edge_index, batch)
deg = torch.bincount(edge_index[1])
print("RESULT " + json.dumps({"losses": losses, "pred": node_out.argmax(1).tolist(),
                              "graph": graph_out.tolist(), "deg": deg.tolist(), "eps": model.c3.eps.item(),
                              "edge_shape": list(edge_index.shape), "is_long": edge_index.dtype == torch.long}))
