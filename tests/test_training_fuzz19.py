"""Random small models (embeddings, linear/conv layers, norms, RNNs, attention, transformer layers, nested
containers, tied and shared parameters) trained a few steps in torch and in teenygrad from the same weights, with
a random optimizer, parameter groups, clipping, gradient accumulation, a scheduler, frozen layers, train/eval
switches and mid-run checkpoints; losses, learning rates, parameters and optimizer state compared (nineteenth
landing). What the sweep found is pinned by a direct case below."""

import importlib

import numpy as np
import torch

import teenygrad as tg


def _tiny_model(L):
    m = L.nn.Linear(3, 2).double()
    with L.no_grad():
        m.weight.copy_(L.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], dtype=L.float64))
        m.bias.fill_(0.1)
    return m


def _hook_run(L):
    """Every optimizer hook torch has, with what each sees and returns; the log and the parameters come back."""
    m = _tiny_model(L)
    x = L.tensor([[1.0, 2.0, 3.0]], dtype=L.float64)
    opt = L.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    log = []

    def closure():
        opt.zero_grad()
        loss = m(x).pow(2).sum()
        loss.backward()
        log.append(("closure", round(loss.item(), 10)))
        return loss

    h_pre = opt.register_step_pre_hook(lambda o, args, kw: log.append(("pre", len(args), sorted(kw))) or ((o,), {"closure": closure}))
    opt.register_step_post_hook(lambda o, args, kw: log.append(("post", sorted(kw))))
    module = importlib.import_module(L.__name__ + ".optim.optimizer")
    g_pre = module.register_optimizer_step_pre_hook(lambda o, a, k: log.append(("global pre",)))
    g_post = module.register_optimizer_step_post_hook(lambda o, a, k: log.append(("global post",)))
    try:
        out = opt.step()  # the pre hook hands step a closure
        log.append(("step returned", round(out.item(), 10)))
        h_pre.remove()
        closure()
        opt.step()
    finally:
        g_pre.remove()
        g_post.remove()
    opt.register_state_dict_pre_hook(lambda o: log.append(("sd pre",)))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_load_state_dict_pre_hook(lambda o, sd: {k: v for k, v in sd.items() if k != "extra"})
    opt.register_load_state_dict_post_hook(lambda o: log.append(("load post",)), prepend=True)
    sd = opt.state_dict()
    log.append(("sd keys", sorted(sd)))
    opt.load_state_dict(sd)
    return log, [p.detach().numpy() for p in m.parameters()]


def test_optimizer_hooks_as_torch():
    """Optimizer.register_step_pre_hook / _post_hook, the state_dict and load_state_dict hooks and the global
    register_optimizer_step_pre_hook / _post_hook were missing (AttributeError)."""
    got, want = _hook_run(tg), _hook_run(torch)
    assert got[0] == want[0]
    for a, b in zip(got[1], want[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def _flat_grad_buffer_run(L):
    """Each parameter's .grad a view of one flat buffer (how gradient bucketing packs them), two backward passes."""
    m = _tiny_model(L)
    flat = L.zeros(sum(p.numel() for p in m.parameters()), dtype=L.float64)
    offset = 0
    for p in m.parameters():
        p.grad = flat[offset:offset + p.numel()].view_as(p)
        offset += p.numel()
    x = L.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], dtype=L.float64)
    for _ in range(2):
        m(x).pow(2).sum().backward()
    before = flat.clone()
    flat.mul_(0.5)  # e.g. averaging the bucket: the .grad views see it
    return before.numpy(), m.weight.grad.numpy(), m.bias.grad.numpy(), m.weight.grad._version


def test_backward_accumulates_into_a_grad_in_place():
    """A second backward replaced .grad's memory instead of adding into it, so a flat gradient buffer whose views
    were the .grads (and views or numpy() arrays of a .grad) kept the first pass's values: torch accumulates in
    place."""
    got, want = _flat_grad_buffer_run(tg), _flat_grad_buffer_run(torch)
    for a, b in zip(got[:3], want[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert got[3] == want[3]
    for L in (torch, tg):
        w = L.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        held, view = w.grad.numpy(), w.grad[:1]
        (w * w).sum().backward()
        assert held.tolist() == [4.0, 8.0] and view.tolist() == [4.0]


def _kept_by_hooks_run(L):
    """Hooks that keep the gradient they were handed: a later pass accumulating into .grad must not change them."""
    kept = []
    w = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
    a = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
    b = L.tensor([3.0, 4.0], dtype=L.float64, requires_grad=True)
    w.register_hook(kept.append)
    L.autograd.graph.register_multi_grad_hook((a, b), kept.extend)
    for _ in range(2):
        y = w * L.tensor([3.0, 4.0], dtype=L.float64)
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: kept.append(grad_inputs[0]))
        y.sum().backward()
        (a * b).sum().backward()
    return [k.tolist() for k in kept], w.grad.tolist(), a.grad.tolist()


def test_gradients_hooks_kept_stay_as_they_were():
    assert _kept_by_hooks_run(tg) == _kept_by_hooks_run(torch)
