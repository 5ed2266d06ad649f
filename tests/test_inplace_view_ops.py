"""torch's in-place view ops (t_, transpose_, swapdims_, swapaxes_, squeeze_, unsqueeze_: the tensor keeps its memory
and changes shape) and fill_diagonal_, against torch: values, gradients, the views and aliases that share the memory,
the version check (each counts as a write), and refusals (leaves that require grad, multi-view outputs, bad input)."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from _inplace_runner import VERSION, assert_matches_torch


def _x(L, *shape):
    n = int(np.prod(shape))
    return L.tensor(np.linspace(-1.5, 2.0, n).reshape(shape), requires_grad=True)


def _weights(L, t):
    return L.tensor(np.arange(t.numel(), dtype=np.float64).reshape(tuple(t.shape)) / 3 - 1)


def _loss_and_grads(L, x, *outs):
    """Backward through sum(out * w) for each out; the values, shapes and x's gradient to compare."""
    sum(((o * _weights(L, o)).sum() for o in outs), L.tensor(0.0, dtype=L.float64)).backward()
    return [*outs, x.grad]


VIEW_OPS = {
    "t_": lambda L: (lambda x: (lambda y: _loss_and_grads(L, x, y.t_()))(x * 2.0))(_x(L, 2, 3)),
    "transpose_": lambda L: (lambda x: (lambda y: _loss_and_grads(L, x, y.transpose_(0, 2)))(x.exp()))(_x(L, 2, 3, 4)),
    "swapdims_": lambda L: (lambda x: (lambda y: _loss_and_grads(L, x, y.swapdims_(-1, 1)))(x * 1.0))(_x(L, 2, 3, 4)),
    "swapaxes_": lambda L: (lambda x: (lambda y: _loss_and_grads(L, x, y.swapaxes_(0, 1)))(x * 1.0))(_x(L, 3, 2)),
    "squeeze_": lambda L: (lambda x: (lambda y: _loss_and_grads(L, x, y.squeeze_()))(x * 3.0))(_x(L, 2, 1, 3, 1)),
    "squeeze_ dim": lambda L: (lambda x: (lambda y: _loss_and_grads(L, x, y.squeeze_(1)))(x * 3.0))(_x(L, 2, 1, 3, 1)),
    "squeeze_ dims": lambda L: (lambda x: (lambda y: _loss_and_grads(L, x, y.squeeze_((1, 3))))(x * 3.0))(
        _x(L, 2, 1, 3, 1)),
    "unsqueeze_": lambda L: (lambda x: (lambda y: _loss_and_grads(L, x, y.unsqueeze_(-1)))(x * 1.0))(_x(L, 2, 3)),
    "chain": lambda L: (lambda x: (lambda y: _loss_and_grads(L, x, y.squeeze_(0).unsqueeze_(1).t_()))(x * 1.0))(
        _x(L, 1, 3)),
}


def _graph_then(op):
    """y = x * 2 with views of y taken first; op changes y's shape in place, then y and the views are written
    (which reaches them all, through the memory they share) and used."""
    def case(L):
        x = _x(L, 2, 3)
        y = x * 2.0
        row, flat, d = y[0], y.view(6), y.detach()
        op(y)
        y.mul_(L.tensor(np.linspace(1, 2, y.numel()).reshape(tuple(y.shape))))
        row.add_(1.0)
        return _loss_and_grads(L, x, y, row, flat) + [d]
    return case


@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_in_place_view_op_matches_torch(name):
    assert_matches_torch(VIEW_OPS[name])


@pytest.mark.parametrize("op", ["t_", "transpose_", "unsqueeze_", "squeeze_ none", "no-op transpose_"])
def test_in_place_view_op_keeps_views_and_aliases_in_step(op):
    ops = {"t_": lambda y: y.t_(), "transpose_": lambda y: y.transpose_(1, 0), "unsqueeze_": lambda y: y.unsqueeze_(1),
           "squeeze_ none": lambda y: y.squeeze_(), "no-op transpose_": lambda y: y.transpose_(1, 1)}
    assert_matches_torch(_graph_then(ops[op]))


def view_of_graph_view(L):         # the view itself changes shape; its base keeps its own
    x = _x(L, 2, 3); y = x * 1.0; v = y[1]; v.unsqueeze_(0).t_(); y.mul_(2.0)
    return _loss_and_grads(L, x, v, y)


def plain_tensor_and_its_view(L):  # no graph: only shape and strides change; views see later writes
    x = L.tensor(np.arange(6.0).reshape(2, 3)); v = x.view(6); r = x[0]; x.t_(); x[0, 1] = 100.0; x.mul_(2.0)
    r.unsqueeze_(1); r += 1.0
    return [x, v, r]


def plain_view_takes_graph_value_after_t_(L):   # the base joins the graph through the transposed view
    w = _x(L, 3, 2); buf = L.zeros(2, 3, dtype=L.float64); v = buf[:, :]; v.t_(); v.copy_(w * 2.0)
    return _loss_and_grads(L, w, buf, v)


def leaf_under_no_grad(L):         # allowed without a graph, and the leaf keeps its new shape
    w = _x(L, 2, 3)
    with L.no_grad():
        w.t_()
    (w * _weights(L, w)).sum().backward()
    return [w, w.grad]


def split_piece_without_graph(L):
    a, b = L.ones(2, 3).split(1); a.t_(); return [a]


def leaf_refused(L):
    w = _x(L, 2, 3); w.t_(); return [w]


def leaf_no_op_refused(L):
    w = _x(L, 2, 2); w.transpose_(0, 0); return [w]


def view_of_leaf_refused(L):
    w = _x(L, 2, 3); w[0].unsqueeze_(0); return [w]


def split_piece_with_graph_refused(L):
    a, b = (_x(L, 2, 3) * 1.0).split(1); a.squeeze_(0); return [a]


def saved_output_then_t_(L):       # exp keeps its output: t_ counts as a write to it
    x = _x(L, 2, 3); y = x.exp(); y.t_(); y.sum().backward(); return [x.grad]


def saved_view_then_t_(L):
    x = _x(L, 2, 3); y = x * 1.0; v = y.view(6); z = (v * v).sum(); y.t_(); z.backward(); return [x.grad]


def saved_leaf_then_t_under_no_grad(L):
    w = _x(L, 2, 3); z = (w * w).sum()
    with L.no_grad():
        w.t_()
    z.backward(); return [w.grad]


def saved_plain_then_unsqueeze_(L):
    x = L.ones(3, dtype=L.float64); p = _x(L, 3); z = (p * x).sum(); x.unsqueeze_(0); z.backward(); return [p.grad]


def saved_output_then_no_op_transpose_(L):
    x = _x(L, 2, 2); y = x.exp(); y.transpose_(1, 1); y.sum().backward(); return [x.grad]


def saved_output_then_fill_diagonal_(L):
    x = _x(L, 3, 3); y = x.exp(); y.fill_diagonal_(0.0); y.sum().backward(); return [x.grad]


def saved_input_then_fill_diagonal_(L):
    x = _x(L, 2, 2); y = x * 2.0; z = (y * y).sum(); y.fill_diagonal_(0.0); z.backward(); return [x.grad]


@pytest.mark.parametrize("case", [view_of_graph_view, plain_tensor_and_its_view, plain_view_takes_graph_value_after_t_,
                                  leaf_under_no_grad, split_piece_without_graph, leaf_refused, leaf_no_op_refused,
                                  view_of_leaf_refused, split_piece_with_graph_refused],
                         ids=lambda f: f.__name__)
def test_in_place_view_op_case_matches_torch(case):
    assert_matches_torch(case)


@pytest.mark.parametrize("case", [saved_output_then_t_, saved_view_then_t_, saved_leaf_then_t_under_no_grad,
                                  saved_plain_then_unsqueeze_, saved_output_then_no_op_transpose_,
                                  saved_output_then_fill_diagonal_, saved_input_then_fill_diagonal_],
                         ids=lambda f: f.__name__)
def test_in_place_view_op_counts_as_a_write(case):
    for L in (torch, tg):  # torch counts each as a write to the memory that the graph saved: so do we
        with pytest.raises(RuntimeError, match=VERSION):
            case(L)


@pytest.mark.parametrize("call", ["transpose_(0, 2)", "transpose_(-3, 0)", "unsqueeze_(3)", "squeeze_(2)",
                                  "squeeze_((0, 5))", "swapdims_(0, 9)"])
def test_in_place_view_op_bad_dims_raise_as_torch(call):
    for L in (torch, tg):
        with pytest.raises(IndexError):
            eval(f"x.{call}", {"x": L.zeros(2, 3)})


def test_t_refuses_more_than_two_dims():
    for L in (torch, tg):
        with pytest.raises(RuntimeError, match="<= 2 dim"):
            L.zeros(2, 3, 4).t_()


def test_in_place_view_ops_return_self():
    x = tg.zeros(2, 1, 3)
    assert x.t_ is not None and x.squeeze_() is x and x.unsqueeze_(0) is x and x.transpose_(0, 2) is x
    assert x.shape == (3, 2, 1) and x.swapaxes_(0, 1) is x and x.swapdims_(0, 2) is x and x.shape == (1, 3, 2)


def test_in_place_view_ops_gradcheck_float64():
    from teenygrad.autograd import gradcheck

    def f(x, w):
        y = x * 1.0
        col = y[:, 1]
        y.t_()                              # (4, 3)
        y.mul_(w)                           # writes the memory col shares
        y.unsqueeze_(1).transpose_(0, 2)    # (3, 1, 4)
        y.squeeze_(1)
        y.fill_diagonal_(0.5)
        return y.tanh() + col.sum()

    x = tg.tensor(np.random.default_rng(4).standard_normal((3, 4)), requires_grad=True)
    w = tg.tensor(np.random.default_rng(5).standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(f, (x, w))


# ---- fill_diagonal_ ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (3, 5), (5, 3), (7, 3), (8, 3), (4, 3), (6, 1), (2, 9), (3, 3, 3), (0, 0)])
@pytest.mark.parametrize("wrap", [False, True])
def test_fill_diagonal_values_as_torch(shape, wrap):
    want = torch.zeros(shape).fill_diagonal_(5, wrap=wrap).numpy()
    np.testing.assert_array_equal(tg.zeros(shape).fill_diagonal_(5, wrap=wrap).numpy(), want)
    # the same positions in a transposed (non-contiguous) tensor, and in a view of a bigger one (torch's own strided
    # wrap can step out of a transposed tall tensor's memory: contiguous tensors give the answer)
    back = tuple(reversed(range(len(shape))))
    got = tg.zeros(shape[::-1]).permute(back).fill_diagonal_(5, wrap=wrap).numpy()
    np.testing.assert_array_equal(got, want)
    big = tg.ones(tuple(n + 2 for n in shape))
    inner = big[(slice(1, -1),) * len(shape)].fill_diagonal_(5, wrap=wrap)
    np.testing.assert_array_equal(inner.numpy(), np.where(want == 5, 5.0, 1.0))
    assert big.sum().item() == big.numel() + 4 * (want == 5).sum()


@pytest.mark.parametrize("value", [1.7, -2, True, 300, float("inf")])
@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool", "float32"])
def test_fill_diagonal_converts_the_value_as_torch(value, dtype):
    out = []
    for L in (torch, tg):
        try:
            out.append(L.zeros(3, 3, dtype=getattr(L, dtype)).fill_diagonal_(value).tolist())
        except RuntimeError:
            out.append("raised")
    assert str(out[0]) == str(out[1]), out


def fill_diagonal_graph(L):
    x = _x(L, 4, 3); y = x * 2.0; y.fill_diagonal_(-1.0, wrap=True)
    return _loss_and_grads(L, x, y)


def fill_diagonal_view_of_graph(L):
    x = _x(L, 4, 4); y = x.tanh(); v = y[1:, 1:]; v.fill_diagonal_(3.0)
    return _loss_and_grads(L, x, y, v)


def fill_diagonal_zero_d_tensor_value(L):
    x = L.zeros(3, 3); x.fill_diagonal_(L.tensor(2.5)); return [x]


def fill_diagonal_leaf_refused(L):
    w = _x(L, 3, 3); w.fill_diagonal_(0.0); return [w]


def fill_diagonal_leaf_under_no_grad(L):
    w = _x(L, 3, 3)
    with L.no_grad():
        w.fill_diagonal_(0.0)
    (w * w).sum().backward(); return [w, w.grad]


@pytest.mark.parametrize("case", [fill_diagonal_graph, fill_diagonal_view_of_graph, fill_diagonal_zero_d_tensor_value,
                                  fill_diagonal_leaf_refused, fill_diagonal_leaf_under_no_grad],
                         ids=lambda f: f.__name__)
def test_fill_diagonal_case_matches_torch(case):
    assert_matches_torch(case)


@pytest.mark.parametrize("shape,error", [((3,), RuntimeError), ((), RuntimeError), ((2, 3, 4), RuntimeError)])
def test_fill_diagonal_bad_shapes_raise_as_torch(shape, error):
    for L in (torch, tg):
        with pytest.raises(error):
            L.zeros(shape).fill_diagonal_(1)


@pytest.mark.parametrize("kw", [{"fill_value": "a"}, {"fill_value": [1.0]}, {"fill_value": 1, "wrap": 1}])
def test_fill_diagonal_bad_arguments_raise_as_torch(kw):
    for L in (torch, tg):
        with pytest.raises(TypeError):
            L.zeros(3, 3).fill_diagonal_(**kw)
    with pytest.raises(TypeError, match="fill_value must be a number"):
        tg.zeros(3, 3).fill_diagonal_(tg.ones(1))


# ---- a view taken under no_grad shares its base's memory, but torch refuses it an in-place op with a graph --------
def no_grad_view_of_leaf_takes_graph_value(L):
    w = _x(L, 3)
    with L.no_grad():
        v = (w * 1.0)[0]
    v.mul_(w[1]); return [v]


def no_grad_view_of_plain_copy_(L):
    buf = L.zeros(2, dtype=L.float64); w = _x(L, 2)
    with L.no_grad():
        v = buf[0]
    v.copy_(w[0] * 2.0); return [v, buf]


def no_grad_view_of_plain_written_without_graph(L):
    buf = L.zeros(2, dtype=L.float64)
    with L.no_grad():
        v = buf[0]
    v.mul_(2.0); v.add_(1.0); return [v, buf]


@pytest.mark.parametrize("case", [no_grad_view_of_leaf_takes_graph_value, no_grad_view_of_plain_copy_,
                                  no_grad_view_of_plain_written_without_graph], ids=lambda f: f.__name__)
def test_no_grad_view_modified_with_grad_mode_as_torch(case):
    assert_matches_torch(case)


# ---- the random fills refuse a leaf that requires grad, as torch, except under no_grad ---------------------------
RANDOM_FILLS = {"uniform_": (-0.5, 0.5), "normal_": (0.0, 2.0), "exponential_": (3.0,), "bernoulli_": (0.5,)}


@pytest.mark.parametrize("op", sorted(RANDOM_FILLS))
def test_random_fill_of_a_leaf_that_requires_grad_is_refused(op):
    for L in (torch, tg):
        w = _x(L, 2, 3)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            getattr(w, op)(*RANDOM_FILLS[op])
    w = _x(tg, 2, 3)
    with pytest.raises(RuntimeError, match=f"^{op}: "):  # ours names the op
        getattr(w, op)(*RANDOM_FILLS[op])
    np.testing.assert_array_equal(w.numpy(), _x(tg, 2, 3).numpy())  # and leaves the leaf as it was


@pytest.mark.parametrize("op", sorted(RANDOM_FILLS))
def test_random_fill_of_a_leaf_under_no_grad_as_nn_init_does(op):
    for L in (torch, tg):
        w = _x(L, 200)
        with L.no_grad():
            out = getattr(w, op)(*RANDOM_FILLS[op])
        assert out is w and w.requires_grad and w.grad_fn is None
        vals = w.detach().numpy()
        assert len(np.unique(vals)) > 1 and not np.allclose(vals, np.linspace(-1.5, 2.0, 200))
        if op == "bernoulli_":
            assert set(np.unique(vals)) == {0.0, 1.0}
        if op == "exponential_":
            assert vals.min() > 0
        if op == "uniform_":
            assert -0.5 <= vals.min() and vals.max() < 0.5
    lin = tg.nn.Linear(4, 3)  # nn.init fills parameters under no_grad itself
    tg.nn.init.uniform_(lin.weight, -0.1, 0.1); tg.nn.init.normal_(lin.bias)
    assert np.abs(lin.weight.numpy()).max() <= 0.1


def random_fill_of_a_graph_tensor(L, op):   # the old value gets a zero gradient; the rest of the graph is kept
    w = _x(L, 2, 3)
    y = w * 2.0
    getattr(y, op)(*RANDOM_FILLS[op])
    (y * 3.0 + w * w).sum().backward(); return [w.grad]


def random_fill_of_a_saved_graph_tensor(L, op):   # Mul saved y: the fill overwrites it
    w = _x(L, 2, 3)
    y = w * 2.0
    z = (y * y).sum()
    getattr(y, op)(*RANDOM_FILLS[op])
    z.backward(); return [w.grad]


def random_fill_of_a_view_of_a_graph_tensor(L, op):
    w = _x(L, 2, 3)
    y = w * 2.0
    getattr(y[1], op)(*RANDOM_FILLS[op])
    (y * _weights(L, y)).sum().backward(); return [w.grad]


@pytest.mark.parametrize("case", [random_fill_of_a_graph_tensor, random_fill_of_a_saved_graph_tensor,
                                  random_fill_of_a_view_of_a_graph_tensor], ids=lambda f: f.__name__)
@pytest.mark.parametrize("op", sorted(RANDOM_FILLS))
def test_random_fill_with_a_graph_as_torch(op, case):
    assert_matches_torch(lambda L: case(L, op), VERSION + "|leaf Variable")
