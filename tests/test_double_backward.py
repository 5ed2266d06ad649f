"""Double backward (create_graph=True): the engine (autograd/graph_backward.py) against torch — leaf .grad
accumulation, backward(inputs=), retain_grad, hooks, custom Functions, once_differentiable, the version check —
plus gradgradcheck and autograd.functional's hessian, hvp and vhp. The per-op graph backwards are tested in
test_double_backward_{elementwise,shape,nn,conv}.py."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import compare_double, gradgrad_ok, rand, assert_close, to_np

TOL = dict(atol=1e-5, rtol=1e-4)


def _leaves(m, *arrays):
    return [m.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("layout", ["contig", "T", "step"])
def test_composite_against_torch(layout):
    compare_double(lambda m, a, b, c: m.tanh(a @ b + c) * a.sum() - (a * 2.0).exp().mean(),
                   [rand((4, 4), 0, low=-1, high=1), rand((4, 5), 1), rand((5,), 2)], layout=layout)


def test_gradgradcheck_composite():
    gradgrad_ok(lambda a, b: tg.sigmoid(a @ b) / (1.5 + a.sum()), [(3, 4), (4, 2)])


def test_gradgradcheck_fails_on_a_wrong_second_derivative(monkeypatch):
    from teenygrad.ops import elementwise as E
    monkeypatch.setattr(E.Tanh, "backward_graph", lambda self, g: g * (1 - self._output(self.z).detach() ** 2))
    x = tg.tensor(rand((3,), 0, np.float64), requires_grad=True)
    assert not tg.autograd.gradgradcheck(lambda a: tg.tanh(a) * a, [x], raise_exception=False)
    with pytest.raises(AssertionError, match="gradcheck: gradient of input 0"):
        tg.autograd.gradgradcheck(lambda a: tg.tanh(a) * a, [x])


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
def test_backward_create_graph_accumulates_into_grad_as_torch():
    got = []
    for m in (torch, tg):
        x, w = _leaves(m, rand((3,), 0), rand((3,), 1))
        y = (m.tanh(x * w) ** 2).sum()
        y.backward(create_graph=True)
        first = x.grad
        assert first.requires_grad and first.grad_fn is not None
        (first ** 2).sum().backward()  # lands on top of the graph gradients already in x.grad and w.grad
        got.append((to_np(first).copy(), to_np(x.grad), to_np(w.grad)))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, **TOL)


def test_backward_create_graph_keeps_the_graph():
    x = tg.tensor(rand((4,), 0), requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(create_graph=True)
    g1 = to_np(x.grad).copy()
    y.backward()  # torch: retain_graph defaults to create_graph, so a second pass through y still works
    np.testing.assert_allclose(to_np(x.grad), 2 * g1, rtol=1e-6)


def test_backward_create_graph_inputs():
    got = []
    for m in (torch, tg):
        x, w = _leaves(m, rand((3,), 0), rand((3,), 1))
        y = (x * x * w).sum()
        y.backward(create_graph=True, inputs=[x])
        assert w.grad is None
        x.grad.sum().backward(inputs=[w])
        got.append((to_np(x.grad), to_np(w.grad)))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, **TOL)


def test_retain_grad_and_hooks_under_create_graph():
    got = []
    for m in (torch, tg):
        x = m.tensor(rand((3,), 0), requires_grad=True)
        h = x * x
        h.retain_grad()
        h.register_hook(lambda g: g * h)  # the hook's arithmetic is part of the graph under create_graph
        y = m.sin(h).sum()
        (gx,) = m.autograd.grad(y, x, create_graph=True)
        retained = h.grad
        assert retained.requires_grad
        first = (to_np(gx).copy(), to_np(retained).copy())
        (gx.sum() + retained.sum()).backward()
        got.append(first + (to_np(x.grad), to_np(h.grad)))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, **TOL)


def test_grad_outputs_that_require_grad():
    got = []
    for m in (torch, tg):
        x, v = _leaves(m, rand((2, 3), 0), rand((2, 3), 1))
        y1, y2 = x.exp(), (x * 3.0).sum(1)
        v2 = m.tensor(rand((2,), 2), requires_grad=True)
        (g,) = m.autograd.grad((y1, y2), x, (v, v2), create_graph=True)
        (g * g).sum().backward()
        got.append((to_np(g), to_np(x.grad), to_np(v.grad), to_np(v2.grad)))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, **TOL)


def test_first_order_results_stay_plain():
    x = tg.tensor(rand((3,), 0), requires_grad=True)
    (g,) = tg.autograd.grad((x * x).sum(), x)
    assert not g.requires_grad and g.grad_fn is None
    (g,) = tg.autograd.grad((x * x).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None


def test_a_linear_function_has_a_constant_gradient():
    for m in (torch, tg):
        x = m.tensor(rand((3,), 0), requires_grad=True)
        (g,) = m.autograd.grad((x * 2.0).sum(), x, create_graph=True)
        assert not g.requires_grad  # d/dx of 2x is 2: nothing left to differentiate, in torch as here


class _Cube(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


class _TorchCube(torch.autograd.Function):
    forward = staticmethod(_Cube.forward)
    backward = staticmethod(_Cube.backward)


def test_custom_function_double_backward():
    got = []
    for m, fn in ((torch, _TorchCube), (tg, _Cube)):
        x = m.tensor(rand((4,), 0), requires_grad=True)
        (g,) = m.autograd.grad(fn.apply(x).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        got.append((to_np(g), to_np(gg)))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, **TOL)
    np.testing.assert_allclose(got[1][1], 6 * rand((4,), 0), rtol=1e-5)


def test_once_differentiable_refuses_the_second_derivative():
    class Once(tg.autograd.Function):  # _Cube, its backward marked
        forward = staticmethod(_Cube.forward)
        backward = staticmethod(tg.autograd.function.once_differentiable(_Cube.backward))

    x = tg.tensor(rand((4,), 0), requires_grad=True)
    (g,) = tg.autograd.grad(Once.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(to_np(g), 3 * rand((4,), 0) ** 2, rtol=1e-6)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="marked with @once_differentiable"):
        g.sum().backward()
    (g1,) = tg.autograd.grad(Once.apply(x).sum(), x)  # first order is unaffected
    np.testing.assert_allclose(to_np(g1), to_np(g))


def test_an_op_without_a_graph_backward_names_itself():
    class Twice(tg.autograd.Function):  # an internal-style op: array forward/backward only
        saves_inputs = False

        def forward(self, x):
            return x * 2

        def backward(self, g):
            return g * 2

    x = tg.tensor(rand((3,), 0), requires_grad=True)
    y = Twice.apply(x).sum()
    (g,) = tg.autograd.grad(y, x, retain_graph=True)  # first order works
    np.testing.assert_allclose(to_np(g), 2.0)
    with pytest.raises(NotImplementedError, match=r"twice: double backward \(create_graph=True\) is not supported"):
        tg.autograd.grad(y, x, create_graph=True)


def test_version_check_under_create_graph():
    for m in (torch, tg):
        x = m.tensor(rand((3,), 0), requires_grad=True)
        h = x * 1.0
        y = (h * h).sum()
        with m.no_grad():
            h.mul_(2.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            m.autograd.grad(y, x, create_graph=True)


def test_second_derivative_through_an_inplace_op():
    got = []
    for m in (torch, tg):
        x = m.tensor(rand((3,), 0), requires_grad=True)
        h = x * 1.0
        h.mul_(x)  # h = x^2, in place on a graph tensor
        (g,) = m.autograd.grad((h * x).sum(), x, create_graph=True)  # 3x^2
        (gg,) = m.autograd.grad(g.sum(), x)  # 6x
        got.append((to_np(g), to_np(gg)))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, **TOL)


# ---- autograd.functional ------------------------------------------------------------------------------------

def _f(m):
    return lambda a, b: m.tanh(a).sum() * (b ** 3).sum() + (a[:2] * b.sum(0)).sum() ** 2


def _ab(m):
    return m.tensor(rand((3,), 0, np.float64)), m.tensor(rand((2, 2), 1, np.float64))


def test_hessian_against_torch():
    want = torch.autograd.functional.hessian(_f(torch), _ab(torch))
    got = tg.autograd.functional.hessian(_f(tg), _ab(tg))
    for rw, rg in zip(want, got):
        for w, g in zip(rw, rg):
            assert_close(g, w, "hessian block", **TOL)
    want = torch.autograd.functional.hessian(lambda x: (x ** 3).sum() * x[0], torch.tensor(rand((4,), 2)))
    got = tg.autograd.functional.hessian(lambda x: (x ** 3).sum() * x[0], tg.tensor(rand((4,), 2)))
    assert_close(got, want, "hessian of one input", **TOL)


@pytest.mark.parametrize("op", ["hvp", "vhp"])
def test_hessian_vector_products_against_torch(op):
    vs = (rand((3,), 5, np.float64), rand((2, 2), 6, np.float64))
    ow, pw = getattr(torch.autograd.functional, op)(_f(torch), _ab(torch), tuple(torch.tensor(v) for v in vs))
    og, pg = getattr(tg.autograd.functional, op)(_f(tg), _ab(tg), tuple(tg.tensor(v) for v in vs))
    assert_close(og, ow, f"{op} value", **TOL)
    for g, w in zip(pg, pw):
        assert_close(g, w, f"{op} product", **TOL)


def test_hessian_helpers_refuse_bad_input():
    x = tg.tensor(rand((3,), 0))
    with pytest.raises(RuntimeError, match="hessian: The function given to hessian should return a single element"):
        tg.autograd.functional.hessian(lambda a: a * 2.0, x)
    with pytest.raises(RuntimeError, match=r"vhp: Entry 0 in v has invalid size: should be \(3,\) but got \(2,\)"):
        tg.autograd.functional.vhp(lambda a: a.sum(), x, tg.tensor(rand((2,), 0)))
    with pytest.raises(RuntimeError, match="independent of input 0"):
        tg.autograd.functional.hessian(lambda a: tg.tensor(1.0, requires_grad=True) * 2.0, x, strict=True)


def test_func_grad_composes():
    x = rand((3,), 0)
    got = []
    for m in (torch, tg):
        f = lambda t: (m.sin(t) * t).sum()
        g1 = m.func.grad(f)
        g2 = m.func.grad(lambda t: g1(t).sum())
        p = m.tensor(x, requires_grad=True)  # a parameter: func.grad's result stays differentiable in it
        g1(p).pow(2).sum().backward()
        got.append((to_np(g1(m.tensor(x))), to_np(g2(m.tensor(x))), to_np(p.grad)))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
def test_zero_grad_detaches_a_graph_gradient_as_torch():
    for m in (torch, tg):
        w = m.nn.Parameter(m.tensor(rand((3, 2), 0)))
        x = m.tensor(rand((4, 3), 1))
        opt = m.optim.SGD([w], lr=0.1)
        (x @ w).pow(2).sum().backward(create_graph=True)
        g = w.grad
        penalty = (g * g).sum()  # saves g
        opt.zero_grad(set_to_none=False)
        assert w.grad is g and not g.requires_grad and g.grad_fn is None
        assert not np.any(to_np(g))
        with pytest.raises(RuntimeError, match="modified by an inplace operation|detached in-place"):
            penalty.backward()  # torch names the detach_, we the write: both refuse the zeroed value


def test_double_backward_stays_on_the_fake_gpu():
    import fake_cupy
    undo = fake_cupy.install()
    try:
        def run(device):
            x = tg.tensor(rand((4, 3), 0), requires_grad=True, device=device)
            w = tg.tensor(rand((3, 5), 1), requires_grad=True, device=device)
            y = (tg.sigmoid(x @ w) * tg.relu(x).sum(1, keepdim=True)).sum()
            (g,) = tg.autograd.grad(y, x, create_graph=True)
            ((g * g).sum() + g.mean()).backward()
            return g, x.grad, w.grad
        for r, t in zip(run("cpu"), run("cuda")):
            assert type(t._data) is fake_cupy.FakeDeviceArray
            np.testing.assert_allclose(t.cpu().numpy(), r.numpy(), atol=1e-6, rtol=1e-5)
    finally:
        undo()


# ---- linear algebra ---------------------------------------------------------------------------------------------

_A = rand((3, 3), 0) + 3 * np.eye(3, dtype=np.float32)  # well away from singular: det's graph form divides by it


@pytest.mark.parametrize("name,fn,arrays", [
    ("inv", lambda m, a: m.linalg.inv(a), [_A]),
    ("det", lambda m, a: m.linalg.det(a), [_A]),
    ("slogdet", lambda m, a: m.linalg.slogdet(a)[1], [_A]),
    ("solve", lambda m, a, b: m.linalg.solve(a, b), [_A, rand((3, 2), 1)]),
])
def test_linalg_double_backward(name, fn, arrays):
    compare_double(fn, arrays, layout="T")
    eye = 3 * tg.eye(3, dtype=tg.float64)
    gradgrad_ok(lambda a, *rest: fn(tg, a + eye, *rest), [a.shape for a in arrays])


def test_to_device_double_backward_on_the_fake_gpu():
    import fake_cupy
    undo = fake_cupy.install()
    try:
        x = tg.tensor(rand((3,), 0), requires_grad=True)
        y = (x.to("cuda") ** 3).sum()
        (g,) = tg.autograd.grad(y, x, create_graph=True)
        assert type(g._data) is np.ndarray
        (gg,) = tg.autograd.grad(g.sum(), x)
        np.testing.assert_allclose(to_np(gg), 6 * rand((3,), 0), rtol=1e-5)
    finally:
        undo()


def test_docs_list_every_op_without_a_graph_backward():
    """docs/autograd.md names the ops a create_graph pass can't go through; it must name exactly those."""
    import importlib
    import pathlib
    import pkgutil
    import re
    from teenygrad.autograd.function import Function
    from teenygrad.ops.linalg import MultiOutput
    import teenygrad.ops as ops
    for m in pkgutil.iter_modules(ops.__path__):
        importlib.import_module("teenygrad.ops." + m.name)
    for name in ("tensor_inplace", "tensor_misc", "tensor_special", "utils.checkpoint", "nn.functional_ctc",
                 "nn.functional_fractional"):
        importlib.import_module("teenygrad." + name)

    def subclasses(c):
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)

    def lacks(c):
        if hasattr(c, "_node_cls") or c is MultiOutput:  # a torch-style custom Function (its node has one); the base
            return False
        if issubclass(c, MultiOutput):
            return not hasattr(c, "backward_graph_multi")
        return c.backward_graph is Function.backward_graph

    actual = {c.__name__ for c in subclasses(Function) if c.__module__.startswith("teenygrad.") and lacks(c)}
    text = (pathlib.Path(__file__).parent.parent / "docs" / "autograd.md").read_text()
    block = text.split("<!-- no-graph-backward:start -->")[1].split("<!-- no-graph-backward:end -->")[0]
    documented = {name for name in re.findall(r"`([A-Z][A-Za-z]+)`", block)}
    assert documented == actual, f"documented only: {documented - actual}; missing from the docs: {actual - documented}"


def test_gradient_penalty_through_nn_layers_on_the_fake_gpu():
    """A WGAN-GP penalty through Linear, LeakyReLU and ELU (and the new softplus/silu/softmax paths) on the fake
    GPU: every array stays on the device and the gradients equal the CPU run's."""
    import fake_cupy
    undo = fake_cupy.install()
    try:
        def run(device):
            tg.manual_seed(0)
            nn = tg.nn
            D = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 8), nn.ELU(), nn.Linear(8, 1)).to(device)
            x = tg.tensor(rand((5, 4), 0), device=device, requires_grad=True)
            (g,) = tg.autograd.grad(D(x).sum(), x, create_graph=True)
            penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
            (penalty + (tg.nn.functional.softplus(x) + tg.nn.functional.silu(x) + x.softmax(-1)).sum()).backward()
            return D[0].weight.grad, x.grad
        for r, t in zip(run("cpu"), run("cuda")):
            assert type(t._data) is fake_cupy.FakeDeviceArray
            np.testing.assert_allclose(t.cpu().numpy(), r.numpy(), atol=1e-5, rtol=1e-5)
    finally:
        undo()


def _spd(n, seed):
    m = rand((n, n), seed)
    return (m @ m.T + n * np.eye(n)).astype(np.float32)


def _sym(n, seed):
    m = rand((n, n), seed)
    return (m + m.T + np.diag(np.arange(n) * 2.0)).astype(np.float32)  # eigenvalues well apart


@pytest.mark.parametrize("name,fn,arrays", [
    ("cholesky", lambda m, a: m.linalg.cholesky(a), [_spd(3, 0)]),
    ("eigh", lambda m, a: tuple(m.linalg.eigh(a)), [_sym(3, 1)]),
    ("eigh_vectors", lambda m, a: m.linalg.eigh(a)[1].abs(), [_sym(3, 2)]),
    ("eigvalsh", lambda m, a: m.linalg.eigvalsh(a), [_sym(3, 3)]),
    # both outputs in one product: their gradients reach the op through two slot nodes each in the second pass
    ("eigh_mixed", lambda m, a: (lambda w, v: (v * w.unsqueeze(-2)).abs())(*m.linalg.eigh(a)), [_sym(3, 12)]),
    ("matrix_exp", lambda m, a: m.linalg.matrix_exp(a), [rand((3, 3), 4) * 0.5]),
    ("pinv", lambda m, a: m.linalg.pinv(a), [rand((4, 3), 7) + np.eye(4, 3, dtype=np.float32) * 2]),
    # Q R is unique up to the signs of R's diagonal, which torch and numpy both make LAPACK's: compare as they are
    ("qr_tall", lambda m, a: tuple(m.linalg.qr(a)), [rand((4, 3), 13) + np.eye(4, 3, dtype=np.float32) * 2]),
    ("qr_wide", lambda m, a: tuple(m.linalg.qr(a)), [rand((2, 3), 14) + np.eye(2, 3, dtype=np.float32) * 2]),
    ("lu", lambda m, a: tuple(m.linalg.lu(a))[1:], [rand((3, 3), 15)]),
    ("lu_tall", lambda m, a: tuple(m.linalg.lu(a))[1:], [rand((4, 3), 16)]),
    ("lu_wide", lambda m, a: tuple(m.linalg.lu(a))[1:], [rand((2, 4), 17)]),
    ("lu_factor", lambda m, a: m.linalg.lu_factor(a)[0], [rand((3, 3), 18)]),
    ("lu_factor_tall", lambda m, a: m.linalg.lu_factor(a)[0], [rand((4, 2), 19)]),
    ("svdvals", lambda m, a: m.linalg.svdvals(a), [rand((4, 3), 9) + np.diag([3.0, 2.0, 1.0]).astype(np.float32)[[0, 1, 2, 0]]]),
    # singular vectors are defined up to sign: a loss on U S Vh pieces torch and we agree on
    ("svd_reduced", lambda m, a: (lambda u, s, vh: ((u * s.unsqueeze(-2)).abs(), s, vh.abs(), (u @ vh).abs()))(
        *m.linalg.svd(a, full_matrices=False)), [rand((4, 3), 10) + np.eye(4, 3, dtype=np.float32) * [3, 2, 1]]),
    ("svd_wide", lambda m, a: (lambda u, s, vh: ((u * s.unsqueeze(-2)) @ vh[:2], (u[:, :1] * vh[:1].mT.sum(0)).abs()))(
        *m.linalg.svd(a, full_matrices=False)), [rand((2, 4), 11) + np.eye(2, 4, dtype=np.float32) * [3, 1, 0, 0]]),
    ("pinv_wide", lambda m, a: m.linalg.pinv(a), [rand((2, 3), 8) + np.eye(2, 3, dtype=np.float32) * 2]),
    ("solve_triangular", lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False), [_A, rand((3, 2), 5)]),
    ("solve_triangular_upper_unit",
     lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True, unitriangular=True), [_A, rand((3, 2), 6)]),
])
def test_linalg_decompositions_double_backward(name, fn, arrays):
    # eigh's eigenvectors are defined up to sign: a loss on |V| (or on the outputs together) is what torch and we
    # agree on; the symmetric inputs keep the eigenvalues apart (F = 1 / (w_j - w_i) stays small)
    sym = name.startswith(("eigh", "eigvalsh", "cholesky"))
    compare_double(fn, arrays, layout="contig" if sym else "T")


@pytest.mark.parametrize("name,fn,shapes", [
    ("cholesky", lambda a: tg.linalg.cholesky(a @ a.mT + 3 * tg.eye(3, dtype=tg.float64)), [(3, 3)]),
    ("eigvalsh", lambda a: tg.linalg.eigvalsh(a + a.mT + tg.diag(tg.arange(3.0, dtype=tg.float64) * 3)), [(3, 3)]),
    ("eigh", lambda a: tg.linalg.eigh(a + a.mT + tg.diag(tg.arange(3.0, dtype=tg.float64) * 3))[1].abs().sum(0),
     [(3, 3)]),
    ("matrix_exp", lambda a: tg.linalg.matrix_exp(a * 0.5), [(3, 3)]),
    ("pinv", lambda a: tg.linalg.pinv(a + tg.eye(4, 3, dtype=tg.float64) * 2), [(4, 3)]),
    ("qr", lambda a: tuple(tg.linalg.qr(a + tg.eye(4, 3, dtype=tg.float64) * 2)), [(4, 3)]),
    ("qr_wide", lambda a: tuple(tg.linalg.qr(a + tg.eye(2, 3, dtype=tg.float64) * 2)), [(2, 3)]),
    ("lu", lambda a: tuple(tg.linalg.lu(a + tg.eye(3, dtype=tg.float64) * 3))[1:], [(3, 3)]),
    ("lu_wide", lambda a: tuple(tg.linalg.lu(a + tg.eye(2, 4, dtype=tg.float64) * 3))[1:], [(2, 4)]),
    ("lu_factor_tall", lambda a: tg.linalg.lu_factor(a + tg.eye(4, 2, dtype=tg.float64) * 3)[0], [(4, 2)]),
    ("svdvals", lambda a: tg.linalg.svdvals(a + tg.eye(4, 3, dtype=tg.float64) * tg.tensor([3.0, 2.0, 1.0],
                                                                                            dtype=tg.float64)),
     [(4, 3)]),
    ("svd", lambda a: (lambda u, s, vh: (u @ vh).abs().sum() + s.sum())(
        *tg.linalg.svd(a + tg.eye(4, 3, dtype=tg.float64) * tg.tensor([3.0, 2.0, 1.0], dtype=tg.float64),
                       full_matrices=False)), [(4, 3)]),
    ("solve_triangular", lambda a, b: tg.linalg.solve_triangular(a + 3 * tg.eye(3, dtype=tg.float64), b,
                                                                 upper=True), [(3, 3), (3, 2)]),
])
def test_gradgradcheck_linalg_decompositions(name, fn, shapes):
    gradgrad_ok(fn, shapes)
