"""nn gaps against torch: fractional_max_pool3d, adaptive_max_pool*_with_indices, native_channel_shuffle, conv_tbc,
linear_cross_entropy (+ LinearCrossEntropyLoss / Options), NLLLoss2d, RNNCellBase, nn.grad, and the fuzz fixes
(Embedding repr, bilinear / embedding dtype checks, cosine_similarity promotion)."""
import warnings
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
import teenygrad as tg
import teenygrad.nn.functional as F

ATOL = 1e-5


def _pair(a, grad=True):
    g = grad and a.dtype.kind == "f"
    return torch.tensor(a, requires_grad=g), tg.tensor(a, requires_grad=g)


def _close(a, b, atol=ATOL):
    a = a.detach().numpy() if isinstance(a, torch.Tensor) else a
    b = b.detach().numpy() if isinstance(b, tg.Tensor) else b
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(b, a, atol=atol, rtol=1e-5, equal_nan=True)


def _err(fn_t, fn_m, exc=RuntimeError, match=None):
    with pytest.raises(Exception) as et:
        fn_t()
    with pytest.raises(exc, match=match):
        fn_m()
    assert isinstance(et.value, exc) or exc is RuntimeError


# ---- fractional max pooling 3-D --------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(kernel_size=2, output_size=(3, 4, 5)),
                                dict(kernel_size=(2, 3, 1), output_ratio=(0.5, 0.6, 0.7)),
                                dict(kernel_size=3, output_size=2)])
def test_fractional_max_pool3d_seeded_matches_torch(kw):
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 8, 7)).astype(np.float32)
    x[0, 1, 2, 2, 2] = np.nan
    tx, mx = _pair(x)
    tx_v, mx_v = tx.permute(0, 1, 4, 3, 2), mx.permute(0, 1, 4, 3, 2)  # non-contiguous views
    torch.manual_seed(7)
    a, ai = TF.fractional_max_pool3d(tx_v, return_indices=True, **kw)
    tg.manual_seed(7)
    b, bi = F.fractional_max_pool3d(mx_v, return_indices=True, **kw)
    _close(a, b)
    assert bi.dtype == tg.int64 and (ai.numpy() == bi.numpy()).all()
    g = np.random.default_rng(2).standard_normal(a.shape).astype(np.float32)
    a.backward(torch.tensor(g))
    b.backward(tg.tensor(g))
    _close(tx.grad, mx.grad)


def test_fractional_max_pool3d_explicit_samples_unbatched_and_module():
    x = np.random.default_rng(3).standard_normal((3, 6, 7, 8)).astype(np.float32)
    s = np.random.default_rng(4).random((1, 3, 3)).astype(np.float32)
    a = TF.fractional_max_pool3d(torch.tensor(x), 2, output_size=(3, 4, 5), _random_samples=torch.tensor(s))
    b = F.fractional_max_pool3d(tg.tensor(x), 2, output_size=(3, 4, 5), _random_samples=tg.tensor(s))
    _close(a, b)
    a, ai = TF.fractional_max_pool3d_with_indices(torch.tensor(x), 2, output_ratio=0.5, _random_samples=torch.tensor(s))
    b, bi = F.fractional_max_pool3d_with_indices(tg.tensor(x), 2, output_ratio=0.5, _random_samples=tg.tensor(s))
    _close(a, b)
    assert (ai.numpy() == bi.numpy()).all()
    tm = torch.nn.FractionalMaxPool3d((2, 3, 2), output_size=(3, 2, 4), return_indices=True)
    mm = tg.nn.FractionalMaxPool3d((2, 3, 2), output_size=(3, 2, 4), return_indices=True)
    assert (repr(tm), tm.kernel_size, tm.output_size) == (repr(mm), mm.kernel_size, mm.output_size)
    torch.manual_seed(3)
    tg.manual_seed(3)
    xb = np.random.default_rng(5).standard_normal((2, 3, 6, 7, 8)).astype(np.float32)
    (a, ai), (b, bi) = tm(torch.tensor(xb)), mm(tg.tensor(xb))
    _close(a, b)
    assert (ai.numpy() == bi.numpy()).all()
    r = tg.nn.FractionalMaxPool3d(2, output_ratio=0.5)
    assert r.output_ratio == (0.5, 0.5, 0.5) and r(tg.randn(1, 2, 8, 8, 8)).shape == (1, 2, 4, 4, 4)


def test_fractional_max_pool3d_errors():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8, 9)).astype(np.float32)
    tx, mx = torch.tensor(x), tg.tensor(x)
    _err(lambda: TF.fractional_max_pool3d(tx, 2), lambda: F.fractional_max_pool3d(mx, 2), ValueError,
         "either an output_size or an output_ratio")
    _err(lambda: TF.fractional_max_pool3d(tx, (2, 3), output_size=3),
         lambda: F.fractional_max_pool3d(mx, (2, 3), output_size=3), RuntimeError, "three Ints")
    _err(lambda: TF.fractional_max_pool3d(tx, 2, output_size=(7, 4, 5)),
         lambda: F.fractional_max_pool3d(mx, 2, output_size=(7, 4, 5)), RuntimeError, "pool time 2 too large")
    for bad, match in ((np.zeros((2, 3, 2)), "size\\(2\\)|\\(N, C, 3\\)"), (np.zeros((1, 3, 3)), "size\\(0\\)"),
                       (np.zeros((2, 4, 3)), "size\\(1\\)"), (np.zeros((2, 3, 3), np.float64), "same dtype")):
        _err(lambda: TF.fractional_max_pool3d(tx, 2, output_size=3, _random_samples=torch.tensor(bad)),
             lambda: F.fractional_max_pool3d(mx, 2, output_size=3, _random_samples=tg.tensor(bad)), RuntimeError,
             match)
    with pytest.raises(ValueError, match="between 0 and 1"):
        tg.nn.FractionalMaxPool3d(2, output_ratio=1.5)
    with pytest.raises(ValueError, match="only one"):
        tg.nn.FractionalMaxPool3d(2, output_size=2, output_ratio=0.5)


# ---- adaptive max pool with indices, channel shuffle, conv_tbc -------------------------------------
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_adaptive_max_pool_with_indices(nd):
    x = np.random.default_rng(nd).standard_normal((2, 3) + (7, 6, 5)[:nd]).astype(np.float32)
    tx, mx = _pair(x)
    a, ai = getattr(TF, f"adaptive_max_pool{nd}d_with_indices")(tx.transpose(-1, -2) if nd > 1 else tx, 3)
    b, bi = getattr(F, f"adaptive_max_pool{nd}d_with_indices")(mx.transpose(-1, -2) if nd > 1 else mx, 3)
    _close(a, b)
    assert (ai.numpy() == bi.numpy()).all()
    a.sum().backward()
    b.sum().backward()
    _close(tx.grad, mx.grad)


def test_native_channel_shuffle():
    x = np.random.default_rng(0).standard_normal((2, 6, 3, 4)).astype(np.float32)
    tx, mx = _pair(x)
    a, b = TF.native_channel_shuffle(tx.transpose(2, 3), 3), F.native_channel_shuffle(mx.transpose(2, 3), 3)
    _close(a, b)
    a = TF.channel_shuffle(tx.transpose(2, 3), 3)  # torch's native kernel has no derivative; teenygrad's is this one
    a.sum().backward()
    b.sum().backward()
    _close(tx.grad, mx.grad)
    for args, match in (((np.zeros((2, 6)), 3), "> 2 dims"), ((x, 4), "divisible by groups"),
                        ((x, 0), "must be positive")):
        _err(lambda: TF.native_channel_shuffle(torch.tensor(args[0]), args[1]),
             lambda: F.native_channel_shuffle(tg.tensor(args[0]), args[1]), RuntimeError, match)


@pytest.mark.parametrize("pad", [0, 1, 2, -1])
def test_conv_tbc(pad):
    rng = np.random.default_rng(pad + 5)
    x = rng.standard_normal((7, 2, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 4)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    (tx, mx), (tw, mw), (tb, mb) = _pair(x), _pair(w), _pair(bias)
    a = TF.conv_tbc(tx, tw.transpose(1, 2).contiguous().transpose(1, 2), tb, pad)  # non-contiguous weight view
    b = F.conv_tbc(mx, mw.transpose(1, 2).contiguous().transpose(1, 2), mb, pad)
    _close(a, b)
    g = rng.standard_normal(a.shape).astype(np.float32)
    a.backward(torch.tensor(g))
    b.backward(tg.tensor(g))
    for t, m in ((tx, mx), (tw, mw), (tb, mb)):
        _close(t.grad, m.grad)


def test_conv_tbc_errors():
    x, w, b = np.zeros((7, 2, 3), np.float32), np.zeros((3, 3, 4), np.float32), np.zeros(4, np.float32)
    for args, match in (((x[0], w, b), "Input must have 3 dims"), ((x, w[0], b), "Weight tensor must have 3 dims"),
                        ((x, np.zeros((3, 5, 4), np.float32), b), "input channels"),
                        ((x, w, np.zeros(5, np.float32)), "Bias size"),
                        ((x, np.zeros((9, 3, 4), np.float32), b), "negative dimension"),
                        ((x.astype(np.float64), w, b), "dtype")):
        _err(lambda: TF.conv_tbc(*[torch.tensor(a) for a in args]), lambda: F.conv_tbc(*[tg.tensor(a) for a in args]),
             RuntimeError, match)


# ---- linear_cross_entropy, LinearCrossEntropyLoss, NLLLoss2d ---------------------------------------
@pytest.mark.parametrize("kw", [dict(), dict(reduction="sum", label_smoothing=0.1),
                                dict(ignore_index=2, reduction="none"), dict(probs=True), dict(kdim=True),
                                dict(unbatched=True)])
def test_linear_cross_entropy(kw):
    rng = np.random.default_rng(len(kw))
    kw = dict(kw)
    probs, kdim, unbatched = kw.pop("probs", False), kw.pop("kdim", False), kw.pop("unbatched", False)
    x = rng.standard_normal((5,) if unbatched else (4, 5)).astype(np.float32)
    wshape = (6, 2, 3, 5) if kdim else (6, 5)
    w = rng.standard_normal(wshape).astype(np.float32)
    bias = rng.standard_normal(wshape[:-1]).astype(np.float32)
    batch = () if unbatched else (4,)
    if probs:
        t = rng.random(batch + (6,)).astype(np.float32)
    else:
        t = rng.integers(0, 6, batch + wshape[1:-1])
    (tx, mx), (tw, mw), (tb, mb) = _pair(x), _pair(w), _pair(bias)
    a = TF.linear_cross_entropy(tx, tw, torch.tensor(t), linear_bias=tb, **kw)
    b = F.linear_cross_entropy(mx, mw, tg.tensor(t), linear_bias=mb, **kw)
    _close(a, b)
    a.sum().backward()
    b.sum().backward()
    for tt, m in ((tx, mx), (tw, mw), (tb, mb)):
        _close(tt.grad, m.grad)


def test_linear_cross_entropy_errors_and_options():
    x, w, t = np.zeros((4, 5), np.float32), np.zeros((6, 5), np.float32), np.zeros(4, np.int64)
    cases = [((x[None], w, t), {}, "dimensionality 1 or 2"), ((x, w[0], t), {}, "at least 2"),
             ((x, np.zeros((6, 4), np.float32), t), {}, "in_features"),
             ((x, w, t), {"linear_bias": np.zeros(5, np.float32)}, "linear_bias shape"),
             ((x[0], np.zeros((6, 2, 5), np.float32), t[0]), {}, "requires batched input"),
             ((x, w, np.zeros((4, 6), np.float32)), {"ignore_index": 1}, "probabilities")]
    for args, extra, match in cases:
        _err(lambda: TF.linear_cross_entropy(*[torch.tensor(a) for a in args],
                                             **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                                for k, v in extra.items()}),
             lambda: F.linear_cross_entropy(*[tg.tensor(a) for a in args],
                                            **{k: tg.tensor(v) if isinstance(v, np.ndarray) else v
                                               for k, v in extra.items()}), RuntimeError, match)
    assert repr(tg.nn.LinearCrossEntropyOptions()) == repr(torch.nn.LinearCrossEntropyOptions())
    for bad in (dict(acc_policy="fast"), dict(chunking_method="rows"), dict(batch_chunk_size=0)):
        with pytest.raises(ValueError):
            torch.nn.LinearCrossEntropyOptions(**bad)
        with pytest.raises(ValueError):
            tg.nn.LinearCrossEntropyOptions(**bad)
    with pytest.warns(UserWarning, match="options.*ignored"):
        F.linear_cross_entropy(tg.tensor(x), tg.tensor(w), tg.tensor(t), label_smoothing=0.1,
                               options=tg.nn.LinearCrossEntropyOptions())


def test_linear_cross_entropy_loss_module():
    torch.manual_seed(0)
    tg.manual_seed(0)
    tl = torch.nn.LinearCrossEntropyLoss(5, 6, out_features=(2, 3), bias=True, label_smoothing=0.2)
    ml = tg.nn.LinearCrossEntropyLoss(5, 6, out_features=(2, 3), bias=True, label_smoothing=0.2)
    assert repr(tl) == repr(ml)
    ml.linear.weight.data = tg.tensor(tl.linear.weight.detach().numpy())
    ml.linear.bias.data = tg.tensor(tl.linear.bias.detach().numpy())
    rng = np.random.default_rng(9)
    x, t = rng.standard_normal((4, 5)).astype(np.float32), rng.integers(0, 6, (4, 2, 3))
    a, b = tl(torch.tensor(x), torch.tensor(t)), ml(tg.tensor(x), tg.tensor(t))
    _close(a, b)
    a.backward()
    b.backward()
    _close(tl.linear.weight.grad, ml.linear.weight.grad)
    with pytest.raises(RuntimeError, match="weight shape"):
        tg.nn.LinearCrossEntropyLoss(5, 6, weight=tg.ones(5))
    with pytest.raises(RuntimeError, match="label_smoothing"):
        tg.nn.LinearCrossEntropyLoss(5, 6, label_smoothing=1.5)


def test_nllloss2d_is_deprecated_nllloss():
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        m = tg.nn.NLLLoss2d(ignore_index=1)
    assert isinstance(m, tg.nn.NLLLoss) and repr(m) == "NLLLoss2d()"
    x = np.random.default_rng(0).standard_normal((2, 4, 3, 3)).astype(np.float32)
    t = np.random.default_rng(1).integers(0, 4, (2, 3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        a = torch.nn.NLLLoss2d(ignore_index=1)(torch.tensor(x), torch.tensor(t))
    _close(a, m(tg.tensor(x), tg.tensor(t)))


# ---- RNNCellBase ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cells_subclass_rnncellbase(name):
    tc, mc = getattr(torch.nn, name)(3, 4, bias=False), getattr(tg.nn, name)(3, 4, bias=False)
    assert isinstance(mc, tg.nn.RNNCellBase) and repr(tc) == repr(mc)
    assert [(n, tuple(p.shape)) for n, p in tc.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in mc.named_parameters()]
    for n, p in tc.named_parameters():
        getattr(mc, n).data = tg.tensor(p.detach().numpy())
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    a, b = tc(torch.tensor(x)), mc(tg.tensor(x))
    for u, v in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
        _close(u, v)


def test_rnncellbase_itself():
    tb, mb = torch.nn.RNNCellBase(3, 4, True, 2), tg.nn.RNNCellBase(3, 4, True, 2)
    assert repr(tb) == repr(mb) and mb.__constants__ == tb.__constants__
    assert [(n, tuple(p.shape)) for n, p in tb.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in mb.named_parameters()]
    assert float(mb.weight_ih.abs().max().item()) <= 0.5
    with pytest.raises(NotImplementedError):
        mb(tg.randn(2, 3))
    assert repr(tg.nn.RNNCell(3, 4, nonlinearity="relu")) == repr(torch.nn.RNNCell(3, 4, nonlinearity="relu"))


# ---- nn.grad ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("s,p,d,g", [(1, 0, 1, 1), (2, 1, 1, 2), (3, 2, 2, 1), (2, 0, 3, 3)])
def test_nn_grad_conv(nd, s, p, d, g):
    from torch.nn import grad as TG
    rng = np.random.default_rng(nd * 10 + s)
    N, Cg, Cout = 2, 2, 3 * g
    x = rng.standard_normal((N, Cg * g) + (9, 8, 7)[:nd]).astype(np.float32)
    w = rng.standard_normal((Cout, Cg) + (3, 2, 2)[:nd]).astype(np.float32)
    out = getattr(TF, f"conv{nd}d")(torch.tensor(x), torch.tensor(w), stride=s, padding=p, dilation=d, groups=g)
    go = rng.standard_normal(out.shape).astype(np.float32)
    (tw, mw), (tgo, mgo), (tx, mx) = _pair(w), _pair(go), _pair(x)
    a = getattr(TG, f"conv{nd}d_input")(x.shape, tw, tgo, s, p, d, g)
    b = getattr(tg.nn.grad, f"conv{nd}d_input")(x.shape, mw, mgo, s, p, d, g)
    _close(a, b, 1e-4)
    aw = getattr(TG, f"conv{nd}d_weight")(tx, w.shape, tgo, s, p, d, g)
    bw = getattr(tg.nn.grad, f"conv{nd}d_weight")(mx.transpose(0, 1).contiguous().transpose(0, 1), w.shape, mgo,
                                                   s, p, d, g)
    _close(aw, bw, 1e-4)
    (a.sum() + (aw * aw).sum()).backward()
    (b.sum() + (bw * bw).sum()).backward()
    for t, m in ((tw, mw), (tgo, mgo), (tx, mx)):
        _close(t.grad, m.grad, 1e-3)


def test_nn_grad_errors():
    from torch.nn import grad as TG
    x, w, go = np.zeros((2, 4, 9), np.float32), np.zeros((6, 2, 3), np.float32), np.zeros((2, 6, 4), np.float32)
    _err(lambda: TG.conv1d_input((2, 5, 9), torch.tensor(w), torch.tensor(go), 2, 0, 1, 2),
         lambda: tg.nn.grad.conv1d_input((2, 5, 9), tg.tensor(w), tg.tensor(go), 2, 0, 1, 2), RuntimeError,
         "expected input\\[2, 5, 9\\] to have 4 channels")
    _err(lambda: TG.conv1d_input((2, 4), torch.tensor(w), torch.tensor(go), 2, 0, 1, 2),
         lambda: tg.nn.grad.conv1d_input((2, 4), tg.tensor(w), tg.tensor(go), 2, 0, 1, 2), RuntimeError,
         "3-dimensional input")
    _err(lambda: TG.conv1d_weight(torch.tensor(x), (6, 2, 3), torch.zeros(2, 6, 5), 2, 0, 1, 2),
         lambda: tg.nn.grad.conv1d_weight(tg.tensor(x), (6, 2, 3), tg.zeros(2, 6, 5), 2, 0, 1, 2), RuntimeError,
         "grad_output|primitive")


# ---- fuzz fixes ------------------------------------------------------------------------------------
def test_embedding_repr_scale_grad_by_freq():
    kw = dict(padding_idx=0, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True)
    assert repr(tg.nn.Embedding(4, 3, **kw)) == repr(torch.nn.Embedding(4, 3, **kw))
    assert repr(tg.nn.Embedding(4, 3, scale_grad_by_freq=True)) == \
           repr(torch.nn.Embedding(4, 3, scale_grad_by_freq=True))


def test_bilinear_dtype_check():
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    w, b = rng.standard_normal((5, 3, 4)).astype(np.float32), rng.standard_normal(5)
    for args in ((x1, x2, w), (x1.astype(np.float32), x2, w), (x1.astype(np.float32), x2.astype(np.float32), w, b)):
        _err(lambda: TF.bilinear(*[torch.tensor(a) for a in args]), lambda: F.bilinear(*[tg.tensor(a) for a in args]),
             RuntimeError, "All tensors must have the same dtype")
    (t1, m1), (t2, m2), (tw, mw) = _pair(x1), _pair(x2), _pair(w.astype(np.float64))
    _close(TF.bilinear(t1, t2, tw), F.bilinear(m1, m2, mw))


def test_embedding_index_dtypes():
    w = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for dtype in ("uint8", "int16", "int8"):
        idx = np.array([1, 2])
        _err(lambda: TF.embedding(torch.tensor(idx).to(getattr(torch, dtype)), torch.tensor(w)),
             lambda: F.embedding(tg.tensor(idx).to(getattr(tg, dtype)), tg.tensor(w)), RuntimeError,
             "Expected tensor for argument #1 'indices'.*Long, Int")
    _close(TF.embedding(torch.tensor([1, 3], dtype=torch.int32), torch.tensor(w)),
           F.embedding(tg.tensor([1, 3], dtype=tg.int32), tg.tensor(w)))


def test_cosine_similarity_promotes():
    rng = np.random.default_rng(0)
    i = rng.integers(-3, 4, (3, 4))
    f = rng.standard_normal((4, 3)).astype(np.float32)
    (tf_, mf) = _pair(f)
    a = TF.cosine_similarity(torch.tensor(i), tf_.t())  # int beside a non-contiguous float view
    b = F.cosine_similarity(tg.tensor(i), mf.t())
    assert b.dtype == tg.float32
    _close(a, b)
    a.sum().backward()
    b.sum().backward()
    _close(tf_.grad, mf.grad)
    _close(TF.cosine_similarity(torch.tensor(f, dtype=torch.float64), torch.tensor(f)),
           F.cosine_similarity(tg.tensor(f.astype(np.float64)), tg.tensor(f)))
    _err(lambda: TF.cosine_similarity(torch.tensor(i), torch.tensor(i)),
         lambda: F.cosine_similarity(tg.tensor(i), tg.tensor(i)), RuntimeError, "floating point")


@pytest.mark.parametrize("d1,d2", [("int64", "float32"), ("float32", "int64"), ("float32", "float64"),
                                   ("float64", "float32")])
def test_cdist_refuses_what_torch_refuses(d1, d2):
    # int64 inputs gave float32 distances and float32 beside float64 gave float64; torch raises
    a = np.ones((2, 3))
    with pytest.raises(RuntimeError) as want:
        torch.cdist(torch.tensor(a, dtype=getattr(torch, d1)), torch.tensor(a, dtype=getattr(torch, d2)))
    with pytest.raises(RuntimeError, match="cdist") as got:
        tg.cdist(tg.tensor(a, dtype=getattr(tg, d1)), tg.tensor(a, dtype=getattr(tg, d2)))
    assert ("floating-point" in str(want.value)) == ("floating-point" in str(got.value))
