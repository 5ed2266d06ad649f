"""Optimizers on complex parameters, against torch (nineteenth landing). torch steps a complex parameter as pairs of
reals (view_as_real of it, its gradient and its state), so squares, square roots, signs and maxima act on the real
and imaginary parts apart; teenygrad squared the complex numbers themselves (Adam's v = g * g, Rprop's sign of a
complex product, LBFGS's dot products without conjugation) and drifted from the first step."""
import numpy as np
import pytest
import torch

import teenygrad as tg

SHAPES = [(3,), (4, 5), (2, 3, 4), ()]

CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.5)),
    ("Adamax", dict(lr=0.1, weight_decay=0.1)),
    ("NAdam", dict(lr=0.1, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.1, decoupled_weight_decay=True, weight_decay=0.1)),
    ("RAdam", dict(lr=0.1, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 1), maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adadelta", dict(lr=0.5, rho=0.5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.1, lambd=0.1, alpha=0.5, t0=2, weight_decay=0.1)),
]


def _complex(rng, shape, dtype):
    return np.asarray(rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def _run(lib, name, kw, init, grads, layout):
    ps = []
    for a in init:
        t = lib.tensor(a.copy())
        if layout == "transposed" and t.ndim == 2:  # a non-contiguous parameter: its real view has odd strides
            t = lib.tensor(np.ascontiguousarray(a.T)).t()
        ps.append(lib.nn.Parameter(t))
    opt = getattr(lib.optim, name)(ps, **kw)
    for step in grads:
        for p, g in zip(ps, step):
            p.grad = lib.tensor(g.copy())
        opt.step()
    state = opt.state_dict()["state"]
    return [p.detach().numpy().copy() for p in ps], state


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_complex_parameters_step_as_torch(name, kw, dtype, layout):
    rng = np.random.default_rng(7)
    init = [_complex(rng, s, dtype) for s in SHAPES]
    grads = [[_complex(rng, s, dtype) for s in SHAPES] for _ in range(6)]
    want, want_state = _run(torch, name, kw, init, grads, layout)
    got, got_state = _run(tg, name, kw, init, grads, layout)
    tol = 2e-5 if dtype == "complex64" else 1e-12
    for w, g in zip(want, got):
        assert g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)
    for i, entries in want_state.items():  # the state too (exp_avg_sq holds re^2 and im^2 in its two parts)
        for key, value in entries.items():
            ours = got_state[i][key]
            np.testing.assert_allclose(np.asarray(ours.numpy()), np.asarray(value.numpy()), rtol=tol, atol=tol,
                                       err_msg=f"{name} state {key}")


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_complex_least_squares_as_torch(line_search_fn):
    rng = np.random.default_rng(1)
    A, b = _complex(rng, (4, 4), np.complex128), _complex(rng, 4, np.complex128)
    r = rng.standard_normal(3)  # a real parameter beside the complex one: one flat vector of both
    out = {}
    for lib in (torch, tg):
        z = lib.nn.Parameter(lib.zeros(4, dtype=lib.complex128))
        w = lib.nn.Parameter(lib.tensor(r.copy()))
        Am, bm = lib.tensor(A), lib.tensor(b)
        opt = lib.optim.LBFGS([z, w], lr=0.5, max_iter=5, line_search_fn=line_search_fn)

        def closure():
            opt.zero_grad()
            loss = ((Am @ z - bm).abs() ** 2).sum() + ((w - 1) ** 2).sum()
            loss.backward()
            return loss
        for _ in range(3):
            loss = opt.step(closure)
        out[lib] = z.detach().numpy().copy(), w.detach().numpy().copy(), float(loss.detach())
    for got, want in zip(out[tg], out[torch]):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)
    # the state's flat vectors are real, and a checkpoint of it loads back
    state = opt.state_dict()
    again = tg.optim.LBFGS([z, w], lr=0.5, max_iter=5, line_search_fn=line_search_fn)
    again.load_state_dict(state)
    assert again.state_dict()["state"][0]["d"].dtype == tg.float64
