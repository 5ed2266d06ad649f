"""torch's autograd API beyond backward(): custom Functions written torch-style, autograd.grad, Tensor.register_hook
and backward(inputs=...). Every test runs the same code on teenygrad and on PyTorch (the oracle) and compares."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.autograd import gradcheck, once_differentiable
from helpers import compare, rand, make_pair, assert_close, GRAD


def fns(lib):
    """The same custom Functions, subclassing lib.autograd.Function (teenygrad's or torch's)."""
    class Sq(lib.autograd.Function):
        """y = x^k;  dx = dy k x^(k-1) (k: a plain number, no gradient)"""
        @staticmethod
        def forward(ctx, x, k=2.0):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** k

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * ctx.k * x ** (ctx.k - 1), None

    class MulAdd(lib.autograd.Function):
        """z = x * y + c;  dx = dz y, dy = dz x (y broadcasts over x's rows)"""
        @staticmethod
        def forward(ctx, x, y, c):
            ctx.save_for_backward(x, y)
            return x * y + c

        @staticmethod
        @once_differentiable if lib is tg else torch.autograd.function.once_differentiable
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            gx = g * y if ctx.needs_input_grad[0] else None
            gy = (g * x).sum(0) if ctx.needs_input_grad[1] else None
            return gx, gy, None

    class SinCos(lib.autograd.Function):
        """two outputs: (sin x, cos x);  dx = da cos x - db sin x"""
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin(), x.cos()

        @staticmethod
        def backward(ctx, ga, gb):
            x, = ctx.saved_tensors
            return ga * x.cos() - gb * x.sin()

    class ScaleArgmax(lib.autograd.Function):
        """(2 x, argmax x, 3 x): the integer output is not differentiable; backward still gets one grad per output"""
        @staticmethod
        def forward(ctx, x):
            return x * 2, x.argmax(), x * 3

        @staticmethod
        def backward(ctx, ga, gi, gc):
            assert gi is not None and gi.shape == () and gc.shape == ga.shape
            return ga * 2 + gc * 3

    class Halves(lib.autograd.Function):
        """(x / 2, x / 2 marked non-differentiable)"""
        @staticmethod
        def forward(ctx, x):
            a, b = x / 2, x / 2
            ctx.mark_non_differentiable(b)
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            assert not gb.any()  # zeros: nothing can reach a non-differentiable output
            return ga / 2

    class Cube(lib.autograd.Function):
        """torch 2's style: forward without ctx, setup_context saves what backward needs"""
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 3 * g * x * x

    return dict(Sq=Sq, MulAdd=MulAdd, SinCos=SinCos, ScaleArgmax=ScaleArgmax, Halves=Halves, Cube=Cube)


TG, TH = fns(tg), fns(torch)


def F(lib):
    return TG if lib is tg else TH


# ---- custom Functions: values and gradients against torch ---------------------------------------------------
@pytest.mark.parametrize("case", ["default_k", "k3", "k_keyword"])
def test_custom_function_matches_torch(case):
    call = {"default_k": lambda f, x: f.apply(x), "k3": lambda f, x: f.apply(x, 3.0),
            "k_keyword": lambda f, x: f.apply(x, k=3.0)}[case]
    compare(lambda L, x: call(F(L)["Sq"], x), [rand((3, 4), seed=1)])


def test_custom_function_used_twice_on_a_non_leaf_input():
    def fn(L, x, w):
        h = x @ w  # a non-leaf input
        sq = F(L)["Sq"]
        return sq.apply(sq.apply(h), 3.0) + sq.apply(h) * h
    compare(fn, [rand((3, 4), seed=1, low=-1, high=1), rand((4, 2), seed=2, low=-1, high=1)])


@pytest.mark.parametrize("grad", [[True, True, False], [True, False, False], [False, True, False]])
def test_custom_function_several_inputs_and_needs_input_grad(grad):
    compare(lambda L, x, y, c: F(L)["MulAdd"].apply(x, y, c), [rand((3, 4), seed=1), rand((4,), seed=2),
                                                             rand((3, 4), seed=3)], grad=grad)


def test_needs_input_grad_and_grad_mode_inside_match_torch():
    seen = {}
    for L in (tg, torch):
        class Probe(L.autograd.Function):
            @staticmethod
            def forward(ctx, x, y, k):
                seen[L, "fwd"] = (ctx.needs_input_grad, L.is_grad_enabled())
                return x * y * k

            @staticmethod
            def backward(ctx, g):
                seen[L, "bwd"] = (ctx.needs_input_grad, L.is_grad_enabled())
                return g, g, None
        x, y = L.ones(2, requires_grad=True), L.ones(2)
        Probe.apply(x, y, 2.0).sum().backward()
        with L.no_grad():
            seen[L, "no_grad"] = Probe.apply(x, y, 2.0).requires_grad
    for k in ("fwd", "bwd", "no_grad"):
        assert seen[tg, k] == seen[torch, k], k
    assert seen[tg, "fwd"] == ((True, False, False), False)


@pytest.mark.parametrize("use", ["both", "first", "second"])
def test_two_output_function(use):
    def fn(L, x):
        a, b = F(L)["SinCos"].apply(x)
        return {"both": (a, b), "first": (a,), "second": (b,)}[use]
    compare(fn, [rand((2, 3), seed=4)])


def test_two_output_function_gradients_kept_apart():
    # retain_grad and hooks see each output's own gradient, not their sum
    got = {}
    for L in (tg, torch):
        x = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
        a, b = F(L)["SinCos"].apply(x)
        a.retain_grad()
        b.register_hook(lambda g, L=L: got.__setitem__(L, g.clone()))
        (a * 2 + b * 5).sum().backward()
        got[L, "a"], got[L, "x"] = a.grad, x.grad
    assert got[tg, "a"].tolist() == [2.0, 2.0, 2.0] and got[tg].tolist() == [5.0, 5.0, 5.0]
    assert_close(got[tg, "x"], got[torch, "x"], "x.grad", **GRAD)


def test_integer_and_non_differentiable_outputs():
    def fn(L, x):
        a, i, c = F(L)["ScaleArgmax"].apply(x)
        h, nd = F(L)["Halves"].apply(x)
        assert not i.requires_grad and i.grad_fn is None and not nd.requires_grad
        return a + h, i, nd
    compare(fn, [rand((5,), seed=5)])
    compare(lambda L, x: F(L)["ScaleArgmax"].apply(x)[2], [rand((5,), seed=6)])  # only the third output used


def test_setup_context_style():
    compare(lambda L, x: F(L)["Cube"].apply(x), [rand((2, 3), seed=7)])


def test_gradcheck_custom_function_float64():
    x = tg.tensor(rand((3, 4), seed=1).astype(np.float64), requires_grad=True)
    y = tg.tensor(rand((4,), seed=2).astype(np.float64), requires_grad=True)
    c = tg.tensor(rand((3, 4), seed=3).astype(np.float64))
    assert gradcheck(lambda x, y, c: TG["MulAdd"].apply(x, y, c), [x, y, c])
    assert gradcheck(lambda x: TG["SinCos"].apply(x), [x])
    assert gradcheck(lambda x: TG["Sq"].apply(x, 3.0), [x])


def test_no_input_requires_grad_gives_forward_result_without_graph():
    x = tg.tensor([1.0, 2.0])
    y = TG["Sq"].apply(x)
    assert y.tolist() == [1.0, 4.0] and not y.requires_grad and y.grad_fn is None
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with tg.no_grad():
        z = TG["Sq"].apply(w)
    assert not z.requires_grad and z.grad_fn is None


def test_input_returned_as_is():
    for L in (tg, torch):
        class Ident(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 3
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = Ident.apply(x)
        assert y is not x and x.is_leaf and not y.is_leaf
        y.sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]


def test_grad_fn_name_and_repr():
    x = tg.tensor([1.0], requires_grad=True)
    y = TG["Sq"].apply(x)
    assert "grad_fn=<SqBackward>" in repr(y)
    assert "grad_fn=<SqBackward>" in repr(TH["Sq"].apply(torch.tensor([1.0], requires_grad=True)))


def _bad(L, backward):
    class Bad(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, k=1.0):
            return x * k
    Bad.backward = staticmethod(backward)
    return Bad


@pytest.mark.parametrize("backward, match", [
    (lambda ctx, g: g, r"function BadBackward returned an incorrect number of gradients \(expected 2, got 1\)"),
    (lambda ctx, g: (g, None, g), r"incorrect number of gradients \(expected 2, got 3\)"),
    (lambda ctx, g: (g[:2], None), r"Function BadBackward returned an invalid gradient at index 0 - got"),
    (lambda ctx, g: (g.sum(), None), r"invalid gradient at index 0 - got .* expected shape compatible with"),
    (lambda ctx, g: (g, g), r"gradient different than None at position 2"),
])
def test_custom_backward_errors(backward, match):
    for L in (tg, torch):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with pytest.raises(RuntimeError, match=match):
            _bad(L, backward).apply(x, 2.0).sum().backward()


def test_custom_backward_extra_nones_dtype_cast_and_broadcast_gradient_like_torch():
    for L in (tg, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        _bad(L, lambda ctx, g: (g.double(), None, None)).apply(x).sum().backward()
        assert x.grad.dtype == L.float32 and x.grad.tolist() == [1.0, 1.0]
        x.grad = None
        _bad(L, lambda ctx, g: (L.stack([g, g * 2]), None)).apply(x).sum().backward()  # summed down to x's shape
        assert x.grad.tolist() == [3.0, 3.0]


def test_saved_tensors_freed_after_backward_and_kept_with_retain_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = TG["Sq"].apply(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_saved_tensor_modified_in_place_is_an_error():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = TG["Sq"].apply(h)
    h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ---- Tensor.register_hook ---------------------------------------------------------------------------------
def _hook_run(L, a, b, hooks_on, scale_leaf=None, scale_mid=None):
    """h = a * b, loss = (h^2).sum() + a.sum(); hooks as asked; returns (a.grad, b.grad, seen gradients)."""
    x, y = make_pair(a, True)[L is torch], make_pair(b, True)[L is torch]
    seen = []
    h = x * y
    if "leaf" in hooks_on:
        x.register_hook(lambda g: seen.append(("x", g.clone())) or (None if scale_leaf is None else g * scale_leaf))
    if "mid" in hooks_on:
        h.register_hook(lambda g: seen.append(("h", g.clone())) or (None if scale_mid is None else g * scale_mid))
    ((h * h).sum() + x.sum()).backward()
    return x.grad, y.grad, seen


@pytest.mark.parametrize("hooks_on, scale_leaf, scale_mid", [
    (("leaf",), None, None), (("leaf",), 3.0, None), (("mid",), None, None), (("mid",), None, -2.0),
    (("leaf", "mid"), 0.5, 4.0)])
def test_hooks_match_torch(hooks_on, scale_leaf, scale_mid):
    a, b = rand((2, 3), seed=1), rand((2, 3), seed=2)
    got = _hook_run(tg, a, b, hooks_on, scale_leaf, scale_mid)
    want = _hook_run(torch, a, b, hooks_on, scale_leaf, scale_mid)
    assert_close(got[0], want[0], "x.grad", **GRAD)
    assert_close(got[1], want[1], "y.grad", **GRAD)
    assert [n for n, _ in got[2]] == [n for n, _ in want[2]]
    for (n, g), (_, w) in zip(got[2], want[2]):
        assert_close(g, w, f"gradient seen by the hook on {n}", **GRAD)


def test_hooks_run_in_order_and_remove():
    for L in (tg, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        order = []
        h1 = h.register_hook(lambda g: order.append(1) or g + 1)
        h.register_hook(lambda g: order.append(2) or g * 10)
        lh = x.register_hook(lambda g: order.append(3) or g * 2)
        h.sum().backward(retain_graph=True)
        assert order == [1, 2, 3] and x.grad.tolist() == [120.0, 120.0]  # ((1 + 1) * 10) * 3 * 2
        h1.remove()
        lh.remove()
        x.grad = None
        h.sum().backward()
        assert order == [1, 2, 3, 2] and x.grad.tolist() == [30.0, 30.0]


def test_hook_with_retain_grad_sees_modified_gradient_like_torch():
    got = {}
    for L in (tg, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        h.retain_grad()
        h.register_hook(lambda g: g * 10)
        (h * h).sum().backward()
        got[L] = (h.grad.tolist(), x.grad.tolist())
    assert got[tg] == got[torch]


def test_hook_on_backward_root_and_leaf_root():
    for L in (tg, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = (x * 2).sum()
        y.register_hook(lambda g: g * 5)
        y.backward()
        assert x.grad.tolist() == [10.0, 10.0]
        z = L.tensor([1.0, 2.0], requires_grad=True)
        z.register_hook(lambda g: g * 7)
        z.backward(L.tensor([1.0, 1.0]))
        assert z.grad.tolist() == [7.0, 7.0]


def test_hook_errors():
    for L in (tg, torch):
        with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
            L.ones(2).register_hook(lambda g: g)
        x = L.ones(3, requires_grad=True)
        x.register_hook(lambda g: g[:2])
        with pytest.raises(RuntimeError, match="has changed the size of value"):
            (x * 2).sum().backward()


# ---- autograd.grad ------------------------------------------------------------------------------------------
def _grad_case(L, a, w, wrt):
    x, W = make_pair(a, True)[L is torch], make_pair(w, True)[L is torch]
    h = (x @ W).tanh()
    if wrt == "retained":
        h.retain_grad()
    loss = (h * h).sum() + x.sum()
    inputs = {"leaf": [x, W], "mid": [h], "both": [h, x], "retained": [W]}[wrt]
    grads = L.autograd.grad(loss, inputs)
    return grads, x.grad, W.grad, h.grad if h.retains_grad else None


@pytest.mark.parametrize("wrt", ["leaf", "mid", "both", "retained"])
def test_grad_matches_torch_and_leaves_grads_alone(wrt):
    a, w = rand((3, 4), seed=1), rand((4, 2), seed=2)
    got, want = _grad_case(tg, a, w, wrt), _grad_case(torch, a, w, wrt)
    assert len(got[0]) == len(want[0])
    for i, (g, t) in enumerate(zip(got[0], want[0])):
        assert not g.requires_grad
        assert_close(g, t, f"gradient {i}", **GRAD)
    assert got[1] is None and got[2] is None  # leaves' .grad untouched
    if wrt == "retained":  # torch still fills a retained tensor's .grad
        assert_close(got[3], want[3], "retained h.grad", **GRAD)


def test_grad_several_outputs_and_grad_outputs():
    a = rand((2, 3), seed=3)
    go = rand((2, 3), seed=4)
    res = []
    for L in (tg, torch):
        x = make_pair(a, True)[L is torch]
        y1, y2 = x.sin(), (x * x).sum()
        res.append(L.autograd.grad([y1, y2], [x], grad_outputs=[L.tensor(go), None]))
        res.append(L.autograd.grad(x.exp(), x, L.tensor(go)))
    assert_close(res[0][0], res[2][0], "two outputs", **GRAD)
    assert_close(res[1][0], res[3][0], "grad_outputs", **GRAD)


def test_grad_retain_graph():
    for L in (tg, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        g1, = L.autograd.grad(y, x, retain_graph=True)
        g2, = L.autograd.grad(y, x)
        assert g1.tolist() == g2.tolist() == [2.0, 4.0]
        with pytest.raises(RuntimeError, match="second time"):
            L.autograd.grad(y, x)


def test_grad_unused_inputs():
    for L in (tg, torch):
        x, u = L.tensor([1.0, 2.0], requires_grad=True), L.tensor([3.0], requires_grad=True)
        y = (x * 2).sum()
        with pytest.raises(RuntimeError, match="index 1 appears to not have been used in the graph"):
            L.autograd.grad(y, [x, u], retain_graph=True)
        gx, gu = L.autograd.grad(y, [x, u], retain_graph=True, allow_unused=True)
        assert gx.tolist() == [2.0, 2.0] and gu is None
        gx, gu = L.autograd.grad(y, [x, u], retain_graph=True, materialize_grads=True)
        assert gu.tolist() == [0.0]
        with pytest.raises(ValueError, match="allow_unused"):
            L.autograd.grad(y, [x, u], allow_unused=False, materialize_grads=True)


@pytest.mark.parametrize("case, match", [
    ("no_grad_input", "does not require grad"),
    ("non_scalar", "grad can be implicitly created only for scalar outputs"),
    ("output_no_grad", "element 0 of tensors does not require grad"),
    ("empty", "cannot be empty"),
    ("shape", "Mismatch in shape: grad_output\\[0\\] has a shape of"),
])
def test_grad_errors(case, match):
    for L in (tg, torch):
        x, c = L.tensor([1.0, 2.0], requires_grad=True), L.tensor([1.0, 2.0])
        args = {"no_grad_input": ((x * c).sum(), [x, c]), "non_scalar": (x * 2, [x]),
                "output_no_grad": (c.sum(), [x]), "empty": ((x * 2).sum(), []),
                "shape": (x * 2, [x], L.ones(3))}[case]
        with pytest.raises(RuntimeError, match=match):
            L.autograd.grad(*args)


def test_grad_create_graph_gives_a_differentiable_gradient():
    x = tg.tensor([1.5], requires_grad=True)
    (g,) = tg.autograd.grad((x * x * x).sum(), x, create_graph=True)  # 3 x^2, tested in depth in test_double_backward
    assert g.requires_grad
    (gg,) = tg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), [9.0])


def test_grad_runs_only_what_leads_to_the_inputs():
    # an intermediate input: nothing below it runs (no backward, no hook), as in torch
    for L in (tg, torch):
        calls = []

        class Count(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                calls.append(1)
                return g * 2
        x = L.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: calls.append("leaf hook"))
        c = Count.apply(x)
        h = c + 1
        g, = L.autograd.grad((h * h).sum(), h, retain_graph=True)
        assert g.tolist() == [6.0, 10.0] and calls == [] and x.grad is None
        g, = L.autograd.grad((h * h).sum(), c)  # c's own backward is not needed either
        assert g.tolist() == [6.0, 10.0] and calls == [] and x.grad is None


def test_grad_with_hooks_like_torch():
    got = {}
    for L in (tg, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: g + 1)
        h = x * 2
        h.register_hook(lambda g: g * 10)
        got[L, "leaf"] = L.autograd.grad((h * h).sum(), x)[0].tolist()
        h = x * 2
        h.register_hook(lambda g: g * 10)
        got[L, "mid"] = L.autograd.grad((h * h).sum(), h)[0].tolist()
    assert got[tg, "leaf"] == got[torch, "leaf"] and got[tg, "mid"] == got[torch, "mid"]


# ---- backward(inputs=...) ------------------------------------------------------------------------------------
def test_backward_inputs_accumulates_only_into_listed_tensors():
    a, b = rand((3,), seed=1), rand((3,), seed=2)
    res = {}
    for L in (tg, torch):
        x, y = make_pair(a, True)[L is torch], make_pair(b, True)[L is torch]
        u = L.ones(2, requires_grad=True)
        h = x * 2
        loss = (h * y).sum()
        loss.backward(inputs=[x], retain_graph=True)
        loss.backward(inputs=[x, h, u], retain_graph=True)  # x accumulates, h (a non-leaf) gets .grad
        res[L] = (x.grad, y.grad, h.grad, u.grad)
        with pytest.raises(RuntimeError, match="cannot be empty"):
            loss.backward(inputs=[])
    assert res[tg][1] is None and res[torch][1] is None and res[tg][3] is None and res[torch][3] is None
    assert_close(res[tg][0], res[torch][0], "x.grad", **GRAD)
    assert_close(res[tg][2], res[torch][2], "h.grad", **GRAD)


def test_gradients_handed_out_never_alias_each_other_or_user_tensors():
    # backward(inputs=[h]) with h retained: counted once; grad()/backward(inputs=) results are their own memory;
    # a hook's or a custom backward's returned tensor is copied, not adopted as .grad
    out = {}
    for lib in (torch, tg):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        h.retain_grad()
        (h * 3).sum().backward(inputs=[h])
        once = h.grad.numpy().copy()
        h2 = x + 0
        h2.retain_grad()
        (h2 * 1).sum().backward(inputs=[x])
        x.grad.mul_(0)
        kept = h2.grad.numpy().copy()
        h3 = x + 0
        h3.retain_grad()
        g, = lib.autograd.grad((h3 * 1).sum(), x)
        g.mul_(0)
        c = lib.tensor([5.0, 5.0])
        w = lib.tensor([1.0, 1.0], requires_grad=True)
        w.register_hook(lambda grad: c)
        (w * 3).sum().backward()
        w.grad.mul_(0)
        out[lib] = (once, kept, c.numpy().copy())
    for got, want in zip(out[tg], out[torch]):
        np.testing.assert_array_equal(got, want)


def test_custom_backward_result_is_copied_into_grad():
    for lib in (torch, tg):
        c = lib.tensor([5.0, 5.0])

        class Keep(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return c

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        Keep.apply(x).sum().backward()
        x.grad.mul_(0)
        assert c.numpy().tolist() == [5.0, 5.0], lib.__name__


def test_is_inference_mode_enabled():
    for L in (torch, tg):
        @L.inference_mode()
        def f():
            return L.is_inference_mode_enabled(), L.is_grad_enabled()
        assert not L.is_inference_mode_enabled()
        with L.inference_mode():
            assert L.is_inference_mode_enabled() and not L.is_grad_enabled()
            with L.inference_mode(False):
                assert not L.is_inference_mode_enabled()
            assert L.is_inference_mode_enabled()
        assert f() == (True, False) and not L.is_inference_mode_enabled()
