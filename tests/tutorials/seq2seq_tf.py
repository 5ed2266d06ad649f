"""The PyTorch nn.Transformer translation tutorial recipe: nn.Transformer with generate_square_subsequent_mask,
src/tgt key padding masks, a PositionalEncoding buffer with dropout, TokenEmbedding * sqrt(d), xavier_uniform_ on
every matrix, greedy decoding with the encoder memory, plus F.scaled_dot_product_attention with is_causal and
with a bool attn_mask compared to the explicit formula."""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(37)
SRC_V, TGT_V, PAD, BOS, EOS = 10, 12, 0, 1, 2
d = 16


class PositionalEncoding(nn.Module):
    def __init__(self, d, dropout, maxlen=20):
        super().__init__()
        den = torch.exp(-torch.arange(0, d, 2) * math.log(10000) / d)
        pos = torch.arange(0, maxlen).reshape(maxlen, 1)
        pe = torch.zeros((maxlen, d))
        pe[:, 0::2] = torch.sin(pos * den)
        pe[:, 1::2] = torch.cos(pos * den)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("pos_embedding", pe.unsqueeze(-2))

    def forward(self, tok):
        return self.dropout(tok + self.pos_embedding[:tok.size(0), :])


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.transformer = nn.Transformer(d_model=d, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                                          dim_feedforward=32, dropout=0.1)
        self.generator = nn.Linear(d, TGT_V)
        self.src_emb = nn.Embedding(SRC_V, d)
        self.tgt_emb = nn.Embedding(TGT_V, d)
        self.pe = PositionalEncoding(d, 0.1)

    def forward(self, src, tgt, src_mask, tgt_mask, src_pad, tgt_pad):
        s = self.pe(self.src_emb(src) * math.sqrt(d))
        t = self.pe(self.tgt_emb(tgt) * math.sqrt(d))
        out = self.transformer(s, t, src_mask, tgt_mask, None, src_pad, tgt_pad, src_pad)
        return self.generator(out)

    def encode(self, src, src_mask):
        return self.transformer.encoder(self.pe(self.src_emb(src) * math.sqrt(d)), src_mask)

    def decode(self, tgt, memory, tgt_mask):
        return self.transformer.decoder(self.pe(self.tgt_emb(tgt) * math.sqrt(d)), memory, tgt_mask)


def create_mask(src, tgt):
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[0])
    src_mask = torch.zeros((src.shape[0], src.shape[0])).type(torch.bool)
    return src_mask, tgt_mask, (src == PAD).transpose(0, 1), (tgt == PAD).transpose(0, 1)


model = Seq2Seq()
for p in model.parameters():
    if p.dim() > 1:
        nn.init.xavier_uniform_(p)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98), eps=1e-9)
loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)
src = torch.randint(3, SRC_V, (6, 4))       # (s, b): seq-first as in the tutorial
src[4:, 1] = PAD
tgt = torch.cat([torch.full((1, 4), BOS), torch.randint(3, TGT_V, (5, 4)), torch.full((1, 4), EOS)])
tgt[5:, 2] = PAD
losses = []
for step in range(5):
    model.train()
    tgt_in = tgt[:-1, :]
    masks = create_mask(src, tgt_in)
    logits = model(src, tgt_in, *masks)
    loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt[1:, :].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())

model.eval()
with torch.no_grad():
    s = src[:, :1]
    memory = model.encode(s, torch.zeros(6, 6).type(torch.bool))
    ys = torch.ones(1, 1).fill_(BOS).type(torch.long)
    for i in range(5):
        tmask = nn.Transformer.generate_square_subsequent_mask(ys.size(0)).type(torch.bool)
        out = model.decode(ys, memory, tmask).transpose(0, 1)
        nxt = model.generator(out[:, -1]).argmax(dim=1).item()
        ys = torch.cat([ys, torch.ones(1, 1).type_as(s.data).fill_(nxt)], dim=0)

q, k, v = torch.randn(3, 2, 2, 5, 4).unbind(0)
causal = F.scaled_dot_product_attention(q, k, v, is_causal=True)
bmask = torch.rand(5, 5) > 0.3
bmask.fill_diagonal_(True)
masked = F.scaled_dot_product_attention(q, k, v, attn_mask=bmask)
ref = torch.softmax((q @ k.transpose(-2, -1) / 2.0).masked_fill(~bmask, float("-inf")), -1) @ v
print("RESULT " + json.dumps({"losses": losses, "greedy": ys.flatten().tolist(), "causal": causal[0, 0, 1].tolist(),
                              "masked_ok": torch.allclose(masked, ref, atol=1e-6),
                              "mask": nn.Transformer.generate_square_subsequent_mask(3).tolist()}))
