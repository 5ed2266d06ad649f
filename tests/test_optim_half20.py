"""Optimizers on float16 / bfloat16 parameters step bit for bit as torch's single-tensor kernels (twentieth landing).

torch applies each update op to a narrow tensor in float32 (a norm or mean summed in float32) and rounds the result
once to the narrow dtype; a scalar it multiplies or divides by stays float32, while a scalar it adds (t.add(eps)) is
rounded to the dtype first, and addcmul's (value t1) t2 + x is a fused multiply-add. teenygrad rounded the scalars
(and in Adamax, NAdam, RAdam, Adadelta and ASGD each partial result; in Adafactor its norms, means and rsqrt too) to
the narrow dtype, added eps in float32 and rounded addcmul's product before the sum: Adamax, NAdam, RAdam, Adadelta,
Adafactor and ASGD had 1 ulp off torch in 2-16% of the parameters after 12 steps (ASGD up to 75%), and Adam /
RMSprop / Adagrad with a large eps (0.1) up to 17% (NAdam's exp_avg_sq, and so its parameters, a few elements off in
bfloat16 through addcmul). Parameters after every step and the whole state after the last are compared exactly
(NaN where torch has NaN: float16 steps overflow where eps rounds to 0)."""
import numpy as np
import pytest
import torch

import teenygrad as tg

STEPS = 12
CASES = [
    ("Adamax", dict(lr=0.01)), ("Adamax", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.01, betas=(0.3, 0.9), eps=0.1)),
    ("NAdam", dict(lr=0.01)), ("NAdam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, momentum_decay=0.1)),
    ("NAdam", dict(lr=0.01, betas=(0.5, 0.99), eps=0.1)),
    ("RAdam", dict(lr=0.01)), ("RAdam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, betas=(0.5, 0.9))),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.99), eps=0.1)),
    ("Adadelta", dict(lr=1.0)), ("Adadelta", dict(lr=0.5, weight_decay=0.1, maximize=True, rho=0.5, eps=1e-3)),
    ("ASGD", dict(lr=0.1)), ("ASGD", dict(lr=0.1, weight_decay=0.1, maximize=True, t0=3, lambd=0.1)),
    ("ASGD", dict(lr=0.05, alpha=0.5, t0=0)),
    ("Adam", dict(lr=0.01, eps=0.1)), ("AdamW", dict(lr=0.01, eps=0.1, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True, amsgrad=True)),
    ("RMSprop", dict(lr=0.01, eps=0.1)), ("RMSprop", dict(lr=0.01, eps=0.1, centered=True, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, maximize=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, eps=0.1)), ("Adagrad", dict(lr=0.1, maximize=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True, weight_decay=0.1)),
    ("Rprop", dict(lr=0.01)), ("Rprop", dict(lr=0.01, maximize=True, etas=(0.3, 2.0), step_sizes=(1e-3, 1.0))),
    ("Adafactor", dict(lr=0.01)), ("Adafactor", dict(lr=0.01, weight_decay=0.1, maximize=True, beta2_decay=-0.5)),
    ("Adafactor", dict(lr=0.01, shape=(256,))), ("Adafactor", dict(lr=0.05, shape=(4, 8, 8), eps=(1e-3, 1e-2))),
    ("Adafactor", dict(lr=0.01, shape=(256,), maximize=True, weight_decay=0.1, d=2.0)),
]


def _trajectory(L, name, kw, dtype):
    kw = dict(kw)
    shape = kw.pop("shape", (16, 16))
    # 256 elements: all in torch's vector loops (16 to 64 wide); the scalar loop for the leftover elements of a
    # tensor rounds some products to the narrow dtype first, so there torch itself is 1 ulp apart from its bulk
    rng = np.random.default_rng(7)
    p = L.tensor(rng.standard_normal(shape)).to(getattr(L, dtype)).requires_grad_()
    opt = getattr(L.optim, name)([p], **kw)
    params = []
    for _ in range(STEPS):
        p.grad = L.tensor(rng.standard_normal(shape)).to(getattr(L, dtype))
        opt.step()
        params.append(p.detach().float().numpy().copy())
    state = {k: (v.detach().float().numpy() if v.dtype != L.float32 else v.detach().numpy()).copy()
             for k, v in opt.state[p].items()}
    return params, state


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name, kw", CASES, ids=[f"{n}-{'-'.join(kw)}" for n, kw in CASES])
def test_narrow_float_parameters_step_as_torch(name, kw, dtype):
    (got, got_state), (want, want_state) = _trajectory(tg, name, kw, dtype), _trajectory(torch, name, kw, dtype)
    for k, (a, b) in enumerate(zip(want, got)):
        np.testing.assert_array_equal(b, a, err_msg=f"{name} {kw} {dtype}: parameters after step {k + 1}")
    assert sorted(got_state) == sorted(want_state)
    for key, a in want_state.items():
        np.testing.assert_array_equal(got_state[key], a, err_msg=f"{name} {kw} {dtype}: state {key!r}")
