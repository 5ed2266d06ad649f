"""Complex tensors, torch.fft, stft / istft and the window functions on device='cuda', proved on the CPU with the
fake GPU (tests/fake_cupy.py) as tests/test_device.py does: each result stays on the device, matches the cpu run,
and every input's gradient is on the device and equal to the cpu's. `TEENYGRAD_TEST_CUDA=1` runs them on the real
cupy (tests/test_device.py's switch)."""
import warnings

import numpy as np
import pytest

import teenygrad as tg
import teenygrad.fft  # noqa: F401  (tg.fft)

import fake_cupy
from test_device import fake_only, gpu, on_device  # noqa: F401  (the fixture and the device check are shared)

TOL = dict(atol=1e-5, rtol=1e-4)  # cpu vs device: the same transforms, maybe a different fft library


def _rand(shape, seed, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


def _crand(shape, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)


X, Y, P = _rand((3, 8), 1), _rand((3, 8), 2), _rand((3, 8), 3, 0.1, 2.0)
Z, W = _crand((3, 8), 4), _crand((3, 8), 5)
Z3, X3 = _crand((2, 3, 6), 6), _rand((2, 3, 6), 7)
SIGNAL, HANN = _rand((2, 40), 8), np.hanning(17)[:16].astype(np.float32)

# name -> (fn(*tensors) -> tensor, input arrays: all go to the device, float and complex ones get requires_grad)
OPS = {
    "polar": (lambda r, t: tg.polar(r, t), [P, Y]),
    "complex": (lambda x, y: tg.complex(x, y), [X, Y]),
    "view_as_complex": (lambda x: tg.view_as_complex(x) * 2, [_rand((3, 4, 2), 9)]),
    "view_as_real": (lambda z: tg.view_as_real(z) * 3, [Z]),
    "view_as_real_t": (lambda z: tg.view_as_real(z.t()), [Z]),
    "real_imag": (lambda z: z.real * 2 + z.imag * z.real, [Z]),
    "real_of_real": (lambda x: x.real * 2, [X]),
    "conj": (lambda z, w: z.conj() * w + z.conj_physical(), [Z, W]),
    "angle": (lambda z: z.angle(), [Z]),
    "angle_real": (lambda x: x.angle() + x, [X]),
    "abs": (lambda z: z.abs(), [Z]),
    "arith": (lambda z, w: z * w + z / (w + 1) - z * (1 + 2j) + 0.5j - w, [Z, W]),
    "mixed_real": (lambda z, x: z * x + x / (z + 2) - x, [Z, X]),
    "unary": (lambda z: z ** 2 + z.square() - z, [Z]),
    "reductions": (lambda z: z.sum() + z.mean(0).sum() + z.sum(1, keepdim=True) + z.prod(0) + z.cumsum(1), [Z]),
    "matmul": (lambda z, w: z @ w.t() + tg.vdot(z[0], w[1]) + z[1].dot(w[2]), [Z, W]),
    "movement": (lambda z, w: tg.cat([z, w.flip(1)]).reshape(4, 12).t() + tg.where(z.abs() > 1, z, 0).sum(), [Z, W]),
    # torch.fft
    "fft": (lambda z: tg.fft.fft(z) + tg.fft.fft(z, n=5, norm="ortho").sum(), [Z]),
    "fft_real": (lambda x: tg.fft.fft(x, n=10, dim=0), [X]),
    "ifft": (lambda z: tg.fft.ifft(z, norm="forward"), [Z]),
    "ifft_real": (lambda x: tg.fft.ifft(x, n=6), [X]),
    "rfft": (lambda x: tg.fft.rfft(x) * 2 + tg.fft.rfft(x, n=11).sum(), [X]),
    "irfft": (lambda z: tg.fft.irfft(z) + tg.fft.irfft(z, n=9, norm="ortho").sum(), [Z]),
    "hfft": (lambda z: tg.fft.hfft(z, n=7), [Z]),
    "ihfft": (lambda x: tg.fft.ihfft(x), [X]),
    "fft2": (lambda z: tg.fft.fft2(z), [Z3]),
    "ifft2": (lambda z: tg.fft.ifft2(z, s=(4, 5)), [Z3]),
    "rfft2": (lambda x: tg.fft.rfft2(x, norm="ortho"), [X3]),
    "irfft2": (lambda z: tg.fft.irfft2(z), [Z3]),
    "hfft2": (lambda z: tg.fft.hfft2(z), [Z3]),
    "ihfft2": (lambda x: tg.fft.ihfft2(x), [X3]),
    "fftn": (lambda z: tg.fft.fftn(z), [Z3]),
    "ifftn": (lambda z: tg.fft.ifftn(z, dim=(0, 2)), [Z3]),
    "rfftn": (lambda x: tg.fft.rfftn(x, s=(3, 8)), [X3]),
    "irfftn": (lambda z: tg.fft.irfftn(z, dim=(0, 1, 2)), [Z3]),
    "hfftn": (lambda z: tg.fft.hfftn(z, s=(2, 4)), [Z3]),
    "ihfftn": (lambda x: tg.fft.ihfftn(x), [X3]),
    "fftshift": (lambda z, x: tg.fft.fftshift(z) + tg.fft.ifftshift(x, dim=1), [Z, X]),
    # stft / istft
    "stft": (lambda x, w: tg.stft(x, 16, 4, window=w, return_complex=True), [SIGNAL, HANN]),
    "stft_nowindow": (lambda x: x.stft(16, return_complex=True), [SIGNAL]),
    "stft_real_out": (lambda x, w: tg.stft(x, 16, window=w, return_complex=False, normalized=True), [SIGNAL, HANN]),
    "stft_twosided": (lambda z, w: tg.stft(z, 16, 4, window=w), [_crand((2, 40), 10), HANN]),
    "istft": (lambda s, w: tg.istft(s, 16, 4, window=w), [_crand((2, 9, 7), 11), HANN]),
    "istft_length": (lambda s: s.istft(16, 4, length=30, center=False), [_crand((9, 7), 12)]),
    "istft_complex": (lambda s, w: tg.istft(s, 16, 4, window=w, onesided=False, return_complex=True),
                      [_crand((16, 7), 13), HANN]),
    "stft_istft": (lambda x, w: tg.istft(tg.stft(x, 16, 4, window=w, return_complex=True), 16, 4, window=w,
                                         length=40), [SIGNAL, HANN]),
}


def _run(name, device):
    fn, arrays = OPS[name]
    inputs = [tg.tensor(a, requires_grad=a.dtype.kind in "fc", device=device) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(*inputs)
    rng = np.random.default_rng(0)
    g = rng.standard_normal(out.shape)
    if out._data.dtype.kind == "c":
        g = g + 1j * rng.standard_normal(out.shape)
    out.backward(tg.tensor(g.astype(out._data.dtype), device=device))
    return out, inputs


def _host(t):
    return t.detach().cpu().numpy()


@pytest.mark.parametrize("name", list(OPS))
def test_op_stays_on_device_and_matches_cpu(gpu, name):
    ref, ref_in = _run(name, "cpu")
    out, ins = _run(name, "cuda")
    assert out.device == "cuda" and on_device(out._data), f"{name}: forward left the device ({type(out._data)})"
    assert out.dtype == ref.dtype and out.shape == ref.shape
    np.testing.assert_allclose(_host(out), _host(ref), **TOL)
    for i, (t, r) in enumerate(zip(ins, ref_in)):
        if r.grad is None:
            continue
        assert t.grad is not None, f"{name}: input {i} got no gradient on cuda"
        assert on_device(t.grad._data), f"{name}: grad of input {i} is a {type(t.grad._data).__name__}"
        assert t.grad.dtype == r.grad.dtype
        np.testing.assert_allclose(_host(t.grad), _host(r.grad), **TOL)


CREATE = {
    "fftfreq": lambda d, **k: tg.fft.fftfreq(7, 0.5, device=d, **k),
    "rfftfreq": lambda d, **k: tg.fft.rfftfreq(8, device=d, dtype=tg.float64, **k),
    "hann_window": lambda d, **k: tg.hann_window(16, device=d, **k),
    "hamming_window": lambda d, **k: tg.hamming_window(9, periodic=False, device=d, **k),
    "blackman_window": lambda d, **k: tg.blackman_window(10, device=d, dtype=tg.float64, **k),
    "bartlett_window": lambda d, **k: tg.bartlett_window(11, device=d, **k),
    "kaiser_window": lambda d, **k: tg.kaiser_window(12, beta=5.0, device=d, **k),
    "window_of_one": lambda d, **k: tg.hann_window(1, device=d, **k),
}


@pytest.mark.parametrize("name", list(CREATE))
def test_creation_on_device(gpu, name):
    ref = CREATE[name]("cpu")
    for out in (CREATE[name]("cuda"), CREATE[name]("cuda:0", requires_grad=True)):
        assert out.device == "cuda" and on_device(out._data), f"{name}: made {type(out._data).__name__}"
        assert out.dtype == ref.dtype
        np.testing.assert_allclose(_host(out), ref.numpy(), **TOL)
    x = CREATE[name]("cuda", requires_grad=True)
    (x * x).sum().backward()
    assert on_device(x.grad._data)
    np.testing.assert_allclose(_host(x.grad), 2 * ref.numpy(), **TOL)


def test_polar_and_stft_of_device_inputs_regressions(gpu):
    """The two reports: polar silently gave a cpu tensor; stft raised 'expected all tensors on the same device'."""
    x = tg.tensor(P[0], device="cuda")
    assert tg.polar(x, x).device == "cuda"
    s = tg.tensor(SIGNAL[0], device="cuda")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert on_device(tg.stft(s, 16, return_complex=True)._data)


def _double_backward(device):
    """A second-order gradient through the complex views and OverlapAdd (their backward_graph paths)."""
    from teenygrad.ops.fft import OverlapAdd
    x, y = (tg.tensor(a, requires_grad=True, device=device) for a in (X, Y))
    z = tg.complex(x * x, y * x).conj()
    u = tg.view_as_complex(tg.view_as_real(z) * tg.view_as_real(z))
    frames = OverlapAdd.apply(x.reshape(4, 6) * y.reshape(4, 6), hop=2)  # (18,)
    loss = (u.real * u.imag).sum() + (z.imag * z.real).sum() + (frames * frames).sum()
    gx, gy = tg.autograd.grad(loss, [x, y], create_graph=True)
    (gx * gx + gy * x).sum().backward()
    return gx, gy, x.grad, y.grad


def test_double_backward_stays_on_device(gpu):
    for out, ref in zip(_double_backward("cuda"), _double_backward("cpu")):
        assert on_device(out._data), f"left the device: {type(out._data).__name__}"
        np.testing.assert_allclose(_host(out), _host(ref), **TOL)


@fake_only
def test_transforms_call_the_device_fft_module(gpu, monkeypatch):
    """The transforms are cupy.fft's, called by name: numpy's np.fft would reach a cupy array only through
    __array_function__ (the fake would let it through silently)."""
    calls = []
    for name in ("fftn", "ifftn", "rfftn", "irfftn"):
        real = getattr(fake_cupy.fft, name)
        monkeypatch.setattr(fake_cupy.fft, name, lambda *a, _real=real, _name=name, **k: (calls.append(_name),
                                                                                        _real(*a, **k))[1])
    x = tg.tensor(X, requires_grad=True, device="cuda")
    z = tg.tensor(Z, requires_grad=True, device="cuda")
    (tg.fft.fft(z).abs().sum() + tg.fft.irfft(tg.fft.rfft(x)).sum() + tg.fft.ifft(z).real.sum()).backward()
    assert sorted(set(calls)) == ["fftn", "ifftn", "irfftn", "rfftn"], calls
    assert len(calls) == 8  # four forward, four backward
