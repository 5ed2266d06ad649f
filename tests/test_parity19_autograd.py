"""Differences from torch found in the nineteenth landing by sweeping autograd as a user sees it against torch:
which in-place writes after an op its backward refuses (torch's version counter), autograd.backward, the grad-mode
switches, ... each compared with torch directly."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import compare, compare_double, gc_input, gradgrad_ok


def _outcome(f):
    try:
        return f()
    except RuntimeError as e:  # the refusal is the result compared
        return RuntimeError


def _x(lib, seed=0):
    """(3, 4) float32 leaf away from 0 and from the ops' edges, the same values in both libraries"""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.2, 0.9, (3, 4)).astype(np.float32) * np.array([1, -1, 1, 1], np.float32)
    return lib.tensor(a, requires_grad=True)


# ---- in-place writes after an op: refused exactly where torch's op saved what was written ------------------------
def _ops(lib):
    F = lib.nn.functional
    return {
        "tan": lambda x: x.tan(),
        "sinh": lambda x: x.sinh(),
        "cosh": lambda x: x.cosh(),
        "div_by_constant": lambda x: x / lib.full((3, 4), 1.5),
        "div_by_graph": lambda x: x / (x.abs() + 1),
        "softsign": lambda x: F.softsign(x),
        "normalize": lambda x: F.normalize(x, dim=1),
        "erfinv": lambda x: x.erfinv(),
        "sinc": lambda x: x.sinc(),
        "elu": lambda x: F.elu(x),
        "elu_alpha": lambda x: F.elu(x, alpha=0.5),
        "fmod": lambda x: lib.fmod(x, 0.3),
        "remainder": lambda x: lib.remainder(x, 0.3),
        "fmod_by_graph": lambda x: lib.fmod(x, x.abs() + 0.1),
        "einsum_constant": lambda x: lib.einsum("ij,jk->ik", x, lib.ones(4, 2)),
        "einsum_graph": lambda x: lib.einsum("ij,jk->ik", x, x.t() * 2),
        "cross_entropy": lambda x: F.cross_entropy(x, lib.tensor([0, 2, 1])),
        "cross_entropy_none": lambda x: F.cross_entropy(x, lib.tensor([0, 2, 1]), reduction="none"),
        "cross_entropy_smoothing": lambda x: F.cross_entropy(x, lib.tensor([0, 2, 1]), label_smoothing=0.1),
        "cross_entropy_probs": lambda x: F.cross_entropy(x, lib.full((3, 4), 0.25)),
        "sdpa": lambda x: F.scaled_dot_product_attention(x[None], x[None] * 2, x[None] * 3),
        # x as the operand whose value torch's op doesn't keep
        "copysign_sign": lambda x: lib.copysign(lib.full((3, 4), 1.5, requires_grad=True), x),
        "solve_rhs": lambda x: lib.linalg.solve(lib.eye(3) * 2 + lib.full((3, 3), 0.1, requires_grad=True), x),
    }


# torch's 3-d attention (its math path) keeps q scaled, so q's base written after is fine there; teenygrad keeps q
@pytest.mark.parametrize("op, written", [(op, w) for op in _ops(torch) for w in ("input", "output")
                                         if (op, w) != ("sdpa", "input")])
def test_inplace_write_after_op_refused_as_torch(op, written):
    """Ops that kept the value torch's doesn't keep refused a backward torch runs (tan = sin / cos kept x, elu and
    sinc and erfinv kept their output, x / y kept its output, fmod / remainder by a number, einsum with a constant
    and the CPU cross_entropy and attention kept an input they never read); where both run, the gradients agree."""
    def run(lib):
        a = _x(lib)
        x = a * 1
        y = _ops(lib)[op](x)
        (x if written == "input" else y).mul_(2)
        (y.sum() if y.dim() else y).backward()
        return a.grad
    gt, gg = _outcome(lambda: run(torch)), _outcome(lambda: run(tg))
    if gt is RuntimeError:  # where torch refuses, a teenygrad that runs must still give the gradient it can give
        if gg is not RuntimeError:
            assert written == "input" and op in ("elu", "elu_alpha", "sinc", "erfinv"), op  # x kept as a copy
        return
    assert gg is not RuntimeError, f"{op}: teenygrad refused a backward torch runs"
    np.testing.assert_allclose(gg.numpy(), gt.numpy(), rtol=1e-5, atol=1e-6)


def test_div_refuses_a_written_numerator_only_when_the_denominator_wants_its_gradient():
    """x / y now keeps x (for y's gradient, as torch's) instead of its output: x written after is refused when y
    requires grad, and not when y is a constant"""
    for lib in (torch, tg):
        a, b = _x(lib), _x(lib, 1)
        x = a * 1
        y = x / b
        x.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        a = _x(lib)
        x = a * 1
        y = x / b.detach()
        x.add_(1)
        y.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), 1 / b.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", ["div", "tan", "sinh", "cosh", "elu", "sinc", "erfinv"])
def test_gradients_and_second_order_as_torch(op):
    """the rewritten backward (and backward_graph) of these ops against torch's, first and second order"""
    fns = {"div": lambda lib, x: x / (x * x + 1), "tan": lambda lib, x: x.tan(), "sinh": lambda lib, x: x.sinh(),
           "cosh": lambda lib, x: x.cosh(), "elu": lambda lib, x: lib.nn.functional.elu(x * 3, alpha=0.7),
           "sinc": lambda lib, x: (x * 3).sinc(), "erfinv": lambda lib, x: x.erfinv()}
    out = []
    for lib in (torch, tg):
        a = lib.tensor(np.linspace(-0.95, 0.95, 12), dtype=lib.float64, requires_grad=True)
        y = fns[op](lib, a)
        g, = lib.autograd.grad((y * y).sum(), a, create_graph=True)
        gg, = lib.autograd.grad((g * g).sum(), a)
        out.append((y.detach().numpy(), g.detach().numpy(), gg.numpy(), y.grad_fn.name()))
    for t, m in zip(out[0][:3], out[1][:3]):
        np.testing.assert_allclose(m, t, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("op", ["tan", "sinh", "cosh"])
def test_tan_sinh_cosh_values_and_names(op, dtype):
    """sinh was (e^x - e^-x) / 2, which is 0 for |x| < 1e-8 in float32 (torch: x) and a few ulps off below 1e-3;
    tan was sin / cos and named DivBackward0, sinh and cosh MulBackward0"""
    v = [0.0, 1e-9, -3e-8, 1e-4, -0.01, 0.5, 1.0, -2.0, 5.0]
    t = torch.tensor(v).to(getattr(torch, dtype))
    m = tg.tensor(v).to(getattr(tg, dtype))
    rt, rm = getattr(t, op)(), getattr(m, op)()
    assert str(rm.dtype).split(".")[-1] == str(rt.dtype).split(".")[-1]
    tol = {"float16": 1e-3, "bfloat16": 8e-3}.get(dtype, 2e-7)
    np.testing.assert_allclose(rm.float().numpy(), rt.float().numpy(), rtol=tol, atol=0)
    if rt.is_floating_point():
        y = getattr(tg.tensor(v, requires_grad=True), op)()
        assert y.grad_fn.name() == getattr(torch.tensor(v, requires_grad=True), op)().grad_fn.name()


# ---- torch.autograd.backward ------------------------------------------------------------------------------------
def _backward_cases(lib):
    """(name, call) pairs: each call runs autograd.backward and returns the leaves' .grad"""
    def two(lib):
        a, b = _x(lib), _x(lib, 1)
        lib.autograd.backward([a * b, (a * a).sum()], [lib.full((3, 4), 2.0), None])
        return a.grad, b.grad

    def scalar(lib):
        a = _x(lib)
        lib.autograd.backward((a.sin() * 2).sum())
        return (a.grad,)

    def tuple_of_scalars(lib):
        a = _x(lib)
        lib.autograd.backward(((a * 2).sum(), (a.exp()).sum()))
        return (a.grad,)

    def inputs(lib):
        a, b = _x(lib), _x(lib, 1)
        x = a * 2
        lib.autograd.backward((x * b).sum(), inputs=[x, b])
        return a.grad, b.grad, x.grad

    def graph(lib):
        a = _x(lib)
        lib.autograd.backward((a ** 3).sum(), create_graph=True)
        g = a.grad
        a.grad = None
        g.sum().backward()
        return g.detach(), a.grad

    def twice(lib):  # retain_graph defaults to create_graph (False): the second pass is refused
        a = _x(lib)
        y = a.sin().sum()
        lib.autograd.backward(y)
        return _outcome(lambda: lib.autograd.backward(y))

    def non_scalar(lib):
        return _outcome(lambda: lib.autograd.backward(_x(lib) * 2))

    return {"two": two, "scalar": scalar, "tuple_of_scalars": tuple_of_scalars, "inputs": inputs, "graph": graph,
            "twice": twice, "non_scalar": non_scalar}


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("case", list(_backward_cases(torch)))
def test_autograd_backward_as_torch(case):
    """torch.autograd.backward was missing (AttributeError)"""
    rt, rg = _backward_cases(torch)[case](torch), _backward_cases(tg)[case](tg)
    if rt is RuntimeError or rg is RuntimeError:
        assert rt is rg
        return
    for t, m in zip(rt, rg):
        assert (t is None) == (m is None)
        if t is not None:
            np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6, atol=1e-7)


# ---- grad-mode switches -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [None, 0, 1, "yes", np.bool_(True)])
def test_set_grad_enabled_takes_only_a_bool(mode):
    """set_grad_enabled(None) turned grad off for good (bool(None)); torch takes only a bool"""
    for lib in (torch, tg):
        with pytest.raises(TypeError):
            lib.set_grad_enabled(mode)
        assert lib.is_grad_enabled()


# ---- grad_fn names ----------------------------------------------------------------------------------------------
_NAMED = {
    "log2": lambda lib, a, b: a.log2(), "log10": lambda lib, a, b: a.log10(), "exp2": lambda lib, a, b: a.exp2(),
    "atan2": lambda lib, a, b: a.atan2(b), "log1p": lambda lib, a, b: a.log1p(), "i0": lambda lib, a, b: lib.special.i0(a),
    "expm1": lambda lib, a, b: a.expm1(), "pow_tensor": lambda lib, a, b: a ** b, "pow_number": lambda lib, a, b: a ** 2,
    "clamp_numbers": lambda lib, a, b: a.clamp(0, 1), "clamp_tensor": lambda lib, a, b: a.clamp(b),
    "clamp_tensors": lambda lib, a, b: a.clamp(b, b + 1), "clamp_max_tensor": lambda lib, a, b: a.clamp(max=b),
    # Permute, Reshape, Sum, Mean and Tri nodes that torch names after the call that made them
    "t": lambda lib, a, b: a[None].expand(2, 2).t(), "transpose": lambda lib, a, b: a[None].transpose(0, 1),
    "mT": lambda lib, a, b: a[None].mT, "permute": lambda lib, a, b: a[None].permute(1, 0),
    "unsqueeze": lambda lib, a, b: a.unsqueeze(1), "squeeze": lambda lib, a, b: a[None].squeeze(),
    "squeeze_dim": lambda lib, a, b: a[None].squeeze(0), "squeeze_dims": lambda lib, a, b: a[None].squeeze((0,)),
    "view": lambda lib, a, b: a.view(2, 1), "sum_dim": lambda lib, a, b: a.sum(0), "sum_all": lambda lib, a, b: a.sum(),
    "mean_dim": lambda lib, a, b: a.mean(0), "mean_all": lambda lib, a, b: a.mean(),
    "triu": lambda lib, a, b: a[None].expand(2, 2).triu(), "tril": lambda lib, a, b: a[None].expand(2, 2).tril(),
    "smooth_l1": lambda lib, a, b: lib.nn.functional.smooth_l1_loss(a, b),
    "huber": lambda lib, a, b: lib.nn.functional.huber_loss(a, b),
}


@pytest.mark.parametrize("op", list(_NAMED))
def test_grad_fn_name_as_torch(op):
    """a class name ending in a digit lost it to the overload number (Log2 read LogBackward2, Log10 Log1Backward0,
    Expm1 ExpmBackward1, I0 IBackward0); clamp with tensor bounds read ClampBackward1 (torch: 0, 1 is for numbers);
    t, transpose, unsqueeze, squeeze, sum / mean over dims and tril / triu read Permute, View, SumBackward0 ... """
    names = []
    for lib in (torch, tg):
        a = lib.tensor([0.5, 0.7], requires_grad=True)
        b = lib.tensor([0.3, 0.2], requires_grad=True)
        names.append(_NAMED[op](lib, a, b).grad_fn.name())
    assert names[1] == names[0]


# ---- Node hooks: grad_fn.register_prehook / register_hook, and AccumulateGrad's -----------------------------------
def _node_hook_run(lib, graph):
    """what the hooks saw and the gradients that came out, with tensor hooks, retain_grad and Node hooks mixed"""
    seen = []
    a = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
    b = lib.tensor([2.0, 3.0, -1.0], dtype=lib.float64)
    x = a * b
    x.retain_grad()
    y = x.sin()
    y.grad_fn.register_prehook(lambda go: seen.append(("y pre", go[0].detach().clone())) or (go[0] * 2,))
    y.grad_fn.register_hook(lambda gi, go: seen.append(("y post", gi[0].detach().clone(), go[0].detach().clone())))
    x.register_hook(lambda g: seen.append(("x tensor", g.detach().clone())))
    x.grad_fn.register_prehook(lambda go: seen.append(("x pre", go[0].detach().clone())))
    x.grad_fn.register_hook(lambda gi, go: seen.append(("x post", len(gi), gi[1] is None)) or (gi[0] * 10, None))
    y.register_hook(lambda g: g * 3)
    y.retain_grad()
    if graph:
        g, = lib.autograd.grad((y * y).sum(), a, create_graph=True)
        gg, = lib.autograd.grad(g.sum(), a)
        return seen, [g.detach(), gg]
    (y * y).sum().backward()
    return seen, [a.grad, x.grad, y.grad]


def _same_seen(st, sm):
    assert len(st) == len(sm)
    for et, em in zip(st, sm):
        assert len(et) == len(em) and et[0] == em[0]
        for vt, vm in zip(et[1:], em[1:]):
            if isinstance(vt, torch.Tensor):
                np.testing.assert_allclose(vm.numpy(), vt.numpy(), rtol=1e-12)
            else:
                assert vm == vt


@pytest.mark.parametrize("graph", [False, True])
def test_node_hooks_as_torch(graph):
    """grad_fn.register_prehook / register_hook were missing (AttributeError): they run after the output tensor's
    hooks and retain_grad, before / after the node's backward, and may replace its gradients (None for an input that
    needs none); under create_graph what they return is differentiated through"""
    st, rt = _node_hook_run(torch, graph)
    sm, rm = _node_hook_run(tg, graph)
    _same_seen(st, sm)
    for t, m in zip(rt, rm):
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-12)


def test_node_hooks_removed_refused_and_on_custom_functions():
    for lib in (torch, tg):
        a = lib.ones(3, requires_grad=True)
        y = (a * 3).tanh()
        h = y.grad_fn.register_hook(lambda gi, go: (gi[0] * 2,))
        h.remove()
        y.sum().backward(retain_graph=True)
        np.testing.assert_allclose(a.grad.numpy(), 3 / np.cosh(3.0) ** 2, rtol=1e-5)
        y.grad_fn.register_hook(lambda gi, go: (lib.ones(4),))
        with pytest.raises(RuntimeError):  # a gradient of another shape
            y.sum().backward(retain_graph=True)
        z = a.exp()
        z.grad_fn.register_hook(lambda gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError):  # too many gradients
            z.sum().backward()

        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, ga, gb):
                return ga * 2 + gb * 3

        seen = []
        a = lib.ones(3, requires_grad=True)
        p, q = Two.apply(a)
        p.grad_fn.register_prehook(lambda go: seen.append(len(go)) or (go[0], go[1] * 0))  # every output's gradient
        p.grad_fn.register_hook(lambda gi, go: seen.append((len(gi), len(go))))
        (p.sum() + q.sum()).backward()
        assert seen == [2, (1, 2)]
        np.testing.assert_allclose(a.grad.numpy(), [2.0, 2.0, 2.0])


def test_accumulate_grad_node_hooks_as_torch():
    """the AccumulateGrad node next_functions gives for a leaf takes hooks, as torch's (DDP's way to learn that a
    parameter's gradient is ready): prehooks may replace the gradient, hooks run once it is in .grad"""
    out = []
    for lib in (torch, tg):
        seen = []
        a = lib.ones(3, requires_grad=True)
        acc = a.view_as(a).grad_fn.next_functions[0][0]
        acc.register_prehook(lambda go: (go[0] * 5,))
        h = acc.register_hook(lambda gi, go: seen.append((len(gi), go[0].clone())))
        (a * 2).sum().backward()
        h.remove()
        (a * 2).sum().backward()
        out.append((a.grad.numpy(), [(n, g.numpy()) for n, g in seen]))
    np.testing.assert_allclose(out[1][0], out[0][0])
    assert [n for n, _ in out[1][1]] == [n for n, _ in out[0][1]] == [0]
    np.testing.assert_allclose(out[1][1][0][1], out[0][1][0][1])


@pytest.mark.parametrize("args", ["number_primal", "number_tangent"])
def test_func_jvp_refuses_a_number_as_torch(args):
    """a number among jvp's primals or tangents leaked AttributeError ('float' object has no attribute 'values')"""
    for lib in (torch, tg):
        x = lib.ones(3, dtype=lib.float64)
        primals, tangents = ((x, 2.0), (x, 0.0)) if args == "number_primal" else ((x,), (2.0,))
        with pytest.raises(RuntimeError, match="jvp"):
            lib.func.jvp(lambda *a: a[0] * 2, primals, tangents)


@pytest.mark.parametrize("call", ["backward", "grad", "create_graph"])
def test_implicit_gradient_of_a_complex_scalar_refused_as_torch(call):
    """backward() on a complex scalar took 1 + 0j as its gradient (torch: the gradient must be given)"""
    for lib in (torch, tg):
        a = lib.tensor([1 + 2j, 3 - 1j], requires_grad=True)
        y = (a * a).sum()
        with pytest.raises(RuntimeError, match="real scalar"):
            if call == "backward":
                y.backward()
            else:
                lib.autograd.grad(y, a, create_graph=call == "create_graph")
        y.backward(lib.tensor(1 + 0j, dtype=lib.complex64))  # given: as before
        np.testing.assert_allclose(a.grad.numpy(), np.conj(2 * np.array([1 + 2j, 3 - 1j])), rtol=1e-6)


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_clone_grad_fn_name_as_torch(layout):
    """clone's node read ToCopyBackward0 (torch: CloneBackward0; to(copy=True)'s does read ToCopyBackward0)"""
    names = []
    for lib in (torch, tg):
        a = lib.ones(3, 2, requires_grad=True)
        a = a if layout == "contiguous" else a.t()
        names.append((a.clone().grad_fn.name(), a.to(lib.float32, copy=True).grad_fn.name(),
                      a.to(memory_format=lib.contiguous_format, copy=True).grad_fn.name()))
    assert names[1] == names[0]


# ---- custom autograd.Function -----------------------------------------------------------------------------------
def _custom(lib, fwd, bwd):
    return type("Fn", (lib.autograd.Function,), {"forward": staticmethod(fwd), "backward": staticmethod(bwd)})


def test_save_for_backward_refuses_a_non_tensor_as_torch():
    """ctx.save_for_backward(x, 3) leaked AttributeError ('int' object has no attribute '_data')"""
    for lib in (torch, tg):
        def fwd(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 2
        with pytest.raises(TypeError, match="save_for_backward"):
            _custom(lib, fwd, lambda ctx, g: g * 2).apply(lib.ones(3, requires_grad=True))


def test_mark_dirty_on_a_tensor_not_returned_refused_as_torch():
    """an input marked dirty had to be returned (torch refuses); it ran on silently"""
    for lib in (torch, tg):
        def fwd(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x * 1
        with pytest.raises(RuntimeError, match="dirty"):
            _custom(lib, fwd, lambda ctx, g: g * 2).apply(lib.ones(3, requires_grad=True) * 1)


def test_function_ctx_importable_from_autograd_function_as_torch():
    """torch.autograd.function.FunctionCtx (type hints for ctx) was missing"""
    from teenygrad.autograd.function import FunctionCtx
    assert FunctionCtx is tg.autograd.FunctionCtx
    captured = []

    def fwd(ctx, x):
        captured.append(isinstance(ctx, FunctionCtx))
        return x * 2
    _custom(tg, fwd, lambda ctx, g: g * 2).apply(tg.ones(3, requires_grad=True))
    assert captured == [True]


@pytest.mark.parametrize("output, given", [("float32", "complex64"), ("complex64", "float32"), ("float64", "complex128")])
@pytest.mark.parametrize("call", ["backward", "grad"])
def test_gradient_complex_for_real_output_refused_as_torch(output, given, call):
    """a complex gradient for a real output lost its imaginary part (numpy's ComplexWarning only), a real one for a
    complex output was taken as complex; torch refuses both"""
    for lib in (torch, tg):
        a = lib.ones(3, dtype=getattr(lib, output), requires_grad=True)
        y = a * 2
        g = lib.ones(3, dtype=getattr(lib, given))
        with pytest.raises(RuntimeError, match="complex"):
            y.backward(g) if call == "backward" else lib.autograd.grad(y, a, g)



@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("float64", "float32"), ("float16", "float16"),
                                    ("bfloat16", "float32"), ("int64", "float32")])
def test_mse_loss_one_node_as_torch(dtypes, reduction):
    """mse_loss was composed of sub, mul and mean (grad_fn MeanBackward0, torch: MseLossBackward0, which the
    autograd tutorial prints); now one node: values, dtypes, both gradients and the second order as torch's, and
    its input written in place after it refused, as torch's"""
    res = []
    for lib in (torch, tg):
        rng = np.random.default_rng(0)
        x = lib.tensor(rng.standard_normal((3, 4))).to(getattr(lib, dtypes[0]))
        t = lib.tensor(rng.standard_normal((3, 4))).to(getattr(lib, dtypes[1])).requires_grad_()
        if x.is_floating_point():
            x.requires_grad_()
        loss = lib.nn.functional.mse_loss(x, t, reduction=reduction)
        wrt = [v for v in (x, t) if v.requires_grad]
        grads = lib.autograd.grad(loss.sum(), wrt, create_graph=True)
        second = lib.autograd.grad(sum((g * g).sum() for g in grads), wrt)
        res.append((str(loss.dtype).split(".")[-1], loss.grad_fn.name(),
                    [v.detach().float().numpy() for v in (loss, *grads, *second)]))
    assert res[1][:2] == res[0][:2]
    tol = 1e-2 if "16" in "".join(dtypes) else 1e-6
    for t_, m in zip(res[0][2], res[1][2]):
        np.testing.assert_allclose(m, t_, rtol=tol, atol=tol)
    for lib in (torch, tg):
        a = lib.ones(3, requires_grad=True)
        x = a * 1
        loss = lib.nn.functional.mse_loss(x, lib.zeros(3))
        x.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()


# ---- a view taken under no_grad of a tensor that requires grad ----------------------------------------------------
@pytest.mark.parametrize("base", ["leaf", "graph"])
@pytest.mark.parametrize("op", ["mul_", "add_", "iadd", "clamp_", "fill_", "copy_", "setitem", "zero_"])
def test_no_grad_view_written_with_grad_on_refused_as_torch(base, op):
    """the view requires grad, as torch's; an in-place op on it with grad mode on was a plain write, which the graph
    of its base never saw (a silently wrong gradient for a graph base, a changed leaf for a leaf); torch refuses it.
    Under no_grad, and on a view of a detach() alias, the write goes through, as torch's"""
    ops = {"mul_": lambda v: v.mul_(3), "add_": lambda v: v.add_(1.0), "iadd": lambda v: v.__iadd__(1.0),
           "clamp_": lambda v: v.clamp_(0, 1), "fill_": lambda v: v.fill_(2.0), "copy_": lambda v: v.copy_(v * 0 + 5),
           "setitem": lambda v: v.__setitem__(0, 7.0), "zero_": lambda v: v.zero_()}
    for lib in (torch, tg):
        a = lib.tensor([1.0, -2.0, 3.0, 0.5], requires_grad=True)
        x = a if base == "leaf" else a * 2
        with lib.no_grad():
            v = x[1:]
            u = x.detach()[1:]
        assert v.requires_grad
        with pytest.raises(RuntimeError):
            ops[op](v)
        ops[op](u)  # a detach() alias's view: no graph to bypass
        with lib.no_grad():
            ops[op](v)


# ---- autograd.graph.register_multi_grad_hook --------------------------------------------------------------------
def _multi_hook_cases(lib):
    R = lib.autograd.graph.register_multi_grad_hook

    def a_only(a, b, x, seen):
        R((a, b), seen.append)
        (a * 2).sum().backward()

    def both_twice(a, b, x, seen):
        R((a, b), seen.append)
        (a * b).sum().backward()
        (a * 3).sum().backward()

    def non_leaf(a, b, x, seen):
        R((x, b), seen.append)
        (x * b).sum().backward()

    def grad_of_non_leaf(a, b, x, seen):
        y = x * 3
        R((x, y), seen.append)
        lib.autograd.grad((x * y).sum(), [x])

    def inputs(a, b, x, seen):
        R((a, b), seen.append)
        (a * b).sum().backward(inputs=[b])

    def any_twice(a, b, x, seen):
        R((a, b), seen.append, mode="any")
        (a * b).sum().backward()
        (a * b).sum().backward()

    def retained(a, b, x, seen):
        y = (a * b).sum()
        R((a, b), seen.append)
        y.backward(retain_graph=True)
        y.backward()

    def removed(a, b, x, seen):
        R((a, b), seen.append).remove()
        (a * b).sum().backward()

    return {f.__name__: f for f in (a_only, both_twice, non_leaf, grad_of_non_leaf, inputs, any_twice, retained,
                                    removed)}


def _summed(g):
    if isinstance(g, (list, tuple)):
        return [None if q is None else float(q.sum()) for q in g]
    return float(g.sum())


@pytest.mark.parametrize("case", list(_multi_hook_cases(torch)))
def test_register_multi_grad_hook_as_torch(case):
    """torch.autograd.graph.register_multi_grad_hook was missing: mode 'all' calls once per pass with every reached
    tensor's gradient (None for the others), mode 'any' with the first"""
    out = []
    for lib in (torch, tg):
        seen = []
        a, b = lib.ones(3, requires_grad=True), lib.ones(3, requires_grad=True)
        _multi_hook_cases(lib)[case](a, b, a * 2, seen)
        out.append([_summed(g) for g in seen])
    assert out[1] == out[0]


def test_register_multi_grad_hook_refusals_as_torch():
    for lib in (torch, tg):
        a = lib.ones(3, requires_grad=True)
        with pytest.raises(ValueError):
            lib.autograd.graph.register_multi_grad_hook((a,), print, mode="some")
        with pytest.raises((RuntimeError, AssertionError)):  # (torch's is an assert)
            lib.autograd.graph.register_multi_grad_hook((a, lib.ones(3)), print)


@pytest.mark.parametrize("layout", ["contig", "T", "step"])
@pytest.mark.parametrize("op", ["tan", "sinh", "cosh"])
def test_tan_sinh_cosh_backward_as_torch(op, layout):
    """tan, sinh and cosh became ops of their own: their backward (and graph backward) against torch, on a
    contiguous, a transposed and a strided input, and against float64 finite differences to second order"""
    a = np.random.default_rng(3).uniform(-1.2, 1.2, (3, 4)).astype(np.float32)
    compare(lambda lib, x: getattr(x, op)(), [a], layout=layout)
    compare_double(lambda lib, x: getattr(x, op)(), [a.astype(np.float64)], layout=layout)
    x = gc_input((3, 4), 5)
    assert tg.autograd.gradcheck(lambda t: getattr(t, op)(), [x])
    gradgrad_ok(lambda t: getattr(t, op)(), [(3, 4)], seed=5)
