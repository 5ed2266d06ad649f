"""Convolution over N-d inputs (N, C, *S), as im2col. Every receptive field is a strided view of the padded input
(no copy, no loop over pixels), so a convolution is one batched GEMM. Backward folds the column gradient back with
col2im: one strided add per kernel offset. ConvNd here, with its chunked float32 paths, and ConvTransposeNd; the
window primitives and F.unfold / F.fold live in unfold.py, pooling in pool.py (both re-exported here).
Pads, strides and dilations arrive checked (teenygrad.nn.functional_conv): ((lo, hi), ...) and tuples per dim."""
import math
import numpy as np
from ..autograd.function import Function
from ..autograd.graph_backward import const
from .._arrays import contiguous
from ..backend.cpu import fused_for
from .unfold import _pad, _unpad, _out_size, _windows, window_sums, _col2im, _unpadded, Im2Col, Col2Im  # noqa: F401
from .pool import MaxPoolNd, MaxUnpool, _prefer_input, AvgPoolNd  # noqa: F401


def _im2col_output(fn, cols, kernel, xpad_shape):
    """cols, the im2col matrix fn's forward made of its input 0, as a graph Tensor for a backward_graph: the output
    of an Im2Col node over that input, as Im2Col.apply would have made it, so what is computed from it
    differentiates back to the input without keeping the input or recomputing cols."""
    node = Im2Col()
    node.parents, node.needs_input_grad = [fn.parents[0]], [True]
    node.win_shape = xpad_shape[:2] + tuple(kernel) + _out_size(xpad_shape[2:], kernel, fn.stride, fn.dilation)
    node.xpad_shape, node.stride, node.pad, node.dilation = xpad_shape, fn.stride, fn.pad, fn.dilation
    return node._output(cols.reshape(xpad_shape[0], -1, cols.shape[-1]))  # (N, C K, P)


_CHUNK_BYTES = 1 << 19  # an im2col chunk this size stays in L2 (2 MB a core here) while its GEMM reads it
# dw = cols dy^T as one GEMM over all images' positions when an image has at most this many (K = N P): per-image
# GEMMs of so few columns run below OpenBLAS's pace (N, O, C K, P = 64, 16, 150, 100: 0.49 -> 0.32 ms; 16, 64, 576,
# 64: 0.57 -> 0.37), while at P = 256 the two tie and at 1024 the per-image GEMMs win (1.31 against 1.52 ms)
_ONE_GEMM_DW_POSITIONS = 128
# dw as numba dot products (backend/_numba_conv.py: weight_grad_dots) at up to this many output channels a group: the
# per-image GEMM's O-wide side is what OpenBLAS's Haswell kernels run slowly (LeNet's first conv 1.02 -> 0.43 ms);
# at 16 the two tie ((16, 25, 784): 1.43 vs 1.43 ms; (16, 150, 100): 1.01 vs 1.37, the GEMM ahead)
_DOTS_DW_CHANNELS = 8


def _chunk(n, row_floats):
    """How many images of row_floats float32 each make one chunk of about _CHUNK_BYTES (at least one)."""
    return max(1, min(n, _CHUNK_BYTES // (4 * row_floats)))


def _conv2d_chunked(x, wg, kernel, stride, dilation, pad, bias, keep):
    """ConvNd's forward for 2-D float32 numpy arrays, a few images at a time: each chunk's padded images go into
    a zero-bordered buffer (no np.pad of the whole batch), its im2col (the numba kernel at stride and dilation 1,
    else numpy's strided copy) into a buffer small enough to stay in L2, and the GEMM reads it from there into y.
    keep: write the im2col into one array for all images instead, returned for the weight gradient; with at most
    _ONE_GEMM_DW_POSITIONS positions an image (and one group) that array is (C K, N, P), the batch inside, and the
    forward is one GEMM over all images. Returns y (N, O, oh, ow), cols (N, G, Cg K, P) (a transposed view in that
    case) or None, the padded input's shape, and whether cols is that batch-inside view. (32, 16, 32, 32) with 16
    3x3 filters, padding 1: 3.3 -> 3.0 ms; what is left is the per-image GEMM (O = 16 rows: ~90 GFLOP/s, and
    OpenBLAS's second thread gains nothing on it) and the copy."""
    from ..backend import _numba_conv  # numba is there: fused_for chose this path
    N, C, H, W = x.shape
    G, Og, CgK = wg.shape
    (t, b), (l, r) = pad
    Hp, Wp = H + t + b, W + l + r
    oh, ow = _out_size((Hp, Wp), kernel, stride, dilation)
    P = oh * ow
    padded = bool(t or b or l or r)
    unit = stride == (1, 1) and dilation == (1, 1) and (padded or x.flags.c_contiguous)  # im2col by the s1 kernel
    inner_batch = keep and unit and G == 1 and P <= _ONE_GEMM_DW_POSITIONS
    # kept and unpadded there is no pad to save and the cols go to memory anyway: one copy, one GEMM
    m = N if keep and not padded else _chunk(N, C * math.prod(kernel) * P)
    y = np.empty((N, G, Og, P), np.float32)
    if inner_batch:
        cols_t = np.empty((C,) + tuple(kernel) + (N, oh, ow), np.float32)
        cols = cols_t.reshape(CgK, N, P).transpose(1, 0, 2).reshape(N, 1, CgK, P)  # a view
    else:
        cols = np.empty((N, C) + tuple(kernel) + (oh, ow), np.float32) if keep else None
    buf = None if keep else np.empty((m, C) + tuple(kernel) + (oh, ow), np.float32)
    if padded:
        xpad = np.zeros((m, C, Hp, Wp), np.float32)
        inner, win = xpad[:, :, t:t + H, l:l + W], _windows(xpad, kernel, stride, dilation)  # views made once
    else:
        xpad, win = x, _windows(x, kernel, stride, dilation)
    for n0 in range(0, N, m):
        n1 = min(N, n0 + m)
        k = n1 - n0
        if padded:
            inner[:k] = x[n0:n1]
        at = slice(0, k) if padded else slice(n0, n1)
        if inner_batch:  # its GEMM waits for the whole batch
            _numba_conv.im2col2d_s1_batch_inner(xpad[at], cols_t, n0)
            continue
        c = cols[n0:n1] if keep else buf[:k]
        if unit:
            _numba_conv.im2col2d_s1(xpad[at], c)
        else:
            np.copyto(c, win[at])
        yc = np.matmul(wg, c.reshape(k, G, CgK, P), out=y[n0:n1])
        if bias is not None:
            _numba_conv.add_channel_bias(yc.reshape(k, G * Og, P), contiguous(bias))
    if inner_batch:  # (O, C K) @ (C K, N P), then into y's (N, O, P) order
        np.copyto(y[:, 0], (wg[0] @ cols_t.reshape(CgK, N * P)).reshape(Og, N, P).swapaxes(0, 1))
        if bias is not None:
            _numba_conv.add_channel_bias(y.reshape(N, Og, P), contiguous(bias))
    elif keep:
        cols = cols.reshape(N, G, CgK, P)
    return y.reshape(N, G * Og, oh, ow), cols, (N, C, Hp, Wp), inner_batch


_CHUNK3D_BYTES = 1 << 18  # a 3-D im2col chunk (as _CHUNK_BYTES): at (4, 16, 16, 32, 32), 3x3x3, 256 KB ran dw 14 ms,
# 64 KB 24 and 1 MB 20; the forward alike


def _vol2col_chunks(xpad, kernel):
    """The im2col of a 3-D convolution at stride and dilation 1 over xpad (N, C, Dp, Hp, Wp), a few output rows (d, h)
    of one image at a time, into one reused buffer: yields (n, p0, p1, cols (C K, p1 - p0)) for the output positions
    p0 .. p1 - 1 of image n (the buffer is overwritten by the next chunk)."""
    from ..backend import _numba_conv  # numba is there: fused_for chose this path
    N, C = xpad.shape[:2]
    od, oh, ow = _out_size(xpad.shape[2:], kernel, (1, 1, 1), (1, 1, 1))
    CK = C * math.prod(kernel)
    R = max(1, min(od * oh, _CHUNK3D_BYTES // (4 * CK * ow)))  # output rows a chunk
    flat = np.empty(CK * R * ow, np.float32)
    for n in range(N):
        for r0 in range(0, od * oh, R):
            r = min(od * oh, r0 + R) - r0
            cols = flat[:CK * r * ow].reshape((C,) + tuple(kernel) + (r, ow))  # the last chunk's too is contiguous
            _numba_conv.vol2col3d_s1(xpad[n], cols, r0, oh)
            yield n, r0 * ow, (r0 + r) * ow, cols.reshape(CK, r * ow)


def _pad_copy(x, pad):
    """x (N, C, *S) into a fresh zero-bordered float32 array (a copy even without padding: it may be kept)."""
    xpad = np.zeros(x.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pad)), np.float32)
    xpad[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], pad))] = x
    return xpad


def _conv3d_chunked(xpad, w2, kernel, bias=None):
    """y (N, O, *Out) = w2 (O, C K) @ im2col(xpad) + b for float32 numpy arrays at stride and dilation 1, one group:
    the im2col a chunk at a time (_vol2col_chunks), each chunk's GEMM writing its columns of y. The whole batch's
    im2col at (4, 16, 16, 32, 32), 3x3x3, is 113 MB: past the allocator's mmap threshold, page-faulted in each call."""
    N, O = xpad.shape[0], w2.shape[0]
    out = _out_size(xpad.shape[2:], kernel, (1, 1, 1), (1, 1, 1))
    y = np.empty((N, O, math.prod(out)), np.float32)
    for n, p0, p1, cols in _vol2col_chunks(xpad, kernel):
        np.matmul(w2, cols, out=y[n, :, p0:p1])
    if bias is not None:
        y += bias.reshape(O, 1)
    return y.reshape((N, O) + out)


def _bias_grad(g):
    """db: dy summed over all but its channels; for a C-ordered numpy float array one BLAS GEMV over the positions
    and a sum over the batch (4-6x numpy's sum at (32, 16, 32, 32) and LeNet's shapes: 98 -> 17 us)."""
    if type(g) is np.ndarray and g.dtype.char in "fd" and g.flags.c_contiguous and g.ndim > 2:
        N, O = g.shape[:2]
        return (g.reshape(N * O, -1) @ np.ones(math.prod(g.shape[2:]), g.dtype)).reshape(N, O).sum(axis=0)
    return g.sum((0,) + tuple(range(2, g.ndim)))  # positional: g is a Tensor in a backward_graph


def _with_bias_grad(n, g, gx, gw):
    """A conv's backward_graph result: (gx, gw), and db = dy summed over all but channels when there is a bias."""
    if len(n) == 2:
        return gx, gw
    return gx, gw, (_bias_grad(g) if n[2] else None)


class ConvNd(Function):
    """y[n, g, o, p] = sum_r w[g, o, r] cols[n, g, r, p] + b[o], cols = im2col(xpad) (N, G, Cg K, P), r runs over
    (channel, kernel offset): one batched GEMM w @ cols, already in y's (N, O, *Out) order.
    dw = sum_n dy cols^T;  dcols = w^T dy, folded back by col2im;  db = sum dy over (N, *Out).
    cols is kept only when dw is wanted. 2-D float32 numpy arrays run the forward, and dx when it is a flipped
    convolution, a few images at a time (_conv2d_chunked), dx by col2im at stride 1 chunked too, and dw as
    (cols dy^T)^T or one GEMM over the batch; a depthwise conv (groups = channels) skips im2col for direct kernels.
    3-D float32 at stride and dilation 1, one group, runs a few output rows at a time too (_conv3d_chunked), keeping
    x padded rather than its im2col (_chunked3d_backward).
    That path goes with the numba kernels (fused_for), so TEENYGRAD_NUMBA=0 and the tests' `kernels` fixture run
    the reference beside it."""
    reads_for = ((), (0,), ())  # x is read as a copy (im2col); w for the input gradient
    def forward(self, x, w, *b, stride, pad, dilation, groups, reads_x=False):
        if reads_x:  # a conv_transpose run as this convolution: x in place is refused, as torch saves it for dw
            self.reads_for = ((1,), (0,), ())
        N, C = x.shape[:2]
        O, Cg, *K = w.shape
        G = groups
        wg = w.reshape(G, O // G, Cg * math.prod(K))
        keep = self.needs_input_grad is not None and self.needs_input_grad[1]  # cols only for dw
        self.wg, self.wshape, self.stride, self.pad, self.dilation = wg, w.shape, stride, pad, dilation
        self.chunked = x.ndim == 4 and x.size > 0 and fused_for(x, w, *b) is not None
        self.depthwise = self.chunked and G == C == O and C > 1
        self.chunked3d = (x.ndim == 5 and x.size > 0 and G == 1 and all(s == 1 for s in stride)
                          and all(d == 1 for d in dilation) and fused_for(x, w, *b) is not None)
        if self.chunked3d:  # x padded is kept for dw (its im2col made again, a chunk at a time), not its im2col
            xpad = _pad_copy(x, pad)
            self.cols, self.xpad_shape, self.xpad = None, xpad.shape, (xpad if keep else None)
            return _conv3d_chunked(xpad, wg[0], K, b[0] if b else None)
        if self.depthwise:  # one kernel per channel: a direct loop, no im2col (backend/_numba_conv.py)
            return self._depthwise_forward(x, w, b)
        if self.chunked:
            y, self.cols, self.xpad_shape, self.cols_batch_inner = _conv2d_chunked(
                x, wg, K, stride, dilation, pad, b[0] if b else None, keep)
            return y
        xpad = _pad(x, pad)
        win = _windows(xpad, K, stride, dilation)  # (N, C, *K, *Out)
        out = win.shape[2 + len(K):]
        cols = contiguous(win).reshape(N, G, Cg * math.prod(K), math.prod(out))
        y = (wg @ cols).reshape(N, O, *out)  # (N, G, O/G, P) is (N, O, *Out) in memory
        if b:
            y += b[0].reshape((O,) + (1,) * len(K))
        self.cols, self.xpad_shape = (cols if keep else None), xpad.shape
        return y

    def _depthwise_forward(self, x, w, b):
        """groups = channels: x padded once, then each output row is a sum of kh kw scaled rows of it. dw reads
        x, so unlike the im2col path x counts as read (reads_for) and is kept padded instead of cols."""
        from ..backend import _numba_conv
        self.reads_for = None  # x is read for dw and w for dx: in-place writes to either are caught
        self.xpad = contiguous(_pad(x, self.pad))
        self.cols, self.xpad_shape = None, self.xpad.shape
        oh, ow = _out_size(self.xpad.shape[2:], self.wshape[2:], self.stride, self.dilation)
        y = np.empty(x.shape[:2] + (oh, ow), np.float32)
        _numba_conv.depthwise2d(self.xpad, contiguous(w).reshape(w.shape[0], *w.shape[2:]), y, *self.stride,
                                *self.dilation)
        if b:
            y += b[0].reshape(-1, 1, 1)
        return y

    def _depthwise_backward(self, g):
        from ..backend import _numba_conv
        n = self.needs_input_grad
        C, _, kh, kw = self.wshape
        g = contiguous(g)
        gx = gw = None
        if n[0]:
            dxpad = np.zeros(self.xpad.shape, np.float32)
            _numba_conv.depthwise2d_dx(self.wg.reshape(C, kh, kw), g, dxpad, *self.stride, *self.dilation)
            gx = _unpad(dxpad, self.pad)
        if n[1]:
            dw = np.zeros((C, kh, kw), np.float64)
            _numba_conv.depthwise2d_dw(self.xpad, g, dw, *self.stride, *self.dilation)
            gw = dw.astype(np.float32).reshape(self.wshape)
        return (gx, gw) if len(n) == 2 else (gx, gw, (_bias_grad(g) if n[2] else None))

    def backward(self, g):
        if self.depthwise:
            return self._depthwise_backward(g.astype(np.float32, copy=False))
        if self.chunked3d:
            return self._chunked3d_backward(g.astype(np.float32, copy=False))
        n = self.needs_input_grad
        N, G, Og, P = g.shape[0], self.wg.shape[0], self.wg.shape[1], math.prod(g.shape[2:])
        gy = g.reshape(N, G, Og, P)
        gw = self._weight_grad(gy) if n[1] else None
        gx = None
        if n[0] and self._by_flipped_conv(g):
            gx = self._input_grad_by_conv(g)
        elif n[0] and self.chunked and g.dtype == np.float32 and self.stride == (1, 1) and self.dilation == (1, 1):
            gx = self._input_grad_chunked(gy)
        elif n[0]:
            dcols = (self.wg.swapaxes(-1, -2) @ gy).reshape(self.xpad_shape[:2] + self.wshape[2:] + g.shape[2:])
            gx = _unpad(_col2im(dcols, self.xpad_shape, self.stride, self.dilation), self.pad)
        if len(n) == 2:
            return gx, gw
        return gx, gw, (_bias_grad(g) if n[2] else None)

    def _chunked3d_backward(self, g):
        """dw = sum over chunks of (cols dy^T)^T, the im2col of the kept padded x made again a chunk at a time (that
        GEMM order runs ~1.4x the other here); dx by the flipped convolution (stride 1, pads within the kernel), else
        w^T dy a chunk at a time, folded back by col2vol3d_s1 (as _by_flipped_conv, the flipped one where O <= C)."""
        from ..backend import _numba_conv
        n = self.needs_input_grad
        O, C, *K = self.wshape
        N = g.shape[0]
        gy = contiguous(g).reshape(N, O, -1)
        gx = gw = None
        if n[1]:
            dw = np.zeros((C * math.prod(K), O), np.float32)
            gy_t = np.ascontiguousarray(gy.swapaxes(1, 2))  # (N, P, O): each chunk's rows contiguous (dw 17 -> 15 ms)
            for i, p0, p1, cols in _vol2col_chunks(self.xpad, K):
                dw += cols @ gy_t[i, p0:p1]
            gw = contiguous(dw.T).reshape(self.wshape)
        if n[0] and O <= C and all(lo <= k - 1 and hi <= k - 1 for (lo, hi), k in zip(self.pad, K)):
            pads = tuple((k - 1 - lo, k - 1 - hi) for (lo, hi), k in zip(self.pad, K))
            gx = _conv3d_chunked(_pad_copy(g, pads), self._flipped_weights(), K)
        elif n[0]:
            dxpad = np.zeros(self.xpad_shape, np.float32)
            od, oh, ow = g.shape[2:]
            CK = C * math.prod(K)
            R = max(1, min(od * oh, _CHUNK3D_BYTES // (4 * CK * ow)))
            flat, wT = np.empty(CK * R * ow, np.float32), self.wg[0].T
            for i in range(N):
                for r0 in range(0, od * oh, R):
                    r = min(od * oh, r0 + R) - r0
                    dcols = np.matmul(wT, gy[i, :, r0 * ow:(r0 + r) * ow], out=flat[:CK * r * ow].reshape(CK, r * ow))
                    _numba_conv.col2vol3d_s1(dcols.reshape((C,) + tuple(K) + (r, ow)), dxpad[i], r0, oh)
            gx = _unpad(dxpad, self.pad)
        return _with_bias_grad(n, g, gx, gw)

    def _weight_grad(self, gy):
        """dw = sum_n dy_n cols_n^T. On the chunked path as (cols_n dy_n^T)^T: OpenBLAS runs (C K, P) @ (P, O) per
        image faster than (O, P) @ (P, C K) at these small O (sweep's 16 -> 16 3x3: 2.34 -> 1.31 ms; LeNet's second
        conv 0.71 -> 0.43 ms; its first, (6, 784) @ (784, 25), 0.24 -> 0.26). With cols kept batch-inside (few
        positions an image, see _conv2d_chunked) one GEMM (C K, N P) @ (N P, O) over all images: LeNet's second conv
        0.50 -> 0.36 ms in the step, the step 5.70 -> 5.48 ms. With few output channels (<= _DOTS_DW_CHANNELS) and
        float32 dy, numba dot products over the positions instead (weight_grad_dots: LeNet's first conv 1.02 -> 0.43
        ms on the Zen 3 VM), summed over the images in float64."""
        if self.chunked and type(gy) is np.ndarray and self.cols_batch_inner:  # kept as (C K, N, P)
            N, _, CK, P = self.cols.shape
            gy_t = contiguous(gy.reshape(N, -1, P).swapaxes(-1, -2)).reshape(N * P, -1)  # (N P, O)
            return contiguous((self.cols.transpose(2, 1, 0, 3).reshape(CK, N * P) @ gy_t).T).reshape(self.wshape)
        if self.chunked and type(gy) is np.ndarray and gy.dtype == np.float32 and gy.shape[2] <= _DOTS_DW_CHANNELS:
            from ..backend import _numba_conv
            dw = _numba_conv.weight_grad_dots(contiguous(gy), self.cols, np.zeros(self.wg.shape, np.float64))
            return dw.astype(np.float32).reshape(self.wshape)
        if self.chunked and type(gy) is np.ndarray:
            return contiguous((self.cols @ gy.swapaxes(-1, -2)).sum(axis=0).swapaxes(-1, -2)).reshape(self.wshape)
        return (gy @ self.cols.swapaxes(-1, -2)).sum(axis=0).reshape(self.wshape)

    def _input_grad_chunked(self, gy):
        """dx = col2im(w^T dy) at stride and dilation 1, a few images at a time: each chunk's dcols stays in L2 between
        its GEMM and col2im2d_s1 (LeNet's second conv, (64, 6, 14, 14) from 16 5x5 filters: 1.12 -> 0.72 ms)."""
        from ..backend import _numba_conv
        N, C = self.xpad_shape[:2]
        out = self.xpad_shape[2:]
        oh, ow = _out_size(out, self.wshape[2:], self.stride, self.dilation)
        wT = self.wg.swapaxes(-1, -2)  # (G, Cg K, Og)
        m = _chunk(N, wT.shape[0] * wT.shape[1] * oh * ow)
        buf = np.empty((m,) + wT.shape[:2] + (oh * ow,), np.float32)
        dx = np.zeros(self.xpad_shape, np.float32)
        for n0 in range(0, N, m):
            k = min(N, n0 + m) - n0
            dcols = np.matmul(wT, gy[n0:n0 + k], out=buf[:k])
            _numba_conv.col2im2d_s1(dcols.reshape((k, C) + self.wshape[2:] + (oh, ow)), dx, n0)
        return _unpad(dx, self.pad)

    def _by_flipped_conv(self, g):
        """Whether dx is cheaper as a convolution of dy with the flipped kernels (stride and dilation 1, one group,
        2-D, at most as many output channels as input ones, pads within the kernel): its im2col has O K rows
        against dcols' C K, and no col2im follows. (32, 16, 32, 32) with 16 3x3 filters: 7.1 -> 3.6 ms; with more
        output than input channels it loses (LeNet's second conv: 2.0 -> 4.6 ms), so those keep col2im."""
        O, C, *K = self.wshape
        return (type(g) is np.ndarray and len(K) == 2 and self.wg.shape[0] == 1 and O <= C
                and all(s == 1 for s in self.stride) and all(d == 1 for d in self.dilation)
                and all(lo <= k - 1 and hi <= k - 1 for (lo, hi), k in zip(self.pad, K)))

    def _flipped_weights(self):
        """w flipped in space and transposed, (C, O kh kw): the kernels of dx as a convolution of dy."""
        O, C, *K = self.wshape
        flipped = self.wg.reshape(self.wshape)[(slice(None), slice(None)) + (slice(None, None, -1),) * len(K)]
        return contiguous(flipped.swapaxes(0, 1)).reshape(C, O * math.prod(K))

    def _input_grad_by_conv(self, g):
        """dx = dy, padded by k - 1 minus the forward's pads, correlated with w flipped and transposed (C, O, *K)."""
        O, C, *K = self.wshape
        pads = tuple((k - 1 - lo, k - 1 - hi) for (lo, hi), k in zip(self.pad, K))
        if self.chunked and g.dtype == np.float32:
            return _conv2d_chunked(g, self._flipped_weights()[None], K, (1, 1), (1, 1), pads, None, False)[0]
        win = _windows(_pad(g, pads), K, (1, 1), (1, 1))  # (N, O, *K, *S): S is x's own size
        cols = contiguous(win).reshape(g.shape[0], O * K[0] * K[1], -1)
        return (self._flipped_weights() @ cols).reshape((g.shape[0], C) + win.shape[4:])

    def backward_graph(self, g):
        # the same GEMMs on Tensors; cols enters as the output of an Im2Col node over x, so dw differentiates to x
        n = self.needs_input_grad
        if n[1] and self.cols is None:  # the direct and 3-D kernels kept x padded, not its im2col: build it now
            win = _windows(self.xpad, self.wshape[2:], self.stride, self.dilation)
            self.cols = contiguous(win).reshape(win.shape[0], self.wg.shape[0], self.wg.shape[2], -1)
        N, G, Og, P = g.shape[0], self.wg.shape[0], self.wg.shape[1], math.prod(g.shape[2:])
        K = self.wshape[2:]
        gy = g.reshape(N, G, Og, P)
        gx = gw = None
        if n[1]:
            cols = _im2col_output(self, self.cols, K, self.xpad_shape) if n[0] else const(self.cols)
            cols = cols.reshape(self.cols.shape)  # (N, G, Cg K, P)
            gw = (gy @ cols.mT).sum(0).reshape(self.wshape)
        if n[0]:
            wg = self._input(1, self.wg.reshape(self.wshape)).reshape(self.wg.shape)
            dcols = (wg.mT @ gy).reshape(N, -1, P)  # (N, C K, P)
            gx = Col2Im.apply(dcols, out_shape=_unpadded(self.xpad_shape, self.pad), kernel=K, stride=self.stride,
                              pad=self.pad, dilation=self.dilation)
        return _with_bias_grad(n, g, gx, gw)


class ConvTransposeNd(Function):
    """The adjoint of ConvNd in its input: cols = w^T x (one batched GEMM, w (C_in, C_out/G, *K) read as
    (G, C_in/G, C_out/G K)), y = crop(col2im(cols)) + b.  dx = w im2col(pad(dy));  dw = sum_n x im2col(pad(dy))^T."""
    reads_for = ((1,), (0,), ())  # x for the weight gradient, w for the input gradient
    def forward(self, x, w, *b, stride, pad, dilation, groups, out_shape):
        N, Cin, *S = x.shape
        _, Og, *K = w.shape
        G, P = groups, math.prod(S)
        xg = x.reshape(N, G, Cin // G, P)
        wg = w.reshape(G, Cin // G, Og * math.prod(K))
        cols = (wg.swapaxes(-1, -2) @ xg).reshape((N, G * Og) + tuple(K) + tuple(S))  # (N, C_out, *K, *S)
        full = (N, G * Og) + tuple(o + lo + hi for o, (lo, hi) in zip(out_shape, pad))
        y = contiguous(_unpad(_col2im(cols, full, stride, dilation), pad))
        if b:
            y += b[0].reshape((G * Og,) + (1,) * len(K))
        self.xg, self.wg, self.wshape, self.S, self.K = xg, wg, w.shape, tuple(S), tuple(K)
        self.stride, self.pad, self.dilation = stride, pad, dilation
        return y

    def backward(self, g):
        n = self.needs_input_grad
        N, G, P = g.shape[0], self.wg.shape[0], self.xg.shape[-1]
        win = _windows(_pad(g, self.pad), self.K, self.stride, self.dilation)  # (N, C_out, *K, *S+extra)
        win = win[(Ellipsis,) + tuple(slice(0, s) for s in self.S)]  # output_padding may leave a window more
        dcols = contiguous(win).reshape(N, G, self.wg.shape[-1], P)
        gx = (self.wg @ dcols).reshape((N, -1) + self.S) if n[0] else None
        gw = (self.xg @ dcols.swapaxes(-1, -2)).sum(axis=0).reshape(self.wshape) if n[1] else None
        if len(n) == 2:
            return gx, gw
        return gx, gw, (g.sum(axis=(0,) + tuple(range(2, g.ndim))) if n[2] else None)

    def backward_graph(self, g):
        # the same GEMMs on Tensors, with im2col(pad(dy)) as an Im2Col node (so it differentiates back to dy)
        n = self.needs_input_grad
        N, G, P = g.shape[0], self.wg.shape[0], self.xg.shape[-1]
        dcols = Im2Col.apply(g, kernel=self.K, stride=self.stride, pad=self.pad, dilation=self.dilation)
        blocks = _out_size(tuple(s + lo + hi for s, (lo, hi) in zip(g.shape[2:], self.pad)), self.K, self.stride,
                           self.dilation)
        if blocks != self.S:  # output_padding may leave a window more
            dcols = dcols.reshape(dcols.shape[:2] + blocks)[(Ellipsis,) + tuple(slice(0, s) for s in self.S)]
        dcols = dcols.reshape(N, G, self.wg.shape[-1], P)
        gx = gw = None
        if n[0]:
            wg = self._input(1, self.wg.reshape(self.wshape)).reshape(self.wg.shape)
            gx = (wg @ dcols).reshape((N, -1) + self.S)
        if n[1]:
            xg = self._input(0, self.xg.reshape((N, -1) + self.S)).reshape(self.xg.shape)
            gw = (xg @ dcols.mT).sum(0).reshape(self.wshape)
        return _with_bias_grad(n, g, gx, gw)
