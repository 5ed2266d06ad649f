"""End to end: the same small models written once against a torch-like `nn` namespace, built in teenygrad and
in torch with identical weights, trained for a few SGD steps (with gradient clipping); losses and weights must
stay together."""
import numpy as np
import torch
import teenygrad as tg
import teenygrad.nn as tnn


def make_gpt(torch_mod, v=11, e=16, heads=2, t=6, layers=2):
    nn, F = torch_mod.nn, torch_mod.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(e)
            self.c_attn = nn.Linear(e, 3 * e)
            self.c_proj = nn.Linear(e, e)
            self.ln_2 = nn.LayerNorm(e, bias=False)
            self.mlp = nn.Sequential(nn.Linear(e, 4 * e), nn.GELU(approximate="tanh"), nn.Linear(4 * e, e),
                                     nn.Dropout(0.0))

        def forward(self, x):
            b, tt, _ = x.shape
            q, k, vv = self.c_attn(self.ln_1(x)).split(e, dim=2)
            q, k, vv = (z.view(b, tt, heads, e // heads).transpose(1, 2) for z in (q, k, vv))
            y = F.scaled_dot_product_attention(q, k, vv, is_causal=True)
            x = x + self.c_proj(y.transpose(1, 2).contiguous().view(b, tt, e))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(v, e)
            self.wpe = nn.Embedding(t, e)
            self.h = nn.ModuleList([Block() for _ in range(layers)])
            self.ln_f = nn.LayerNorm(e)
            self.lm_head = nn.Linear(e, v, bias=False)
            self.wte.weight = self.lm_head.weight  # weight tying

        def forward(self, idx, targets):
            pos = torch_mod.arange(idx.shape[1])
            x = self.wte(idx) + self.wpe(pos)
            for blk in self.h:
                x = blk(x)
            logits = self.lm_head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, v), targets.view(-1), ignore_index=-1, label_smoothing=0.05)

    return GPT()


def make_seq_classifier(torch_mod):
    nn, F = torch_mod.nn, torch_mod.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(3, 8, 3, padding="same")
            self.bn = nn.BatchNorm1d(8)
            self.gru = nn.GRU(8, 12, batch_first=True, bidirectional=True)
            self.lstm = nn.LSTM(24, 10, batch_first=True)
            self.attn = nn.MultiheadAttention(10, 2, batch_first=True)
            self.head = nn.Linear(10, 4)

        def forward(self, x, y):
            h = F.relu(self.bn(self.conv(x))).transpose(1, 2)  # (b, t, 8)
            h, _ = self.gru(h)
            h, (hn, cn) = self.lstm(h)
            a, _ = self.attn(h, h, h, need_weights=False)
            return F.cross_entropy(self.head(a.mean(1) + hn[0]), y)

    return Net()


def _sync(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})


def _train(model, inputs, steps, lr=0.1):
    losses = []
    params = list(model.parameters())
    for _ in range(steps):
        for p in params:
            p.grad = None
        loss = model(*inputs)
        loss.backward()
        if isinstance(model, tnn.Module):
            tnn.utils.clip_grad_norm_(params, 0.5)
            for p in params:
                p._data -= np.float32(lr) * p.grad._data
        else:
            torch.nn.utils.clip_grad_norm_(params, 0.5)
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
        losses.append(loss.item())
    return losses


def test_gpt_training_matches_torch():
    tm = make_gpt(torch)
    m = make_gpt(tg)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    _sync(m, tm)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 11, (3, 6))
    tgt = rng.integers(0, 11, (3, 6))
    tgt[0, :2] = -1
    ours = _train(m, (tg.tensor(idx), tg.tensor(tgt)), 4)
    theirs = _train(tm, (torch.tensor(idx), torch.tensor(tgt)), 4)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    assert ours[-1] < ours[0]
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), atol=2e-5, rtol=1e-4, err_msg=n)


def test_conv_recurrent_attention_training_matches_torch():
    tm = make_seq_classifier(torch)
    m = make_seq_classifier(tg)
    _sync(m, tm)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 7)).astype(np.float32)
    y = rng.integers(0, 4, 4)
    ours = _train(m, (tg.tensor(x), tg.tensor(y)), 3)
    theirs = _train(tm, (torch.tensor(x), torch.tensor(y)), 3)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    for (n, b), (_, tb) in zip(m.named_buffers(), tm.named_buffers()):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=1e-4, atol=1e-6, err_msg=n)
    m.eval()
    tm.eval()
    np.testing.assert_allclose(m(tg.tensor(x), tg.tensor(y)).item(), tm(torch.tensor(x), torch.tensor(y)).item(),
                               rtol=1e-4)
