"""Compatibility hunt 24: what a training script meets that torch does otherwise. The grad_fn names that
print(loss) / print(y) show for ops teenygrad composes from several nodes (cross_entropy with label smoothing or
probability targets, interpolate, the 1-D and 3-D pools, mish, glu, addmm, lerp, ...), inference_mode(mode=False)
by keyword, and Tensor.broadcast_to(*sizes)."""
import numpy as np
import pytest
import torch

import teenygrad as tg


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


# (shape of x, f(L, x)) where L is the library (torch or teenygrad) and x a float32 leaf that requires grad
NAMED = {
    "ce_smooth": ((3, 4), lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0, 1, 2]), label_smoothing=0.1)),
    "ce_smooth_none": ((3, 4), lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0, 1, 2]), reduction="none",
                                                                        label_smoothing=0.2)),
    "ce_soft_mean": ((3, 4), lambda L, x: L.nn.functional.cross_entropy(x, x.softmax(1).detach())),
    "ce_soft_sum": ((3, 4), lambda L, x: L.nn.functional.cross_entropy(x, x.softmax(1).detach(), reduction="sum")),
    "ce_spatial4d": ((2, 3, 2, 2), lambda L, x: L.nn.functional.cross_entropy(x, L.zeros(2, 2, 2, dtype=L.long))),
    "ce_spatial3d_none": ((2, 3, 4), lambda L, x: L.nn.functional.cross_entropy(x, L.zeros(2, 4, dtype=L.long),
                                                                              reduction="none")),
    "nearest1d": ((1, 2, 5), lambda L, x: L.nn.functional.interpolate(x, scale_factor=2)),
    "nearest2d": ((1, 2, 3, 4), lambda L, x: L.nn.functional.interpolate(x, size=(5, 7))),
    "nearest_exact3d": ((1, 1, 2, 3, 4), lambda L, x: L.nn.functional.interpolate(x, scale_factor=2,
                                                                                mode="nearest-exact")),
    "linear": ((1, 2, 5), lambda L, x: L.nn.functional.interpolate(x, size=7, mode="linear", align_corners=True)),
    "bilinear": ((1, 2, 3, 4), lambda L, x: L.nn.Upsample(scale_factor=2, mode="bilinear")(x)),
    "bilinear_aa": ((1, 2, 6, 6), lambda L, x: L.nn.functional.interpolate(x, size=(3, 3), mode="bilinear",
                                                                         antialias=True)),
    "bicubic_half": ((1, 2, 3, 4), lambda L, x: L.nn.functional.interpolate(x.half(), size=(5, 5), mode="bicubic")),
    "trilinear": ((1, 1, 2, 3, 4), lambda L, x: L.nn.functional.interpolate(x, scale_factor=2, mode="trilinear")),
    "area2d": ((1, 2, 4, 4), lambda L, x: L.nn.functional.interpolate(x, size=(2, 3), mode="area")),
    "area1d": ((1, 2, 6), lambda L, x: L.nn.functional.interpolate(x, size=3, mode="area")),
    "max_pool1d": ((1, 2, 6), lambda L, x: L.nn.functional.max_pool1d(x, 2)),
    "avg_pool1d": ((2, 6), lambda L, x: L.nn.AvgPool1d(3)(x)),
    "max_pool2d_unbatched": ((2, 4, 4), lambda L, x: L.nn.functional.max_pool2d(x, 2)),
    "max_pool3d": ((1, 1, 4, 4, 4), lambda L, x: L.nn.MaxPool3d(2)(x)),
    "max_pool3d_indices": ((1, 1, 4, 4, 4), lambda L, x: L.nn.functional.max_pool3d(x, 2, return_indices=True)[0]),
    "avg_pool3d": ((1, 4, 4, 4), lambda L, x: L.nn.functional.avg_pool3d(x, 2)),
    "mish": ((3, 4), lambda L, x: L.nn.Mish()(x)),
    "glu": ((3, 4), lambda L, x: L.nn.functional.glu(x)),
    "selu": ((3, 4), lambda L, x: L.nn.SELU()(x)),
    "celu": ((3, 4), lambda L, x: L.nn.functional.celu(x, 2.0)),
    "logsigmoid": ((3, 4), lambda L, x: L.nn.LogSigmoid()(x)),
    "hardsigmoid": ((3, 4), lambda L, x: L.nn.functional.hardsigmoid(x)),
    "prelu": ((3, 4), lambda L, x: L.nn.PReLU()(x)),
    "rrelu_eval": ((3, 4), lambda L, x: L.nn.functional.rrelu(x)),
    "threshold": ((3, 4), lambda L, x: L.nn.Threshold(0.1, 2.0)(x)),
    "softshrink": ((3, 4), lambda L, x: L.nn.Softshrink()(x)),
    "hardshrink": ((3, 4), lambda L, x: L.nn.functional.hardshrink(x)),
    "rms_norm": ((3, 4), lambda L, x: L.nn.RMSNorm(4)(x)),
    "addmm": ((3, 4), lambda L, x: L.addmm(L.zeros(4), x.T, x)),
    "addmv": ((3, 4), lambda L, x: L.addmv(L.zeros(3), x, x[0], beta=0.5)),
    "addr": ((3, 4), lambda L, x: L.addr(L.zeros(4, 4), x[0], x[1])),
    "baddbmm": ((3, 4), lambda L, x: L.baddbmm(L.zeros(1, 3, 3), x[None], x.T[None])),
    "addbmm": ((3, 4), lambda L, x: L.addbmm(L.zeros(3, 3), x[None], x.T[None], alpha=2)),
    "lerp": ((3, 4), lambda L, x: L.lerp(x, L.zeros(3, 4), 0.7)),
    "lerp_tensor_weight": ((3, 4), lambda L, x: x.lerp(L.zeros(3, 4), L.full((3, 4), 0.5))),
    "lerp_half": ((3, 4), lambda L, x: L.lerp(x.half(), L.zeros(3, 4).half(), 0.3)),
    "addcmul": ((3, 4), lambda L, x: L.addcmul(x, x, x, value=2)),
    "addcdiv_bf16": ((3, 4), lambda L, x: L.addcdiv(x.bfloat16(), x.bfloat16(), x.bfloat16() + 5)),
    "trace": ((3, 4), lambda L, x: x.trace()),
    "digamma": ((3, 4), lambda L, x: (x.abs() + 1).digamma()),
    "polygamma0": ((3, 4), lambda L, x: L.polygamma(0, x.abs() + 1)),
    "pixel_shuffle": ((1, 4, 2, 3), lambda L, x: L.nn.PixelShuffle(2)(x)),
    "pixel_unshuffle": ((1, 1, 4, 6), lambda L, x: L.nn.functional.pixel_unshuffle(x, 2)),
}


@pytest.mark.parametrize("case", list(NAMED))
def test_grad_fn_name_as_torch(case):
    """torch's grad_fn name for the op's output (what print(y) shows), and the same values"""
    shape, f = NAMED[case]
    ours, theirs = _pair(shape)
    y, want = f(tg, ours), f(torch, theirs)
    assert y.grad_fn.name() == want.grad_fn.name()
    assert f"grad_fn=<{want.grad_fn.name()}>" in repr(y)
    np.testing.assert_allclose(y.detach().float().numpy(), want.detach().float().numpy(), rtol=1e-2, atol=1e-2)


def test_renamed_nodes_still_differentiate():
    """the renamed graph nodes keep their own backward: gradients match torch's"""
    for case in ("ce_smooth", "bilinear", "max_pool1d", "addmm", "lerp", "mish", "glu", "addcmul", "trace"):
        shape, f = NAMED[case]
        ours, theirs = _pair(shape, seed=1)
        f(tg, ours).sum().backward()
        f(torch, theirs).sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=case)


def test_grad_fn_name_of_input_is_kept():
    """naming an op's output never renames a node of its input (a no-op threshold returns a new tensor anyway)"""
    for L in (tg, torch):
        x = L.ones(2, 3, requires_grad=True) * 2
        before = x.grad_fn.name()
        L.nn.functional.mish(x)
        L.nn.functional.interpolate(x[None], scale_factor=1)
        assert x.grad_fn.name() == before == "MulBackward0"


@pytest.mark.parametrize("mode", [True, False])
def test_inference_mode_takes_mode_by_keyword(mode):
    for L in (tg, torch):
        w = L.ones(2, requires_grad=True)
        with L.inference_mode(mode=mode):
            got = (L.is_inference_mode_enabled(), (w * 1).requires_grad)
        assert got == (mode, not mode)

        @L.inference_mode(mode=mode)
        def f():
            return L.is_inference_mode_enabled()
        assert f() is mode and not L.is_inference_mode_enabled()


def test_inference_mode_bare_decorator():
    for L in (tg, torch):
        @L.inference_mode
        def f(t):
            return (t * 2).requires_grad, L.is_inference_mode_enabled()
        assert f(L.ones(1, requires_grad=True)) == (False, True)


@pytest.mark.parametrize("call", [lambda x: x.broadcast_to(3, 4), lambda x: x.broadcast_to((3, 4)),
                                  lambda x: x.broadcast_to(size=(2, 3, 4)), lambda x: x.broadcast_to(-1, 4),
                                  lambda x: x.broadcast_to([5, 1, 4])])
def test_broadcast_to_takes_varargs(call):
    """Tensor.broadcast_to(3, 4), as torch's method (and expand) take the sizes one by one"""
    a = np.arange(4, dtype=np.float32).reshape(1, 4)
    got, want = call(tg.tensor(a)), call(torch.tensor(a))
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


DTYPE_MISTAKES = {  # what a float64 numpy batch (or float ids) fed to a float32 model runs into
    "linear_float64": lambda L: L.nn.Linear(3, 2)(L.ones(4, 3, dtype=L.float64)),
    "linear_int64": lambda L: L.nn.Linear(3, 2)(L.ones(4, 3, dtype=L.int64)),
    "conv2d_float64": lambda L: L.nn.Conv2d(1, 1, 3)(L.ones(1, 1, 5, 5, dtype=L.float64)),
    "layer_norm_float64": lambda L: L.nn.LayerNorm(3)(L.ones(4, 3, dtype=L.float64)),
    "batch_norm_float64": lambda L: L.nn.BatchNorm1d(3)(L.ones(4, 3, dtype=L.float64)),
    "embedding_float_ids": lambda L: L.nn.Embedding(3, 2)(L.tensor([1.0])),
    "mha_float64": lambda L: L.nn.MultiheadAttention(4, 2)(*[L.ones(2, 1, 4, dtype=L.float64)] * 3),
}


@pytest.mark.parametrize("case", list(DTYPE_MISTAKES))
def test_dtype_mistakes_are_runtime_errors_as_torch(case):
    """torch raises RuntimeError (mat1 and mat2 must have the same dtype); teenygrad's refusal is a TypeError that
    is also a RuntimeError, so torch code's `except RuntimeError` catches it"""
    with pytest.raises(RuntimeError):
        DTYPE_MISTAKES[case](torch)
    with pytest.raises(RuntimeError) as info:
        DTYPE_MISTAKES[case](tg)
    assert isinstance(info.value, TypeError)
