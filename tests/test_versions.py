"""Writes made without a graph into memory that a recorded op saved for its backward (torch's version counter):
backward must refuse, as torch does, rather than differentiate with the changed values; writes that no saved value
depends on must go through with torch's gradients. Each scenario runs in both frameworks on the same values."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from _inplace_runner import VERSION, assert_matches_torch


def _w(lib):
    return lib.tensor([1.0, -2.0, 3.0], requires_grad=True)


def saved_leaf_scaled(L):            # the optimizer-before-backward mistake
    w = _w(L); z = (w * w).sum()
    with L.no_grad():
        w.mul_(2)
    z.backward(); return [w]


def saved_leaf_sub_(L):
    w = _w(L); z = w.exp().sum()
    with L.no_grad():
        w.sub_(0.5)
    z.backward(); return [w]


def saved_leaf_fill_(L):
    w = _w(L); x = L.tensor([1.0, 2.0, 3.0]); z = (w * x).sum()
    x.fill_(7.0)                      # a data tensor, not requiring grad, saved by Mul for w's gradient
    z.backward(); return [w]


def saved_leaf_copy_(L):
    w = _w(L); x = L.tensor([[1.0, 2.0, 3.0]]); z = (x @ w.unsqueeze(1)).sum()
    x.copy_(L.ones(1, 3))
    z.backward(); return [w]


def saved_leaf_uniform_(L):
    w = _w(L); x = L.ones(3); z = (w * x).sum()
    x.uniform_()
    z.backward(); return [w]


def saved_output_written(L):          # exp keeps its output for the backward
    x = _w(L); y = x.exp(); z = y.sum()
    with L.no_grad():
        y.add_(1)
    z.backward(); return [x]


def saved_output_written_softmax(L):
    x = _w(L); y = x.softmax(0); z = (y * L.tensor([1.0, 2.0, 3.0])).sum()
    with L.no_grad():
        y.mul_(2)
    z.backward(); return [x]


def optimizer_step_before_backward(L):   # the GAN mistake: a step between a forward and its backward
    w = _w(L); opt = L.optim.SGD([w], lr=0.1); z = (w * w).sum()
    (w * 3).sum().backward()
    opt.step()
    z.backward(); return [w]


def adamw_step_before_backward(L):
    w = _w(L); opt = L.optim.AdamW([w], lr=0.1); z = (w * w).sum()
    (w * 3).sum().backward()
    opt.step()
    z.backward(); return [w]


def optimizer_step_after_backward(L):
    w = _w(L); opt = L.optim.Adam([w], lr=0.1)
    for _ in range(3):
        opt.zero_grad(); (w * w).sum().backward(); opt.step()
    return [w]


def saved_leaf_setitem(L):
    w = _w(L); x = L.tensor([1.0, 2.0, 3.0]); z = (w * x).sum()
    x[1] = 5.0
    z.backward(); return [w]


def saved_leaf_index_add_(L):
    w = _w(L); x = L.tensor([1.0, 2.0, 3.0]); z = (w * x).sum()
    x.index_add_(0, L.tensor([0, 2]), L.tensor([1.0, 1.0]))
    z.backward(); return [w]


def load_state_dict_before_backward(L):
    lin = L.nn.Linear(3, 1); x = L.ones(2, 3); z = lin(x).sum()
    lin.load_state_dict({"weight": L.full((1, 3), 2.0), "bias": L.zeros(1)})
    z.backward(); return [lin.weight]


def init_before_backward(L):
    lin = L.nn.Linear(3, 1); x = L.ones(2, 3)
    lin.load_state_dict({"weight": L.tensor([[0.1, -0.2, 0.3]]), "bias": L.tensor([0.5])})
    z = (lin(x) ** 2).sum()
    L.nn.init.constant_(lin.weight, 0.5)
    z.backward(); return [lin.weight]


def embedding_max_norm_twice(L):     # the second lookup renorms the table in place: the first needs no values
    emb = L.nn.Embedding(4, 3, max_norm=1.0)
    emb.load_state_dict({"weight": L.tensor([[3.0, 0, 0], [0, 2.0, 0], [0.1, 0.2, 0.3], [1.0, 1.0, 1.0]])})
    a = emb(L.tensor([0, 2])); b = emb(L.tensor([1, 3]))
    ((a * L.tensor([1.0, 2.0, 3.0])).sum() + (b * b).sum()).backward(); return [emb.weight]


def where_reads_only_its_condition(L):
    w = _w(L); c = L.tensor([True, False, True]); z = L.where(c, w * 2, L.zeros(3)).sum()
    with L.no_grad():
        w.mul_(3)                      # not read back by where (nor by the Mul by a number)
    z.backward(); return [w]


def where_condition_written(L):
    w = _w(L); c = L.tensor([True, False, True]); z = L.where(c, w * 2, L.zeros(3)).sum()
    c[1] = True
    z.backward(); return [w]


def saved_nonleaf(L):
    x = _w(L); y = x * 2; z = (y * y).sum()
    with L.no_grad():
        y.add_(1)
    z.backward(); return [x]


def saved_view_base_written(L):
    x = _w(L); y = x * 2; v = y[1:]; z = (v * v).sum()
    with L.no_grad():
        y.mul_(3)
    z.backward(); return [x]


def saved_base_view_written(L):
    x = _w(L); y = x * 2; v = y[1:]; z = (y * y).sum()
    with L.no_grad():
        v.mul_(3)
    z.backward(); return [x]


def unsaved_write_after_backward(L):   # the normal training loop: step after backward
    w = _w(L); z = (w * w).sum(); z.backward()
    with L.no_grad():
        w.mul_(2)
    z2 = (w * w).sum(); z2.backward(); return [w]


def unsaved_write_before_forward(L):
    w = _w(L)
    with L.no_grad():
        w.mul_(2)
    (w * w).sum().backward(); return [w]


def unrelated_write(L):
    w = _w(L); other = L.ones(3); z = (w * w).sum()
    other.mul_(5)
    z.backward(); return [w]


def plain_tensor_takes_graph_value(L):   # buf.mul_(h): the old buf is saved by Mul; buf's memory then changes
    x = _w(L); h = x * 1; buf = L.ones(3) * 2
    buf.mul_(h)
    buf.sum().backward(); return [x]


def plain_slice_takes_graph_value(L):
    x = _w(L); buf = L.ones(3) * 2
    buf[0:2] *= x[0:2]
    buf.sum().backward(); return [x]


def add_saves_nothing(L):
    w = _w(L); z = (w + 1).sum()
    with L.no_grad():
        w.mul_(2)
    z.backward(); return [w]


def view_saves_nothing(L):
    w = _w(L); z = w[1:].sum()
    with L.no_grad():
        w.mul_(2)
    z.backward(); return [w]


def data_alias_is_not_counted(L):      # torch's .data has a counter of its own: writes through it go unseen
    w = _w(L); z = (w + 0).sum()
    w.data.mul_(2)
    z.backward(); return [w]


# detach() shares the version counter of its source (.data does not): writes through either side are seen
def detach_alias_written_over_saved_output(L):
    x = _w(L); y = x.exp(); d = y.detach()
    d.mul_(2)
    y.sum().backward(); return [x]


def data_alias_written_over_saved_output(L):
    x = _w(L); y = x.exp(); d = y.data
    d.mul_(2)
    y.sum().backward(); return [x]


def detach_alias_add_(L):            # x.add_ takes another path (the SGD-style += one) than mul_
    x = _w(L); y = x.exp(); d = y.detach()
    d.add_(1.0)
    y.sum().backward(); return [x]


def detach_of_detach_written(L):
    x = _w(L); y = x.exp(); d = y.detach().detach()
    d += 1.0
    y.sum().backward(); return [x]


def detach_of_leaf_written(L):
    w = _w(L); d = w.detach(); z = (w * w).sum()
    d.add_(1.0)
    z.backward(); return [w]


def detach_source_dropped(L):        # the alias outlives its source tensor; the graph still holds the node
    x = _w(L); y = x.exp(); loss = y.sum(); d = y.detach(); del y
    d.mul_(2)
    loss.backward(); return [x]


def detach_of_view_written(L):
    x = _w(L); y = x * 2; z = (y * y).sum(); d = y[1:].detach()
    d.mul_(2)
    z.backward(); return [x]


def view_of_detach_written(L):
    x = _w(L); y = x.exp(); d = y.detach()
    d[1:].mul_(2)
    y.sum().backward(); return [x]


def source_written_after_detach_saved(L):
    x = _w(L); p = _w(L); y = x * 2; z = (p * y.detach()).sum()
    with L.no_grad():
        y.mul_(2)
    z.backward(); return [p]


def source_rebound_after_detach_saved(L):   # an in-place op with a graph writes the shared memory too
    x = _w(L); p = _w(L); y = x * 2; z = (p * y.detach()).sum()
    y.mul_(2)
    z.backward(); return [p]


def source_written_after_data_saved(L):
    x = _w(L); p = _w(L); y = x * 2; z = (p * y.data).sum()
    with L.no_grad():
        y.mul_(2)
    z.backward(); return [p]


def detached_leaf_saved_source_written(L):   # x.detach().requires_grad_(): a new leaf, the same counter
    x = _w(L); y = x * 2; d = y.detach().requires_grad_(); z = (d * d).sum()
    with L.no_grad():
        y.mul_(2)
    z.backward(); return [d]


def plain_source_written_after_detach_saved(L):
    buf = L.ones(3); p = _w(L); z = (p * buf.detach()).sum()
    buf += 1.0
    z.backward(); return [p]


def detach_written_after_backward(L):
    w = _w(L); d = w.detach(); (w * w).sum().backward()
    d.mul_(2)
    (w * w).sum().backward(); return [w]


# views taken under no_grad share the counter too
def no_grad_view_written(L):
    w = _w(L); z = (w * w).sum()
    with L.no_grad():
        w[0].mul_(2)
    z.backward(); return [w]


def no_grad_transposed_view_written(L):
    w = L.ones(2, 2, requires_grad=True); z = (w * w).sum()
    with L.no_grad():
        w.t()[0].add_(1)
    z.backward(); return [w]


def no_grad_diagonal_of_reshape_written(L):
    w = L.ones(4, requires_grad=True); z = (w * w).sum()
    with L.no_grad():
        w.view(2, 2).diagonal().zero_()
    z.backward(); return [w]


def no_grad_view_saved_base_written(L):
    w = _w(L); p = _w(L)[:1]
    with L.no_grad():
        v = w[:1]
    z = (p * v).sum()
    with L.no_grad():
        w.mul_(2)
    z.backward(); return [w]


def no_grad_view_of_graph_tensor_written(L):
    x = _w(L); y = x.exp(); z = y.sum()
    with L.no_grad():
        y[1:].mul_(2)
    z.backward(); return [x]


def no_grad_view_written_unsaved(L):
    w = _w(L); z = (w + 1).sum()
    with L.no_grad():
        w[0].mul_(2)
    z.backward(); return [w]


SCENARIOS = [saved_leaf_scaled, saved_leaf_sub_, saved_leaf_fill_, saved_leaf_copy_, saved_leaf_uniform_, saved_output_written, saved_output_written_softmax,
             where_reads_only_its_condition, embedding_max_norm_twice, load_state_dict_before_backward, init_before_backward, saved_leaf_setitem, saved_leaf_index_add_, optimizer_step_before_backward, adamw_step_before_backward, optimizer_step_after_backward,
             saved_nonleaf, saved_view_base_written, saved_base_view_written, unsaved_write_after_backward,
             unsaved_write_before_forward, unrelated_write, plain_tensor_takes_graph_value,
             plain_slice_takes_graph_value, add_saves_nothing, view_saves_nothing, data_alias_is_not_counted,
             detach_alias_written_over_saved_output, data_alias_written_over_saved_output, detach_alias_add_,
             detach_of_detach_written, detach_of_leaf_written, detach_source_dropped, detach_of_view_written,
             view_of_detach_written, source_written_after_detach_saved, source_rebound_after_detach_saved,
             source_written_after_data_saved, detached_leaf_saved_source_written,
             plain_source_written_after_detach_saved, detach_written_after_backward, no_grad_view_written,
             no_grad_transposed_view_written, no_grad_diagonal_of_reshape_written, no_grad_view_saved_base_written,
             no_grad_view_of_graph_tensor_written, no_grad_view_written_unsaved]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_in_place_writes_against_saved_values_match_torch(scenario):
    # a scenario returns its leaves: their gradients are compared. torch refuses a view taken under no_grad whose
    # base was written with a message of its own
    assert_matches_torch(lambda L: [t.grad for t in scenario(L)], VERSION + "|created in no_grad mode", rtol=1e-6,
                         atol=0)


def test_error_names_the_op_and_the_written_input():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    z = (w * w).sum()
    with tg.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match=r"Mul saved an input of shape \(2,\) for its backward"):
        z.backward()
    assert w.grad is None  # nothing was stored before the refusal


def test_custom_function_saved_tensor_written_in_place():
    def make(L):
        class Square(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return 2 * x * g
        return Square

    for L in (torch, tg):
        w = L.tensor([1.0, 2.0], requires_grad=True)
        z = make(L).apply(w).sum()
        with L.no_grad():
            w.mul_(3)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.backward()


UNARY = {"exp": lambda t: t.exp(), "log": lambda t: t.abs().log(), "tanh": lambda t: t.tanh(),
         "sigmoid": lambda t: t.sigmoid(), "sqrt": lambda t: t.abs().sqrt(), "rsqrt": lambda t: t.abs().rsqrt(),
         "reciprocal": lambda t: t.reciprocal(), "relu": lambda t: t.relu(), "gelu": lambda t: tg.nn.functional.gelu(t),
         "sin": lambda t: t.sin(), "pow3": lambda t: t ** 3, "square": lambda t: t * t, "abs": lambda t: t.abs(),
         "softmax": lambda t: t.softmax(-1), "log_softmax": lambda t: t.log_softmax(-1), "sum": lambda t: t.sum(1),
         "mean": lambda t: t.mean(0), "amax": lambda t: t.amax(1), "max_dim": lambda t: t.max(1)[0],
         "std": lambda t: t.std(1), "norm": lambda t: t.norm(dim=1), "logsumexp": lambda t: t.logsumexp(1),
         "cumprod": lambda t: t.cumprod(1), "cumsum": lambda t: t.cumsum(1), "clamp": lambda t: t.clamp(-0.5, 0.5),
         "getitem": lambda t: t[1:], "transpose": lambda t: t.t(), "reshape": lambda t: t.reshape(-1),
         "div": lambda t: 1.5 / (t.abs() + 1), "matmul": lambda t: t @ t.t(), "elu": lambda t: tg.nn.functional.elu(t),
         "layer_norm": lambda t: tg.nn.functional.layer_norm(t, (3,)), "expand": lambda t: t[:, :1].expand(2, 3)}


@pytest.mark.parametrize("where", ["input", "output"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_a_write_after_the_forward_never_changes_the_gradient_silently(name, where):
    # whatever each op saves, a write in place without a graph either makes backward refuse or leaves the
    # gradient exactly what it was without the write
    fn = UNARY[name]
    base = np.array([[0.3, -1.2, 2.0], [1.1, 0.4, -0.7]], np.float32)
    g = np.random.default_rng(0).standard_normal(fn(tg.tensor(base)).shape).astype(np.float32)
    x = tg.tensor(base, requires_grad=True)
    h = x * 1                              # a graph tensor to write (a leaf that requires grad may not be)
    fn(h).backward(tg.tensor(g))
    want = x.grad.numpy().copy()
    x = tg.tensor(base, requires_grad=True)
    h = x * 1
    y = fn(h)
    if name == "expand" and where == "output":
        return  # writing into an expanded view is refused at once (as torch does)
    with tg.no_grad():
        (h if where == "input" else y).mul_(1.5)
    try:
        y.backward(tg.tensor(g))
    except RuntimeError as e:
        assert "modified by an inplace operation" in str(e)
        return
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-6, atol=1e-7)


def test_where_condition_written_after_the_forward_is_refused():
    # torch 2.13 reads the rewritten condition back and returns [2, 2, 2] (the gradient of a function that was
    # never computed); the true gradient is [2, 0, 2]: we refuse instead
    w = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    c = tg.tensor([True, False, True])
    z = tg.where(c, w * 2, tg.zeros(3)).sum()
    c[1] = True
    with pytest.raises(RuntimeError, match="Where saved an input of shape"):
        z.backward()


def test_tensors_sharing_a_counter_pickle_and_copy():
    # detach() results, views taken under no_grad and tensors with views carry weak references to what they share;
    # pickle and copy leave those behind (a copy shares no memory), as a torch tensor pickles on its own
    import copy
    import pickle
    w = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = w.exp()
    with tg.no_grad():
        v = w[1:]
    plain = tg.ones(3)
    row = plain[1:]
    for t in (y.detach(), v, plain, row):
        for back in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
            np.testing.assert_array_equal(back.numpy(), t.numpy())
            with tg.no_grad():  # (v's copies require grad, as torch's: v, a view of w, does)
                back.mul_(2.0)  # its own memory: nothing recorded above sees the write
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.exp([1.0, -2.0, 3.0]), rtol=1e-6)


# ---- a custom Function's saved detach() alias, written later --------------------------------------------------
def _custom_saved_detach(L, write):
    class MulBy(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, d):
            ctx.save_for_backward(d)
            return x * d

        @staticmethod
        def backward(ctx, g):
            d, = ctx.saved_tensors
            return g * d, None

    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = L.tensor([4.0, 5.0, -6.0], requires_grad=True)
    y = w * 1.0
    d = y.detach()                     # shares y's memory and version counter
    out = MulBy.apply(x, d)
    if write == "source":
        with L.no_grad():
            y.mul_(2.0)
    elif write == "alias":
        d.add_(1.0)
    elif write == "leaf source":       # d saved from a leaf; the leaf written under no_grad
        d = w.detach()
        out = MulBy.apply(x, d)
        with L.no_grad():
            w.sub_(1.0)
    out.sum().backward()
    return [x.grad]


@pytest.mark.parametrize("write", ["none", "source", "alias", "leaf source"])
def test_custom_function_saved_detach_alias_written_matches_torch(write):
    assert_matches_torch(lambda L: _custom_saved_detach(L, write), VERSION)


# ---- nn.functional's inplace=True activations stamp their write ------------------------------------------------
INPLACE_ACTS = {"relu": {}, "relu6": {}, "leaky_relu": {"negative_slope": 0.1}, "elu": {"alpha": 0.7},
                "hardtanh": {"min_val": -1.0, "max_val": 1.0}, "silu": {}, "mish": {}, "hardsigmoid": {},
                "hardswish": {}, "selu": {}, "celu": {"alpha": 0.8}, "rrelu": {"training": False},
                "threshold": {"threshold": 0.1, "value": 20.0}, "dropout": {"p": 1.0}}


def _act(L, name, t):
    out = getattr(L.nn.functional, name)(t, inplace=True, **INPLACE_ACTS[name])
    assert out is t
    return out


def _act_after_saving_op(L, name):      # Mul saved y: the activation overwrites it, backward must refuse
    w = L.tensor([[0.5, -1.5], [2.0, -0.2]], dtype=L.float64, requires_grad=True)
    y = w * 1.5
    z = (y * y).sum()
    _act(L, name, y)
    z.backward(); return [w.grad]


def _act_on_view_after_saving_op(L, name):
    w = L.tensor([[0.5, -1.5], [2.0, -0.2]], dtype=L.float64, requires_grad=True)
    y = w * 1.5
    z = (y * y).sum()
    _act(L, name, y[1])
    z.backward(); return [w.grad]


def _act_after_unsaving_op(L, name):    # Add saves nothing: the write is allowed, gradients flow through both
    w = L.tensor([[0.5, -1.5], [2.0, -0.2]], dtype=L.float64, requires_grad=True)
    y = w * 1.5
    z = (y + 1.0).sum()
    _act(L, name, y)
    (z + (y * L.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=L.float64)).sum()).backward()
    return [y, w.grad]


def _act_on_plain_saved(L, name):       # a plain tensor saved by Mul for w's gradient
    w = L.tensor([0.5, -1.5, 2.0], dtype=L.float64, requires_grad=True)
    p = L.tensor([1.0, -2.0, 3.0], dtype=L.float64)
    z = (w * p).sum()
    _act(L, name, p)
    z.backward(); return [w.grad]


@pytest.mark.parametrize("case", [_act_after_saving_op, _act_on_view_after_saving_op, _act_after_unsaving_op,
                                  _act_on_plain_saved], ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", sorted(INPLACE_ACTS))
def test_inplace_activation_write_is_stamped_as_torch(name, case):
    assert_matches_torch(lambda L: case(L, name), VERSION, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(INPLACE_ACTS))
def test_inplace_activation_on_a_plain_tensor_writes_its_own_memory(name):
    x = tg.tensor([0.5, -1.5, 2.0, -0.2])
    a = x._data
    _act(tg, name, x)                   # no stand-in copy: the result goes straight into x's array
    assert x._data is a
    want = getattr(torch.nn.functional, name)(torch.tensor([0.5, -1.5, 2.0, -0.2]), **INPLACE_ACTS[name])
    np.testing.assert_allclose(a, want.numpy(), rtol=1e-6)


# ---- Tensor._version: torch's count of in-place writes --------------------------------------------------------
def _v_fresh(L):
    x = L.ones(3); return [x, x.clone(), L.zeros(2, 2)]


def _v_plain_writes(L):
    x = L.ones(3); x.add_(1); x.mul_(2); x.fill_(3.0); x.zero_(); x.copy_(L.ones(3)); x += 1
    return [x, x.clone()]                     # a clone starts again at 0


def _v_setitem(L):
    x = L.ones(2, 3); x[0] = 2.0; x[[0, 1], 1] = 3.0; x[:, 2] += 1.0
    return [x]


def _v_views(L):
    x = L.ones(2, 3); v = x[0]; v.add_(1); u = x.view(6); u.mul_(2); t = x.t(); t[0, 0] = 5.0
    return [x, v, u, t, x[1]]                 # a view taken later reads the same count


def _v_detach(L):
    w = L.ones(3, requires_grad=True); d = w.detach(); d.add_(1)
    with L.no_grad():
        w.mul_(2)
    dd = d.detach(); dd.sub_(1)
    return [w, d, dd]


def _v_data_alias(L):                          # .data has a count of its own, started at 0 each time
    x = L.ones(3); x.add_(1); d = x.data; d.add_(1); d.add_(1)
    return [x, d, x.data]


def _v_graph_inplace(L):
    w = L.ones(3, requires_grad=True); y = w * 2; y.add_(1); y.mul_(3); y.exp_()
    before = y._version
    y.sum().backward()
    assert y._version == before                # backward frees the graph, not the count
    return [y]


def _v_graph_view_write_through(L):
    w = L.ones(2, 3, requires_grad=True); y = w * 2; v = y[1:]; v.mul_(2); y[0, 0] = 7.0
    return [y, v, y[0]]


def _v_no_grad_view_of_graph_tensor(L):
    w = L.ones(4, requires_grad=True); y = w * 2
    with L.no_grad():
        v = y[0:2]
        v.add_(1)
    y.add_(1)                                  # an in-place op with a graph: the no_grad view shares the count
    return [y, v]


def _v_detach_of_rebound_graph_tensor(L):
    w = L.ones(3, requires_grad=True); y = w * 2; d = y.detach(); y.add_(1); d.add_(1)
    return [y, d]


def _v_plain_tensor_takes_graph_value(L):
    w = L.ones(3, requires_grad=True); buf = L.zeros(3); row = L.zeros(2, 3); r = row[0]
    buf.copy_(w * 2); buf.add_(1); r.copy_(w * 3)
    return [buf, row, r]


def _v_random_fills(L):
    x = L.ones(2, 3); x.uniform_(); x.normal_()
    b = L.ones(3); b.bernoulli_(0.5); b.exponential_()
    return [x, b]


def _v_inplace_activation(L):
    w = L.ones(3, requires_grad=True); y = w * 2
    L.nn.functional.relu(y, inplace=True); L.nn.functional.elu(y, inplace=True)
    p = L.ones(3); L.nn.functional.leaky_relu(p, 0.1, inplace=True)
    return [y, p]


def _v_optimizer_steps(L):
    p = L.nn.Parameter(L.ones(3)); q = L.nn.Parameter(L.ones(2))
    opt = L.optim.SGD([p, q], lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad(); (p * p).sum().backward(); opt.step()   # q has no gradient: not written
    return [p, q]


def _v_init_under_no_grad(L):
    lin = L.nn.Linear(3, 2); L.nn.init.zeros_(lin.weight); L.nn.init.ones_(lin.bias)
    with L.no_grad():
        lin.weight.uniform_(); lin.bias.normal_()
    return [lin.weight, lin.bias]


VERSION_CASES = [_v_fresh, _v_plain_writes, _v_setitem, _v_views, _v_detach, _v_data_alias, _v_graph_inplace,
                 _v_graph_view_write_through, _v_no_grad_view_of_graph_tensor, _v_detach_of_rebound_graph_tensor,
                 _v_plain_tensor_takes_graph_value, _v_random_fills, _v_inplace_activation, _v_optimizer_steps,
                 _v_init_under_no_grad]


@pytest.mark.parametrize("case", VERSION_CASES, ids=lambda f: f.__name__)
def test_version_counts_in_place_writes_as_torch(case):
    assert [t._version for t in case(tg)] == [t._version for t in case(torch)]


@pytest.mark.parametrize("module", ["ReLU", "SiLU", "Hardtanh", "ELU"])
def test_inplace_activation_module_on_a_saved_value_refuses_as_torch(module):
    import torch
    for lib in (torch, tg):
        y = lib.tensor([-1.0, 0.5, 2.0], requires_grad=True) * 1.0
        z = (y * y).sum()
        getattr(lib.nn, module)(inplace=True)(y)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.backward()


@pytest.mark.parametrize("op", ["t_", "unsqueeze_", "squeeze_"])
def test_version_counts_survive_the_in_place_view_ops(op):
    import torch
    counts = []
    for lib in (torch, tg):
        x = lib.ones(1, 3)
        x.add_(1)
        getattr(x, op)(0) if op != "t_" else x.t_()
        x.mul_(2)
        counts.append(x._version)
    assert counts[0] == counts[1], counts
