"""Default epsilons of low-precision dtypes vs torch 2.13: numpy's finfo rejects ml_dtypes' bfloat16, so
Adafactor(eps=(None, ...)) takes the parameter dtype's eps from teenygrad.finfo, and F.rms_norm(eps=None) takes
float32's for float16 / bfloat16 (torch's opmath dtype) and the dtype's own otherwise."""
import numpy as np
import pytest
import torch

import teenygrad as tg

DTYPES = {"float32": (tg.float32, torch.float32), "float16": (tg.float16, torch.float16),
          "bfloat16": (tg.bfloat16, torch.bfloat16)}
ULP = {"float32": 2.0 ** -23, "float16": 2.0 ** -10, "bfloat16": 2.0 ** -7}  # spacing just above 1


def _np(t):
    return t.detach().float().numpy() if isinstance(t, torch.Tensor) else t.float().numpy()


@pytest.mark.parametrize("name", list(DTYPES))
@pytest.mark.parametrize("eps", [None, 1e-2])
@pytest.mark.parametrize("affine", [False, True])
def test_rms_norm_low_precision_matches_torch(name, eps, affine):
    gdt, tdt = DTYPES[name]
    rng = np.random.default_rng(0)
    # rows of small values: there the dtype's eps (bfloat16's 2**-7) moves the result visibly
    x = (rng.standard_normal((4, 3, 6)) * np.array([1.0, 0.1, 0.02])[:, None]).astype(np.float32)
    w = rng.standard_normal(6).astype(np.float32)
    xt, xg = torch.tensor(x).to(tdt), tg.tensor(x).to(gdt)
    wt, wg = (torch.tensor(w).to(tdt), tg.tensor(w).to(gdt)) if affine else (None, None)
    want = torch.nn.functional.rms_norm(xt, (6,), wt, eps)
    got = tg.nn.functional.rms_norm(xg, (6,), wg, eps)
    assert got.dtype == gdt
    np.testing.assert_allclose(_np(got), _np(want), rtol=2 * ULP[name], atol=2 * ULP[name])


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_rms_norm_low_precision_default_eps_is_float32s(name):
    """torch computes float16 / bfloat16 rms_norm in float32 and its eps=None is float32's eps, not the dtype's."""
    gdt, tdt = DTYPES[name]
    got = _np(tg.nn.functional.rms_norm(tg.full((2, 3), 0.05, dtype=gdt), (3,)))
    want = _np(torch.nn.functional.rms_norm(torch.full((2, 3), 0.05, dtype=tdt), (3,)))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, 1.0)  # the dtype's eps (2**-7, 2**-10) would give 0.49, 0.85


def test_adafactor_bfloat16_default_eps():
    wt = torch.nn.Parameter(torch.ones(2, 3, dtype=torch.bfloat16))
    wg = tg.nn.Parameter(tg.ones(2, 3, dtype=tg.bfloat16))
    ot, og = torch.optim.Adafactor([wt], lr=0.1), tg.optim.Adafactor([wg], lr=0.1)
    wt.grad, wg.grad = torch.ones_like(wt), tg.ones_like(wg)
    ot.step()
    og.step()
    assert wg.dtype == tg.bfloat16
    np.testing.assert_array_equal(_np(wg), _np(wt))  # 0.8984 everywhere


ADAFACTOR_CONFIGS = [dict(), dict(lr=0.05, weight_decay=0.1), dict(eps=(1e-3, 1e-2), maximize=True),
                     dict(foreach=True, beta2_decay=-0.5)]


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
@pytest.mark.parametrize("kw", ADAFACTOR_CONFIGS, ids=[str(i) for i in range(len(ADAFACTOR_CONFIGS))])
def test_adafactor_low_precision_trajectory(name, kw):
    """Both round after most ops to the parameter's dtype, not always at the same points (norms, rsqrt vs divide), so
    1-ulp differences build up: over 10 steps at most 3.5 units of ULP * max(|w|, 1/16) measured; float16 with the
    weight-decay factor rounded to float16 first (the old numpy path) reached 6.3."""
    gdt, tdt = DTYPES[name]
    rng = np.random.default_rng(0)
    shapes = [(7,), (5, 3), (2, 4, 6), ()]  # unfactored, factored (2-D and batched), 0-D
    inits = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    pt = [torch.tensor(a).to(tdt).requires_grad_() for a in inits]
    pg = [tg.tensor(a).to(gdt).requires_grad_() for a in inits]
    ot, og = torch.optim.Adafactor(pt, **kw), tg.optim.Adafactor(pg, **kw)
    for _ in range(10):
        for a, b in zip(pt, pg):
            g = rng.standard_normal(a.shape).astype(np.float32)
            a.grad, b.grad = torch.tensor(g).to(tdt), tg.tensor(g).to(gdt)
        ot.step()
        og.step()
    for a, b in zip(pt, pg):
        assert b.dtype == gdt, "the parameter's dtype changed"
        want, got = _np(a), _np(b)
        assert np.all(np.abs(got - want) <= 5 * ULP[name] * np.maximum(np.abs(want), 2.0 ** -4)), (a.shape, got, want)
