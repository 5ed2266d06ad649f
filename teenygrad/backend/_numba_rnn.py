"""numba kernels for ops/rnn.py's LSTM scan, beside the general ones in _numba_kernels.py. Imported by ops/rnn.py
only once teenygrad.backend.cpu.fused_for has handed out the kernels (float32 numpy arrays, numba on); the numpy
path stays, and the tests run both.

Over _numba_kernels.lstm_cell (which needed gi + b_hh copied into a buffer, then `a += h @ W_hh^T` per step):
lstm_step reads the step's GEMM output, gi_t and the bias in its one pass, so the GEMM writes straight into the
gate buffer and the (t, b, 4h) broadcast add before the loop is gone (~0.1 ms at the LM's shapes; nn/modules/rnn.py
hands the scan b_ih + b_hh, so the input GEMM has no bias add either); lstm_step_backward also sums db_hh (numpy's
(t, b) reduction after the loop: 25 us); transpose8 gives the forward GEMM its contiguous W_hh^T in 25 us instead
of numpy's 70 us. The rest of a step is the per-step GEMMs (OpenBLAS, ~30 us forward and ~40 us backward at
(32, 128) x (128, 512), 2 threads) and the cell pass (~12 us forward, 5 us backward).
LSTM LM step (Embedding(27, 32) -> LSTM(32, 128) -> Linear, batch 32 x 16, AdamW), old / new / torch in one process
(alternating rounds, SCHED_FIFO): 3.86 / 3.55 / 3.33 ms at 2 threads (1.17x -> 1.06x torch's oneDNN LSTM), 4.14 /
3.77 / 3.79 ms at 1 thread; `python bench/steps.py --realtime --reps 60 --only lstm` gives the ratio alone."""
import numba
import numpy as np

from ._numba_kernels import _jit, _ONE, _sig32, _tanh32


@numba.njit(**_jit)
def transpose8(w):
    """w.T as a new C-contiguous array, in 8 x 8 tiles (numpy's strided copy of a (512, 128) float32 array: 70 us,
    this: 25 us); the ragged edges element by element."""
    R, C = w.shape
    out = np.empty((C, R), w.dtype)
    R8, C8 = R - R % 8, C - C % 8
    for i0 in range(0, R8, 8):
        for j0 in range(0, C8, 8):
            for jj in range(8):
                o = out[j0 + jj]
                for ii in range(8):
                    o[i0 + ii] = w[i0 + ii, j0 + jj]
    for i in range(R):
        for j in range(C8, C):
            out[j, i] = w[i, j]
    for i in range(R8, R):
        for j in range(C8):
            out[j, i] = w[i, j]
    return out


@numba.njit(**_jit)
def lstm_step(a, gi, b, c, c_out, h_out):
    """a (b, 4h) = h W_hh^T on entry; the gate pre-activations a + gi + b ([i, f, g, o], b: b_hh or zeros) become
    their activations in a; c_out = f c + i g, h_out = o tanh(c_out). (Per row, one 1-D view per gate: LLVM
    vectorises that loop, not the 2-D indexing.)"""
    B, H = c.shape
    bi, bf, bg, bo = b[:H], b[H:2 * H], b[2 * H:3 * H], b[3 * H:]
    for r in range(B):
        ai, af, ag, ao = a[r, :H], a[r, H:2 * H], a[r, 2 * H:3 * H], a[r, 3 * H:]
        xi, xf, xg, xo = gi[r, :H], gi[r, H:2 * H], gi[r, 2 * H:3 * H], gi[r, 3 * H:]
        cb, cob, hob = c[r], c_out[r], h_out[r]
        for j in range(H):
            i = _sig32(ai[j] + xi[j] + bi[j])
            f = _sig32(af[j] + xf[j] + bf[j])
            g = _tanh32(ag[j] + xg[j] + bg[j])
            o = _sig32(ao[j] + xo[j] + bo[j])
            ai[j], af[j], ag[j], ao[j] = i, f, g, o
            cn = f * cb[j] + i * g
            cob[j] = cn
            hob[j] = o * _tanh32(cn)



@numba.njit(**_jit)
def lstm_step_backward(gh, dh, dc, acts, c, cprev, dgates, db):
    """One step back: d = gh + dh reaches h_t = o tanh(c_t); dc (b, h), the gradient reaching c_t from later steps,
    becomes the one reaching c_{t-1}; dgates (b, 4h) gets d [i, f, g, o] (pre-activation), and db (4h,) their sum
    over the batch added (db_hh without numpy's 25 us (t, b) reduction after the loop)."""
    B, H = c.shape
    bi, bf, bg, bo = db[:H], db[H:2 * H], db[2 * H:3 * H], db[3 * H:]
    for r in range(B):
        ai, af, ag, ao = acts[r, :H], acts[r, H:2 * H], acts[r, 2 * H:3 * H], acts[r, 3 * H:]
        di, df, dg, do = dgates[r, :H], dgates[r, H:2 * H], dgates[r, 2 * H:3 * H], dgates[r, 3 * H:]
        ghb, dhb, dcb, cb, cpb = gh[r], dh[r], dc[r], c[r], cprev[r]
        for j in range(H):
            i, f, g, o = ai[j], af[j], ag[j], ao[j]
            d = ghb[j] + dhb[j]
            tc = _tanh32(cb[j])
            dcn = dcb[j] + d * o * (_ONE - tc * tc)
            vi, vf = dcn * g * i * (_ONE - i), dcn * cpb[j] * f * (_ONE - f)
            vg, vo = dcn * i * (_ONE - g * g), d * tc * o * (_ONE - o)
            di[j], df[j], dg[j], do[j] = vi, vf, vg, vo
            bi[j] += vi
            bf[j] += vf
            bg[j] += vg
            bo[j] += vo
            dcb[j] = dcn * f


# ---- GRU cell, one time step (ops/rnn.py, GRUScan) ----------------------------------------------------------------
@numba.njit(**_jit)
def gru_cell(x, gh, h, rzn, ghn, h_out):
    """One GRU step after its GEMM: x (b, 3h) input gates, gh (b, 3h) = h W_hh^T + b_hh; rzn (b, 3h) gets
    [r, z, n], ghn (b, h) gh's n part, h_out = (1 - z) n + z h."""
    B, H = h.shape
    for b in range(B):
        xr, xz, xn = x[b, :H], x[b, H:2 * H], x[b, 2 * H:]
        hr, hz, hn = gh[b, :H], gh[b, H:2 * H], gh[b, 2 * H:]
        rr, rz, rn = rzn[b, :H], rzn[b, H:2 * H], rzn[b, 2 * H:]
        hb, gb, ob = h[b], ghn[b], h_out[b]
        for j in range(H):
            r = _sig32(xr[j] + hr[j])
            z = _sig32(xz[j] + hz[j])
            n = _tanh32(xn[j] + r * hn[j])
            rr[j], rz[j], rn[j], gb[j] = r, z, n, hn[j]
            ob[j] = (_ONE - z) * n + z * hb[j]


@numba.njit(**_jit)
def gru_cell_backward(g, dh, rzn, ghn, hprev, dgi, dgh, dz_h):
    """One step back: d = g + dh reaches h_t; dgi (b, 3h) = [dr, dz, dn], dgh = [dr, dz, dn r], and dz_h = d z, the
    part of dh_{t-1} that does not go through W_hh."""
    B, H = hprev.shape
    for b in range(B):
        rr, rz, rn = rzn[b, :H], rzn[b, H:2 * H], rzn[b, 2 * H:]
        ir, iz, in_ = dgi[b, :H], dgi[b, H:2 * H], dgi[b, 2 * H:]
        hr, hz, hn = dgh[b, :H], dgh[b, H:2 * H], dgh[b, 2 * H:]
        gb, db, gnb, hp, out = g[b], dh[b], ghn[b], hprev[b], dz_h[b]
        for j in range(H):
            r, z, n = rr[j], rz[j], rn[j]
            d = gb[j] + db[j]
            dn = d * (_ONE - z) * (_ONE - n * n)
            dzz = d * (hp[j] - n) * z * (_ONE - z)
            dr = dn * gnb[j] * r * (_ONE - r)
            ir[j], iz[j], in_[j] = dr, dzz, dn
            hr[j], hz[j], hn[j] = dr, dzz, dn * r
            out[j] = d * z
