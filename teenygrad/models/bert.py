"""A BERT-style encoder (Devlin et al. 2018) over characters: GPT's blocks without the causal mask, so
every position sees the whole window, trained as a masked language model. A random 15% of the
characters are chosen; of those 80% become [MASK], 10% a random character, 10% stay; the loss is the
cross-entropy of the original character at the chosen positions only. `fill` then restores masked
characters in a text.

Key: b batch, t sequence length, v vocabulary (+1 for [MASK]), d model width.
"""
import numpy as np

import teenygrad
from teenygrad import nn

from ._common import check_probability
from .gpt import Block, check_transformer_config, init_gpt2_weights

IGNORE = -1     # target of the positions that were not chosen (cross_entropy's ignore_index)


class BERT(nn.Module):
    def __init__(self, vocab_size: int, block_size: int = 64, n_layer: int = 4, n_head: int = 4,
                 n_embd: int = 128, dropout: float = 0.0, bias: bool = False, mask_prob: float = 0.15):
        super().__init__()
        check_transformer_config("BERT", vocab_size, block_size, n_layer, n_head, n_embd, dropout)
        check_probability("mask_prob", mask_prob, "BERT")
        if mask_prob == 0:
            raise ValueError("BERT: mask_prob must be > 0, or there is nothing to learn")
        self.vocab_size, self.block_size, self.mask_prob = vocab_size, block_size, mask_prob
        self.mask_id = vocab_size                                    # one extra embedding row for [MASK]
        self.wte = nn.Embedding(vocab_size + 1, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.h = nn.ModuleList([Block(n_embd, n_head, dropout, bias, causal=False) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd, bias=bias)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)     # never predicts [MASK]
        init_gpt2_weights(self, n_layer)

    def forward(self, idx):
        """idx (b, t) int64, [MASK] = vocab_size allowed -> logits (b, t, v) for the original characters."""
        b, t = idx.shape
        if t > self.block_size:
            raise ValueError(f"BERT: sequence of {t} positions is longer than block_size {self.block_size}")
        pos = teenygrad.arange(t, dtype=teenygrad.int64, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))                 # (b, t, d)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))                            # (b, t, v)

    def mask_tokens(self, idx: np.ndarray, rng: np.random.Generator, can_mask: np.ndarray | None = None):
        """BERT's corruption of int64 ids (b, t): returns (inputs, targets), targets IGNORE where no
        prediction is asked. `can_mask` (b, t) bool limits the choice (e.g. to real, unpadded characters).
        At least one position per row is chosen, so every batch has a loss."""
        idx = np.asarray(idx, dtype=np.int64)
        allowed = np.ones(idx.shape, bool) if can_mask is None else np.asarray(can_mask, bool)
        scores = rng.random(idx.shape)
        chosen = (scores < self.mask_prob) & allowed
        best = np.where(allowed, scores, np.inf).argmin(axis=1)      # each row's lowest score, if allowed
        rows = np.arange(idx.shape[0])
        chosen[rows, best] |= allowed[rows, best]
        action = rng.random(idx.shape)
        inputs = idx.copy()
        inputs[chosen & (action < 0.8)] = self.mask_id
        swap = chosen & (action >= 0.8) & (action < 0.9)
        inputs[swap] = rng.integers(0, self.vocab_size, size=int(swap.sum()))
        targets = np.where(chosen, idx, IGNORE)
        return inputs, targets

    @teenygrad.no_grad()
    def fill(self, idx: np.ndarray, masked: np.ndarray) -> np.ndarray:
        """Replace the positions where `masked` (b, t) is True by the most likely character, all at once."""
        idx = np.where(masked, self.mask_id, np.asarray(idx, dtype=np.int64))
        logits = self(teenygrad.tensor(idx))                         # (b, t, v)
        best = logits.argmax(dim=-1).numpy()
        return np.where(masked, best, idx)
