"""In-place ops on views of graph tensors write through to the base, as in torch (values and gradients)."""
import numpy as np
import pytest
import torch

import teenygrad as tg


def _run(lib, steps):
    x = lib.tensor(np.arange(12, dtype=np.float32).reshape(3, 4) - 5.0, requires_grad=True)
    y = x * 1.5
    steps(lib, y)
    w = lib.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))
    (y * w).sum().backward()
    return y.detach().numpy(), x.grad.numpy()


CASES = {
    "getitem row": lambda lib, y: y[0].mul_(2),
    "getitem 0-d": lambda lib, y: y[1, 2].add_(7),
    "slice step": lambda lib, y: y[:, ::2].mul_(-3),
    "transpose then row": lambda lib, y: y.t()[1].add_(10),
    "view then slice": lambda lib, y: y.view(12)[2:7].mul_(0.5),
    "reshape then index": lambda lib, y: y.reshape(2, 6)[1, 1:4].sub_(1),
    "index-op-assign": lambda lib, y: y[2].__imul__(5),
    "setitem form": lambda lib, y: y.__setitem__(1, y[1] * 5),
    "fill_ view": lambda lib, y: y[0].fill_(3),
    "copy_ view": lambda lib, y: y[:, 1].copy_(lib.tensor([1.0, 2.0, 3.0])),
    "clamp_ view": lambda lib, y: y[1:].clamp_(-2, 2),
    "two views": lambda lib, y: (y[0].mul_(2), y[:, 0].add_(1)),
    "permute then squeeze-free view": lambda lib, y: y.permute(1, 0)[::2].mul_(4),
}


@pytest.mark.parametrize("name", list(CASES))
def test_inplace_on_view_writes_through(name):
    yt, gt = _run(torch, CASES[name])
    yg, gg = _run(tg, CASES[name])
    np.testing.assert_allclose(yg, yt, rtol=1e-6)
    np.testing.assert_allclose(gg, gt, rtol=1e-6)


def test_view_keeps_its_graph_after_write_through():
    # the view itself is a graph tensor again: using it later sends gradient through the base's new node
    for lib in (torch, tg):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = x * 2
        v = y[1:3]
        v.mul_(x[:2])
        (v.sum() * 3 + y.sum()).backward()
        if lib is torch:
            want = (y.detach().numpy(), x.grad.numpy())
    np.testing.assert_allclose(y.detach().numpy(), want[0])
    np.testing.assert_allclose(x.grad.numpy(), want[1])


def test_in_place_value_that_needs_grad_into_view_of_plain_tensor():
    for lib in (torch, tg):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = lib.zeros(2, 3) * 1.0
        y.requires_grad_(False)
        y2 = y * a    # a graph tensor
        y2[1].copy_(a * 4)
        y2.sum().backward()
        if lib is torch:
            want = (y2.detach().numpy(), a.grad.numpy())
    np.testing.assert_allclose(y2.detach().numpy(), want[0])
    np.testing.assert_allclose(a.grad.numpy(), want[1])


def test_view_of_leaf_that_requires_grad_is_refused():
    a = tg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        a[0].mul_(2)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        a.view(3, 1).add_(1)
    with tg.no_grad():           # without a graph it is a plain write into a's memory
        a[0].mul_(2)
    assert a.detach().numpy().tolist() == [2.0, 1.0, 1.0]


def test_expanded_view_is_refused():
    y = tg.ones(3, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="single memory location"):
        y.expand(2, 3).mul_(2)


def test_copying_ops_are_not_views():
    # torch.flip and F.pad return new tensors: writing into the result leaves the input alone
    z = tg.ones(3)
    f = z.flip(0)
    f.add_(1)
    p = tg.nn.functional.pad(z, (0, 0))
    p.add_(5)
    assert z.numpy().tolist() == [1.0, 1.0, 1.0]
    # a reshape that had to copy is not a view either: in place on it touches only it
    x = tg.arange(6.0).reshape(2, 3).requires_grad_(True)
    y = x * 1
    s = y.t().reshape(6)   # (3, 2) transposed is not C-contiguous: reshape copies
    s.add_(100)
    assert float(y.sum().item()) == 15.0
    s.sum().backward()
    assert x.grad.numpy().tolist() == [[1.0] * 3] * 2


def test_zero_d_getitem_is_a_view():
    a = tg.arange(4.0)
    v = a[2]
    v.add_(10)
    assert a.numpy().tolist() == [0.0, 1.0, 12.0, 3.0]


def test_plain_tensor_view_takes_a_value_that_needs_grad():
    # y needs no grad; writing a graph value into a view of it puts the numbers into y's memory (as torch),
    # and the view joins the graph
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    out = {}
    for lib in (torch, tg):
        w = lib.tensor(a, requires_grad=True)
        y = lib.zeros(2, 3)
        v = y[1]
        v.copy_(w * 2)
        (v * v).sum().backward()
        out[lib] = (y.detach().numpy().copy(), w.grad.numpy())
    for got, want in zip(out[tg], out[torch]):
        np.testing.assert_allclose(got, want)


def test_plain_tensor_shared_with_numpy_sees_a_graph_value():
    buf = np.zeros(3, np.float32)
    t = tg.from_numpy(buf)
    w = tg.ones(3, requires_grad=True)
    t.add_(w * 5)
    assert buf.tolist() == [5.0, 5.0, 5.0]
    t.sum().backward()
    assert w.grad.numpy().tolist() == [5.0, 5.0, 5.0]


def test_write_through_gradcheck_float64():
    # finite differences in float64 through ViewScatter (views of views, a value that reads the base too)
    from teenygrad.autograd import gradcheck

    def f(x, w):
        y = x * 1.0
        y.t()[1:3].mul_(w)            # a (2, 3) row block of y^T: a column block of y
        y.view(-1)[::4].add_(x.sum())
        return y.tanh()

    x = tg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    w = tg.tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    assert gradcheck(f, (x, w))


# ---- views taken before their base changes in place see the change (values and gradients), as torch's ----------
VIEWS = {
    "row": lambda y: y[0],
    "slice": lambda y: y[:, 1:],
    "view": lambda y: y.view(6, 4),
    "transpose": lambda y: y.transpose(0, 2),
    "t of a row": lambda y: y[1].t(),
    "expand": lambda y: y[:, :1].expand(2, 5, 4),
    "unsqueeze": lambda y: y.unsqueeze(1),
    "narrow": lambda y: y.narrow(2, 1, 2),
    "select": lambda y: y.select(1, 2),
    "flatten": lambda y: y.flatten(),
    "view of a view": lambda y: y[1][2],
    "movedim": lambda y: y.movedim(0, 2),
    "diagonal": lambda y: y.diagonal(dim1=1, dim2=2),
}
CHANGES = {
    "mul_": lambda y: y.mul_(3),
    "setitem": lambda y: y.__setitem__((0, 1), 5.0),
    "through another view": lambda y: y[1].add_(1),
    "copy_": lambda y: y.copy_(y * 0 + 1.5),
}


def _earlier_view(lib, view, change):
    x = lib.tensor(np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7, requires_grad=True)
    y = x * 2
    v = view(y)
    change(y)
    value = v.detach().numpy().copy()
    (v * v).sum().backward()
    return value, x.grad.numpy().copy()


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("view", list(VIEWS))
def test_earlier_view_sees_in_place_change_of_its_base(view, change):
    want = _earlier_view(torch, VIEWS[view], CHANGES[change])
    got = _earlier_view(tg, VIEWS[view], CHANGES[change])
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)


def test_copying_view_does_not_follow_its_base():
    # a reshape that copied and an advanced index are new tensors: a later change of y does not reach them
    x = tg.arange(6.0).reshape(2, 3).requires_grad_(True)
    y = x * 1
    s, a = y.t().reshape(6), y[[0, 1], [1, 1]]
    y.mul_(10)
    assert s.numpy().tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    assert a.numpy().tolist() == [1.0, 4.0]


def test_setitem_on_a_view_of_a_graph_tensor_writes_through():
    out = {}
    for lib in (torch, tg):
        w = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = lib.ones(2, 3) * w
        v = y[1]
        v[0:2] = w[1:] * 4
        (y * y).sum().backward()
        out[lib] = (y.detach().numpy().copy(), w.grad.numpy())
    for got, want in zip(out[tg], out[torch]):
        np.testing.assert_allclose(got, want)


def test_setitem_of_graph_value_into_plain_buffer_keeps_its_views():
    # hs = zeros(...); row = hs[0]; hs[0] = h: row shares hs's memory and shows h's values
    h = tg.tensor([1.0, 2.0], requires_grad=True)
    hs = tg.zeros(2, 2)
    row = hs[0]
    hs[0] = h * 3
    assert row.numpy().tolist() == [3.0, 6.0]
    hs.sum().backward()
    assert h.grad.numpy().tolist() == [3.0, 3.0]


def test_refreshed_views_gradcheck_float64():
    from teenygrad.autograd import gradcheck

    def f(x, w):
        y = x * 1.0
        d, col = y.diagonal(), y[:, 1]
        y.mul_(w)                      # both views are taken again from y's new value
        y[2:].add_(x[:1])
        return d * col.sum() + col.tanh()

    x = tg.tensor(np.random.default_rng(2).standard_normal((3, 3)), requires_grad=True)
    w = tg.tensor(np.random.default_rng(3).standard_normal((3, 3)), requires_grad=True)
    assert gradcheck(f, (x, w))


def test_diagonal_is_a_writable_view():
    for lib in (torch, tg):
        a = lib.ones(2, 3, 3)
        a.diagonal(1, 1, 2).fill_(0)
        a.diagonal(dim1=-1, dim2=-2).mul_(5)
        if lib is torch:
            want = a.numpy().copy()
    np.testing.assert_array_equal(a.numpy(), want)
    e = tg.ones(3).expand(3, 3)   # read-only memory stays read-only through diagonal
    with pytest.raises(RuntimeError):
        e.diagonal().add_(1)
    with pytest.raises(TypeError, match="diagonal: offset"):
        tg.ones(3, 3).diagonal(1.5)


def test_data_and_detach_aliases_follow_in_place_changes():
    # .data and detach() share memory with their tensor (torch: storage); a graph tensor changed in place keeps
    # them in step, and writing into the alias reaches the tensor
    out = {}
    for lib in (torch, tg):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        d, e = y.data, y.detach()
        y.mul_(3)
        y[0] = 7.0
        e.add_(1)
        out[lib] = (d.numpy().copy(), e.numpy().copy(), y.detach().numpy().copy())
    for got, want in zip(out[tg], out[torch]):
        np.testing.assert_array_equal(got, want)


def test_plain_views_join_the_graph_with_their_base():
    # views of a tensor without a graph, taken before it (or they) take a graph value in place, carry the gradient
    # as torch's views of shared storage do (they used to keep the values and silently drop the gradient path)
    import torch
    got = []
    for L in (torch, tg):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        out = L.zeros(2, 3)
        out[:, 0].copy_(x * 2)          # a plain getitem view takes the value: the base joins the graph
        out.t()[1].add_(x)              # a view of a view of it
        early = L.zeros(3)
        v, r = early[1:], early.reshape(3, 1)
        early.copy_(L.cat([x[:1], x]) * 3)   # the base takes the value: its earlier views follow
        loss = ((out * L.arange(6.0).reshape(2, 3)).sum() + (v * L.tensor([1.0, 10.0])).sum()
                + (r * 5).sum() + x.sum())
        loss.backward()
        got.append(x.grad.numpy() if L is tg else x.grad.detach().numpy())
        copy = L.ones(3, 4).t().reshape(12)  # reshape of a transposed tensor copies: no view, no gradient link
        assert not copy.requires_grad
    np.testing.assert_allclose(got[1], got[0])


def test_plain_reshape_copy_does_not_follow_its_source():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    base = tg.ones(3, 2)
    flat = base.t().reshape(6)           # a copy (no view of base's memory)
    base.copy_(x.expand(3, 2) * 1)
    assert flat.tolist() == [1.0] * 6 and not flat.requires_grad


@pytest.mark.parametrize("value", [300, -1, 2.7, float("nan"), 1e40])
@pytest.mark.parametrize("dtype", ["uint8", "int64", "float16", "float32"])
def test_fill_converts_python_numbers_as_torch(value, dtype):
    # fill_ used to wrap overflowing integers and write garbage for nan/inf into integer tensors
    import torch
    out = []
    for L in (torch, tg):
        try:
            out.append(L.zeros(2, dtype=getattr(L, dtype)).fill_(value).tolist())
        except RuntimeError:
            out.append("raised")
    assert str(out[0]) == str(out[1]), out


@pytest.mark.parametrize("case", ["u8_add_neg", "u8_mul_neg", "i8_add_big", "bool_floordiv", "bool_and_int",
                                  "i64_sub_big"])
def test_integer_in_place_results_as_torch(case):
    # u8 += -3 raised numpy's OverflowError (torch wraps modulo 2^8); bool //= 2 wrote an int result into a bool
    import torch
    ops = {"u8_add_neg": lambda L: L.tensor([1, 2], dtype=L.uint8).add_(-3),
           "u8_mul_neg": lambda L: L.tensor([10, 2], dtype=L.uint8).mul_(-3),
           "i8_add_big": lambda L: L.tensor([1, 2], dtype=L.int8).add_(300),
           "bool_floordiv": lambda L: L.tensor([True, False]).__ifloordiv__(2),
           "bool_and_int": lambda L: L.tensor([True]).__iand__(L.tensor([3])),
           "i64_sub_big": lambda L: L.tensor([1, 2]).sub_(2 ** 62)}
    out = []
    for L in (torch, tg):
        try:
            out.append(ops[case](L).tolist())
        except RuntimeError:
            out.append("raised")
    assert out[0] == out[1], out
