"""out= on torch.linalg's and torch.special's functions, against torch: which names take it (probed in torch, both
ways), the values written, `is out`, which out dtypes each accepts (cast) or refuses, and the autograd refusal."""
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.linalg  # noqa: F401
import teenygrad.special  # noqa: F401
from teenygrad.out_arg import LINALG_OUT, SPECIAL_OUT

_RNG = np.random.default_rng(16)
_X = (_RNG.random(3) + 0.5).astype(np.float32)
_A = (_RNG.standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32)
_S = (_A @ _A.T).astype(np.float32)
_V = _RNG.standard_normal(3).astype(np.float32)
_N = np.array([0., 1., 2.], np.float32)


def _patterns(m, kind):
    t = m.tensor
    if kind == "special":
        return [((t(_X),), {}), ((t(_X), t(_X)), {}), ((1, t(_X)), {}), ((t(_X + 2), 2), {}), ((t(_X), 0), {}),
                ((t(_X), t(_N)), {})]
    LU, piv = m.linalg.lu_factor(t(_A))
    return [((t(_A),), {}), ((t(_S),), {}), ((t(_A), t(_A)), {}), ((t(_V), t(_V)), {}), (([t(_A), t(_A)],), {}),
            ((t(_A), t(_X[:2])), {}), ((LU, piv, t(_A)), {}), ((t(_A), t(_A)), {"upper": True}), ((t(_A), 2), {}),
            ((t(_S), 1), {})]


def _cases(kind):
    mod_t = getattr(torch, kind)
    out = []
    for name in sorted(dir(mod_t)):
        f = getattr(mod_t, name)
        if name.startswith("_") or not callable(f) or isinstance(f, type) or not hasattr(getattr(tg, kind), name):
            continue
        for i, (args, kw) in enumerate(_patterns(torch, kind)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    r = f(*args, **kw)
                except Exception:
                    continue
            if isinstance(r, (torch.Tensor, tuple)):
                out.append((name, i))
            break
    return out


_CASES = [("special", n, i) for n, i in _cases("special")] + [("linalg", n, i) for n, i in _cases("linalg")]


def _call(m, kind, name, i, out=None):
    args, kw = _patterns(m, kind)[i]
    f = getattr(getattr(m, kind), name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kw) if out is None else f(*args, **kw, out=out)


def _empty_like(m, r, dtype=None):
    if isinstance(r, (torch.Tensor, tg.Tensor)):
        inexact = r.is_floating_point() or r.is_complex()   # teenygrad's dtypes are numpy's: ask the tensor
        d = r.dtype if dtype is None or not inexact else dtype
        return m.empty(tuple(r.shape), dtype=d)
    return tuple(_empty_like(m, x, dtype) for x in r)


def _outcome(fn):
    try:
        fn()
        return "ok"
    except TypeError as e:
        return "TypeError" + (" out" if "out" in str(e) else "")
    except Exception as e:
        return type(e).__name__


def test_names_take_out_as_torch():
    assert len(_CASES) > 80
    for kind, name, i in _CASES:
        r = _call(torch, kind, name, i)
        takes_t = _outcome(lambda: _call(torch, kind, name, i, _empty_like(torch, r))) == "ok"
        listed = name in (LINALG_OUT if kind == "linalg" else SPECIAL_OUT)
        assert takes_t == listed, f"torch.{kind}.{name}: torch {'takes' if takes_t else 'refuses'} out="
        rg = _call(tg, kind, name, i)
        got = _outcome(lambda: _call(tg, kind, name, i, _empty_like(tg, rg)))
        assert (got == "ok") == takes_t, f"teenygrad.{kind}.{name}: {got}"


@pytest.mark.parametrize("kind, name, i", [c for c in _CASES if c[1] in (LINALG_OUT | SPECIAL_OUT)])
def test_values_and_dtypes_as_torch(kind, name, i):
    rt, rg = _call(torch, kind, name, i), _call(tg, kind, name, i)
    ot, og = _empty_like(torch, rt), _empty_like(tg, rg)
    got = _call(tg, kind, name, i, og)
    _call(torch, kind, name, i, ot)
    if isinstance(og, tuple):
        assert all(a is b for a, b in zip(got, og))
        pairs = list(zip(ot, og))
    else:
        assert got is og
        pairs = [(ot, og)]
    for a, b in pairs:
        if name in ("eig", "svd", "qr", "eigh", "lu", "lu_factor", "lu_factor_ex"):  # signs / phases / pivots
            assert tuple(b.shape) == tuple(a.shape) and str(b.dtype) == str(a.dtype).replace("torch.", "")
            continue
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=2e-4, atol=2e-5)
    for dtype in (torch.float64, torch.int64, torch.complex64):   # which casts each accepts, which it refuses
        tg_dtype = {torch.float64: tg.float64, torch.int64: tg.int64, torch.complex64: tg.complex64}[dtype]
        want = _outcome(lambda: _call(torch, kind, name, i, _empty_like(torch, rt, dtype)))
        have = _outcome(lambda: _call(tg, kind, name, i, _empty_like(tg, rg, tg_dtype)))
        assert have == want, f"{kind}.{name} into {dtype}: torch {want}, teenygrad {have}"


def test_out_refuses_autograd_as_torch():
    at, ag = torch.tensor(_A, requires_grad=True), tg.tensor(_A, requires_grad=True)
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        torch.linalg.inv(at, out=torch.empty(3, 3))
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        tg.linalg.inv(ag, out=tg.empty(3, 3))
    with tg.no_grad():
        o = tg.empty(3)
        assert tg.special.erf(tg.tensor(_X, requires_grad=True), out=o) is o


def test_out_resizes_with_torch_warning():
    o = tg.empty(5)
    with pytest.warns(UserWarning, match="resized"):
        tg.special.expit(tg.tensor(_X), out=o)
    np.testing.assert_allclose(o.numpy(), torch.special.expit(torch.tensor(_X)).numpy(), rtol=1e-6)
    assert o.shape == (3,)


@pytest.mark.parametrize("n", [0, 1, 2, 3, -1])
def test_matrix_power_casts_only_where_torch_copies(n):
    """torch copies into out for n = 0 or 1 (a cast is fine) and multiplies into it otherwise (dtype must match);
    chain_matmul likewise with one matrix or more."""
    want = _outcome(lambda: torch.matrix_power(torch.tensor(_A), n, out=torch.empty(3, 3, dtype=torch.float64)))
    have = _outcome(lambda: tg.matrix_power(tg.tensor(_A), n, out=tg.empty(3, 3, dtype=tg.float64)))
    assert have == want
    want = _outcome(lambda: torch.linalg.matrix_power(torch.tensor(_A), n, out=torch.empty(3, 3, dtype=torch.float64)))
    have = _outcome(lambda: tg.linalg.matrix_power(tg.tensor(_A), n, out=tg.empty(3, 3, dtype=tg.float64)))
    assert have == want
    k = max(n, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = _outcome(lambda: torch.chain_matmul(*[torch.tensor(_A)] * k, out=torch.empty(3, 3, dtype=torch.float64)))
        have = _outcome(lambda: tg.chain_matmul(*[tg.tensor(_A)] * k, out=tg.empty(3, 3, dtype=tg.float64)))
    assert have == want
