"""device='cuda' plumbing, proved on the CPU with a fake GPU (tests/fake_cupy.py): every op's forward and
backward keeps arrays on the device and matches the cpu numbers; modules, optimizers, save and the GPT step
move and run there; mixing devices, and asking for cuda without a GPU, raise clear errors.

On a machine with a GPU, `TEENYGRAD_TEST_CUDA=1 pytest tests/test_device.py` runs the same tests on the REAL
cupy, with the Triton kernels on (bench/gpu_session.sh does); the tests about the fake itself, or about having
no GPU, skip there."""
import os
import sys

import numpy as np
import pytest

import teenygrad as tg
import teenygrad.nn as nn
import teenygrad.nn.functional as F
from teenygrad.backend import cuda as backend

import fake_cupy
from fake_cupy import FakeDeviceArray

TOL = dict(atol=1e-5, rtol=1e-4)  # cpu vs fake device: same numpy math, different code paths (no numba, no pool)
REAL = os.environ.get("TEENYGRAD_TEST_CUDA") == "1"  # the real cupy on a real GPU instead of the fake
fake_only = pytest.mark.skipif(REAL, reason="about the fake GPU or about having no GPU")


@pytest.fixture
def gpu():
    if REAL:
        cupy = pytest.importorskip("cupy")
        if not cupy.cuda.is_available():
            pytest.fail("TEENYGRAD_TEST_CUDA=1 but cupy sees no GPU")
        yield cupy
        return
    undo = fake_cupy.install()
    yield fake_cupy
    undo()


def on_device(a):
    if REAL:
        return type(a).__module__.split(".")[0] == "cupy" and type(a).__name__ == "ndarray"
    return type(a) is FakeDeviceArray


def _rand(shape, seed, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


def _ints(shape, high, seed=0):
    return np.random.default_rng(seed).integers(0, high, shape).astype(np.int64)


# name -> (fn(*tensors) -> tensor, input arrays: all go to the device; float ones get requires_grad)
X, Y, P = _rand((3, 4), 1), _rand((3, 4), 2), _rand((3, 4), 3, 0.1, 2.0)
OPS = {
    "add": (lambda x, y: x + y, [X, Y]),
    "add_bcast": (lambda x, y: x + y, [X, _rand((4,), 4)]),
    "sub_scalar": (lambda x: 2.5 - x, [X]),
    "mul_div": (lambda x, y: x * y / (y * y + 1), [X, Y]),
    "pow": (lambda x, y: x ** y, [P, Y]),
    "pow_scalar": (lambda x: x ** 3 + 2 ** x, [X]),
    "unary_chain": (lambda x: (x.exp().log1p() + x.sin() * x.cos() + x.tanh() + x.sigmoid() + x.abs().sqrt()
                               + x.relu() + x.square() + x.neg().expm1()), [X]),
    "log_rsqrt": (lambda x: x.log() + x.rsqrt() + x.reciprocal() + x.log2(), [P]),
    "gelu": (lambda x: x.gelu() + x.gelu(approximate="tanh") + x.silu() + x.softplus(), [X]),
    "clamp": (lambda x: x.clamp(-0.5, 0.7) + x.clamp(min=0.1), [X]),
    "maximum_where": (lambda x, y: tg.maximum(x, y) + tg.where(x > y, x, y * 2) + tg.minimum(x, y), [X, Y]),
    "sum_mean": (lambda x: x.sum() + x.mean(dim=0).sum() + x.sum(1, keepdim=True).mean(), [X]),
    "var_std": (lambda x: x.var(dim=1).sum() + x.std() + x.norm(), [X]),
    "max_min": (lambda x: x.max() + x.max(dim=1).values.sum() + x.min(dim=0)[0].sum() + x.amax(1).sum(), [X]),
    "logsumexp": (lambda x: x.logsumexp(dim=1), [X]),
    "softmax": (lambda x: x.softmax(-1) * x.log_softmax(0), [X]),
    "cumsum_prod": (lambda x: x.cumsum(1) + x.prod(0), [X]),
    "movement": (lambda x: x.reshape(4, 3).T.permute(1, 0).unsqueeze(0).expand(2, 4, 3).flip(1).squeeze(0)
                 .transpose(0, 1).contiguous().flatten(), [X]),
    "slice_index": (lambda x: x[1:, ::2] * 2 + x[:, 1:3].sum() + x[-1, :2], [X]),
    "fancy_index": (lambda x, i: x[i] + x[[1, 0, 1], [3, 3, 0]].unsqueeze(1), [X, np.array([0, 2, 2])]),
    "mask_index": (lambda x: x[x > 0].sum() + x.masked_fill(x < 0, 0.5), [X]),
    "gather": (lambda x, i: x.gather(1, i), [X, _ints((3, 2), 4)]),
    "scatter_add": (lambda x, y, i: x.scatter_add(1, i, y), [X, Y, _ints((3, 4), 4)]),
    "index_select": (lambda x, i: x.index_select(1, i), [X, np.array([3, 0, 0])]),
    "scatter_reduce": (lambda x, y, i: x.scatter_reduce(1, i, y, "mean") + x.scatter_reduce(1, i, y, "prod")
                       + x.scatter_reduce(1, i, y, "amax", include_self=False), [X, Y, _ints((3, 4), 4)]),
    "scatter_reduce_amin_prod": (lambda x, y, i: x.scatter_reduce(1, i, y, "amin")
                                 + x.scatter_reduce(1, i, y.relu(), "prod", include_self=False),
                                 [X, Y, _ints((3, 4), 4)]),
    "index_add_put": (lambda x, y, i: x.index_add(0, i, y) + x.index_put((i,), y, accumulate=True),
                      [X, Y, np.array([2, 0, 2])]),
    "as_strided_overlap": (lambda x: x.as_strided((3, 3), (1, 1)).sum(0), [X]),  # windows overlap: dx sums them
    "cat_stack": (lambda x, y: tg.cat([x, y], 0) + tg.stack([x, y]).sum(0).repeat(2, 1), [X, Y]),
    "split_chunk": (lambda x: x.split(1, 0)[2] + x.chunk(2, 1)[1].sum(), [X]),
    "pad_roll": (lambda x: F.pad(x, (1, 2)).roll(1, 1) + F.pad(x, (0, 0, 1, 0)).sum(), [X]),
    "tril_triu": (lambda x: x.tril() + x.triu(1), [X]),
    "matmul_2d": (lambda x, w: x @ w, [X, _rand((4, 5), 5)]),
    "matmul_batched": (lambda x, w: x @ w, [_rand((2, 3, 4), 6), _rand((2, 4, 5), 7)]),
    "matmul_bcast": (lambda x, w: x @ w, [_rand((2, 3, 4), 8), _rand((4, 5), 9)]),
    "matmul_vec": (lambda x, v: x @ v + (v @ v), [X, _rand((4,), 10)]),
    "bmm_einsum": (lambda x, w: tg.bmm(x, w) + tg.einsum("bij,bjk->bik", x, w), [_rand((2, 3, 4), 6),
                                                                               _rand((2, 4, 5), 7)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), [_rand((2, 3, 4), 11), _rand((5, 4), 12), _rand((5,), 13)]),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), [_rand((2, 3, 4), 14), _rand((4,), 15),
                                                              _rand((4,), 16)]),
    "rms_norm": (lambda x, w: F.rms_norm(x, (4,), w), [_rand((2, 3, 4), 14), _rand((4,), 15)]),
    "embedding": (lambda w, i: F.embedding(i, w), [_rand((7, 3), 17), _ints((2, 5), 7)]),
    "embedding_big": (lambda w, i: F.embedding(i, w), [_rand((7, 3), 17), _ints((4, 40), 7)]),
    "cross_entropy": (lambda x, t: F.cross_entropy(x, t), [_rand((6, 5), 18), _ints((6,), 5)]),
    "cross_entropy_ignore": (lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1),
                             [_rand((6, 5), 18), np.array([0, -100, 4, 1, -100, 2])]),
    "cross_entropy_3d": (lambda x, t: F.cross_entropy(x.transpose(1, 2), t), [_rand((2, 3, 5), 19), _ints((2, 3), 5)]),
    "nll_loss": (lambda x, t: F.nll_loss(x.log_softmax(-1), t, reduction="sum"), [_rand((6, 5), 18), _ints((6,), 5)]),
    "mse_l1": (lambda x, y: F.mse_loss(x, y) + F.l1_loss(x, y) + F.smooth_l1_loss(x, y), [X, Y]),
    "bce": (lambda x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid())
            + F.binary_cross_entropy(x.sigmoid(), y.sigmoid()), [X, Y]),
    "sdpa_causal": (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                    [_rand((2, 2, 5, 4), 20), _rand((2, 2, 5, 4), 21), _rand((2, 2, 5, 4), 22)]),
    "sdpa_mask": (lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                  [_rand((2, 2, 5, 4), 20), _rand((2, 2, 5, 4), 21), _rand((2, 2, 5, 4), 22),
                   np.tril(np.ones((5, 5), bool))]),
    "conv1d": (lambda x, w, b: F.conv1d(x, w, b, padding=1, stride=2), [_rand((2, 3, 9), 23), _rand((4, 3, 3), 24),
                                                                       _rand((4,), 25)]),
    "batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [_rand((4, 3, 5), 28),
                                                                                      _rand((3,), 29),
                                                                                      _rand((3,), 30)]),
    "normalize": (lambda x: F.normalize(x, dim=1), [X]),
    "dropout_eval": (lambda x: F.dropout(x, 0.3, training=False) + F.leaky_relu(x) + F.elu(x) + F.hardtanh(x), [X]),
    "one_hot_sort": (lambda x: x.sort(1).values + x.topk(2, 1).values.sum() + F.one_hot(x.argmax(1), 4), [X]),
    "argmax_count": (lambda x: x * x.argmax() + x.argmin(keepdim=True) + x.count_nonzero(0) + x.sum().max(0)[1],
                     [X]),
    "clamp_tensor": (lambda x, y: x.clamp(min=y) + x.clamp(max=y[0]), [X, Y]),
    "diag": (lambda v, m: v.diag() + m.diag(1).sum(), [_rand((4,), 32), X]),
    "batch_norm_nobias": (lambda x, w: F.batch_norm(x, None, None, w, None, training=True), [_rand((4, 3, 5), 28),
                                                                                          _rand((3,), 29)]),
    "nll_loss_mean": (lambda x, t: F.nll_loss(x.log_softmax(-1), t),
                      [_rand((6, 5), 18), np.array([0, 4, -100, 1, 1, 2])]),
    "ctc_loss": (lambda x, t, il, tl: F.ctc_loss(x.log_softmax(-1), t, il, tl) + F.ctc_loss(x.log_softmax(-1), t, il, tl,
                                                                                     reduction="sum"),
                 [_rand((6, 2, 5), 34), _ints((2, 3), 4, seed=1) + 1, np.array([6, 5]), np.array([3, 2])]),
    "mha": (lambda x: (tg.manual_seed(0), nn.MultiheadAttention(4, 2, batch_first=True))[1].to(x.device)(
        x, x, x, need_weights=False)[0],
            [_rand((2, 3, 4), 33)]),
}


def _run(name, device):
    fn, arrays = OPS[name]
    inputs = [tg.tensor(a, requires_grad=a.dtype.kind == "f", device=device) for a in arrays]
    out = fn(*inputs)
    g = np.random.default_rng(0).standard_normal(out.shape).astype(np.float32)
    if out.dtype.kind != "f":
        out = out.float()
    out.backward(tg.tensor(g, device=device))
    return out, inputs


@pytest.mark.parametrize("name", list(OPS))
def test_op_stays_on_device_and_matches_cpu(gpu, name):
    ref, ref_in = _run(name, "cpu")
    out, ins = _run(name, "cuda")
    assert out.device == "cuda" and on_device(out._data), f"{name}: forward left the device ({type(out._data)})"
    np.testing.assert_allclose(out.cpu().numpy(), ref.numpy(), **TOL)
    for i, (t, r) in enumerate(zip(ins, ref_in)):
        if r.grad is None:
            continue
        assert t.grad is not None, f"{name}: input {i} got no gradient on cuda"
        assert on_device(t.grad._data), f"{name}: grad of input {i} is a {type(t.grad._data).__name__}"
        np.testing.assert_allclose(t.grad.cpu().numpy(), r.grad.numpy(), **TOL)


@fake_only
@pytest.mark.parametrize("has_at", [True, False])
@pytest.mark.parametrize("name", ["scatter_add", "scatter_reduce", "scatter_reduce_amin_prod", "nll_loss", "gather"])
def test_scatters_use_ufunc_at_else_cupyx(gpu, name, has_at, monkeypatch):
    """CuPy >= 13: cupy.add.at & co. (cupyx's scatters are deprecated in CuPy 14); before 13 there is no
    cupy.add.at, and the same backward goes through cupyx.scatter_add / _max / _min."""
    calls = []
    for fn in ("scatter_add", "scatter_max", "scatter_min"):
        real = getattr(fake_cupy.cupyx, fn)
        monkeypatch.setattr(fake_cupy.cupyx, fn, lambda *a, _real=real, _fn=fn: (calls.append(_fn), _real(*a))[1])
    monkeypatch.setattr(fake_cupy._AtomicUfunc, "has_at", has_at)
    ref, ref_in = _run(name, "cpu")
    out, ins = _run(name, "cuda")
    assert bool(calls) != has_at, f"{name}: cupyx scatters called {calls} with cupy ufunc.at {has_at}"
    for t, r in zip(ins, ref_in):
        if r.grad is not None:
            np.testing.assert_allclose(t.grad.cpu().numpy(), r.grad.numpy(), **TOL)


def test_rnn_stays_on_device(gpu):
    def run(device):
        tg.manual_seed(3)
        x = tg.tensor(_rand((5, 2, 3), 31), requires_grad=True, device=device)
        lstm, gru = nn.LSTM(3, 4), nn.GRU(4, 4)
        lstm.to(device), gru.to(device)
        y, _ = gru(lstm(x)[0].tanh())
        y.sum().backward()
        return y, x, list(lstm.parameters()) + list(gru.parameters())
    ref, ref_x, ref_params = run("cpu")
    out, x, params = run("cuda")
    assert on_device(out._data) and on_device(x.grad._data)
    np.testing.assert_allclose(out.cpu().numpy(), ref.numpy(), **TOL)
    np.testing.assert_allclose(x.grad.cpu().numpy(), ref_x.grad.numpy(), **TOL)
    for p, r in zip(params, ref_params):
        assert on_device(p._data) and on_device(p.grad._data)
        np.testing.assert_allclose(p.grad.cpu().numpy(), r.grad.numpy(), **TOL)


def _replayed_noise(seed, like, shape, p):
    """The noise a dropout on the device drew right after manual_seed(seed), made again (as a host array)."""
    from teenygrad.random import default_generator
    from teenygrad.random_device import device_dropout_noise
    tg.manual_seed(seed)
    noise = device_dropout_noise(like, shape, p, default_generator)
    assert on_device(noise)
    return noise.get()


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_mask_is_made_on_the_device(gpu, p):
    """No host mask is copied over: the noise is the device hash's, keyed by one draw from the generator."""
    x = tg.tensor(_rand((64, 1000), 50), requires_grad=True, device="cuda")
    g = _rand((64, 1000), 51)
    tg.manual_seed(4)
    y = F.dropout(x, p)
    y.backward(tg.tensor(g, device="cuda"))
    assert on_device(y._data) and on_device(x.grad._data)
    noise = _replayed_noise(4, x._data, x.shape, p)
    np.testing.assert_array_equal(y.cpu().numpy(), x.detach().cpu().numpy() * noise)
    np.testing.assert_array_equal(x.grad.cpu().numpy(), g * noise)
    assert set(np.unique(noise).tolist()) == {0.0, float(np.float32(1) / np.float32(1 - p))}
    dropped = (noise == 0).mean()
    assert abs(dropped - p) < 5 * np.sqrt(p * (1 - p) / noise.size), dropped
    tg.manual_seed(4)
    first = F.dropout(x, p).cpu().numpy()
    second = F.dropout(x, p).cpu().numpy()
    assert np.array_equal(first, y.cpu().numpy()) and not np.array_equal(first, second)  # replayed; then fresh


def test_sdpa_dropout_on_device(gpu):
    q, k, v = (_rand((2, 3, 6, 4), s) for s in (60, 61, 62))
    dq, dk, dv = (tg.tensor(a, requires_grad=True, device="cuda") for a in (q, k, v))
    tg.manual_seed(9)
    out = F.scaled_dot_product_attention(dq, dk, dv, dropout_p=0.3, is_causal=True)
    out.sum().backward()
    noise = _replayed_noise(9, dq._data, (2, 3, 6, 6), 0.3)
    cq, ck, cv = (tg.tensor(a, requires_grad=True) for a in (q, k, v))
    causal = np.triu(np.full((6, 6), -np.inf, np.float32), 1)
    ref = ((cq @ ck.transpose(-1, -2) / 2 + tg.tensor(causal)).softmax(-1) * tg.tensor(noise)) @ cv
    ref.sum().backward()
    assert on_device(out._data) and on_device(dq.grad._data)
    np.testing.assert_allclose(out.cpu().numpy(), ref.detach().numpy(), **TOL)
    for d, c in ((dq, cq), (dk, ck), (dv, cv)):
        np.testing.assert_allclose(d.grad.cpu().numpy(), c.grad.numpy(), **TOL)


def test_device_hash_bits():
    """The dropout hash (plain numpy here): its words are balanced and uncorrelated, a new key gives new words,
    and making a mask takes exactly one two-word randint from the generator."""
    from teenygrad.random import Generator
    from teenygrad.random_device import device_dropout_noise, hashed_bits
    a, b = hashed_bits(np, 1 << 18, 1), hashed_bits(np, 1 << 18, 2)
    assert a.dtype == np.uint32 and len(np.unique(a)) == a.size  # a bijection of the index
    for w in (a, b):
        ones = np.unpackbits(w.view(np.uint8)).reshape(-1, 32).mean(0)
        assert np.abs(ones - 0.5).max() < 0.005, ones
        u = (w >> 8).astype(np.float64)
        assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01 and abs(np.corrcoef(u[:-2], u[2:])[0, 1]) < 0.01
    assert (a == b).mean() < 1e-3
    assert abs(np.corrcoef((a >> 8).astype(float), (b >> 8).astype(float))[0, 1]) < 0.01
    g1, g2 = Generator().manual_seed(5), Generator().manual_seed(5)
    device_dropout_noise(np.zeros(1, np.float32), (3, 4), 0.5, g1)
    g2.randint(2, 0, 1 << 32)
    assert g1.get_state().equal(g2.get_state())


# ---- moving tensors and modules ----------------------------------------------------------------------------

def test_tensor_moves_and_creation(gpu):
    x = tg.arange(6, dtype=tg.float32).reshape(2, 3)
    for y in (x.to("cuda"), x.cuda(), x.to(device="cuda:0"), tg.tensor(x.numpy(), device="cuda")):
        assert y.device == "cuda" and y.is_cuda and on_device(y._data)
        np.testing.assert_array_equal(y.cpu().numpy(), x.numpy())
        assert type(y.cpu()._data) is np.ndarray
    assert "device='cuda:0'" in repr(x.cuda())
    for make in (lambda d: tg.zeros(2, 3, device=d), lambda d: tg.ones(4, device=d),
                 lambda d: tg.full((2,), 7.0, device=d), lambda d: tg.arange(5, device=d),
                 lambda d: tg.eye(3, device=d), lambda d: tg.empty(2, device=d),
                 lambda d: tg.zeros_like(x.to(d)), lambda d: x.to(d).new_ones(3)):
        assert on_device(make("cuda")._data)
        np.testing.assert_array_equal(make("cuda").cpu().numpy().shape, make("cpu").numpy().shape)
    tg.manual_seed(7)
    a = tg.randn(3, 4, device="cuda")
    tg.manual_seed(7)
    b = tg.randn(3, 4)
    assert on_device(a._data) and np.array_equal(a.cpu().numpy(), b.numpy())  # same stream on every device
    assert on_device(tg.randint(0, 5, (3,), device="cuda")._data)
    assert on_device(tg.rand(2, device="cuda")._data)


def test_to_device_is_differentiable(gpu):
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = (x.cuda() * 2).sum()
    y.backward()
    assert type(x.grad._data) is np.ndarray  # the gradient comes back to the leaf's device
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_module_to_moves_parameters_and_buffers(gpu):
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    p_before = [id(p) for p in m.parameters()]
    assert m.to("cuda") is m
    assert [id(p) for p in m.parameters()] == p_before  # same Parameter objects: optimizers keep working
    for t in list(m.parameters()) + list(m.buffers()):
        assert t.device == "cuda" and on_device(t._data)
    y = m(tg.randn(5, 3, device="cuda"))
    y.sum().backward()
    assert on_device(m[1].running_mean._data) and all(on_device(p.grad._data) for p in m.parameters())
    m.cpu()
    assert all(type(t._data) is np.ndarray for t in list(m.parameters()) + list(m.buffers()))
    assert all(type(p.grad._data) is np.ndarray for p in m.parameters())
    m.cuda()
    assert all(on_device(t._data) for t in m.parameters())


def _gpt_steps(device, steps=2, dropout=0.0):
    from teenygrad.models.gpt import GPT
    tg.manual_seed(0)
    model = GPT(vocab_size=13, block_size=8, n_layer=2, n_head=2, n_embd=16, dropout=dropout, bias=True).to(device)
    opt = tg.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
    data = np.random.default_rng(0).integers(0, 13, (steps, 3, 9))
    losses = []
    for i in range(steps):
        x, y = tg.tensor(data[i, :, :-1], device=device), tg.tensor(data[i, :, 1:], device=device)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1))
        opt.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append((loss, norm, logits))
    return model, opt, losses


def test_gpt_train_step_on_device_matches_cpu(gpu):
    ref_model, _, ref = _gpt_steps("cpu")
    model, opt, got = _gpt_steps("cuda")
    for (loss, norm, logits), (rl, rn, rlog) in zip(got, ref):
        assert on_device(loss._data) and on_device(logits._data) and on_device(norm._data)
        np.testing.assert_allclose(float(loss), float(rl), rtol=1e-5)
        np.testing.assert_allclose(float(norm), float(rn), rtol=1e-4)
    for (name, p), rp in zip(model.named_parameters(), ref_model.parameters()):
        assert on_device(p._data) and on_device(p.grad._data), name
        # two AdamW steps at lr 1e-2 move a parameter by lr * g / (|g| + eps): where a gradient is within ~eps of
        # zero, a last-bit difference in it (the GPU sums in another order) moves the parameter by ~1e-5
        np.testing.assert_allclose(p.cpu().numpy(), rp.numpy(), atol=1e-4 if REAL else 1e-5, err_msg=name)
    for state in opt.state.values():
        assert on_device(state["exp_avg"]._data) and on_device(state["exp_avg_sq"]._data)


def test_gpt_dropout_step_on_device_is_reproducible(gpu):
    """With dropout the device's masks are its own (as in torch), so the run is compared with itself: the same
    seed replays it exactly, and the masks really act (the losses differ from dropout 0's)."""
    runs = [[float(loss) for loss, _, _ in _gpt_steps("cuda", steps=3, dropout=d)[2]] for d in (0.2, 0.2, 0.0)]
    # a real GPU's scatter-adds (embedding backward) sum in no fixed order: the last bits may move
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-5 if REAL else 0)
    assert np.abs(np.array(runs[0]) - np.array(runs[2])).max() > 1e-3
    assert all(np.isfinite(runs[0]))


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])  # clipping, and not
@pytest.mark.parametrize("big", [False, True])  # a total norm past float16's 256^2 square
def test_clip_grad_norm_on_device_matches_cpu(gpu, dtype, max_norm, big):
    grads = [_rand((3, 4), 70), _rand((5,), 71, -30, 30), _rand((2, 2, 2), 72)]
    if big:
        grads = [np.full((4,), 200, np.float32), np.full((3,), 150, np.float32)]
    out = {}
    for device in ("cpu", "cuda"):
        ps = [tg.zeros(g.shape, dtype=dtype, device=device, requires_grad=True) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = tg.tensor(g.astype(dtype), device=device)
        total = nn.utils.clip_grad_norm_(ps, max_norm)
        assert total.device == device and total.dtype == ps[0].dtype
        out[device] = float(total), [p.grad.cpu().numpy() for p in ps]
    np.testing.assert_allclose(out["cuda"][0], out["cpu"][0], rtol=1e-3 if dtype == "float16" else 1e-6)
    for a, b in zip(out["cuda"][1], out["cpu"][1]):
        np.testing.assert_allclose(a.astype(np.float32), b.astype(np.float32), rtol=2e-3 if dtype == "float16" else 1e-6)
    p = tg.zeros(3, device="cuda", requires_grad=True)
    p.grad = tg.tensor([1.0, np.inf, 0.0], device="cuda")
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm of order 2.0 .* is non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


@pytest.mark.filterwarnings("ignore:Embedding. sparse=True")
def test_sparse_adam_on_device_matches_cpu(gpu):
    """Embedding(sparse=True) + SparseAdam: the touched-row record and the row updates work on device arrays."""
    out = {}
    for device in ("cpu", "cuda"):
        tg.manual_seed(0)
        emb = nn.Embedding(10, 4, sparse=True).to(device)
        opt = tg.optim.SparseAdam(list(emb.parameters()), lr=0.1)
        for ids in ([[1, 2, 2]], [[7, 1, 0]]):
            opt.zero_grad()
            emb(tg.tensor(ids, device=device)).square().sum().backward()
            opt.step()
        assert emb.weight.device == device and on_device(emb.weight._data) == (device == "cuda")
        out[device] = emb.weight.cpu().numpy()
    np.testing.assert_allclose(out["cuda"], out["cpu"], **TOL)


@fake_only
def test_gpt_train_step_waits_for_the_gpu_four_times(gpu):
    """Reading a device value on the host waits for the GPU to finish everything queued: a training step may do
    it only where it must. The step's four: the embedding's index check for wte and wpe, the loss's target check
    (bad indices raise, never a silent wrong answer) and float(loss). Not one per gradient in clip_grad_norm_
    (that was 27 a step in nanoGPT's GPU config), nor any in masked attention's safe softmax."""
    from teenygrad.models.gpt import GPT
    tg.manual_seed(0)
    model = GPT(vocab_size=13, block_size=8, n_layer=2, n_head=2, n_embd=16, dropout=0.1).to("cuda")
    opt = tg.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
    data = np.random.default_rng(0).integers(0, 13, (3, 9))
    x, y = tg.tensor(data[:, :-1], device="cuda"), tg.tensor(data[:, 1:], device="cuda")
    for step in range(2):
        fake_cupy.waits.clear()
        loss = F.cross_entropy(model(x).view(-1, 13), y.view(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        float(loss)
        assert fake_cupy.waits == ["bool", "bool", "bool", "get"], fake_cupy.waits
    mask = tg.tensor(np.tril(np.ones((8, 8), bool)), device="cuda")
    q = tg.randn(2, 2, 8, 4, device="cuda", requires_grad=True)
    fake_cupy.waits.clear()
    F.scaled_dot_product_attention(q, q, q, attn_mask=mask).sum().backward()
    assert fake_cupy.waits == []


def test_checkpoint_of_a_cuda_run_resumes_on_cuda(gpu, tmp_path):
    model, opt, _ = _gpt_steps("cuda", steps=1)
    tg.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "ck")
    ck = tg.load(tmp_path / "ck")
    from teenygrad.models.gpt import GPT
    model2 = GPT(vocab_size=13, block_size=8, n_layer=2, n_head=2, n_embd=16, dropout=0.1, bias=True).cuda()
    model2.load_state_dict(ck["model"])
    opt2 = tg.optim.AdamW(model2.parameters(), lr=1e-2, weight_decay=0.1)
    opt2.load_state_dict(ck["opt"])
    for p, p2 in zip(model.parameters(), model2.parameters()):
        assert on_device(p2._data)
        np.testing.assert_array_equal(p2.cpu().numpy(), p.cpu().numpy())
    for s, s2 in zip(opt.state.values(), opt2.state.values()):
        assert on_device(s2["exp_avg"]._data)
        np.testing.assert_array_equal(s2["exp_avg_sq"].cpu().numpy(), s["exp_avg_sq"].cpu().numpy())


def test_save_load_cuda_tensors(gpu, tmp_path):
    m = nn.Linear(3, 2).cuda()
    path = tmp_path / "m.safetensors"
    tg.save({"model": m.state_dict(), "x": tg.arange(4.0).cuda()}, path)
    ck = tg.load(path)  # back on the device they were saved from, as torch.load
    assert on_device(ck["x"]._data) and on_device(ck["model"]["weight"]._data)
    np.testing.assert_array_equal(ck["x"].cpu().numpy(), [0, 1, 2, 3])
    ck = tg.load(path, map_location="cpu")
    np.testing.assert_array_equal(ck["model"]["weight"].numpy(), m.weight.cpu().numpy())
    np.testing.assert_array_equal(ck["x"].numpy(), [0, 1, 2, 3])
    m2 = nn.Linear(3, 2).cuda()
    m2.load_state_dict(ck["model"])  # cpu checkpoint into a cuda model: lands on the model's device
    assert on_device(m2.weight._data)
    np.testing.assert_array_equal(m2.weight.cpu().numpy(), m.weight.cpu().numpy())


# ---- errors ------------------------------------------------------------------------------------------------

MIXED = {
    "add": lambda c, g: c + g,
    "mul_reflected": lambda c, g: g * c,
    "matmul": lambda c, g: c @ g,
    "cat": lambda c, g: tg.cat([c, g]),
    "stack": lambda c, g: tg.stack([g, c]),
    "where": lambda c, g: tg.where(c > 0, c, g),
    "cross_entropy_target": lambda c, g: F.cross_entropy(g, c.long().abs()[0] % 3),
    "mse_loss": lambda c, g: F.mse_loss(g, c),
    "linear": lambda c, g: F.linear(g, c),
    "embedding": lambda c, g: F.embedding(c.long().abs() % 3, g),
    "gather": lambda c, g: g.gather(1, c.long().abs() % 3),
    "copy_": lambda c, g: c.copy_(g),
}


@pytest.mark.parametrize("name", list(MIXED))
def test_mixing_devices_raises(gpu, name):
    c = tg.ones(3, 3)
    g = tg.ones(3, 3, device="cuda")
    if name == "copy_":  # torch copies across devices: so do we
        MIXED[name](c, g)
        assert type(c._data) is np.ndarray
        return
    with pytest.raises(RuntimeError, match=r"(cpu and cuda|cuda and cpu)"):
        MIXED[name](c, g)


@pytest.fixture
def no_cupy(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` now raises ImportError


@fake_only
@pytest.mark.parametrize("make", [lambda: tg.zeros(3, device="cuda"), lambda: tg.tensor([1.0]).cuda(),
                                  lambda: tg.tensor([1.0]).to("cuda"), lambda: tg.randn(2, device="cuda"),
                                  lambda: nn.Linear(2, 2).to("cuda"), lambda: nn.Linear(2, 2).cuda()],
                         ids=["zeros", "cuda", "to", "randn", "module_to", "module_cuda"])
def test_cuda_without_cupy_raises(no_cupy, make):
    with pytest.raises(RuntimeError, match=r"teenygrad: device='cuda' requested but no CUDA GPU is available "
                                           r"\(cupy not installed"):
        make()
    assert backend.is_available() is False


@fake_only
def test_cuda_without_gpu_raises(monkeypatch):
    import types
    nogpu = types.ModuleType("cupy")
    nogpu.cuda = types.SimpleNamespace(is_available=lambda: False)
    monkeypatch.setitem(sys.modules, "cupy", nogpu)
    with pytest.raises(RuntimeError, match=r"no CUDA GPU is available \(cupy found no GPU\)"):
        tg.ones(2, device="cuda")


def test_bad_device_name():
    with pytest.raises(RuntimeError, match="unknown device 'tpu'"):
        tg.zeros(2, device="tpu")


@fake_only
def test_bench_train_step_rehearsal(gpu, monkeypatch):
    """bench/gpu.py's GPU training-step comparison, rehearsed at a tiny size: teenygrad on the fake device,
    torch on the CPU standing in for torch.cuda. Same weights and batches, so the losses must agree."""
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1] / "bench"))
    import gpu as bench_gpu
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: None)
    monkeypatch.setattr(torch.Tensor, "cuda", lambda self, *a, **k: self)
    monkeypatch.setattr(torch.nn.Module, "cuda", lambda self, *a, **k: self)
    monkeypatch.setattr(bench_gpu, "TRAIN_CFG", dict(bench_gpu.TRAIN_CFG, vocab=11, block=16, n_layer=2,
                                                     n_head=2, n_embd=24, batch=4))
    env = bench_gpu.Env.__new__(bench_gpu.Env)
    env.np, env.interpret, env.xp = np, False, fake_cupy
    row = bench_gpu.bench_train_step(env, steps=2, warmup=1)
    np.testing.assert_allclose(row["loss_first"][0], row["loss_first"][1], rtol=1e-5)
    np.testing.assert_allclose(row["loss_last"][0], row["loss_last"][1], rtol=1e-4)
    assert row["teenygrad_ms"] > 0 and row["torch_ms"] > 0


def test_inplace_random_and_init_on_device(gpu):
    for init in (lambda t: t.normal_(), lambda t: t.uniform_(-1, 1), lambda t: t.bernoulli_(0.3),
                 lambda t: t.exponential_(), lambda t: nn.init.normal_(t), lambda t: nn.init.kaiming_uniform_(t),
                 lambda t: nn.init.trunc_normal_(t), lambda t: nn.init.eye_(t), lambda t: nn.init.zeros_(t)):
        tg.manual_seed(5)
        a = tg.empty(3, 4, device="cuda")
        init(a)
        tg.manual_seed(5)
        b = tg.empty(3, 4)
        init(b)
        assert on_device(a._data)
        np.testing.assert_array_equal(a.cpu().numpy(), b.numpy())


def test_teenygrad_cuda_module(gpu):
    assert tg.cuda.is_available() and tg.cuda.device_count() == 1
    tg.cuda.synchronize()


@fake_only
def test_teenygrad_cuda_module_without_cupy(no_cupy):
    assert tg.cuda.is_available() is False and tg.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="no CUDA GPU is available"):
        tg.cuda.synchronize()


def test_gpt_generate_on_device_matches_cpu(gpu):
    from teenygrad.models.gpt import GPT
    out = {}
    for device in ("cpu", "cuda"):
        tg.manual_seed(0)
        model = GPT(vocab_size=13, block_size=8, n_layer=1, n_head=2, n_embd=16).to(device).eval()
        idx = tg.tensor([[1, 2, 3]], device=device)
        out[device] = model.generate(idx, 10, top_k=5, generator=tg.Generator().manual_seed(1))
    assert on_device(out["cuda"]._data)
    np.testing.assert_array_equal(out["cuda"].cpu().numpy(), out["cpu"].numpy())


def test_cli_trains_on_device_like_cpu(gpu, tmp_path, capsys):
    from teenygrad.cli import main
    rng = np.random.default_rng(1)
    data = tmp_path / "text.txt"
    data.write_text("\n".join(" ".join(rng.choice(["to", "be", "or", "not", "the", "king"], size=6))
                              for _ in range(200)) + "\n")
    logs = {}
    for device in ("cpu", "cuda"):
        code = main(["train", "gpt", "--data", str(data), "--out-dir", str(tmp_path / device), "--max-iters", "10",
                     "--eval-interval", "5", "--grad-clip", "1.0", "--device", device, "--n-layer", "1", "--n-head",
                     "2", "--n-embd", "16", "--block-size", "8", "--batch-size", "4", "--eval-iters", "2"])
        out, err = capsys.readouterr()
        assert code == 0, err
        logs[device] = [line for line in out.splitlines() if line.startswith("iter ")]
    assert len(logs["cpu"]) == 3
    if REAL:  # the GPU's kernels round differently: the printed 4-decimal losses may differ in the last digit
        import re
        nums = {d: [float(x) for line in logs[d] for x in re.findall(r"\d+\.\d{4}", line)] for d in logs}
        np.testing.assert_allclose(nums["cuda"], nums["cpu"], atol=2e-4)
    else:
        assert logs["cuda"] == logs["cpu"]


@fake_only
def test_cli_checkpoint_of_a_gpu_run_samples_and_evals_without_a_gpu(tmp_path, capsys):
    """The checkpoint of a --device cuda run holds GPU tensors; `teenygrad sample` and `eval` on a machine with no
    GPU load it onto the CPU (load tags tensors with their device since map_location is honoured)."""
    from teenygrad.cli import main
    data = tmp_path / "names.txt"
    data.write_text("\n".join(["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia"] * 20) + "\n")
    undo = fake_cupy.install()
    try:
        assert main(["train", "bigram", "--data", str(data), "--out-dir", str(tmp_path / "o"), "--max-iters", "3",
                     "--device", "cuda"]) == 0
    finally:
        undo()
    capsys.readouterr()
    assert main(["eval", "--out-dir", str(tmp_path / "o"), "--split", "val"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("val loss ")
    assert main(["sample", "--out-dir", str(tmp_path / "o"), "--num-samples", "3"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3


@fake_only
@fake_only
def test_gpu_preset_allows_tf32_on_cuda(gpu, tmp_path, capsys, monkeypatch):
    """shakespeare-gpu is nanoGPT's GPU run, whose train.py sets allow_tf32: on cuda the trainer does too (the
    tf32 rungs passed their checks on an H200, docs/gemm.md); --allow-tf32 false keeps exact fp32."""
    from teenygrad.cli import main
    monkeypatch.setattr(backend, "_allow_tf32", None)
    monkeypatch.delenv("TEENYGRAD_ALLOW_TF32", raising=False)
    data = tmp_path / "text.txt"
    data.write_text("to be or not to be, that is the question\n" * 40)
    small = ["--max-iters", "2", "--eval-iters", "1", "--n-layer", "1", "--n-head", "2", "--n-embd", "8",
             "--block-size", "8", "--batch-size", "2", "--data", str(data)]
    seen = []
    real_train_step = backend.matmul
    monkeypatch.setattr(backend, "matmul", lambda a, b: (seen.append(backend.allow_tf32()), real_train_step(a, b))[1])
    for extra, want in (([], True), (["--allow-tf32", "false"], False)):
        seen.clear()
        code = main(["train", "gpt", "--preset", "shakespeare-gpu", "--device", "cuda",
                     "--out-dir", str(tmp_path / str(want))] + small + extra)
        out, err = capsys.readouterr()
        assert code == 0, err
        assert seen and set(seen) == {want} and ("tf32 matmuls" in out) is want
        assert backend.tf32_setting() is None  # the run's setting ended with it
    monkeypatch.setenv("TEENYGRAD_ALLOW_TF32", "1")  # false leaves the process's own choice alone
    seen.clear()
    assert main(["train", "gpt", "--device", "cuda", "--out-dir", str(tmp_path / "env")] + small) == 0
    assert seen and set(seen) == {True}
    assert tg.cuda.is_available()
    code = main(["train", "gpt", "--preset", "shakespeare-gpu", "--device", "cuda", "--out-dir", str(tmp_path / "x"),
                 "--allow-tf32", "maybe"] + small)
    assert code != 0 and "--allow-tf32: cannot read 'maybe' as bool" in capsys.readouterr().err


@fake_only
def test_backend_matmul_runs_plain_xp_on_the_fake(gpu):
    a, b = _rand((2, 3, 4), 40), _rand((4, 5), 41)
    out = backend.matmul(fake_cupy.asarray(a), fake_cupy.asarray(b))  # batched: one 2-D product per matrix
    assert on_device(out) and backend.require("test") is fake_cupy
    np.testing.assert_allclose(out.get(), a @ b, rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda d: nn.Linear(3, 4, device=d), lambda d: nn.Bilinear(3, 2, 4, device=d),
    lambda d: nn.Embedding(5, 3, device=d),
    lambda d: nn.LayerNorm(3, device=d), lambda d: nn.RMSNorm(3, device=d), lambda d: nn.BatchNorm1d(3, device=d),
    lambda d: nn.Conv1d(2, 3, 3, device=d), lambda d: nn.LSTM(3, 4, device=d), lambda d: nn.GRU(3, 4, device=d),
    lambda d: nn.RNN(3, 4, device=d), lambda d: nn.RNNCell(3, 4, device=d), lambda d: nn.LSTMCell(3, 4, device=d),
    lambda d: nn.MultiheadAttention(4, 2, device=d)], ids=lambda f: "")
def test_layer_device_kwarg(gpu, make):
    tg.manual_seed(0)
    m = make("cuda")
    tg.manual_seed(0)
    ref = make(None)
    tensors = list(m.parameters()) + list(m.buffers())
    assert tensors and all(on_device(t._data) for t in tensors)
    for t, r in zip(tensors, list(ref.parameters()) + list(ref.buffers())):
        np.testing.assert_array_equal(t.cpu().numpy(), r.numpy())  # same init as on the cpu


@fake_only
def test_the_fake_is_as_strict_as_cupy(gpu):
    d = fake_cupy.asarray(np.ones((2, 3), np.float32))
    assert on_device(d.sum()) and d.sum().shape == () and on_device(d[0, 0])  # never numpy scalars
    assert on_device(np.exp(d)) and on_device(np.concatenate([d, d])) and on_device(d @ d.T)
    assert type(d.get()) is np.ndarray
    for leak in (lambda: d + np.ones(3, np.float32), lambda: np.where(d > 0, d, np.zeros((2, 3))),
                 lambda: np.asarray(d), lambda: np.ascontiguousarray(d.T), lambda: d.__setitem__(0, np.ones(3))):
        with pytest.raises(TypeError, match="fake cupy"):
            leak()
    assert on_device(d * 2.0) and on_device(d + np.float32(1))  # scalars mix freely, as in cupy


@fake_only
def test_install_undo_restores_numpy():
    originals = np.asarray, np.array, np.ascontiguousarray
    fake_cupy.install()()
    assert (np.asarray, np.array, np.ascontiguousarray) == originals and backend._test_xp is None
    assert "cupy" not in sys.modules or sys.modules["cupy"] is not fake_cupy
