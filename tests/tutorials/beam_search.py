"""Inference idioms on a tiny GRU decoder: model.eval() under torch.no_grad, greedy decoding, beam search with
torch.topk over flattened (beam * vocab) scores and integer division / remainder to recover beams, length
penalty, top-k / top-p (nucleus) sampling with sort + cumsum + scatter, and torch.multinomial with a generator."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)
V, H, BOS, EOS = 12, 16, 0, 1


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, H)
        self.gru = nn.GRU(H, H, batch_first=True)
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(H, V)

    def forward(self, tok, h=None):
        o, h = self.gru(self.drop(self.emb(tok)), h)
        return self.out(o), h


model = Decoder()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
seqs = torch.randint(2, V, (8, 6))
seqs[:, 0] = BOS
seqs[:, -1] = EOS
losses = []
for step in range(6):
    logits, _ = model(seqs[:, :-1])
    loss = F.cross_entropy(logits.transpose(1, 2), seqs[:, 1:])
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
model.eval()


@torch.no_grad()
def greedy(n=6):
    tok, h, out = torch.tensor([[BOS]]), None, []
    for _ in range(n):
        logits, h = model(tok, h)
        tok = logits[:, -1].argmax(-1, keepdim=True)
        out.append(tok.item())
    return out


@torch.no_grad()
def beam_search(k=3, n=6, alpha=0.7):
    beams = torch.full((1, 1), BOS, dtype=torch.long)
    scores = torch.zeros(1)
    h = None
    finished = []
    for step in range(n):
        logits, h_new = model(beams[:, -1:], h)
        logp = F.log_softmax(logits[:, -1], dim=-1)            # (beams, v)
        cand = (scores.unsqueeze(1) + logp).view(-1)
        top, idx = torch.topk(cand, k)
        beam_idx = torch.div(idx, V, rounding_mode="floor")
        tok = idx % V
        beams = torch.cat([beams[beam_idx], tok.unsqueeze(1)], dim=1)
        h = h_new[:, beam_idx]
        scores = top
        for i in range(k):
            if tok[i].item() == EOS:
                finished.append((scores[i].item() / ((5 + beams.shape[1]) / 6) ** alpha, beams[i].tolist()))
        scores = scores.masked_fill(tok == EOS, float("-inf"))
    best = max(finished) if finished else (scores.max().item(), beams[scores.argmax()].tolist())
    return best, beams.tolist()


def top_k_top_p(logits, k=5, p=0.9):
    v, _ = torch.topk(logits, k)
    logits = logits.masked_fill(logits < v[..., -1, None], float("-inf"))
    sorted_logits, sorted_idx = torch.sort(logits, descending=True)
    cum = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
    remove = cum > p
    remove[..., 1:] = remove[..., :-1].clone()
    remove[..., 0] = False
    remove = remove.scatter(-1, sorted_idx, remove)
    return logits.masked_fill(remove, float("-inf"))


with torch.no_grad():
    g = torch.Generator().manual_seed(5)
    logits, _ = model(seqs[:4, :3])
    filt = top_k_top_p(logits[:, -1])
    samples = torch.multinomial(F.softmax(filt, -1), num_samples=2, replacement=True, generator=g)
    kept = torch.isfinite(filt).sum(-1)
best, beams = beam_search()
print("RESULT " + json.dumps({"losses": losses, "greedy": greedy(), "best": best, "beams": beams,
                              "kept": kept.tolist(), "samples": samples.tolist(), "training": model.training}))
