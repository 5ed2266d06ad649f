"""The 2-D max-pool and col2im kernels (numba, float32) and the numpy paths they stand in for, both against torch:
max_pool2d with ties and NaNs, strides, dilation, padding and ceil_mode, and conv2d's input gradient."""
import numpy as np
import pytest

from helpers import compare, rand

POOLS = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(2, 3), stride=(1, 2)),
         dict(kernel_size=2, dilation=2), dict(kernel_size=3, stride=2, ceil_mode=True),
         dict(kernel_size=2, return_indices=True)]


def _pool_input(seed):
    x = rand((3, 4, 9, 10), seed)
    x[0, 0, :2, :2] = 1.0       # a tie: the first maximum (row-major in the window) wins, as torch
    x[1, 2, 3, 4] = np.nan      # a NaN wins its windows, as torch
    x[2, 1, 5, 5] = x[2, 1, 5, 6] = np.nan
    return x


@pytest.mark.parametrize("kw", POOLS)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_max_pool2d_both_paths(kw, layout, kernels):
    compare(lambda lib, x: lib.nn.functional.max_pool2d(x, **kw), [_pool_input(0)], layout=layout)


def test_max_pool2d_neg_inf_input_with_padding(kernels):
    """-inf in the input beside padding: the numpy path's _prefer_input case (the kernel steps aside)."""
    x = rand((2, 3, 6, 6), 1)
    x[0, 0, 0, 0] = x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 0, 1, 1] = -np.inf
    compare(lambda lib, x: lib.nn.functional.max_pool2d(x, 2, stride=2, padding=1), [x])


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=2, padding=2), dict(groups=2)])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_conv2d_input_gradient_both_paths(kw, layout, kernels):
    compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw),
            [rand((3, 4, 9, 10), 2), rand((6, 4 // kw.get("groups", 1), 3, 3), 3), rand((6,), 4)], layout=layout)
