"""teenygrad.autograd.forward_ad (dual_level, make_dual, unpack_dual) against torch.autograd.forward_ad: tangents of
elementwise ops, matmul, reductions, softmax and an MLP, several dual inputs, non-dual inputs mixed in, which
results require grad, and the errors torch raises."""
import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as tfw

import teenygrad as tg
import teenygrad.autograd.forward_ad as fwAD
from helpers import rand, to_np

TOL = dict(atol=1e-5, rtol=1e-4)
W = rand((4, 3), 7)


def _close(a, b):
    np.testing.assert_allclose(to_np(a), b if isinstance(b, np.ndarray) else to_np(b), **TOL)


def _mlp(m, x, w1, b1, w2):
    return m.tanh(x @ w1 + b1) @ w2


# each: (function of the module m and the inputs, input shapes); every input is made dual
FUNCS = {
    "sin": (lambda m, x: m.sin(x) * 2, [(3, 4)]),
    "exp_mul": (lambda m, x: m.exp(x) * x, [(3, 4)]),
    "pow_div": (lambda m, x: x ** 3 / (x * x + 1), [(5,)]),
    "sigmoid_relu": (lambda m, x: m.sigmoid(x) + m.relu(x), [(2, 3)]),
    "matmul_const": (lambda m, x: x @ m.tensor(W), [(2, 4)]),
    "sum_dim": (lambda m, x: (x * x).sum(dim=1), [(3, 4)]),
    "mean_all": (lambda m, x: m.tanh(x).mean(), [(3, 4)]),
    "max_dim": (lambda m, x: x.max(dim=0).values, [(3, 4)]),
    "softmax": (lambda m, x: m.softmax(x, dim=-1), [(3, 5)]),
    "log_softmax": (lambda m, x: m.log_softmax(x, dim=0), [(3, 5)]),
    "two_duals": (lambda m, x, y: (x @ y).sin(), [(2, 3), (3, 4)]),
    "mlp_all_dual": (lambda m, x, w1, b1, w2: _mlp(m, x, w1, b1, w2), [(2, 4), (4, 6), (6,), (6, 3)]),
}


def _run(m, fw, fn, shapes, seed):
    xs = [m.tensor(rand(s, seed + i)) for i, s in enumerate(shapes)]
    vs = [m.tensor(rand(s, seed + 50 + i)) for i, s in enumerate(shapes)]
    with fw.dual_level():
        duals = [fw.make_dual(x, v) for x, v in zip(xs, vs)]
        y = fn(m, *duals)
        primal, tangent = fw.unpack_dual(y)
    return fn(m, *xs), y, primal, tangent


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_tangents_against_torch(name):
    fn, shapes = FUNCS[name]
    plain, y, primal, tangent = _run(tg, fwAD, fn, shapes, seed=3)
    t_plain, t_y, t_primal, t_tangent = _run(torch, tfw, fn, shapes, seed=3)
    _close(tangent, t_tangent)
    _close(primal, t_primal)
    np.testing.assert_array_equal(to_np(y), to_np(plain))   # the primal computation is unchanged
    assert tangent.dtype == tg.float32 and primal.requires_grad is False and tangent.requires_grad is False


def _mixed(m, fw, x_grad, w_grad, v_grad):
    """An MLP whose first layer's input is dual and whose weights are not: (x, w, v, primal, tangent)."""
    x = m.tensor(rand((2, 4), 0), requires_grad=x_grad)
    w1, b1, w2 = (m.tensor(rand(s, i + 1), requires_grad=w_grad) for i, s in enumerate([(4, 6), (6,), (6, 3)]))
    v = m.tensor(rand((2, 4), 9), requires_grad=v_grad)
    with fw.dual_level():
        primal, tangent = fw.unpack_dual(_mlp(m, fw.make_dual(x, v), w1, b1, w2))
    return x, w1, v, primal, tangent


@pytest.mark.parametrize("x_grad,w_grad,v_grad", [(False, False, False), (False, True, False),
                                                  (True, False, False), (False, False, True)])
def test_non_dual_inputs_and_what_requires_grad(x_grad, w_grad, v_grad):
    """Weights mixed in (requiring grad or not): the tangent as torch's, requiring grad as torch's does, and its
    reverse-mode gradients (with respect to x, a weight, the tangent v) as torch's."""
    ours = _mixed(tg, fwAD, x_grad, w_grad, v_grad)
    theirs = _mixed(torch, tfw, x_grad, w_grad, v_grad)
    _close(ours[4], theirs[4])
    _close(ours[3], theirs[3])
    for a, b in zip(ours[3:], theirs[3:]):
        assert a.requires_grad == b.requires_grad
    if theirs[4].requires_grad:
        (ours[4] * ours[4]).sum().backward()
        (theirs[4] * theirs[4]).sum().backward()
        for a, b in zip(ours[:3], theirs[:3]):
            if b.requires_grad:
                _close(a.grad, b.grad)


def test_unpack_of_a_dual_and_of_a_non_dual_tensor():
    x, v = tg.tensor(rand((3,), 0)), tg.tensor(rand((3,), 1))
    with fwAD.dual_level():
        d = fwAD.make_dual(x, v)
        out = fwAD.unpack_dual(d)
        assert isinstance(out, fwAD.UnpackedDualTensor) and out.tangent is v
        _close(out.primal, x)
        plain = fwAD.unpack_dual(x * 2)
        assert plain.tangent is None
        _close(plain.primal, x * 2)
        assert fwAD.unpack_dual(d.detach() * 2).tangent is None
        assert fwAD.unpack_dual((d > 0).float()).tangent is None
        zero = fwAD.unpack_dual(d * 0).tangent
        assert zero is not None and not to_np(zero).any()
        y = d.exp()
    after = fwAD.unpack_dual(y)   # outside the level: no tangent, the tensor itself
    assert after.primal is y and after.tangent is None


def test_in_place_on_a_dual_tensor():
    x, v = rand((3,), 0), rand((3,), 1)
    got, want = [], []
    for m, fw, out in ((tg, fwAD, got), (torch, tfw, want)):
        with fw.dual_level():
            d = fw.make_dual(m.tensor(x), m.tensor(v))
            d.mul_(m.tensor(x))
            d.add_(1)
            out.extend(fw.unpack_dual(d.sin()))
    for a, b in zip(got, want):
        _close(a, b)


def test_levels_and_decorator():
    assert fwAD.enter_dual_level() == 0
    with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
        fwAD.enter_dual_level()
    fwAD.exit_dual_level(level=0)
    with pytest.raises(RuntimeError, match="Dual level must be a positive number"):
        fwAD.exit_dual_level()
    level = fwAD.enter_dual_level()
    with pytest.raises(RuntimeError, match="not the last one that was created"):
        fwAD.exit_dual_level(level=level + 1)
    fwAD.exit_dual_level()

    @fwAD.dual_level()
    def tangent_of_square(x, v):
        return fwAD.unpack_dual(fwAD.make_dual(x, v) ** 2).tangent

    x, v = rand((4,), 0), rand((4,), 1)
    _close(tangent_of_square(tg.tensor(x), tg.tensor(v)), 2 * x * v)
    assert fwAD._current_level == -1


@pytest.mark.parametrize("case", ["outside", "shape", "int_primal", "int_tangent", "dual_of_dual"])
def test_errors_as_torch(case):
    for m, fw in ((tg, fwAD), (torch, tfw)):
        x = m.tensor(rand((3,), 0))
        if case == "outside":
            with pytest.raises(RuntimeError, match="no level exists"):
                fw.make_dual(x, x)
            continue
        with fw.dual_level():
            if case == "shape":
                with pytest.raises(RuntimeError, match=r"Tensor is of size \[3\] while the given forward gradient "
                                                       r"is of size \[4\]"):
                    fw.make_dual(x, m.ones(4))
            elif case == "int_primal":
                with pytest.raises(ValueError, match="Expected primal to be floating point"):
                    fw.make_dual(x.long(), x)
            elif case == "int_tangent":
                with pytest.raises(ValueError, match="Expected tangent to be floating point"):
                    fw.make_dual(x, x.long())
            else:
                with pytest.raises(RuntimeError, match="already has a forward gradient at the same level 0"):
                    fw.make_dual(fw.make_dual(x, x) * 2, x)


def test_refusals_that_torch_does_not_have():
    """No grad mode, no recorded graph: make_dual says so instead of giving tangents of None later."""
    x = tg.tensor(rand((3,), 0))
    with fwAD.dual_level():
        with tg.no_grad(), pytest.raises(RuntimeError, match="make_dual: .*needs grad mode"):
            fwAD.make_dual(x, x)
        with pytest.raises(TypeError, match="unpack_dual: expected a Tensor, got float"):
            fwAD.unpack_dual(3.0)
        with pytest.raises(TypeError, match="make_dual: expected a Tensor as the primal, got list"):
            fwAD.make_dual([1.0, 2.0, 3.0], x)
        with pytest.raises(NotImplementedError, match="unpack_dual: .*double backward.*polar"):
            fwAD.unpack_dual(tg.polar(fwAD.make_dual(x, x), x).abs().sum())   # an op without a double backward



@pytest.mark.parametrize("retain", [True, False])
def test_unpack_after_backward(retain):
    """torch keeps tangents apart from the graph; teenygrad computes them by backward through it, so after a
    backward that freed it unpack_dual raises (retain_graph=True keeps the tangent torch gives)."""
    out = {}
    for m, fw in ((torch, tfw), (tg, fwAD)):
        x, v = m.tensor(rand((2, 3), 3), requires_grad=True), m.tensor(rand((2, 3), 4))
        with fw.dual_level():
            d = fw.make_dual(x, v)
            y = (d.sin() * d).exp()
            y.sum().backward(retain_graph=retain)
            if m is tg and not retain:
                with pytest.raises(RuntimeError, match="unpack_dual: .*freed.*retain_graph=True"):
                    fw.unpack_dual(y)
                out[m] = (x.grad, fw.unpack_dual(d).tangent)
            else:
                out[m] = (x.grad, fw.unpack_dual(d).tangent, fw.unpack_dual(y).tangent)
    for t, g in zip(out[torch], out[tg]):
        _close(g, t)

def test_tutorial_api_names():
    assert tg.autograd.forward_ad is fwAD
    assert set(fwAD.__all__) == set(tfw.__all__)
    assert fwAD.UnpackedDualTensor._fields == tfw.UnpackedDualTensor._fields
