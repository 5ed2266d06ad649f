"""The cuda ops really use the cuda backend's kernels. On a fake GPU (tests/fake_cupy.py) with the kernels
switched on, every fused backend function (softmax, cross_entropy, layer_norm, gelu, attention, adamw) and the
GEMM launch are replaced by spies that record the call and compute a numpy reference; each op must call its
kernel in forward and backward and still match the cpu numbers. With the kernels off (the fake's default,
or TEENYGRAD_KERNELS=0) nothing but cuBLAS is called. The last test runs a GPT step through the REAL Triton kernels
under the interpreter, in a subprocess so TRITON_INTERPRET does not leak into other tests."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import teenygrad as tg
import teenygrad.nn.functional as F
from teenygrad.backend import cuda as backend

import fake_cupy
from fake_cupy import FakeDeviceArray

TOL = dict(atol=1e-5, rtol=1e-4)  # numpy references vs the cpu ops: same math, different order


# ---- numpy references for the backend functions (host arrays in, host arrays out) --------------------------
def _softmax_fwd(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _softmax_bwd(y, dy):
    return y * (dy - (dy * y).sum(-1, keepdims=True))


def _cross_entropy_fwd(x, t, ignore_index=-100):
    keep = t != ignore_index
    m = x.max(1, keepdims=True)
    lse = (np.log(np.exp(x - m).sum(1, keepdims=True)) + m)[:, 0]
    loss = np.where(keep, lse - x[np.arange(len(t)), np.where(keep, t, 0)], 0)
    return loss.astype(np.float32), lse.astype(np.float32)


def _cross_entropy_bwd(x, t, lse, dloss, ignore_index=-100):
    keep = t != ignore_index
    dx = np.exp(x - lse[:, None])
    dx[np.arange(len(t))[keep], t[keep]] -= 1
    return (dx * np.where(keep, np.broadcast_to(dloss, t.shape), 0)[:, None]).astype(x.dtype)


def _layer_norm_fwd(x, w, b=None, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    rstd = 1 / np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + eps)
    y = (x - mean) * rstd * w + (0 if b is None else b)
    return y.astype(x.dtype), mean.reshape(-1), rstd.reshape(-1)


def _layer_norm_bwd(dy, x, w, mean, rstd):
    shape = x.shape[:-1] + (1,)
    rstd = rstd.reshape(shape)
    xh = (x - mean.reshape(shape)) * rstd
    dxh = dy * w
    dx = rstd * (dxh - dxh.mean(-1, keepdims=True) - xh * (dxh * xh).mean(-1, keepdims=True))
    lead = tuple(range(x.ndim - 1))
    return dx, (dy * xh).sum(lead), dy.sum(lead)


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu_parts(x, approximate):
    """(gelu(x), gelu'(x)) in float64."""
    x = x.astype(np.float64)
    if approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        t = np.tanh(c * (x + 0.044715 * x ** 3))
        return 0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
    cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
    return x * cdf, cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _gelu_fwd(x, approximate="none"):
    return _gelu_parts(x, approximate)[0].astype(x.dtype)


def _gelu_bwd(dy, x, approximate="none"):
    return (dy * _gelu_parts(x, approximate)[1]).astype(dy.dtype)


def _attention_probs(q, k, causal, scale):
    s = q @ np.swapaxes(k, -1, -2) * scale
    if causal:
        s = np.where(np.tril(np.ones(s.shape[-2:], bool)), s, -np.inf)
    m = s.max(-1, keepdims=True)
    lse = np.log(np.exp(s - m).sum(-1, keepdims=True)) + m
    return np.exp(s - lse), lse[..., 0]


def _attention_fwd(q, k, v, causal=False, scale=None):
    p, lse = _attention_probs(q, k, causal, scale)
    return (p @ v).astype(q.dtype), lse.astype(np.float32)


def _attention_bwd(do, q, k, v, o, lse, causal=False, scale=None):
    p, _ = _attention_probs(q, k, causal, scale)
    dv = np.swapaxes(p, -1, -2) @ do
    dp = do @ np.swapaxes(v, -1, -2)
    ds = p * (dp - (dp * p).sum(-1, keepdims=True)) * scale
    return ds @ k, np.swapaxes(ds, -1, -2) @ q, dv


def _adamw_step(p, g, m, v, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2, step=1):
    p *= 1 - lr * weight_decay
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    p -= lr / (1 - beta1 ** step) * m / (np.sqrt(v) / math.sqrt(1 - beta2 ** step) + eps)
    return p


REFERENCES = {"softmax_fwd": _softmax_fwd, "softmax_bwd": _softmax_bwd, "cross_entropy_fwd": _cross_entropy_fwd,
              "cross_entropy_bwd": _cross_entropy_bwd, "layer_norm_fwd": _layer_norm_fwd,
              "layer_norm_bwd": _layer_norm_bwd, "gelu_fwd": _gelu_fwd, "gelu_bwd": _gelu_bwd,
              "attention_fwd": _attention_fwd, "attention_bwd": _attention_bwd, "adamw_step": _adamw_step}


# ---- spies --------------------------------------------------------------------------------------------
def _host(obj):
    if isinstance(obj, FakeDeviceArray):
        return obj.view(np.ndarray)  # same memory: in-place updates (adamw, out=) reach the device array
    if isinstance(obj, (tuple, list)):
        return type(obj)(_host(o) for o in obj)
    return obj


def _device(obj):
    if isinstance(obj, np.ndarray):
        assert type(obj) is np.ndarray, f"a backend function got {type(obj).__name__}"
        return obj.view(FakeDeviceArray)
    if isinstance(obj, tuple):
        return tuple(_device(o) for o in obj)
    return obj


def _spy(calls, name, fn):
    def spy(*args, **kwargs):
        assert all(isinstance(a, FakeDeviceArray) for a in args if isinstance(a, np.ndarray)), \
            f"{name} got a host array"
        calls.append(name)
        return _device(fn(*_host(args), **_host(kwargs)))
    return spy


def _matmul_2d_reference(impl, a, b, out):
    r = a @ b
    if out is None:
        return r
    out[...] = r
    return out


@pytest.fixture
def gpu():
    undo = fake_cupy.install()
    yield fake_cupy
    undo()


@pytest.fixture
def calls(gpu, monkeypatch):
    """Backend functions replaced by recording numpy references; kernels still off (the fake's default)."""
    log = []
    for name, ref in REFERENCES.items():
        monkeypatch.setattr(backend, name, _spy(log, name, ref))
    monkeypatch.setattr(backend, "_matmul_2d", lambda impl, a, b, out: _spy(log, f"matmul:{impl}",
                                                                           _matmul_2d_reference)(impl, a, b, out))
    monkeypatch.setattr(backend, "_matmul_override", None)
    monkeypatch.setattr(backend, "_allow_tf32", None)
    for var in ("TEENYGRAD_MATMUL", "TEENYGRAD_ALLOW_TF32", "TEENYGRAD_KERNELS"):
        monkeypatch.delenv(var, raising=False)
    return log


@pytest.fixture
def kernel_calls(calls, monkeypatch):
    """As `calls`, with the kernels switched on."""
    monkeypatch.setattr(backend, "kernels_enabled", lambda: True)
    return calls


def _rand(shape, seed, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


QKV = [_rand((2, 2, 5, 4), 20), _rand((2, 2, 5, 4), 21), _rand((2, 2, 5, 4), 22)]
T6 = np.array([0, -100, 4, 1, -100, 2])
# name -> (fn(*tensors), inputs (float ones get requires_grad), the calls expected on cuda with kernels on)
OPS = {
    "softmax": (lambda x: x.softmax(-1), [_rand((2, 3, 7), 1)], ["softmax_fwd", "softmax_bwd"]),
    "softmax_dim0": (lambda x: F.softmax(x, dim=0), [_rand((3, 7), 1)], []),
    "cross_entropy": (lambda x, t: F.cross_entropy(x, t), [_rand((6, 5), 2), T6],
                      ["cross_entropy_fwd", "cross_entropy_bwd"]),
    "cross_entropy_sum": (lambda x, t: F.cross_entropy(x, t, reduction="sum", ignore_index=4),
                          [_rand((6, 5), 2), T6 % 5], ["cross_entropy_fwd", "cross_entropy_bwd"]),
    "cross_entropy_none_3d": (lambda x, t: F.cross_entropy(x.transpose(1, 2), t, reduction="none"),
                              [_rand((2, 3, 5), 3), np.array([[1, 4, 0], [-100, 2, 2]])],
                              ["cross_entropy_fwd", "cross_entropy_bwd"]),
    "cross_entropy_smoothing": (lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), [_rand((6, 5), 2), T6], []),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), [_rand((2, 3, 4), 4), _rand((4,), 5), _rand((4,), 6)],
                   ["layer_norm_fwd", "layer_norm_bwd"]),
    "layer_norm_no_affine": (lambda x: F.layer_norm(x, (4,)), [_rand((2, 3, 4), 4)],
                             ["layer_norm_fwd", "layer_norm_bwd"]),
    "layer_norm_weight_only": (lambda x, w: F.layer_norm(x, (4,), w), [_rand((2, 3, 4), 4), _rand((4,), 5)],
                               ["layer_norm_fwd", "layer_norm_bwd"]),
    "layer_norm_2_axes": (lambda x: F.layer_norm(x, (3, 4)), [_rand((2, 3, 4), 4)], []),
    "gelu": (lambda x: F.gelu(x), [_rand((3, 4), 7)], ["gelu_fwd", "gelu_bwd"]),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), [_rand((3, 4), 7)], ["gelu_fwd", "gelu_bwd"]),
    "sdpa_causal": (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), QKV,
                    ["attention_fwd", "attention_bwd"]),
    "sdpa": (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, scale=0.3), QKV,
             ["attention_fwd", "attention_bwd"]),
    # a mask goes the composite way; its batched GEMMs still go to the GEMM ladder, one launch per (b, h)
    "sdpa_mask": (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=tg.tensor(np.tril(np.ones(
        (5, 5), bool)), device=q.device)), QKV, []),  # batched products: one cuBLAS call each
    "linear": (lambda x, w, b: F.linear(x, w, b), [_rand((2, 3, 4), 8), _rand((5, 4), 9), _rand((5,), 10)],
               ["matmul:cublas"] * 3),
    "matmul_2d": (lambda x, w: x @ w, [_rand((3, 4), 11), _rand((4, 5), 12)], ["matmul:cublas"] * 3),
    "matmul_batched": (lambda x, w: x @ w, [_rand((2, 3, 4), 11), _rand((2, 4, 5), 12)], []),  # cuBLAS, batched
    "matmul_bcast": (lambda x, w: x @ w, [_rand((2, 3, 4), 11), _rand((4, 5), 12)], ["matmul:cublas"] * 3),
}


def _run(name, device):
    fn, arrays, _ = OPS[name]
    inputs = [tg.tensor(a, requires_grad=a.dtype.kind == "f", device=device) for a in arrays]
    out = fn(*inputs)
    g = np.random.default_rng(0).standard_normal(out.shape).astype(np.float32)
    out.backward(tg.tensor(g, device=device))
    return out, inputs


def _assert_matches_cpu(name, got, ref):
    (out, ins), (rout, rins) = got, ref
    assert type(out._data) is FakeDeviceArray, f"{name}: forward left the device"
    np.testing.assert_allclose(out.cpu().numpy(), rout.numpy(), **TOL, err_msg=name)
    for i, (t, r) in enumerate(zip(ins, rins)):
        if r.grad is not None:
            assert type(t.grad._data) is FakeDeviceArray, f"{name}: grad {i} left the device"
            np.testing.assert_allclose(t.grad.cpu().numpy(), r.grad.numpy(), **TOL, err_msg=f"{name} grad {i}")


def test_batched_matmul_loops_over_a_rung_only_when_asked(kernel_calls):
    """Our GEMM rungs are 2-D kernels: by default a batched product is one batched cuBLAS call (a Python loop of
    launches cost more than the products: the GPT's masked attention took 384 launches a product); a forced rung
    (set_matmul_impl / TEENYGRAD_MATMUL) runs it as one 2-D launch per matrix, forward and backward."""
    ref = _run("matmul_batched", "cpu")
    backend.set_matmul_impl("scheduled")
    got = _run("matmul_batched", "cuda")
    assert kernel_calls == ["matmul:scheduled"] * 6
    _assert_matches_cpu("matmul_batched", got, ref)


@pytest.mark.parametrize("name", list(OPS))
def test_op_calls_its_kernel_forward_and_backward(kernel_calls, name):
    ref = _run(name, "cpu")
    assert kernel_calls == [], "cpu arrays must never reach the cuda backend"
    got = _run(name, "cuda")
    assert sorted(kernel_calls) == sorted(OPS[name][2])
    if kernel_calls and not kernel_calls[0].startswith("matmul"):
        assert kernel_calls[0].endswith("_fwd") and kernel_calls[-1].endswith("_bwd")
    _assert_matches_cpu(name, got, ref)


@pytest.mark.parametrize("name", list(OPS))
def test_kernels_off_calls_nothing(calls, name):
    ref = _run(name, "cpu")
    got = _run(name, "cuda")
    assert set(calls) <= {"matmul:cublas"}, "with the kernels off only cuBLAS may run"
    _assert_matches_cpu(name, got, ref)


def test_kernels_enabled_switch(gpu, monkeypatch):
    assert backend.kernels_enabled() is False  # the fake GPU can't launch Triton kernels
    monkeypatch.setattr(backend, "_test_xp", None)
    monkeypatch.delenv("TEENYGRAD_KERNELS", raising=False)
    assert backend.kernels_enabled() is True
    x = fake_cupy.ones((2, 3), np.float32)
    assert backend.kernels_for(x, x) is backend
    assert backend.kernels_for(x, np.ones(3, np.float32)) is None  # a host array
    assert backend.kernels_for(x.astype(np.float64)) is None       # no float64 kernels
    monkeypatch.setenv("TEENYGRAD_KERNELS", "0")
    assert backend.kernels_enabled() is False and backend.kernels_for(x) is None


def _tiny_gpt_step(device, opt_cls=tg.optim.AdamW, **opt_kw):
    from teenygrad.models.gpt import GPT
    tg.manual_seed(0)
    # no biases: the key bias's gradient is exactly 0 in math, so Adam would turn rounding noise into +-lr steps
    model = GPT(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=16, bias=False).to(device)
    opt = opt_cls(model.parameters(), lr=1e-2, **opt_kw)
    data = np.random.default_rng(0).integers(0, 11, (2, 9))
    x, y = tg.tensor(data[:, :-1], device=device), tg.tensor(data[:, 1:], device=device)
    for _ in range(2):
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss), [p.cpu().numpy() for p in model.parameters()]


def _assert_same_step(got, ref):
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-5)
    for p, r in zip(got[1], ref[1]):
        np.testing.assert_allclose(p, r, atol=1e-5)


def test_gpt_step_uses_every_kernel_and_matches_cpu(kernel_calls):
    ref = _tiny_gpt_step("cpu")
    got = _tiny_gpt_step("cuda")
    n_params = len(got[1])
    assert set(kernel_calls) == {"matmul:cublas", "cross_entropy_fwd", "cross_entropy_bwd", "layer_norm_fwd",
                                 "layer_norm_bwd", "gelu_fwd", "gelu_bwd", "attention_fwd", "attention_bwd",
                                 "adamw_step"}
    assert kernel_calls.count("adamw_step") == 2 * n_params
    _assert_same_step(got, ref)


@pytest.mark.parametrize("opt_cls,kw,fused", [
    (tg.optim.AdamW, dict(weight_decay=0.1), True),
    (tg.optim.Adam, dict(), True),                             # no decay: AdamW's update exactly
    (tg.optim.Adam, dict(weight_decay=0.1), False),            # L2 decay folds into g: the composite path
    (tg.optim.AdamW, dict(amsgrad=True), False),
    (tg.optim.AdamW, dict(maximize=True), False),
])
def test_adam_variants_use_the_fused_step_only_when_it_matches(kernel_calls, opt_cls, kw, fused):
    ref = _tiny_gpt_step("cpu", opt_cls, **kw)
    got = _tiny_gpt_step("cuda", opt_cls, **kw)
    assert ("adamw_step" in kernel_calls) == fused
    _assert_same_step(got, ref)


def test_kernels_off_by_environment_calls_nothing(calls, monkeypatch):
    # pretend the fake is a real cupy (kernels_enabled looks at the environment only) and turn them off
    monkeypatch.setattr(backend, "_test_xp", None)
    monkeypatch.setenv("TEENYGRAD_KERNELS", "0")
    ref = _tiny_gpt_step("cpu")
    got = _tiny_gpt_step("cuda")
    assert set(calls) == {"matmul:cublas"}
    _assert_same_step(got, ref)


@pytest.mark.parametrize("override,expected", [(None, "cublas"), ("scheduled", "scheduled"), ("tiled", "tiled")])
def test_matmul_dispatch_follows_teenygrad_matmul(kernel_calls, monkeypatch, override, expected):
    if override:
        monkeypatch.setenv("TEENYGRAD_MATMUL", override)
    x = tg.tensor(_rand((3, 4), 1), device="cuda", requires_grad=True)
    w = tg.tensor(_rand((4, 5), 2), device="cuda")
    (x @ w).sum().backward()
    assert kernel_calls == [f"matmul:{expected}"] * 2
    kernel_calls.clear()
    xb = tg.tensor(_rand((2, 3, 4), 3), device="cuda")
    out = xb @ tg.tensor(_rand((2, 4, 5), 4), device="cuda")
    # by default (and with cublas) a batch is one cuBLAS call; a forced rung is launched once per matrix
    assert kernel_calls == ([] if override in (None, "cublas") else [f"matmul:{expected}"] * 2)
    np.testing.assert_allclose(out.cpu().numpy(), _rand((2, 3, 4), 3) @ _rand((2, 4, 5), 4), **TOL)


def _cupy_compute_switch(monkeypatch, present):
    """A stand-in for CuPy's compute-type switch (cupy._core._routines_linalg); returns the types it was given."""
    import types
    monkeypatch.setattr(backend, "_cupy_linalg", None)
    monkeypatch.setattr(backend, "_cupy_fp32_compute", None)
    given = []
    core = types.ModuleType("cupy._core")
    if present:
        linalg = types.SimpleNamespace(COMPUTE_TYPE_DEFAULT=1, COMPUTE_TYPE_TF32=7,
                                       set_compute_type=lambda dtype, ct: given.append((np.dtype(dtype).name, ct)))
        core._routines_linalg = linalg
        monkeypatch.setitem(sys.modules, "cupy._core._routines_linalg", linalg)
    monkeypatch.setitem(sys.modules, "cupy._core", core)
    return given


def test_matmul_is_cublas_in_tf32_when_allowed(kernel_calls, monkeypatch):
    given = _cupy_compute_switch(monkeypatch, present=True)
    a = fake_cupy.asarray(_rand((3, 4), 1))
    b = fake_cupy.asarray(_rand((4, 2), 2))
    backend.matmul(a.astype(np.float16), b.astype(np.float16))
    assert given == []  # only float32 products have a tf32 mode
    backend.matmul(a, b)
    backend.set_allow_tf32(True)  # the fixture puts the setting back
    backend.matmul(a, b)
    backend.matmul(a, b)  # the switch is thrown once per change, not per product
    backend.matmul(a[None], b[None])  # batched: one cuBLAS call, in the same mode
    backend.set_allow_tf32(False)
    backend.matmul(a, b)
    assert kernel_calls == ["matmul:cublas"] * 5
    assert given == [("float32", 1), ("float32", 7), ("float32", 1)]


def test_matmul_tf32_without_cupys_switch_takes_the_tensorcore_rung(kernel_calls, monkeypatch):
    given = _cupy_compute_switch(monkeypatch, present=False)
    a = fake_cupy.asarray(_rand((3, 4), 1))
    b = fake_cupy.asarray(_rand((4, 2), 2))
    backend.matmul(a, b)  # exact fp32 needs no switch
    backend.set_allow_tf32(True)
    backend.matmul(a, b)
    backend.matmul(a.astype(np.float64), b.astype(np.float64))
    assert kernel_calls == ["matmul:cublas", "matmul:tensorcore", "matmul:cublas"] and given == []


# ---- the real Triton kernels, run by the interpreter on the fake GPU's (numpy) memory ----------------------
_REAL_KERNELS_SCRIPT = r"""
import sys
import numpy as np
sys.path.insert(0, {tests!r})
import fake_cupy
from fake_cupy import FakeDeviceArray
import test_cuda_dispatch as t
from teenygrad.backend import cuda as backend

undo = fake_cupy.install()
backend.kernels_enabled = lambda: True
calls = []
for name in t.REFERENCES:  # the fused functions, now spied around the real ones
    setattr(backend, name, t._spy(calls, name, getattr(backend, name)))
real_2d = backend._matmul_2d
backend._matmul_2d = lambda impl, a, b, out: t._spy(calls, "matmul:" + impl, real_2d)(impl, a, b, out)
ref = t._tiny_gpt_step("cpu")
got = t._tiny_gpt_step("cuda")
t._assert_same_step(got, ref)
for dev in ("cpu", "cuda"):  # softmax, which GPT does not use (flash attention has its own)
    x = t.tg.tensor(t._rand((3, 7), 1), device=dev, requires_grad=True)
    (x.softmax(-1) * t.tg.tensor(t._rand((3, 7), 2), device=dev)).sum().backward()
    if dev == "cpu":
        ref = x.grad.numpy()
np.testing.assert_allclose(x.grad.cpu().numpy(), ref, **t.TOL)
print(sorted(set(calls)))
"""


def test_gpt_step_through_the_real_triton_kernels():
    pytest.importorskip("triton")
    tests = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, TRITON_INTERPRET="1", TRITON_DEFAULT_BACKEND="nvidia")
    for var in ("TEENYGRAD_MATMUL", "TEENYGRAD_ALLOW_TF32", "TEENYGRAD_KERNELS"):
        env.pop(var, None)
    out = subprocess.run([sys.executable, "-c", _REAL_KERNELS_SCRIPT.format(tests=tests)], cwd=os.path.dirname(tests),
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().splitlines()[-1] == str(sorted(
        {"matmul:cublas", "cross_entropy_fwd", "cross_entropy_bwd", "layer_norm_fwd", "layer_norm_bwd",
         "gelu_fwd", "gelu_bwd", "attention_fwd", "attention_bwd", "adamw_step", "softmax_fwd", "softmax_bwd"}))
