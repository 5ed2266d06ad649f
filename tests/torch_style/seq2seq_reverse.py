"""A sequence-to-sequence toy, as in the translation tutorials: an nn.Transformer (batch_first) learns to reverse
variable-length digit strings. Token and position nn.Embeddings, padded batches with src/tgt/memory key padding
masks and a causal tgt mask from generate_square_subsequent_mask, RAdam under OneCycleLR (which also cycles
RAdam's beta1), a checkpoint through torch.save/torch.load into a fresh model, and greedy decoding in eval mode
under no_grad.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
the data and the weights (dropout is 0), so both frameworks print the same numbers."""
import importlib
import os
import tempfile
import warnings

import numpy as np

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
F = torch.nn.functional
warnings.filterwarnings("ignore")  # torch warns about the nested-tensor fast path and mixed mask dtypes

PAD, BOS, EOS = 0, 1, 2
VOCAB, MAX_LEN = 10, 6  # digits 3..9, strings of 2..6 of them
rng = np.random.default_rng(7)


def make_batch(n):
    """-> src (b, s), tgt_in (b, t), tgt_out (b, t): src padded with PAD; tgt_in = BOS + reversed; tgt_out =
    reversed + EOS."""
    lens = rng.integers(2, MAX_LEN + 1, n)
    src = np.full((n, MAX_LEN), PAD, np.int64)
    tgt_in = np.full((n, MAX_LEN + 1), PAD, np.int64)
    tgt_out = np.full((n, MAX_LEN + 1), PAD, np.int64)
    for i, L in enumerate(lens):
        s = rng.integers(3, VOCAB, L)
        src[i, :L] = s
        tgt_in[i, 0], tgt_in[i, 1:L + 1] = BOS, s[::-1]
        tgt_out[i, :L], tgt_out[i, L] = s[::-1], EOS
    return torch.from_numpy(src), torch.from_numpy(tgt_in), torch.from_numpy(tgt_out)


class Seq2Seq(nn.Module):
    def __init__(self, d_model=32, nhead=4, layers=2):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, d_model, padding_idx=PAD)
        self.pos = nn.Embedding(MAX_LEN + 1, d_model)
        self.transformer = nn.Transformer(d_model=d_model, nhead=nhead, num_encoder_layers=layers,
                                          num_decoder_layers=layers, dim_feedforward=64, dropout=0.0,
                                          batch_first=True)
        self.generator = nn.Linear(d_model, VOCAB)
        self.d_model = d_model

    def embed(self, x):
        pos = torch.arange(x.size(1)).unsqueeze(0)
        return self.tok(x) * self.d_model ** 0.5 + self.pos(pos)  # (b, t, d)

    def encode(self, src):
        return self.transformer.encoder(self.embed(src), src_key_padding_mask=(src == PAD))

    def decode(self, tgt, memory, src):
        tgt_mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1))
        return self.transformer.decoder(self.embed(tgt), memory, tgt_mask=tgt_mask,
                                        tgt_key_padding_mask=(tgt == PAD), memory_key_padding_mask=(src == PAD))

    def forward(self, src, tgt):
        tgt_mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1))
        out = self.transformer(self.embed(src), self.embed(tgt), tgt_mask=tgt_mask,
                               src_key_padding_mask=(src == PAD), tgt_key_padding_mask=(tgt == PAD),
                               memory_key_padding_mask=(src == PAD))
        return self.generator(out)  # (b, t, v)


def init_weights(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) / np.sqrt(p.shape[1]))
                                         .astype(np.float32)))
            elif "norm" in name and name.endswith("weight"):
                p.fill_(1.0)
            else:
                p.zero_()
        model.tok.weight[PAD].zero_()


def checksum(model):
    return sum(p.detach().abs().sum().item() for p in model.parameters())


@torch.no_grad()
def greedy_decode(model, src):
    model.eval()
    memory = model.encode(src)
    ys = torch.full((src.size(0), 1), BOS, dtype=torch.long)
    for _ in range(MAX_LEN + 1):
        out = model.decode(ys, memory, src)
        next_word = model.generator(out[:, -1]).argmax(dim=-1)  # (b,)
        ys = torch.cat([ys, next_word.unsqueeze(1)], dim=1)
    model.train()
    return ys[:, 1:]


model = Seq2Seq()
init_weights(model)
print("params", sum(p.numel() for p in model.parameters()), len(list(model.parameters())), f"{checksum(model):.4f}")
mask = nn.Transformer.generate_square_subsequent_mask(4)
print("causal_mask", mask.dtype == torch.float32, tuple(mask.shape), mask[0].tolist(), mask[3].tolist())

steps = 60  # 80 steps run into the chaotic phase: on an AMD EPYC a last-bit difference grew to 3e-4 in the gradient
criterion = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=0.05)
optimizer = torch.optim.RAdam(model.parameters(), lr=3e-3, betas=(0.9, 0.98), weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-2, total_steps=steps, pct_start=0.3,
                                                base_momentum=0.85, max_momentum=0.95)
batches = [make_batch(32) for _ in range(steps)]
test_src, _, test_out = make_batch(8)


def train(start, stop):
    model.train()
    for step in range(start, stop):
        src, tgt_in, tgt_out = batches[step]
        logits = model(src, tgt_in)
        loss = criterion(logits.reshape(-1, VOCAB), tgt_out.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        scheduler.step()
        print(f"loss {step} {loss.item():.6f} norm {norm.item():.5f} lr {scheduler.get_last_lr()[0]:.7f} "
              f"beta1 {optimizer.param_groups[0]['betas'][0]:.5f}")


def evaluate(tag):
    model.eval()
    with torch.no_grad():
        src, tgt_out = test_src, test_out
        tgt_in = torch.cat([torch.full((src.size(0), 1), BOS, dtype=torch.long), tgt_out[:, :-1]], dim=1)
        tgt_in = torch.where(tgt_in == EOS, torch.zeros_like(tgt_in), tgt_in)  # teacher forcing: EOS is never input
        logits = model(src, tgt_in)
        val = F.cross_entropy(logits.reshape(-1, VOCAB), tgt_out.reshape(-1), ignore_index=PAD)
        tok_acc = ((logits.argmax(-1) == tgt_out) & (tgt_out != PAD)).sum().item() / (tgt_out != PAD).sum().item()
    print(f"eval {tag} {val.item():.6f} tok_acc {tok_acc:.4f} training {model.training} "
          f"grad_enabled {torch.is_grad_enabled()}")
    model.train()


evaluate("init")
train(0, steps // 2)
evaluate("mid")

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "seq2seq.pt")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "step": steps // 2}, path)
    ckpt = torch.load(path)
print("checkpoint", ckpt["step"], len(ckpt["model"]), len(ckpt["optimizer"]["state"]),
      sorted(ckpt["optimizer"]["param_groups"][0].keys())[:4], ckpt["scheduler"]["last_epoch"])

model = Seq2Seq()
model.load_state_dict(ckpt["model"])
optimizer = torch.optim.RAdam(model.parameters(), lr=3e-3, betas=(0.9, 0.98), weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-2, total_steps=steps, pct_start=0.3,
                                                base_momentum=0.85, max_momentum=0.95)
optimizer.load_state_dict(ckpt["optimizer"])
scheduler.load_state_dict(ckpt["scheduler"])
print("reloaded", f"{checksum(model):.4f}", f"{optimizer.param_groups[0]['lr']:.7f}")
train(ckpt["step"], steps)
evaluate("final")

pred = greedy_decode(model, test_src)
print("greedy_shape", tuple(pred.shape), pred.dtype == torch.long)
for i in range(4):
    print("src", test_src[i].tolist(), "want", test_out[i].tolist(), "got", pred[i].tolist())
print("greedy_acc", ((pred == test_out) | (test_out == PAD)).all(dim=1).float().mean().item())
print("final_checksum", f"{checksum(model):.4f}")
