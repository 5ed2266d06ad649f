"""NaN, +-inf and huge float32 values through the ops with numba kernels (GELU, LayerNorm, cross-entropy, embedding
backward, AdamW, ReLU), kernels on and off, against PyTorch: fastmath's no-NaN / no-inf promises once turned such
inputs into silently finite (or NaN) answers."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import teenygrad as tg
import teenygrad.nn.functional as TF
from helpers import assert_nonfinite_close

RTOL, ATOL = 1e-4, 1e-5
SPECIALS = np.array([np.nan, np.inf, -np.inf, 1e30, -1e30, 3e38, -3e38, 1e-30, -1e-30, 1e-45, 0.0, -0.0,
                     5.0, -5.0, 20.0, -20.0, 100.0, -100.0, 1e10, -1e10], np.float32)


def assert_same(got, want, what):
    assert_nonfinite_close(got, want, what, ATOL, RTOL)


def run_both(x, f_torch, f_tg, g=None, wrt_extra=()):
    """Forward and x's gradient of torch's and teenygrad's f on x (gradient g, ones by default)."""
    xt, xg = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    yt, yg = f_torch(xt), f_tg(xg)
    g = np.ones(tuple(yt.shape), np.float32) if g is None else g
    yt.backward(torch.tensor(g))
    yg.backward(tg.tensor(g))
    return (yg.detach().numpy(), yt.detach().numpy()), (xg.grad.numpy(), xt.grad.numpy())


def _rows(n_cols=8, seed=0):
    """Rows of random logits, each holding one special value, plus rows all -inf, +inf with -inf, two +inf."""
    rng = np.random.default_rng(seed)
    out = []
    for s in SPECIALS:
        r = rng.standard_normal(n_cols).astype(np.float32)
        r[3] = s
        out.append(r)
    for fill in ({2: np.inf, 5: -np.inf}, {2: np.inf, 5: np.inf}, {2: 1e30, 5: 3e38}, {2: -np.inf, 5: -np.inf}):
        r = rng.standard_normal(n_cols).astype(np.float32)
        for j, v in fill.items():
            r[j] = v
        out.append(r)
    r = np.full(n_cols, -np.inf, np.float32)
    out.append(r)
    return np.stack(out)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_nonfinite(kernels, approximate):
    x = SPECIALS
    if approximate == "none":  # torch's vectorised CPU gelu gives NaN at +inf and inf at 3e38 (1-element: inf, 3e38)
        x = x[(x != np.inf) & (x != np.float32(3e38))]
    (y, yt), (dx, dxt) = run_both(x, lambda t: F.gelu(t, approximate=approximate),
                                  lambda t: TF.gelu(t, approximate=approximate))
    assert_same(y, yt, f"gelu({approximate}) forward")
    assert_same(dx, dxt, f"gelu({approximate}) grad")


@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm_nonfinite(kernels, affine):
    x = _rows(8)
    rng = np.random.default_rng(1)
    g = rng.standard_normal(x.shape).astype(np.float32)
    w, b = rng.standard_normal(8).astype(np.float32), rng.standard_normal(8).astype(np.float32)
    wb_t = (torch.tensor(w), torch.tensor(b)) if affine else ()
    wb_g = (tg.tensor(w), tg.tensor(b)) if affine else ()
    (y, yt), (dx, dxt) = run_both(x, lambda t: F.layer_norm(t, (8,), *wb_t), lambda t: TF.layer_norm(t, (8,), *wb_g),
                                  g)
    assert_same(y, yt, "layer_norm forward")  # a 1e30 row: var overflows, torch's (x - mean) * 0 is 0, not NaN
    # torch's backward sums dy w x unnormalised: at +-3e38 that overflows and its 0 * inf gives NaN, ours 0
    keep = ~np.any(np.abs(x) == np.float32(3e38), axis=1)
    dx, dxt = dx[keep], dxt[keep]
    assert_same(dx, dxt, "layer_norm grad")


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("targets", ["on_special", "elsewhere", "ignored"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_nonfinite(kernels, reduction, targets, label_smoothing):
    x = _rows(20)  # past the 16 lanes of the vectorised row max
    t = np.full(len(x), 3 if targets == "on_special" else 1)
    if targets == "ignored":  # every other row ignored: its loss 0, its gradient p * 0 (NaN on a NaN row)
        t[::2] = -100
    g = np.random.default_rng(2).standard_normal(len(x)).astype(np.float32) if reduction == "none" else None
    (y, yt), (dx, dxt) = run_both(
        x, lambda a: F.cross_entropy(a, torch.tensor(t), reduction=reduction, label_smoothing=label_smoothing),
        lambda a: TF.cross_entropy(a, tg.tensor(t), reduction=reduction, label_smoothing=label_smoothing), g)
    assert_same(y, yt, "cross_entropy loss")
    assert_same(dx, dxt, "cross_entropy grad")


@pytest.mark.parametrize("C", [4, 20, 65])
def test_cross_entropy_nan_logit_is_not_dropped(kernels, C):
    """The kernel's row max skipped a NaN past its 16 lanes (fastmath's no-NaN promise): at C = 65 with the NaN last,
    a finite loss 62.46 where torch gives NaN."""
    for pos in range(C):
        x = np.arange(C, dtype=np.float32)[None].copy()
        x[0, pos] = np.nan
        loss = TF.cross_entropy(tg.tensor(x), tg.tensor(np.array([1])), reduction="none").numpy()
        assert np.isnan(loss).all(), f"cross_entropy: NaN logit at {pos} of {C} gave loss {loss}"


def test_embedding_backward_nonfinite(kernels):
    # the numpy path's one-hot GEMM spread a NaN row of the gradient into every row of dW (0 * NaN)
    rng = np.random.default_rng(3)
    idx = np.array([0, 1, 1, 2, 3, 3, 3])
    w = rng.standard_normal((5, 4)).astype(np.float32)
    g = rng.standard_normal((7, 4)).astype(np.float32)
    g[1, 0], g[2, 1], g[4, 2], g[5, 2], g[6, 3], g[5, 3] = np.nan, np.inf, np.inf, -np.inf, 3e38, 3e38
    _, (dw, dwt) = run_both(w, lambda a: F.embedding(torch.tensor(idx), a), lambda a: TF.embedding(tg.tensor(idx), a),
                            g)
    assert_same(dw, dwt, "embedding grad")


def test_adamw_nonfinite_grads(kernels):
    p0 = np.linspace(1, 2, 8).astype(np.float32)
    grads = np.array([np.nan, np.inf, -np.inf, 1e30, 3e38, 1e-30, 0.0, -1.0], np.float32)
    pt, pg = torch.tensor(p0, requires_grad=True), tg.tensor(p0, requires_grad=True)
    ot, og = torch.optim.AdamW([pt], lr=0.1), tg.optim.AdamW([pg], lr=0.1)
    for _ in range(3):
        pt.grad, pg.grad = torch.tensor(grads), tg.tensor(grads)
        ot.step()
        og.step()
    assert_same(pg.numpy(), pt.detach().numpy(), "AdamW parameters")
    assert_same(og.state[pg]["exp_avg_sq"].numpy(), ot.state[pt]["exp_avg_sq"].numpy(), "AdamW exp_avg_sq")


def test_relu_grad_at_nan(kernels):
    """torch's threshold_backward keeps the gradient where the output is NaN (NaN <= 0 is false): the numpy path and
    the float32 kernel (backend/_numba_act._relu_bwd)"""
    (y, yt), (dx, dxt) = run_both(SPECIALS, F.relu, TF.relu)
    assert_same(y, yt, "relu forward")
    assert_same(dx, dxt, "relu grad")


@pytest.mark.parametrize("n", [6, 64])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_sign_abs_at_nan_like_torch(n, dtype, kernels):
    # where torch's answer doesn't depend on its vectorised path (elu / hardtanh's gradients at NaN do): relu's
    # gradient passes at a NaN (threshold_backward: z <= 0 ? 0 : g), sign(NaN) is 0, and so is abs's gradient there
    a = np.zeros(n, dtype)
    a[:4] = [np.nan, -1.0, 2.0, -np.inf]
    for name in ("relu", "sign", "abs"):
        out = []
        for lib in (torch, tg):
            x = lib.tensor(a, requires_grad=True)
            y = lib.relu(x) if name == "relu" else getattr(x, name)()
            y.backward(lib.ones_like(y))
            out.append((y.detach().numpy(), x.grad.numpy()))
        for w, g in zip(*out):
            np.testing.assert_array_equal(g, w, err_msg=name)
