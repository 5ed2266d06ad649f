"""BERT-style masked language modelling: torch.bernoulli masking with the 80/10/10 rule, labels -100 on unmasked
tokens and F.cross_entropy(ignore_index=-100), a padding mask used three ways (bool key_padding_mask in
nn.MultiheadAttention, a float additive mask filled with torch.finfo(dtype).min, and masked_fill in hand-written
attention), gradient clipping by value and norm, and a pooled [CLS] classifier."""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(12)
V, PAD, CLS, MASK = 20, 0, 1, 2
b, t, d = 4, 7, 16
lengths = torch.tensor([7, 5, 6, 3])
ids = torch.randint(3, V, (b, t))
ids[:, 0] = CLS
pad_mask = torch.arange(t)[None, :] >= lengths[:, None]        # True where padding
ids = ids.masked_fill(pad_mask, PAD)


def mask_tokens(inputs, p=0.3):
    labels = inputs.clone()
    prob = torch.full(labels.shape, p)
    special = (inputs == PAD) | (inputs == CLS)
    prob.masked_fill_(special, value=0.0)
    masked = torch.bernoulli(prob).bool()
    labels[~masked] = -100
    replace = torch.bernoulli(torch.full(labels.shape, 0.8)).bool() & masked
    inputs = inputs.clone()
    inputs[replace] = MASK
    rand = torch.bernoulli(torch.full(labels.shape, 0.5)).bool() & masked & ~replace
    inputs[rand] = torch.randint(V, labels.shape, dtype=torch.long)[rand]
    return inputs, labels


class SelfAttention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.h = h

    def forward(self, x, pad_mask):
        bb, tt, dd = x.shape
        q, k, v = self.qkv(x).split(dd, dim=2)
        q, k, v = (z.view(bb, tt, self.h, dd // self.h).transpose(1, 2) for z in (q, k, v))
        att = q @ k.transpose(-2, -1) / math.sqrt(dd // self.h)
        att = att.masked_fill(pad_mask[:, None, None, :], torch.finfo(att.dtype).min)
        att = F.softmax(att, dim=-1)
        return self.proj((att @ v).transpose(1, 2).reshape(bb, tt, dd))


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(d, 2, dropout=0.0, batch_first=True)
        self.att2 = SelfAttention(d, 4)
        self.ln1, self.ln2, self.ln3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 32), nn.GELU(approximate="tanh"), nn.Linear(32, d))

    def forward(self, x, pad_mask):
        a, w = self.mha(x, x, x, key_padding_mask=pad_mask, need_weights=True)
        x = self.ln1(x + a)
        x = self.ln2(x + self.att2(x, pad_mask))
        return self.ln3(x + self.ff(x)), w


class Bert(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(V, d, padding_idx=PAD)
        self.pos = nn.Embedding(t, d)
        self.layers = nn.ModuleList([Layer(), Layer()])
        self.mlm = nn.Linear(d, V)
        self.mlm.weight = self.tok.weight
        self.cls = nn.Linear(d, 2)

    def forward(self, ids, pad_mask):
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
        for layer in self.layers:
            x, w = layer(x, pad_mask)
        return self.mlm(x), self.cls(torch.tanh(x[:, 0])), w


model = Bert()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
y_cls = torch.tensor([0, 1, 1, 0])
losses, n_masked = [], []
for step in range(5):
    inputs, labels = mask_tokens(ids)
    n_masked.append(int((labels != -100).sum()))
    logits, cls_logits, w = model(inputs, pad_mask)
    loss = F.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100) + F.cross_entropy(cls_logits, y_cls)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_value_(model.parameters(), 0.5)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
    losses.append([loss.item(), norm.item()])

# the float additive mask form of the same padding mask
float_mask = torch.zeros(b, t).masked_fill(pad_mask, torch.finfo(torch.float32).min)
mha = model.layers[0].mha
model.eval()
with torch.no_grad():
    x = torch.randn(b, t, d)
    a1, _ = mha(x, x, x, key_padding_mask=pad_mask)
    a2, _ = mha(x, x, x, key_padding_mask=float_mask)
    causal = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
    a3, w3 = mha(x, x, x, attn_mask=causal, average_attn_weights=False)
print("RESULT " + json.dumps({"losses": losses, "n_masked": n_masked, "w": w[1, 0].tolist(),
                              "same": torch.allclose(a1, a2, atol=1e-6), "a1": a1[3, 0].tolist(),
                              "w3": list(w3.shape), "w3row": w3[0, 1, 2].tolist(), "a3": a3[0, 0].tolist(),
                              "pad_emb": model.tok.weight[PAD].abs().sum().item()}))
