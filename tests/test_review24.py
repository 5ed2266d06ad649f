"""Review of the twenty-third landing's fast paths against torch, on inputs their own tests left out: GELU's first
gradient under create_graph in float16 / bfloat16 (computed in float32 and rounded once, as torch's gelu_backward and
as the plain backward)."""
import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.nn.functional as F

# float16 / bfloat16: about one unit in the last place (2^-10, 2^-7) relative, and an absolute floor for the tails
# (x < -3), where Phi(x) + x phi(x) cancels in float32 and the two libraries' formulas round apart
_LOW_TOL = {"float16": dict(rtol=1e-3, atol=1e-5), "bfloat16": dict(rtol=8e-3, atol=1e-5)}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("leaf", [True, False])
def test_gelu_create_graph_grad_low_precision_matches_torch(dtype, approximate, leaf):
    """The graph form of GELU's backward ran in float16 itself on a leaf input (2 ulp off, and 0 where torch has
    1.3e-3 in the tanh form's tails); torch's gelu_backward computes in float32 and rounds once, create_graph or
    not."""
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal(size=2000) * 3, dtype=getattr(torch, dtype))
    gy = torch.tensor(rng.normal(size=2000), dtype=getattr(torch, dtype))
    t = x.clone().requires_grad_()
    ours = tg.tensor(x.float().numpy()).to(getattr(tg, dtype)).requires_grad_()
    ta, = torch.autograd.grad(torch.nn.functional.gelu(t if leaf else t * 1, approximate=approximate), t, gy,
                              create_graph=True)
    oa, = tg.autograd.grad(F.gelu(ours if leaf else ours * 1, approximate=approximate), ours,
                           tg.tensor(gy.float().numpy()).to(getattr(tg, dtype)), create_graph=True)
    assert oa.dtype == getattr(tg, dtype)
    np.testing.assert_allclose(oa.float().numpy(), ta.detach().float().numpy(), **_LOW_TOL[dtype])
    # and on through the graph: the second derivative within a few ulps of torch's
    tb, = torch.autograd.grad((ta.float() ** 2).sum(), t)
    ob, = tg.autograd.grad((oa.float() ** 2).sum(), ours)
    assert ob.dtype == getattr(tg, dtype)
    scale = np.abs(tb.float().numpy()).max()
    np.testing.assert_allclose(ob.float().numpy(), tb.float().numpy(), rtol=0, atol=scale * 2 ** -5)
