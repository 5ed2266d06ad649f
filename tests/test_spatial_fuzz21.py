"""Random calls of the spatial functions of nn.functional (max / avg / lp / adaptive / fractional pooling, max_unpool,
interpolate in every mode with size or scale_factor, align_corners, recompute_scale_factor and antialias, pad in all
four modes with negative pads, fold / unfold, pixel_(un)shuffle, channel_shuffle, local_response_norm) on random
shapes (size-1 dims, empty batches, unbatched inputs), float32 and float64, contiguous, permuted or strided-sliced,
compared with torch: output values, shapes, dtypes, returned indices and the input gradient for a random upstream
gradient (twenty-first landing).

torch quirks the generator steps around: max pooling windows that lie wholly in the padding (torch returns -inf with
an index outside the input and its backward writes out of bounds); antialiased resizing to an output dim of size 1
(torch gives every output row the same value); the backward of 1-d / 3-d 'nearest' with a non-recomputed
scale_factor (it disagrees with torch's own forward; the forward is still compared); circular padding wider than what
is left after a negative pad crops (torch reads overlapping memory, or refuses); fractional_max_pool3d's size check,
stricter by one than fractional_max_pool2d's; local_response_norm on a non-contiguous 5-D input (torch's view fails).

What the sweep found, each pinned by a direct case below: reflect padding refused negative pads that crop a dim away
entirely (torch allows one padded dim to end up empty, as for replicate); reflect and replicate padding computed on an
input with an empty channel or spatial dim, where torch refuses (only a batch dim may be empty), and replicate leaked
an index_select error for an empty padded dim; avg_pool1d/2d/3d (and so lp_pool) refused int64, which torch pools
(sums divided, truncated toward zero); interpolate's nearest modes refused uint8 images; pixel_shuffle /
pixel_unshuffle with a factor of 1, channel_shuffle where the shuffle is trivial and unfold with a 1x1 kernel returned
a view of their input (torch returns a new tensor, so writing into the output wrote into the input)."""
import random

import numpy as np
import pytest
import torch

import teenygrad as tg

TOL = {np.float32: 1e-3, np.float64: 1e-7}


def _shape(r, nd, batch=True):
    space = [r.choice([1, 2, 3, 4, 5, 6, 7]) for _ in range(nd)]
    n = (r.choice([0, 1, 2]) if r.random() < 0.15 else r.choice([1, 2]),) if batch else ()
    return [*n, r.choice([1, 2, 3])] + space


def _layout(r, shape):
    """(stored shape, permutation, slice): the stored array, permuted then sliced, has the logical shape."""
    k, nd = r.random(), len(shape)
    if k < 0.3:
        perm = list(range(nd))
        r.shuffle(perm)
        return [shape[i] for i in perm], tuple(int(i) for i in np.argsort(perm)), None
    if k < 0.5:
        d = r.randrange(nd)
        store = [s * 2 if i == d else s for i, s in enumerate(shape)]
        return store, None, tuple(slice(None, None, 2) if i == d else slice(None) for i in range(nd))
    return list(shape), None, None


def _empty_window(space, k, s, p, d, ceil):
    """Whether some max pooling window lies wholly in the padding (or no window fits)."""
    for n, kk, ss, pp, dd in zip(space, k, s, p, d):
        num = n + 2 * pp - dd * (kk - 1) - 1
        if num < 0:
            return True
        o = (-(-num // ss) if ceil else num // ss) + 1
        if ceil and (o - 1) * ss >= n + pp:
            o -= 1
        if any(not any(0 <= i * ss - pp + j * dd < n for j in range(kk)) for i in range(o)):
            return True
    return False


def _pool(r):
    nd = r.choice([1, 2, 3])
    shape, kind = _shape(r, nd, r.random() < 0.85), r.choice(["max", "avg", "lp"])
    k = tuple(r.randint(1, 4) for _ in range(nd))
    s = tuple(r.randint(1, 3) for _ in range(nd)) if r.random() < 0.7 else None
    p = tuple(r.randint(0, kk // 2) for kk in k)
    d = tuple(r.randint(1, 2) for _ in range(nd))
    ceil, scalar = r.random() < 0.5, r.random() < 0.3 and nd > 1 and kind != "lp"
    if scalar:
        k, p = (k[0],) * nd, (p[0],) * nd
    if kind == "max":
        if _empty_window(shape[-nd:], k, s or k, p, d, ceil):
            return None
        kw = dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil, return_indices=r.random() < 0.5)
    elif kind == "avg":
        kw = dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=r.random() < 0.5)
        if nd > 1 and r.random() < 0.3:
            kw["divisor_override"] = r.randint(1, 5)
    else:
        kw = dict(norm_type=r.choice([1, 2, 3, 1.5]), kernel_size=k, stride=s, ceil_mode=ceil)
        if nd == 1:
            kw.update(kernel_size=k[0], stride=s and s[0])
    if scalar:
        kw.update(kernel_size=k[0], padding=p[0])
    return f"{kind}_pool{nd}d", kw, shape


def _adaptive(r):
    nd = r.choice([1, 2, 3])
    shape, kind = _shape(r, nd, r.random() < 0.85), r.choice(["max", "avg"])
    out = [r.randint(1, 8) for _ in range(nd)]
    if nd > 1 and r.random() < 0.3:
        out[r.randrange(nd)] = None
    kw = dict(output_size=tuple(out) if nd > 1 else out[0])
    if kind == "max" and r.random() < 0.5:
        kw["return_indices"] = True
    return f"adaptive_{kind}_pool{nd}d", kw, shape


def _interpolate(r):
    mode = r.choice(["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area", "bilinear",
                     "bicubic"])
    nd = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}.get(mode, r.choice([1, 2, 3]))
    shape, kw = _shape(r, nd), dict(mode=mode)
    if r.random() < 0.5:
        kw["size"] = tuple(r.randint(1, 9) for _ in range(nd)) if r.random() < 0.8 else r.randint(1, 9)
        sizes = kw["size"] if isinstance(kw["size"], tuple) else (kw["size"],) * nd
    else:
        sf = tuple(r.choice([0.5, 0.7, 1.0, 1.5, 2.0, 2.3, 3.0]) for _ in range(nd))
        kw["scale_factor"] = sf if r.random() < 0.7 else sf[0]
        if r.random() < 0.5:
            kw["recompute_scale_factor"] = r.choice([True, False])
        sizes = tuple(int(n * f) for n, f in zip(shape[2:], sf if isinstance(kw["scale_factor"], tuple) else
                                                  (sf[0],) * nd))
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        kw["align_corners"] = r.choice([True, False])
        if mode in ("bilinear", "bicubic") and r.random() < 0.4:
            if 1 in sizes:
                return None
            kw["antialias"] = True
    return "interpolate", kw, shape


def _pad(r):
    nd, mode = r.choice([1, 2, 3]), r.choice(["constant", "reflect", "replicate", "circular"])
    shape, pads = _shape(r, nd, r.random() < 0.8), []
    for i in range(nd):
        n = shape[-1 - i]
        lo, hi = r.randint(-min(n - 1, 2), 3), r.randint(-min(n - 1, 2), 3)
        if mode == "circular" and max(lo, hi) > n + min(lo, 0) + min(hi, 0):
            return None
        pads += [lo, hi]
    if mode == "constant" and r.random() < 0.3:
        pads = pads[:2 * r.randint(1, nd)]
    kw = dict(pad=tuple(pads), mode=mode)
    if mode == "constant" and r.random() < 0.5:
        kw["value"] = 1.5
    return "pad", kw, shape


def _misc(r):
    k = r.choice(["unfold", "fold", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "lrn"])
    b = [r.choice([1, 2])] if r.random() < 0.8 else []
    if k == "unfold":
        return "unfold", dict(kernel_size=(r.randint(1, 3), r.randint(1, 3)), dilation=r.randint(1, 2),
                              padding=r.randint(0, 2), stride=(r.randint(1, 3), r.randint(1, 2))), _shape(r, 2, bool(b))
    if k == "fold":
        kh, kw, d, p, s = r.randint(1, 3), r.randint(1, 3), r.randint(1, 2), r.randint(0, 1), r.randint(1, 2)
        h, w = r.randint(kh * d, 7), r.randint(kw * d, 7)
        n = ((h + 2 * p - d * (kh - 1) - 1) // s + 1) * ((w + 2 * p - d * (kw - 1) - 1) // s + 1)
        return "fold", dict(output_size=(h, w), kernel_size=(kh, kw), dilation=d, padding=p, stride=s), \
            b + [r.randint(1, 2) * kh * kw, n]
    extra = [2] if r.random() < 0.3 else []
    if k == "pixel_shuffle":
        f = r.randint(1, 3)
        return k, dict(upscale_factor=f), extra + [r.choice([1, 2]), r.randint(1, 2) * f * f, r.randint(1, 3),
                                                   r.randint(1, 3)]
    if k == "pixel_unshuffle":
        f = r.randint(1, 3)
        return k, dict(downscale_factor=f), extra + [r.choice([1, 2]), r.randint(1, 3), f * r.randint(1, 3),
                                                     f * r.randint(1, 3)]
    if k == "channel_shuffle":
        g = r.randint(1, 3)
        return k, dict(groups=g), [r.choice([1, 2]), g * r.randint(1, 3)] + [r.randint(1, 3)
                                                                            for _ in range(r.randint(1, 3))]
    shape = _shape(r, r.choice([1, 2, 3]))
    shape[1] = r.randint(1, 6)
    return "local_response_norm", dict(size=r.randint(1, 5), alpha=r.choice([1e-4, 0.5, 1.0]),
                                       beta=r.choice([0.75, 0.5]), k=r.choice([1.0, 2.0])), shape


def _fractional(r):
    nd = r.choice([2, 3])
    shape = _shape(r, nd, r.random() < 0.85)
    space = [max(n, 2) for n in shape[-nd:]]
    shape[-nd:] = space
    k = tuple(r.randint(1, min(3, n)) for n in space)
    if r.random() < 0.5:
        out = tuple(r.randint(1, n - kk + 1) for n, kk in zip(space, k))
        kw = dict(kernel_size=k, output_size=out)
    else:
        kw = dict(kernel_size=k, output_ratio=tuple(r.choice([0.5, 0.6, 0.75, 0.9]) for _ in range(nd)))
        out = tuple(int(n * q) for n, q in zip(space, kw["output_ratio"]))
        if min(out) < 1 or any(o + kk - 1 > n for o, kk, n in zip(out, k, space)):
            return None
    if nd == 3 and any(o + kk - 1 >= n for o, kk, n in zip(out, k, space)):  # torch's 3-d check is stricter
        return None
    kw["return_indices"] = r.random() < 0.5
    samples = np.random.default_rng(r.randrange(10 ** 6)).random((shape[0] if len(shape) == nd + 2 else 1,
                                                                  shape[-nd - 1], nd))
    return f"fractional_max_pool{nd}d", kw, shape, samples


def _unpool(r):
    nd = r.choice([1, 2, 3])
    shape = _shape(r, nd, r.random() < 0.85)
    k, s = tuple(r.randint(1, 3) for _ in range(nd)), tuple(r.randint(1, 3) for _ in range(nd))
    if any(n < kk for n, kk in zip(shape[-nd:], k)):
        return None
    size = None
    if r.random() < 0.5:
        size = [((n - kk) // ss) * ss + kk + r.randint(0, ss - 1) for n, kk, ss in zip(shape[-nd:], k, s)]
        if r.random() < 0.3:
            size = list(shape[:-nd]) + size
    return f"max_unpool{nd}d", dict(kernel_size=k, stride=s, output_size=size), shape


GENERATORS = [_pool, _adaptive, _interpolate, _pad, _misc, _fractional, _unpool]


def _call(name, kw, extra):
    if name.startswith("fractional"):
        def f(L, x):
            samples = L.tensor(extra.astype(np.float64 if x.dtype == L.float64 else np.float32))
            return getattr(L.nn.functional, name)(x, _random_samples=samples, **kw)
        return f
    if name.startswith("max_unpool"):
        def f(L, x):
            y, i = getattr(L.nn.functional, f"max_pool{name[-2]}d")(x, kw["kernel_size"], kw["stride"],
                                                                    return_indices=True)
            return getattr(L.nn.functional, name)(y, i, **kw)
        return f
    return lambda L, x: getattr(L.nn.functional, name)(x, **kw)


def _run(L, fn, arr, perm, sl, upstream_seed):
    x = L.tensor(arr)
    if perm is not None:
        x = x.permute(*perm)
    if sl is not None:
        x = x[sl]
    x = x.detach().requires_grad_(True)
    outs = fn(L, x)
    outs = outs if isinstance(outs, tuple) else (outs,)
    grad = None
    if outs[0].numel():
        up = np.random.default_rng(upstream_seed).standard_normal(tuple(outs[0].shape)).astype(arr.dtype)
        (outs[0] * L.tensor(up)).sum().backward()
        grad = x.grad
    return outs, grad


def _check(seed):
    r = random.Random(seed)
    case = GENERATORS[seed % len(GENERATORS)](r)
    if case is None:
        return
    name, kw, shape = case[:3]
    dtype = np.float64 if r.random() < 0.5 else np.float32
    store, perm, sl = _layout(r, shape)
    if name == "local_response_norm" and len(shape) == 5 and (perm or sl):
        return
    fn, where = _call(name, kw, case[3] if len(case) > 3 else None), f"seed {seed}: {name}({kw}) on {shape}"
    arr = np.random.default_rng(seed).standard_normal(store).astype(dtype)
    try:
        want, want_grad = _run(torch, fn, arr, perm, sl, seed + 7)
    except (RuntimeError, ValueError):
        with pytest.raises((RuntimeError, ValueError, NotImplementedError)):
            _run(tg, fn, arr, perm, sl, seed + 7)
        return
    got, got_grad = _run(tg, fn, arr, perm, sl, seed + 7)
    tol = TOL[dtype]
    assert len(got) == len(want), where
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape), where
        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1], where
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=tol, atol=tol, err_msg=where)
    nearest_scaled = (name == "interpolate" and kw["mode"] == "nearest" and "scale_factor" in kw
                      and len(shape) != 4 and not kw.get("recompute_scale_factor"))
    if want_grad is not None and not nearest_scaled:
        np.testing.assert_allclose(got_grad.numpy(), want_grad.numpy(), rtol=tol, atol=tol, equal_nan=True,
                                   err_msg=where)


@pytest.mark.parametrize("chunk", range(10))
def test_fuzz(chunk):
    for seed in range(chunk * 70, chunk * 70 + 70):
        _check(seed)


def _pad_both(shape, pad, mode):
    x = np.random.default_rng(0).standard_normal(shape)
    res = []
    for L in (torch, tg):
        t = L.tensor(x, requires_grad=True)
        y = L.nn.functional.pad(t, pad, mode=mode)
        (y * L.tensor(np.arange(1.0, y.numel() + 1).reshape(tuple(y.shape)))).sum().backward()
        res.append((y, t.grad))
    return res


@pytest.mark.parametrize("shape, pad", [((1, 1, 3, 2), (-1, -1, 0, 0)), ((1, 1, 2, 7), (0, -1, -1, -1)),
                                        ((1, 1, 4, 2, 7), (0, -1, -1, -1, 1, 3)), ((1, 1, 3, 2, 2), (0, 0, -1, -1, -1, -1))])
def test_reflect_pad_may_crop_one_dim_away(shape, pad):
    (want, _), (got, grad) = _pad_both(shape, pad, "reflect")  # torch's gradient here is uninitialised memory
    assert tuple(got.shape) == tuple(want.shape)
    assert grad.shape == shape and not grad.numpy().any()


@pytest.mark.parametrize("shape, pad", [((1, 1, 2), (-1, -1)), ((1, 1, 2, 2), (-1, -1, -1, -1))])
def test_reflect_pad_refuses_all_dims_empty(shape, pad):
    with pytest.raises(RuntimeError):
        torch.nn.functional.pad(torch.zeros(shape), pad, mode="reflect")
    with pytest.raises(RuntimeError, match="pad: reflect padding"):
        tg.nn.functional.pad(tg.zeros(shape), pad, mode="reflect")


def test_reflect_pad_negative_matches_torch():
    for shape, pad in [((2, 3, 5), (-1, -1)), ((1, 2, 4, 5), (-2, 1, 2, -1)), ((1, 1, 3, 4, 5), (-1, 2, -2, 1, 0, -1))]:
        (want, want_grad), (got, grad) = _pad_both(shape, pad, "reflect")
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy())
        np.testing.assert_allclose(grad.numpy(), want_grad.numpy())


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("shape, pad", [((2, 0, 3), (1, 1)), ((2, 3, 0), (1, 1)), ((0, 3), (1, 1)),
                                        ((2, 0, 3, 3), (1, 1, 1, 1)), ((2, 2, 0, 3), (1, 1, 0, 0)),
                                        ((2, 0, 2, 3, 3), (1, 1, 1, 1, 1, 1))])
def test_reflect_replicate_pad_refuse_empty_non_batch_dims(mode, shape, pad):
    with pytest.raises(RuntimeError):
        torch.nn.functional.pad(torch.zeros(shape), pad, mode=mode)
    with pytest.raises(RuntimeError, match=f"pad: {mode} padding"):
        tg.nn.functional.pad(tg.zeros(shape), pad, mode=mode)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_empty_batch_still_computes(mode):
    for shape, pad in [((0, 2, 3), (1, 1)), ((0, 2, 3, 3), (1, 1, 1, 1))]:
        want = torch.nn.functional.pad(torch.zeros(shape), pad, mode=mode)
        assert tuple(tg.nn.functional.pad(tg.zeros(shape), pad, mode=mode).shape) == tuple(want.shape)


@pytest.mark.parametrize("fn", [
    lambda F, x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda F, x: F.lp_pool2d(x.abs() + 0.5, 2, 3, 2, ceil_mode=True),
    lambda F, x: F.adaptive_avg_pool2d(x, (3, 4)),
    lambda F, x: F.adaptive_max_pool2d(x, (None, 4)),
    lambda F, x: F.interpolate(x, scale_factor=(1.5, 0.7), mode="bicubic"),
    lambda F, x: F.interpolate(x, size=(4, 3), mode="bilinear", antialias=True),
    lambda F, x: F.pad(x, (2, -1, -1, 2), mode="reflect"),
    lambda F, x: F.pad(x, (2, -1, -1, 2), mode="circular"),
])
def test_gradcheck(fn):
    x = tg.tensor(np.random.default_rng(3).standard_normal((1, 2, 5, 6)), requires_grad=True)
    assert tg.autograd.gradcheck(lambda t: fn(tg.nn.functional, t), (x,))


@pytest.mark.parametrize("fn, shape", [
    (lambda F, x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 3, 9)),
    (lambda F, x: F.avg_pool1d(x, 2), (3, 4, 5)),
    (lambda F, x: F.avg_pool2d(x, 3, 2, 1, divisor_override=4), (1, 2, 5, 6)),
    (lambda F, x: F.avg_pool2d(x, 3, 1, 1, count_include_pad=False), (1, 2, 5, 6)),
    (lambda F, x: F.avg_pool3d(x, 2, 1, 1, ceil_mode=True), (2, 3, 4, 5, 6)),
    (lambda F, x: F.lp_pool1d(x, 2, 3), (2, 3, 9)),
])
def test_avg_pool_int64_truncates_as_torch(fn, shape):
    a = np.random.default_rng(0).integers(-50, 50, shape)
    want, got = fn(torch.nn.functional, torch.tensor(a)), fn(tg.nn.functional, tg.tensor(a))
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("shape, kw", [((2, 3, 5), dict(scale_factor=2.3)), ((2, 3, 4, 5), dict(size=(3, 7))),
                                       ((1, 2, 3, 4, 5), dict(scale_factor=0.6, recompute_scale_factor=True))])
def test_interpolate_nearest_uint8(mode, shape, kw):
    a = np.random.default_rng(0).integers(0, 255, shape).astype(np.uint8)
    want = torch.nn.functional.interpolate(torch.tensor(a), mode=mode, **kw)
    got = tg.nn.functional.interpolate(tg.tensor(a), mode=mode, **kw)
    assert got.dtype == tg.uint8
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("fn", [
    lambda F, x: F.pixel_shuffle(x, 1), lambda F, x: F.pixel_unshuffle(x, 1), lambda F, x: F.channel_shuffle(x, 1),
    lambda F, x: F.channel_shuffle(x[:, :, :1, :1], 3), lambda F, x: F.pixel_shuffle(x[:, :1, :, :], 1),
    lambda F, x: F.unfold(x, 1), lambda F, x: F.unfold(x[0], (1, 1)),
])
def test_output_is_not_a_view_of_the_input(fn):
    """torch's shuffles and unfold return a new tensor: writing into the output leaves the input alone (a 1x1
    kernel, a factor of 1, or one group made them views of it)."""
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 6))
    for L in (torch, tg):
        x = L.tensor(a)
        y = fn(L.nn.functional, x)
        y.mul_(0)
        np.testing.assert_array_equal(x.numpy(), a, err_msg=L.__name__)
