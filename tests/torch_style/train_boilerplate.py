"""nanoGPT train.py's boilerplate around a small character model: backend flags, device and dtype selection, a
nullcontext/autocast ctx, a GradScaler (disabled on the CPU, as nanoGPT's; then enabled, with its scale backing
off on an inf loss and growing again), batches from a uint16 token array, an estimate_loss in eval mode, a
warmup + cosine lr written into param_groups, clipping after unscale_, and a checkpoint round trip with
map_location and the '_orig_mod.' prefix strip.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
every weight and batch, so both frameworks print the same numbers."""
import importlib
import inspect
import io
import math
import os
import warnings
from contextlib import nullcontext

import numpy as np

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
F = torch.nn.functional
warnings.filterwarnings("ignore")  # torch warns that the CUDA GradScaler is disabled without CUDA

data_dir = os.environ.get("TEENYGRAD_DATA", "/work/shared/data")
text = open(os.path.join(data_dir, "names.txt")).read()[:60000]
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = np.array([stoi[c] for c in text], dtype=np.uint16)  # as nanoGPT's train.bin
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]
vocab_size = len(chars)
print("data", len(train_data), len(val_data), vocab_size, train_data.dtype)

device = "cuda" if torch.cuda.is_available() else "cpu"
device = "cpu"  # the test compares CPU runs
dtype = "bfloat16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "float16"
torch.manual_seed(1337)
torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True
torch.backends.cuda.matmul.allow_tf32 = False  # the flag reads back what was set
print("flags", torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32,
      torch.backends.mps.is_available())
device_type = "cuda" if "cuda" in device else "cpu"
ptdtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
ctx = nullcontext() if device_type == "cpu" else torch.amp.autocast(device_type=device_type, dtype=ptdtype)
print("setup", device, device_type, dtype, type(ctx).__name__, torch.device(device).type)

rng = np.random.default_rng(5)
block_size, batch_size = 8, 16


def get_batch(split):
    d = train_data if split == "train" else val_data
    ix = rng.integers(0, len(d) - block_size, (batch_size,))
    x = torch.stack([torch.from_numpy((d[i:i + block_size]).astype(np.int64)) for i in ix])
    y = torch.stack([torch.from_numpy((d[i + 1:i + 1 + block_size]).astype(np.int64)) for i in ix])
    if device_type == "cuda":
        x, y = x.pin_memory().to(device, non_blocking=True), y.pin_memory().to(device, non_blocking=True)
    else:
        x, y = x.to(device), y.to(device)
    return x, y


class CharMLP(nn.Module):
    """Embeds the last `block_size` characters, concatenates them, and predicts the next one at every position."""

    def __init__(self, vocab_size, n_embd, n_hidden):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.ln = nn.LayerNorm(n_embd)
        self.fc = nn.Linear(n_embd, n_hidden)
        self.proj = nn.Linear(n_hidden, vocab_size, bias=False)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.ln(self.wte(idx) + self.wpe(pos))  # (b, t, e)
        logits = self.proj(F.gelu(self.fc(x)))  # (b, t, v)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


def build_model():
    model = CharMLP(vocab_size, 16, 64)
    with torch.no_grad():
        for name, p in model.named_parameters():
            scale = 0.0 if name.endswith("bias") else (1.0 if "ln" in name else 0.2)
            p.copy_(torch.from_numpy(np.full(tuple(p.shape), 1.0, np.float32) if "ln" in name else
                                     (rng.standard_normal(tuple(p.shape)) * scale).astype(np.float32)))
    return model.to(device)


model = build_model()
print("params", sum(p.numel() for p in model.parameters()), next(model.parameters()).device.type)
fused_available = "fused" in inspect.signature(torch.optim.AdamW).parameters
use_fused = fused_available and device_type == "cuda"
decay = [p for p in model.parameters() if p.dim() >= 2]
no_decay = [p for p in model.parameters() if p.dim() < 2]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                              lr=1e-2, betas=(0.9, 0.99), **(dict(fused=True) if use_fused else {}))
scaler = torch.cuda.amp.GradScaler(enabled=(dtype == "float16"))
print("scaler", scaler.is_enabled(), use_fused, len(optimizer.param_groups))

learning_rate, min_lr, warmup_iters, lr_decay_iters = 1e-2, 1e-3, 4, 30


def get_lr(it):
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_lr + coeff * (learning_rate - min_lr)


eval_batches = {split: [get_batch(split) for _ in range(4)] for split in ("train", "val")}


@torch.no_grad()
def estimate_loss():
    out = {}
    model.eval()
    for split in ["train", "val"]:
        losses = torch.zeros(len(eval_batches[split]))
        for k, (X, Y) in enumerate(eval_batches[split]):
            with ctx:
                logits, loss = model(X, Y)
            losses[k] = loss.item()
        out[split] = losses.mean()
    model.train()
    return out


def train(iters, start, scaler, grad_clip=1.0, inf_at=None):
    X, Y = get_batch("train")
    for it in range(start, start + iters):
        lr = get_lr(it)
        for param_group in optimizer.param_groups:
            param_group["lr"] = lr
        with ctx:
            logits, loss = model(X, Y)
        X, Y = get_batch("train")  # prefetch, as nanoGPT
        scaled = scaler.scale(loss * float("inf") if it == inf_at else loss)
        scaled.backward()
        if grad_clip != 0.0:
            scaler.unscale_(optimizer)
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        print(f"loss {it} {loss.item():.6f} lr {lr:.6f} scale {scaler.get_scale():.1f}",
              "finite_norm", bool(math.isfinite(norm.item())))
        if it % 10 == 0:
            losses = estimate_loss()
            print(f"step {it}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")


train(20, 0, scaler)

# a checkpoint as nanoGPT writes it, loaded back with map_location and the torch.compile prefix stripped
model_args = dict(vocab_size=vocab_size, n_embd=16, n_hidden=64)
checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "model_args": model_args,
              "iter_num": 20, "best_val_loss": estimate_loss()["val"], "config": {"lr": learning_rate}}
buf = io.BytesIO()
torch.save(checkpoint, buf)
buf.seek(0)
ck = torch.load(buf, map_location=device)
state_dict = {"_orig_mod." + k: v for k, v in ck["model"].items()}
unwanted_prefix = "_orig_mod."
for k, v in list(state_dict.items()):
    if k.startswith(unwanted_prefix):
        state_dict[k[len(unwanted_prefix):]] = state_dict.pop(k)
model = CharMLP(**ck["model_args"])
model.load_state_dict(state_dict)
model.to(device)
optimizer = torch.optim.AdamW([{"params": [p for p in model.parameters() if p.dim() >= 2], "weight_decay": 0.1},
                               {"params": [p for p in model.parameters() if p.dim() < 2], "weight_decay": 0.0}],
                              lr=1e-2, betas=(0.9, 0.99))
optimizer.load_state_dict(ck["optimizer"])
print("resumed", ck["iter_num"], f"{ck['best_val_loss'].item():.6f}", sorted(ck["model_args"].items()),
      ck["optimizer"]["param_groups"][0]["weight_decay"], len(ck["optimizer"]["state"]))

# an enabled scaler (torch's CPU one): the inf loss at iteration 23 skips that step and halves the scale,
# then three good steps double it again
scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=3)
print("scaler2", scaler.is_enabled(), scaler.get_scale())
train(10, 20, scaler, inf_at=23)
print("final_scale", scaler.get_scale(), sorted(scaler.state_dict().keys()))
