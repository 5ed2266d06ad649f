"""Layers and nn.init built right after manual_seed(s) hold torch's exact values (torch is the oracle), and leave
the default generator where torch's leave it: the next rand(5) agrees too, so a layer that draws more or fewer
numbers than torch's fails even when its own values happen to agree. Checked on x86, where teenygrad's randn is
torch's bit for bit (teenygrad.random)."""
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg

SEEDS = [0, 1234, 2 ** 40 + 7]

# every layer that holds parameters, built with the same arguments in both frameworks (`nn` is torch.nn or
# teenygrad.nn); sizes are small but span biases on and off, groups, layers, directions and distinct kdim/vdim
MODULES = {
    "Linear": lambda nn: nn.Linear(30, 20),
    "Linear-nobias": lambda nn: nn.Linear(7, 5, bias=False),
    "Bilinear": lambda nn: nn.Bilinear(4, 6, 3),
    "Bilinear-nobias": lambda nn: nn.Bilinear(4, 6, 3, bias=False),
    "Conv1d": lambda nn: nn.Conv1d(4, 6, 3),
    "Conv2d": lambda nn: nn.Conv2d(3, 8, (3, 2), stride=2, padding=1),
    "Conv2d-groups-nobias": lambda nn: nn.Conv2d(4, 8, 3, groups=2, bias=False),
    "ConvTranspose1d": lambda nn: nn.ConvTranspose1d(4, 6, 3, groups=2),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(3, 5, (2, 3)),
    "ConvTranspose2d-nobias": lambda nn: nn.ConvTranspose2d(3, 5, 2, bias=False),
    "Embedding": lambda nn: nn.Embedding(27, 10),
    "Embedding-padding": lambda nn: nn.Embedding(9, 5, padding_idx=-2, max_norm=1.0),
    "Embedding-small": lambda nn: nn.Embedding(3, 4),  # 12 values: torch's scalar normal path, not the blocks
    "EmbeddingBag": lambda nn: nn.EmbeddingBag(11, 6, mode="sum", padding_idx=3),
    "RNN": lambda nn: nn.RNN(5, 7),
    "RNN-2layer-bi": lambda nn: nn.RNN(5, 7, num_layers=2, bidirectional=True, nonlinearity="relu"),
    "RNN-nobias": lambda nn: nn.RNN(5, 7, bias=False, batch_first=True),
    "GRU": lambda nn: nn.GRU(4, 6, num_layers=2, bidirectional=True),
    "GRU-nobias": lambda nn: nn.GRU(4, 6, bias=False),
    "LSTM": lambda nn: nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True),
    "LSTM-nobias": lambda nn: nn.LSTM(3, 5, bias=False),
    "RNNCell": lambda nn: nn.RNNCell(5, 4),
    "GRUCell": lambda nn: nn.GRUCell(5, 4),
    "LSTMCell": lambda nn: nn.LSTMCell(5, 4),
    "LSTMCell-nobias": lambda nn: nn.LSTMCell(5, 4, bias=False),
    "MultiheadAttention": lambda nn: nn.MultiheadAttention(8, 2),
    "MultiheadAttention-kvdim": lambda nn: nn.MultiheadAttention(8, 2, kdim=5, vdim=3),
    "MultiheadAttention-equal-kvdim": lambda nn: nn.MultiheadAttention(8, 4, kdim=8, vdim=8),
    "MultiheadAttention-nobias": lambda nn: nn.MultiheadAttention(8, 2, bias=False),
    "MultiheadAttention-bias-kv": lambda nn: nn.MultiheadAttention(8, 2, add_bias_kv=True),
    "MultiheadAttention-bias-kv-kvdim": lambda nn: nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=4, vdim=6),
    "TransformerEncoderLayer": lambda nn: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16),
    "TransformerDecoderLayer": lambda nn: nn.TransformerDecoderLayer(8, 2, dim_feedforward=12, bias=False),
    "TransformerEncoder": lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2,
                                                           norm=nn.LayerNorm(8), enable_nested_tensor=False),
    "TransformerDecoder": lambda nn: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2),
    "Transformer": lambda nn: nn.Transformer(8, 2, num_encoder_layers=2, num_decoder_layers=1,
                                             dim_feedforward=16),
    "PReLU": lambda nn: nn.PReLU(3, init=0.1),
    "LayerNorm": lambda nn: nn.LayerNorm((3, 4)),
    "RMSNorm": lambda nn: nn.RMSNorm(6),
    "GroupNorm": lambda nn: nn.GroupNorm(2, 6),
    "BatchNorm1d": lambda nn: nn.BatchNorm1d(5),
    "BatchNorm2d": lambda nn: nn.BatchNorm2d(4, affine=True),
    "InstanceNorm2d": lambda nn: nn.InstanceNorm2d(4, affine=True),
    "Sequential": lambda nn: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3)),
}


def _same_stream(what):
    """After building or initialising, the two default generators must be at the same place."""
    a, b = tg.rand(5).numpy(), torch.rand(5).numpy()
    assert np.array_equal(a, b), f"{what}: the generators diverged afterwards (drew a different amount)"


def _assert_same_values(what, ours, theirs):
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != torch's {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} != torch's {theirs.dtype}"
    bad = np.flatnonzero(ours.reshape(-1) != theirs.reshape(-1))
    assert bad.size == 0, (f"{what}: {bad.size} of {ours.size} values differ from torch's, first at flat index "
                           f"{bad[0]}: {ours.reshape(-1)[bad[0]]!r} != {theirs.reshape(-1)[bad[0]]!r}")


def _build(name, seed):
    with warnings.catch_warnings():  # torch's notes on nested tensors / batch_first are not what is tested here
        warnings.simplefilter("ignore")
        tg.manual_seed(seed)
        ours = MODULES[name](tg.nn)
        torch.manual_seed(seed)
        theirs = MODULES[name](torch.nn)
    return ours, theirs


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(MODULES))
def test_module_init_matches_torch(name, seed):
    ours, theirs = _build(name, seed)
    p_ours = [(n, tuple(p.shape)) for n, p in ours.named_parameters()]
    p_theirs = [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert p_ours == p_theirs
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        _assert_same_values(f"{name}.{n}", p.numpy(), q.detach().numpy())
    b_ours = [(n, b.numpy()) for n, b in ours.named_buffers()]
    b_theirs = [(n, b.numpy()) for n, b in theirs.named_buffers()]
    assert [n for n, _ in b_ours] == [n for n, _ in b_theirs]
    for (n, a), (_, b) in zip(b_ours, b_theirs):
        _assert_same_values(f"{name} buffer {n}", a, b)
    _same_stream(name)


def test_reset_parameters_matches_torch():
    """reset_parameters() draws again exactly as torch's (a fresh init of an existing layer)."""
    ours, theirs = _build("LSTM", 5)
    tg.manual_seed(9)
    torch.manual_seed(9)
    ours.reset_parameters()
    theirs.reset_parameters()
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        _assert_same_values(n, p.numpy(), q.detach().numpy())
    _same_stream("LSTM.reset_parameters")


def test_multihead_attention_bias_kv_forward_matches_torch():
    """add_bias_kv / add_zero_attn append a learned (or zero) key and value to every sequence, as torch's do."""
    for kw in (dict(add_bias_kv=True), dict(add_zero_attn=True), dict(add_bias_kv=True, add_zero_attn=True, kdim=4,
                                                                       vdim=6)):
        tg.manual_seed(3)
        ours = tg.nn.MultiheadAttention(8, 2, **kw)
        torch.manual_seed(3)
        theirs = torch.nn.MultiheadAttention(8, 2, **kw)
        rng = np.random.default_rng(0)
        q = rng.standard_normal((3, 2, 8)).astype(np.float32)
        k = rng.standard_normal((5, 2, kw.get("kdim", 8))).astype(np.float32)
        v = rng.standard_normal((5, 2, kw.get("vdim", 8))).astype(np.float32)
        kpm = np.array([[False] * 4 + [True], [False] * 5])
        mask = np.triu(np.ones((3, 5), bool), 3)
        tq, tk, tv = (tg.tensor(a, requires_grad=True) for a in (q, k, v))
        out, w = ours(tq, tk, tv, key_padding_mask=tg.tensor(kpm), attn_mask=tg.tensor(mask))
        ref, rw = theirs(*(torch.tensor(a) for a in (q, k, v)), key_padding_mask=torch.tensor(kpm),
                         attn_mask=torch.tensor(mask))
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), atol=1e-5, rtol=1e-4, err_msg=str(kw))
        np.testing.assert_allclose(w.numpy(), rw.detach().numpy(), atol=1e-6, rtol=1e-4, err_msg=str(kw))
        fast, _ = ours(tq, tk, tv, key_padding_mask=tg.tensor(kpm), attn_mask=tg.tensor(mask), need_weights=False)
        np.testing.assert_allclose(fast.numpy(), ref.detach().numpy(), atol=1e-5, rtol=1e-4, err_msg=str(kw))
        out.sum().backward()
        ref.sum().backward()
        for n, p in theirs.named_parameters():
            np.testing.assert_allclose(ours.get_parameter(n).grad.numpy(), p.grad.numpy(), atol=1e-5, rtol=1e-4,
                                       err_msg=f"{kw} {n}")


# ---- nn.init, on 2-D and 4-D tensors, from the default generator and from a Generator passed in

SHAPES = [(7, 5), (6, 3, 2, 4), (3, 40)]


def _init_both(seed, shape, fn, *args, use_generator=False, **kw):
    """Run nn.init.<fn> in both frameworks after the same seed; returns the two results as numpy."""
    ours, theirs = tg.empty(*shape), torch.empty(*shape)
    tg.manual_seed(seed)
    torch.manual_seed(seed)
    if use_generator:
        g_ours, g_theirs = tg.Generator().manual_seed(seed + 1), torch.Generator().manual_seed(seed + 1)
        getattr(tg.nn.init, fn)(ours, *args, generator=g_ours, **kw)
        getattr(torch.nn.init, fn)(theirs, *args, generator=g_theirs, **kw)
        a, b = tg.rand(3, generator=g_ours).numpy(), torch.rand(3, generator=g_theirs).numpy()
        assert np.array_equal(a, b), f"{fn}: the generators passed in diverged afterwards"
    else:
        getattr(tg.nn.init, fn)(ours, *args, **kw)
        getattr(torch.nn.init, fn)(theirs, *args, **kw)
    _same_stream(fn)  # with a generator passed in, the default one must be untouched by both
    return ours.numpy(), theirs.numpy()


INITS = [
    ("uniform_", (), {}), ("uniform_", (-0.3, 0.7), {}), ("normal_", (), {}), ("normal_", (0.5, 2.0), {}),
    ("xavier_uniform_", (), {}), ("xavier_uniform_", (), {"gain": 1.7}), ("xavier_normal_", (), {}),
    ("xavier_normal_", (), {"gain": 0.3}),
    ("trunc_normal_", (), {}), ("trunc_normal_", (0.1, 0.02), {}), ("trunc_normal_", (0.0, 1.0, -0.5, 0.25), {}),
    ("trunc_normal_", (1.0, 0.5, 1.5, 1.6), {}),  # a narrow window in the tail: torch's uniform proposal
]
for _mode in ("fan_in", "fan_out"):
    for _nl, _a in (("relu", 0), ("leaky_relu", 0), ("leaky_relu", 0.2), ("tanh", 0)):
        INITS += [(f, (), dict(a=_a, mode=_mode, nonlinearity=_nl)) for f in ("kaiming_uniform_", "kaiming_normal_")]


@pytest.mark.parametrize("use_generator", [False, True], ids=["default", "generator"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn,args,kw", INITS, ids=[f"{f}{a}{k}" for f, a, k in INITS])
def test_init_matches_torch(fn, args, kw, shape, use_generator):
    for seed in SEEDS[:2]:
        ours, theirs = _init_both(seed, shape, fn, *args, use_generator=use_generator, **kw)
        _assert_same_values(f"{fn}{args}{kw} seed {seed}", ours, theirs)


@pytest.mark.parametrize("use_generator", [False, True], ids=["default", "generator"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_orthogonal_matches_torch(shape, use_generator):
    # the same normal draws, then a QR factorisation: numpy's LAPACK and torch's may round differently in the
    # last bits, so the values agree to float32 rounding rather than bit for bit (the stream still exactly)
    for seed in SEEDS[:2]:
        ours, theirs = _init_both(seed, shape, "orthogonal_", 1.5, use_generator=use_generator)
        np.testing.assert_allclose(ours, theirs, atol=2e-6, rtol=1e-5)
        flat = ours.reshape(shape[0], -1) / 1.5
        small = min(flat.shape)
        gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
        np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)


@pytest.mark.parametrize("use_generator", [False, True], ids=["default", "generator"])
@pytest.mark.parametrize("sparsity", [0.1, 0.5, 1.0])
def test_sparse_matches_torch(sparsity, use_generator):
    for seed in SEEDS[:2]:
        ours, theirs = _init_both(seed, (9, 6), "sparse_", sparsity, 0.05, use_generator=use_generator)
        _assert_same_values(f"sparse_({sparsity}) seed {seed}", ours, theirs)
        assert (ours == 0).sum(0).tolist() == [int(np.ceil(sparsity * 9))] * 6


def test_trunc_normal_far_tail_stays_exact():
    """A wide window far in a tail (torch's uniform proposal would almost never accept there) and a half-infinite
    one (torch's uniform_ refuses an infinite bound) take the exact-rejection path: values in the window and
    shaped like the truncated normal (mean of N(0, 1) on [8, 1000]: about 8.12)."""
    t = tg.empty(4000)
    tg.manual_seed(0)
    with pytest.warns(UserWarning, match="more than 2 std"):  # torch warns here too
        tg.nn.init.trunc_normal_(t, 0.0, 1.0, 8.0, 1000.0)
    x = t.numpy()
    assert x.min() >= 8.0 and x.max() <= 1000.0
    assert abs(x.mean() - 8.1183) < 0.02
    with pytest.warns(UserWarning, match="more than 2 std"):  # torch warns here too
        tg.nn.init.trunc_normal_(t, 0.0, 1.0, -float("inf"), -3.0)
    x = t.numpy()
    assert x.max() <= -3.0 and abs(x.mean() + 3.2831) < 0.02
