"""Differences from torch found in the eighteenth landing by sweeping ops over every dtype against torch, each
compared with torch directly (values, dtypes, gradients, refusals) and the complex gradients also against central
differences."""
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64", "complex128"]


def _make(lib, dtype, shape, seed):
    """The same values in both libraries (made in torch, handed over through float32 for bfloat16)."""
    rng = np.random.default_rng(seed)
    a = torch.tensor(rng.standard_normal(shape) * 3)
    if dtype == "bool":
        t = a > 0
    elif dtype.startswith("complex"):
        t = (a + 1j * torch.tensor(rng.standard_normal(shape))).to(getattr(torch, dtype))
    else:
        t = a.to(getattr(torch, dtype))
    if lib is torch:
        return t
    return tg.tensor((t.float() if dtype == "bfloat16" else t).numpy(), dtype=getattr(tg, dtype))


def _as_np(t):
    if t.dtype in (torch.bfloat16, tg.bfloat16):
        t = t.float()
    return np.asarray(t.numpy(), dtype=np.complex128 if t.is_complex() else np.float64)


def _outcome(f):
    try:
        return f()
    except Exception as e:  # noqa: BLE001 - the refusal is the result compared
        return type(e)


def _same(ft, fg, rtol=1e-6, atol=1e-6):
    """fg (teenygrad) gives torch's dtype, shape and values, or refuses where torch refuses."""
    rt, rg = _outcome(ft), _outcome(fg)
    assert isinstance(rt, type) == isinstance(rg, type), (rt, rg)
    if isinstance(rt, type):
        return
    assert str(rg.dtype).split(".")[-1] == str(rt.dtype).split(".")[-1], (rt.dtype, rg.dtype)
    np.testing.assert_allclose(_as_np(rg), _as_np(rt), rtol=rtol, atol=atol, equal_nan=True)


def _by_differences(loss, arrays, rtol=1e-5, atol=1e-7):
    """loss's gradient for each complex128 input against central differences along each entry's real and imaginary
    direction (torch's convention: dL/dRe + i dL/dIm)"""
    ts = [tg.tensor(a, requires_grad=True) for a in arrays]
    loss(*ts).backward()
    h = 1e-6
    for k, a in enumerate(arrays):
        fd = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            for unit in (1, 1j):
                e = np.zeros_like(a)
                e[idx] = h * unit
                at = lambda z: float(loss(*[tg.tensor(z if j == k else b) for j, b in enumerate(arrays)]))  # noqa
                fd[idx] += unit * (at(a + e) - at(a - e)) / (2 * h)
        np.testing.assert_allclose(ts[k].grad.numpy(), fd, rtol=rtol, atol=atol)


def _crand(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


# ---- ldexp ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_ldexp_dtypes_and_values_as_torch(a, b):
    """ldexp made a bool or integer mantissa float32 before looking at a float16 / bfloat16 exponent (torch: the
    exponent's dtype), dropped a complex exponent's imaginary part, and took a float64 mantissa's 2^x in float32.
    torch refuses a bool exponent with a float mantissa, and a float16 exponent with a complex mantissa."""
    if (a == "float64" and b in ("float32", "bfloat16")) or (a == "complex128" and b in ("float32", "bfloat16")):
        rtol = 3e-7  # 2^x in float32: numpy's and torch's exp2 differ in the last bit
    else:
        rtol = {"float16": 2e-3, "bfloat16": 1e-2}.get(b, 1e-6)
    x = {lib: _make(lib, a, (3, 4), 1) for lib in (torch, tg)}
    e = {lib: _make(lib, b, (4,), 2) for lib in (torch, tg)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's ComplexHalf warning
        _same(lambda: torch.ldexp(x[torch], e[torch]), lambda: tg.ldexp(x[tg], e[tg]), rtol=rtol, atol=1e-5)


def test_ldexp_gradient_complex():
    """ldexp's gradient with a complex exponent (which used to lose its imaginary part): as torch's, and by
    central differences"""
    a, b = _crand(3, 4, seed=1), _crand(4, seed=2)
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    ga, gb = (tg.tensor(v, requires_grad=True) for v in (a, b))
    up = _crand(3, 4, seed=3)
    (torch.ldexp(ta, tb) * torch.tensor(up)).real.sum().backward()
    (tg.ldexp(ga, gb) * tg.tensor(up)).real.sum().backward()
    np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gb.grad.numpy(), tb.grad.numpy(), rtol=1e-10)
    _by_differences(lambda x, y: (tg.ldexp(x, y) * tg.tensor(up)).real.sum(), [a, b])


# ---- division by a tensor with a number first, and the real-only special functions ----------------------------
@pytest.mark.parametrize("fn", ["div", "true_divide", "divide"])
def test_number_divided_by_complex_tensor(fn):
    """torch.div(2, z) cast the complex tensor to float (dropping its imaginary part, with numpy's ComplexWarning)
    on the way to a true division's float operands"""
    z = _crand(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _same(lambda: getattr(torch, fn)(2, torch.tensor(z)), lambda: getattr(tg, fn)(2, tg.tensor(z)), rtol=1e-12)
    g = tg.tensor(z, requires_grad=True)
    getattr(tg, fn)(2, g).real.sum().backward()
    t = torch.tensor(z, requires_grad=True)
    getattr(torch, fn)(2, t).real.sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("fn", ["xlogy", "xlog1py", "zeta"])
def test_special_binary_refuses_complex(fn):
    """special.xlogy / xlog1py / zeta took complex inputs as their real parts (torch has no complex kernel)"""
    z = tg.tensor(_crand(3) + 2)
    for args in ((z, z), (z, 2.0), (2.0, z)):
        with pytest.raises(NotImplementedError, match=f"special.{fn}: not implemented for complex"):
            getattr(tg.special, fn)(*args)
    with pytest.raises(NotImplementedError):
        getattr(torch.special, fn)(torch.tensor(_crand(3) + 2), torch.tensor(_crand(3) + 2))


# ---- trapezoid ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["trapezoid", "cumulative_trapezoid"])
@pytest.mark.parametrize("with_x", [None, "real", "complex"])
def test_trapezoid_complex(fn, with_x):
    """trapezoid / cumulative_trapezoid integrated a complex y's real part only (into a float32 result)"""
    y = _crand(3, 5, seed=4)
    x = None if with_x is None else np.sort(np.random.default_rng(5).random(5)) + (1j * np.arange(5) if with_x ==
                                                                                     "complex" else 0)
    kw = lambda lib: {} if x is None else {"x": lib.tensor(x)}  # noqa: E731
    _same(lambda: getattr(torch, fn)(torch.tensor(y), **kw(torch)), lambda: getattr(tg, fn)(tg.tensor(y), **kw(tg)),
          rtol=1e-12)
    yt, yg = torch.tensor(y, requires_grad=True), tg.tensor(y, requires_grad=True)
    up = _crand(*getattr(torch, fn)(yt.detach(), **kw(torch)).shape, seed=6)
    (getattr(torch, fn)(yt, **kw(torch)) * torch.tensor(up)).real.sum().backward()
    (getattr(tg, fn)(yg, **kw(tg)) * tg.tensor(up)).real.sum().backward()
    np.testing.assert_allclose(yg.grad.numpy(), yt.grad.numpy(), rtol=1e-12)
    _by_differences(lambda v: (getattr(tg, fn)(v, **kw(tg)) * tg.tensor(up)).real.sum(), [y])


@pytest.mark.parametrize("fn", ["trapezoid", "cumulative_trapezoid"])
def test_trapezoid_refuses_bool(fn):
    with pytest.raises(RuntimeError, match=f"{fn}: received a bool input for `y`"):
        getattr(tg, fn)(tg.tensor([True, False, True]))
    with pytest.raises(RuntimeError, match="bool is not supported"):
        getattr(torch, fn)(torch.tensor([True, False, True]))


# ---- bfloat16 fills and histc -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [0, 2, 2.5, -1e30, float("inf"), float("nan"), True])
@pytest.mark.parametrize("op", ["masked_fill", "index_fill", "fill_"])
def test_bfloat16_fill_values(value, op):
    """masked_fill / index_fill of a bfloat16 tensor with a number raised numpy's 'Invalid integer data type' (the
    overflow check took bfloat16 for an integer type); a value past bfloat16's range is refused, as torch"""
    x = {lib: _make(lib, "bfloat16", (3, 4), 7) for lib in (torch, tg)}
    calls = {"masked_fill": lambda lib, t: t.masked_fill(t > 0, value),
             "index_fill": lambda lib, t: t.index_fill(1, lib.tensor([0, 2]), value),
             "fill_": lambda lib, t: t.clone().fill_(value)}
    _same(lambda: calls[op](torch, x[torch]), lambda: calls[op](tg, x[tg]), rtol=0, atol=0)


def test_bfloat16_fill_overflow_refused():
    for lib in (torch, tg):
        t = lib.zeros(3, dtype=lib.bfloat16)
        with pytest.raises(RuntimeError, match="cannot be converted to type"):
            t.masked_fill(t == 0, 1e39)


def test_nansum_bfloat16_to_integer_dtype():
    """nansum(bfloat16, dtype=int64) zeroes the NaNs by masked_fill first: that raised (the bfloat16 fill above)"""
    v = np.array([1.5, 2.7, np.nan, -4.25])
    _same(lambda: torch.nansum(torch.tensor(v).bfloat16(), dtype=torch.int64),
          lambda: tg.nansum(tg.tensor(v).to(tg.bfloat16), dtype=tg.int64), rtol=0, atol=0)


@pytest.mark.parametrize("bins,lo,hi", [(10, 0, 0), (7, -1.0, 2.0), (3, 0.5, 0.5)])
def test_histc_bfloat16(bins, lo, hi):
    """histc refused bfloat16, which torch bins in bfloat16 arithmetic (its counts differ from float32's). Counts
    stay under 256: torch also adds them up in bfloat16, where 256 + 1 rounds back to 256; ours are exact."""
    v = torch.randn(250, generator=torch.Generator().manual_seed(0)).bfloat16()
    _same(lambda: torch.histc(v, bins, lo, hi), lambda: tg.histc(tg.tensor(v.float().numpy()).to(tg.bfloat16),
                                                                 bins, lo, hi), rtol=0, atol=0)


# ---- complex where real-only checks refused or mis-cast --------------------------------------------------------
def test_addcdiv_complex():
    """addcdiv refused complex tensors as 'integer division'"""
    a, b, c = _crand(3, 4, seed=1), _crand(3, 4, seed=2), _crand(3, 4, seed=3) + 3
    _same(lambda: torch.tensor(a).addcdiv(torch.tensor(b), torch.tensor(c), value=0.5),
          lambda: tg.tensor(a).addcdiv(tg.tensor(b), tg.tensor(c), value=0.5), rtol=1e-12)
    _by_differences(lambda x, y, z: (x.addcdiv(y, z, value=0.5) * 1.5).abs().sum(), [a, b, c])
    with pytest.raises(RuntimeError, match="integer division"):
        tg.ones(3).addcdiv(tg.ones(3, dtype=tg.int64), tg.ones(3, dtype=tg.int64))


@pytest.mark.parametrize("dim", [0, 1])
def test_renorm_complex(dim):
    """renorm refused complex tensors: torch scales each slice by its norm of |z|"""
    a = _crand(3, 4, seed=dim)
    _same(lambda: torch.tensor(a).renorm(2, dim, 1.0), lambda: tg.tensor(a).renorm(2, dim, 1.0), rtol=1e-10)
    t, g = torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)
    t.renorm(2, dim, 1.0).abs().sum().backward()
    g.renorm(2, dim, 1.0).abs().sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-8)
    _by_differences(lambda x: x.renorm(2, dim, 1.0).abs().sum(), [a])


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_logdet_complex(shape):
    """logdet of a complex matrix failed inside (an ordering comparison of the complex sign): torch gives the
    principal log, log|det| + i angle(det)"""
    a = _crand(*shape, seed=2)
    _same(lambda: torch.logdet(torch.tensor(a)), lambda: tg.logdet(tg.tensor(a)), rtol=1e-12)
    up = _crand(*shape[:-2], seed=3)
    t, g = torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)
    (torch.logdet(t) * torch.tensor(up)).real.sum().backward()
    (tg.logdet(g) * tg.tensor(up)).real.sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-10)
    if len(shape) == 2:
        _by_differences(lambda x: (tg.logdet(x) * tg.tensor(up)).real.sum(), [a])


def test_bincount_complex_weights_as_torch():
    """complex weights raised numpy's casting error; torch counts their real parts in float64"""
    idx, w = np.array([0, 1, 1, 3]), np.array([1 + 2j, 3 - 1j, 0.5j, 2], dtype=np.complex64)
    with pytest.warns(UserWarning, match="imaginary part"):
        got = tg.bincount(tg.tensor(idx), weights=tg.tensor(w))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.bincount(torch.tensor(idx), weights=torch.tensor(w))
    assert got.dtype == tg.float64 and want.dtype == torch.float64
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("where", ["boundaries", "values", "number"])
def test_searchsorted_refuses_complex(where):
    """searchsorted / bucketize placed complex values by numpy's lexicographic order; torch refuses them"""
    seq = [1.0, 2.0, 3.0]
    for lib in (torch, tg):
        s = lib.tensor(seq, dtype=lib.complex64 if where == "boundaries" else lib.float32)
        v = (1.5 + 1j) if where == "number" else lib.tensor([1.5 + 1j] if where == "values" else [1.5])
        with pytest.raises((NotImplementedError, RuntimeError)):
            lib.searchsorted(s, v)
    with pytest.raises(NotImplementedError, match="searchsorted: not implemented for complex"):
        tg.bucketize(tg.tensor([1 + 1j]), tg.tensor([0.0, 2.0]))


def test_flip_needs_dims():
    """x.flip() with no dims flipped every axis; torch requires them (flip(()) is a copy)"""
    for lib in (torch, tg):
        x = lib.tensor([[1, 2], [3, 4]])
        with pytest.raises(TypeError, match="dims"):
            x.flip()
        with pytest.raises(TypeError, match="dims"):
            lib.flip(x)
        assert x.flip(()).tolist() == [[1, 2], [3, 4]]


# ---- float16 / bfloat16 through nn.functional on the CPU ------------------------------------------------------
def _F(lib):
    return lib.nn.functional


HALF_NN = {
    "linear": lambda L, x: _F(L).linear(x, x[:3] * 0.5, x[0, :3]),
    "Linear": lambda L, x: _module(L, L.nn.Linear(4, 5), x),
    "conv1d": lambda L, x: _F(L).conv1d(x.reshape(1, 3, 4), x[:, :2].reshape(2, 3, 1).contiguous(), x[0, :2]),
    "conv2d": lambda L, x: _F(L).conv2d(x.reshape(1, 1, 3, 4), x[:2, :2].reshape(1, 1, 2, 2).contiguous(), padding=1),
    "conv_transpose1d": lambda L, x: _F(L).conv_transpose1d(x.reshape(1, 3, 4), x[:, :2].reshape(3, 1, 2).contiguous(),
                                                            stride=2),
    "hardtanh": lambda L, x: _F(L).hardtanh(x, -0.5, 0.75),
    "relu6": lambda L, x: _F(L).relu6(x * 3),
    "hardsigmoid": lambda L, x: _F(L).hardsigmoid(x),
    "hardswish": lambda L, x: _F(L).hardswish(x),
    "sdpa": lambda L, x: _F(L).scaled_dot_product_attention(x.reshape(1, 3, 4), x.reshape(1, 3, 4) * 0.5,
                                                           x.reshape(1, 3, 4)),
    "sdpa_causal": lambda L, x: _F(L).scaled_dot_product_attention(x.reshape(1, 3, 4), x.reshape(1, 3, 4),
                                                                  x.reshape(1, 3, 4), is_causal=True),
    "sdpa_float_mask": lambda L, x: _F(L).scaled_dot_product_attention(x.reshape(1, 3, 4), x.reshape(1, 3, 4),
                                                                      x.reshape(1, 3, 4), attn_mask=x[:, :3] * 0.1),
    "max_pool1d": lambda L, x: _F(L).max_pool1d(x.reshape(1, 3, 4), 2, padding=1),
    "max_pool2d": lambda L, x: _F(L).max_pool2d(x.reshape(1, 1, 3, 4), 2, padding=1),
    "interp_linear": lambda L, x: _F(L).interpolate(x.reshape(1, 3, 4), size=7, mode="linear"),
    "interp_bilinear": lambda L, x: _F(L).interpolate(x.reshape(1, 1, 3, 4), size=(5, 6), mode="bilinear",
                                                      align_corners=True),
    "interp_bicubic": lambda L, x: _F(L).interpolate(x.reshape(1, 1, 3, 4), size=(5, 6), mode="bicubic"),
    "smooth_l1": lambda L, x: _F(L).smooth_l1_loss(x, x * 0.5),
    "huber": lambda L, x: _F(L).huber_loss(x, x * 0.5),
    "ce_smooth": lambda L, x: _F(L).cross_entropy(x, L.tensor([0, 3, 1]), label_smoothing=0.1),
    "embedding": lambda L, x: _F(L).embedding(L.tensor([0, 2, 1, 2]), x),
    "avg_pool1d": lambda L, x: _F(L).avg_pool1d(x.reshape(1, 3, 4), 2),
    "lp_pool1d": lambda L, x: _F(L).lp_pool1d(x.reshape(1, 3, 4), 2, 2),
}


def _module(lib, m, x):
    g = np.random.default_rng(11)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(g.standard_normal(tuple(m.weight.shape)), dtype=lib.float32))
        m.bias.copy_(lib.tensor(g.standard_normal(tuple(m.bias.shape)), dtype=lib.float32))
    return m.to(x.dtype)(x)


@pytest.mark.parametrize("name", list(HALF_NN))
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_nn_as_torch(name, dtype):
    """bfloat16 came back float32 from F.linear / nn.Linear, the convolutions, hardtanh & co. and attention (np.clip
    and ml_dtypes' products give float32), max pooling raised on bfloat16, interpolation rounded after each pass,
    and a bfloat16 leaf got a float32 .grad from several losses, embedding and the average pools. Output and
    gradient dtypes are torch's now, and the values torch's to the half type's rounding."""
    tol = 2e-2 if dtype == "bfloat16" else 3e-3
    xs = {lib: _make(lib, dtype, (3, 4), 1).requires_grad_() for lib in (torch, tg)}
    out = {lib: HALF_NN[name](lib, xs[lib]) for lib in (torch, tg)}
    assert str(out[tg].dtype).split(".")[-1] == str(out[torch].dtype).split(".")[-1] == dtype
    want = _as_np(out[torch].detach())
    np.testing.assert_allclose(_as_np(out[tg].detach()), want, rtol=tol, atol=tol * max(1.0, np.abs(want).max()))
    up = np.random.default_rng(2).standard_normal(tuple(out[torch].shape))
    for lib in (torch, tg):
        (out[lib].float() * lib.tensor(up, dtype=lib.float32)).sum().backward()
    assert xs[tg].grad.dtype == xs[tg].dtype
    want = _as_np(xs[torch].grad)
    np.testing.assert_allclose(_as_np(xs[tg].grad), want, rtol=tol, atol=tol * max(1.0, np.abs(want).max()))


def test_half_leaf_gradient_keeps_dtype_through_autograd_grad():
    """autograd.grad hands back the input's dtype too (it captured the float32 gradient as it came)"""
    x = tg.tensor([[0.5, -2.0, 3.0]]).to(tg.bfloat16).requires_grad_()
    (g,) = tg.autograd.grad(tg.nn.functional.smooth_l1_loss(x, x * 0.5), x)
    assert g.dtype == tg.bfloat16


def test_bfloat16_scatter_reduce_amax():
    """scatter_reduce's amax / amin on bfloat16 raised (its empty-slot fill asked np.iinfo of bfloat16)"""
    src = np.array([-1.0, 2.5, 0.75, -3.0, 1.0])
    idx = np.array([0, 0, 2, 1, 1])
    for reduce in ("amax", "amin"):
        got = tg.zeros(3).to(tg.bfloat16).scatter_reduce(0, tg.tensor(idx), tg.tensor(src).to(tg.bfloat16), reduce,
                                                        include_self=False)
        want = torch.zeros(3).bfloat16().scatter_reduce(0, torch.tensor(idx), torch.tensor(src).bfloat16(), reduce,
                                                       include_self=False)
        assert got.dtype == tg.bfloat16
        np.testing.assert_array_equal(_as_np(got), _as_np(want))


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int64", "bfloat16", "float16"])
@pytest.mark.parametrize("value", [-1.5, -1, 2.7, -2.7, 300.0, 1e39, float("nan")])
def test_full_value_checked_as_torch(dtype, value):
    """full(-1.5, dtype=uint8) wrapped to 255 and full(1e39, dtype=bfloat16) gave inf: torch refuses a float that a
    dtype can't hold (a negative float for an unsigned one; an int -1 still wraps to 255, as in torch)"""
    _same(lambda: torch.full((2,), value, dtype=getattr(torch, dtype)),
          lambda: tg.full((2,), value, dtype=getattr(tg, dtype)), rtol=0, atol=0)


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "__iadd__", "__isub__", "__imul__"])
@pytest.mark.parametrize("other", ["complex64", "complex128"])
def test_bfloat16_inplace_refuses_complex(op, other):
    """bf16_t.add_(complex_t) wrote the real part of the result silently: torch refuses the cast, as it does for
    float32 (kind 'V' slipped past the check for 'f')"""
    for lib in (torch, tg):
        x = lib.ones(3, dtype=lib.bfloat16)
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            getattr(x, op)(lib.ones(3, dtype=getattr(lib, other)))


@pytest.mark.parametrize("index", [
    (slice(0, -1), [1, 4], Ellipsis, [0, 0]),
    (slice(None), [1, 4], Ellipsis, [0, 2]),
    ([0, 3], Ellipsis, slice(None), [1, 1]),
    (Ellipsis, [1, 2], [0, 1], slice(1, None)),
])
def test_index_with_an_empty_ellipsis_between_arrays(index):
    """an Ellipsis that stands for no dims does not separate array indices in torch (their dims stay in place);
    numpy's rule moved them first: x[:, [1, 4], ..., [0, 0]] of a (4, 5, 3) x was (2, 4), torch's is (4, 2). Get,
    set and the gradient."""
    a = np.arange(60.0).reshape(4, 5, 3)
    t, g = torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)
    rt, rg = t[index], g[index]
    assert tuple(rg.shape) == tuple(rt.shape)
    np.testing.assert_array_equal(rg.detach().numpy(), rt.detach().numpy())
    up = np.random.default_rng(0).standard_normal(tuple(rt.shape))
    (rt * torch.tensor(up)).sum().backward()
    (rg * tg.tensor(up)).sum().backward()
    np.testing.assert_array_equal(g.grad.numpy(), t.grad.numpy())
    ts, gs = torch.tensor(a), tg.tensor(a)
    ts[index] = torch.tensor(up)
    gs[index] = tg.tensor(up)
    np.testing.assert_array_equal(gs.numpy(), ts.numpy())


# ---- randomized low-rank SVD / PCA (new) -------------------------------------------------------------------------
def _signless_cols(a, b):
    """b with each column's sign (or phase) turned to match a's: singular vectors are defined up to it"""
    ph = np.sum(np.conj(b) * a, axis=-2, keepdims=True)
    ph = ph / np.where(np.abs(ph) == 0, 1, np.abs(ph))
    return b * ph


@pytest.mark.parametrize("shape", [(20, 8), (8, 20), (3, 10, 7)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
@pytest.mark.parametrize("fn,kw", [("svd_lowrank", {"q": 4}), ("svd_lowrank", {"q": 3, "niter": 0}),
                                   ("pca_lowrank", {}), ("pca_lowrank", {"q": 2, "center": False}),
                                   ("svd_lowrank", {"q": 4, "M": "mean"})])
def test_lowrank_as_torch(shape, dtype, fn, kw):
    """svd_lowrank / pca_lowrank (missing before): with the same seed, the random block is torch's, so S is torch's
    and U, V are torch's up to each column's sign (the small SVD's LAPACK picks it)"""
    a = np.random.default_rng(0).standard_normal(shape)
    if dtype == "complex128":
        a = a + 1j * np.random.default_rng(1).standard_normal(shape)
    out = {}
    for lib in (torch, tg):
        lib.manual_seed(3)
        A = lib.tensor(a).to(getattr(lib, dtype))
        k = dict(kw)
        if k.get("M") == "mean":
            k["M"] = A.mean(dim=-2, keepdim=True)
        out[lib] = [t.resolve_conj().numpy() for t in getattr(lib, fn)(A, **k)]
    tol = 1e-4 if dtype == "float32" else 1e-10
    (Ut, St, Vt), (Ug, Sg, Vg) = out[torch], out[tg]
    np.testing.assert_allclose(Sg, St, rtol=tol, atol=tol)
    np.testing.assert_allclose(_signless_cols(Ut, Ug), Ut, atol=tol * 10)
    np.testing.assert_allclose(_signless_cols(Vt, Vg), Vt, atol=tol * 10)


def _lowrank_loss(lib, fn, A, a, **kw):
    """a sign-free loss of the factors: the singular values and the rank-q reconstruction against a fixed matrix"""
    lib.manual_seed(1)
    U, S, V = getattr(lib, fn)(A, **kw)
    return S.sum() + ((U * S) @ V.mT * lib.tensor(a)).sum()


@pytest.mark.parametrize("fn,kw,shape", [("svd_lowrank", {"q": 3}, (12, 6)), ("svd_lowrank", {"q": 2}, (5, 9)),
                                         ("pca_lowrank", {"q": 3}, (10, 5)),
                                         ("pca_lowrank", {"q": 2, "center": False}, (6, 8))])
def test_lowrank_gradient_as_torch(fn, kw, shape):
    """svd_lowrank / pca_lowrank are built of differentiable ops: the gradient of a loss of the singular values and
    the rank-q reconstruction equals torch's (same seed, so the same random block)"""
    a = np.random.default_rng(0).standard_normal(shape)
    grads = []
    for lib in (torch, tg):
        A = lib.tensor(a, requires_grad=True)
        _lowrank_loss(lib, fn, A, a, **kw).backward()
        grads.append(A.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("fn,kw", [("svd_lowrank", {"q": 3}), ("pca_lowrank", {"q": 2})])
def test_lowrank_gradient_by_finite_differences(fn, kw):
    """the float64 finite-difference check: the loss re-seeds before each evaluation, so every point sees the same
    random block and the loss is a smooth function of A"""
    a = np.random.default_rng(2).standard_normal((8, 5))
    A = tg.tensor(a, requires_grad=True)
    assert tg.autograd.gradcheck(lambda x: _lowrank_loss(tg, fn, x, a, **kw), (A,), eps=1e-6, atol=1e-5, rtol=1e-4)


def test_lowrank_bad_arguments():
    A = tg.ones(5, 3)
    for fn, kw, msg in (("svd_lowrank", {"q": -1}, "q\\(=-1\\) must be non-negative"),
                        ("pca_lowrank", {"q": 4}, "q\\(=4\\) must be non-negative"),
                        ("pca_lowrank", {"q": -1}, "q\\(=-1\\) must be non-negative"),
                        ("pca_lowrank", {"niter": -1}, "niter\\(=-1\\)"),
                        ("svd_lowrank", {"niter": -2}, "niter\\(=-2\\)")):
        with pytest.raises(ValueError, match=msg):
            getattr(tg, fn)(A, **kw)
    with pytest.raises(RuntimeError, match="matrix or a batch"):
        tg.svd_lowrank(tg.ones(4))
    U, S, V = tg.svd_lowrank(A, q=6)  # q past min(m, n): min(m, n) triplets, as torch
    assert (tuple(U.shape), tuple(S.shape), tuple(V.shape)) == ((5, 3), (3,), (3, 3))


@pytest.mark.parametrize("dims", [(), []])
def test_roll_with_no_dims_rolls_flattened(dims):
    """roll(x, 1, ()) raised ('shifts and dims must have the same length'); torch rolls the flattened tensor, as
    for dims=None"""
    a = np.arange(6).reshape(2, 3)
    assert tg.roll(tg.tensor(a), 1, dims).tolist() == torch.roll(torch.tensor(a), 1, dims).tolist()
    x = tg.tensor(a * 1.0, requires_grad=True)
    (tg.roll(x, 2, dims) * tg.tensor(a * 1.0)).sum().backward()
    t = torch.tensor(a * 1.0, requires_grad=True)
    (torch.roll(t, 2, dims) * torch.tensor(a * 1.0)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_randint_refuses_complex_dtype():
    """randint(..., dtype=complex64) and randint_like of a complex tensor made complex integers; torch refuses"""
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match="check_random_bounds handles only integral"):
            lib.randint(0, 3, (2,), dtype=lib.complex64)
        with pytest.raises(RuntimeError, match="check_random_bounds handles only integral"):
            lib.randint_like(lib.zeros(2, dtype=lib.complex128), 3)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(4, 5), (3, 5, 2)])
def test_cross_entropy_probability_targets_weight_gradient(reduction, smoothing, shape):
    """cross_entropy with probability targets and a weight that requires grad raised torch's nll_loss refusal,
    which torch gives only for class-index targets; with probabilities the weight has a gradient"""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    q = np.abs(rng.standard_normal(shape))
    q /= q.sum(1, keepdims=True)
    w = np.abs(rng.standard_normal(5)) + 0.1
    grads, outs = [], []
    for lib in (torch, tg):
        ts = [lib.tensor(a, requires_grad=True) for a in (x, q, w)]
        out = lib.nn.functional.cross_entropy(ts[0], ts[1], ts[2], reduction=reduction, label_smoothing=smoothing)
        (out * lib.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)))).sum().backward()
        outs.append(out.detach().numpy())
        grads.append([t.grad.numpy() for t in ts])
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12)
    for g, want in zip(grads[1], grads[0]):
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-12)
    with pytest.raises(RuntimeError, match="nll_loss_forward"):  # class ids: still refused, as torch
        tg.nn.functional.cross_entropy(tg.tensor(x), tg.tensor(rng.integers(0, 5, shape[:1] + shape[2:])),
                                       tg.tensor(w, requires_grad=True))


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64"])
def test_addbmm_keeps_integer_dtype(dtype):
    """addbmm of integer tensors came back int64 (the batch sum promoted, as sum() does); torch keeps the dtype"""
    rng = np.random.default_rng(0)
    a, b, c = rng.integers(0, 4, (3, 3)), rng.integers(0, 4, (2, 3, 4)), rng.integers(0, 4, (2, 4, 3))
    _same(lambda: torch.addbmm(*(torch.tensor(v).to(getattr(torch, dtype)) for v in (a, b, c)), beta=2, alpha=3),
          lambda: tg.addbmm(*(tg.tensor(v).to(getattr(tg, dtype)) for v in (a, b, c)), beta=2, alpha=3), rtol=0, atol=0)


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_max_refuses_complex(reduce):
    """scatter_reduce amax / amin of complex tensors took numpy's lexicographic order; torch refuses"""
    for lib in (torch, tg):
        z = lib.tensor([1 + 1j, 2, 3j])
        with pytest.raises((NotImplementedError, RuntimeError)):
            z.scatter_reduce(0, lib.tensor([0, 0, 1]), z, reduce)


@pytest.mark.parametrize("where", ["leaf", "non_leaf"])
def test_hook_changing_the_dtype_is_refused(where):
    """a hook that returns its gradient in another dtype was cast back silently; torch refuses it"""
    for lib in (torch, tg):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        (x if where == "leaf" else y).register_hook(lambda g: g.double())
        with pytest.raises(RuntimeError, match="has changed the type of value"):
            (y * 3).sum().backward()


def test_hooks_see_the_gradient_in_the_tensors_dtype():
    """a bfloat16 leaf's hook got the float32 gradient some ops compute in; it sees bfloat16 now, as in torch, and
    may hand it back in that dtype"""
    seen = []
    x = tg.tensor([0.5, -2.0, 3.0]).to(tg.bfloat16).requires_grad_()
    x.register_hook(lambda g: (seen.append(g.dtype), g * 2)[1])
    tg.nn.functional.smooth_l1_loss(x, x * 0.5).backward()
    t = torch.tensor([0.5, -2.0, 3.0]).bfloat16().requires_grad_()
    t.register_hook(lambda g: (seen.append(g.dtype), g * 2)[1])
    torch.nn.functional.smooth_l1_loss(t, t * 0.5).backward()
    assert [str(d).split(".")[-1] for d in seen] == ["bfloat16", "bfloat16"]
    assert x.grad.dtype == tg.bfloat16
    np.testing.assert_array_equal(x.grad.float().numpy(), t.grad.float().numpy())
