"""teenygrad.func against torch.func: nested transforms, closures over parameters, vmap's modes and errors."""
import numpy as np
import pytest
import torch

import teenygrad as tg

TF, GF = torch.func, tg.func
ATOL = 1e-5


def rand(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def close(g, t):
    assert g.dtype == tg.float32 and tuple(g.shape) == tuple(t.shape)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), atol=ATOL, rtol=1e-4)


def test_nested_grad_differentiates_its_own_variable():
    """grad(lambda a: grad(lambda b: (b*a*x).sum())(a)): the inner grad is in b only (a * x.sum()), so the outer one
    is x.sum(); differentiating the inner one in a as well gave 2 a x.sum()."""
    s, x = rand((), 0), rand((3, 4), 1)
    def run(F, lib):
        xx = lib.tensor(x)
        return F.grad(lambda a: F.grad(lambda b: (b * a * xx).sum())(a))(lib.tensor(s))
    close(run(GF, tg), run(TF, torch))
    # and the second derivative of a function still composes
    f = lambda lib: (lambda a: a.sin() * a ** 3)
    close(GF.grad(GF.grad(f(tg)))(tg.tensor(s)), TF.grad(TF.grad(f(torch)))(torch.tensor(s)))


@pytest.mark.parametrize("transform", ["grad", "grad_and_value", "vjp", "jvp", "jacrev"])
def test_closure_over_parameter_stays_differentiable(transform):
    """A function closing over a tensor that requires grad: the transform's result stays in its graph, as torch's."""
    x, w0, v = rand((3, 4), 2), rand((3, 4), 3), rand((3, 4), 4)
    def run(F, lib):
        w = lib.tensor(w0, requires_grad=True)
        f = lambda a: (a ** 3 * w).sin()
        if transform == "grad":
            out = F.grad(lambda a: f(a).sum())(lib.tensor(x))
        elif transform == "grad_and_value":
            g, val = F.grad_and_value(lambda a: f(a).sum())(lib.tensor(x))
            out = g * val
        elif transform == "vjp":
            o, fn = F.vjp(f, lib.tensor(x))
            out = fn(lib.tensor(v))[0] + o
        elif transform == "jvp":
            o, t = F.jvp(f, (lib.tensor(x),), (lib.tensor(v),))
            out = o * t
        else:
            out = F.jacrev(lambda a: f(a).sum(0))(lib.tensor(x))
        assert out.requires_grad
        out.sum().backward()
        return w.grad
    close(run(GF, tg), run(TF, torch))


def test_plain_results_do_not_require_grad():
    x = tg.tensor(rand((3, 4), 5))
    g, val = GF.grad_and_value(lambda a: (a ** 3).sum())(x)
    assert not g.requires_grad and not val.requires_grad
    assert not GF.vjp(lambda a: a.sin(), x)[0].requires_grad


def test_jvp_differentiable_in_tangent():
    x, v = rand((3, 4), 6), rand((3, 4), 7)
    def run(F, lib):
        vv = lib.tensor(v, requires_grad=True)
        _, t = F.jvp(lambda a: a.sin() * a, (lib.tensor(x),), (vv,))
        return lib.autograd.grad((t * t).sum(), vv)[0]
    close(run(GF, tg), run(TF, torch))


def test_vjp_differentiable_in_cotangent():
    x, c = rand((3, 4), 8), rand((3, 4), 9)
    def run(F, lib):
        cc = lib.tensor(c, requires_grad=True)
        (g,) = F.vjp(lambda a: a.sin() * a, lib.tensor(x))[1](cc)
        return lib.autograd.grad((g * g).sum(), cc)[0]
    close(run(GF, tg), run(TF, torch))


@pytest.mark.parametrize("argnums, msg", [((), "argnums must be non-empty"),
                                          ((0, 0), "argnums elements must be unique"),
                                          ((0, -2), "argnums elements must be unique")])
def test_argnums_errors(argnums, msg):
    f = lambda a, b: (a * b).sum()
    for F, lib in ((TF, torch), (GF, tg)):
        with pytest.raises(RuntimeError, match=msg):
            F.grad(f, argnums=argnums)(lib.ones(2), lib.ones(2))


def test_vjp_cotangent_structure():
    for F, lib in ((TF, torch), (GF, tg)):
        _, fn = F.vjp(lambda a: (a * 2, a * 3), lib.ones(3))
        for bad in ((lib.ones(3),), [lib.ones(3), lib.ones(3)], lib.ones(3)):
            with pytest.raises(RuntimeError, match="pytree structure of cotangents"):
                fn(bad)


def test_jacrev_chunk_size_and_jacfwd_randomness():
    x = rand((3, 4), 10)
    close(GF.jacrev(lambda a: a.sin() @ a.T, chunk_size=2)(tg.tensor(x)),
          TF.jacrev(lambda a: a.sin() @ a.T, chunk_size=2)(torch.tensor(x)))
    close(GF.jacfwd(lambda a: a.exp(), randomness="same")(tg.tensor(x)),
          TF.jacfwd(lambda a: a.exp(), randomness="same")(torch.tensor(x)))
    for F, lib in ((TF, torch), (GF, tg)):
        with pytest.raises(ValueError, match="chunk_size"):
            F.jacrev(lib.sin, chunk_size=0)(lib.ones(3))
        with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
            F.jacfwd(lib.sin, randomness="foo")(lib.ones(3))


def test_linearize():
    x, v1, v2 = rand((3, 4), 11), rand((3, 4), 12), rand((3, 4), 13)
    (og, fg), (ot, ft) = (F.linearize(lambda a: a.sin() * a, lib.tensor(x)) for F, lib in ((GF, tg), (TF, torch)))
    close(og, ot)
    for v in (v1, v2):
        close(fg(tg.tensor(v)), ft(torch.tensor(v)))
    with pytest.raises(RuntimeError, match="shape"):
        fg(tg.ones(4))


def test_vmap_out_dims_none_and_tuple():
    x, y = rand((5, 3, 4), 14), rand((4,), 15)
    f = lambda F, lib: F.vmap(lambda a, b: (a * 2, b, a.sum()), in_dims=(0, None), out_dims=(1, None, 0))(
        lib.tensor(x), lib.tensor(y))
    for g, t in zip(f(GF, tg), f(TF, torch)):
        close(g, t)


def test_vmap_randomness():
    x = rand((4, 3), 16)
    for F, lib in ((TF, torch), (GF, tg)):
        with pytest.raises(RuntimeError, match="randomness error mode"):
            F.vmap(lambda a: a + lib.rand(3))(lib.tensor(x))
        with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
            F.vmap(lib.sin, randomness="foo")(lib.tensor(x))
        noise = F.vmap(lambda a: a + lib.rand(3), randomness="same")(lib.tensor(x)) - lib.tensor(x)
        assert float((noise - noise[0]).abs().max()) < 1e-6
        noise = F.vmap(lambda a: a + lib.rand(3), randomness="different")(lib.tensor(x)) - lib.tensor(x)
        assert float((noise - noise[0]).abs().max()) > 1e-3


def test_vmap_argument_errors():
    for F, lib in ((TF, torch), (GF, tg)):
        with pytest.raises(ValueError, match="chunk_size should be None or greater than 0"):
            F.vmap(lib.sin, chunk_size=0)(lib.ones(2, 3))
        with pytest.raises(ValueError, match="expected `in_dims` to be int or a"):
            F.vmap(lambda a: a, in_dims=[0])(lib.ones(2, 3))
    x = rand((6, 3), 17)
    close(GF.vmap(lambda a: a.sum(), chunk_size=4)(tg.tensor(x)),
          TF.vmap(lambda a: a.sum(), chunk_size=4)(torch.tensor(x)))


def test_vmap_empty_batch():
    x = rand((0, 3), 18)
    for out_dims in (0, 1):
        g = GF.vmap(lambda a: (a * 2, a.sum()), out_dims=(out_dims, 0))(tg.tensor(x))
        t = TF.vmap(lambda a: (a * 2, a.sum()), out_dims=(out_dims, 0))(torch.tensor(x))
        for a, b in zip(g, t):
            close(a, b)


def test_vmap_inplace_into_unmapped_argument_raises():
    """torch writes once into an unmapped tensor; a loop would write once per element: refuse, not repeat."""
    b = tg.zeros(())
    with pytest.raises(RuntimeError, match="vmap: func wrote in place into a tensor that is not mapped"):
        GF.vmap(lambda a, c: c.add_(1) + a, in_dims=(0, None))(tg.ones(3), b)
    # writing into the mapped argument is fine, as torch's (the slices are views of it)
    x, xt = tg.tensor(rand((3, 2), 19)), torch.tensor(rand((3, 2), 19))
    GF.vmap(lambda a: a.mul_(2))(x)
    TF.vmap(lambda a: a.mul_(2))(xt)
    close(x, xt)


def test_integer_outputs():
    """jvp gives an integer output a zero tangent of its dtype; vjp and jacrev refuse it, as torch's."""
    x, v = rand((3,), 20), rand((3,), 21)
    (pg, tg_), (pt, tt) = (F.jvp(lambda a: (a.sin(), (a > 0).long()), (lib.tensor(x),), (lib.tensor(v),))
                           for F, lib in ((GF, tg), (TF, torch)))
    close(pg[0], pt[0]), close(tg_[0], tt[0])
    assert tg_[1].dtype == tg.int64 and not tg_[1].numpy().any() and np.array_equal(pg[1].numpy(), pt[1].numpy())
    for F, lib in ((TF, torch), (GF, tg)):
        for op in (lambda f, a: F.vjp(f, a), lambda f, a: F.jacrev(f)(a)):
            with pytest.raises(RuntimeError, match="All outputs of f must be floating-point or complex Tensors"):
                op(lambda a: (a, (a > 0).long()), lib.tensor(x))
        with pytest.raises(RuntimeError, match="to return only tensors"):
            F.jvp(lambda a: 3.0, (lib.tensor(x),), (lib.tensor(v),))


@pytest.mark.parametrize("transform", ["grad", "vjp", "jacrev"])
def test_zero_gradient_of_inf_input_is_zero(transform):
    """an output that does not depend on the input: a zero gradient, not input * 0 (nan at inf)"""
    x = np.array([np.inf, -np.inf, 1.0], np.float32)
    def run(F, lib):
        a = lib.tensor(x)
        if transform == "grad":
            return F.grad(lambda q: lib.tensor(2.0))(a)
        if transform == "vjp":
            return F.vjp(lambda q: lib.ones(2), a)[1](lib.ones(2))[0]
        return F.jacrev(lambda q: lib.ones(2))(a)
    close(run(GF, tg), run(TF, torch))


def test_functional_jacobian_forward_mode_strategy():
    """strategy='forward-mode' (with vectorize=True) gives the same Jacobian; its misuses raise as torch's"""
    x = rand((3, 4), 22)
    f = lambda a: a.sin() @ a.T
    close(tg.autograd.functional.jacobian(f, tg.tensor(x), vectorize=True, strategy="forward-mode"),
          torch.autograd.functional.jacobian(f, torch.tensor(x), vectorize=True, strategy="forward-mode"))
    close(tg.autograd.functional.hessian(lambda a: (a.sin() * a).sum(), tg.tensor(x), vectorize=True,
                                         outer_jacobian_strategy="forward-mode"),
          torch.autograd.functional.hessian(lambda a: (a.sin() * a).sum(), torch.tensor(x), vectorize=True,
                                            outer_jacobian_strategy="forward-mode"))
    for lib in (torch, tg):
        AF = lib.autograd.functional
        with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
            AF.jacobian(lib.sin, lib.ones(3), strategy="forward-mode")
        with pytest.raises(NotImplementedError, match="`create_graph=True` and `strategy=\"forward-mode\"`"):
            AF.jacobian(lib.sin, lib.ones(3), strategy="forward-mode", vectorize=True, create_graph=True)


def test_vmap_out_dims_pytree_and_namedtuple_outputs():
    x = rand((5, 3, 4), 23)
    for out_dims in ((0, (1, 0)), (1, 0)):
        f = lambda a: (a, (a * 2, a.sum(0)))
        g, t = GF.vmap(f, out_dims=out_dims)(tg.tensor(x)), TF.vmap(f, out_dims=out_dims)(torch.tensor(x))
        close(g[0], t[0]), close(g[1][0], t[1][0]), close(g[1][1], t[1][1])
    g = GF.vmap(lambda a: {"p": a, "q": a.sum(0)}, out_dims={"p": 1, "q": 0})(tg.tensor(x))
    t = TF.vmap(lambda a: {"p": a, "q": a.sum(0)}, out_dims={"p": 1, "q": 0})(torch.tensor(x))
    close(g["p"], t["p"]), close(g["q"], t["q"])
    g, t = GF.vmap(lambda a: a.max(dim=1))(tg.tensor(x)), TF.vmap(lambda a: a.max(dim=1))(torch.tensor(x))
    close(g.values, t.values)
    assert np.array_equal(g.indices.numpy(), t.indices.numpy())


@pytest.mark.parametrize("transform", ["grad", "vjp", "jvp", "jacrev"])
def test_aux_must_be_tensors(transform):
    for F, lib in ((TF, torch), (GF, tg)):
        x = lib.ones(3)
        f = lambda a: ((a * 2).sum(), {"n": 3})
        call = {"grad": lambda: F.grad(f, has_aux=True)(x), "vjp": lambda: F.vjp(f, x, has_aux=True),
                "jvp": lambda: F.jvp(f, (x,), (x,), has_aux=True), "jacrev": lambda: F.jacrev(f, has_aux=True)(x)}
        with pytest.raises(RuntimeError, match="Expected tensors, got unsupported type <class 'int'>"):
            call[transform]()
    aux = GF.grad(lambda a: ((a * 2).sum(), {"m": [a.mean()]}), has_aux=True)(tg.ones(3))[1]
    assert float(aux["m"][0]) == 1.0 and not aux["m"][0].requires_grad
