"""Regressions found by differential fuzzing against PyTorch: each case once gave a silent wrong answer (value,
dtype, shape or gradient), crashed where torch works, or returned where torch raises. Forward and backward are
compared with torch through helpers.compare (tolerances stated there)."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import compare, rand

F64 = dict(atol=1e-10, rtol=1e-9)


def _both_raise(fn, *arrays):
    """torch raises on these inputs, so teenygrad must too (never a silent result)."""
    with pytest.raises(Exception):
        fn(torch, *[torch.from_numpy(a.copy()) for a in arrays])
    with pytest.raises((RuntimeError, IndexError, ValueError, TypeError, NotImplementedError)):
        fn(tg, *[tg.tensor(a) for a in arrays])


# ---- dims -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", [
    lambda L, x: x.sum(1), lambda L, x: x.mean(-2), lambda L, x: x.amax(1), lambda L, x: x.any(1),
    lambda L, x: x.logsumexp(1), lambda L, x: x.std(1), lambda L, x: x.cumsum(1), lambda L, x: x.softmax(1),
    lambda L, x: x.log_softmax(-2), lambda L, x: x.transpose(0, 1), lambda L, x: x.flatten(1),
    lambda L, x: x.permute(0)])
def test_zero_dim_tensor_rejects_out_of_range_dims(op):
    _both_raise(op, np.array(1.5, np.float32))


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std", "norm", "count_nonzero"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_empty_dim_list_reduces_everything(name, keepdim):
    def fn(L, x):
        if name == "norm":
            return x.norm(2, [], keepdim)
        if name == "count_nonzero":
            return x.count_nonzero([])
        return getattr(x, name)([], keepdim=keepdim)
    grad = None if name in ("var", "std") else [True]  # torch's var/std backward mishandles dim=[] (gives inf)
    compare(fn, [rand((2, 3), 1)], grad=[False] if grad is None else grad)


# ---- std / var ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [1, -1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_std_of_constant_rows_has_zero_gradient(dim, dtype):
    a = np.repeat(rand((3, 1), 2, dtype), 4, axis=1)  # rows of one repeated value: std 0, torch's gradient 0
    a[0] = rand((4,), 3, dtype)  # and one ordinary row
    compare(lambda L, x: x.std(dim), [a], **(dict(fwd=F64, bwd=F64) if dtype == np.float64 else {}))


@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("layout", ["contig", "T", "step"])
def test_std_var_match_torch(correction, layout):
    a = rand((4, 3), 4)
    compare(lambda L, x: x.std(1, correction=correction) + x.var(0, correction=correction).sum(), [a],
            layout=layout)


# ---- dtypes ---------------------------------------------------------------------------------------------
def test_square_of_bool_is_int64():
    compare(lambda L, x: x.square(), [rand((5,), 1, np.bool_)])


@pytest.mark.parametrize("case", [
    (np.float32, np.float64, (3,)), (np.float32, np.float64, ()), (np.int64, np.float32, (3,)),
    (np.float64, np.float32, (3,))])
def test_clamp_with_tensor_bounds_promotes(case):
    xd, bd, bshape = case
    compare(lambda L, x, lo, hi: x.clamp(lo, lo + hi.abs()), [rand((2, 3), 1, xd), rand(bshape, 2, bd),
                                                            rand(bshape, 3, bd)])
    compare(lambda L, x, hi: x.clamp(max=hi), [rand((2, 3), 1, xd), rand(bshape, 2, bd)])


@pytest.mark.parametrize("bounds", [(0, 1), (None, 0), (-1.5, None)])
def test_clamp_bool_and_int_with_scalars_promote(bounds):
    compare(lambda L, x: x.clamp(*bounds), [rand((5,), 1, np.bool_)])
    compare(lambda L, x: x.clamp(*bounds), [rand((5,), 1, np.int64, -3, 3)])


def test_cat_result_dtype_counts_skipped_empty_tensors():
    compare(lambda L, x, e: L.cat([x, e]), [rand((2, 2), 1), np.zeros(0, np.float64)], grad=[True, False])
    compare(lambda L, x, e: L.cat([e, x]), [rand((3,), 1, np.int64), np.zeros(0, np.float32)], grad=[False, False])


@pytest.mark.parametrize("case", ["bool_pow_true", "bool_pow_false", "bool_pow_int"])
def test_bool_pow_scalar(case):
    e = {"bool_pow_true": True, "bool_pow_false": False, "bool_pow_int": 2}[case]
    compare(lambda L, x: x ** e, [rand((5,), 1, np.bool_)])


@pytest.mark.parametrize("fn", [
    lambda L, a, b: a ** b, lambda L, a, b: True ** b, lambda L, a, b: a % b, lambda L, a, b: a // b,
    lambda L, a, b: a.div(b, rounding_mode="trunc"), lambda L, a, b: a.fmod(b), lambda L, a, b: a.floor(),
    lambda L, a, b: a.round(), lambda L, a, b: a.argmax(), lambda L, a, b: a.argmin(0)])
def test_bool_only_ops_raise_like_torch(fn):
    _both_raise(fn, np.array([True, True]), np.array([True, True]))


def test_sign_of_bool():
    compare(lambda L, x: x.sign(), [rand((5,), 1, np.bool_)])


@pytest.mark.parametrize("fn", [lambda L, a, b: 3 % b, lambda L, a, b: a.fmod(b), lambda L, a, b: a.fmod(0)])
def test_integer_modulo_by_zero_raises(fn):
    _both_raise(fn, np.array([3, 4]), np.array([0, 1]))


# ---- fmod / cumprod (were missing) -----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_fmod(dtype):
    a, b = rand((3, 4), 1, dtype, -5, 5), rand((4,), 2, dtype, 1, 4) * np.array([1, -1, 1, -1], dtype)
    compare(lambda L, x, y: x.fmod(y), [a, b])
    compare(lambda L, x: x.fmod(-3), [a])


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_cumprod_with_zeros(dim, dtype):
    a = rand((3, 4), 1, dtype, -2, 3)
    a[1, 2] = 0
    compare(lambda L, x: x.cumprod(dim), [a], **(dict(fwd=F64, bwd=F64) if dtype == np.float64 else {}))


def test_bitwise_method_names():
    compare(lambda L, x, y: (x.bitwise_and(y), x.bitwise_or(y), x.bitwise_xor(y), x.bitwise_not()),
            [rand((4,), 1, np.int64, -5, 5), rand((4,), 2, np.int64, -5, 5)])


# ---- 0-d and empty tensors ------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda L, x: x.prod(0), lambda L, x: x.prod(-1, keepdim=True), lambda L, x: x.flip(0),
    lambda L, x: x.erf(), lambda L, x: x.cumprod(0), lambda L, x: x.double().erf()])
def test_zero_dim_ops(fn):
    compare(fn, [np.array(0.7, np.float32)])


@pytest.mark.parametrize("value", [0.0, 2.0])
@pytest.mark.parametrize("as_tuple", [False, True])
def test_nonzero_of_zero_dim(value, as_tuple):
    compare(lambda L, x: x.nonzero(as_tuple=as_tuple), [np.array(value, np.float32)], grad=[False])


@pytest.mark.parametrize("shape,dim", [((0, 1, 4), 0), ((2, 0), 1), ((2, 0), -1)])
def test_unbind_of_empty_dim_gives_nothing(shape, dim):
    x = rand(shape, 1)
    assert len(tg.tensor(x).unbind(dim)) == len(torch.from_numpy(x).unbind(dim)) == 0


@pytest.mark.parametrize("shapes", [((1, 2, 2, 0), (0, 2)), ((2, 3, 0), (0, 4)), ((0,), (0, 3))])
def test_matmul_with_empty_inner_dim(shapes):
    compare(lambda L, x, y: x @ y, [rand(shapes[0], 1), rand(shapes[1], 2)])


# ---- matmul family --------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [lambda L, x, y: x.mm(y), lambda L, x, y: L.mm(x[None], x.T),
                                lambda L, x, y: x[None].bmm(y), lambda L, x, y: L.bmm(x, x.T)])
def test_mm_bmm_need_their_ranks(fn):  # each is a valid matmul
    _both_raise(fn, rand((3, 2), 1), rand((2,), 2))


# ---- indexing -------------------------------------------------------------------------------------------
INT_AND_ARRAY = [
    (0, slice(None), [1, 3]),                        # numpy would give (2, 3), torch (3, 2)
    (slice(None), [0, 2], slice(None), 1),
    (1, slice(None), slice(0, 2), [3, 0, 1]),
    (Ellipsis, None, [0, 1], slice(None), -1),
    (slice(None, None, 2), -1, [1, 1], 0),
    (0, [1, 2], 1),                                  # adjacent: both orders agree
    (np.array([True, False]), slice(None), 2, [0, 3]),
]


@pytest.mark.parametrize("index", INT_AND_ARRAY)
@pytest.mark.parametrize("layout", ["contig", "T", "step"])
def test_getitem_int_beside_array_index_keeps_torch_dim_order(index, layout):
    def fn(L, x):
        return x[tuple(L.tensor(i) if isinstance(i, np.ndarray) else i for i in index)]
    compare(fn, [rand((2, 3, 4, 4), 1)], layout=layout)


@pytest.mark.parametrize("index", INT_AND_ARRAY)
def test_setitem_int_beside_array_index(index):
    def idx(L):
        return tuple(L.tensor(i) if isinstance(i, np.ndarray) else i for i in index)

    def fn(L, x, v):
        y = x * 1
        y[idx(L)] = v
        return y
    x = rand((2, 3, 4, 4), 1)
    compare(fn, [x, rand(tuple(torch.from_numpy(x)[idx(torch)].shape), 2)])  # a value shaped as torch orders


def test_setitem_drops_leading_ones_of_the_value():
    def fn(L, x, v):
        y = x * 1
        y[0] = v
        return y
    compare(fn, [rand((2, 3), 1), rand((1, 1, 3), 2)])


@pytest.mark.parametrize("fn", [
    lambda L, x, i: x.gather(1, i), lambda L, x, i: x.scatter(1, i, 1.0),
    lambda L, x, i: x.scatter_add(1, i, x), lambda L, x, i: x.index_select(1, i[0]),
    lambda L, x, i: x.index_add(1, i[0], x[:, :1])])
def test_negative_gather_scatter_indices_raise(fn):
    _both_raise(fn, rand((2, 3), 1), np.array([[-1], [0]]))


def test_index_fill_takes_negative_indices():
    compare(lambda L, x: x.index_fill(1, L.tensor([-1, 0]), 7.0), [rand((2, 3), 1)])


@pytest.mark.parametrize("shapes", [((1,), (2, 3)), ((4, 1), (4, 3)), ((), (2,))])
def test_masked_fill_broadcasts_self_with_the_mask(shapes):
    m = rand(shapes[1], 2, np.bool_)
    compare(lambda L, x: x.masked_fill(L.tensor(m), 1.5), [rand(shapes[0], 1)])


# ---- in-place with a graph ----------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["add_", "mul_", "sub_", "copy_"])
def test_inplace_in_graph_keeps_dtype(op):
    def fn(L, x, y):
        z = x * 1
        getattr(z, op)(y)
        return z
    grad = [op != "copy_", True]  # copy_ overwrites x: torch gives x a zero gradient, teenygrad none
    out, _ = compare(fn, [rand((2, 3), 1, np.float32), rand((3,), 2, np.float64)], grad=grad)
    assert out[0].dtype == np.float32


def test_inplace_in_graph_refuses_to_grow():
    x = tg.tensor(rand((3,), 1), requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="add_"):
        x.add_(tg.tensor(rand((2, 3), 2)))
    v = (tg.tensor(rand((2, 3), 1), requires_grad=True) * 1)[0]
    with pytest.raises(RuntimeError, match="mul_"):
        v.mul_(tg.tensor(rand((2, 3), 2)))


# ---- creation ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [(-1.5, 1.0, 2.0), (0.5, 3, 1.5), (-2.5, 2, 1), (1, 4.5, 1), (3.7,),
                                  (2, -2.5, -1.5), (0.5,)])
def test_arange_integer_dtype_truncates_float_arguments(args):
    want = torch.arange(*args, dtype=torch.int64)
    got = tg.arange(*args, dtype=tg.int64)
    assert got.dtype == tg.int64 and got.tolist() == want.tolist()


@pytest.mark.parametrize("args", [(0, 2.5, 0.5), (-1.5, -1.0, -1.0)])
def test_arange_integer_dtype_bad_steps_raise(args):
    with pytest.raises(Exception):
        torch.arange(*args, dtype=torch.int64)
    with pytest.raises(RuntimeError, match="arange"):
        tg.arange(*args, dtype=tg.int64)


def test_pad_cannot_crop_more_than_the_dim():
    _both_raise(lambda L, x: torch.nn.functional.pad(x, (0, 0, -1, 1)) if L is torch else x.pad((0, 0, -1, 1)),
                rand((0, 2), 1))


# ---- non-finite values and ties -----------------------------------------------------------------------
@pytest.mark.parametrize("k", [-1, 0, 2])
def test_diag_keeps_inf_and_nan_on_the_diagonal(k):
    a = np.array([1.0, np.inf, np.nan, -2.0], np.float32)
    compare(lambda L, x: x.diag(k), [a])
    compare(lambda L, x: x.diag(k), [np.array([True, False, True])])


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_gradient_at_nan_and_ties(op):
    x = np.array([1.0, 2.0, np.nan, 3.0, np.nan], np.float32)
    y = np.array([2.0, 2.0, 1.0, np.nan, np.nan], np.float32)
    compare(lambda L, a, b: getattr(a, op)(b), [x, y])


def test_clamp_tensor_bounds_gradient_at_ties_and_crossed_bounds():
    x = np.array([1.0, 2.0, 2.0, 0.5, 5.0], np.float32)
    lo = np.array([1.0, 0.0, 2.0, 1.0, 3.0], np.float32)   # x == lo, x inside, x == lo == hi, x < lo, lo > hi
    hi = np.array([3.0, 1.5, 2.0, 4.0, 2.0], np.float32)
    compare(lambda L, a, b, c: a.clamp(b, c), [x, lo, hi])


def test_erf_float16_is_computed_in_float32():
    compare(lambda L, x: x.erf(), [rand((64,), 1, np.float16)], grad=[False], fwd=dict(atol=1e-3, rtol=1e-3))


@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("dim", [None, 0])
def test_all_any_of_uint8_stay_uint8(name, dim):
    compare(lambda L, x: getattr(x, name)() if dim is None else getattr(x, name)(dim),
            [rand((3, 2), 1, np.uint8, 0, 2)])


@pytest.mark.parametrize("p", [0, float("-inf")])
@pytest.mark.parametrize("dim", [None, 1])
def test_norm_p0_and_minus_inf(p, dim):
    a = rand((3, 4), 1)
    a[0, 1] = a[2, 2] = 0
    compare(lambda L, x: x.norm(p, dim), [a], grad=[p != 0])


def test_cumprod_without_zeros():
    compare(lambda L, x: x.cumprod(1), [rand((3, 5), 1, np.float64, 0.5, 2.0)], fwd=F64, bwd=F64)


def test_zero_dim_integer_tensor_index_acts_as_an_int():
    compare(lambda L, x: x[L.tensor(1), :, [0, 2]], [rand((2, 3, 4), 1)])


@pytest.mark.parametrize("fn", [
    lambda L: L.rand(2, dtype=L.int64), lambda L: L.randn(2, dtype=L.int64), lambda L: L.rand_like(L.ones(2, dtype=L.int64)),
    lambda L: L.ones(2, dtype=L.int64).uniform_(), lambda L: L.ones(2, dtype=L.bool).uniform_(),
    lambda L: L.ones(2, dtype=L.int64).normal_(), lambda L: L.ones(2, dtype=L.int64).exponential_()])
def test_continuous_samplers_refuse_integer_dtypes(fn):
    with pytest.raises(Exception):
        fn(torch)
    with pytest.raises(RuntimeError):
        fn(tg)


def test_addcmul_addcdiv_and_inplace_variants():
    def fn(L, x, a, b):
        y = x * 1
        y.addcmul_(a, b, value=0.5)
        y.addcdiv_(a, b.abs() + 1, value=2)
        y.lerp_(a, 0.25)
        y.floor_()
        return y, x.addcmul(a, b), x.addcdiv(a, b.abs() + 1, value=-1)
    compare(fn, [rand((2, 3), 1), rand((3,), 2), rand((2, 1), 3)])


def test_where_with_only_a_condition_is_nonzero():
    compare(lambda L, x: L.where(x > 0), [rand((3, 4), 1)], grad=[False])


def test_zero_d_int_tensor_index_is_a_view():
    for lib in (torch, tg):
        x = lib.zeros(3)
        x[lib.tensor(1)].add_(5)
        assert x.tolist() == [0.0, 5.0, 0.0], lib.__name__


def test_addcdiv_addcmul_integer_inputs_refused():
    a = tg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="addcdiv: integer division"):
        a.addcdiv(a, tg.tensor([2, 2]))
    # torch truncates a fractional value on an integer result (0.5 adds nothing): no refusal
    assert a.addcmul(a, a, value=0.5).tolist() == torch.tensor([1, 2]).addcmul(
        torch.tensor([1, 2]), torch.tensor([1, 2]), value=0.5).tolist()
    assert a.addcmul(a, a, value=2).tolist() == torch.tensor([1, 2]).addcmul(
        torch.tensor([1, 2]), torch.tensor([1, 2]), value=2).tolist()


def test_hsplit_zero_d_tensor_sections_checked():
    with pytest.raises(RuntimeError, match="hsplit: .* not divisible"):
        tg.ones(2, 3).hsplit(tg.tensor(2))
    assert [t.shape for t in tg.ones(2, 4).hsplit(tg.tensor(2))] == [(2, 2), (2, 2)]


@pytest.mark.parametrize("name", ["addcmul", "addcdiv", "fmod", "bitwise_and", "bitwise_or", "bitwise_xor"])
def test_module_level_spellings(name):
    a, b = np.array([6, 5]), np.array([3, 2])
    args = (a, b, b) if name.startswith("addc") else (a, b)
    if name == "addcdiv":
        args = tuple(x.astype(np.float32) for x in args)
    got = getattr(tg, name)(*[tg.tensor(x) for x in args])
    want = getattr(torch, name)(*[torch.tensor(x) for x in args])
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("bounds", ["numbers", "tensors"])
def test_clamp_gradient_is_zero_where_clamped_even_for_an_infinite_upstream(bounds):
    """torch's clamp backward is a where: an inf (or nan) gradient at a clamped place gives 0, not inf * 0 = nan."""
    got = {}
    for lib in (tg, torch):
        x = lib.tensor([0.5, 2.0, 3.0, 1.5], requires_grad=True)
        lo = 1.0 if bounds == "numbers" else lib.tensor([1.0, 1.0, 1.0, 2.0], requires_grad=True)
        hi = 2.5 if bounds == "numbers" else lib.tensor([2.5, 2.5, 2.5, 2.5], requires_grad=True)
        y = x.clamp(lo, hi)
        (y * lib.tensor([float("inf"), 1.0, float("nan"), float("inf")])).sum().backward()
        got[lib.__name__] = [t.grad.tolist() for t in (x, lo, hi) if isinstance(t, lib.Tensor)]
    np.testing.assert_equal(got["teenygrad"], got["torch"])


def _backward_twice(lib, make):
    x = lib.ones(2, 3, requires_grad=True)
    y = make(x)
    y.sum().backward()
    try:
        (y * 3).sum().backward()
    except RuntimeError as e:
        assert "second time" in str(e).lower()
        return "raised"
    return x.grad.tolist()


@pytest.mark.parametrize("make", [lambda x: -x, lambda x: x.view(6) + 1, lambda x: (x * 2.0).t().sum(0),
                                  lambda x: x.float().flip(0).expand(2, 2, 3).mean(0), lambda x: x.exp(),
                                  lambda x: -(x.exp()), lambda x: x.exp().reshape(6) - 1],
                         ids=["neg", "view_add", "scale_t_sum", "flip_expand_mean", "exp", "neg_of_exp", "exp_view"])
def test_second_backward_passes_where_nothing_was_saved(make):
    """torch frees only saved tensors: a second backward (no retain_graph) runs again through ops that saved none
    and raises where it reaches one whose saved values were freed."""
    assert _backward_twice(tg, make) == _backward_twice(torch, make)


def test_autograd_grad_after_a_backward_stops_at_the_captured_tensor():
    """grad(f(y), y) for a y whose graph below was freed by a backward works (makemore's check of dlogits), and
    grad(f(y), x) for an x below the freed part raises torch's error instead of calling x unused."""
    for lib in (tg, torch):
        x = lib.ones(3, requires_grad=True)
        y = x.exp() + 1  # an Add kept, an Exp freed by the backward
        y.sum().backward()
        g, = lib.autograd.grad((y * y).sum(), [y])
        assert g.tolist() == (2 * y).tolist()
        with pytest.raises(RuntimeError, match="(?i)second time"):
            lib.autograd.grad((y * y).sum(), [x])


def test_review_fixes_match_torch():
    """full with a 0-d tensor fill takes its number's dtype; a 0-d complex tensor meets a float tensor at the float's
    precision; a numpy float alpha on integer add is refused, as torch."""
    import numpy as np
    for lib in (tg, torch):
        assert str(lib.full((2,), lib.tensor(3)).dtype).endswith("int64")
        assert str((lib.ones(2, dtype=lib.float32) + lib.tensor(1j, dtype=lib.complex128)).dtype).endswith("complex64")
        assert str((lib.ones(2, dtype=lib.float64) + lib.tensor(1j, dtype=lib.complex64)).dtype).endswith("complex128")
        with pytest.raises(RuntimeError, match="alpha"):
            lib.ones(2, dtype=lib.int64).add(lib.ones(2, dtype=lib.int64), alpha=np.float64(1.5))


def test_review_fixes_complex_assert_close_fft_out_and_profiler():
    """assert_close compares complex values whole (it dropped the imaginary parts); fft refuses out= (it ignored
    it); profile.self_cpu_time_total is a number, as torch's property"""
    import numpy as np
    a, b = np.array([1 + 1j, 2 + 0j], np.complex64), np.array([1 + 5j, 2 + 0j], np.complex64)
    for lib in (tg, torch):
        with pytest.raises(AssertionError):
            lib.testing.assert_close(lib.tensor(a), lib.tensor(b))
        lib.testing.assert_close(lib.tensor(a), lib.tensor(a.copy()))
    with pytest.raises(TypeError):
        tg.fft.fft(tg.ones(6), out=tg.zeros(6, dtype=tg.complex64))
    with tg.autograd.profiler.profile() as prof:
        with tg.autograd.profiler.record_function("region"):
            tg.ones(3).sum()
    assert isinstance(prof.self_cpu_time_total, float) and prof.self_cpu_time_total >= 0
