"""Differential fuzz of the recurrent layers against torch: RNN (tanh, relu), GRU, LSTM (with projections) and the
three cells, on random configurations torch accepts (layers, bias, batch_first, bidirectional, dropout in eval and
in train mode under one seed, unbatched inputs, initial states or None, packed sequences, float64, strided and
transposed inputs and states). torch's weights are loaded into ours; outputs, final states and every input, state
and parameter gradient (for random upstream gradients) must agree. Then the errors, types and messages."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as tru

import teenygrad as tg
import teenygrad.nn as nn
from teenygrad.nn.utils import rnn as gru

TOL = {np.float32: dict(atol=1e-5, rtol=1e-4), np.float64: dict(atol=1e-10, rtol=1e-8)}
KINDS = ["RNN_tanh", "RNN_relu", "GRU", "LSTM", "RNNCell_tanh", "RNNCell_relu", "GRUCell", "LSTMCell"]


def _close(ours, theirs, what, dtype):
    theirs = theirs.detach().numpy()
    assert tuple(ours.shape) == theirs.shape, f"{what}: shape {tuple(ours.shape)} != torch {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} != torch {theirs.dtype}"
    np.testing.assert_allclose(ours.numpy(), theirs, err_msg=what, **TOL[dtype])


def _leaves(a, rng):
    """(our leaf, our view, torch leaf, torch view) holding a: contiguous, every other column, or transposed."""
    r = rng.random()
    if r < 0.3:
        big = np.repeat(a, 2, axis=-1)
        g, t = tg.tensor(big, requires_grad=True), torch.tensor(big, requires_grad=True)
        return g, g[..., ::2], t, t[..., ::2]
    if r < 0.5 and a.ndim >= 2:
        base = np.ascontiguousarray(np.swapaxes(a, -1, -2))
        g, t = tg.tensor(base, requires_grad=True), torch.tensor(base, requires_grad=True)
        return g, g.transpose(-1, -2), t, t.transpose(-1, -2)
    g, t = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    return g, g, t, t


def _flat(o):
    if isinstance(o, (tuple, list)):
        return [y for x in o for y in _flat(x)]
    return [o]


def _states(shapes, rng, dtype, leaves):
    """Random initial states as (ours, torch's) views; their leaves are appended to leaves."""
    ours, theirs = [], []
    for s in shapes:
        gl, g, tl, t = _leaves(rng.standard_normal(s).astype(dtype), rng)
        leaves.append((gl, tl))
        ours.append(g)
        theirs.append(t)
    return ours, theirs


def _compare(outs, touts, leaves, m, tm, dtype, rng):
    assert len(outs) == len(touts)
    loss, tloss = 0, 0
    for k, (o, t) in enumerate(zip(outs, touts)):
        _close(o, t, f"output {k}", dtype)
        w = rng.standard_normal(tuple(t.shape)).astype(dtype)
        loss, tloss = loss + (o * tg.tensor(w)).sum(), tloss + (t * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    for k, (a, b) in enumerate(leaves):
        _close(a.grad, b.grad, f"input/state {k} grad", dtype)
    names = [(n, tuple(p.shape)) for n, p in m.named_parameters()]
    assert names == [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        _close(p.grad, tp.grad, f"grad {n}", dtype)
    assert repr(m) == repr(tm)
    assert list(m.state_dict()) == list(tm.state_dict())


def _cell_case(rng, base, kw, I, H, dtype):
    tm = getattr(torch.nn, base)(I, H, dtype=torch.float64 if dtype == np.float64 else torch.float32, **kw)
    m = getattr(nn, base)(I, H, dtype=dtype, **kw)
    m.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
    B, unbatched = int(rng.integers(1, 4)), rng.random() < 0.3
    leaves = []
    x, tx = _states([(I,) if unbatched else (B, I)], rng, dtype, leaves)
    args, targs = x, tx
    if rng.random() < 0.6:
        hs, ths = _states([(H,) if unbatched else (B, H)] * (2 if base == "LSTMCell" else 1), rng, dtype, leaves)
        args.append(tuple(hs) if base == "LSTMCell" else hs[0])
        targs.append(tuple(ths) if base == "LSTMCell" else ths[0])
    _compare(_flat(m(*args)), _flat(tm(*targs)), leaves, m, tm, dtype, rng)


def _one(seed):
    rng = np.random.default_rng(seed)
    kind = KINDS[seed % len(KINDS)]
    dtype = np.float64 if rng.random() < 0.3 else np.float32
    big = rng.random() < 0.15
    I, H = (int(rng.integers(8, 25)), int(rng.integers(8, 25))) if big else (int(rng.integers(1, 6)),
                                                                                int(rng.integers(1, 6)))
    bias = bool(rng.random() < 0.7)
    torch.manual_seed(seed)
    base, _, act = kind.partition("_")
    if "Cell" in kind:
        return _cell_case(rng, base, dict(bias=bias, **({"nonlinearity": act} if act else {})), I, H, dtype)
    L, bi = int(rng.integers(1, 4)), bool(rng.random() < 0.5)
    kw = dict(num_layers=L, bias=bias, batch_first=bool(rng.random() < 0.5), bidirectional=bi,
              dropout=float(rng.choice([0.0, 0.3, 0.5])) if L > 1 else 0.0)
    if act:
        kw["nonlinearity"] = act
    P = int(rng.integers(1, H)) if base == "LSTM" and H > 1 and rng.random() < 0.4 else 0
    if P:
        kw["proj_size"] = P
    tm = getattr(torch.nn, base)(I, H, dtype=torch.float64 if dtype == np.float64 else torch.float32, **kw)
    m = getattr(nn, base)(I, H, dtype=dtype, **kw)
    m.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
    if rng.random() < 0.6:  # else train mode: the dropout masks must be torch's under the same seed
        tm.eval()
        m.eval()
    T, B = (int(rng.integers(1, 10)), int(rng.integers(1, 7))) if big else (int(rng.integers(1, 6)),
                                                                            int(rng.integers(1, 5)))
    mode = ["plain", "unbatched", "packed", "pack_sequence"][int(rng.integers(4))]
    if mode.startswith("pack") and not big and rng.random() < 0.25:
        B = int(rng.integers(17, 40))  # torch's sort orders tied lengths its own way past 16
    D, leaves = 2 if bi else 1, []
    lengths = rng.integers(1, T + 1, size=B)
    enforce = bool(rng.random() < 0.5)
    if enforce:
        lengths = -np.sort(-lengths)
    if mode == "plain":
        x, tx = _states([(B, T, I) if kw["batch_first"] else (T, B, I)], rng, dtype, leaves)
    elif mode == "unbatched":
        x, tx = _states([(T, I)], rng, dtype, leaves)
    elif mode == "packed":
        pbf = bool(rng.random() < 0.5)
        Tp = int(lengths.max()) + int(rng.integers(0, 2))
        (x,), (tx,) = _states([(B, Tp, I) if pbf else (Tp, B, I)], rng, dtype, leaves)
        x = [gru.pack_padded_sequence(x, lengths.tolist(), batch_first=pbf, enforce_sorted=enforce)]
        tx = [tru.pack_padded_sequence(tx, torch.tensor(lengths), batch_first=pbf, enforce_sorted=enforce)]
    else:
        xs, txs = _states([(int(n), I) for n in lengths], rng, dtype, leaves)
        x, tx = [gru.pack_sequence(xs, enforce_sorted=enforce)], [tru.pack_sequence(txs, enforce_sorted=enforce)]
    if mode.startswith("pack"):
        assert x[0].batch_sizes.tolist() == tx[0].batch_sizes.tolist()
        assert (x[0].sorted_indices is None) == (tx[0].sorted_indices is None)
        if tx[0].sorted_indices is not None:
            assert x[0].sorted_indices.tolist() == tx[0].sorted_indices.tolist()
        _close(x[0].data, tx[0].data, "packed data", dtype)
    if rng.random() < 0.5:
        lead = (L * D,) if mode == "unbatched" else (L * D, B)
        shapes = [lead + (P or H,)] + ([lead + (H,)] if base == "LSTM" else [])
        hs, ths = _states(shapes, rng, dtype, leaves)
        x.append(tuple(hs) if base == "LSTM" else hs[0])
        tx.append(tuple(ths) if base == "LSTM" else ths[0])
    tg.manual_seed(seed)
    out = m(*x)
    torch.manual_seed(seed)
    tout = tm(*tx)
    outs, touts = _flat(out[1]), _flat(tout[1])
    if mode.startswith("pack"):
        opts = dict(batch_first=bool(rng.random() < 0.5), padding_value=float(rng.choice([0.0, -1.5])),
                    total_length=None if rng.random() < 0.5 else T + 2)
        assert out[0].batch_sizes.tolist() == tout[0].batch_sizes.tolist()
        padded, lens = gru.pad_packed_sequence(out[0], **opts)
        tpadded, tlens = tru.pad_packed_sequence(tout[0], **opts)
        assert lens.tolist() == tlens.tolist() and lens.dtype == np.int64
        outs, touts = [padded] + outs, [tpadded] + touts
    else:
        outs, touts = [out[0]] + outs, [tout[0]] + touts
    _compare(outs, touts, leaves, m, tm, dtype, rng)


@pytest.mark.parametrize("seed", range(96))
def test_fuzz_against_torch(seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: LSTM projections not supported with oneDNN
        _one(seed)


@pytest.mark.parametrize("mode", ["GRU", "LSTM"])
def test_packed_train_dropout_draws_per_packed_step(mode):
    """torch's dropout between layers on a PackedSequence draws one value per packed element, not per padded one."""
    tm = getattr(torch.nn, mode)(3, 4, num_layers=2, dropout=0.5)
    m = getattr(nn, mode)(3, 4, num_layers=2, dropout=0.5)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3, 3)).astype(np.float32)
    torch.manual_seed(3)
    tout = tm(tru.pack_padded_sequence(torch.tensor(x), [2, 5, 3], enforce_sorted=False))[0]
    tg.manual_seed(3)
    out = m(gru.pack_padded_sequence(tg.tensor(x), [2, 5, 3], enforce_sorted=False))[0]
    np.testing.assert_allclose(out.data.numpy(), tout.data.detach().numpy(), **TOL[np.float32])


def test_sorted_indices_of_tied_lengths_are_torchs():
    """Past 16 sequences torch's std::sort orders tied lengths by its own moves, not by index."""
    for seed in range(20):
        lengths = np.random.default_rng(seed).integers(1, 4, size=17 + 7 * seed)
        x = np.zeros((3, len(lengths), 1), np.float32)
        ours = gru.pack_padded_sequence(tg.tensor(x), lengths.tolist(), enforce_sorted=False)
        theirs = tru.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths), enforce_sorted=False)
        assert ours.sorted_indices.tolist() == theirs.sorted_indices.tolist()
        assert ours.unsorted_indices.tolist() == theirs.unsorted_indices.tolist()


@pytest.mark.parametrize("mode", ["RNN", "GRU", "LSTM"])
def test_module_errors(mode):
    m = getattr(nn, mode)(4, 3, num_layers=2)
    lstm = mode == "LSTM"
    state = (lambda *s, dtype=tg.float32: (tg.zeros(*s, dtype=dtype), tg.zeros(*s, dtype=dtype)) if lstm
             else tg.zeros(*s, dtype=dtype))
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. Expected 4, got 6"):
        m(tg.zeros(5, 2, 6))
    with pytest.raises(ValueError, match=r"expected 2-D \(unbatched\) or 3-D input, got shape \(4,\)"):
        m(tg.zeros(4))
    with pytest.raises(RuntimeError, match=r"of shape \(2, 2, 3\), got \(2, 3, 3\)"):  # hx batch mismatch
        m(tg.zeros(5, 2, 4), state(2, 3, 3))
    with pytest.raises(RuntimeError, match=r"of shape \(2, 2, 3\), got \(2, 2, 4\)"):
        m(tg.zeros(5, 2, 4), state(2, 2, 4))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx.* should also be 3-D but got"):
        m(tg.zeros(5, 2, 4), state(2, 3))
    with pytest.raises(ValueError, match=r"input dtype float64 doesn't match the weights' dtype float32"):
        m(tg.zeros(5, 2, 4, dtype=tg.float64))  # torch: ValueError
    with pytest.raises(ValueError, match=r"input dtype float64"):
        m(gru.pack_sequence([tg.zeros(3, 4, dtype=tg.float64)]))
    with pytest.raises(RuntimeError, match=r"dtype float64 doesn't match the weights' dtype float32"):
        m(tg.zeros(5, 2, 4), state(2, 2, 3, dtype=tg.float64))  # torch: RuntimeError from its matmul
    if lstm:
        with pytest.raises(RuntimeError, match=r"hx must be a tuple \(h_0, c_0\), got a Tensor of shape \(2, 2, 3\)"):
            m(tg.zeros(5, 2, 4), tg.zeros(2, 2, 3))


@pytest.mark.parametrize("mode", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cell_errors(mode):
    m = getattr(nn, mode)(4, 3)
    state = (lambda *s, dtype=tg.float32: (tg.zeros(*s, dtype=dtype),) * 2 if mode == "LSTMCell"
             else tg.zeros(*s, dtype=dtype))
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 5, expected 4"):
        m(tg.zeros(2, 5))
    with pytest.raises(ValueError, match=r"expected input to be 1-D or 2-D, got shape \(2, 2, 4\)"):
        m(tg.zeros(2, 2, 4))
    with pytest.raises(RuntimeError, match=r"hidden state has shape \(3, 3\), expected \(2, 3\)"):
        m(tg.zeros(2, 4), state(3, 3))
    with pytest.raises(RuntimeError, match="input dtype float64 doesn't match the weights' dtype float32"):
        m(tg.zeros(2, 4, dtype=tg.float64))  # torch: RuntimeError from its matmul
    with pytest.raises(RuntimeError, match="hidden state dtype float64"):
        m(tg.zeros(2, 4), state(2, 3, dtype=tg.float64))


def test_constructor_checks_warning_and_flat_weights():
    with pytest.raises(TypeError, match="hidden_size should be of type int, got: float"):
        nn.GRU(3, 4.0)
    with pytest.raises(ValueError, match=r"input_size \(0\), hidden_size \(4\) and num_layers \(1\)"):
        nn.LSTM(0, 4)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, but got dropout=0.5"):
        nn.GRU(3, 4, dropout=0.5)
    m, tm = nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2), torch.nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2)
    assert m._flat_weights_names == tm._flat_weights_names
    assert [tuple(w.shape) for w in m._flat_weights] == [tuple(w.shape) for w in tm._flat_weights]
    assert m.flatten_parameters() is None
    with pytest.raises(IndexError, match=r"pack_padded_sequence: expected input of at least 2 dims.*\(4,\)"):
        gru.pack_padded_sequence(tg.zeros(4), [3])
