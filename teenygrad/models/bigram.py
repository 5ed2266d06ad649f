"""The bigram model as a network (makemore part 1): one (v, v) table whose row c holds the logits of the
character that follows c. Trained by gradient descent it converges to the counting model's
log-probabilities, so its loss (~2.45 nats on names) is the baseline every other model must beat.

Key: b batch, v vocabulary.
"""
import teenygrad
from teenygrad import nn

from ._common import check_positive_int


class Bigram(nn.Module):
    def __init__(self, vocab_size: int, block_size: int = 1):
        super().__init__()
        check_positive_int("vocab_size", vocab_size, "Bigram")
        check_positive_int("block_size", block_size, "Bigram")
        self.block_size = block_size              # windows may be longer; only the last character is used
        self.logits = nn.Embedding(vocab_size, vocab_size)
        with teenygrad.no_grad():
            self.logits.weight.zero_()            # uniform start: loss log(v)

    def forward(self, idx):
        """idx (b, block_size) int64 -> logits (b, v) for the next character."""
        return self.logits(idx[:, -1])            # (b, v)
