"""The activations of nn/functional_activation.py and the losses of nn/functional_margin.py (and their nn
modules) against torch: forward and every input gradient on random float32 inputs (broadcasting, non-contiguous
views, every reduction and the legacy size_average / reduce flags), float64 finite-difference gradchecks, rrelu's
random slopes, in-place variants, module reprs, and the errors bad arguments raise (naming the op and values)."""
import warnings
import numpy as np
import pytest
import torch
import teenygrad as tg
from teenygrad.autograd import gradcheck
from helpers import compare, rand

FWD, BWD = dict(atol=1e-5, rtol=1e-4), dict(atol=1e-4, rtol=1e-4)
LAYOUTS = ["contig", "T"]  # C order; a transposed view (same values, other strides)


def F(L):
    return L.nn.functional


# ---- activations ----------------------------------------------------------------------------------
# name: (fn(L, *tensors), input arrays); inputs span every branch (hardswish's kinks are at +-3)
ACT = {
    "mish": (lambda L, x: F(L).mish(x), [rand((4, 5), 1, low=-25, high=25)]),
    "hardswish": (lambda L, x: F(L).hardswish(x), [rand((4, 5), 2, low=-5, high=5)]),
    "hardsigmoid": (lambda L, x: F(L).hardsigmoid(x), [rand((4, 5), 3, low=-5, high=5)]),
    "selu": (lambda L, x: F(L).selu(x), [rand((4, 5), 4)]),
    "celu": (lambda L, x: F(L).celu(x, 0.7), [rand((4, 5), 5)]),
    "celu_default": (lambda L, x: F(L).celu(x), [rand((4, 5), 6, low=-3, high=100)]),
    "prelu_channels": (lambda L, x, w: F(L).prelu(x, w), [rand((2, 3, 4), 7), rand((3,), 8, low=0, high=1)]),
    "prelu_one": (lambda L, x, w: F(L).prelu(x, w), [rand((2, 3, 4), 9), rand((1,), 10)]),
    "prelu_1d": (lambda L, x, w: F(L).prelu(x, w), [rand((6,), 11), rand((1,), 12)]),
    "prelu_2d": (lambda L, x, w: F(L).prelu(x, w), [rand((4, 5), 13), rand((5,), 14)]),
    "rrelu_eval": (lambda L, x: F(L).rrelu(x, 0.1, 0.4), [rand((4, 5), 15)]),
    "rrelu_default": (lambda L, x: F(L).rrelu(x), [rand((4, 5), 16)]),
    "glu_last": (lambda L, x: F(L).glu(x), [rand((3, 6), 17)]),
    "glu_dim0": (lambda L, x: F(L).glu(x, 0), [rand((4, 5), 18)]),
    "softsign": (lambda L, x: F(L).softsign(x), [rand((4, 5), 19)]),
    "tanhshrink": (lambda L, x: F(L).tanhshrink(x), [rand((4, 5), 20)]),
    "threshold": (lambda L, x: F(L).threshold(x, 0.3, -2.0), [rand((4, 5), 21)]),
    "softshrink": (lambda L, x: F(L).softshrink(x, 0.4), [rand((4, 5), 22)]),
    "softshrink_default": (lambda L, x: F(L).softshrink(x), [rand((4, 5), 23)]),
    "hardshrink": (lambda L, x: F(L).hardshrink(x, 0.4), [rand((4, 5), 24)]),
    "hardshrink_negative_lambd": (lambda L, x: F(L).hardshrink(x, -0.5), [rand((4, 5), 25)]),
    "softmax2d": (lambda L, x: L.nn.Softmax2d()(x), [rand((2, 3, 4, 5), 26)]),
    "softmax2d_3d": (lambda L, x: L.nn.Softmax2d()(x), [rand((3, 4, 5), 27)]),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", list(ACT))
def test_activation_matches_torch(name, layout):
    fn, arrays = ACT[name]
    compare(fn, arrays, layout=layout, fwd=FWD, bwd=BWD)


def test_activations_at_their_kinks_match_torch():
    """The gradient exactly at each kink is torch's (x = +-3 for the hard ones, +-lambd for the shrinks, the
    threshold itself, 0 for the ReLU family)."""
    x = np.array([-3, 3, -0.5, 0.5, 0.25, 0, -1, 1], np.float32)
    for fn in [lambda L, x: F(L).hardswish(x), lambda L, x: F(L).hardsigmoid(x),
               lambda L, x: F(L).softshrink(x), lambda L, x: F(L).hardshrink(x),
               lambda L, x: F(L).threshold(x, 0.25, 9.0), lambda L, x: F(L).selu(x), lambda L, x: F(L).celu(x),
               lambda L, x: F(L).rrelu(x), lambda L, x: F(L).prelu(x, L.tensor([0.3])),
               lambda L, x: F(L).mish(x)]:
        compare(fn, [x], fwd=FWD, bwd=BWD)


@pytest.mark.filterwarnings("ignore:invalid value")  # numpy's, from softplus on NaN
def test_nan_passes_through_activations():
    x = np.array([np.nan, 1.0, -1.0], np.float32)
    for name in ["mish", "hardswish", "hardsigmoid", "selu", "celu", "rrelu", "softsign", "tanhshrink",
                 "softshrink", "hardshrink"]:
        compare(lambda L, x: getattr(F(L), name)(x), [x], grad=[False])
    compare(lambda L, x: F(L).threshold(x, 0.5, 7.0), [x], grad=[False])
    compare(lambda L, x: F(L).prelu(x, L.tensor([0.25])), [x], grad=[False])


def test_threshold_on_integers_truncates_like_torch():
    x = np.arange(-3, 5)
    for th, val in [(-0.5, 9.7), (2.5, -1.2), (1, 4)]:
        compare(lambda L, x: F(L).threshold(x, th, val), [x])
        compare(lambda L, x: L.nn.Threshold(th, val)(x), [x])


def test_softsign_tanhshrink_on_integers_give_float():
    compare(lambda L, x: F(L).softsign(x) + F(L).tanhshrink(x), [np.arange(-3, 4)])


INPLACE = {
    "mish": lambda L, y: F(L).mish(y, inplace=True),
    "hardswish": lambda L, y: F(L).hardswish(y, inplace=True),
    "hardsigmoid": lambda L, y: F(L).hardsigmoid(y, True),
    "selu": lambda L, y: F(L).selu(y, True),
    "selu_": lambda L, y: F(L).selu_(y),
    "celu": lambda L, y: F(L).celu(y, 0.5, True),
    "celu_": lambda L, y: F(L).celu_(y, 0.5),
    "rrelu": lambda L, y: F(L).rrelu(y, 0.2, 0.3, False, True),
    "rrelu_": lambda L, y: F(L).rrelu_(y, 0.2, 0.3),
    "threshold": lambda L, y: F(L).threshold(y, 0.1, 3.0, True),
    "threshold_": lambda L, y: F(L).threshold_(y, 0.1, 3.0),
    "Mish": lambda L, y: L.nn.Mish(inplace=True)(y),
    "Hardswish": lambda L, y: L.nn.Hardswish(True)(y),
    "Hardsigmoid": lambda L, y: L.nn.Hardsigmoid(True)(y),
    "SELU": lambda L, y: L.nn.SELU(True)(y),
    "CELU": lambda L, y: L.nn.CELU(2.0, True)(y),
    "RReLU": lambda L, y: L.nn.RReLU(inplace=True).eval()(y),
    "Threshold": lambda L, y: L.nn.Threshold(0.1, 3.0, True)(y),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_writes_into_the_input(name):
    def fn(L, a):
        y = a * 1.0  # a non-leaf: in place on it stays differentiable
        out = INPLACE[name](L, y)
        assert out is y
        return y
    compare(fn, [rand((3, 4), 30)], fwd=FWD, bwd=BWD)


def test_prelu_module_learns_its_weight_like_torch():
    x = rand((2, 3, 4), 31)
    for args in [(), (3,), (3, 0.1)]:
        m, tm = tg.nn.PReLU(*args), torch.nn.PReLU(*args)
        assert repr(m) == repr(tm) and m.weight.shape == tuple(tm.weight.shape)
        np.testing.assert_array_equal(m.weight.numpy(), tm.weight.detach().numpy())
        y, ty = m(tg.tensor(x)), tm(torch.from_numpy(x))
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **FWD)
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), **BWD)
    assert [n for n, _ in tg.nn.PReLU(3).named_parameters()] == ["weight"]


def test_rrelu_training_draws_slopes_in_range_and_backprops_them():
    lower, upper = 0.1, 0.3
    x = tg.tensor(rand((200, 50), 32), requires_grad=True)
    tg.manual_seed(0)
    y = F(tg).rrelu(x, lower, upper, training=True)
    y.sum().backward()
    xs, ys, g = x.numpy(), y.numpy(), x.grad.numpy()
    neg = xs < 0
    slopes = ys[neg] / xs[neg]
    assert slopes.min() >= lower - 1e-6 and slopes.max() <= upper + 1e-6
    assert abs(slopes.mean() - (lower + upper) / 2) < 0.005  # U(0.1, 0.3) over ~5000 draws: sd of the mean 0.0008
    assert slopes.std() > 0.04  # spread over the range (U's sd is 0.058), not one slope
    np.testing.assert_array_equal(ys[~neg], xs[~neg])
    np.testing.assert_allclose(g[neg], slopes, rtol=1e-5)  # the gradient is the slope that was used
    np.testing.assert_array_equal(g[~neg], 1)
    tg.manual_seed(0)
    np.testing.assert_array_equal(F(tg).rrelu(x, lower, upper, training=True).numpy(), ys)  # seeded: repeatable
    assert not np.array_equal(F(tg).rrelu(x, lower, upper, training=True).numpy(), ys)  # and random
    # torch's training slopes obey the same law (the oracle agrees with what is asserted above)
    tx = torch.from_numpy(xs)
    tslopes = (torch.nn.functional.rrelu(tx, lower, upper, training=True) / tx)[tx < 0]
    assert tslopes.min() >= lower - 1e-6 and tslopes.max() <= upper + 1e-6


def test_rrelu_module_random_in_training_deterministic_in_eval():
    x = rand((8, 9), 33)
    m, tm = tg.nn.RReLU(0.2, 0.5), torch.nn.RReLU(0.2, 0.5)
    assert repr(m) == repr(tm)
    a, b = m(tg.tensor(x)).numpy(), m(tg.tensor(x)).numpy()
    assert not np.array_equal(a, b)
    m.eval()
    tm.eval()
    np.testing.assert_array_equal(m(tg.tensor(x)).numpy(), m(tg.tensor(x)).numpy())
    np.testing.assert_array_equal(m(tg.tensor(x)).numpy(), tm(torch.from_numpy(x)).numpy())  # the mean slope, exactly


MODULE_REPRS = [("Mish", ()), ("Mish", (True,)), ("Hardswish", ()), ("Hardsigmoid", (True,)), ("SELU", ()),
                ("SELU", (True,)), ("CELU", ()), ("CELU", (0.5, True)), ("PReLU", (4, 0.2)), ("RReLU", ()),
                ("RReLU", (0.1, 0.2, True)), ("GLU", ()), ("GLU", (1,)), ("Softsign", ()), ("Tanhshrink", ()),
                ("Threshold", (0.1, 20)), ("Threshold", (0.1, 20, True)), ("Softshrink", ()), ("Softshrink", (0.3,)),
                ("Hardshrink", ()), ("Hardshrink", (0.2,)), ("Softmax2d", ()),
                ("PoissonNLLLoss", ()), ("GaussianNLLLoss", ()), ("MarginRankingLoss", (0.5,)),
                ("HingeEmbeddingLoss", ()), ("SoftMarginLoss", ()), ("MultiLabelSoftMarginLoss", ()),
                ("MultiLabelMarginLoss", ()), ("MultiMarginLoss", (2, 0.5)), ("CosineEmbeddingLoss", ()),
                ("TripletMarginLoss", ()), ("TripletMarginWithDistanceLoss", ())]


@pytest.mark.parametrize("name,args", MODULE_REPRS)
def test_module_repr_matches_torch(name, args):
    assert repr(getattr(tg.nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


MODULES = {  # module applied to one input, against torch's
    "Mish": lambda L, x: L.nn.Mish()(x), "Hardswish": lambda L, x: L.nn.Hardswish()(x),
    "Hardsigmoid": lambda L, x: L.nn.Hardsigmoid()(x), "SELU": lambda L, x: L.nn.SELU()(x),
    "CELU": lambda L, x: L.nn.CELU(1.5)(x), "GLU": lambda L, x: L.nn.GLU(0)(x),
    "Softsign": lambda L, x: L.nn.Softsign()(x), "Tanhshrink": lambda L, x: L.nn.Tanhshrink()(x),
    "Threshold": lambda L, x: L.nn.Threshold(0.2, -1.0)(x), "Softshrink": lambda L, x: L.nn.Softshrink(0.3)(x),
    "Hardshrink": lambda L, x: L.nn.Hardshrink(0.3)(x), "RReLU_eval": lambda L, x: L.nn.RReLU(0.1, 0.2).eval()(x),
}


@pytest.mark.parametrize("name", list(MODULES))
def test_activation_module_matches_torch(name):
    compare(MODULES[name], [rand((4, 6), 34, low=-4, high=4)], fwd=FWD, bwd=BWD)


def _d(shape, seed, low=-1.0, high=1.0):
    return tg.tensor(rand(shape, seed, np.float64, low, high), dtype=tg.float64, requires_grad=True)


GRADCHECK_ACT = {
    "mish_softsign_tanhshrink": lambda x: F(tg).mish(x) + F(tg).softsign(x) * 2 + F(tg).tanhshrink(x) * 3,
    "hardswish_hardsigmoid": lambda x: F(tg).hardswish(x * 4) + F(tg).hardsigmoid(x * 4) * 2,
    "selu_celu": lambda x: F(tg).selu(x) + F(tg).celu(x, 0.6) * 2,
    "shrinks_threshold": lambda x: F(tg).softshrink(x, 0.3) + F(tg).hardshrink(x, 0.3) * 2
                                   + F(tg).threshold(x, 0.1, 0.5) * 3,
    "rrelu_eval_glu": lambda x: F(tg).rrelu(x) + F(tg).glu(x, 0).repeat(2, 1),
}


@pytest.mark.parametrize("name", list(GRADCHECK_ACT))
def test_activation_gradcheck(name):
    assert gradcheck(GRADCHECK_ACT[name], [_d((4, 5), 35)])


def test_prelu_gradcheck():
    assert gradcheck(lambda x, w: F(tg).prelu(x, w), [_d((2, 3, 4), 36), _d((3,), 37, 0.0, 1.0)])


def test_rrelu_training_gradcheck():
    def fn(x):
        tg.manual_seed(1)  # the same slopes on every evaluation
        return F(tg).rrelu(x, training=True)
    assert gradcheck(fn, [_d((4, 5), 38)])


# ---- losses ---------------------------------------------------------------------------------------
def _signs(shape, seed):
    return np.where(rand(shape, seed) > 0, 1.0, -1.0).astype(np.float32)


def _multilabel_targets(n, c, seed):
    """int64 (n, c): each row lists some distinct classes, then -1, then arbitrary valid ids (ignored)."""
    rng = np.random.default_rng(seed)
    t = rng.integers(-1, c, (n, c))
    for row in t:
        k = rng.integers(0, c + 1)
        row[:k] = rng.permutation(c)[:k]
        if k < c:
            row[k] = -1
    return t


# name: (fn(L, *tensors, reduction=), arrays, which inputs get a gradient)
LOSS = {
    "poisson": (lambda L, x, y, **kw: F(L).poisson_nll_loss(x, y, **kw),
                [rand((4, 3), 40), rand((4, 3), 41, low=0, high=4)], [True, False]),
    "poisson_linear": (lambda L, x, y, **kw: F(L).poisson_nll_loss(x, y, log_input=False, eps=1e-3, **kw),
                       [rand((4, 3), 42, low=0.1, high=3), rand((4, 3), 43, low=0, high=4)], [True, False]),
    "poisson_full_broadcast": (lambda L, x, y, **kw: F(L).poisson_nll_loss(x, y, full=True, **kw),
                               [rand((4, 3), 44), rand((3,), 45, low=0, high=4)], [True, True]),
    "gaussian": (lambda L, x, y, v, **kw: F(L).gaussian_nll_loss(x, y, v, **kw),
                 [rand((4, 3), 46), rand((4, 3), 47), rand((4, 3), 48, low=0.1, high=2)], [True, True, True]),
    "gaussian_var_per_row": (lambda L, x, y, v, **kw: F(L).gaussian_nll_loss(x, y, v, full=True, **kw),
                             [rand((4, 3), 49), rand((4, 3), 50), rand((4,), 51, low=0.1, high=2)], None),
    "gaussian_var_col1": (lambda L, x, y, v, **kw: F(L).gaussian_nll_loss(x, y, v, **kw),
                          [rand((4, 3), 52), rand((4, 3), 53), rand((4, 1), 54, low=0.1, high=2)], None),
    "gaussian_var_row1": (lambda L, x, y, v, **kw: F(L).gaussian_nll_loss(x, y, v, **kw),
                          [rand((4, 3), 55), rand((4, 3), 56), rand((1, 3), 57, low=0.1, high=2)], None),
    "gaussian_var_clamped": (lambda L, x, y, v, **kw: F(L).gaussian_nll_loss(x, y, v, eps=0.5, **kw),
                             [rand((4, 3), 58), rand((3,), 59), rand((4, 3), 60, low=0, high=1)], None),
    "gaussian_var_number": (lambda L, x, y, **kw: F(L).gaussian_nll_loss(x, y, 0.7, **kw),
                            [rand((4, 3), 61), rand((4, 3), 62)], None),
    "margin_ranking": (lambda L, a, b, y, **kw: F(L).margin_ranking_loss(a, b, y, 0.2, **kw),
                       [rand((6,), 63), rand((6,), 64), _signs((6,), 65)], [True, True, False]),
    "margin_ranking_broadcast": (lambda L, a, b, y, **kw: F(L).margin_ranking_loss(a, b, y, **kw),
                                 [rand((4, 3), 66), rand((1, 3), 67), _signs((4, 1), 68)], [True, True, False]),
    "hinge_embedding": (lambda L, x, y, **kw: F(L).hinge_embedding_loss(x, y, 0.5, **kw),
                        [rand((4, 3), 69), _signs((4, 3), 70)], [True, False]),
    "hinge_embedding_broadcast": (lambda L, x, y, **kw: F(L).hinge_embedding_loss(x, y, **kw),
                                  [rand((4, 3), 71), np.array([1.0, -1.0, 0.5], np.float32)], [True, False]),
    "soft_margin": (lambda L, x, y, **kw: F(L).soft_margin_loss(x, y, **kw),
                    [rand((4, 3), 72, low=-5, high=5), _signs((4, 3), 73)], [True, False]),
    "multilabel_soft_margin": (lambda L, x, y, **kw: F(L).multilabel_soft_margin_loss(x, y, **kw),
                               [rand((4, 3), 74), (rand((4, 3), 75) > 0).astype(np.float32)], [True, False]),
    "multilabel_soft_margin_weight": (lambda L, x, y, w, **kw: F(L).multilabel_soft_margin_loss(x, y, w, **kw),
                                      [rand((4, 3), 76), (rand((4, 3), 77) > 0).astype(np.float32),
                                       rand((3,), 78, low=0, high=2)], [True, False, False]),
    "multilabel_soft_margin_1d": (lambda L, x, y, **kw: F(L).multilabel_soft_margin_loss(x, y, **kw),
                                  [rand((5,), 79), (rand((5,), 80) > 0).astype(np.float32)], [True, False]),
    "multilabel_margin": (lambda L, x, t, **kw: F(L).multilabel_margin_loss(x, t, **kw),
                          [rand((6, 5), 81), _multilabel_targets(6, 5, 82)], None),
    "multilabel_margin_1d": (lambda L, x, t, **kw: F(L).multilabel_margin_loss(x, t, **kw),
                             [rand((5,), 83), np.array([3, 3, 1, -1, 4])], None),
    "multi_margin": (lambda L, x, t, **kw: F(L).multi_margin_loss(x, t, **kw),
                     [rand((6, 5), 84), np.array([0, 4, 2, 2, 1, 3])], None),
    "multi_margin_p2_weight": (lambda L, x, t, w, **kw: F(L).multi_margin_loss(x, t, 2, 0.7, w, **kw),
                               [rand((6, 5), 85), np.array([1, 4, 0, 2, 1, 3]), rand((5,), 86, low=0, high=2)],
                               [True, False, False]),
    "multi_margin_1d": (lambda L, x, t, **kw: F(L).multi_margin_loss(x, t, margin=2.0, **kw),
                        [rand((5,), 87), np.array(3)], None),
    "cosine_embedding": (lambda L, a, b, y, **kw: F(L).cosine_embedding_loss(a, b, y, 0.1, **kw),
                         [rand((6, 4), 88), rand((6, 4), 89), np.array([1, -1, 1, -1, -1, 1])], None),
    "cosine_embedding_broadcast": (lambda L, a, b, y, **kw: F(L).cosine_embedding_loss(a, b, y, -0.5, **kw),
                                   [rand((6, 4), 90), rand((1, 4), 91), _signs((6,), 92)], [True, True, False]),
    "cosine_embedding_1d": (lambda L, a, b, y, **kw: F(L).cosine_embedding_loss(a, b, y, **kw),
                            [rand((4,), 93), rand((4,), 94), np.array(-1)], None),
    "triplet": (lambda L, a, p, n, **kw: F(L).triplet_margin_loss(a, p, n, **kw),
                [rand((5, 4), 95), rand((5, 4), 96), rand((5, 4), 97)], None),
    "triplet_p1_swap": (lambda L, a, p, n, **kw: F(L).triplet_margin_loss(a, p, n, 2.0, 1, 1e-3, True, **kw),
                        [rand((5, 4), 98), rand((5, 4), 99), rand((5, 4), 100)], None),
    "triplet_broadcast_1d": (lambda L, a, p, n, **kw: F(L).triplet_margin_loss(a, p, n, swap=True, **kw),
                             [rand((5, 4), 101), rand((1, 4), 102), rand((5, 4), 103)], None),
    "triplet_distance": (lambda L, a, p, n, **kw: F(L).triplet_margin_with_distance_loss(a, p, n, **kw),
                         [rand((5, 4), 104), rand((5, 4), 105), rand((5, 4), 106)], None),
    "triplet_distance_custom_swap": (
        lambda L, a, p, n, **kw: F(L).triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1 - F(L).cosine_similarity(u, v), margin=0.5, swap=True, **kw),
        [rand((5, 4), 107), rand((5, 4), 108), rand((5, 4), 109)], None),
}


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name", list(LOSS))
def test_loss_matches_torch(name, reduction):
    fn, arrays, grad = LOSS[name]
    layout = "T" if reduction == "sum" else "contig"  # non-contiguous inputs, once per loss
    compare(lambda L, *xs: fn(L, *xs, reduction=reduction), arrays, grad=grad, layout=layout, fwd=FWD, bwd=BWD)


def test_multilabel_margin_counts_repeated_targets_like_torch():
    x = np.array([[0.1, 0.5, 0.2], [0.3, -0.2, 0.9]], np.float32)
    for t in ([[0, 0, -1], [2, 1, 0]], [[1, -1, 1], [-1, 0, 0]]):
        compare(lambda L, x, t: F(L).multilabel_margin_loss(x, t, reduction="none"), [x, np.array(t)], [True, False])


LEGACY = [(False, None), (True, False), (None, False), (False, False), (True, None)]


@pytest.mark.parametrize("size_average,reduce", LEGACY)
def test_legacy_reduction_flags(size_average, reduce):
    kw = dict(size_average=size_average, reduce=reduce)
    x, y, s = rand((4, 3), 110), rand((4, 3), 111, low=0, high=3), _signs((4, 3), 112)
    t = np.array([0, 2, 1, 1])
    cases = [
        (lambda L, x, y: F(L).poisson_nll_loss(x, y, **kw), [x, y]),
        (lambda L, x, s: F(L).margin_ranking_loss(x, x * 0.5, s, **kw), [x, s]),
        (lambda L, x, s: F(L).hinge_embedding_loss(x, s, **kw), [x, s]),
        (lambda L, x, s: F(L).soft_margin_loss(x, s, **kw), [x, s]),
        (lambda L, x, s: F(L).multilabel_soft_margin_loss(x, (s > 0).float(), **kw), [x, s]),
        (lambda L, x, t: F(L).multi_margin_loss(x, t, **kw), [x, t]),
        (lambda L, x, t: F(L).multilabel_margin_loss(x, t[:, None].expand(4, 3), **kw), [x, t]),
        (lambda L, x, s: F(L).cosine_embedding_loss(x, s, s[:, 0], **kw), [x, s]),
        (lambda L, x, y: F(L).triplet_margin_loss(x, y, -x, **kw), [x, y]),
        (lambda L, x, y: L.nn.PoissonNLLLoss(**kw)(x, y), [x, y]),
        (lambda L, x, s: L.nn.MarginRankingLoss(0.1, **kw)(x, -x, s), [x, s]),
        (lambda L, x, s: L.nn.HingeEmbeddingLoss(**kw)(x, s), [x, s]),
        (lambda L, x, s: L.nn.SoftMarginLoss(**kw)(x, s), [x, s]),
        (lambda L, x, s: L.nn.MultiLabelSoftMarginLoss(**kw)(x, s), [x, s]),
        (lambda L, x, t: L.nn.MultiLabelMarginLoss(**kw)(x, t[:, None].expand(4, 3)), [x, t]),
        (lambda L, x, t: L.nn.MultiMarginLoss(**kw)(x, t), [x, t]),
        (lambda L, x, s: L.nn.CosineEmbeddingLoss(**kw)(x, s, s[:, 0]), [x, s]),
        (lambda L, x, y: L.nn.TripletMarginLoss(**kw)(x, y, -x), [x, y]),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fn, arrays in cases:
            compare(fn, arrays, grad=[True] + [False] * (len(arrays) - 1), fwd=FWD, bwd=BWD)


LOSS_MODULES = {  # module(options)(inputs), against torch's
    "PoissonNLLLoss": (lambda L, x, y: L.nn.PoissonNLLLoss(False, True, eps=1e-4, reduction="sum")(x, y),
                       [rand((4, 3), 113, low=0.1, high=2), rand((4, 3), 114, low=0, high=4)]),
    "GaussianNLLLoss": (lambda L, x, y, v: L.nn.GaussianNLLLoss(full=True, eps=1e-3, reduction="none")(x, y, v),
                        [rand((4, 3), 115), rand((4, 3), 116), rand((4, 1), 117, low=0, high=1)]),
    "MarginRankingLoss": (lambda L, a, b: L.nn.MarginRankingLoss(0.3)(a, b, (a - b).sign()),
                          [rand((6,), 118), rand((6,), 119)]),
    "HingeEmbeddingLoss": (lambda L, x: L.nn.HingeEmbeddingLoss(0.7, reduction="sum")(x, (x > 0).float() * 2 - 1),
                           [rand((4, 3), 120)]),
    "SoftMarginLoss": (lambda L, x: L.nn.SoftMarginLoss(reduction="none")(x, (x > 0.3).float() * 2 - 1),
                       [rand((4, 3), 121)]),
    "MultiLabelSoftMarginLoss": (lambda L, x, w: L.nn.MultiLabelSoftMarginLoss(w)(x, (x > 0).float()),
                                 [rand((4, 3), 122), rand((3,), 123, low=0, high=1)]),
    "MultiLabelMarginLoss": (lambda L, x, t: L.nn.MultiLabelMarginLoss(reduction="sum")(x, t),
                             [rand((3, 4), 124), _multilabel_targets(3, 4, 125)]),
    "MultiMarginLoss": (lambda L, x, t, w: L.nn.MultiMarginLoss(2, 0.5, w)(x, t),
                        [rand((4, 3), 126), np.array([2, 0, 1, 2]), rand((3,), 127, low=0, high=1)]),
    "CosineEmbeddingLoss": (lambda L, a, b, y: L.nn.CosineEmbeddingLoss(0.2)(a, b, y),
                            [rand((4, 3), 128), rand((4, 3), 129), np.array([1, -1, -1, 1])]),
    "TripletMarginLoss": (lambda L, a, p, n: L.nn.TripletMarginLoss(0.5, 3, swap=True)(a, p, n),
                          [rand((4, 3), 130), rand((4, 3), 131), rand((4, 3), 132)]),
    "TripletMarginWithDistanceLoss": (
        lambda L, a, p, n: L.nn.TripletMarginWithDistanceLoss(
            distance_function=L.nn.PairwiseDistance(1), margin=2.0, swap=True, reduction="sum")(a, p, n),
        [rand((4, 3), 133), rand((4, 3), 134), rand((4, 3), 135)]),
}


@pytest.mark.parametrize("name", list(LOSS_MODULES))
def test_loss_module_matches_torch(name):
    fn, arrays = LOSS_MODULES[name]
    grad = [a.dtype.kind == "f" and (i == 0 or name in ("GaussianNLLLoss", "MarginRankingLoss") or "Triplet" in name
                                     or "Cosine" in name) for i, a in enumerate(arrays)]
    compare(fn, arrays, grad=grad, fwd=FWD, bwd=BWD)


GRADCHECK_LOSS = {
    "poisson": (lambda x, y: F(tg).poisson_nll_loss(x, y, full=True, reduction="none")
                + F(tg).poisson_nll_loss(x.abs() + 0.1, y, log_input=False), [(3, 4), (3, 4)], (0.2, 3.0)),
    "gaussian": (lambda x, y, v: F(tg).gaussian_nll_loss(x, y, v, full=True, reduction="sum")
                 + F(tg).gaussian_nll_loss(x, y, v[:, 0]), [(3, 4), (3, 4), (3, 4)], (0.2, 2.0)),
    "ranking_hinge_soft": (lambda a, b: F(tg).margin_ranking_loss(a, b, (a * 7).sign(), 0.3)
                           + F(tg).hinge_embedding_loss(a, (b * 5).sign(), 0.5)
                           + F(tg).soft_margin_loss(a * 3, b.sign()), [(3, 4), (3, 4)], (-1.0, 1.0)),
    "multilabel_soft_margin": (lambda x, w: F(tg).multilabel_soft_margin_loss(x * 3, (x > 0).double(), w),
                               [(3, 4), (4,)], (-1.0, 1.0)),
    "multilabel_margin": (lambda x: F(tg).multilabel_margin_loss(x, tg.tensor(_multilabel_targets(3, 4, 136)),
                                                                 reduction="sum"), [(3, 4)], (-1.0, 1.0)),
    "multi_margin": (lambda x: F(tg).multi_margin_loss(x, tg.tensor([0, 3, 1]), p=2, margin=0.6)
                     + F(tg).multi_margin_loss(x, tg.tensor([1, 1, 2])), [(3, 4)], (-1.0, 1.0)),
    "cosine_embedding": (lambda a, b: F(tg).cosine_embedding_loss(a, b, tg.tensor([1, -1, -1]), -0.2,
                                                                  reduction="none"), [(3, 4), (3, 4)], (-1.0, 1.0)),
    "triplet": (lambda a, p, n: F(tg).triplet_margin_loss(a, p, n, 1.5, swap=True, reduction="none")
                + F(tg).triplet_margin_loss(a, p, n, 3.0, p=3)
                + F(tg).triplet_margin_with_distance_loss(a, p, n, margin=2.0, swap=True),
                [(3, 4), (3, 4), (3, 4)], (-1.0, 1.0)),
}


@pytest.mark.parametrize("name", list(GRADCHECK_LOSS))
def test_loss_gradcheck(name):
    fn, shapes, (lo, hi) = GRADCHECK_LOSS[name]
    assert gradcheck(fn, [_d(s, 140 + i, lo, hi) for i, s in enumerate(shapes)])


# ---- bad input ------------------------------------------------------------------------------------
def _x(L):
    return L.ones(4, 3)


# name: (fn(L), words the teenygrad message must contain); torch must raise too
BAD = {
    "mish_int": (lambda L: F(L).mish(L.arange(3)), ["mish", "int64"]),
    "hardswish_int": (lambda L: F(L).hardswish(L.arange(3)), ["hardswish", "int64"]),
    "hardsigmoid_int": (lambda L: F(L).hardsigmoid(L.arange(3)), ["hardsigmoid", "int64"]),
    "selu_int": (lambda L: F(L).selu(L.arange(3)), ["selu", "int64"]),
    "celu_alpha_0": (lambda L: F(L).celu(_x(L), 0.0), ["celu", "alpha", "0"]),
    "softshrink_negative": (lambda L: F(L).softshrink(_x(L), -0.5), ["softshrink", "-0.5"]),
    "softshrink_int": (lambda L: F(L).softshrink(L.arange(3)), ["softshrink", "int64"]),
    "hardshrink_int": (lambda L: F(L).hardshrink(L.arange(3)), ["hardshrink", "int64"]),
    "glu_odd": (lambda L: F(L).glu(_x(L), 1), ["glu", "even", "3"]),
    "glu_scalar": (lambda L: F(L).glu(L.tensor(1.0)), ["glu", "scalar"]),
    "glu_dim": (lambda L: F(L).glu(_x(L), 2), ["glu", "2", "(4, 3)"]),
    "glu_int": (lambda L: F(L).glu(L.ones(4, 2, dtype=L.int64)), ["glu", "int64"]),
    "prelu_channels": (lambda L: F(L).prelu(_x(L), L.ones(4)), ["prelu", "4", "3", "(4, 3)"]),
    "prelu_1d_input": (lambda L: F(L).prelu(L.ones(5), L.ones(5)), ["prelu", "5", "1 channels"]),
    "prelu_0d_input": (lambda L: F(L).prelu(L.tensor(1.0), L.ones(3)), ["prelu", "0-d", "(3,)"]),
    "prelu_weight_2d": (lambda L: F(L).prelu(_x(L), L.ones(3, 1)), ["prelu", "(3, 1)"]),
    "prelu_dtype": (lambda L: F(L).prelu(_x(L), L.ones(3, dtype=L.float64)), ["prelu", "float64", "float32"]),
    "prelu_int": (lambda L: F(L).prelu(L.ones(2, 3, dtype=L.int64), L.ones(3, dtype=L.int64)), ["prelu", "int64"]),
    "rrelu_bounds": (lambda L: F(L).rrelu(_x(L), 0.5, 0.1, True), ["rrelu", "0.5", "0.1"]),
    "rrelu_bounds_eval": (lambda L: F(L).rrelu(_x(L), 0.5, 0.1), ["rrelu", "0.5", "0.1"]),
    "rrelu_int": (lambda L: F(L).rrelu(L.arange(3), training=True), ["rrelu", "int64"]),
    "softmax2d_2d": (lambda L: L.nn.Softmax2d()(_x(L)), ["softmax2d", "2d"]),
    "softmax2d_5d": (lambda L: L.nn.Softmax2d()(L.ones(1, 2, 3, 4, 5)), ["softmax2d", "5d"]),
    "poisson_shapes": (lambda L: F(L).poisson_nll_loss(_x(L), L.ones(2)), ["poisson_nll_loss", "(4, 3)", "(2,)"]),
    "poisson_reduction": (lambda L: F(L).poisson_nll_loss(_x(L), _x(L), reduction="bad"),
                          ["poisson_nll_loss", "bad"]),
    "gaussian_negative_var": (lambda L: F(L).gaussian_nll_loss(_x(L), _x(L), -_x(L)), ["gaussian_nll_loss",
                                                                                       "negative"]),
    "gaussian_negative_float": (lambda L: F(L).gaussian_nll_loss(_x(L), _x(L), -0.5), ["gaussian_nll_loss",
                                                                                       "negative"]),
    "gaussian_var_shape": (lambda L: F(L).gaussian_nll_loss(_x(L), _x(L), L.ones(4, 2)),
                           ["gaussian_nll_loss", "(4, 2)", "(4, 3)"]),
    "gaussian_var_two_ones": (lambda L: F(L).gaussian_nll_loss(_x(L), _x(L), L.ones(1, 1)),
                              ["gaussian_nll_loss", "(1, 1)"]),
    "gaussian_var_extra_dim": (lambda L: F(L).gaussian_nll_loss(_x(L), _x(L), L.ones(4, 3, 1)),
                               ["gaussian_nll_loss", "(4, 3, 1)"]),
    "gaussian_reduction": (lambda L: F(L).gaussian_nll_loss(_x(L), _x(L), _x(L), reduction="x"),
                           ["gaussian_nll_loss", "'x'"]),
    "ranking_dims": (lambda L: F(L).margin_ranking_loss(L.ones(3), L.ones(3), L.ones(1, 3)),
                     ["margin_ranking_loss", "(1, 3)"]),
    "ranking_shapes": (lambda L: F(L).margin_ranking_loss(L.ones(3), L.ones(2), L.ones(3)),
                       ["margin_ranking_loss", "(3,)", "(2,)"]),
    "ranking_reduction": (lambda L: F(L).margin_ranking_loss(L.ones(3), L.ones(3), L.ones(3), reduction="x"),
                          ["margin_ranking_loss", "'x'"]),
    "hinge_shapes": (lambda L: F(L).hinge_embedding_loss(_x(L), L.ones(2)), ["hinge_embedding_loss", "(2,)"]),
    "soft_margin_shapes": (lambda L: F(L).soft_margin_loss(_x(L), L.ones(2)), ["soft_margin_loss", "(2,)"]),
    "multilabel_soft_weight": (lambda L: F(L).multilabel_soft_margin_loss(_x(L), _x(L), L.ones(2)),
                               ["multilabel_soft_margin_loss", "(2,)"]),
    "multilabel_soft_0d": (lambda L: F(L).multilabel_soft_margin_loss(L.tensor(1.0), L.tensor(1.0)),
                           ["multilabel_soft_margin_loss", "0-d"]),
    "multilabel_soft_reduction": (lambda L: F(L).multilabel_soft_margin_loss(_x(L), _x(L), reduction="x"),
                                  ["multilabel_soft_margin_loss", "'x'"]),
    "multilabel_margin_float_target": (lambda L: F(L).multilabel_margin_loss(_x(L), L.zeros(4, 3)),
                                       ["multilabel_margin_loss", "float32"]),
    "multilabel_margin_int32_target": (lambda L: F(L).multilabel_margin_loss(_x(L), L.zeros(4, 3, dtype=L.int32)),
                                       ["multilabel_margin_loss", "int32"]),
    "multilabel_margin_range": (lambda L: F(L).multilabel_margin_loss(_x(L), L.full((4, 3), 3)),
                                ["multilabel_margin_loss", "3", "3 classes"]),
    "multilabel_margin_below": (lambda L: F(L).multilabel_margin_loss(_x(L), L.full((4, 3), -2)),
                                ["multilabel_margin_loss", "-2"]),
    "multilabel_margin_shape": (lambda L: F(L).multilabel_margin_loss(_x(L), L.zeros(4, 2, dtype=L.int64)),
                                ["multilabel_margin_loss", "(4, 2)", "(4, 3)"]),
    "multilabel_margin_3d": (lambda L: F(L).multilabel_margin_loss(L.ones(2, 3, 4), L.zeros(2, 3, 4, dtype=L.int64)),
                             ["multilabel_margin_loss", "(2, 3, 4)"]),
    "multilabel_margin_empty": (lambda L: F(L).multilabel_margin_loss(L.ones(2, 0), L.zeros(2, 0, dtype=L.int64)),
                                ["multilabel_margin_loss", "(2, 0)"]),
    "multi_margin_p": (lambda L: F(L).multi_margin_loss(_x(L), L.zeros(4, dtype=L.int64), p=3),
                       ["multi_margin_loss", "p=3"]),
    "multi_margin_weight_2d": (lambda L: F(L).multi_margin_loss(_x(L), L.zeros(4, dtype=L.int64),
                                                                weight=L.ones(3, 1)), ["multi_margin_loss", "(3, 1)"]),
    "multi_margin_weight_len": (lambda L: F(L).multi_margin_loss(_x(L), L.zeros(4, dtype=L.int64), weight=L.ones(2)),
                                ["multi_margin_loss", "(2,)", "3"]),
    "multi_margin_weight_dtype": (lambda L: F(L).multi_margin_loss(_x(L), L.zeros(4, dtype=L.int64),
                                                                   weight=L.ones(3, dtype=L.float64)),
                                  ["multi_margin_loss", "float64"]),
    "multi_margin_range": (lambda L: F(L).multi_margin_loss(_x(L), L.tensor([0, 3, 1, 1])),
                           ["multi_margin_loss", "3", "3 classes"]),
    "multi_margin_negative": (lambda L: F(L).multi_margin_loss(_x(L), L.tensor([0, -1, 1, 1])),
                              ["multi_margin_loss", "-1"]),
    "multi_margin_target_shape": (lambda L: F(L).multi_margin_loss(_x(L), L.tensor([0, 1, 1])),
                                  ["multi_margin_loss", "(3,)", "(4,)"]),
    "multi_margin_target_2d": (lambda L: F(L).multi_margin_loss(_x(L), L.zeros(4, 1, dtype=L.int64)),
                               ["multi_margin_loss", "(4, 1)"]),
    "multi_margin_1d_target": (lambda L: F(L).multi_margin_loss(L.ones(3), L.zeros(2, dtype=L.int64)),
                               ["multi_margin_loss", "(2,)", "(3,)"]),
    "multi_margin_float_target": (lambda L: F(L).multi_margin_loss(_x(L), L.zeros(4)),
                                  ["multi_margin_loss", "float32"]),
    "multi_margin_3d": (lambda L: F(L).multi_margin_loss(L.ones(2, 3, 4), L.zeros(2, dtype=L.int64)),
                        ["multi_margin_loss", "(2, 3, 4)"]),
    "cosine_target_2d": (lambda L: F(L).cosine_embedding_loss(_x(L), _x(L), L.ones(4, 1)),
                         ["cosine_embedding_loss", "(4, 1)"]),
    "cosine_dims_1d_target": (lambda L: F(L).cosine_embedding_loss(L.ones(3), L.ones(3), L.ones(3)),
                              ["cosine_embedding_loss", "1-D target", "(3,)"]),
    "cosine_dims_0d_target": (lambda L: F(L).cosine_embedding_loss(_x(L), _x(L), L.tensor(1)),
                              ["cosine_embedding_loss", "0-D target", "(4, 3)"]),
    "cosine_shapes": (lambda L: F(L).cosine_embedding_loss(_x(L), L.ones(4, 2), L.ones(4)),
                      ["cosine_embedding_loss", "(4, 3)", "(4, 2)"]),
    "cosine_target_len": (lambda L: F(L).cosine_embedding_loss(_x(L), _x(L), L.ones(3)),
                          ["cosine_embedding_loss", "(3,)", "(4,)"]),
    "triplet_margin": (lambda L: F(L).triplet_margin_loss(_x(L), _x(L), _x(L), margin=0), ["triplet", "margin", "0"]),
    "triplet_dims": (lambda L: F(L).triplet_margin_loss(_x(L), L.ones(3), _x(L)), ["triplet", "2D", "1D"]),
    "triplet_shapes": (lambda L: F(L).triplet_margin_loss(_x(L), L.ones(4, 2), _x(L)), ["triplet", "(4, 2)"]),
    "triplet_reduction": (lambda L: F(L).triplet_margin_loss(_x(L), _x(L), _x(L), reduction="x"), ["triplet", "'x'"]),
    "triplet_distance_margin": (lambda L: F(L).triplet_margin_with_distance_loss(_x(L), _x(L), _x(L), margin=-1),
                                ["triplet_margin_with_distance_loss", "-1"]),
    "triplet_distance_dims": (lambda L: F(L).triplet_margin_with_distance_loss(_x(L), L.ones(3), _x(L)),
                              ["triplet_margin_with_distance_loss", "2D", "1D"]),
    "triplet_distance_reduction": (lambda L: F(L).triplet_margin_with_distance_loss(_x(L), _x(L), _x(L),
                                                                                    reduction="x"),
                                   ["triplet_margin_with_distance_loss", "x"]),
    "MultiMarginLoss_p": (lambda L: L.nn.MultiMarginLoss(p=3), ["MultiMarginLoss", "p=3"]),
    "MultiMarginLoss_weight": (lambda L: L.nn.MultiMarginLoss(weight=L.ones(2, 2)), ["MultiMarginLoss", "2D"]),
    "TripletMarginLoss_margin": (lambda L: L.nn.TripletMarginLoss(margin=0), ["TripletMarginLoss", "0"]),
    "TripletMarginWithDistanceLoss_margin": (lambda L: L.nn.TripletMarginWithDistanceLoss(margin=0),
                                             ["TripletMarginWithDistanceLoss", "0"]),
}
# torch says "not implemented for 'Long'" (NotImplementedError) or "expected scalar type" (RuntimeError) for a
# dtype it refuses; teenygrad raises TypeError for those, as its other ops do
_DTYPE_CASES = {k for k in BAD if k.endswith(("_int", "_int32_target", "_float_target", "_dtype"))}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input(case):
    fn, words = BAD[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as ref:
            fn(torch)
        with pytest.raises(Exception) as got:
            fn(tg)
    want = TypeError if case in _DTYPE_CASES else ref.type
    assert issubclass(got.type, want), f"teenygrad raised {got.type.__name__}({got.value}), torch {ref.type.__name__}"
    msg = str(got.value).lower()
    for w in words:
        assert w.lower() in msg, f"message {str(got.value)!r} should mention {w!r}"
