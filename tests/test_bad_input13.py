"""Bad input to this landing's features fails as torch fails: pruning (bool amounts, dims that are not ints, unknown
norms, global importance scores of the wrong shape), saved-tensor hooks (non-callables, unpack results of the
wrong shape or dtype, unbalanced exit), grid_sample's bicubic mode (5-D input, integer tensors, a non-bool
align_corners), torch.fft's n / s / dim / norm / d of the wrong type and shifts on a dim out of range, stft / istft
int arguments, and complex tensors given to ops that only take real ones. Each case raises in torch and raises the
same exception type in teenygrad, the message naming the op (and the value); the good neighbours keep working."""
import numpy as np
import pytest
import torch
import torch.nn.utils.prune  # noqa: F401  (torch loads it lazily)
import torch.autograd.graph  # noqa: F401

import teenygrad as tg
import teenygrad.nn.utils.prune  # noqa: F401
import teenygrad.autograd.graph  # noqa: F401
from helpers import refused_like_torch, raises_like_torch


def _lin(L):
    L.manual_seed(0)
    return L.nn.Linear(4, 3)


def _prune(L):
    return L.nn.utils.prune


# ---- nn.utils.prune ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["l1", "random", "random_structured"])
def test_prune_bool_amount(method):
    calls = {"l1": lambda P, m: P.l1_unstructured(m, "weight", True),
             "random": lambda P, m: P.random_unstructured(m, "weight", True),
             "random_structured": lambda P, m: P.random_structured(m, "weight", True, 0)}
    raises_like_torch(lambda L: calls[method](_prune(L), _lin(L)), TypeError, r"invalid type for amount: True")


@pytest.mark.parametrize("dim", [1.0, "0", None])
@pytest.mark.parametrize("method", ["ln", "random"])
def test_prune_structured_dim_not_int(method, dim):
    def call(L):
        P, m = _prune(L), _lin(L)
        return P.ln_structured(m, "weight", 0.3, 2, dim) if method == "ln" else P.random_structured(m, "weight", 0.3, dim)
    raises_like_torch(call, TypeError, r"Structured: dim must be an int, got .*\(3, 4\)")


@pytest.mark.parametrize("n", ["nuc", "x", 1j])
def test_ln_structured_unknown_norm(n):
    raises_like_torch(lambda L: _prune(L).ln_structured(_lin(L), "weight", 0.3, n, 0), RuntimeError,
                      r"LnStructured: unsupported norm n=")


def test_ln_structured_default_norm_is_2():
    """n=None is torch.norm's default p: the 2-norm, not an error."""
    masks = []
    for L in (torch, tg):
        m = _lin(L)
        with L.no_grad():
            m.weight.copy_(L.tensor(np.arange(12, dtype=np.float32).reshape(3, 4) - 5))
        _prune(L).ln_structured(m, "weight", 1, None, 0)
        masks.append(np.asarray(m.weight_mask.tolist()))
    np.testing.assert_array_equal(masks[1], masks[0])


def test_global_unstructured_importance_scores_shape():
    def call(L):
        m = _lin(L)
        return _prune(L).global_unstructured([(m, "weight")], pruning_method=_prune(L).L1Unstructured,
                                             importance_scores={(m, "weight"): L.ones(2)}, amount=0.3)
    raises_like_torch(call, IndexError, r"global_unstructured: importance_scores of shape \(2,\).*\(3, 4\)")


# ---- autograd.graph.saved_tensors_hooks ----------------------------------------------------------------------
def _with_hooks(L, pack, unpack, op=lambda a: (a * a).sum()):
    a = L.ones(3, requires_grad=True)
    with L.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = op(a)
    y.backward()
    return a.grad


@pytest.mark.parametrize("op", [lambda a: (a * a).sum(), lambda a: a.exp().sum()])
def test_unpack_hook_wrong_shape(op):
    raises_like_torch(lambda L: _with_hooks(L, lambda t: t, lambda t: L.ones(5), op), RuntimeError,
                      r"saved_tensors_hooks: unpack_hook returned a tensor of shape \(5,\)")


def test_unpack_hook_integer_tensor():
    raises_like_torch(lambda L: _with_hooks(L, lambda t: t, lambda t: t.long()), RuntimeError,
                      r"saved_tensors_hooks: unpack_hook returned a int64 tensor for a packed float32")


def test_unpack_hook_float64_keeps_the_leaf_dtype():
    """An unpack that upcasts is used, but the gradient keeps the leaf's float32, as torch's."""
    want = _with_hooks(torch, lambda t: t, lambda t: t.double())
    got = _with_hooks(tg, lambda t: t, lambda t: t.double())
    assert got.dtype == tg.float32 and want.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("which", ["pack", "unpack"])
def test_hooks_not_callable(which):
    hooks = (5, lambda t: t) if which == "pack" else (lambda t: t, 5)
    raises_like_torch(lambda L: _with_hooks(L, *hooks), TypeError, rf"saved_tensors_hooks: {which}_hook must be "
                                                                    r"callable, got int")


def test_hooks_exit_without_enter():
    raises_like_torch(lambda L: L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t).__exit__(None, None,
                                                                                                        None),
                      RuntimeError, r"saved_tensors_hooks: __exit__ without a matching __enter__")


def test_disable_saved_tensors_hooks_message_not_str():
    def call(L):
        with L.autograd.graph.disable_saved_tensors_hooks(5):
            pass
    raises_like_torch(call, TypeError, r"disable_saved_tensors_hooks: error_message must be a str, got int")


# ---- grid_sample(mode='bicubic') -------------------------------------------------------------------------------
def _bicubic(L, x, g, align_corners=False):
    return L.nn.functional.grid_sample(x, g, mode="bicubic", align_corners=align_corners)


@pytest.mark.parametrize("ac", ["yes", 1, 0, np.bool_(True)])
def test_grid_sample_align_corners_not_bool(ac):
    raises_like_torch(lambda L: _bicubic(L, L.ones(1, 1, 4, 4), L.zeros(1, 2, 2, 2), ac), TypeError,
                      r"grid_sampler\(\): argument 'align_corners' must be bool")


def test_grid_sample_bicubic_5d():
    raises_like_torch(lambda L: _bicubic(L, L.ones(1, 1, 2, 4, 4), L.zeros(1, 2, 2, 2, 3)), RuntimeError,
                      r"grid_sampler\(\): bicubic interpolation only supports 4D input, got sizes \[1, 1, 2, 4, 4\]")


@pytest.mark.parametrize("grid_int", [True, False])
def test_grid_sample_integer_input(grid_int):
    raises_like_torch(lambda L: _bicubic(L, L.ones(1, 1, 4, 4, dtype=L.int64),
                                         L.zeros(1, 2, 2, 2, dtype=L.int64 if grid_int else L.float32)),
                      NotImplementedError, r"grid_sampler\(\): not implemented for input of dtype int64")


# ---- torch.fft ---------------------------------------------------------------------------------------------------
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
TWO_D = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2"]
N_D = ["fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]


@pytest.mark.parametrize("op", ONE_D)
@pytest.mark.parametrize("arg,value", [("n", 4.0), ("n", True), ("dim", 1.0), ("dim", (0, 1))])
def test_fft_1d_int_arguments(op, arg, value):
    raises_like_torch(lambda L: getattr(L.fft, op)(L.ones(4, 6), **{arg: value}), TypeError,
                      rf"{op}\(\): argument '{arg}' must be int, not")


@pytest.mark.parametrize("op", ONE_D + TWO_D + N_D)
def test_fft_norm_not_str(op):
    raises_like_torch(lambda L: getattr(L.fft, op)(L.ones(4, 6), norm=1), TypeError,
                      rf"{op}\(\): argument 'norm' must be str, not int")


@pytest.mark.parametrize("op", TWO_D + N_D)
def test_fft_s_of_floats(op):
    raises_like_torch(lambda L: getattr(L.fft, op)(L.ones(4, 6), s=(4.0, 4)), TypeError,
                      rf"{op}\(\): argument 's' must be int, not float")


@pytest.mark.parametrize("op", TWO_D)
def test_fft2_dim_none(op):
    raises_like_torch(lambda L: getattr(L.fft, op)(L.ones(4, 6), s=(2, 2), dim=None), TypeError,
                      rf"{op}\(\): argument 'dim' must be tuple of ints, not NoneType")


@pytest.mark.parametrize("op", TWO_D)
def test_fft2_s_one_int(op):
    """s=4 is the int list (4,): one length for the two dims."""
    raises_like_torch(lambda L: getattr(L.fft, op)(L.ones(4, 6), s=4), RuntimeError,
                      r"dim and shape arguments must have the same length")


@pytest.mark.parametrize("op", N_D)
def test_fftn_s_one_int(op):
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    want = getattr(torch.fft, op)(torch.tensor(x), s=4)
    got = getattr(tg.fft, op)(tg.tensor(x), s=4)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.resolve_conj().numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("op", ["fftfreq", "rfftfreq"])
@pytest.mark.parametrize("n", [4.0, None])
def test_fftfreq_n_not_int(op, n):
    raises_like_torch(lambda L: getattr(L.fft, op)(n), TypeError, rf"{op}\(\): argument 'n' must be int")


def test_fftfreq_d_not_number():
    raises_like_torch(lambda L: L.fft.fftfreq(4, d="2"), TypeError, r"fftfreq\(\): argument 'd' must be float, not str")


@pytest.mark.parametrize("op", ["fftshift", "ifftshift"])
@pytest.mark.parametrize("dim,exc,match", [(3, IndexError, r"Dimension out of range .* got 3"),
                                           ((0, -3), IndexError, r"Dimension out of range .* got -3"),
                                           (1.0, TypeError, r"argument 'dim' must be tuple of ints, not float")])
def test_fftshift_bad_dim(op, dim, exc, match):
    raises_like_torch(lambda L: getattr(L.fft, op)(L.ones(4, 6), dim=dim), exc, rf"{op}.*{match}")


def test_stft_n_fft_float():
    raises_like_torch(lambda L: L.stft(L.ones(16), 4.0, return_complex=True), TypeError,
                      r"stft\(\): argument 'n_fft' must be int, not float")


@pytest.mark.parametrize("length,exc,match", [(16.0, TypeError, r"istft\(\): argument 'length' must be int"),
                                              (-1, RuntimeError, r"expected length > 0, but got length=-1"),
                                              (0, RuntimeError, r"expected length > 0, but got length=0")])
def test_istft_bad_length(length, exc, match):
    def call(L):
        w = L.hann_window(4)
        return L.istft(L.stft(L.ones(16), 4, window=w, return_complex=True), 4, window=w, length=length)
    raises_like_torch(call, exc, match)


# ---- complex tensors where only real ones are allowed ---------------------------------------------------------
def _c(L):
    return L.complex(L.tensor([1.0, 2.0, 3.0]), L.tensor([1.0, -1.0, 0.5]))


COMPLEX_REFUSED = {  # op: a call on the complex tensor x
    "lt": lambda L, x: x.lt(x), "max": lambda L, x: x.max(), "clamp": lambda L, x: x.clamp(0, 1),
    "floor": lambda L, x: x.floor(), "sign": lambda L, x: x.sign(), "atan2": lambda L, x: x.atan2(x),
    "copysign": lambda L, x: x.copysign(x), "fmod": lambda L, x: x.fmod(x), "remainder": lambda L, x: x.remainder(x),
    "floor_divide": lambda L, x: x.floor_divide(x), "trunc": lambda L, x: x.trunc(), "round": lambda L, x: x.round(),
    "lgamma": lambda L, x: x.lgamma(), "digamma": lambda L, x: x.digamma(), "erfinv": lambda L, x: x.erfinv(),
    "logit": lambda L, x: x.logit(), "kthvalue": lambda L, x: x.kthvalue(1), "mode": lambda L, x: x.mode(),
    "signbit": lambda L, x: L.signbit(x), "heaviside": lambda L, x: x.heaviside(x), "fmax": lambda L, x: x.fmax(x),
    "fmin": lambda L, x: L.fmin(x, x), "isposinf": lambda L, x: L.isposinf(x), "isneginf": lambda L, x: x.isneginf(),
    "deg2rad": lambda L, x: L.deg2rad(x), "rad2deg": lambda L, x: x.rad2deg(), "sort": lambda L, x: x.sort(),
    "maximum": lambda L, x: L.maximum(x, x), "nanmedian": lambda L, x: x.nanmedian(),
}


@pytest.mark.parametrize("op", sorted(COMPLEX_REFUSED))
def test_complex_refused(op):
    refused_like_torch(lambda L: COMPLEX_REFUSED[op](L, _c(L)), f"{op}: not implemented for complex tensors")


@pytest.mark.parametrize("op", ["view_as_real", "view_as_complex"])
def test_view_as_not_a_tensor(op):
    raises_like_torch(lambda L: getattr(L, op)([1.0, 2.0]), TypeError, rf"{op}\(\): argument 'input'.*not list")


def test_real_ops_unchanged():
    """The good neighbours: the refused ops still run on real tensors and match torch."""
    x = np.array([-2.5, 0.5, 1.5, np.inf], np.float32)
    for fn in (lambda L, t: t.round(), lambda L, t: L.isposinf(t), lambda L, t: L.deg2rad(t),
               lambda L, t: L.signbit(t), lambda L, t: t.atan2(t), lambda L, t: t.clamp(0, 1)):
        np.testing.assert_allclose(np.asarray(fn(tg, tg.tensor(x)).tolist(), np.float64),
                                   np.asarray(fn(torch, torch.tensor(x)).tolist(), np.float64), rtol=1e-6)


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "__iadd__", "__isub__", "__imul__"])
def test_inplace_complex_result_into_real_tensor_refused(op):
    """torch: "result type ComplexFloat can't be cast to the desired output type Float"; teenygrad dropped the
    imaginary part of the fast in-place path silently"""
    for lib in (torch, tg):
        x, z = lib.zeros(2), lib.tensor([1 + 2j, 1j])
        with pytest.raises(RuntimeError, match="can't be cast"):
            getattr(x, op)(z)
        assert x.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("value,dtype", [(1e39, "float32"), (70000.0, "float16"), (1e39, "complex64"),
                                         (-1e39, "float32")])
def test_full_refuses_a_finite_value_past_the_dtype(value, dtype):
    """torch: "value cannot be converted to type float without overflow"; teenygrad filled inf silently"""
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match="without overflow"):
            lib.full((2,), value, dtype=getattr(lib, dtype))
    for lib in (torch, tg):  # inf itself, and scalar_tensor's float16 (inf there, as torch)
        assert lib.full((2,), float("inf"), dtype=lib.float64).tolist() == [float("inf")] * 2
        assert lib.scalar_tensor(70000.0, dtype=lib.float16).item() == float("inf")
