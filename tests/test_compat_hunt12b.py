"""Gaps found by running torch tutorial-style programs under teenygrad (second hunt), each compared with torch:
device spellings torch accepts ('cpu:0', torch.device('cpu', 0)) in tensor.to / device= / Module.to, and Module.to
reading every string as a device; torch.hann_window and the other STFT windows; torch.func.grad_and_value;
nn.SyncBatchNorm with convert_sync_batchnorm (one process: this batch's statistics); F.relu_ / elu_ / leaky_relu_ /
hardtanh_; distributions.LogNormal."""
import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.nn as tnn

TOL = dict(rtol=1e-5, atol=1e-5)    # float32 results whose summation order differs from torch's
BN_TOL = dict(rtol=1e-4, atol=1e-4)  # batch norm through cubed outputs: gradients of size ~10-100


@pytest.mark.parametrize("dev", ["cpu:0", "cpu", "cpu_device"])
def test_cpu_index_spellings(dev):
    tdev = torch.device("cpu", 0) if dev == "cpu_device" else dev
    gdev = tg.device("cpu", 0) if dev == "cpu_device" else dev
    x = np.random.randn(3, 2).astype(np.float32)
    want = torch.tensor(x).to(tdev)
    got = tg.tensor(x).to(gdev)
    assert str(got.device) == str(want.device) == "cpu"
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert str(tg.zeros(2, device=gdev).device) == str(torch.zeros(2, device=tdev).device)


def test_module_to_cpu_index_keeps_values_and_grads():
    torch.manual_seed(0)
    tm = torch.nn.Linear(3, 2)
    gm = tnn.Linear(3, 2)
    gm.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    assert gm.to("cpu:0") is gm and tm.to("cpu:0") is tm
    x = np.random.randn(4, 3).astype(np.float32)
    tm(torch.tensor(x)).sum().backward()
    gm(tg.tensor(x)).sum().backward()
    np.testing.assert_allclose(gm.weight.grad.numpy(), tm.weight.grad.numpy(), **TOL)
    assert str(gm.weight.device) == str(tm.weight.device)


@pytest.mark.parametrize("dev", ["mps", "cpu:x", "float32"])
def test_module_to_unknown_device_is_named_as_device(dev):
    with pytest.raises(RuntimeError):           # torch raises RuntimeError for each of these too
        torch.nn.Linear(2, 2).to(dev)
    with pytest.raises(RuntimeError, match=f"unknown device '{dev}'"):
        tnn.Linear(2, 2).to(dev)
    with pytest.raises(RuntimeError, match=f"unknown device '{dev}'"):
        tg.ones(2).to(dev) if dev != "float32" else tg.ones(2, device=dev)


WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("n", [0, 1, 2, 5, 16])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_match_torch(name, n, periodic):
    want = getattr(torch, name)(n, periodic)
    got = getattr(tg, name)(n, periodic)
    assert got.dtype == tg.float32 and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), **TOL)


def test_window_options_match_torch():
    np.testing.assert_allclose(tg.hamming_window(7, False, 0.6, 0.4).numpy(),
                               torch.hamming_window(7, False, 0.6, 0.4).numpy(), **TOL)
    np.testing.assert_allclose(tg.kaiser_window(9, True, 5.0).numpy(), torch.kaiser_window(9, True, 5.0).numpy(),
                               **TOL)
    w = tg.hann_window(6, dtype=tg.float64, requires_grad=True)
    assert w.dtype == tg.float64 and w.requires_grad


@pytest.mark.parametrize("bad, exc, words", [((-1,), RuntimeError, "non-negative"),
                                             ((4,), RuntimeError, "floating point"),
                                             ((3.0,), TypeError, "window_length")])
def test_window_bad_input(bad, exc, words):
    kw = {"dtype": torch.long} if bad == (4,) else {}
    with pytest.raises(exc):
        torch.hann_window(*bad, **kw)
    kw = {"dtype": tg.long} if bad == (4,) else {}
    with pytest.raises(exc, match=words):
        tg.hann_window(*bad, **kw)


def _mlp_loss(w1, w2, x):
    return ((x @ w1).tanh() @ w2).pow(2).mean()


@pytest.mark.parametrize("argnums", [0, (0, 1)])
@pytest.mark.parametrize("has_aux", [False, True])
def test_func_grad_and_value_matches_torch(argnums, has_aux):
    w1, w2, x = (np.random.randn(*s).astype(np.float32) for s in ((3, 4), (4, 2), (5, 3)))

    def run(lib):
        f = (lambda a, b, c: (_mlp_loss(a, b, c), {"n": a.sum()})) if has_aux else _mlp_loss
        g, v = lib.func.grad_and_value(f, argnums=argnums, has_aux=has_aux)(*(lib.tensor(a) for a in (w1, w2, x)))
        value, aux = v if has_aux else (v, None)
        gs = g if isinstance(g, tuple) else (g,)
        return [t.detach().numpy() for t in gs], value, aux

    (tg_g, tg_v, tg_aux), (t_g, t_v, t_aux) = run(tg), run(torch)
    assert len(tg_g) == len(t_g)
    for a, b in zip(tg_g, t_g):
        np.testing.assert_allclose(a, b, **TOL)
    np.testing.assert_allclose(tg_v.item(), t_v.item(), **TOL)
    assert tg_v.requires_grad == t_v.requires_grad
    if has_aux:
        np.testing.assert_allclose(tg_aux["n"].item(), t_aux["n"].item(), **TOL)


def test_func_grad_and_value_nested_and_bad_output():
    x = np.random.randn(4).astype(np.float32)
    f = lambda a: a.sin().pow(2).sum()     # noqa: E731
    # the gradient of the value returned by an inner grad_and_value: d/dx sum(sin^2) through the outer grad
    want = torch.func.grad(lambda a: torch.func.grad_and_value(f)(a)[1])(torch.tensor(x))
    got = tg.func.grad(lambda a: tg.func.grad_and_value(f)(a)[1])(tg.tensor(x))
    np.testing.assert_allclose(got.numpy(), want.numpy(), **TOL)
    with pytest.raises(RuntimeError):
        torch.func.grad_and_value(lambda a: a * 2)(torch.tensor(x))
    with pytest.raises(RuntimeError, match="grad_and_value: Expected f"):
        tg.func.grad_and_value(lambda a: a * 2)(tg.tensor(x))


def _bn_net(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.BatchNorm2d(4), lib.nn.ReLU(), lib.nn.Flatten(2),
                             lib.nn.BatchNorm1d(4, momentum=None), lib.nn.Sequential(lib.nn.InstanceNorm1d(4)))


def test_sync_batchnorm_convert_matches_torch():
    tnet, gnet = _bn_net(torch), _bn_net(tg)
    gnet.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in tnet.state_dict().items()})
    bn = gnet[1]
    tnet = torch.nn.SyncBatchNorm.convert_sync_batchnorm(tnet)
    gnet = tnn.SyncBatchNorm.convert_sync_batchnorm(gnet)
    assert gnet[1].weight is bn.weight and gnet[1].running_mean is bn.running_mean
    assert [type(m).__name__ for m in gnet.modules()] == [type(m).__name__ for m in tnet.modules()]
    assert sorted(gnet.state_dict()) == sorted(tnet.state_dict())
    for step in range(2):
        x = np.random.randn(5, 3, 6, 6).astype(np.float32)
        tx, gx = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
        tout, gout = tnet(tx), gnet(gx)
        np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), **BN_TOL)
        tout.pow(3).sum().backward()
        gout.pow(3).sum().backward()
        np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), **BN_TOL)
    for k, v in tnet.state_dict().items():
        np.testing.assert_allclose(gnet.state_dict()[k].numpy(), v.numpy(), **TOL, err_msg=k)
    tnet.eval(), gnet.eval()
    x = np.random.randn(2, 3, 6, 6).astype(np.float32)
    np.testing.assert_allclose(gnet(tg.tensor(x)).numpy(), tnet(torch.tensor(x)).detach().numpy(), **BN_TOL)


def test_sync_batchnorm_any_rank_and_bad_rank():
    x = np.random.randn(4, 3, 2, 2, 2).astype(np.float32)
    np.testing.assert_allclose(tnn.SyncBatchNorm(3)(tg.tensor(x)).numpy(),
                               torch.nn.SyncBatchNorm(3)(torch.tensor(x)).detach().numpy(), **BN_TOL)
    with pytest.raises(ValueError):
        torch.nn.SyncBatchNorm(3)(torch.randn(3))
    with pytest.raises(ValueError, match="at least 2D input"):
        tnn.SyncBatchNorm(3)(tg.randn(3))


@pytest.mark.parametrize("name, args", [("relu_", ()), ("elu_", (0.7,)), ("leaky_relu_", (0.2,)),
                                        ("hardtanh_", (-0.5, 0.8))])
def test_functional_inplace_activations_match_torch(name, args):
    x = np.random.randn(3, 5).astype(np.float32)

    def run(lib):
        a = lib.tensor(x, requires_grad=True)
        b = a * 1.5                                   # a non-leaf: the in-place op rewrites it and its history
        out = getattr(lib.nn.functional, name)(b, *args)
        assert out is b
        (b * lib.tensor(x)).sum().backward()
        return b.detach().numpy(), a.grad.numpy()

    for got, want in zip(run(tg), run(torch)):
        np.testing.assert_allclose(got, want, **TOL)


def test_lognormal_matches_torch():
    loc, scale = np.random.randn(2, 3).astype(np.float32), np.random.rand(3).astype(np.float32) + 0.3
    value = np.random.rand(4, 2, 3).astype(np.float32) * 3 + 0.05

    def run(lib):
        lib.manual_seed(3)
        mu, s = lib.tensor(loc, requires_grad=True), lib.tensor(scale, requires_grad=True)
        d = lib.distributions.LogNormal(mu, s)
        x = d.rsample((5,))
        lp = d.log_prob(lib.tensor(value))
        (lp.sum() + x.log().sum() + d.entropy().sum() + d.mean.sum() + d.variance.sum()).backward()
        return [t.detach().numpy() for t in (x, lp, d.mean, d.mode, d.variance, d.entropy(), mu.grad, s.grad)] + \
            [tuple(d.batch_shape), tuple(d.expand((4, 2, 3)).batch_shape), type(d.expand((4, 2, 3))).__name__]

    got, want = run(tg), run(torch)
    for g, w in zip(got[:-3], want[:-3]):
        np.testing.assert_allclose(g, w, **TOL)
    assert got[-3:] == want[-3:]
