"""Fixes found by differential fuzzing of the less-travelled nn layers against torch (fifteenth landing):
containers (Sequential's insert bounds, * / *= / +=, dir(); ParameterList / ParameterDict's repr and dict API),
the reprs of EmbeddingBag(scale_grad_by_freq) and Unflatten, and a few layer guards (EmbeddingBag modes,
pdist / cdist, the pad modules) on non-contiguous inputs."""
import collections
import numpy as np
import pytest
import torch
import teenygrad as tg

TOL = 1e-5
rng = np.random.default_rng(15)


def _both(build):
    """build(lib) run for torch and teenygrad, with the same torch seed (for any default init)."""
    torch.manual_seed(0)
    t = build(torch)
    torch.manual_seed(0)
    return t, build(tg)


def _outcome(fn):
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001  the error's kind is what is compared
        return "err", type(e).__name__


def _names(lib, names=("a", "b", "c")):
    return lib.nn.Sequential(collections.OrderedDict((n, lib.nn.Linear(2, 2)) for n in names))


def _seq(lib):
    return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 2), lib.nn.Tanh())


def _describe(m):
    return repr(m), list(m.state_dict())


# ---- Sequential ------------------------------------------------------------------------------------
@pytest.mark.parametrize("index", [0, 2, 4, -1, -4, 5, -5, 10])
def test_sequential_insert_bounds(index):
    """torch's Sequential.insert takes -n..n and raises IndexError outside; it used to insert at the end."""
    def run(lib):
        s = _seq(lib)
        return _outcome(lambda: (s.insert(index, lib.nn.Sigmoid()) is s, _describe(s)))
    t, g = _both(run)
    assert t == g


@pytest.mark.parametrize("times", [1, 2, 3, 0, -1, 2.0])
def test_sequential_mul(times):
    """Sequential * int, int * Sequential and *= int repeat the same modules (shared), as torch."""
    for op in (lambda s: s * times, lambda s: times * s):
        t, g = _both(lambda lib: _outcome(lambda: _describe(op(lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(2, 2))))))
        assert t == g

    def imul(lib):
        s = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Tanh())
        first = s[0]

        def go():
            s2 = s
            s2 *= times
            return s2 is s, _describe(s), all(m is first for m in list(s)[::2])
        return _outcome(go)
    t, g = _both(imul)
    assert t == g


def test_sequential_iadd_in_place():
    def run(lib):
        s = _seq(lib)
        other = lib.nn.Sequential(lib.nn.Sigmoid())
        s2 = s
        s2 += other
        return s2 is s, _describe(s), s[-1] is other[0]
    t, g = _both(run)
    assert t == g == (True, t[1], True)


@pytest.mark.parametrize("build", [_seq, lambda lib: lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.Tanh()]),
                                   lambda lib: lib.nn.ParameterList([lib.ones(2), lib.ones(3)])])
def test_container_dir_hides_positions(build):
    t, g = _both(build)
    assert [k for k in dir(t) if k.isdigit()] == [k for k in dir(g) if k.isdigit()] == []
    assert "forward" in dir(g)


# ---- ParameterList / ParameterDict -------------------------------------------------------------------
def _plist(lib):
    return lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.ones(4, dtype=lib.float64),
                                 lib.nn.Parameter(lib.zeros(1), requires_grad=False)])


@pytest.mark.parametrize("build", [
    _plist,
    lambda lib: lib.nn.ParameterList([lib.ones(5)]),
    lambda lib: lib.nn.ParameterList(),
    lambda lib: _plist(lib)[1:],
])
def test_parameter_list_repr(build):
    """torch lists each entry (`(0): Parameter containing: [torch.float32 of size 2x3]`); it printed none."""
    t, g = _both(build)
    assert repr(g) == repr(t)
    assert list(g.state_dict()) == list(t.state_dict())


def test_parameter_list_iadd_and_call():
    def run(lib):
        p = _plist(lib)
        p2 = p
        p2 += [lib.ones(7)]
        return p2 is p, repr(p), _outcome(lambda: p(1))
    t, g = _both(run)
    assert t == g


def _pdict(lib):
    return lib.nn.ParameterDict({"w": lib.nn.Parameter(lib.ones(2, 3)), "b": lib.zeros(2), "a": lib.ones(1)})


DICT_OPS = {
    "build": lambda lib, d: None,
    "ordered": lambda lib, d: repr(lib.nn.ParameterDict(
        collections.OrderedDict([("z", lib.ones(1)), ("a", lib.ones(2))]))),
    "pop": lambda lib, d: tuple(d.pop("w").shape),
    "del": lambda lib, d: d.__delitem__("b"),
    "get": lambda lib, d: (tuple(d.get("w").shape), d.get("q"), d.get("q", 3)),
    "setdefault": lambda lib, d: (tuple(d.setdefault("q", lib.ones(3)).shape), tuple(d.setdefault("w").shape)),
    "clear": lambda lib, d: d.clear(),
    "copy": lambda lib, d: repr(d.copy()),
    "fromkeys": lambda lib, d: repr(d.fromkeys(["y", "x"], lib.ones(2))),
    "popitem": lambda lib, d: d.popitem()[0],
    "or": lambda lib, d: repr(d | lib.nn.ParameterDict({"z": lib.ones(1)})),
    "ior": lambda lib, d: d.__ior__(lib.nn.ParameterDict({"z": lib.ones(1)})) is d,
    "update_sorted": lambda lib, d: d.update({"y": lib.ones(1), "c": lib.ones(2)}),
    "reversed": lambda lib, d: list(reversed(d)),
    "call": lambda lib, d: d(1),
}


@pytest.mark.parametrize("op", list(DICT_OPS))
def test_parameter_dict_api(op):
    """ParameterDict as torch's: a plain dict taken in sorted key order, dict's methods, one repr line per entry
    (`(b): Parameter containing: [torch.FloatTensor of size 2]`); most of the methods were missing."""
    def run(lib):
        d = _pdict(lib)
        return _outcome(lambda: DICT_OPS[op](lib, d)), repr(d), list(d), list(d.state_dict())
    t, g = _both(run)
    assert g == t


# ---- module reprs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(scale_grad_by_freq=True), dict(scale_grad_by_freq=True, mode="sum",
                                                                     max_norm=1.0, padding_idx=-1), dict()])
def test_embedding_bag_repr(kw):
    t, g = _both(lambda lib: lib.nn.EmbeddingBag(5, 3, **kw))
    assert repr(g) == repr(t)


@pytest.mark.parametrize("size", [[2, 3], (2, 3), 6, (2.0, 3), (-1, 2)])
def test_unflatten_keeps_size_and_checks_it(size):
    """torch keeps unflattened_size as given (a list prints as a list) and refuses a non-int entry at once."""
    t, g = _both(lambda lib: _outcome(lambda: repr(lib.nn.Unflatten(1, size))))
    assert t == g
    if t[0] == "ok":
        x = rng.standard_normal((2, 6)).astype(np.float32)
        assert tg.nn.Unflatten(1, size)(tg.tensor(x)).shape == tuple(torch.nn.Unflatten(1, size)(torch.tensor(x)).shape)


# ---- guards: layers the fuzzer found right, on non-contiguous inputs --------------------------------
def _grad_pair(fn, *arrays):
    """fn(lib, *tensors) for both libraries, the inputs as transposed views; returns outputs and input grads."""
    out = []
    for lib in (torch, tg):
        ts = [lib.tensor(np.ascontiguousarray(a.T), requires_grad=True) for a in arrays]
        y = fn(lib, *[t.transpose(0, 1) for t in ts])
        w = lib.tensor(np.linspace(-1, 1, y.numel(), dtype=np.float32).reshape(tuple(y.shape)))
        (y * w).sum().backward()
        out.append((y.detach().numpy(), [t.grad.numpy() for t in ts]))
    return out


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, -3])
def test_embedding_bag_noncontiguous_weight(mode, padding_idx):
    w = rng.standard_normal((10, 4)).astype(np.float32)
    ids = [1, 7, 7, 2, 0, 9, 3, 7, 5]
    (ty, tg_), (gy, gg) = _grad_pair(lambda lib, w: lib.nn.functional.embedding_bag(
        lib.tensor(ids), w, lib.tensor([0, 3, 3, 7]), mode=mode, padding_idx=padding_idx), w)
    np.testing.assert_allclose(gy, ty, atol=TOL, rtol=TOL)
    np.testing.assert_allclose(gg[0], tg_[0], atol=TOL, rtol=TOL)


@pytest.mark.parametrize("p", [0.0, 1.0, 2.0, 3.0, float("inf")])
def test_cdist_pdist_noncontiguous(p):
    a, b = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal((4, 3)).astype(np.float32)
    b[1] = a[2]  # a zero distance: its gradient is 0, not nan
    (ty, tgr), (gy, ggr) = _grad_pair(lambda lib, x, y: lib.cdist(x, y, p), a, b)
    np.testing.assert_allclose(gy, ty, atol=1e-4, rtol=1e-4)
    for g_, t_ in zip(ggr, tgr):
        np.testing.assert_allclose(g_, t_, atol=1e-4, rtol=1e-4)
    (ty, tgr), (gy, ggr) = _grad_pair(lambda lib, x: lib.nn.functional.pdist(x, p), a)
    np.testing.assert_allclose(gy, ty, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(ggr[0], tgr[0], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("name,pad", [("ReflectionPad2d", (2, 1, -1, 2)), ("ReplicationPad2d", (-1, 3, 2, 0)),
                                      ("CircularPad2d", (1, 2, 2, -1)), ("ConstantPad2d", (-1, 2, 1, 1))])
def test_pad_modules_noncontiguous(name, pad):
    x = rng.standard_normal((4, 5, 3, 2)).astype(np.float32)
    args = (pad, 1.5) if name.startswith("Constant") else (pad,)
    res = []
    for lib in (torch, tg):
        t = lib.tensor(x, requires_grad=True)
        y = getattr(lib.nn, name)(*args)(t.permute(3, 2, 1, 0))  # (2, 3, 5, 4), a non-contiguous view
        (y * y).sum().backward()
        res.append((y.detach().numpy(), t.grad.numpy()))
    for g_, t_ in zip(res[1], res[0]):
        np.testing.assert_allclose(g_, t_, atol=TOL, rtol=TOL)
