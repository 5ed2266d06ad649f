"""nn.AdaptiveLogSoftmaxWithLoss against torch: the same init after the same seed, forward (output, loss),
log_prob, predict and every gradient, the finite-difference check, and torch's errors."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck
from teenygrad.nn.modules.adaptive import AdaptiveLogSoftmaxWithLoss
from helpers import FWD, GRAD, assert_close, raises_like_torch, to_np

# (in_features, n_classes, cutoffs, div_value, head_bias)
CONFIGS = [(16, 20, [4, 10], 4.0, False),
           (16, 20, [4, 10], 2.0, True),
           (8, 12, [3], 4.0, False),
           (32, 50, [5, 15, 30], 1.5, True),
           (9, 10, [1, 9], 2.0, False)]  # a shortlist of one; a one-class last cluster
IDS = ["two-clusters", "div2-bias", "one-cluster", "three-clusters", "edges"]
DTYPES = [(np.float32, torch.float32, tg.float32), (np.float64, torch.float64, tg.float64)]
TOL = {np.float32: (FWD, GRAD), np.float64: (dict(atol=1e-12, rtol=1e-10), dict(atol=1e-12, rtol=1e-10))}


def make_pair(in_features, n_classes, cutoffs, div_value, head_bias, dtype=None, seed=0):
    torch.manual_seed(seed)
    m_th = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value, head_bias,
                                               dtype=dtype and dtype[1])
    tg.manual_seed(seed)
    m_tg = AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value, head_bias, dtype=dtype and dtype[2])
    return m_tg, m_th


def assert_same_params(m_tg, m_th):
    p_tg, p_th = dict(m_tg.named_parameters()), dict(m_th.named_parameters())
    assert list(p_tg) == list(p_th)
    for name in p_th:
        assert_close(p_tg[name], p_th[name], name, atol=0, rtol=0)


def targets(n_classes, n, seed):
    """n targets that hit every class range when n allows: 0, n_classes-1, then random."""
    rng = np.random.default_rng(seed)
    return np.concatenate([[0, n_classes - 1], rng.integers(0, n_classes, n - 2)]).astype(np.int64)


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
@pytest.mark.parametrize("dtype", [None] + DTYPES, ids=["default", "float32", "float64"])
def test_init_matches_torch(cfg, dtype):
    m_tg, m_th = make_pair(*cfg, dtype=dtype)
    assert_same_params(m_tg, m_th)
    for attr in ["in_features", "n_classes", "cutoffs", "div_value", "head_bias", "shortlist_size", "n_clusters",
                 "head_size"]:
        assert getattr(m_tg, attr) == getattr(m_th, attr), attr
    assert isinstance(m_tg.head, tg.nn.Linear) and isinstance(m_tg.tail, tg.nn.ModuleList)
    for seq in m_tg.tail:
        assert isinstance(seq, tg.nn.Sequential) and len(seq) == 2
        assert all(isinstance(lin, tg.nn.Linear) and lin.bias is None for lin in seq)
    assert list(m_tg.state_dict()) == list(m_th.state_dict())
    assert repr(m_tg) == repr(m_th)


def test_reset_parameters_redraws_like_torch():
    m_tg, m_th = make_pair(*CONFIGS[3])
    torch.manual_seed(7)
    m_th.reset_parameters()
    tg.manual_seed(7)
    m_tg.reset_parameters()
    assert_same_params(m_tg, m_th)


def run_both(m_tg, m_th, fn, x, grad_seed=1):
    """fn(module, x) on both; returns outputs, and after a backward of a random projection of them, the
    gradients of x and of every parameter."""
    x_tg, x_th = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_tg, out_th = fn(m_tg, x_tg), fn(m_th, x_th)
    outs_tg = list(out_tg) if isinstance(out_tg, tuple) else [out_tg]
    outs_th = list(out_th) if isinstance(out_th, tuple) else [out_th]
    rng = np.random.default_rng(grad_seed)
    ws = [rng.standard_normal(o.shape).astype(x.dtype) for o in outs_th]
    sum((o * tg.tensor(w)).sum() for o, w in zip(outs_tg, ws)).backward()
    sum((o * torch.from_numpy(w)).sum() for o, w in zip(outs_th, ws)).backward()
    grads_tg = {"input": x_tg.grad, **{n: p.grad for n, p in m_tg.named_parameters()}}
    grads_th = {"input": x_th.grad, **{n: p.grad for n, p in m_th.named_parameters()}}
    return outs_tg, outs_th, grads_tg, grads_th


def check(m_tg, m_th, fn, x):
    fwd, bwd = TOL[x.dtype.type]
    outs_tg, outs_th, grads_tg, grads_th = run_both(m_tg, m_th, fn, x)
    for i, (o, w) in enumerate(zip(outs_tg, outs_th)):
        assert_close(o, w, f"output {i}", **fwd)
    for name, w in grads_th.items():
        if w is None:  # a cluster no target reached: torch leaves its grad None
            assert grads_tg[name] is None or not np.any(to_np(grads_tg[name])), name
        else:
            assert grads_tg[name] is not None, f"{name}: torch has a gradient, teenygrad has none"
            assert_close(grads_tg[name], w, f"gradient of {name}", **bwd)


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_forward_batched(cfg, dtype):
    m_tg, m_th = make_pair(*cfg, dtype=dtype)
    x = np.random.default_rng(2).standard_normal((13, cfg[0])).astype(dtype[0])
    t = targets(cfg[1], 13, 3)
    check(m_tg, m_th, lambda m, xx: tuple(m(xx, (tg if m is m_tg else torch).tensor(t))), x)
    out = m_tg(tg.tensor(x), tg.tensor(t))
    assert type(out).__name__ == "_ASMoutput" and out._fields == ("output", "loss")
    assert out.output.dtype == dtype[2] and out.loss.dtype == dtype[2] and out.loss.shape == ()


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_forward_unbatched(cfg):
    """1-D input with a 0-D target, one target per class range."""
    m_tg, m_th = make_pair(*cfg)
    x = np.random.default_rng(4).standard_normal(cfg[0]).astype(np.float32)
    for c in [0] + m_th.cutoffs[:-1] + [cfg[1] - 1]:
        lib_t = lambda m: (tg if m is m_tg else torch).tensor(c)  # noqa: E731
        for m in (m_tg, m_th):
            m.zero_grad()
        check(m_tg, m_th, lambda m, xx: tuple(m(xx, lib_t(m))), x)
        assert m_tg(tg.tensor(x), tg.tensor(c)).output.shape == ()


@pytest.mark.parametrize("n", [1, 0])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy on the mean of an empty batch
def test_forward_batch_of_one_and_empty(n):
    m_tg, m_th = make_pair(*CONFIGS[0])
    x = np.random.default_rng(5).standard_normal((n, 16)).astype(np.float32)
    t = np.array([15] * n, np.int64)
    o_tg, o_th = m_tg(tg.tensor(x), tg.tensor(t)), m_th(torch.tensor(x), torch.tensor(t))
    assert_close(o_tg.output, o_th.output, "output", **FWD)
    assert_close(o_tg.loss, o_th.loss, "loss", **FWD)  # the mean of nothing: nan, as torch


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_log_prob(cfg, dtype):
    m_tg, m_th = make_pair(*cfg, dtype=dtype)
    x = np.random.default_rng(6).standard_normal((7, cfg[0])).astype(dtype[0])
    check(m_tg, m_th, lambda m, xx: m.log_prob(xx), x)
    lp = to_np(m_tg.log_prob(tg.tensor(x)))
    np.testing.assert_allclose(np.exp(lp.astype(np.float64)).sum(1), 1, rtol=1e-5)


@pytest.mark.parametrize("case", ["all-shortlist", "all-clusters", "mixed", "random"])
def test_predict(case):
    """predict's three paths: every head argmax in the shortlist, none, some. The head is set (identically in
    both) so that feature 0's sign decides between shortlist class 0 and the first cluster."""
    m_tg, m_th = make_pair(16, 20, [4, 10], 2.0, True)
    x = np.random.default_rng(7).standard_normal((12, 16)).astype(np.float32)
    if case != "random":
        with torch.no_grad():
            m_th.head.weight[0, 0], m_th.head.weight[4, 0] = -50.0, 50.0
        with tg.no_grad():
            m_tg.head.weight[0, 0], m_tg.head.weight[4, 0] = -50.0, 50.0
        sign = {"all-shortlist": -1, "all-clusters": 1, "mixed": np.sign(x[:, 0])}[case]
        x[:, 0] = sign * (np.abs(x[:, 0]) + 1)
        assert case != "mixed" or len(set(np.sign(x[:, 0]))) == 2
    p_tg, p_th = m_tg.predict(tg.tensor(x)), m_th.predict(torch.tensor(x))
    assert_close(p_tg, p_th, "predict", atol=0, rtol=0)
    assert_close(p_tg, m_th.log_prob(torch.tensor(x)).argmax(1), "predict vs log_prob argmax", atol=0, rtol=0)


def test_gradcheck_loss_wrt_input():
    tg.manual_seed(0)
    m = AdaptiveLogSoftmaxWithLoss(6, 8, [2, 5], div_value=2.0, head_bias=True, dtype=tg.float64)
    x = tg.tensor(np.random.default_rng(8).standard_normal((5, 6)), requires_grad=True)
    t = tg.tensor([0, 1, 3, 6, 7])
    assert gradcheck(lambda xx: m(xx, t).loss, [x])
    assert gradcheck(lambda xx: m(xx, t).output, [x])
    assert gradcheck(lambda xx: m.log_prob(xx), [x])


def test_training_step_lowers_loss():
    tg.manual_seed(0)
    m = AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10], div_value=2.0)
    opt = tg.optim.SGD(m.parameters(), lr=0.5)
    x = tg.randn(32, 8)
    t = tg.tensor(targets(20, 32, 9))
    first = m(x, t).loss.item()
    for _ in range(20):
        opt.zero_grad()
        m(x, t).loss.backward()
        opt.step()
    assert m(x, t).loss.item() < first


@pytest.mark.parametrize("cutoffs", [[], [10, 4], [4, 4, 10], [0, 10], [4, 20], [4, 25], [4, -1], [4.5, 10]],
                         ids=["empty", "unsorted", "duplicated", "zero", "n_classes", "above", "negative", "float"])
def test_bad_cutoffs(cutoffs):
    match = "length larger than 0" if not cutoffs else "unique, positive integers sorted in an increasing order"
    raises_like_torch(lambda lib: (lib.nn.AdaptiveLogSoftmaxWithLoss if lib is torch else AdaptiveLogSoftmaxWithLoss)(
        16, 20, cutoffs), ValueError, match)


BAD_INPUTS = {  # name: (input shape, target, message)
    "target-2d": ((4, 16), [[0, 1], [2, 3]], "0D or 1D target tensor expected, multi-target not supported"),
    "batch-mismatch": ((4, 16), [0, 1, 2], "same size in the batch dimension"),
    "1d-target-3d-input": ((2, 3, 16), [0, 1], "1D target tensor expects 2D input tensors"),
    "0d-target-2d-input": ((2, 16), 0, "0D target tensor expects 1D input tensors"),
    "target-too-big": ((3, 16), [0, 20, 5], r"Target values should be in \[0, 19\], but values in range \[0, 20\]"),
    "target-negative": ((3, 16), [-1, 3, 5], r"Target values should be in \[0, 19\], but values in range \[-1, 5\]"),
    "unbatched-too-big": ((16,), 25, r"Target values should be in \[0, 19\], but values in range \[25, 25\]"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_and_target(name):
    shape, target, match = BAD_INPUTS[name]
    m_tg, m_th = make_pair(*CONFIGS[0])
    x = np.zeros(shape, np.float32)
    raises_like_torch(lambda lib: (m_th if lib is torch else m_tg)(lib.tensor(x), lib.tensor(target)),
                      RuntimeError, match)
