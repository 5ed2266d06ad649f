"""teenygrad.func's jacrev, jacfwd, hessian, jvp and vmap (and grad composed with them) against torch.func."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import rand, to_np

TOL = dict(atol=1e-5, rtol=1e-4)
W = rand((2, 3), 7)


def _f(m):
    return lambda t: m.tanh(m.tensor(W) @ t) * t[:2]


def _close(a, b):
    np.testing.assert_allclose(to_np(a), to_np(b), **TOL)


@pytest.mark.parametrize("name", ["jacrev", "jacfwd"])
def test_jacobian_against_torch(name):
    x = rand((3,), 0)
    _close(getattr(tg.func, name)(_f(tg))(tg.tensor(x)), getattr(torch.func, name)(_f(torch))(torch.tensor(x)))


def test_jacrev_argnums_and_tuple_outputs():
    x, y = rand((3,), 0), rand((2,), 1)
    got, want = [], []
    for m, out in ((tg, got), (torch, want)):
        f = lambda a, b: (m.sin(a).sum() * b, (a[:2] * b).exp())
        out.append(m.func.jacrev(f, argnums=(0, 1))(m.tensor(x), m.tensor(y)))
    for go, wo in zip(got[0], want[0]):
        for g, w in zip(go, wo):
            assert tuple(g.shape) == tuple(w.shape)
            _close(g, w)


def test_hessian_against_torch():
    x = rand((3,), 0)
    got = tg.func.hessian(lambda t: (tg.sin(t) * t.sum()).sum())(tg.tensor(x))
    want = torch.func.hessian(lambda t: (torch.sin(t) * t.sum()).sum())(torch.tensor(x))
    _close(got, want)


def test_jvp_against_torch():
    x, v = rand((3,), 0), rand((3,), 1)
    go, gt = tg.func.jvp(_f(tg), (tg.tensor(x),), (tg.tensor(v),))
    wo, wt = torch.func.jvp(_f(torch), (torch.tensor(x),), (torch.tensor(v),))
    _close(go, wo)
    _close(gt, wt)
    with pytest.raises(RuntimeError, match="jvp: Expected primals and tangents to have the same shapes"):
        tg.func.jvp(_f(tg), (tg.tensor(x),), (tg.tensor(rand((2,), 1)),))


def test_vmap_against_torch():
    b = rand((4, 3), 2)
    _close(tg.func.vmap(_f(tg))(tg.tensor(b)), torch.func.vmap(_f(torch))(torch.tensor(b)))
    _close(tg.vmap(_f(tg), in_dims=1, out_dims=1)(tg.tensor(b.T.copy())),
           torch.vmap(_f(torch), in_dims=1, out_dims=1)(torch.tensor(b.T.copy())))


def test_per_sample_gradients_with_vmap_of_grad():
    """The torch.func tutorial's per-sample gradients: vmap(grad(loss), in_dims=(None, 0, 0))."""
    xb, yb = rand((5, 3), 3), rand((5, 2), 4)
    got, want = [], []
    for m, out in ((tg, got), (torch, want)):
        loss = lambda w, x, y: ((w @ x - y) ** 2).sum()
        out.append(m.func.vmap(m.func.grad(loss), in_dims=(None, 0, 0))(m.tensor(W), m.tensor(xb), m.tensor(yb)))
    assert tuple(got[0].shape) == (5, 2, 3)
    _close(got[0], want[0])


def test_vmap_refuses_bad_input():
    f = tg.func.vmap(lambda a, b: a * b)
    with pytest.raises(ValueError, match=r"vmap: Expected all tensors to have the same size in the mapped dimension, "
                                         r"got sizes \[2, 3\]"):
        f(tg.tensor(rand((2,), 0)), tg.tensor(rand((3,), 0)))
    with pytest.raises(ValueError, match="vmap: Got in_dim=0 for an input but the input is of type float"):
        tg.func.vmap(lambda a, s: a * s)(tg.tensor(rand((2,), 0)), 2.0)
    with pytest.raises(ValueError, match=r"vmap: Got in_dim=2 for an input but the input is of shape \(2,\)"):
        tg.func.vmap(lambda a: a, in_dims=2)(tg.tensor(rand((2,), 0)))


def test_model_ensembling_with_stack_module_state_and_vmap():
    """The torch.func ensembling tutorial: stack_module_state, then vmap over functional_call."""
    got = []
    data = rand((6, 3), 12)
    for m in (tg, torch):
        m.manual_seed(0)
        models = [m.nn.Sequential(m.nn.Linear(3, 4), m.nn.BatchNorm1d(4), m.nn.Linear(4, 2)) for _ in range(3)]
        params, buffers = m.func.stack_module_state(models)
        assert all(p.requires_grad and p.is_leaf for p in params.values())
        base = models[0]
        out = m.func.vmap(lambda p, b, x: m.func.functional_call(base, (p, b), (x,)), (0, 0, None))(
            params, buffers, m.tensor(data))
        out.sum().backward()
        got.append([to_np(out)] + [to_np(params[k].grad) for k in sorted(params)] + [to_np(buffers[k]) for k in
                                                                                     sorted(buffers)])
    assert len(got[0]) == len(got[1])
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, **TOL)
    with pytest.raises(RuntimeError, match="stack_module_state: Expected all models to be of the same class"):
        tg.func.stack_module_state([tg.nn.Linear(2, 2), tg.nn.Tanh()])


def test_vjp_returns_a_tuple_per_primal_as_torch():
    for m in (tg, torch):
        _, fn = m.func.vjp(lambda a, b: a * b, m.tensor(rand((2,), 0)), m.tensor(rand((2,), 1)))
        grads = fn(m.ones(2))
        assert type(grads) is tuple and len(grads) == 2
