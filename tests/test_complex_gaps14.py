"""Complex gaps against torch: nan_to_num on complex tensors (parts replaced separately, not differentiable),
float_power's complex128 promotion (forward, gradients, float_power_'s dtype check), and second derivatives of
complex einsum, prod and cumprod (create_graph, then a second grad of a real loss)."""
import numpy as np
import pytest
import torch

import teenygrad as tg

TOL = dict(rtol=1e-9, atol=1e-11)  # complex128 / float64 throughout; complex64 forward only
INF, NAN = float("inf"), float("nan")
_SPECIALS = [complex(NAN, 1), complex(INF, -INF), complex(1, NAN), complex(-INF, 2), 3 + 4j, complex(NAN, INF),
             complex(-INF, NAN), 0j]


def _crandn(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _np(t):
    return t.detach().resolve_conj().numpy() if isinstance(t, torch.Tensor) else t.detach().numpy()


# ---- nan_to_num ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cdtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("args", [{}, dict(nan=1.5, posinf=2.0, neginf=-3.0), dict(posinf=7.0), dict(neginf=-1e30)])
def test_nan_to_num_complex_forward(cdtype, args):
    a = np.array(_SPECIALS, dtype=cdtype)
    a = np.stack([a, a[::-1]])[:, ::2]  # a strided view
    ot, og = torch.nan_to_num(torch.tensor(a), **args), tg.nan_to_num(tg.tensor(a), **args)
    assert og.dtype == cdtype
    np.testing.assert_array_equal(_np(og), _np(ot))
    ot, og = torch.tensor(a).nan_to_num_(**args), tg.tensor(a).nan_to_num_(**args)
    np.testing.assert_array_equal(_np(og), _np(ot))


def test_nan_to_num_complex_is_not_differentiable():
    a = np.array(_SPECIALS)
    for lib in (torch, tg):
        x = lib.tensor(a, requires_grad=True)
        with pytest.raises(RuntimeError, match="nan_to_num does not support automatic differentiation"):
            lib.nan_to_num(x)
        with lib.no_grad():  # without a graph it is fine
            np.testing.assert_array_equal(_np(lib.nan_to_num(x)), np.nan_to_num(a))


def test_nan_to_num_real_gradient_unchanged():
    a = np.array([NAN, INF, -INF, 1.5, -2.0])
    xt, xg = torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)
    w = np.linspace(0.1, 0.9, 5)  # below 1: the default neginf times w stays finite
    (torch.nan_to_num(xt, posinf=3.0) * torch.tensor(w)).sum().backward()
    (tg.nan_to_num(xg, posinf=3.0) * tg.tensor(w)).sum().backward()
    np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())


# ---- float_power -----------------------------------------------------------------------------------------------

def _operand(kind, rng, lib, leaf):
    """A base/exponent by kind: real or complex tensor (float32 / complex64, promoted by float_power), or a number."""
    if kind == "real":
        a = rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32)
    elif kind == "complex":
        a = _crandn(rng, (2, 3)).astype(np.complex64)
    else:
        return {"int": 2, "float": 1.5, "cnum": 0.5 - 1.25j}[kind]
    return lib.tensor(a, requires_grad=leaf)


_POW_CASES = [("real", "complex"), ("complex", "real"), ("complex", "complex"), ("complex", "int"), ("complex", "float"),
              ("complex", "cnum"), ("real", "cnum"), ("real", "real"), ("real", "float")]


def _float_power(lib, base, exp, leaf):
    rng = np.random.default_rng(0)
    b, e = _operand(base, rng, lib, leaf), _operand(exp, rng, lib, leaf)
    return b, e, lib.float_power(b, e)


@pytest.mark.parametrize("base,exp", _POW_CASES)
def test_float_power_complex_promotion(base, exp):
    (*_, zt), (*_, zg) = _float_power(torch, base, exp, False), _float_power(tg, base, exp, False)
    assert str(zt.dtype).split(".")[-1] == str(zg.dtype)
    np.testing.assert_allclose(_np(zg), _np(zt), **TOL)


@pytest.mark.parametrize("base,exp", _POW_CASES)
def test_float_power_complex_grad(base, exp):
    res = {}
    for lib in (torch, tg):
        b, e, z = _float_power(lib, base, exp, True)
        w = lib.tensor(np.random.default_rng(1).standard_normal(z.shape))
        loss = (lib.view_as_real(z)[..., 0] * w).sum() + (z.abs() * w).sum() if z.is_complex() else (z * w).sum()
        res[lib] = lib.autograd.grad(loss, [t for t in (b, e) if isinstance(t, lib.Tensor)])
    for a, b in zip(res[tg], res[torch]):
        assert str(b.dtype).split(".")[-1] == str(a.dtype)
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=1e-6)  # float32 / complex64 leaves


def test_float_power_number_base_complex_exponent():
    e = _crandn(np.random.default_rng(2), 4).astype(np.complex64)
    ot, og = torch.float_power(2, torch.tensor(e)), tg.float_power(2, tg.tensor(e))
    assert og.dtype == np.complex128
    np.testing.assert_allclose(_np(og), _np(ot), **TOL)


@pytest.mark.parametrize("base,exp,ok", [(np.float64, 1j, False), (np.float64, np.complex64, False),
                                         (np.complex64, 2, False), (np.complex128, 2, True),
                                         (np.complex128, np.float32, True), (np.complex128, 2.5, True),
                                         (np.complex128, 0.5 + 1j, True), (np.float64, 2.5, True)])
def test_float_power_inplace_dtypes(base, exp, ok):
    """float_power_ keeps self's dtype, so it must already be the result's (complex128 when anything is complex)."""
    rng = np.random.default_rng(3)
    arr = lambda d: _crandn(rng, 4).astype(d) if np.dtype(d).kind == "c" else rng.uniform(0.5, 2, 4).astype(d)  # noqa
    a, e = arr(base), arr(exp) if isinstance(exp, type) else exp
    out = []
    for lib in (torch, tg):
        x, ex = lib.tensor(a), lib.tensor(e) if isinstance(e, np.ndarray) else e
        if not ok:
            with pytest.raises(RuntimeError, match="float_power_.*requires dtype"):
                x.float_power_(ex)
            continue
        assert x.float_power_(ex) is x
        out.append(_np(x))
    if ok:
        np.testing.assert_allclose(out[1], out[0], **TOL)


# ---- second derivatives of einsum, prod, cumprod ---------------------------------------------------------------

def _second_order(fn, arrays, loss2):
    """g = d(real loss of fn)/d leaves with create_graph, then the grads of loss2(g): teenygrad == torch."""
    out = {}
    for lib in (torch, tg):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        z = fn(lib, *xs)
        w = lib.tensor(np.random.default_rng(7).standard_normal(tuple(z.shape) + (2,)))
        loss = (lib.view_as_real(z) * w).sum()
        gs = lib.autograd.grad(loss, xs, create_graph=True)
        l2 = sum(loss2(g) for g in gs)
        out[lib] = [_np(g) for g in gs] + [_np(h) for h in lib.autograd.grad(l2, xs)]
    for a, b in zip(out[tg], out[torch]):
        np.testing.assert_allclose(a, b, **TOL)


_LOSS2 = {"abs2": lambda g: (g.abs() ** 2).sum(), "real": lambda g: (g.real * g.imag).sum() + g.real.sum(),
          "imag": lambda g: (g.imag ** 3).sum()}


@pytest.mark.parametrize("loss2", sorted(_LOSS2))
@pytest.mark.parametrize("spec,shapes", [("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
                                         ("ii,ij->j", [(3, 3), (3, 2)]), ("ij,j,jk->i", [(2, 3), (3,), (3, 2)]),
                                         ("ij,ij->", [(2, 3), (2, 3)])])
def test_einsum_complex_second_derivative(spec, shapes, loss2):
    rng = np.random.default_rng(11)
    arrays = [_crandn(rng, s) for s in shapes]
    _second_order(lambda lib, *xs: lib.einsum(spec, *xs) * (1 + 0j), arrays, _LOSS2[loss2])


def _with_zeros(rng, shape, zeros):
    a = _crandn(rng, shape)
    a.reshape(-1)[list(zeros)] = 0
    return a


@pytest.mark.parametrize("loss2", sorted(_LOSS2))
@pytest.mark.parametrize("zeros", [(), (4,), (1, 5)])
@pytest.mark.parametrize("op", ["prod", "prod_all", "cumprod"])
def test_prod_cumprod_complex_second_derivative(op, zeros, loss2):
    a = _with_zeros(np.random.default_rng(5), (2, 4), zeros)
    fns = {"prod": lambda lib, x: x.prod(1), "prod_all": lambda lib, x: x.prod().reshape(1),
           "cumprod": lambda lib, x: x.cumprod(1)}
    _second_order(fns[op], [a], _LOSS2[loss2])
    _second_order(lambda lib, x: fns[op](lib, x.transpose(0, 1)), [a], _LOSS2[loss2])  # a non-contiguous input


@pytest.mark.parametrize("expo", ["tensor", 3, 0.5 - 1.25j])
def test_complex_pow_second_derivative_like_torch(expo):
    """x ** p with complex x: the first gradient under create_graph (PowScalar's backward_graph) is torch's conjugate
    derivative, and so is the second (they were the real formulas); |z|'s graph keeps sgn(z) = z / |z| (it was a
    constant: second derivatives through a complex abs came out wrong)"""
    rng = np.random.default_rng(4)
    xa, ya = _crandn(rng, (2, 3)), _crandn(rng, (2, 3))
    res = []
    for lib in (torch, tg):
        x = lib.tensor(xa, requires_grad=True)
        y = lib.tensor(ya, requires_grad=True) if expo == "tensor" else expo
        z = x ** y
        leaves = [x, y] if expo == "tensor" else [x]
        gs = lib.autograd.grad((z.abs() ** 2).sum(), leaves, create_graph=True)
        second = lib.autograd.grad(sum((g.real ** 2 + g.imag).sum() for g in gs), leaves)
        res.append([_np(t.detach()) for t in (*gs, *second)])
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
