"""nn.functional against torch.nn.functional: forward and backward on fresh random float32 inputs, plus
float64 gradchecks of the fused ops and the errors bad input must raise."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
import teenygrad as tg
import teenygrad.nn.functional as F
from teenygrad.autograd import gradcheck
from helpers import compare, rand

ATOL, RTOL = 1e-5, 1e-4
rng = np.random.default_rng(0)


def pair(*shape, dtype=np.float32, grad=True, scale=1.0):
    a = (rng.standard_normal(shape) * scale).astype(dtype)
    return tg.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)


def close(ours, theirs, atol=ATOL, rtol=RTOL):
    a = ours.numpy() if isinstance(ours, tg.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy()
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)


def backward_both(y, ty, seed=1):
    g = np.random.default_rng(seed).standard_normal(ty.shape).astype(np.float32)
    y.backward(tg.tensor(g))
    ty.backward(torch.tensor(g))


def check_grads(pairs, atol=ATOL, rtol=RTOL):
    for ours, theirs in pairs:
        assert ours.grad is not None
        close(ours.grad, theirs.grad, atol, rtol)


# ---- cross entropy -----------------------------------------------------------------------------------
CE_CASES = [
    dict(),
    dict(reduction="sum"),
    dict(reduction="none"),
    dict(ignore_index=2),
    dict(label_smoothing=0.1),
    dict(label_smoothing=0.2, ignore_index=1, reduction="sum"),
    dict(weight=True),
    dict(weight=True, label_smoothing=0.15),
    dict(weight=True, label_smoothing=0.15, ignore_index=0, reduction="none"),
    dict(weight=True, ignore_index=3),
]


@pytest.mark.parametrize("kw", CE_CASES)
@pytest.mark.parametrize("layout", ["2d", "bct", "1d"])
def test_cross_entropy_class_targets(kw, layout, kernels):
    kw = dict(kw)
    C = 5
    shape = {"2d": (8, C), "bct": (3, C, 4), "1d": (C,)}[layout]
    tshape = {"2d": (8,), "bct": (3, 4), "1d": ()}[layout]
    x, tx = pair(*shape, scale=2.0)
    t = rng.integers(0, C, tshape)
    if layout != "1d" and "ignore_index" in kw:
        t.reshape(-1)[0] = kw["ignore_index"]  # make sure at least one row is ignored
    w = tw = None
    if kw.pop("weight", False):
        wa = rng.uniform(0.2, 2.0, C).astype(np.float32)
        w, tw = tg.tensor(wa), torch.tensor(wa)
    y = F.cross_entropy(x, tg.tensor(t), weight=w, **kw)
    ty = TF.cross_entropy(tx, torch.tensor(t), weight=tw, **kw)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(x, tx)])


@pytest.mark.parametrize("kw", [dict(), dict(reduction="sum"), dict(reduction="none"), dict(label_smoothing=0.1),
                                dict(weight=True), dict(weight=True, label_smoothing=0.3, reduction="none")])
@pytest.mark.parametrize("layout", ["2d", "bct"])
def test_cross_entropy_probability_targets(kw, layout):
    kw = dict(kw)
    C = 6
    shape = (7, C) if layout == "2d" else (2, C, 3)
    x, tx = pair(*shape)
    p = np.random.default_rng(3).dirichlet(np.ones(C), size=int(np.prod(shape)) // C).astype(np.float32)
    p = p.reshape(shape) if layout == "2d" else p.reshape(2, 3, C).transpose(0, 2, 1).copy()
    q, tq = tg.tensor(p, requires_grad=True), torch.tensor(p, requires_grad=True)
    w = tw = None
    if kw.pop("weight", False):
        wa = rng.uniform(0.2, 2.0, C).astype(np.float32)
        w, tw = tg.tensor(wa), torch.tensor(wa)
    y = F.cross_entropy(x, q, weight=w, **kw)
    ty = TF.cross_entropy(tx, tq, weight=tw, **kw)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(x, tx), (q, tq)])


def test_cross_entropy_keeps_float32_and_is_one_node():
    x = tg.randn(4, 10, requires_grad=True)
    y = F.cross_entropy(x, tg.tensor([1, 2, 3, 4]))
    assert y.dtype == np.float32
    assert type(y.grad_fn).__name__ == "CrossEntropy"
    y.backward()
    assert x.grad.dtype == np.float32


def test_cross_entropy_errors():
    x = tg.randn(4, 5)
    with pytest.raises(IndexError, match=r"cross_entropy: target 5 is out of bounds for 5 classes"):
        F.cross_entropy(x, tg.tensor([0, 1, 5, 2]))
    with pytest.raises(IndexError, match="cross_entropy: target -1"):
        F.cross_entropy(x, tg.tensor([0, 1, -1, 2]))
    with pytest.raises(RuntimeError, match=r"expected target shape \(4,\).*got \(3,\)"):
        F.cross_entropy(x, tg.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="probability targets must match"):
        F.cross_entropy(x, tg.rand(4, 6))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, tg.tensor([0, 1, 2, 3]), reduction="avg")

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bad", [5, -1, -101, 2**62, -2**63])
def test_cross_entropy_target_range_like_torch(dtype, bad):
    # the float32 kernel checks the ids as it reads them (no reduction before): any out-of-range id, after ignored
    # rows or not, raises IndexError as torch's does, naming the id; ignored rows and in-range ids still compute
    x = rand((4, 5), 3, dtype=dtype)
    for ids in ([0, -100, bad, 2], [bad, 1, 2, 3], [0, 1, 2, bad]):
        with pytest.raises(IndexError):
            torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(ids))
        with pytest.raises(IndexError, match=f"cross_entropy: target {bad} is out of bounds for 5 classes"):
            F.cross_entropy(tg.tensor(x, requires_grad=True), tg.tensor(ids))
    compare(lambda lib, a: lib.nn.functional.cross_entropy(a, lib.tensor([0, -100, 4, 2])), [x])



def test_cross_entropy_gradcheck():
    x = tg.tensor(rng.standard_normal((5, 4)), dtype=tg.float64, requires_grad=True)
    t = tg.tensor([0, 3, 1, 2, 1])
    w = tg.tensor(rng.uniform(0.5, 2, 4), dtype=tg.float64)
    for kw in [dict(), dict(label_smoothing=0.2, weight=w, ignore_index=1), dict(reduction="none")]:
        assert gradcheck(lambda a: F.cross_entropy(a, t, **kw), [x])
    q = tg.tensor(rng.dirichlet(np.ones(4), 5), dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1, weight=w), [x, q])


def test_nll_loss():
    for kw in [dict(), dict(ignore_index=1, reduction="sum"), dict(weight=True, reduction="none"),
               dict(weight=True, ignore_index=0)]:
        kw = dict(kw)
        x, tx = pair(6, 4)
        t = np.array([0, 1, 2, 3, 1, 0])
        w = tw = None
        if kw.pop("weight", False):
            wa = rng.uniform(0.2, 2.0, 4).astype(np.float32)
            w, tw = tg.tensor(wa), torch.tensor(wa)
        y = F.nll_loss(F.log_softmax(x, 1), tg.tensor(t), weight=w, **kw)
        ty = TF.nll_loss(TF.log_softmax(tx, 1), torch.tensor(t), weight=tw, **kw)
        close(y, ty)
        backward_both(y, ty)
        check_grads([(x, tx)])
    with pytest.raises(IndexError, match="nll_loss: target 7"):
        F.nll_loss(tg.randn(2, 4), tg.tensor([0, 7]))


# ---- softmax / activations ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax(name, dim):
    x, tx = pair(3, 4, 5, scale=3.0)
    y, ty = getattr(F, name)(x, dim=dim), getattr(TF, name)(tx, dim=dim)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(x, tx)])


@pytest.mark.parametrize("name,kw", [("gelu", {}), ("gelu", {"approximate": "tanh"}), ("relu", {}), ("tanh", {}),
                                     ("sigmoid", {}), ("silu", {}), ("softplus", {}), ("leaky_relu", {}),
                                     ("elu", {}), ("logsigmoid", {}), ("relu6", {}), ("hardtanh", {})])
def test_activations(name, kw):
    x, tx = pair(4, 7, scale=3.0)
    y = getattr(F, name)(x, **kw)
    ty = getattr(TF, name)(tx, **kw) if hasattr(TF, name) else getattr(torch, name)(tx, **kw)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(x, tx)])


# ---- linear / embedding / norms / dropout ------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(shape, bias):
    x, tx = pair(*shape)
    w, tw = pair(6, 3)
    b, tb = pair(6) if bias else (None, None)
    y, ty = F.linear(x, w, b), TF.linear(tx, tw, tb)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(x, tx), (w, tw)] + ([(b, tb)] if bias else []))


def test_linear_errors():
    with pytest.raises(RuntimeError, match=r"linear: input shape \(2, 4\) doesn't match weight shape \(3, 5\)"):
        F.linear(tg.randn(2, 4), tg.randn(3, 5))
    with pytest.raises(TypeError, match="linear: dtype mismatch"):
        F.linear(tg.randn(2, 5), tg.randn(3, 5, dtype=tg.float64))


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("vocab", [10, 3000])  # one-hot GEMM backward / sorted segment-sum backward
def test_embedding(padding_idx, vocab):
    w, tw = pair(vocab, 4)
    ids = rng.integers(0, 10, (3, 80))  # with repeats
    ids[0, :3] = vocab - 1
    ids[1, :3] = 2
    y = F.embedding(tg.tensor(ids), w, padding_idx=padding_idx)
    ty = TF.embedding(torch.tensor(ids), tw, padding_idx=padding_idx)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(w, tw)])


def test_embedding_errors():
    with pytest.raises(IndexError, match=r"embedding: index 10 is out of range for an embedding of 10 rows"):
        F.embedding(tg.tensor([[1, 10]]), tg.randn(10, 3))
    with pytest.raises(TypeError, match="embedding: expected integer indices"):
        F.embedding(tg.tensor([1.0]), tg.randn(10, 3))


@pytest.mark.parametrize("ns", [(6,), (4, 6)])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_layer_norm(ns, affine, kernels):
    x, tx = pair(2, 3, 4, 6, scale=2.0)
    x._data += 1.5
    tx.data += 1.5
    w, tw = pair(*ns) if affine != "none" else (None, None)
    b, tb = pair(*ns) if affine == "both" else (None, None)
    y, ty = F.layer_norm(x, ns, w, b), TF.layer_norm(tx, ns, tw, tb)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(x, tx)] + [(p, tp) for p, tp in ((w, tw), (b, tb)) if p is not None])


@pytest.mark.parametrize("affine", [True, False])
def test_rms_norm(affine):
    x, tx = pair(3, 5, 8)
    w, tw = pair(8) if affine else (None, None)
    y, ty = F.rms_norm(x, (8,), w, eps=1e-6), TF.rms_norm(tx, (8,), tw, eps=1e-6)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(x, tx)] + ([(w, tw)] if affine else []))
    close(F.rms_norm(x, (8,), w), TF.rms_norm(tx, (8,), tw))  # default eps: the dtype's eps


@pytest.mark.parametrize("shape", [(6, 4), (5, 4, 3)])
def test_batch_norm_functional(shape):
    x, tx = pair(*shape)
    w, tw = pair(4)
    b, tb = pair(4)
    rm, rv = tg.zeros(4), tg.ones(4)
    trm, trv = torch.zeros(4), torch.ones(4)
    y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3)
    ty = TF.batch_norm(tx, trm, trv, tw, tb, training=True, momentum=0.3)
    close(y, ty)
    close(rm, trm)
    close(rv, trv)
    backward_both(y, ty)
    check_grads([(x, tx), (w, tw), (b, tb)])
    close(F.batch_norm(x, rm, rv, w, b), TF.batch_norm(tx, trm, trv, tw, tb))


def test_dropout():
    x = tg.ones(200, 300, requires_grad=True)
    tg.manual_seed(0)
    y = F.dropout(x, 0.3)
    zero = (y.numpy() == 0).mean()
    assert abs(zero - 0.3) < 0.01
    np.testing.assert_allclose(y.numpy()[y.numpy() != 0], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())  # same mask, same scale
    assert F.dropout(x, 0.3, training=False) is x
    assert (F.dropout(x, 1.0).numpy() == 0).all()
    tg.manual_seed(0)
    np.testing.assert_array_equal(F.dropout(x, 0.3).numpy(), y.numpy())  # seeded
    with pytest.raises(ValueError, match="dropout: probability"):
        F.dropout(x, 1.5)


# ---- attention ---------------------------------------------------------------------------------------
def _sdpa_case(mask_kind, L=5, S=7):
    q, tq = pair(2, 3, L, 4)
    k, tk = pair(2, 3, S, 4)
    v, tv = pair(2, 3, S, 6)
    kw, tkw = {}, {}
    if mask_kind == "bool":
        m = rng.random((L, S)) > 0.3
        m[:, 0] = True  # no fully masked row
        kw["attn_mask"], tkw["attn_mask"] = tg.tensor(m), torch.tensor(m)
    elif mask_kind == "float":
        m = rng.standard_normal((2, 1, L, S)).astype(np.float32)
        kw["attn_mask"], tkw["attn_mask"] = tg.tensor(m), torch.tensor(m)
    elif mask_kind == "causal":
        kw["is_causal"] = tkw["is_causal"] = True
    elif mask_kind == "scale":
        kw["scale"] = tkw["scale"] = 0.3
    return (q, k, v, kw), (tq, tk, tv, tkw)


@pytest.mark.parametrize("mask_kind", ["none", "bool", "float", "causal", "scale"])
def test_sdpa(mask_kind, kernels):
    (q, k, v, kw), (tq, tk, tv, tkw) = _sdpa_case(mask_kind, S=5 if mask_kind == "causal" else 7)
    y = F.scaled_dot_product_attention(q, k, v, **kw)
    ty = TF.scaled_dot_product_attention(tq, tk, tv, **tkw)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(q, tq), (k, tk), (v, tv)])


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_fully_masked_row_is_zero_like_torch(kind):
    q, tq = pair(1, 2, 3, 4)
    m = np.ones((3, 3), bool)
    m[1] = False
    if kind == "float":
        m = np.where(m, 0.0, -np.inf).astype(np.float32)
    y = F.scaled_dot_product_attention(q, q, q, attn_mask=tg.tensor(m))
    ty = TF.scaled_dot_product_attention(tq, tq, tq, attn_mask=torch.tensor(m))
    close(y, ty)
    backward_both(y, ty)
    check_grads([(q, tq)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("causal", [True, False])
def test_sdpa_nan_and_inf_scores_like_torch(causal, dtype, kernels):
    # a NaN or +inf among the scores a query keeps makes its row NaN, a row of -inf only attends to nothing (0),
    # and a NaN past the causal cut changes nothing (the fused kernel once dropped NaN rows; the reference path
    # once let a NaN past the cut through)
    q = rng.standard_normal((2, 2, 6, 4)).astype(dtype)
    k, v = q.copy(), rng.standard_normal((2, 2, 6, 4)).astype(dtype)
    k[0, 0, 4, 1], k[1, 1, 3, 2], k[1, 0, 5, 0] = np.nan, np.inf, -np.inf
    k[0, 1, :] = -np.inf
    q[0, 1] = 1.0
    y = F.scaled_dot_product_attention(*(tg.tensor(a) for a in (q, k, v)), is_causal=causal)
    ty = TF.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)), is_causal=causal)
    assert np.array_equal(np.isnan(y.numpy()), np.isnan(ty.numpy()))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-5, atol=1e-6)


def test_sdpa_dropout_matches_torch_with_the_same_seed():
    # teenygrad's generator is torch's: the same seed draws the same dropout mask (causal or not, 3-D or 4-D)
    q, k, v = (tg.randn(2, 4, 3, requires_grad=True) for _ in range(3))
    for causal, lead in ((False, ()), (True, (1,))):
        tq, tk, tv = (tg.tensor(t.numpy()).reshape(lead + (2, 4, 3)) for t in (q, k, v))
        tg.manual_seed(5)
        y = F.scaled_dot_product_attention(tq, tk, tv, dropout_p=0.5, is_causal=causal)
        torch.manual_seed(5)
        ref = TF.scaled_dot_product_attention(*(torch.tensor(t.numpy()) for t in (tq, tk, tv)), dropout_p=0.5,
                                              is_causal=causal)
        close(y, ref)
        assert not np.allclose(y.numpy(), F.scaled_dot_product_attention(tq, tk, tv, is_causal=causal).numpy())


def test_sdpa_gradcheck_and_errors():
    q, k, v = (tg.tensor(rng.standard_normal((2, 3, 4)), dtype=tg.float64, requires_grad=True) for _ in range(3))
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True), [q, k, v])
    m = tg.tensor(rng.standard_normal((3, 3)))
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=m, scale=0.7), [q, k, v])
    gen = tg.Generator()
    # reseeding inside the function keeps the dropout mask fixed across the finite-difference evaluations
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, dropout_p=0.3,
                                                                    generator=gen.manual_seed(1)), [q, k, v])
    assert gradcheck(lambda a: F.dropout(a, 0.4, generator=gen.manual_seed(2)), [q])
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention: shapes don't fit"):
        F.scaled_dot_product_attention(tg.randn(2, 3, 4), tg.randn(2, 3, 5), tg.randn(2, 3, 5))
    with pytest.raises(RuntimeError, match=r"attn_mask shape \(2, 2\)"):
        F.scaled_dot_product_attention(tg.randn(3, 4), tg.randn(3, 4), tg.randn(3, 4),
                                       attn_mask=tg.ones(2, 2, dtype=tg.bool))


# ---- gradchecks of the other fused ops ---------------------------------------------------------------
def _d(*shape):
    return tg.tensor(rng.standard_normal(shape), dtype=tg.float64, requires_grad=True)


def test_fused_gradchecks():
    x, w, b = _d(3, 5), _d(4, 5), _d(4)
    assert gradcheck(lambda a, c, d: F.linear(a, c, d), [x, w, b])
    x3, g, be = _d(2, 3, 6), _d(6), _d(6)
    assert gradcheck(lambda a, c, d: F.layer_norm(a, (6,), c, d), [x3, g, be])
    assert gradcheck(lambda a, c: F.rms_norm(a, (6,), c), [x3, g])
    xb, gb, bb = _d(4, 3, 2), _d(3), _d(3)
    assert gradcheck(lambda a, c, d: F.batch_norm(a, None, None, c, d, training=True), [xb, gb, bb])
    emb = _d(6, 3)
    assert gradcheck(lambda e: F.embedding(tg.tensor([[0, 5, 5], [1, 0, 2]]), e), [emb])
    assert gradcheck(lambda a: F.softmax(a, -1), [x])
    assert gradcheck(lambda a: F.log_softmax(a, 0), [x])
    assert gradcheck(lambda a: F.gelu(a), [x])


# ---- simple losses -----------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(reduction):
    for name in ["mse_loss", "l1_loss", "smooth_l1_loss"]:
        x, tx = pair(4, 5)
        t, tt = pair(4, 5, grad=False)
        y, ty = getattr(F, name)(x, t, reduction=reduction), getattr(TF, name)(tx, tt, reduction=reduction)
        close(y, ty)
        backward_both(y, ty)
        check_grads([(x, tx)])


@pytest.mark.parametrize("kw", [dict(), dict(reduction="sum"), dict(weight=True), dict(pos_weight=True),
                                dict(reduction="none", pos_weight=True, weight=True)])
def test_bce(kw):
    kw = dict(kw)
    x, tx = pair(6, 3, scale=3.0)
    ta = rng.random((6, 3)).astype(np.float32)
    t, tt = tg.tensor(ta), torch.tensor(ta)
    extra, textra = {}, {}
    for name in ("weight", "pos_weight"):
        if kw.pop(name, False):
            a = rng.uniform(0.5, 2, 3).astype(np.float32)
            extra[name], textra[name] = tg.tensor(a), torch.tensor(a)
    y = F.binary_cross_entropy_with_logits(x, t, **extra, **kw)
    ty = TF.binary_cross_entropy_with_logits(tx, tt, **textra, **kw)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(x, tx)])
    extra.pop("pos_weight", None)
    textra.pop("pos_weight", None)
    p, tp = tg.tensor(F.sigmoid(x).numpy(), requires_grad=True), torch.tensor(F.sigmoid(x).numpy(), requires_grad=True)
    y = F.binary_cross_entropy(p, t, **extra, **kw)
    ty = TF.binary_cross_entropy(tp, tt, **textra, **kw)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(p, tp)])


def test_loss_shape_errors():
    with pytest.raises(RuntimeError, match=r"mse_loss: input shape \(3, 2\) and target shape \(3,\)"):
        F.mse_loss(tg.randn(3, 2), tg.randn(3))
    with pytest.raises(RuntimeError, match="binary_cross_entropy: all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([1.5]), tg.tensor([1.0]))


def test_one_hot_and_pad():
    t = tg.tensor([0, 2, 1])
    np.testing.assert_array_equal(F.one_hot(t, 4).numpy(), TF.one_hot(torch.tensor([0, 2, 1]), 4).numpy())
    x, tx = pair(2, 3, 4)
    y, ty = F.pad(x, (1, 2, 0, 1), value=0.5), TF.pad(tx, (1, 2, 0, 1), value=0.5)
    close(y, ty)
    backward_both(y, ty)
    check_grads([(x, tx)])


def test_softplus_nan_passes_through_without_a_warning():
    import warnings
    vals = [float("nan"), 1.0, -30.0, 30.0]
    x, xt = tg.tensor(vals, requires_grad=True), torch.tensor(vals, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's logaddexp(0, nan) warned "invalid value"
        y = tg.nn.functional.softplus(x)
        y.sum().backward()
    yt = torch.nn.functional.softplus(xt)
    yt.sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6, equal_nan=True)


def _top_level_cases():
    r = np.random.default_rng(3)
    x4 = r.standard_normal((2, 4, 6, 6)).astype(np.float32)
    x3 = r.standard_normal((2, 4, 9)).astype(np.float32)
    v = r.standard_normal((3, 5)).astype(np.float32)
    return [("selu", (x3,), {}), ("celu", (x3, 0.7), {}), ("prelu", (x3, np.full(4, 0.2, np.float32)), {}),
            ("rrelu", (x3, 0.1, 0.3), {}), ("threshold", (x3, 0.1, -1.0), {}), ("hardshrink", (x3, 0.4), {}),
            ("conv1d", (x3, r.standard_normal((3, 4, 3)).astype(np.float32)), {"padding": 1}),
            ("conv2d", (x4, r.standard_normal((3, 4, 3, 3)).astype(np.float32)), {"stride": 2}),
            ("conv_transpose1d", (x3, r.standard_normal((4, 2, 3)).astype(np.float32)), {"stride": 2}),
            ("conv_transpose2d", (x4, r.standard_normal((4, 2, 3, 3)).astype(np.float32)), {}),
            ("pixel_shuffle", (x4, 2), {}), ("pixel_unshuffle", (x4, 2), {}), ("channel_shuffle", (x4, 2), {}),
            ("cosine_similarity", (v, v[::-1].copy()), {}), ("pairwise_distance", (v, v[::-1].copy()), {}),
            ("max_pool1d", (x3, 2), {}), ("max_pool2d", (x4, 2), {}), ("avg_pool1d", (x3, 3), {}),
            ("adaptive_avg_pool1d", (x3, 4), {})]


@pytest.mark.parametrize("name,args,kw", _top_level_cases(), ids=[c[0] for c in _top_level_cases()])
def test_torch_level_spellings_of_functional_ops(name, args, kw):
    # torch.selu(x), torch.conv2d(x, w), ...: the same values and gradients as torch's top-level functions
    ours = [tg.tensor(a, requires_grad=True) if isinstance(a, np.ndarray) else a for a in args]
    theirs = [torch.tensor(a, requires_grad=True) if isinstance(a, np.ndarray) else a for a in args]
    y, yt = getattr(tg, name)(*ours, **kw), getattr(torch, name)(*theirs, **kw)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    yt.sum().backward()
    for a, b in zip(ours, theirs):
        if isinstance(a, tg.Tensor):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_torch_level_in_place_activations():
    x = np.random.default_rng(4).standard_normal(7).astype(np.float32)
    for name in ("relu_", "sigmoid_", "tanh_", "exp_", "selu_", "celu_", "threshold_"):
        a, b = tg.tensor(x), torch.tensor(x)
        args = (0.1, -1.0) if name == "threshold_" else ()
        getattr(tg, name)(a, *args)
        getattr(torch, name)(b, *args)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
