"""nn.LSTM with proj_size (LSTMP, h_t = W_hr (o_t * tanh(c_t))) against torch: parameter names, order, shapes
and seeded init; outputs, (h_n, c_n) and every gradient for batch-first / bidirectional / stacked / bias-free /
unbatched / packed input; a float64 gradcheck; and the errors torch raises too."""
import numpy as np
import pytest
import torch
import teenygrad as tg
import teenygrad.nn as nn
from teenygrad.autograd import gradcheck
from teenygrad.nn.utils import rnn as R

TOL = dict(rtol=1e-4, atol=1e-5)  # float32 forward against torch
GTOL = dict(rtol=1e-4, atol=1e-4)  # float32 gradients (summed over steps)
I, H, P = 3, 5, 2  # input size, hidden size, projection size


def _x(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _twins(seed=0, **kw):
    """Both LSTMs built after the same seed: teenygrad's RNG is torch's, so the init must match bit for bit."""
    tg.manual_seed(seed)
    ours = nn.LSTM(I, H, proj_size=P, **kw)
    torch.manual_seed(seed)
    theirs = torch.nn.LSTM(I, H, proj_size=P, **kw)
    return ours, theirs


def _check(ours, theirs, x, hx=None):
    """Run both on x (and hx), compare output, h_n, c_n, then the gradients of a weighted sum of all three
    with respect to every parameter, the input and the initial states."""
    xs = (tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True))
    hxs = ((None, None) if hx is None else
           (tuple(tg.tensor(a, requires_grad=True) for a in hx), tuple(torch.tensor(a, requires_grad=True) for a in hx)))
    out, (h, c) = ours(xs[0], hxs[0])
    tout, (th, tc) = theirs(xs[1], hxs[1])
    rng = np.random.default_rng(99)
    loss = tloss = 0
    for name, a, ta in (("output", out, tout), ("h_n", h, th), ("c_n", c, tc)):
        assert a.shape == tuple(ta.shape), name
        np.testing.assert_allclose(a.numpy(), ta.detach().numpy(), **TOL, err_msg=name)
        w = rng.standard_normal(a.shape).astype(np.float32)
        loss, tloss = loss + (a * tg.tensor(w)).sum(), tloss + (ta * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(xs[0].grad.numpy(), xs[1].grad.numpy(), **GTOL, err_msg="input")
    if hx is not None:
        for k, (a, ta) in enumerate(zip(*hxs)):
            np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), **GTOL, err_msg=f"hx[{k}]")
    for (n, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), **GTOL, err_msg=n)
    return out, h, c


CONFIGS = [  # (LSTM kwargs, input shape)
    (dict(), (6, 4, I)),
    (dict(batch_first=True), (4, 6, I)),
    (dict(bidirectional=True), (6, 4, I)),
    (dict(num_layers=2), (6, 4, I)),
    (dict(num_layers=2, bidirectional=True, batch_first=True), (3, 5, I)),
    (dict(bias=False), (6, 4, I)),
    (dict(bias=False, num_layers=2, bidirectional=True), (6, 4, I)),
    (dict(), (6, I)),  # unbatched (t, i)
    (dict(num_layers=2, bidirectional=True), (6, I)),
]


@pytest.mark.parametrize("kw,shape", CONFIGS)
def test_parameters_match_torch(kw, shape):
    ours, theirs = _twins(seed=3, **kw)
    names = [n for n, _ in ours.named_parameters()]
    assert names == [n for n, _ in theirs.named_parameters()]
    assert any(n.startswith("weight_hr_l") for n in names)
    for (n, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert p.shape == tuple(tp.shape), n
        assert p.dtype == tg.float32, n
        assert np.array_equal(p.numpy(), tp.detach().numpy()), n  # same seed, same values
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [[tuple(p.shape) for p in ws] for ws in ours.all_weights] == \
        [[tuple(p.shape) for p in ws] for ws in theirs.all_weights]
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("kw,shape", CONFIGS)
@pytest.mark.parametrize("with_hx", [False, True])
def test_forward_backward_match_torch(kw, shape, with_hx):
    ours, theirs = _twins(seed=1, **kw)
    hx = None
    if with_hx:
        L = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
        B = () if len(shape) == 2 else (shape[0] if kw.get("batch_first") else shape[1],)
        hx = (_x((L,) + B + (P,), 5), _x((L,) + B + (H,), 6))
    out, h, c = _check(ours, theirs, _x(shape, 4), hx)
    D = 2 if kw.get("bidirectional") else 1
    assert out.shape[-1] == P * D and h.shape[-1] == P and c.shape[-1] == H


def test_loaded_torch_state_dict():
    """Weights copied explicitly from an independently initialised torch LSTM (not the shared seed)."""
    torch.manual_seed(11)
    theirs = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True, proj_size=P)
    tg.manual_seed(12)
    ours = nn.LSTM(I, H, num_layers=2, bidirectional=True, proj_size=P)
    assert not np.array_equal(ours.weight_hr_l1_reverse.numpy(), theirs.weight_hr_l1_reverse.detach().numpy())
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    _check(ours, theirs, _x((7, 3, I), 8))


def test_projection_is_used():
    """Zeroing W_hr must zero h (so the output) but not c: the projection sits on h only."""
    ours, _ = _twins(seed=2)
    ours.weight_hr_l0._data[...] = 0
    out, (h, c) = ours(tg.tensor(_x((4, 2, I), 9)))
    assert np.all(out.numpy() == 0) and np.all(h.numpy() == 0)
    assert np.abs(c.numpy()).max() > 1e-3


@pytest.mark.parametrize("bidirectional,num_layers", [(False, 1), (True, 2)])
@pytest.mark.parametrize("with_hx", [False, True])
def test_packed_matches_torch(bidirectional, num_layers, with_hx):
    ours, theirs = _twins(seed=4, bidirectional=bidirectional, num_layers=num_layers)
    lengths = [3, 5, 1, 4]  # unsorted: the states go in and come out in the caller's order
    a = _x((5, 4, I), 10)
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    L = num_layers * (2 if bidirectional else 1)
    hx = [_x((L, 4, P), 11), _x((L, 4, H), 12)] if with_hx else []
    hs, ths = [tg.tensor(s, requires_grad=True) for s in hx], [torch.tensor(s, requires_grad=True) for s in hx]
    out, (h, c) = ours(R.pack_padded_sequence(x, lengths, enforce_sorted=False), *([tuple(hs)] if hx else []))
    tout, (th, tc) = theirs(torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor(lengths), enforce_sorted=False),
                            *([tuple(ths)] if hx else []))
    assert isinstance(out, R.PackedSequence)
    rng = np.random.default_rng(13)
    loss = tloss = 0
    for name, o, to in (("output", out.data, tout.data), ("h_n", h, th), ("c_n", c, tc)):
        assert o.shape == tuple(to.shape), name
        np.testing.assert_allclose(o.numpy(), to.detach().numpy(), **TOL, err_msg=name)
        w = rng.standard_normal(o.shape).astype(np.float32)
        loss, tloss = loss + (o * tg.tensor(w)).sum(), tloss + (to * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **GTOL, err_msg="input")
    for k, (s, ts) in enumerate(zip(hs, ths)):
        np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy(), **GTOL, err_msg=f"hx[{k}]")
    for (n, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), **GTOL, err_msg=n)


@pytest.mark.parametrize("packed", [False, True])
def test_gradcheck(packed):
    m = nn.LSTM(2, 3, proj_size=2, bidirectional=True).double()
    x = tg.tensor(np.random.default_rng(14).standard_normal((4, 3, 2)), requires_grad=True)
    h0 = tg.tensor(np.random.default_rng(15).standard_normal((2, 3, 2)), requires_grad=True)
    c0 = tg.tensor(np.random.default_rng(16).standard_normal((2, 3, 3)), requires_grad=True)

    def fn(a, h, c, *params):
        if packed:
            out, (hn, cn) = m(R.pack_padded_sequence(a, [2, 4, 1], enforce_sorted=False), (h, c))
            return out.data, hn, cn
        out, (hn, cn) = m(a, (h, c))
        return out, hn, cn
    assert gradcheck(fn, [x, h0, c0] + list(m.parameters()))


@pytest.mark.parametrize("proj_size,match", [(5, "proj_size has to be smaller than hidden_size"),
                                             (7, "proj_size has to be smaller than hidden_size"),
                                             (-1, "proj_size should be a positive integer or zero")])
def test_bad_proj_size(proj_size, match):
    with pytest.raises(ValueError, match=match):
        torch.nn.LSTM(I, H, proj_size=proj_size)
    with pytest.raises(ValueError, match=match):
        nn.LSTM(I, H, proj_size=proj_size)


@pytest.mark.parametrize("h_shape,c_shape,match", [
    ((1, 4, H), (1, 4, H), r"Expected hidden\[0\] size \(1, 4, 2\), got \[1, 4, 5\]"),  # h given hidden_size
    ((1, 4, P), (1, 4, P), r"Expected hidden\[1\] size \(1, 4, 5\), got \[1, 4, 2\]"),  # c given proj_size
    ((2, 4, P), (1, 4, H), r"Expected hidden\[0\] size \(1, 4, 2\), got \[2, 4, 2\]"),
    ((4, P), (4, H), r"For batched 3-D input, hx and cx should also be 3-D but got \(2-D, 2-D\) tensors"),
])
def test_bad_initial_state(h_shape, c_shape, match):
    ours, theirs = _twins()
    a = _x((6, 4, I), 17)
    for m, lib in ((theirs, torch), (ours, tg)):
        with pytest.raises(RuntimeError, match=match):
            m(lib.tensor(a), (lib.zeros(*h_shape), lib.zeros(*c_shape)))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 4, 2\), got \[1, 4, 5\]"):
        ours(R.pack_padded_sequence(tg.tensor(a), [6, 5, 2, 1]), (tg.zeros(1, 4, H), tg.zeros(1, 4, H)))
