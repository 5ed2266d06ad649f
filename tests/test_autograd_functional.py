"""teenygrad.autograd.functional (jacobian, vjp, jvp) against torch.autograd.functional on the same numpy inputs and
the same function written once for both libraries: values, the nesting of the results (tensor, tuple, tuple of
tuples), float64 finite differences, strict mode, and the errors both raise for bad arguments."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import rand

TOL = dict(atol=1e-5, rtol=1e-4)


def _one_in_one_out(lib, x):
    return (x.sin() * x.sum()).tanh()


def _two_in_one_out(lib, x, y):
    return (y @ x.exp()).softmax(-1)  # (2, 3) @ (3,): (2,)


def _one_in_two_out(lib, x):
    return x.square().cumsum(0), (x * 2).sum()


def _two_in_two_out(lib, x, y):
    return (x[:, None] * y.mT).sum(0).sigmoid(), lib.linalg.det(y[:, :2])


FUNCS = {"1->1": (_one_in_one_out, [(4,)]), "2->1": (_two_in_one_out, [(3,), (2, 3)]),
         "1->2": (_one_in_two_out, [(3, 2)]), "2->2": (_two_in_two_out, [(3,), (2, 3)])}


def _inputs(shapes, lib, dtype=np.float32):
    arrays = [rand(s, i + 1, dtype=dtype) for i, s in enumerate(shapes)]
    ts = tuple(lib.tensor(a) for a in arrays)
    return ts if len(ts) > 1 else ts[0]


def _assert_same(got, want, what="result"):
    """Same nesting (tuple vs tensor, lengths) and the same values"""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), f"{what}: {type(got).__name__} vs torch's tuple"
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_same(g, w, f"{what}[{i}]")
        return
    assert isinstance(got, tg.Tensor), f"{what}: expected a Tensor, got {type(got).__name__}"
    assert tuple(got.shape) == tuple(want.shape), f"{what}: shape {tuple(got.shape)} != torch {tuple(want.shape)}"
    assert not got.requires_grad
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), err_msg=what, **TOL)


def _both(name):
    fn, shapes = FUNCS[name]
    return (lambda *xs: fn(tg, *xs)), (lambda *xs: fn(torch, *xs)), shapes


@pytest.mark.parametrize("name", list(FUNCS))
def test_jacobian_matches_torch(name):
    f_tg, f_th, shapes = _both(name)
    got = tg.autograd.functional.jacobian(f_tg, _inputs(shapes, tg))
    _assert_same(got, torch.autograd.functional.jacobian(f_th, _inputs(shapes, torch)))


@pytest.mark.parametrize("name", list(FUNCS))
def test_vjp_and_jvp_match_torch(name):
    f_tg, f_th, shapes = _both(name)
    outs = f_th(*_as_tuple(_inputs(shapes, torch)))
    out_tuple = isinstance(outs, tuple)
    v_out = [rand(tuple(o.shape), 10 + i) for i, o in enumerate(outs if out_tuple else (outs,))]
    v_in = [rand(s, 20 + i) for i, s in enumerate(shapes)]

    def pack(arrays, lib, as_tuple):
        ts = tuple(lib.tensor(a) for a in arrays)
        return ts if as_tuple else ts[0]
    for op, arrays, as_tuple in (("vjp", v_out, out_tuple), ("jvp", v_in, len(shapes) > 1)):
        got = getattr(tg.autograd.functional, op)(f_tg, _inputs(shapes, tg), pack(arrays, tg, as_tuple))
        want = getattr(torch.autograd.functional, op)(f_th, _inputs(shapes, torch), pack(arrays, torch, as_tuple))
        _assert_same(got, want, op)


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def test_v_may_be_omitted_for_one_element_outputs_and_inputs():
    a = rand((3,), 1)
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match="v can only be None"):
            lib.autograd.functional.vjp(lambda x: x * 2, lib.tensor(a))
        with pytest.raises(RuntimeError, match="v can only be None"):
            lib.autograd.functional.jvp(lambda x: x * 2, lib.tensor(a))
    got = tg.autograd.functional.vjp(lambda x: (x * x).sum(), tg.tensor(a))
    _assert_same(got, torch.autograd.functional.vjp(lambda x: (x * x).sum(), torch.tensor(a)))
    got = tg.autograd.functional.jvp(lambda x: x.exp() * 3, tg.tensor(a[:1]))
    _assert_same(got, torch.autograd.functional.jvp(lambda x: x.exp() * 3, torch.tensor(a[:1])))


def test_jacobian_of_a_transposed_view_matches_torch():
    base = rand((3, 2), 4)
    got = tg.autograd.functional.jacobian(lambda x: x @ x.mT, tg.tensor(base).mT)
    _assert_same(got, torch.autograd.functional.jacobian(lambda x: x @ x.mT, torch.tensor(base).mT))


@pytest.mark.parametrize("fn", [lambda x: x, lambda x: x[1:], lambda x: (x, x.sum())], ids=["identity", "slice",
                                                                                       "input_returned"])
def test_jacobian_when_the_output_is_the_input_or_a_view_of_it(fn):
    a = rand((3,), 5)
    _assert_same(tg.autograd.functional.jacobian(fn, tg.tensor(a)),
                 torch.autograd.functional.jacobian(fn, torch.tensor(a)))


def test_jacobian_float64_matches_finite_differences():
    a = np.random.default_rng(0).standard_normal((2, 3))
    fn = lambda x: (x.exp() @ x.mT).log1p()  # noqa: E731
    jac = tg.autograd.functional.jacobian(fn, tg.tensor(a)).numpy()
    assert jac.dtype == np.float64 and jac.shape == (2, 2, 2, 3)
    eps, numeric = 1e-6, np.zeros((2, 2, 2, 3))
    for idx in np.ndindex(a.shape):
        plus, minus = a.copy(), a.copy()
        plus[idx] += eps
        minus[idx] -= eps
        numeric[(...,) + idx] = (fn(tg.tensor(plus)).numpy() - fn(tg.tensor(minus)).numpy()) / (2 * eps)
    np.testing.assert_allclose(jac, numeric, atol=1e-7, rtol=1e-6)


def test_unused_inputs_and_constant_outputs_zero_or_refused_in_strict_mode():
    x, y = rand((3,), 1), rand((2,), 2)
    for lib in (torch, tg):
        F = lib.autograd.functional
        jac = F.jacobian(lambda a, b: a * 2, (lib.tensor(x), lib.tensor(y)))  # b unused: a zero block
        assert tuple(jac[1].shape) == (3, 2) and not jac[1].numpy().any() and np.allclose(jac[0].numpy(),
                                                                                           2 * np.eye(3))
        with pytest.raises(RuntimeError, match="independent of input 1"):
            F.jacobian(lambda a, b: a * 2, (lib.tensor(x), lib.tensor(y)), strict=True)
        const = F.jacobian(lambda a: lib.ones(2), lib.tensor(x))  # no graph at all: zeros
        assert tuple(const.shape) == (2, 3) and not const.numpy().any()
        with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not require"):
            F.jacobian(lambda a: lib.ones(2), lib.tensor(x), strict=True)
        with pytest.raises(RuntimeError, match="independent of input 1"):
            F.vjp(lambda a, b: (a * 2).sum(), (lib.tensor(x), lib.tensor(y)), strict=True)


def test_bad_arguments_raise_like_torch():
    x = rand((3,), 1)
    for lib in (torch, tg):
        F = lib.autograd.functional
        with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
            F.jacobian(lambda a: a, [lib.tensor(x)])
        with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
            F.jacobian(lambda a: 3.0, lib.tensor(x))
        with pytest.raises(RuntimeError, match="invalid size"):
            F.vjp(lambda a: a * 2, lib.tensor(x), lib.ones(2))
        with pytest.raises(RuntimeError, match="invalid size"):
            F.jvp(lambda a: a * 2, lib.tensor(x), lib.ones(4))


def test_create_graph_and_vectorize_like_torch():
    """create_graph=True gives results that are differentiated again, as torch's (it raised NotImplementedError);
    vectorize=True gives the same numbers"""
    x0 = rand((3,), 1).astype(np.float64)
    got = []
    for m in (torch, tg):
        F = m.autograd.functional
        x = m.tensor(x0, requires_grad=True)
        j = F.jacobian(lambda a: a.sin() * a, x, create_graph=True)
        _, v = F.vjp(lambda a: (a * a * a).sum(), x, create_graph=True)
        h = F.hessian(lambda a: (a * a * a).sum(), x, create_graph=True)
        _, hv = F.hvp(lambda a: (a.exp() * a).sum(), x, m.ones_like(x), create_graph=True)
        second = m.autograd.grad(j.sum() + v.sum() + h.sum() + hv.sum(), x)[0]
        jv = F.jacobian(lambda a: a.sin() * a, m.tensor(x0), vectorize=True)
        got.append([t.detach().numpy() for t in (j, v, h, hv, second, jv)])
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_functional_is_loaded_lazily():
    import subprocess
    import sys
    from pathlib import Path
    code = ("import sys, teenygrad; assert 'teenygrad.autograd.functional' not in sys.modules; "
            "teenygrad.autograd.functional.jacobian")
    assert subprocess.run([sys.executable, "-c", code], cwd=str(Path(__file__).parent.parent)).returncode == 0
