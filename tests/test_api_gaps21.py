"""Public torch functions teenygrad lacked, against torch: binomial (torch's CPU draws bit for bit), ... Values,
dtypes, shapes, gradients (or torch's refusal of one), shared memory, and the exception types of bad arguments."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import raises_same

_TG = {torch.float32: tg.float32, torch.float64: tg.float64}


# ---- binomial ----------------------------------------------------------------------------------------------------
def _binomial_case(seed, dtype):
    rs = np.random.RandomState(seed)
    shape = tuple(rs.randint(1, 5, size=rs.randint(1, 3)))
    c = rs.choice([0, 1, 3, 7.5, 20, 33.3, 100, 1000, 1e5, -2], size=shape) * rs.choice([1, rs.rand()])
    p = rs.choice([0, 0.01, 0.1, 0.3, 0.5, 0.5001, 0.7, 0.95, 1, 1.2, -0.1, np.nan], size=shape)
    p = np.where(rs.rand(*shape) < 0.5, rs.rand(*shape), p)
    return c, p


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("seed", range(30))
def test_binomial_draws_are_torchs(seed, dtype):
    """Both of torch's samplers (inversion below count * p = 10, BTRS above), p over 1/2 mirrored, the edge
    values (0, 1, outside [0, 1], nan), then the generator's state after them."""
    c, p = _binomial_case(seed, dtype)
    g, G = torch.Generator().manual_seed(seed), tg.Generator().manual_seed(seed)
    want = torch.binomial(torch.tensor(c, dtype=dtype), torch.tensor(p, dtype=dtype), generator=g)
    got = tg.binomial(tg.tensor(c, dtype=_TG[dtype]), tg.tensor(p, dtype=_TG[dtype]), generator=G)
    assert got.dtype == _TG[dtype] and got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    np.testing.assert_array_equal(tg.rand(5, generator=G).numpy(), torch.rand(5, generator=g).numpy())


def test_binomial_default_generator_and_broadcast_prob():
    torch.manual_seed(3), tg.manual_seed(3)
    c = np.array([[10.0, 50, 3], [200, 1, 0]])
    want = torch.binomial(torch.tensor(c, dtype=torch.float32), torch.tensor([0.2, 0.6, 0.9]))
    got = tg.binomial(tg.tensor(c, dtype=tg.float32), tg.tensor([0.2, 0.6, 0.9]))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_binomial_grad_is_refused_as_torch():
    c, p = torch.tensor([10.0, 30], requires_grad=True), torch.tensor([0.3, 0.6], requires_grad=True)
    C, P = tg.tensor([10.0, 30], requires_grad=True), tg.tensor([0.3, 0.6], requires_grad=True)
    r, R = torch.binomial(c, p), tg.binomial(C, P)
    assert R.requires_grad == r.requires_grad
    raises_same(lambda: r.sum().backward(), lambda: R.sum().backward())


@pytest.mark.parametrize("make", [
    lambda m: m.binomial(m.tensor([10]), m.tensor([0.5])),                            # integer count
    lambda m: m.binomial(m.tensor([10.0]).half(), m.tensor([0.5]).half()),            # float16
    lambda m: m.binomial(m.tensor([10.0]).double(), m.tensor([0.5])),                 # mixed dtypes
    lambda m: m.binomial([10.0], m.tensor([0.5])),                                    # not a tensor
])
def test_binomial_bad_arguments_raise_as_torch(make):
    raises_same(lambda: make(torch), lambda: make(tg))


def test_binomial_nonfinite_count_raises_where_torch_loops_forever():
    with pytest.raises(RuntimeError, match="binomial"):
        tg.binomial(tg.tensor([float("nan")]), tg.tensor([0.5]))
