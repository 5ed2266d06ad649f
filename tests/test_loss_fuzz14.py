"""Differential fuzz of every loss (nn.functional and its modules) against torch: random valid configurations
(class ids with ignore_index incl. all-ignored batches, probability targets, weights, label smoothing, K-dim and
unbatched inputs, BCE inputs at exactly 0 / 1, pos_weight, beta 0, log_target, full, var shapes that broadcast,
swap, p, CTC's 1-D and padded targets, every reduction), values and the gradient of every differentiable input
under a random upstream gradient, float32 (1e-4) and float64 (1e-9), contiguous and strided; plus torch's
exceptions for bad inputs and for arguments torch refuses to differentiate."""
import inspect
import re
import warnings
import numpy as np
import pytest
import torch
import torch.nn.functional as TF_torch
import teenygrad as tg
import teenygrad.nn.functional as TF_tg

RED = ["none", "mean", "sum"]

def shp(r, lo=1, hi=4, nd=None):
    nd = r.integers(1, 3) if nd is None else nd
    return tuple(int(r.integers(lo, hi)) for _ in range(nd))

def g_ce(r, d, nll=False):
    C = int(r.integers(2, 6)); form = r.integers(0, 3)
    if form == 0: xs = (C,)
    elif form == 1: xs = (int(r.integers(1, 5)), C)
    else: xs = (int(r.integers(1, 3)), C) + shp(r, 1, 3, int(r.integers(1, 3)))
    x = r.standard_normal(xs).astype(d)
    if nll: x = x - np.log(np.exp(x).sum(axis=1 if len(xs) > 1 else 0, keepdims=True))
    kw = {"reduction": (str(r.choice(RED)), False)}
    ts = xs[:1] + xs[2:] if len(xs) > 1 else ()
    soft = (not nll) and r.random() < 0.3
    if soft:
        t = r.random(xs).astype(d); t = t / t.sum(axis=1 if len(xs) > 1 else 0, keepdims=True)
    else:
        t = r.integers(0, C, ts).astype(np.int64)
        if r.random() < 0.5:
            ii = int(r.choice([-100, 0, 1, -1]))
            mask = r.random(ts) < (1.0 if r.random() < 0.2 else 0.3)
            t = np.where(mask, ii, t).astype(np.int64)
            if ii in (-100, -1) or r.random() < 0.5: kw["ignore_index"] = (ii, False)
            else: t = np.where(mask, 0, t).astype(np.int64)
            if "ignore_index" not in kw and (t < 0).any(): t = np.abs(t) % C
    if r.random() < 0.4: kw["weight"] = (r.random(C).astype(d) + 0.1, False)
    if not nll and r.random() < 0.4: kw["label_smoothing"] = (float(r.choice([0.0, 0.1, 0.5, 1.0])), False)
    return ("nll_loss" if nll else "cross_entropy"), [x, t], [True, soft and r.random() < 0.5], kw

def g_bce(r, d):
    s = shp(r); x = r.random(s).astype(d)
    m = r.random(s) < 0.2; x[m] = r.choice([0.0, 1.0], m.sum())
    y = r.random(s).astype(d) if r.random() < 0.5 else r.integers(0, 2, s).astype(d)
    kw = {"reduction": (str(r.choice(RED)), False)}
    if r.random() < 0.5: kw["weight"] = (r.random(s[-1:] if r.random() < 0.5 else s).astype(d), False)
    return "binary_cross_entropy", [x, y], [True, r.random() < 0.5], kw

def g_bcel(r, d):
    s = shp(r); x = (r.standard_normal(s) * 3).astype(d); y = r.random(s).astype(d)
    kw = {"reduction": (str(r.choice(RED)), False)}
    if r.random() < 0.5: kw["weight"] = (r.random(s[-1:]).astype(d), False)
    if r.random() < 0.5: kw["pos_weight"] = (r.random(s[-1:]).astype(d) * 3, False)
    return "binary_cross_entropy_with_logits", [x, y], [True, r.random() < 0.5], kw

def g_simple(name):
    def g(r, d):
        s = shp(r); x = r.standard_normal(s).astype(d); y = r.standard_normal(s).astype(d)
        m = r.random(s) < 0.2; y[m] = x[m]
        kw = {"reduction": (str(r.choice(RED)), False)}
        if name == "smooth_l1_loss": kw["beta"] = (float(r.choice([0.0, 0.5, 1.0, 2.0])), False)
        if name == "huber_loss": kw["delta"] = (float(r.choice([0.3, 1.0, 2.0])), False)
        return name, [x, y], [True, r.random() < 0.5], kw
    return g

def g_kl(r, d):
    s = shp(r); x = r.standard_normal(s).astype(d); lt = bool(r.random() < 0.5)
    y = r.standard_normal(s).astype(d) if lt else r.random(s).astype(d)
    if not lt: y[r.random(s) < 0.2] = 0
    kw = {"reduction": (str(r.choice(RED + ["batchmean"])), False), "log_target": (lt, False)}
    return "kl_div", [x, y], [True, r.random() < 0.5], kw

def g_pois(r, d):
    s = shp(r); li = bool(r.random() < 0.5)
    x = r.standard_normal(s).astype(d) if li else r.random(s).astype(d) * 3
    y = r.integers(0, 5, s).astype(d)
    kw = {"reduction": (str(r.choice(RED)), False), "log_input": (li, False), "full": (bool(r.random() < .5), False),
          "eps": (float(r.choice([1e-8, 0.1])), False)}
    return "poisson_nll_loss", [x, y], [True, r.random() < 0.5], kw

def g_gauss(r, d):
    s = shp(r, 1, 4, int(r.integers(1, 3))); x = r.standard_normal(s).astype(d); y = r.standard_normal(s).astype(d)
    k = r.integers(0, 3)
    if k == 0: vs = s
    elif k == 1: vs = s[:-1] + (1,)
    else: vs = s[:-1]
    v = np.asarray(r.random(vs) + 0.01).astype(d)
    if r.random() < 0.3: v[...] = np.where(r.random(vs) < 0.3, 1e-8, v)
    kw = {"reduction": (str(r.choice(RED)), False), "full": (bool(r.random() < .5), False),
          "eps": (float(r.choice([1e-6, 0.1])), False)}
    return "gaussian_nll_loss", [x, y, v], [True, r.random() < 0.5, True], kw

def g_cos(r, d):
    b = r.random() < 0.8; D = int(r.integers(1, 5))
    s = (int(r.integers(1, 4)), D) if b else (D,)
    x1 = r.standard_normal(s).astype(d); x2 = r.standard_normal(s).astype(d)
    y = r.choice([1, -1], s[:-1]).astype(np.float32 if r.random()<0.3 else np.int64)
    kw = {"reduction": (str(r.choice(RED)), False), "margin": (float(r.choice([0, 0.3, -0.2])), False)}
    return "cosine_embedding_loss", [x1, x2, y], [True, True, False], kw

def g_mrank(r, d):
    s = shp(r); x1 = r.standard_normal(s).astype(d); x2 = r.standard_normal(s).astype(d)
    y = r.choice([1., -1.], s).astype(d)
    kw = {"reduction": (str(r.choice(RED)), False), "margin": (float(r.choice([0, 0.5])), False)}
    return "margin_ranking_loss", [x1, x2, y], [True, True, r.random() < 0.3], kw

def g_hinge(r, d):
    s = shp(r); x = r.standard_normal(s).astype(d); y = r.choice([1., -1.], s).astype(d)
    kw = {"reduction": (str(r.choice(RED)), False), "margin": (float(r.choice([1.0, 0.5])), False)}
    return "hinge_embedding_loss", [x, y], [True, False], kw

def g_soft(r, d):
    s = shp(r); x = r.standard_normal(s).astype(d); y = r.choice([1., -1.], s).astype(d)
    return "soft_margin_loss", [x, y], [True, False], {"reduction": (str(r.choice(RED)), False)}

def g_mlsm(r, d):
    s = (int(r.integers(1, 4)), int(r.integers(1, 5))); x = r.standard_normal(s).astype(d)
    y = r.integers(0, 2, s).astype(d)
    kw = {"reduction": (str(r.choice(RED)), False)}
    if r.random() < 0.5: kw["weight"] = (r.random(s[-1:]).astype(d), False)
    return "multilabel_soft_margin_loss", [x, y], [True, r.random() < 0.3], kw

def g_mm(r, d):
    C = int(r.integers(1, 5)); b = r.random() < 0.8
    s = (int(r.integers(1, 4)), C) if b else (C,)
    x = r.standard_normal(s).astype(d)
    y = r.integers(0, C, s[:-1] if b else (1,) if r.random() < .5 else ()).astype(np.int64)
    kw = {"reduction": (str(r.choice(RED)), False), "p": (int(r.choice([1, 2])), False),
          "margin": (float(r.choice([1.0, 0.5])), False)}
    if r.random() < 0.5: kw["weight"] = (r.random(C).astype(d), False)
    return "multi_margin_loss", [x, y], [True, False], kw

def g_mlm(r, d):
    C = int(r.integers(1, 5)); b = r.random() < 0.8
    s = (int(r.integers(1, 4)), C) if b else (C,)
    x = r.standard_normal(s).astype(d)
    y = np.full(s, -1, np.int64)
    for row in y.reshape(-1, C):
        k = int(r.integers(0, C + 1)); row[:k] = r.permutation(C)[:k]
        if k < C and r.random() < 0.3: row[k+1:] = r.integers(0, C, C - k - 1)
    return "multilabel_margin_loss", [x, y], [True, False], {"reduction": (str(r.choice(RED)), False)}

def g_trip(r, d):
    s = shp(r, 1, 4, int(r.integers(1, 3)))
    a, p_, n = (r.standard_normal(s).astype(d) for _ in range(3))
    kw = {"reduction": (str(r.choice(RED)), False), "swap": (bool(r.random() < .5), False),
          "p": (float(r.choice([1, 2, 3])), False), "margin": (float(r.choice([1.0, 0.3])), False)}
    return "triplet_margin_loss", [a, p_, n], [True, True, True], kw

def g_tripd(r, d):
    s = shp(r, 1, 4, int(r.integers(1, 3)))
    a, p_, n = (r.standard_normal(s).astype(d) for _ in range(3))
    kw = {"reduction": (str(r.choice(RED)), False), "swap": (bool(r.random() < .5), False),
          "margin": (float(r.choice([1.0, 0.3])), False)}
    return "triplet_margin_with_distance_loss", [a, p_, n], [True, True, True], kw

def g_ctc(r, d):
    T = int(r.integers(1, 7)); N = int(r.integers(1, 4)); C = int(r.integers(2, 5)); blank = int(r.integers(0, C))
    x = r.standard_normal((T, N, C)).astype(d); x = x - np.log(np.exp(x).sum(-1, keepdims=True))
    il = r.integers(0, T + 1, N).astype(np.int64); tl = r.integers(0, 4, N).astype(np.int64)
    labels = [c for c in range(C) if c != blank]
    S = int(tl.max())
    tgt2 = r.choice(labels, (N, max(S, 1))).astype(np.int64)
    if r.random() < 0.5:
        tg = np.concatenate([tgt2[i, :tl[i]] for i in range(N)]).astype(np.int64)
    else: tg = tgt2
    unb = r.random() < 0.2 and N == 1
    if unb:  # (T, C) log-probs; (S,) targets hold exactly target_length labels
        x, il, tl, tg = x[:, 0], il.reshape(()), tl.reshape(()), tgt2[0, :int(tl[0])]
    kw = {"reduction": (str(r.choice(RED)), False), "blank": (blank, False),
          "zero_infinity": (bool(r.random() < .5), False)}
    return "ctc_loss", [x, tg, il, tl], [True, False, False, False], kw

GENS = {"ce": g_ce, "nll": lambda r, d: g_ce(r, d, True), "bce": g_bce, "bcel": g_bcel,
        "mse": g_simple("mse_loss"), "l1": g_simple("l1_loss"), "sl1": g_simple("smooth_l1_loss"),
        "huber": g_simple("huber_loss"), "kl": g_kl, "pois": g_pois, "gauss": g_gauss, "cos": g_cos,
        "mrank": g_mrank, "hinge": g_hinge, "soft": g_soft, "mlsm": g_mlsm, "mm": g_mm, "mlm": g_mlm,
        "trip": g_trip, "tripd": g_tripd, "ctc": g_ctc}


def _make(lib, a, grad, strided):
    if a.dtype.kind == "f" and strided and a.ndim >= 1:
        t = lib.tensor(np.stack([a, a * 0 + 7], -1))[..., 0]  # a strided view of the same values
    else:
        t = lib.tensor(a)
    return t.detach().requires_grad_(True) if grad else t


def _run(lib, fm, name, arrays, grads, kw, seed, strided):
    ts = [_make(lib, a, g, strided) if isinstance(a, np.ndarray) else a for a, g in zip(arrays, grads)]
    kws = {k: (_make(lib, v, kg, strided) if isinstance(v, np.ndarray) else v) for k, (v, kg) in kw.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = getattr(fm, name)(*ts, **kws)
    o = np.array(out.detach().numpy())
    up = np.random.default_rng(seed).standard_normal(o.shape).astype(o.dtype)
    leaves = [t for t, g in zip(ts, grads) if g]
    out.backward(lib.tensor(up))
    return o, [t.grad.numpy() for t in leaves]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("key", sorted(GENS))
def test_fuzz_against_torch(key, seed):
    r = np.random.default_rng(1000 * seed + sum(map(ord, key)))
    d = np.float32 if seed % 2 else np.float64
    tol = 1e-4 if d == np.float32 else 1e-9
    name, arrays, grads, kw = GENS[key](r, d)
    up_seed, strided = int(r.integers(1 << 30)), seed % 4 >= 2
    want, want_g = _run(torch, TF_torch, name, arrays, grads, kw, up_seed, strided)
    got, got_g = _run(tg, TF_tg, name, arrays, grads, kw, up_seed, strided)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"{name} {kw}")
    for i, (a, b) in enumerate(zip(got_g, want_g)):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=f"{name} grad {i} {kw}")


def test_bce_gradient_at_0_and_1_uses_torchs_float_epsilon():
    # torch clamps x (1 - x) at a float 1e-12 (9.99999996e-13) even for double inputs: dx = -y / that at x = 0
    x, y = np.array([0.0, 1.0, 0.3]), np.array([0.7, 0.2, 0.5])
    g = []
    for lib in (torch, tg):
        t = lib.tensor(x, requires_grad=True)
        lib.nn.functional.binary_cross_entropy(t, lib.tensor(y), reduction="sum").backward()
        g.append(t.grad.numpy())
    np.testing.assert_allclose(g[1], g[0], rtol=1e-14)


def test_poisson_full_target_grad_is_nan_at_zero_as_torch():
    x, y = np.array([0.5, -0.2, 0.1]), np.array([0.0, 1.0, 3.0])
    g = []
    for lib in (torch, tg):
        t = lib.tensor(y, requires_grad=True)
        lib.nn.functional.poisson_nll_loss(lib.tensor(x), t, full=True, reduction="sum").backward()
        g.append(t.grad.numpy())
    np.testing.assert_allclose(g[1], g[0], rtol=1e-12, equal_nan=True)
    assert np.isnan(g[1][0])


def _f(*s):
    return np.random.default_rng(0).standard_normal(s)


NOGRAD = [  # (function name, positional args, the keyword (or index) that requires grad)
    ("binary_cross_entropy", [np.full((2, 3), .5), np.full((2, 3), .2)], "weight", (2, 3)),
    ("binary_cross_entropy_with_logits", [_f(2, 3), np.full((2, 3), .2)], "weight", (3,)),
    ("binary_cross_entropy_with_logits", [_f(2, 3), np.full((2, 3), .2)], "pos_weight", (3,)),
    ("cross_entropy", [_f(2, 3), np.array([0, 2])], "weight", (3,)),
    ("nll_loss", [_f(2, 3), np.array([0, 2])], "weight", (3,)),
    ("multi_margin_loss", [_f(2, 3), np.array([0, 2])], "weight", (3,)),
]


@pytest.mark.parametrize("name,args,arg,shape", NOGRAD, ids=[f"{n}-{a}" for n, _, a, _ in NOGRAD])
def test_arguments_torch_does_not_differentiate_raise(name, args, arg, shape):
    for lib in (torch, tg):
        w = lib.tensor(np.random.default_rng(1).random(shape), requires_grad=True)
        fn = getattr(lib.nn.functional, name)
        with pytest.raises(RuntimeError, match=f"not differentiable with respect to argument '{arg}'"):
            fn(*[lib.tensor(a) for a in args], **{arg: w})
    with tg.no_grad():  # no graph, nothing to refuse
        getattr(tg.nn.functional, name)(*[tg.tensor(a) for a in args], **{arg: tg.tensor(np.ones(shape))})


BAD = [  # (function name, args, kwargs): torch's exception type, and ours names the values
    ("cross_entropy", [_f(2, 3), np.array([0, 1, 1])], {}, "batch_size \\(2\\).*\\(3\\)"),
    ("nll_loss", [_f(2, 3), np.array([0, 1, 1])], {}, "batch_size \\(2\\).*\\(3\\)"),
    ("cross_entropy", [_f(2, 3), np.array([0, 1])], {"label_smoothing": 1.5}, "1.5"),
    ("binary_cross_entropy", [np.full((2, 3), .5), np.full((2, 4), .5)], {}, "\\(2, 4\\).*\\(2, 3\\)"),
    ("binary_cross_entropy_with_logits", [_f(2, 3), _f(2, 4)], {}, "\\(2, 4\\).*\\(2, 3\\)"),
    ("ctc_loss", [_f(6, 3), np.array([2]), np.array(6), np.array(0)], {"blank": 1}, "1 labels.*0"),
    ("ctc_loss", [_f(6, 3), np.array([2, 2]), np.array(6), np.array(1)], {"blank": 1}, "2 labels.*1"),
    ("ctc_loss", [_f(6, 2, 3), np.array([2, 2, 2]), np.array([6, 6]), np.array([1, 1])], {"blank": 1}, "3 labels.*2"),
]


@pytest.mark.parametrize("name,args,kw,msg", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_inputs_raise_as_torch(name, args, kw, msg):
    errs = []
    for lib in (torch, tg):
        try:
            getattr(lib.nn.functional, name)(*[lib.tensor(a) for a in args], **kw)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            errs.append(e)
        else:
            errs.append(None)
    assert errs[0] is not None and isinstance(errs[1], type(errs[0])), (errs, name)
    assert name in str(errs[1])
    assert re.search(msg, str(errs[1])), str(errs[1])


LOSSES = [n for n in dir(torch.nn) if n.endswith("Loss") and not n.startswith("_")
          and n not in ("AdaptiveLogSoftmaxWithLoss", "LinearCrossEntropyLoss")]


@pytest.mark.parametrize("name", LOSSES)
def test_module_defaults_repr_and_legacy_flags(name):
    T, G = getattr(torch.nn, name), getattr(tg.nn, name)
    a, b = T(), G()
    assert repr(b) == repr(a)
    for k in ("reduction", "ignore_index", "label_smoothing", "beta", "delta", "log_target", "blank", "zero_infinity",
              "margin", "p", "eps", "swap", "full", "log_input"):
        if hasattr(a, k):
            assert getattr(b, k) == getattr(a, k), k
    if "size_average" in inspect.signature(T.__init__).parameters:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for kw in ({"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True}):
                assert G(**kw).reduction == T(**kw).reduction, kw


EDGE = {  # name: (fn(F, *tensors), arrays): corners the random configurations don't reach
    "multi_margin_empty_mean": (lambda F, x, t: F.multi_margin_loss(x, t), [_f(0, 3), np.zeros(0, np.int64)]),
    "nll_uint8_ids": (lambda F, x, t: F.nll_loss(x, t, weight=None), [_f(4, 3), np.array([0, 1, 2, 1], np.uint8)]),
    "cross_entropy_uint8_ids": (lambda F, x, t: F.cross_entropy(x, t, reduction="none"),
                                [_f(4, 3), np.array([0, 1, 2, 1], np.uint8)]),
}


@pytest.mark.parametrize("name", sorted(EDGE))
def test_edge_cases_against_torch(name):
    fn, arrays = EDGE[name]
    out = []
    for lib in (torch, tg):
        x = lib.tensor(arrays[0], requires_grad=True)
        y = fn(lib.nn.functional, x, *[lib.tensor(a) for a in arrays[1:]])
        y.sum().backward()
        out.append((y.detach().numpy(), x.grad.numpy()))
    for a, b in zip(out[1], out[0]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_mse_of_integer_tensors_raises_as_torch():
    for lib in (torch, tg):
        with pytest.raises(NotImplementedError):
            lib.nn.functional.mse_loss(lib.arange(3), lib.arange(3))
    assert float(tg.nn.functional.mse_loss(tg.arange(3.0), tg.arange(3))) == 0.0  # one float operand: fine
