"""What the device tests share: random inputs, running one function of tensors on the cpu and on the (fake or
real) GPU with a seeded random cotangent back through it, and holding the GPU run to the cpu's."""
import numpy as np

import teenygrad as tg
from test_device import on_device

TOL = dict(atol=1e-5, rtol=1e-4)  # cpu vs device: the same numpy math (the device one without numba)


def rand(shape, seed, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


def tensors(out):
    """The tensors in an op's result (a tensor, a tuple / named tuple of them, or a list)."""
    if isinstance(out, tg.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in tensors(o)]
    return []


def run_on(fn, arrays, device):
    """fn on the arrays moved to device (float ones require grad), seeded; then a random cotangent back through
    every output that requires grad. (outputs, inputs)"""
    inputs = [tg.tensor(a, requires_grad=a.dtype.kind == "f", device=device) for a in arrays]
    tg.manual_seed(0)
    outs = tensors(fn(*inputs))
    diff = [o for o in outs if o.requires_grad]
    if diff:
        rng = np.random.default_rng(0)
        sum((o * tg.tensor(rng.standard_normal(o.shape).astype(o.dtype), device=device)).sum()
            for o in diff).backward()
    return outs, inputs


def check_on_device(fn, arrays, values=True, tol=TOL):
    """fn's outputs and the inputs' gradients stay on the device, with the cpu run's dtypes, shapes and (unless
    values is False: random draws) values. Returns how many inputs got a gradient."""
    ref, ref_in = run_on(fn, arrays, "cpu")
    out, ins = run_on(fn, arrays, "cuda")
    assert len(out) == len(ref) > 0
    for i, (o, r) in enumerate(zip(out, ref)):
        assert o.device == "cuda" and on_device(o._data), f"output {i} left the device"
        assert o.dtype == r.dtype and o.shape == r.shape, f"output {i}: {o.dtype}{o.shape} vs {r.dtype}{r.shape}"
        if values:
            np.testing.assert_allclose(o.cpu().numpy(), r.numpy(), **tol, err_msg=f"output {i}")
    grads = 0
    for i, (t, r) in enumerate(zip(ins, ref_in)):
        if r.grad is None:
            continue
        grads += 1
        assert t.grad is not None and on_device(t.grad._data), f"grad of input {i} left the device"
        np.testing.assert_allclose(t.grad.cpu().numpy(), r.grad.numpy(), **tol, err_msg=f"grad of input {i}")
    return grads


def signless(parts):
    """An eigh / svd result with its vector matrices as absolute values: each vector is defined up to its sign, and
    LAPACK (cpu) and cuSOLVER (a real GPU) pick differently, so only sign-free functions of them can be compared."""
    return [t.abs() if t.ndim == 2 else t for t in parts]
