"""Differential tests of the torch-shaped toolkit against torch at the edges where a composite once gave a silently
different answer (nan gradients at saturated or all-ignored inputs, gradients at clip corners), plus the small
torch names added beside them. Each compares value and gradients with torch on the same numpy inputs."""
import math
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
import teenygrad as tg
import teenygrad.nn as nn
import teenygrad.nn.functional as F
import teenygrad.optim as optim

ATOL, RTOL = 1e-6, 1e-5
DTYPES = [np.float32, np.float64]


def leaves(*arrays):
    """The same float arrays as teenygrad and torch leaves that require grad."""
    return ([tg.tensor(a, requires_grad=True) for a in arrays], [torch.tensor(a, requires_grad=True) for a in arrays])


def close(ours, theirs, atol=ATOL, rtol=RTOL):
    a = ours.numpy() if isinstance(ours, tg.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy()
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)


def check(fn, tfn, arrays, atol=ATOL, rtol=RTOL):
    """fn(*teenygrad leaves) against tfn(*torch leaves): value, then every input's gradient of a weighted sum."""
    ours, theirs = leaves(*arrays)
    y, ty = fn(*ours), tfn(*theirs)
    close(y, ty, atol, rtol)
    g = np.random.default_rng(1).standard_normal(ty.shape).astype(ty.detach().numpy().dtype)
    y.backward(tg.tensor(g))
    ty.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        close(a.grad, b.grad, atol, rtol)


# ---- losses ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_gradient_at_saturated_probabilities(dtype, reduction):
    # sigmoid saturates to exactly 0.0 / 1.0 in float32: torch's gradient clamps x (1 - x) at 1e-12, never nan
    p = np.array([0.0, 1.0, 0.5, 0.0, 1.0, 1e-30, 0.25], dtype)
    t = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.75], dtype)
    ours, theirs = leaves(p, t)
    y = F.binary_cross_entropy(*ours, reduction=reduction)
    ty = TF.binary_cross_entropy(*theirs, reduction=reduction)
    close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    close(ours[0].grad, theirs[0].grad)
    close(ours[1].grad, theirs[1].grad)  # inf where torch's is (logit of 0 or 1)


def test_bce_rejects_targets_of_another_dtype():
    with pytest.raises(TypeError, match="binary_cross_entropy: input and target must have the same floating dtype"):
        F.binary_cross_entropy(tg.tensor([0.2, 0.7]), tg.tensor([1, 0]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_all_ignored_rows_get_zero_gradient(kernels, dtype, label_smoothing):
    # a batch where every target is ignore_index: the mean is 0/0 = nan in both, but torch's gradient is 0
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(dtype)
    t = np.array([-100, -100, -100])
    ours, theirs = leaves(x)
    y = F.cross_entropy(ours[0], tg.tensor(t), label_smoothing=label_smoothing)
    ty = TF.cross_entropy(theirs[0], torch.tensor(t), label_smoothing=label_smoothing)
    assert math.isnan(y.item()) and math.isnan(ty.item())
    y.backward()
    ty.backward()
    close(ours[0].grad, theirs[0].grad)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("targets", [[-100, -100], [1, -100]], ids=["all_ignored", "one_ignored"])
def test_nll_loss_mean_gradient_with_ignored_rows(dtype, targets):
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(dtype)
    t = np.array(targets)
    ours, theirs = leaves(x)
    y, ty = F.nll_loss(ours[0], tg.tensor(t)), TF.nll_loss(theirs[0], torch.tensor(t))
    np.testing.assert_allclose(y.item(), ty.item(), rtol=RTOL)  # nan == nan here
    y.backward()
    ty.backward()
    close(ours[0].grad, theirs[0].grad)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("delta", [1.0, 0.5, 2.0])
def test_huber_loss(dtype, reduction, delta):
    rng = np.random.default_rng(2)
    x, t = (rng.standard_normal((4, 5)) * 2).astype(dtype), (rng.standard_normal((4, 5)) * 2).astype(dtype)
    check(lambda a, b: F.huber_loss(a, b, reduction=reduction, delta=delta),
          lambda a, b: TF.huber_loss(a, b, reduction=reduction, delta=delta), [x, t])
    check(lambda a, b: nn.HuberLoss(reduction, delta)(a, b),
          lambda a, b: torch.nn.HuberLoss(reduction, delta)(a, b), [x, t])


# ---- activations ----------------------------------------------------------------------------------
@pytest.mark.parametrize("op, args", [("hardtanh", ()), ("hardtanh", (-2.0, 0.5)), ("relu6", ())])
@pytest.mark.parametrize("dtype", DTYPES)
def test_clip_activations_have_zero_gradient_at_the_corners(op, args, dtype):
    # torch's hardtanh (and relu6 = hardtanh(0, 6)) passes gradient only strictly inside (lo, hi); clamp's is 1
    x = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 6.0, 7.0, 3.0, -0.3], dtype)
    check(lambda a: getattr(F, op)(a, *args), lambda a: getattr(TF, op)(a, *args), [x])


def test_relu6_keeps_integer_dtype():
    close(F.relu6(tg.tensor([1, 7, -2])), TF.relu6(torch.tensor([1, 7, -2])))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu_large_inputs_have_finite_gradient(dtype, alpha):
    # e^x overflows past ~88 (float32) / ~709 (float64); the unused branch must not turn the gradient nan
    x = np.array([-1000, -20, -1, -1e-3, 0, 1e-3, 1, 20, 89, 100, 800, 1000], dtype)
    check(lambda a: F.elu(a, alpha), lambda a: TF.elu(a, alpha), [x])
    check(lambda a: nn.ELU(alpha)(a), lambda a: torch.nn.ELU(alpha)(a), [x])


@pytest.mark.parametrize("dim", [0, -1, None])
def test_softmin(dim):
    x = np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32)
    check(lambda a: F.softmin(a, dim), lambda a: TF.softmin(a, dim), [x])
    if dim is not None:
        check(lambda a: nn.Softmin(dim)(a), lambda a: torch.nn.Softmin(dim)(a), [x])


# ---- distances ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_normalize_zero_rows_have_finite_gradient(dtype):
    # a zero (padding) row: torch's norm has gradient 0 at 0, so the row's gradient is dy / eps, not nan
    x = np.random.default_rng(4).standard_normal((4, 3)).astype(dtype)
    x[0] = 0
    x[2] = [1e-13, 0, 0]
    check(lambda a: F.normalize(a, dim=1), lambda a: TF.normalize(a, dim=1), [x], rtol=1e-4)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes, dim", [(((3, 4), (3, 4)), 1), (((3, 4), (1, 4)), 1), (((2, 3, 4), (2, 3, 4)), -1),
                                         (((5,), (5,)), 0)])
def test_cosine_similarity(dtype, shapes, dim):
    rng = np.random.default_rng(5)
    x1, x2 = (rng.standard_normal(s).astype(dtype) for s in shapes)
    if x1.ndim == 2:
        x1[0] = 0  # a zero vector: torch clamps each norm at eps, so the similarity is 0 with a finite gradient
    check(lambda a, b: F.cosine_similarity(a, b, dim), lambda a, b: TF.cosine_similarity(a, b, dim), [x1, x2],
          rtol=1e-4)
    check(lambda a, b: nn.CosineSimilarity(dim)(a, b), lambda a, b: torch.nn.CosineSimilarity(dim)(a, b), [x1, x2],
          rtol=1e-4)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(p, keepdim):
    rng = np.random.default_rng(6)
    x1, x2 = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    x2[1] = x1[1]  # equal rows: eps keeps the norm (and its gradient) finite
    check(lambda a, b: F.pairwise_distance(a, b, p, keepdim=keepdim),
          lambda a, b: TF.pairwise_distance(a, b, p, keepdim=keepdim), [x1, x2])
    check(lambda a, b: nn.PairwiseDistance(p, keepdim=keepdim)(a, b),
          lambda a, b: torch.nn.PairwiseDistance(p, keepdim=keepdim)(a, b), [x1, x2])


# ---- nn.utils -------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_clip_grad_norm_with_a_nonfinite_gradient_scales_like_torch(bad):
    # a nan norm makes torch's coefficient nan, so every gradient becomes nan; an inf norm zeroes the finite ones
    grads = [np.arange(6, dtype=np.float32).reshape(2, 3) - 2, np.array([3.0, -4.0], np.float32)]
    grads[0][0, 0] = bad
    ours = [tg.zeros(g.shape, requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for p, tp, g in zip(ours, theirs, grads):
        p.grad, tp.grad = tg.tensor(g), torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ours, 1.0)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    np.testing.assert_array_equal(total.numpy(), ttotal.numpy())
    for p, tp in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())


# ---- lr_scheduler ---------------------------------------------------------------------------------
@pytest.mark.parametrize("per_group", [False, True])
def test_multiplicative_lr(per_group):
    def build(lib, opt_mod, sched_mod):
        groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": 0.1 * (i + 1)} for i in range(2)]
        opt = opt_mod.SGD(groups, lr=0.1)
        fn = [lambda e: 0.95, lambda e: 1.0 / (1 + 0.1 * e)] if per_group else (lambda e: 0.9)
        return opt, sched_mod.MultiplicativeLR(opt, fn)
    opt, sched = build(tg, optim, optim.lr_scheduler)
    topt, tsched = build(torch, torch.optim, torch.optim.lr_scheduler)
    for _ in range(12):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([g["lr"] for g in topt.param_groups], rel=1e-12)


# ---- bad input raises where torch raises (instead of a quietly different answer) --------------------------
def test_bad_loss_parameters_raise():
    x, t = tg.randn(3, 4), tg.randn(3, 4)
    with pytest.raises(RuntimeError, match="smooth_l1_loss: beta must be >= 0, got -1"):
        F.smooth_l1_loss(x, t, beta=-1)  # it used to fall back to plain L1
    with pytest.raises(RuntimeError, match="huber_loss: delta must be > 0, got 0"):
        F.huber_loss(x, t, delta=0)


def test_sdpa_rejects_integer_masks_and_bad_dropout():
    q = tg.randn(2, 3, 4)
    with pytest.raises(TypeError, match="scaled_dot_product_attention: attn_mask must be bool .* got int64"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=tg.ones(3, 3, dtype=tg.int64))  # would be added as +1
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: dropout_p must be in \[0, 1\], got 1.5"):
        F.scaled_dot_product_attention(q, q, q, dropout_p=1.5)


# ---- containers -----------------------------------------------------------------------------------
def test_parameter_list_index_out_of_range_raises():
    pl = nn.ParameterList([nn.Parameter(tg.ones(1)), nn.Parameter(tg.ones(2))])
    with pytest.raises(IndexError, match="ParameterList: index 5 is out of range for length 2"):
        pl[5] = nn.Parameter(tg.zeros(3))  # it used to overwrite entry 5 % 2 = 1
    assert pl[1].shape == (2,)
    pl[-1] = tg.zeros(3)
    assert [tuple(p.shape) for p in pl] == [(1,), (3,)] and isinstance(pl[1], nn.Parameter)
    assert [tuple(p.shape) for p in pl[1:]] == [(3,)] and pl[1:][0] is pl[1]


def test_sequential_pop_and_add():
    def build(L):
        return L.Sequential(L.Linear(1, 2), L.ReLU(), L.Linear(2, 3))
    ours, theirs = build(nn), build(torch.nn)
    assert type(ours.pop(1)).__name__ == type(theirs.pop(1)).__name__ == "ReLU"
    assert list(ours.state_dict()) == list(theirs.state_dict())
    both, tboth = ours + build(nn), theirs + build(torch.nn)
    assert list(both.state_dict()) == list(tboth.state_dict())
    assert both[0] is ours[0]


def test_rnn_flatten_parameters_and_get_buffer():
    lstm = nn.LSTM(3, 4)
    assert lstm.flatten_parameters() is None  # torch scripts call it after .cuda(); a no-op here
    m = nn.Sequential(nn.BatchNorm1d(3))
    assert m.get_buffer("0.running_var") is m[0].running_var
    with pytest.raises(AttributeError, match="get_buffer: BatchNorm1d has no buffer `weight`"):
        m.get_buffer("0.weight")


# ---- pad modes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pad", [((3, 5), (1, 2)), ((2, 3, 5), (4, 0)), ((2, 3, 4, 5), (2, 1, 1, 3)),
                                        ((1, 2, 3, 4, 5), (1, 1, 2, 0, 0, 2)), ((2, 3, 5), (-1, 2)),
                                        ((2, 3, 4, 5), (1, -1, 0, 2))])
def test_pad_modes(mode, shape, pad):
    x = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
    check(lambda a: F.pad(a, pad, mode=mode), lambda a: TF.pad(a, pad, mode=mode), [x])


def test_pad_mode_errors():
    x = tg.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"pad: reflect padding \(4, 0\) of dim 2 must be at most 3"):
        F.pad(x, (4, 0), mode="reflect")
    with pytest.raises(NotImplementedError, match="pad: unknown padding mode 'mirror'"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(NotImplementedError, match=r"pad: replicate padding of the last 1 dims takes a 2-D or 3-D"):
        F.pad(tg.randn(4), (1, 1), mode="replicate")


@pytest.mark.parametrize("padding_mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding, kernel, dilation", [(1, 3, 1), (2, 4, 1), ("same", 4, 2), ("valid", 3, 1)])
def test_conv1d_padding_modes(padding_mode, padding, kernel, dilation):
    kw = dict(padding=padding, padding_mode=padding_mode, dilation=dilation)
    ours, theirs = nn.Conv1d(4, 6, kernel, **kw), torch.nn.Conv1d(4, 6, kernel, **kw)
    ours.weight._data[...] = theirs.weight.detach().numpy()
    ours.bias._data[...] = theirs.bias.detach().numpy()
    x = np.random.default_rng(8).standard_normal((2, 4, 9)).astype(np.float32)
    check(ours, theirs, [x], atol=1e-5)
    assert repr(ours) == repr(theirs)


def test_non_tensor_parameters_and_mixed_dtype_sequences_are_refused():
    from teenygrad.nn.utils.rnn import pad_sequence
    with pytest.raises(TypeError, match="linear: bias must be a Tensor, got ndarray"):
        F.linear(tg.ones(2, 3), tg.ones(4, 3), np.ones(4, np.float32))
    with pytest.raises(TypeError, match="layer_norm: weight must be a Tensor"):
        F.layer_norm(tg.ones(2, 3), (3,), np.ones(3, np.float32))
    with pytest.raises(RuntimeError, match="pad_sequence: the sequences' dtypes must match"):
        pad_sequence([tg.ones(2), tg.ones(3, dtype=tg.float64)])


def test_normalize_and_cosine_similarity_at_zero_rows_match_torch():
    a = np.zeros((2, 3), np.float64)
    a[1] = [1e-7, -2e-7, 3e-7]
    b = np.arange(6, dtype=np.float64).reshape(2, 3)
    (ta, tb), (ra, rb) = leaves(a, b)
    (F.normalize(ta) * tb).sum().backward()
    (torch.nn.functional.normalize(ra) * rb).sum().backward()
    np.testing.assert_allclose(ta.grad.numpy(), ra.grad.numpy(), rtol=1e-9)
    (ta2, tb2), (ra2, rb2) = leaves(a, b)
    F.cosine_similarity(ta2, tb2).sum().backward()
    torch.nn.functional.cosine_similarity(ra2, rb2).sum().backward()
    np.testing.assert_allclose(ta2.grad.numpy(), ra2.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_tensor_pad_takes_the_index_modes(mode):
    # Tensor.pad (tinygrad's and torch's functional spelling alike) pads by reflect / replicate / circular too
    a = np.random.default_rng(3).standard_normal((2, 3, 5))
    (t,), (r,) = leaves(a)
    w = np.random.default_rng(4).standard_normal((2, 3, 8))
    (t.pad((2, 1), mode=mode) * tg.tensor(w)).sum().backward()
    (torch.nn.functional.pad(r, (2, 1), mode=mode) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), r.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_all_ignored_mean_is_nan_without_numpy_warnings(kernels, dtype):
    import warnings
    x = tg.tensor(np.ones((3, 4), dtype), requires_grad=True)
    t = tg.tensor([-100, -100, -100])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        loss = F.cross_entropy(x, t)
        loss.backward()
    assert np.isnan(loss.item()) and torch.isnan(torch.nn.functional.cross_entropy(torch.ones(3, 4), torch.tensor(t.numpy())))
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 4), dtype))
