"""nn layers and functional ops in float16 and bfloat16 on the CPU, forward and backward, against torch with the
same weights (twentieth landing): modules are built in both libraries, given the same float32 weights and converted
with .to(dtype) / .half() / .bfloat16(); every output, gradient and floating buffer must keep torch's dtype and lie
within a few ulps of the dtype (torch computes most half ops in float32 and rounds once). A second sweep mixes
dtypes (float16 / bfloat16 inputs with float32 parameters, targets or weights): the same result dtype, or both
refuse.

What the sweeps found, each also pinned by a direct case below: bfloat16 hardsigmoid added 3 in bfloat16 (2.98 + 3
rounded to 6: the output 1 for torch's 0.996 and a zero gradient inside (-3, 3)); layer_norm, group_norm,
batch_norm, instance_norm and rms_norm refused a float16 / bfloat16 input with float32 parameters (torch's CPU
"mixed dtype" norms compute it, in float32, and return the input's dtype); cross_entropy refused probability targets
(or a weight with them) of another float dtype (torch promotes: float16 logits, float32 probabilities give a float32
loss) and took a float32 class weight with bfloat16 logits, nll_loss a weight of another dtype (torch refuses both);
binary_cross_entropy(_with_logits) with a float32 weight / pos_weight returned float32 for float16 inputs (torch:
the input's dtype); F.pad(float16, value=1e6) padded with inf (torch refuses a value past the dtype's range).
Longer inputs: float16 sum / nansum / norm / logsumexp / log_softmax across a strided axis accumulated in float16
(numpy adds row by row: sum(0) of 3000 values 1468 for 1478, cosine_similarity 6% off), and so did float16 / bfloat16
bias gradients (column_sums, unbroadcast); bfloat16 nll_loss's mean divided by a bfloat16 sum of the weights, which
stalls at 256 (a loss 2.9 times too large over 1000 rows). torch accumulates all of these in float32.
Not findings: the ops torch's CPU build refuses in half (ctc_loss) that teenygrad computes, and a relu unit that
lands at 0.005 in one library and at 0 in the other (a bfloat16 TransformerEncoderLayer: a gradient moves by 0.3),
which the sweep avoids with gelu."""
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg

ULP = {"float16": 2.0**-10, "bfloat16": 2.0**-7}
TOL = 4  # ulps of the largest |value| of each compared tensor


def _np(t):
    return t.detach().float().numpy()


def _name(dtype):
    return str(dtype).split(".")[-1]


def _module(L, dt, path, *args, conv="to", **kw):
    obj = L
    for p in path.split("."):
        obj = getattr(obj, p)
    m = obj(*args, **kw)
    prng = np.random.default_rng(7)  # the same float32 weights in both libraries, by parameter name
    with L.no_grad():
        for _, p in sorted(m.named_parameters()):
            p.copy_(L.tensor((prng.standard_normal(tuple(p.shape)) * 0.4).astype(np.float32)))
    if conv == "half":
        return m.half() if dt == L.float16 else m.bfloat16()
    return m.to(dt)


def _input(L, dt, rng, shape, scale=1.0):
    return L.tensor((rng.standard_normal(shape) * scale).astype(np.float32)).to(dt).requires_grad_()


def _mcase(path, args, shapes, kw=None, call=None, train=True, conv="to", scale=1.0):
    def fn(L, dt, rng):
        m = _module(L, dt, path, *args, conv=conv, **(kw or {}))
        m.train(train)
        xs = [_input(L, dt, rng, s, scale) for s in shapes]
        y = call(L, m, *xs) if call else m(*xs)
        outs = [o for o in (y if isinstance(y, tuple) else (y,)) if o is not None]
        buffers = [b for _, b in sorted(m.named_buffers()) if L.is_floating_point(b)]
        return outs, xs + [p for _, p in sorted(m.named_parameters())], buffers
    return fn


def _fcase(f, *shapes, scale=2.0):
    def fn(L, dt, rng):
        xs = [_input(L, dt, rng, s, scale) for s in shapes]
        y = f(L, L.nn.functional, *xs)
        return list(y) if isinstance(y, tuple) else [y], xs, []
    return fn


def _embedding(L, dt, rng):
    m = _module(L, dt, "nn.Embedding", 10, 6, padding_idx=2)
    return [m(L.tensor([[1, 2, 3], [9, 2, 0]]))], [m.weight], []


def _embedding_bag(mode, weighted=False):
    def fn(L, dt, rng):
        m = _module(L, dt, "nn.EmbeddingBag", 10, 6, mode=mode)
        w = _input(L, dt, rng, (7,)) if weighted else None
        out = m(L.tensor([1, 2, 3, 9, 2, 0, 4]), L.tensor([0, 3, 3]), per_sample_weights=w)
        return [out], [m.weight] + ([w] if weighted else []), []
    return fn


def _cross_entropy(probs=False, spatial=False, nll=False, **kw):
    def fn(L, dt, rng):
        F = L.nn.functional
        x, t = _input(L, dt, rng, (6, 5), 2.0), L.tensor([0, 4, 2, 2, 1, 3])
        if spatial:
            x, t = _input(L, dt, rng, (2, 5, 3), 2.0), L.tensor([[0, 1, 4], [2, 2, 3]])
        if probs:
            t = L.tensor(rng.random((6, 5)).astype(np.float32)).to(dt).softmax(-1)
        kw2 = dict(kw)
        if "weight" in kw2:
            kw2["weight"] = L.tensor([1.0, 2.0, 0.5, 1.0, 3.0]).to(dt)
        out = F.nll_loss(F.log_softmax(x, 1), t, **kw2) if nll else F.cross_entropy(x, t, **kw2)
        return [out], [x], []
    return fn


def _mha(**call_kw):
    def call(L, m, q, k, v):
        kw = {key: f(L, q) for key, f in call_kw.items()}
        return m(q, k, v, **kw)
    return call


QKV = [(2, 5, 8)] * 3
SDPA = [(2, 2, 5, 8)] * 3
CASES = {
    "Linear": _mcase("nn.Linear", (16, 8), [(2, 5, 16)]),
    "Linear-half()": _mcase("nn.Linear", (16, 8), [(4, 16)], dict(bias=False), conv="half"),
    "Bilinear": _mcase("nn.Bilinear", (5, 6, 4), [(3, 5), (3, 6)]),
    "Conv1d": _mcase("nn.Conv1d", (3, 4, 3), [(2, 3, 10)], dict(padding=1, stride=2)),
    "Conv2d": _mcase("nn.Conv2d", (3, 4, 3), [(2, 3, 8, 8)], dict(padding=1, dilation=2)),
    "Conv2d-groups": _mcase("nn.Conv2d", (4, 4, 3), [(2, 4, 7, 7)], dict(groups=2, padding="same")),
    "ConvTranspose2d": _mcase("nn.ConvTranspose2d", (3, 4, 3), [(2, 3, 5, 5)], dict(stride=2, padding=1,
                                                                                   output_padding=1)),
    "Embedding": _embedding,
    "EmbeddingBag-sum": _embedding_bag("sum"),
    "EmbeddingBag-mean": _embedding_bag("mean"),
    "EmbeddingBag-max": _embedding_bag("max"),
    "EmbeddingBag-weighted": _embedding_bag("sum", weighted=True),
    "LayerNorm": _mcase("nn.LayerNorm", ((3, 16),), [(4, 3, 16)], dict(bias=False)),
    "RMSNorm": _mcase("nn.RMSNorm", (16,), [(4, 3, 16)], dict(eps=1e-3)),
    "GroupNorm": _mcase("nn.GroupNorm", (2, 6), [(3, 6, 5, 5)]),
    "BatchNorm1d-train": _mcase("nn.BatchNorm1d", (6,), [(8, 6)], scale=3),
    "BatchNorm1d-eval": _mcase("nn.BatchNorm1d", (6,), [(8, 6, 4)], train=False),
    "BatchNorm2d-train": _mcase("nn.BatchNorm2d", (3,), [(4, 3, 5, 5)], dict(momentum=None), conv="half"),
    "BatchNorm2d-eval": _mcase("nn.BatchNorm2d", (3,), [(4, 3, 5, 5)], train=False),
    "InstanceNorm2d": _mcase("nn.InstanceNorm2d", (3,), [(4, 3, 5, 5)], dict(affine=True)),
    "Dropout-eval": _mcase("nn.Dropout", (0.5,), [(4, 8)], train=False),
    "MHA": _mcase("nn.MultiheadAttention", (8, 2), [(5, 2, 8)] * 3, call=_mha()),
    "MHA-weights": _mcase("nn.MultiheadAttention", (8, 2), QKV, dict(batch_first=True),
                          call=_mha(average_attn_weights=lambda L, q: False)),
    "MHA-masks": _mcase("nn.MultiheadAttention", (8, 2), QKV, dict(batch_first=True), call=_mha(
        attn_mask=lambda L, q: L.triu(L.ones(5, 5, dtype=L.bool), 1),
        key_padding_mask=lambda L, q: L.tensor([[False] * 4 + [True], [False] * 5]))),
    "MHA-causal": _mcase("nn.MultiheadAttention", (8, 2), QKV, dict(batch_first=True), call=_mha(
        attn_mask=lambda L, q: L.nn.Transformer.generate_square_subsequent_mask(5, dtype=q.dtype),
        is_causal=lambda L, q: True)),
    # gelu, not relu: a relu unit at 0.005 in one library and 0 in the other moves a gradient by 0.3
    "TransformerEncoderLayer": _mcase("nn.TransformerEncoderLayer", (8, 2, 16, 0.0), [(2, 5, 8)],
                                      dict(batch_first=True, activation="gelu")),
    "TransformerEncoderLayer-norm_first": _mcase("nn.TransformerEncoderLayer", (8, 2, 16, 0.0), [(2, 5, 8)],
                                                 dict(batch_first=True, activation="gelu", norm_first=True)),
    "TransformerDecoderLayer": _mcase("nn.TransformerDecoderLayer", (8, 2, 16, 0.0), [(2, 5, 8), (2, 4, 8)],
                                      dict(batch_first=True, activation="gelu")),
}
ACTIVATIONS = {
    "gelu": lambda L, F, x: F.gelu(x), "gelu-tanh": lambda L, F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda L, F, x: F.silu(x), "mish": lambda L, F, x: F.mish(x),
    "softplus": lambda L, F, x: F.softplus(x, beta=2, threshold=3), "elu": lambda L, F, x: F.elu(x, 0.7),
    "selu": lambda L, F, x: F.selu(x), "hardswish": lambda L, F, x: F.hardswish(x),
    "hardsigmoid": lambda L, F, x: F.hardsigmoid(x), "leaky_relu": lambda L, F, x: F.leaky_relu(x, 0.1),
    "logsigmoid": lambda L, F, x: F.logsigmoid(x), "glu": lambda L, F, x: F.glu(x, -1),
    "softmax0": lambda L, F, x: F.softmax(x, 0), "softmax-1": lambda L, F, x: F.softmax(x, -1),
    "log_softmax0": lambda L, F, x: F.log_softmax(x, 0), "log_softmax1": lambda L, F, x: F.log_softmax(x, 1),
    "softmax-dtype": lambda L, F, x: F.softmax(x, -1, dtype=L.float32),
    "normalize": lambda L, F, x: F.normalize(x, dim=1),
    "max_pool2d": lambda L, F, x: F.max_pool2d(x.reshape(2, 2, 3, 4), 2, ceil_mode=True),
    "avg_pool2d": lambda L, F, x: F.avg_pool2d(x.reshape(2, 2, 3, 4), 2, padding=1, count_include_pad=False),
    "avg_pool1d": lambda L, F, x: F.avg_pool1d(x.reshape(2, 2, 12), 3, stride=2),
    "adaptive_avg_pool2d": lambda L, F, x: F.adaptive_avg_pool2d(x.reshape(2, 2, 3, 4), (2, 3)),
    "adaptive_max_pool2d": lambda L, F, x: F.adaptive_max_pool2d(x.reshape(2, 2, 3, 4), (2, 3)),
    "interpolate-nearest": lambda L, F, x: F.interpolate(x.reshape(2, 2, 3, 4), scale_factor=2),
    "interpolate-bilinear": lambda L, F, x: F.interpolate(x.reshape(2, 2, 3, 4), size=(5, 7), mode="bilinear"),
    "interpolate-bicubic": lambda L, F, x: F.interpolate(x.reshape(2, 2, 3, 4), size=(5, 7), mode="bicubic",
                                                         align_corners=True),
    "interpolate-linear": lambda L, F, x: F.interpolate(x.reshape(2, 2, 12), size=17, mode="linear"),
    "pad-constant": lambda L, F, x: F.pad(x, (1, 2, 0, 1), value=0.3),
    "pad-reflect": lambda L, F, x: F.pad(x.reshape(2, 2, 3, 4), (1, 2, 1, 1), mode="reflect"),
    "pad-circular": lambda L, F, x: F.pad(x.reshape(2, 2, 3, 4), (1, 2, 1, 1), mode="circular"),
    "dropout-eval": lambda L, F, x: F.dropout(x, 0.3, training=False),
}
LOSSES = {
    "mse": lambda L, F, a, b: F.mse_loss(a, b), "l1": lambda L, F, a, b: F.l1_loss(a, b, reduction="sum"),
    "smooth_l1": lambda L, F, a, b: F.smooth_l1_loss(a, b, beta=0.5),
    "huber": lambda L, F, a, b: F.huber_loss(a, b, delta=0.7, reduction="none"),
    "bce_with_logits": lambda L, F, a, b: F.binary_cross_entropy_with_logits(
        a, b.sigmoid(), pos_weight=L.full((4,), 2.0).to(a.dtype), weight=L.full((4,), 0.5).to(a.dtype)),
    "bce": lambda L, F, a, b: F.binary_cross_entropy(a.sigmoid(), b.sigmoid()),
    "kl_div": lambda L, F, a, b: F.kl_div(F.log_softmax(a, -1), F.softmax(b, -1), reduction="batchmean"),
    "kl_div-log_target": lambda L, F, a, b: F.kl_div(F.log_softmax(a, -1), F.log_softmax(b, -1),
                                                     reduction="sum", log_target=True),
}
ATTENTION = {
    "sdpa": lambda L, F, q, k, v: F.scaled_dot_product_attention(q, k, v),
    "sdpa-causal": lambda L, F, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
    "sdpa-bool-mask": lambda L, F, q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=L.tensor([[True, False, True, True, False]] * 5)),
    "sdpa-float-mask-scale": lambda L, F, q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=(L.arange(25).reshape(5, 5) * 0.1).to(q.dtype), scale=0.3),
}
CASES.update({"F." + k: _fcase(f, (2, 24)) for k, f in ACTIVATIONS.items()})
CASES.update({"F." + k: _fcase(f, (6, 4), (6, 4)) for k, f in LOSSES.items()})
CASES.update({"F." + k: _fcase(f, *SDPA) for k, f in ATTENTION.items()})
CASES.update({
    "F.cross_entropy": _cross_entropy(), "F.cross_entropy-smoothing": _cross_entropy(label_smoothing=0.2),
    "F.cross_entropy-ignore": _cross_entropy(ignore_index=2),
    "F.cross_entropy-weight-ignore-smoothing": _cross_entropy(weight=1, ignore_index=2, label_smoothing=0.1),
    "F.cross_entropy-probs": _cross_entropy(probs=True, label_smoothing=0.3),
    "F.cross_entropy-probs-weight": _cross_entropy(probs=True, weight=1),
    "F.cross_entropy-none": _cross_entropy(reduction="none"),
    "F.cross_entropy-spatial": _cross_entropy(spatial=True, weight=1, reduction="sum"),
    "F.nll_loss-weight": _cross_entropy(nll=True, weight=1), "F.nll_loss-ignore": _cross_entropy(nll=True, ignore_index=2),
})


def _run(L, case, dtype):
    rng = np.random.default_rng(0)
    outs, leaves, buffers = CASES[case](L, getattr(L, dtype), rng)
    grng = np.random.default_rng(99)
    loss = sum((o.float() * L.tensor(grng.standard_normal(o.shape).astype(np.float32))).sum()
               for o in outs if o.requires_grad)
    loss.backward()
    grads = [l.grad for l in leaves]
    return [(_name(t.dtype), _np(t)) if t is not None else None for t in outs + grads + buffers]


def _assert_close(got, want, dtype, what):
    assert got[0] == want[0], f"{what}: dtype {got[0]}, torch {want[0]}"
    g, w = got[1], want[1]
    assert g.shape == w.shape, f"{what}: shape {g.shape}, torch {w.shape}"
    np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=what)
    ok = ~np.isnan(w)
    scale = max(np.abs(w[ok]).max(initial=0), 1e-3)
    np.testing.assert_allclose(g[ok], w[ok], rtol=0, atol=TOL * ULP[dtype] * scale, err_msg=what)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("case", list(CASES))
def test_half_precision_layers_as_torch(case, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, got = _run(torch, case, dtype), _run(tg, case, dtype)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert (g is None) == (w is None), f"{case} #{i}: a gradient is missing on one side"
        if w is not None:
            _assert_close(g, w, dtype, f"{case} #{i}")


# ---- mixed dtypes: what torch's CPU build computes (and in which dtype) or refuses ----------------------------
def _h(L, shape, dtype="float16", seed=0):
    return L.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32)).to(getattr(L, dtype))


def _f(L, shape, seed=1):
    return L.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


MIXED = {
    "linear-half-input-float-weight": lambda L, F: F.linear(_h(L, (2, 4)), _f(L, (3, 4))),
    "linear-half-weight-float-bias": lambda L, F: F.linear(_h(L, (2, 4)), _h(L, (3, 4)), _f(L, (3,))),
    "Linear-bfloat16-half-input": lambda L, F: L.nn.Linear(4, 3).bfloat16()(_h(L, (2, 4))),
    "conv2d-half-input-float-weight": lambda L, F: F.conv2d(_h(L, (1, 2, 5, 5)), _f(L, (3, 2, 3, 3))),
    "conv2d-float-bias": lambda L, F: F.conv2d(_h(L, (1, 2, 5, 5)), _h(L, (3, 2, 3, 3)), _f(L, (3,))),
    "conv_transpose2d-half-input": lambda L, F: F.conv_transpose2d(_h(L, (1, 2, 5, 5)), _f(L, (2, 3, 3, 3))),
    "bilinear-float-weight": lambda L, F: F.bilinear(_h(L, (2, 3)), _h(L, (2, 4)), _f(L, (5, 3, 4))),
    "prelu-float-weight": lambda L, F: F.prelu(_h(L, (2, 3)), _f(L, (1,))),
    "MHA-float-module-half-input": lambda L, F: L.nn.MultiheadAttention(4, 2)(*[_h(L, (3, 1, 4))] * 3)[0],
    "sdpa-float-key": lambda L, F: F.scaled_dot_product_attention(_h(L, (1, 3, 4)), _f(L, (1, 3, 4)),
                                                                  _f(L, (1, 3, 4))),
    "sdpa-float-mask": lambda L, F: F.scaled_dot_product_attention(*[_h(L, (1, 3, 4))] * 3, attn_mask=_f(L, (3, 3))),
    "sdpa-bfloat16-mask": lambda L, F: F.scaled_dot_product_attention(
        *[_h(L, (1, 3, 4))] * 3, attn_mask=_h(L, (3, 3), "bfloat16")),
    "embedding_bag-float-per-sample-weights": lambda L, F: F.embedding_bag(
        L.tensor([0, 1, 2]), _h(L, (3, 4)), L.tensor([0]), per_sample_weights=_f(L, (3,)), mode="sum"),
    # the norms: float16 / bfloat16 input with float32 parameters computes (in float32); other mixes refuse
    "layer_norm-float-params": lambda L, F: F.layer_norm(_h(L, (2, 4)), (4,), _f(L, (4,)), _f(L, (4,), 2)),
    "layer_norm-float-weight-only": lambda L, F: F.layer_norm(_h(L, (2, 4), "bfloat16"), (4,), _f(L, (4,))),
    "layer_norm-float-bias-only": lambda L, F: F.layer_norm(_h(L, (2, 4)), (4,), None, _f(L, (4,))),
    "layer_norm-float-weight-half-bias": lambda L, F: F.layer_norm(_h(L, (2, 4)), (4,), _f(L, (4,)), _h(L, (4,))),
    "layer_norm-float-input-half-params": lambda L, F: F.layer_norm(_f(L, (2, 4)), (4,), _h(L, (4,)), _h(L, (4,))),
    "layer_norm-double-params": lambda L, F: F.layer_norm(_h(L, (2, 4)), (4,), _f(L, (4,)).double()),
    "LayerNorm-float-module-bfloat16-input": lambda L, F: L.nn.LayerNorm(4)(_h(L, (2, 4), "bfloat16")),
    "rms_norm-float-weight": lambda L, F: F.rms_norm(_h(L, (2, 4)), (4,), _f(L, (4,))),
    "rms_norm-half-weight-bfloat16-input": lambda L, F: F.rms_norm(_h(L, (2, 4), "bfloat16"), (4,), _h(L, (4,))),
    "rms_norm-half-weight-float-input": lambda L, F: F.rms_norm(_f(L, (2, 4)), (4,), _h(L, (4,))),
    "group_norm-float-params": lambda L, F: F.group_norm(_h(L, (2, 4, 3)), 2, _f(L, (4,)), _f(L, (4,), 2)),
    "group_norm-bfloat16-float-weight": lambda L, F: F.group_norm(_h(L, (2, 4, 3), "bfloat16"), 2, _f(L, (4,))),
    "group_norm-half-params-bfloat16-input": lambda L, F: F.group_norm(_h(L, (2, 4, 3), "bfloat16"), 2,
                                                                      _h(L, (4,)), _h(L, (4,))),
    "BatchNorm1d-float-module-half-input": lambda L, F: L.nn.BatchNorm1d(4)(_h(L, (3, 4))),
    "BatchNorm1d-float-module-eval": lambda L, F: L.nn.BatchNorm1d(4).eval()(_h(L, (3, 4), "bfloat16")),
    "BatchNorm1d-half-module-float-input": lambda L, F: L.nn.BatchNorm1d(4).half()(_f(L, (3, 4))),
    "batch_norm-float-stats-half-weight": lambda L, F: F.batch_norm(
        _h(L, (3, 4)), L.zeros(4), L.ones(4), _h(L, (4,)), _h(L, (4,)), training=True),
    "batch_norm-half-stats-float-weight-eval": lambda L, F: F.batch_norm(
        _h(L, (3, 4)), L.zeros(4).half(), L.ones(4).half(), _f(L, (4,)), None),
    "batch_norm-float-stats-no-weight-eval": lambda L, F: F.batch_norm(_h(L, (3, 4)), _f(L, (4,)),
                                                                      _f(L, (4,)).abs(), None, None),
    "InstanceNorm1d-float-module-half-input": lambda L, F: L.nn.InstanceNorm1d(4, affine=True)(_h(L, (2, 4, 5))),
    "instance_norm-float-stats-eval": lambda L, F: F.instance_norm(_h(L, (2, 4, 5)), _f(L, (4,)),
                                                                   _f(L, (4,)).abs(), use_input_stats=False),
    "GroupNorm-float-module-half-input": lambda L, F: L.nn.GroupNorm(2, 4)(_h(L, (2, 4, 3))),
    "RMSNorm-float-module-half-input": lambda L, F: L.nn.RMSNorm(4)(_h(L, (2, 4))),
    # losses
    "cross_entropy-float-weight": lambda L, F: F.cross_entropy(_h(L, (3, 4)), L.tensor([0, 1, 2]),
                                                               weight=_f(L, (4,)).abs()),
    "cross_entropy-bfloat16-float-weight": lambda L, F: F.cross_entropy(_h(L, (3, 4), "bfloat16"), L.tensor([0, 1, 2]),
                                                                        weight=_f(L, (4,)).abs()),
    "cross_entropy-float-probs": lambda L, F: F.cross_entropy(_h(L, (3, 4)), _f(L, (3, 4)).softmax(-1),
                                                              label_smoothing=0.1),
    "cross_entropy-bfloat16-probs-half-weight": lambda L, F: F.cross_entropy(
        _h(L, (3, 4)), _h(L, (3, 4), "bfloat16").softmax(-1), weight=_h(L, (4,)).abs(), reduction="none"),
    "cross_entropy-half-probs-float-weight": lambda L, F: F.cross_entropy(_h(L, (3, 4)), _h(L, (3, 4), seed=4).softmax(-1),
                                                                          weight=_f(L, (4,)).abs()),
    "cross_entropy-float-input-double-probs": lambda L, F: F.cross_entropy(_f(L, (3, 4)),
                                                                           _f(L, (3, 4), 5).double().softmax(-1)),
    "nll_loss-float-weight": lambda L, F: F.nll_loss(_h(L, (3, 4)), L.tensor([0, 1, 2]), weight=_f(L, (4,))),
    "nll_loss-double-weight": lambda L, F: F.nll_loss(_f(L, (3, 4)), L.tensor([0, 1, 2]), weight=_f(L, (4,)).double()),
    "nll_loss-bfloat16-weight": lambda L, F: F.nll_loss(_h(L, (2, 4, 3)), L.tensor([[0, 1, 2], [1, 1, 3]]),
                                                        weight=_h(L, (4,), "bfloat16")),
    "bce_with_logits-float-pos_weight": lambda L, F: F.binary_cross_entropy_with_logits(
        _h(L, (3, 4)), _h(L, (3, 4), seed=4).sigmoid(), pos_weight=_f(L, (4,)).abs()),
    "bce_with_logits-float-weight": lambda L, F: F.binary_cross_entropy_with_logits(
        _h(L, (3, 4), "bfloat16"), _h(L, (3, 4), "bfloat16", seed=4).sigmoid(), weight=_f(L, (4,)), reduction="none"),
    "bce_with_logits-double-pos_weight": lambda L, F: F.binary_cross_entropy_with_logits(
        _h(L, (3, 4)), _h(L, (3, 4), seed=4).sigmoid(), pos_weight=_f(L, (4,)).double().abs()),
    "bce_with_logits-float-input-half-weight": lambda L, F: F.binary_cross_entropy_with_logits(
        _f(L, (3, 4)), _f(L, (3, 4), 4).sigmoid(), weight=_h(L, (4,))),
    "bce-float-weight": lambda L, F: F.binary_cross_entropy(_h(L, (3, 4)).sigmoid(), _h(L, (3, 4), seed=4).sigmoid(),
                                                            weight=_f(L, (4,)).abs(), reduction="none"),
    "bce-double-weight": lambda L, F: F.binary_cross_entropy(_f(L, (3, 4)).sigmoid(), _f(L, (3, 4), 4).sigmoid(),
                                                             weight=_f(L, (4,)).double().abs()),
    "mse-half-float": lambda L, F: F.mse_loss(_h(L, (3, 4)), _f(L, (3, 4))),
    "l1-half-float": lambda L, F: F.l1_loss(_h(L, (3, 4)), _f(L, (3, 4))),
    "huber-half-bfloat16": lambda L, F: F.huber_loss(_h(L, (3, 4)), _h(L, (3, 4), "bfloat16")),
    "bce_with_logits-float-target": lambda L, F: F.binary_cross_entropy_with_logits(_h(L, (3, 4)),
                                                                                    _f(L, (3, 4)).sigmoid()),
    "bce-float-target": lambda L, F: F.binary_cross_entropy(_h(L, (3, 4)).sigmoid(), _f(L, (3, 4)).sigmoid()),
    "kl_div-float-target": lambda L, F: F.kl_div(_h(L, (3, 4)), _f(L, (3, 4)).softmax(-1), reduction="batchmean"),
    "grid_sample-float-grid": lambda L, F: F.grid_sample(_h(L, (1, 1, 4, 4)), _f(L, (1, 2, 2, 2)).tanh(),
                                                         align_corners=False),
    "LSTM-float-module-half-input": lambda L, F: L.nn.LSTM(4, 3)(_h(L, (2, 1, 4)))[0],
    "softmax-half-dtype-bfloat16": lambda L, F: F.softmax(_h(L, (3, 4)), -1, dtype=L.bfloat16),
    "log_softmax-float-dtype-half": lambda L, F: F.log_softmax(_f(L, (3, 4)), -1, dtype=L.float16),
}


def _outcome(L, case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            y = MIXED[case](L, L.nn.functional)
        except (RuntimeError, TypeError, ValueError) as e:
            return "refused", type(e).__name__, str(e)
    return "ok", _name(y.dtype), _np(y)


@pytest.mark.parametrize("case", list(MIXED))
def test_mixed_dtypes_as_torch(case):
    want, got = _outcome(torch, case), _outcome(tg, case)
    assert got[0] == want[0], f"{case}: torch {want}, teenygrad {got}"
    if want[0] == "ok":  # (a refusal other than these exception types, a leaked internal error, fails the test)
        dtype = want[1] if want[1] in ULP else "float16"  # float32 results: from half inputs, a half's ulp
        _assert_close(got[1:], want[1:], dtype, case)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_hardsigmoid_adds_3_in_float32(dtype):
    """bfloat16 2.984375 + 3 rounded to 6 in bfloat16: hardsigmoid gave 1 (torch 0.996) and a zero gradient."""
    out = {}
    for L in (torch, tg):
        x = L.tensor([-3.0, -2.99, 0.0, 2.99, 3.0, 3.5]).to(getattr(L, dtype)).requires_grad_()
        y = L.nn.functional.hardsigmoid(x)
        y.sum().backward()
        out[L] = (_name(y.dtype), _np(y), _name(x.grad.dtype), _np(x.grad))
    assert out[tg][0] == out[tg][2] == dtype
    np.testing.assert_array_equal(out[tg][1], out[torch][1])
    np.testing.assert_array_equal(out[tg][3], out[torch][3])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("norm", ["LayerNorm", "GroupNorm", "BatchNorm1d", "InstanceNorm1d", "RMSNorm"])
def test_float32_norm_modules_take_half_inputs_as_torch(norm, dtype):
    """torch's CPU norms compute a float16 / bfloat16 input with float32 parameters in float32 and return the
    input's dtype (autocast keeps norms in float32 this way); teenygrad refused it as a dtype mismatch."""
    ctor = {"LayerNorm": lambda L: L.nn.LayerNorm(6), "GroupNorm": lambda L: L.nn.GroupNorm(2, 4),
            "BatchNorm1d": lambda L: L.nn.BatchNorm1d(4), "InstanceNorm1d": lambda L: L.nn.InstanceNorm1d(4, affine=True),
           
            "RMSNorm": lambda L: L.nn.RMSNorm(6)}[norm]
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((3, 4, 6)) * 3 + 1).astype(np.float32)
    g = rng.standard_normal((3, 4, 6)).astype(np.float32)
    w = rng.standard_normal(6 if norm in ("LayerNorm", "RMSNorm") else 4).astype(np.float32)
    out = {}
    for L in (torch, tg):
        m = ctor(L)
        with L.no_grad():
            m.weight.copy_(L.tensor(w))
        x = L.tensor(a).to(getattr(L, dtype)).requires_grad_()
        y = m(x)
        (y.float() * L.tensor(g)).sum().backward()
        out[L] = [(_name(t.dtype), _np(t)) for t in [y, x.grad, m.weight.grad]
                  + [b for _, b in sorted(m.named_buffers()) if L.is_floating_point(b)]]
    assert out[tg][0][0] == dtype and out[tg][2][0] == "float32"
    for i, (got, want) in enumerate(zip(out[tg], out[torch])):
        _assert_close(got, want, dtype, f"{norm} #{i}")


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_probabilities_of_another_dtype_promote_as_torch(smoothing):
    """torch's probability-target cross_entropy is a composite in the promoted dtype (float16 logits, float32
    probabilities: a float32 loss, a float16 gradient); teenygrad refused the mix as a dtype mismatch."""
    rng = np.random.default_rng(5)
    a, q = rng.standard_normal((4, 5)).astype(np.float32) * 3, rng.random((4, 5)).astype(np.float32)
    out = {}
    for L in (torch, tg):
        x = L.tensor(a).half().requires_grad_()
        y = L.nn.functional.cross_entropy(x, L.tensor(q / q.sum(1, keepdims=True)), label_smoothing=smoothing)
        y.backward()
        out[L] = [(_name(y.dtype), _np(y)), (_name(x.grad.dtype), _np(x.grad))]
    assert out[tg][0][0] == "float32" and out[tg][1][0] == "float16"
    for got, want in zip(out[tg], out[torch]):
        _assert_close(got, want, "float16", "cross_entropy")


PAD_VALUES = {"float16-1e6": ("float16", 1e6), "bfloat16-1e39": ("bfloat16", 1e39), "float32-1e39": ("float32", 1e39),
              "uint8-300": ("uint8", 300), "float16-inf": ("float16", float("inf")), "uint8-2.7": ("uint8", 2.7),
              "float16-65000": ("float16", 65000.0)}


@pytest.mark.parametrize("case", list(PAD_VALUES))
def test_pad_value_past_the_dtypes_range_is_refused_as_torch(case):
    """F.pad(float16, value=1e6) padded with inf (numpy's cast); torch refuses a finite value the dtype can't hold."""
    name, value = PAD_VALUES[case]
    out = {}
    for L in (torch, tg):
        try:
            out[L] = _np(L.nn.functional.pad(L.ones(2).to(getattr(L, name)), (1, 1), value=value))
        except RuntimeError as e:
            out[L] = str(e)
    assert type(out[tg]) is type(out[torch]), out
    if isinstance(out[torch], str):
        assert "pad" in out[tg] and "overflow" in out[tg]
    else:
        np.testing.assert_array_equal(out[tg], out[torch])


LONG_SUMS = {  # reductions over thousands of values along a strided axis, where a narrow running sum drifts
    "sum0": lambda L, x: x.sum(0), "sum-dims": lambda L, x: x.reshape(1000, 3, 2).sum((0, 2)),
    "nansum0": lambda L, x: x.nansum(0), "norm0": lambda L, x: x.norm(dim=0),
    "vector_norm-1": lambda L, x: L.linalg.vector_norm(x, 1, dim=0), "logsumexp0": lambda L, x: x.logsumexp(0),
    "sum-dtype": lambda L, x: x.float().sum(0, dtype=L.float16),
    "cosine_similarity": lambda L, x: L.nn.functional.cosine_similarity(x, x.flip(0) + 1, dim=0),
    "normalize": lambda L, x: L.nn.functional.normalize(x, dim=0),
    "log_softmax0": lambda L, x: L.nn.functional.log_softmax(x * 4, 0),
    "nll_loss": lambda L, x: L.nn.functional.nll_loss(x, L.zeros(3000, dtype=L.long)),
    "nll_loss-weight": lambda L, x: L.nn.functional.nll_loss(x, L.ones(3000, dtype=L.long), weight=L.ones(2).to(x.dtype)),
}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("case", list(LONG_SUMS))
def test_long_reductions_accumulate_in_float32_as_torch(case, dtype):
    """float16 x.sum(0) of a (3000, 2) array: numpy adds the rows one by one in float16 (1468 for torch's 1478;
    norm(dim=0) 3% low, cosine_similarity 6%); bfloat16 nll_loss's mean divided by a bfloat16 sum of 3000 weights,
    which stalls at 256 (a loss 2.9 times too large). torch accumulates both in float32."""
    a = (np.random.default_rng(0).standard_normal((3000, 2)) + 0.5).astype(np.float32)
    out = {}
    for L in (torch, tg):
        x = L.tensor(a).to(getattr(L, dtype)).requires_grad_()
        y = LONG_SUMS[case](L, x)
        y.float().sum().backward()
        out[L] = [(_name(y.dtype), _np(y)), (_name(x.grad.dtype), _np(x.grad))]
    for i, (got, want) in enumerate(zip(out[tg], out[torch])):
        _assert_close(got, want, dtype, f"{case} #{i}")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("shape", [(3000, 4), (2, 1500, 4)])
def test_bias_gradients_sum_in_float32_as_torch(dtype, shape):
    """A float16 / bfloat16 Linear's bias gradient summed its rows in the narrow dtype (column_sums, and unbroadcast
    for float16): 3-5 ulps off torch's float32 sum rounded once."""
    rng = np.random.default_rng(1)
    a, g = rng.standard_normal(shape).astype(np.float32), (rng.standard_normal(shape[:-1] + (3,)) + 0.3).astype(np.float32)
    out = {}
    for L in (torch, tg):
        m = _module(L, getattr(L, dtype), "nn.Linear", 4, 3)
        m(L.tensor(a).to(getattr(L, dtype))).backward(L.tensor(g).to(getattr(L, dtype)))
        out[L] = (_name(m.bias.grad.dtype), _np(m.bias.grad))
    assert out[tg][0] == dtype
    _assert_close((out[tg][0], out[tg][1]), out[torch], dtype, "bias grad")
    np.testing.assert_allclose(out[tg][1], out[torch][1], rtol=ULP[dtype], atol=0)  # one rounding each
