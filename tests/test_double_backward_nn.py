"""Double backward (create_graph=True) through the fused nn ops (teenygrad.ops.nn) and einsum, against torch and
float64 finite differences; then two end-to-end uses: a WGAN-GP gradient penalty and a MAML step."""
import numpy as np
import pytest
import torch
import teenygrad as tg
from helpers import compare_double, gradgrad_ok, rand, to_np, assert_close, GRAD2

F = {tg: tg.nn.functional, torch: torch.nn.functional}
T5 = np.array([0, 3, 1, 4, 2, 3])  # class ids for 6 rows of 5 classes
T5_IGN = np.array([0, -100, 1, 4, -100, 3])
W5 = np.array([0.5, 1.0, 2.0, 0.3, 1.5], np.float32)
IDX = np.array([[1, 0, 3], [3, 3, 2]])


def _t(lib, a):
    return tg.tensor(a) if lib is tg else torch.tensor(a)


def ce(lib, x, **kw):
    t = kw.pop("target", T5)
    w = kw.pop("weight", None)
    return F[lib].cross_entropy(x, _t(lib, t), weight=None if w is None else _t(lib, w.astype(x_dtype(x))), **kw)


def x_dtype(x):
    return np.float64 if "64" in str(x.dtype) else np.float32


def sdpa(lib, q, k, v, **kw):
    m = kw.pop("mask", None)
    return F[lib].scaled_dot_product_attention(q, k, v, attn_mask=None if m is None else _t(lib, m), **kw)


def bn_train(lib, x, w, b):
    return F[lib].batch_norm(x, None, None, w, b, training=True)


def bn_eval(lib, x, w, b):
    rm, rv = np.array([0.1, -0.2, 0.3], x_dtype(x)), np.array([0.5, 1.5, 2.0], x_dtype(x))
    return F[lib].batch_norm(x, _t(lib, rm), _t(lib, rv), w, b, training=False)


MASK = np.array([[True, False, True, True], [False, False, False, False], [True, True, False, True]])

# name: (fn(lib, *tensors), the tensors' shapes); inputs are random on [-2, 2]
CASES = {
    "linear": (lambda m, x, w, b: F[m].linear(x, w, b), [(2, 3, 4), (5, 4), (5,)]),
    "linear_nobias": (lambda m, x, w: F[m].linear(x, w).tanh(), [(3, 4), (2, 4)]),
    "embedding": (lambda m, w: F[m].embedding(_t(m, IDX), w) ** 2, [(4, 3)]),
    "embedding_pad": (lambda m, w: F[m].embedding(_t(m, IDX), w, padding_idx=3) ** 2, [(4, 3)]),
    "layer_norm": (lambda m, x, w, b: F[m].layer_norm(x, (4,), w, b), [(3, 4), (4,), (4,)]),
    "layer_norm_2d_noaffine": (lambda m, x: F[m].layer_norm(x, (3, 4)), [(2, 3, 4)]),
    "rms_norm": (lambda m, x, w: F[m].rms_norm(x, (4,), w, eps=1e-6), [(3, 4), (4,)]),
    "rms_norm_noweight": (lambda m, x: F[m].rms_norm(x, (4,), eps=1e-6), [(3, 4)]),
    "batch_norm_train": (bn_train, [(4, 3, 2), (3,), (3,)]),
    "batch_norm_eval": (bn_eval, [(4, 3, 2), (3,), (3,)]),
    "cross_entropy": (lambda m, x: ce(m, x), [(6, 5)]),
    "cross_entropy_sum_ign": (lambda m, x: ce(m, x, target=T5_IGN, reduction="sum"), [(6, 5)]),
    "cross_entropy_none": (lambda m, x: ce(m, x, target=T5_IGN, reduction="none"), [(6, 5)]),
    "cross_entropy_w_ls": (lambda m, x: ce(m, x, target=T5_IGN, weight=W5, label_smoothing=0.2), [(6, 5)]),
    "cross_entropy_w_none": (lambda m, x: ce(m, x, weight=W5, reduction="none", label_smoothing=0.1), [(6, 5)]),
    "soft_cross_entropy": (lambda m, x, q: F[m].cross_entropy(x, q.softmax(1)), [(4, 5), (4, 5)]),
    "soft_cross_entropy_w_ls": (lambda m, x, q: F[m].cross_entropy(x, q.softmax(1), weight=_t(m, W5.astype(
        x_dtype(x))), label_smoothing=0.2, reduction="none"), [(4, 5), (4, 5)]),
    "bce": (lambda m, x, y: F[m].binary_cross_entropy(x.sigmoid(), y.sigmoid()), [(3, 4), (3, 4)]),
    "hardtanh": (lambda m, x: F[m].hardtanh(x, -1.0, 1.5) * x, [(3, 4)]),
    "hardswish": (lambda m, x: F[m].hardswish(x * 2), [(3, 4)]),
    "elu": (lambda m, x: F[m].elu(x, alpha=0.7), [(3, 4)]),
    "selu": (lambda m, x: F[m].selu(x), [(3, 4)]),
    "sdpa": (lambda m, q, k, v: sdpa(m, q, k, v), [(2, 3, 4), (2, 5, 4), (2, 5, 3)]),
    "sdpa_causal": (lambda m, q, k, v: sdpa(m, q, k, v, is_causal=True), [(2, 4, 3), (2, 4, 3), (2, 4, 3)]),
    "sdpa_mask": (lambda m, q, k, v: sdpa(m, q, k, v, mask=MASK, scale=0.7), [(2, 3, 4), (2, 4, 4), (2, 4, 2)]),
    "sdpa_bcast": (lambda m, q, k, v: sdpa(m, q, k, v), [(2, 2, 3, 4), (1, 2, 3, 4), (2, 1, 3, 4)]),
    "einsum_bmm": (lambda m, a, b: m.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 3)]),
    "einsum_diag": (lambda m, a, b: m.einsum("iij,jk->ik", a, b) ** 2, [(3, 3, 2), (2, 4)]),
    "einsum_reduce": (lambda m, a, b: m.einsum("ij,kl->ik", a, b) ** 2, [(3, 2), (4, 5)]),
    "bilinear": (lambda m, a, b, w: F[m].bilinear(a, b, w), [(3, 2), (3, 4), (5, 2, 4)]),
}


@pytest.mark.parametrize("name", CASES)
def test_double_backward_vs_torch(name):
    fn, shapes = CASES[name]
    arrays = [rand(s, i) for i, s in enumerate(shapes)]
    compare_double(fn, arrays, layout="T" if all(len(s) >= 2 for s in shapes) else "contig")


@pytest.mark.parametrize("name", ["linear", "layer_norm", "batch_norm_train", "sdpa_mask", "einsum_diag"])
def test_double_backward_strided(name):
    fn, shapes = CASES[name]
    compare_double(fn, [rand(s, i) for i, s in enumerate(shapes)], layout="step")


@pytest.mark.parametrize("name", [n for n in CASES if n not in ("bce",)])
def test_gradgradcheck(name):
    fn, shapes = CASES[name]
    gradgrad_ok(lambda *xs: fn(tg, *xs), shapes)


def test_gradgradcheck_bce():
    # probabilities inside (0, 1): the logs are smooth there
    gradgrad_ok(lambda x, y: F[tg].binary_cross_entropy(x.sigmoid(), y.sigmoid(), reduction="sum"), [(3, 4), (3, 4)])


def test_embedding_large_table():
    # past backward's one-hot size: the gradient is a scatter-add (index_add)
    idx = np.random.default_rng(0).integers(0, 400, (300,))
    idx[:5] = 7
    compare_double(lambda m, w: F[m].embedding(_t(m, idx), w, padding_idx=7) ** 2, [rand((400, 2))])


def test_sdpa_dropout_double_backward():
    # the same dropout mask in both passes: a seeded generator drawn once per call
    def fn(q, k, v):
        gen = tg.Generator().manual_seed(3)
        return F[tg].scaled_dot_product_attention(q, k, v, dropout_p=0.3, generator=gen)
    gradgrad_ok(fn, [(2, 3, 4), (2, 3, 4), (2, 3, 4)])


def test_dropout_double_backward():
    def fn(x):
        return F[tg].dropout(x, 0.4, generator=tg.Generator().manual_seed(1)) ** 2
    gradgrad_ok(fn, [(3, 4)])


# ---- end to end ------------------------------------------------------------------------------------
def _mlp(lib, params, x, act):
    w1, b1, w2, b2 = params
    h = F[lib].linear(x, w1, b1)
    h = h.tanh() if act == "tanh" else F[lib].leaky_relu(h, 0.2)
    return F[lib].linear(h, w2, b2)


def _leaves(lib, arrays):
    return [(tg.tensor(a, requires_grad=True) if lib is tg else torch.tensor(a, requires_grad=True)) for a in arrays]


MLP_SHAPES = [(8, 5), (8,), (1, 8), (1,)]


def _same_grads(ours, theirs, what):
    """Parameter gradients: None (no path to the loss) and all-zero count as the same."""
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a is None or b is None:
            assert not np.any(to_np(a) if a is not None else 0) and not np.any(b.numpy() if b is not None else 0), \
                f"{what} {i}: one side has a nonzero gradient, the other none"
            continue
        assert_close(a, b, f"{what} {i}", **GRAD2)


@pytest.mark.parametrize("act", ["tanh", "leaky_relu"])
def test_wgan_gradient_penalty(act):
    arrays = [rand(s, 10 + i, low=-1, high=1) for i, s in enumerate(MLP_SHAPES)]
    x0 = rand((6, 5), 20)
    res = {}
    for lib in (tg, torch):
        params = _leaves(lib, arrays)
        x = _leaves(lib, [x0])[0]
        (g,) = lib.autograd.grad(_mlp(lib, params, x, act).sum(), [x], create_graph=True)
        gp = ((g.norm(2, dim=1) - 1) ** 2).mean()
        gp.backward()
        res[lib] = (gp, [p.grad for p in params])
    assert_close(res[tg][0], res[torch][0], "gradient penalty", **GRAD2)
    _same_grads(res[tg][1], res[torch][1], "grad of parameter")


def test_maml_step():
    shapes = [(8, 4), (8,), (3, 8), (3,)]
    arrays = [rand(s, 30 + i, low=-1, high=1) for i, s in enumerate(shapes)]
    xs, xq = rand((10, 4), 40), rand((7, 4), 41)
    ys, yq = np.arange(10) % 3, np.arange(7) % 3
    res = {}
    for lib in (tg, torch):
        params = _leaves(lib, arrays)
        inner = F[lib].cross_entropy(_mlp(lib, params, _t(lib, xs), "tanh"), _t(lib, ys))
        grads = lib.autograd.grad(inner, params, create_graph=True)
        fast = [p - 0.5 * g for p, g in zip(params, grads)]
        outer = F[lib].cross_entropy(_mlp(lib, fast, _t(lib, xq), "tanh"), _t(lib, yq))
        outer.backward()
        res[lib] = (outer, [p.grad for p in params])
    assert_close(res[tg][0], res[torch][0], "outer loss", **GRAD2)
    _same_grads(res[tg][1], res[torch][1], "meta-gradient of parameter")


def test_module_layers_double_backward():
    # nn.Linear -> nn.LayerNorm -> nn.ELU: a Hessian-vector product w.r.t. the input, against torch
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.LayerNorm(6), torch.nn.ELU())
    m = tg.nn.Sequential(tg.nn.Linear(4, 6), tg.nn.LayerNorm(6), tg.nn.ELU())
    for p, tp in zip(m.parameters(), tm.parameters()):
        p.data = tg.tensor(tp.detach().numpy().copy())
    x0, v0 = rand((3, 4), 1), rand((3, 4), 2)
    out = {}
    for lib, mod in ((tg, m), (torch, tm)):
        x = _leaves(lib, [x0])[0]
        (g,) = lib.autograd.grad((mod(x) ** 2).sum(), [x], create_graph=True)
        (hv,) = lib.autograd.grad((g * _t(lib, v0)).sum(), [x])
        out[lib] = hv
    assert_close(out[tg], out[torch], "hessian-vector product", **GRAD2)
