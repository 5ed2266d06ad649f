"""Layout fast paths: the blocked copy of transposed matrices (_arrays.c_copy, backend/_numba_layout.py) and a
leaf's gradient summed from many parts (x.unbind(1), x.split(k, 1)) without densifying each part. Each is held to
numpy / torch values, with the numba kernels on and off."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad._arrays import c_copy, contiguous

from helpers import compare, rand


@pytest.mark.parametrize("shape", [(256, 256), (300, 257), (3, 130, 520), (2, 2, 64, 1024), (1, 65536)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.float16, np.bool_])
def test_c_copy_of_swapped_last_axes(shape, dtype, kernels):
    """Big enough for the blocked kernel (>= 2**16 elements) at every shape, ragged block edges included; float16
    and bool take numpy's copy. The result is a new C-contiguous array equal to the view."""
    base = rand(shape, 3, dtype=dtype, low=-50, high=50)
    view = base.swapaxes(-1, -2)
    out = c_copy(view)
    assert out.flags.c_contiguous and out.dtype == view.dtype and out.shape == view.shape
    assert not np.shares_memory(out, base)
    np.testing.assert_array_equal(out, view)
    np.testing.assert_array_equal(contiguous(view), view)


@pytest.mark.parametrize("make", [lambda a: a[:, ::2], lambda a: a.transpose(1, 0, 2), lambda a: a[::-1],
                                  lambda a: a])
def test_c_copy_of_other_layouts(make, kernels):
    """Other strides (and contiguous arrays, which c_copy still copies) take numpy's copy, with equal values."""
    base = rand((64, 64, 32), 4)
    view = make(base)
    out = c_copy(view)
    assert out.flags.c_contiguous and not np.shares_memory(out, base)
    np.testing.assert_array_equal(out, view)


def test_transposed_views_through_ops(kernels):
    """x.t() into a fused kernel (GELU), into .contiguous(), and a transposed gradient stored as a leaf's .grad:
    values and gradients against torch."""
    x = rand((512, 384), 5)
    compare(lambda lib, a: lib.nn.functional.gelu(a.t()), [x])
    compare(lambda lib, a: a.t().contiguous() * 2, [x])
    compare(lambda lib, a: a.t().exp(), [x])


@pytest.mark.parametrize("parts", ["unbind", "split", "mixed"])
def test_leaf_gradient_summed_from_parts(parts):
    """Each part sends a gradient that is zero outside its slice; the leaf's gradient is their sum, with parts
    used twice, a part and the whole tensor at once, and weights per part so a misplaced slice shows."""
    x = rand((70, 24), 6)

    def fn(lib, a):
        if parts == "unbind":
            cols = a.unbind(1)
            return lib.stack([c * float(i + 1) for i, c in enumerate(cols)] + [cols[3] * cols[3]], 1)
        if parts == "split":
            return lib.cat([s * float(i + 2) for i, s in enumerate(a.split(5, 1))] + [a[:, 2:4]], 1)
        return lib.cat([a[:, :6] * 3.0, a[:, 3:9], a * 0.5], 1)
    compare(fn, [x])


def test_leaf_parts_with_hooks_and_autograd_grad():
    """The summed parts reach a leaf's hooks and autograd.grad as one dense gradient, as in torch."""
    x = rand((40, 8), 7)
    got = {}
    for lib in (tg, torch):
        a = lib.tensor(x, requires_grad=True)
        seen = []
        a.register_hook(lambda g: seen.append(g.clone()) or g * 2)
        y = lib.stack([c * float(i) for i, c in enumerate(a.unbind(1))], 1).sum()
        (ga,) = lib.autograd.grad(y, [a], retain_graph=True)
        y.backward()
        got[lib.__name__] = (np.asarray(seen[0].detach().numpy()), ga.detach().numpy(), a.grad.numpy())
    for mine, theirs in zip(got["teenygrad"], got["torch"]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("view", [lambda x: x.transpose(0, 2), lambda x: x.permute(2, 0, 1), lambda x: x[:, ::2],
                                  lambda x: x, lambda x: x[:, :1].transpose(1, 2)])
@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "empty_like", "full_like"])
def test_like_keeps_a_dense_layout(view, fn):
    """torch's preserve_format: a dense block in another order (a transpose, a permute) keeps its strides; a strided
    slice gets C order. Strides of size-1 dims are free, so they are not compared. Values, dtype, requires_grad."""
    a = rand((3, 4, 5), 9)
    args = (2.5,) if fn == "full_like" else ()
    got, want = (getattr(m, fn)(view(m.tensor(a)), *args, requires_grad=True) for m in (tg, torch))

    def strides(shape, st):
        return tuple(s for n, s in zip(shape, st) if n != 1)
    assert strides(got.shape, [s // 4 for s in got._data.strides]) == strides(want.shape, want.stride())
    assert got.is_leaf and got.requires_grad and got.dtype == tg.float32
    if fn != "empty_like":
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
