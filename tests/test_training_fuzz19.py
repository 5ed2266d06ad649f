"""Random small models (embeddings, linear/conv layers, norms, RNNs, attention, transformer layers, nested
containers, tied and shared parameters) trained a few steps in torch and in teenygrad from the same weights, with
a random optimizer, parameter groups, clipping, gradient accumulation, a scheduler, frozen layers, train/eval
switches and mid-run checkpoints; losses, learning rates, parameters and optimizer state compared (nineteenth
landing). What the sweep found is pinned by a direct case below."""

import importlib
import os
import random
import tempfile
import warnings

import numpy as np
import pytest
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

    def pre(o, args, kwargs):  # args start with the optimizer; the step gets a closure instead
        log.append(("pre", len(args), sorted(kwargs)))
        return (o,), {"closure": closure}

    h_pre = opt.register_step_pre_hook(pre)
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


# ---- the fuzzer ---------------------------------------------------------------------------------------------------
V, D = 11, 8  # vocabulary, model width
TOL64, TOL32 = (1e-7, 1e-9), (1e-3, 1e-4)  # (rtol, atol): float64 runs, and float32 runs (every third seed)


def _mask_key_bias(L, mha):
    """The key bias's gradient is zero in exact arithmetic (softmax is shift-invariant), so Adam or RMSprop would
    turn each library's rounding noise into lr-sized steps: hold it at exactly zero."""
    if mha.in_proj_bias is not None:
        keep = L.ones(3 * D)
        keep[D:2 * D] = 0
        mha.in_proj_bias.register_hook(lambda g: g * keep)


def _blocks(L):
    """Wrappers that make each layer map (b, t, D) to (b, t, D), in library L."""
    nn = L.nn

    class Wrap(nn.Module):
        def __init__(self, m, how=None):
            super().__init__()
            self.m, self.how = m, how

        def forward(self, x):
            if self.how == "channels":  # Conv1d, BatchNorm1d, GroupNorm: (b, D, t)
                return self.m(x.transpose(1, 2)).transpose(1, 2)
            if self.how == "residual":
                return x + self.m(x)
            if self.how == "bilinear":
                return self.m(x, x.tanh())
            if self.how == "causal":  # TransformerEncoderLayer / TransformerEncoder with a causal mask
                mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1], dtype=x.dtype)
                return self.m(x, mask, is_causal=True)
            if self.how == "decoder":
                mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1], dtype=x.dtype)
                return self.m(x, x.flip(1).tanh(), tgt_mask=mask)
            return self.m(x)

    class Layers(nn.Module):
        def __init__(self, layers, as_dict):
            super().__init__()
            self.layers = nn.ModuleDict({"a": layers[0], "b": layers[-1]}) if as_dict else nn.ModuleList(layers)

        def forward(self, x):
            if isinstance(self.layers, nn.ModuleDict):
                return self.layers["a"](x) + 0.5 * self.layers["b"](x)
            for m in self.layers:
                x = m(x)
            return x

    class Recurrent(nn.Module):
        def __init__(self, kind, batch_first, layers, bidirectional, bias):
            super().__init__()
            h = D // 2 if bidirectional else D
            kw = dict(num_layers=layers, batch_first=batch_first, bidirectional=bidirectional, bias=bias)
            self.rnn = nn.LSTM(D, 2 * h, proj_size=h, **kw) if kind == "LSTMP" else getattr(nn, kind)(D, h, **kw)
            self.batch_first = batch_first

        def forward(self, x):
            y, _ = self.rnn(x if self.batch_first else x.transpose(0, 1))
            return y if self.batch_first else y.transpose(0, 1)

    class Attention(nn.Module):
        def __init__(self, heads, batch_first, mask, bias, kv):
            super().__init__()
            self.batch_first, self.mask, self.kv = batch_first, mask, kv
            if kv:  # kdim / vdim, add_bias_kv, add_zero_attn, per-head weights
                self.mha = nn.MultiheadAttention(D, heads, batch_first=batch_first, kdim=6, vdim=5,
                                                 add_bias_kv=kv == "bias_kv", add_zero_attn=kv == "zero_attn")
                self.k, self.v = nn.Linear(D, 6, bias=False), nn.Linear(D, 5)
            else:
                self.mha = nn.MultiheadAttention(D, heads, batch_first=batch_first, bias=bias)
            if kv in (None, "plain"):
                _mask_key_bias(L, self.mha)

        def forward(self, x):
            b, t = x.shape[0], x.shape[1]
            attn_mask = key_padding_mask = None
            if self.mask == "causal":
                attn_mask = nn.Transformer.generate_square_subsequent_mask(t, dtype=x.dtype)
            elif self.mask == "bool":
                attn_mask = L.ones(t, t, dtype=L.bool).triu(1)
            elif self.mask == "float":
                attn_mask = L.arange(t * t, dtype=x.dtype).reshape(t, t).sin() * 0.5
            elif self.mask == "padding":
                key_padding_mask = L.zeros(b, t, dtype=L.bool)
                key_padding_mask[:, -1] = True
            xi = x if self.batch_first else x.transpose(0, 1)
            k, v = (self.k(xi), self.v(xi)) if self.kv else (xi, xi)
            y, w = self.mha(xi, k, v, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                            average_attn_weights=self.kv != "plain")
            y = y if self.batch_first else y.transpose(0, 1)
            w = w.sum(1) if self.kv == "plain" else w  # per-head weights: (b, heads, t, t)
            return y + 0.1 * (w.sum(-1, keepdim=True) if self.batch_first else w.sum(-1).transpose(0, 1)[..., None])

    class Model(nn.Module):
        def __init__(self, blocks, tie, shared):
            super().__init__()
            self.emb = nn.Embedding(V, D, padding_idx=0)
            self.blocks = nn.Sequential(*blocks)
            self.shared = shared  # applied twice
            self.head = nn.Linear(D, V, bias=not tie)
            if tie:
                self.head.weight = self.emb.weight

        def forward(self, idx):
            x = self.blocks(self.emb(idx))  # (b, t, D)
            if self.shared is not None:
                x = self.shared(self.shared(x))
            return self.head(x)  # (b, t, V)

    return Wrap, Layers, Recurrent, Attention, Model


_BLOCKS = {L: _blocks(L) for L in (torch, tg)}


class _Builder:
    """One random model in library L: the seeded choices are the same in both libraries."""

    def __init__(self, L, seed):
        self.L, self.nn, self.r = L, L.nn, random.Random(seed)
        self.Wrap, self.Layers, self.Recurrent, self.Attention, self.Model = _BLOCKS[L]

    def act(self):
        nn = self.nn
        kinds = (nn.ReLU, nn.GELU, nn.Tanh, nn.SiLU, nn.Sigmoid, nn.ELU, nn.Softplus, nn.Mish, nn.Hardswish)
        return self.r.choice(kinds)()

    def model(self):
        r = self.r
        blocks = [self.block(0) for _ in range(r.randint(1, 3))]
        if r.random() < 0.2:
            blocks.append(blocks[0])  # the same module twice: its parameters under two names, updated once
        shared = self.nn.Linear(D, D) if r.random() < 0.3 else None
        return self.Model(blocks, r.random() < 0.4, shared)

    def block(self, depth):
        nn, r, L = self.nn, self.r, self.L
        kind = r.choice("linear norm norm conv rnn attention attention2 encoder_layer encoder decoder prelu "
                        "bilinear dropout residual sequential list dict".split())
        if depth > 1 and kind in ("residual", "sequential", "list", "dict"):
            kind = "linear"
        if kind == "linear":
            return nn.Sequential(nn.Linear(D, D, bias=r.random() < 0.7), self.act())
        if kind == "norm":
            # an activation on each side: a norm takes away a shift (or scale) added just before it, so an earlier
            # bias would have a zero gradient in exact arithmetic, which Adam turns into noise-driven steps
            return nn.Sequential(self.act(), self.norm(), self.act())
        if kind == "conv":
            ks = r.choice([1, 3])
            mode = r.choice(["zeros", "reflect", "circular", "replicate"]) if ks > 1 else "zeros"
            conv = nn.Conv1d(D, D, ks, padding=ks // 2, bias=r.random() < 0.7, padding_mode=mode,
                             groups=r.choice([1, 2]))
            return nn.Sequential(self.Wrap(conv, "channels"), self.act())
        if kind == "rnn":
            return self.Recurrent(r.choice(["GRU", "LSTM", "RNN", "LSTMP"]), r.random() < 0.5, r.choice([1, 2]),
                                  r.random() < 0.3, r.random() < 0.7)
        if kind == "attention":
            return self.Attention(r.choice([1, 2]), r.random() < 0.5,
                                  r.choice(["none", "causal", "bool", "padding", "float"]), r.random() < 0.7, None)
        if kind == "attention2":
            return self.Attention(2, True, "none", True, r.choice(["plain", "bias_kv", "zero_attn"]))
        if kind in ("encoder_layer", "encoder"):
            layer = nn.TransformerEncoderLayer(D, r.choice([1, 2]), dim_feedforward=12, dropout=0.0,
                                               activation=r.choice(["relu", "gelu"]), batch_first=True,
                                               norm_first=r.random() < 0.5, bias=r.random() < 0.8)
            m = layer
            if kind == "encoder":
                m = nn.TransformerEncoder(layer, r.choice([1, 2]), enable_nested_tensor=False,
                                          norm=nn.LayerNorm(D) if r.random() < 0.5 else None)
            for lay in m.layers if kind == "encoder" else [m]:  # TransformerEncoder holds copies of layer
                _mask_key_bias(L, lay.self_attn)
            return self.Wrap(m, "causal" if r.random() < 0.5 else None)
        if kind == "decoder":
            layer = nn.TransformerDecoderLayer(D, 2, dim_feedforward=12, dropout=0.0, batch_first=True,
                                               norm_first=r.random() < 0.5)
            _mask_key_bias(L, layer.self_attn)
            _mask_key_bias(L, layer.multihead_attn)
            return self.Wrap(layer, "decoder")
        if kind == "prelu":
            return nn.Sequential(nn.Linear(D, D), nn.PReLU(r.choice([1, D]), init=0.2))
        if kind == "bilinear":
            return self.Wrap(nn.Bilinear(D, D, D, bias=r.random() < 0.5), "bilinear")
        if kind == "dropout":
            return nn.Dropout(0.0)
        if kind == "residual":
            return self.Wrap(self.block(depth + 1), "residual")
        if kind == "sequential":
            return nn.Sequential(*[self.block(depth + 1) for _ in range(r.randint(1, 2))])
        return self.Layers([self.block(depth + 1) for _ in range(2)], kind == "dict")

    def norm(self):
        nn, r = self.nn, self.r
        kind = r.choice(["layer", "rms", "batch", "group"])
        if kind == "layer":
            return nn.LayerNorm(D, elementwise_affine=r.random() < 0.8, bias=r.random() < 0.8)
        if kind == "rms":
            return nn.RMSNorm(D, eps=r.choice([None, 1e-5]), elementwise_affine=r.random() < 0.8)
        if kind == "batch":
            return self.Wrap(nn.BatchNorm1d(D, momentum=r.choice([0.1, None, 0.3]), affine=r.random() < 0.8,
                                            track_running_stats=r.random() < 0.8), "channels")
        return self.Wrap(nn.GroupNorm(r.choice([1, 2, 4]), D, affine=r.random() < 0.8), "channels")


OPTIMIZERS = {
    "SGD": lambda r: dict(lr=0.1, momentum=r.choice([0, 0.9]), weight_decay=r.choice([0, 0.01]), dampening=0.0),
    "SGD_nesterov": lambda r: dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=r.choice([0, 0.01])),
    "SGD_dampened": lambda r: dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=r.choice([0, 0.01])),
    "Adam": lambda r: dict(lr=0.01, amsgrad=r.random() < 0.5, weight_decay=r.choice([0, 0.01]),
                           betas=(0.9, r.choice([0.999, 0.95]))),
    "AdamW": lambda r: dict(lr=0.01, amsgrad=r.random() < 0.5, weight_decay=r.choice([0, 0.01])),
    "RMSprop": lambda r: dict(lr=0.01, momentum=r.choice([0, 0.5]), centered=r.random() < 0.5, alpha=0.9,
                              weight_decay=r.choice([0, 0.01])),
    "Adagrad": lambda r: dict(lr=0.1, lr_decay=r.choice([0, 0.01]), weight_decay=r.choice([0, 0.01]),
                              initial_accumulator_value=r.choice([0, 0.1])),
    "NAdam": lambda r: dict(lr=0.01, weight_decay=r.choice([0, 0.01]), decoupled_weight_decay=r.random() < 0.5,
                            momentum_decay=r.choice([4e-3, 1e-2])),
    "RAdam": lambda r: dict(lr=0.01, weight_decay=r.choice([0, 0.01]), decoupled_weight_decay=r.random() < 0.5),
    "Adamax": lambda r: dict(lr=0.01, weight_decay=r.choice([0, 0.01])),
    "Adadelta": lambda r: dict(lr=1.0, rho=0.9, weight_decay=r.choice([0, 0.01])),
    "Rprop": lambda r: dict(lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-6, 50)),
    "ASGD": lambda r: dict(lr=0.01, t0=2, weight_decay=r.choice([0, 0.01])),
}

SCHEDULERS = {
    "StepLR": lambda S, o, c: S.StepLR(o, 2, gamma=0.5),
    "OneCycleLR": lambda S, o, c: S.OneCycleLR(o, max_lr=c["lr"], total_steps=c["steps"] + 1,
                                               cycle_momentum=c["opt"].startswith("SGD")
                                               and c["okw"]["momentum"] != 0),
    "CosineAnnealingLR": lambda S, o, c: S.CosineAnnealingLR(o, T_max=4, eta_min=0.001),
    "LambdaLR": lambda S, o, c: S.LambdaLR(o, lambda e: 1.0 / (1 + e)),
    "MultiStepLR": lambda S, o, c: S.MultiStepLR(o, [1, 3], gamma=0.3),
    "ExponentialLR": lambda S, o, c: S.ExponentialLR(o, 0.7),
    "LinearLR": lambda S, o, c: S.LinearLR(o, start_factor=0.25, total_iters=3),
    "ConstantLR": lambda S, o, c: S.ConstantLR(o, factor=0.5, total_iters=2),
    "PolynomialLR": lambda S, o, c: S.PolynomialLR(o, total_iters=4, power=2.0),
    "CosineAnnealingWarmRestarts": lambda S, o, c: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2, eta_min=1e-4),
    "CyclicLR": lambda S, o, c: S.CyclicLR(o, base_lr=c["lr"] / 10, max_lr=c["lr"], step_size_up=2,
                                           cycle_momentum=False, mode=c["cyclic_mode"], gamma=0.9),
    "SequentialLR": lambda S, o, c: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=2),
                                                       S.ExponentialLR(o, 0.8)], milestones=[2]),
    "ChainedScheduler": lambda S, o, c: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=2),
                                                            S.ExponentialLR(o, 0.8)]),
    "ReduceLROnPlateau": lambda S, o, c: S.ReduceLROnPlateau(o, factor=0.5, patience=0, threshold=0.5),
    "MultiplicativeLR": lambda S, o, c: S.MultiplicativeLR(o, lambda e: 0.9),
}


def _config(seed):
    r = random.Random(seed * 7919 + 1)
    c = dict(float32=seed % 3 == 0, opt=r.choice(sorted(OPTIMIZERS)))
    if c["float32"] and c["opt"] == "Rprop":  # steps by gradient signs: float32 noise on a zero gradient decides
        c["opt"] = "SGD"
    c["okw"] = OPTIMIZERS[c["opt"]](r)
    c["lr"] = c["okw"]["lr"]
    if r.random() < 0.15 and c["opt"] != "ASGD":
        c["okw"]["maximize"] = True
    c.update(frozen=r.random() < 0.3, unfreeze_at=r.choice([None, 1, 2]), groups=r.random() < 0.5,
             late_group=r.random() < 0.2, clip=r.choice([None, "norm", "value", "norm_inf", "norm1"]),
             accumulate=r.choice([1, 1, 2]), sched=r.choice([None, *sorted(SCHEDULERS)]),
             set_to_none=r.random() < 0.5, module_zero_grad=r.random() < 0.2, steps=r.randint(3, 6),
             save_at=r.choice([None, 1, 2]), save_how=r.choice(["file", "cross"]), eval_step=r.random() < 0.3,
             smoothing=r.choice([0.0, 0.0, 0.1]), ignore_index=r.choice([-100, 0]),
             cyclic_mode=r.choice(["triangular", "triangular2", "exp_range"]))
    return c


def _to_library(sd, L):
    """A (model or optimizer) state dict's tensors moved into library L through numpy."""
    if isinstance(sd, dict):
        return {k: _to_library(v, L) for k, v in sd.items()}
    if isinstance(sd, list):
        return [_to_library(v, L) for v in sd]
    return L.tensor(np.array(sd.detach().numpy())) if hasattr(sd, "detach") else sd


def _train(L, m, c, data):
    """c's training loop on model m in library L: what is compared afterwards."""
    named = list(m.named_parameters())
    frozen = [p for n, p in named if n.startswith(("emb", "blocks.0"))] if c["frozen"] else []
    for p in frozen:
        p.requires_grad_(False)
    ps = [p for _, p in named]
    # the head joins as a new group at step 1 (torch's schedulers refuse a group added after them)
    late = [p for n, p in named if n.startswith("head")] if c["late_group"] and not (c["groups"] or c["sched"]) else []
    if c["groups"]:
        params = [{"params": ps[:len(ps) // 2]}, {"params": ps[len(ps) // 2:], "lr": c["lr"] * 0.5}]
    else:
        params = [p for p in ps if all(p is not q for q in late)]
    opt = getattr(L.optim, c["opt"].split("_")[0])(params, **c["okw"])
    sched = c["sched"] and SCHEDULERS[c["sched"]](L.optim.lr_scheduler, opt, c)
    log = []
    m.train()
    for s in range(c["steps"]):
        if c["eval_step"]:
            m.train(s != 1)
        if c["unfreeze_at"] == s:
            for p in frozen:
                p.requires_grad_(True)
        if late and s == 1:
            opt.add_param_group({"params": late, "lr": c["lr"] * 2})
        (m if c["module_zero_grad"] else opt).zero_grad(set_to_none=c["set_to_none"])
        total = 0.0
        for a in range(c["accumulate"]):
            x, y = data[s * c["accumulate"] + a]
            out = m(L.tensor(x))
            loss = L.nn.functional.cross_entropy(out.reshape(-1, V), L.tensor(y).reshape(-1),
                                                 label_smoothing=c["smoothing"], ignore_index=c["ignore_index"])
            (loss / c["accumulate"]).backward()
            total += loss.item() / c["accumulate"]
        log.append(total)
        clip = L.nn.utils.clip_grad_norm_
        if c["clip"] == "norm":
            log.append(float(clip(m.parameters(), 0.5)))
        elif c["clip"] == "norm_inf":
            log.append(float(clip(m.parameters(), 0.1, norm_type=float("inf"))))
        elif c["clip"] == "norm1":
            log.append(float(clip([p for p in m.parameters() if p.grad is not None], 0.3, norm_type=1.0)))
        elif c["clip"] == "value":
            L.nn.utils.clip_grad_value_(m.parameters(), 0.01)
        if c["opt"] == "Rprop":  # it steps by the gradient's sign: rounding noise on a zero gradient decides it
            with L.no_grad():
                for p in m.parameters():
                    if p.grad is not None:
                        p.grad[p.grad.abs() < 1e-12] = 0
        opt.step()
        if sched and c["sched"] == "ReduceLROnPlateau":
            sched.step(total)
        elif sched:
            sched.step()
            log.extend(sched.get_last_lr())
        log.extend(g["lr"] for g in opt.param_groups)
        if c["save_at"] == s:
            m_sd, opt_sd = m.state_dict(), opt.state_dict()
            sched_sd = sched.state_dict() if sched and c["sched"] not in ("SequentialLR", "ChainedScheduler") else None
            if c["save_how"] == "file":
                with tempfile.TemporaryDirectory() as d:
                    L.save({"model": m_sd, "opt": opt_sd, "sched": sched_sd}, os.path.join(d, "ckpt.pt"))
                    ckpt = L.load(os.path.join(d, "ckpt.pt"))
                m.load_state_dict(ckpt["model"])
                opt.load_state_dict(ckpt["opt"])
                if sched_sd is not None:
                    sched.load_state_dict(ckpt["sched"])
            else:  # through the other library and back
                other = tg if L is torch else torch
                m.load_state_dict(_to_library(_to_library(m_sd, other), L))
                opt.load_state_dict(_to_library(_to_library(opt_sd, other), L))
    m.eval()
    with L.no_grad():
        final = m(L.tensor(data[0][0])).numpy().astype(np.float64)
    opt_sd = opt.state_dict()
    sched_sd = {k: v for k, v in sched.state_dict().items() if not k.startswith("_") and k not in
                ("lr_lambdas", "scale_fn", "optimizer")} if sched and c["sched"] not in ("SequentialLR",
                                                                                      "ChainedScheduler") else {}

    def name(dtype):
        return str(dtype).split(".")[-1]

    layout = dict(
        state_dict=[(k, name(v.dtype), tuple(v.shape), v.requires_grad) for k, v in m.state_dict().items()],
        groups=[{k: v for k, v in g.items() if k not in ("foreach", "fused", "differentiable", "capturable")}
                for g in opt_sd["param_groups"]],
        state=[(k, sorted((n, name(getattr(v, "dtype", type(v).__name__)), tuple(getattr(v, "shape", ())))
                          for n, v in st.items())) for k, st in opt_sd["state"].items()],
        grads=[(n, None if p.grad is None else name(p.grad.dtype)) for n, p in m.named_parameters()])
    return dict(layout=layout, log=np.array(log), final=final, sched=sched_sd,
                params={n: p.detach().numpy().astype(np.float64) for n, p in m.state_dict().items()},
                state=[{n: v.detach().numpy().astype(np.float64) if hasattr(v, "detach") else v for n, v in st.items()}
                       for st in opt_sd["state"].values()])


def _run(seed):
    c = _config(seed)
    torch.manual_seed(seed)
    models = {L: _Builder(L, seed).model() for L in (torch, tg)}
    if not c["float32"]:
        models = {L: m.double() for L, m in models.items()}
    sd = models[torch].state_dict()
    assert list(models[tg].state_dict()) == list(sd)
    models[tg].load_state_dict(_to_library(sd, tg))
    rng = np.random.default_rng(seed)
    data = [(rng.integers(0, V, (3, 5)), rng.integers(0, V, (3, 5))) for _ in range(c["steps"] * c["accumulate"])]
    out, errors = {}, {}
    for L in (torch, tg):
        try:
            out[L] = _train(L, models[L], c, data)
        except RuntimeError as e:  # torch refuses (all parameters frozen): teenygrad must refuse too
            errors[L] = e
    if errors:
        assert len(errors) == 2, f"seed {seed}: only {[L.__name__ for L in errors]} raised: {errors}"
        return
    got, want = out[tg], out[torch]
    rtol, atol = TOL32 if c["float32"] else TOL64
    assert got["layout"] == want["layout"]
    np.testing.assert_allclose(got["log"], want["log"], rtol=rtol, atol=atol, err_msg=f"seed {seed}: losses, lrs")
    np.testing.assert_allclose(got["final"], want["final"], rtol=rtol, atol=atol, err_msg=f"seed {seed}: outputs")
    for k, v in want["params"].items():
        np.testing.assert_allclose(got["params"][k], v, rtol=rtol, atol=atol, err_msg=f"seed {seed}: {k}")
    for a, b in zip(got["state"], want["state"]):
        assert sorted(a) == sorted(b)
        for k, v in b.items():
            np.testing.assert_allclose(np.asarray(a[k], np.float64), np.asarray(v, np.float64), rtol=rtol,
                                       atol=max(atol, 1e-7), err_msg=f"seed {seed}: optimizer state {k}")
    assert sorted(got["sched"]) == sorted(want["sched"])
    for k, v in want["sched"].items():
        if isinstance(v, (float, list)):
            np.testing.assert_allclose(got["sched"][k], v, rtol=rtol, err_msg=f"seed {seed}: scheduler {k}")
        else:
            assert got["sched"][k] == v, (seed, k)


@pytest.mark.parametrize("chunk", range(5))
def test_random_models_train_as_in_torch(chunk):
    for seed in range(chunk * 10, chunk * 10 + 10):
        _run(seed)


def test_multistep_lr_resumed_from_a_teenygrad_checkpoint_steps_to_an_epoch():
    """MultiStepLR's milestones (a Counter) came back from teenygrad.save / load as a dict, so the loaded scheduler's
    step(epoch) failed (AttributeError: 'dict' object has no attribute 'elements')."""
    lrs = {}
    for L in (torch, tg):
        opt = L.optim.SGD(_tiny_model(L).parameters(), lr=1.0)
        sd = L.optim.lr_scheduler.MultiStepLR(opt, [2, 4, 4], gamma=0.5).state_dict()
        with tempfile.TemporaryDirectory() as d:
            L.save(sd, os.path.join(d, "sched.pt"))
            sd = L.load(os.path.join(d, "sched.pt"), weights_only=False)
        sched = L.optim.lr_scheduler.MultiStepLR(opt, [1], gamma=0.5)
        sched.load_state_dict(sd)
        lrs[L] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # step(epoch) is deprecated
            for epoch in (5, 3, 1):
                sched.step(epoch)
                lrs[L] += sched.get_last_lr()
        sched.step()
        lrs[L] += sched.get_last_lr()
    assert lrs[tg] == lrs[torch]


UNARY_FOREACH = ("rsqrt expm1 log1p log2 log10 tanh sin cos tan asin acos atan sinh cosh erf erfc lgamma ceil floor "
                 "round trunc frac").split()
OTHER_FOREACH = {  # case: (op, its second operand); "B" is a second list of tensors
    "maximum": ("maximum", "B"), "minimum": ("minimum", "B"), "maximum_scalar": ("maximum", 0.5),
    "minimum_list": ("minimum", [0.3, 0.5, 0.7]), "clamp_min": ("clamp_min", 0.5), "clamp_max": ("clamp_max", "B"),
    "pow": ("pow", 2.0), "pow_list": ("pow", "B"),
}


def _foreach_run(L, case, inplace):
    rng = np.random.default_rng(0)
    a = [L.tensor(rng.uniform(0.2, 0.9, s)) for s in ((3,), (2, 2), ())]  # in every op's domain
    b = [L.tensor(rng.uniform(0.2, 0.9, s)) for s in ((3,), (2, 2), ())]
    name, other = OTHER_FOREACH.get(case, (case, None))
    op = getattr(L, f"_foreach_{name}{'_' if inplace else ''}")
    out = op(a) if other is None else op(a, b if other == "B" else other)
    return [t.numpy() for t in a], [t.numpy() for t in out]


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("case", UNARY_FOREACH + list(OTHER_FOREACH))
def test_foreach_ops_as_torch(case, inplace):
    """torch._foreach_* ops that were missing: the unary math ops past sqrt/exp/log/..., maximum / minimum,
    clamp_min / clamp_max and pow (in-place forms too)."""
    got, want = _foreach_run(tg, case, inplace), _foreach_run(torch, case, inplace)
    for a, b in zip(got[0] + got[1], want[0] + want[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_foreach_max_clone_and_pow_of_a_number():
    out = {}
    for L in (torch, tg):
        a = [L.tensor([0.5, -2.0, 1.5]), L.tensor([[3.0, 1.0]])]
        out[L] = [t.tolist() for t in L._foreach_max(a) + L._foreach_clone(a) + L._foreach_pow(2.0, a)]
    assert out[tg] == out[torch]
