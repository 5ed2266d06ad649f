"""CTC loss (F.ctc_loss, nn.CTCLoss), torch's semantics: log_probs (T, N, C) or (T, C), targets padded (N, S) or
concatenated 1-D, reduction='mean' divides each loss by its target length, then averages over the batch.

Both recursions run in log space over the extended label sequence l' = (blank, l1, blank, l2, ..., lS, blank),
vectorised over the batch and the label positions (the loop is over time):
    alpha_t(s) = lp[t, l'_s] + lse(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) if l'_s != blank, l'_{s-2})
    beta_t(s)  = lp[t, l'_s] + lse(beta_{t+1}(s), beta_{t+1}(s+1), beta_{t+1}(s+2) if l'_{s+2} may skip)
    nll = -lse(alpha_{T-1}(2S), alpha_{T-1}(2S-1))."""
import numpy as np
from ..autograd.function import Function
from ..tensor import Tensor
from ..tensor import dt
from .._arrays import on_device_of, to_host

_NEG = -np.inf


def _host(a):
    """A numpy copy of a numpy or GPU array: the recursions loop over time on the host (one small kernel launch
    per frame on a GPU would cost more than the copy)."""
    return to_host(a)


def _lse3(a, b, c):
    """log(e^a + e^b + e^c) elementwise; -inf where all three are."""
    m = np.maximum(np.maximum(a, b), c)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return m + np.log(np.exp(a - m) + np.exp(b - m) + np.exp(c - m))


def _shift(a, k, fill=_NEG):
    """a moved k places along the last axis (right for k > 0, left for k < 0), filled with `fill`."""
    out = np.full_like(a, fill)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CTC(Function):
    """nll_n per batch element (N,). d nll_n / d lp[t, n, c] = exp(lp) - sum_{s: l'_s = c} exp(alpha_t(s) + beta_t(s)
    + nll_n - lp[t, l'_s]) for t < T_n, else 0: torch's gradient, whose exp(lp) term cancels through the
    log_softmax that makes log_probs (so it is the true gradient only through that)."""
    def forward(self, lp, ext=None, skip=None, in_len=None, tgt_len=None, zero_infinity=False):
        T, N, _ = lp.shape
        L = ext.shape[1]
        self.device_like = lp
        lp64 = _host(lp).astype(np.float64)
        lpe = np.take_along_axis(lp64, np.broadcast_to(ext[None], (T, N, L)), axis=2)  # (T, N, L): lp[t, n, l'_s]
        alpha = np.full((T, N, L), _NEG)
        alpha[0, :, :2] = lpe[0, :, :2]
        for t in range(1, T):
            a = alpha[t - 1]
            alpha[t] = lpe[t] + _lse3(a, _shift(a, 1), np.where(skip, _shift(a, 2), _NEG))
        n = np.arange(N)
        last = np.maximum(in_len - 1, 0)
        end = alpha[last, n, 2 * tgt_len]
        before = np.where(tgt_len > 0, alpha[last, n, np.maximum(2 * tgt_len - 1, 0)], _NEG)
        nll = -np.logaddexp(end, before)
        nll = np.where(in_len > 0, nll, np.where(tgt_len > 0, np.inf, 0.0))  # no frames: only "" is possible
        self.lp64, self.lpe, self.alpha, self.nll = lp64, lpe, alpha, nll
        self.ext, self.skip, self.in_len, self.tgt_len, self.zero_infinity = ext, skip, in_len, tgt_len, zero_infinity
        if zero_infinity:
            nll = np.where(np.isinf(nll), 0.0, nll)
        return on_device_of(lp, nll.astype(lp.dtype))

    def backward(self, dy):
        lpe, alpha, nll, ext, in_len, tgt_len = self.lpe, self.alpha, self.nll, self.ext, self.in_len, self.tgt_len
        T, N, L = lpe.shape
        C = self.lp64.shape[2]
        n = np.arange(N)
        skip_next = _shift(self.skip, -2, False)  # s -> s+2 is allowed when l'_{s+2} may skip back to s
        beta = np.full((T, N, L), _NEG)
        start = np.full((N, L), _NEG)  # beta at each element's own last frame: only the two end positions
        start[n, 2 * tgt_len] = 0.0
        start[n, np.maximum(2 * tgt_len - 1, 0)] = 0.0  # (for an empty target that is position 0 again)
        nxt = np.full((N, L), _NEG)
        for t in range(T - 1, -1, -1):
            b = lpe[t] + _lse3(nxt, _shift(nxt, -1), np.where(skip_next, _shift(nxt, -2), _NEG))
            b = np.where((t == in_len - 1)[:, None], lpe[t] + start, b)
            b[t >= in_len] = _NEG
            beta[t] = nxt = b
        with np.errstate(invalid="ignore", over="ignore"):  # an impossible alignment (nll inf) gives nan, as torch
            occ = np.exp(alpha + beta + nll[None, :, None] - lpe)  # (T, N, L): share of the paths through (t, s)
        onehot = (ext[:, :, None] == np.arange(C)).astype(np.float64)  # (N, L, C)
        grad = np.exp(self.lp64) - np.matmul(occ.transpose(1, 0, 2), onehot).transpose(1, 0, 2)  # (T, N, C)
        grad[np.arange(T)[:, None] >= in_len[None, :]] = 0.0
        if self.zero_infinity:
            grad[:, np.isinf(nll)] = 0.0
        grad = (grad * _host(dy).astype(np.float64)[None, :, None]).astype(dy.dtype)
        return on_device_of(self.device_like, grad)


def _lengths(v, what):
    a = _host(v._data) if isinstance(v, Tensor) else np.asarray(v)
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"ctc_loss: {what} must be integers, got dtype {a.dtype}")
    return a.astype(np.int64).reshape(-1)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    op = "ctc_loss"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction (none, mean, sum)")
    if log_probs.ndim not in (2, 3) or not dt.is_floating(log_probs.dtype):
        raise RuntimeError(f"{op}: expected log_probs of shape (T, N, C) or (T, C) and a floating dtype, got shape "
                           f"{tuple(log_probs.shape)} and dtype {log_probs.dtype}")
    if log_probs.numel() == 0:
        raise RuntimeError(f"{op}: log_probs tensor must not be empty (shape {tuple(log_probs.shape)})")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
    T, N, C = log_probs.shape
    tg = _host(targets._data) if isinstance(targets, Tensor) else np.asarray(targets)
    if tg.dtype.kind in "fb":  # torch reads float and bool labels as their int64 casts
        tg = tg.astype(np.int64)
    if tg.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: targets must be integers, got dtype {tg.dtype}")
    if unbatched:  # torch reads (S,) targets as concatenated: exactly target_length labels
        tg = tg.reshape(-1)
    in_len, tgt_len = _lengths(input_lengths, "input_lengths"), _lengths(target_lengths, "target_lengths")
    if len(in_len) != N or len(tgt_len) != N:
        raise RuntimeError(f"{op}: input_lengths ({len(in_len)}) and target_lengths ({len(tgt_len)}) must both "
                           f"have the batch size ({N})")
    if not 0 <= blank < C:
        raise RuntimeError(f"{op}: blank must be in label range [0, {C}), got {blank}")
    if in_len.min(initial=0) < 0 or in_len.max(initial=0) > T:
        raise RuntimeError(f"{op}: Expected input_lengths to have value at most {T}, but got value "
                           f"{in_len.max() if in_len.max() > T else in_len.min()}")
    if tgt_len.min(initial=0) < 0:
        raise RuntimeError(f"{op}: target_lengths must be >= 0, got {tgt_len.min()}")
    S = int(tgt_len.max(initial=0))
    padded = np.full((N, S), blank, dtype=np.int64)
    if tg.ndim == 2:
        if tg.shape[0] != N or tg.shape[1] < S:
            raise RuntimeError(f"{op}: padded targets of shape {tg.shape} must be (N={N}, at least "
                               f"max target length {S})")
        for i, k in enumerate(tgt_len):
            padded[i, :k] = tg[i, :k]
    elif tg.ndim == 1:
        if tg.shape[0] != tgt_len.sum():  # torch: exactly the labels the lengths count
            raise RuntimeError(f"{op}: concatenated targets hold {tg.shape[0]} labels, but target_lengths sum to "
                               f"{tgt_len.sum()}")
        starts = np.concatenate([[0], np.cumsum(tgt_len)[:-1]])
        for i, (s, k) in enumerate(zip(starts, tgt_len)):
            padded[i, :k] = tg[s:s + k]
    else:
        raise RuntimeError(f"{op}: targets must be 1-D (concatenated) or 2-D (padded), got shape {tg.shape}")
    if S and (padded.min() < 0 or padded.max() >= C):
        raise RuntimeError(f"{op}: target labels must be in [0, {C}), got {padded.min()}..{padded.max()}")
    ext = np.full((N, 2 * S + 1), blank, dtype=np.int64)
    ext[:, 1::2] = padded
    skip = np.zeros(ext.shape, dtype=bool)
    skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]  # a label may follow the previous one directly unless repeated
    loss = CTC.apply(log_probs, ext=ext, skip=skip, in_len=in_len, tgt_len=tgt_len, zero_infinity=zero_infinity)
    if reduction == "mean":
        return (loss / Tensor._from_data(np.maximum(tgt_len, 1).astype(loss._data.dtype), device=loss.device)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss
