"""Recurrent character language models: embed each character, run a recurrent layer over the sequence,
read the next-character logits off every hidden state. One class covers the three cells the book
compares, because only the recurrence differs:

    rnn   h_t = tanh(W x_t + U h_{t-1} + b)                          (Elman 1990)
    gru   update/reset gates decide how much of h_{t-1} to keep      (Cho et al. 2014)
    lstm  a separate cell state c_t behind input/forget/output gates (Hochreiter & Schmidhuber 1997)

Key: b batch, t sequence length, v vocabulary, e embedding width, h hidden width.
"""
from teenygrad import nn

from ._common import check_positive_int

CELLS = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


class RNNLM(nn.Module):
    def __init__(self, vocab_size: int, block_size: int = 16, cell: str = "rnn", n_embd: int = 32,
                 n_hidden: int = 128, n_layer: int = 1):
        super().__init__()
        for name, value in [("vocab_size", vocab_size), ("block_size", block_size), ("n_embd", n_embd),
                            ("n_hidden", n_hidden), ("n_layer", n_layer)]:
            check_positive_int(name, value, "RNNLM")
        if cell not in CELLS:
            raise ValueError(f"RNNLM: cell must be one of {', '.join(CELLS)}, got {cell!r}")
        self.block_size = block_size      # longest sequence trained on (the recurrence itself has no limit)
        self.cell = cell
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.rnn = getattr(nn, CELLS[cell])(n_embd, n_hidden, num_layers=n_layer, batch_first=True)
        self.lm_head = nn.Linear(n_hidden, vocab_size)

    def forward(self, idx, state=None):
        """idx (b, t) int64 -> logits (b, t, v). Pass `state` (and use `forward_with_state`) to carry the
        hidden state across calls when sampling one character at a time."""
        return self.forward_with_state(idx, state)[0]

    def forward_with_state(self, idx, state=None):
        x = self.wte(idx)                                     # (b, t, e)
        out, state = self.rnn(x, state)                       # (b, t, h); h_n (and c_n for the LSTM)
        return self.lm_head(out), state                       # (b, t, v)
