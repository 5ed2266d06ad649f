"""The LSTM scan's fused float32 path (ops/rnn.py LSTMScan with backend/_numba_rnn.py: the GEMM writing into the
gate buffer, lstm_step adding gi_t and the summed biases, the backward kernel summing db_hh, W_hh^T by transpose8)
and the numpy path beside it, against torch: the `kernels` fixture runs each test both ways. The module hands the
scan b_ih + b_hh and the input GEMM no bias, so both bias gradients come from the scan's one db."""
import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.nn as nn
from teenygrad.backend import cpu
from helpers import backprop_and_compare

ATOL, RTOL = 1e-5, 1e-4  # float32, as tests/test_nn_rnn.py
rng = np.random.default_rng(0)


def _x(*shape, scale=1.0):
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def _copy_weights(m, tm):
    m.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})


def _check(m, tm, x, state=None):
    """Outputs, final states, input / state / parameter gradients against torch, for a weighted sum of the outputs."""
    _copy_weights(m, tm)
    xs, txs = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    args, targs, leaves = [xs], [txs], [(xs, txs)]
    if state is not None:
        pairs = [(tg.tensor(s, requires_grad=True), torch.tensor(s, requires_grad=True)) for s in state]
        args.append(tuple(p[0] for p in pairs))
        targs.append(tuple(p[1] for p in pairs))
        leaves += pairs
    out, (h, c) = m(*args)
    tout, (th, tc) = tm(*targs)
    backprop_and_compare((out, h, c), (tout, th, tc), leaves, m, tm, ATOL, RTOL)


@pytest.mark.parametrize("shape", [(512, 128), (128, 512), (13, 7), (8, 8), (3, 17), (1, 1), (0, 5), (24, 9)])
def test_transpose8(shape):
    if cpu.set_fused(True) is None:
        pytest.skip("numba kernels unavailable")
    from teenygrad.backend import _numba_rnn
    w = _x(*shape)
    np.testing.assert_array_equal(_numba_rnn.transpose8(w), w.T)
    assert _numba_rnn.transpose8(w).flags.c_contiguous
    v = _x(2 * shape[0], shape[1])[::2]  # a strided view
    np.testing.assert_array_equal(_numba_rnn.transpose8(v), v.T)


KW = [  # LSTM keywords, input (leading dims), with an initial state
    (dict(batch_first=True), (5, 7), False),         # the LM's layout (bench/steps.py), batch first
    (dict(), (7, 5), True),
    (dict(bias=False), (6, 3), True),
    (dict(bidirectional=True, num_layers=2), (6, 3), True),  # reverse scans: c_{t-1} from the step after
    (dict(batch_first=True, bidirectional=True), (1, 4), False),  # one sequence
    (dict(), (1, 3), True),                          # one step: c_{t-1} is c0 at once
]


@pytest.mark.parametrize("kw,lead,with_state", KW)
@pytest.mark.parametrize("hidden", [16, 13])  # 13: rows that are not a multiple of the vector width
def test_lstm_matches_torch(kw, lead, with_state, hidden, kernels):
    m, tm = nn.LSTM(6, hidden, **kw), torch.nn.LSTM(6, hidden, **kw)
    state = None
    if with_state:
        D, L = 2 if kw.get("bidirectional") else 1, kw.get("num_layers", 1)
        B = lead[0] if kw.get("batch_first") else lead[1]
        state = (_x(L * D, B, hidden), _x(L * D, B, hidden))
    _check(m, tm, _x(*lead, 6), state)


@pytest.mark.parametrize("scale", [1.0, 8.0])  # 8: gates saturated
def test_lstm_lm_shape(scale, kernels):
    """The bench's LM at a smaller batch: Embedding -> LSTM(batch_first) -> Linear, cross-entropy, against torch."""
    torch.manual_seed(0)
    temb, tlstm, thead = torch.nn.Embedding(27, 32), torch.nn.LSTM(32, 128, batch_first=True), torch.nn.Linear(128, 27)
    with torch.no_grad():
        temb.weight.mul_(scale)
    emb, lstm, head = nn.Embedding(27, 32), nn.LSTM(32, 128, batch_first=True), nn.Linear(128, 27)
    for m, tm in ((emb, temb), (lstm, tlstm), (head, thead)):
        _copy_weights(m, tm)
    ids, y = rng.integers(0, 27, (8, 16)), rng.integers(0, 27, (8, 16))
    loss = tg.nn.functional.cross_entropy(head(lstm(emb(tg.tensor(ids)))[0]).reshape(-1, 27), tg.tensor(y).reshape(-1))
    tloss = torch.nn.functional.cross_entropy(thead(tlstm(temb(torch.tensor(ids)))[0]).reshape(-1, 27),
                                              torch.tensor(y).reshape(-1))
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), atol=ATOL, rtol=RTOL)
    for m, tm in ((emb, temb), (lstm, tlstm), (head, thead)):
        for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=ATOL, rtol=RTOL, err_msg=n)
    np.testing.assert_array_equal(lstm.bias_ih_l0.grad.numpy(), lstm.bias_hh_l0.grad.numpy())


def test_fused_path_runs(monkeypatch):
    """float32 numpy arrays without packing or projection take the kernels (forward and backward), once a step."""
    if cpu.set_fused(True) is None:
        pytest.skip("numba kernels unavailable")
    from teenygrad.backend import _numba_rnn
    calls = {"lstm_step": 0, "lstm_step_backward": 0}
    for name in calls:
        kern = getattr(_numba_rnn, name)

        def counted(*a, _k=kern, _n=name):
            calls[_n] += 1
            return _k(*a)
        monkeypatch.setattr(_numba_rnn, name, counted)
    out, _ = nn.LSTM(4, 8)(tg.tensor(_x(5, 3, 4), requires_grad=True))
    out.sum().backward()
    assert calls == {"lstm_step": 5, "lstm_step_backward": 5}


def test_lstm_cell_matches_torch(kernels):
    """LSTMCell: one step through the same scan, biases summed the same way."""
    m, tm = nn.LSTMCell(5, 9), torch.nn.LSTMCell(5, 9)
    _copy_weights(m, tm)
    x, h, c = _x(4, 5), _x(4, 9), _x(4, 9)
    pairs = [(tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)) for a in (x, h, c)]
    ho, co = m(pairs[0][0], (pairs[1][0], pairs[2][0]))
    tho, tco = tm(pairs[0][1], (pairs[1][1], pairs[2][1]))
    np.testing.assert_allclose(ho.numpy(), tho.detach().numpy(), atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(co.numpy(), tco.detach().numpy(), atol=ATOL, rtol=RTOL)
    (ho.sum() + 2 * co.sum()).backward()
    (tho.sum() + 2 * tco.sum()).backward()
    for k, (a, ta) in enumerate(pairs):
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=ATOL, rtol=RTOL, err_msg=f"input {k}")
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=ATOL, rtol=RTOL, err_msg=n)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_zero_initial_state(bidirectional, kernels):
    """h0 = 0 skips the first step's GEMM, and without a gradient for h0 the last backward GEMM: a zero state that
    does want its gradient still gets it, and a nonzero c0 beside it still counts."""
    D = 2 if bidirectional else 1
    m, tm = nn.LSTM(6, 16, bidirectional=bidirectional), torch.nn.LSTM(6, 16, bidirectional=bidirectional)
    _check(m, tm, _x(5, 3, 6), (np.zeros((D, 3, 16), np.float32), _x(D, 3, 16)))
