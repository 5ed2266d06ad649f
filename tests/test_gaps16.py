"""Small gaps against torch closed in the sixteenth landing."""
import pytest
import torch

import teenygrad as tg

_OPS = {
    "floor_divide": lambda m, a, b: m.floor_divide(a, b),
    "remainder": lambda m, a, b: m.remainder(a, b),
    "fmod": lambda m, a, b: m.fmod(a, b),
    "div_floor": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
    "div_trunc": lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    "//": lambda m, a, b: a // b,
    "%": lambda m, a, b: a % b,
}
_CASES = [   # (a, b) builders: integer division where the result is empty divides by nothing (torch: no error)
    lambda m: (m.zeros(0, dtype=m.int64), m.zeros(0, dtype=m.int64)),
    lambda m: (m.zeros(0, 3, dtype=m.int64), m.tensor([0, 1, 2])),
    lambda m: (m.zeros(0, dtype=m.int32), 0),
    lambda m: (m.zeros((2, 0), dtype=m.uint8), m.zeros((2, 1), dtype=m.uint8)),
    lambda m: (m.tensor([4]), 0),                       # not empty: both raise
    lambda m: (m.tensor([[4], [5]]), m.tensor([1, 0])),
]


@pytest.mark.parametrize("op", sorted(_OPS))
@pytest.mark.parametrize("case", range(len(_CASES)))
def test_integer_division_by_zero_raises_only_when_it_divides(op, case):
    def run(m):
        a, b = _CASES[case](m)
        try:
            r = _OPS[op](m, a, b)
        except RuntimeError:
            return "raises"
        return tuple(r.shape), str(r.dtype).split(".")[-1]
    assert run(tg) == run(torch)


def test_float32_var_std_round_once_as_torch():
    """torch's CPU kernels accumulate a float32 variance in double: the float64 variance rounded once. teenygrad's
    float32 path was 1 ulp off in ~40% of rows."""
    import numpy as np
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(2, 600))
        a = (rng.standard_normal((3, n)) * rng.uniform(0.1, 100) + rng.uniform(-50, 50)).astype(np.float32)
        for corr in (0, 1):
            want = torch.from_numpy(a).var(1, correction=corr).numpy()
            got = tg.tensor(a).var(1, correction=corr).numpy()
            assert got.dtype == np.float32 and (got == want).all()
            assert (tg.tensor(a).std(correction=corr).numpy() == torch.from_numpy(a).std(correction=corr).numpy())
    a = np.array([1e30, -1e30], np.float32)   # squares past float32's range: no overflow, as torch
    assert tg.tensor(a).std().item() == torch.from_numpy(a).std().item()


@pytest.mark.parametrize("shapes", [((1, 0, 4), (1, 0, 4), (1, 0, 4)), ((1, 3, 4), (1, 0, 4), (1, 0, 4)),
                                    ((2, 0, 3, 4), (2, 0, 5, 4), (2, 0, 5, 4)), ((1, 2, 0), (1, 3, 0), (1, 3, 5)),
                                    ((1, 2, 4), (1, 3, 4), (1, 3, 0)), ((0, 2, 4), (0, 3, 4), (0, 3, 4))])
@pytest.mark.parametrize("variant", ["plain", "causal", "bool_mask", "float_mask"])
def test_sdpa_with_a_zero_size_as_torch(shapes, variant):
    """No queries, no keys, an empty head dim or batch: torch's math path (an empty head dim gives the mean of v,
    no keys give zeros); teenygrad raised a reshape error or divided by zero."""
    import numpy as np
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    L, S = shapes[0][-2], shapes[1][-2]
    mask = rng.random((L, S)) < 0.7

    def run(m):
        q, k, v = (m.tensor(a, requires_grad=True) for a in arrays)
        kw = {"is_causal": variant == "causal"}
        if variant == "bool_mask":
            kw["attn_mask"] = m.tensor(mask)
        if variant == "float_mask":
            kw["attn_mask"] = m.tensor(np.where(mask, 0.0, -1.5).astype(np.float32))
        r = m.nn.functional.scaled_dot_product_attention(q, k, v, **kw)
        (r * r).sum().backward()
        return [t.detach().numpy() for t in (r, q.grad, k.grad, v.grad)]
    for a, b in zip(run(tg), run(torch)):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, shape", [("max_pool2d", (0, 3, 5, 5)), ("max_pool1d", (0, 3, 5)),
                                         ("max_pool3d", (0, 2, 4, 4, 4)), ("avg_pool2d", (0, 3, 4, 4)),
                                         ("max_pool2d", (1, 0, 4, 4)), ("max_pool2d", (0, 4, 4)),
                                         ("max_pool1d", (0, 5)), ("avg_pool2d", (2, 0, 4, 4)),
                                         ("max_pool2d", (2, 3, 0, 4))])
def test_pooling_an_empty_batch_as_torch(name, shape):
    """An empty batch pools to an empty result (max_pool raised a reshape error); an empty channel or spatial dim
    is refused, as torch (avg_pool returned an empty result)."""
    def run(m):
        x = m.zeros(shape, requires_grad=True)
        try:
            y = getattr(m.nn.functional, name)(x, 2)
        except RuntimeError:
            return "raises"
        y.sum().backward()
        out = [tuple(y.shape), tuple(x.grad.shape)]
        if name.startswith("max"):
            _, idx = getattr(m.nn.functional, name)(x.detach(), 2, return_indices=True)
            out.append((tuple(idx.shape), str(idx.dtype).split(".")[-1]))
        return out
    assert run(tg) == run(torch)


def test_rnn_of_an_empty_sequence_and_ctc_of_empty_log_probs_refused_as_torch():
    for m in (torch, tg):
        with pytest.raises(RuntimeError, match="sequence length to be larger than 0"):
            m.nn.LSTM(3, 4, batch_first=True)(m.zeros(2, 0, 3))
        with pytest.raises(RuntimeError, match="log_probs tensor must not be empty"):
            m.nn.functional.ctc_loss(m.zeros(5, 0, 4), m.zeros(0, 2, dtype=m.long), m.zeros(0, dtype=m.long),
                                     m.zeros(0, dtype=m.long))


@pytest.mark.parametrize("view", ["t", "slice", "step", "contiguous"])
def test_view_as_real_of_a_strided_tensor_is_a_view_as_torch(view):
    """view_as_real of a non-contiguous complex tensor copied: writes through it didn't reach the tensor."""
    import numpy as np
    def run(m):
        x = m.tensor((np.arange(12).reshape(3, 4) * (1 + 2j)).astype(np.complex64))
        y = {"t": x.t(), "slice": x[:, 1:3], "step": x[::2, ::2], "contiguous": x}[view]
        v = m.view_as_real(y)
        v[..., 1].mul_(0)
        v[..., 0].add_(1)
        return x.numpy().tolist(), tuple(v.shape), v.stride()
    assert run(tg) == run(torch)


def test_strides_of_new_empty_tensors_as_torch():
    """numpy gives a new empty array stride 0 on every axis; torch's are C order's, a size-0 axis counted as 1."""
    for make in (lambda m: m.zeros(0, 3), lambda m: m.zeros(3, 0), lambda m: m.zeros(2, 0, 4), lambda m: m.empty(0, 3),
                 lambda m: m.tensor([]), lambda m: m.ones(0), lambda m: m.zeros(4, 3)[1:1],
                 lambda m: m.zeros(3, 4).t()[:0], lambda m: m.randn(0, 2, 3)):
        assert make(tg).stride() == make(torch).stride()
        assert make(tg).is_contiguous() == make(torch).is_contiguous()


def test_ldexp_of_complex_as_torch():
    """ldexp refused complex input; torch's composite self * 2^other takes it. (torch's gradient for a negative
    integer exponent is 0, for real input too: its backward takes 2^other in integers; teenygrad's is 2^other.)"""
    import numpy as np
    z = (np.arange(4) * (1 + 2j) - 1j).astype(np.complex64)
    for e in (np.array([0, 1, 2, 3]), np.array([0.5, -1.0, 2.0, -3.0], np.float32)):
        out = []
        for m in (torch, tg):
            x = m.tensor(z, requires_grad=True)
            r = m.ldexp(x, m.tensor(e))
            r.abs().sum().backward()
            out.append((str(r.dtype).split(".")[-1], r.detach().numpy(), x.grad.numpy()))
        assert out[0][0] == out[1][0]
        np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-6)
        np.testing.assert_allclose(out[1][2], out[0][2], rtol=1e-5, atol=1e-6)
    assert tg.ldexp(tg.tensor(z.astype(np.complex128)), tg.tensor([1, 2, 3, 4])).dtype == tg.complex128


def test_logaddexp_of_complex_as_torch():
    """logaddexp refused complex operands; torch's helper: m + log1p(exp(n - m)), m the operand with the larger
    real part (so the imaginary part is m's plus a principal angle, as torch's)."""
    import numpy as np
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((3, 5)) * 3 + 1j * rng.standard_normal((3, 5)) * 4).astype(np.complex64)
    b = (rng.standard_normal(5) * 3 + 1j * rng.standard_normal(5) * 9).astype(np.complex64)   # broadcast
    out = []
    for m in (torch, tg):
        x, y = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        r = m.logaddexp(x, y)
        (r.abs() ** 2).sum().backward()
        out.append((r.detach().numpy(), x.grad.numpy(), y.grad.numpy()))
    for got, want in zip(out[1], out[0]):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)


def test_cat_and_stack_transforms_refuse_a_part_that_is_no_transform():
    """torch asserts (AssertionError, "All elements of tseq must be Transform instances"); teenygrad says which
    part, as a ValueError."""
    from teenygrad.distributions.transforms import CatTransform, StackTransform, ExpTransform
    for cls in (CatTransform, StackTransform):
        with pytest.raises(ValueError, match=rf"{cls.__name__}: part 1 is a int, not a Transform"):
            cls([ExpTransform(), 1])
        with pytest.raises(AssertionError):
            getattr(torch.distributions.transforms, cls.__name__)([torch.distributions.transforms.ExpTransform(), 1])
        assert len(cls([ExpTransform(), ExpTransform()], cache_size=1).transforms) == 2
