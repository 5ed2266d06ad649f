"""numba kernels for ops/conv.py, ops/pool.py and ops/unfold.py beside the general ones in _numba_kernels.py:
shapes common enough to be worth a loop of their own. Imported by those ops only once teenygrad.backend.cpu.fused_for
has handed out the kernels (float32 numpy arrays, numba on); the general kernel and the numpy path stay, and the tests
run all of them.

maxpool2x2: 2x2 windows at stride 2 (MaxPool2d(2), LeNet's and most CNNs' pool). The general maxpool2d reads its
windows at a run-time stride and offset, which LLVM leaves scalar; here both are constants, so the loads
vectorise. LeNet's pools, (64, 6, 28, 28) and (64, 16, 10, 10): 1.13 -> 0.19 ms and 0.40 -> 0.06 ms (the same y
and arg, bit for bit).
maxpool2x2_backward: its adjoint, each dx element written once (no zeros first, no scattered +=), with arg kept
as int8: LeNet's pools 0.26 -> 0.13 ms and 0.09 -> 0.055 ms against the general maxpool2d_backward.
On a CPU without AVX-512 (the Zen 3 VM) both ran LeNet's short rows (14 and 5 windows) in the vector loop's scalar
tail, where each float select becomes a mispredicted branch: 1.12 / 0.36 ms forward and 0.94 / 0.26 ms backward. At
an even width they now run one loop over the whole array (_pairs_max, _spread_pairs): 0.27 / 0.08 ms forward and
0.20 / 0.10 ms backward there (medians of 7 rounds, old and new alternating); odd sizes keep the row loops.
weight_grad_dots, add_channel_bias: conv2d's weight gradient at few output channels and its bias add (ops/conv.py).
im2col2d_s1, col2im2d_s1: stride and dilation 1 (most convolutions), so every row is a contiguous run at a constant
offset. im2col 1.2-2.2x numpy's strided copy ((64, 6, 14, 14), 5x5: 0.52 -> 0.36 ms), col2im 2.3-5x the general
col2im2d ((64, 6, 5, 5, 10, 10): 0.85 -> 0.37 ms); im2col2d_s1_batch_inner writes the (C K, N, P) layout in which
ops/conv.py makes the weight gradient one GEMM. LeNet's training step, each switched back off in one process,
alternating with PyTorch (7 rounds): 4.89 ms with all, 6.05 with none, PyTorch 4.21 (1.18x against 1.48x);
`python bench/steps.py --realtime --reps 60 --only lenet` 1.42x -> 1.15-1.18x. Timings: 2 threads, SCHED_FIFO,
medians, the kernels alone unless said.
vol2col3d_s1, col2vol3d_s1: conv3d at stride and dilation 1, a few output rows of one image at a time (the whole
batch's im2col was 113 MB at (4, 16, 16, 32, 32), 3x3x3, and its col2im numpy slice-adds). That conv3d's forward +
backward 145 -> 54 ms, PyTorch 24, one thread (two: 105 -> 53, PyTorch 24 on a loaded host).
vol2col3d_s1 then indexes each chunk as one flat run per (c, kernel offset) rather than a 1-D view per row: the
kernel alone 6.5 -> 2.1 ms a pass at that shape, forward + backward (three passes) 133 -> 117 ms, PyTorch 56 (one
thread each, a heavily loaded host: /tmp/s11/h3/b3d.py, medians of 7 rounds alternating).
resample: interpolate's separable taps along one axis in one pass, and (fed the taps grouped by input row) its
backward as a gather instead of np.add.reduceat along a middle axis. Bilinear (16, 32, 64, 64) -> (100, 100),
align_corners, forward + backward 118 -> 32 ms, PyTorch 34, one thread (two: 114 -> 30, PyTorch 17). Those two:
the old path forced (fused_for -> None in the op's module) in the same process, alternating with it and PyTorch,
medians of 9 rounds on a shared 2-core host."""
import numba
import numpy as np

_exact_select = dict(error_model="numpy", cache=True, nogil=True)  # no fastmath: selects (NaN must win), adds
_jit = dict(fastmath=True, error_model="numpy", cache=True, nogil=True)
_jit_sums = dict(_jit, fastmath={"reassoc", "contract", "nsz", "arcp"})  # sums vectorise; NaN and inf still count


@numba.njit(**_exact_select)
def maxpool2x2(x, oh, ow):
    """y (n, c, oh, ow): the maximum of x[n, c, 2i:2i+2, 2j:2j+2]; arg: its offset in the window (row-major), the
    first maximum or the last NaN, as torch's loop and the general kernel pick them. An even width goes through
    _pairs_max (one loop over the whole array), an odd one row by row."""
    N, C, H, W = x.shape
    if W % 2:
        return _maxpool2x2_rows(x, oh, ow)
    y = np.empty((N, C, oh, ow), x.dtype)
    arg = np.empty((N, C, oh, ow), np.int8)  # 0..3: an eighth of int64's bytes to write and to read back
    flat = x.reshape(-1)
    n = (flat.size - W) // 2  # windows whose top-left corner is at 2k, the last row's included (their rows hold pairs)
    z, za = np.empty(flat.size // 2, x.dtype), np.empty(flat.size // 2, np.int8)
    _pairs_max(flat[:2 * n], flat[W:W + 2 * n], z[:n], za[:n])
    R, half = N * C, H * W // 2  # each output row is z's at the start of an even row of x: copied out
    for p in range(R):
        zp, zap, yp, ap = z[p * half:], za[p * half:], y[p // C, p % C], arg[p // C, p % C]
        for i in range(oh):
            for j in range(ow):
                yp[i, j] = zp[i * W + j]
            for j in range(ow):
                ap[i, j] = zap[i * W + j]
    return y, arg


@numba.njit(**_exact_select)
def _pairs_max(top, bottom, z, za):
    """z[k], za[k]: the 2x2 window (top[2k:2k+2], bottom[2k:2k+2])'s maximum and its offset, as maxpool2x2, for every k:
    one loop over the whole array (x at an even width, bottom = top W floats on), so it vectorises whatever the rows'
    length. Row by row, a LeNet row of 7 or 14 windows ran in the loop's scalar tail, where LLVM branches on each
    select (random data: mispredicted): on the Zen 3 VM (AVX2) LeNet's pools took 1.12 and 0.36 ms that way, 0.19-0.27
    and 0.08-0.13 this way (maxpool2x2 whole), the windows of the odd rows (z's other half, thrown away) computed too.
    A pair's winner first, then the bottom pair's against the top's: the same winner as the scan over the four."""
    for k in range(z.size):
        a, b = top[2 * k], top[2 * k + 1]
        take = (b > a) | (b != b)  # no branch: vectorises
        t, ta = (b, np.int8(1)) if take else (a, np.int8(0))
        c, d = bottom[2 * k], bottom[2 * k + 1]
        take = (d > c) | (d != d)
        u, ua = (d, np.int8(3)) if take else (c, np.int8(2))
        take = (u > t) | (u != u)
        z[k], za[k] = (u, ua) if take else (t, ta)


@numba.njit(**_exact_select)
def _maxpool2x2_rows(x, oh, ow):
    """maxpool2x2 a row of windows at a time (an odd width: a window's pairs are not at even offsets of the array)."""
    N, C = x.shape[0], x.shape[1]
    y = np.empty((N, C, oh, ow), x.dtype)
    arg = np.empty((N, C, oh, ow), np.int8)
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                top, bottom = x[n, c, 2 * i], x[n, c, 2 * i + 1]
                best_row, at_row = y[n, c, i], arg[n, c, i]
                for j in range(ow):
                    best, at = top[2 * j], 0
                    v = top[2 * j + 1]
                    take = (v > best) | (v != v)  # no branch: vectorises
                    best, at = (v, 1) if take else (best, at)
                    v = bottom[2 * j]
                    take = (v > best) | (v != v)
                    best, at = (v, 2) if take else (best, at)
                    v = bottom[2 * j + 1]
                    take = (v > best) | (v != v)
                    best, at = (v, 3) if take else (best, at)
                    best_row[j], at_row[j] = best, at
    return y, arg


@numba.njit(**_exact_select)
def maxpool2x2_backward(g, arg, h, w):
    """dx (n, c, h, w): g[n, c, i, j] at x[n, c, 2i + arg // 2, 2j + arg % 2], zeros elsewhere. At even h and w each
    window's gradient and offset are copied twice, for its top row and its bottom one (arg - 2 there), and one loop
    over all of dx selects (_spread_pairs); else row by row (_maxpool2x2_backward_rows), which zeroes the odd row
    and column the pool left out. LeNet's pools on the Zen 3 VM: 0.94 -> 0.20 ms and 0.26 -> 0.10 ms."""
    N, C, oh, ow = g.shape
    if h % 2 or w % 2:
        return _maxpool2x2_backward_rows(g, arg, h, w)
    R = N * C * oh
    g2, a2 = g.reshape(R, ow), arg.reshape(R, ow)
    ge, ae = np.empty((R, 2, ow), g.dtype), np.empty((R, 2, ow), np.int8)
    for r in range(R):
        for j in range(ow):
            ge[r, 0, j] = ge[r, 1, j] = g2[r, j]
        for j in range(ow):
            ae[r, 0, j] = a2[r, j]
            ae[r, 1, j] = a2[r, j] - 2
    dx = np.empty((N, C, h, w), g.dtype)
    _spread_pairs(ge.reshape(-1), ae.reshape(-1), dx.reshape(-1))
    return dx


@numba.njit(**_exact_select)
def _spread_pairs(ge, ae, dx):
    """dx[q] = ge[q // 2] where ae[q // 2] is q's column in its pair (0 or 1), else 0: over all of dx in one loop."""
    zero = np.float32(0)
    for q in range(dx.size):
        v, a = ge[q >> 1], ae[q >> 1]
        dx[q] = v if a == (q & 1) else zero


@numba.njit(**_exact_select)
def _maxpool2x2_backward_rows(g, arg, h, w):
    """maxpool2x2_backward row by row. Each dx row is written once, left to right, as a select of its window's
    gradient: the loads of g and arg repeat per pair, the stores are contiguous, so the loop vectorises (the
    interleaved form, four strided stores a window, stays scalar: 0.34 ms at LeNet's first pool, this 0.14)."""
    N, C, oh, ow = g.shape
    dx = np.empty((N, C, h, w), g.dtype)
    zero = np.float32(0)
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                top, bottom = dx[n, c, 2 * i], dx[n, c, 2 * i + 1]
                gr, ar = g[n, c, i], arg[n, c, i]
                # two loops, one a row, and loads made before the select (a load inside the conditional
                # expression, or one loop over both rows, stays scalar: 0.65 ms)
                for q in range(2 * ow):
                    j = q >> 1
                    v, a = gr[j], ar[j]
                    top[q] = v if a == (q & 1) else zero
                for q in range(2 * ow):
                    j = q >> 1
                    v, a = gr[j], ar[j]
                    bottom[q] = v if a == 2 + (q & 1) else zero
                for q in range(2 * ow, w):
                    top[q] = zero
                    bottom[q] = zero
            for r in range(2 * oh, h):
                dx[n, c, r] = zero
    return dx


@numba.njit(**_exact_select)
def im2col2d_s1(xpad, cols):
    """cols (n, c, kh, kw, oh, ow) = xpad[n, c, i + a, j + b]: the windows of the padded input at stride and
    dilation 1, written in cols' own order (numpy's strided copy of the same view is ~1.3x slower)."""
    N, C = xpad.shape[0], xpad.shape[1]
    kh, kw, oh, ow = cols.shape[2], cols.shape[3], cols.shape[4], cols.shape[5]
    for n in range(N):
        for c in range(C):
            for a in range(kh):
                for b in range(kw):
                    for i in range(oh):
                        src, dst = xpad[n, c, i + a], cols[n, c, a, b, i]
                        for j in range(ow):
                            dst[j] = src[j + b]
    return cols


@numba.njit(**_jit)
def col2im2d_s1(dcols, dx, n0):
    """dx[n0 + n, c, i + a, j + b] += dcols[n, c, a, b, i, j] (stride and dilation 1; dx zeroed by the caller, filled a
    chunk of images at a time). The kernel offset b runs outside the rows: with b inside, each add to a row starts
    one element on from the last, and its load, overlapping the store just before, waits for that store to land
    (a store-forwarding stall: that order ran 1.6x slower)."""
    M, C, kh, kw, oh, ow = dcols.shape
    for n in range(M):
        for c in range(C):
            for a in range(kh):
                for b in range(kw):
                    for i in range(oh):
                        row, src = dx[n0 + n, c, i + a], dcols[n, c, a, b, i]
                        for j in range(ow):
                            row[j + b] += src[j]
    return dx


@numba.njit(**_exact_select)
def add_channel_bias(y, b):
    """y[n, o, :] += b[o], in place: numpy's broadcast add runs 2-3x slower on these rows (LeNet's first conv's
    (64, 6, 784): 66-115 -> 26 us on the Zen 3 VM). No fastmath: one add per element vectorises without it, and
    -0.0 + 0.0 stays +0.0 (nsz would allow -0.0)."""
    N, O, P = y.shape
    for n in range(N):
        for o in range(O):
            row, v = y[n, o], b[o]
            for p in range(P):
                row[p] += v
    return y


@numba.njit(**_jit_sums)
def weight_grad_dots(g, cols, dw):
    """dw[gr, o, r] += sum_n sum_p g[n, gr, o, p] cols[n, gr, r, p] (dw float64, each image's sum in float32): the
    weight gradient as dot products over the positions, two output channels by two rows of cols at a time (four
    loads a step for four products). OpenBLAS's (C K, P) @ (P, O) per image runs its AVX2 kernels far below pace at a
    handful of output channels; these loops don't care: LeNet's first conv ((25, 784) @ (784, 6), 64 images) 1.02 ->
    0.43 ms on the Zen 3 VM, (8, 9, 1024) 0.54 -> 0.27 ms, while at 16 channels the two tie (ops/conv.py takes this
    at up to _DOTS_DW_CHANNELS)."""
    N, G, O, P = g.shape
    R = cols.shape[2]
    for n in range(N):
        for gr in range(G):
            for o in range(0, O, 2):
                o1 = min(o + 1, O - 1)  # an odd last channel runs as a pair with itself, its twin not stored
                g0, g1 = g[n, gr, o], g[n, gr, o1]
                for r in range(0, R, 2):
                    r1 = min(r + 1, R - 1)
                    c0, c1 = cols[n, gr, r], cols[n, gr, r1]
                    a00 = a01 = a10 = a11 = np.float32(0)
                    for p in range(P):
                        a00 += g0[p] * c0[p]
                        a01 += g0[p] * c1[p]
                        a10 += g1[p] * c0[p]
                        a11 += g1[p] * c1[p]
                    dw[gr, o, r] += a00
                    if r1 > r:
                        dw[gr, o, r1] += a01
                    if o1 > o:
                        dw[gr, o1, r] += a10
                        if r1 > r:
                            dw[gr, o1, r1] += a11
    return dw


@numba.njit(**_exact_select)
def im2col2d_s1_batch_inner(xpad, cols, n0):
    """im2col2d_s1 into cols (c, kh, kw, N, oh, ow), the batch inside the kernel offsets, images n0.. from xpad's: the
    layout in which the weight gradient is one GEMM over every image's positions (see ops/conv.py: _weight_grad)."""
    M, C = xpad.shape[0], xpad.shape[1]
    kh, kw, oh, ow = cols.shape[1], cols.shape[2], cols.shape[4], cols.shape[5]
    for c in range(C):
        for a in range(kh):
            for b in range(kw):
                for n in range(M):
                    for i in range(oh):
                        src, dst = xpad[n, c, i + a], cols[c, a, b, n0 + n, i]
                        for j in range(ow):
                            dst[j] = src[j + b]
    return cols


@numba.njit(**_exact_select)
def vol2col3d_s1(xpad, cols, r0, oh):
    """cols (c, kd, kh, kw, R, ow) = xpad[c, d + a, h + b, j + e] for the output rows r = r0 .. r0 + R - 1 of one
    image, (d, h) = divmod(r, oh): a chunk of a 3-D convolution's im2col at stride and dilation 1 (ops/conv.py:
    _conv3d_chunked). A whole image's is C K D H W floats (28 MB at (16, 16, 32, 32), 3x3x3), so it goes a few rows at
    a time into a buffer that stays in cache."""
    C, kd, kh, kw, R, ow = cols.shape
    flat = cols.reshape(C, kd, kh, kw, R * ow)  # a row at an offset into one flat run: no 1-D view made a row (3x)
    for c in range(C):
        for a in range(kd):
            for b in range(kh):
                for r in range(R):
                    d, h = divmod(r0 + r, oh)
                    src, at = xpad[c, d + a, h + b], r * ow
                    for e in range(kw):
                        dst = flat[c, a, b, e]
                        for j in range(ow):
                            dst[at + j] = src[j + e]
    return cols


@numba.njit(**_jit)
def col2vol3d_s1(dcols, dxpad, r0, oh):
    """The adjoint of vol2col3d_s1: dxpad[c, d + a, h + b, j + e] += dcols[c, a, b, e, r, j], (d, h) = divmod(r0 + r,
    oh), into one image's padded gradient (zeroed by the caller). e outside the rows, as col2im2d_s1 (store
    forwarding)."""
    C, kd, kh, kw, R, ow = dcols.shape
    for c in range(C):
        for a in range(kd):
            for b in range(kh):
                for e in range(kw):
                    for r in range(R):
                        d, h = divmod(r0 + r, oh)
                        row, src = dxpad[c, d + a, h + b], dcols[c, a, b, e, r]
                        for j in range(ow):
                            row[j + e] += src[j]
    return dxpad


# ---- depthwise convolution (groups = in channels = out channels, MobileNet's 3x3 layers): each channel is
# convolved with its own kh x kw kernel. im2col would copy x kh kw times to run one (1, kh kw) @ (kh kw, P) product
# per channel and image; here every kernel offset is one scaled add of a shifted row of x into a row of y.
# (32, 128, 32, 32), 3x3: forward + backward ~110 ms by im2col, PyTorch ~10 ms.
@numba.njit(**_jit)
def depthwise2d(xpad, w, y, sh, sw, dh, dw):
    """y[n, c, i, j] = sum_ab w[c, a, b] xpad[n, c, i sh + a dh, j sw + b dw]; y (n, c, oh, ow) is overwritten."""
    N, C = xpad.shape[0], xpad.shape[1]
    KH, KW = w.shape[1], w.shape[2]
    OH, OW = y.shape[2], y.shape[3]
    for n in range(N):
        for c in range(C):
            out = y[n, c]
            out[:, :] = 0
            for a in range(KH):
                for b in range(KW):
                    wv = w[c, a, b]
                    off = b * dw
                    for i in range(OH):
                        src = xpad[n, c, i * sh + a * dh]
                        row = out[i]
                        if sw == 1:  # a contiguous run: this form vectorises
                            part = src[off:off + OW]
                            for j in range(OW):
                                row[j] += wv * part[j]
                        else:
                            for j in range(OW):
                                row[j] += wv * src[j * sw + off]


@numba.njit(**_jit)
def depthwise2d_dx(w, g, dxpad, sh, sw, dh, dw):
    """dxpad (zeros, the padded input's shape) += the adjoint of depthwise2d applied to g. (dx and dw in one loop
    nest did not vectorise: 32 ms each at (32, 128, 32, 32) against 6 and 7 apart.)"""
    N, C = g.shape[0], g.shape[1]
    KH, KW = w.shape[1], w.shape[2]
    OH, OW = g.shape[2], g.shape[3]
    for n in range(N):
        for c in range(C):
            for a in range(KH):
                for b in range(KW):
                    wv = w[c, a, b]
                    off = b * dw
                    for i in range(OH):
                        gr = g[n, c, i]
                        dst = dxpad[n, c, i * sh + a * dh]
                        if sw == 1:
                            part = dst[off:off + OW]
                            for j in range(OW):
                                part[j] += wv * gr[j]
                        else:
                            for j in range(OW):
                                dst[j * sw + off] += wv * gr[j]


@numba.njit(**_jit)
def depthwise2d_dw(xpad, g, dwt, sh, sw, dh, dw):
    """dwt (c, kh, kw) float64 += sum over images of g times the shifted rows of xpad (one image's sum in
    float32)."""
    N, C = g.shape[0], g.shape[1]
    KH, KW = dwt.shape[1], dwt.shape[2]
    OH, OW = g.shape[2], g.shape[3]
    for n in range(N):
        for c in range(C):
            for a in range(KH):
                for b in range(KW):
                    off = b * dw
                    acc = np.float32(0.0)
                    for i in range(OH):
                        gr = g[n, c, i]
                        src = xpad[n, c, i * sh + a * dh]
                        if sw == 1:
                            part = src[off:off + OW]
                            for j in range(OW):
                                acc += gr[j] * part[j]
                        else:
                            for j in range(OW):
                                acc += gr[j] * src[j * sw + off]
                    dwt[c, a, b] += acc


# ---- interpolation (ops/resample.py: Resample), along one axis of x viewed as (before, axis, after) ------------------
# fastmath without the no-NaN/no-inf promises: an inf or nan in x or dy must come through as numpy's would
_jit_nan = dict(_jit, fastmath={"nsz", "arcp", "contract", "afn", "reassoc"})


@numba.njit(**_jit_nan)
def resample(x, idx, w, skip, full, y):
    """y[b, i, :] = sum_j w[j, i] x[b, idx[j, i], :] over the taps j not marked in skip (y overwritten); the taps
    come transposed, (taps, out), and the first `full` of them skip none. One pass: numpy's path takes, weighs and
    adds a full-size copy per tap. The same kernel runs the adjoint as a gather (see ops/resample.py: Resample)."""
    B, out, A = y.shape
    taps = idx.shape[0]
    zero = np.float32(0)
    for b in range(B):
        xb, yb = x[b], y[b]
        if A == 1:  # the last axis: tap by tap over the whole row, a select for the skipped ones, so the gathers
            for i in range(out):  # vectorise (per output, a scalar sum over its taps: 2.5x slower); the first
                yb[i, 0] = w[0, i] * xb[idx[0, i], 0] if full else zero  # tap sets y, so nearest keeps a -0.0
            for j in range(1 if full else 0, full):  # (the select costs as much as the rest: only where needed)
                for i in range(out):
                    yb[i, 0] += w[j, i] * xb[idx[j, i], 0]
            for j in range(full, taps):
                for i in range(out):
                    v = w[j, i] * xb[idx[j, i], 0]
                    yb[i, 0] += zero if skip[j, i] else v
            continue
        for i in range(out):
            row = yb[i]
            first = True
            for j in range(taps):
                if skip[j, i]:
                    continue
                wv, src = w[j, i], xb[idx[j, i]]
                if first:  # set by the first tap, not added to zeros: a lone -0.0 stays -0.0
                    for a in range(A):
                        row[a] = wv * src[a]
                    first = False
                    continue
                for a in range(A):
                    row[a] += wv * src[a]
            if first:
                row[:] = 0
    return y


# ---- 2-D pooling and col2im (ops/pool.py, ops/unfold.py, inputs (n, c, h, w)): numpy's argmax + take_along_axis
# over a copied window array, and col2im's one strided add per kernel offset, were most of a LeNet step -----------
@numba.njit(**_exact_select)
def maxpool2d(x, kh, kw, sh, sw, dh, dw, oh, ow):
    """y (n, c, oh, ow): each window's maximum; arg: its offset in the window (row-major): the first maximum, or the
    last NaN, as torch's loop picks them. The loop over output columns is innermost, so it vectorises."""
    N, C = x.shape[0], x.shape[1]
    y = np.empty((N, C, oh, ow), x.dtype)
    arg = np.zeros((N, C, oh, ow), np.int64)
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                best, at = y[n, c, i], arg[n, c, i]
                first = x[n, c, i * sh]
                for j in range(ow):
                    best[j] = first[j * sw]
                for a in range(kh):
                    row = x[n, c, i * sh + a * dh]
                    for b in range(kw):
                        k = a * kw + b
                        if k == 0:
                            continue
                        for j in range(ow):
                            v = row[j * sw + b * dw]
                            take = (v > best[j]) | (v != v)  # no branch: vectorises
                            best[j] = v if take else best[j]
                            at[j] = k if take else at[j]
    return y, arg


@numba.njit(**_exact_select)
def maxpool2d_backward(g, arg, hp, wp, kw, sh, sw, dh, dw):
    """dx (n, c, hp, wp): each window's gradient added at the place its maximum came from."""
    N, C, oh, ow = g.shape
    dx = np.zeros((N, C, hp, wp), g.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                for j in range(ow):
                    a = arg[n, c, i, j]
                    dx[n, c, i * sh + (a // kw) * dh, j * sw + (a % kw) * dw] += g[n, c, i, j]
    return dx


@numba.njit(**_jit)
def window_sums2d(x, kh, kw, sh, sw, oh, ow):
    """(n, c, oh, ow): the sum of each kh x kw window (dilation 1), output columns innermost."""
    N, C = x.shape[0], x.shape[1]
    y = np.zeros((N, C, oh, ow), x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                acc = y[n, c, i]
                for a in range(kh):
                    row = x[n, c, i * sh + a]
                    for b in range(kw):
                        for j in range(ow):
                            acc[j] += row[j * sw + b]
    return y


@numba.njit(**_jit)
def col2im2d(dcols, hp, wp, sh, sw, dh, dw):
    """The adjoint of the 2-D windows: dcols (n, c, kh, kw, oh, ow) summed into zeros (n, c, hp, wp)."""
    N, C, kh, kw, oh, ow = dcols.shape
    dx = np.zeros((N, C, hp, wp), dcols.dtype)
    for n in range(N):
        for c in range(C):
            for a in range(kh):
                for b in range(kw):
                    for i in range(oh):
                        row = dx[n, c, i * sh + a * dh]
                        src = dcols[n, c, a, b, i]
                        for j in range(ow):
                            row[j * sw + b * dw] += src[j]
    return dx
