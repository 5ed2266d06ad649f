"""The ops that skip the graph node when nothing is recorded (eighteenth landing: F.layer_norm, F.linear,
scaled_dot_product_attention, cat; a decode step runs ~60 of them a token): under no_grad, and with grad on but no
input that requires grad, they give exactly what the recorded op gives, a fresh tensor that requires no grad,
on the device of their inputs."""
import os

import numpy as np
import pytest

import teenygrad as tg
import teenygrad.nn.functional as F


def _rand(shape, seed, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


CASES = {
    "layer_norm": ([(1, 1, 128), (128,), (128,)], lambda x, w, b: F.layer_norm(x, (128,), w, b, 1e-5)),
    "layer_norm_rows": ([(3, 5, 16), (16,), (16,)], lambda x, w, b: F.layer_norm(x, (16,), w, b, 1e-3)),
    "layer_norm_strided": ([(4, 16), (16,), (16,)], lambda x, w, b: F.layer_norm(x.T.contiguous().T[:, :16], (16,),
                                                                                  w, b)),
    "linear": ([(1, 1, 128), (384, 128), (384,)], lambda x, w, b: F.linear(x, w, b)),
    "linear_no_bias": ([(2, 3, 8), (5, 8)], lambda x, w: F.linear(x, w)),
    "linear_1d": ([(8,), (5, 8), (5,)], lambda x, w, b: F.linear(x, w, b)),
    "sdpa_decode": ([(1, 4, 1, 32), (1, 4, 9, 32), (1, 4, 9, 32)],
                    lambda q, k, v: F.scaled_dot_product_attention(q, k, v)),
    "sdpa_causal": ([(2, 2, 6, 8), (2, 2, 6, 8), (2, 2, 6, 8)],
                    lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3)),
    "cat": ([(1, 4, 7, 32), (1, 4, 1, 32)], lambda a, b: tg.cat([a, b], dim=2)),
    "cat_three": ([(2, 3), (2, 3), (2, 1)], lambda a, b, c: tg.cat((a, b, c), -1)),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unrecorded_equals_recorded(name, dtype):
    shapes, fn = CASES[name]
    arrays = [_rand(s, i, dtype) for i, s in enumerate(shapes)]
    recorded = fn(*[tg.tensor(a, requires_grad=True) for a in arrays])
    assert recorded.requires_grad and recorded.grad_fn is not None
    with tg.no_grad():
        under_no_grad = fn(*[tg.tensor(a, requires_grad=True) for a in arrays])
    plain_inputs = [tg.tensor(a) for a in arrays]
    plain = fn(*plain_inputs)
    for out in (under_no_grad, plain):
        assert not out.requires_grad and out.grad_fn is None
        assert out.dtype == recorded.dtype and out.shape == recorded.shape
        np.testing.assert_array_equal(out.numpy(), recorded.detach().numpy())
    plain.add_(1.0)  # a fresh tensor: writing it leaves the inputs alone
    for t, a in zip(plain_inputs, arrays):
        np.testing.assert_array_equal(t.numpy(), a)


def test_unrecorded_paths_keep_the_graph_when_one_input_requires_grad():
    """grad on and only the weight requiring grad: the op is recorded (the fast path must not take it)"""
    x, w, b = tg.tensor(_rand((2, 8), 0)), tg.tensor(_rand((5, 8), 1), requires_grad=True), tg.tensor(_rand(5, 2))
    F.linear(x, w, b).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.broadcast_to(x.numpy().sum(0), (5, 8)), rtol=1e-6)
    k = tg.tensor(_rand((1, 2, 3, 4), 3), requires_grad=True)
    F.scaled_dot_product_attention(tg.tensor(_rand((1, 2, 3, 4), 4)), k, tg.tensor(_rand((1, 2, 3, 4), 5))).sum() \
        .backward()
    assert k.grad is not None and k.grad.shape == k.shape
    a = tg.tensor(_rand((2, 3), 6), requires_grad=True)
    tg.cat([tg.tensor(_rand((2, 3), 7)), a], 0).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.ones((2, 3), np.float32))
    wl, bl = tg.tensor(_rand(16, 8)), tg.tensor(_rand(16, 9), requires_grad=True)
    F.layer_norm(tg.tensor(_rand((3, 16), 10)), (16,), wl, bl).sum().backward()
    np.testing.assert_allclose(bl.grad.numpy(), np.full(16, 3.0), rtol=1e-6)


REAL = os.environ.get("TEENYGRAD_TEST_CUDA") == "1"  # the real cupy (bench/gpu_session.sh), else the fake GPU


@pytest.fixture
def device_arrays():
    """The device's array type: cupy's on a real GPU (TEENYGRAD_TEST_CUDA=1), else tests/fake_cupy.py's."""
    if REAL:
        cupy = pytest.importorskip("cupy")
        yield cupy.ndarray
        return
    import fake_cupy
    undo = fake_cupy.install()
    yield fake_cupy.FakeDeviceArray
    undo()


@pytest.mark.parametrize("name", ["linear", "linear_no_bias", "sdpa_decode", "sdpa_causal", "cat", "layer_norm"])
def test_unrecorded_paths_on_the_device(name, device_arrays):
    """the no-graph paths keep device arrays on the device, with the recorded op's values (on a real GPU the
    attention may run the flash kernels: float32 tolerance)"""
    shapes, fn = CASES[name]
    arrays = [_rand(s, i) for i, s in enumerate(shapes)]
    recorded = fn(*[tg.tensor(a, device="cuda", requires_grad=True) for a in arrays])
    with tg.no_grad():
        out = fn(*[tg.tensor(a, device="cuda") for a in arrays])
    assert type(out._data) is device_arrays and not out.requires_grad
    np.testing.assert_allclose(out.cpu().numpy(), recorded.detach().cpu().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.cpu().numpy(), fn(*[tg.tensor(a) for a in arrays]).numpy(), rtol=1e-4, atol=1e-5)
