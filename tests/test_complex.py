"""Complex tensors against torch: the rotary embedding of Meta's Llama (polar, view_as_complex, view_as_real), each
complex op forward and backward (torch's conjugate-Wirtinger gradients), promotion, printing, and the ops that refuse
complex inputs. Backward goes through a real loss: sum(w * view_as_real(out)) with random w."""
import numpy as np
import pytest
import torch

import teenygrad as tg

RTOL = {np.complex64: (1e-5, 1e-5), np.complex128: (1e-10, 1e-12)}  # (rtol, atol) per dtype
CDTYPES = [np.complex64, np.complex128]


def _crandn(rng, shape, cdtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(cdtype)


def _leaves(*arrays):
    """The same arrays as a torch and a teenygrad leaf each."""
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    g = [tg.tensor(a, requires_grad=True) for a in arrays]
    return t, g


def _loss(lib, out, w):
    real = lib.view_as_real(out) if out.is_complex() else out
    return (real * lib.tensor(w.astype(real.detach().numpy().dtype))).sum()


def _check(fn, arrays, cdtype, rng):
    """fn(lib, *leaves) under torch and teenygrad: same values, dtype and gradients of every leaf."""
    rtol, atol = RTOL[cdtype]
    t, g = _leaves(*arrays)
    ot, og = fn(torch, *t), fn(tg, *g)
    assert str(ot.dtype).split(".")[-1] == str(og.dtype).split(".")[-1]
    np.testing.assert_allclose(og.detach().numpy(), ot.detach().resolve_conj().numpy(), rtol=rtol, atol=atol)
    w = rng.standard_normal(tuple(ot.shape) + ((2,) if ot.is_complex() else ()))
    _loss(torch, ot, w).backward()
    _loss(tg, og, w).backward()
    for a, b in zip(t, g):
        assert b.grad is not None and b.grad.dtype == b.dtype
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=rtol, atol=atol)


def _apply_rotary_emb(lib, xq, xk, freqs):
    """Meta's apply_rotary_emb, with freqs_cis built by polar from freqs (so freqs gets a gradient too)."""
    freqs_cis = lib.polar(lib.ones_like(freqs), freqs)
    xq_ = lib.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
    xk_ = lib.view_as_complex(xk.float().reshape(*xk.shape[:-1], -1, 2))
    shape = [d if i == 1 or i == xq_.ndim - 1 else 1 for i, d in enumerate(xq_.shape)]
    freqs_cis = freqs_cis.view(*shape)
    xq_out = lib.view_as_real(xq_ * freqs_cis).flatten(3)
    xk_out = lib.view_as_real(xk_ * freqs_cis).flatten(3)
    return xq_out.type_as(xq), xk_out.type_as(xk)


def test_rotary_embedding_forward_backward():
    rng = np.random.default_rng(0)
    b, t, h, hk, e = 2, 5, 4, 2, 8
    xq = rng.standard_normal((b, t, h, e)).astype(np.float32)
    xk = rng.standard_normal((b, t, hk, e)).astype(np.float32)
    freqs = np.outer(np.arange(t), 1.0 / 10000.0 ** (np.arange(0, e, 2) / e)).astype(np.float32)
    ts, gs = _leaves(xq, xk, freqs)
    outs_t, outs_g = _apply_rotary_emb(torch, *ts), _apply_rotary_emb(tg, *gs)
    ws = [rng.standard_normal(o.shape).astype(np.float32) for o in outs_t]
    for ot, og in zip(outs_t, outs_g):
        assert og.dtype == tg.float32
        np.testing.assert_allclose(og.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-5)
    sum((o * torch.tensor(w)).sum() for o, w in zip(outs_t, ws)).backward()
    sum((o * tg.tensor(w)).sum() for o, w in zip(outs_g, ws)).backward()
    for a, g in zip(ts, gs):
        np.testing.assert_allclose(g.grad.numpy(), a.grad.numpy(), rtol=1e-4, atol=1e-4)


_BINARY = {
    "mul": lambda lib, x, y: x * y,
    "add": lambda lib, x, y: x + y,
    "sub": lambda lib, x, y: x - y,
    "div": lambda lib, x, y: x / y,
    "rsub_div": lambda lib, x, y: (2.5 - x) / (y * y),
}


@pytest.mark.parametrize("cdtype", CDTYPES)
@pytest.mark.parametrize("op", list(_BINARY))
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5))])
def test_binary(op, shapes, cdtype):
    rng = np.random.default_rng(1)
    _check(_BINARY[op], [_crandn(rng, s, cdtype) for s in shapes], cdtype, rng)


_WITH_NUMBER = {
    "mul_complex": lambda lib, x: x * (0.5 - 2j), "rmul_complex": lambda lib, x: (0.5 - 2j) * x,
    "mul_float": lambda lib, x: x * 1.5, "add_complex": lambda lib, x: x + 1j, "rsub_float": lambda lib, x: 3.0 - x,
    "div_complex": lambda lib, x: x / (1 + 1j), "rdiv_complex": lambda lib, x: (2 - 1j) / x,
}


@pytest.mark.parametrize("cdtype", CDTYPES)
@pytest.mark.parametrize("op", list(_WITH_NUMBER))
def test_with_python_number(op, cdtype):
    rng = np.random.default_rng(2)
    _check(_WITH_NUMBER[op], [_crandn(rng, (3, 4), cdtype)], cdtype, rng)


_UNARY = {
    "conj": lambda lib, z: z.conj() * z, "abs": lambda lib, z: z.abs(), "angle": lambda lib, z: z.angle(),
    "real": lambda lib, z: z.real * 3, "imag": lambda lib, z: z.imag * 3, "neg": lambda lib, z: -z,
    "sum": lambda lib, z: z.sum(), "sum_dim": lambda lib, z: z.sum(1), "mean": lambda lib, z: z.mean(0),
    "reshape": lambda lib, z: z.reshape(4, 3) * z.reshape(4, 3), "view": lambda lib, z: z.view(2, 6),
    "flatten": lambda lib, z: z.flatten(), "index": lambda lib, z: z[1:, ::2] * z[0, :2],
    "unsqueeze": lambda lib, z: z.unsqueeze(1) * z.unsqueeze(0), "transpose": lambda lib, z: z.t() * 2,
    "view_as_real": lambda lib, z: lib.view_as_real(z) * lib.view_as_real(z),
    "roundtrip": lambda lib, z: lib.view_as_complex(lib.view_as_real(z) * 2) * z,
}


@pytest.mark.parametrize("cdtype", CDTYPES)
@pytest.mark.parametrize("op", list(_UNARY))
def test_unary_and_movement(op, cdtype):
    rng = np.random.default_rng(3)
    _check(_UNARY[op], [_crandn(rng, (3, 4), cdtype)], cdtype, rng)


_FROM_REAL = {
    "polar": lambda lib, r, a: lib.polar(r, a),
    "complex": lambda lib, r, a: lib.complex(r, a) * lib.complex(a, r),
    "view_as_complex": lambda lib, r, a: lib.view_as_complex(lib.stack([r, a], -1)) * lib.complex(r, a),
    "real_times_complex": lambda lib, r, a: r * lib.complex(a, r),
    "complex_div_real": lambda lib, r, a: lib.complex(a, r) / (r.abs() + 1),
    "times_1j": lambda lib, r, a: (r * 1j + a).conj() * 2,
}


@pytest.mark.parametrize("cdtype", CDTYPES)
@pytest.mark.parametrize("op", list(_FROM_REAL))
def test_from_real(op, cdtype):
    rng = np.random.default_rng(4)
    real = np.float32 if cdtype is np.complex64 else np.float64
    _check(_FROM_REAL[op], [rng.standard_normal((3, 4)).astype(real) for _ in range(2)], cdtype, rng)


def test_abs_angle_at_zero():
    """torch's gradient of |z| and angle(z) at z = 0 is 0, not nan."""
    z = np.array([0j, 1 + 1j], np.complex128)
    for f in (lambda lib, z: z.abs(), lambda lib, z: z.angle()):
        _check(f, [z], np.complex128, np.random.default_rng(5))


@pytest.mark.parametrize("a,b", [("float32", "complex64"), ("float64", "complex64"), ("complex64", "complex128"),
                                 ("int64", "complex64")])
def test_promotion(a, b):
    for xs, ys in [((2,), (2,)), ((2,), ()), ((), (2,))]:
        t = torch.ones(xs, dtype=getattr(torch, a)) * torch.ones(ys, dtype=getattr(torch, b))
        g = tg.ones(xs, dtype=getattr(tg, a)) * tg.ones(ys, dtype=getattr(tg, b))
        assert str(t.dtype).split(".")[-1] == str(g.dtype).split(".")[-1]
    assert str((torch.ones(2, dtype=getattr(torch, a)) * 1j).dtype) == "torch." + str(
        (tg.ones(2, dtype=getattr(tg, a)) * 1j).dtype)


def test_creation_names_and_repr():
    assert tg.cfloat is tg.complex64 and tg.cdouble is tg.complex128
    data = [[1.5 + 2j, -3], [1e-3j, 0.25 - 0.5j]]
    for data, d in [(data, None), ([[0.5 - 2j, 3]], None), (data[0], "complex128")]:  # 1-d: the suffix fits a line
        t = torch.tensor(data, dtype=getattr(torch, d) if d else None)
        g = tg.tensor(data, dtype=getattr(tg, d) if d else None)
        assert repr(g).replace("teenygrad.", "torch.") == repr(t)
        assert g.is_complex() and tg.is_complex(g) and not tg.is_complex(g.real)
    arr = np.array([1 + 1j, 2], np.complex128)
    assert tg.tensor(arr).dtype == tg.complex128 and tg.tensor(1j).dtype == tg.complex64
    assert repr(tg.tensor(2 - 1j)) == repr(torch.tensor(2 - 1j))
    assert tg.tensor([[1j, 2]]).numpy().tolist() == torch.tensor([[1j, 2]]).numpy().tolist()


def test_view_as_complex_shares_memory():
    x = tg.zeros(3, 2)
    z = tg.view_as_complex(x)
    x.numpy()[1, 1] = 5.0
    assert z.numpy()[1] == 5j


@pytest.mark.parametrize("fn", [lambda z: z < z, lambda z: z > 0, lambda z: z.max(), lambda z: z.min(0),
                                lambda z: z.relu(), lambda z: z.clamp(0, 1), lambda z: z.sort(),
                                lambda z: z.argmax(), lambda z: tg.maximum(z, z) if isinstance(z, tg.Tensor)
                                else torch.maximum(z, z)])
def test_ordering_ops_refuse_complex(fn):
    with pytest.raises(RuntimeError):
        fn(torch.ones(3, dtype=torch.complex64))
    with pytest.raises(RuntimeError, match="complex"):
        fn(tg.ones(3, dtype=tg.complex64))


def test_bad_input():
    for lib in (torch, tg):
        with pytest.raises(RuntimeError):
            lib.view_as_complex(lib.ones(3, 3))
        with pytest.raises(RuntimeError):
            lib.view_as_complex(lib.ones(2, 2).t())
        with pytest.raises(RuntimeError):
            lib.view_as_real(lib.ones(3))
        with pytest.raises(RuntimeError):
            lib.polar(lib.ones(3), lib.ones(3, dtype=lib.float64))
        with pytest.raises(RuntimeError):
            lib.ones(3).imag


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "tanh", "sigmoid"])
def test_unary_math_keeps_complex(name):
    """Computed as torch does (complex results), never on a real cast that drops the imaginary part (these were
    refused until the complex unary ops; tests/test_complex_unary15.py checks them in full)."""
    got, want = getattr(tg.tensor([1 + 1j]), name)(), getattr(torch.tensor([1 + 1j]), name)()
    assert got.dtype == np.complex64
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_double_backward():
    """create_graph through complex mul / div / conj / real / imag / view_as_real: second-order gradients as torch's."""
    rng = np.random.default_rng(6)
    xs = [_crandn(rng, (4,), np.complex128) for _ in range(2)]
    grads = []
    for lib in (torch, tg):
        x, y = (lib.tensor(a, requires_grad=True) for a in xs)
        loss = lib.view_as_real(x.conj() * y / (x + 1j)).square().sum() + (x.real * x.imag).sum()
        gx, = lib.autograd.grad(loss, x, create_graph=True)
        (lib.view_as_real(gx * y).sum() + gx.abs().sum()).backward()
        grads.append([gx.detach().numpy(), x.grad.numpy(), y.grad.numpy()])
    for a, b in zip(*grads):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


_PRODUCTS = {
    "matmul": (lambda lib, x, y: x @ y, [(3, 4), (4, 2)]),
    "batched_matmul": (lambda lib, x, y: x @ y, [(2, 3, 4), (2, 4, 5)]),
    "matvec": (lambda lib, x, y: x @ y, [(3, 4), (4,)]),
    "dot": (lambda lib, x, y: x @ y, [(4,), (4,)]),
    "square": (lambda lib, x: x ** 2, [(3, 4)]),
    "cube": (lambda lib, x: x ** 3.0, [(3, 4)]),
    "sqrt_power": (lambda lib, x: x ** 0.5, [(3, 4)]),
}


@pytest.mark.parametrize("cdtype", CDTYPES)
@pytest.mark.parametrize("op", list(_PRODUCTS))
def test_matmul_and_power_by_a_number(op, cdtype):
    fn, shapes = _PRODUCTS[op]
    rng = np.random.default_rng(7)
    _check(fn, [_crandn(rng, s, cdtype) for s in shapes], cdtype, rng)


def test_complex_power_of_a_tensor_gradient_like_torch():
    """x ** y with complex tensors: the value is numpy's, the gradients torch's conjugate derivatives (0 for x where
    y = 0, 0 for y where x = 0 and re y >= 0)"""
    xa = np.array([1 + 2j, 0.5 - 1j, 0, 0.3 + 0.1j], np.complex64)
    ya = np.array([2 + 0j, 1j, 2 + 0j, 0], np.complex64)  # 0 ** (a + bj) itself: torch's NaN or 0 by path
    got = []
    for lib in (tg, torch):
        x, y = lib.tensor(xa, requires_grad=True), lib.tensor(ya, requires_grad=True)
        z = x ** y
        z.abs().sum().backward()
        got.append([t.detach().numpy() for t in (z, x.grad, y.grad)])
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ---- the final review: complex paths that were still real-only ------------------------------------------------
def _cplx(shape, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex128)


@pytest.mark.parametrize("eq", ["ij,jk->ik", "ij,jk->", "ij,ij->i"])
def test_einsum_complex_gradients_conjugate_like_torch(eq):
    a, b = _cplx((2, 3), 1), _cplx((3, 4) if eq != "ij,ij->i" else (2, 3), 2)
    got = []
    for m in (torch, tg):
        A, B = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        m.einsum(eq, A, B).abs().sum().backward()
        got.append((A.grad.numpy(), B.grad.numpy()))
    for r, g in zip(*got):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)


def test_matmul_complex_first_gradient_with_create_graph():
    a, b = _cplx((2, 3), 3), _cplx((3, 2), 4)
    got = []
    for m in (torch, tg):
        A, B = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        (ga,) = m.autograd.grad((A @ B).abs().sum(), A, create_graph=True)
        got.append(ga.detach().numpy())
    np.testing.assert_allclose(got[1], got[0], rtol=1e-10, atol=1e-12)


def test_vdot_conjugates_and_isreal():
    x, y = _cplx((3,), 5), _cplx((3,), 6)
    np.testing.assert_allclose(tg.vdot(tg.tensor(x), tg.tensor(y)).numpy(),
                               torch.vdot(torch.tensor(x), torch.tensor(y)).numpy(), rtol=1e-12)
    z = np.array([1 + 0j, 2j, 0j])
    assert tg.tensor(z).isreal().tolist() == torch.tensor(z).isreal().tolist()


@pytest.mark.parametrize("op", [lambda t: t.logsumexp(0)])  # (sinh, cosh, sinc: computed now, as torch)
def test_once_real_only_ops_compute_complex_as_torch(op):
    """logsumexp refused complex tensors (never dropping the imaginary part); it computes them now, as torch"""
    a = _cplx((3,), 7)
    np.testing.assert_allclose(op(tg.tensor(a)).numpy(), op(torch.tensor(a)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("op", [lambda t: t.prod(1), lambda t: t.prod(), lambda t: t.cumprod(1)])
@pytest.mark.parametrize("zero", [False, True])
def test_prod_and_cumprod_complex_gradients(op, zero):
    a = _cplx((2, 4), 8)
    if zero:
        a[0, 1] = 0  # cumprod's exact path where x has zeros
    got = []
    for m in (torch, tg):
        A = m.tensor(a, requires_grad=True)
        op(A).abs().sum().backward()
        got.append(A.grad.numpy())
    np.testing.assert_allclose(got[1], got[0], rtol=1e-10, atol=1e-12)


def test_fills_into_complex_tensors():
    got = []
    for m in (torch, tg):
        z = m.zeros(3, dtype=m.complex64)
        z.fill_(2)
        z.masked_fill_(m.tensor([True, False, False]), 5)
        got.append((z.tolist(), z.index_fill(0, m.tensor([2]), 7.5).tolist(),
                    z.scatter(0, m.tensor([1]), 3).tolist()))
    assert got[0] == got[1]
