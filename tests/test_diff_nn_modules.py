"""Differential tests of nn modules and nn.functional against torch, at argument combinations where a sweep found a
silently different answer (values, gradients, module state, or a missing error). Each builds the same numpy values in
both frameworks and compares; tolerances are stated once."""
import numpy as np
import pytest
import torch
import torch.nn as TN
import torch.nn.functional as TF
import teenygrad as tg
import teenygrad.nn as nn
import teenygrad.nn.functional as F
import teenygrad.nn.init as init

ATOL, RTOL = 1e-5, 1e-4


def rnd(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def close(ours, theirs, atol=ATOL, rtol=RTOL):
    a = ours.numpy() if isinstance(ours, tg.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy()
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)


def pair(a, requires_grad=True):
    return tg.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def raises_like_torch(ours, theirs):
    """torch raises on this input; so must we."""
    with pytest.raises(Exception):
        theirs()
    with pytest.raises((ValueError, TypeError, RuntimeError)):
        ours()


# ---- max pooling: an input element equal to the padding's -inf must win over the padding ---------------------------
@pytest.mark.parametrize("nd", [1, 2])
def test_max_pool_neg_inf_input_beats_padding(nd):
    x = rnd(*((1, 2) + (5,) * nd))
    x[..., 0] = -np.inf  # windows at the left edge hold only padding and -inf input
    if nd == 2:
        x[..., 0, :] = -np.inf
    o, t = pair(x)
    fo, ft = (F.max_pool1d, TF.max_pool1d) if nd == 1 else (F.max_pool2d, TF.max_pool2d)
    yo, io = fo(o, 3, stride=1, padding=1, return_indices=True)
    yt, it = ft(t, 3, stride=1, padding=1, return_indices=True)
    close(yo, yt)
    np.testing.assert_array_equal(io.numpy(), it.numpy())
    g = rnd(*yt.shape, seed=1)
    yo.backward(tg.tensor(g))
    yt.backward(torch.tensor(g))
    close(o.grad, t.grad)


# ---- inplace=True writes the result into the input, as torch ------------------------------------------------------
@pytest.mark.parametrize("name,kw", [("ReLU", {}), ("ReLU6", {}), ("SiLU", {}), ("LeakyReLU", {"negative_slope": 0.2}),
                                     ("ELU", {"alpha": 0.5}), ("Hardtanh", {"min_val": -0.5, "max_val": 0.7}),
                                     ("Dropout", {"p": 1.0}), ("Dropout1d", {"p": 1.0})])
def test_inplace_modules_write_into_input(name, kw):
    x = rnd(3, 4) * 3
    o, t = pair(x)
    yo, yt = o * 2, t * 2
    ro = getattr(nn, name)(inplace=True, **kw)(yo)
    rt = getattr(TN, name)(inplace=True, **kw)(yt)
    assert (ro is yo) == (rt is yt)
    close(yo, yt)  # the input itself now holds the result
    w = rnd(3, 4, seed=1)
    (yo * tg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(o.grad, t.grad)


@pytest.mark.parametrize("fn", ["relu", "relu6", "silu", "leaky_relu", "elu", "hardtanh", "dropout"])
def test_inplace_functional_without_graph(fn):
    x = rnd(3, 4) * 3
    o, t = tg.tensor(x), torch.tensor(x)
    kw = {"p": 1.0} if fn == "dropout" else {}
    getattr(F, fn)(o[:, 1:3], inplace=True, **kw)  # through a view: the base sees it
    getattr(TF, fn)(t[:, 1:3], inplace=True, **kw)
    close(o, t)


def test_hardtanh_integer_input_and_bounds():
    x = np.arange(-3, 9)
    close(F.hardtanh(tg.tensor(x), -1.5, 1.5), TF.hardtanh(torch.tensor(x), -1.5, 1.5))
    close(F.relu6(tg.tensor(x)), TF.relu6(torch.tensor(x)))
    raises_like_torch(lambda: nn.Hardtanh(1.0, 1.0), lambda: TN.Hardtanh(1.0, 1.0))
    raises_like_torch(lambda: F.leaky_relu(tg.tensor(x)), lambda: TF.leaky_relu(torch.tensor(x)))


# ---- a float attention mask that requires grad gets its gradient ---------------------------------------------------
@pytest.mark.parametrize("mshape", [(4, 6), (3, 4, 6), (2, 1, 4, 6)])
def test_sdpa_learned_float_mask_gradient(mshape):
    arrays = [rnd(2, 3, 4, 8), rnd(2, 3, 6, 8, seed=1), rnd(2, 3, 6, 5, seed=2), rnd(*mshape, seed=3)]
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    yo = F.scaled_dot_product_attention(*ours, scale=0.7)
    yt = TF.scaled_dot_product_attention(*theirs, scale=0.7)
    close(yo, yt)
    g = rnd(*yt.shape, seed=5)
    yo.backward(tg.tensor(g))
    yt.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        close(a.grad, b.grad, 1e-4, 1e-3)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("which", ["attn_mask", "attn_mask_3d", "key_padding_mask", "attn_mask+bool_kpm"])
def test_mha_learned_float_mask_gradient(need_weights, which):
    E, H, L, N = 8, 2, 4, 3
    torch.manual_seed(0)
    tm, om = TN.MultiheadAttention(E, H).eval(), nn.MultiheadAttention(E, H).eval()
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    kpb = np.zeros((N, L), bool)
    kpb[0, 1] = True
    masks = {"attn_mask": ("attn_mask", rnd(L, L, seed=3)), "attn_mask_3d": ("attn_mask", rnd(N * H, L, L, seed=4)),
             "key_padding_mask": ("key_padding_mask", rnd(N, L, seed=5)),
             "attn_mask+bool_kpm": ("attn_mask", rnd(L, L, seed=3))}
    key, m = masks[which]
    mo, mt = pair(m)
    kw_o, kw_t = {key: mo}, {key: mt}
    if which.endswith("bool_kpm"):
        kw_o["key_padding_mask"], kw_t["key_padding_mask"] = tg.tensor(kpb), torch.tensor(kpb)
    x = rnd(L, N, E)
    xo, xt = tg.tensor(x), torch.tensor(x)
    yo = om(xo, xo, xo, need_weights=need_weights, **kw_o)[0]
    yt = tm(xt, xt, xt, need_weights=need_weights, **kw_t)[0]
    close(yo, yt)
    g = rnd(L, N, E, seed=9)
    (yo * tg.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    close(mo.grad, mt.grad, 1e-4, 1e-3)


# ---- recurrent layers: no silent dtype mix, torch's dropout check, all_weights ---------------------------------------
@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
def test_rnn_state_dtype_mismatch_raises(cls):
    tm, om = getattr(TN, cls)(3, 4), getattr(nn, cls)(3, 4)
    x, h = rnd(5, 2, 3), rnd(1, 2, 4, dtype=np.float64)
    ht = (torch.tensor(h), torch.tensor(h)) if cls == "LSTM" else torch.tensor(h)
    ho = (tg.tensor(h), tg.tensor(h)) if cls == "LSTM" else tg.tensor(h)
    raises_like_torch(lambda: om(tg.tensor(x), ho), lambda: tm(torch.tensor(x), ht))
    raises_like_torch(lambda: getattr(nn, cls)(3, 4, 2, dropout=True), lambda: getattr(TN, cls)(3, 4, 2, dropout=True))


@pytest.mark.parametrize("cls", ["RNNCell", "GRUCell", "LSTMCell"])
def test_rnn_cell_dtype_mismatch_raises(cls):
    tm, om = getattr(TN, cls)(3, 4), getattr(nn, cls)(3, 4)
    raises_like_torch(lambda: om(tg.tensor(rnd(2, 3, dtype=np.float64))), lambda: tm(torch.tensor(rnd(2, 3)).double()))
    raises_like_torch(lambda: om(tg.zeros(2, 3, dtype=tg.int64)), lambda: tm(torch.zeros(2, 3, dtype=torch.long)))
    h = rnd(2, 4, dtype=np.float64)
    ht = (torch.tensor(h), torch.tensor(h)) if cls == "LSTMCell" else torch.tensor(h)
    ho = (tg.tensor(h), tg.tensor(h)) if cls == "LSTMCell" else tg.tensor(h)
    raises_like_torch(lambda: om(tg.tensor(rnd(2, 3)), ho), lambda: tm(torch.tensor(rnd(2, 3)), ht))


def test_rnn_all_weights_matches_torch():
    tm, om = TN.GRU(3, 4, 2, bidirectional=True), nn.GRU(3, 4, 2, bidirectional=True)
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    assert len(om.all_weights) == len(tm.all_weights)
    for lo, lt in zip(om.all_weights, tm.all_weights):
        assert len(lo) == len(lt)
        for a, b in zip(lo, lt):
            close(a, b)


# ---- Embedding max_norm renormalises the looked-up rows in place ----------------------------------------------------
@pytest.mark.parametrize("max_norm,norm_type,padding_idx", [(1.0, 2.0, None), (0.5, 1.0, 1), (1.5, float("inf"), None),
                                                             (1.0, 3.0, 0)])
def test_embedding_max_norm(max_norm, norm_type, padding_idx):
    w = rnd(6, 3) * 2
    ids = np.array([[0, 1, 1], [3, 5, 0]])
    tm = TN.Embedding(6, 3, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type)
    om = nn.Embedding(6, 3, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type)
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(w))
    om.load_state_dict({"weight": w})
    yo, yt = om(tg.tensor(ids)), tm(torch.tensor(ids))
    close(yo, yt)
    close(om.weight, tm.weight)  # rows 0, 1, 3, 5 renormed, 2 and 4 untouched
    g = rnd(2, 3, 3, seed=1)
    (yo * tg.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    close(om.weight.grad, tm.weight.grad)
    # the functional form, with norm_type passed by position as torch's signature has it
    wo, wt = tg.tensor(w), torch.tensor(w)
    close(F.embedding(tg.tensor(ids), wo, None, max_norm, norm_type), TF.embedding(torch.tensor(ids), wt, None, max_norm,
                                                                                 norm_type))
    close(wo, wt)


# ---- Module.load_state_dict's error lists missing keys before unexpected ones, as torch ------------------------------
def test_load_state_dict_error_order():
    tm, om = TN.Linear(2, 3), nn.Linear(2, 3)
    sd = {"weight": np.zeros((3, 2), np.float32), "extra": np.zeros(1, np.float32)}
    with pytest.raises(RuntimeError) as et:
        tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
    with pytest.raises(RuntimeError) as eo:
        om.load_state_dict(sd)
    pos = [str(e.value).index(s) for e in (et, eo) for s in ("Missing key(s)", "Unexpected key(s)")]
    assert (pos[0] < pos[1]) == (pos[2] < pos[3])


# ---- init ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, 4.0, 5.0), (1.0, 2.0, -9.0, -7.0), (0.0, 1.0, -0.01, 0.02)])
def test_trunc_normal_narrow_or_far_window(mean, std, a, b):
    """Moments of the truncated normal against torch's sampler (200k draws each; 5 standard errors)."""
    n = 200_000
    o, t = tg.empty(n), torch.empty(n, dtype=torch.float64)
    init.trunc_normal_(o, mean, std, a, b)
    torch.manual_seed(0)
    TN.init.trunc_normal_(t, mean, std, a, b)
    x, y = o.numpy().astype(np.float64), t.numpy()
    assert a <= x.min() and x.max() <= b
    se = y.std() / np.sqrt(n)
    assert abs(x.mean() - y.mean()) < 5 * se * np.sqrt(2) + 1e-6 * std
    assert abs(x.std() - y.std()) < 0.02 * y.std()


def test_init_bad_arguments_raise_like_torch():
    raises_like_torch(lambda: init.normal_(tg.empty(3), std=-1.0), lambda: TN.init.normal_(torch.empty(3), std=-1.0))
    raises_like_torch(lambda: init.uniform_(tg.empty(3), 1.0, 0.0), lambda: TN.init.uniform_(torch.empty(3), 1.0, 0.0))


@pytest.mark.parametrize("sparsity", [0.1, 0.5, 0.34])
def test_init_sparse(sparsity):
    o, t = tg.empty(50, 7), torch.empty(50, 7)
    init.sparse_(o, sparsity, std=0.3)
    TN.init.sparse_(t, sparsity, std=0.3)
    np.testing.assert_array_equal((o.numpy() == 0).sum(0), (t.numpy() == 0).sum(0))
    nz_o, nz_t = o.numpy()[o.numpy() != 0], t.numpy()[t.numpy() != 0]
    assert abs(nz_o.std() - nz_t.std()) < 0.25 * nz_t.std()
    for name in ("sparse", "eye", "dirac", "orthogonal"):
        assert callable(getattr(init, name)) and callable(getattr(TN.init, name))


# ---- F.linear takes a 1-D weight (no bias) as torch ----------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 4), (4,), (3, 2, 4)])
def test_linear_1d_weight(shape):
    (xo, wo), (xt, wt) = zip(pair(rnd(*shape)), pair(rnd(4, seed=1)))
    yo, yt = F.linear(xo, wo), TF.linear(xt, wt)
    close(yo, yt)
    g = rnd(*yt.shape, seed=2)
    yo.backward(tg.tensor(g))
    yt.backward(torch.tensor(g))
    close(xo.grad, xt.grad)
    close(wo.grad, wt.grad)


# ---- losses: torch's deprecated size_average / reduce flags still choose the reduction -------------------------------
LEGACY = [(None, False), (False, None), (False, True), (True, False), (True, None)]


def _loss_inputs(name):
    x, y = rnd(4, 3), rnd(4, 3, seed=1)
    if name in ("CrossEntropyLoss", "cross_entropy", "NLLLoss", "nll_loss"):
        return rnd(4, 5), np.array([0, 1, 4, 2])
    if name in ("BCELoss", "binary_cross_entropy"):
        return 1 / (1 + np.exp(-x)), np.abs(y) / 3
    if name in ("BCEWithLogitsLoss", "binary_cross_entropy_with_logits", "KLDivLoss", "kl_div"):
        return x, np.abs(y) / 3
    return x, y


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("size_average,reduce", LEGACY)
@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "SmoothL1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
                                  "BCEWithLogitsLoss", "KLDivLoss"])
def test_loss_module_legacy_reduction(name, size_average, reduce):
    x, y = _loss_inputs(name)
    xo, xt = pair(x)
    lo = getattr(nn, name)(size_average=size_average, reduce=reduce)(xo, tg.tensor(y))
    lt = getattr(TN, name)(size_average=size_average, reduce=reduce)(xt, torch.tensor(y))
    close(lo, lt)
    lo.sum().backward()
    lt.sum().backward()
    close(xo.grad, xt.grad)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("size_average,reduce", LEGACY)
@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "smooth_l1_loss", "cross_entropy", "nll_loss",
                                "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"])
def test_functional_loss_legacy_reduction(fn, size_average, reduce):
    x, y = _loss_inputs(fn)
    close(getattr(F, fn)(tg.tensor(x), tg.tensor(y), size_average=size_average, reduce=reduce),
          getattr(TF, fn)(torch.tensor(x), torch.tensor(y), size_average=size_average, reduce=reduce))


def test_kl_div_negative_target_is_nan_like_torch():
    x, y = rnd(4, 3), rnd(4, 3, seed=1)  # some targets negative: torch's xlogy gives nan there
    close(F.kl_div(tg.tensor(x), tg.tensor(y), reduction="none"), TF.kl_div(torch.tensor(x), torch.tensor(y),
                                                                             reduction="none"))


def test_nll_loss_weight_shape_checked_like_torch():
    lp, t = rnd(4, 5), np.array([0, 1, 2, 3])
    raises_like_torch(lambda: F.nll_loss(tg.tensor(lp), tg.tensor(t), weight=tg.ones(6)),
                      lambda: TF.nll_loss(torch.tensor(lp), torch.tensor(t), weight=torch.ones(6)))


# ---- BatchNorm: a state dict without num_batches_tracked loads, as torch's (unversioned dicts) ------------------------
@pytest.mark.parametrize("strict", [True, False])
def test_batchnorm_state_dict_without_num_batches_tracked(strict):
    tm = TN.Sequential(TN.Linear(2, 3), TN.BatchNorm1d(3))
    om = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    sd = {k: v.numpy() + 1 for k, v in tm.state_dict().items() if "num_batches" not in k}
    rt = tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=strict)
    ro = om.load_state_dict(sd, strict=strict)
    assert (list(ro.missing_keys), list(ro.unexpected_keys)) == (list(rt.missing_keys), list(rt.unexpected_keys))
    for (k, a), (_, b) in zip(om.state_dict().items(), tm.state_dict().items()):
        close(a, b)
    # a versioned torch state dict that lacks it still fails, in both
    sd = tm.state_dict()
    del sd["1.num_batches_tracked"]
    if strict:
        raises_like_torch(lambda: om.load_state_dict(sd), lambda: tm.load_state_dict(sd))


@pytest.mark.parametrize("padding_idx", [5, -6])
def test_embedding_padding_idx_out_of_range_raises(padding_idx):
    ids, w = np.array([0, 1, 4]), rnd(5, 3)
    raises_like_torch(lambda: F.embedding(tg.tensor(ids), tg.tensor(w), padding_idx=padding_idx),
                      lambda: TF.embedding(torch.tensor(ids), torch.tensor(w), padding_idx=padding_idx))


# ---- reset_parameters exists where torch has it (init loops call it through hasattr) --------------------------------
@pytest.mark.parametrize("name,args", [("BatchNorm1d", (3,)), ("BatchNorm2d", (3,)), ("RMSNorm", (3,))])
def test_norm_reset_parameters_like_torch(name, args):
    tm, om = getattr(TN, name)(*args), getattr(nn, name)(*args)
    shape = (4, 3, 2, 2) if name == "BatchNorm2d" else (4, 3)
    sd = {k: (v.numpy() + 0.5 if v.dtype.is_floating_point else v.numpy() + 2) for k, v in tm.state_dict().items()}
    tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
    om.load_state_dict(sd)
    tm(torch.tensor(rnd(*shape)))
    om(tg.tensor(rnd(*shape)))
    tm.reset_parameters()
    om.reset_parameters()
    for (k, a), (k2, b) in zip(om.state_dict().items(), tm.state_dict().items()):
        assert k == k2
        close(a, b)


@pytest.mark.parametrize("name,args,bound", [("Bilinear", (4, 3, 2), 0.5), ("GRUCell", (3, 4), 0.5), ("LSTMCell", (3, 4), 0.5),
                                             ("RNNCell", (3, 16), 0.25)])
def test_reset_parameters_redraws_within_torch_bounds(name, args, bound):
    tm, om = getattr(TN, name)(*args), getattr(nn, name)(*args)
    before = {k: v.numpy().copy() for k, v in om.state_dict().items()}
    tm.reset_parameters()
    om.reset_parameters()
    for (k, a), (_, b) in zip(om.state_dict().items(), tm.state_dict().items()):
        assert a.shape == tuple(b.shape) and not np.array_equal(a.numpy(), before[k])
        assert np.abs(a.numpy()).max() <= bound and np.abs(b.numpy()).max() <= bound


@pytest.mark.parametrize("shape", [(0, 3), (0, 0)])
def test_orthogonal_empty_tensor_is_noop(shape):
    o, t = tg.empty(shape), torch.empty(shape)
    assert init.orthogonal_(o) is o and TN.init.orthogonal_(t) is t
    assert o.shape == tuple(t.shape)


@pytest.mark.parametrize("fn", ["uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "kaiming_normal_"])
def test_random_init_of_integer_tensor_raises(fn):
    raises_like_torch(lambda: getattr(init, fn)(tg.zeros(3, 3, dtype=tg.int64)),
                      lambda: getattr(TN.init, fn)(torch.zeros(3, 3, dtype=torch.int64)))


# ---- torch 2.13's weight= for mse_loss / l1_loss (mean is sum(w loss) / sum(w)); huber checks the weight's shape ----
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_losses(fn, reduction):
    (xo, yo, wo), (xt, yt, wt) = zip(*(pair(a) for a in (rnd(4, 3), rnd(4, 3, seed=1), np.abs(rnd(4, 3, seed=2)))))
    lo = getattr(F, fn)(xo, yo, reduction=reduction, weight=wo)
    lt = getattr(TF, fn)(xt, yt, reduction=reduction, weight=wt)
    close(lo, lt)
    lo.sum().backward()
    lt.sum().backward()
    for a, b in ((xo, xt), (yo, yt), (wo, wt)):
        close(a.grad, b.grad)
    raises_like_torch(lambda: getattr(F, fn)(xo, yo, weight=tg.ones(3)), lambda: getattr(TF, fn)(xt, yt, weight=torch.ones(3)))


def test_signatures_positional_like_torch():
    """Arguments passed by position land where torch puts them."""
    for cls in ("GRUCell", "LSTMCell"):
        tm, om = getattr(TN, cls)(3, 4, False, None, torch.float64), getattr(nn, cls)(3, 4, False, None, tg.float64)
        assert [str(v.dtype).replace("torch.", "") for v in tm.state_dict().values()] == \
            [str(v.dtype) for v in om.state_dict().values()]
    x = rnd(2, 3)
    close(F.softmax(tg.tensor(x), 1, 3, tg.float64), TF.softmax(torch.tensor(x), 1, 3, torch.float64))
    close(F.log_softmax(tg.tensor(x), 0, 3, tg.float64), TF.log_softmax(torch.tensor(x), 0, 3, torch.float64))
    close(nn.Hardtanh(min_value=-0.2, max_value=0.3)(tg.tensor(x)), TN.Hardtanh(min_value=-0.2, max_value=0.3)(
        torch.tensor(x)))
    close(nn.RMSNorm(3)(x=tg.tensor(x)), TN.RMSNorm(3)(x=torch.tensor(x)))


def test_linear_with_no_input_features():
    # Linear(0, 3) used to fail reshaping (-1, 0); torch gives the bias, and empty weight gradients
    out = []
    for L in (torch, tg):
        lin = L.nn.Linear(0, 3)
        with L.no_grad():
            lin.bias.copy_(L.tensor([1.0, 2.0, 3.0]))
        x = L.ones(2, 5, 0, requires_grad=True)
        y = lin(x)
        y.sum().backward()
        out.append((tuple(y.shape), y.detach().numpy().tolist() if L is torch else y.numpy().tolist(),
                    tuple(lin.weight.grad.shape), tuple(x.grad.shape), lin.bias.grad.tolist()))
    assert out[0] == out[1]


# ---- attention on heads split from one projection (nanoGPT): the gradients written in the heads' memory order -------
@pytest.mark.parametrize("causal", [True, False])
def test_sdpa_on_split_heads_gradient(causal):
    b, t, h, e = 2, 5, 3, 4
    x = rnd(b, t, 3 * h * e)
    g = rnd(b, t, h * e, seed=4)
    grads = {}
    for lib, tensor in ((tg, tg.tensor), (torch, torch.tensor)):
        qkv = tensor(x, requires_grad=True)
        q, k, v = (a.view(b, t, h, e).transpose(1, 2) for a in qkv.split(h * e, dim=2))
        y = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
        y = y.transpose(1, 2).reshape(b, t, h * e)
        y.backward(tensor(g))
        grads[lib.__name__] = qkv.grad.view(-1).numpy()  # the leaf's gradient is contiguous in both
    np.testing.assert_allclose(grads["teenygrad"], grads["torch"], rtol=1e-4, atol=1e-5)
