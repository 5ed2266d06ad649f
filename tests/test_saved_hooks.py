"""torch.autograd.graph's saved-tensor hooks (teenygrad/autograd/graph.py), against torch: gradients through packed
values, what pack may change (a lossy float16 copy shows in the gradient), nesting, save_on_cpu, custom Functions,
create_graph, retain_graph and the errors."""
import numpy as np
import pytest
import torch

import teenygrad as tg


def _mlp(lib, seed=0):
    rng = np.random.default_rng(seed)
    ws = [lib.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
          for s in ((5, 8), (8,), (8, 3), (3,))]
    x = lib.tensor(rng.standard_normal((4, 5)).astype(np.float32))
    return ws, x


def _loss(lib, ws, x):
    w1, b1, w2, b2 = ws
    h = lib.nn.functional.gelu(x @ w1 + b1).tanh()
    return ((h @ w2 + b2).softmax(-1) ** 2).sum()


def _grads(lib, hooks=None):
    ws, x = _mlp(lib)
    if hooks is None:
        loss = _loss(lib, ws, x)
    else:
        with lib.autograd.graph.saved_tensors_hooks(*hooks):
            loss = _loss(lib, ws, x)
    loss.backward()
    return [w.grad.numpy().copy() for w in ws]


def _both(fn):
    return fn(torch), fn(tg)


def test_identity_and_clone_hooks_keep_the_gradients():
    for lib in (torch, tg):
        ref = _grads(lib)
        calls = []
        got = _grads(lib, (lambda t: (calls.append(tuple(t.shape)), t.clone())[1], lambda t: t))
        assert calls, f"{lib.__name__}: pack was never called"
        for a, b in zip(got, ref):
            np.testing.assert_array_equal(a, b)
    for a, b in zip(_grads(tg), _grads(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_lossy_pack_shows_in_the_gradients_as_in_torch():
    hooks = (lambda t: (t.dtype, t.to(tg.float16 if isinstance(t, tg.Tensor) else torch.float16)),
             lambda p: p[1].to(p[0]))
    for lib in (torch, tg):
        ref, got = _grads(lib), _grads(lib, hooks)
        err = max(np.abs(a - b).max() for a, b in zip(got, ref))
        assert 0 < err < 1e-2, f"{lib.__name__}: float16 round trip changed the gradients by {err}"


def test_save_on_cpu_and_hooks_only_inside_the_context():
    for lib in (torch, tg):
        ws, x = _mlp(lib)
        with lib.autograd.graph.save_on_cpu():
            loss = _loss(lib, ws, x)
        loss.backward()
        ref = _grads(lib)
        for w, r in zip(ws, ref):
            np.testing.assert_array_equal(w.grad.numpy(), r)
    calls = []
    ws, x = _mlp(tg)
    with tg.autograd.graph.saved_tensors_hooks(lambda t: (calls.append(1), t)[1], lambda t: t):
        pass
    _loss(tg, ws, x).backward()
    assert calls == []


def test_the_innermost_hooks_win():
    for lib in (torch, tg):
        outer, inner = [], []
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: (outer.append(1), t)[1], lambda t: t):
            with lib.autograd.graph.saved_tensors_hooks(lambda t: (inner.append(1), t)[1], lambda t: t):
                y = x.exp().sum()
            z = (x * x).sum()
        (y + z).backward()
        assert inner and outer, lib.__name__
        np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, 1.5]) + 2 * np.array([0.5, 1.5]), rtol=1e-6)


def test_custom_function_packs_each_saved_tensor_as_torch():
    def make(lib):
        class Mul(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                ctx.save_for_backward(x, y)
                return x * y

            @staticmethod
            def backward(ctx, g):
                x, y = ctx.saved_tensors
                return g * y, g * x
        return Mul

    for lib in (torch, tg):
        packs, unpacks = [], []
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = lib.tensor([4.0, 5.0, 6.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: (packs.append(1), t * 1)[1],
                                                    lambda t: (unpacks.append(1), t)[1]):
            z = make(lib).apply(x, y)
        z.sum().backward()
        assert (len(packs), len(unpacks)) == (2, 2), lib.__name__
        np.testing.assert_array_equal(x.grad.numpy(), [4, 5, 6])
        np.testing.assert_array_equal(y.grad.numpy(), [1, 2, 3])


def test_create_graph_and_retain_graph_through_packed_values():
    def run(lib):
        x = lib.tensor([0.3, -0.7, 1.2], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), lambda t: t):
            y = (x.tanh() * x.exp()).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x, retain_graph=True)
        (gg2,) = lib.autograd.grad(g.sum(), x)
        return g.detach().numpy(), gg.numpy(), gg2.numpy()
    for a, b in zip(*_both(run)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_errors_as_torch():
    for lib in (torch, tg):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: 3):
            y = (x * x).sum()
        with pytest.raises(TypeError):
            y.backward()
        with pytest.raises(RuntimeError, match="no hooks here"):
            with lib.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
                with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                    pass
        with pytest.raises(RuntimeError, match="no hooks here"):
            with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                with lib.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
                    pass


@pytest.mark.parametrize("case", ["getitem", "diagonal", "unfold", "as_strided", "batchnorm", "maxpool_indices",
                                  "view_write_through"])
def test_ops_that_read_their_node_after_the_op_work_under_hooks(case):
    """views (their source), BatchNorm (its batch statistics) and max pooling (its winners) are read right after the
    op: the hooks must leave those alone, and the values and gradients stay torch's"""
    rng = np.random.default_rng(2)
    x0 = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)

    def run(lib):
        F = lib.nn.functional
        x = lib.tensor(x0, requires_grad=True)
        with lib.autograd.graph.save_on_cpu():
            y = x * 2
            if case == "getitem":
                out = y[0, 1] * y[:, 1].sum()
            elif case == "diagonal":
                out = y[0, 0].diagonal() * 3
            elif case == "unfold":
                out = y[0, 0].unfold(1, 2, 1).exp()
            elif case == "as_strided":
                out = y.reshape(-1).as_strided((3, 3), (2, 1)).sin()
            elif case == "batchnorm":
                lib.manual_seed(0)
                bn = lib.nn.BatchNorm2d(3)
                out = bn(y).tanh()
                out = out * 1 + bn.running_mean.sum() * 0
            elif case == "maxpool_indices":
                out, idx = F.max_pool2d(y, 2, return_indices=True)
                out = out * (idx % 3 + 1)
            else:
                z = y.clone()
                v = z[:, 0]
                v.mul_(3)
                out = (z * z).sum(0)
        out.square().sum().backward()
        return out.detach().numpy(), x.grad.numpy()
    for a, b in zip(run(torch), run(tg)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)


def test_unpack_runs_on_every_backward_of_a_retained_graph():
    for lib in (torch, tg):
        unpacks = []
        x = lib.tensor([0.3, 0.6], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: (unpacks.append(1), t)[1]):
            y = x.exp().sum()
        y.backward(retain_graph=True)
        first = len(unpacks)
        y.backward()
        assert first > 0 and len(unpacks) == 2 * first, lib.__name__


def test_a_retained_graph_keeps_only_the_packed_values():
    """save_on_cpu's point: after a backward(retain_graph=True) the node holds the packed copy, not the array"""
    x = tg.tensor([0.3, 0.6], requires_grad=True)
    with tg.autograd.graph.saved_tensors_hooks(lambda t: ("packed", t.clone()), lambda p: p[1]):
        y = x.exp()
    y.sum().backward(retain_graph=True)
    node = y.grad_fn
    assert node._packed is not None and not any(k in node.__dict__ for k in node._packed[1])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([0.3, 0.6]), rtol=1e-6)
