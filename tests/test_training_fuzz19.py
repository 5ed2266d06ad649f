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
