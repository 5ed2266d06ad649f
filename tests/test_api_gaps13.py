"""API gaps a device audit found, against torch: tril_indices / triu_indices(dtype=, device=), scalar_tensor,
normal's graph node (zero gradients to mean and std), distributions.Multinomial, F.grid_sample(mode='bicubic'), and
x_cuda[i] = 0-d cpu tensor. Values, dtypes, gradients, and the exception types of bad arguments; the device cases
run on the fake GPU (tests/fake_cupy.py), as tests/test_device.py does."""
import math

import numpy as np
import pytest
import torch
import torch.distributions as TD
import torch.nn.functional as TF

import teenygrad as tg
from helpers import raises_same
import teenygrad.distributions as D
import teenygrad.nn.functional as F
from teenygrad.creation import scalar_tensor  # not yet exported as tg.scalar_tensor (teenygrad/__init__.py)

import fake_cupy
from fake_cupy import FakeDeviceArray

FWD = dict(atol=1e-6, rtol=1e-5)  # float32 values
BWD = dict(atol=1e-5, rtol=1e-4)  # float32 gradients
F64 = dict(atol=1e-12, rtol=1e-10)


def _close(t, g, tol=FWD):
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), **tol)


@pytest.fixture
def gpu():
    undo = fake_cupy.install()
    yield fake_cupy
    undo()


# ---- tril_indices / triu_indices --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("row,col,offset", [(3, 3, 0), (3, 5, 1), (5, 2, -2), (4, 4, -10), (0, 3, 0), (2, 6, 9)])
@pytest.mark.parametrize("dtype", [None, "int32", "int64"])
def test_tri_indices(name, row, col, offset, dtype):
    kw = {} if dtype is None else dict(dtype=getattr(torch, dtype))
    t = getattr(torch, name)(row, col, offset, **kw)
    g = getattr(tg, name)(row, col, offset, **({} if dtype is None else dict(dtype=getattr(tg, dtype))))
    assert str(g.dtype) == str(t.dtype).replace("torch.", "") and tuple(g.shape) == tuple(t.shape)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "bool", "int8", "uint8", "int16"])
def test_tri_indices_bad_dtype(name, dtype):
    raises_same(lambda: getattr(torch, name)(3, 3, dtype=getattr(torch, dtype)),
                 lambda: getattr(tg, name)(3, 3, dtype=getattr(tg, dtype)))


@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("args", [(-1, 3), (3, -2), (2.0, 3), (3, 3, 1.5)])
def test_tri_indices_bad_args(name, args):
    raises_same(lambda: getattr(torch, name)(*args), lambda: getattr(tg, name)(*args))


@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
def test_tri_indices_cuda(gpu, name):
    g = getattr(tg, name)(4, 5, 1, dtype=tg.int32, device="cuda")
    assert type(g._data) is FakeDeviceArray and g.device.type == "cuda" and g.dtype == tg.int32
    np.testing.assert_array_equal(g.cpu().numpy(), getattr(torch, name)(4, 5, 1).numpy())


# ---- scalar_tensor ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("s", [3, 2.5, -1.25, True, False, 0, 1e30, 1e39, 65520.0, float("inf"), 2 ** 33])
@pytest.mark.parametrize("dtype", [None, "float64", "int32", "int64", "bool", "float16"])
def test_scalar_tensor(s, dtype):
    kw = {} if dtype is None else dict(dtype=getattr(torch, dtype))
    try:
        t = torch.scalar_tensor(s, **kw)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            scalar_tensor(s, **({} if dtype is None else dict(dtype=getattr(tg, dtype))))
        return
    g = scalar_tensor(s, **({} if dtype is None else dict(dtype=getattr(tg, dtype))))
    assert g.ndim == 0 and str(g.dtype) == str(t.dtype).replace("torch.", "")
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_scalar_tensor_grad_and_tensor_arg():
    g, t = scalar_tensor(2.0, requires_grad=True), torch.scalar_tensor(2.0, requires_grad=True)
    assert g.requires_grad and t.requires_grad
    (g * g * 3).backward()
    (t * t * 3).backward()
    _close(t.grad, g.grad)
    _close(torch.scalar_tensor(torch.tensor(4.5)), scalar_tensor(tg.tensor(4.5)))  # a 0-d tensor reads as a number


@pytest.mark.parametrize("case", ["list", "1d", "str", "none", "complex", "int_grad", "overflow", "float32_over"])
def test_scalar_tensor_bad(case):
    args = {"list": ([1, 2],), "1d": ("T1",), "str": ("a",), "none": (None,), "complex": (1 + 2j,),
            "int_grad": (2, "int32", True), "overflow": (2 ** 40, "int32"), "float32_over": (1e40, "float32")}[case]

    def call(lib, s, dtype=None, rg=False):
        s = lib.tensor([1.0, 2.0]) if s == "T1" else s
        kw = {} if dtype is None else dict(dtype=getattr(lib, dtype))
        fn = torch.scalar_tensor if lib is torch else scalar_tensor
        return fn(s, requires_grad=rg, **kw)
    raises_same(lambda: call(torch, *args), lambda: call(tg, *args))


def test_scalar_tensor_cuda(gpu):
    g = scalar_tensor(1.5, device="cuda", requires_grad=True)
    assert type(g._data) is FakeDeviceArray and g.requires_grad and g.dtype == tg.float32


# ---- normal with tensors that require grad ----------------------------------------------------------------
FORMS = {"mean_t": lambda lib, m, s: lib.normal(m, 0.7), "std_t": lambda lib, m, s: lib.normal(0.3, s),
         "both": lambda lib, m, s: lib.normal(m, s), "both_bcast": lambda lib, m, s: lib.normal(m, s[0])}


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("grads", [(True, True), (True, False), (False, True)])
def test_normal_zero_grads(form, grads):
    rng = np.random.default_rng(5)
    m, s = rng.standard_normal((2, 3)).astype(np.float32), rng.uniform(0.1, 2, (2, 3)).astype(np.float32)
    tm, ts = torch.tensor(m, requires_grad=grads[0]), torch.tensor(s, requires_grad=grads[1])
    gm, gs = tg.tensor(m, requires_grad=grads[0]), tg.tensor(s, requires_grad=grads[1])
    torch.manual_seed(11)
    tg.manual_seed(11)
    t, g = FORMS[form](torch, tm, ts), FORMS[form](tg, gm, gs)
    _close(t, g)  # the random stream is unchanged
    assert g.requires_grad == t.requires_grad and g.dtype == tg.float32
    if not t.requires_grad:
        return
    assert g.grad_fn.name() == t.grad_fn.name()  # NormalBackward1/2/3
    (t * 2).sum().backward()
    (g * 2).sum().backward()
    for tt, gg in ((tm, gm), (ts, gs)):
        assert (gg.grad is None) == (tt.grad is None)
        if tt.grad is not None:
            assert gg.grad.shape == tt.grad.shape and gg.grad.dtype == tg.float32
            np.testing.assert_array_equal(gg.grad.numpy(), tt.grad.numpy())


def test_normal_no_grad_and_out():
    gm, tm = tg.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    with tg.no_grad():
        assert not tg.normal(gm, 1.0).requires_grad
    raises_same(lambda: torch.normal(tm, 1.0, out=torch.empty(3)), lambda: tg.normal(gm, 1.0, out=tg.empty(3)))
    tg.normal(gm.detach(), 1.0, out=tg.empty(3))  # without grad, out= still works


def test_normal_grad_cuda(gpu):
    m = tg.zeros(2, 3, device="cuda", requires_grad=True)
    s = tg.ones(3, device="cuda", requires_grad=True)
    out = tg.normal(m, s)
    assert type(out._data) is FakeDeviceArray and out.requires_grad
    out.sum().backward()
    assert type(m.grad._data) is FakeDeviceArray and type(s.grad._data) is FakeDeviceArray
    assert not m.grad.cpu().numpy().any() and s.grad.shape == (3,)


# ---- distributions.Multinomial ----------------------------------------------------------------------------
def _multinomials(batch, k, kind, n=7, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 1.0, batch + (k,)).astype(dtype)
    param = p if kind == "probs" else np.log(p) + 0.3
    t, g = torch.tensor(param, requires_grad=True), tg.tensor(param, requires_grad=True)
    return TD.Multinomial(n, **{kind: t}), D.Multinomial(n, **{kind: g}), t, g


@pytest.mark.parametrize("kind", ["probs", "logits"])
@pytest.mark.parametrize("batch,sample_shape", [((), ()), ((), (4,)), ((3,), ()), ((2, 3), (5,)), ((2,), (2, 3))])
def test_multinomial_sample_is_torchs(kind, batch, sample_shape):
    td, gd, _, _ = _multinomials(batch, 4, kind, n=9)
    torch.manual_seed(2)
    tg.manual_seed(2)
    t, g = td.sample(sample_shape), gd.sample(sample_shape)
    assert g.shape == t.shape == sample_shape + batch + (4,) and g.dtype == tg.float32
    np.testing.assert_array_equal(g.numpy(), t.numpy())
    assert (g.sum(-1) == 9).all().item()


@pytest.mark.parametrize("kind", ["probs", "logits"])
@pytest.mark.parametrize("batch", [(), (3,), (2, 3)])
def test_multinomial_stats_and_grads(kind, batch):
    td, gd, tp, gp = _multinomials(batch, 5, kind, n=6, seed=len(batch))
    assert gd.batch_shape == td.batch_shape and gd.event_shape == td.event_shape
    for name in ("mean", "variance", "probs", "logits"):
        _close(getattr(td, name), getattr(gd, name))
    torch.manual_seed(4)
    value = td.sample((3,))
    gv = tg.tensor(value.numpy())
    lt, lg = td.log_prob(value), gd.log_prob(gv)
    _close(lt, lg, BWD)
    et, eg = td.entropy(), gd.entropy()
    _close(et, eg, BWD)
    (lt.sum() + et.sum() + td.mean.sum() * 0.5 + td.variance.sum()).backward()
    (lg.sum() + eg.sum() + gd.mean.sum() * 0.5 + gd.variance.sum()).backward()
    _close(tp.grad, gp.grad, BWD)


def test_multinomial_log_prob_other_counts_and_neg_inf():
    t = TD.Multinomial(probs=torch.tensor([0.2, 0.3, 0.5]), validate_args=False)
    g = D.Multinomial(probs=tg.tensor([0.2, 0.3, 0.5]), validate_args=False)
    v = np.array([[1.0, 5.0, 0.0], [0.0, 0.0, 2.0], [3.0, 1.0, 1.0]], np.float32)
    _close(t.log_prob(torch.tensor(v)), g.log_prob(tg.tensor(v)))
    lt = torch.tensor([float("-inf"), 0.0, 1.0], requires_grad=True)
    lg = tg.tensor([float("-inf"), 0.0, 1.0], requires_grad=True)
    t, g = TD.Multinomial(4, logits=lt), D.Multinomial(4, logits=lg)
    v = np.array([[0.0, 1.0, 3.0], [0.0, 4.0, 0.0]], np.float32)
    rt, rg = t.log_prob(torch.tensor(v)), g.log_prob(tg.tensor(v))
    _close(rt, rg)
    _close(t.entropy(), g.entropy())
    rt.sum().backward()
    rg.sum().backward()
    np.testing.assert_allclose(lg.grad.numpy(), lt.grad.numpy(), **BWD)  # NaN-free, as torch's


def test_multinomial_expand_support_float64():
    td, gd, _, _ = _multinomials((3,), 4, "probs", n=5, dtype=np.float64)
    te, ge = td.expand((2, 3)), gd.expand((2, 3))
    assert ge.batch_shape == te.batch_shape and ge.event_shape == te.event_shape and ge.total_count == 5
    torch.manual_seed(8)
    tg.manual_seed(8)
    t, g = te.sample((2,)), ge.sample((2,))
    assert g.dtype == tg.float64
    np.testing.assert_array_equal(g.numpy(), t.numpy())
    # torch's expanded Multinomial lacks _binomial; torch takes log n! in float32 (lgamma of an int tensor), where
    # teenygrad keeps float64: so agreement to float32's precision, and to float64's with the exact log n!
    ent_t = td.entropy().expand(2, 3)
    _close(ent_t, ge.entropy(), dict(atol=1e-6, rtol=0))
    exact = ent_t + float(torch.tensor(5).add(1).lgamma()) - math.lgamma(6)
    _close(exact, ge.entropy(), F64)
    assert repr(gd.support) == repr(td.support) and gd.support.is_discrete and gd.support.event_dim == 1
    v = np.array([[1.0, 2.0, 2.0, 0.0], [1.0, 2.0, 2.0, 1.0], [-1.0, 3.0, 2.0, 1.0]])
    np.testing.assert_array_equal(gd.support.check(tg.tensor(v)).numpy(), td.support.check(torch.tensor(v)).numpy())



def test_multinomial_bool_count():  # total_count=True counts one draw, as torch's
    torch.manual_seed(5)
    tg.manual_seed(5)
    t = TD.Multinomial(True, probs=torch.tensor([0.2, 0.3, 0.5])).sample((6,))
    g = D.Multinomial(True, probs=tg.tensor([0.2, 0.3, 0.5])).sample((6,))
    assert g.shape == t.shape == (6, 3) and g.dtype == tg.float32
    np.testing.assert_array_equal(g.numpy(), t.numpy())
    assert (g.sum(-1) == 1).all().item()
    raises_same(lambda: TD.Multinomial(False, probs=torch.tensor([0.2, 0.8])).sample(),
                 lambda: D.Multinomial(False, probs=tg.tensor([0.2, 0.8])).sample())


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_multinomial_cuda(gpu, kind):
    td, _, tp, _ = _multinomials((2,), 4, kind, n=5, seed=3)
    gp = tg.tensor(tp.detach().numpy(), device="cuda", requires_grad=True)
    gd = D.Multinomial(5, **{kind: gp})
    s = gd.sample((3,))
    assert type(s._data) is FakeDeviceArray and s.shape == (3, 2, 4) and s.dtype == tg.float32
    assert (s.sum(-1) == 5).all().item()
    value = td.sample((3,))
    lt, lg = td.log_prob(value), gd.log_prob(tg.tensor(value.numpy(), device="cuda"))
    et, eg = td.entropy(), gd.entropy()
    for t, g in ((lt, lg), (et, eg), (td.mean, gd.mean)):
        assert type(g._data) is FakeDeviceArray and g.dtype == tg.float32
        _close(t, g.cpu(), BWD)
    (lt.sum() + et.sum()).backward()
    (lg.sum() + eg.sum()).backward()
    assert type(gp.grad._data) is FakeDeviceArray
    _close(tp.grad, gp.grad.cpu(), BWD)

BAD_MULTINOMIAL = {
    "float_count": lambda M, t: M(2.5, t([0.2, 0.8])),
    "neg_probs": lambda M, t: M(3, t([-0.2, 1.2])),
    "both": lambda M, t: M(3, t([0.2, 0.8]), logits=t([0.0, 1.0])),
    "neither": lambda M, t: M(3),
    "scalar_probs": lambda M, t: M(3, t(0.5)),
    "neg_count": lambda M, t: M(-1, t([0.2, 0.8])),
    "value_too_big": lambda M, t: M(3, t([0.2, 0.8])).log_prob(t([1.0, 5.0])),
    "value_event": lambda M, t: M(3, t([0.2, 0.8])).log_prob(t([1.0, 1.0, 1.0])),
    "value_negative": lambda M, t: M(3, t([0.2, 0.8])).log_prob(t([-1.0, 2.0])),
    "zero_count_sample": lambda M, t: M(0, t([0.2, 0.8])).sample(),
    "mode": lambda M, t: M(3, t([0.2, 0.8])).mode,
    "enumerate": lambda M, t: M(3, t([0.2, 0.8])).enumerate_support(),
}


@pytest.mark.parametrize("case", list(BAD_MULTINOMIAL))
def test_multinomial_bad(case):
    fn = BAD_MULTINOMIAL[case]
    raises_same(lambda: fn(TD.Multinomial, torch.tensor), lambda: fn(D.Multinomial, tg.tensor))


# ---- grid_sample(mode='bicubic') --------------------------------------------------------------------------
def _grid_pair(dtype, seed, spread=1.4, shape=(2, 3, 5, 6), out=(4, 7)):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    grid = rng.uniform(-spread, spread, (shape[0],) + out + (2,)).astype(dtype)
    return x, grid


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("spread", [1.0, 3.5])
def test_grid_sample_bicubic(dtype, padding_mode, align_corners, spread):
    x, grid = _grid_pair(dtype, 7, spread)
    tx, tgr = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    gx, ggr = tg.tensor(x, requires_grad=True), tg.tensor(grid, requires_grad=True)
    kw = dict(mode="bicubic", padding_mode=padding_mode, align_corners=align_corners)
    t, g = TF.grid_sample(tx, tgr, **kw), F.grid_sample(gx, ggr, **kw)
    assert g.dtype == gx.dtype and g.shape == t.shape
    fwd, bwd = (FWD, dict(atol=1e-4, rtol=1e-4)) if dtype == np.float32 else (F64, F64)  # grid grads sum 16 taps
    _close(t, g, fwd)
    dy = np.random.default_rng(3).standard_normal(t.shape).astype(dtype)
    t.backward(torch.tensor(dy))
    g.backward(tg.tensor(dy))
    _close(tx.grad, gx.grad, bwd)
    _close(tgr.grad, ggr.grad, bwd)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_bicubic_gradcheck(padding_mode, align_corners):
    x, grid = _grid_pair(np.float64, 1, 1.3, shape=(1, 2, 4, 3), out=(3, 2))
    gx, ggr = tg.tensor(x, requires_grad=True), tg.tensor(grid, requires_grad=True)
    assert tg.autograd.gradcheck(lambda a, b: F.grid_sample(a, b, mode="bicubic", padding_mode=padding_mode,
                                                            align_corners=align_corners), (gx, ggr))


def test_grid_sample_bicubic_cuda(gpu):
    x, grid = _grid_pair(np.float32, 2)
    ref = F.grid_sample(tg.tensor(x), tg.tensor(grid), mode="bicubic", padding_mode="reflection",
                        align_corners=False)
    gx = tg.tensor(x, device="cuda", requires_grad=True)
    out = F.grid_sample(gx, tg.tensor(grid, device="cuda"), mode="bicubic", padding_mode="reflection",
                        align_corners=False)
    assert type(out._data) is FakeDeviceArray
    np.testing.assert_allclose(out.cpu().numpy(), ref.numpy(), **FWD)
    out.sum().backward()
    assert type(gx.grad._data) is FakeDeviceArray


def test_grid_sample_bicubic_bad():
    x, grid = _grid_pair(np.float32, 0)
    raises_same(lambda: TF.grid_sample(torch.tensor(x), torch.tensor(grid).double(), mode="bicubic",
                                        align_corners=False),
                 lambda: F.grid_sample(tg.tensor(x), tg.tensor(grid).double(), mode="bicubic", align_corners=False))
    raises_same(lambda: TF.grid_sample(torch.tensor(x), torch.tensor(grid[..., :1]), mode="bicubic",
                                        align_corners=False),
                 lambda: F.grid_sample(tg.tensor(x), tg.tensor(grid[..., :1]), mode="bicubic", align_corners=False))


# ---- x_cuda[i] = 0-d cpu tensor ---------------------------------------------------------------------------
def test_setitem_cuda_from_0d_cpu(gpu):
    x = tg.zeros(2, 3, device="cuda")
    x[1, 2] = tg.tensor(5.0)
    x[0] = tg.tensor(2)  # an int64 0-d value, cast to x's dtype as a number would be
    assert type(x._data) is FakeDeviceArray
    np.testing.assert_array_equal(x.cpu().numpy(), [[2, 2, 2], [0, 0, 5]])
    with pytest.raises(RuntimeError, match="same device"):  # a 1-d cpu value is still refused, as torch does
        x[0] = tg.tensor([1.0, 2.0, 3.0])
    y = tg.zeros(3, device="cuda", requires_grad=True) * 1
    v = tg.tensor(2.0, requires_grad=True)
    y[1] = v
    (y * 3).sum().backward()
    assert type(v.grad._data) is np.ndarray and v.grad.item() == 3.0


# ---- einsum's sublist form, sdpa with attn_mask and is_causal together (the fourth tutorial hunt) -------------
@pytest.mark.parametrize("case", [
    lambda m, a, b, c: m.einsum(a, [0, 1], b, [1, 2], [0, 2]),
    lambda m, a, b, c: m.einsum(a, [0, 1], b, [1, 2]),
    lambda m, a, b, c: m.einsum(c, [Ellipsis, 1, 2], [Ellipsis]),
    lambda m, a, b, c: m.einsum(a, [0, 1], a, [0, 1], []),
    lambda m, a, b, c: m.einsum(c, [0, 1, 2], a, [0, 1], [2, 0]),
    lambda m, a, b, c: m.einsum(a, [0, 30]),                 # 0-25 are A-Z, 26-51 a-z: the implicit output sorts so
    lambda m, a, b, c: m.einsum(a, [27, 1], b, [1, 2]),      # (a transposed result if the letters ran a-z, A-Z)
    lambda m, a, b, c: m.einsum(a, [np.int64(0), 1], b, [1, 2]),
])
def test_einsum_sublist_form(case):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((2, 3), (3, 4), (2, 3, 4))]
    ref_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    got_in = [tg.tensor(a, requires_grad=True) for a in arrays]
    ref, got = case(torch, *ref_in), case(tg, *got_in)
    assert tuple(got.shape) == tuple(ref.shape)
    np.testing.assert_allclose(got.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    ref.sum().backward()
    got.sum().backward()
    for r, g in zip(ref_in, got_in):
        if r.grad is not None:
            np.testing.assert_allclose(g.grad.numpy(), r.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_einsum_sublist_bad_subscripts():
    a = np.ones((2, 3), np.float32)
    for m in (torch, tg):
        with pytest.raises(ValueError, match="valid range"):
            m.einsum(m.tensor(a), [0, 60])


@pytest.mark.parametrize("kind", ["bool", "float", "float_learned"])
def test_sdpa_attn_mask_and_is_causal_together(kind):
    """torch 2.13 applies both: the mask with the causal cut folded in (L != S here)."""
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal(s).astype(np.float32) for s in ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)))
    mask = rng.random((3, 5)) > 0.3 if kind == "bool" else rng.standard_normal((3, 5)).astype(np.float32)
    mask[:, 0] = True if kind == "bool" else mask[:, 0]  # every row attends to something

    def run(m, F):
        ts = [m.tensor(a, requires_grad=True) for a in (q, k, v)]
        mt = m.tensor(mask, requires_grad=kind == "float_learned")
        out = F.scaled_dot_product_attention(*ts, attn_mask=mt, is_causal=True)
        out.square().sum().backward()
        return [out.detach().numpy()] + [t.grad.numpy() for t in ts] + ([mt.grad.numpy()] if mt.requires_grad else [])
    if kind == "float_learned":  # torch's math path refuses a mask that needs a gradient beside is_causal
        for m, F in ((torch, torch.nn.functional), (tg, tg.nn.functional)):
            with pytest.raises(RuntimeError, match="attn_mask should not be set when is_causal"):
                run(m, F)
        return
    for r, g in zip(run(torch, torch.nn.functional), run(tg, tg.nn.functional)):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)
