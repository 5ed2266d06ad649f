"""gumbel_softmax, alpha_dropout / feature_alpha_dropout (and AlphaDropout, FeatureAlphaDropout), grouped-query
scaled_dot_product_attention (enable_gqa), max_pool{1,2}d_with_indices with max_unpool{1,2}d (and MaxUnpool1d/2d),
and LazyLinear (with UninitializedParameter) against torch: forward and backward on random inputs (non-contiguous
ones included), the same random draws after the same manual_seed, float64 finite-difference gradchecks, and the
errors bad arguments raise."""
import copy
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.nn as nn
import teenygrad.nn.functional as F
from teenygrad.autograd import gradcheck
from helpers import compare, gc_input, rand, raises_like_torch

TOL = {np.float32: dict(fwd=dict(atol=1e-6, rtol=1e-5), bwd=dict(atol=1e-5, rtol=1e-4)),
       np.float64: dict(fwd=dict(atol=1e-12, rtol=1e-12), bwd=dict(atol=1e-12, rtol=1e-12))}
DTYPES = [np.float32, np.float64]
LAYOUTS = ["contig", "T", "step"]  # C order; a transposed view; every other row of a taller array
SEEDS = [0, 1234]


def _seeded(seed, op):
    """fn(lib, *xs) that seeds lib's generator, then runs op(lib, *xs): both libraries draw from the same state."""
    def fn(lib, *xs):
        lib.manual_seed(seed)
        return op(lib, *xs)
    return fn


def _same_next_draw():
    """Both generators were left at the same place: the next numbers agree too."""
    np.testing.assert_array_equal(tg.rand(7).numpy(), torch.rand(7).numpy())


# ---- gumbel_softmax ------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_gumbel_softmax_draws_torchs_noise(seed, dtype):
    # the Gumbel noise is torch's bit for bit; the soft values differ from torch's in the last bits (torch's
    # SLEEF float log/exp and its vectorised softmax sum round differently from numpy's); the one-hots are exact
    x = rand((5, 9), seed, dtype)
    for lib in (torch, tg):
        lib.manual_seed(seed)
    np.testing.assert_array_equal(tg.empty(5, 9, dtype=x.dtype).exponential_().numpy(),
                                  torch.empty(5, 9, dtype=torch.from_numpy(x).dtype).exponential_().numpy())
    for tau, hard in [(1.0, False), (0.3, False), (0.7, True)]:
        torch.manual_seed(seed)
        want = torch.nn.functional.gumbel_softmax(torch.from_numpy(x), tau=tau, hard=hard).numpy()
        tg.manual_seed(seed)
        got = F.gumbel_softmax(tg.tensor(x), tau=tau, hard=hard)
        assert got.dtype == x.dtype
        if hard:
            np.testing.assert_array_equal(got.numpy(), want)
        else:
            np.testing.assert_allclose(got.numpy(), want, rtol=64 * np.finfo(dtype).eps, atol=0)
        _same_next_draw()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_matches_torch(hard, dtype, layout):
    for dim in (-1, 0, 1):
        compare(_seeded(7, lambda lib, x: lib.nn.functional.gumbel_softmax(x, tau=0.5, hard=hard, dim=dim)),
                [rand((4, 3, 6), 1, dtype)], layout=layout, **TOL[dtype])


def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient():
    x = tg.tensor(rand((6, 5), 2), requires_grad=True)
    tg.manual_seed(3)
    soft = F.gumbel_softmax(x, tau=0.5)
    tg.manual_seed(3)
    hard = F.gumbel_softmax(x, tau=0.5, hard=True)
    np.testing.assert_array_equal(hard.numpy(), np.eye(5, dtype=np.float32)[soft.numpy().argmax(-1)])
    g = rand((6, 5), 4)
    (gs,) = tg.autograd.grad((soft * tg.tensor(g)).sum(), [x])
    (gh,) = tg.autograd.grad((hard * tg.tensor(g)).sum(), [x])
    np.testing.assert_allclose(gh.numpy(), gs.numpy(), atol=1e-6)


def test_gumbel_softmax_gradcheck():
    # (hard=True's straight-through gradient is the soft one's by design, not its own forward's derivative)
    assert gradcheck(lambda a: (tg.manual_seed(0), F.gumbel_softmax(a, tau=0.7, dim=0))[1], [gc_input((4, 3), 1)])


def test_gumbel_softmax_errors_and_eps_warning():
    raises_like_torch(lambda lib: lib.nn.functional.gumbel_softmax(lib.tensor([1, 2, 3])), RuntimeError,
                      "gumbel_softmax: expected floating point logits, got int64")
    with pytest.raises(TypeError, match="gumbel_softmax: logits must be a Tensor"):
        F.gumbel_softmax([1.0, 2.0])
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(tg.zeros(3), eps=1e-5)


# ---- alpha dropout -------------------------------------------------------------------------------------
ALPHA = ["alpha_dropout", "feature_alpha_dropout"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ALPHA)
def test_alpha_dropout_is_torchs_bit_for_bit(op, dtype, layout, seed):
    for p, shape in [(0.3, (6, 4, 5)), (0.5, (3, 8)), (0.9, (2, 3, 4, 5))]:
        out, want = compare(_seeded(seed, lambda lib, x: getattr(lib.nn.functional, op)(x, p, training=True)),
                            [rand(shape, seed, dtype)], layout=layout, **TOL[dtype])
        np.testing.assert_array_equal(out[0].numpy(), want[0].detach().numpy())
        _same_next_draw()


@pytest.mark.parametrize("op", ALPHA)
def test_alpha_dropout_identity_cases_and_p1(op):
    f = getattr(F, op)
    x = tg.tensor(rand((3, 4), 1))
    assert f(x, 0.5) is x  # torch's default: training=False
    assert f(x, 0.0, training=True) is x
    assert f(tg.zeros(0, 3), 0.5, training=True).shape == (0, 3)
    compare(lambda lib, a: getattr(lib.nn.functional, op)(a, 1.0, True), [rand((3, 4), 2)])  # x * 0: signed zeros
    np.testing.assert_array_equal(np.signbit(f(x, 1.0, True).numpy()), np.signbit(x.numpy()))


@pytest.mark.parametrize("op", ALPHA)
def test_alpha_dropout_inplace_and_modules(op):
    x = rand((4, 6, 3), 3)
    torch.manual_seed(5)
    tx = torch.tensor(x)
    getattr(torch.nn.functional, op)(tx, 0.4, True, inplace=True)
    tg.manual_seed(5)
    a = tg.tensor(x)
    assert getattr(F, op)(a, 0.4, True, inplace=True) is a
    np.testing.assert_array_equal(a.numpy(), tx.numpy())
    compare(_seeded(5, lambda lib, t: getattr(lib.nn.functional, op)(t * 1, 0.4, True, inplace=True)), [x])
    name = "AlphaDropout" if op == "alpha_dropout" else "FeatureAlphaDropout"
    m, tm = getattr(nn, name)(0.2), getattr(torch.nn, name)(0.2)
    assert repr(m) == repr(tm) == f"{name}(p=0.2, inplace=False)"
    for lib in (torch, tg):
        lib.manual_seed(1)
    np.testing.assert_array_equal(m(tg.tensor(x)).numpy(), tm(torch.tensor(x)).numpy())
    m.eval()
    tm.eval()
    np.testing.assert_array_equal(m(tg.tensor(x)).numpy(), x)
    raises_like_torch(lambda lib: getattr(lib.nn, name)(1.5), ValueError, "probability has to be between 0 and 1")


def test_alpha_dropout_gradcheck():
    for op in ALPHA:
        assert gradcheck(lambda a: (tg.manual_seed(2), getattr(F, op)(a, 0.4, True))[1], [gc_input((3, 4, 2), 1)])


def test_alpha_dropout_errors():
    for op in ALPHA:
        raises_like_torch(lambda lib: getattr(lib.nn.functional, op)(lib.ones(3, 2), -0.1, True), ValueError,
                          rf"{op}: dropout probability has to be between 0 and 1, but got -0.1")
        raises_like_torch(lambda lib: getattr(lib.nn.functional, op)(lib.arange(6).reshape(2, 3), 0.5, True),
                          RuntimeError, rf"{op}: expected a floating point input, got int64")
    raises_like_torch(lambda lib: lib.nn.functional.feature_alpha_dropout(lib.ones(4), 0.5, True), RuntimeError,
                      r"Feature dropout requires at least 2 dimensions in the input, got shape \(4,\)")


# ---- grouped-query attention ---------------------------------------------------------------------------
GQA = [  # query, key, value shapes and keywords
    ((2, 6, 4, 8), (2, 2, 5, 8), (2, 2, 5, 3), dict()),
    ((2, 6, 4, 8), (2, 3, 5, 8), (2, 2, 5, 3), dict(is_causal=True)),            # key and value repeat differently
    ((1, 4, 3, 5), (2, 1, 3, 5), (2, 1, 3, 5), dict(scale=0.3)),                 # batch broadcast, one kv head
    ((4, 3, 6), (2, 7, 6), (2, 7, 4), dict()),                                   # unbatched (H, L, E)
    ((2, 4, 4, 8), (2, 4, 5, 8), (2, 4, 5, 3), dict()),                          # Hq == Hkv: plain attention
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("qs,ks,vs,kw", GQA)
def test_sdpa_gqa_matches_torch(qs, ks, vs, kw, dtype, layout):
    arrays = [rand(qs, 1, dtype), rand(ks, 2, dtype), rand(vs, 3, dtype)]
    compare(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True, **kw),
            arrays, layout=layout, **TOL[dtype])


def test_sdpa_gqa_with_masks_and_dropout():
    q, k, v = rand((2, 6, 4, 8), 1), rand((2, 2, 5, 8), 2), rand((2, 2, 5, 3), 3)
    bool_mask, float_mask = rand((4, 5), 4, np.bool_), rand((6, 4, 5), 5)
    bool_mask[:, 0] = True  # every query sees a key
    for mask in (bool_mask, float_mask):
        compare(lambda lib, a, b, c, m: lib.nn.functional.scaled_dot_product_attention(a, b, c, attn_mask=m,
                                                                                        enable_gqa=True),
                [q, k, v, mask], grad=[True, True, True, mask.dtype.kind == "f"])
    compare(_seeded(3, lambda lib, a, b, c: lib.nn.functional.scaled_dot_product_attention(
        a, b, c, dropout_p=0.4, enable_gqa=True)), [q, k, v])
    _same_next_draw()


def test_sdpa_gqa_gradcheck():
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True, is_causal=True),
                     [gc_input((1, 4, 3, 2), 1), gc_input((1, 2, 4, 2), 2), gc_input((1, 1, 4, 3), 3)])


def test_sdpa_gqa_errors():
    def sdpa(q, k, v):
        return lambda lib: lib.nn.functional.scaled_dot_product_attention(lib.ones(*q), lib.ones(*k), lib.ones(*v),
                                                                          enable_gqa=True)
    match = r"Number of heads in key and value must divide the number of heads in query .*query has 6, key 4"
    raises_like_torch(sdpa((2, 6, 4, 8), (2, 4, 5, 8), (2, 4, 5, 3)), RuntimeError, match)
    raises_like_torch(sdpa((2, 2, 4, 8), (2, 6, 5, 8), (2, 6, 5, 3)), RuntimeError, "must divide")
    raises_like_torch(sdpa((4, 8), (5, 8), (5, 3)), IndexError, "enable_gqa needs a heads dim")
    raises_like_torch(lambda lib: lib.nn.functional.scaled_dot_product_attention(  # no gqa: no repeat
        lib.ones(2, 6, 4, 8), lib.ones(2, 2, 5, 8), lib.ones(2, 2, 5, 3)), RuntimeError, "6|2")


# ---- max pooling with indices, and max unpooling -------------------------------------------------------
# windows never overlap here: a max that two windows share would be unpooled twice, and which write torch keeps
# then depends on its threads (its docs call repeated indices nondeterministic); teenygrad keeps the last
UNPOOL = [  # nd, input shape, pool keywords, output_size for unpool
    (1, (2, 3, 9), dict(kernel_size=2), None),
    (1, (3, 10), dict(kernel_size=3, stride=2, padding=1), (10,)),                    # unbatched, explicit size
    (1, (2, 2, 11), dict(kernel_size=3, stride=2), (2, 2, 12)),                       # (N, C, L) output_size
    (2, (2, 3, 8, 6), dict(kernel_size=2), None),
    (2, (2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1), (9, 8)),
    (2, (3, 7, 6), dict(kernel_size=2, stride=(3, 2)), (7, 6)),                       # unbatched, gaps
    (2, (1, 2, 5, 5), dict(kernel_size=2, stride=2), (1, 2, 5, 5)),                    # odd size recovered
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd,shape,kw,size", UNPOOL)
def test_max_pool_with_indices_and_unpool_match_torch(nd, shape, kw, size, dtype, layout):
    def pool(lib, x):
        return getattr(lib.nn.functional, f"max_pool{nd}d_with_indices")(x, **kw)

    def roundtrip(lib, x, y):
        v, i = pool(lib, x)
        k = {key: kw[key] for key in ("kernel_size", "stride", "padding") if key in kw}
        return getattr(lib.nn.functional, f"max_unpool{nd}d")(v * y, i, output_size=size, **k), i

    x = rand(shape, 1, dtype)
    compare(pool, [x], layout=layout, **TOL[dtype])
    y = rand(pool(torch, torch.from_numpy(x))[0].shape, 2, dtype)
    compare(roundtrip, [x, y], layout=layout, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_unpool_of_given_values_and_indices(dtype):
    # unpool a tensor that needs grad with indices not from a pooling (a permutation), module forms too
    idx = np.stack([np.random.default_rng(s).permutation(12)[:6] for s in range(6)]).reshape(2, 3, 6)
    m, tm = nn.MaxUnpool1d(2), torch.nn.MaxUnpool1d(2)
    assert repr(m) == repr(tm)
    compare(lambda lib, x, i: (m if lib is tg else tm)(x, i), [rand((2, 3, 6), 3, dtype), idx], **TOL[dtype])
    idx2 = idx.reshape(2, 3, 2, 3)
    m2, tm2 = nn.MaxUnpool2d((2, 3), stride=(2, 2)), torch.nn.MaxUnpool2d((2, 3), stride=(2, 2))
    assert repr(m2) == repr(tm2)
    compare(lambda lib, x, i: (m2 if lib is tg else tm2)(x, i, output_size=(4, 6)), [rand((2, 3, 2, 3), 4, dtype),
            idx2], **TOL[dtype])


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_pool_with_indices_ignores_return_indices(nd):
    x = tg.tensor(rand((1, 2) + (4,) * nd, 1))
    v, i = getattr(F, f"max_pool{nd}d_with_indices")(x, 2, return_indices=False)
    w, j = getattr(F, f"max_pool{nd}d")(x, 2, return_indices=True)
    np.testing.assert_array_equal(v.numpy(), w.numpy())
    np.testing.assert_array_equal(i.numpy(), j.numpy())
    assert i.dtype == np.int64


def test_max_unpool_gradcheck():
    # windows that don't overlap: a max that two windows share is written twice, and its gradient (a gather, as
    # torch's) counts it twice where finite differences see it once
    assert gradcheck(lambda a: F.max_unpool2d(*F.max_pool2d_with_indices(a, 2), 2), [gc_input((1, 2, 4, 6), 1)])
    assert gradcheck(lambda a: F.max_unpool1d(*F.max_pool1d_with_indices(a, 3, 3, 1), 3, 3, 1, output_size=(8,)),
                     [gc_input((2, 8), 2)])


def test_max_unpool_errors():
    def unpool(fix, nd=2, **kw):
        def fn(lib):
            x = lib.tensor(rand((1, 2, 4, 4), 1))
            v, i = lib.nn.functional.max_pool2d(x, 2, return_indices=True)
            v, i = fix(lib, v, i)
            return getattr(lib.nn.functional, f"max_unpool{nd}d")(v, i, 2, **kw)
        return fn
    raises_like_torch(unpool(lambda lib, v, i: (v, i.int())), RuntimeError,
                      "max_unpool2d: elements in indices should be type int64 but got int32")
    raises_like_torch(unpool(lambda lib, v, i: (v, i[:, :1])), RuntimeError,
                      r"expected indices of the input's shape \(1, 2, 2, 2\) but got indices of shape \(1, 1, 2, 2\)")
    # which bad index torch names depends on its threads (the last one met in a plane): one bad index here
    raises_like_torch(unpool(lambda lib, v, i: (v, lib.where(i == i.max(), 99, i))), RuntimeError,
                      r"Found an invalid max index: 99 \(output volumes are of size 4x4\)")
    raises_like_torch(unpool(lambda lib, v, i: (v, -i - 1)), RuntimeError, "Found an invalid max index: -1[0-9]")
    raises_like_torch(unpool(lambda lib, v, i: (v, i), output_size=(9, 9)), ValueError,
                      r'invalid output_size "\(9, 9\)" \(dim 0 must be between 2 and 6\)')
    raises_like_torch(unpool(lambda lib, v, i: (v, i), output_size=(1, 2, 3)), ValueError,
                      "output_size should be a sequence containing 2 or 4 elements, but it has a length of '3'")
    raises_like_torch(unpool(lambda lib, v, i: (v[0, 0], i[0, 0])), RuntimeError,
                      r"max_unpool2d: expected a 3-D or 4-D \(batched\) input .* got shape \(2, 2\)")
    raises_like_torch(unpool(lambda lib, v, i: (v[0, 0, 0], i[0, 0, 0]), nd=1), RuntimeError,
                      r"max_unpool1d: expected a 2-D or 3-D")


# ---- LazyLinear ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS + [2 ** 40 + 7])
@pytest.mark.parametrize("bias", [True, False])
def test_lazy_linear_draws_torchs_init_at_first_forward(seed, bias):
    x = rand((3, 2, 9), seed)
    outs = {}
    for lib in (torch, tg):
        lib.manual_seed(seed)
        m = lib.nn.LazyLinear(5, bias=bias)
        lib.rand(4)  # a draw between construction and the first forward: the init comes after it
        assert repr(m) == f"LazyLinear(in_features=0, out_features=5, bias={bias})"
        outs[lib] = m, m(lib.tensor(x, requires_grad=True))
        assert type(m).__name__ == "Linear" and repr(m) == f"Linear(in_features=9, out_features=5, bias={bias})"
    (m, y), (tm, ty) = outs[tg], outs[torch]
    for (n, p), (tn, tp) in zip(m.named_parameters(), tm.named_parameters()):
        assert n == tn and type(p) is nn.Parameter
        np.testing.assert_array_equal(p.numpy(), tp.detach().numpy(), err_msg=n)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-6, rtol=1e-5)
    _same_next_draw()
    g = rand(ty.shape, 1)
    y.backward(tg.tensor(g))
    ty.backward(torch.tensor(g))
    for p, tp in zip(m.parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-5, rtol=1e-5)


def test_lazy_linear_before_the_first_forward():
    for lib in (torch, tg):
        m = lib.nn.LazyLinear(3)
        params = list(m.parameters())
        assert [type(p).__name__ for p in params] == ["UninitializedParameter"] * 2
        assert isinstance(params[0], lib.nn.UninitializedParameter) and isinstance(params[0], lib.nn.Parameter)
        assert m.has_uninitialized_params() and repr(params[0]) == "<UninitializedParameter>"
        assert list(m.state_dict()) == ["weight", "bias"]
        assert all(isinstance(v, lib.nn.UninitializedParameter) for v in m.state_dict().values())
        with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
            sum(p.numel() for p in m.parameters())
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
            m.weight.shape
        copy.deepcopy(m)  # copies stay lazy


def test_lazy_linear_optimizer_built_before_forward():
    # as torch's: the optimizer holds the parameters, which become real in place at the first forward
    x = rand((4, 6), 1)
    got = {}
    for lib in (torch, tg):
        lib.manual_seed(0)
        m = lib.nn.LazyLinear(2)
        opt = lib.optim.Adam(m.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (m(lib.tensor(x)) ** 2).sum().backward()
            opt.step()
        got[lib] = [p.detach().numpy().copy() for p in m.parameters()]
    for a, b in zip(got[tg], got[torch]):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=1e-5)


def test_lazy_linear_state_dict_round_trips():
    tg.manual_seed(0)
    src = nn.LazyLinear(3)
    src(tg.randn(2, 4))
    for lib, sd in ((tg, src.state_dict()), (torch, {k: torch.tensor(v.numpy()) for k, v in src.state_dict().items()})):
        m = lib.nn.LazyLinear(3)
        m.load_state_dict(sd)  # materialized from the loaded shapes: still lazy in name, in_features unknown
        assert tuple(m.weight.shape) == (3, 4) and not m.has_uninitialized_params() and m.in_features == 0
        np.testing.assert_array_equal(m.weight.detach().numpy(), src.weight.numpy())
        with pytest.raises((RuntimeError, AssertionError), match="in_features inferred from input: 5"):
            m(lib.ones(2, 5))
        m(lib.ones(2, 4))
        assert repr(m) == "Linear(in_features=4, out_features=3, bias=True)"
    nested = nn.Sequential(nn.LazyLinear(3), nn.ReLU())
    nested.load_state_dict({"0." + k: v for k, v in src.state_dict().items()})
    np.testing.assert_array_equal(nested[0].bias.numpy(), src.bias.numpy())
    m = nn.LazyLinear(3)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "bias"'):
        m.load_state_dict({"weight": src.weight})
    raises_like_torch(lambda lib: lib.nn.Linear(4, 3).load_state_dict(lib.nn.LazyLinear(3).state_dict()),
                      RuntimeError, "Can't access the shape of an uninitialized parameter")


def test_lazy_linear_dtype_and_bad_inputs():
    for lib in (torch, tg):
        m = lib.nn.LazyLinear(3).double()  # the dtype is kept until the parameters are made
        m(lib.ones(2, 4, dtype=lib.float64))
        assert m.weight.dtype == lib.float64
        m = lib.nn.LazyLinear(3, dtype=lib.float64)
        assert m(lib.ones(4, dtype=lib.float64)).shape == (3,)
    raises_like_torch(lambda lib: lib.nn.LazyLinear(3)(lib.tensor(1.0)), IndexError, "0-d input")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LazyLinear(2)  # no warning at construction (torch's are gone too)


def test_new_names_are_exported_where_torch_exports_them():
    for mod, names in ((torch.nn.functional, ["gumbel_softmax", "alpha_dropout", "feature_alpha_dropout",
                                              "max_pool1d_with_indices", "max_pool2d_with_indices", "max_unpool1d",
                                              "max_unpool2d", "scaled_dot_product_attention"]),
                       (torch.nn, ["AlphaDropout", "FeatureAlphaDropout", "MaxUnpool1d", "MaxUnpool2d", "LazyLinear",
                                   "UninitializedParameter"]),
                       (torch.nn.parameter, ["UninitializedParameter"])):
        ours = {torch.nn.functional: F, torch.nn: nn, torch.nn.parameter: nn.parameter}[mod]
        for n in names:
            assert hasattr(mod, n) and callable(getattr(ours, n)), n


def test_unpool_empty_batch_and_feature_alpha_dropout_noop_order():
    for lib in (tg, torch):  # an empty batch unpools to an empty batch
        out = lib.nn.functional.max_unpool2d(lib.ones(0, 1, 2, 2), lib.zeros(0, 1, 2, 2, dtype=lib.int64), 2)
        assert tuple(out.shape) == (0, 1, 4, 4)
    # the no-op exits (eval, p = 0) come before feature dropout's rank check, as torch's
    for lib in (tg, torch):
        assert tuple(lib.nn.functional.feature_alpha_dropout(lib.ones(3), 0.5, training=False).shape) == (3,)
    raises_like_torch(lambda lib: lib.nn.functional.feature_alpha_dropout(lib.ones(3), 0.5, training=True),
                      RuntimeError, "Feature dropout requires at least 2 dimensions")
