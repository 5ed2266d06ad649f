"""nn.FractionalMaxPool2d / 3d and nn.CrossMapLRN2d (torch's legacy local response norm): thin modules over
nn/functional_fractional.py."""
from .. import functional_fractional as FF
from .module import Module


class FractionalMaxPool2d(Module):
    """Max-pooling to output_size (or input size * output_ratio) with windows at pseudo-random offsets; a fixed
    _random_samples (N, C, 2) makes the windows repeatable, otherwise each call draws new ones."""
    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None):
        super().__init__()
        self.kernel_size = FF._pair(kernel_size, "kernel_size", "FractionalMaxPool2d")
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = None if output_size is None else FF._pair(output_size, "output_size", "FractionalMaxPool2d")
        self.output_ratio = (None if output_ratio is None
                             else FF._pair(output_ratio, "output_ratio", "FractionalMaxPool2d"))
        if output_size is None and output_ratio is None:
            raise ValueError("FractionalMaxPool2d requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("FractionalMaxPool2d: only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"FractionalMaxPool2d: output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        return FF.fractional_max_pool2d(input, self.kernel_size, self.output_size, self.output_ratio,
                                        self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool3d(Module):
    """FractionalMaxPool2d over (N, C, T, H, W): windows at pseudo-random offsets, one sample per (batch, channel,
    dim); a fixed _random_samples (N, C, 3) makes them repeatable."""
    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None):
        super().__init__()
        op = "FractionalMaxPool3d"
        self.kernel_size = FF._triple(kernel_size, "kernel_size", op)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = None if output_size is None else FF._triple(output_size, "output_size", op)
        self.output_ratio = None if output_ratio is None else FF._triple(output_ratio, "output_ratio", op)
        if output_size is None and output_ratio is None:
            raise ValueError(f"{op} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError(f"{op}: only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"{op}: output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        return FF.fractional_max_pool3d(input, self.kernel_size, self.output_size, self.output_ratio,
                                        self.return_indices, _random_samples=self._random_samples)


class CrossMapLRN2d(Module):
    """torch's legacy LRN over channels of (N, C, H, W) input: not LocalResponseNorm (its window keeps channel 0
    and is not centred, and its gradient is torch's hand-written one; see functional_fractional.CrossMapLRN2d)."""
    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return FF.cross_map_lrn2d(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
