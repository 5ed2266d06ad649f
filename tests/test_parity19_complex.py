"""Complex tensors through random fills and the nn layers, against torch (nineteenth landing).

Before: uniform_ / normal_ refused complex tensors, so nn.Linear(..., dtype=torch.cfloat) and every layer with a
complex dtype failed at init; F.linear, the convolutions, unfold and fold refused complex inputs torch takes;
torch.normal with a complex mean returned a real tensor (the imaginary part dropped); bernoulli_ / random_ /
geometric_ filled complex tensors torch refuses; and the recurrent layers (RNN, LSTM, GRU and their cells) ran
complex inputs forward right but gave wrong gradients (the real formulas, without torch's conjugation)."""
import numpy as np
import pytest
import torch

import teenygrad as tg


def _cx(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


# ---- random fills ------------------------------------------------------------------------------------------
FILLS = [("uniform_", (-1.0, 2.0)), ("normal_", (1.0, 2.0)), ("normal_", ())]


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("method,args", FILLS)
def test_complex_random_fills_draw_torch_numbers(method, args, dtype, layout):
    out = {}
    for lib in (torch, tg):
        lib.manual_seed(3)
        t = lib.empty(5, 4, dtype=getattr(lib, dtype))
        if layout == "transposed":  # drawn in the real view's memory order, as torch
            t = lib.empty(4, 5, dtype=getattr(lib, dtype)).t()
        getattr(t, method)(*args)
        out[lib] = t.numpy().copy(), lib.rand(2).numpy()  # and the generator left where torch leaves it
    np.testing.assert_allclose(out[tg][0], out[torch][0], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(out[tg][1], out[torch][1])


@pytest.mark.parametrize("std", [2.0, "tensor"])
def test_normal_with_a_complex_mean_is_complex(std):
    out = {}
    for lib in (torch, tg):
        lib.manual_seed(0)
        mean = lib.tensor(np.array([1 + 2j, -1j, 0.5], np.complex64))
        s = lib.tensor([1.0, 2.0, 0.5]) if std == "tensor" else std
        out[lib] = lib.normal(mean, s)
    assert out[tg].dtype == tg.complex64
    np.testing.assert_allclose(out[tg].numpy(), out[torch].numpy(), rtol=1e-6, atol=1e-6)


def test_normal_of_complex_size_and_dtype():
    for lib in (torch, tg):
        lib.manual_seed(1)
    got = tg.normal(0.0, 1.0, (3, 2), dtype=tg.complex128)
    want = torch.normal(0.0, 1.0, (3, 2), dtype=torch.complex128)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("call", [
    lambda L: L.normal(0.0, L.ones(2, dtype=L.complex64)),  # a complex std
    lambda L: L.normal(L.ones(2, dtype=L.complex64), L.ones(2, dtype=L.complex64)),
    lambda L: L.normal(L.ones(2, dtype=L.complex64, requires_grad=True), 1.0),  # no complex derivative
    lambda L: L.empty(2, dtype=L.complex64).bernoulli_(0.5),
    lambda L: L.bernoulli(L.zeros(2, dtype=L.complex64)),
    lambda L: L.empty(2, dtype=L.complex64).random_(0, 5),
    lambda L: L.empty(2, dtype=L.complex64).random_(),
    lambda L: L.empty(2, dtype=L.complex64).geometric_(0.5),
], ids=["complex-std", "complex-mean-and-std", "mean-requires-grad", "bernoulli_", "bernoulli", "random_-range",
        "random_", "geometric_"])
def test_complex_draws_torch_refuses(call):
    with pytest.raises((RuntimeError, NotImplementedError)):
        call(torch)
    with pytest.raises((RuntimeError, NotImplementedError)):
        call(tg)


# ---- layers ------------------------------------------------------------------------------------------------
LAYERS = [
    ("Linear", lambda L, d: L.nn.Linear(4, 3, dtype=d), (2, 4)),
    ("Linear-3d", lambda L, d: L.nn.Linear(4, 3, bias=False, dtype=d), (2, 5, 4)),
    ("Conv1d", lambda L, d: L.nn.Conv1d(2, 3, 3, dtype=d), (2, 2, 7)),
    ("Conv1d-groups-reflect", lambda L, d: L.nn.Conv1d(4, 2, 3, groups=2, padding=1, padding_mode="reflect", dtype=d),
     (2, 4, 6)),
    ("Conv2d", lambda L, d: L.nn.Conv2d(2, 3, 3, padding=1, stride=2, dtype=d), (2, 2, 5, 5)),
    ("ConvTranspose1d", lambda L, d: L.nn.ConvTranspose1d(2, 3, 3, stride=2, dtype=d), (2, 2, 5)),
    ("ConvTranspose2d", lambda L, d: L.nn.ConvTranspose2d(2, 1, 2, stride=2, bias=False, dtype=d), (1, 2, 3, 3)),
    ("RNN", lambda L, d: L.nn.RNN(4, 3, batch_first=True, dtype=d), (2, 5, 4)),
    ("RNN-2layer-bidir", lambda L, d: L.nn.RNN(4, 3, num_layers=2, bidirectional=True, dtype=d), (5, 2, 4)),
    ("LSTM", lambda L, d: L.nn.LSTM(4, 3, batch_first=True, dtype=d), (2, 5, 4)),
    ("LSTM-2layer-bidir", lambda L, d: L.nn.LSTM(4, 3, num_layers=2, bidirectional=True, dtype=d), (5, 2, 4)),
    ("LSTM-proj", lambda L, d: L.nn.LSTM(4, 3, proj_size=2, dtype=d), (5, 2, 4)),
    ("GRU", lambda L, d: L.nn.GRU(4, 3, batch_first=True, dtype=d), (2, 5, 4)),
    ("GRU-2layer-bidir", lambda L, d: L.nn.GRU(4, 3, num_layers=2, bidirectional=True, dtype=d), (5, 2, 4)),
    ("RNNCell", lambda L, d: L.nn.RNNCell(4, 3, dtype=d), (2, 4)),
    ("LSTMCell", lambda L, d: L.nn.LSTMCell(4, 3, dtype=d), (2, 4)),
    ("GRUCell", lambda L, d: L.nn.GRUCell(4, 3, dtype=d), (2, 4)),
]


def _run_layer(lib, make, x, dtype):
    lib.manual_seed(0)
    m = make(lib, getattr(lib, dtype))  # the default init draws torch's numbers (uniform_ on the real view)
    xt = lib.tensor(x, requires_grad=True)
    y = m(xt)
    y = y[0] if isinstance(y, tuple) else y
    y.abs().sum().backward()
    return ([y.detach().numpy(), xt.grad.numpy()] + [p.detach().numpy() for p in m.parameters()]
            + [p.grad.numpy() for p in m.parameters()])


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("name,make,shape", LAYERS, ids=[n for n, _, _ in LAYERS])
def test_complex_layers_forward_backward_as_torch(name, make, shape, dtype):
    x = _cx(np.random.default_rng(1), shape).astype(dtype)
    want, got = _run_layer(torch, make, x, dtype), _run_layer(tg, make, x, dtype)
    assert len(got) == len(want)
    tol = 1e-4 if dtype == "complex64" else 1e-10
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def test_complex_rnn_with_relu_is_refused_as_torch():
    with pytest.raises(NotImplementedError):
        torch.nn.RNN(3, 2, nonlinearity="relu", dtype=torch.complex64)(torch.zeros(4, 1, 3, dtype=torch.complex64))
    with pytest.raises(NotImplementedError, match="relu"):
        tg.nn.RNN(3, 2, nonlinearity="relu", dtype=tg.complex64)(tg.zeros(4, 1, 3, dtype=tg.complex64))


# ---- functional, with float64 finite differences -------------------------------------------------------------
FUNCTIONAL = [
    ("linear", lambda L, x, w: L.nn.functional.linear(x, w[:3, :4], w[3, :3]), (2, 4), (4, 4)),
    ("conv1d", lambda L, x, w: L.nn.functional.conv1d(x, w[:, :, :2], w[:, 0, 2], padding=1, dilation=2), (1, 2, 5),
     (2, 2, 3)),
    ("conv2d", lambda L, x, w: L.nn.functional.conv2d(x, w, stride=(1, 2)), (1, 2, 4, 5), (3, 2, 2, 2)),
    ("conv_transpose2d", lambda L, x, w: L.nn.functional.conv_transpose2d(x, w, stride=2, output_padding=1),
     (1, 3, 2, 3), (3, 2, 2, 2)),
    ("unfold", lambda L, x, w: L.nn.functional.unfold(x * w.sum(), 2, padding=1), (1, 2, 3, 3), (1,)),
    ("fold", lambda L, x, w: L.nn.functional.fold(x * w.sum(), (3, 4), 2), (1, 8, 6), (1,)),
]


@pytest.mark.parametrize("name,f,xs,ws", FUNCTIONAL, ids=[n for n, *_ in FUNCTIONAL])
def test_complex_functional_as_torch_and_by_differences(name, f, xs, ws):
    rng = np.random.default_rng(4)
    x, w = _cx(rng, xs), _cx(rng, ws)
    res = {}
    for lib in (torch, tg):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = f(lib, xt, wt)
        (y.abs() ** 2).sum().backward()
        res[lib] = y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()
    for g, want in zip(res[tg], res[torch]):
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-10)

    def loss(xa, wa):
        return float((f(tg, tg.tensor(xa), tg.tensor(wa)).abs() ** 2).sum())
    h = 1e-6
    for k, (a, grad) in enumerate(((x, res[tg][1]), (w, res[tg][2]))):
        fd = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            for unit in (1, 1j):  # torch's convention: dL/dRe + i dL/dIm
                e = np.zeros_like(a)
                e[idx] = h * unit
                args_p = (a + e, w) if k == 0 else (x, a + e)
                args_m = (a - e, w) if k == 0 else (x, a - e)
                fd[idx] += unit * (loss(*args_p) - loss(*args_m)) / (2 * h)
        np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)


DOUBLE = {
    "Linear": lambda L: L.nn.Linear(4, 3, dtype=L.complex128),
    "RNN": lambda L: L.nn.RNN(4, 3, dtype=L.complex128),
    "GRU": lambda L: L.nn.GRU(4, 3, dtype=L.complex128),
    "LSTM": lambda L: L.nn.LSTM(4, 3, dtype=L.complex128),
    "Conv1d": lambda L: L.nn.Conv1d(3, 2, 2, dtype=L.complex128),
}


@pytest.mark.parametrize("name", list(DOUBLE))
def test_complex_double_backward_as_torch(name):
    """A gradient penalty through complex layers: Linear's and the RNN scan's graph backwards conjugate too."""
    x0 = _cx(np.random.default_rng(0), (2, 3, 4))
    res = {}
    for lib in (torch, tg):
        lib.manual_seed(0)
        m = DOUBLE[name](lib)
        x = lib.tensor(x0, requires_grad=True)
        y = m(x)
        y = y[0] if isinstance(y, tuple) else y
        g, = lib.autograd.grad(y.abs().sum(), x, create_graph=True)
        (g.abs() ** 2).sum().backward()
        res[lib] = [x.grad.numpy()] + [p.grad.numpy() for p in m.parameters()]
    for got, want in zip(res[tg], res[torch]):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-9)
