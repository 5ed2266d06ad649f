"""NaN, +-inf, huge and denormal values through reductions, norms, quantiles, special functions, losses and
pooling (the ops without numba kernels of their own), forward and backward against PyTorch: each case once gave
a silently different answer (a NaN where torch has a number, a number where torch has NaN, inf for a finite
value)."""
import math

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad.backend import cpu
from helpers import assert_nonfinite_close

RTOL, ATOL = 1e-4, 1e-6
nan, inf = math.nan, math.inf
A = np.array([[1.0, nan, 3.0, -inf], [2.0, 5.0, inf, 0.0], [nan, nan, 1.0, 1.0], [0.5, -2.0, 0.0, 4.0]])
EXTREME = np.array([[1e30, -1e30, 3e38, -3e38], [1e-45, -1e-45, 0.0, -0.0], [1e-38, 88.0, -104.0, 710.0]])


def assert_same(got, want, what):
    assert_nonfinite_close(got, want, what, ATOL, RTOL, same_dtype=True)


def compare(f, *arrays, grad=True, seed=0, what=""):
    """f(L, *tensors) under torch and teenygrad: the output, and each float input's gradient for a random dy."""
    outs = []
    for L in (torch, tg):
        ts = [L.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
        y = f(L, *ts)
        res = [y.detach().numpy()]
        if grad:
            dy = np.random.default_rng(seed).standard_normal(tuple(y.shape)).astype(res[0].dtype)
            y.backward(L.tensor(dy))
            res += [t.grad.numpy() for t in ts if t.requires_grad]
        outs.append(res)
    for i, (g, w) in enumerate(zip(*outs[::-1])):
        assert_same(g, w, f"{what} {'forward' if i == 0 else f'grad {i}'}")


DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["max", "min"])
def test_whole_tensor_max_min_gradient_is_shared_by_nans(dtype, name):
    # torch's evenly_distribute_backward: a NaN max's gradient goes to the NaNs (it was NaN everywhere)
    compare(lambda L, x: getattr(x, name)(), A.astype(dtype), what=name)
    compare(lambda L, x: getattr(x, name)(), A[3:].astype(dtype), what=name)


NORM_INPUTS = {"zero_inf": [0.0, 1.0, inf], "zeros": [0.0, 0.0, 0.0], "nan": [0.0, 1.0, nan], "big": [0.0, 3e38, 3e38],
               "denormal": [1e-45, 0.0, -1e-45], "plain": [0.0, -1.0, 2.0], "mixed": [nan, inf, 0.0]}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ord", [2, 1, 0.5, 3, 1.5, -1, inf, -inf])
@pytest.mark.parametrize("dy", [1.0, nan, inf])
@pytest.mark.parametrize("x", list(NORM_INPUTS))
def test_vector_norm_gradient_masks_like_torch(dtype, ord, dy, x):
    # torch's masks are products: a NaN dy stays NaN at x = 0; the inf-norm shares among NaNs
    xs = np.array(NORM_INPUTS[x], dtype)
    outs = []
    for L in (torch, tg):
        t = L.tensor(xs, requires_grad=True)
        y = L.linalg.vector_norm(t, ord)
        y.backward(L.tensor(dy, dtype=y.dtype))
        outs.append((y.detach().numpy(), t.grad.numpy()))
    assert_same(outs[1][0], outs[0][0], f"vector_norm({x}, {ord})")
    assert_same(outs[1][1], outs[0][1], f"vector_norm({x}, {ord}) grad, dy={dy}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_normalize_and_cosine_gradients_with_inf_rows(dtype):
    compare(lambda L, x: L.nn.functional.normalize(x), A.astype(dtype), what="normalize")
    compare(lambda L, x: L.nn.functional.cosine_similarity(x, x.flip(0)), A.astype(dtype), what="cosine_similarity")


@pytest.mark.parametrize("ord", [0, 1, 2, 0.5, -1, inf, -inf, 3])
def test_vector_norm_of_a_0d_tensor(ord):
    # ord 0 counts the nonzero: 1, not |x|
    compare(lambda L, x: L.linalg.vector_norm(x, ord), np.array(-3.0), grad=ord != 0, what=f"ord {ord}")
    if ord != 0:
        compare(lambda L, x: L.linalg.vector_norm(x, ord), np.array(nan), what=f"ord {ord} NaN")


@pytest.mark.parametrize("ord", [-1, -2, inf, -inf])
@pytest.mark.parametrize("shape,dim", [((0, 3), None), ((3, 0), -1), ((0, 3), (0, 1))])
def test_vector_norm_without_identity_on_empty_raises(ord, shape, dim):
    with pytest.raises(RuntimeError):
        torch.linalg.vector_norm(torch.zeros(shape), ord, dim)
    with pytest.raises(RuntimeError, match="vector_norm"):
        tg.linalg.vector_norm(tg.zeros(shape), ord, dim)
    compare(lambda L, x: L.linalg.vector_norm(x, ord, 0), np.zeros((3, 0)), what="an empty result is fine")


@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("dim", [0, 1])
def test_float32_variance_accumulates_in_float64(op, dim):
    # (1e30 - mean)^2 overflows float32: torch's accumulation type for float32 is double (it gave inf)
    compare(lambda L, x: getattr(x, op)(dim), EXTREME.astype(np.float32), what=f"{op}({dim})")


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "nearest", "midpoint"])
@pytest.mark.parametrize("q", [0.0, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_quantile_order_statistics_of_infinities(interpolation, q, fn):
    # lower/higher/nearest pick an element: no -inf + 0 * (-inf - -inf) = NaN
    x = np.array([[-inf, -inf, 1.0, inf, inf], [nan, -inf, -inf, 2.0, nan]])
    compare(lambda L, t: getattr(L, fn)(t, q, dim=1, interpolation=interpolation), x, grad=False, what=fn)


@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
@pytest.mark.parametrize("q", [0.3, [0.3, 0.5]])
@pytest.mark.parametrize("dim", [None, 0, -1])
def test_quantile_of_0d_keepdim_shape(fn, q, dim):
    def f(L, t):
        qq = L.tensor(q, dtype=t.dtype) if isinstance(q, list) else q
        return getattr(L, fn)(t, qq, dim=dim, keepdim=True)
    compare(f, np.array(-inf), grad=False, what=f"{fn} 0-d")
    compare(f, np.array(2.5), what=f"{fn} 0-d")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["i1", "i1e"])
def test_bessel_gradient_at_tiny_x(dtype, fn):
    # float32 1e-45: z / x rounded to 1 (i1) or 0 * inf (i1e); torch takes the limit 1/2 for |x| <= eps
    x = np.array([1e-45, -1e-45, 1e-8, 0.0, 2.0, -3.0, 1e-30, nan], dtype)
    compare(lambda L, t: getattr(L.special, fn)(t), x, what=fn)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_nonfinite(dtype, log_target):
    # torch: xlogy(t, t) - t * x, so a NaN or infinite x stays NaN where t = 0 (it was 0)
    x = np.array([1.0, nan, 3.0, -inf, 2, 5, inf, 0, nan, 1e-45, -1e30, 1.0], dtype)
    t = np.array([1, 0, 1, 0, 0, 1, nan, 1, 1, inf, 0, 0.5], dtype)
    for red in ("none", "sum", "batchmean"):
        compare(lambda L, a, b: L.nn.functional.kl_div(a, b, reduction=red, log_target=log_target), x, t,
                what=f"kl_div {red}")


MARGIN_X = np.array([[1.0, nan, 3.0, -inf], [2.0, 5.0, inf, 0.0], [nan, nan, 1.0, 1.0], [-inf, -inf, -inf, -inf],
                     [inf, 0, 1, 2], [0.5, 0.2, 0.1, 0.9]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p,margin,weighted", [(1, 1.0, False), (2, 0.5, True)])
def test_multi_margin_loss_skips_nan_hinges(dtype, p, margin, weighted):
    # torch's loop adds z only `if (z > 0)`: a NaN z (inf - inf) adds nothing (it was a NaN loss)
    y = [0, 1, 3, 1, 0, 3]
    def f(L, x):
        w = L.arange(1.0, 5.0, dtype=x.dtype) if weighted else None
        return L.nn.functional.multi_margin_loss(x, L.tensor(y), p=p, margin=margin, weight=w, reduction="none")
    compare(f, MARGIN_X.astype(dtype), what="multi_margin_loss")


@pytest.mark.parametrize("dtype", DTYPES)
def test_multilabel_margin_loss_skips_nan_hinges(dtype):
    y = [[0, 1, -1, 0], [3, -1, 0, 0], [2, 1, 0, -1], [1, -1, 0, 0], [0, 2, -1, 0], [3, 3, 1, -1]]
    compare(lambda L, x: L.nn.functional.multilabel_margin_loss(x, L.tensor(y), reduction="none"),
            MARGIN_X.astype(dtype), what="multilabel_margin_loss")


@pytest.fixture(params=[True, False], ids=["kernels", "numpy"])
def fused(request):
    cpu.set_fused(request.param)
    yield request.param
    cpu.set_fused(True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd", [1, 2])
def test_max_pool_padding_with_nan_and_neg_inf(fused, dtype, nd):
    # a window holding only padding and a -inf input: the input wins (x.min() was NaN, so this was missed)
    def pool(L, t, values=True):
        if nd == 1:
            y, i = L.nn.functional.max_pool1d(t[None], 2, 1, padding=1, return_indices=True)
        else:
            y, i = L.nn.functional.max_pool2d(t[None, None], 2, 1, padding=1, return_indices=True)
        return y if values else i
    x = A[:3].astype(dtype)
    compare(pool, x, what=f"max_pool{nd}d")
    compare(lambda L, t: pool(L, t, values=False), x, grad=False, what=f"max_pool{nd}d indices")


def test_logaddexp_of_equal_infinities_and_logsigmoid_of_a_0d_minus_inf():
    # logaddexp(-inf, -inf) is -inf and (inf, inf) inf, as torch's (the max + log1p(e^-|a - b|) form gave NaN: -inf
    # - -inf); the gradient there is the symmetric limit 0.5 (torch's formula gives NaN: exp(b - a) of NaN).
    # logsigmoid(-inf) on a 0-d tensor crashed in softplus's backward (item assignment into a numpy scalar)
    a, b = [-np.inf, np.inf, 1.0, -np.inf, 3.0], [-np.inf, np.inf, 1.0, 2.0, -1.0]
    want = torch.logaddexp(torch.tensor(a), torch.tensor(b)).numpy()
    ta, tb = (tg.tensor(np.array(v, np.float32), requires_grad=True) for v in (a, b))
    y = tg.logaddexp(ta, tb)
    np.testing.assert_array_equal(y.detach().numpy(), want)
    y.sum().backward()
    np.testing.assert_allclose(ta.grad.numpy()[:3], [0.5, 0.5, 0.5])
    for lib in (torch, tg):
        x = lib.tensor(-np.inf, requires_grad=True)
        y = lib.nn.functional.logsigmoid(x)
        y.backward()
        assert y.item() == -np.inf and x.grad.item() == 1.0
