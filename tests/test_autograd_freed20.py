"""autograd.grad / backward(inputs=) through a graph an earlier backward freed: torch refuses when the gradient
has to pass through a freed node ("backward through the graph a second time"), and computes when the freed part
lies off every path to the requested inputs. teenygrad skipped the freed path silently (a wrong gradient) when
the input was also reachable another way."""
import gc
import weakref

import numpy as np
import pytest
import torch

import teenygrad as tg


class _Sq:
    """x * x as a custom autograd.Function (its ctx is freed by a backward as built-in nodes are)."""
    def __init__(self, L):
        class Sq(L.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * a

            @staticmethod
            def backward(ctx, g):
                a, = ctx.saved_tensors
                return 2 * a * g
        self.apply = Sq.apply


def _case(L, name):
    L.manual_seed(0)
    x, w = L.randn(3, requires_grad=True), L.randn(3, requires_grad=True)
    if name == "reciprocal, input also reached directly":
        r = x.reciprocal()
        L.autograd.grad(r.sum(), [x])
        return L.autograd.grad((x * r.exp()).sum(), [x])
    if name == "exp, input also reached directly":
        y = x.exp()
        y.sum().backward()
        return L.autograd.grad((x * y).sum(), [x])
    if name == "freed branch off the path":
        y = (x * 2).tanh()
        y.sum().backward()
        return L.autograd.grad((y * w).sum(), [w])
    if name == "backward(inputs=) through the freed branch":
        y = (x * 2).tanh()
        y.sum().backward()
        (y * x).sum().backward(inputs=[x])
        return (x.grad,)
    if name == "backward(inputs=) off the freed branch":
        y = (x * 2).tanh()
        y.sum().backward()
        (y * w).sum().backward(inputs=[w])
        return (w.grad,)
    if name == "custom Function freed, needed":
        q = _Sq(L).apply(x)
        q.sum().backward()
        return L.autograd.grad((q * x).sum(), [x])
    if name == "custom Function freed, off the path":
        q = _Sq(L).apply(x)
        q.sum().backward()
        return L.autograd.grad((q * w).sum(), [w])
    if name == "two freed levels below a live node":
        y = x.sin().exp()
        y.sum().backward()
        z = (y + w).cos()
        return L.autograd.grad((z * x).sum(), [x, w])
    if name == "Weibull mean then mode":
        s, k = L.tensor(1.5, requires_grad=True), L.tensor(2.0, requires_grad=True)
        d = L.distributions.Weibull(s, k)
        L.autograd.grad(d.mean, [s, k])
        return L.autograd.grad(d.mode, [s, k])
    raise KeyError(name)


CASES = ["reciprocal, input also reached directly", "exp, input also reached directly", "freed branch off the path",
         "backward(inputs=) through the freed branch", "backward(inputs=) off the freed branch",
         "custom Function freed, needed", "custom Function freed, off the path", "two freed levels below a live node",
         "Weibull mean then mode"]


@pytest.mark.parametrize("name", CASES)
def test_grad_through_a_freed_graph_as_torch(name):
    try:
        want = _case(torch, name)
    except RuntimeError as e:
        assert "second time" in str(e)
        with pytest.raises(RuntimeError, match="second time"):
            _case(tg, name)
        return
    got = _case(tg, name)
    assert len(got) == len(want)
    for g, t in zip(got, want):
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_freed_graph_does_not_keep_input_data():
    """What a freed node keeps of its inputs is the graph, not the data: an input batch that takes no gradient is
    released once the step is done, even while the loss tensor is kept (losses.append(loss))."""
    w = tg.randn(8, 4, requires_grad=True)
    x = tg.randn(1000, 8)
    ref = weakref.ref(x)
    loss = (x @ w).tanh().sum()
    loss.backward()
    del x
    gc.collect()
    assert ref() is None
    assert loss.grad_fn is not None
