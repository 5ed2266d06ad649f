"""The lazy layers LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d, LazyBatchNorm1d/2d/3d and LazyInstanceNorm1d/2d/3d
against torch: after the same manual_seed the first forward draws the same init (bit for bit) and makes the same
buffers; outputs, gradients and running statistics agree; an optimizer built before the first forward trains the
same; state_dict / load_state_dict into an uninitialised module; and a d2l-style CNN of lazy layers trains as
torch's does."""
import copy

import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.nn as nn
from helpers import rand, raises_like_torch

# a lazy instance norm with no per-channel tensors keeps num_features 0 and warns at each call, as torch's
pytestmark = pytest.mark.filterwarnings("ignore:.*input's size at dim=1 does not match num_features")
FWD = dict(atol=1e-5, rtol=1e-5)
BWD = dict(atol=1e-4, rtol=1e-4)

CASES = [  # class name, args, kwargs, input shape
    ("LazyConv1d", (4, 3), {}, (2, 3, 9)),
    ("LazyConv1d", (4, 3), dict(groups=2, bias=False, dilation=2), (6, 11)),  # unbatched: in_channels is dim 0
    ("LazyConv2d", (5, 3), dict(stride=2, padding=1), (2, 3, 8, 7)),
    ("LazyConv2d", (4, 3), dict(padding="same", padding_mode="reflect"), (3, 6, 6)),
    ("LazyConv3d", (3, 2), dict(stride=(1, 2, 1)), (2, 2, 4, 5, 3)),
    ("LazyConvTranspose1d", (4, 3), dict(stride=2), (2, 3, 5)),
    ("LazyConvTranspose2d", (6, 3), dict(stride=2, padding=1, output_padding=1, groups=3), (2, 3, 4, 5)),
    ("LazyConvTranspose3d", (2, 2), dict(stride=2, bias=False), (1, 3, 2, 3, 2)),
    ("LazyBatchNorm1d", (), {}, (6, 4)),
    ("LazyBatchNorm1d", (), dict(affine=False, momentum=None), (5, 3, 4)),
    ("LazyBatchNorm2d", (), dict(bias=False), (4, 3, 5, 5)),
    ("LazyBatchNorm3d", (), dict(track_running_stats=False, eps=1e-3), (2, 3, 3, 4, 2)),
    ("LazyInstanceNorm1d", (), {}, (3, 4, 7)),  # torch's defaults: affine and track_running_stats on
    ("LazyInstanceNorm2d", (), dict(affine=False, track_running_stats=False), (2, 3, 5, 4)),
    ("LazyInstanceNorm3d", (), dict(track_running_stats=False), (2, 3, 3, 4, 2)),
]
IDS = [f"{n}-{i}" for i, (n, *_) in enumerate(CASES)]


def _state(m):
    """name -> numpy copy of every parameter and buffer (torch's or ours)."""
    out = {}
    for n, t in list(m.named_parameters()) + list(m.named_buffers()):
        out[n] = (t.detach() if isinstance(t, torch.Tensor) else t).numpy().copy()
    return out


def _same_state(m, tm, exact=True, tol=FWD):
    ours, theirs = _state(m), _state(tm)
    assert list(ours) == list(theirs)
    for n in ours:
        assert ours[n].dtype == theirs[n].dtype and ours[n].shape == theirs[n].shape, n
        if exact:
            np.testing.assert_array_equal(ours[n], theirs[n], err_msg=n)
        else:
            np.testing.assert_allclose(ours[n], theirs[n], err_msg=n, **tol)


@pytest.mark.parametrize("name,args,kw,shape", CASES, ids=IDS)
@pytest.mark.parametrize("seed", [0, 1234])
def test_first_forward_draws_torchs_init(name, args, kw, shape, seed):
    x, g = rand(shape, seed), None
    got = {}
    for lib in (torch, tg):
        lib.manual_seed(seed)
        m = getattr(lib.nn, name)(*args, **kw)
        lib.rand(3)  # a draw between construction and the first forward: the init comes after it
        before = repr(m)
        xt = lib.tensor(x, requires_grad=True)
        y = m(xt)
        got[lib] = m, xt, y, before, lib.rand(5).numpy()  # the generators end at the same place
    (m, x_tg, y, before, after), (tm, x_th, ty, tbefore, tafter) = got[tg], got[torch]
    assert before == tbefore and repr(m) == repr(tm) and type(m).__name__ == name[4:]
    assert not isinstance(m, nn.modules.lazy.LazyModuleMixin)
    np.testing.assert_array_equal(after, tafter)
    _same_state(m, tm, exact="Conv" in name)  # conv init is exact; running stats are computed
    assert y.dtype == tg.float32
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **FWD)
    g = rand(ty.shape, 7)
    y.backward(tg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x_tg.grad.numpy(), x_th.grad.numpy(), **BWD)
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), err_msg=n, **BWD)
    # later calls are the eager layer's: training again (running stats move), then eval
    x2 = rand(shape, seed + 1)
    np.testing.assert_allclose(m(tg.tensor(x2)).numpy(), tm(torch.tensor(x2)).detach().numpy(), **FWD)
    m.eval(), tm.eval()
    np.testing.assert_allclose(m(tg.tensor(x2)).numpy(), tm(torch.tensor(x2)).detach().numpy(), **FWD)
    _same_state(m, tm, exact=False)


@pytest.mark.parametrize("name,args,kw,shape", CASES, ids=IDS)
def test_before_the_first_forward(name, args, kw, shape):
    for lib in (torch, tg):
        m = getattr(lib.nn, name)(*args, **kw)
        params, buffers = list(m.parameters()), dict(m.named_buffers())
        assert all(isinstance(p, lib.nn.UninitializedParameter) for p in params)
        assert all(isinstance(p, lib.nn.Parameter) for p in params)
        for n, b in buffers.items():
            assert isinstance(b, lib.nn.UninitializedBuffer) == (n != "num_batches_tracked"), n
        assert m.has_uninitialized_params() == bool(params or buffers)
        sd = m.state_dict()
        assert [(k, type(v).__name__) for k, v in sd.items()] == [
            (k, type(v).__name__) for k, v in getattr(torch.nn, name)(*args, **kw).state_dict().items()]
        for v in list(params) + [b for n, b in buffers.items() if n != "num_batches_tracked"]:
            assert repr(v) in ("<UninitializedParameter>", "<UninitializedBuffer>")
            with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
                v.shape
        if lib is tg or not buffers:  # torch's deepcopy of an UninitializedBuffer raises; ours copies
            c = copy.deepcopy(m)  # copies stay lazy, and work
            c(lib.ones(*shape))
            assert type(c).__name__ == name[4:] and type(m).__name__ == name


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_optimizer_built_before_the_first_forward(opt):
    # as torch's: the optimizer holds the parameters, which become real in place at the first forward
    x = rand((4, 3, 6, 6), 1)
    got = {}
    for lib in (torch, tg):
        lib.manual_seed(0)
        # no bias right before a norm: its gradient would be ~0, and Adam would scale up the rounding
        m = lib.nn.Sequential(lib.nn.LazyBatchNorm2d(), lib.nn.LazyConv2d(4, 3), lib.nn.ReLU(),
                              lib.nn.LazyInstanceNorm2d(), lib.nn.LazyConvTranspose2d(2, 2, stride=2))
        o = getattr(lib.optim, opt)(m.parameters(), lr=0.1, **(dict(momentum=0.9) if opt == "SGD" else {}))
        losses = []
        for _ in range(3):
            o.zero_grad()
            loss = (m(lib.tensor(x)) ** 3).mean()
            loss.backward()
            o.step()
            losses.append(loss.item())
        got[lib] = m, losses
    (m, losses), (tm, tlosses) = got[tg], got[torch]
    np.testing.assert_allclose(losses, tlosses, atol=1e-5, rtol=1e-4)
    _same_state(m, tm, exact=False, tol=dict(atol=1e-5, rtol=1e-4))


def test_state_dict_loads_into_an_uninitialised_module():
    tg.manual_seed(0)
    src = nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d(), nn.LazyConvTranspose1d(2, 3),
                        nn.LazyInstanceNorm1d())
    x = tg.randn(2, 3, 5, 5)
    src[1](src[0](x))
    src[3](src[2](tg.randn(2, 5, 4)))
    src.eval()
    sd = src.state_dict()
    for lib, d in ((tg, sd), (torch, {k: torch.tensor(v.numpy()) for k, v in sd.items()})):
        m = lib.nn.Sequential(lib.nn.LazyConv2d(4, 3), lib.nn.LazyBatchNorm2d(), lib.nn.LazyConvTranspose1d(2, 3),
                              lib.nn.LazyInstanceNorm1d())
        m.load_state_dict(d)  # materialized from the loaded shapes: still lazy in name until the first forward
        assert not any(mod.has_uninitialized_params() for mod in m[:4])
        assert type(m[0]).__name__ == "LazyConv2d" and tuple(m[0].weight.shape) == (4, 3, 3, 3)
        assert tuple(m[1].running_var.shape) == (4,) and int(m[1].num_batches_tracked) == 1
        m.eval()
        y = m[1](m[0](lib.tensor(x.numpy())))
        np.testing.assert_allclose(y.detach().numpy(), src[1](src[0](x)).numpy(), **FWD)
        assert type(m[1]).__name__ == "BatchNorm2d"
        for k, v in m.state_dict().items():
            np.testing.assert_array_equal(v.numpy(), sd[k].numpy(), err_msg=k)
    m = nn.LazyBatchNorm2d()
    m.load_state_dict(nn.BatchNorm2d(3).state_dict())
    m(tg.ones(2, 3, 2, 2))
    assert repr(m).startswith("BatchNorm2d(3,")  # torch's stays 0 after a load
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "running_var"'):
        nn.LazyBatchNorm1d().load_state_dict({k: v for k, v in nn.BatchNorm1d(3).state_dict().items()
                                              if k != "running_var"})
    raises_like_torch(lambda lib: lib.nn.Conv2d(3, 4, 3).load_state_dict(lib.nn.LazyConv2d(4, 3).state_dict()),
                      RuntimeError, "Can't access the shape of an uninitialized parameter")


def _lenet(lib):
    """d2l's LeNet with batch norm (chapter 8.5), built only from lazy layers."""
    nn_ = lib.nn
    return nn_.Sequential(
        nn_.LazyConv2d(6, kernel_size=5, padding=2), nn_.LazyBatchNorm2d(), nn_.ReLU(),
        nn_.MaxPool2d(kernel_size=2, stride=2),
        nn_.LazyConv2d(16, kernel_size=5), nn_.LazyBatchNorm2d(), nn_.ReLU(),
        nn_.MaxPool2d(kernel_size=2, stride=2), nn_.Flatten(),
        nn_.LazyLinear(120), nn_.LazyBatchNorm1d(), nn_.ReLU(),
        nn_.LazyLinear(84), nn_.LazyBatchNorm1d(), nn_.ReLU(),
        nn_.LazyLinear(10))


@pytest.mark.parametrize("d2l_init", [False, True])
def test_d2l_lenet_of_lazy_layers_trains_as_torch(d2l_init):
    x, labels = rand((8, 1, 28, 28), 3), np.random.default_rng(0).integers(0, 10, 8)
    got = {}
    for lib in (torch, tg):
        lib.manual_seed(42)
        net = _lenet(lib)
        if d2l_init:  # d2l's apply_init: a dry run to make the parameters, then xavier_uniform_ on the weights
            net(lib.tensor(x[:2]))
            for mod in net:
                if type(mod) in (lib.nn.Linear, lib.nn.Conv2d):
                    lib.nn.init.xavier_uniform_(mod.weight)
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(net(lib.tensor(x)), lib.tensor(labels))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        net.eval()
        got[lib] = net, losses, net(lib.tensor(x)).detach().numpy()
    (net, losses, y), (tnet, tlosses, ty) = got[tg], got[torch]
    assert repr(net) == repr(tnet)
    np.testing.assert_allclose(losses, tlosses, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(y, ty, atol=1e-4, rtol=1e-4)
    _same_state(net, tnet, exact=False, tol=dict(atol=1e-5, rtol=1e-4))
    assert all(p.dtype == tg.float32 for p in net.parameters())


def test_dtype_device_and_bad_inputs():
    for lib in (torch, tg):
        m = lib.nn.LazyConv1d(3, 2).double()  # the dtype is kept until the parameters are made
        m(lib.ones(2, 4, 5, dtype=lib.float64))
        assert m.weight.dtype == lib.float64 and m.bias.dtype == lib.float64
        m = lib.nn.LazyBatchNorm1d(dtype=lib.float64, device="cpu")
        m(lib.ones(3, 4, dtype=lib.float64))
        assert m.running_mean.dtype == lib.float64 and m.num_batches_tracked.dtype == lib.int64
    raises_like_torch(lambda lib: lib.nn.LazyConv2d(4, 3)(lib.ones(5, 5)), RuntimeError,
                      r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d, but got input of size: "
                      r"\(5, 5\)")
    raises_like_torch(lambda lib: lib.nn.LazyConvTranspose2d(4, 3, groups=2)(lib.ones(1, 3, 5, 5)), ValueError,
                      "in_channels must be divisible by groups")
    # as torch, num_features is dim 1 even for an unbatched instance norm input: (C, L) gives L, then fails
    raises_like_torch(lambda lib: lib.nn.LazyInstanceNorm1d()(lib.ones(3, 5)), ValueError,
                      "expected input's size at dim=0 to match num_features")


def test_names_are_exported_where_torch_exports_them():
    names = [f"Lazy{k}{d}d" for k in ("Conv", "ConvTranspose", "BatchNorm", "InstanceNorm") for d in (1, 2, 3)]
    for n in names + ["UninitializedBuffer"]:
        assert hasattr(torch.nn, n) and n in dir(nn) and callable(getattr(nn, n)), n


def test_lazy_state_dict_into_lazy_module_and_a_failed_load():
    """A lazy module's state_dict loads into another lazy one (both stay lazy, as torch's); a load that fails on
    another layer leaves the lazy layer lazy, so its first forward still draws its init."""
    fresh = tg.nn.LazyLinear(3)
    assert str(fresh.load_state_dict(tg.nn.LazyLinear(3).state_dict())) == "<All keys matched successfully>"
    assert isinstance(fresh.weight, tg.nn.UninitializedParameter)
    src = tg.nn.Sequential(tg.nn.Linear(4, 3), tg.nn.Linear(3, 5)).state_dict()
    net = tg.nn.Sequential(tg.nn.LazyLinear(3), tg.nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="size mismatch for 1.weight"):
        net.load_state_dict(src)
    assert isinstance(net[0].weight, tg.nn.UninitializedParameter)
    tg.manual_seed(0)
    y = net(tg.ones(2, 4))
    tg.manual_seed(0)
    ref = tg.nn.Linear(4, 3)
    np.testing.assert_array_equal(net[0].weight.numpy(), ref.weight.numpy())
    assert y.shape == (2, 2)
