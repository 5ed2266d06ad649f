"""x[i, j] = v and x[i, j] += 1 with integer indices and no graph: tensor_index._setitem's short path (makemore's
bigram counts) against torch, and against the general path's errors and write stamps."""
import numpy as np
import pytest
import torch

import teenygrad as tg


def _both(fn):
    a, b = tg.zeros((5, 4), dtype=tg.int32), torch.zeros((5, 4), dtype=torch.int32)
    fn(a), fn(b)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    return a, b


def test_bigram_counts_match_torch():
    pairs = np.random.default_rng(0).integers(-4, 4, (300, 2))
    def count(N):
        for i, j in pairs.tolist():
            N[i, j] += 1
    a, b = _both(count)
    assert a._version == b._version  # one write for the += and one for the set, each time, as torch counts


def test_row_and_element_writes_match_torch():
    def write(N):
        N[1] = N[2] + 3  # a row of the indexed shape
        N[0, 1] = N[4, 3]  # another element's 0-d view
        N[-1, -2] = N[1, 0] * 2
    _both(write)


def test_views_see_the_write_and_backward_refuses_a_saved_input():
    x = tg.zeros((3, 3))
    row = x[1]
    x[1, 2] = tg.tensor(5.0)
    assert row[2].item() == 5.0
    w = tg.ones(3, requires_grad=True)
    y = (w * x[0]).sum()  # Mul saved x[0], a view of x's memory
    x[0, 0] = tg.tensor(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


@pytest.mark.parametrize("index", [(5, 0), (0, -5), (1, 2, 3)])
def test_bad_index_names_the_op_and_shape(index):
    x = tg.zeros((5, 4))
    with pytest.raises(IndexError, match=r"setitem: index .* shape \(5, 4\)"):
        x[index] = tg.tensor(1.0)
    with pytest.raises(IndexError):
        torch.zeros((5, 4))[index] = torch.tensor(1.0)


def test_other_values_take_the_general_path():
    x, t = tg.zeros((2, 3)), torch.zeros((2, 3))
    for lib, z in ((tg, x), (torch, t)):
        z[0, 1] = lib.tensor(2, dtype=lib.int64)  # another dtype: cast, as torch's copy_
        z[1] = lib.tensor([[1.0, 2.0, 3.0]])  # leading 1s dropped
        z[1, 0] = 7.5
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    with pytest.raises(RuntimeError, match="setitem"):
        x[0] = tg.ones(4)  # no broadcast to (3,)
