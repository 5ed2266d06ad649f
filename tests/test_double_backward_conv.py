"""Double backward (create_graph=True) of the convolution, pooling, unfold/fold, interpolate and recurrent ops
(ops/conv.py, ops/rnn.py) through the public API: each against torch (first and second gradients, also in the
grad_outputs; a contiguous and a transposed layout) and by float64 finite differences (gradgradcheck), plus a
WGAN-GP gradient penalty on a small conv critic and on an RNN, with every parameter's gradient compared."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import compare_double, gradgrad_ok, rand, assert_close, to_np

TOL = dict(atol=1e-4, rtol=1e-3)


def F(m):
    return m.nn.functional


def _unpool(m, x):
    y, idx = F(m).max_pool2d(x, 2, 2, return_indices=True)
    return F(m).max_unpool2d(y * y, idx, 2, 2)


# name: (fn(lib, *tensors), inputs). The pools, unfold/fold and interpolate are linear: they square their input first,
# so their backward_graph meets a gradient that depends on the input.
CASES = {
    "conv1d": (lambda m, x, w: F(m).conv1d(x, w, padding=2, dilation=2), [rand((2, 3, 7)), rand((4, 3, 3), 1)]),
    "conv2d": (lambda m, x, w, b: F(m).conv2d(x, w, b, stride=2, padding=1, groups=2),
               [rand((2, 4, 5, 6)), rand((6, 2, 3, 2), 1), rand((6,), 2)]),
    "conv2d_same_unbatched": (lambda m, x, w: F(m).conv2d(x, w, padding="same"),
                              [rand((3, 4, 5)), rand((2, 3, 3, 3), 1)]),
    "conv3d": (lambda m, x, w: F(m).conv3d(x, w, padding=1, stride=(1, 2, 1)),
               [rand((1, 2, 3, 4, 3)), rand((3, 2, 2, 2, 2), 1)]),
    "conv_transpose2d": (lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1,
                                                                  groups=2),
                         [rand((2, 4, 3, 4)), rand((4, 3, 3, 2), 1), rand((6,), 2)]),
    "conv_transpose2d_dilated": (lambda m, x, w: F(m).conv_transpose2d(x, w, stride=(2, 3), padding=(0, 1),
                                                                       dilation=(2, 1)),
                                 [rand((2, 3, 3, 3)), rand((3, 2, 2, 3), 1)]),
    # output_padding >= stride (allowed by the dilation) leaves the input gradient's im2col a window more to crop
    "conv_transpose1d_extra_window": (lambda m, x, w: F(m).conv_transpose1d(x, w, padding=1, output_padding=1,
                                                                            dilation=2),
                                      [rand((2, 3, 5)), rand((3, 2, 3), 1)]),
    "avg_pool2d": (lambda m, x: F(m).avg_pool2d(x * x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                   [rand((2, 3, 6, 5))]),
    "avg_pool2d_divisor": (lambda m, x: F(m).avg_pool2d(x * x, 2, 1, 1, divisor_override=3), [rand((2, 3, 4, 5))]),
    "avg_pool1d": (lambda m, x: F(m).avg_pool1d(x * x, 3, 2, 1), [rand((2, 3, 7))]),
    "max_pool2d": (lambda m, x: F(m).max_pool2d(x * x, 3, 2, 1), [rand((2, 3, 6, 5))]),
    "max_pool3d": (lambda m, x: F(m).max_pool3d(x * x, 2, 1, 1, dilation=(1, 2, 1), ceil_mode=True),
                   [rand((1, 2, 4, 5, 3))]),
    "max_unpool2d": (_unpool, [rand((2, 3, 4, 4))]),
    "unfold": (lambda m, x: F(m).unfold(x * x, (2, 3), padding=1, stride=2), [rand((2, 3, 6, 5))]),
    "fold": (lambda m, x: F(m).fold(x * x, (4, 5), (2, 2), padding=1), [rand((2, 12, 30))]),
    "nearest": (lambda m, x: F(m).interpolate(x * x, scale_factor=(1.5, 2), mode="nearest"), [rand((2, 3, 4, 5))]),
    "bilinear": (lambda m, x: F(m).interpolate(x * x, size=(7, 3), mode="bilinear"), [rand((2, 3, 4, 5))]),
    "bicubic": (lambda m, x: F(m).interpolate(x * x, size=(5, 7), mode="bicubic", align_corners=True),
                [rand((2, 3, 4, 5))]),
    "area": (lambda m, x: F(m).interpolate(x * x, size=(3, 2), mode="area"), [rand((2, 3, 7, 5))]),
    "bilinear_antialias": (lambda m, x: F(m).interpolate(x * x, size=(3, 2), mode="bilinear", antialias=True),
                           [rand((2, 3, 7, 5))]),
    "trilinear": (lambda m, x: F(m).interpolate(x * x, size=(3, 4, 2), mode="trilinear"), [rand((1, 2, 2, 3, 4))]),
}


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_against_torch(name, layout):
    fn, arrays = CASES[name]
    compare_double(fn, arrays, layout=layout)


# gradgradcheck: float64 finite differences at random inputs (teenygrad only)
GG = {
    "conv2d": (lambda x, w, b: tg.nn.functional.conv2d(x, w, b, stride=(2, 1), padding=1, groups=2),
               [(1, 2, 4, 3), (2, 1, 2, 2), (2,)]),
    "conv_transpose2d": (lambda x, w, b: tg.nn.functional.conv_transpose2d(x, w, b, stride=2, output_padding=1),
                         [(1, 2, 2, 2), (2, 1, 2, 2), (1,)]),
    "conv1d_transpose1d": (lambda x, w: tg.nn.functional.conv_transpose1d(tg.nn.functional.conv1d(x, w) ** 2,
                                                                          w, dilation=2), [(1, 2, 5), (2, 2, 2)]),
    "avg_pool2d": (lambda x: tg.nn.functional.avg_pool2d(x * x, 2, 1, 1, count_include_pad=False), [(1, 1, 3, 3)]),
    "max_pool2d": (lambda x: tg.nn.functional.max_pool2d(x * x, 2, 1), [(1, 1, 3, 3)]),
    "unfold_fold": (lambda x: tg.nn.functional.fold(tg.nn.functional.unfold(x, 2) ** 2, (3, 3), 2), [(1, 1, 3, 3)]),
    "interpolate": (lambda x: tg.nn.functional.interpolate(x * x, size=(3, 2), mode="bicubic"), [(1, 1, 2, 3)]),
}


@pytest.mark.parametrize("name", list(GG))
def test_gradgradcheck(name):
    fn, shapes = GG[name]
    gradgrad_ok(fn, shapes)


def _first_grad(f):
    """x -> d/dx sum(f(x)^3), with create_graph: its gradgradcheck is a third-order check of f's ops."""
    def grad_of(x):
        g, = tg.autograd.grad((f(x) ** 3).sum(), x, create_graph=True)
        return g
    return grad_of


@pytest.mark.parametrize("f, shape", [(lambda x: tg.nn.functional.interpolate(x, size=(3, 2), mode="bilinear"),
                                       (1, 1, 2, 3)),
                                      (lambda x: tg.nn.functional.fold(x, (3, 3), 2), (1, 4, 4)),
                                      (lambda x: tg.nn.functional.conv2d(x, x[:, :, :2, :2]), (1, 1, 3, 3))],
                         ids=["interpolate", "fold", "conv2d"])
def test_third_order_gradgradcheck(f, shape):
    gradgrad_ok(_first_grad(f), [shape])


def _critic(m):
    """A tiny conv critic D(x) = mean(conv(leaky_relu(conv(x)))), torch's weights copied into teenygrad's."""
    torch.manual_seed(0)
    ref = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, stride=2, padding=1), torch.nn.LeakyReLU(0.2),
                              torch.nn.Conv2d(4, 1, 3, padding=1))
    if m is torch:
        return ref
    ours = tg.nn.Sequential(tg.nn.Conv2d(2, 4, 3, stride=2, padding=1), tg.nn.LeakyReLU(0.2),
                            tg.nn.Conv2d(4, 1, 3, padding=1))
    for p, q in zip(ours.parameters(), ref.parameters()):
        p.data = tg.tensor(to_np(q).copy())
    return ours


def test_wgan_gp_conv_critic_against_torch():
    grads = []
    for m in (torch, tg):
        D = _critic(m)
        real, fake = m.tensor(rand((3, 2, 6, 6), 1)), m.tensor(rand((3, 2, 6, 6), 2))
        eps = m.tensor(rand((3, 1, 1, 1), 3, low=0.0, high=1.0))
        x = (eps * real + (1.0 - eps) * fake).requires_grad_()
        g, = m.autograd.grad(D(x).mean(), x, create_graph=True)
        gp = ((g.reshape(3, -1).pow(2).sum(1) + 1e-12).sqrt() - 1.0).pow(2).mean()
        loss = D(fake).mean() - D(real).mean() + 10.0 * gp
        loss.backward()
        grads.append([to_np(g)] + [to_np(p.grad) for p in D.parameters()])
    for i, (a, b) in enumerate(zip(grads[1], grads[0])):
        np.testing.assert_allclose(a, b, **TOL, err_msg=f"gradient {i}")


def _rnn_gp(m, nonlinearity, bidirectional, packed):
    """A gradient penalty through a 2-layer RNN: the squared gradients of a loss w.r.t. input, h0 and every
    parameter, backpropagated; returns every leaf's .grad."""
    torch.manual_seed(0)
    ref = torch.nn.RNN(3, 5, num_layers=2, nonlinearity=nonlinearity, bidirectional=bidirectional)
    net = ref
    if m is tg:
        net = tg.nn.RNN(3, 5, num_layers=2, nonlinearity=nonlinearity, bidirectional=bidirectional)
        for p, q in zip(net.parameters(), ref.parameters()):
            p.data = tg.tensor(to_np(q).copy())
    x = m.tensor(rand((4, 2, 3)), requires_grad=True)
    h0 = m.tensor(rand((2 * (1 + bidirectional), 2, 5), 1), requires_grad=True)
    inp = m.nn.utils.rnn.pack_padded_sequence(x, [4, 2]) if packed else x
    out, hn = net(inp, h0)
    if packed:
        out, _ = m.nn.utils.rnn.pad_packed_sequence(out)
    loss = (out * m.tensor(rand(tuple(out.shape), 3))).sum() + (hn * hn).sum()
    leaves = [x, h0] + list(net.parameters())
    gs = m.autograd.grad(loss, leaves, create_graph=True)
    sum((g * g).sum() for g in gs).backward()
    return [p.grad for p in leaves]


@pytest.mark.parametrize("nonlinearity, bidirectional, packed",
                         [("tanh", False, False), ("relu", True, False), ("tanh", True, True)])
def test_rnn_gradient_penalty_against_torch(nonlinearity, bidirectional, packed):
    ours, theirs = (_rnn_gp(m, nonlinearity, bidirectional, packed) for m in (tg, torch))
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert_close(a, b, f"gradient of leaf {i}", **TOL)


def test_gradgradcheck_rnn():
    from teenygrad.ops.rnn import RNNScan
    gradgrad_ok(lambda gi, h0, w, b: RNNScan.apply(gi, h0, w, b), [(3, 2, 2), (2, 2), (2, 2), (2,)])


def _lstm_gru_gp(m, cls, bidirectional, packed, proj):
    """_rnn_gp for a 2-layer LSTM (proj: with proj_size 2) or GRU: the squared gradients of a loss w.r.t. input,
    states and every parameter, backpropagated; returns every leaf's .grad."""
    torch.manual_seed(0)
    kw = {"proj_size": 2} if proj else {}
    ref = getattr(torch.nn, cls)(3, 5, num_layers=2, bidirectional=bidirectional, **kw)
    net = ref
    if m is tg:
        net = getattr(tg.nn, cls)(3, 5, num_layers=2, bidirectional=bidirectional, **kw)
        for p, q in zip(net.parameters(), ref.parameters()):
            p.data = tg.tensor(to_np(q).copy())
    d = 2 * (1 + bidirectional)
    x = m.tensor(rand((4, 2, 3)), requires_grad=True)
    h0 = m.tensor(rand((d, 2, 2 if proj else 5), 1), requires_grad=True)
    state = (h0, m.tensor(rand((d, 2, 5), 2), requires_grad=True)) if cls == "LSTM" else h0
    inp = m.nn.utils.rnn.pack_padded_sequence(x, [4, 2]) if packed else x
    out, hn = net(inp, state)
    if packed:
        out, _ = m.nn.utils.rnn.pad_packed_sequence(out)
    hn = hn if cls == "GRU" else hn[0] * hn[1].sum()
    loss = (out * m.tensor(rand(tuple(out.shape), 3))).sum() + (hn * hn).sum()
    leaves = [x] + ([state[0], state[1]] if cls == "LSTM" else [h0]) + list(net.parameters())
    gs = m.autograd.grad(loss, leaves, create_graph=True)
    sum((g * g).sum() for g in gs).backward()
    return [p.grad for p in leaves]


@pytest.mark.parametrize("cls, bidirectional, packed, proj",
                         [("LSTM", False, False, False), ("LSTM", True, True, False), ("LSTM", False, False, True),
                          ("GRU", False, False, False), ("GRU", True, True, False)])
def test_lstm_gru_gradient_penalty_against_torch(cls, bidirectional, packed, proj):
    ours, theirs = (_lstm_gru_gp(m, cls, bidirectional, packed, proj) for m in (tg, torch))
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert_close(a, b, f"gradient of leaf {i}", **TOL)


def test_gradgradcheck_lstm_gru_scans():
    from teenygrad.ops.rnn import GRUScan, LSTMScan
    gradgrad_ok(lambda gi, h0, c0, w, b: LSTMScan.apply(gi, h0, c0, w, b), [(3, 2, 8), (2, 2), (2, 2), (8, 2), (8,)])
    gradgrad_ok(lambda gi, h0, c0, w, b, r: LSTMScan.apply(gi, h0, c0, w, b, r, proj=True, reverse=True),
                [(3, 2, 8), (2, 1), (2, 2), (8, 1), (8,), (1, 2)])
    gradgrad_ok(lambda gi, h0, w, b: GRUScan.apply(gi, h0, w, b), [(3, 2, 6), (2, 2), (6, 2), (6,)])


def test_lstm_double_backward_when_one_tensor_is_two_inputs():
    """h0 and c0 the same tensor: each input's gradient is taken apart (one clone each), as torch's."""
    got = []
    for m in (tg, torch):
        torch.manual_seed(0)
        ref = torch.nn.LSTM(3, 4)
        net = ref
        if m is tg:
            net = tg.nn.LSTM(3, 4)
            for p, q in zip(net.parameters(), ref.parameters()):
                p.data = tg.tensor(to_np(q).copy())
        x = m.tensor(rand((3, 2, 3)), requires_grad=True)
        s = m.tensor(rand((1, 2, 4), 1), requires_grad=True)
        out, _ = net(x, (s, s))
        g, = m.autograd.grad((out * out).sum(), s, create_graph=True)
        (g * g).sum().backward()
        got.append([x.grad, s.grad] + [p.grad for p in net.parameters()])
    for i, (a, b) in enumerate(zip(*got)):
        assert_close(a, b, f"gradient of leaf {i}", **TOL)
