"""Speech front-end code in plain torch: torch.stft with a Hann window (return_complex=True), power spectrogram
with .abs().pow(2), a mel filterbank built by hand with torch.linspace, log-mel, SpecAugment time/frequency masks,
torch.istft round trip, and a small Conv1d + GRU keyword classifier trained with CTC-free cross entropy."""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(53)
sr, n_fft, hop, n_mels = 800, 64, 16, 8
t = torch.arange(0, 0.2, 1 / sr)
wave = torch.stack([torch.sin(2 * math.pi * f * t) for f in (60.0, 150.0, 240.0, 90.0)]) + 0.05 * torch.randn(4, len(t))
window = torch.hann_window(n_fft)
spec = torch.stft(wave, n_fft, hop_length=hop, window=window, return_complex=True)
power = spec.abs().pow(2)                                   # (b, freq, frames)


def hz_to_mel(f):
    return 2595.0 * torch.log10(1.0 + f / 700.0)


def mel_to_hz(m):
    return 700.0 * (10 ** (m / 2595.0) - 1.0)


freqs = torch.linspace(0, sr / 2, n_fft // 2 + 1)
mpts = mel_to_hz(torch.linspace(hz_to_mel(torch.tensor(0.0)), hz_to_mel(torch.tensor(sr / 2)), n_mels + 2))
down = (freqs[None, :] - mpts[:-2, None]) / (mpts[1:-1, None] - mpts[:-2, None])
up = (mpts[2:, None] - freqs[None, :]) / (mpts[2:, None] - mpts[1:-1, None])
fb = torch.clamp(torch.min(down, up), min=0.0)             # (mels, freq)
logmel = torch.log(torch.matmul(fb, power) + 1e-6)         # (b, mels, frames)
aug = logmel.clone()
aug[:, 2:4, :] = 0.0
aug[:, :, 3:5] = aug.mean()
back = torch.istft(spec, n_fft, hop_length=hop, window=window, length=wave.shape[-1])


class KWS(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(n_mels, 12, 3, padding=1)
        self.bn = nn.BatchNorm1d(12)
        self.gru = nn.GRU(12, 12, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(24, 4)

    def forward(self, x):
        h = F.relu(self.bn(self.conv(x))).transpose(1, 2)
        o, _ = self.gru(h)
        return self.fc(o.mean(1))


model = KWS()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
y = torch.tensor([0, 1, 2, 3])
losses = []
for step in range(4):
    loss = F.cross_entropy(model(aug), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
print("RESULT " + json.dumps({"spec": list(spec.shape), "peak": power.mean(-1).argmax(-1).tolist(),
                              "logmel": logmel[0, :, 2].tolist(), "istft_err": (back - wave).abs().max().item() < 1e-4,
                              "fb": fb.sum(1).tolist(), "losses": losses}))
