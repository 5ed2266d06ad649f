"""Regression tests for the device fixes of the fake-GPU audit (tests/test_device_audit.py): creation, where with
numbers, scatter / setitem / fill with numbers, the index ops, scans and sorts, isin, Categorical, the random draws
from tensors and the sparse / margin losses. Each runs on the fake GPU (tests/fake_cupy.py) and on the cpu: the
result and every gradient must stay on the device and equal the cpu's.

TEENYGRAD_TEST_CUDA=1 runs them on the real cupy instead, as tests/test_device.py does."""
import numpy as np
import pytest

import teenygrad as tg
import teenygrad.distributions as D
import teenygrad.nn as nn
import teenygrad.nn.functional as F

from device_helpers import TOL, check_on_device as _check, rand as _rand
from test_device import gpu, on_device  # noqa: F401  (the fixture and the device check are shared)


X, Y = _rand((3, 4), 1), _rand((3, 4), 2)
POS = _rand((3,), 3, 0.5, 2.0)
PROB = _rand((3, 4), 4, 0.1, 0.9)
ROWS = np.array([[0], [1], [3]])
COLS = np.array([0, 2])
NAN_X = X.copy()
NAN_X[1, 2] = np.nan


def _on(x, values):
    return tg.tensor(values, device=x.device)


def _set(y, index, value):
    y[index] = value
    return y


def _dist_stats(d):
    return [d.mean, d.variance, d.enumerate_support(), d.log_prob(d.sample((2,)))]


# name -> (fn(*tensors), input arrays, whether a gradient reaches an input)
CASES = {
    "rand_like": (lambda x: [tg.rand_like(x), tg.randn_like(x), tg.randint_like(x, 5), tg.randint_like(x, 2, 9)],
                  [X], False),
    "where_two_numbers": (lambda x: [tg.where(x > 0, 1.0, 0.0), tg.where(x > 0, 3, -1), x * tg.where(x > 1, 2.0, 0.5)],
                          [X], True),
    "scatter_number": (lambda x: [x.scatter(1, _on(x, ROWS), 1.5), x.scatter(0, _on(x, [[2, 0, 1, 0]]), -2.0),
                                  x.scatter(1, _on(x, ROWS), 3.0, reduce="multiply"),
                                  (x * 1).scatter_(1, _on(x, ROWS), 0.25)], [X], True),
    "gumbel_softmax_hard": (lambda x: F.gumbel_softmax(x, tau=0.5, hard=True), [X], True),
    "setitem_number_in_graph": (lambda x: [_set(x * 2, (0, 1), 5.0), _set(x + 0, (slice(None), 2), -1),
                                           _set(x * 1, _on(x, [2, 0]), 0.5)], [X], True),
    "setitem_number_no_graph": (lambda x: [_set(x.detach().clone(), (1, 1), 7.0),
                                           _set((x.detach() * 10).long(), 0, 5), _set(x.detach() > 0, (2,), True)],
                                [X], False),
    "index_fill": (lambda x: [x.index_fill(1, _on(x, COLS), -1.0), x.index_fill(0, _on(x, [-1]), 2.0),
                              (x * 1).index_fill_(1, _on(x, [3, 1]), 0.5)], [X], True),
    "index_copy_add": (lambda x, y: [x.index_copy(1, _on(x, COLS), y[:, :2]), x.index_add(0, _on(x, [2, 0, 2]), y),
                                     (x * 1).index_copy_(0, _on(x, [1]), y[:1])], [X, Y], True),
    "take_along_dim": (lambda x: [x.take_along_dim(_on(x, ROWS), 1), x.take_along_dim(_on(x, [[2, 0, 1, 1]]), 0),
                                  x.take_along_dim(_on(x, [11, 0, 5]))], [X], True),
    "masked_scatter": (lambda x, y: [x.masked_scatter(x > 0, y),
                                     x.masked_scatter(_on(x, [True, False, True, False]), y),
                                     (x * 1).masked_scatter_(x < 0, y)], [X, Y], True),
    "index_reduce": (lambda x, y: [x.index_reduce(0, _on(x, [0, 2, 0]), y, "prod"),
                                   x.index_reduce(1, _on(x, [3, 3, 0, 1]), y, "amax", include_self=False),
                                   x.index_reduce(0, _on(x, [1, 1, 1]), y, "mean")], [X, Y], True),
    "cummax_cummin": (lambda x: [x.cummax(1), x.cummin(0), x.round().cummax(0)], [X], True),
    "cummax_nan": (lambda x: [x.cummax(1), x.cummin(1)], [NAN_X], True),
    "median_all": (lambda x: [x.median(), x[:, :3].median(), (x * 0).median()], [X], True),
    "median_all_nan": (lambda x: x.median(), [NAN_X], True),
    "mode": (lambda x: [x.round().mode(1), x.round().mode(0, keepdim=True), x.round().mode()], [X], True),
    "quantile": (lambda x: [x.quantile(0.3, dim=1), x.quantile(_on(x, [0.1, 0.5, 0.9]), dim=0, keepdim=True),
                            x.quantile(0.7, interpolation="midpoint"), x.quantile(0.4, dim=1, interpolation="nearest")],
                 [X], True),
    "quantile_tensor_q_grad": (lambda x, q: x.quantile(q, dim=1), [X, np.array([0.25, 0.6], np.float32)], True),
    "nanquantile": (lambda x: [x.nanquantile(0.3), x.nanquantile(0.6, dim=1), x.quantile(0.5, dim=1)], [NAN_X], True),
    "isin": (lambda x: [tg.isin(x.round(), _on(x, [0., 1.])), tg.isin(x.round(), [1.0, -1.0], invert=True),
                        tg.isin(x.round().long(), _on(x, [0, 2]))], [X], False),
    "categorical": (lambda p: [*_dist_stats(D.Categorical(probs=p)), *_dist_stats(D.Categorical(logits=p)),
                               *_dist_stats(D.OneHotCategorical(probs=p))], [PROB], True),
    "normal_tensors": (lambda m, s: [tg.normal(m, 2.0), tg.normal(m, s), tg.normal(0.5, s), tg.normal(m[0], s)],
                       [_rand((2, 3), 5), POS], True),  # torch records NormalBackward: zero gradients
    "bernoulli_tensor": (lambda p: [tg.bernoulli(p.detach()), p.detach().bernoulli(), tg.bernoulli(p.detach(), 0.3)],
                         [PROB], False),
    "embedding_bag_offsets": (lambda w: [F.embedding_bag(_on(w, [1, 2, 0, 1]), w, _on(w, [0, 2]), mode="mean"),
                                         F.embedding_bag(_on(w, [1, 2, 0, 1, 2]), w, _on(w, [0, 1, 1, 5]), mode="sum",
                                                         include_last_offset=True),
                                         F.embedding_bag(_on(w, [0, 2, 2]), w, _on(w, [0, 2]), mode="max")], [X], True),
    # ids read on the host (a real GPU refused the 2-D max case's host write of device ids); padding_idx, per-sample
    # weights, scale_grad_by_freq and max_norm each take another path with them
    "embedding_bag_2d": (lambda w, p: [F.embedding_bag(_on(w, [[0, 2], [2, 1]]), w, mode="max"),
                                       F.embedding_bag(_on(w, [[0, 2], [2, 2]]), w, mode="mean", padding_idx=2),
                                       F.embedding_bag(_on(w, [[0, 2], [2, 1]]), w, mode="sum", per_sample_weights=p),
                                       F.embedding_bag(_on(w, [[0, 0], [2, 1]]), w, mode="sum",
                                                       scale_grad_by_freq=True),
                                       F.embedding_bag(_on(w, [[0, 1]]), w.detach() * 1, max_norm=1.0)],
                         [X, _rand((2, 2), 7)], True),
    "multi_margin_loss": (lambda x, w: [F.multi_margin_loss(x, _on(x, [0, 2, 1])),
                                        F.multi_margin_loss(x, _on(x, [3, 3, 0]), p=2, margin=0.5, weight=w.detach(),
                                                            reduction="none")], [X, _rand((4,), 6, 0.5, 2.0)], True),
    "multilabel_margin_loss": (lambda x: [F.multilabel_margin_loss(x, _on(x, [[0, 1, -1, 0], [2, -1, 0, 0],
                                                                              [3, 0, 2, 1]])),
                                          F.multilabel_margin_loss(x[0], _on(x, [3, -1, 1, 1]), reduction="none")],
                               [X], True),
    "adaptive_log_softmax": (lambda x: (lambda m: m(x, _on(x, [1, 5, 9])))(
        (tg.manual_seed(0), nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 6]).to(x.device))[1]), [X], True),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fixed_op_on_device_matches_cpu(gpu, name):
    fn, arrays, has_grad = CASES[name]
    grads = _check(fn, arrays)
    assert (grads > 0) == has_grad, f"{name}: {grads} inputs got a gradient"


def _fills(device):
    """zero_, fill_ (a number, a 0-d tensor, a numpy scalar) and setitem with a number, on tensors of device."""
    out = []
    for dtype in (tg.float32, tg.int64, tg.bool):
        t = tg.tensor(X * 3, device=device).to(dtype)
        out.append(t.clone().zero_())
        out.append(t.clone().fill_(2))
        out.append(t.clone().fill_(tg.tensor(1, device=device).to(dtype)))
        out.append(t.clone().fill_(tg.tensor(1).to(dtype)))  # a cpu 0-d value fills a cuda tensor, as in torch
        out.append(t.clone().fill_(np.float32(1.0)))
        u = t.clone()
        u[0] = 5
        u[1, 2] = 0
        out.append(u)
    return out


def test_fill_zero_setitem_numbers_on_device(gpu):
    ref = _fills("cpu")
    got = _fills("cuda")
    for g, r in zip(got, ref):
        assert on_device(g._data) and g.dtype == r.dtype
        np.testing.assert_array_equal(g.cpu().numpy(), r.numpy())


def test_fill_in_graph_on_device(gpu):
    """fill_ on a graph tensor: the filled places give their old value a zero gradient, on the device."""
    def run(device):
        x = tg.tensor(X, requires_grad=True, device=device)
        y = x * 2
        y[:, 1:].fill_(0.5)
        z = x * 3
        z.fill_(tg.tensor(2.0, device=device))
        ((y * y).sum() + (z * x).sum()).backward()
        return y, z, x.grad
    for g, r in zip(run("cuda"), run("cpu")):
        assert on_device(g._data)
        np.testing.assert_allclose(g.detach().cpu().numpy(), r.detach().numpy(), **TOL)


def test_device_draws_follow_the_cpu_stream(gpu):
    """The device draws come from the host generator: the next cpu draw after them is the same as after the cpu's."""
    def run(device):
        tg.manual_seed(3)
        m, p = tg.tensor(POS, device=device), tg.tensor(PROB, device=device)
        a, b, c = tg.normal(m, 1.0), tg.bernoulli(p), tg.rand_like(p)
        return [a, b, c, tg.rand(4)]
    for g, r in zip(run("cuda"), run("cpu")):
        np.testing.assert_array_equal(g.cpu().numpy(), r.numpy())


@pytest.mark.parametrize("fn, err", [
    (lambda x: tg.bernoulli(x), "bernoulli"),
    (lambda x: tg.normal(x, -1.0), "normal"),
    (lambda x: x.quantile(1.5), "quantile"),
    (lambda x: x.index_fill(1, _on(x, [4]), 0.0), "index_fill"),
    (lambda x: x.scatter(1, _on(x, ROWS * 2), 1.0), "scatter"),
    (lambda x: F.embedding_bag(_on(x, [1, 2]), x, _on(x, [1]), mode="sum"), "embedding_bag"),
    (lambda x: F.multi_margin_loss(x, _on(x, [0, 4, 1])), "multi_margin_loss"),
    (lambda x: x.clone().fill_(1j), "fill_"),
])
def test_bad_input_on_device_names_the_op(gpu, fn, err):
    x = tg.tensor(X * 2, device="cuda")
    with pytest.raises((RuntimeError, IndexError, ValueError), match=err):
        fn(x)
