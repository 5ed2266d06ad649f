"""Recurrent scans: one graph node per layer and direction. The input projection x W_ih^T + b_ih for all
time steps is one GEMM outside (a Linear node); the scan runs the time loop on raw arrays and its backward
is backpropagation through time, with dW_hh summed as one GEMM over all steps at the end.
Shapes: gi (t, b, G h) precomputed input gates, h0 (b, h), w_hh (G h, h), b_hh (G h,). Gate order is torch's.
An optional mask (t, b, 1) (bool) runs packed sequences: where it is False (a step past that sequence's length)
the state passes through unchanged, so h at the last step (first, reversed) is each sequence's final state."""
import numpy as np
from ..autograd.function import Function
from ..autograd.graph_backward import const, recomputed_grads, where
from .movement import Cat
from .._arrays import contiguous, on_device_of, xp_of
from ..backend.cpu import fused_for, one_pass_for


def _tanh(a, out=None):
    """np.tanh(a, out=out), through the one-pass float32 kernel (backend/_numba_act) where it takes the arrays"""
    k = one_pass_for(a) if out is None else one_pass_for(a, out)
    return np.tanh(a, out=out) if k is None else k.tanh(a, out)


def _sig(x):
    return 0.5 * _tanh(0.5 * x) + 0.5  # no overflow warnings, float32 stays float32


def _steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _hh_grads(n, dgh, hprev, H):
    """dW_hh = sum_t dgh_t^T h_{t-1} and db_hh = sum_t dgh_t, as single reductions over (t b)."""
    dw = dgh.reshape(-1, dgh.shape[-1]).T @ hprev.reshape(-1, H) if n[2] else None
    db = dgh.sum(axis=(0, 1)) if len(n) > 3 and n[3] else None
    return (dw, db) if len(n) > 3 else (dw,)


def _holomorphic(backward):
    """A scan's backward written with the real formulas, made right for complex scans. Every step is holomorphic
    (tanh, sigmoid, sums of products), so torch's gradient, the conjugate Jacobian times g, is conj(J^T conj(g)):
    the real formulas applied to conj(g), conjugated."""
    def backward_any(self, g):
        if g.dtype.kind != "c":
            return backward(self, g)
        return tuple(None if r is None else r.conj() for r in backward(self, g.conj()))
    backward_any.__doc__ = backward.__doc__
    return backward_any


class RNNScan(Function):
    """h_t = act(gi_t + h_{t-1} W_hh^T + b_hh), act = tanh or relu;  returns all h_t (t, b, h)."""
    saves_output = True
    def forward(self, gi, h0, w_hh, *b_hh, relu=False, reverse=False, mask=None):
        if relu and gi.dtype.kind == "c":  # complex numbers have no order to clamp at zero (torch refuses too)
            raise NotImplementedError(f"RNN: nonlinearity 'relu' is not defined for complex tensors (got {gi.dtype})")
        T = gi.shape[0]
        hs = np.empty_like(gi)
        h = h0
        for t in _steps(T, reverse):
            a = gi[t] + h @ w_hh.T
            if b_hh:
                a += b_hh[0]
            a = np.maximum(a, 0, out=a) if relu else _tanh(a, out=a)
            h = a if mask is None else np.where(mask[t], a, h)
            hs[t] = h
        self.hs, self.h0, self.w_hh, self.relu, self.reverse, self.mask = hs, h0, w_hh, relu, reverse, mask
        return hs

    @_holomorphic
    def backward(self, g):
        hs, w, T = self.hs, self.w_hh, g.shape[0]
        da = np.empty_like(g)
        dh = np.zeros_like(self.h0)
        for t in _steps(T, not self.reverse):
            d = g[t] + dh
            dd = d * (hs[t] > 0) if self.relu else d * (1 - hs[t] * hs[t])
            if self.mask is not None:  # a finished sequence's state passes through unchanged
                dd *= self.mask[t]
            da[t] = dd
            dh = dd @ w if self.mask is None else dd @ w + np.where(self.mask[t], 0, d)
        hprev = _shifted(hs, self.h0, self.reverse)
        return (da, dh) + _hh_grads(self.needs_input_grad, da, hprev, w.shape[1])

    def backward_graph(self, g):
        # the same steps on Tensors; hs enters as this node's own output, so what is computed from it differentiates
        # back through the scan
        hs, w, h0 = self._output(self.hs), self._input(2, self.w_hh), self._input(1, self.h0)
        if self.w_hh.dtype.kind == "c":  # torch's convention: the derivatives enter conjugated
            hs, w, h0 = hs.conj(), w.conj(), h0.conj()
        T, m = g.shape[0], self.mask
        da = [None] * T
        dh = const(xp_of(self.h0).zeros_like(self.h0))
        for t in _steps(T, not self.reverse):
            d = g[t] + dh
            dd = where(self.hs[t] > 0, d, 0.0) if self.relu else d * (1.0 - hs[t] * hs[t])
            if m is not None:  # a finished sequence's state passes through unchanged
                dd = where(m[t], dd, 0.0)
            da[t] = dd
            dh = dd @ w if m is None else dd @ w + where(m[t], 0.0, d)
        da = Cat.apply(*[a.unsqueeze(0) for a in da], axis=0)
        hprev = Cat.apply(*((hs[1:], h0.unsqueeze(0)) if self.reverse else (h0.unsqueeze(0), hs[:-1])), axis=0)
        n = self.needs_input_grad
        dw = da.reshape(-1, da.shape[-1]).mT @ hprev.reshape(-1, hprev.shape[-1]) if n[2] else None
        if len(n) == 3:
            return da, dh, dw
        return da, dh, dw, (da.sum((0, 1)) if n[3] else None)


def _shifted(hs, h0, reverse):
    """h_{t-1} for every t in scan order: h0 first, then the outputs shifted by one step."""
    if reverse:
        return np.concatenate([hs[1:], h0[None]], axis=0)
    return np.concatenate([h0[None], hs[:-1]], axis=0)


def _gate_affine(H, G, sig_gates, dtype):
    """Per-column (scale, shift) so that ONE tanh call gives every gate: sigmoid(x) = 0.5 tanh(x/2) + 0.5
    for the sigmoid gates, tanh(x) itself for the others."""
    k = np.ones(G * H, dtype=dtype)
    for gidx in sig_gates:
        k[gidx * H:(gidx + 1) * H] = 0.5
    return k, np.where(k == 0.5, dtype.type(0.5), dtype.type(0))


class LSTMScan(Function):
    """gates = gi_t + h W_hh^T + b_hh = [i, f, g, o];  c_t = f c + i g;  h_t = o tanh(c_t), or with a projection
    (proj=True, LSTMP) h_t = (o tanh(c_t)) W_hr^T with w_hr (p, h), so h and w_hh's columns have size p.
    Optional inputs after w_hh: b_hh, then w_hr (torch's parameter order).
    Returns one flat array (one graph node): all h_t (t, b, p) flattened, then c at the last step (b, h).
    float32 on the CPU without packing or projection: per step one GEMM into the gate buffer and one numba pass
    (backend/_numba_rnn.py) each way. Otherwise numpy, whose backward computes every factor that doesn't depend on
    the incoming gradient for all steps before the loop, so each step is a handful of array ops and one GEMM (two
    with a projection)."""
    saves_output = True
    def forward(self, gi, h0, c0, w_hh, *opt, proj=False, reverse=False, mask=None):
        T, B, H, P = gi.shape[0], gi.shape[1], c0.shape[1], h0.shape[1]
        b_hh = opt[0] if len(opt) > proj else None
        w_hr = opt[-1] if proj else None
        xp = xp_of(gi)
        out = xp.empty(T * B * P + B * H, dtype=gi.dtype)
        hs = out[:T * B * P].reshape(T, B, P)
        cs = xp.empty((T, B, H), dtype=gi.dtype)
        self.cs, self.h0, self.c0, self.w_hh, self.reverse, self.mask, self.hs = cs, h0, c0, w_hh, reverse, mask, hs
        self.w_hr, self.has_bias = w_hr, b_hh is not None
        self.gi, self.b_hh = gi, b_hh  # only create_graph's recomputation reads them (acts no longer holds gi)
        kern = self.kernels = fused_for(gi, h0, c0, w_hh, *opt) if mask is None and not proj else None
        if kern is not None:
            self._forward_fused(gi, b_hh, hs, cs)
        else:
            self.acts, self.ms = self._forward_numpy(gi, b_hh, w_hr, hs, cs)
        out[T * B * P:] = (cs[0 if reverse else T - 1] if T else c0).reshape(-1)  # c at the last step
        return out

    def _forward_fused(self, gi, b_hh, hs, cs):
        """The step's GEMM writes into the gate buffer, then lstm_step adds gi_t and b_hh and runs the cell."""
        from ..backend import _numba_rnn
        T, B, H = cs.shape
        acts = self.acts = np.empty_like(gi)  # the gate activations, step by step
        self.ms = hs
        b = b_hh if b_hh is not None else np.zeros(4 * H, dtype=gi.dtype)
        wT = _numba_rnn.transpose8(self.w_hh)
        step = _numba_rnn.lstm_step
        h, c = self.h0, self.c0
        zero_h0 = not self.h0.any()  # the usual hx=None: the first step's GEMM would only multiply zeros
        for t in _steps(T, self.reverse):
            a = acts[t]
            if zero_h0:
                a.fill(0)
                zero_h0 = False
            else:
                np.matmul(h, wT, out=a)
            step(a, gi[t], b, c, cs[t], hs[t])
            h, c = hs[t], cs[t]

    def _forward_numpy(self, gi, b_hh, w_hr, hs, cs):
        """The reference path (no numba, float64, cupy, packed sequences, projections). Returns (acts, ms)."""
        T, B, H = cs.shape
        xp, mask, proj = xp_of(gi), self.mask, w_hr is not None
        ms = xp.empty((T, B, H), dtype=gi.dtype) if proj else hs  # o tanh(c_t), before the projection
        acts = gi + b_hh if b_hh is not None else gi.copy()  # becomes the gate activations, step by step
        k, shift = (on_device_of(gi, a) for a in _gate_affine(H, 4, (0, 1, 3), gi.dtype))
        wT = contiguous(self.w_hh.T)
        hrT = contiguous(w_hr.T) if proj else None
        h, c = self.h0, self.c0
        for t in _steps(T, self.reverse):
            a = acts[t]
            a += h @ wT
            a *= k
            _tanh(a, out=a)
            a *= k
            a += shift
            cn = a[:, H:2 * H] * c
            cn += a[:, :H] * a[:, 2 * H:3 * H]
            c = cn if mask is None else np.where(mask[t], cn, c)
            cs[t] = c
            hn = np.multiply(a[:, 3 * H:], _tanh(c), out=ms[t])
            if proj:
                hn = hn @ hrT
            h = hn if mask is None else np.where(mask[t], hn, h)
            hs[t] = h
        return acts, ms

    def backward_graph(self, g):
        opt = ((self.b_hh,) if self.has_bias else ()) + ((self.w_hr,) if self.w_hr is not None else ())
        values = (self.gi, self.h0, self.c0, self.w_hh) + opt
        return recomputed_grads(self, values, self._tensor_forward, g)

    def _tensor_forward(self, gi, h0, c0, w_hh, *opt):
        """forward with Tensor operations (for backward_graph): the same steps as the numpy path."""
        from ..tensor_ops import cat, stack
        b_hh = opt[0] if self.has_bias else None
        w_hr = opt[-1] if self.w_hr is not None else None
        H, m = c0.shape[1], self.mask
        h, c = h0, c0
        hs = [None] * gi.shape[0]
        for t in _steps(gi.shape[0], self.reverse):
            a = gi[t] + h @ w_hh.mT
            if b_hh is not None:
                a = a + b_hh
            i, f, o = a[:, :H].sigmoid(), a[:, H:2 * H].sigmoid(), a[:, 3 * H:].sigmoid()
            cn = f * c + i * a[:, 2 * H:3 * H].tanh()
            hn = o * cn.tanh()
            if w_hr is not None:
                hn = hn @ w_hr.mT
            c, h = (cn, hn) if m is None else (where(m[t], cn, c), where(m[t], hn, h))
            hs[t] = h
        return cat([stack(hs).reshape(-1), c.reshape(-1)])

    @_holomorphic
    def backward(self, g):
        acts, cs, w, H, P = self.acts, self.cs, self.w_hh, self.c0.shape[1], self.h0.shape[1]
        T, B = acts.shape[:2]
        gh = g[:T * B * P].reshape(T, B, P)
        if self.kernels is not None and g.dtype == np.float32:
            return self._backward_fused(g, gh)
        i, f, gg, o = acts[..., :H], acts[..., H:2 * H], acts[..., 2 * H:3 * H], acts[..., 3 * H:]
        tc = _tanh(cs)
        cprev = _shifted(cs, self.c0, self.reverse)
        # d gates = [dc * Fi, dc * Ff, dc * Fg, d * Fo] with the F's known up front
        F3 = xp_of(acts).empty((T, B, 3, H), dtype=acts.dtype)
        F3[:, :, 0] = gg * i * (1 - i)
        F3[:, :, 1] = cprev * f * (1 - f)
        F3[:, :, 2] = i * (1 - gg * gg)
        Fo = tc * o * (1 - o)
        Fc = o * (1 - tc * tc)
        dgates = np.empty_like(acts)
        dg3 = dgates[..., :3 * H].reshape(T, B, 3, H)
        w_hr = self.w_hr
        dhs = np.empty_like(self.hs) if w_hr is not None else None  # d h_t of every step, for dW_hr
        dh = np.zeros_like(self.h0)
        dc = g[T * B * P:].reshape(B, H).copy()
        m = self.mask
        for t in _steps(T, not self.reverse):
            d = gh[t] + dh
            if w_hr is not None:  # back through the projection, to o tanh(c_t)
                dhs[t] = d
                dm = d @ w_hr
            else:
                dm = d
            dcn = dc + dm * Fc[t] if m is not None else dc
            if m is None:
                dc += dm * Fc[t]
            np.multiply(F3[t], dcn[:, None, :], out=dg3[t])
            np.multiply(Fo[t], dm, out=dgates[t, :, 3 * H:])
            if m is None:
                dc *= f[t]
                dh = dgates[t] @ w
            else:  # a finished sequence's (h, c) pass through unchanged
                dgates[t] *= m[t]
                dc = np.where(m[t], dcn * f[t], dc)
                dh = dgates[t] @ w + np.where(m[t], 0, d)
        n = self.needs_input_grad
        grads = self._hh_grads(dgates)
        if w_hr is not None:  # dW_hr = sum_t dh_t^T (o tanh(c_t)), over the steps each sequence really ran
            if m is not None:
                dhs *= m
            grads += (dhs.reshape(-1, P).T @ self.ms.reshape(-1, H) if n[-1] else None,)
        return (dgates, dh, dc) + grads

    def _backward_fused(self, g, gh):
        """backward for the fused forward (no mask, no projection): one kernel pass per step (which also sums
        db_hh), then its GEMM."""
        from ..backend._numba_rnn import lstm_step_backward as cell
        acts, cs, w = self.acts, self.cs, self.w_hh
        T, B, H = cs.shape
        dgates = np.empty_like(acts)
        db = np.zeros(4 * H, dtype=acts.dtype)
        dh = np.zeros_like(self.h0)
        dc = g[T * B * H:].reshape(B, H).copy()
        first = T - 1 if self.reverse else 0  # the step whose c_{t-1} is c0
        back = 1 if self.reverse else -1
        n = self.needs_input_grad
        for t in _steps(T, not self.reverse):
            cell(gh[t], dh, dc, acts[t], cs[t], self.c0 if t == first else cs[t + back], dgates[t], db)
            dh = dgates[t] @ w if t != first or n[1] else None  # the last GEMM gives only h0's gradient
        grads = _hh_grads([n[0], n[1], n[3]], dgates, _shifted(self.hs, self.h0, self.reverse), H)
        if self.has_bias:
            grads += (db if n[4] else None,)
        return (dgates, dh, dc) + grads

    def _hh_grads(self, dgates):
        """dW_hh (and db_hh): for the inputs gi, h0, c0, w_hh, [b_hh] that need them (w_hr's is apart)."""
        n = self.needs_input_grad
        hprev = _shifted(self.hs, self.h0, self.reverse)
        return _hh_grads([n[0], n[1], n[3]] + ([n[4]] if self.has_bias else []), dgates, hprev, self.h0.shape[1])


class GRUScan(Function):
    """r = s(gi_r + gh_r), z = s(gi_z + gh_z), n = tanh(gi_n + r gh_n), h_t = (1 - z) n + z h, with
    gh = h W_hh^T + b_hh (gates r, z, n as torch)."""
    saves_output = True
    def forward(self, gi, h0, w_hh, *b_hh, reverse=False, mask=None):
        T, H = gi.shape[0], h0.shape[1]
        hs = xp_of(gi).empty(gi.shape[:2] + (H,), dtype=gi.dtype)
        rzn = np.empty_like(gi)
        ghn = np.empty_like(hs)
        # float32 on the CPU, no packing: one fused pass for the gates and h after each step's GEMM
        kern = self.kernels = fused_for(gi, h0, w_hh) if mask is None else None
        if kern is not None:  # a contiguous W_hh^T once: each step's GEMM on the transposed view was ~20% slower
            from ..backend import _numba_rnn as kern  # the GRU cell's kernels
            self.kernels = kern
            wT = kern.transpose8(w_hh)
        else:
            wT = w_hh.T
        h = h0
        for t in _steps(T, reverse):
            gh = h @ wT
            if b_hh:
                gh += b_hh[0]
            x = gi[t]
            if kern is not None:
                kern.gru_cell(x, gh, h, rzn[t], ghn[t], hs[t])
                h = hs[t]
                continue
            rz = _sig(x[:, :2 * H] + gh[:, :2 * H])
            r, z = rz[:, :H], rz[:, H:]
            n = _tanh(x[:, 2 * H:] + r * gh[:, 2 * H:])
            hn = (1 - z) * n + z * h
            h = hn if mask is None else np.where(mask[t], hn, h)
            rzn[t, :, :2 * H], rzn[t, :, 2 * H:], ghn[t], hs[t] = rz, n, gh[:, 2 * H:], h
        self.rzn, self.ghn, self.hs, self.h0, self.w_hh, self.reverse = rzn, ghn, hs, h0, w_hh, reverse
        self.mask, self.gi, self.b_hh = mask, gi, b_hh  # gi, b_hh: only create_graph's recomputation reads them
        return hs

    def backward_graph(self, g):
        return recomputed_grads(self, (self.gi, self.h0, self.w_hh) + tuple(self.b_hh), self._tensor_forward, g)

    def _tensor_forward(self, gi, h0, w_hh, *b_hh):
        """forward with Tensor operations (for backward_graph): the same steps as the numpy path."""
        from ..tensor_ops import stack
        H, m = h0.shape[1], self.mask
        h = h0
        hs = [None] * gi.shape[0]
        for t in _steps(gi.shape[0], self.reverse):
            gh = h @ w_hh.mT
            if b_hh:
                gh = gh + b_hh[0]
            x = gi[t]
            r = (x[:, :H] + gh[:, :H]).sigmoid()
            z = (x[:, H:2 * H] + gh[:, H:2 * H]).sigmoid()
            n = (x[:, 2 * H:] + r * gh[:, 2 * H:]).tanh()
            hn = (1.0 - z) * n + z * h
            h = hn if m is None else where(m[t], hn, h)
            hs[t] = h
        return stack(hs)

    @_holomorphic
    def backward(self, g):
        rzn, w, H = self.rzn, self.w_hh, self.h0.shape[1]
        T = g.shape[0]
        hprev = _shifted(self.hs, self.h0, self.reverse)
        dgi = np.empty_like(rzn)
        dgh = np.empty_like(rzn)
        dh = np.zeros_like(self.h0)
        if self.kernels is not None and g.dtype == np.float32:
            dz_h = np.empty_like(self.h0)
            for t in _steps(T, not self.reverse):
                self.kernels.gru_cell_backward(g[t], dh, rzn[t], self.ghn[t], hprev[t], dgi[t], dgh[t], dz_h)
                dh = dz_h + dgh[t] @ w
            return (dgi, dh) + _hh_grads(self.needs_input_grad, dgh, hprev, H)
        for t in _steps(T, not self.reverse):
            r, z, n = rzn[t, :, :H], rzn[t, :, H:2 * H], rzn[t, :, 2 * H:]
            d = g[t] + dh
            dn = d * (1 - z) * (1 - n * n)
            dz = d * (hprev[t] - n) * z * (1 - z)
            dr = dn * self.ghn[t] * r * (1 - r)
            dgi[t, :, :H], dgi[t, :, H:2 * H], dgi[t, :, 2 * H:] = dr, dz, dn
            dgh[t, :, :H], dgh[t, :, H:2 * H], dgh[t, :, 2 * H:] = dr, dz, dn * r
            if self.mask is None:
                dh = d * z + dgh[t] @ w
            else:  # a finished sequence's state passes through unchanged
                m = self.mask[t]
                dgi[t] *= m
                dgh[t] *= m
                dh = np.where(m, d * z, d) + dgh[t] @ w
        return (dgi, dh) + _hh_grads(self.needs_input_grad, dgh, hprev, H)
