"""torch's remaining top-level spellings (teenygrad/aten_api.py, functional_api's in-place forms) and the Tensor
flags added with them, each against torch on the same inputs: values, dtypes and gradients."""
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg


def _pair(shape, seed=0, dtype=np.float32, grad=False, lo=None, hi=None):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) if lo is None else rng.uniform(lo, hi, shape)
    a = a.astype(dtype)
    return torch.tensor(a, requires_grad=grad), tg.tensor(a, requires_grad=grad)


def _close(got, want, tol=1e-5):
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w, tol)
        return
    assert tuple(got.shape) == tuple(want.shape), (got.shape, want.shape)
    assert str(got.dtype) == str(want.dtype).replace("torch.", ""), (got.dtype, want.dtype)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().resolve_conj().numpy(), rtol=tol, atol=tol)


# ---- in-place function forms ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,args", [
    ("abs_", ()), ("ceil_", ()), ("floor_", ()), ("trunc_", ()), ("frac_", ()), ("round_", ()), ("neg_", ()),
    ("sin_", ()), ("cos_", ()), ("tan_", ()), ("sinh_", ()), ("cosh_", ()), ("atan_", ()), ("erf_", ()),
    ("erfc_", ()), ("exp2_", ()), ("expm1_", ()), ("sinc_", ()), ("square_", ()), ("reciprocal_", ()),
    ("clamp_", (-0.5, 0.5)), ("clip_", (-0.2, 0.3)), ("clamp_min_", (0.1,)), ("clamp_max_", (0.1,)),
    ("fill_", (2.5,)), ("zero_", ()), ("nan_to_num_", ()), ("i0_", ())])
def test_inplace_forms_write_their_input(name, args):
    t, g = _pair((3, 4), seed=1)
    rt, rg = getattr(torch, name)(t, *args), getattr(tg, name)(g, *args)
    assert rg is g and rt is t
    _close(g, t)


@pytest.mark.parametrize("name", ["acos_", "asin_", "sqrt_", "rsqrt_", "log_", "log2_", "log10_", "log1p_",
                                  "logit_"])
def test_inplace_forms_on_their_domain(name):
    t, g = _pair((5,), seed=2, lo=0.05, hi=0.95)
    getattr(torch, name)(t)
    getattr(tg, name)(g)
    _close(g, t)


def test_inplace_forms_with_a_second_operand():
    t, g = _pair((4,), seed=3)
    t2, g2 = _pair((4,), seed=4, lo=0.1, hi=2)
    torch.xlogy_(t, t2)
    tg.xlogy_(g, g2)
    _close(g, t)
    ti, gi = torch.tensor([1, 2, 3, 0]), tg.tensor([1, 2, 3, 0])
    torch.ldexp_(t, ti)
    tg.ldexp_(g, gi)
    _close(g, t)
    idx_t, idx_g = (torch.tensor([0, 2]),), (tg.tensor([0, 2]),)
    torch.index_put_(t, idx_t, torch.tensor(7.0))
    tg.index_put_(g, idx_g, tg.tensor(7.0))
    _close(g, t)


def test_inplace_form_keeps_the_graph():
    t, g = _pair((3,), seed=5, grad=True)
    yt, yg = t * 2, g * 2
    torch.sin_(yt).sum().backward()
    tg.sin_(yg).sum().backward()
    _close(g.grad, t.grad)


def test_function_forms_of_complex_methods():
    r = np.random.default_rng(6).standard_normal((2, 3, 2))
    a = (r[0] + 1j * r[1]).astype(np.complex64)
    t, g = torch.tensor(a), tg.tensor(a)
    for name in ("conj", "conj_physical", "angle", "real", "imag", "resolve_conj", "resolve_neg"):
        _close(getattr(tg, name)(g), getattr(torch, name)(t))
    assert tg.is_conj(g) is False and tg.is_neg(g) is False and tg.is_signed(g) == torch.is_signed(t)
    m_t, m_g = torch.tensor(a.T.copy()), tg.tensor(a.T.copy())
    _close(tg.adjoint(m_g), torch.adjoint(m_t))
    tg.conj_physical_(g)
    torch.conj_physical_(t)
    _close(g, t)
    with pytest.raises(RuntimeError, match="imag"):
        tg.imag(tg.ones(2))
    r = tg.ones(2)
    assert tg.real(r) is r


# ---- aten losses: reduction as an int ------------------------------------------------------------------------------
@pytest.mark.parametrize("red", [0, 1, 2])
def test_aten_losses(red):
    x_t, x_g = _pair((4, 3), seed=7, grad=True)
    y_t, y_g = _pair((4, 3), seed=8, lo=0, hi=1)
    s_t, s_g = torch.tensor([1.0, -1.0, 1.0, -1.0]), tg.tensor([1.0, -1.0, 1.0, -1.0])
    v_t, v_g = _pair((4, 3), seed=9, grad=True)
    w_t, w_g = _pair((4, 3), seed=10)
    cases = [
        (lambda M, x, y, v, w, s: M.binary_cross_entropy_with_logits(x, y, None, None, red)),
        (lambda M, x, y, v, w, s: M.kl_div(x, y, red, log_target=False)),
        (lambda M, x, y, v, w, s: M.hinge_embedding_loss(x, y.sign() * 2 - 1, 0.7, red)),
        (lambda M, x, y, v, w, s: M.margin_ranking_loss(x[:, 0], v[:, 0], s, 0.2, red)),
        (lambda M, x, y, v, w, s: M.cosine_embedding_loss(x, v, s, 0.1, red)),
        (lambda M, x, y, v, w, s: M.triplet_margin_loss(x, v, w, 1.0, 2, 1e-6, False, red)),
        (lambda M, x, y, v, w, s: M.poisson_nll_loss(x, y, True, False, 1e-8, red)),
    ]
    for f in cases:
        for p in (x_t, v_t, x_g, v_g):
            p.grad = None
        want, got = f(torch, x_t, y_t, v_t, w_t, s_t), f(tg, x_g, y_g, v_g, w_g, s_g)
        _close(got, want)
        want.sum().backward()
        got.sum().backward()
        _close(x_g.grad, x_t.grad)


def test_aten_loss_reduction_must_be_an_int():
    x = tg.zeros(3)
    with pytest.raises(TypeError, match="must be int"):
        tg.kl_div(x, x, "mean")
    with pytest.raises(ValueError, match="got 3"):
        tg.kl_div(x, x, 3)  # torch reads 3 as 'none'


def test_aten_ctc_loss():
    rng = np.random.default_rng(11)
    lp = np.log(rng.dirichlet(np.ones(5), (6, 2))).astype(np.float32)
    tgt = np.array([[1, 2, 2], [3, 1, 0]])
    t_lp, g_lp = torch.tensor(lp, requires_grad=True), tg.tensor(lp, requires_grad=True)
    want = torch.ctc_loss(t_lp, torch.tensor(tgt), [6, 5], [3, 2], 0, 1, False)
    got = tg.ctc_loss(g_lp, tg.tensor(tgt), [6, 5], [3, 2], 0, 1, False)
    _close(got, want, 1e-4)
    want.backward()
    got.backward()
    _close(g_lp.grad, t_lp.grad, 1e-4)


# ---- aten nn ops ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_convolution(nd, transposed):
    x_t, x_g = _pair((2, 4) + (5,) * nd, seed=12, grad=True)
    w_shape = (4, 3) + (2,) * nd
    w_t, w_g = _pair(w_shape, seed=13, grad=True)
    b_t, b_g = _pair((3 if transposed else 4,) if not transposed else (3,), seed=14, grad=True)
    if not transposed:
        w_t, w_g = _pair((4, 4) + (2,) * nd, seed=13, grad=True)
        b_t, b_g = _pair((4,), seed=14, grad=True)
    args = ([2] * nd, [1] * nd, [1] * nd, transposed, [1 if transposed else 0] * nd, 1)
    want = torch.convolution(x_t, w_t, b_t, *args)
    got = tg.convolution(x_g, w_g, b_g, *args)
    _close(got, want, 1e-4)
    want.square().sum().backward()
    got.square().sum().backward()
    for a, b in ((x_g, x_t), (w_g, w_t), (b_g, b_t)):
        _close(a.grad, b.grad, 1e-3)


def test_nn_ops_with_tuple_results():
    x_t, x_g = _pair((1, 2, 9), seed=15, grad=True)
    for f in (lambda M, x: M.adaptive_max_pool1d(x, 3),
              lambda M, x: M.max_pool1d_with_indices(x, 3, 2, 1)):
        (vt, it), (vg, ig) = f(torch, x_t), f(tg, x_g)
        _close(vg, vt)
        np.testing.assert_array_equal(ig.numpy(), it.numpy())
    x3_t, x3_g = _pair((1, 1, 4, 4, 4), seed=16)
    _close(tg.max_pool3d(x3_g, 2), torch.max_pool3d(x3_t, 2))
    _close(tg.constant_pad_nd(x_g, [1, 2], 3.0), torch.constant_pad_nd(x_t, [1, 2], 3.0))
    n_t, n_g = _pair((2, 3, 4), seed=17, grad=True)
    w_t, w_g = _pair((4,), seed=18)
    b_t, b_g = _pair((4,), seed=19)
    want = torch.native_layer_norm(n_t, [4], w_t, b_t, 1e-5)
    got = tg.native_layer_norm(n_g, [4], w_g, b_g, 1e-5)
    _close(got, want, 1e-5)
    _close(tg.rms_norm(n_g, [4], w_g), torch.rms_norm(n_t, [4], w_t))
    bn_t, bn_g = _pair((5, 3, 2), seed=20)
    rm_t, rm_g, rv_t, rv_g = torch.zeros(3), tg.zeros(3), torch.ones(3), tg.ones(3)
    want = torch.native_batch_norm(bn_t, None, None, rm_t, rv_t, True, 0.1, 1e-5)
    got = tg.native_batch_norm(bn_g, None, None, rm_g, rv_g, True, 0.1, 1e-5)
    _close(got, want, 1e-5)
    _close(rm_g, rm_t)
    th_t, th_g = _pair((2, 2, 3), seed=21)
    _close(tg.affine_grid_generator(th_g, [2, 1, 3, 4], False), torch.affine_grid_generator(th_t, [2, 1, 3, 4], False))
    a_t, a_g = _pair((3, 4), seed=22, grad=True)
    c_t, c_g = _pair((3, 5), seed=23)
    bw_t, bw_g = _pair((2, 4, 5), seed=24)
    _close(tg.bilinear(a_g, c_g, bw_g), torch.bilinear(a_t, c_t, bw_t), 1e-4)


def test_dropouts():
    x = tg.ones(4, 3, 2)
    assert tg.feature_dropout(x, 0.5, False) is x and tg.alpha_dropout(x, 0.5, False) is x
    tg.manual_seed(0)
    y = tg.feature_dropout(x, 0.5, True).numpy()
    per_channel = y.reshape(4, 3, 2)
    assert np.all(per_channel[..., 0] == per_channel[..., 1])  # whole channels dropped or kept
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    out, mask = tg.native_dropout(x, 0.25, True)
    assert mask.dtype == tg.bool and np.allclose(out.numpy(), mask.numpy() / 0.75)
    out, mask = tg.native_dropout(x, 0.25, False)
    assert mask.numpy().all() and np.array_equal(out.numpy(), x.numpy())
    z = tg.ones(10000)
    assert tg.dropout_(z, 0.5, True) is z and 0.4 < (z.numpy() == 0).mean() < 0.6
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        tg.feature_dropout(x, 1.5, True)
    for seed, shape in ((0, (4, 6)), (1, (3, 4, 3)), (2, (2, 3, 2, 2))):  # torch's draws, as dropout2d's
        torch.manual_seed(seed)
        want = torch.feature_dropout(torch.ones(shape), 0.5, True)
        tg.manual_seed(seed)
        assert tg.feature_dropout(tg.ones(shape), 0.5, True).tolist() == want.tolist()


@pytest.mark.parametrize("cell", ["rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell"])
def test_recurrent_cells(cell):
    gates = {"rnn_tanh_cell": 1, "rnn_relu_cell": 1, "gru_cell": 3, "lstm_cell": 4}[cell]
    x_t, x_g = _pair((3, 4), seed=25, grad=True)
    h_t, h_g = _pair((3, 5), seed=26, grad=True)
    wi_t, wi_g = _pair((gates * 5, 4), seed=27, grad=True)
    wh_t, wh_g = _pair((gates * 5, 5), seed=28, grad=True)
    bi_t, bi_g = _pair((gates * 5,), seed=29)
    bh_t, bh_g = _pair((gates * 5,), seed=30)
    if cell == "lstm_cell":
        c_t, c_g = _pair((3, 5), seed=31)
        want = torch.lstm_cell(x_t, (h_t, c_t), wi_t, wh_t, bi_t, bh_t)
        got = tg.lstm_cell(x_g, (h_g, c_g), wi_g, wh_g, bi_g, bh_g)
        loss_t, loss_g = want[0].sum() + want[1].square().sum(), got[0].sum() + got[1].square().sum()
    else:
        want = getattr(torch, cell)(x_t, h_t, wi_t, wh_t, bi_t, bh_t)
        got = getattr(tg, cell)(x_g, h_g, wi_g, wh_g, bi_g, bh_g)
        loss_t, loss_g = want.square().sum(), got.square().sum()
    _close(got, want, 1e-5)
    loss_t.backward()
    loss_g.backward()
    for a, b in ((x_g, x_t), (h_g, h_t), (wi_g, wi_t), (wh_g, wh_t)):
        _close(a.grad, b.grad, 1e-4)


def test_old_norms():
    t, g = _pair((3, 4), seed=32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _close(tg.frobenius_norm(g, (0, 1)), torch.frobenius_norm(t, (0, 1)))
        _close(tg.frobenius_norm(g, (1,), True), torch.frobenius_norm(t, (1,), True))
        _close(tg.nuclear_norm(g), torch.nuclear_norm(t), 1e-4)
        _close(tg.nuclear_norm(g, True), torch.nuclear_norm(t, True), 1e-4)
    for dim in (0, 1, -1):
        _close(tg.norm_except_dim(g, 2, dim), torch.norm_except_dim(t, 2, dim))


# ---- tensor functions ----------------------------------------------------------------------------------------------
def test_rsub_and_fill():
    t, g = _pair((3,), seed=33, grad=True)
    o_t, o_g = _pair((3,), seed=34)
    for args, kw in (((2.0,), {}), ((o_t,), {"alpha": 3}), ((1,), {"alpha": 2})):
        a_g = tuple(o_g if a is o_t else a for a in args)
        _close(tg.rsub(g, *a_g, **kw), torch.rsub(t, *args, **kw))
    _close(tg.fill(g, 2.5), torch.fill(t, 2.5))
    _close(tg.fill(g, tg.tensor(1.0)), torch.fill(t, torch.tensor(1.0)))
    i_t, i_g = torch.tensor([1, 2]), tg.tensor([1, 2])
    _close(tg.fill(i_g, 7), torch.fill(i_t, 7))
    with pytest.raises(RuntimeError, match="0-dimension"):
        tg.fill(g, tg.ones(2))


@pytest.mark.parametrize("args,kw", [((0, 1, 0.25), {}), ((0, 3), {}), ((0, 3), {"dtype": "int64"}),
                                     ((5, 1, -1), {}), ((1.5, 4.2, 0.7), {"dtype": "float64"})])
def test_range_includes_its_end(args, kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.range(*args, **{k: getattr(torch, v) for k, v in kw.items()})
        got = tg.range(*args, **{k: getattr(tg, v) for k, v in kw.items()})
    _close(got, want)
    with pytest.warns(UserWarning, match="deprecated"):
        tg.range(0, 1)


def test_trapz_unravel_typename_nonzero_static():
    t, g = _pair((3, 5), seed=35)
    _close(tg.trapz(g), torch.trapz(t))
    xs_t, xs_g = _pair((5,), seed=36)
    _close(tg.trapz(g, xs_g), torch.trapz(t, xs_t))
    _close(tg.trapz(g, dx=0.5, dim=0), torch.trapz(t, dx=0.5, dim=0))
    for idx, shape in (([5, 7, 0], (2, 4)), ([[3, -1]], (2, 2)), (4, (5,)), (11, (2, 3, 2))):
        want, got = torch.unravel_index(torch.tensor(idx), shape), tg.unravel_index(tg.tensor(idx), shape)
        for a, b in zip(got, want, strict=True):
            _close(a, b)
    with pytest.raises(ValueError, match="out of bounds"):
        tg.unravel_index(tg.tensor([8]), (2, 4))
    with pytest.raises(TypeError, match="integer"):
        tg.unravel_index(tg.tensor([1.0]), (2, 4))
    assert tg.typename(g) == torch.typename(t) == "torch.FloatTensor"
    assert tg.typename(tg.zeros(1, dtype=tg.long)) == "torch.LongTensor"
    assert tg.typename(3) == torch.typename(3) == "int"
    assert tg.typename(tg.nn.Linear(1, 1)) == torch.typename(torch.nn.Linear(1, 1))
    for a, size, fill in (([0, 1, 0, 2], 3, -1), ([[0, 1], [1, 1]], 2, -5), ([0, 0], 2, 9), ([1, 1, 1], 0, -1)):
        want = torch.nonzero_static(torch.tensor(a), size=size, fill_value=fill)
        _close(tg.nonzero_static(tg.tensor(a), size=size, fill_value=fill), want)
        _close(tg.tensor(a).nonzero_static(size=size, fill_value=fill), want)


def test_histogramdd():
    t, g = _pair((20, 2), seed=37, lo=0, hi=1)
    w_t, w_g = _pair((20,), seed=38, lo=0, hi=1)
    for kw in ({"bins": [2, 3]}, {"bins": 4, "range": [0.0, 1.0, 0.0, 1.0]}, {"bins": [3, 2], "density": True}):
        want, got = torch.histogramdd(t, **kw), tg.histogramdd(g, **kw)
        _close(got.hist, want.hist)
        _close(got.bin_edges, want.bin_edges)
    want, got = torch.histogramdd(t, bins=[2, 2], weight=w_t), tg.histogramdd(g, bins=[2, 2], weight=w_g)
    _close(got.hist, want.hist)
    edges = [torch.tensor([0.0, 0.5, 1.0]), torch.tensor([0.0, 0.2, 1.0])]
    want = torch.histogramdd(t, bins=edges)
    got = tg.histogramdd(g, bins=[tg.tensor(e.numpy()) for e in edges])
    _close(got.hist, want.hist)


@pytest.mark.parametrize("shape", [(4, 4), (2, 5, 3), (3, 2, 4)])
def test_lu_unpack(shape):
    t, g = _pair(shape, seed=39, dtype=np.float64, grad=True)
    LU_t, piv_t = torch.linalg.lu_factor(t)
    LU_g, piv_g = tg.linalg.lu_factor(g)
    want, got = torch.lu_unpack(LU_t, piv_t), tg.lu_unpack(LU_g, piv_g)
    _close(got, want, 1e-10)
    P, L, U = got
    np.testing.assert_allclose((P @ L @ U).detach().numpy(), g.detach().numpy(), atol=1e-12)
    (want[1].square().sum() + want[2].sum()).backward()
    (got[1].square().sum() + got[2].sum()).backward()
    _close(g.grad, t.grad, 1e-8)
    _, L2, U2 = tg.lu_unpack(LU_g, piv_g, unpack_data=False)
    assert L2.numel() == 0 and U2.numel() == 0
    with pytest.raises(RuntimeError, match="pivots must lie"):
        tg.lu_unpack(LU_g, piv_g * 0)


_COPIES = [("view_copy", ((3, 4),)), ("permute_copy", ((1, 0, 2),)), ("transpose_copy", (0, 2)),
           ("t_copy", ()), ("expand_copy", ((3, 2, 3, 2),)), ("select_copy", (1, 0)), ("squeeze_copy", ()),
           ("unsqueeze_copy", (1,)), ("diagonal_copy", ()), ("unfold_copy", (2, 1, 1)), ("split_copy", (1,)),
           ("split_with_sizes_copy", ((1, 1),)), ("unbind_copy", (1,)), ("alias_copy", ()), ("detach_copy", ()),
           ("slice_copy", (2, 0, 2, 1)), ("as_strided_copy", ((2, 2), (1, 2)))]


@pytest.mark.parametrize("name,args", _COPIES)
def test_copy_family(name, args):
    shape = {"t_copy": (3, 4), "expand_copy": (2, 1, 2), "squeeze_copy": (2, 1, 3), "diagonal_copy": (3, 3)}.get(
        name, (2, 2, 3))
    t, g = _pair(shape, seed=40, grad=True)
    want, got = getattr(torch, name)(t, *args), getattr(tg, name)(g, *args)
    _close(got, want)
    for o in (got if isinstance(got, tuple) else (got,)):
        assert o.is_contiguous()
        assert not np.shares_memory(o.numpy() if not o.requires_grad else o.detach().numpy(), g.detach().numpy())
    if name != "detach_copy":
        want = want if not isinstance(want, tuple) else torch.stack(want)
        got = got if not isinstance(got, tuple) else tg.stack(got)
        (want * torch.arange(want.numel()).reshape(want.shape)).sum().backward()
        (got * tg.arange(got.numel()).reshape(got.shape)).sum().backward()
        _close(g.grad, t.grad)


def test_complex_views_copied_and_unsafe_splits():
    a = np.random.default_rng(41).standard_normal((3, 2)).astype(np.float32)
    t, g = torch.tensor(a), tg.tensor(a)
    _close(tg.view_as_complex_copy(g), torch.view_as_complex_copy(t))
    _close(tg.view_as_real_copy(tg.view_as_complex(g)), torch.view_as_real_copy(torch.view_as_complex(t)))
    for fn, args in (("unsafe_chunk", (2,)), ("unsafe_split", (2,)), ("unsafe_split_with_sizes", ((1, 2),))):
        _close(getattr(tg, fn)(g, *args), getattr(torch, fn)(t, *args))
        _close(getattr(g, fn)(*args), getattr(t, fn)(*args))


def test_empty_permuted_lays_memory_out_in_order():
    want = torch.empty_permuted((2, 3, 4), (0, 2, 1))
    got = tg.empty_permuted((2, 3, 4), (0, 2, 1))
    assert tuple(got.shape) == tuple(want.shape) and got.stride() == want.stride()
    with pytest.raises(RuntimeError, match="permutation"):
        tg.empty_permuted((2, 3), (0, 0))


# ---- Tensor flags, layouts, switches -------------------------------------------------------------------------------
def test_tensor_flags_and_layout():
    a = np.zeros((2, 3, 4), np.float32)
    t, g = torch.from_numpy(a), tg.from_numpy(a)
    for flag in ("is_meta", "is_quantized", "is_nested", "is_sparse_csr", "is_mkldnn", "is_xpu", "is_mps"):
        assert getattr(g, flag) == getattr(t, flag) is False
    assert g.is_pinned() is False and g.is_neg() is False and g.resolve_neg() is g
    assert repr(g.layout) == repr(t.layout) == "torch.strided" and g.layout is tg.strided
    assert repr(tg.sparse_coo) == "torch.sparse_coo"
    assert g.to_dense() is g and g.to_dense(tg.float64).dtype == tg.float64
    assert g.const_data_ptr() == g.data_ptr()
    for perm in ((0, 1, 2), (2, 0, 1), (1, 2, 0)):
        tt, gg = t.permute(perm), g.permute(perm)
        assert gg.dim_order() == tt.dim_order()
    assert g.cfloat().dtype == tg.complex64 and g.cdouble().dtype == tg.complex128
    with pytest.raises(TypeError, match="complex32"):
        g.chalf()


def test_switches():
    assert tg.get_num_interop_threads() >= 1
    tg.set_num_interop_threads(2)
    assert tg.get_num_interop_threads() == 2
    with pytest.raises(RuntimeError, match="positive"):
        tg.set_num_interop_threads(0)
    assert tg.set_flush_denormal(False) is False
    tg.set_warn_always(True)
    assert tg.is_warn_always_enabled()
    tg.set_warn_always(False)
    try:
        tg.set_deterministic_debug_mode("warn")
        assert tg.get_deterministic_debug_mode() == 1 and tg.are_deterministic_algorithms_enabled()
        assert tg.is_deterministic_algorithms_warn_only_enabled()
    finally:
        tg.set_deterministic_debug_mode(0)
    assert not tg.are_deterministic_algorithms_enabled()
    with pytest.raises(RuntimeError, match="invalid mode"):
        tg.set_deterministic_debug_mode("loud")
    try:
        tg.set_default_tensor_type("torch.DoubleTensor")
        assert tg.get_default_dtype() == tg.float64
        tg.set_default_tensor_type(tg.FloatTensor)
        assert tg.get_default_dtype() == tg.float32
    finally:
        tg.set_default_dtype(tg.float32)
    with pytest.raises(TypeError, match="floating-point"):
        tg.set_default_tensor_type("torch.LongTensor")
    assert tg.get_device_module("cpu") is tg.cpu and tg.get_device_module() is tg.cpu
    assert tg.is_storage(tg.ones(2).untyped_storage()) and not tg.is_storage(tg.ones(2))
    assert tg.is_anomaly_check_nan_enabled() is torch.is_anomaly_check_nan_enabled()


def test_cond_and_while_loop_run_eagerly():
    x = tg.tensor([1.0, 2.0])
    assert tg.cond(tg.tensor(True), lambda a: a + 1, lambda a: a - 1, (x,)).tolist() == [2.0, 3.0]
    assert tg.cond(False, lambda a: a + 1, lambda a: a - 1, (x,)).tolist() == [0.0, 1.0]
    with pytest.raises(RuntimeError, match="one-element"):
        tg.cond(tg.tensor([True, False]), lambda: 0, lambda: 1)
    i, s = tg.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), (tg.tensor(0), tg.tensor(0)))
    assert (int(i), int(s)) == (5, 10)


@pytest.mark.parametrize("name", ["matrix_rank", "lstsq", "solve", "symeig", "eig"])
def test_removed_functions_say_so(name):
    with pytest.raises(RuntimeError) as want:
        getattr(torch, name)(torch.eye(2), torch.eye(2)) if name in ("lstsq", "solve") else \
            getattr(torch, name)(torch.eye(2))
    with pytest.raises(RuntimeError, match="deprecated since version 1.9 and is now removed") as got:
        getattr(tg, name)(tg.eye(2))
    assert str(got.value).split(".")[0] == str(want.value).split(".")[0]


def test_unknown_top_level_name_still_raises():
    with pytest.raises(AttributeError, match="no attribute 'not_a_torch_function'"):
        tg.not_a_torch_function


@pytest.mark.parametrize("op", ["mH", "H", "adjoint"])
def test_conjugate_transposes_conjugate_complex_tensors(op):
    # they returned the plain transpose of a complex matrix
    r = np.random.default_rng(42).standard_normal((2, 2, 3))
    a = (r[0] + 1j * r[1]).astype(np.complex64)
    t, g = torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)
    want, got = getattr(t, op), getattr(g, op)
    want, got = (want(), got()) if op == "adjoint" else (want, got)
    _close(got, want)
    w = torch.tensor(np.arange(6).reshape(3, 2) * (1 - 1j), dtype=torch.complex64)
    (want * w).abs().sum().backward()
    (got * tg.tensor(w.numpy())).abs().sum().backward()
    _close(g.grad, t.grad)


def test_python_scalar_conversions_as_torch():
    # int() / float() of a longer tensor raised RuntimeError (torch: ValueError); float() of a complex tensor with a
    # zero imaginary part failed; a bool tensor is an index
    for M in (torch, tg):
        with pytest.raises(ValueError, match="only one element"):
            int(M.ones(2))
        with pytest.raises(ValueError, match="only one element"):
            float(M.ones(2))
        with pytest.raises(ValueError, match="only one element"):
            complex(M.ones(2))
        with pytest.raises(RuntimeError, match="cannot be converted"):
            float(M.tensor(1 + 1j))
        assert float(M.tensor(1 + 0j)) == 1.0 and int(M.tensor(2.7)) == 2 and complex(M.tensor(2.0)) == 2 + 0j
        assert [1, 2, 3][M.tensor(True)] == 2


@pytest.mark.parametrize("dtype", ["float32", "int32", "bfloat16", "float16"])
def test_pow_by_a_numpy_scalar_keeps_the_dtype(dtype):
    # x ** np.float64(2.5) gave float64 for float32 / int32 tensors, and bfloat16 ** 2.5 gave float32
    want = torch.ones(3, dtype=getattr(torch, dtype)) ** np.float64(2.5)
    got = tg.ones(3, dtype=getattr(tg, dtype)) ** np.float64(2.5)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    want = torch.ones(3, dtype=getattr(torch, dtype)) ** 2.5
    got = tg.ones(3, dtype=getattr(tg, dtype)) ** 2.5
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_in_half_types_rounds_once_as_torch(dtype, approximate):
    # bfloat16 gelu returned float32 (value and gradient); float16 was a few ulps off: float32 inside, rounded once
    x_t = torch.linspace(-4, 4, 33, dtype=getattr(torch, dtype), requires_grad=True)
    x_g = tg.linspace(-4, 4, 33, dtype=getattr(tg, dtype), requires_grad=True)
    y_t = torch.nn.functional.gelu(x_t, approximate=approximate)
    y_g = tg.nn.functional.gelu(x_g, approximate=approximate)
    assert y_g.dtype == getattr(tg, dtype)
    ulp = 2 ** -10 if dtype == "float16" else 2 ** -7  # one rounding of the half type, at most
    np.testing.assert_allclose(y_g.float().detach().numpy(), y_t.float().detach().numpy(), rtol=ulp, atol=1e-6)
    (y_t.float() * torch.arange(33.0)).sum().backward()
    (y_g.float() * tg.arange(33.0)).sum().backward()
    assert x_g.grad.dtype == getattr(tg, dtype)
    # within one rounding of the half type (torch's backward formula rounds a few products differently)
    np.testing.assert_allclose(x_g.grad.float().numpy(), x_t.grad.float().numpy(), rtol=ulp, atol=1e-6)


def test_pow_gradient_of_bfloat16_stays_bfloat16():
    for p in (2.5, 3, -1.5):
        x_t = torch.linspace(0.5, 2, 5, dtype=torch.bfloat16, requires_grad=True)
        x_g = tg.linspace(0.5, 2, 5, dtype=tg.bfloat16, requires_grad=True)
        (x_t ** p).float().sum().backward()
        (x_g ** p).float().sum().backward()
        assert x_g.grad.dtype == tg.bfloat16
        np.testing.assert_allclose(x_g.grad.float().numpy(), x_t.grad.float().numpy(), rtol=1e-2)


def test_fill_keeps_the_graph_with_a_zero_gradient():
    t, g = _pair((3,), seed=50, grad=True)
    want, got = torch.fill(t * 2, 1.5), tg.fill(g * 2, 1.5)
    assert got.requires_grad == want.requires_grad is True
    want.sum().backward()
    got.sum().backward()
    _close(g.grad, t.grad)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_cdist_refuses_half_types_as_torch(dtype):
    a = np.ones((2, 3))
    with pytest.raises(NotImplementedError):
        torch.cdist(torch.tensor(a, dtype=getattr(torch, dtype)), torch.tensor(a, dtype=getattr(torch, dtype)))
    with pytest.raises(NotImplementedError, match="cdist"):
        tg.cdist(tg.tensor(a, dtype=getattr(tg, dtype)), tg.tensor(a, dtype=getattr(tg, dtype)))


def test_arange_takes_only_0d_tensor_bounds():
    with pytest.raises(TypeError):
        torch.arange(torch.tensor([3.0]))
    with pytest.raises(TypeError, match="0-d"):
        tg.arange(tg.tensor([3.0]))
    _close(tg.arange(tg.tensor(3.0)), torch.arange(torch.tensor(3.0)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,ns", [((2, 0), (0,)), ((0, 5), (5,)), ((3, 2, 0), (2, 0)), ((0,), (0,))])
def test_layer_norm_of_empty_tensors(shape, ns, dtype):
    # an empty normalized shape crashed (reshape(-1, 0)); torch returns the empty result and zero gradients
    x_t = torch.ones(shape, dtype=getattr(torch, dtype), requires_grad=True)
    x_g = tg.ones(shape, dtype=getattr(tg, dtype), requires_grad=True)
    w_t = torch.ones(ns, dtype=getattr(torch, dtype), requires_grad=True)
    w_g = tg.ones(ns, dtype=getattr(tg, dtype), requires_grad=True)
    y_t = torch.nn.functional.layer_norm(x_t, ns, w_t, w_t * 0)
    y_g = tg.nn.functional.layer_norm(x_g, ns, w_g, w_g * 0)
    _close(y_g, y_t)
    y_t.sum().backward()
    y_g.sum().backward()
    _close(x_g.grad, x_t.grad)
    _close(w_g.grad, w_t.grad)


def test_angle_of_integer_and_real_tensors():
    # angle of an int / bool tensor crashed; a real tensor's angle dropped out of the graph (torch: zero gradient)
    for a in ([1, -2, 0], [True, False]):
        _close(tg.angle(tg.tensor(a)), torch.angle(torch.tensor(a)))
    t, g = _pair((4,), seed=51, grad=True)
    want, got = torch.angle(t), tg.angle(g)
    assert got.requires_grad == want.requires_grad
    want.sum().backward()
    got.sum().backward()
    _close(g.grad, t.grad)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_logaddexp2_in_half_types_and_its_refusals(dtype):
    # half types were ~1e-3 off (ln 2 scaling in half precision); an int tensor beside a half one gave float32
    a, b = np.array([1.0, 2.0, -30.0, 5.5]), np.array([0.5, 7.0, -31.0, 5.5])
    x_t = torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True)
    x_g = tg.tensor(a, dtype=getattr(tg, dtype), requires_grad=True)
    want = torch.logaddexp2(x_t, torch.tensor(b, dtype=getattr(torch, dtype)))
    got = tg.logaddexp2(x_g, tg.tensor(b, dtype=getattr(tg, dtype)))
    assert got.dtype == getattr(tg, dtype)
    np.testing.assert_allclose(got.float().detach().numpy(), want.float().detach().numpy(), rtol=1e-3)
    want.float().sum().backward()
    got.float().sum().backward()
    np.testing.assert_allclose(x_g.grad.float().numpy(), x_t.grad.float().numpy(), rtol=1e-2, atol=1e-3)
    assert tg.logaddexp2(tg.ones(2, dtype=getattr(tg, dtype)), tg.tensor([1, 2])).dtype == getattr(tg, dtype)
    with pytest.raises(NotImplementedError, match="logaddexp2"):
        tg.logaddexp2(tg.tensor([1, 2]), tg.tensor([1, 2]))
    with pytest.raises(TypeError, match="must be Tensor"):
        tg.logaddexp2(x_g, 2.0)
    with pytest.raises(TypeError, match="must be Tensor"):
        tg.dist(x_g, 2)


@pytest.mark.parametrize("v", [3.0, 1e4, 1e6, 1e8])
def test_log_softmax_keeps_its_digits_at_large_logits(v):
    # the float32 kernel computed x - (max + log(sum)) (fastmath reassociation): -0.8623 for torch's -0.8620 at 1e4,
    # 0 for -1.0986 at 1e8
    x = [[v, v, v - 1], [v - 2, v, v]]
    got = tg.nn.functional.log_softmax(tg.tensor(x), -1).numpy()
    want = torch.nn.functional.log_softmax(torch.tensor(x), -1).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "complex64"])
def test_a_0d_parameters_gradient_accumulates_as_an_array(dtype):
    # numpy's 0-d + 0-d is a scalar: the second backward left .grad holding one, and printing it crashed
    v = tg.tensor(2.0, dtype=getattr(tg, dtype), requires_grad=True)
    for _ in range(3):
        (v * 2).real.sum().backward() if dtype == "complex64" else (v * 2).backward()
    assert isinstance(v.grad._data, np.ndarray) and v.grad.shape == () and "tensor(6" in repr(v.grad)


_GRAD_CASES = {
    "rsub": (lambda M, x: M.rsub(x, 2.0, alpha=3), (3, 4)),
    "trapz": (lambda M, x: M.trapz(x, dx=0.5), (3, 4)),
    "constant_pad_nd": (lambda M, x: M.constant_pad_nd(x, [1, 2], 3.0), (3, 4)),
    "max_pool3d": (lambda M, x: M.max_pool3d(x.reshape(1, 1, 2, 2, 3), 2, 1), (3, 4)),
    "adaptive_max_pool1d": (lambda M, x: M.adaptive_max_pool1d(x.reshape(1, 3, 4), 2)[0], (3, 4)),
    "max_pool1d_with_indices": (lambda M, x: M.max_pool1d_with_indices(x.reshape(1, 3, 4), 2, 1)[0], (3, 4)),
    "native_layer_norm": (lambda M, x: M.native_layer_norm(x, [4], None, None, 1e-5)[0], (3, 4)),
    "rms_norm": (lambda M, x: M.rms_norm(x, [4]), (3, 4)),
    "bilinear": (lambda M, x: M.bilinear(x, x * 2, x.new_ones((2, 4, 4)) * 0.1), (3, 4)),
    "frobenius_norm": (lambda M, x: M.frobenius_norm(x, (0, 1)), (3, 4)),
    "nuclear_norm": (lambda M, x: M.nuclear_norm(x), (3, 4)),
    "norm_except_dim": (lambda M, x: M.norm_except_dim(x, 2, 0), (3, 4)),
    "slice_copy": (lambda M, x: M.slice_copy(x, 1, 1, 4, 2), (3, 4)),
    "view_copy": (lambda M, x: M.view_copy(x, (4, 3)), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(_GRAD_CASES))
def test_wrappers_gradients_match_torch_and_finite_differences(name):
    # forward and backward against torch (float32), and float64 finite differences of teenygrad's own gradient
    fn, shape = _GRAD_CASES[name]
    t, g = _pair(shape, seed=60, grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, got = fn(torch, t), fn(tg, g)
        _close(got, want, 1e-4)
        w = np.random.default_rng(61).standard_normal(tuple(want.shape)).astype(np.float32)
        (want * torch.tensor(w)).sum().backward()
        (got * tg.tensor(w)).sum().backward()
        _close(g.grad, t.grad, 1e-4)
        x64 = tg.tensor(np.random.default_rng(62).standard_normal(shape), requires_grad=True)
        assert tg.autograd.gradcheck(lambda x: fn(tg, x), (x64,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("call,err", [
    (lambda: tg.constant_pad_nd(tg.ones(3), [1, 2, 3], 0.0), RuntimeError),
    (lambda: tg.max_pool3d(tg.ones(2, 2), 2), RuntimeError),
    (lambda: tg.native_layer_norm(tg.ones(3, 4), [5], None, None, 1e-5), RuntimeError),
    (lambda: tg.rms_norm(tg.ones(3, 4), [5]), RuntimeError),
    (lambda: tg.bilinear(tg.ones(3, 4), tg.ones(3, 5), tg.ones(2, 4, 4)), RuntimeError),
    (lambda: tg.view_copy(tg.ones(3, 4), (5, 3)), RuntimeError),
    (lambda: tg.rsub("a", 1), TypeError),
    (lambda: tg.trapz(tg.ones(3, 4), tg.ones(5)), RuntimeError),
    (lambda: tg.lu_unpack(tg.ones(3, 3), tg.ones(2, dtype=tg.int32)), RuntimeError),
])
def test_wrappers_refuse_bad_input_as_torch(call, err):
    with pytest.raises(err):
        call()
