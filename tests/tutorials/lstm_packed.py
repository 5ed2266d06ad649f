"""LSTM regression on variable-length sequences: pad_sequence, pack_padded_sequence(enforce_sorted=False),
pad_packed_sequence, RMSprop with CosineAnnealingLR; then LSTMCell stepping and a bidirectional LSTM."""
import json

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(10)


class LSTMRegressor(nn.Module):
    def __init__(self, input_size=1, hidden=16, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, (h, c) = self.lstm(packed)
        out, out_lengths = pad_packed_sequence(out, batch_first=True)
        return self.head(h[-1]).squeeze(-1), out, out_lengths


# predict the next value of a sine wave from a prefix of random length
seqs, targets = [], []
for i in range(16):
    n = int(torch.randint(5, 15, (1,)))
    t = torch.linspace(0, 1, n) * 6 + torch.rand(1) * 3
    seqs.append(torch.sin(t).unsqueeze(-1))
    targets.append(torch.sin(t[-1] + 0.3))
lengths = torch.tensor([len(s) for s in seqs])
x = pad_sequence(seqs, batch_first=True)
y = torch.stack(targets)

model = LSTMRegressor()
opt = torch.optim.RMSprop(model.parameters(), lr=5e-3)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=12, eta_min=1e-4)
losses = []
for epoch in range(12):
    pred, out, out_lengths = model(x, lengths)
    loss = nn.MSELoss()(pred, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    losses.append(loss.item())

cell = nn.LSTMCell(1, 8)
hx, cx = torch.zeros(3, 8), torch.zeros(3, 8)
outputs = []
for t in range(5):
    hx, cx = cell(torch.randn(3, 1), (hx, cx))
    outputs.append(hx)
bi = nn.LSTM(3, 5, bidirectional=True)
o, (hn, cn) = bi(torch.randn(6, 2, 3))
print("RESULT", json.dumps({
    "losses": losses[::3], "lr": sched.get_last_lr()[0], "padded_shape": list(out.shape),
    "out_lengths": out_lengths.tolist(), "cell": [list(torch.stack(outputs, dim=1).shape), hx.sum().item()],
    "bidirectional": [list(o.shape), list(hn.shape), o.sum().item()],
}))
