"""teenygrad's generator is torch's, so models built after the same seed start from the same weights: the GPT of
teenygrad.models.gpt against nanoGPT's model.py construction (written out below in torch, the oracle), and the
makemore MLP of the lectures built from torch.Generator().manual_seed(2147483647)."""
import math

import numpy as np
import pytest
import torch
import torch.nn as tnn

import teenygrad
from teenygrad.models.gpt import GPT


class _NanoGPT(tnn.Module):
    """nanoGPT's GPT.__init__ (model.py), its modules created in the same order and initialised the same way:
    Linear/Embedding N(0, 0.02) applied over the modules after tying wte to lm_head, then every c_proj weight
    N(0, 0.02 / sqrt(2 n_layer)). Only what draws random numbers or names parameters is kept."""

    def __init__(self, vocab, block, n_layer, n_head, d, bias):
        super().__init__()

        class LN(tnn.Module):
            def __init__(self):
                super().__init__()
                self.weight = tnn.Parameter(torch.ones(d))
                self.bias = tnn.Parameter(torch.zeros(d)) if bias else None

        def block_():
            b = tnn.Module()
            b.ln_1 = LN()
            b.attn = tnn.Module()
            b.attn.c_attn = tnn.Linear(d, 3 * d, bias=bias)
            b.attn.c_proj = tnn.Linear(d, d, bias=bias)
            b.ln_2 = LN()
            b.mlp = tnn.Module()
            b.mlp.c_fc = tnn.Linear(d, 4 * d, bias=bias)
            b.mlp.c_proj = tnn.Linear(4 * d, d, bias=bias)
            return b

        self.transformer = tnn.ModuleDict(dict(wte=tnn.Embedding(vocab, d), wpe=tnn.Embedding(block, d),
                                               drop=tnn.Dropout(0.0),
                                               h=tnn.ModuleList([block_() for _ in range(n_layer)]), ln_f=LN()))
        self.lm_head = tnn.Linear(d, vocab, bias=False)
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                tnn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, tnn.Linear):
            tnn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                tnn.init.zeros_(module.bias)
        elif isinstance(module, tnn.Embedding):
            tnn.init.normal_(module.weight, mean=0.0, std=0.02)


@pytest.mark.parametrize("seed, bias", [(1337, False), (0, True)])
def test_gpt_starts_from_nanogpts_weights(seed, bias):
    teenygrad.manual_seed(seed)
    ours = GPT(65, block_size=16, n_layer=2, n_head=2, n_embd=32, bias=bias)
    torch.manual_seed(seed)
    theirs = _NanoGPT(65, 16, 2, 2, 32, bias)
    mine = {k: v.detach().numpy() for k, v in ours.named_parameters()}
    ref = {k.removeprefix("transformer."): v.detach().numpy() for k, v in theirs.named_parameters()}
    assert list(mine) == list(ref)  # the same parameters, the tied matrix once, in the same order
    for name in ref:
        assert np.array_equal(mine[name], ref[name]), name
    assert ours.lm_head.weight is ours.wte.weight
    # both generators stand at the same place afterwards: nothing was drawn more or less than nanoGPT draws
    assert np.array_equal(teenygrad.rand(7).numpy(), torch.rand(7).numpy())


def test_makemore_lecture_mlp_init_and_first_batch():
    """makemore part 2's cells: C, W1, b1, W2, b2 from one seeded Generator, then a minibatch index draw."""
    outs = []
    for fw in (teenygrad, torch):
        g = fw.Generator().manual_seed(2147483647)
        params = [fw.randn((27, 10), generator=g), fw.randn((30, 200), generator=g), fw.randn(200, generator=g),
                  fw.randn((200, 27), generator=g), fw.randn(27, generator=g)]
        ix = fw.randint(0, 182625, (32,), generator=g)
        outs.append([p.numpy() for p in params] + [ix.numpy()])
    for a, b in zip(*outs):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_gpt_dropout_draws_are_nanogpts():
    """In training mode with dropout, the forward draws its masks in nanoGPT's order (embeddings, then per block the
    attention weights, the attention output, the MLP output): the same seed gives nanoGPT's output."""
    import torch.nn.functional as F
    teenygrad.manual_seed(0)
    m = GPT(65, block_size=16, n_layer=2, n_head=2, n_embd=32, dropout=0.2)
    m.train()
    W = {k: torch.tensor(v.detach().numpy()) for k, v in m.named_parameters()}
    idx = np.random.default_rng(0).integers(0, 65, (3, 16))
    teenygrad.manual_seed(11)
    ours = m(teenygrad.tensor(idx)).detach().numpy()
    torch.manual_seed(11)
    p = 0.2
    x = F.dropout(W["wte.weight"][torch.tensor(idx)] + W["wpe.weight"][torch.arange(16)], p)
    for i in range(2):
        def w(n):
            return W[f"h.{i}.{n}"]
        h = F.layer_norm(x, (32,), w("ln_1.weight"), None, 1e-5)
        q, k, v = (h @ w("attn.c_attn.weight").T).split(32, dim=2)
        q, k, v = (z.view(3, 16, 2, 16).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True).transpose(1, 2).reshape(3, 16, 32)
        x = x + F.dropout(y @ w("attn.c_proj.weight").T, p)
        h = F.layer_norm(x, (32,), w("ln_2.weight"), None, 1e-5)
        x = x + F.dropout(F.gelu(h @ w("mlp.c_fc.weight").T) @ w("mlp.c_proj.weight").T, p)
    ref = (F.layer_norm(x, (32,), W["ln_f.weight"], None, 1e-5) @ W["wte.weight"].T).numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-5)  # a different mask would move outputs by O(0.1)
    m.eval()
    assert not np.allclose(m(teenygrad.tensor(idx)).detach().numpy(), ours, atol=1e-3)  # dropout did act
