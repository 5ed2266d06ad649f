"""nn.utils.rnn packing against torch.nn.utils.rnn, and RNN/GRU/LSTM on PackedSequence input: packed outputs,
final states at each sequence's own length, and every gradient, with torch's weights copied into ours."""
import numpy as np
import pytest
import torch
import teenygrad as tg
import teenygrad.nn as nn
from teenygrad.autograd import gradcheck
from teenygrad.nn.utils import rnn as R

TOL = dict(rtol=1e-4, atol=1e-5)  # float32 against torch


def _close(ours, theirs, **tol):
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **(tol or TOL))


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True), ([2, 5, 1, 3], False),
                                                     ([3, 1, 3, 3], False)])
def test_pack_pad_round_trip(lengths, enforce_sorted, batch_first):
    shape = (4, 5, 3) if batch_first else (5, 4, 3)
    x, tx = _pair(shape)
    p = R.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor(lengths), batch_first=batch_first,
                                                 enforce_sorted=enforce_sorted)
    _close(p.data, tp.data)
    assert p.batch_sizes.tolist() == tp.batch_sizes.tolist() and p.batch_sizes.dtype == tg.int64
    for ours, theirs in ((p.sorted_indices, tp.sorted_indices), (p.unsorted_indices, tp.unsorted_indices)):
        assert (ours is None) == (theirs is None) and (ours is None or ours.tolist() == theirs.tolist())
    assert isinstance(p, tuple) and p._fields == tp._fields and p[0] is p.data
    out, n = R.pad_packed_sequence(p, batch_first=batch_first, padding_value=-2.0, total_length=6)
    tout, tn = torch.nn.utils.rnn.pad_packed_sequence(tp, batch_first=batch_first, padding_value=-2.0,
                                                      total_length=6)
    _close(out, tout)
    assert n.tolist() == tn.tolist() == lengths
    w = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    (out * tg.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    _close(x.grad, tx.grad)


def test_pack_sequence_unpack_unpad():
    seqs = [_pair((n, 2), seed=n) for n in (2, 4, 1)]
    p = R.pack_sequence([s for s, _ in seqs], enforce_sorted=False)
    tp = torch.nn.utils.rnn.pack_sequence([t for _, t in seqs], enforce_sorted=False)
    _close(p.data, tp.data)
    assert p.batch_sizes.tolist() == tp.batch_sizes.tolist()
    back, tback = R.unpack_sequence(p), torch.nn.utils.rnn.unpack_sequence(tp)
    for b, tb, (s, _) in zip(back, tback, seqs):
        _close(b, tb)
        assert b.shape == s.shape
    padded = R.pad_sequence([s for s, _ in seqs], batch_first=True)
    tpadded = torch.nn.utils.rnn.pad_sequence([t for _, t in seqs], batch_first=True)
    for b, tb in zip(R.unpad_sequence(padded, tg.tensor([2, 4, 1]), batch_first=True),
                     torch.nn.utils.rnn.unpad_sequence(tpadded, torch.tensor([2, 4, 1]), batch_first=True)):
        _close(b, tb)
    sum(b.sum() * (i + 1) for i, b in enumerate(back)).backward()
    sum(b.sum() * (i + 1) for i, b in enumerate(tback)).backward()
    for s, t in seqs:
        _close(s.grad, t.grad)


def test_packed_sequence_api():
    p = R.pack_padded_sequence(tg.randn(3, 2, 4), [3, 2], enforce_sorted=False)
    q = p.double()
    assert q.data.dtype == tg.float64 and q.batch_sizes is p.batch_sizes and not q.is_cuda
    assert p.to(tg.float32) is p and p._replace(data=p.data * 2).batch_sizes is p.batch_sizes
    d, b, s, u = p
    assert s.tolist() == [0, 1] and u.tolist() == [0, 1]
    assert R.PackedSequence(d, b, tg.tensor([1, 0])).unsorted_indices.tolist() == [1, 0]


def test_pack_gradcheck():
    x = tg.tensor(np.random.default_rng(2).standard_normal((4, 3, 2)), requires_grad=True)
    assert gradcheck(lambda a: R.pad_packed_sequence(
        R.pack_padded_sequence(a, [2, 4, 1], enforce_sorted=False), total_length=5)[0], [x])


def _twin(kind, bidirectional, num_layers):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=num_layers, bidirectional=bidirectional)
    ours = getattr(nn, kind)(3, 4, num_layers=num_layers, bidirectional=bidirectional)
    for name, p in theirs.named_parameters():
        getattr(ours, name)._data[...] = p.detach().numpy()
    return ours, theirs


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("bidirectional,num_layers", [(False, 1), (True, 2)])
@pytest.mark.parametrize("with_hx", [False, True])
def test_rnn_packed_matches_torch(kind, bidirectional, num_layers, with_hx):
    ours, theirs = _twin(kind, bidirectional, num_layers)
    lengths = [3, 5, 1, 4]  # unsorted: the module sees the permuted batch and undoes it on the states
    x, tx = _pair((5, 4, 3), seed=3)
    args, targs = (), ()
    if with_hx:
        D = 2 if bidirectional else 1
        h, th = _pair((num_layers * D, 4, 4), seed=4)
        c, tc = _pair((num_layers * D, 4, 4), seed=5)
        args, targs = ((h, c),) if kind == "LSTM" else (h,), ((th, tc),) if kind == "LSTM" else (th,)
    out, hn = ours(R.pack_padded_sequence(x, lengths, enforce_sorted=False), *args)
    tout, thn = theirs(torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor(lengths), enforce_sorted=False),
                       *targs)
    assert isinstance(out, R.PackedSequence)
    _close(out.data, tout.data)
    assert out.batch_sizes.tolist() == tout.batch_sizes.tolist()
    assert out.unsorted_indices.tolist() == tout.unsorted_indices.tolist()
    states, tstates = (hn, thn) if kind == "LSTM" else ((hn,), (thn,))
    for s, ts in zip(states, tstates):
        _close(s, ts)
    rng = np.random.default_rng(6)
    ws = [rng.standard_normal(t.shape).astype(np.float32) for t in (tout.data,) + tuple(tstates)]
    sum((a * tg.tensor(w)).sum() for a, w in zip((out.data,) + tuple(states), ws)).backward()
    sum((a * torch.tensor(w)).sum() for a, w in zip((tout.data,) + tuple(tstates), ws)).backward()
    _close(x.grad, tx.grad, rtol=1e-4, atol=1e-4)
    for name, p in theirs.named_parameters():
        _close(getattr(ours, name).grad, p.grad, rtol=1e-4, atol=1e-4)
    for a, ta in zip(args[0] if kind == "LSTM" and args else args, targs[0] if kind == "LSTM" and targs else targs):
        _close(a.grad, ta.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_rnn_packed_gradcheck(kind):
    m = getattr(nn, kind)(2, 3, bidirectional=True).double()
    x = tg.tensor(np.random.default_rng(7).standard_normal((4, 3, 2)), requires_grad=True)

    def fn(a, *params):
        out, hn = m(R.pack_padded_sequence(a, [2, 4, 1], enforce_sorted=False))
        return (out.data,) + (hn if kind == "LSTM" else (hn,))
    assert gradcheck(fn, [x] + list(m.parameters()))


def test_rnn_packed_round_trip_equals_per_sequence_runs():
    """Each sequence alone (unpacked, no padding) gives the same output and final state as the packed batch
    (batch_first doesn't apply to packed input, as in torch)."""
    m = nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    seqs = [tg.randn(n, 3) for n in (2, 5, 3)]
    out, hn = m(R.pack_sequence(seqs, enforce_sorted=False))
    for i, (s, o) in enumerate(zip(seqs, R.unpack_sequence(out))):
        alone, h_alone = m(s)
        np.testing.assert_allclose(o.numpy(), alone.numpy(), **TOL)
        np.testing.assert_allclose(hn[:, i].numpy(), h_alone.numpy(), **TOL)


def test_bad_lengths():
    x, tx = tg.randn(4, 3, 2), torch.randn(4, 3, 2)
    bad = [([3, 0, 2], False, "greater than 0"), ([2, 3, 1], True, "sorted in decreasing order"),
           ([3, 2, 2, 1], True, "batch_size")]
    for lengths, es, msg in bad:
        with pytest.raises(RuntimeError):
            torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor(lengths), enforce_sorted=es)
        with pytest.raises(RuntimeError, match=f"pack_padded_sequence.*{msg}"):
            R.pack_padded_sequence(x, lengths, enforce_sorted=es)
    # longer than the input: torch does not check, it reads past the end (its batch_sizes run past 4 steps)
    assert len(torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor([6, 2, 1])).batch_sizes) == 6
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: a length \(6\) is longer than the input's 4"):
        R.pack_padded_sequence(x, [6, 2, 1])
    p, tp = R.pack_padded_sequence(x, [3, 2, 1]), torch.nn.utils.rnn.pack_padded_sequence(tx, [3, 2, 1])
    with pytest.raises(ValueError, match="total_length"):
        torch.nn.utils.rnn.pad_packed_sequence(tp, total_length=2)
    with pytest.raises(ValueError, match="pad_packed_sequence.*total_length=2 and max sequence length being 3"):
        R.pad_packed_sequence(p, total_length=2)
    with pytest.raises(RuntimeError):
        torch.nn.LSTM(3, 4)(tp)
    with pytest.raises(RuntimeError, match=r"LSTM: packed data must be \(steps, input_size=3\), got shape \(6, 2\)"):
        nn.LSTM(3, 4)(p)
