"""torch's out= keyword on the top-level functions, against torch: values, dtype, `is out`, aliasing, resize (and its
warning), the refusals (cast, autograd, partial overlap) with torch's error type and words, tuple outputs,
non-contiguous outs, and the list of names that take out= re-derived from torch's own signatures."""
import ast
import inspect
import os
import types
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad import aten_api, functional_api
from teenygrad.out_arg import OUT_NAMES

RNG = np.random.default_rng(16)
TG_DT = {torch.float32: tg.float32, torch.float64: tg.float64, torch.int64: tg.int64, torch.int32: tg.int32,
         torch.bool: tg.bool, torch.complex64: tg.complex64, torch.uint8: tg.uint8}


def _pair(*shape, dtype=np.float32):
    a = (RNG.standard_normal(shape) + 0.1).astype(dtype)
    return torch.tensor(a), tg.tensor(a)


def _empty(shape, dtype=torch.float32):
    return torch.empty(shape, dtype=dtype), tg.zeros(shape, dtype=TG_DT[dtype])


def _close(t, g, tol=1e-5):
    assert tuple(t.shape) == tuple(g.shape), (t.shape, g.shape)
    assert str(t.dtype).split(".")[-1] == str(g.dtype).split(".")[-1], (t.dtype, g.dtype)
    np.testing.assert_allclose(g.numpy().astype(np.float64), t.numpy().astype(np.float64), rtol=tol, atol=tol)


def _raises(ft, fg):
    """Both raise the same error type; teenygrad's message holds torch's."""
    with pytest.raises(Exception) as et:
        ft()
    with pytest.raises(type(et.value)) as eg:
        fg()
    return str(et.value), str(eg.value)


# ---- the list of names: torch's signatures, both ways ---------------------------------------------------------------
def _torch_takes_out(name):
    f = getattr(torch, name, None)
    if f is None:
        return None
    overloads = _pyi_overloads()
    if isinstance(f, types.BuiltinFunctionType) and name in overloads:
        return any("out" in o for o in overloads[name])
    try:
        return "out" in inspect.signature(f).parameters
    except (TypeError, ValueError):
        return None


_PYI = {}


def _pyi_overloads():
    if not _PYI:
        path = os.path.join(os.path.dirname(torch.__file__), "_C", "_VariableFunctions.pyi")
        for node in ast.parse(open(path).read()).body:
            if isinstance(node, ast.FunctionDef):
                _PYI.setdefault(node.name, []).append({a.arg for a in node.args.args + node.args.kwonlyargs})
    return _PYI


def _teenygrad_names():
    names = {n for n in dir(tg) if not n.startswith("_")} | set(functional_api._NAMES) | set(aten_api.NAMES)
    names |= {n for n in dir(functional_api) if not n.startswith("_")}
    names |= set(tg._FROM_NN_FUNCTIONAL)
    for n in sorted(names):
        try:
            v = getattr(tg, n)
        except AttributeError:
            continue
        if callable(v) and not isinstance(v, (type, types.ModuleType)):
            yield n, v


def test_out_names_match_torch():
    checked, takes = 0, set()
    for n, fn in _teenygrad_names():
        expect = _torch_takes_out(n)
        if expect is None:
            continue
        mine = "out" in inspect.signature(fn, follow_wrapped=False).parameters  # out_arg's wrappers
        assert mine == expect, f"torch.{n} {'takes' if expect else 'refuses'} out=, teenygrad.{n} does not agree"
        checked += 1
        takes |= {n} if expect else set()
    assert takes == OUT_NAMES  # the plain set in out_arg.py is torch's, no more, no less
    assert checked > 500


@pytest.mark.parametrize("call", [
    lambda m, x: m.reshape(x, (6,), out=m.empty(0)), lambda m, x: m.transpose(x, 0, 1, out=m.empty(0)),
    lambda m, x: m.split(x, 1, out=m.empty(0)), lambda m, x: m.chunk(x, 2, out=m.empty(0)),
    lambda m, x: m.unbind(x, out=m.empty(0)), lambda m, x: m.clone(x, out=m.empty(0)),
    lambda m, x: m.detach(x, out=m.empty(0)), lambda m, x: m.numel(x, out=m.empty(0)),
    lambda m, x: m.equal(x, x, out=m.empty(0)), lambda m, x: m.allclose(x, x, out=m.empty(0)),
    lambda m, x: m.einsum("ij->ji", x, out=m.empty(0)), lambda m, x: m.sum(x, out=m.empty(0)),
    lambda m, x: m.median(x, out=m.empty(0))])
def test_refuses_out_as_torch(call):
    t, g = _pair(2, 3)
    _raises(lambda: call(torch, t), lambda: call(tg, g))


# ---- values, dtype, identity --------------------------------------------------------------------------------------
def _args(m, pairs):
    return [p[0] if m is torch else p[1] for p in pairs]


CASES = {
    "add": lambda m, a, b, s, v: m.add(a, b, alpha=2, out=s), "sub": lambda m, a, b, s, v: m.sub(a, b, out=s),
    "mul": lambda m, a, b, s, v: m.mul(a, b, out=s), "div": lambda m, a, b, s, v: m.div(a, b, out=s),
    "tanh": lambda m, a, b, s, v: m.tanh(a, out=s), "exp": lambda m, a, b, s, v: m.exp(a, out=s),
    "pow": lambda m, a, b, s, v: m.pow(a, 2, out=s), "maximum": lambda m, a, b, s, v: m.maximum(a, b, out=s),
    "clamp": lambda m, a, b, s, v: m.clamp(a, -0.5, 0.5, out=s), "where": lambda m, a, b, s, v: m.where(a > 0, a, b, out=s),
    "matmul": lambda m, a, b, s, v: m.matmul(a, b.T, out=s), "mm": lambda m, a, b, s, v: m.mm(a, b.T, out=s),
    "bmm": lambda m, a, b, s, v: m.bmm(a[None], b.T[None], out=s), "dot": lambda m, a, b, s, v: m.dot(a[0], b[0], out=s),
    "mv": lambda m, a, b, s, v: m.mv(a, v, out=s), "addmm": lambda m, a, b, s, v: m.addmm(a[:, :3], a, b.T, out=s),
    "outer": lambda m, a, b, s, v: m.outer(v, v, out=s), "cat": lambda m, a, b, s, v: m.cat([a, b], 1, out=s),
    "stack": lambda m, a, b, s, v: m.stack([a, b], out=s), "sum": lambda m, a, b, s, v: m.sum(a, 1, out=s),
    "mean": lambda m, a, b, s, v: m.mean(a, 0, keepdim=True, out=s), "softmax": lambda m, a, b, s, v: m.softmax(a, 1, out=s),
    "cumsum": lambda m, a, b, s, v: m.cumsum(a, 1, out=s), "tril": lambda m, a, b, s, v: m.tril(a, out=s),
    "argmax": lambda m, a, b, s, v: m.argmax(a, 1, out=s), "eq": lambda m, a, b, s, v: m.eq(a, b, out=s),
    "index_select": lambda m, a, b, s, v: m.index_select(a, 1, m.tensor([2, 0]), out=s),
    "gather": lambda m, a, b, s, v: m.gather(a, 1, m.tensor([[1, 0], [2, 2], [0, 1]]), out=s),
    "logsumexp": lambda m, a, b, s, v: m.logsumexp(a, 1, out=s), "var": lambda m, a, b, s, v: m.var(a, 1, out=s),
    "addcmul": lambda m, a, b, s, v: m.addcmul(a, a, b, value=0.5, out=s), "vstack": lambda m, a, b, s, v: m.vstack([a, b], out=s),
    "hardshrink": lambda m, a, b, s, v: m.hardshrink(a, 0.3, out=s), "kron": lambda m, a, b, s, v: m.kron(a, b, out=s),
    "addmv": lambda m, a, b, s, v: m.addmv(v[:3], a, v, out=s),
    "add_number_first": lambda m, a, b, s, v: m.add(2, a, out=s)}


def _run(name, out_shape_t=None):
    a, b, v = _pair(3, 4), _pair(3, 4), _pair(4)
    ref = CASES[name](torch, a[0], b[0], None, v[0])
    shape = tuple(ref.shape) if out_shape_t is None else out_shape_t
    so = _empty(shape, ref.dtype)
    return CASES[name], a, b, v, ref, so


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("shape", ["same", "empty"])
def test_values_and_identity(name, shape):
    fn, a, b, v, ref, _ = _run(name)
    so = _empty(tuple(ref.shape) if shape == "same" else (0,), ref.dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a zero-element out is resized silently
        rt = fn(torch, a[0], b[0], so[0], v[0])
        rg = fn(tg, a[1], b[1], so[1], v[1])
    assert rt is so[0] and rg is so[1]
    _close(ref, rg)


@pytest.mark.parametrize("name", ["add", "tanh", "sum", "cat", "cumsum", "eq", "logsumexp", "add_number_first"])
def test_cast_into_wider_out(name):
    fn, a, b, v, ref, _ = _run(name)
    so = _empty(tuple(ref.shape), torch.float64)
    rt, rg = fn(torch, a[0], b[0], so[0], v[0]), fn(tg, a[1], b[1], so[1], v[1])
    assert rg is so[1] and rg.dtype == tg.float64
    _close(rt, rg)


def test_int_inputs_into_float_out():
    at, ag = _pair(2, 3)
    at, ag = (at * 4).long(), (ag * 4).long()
    so = _empty((2, 3))
    _close(torch.add(at, at, out=so[0]), tg.add(ag, ag, out=so[1]))
    so = _empty((2, 3))
    _close(torch.tanh(at, out=so[0]), tg.tanh(ag, out=so[1]))


@pytest.mark.parametrize("name,out_dtype", [("add", torch.int64), ("tanh", torch.int32), ("eq", torch.float32),
                                            ("mean", torch.int64), ("mm", torch.float64), ("matmul", torch.float64),
                                            ("bmm", torch.float64), ("softmax", torch.float64),
                                            ("argmax", torch.float32), ("argmax", torch.int32), ("cat", torch.int64),
                                            ("clamp", torch.float64), ("tril", torch.float64)])
def test_dtype_refusals(name, out_dtype):
    fn, a, b, v, ref, _ = _run(name)
    so = _empty(tuple(ref.shape), out_dtype)
    if name == "eq":  # bool into float is fine
        _close(fn(torch, a[0], b[0], so[0], v[0]), fn(tg, a[1], b[1], so[1], v[1]))
        return
    mt, mg = _raises(lambda: fn(torch, a[0], b[0], so[0], v[0]), lambda: fn(tg, a[1], b[1], so[1], v[1]))
    assert mt.split(" (Triggered")[0] in mg, (mt, mg)


@pytest.mark.parametrize("name", ["sum", "prod", "cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", [torch.int64, torch.float64, torch.bool])
def test_reductions_run_in_outs_dtype(name, dtype):
    # torch.sum(x, 1, out=long_t) sums x.long(): [1.6, 2.7, -0.4] gives 3, not int(3.9)
    xt, xg = _pair(3, 4)
    xt, xg = xt * 3, xg * 3
    if name in ("cumsum", "cumprod") and dtype == torch.bool:
        return  # torch has no bool kernel for these
    ot, og = _empty((0,), dtype)
    rt, rg = getattr(torch, name)(xt, 1, out=ot), getattr(tg, name)(xg, 1, out=og)
    assert rg is og
    _close(rt, rg, 1e-4)


def test_complex_to_real_refused():
    at, ag = _pair(2, 3)
    ct, cg = torch.complex(at, at), tg.complex(ag, ag)
    so = _empty((2, 3))
    mt, mg = _raises(lambda: torch.add(ct, ct, out=so[0]), lambda: tg.add(cg, cg, out=so[1]))
    assert mt in mg


# ---- resize ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["add", "mm", "cat", "stack", "sum"])
def test_resize_warns_when_out_had_elements(name):
    fn, a, b, v, ref, _ = _run(name)
    so = _empty((5,), ref.dtype)
    with pytest.warns(UserWarning, match="An output with one or more elements was resized since it had shape \\[5\\]"):
        rt = fn(torch, a[0], b[0], so[0], v[0])
    with pytest.warns(UserWarning, match="An output with one or more elements was resized since it had shape \\[5\\]"):
        rg = fn(tg, a[1], b[1], so[1], v[1])
    assert rg is so[1] and rg.stride() == rt.stride()
    _close(rt, rg)


# ---- aliasing, overlap, views, non-contiguous outs -------------------------------------------------------------------
def test_out_is_an_input():
    at, ag = _pair(3, 3)
    bt, bg = _pair(3, 3)
    expect = (at + bt).numpy()
    assert tg.add(ag, bg, out=ag) is ag
    np.testing.assert_allclose(ag.numpy(), expect, rtol=1e-6)
    mm = (tg.tensor(bg.numpy()) @ bg).numpy()
    assert tg.mm(bg, bg, out=bg) is bg  # computed first, then written (torch reads bg while writing it here)
    np.testing.assert_allclose(bg.numpy(), mm, rtol=1e-5)


def test_partial_overlap_refused():
    at, ag = _pair(3, 3)
    mt, mg = _raises(lambda: torch.add(at, 1, out=at.t()), lambda: tg.add(ag, 1, out=ag.t()))
    assert "refer to a single memory location" in mt and "refer to a single memory location" in mg


@pytest.mark.parametrize("name", ["add", "mm", "tanh"])
def test_transposed_out(name):
    fn, a, b, v, ref, _ = _run(name)
    n, k = ref.shape
    ot, og = torch.zeros(k, n).t(), tg.zeros(k, n).t()
    rt, rg = fn(torch, a[0], b[0], ot, v[0]), fn(tg, a[1], b[1], og, v[1])
    assert rg is og and og.stride() == ot.stride() == (1, n)  # out keeps its strides
    _close(rt, rg)


def test_views_of_out_see_the_write():
    at, ag = _pair(2, 3)
    bt, bg = _pair(2, 3)
    baset, baseg = torch.zeros(4, 3), tg.zeros(4, 3)
    torch.add(at, bt, out=baset[::2])
    assert tg.add(ag, bg, out=baseg[::2]) is not None
    _close(baset, baseg)
    v0 = baseg._version
    tg.mul(ag, 2, out=baseg[1:3])
    assert baseg._version > v0
    _close(torch.mul(at, 2, out=baset[1:3]), baseg[1:3])
    _close(baset, baseg)


def test_write_into_a_saved_tensor_is_caught_by_backward():
    xt, xg = _pair(2, 3)
    for m, x in ((torch, xt), (tg, xg)):
        x = x.clone().requires_grad_()
        y = x.exp()  # exp saves its result
        with m.no_grad():
            m.add(x, 1, out=y)
        with pytest.raises(RuntimeError):
            y.sum().backward()


# ---- autograd refusals -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda m, a, b, o: m.add(a, b, out=o), lambda m, a, b, o: m.mm(a, b.T, out=o),
    lambda m, a, b, o: m.cat([a, b], out=o), lambda m, a, b, o: m.tanh(a, out=o),
    lambda m, a, b, o: m.max(a, 0, out=(o, m.empty(0, dtype=m.int64)))])
@pytest.mark.parametrize("who", ["input", "out"])
def test_autograd_refused_unless_no_grad(call, who):
    at, ag = _pair(2, 3)
    bt, bg = _pair(2, 3)
    ots, ogs = _empty((0,))
    if who == "input":
        at, ag = at.requires_grad_(), ag.requires_grad_()
    else:
        ots, ogs = ots.requires_grad_(), ogs.requires_grad_()
    mt, mg = _raises(lambda: call(torch, at, bt, ots), lambda: call(tg, ag, bg, ogs))
    assert mt == mg and "functions with out=... arguments don't support automatic differentiation" in mg
    if who == "input":  # under no_grad it works, and out takes no graph
        with tg.no_grad():
            r = call(tg, ag, bg, ogs)
        with torch.no_grad():
            rt = call(torch, at, bt, ots)
        r, rt = (r[0], rt[0]) if isinstance(r, tuple) else (r, rt)
        assert not r.requires_grad
        _close(rt.detach(), r.detach())


# ---- several results: a tuple of outs -------------------------------------------------------------------------------
TUPLES = {
    "max": lambda m, x, o: m.max(x, 1, out=o), "min": lambda m, x, o: m.min(x, 0, True, out=o),
    "sort": lambda m, x, o: m.sort(x, 1, descending=True, out=o), "topk": lambda m, x, o: m.topk(x, 2, out=o),
    "kthvalue": lambda m, x, o: m.kthvalue(x, 2, 1, out=o), "mode": lambda m, x, o: m.mode(x.round(), 1, out=o),
    "median": lambda m, x, o: m.median(x, 1, out=o), "cummax": lambda m, x, o: m.cummax(x, 1, out=o),
    "cummin": lambda m, x, o: m.cummin(x, 0, out=o), "aminmax": lambda m, x, o: m.aminmax(x, dim=1, out=o),
    "frexp": lambda m, x, o: m.frexp(x, out=o)}


@pytest.mark.parametrize("name", sorted(TUPLES))
def test_tuple_outs(name):
    xt, xg = _pair(3, 5)
    ref = TUPLES[name](torch, xt, None)
    ots = tuple(torch.empty(0, dtype=r.dtype) for r in ref)
    ogs = tuple(tg.empty(0, dtype=TG_DT[r.dtype]) for r in ref)
    rt, rg = TUPLES[name](torch, xt, ots), TUPLES[name](tg, xg, list(ogs))
    assert all(r is o for r, o in zip(rg, ogs)) and len(rg) == len(rt)
    if hasattr(rt, "_fields") and name not in ("aminmax", "frexp"):  # values / indices by name, as torch's
        assert rg.values is ogs[0] and rg.indices is ogs[1]
    for t, g in zip(rt, rg):
        _close(t, g)


@pytest.mark.parametrize("bad", ["one", "three", "tensor", "not_a_tensor", "index_dtype", "values_dtype"])
def test_tuple_out_refusals(bad):
    xt, xg = _pair(3, 5)

    def outs(m):
        v, i = m.empty(0), m.empty(0, dtype=m.int64)
        return {"one": (v,), "three": (v, i, m.empty(0)), "tensor": v, "not_a_tensor": (v, 3),
                "index_dtype": (v, m.empty(0, dtype=m.int32)), "values_dtype": (m.empty(0, dtype=m.float64), i)}[bad]
    mt, mg = _raises(lambda: torch.sort(xt, out=outs(torch)), lambda: tg.sort(xg, out=outs(tg)))
    if bad in ("one", "three"):
        assert mt in mg
    if bad in ("index_dtype", "values_dtype"):
        assert mt in mg


def test_list_outs_return_none():
    xt, xg = _pair(3, 4)
    ots, ogs = [torch.empty(0) for _ in range(3)], [tg.empty(0) for _ in range(3)]
    assert torch.unbind_copy(xt, out=ots) is None and tg.unbind_copy(xg, out=ogs) is None
    for t, g in zip(ots, ogs):
        _close(t, g)


# ---- factories: made in out's dtype --------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda m, o: m.zeros(2, 3, out=o), lambda m, o: m.ones((4,), out=o), lambda m, o: m.full((2,), 2.5, out=o),
    lambda m, o: m.arange(1, 7, 2, out=o), lambda m, o: m.linspace(0, 1, 5, out=o), lambda m, o: m.eye(3, out=o),
    lambda m, o: m.logspace(0, 2, 3, out=o)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64])
def test_factories(call, dtype):
    ot, og = _empty((0,), dtype)
    rt, rg = call(torch, ot), call(tg, og)
    assert rg is og
    _close(rt, rg)


def test_factory_dtype_must_match_out():
    ot, og = _empty((3,), torch.int64)
    mt, mg = _raises(lambda: torch.zeros(3, dtype=torch.float32, out=ot),
                     lambda: tg.zeros(3, dtype=tg.float32, out=og))
    assert mt in mg


def test_range_writes_out():
    ot, og = _empty((0,), torch.float64)
    with pytest.warns(UserWarning, match="deprecated"):
        rt = torch.range(0, 4, out=ot)
    with pytest.warns(UserWarning, match="deprecated"):
        rg = tg.range(0, 4, out=og)
    assert rg is og
    _close(rt, rg)
