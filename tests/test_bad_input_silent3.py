"""Flags and numbers of the wrong type that torch refuses and teenygrad used to accept (third silent-acceptance
search): keepdim / unbiased / descending / largest / sorted that are not bools, clamp bounds, layer_norm's eps and
leaky_relu's slope that are not numbers, tril / triu / diag diagonals that are not ints, requires_grad_ with a
non-bool. Each case must raise TypeError in both frameworks, teenygrad's message naming the op, the argument and
the value; the good neighbours (real bools, numpy numbers, 0-d int tensors where torch takes them) keep working."""
import numpy as np
import pytest
import torch

import teenygrad as tg

ATOL = 1e-6


def _x(L):
    return L.tensor(np.arange(12, dtype=np.float32).reshape(3, 4) % 5)


KEEPDIM_OPS = {  # op: a call with keepdim=v on a (3, 4) tensor
    "sum": lambda x, v: x.sum(0, keepdim=v), "mean": lambda x, v: x.mean(0, keepdim=v),
    "prod": lambda x, v: x.prod(0, keepdim=v), "amax": lambda x, v: x.amax(0, keepdim=v),
    "amin": lambda x, v: x.amin(0, keepdim=v), "max": lambda x, v: x.max(0, keepdim=v),
    "min": lambda x, v: x.min(0, keepdim=v), "argmax": lambda x, v: x.argmax(0, keepdim=v),
    "argmin": lambda x, v: x.argmin(0, keepdim=v), "var": lambda x, v: x.var(0, keepdim=v),
    "std": lambda x, v: x.std(0, keepdim=v), "all": lambda x, v: x.all(0, keepdim=v),
    "any": lambda x, v: x.any(0, keepdim=v), "norm": lambda x, v: x.norm(2, 0, keepdim=v),
    "logsumexp": lambda x, v: x.logsumexp(0, keepdim=v), "median": lambda x, v: x.median(0, keepdim=v),
    "mode": lambda x, v: x.mode(0, keepdim=v), "kthvalue": lambda x, v: x.kthvalue(1, 0, keepdim=v),
    "nansum": lambda x, v: x.nansum(0, keepdim=v), "nanmean": lambda x, v: x.nanmean(0, keepdim=v),
    "nanmedian": lambda x, v: x.nanmedian(0, keepdim=v), "quantile": lambda x, v: x.quantile(0.5, 0, keepdim=v),
    "sum_keepdims": lambda x, v: x.sum(0, keepdims=v),
}
BAD_FLAGS = [1, 0, "yes", np.bool_(True), 1.0]

OTHER_FLAGS = {  # name: (call with the flag v, the op and argument the message names)
    "var_unbiased": (lambda x, v: x.var(0, unbiased=v), "var", "unbiased"),
    "std_unbiased_positional": (lambda x, v: x.std(0, v), "std", "unbiased"),
    "sort_descending": (lambda x, v: x.sort(0, descending=v), "sort", "descending"),
    "sort_stable": (lambda x, v: x.sort(dim=0, stable=v), "sort", "stable"),
    "argsort_descending": (lambda x, v: x.argsort(0, descending=v), "argsort", "descending"),
    "topk_largest": (lambda x, v: x.topk(2, largest=v), "topk", "largest"),
    "topk_sorted": (lambda x, v: x.topk(2, sorted=v), "topk", "sorted"),
    "requires_grad_": (lambda x, v: x.requires_grad_(v), "requires_grad_", "requires_grad"),
}

F_TG, F_PT = tg.nn.functional, torch.nn.functional
BAD_NUMBERS = {  # name: (call with the bad value v, the values, op and argument the message names)
    "clamp_min": (lambda L, F, x, v: x.clamp(min=v), ["1", [1]], "clamp", "min"),
    "clamp_max": (lambda L, F, x, v: x.clamp(-1, v), ["1", [1], np.str_("1")], "clamp", "max"),
    "clamp_min_method": (lambda L, F, x, v: x.clamp_min(v), ["1"], "clamp", "min"),
    "clamp_inplace": (lambda L, F, x, v: x.clone().clamp_(v), ["1"], "clamp", "min"),
    "clip": (lambda L, F, x, v: L.clip(x, v), ["1"], "clamp", "min"),
    "layer_norm_eps": (lambda L, F, x, v: F.layer_norm(x, (4,), eps=v), ["1e-5", [1e-5]], "layer_norm", "eps"),
    "layer_norm_eps_fast": (lambda L, F, x, v: F.layer_norm(x, (4,), L.ones(4), L.zeros(4), v), ["1e-5"],
                            "layer_norm", "eps"),
    "leaky_relu_slope": (lambda L, F, x, v: F.leaky_relu(x, v), ["0.1", [0.1]], "leaky_relu", "negative_slope"),
    "leaky_relu_module": (lambda L, F, x, v: L.nn.LeakyReLU(v)(x), ["0.1"], "leaky_relu", "negative_slope"),
    "tril": (lambda L, F, x, v: x.tril(v), [1.0, True, "1", np.float32(1)], "tril", "diagonal"),
    "triu": (lambda L, F, x, v: x.triu(v), [1.0, True, "1"], "triu", "diagonal"),
    "tril_inplace": (lambda L, F, x, v: x.clone().tril_(v), [1.0], "tril", "diagonal"),
    "diag_2d": (lambda L, F, x, v: x.diag(v), [1.0, True], "diag", "diagonal"),
    "diag_1d": (lambda L, F, x, v: x[0].diag(v), [1.0, np.float32(1)], "diag", "diagonal"),
}


def _raises_like_torch(fn, words):
    with pytest.raises(TypeError):
        fn(torch)
    with pytest.raises(TypeError) as e:
        fn(tg)
    for w in words:
        assert w in str(e.value), (w, str(e.value))


@pytest.mark.parametrize("v", BAD_FLAGS, ids=repr)
@pytest.mark.parametrize("op", list(KEEPDIM_OPS))
def test_keepdim_not_bool(op, v):
    words = ["keepdim", repr(v)] + ([] if op in ("sum_keepdims",) else [op])
    _raises_like_torch(lambda L: KEEPDIM_OPS[op](_x(L), v), words)


@pytest.mark.parametrize("v", BAD_FLAGS, ids=repr)
@pytest.mark.parametrize("case", list(OTHER_FLAGS))
def test_flag_not_bool(case, v):
    fn, op, arg = OTHER_FLAGS[case]
    _raises_like_torch(lambda L: fn(_x(L), v), [op, arg, repr(v)])


def _cases():
    for name, (fn, values, op, arg) in BAD_NUMBERS.items():
        for v in values:
            yield pytest.param(fn, v, op, arg, id=f"{name}-{v!r}")


@pytest.mark.parametrize("fn, v, op, arg", _cases())
def test_wrong_number_type(fn, v, op, arg):
    _raises_like_torch(lambda L: fn(L, F_TG if L is tg else F_PT, _x(L), v), [op, arg, repr(v)])


def _same(a, b):
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    for s, t in zip(a, b):
        np.testing.assert_allclose(s.detach().numpy(), t.detach().numpy(), atol=ATOL)


@pytest.mark.parametrize("v", [True, False])
@pytest.mark.parametrize("op", list(KEEPDIM_OPS))
def test_keepdim_bools_still_work(op, v):
    _same(KEEPDIM_OPS[op](_x(tg), v), KEEPDIM_OPS[op](_x(torch), v))


@pytest.mark.parametrize("case", list(OTHER_FLAGS))
def test_flag_bools_still_work(case):
    fn = OTHER_FLAGS[case][0]
    for v in (True, False):
        if case == "requires_grad_":
            assert fn(_x(tg), v).requires_grad == fn(_x(torch), v).requires_grad == v
        else:
            _same(fn(_x(tg), v), fn(_x(torch), v))


GOOD_NUMBERS = {  # calls torch takes with numpy numbers, bools, 0-d tensors: teenygrad must agree, forward and grad
    "clamp_numpy": lambda L, F, x: x.clamp(np.float32(1), np.int64(3)),
    "clamp_bool": lambda L, F, x: x.clamp(min=True),
    "clamp_tensor": lambda L, F, x: x.clamp(min=L.tensor(1.5)),
    "layer_norm_numpy_eps": lambda L, F, x: F.layer_norm(x, (4,), L.ones(4), L.zeros(4), np.float32(1e-3)),
    "layer_norm_int_eps": lambda L, F, x: F.layer_norm(x, (4,), eps=1),
    "leaky_relu_numpy": lambda L, F, x: F.leaky_relu(x - 2, np.float32(0.2)),
    "leaky_relu_int": lambda L, F, x: F.leaky_relu(x - 2, 2),
    "tril_numpy_int": lambda L, F, x: x.tril(np.int64(1)),
    "triu_negative": lambda L, F, x: x.triu(-1),
    "diag_tensor_int": lambda L, F, x: x.diag(L.tensor(1)),
    "diag_1d_numpy_int": lambda L, F, x: x[0].diag(np.int32(-1)),
}


@pytest.mark.parametrize("case", list(GOOD_NUMBERS))
def test_good_numbers_still_work(case):
    outs, grads = [], []
    for L, F in ((tg, F_TG), (torch, F_PT)):
        x = _x(L).requires_grad_(True)
        y = GOOD_NUMBERS[case](L, F, x)
        (y * L.arange(y.numel(), dtype=L.float32).reshape(y.shape)).sum().backward()
        outs.append(y.detach().numpy())
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-5)
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-5)
