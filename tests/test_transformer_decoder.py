"""TransformerDecoderLayer, TransformerDecoder and Transformer against torch: torch's weights copied into ours,
the same inputs in eval mode (dropout off), then the output and every input and parameter gradient; masks (bool
and float, attention and key padding), batch_first and norm_first both ways, unbatched input, the causal mask
helper, torch's xavier init, a float64 gradcheck, and the errors torch raises."""
import numpy as np
import pytest
import torch
import teenygrad as tg
import teenygrad.nn as nn
import teenygrad.nn.functional as F
from teenygrad.autograd import gradcheck
import helpers
from helpers import rand

ATOL, RTOL = 2e-5, 1e-4  # float32, through several layers of attention
# torch's warnings on what these tests do on purpose: no nested tensors; a float tgt_mask with a bool padding mask
pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor"),
              pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")]


def twin(ours, theirs):
    """helpers.twin (torch's parameters copied into ours), both in eval mode."""
    ours, theirs = helpers.twin(ours, theirs)
    return ours.eval(), theirs.eval()


def run_twin(m, tm, *inputs, **masks):
    """Forward both on the same inputs (float arrays get gradients) and masks, backward one shared random
    gradient; compare the output, the input gradients and every parameter gradient."""
    m.zero_grad()
    tm.zero_grad()
    ours = [tg.tensor(x, requires_grad=True) for x in inputs]
    theirs = [torch.tensor(x, requires_grad=True) for x in inputs]
    y = m(*ours, **{k: tg.tensor(v) for k, v in masks.items() if not isinstance(v, bool)},
          **{k: v for k, v in masks.items() if isinstance(v, bool)})
    ty = tm(*theirs, **{k: torch.tensor(v) for k, v in masks.items() if not isinstance(v, bool)},
            **{k: v for k, v in masks.items() if isinstance(v, bool)})
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=ATOL, rtol=RTOL, err_msg="output")
    g = np.random.default_rng(7).standard_normal(ty.shape).astype(np.float32)
    (y * tg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=ATOL, rtol=RTOL, err_msg=f"input {i}")
    tp = dict(tm.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), atol=ATOL, rtol=RTOL, err_msg=name)
    return y


def _causal(t, kind):
    if kind == "bool":
        return np.triu(np.ones((t, t), bool), 1)
    return np.triu(np.full((t, t), -np.inf, np.float32), 1)


def _padding(b, n, start):
    m = np.zeros((b, n), bool)
    m[-1, start:] = True  # the last sequence is padded from `start` on
    return m


def _layout(batch_first, b, t, d):
    return (b, t, d) if batch_first else (t, b, d)


LAYER_KW = [dict(), dict(activation="gelu"), dict(batch_first=True, norm_first=True),
            dict(norm_first=True, bias=False, activation="gelu"), dict(batch_first=True, dim_feedforward=7)]


@pytest.mark.parametrize("kw", LAYER_KW)
def test_decoder_layer_matches_torch(kw):
    torch.manual_seed(0)
    kw = dict(dict(dim_feedforward=16, dropout=0.1), **kw)
    m, tm = twin(nn.TransformerDecoderLayer(8, 2, **kw), torch.nn.TransformerDecoderLayer(8, 2, **kw))
    bf, b, t, s = kw.get("batch_first", False), 3, 5, 4
    tgt, mem = rand(_layout(bf, b, t, 8), 1), rand(_layout(bf, b, s, 8), 2)
    run_twin(m, tm, tgt, mem)
    run_twin(m, tm, tgt, mem, tgt_mask=_causal(t, "float"), tgt_is_causal=True)
    run_twin(m, tm, tgt, mem, tgt_mask=_causal(t, "bool"), tgt_key_padding_mask=_padding(b, t, 3),
             memory_key_padding_mask=_padding(b, s, 2))
    memory_mask = np.zeros((t, s), bool)
    memory_mask[:, 0] = True
    run_twin(m, tm, tgt, mem, memory_mask=memory_mask)
    run_twin(m, tm, tgt, mem, memory_mask=rand((t, s), 3))  # a float mask is added to the scores
    one = (lambda a: np.ascontiguousarray(a[0])) if bf else (lambda a: np.ascontiguousarray(a[:, 0]))
    run_twin(m, tm, one(tgt), one(mem), tgt_mask=_causal(t, "bool"))  # unbatched (t, d), (s, d)
    m.train()
    y1, y2 = m(tg.tensor(tgt), tg.tensor(mem)).numpy(), m(tg.tensor(tgt), tg.tensor(mem)).numpy()
    assert not np.allclose(y1, y2)  # dropout is on in training


def test_decoder_layer_non_contiguous_inputs():
    torch.manual_seed(1)
    m, tm = twin(nn.TransformerDecoderLayer(8, 4, 12, 0.0), torch.nn.TransformerDecoderLayer(8, 4, 12, 0.0))
    tgt, mem = rand((2, 5, 8), 1), rand((2, 3, 8), 2)  # (b, t, d) stored, fed as (t, b, d) transposed views
    ours = [tg.tensor(tgt, requires_grad=True), tg.tensor(mem, requires_grad=True)]
    theirs = [torch.tensor(tgt, requires_grad=True), torch.tensor(mem, requires_grad=True)]
    y = m(ours[0].transpose(0, 1), ours[1].transpose(0, 1))
    ty = tm(theirs[0].transpose(0, 1), theirs[1].transpose(0, 1))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=ATOL, rtol=RTOL)
    y.square().sum().backward()
    ty.square().sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=ATOL, rtol=RTOL)


def test_decoder_layer_callable_activation():
    torch.manual_seed(2)
    kw = dict(dim_feedforward=16, dropout=0.0)
    m, tm = twin(nn.TransformerDecoderLayer(8, 2, activation=F.silu, **kw),
                 torch.nn.TransformerDecoderLayer(8, 2, activation=torch.nn.functional.silu, **kw))
    run_twin(m, tm, rand((4, 2, 8), 1), rand((3, 2, 8), 2))


@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_matches_torch(batch_first):
    torch.manual_seed(0)
    kw = dict(dim_feedforward=12, dropout=0.0, batch_first=batch_first)
    layer, tlayer = twin(nn.TransformerDecoderLayer(8, 4, **kw), torch.nn.TransformerDecoderLayer(8, 4, **kw))
    m, tm = twin(nn.TransformerDecoder(layer, 3, norm=nn.LayerNorm(8)),
                 torch.nn.TransformerDecoder(tlayer, 3, norm=torch.nn.LayerNorm(8)))
    assert len({id(p) for p in m.parameters()}) == 3 * 18 + 2  # deep copies: no shared parameters
    b, t, s = 2, 6, 5
    tgt, mem = rand(_layout(batch_first, b, t, 8), 1), rand(_layout(batch_first, b, s, 8), 2)
    run_twin(m, tm, tgt, mem)
    run_twin(m, tm, tgt, mem, tgt_mask=_causal(t, "bool"), tgt_is_causal=True,
             memory_key_padding_mask=_padding(b, s, 3))
    m2, tm2 = twin(nn.TransformerDecoder(layer, 2), torch.nn.TransformerDecoder(tlayer, 2))  # no final norm
    run_twin(m2, tm2, tgt, mem, tgt_mask=_causal(t, "float"), tgt_key_padding_mask=_padding(b, t, 4))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_torch(batch_first, norm_first):
    torch.manual_seed(0)
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16, dropout=0.1,
              batch_first=batch_first, norm_first=norm_first)
    m, tm = twin(nn.Transformer(**kw), torch.nn.Transformer(**kw))
    b, s, t = 2, 5, 4
    src, tgt = rand(_layout(batch_first, b, s, 8), 1), rand(_layout(batch_first, b, t, 8), 2)
    run_twin(m, tm, src, tgt)
    causal = nn.Transformer.generate_square_subsequent_mask(t).numpy()
    run_twin(m, tm, src, tgt, tgt_mask=causal, src_key_padding_mask=_padding(b, s, 3),
             memory_key_padding_mask=_padding(b, s, 3), tgt_key_padding_mask=_padding(b, t, 3))
    run_twin(m, tm, src, tgt, src_mask=_causal(s, "bool"), src_is_causal=True, tgt_mask=_causal(t, "bool"),
             tgt_is_causal=True, memory_mask=_causal(s, "bool")[:t])


def test_generate_square_subsequent_mask_matches_torch():
    for sz, dtype in [(1, None), (4, None), (5, "float64")]:
        got = nn.Transformer.generate_square_subsequent_mask(sz, dtype=dtype and getattr(tg, dtype))
        want = torch.nn.Transformer.generate_square_subsequent_mask(sz, dtype=dtype and getattr(torch, dtype))
        assert got.dtype == np.dtype(dtype or "float32") and tuple(got.shape) == tuple(want.shape)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_transformer_init_is_xavier_uniform():
    tg.manual_seed(0)
    m = nn.Transformer(32, 4, 1, 1, 64, dropout=0.0)
    w = m.encoder.layers[0].linear1.weight.numpy()  # (64, 32): xavier bound 0.25; Linear's own init 1/sqrt(32)
    bound = np.sqrt(6 / (32 + 64))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(m.decoder.norm.weight.numpy() == 1)  # 1-D parameters keep their init
    assert np.all(m.decoder.layers[0].multihead_attn.in_proj_bias.numpy() == 0)


def test_decoder_layer_float64_gradcheck():
    tg.manual_seed(0)
    m = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=True, dtype=tg.float64).eval()
    mask = tg.tensor(_causal(3, "float").astype(np.float64))
    x = tg.tensor(rand((3, 2, 4), 1, np.float64), dtype=tg.float64, requires_grad=True)
    mem = tg.tensor(rand((2, 2, 4), 2, np.float64), dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda a, b: m(a, b, tgt_mask=mask), [x, mem])


def test_errors_match_torch():
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
            lib.nn.TransformerDecoderLayer(8, 2, activation="tanh")
        layer = lib.nn.TransformerDecoderLayer(8, 2, 16)
        x, mem = lib.randn(3, 2, 8), lib.randn(4, 2, 8)
        with pytest.raises(RuntimeError, match="(?i)need attn_mask if specifying the is_causal hint"):
            layer(x, mem, tgt_is_causal=True)
        with pytest.raises(RuntimeError, match="(?i)need attn_mask if specifying the is_causal hint"):
            lib.nn.TransformerDecoder(layer, 2)(x, mem, tgt_is_causal=True)
        with pytest.raises((RuntimeError, AssertionError), match=r"key_padd.*mask.*(4|\(2, 4\))"):
            layer(x, mem, memory_key_padding_mask=lib.zeros(2, 3, dtype=lib.bool))
        t = lib.nn.Transformer(8, 2, 1, 1, 16)
        with pytest.raises(RuntimeError, match=r"the batch number of src and tgt must be equal"):
            t(lib.randn(3, 2, 8), lib.randn(4, 3, 8))
        with pytest.raises(RuntimeError, match=r"the feature number of src and tgt must be equal to d_model"):
            t(lib.randn(3, 2, 8), lib.randn(4, 2, 6))
    with pytest.raises(RuntimeError, match=r"Transformer: .*\(3, 2, 8\) and \(4, 3, 8\)"):
        t(tg.randn(3, 2, 8), tg.randn(4, 3, 8))
