"""Bengio et al. 2003, "A Neural Probabilistic Language Model", as built in makemore part 2/3:
look up an e-wide embedding for each of the last block_size characters, concatenate them, one tanh
hidden layer, then logits over the vocabulary.

Key: b batch, t = block_size context characters, v vocabulary, e embedding width, h hidden width.
"""
import teenygrad
from teenygrad import nn

from ._common import check_positive_int


class MLP(nn.Module):
    def __init__(self, vocab_size: int, block_size: int = 3, n_embd: int = 10, n_hidden: int = 200):
        super().__init__()
        for name, value in [("vocab_size", vocab_size), ("block_size", block_size), ("n_embd", n_embd),
                            ("n_hidden", n_hidden)]:
            check_positive_int(name, value, "MLP")
        self.block_size = block_size
        self.wte = nn.Embedding(vocab_size, n_embd)                 # the lecture's C, N(0, 1)
        self.hidden = nn.Linear(block_size * n_embd, n_hidden)
        self.out = nn.Linear(n_hidden, vocab_size)
        with teenygrad.no_grad():                                   # part 3: start near log(v), not confidently wrong
            self.out.weight.mul_(0.1)
            self.out.bias.zero_()

    def forward(self, idx):
        """idx (b, t) int64 -> logits (b, v)."""
        emb = self.wte(idx)                                         # (b, t, e)
        h = self.hidden(emb.view(emb.shape[0], -1)).tanh()          # (b, h)
        return self.out(h)                                          # (b, v)
