"""Hypothesis fuzzing of broadcasting, reshaping and indexing against numpy and torch (values) and of their gradients
against the rule that a gradient sums back over broadcasts/repeats. Examples kept modest so the suite stays fast."""
import numpy as np
from hypothesis import given, settings, strategies as st, HealthCheck
from hypothesis.extra import numpy as hnp

import teenygrad as tg

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
floats = st.floats(-3, 3, width=32)


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4), st.data())
def test_broadcast_binary_ops(shapes, data):
    sa, sb = shapes.input_shapes
    a = data.draw(hnp.arrays(np.float32, sa, elements=floats))
    b = data.draw(hnp.arrays(np.float32, sb, elements=st.floats(0.5, 3, width=32)))
    ta, tb = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    out = ta * tb + ta / tb - tb
    want = a * b + a / b - b
    assert out.shape == want.shape == shapes.result_shape
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-6)
    out.sum().backward()
    # d/da sum(a*b + a/b - b) = (b + 1/b), summed over the axes along which a was broadcast
    full = np.broadcast_to(b + 1 / b, want.shape)
    lead = len(want.shape) - len(sa)
    expect = full.sum(axis=tuple(range(lead))) if lead else full
    expect = expect.sum(axis=tuple(i for i, s in enumerate(sa) if s == 1), keepdims=True) if sa else expect
    assert ta.grad.shape == sa and tb.grad.shape == sb
    np.testing.assert_allclose(ta.grad.numpy(), np.reshape(expect, sa), rtol=1e-4, atol=1e-4)


@st.composite
def reshape_case(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    n = int(np.prod(shape))
    # a random factorisation of n into up to 4 dims, with maybe one -1
    dims, rest = [], n
    for _ in range(draw(st.integers(0, 3))):
        divs = [d for d in range(1, rest + 1) if rest % d == 0]
        d = draw(st.sampled_from(divs))
        dims.append(d)
        rest //= d
    dims.append(rest)
    dims = draw(st.permutations(dims))
    if draw(st.booleans()):
        dims = list(dims)
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return shape, tuple(dims)


@SETTINGS
@given(reshape_case(), st.booleans())
def test_reshape_permute_roundtrip(case, transpose_first):
    shape, new = case
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    t = tg.tensor(a, requires_grad=True)
    src, ref = (t.T, a.T) if transpose_first else (t, a)
    out = src.reshape(new)
    np.testing.assert_array_equal(out.numpy(), ref.reshape(new))
    perm = tuple(np.random.default_rng(len(new)).permutation(out.ndim))
    moved = out.permute(perm)
    np.testing.assert_array_equal(moved.numpy(), ref.reshape(new).transpose(perm))
    (moved * tg.tensor(np.transpose(ref.reshape(new), perm))).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), a)  # d/dx sum(x * x_detached) = x, wherever x moved


@st.composite
def index_case(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    parts = []
    used_adv = False
    k = draw(st.integers(1, len(shape)))
    lead_ellipsis = k < len(shape) and draw(st.booleans())  # then the parts index the trailing k dims
    for s in (shape[-k:] if lead_ellipsis else shape[:k]):
        kind = draw(st.sampled_from(["int", "slice", "none", "list"] if not used_adv else ["int", "slice", "none"]))
        if kind == "int":
            parts.append(draw(st.integers(-s, s - 1)))
        elif kind == "slice":
            bound = st.none() | st.integers(-s - 1, s + 1)
            parts.append(slice(draw(bound), draw(bound),
                               draw(st.none() | st.integers(1, 3))))
        elif kind == "none":
            parts.append(None)
            parts.append(slice(None))
        else:
            used_adv = True
            parts.append(draw(st.lists(st.integers(-s, s - 1), min_size=0, max_size=4)))
    if lead_ellipsis:
        parts.insert(0, Ellipsis)
    elif k < len(shape) and draw(st.booleans()):
        parts.append(Ellipsis)
    return shape, tuple(parts)


@SETTINGS
@given(index_case())
def test_getitem_matches_torch_and_grad_counts_uses(case):
    # torch is the oracle, not numpy: with an int and a list separated by a slice (x[0, :, [1, 2]]) numpy puts the
    # indexed dim first and torch keeps it in place
    import torch
    shape, index = case
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    torch_index = tuple(torch.tensor(i, dtype=torch.int64) if isinstance(i, list) else i for i in index)
    ta = torch.tensor(a, requires_grad=True)
    want = ta[torch_index]
    t = tg.tensor(a, requires_grad=True)
    out = t[index]
    assert out.shape == tuple(want.shape)
    np.testing.assert_array_equal(out.numpy(), want.detach().numpy())
    if out.numel():
        out.sum().backward()
        want.sum().backward()  # the gradient counts how often each element was picked
        np.testing.assert_array_equal(t.grad.numpy(), ta.grad.numpy())


@SETTINGS
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=floats))
def test_boolean_mask_select_and_assign(a):
    mask = a > 0
    t = tg.tensor(a)
    np.testing.assert_array_equal(t[tg.tensor(mask)].numpy(), a[mask])
    t[tg.tensor(mask)] = 0.0
    b = a.copy()
    b[mask] = 0
    np.testing.assert_array_equal(t.numpy(), b)


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), st.data())
def test_reductions_over_random_dims(shape, data):
    a = data.draw(hnp.arrays(np.float32, shape, elements=floats))
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape),
                              unique_by=lambda d: d % len(shape)))
    keep = data.draw(st.booleans())
    t = tg.tensor(a)
    np.testing.assert_allclose(t.sum(tuple(dims), keepdim=keep).numpy(), a.sum(tuple(dims), keepdims=keep),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(t.mean(dims[0], keepdim=keep).numpy(), a.mean(dims[0], keepdims=keep),
                               rtol=1e-5, atol=1e-5)
    if a.shape[dims[0]]:
        np.testing.assert_array_equal(t.amax(tuple(dims), keepdim=keep).numpy(), a.max(tuple(dims), keepdims=keep))


BIN = {"add": lambda L, a, b: a + b, "mul": lambda L, a, b: a * b, "sub": lambda L, a, b: a - b,
       "div": lambda L, a, b: a / (b.abs() + 0.5), "maximum": lambda L, a, b: L.maximum(a, b),
       "where": lambda L, a, b: L.where(a > b, a.exp(), b.tanh()), "pow": lambda L, a, b: (a.abs() + 0.5) ** b,
       "sum_bcast": lambda L, a, b: (a * b).sum(0) if (a * b).ndim else a * b}


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3),
       st.sampled_from(sorted(BIN)), st.integers(0, 2 ** 16))
def test_random_broadcast_shapes_against_torch(shapes, op, seed):
    from helpers import compare, rand
    sa, sb = shapes.input_shapes
    compare(BIN[op], [rand(sa, seed=seed), rand(sb, seed=seed + 1)])
