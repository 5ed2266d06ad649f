"""torch.fft, torch.stft and torch.istft against torch: values, dtypes and gradients (through a real loss: a random
weighting of view_as_real(out), and |out|) for each transform over odd / even sizes, dims, norms, n / s padding and
trimming, batch dims and both precisions; the stft / istft round trip; bad arguments raising torch's exception types."""
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg

TOL = {np.float32: (2e-4, 2e-4), np.float64: (1e-10, 1e-10)}  # (rtol, atol) per precision
NORMS = [None, "ortho", "forward"]


def _arr(rng, shape, dtype):
    a = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def _np(t):
    t = t.detach()
    return (t.resolve_conj() if isinstance(t, torch.Tensor) else t).numpy()


def _losses(lib, out, w):
    """Two real losses: a random weighting of (Re, Im) (reaches every output element) and sum |out|."""
    real = lib.view_as_real(out.resolve_conj()) if out.is_complex() else out
    return (real * lib.tensor(w.astype(_np(real).dtype))).sum() + out.abs().sum()


def _check(fn, arrays, rng, grad=True):
    """fn(lib, *leaves) under torch and teenygrad: same values and dtype, same gradient of every leaf."""
    prec = np.float64 if any(a.dtype in (np.float64, np.complex128) for a in arrays) else np.float32
    rtol, atol = TOL[prec]
    t = [torch.tensor(a, requires_grad=grad) for a in arrays]
    g = [tg.tensor(a, requires_grad=grad) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ot, og = fn(torch, *t), fn(tg, *g)
    assert str(ot.dtype).split(".")[-1] == str(og.dtype).split(".")[-1]
    assert tuple(ot.shape) == tuple(og.shape)
    np.testing.assert_allclose(_np(og), _np(ot), rtol=rtol, atol=atol)
    if not grad:
        return
    w = rng.standard_normal(tuple(ot.shape) + ((2,) if ot.is_complex() else ()))
    _losses(torch, ot, w).backward()
    _losses(tg, og, w).backward()
    for a, b in zip(t, g):
        assert b.grad is not None and b.grad.dtype == b.dtype
        np.testing.assert_allclose(b.grad.numpy(), _np(a.grad), rtol=rtol, atol=atol)


# ---- 1-d transforms -------------------------------------------------------------------------------------------
ONE_D = {  # name: input dtypes it takes
    "fft": [np.float32, np.complex64, np.complex128], "ifft": [np.complex64, np.float64, np.complex128],
    "rfft": [np.float32, np.float64], "irfft": [np.complex64, np.complex128],
    "hfft": [np.complex64, np.complex128], "ihfft": [np.float32, np.float64],
}


@pytest.mark.parametrize("name", ONE_D)
@pytest.mark.parametrize("size", [7, 8])
@pytest.mark.parametrize("n", [None, 5, 6, 11, 12])
@pytest.mark.parametrize("norm", NORMS)
def test_1d(name, size, n, norm):
    rng = np.random.default_rng(size * 100 + (n or 0))
    for dtype in ONE_D[name]:
        for dim, shape in ((-1, (3, size)), (0, (size, 2, 3))):
            _check(lambda lib, x: getattr(lib.fft, name)(x, n=n, dim=dim, norm=norm), [_arr(rng, shape, dtype)], rng)


def test_irfft_of_a_full_rfft_round_trips_and_integer_input_promotes():
    rng = np.random.default_rng(1)
    _check(lambda lib, x: lib.fft.irfft(lib.fft.rfft(x), n=9), [_arr(rng, (4, 9), np.float32)], rng)
    _check(lambda lib, x: lib.fft.fft(x), [np.arange(6)], rng, grad=False)
    _check(lambda lib, x: lib.fft.rfft(x), [np.arange(6) % 2 == 0], rng, grad=False)


# ---- n-d transforms -------------------------------------------------------------------------------------------
N_D = {"fft2": [np.float32, np.complex128], "ifft2": [np.complex64, np.float64], "rfft2": [np.float32, np.float64],
       "irfft2": [np.complex64, np.complex128], "hfft2": [np.complex64], "ihfft2": [np.float64],
       "fftn": [np.complex64, np.float64], "ifftn": [np.complex128], "rfftn": [np.float32, np.float64],
       "irfftn": [np.complex64, np.complex128], "hfftn": [np.complex128], "ihfftn": [np.float32]}
ARGS = [{}, {"s": (5, 6)}, {"s": (8, 3)}, {"dim": (0, 2)}, {"s": (4, -1), "dim": (2, 0)}, {"s": (3, 4, 7)},
        {"dim": (-1,)}, {"s": (9,)}]


@pytest.mark.parametrize("name,kw", [(n, kw) for n in N_D for kw in ARGS  # fft2 and kin take two dims
                                      if n[-1] != "2" or len(kw.get("s", kw.get("dim", (0, 0)))) == 2], ids=str)
@pytest.mark.parametrize("norm", NORMS)
def test_nd(name, kw, norm):
    rng = np.random.default_rng(len(str(kw)))
    for dtype in N_D[name]:
        _check(lambda lib, x: getattr(lib.fft, name)(x, norm=norm, **kw), [_arr(rng, (4, 5, 7), dtype)], rng)


def test_fftn_over_no_dims_is_the_promotion():
    rng = np.random.default_rng(2)
    _check(lambda lib, x: lib.fft.fftn(x, dim=()), [_arr(rng, (3, 4), np.float32)], rng)


# ---- helpers --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 6, 7])
@pytest.mark.parametrize("d", [1.0, 0.1])
def test_fftfreq(n, d):
    for name in ("fftfreq", "rfftfreq"):
        for kw in ({}, {"dtype": "float64"}):
            kt = {k: getattr(torch, v) for k, v in kw.items()}
            kg = {k: getattr(tg, v) for k, v in kw.items()}
            a, b = getattr(torch.fft, name)(n, d, **kt), getattr(tg.fft, name)(n, d, **kg)
            assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), (-1,)])
def test_fftshift(dim):
    rng = np.random.default_rng(3)
    for name in ("fftshift", "ifftshift"):
        _check(lambda lib, x: getattr(lib.fft, name)(x, dim=dim) * lib.arange(35.0).reshape(5, 7),
               [_arr(rng, (5, 7), np.float64)], rng)


# ---- stft / istft ---------------------------------------------------------------------------------------------
STFT = [dict(n_fft=8), dict(n_fft=9, hop_length=3), dict(n_fft=8, win_length=6, hop_length=2),
        dict(n_fft=8, center=False, hop_length=3), dict(n_fft=7, pad_mode="constant", normalized=True),
        dict(n_fft=8, onesided=False), dict(n_fft=6, hop_length=2, pad_mode="replicate")]


@pytest.mark.parametrize("kw", STFT, ids=str)
@pytest.mark.parametrize("shape", [(40,), (3, 33)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stft(kw, shape, dtype):
    rng = np.random.default_rng(len(str(kw)) + len(shape))
    win = kw.get("win_length", kw["n_fft"])
    _check(lambda lib, x, w: lib.stft(x, window=w, return_complex=True, **kw),
           [_arr(rng, shape, dtype), rng.random(win).astype(dtype)], rng)
    _check(lambda lib, x: x.stft(return_complex=False, **kw), [_arr(rng, shape, dtype)], rng)


def test_stft_of_complex_input_is_twosided():
    rng = np.random.default_rng(4)
    _check(lambda lib, x, w: lib.stft(x, 8, 2, window=w), [_arr(rng, (2, 30), np.complex64),
                                                          rng.random(8).astype(np.float32)], rng)


ISTFT = [dict(n_fft=8, hop_length=2), dict(n_fft=9, hop_length=3, length=30), dict(n_fft=8, hop_length=2, length=50),
         dict(n_fft=8, win_length=6, hop_length=2), dict(n_fft=8, hop_length=2, normalized=True),
         dict(n_fft=8, hop_length=4, center=False), dict(n_fft=8, hop_length=2, onesided=False),
         dict(n_fft=8, hop_length=2, onesided=False, return_complex=True)]


@pytest.mark.parametrize("kw", ISTFT, ids=str)
@pytest.mark.parametrize("batch", [(), (2,)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_istft(kw, batch, dtype):
    """istft of a random spectrum (values and gradients), and the round trip of stft with the same settings."""
    rng = np.random.default_rng(len(str(kw)) + len(batch))
    win = kw.get("win_length", kw["n_fft"])
    sig = {k: v for k, v in kw.items() if k not in ("length", "return_complex")}
    window = (0.5 + rng.random(win)).astype(dtype)
    x = _arr(rng, batch + (40,), dtype if not kw.get("return_complex") else np.result_type(dtype, np.complex64))
    spec = torch.stft(torch.tensor(x), window=torch.tensor(window), return_complex=True, **sig).numpy()
    spec = spec + 0.1 * _arr(rng, spec.shape, spec.dtype)  # not an exact stft: istft's least-squares path too
    _check(lambda lib, s, w: lib.istft(s, window=w, **kw), [spec, window], rng)
    if kw.get("length") is None and kw.get("center", True):
        back = tg.istft(tg.stft(tg.tensor(x), window=tg.tensor(window), return_complex=True, **sig),
                        window=tg.tensor(window), length=40, **{k: v for k, v in kw.items() if k != "length"})
        np.testing.assert_allclose(back.numpy(), x, rtol=1e-4, atol=1e-5)


def test_stft_method_and_round_trip_gradient():
    rng = np.random.default_rng(5)
    _check(lambda lib, x, w: lib.istft(x.stft(16, 4, window=w, return_complex=True), 16, 4, window=w, length=50)
           .square().sum(-1), [_arr(rng, (2, 50), np.float64), 0.5 + rng.random(16)], rng)


# ---- bad arguments --------------------------------------------------------------------------------------------
BAD = {
    "norm": lambda lib: lib.fft.fft(lib.ones(8), norm="bad"),
    "n0": lambda lib: lib.fft.fft(lib.ones(8), n=0),
    "dim": lambda lib: lib.fft.fft(lib.ones(8), dim=3),
    "0d": lambda lib: lib.fft.fft(lib.tensor(1.0)),
    "rfft_complex": lambda lib: lib.fft.rfft(lib.ones(8, dtype=lib.complex64)),
    "irfft_one_bin": lambda lib: lib.fft.irfft(lib.ones(1, dtype=lib.complex64)),
    "s_dim_lengths": lambda lib: lib.fft.fftn(lib.ones(4, 4), s=(4,), dim=(0, 1)),
    "repeated_dims": lambda lib: lib.fft.fftn(lib.ones(4, 4), dim=(0, 0)),
    "s_too_long": lambda lib: lib.fft.fftn(lib.ones(4, 4), s=(4, 4, 4)),
    "rfftn_no_dims": lambda lib: lib.fft.rfftn(lib.ones(4, 4), dim=()),
    "half": lambda lib: lib.fft.fft(lib.ones(4, dtype=lib.float16)),
    "fftfreq_int": lambda lib: lib.fft.fftfreq(5, dtype=lib.int64),
    "fftfreq_negative": lambda lib: lib.fft.fftfreq(-1),
    "stft_no_return_complex": lambda lib: lib.stft(lib.ones(16), 4),
    "stft_3d": lambda lib: lib.stft(lib.ones(2, 2, 16), 4, return_complex=True),
    "stft_n_fft_long": lambda lib: lib.stft(lib.ones(8), 16, center=False, return_complex=True),
    "stft_hop0": lambda lib: lib.stft(lib.ones(8), 4, hop_length=0, return_complex=True),
    "stft_win_long": lambda lib: lib.stft(lib.ones(8), 4, win_length=5, return_complex=True),
    "stft_window_size": lambda lib: lib.stft(lib.ones(8), 4, window=lib.ones(3), return_complex=True),
    "stft_onesided_complex": lambda lib: lib.stft(lib.ones(8, dtype=lib.complex64), 4, onesided=True),
    "stft_int": lambda lib: lib.stft(lib.arange(16), 4, return_complex=True),
    "istft_real": lambda lib: lib.istft(lib.ones(3, 9), 4),
    "istft_hop": lambda lib: lib.istft(lib.ones(3, 9, dtype=lib.complex64), 4, hop_length=5),
    "istft_window": lambda lib: lib.istft(lib.ones(3, 9, dtype=lib.complex64), 4, window=lib.ones(3)),
    "istft_freq": lambda lib: lib.istft(lib.ones(3, 9, dtype=lib.complex64), 6),
    "istft_nola": lambda lib: lib.istft(lib.ones(3, 9, dtype=lib.complex64), 4, window=lib.zeros(4)),
    "istft_onesided_complex": lambda lib: lib.istft(lib.ones(3, 9, dtype=lib.complex64), 4, return_complex=True),
    "istft_1d": lambda lib: lib.istft(lib.ones(9, dtype=lib.complex64), 4),
    "istft_complex_window": lambda lib: lib.istft(lib.ones(3, 9, dtype=lib.complex64), 4,
                                                  window=lib.ones(4, dtype=lib.complex64)),
    "istft_win_long": lambda lib: lib.istft(lib.ones(3, 9, dtype=lib.complex64), 4, win_length=6),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_arguments_raise_as_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as want:
            BAD[name](torch)
        with pytest.raises(want.type):
            BAD[name](tg)
