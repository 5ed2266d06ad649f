"""Transformer encoder text classifier: embedding with padding_idx, sinusoidal positions, src_key_padding_mask,
masked mean pooling; then a bare MultiheadAttention with a causal mask and a key padding mask."""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)
V, D, L, B = 50, 32, 12, 16     # vocabulary, model width, sequence length, batch


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=64):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):                      # x: (t, b, d)
        return self.dropout(x + self.pe[:x.size(0)])


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, D, padding_idx=0)
        self.pos = PositionalEncoding(D)
        layer = nn.TransformerEncoderLayer(d_model=D, nhead=4, dim_feedforward=64, dropout=0.1)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.fc = nn.Linear(D, 2)

    def forward(self, src, pad_mask):          # src: (t, b); pad_mask: (b, t), True where padded
        x = self.encoder(self.pos(self.emb(src) * math.sqrt(D)), src_key_padding_mask=pad_mask)
        keep = (~pad_mask).T.unsqueeze(-1).float()
        return self.fc((x * keep).sum(0) / keep.sum(0))


model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
lengths = torch.randint(4, L + 1, (B,))
pad = torch.arange(L).unsqueeze(1) >= lengths.unsqueeze(0)     # (t, b)
src = torch.randint(1, V, (L, B)).masked_fill(pad, 0)
y = (src[0] > V // 2).long()
losses = []
for step in range(12):
    loss = F.cross_entropy(model(src, pad.T), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
model.eval()
with torch.no_grad():
    eval_loss = F.cross_entropy(model(src, pad.T), y).item()

mha = nn.MultiheadAttention(D, 4, batch_first=True)
q = torch.randn(B, L, D)
causal = nn.Transformer.generate_square_subsequent_mask(L)
out, weights = mha(q, q, q, attn_mask=causal, key_padding_mask=pad.T, need_weights=True)
print("RESULT", json.dumps({
    "losses": losses[::3], "eval_loss": eval_loss, "mha_shapes": [list(out.shape), list(weights.shape)],
    "mha_out": out[1, :3, :4].tolist(), "mha_weights": weights[1, 2, :4].tolist(),
    "causal_is_triu": torch.equal(causal, torch.triu(torch.full((L, L), float("-inf")), diagonal=1)),
}))
