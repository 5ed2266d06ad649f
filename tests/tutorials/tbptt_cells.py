"""Truncated backprop through time with hand-written cell loops: nn.RNNCell, nn.GRUCell and nn.LSTMCell stepped
over a long sequence in chunks, the hidden state detached between chunks (h = h.detach()), gradient clipping,
and a stateful nn.GRU with its hidden carried and detached across batches; an nn.Embedding front end with
padding_idx and max_norm (renormalising rows in place)."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(8)
V, E, Hd, B = 11, 6, 10, 3
seq = torch.randint(1, V, (B, 24))
seq[2, -4:] = 0                                        # padding at the end of one row


class CellLM(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.emb = nn.Embedding(V, E, padding_idx=0, max_norm=1.0)
        self.cell = cell
        self.head = nn.Linear(Hd, V)

    def forward(self, chunk, state):
        logits = []
        for t in range(chunk.size(1)):
            state = self.cell(self.emb(chunk[:, t]), state)
            h = state[0] if isinstance(state, tuple) else state
            logits.append(self.head(h))
        return torch.stack(logits, 1), state


out = {}
for name, cell in [("rnn", nn.RNNCell(E, Hd, nonlinearity="tanh")), ("gru", nn.GRUCell(E, Hd)),
                   ("lstm", nn.LSTMCell(E, Hd))]:
    torch.manual_seed(9)
    model = CellLM(cell)
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    state = (torch.zeros(B, Hd), torch.zeros(B, Hd)) if name == "lstm" else torch.zeros(B, Hd)
    losses, norms = [], []
    for i in range(0, 23, 6):
        x, y = seq[:, i:i + 6], seq[:, i + 1:i + 7]
        x = x[:, :y.size(1)]
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        logits, state = model(x, state)
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1), ignore_index=0)
        opt.zero_grad()
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
        opt.step()
        losses.append(loss.item())
    out[name] = {"losses": losses, "norms": norms,
                 "pad_row": model.emb.weight[0].abs().sum().item(),
                 "max_row_norm": round(model.emb.weight.norm(dim=1).max().item(), 4),
                 "state_leaf": (state[0] if isinstance(state, tuple) else state).requires_grad}

# stateful nn.GRU over consecutive batches
torch.manual_seed(10)
gru = nn.GRU(E, Hd, num_layers=2, batch_first=True)
emb = nn.Embedding(V, E, padding_idx=0)
head = nn.Linear(Hd, V)
params = [*gru.parameters(), *emb.parameters(), *head.parameters()]
opt = torch.optim.Adam(params, lr=1e-2)
h = None
losses = []
for i in range(0, 18, 6):
    x, y = seq[:, i:i + 6], seq[:, i + 1:i + 7]
    if h is not None:
        h = h.detach()
    o, h = gru(emb(x), h)
    loss = F.cross_entropy(head(o).reshape(-1, V), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
out["gru_stateful"] = [losses, list(h.shape), emb.weight.grad[0].abs().sum().item()]
print("RESULT " + json.dumps(out))
