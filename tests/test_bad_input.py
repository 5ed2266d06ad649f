"""Bad input raises at once, with the exception type torch raises, and a message that names the op and the
offending shapes/values. Each case runs in both frameworks: torch must raise too (so the case is really bad)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import teenygrad as tg


def _pad(L, x, p):
    return F.pad(x, p) if L is torch else x.pad(p)


def _one_hot(L, x, n):
    return F.one_hot(x, n) if L is torch else L.one_hot(x, n)


# name: (fn(L), words the teenygrad message must contain)
BAD = {
    "add_shapes": (lambda L: L.ones(2, 3) + L.ones(4), ["add", "(2, 3)", "(4,)"]),
    "mul_shapes": (lambda L: L.ones(2, 3) * L.ones(3, 2), ["mul", "(2, 3)", "(3, 2)"]),
    "where_shapes": (lambda L: L.where(L.ones(2) > 0, L.ones(3), L.ones(3)), ["where", "(2,)", "(3,)"]),
    "where_cond_dtype": (lambda L: L.where(L.ones(2), L.ones(2), L.ones(2)), ["where", "bool"]),
    "matmul_inner": (lambda L: L.ones(3, 4) @ L.ones(5, 2), ["matmul", "(3, 4)", "(5, 2)"]),
    "matmul_0d": (lambda L: L.ones(()) @ L.ones(3), ["matmul", "1d"]),
    "matmul_batch": (lambda L: L.ones(2, 3, 4) @ L.ones(3, 4, 5), ["matmul", "(2, 3, 4)", "(3, 4, 5)"]),
    "dot_2d": (lambda L: L.ones(2, 2).dot(L.ones(2, 2)), ["dot", "2d"]),
    "einsum_count": (lambda L: L.einsum("ij,jk->ik", L.ones(2, 2)), ["einsum", "2"]),
    "einsum_rank": (lambda L: L.einsum("ijk->i", L.ones(2, 2)), ["einsum", "(2, 2)"]),
    "reshape": (lambda L: L.ones(2, 3).reshape(4, 2), ["reshape", "(4, 2)", "6"]),
    "reshape_two_infer": (lambda L: L.ones(2, 3).reshape(-1, -1), ["reshape", "one dimension"]),
    "view_strides": (lambda L: L.ones(2, 3).T.view(6), ["view", "(3, 2)"]),
    "permute_dims": (lambda L: L.ones(2, 3).permute(0, 0), ["permute", "(0, 0)"]),
    "permute_range": (lambda L: L.ones(2, 3).permute(0, 2), ["permute", "2"]),
    "transpose_range": (lambda L: L.ones(2, 3).transpose(0, 2), ["transpose", "2"]),
    "expand_size": (lambda L: L.ones(2, 3).expand(4, 3), ["expand", "(2, 3)", "4"]),
    "expand_fewer": (lambda L: L.ones(2, 3).expand(3), ["expand", "number of sizes"]),
    "squeeze_dim": (lambda L: L.ones(2, 3).squeeze(3), ["squeeze", "3"]),
    "unsqueeze_dim": (lambda L: L.ones(2, 3).unsqueeze(4), ["unsqueeze", "4"]),
    "flatten_order": (lambda L: L.ones(2, 3, 4).flatten(2, 1), ["flatten", "2", "1"]),
    "unflatten_sizes": (lambda L: L.ones(2, 6).unflatten(1, (4, 2)), ["unflatten", "(4, 2)"]),
    "cat_shapes": (lambda L: L.cat([L.ones(2, 3), L.ones(2, 4)], 0), ["cat", "(2, 3)", "(2, 4)"]),
    "cat_empty": (lambda L: L.cat([]), ["cat", "non-empty"]),
    "cat_dim": (lambda L: L.cat([L.ones(2), L.ones(2)], 1), ["cat", "1"]),
    "stack_shapes": (lambda L: L.stack([L.ones(2), L.ones(3)]), ["stack", "(2,)", "(3,)"]),
    "split_sizes": (lambda L: L.ones(5).split([2, 2]), ["split", "[2, 2]", "5"]),
    "chunk_zero": (lambda L: L.ones(5).chunk(0), ["chunk", "0"]),
    "roll_len": (lambda L: L.ones(2, 3).roll((1, 2), (0,)), ["roll"]),
    "flip_dim": (lambda L: L.ones(2, 3).flip(2), ["flip", "2"]),
    "repeat_dims": (lambda L: L.ones(2, 3).repeat(2), ["repeat", "2"]),
    "tril_1d": (lambda L: L.ones(3).tril(), ["tril", "(3,)"]),
    "triu_1d": (lambda L: L.ones(3).triu(), ["triu", "(3,)"]),
    "pad_odd": (lambda L: _pad(L, L.ones(2, 3), (1, 2, 3)), ["pad", "3"]),
    "pad_negative_size": (lambda L: _pad(L, L.ones(2, 3), (-2, -2)), ["pad", "(2, 3)"]),
    "masked_fill_dtype": (lambda L: L.ones(2).masked_fill(L.ones(2), 0.0), ["masked_fill", "bool"]),
    "masked_fill_shape": (lambda L: L.ones(2, 3).masked_fill(L.ones(4) > 0, 0.0), ["masked_fill", "(4,)", "(2, 3)"]),
    "one_hot_range": (lambda L: _one_hot(L, L.tensor([0, 5]), 3), ["one_hot", "3"]),
    "one_hot_dtype": (lambda L: _one_hot(L, L.tensor([0.0]), 3), ["one_hot"]),
    "sum_dim": (lambda L: L.ones(2, 3).sum(2), ["sum", "2"]),
    "sum_dup_dims": (lambda L: L.ones(2, 3).sum((0, 0)), ["sum", "multiple"]),
    "mean_int": (lambda L: L.ones(2, dtype=L.int64).mean(), ["mean", "int64"]),
    "mean_dim": (lambda L: L.ones(2, 3).mean(-3), ["mean", "-3"]),
    "var_int": (lambda L: L.ones(2, dtype=L.int64).var(), ["var", "int64"]),
    "max_dim": (lambda L: L.ones(2, 3).max(5), ["max", "5"]),
    "max_empty": (lambda L: L.ones(0, 3).max(0), ["max", "(0, 3)"]),
    "amax_empty": (lambda L: L.ones(0).amax(), ["amax", "(0,)"]),
    "argmax_empty": (lambda L: L.ones(0).argmax(), ["argmax", "(0,)"]),
    "argmin_dim": (lambda L: L.ones(2, 3).argmin(-3), ["argmin", "-3"]),
    "prod_dim": (lambda L: L.ones(2, 3).prod(3), ["prod", "3"]),
    "softmax_dim": (lambda L: L.ones(2, 3).softmax(2), ["softmax", "2"]),
    "log_softmax_dim": (lambda L: L.ones(2, 3).log_softmax(-3), ["log_softmax", "-3"]),
    "logsumexp_dim": (lambda L: L.ones(2, 3).logsumexp(4), ["logsumexp", "4"]),
    "cumsum_dim": (lambda L: L.ones(2, 3).cumsum(2), ["cumsum", "2"]),
    "all_dim": (lambda L: L.ones(2, 3).all(2), ["all", "2"]),
    "any_dim": (lambda L: L.ones(2, 3).any(-3), ["any", "-3"]),
    "std_dim": (lambda L: L.ones(2, 3).std(2), ["std", "2"]),
    "clamp_none": (lambda L: L.ones(2).clamp(), ["clamp", "min"]),
    "pow_int_negative": (lambda L: L.tensor([2, 3]) ** -1, ["pow", "negative"]),
    "neg_bool": (lambda L: -L.tensor([True]), ["neg", "bool"]),
    "invert_float": (lambda L: ~L.ones(2), ["bitwise_not", "float32"]),
    "and_float": (lambda L: L.ones(2) & L.ones(2), ["and", "float32"]),
    "add_inplace_int_float": (lambda L: L.ones(2, dtype=L.int64).add_(1.5), ["add_", "int64"]),
    "add_inplace_broadcast": (lambda L: L.ones(3).add_(L.ones(2, 3)), ["add_", "(3,)", "(2, 3)"]),
    "getitem_oob": (lambda L: L.ones(3)[5], ["getitem", "5", "(3,)"]),
    "getitem_oob_neg": (lambda L: L.ones(2, 3)[:, -4], ["getitem", "-4", "(2, 3)"]),
    "getitem_too_many": (lambda L: L.ones(3)[0, 0], ["getitem", "(3,)"]),
    "getitem_float": (lambda L: L.ones(3)[L.tensor([0.5])], ["getitem", "float32"]),
    "getitem_list_oob": (lambda L: L.ones(3)[[0, 3]], ["getitem", "3", "(3,)"]),
    "getitem_mask_shape": (lambda L: L.ones(3)[L.tensor([True, False])], ["getitem", "(3,)"]),
    "getitem_neg_step": (lambda L: L.ones(3)[::-1], ["getitem", "step"]),
    "setitem_shape": (lambda L: L.ones(3, 4).__setitem__(0, L.ones(3)), ["setitem", "(3,)", "(4,)"]),
    "setitem_oob": (lambda L: L.ones(3).__setitem__(3, 1.0), ["setitem", "3", "(3,)"]),
    "gather_oob": (lambda L: L.ones(2, 3).gather(1, L.tensor([[0, 3], [1, 1]])), ["gather", "3"]),
    "gather_dtype": (lambda L: L.ones(2, 3).gather(1, L.tensor([[0.0]])), ["gather", "float32"]),
    "gather_ndim": (lambda L: L.ones(2, 3).gather(1, L.tensor([0, 1])), ["gather", "(2,)", "(2, 3)"]),
    "gather_dim": (lambda L: L.ones(2, 3).gather(2, L.tensor([[0]])), ["gather", "2"]),
    "scatter_oob": (lambda L: L.zeros(2, 3).scatter(1, L.tensor([[4]]), L.ones(1, 1)), ["scatter", "4"]),
    "scatter_add_ndim": (lambda L: L.zeros(2, 3).scatter_add(1, L.tensor([1]), L.ones(1)), ["scatter_add", "(1,)"]),
    "index_select_oob": (lambda L: L.ones(2, 3).index_select(1, L.tensor([0, 7])), ["index_select", "7"]),
    "index_select_2d": (lambda L: L.ones(2, 3).index_select(0, L.tensor([[0]])), ["index_select", "(1, 1)"]),
    "sort_dim": (lambda L: L.ones(2, 3).sort(2), ["sort", "2"]),
    "argsort_dim": (lambda L: L.ones(2, 3).argsort(-3), ["argsort", "-3"]),
    "topk_k": (lambda L: L.ones(2, 3).topk(4), ["topk", "4", "3"]),
    "multinomial_negative": (lambda L: L.multinomial(L.tensor([0.5, -0.1]), 1), ["multinomial", "< 0"]),
    "multinomial_too_many": (lambda L: L.multinomial(L.tensor([0.5, 0.5]), 3), ["multinomial", "3", "2"]),
    "multinomial_3d": (lambda L: L.multinomial(L.ones(2, 2, 2), 1), ["multinomial", "(2, 2, 2)"]),
    "multinomial_zero_sum": (lambda L: L.multinomial(L.zeros(3), 1), ["multinomial", "sum"]),
    "item_many": (lambda L: L.ones(2).item(), ["item", "2"]),
    "bool_many": (lambda L: bool(L.ones(2)), ["boolean", "2"]),
    "zeros_negative": (lambda L: L.zeros(2, -1), ["zeros", "-1"]),
    "full_negative": (lambda L: L.full((-2,), 1.0), ["full", "-2"]),
    "randn_negative": (lambda L: L.randn(-3), ["randn", "-3"]),
    "arange_step_zero": (lambda L: L.arange(0, 5, 0), ["arange", "step"]),
    "arange_sign": (lambda L: L.arange(5, 0, 1), ["arange", "step"]),
    "linspace_negative": (lambda L: L.linspace(0, 1, -1), ["linspace", "-1"]),
    "eye_negative": (lambda L: L.eye(-2), ["eye", "-2"]),
    "randint_range": (lambda L: L.randint(5, 2, (3,)), ["randint", "5", "2"]),
    "randperm_negative": (lambda L: L.randperm(-1), ["randperm", "-1"]),
    "requires_grad_int": (lambda L: L.ones(2, dtype=L.int64).requires_grad_(), ["requires_grad", "int64"]),
    "tensor_bad_data": (lambda L: L.tensor("abc"), ["tensor", "str"]),
    "tensor_ragged": (lambda L: L.tensor([[1.0, 2.0], [3.0]]), ["tensor"]),
    "backward_nonscalar": (lambda L: L.ones(2, requires_grad=True).exp().backward(), ["backward", "scalar"]),
    "backward_no_grad": (lambda L: L.ones(2).sum().backward(), ["backward", "grad"]),
    "backward_grad_shape": (lambda L: L.ones(2, requires_grad=True).exp().backward(L.ones(3)),
                            ["backward", "(3,)", "(2,)"]),
    "to_device": (lambda L: L.ones(2).to("tpu"), ["tpu"]),
    "size_dim": (lambda L: L.ones(2, 3).size(2), ["size", "2"]),
    "dtype_name": (lambda L: L.ones(2).to("floaty"), ["floaty"]),
    "t_3d": (lambda L: L.ones(2, 3, 4).t(), ["t", "(2, 3, 4)"]),
    "mT_1d": (lambda L: L.ones(3).mT, ["mt", "(3,)"]),
    "div_rounding": (lambda L: L.ones(2).div(2, rounding_mode="round"), ["div", "round"]),
    "narrow_range": (lambda L: L.ones(2, 3).narrow(1, 2, 2), ["narrow", "2", "(2, 3)"]),
    "select_range": (lambda L: L.ones(2, 3).select(0, 5), ["select", "5", "(2, 3)"]),
    "outer_2d": (lambda L: L.outer(L.ones(2, 2), L.ones(2)), ["outer", "(2, 2)"]),
    "diag_3d": (lambda L: L.ones(2, 2, 2).diag(), ["diag", "(2, 2, 2)"]),
    "trace_1d": (lambda L: L.ones(3).trace(), ["trace", "(3,)"]),
    "diagonal_same": (lambda L: L.ones(3, 3).diagonal(0, 1, 1), ["diagonal", "1"]),
    "movedim_len": (lambda L: L.ones(2, 3).movedim((0, 1), (1,)), ["movedim"]),
    "bincount_negative": (lambda L: L.tensor([1, -1]).bincount(), ["bincount", "-1"]),
    "bincount_float": (lambda L: L.tensor([1.0]).bincount(), ["bincount", "float32"]),
    "masked_select_dtype": (lambda L: L.ones(2).masked_select(L.ones(2)), ["masked_select", "bool"]),
    "meshgrid_indexing": (lambda L: L.meshgrid(L.ones(2), indexing="yx"), ["meshgrid", "yx"]),
    "index_add_shape": (lambda L: L.zeros(3, 4).index_add(1, L.tensor([0, 1]), L.ones(3, 3)), ["index_add", "(3, 3)"]),
    "index_fill_range": (lambda L: L.zeros(3, 4).index_fill(1, L.tensor([4]), 1.0), ["index_fill", "4"]),
    "repeat_interleave_len": (lambda L: L.ones(3).repeat_interleave(L.tensor([1, 2])), ["repeat_interleave", "(3,)"]),
    "scatter__leaf": (lambda L: L.ones(2, requires_grad=True).scatter_(0, L.tensor([0]), 1.0), ["leaf"]),
    "lshift_float": (lambda L: L.ones(2) << 1, ["lshift", "float32"]),
    "sub_bool": (lambda L: L.tensor([True]) - L.tensor([True]), ["sub", "bool"]),
    "sub_bool_scalar": (lambda L: L.ones(2) - True, ["sub", "bool"]),
    "rsub_bool": (lambda L: 1 - L.tensor([True]), ["sub", "bool"]),
    # ops added in the third landing
    "atan2_shapes": (lambda L: L.ones(2, 3).atan2(L.ones(4)), ["atan2", "(2, 3)", "(4,)"]),
    "copysign_shapes": (lambda L: L.ones(2, 3).copysign(L.ones(4)), ["copysign", "(2, 3)", "(4,)"]),
    "fmax_shapes": (lambda L: L.fmax(L.ones(2, 3), L.ones(4)), ["fmax", "(2, 3)", "(4,)"]),
    "fmin_shapes": (lambda L: L.fmin(L.ones(2, 3), L.ones(4)), ["fmin", "(2, 3)", "(4,)"]),
    "xlogy_shapes": (lambda L: L.ones(2, 3).xlogy(L.ones(4)), ["xlogy", "(2, 3)", "(4,)"]),
    "bitwise_float": (lambda L: L.ones(2).bitwise_and(L.ones(2)), ["and", "float"]),
    "nansum_dim": (lambda L: L.ones(2, 3).nansum(2), ["nansum", "2"]),
    "cumprod_dim": (lambda L: L.ones(2, 3).cumprod(2), ["cumprod", "2"]),
    "cummin_dim": (lambda L: L.ones(2, 3).cummin(2), ["cummin", "2"]),
    "mode_dim": (lambda L: L.ones(2, 3).mode(2), ["mode", "2"]),
    "atleast_not_tensor": (lambda L: L.atleast_1d("x"), ["atleast_1d", "str"]),
    "softmin_dim": (lambda L: (F if L is torch else tg.nn.functional).softmin(L.ones(2, 3), dim=2), ["2"]),
    "cosine_shapes": (lambda L: (F if L is torch else tg.nn.functional).cosine_similarity(L.ones(2, 3), L.ones(2, 4)),
                      ["(2, 3)", "(2, 4)"]),
    "pairwise_shapes": (lambda L: (F if L is torch else tg.nn.functional).pairwise_distance(L.ones(2, 3),
                                                                                             L.ones(2, 4)),
                        ["(2, 3)", "(2, 4)"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input(case):
    fn, words = BAD[case]
    with pytest.raises(Exception) as ref:
        fn(torch)
    with pytest.raises(Exception) as got:
        fn(tg)
    want_type, got_type = ref.type, got.type
    assert issubclass(got_type, want_type) or (want_type is ValueError and got_type is RuntimeError and False), (
        f"teenygrad raised {got_type.__name__}({got.value}), torch raises {want_type.__name__}({ref.value})")
    msg = str(got.value).lower()
    for w in words:
        assert w.lower() in msg, f"message {str(got.value)!r} should mention {w!r}"


def test_integer_division_by_zero():
    for L in (torch, tg):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            L.tensor([1, 2]) // L.tensor([1, 0])
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            L.tensor([1, 2]) % L.tensor([1, 0])


def test_inplace_leaf_and_graph_errors():
    x = tg.ones(2, requires_grad=True)
    for op in [lambda: x.add_(1), lambda: x.mul_(2), lambda: x.exp_(), lambda: x.fill_(0), lambda: x.zero_(),
               lambda: x.__setitem__(0, 1.0), lambda: x.copy_(tg.zeros(2))]:
        with pytest.raises(RuntimeError, match="leaf"):
            op()
    with pytest.raises(RuntimeError, match="requires_grad"):
        (x * 2).requires_grad_(False)
    with pytest.raises(RuntimeError, match="retain_grad"):
        tg.ones(2).retain_grad()


def test_nan_inputs_are_not_silently_changed():
    x = tg.tensor([np.nan, 1.0, -np.inf])
    assert np.isnan(x.exp().numpy()[0]) and x.relu().numpy()[2] == 0
    assert np.isnan(x.max().item()) == np.isnan(torch.tensor([np.nan, 1.0, -np.inf]).max().item())


FUNCS = ["exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu",
         "abs", "sign", "square", "reciprocal", "neg", "sum", "mean", "prod", "amax", "amin", "max", "min", "argmax",
         "argmin", "var", "std", "logsumexp", "softmax", "log_softmax", "cumsum", "all", "any", "flatten", "flip",
         "tril", "triu", "clamp", "floor", "ceil", "round", "trunc", "zeros_like", "ones_like", "rand_like",
         "randn_like", "empty_like"]


@pytest.mark.parametrize("name", FUNCS)
def test_module_functions_reject_non_tensors(name):
    args = {"logsumexp": (0,), "softmax": (0,), "log_softmax": (0,), "cumsum": (0,), "flip": ((0,),),
            "clamp": (0,)}.get(name, ())
    with pytest.raises(TypeError):
        getattr(torch, name)("abc", *args)
    with pytest.raises(TypeError, match=name):
        getattr(tg, name)("abc", *args)


ACT = {"gelu": lambda L, x: F.gelu(x, approximate="foo") if L is torch else x.gelu(approximate="foo"),
       "silu": lambda L, x: F.silu("abc") if L is torch else tg.silu("abc"),
       "softplus": lambda L, x: F.softplus("abc") if L is torch else tg.softplus("abc")}


@pytest.mark.parametrize("name", list(ACT))
def test_activation_bad_input(name):
    with pytest.raises(Exception) as ref:
        ACT[name](torch, torch.ones(2))
    with pytest.raises(ref.type):
        ACT[name](tg, tg.ones(2))


BINOPS = {"add": lambda x: x + "a", "sub": lambda x: x - "a", "mul": lambda x: x * "a", "div": lambda x: x / "a",
          "floordiv": lambda x: x // "a", "remainder": lambda x: x % "a", "pow": lambda x: x ** "a",
          "lt": lambda x: x < "a", "ge": lambda x: x >= "a", "eq_shape": lambda x: x.eq(x.new_ones(5)),
          "maximum": lambda x: x.maximum(x.new_ones(5)), "minimum": lambda x: x.minimum(x.new_ones(5)),
          "pow_shape": lambda x: x.pow(x.new_ones(5)), "sub_shape": lambda x: x - x.new_ones(5),
          "div_shape": lambda x: x / x.new_ones(5), "matmul_type": lambda x: x @ "a",
          "expand_as": lambda x: x.expand_as(x.new_ones(5)), "logical_and": lambda x: x.logical_and(x.new_ones(5))}


@pytest.mark.parametrize("name", list(BINOPS))
def test_binary_bad_operands(name):
    with pytest.raises(Exception) as ref:
        BINOPS[name](torch.ones(2, 3))
    with pytest.raises(ref.type) as got:
        BINOPS[name](tg.ones(2, 3))
    assert "(2, 3)" in str(got.value) or "str" in str(got.value) or ref.type is TypeError, str(got.value)


def test_creation_bad_input_more():
    for L in (torch, tg):
        for fn in [lambda: L.ones(-1), lambda: L.empty(2, -2), lambda: L.rand(-1)]:
            with pytest.raises(RuntimeError, match="negative"):
                fn()
        with pytest.raises(TypeError):
            L.from_numpy([1, 2])
        with pytest.raises(ValueError):
            L.manual_seed("abc")
    with pytest.raises(TypeError, match="generator"):
        tg.rand(2, generator=np.random.default_rng(0))


def test_shrink_bad_input():
    with pytest.raises(RuntimeError, match=r"shrink.*\(2, 3\)"):
        tg.ones(2, 3).shrink(((0, 1),))


def test_inplace_on_expanded_view():
    for L in (torch, tg):
        y = L.ones(1, 4).expand(3, 4)
        with pytest.raises(RuntimeError, match="single memory location"):
            y += 1
        with pytest.raises(RuntimeError, match="memory location"):
            y.mul_(2)


def test_inplace_add_without_grad_names_both_shapes():
    import teenygrad as tg
    a, b = tg.zeros(30, 200), tg.ones(32, 200)
    with pytest.raises(RuntimeError, match=r"add_.*\(32, 200\).*\(30, 200\)"):
        a.data += b
    with pytest.raises(RuntimeError, match=r"doesn't match the broadcast shape"):
        tg.zeros(1, 3).__iadd__(tg.ones(2, 3))
