"""Each layer against its torch.nn twin with the weights copied across: outputs, input gradients and every
parameter gradient, in train and eval mode; BatchNorm running statistics; default-init statistics."""
import math
import numpy as np
import pytest
import torch
import teenygrad as tg
import teenygrad.nn as nn

ATOL, RTOL = 1e-5, 1e-4
rng = np.random.default_rng(0)


def twin(ours, theirs):
    """Copy torch's parameters and buffers into ours (names must match one to one)."""
    sd = theirs.state_dict()
    assert list(ours.state_dict()) == list(sd)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in sd.items()})
    return ours, theirs


def compare(m, tm, x, train=True, grad_input=True, atol=ATOL, rtol=RTOL):
    m.train(train)
    tm.train(train)
    if np.issubdtype(x.dtype, np.floating):
        a, ta = tg.tensor(x, requires_grad=grad_input), torch.tensor(x, requires_grad=grad_input)
    else:
        a, ta = tg.tensor(x), torch.tensor(x)
        grad_input = False
    y, ty = m(a), tm(ta)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=atol, rtol=rtol)
    g = np.random.default_rng(7).standard_normal(ty.shape).astype(np.float32)
    y.backward(tg.tensor(g))
    ty.backward(torch.tensor(g))
    if grad_input:
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=atol, rtol=rtol)
    for (n, p), (tn, tp) in zip(m.named_parameters(), tm.named_parameters()):
        assert n == tn
        if tp.grad is None:
            assert p.grad is None, n
        else:
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=atol, rtol=rtol, err_msg=n)
    for (n, b), (_, tb) in zip(m.named_buffers(), tm.named_buffers()):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), atol=atol, rtol=rtol, err_msg=n)
    return y


def randn(*shape, scale=1.0, shift=0.0):
    return (rng.standard_normal(shape) * scale + shift).astype(np.float32)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 6), (6,)])
def test_linear(bias, shape):
    compare(*twin(nn.Linear(6, 5, bias=bias), torch.nn.Linear(6, 5, bias=bias)), randn(*shape))


def test_bilinear():
    m, tm = twin(nn.Bilinear(3, 4, 5), torch.nn.Bilinear(3, 4, 5))
    assert repr(m) == repr(tm)
    x1, x2 = randn(6, 3), randn(6, 4)
    a, b = tg.tensor(x1, requires_grad=True), tg.tensor(x2, requires_grad=True)
    ta, tb = torch.tensor(x1, requires_grad=True), torch.tensor(x2, requires_grad=True)
    y, ty = m(a, b), tm(ta, tb)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=ATOL, rtol=RTOL)
    y.sum().backward()
    ty.sum().backward()
    for ours, theirs in [(a, ta), (b, tb), (m.weight, tm.weight), (m.bias, tm.bias)]:
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("padding_idx", [None, 0, 3])
def test_embedding(padding_idx):
    m, tm = twin(nn.Embedding(12, 5, padding_idx=padding_idx), torch.nn.Embedding(12, 5, padding_idx=padding_idx))
    ids = rng.integers(0, 12, (4, 30))
    ids[0, :4] = 3
    compare(m, tm, ids)
    if padding_idx is not None:
        fresh = nn.Embedding(12, 5, padding_idx=padding_idx)
        assert (fresh.weight.numpy()[padding_idx] == 0).all()
    pre = nn.Embedding.from_pretrained(tg.ones(3, 2))
    assert not pre.weight.requires_grad and pre(tg.tensor([2])).numpy().tolist() == [[1.0, 1.0]]


@pytest.mark.parametrize("kw", [dict(), dict(bias=False), dict(elementwise_affine=False), dict(eps=1e-3)])
def test_layer_norm(kw):
    m, tm = twin(nn.LayerNorm(8, **kw), torch.nn.LayerNorm(8, **kw))
    if m.weight is not None:  # non-trivial affine parameters
        w = randn(8)
        m.weight._data[...] = w
        tm.weight.data[...] = torch.tensor(w)
    compare(m, tm, randn(3, 4, 8, scale=2.0, shift=1.0))
    compare(*twin(nn.LayerNorm([4, 8], **kw), torch.nn.LayerNorm([4, 8], **kw)), randn(3, 4, 8))


@pytest.mark.parametrize("kw", [dict(), dict(eps=1e-5), dict(elementwise_affine=False)])
def test_rms_norm(kw):
    compare(*twin(nn.RMSNorm(8, **kw), torch.nn.RMSNorm(8, **kw)), randn(3, 4, 8, scale=2.0))


@pytest.mark.parametrize("shape", [(16, 4), (8, 4, 5)])
@pytest.mark.parametrize("kw", [dict(), dict(momentum=0.3), dict(affine=False), dict(momentum=None),
                                dict(track_running_stats=False), dict(bias=False)])
def test_batch_norm1d(shape, kw):
    m, tm = twin(nn.BatchNorm1d(4, **kw), torch.nn.BatchNorm1d(4, **kw))
    for step in range(3):  # several steps: running statistics (unbiased var, momentum) accumulate like torch's
        x = randn(*shape, scale=1.5, shift=step)
        compare(m, tm, x, train=True)
        for p in list(m.parameters()) + [None]:
            if p is not None:
                p.grad = None
        tm.zero_grad()
    if kw.get("track_running_stats", True):
        assert int(m.num_batches_tracked.item()) == 3
        np.testing.assert_allclose(m.running_var.numpy(), tm.running_var.numpy(), rtol=1e-5)
    compare(m, tm, randn(*shape, shift=2.0), train=False)  # eval: running statistics


def test_batch_norm_errors():
    m = nn.BatchNorm1d(4)
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input, got shape \(4,\)"):
        m(tg.randn(4))
    with pytest.raises(ValueError, match=r"has 3 channels, expected num_features=4"):
        m(tg.randn(2, 3))
    with pytest.raises(ValueError, match="expected more than 1 value per channel"):
        m(tg.randn(1, 4))


def test_dropout_module():
    m = nn.Dropout(0.25)
    x = tg.ones(100, 100)
    y = m(x)
    assert abs((y.numpy() == 0).mean() - 0.25) < 0.02
    m.eval()
    assert m(x) is x
    with pytest.raises(ValueError, match="Dropout: probability has to be between 0 and 1"):
        nn.Dropout(-0.1)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2), dict(padding=2), dict(padding="same"), dict(padding="same",
                                dilation=2), dict(padding="valid", stride=3), dict(dilation=2, groups=2),
                                dict(groups=4, bias=False), dict(kernel_size=4, padding="same")])
def test_conv1d(kw):
    kw = dict(kw)
    k = kw.pop("kernel_size", 3)
    m, tm = twin(nn.Conv1d(4, 8, k, **kw), torch.nn.Conv1d(4, 8, k, **kw))
    assert repr(m) == repr(tm)
    compare(m, tm, randn(2, 4, 13))
    compare(m, tm, randn(4, 13))  # unbatched


def test_conv1d_errors():
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv1d(2, 2, 3, stride=2, padding="same")
    m = nn.Conv1d(4, 6, 3)
    with pytest.raises(RuntimeError, match=r"conv1d: input \(2, 3, 10\) has 3 channels but weight \(6, 4, 3\) "
                                           r"expects 4"):
        m(tg.randn(2, 3, 10))
    with pytest.raises(RuntimeError, match="smaller than the kernel's reach"):
        m(tg.randn(1, 4, 2))
    with pytest.raises(ValueError, match="must be divisible by groups"):
        nn.Conv1d(4, 6, 3, groups=4)


def test_conv1d_gradcheck():
    from teenygrad.autograd import gradcheck
    x = tg.tensor(rng.standard_normal((2, 4, 7)), dtype=tg.float64, requires_grad=True)
    w = tg.tensor(rng.standard_normal((6, 2, 3)), dtype=tg.float64, requires_grad=True)
    b = tg.tensor(rng.standard_normal(6), dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda a, c, d: nn.functional.conv1d(a, c, d, stride=2, padding=1, dilation=2, groups=2),
                     [x, w, b])


@pytest.mark.parametrize("name,args", [("Tanh", ()), ("ReLU", ()), ("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()),
                                       ("Sigmoid", ()), ("Softmax", (-1,)), ("LogSoftmax", (1,)), ("Identity", ()),
                                       ("Flatten", ()), ("Flatten", (0, 1)), ("Unflatten", (1, (2, 3))),
                                       ("LeakyReLU", (0.2,)), ("ELU", ()), ("Softplus", ()), ("Hardtanh", ())])
def test_activation_and_shape_modules(name, args):
    m, tm = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(m) == repr(tm)
    compare(m, tm, randn(4, 6, 2, scale=2.0))


@pytest.mark.parametrize("name,kw,target", [("CrossEntropyLoss", dict(label_smoothing=0.1), "class"),
                                            ("CrossEntropyLoss", dict(ignore_index=1, reduction="sum"), "class"),
                                            ("NLLLoss", dict(), "class"), ("MSELoss", dict(), "real"),
                                            ("L1Loss", dict(reduction="sum"), "real"),
                                            ("SmoothL1Loss", dict(beta=0.5), "real"),
                                            ("BCEWithLogitsLoss", dict(), "prob"), ("KLDivLoss", dict(
                                                reduction="batchmean"), "logprob")])
def test_loss_modules(name, kw, target):
    m, tm = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    x = randn(6, 4)
    t = {"class": rng.integers(0, 4, 6), "real": randn(6, 4), "prob": rng.random((6, 4)).astype(np.float32),
         "logprob": np.log(rng.dirichlet(np.ones(4), 6)).astype(np.float32)}[target]
    if name == "KLDivLoss":
        t = np.exp(t)
    a, ta = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = m(a, tg.tensor(t)), tm(ta, torch.tensor(t))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=ATOL, rtol=RTOL)
    y.backward()
    ty.backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=ATOL, rtol=RTOL)


# ---- default initialisation --------------------------------------------------------------------------
def _stats(a):
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    return a.mean(), a.std(), a.min(), a.max()


def _check_uniform(a, bound):
    mean, std, lo, hi = _stats(a)
    n = a.size
    assert -bound <= lo and hi <= bound
    assert lo < -0.98 * bound and hi > 0.98 * bound  # the whole range is used
    assert abs(mean) < 5 * bound / math.sqrt(3 * n)
    assert abs(std - bound / math.sqrt(3)) < 0.02 * bound


def _check_normal(a, std_expected):
    mean, std, _, _ = _stats(a)
    assert abs(mean) < 5 * std_expected / math.sqrt(a.size)
    assert abs(std - std_expected) < 0.02 * std_expected


def test_default_init_matches_torch_distributions():
    tg.manual_seed(0)
    lin = nn.Linear(400, 300)
    _check_uniform(lin.weight.numpy(), 1 / math.sqrt(400))
    _check_uniform(nn.Linear(100, 3000).bias.numpy(), 1 / math.sqrt(100))
    _check_normal(nn.Embedding(500, 64).weight.numpy(), 1.0)
    conv = nn.Conv1d(16, 200, 5, groups=4)
    _check_uniform(conv.weight.numpy(), 1 / math.sqrt(16 / 4 * 5))
    _check_uniform(nn.Conv1d(8, 5000, 3).bias.numpy(), 1 / math.sqrt(24))
    for p in nn.LSTM(50, 64, num_layers=2, bidirectional=True).parameters():
        assert np.abs(p.numpy()).max() <= 1 / 8
    _check_uniform(nn.GRU(100, 256).weight_hh_l0.numpy(), 1 / 16)
    mha = nn.MultiheadAttention(128, 4)
    _check_uniform(mha.in_proj_weight.numpy(), math.sqrt(6 / (128 + 3 * 128)))
    assert (mha.in_proj_bias.numpy() == 0).all() and (mha.out_proj.bias.numpy() == 0).all()
    ln = nn.LayerNorm(10)
    assert (ln.weight.numpy() == 1).all() and (ln.bias.numpy() == 0).all()
    bn = nn.BatchNorm1d(3)
    assert (bn.running_var.numpy() == 1).all() and bn.weight.dtype == np.float32


def test_init_is_reproducible_with_manual_seed():
    tg.manual_seed(123)
    a = nn.Linear(5, 5).weight.numpy().copy()
    tg.manual_seed(123)
    b = nn.Linear(5, 5).weight.numpy().copy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, nn.Linear(5, 5).weight.numpy())


def test_init_functions():
    init = nn.init
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", 0.2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    w = tg.empty(300, 200)
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    _check_normal(w.numpy(), math.sqrt(2) / math.sqrt(300))
    init.kaiming_uniform_(w, a=0, nonlinearity="relu")
    _check_uniform(w.numpy(), math.sqrt(2) * math.sqrt(3 / 200))
    init.xavier_normal_(w, gain=2.0)
    _check_normal(w.numpy(), 2 * math.sqrt(2 / 500))
    init.xavier_uniform_(w)
    _check_uniform(w.numpy(), math.sqrt(6 / 500))
    init.trunc_normal_(w, mean=0.5, std=1.0, a=-1.0, b=1.0)
    mean, _, lo, hi = _stats(w.numpy())
    assert -1 <= lo and hi <= 1 and 0.1 < mean < 0.3  # truncated N(0.5, 1) on [-1, 1] has mean ~0.19
    init.normal_(w, 2.0, 0.5)
    _check_normal(w.numpy() - 2.0, 0.5)
    init.uniform_(w, -3, 3)
    _check_uniform(w.numpy(), 3)
    init.constant_(w, 0.5)
    assert (w.numpy() == 0.5).all() and w.dtype == np.float32
    init.zeros_(w)
    init.ones_(w)
    assert (w.numpy() == 1).all()
    with pytest.raises(ValueError, match="fan in and fan out can not be computed"):
        init.xavier_uniform_(tg.empty(5))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
