"""An encoder-decoder copy-reverse task with nn.TransformerEncoder + nn.TransformerDecoder (norm_first, GELU),
padded batches with src/tgt key-padding masks, nn.Transformer.generate_square_subsequent_mask, teacher-forced
training, then KV-cache-free greedy decoding that re-runs the decoder on the whole prefix at each step."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, BOS, EOS, V = 0, 1, 2, 10
torch.manual_seed(31)


def make_batch(b):
    lens = torch.randint(3, 7, (b,))
    src = torch.full((b, 6), PAD)
    tgt = torch.full((b, 8), PAD)
    for i, n in enumerate(lens.tolist()):
        seq = torch.randint(3, V, (n,))
        src[i, :n] = seq
        tgt[i, 0], tgt[i, 1:n + 1], tgt[i, n + 1] = BOS, seq.flip(0), EOS
    return src, tgt


class Seq2Seq(nn.Module):
    def __init__(self, d=32, nhead=4):
        super().__init__()
        self.emb = nn.Embedding(V, d, padding_idx=PAD)
        self.pos = nn.Parameter(torch.randn(1, 16, d) * 0.02)
        enc = nn.TransformerEncoderLayer(d, nhead, 64, dropout=0.0, activation="gelu", batch_first=True,
                                         norm_first=True)
        dec = nn.TransformerDecoderLayer(d, nhead, 64, dropout=0.0, activation="gelu", batch_first=True,
                                         norm_first=True)
        self.encoder = nn.TransformerEncoder(enc, 2, norm=nn.LayerNorm(d), enable_nested_tensor=False)
        self.decoder = nn.TransformerDecoder(dec, 2, norm=nn.LayerNorm(d))
        self.out = nn.Linear(d, V)

    def encode(self, src):
        pad = src == PAD
        return self.encoder(self.emb(src) + self.pos[:, :src.size(1)], src_key_padding_mask=pad), pad

    def decode(self, tgt, memory, src_pad):
        t = tgt.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(t)
        h = self.decoder(self.emb(tgt) + self.pos[:, :t], memory, tgt_mask=mask, tgt_key_padding_mask=tgt == PAD,
                         memory_key_padding_mask=src_pad, tgt_is_causal=True)
        return self.out(h)


model = Seq2Seq()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
losses = []
for step in range(12):
    src, tgt = make_batch(16)
    memory, src_pad = model.encode(src)
    logits = model.decode(tgt[:, :-1], memory, src_pad)
    loss = F.cross_entropy(logits.reshape(-1, V), tgt[:, 1:].reshape(-1), ignore_index=PAD)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())

model.eval()
src, _ = make_batch(3)
with torch.no_grad():
    memory, src_pad = model.encode(src)
    ys = torch.full((3, 1), BOS)
    done = torch.zeros(3, dtype=torch.bool)
    for _ in range(7):
        next_tok = model.decode(ys, memory, src_pad)[:, -1].argmax(-1)
        next_tok = next_tok.masked_fill(done, PAD)
        ys = torch.cat([ys, next_tok[:, None]], dim=1)
        done |= next_tok == EOS
        if done.all():
            break
mask = nn.Transformer.generate_square_subsequent_mask(4)
print("RESULT " + json.dumps({"losses": losses, "src": src.tolist(), "greedy": ys.tolist(),
                              "mask": [[v if v == 0 else "-inf" for v in row] for row in mask.tolist()],
                              "n_params": sum(p.numel() for p in model.parameters())}))
