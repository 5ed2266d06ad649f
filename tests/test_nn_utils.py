"""nn.utils against torch.nn.utils: gradient clipping (norms of every order, in place, returned norm) and
parameter <-> vector conversion."""
import math
import numpy as np
import pytest
import torch
import teenygrad as tg
import teenygrad.nn as nn
from teenygrad.nn import utils


def _twins(scale):
    rng = np.random.default_rng(1)
    shapes = [(4, 3), (3,), (2, 2, 2)]
    ours, theirs = [], []
    for s in shapes:
        a = rng.standard_normal(s).astype(np.float32)
        g = (rng.standard_normal(s) * scale).astype(np.float32)
        p, tp = nn.Parameter(tg.tensor(a)), torch.nn.Parameter(torch.tensor(a))
        p.grad, tp.grad = tg.tensor(g), torch.tensor(g)
        ours.append(p)
        theirs.append(tp)
    ours.append(nn.Parameter(tg.ones(2)))  # a parameter without a gradient is skipped
    theirs.append(torch.nn.Parameter(torch.ones(2)))
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("scale", [0.01, 10.0])
def test_clip_grad_norm(norm_type, scale):
    ours, theirs = _twins(scale)
    g0 = ours[0].grad
    total = utils.clip_grad_norm_(ours, 1.0, norm_type=float(norm_type))
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type=float(norm_type))
    assert isinstance(total, tg.Tensor) and total.dtype == np.float32 and total.shape == ()
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-5)
    assert ours[0].grad is g0  # in place
    for p, tp in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert ours[3].grad is None


def test_clip_grad_norm_single_tensor_and_nonfinite():
    p = nn.Parameter(tg.ones(3))
    p.grad = tg.tensor([3.0, 4.0, 0.0])
    assert utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8, 0.0], rtol=1e-5)
    p.grad = tg.tensor([np.inf, 1.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert utils.clip_grad_norm_([], 1.0).item() == 0.0


def test_clip_grad_value():
    ours, theirs = _twins(2.0)
    utils.clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, tp in zip(ours[:3], theirs[:3]):
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())


def test_parameters_vector_roundtrip():
    m, tm = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    v = utils.parameters_to_vector(m.parameters())
    np.testing.assert_array_equal(v.numpy(), torch.nn.utils.parameters_to_vector(tm.parameters()).detach().numpy())
    w = m.weight
    utils.vector_to_parameters(tg.arange(8, dtype=tg.float32), m.parameters())
    assert m.weight is w
    np.testing.assert_array_equal(m.weight.numpy(), np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(m.bias.numpy(), [6, 7])
    with pytest.raises(RuntimeError, match=r"vec of shape \(5,\) doesn't hold the 8 values"):
        utils.vector_to_parameters(tg.zeros(5), m.parameters())


def test_nn_utils_reachable_as_attribute():
    import teenygrad
    assert teenygrad.nn.utils.clip_grad_norm_ is utils.clip_grad_norm_
