"""RNN / LSTM / GRU (and cells) and MultiheadAttention against torch with copied weights: outputs, final
states, input / initial-state / parameter gradients; plus shape errors."""
import numpy as np
import pytest
import torch
import teenygrad as tg
import teenygrad.nn as nn
from teenygrad.autograd import gradcheck
from helpers import backprop_and_compare

ATOL, RTOL = 1e-5, 1e-4
rng = np.random.default_rng(0)


def _flat(o):
    return [o] if not isinstance(o, tuple) else [z for y in o if y is not None for z in _flat(y)]


def _pair(a):
    return tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _run(m, tm, inputs, train=False):
    """inputs: list of arrays or tuples of arrays (LSTM state). Compares every output and every gradient."""
    assert repr(m) == repr(tm)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    m.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
    m.train(train)
    tm.train(train)
    ours, theirs, leaves = [], [], []
    for a in inputs:
        if isinstance(a, tuple):
            ps = [_pair(x) for x in a]
            ours.append(tuple(p[0] for p in ps))
            theirs.append(tuple(p[1] for p in ps))
            leaves += ps
        else:
            p = _pair(a)
            ours.append(p[0])
            theirs.append(p[1])
            leaves.append(p)
    out, tout = _flat(m(*ours)), _flat(tm(*theirs))
    assert len(out) == len(tout)
    backprop_and_compare(out, tout, leaves, m, tm, ATOL, RTOL)


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


RNN_CASES = [
    (dict(), (6, 2), False),
    (dict(num_layers=2, bidirectional=True, batch_first=True), (2, 6), True),
    (dict(bias=False), (5,), True),  # unbatched (t, i)
    (dict(num_layers=3), (4, 3), True),
    (dict(bidirectional=True), (5,), False),
]


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kw,lead,with_state", RNN_CASES)
def test_recurrent_layers(cls, kw, lead, with_state, kernels):
    m, tm = getattr(nn, cls)(3, 4, **kw), getattr(torch.nn, cls)(3, 4, **kw)
    inputs = [_x(*lead, 3)]
    if with_state:
        D, L = (2 if kw.get("bidirectional") else 1), kw.get("num_layers", 1)
        B = () if len(lead) == 1 else ((lead[0],) if kw.get("batch_first") else (lead[1],))
        shape = (L * D,) + B + (4,)
        inputs.append((_x(*shape), _x(*shape)) if cls == "LSTM" else _x(*shape))
    _run(m, tm, inputs)


@pytest.mark.parametrize("scale", [1.0, 6.0])  # 6: gates deep in saturation, where the kernel's tanh/exp bottom out
@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_fused_cells_wide(cls, scale, kernels):
    """A wider LSTM / GRU than the cases above (the fused cells' rows run 64 wide), both paths against torch."""
    m, tm = getattr(nn, cls)(8, 64, num_layers=2), getattr(torch.nn, cls)(8, 64, num_layers=2)
    state = (_x(2, 5, 64), _x(2, 5, 64)) if cls == "LSTM" else _x(2, 5, 64)
    _run(m, tm, [scale * _x(10, 5, 8), state])


def test_rnn_relu_and_return_structure():
    _run(nn.RNN(3, 4, nonlinearity="relu", num_layers=2), torch.nn.RNN(3, 4, nonlinearity="relu", num_layers=2),
         [_x(5, 2, 3)])
    out, (h, c) = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)(tg.randn(2, 5, 3))
    assert out.shape == (2, 5, 8) and h.shape == (4, 2, 4) and c.shape == (4, 2, 4)
    out, h = nn.GRU(3, 4)(tg.randn(5, 2, 3))
    np.testing.assert_array_equal(out.numpy()[-1], h.numpy()[0])


def test_dropout_between_layers():
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = tg.randn(5, 2, 3)
    m.eval()
    a, b = m(x)[0].numpy(), m(x)[0].numpy()
    np.testing.assert_array_equal(a, b)  # no dropout in eval
    m.train()
    assert not np.allclose(m(x)[0].numpy(), a)  # dropout on the first layer's output in training
    m1 = nn.LSTM(3, 4, num_layers=1, dropout=0.0)
    m1.train()
    np.testing.assert_array_equal(m1(x)[0].numpy(), m1(x)[0].numpy())


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("kw,shape,with_state", [(dict(), (2, 3), False), (dict(), (2, 3), True),
                                                 (dict(bias=False), (3,), True)])
def test_cells(cls, kw, shape, with_state):
    m, tm = getattr(nn, cls)(3, 4, **kw), getattr(torch.nn, cls)(3, 4, **kw)
    inputs = [_x(*shape)]
    if with_state:
        hs = shape[:-1] + (4,)
        inputs.append((_x(*hs), _x(*hs)) if cls == "LSTMCell" else _x(*hs))
    _run(m, tm, inputs)


def test_rnn_cell_relu():
    _run(nn.RNNCell(3, 4, nonlinearity="relu"), torch.nn.RNNCell(3, 4, nonlinearity="relu"), [_x(2, 3), _x(2, 4)])


def test_recurrent_errors():
    m = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 5"):
        m(tg.randn(5, 2, 5))
    with pytest.raises(RuntimeError, match=r"expected hidden state h_0 of shape \(2, 2, 4\), got \(1, 2, 4\)"):
        m(tg.randn(5, 2, 3), (tg.zeros(1, 2, 4), tg.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match="expected 2-D \\(unbatched\\) or 3-D input"):
        m(tg.randn(3))
    with pytest.raises(TypeError, match="doesn't match the weights' dtype"):
        m(tg.randn(5, 2, 3, dtype=tg.float64))
    with pytest.raises(RuntimeError, match=r"GRUCell: hidden state has shape \(3, 4\), expected \(2, 4\)"):
        nn.GRUCell(3, 4)(tg.randn(2, 3), tg.zeros(3, 4))


@pytest.mark.parametrize("scan", ["RNN", "LSTM", "GRU"])
def test_scan_gradcheck(scan):
    m = getattr(nn, scan)(2, 3, bidirectional=True).double()
    x = tg.tensor(rng.standard_normal((4, 2, 2)), dtype=tg.float64, requires_grad=True)
    ps = [m.weight_hh_l0, m.bias_hh_l0_reverse, m.weight_ih_l0]
    assert gradcheck(lambda a, *_: m(a)[0], [x] + ps)


# ---- MultiheadAttention ------------------------------------------------------------------------------
def _mha_run(kw, q_shape, kv_shape=None, fkw=None, masks=None):
    m, tm = nn.MultiheadAttention(8, 2, **kw), torch.nn.MultiheadAttention(8, 2, **kw)
    assert repr(m) == repr(tm)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    m.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
    fkw = fkw or {}
    q, tq = _pair(_x(*q_shape))
    if kv_shape is None:
        args, targs, leaves = (q, q, q), (tq, tq, tq), [(q, tq)]
    else:
        k, tk = _pair(_x(*kv_shape[0]))
        v, tv = _pair(_x(*kv_shape[1]))
        args, targs, leaves = (q, k, v), (tq, tk, tv), [(q, tq), (k, tk), (v, tv)]
    ekw = {n: tg.tensor(a) for n, a in (masks or {}).items()}
    tekw = {n: torch.tensor(a) for n, a in (masks or {}).items()}
    out, w = m(*args, **fkw, **ekw)
    tout, tw = tm(*targs, **fkw, **tekw)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=ATOL, rtol=RTOL)
    loss, tloss = (out * out).sum(), (tout * tout).sum()
    if tw is None:
        assert w is None
    else:
        np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), atol=ATOL, rtol=RTOL)
        loss, tloss = loss + (w * w).sum(), tloss + (tw * tw).sum()
    loss.backward()
    tloss.backward()
    for a, ta in leaves:
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=ATOL, rtol=RTOL)
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=ATOL, rtol=RTOL, err_msg=n)


CAUSAL = np.triu(np.ones((5, 5), bool), 1)
KPM = np.array([[False] * 5 + [True] * 2, [False] * 7])


@pytest.mark.parametrize("kw,q,kv,fkw,masks", [
    (dict(), (5, 2, 8), None, dict(), None),
    (dict(), (5, 2, 8), None, dict(need_weights=False), None),
    (dict(batch_first=True), (2, 5, 8), None, dict(), None),
    (dict(), (5, 2, 8), ((7, 2, 8), (7, 2, 8)), dict(average_attn_weights=False), None),
    (dict(), (5, 2, 8), None, dict(), {"attn_mask": CAUSAL}),
    (dict(), (5, 2, 8), None, dict(need_weights=False, is_causal=True), {"attn_mask": CAUSAL}),
    (dict(bias=False), (5, 2, 8), ((7, 2, 8), (7, 2, 8)), dict(), {"key_padding_mask": KPM}),
    (dict(), (5, 2, 8), ((7, 2, 8), (7, 2, 8)), dict(need_weights=False),
     {"key_padding_mask": KPM, "attn_mask": np.zeros((4, 5, 7), bool)}),
    (dict(), (5, 2, 8), ((7, 2, 8), (7, 2, 8)), dict(), {"attn_mask": _x(5, 7)}),
    (dict(kdim=6, vdim=4), (5, 2, 8), ((7, 2, 6), (7, 2, 4)), dict(), None),
    (dict(), (5, 8), None, dict(), None),  # unbatched
])
def test_multihead_attention(kw, q, kv, fkw, masks):
    _mha_run(kw, q, kv, fkw, masks)


def test_multihead_attention_dropout_and_errors():
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = tg.randn(5, 2, 8)
    m.eval()
    np.testing.assert_array_equal(m(x, x, x)[0].numpy(), m(x, x, x)[0].numpy())
    m.train()
    assert not np.allclose(m(x, x, x)[0].numpy(), m(x, x, x)[0].numpy())
    with pytest.raises(ValueError, match=r"embed_dim \(8\) must be divisible by num_heads \(3\)"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(RuntimeError, match=r"attn_mask shape \(4, 4\) should be \(5, 5\)"):
        m(x, x, x, attn_mask=tg.zeros(4, 4, dtype=tg.bool))
    with pytest.raises(RuntimeError, match=r"key_padding_mask shape \(5, 2\) should be \(2, 5\)"):
        m(x, x, x, key_padding_mask=tg.zeros(5, 2, dtype=tg.bool))
    with pytest.raises(RuntimeError, match="query's last dim 4 != embed_dim 8"):
        m(tg.randn(5, 2, 4), x, x)
