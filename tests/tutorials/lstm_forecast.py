"""An LSTM time-series forecaster on noisy sine waves: an encoder nn.LSTM reads a window, an nn.LSTMCell decoder
is trained with teacher forcing (the true previous value fed back, chosen per step with a seeded coin), then
rolls out autoregressively on its own predictions; inputs are standardised with mean/std from the train set."""
import json
import math
import random

import torch
import torch.nn as nn

torch.manual_seed(9)
random.seed(9)
t = torch.arange(0, 120, dtype=torch.float32)
series = torch.stack([torch.sin(0.2 * t + ph) + 0.05 * torch.randn(len(t)) for ph in (0.0, 1.0, 2.0, 3.0)])
mean, std = series[:, :80].mean(), series[:, :80].std()
series = (series - mean) / std
window, horizon = 16, 6
starts = list(range(0, 80 - window - horizon, 7))
enc_in = torch.stack([series[:, s:s + window] for s in starts]).reshape(-1, window, 1)             # (b, t, 1)
dec_tgt = torch.stack([series[:, s + window:s + window + horizon] for s in starts]).reshape(-1, horizon, 1)


class Seq2SeqForecaster(nn.Module):
    def __init__(self, hidden=20):
        super().__init__()
        self.encoder = nn.LSTM(1, hidden, batch_first=True, num_layers=1)
        self.cell = nn.LSTMCell(1, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x, target=None, teacher_forcing=0.5):
        _, (h, c) = self.encoder(x)
        h, c = h[-1], c[-1]
        prev = x[:, -1]
        preds = []
        for k in range(horizon):
            h, c = self.cell(prev, (h, c))
            y = self.out(h)
            preds.append(y)
            use_truth = target is not None and random.random() < teacher_forcing
            prev = target[:, k] if use_truth else y
        return torch.stack(preds, dim=1)


model = Seq2SeqForecaster()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=15)
losses = []
for epoch in range(15):
    pred = model(enc_in, dec_tgt, teacher_forcing=0.5 * (1 - epoch / 15))
    loss = nn.functional.mse_loss(pred, dec_tgt)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    losses.append(loss.item())
model.eval()
with torch.no_grad():
    test_in = series[:, 90:90 + window].unsqueeze(-1)
    fc = model(test_in) * std + mean
    truth = series[:, 90 + window:90 + window + horizon] * std + mean
    mae = (fc.squeeze(-1) - truth).abs().mean().item()
print("RESULT " + json.dumps({"losses": losses, "forecast": fc.squeeze(-1)[0].tolist(), "mae": mae,
                              "shapes": [list(enc_in.shape), list(dec_tgt.shape)], "lr": sched.get_last_lr()}))
