"""The BLAS paths of the matmul family against torch: einsum as (batched) GEMMs (diagonals, sums of one operand,
broadcast size-1 letters, 3+ operands contracted pairwise), float16 GEMMs accumulated in float32, cdist's GEMM form
for p = 2 (torch's compute_mode rule and its zero-distance gradient), matrix-vector gradients as outer products."""
import numpy as np
import pytest

import teenygrad as tg
from helpers import compare, raises_like_torch, rand
from teenygrad.autograd import gradcheck, gradgradcheck
from teenygrad.ops import matmul as MM

HALF = dict(atol=2e-2, rtol=1e-2)  # float16: torch's and our float32 sums may round 1 ulp apart

SIZE = dict(zip("abdehijklnoqABC", [5, 6, 7, 8, 4, 9, 10, 11, 12, 6, 7, 13, 5, 3, 4]))  # big enough for the GEMM path


def _shapes(spec):
    """Operand shapes for an einsum spec from SIZE ('...' is (B, C) = (3, 4))."""
    return [tuple(SIZE[c] for c in sub) for sub in spec.split("->")[0].replace("...", "BC").split(",")]


EINSUMS = ["bhqd,bhkd->bhqk", "bij,bjk->bik", "bnd,de->bne", "ij,jk->ki", "ij,ij->i", "i,j->ij", "i,i->", "ii,i->i",
           "iij,jk->ik", "ij,jk->", "ijk,jil->kl", "ijk,ikj->i", "bij,bjk->kib", "ijk,kl->jl", "ij,jk,kl->il",
           "ab,bi,ij,jk->ak", "...i,oij,...j->...o"]


@pytest.mark.parametrize("spec", EINSUMS)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_einsum_gemm_paths(spec, layout):
    compare(lambda lib, *xs: lib.einsum(spec, *xs), [rand(s, i) for i, s in enumerate(_shapes(spec))],
            layout=layout)


def test_einsum_broadcast_size_1_letter():
    compare(lambda lib, a, b: lib.einsum("bij,bjk->bik", a, b), [rand((1, 9, 10)), rand((5, 10, 11))])


@pytest.mark.parametrize("spec", EINSUMS + ["ii,ij,jk->k"])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_einsum_contractions_match_numpy(spec, dtype):
    """The contraction itself (forward and the gradients' einsums use it) against np.einsum, exactly for ints."""
    ins, out = spec.replace("...", "BC").split("->")
    xs = [rand(s, i, dtype, -5, 5) for i, s in enumerate(_shapes(spec))]
    got, want = MM._einsum(ins.split(","), out, xs), np.einsum(spec.replace("...", "BC"), *xs)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("spec, shapes", [("bij,bjk->bik", [(3, 4, 5), (3, 5, 2)]), ("ij,ij->i", [(3, 4), (3, 4)]),
                                          ("ii,ij,jk->k", [(3, 3), (3, 4), (4, 2)])])
def test_einsum_integers(spec, shapes):
    compare(lambda lib, *xs: lib.einsum(spec, *xs), [rand(s, i, np.int64, -5, 5) for i, s in enumerate(shapes)])


def test_einsum_float16_in_float32():
    xs = [rand((3, 40, 20), 1, np.float16), rand((3, 20, 30), 2, np.float16)]
    compare(lambda lib, a, b: lib.einsum("bij,bjk->bik", a, b), xs, fwd=HALF, bwd=HALF)


@pytest.mark.parametrize("layout", ["contig", "T"])
def test_bilinear(layout):
    compare(lambda lib, a, b, w, c: lib.nn.functional.bilinear(a, b, w, c),
            [rand((7, 4), 1), rand((7, 5), 2), rand((3, 4, 5), 3), rand((3,), 4)], layout=layout)


@pytest.mark.parametrize("spec, shapes", [("iij,ojk,ik->io", [(3, 3, 4), (2, 4, 5), (3, 5)]),
                                          ("bij,bjk->bik", [(1, 3, 4), (2, 4, 5)])])
def test_einsum_gradcheck(spec, shapes):
    xs = [tg.tensor(np.random.default_rng(i).standard_normal(s)).requires_grad_() for i, s in enumerate(shapes)]
    fn = lambda *ts: tg.einsum(spec, *ts)  # noqa: E731
    assert gradcheck(fn, xs) and gradgradcheck(fn, xs)


@pytest.mark.parametrize("shapes", [[(64, 48), (48, 32)], [(4, 16, 24), (4, 24, 8)], [(2, 1, 16, 8), (3, 8, 5)],
                                    [(48,), (48, 16)], [(16, 48), (48,)]])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_matmul_float16_accumulates_in_float32(shapes, layout):
    out, _ = compare(lambda lib, a, b: a @ b, [rand(s, i, np.float16) for i, s in enumerate(shapes)], layout=layout,
                     fwd=HALF, bwd=HALF)
    assert out[0].dtype == tg.float16


@pytest.mark.parametrize("xshape", [(64, 48), (3, 20, 48)])
def test_linear_float16_accumulates_in_float32(xshape):
    out, _ = compare(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b),
                     [rand(xshape, 1, np.float16), rand((32, 48), 2, np.float16), rand((32,), 3, np.float16)],
                     fwd=HALF, bwd=HALF)
    assert out[0].dtype == tg.float16


@pytest.mark.parametrize("layout", ["contig", "T"])
@pytest.mark.parametrize("shapes", [[(64, 32), (32,)], [(32,), (32, 64)]])
def test_matrix_vector_gradients(shapes, layout):
    compare(lambda lib, a, b: a @ b, [rand(s, i) for i, s in enumerate(shapes)], layout=layout)


CDISTS = [[(40, 5), (30, 5)], [(2, 40, 5), (2, 7, 5)], [(1, 40, 5), (3, 30, 5)], [(3, 40, 5), (30, 5)],
          [(0, 5), (30, 5)], [(40, 0), (30, 0)]]


def _points(shape, seed):
    """Small integers: the GEMM form's sums are exact, so equal points are exactly 0 apart on both sides."""
    return np.random.default_rng(seed).integers(-3, 4, shape).astype(np.float32)


@pytest.mark.parametrize("shapes", CDISTS)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_cdist_gemm_path(shapes, layout):
    a, b = _points(shapes[0], 1), _points(shapes[1], 2)
    if a.size and b.size:
        b[..., 0, :] = a[..., 0, :] if a.ndim == b.ndim else a[0, 0]  # zero distances: their gradient is 0
    out, _ = compare(lambda lib, x, y: lib.cdist(x, y), [a, b], layout=layout)
    assert type(out[0]._ctx).__name__ == "EuclidDist"


def test_cdist_random_points():
    compare(lambda lib, x, y: lib.cdist(x, y), [rand((50, 8), 1), rand((2, 30, 8), 2)])


@pytest.mark.parametrize("rows, mode, mm", [(40, "use_mm_for_euclid_dist_if_necessary", True),
                                            (20, "use_mm_for_euclid_dist_if_necessary", False),
                                            (20, "use_mm_for_euclid_dist", True),
                                            (40, "donot_use_mm_for_euclid_dist", False)])
def test_cdist_compute_mode(rows, mode, mm):
    a, b = _points((rows, 3), 1), _points((rows - 3, 3), 2)
    out, _ = compare(lambda lib, x, y: lib.cdist(x, y, compute_mode=mode), [a, b])
    assert (type(out[0]._ctx).__name__ == "EuclidDist") == mm


@pytest.mark.parametrize("mode", ["fast", None])
def test_cdist_bad_compute_mode(mode):
    raises_like_torch(lambda lib: lib.cdist(lib.ones(3, 2), lib.ones(4, 2), compute_mode=mode), ValueError,
                      f"{mode} is not a valid value for compute_mode")


def test_cdist_default_mode():
    x = tg.tensor(_points((40, 3), 1), requires_grad=True)
    assert type(tg.cdist(x, tg.tensor(_points((20, 3), 2)))._ctx).__name__ == "EuclidDist"
    assert type(tg.cdist(x[:20], tg.tensor(_points((20, 3), 2)))._ctx).__name__ != "EuclidDist"


def test_cdist_gemm_gradcheck():
    rng = np.random.default_rng(3)
    xs = [tg.tensor(rng.standard_normal(s)).requires_grad_() for s in [(30, 4), (2, 6, 4)]]
    assert gradcheck(tg.cdist, xs) and gradgradcheck(tg.cdist, xs)
