"""Differential checks against torch of nn.MultiheadAttention (the is_causal hint, the error types torch raises),
the transformer layers and the normalization layers: torch's state_dict is loaded into teenygrad's module, then the
outputs, the attention weights, the input and parameter gradients and the buffers are compared."""
import numpy as np
import pytest
import torch
import teenygrad as tg

TOL = {torch.float32: 1e-4, torch.float64: 1e-9}


def _tg(x, grad=False):
    if not isinstance(x, torch.Tensor):
        return x
    t = tg.tensor(x.detach().numpy().copy())
    return t.requires_grad_(True) if grad else t


def _close(a, b, dt, what):
    assert b is not None, what
    a, b = a.detach().numpy(), b.numpy()
    assert a.shape == b.shape and a.dtype == b.dtype, (what, a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_allclose(b, a, rtol=TOL[dt], atol=TOL[dt], err_msg=what)


def _check(build, inputs, call, dt, train, grad_idx=(0,), steps=1):
    """Same state, same inputs: outputs, gradients (inputs and parameters) and the state_dict afterwards match."""
    torch.manual_seed(0)
    tm, gm = build(torch).to(dt), build(tg).to(getattr(tg, str(dt).split(".")[-1]))
    sd = tm.state_dict()
    assert list(sd) == list(gm.state_dict())
    gm.load_state_dict({k: tg.tensor(v.numpy().copy()) for k, v in sd.items()})
    tm.train(train), gm.train(train)
    gen = torch.Generator().manual_seed(1)
    for _ in range(steps):
        ti = [x.detach().clone().requires_grad_(i in grad_idx) if isinstance(x, torch.Tensor) else x
              for i, x in enumerate(inputs)]
        gi = [_tg(x, i in grad_idx) for i, x in enumerate(inputs)]
        to, go = call(tm, ti), call(gm, gi)
        to, go = (to, go) if isinstance(to, tuple) else ((to,), (go,))
        lt = lg = 0
        for j, (a, b) in enumerate(zip(to, go)):
            if a is None:
                assert b is None
                continue
            _close(a, b, dt, f"output {j}")
            up = torch.randn(a.shape, dtype=a.dtype, generator=gen)
            lt, lg = lt + (a * up).sum(), lg + (b * _tg(up)).sum()
        lt.backward(), lg.backward()
        for i in grad_idx:
            _close(ti[i].grad, gi[i].grad, dt, f"grad of input {i}")
        gp = dict(gm.named_parameters())
        for n, p in tm.named_parameters():
            if p.grad is not None:
                _close(p.grad, gp[n].grad, dt, f"grad of {n}")
        tm.zero_grad(), gm.zero_grad()
    gs = gm.state_dict()
    for k, v in tm.state_dict().items():
        if v.dtype == torch.int64:
            assert int(v) == int(gs[k].numpy()), k
        else:
            _close(v, gs[k], dt, k)


# ---- the is_causal hint: with no key_padding_mask and no weights, torch drops attn_mask and runs SDPA's causal cut,
# which also cuts the appended bias_k / zero-attention keys (teenygrad used to attend to them through the mask)
@pytest.mark.parametrize("dt", [torch.float32, torch.float64])
@pytest.mark.parametrize("extra", ["zero_attn", "bias_kv", "none"])
@pytest.mark.parametrize("need_weights", [False, True])
def test_mha_is_causal_hint(dt, extra, need_weights):
    L, N, e, h = 3, 2, 6, 2
    kw = dict(add_zero_attn=extra == "zero_attn", add_bias_kv=extra == "bias_kv")
    g = torch.Generator().manual_seed(3)
    x = torch.randn(L, N, e, dtype=dt, generator=g)
    mask = torch.triu(torch.ones(L, L, dtype=torch.bool), 1)
    call = lambda m, ins: m(ins[0], ins[0], ins[0], attn_mask=ins[1], need_weights=need_weights, is_causal=True)
    _check(lambda lib: lib.nn.MultiheadAttention(e, h, **kw), [x, mask], call, dt, train=False)


@pytest.mark.parametrize("seed", range(6))
def test_mha_random_configs(seed):
    rng = np.random.default_rng(seed)
    dt = [torch.float32, torch.float64][seed % 2]
    h = int(rng.choice([1, 2])); e = 2 * h
    kdim, vdim = [None, e + 1][seed % 2], [None, e + 2][(seed // 2) % 2]
    bf, batched = bool(seed % 3), seed != 4
    kw = dict(bias=bool(rng.random() < .7), add_bias_kv=bool(rng.random() < .5), add_zero_attn=bool(rng.random() < .5),
              kdim=kdim, vdim=vdim, batch_first=bf)
    N, L, S = 2, 3, 4
    shp = lambda t, d: ((N, t, d) if bf else (t, N, d)) if batched else (t, d)
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(shp(t, d), dtype=dt, generator=g) for t, d in ((L, e), (S, kdim or e), (S, vdim or e)))
    am = torch.rand(((N if batched else 1) * h, L, S) if seed % 2 else (L, S), generator=g) < .3
    am[..., 0] = False
    kpm = torch.rand((N, S) if batched else (S,), generator=g) < .3
    kpm[..., 0] = False
    avg = bool(seed % 2)
    call = lambda m, i: m(i[0], i[1], i[2], key_padding_mask=i[4], attn_mask=i[3], average_attn_weights=avg)
    _check(lambda lib: lib.nn.MultiheadAttention(e, h, **kw), [q, k, v, am, kpm], call, dt, bool(seed % 2),
           grad_idx=(0, 1, 2))


# ---- errors: torch asserts on these (AssertionError); teenygrad's are still RuntimeError / TypeError as before
def _mha_err(lib, case):
    m = lib.nn.MultiheadAttention(4, 2, **({"kdim": 3, "vdim": 3} if case == "kdim" else {}))
    r = lambda *s: lib.zeros(*s)
    q = r(3, 2, 4)
    args = {"embed": (r(3, 2, 5), r(3, 2, 5), r(3, 2, 5)), "kv_len": (q, r(5, 2, 4), r(4, 2, 4)),
            "kdim": (q, r(5, 2, 4), r(5, 2, 4)), "q4d": (r(3, 2, 4, 1), q, q), "k2d": (q, r(3, 4), r(3, 4))}
    kw = {"mask4d": dict(attn_mask=r(2, 2, 3, 3)), "mask_int": dict(attn_mask=lib.zeros(3, 3, dtype=lib.int64)),
          "kpm_shape": dict(key_padding_mask=lib.zeros(2, 4, dtype=lib.bool)),
          "kpm_1d": dict(key_padding_mask=lib.zeros(3, dtype=lib.bool)),
          "kpm_int": dict(key_padding_mask=lib.zeros(2, 3, dtype=lib.int64))}
    if case == "unbatched_mask3d":
        return m(r(3, 4), r(5, 4), r(5, 4), attn_mask=r(3, 3, 5))
    if case == "float_mask_dtype":
        return m(q, q, q, attn_mask=lib.zeros(3, 3, dtype=lib.float64))
    return m(*args.get(case, (q, q, q)), **kw.get(case, {}))


@pytest.mark.parametrize("case", ["embed", "kv_len", "kdim", "q4d", "k2d", "mask4d", "mask_int", "kpm_shape",
                                  "kpm_1d", "kpm_int", "unbatched_mask3d", "float_mask_dtype"])
def test_mha_error_types(case):
    with pytest.raises(Exception) as want:
        _mha_err(torch, case)
    with pytest.raises(type(want.value)):
        _mha_err(tg, case)


def test_mha_ctor_and_batchnorm_error_types():
    with pytest.raises(AssertionError, match=r"5.*2"):
        tg.nn.MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match="num_heads=0"):
        tg.nn.MultiheadAttention(4, 0)
    with pytest.raises(RuntimeError, match=r"\(2, 4, 4, 5\) has 4 channels.*num_features=3"):  # torch: RuntimeError
        tg.nn.BatchNorm2d(3)(tg.zeros(2, 4, 4, 5))


# ---- transformer layers end to end
@pytest.mark.parametrize("kind", ["enc", "dec", "encstack", "decstack", "full"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_layers(kind, norm_first):
    dt = torch.float64 if norm_first else torch.float32
    d, h, bf, N, S, T = 4, 2, kind in ("dec", "full"), 2, 3, 4
    g = torch.Generator().manual_seed(7)
    shp = lambda t: (N, t, d) if bf else (t, N, d)
    src, tgt = torch.randn(shp(S), dtype=dt, generator=g), torch.randn(shp(T), dtype=dt, generator=g)
    smask = torch.triu(torch.ones(S, S, dtype=torch.bool), 1)
    tmask = torch.zeros(T, T, dtype=dt).masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
    skpm = torch.tensor([[False, False, True], [False, True, False]])

    def build(lib):
        kw = dict(dim_feedforward=5, dropout=0.0, activation="gelu" if norm_first else lib.nn.functional.relu,
                  layer_norm_eps=1e-3, batch_first=bf, norm_first=norm_first, bias=kind != "enc")
        E, D = lib.nn.TransformerEncoderLayer, lib.nn.TransformerDecoderLayer
        return {"enc": lambda: E(d, h, **kw), "dec": lambda: D(d, h, **kw),
                "encstack": lambda: lib.nn.TransformerEncoder(E(d, h, **kw), 2, norm=lib.nn.LayerNorm(d),
                                                              enable_nested_tensor=False),
                "decstack": lambda: lib.nn.TransformerDecoder(D(d, h, **kw), 2),
                "full": lambda: lib.nn.Transformer(d, h, 1, 2, **kw)}[kind]()

    def call(m, i):
        src, tgt, smask, tmask, skpm = i
        if kind == "enc":
            return m(src, src_mask=smask, src_key_padding_mask=skpm)
        if kind == "encstack":
            return m(src, mask=smask, src_key_padding_mask=skpm)
        if kind in ("dec", "decstack"):
            return m(tgt, src, tgt_mask=tmask, memory_key_padding_mask=skpm)
        return m(src, tgt, src_mask=smask, tgt_mask=tmask, src_key_padding_mask=skpm, memory_key_padding_mask=skpm)
    _check(build, [src, tgt, smask, tmask, skpm], call, dt, train=kind != "dec",
           grad_idx=(0,) if kind.startswith("enc") else (0, 1))


# ---- normalization layers: outputs, gradients and running statistics after several steps
NORMS = [("BatchNorm1d", (4, 3), dict(momentum=None)), ("BatchNorm1d", (4, 3, 5), dict(affine=False)),
         ("BatchNorm2d", (2, 3, 2, 3), dict(momentum=0.5)),
         ("BatchNorm3d", (2, 3, 2, 1, 2), dict(track_running_stats=False)),
         ("InstanceNorm1d", (2, 3, 5), dict(affine=True, track_running_stats=True)),
         ("InstanceNorm2d", (3, 2, 3), dict(track_running_stats=True, momentum=None)),
         ("GroupNorm", (2, 6, 3), dict(num_groups=3)),
         ("LayerNorm", (2, 3, 4), dict(normalized_shape=(3, 4), bias=False)),
         ("LayerNorm", (2, 4), dict(normalized_shape=4, elementwise_affine=False)),
         ("RMSNorm", (2, 3, 4), dict(normalized_shape=[3, 4], eps=None)),
         ("LocalResponseNorm", (2, 5, 3), dict(size=3, alpha=0.5, beta=0.3, k=2.0))]


@pytest.mark.parametrize("name,shape,kw", NORMS)
@pytest.mark.parametrize("train", [True, False])
def test_norm_layers(name, shape, kw, train):
    dt = torch.float64 if train else torch.float32
    args = () if name in ("GroupNorm", "LayerNorm", "RMSNorm", "LocalResponseNorm") else (3,)
    if name == "GroupNorm":
        args = (kw["num_groups"], 6)
        kw = {}

    def build(lib):
        m = getattr(lib.nn, name)(*args, **kw)
        if lib is torch:  # move the state off its defaults so loading it matters
            with torch.no_grad():
                for t in list(m.parameters()) + [b for b in m.buffers() if b.is_floating_point()]:
                    t.add_(torch.rand(t.shape, dtype=t.dtype) * 0.3)
        return m
    x = torch.randn(shape, dtype=dt, generator=torch.Generator().manual_seed(5)) * 2 + 0.5
    _check(build, [x], lambda m, i: m(i[0]), dt, train, steps=3)
