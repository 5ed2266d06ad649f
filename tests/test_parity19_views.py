"""Views and layouts as torch has them (nineteenth landing), found by running random programs without autograd in
both libraries and comparing every value, shape and stride:

- x.transpose(0, 0), x.permute(identity), x.expand(x.shape), x.movedim(0, 0), x.t() of a 1-d x returned x itself;
  torch returns a new view, so t_() / unsqueeze_() / requires_grad_() on it changed x (silently: another shape).
- An array index (x[:, ids], index_select, repeat_interleave) returned numpy's transposed layout (strides (3, 9, 1)
  for a (3, 3, 3) result); torch's result is contiguous, and x[:, ids].view(-1) raised.
- Writing into a read-only (expanded) array from copy_, x[i] = v and the random fills leaked numpy's ValueError.
  teenygrad refuses every write into expanded memory (torch lets some ops, index_fill_ or masked_fill_, through)."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from test_program_fuzz19 import Runner

IDENTITY_VIEWS = {
    "transpose(0, 0)": lambda x: x.transpose(0, -1) if x.ndim == 1 else x.transpose(1, 1),
    "permute(identity)": lambda x: x.permute(*range(x.ndim)),
    "expand(shape)": lambda x: x.expand(*x.shape),
    "expand_as(self)": lambda x: x.expand_as(x),
    "movedim(0, 0)": lambda x: x.movedim(0, 0),
    "swapaxes(0, 0)": lambda x: x.swapaxes(0, 0),
    "t() of 1-d": lambda x: x.t() if x.ndim == 1 else x.t().t(),
}


@pytest.mark.parametrize("shape", [(3,), (2, 3)])
@pytest.mark.parametrize("name", list(IDENTITY_VIEWS))
def test_an_identity_view_is_a_new_tensor(name, shape):
    for L in (torch, tg):
        x = L.arange(6.0)[:int(np.prod(shape))].reshape(shape)
        v = IDENTITY_VIEWS[name](x)
        assert v is not x
        v.unsqueeze_(0)  # changes v's shape only
        assert tuple(x.shape) == shape and tuple(v.shape) == (1,) + shape
        v.mul_(2)  # but the memory is x's
        np.testing.assert_array_equal(x.numpy(), np.arange(6.0)[:int(np.prod(shape))].reshape(shape) * 2)


def test_a_hook_on_an_identity_view_leaves_the_base_alone():
    calls = {}
    for L in (torch, tg):
        a = L.ones(3, requires_grad=True)
        y = a * 2
        v = y.t()
        v.register_hook(lambda g: g * 10)
        (y.sum() + v.sum()).backward()
        calls[L] = a.grad.numpy()
    np.testing.assert_array_equal(calls[tg], calls[torch])


ARRAY_INDEXES = {
    "x[:, ids]": lambda L, x: x[:, L.tensor([0, 1, 1])],
    "x[..., ids]": lambda L, x: x[..., L.tensor([0, 2])],
    "x[1:, ids]": lambda L, x: x[1:, L.tensor([1, 0])],
    "x[ids, :, ids]": lambda L, x: x[L.tensor([0, 1]), :, L.tensor([1, 2])],
    "index_select(1)": lambda L, x: x.index_select(1, L.tensor([0, 1, 1])),
    "index_select(2)": lambda L, x: x.index_select(2, L.tensor([0, 2])),
    "index_select of a transpose": lambda L, x: x.transpose(0, 2).index_select(1, L.tensor([1, 0])),
    "repeat_interleave(2, 1)": lambda L, x: x.repeat_interleave(2, 1),
}


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("name", list(ARRAY_INDEXES))
def test_array_index_results_are_contiguous_as_torch(name, requires_grad):
    a = np.random.default_rng(0).standard_normal((3, 2, 3))
    out = {}
    for L in (torch, tg):
        y = ARRAY_INDEXES[name](L, L.tensor(a, requires_grad=requires_grad))
        out[L] = y.detach().numpy(), tuple(y.stride()), y.is_contiguous(), y.view(-1).detach().numpy()
    np.testing.assert_array_equal(out[tg][0], out[torch][0])
    assert out[tg][1:3] == out[torch][1:3]
    np.testing.assert_array_equal(out[tg][3], out[torch][3])


WRITES_INTO_EXPANDED = {
    "copy_ through a select": lambda L, e: e.select(0, 0).copy_(L.tensor([[5.0, 6.0, 7.0]])),
    "setitem": lambda L, e: e.__setitem__(0, 5.0),
    "uniform_": lambda L, e: e.uniform_(),
    "cauchy_": lambda L, e: e.cauchy_(),
}


@pytest.mark.parametrize("name", list(WRITES_INTO_EXPANDED))
def test_writes_into_an_expanded_tensor_are_refused_clearly(name):
    e = tg.ones(1, 3).expand(2, 1, 3)
    with pytest.raises(RuntimeError, match="single memory location"):
        WRITES_INTO_EXPANDED[name](tg, e)


# ---- random programs without autograd: every value, shape and layout -------------------------------------------
class _PlainRunner(Runner):
    """The program fuzzer's programs on tensors that do not require grad (plain memory semantics: views, aliases,
    in-place writes), the leaves themselves among the values."""

    def __init__(self, L, seed, arrays):
        super().__init__(L, seed, arrays)
        self.leaves = [L.tensor(a.copy()) for a in arrays]
        self.vals = [leaf * 1.0 for leaf in self.leaves] + list(self.leaves)


def _run_plain(L, seed, arrays, n):
    R = _PlainRunner(L, seed, arrays)
    try:
        for _ in range(n):
            R.step()
    except (RuntimeError, IndexError) as e:
        return "refused", str(e), R.log
    return "ran", [v.numpy().copy() for v in R.vals], R.log


@pytest.mark.parametrize("seed", list(range(120)) + [160, 799, 969])
def test_random_program_without_autograd_as_torch(seed):
    rng = np.random.default_rng(seed)
    shapes = [tuple(int(s) for s in rng.integers(1, 4, rng.integers(0, 4))) for _ in range(2)]
    arrays = [rng.standard_normal(s) for s in shapes]
    want, got = _run_plain(torch, seed, arrays, 14), _run_plain(tg, seed, arrays, 14)
    if want[0] == "refused":
        return
    if got[0] == "refused":  # teenygrad refuses writes into expanded memory that some torch ops let through
        assert "single memory location" in got[1], got[1]
        return
    assert got[2] == want[2]
    for a, b in zip(want[1], got[1]):  # (the strides of elementwise results may differ: torch keeps an input's
        # memory order for flip() and for binary ops on permuted inputs, teenygrad gives C order)
        assert a.shape == b.shape, got[2]
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=str(got[2]))
