"""The benchmark workloads, written once for both frameworks: every function takes the framework module
(`torch` or `teenygrad`) as `torch`, exactly like a torch script whose import was switched. Weights come from
numpy with a fixed seed, so both frameworks start from identical values."""
import math
import numpy as np


def to_t(torch, a, requires_grad=False):
    """A framework tensor holding a private copy of numpy array a."""
    t = torch.from_numpy(np.array(a, copy=True))
    return t.requires_grad_(True) if requires_grad else t


def load_numpy_weights(torch, model, seed=1337, n_layer=1):
    """nanoGPT's init, drawn in numpy in named_parameters() order: N(0, 0.02), residual projections
    N(0, 0.02/sqrt(2*n_layer)), biases 0, LayerNorm weights 1."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            shape = tuple(p.shape)
            if name.endswith("bias"):
                a = np.zeros(shape, np.float32)
            elif ".ln" in name or name.startswith("ln"):
                a = np.ones(shape, np.float32)
            else:
                std = 0.02 / math.sqrt(2 * n_layer) if name.endswith("c_proj.weight") else 0.02
                a = (rng.standard_normal(shape) * std).astype(np.float32)
            p.copy_(torch.from_numpy(a))


# ---- (1) makemore MLP ---------------------------------------------------------------------------------------
class MakemoreMLP:
    """makemore part 2/3: vocab 27, context 3, emb 10, hidden 200, tanh, batch 32, manual SGD."""

    def __init__(self, torch, vocab=27, block=3, emb=10, hidden=200, batch=32, n_data=20000, seed=42):
        import importlib
        self.torch, self.F = torch, importlib.import_module(torch.__name__ + ".nn.functional")
        rng = np.random.default_rng(seed)
        self.C = to_t(torch, rng.standard_normal((vocab, emb)).astype(np.float32), True)
        self.W1 = to_t(torch, (rng.standard_normal((block * emb, hidden)) * (5 / 3) / (block * emb) ** 0.5)
                       .astype(np.float32), True)
        self.b1 = to_t(torch, (rng.standard_normal(hidden) * 0.01).astype(np.float32), True)
        self.W2 = to_t(torch, (rng.standard_normal((hidden, vocab)) * 0.01).astype(np.float32), True)
        self.b2 = to_t(torch, np.zeros(vocab, np.float32), True)
        self.params = [self.C, self.W1, self.b1, self.W2, self.b2]
        self.Xtr = to_t(torch, rng.integers(0, vocab, (n_data, block)))
        self.Ytr = to_t(torch, rng.integers(0, vocab, n_data))
        self.block, self.emb, self.batch = block, emb, batch
        torch.manual_seed(seed)

    def step(self, lr=0.1):
        torch, F = self.torch, self.F
        ix = torch.randint(0, self.Xtr.shape[0], (self.batch,))
        Xb, Yb = self.Xtr[ix], self.Ytr[ix]
        emb = self.C[Xb]                                        # (b, block, emb)
        h = torch.tanh(emb.view(-1, self.block * self.emb) @ self.W1 + self.b1)
        logits = h @ self.W2 + self.b2
        loss = F.cross_entropy(logits, Yb)
        for p in self.params:
            p.grad = None
        loss.backward()
        for p in self.params:
            p.data += -lr * p.grad
        return loss


class MakemoreMLPNumpy:
    """The same makemore MLP step written by hand in numpy (forward, backward and SGD, no framework): the floor
    for any numpy-backed framework on this workload, since it makes the same ~45 numpy calls with nothing around
    them. Same weights and shapes as MakemoreMLP; batch indices come from numpy's own generator (same seed, a
    different stream), which changes the losses a little and the time not at all."""

    def __init__(self, np_, vocab=27, block=3, emb=10, hidden=200, batch=32, n_data=20000, seed=42):
        rng = np.random.default_rng(seed)
        f32 = np.float32
        self.C = rng.standard_normal((vocab, emb)).astype(f32)
        self.W1 = (rng.standard_normal((block * emb, hidden)) * (5 / 3) / (block * emb) ** 0.5).astype(f32)
        self.b1 = (rng.standard_normal(hidden) * 0.01).astype(f32)
        self.W2 = (rng.standard_normal((hidden, vocab)) * 0.01).astype(f32)
        self.b2 = np.zeros(vocab, f32)
        self.Xtr = rng.integers(0, vocab, (n_data, block))
        self.Ytr = rng.integers(0, vocab, n_data)
        self.gen = np.random.default_rng(seed)
        self.rows = np.arange(batch)
        self.block, self.emb, self.batch, self.vocab = block, emb, batch, vocab

    def step(self, lr=0.1):
        ix = self.gen.integers(0, self.Xtr.shape[0], self.batch)
        Xb, Yb = self.Xtr[ix], self.Ytr[ix]
        x = self.C[Xb].reshape(self.batch, -1)
        h = np.tanh(x @ self.W1 + self.b1)
        logits = h @ self.W2 + self.b2
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(p[self.rows, Yb]).mean()
        p[self.rows, Yb] -= 1                                  # d loss / d logits, times the batch
        p /= self.batch
        dW2, db2 = h.T @ p, p.sum(axis=0)
        dpre = (p @ self.W2.T) * (1 - h * h)
        dW1, db1 = x.T @ dpre, dpre.sum(axis=0)
        dx = (dpre @ self.W1.T).reshape(-1, self.emb)
        onehot = np.zeros((self.vocab, dx.shape[0]), np.float32)   # embedding backward as a one-hot GEMM
        onehot[Xb.reshape(-1), np.arange(dx.shape[0])] = 1
        dC = onehot @ dx
        for w, g in ((self.C, dC), (self.W1, dW1), (self.b1, db1), (self.W2, dW2), (self.b2, db2)):
            w -= np.float32(lr) * g
        return loss


# ---- (2) nanoGPT ---------------------------------------------------------------------------------------------
def gpt_classes(torch):
    """nanoGPT's model.py (bias=True, dropout 0, tied embeddings), plus a KV cache for sampling."""
    import importlib
    nn = torch.nn
    F = importlib.import_module(torch.__name__ + ".nn.functional")

    class CausalSelfAttention(nn.Module):
        def __init__(self, d, n_head):
            super().__init__()
            self.c_attn = nn.Linear(d, 3 * d)
            self.c_proj = nn.Linear(d, d)
            self.n_head, self.d = n_head, d

        def forward(self, x, cache=None):
            b, t, d = x.size()
            q, k, v = self.c_attn(x).split(self.d, dim=2)
            q = q.view(b, t, self.n_head, d // self.n_head).transpose(1, 2)     # (b, h, t, hs)
            k = k.view(b, t, self.n_head, d // self.n_head).transpose(1, 2)
            v = v.view(b, t, self.n_head, d // self.n_head).transpose(1, 2)
            if cache is not None:       # sampling: append this step's keys/values to the cache
                if cache:
                    k = torch.cat([cache[0], k], dim=2)
                    v = torch.cat([cache[1], v], dim=2)
                cache[:] = [k, v]
                y = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
            else:
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            y = y.transpose(1, 2).contiguous().view(b, t, d)
            return self.c_proj(y)

    class MLP(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.c_fc = nn.Linear(d, 4 * d)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * d, d)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(nn.Module):
        def __init__(self, d, n_head):
            super().__init__()
            self.ln_1 = nn.LayerNorm(d)
            self.attn = CausalSelfAttention(d, n_head)
            self.ln_2 = nn.LayerNorm(d)
            self.mlp = MLP(d)

        def forward(self, x, cache=None):
            x = x + self.attn(self.ln_1(x), cache)
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self, vocab=65, block_size=64, n_layer=4, n_head=4, d=128):
            super().__init__()
            self.block_size = block_size
            self.wte = nn.Embedding(vocab, d)
            self.wpe = nn.Embedding(block_size, d)
            self.h = nn.ModuleList([Block(d, n_head) for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(d)
            self.lm_head = nn.Linear(d, vocab, bias=False)
            self.lm_head.weight = self.wte.weight        # weight tying, as nanoGPT

        def forward(self, idx, targets=None, caches=None, pos0=0):
            b, t = idx.size()
            pos = torch.arange(pos0, pos0 + t, dtype=torch.long)
            x = self.wte(idx) + self.wpe(pos)                 # (b, t, d)
            for i, block in enumerate(self.h):
                x = block(x, None if caches is None else caches[i])
            x = self.ln_f(x)
            if targets is None:
                return self.lm_head(x[:, [-1], :]), None
            logits = self.lm_head(x)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
            return logits, loss

    return GPT


def build_gpt(torch, vocab=65, block_size=64, n_layer=4, n_head=4, d=128, seed=1337):
    model = gpt_classes(torch)(vocab, block_size, n_layer, n_head, d)
    load_numpy_weights(torch, model, seed, n_layer)
    return model


def adamw_for(torch, model, lr=1e-3, weight_decay=0.1, betas=(0.9, 0.99)):
    """nanoGPT's configure_optimizers: decay the 2-D weights, not biases/LayerNorm."""
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=betas)


class GPTTrain:
    """nanoGPT shakespeare_char CPU config: 4 layers, 4 heads, 128 wide, block 64, batch 12, vocab 65."""

    def __init__(self, torch, batch=12, block_size=64, vocab=65, seed=0):
        self.torch = torch
        self.model = build_gpt(torch, vocab, block_size)
        self.opt = adamw_for(torch, self.model)
        rng = np.random.default_rng(seed)
        self.batches = [(rng.integers(0, vocab, (batch, block_size)), rng.integers(0, vocab, (batch, block_size)))
                        for _ in range(8)]
        self.i = 0

    def step(self):
        torch = self.torch
        x, y = self.batches[self.i % len(self.batches)]
        self.i += 1
        X, Y = torch.from_numpy(x), torch.from_numpy(y)
        _, loss = self.model(X, Y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        return loss


# ---- (3) sampling with a KV cache ----------------------------------------------------------------------------
class GPTSample:
    """Autoregressive sampling, batch 1: prompt of one token, then one token per forward, reusing cached k/v."""

    def __init__(self, torch, n_new=63, block_size=64):
        self.torch = torch
        self.model = build_gpt(torch, block_size=block_size)
        self.model.eval()
        self.n_new = n_new
        torch.manual_seed(0)

    def step(self):
        torch = self.torch
        F = torch.nn.functional
        with torch.no_grad():
            idx = torch.zeros((1, 1), dtype=torch.long)
            caches = [[] for _ in self.model.h]
            pos, out = 0, [idx]
            for _ in range(self.n_new):
                logits, _ = self.model(idx, caches=caches, pos0=pos)
                pos += idx.shape[1]
                probs = F.softmax(logits[:, -1, :] / 0.8, dim=-1)
                idx = torch.multinomial(probs, num_samples=1)
                out.append(idx)
        return torch.cat(out, dim=1)


class LibrarySample:
    """teenygrad.models.gpt's own GPT.generate (KV cache) on the same config and weights, batch 1.
    Only teenygrad has it: run.py compares it with torch running the bench twin (GPTSample)."""

    def __init__(self, torch, n_new=63, block_size=64):
        from teenygrad.models.gpt import GPT
        self.torch = torch
        self.model = GPT(65, block_size, 4, 4, 128, dropout=0.0, bias=True)
        load_numpy_weights(torch, self.model, 1337, 4)
        self.model.eval()
        self.n_new = n_new
        torch.manual_seed(0)

    def step(self):
        idx = self.torch.zeros((1, 1), dtype=self.torch.long)
        return self.model.generate(idx, self.n_new, temperature=0.8)
