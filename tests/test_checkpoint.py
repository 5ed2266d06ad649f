"""teenygrad.utils.checkpoint against torch.utils.checkpoint (use_reentrant=False): same gradients (dropout masks
included, through the saved random state), autograd.grad and create_graph through it, and no activations kept."""
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import rand, to_np

TOL = dict(atol=1e-5, rtol=1e-4)


def _net(m):
    m.manual_seed(0)
    return m.nn.Sequential(m.nn.Linear(6, 8), m.nn.Tanh(), m.nn.Dropout(0.3), m.nn.Linear(8, 8), m.nn.Sigmoid(),
                           m.nn.Linear(8, 3))


def _run(m, how):
    net = _net(m)
    x = m.tensor(rand((4, 6), 0), requires_grad=True)
    m.manual_seed(1)
    ck = m.utils.checkpoint
    if how == "sequential":
        y = ck.checkpoint_sequential(net, 2, x, use_reentrant=False)
    else:
        h = ck.checkpoint(lambda t: net[2](net[1](net[0](t))), x, use_reentrant=False)
        y = ck.checkpoint(lambda t: net[5](net[4](net[3](t))), h, use_reentrant=False)
    loss = (y ** 2).sum()
    if how == "grad":
        grads = m.autograd.grad(loss, [x] + list(net.parameters()))
    else:
        loss.backward()
        grads = [x.grad] + [p.grad for p in net.parameters()]
    return [to_np(loss)] + [to_np(g) for g in grads]


@pytest.mark.parametrize("how", ["backward", "grad", "sequential"])
def test_checkpoint_against_torch(how):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for a, b in zip(_run(tg, how), _run(torch, how)):
            np.testing.assert_allclose(a, b, **TOL)


def test_checkpoint_keeps_no_activations_and_runs_twice():
    calls = []
    w = tg.tensor(rand((6, 6), 1), requires_grad=True)

    def block(t):
        calls.append(1)
        return tg.tanh(tg.tanh(t @ w) @ w)

    x = tg.tensor(rand((4, 6), 0), requires_grad=True)
    y = tg.utils.checkpoint.checkpoint(block, x, use_reentrant=False)
    node = y.grad_fn
    assert [p is x or p is w for p in node.parents] == [True, True]  # the inputs and the weight, nothing inside
    assert not any(isinstance(v, np.ndarray) and v.shape == (4, 6) and v is not x._data for v in vars(node).values())
    y.sum().backward()
    assert len(calls) == 2  # once forward, once again in backward
    x2, w2 = x.detach().requires_grad_(), w.detach().requires_grad_()
    tg.tanh(tg.tanh(x2 @ w2) @ w2).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), to_np(x2.grad), **TOL)
    np.testing.assert_allclose(to_np(w.grad), to_np(w2.grad), **TOL)


def test_double_backward_through_checkpoint():
    got = []
    for m in (tg, torch):
        x = m.tensor(rand((3, 4), 0), requires_grad=True)
        w = m.tensor(rand((4, 2), 1), requires_grad=True)
        y = m.utils.checkpoint.checkpoint(lambda t: m.sigmoid(t @ w) * t.sum(), x, use_reentrant=False)
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (g * g).sum().backward()
        got.append([to_np(g), to_np(x.grad), to_np(w.grad)])
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, **TOL)


def test_checkpoint_tensorless_output_and_no_grad():
    x = tg.tensor(rand((2,), 0), requires_grad=True)
    assert tg.utils.checkpoint.checkpoint(lambda t: 1.0, x, use_reentrant=False) == 1.0  # as torch: passed through
    with tg.no_grad():
        y = tg.utils.checkpoint.checkpoint(lambda t: t * 2.0, x, use_reentrant=False)
    assert not y.requires_grad
    with pytest.raises(ValueError, match="checkpoint_sequential: segments must be a positive int, got 0"):
        tg.utils.checkpoint.checkpoint_sequential([lambda t: t], 0, x)
