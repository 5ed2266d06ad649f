"""Autograd engine: leaves, accumulation, topological order on deep graphs, retain_grad, grad modes, freed graphs,
in-place ops on graph tensors, and gradcheck for every differentiable op (float64 finite differences)."""
import gc
import weakref

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import teenygrad as tg
from teenygrad.autograd import gradcheck, Function
from helpers import compare, rand, make_pair, assert_close


def test_leaf_nonleaf_and_grad_fn():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and x.grad_fn is None and not y.is_leaf and y.grad_fn is not None
    assert tg.tensor([1.0]).is_leaf and not tg.tensor([1.0]).requires_grad
    z = tg.tensor([3.0]) * 2  # no input requires grad: no graph
    assert z.is_leaf and not z.requires_grad


def test_grad_accumulates_across_backward_calls_and_zeroing():
    x_tg, x_th = make_pair(rand((3,)), True)
    for _ in range(3):
        (x_tg * x_tg).sum().backward()
        (x_th * x_th).sum().backward()
    assert_close(x_tg.grad, x_th.grad, "accumulated grad", 1e-6, 1e-6)
    x_tg.grad = None
    x_tg.sum().backward()
    np.testing.assert_array_equal(x_tg.grad.numpy(), np.ones(3, np.float32))


def test_tensor_feeding_several_ops_and_diamond():
    def fn(L, x, w):
        h = x @ w
        a, b = h.tanh(), h.sigmoid()
        return (a * b + h).sum(1) + x.sum(1)
    compare(fn, [rand((4, 3), seed=1), rand((3, 5), seed=2)])


def test_grad_is_own_copy_not_an_alias():
    # d(x + y)/dx and /dy are the same upstream array; each leaf must get its own buffer
    x, y = tg.ones(3, requires_grad=True), tg.ones(3, requires_grad=True)
    (x + y).backward(tg.tensor([1.0, 2.0, 3.0]))
    x.grad._data[0] = 100.0
    assert y.grad.tolist() == [1.0, 2.0, 3.0]


def test_deep_graph_no_recursion():
    x = tg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward(tg.tensor([2.0]))
    assert x.grad.tolist() == [2.0]


def test_deep_graph_chain_of_muls_matches_closed_form():
    x = tg.tensor(0.5, dtype=tg.float64, requires_grad=True)
    y = x
    for _ in range(2000):
        y = y * 1.001
    y.backward()
    assert abs(x.grad.item() - 1.001 ** 2000) < 1e-9


def test_retain_grad_and_backward_with_gradient():
    x_tg, x_th = make_pair(rand((2, 3)), True)
    h_tg, h_th = x_tg.exp(), x_th.exp()
    h_tg.retain_grad()
    h_th.retain_grad()
    assert h_tg.retains_grad
    out_tg, out_th = h_tg * 3 + h_tg, h_th * 3 + h_th
    g = rand((2, 3), seed=3)
    out_tg.backward(gradient=tg.tensor(g))
    out_th.backward(gradient=torch.tensor(g))
    assert_close(h_tg.grad, h_th.grad, "retained grad", 1e-6, 1e-5)
    assert_close(x_tg.grad, x_th.grad, "leaf grad", 1e-5, 1e-5)
    assert out_tg.grad is None


def test_backward_on_leaf_itself():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.backward(tg.tensor([3.0, 4.0]))
    assert x.grad.tolist() == [3.0, 4.0]


def test_backward_twice_needs_retain_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    # a graph partly freed by an earlier backward fails the same way
    h = x.exp()
    (h * 2).sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        (h * 3).sum().backward()


def test_finished_graph_frees_saved_arrays():
    x = tg.tensor(rand((50, 50)), requires_grad=True)
    a = x * 3
    b = a.sin()  # Sin keeps its input array (a's data) for backward
    loss = b.sum()
    ref = weakref.ref(a._data)
    ctx = b.grad_fn
    del a, b
    gc.collect()
    assert ref() is not None, "the live graph must keep the saved input"
    loss.backward()
    assert ref() is None, "a finished graph must free its saved arrays"
    assert ctx.parents is None


def test_grad_modes_context_and_decorator():
    x = tg.tensor([1.0], requires_grad=True)
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = x * 2
        with tg.enable_grad():
            z = x * 2
    assert not y.requires_grad and z.requires_grad and tg.is_grad_enabled()

    @tg.no_grad()
    def f(t):
        return t * 2

    @tg.inference_mode()
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad and tg.is_grad_enabled()
    with tg.inference_mode():
        assert not (x * 2).requires_grad
    with tg.inference_mode(False):
        assert (x * 2).requires_grad
    with tg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert tg.is_grad_enabled()

    @tg.no_grad  # bare decorators, as torch allows
    def f2(t):
        return t * 2

    @tg.inference_mode
    def g2(t):
        return t * 2

    @tg.enable_grad
    def h2(t):
        return t * 2

    assert not f2(x).requires_grad and not g2(x).requires_grad
    with tg.no_grad():
        assert h2(x).requires_grad and not tg.is_grad_enabled()
    tg.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    tg.set_grad_enabled(True)
    # the mode is restored even when the body raises
    with pytest.raises(ValueError):
        with tg.no_grad():
            raise ValueError
    assert tg.is_grad_enabled()


def test_detach_and_data_share_memory_without_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    d[0] = 5.0
    assert x.tolist()[0] == 5.0
    x.data[1] = 7.0
    assert x.tolist() == [5.0, 7.0]
    x.data = tg.tensor([0.0, 1.0])
    assert x.tolist() == [0.0, 1.0] and x.requires_grad
    y = (x.detach() * x).sum()
    y.backward()
    assert x.grad.tolist() == [0.0, 1.0]


def test_requires_grad_rules():
    x = tg.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    with pytest.raises(RuntimeError, match="floating"):
        tg.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.tensor([1.0]).sum().backward()
    with pytest.raises(RuntimeError, match="scalar"):
        tg.tensor([1.0, 2.0], requires_grad=True).exp().backward()


def test_inplace_on_nonleaf_keeps_earlier_uses_correct():
    def fn(L, x):
        y = x * 1.0
        a = y.exp()          # uses y before the in-place op
        y.mul_(2)
        y[0] = y[0] * 3      # reads and writes the same graph tensor
        y += a
        return y
    compare(fn, [rand((3, 2), seed=4)])


def test_inplace_on_leaf_that_requires_grad_raises_and_no_grad_update_works():
    x_tg, x_th = make_pair(rand((3,)), True)
    with pytest.raises(RuntimeError):
        x_th += 1
    with pytest.raises(RuntimeError, match="leaf"):
        x_tg += 1
    with tg.no_grad():
        x_tg -= 0.5 * tg.ones(3)
    with torch.no_grad():
        x_th -= 0.5 * torch.ones(3)
    assert_close(x_tg, x_th, "sgd-style update", 0, 0)
    assert x_tg.is_leaf and x_tg.requires_grad


def test_rnn_style_buffer_writes():
    # hs[:, t] = f(hs[:, t - 1]): writes into a non-leaf buffer that earlier steps read
    def fn(L, w, h0):
        hs = L.zeros(2, 4, 3)
        hs[:, 0] = h0
        for t in range(1, 4):
            hs[:, t] = (hs[:, t - 1].clone() @ w).tanh()  # clone: torch's version check needs it
        return hs
    compare(fn, [rand((3, 3), seed=5), rand((2, 3), seed=6)])


def test_gradient_flows_through_dtype_casts():
    compare(lambda L, x: (x.double() * 2).float().sum(), [rand((3,))])
    compare(lambda L, x: (x.half().float() * 2), [rand((3,))], fwd=dict(atol=1e-2, rtol=1e-2))


def test_custom_function_api():
    class Cube(Function):
        """z = x^3;  dx = 3 x^2 dz"""
        def forward(self, x):
            self.x = x
            return x ** 3

        def backward(self, g):
            return 3 * self.x ** 2 * g

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    Cube.apply(x).sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]


# ---- gradcheck --------------------------------------------------------------------------------------
def _d(shape, seed=0, low=-1.0, high=1.0):
    return tg.tensor(rand(shape, seed, np.float64, low, high), dtype=tg.float64, requires_grad=True)


GRADCHECK = {
    "add": (lambda a, b: a + b, [(3, 1), (4,)]),
    "sub": (lambda a, b: a - b, [(3, 4), (4,)]),
    "mul": (lambda a, b: a * b, [(2, 3), (2, 1)]),
    "div": (lambda a, b: a / (b.abs() + 1), [(2, 3), (3,)]),
    "pow": (lambda a, b: (a.abs() + 0.5) ** b, [(2, 3), (3,)]),
    "pow_scalar": (lambda a: a ** 3 + a ** 2 + (a.abs() + 1) ** -0.5, [(5,)]),
    "rpow": (lambda a: 2.0 ** a, [(4,)]),
    "maximum": (lambda a, b: tg.maximum(a, b), [(3, 4), (4,)]),
    "minimum": (lambda a, b: tg.minimum(a, b), [(3, 4), (3, 1)]),
    "where": (lambda a, b: tg.where(a > 0, a, b), [(3, 4), (4,)]),
    "remainder": (lambda a, b: a % (b.abs() + 0.5), [(3,), (3,)]),
    "neg_abs": (lambda a: (-a).abs(), [(5,)]),
    "exp_log": (lambda a: a.exp() + (a.abs() + 0.1).log() + (a.abs() + 0.1).log2() + (a.abs() + 0.1).log10(), [(5,)]),
    "log1p_expm1": (lambda a: a.log1p() + a.expm1(), [(5,)]),
    "sqrt_rsqrt": (lambda a: (a.abs() + 0.1).sqrt() + (a.abs() + 0.1).rsqrt(), [(5,)]),
    "trig": (lambda a: a.sin() * a.cos(), [(5,)]),
    "tanh_sigmoid": (lambda a: a.tanh() + a.sigmoid(), [(5,)]),
    "relu": (lambda a: a.relu(), [(7,)]),
    "gelu": (lambda a: a.gelu() + a.gelu(approximate="tanh"), [(7,)]),
    "silu_softplus": (lambda a: a.silu() + a.softplus() + a.softplus(beta=2.0, threshold=0.5), [(7,)]),
    "reciprocal_square": (lambda a: (a.abs() + 0.5).reciprocal() + a.square(), [(5,)]),
    "clamp": (lambda a: a.clamp(-0.5, 0.5) + a.clamp(min=0.1), [(7,)]),
    "clamp_tensor": (lambda a, lo: a.clamp(min=lo), [(3, 4), (4,)]),
    "sum_mean": (lambda a: a.sum(0) + a.mean(1, keepdim=True), [(3, 3)]),
    "prod": (lambda a: a.prod(1) + a.prod(), [(3, 4)]),
    "amax_amin": (lambda a: a.amax(0) + a.amin(1).sum(), [(3, 4)]),
    "max_min_dim": (lambda a: a.max(1).values + a.min(1).values, [(3, 4)]),
    "var_std": (lambda a: a.var(1) + a.std(0).sum() + a.var(correction=0), [(3, 4)]),
    "logsumexp": (lambda a: a.logsumexp(1), [(3, 4)]),
    "softmax": (lambda a: a.softmax(-1) * tg.arange(4, dtype=tg.float64), [(3, 4)]),
    "log_softmax": (lambda a: a.log_softmax(0), [(3, 4)]),
    "cumsum": (lambda a: a.cumsum(1), [(3, 4)]),
    "norm": (lambda a: a.norm(dim=1), [(3, 4)]),
    "reshape_permute": (lambda a: a.reshape(2, 6).T.permute(1, 0).transpose(0, 1), [(3, 4)]),
    "expand_squeeze": (lambda a: a.unsqueeze(0).expand(2, 3, 4).squeeze(0) * 1.0, [(3, 4)]),
    "flatten_unflatten": (lambda a: a.flatten().unflatten(0, (4, 3)), [(3, 4)]),
    "cat_stack": (lambda a, b: tg.cat([a, b], 0) + tg.stack([a, b]).sum(0).repeat(2, 1), [(2, 3), (2, 3)]),
    "split_chunk": (lambda a: a.split(2, 1)[1] * a.chunk(2, 1)[0], [(3, 4)]),
    "roll_flip": (lambda a: a.roll(1, 0) + a.flip(1), [(3, 4)]),
    "pad": (lambda a: a.pad((1, 2, -1, 1)), [(3, 4)]),
    "tril_triu": (lambda a: a.tril() + a.triu(1) * 2, [(3, 4)]),
    "masked_fill": (lambda a: a.masked_fill(a > 0, 0.0), [(3, 4)]),
    "getitem": (lambda a: a[1:, ::2].sum() + a[[0, 2, 2]][:, :2] + a[a > 0].sum(), [(3, 4)]),
    "embedding": (lambda a: a[tg.tensor([[0, 2], [2, 2]])], [(3, 4)]),
    "setitem": (lambda a, b: _setitem(a, b), [(3, 4), (4,)]),
    "gather": (lambda a: a.gather(1, tg.tensor([[0, 0], [3, 1], [2, 2]])), [(3, 4)]),
    "scatter": (lambda a, b: a.scatter(1, tg.tensor([[0, 1], [3, 2], [2, 0]]), b), [(3, 4), (3, 2)]),
    "scatter_add": (lambda a, b: a.scatter_add(0, tg.tensor([[0, 0, 2, 1]]), b), [(3, 4), (1, 4)]),
    "index_select": (lambda a: a.index_select(1, tg.tensor([3, 0, 3])), [(3, 4)]),
    "sort_topk": (lambda a: a.sort(1).values + a.topk(4, 1).values, [(3, 4)]),
    "matmul_2d": (lambda a, b: a @ b, [(3, 4), (4, 2)]),
    "matmul_batched": (lambda a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)]),
    "matmul_vec": (lambda a, b: (a @ b) * (b @ a.T), [(3, 4), (4,)]),
    "einsum": (lambda a, b: tg.einsum("ij,jk->ik", a, b) + tg.einsum("ij->j", a).sum(), [(3, 4), (4, 2)]),
    "einsum_batch": (lambda a, b: tg.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 2)]),
    "cast_roundtrip": (lambda a: a.float().double() * 1.0, [(3,)]),
    "piecewise": (lambda a: (a.floor() + a.sign() + a.ceil() + a.round() + a.trunc()) * a, [(5,)]),
    "views": (lambda a: a.contiguous().view(4, 3).mT.clone() + a.T[None].expand(2, 4, 3).sum(0).mT, [(3, 4)]),
    "unbind_shrink": (lambda a: a.unbind(1)[2] * a.shrink(((0, 3), (1, 2))).squeeze(1), [(3, 4)]),
    "div_pow_tensor": (lambda a, b: a / (b ** 2 + 1) + (b.abs() + 1) ** a, [(3, 4), (3, 4)]),
    "erf_logaddexp": (lambda a, b: a.erf() + a.logaddexp(b) + a.sinh() * a.cosh() + a.tan(), [(3, 4), (4,)]),
    "diagonal_trace": (lambda a: a.diagonal(1) * a.trace() + a.diag(-1).sum(), [(3, 4)]),
    "outer_masked_select": (lambda a, b: tg.outer(a, b).masked_select(tg.outer(a, b) > 0), [(3,), (4,)]),
    "movedim_tile_narrow": (lambda a: a.movedim(0, 1).tile(2, 1).narrow(0, 1, 5), [(2, 3)]),
}


def _setitem(a, b):
    y = a * 1.0
    y[1] = b.exp()
    y[0, 1:3] = y[2, :2] * 2
    return y


@pytest.mark.parametrize("op", list(GRADCHECK))
def test_gradcheck(op):
    fn, shapes = GRADCHECK[op]
    inputs = [_d(s, seed=i + 1) for i, s in enumerate(shapes)]
    if op == "cast_roundtrip":  # float32 in the middle: looser
        assert gradcheck(fn, inputs, eps=1e-3, atol=1e-3)
    else:
        assert gradcheck(fn, inputs)


def test_gradcheck_catches_a_wrong_backward():
    class BadSquare(Function):
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, g):
            return g * self.x  # should be 2 x g

    x = _d((3,))
    with pytest.raises(AssertionError, match="gradcheck"):
        gradcheck(lambda t: BadSquare.apply(t), [x])
    assert gradcheck(lambda t: BadSquare.apply(t), [x], raise_exception=False) is False
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda t: t * 2, [tg.tensor([1.0], requires_grad=True)])


def test_gradcheck_agrees_with_torch_on_nn_style_graph():
    def fn(L, x, w, b):
        h = (x @ w + b).relu()
        return (h.log_softmax(-1) if L is tg else F.log_softmax(h, -1))[range(4), [0, 1, 2, 0]].mean()
    compare(fn, [rand((4, 5), seed=7), rand((5, 3), seed=8), rand((3,), seed=9)])


def test_copy_and_fill_are_differentiable_on_graph_tensors():
    def fn(L, x, w):
        y = x * 2
        y.copy_(w.exp())        # y now holds exp(w): x gets no gradient through y
        z = x * 3
        z[0].fill_(0.5) if L is torch else z.__setitem__(0, 0.5)
        buf = L.zeros(2, 3)
        buf.copy_(w)            # a plain buffer that becomes part of the graph
        return y + z + buf * 4
    compare(fn, [rand((2, 3), seed=10), rand((3,), seed=11)])

    def fn2(L, x):
        y = x * 2
        y.fill_(1.5)
        return y * x
    compare(fn2, [rand((4,), seed=12)])


def test_makemore_style_training_matches_torch():
    """A few SGD steps of an MLP language model (embedding, batch-norm-style stats, tanh, log-softmax pick):
    same numpy init in both frameworks, losses and final parameters must agree."""
    rng = np.random.default_rng(0)
    V, E, T, H, N = 27, 4, 3, 16, 32
    init = [rng.standard_normal(s).astype(np.float32) * k for s, k in
            [((V, E), 1.0), ((T * E, H), 0.3), ((H,), 0.1), ((H, V), 0.1), ((V,), 0.0)]]
    X = rng.integers(0, V, (N, T))
    Y = rng.integers(0, V, (N,))

    def train(L):
        params = [L.tensor(p.copy(), requires_grad=True) for p in init]
        C, W1, b1, W2, b2 = params
        Xt, Yt = L.tensor(X), L.tensor(Y)
        losses = []
        for step in range(4):
            emb = C[Xt].view(N, -1)
            hpre = emb @ W1 + b1
            hpre = (hpre - hpre.mean(0, keepdim=True)) / (hpre.var(0, keepdim=True, unbiased=False) + 1e-5).sqrt()
            h = hpre.tanh()
            logits = h @ W2 + b2
            loss = -logits.log_softmax(1)[range(N), Yt].mean()
            for p in params:
                p.grad = None
            loss.backward()
            with L.no_grad():
                for p in params:
                    p -= 0.1 * p.grad
            losses.append(loss.item())
        return losses, params

    l_tg, p_tg = train(tg)
    l_th, p_th = train(torch)
    np.testing.assert_allclose(l_tg, l_th, rtol=1e-5)
    for a, b in zip(p_tg, p_th):
        assert_close(a.detach(), b.detach(), "parameter after training", 1e-5, 1e-4)


@pytest.mark.parametrize("order", ["short_first", "long_first"])
def test_topological_order_when_a_node_is_reached_by_paths_of_different_length(order):
    def fn(L, x):
        h = x.exp()
        long = h.sin().cos() * 2
        return h + long if order == "short_first" else long + h
    compare(fn, [rand((3,), seed=13)])


def test_unused_graph_is_freed_by_refcount_alone():
    # no reference cycles: dropping the output frees every saved array at once, without the cycle collector
    x = tg.tensor(rand((20, 20)), requires_grad=True)
    gc.disable()
    try:
        a = x * 3
        out = a.sin().sum()
        ref = weakref.ref(a._data)
        del a
        assert ref() is not None
        del out
        assert ref() is None
    finally:
        gc.enable()


# ---- gradient accumulation: slices add into their part, sums may be written in place -----------------------
def _graph_with_shared_gradients(lib, x):
    y = x * 1.5
    q, k, v = y.split(2, dim=1)                        # three slices of one node (attention's q, k, v)
    s = y + y                                          # Add hands the same gradient array to both inputs
    r = s[:, 1:3] * q.sum() + k * v                    # a slice overlapping the split parts
    t = (s * s).sum() + r.sum() + y[0].sum() * 2 + y[:, ::3].pow(2).sum()
    return t + (v.exp() * k).sum()


def test_overlapping_slices_and_aliased_sums_match_torch():
    a = np.random.default_rng(5).standard_normal((3, 6)).astype(np.float32)
    xt = torch.tensor(a, requires_grad=True)
    xg = tg.tensor(a, requires_grad=True)
    _graph_with_shared_gradients(torch, xt).backward()
    _graph_with_shared_gradients(tg, xg).backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_slice_gradient_into_a_leaf_and_a_retained_node():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    out = {}
    for lib in (torch, tg):
        x = lib.tensor(a, requires_grad=True)
        y = x * 2
        y.retain_grad()
        (x[1:, 2:].sum() * 3 + y[0].sum() + y[:, 1].sum()).backward()
        out[lib] = (x.grad.numpy(), y.grad.numpy())
    for got, want in zip(out[tg], out[torch]):
        np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("variant", range(4))
def test_summed_gradient_passed_on_by_add_is_not_written_twice(variant):
    # s's gradient is a sum (s is used twice); Add passes that one array to both y1 and y2, which then get
    # more gradient each: an in-place sum into one of them must not show up in the other
    def f(lib, x):
        y1, y2 = x * 2, x * 3
        extra1, extra2 = (y1 * 5).sum(), (y2.exp()).sum()
        s = y1 + y2
        u = (s * s).sum() + s.sum()
        parts = [u, extra1, extra2] if variant < 2 else [extra1, extra2, u]
        if variant % 2:
            parts = parts[::-1]
        return parts[0] + parts[1] + parts[2]
    a = np.linspace(-1, 1, 6, dtype=np.float32)
    xt, xg = torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)
    f(torch, xt).backward()
    f(tg, xg).backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-5)
