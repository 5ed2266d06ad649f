"""Public torch functions teenygrad lacked, against torch: binomial (torch's CPU draws bit for bit), frombuffer /
from_file, as_strided_scatter / as_strided_, the aten embedding_bag and grid_sampler*, the autocast state functions,
and the older Tensor methods (resize, resize_as, storage_type, as_subclass, map_, map2_, geqrf, ormqr, the removed
lstsq / solve / eig / symeig). Values, dtypes, shapes, gradients (or torch's refusal of one), shared memory, and the
exception types of bad arguments; fuzzers with fixed seeds where the inputs vary."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import raises_same

_TG = {torch.float32: tg.float32, torch.float64: tg.float64}


# ---- binomial ----------------------------------------------------------------------------------------------------
def _binomial_case(seed, dtype):
    rs = np.random.RandomState(seed)
    shape = tuple(rs.randint(1, 5, size=rs.randint(1, 3)))
    c = rs.choice([0, 1, 3, 7.5, 20, 33.3, 100, 1000, 1e5, -2], size=shape) * rs.choice([1, rs.rand()])
    p = rs.choice([0, 0.01, 0.1, 0.3, 0.5, 0.5001, 0.7, 0.95, 1, 1.2, -0.1, np.nan], size=shape)
    p = np.where(rs.rand(*shape) < 0.5, rs.rand(*shape), p)
    return c, p


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("seed", range(30))
def test_binomial_draws_are_torchs(seed, dtype):
    """Both of torch's samplers (inversion below count * p = 10, BTRS above), p over 1/2 mirrored, the edge
    values (0, 1, outside [0, 1], nan), then the generator's state after them."""
    c, p = _binomial_case(seed, dtype)
    g, G = torch.Generator().manual_seed(seed), tg.Generator().manual_seed(seed)
    want = torch.binomial(torch.tensor(c, dtype=dtype), torch.tensor(p, dtype=dtype), generator=g)
    got = tg.binomial(tg.tensor(c, dtype=_TG[dtype]), tg.tensor(p, dtype=_TG[dtype]), generator=G)
    assert got.dtype == _TG[dtype] and got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    np.testing.assert_array_equal(tg.rand(5, generator=G).numpy(), torch.rand(5, generator=g).numpy())


@pytest.mark.parametrize("seed", [52, 158] + list(range(20)))
def test_binomial_draws_wide_counts(seed):
    """Counts from 1 to 10^6 (half of them not whole), prob uniform: BTRS's ratio test (its Stirling tails) runs
    often enough that a wrong term shows."""
    rs = np.random.RandomState(seed)
    dtype, tdt = [(torch.float32, tg.float32), (torch.float64, tg.float64)][seed % 2]
    c = np.exp(rs.uniform(0, 14, size=20)) * rs.choice([1, 0.5], size=20)
    c, p = np.where(rs.rand(20) < 0.5, np.floor(c), c), rs.rand(20)
    g, G = torch.Generator().manual_seed(seed), tg.Generator().manual_seed(seed)
    want = torch.binomial(torch.tensor(c, dtype=dtype), torch.tensor(p, dtype=dtype), generator=g)
    got = tg.binomial(tg.tensor(c, dtype=tdt), tg.tensor(p, dtype=tdt), generator=G)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("seed", [0, 7])
def test_distributions_binomial_samples_are_torchs(seed):
    """distributions.Binomial.sample goes through binomial, as torch's: the same numbers under the same seed (it
    drew from numpy's sampler before), for probs and logits, counts as a number or a tensor, and a sample shape."""
    for m in (torch, tg):
        m.manual_seed(seed)
    cases = [lambda m: m.distributions.Binomial(m.tensor([5., 40., 100.]), m.tensor([0.3, 0.5, 0.9])).sample((4,)),
             lambda m: m.distributions.Binomial(10, probs=m.tensor(0.2)).sample(),
             lambda m: m.distributions.Binomial(m.tensor([3., 400.], dtype=m.float64),
                                                logits=m.tensor([0.1, -2.0], dtype=m.float64)).sample((2, 3))]
    for case in cases:
        want, got = case(torch), case(tg)
        assert got.dtype == tg.tensor(want.numpy()).dtype and tuple(got.shape) == tuple(want.shape)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_binomial_default_generator_and_broadcast_prob():
    torch.manual_seed(3), tg.manual_seed(3)
    c = np.array([[10.0, 50, 3], [200, 1, 0]])
    want = torch.binomial(torch.tensor(c, dtype=torch.float32), torch.tensor([0.2, 0.6, 0.9]))
    got = tg.binomial(tg.tensor(c, dtype=tg.float32), tg.tensor([0.2, 0.6, 0.9]))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_binomial_grad_is_refused_as_torch():
    c, p = torch.tensor([10.0, 30], requires_grad=True), torch.tensor([0.3, 0.6], requires_grad=True)
    C, P = tg.tensor([10.0, 30], requires_grad=True), tg.tensor([0.3, 0.6], requires_grad=True)
    r, R = torch.binomial(c, p), tg.binomial(C, P)
    assert R.requires_grad == r.requires_grad
    raises_same(lambda: r.sum().backward(), lambda: R.sum().backward())


@pytest.mark.parametrize("make", [
    lambda m: m.binomial(m.tensor([10]), m.tensor([0.5])),                            # integer count
    lambda m: m.binomial(m.tensor([10.0]).half(), m.tensor([0.5]).half()),            # float16
    lambda m: m.binomial(m.tensor([10.0]).double(), m.tensor([0.5])),                 # mixed dtypes
    lambda m: m.binomial([10.0], m.tensor([0.5])),                                    # not a tensor
])
def test_binomial_bad_arguments_raise_as_torch(make):
    raises_same(lambda: make(torch), lambda: make(tg))


def test_binomial_nonfinite_count_raises_where_torch_loops_forever():
    with pytest.raises(RuntimeError, match="binomial"):
        tg.binomial(tg.tensor([float("nan")]), tg.tensor([0.5]))


# ---- frombuffer / from_file --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,count,offset", [
    (torch.int32, -1, 0), (torch.int32, 2, 4), (torch.uint8, -1, 5), (torch.float32, 3, 0), (torch.int16, -1, 2),
    (torch.float64, 1, 8), (torch.int64, -1, 0)])
def test_frombuffer_values_and_shared_memory(dtype, count, offset):
    b = bytearray(np.random.RandomState(0).randint(0, 256, 24).astype(np.uint8).tobytes())
    want = torch.frombuffer(b, dtype=dtype, count=count, offset=offset)
    got = tg.frombuffer(b, dtype=tg.dtype(want.numpy().dtype), count=count, offset=offset)
    assert got.shape == want.shape and got.dtype == want.numpy().dtype
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    b[offset] ^= 0xFF  # the buffer's writes show in both tensors
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    got[0] = 7  # and the tensor's in the buffer
    assert bytes(b[offset:offset + want.element_size()]) == np.array(7, got.numpy().dtype).tobytes()


def test_frombuffer_array_requires_grad():
    import array
    a = array.array("d", [1.0, 2.0, 3.0])
    got = tg.frombuffer(a, dtype=tg.float64, requires_grad=True)
    want = torch.frombuffer(array.array("d", [1.0, 2.0, 3.0]), dtype=torch.float64, requires_grad=True)
    assert got.requires_grad and got.is_leaf
    (got * got).sum().backward(), (want * want).sum().backward()
    np.testing.assert_array_equal(got.grad.numpy(), want.grad.numpy())


@pytest.mark.parametrize("make", [
    lambda m: m.frombuffer(bytearray(16), dtype=m.int32, offset=3),          # 13 bytes: not whole elements
    lambda m: m.frombuffer(bytearray(16), dtype=m.int32, count=5),           # past the end
    lambda m: m.frombuffer(bytearray(16), dtype=m.int32, offset=16),
    lambda m: m.frombuffer(bytearray(16), dtype=m.int32, offset=-1),
    lambda m: m.frombuffer(bytearray(), dtype=m.int32),
    lambda m: m.frombuffer(bytearray(16), dtype=m.int32, count=0),
    lambda m: m.frombuffer([1, 2], dtype=m.float32),                          # no buffer protocol
    lambda m: m.frombuffer(bytearray(16), m.float32),                         # dtype is keyword-only
    lambda m: m.frombuffer(bytearray(16), dtype=m.int32, requires_grad=True),
])
def test_frombuffer_bad_arguments_raise_as_torch(make):
    raises_same(lambda: make(torch), lambda: make(tg))


@pytest.mark.parametrize("size,dtype", [(10, None), (4, "float64"), (3, "int16"), (0, None), (7, "uint8")])
def test_from_file_private(tmp_path, size, dtype):
    path = str(tmp_path / "f.bin")
    np.arange(10, dtype=np.float32).tofile(path)
    want = torch.from_file(path, size=size, dtype=None if dtype is None else getattr(torch, dtype))
    got = tg.from_file(path, size=size, dtype=None if dtype is None else getattr(tg, dtype))
    assert got.shape == want.shape and got.dtype == want.numpy().dtype
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    if size:
        got[0] = 5  # private: the file keeps its bytes
        assert np.fromfile(path, np.float32)[0] == 0


def test_from_file_shared_writes_through_and_grows(tmp_path):
    path = str(tmp_path / "g.bin")
    t = tg.from_file(path, True, 3, dtype=tg.float32)  # created
    t[1] = 2.5
    del t
    np.testing.assert_array_equal(np.fromfile(path, np.float32), [0, 2.5, 0])
    w = torch.from_file(path, True, 5)
    np.testing.assert_array_equal(tg.from_file(path, size=5).numpy(), w.numpy())


@pytest.mark.parametrize("make", [
    lambda m, p: m.from_file(p, size=11),                                    # the file is too small
    lambda m, p: m.from_file(p + ".missing", size=3),
    lambda m, p: m.from_file(p, size=3, dtype=m.int16, requires_grad=True),
    lambda m, p: m.from_file(p, size=-1),
])
def test_from_file_bad_arguments_raise_as_torch(tmp_path, make):
    path = str(tmp_path / "f.bin")
    np.arange(10, dtype=np.float32).tofile(path)
    raises_same(lambda: make(torch, path), lambda: make(tg, path))


# ---- as_strided_scatter / as_strided_ ----------------------------------------------------------------------------
def _strided_window(rs, n):
    """A random non-overlapping window (size, stride, storage_offset or None) inside n elements."""
    while True:
        nd = rs.randint(0, 4)
        size = tuple(int(v) for v in rs.randint(0, 4, nd))
        stride = tuple(int(v) for v in rs.randint(1, 6, nd))
        off = None if rs.rand() < 0.3 else int(rs.randint(0, n))
        need = (off or 0) + sum((a - 1) * s for a, s in zip(size, stride)) + 1 if all(size) else (off or 0)
        pos = np.zeros(size, np.int64)
        for k, (a, s) in enumerate(zip(size, stride)):
            pos = pos + np.arange(a).reshape([a if j == k else 1 for j in range(nd)]) * s
        if need <= n and np.unique(pos).size == pos.size:
            return size, stride, off


@pytest.mark.parametrize("seed", range(40))
def test_as_strided_scatter_fuzz(seed):
    """Values, then gradients to self and src (eager and create_graph), of random windows of a contiguous input."""
    rs = np.random.RandomState(seed)
    shape = tuple(rs.randint(1, 5, rs.randint(1, 4)))
    x = rs.randn(*shape)
    size, stride, off = _strided_window(rs, x.size)
    s, gz = rs.randn(*size), rs.randn(*shape)
    tx, ts = torch.tensor(x, requires_grad=True), torch.tensor(s, requires_grad=True)
    gx, gs = tg.tensor(x, requires_grad=True), tg.tensor(s, requires_grad=True)
    want = torch.as_strided_scatter(tx, ts, size, stride, off) if seed % 2 else tx.as_strided_scatter(ts, size,
                                                                                                       stride, off)
    got = tg.as_strided_scatter(gx, gs, size, stride, off) if seed % 2 else gx.as_strided_scatter(gs, size,
                                                                                                   stride, off)
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    assert got.stride() == want.stride()
    # torch's own gradient to self is the window's part of the gradient, not the rest (its as_strided_scatter_backward
    # copies grad's window where it means to zero it: a torch bug): the oracle is torch's clone + window copy_
    ref = tx.clone()
    ref.as_strided(size, stride, off).copy_(ts)
    dw = torch.autograd.grad(ref, [tx, ts], torch.tensor(gz), create_graph=True)
    np.testing.assert_array_equal(dw[1].numpy(), torch.autograd.grad(want, ts, torch.tensor(gz))[0].numpy())
    dg = tg.autograd.grad(got, [gx, gs], tg.tensor(gz), create_graph=bool(seed % 3))
    for a, b in zip(dg, dw):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("make", [
    lambda m: m.as_strided_scatter(m.arange(6.0), m.ones(2, 2), (2, 2), (0, 1)),       # overlapping window
    lambda m: m.as_strided_scatter(m.arange(6.0), m.ones(2, 3), (2, 2), (1, 2), 1),    # src of another size
    lambda m: m.as_strided_scatter(m.arange(6.0), m.ones(2, 2), (2, 2), (3, 2), 1),    # past the end
    lambda m: m.as_strided_scatter(m.arange(6.0), m.ones(2, 2), (2, 2), (1,)),         # stride of another length
    lambda m: m.arange(6.0).as_strided_((2, 2), (3, 2), 1),
])
def test_as_strided_scatter_bad_arguments_raise_as_torch(make):
    raises_same(lambda: make(torch), lambda: make(tg))


def test_as_strided_scatter_casts_src_and_keeps_an_offset_self():
    x = np.arange(6.0, dtype=np.float32)
    want = torch.as_strided_scatter(torch.tensor(x)[1:], torch.ones(2, 2, dtype=torch.int64), (2, 2), (1, 2), 2)
    got = tg.as_strided_scatter(tg.tensor(x)[1:], tg.ones(2, 2, dtype=tg.int64), (2, 2), (1, 2), 2)
    assert got.dtype == tg.float32
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("seed", range(12))
def test_as_strided_in_place(seed):
    """x.as_strided_ makes x that view of its memory (shape, strides, offset), in a graph too, as torch's."""
    rs = np.random.RandomState(seed)
    x = rs.randn(int(rs.randint(2, 13)))
    size, stride, off = _strided_window(rs, x.size)
    tl, gl = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    tx, gx = tl * 2, gl * 2
    r, R = tx.as_strided_(size, stride, off), (gx.as_strided_ if seed % 2 else
                                                lambda *a: tg.as_strided_(gx, *a))(size, stride, off)
    assert R is gx and r is tx
    assert gx.shape == tx.shape and gx.stride() == tx.stride() and gx.storage_offset() == tx.storage_offset()
    np.testing.assert_array_equal(gx.detach().numpy(), tx.detach().numpy())
    g = rs.randn(*size)
    (tx * torch.tensor(g)).sum().backward(), (gx * tg.tensor(g)).sum().backward()
    np.testing.assert_array_equal(gl.grad.numpy(), tl.grad.numpy())
    raises_same(lambda: tl.as_strided_((1,), (1,)), lambda: gl.as_strided_((1,), (1,)))  # a leaf requiring grad


# ---- embedding_bag (aten) / grid_sampler ------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(40))
def test_embedding_bag_aten_fuzz(seed):
    """All four outputs (the bags, offset2bag, bag_size, max_indices) and the gradient to weight, over random bags
    (empty ones too), modes, padding_idx, per_sample_weights and include_last_offset (its last offset at the end of
    indices: torch's kernel disagrees with itself otherwise)."""
    rs = np.random.RandomState(seed)
    v, e, n = rs.randint(2, 8), rs.randint(1, 4), rs.randint(1, 10)
    w, idx = rs.randn(v, e).astype([np.float64, np.float32][seed % 3 == 0]), rs.randint(0, v, n)
    offs = np.sort(np.concatenate([[0], rs.randint(0, n + 1, rs.randint(0, 4))]))
    mode, ilo = int(rs.randint(0, 3)), bool(rs.rand() < 0.4)
    if ilo:
        offs = np.append(offs, n)
    pad = [None, int(rs.randint(-v, v))][rs.randint(0, 2)]
    psw = rs.rand(n) if mode == 0 and rs.rand() < 0.4 else None
    itype = [torch.int64, torch.int32][seed % 2]
    tw, gw = torch.tensor(w, requires_grad=True), tg.tensor(w, requires_grad=True)
    targs = (torch.tensor(idx, dtype=itype), torch.tensor(offs, dtype=itype), False, mode, False,
             None if psw is None else torch.tensor(psw, dtype=tw.dtype), ilo)
    gargs = (tg.tensor(idx, dtype=_TGI[itype]), tg.tensor(offs, dtype=_TGI[itype]), False, mode, False,
             None if psw is None else tg.tensor(psw, dtype=gw.dtype), ilo)
    want = torch.embedding_bag(tw, *targs, *([] if pad is None else [pad]))
    got = tg.embedding_bag(gw, *gargs, *([] if pad is None else [pad]))
    assert len(got) == 4
    np.testing.assert_allclose(got[0].detach().numpy(), want[0].detach().numpy(), rtol=1e-6, atol=1e-6)
    assert got[0].dtype == want[0].detach().numpy().dtype
    for a, b in zip(got[1:], want[1:]):
        assert a.dtype == b.numpy().dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    g = rs.randn(*want[0].shape)
    want[0].backward(torch.tensor(g, dtype=tw.dtype)), got[0].backward(tg.tensor(g, dtype=gw.dtype))
    np.testing.assert_allclose(gw.grad.numpy(), tw.grad.numpy(), rtol=1e-6, atol=1e-6)


_TGI = {torch.int64: tg.int64, torch.int32: tg.int32}


@pytest.mark.parametrize("make", [
    lambda m: m.embedding_bag(m.ones(4, 2), m.tensor([0, 1]), m.tensor([0]), False, 3),       # no such mode
    lambda m: m.embedding_bag(m.ones(4, 2), m.tensor([0, 1]), m.tensor([0]), False, "sum"),
    lambda m: m.embedding_bag(m.ones(4, 2), m.tensor([0, 1]), m.tensor([0]), False, 1, False, m.ones(2)),
    lambda m: m.embedding_bag(m.ones(4, 2), m.tensor([0, 1]), m.tensor([[0]])),             # 2-D offsets
])
def test_embedding_bag_aten_bad_arguments_raise_as_torch(make):
    raises_same(lambda: make(torch), lambda: make(tg))


@pytest.mark.parametrize("name", ["grid_sampler", "grid_sampler_2d"])
@pytest.mark.parametrize("interp", [0, 1, 2])
@pytest.mark.parametrize("pad", [0, 1, 2])
def test_grid_sampler_codes(name, interp, pad):
    rs = np.random.RandomState(interp * 3 + pad)
    x, grid, g = rs.randn(2, 2, 4, 5), rs.rand(2, 3, 3, 2) * 2.4 - 1.2, rs.randn(2, 2, 3, 3)
    align = bool(pad % 2)
    tx, tgd = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    gx, ggd = tg.tensor(x, requires_grad=True), tg.tensor(grid, requires_grad=True)
    want = getattr(torch, name)(tx, tgd, interp, pad, align)
    got = getattr(tg, name)(gx, ggd, interp, pad, align)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-10)
    want.backward(torch.tensor(g)), got.backward(tg.tensor(g))
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ggd.grad.numpy(), tgd.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("make", [
    lambda m: m.grid_sampler_3d(m.ones(1, 1, 2, 2), m.zeros(1, 1, 1, 2), 0, 0, True),      # 4-D to the 3-D one
    lambda m: m.grid_sampler_2d(m.ones(1, 1, 2, 2, 2), m.zeros(1, 1, 1, 1, 3), 0, 0, True),
    lambda m: m.grid_sampler(m.ones(1, 1, 2, 2), m.zeros(1, 1, 1, 2), "bilinear", 0, True),
])
def test_grid_sampler_bad_arguments_raise_as_torch(make):
    raises_same(lambda: make(torch), lambda: make(tg))


def test_grid_sampler_unknown_code_raises_naming_it():
    with pytest.raises(ValueError, match="interpolation_mode.*3"):  # torch reads it unchecked
        tg.grid_sampler(tg.ones(1, 1, 2, 2), tg.zeros(1, 1, 1, 2), 3, 0, True)


# ---- autocast state ----------------------------------------------------------------------------------------------
def _autocast_state(m):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return (m.is_autocast_enabled("cpu"), m.is_autocast_enabled("cuda"), m.is_autocast_cpu_enabled(),
                str(m.get_autocast_dtype("cpu")).split(".")[-1], str(m.get_autocast_cpu_dtype()).split(".")[-1],
                str(m.get_autocast_gpu_dtype()).split(".")[-1], str(m.get_autocast_dtype("cuda")).split(".")[-1],
                m.is_autocast_cache_enabled())


@pytest.fixture
def autocast_reset():
    yield
    torch.set_autocast_enabled("cpu", False), torch.set_autocast_enabled("cuda", False)
    torch.set_autocast_dtype("cpu", torch.bfloat16), torch.set_autocast_dtype("cuda", torch.float16)
    torch.set_autocast_cache_enabled(True)
    tg.amp._state.clear()  # as at import: nothing set, the default dtypes asked for only when read
    tg.set_autocast_cache_enabled(True)


@pytest.mark.parametrize("seed", range(25))
def test_autocast_state_fuzz(seed, autocast_reset):
    """Random setters and nested CPU autocast contexts on both; after each step every getter reports the same
    state as torch's, and the nesting counts agree."""
    import warnings
    rs = np.random.RandomState(seed)
    stacks = {torch: [], tg: []}
    steps = [
        lambda m: m.set_autocast_enabled("cpu", bool(rs_draw[0] % 2)),
        lambda m: m.set_autocast_cpu_enabled(bool(rs_draw[0] % 2)),
        lambda m: m.set_autocast_enabled(bool(rs_draw[0] % 2)),
        lambda m: m.set_autocast_dtype("cpu", [m.float16, m.bfloat16][rs_draw[0] % 2]),
        lambda m: m.set_autocast_cpu_dtype([m.float16, m.bfloat16][rs_draw[0] % 2]),
        lambda m: m.set_autocast_gpu_dtype([m.float16, m.float32][rs_draw[0] % 2]),
        lambda m: m.set_autocast_cache_enabled(bool(rs_draw[0] % 2)),
        lambda m: m.clear_autocast_cache(),
        "enter", "exit",
    ]
    rs_draw = [0]
    for _ in range(12):
        k, rs_draw[0] = rs.randint(len(steps)), rs.randint(4)
        for m in (torch, tg):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if steps[k] == "enter":
                    dtype = [None, m.bfloat16, m.float16][rs_draw[0] % 3]
                    ctx = m.autocast("cpu", dtype=dtype, enabled=rs_draw[0] != 3,
                                     cache_enabled=[None, False, True][rs_draw[0] % 3])
                    ctx.__enter__()
                    stacks[m].append(ctx)
                elif steps[k] == "exit":
                    if stacks[m]:
                        stacks[m].pop().__exit__(None, None, None)
                else:
                    steps[k](m)
        assert _autocast_state(tg) == _autocast_state(torch)
    n = len(stacks[tg])
    assert tg.autocast_increment_nesting() == torch.autocast_increment_nesting() == n + 1
    assert tg.autocast_decrement_nesting() == torch.autocast_decrement_nesting() == n
    for m in (torch, tg):
        while stacks[m]:
            stacks[m].pop().__exit__(None, None, None)
    assert _autocast_state(tg) == _autocast_state(torch)


@pytest.mark.parametrize("make", [
    lambda m: m.set_autocast_enabled(1),
    lambda m: m.set_autocast_enabled("cpu", 1),
    lambda m: m.set_autocast_enabled(True, "cpu"),
    lambda m: m.set_autocast_enabled("meta", True),
    lambda m: m.set_autocast_dtype("xyz", m.float16),
    lambda m: m.set_autocast_cpu_dtype("float16"),
    lambda m: m.set_autocast_cache_enabled(1),
    lambda m: m.set_autocast_cpu_enabled(0),
])
def test_autocast_setters_bad_arguments_raise_as_torch(make, autocast_reset):
    raises_same(lambda: make(torch), lambda: make(tg))


def test_autocast_deprecated_spellings_warn_as_torch(autocast_reset):
    for name in ("get_autocast_cpu_dtype", "get_autocast_gpu_dtype", "is_autocast_cpu_enabled"):
        with pytest.warns(DeprecationWarning):
            getattr(torch, name)()
        with pytest.warns(DeprecationWarning, match=name):
            getattr(tg, name)()


# ---- older Tensor methods: resize / resize_as, storage_type, as_subclass, map_ / map2_, geqrf / ormqr -------------
def test_resize_and_resize_as_reshape_with_grad():
    x = np.random.RandomState(0).randn(2, 3)
    tx, gx = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    with pytest.warns(UserWarning, match="resize"):
        r = tx.resize(3, 2)
    with pytest.warns(UserWarning, match="resize"):
        R = gx.resize(3, 2)
    with pytest.warns(UserWarning, match="resize_as"):
        R2 = gx.resize_as(tg.ones(6))
    assert R.shape == r.shape and R2.shape == (6,)
    np.testing.assert_array_equal(R.detach().numpy(), r.detach().numpy())
    g = np.arange(6.0).reshape(3, 2)
    r.backward(torch.tensor(g)), R.backward(tg.tensor(g))
    np.testing.assert_array_equal(gx.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("make", [
    lambda m: m.arange(6.0).view(2, 3).resize(7),
    lambda m: m.arange(6.0).view(2, 3).resize((3, 2)),   # torch takes the sizes as ints only
    lambda m: m.arange(6.0).resize_as(m.ones(7)),
    lambda m: m.arange(6.0).as_subclass(int),
    lambda m: m.ones(2, 3).map_(m.ones(4), lambda a, b: a + b),
    lambda m: m.ones(2, 3).map_(m.ones(3, dtype=m.int64), lambda a, b: a + b),
    lambda m: m.ones(2, 3, requires_grad=True).map_(m.ones(3), lambda a, b: a + b),
    lambda m: m.arange(6.0).lstsq(m.ones(6)),
    lambda m: m.ones(2, 2).solve(m.ones(2, 2)),
    lambda m: m.ones(2, 2).eig(),
    lambda m: m.ones(2, 2).symeig(),
    lambda m: m.geqrf(m.ones(3)),
    lambda m: m.ormqr(m.ones(3, 3), m.ones(3), m.ones(4, 3)),
])
def test_older_methods_bad_arguments_raise_as_torch(make):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_same(lambda: make(torch), lambda: make(tg))


def test_storage_type_and_as_subclass():
    assert tg.ones(2).storage_type() is type(tg.ones(2).storage())

    class Mine(tg.Tensor):
        pass
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).as_subclass(Mine)
    assert type(y) is Mine and y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize("seed", range(6))
def test_map_and_map2(seed):
    rs = np.random.RandomState(seed)
    dtype = [torch.float32, torch.float64, torch.int64][seed % 3]
    a, b, c = rs.randint(-5, 5, (2, 3)), rs.randint(-5, 5, (3,)), rs.randint(-5, 5, (2, 1))
    to_t, to_g = (lambda v: torch.tensor(v, dtype=dtype)), (lambda v: tg.tensor(v, dtype=tg.dtype(
        torch.empty(0, dtype=dtype).numpy().dtype)))
    t1, g1 = to_t(a), to_g(a)
    base = g1
    assert g1.map_(to_g(b), lambda p, q: p * 3 - q) is base
    t1.map_(to_t(b), lambda p, q: p * 3 - q)
    np.testing.assert_array_equal(g1.numpy(), t1.numpy())
    t1.map2_(to_t(b), to_t(c), lambda p, q, r: p + q * r + 0.5)
    g1.map2_(to_g(b), to_g(c), lambda p, q, r: p + q * r + 0.5)
    np.testing.assert_array_equal(g1.numpy(), t1.numpy())
    assert g1.dtype == t1.numpy().dtype


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 5, 2), (3, 4), (2, 0, 2)])
def test_geqrf_and_ormqr(shape):
    rs = np.random.RandomState(len(shape) + shape[-1])
    a = rs.randn(*shape)
    R, G = torch.geqrf(torch.tensor(a)), tg.geqrf(tg.tensor(a))
    np.testing.assert_allclose(G.a.numpy(), R.a.numpy(), atol=1e-12)
    np.testing.assert_allclose(G.tau.numpy(), R.tau.numpy(), atol=1e-12)
    m = shape[-2]
    for left in (True, False):
        for tr in (False, True):
            c = rs.randn(*shape[:-2], m, 3) if left else rs.randn(*shape[:-2], 3, m)
            ta, tc = R.a.clone().requires_grad_(), torch.tensor(c, requires_grad=True)
            ga, gc = tg.tensor(G.a.numpy(), requires_grad=True), tg.tensor(c, requires_grad=True)
            want, got = torch.ormqr(ta, R.tau, tc, left, tr), ga.ormqr(G.tau, gc, left, tr)
            np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), atol=1e-12)
            w = rs.randn(*want.shape)
            want.backward(torch.tensor(w)), got.backward(tg.tensor(w))
            np.testing.assert_allclose(gc.grad.numpy(), tc.grad.numpy(), atol=1e-12)
            if ga.numel():  # an empty input's gradient is None here, zeros in torch (left as is)
                np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), atol=1e-10)
    x = tg.tensor(a, requires_grad=True)
    raises_same(lambda: torch.geqrf(torch.tensor(a, requires_grad=True)).a.sum().backward(),
                lambda: tg.geqrf(x).a.sum().backward())


@pytest.mark.parametrize("make", [
    lambda m, a: a.unbind(), lambda m, a: a.unbind(1), lambda m, a: (a * 1).chunk(2), lambda m, a: a.split([1, 3]),
    lambda m, a: a.split(3, 1), lambda m, a: a.tensor_split(3), lambda m, a: m.randn(4).split(2),
    lambda m, a: (a, a * 2, a.unbind()[2].view(2, 2)), lambda m, a: a.max(0),
])
def test_output_nr(make):
    a = np.random.RandomState(0).randn(4, 4)
    want = [t.output_nr for t in make(torch, torch.tensor(a, requires_grad=True))]
    assert [t.output_nr for t in make(tg, tg.tensor(a, requires_grad=True))] == want


# ---- finite differences in float64 for the new differentiable ops ------------------------------------------------
def test_gradcheck_as_strided_scatter_ormqr_aten_embedding_bag():
    """Central differences agree with the analytic gradients of as_strided_scatter (to both inputs), ormqr (to the
    reflectors, tau and other; left and right, transposed or not) and the aten embedding_bag (to weight, in each
    mode)."""
    from teenygrad.autograd import gradcheck
    rs = np.random.RandomState(5)
    x = tg.tensor(rs.randn(4, 5), requires_grad=True)
    src = tg.tensor(rs.randn(3, 2), requires_grad=True)
    assert gradcheck(lambda a, b: tg.as_strided_scatter(a, b, (3, 2), (5, 2), 1), (x, src))
    a, tau = tg.geqrf(tg.tensor(rs.randn(5, 3)))
    a.requires_grad_(), tau.requires_grad_()
    for left, transpose in ((True, False), (True, True), (False, False), (False, True)):
        other = tg.tensor(rs.randn(5, 2) if left else rs.randn(2, 5), requires_grad=True)
        assert gradcheck(lambda v, t, o: tg.ormqr(v, t, o, left, transpose), (a, tau, other))
    w = tg.tensor(rs.randn(6, 3), requires_grad=True)
    idx, offs = tg.tensor([0, 2, 2, 5, 1]), tg.tensor([0, 2])
    for mode in (0, 1, 2):
        assert gradcheck(lambda v: tg.embedding_bag(v, idx, offs, False, mode)[0], (w,))
