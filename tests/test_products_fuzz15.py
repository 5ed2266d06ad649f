"""Differential fuzz of the tensor products against torch: matmul over every rank combination, mm/bmm/mv/dot/vdot/
inner/outer/addr, einsum (implicit/explicit, ellipsis, diagonals, size-1 broadcasting, sublists, 0-size dims),
tensordot, kron, cross, multi_dot, the addmm family: values, dtypes, gradients, double backward, errors."""
import warnings
import numpy as np
import pytest
import torch
import teenygrad as tg

TOL = dict(rtol=1e-4, atol=1e-4)


def _rand(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    if dtype.kind in "iu":
        return rng.integers(-5, 5, shape).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    return rng.standard_normal(shape).astype(dtype)


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy()


def _compare(fn, arrays, grad=True, seed=0):
    """fn(lib, tensors) in torch and teenygrad: the same error type, or the same dtype, shape, values and (for
    float and complex inputs) gradients of a random real projection of the result."""
    res, errs, grads = {}, {}, {}
    for lib in (torch, tg):
        xs = [lib.tensor(a, requires_grad=grad and a.dtype.kind in "fc") for a in arrays]
        try:
            res[lib] = fn(lib, xs)
        except Exception as e:  # noqa: BLE001 -- the error type is what is compared
            errs[lib] = type(e)
            continue
        if grad and res[lib].requires_grad:
            z = res[lib]
            w = np.random.default_rng(seed + 1).standard_normal(tuple(z.shape))
            loss = (lib.view_as_real(z) * lib.tensor(np.stack([w, -w], -1), dtype=lib.view_as_real(z).dtype)).sum() \
                if z.is_complex() else (z * lib.tensor(w, dtype=z.dtype)).sum()
            loss.backward()
            grads[lib] = [None if x.grad is None else x.grad for x in xs]
    assert errs.get(torch) == errs.get(tg), (errs, res)
    if errs:
        return
    r, g = res[torch], res[tg]
    assert str(g.dtype).split(".")[-1] == str(r.dtype).split(".")[-1] and tuple(g.shape) == tuple(r.shape), (r, g)
    np.testing.assert_allclose(_np(g), _np(r), **TOL)
    for a, b in zip(grads.get(torch, []), grads.get(tg, [])):
        assert (a is None) == (b is None)
        if a is not None:
            assert str(b.dtype).split(".")[-1] == str(a.dtype).split(".")[-1]
            np.testing.assert_allclose(_np(b), _np(a), equal_nan=True, **TOL)


# ---- matmul over every rank combination, size-0 and size-1 batch dims, empty inner dim --------------------------
_LEFT = [(3,), (0,), (2, 3), (3, 4), (1, 3, 4), (2, 1, 3, 4), (5, 3, 4), (0, 3, 4), (2, 0, 3, 4), (3, 0), (0, 4)]
_RIGHT = [(3,), (4,), (0,), (4, 2), (3, 5), (1, 4, 2), (5, 4, 2), (2, 1, 4, 2), (0, 4, 2), (2, 5, 4, 2), (0, 2), (4, 0)]


@pytest.mark.parametrize("sa", _LEFT)
def test_matmul_rank_combinations(sa):
    rng = np.random.default_rng(1)
    for sb in _RIGHT:
        _compare(lambda m, a: a[0] @ a[1], [_rand(rng, sa, np.float32), _rand(rng, sb, np.float32)])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool, np.float64, np.complex64, np.float16])
def test_matmul_dtypes(dtype):
    rng = np.random.default_rng(2)
    for sa, sb in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4))]:
        a, b = _rand(rng, sa, dtype), _rand(rng, sb, dtype)
        if np.dtype(dtype) == np.float16:
            TOL.update(rtol=1e-2, atol=1e-2)
        try:
            _compare(lambda m, x: x[0] @ x[1], [a, b])
        finally:
            TOL.update(rtol=1e-4, atol=1e-4)


def test_matmul_mixed_dtypes_and_views():
    rng = np.random.default_rng(3)
    for d1, d2 in [(np.float32, np.float64), (np.float32, np.int64), (np.int32, np.int64), (np.complex64, np.float32)]:
        _compare(lambda m, a: a[0] @ a[1], [_rand(rng, (2, 3), d1), _rand(rng, (3, 4), d2)])
        _compare(lambda m, a: a[0] @ a[1], [_rand(rng, (3,), d1), _rand(rng, (3,), d2)])
    _compare(lambda m, a: a[0].transpose(-1, -2) @ a[1][..., ::2], [_rand(rng, (2, 4, 3), np.float32),
                                                                     _rand(rng, (4, 10), np.float32)])
    _compare(lambda m, a: a[0].expand(3, 2, 4) @ a[1].transpose(0, 1), [_rand(rng, (1, 2, 4), np.float32),
                                                                         _rand(rng, (5, 4), np.float32)])


@pytest.mark.parametrize("op", ["mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger"])
def test_vector_and_matrix_products(op):
    rng = np.random.default_rng(4)
    for sa, sb in [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4)), ((2, 3), (4, 3)),
                   ((0,), (0,)), ((2, 0), (0,)), ((2, 0), (0, 3)), ((2, 2, 0), (2, 0, 3)), ((3,), (4,)),
                   ((2, 2, 3), (3, 2, 3))]:
        for dtype in [np.float32, np.complex64, np.int64]:
            _compare(lambda m, a: getattr(m, op)(a[0], a[1]), [_rand(rng, sa, dtype), _rand(rng, sb, dtype)])
    for sa, sb in [((3,), (3,)), ((2, 3), (3, 3)), ((2, 2, 3), (2, 3, 3))]:  # mixed dtypes
        _compare(lambda m, a: getattr(m, op)(a[0], a[1]), [_rand(rng, sa, np.float32), _rand(rng, sb, np.float64)])


@pytest.mark.parametrize("dtype", [np.float32, np.int64, bool])
def test_addr(dtype):
    rng = np.random.default_rng(5)
    for si in [(2, 3), (3,), (1,), (), (2, 1), (3, 3)]:
        for beta, alpha in [(1, 1), (0, 1), (0.5, 2), (1, 0), (2, 3)]:
            if dtype is bool:
                beta, alpha = bool(beta), bool(alpha)
            _compare(lambda m, a: m.addr(a[0], a[1], a[2], beta=beta, alpha=alpha),
                     [_rand(rng, si, dtype), _rand(rng, (2,), dtype), _rand(rng, (3,), dtype)])


# ---- einsum ---------------------------------------------------------------------------------------------------
_EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ij,jk->ki", [(2, 3), (3, 4)]),
    ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("iij->j", [(3, 3, 4)]), ("iij", [(3, 3, 4)]), ("iji->j", [(3, 4, 3)]),
    ("iii->i", [(3, 3, 3)]), ("ii,i->i", [(3, 3), (3,)]), ("ij,ij->", [(2, 3), (2, 3)]), ("i,j->ij", [(2,), (3,)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 4)]), ("...ij,...jk", [(5, 2, 3), (1, 3, 4)]),
    ("b...,b...->b...", [(2, 3, 4), (2, 1, 4)]), ("i...j,j...k->...ik", [(2, 5, 3), (3, 5, 4)]), ("...", [(2, 3)]),
    ("...->", [(2, 3)]), ("i...->...", [(2, 3, 4)]), ("...ii->...i", [(2, 3, 3)]), ("ii...->i...", [(3, 3, 2)]),
    ("i...i->...", [(3, 2, 3)]), ("ij,jk->ik", [(2, 1), (3, 4)]), ("ij,jk->ik", [(2, 3), (1, 4)]),
    ("bij,bjk->bik", [(1, 2, 3), (4, 3, 5)]), ("bi,bi->b", [(4, 1), (4, 3)]), ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("Ij,jK->IK", [(2, 3), (3, 4)]), ("aB,Bc", [(2, 3), (3, 4)]),
    ("ij,jk,kl,lm->im", [(2, 3), (3, 4), (4, 5), (5, 2)]),
    ("ab,bc,cd,de,ea->", [(3, 4), (4, 5), (5, 6), (6, 2), (2, 3)]),
    ("bn,anm,bm->ba", [(4, 5), (3, 5, 6), (4, 6)]), ("ij,jk->ik", [(0, 3), (3, 4)]), ("ij,jk->ik", [(2, 0), (0, 4)]),
    ("ij->", [(0, 3)]), ("i,i->", [(0,), (0,)]), ("ij,kl->ijkl", [(2, 0), (3, 1)]), ("", [()]), (",->", [(), ()]),
    ("i,->i", [(3,), ()]), ("ijk,ikl,ilm->ijm", [(20, 30, 40), (20, 40, 30), (20, 30, 10)]),
    ("ii,ij->j", [(40, 40), (40, 50)]), ("...ij,jk->...ik", [(3, 1, 20, 30), (30, 40)]),
    # errors
    ("ij,jk->ik", [(2, 3), (4, 5)]), ("ij->k", [(2, 3)]), ("ij->ii", [(2, 3)]), ("ij", [(2, 3, 4)]),
    ("ij,jk", [(2, 3)]), ("i1->i", [(3,)]), ("....->", [(2,)]), ("i..j", [(2, 3)]), ("ii", [(2, 3)]),
    ("...i,...i->...", [(2, 3), (4, 3)]),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.int64, np.int32, bool])
def test_einsum_cases(dtype):
    rng = np.random.default_rng(6)
    for eq, shapes in _EINSUM:
        if np.dtype(dtype).kind in "bi" and max(max(s, default=0) for s in shapes) > 6:
            continue  # the big ones are there for the BLAS path of the float kinds
        _compare(lambda m, a: m.einsum(eq, *a), [_rand(rng, s, dtype) for s in shapes])


def test_einsum_call_forms_and_views():
    rng = np.random.default_rng(7)
    a, b, c = _rand(rng, (2, 3), np.float32), _rand(rng, (3, 4), np.float32), _rand(rng, (5, 2, 3), np.float32)
    _compare(lambda m, x: m.einsum("ij,jk", [x[0], x[1]]), [a, b])
    _compare(lambda m, x: m.einsum("ij,jk", (x[0], x[1])), [a, b])
    _compare(lambda m, x: m.einsum(x[0], [0, 1], x[1], [1, 2], [0, 2]), [a, b])
    _compare(lambda m, x: m.einsum(x[0], [Ellipsis, 0, 1], x[1], [1, 2], [Ellipsis, 0, 2]), [c, b])
    _compare(lambda m, x: m.einsum("ij,jk->ik", x[0].t(), x[1][:, ::2]),
             [_rand(rng, (30, 20), np.float32), _rand(rng, (30, 40), np.float32)])
    _compare(lambda m, x: m.einsum("bij,bjk->bik", x[0].expand(4, 20, 30), x[1].transpose(1, 2)),
             [_rand(rng, (1, 20, 30), np.float32), _rand(rng, (4, 40, 30), np.float32)])
    _compare(lambda m, x: m.einsum("ii->i", x[0].t()), [_rand(rng, (4, 4), np.float32)])


def test_einsum_contracted_letter_broadcast_from_size_one_gradients():
    # j is 1 in one operand, 3 in the other: the gradient of the size-3 side is a broadcast (it used to fail to
    # reshape: "cannot reshape array of size 2 into shape (2,3)"); second derivatives too
    rng = np.random.default_rng(8)
    for eq, shapes in [("ij,jk->ik", [(2, 1), (3, 4)]), ("ij,jk->ik", [(2, 3), (1, 4)]), ("bi,bi->b", [(4, 1), (4, 3)]),
                       ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 1, 4)])]:
        arrays = [_rand(rng, s, np.float64) for s in shapes]
        _compare(lambda m, a: m.einsum(eq, *a), arrays)
        _second_order(lambda m, a: m.einsum(eq, *a), arrays)


def test_einsum_of_0d_operands():
    # "" is a 0-d operand's subscript: it was refused ("subscript '' doesn't match the operand of shape ()")
    rng = np.random.default_rng(9)
    _compare(lambda m, a: m.einsum("", *a), [_rand(rng, (), np.float32)])
    _compare(lambda m, a: m.einsum(",->", *a), [_rand(rng, (), np.float32), _rand(rng, (), np.float32)])
    _compare(lambda m, a: m.einsum("i,->i", *a), [_rand(rng, (3,), np.float32), _rand(rng, (), np.float32)])


def test_einsum_mixed_dtypes_refuse_a_contraction_and_promote_a_product():
    # torch sums products with bmm (one dtype only) but multiplies with mul (promoting); teenygrad promoted both
    rng = np.random.default_rng(10)
    f32, f64 = _rand(rng, (2, 3), np.float32), _rand(rng, (3, 4), np.float64)
    for m in (torch, tg):
        with pytest.raises(RuntimeError):
            m.einsum("ij,jk", m.tensor(f32), m.tensor(f64))
        with pytest.raises(RuntimeError):
            m.einsum("ij,jk", m.tensor(f32.astype(np.int32)), m.tensor(f64.astype(np.int64)))
    with pytest.raises(RuntimeError, match="einsum: .*'ij,jk'.*float32 and float64"):
        tg.einsum("ij,jk", tg.tensor(f32), tg.tensor(f64))
    _compare(lambda m, a: m.einsum("ij,ij->ij", *a), [f32, f64[:, :2].T.copy()])
    _compare(lambda m, a: m.einsum("i,j->ij", *a), [f32[0], f64[0]])
    _compare(lambda m, a: m.einsum("ij,jk", *a), [f32[:, :1], f64[:1].astype(np.complex128)])  # j: size 1, no sum


def test_einsum_integer_sums_alone_give_int64():
    # a letter summed inside one operand alone goes through torch's sum (int64); a contraction stays int32
    rng = np.random.default_rng(11)
    a, b = _rand(rng, (2, 3), np.int32), _rand(rng, (4,), np.int32)
    for eq, x, y in [("ij,k->ik", a, b), ("ij,k->k", a, b), ("ij,jk->ik", a[:, :1], a.T), ("ij,jk->ik", a, a.T),
                     ("ij,ij->i", a, a), ("ij,k->ik", a.astype(bool), b.astype(bool)), ("i,i->", a[0], a[0])]:
        _compare(lambda m, t: m.einsum(eq, *t), [x, y])
    with pytest.raises(NotImplementedError, match="bool"):
        tg.einsum("ij,ij->i", tg.tensor(a.astype(bool)), tg.tensor(a.astype(bool)))


def test_einsum_invalid_subscript_is_named():
    with pytest.raises(RuntimeError, match=r"einsum: invalid subscript '1' at index 1 of the equation 'i1->i'"):
        tg.einsum("i1->i", tg.ones(3))
    with pytest.raises(RuntimeError):
        torch.einsum("i1->i", torch.ones(3))


def _finite_difference_check(eq, shapes, seed):
    rng = np.random.default_rng(seed)
    xs = [_rand(rng, s, np.float64) for s in shapes]
    ts = [tg.tensor(a, requires_grad=True) for a in xs]
    z = tg.einsum(eq, *ts)
    w = rng.standard_normal(tuple(z.shape))
    (z * tg.tensor(w)).sum().backward()
    f = lambda arrs: float((tg.einsum(eq, *[tg.tensor(a) for a in arrs]).numpy() * w).sum())  # noqa: E731
    for i, a in enumerate(xs):
        num = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            up, dn = [x.copy() for x in xs], [x.copy() for x in xs]
            up[i][idx] += 1e-6
            dn[i][idx] -= 1e-6
            num[idx] = (f(up) - f(dn)) / 2e-6
        assert ts[i].grad.dtype == tg.float64
        np.testing.assert_allclose(ts[i].grad.numpy(), num, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("eq,shapes", [("ii->i", [(3, 3)]), ("iij->j", [(3, 3, 2)]), ("...ii->...", [(2, 3, 3)]),
                                       ("i...,...i->i...", [(3, 1, 2), (4, 2, 3)]), ("iji,j->i", [(2, 3, 2), (3,)]),
                                       ("...j,j...->...", [(2, 3), (3, 2)]), ("ij,jk->ik", [(2, 1), (3, 2)]),
                                       ("a...b,...bc->...ac", [(2, 3, 1, 4), (3, 1, 4, 2)])])
def test_einsum_float64_finite_differences(eq, shapes):
    _finite_difference_check(eq, shapes, 12)


def _second_order(fn, arrays):
    """grads with create_graph, then the grads of sum(g^2) + sum(z^2): teenygrad == torch (float64)."""
    out = {}
    for lib in (torch, tg):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        z = fn(lib, xs)
        w = lib.tensor(np.random.default_rng(3).standard_normal(tuple(z.shape)))
        gs = lib.autograd.grad((z * w).sum(), xs, create_graph=True)
        hs = lib.autograd.grad(sum((g * g).sum() for g in gs) + (z * z).sum(), xs)
        out[lib] = [_np(g) for g in gs] + [_np(h) for h in hs]
    for a, b in zip(out[torch], out[tg]):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", ["ii->i", "iij->j", "ii,ij->j", "i...i->...", "ij,jk,kl->il", "matmul_nd_1d",
                                  "matmul_bcast", "addmm", "baddbmm", "tensordot", "kron", "cross", "multi_dot"])
def test_double_backward(case):
    rng = np.random.default_rng(13)
    r = lambda *s: _rand(rng, s, np.float64)  # noqa: E731
    cases = {
        "ii->i": (lambda m, a: m.einsum("ii->i", *a), [r(3, 3)]),
        "iij->j": (lambda m, a: m.einsum("iij->j", *a), [r(3, 3, 4)]),
        "ii,ij->j": (lambda m, a: m.einsum("ii,ij->j", *a), [r(3, 3), r(3, 2)]),
        "i...i->...": (lambda m, a: m.einsum("i...i->...", *a), [r(3, 2, 3)]),
        "ij,jk,kl->il": (lambda m, a: m.einsum("ij,jk,kl->il", *a), [r(2, 3), r(3, 4), r(4, 2)]),
        "matmul_nd_1d": (lambda m, a: a[0] @ a[1], [r(2, 2, 3), r(3)]),
        "matmul_bcast": (lambda m, a: a[0] @ a[1], [r(2, 1, 2, 3), r(3, 3, 4)]),
        "addmm": (lambda m, a: m.addmm(*a, beta=0.5, alpha=2), [r(2, 4), r(2, 3), r(3, 4)]),
        "baddbmm": (lambda m, a: m.baddbmm(*a, beta=0.5, alpha=2), [r(1, 4), r(5, 2, 3), r(5, 3, 4)]),
        "tensordot": (lambda m, a: m.tensordot(*a, dims=([0, 2], [1, 0])), [r(2, 3, 4), r(4, 2, 5)]),
        "kron": (lambda m, a: m.kron(*a), [r(2, 3), r(3)]),
        "cross": (lambda m, a: m.linalg.cross(*a), [r(2, 3), r(1, 3)]),
        "multi_dot": (lambda m, a: m.linalg.multi_dot(a), [r(3), r(3, 4), r(4, 2)]),
    }
    _second_order(*cases[case])


# ---- addmm family, tensordot, kron, cross, multi_dot ------------------------------------------------------------
_ADD = [("addmm", [(2, 4), (2, 3), (3, 4)]), ("addmm", [(4,), (2, 3), (3, 4)]), ("addmm", [(), (2, 3), (3, 4)]),
        ("addmm", [(2, 4), (2, 0), (0, 4)]), ("addmm", [(3, 4), (2, 3), (3, 4)]), ("addmv", [(2,), (2, 3), (3,)]),
        ("addmv", [(1,), (2, 3), (3,)]), ("addmv", [(2,), (2, 0), (0,)]),
        ("baddbmm", [(5, 2, 4), (5, 2, 3), (5, 3, 4)]),
        ("baddbmm", [(2, 4), (5, 2, 3), (5, 3, 4)]), ("baddbmm", [(5, 2, 4), (5, 2, 3), (4, 3, 4)]),
        ("addbmm", [(2, 4), (5, 2, 3), (5, 3, 4)]), ("addbmm", [(4,), (5, 2, 3), (5, 3, 4)])]


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.complex64])
def test_addmm_family_with_alpha_beta(dtype):
    rng = np.random.default_rng(14)
    for op, shapes in _ADD:
        for beta, alpha in [(1, 1), (0, 1), (0.5, 2), (1, 0), (0, 0), (2, -1)]:
            if np.dtype(dtype).kind == "i" and beta == 0.5:
                continue
            arrays = [_rand(rng, s, dtype) for s in shapes]
            if beta == 0 and np.dtype(dtype).kind != "i" and arrays[0].size:
                arrays[0].flat[0] = np.nan  # beta=0 ignores input's values, NaN included
            _compare(lambda m, a: getattr(m, op)(*a, beta=beta, alpha=alpha), arrays)
        mixed = [_rand(rng, s, d) for s, d in zip(shapes, [np.float32, np.float64, np.float32])]
        _compare(lambda m, a: getattr(m, op)(*a), mixed)


def test_tensordot_kron():
    rng = np.random.default_rng(15)
    for sa, sb, dims in [((2, 3, 4), (3, 4, 5), 2), ((2, 3, 4), (4, 5), 1), ((2, 3), (4, 5), 0),
                         ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])), ((2, 3, 4), (3, 4, 5), 3), ((2, 0, 4), (0, 4, 5), 2),
                         ((2, 3), (3, 2), -1), ((2, 3, 4), (4, 3), ([-1, -2], [0, 1])), ((2, 3), (4, 3), ([1], [0]))]:
        for dtype in [np.float32, np.int64, np.complex64]:
            _compare(lambda m, a: m.tensordot(*a, dims=dims), [_rand(rng, sa, dtype), _rand(rng, sb, dtype)])
    _compare(lambda m, a: m.tensordot(a[0].transpose(0, 2), a[1][::2], dims=2),
             [_rand(rng, (4, 3, 2), np.float32), _rand(rng, (8, 3, 5), np.float32)])
    for sa, sb in [((2,), (3,)), ((2, 3), (4,)), ((2,), (3, 4)), ((2, 1, 3), (2, 2)), ((), (3,)), ((0, 3), (2, 2))]:
        for dtype in [np.float32, np.int64, bool, np.complex64]:
            _compare(lambda m, a: m.kron(*a), [_rand(rng, sa, dtype), _rand(rng, sb, dtype)])


def test_tensordot_takes_a_tensor_dims():
    # torch.tensordot(a, b, dims=torch.tensor(1)) counts like dims=1; it was "iteration over a 0-d tensor"
    rng = np.random.default_rng(16)
    _compare(lambda m, a: m.tensordot(*a, dims=m.tensor(1)), [_rand(rng, (2, 3), np.float32),
                                                              _rand(rng, (3, 4), np.float32)])
    _compare(lambda m, a: m.tensordot(*a, dims=m.tensor([[1], [0]])), [_rand(rng, (2, 3), np.float32),
                                                                       _rand(rng, (3, 4), np.float32)])


@pytest.mark.filterwarnings("ignore:Using torch.cross without")
def test_cross_broadcasts_and_checks_dim_like_torch():
    # torch.cross broadcasts (it is linalg.cross with another default dim); teenygrad refused (4, 3) x (1, 3) and
    # raised RuntimeError, not IndexError, for a dim out of range
    rng = np.random.default_rng(17)
    for sa, sb, dim in [((3,), (3,), None), ((4, 3), (4, 3), None), ((3, 4), (3, 4), None), ((4, 3), (1, 3), None),
                        ((1, 3), (3, 3), None), ((2, 1, 3), (1, 4, 3), None), ((3, 5), (1, 5), None),
                        ((4, 3), (3,), None), ((4, 3), (1, 3), -1), ((3, 4), (3, 1), 0), ((4, 3), (4, 3), 0),
                        ((4, 4), (4, 4), None), ((2, 3), (2, 3), 2), ((2, 3), (2, 3), -3)]:
        for dtype in [np.float32, np.int64, np.complex64]:
            kw = {} if dim is None else {"dim": dim}
            arrays = [_rand(rng, sa, dtype), _rand(rng, sb, dtype)]
            _compare(lambda m, a: m.cross(*a, **kw), arrays)
            _compare(lambda m, a: a[0].cross(a[1], **kw), arrays)
            _compare(lambda m, a: m.linalg.cross(*a, **kw), arrays)
    with pytest.raises(IndexError, match=r"cross: dim 2 out of range"):
        tg.cross(tg.ones(2, 3), tg.ones(2, 3), dim=2)


def test_cross_without_dim_warns_as_torch():
    for m in (torch, tg):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.cross(m.ones(2, 3), m.ones(2, 3))
            m.cross(m.ones(2, 3), m.ones(2, 3), dim=1)
        if m is tg:  # torch warns once per process, so its count depends on what ran before
            assert [str(w.message)[:40] for w in caught] == ["Using torch.cross without specifying the"]


def test_multi_dot_and_chain_matmul():
    rng = np.random.default_rng(18)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for shapes in [[(2, 3), (3, 4)], [(3,), (3, 4), (4,)], [(3,), (3, 4), (4, 5)], [(2, 3), (3, 4), (4,)],
                       [(2, 3), (3, 4), (4, 5), (5, 2)], [(3,), (3,)], [(2, 0), (0, 3), (3, 4)], [(2, 3)],
                       [(2, 3), (4, 5)], [(2, 2, 3), (3, 4)]]:
            for dtype in [np.float32, np.int64, np.complex64]:
                arrays = [_rand(rng, s, dtype) for s in shapes]
                _compare(lambda m, a: m.linalg.multi_dot(a), arrays)
                _compare(lambda m, a: m.chain_matmul(*a), arrays)
