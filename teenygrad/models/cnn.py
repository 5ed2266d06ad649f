"""The WaveNet-style hierarchical model of makemore part 5: instead of squashing all block_size
characters into one layer, fuse neighbours two at a time, so 8 characters pass through a binary tree of
3 layers (8 -> 4 -> 2 -> 1), each FlattenConsecutive(2) + Linear + BatchNorm1d + Tanh. It is a dilated
causal convolution evaluated for the last position only.

Key: b batch, t = block_size context characters (a power of two), v vocabulary, e embedding width,
h hidden width.
"""
import teenygrad
from teenygrad import nn

from ._common import check_positive_int


class FlattenConsecutive(nn.Module):
    """(b, t, c) -> (b, t/n, c*n): concatenate each run of n neighbouring positions; drops t == 1."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def forward(self, x):
        b, t, c = x.shape
        x = x.view(b, t // self.n, c * self.n)
        return x.squeeze(1) if x.shape[1] == 1 else x

    def extra_repr(self):
        return f"n={self.n}"


class BatchNormLastDim(nn.BatchNorm1d):
    """BatchNorm1d over the last dimension of (b, c) or (b, t, c): statistics over every other dimension,
    as the lecture's own BatchNorm1d does (torch's would want the channels in dimension 1)."""

    def forward(self, x):
        if x.ndim == 2:
            return super().forward(x)
        return super().forward(x.reshape(-1, x.shape[-1])).view(x.shape)


class WaveNet(nn.Module):
    def __init__(self, vocab_size: int, block_size: int = 8, n_embd: int = 24, n_hidden: int = 128):
        super().__init__()
        for name, value in [("vocab_size", vocab_size), ("block_size", block_size), ("n_embd", n_embd),
                            ("n_hidden", n_hidden)]:
            check_positive_int(name, value, "WaveNet")
        if block_size < 2 or block_size & (block_size - 1):
            raise ValueError(f"WaveNet: block_size must be a power of two >= 2 (the tree halves it each "
                             f"layer), got {block_size}")
        self.block_size = block_size
        layers = [nn.Embedding(vocab_size, n_embd)]
        width = n_embd
        for _ in range(block_size.bit_length() - 1):                # log2(block_size) levels
            layers += [FlattenConsecutive(2), nn.Linear(2 * width, n_hidden, bias=False),
                       BatchNormLastDim(n_hidden, momentum=0.001), nn.Tanh()]
            width = n_hidden
        layers.append(nn.Linear(n_hidden, vocab_size))
        self.net = nn.Sequential(*layers)
        with teenygrad.no_grad():
            for m in self.net:                                      # the lecture's init: W ~ N(0, 1/fan_in)
                if isinstance(m, nn.Linear):
                    m.weight.normal_(0.0, m.in_features ** -0.5)
            self.net[-1].weight.mul_(0.1)                           # last layer less confident at init
            self.net[-1].bias.zero_()

    def forward(self, idx):
        """idx (b, t) int64 -> logits (b, v)."""
        return self.net(idx)                                        # (b,t,e) -> (b,t/2,h) -> ... -> (b, v)
