"""Each of the book's models against a PyTorch twin written below from its docstring (twentieth landing): the twin
gets the teenygrad model's weights, and both run the same random inputs at tiny sizes: forward and loss, the
gradient of every parameter, train vs eval mode (dropout masks drawn from the same seed, BatchNorm's running
statistics), a few optimizer steps with the losses compared step by step, and GPT's KV-cached generate against
the twin's nanoGPT-style generate (recompute the window every step) on a torch generator with the same seed.

What it found: GPT's forward fed a chunk of several tokens after cached ones (caches already warm) passed
is_causal to attention, whose (t, T) mask torch aligns top-left, so the chunk's queries did not see all of the
cached keys and its logits were wrong (~1e-2); the mask is now aligned bottom-right, as gpt2.forward_cached's."""
import math
import random

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import teenygrad
import teenygrad.nn.functional as F
from teenygrad.models import build_model

V = 11
ATOL, RTOL = 2e-5, 2e-4          # float32 forward and gradients, stated once


def _ids(shape, seed=0, high=V):
    return np.random.default_rng(seed).integers(0, high, size=shape).astype(np.int64)


def _load(twin, model):
    """Copy model's state_dict (parameters and buffers) into the twin, the names the same on both sides."""
    sd = {k: torch.from_numpy(np.array(v.detach().numpy())) for k, v in model.state_dict().items()}
    twin.load_state_dict(sd, strict=True)
    return twin


def _close(got, want, what, tol=(ATOL, RTOL)):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=tol[0], rtol=tol[1], err_msg=what)


def _grads_match(model, twin, tol=(ATOL, RTOL)):
    theirs = dict(twin.named_parameters(remove_duplicate=False))
    mine = dict(model.named_parameters())
    assert set(mine) <= set(theirs), set(mine) ^ set(theirs)
    for name, p in mine.items():
        assert p.grad is not None and theirs[name].grad is not None, name
        _close(p.grad.numpy(), theirs[name].grad.numpy(), f"grad of {name}", tol)


def _buffers_match(model, twin, tol=(ATOL, RTOL)):
    theirs = dict(twin.named_buffers())
    for name, b in model.named_buffers():
        _close(b.numpy(), theirs[name].numpy(), f"buffer {name}", tol)


def _loss(L, logits, y, ignore_index=-100):
    F_ = F if L is teenygrad else TF
    return F_.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=ignore_index)


def _train_both(model, twin, x, y, steps=4, opt="adamw", lr=1e-2, ignore_index=-100, seed=None, tol=(ATOL, RTOL)):
    """`steps` optimizer steps on both, losses compared step by step, gradients after the first backward and
    parameters and buffers after the last step. With `seed`, both global generators are reseeded every step
    (dropout masks)."""
    model.train()
    twin.train()
    mk = {"adamw": (teenygrad.optim.AdamW, torch.optim.AdamW, dict(lr=lr, weight_decay=0.1)),
          "sgd": (teenygrad.optim.SGD, torch.optim.SGD, dict(lr=lr, momentum=0.9))}[opt]
    o1, o2 = mk[0](model.parameters(), **mk[2]), mk[1](twin.parameters(), **mk[2])
    x1, y1 = teenygrad.tensor(x), teenygrad.tensor(y)
    x2, y2 = torch.from_numpy(x), torch.from_numpy(y)
    for step in range(steps):
        if seed is not None:
            teenygrad.manual_seed(seed + step)
            torch.manual_seed(seed + step)
        l1 = _loss(teenygrad, model(x1), y1, ignore_index)
        l2 = _loss(torch, twin(x2), y2, ignore_index)
        _close(l1.item(), l2.item(), f"loss at step {step}", tol)
        o1.zero_grad()
        o2.zero_grad()
        l1.backward()
        l2.backward()
        if step == 0:
            _grads_match(model, twin, tol)
        o1.step()
        o2.step()
    theirs = dict(twin.named_parameters(remove_duplicate=False))
    for name, p in model.named_parameters():
        _close(p.detach().numpy(), theirs[name].detach().numpy(), f"{name} after {steps} steps", tol)
    _buffers_match(model, twin, tol)


def _eval_both(model, twin, x, tol=(ATOL, RTOL)):
    model.eval()
    twin.eval()
    with teenygrad.no_grad(), torch.no_grad():
        a, b = model(teenygrad.tensor(x)).numpy(), twin(torch.from_numpy(x)).numpy()
    _close(a, b, "eval forward", tol)
    return a


def _draw(logits, temperature, top_k, generator):
    """nanoGPT's sampling step on (b, v) logits: scale, keep the top_k, softmax, multinomial -> (b, 1)."""
    logits = logits / temperature
    if top_k is not None:
        v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
        logits[logits < v[:, [-1]]] = -float("Inf")
    return torch.multinomial(TF.softmax(logits, dim=-1), 1, generator=generator)


# ---------------------------------------------------------------- window models: bigram, MLP, WaveNet

class TBigram(tnn.Module):
    def __init__(self, v):
        super().__init__()
        self.logits = tnn.Embedding(v, v)

    def forward(self, idx):
        return self.logits(idx[:, -1])


class TMLP(tnn.Module):
    def __init__(self, v, t, e, h):
        super().__init__()
        self.wte, self.hidden, self.out = tnn.Embedding(v, e), tnn.Linear(t * e, h), tnn.Linear(h, v)

    def forward(self, idx):
        emb = self.wte(idx)
        return self.out(torch.tanh(self.hidden(emb.view(emb.shape[0], -1))))


class TFlatten(tnn.Module):
    def forward(self, x):
        b, t, c = x.shape
        x = x.reshape(b, t // 2, c * 2)
        return x.squeeze(1) if x.shape[1] == 1 else x


class TBatchNormLast(tnn.BatchNorm1d):
    """The lecture's BatchNorm1d: statistics over every dimension but the last."""

    def forward(self, x):
        return super().forward(x) if x.ndim == 2 else super().forward(x.transpose(1, 2)).transpose(1, 2)


def _twave(v, t, e, h):
    layers, width = [tnn.Embedding(v, e)], e
    for _ in range(int(math.log2(t))):
        layers += [TFlatten(), tnn.Linear(2 * width, h, bias=False), TBatchNormLast(h, momentum=0.001), tnn.Tanh()]
        width = h
    layers.append(tnn.Linear(h, v))
    twin = tnn.Module()
    twin.net = tnn.Sequential(*layers)
    twin.forward = twin.net.forward
    return twin


WINDOW = {"bigram": (dict(block_size=1), lambda: TBigram(V)),
          "mlp": (dict(block_size=3, n_embd=5, n_hidden=16), lambda: TMLP(V, 3, 5, 16)),
          "cnn": (dict(block_size=8, n_embd=6, n_hidden=16), lambda: _twave(V, 8, 6, 16))}


@pytest.mark.parametrize("name", list(WINDOW))
@pytest.mark.parametrize("opt", ["sgd", "adamw"])
def test_window_model_matches_twin(name, opt):
    teenygrad.manual_seed(1)
    hp, make = WINDOW[name]
    model = build_model(name, vocab_size=V, **hp)
    twin = _load(make(), model)
    x = _ids((24, hp["block_size"]), seed=2)
    y = _ids((24,), seed=3)
    _train_both(model, twin, x, y, opt=opt, lr=0.1 if opt == "sgd" else 1e-2)
    _eval_both(model, twin, x)           # the WaveNet's eval uses the running statistics the steps updated


def test_wavenet_batchnorm_statistics_per_channel_over_batch_and_positions():
    """Train mode normalises each hidden channel over (b, t/2) together; eval mode uses the running statistics,
    which momentum 0.001 has barely moved from (0, 1)."""
    teenygrad.manual_seed(4)
    model = build_model("cnn", vocab_size=V, block_size=4, n_embd=3, n_hidden=5)
    twin = _load(_twave(V, 4, 3, 5), model)
    x = _ids((6, 4), seed=5)
    model.train()
    twin.train()
    _close(model(teenygrad.tensor(x)).detach().numpy(), twin(torch.from_numpy(x)).detach().numpy(), "train forward")
    _buffers_match(model, twin)
    assert not np.allclose(model.net[3].running_mean.numpy(), 0)
    train_out = model(teenygrad.tensor(x)).detach().numpy()
    twin(torch.from_numpy(x))                                     # the same second update of the statistics
    eval_out = _eval_both(model, twin, x)
    assert not np.allclose(train_out, eval_out, atol=1e-3)


def test_wavenet_starts_from_the_lectures_init():
    """makemore part 5: C ~ N(0, 1), each Linear W ~ N(0, 1/fan_in) without bias before a BatchNorm (gamma 1,
    beta 0), the last layer's weights scaled by 0.1 and its bias 0. Sample standard deviations within 10%."""
    teenygrad.manual_seed(23)
    net = build_model("cnn", vocab_size=27, block_size=8, n_embd=24, n_hidden=64).net
    linears = [m for m in net if isinstance(m, teenygrad.nn.Linear)]
    assert abs(net[0].weight.numpy().std() - 1.0) < 0.1
    for i, m in enumerate(linears):
        want = m.in_features ** -0.5 * (0.1 if i == len(linears) - 1 else 1.0)
        assert abs(m.weight.numpy().std() / want - 1) < 0.1, (i, m.weight.numpy().std(), want)
        assert (m.bias is None) == (i < len(linears) - 1)
    assert not linears[-1].bias.numpy().any()
    for bn in (m for m in net if isinstance(m, teenygrad.nn.BatchNorm1d)):
        assert (bn.weight.numpy() == 1).all() and not bn.bias.numpy().any() and bn.momentum == 0.001


# ---------------------------------------------------------------- RNN, GRU, LSTM language models

class TRNNLM(tnn.Module):
    def __init__(self, v, cell, e, h, n_layer):
        super().__init__()
        self.wte = tnn.Embedding(v, e)
        self.rnn = {"rnn": tnn.RNN, "gru": tnn.GRU, "lstm": tnn.LSTM}[cell](e, h, num_layers=n_layer, batch_first=True)
        self.lm_head = tnn.Linear(h, v)

    def forward(self, idx, state=None):
        return self.forward_with_state(idx, state)[0]

    def forward_with_state(self, idx, state=None):
        out, state = self.rnn(self.wte(idx), state)
        return self.lm_head(out), state


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("n_layer", [1, 2])
def test_rnn_language_model_matches_twin(cell, n_layer):
    teenygrad.manual_seed(5)
    model = build_model(cell, vocab_size=V, cell=cell, n_embd=4, n_hidden=6, n_layer=n_layer, block_size=7)
    twin = _load(TRNNLM(V, cell, 4, 6, n_layer), model)
    x = _ids((3, 7), seed=6)
    _train_both(model, twin, x, np.roll(x, -1, axis=1), lr=2e-2)
    _eval_both(model, twin, x)
    # carrying the state one character at a time gives the logits of the whole sequence at once
    model.eval()
    with teenygrad.no_grad(), torch.no_grad():
        full = twin(torch.from_numpy(x)).numpy()
        state, state_t, steps = None, None, []
        for i in range(7):
            logits, state = model.forward_with_state(teenygrad.tensor(x[:, i:i + 1]), state)
            _, state_t = twin.forward_with_state(torch.from_numpy(x[:, i:i + 1]), state_t)
            steps.append(logits.numpy())
        _close(np.concatenate(steps, axis=1), full, "stepwise logits")
        pairs = zip(state, state_t) if cell == "lstm" else [(state, state_t)]
        for a, b in pairs:
            _close(a.numpy(), b.numpy(), "final state")


@pytest.mark.parametrize("cell,top_k", [("gru", None), ("lstm", 3)])
def test_rnn_sampling_carries_the_state_like_the_twin(cell, top_k):
    """sampling.sample_sequence (prefix once, then one character at a time with the carried state) draws the
    tokens of the same loop on the twin with a torch generator of the same seed."""
    from teenygrad.models.sampling import sample_sequence
    teenygrad.manual_seed(19)
    model = build_model(cell, vocab_size=V, cell=cell, n_embd=4, n_hidden=6, n_layer=2)
    twin = _load(TRNNLM(V, cell, 4, 6, 2), model)
    model.eval()
    twin.eval()
    prefix = [3, 1, 4]
    ours = sample_sequence(model, 5, prefix, 8, 0.9, top_k, teenygrad.Generator().manual_seed(6))
    g, out = torch.Generator().manual_seed(6), []
    with torch.no_grad():
        logits, state = twin.forward_with_state(torch.tensor([prefix] * 5))
        for _ in range(8):
            out.append(_draw(logits[:, -1, :], 0.9, top_k, g))
            logits, state = twin.forward_with_state(out[-1], state)
    np.testing.assert_array_equal(ours, torch.cat(out, 1).numpy())


def test_wavenet_window_sampling_matches_twin():
    from teenygrad.models.sampling import sample_windows
    teenygrad.manual_seed(20)
    model = build_model("cnn", vocab_size=V, block_size=4, n_embd=3, n_hidden=5)
    twin = _load(_twave(V, 4, 3, 5), model)
    _train_both(model, twin, _ids((16, 4), seed=21), _ids((16,), seed=22), steps=2)   # running statistics moved
    model.eval()
    twin.eval()
    ours = sample_windows(model, 4, [0, 0, 2, 5], 6, 1.0, None, teenygrad.Generator().manual_seed(8))
    g, ctx, out = torch.Generator().manual_seed(8), torch.tensor([[0, 0, 2, 5]] * 4), []
    with torch.no_grad():
        for _ in range(6):
            out.append(_draw(twin(ctx), 1.0, None, g))
            ctx = torch.cat([ctx[:, 1:], out[-1]], 1)
    np.testing.assert_array_equal(ours, torch.cat(out, 1).numpy())


# ---------------------------------------------------------------- GPT and BERT

class TAttention(tnn.Module):
    def __init__(self, d, h, dropout, bias, causal):
        super().__init__()
        self.c_attn, self.c_proj = tnn.Linear(d, 3 * d, bias=bias), tnn.Linear(d, d, bias=bias)
        self.resid_dropout = tnn.Dropout(dropout)
        self.h, self.p, self.causal = h, dropout, causal

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = (z.view(b, t, self.h, d // self.h).transpose(1, 2) for z in self.c_attn(x).split(d, dim=2))
        y = TF.scaled_dot_product_attention(q, k, v, dropout_p=self.p if self.training else 0.0, is_causal=self.causal)
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).reshape(b, t, d)))


class TBlock(tnn.Module):
    def __init__(self, d, h, dropout, bias, causal):
        super().__init__()
        self.ln_1, self.ln_2 = tnn.LayerNorm(d, bias=bias), tnn.LayerNorm(d, bias=bias)
        self.attn = TAttention(d, h, dropout, bias, causal)
        self.mlp = tnn.Module()
        self.mlp.c_fc, self.mlp.c_proj = tnn.Linear(d, 4 * d, bias=bias), tnn.Linear(4 * d, d, bias=bias)
        self.mlp.dropout = tnn.Dropout(dropout)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        m = self.mlp
        return x + m.dropout(m.c_proj(TF.gelu(m.c_fc(self.ln_2(x)))))


class TTransformer(tnn.Module):
    """nanoGPT's GPT (causal, lm_head tied to wte) or the BERT encoder (bidirectional, a [MASK] row, untied)."""

    def __init__(self, v, block, n_layer, h, d, dropout, bias, causal):
        super().__init__()
        self.block_size = block
        self.wte, self.wpe = tnn.Embedding(v + (0 if causal else 1), d), tnn.Embedding(block, d)
        self.drop = tnn.Dropout(dropout)
        self.h = tnn.ModuleList([TBlock(d, h, dropout, bias, causal) for _ in range(n_layer)])
        self.ln_f = tnn.LayerNorm(d, bias=bias)
        self.lm_head = tnn.Linear(d, v, bias=False)
        if causal:
            self.wte.weight = self.lm_head.weight

    def forward(self, idx):
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(idx.shape[1])))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))

    @torch.no_grad()
    def generate(self, idx, n, temperature=1.0, top_k=None, generator=None):
        """nanoGPT's generate: recompute the cropped window every step."""
        for _ in range(n):
            idx = torch.cat([idx, _draw(self(idx[:, -self.block_size:])[:, -1, :], temperature, top_k, generator)], 1)
        return idx


def _transformer_pair(name, dropout=0.0, bias=True, block=8, seed=7):
    teenygrad.manual_seed(seed)
    model = build_model(name, vocab_size=V, block_size=block, n_layer=2, n_head=2, n_embd=8, dropout=dropout,
                        bias=bias)
    twin = _load(TTransformer(V, block, 2, 2, 8, dropout, bias, causal=name == "gpt"), model)
    return model, twin


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("name", ["gpt", "bert"])
def test_transformer_matches_twin(name, bias):
    model, twin = _transformer_pair(name, bias=bias)
    x = _ids((3, 8), seed=8, high=V + (name == "bert"))
    y = _ids((3, 8), seed=9)
    if name == "bert":
        y[:, ::2] = -1                                            # positions not chosen carry no loss
    _train_both(model, twin, x, y, ignore_index=-1)
    _eval_both(model, twin, x)
    if name == "gpt":
        assert model.lm_head.weight is model.wte.weight


@pytest.mark.parametrize("name", ["gpt", "bert"])
def test_transformer_dropout_matches_twin_in_train_and_is_off_in_eval(name):
    """With the same seed both draw the same masks (embeddings, attention weights, residual outputs), so training
    with dropout follows the twin step by step; eval is deterministic and equal to the twin's eval."""
    model, twin = _transformer_pair(name, dropout=0.3, bias=False)
    x = _ids((2, 8), seed=10, high=V + (name == "bert"))
    _train_both(model, twin, x, _ids((2, 8), seed=11), seed=100)
    a = _eval_both(model, twin, x)
    np.testing.assert_array_equal(a, _eval_both(model, twin, x))


@pytest.mark.parametrize("chunks", [(3, 3, 2), (1, 4, 3), (2, 1, 5)])
def test_gpt_cache_fed_several_tokens_at_once_matches_twin(chunks):
    """Feeding a chunk of t > 1 new tokens after cached ones: query i of the chunk sees every cached key and the
    chunk's keys up to itself. is_causal would align its (t, T) mask top-left, hiding cached keys from all but the
    first queries (the logits after the first chunk were off by ~1e-2 before the fix)."""
    model, twin = _transformer_pair("gpt", block=8)
    model.eval()
    twin.eval()
    idx = _ids((2, 8), seed=18)
    with torch.no_grad():
        full = twin(torch.from_numpy(idx)).numpy()
    caches, start, steps = [{} for _ in model.h], 0, []
    for n in chunks:
        steps.append(model(teenygrad.tensor(idx[:, start:start + n]), caches).detach().numpy())
        start += n
    _close(np.concatenate(steps, axis=1), full, "chunked cached logits")


@pytest.mark.parametrize("temperature,top_k", [(1.0, None), (0.8, 3), (1.3, 1), (0.5, 5)])
def test_gpt_generate_matches_nanogpt_generate(temperature, top_k):
    """KV-cached generate past block_size (the window slides) against nanoGPT's recomputing generate, both on a
    generator seeded alike: greedy (top_k=1) tokens must be equal; sampled tokens too, while the probabilities
    the two compute agree to rounding (the multinomial draws are the same stream)."""
    model, twin = _transformer_pair("gpt", block=6)
    model.eval()
    twin.eval()
    prompt = _ids((3, 2), seed=12)
    ours = model.generate(teenygrad.tensor(prompt), 12, temperature=temperature, top_k=top_k,
                          generator=teenygrad.Generator().manual_seed(5)).numpy()
    theirs = twin.generate(torch.from_numpy(prompt), 12, temperature=temperature, top_k=top_k,
                           generator=torch.Generator().manual_seed(5)).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_bert_fill_is_the_twins_argmax():
    model, twin = _transformer_pair("bert")
    model.eval()
    twin.eval()
    x = _ids((4, 8), seed=13)
    masked = np.random.default_rng(14).random((4, 8)) < 0.4
    filled = model.fill(x, masked)
    with torch.no_grad():
        best = twin(torch.from_numpy(np.where(masked, V, x))).argmax(-1).numpy()
    np.testing.assert_array_equal(filled, np.where(masked, best, x))


# ---------------------------------------------------------------- classifiers

def _tclassifier(name, f, h, dropout):
    twin = tnn.Module()
    if name == "xor":
        twin.net = tnn.Sequential(tnn.Linear(f, h), tnn.Tanh(), tnn.Linear(h, 2))
    elif name == "sentiment":
        twin.net = tnn.Sequential(tnn.Dropout(dropout), tnn.Linear(f, h), tnn.ReLU(), tnn.Dropout(dropout),
                                  tnn.Linear(h, 2))
    else:
        twin.linear = tnn.Linear(f, 2)
    twin.forward = (twin.linear if name == "logreg" else twin.net).forward
    return twin


@pytest.mark.parametrize("name,hp", [("xor", dict(n_features=2, n_hidden=5)),
                                     ("sentiment", dict(n_features=9, n_hidden=6, dropout=0.4)),
                                     ("logreg", dict(n_features=9))])
def test_classifier_matches_twin(name, hp):
    teenygrad.manual_seed(15)
    model = build_model(name, **hp)
    twin = _load(_tclassifier(name, hp["n_features"], hp.get("n_hidden"), hp.get("dropout")), model)
    x = np.random.default_rng(16).random((10, hp["n_features"])).astype(np.float32)
    y = _ids((10,), seed=17, high=2)
    _train_both(model, twin, x, y, seed=200, lr=5e-2)
    _eval_both(model, twin, x)


# ---------------------------------------------------------------- random configurations in float64

F64 = (1e-9, 1e-7)   # float64 after a few optimizer steps: only a real difference shows at this tolerance


def _random_pair(seed):
    """A random family and tiny configuration (one head to four, with or without biases and dropout, one to three
    recurrent layers, a WaveNet tree of one to four levels), the model and its twin, inputs and targets."""
    r = random.Random(seed)
    fam = ["gpt", "bert", "rnn", "gru", "lstm", "cnn", "mlp", "bigram"][seed % 8]
    v, b, p = r.randint(2, 9), r.randint(1, 4), 0.0
    teenygrad.manual_seed(seed)
    if fam in ("gpt", "bert"):
        h = r.choice([1, 2, 4])
        d, block, nl, bias, p = h * r.choice([2, 3]), r.randint(1, 7), r.randint(1, 2), r.random() < 0.5, r.choice([0.0, 0.25])
        t = r.randint(1, block)
        model = build_model(fam, vocab_size=v, block_size=block, n_layer=nl, n_head=h, n_embd=d, dropout=p, bias=bias)
        twin = TTransformer(v, block, nl, h, d, p, bias, fam == "gpt")
        x, y = _ids((b, t), seed, v + (fam == "bert")), _ids((b, t), seed + 1, v)
        if fam == "bert":
            y[np.random.default_rng(seed).random((b, t)) < 0.5] = -1
    elif fam in ("rnn", "gru", "lstm"):
        e, hh, nl, t = r.randint(1, 5), r.randint(1, 6), r.randint(1, 3), r.randint(1, 6)
        model = build_model(fam, vocab_size=v, cell=fam, n_embd=e, n_hidden=hh, n_layer=nl)
        twin = TRNNLM(v, fam, e, hh, nl)
        x, y = _ids((b, t), seed, v), _ids((b, t), seed + 1, v)
    else:
        block = {"cnn": r.choice([2, 4, 8, 16]), "mlp": r.randint(1, 5), "bigram": r.randint(1, 3)}[fam]
        e, hh, b = r.randint(1, 5), r.randint(1, 6), r.randint(4, 6)     # BatchNorm over 2 rows is ill-conditioned
        hp = dict(block_size=block) if fam == "bigram" else dict(block_size=block, n_embd=e, n_hidden=hh)
        model = build_model(fam, vocab_size=v, **hp)
        twin = {"bigram": lambda: TBigram(v), "mlp": lambda: TMLP(v, block, e, hh), "cnn": lambda: _twave(v, block, e, hh)}[fam]()
        x, y = _ids((b, block), seed, v), _ids((b,), seed + 1, v)
    return model.double(), _load(twin, model).double(), x, y, p, r.choice(["sgd", "adamw"])


@pytest.mark.parametrize("seed", range(40))
def test_random_configuration_matches_twin_in_float64(seed):
    model, twin, x, y, p, opt = _random_pair(seed)
    _train_both(model, twin, x, y, steps=3, opt=opt, lr=0.05, ignore_index=-1, seed=seed * 10 if p else None, tol=F64)
    _eval_both(model, twin, x, tol=F64)
