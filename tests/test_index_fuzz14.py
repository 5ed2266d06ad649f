"""Differential fuzz of indexing, gather and scatter against torch: random (seeded) getitem/setitem indices mixing
ints, slices with odd bounds and steps, None, ..., bool masks and scalars, index arrays and 0-d index tensors; the
gather/scatter/index_*/masked ops; forward values and dtypes, gradients for a random upstream gradient, and the
exception types for bad indices."""
import random
import numpy as np
import pytest
import torch
import teenygrad as tg

ATOL = 1e-5


def _arr(rs, shape, dtype):
    if dtype == "bool":
        return np.asarray(rs.rand(*shape) < 0.5)
    if dtype.startswith("float"):
        return np.asarray(rs.randn(*shape)).astype(dtype)
    return np.asarray(rs.randint(-4, 5, size=shape)).astype(dtype)


def _rand_index(rng, rs, shape):
    """A random valid-or-not index for a tensor of shape, as (kind, payload) parts (built per library by _build)."""
    parts, d, ellipsis = [], 0, False
    for _ in range(rng.randint(1, 5)):
        k = rng.choice(["int", "slice", "slice", "none", "ell", "mask", "arr", "arr", "t0", "empty", "list", "b0"])
        if k == "ell" and not ellipsis:
            ellipsis, d = True, len(shape)
            parts.append(("ell",))
        elif k == "none" or k == "b0":
            parts.append((k, rng.random() < 0.5))
        elif d < len(shape) and k in ("int", "t0") and shape[d]:
            parts.append((k, rng.randint(-shape[d], shape[d] - 1)))
            d += 1
        elif d < len(shape) and k == "slice":
            n = shape[d]
            parts.append(("slice", rng.choice([None, rng.randint(-n - 3, n + 3)]),
                          rng.choice([None, rng.randint(-n - 3, n + 3)]), rng.choice([None, 1, 2, 3])))
            d += 1
        elif d < len(shape) and k == "mask":
            msh = tuple(shape[d:d + 2]) if rng.random() < 0.5 else (shape[d],)
            parts.append(("mask", rs.rand(*msh) < 0.5))
            d += len(msh)
        elif d < len(shape) and k in ("arr", "list") and shape[d]:
            ish = rng.choice([(2,), (3,), (1,), (2, 1), (1, 3), ()])
            parts.append((k, rs.randint(-shape[d], shape[d], size=ish)))
            d += 1
        elif d < len(shape) and k == "empty":
            parts.append(("arr", np.zeros((0,), np.int64)))
            d += 1
    return parts


def _build(parts, lib):
    out = []
    for p in parts:
        k = p[0]
        if k in ("int", "t0", "b0"):
            out.append(lib.tensor(p[1]) if k != "int" and (k == "t0" or p[1]) else p[1])
        elif k == "slice":
            out.append(slice(*p[1:]))
        elif k == "none":
            out.append(None)
        elif k == "ell":
            out.append(Ellipsis)
        elif k == "mask":
            out.append(lib.tensor(p[1]))
        elif k == "arr":
            out.append(lib.tensor(p[1].astype(np.int64)))
        else:
            out.append(p[1].tolist())
    return tuple(out)


def _pair(a, lib, nc, grad):
    """a as a lib tensor; nc: a transposed (non-contiguous) view holding the same values."""
    rev = tuple(range(a.ndim))[::-1]
    t = lib.tensor(np.ascontiguousarray(a.transpose(rev))).permute(*rev) if nc else lib.tensor(a)
    return t.detach().requires_grad_(True) if grad else t


def _same(t, g, what):
    if t is None or g is None:  # a gradient neither library gives (an input the result doesn't read)
        assert t is None and g is None, (what, t, g)
        return
    assert tuple(t.shape) == tuple(g.shape), (what, tuple(t.shape), g.shape)
    assert str(t.dtype).split(".")[-1] == str(g.dtype), (what, t.dtype, g.dtype)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), atol=ATOL, err_msg=what)


def _outcome(f):
    try:
        return f(), None
    except (IndexError, RuntimeError, ValueError, TypeError) as e:
        return None, e


@pytest.mark.parametrize("chunk", range(4))
def test_getitem_setitem_fuzz(chunk):
    for seed in range(chunk * 80, chunk * 80 + 80):
        rng, rs = random.Random(seed), np.random.RandomState(seed)
        shape = tuple(rng.randint(0 if rng.random() < 0.05 else 1, 4) for _ in range(rng.randint(1, 4)))
        dtype = rng.choice(["float32", "float64", "int64", "int32"])
        nc, fl = rng.random() < 0.3 and len(shape) >= 2, dtype.startswith("float")
        a, parts = _arr(rs, shape, dtype), _rand_index(rng, rs, shape)
        what = f"seed {seed}: x{shape} {dtype} nc={nc} [{parts}]"
        tx, gx = _pair(a, torch, nc, fl), _pair(a, tg, nc, fl)
        ti, gi = _build(parts, torch), _build(parts, tg)
        tr, te = _outcome(lambda: tx[ti])
        gr, ge = _outcome(lambda: gx[gi])
        assert type(te) is type(ge), (what, te, ge)
        if te is not None:
            continue
        _same(tr, gr, what)
        if fl and tr.numel():
            up = np.asarray(rs.randn(*tr.shape)).astype(dtype)
            tr.backward(torch.tensor(up))
            gr.backward(tg.tensor(up))
            _same(tx.grad, gx.grad, what + " grad")
        # setitem through the same index: a value of the indexed shape, its last dim (broadcast) or a scalar,
        # of self's dtype or another (torch casts through basic indices, refuses through array indices)
        vshape = rng.choice([tuple(tr.shape), tuple(tr.shape)[-1:]])
        vdtype = rng.choice([dtype, dtype, "float64", "int64"])
        va = (np.asarray(rs.randn(*vshape)) * 3).astype(vdtype)
        for grad in ([False, True] if fl and vdtype == dtype else [False]):
            tb, gb = _pair(a, torch, nc, grad), _pair(a, tg, nc, grad)
            tv, gv = _pair(va, torch, False, grad), _pair(va, tg, False, grad)
            t3, g3 = (tb * 1, gb * 1) if grad else (tb, gb)
            _, te = _outcome(lambda: t3.__setitem__(ti, tv * 2 if grad else tv))
            _, ge = _outcome(lambda: g3.__setitem__(gi, gv * 2 if grad else gv))
            assert type(te) is type(ge), (what + f" = {vshape} {vdtype}", te, ge)
            if te is not None:
                break
            _same(t3, g3, what + " setitem")
            if grad:
                up = np.asarray(rs.randn(*t3.shape)).astype(dtype)
                (t3 * torch.tensor(up)).sum().backward()
                (g3 * tg.tensor(up)).sum().backward()
                _same(tb.grad, gb.grad, what + " setitem grad x")
                _same(tv.grad, gv.grad, what + " setitem grad v")


def _op_case(seed):
    """(name, inputs as numpy arrays (float ones get gradients), f(lib, tensors)) for a random op and shapes."""
    rng, rs = random.Random(seed), np.random.RandomState(seed)
    nd = rng.randint(1, 3)
    shape = tuple(rng.randint(1, 4) for _ in range(nd))
    dtype = rng.choice(["float32", "float64", "int64"])
    d = rng.randrange(nd)
    dim, n, k = d - nd if rng.random() < 0.5 else d, shape[d], rng.randint(0, 3)
    ins = {"x": _arr(rs, shape, dtype)}
    op = rng.choice(["index_select", "index_add", "index_copy", "index_fill", "gather", "scatter", "scatter_value",
                     "scatter_add", "scatter_reduce", "take", "take_along_dim", "put_", "index_put", "masked_fill",
                     "masked_scatter", "masked_select", "nonzero"])
    if op in ("index_select", "index_fill"):
        ins["i"] = rs.randint(-n if op == "index_fill" else 0, n, size=(k,))
        v = rng.choice([2, -1.5, 0])
        f = {"index_select": lambda L, t: t["x"].index_select(dim, t["i"]),
             "index_fill": lambda L, t: t["x"].index_fill(dim, t["i"], v)}[op]
    elif op in ("index_add", "index_copy"):
        ins["i"] = rs.permutation(n)[:k] if op == "index_copy" else rs.randint(0, n, size=(k,))
        ins["s"] = _arr(rs, shape[:d] + (len(ins["i"]),) + shape[d + 1:], dtype)
        alpha = rng.choice([1, 2, -3])
        f = {"index_add": lambda L, t: t["x"].index_add(dim, t["i"], t["s"], alpha=alpha),
             "index_copy": lambda L, t: t["x"].index_copy(dim, t["i"], t["s"])}[op]
    elif op in ("gather", "take_along_dim"):
        ish = [rng.randint(1, s) if i != d and op == "gather" else s for i, s in enumerate(shape)]
        ish[d] = rng.randint(1, 3)
        ins["i"] = rs.randint(0, n, size=ish)
        f = {"gather": lambda L, t: t["x"].gather(dim, t["i"]),
             "take_along_dim": lambda L, t: L.take_along_dim(t["x"], t["i"], dim=dim)}[op]
    elif op.startswith("scatter"):
        ish = [rng.randint(1, s) for s in shape]
        ish[d] = rng.randint(1, n)
        if op == "scatter":  # distinct places along dim: torch leaves the winner of a repeat unspecified
            rows = [rs.permutation(n)[:ish[d]] for _ in range(int(np.prod(ish)) // ish[d])]
            ins["i"] = np.moveaxis(np.stack(rows, -1).reshape([ish[d]] + ish[:d] + ish[d + 1:]), 0, d)
        else:
            ins["i"] = rs.randint(0, n, size=ish)
        ins["s"] = _arr(rs, ish, dtype)  # src of index's shape: torch's backward refuses a larger src
        red, inc, v = rng.choice(["sum", "prod", "mean", "amax", "amin"]), rng.random() < 0.5, rng.choice([1.5, -2])
        f = {"scatter": lambda L, t: t["x"].scatter(dim, t["i"], t["s"]),
             "scatter_value": lambda L, t: t["x"].scatter(dim, t["i"], value=v),
             "scatter_add": lambda L, t: t["x"].scatter_add(dim, t["i"], t["s"]),
             "scatter_reduce": lambda L, t: t["x"].scatter_reduce(dim, t["i"], t["s"], red, include_self=inc)}[op]
    elif op == "take":
        m = int(np.prod(shape))
        ins["i"] = rs.randint(-m, m, size=rng.choice([(k,), (2, 2), ()]))
        f = lambda L, t: t["x"].take(t["i"])
    elif op == "put_":
        m, acc = int(np.prod(shape)), rng.random() < 0.5
        ins["i"] = rs.randint(-m, m, size=(k,)) if acc else rs.permutation(m)[:k] - rng.choice([0, m])
        ins["s"] = _arr(rs, (k,), dtype)
        f = lambda L, t: (t["x"] * 1).put_(t["i"], t["s"], accumulate=acc)
    elif op == "index_put":
        acc, ni, ish = rng.random() < 0.5, rng.randint(1, nd), rng.choice([(k,), (2, 1), (1, 2)])
        flat = rs.permutation(int(np.prod(shape[:ni])))[:int(np.prod(ish))]  # distinct places (repeats too if acc)
        idx = [u.reshape(-1) for u in np.unravel_index(flat, shape[:ni])]
        if acc:
            idx = [rs.randint(-shape[j], shape[j], size=ish) for j in range(ni)]
        for j, ix in enumerate(idx):
            ins[f"i{j}"] = ix
        target = np.broadcast_shapes(*[i.shape for i in idx]) + shape[ni:]
        ins["s"] = _arr(rs, rng.choice([target, target[-1:], ()]), dtype)
        f = lambda L, t: t["x"].index_put(tuple(t[f"i{j}"] for j in range(ni)), t["s"], accumulate=acc)
    elif op in ("masked_fill", "masked_scatter", "masked_select"):
        ins["m"] = _arr(rs, shape[rng.randint(0, nd):], "bool")
        ins["s"] = _arr(rs, (int(np.prod(shape)) + 1,), dtype)
        v = rng.choice([2, -1.5])
        f = {"masked_fill": lambda L, t: t["x"].masked_fill(t["m"], v),
             "masked_scatter": lambda L, t: t["x"].masked_scatter(t["m"], t["s"]),
             "masked_select": lambda L, t: t["x"].masked_select(t["m"])}[op]
    else:
        as_tuple = rng.random() < 0.5
        f = lambda L, t: L.nonzero(t["x"], as_tuple=as_tuple)
    return op, ins, f, rng.random() < 0.3


@pytest.mark.parametrize("chunk", range(4))
def test_index_ops_fuzz(chunk):
    for seed in range(chunk * 80, chunk * 80 + 80):
        op, ins, f, nc = _op_case(seed)
        what = f"seed {seed}: {op} nc={nc} " + ", ".join(f"{k}{a.shape}:{a.dtype}" for k, a in ins.items())
        ts = {k: _pair(a, torch, nc and a.ndim == 2, a.dtype.kind == "f") for k, a in ins.items()}
        gs = {k: _pair(a, tg, nc and a.ndim == 2, a.dtype.kind == "f") for k, a in ins.items()}
        tr, te = _outcome(lambda: f(torch, ts))
        gr, ge = _outcome(lambda: f(tg, gs))
        assert type(te) is type(ge), (what, te, ge)
        if te is not None:
            continue
        tr, gr = (tr, gr) if isinstance(tr, tuple) else ((tr,), (gr,))
        for a, b in zip(tr, gr, strict=True):
            _same(a, b, what)
        if not tr[0].requires_grad:
            continue
        up = np.asarray(np.random.RandomState(seed).randn(*tr[0].shape)).astype(str(gr[0].dtype))
        tr[0].backward(torch.tensor(up))
        gr[0].backward(tg.tensor(up))
        for k in ins:
            if ts[k].requires_grad:
                _same(ts[k].grad, gs[k].grad, f"{what} grad {k}")


@pytest.mark.parametrize("shape,index", [((4, 2), (2, None, False)), ((3, 4, 1, 1), (None, False, None, -2)),
                                         ((2, 3), (1, True, slice(None, None, 2))), ((2, 3), (True, 1, [0, 2]))])
def test_int_beside_bool_scalar_applies_first(shape, index):
    """torch selects by the ints first, so a bool scalar's new dim stays where it stood (numpy moves it)."""
    a = np.random.RandomState(0).randn(*shape).astype(np.float32)
    tx, gx = torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)
    tr, gr = tx[index], gx[index]
    _same(tr, gr, str(index))
    up = np.random.RandomState(1).randn(*tr.shape).astype(np.float32)
    tr.backward(torch.tensor(up))
    gr.backward(tg.tensor(up))
    _same(tx.grad, gx.grad, f"{index} grad")


def test_setitem_bool_scalar():
    for lib in (torch, tg):  # x[0, True] of a 1-D x: numpy's x[0] is a scalar copy, not a view to write through
        x = lib.zeros(3)
        x[1, True] = lib.tensor([5.0])
        assert x.tolist() == [0.0, 5.0, 0.0]
    for lib in (torch, tg):  # x[True] = v casts (a copy_), x[True,] = v is an index_put_: same dtype only
        x = lib.zeros(3, 2)
        x[True] = lib.tensor([1.0, 2.0], dtype=lib.float64)
        assert x.tolist() == [[1.0, 2.0]] * 3
        with pytest.raises(RuntimeError, match="dtype"):
            x[(False,)] = lib.tensor([1.0, 2.0], dtype=lib.float64)


def test_index_put_accumulate_empty_index():
    a = np.random.RandomState(0).randn(3, 4).astype(np.float32)
    for make in (lambda L, x: x.index_put((L.tensor([], dtype=L.int64),), L.tensor(1.0), accumulate=True),
                 lambda L, x: x.index_put((L.tensor([], dtype=L.int64),) * 2, L.tensor([]), accumulate=True),
                 lambda L, x: x.clone().put_(L.tensor([], dtype=L.int64), L.tensor([]), accumulate=True)):
        _same(make(torch, torch.tensor(a)), make(tg, tg.tensor(a)), "empty index_put")


def test_scatter_reduce_takes_max_min():
    x, i, s = np.zeros((2, 3), np.float32), np.array([[0, 0, 2]]), np.array([[5.0, -7.0, 1.0]], np.float32)
    for red in ("max", "min"):
        for inc in (True, False):
            _same(torch.tensor(x).scatter_reduce(1, torch.tensor(i), torch.tensor(s), red, include_self=inc),
                  tg.tensor(x).scatter_reduce(1, tg.tensor(i), tg.tensor(s), red, include_self=inc), red)


_BAD = [  # (name, op): the exception type must be torch's, and the message must name the op (and the index)
    ("index_add out of range", lambda L, x: x.index_add(0, L.tensor([3]), L.ones(1, 4)), "3"),
    ("index_add negative", lambda L, x: x.index_add(0, L.tensor([-1]), L.ones(1, 4)), "-1"),
    ("index_fill 2-d index", lambda L, x: x.index_fill(0, L.tensor([[0]]), 1.0), "(1, 1)"),
    ("index_fill float index", lambda L, x: x.index_fill(0, L.tensor([0.0]), 1.0), "float32"),
    ("index_fill int32 index", lambda L, x: x.index_fill(0, L.tensor([0], dtype=L.int32), 1.0), "int32"),
    ("index_copy int32 index", lambda L, x: x.index_copy(0, L.tensor([0], dtype=L.int32), L.ones(1, 4)), "int32"),
    ("take int32 index", lambda L, x: x.take(L.tensor([0], dtype=L.int32)), "int32"),
    ("take_along_dim int32", lambda L, x: x.take_along_dim(L.tensor([[0]], dtype=L.int32), 1), "int32"),
    ("gather int16 index", lambda L, x: x.gather(0, L.tensor([[0]], dtype=L.int16)), "int16"),
    ("getitem int16 index", lambda L, x: x[L.tensor([0], dtype=L.int16)], "int16"),
    ("getitem int8 index", lambda L, x: x[:, L.tensor([0], dtype=L.int8)], "int8"),
    ("index_put out of range", lambda L, x: x.index_put((L.tensor([3]),), L.tensor(1.0)), "3"),
    ("getitem float index", lambda L, x: x[L.tensor([1.0])], "float32"),
    ("getitem mask mismatch", lambda L, x: x[:, L.tensor([True, False, True])], "(3, 4)"),
    ("getitem out of range", lambda L, x: x[:, L.tensor([0, 7])], "7"),
]


@pytest.mark.parametrize("name,f,named", _BAD, ids=[b[0] for b in _BAD])
def test_bad_index_raises_as_torch(name, f, named):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    _, te = _outcome(lambda: f(torch, torch.tensor(a)))
    _, ge = _outcome(lambda: f(tg, tg.tensor(a)))
    assert te is not None and type(ge) is type(te), (name, te, ge)
    op = name.split()[0]
    assert op in str(ge) and named in str(ge), (name, str(ge))


_ZERO_D = [  # ops on a 0-d self (forward and the gradient to it)
    ("index_add", lambda L, x: x.index_add(0, L.tensor([0]), L.tensor(2.0))),
    ("index_add dim -1", lambda L, x: x.index_add(-1, L.tensor(0), L.tensor(2.0), alpha=3)),
    ("index_fill empty", lambda L, x: x.index_fill(0, L.tensor([], dtype=L.int64), 2.0)),
    ("index_fill", lambda L, x: x.index_fill(0, L.tensor([0]), 2.0)),
    ("index_select", lambda L, x: x.index_select(0, L.tensor([0]))),
    ("index_select 0-d index", lambda L, x: x.index_select(0, L.tensor(0))),
]


@pytest.mark.parametrize("name,f", _ZERO_D, ids=[c[0] for c in _ZERO_D])
def test_zero_dim_self(name, f):
    tx, gx = torch.tensor(3.0, requires_grad=True), tg.tensor(3.0, requires_grad=True)
    tr, gr = f(torch, tx), f(tg, gx)
    _same(tr, gr, name)
    tr.backward(torch.tensor(2.0))
    gr.backward(tg.tensor(2.0))
    _same(tx.grad, gx.grad, name + " grad")


def test_index_select_zero_dim_self_takes_one_index():
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match="1 value"):
            lib.tensor(3.0).index_select(0, lib.tensor([0, 0]))


def test_index_add_truncates_float_alpha_on_ints():
    a = np.arange(-6, 6).reshape(3, 4)
    for alpha in (1.5, -1.5, 2.9):
        _same(torch.tensor(a).index_add(0, torch.tensor([0, 0]), torch.tensor(a[:2]), alpha=alpha),
              tg.tensor(a).index_add(0, tg.tensor([0, 0]), tg.tensor(a[:2]), alpha=alpha), f"alpha {alpha}")
