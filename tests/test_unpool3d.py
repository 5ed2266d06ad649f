"""max_pool3d_with_indices, max_unpool3d and nn.MaxUnpool3d against torch: forward and backward (windows that never
overlap: a max that two windows share is unpooled twice, and which write torch keeps is unspecified), a float64
finite-difference gradcheck, and the errors bad arguments raise."""
import numpy as np
import pytest
import torch

import teenygrad as tg
import teenygrad.nn as nn
import teenygrad.nn.functional as F
from teenygrad.autograd import gradcheck
from helpers import compare, gc_input, rand, raises_like_torch

TOL = {np.float32: dict(fwd=dict(atol=1e-6, rtol=1e-5), bwd=dict(atol=1e-5, rtol=1e-4)),
       np.float64: dict(fwd=dict(atol=1e-12, rtol=1e-12), bwd=dict(atol=1e-12, rtol=1e-12))}
DTYPES = [np.float32, np.float64]

UNPOOL3D = [  # input shape, pool keywords, output_size for unpool
    ((2, 3, 4, 4, 4), dict(kernel_size=2), None),
    ((1, 2, 6, 4, 9), dict(kernel_size=(3, 2, 3), stride=(3, 2, 3)), (6, 4, 9)),
    ((2, 2, 5, 6, 7), dict(kernel_size=2, stride=2, padding=1), (5, 6, 7)),
    ((3, 5, 4, 6), dict(kernel_size=(2, 2, 3), stride=(3, 2, 3)), None),             # unbatched, gaps
    ((1, 2, 5, 5, 5), dict(kernel_size=2), (1, 2, 5, 5, 5)),                         # odd size recovered, (N, C, ...)
]


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,kw,size", UNPOOL3D)
def test_max_pool3d_with_indices_and_unpool_match_torch(shape, kw, size, dtype, layout):
    def pool(lib, x):
        return lib.nn.functional.max_pool3d_with_indices(x, **kw)

    def roundtrip(lib, x, y):
        v, i = pool(lib, x)
        return lib.nn.functional.max_unpool3d(v * y, i, output_size=size, **kw), i

    x = rand(shape, 1, dtype)
    compare(pool, [x], layout=layout, **TOL[dtype])
    y = rand(pool(torch, torch.from_numpy(x))[0].shape, 2, dtype)
    out, _ = compare(roundtrip, [x, y], layout=layout, **TOL[dtype])
    assert out[0].dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_unpool3d_module_of_given_values_and_indices(dtype):
    # indices not from a pooling (a permutation of the 4x4x6 output), a value that needs grad
    idx = np.stack([np.random.default_rng(s).permutation(96)[:12] for s in range(6)]).reshape(2, 3, 2, 2, 3)
    m, tm = nn.MaxUnpool3d((2, 2, 3), stride=2), torch.nn.MaxUnpool3d((2, 2, 3), stride=2)
    assert repr(m) == repr(tm) and repr(nn.MaxUnpool3d(2)) == repr(torch.nn.MaxUnpool3d(2))
    compare(lambda lib, x, i: (m if lib is tg else tm)(x, i, output_size=(4, 4, 6)),
            [rand((2, 3, 2, 2, 3), 3, dtype), idx], **TOL[dtype])
    compare(lambda lib, x, i: (m if lib is tg else tm)(x, i), [rand((2, 3, 2, 2, 3), 4, dtype), idx % 75],
            **TOL[dtype])  # default output (3, 3, 5): indices below 75


def test_max_unpool3d_gradcheck():
    assert gradcheck(lambda a: F.max_unpool3d(*F.max_pool3d_with_indices(a, 2), 2), [gc_input((1, 2, 4, 4, 6), 1)])
    assert gradcheck(lambda b: F.max_unpool3d(*F.max_pool3d_with_indices(b, 3, 3, 1), 3, 3, 1,
                                              output_size=(3, 6, 5)), [gc_input((2, 3, 6, 5), 2)])


def test_max_unpool3d_errors():
    def unpool(fix, **kw):
        def fn(lib):
            x = lib.tensor(rand((1, 2, 4, 4, 4), 1))
            v, i = lib.nn.functional.max_pool3d(x, 2, return_indices=True)
            v, i = fix(lib, v, i)
            return lib.nn.functional.max_unpool3d(v, i, 2, **kw)
        return fn
    raises_like_torch(unpool(lambda lib, v, i: (v, i.int())), RuntimeError,
                      "max_unpool3d: elements in indices should be type int64 but got int32")
    raises_like_torch(unpool(lambda lib, v, i: (v, i[:, :1])), RuntimeError,
                      r"indices of the input's shape \(1, 2, 2, 2, 2\) but got indices of shape \(1, 1, 2, 2, 2\)")
    raises_like_torch(unpool(lambda lib, v, i: (v, lib.where(i == i.max(), 999, i))), RuntimeError,
                      r"Found an invalid max index: 999 \(output volumes are of size 4x4x4\)")
    raises_like_torch(unpool(lambda lib, v, i: (v, i), output_size=(9, 9, 9)), ValueError,
                      r'invalid output_size "\(9, 9, 9\)" \(dim 0 must be between 2 and 6\)')
    raises_like_torch(unpool(lambda lib, v, i: (v, i), output_size=(2, 6, 4)), ValueError,
                      r"dim 0 must be between 2 and 6")  # the bounds are open
    raises_like_torch(unpool(lambda lib, v, i: (v, i), output_size=(4, 4)), ValueError,
                      "output_size should be a sequence containing 3 or 5 elements, but it has a length of '2'")
    raises_like_torch(unpool(lambda lib, v, i: (v[0, 0], i[0, 0])), RuntimeError,
                      r"max_unpool3d: expected a 4-D or 5-D \(batched\) input .* got shape \(2, 2, 2\)")


def test_new_names_are_exported_where_torch_exports_them():
    for n in ("max_pool3d_with_indices", "max_unpool3d"):
        assert hasattr(torch.nn.functional, n) and callable(getattr(F, n))
    assert hasattr(torch.nn, "MaxUnpool3d") and "MaxUnpool3d" in dir(nn)
