"""Custom autograd.Functions as researchers write them, against torch (twentieth landing): random programs that
compose randomly configured Functions (old-style forward(ctx, ...) or forward + setup_context; saving inputs, the
output, an intermediate or None; one or two outputs, one marked non-differentiable; set_materialize_grads(False);
needs_input_grad; an input returned as it is; a plain-number argument) with built-in ops and in-place writes, in
torch and in teenygrad on the same float64 inputs: values, first-order gradients and second-order gradients
(autograd.grad with create_graph=True through the Functions' own backwards) are compared, and where torch refuses
(a saved tensor written in place) teenygrad must refuse too.

What the sweep and the direct probes found, each pinned by a case below: an old-style forward's defaults not passed
were bound as inputs (apply(x) on forward(ctx, x, k=2.0) wanted two gradients; torch binds them only for
setup_context); a later Function that wrote a saved tensor in place and marked it dirty went unnoticed (the backward
ran on the new values); a Function taking complex tensors gave outputs that did not require grad; a complex
gradient returned for a real input lost its imaginary part; ctx.save_for_forward raised AttributeError (forward AD
and func.jvp through a Function with a jvp failed); forward AD gave a zero tangent through a @once_differentiable
backward or one computed in numpy (teenygrad differentiates backward in its incoming gradient instead of calling
jvp: it now refuses); the refusing node's repr raised TypeError; a second backward without retain_graph always
raised (torch runs it unless backward reads saved_tensors); an input returned as it is could be written in place
(torch: a view made inside the Function, refused); a `vjp` staticmethod was not used; a missing forward or backward
raised a bare NotImplementedError; the outputs of a two-output Function had different grad_fn objects and
next_functions gave output number 0 for each; autograd.grad's materialized zeros did not require grad under
create_graph.

Left as they are: func transforms and forward AD compute (correctly) through Functions that torch refuses there
(no setup_context, no vmap rule, no jvp), and a vmap staticmethod is not called (vmap is a loop); func.hessian
through a backward computed in numpy reads zero (indistinguishable from a zero second derivative, as a ReLU mask's);
mark_dirty on a view is refused (NotImplementedError); a view a Function returned keeps its old value after its base
is written in place, where torch refuses to use it (as for any view taken under no_grad). (The last three, and
func.hessian through a numpy backward, were fixed in the twenty-first landing: test_custom_function21.)"""

import numpy as np
import pytest
import torch

import teenygrad as tg
from _custom_programs20 import _chain, _fn, _ident, _inputs, _outcome, _scale_dirty


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("seed", range(60))
def test_random_programs_of_custom_functions_as_torch(seed, order):
    arrays = _inputs(seed)
    want = _outcome(torch, seed, arrays, 6, order)
    got = _outcome(tg, seed, arrays, 6, order)
    assert got[0] == want[0], (got, want)
    if want[0] == "error":
        assert got[1] == want[1]
        return
    for what, a, b in (("values", got[1], want[1]), ("gradients", got[2], want[2]), ("second order", got[3], want[3])):
        assert len(a) == len(b), what
        for i, (u, v) in enumerate(zip(a, b)):
            np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12, err_msg=f"{what} {i}")


# ---- direct cases of what the sweep and the probes found ----------------------------------------------------
def _both(case):
    return case(torch), case(tg)


def test_complex_inputs_give_differentiable_outputs_as_torch():
    """a Function on complex tensors gave outputs that did not require grad (only floating outputs counted)"""
    def case(L):
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * g * x.conj()
        x = L.tensor([1 + 2j, 3 - 1j, -0.5j], requires_grad=True)
        y = _fn(L, forward, backward).apply(x)
        assert y.requires_grad and y.grad_fn.name() == "FnBackward"
        y.abs().sum().backward()
        return x.grad.numpy()
    want, got = _both(case)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("create_graph", [False, True])
def test_complex_gradient_for_a_real_input_refused_as_torch(create_graph):
    """a complex gradient for a real input was cast to it, dropping the imaginary part (a ComplexWarning only)"""
    for L in (torch, tg):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = _fn(L, lambda ctx, x: x * 2, lambda ctx, g: g.to(L.complex64) * (1 + 1j)).apply(x).sum()
        with pytest.raises(RuntimeError, match="complex" if L is tg else "grad_is_complex"):
            L.autograd.grad(y, x, create_graph=create_graph)


def test_real_gradient_for_a_complex_input_taken_as_torch():
    def case(L):
        x = L.tensor([1 + 2j, 3 - 1j], requires_grad=True)
        y = _fn(L, lambda ctx, x: x * 2, lambda ctx, g: g.real).apply(x)
        y.abs().sum().backward()
        return x.grad.numpy()
    want, got = _both(case)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)


def _sin_with_jvp(L, new_style):
    """sin with torch's jvp staticmethod, the tensors it reads kept by ctx.save_for_forward"""
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x.cos()

    def jvp(ctx, t):
        x, = ctx.saved_tensors
        return t * x.cos()
    if not new_style:
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            return x.sin()
        return _fn(L, forward, backward, jvp=jvp)

    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0])
    return _fn(L, lambda x: x.sin(), backward, jvp=jvp, setup_context=setup_context)


@pytest.mark.parametrize("how, new_style", [("forward_ad", False), ("forward_ad", True), ("func.jvp", True)])
def test_save_for_forward_and_tangents_as_torch(how, new_style):
    """ctx.save_for_forward raised AttributeError, so forward AD through a Function with a jvp failed"""
    def case(L):
        Fn = _sin_with_jvp(L, new_style)
        x, v = L.tensor([0.3, -1.2, 2.0], dtype=L.float64), L.tensor([1.0, 0.5, -2.0], dtype=L.float64)
        if how == "func.jvp":
            return [t.numpy() for t in L.func.jvp(Fn.apply, (x,), (v,))]
        fa = L.autograd.forward_ad
        with fa.dual_level():
            p, t = fa.unpack_dual(Fn.apply(fa.make_dual(x, v)))
        return [p.numpy(), t.numpy()]
    want, got = _both(case)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_save_for_forward_refuses_a_non_tensor_as_torch():
    for L in (torch, tg):  # torch's is an AssertionError
        def forward(ctx, x):
            ctx.save_for_forward(x, 3)
            return x * 2
        with pytest.raises(TypeError if L is tg else AssertionError, match="save_for_forward"):
            _fn(L, forward, lambda ctx, g: g).apply(L.ones(2, requires_grad=True))


def test_vjp_staticmethod_is_the_backward_as_torch():
    """a Function that named its backward `vjp` (torch's alias) raised a bare NotImplementedError"""
    def case(L):
        class Scale(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def vjp(ctx, g):
                return g * 7
        x = L.tensor([1.0, 2.0], requires_grad=True)
        Scale.apply(x).sum().backward()
        return x.grad.tolist()
    want, got = _both(case)
    assert got == want


def test_backward_and_vjp_both_refused():
    with pytest.raises(RuntimeError, match="both 'backward' and 'vjp'"):
        class Both(tg.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g

            @staticmethod
            def vjp(ctx, g):
                return g


def test_missing_backward_or_forward_named_as_torch():
    """both raised NotImplementedError without a message"""
    for L in (torch, tg):
        class NoBackward(L.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

        class NoForward(L.autograd.Function):
            @staticmethod
            def backward(ctx, g):
                return g
        x = L.ones(2, requires_grad=True)
        with pytest.raises(NotImplementedError, match="(?i)implement either the backward or .*vjp"):
            NoBackward.apply(x, x).sum().backward()
        with pytest.raises(NotImplementedError, match="forward"):
            NoForward.apply(x)


def test_outputs_of_a_function_share_its_grad_fn_and_number_as_torch():
    """each output of a two-output Function had its own grad_fn, and next_functions read (node, 0) for both"""
    def case(L):
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3
        x = L.ones(3, requires_grad=True)
        a, b = _fn(L, lambda ctx, x: (x * 2, x * 3), backward).apply(x)
        z = b * a
        names = [(n.name(), i) for n, i in z.grad_fn.next_functions]
        return (a.grad_fn is b.grad_fn, a.grad_fn.name(), names, z.grad_fn.next_functions[0][0] is b.grad_fn,
                [(n.name(), i) for n, i in a.grad_fn.next_functions])
    want, got = _both(case)
    assert got == want


@pytest.mark.parametrize("create_graph", [False, True])
def test_materialized_zero_gradients_require_grad_under_create_graph_as_torch(create_graph):
    """autograd.grad(materialize_grads=True)'s zeros for an unused input did not require grad under create_graph"""
    def case(L):
        x, unused = L.ones(3, requires_grad=True), L.ones(2, requires_grad=True)
        gx, gu = L.autograd.grad((x * x).sum(), (x, unused), create_graph=create_graph, materialize_grads=True)
        return gx.requires_grad, gu.requires_grad, gu.grad_fn is None, gu.tolist()
    want, got = _both(case)
    assert got == want


@pytest.mark.parametrize("style", ["old", "new"])
def test_defaults_not_passed_are_no_inputs_of_an_old_style_function_as_torch(style):
    """forward(ctx, x, k=2.0) called as apply(x) wanted two gradients (the default was bound as an input); torch
    wants one, and binds the defaults only for forward + setup_context"""
    def case(L):
        seen = []

        def backward(ctx, g):
            seen.append(ctx.needs_input_grad)
            return g * 2
        if style == "old":
            Fn = _fn(L, lambda ctx, x, k=2.0: x * k, backward)
        else:
            Fn = _fn(L, lambda x, k=2.0: x * k, backward, setup_context=lambda ctx, inputs, output: None)
        x = L.ones(3, requires_grad=True)
        try:
            Fn.apply(x).sum().backward()
        except RuntimeError as e:
            return "refused", "incorrect number of gradients" in str(e)
        return x.grad.tolist(), seen
    want, got = _both(case)
    assert got == want


@pytest.mark.parametrize("saves, reads", [(False, False), (True, False), (True, True), (False, True)])
@pytest.mark.parametrize("call", ["backward", "grad"])
def test_second_backward_without_retain_graph_as_torch(saves, reads, call):
    """a second backward through a Function always raised; torch's node outlives the first, so a second runs
    unless the user's backward reads ctx.saved_tensors (freed by the first)"""
    def case(L):
        def forward(ctx, x):
            if saves:
                ctx.save_for_backward(x)
            ctx.k = 3.0
            return x * 2

        def backward(ctx, g):
            if reads:
                ctx.saved_tensors
            return g * ctx.k
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = _fn(L, forward, backward).apply(x).sum()
        out = []
        for _ in range(2):
            try:
                if call == "grad":
                    out.append(L.autograd.grad(y, x)[0].tolist())
                else:
                    y.backward()
                    out.append(x.grad.tolist())
            except RuntimeError as e:
                out.append(("refused", "second time" in str(e)))
        return out
    want, got = _both(case)
    assert got == want


@pytest.mark.parametrize("leaf", [True, False])
@pytest.mark.parametrize("returns", ["input", "view"])
def test_in_place_on_an_output_that_views_an_input_refused_as_torch(returns, leaf):
    """an input returned as it is could be written in place (torch: the output is a view of the input made inside the
    Function, and refuses it); and the refusal of one taken as a view named no_grad mode, which the user never used"""
    for L in (torch, tg):
        def forward(ctx, x):
            return x if returns == "input" else x[1:]

        def backward(ctx, g):
            return g * 3 if returns == "input" else L.cat([g[:1] * 0, g * 3])
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = _fn(L, forward, backward).apply(x if leaf else x * 1)
        assert y.requires_grad and not y.is_leaf
        with pytest.raises(RuntimeError, match="Fn is a view" if L is torch else "the output of Fn is a view of its "
                                                                                  "input"):
            y.mul_(2)
        y.sum().backward()  # the refused write left the graph as it was
        assert x.grad.tolist() == ([3.0] * 3 if returns == "input" else [0.0, 3.0, 3.0])


def _sin_once_differentiable(L):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @L.autograd.function.once_differentiable
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x.cos()
    return _fn(L, forward, backward)


def test_once_differentiable_refuses_a_second_derivative_in_the_incoming_gradient():
    """the results of a @once_differentiable backward under create_graph refused to be differentiated in the
    Function's inputs only; in the incoming gradient they read as unused (zeros with materialize_grads). torch's
    DelayedError node hangs off detached copies, so torch reads them as unused too (a silent zero, left out as a
    torch quirk); both refuse the inputs' path"""
    x = tg.tensor([0.3, -1.2, 2.0], requires_grad=True)
    v = tg.tensor([1.0, 0.5, -2.0], requires_grad=True)
    g, = tg.autograd.grad(_sin_once_differentiable(tg).apply(x), x, v, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        tg.autograd.grad(g.sum(), v, allow_unused=True, materialize_grads=True)


def test_forward_ad_through_once_differentiable_is_refused_not_zero():
    """forward AD (computed here by differentiating backward in its incoming gradient) gave a zero tangent through a
    @once_differentiable backward; torch uses the Function's jvp, which teenygrad cannot call, so it must refuse"""
    fa = tg.autograd.forward_ad
    x, v = tg.tensor([0.3, -1.2, 2.0]), tg.tensor([1.0, 0.5, -2.0])
    Fn = _sin_once_differentiable(tg)
    with fa.dual_level():
        y = Fn.apply(fa.make_dual(x, v))
        with pytest.raises(RuntimeError, match="once_differentiable"):
            fa.unpack_dual(y)


def test_once_differentiable_error_node_reads_as_torch():
    """repr (and name()) of the node behind a @once_differentiable backward's results raised TypeError ('str' object
    is not callable: its name was stored over the method)"""
    names = []
    for L in (torch, tg):
        x = L.tensor([0.3, -1.2, 2.0], requires_grad=True)
        v = L.ones(3, requires_grad=True)
        g, = L.autograd.grad(_sin_once_differentiable(L).apply(x), x, v, create_graph=True)
        node = g.grad_fn if L is torch else g.grad_fn.next_functions[0][0]  # teenygrad's gradient is a clone of it
        names.append((node.name(), "Error object at" in repr(node)))
    assert names[1] == names[0]


def _sin_numpy_backward(L):
    """sin whose backward goes through numpy (outside the graph), with torch's jvp for forward AD"""
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return L.tensor(g.detach().numpy() * np.cos(x.detach().numpy()))

    def jvp(ctx, t):
        x, = ctx.saved_tensors
        return t * x.cos()

    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0])
    return _fn(L, lambda x: x.sin(), backward, jvp=jvp, setup_context=setup_context)


@pytest.mark.parametrize("how", ["forward_ad", "func.jvp"])
def test_tangent_through_a_numpy_backward_refused_not_zero(how):
    """forward AD and func.jvp (teenygrad differentiates backward in its incoming gradient) gave a zero tangent
    through a backward computed in numpy; torch calls the jvp staticmethod, which teenygrad cannot: it must refuse"""
    want = torch.func.jvp(_sin_numpy_backward(torch).apply, (torch.tensor([0.3, -1.2]),), (torch.ones(2),))[1]
    assert want.abs().min() > 0.1  # torch's tangent is not zero
    Fn, x, v = _sin_numpy_backward(tg), tg.tensor([0.3, -1.2]), tg.ones(2)
    with pytest.raises(RuntimeError, match="FnBackward: its backward returned gradient 0 computed outside the graph"):
        if how == "func.jvp":
            tg.func.jvp(Fn.apply, (x,), (v,))
        else:
            fa = tg.autograd.forward_ad
            with fa.dual_level():
                fa.unpack_dual(Fn.apply(fa.make_dual(x, v)))


def test_numpy_backward_still_runs_first_order_and_with_create_graph_as_torch():
    def case(L):
        x = L.tensor([0.3, -1.2, 2.0], requires_grad=True)
        g1, = L.autograd.grad(_sin_numpy_backward(L).apply(x).sum(), x)
        g2, = L.autograd.grad(_sin_numpy_backward(L).apply(x).sum(), x, create_graph=True)
        return g1.tolist(), g2.tolist(), g2.requires_grad
    want, got = _both(case)
    assert got == want


# ---- torch.func transforms through random chains of forward + setup_context Functions ------------------------------
@pytest.mark.parametrize("transform", ["grad", "jacrev", "jvp", "vmap_grad", "hessian_x"])
@pytest.mark.parametrize("seed", range(8))
def test_func_transforms_through_random_custom_functions_as_torch(seed, transform):
    rng = np.random.default_rng(seed)
    x, w, v = (rng.uniform(-1.2, 1.2, (3,)) for _ in range(3))
    xs = rng.uniform(-1.2, 1.2, (4, 3))
    out = []
    for L in (torch, tg):
        f = _chain(L, seed)
        X, W, V, XS = (L.tensor(a) for a in (x, w, v, xs))
        res = {"grad": lambda: L.func.grad(f, argnums=(0, 1))(X, W),
               "jacrev": lambda: L.func.jacrev(lambda x, w: f(x, w) * x, argnums=(0, 1))(X, W),
               "jvp": lambda: L.func.jvp(f, (X, W), (V, V * 2)),
               "vmap_grad": lambda: L.func.vmap(L.func.grad(f), in_dims=(0, None))(XS, W),
               "hessian_x": lambda: (L.func.jacrev(L.func.grad(f))(X, W),)}[transform]()
        res = res if isinstance(res, tuple) else (res,)
        out.append([t.detach().numpy() for t in res])
    for a, b in zip(out[1], out[0]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("saved_by", ["custom", "custom_setup_context", "mul"])
def test_a_tensor_written_by_a_later_mark_dirty_function_refuses_the_backward_that_saved_it_as_torch(saved_by):
    """a Function that saved h ran its backward on the new values after a later Function wrote h in place and marked
    it dirty (h then reads as that Function's output, whose node carried no write): a silently wrong gradient"""
    for L in (torch, tg):
        def backward(ctx, g):
            h, = ctx.saved_tensors
            return 2 * g * h
        if saved_by == "custom":
            def forward(ctx, h):
                ctx.save_for_backward(h)
                return h * h
            Sq = _fn(L, forward, backward)
        else:
            Sq = _fn(L, lambda h: h * h, backward,
                     setup_context=lambda ctx, inputs, out: ctx.save_for_backward(*inputs))
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * 1
        y = Sq.apply(h) if saved_by != "mul" else h * h
        _fn(L, _scale_dirty, lambda ctx, g: g * 1.5).apply(h)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_what_forward_saved_before_writing_it_in_place_is_taken_after_as_torch():
    """torch takes the saved tensors once forward is done, so its own write to a saved input (mark_dirty) is no
    change to refuse"""
    def case(L):
        def forward(ctx, x):
            ctx.save_for_backward(x)
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        _fn(L, forward, backward).apply(x * 1).sum().backward()
        return x.grad.tolist()
    want, got = _both(case)
    assert got == want


def test_tangent_through_a_gradient_that_reads_only_an_unreached_output_as_torch():
    """the refusal above must not take a gradient that depends only on an output no gradient reached (a
    materialized zero, not in the graph) for one computed outside the graph: _ident's gradient for w is gb * x"""
    x, w, v = np.array([0.3, -1.2, 2.0]), np.array([0.5, 1.5, -1.0]), np.array([1.0, -0.5, 2.0])
    want = torch.func.jvp(lambda w: (torch.tensor(x).sin() * w).sum(), (torch.tensor(w),), (torch.tensor(v),))[1]
    fa, Fn = tg.autograd.forward_ad, _ident(tg)
    with fa.dual_level():
        dw = fa.make_dual(tg.tensor(w), tg.tensor(v))
        got = fa.unpack_dual((Fn.apply(tg.tensor(x), dw)[0].sin() * dw).sum()).tangent
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
