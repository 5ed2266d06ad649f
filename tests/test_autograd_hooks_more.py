"""Tensor.register_post_accumulate_grad_hook against torch: hook(tensor) runs once backward has accumulated a leaf's
.grad (after the leaf's register_hook hooks), also for backward(inputs=...) on the listed leaves, never for
autograd.grad, which stores no .grad; only leaves take one."""
import numpy as np
import pytest
import torch

import teenygrad as tg


def _w(L):
    return L.tensor([1.0, -2.0, 3.0], requires_grad=True)


def _log_accumulations(L):
    w, v = _w(L), L.tensor([0.5, 0.25], requires_grad=True)
    log = {"w": [], "w again": [], "v": []}  # per leaf: the order among leaves is the engine's own
    hw = w.register_post_accumulate_grad_hook(lambda t: log["w"].append(t.grad.tolist()))
    w.register_post_accumulate_grad_hook(lambda t: log["w again"].append((len(log["w"]), L.is_grad_enabled())))
    v.register_post_accumulate_grad_hook(lambda t: log["v"].append(t.grad.tolist()))
    (w * w).sum().backward()                            # v unused: its hook does not run
    (w * 3).sum().backward()                            # accumulated: the hook sees the sum
    w.register_hook(lambda g: g * 10)                   # runs first, on the gradient that is then accumulated
    ((w * 1).sum() + (v * v).sum()).backward()
    w.backward(L.ones(3))                               # backward on the leaf itself
    L.autograd.grad((w * 2).sum() + v.sum(), [w, v])    # no .grad is accumulated: no hook
    ((w * 2).sum() + v.sum()).backward(inputs=[w])      # only w's .grad is accumulated: only w's hooks
    hw.remove()
    (w * w).sum().backward()
    return log, w.grad.tolist(), v.grad.tolist()


def test_post_accumulate_grad_hooks_run_as_torch():
    ours, theirs = _log_accumulations(tg), _log_accumulations(torch)
    assert ours == theirs
    assert [len(ours[0][k]) for k in ("w", "w again", "v")] == [5, 6, 1]  # the test sees the hooks run at all


def test_a_hook_can_step_its_parameter_as_torch():
    # torch's per-parameter optimizer pattern: update in the hook, drop the gradient
    def train(L):
        w = L.tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
        x = L.tensor([[1.0, 2.0], [-1.0, 0.5]])

        def step(p):
            p.sub_(0.1 * p.grad)        # hooks run without a graph, as in torch: no no_grad needed for a leaf
            p.grad = None
        w.register_post_accumulate_grad_hook(step)
        for _ in range(3):
            ((x @ w).tanh() ** 2).sum().backward()
            assert w.grad is None
        return w.detach().numpy().copy()
    np.testing.assert_allclose(train(tg), train(torch), rtol=1e-6)
    assert not np.allclose(train(tg), [[0.5, -1.0], [2.0, 0.3]])


@pytest.mark.parametrize("make, message", [
    (lambda L: _w(L) * 2, "post accumulate grad hooks cannot be registered on non-leaf tensors"),
    (lambda L: L.tensor([1.0, 2.0]), "cannot register a hook on a tensor that doesn't require gradient"),
])
def test_post_accumulate_grad_hook_refusals_as_torch(make, message):
    for L in (torch, tg):
        with pytest.raises(RuntimeError, match=message):
            make(L).register_post_accumulate_grad_hook(lambda t: None)


def test_a_hook_that_returns_a_value_is_refused():
    for L in (torch, tg):
        w = _w(L)
        w.register_post_accumulate_grad_hook(lambda t: 5)
        with pytest.raises(TypeError):
            (w * w).sum().backward()
    w = _w(tg)
    with pytest.raises(TypeError, match="register_post_accumulate_grad_hook: expected a callable"):
        w.register_post_accumulate_grad_hook(3)


def test_handle_removes_on_leaving_a_with_block():
    w, seen = _w(tg), []
    with w.register_post_accumulate_grad_hook(lambda t: seen.append(1)):
        w.sum().backward()
    w.sum().backward()
    assert seen == [1]


@pytest.mark.parametrize("make", [lambda x: x.view(x.shape), lambda x: x.reshape(3, 2), lambda x: x.view(-1, 2)])
def test_same_shape_view_is_its_own_tensor(make):
    """x.view(x.shape) is a new view, as in torch: its hook sees only its own gradient, and detach_() on it raises
    (it used to be x itself: the hook saw x's whole gradient, detach_ detached x)."""
    seen = {}
    for lib in (tg, torch):
        x = lib.ones(3, 2, requires_grad=True)
        y = make(x)
        assert y is not x
        got = []
        y.register_hook(lambda g: got.append(g.tolist()))
        (x * 2 + y * 3).sum().backward()
        seen[lib.__name__] = got, x.grad.tolist()
        with pytest.raises(RuntimeError):
            make(x.detach()).detach_()
    assert seen["teenygrad"] == seen["torch"]
