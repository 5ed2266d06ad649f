"""softmax / log_softmax along every dim against torch: the last axis runs _numba_kernels' row kernels, a middle or
first axis backend/_numba_softmax's block kernels (running max / sum vectors over the trailing dims), and an axis
that is contiguous in a transposed view the row kernels on that view. Each runs with the kernels on and off."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import compare, compare_double, rand, to_np

SHAPES = [(4, 7, 5), (3, 5, 6, 7), (2, 33, 40), (2, 3, 1), (2, 1, 5)]
CASES = [(s, d) for s in SHAPES for d in range(len(s))]
FNS = ["softmax", "log_softmax"]


@pytest.mark.parametrize("shape,dim", CASES)
@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_softmax_every_dim(kernels, shape, dim, fn, layout):
    compare(lambda lib, x: getattr(x, fn)(dim), [rand(shape, 0)], layout=layout)


@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_axis_contiguous_in_a_view(kernels, fn, dim):
    # x.transpose(dim, -1): the softmax axis has stride 1, so the row kernels take the view without a copy
    compare(lambda lib, x: getattr(x.transpose(dim, -1), fn)(dim) * 1.5, [rand((5, 6, 9), 0)])


@pytest.mark.parametrize("fn", FNS)
def test_softmax_middle_axis_takes_the_kernel(kernels, fn):
    from teenygrad.backend import cpu
    y = getattr(tg.tensor(rand((2, 5, 3), 0), requires_grad=True), fn)(1)
    expect = "teenygrad.backend._numba_softmax" if cpu.fused() is not None else None
    assert getattr(y._ctx.kernels, "__name__", None) == expect


def _special(dim):
    """(3, 4, 5) with -inf entries, a slice along dim all -inf, a slice holding +inf, and one large value."""
    x = rand((3, 4, 5), 0)
    x[0, 1, 2] = x[2, 3, 0] = -np.inf
    idx = [1, 2, 3]
    idx[dim] = slice(None)
    x[tuple(idx)] = -np.inf                      # all -inf along dim: NaN, as torch
    idx = [2, 0, 4]
    idx[dim] = 1
    x[tuple(idx)] = np.inf                       # +inf: that slice NaN
    x[0, 0, 0] = 80.0
    return x


@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("fn", FNS)
def test_softmax_infinities(kernels, dim, fn):
    compare(lambda lib, x: getattr(x, fn)(dim), [_special(dim)])


@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("fn", FNS)
def test_softmax_nan_falls_back(kernels, dim, fn):
    x = rand((3, 4, 5), 0)
    x[1, 2, 3] = np.nan
    compare(lambda lib, x: getattr(x, fn)(dim), [x])
    y = getattr(tg.tensor(x), fn)(dim)
    assert y._ctx is None or y._ctx.kernels is None


@pytest.mark.parametrize("fn", FNS)
def test_softmax_middle_axis_values(kernels, fn):
    # a large block (more than the vector width along both axes) against torch in float64
    x = rand((3, 37, 70), 1, low=-20, high=20)
    got = to_np(getattr(tg.tensor(x), fn)(1))
    want = getattr(torch.tensor(x, dtype=torch.float64), fn)(1).numpy()
    np.testing.assert_allclose(got, want, atol=2e-6, rtol=1e-5)


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("fn", FNS)
def test_softmax_double_backward(kernels, dim, fn):
    compare_double(lambda lib, x: getattr(x, fn)(dim), [rand((3, 4, 5), 0)])


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("fn", FNS)
def test_softmax_float64_gradcheck(dim, fn):
    x = tg.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)), requires_grad=True)
    assert tg.autograd.gradcheck(lambda t: getattr(t, fn)(dim), [x])


@pytest.mark.parametrize("fn", FNS)
def test_cross_entropy_class_dim_second(kernels, fn):
    # (n, C, d) logits: F.cross_entropy and the explicit log_softmax(1) + nll_loss agree with torch
    x = rand((4, 6, 7), 0)
    t = np.random.default_rng(1).integers(0, 6, (4, 7))
    F = {tg: tg.nn.functional, torch: torch.nn.functional}
    if fn == "softmax":
        compare(lambda lib, x, t: F[lib].cross_entropy(x, t), [x, t], grad=[True, False])
    else:
        compare(lambda lib, x, t: F[lib].nll_loss(x.log_softmax(1), t), [x, t], grad=[True, False])
