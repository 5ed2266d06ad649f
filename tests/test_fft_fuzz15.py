"""torch.fft differential checks from the fifteenth fuzz: 1-D n=-1 refused (it silently kept the size), c2r of an
empty axis padded to n gives zeros (numpy's irfft returns uninitialised memory there), torch's error order and op
names for bad dims / norms / dtypes, fftshift with no dims, fftfreq to the last bit (bfloat16 too);
plus a seeded sweep of forward values, dtypes and gradients against torch over n / s crop and pad, dims, norms,
non-contiguous inputs, and finite-difference gradchecks of the Hermitian c2r gradients."""
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
from test_fft import _arr, _np  # the same random inputs and conversions as the first FFT tests
from teenygrad.autograd import gradcheck

TOL = {np.float32: 2e-4, np.float64: 1e-10}  # rtol = atol per precision


def _raises_like_torch(fn, exc, match):
    """fn(torch) and fn(teenygrad) both raise exc, with messages matching `match`."""
    for lib in (torch, tg):
        with pytest.raises(exc, match=match):
            fn(lib)


# ---- 1-D n must be >= 1: -1 is "keep the size" only in an n-d transform's s -----------------------------------
@pytest.mark.parametrize("op", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"])
@pytest.mark.parametrize("n", [-1, 0])
def test_one_d_n_below_one_raises(op, n):
    a = _arr(np.random.default_rng(0), (3, 6), np.float32 if op in ("rfft", "ihfft") else np.complex64)
    _raises_like_torch(lambda L: getattr(L.fft, op)(L.tensor(a), n=n), RuntimeError,
                       rf"Invalid number of data points \({n}\) specified")


def test_nd_s_minus_one_still_keeps_size():
    a = _arr(np.random.default_rng(1), (3, 5), np.complex128)
    np.testing.assert_allclose(tg.fft.fftn(tg.tensor(a), s=(-1, 4)).numpy(),
                               _np(torch.fft.fftn(torch.tensor(a), s=(-1, 4))), rtol=1e-10, atol=1e-10)


def test_one_d_dim_checked_before_n():
    _raises_like_torch(lambda L: L.fft.fft(L.ones(4), n=-1, dim=5), IndexError, r"Dimension out of range.*got 5")
    _raises_like_torch(lambda L: L.fft.irfft(L.ones(4), n=-1, norm="bogus"), RuntimeError,
                       r"Invalid number of data points \(-1\)")


# ---- c2r of an empty axis zero-padded to n: zeros, not uninitialised memory ------------------------------------
@pytest.mark.parametrize("call", [lambda L, z: L.fft.irfft(z, n=8), lambda L, z: L.fft.hfft(z, n=8),
                                  lambda L, z: L.fft.irfftn(z, s=(2, 8), dim=(0, 2)),
                                  lambda L, z: L.fft.irfft2(z, s=(3, 7))])
def test_c2r_of_empty_axis_padded_is_zero(call):
    z = np.zeros((2, 3, 0), np.complex128)
    want, got = _np(call(torch, torch.tensor(z))), call(tg, tg.tensor(z)).numpy()
    assert got.shape == want.shape and got.dtype == np.float64
    assert (got == 0).all() and (want == 0).all()


def test_irfft_default_n_of_empty_axis_names_it():
    _raises_like_torch(lambda L: L.fft.irfft(L.zeros(3, 0, dtype=L.complex64)), RuntimeError,
                       r"Invalid number of data points \(-2\) specified")


# ---- torch's error order and op names ---------------------------------------------------------------------------
@pytest.mark.parametrize("op,call,exc,match", [
    ("ihfft", lambda L, z: L.fft.ihfft(z), RuntimeError, r"ihfft expects a real input tensor"),
    ("ihfft2", lambda L, z: L.fft.ihfft2(z), IndexError, r"Dimension out of range.*got -2"),
    ("ihfftn", lambda L, z: L.fft.ihfftn(z, dim=(4,)), IndexError, r"Dimension out of range.*got 4"),
    ("hfft", lambda L, z: L.fft.hfft(z, dim=5, norm="bogus"), IndexError, r"Dimension out of range.*got 5"),
    ("hfftn", lambda L, z: L.fft.hfftn(z, dim=()), RuntimeError, r"hfftn must transform at least one axis"),
    ("ihfftn", lambda L, z: L.fft.ihfftn(z.real, dim=()), RuntimeError, r"ihfftn must transform at least one axis"),
    ("fftn", lambda L, z: L.fft.fftn(z, dim=(), norm="bogus"), RuntimeError, r'Invalid normalization mode: "bogus"'),
    ("ifftn", lambda L, z: L.fft.ifftn(z.sum(), s=(), norm="bogus"), RuntimeError, r"Invalid normalization mode"),
])
def test_bad_arguments_like_torch(op, call, exc, match):
    z = _arr(np.random.default_rng(2), (4,), np.complex64)
    _raises_like_torch(lambda L: call(L, L.tensor(z)), exc, match)


@pytest.mark.parametrize("op", ["fftshift", "ifftshift"])
def test_fftshift_without_dims(op):
    _raises_like_torch(lambda L: getattr(L.fft, op)(L.ones(3, 4), dim=()), RuntimeError, r"`shifts` required")
    _raises_like_torch(lambda L: getattr(L.fft, op)(L.tensor(1.0)), RuntimeError, r"`shifts` required")
    _raises_like_torch(lambda L: getattr(L.fft, op)(L.tensor(1.0), dim=0), IndexError,
                       r"Dimension specified as 0 but tensor has no dimensions")


# ---- a seeded differential sweep: values, dtypes, gradients --------------------------------------------------------
def _views(lib, x, kind):
    return {"contig": x, "T": x.transpose(0, -1), "strided": x[..., ::2]}[kind]


CASES = [  # (op, shape, dtype, view, kwargs)
    ("fft", (4, 6), np.float32, "T", {"n": 3, "dim": 0, "norm": "ortho"}),
    ("ifft", (3, 7), np.complex64, "strided", {"n": 9, "norm": "forward"}),
    ("rfft", (5, 8), np.float64, "T", {"n": 7}),
    ("irfft", (3, 6), np.complex128, "strided", {"n": 5, "norm": "ortho"}),
    ("irfft", (2, 5), np.complex64, "contig", {"n": 10}),
    ("hfft", (4, 5), np.complex64, "T", {"n": 6, "dim": -1, "norm": "forward"}),
    ("hfft", (3, 4), np.complex128, "contig", {"n": 3}),
    ("ihfft", (4, 9), np.float32, "strided", {"n": 4, "norm": "ortho"}),
    ("fft2", (3, 4, 5), np.complex128, "T", {"s": (6, 2), "dim": (0, 2)}),
    ("ifft2", (4, 5), np.float32, "contig", {"s": (3, 8), "norm": "backward"}),
    ("rfft2", (4, 6), np.float32, "T", {"s": (5, 3), "dim": (1, 0)}),
    ("irfft2", (3, 4, 3), np.complex64, "strided", {"s": (5, -1), "norm": "ortho"}),
    ("hfft2", (4, 5), np.complex128, "contig", {"s": (3, 7)}),
    ("ihfft2", (5, 6), np.float64, "T", {"norm": "forward"}),
    ("fftn", (2, 3, 4), np.float64, "strided", {"s": (4, 3), "dim": (-1, 0)}),
    ("ifftn", (3, 4), np.complex64, "contig", {}),
    ("rfftn", (3, 4, 5), np.float32, "contig", {"s": (2, 6)}),
    ("irfftn", (3, 4, 5), np.complex128, "T", {"s": (4, 3, 9), "norm": "forward"}),
    ("hfftn", (4, 4), np.complex64, "contig", {"dim": (1, 0), "s": (-1, 5)}),
    ("ihfftn", (3, 5), np.float64, "strided", {"s": (4, 4), "norm": "ortho"}),
    ("fft", (5,), np.int64, "contig", {}),
    ("rfft", (6,), np.bool_, "contig", {"norm": "ortho"}),
    ("hfft", (5,), np.int32, "contig", {"n": 7}),
]


@pytest.mark.parametrize("op,shape,dtype,view,kw", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_fft_sweep_against_torch(op, shape, dtype, view, kw):
    rng = np.random.default_rng(CASES.index((op, shape, dtype, view, kw)))
    a = rng.integers(0, 2, shape).astype(dtype) if np.dtype(dtype).kind in "biu" else _arr(rng, shape, dtype)
    grad = np.dtype(dtype).kind in "fc"
    xt, xg = torch.tensor(a, requires_grad=grad), tg.tensor(a, requires_grad=grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yt, yg = getattr(torch.fft, op)(_views(torch, xt, view), **kw), getattr(tg.fft, op)(_views(tg, xg, view), **kw)
    assert str(yg.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1] and tuple(yg.shape) == tuple(yt.shape)
    tol = TOL[np.float64 if dtype in (np.float64, np.complex128) else np.float32]
    np.testing.assert_allclose(_np(yg), _np(yt), rtol=tol, atol=tol)
    if not grad:
        return
    w = rng.standard_normal(tuple(yt.shape) + ((2,) if yt.is_complex() else ()))
    for lib, y in ((torch, yt), (tg, yg)):
        r = lib.view_as_real(y.resolve_conj() if lib is torch else y) if y.is_complex() else y
        ((r * lib.tensor(w.astype(_np(r).dtype))).sum() + y.abs().sum()).backward()
    assert xg.grad.dtype == xg.dtype
    np.testing.assert_allclose(xg.grad.numpy(), _np(xt.grad), rtol=10 * tol, atol=10 * tol)


@pytest.mark.parametrize("op,kw", [("irfft", {"n": 5}), ("irfft", {"n": 6}), ("hfft", {"n": 3, "norm": "ortho"}),
                                   ("hfft", {}), ("irfftn", {"s": (2, 5)}), ("hfft2", {"s": (4, 4), "norm": "forward"}),
                                   ("ihfft", {"n": 5}), ("rfft2", {"s": (3, 6)})])
def test_fft_gradcheck(op, kw):
    """Finite differences in float64 (complex inputs as view_as_complex of a real (..., 2) leaf)."""
    cplx = op.startswith(("irfft", "hfft"))
    a = np.random.default_rng(5).standard_normal((3, 4) + ((2,) if cplx else ()))
    x = tg.tensor(a, requires_grad=True)

    def fn(x):
        y = getattr(tg.fft, op)(tg.view_as_complex(x) if cplx else x, **kw)
        return tg.view_as_real(y) if y.is_complex() else y
    assert gradcheck(fn, (x,), eps=1e-6, atol=1e-6, rtol=1e-4)


# ---- fftfreq / rfftfreq: torch's arithmetic (times 1 / (n d) rounded to the dtype), so the last bit agrees --------
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("op", ["fftfreq", "rfftfreq"])
def test_fftfreq_bit_exact(op, dtype):
    if dtype == "bfloat16":
        pytest.importorskip("ml_dtypes")
    for n in (0, 1, 7, 10, 59):
        for d in (1.0, 0.3, 0.7, -2.5, 3, 0.0):
            a = getattr(torch.fft, op)(n, d, dtype=getattr(torch, dtype))
            b = getattr(tg.fft, op)(n, d, dtype=getattr(tg, dtype))
            assert str(b.dtype).split(".")[-1] == dtype and tuple(b.shape) == tuple(a.shape)
            np.testing.assert_array_equal(b.float().numpy(), a.float().numpy())



_DOUBLE = [("fft", {"n": 5}), ("fft", {"n": 9}), ("ifft", {"norm": "ortho"}), ("rfft", {"n": 5}),
           ("rfft", {"n": 10, "norm": "forward"}), ("irfft", {"n": 7}), ("irfft", {"n": 6}),
           ("irfft", {"n": 12, "norm": "ortho"}), ("hfft", {"n": 5}), ("ihfft", {"n": 7}), ("fft2", {"s": (3, 9)}),
           ("rfft2", {"s": (5, 4)}), ("irfft2", {"s": (3, 5)}), ("hfftn", {"s": (4, 4)}), ("ihfftn", {"s": (2, 7)}),
           ("irfftn", {"s": (4, 3), "dim": (1, 0)}), ("fftn", {})]


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("op,kw", _DOUBLE)
def test_double_backward_matches_torch(op, kw, dtype):
    # create_graph=True through any transform raised NotImplementedError; torch differentiates it twice
    if op.startswith(("rfft", "ihfft")) and dtype == np.complex128:
        pytest.skip("real-input transforms")
    rng = np.random.default_rng(len(op) + len(kw))
    a = rng.standard_normal((4, 6)).astype(dtype)
    if dtype == np.complex128:
        a = a + 1j * rng.standard_normal((4, 6))
    w = rng.standard_normal((4, 6))
    res = []
    for lib in (torch, tg):
        x = lib.tensor(a, requires_grad=True)
        y = getattr(lib.fft, op)(x, **kw)
        loss = (y.abs() ** 3).sum() if y.is_complex() else (y ** 3).sum()
        g, = lib.autograd.grad(loss, x, create_graph=True)
        gl = (g.abs() * lib.tensor(w)).sum() if g.is_complex() else (g * lib.tensor(w)).sum()
        h, = lib.autograd.grad(gl, x)
        res.append((g.detach().resolve_conj().numpy() if lib is torch else g.detach().numpy(),
                    h.resolve_conj().numpy() if lib is torch else h.numpy()))
    (g1, h1), (g2, h2) = res
    np.testing.assert_allclose(g2, g1, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(h2, h1, rtol=1e-8, atol=1e-8)
