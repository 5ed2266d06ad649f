"""nanoGPT: a decoder-only transformer (Radford et al. 2019) as Karpathy's nanoGPT writes it.

    tokens + positions -> n_layer x [x + attn(ln_1(x)); x + mlp(ln_2(x))] -> ln_f -> lm_head (tied to wte)

Pre-LN blocks, causal multi-head self-attention, a 4x GELU MLP, dropout, optional biases, and the GPT-2
init (N(0, 0.02); residual projections scaled by 1/sqrt(2 n_layer)). `generate` samples with a KV cache
and returns exactly the tokens that recomputing the whole context each step would return.

Key: b batch, t sequence length, v vocabulary, d model width (n_embd), h heads, s = d / h head width.
"""
import math

import teenygrad
from teenygrad import nn
import teenygrad.nn.functional as F

from ._common import check_positive_int, check_probability, sample_next


def check_transformer_config(owner, vocab_size, block_size, n_layer, n_head, n_embd, dropout):
    for name, value in [("vocab_size", vocab_size), ("block_size", block_size), ("n_layer", n_layer),
                        ("n_head", n_head), ("n_embd", n_embd)]:
        check_positive_int(name, value, owner)
    if n_embd % n_head:
        raise ValueError(f"{owner}: n_embd ({n_embd}) must be divisible by n_head ({n_head})")
    check_probability("dropout", dropout, owner)


class SelfAttention(nn.Module):
    """Multi-head self-attention; causal for GPT, bidirectional for BERT. With a `cache` dict it
    appends this call's keys and values to the ones cached from earlier calls (decoding)."""

    def __init__(self, n_embd, n_head, dropout, bias, causal=True):
        super().__init__()
        self.n_head, self.n_embd, self.dropout, self.causal = n_head, n_embd, dropout, causal
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=bias)    # q, k, v for all heads in one GEMM
        self.c_proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x, cache=None):
        b, t, d = x.shape
        h = self.n_head
        q, k, v = self.c_attn(x).split(d, dim=2)                    # 3 x (b, t, d)
        q = q.view(b, t, h, d // h).transpose(1, 2)                 # (b, h, t, s)
        k = k.view(b, t, h, d // h).transpose(1, 2)
        v = v.view(b, t, h, d // h).transpose(1, 2)
        if cache is not None:
            if "k" in cache:                                        # decoding: t new positions after the cached ones
                k = teenygrad.cat([cache["k"], k], dim=2)           # (b, h, T, s)
                v = teenygrad.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        # the t new queries are the last t of the T keys: query i sees keys up to T - t + i. A single decoding
        # query sees every key; a first (prefill) call, t == T, is the plain causal mask
        T = k.shape[2]
        causal, mask = self.causal and t > 1, None
        if causal and T > t:                                        # several new positions after cached ones
            mask = teenygrad.ones(t, T, dtype=teenygrad.bool, device=x.device).tril(T - t)   # (t, T)
            causal = False                                          # (is_causal would align the mask top-left)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0,
                                           is_causal=causal)        # (b, h, t, s)
        y = y.transpose(1, 2).reshape(b, t, d)                      # heads side by side: (b, t, d)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, n_embd, dropout, bias):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))  # (b, t, d) -> (b, t, 4d) -> (b, t, d)


class Block(nn.Module):
    def __init__(self, n_embd, n_head, dropout, bias, causal=True):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, bias=bias)
        self.attn = SelfAttention(n_embd, n_head, dropout, bias, causal)
        self.ln_2 = nn.LayerNorm(n_embd, bias=bias)
        self.mlp = MLP(n_embd, dropout, bias)

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln_1(x), cache)                      # (b, t, d)
        return x + self.mlp(self.ln_2(x))


def init_gpt2_weights(model, n_layer):
    """GPT-2's init: every Linear and Embedding N(0, 0.02), biases 0, and the projections that write
    into the residual stream N(0, 0.02 / sqrt(2 n_layer)) so the stream's variance stays O(1)."""
    with teenygrad.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                m.weight.normal_(0.0, 0.02)
                if getattr(m, "bias", None) is not None:
                    m.bias.zero_()
        for name, p in model.named_parameters():
            if name.endswith("c_proj.weight"):
                p.normal_(0.0, 0.02 / math.sqrt(2 * n_layer))


class GPT(nn.Module):
    def __init__(self, vocab_size: int, block_size: int = 64, n_layer: int = 4, n_head: int = 4,
                 n_embd: int = 128, dropout: float = 0.0, bias: bool = False):
        super().__init__()
        check_transformer_config("GPT", vocab_size, block_size, n_layer, n_head, n_embd, dropout)
        self.vocab_size, self.block_size, self.n_layer = vocab_size, block_size, n_layer
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.h = nn.ModuleList([Block(n_embd, n_head, dropout, bias) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd, bias=bias)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        # weight tying (Press & Wolf 2017), before the init as nanoGPT: the shared matrix keeps lm_head's draw, so a
        # seed gives nanoGPT's initial weights exactly (teenygrad's generator is torch's)
        self.wte.weight = self.lm_head.weight
        init_gpt2_weights(self, n_layer)

    def num_params(self, non_embedding=True):
        """Parameters counted once (the tied matrix once), minus the position table as nanoGPT reports."""
        n = sum(p.numel() for p in self.parameters())
        return n - self.wpe.weight.numel() if non_embedding else n

    def forward(self, idx, caches=None):
        """idx (b, t) int64 -> logits (b, t, v). `caches`: one dict per layer (see generate)."""
        b, t = idx.shape
        start = caches[0]["k"].shape[2] if caches is not None and "k" in caches[0] else 0
        if start + t > self.block_size:
            raise ValueError(f"GPT: cannot attend over {start + t} positions; block_size is {self.block_size}")
        pos = teenygrad.arange(start, start + t, dtype=teenygrad.int64, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))                # (b, t, d)
        for i, block in enumerate(self.h):
            x = block(x, None if caches is None else caches[i])
        return self.lm_head(self.ln_f(x))                           # (b, t, v)

    @teenygrad.no_grad()
    def generate(self, idx, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None,
                 generator=None, use_cache: bool = True):
        """Append max_new_tokens sampled tokens to idx (b, t) and return (b, t + max_new_tokens).

        With use_cache, each step feeds only the newest token and reuses the keys/values of the earlier
        ones. Once the context outgrows block_size the window slides, every position shifts, and the
        cache is rebuilt from the cropped window: so the logits, and with the same generator the draws,
        are those of use_cache=False (full recomputation of idx[:, -block_size:] every step)."""
        caches = None
        for _ in range(max_new_tokens):
            if not use_cache:
                logits = self(idx[:, -self.block_size:])
            elif caches is not None and idx.shape[1] <= self.block_size:
                logits = self(idx[:, -1:], caches)                  # (b, 1, v): one new position
            else:                                                   # first step, or the window slid
                caches = [{} for _ in self.h]
                logits = self(idx[:, -self.block_size:], caches)
            idx_next = sample_next(logits[:, -1, :], temperature, top_k, generator)   # (b, 1)
            idx = teenygrad.cat([idx, idx_next], dim=1)
        return idx
