"""F.multi_head_attention_forward: torch's functional multi-head attention, and the code path nn.MultiheadAttention
runs (the module passes its parameters here). Masks follow torch: in attn_mask and key_padding_mask a bool True
means "may NOT attend" (the opposite of SDPA's bool mask); float masks are added to the scores. bias_k / bias_v
append a learned key and value to every source sequence, add_zero_attn an all-zero one."""
import math
import numpy as np
from ..tensor import Tensor, dt  # dt: the dtype module (the package attribute `dtype` is the class, as torch)
from ..tensor_ops import cat
from ..creation import zeros
from .._arrays import xp_of
from . import functional as F


class MHAAssertionError(AssertionError, RuntimeError):
    """torch asserts on these bad shapes (AssertionError); it is a RuntimeError too, as teenygrad raised before."""


class MHAMaskTypeError(AssertionError, TypeError):
    """torch asserts on a mask that is neither bool nor float; a TypeError too, as teenygrad raised before."""


def _additive(mask, dtype, what):
    """The mask as scores to add: a numpy array, or the Tensor itself when it is a float mask needing a gradient."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        return np.where(m, dtype.type(-np.inf), dtype.type(0))
    if not dt.is_floating(m.dtype):
        raise MHAMaskTypeError(f"MultiheadAttention: only bool and floating types of {what} are supported, got "
                               f"{m.dtype}")
    if m.dtype != dtype:  # torch adds it to the scores as it is, and the matmul refuses mixed dtypes
        raise RuntimeError(f"MultiheadAttention: float {what} dtype {m.dtype} doesn't match query's {dtype}")
    return mask if isinstance(mask, Tensor) and mask.requires_grad else m


def _pad_keys(mask, extra):
    """The additive mask with `extra` zero columns for the appended keys (they may be attended to)."""
    if isinstance(mask, Tensor):
        return F.pad(mask, (0, extra))
    return xp_of(mask).pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, extra)])


def _tensor(mask):
    return mask if isinstance(mask, Tensor) else Tensor._wrap(mask)


def _project(query, key, value, e, in_proj_weight, in_proj_bias, separate, q_proj_weight, k_proj_weight,
             v_proj_weight):
    b = in_proj_bias
    bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
    if not separate:
        if query is key and key is value:  # self-attention: one GEMM for q, k and v
            qkv = F.linear(query, in_proj_weight, b)
            return qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
        w = in_proj_weight
        wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
    else:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise MHAAssertionError("multi_head_attention_forward: use_separate_proj_weight is True but "
                                    "q_proj_weight, k_proj_weight or v_proj_weight is None")
        wq, wk, wv = q_proj_weight, k_proj_weight, v_proj_weight
        for name, w, x in (("query", wq, query), ("key", wk, key), ("value", wv, value)):
            if tuple(w.shape) != (e, x.shape[-1]):
                raise MHAAssertionError(f"MultiheadAttention: expecting {name} weights shape of {(e, x.shape[-1])} "
                                        f"(embed_dim, {name}'s last dim), but got {tuple(w.shape)}")
    return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)


def _check_static(name, s, n, h, d):
    if s.ndim != 3 or s.shape[0] != n * h or s.shape[2] != d:
        raise RuntimeError(f"multi_head_attention_forward: {name} shape {tuple(s.shape)} should be (bsz * num_heads "
                           f"= {n * h}, src_len, head_dim = {d})")


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """query (L, N, E), key and value (S, N, E), or unbatched (L, E) / (S, E); static_k / static_v (N * h, S', d)
    replace the projected keys / values. Returns (output (L, N, E), weights (N, L, S) averaged over heads, or per
    head (N, h, L, S) with average_attn_weights=False; None when need_weights is False)."""
    batched = query.ndim == 3
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise MHAAssertionError(f"MultiheadAttention: query, key and value must all be 3-D (batched) or 2-D, got "
                                f"{query.shape}, {key.shape}, {value.shape}")
    e = query.shape[-1]
    if e != embed_dim_to_check:
        raise MHAAssertionError(f"MultiheadAttention: query's last dim {e} != embed_dim {embed_dim_to_check} "
                                f"(query shape {query.shape})")
    if num_heads <= 0 or e % num_heads:
        raise MHAAssertionError(f"multi_head_attention_forward: embed_dim {e} not divisible by num_heads "
                                f"{num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("MultiheadAttention: need attn_mask if specifying the is_causal hint")
    # torch trusts the hint where it can: with no key_padding_mask and no weights to return, attn_mask is dropped
    # and SDPA's own top-left causal cut runs instead (over the appended bias_k / zero keys too)
    sdpa_causal = is_causal and key_padding_mask is None and not need_weights
    if sdpa_causal:
        attn_mask = None
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise MHAAssertionError(f"MultiheadAttention: for {query.ndim}-D query {tuple(query.shape)}, "
                                f"key_padding_mask must be {query.ndim - 1}-D, got shape "
                                f"{tuple(key_padding_mask.shape)}")
    if (not batched and attn_mask is not None and attn_mask.ndim == 3
            and tuple(attn_mask.shape) != (num_heads, query.shape[0], key.shape[0])):
        raise MHAAssertionError(f"MultiheadAttention: expected unbatched attn_mask shape "
                                f"{(num_heads, query.shape[0], key.shape[0])} (num_heads, L, S), got "
                                f"{tuple(attn_mask.shape)}")
    same = query is key and key is value
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        key_padding_mask = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
        if same:
            key = value = query
    L, N, _ = query.shape
    S = key.shape[0]
    if value.shape[:2] != key.shape[:2]:
        raise MHAAssertionError(f"MultiheadAttention: key shape {tuple(key.shape)} does not match value shape "
                                f"{tuple(value.shape)} in source length / batch")
    if key.shape[1] != N:
        raise RuntimeError(f"MultiheadAttention: key {tuple(key.shape)} and value {tuple(value.shape)} don't "
                           f"match query {tuple(query.shape)} in batch / source length (after batch_first)")
    h, d = num_heads, e // num_heads
    q, k, v = _project(query, key, value, e, in_proj_weight, in_proj_bias, use_separate_proj_weight,
                       q_proj_weight, k_proj_weight, v_proj_weight)
    extra = 0  # keys appended below: the masks get a zero column for each
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise RuntimeError("multi_head_attention_forward: bias_k / bias_v can't be added to static_k / static_v")
        k = cat([k, bias_k.expand(1, N, e)])  # (S + 1, N, E)
        v = cat([v, bias_v.expand(1, N, e)])
        extra += 1
    elif (bias_k is None) != (bias_v is None):
        raise RuntimeError("multi_head_attention_forward: bias_k and bias_v must both be given or both be None")
    # (len, N, E) -> (N, h, len, d)
    q = q.reshape(L, N, h, d).permute(1, 2, 0, 3)
    k = k.reshape(S + extra, N, h, d).permute(1, 2, 0, 3)
    v = v.reshape(S + extra, N, h, d).permute(1, 2, 0, 3)
    if static_k is not None:
        _check_static("static_k", static_k, N, h, d)
        k = static_k.reshape(N, h, static_k.shape[1], d)
    if static_v is not None:
        _check_static("static_v", static_v, N, h, d)
        v = static_v.reshape(N, h, static_v.shape[1], d)
    S = k.shape[2] - extra
    if add_zero_attn:
        k = cat([k, zeros(N, h, 1, d, dtype=k.dtype, device=k.device)], dim=2)
        v = cat([v, zeros(N, h, 1, d, dtype=v.dtype, device=v.device)], dim=2)
        extra += 1
    mask = None
    if attn_mask is not None:
        m = _additive(attn_mask, q.dtype, "attn_mask")
        if m.shape == (L, S):
            mask = m
        elif m.shape == (N * h, L, S):
            mask = m.reshape(N, h, L, S)
        elif m.ndim not in (2, 3):
            raise MHAAssertionError(f"MultiheadAttention: attn_mask must be 2-D or 3-D, got shape {m.shape}")
        else:
            raise RuntimeError(f"MultiheadAttention: attn_mask shape {m.shape} should be {(L, S)} or "
                               f"{(N * h, L, S)}")
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (N, S):
            raise MHAAssertionError(f"MultiheadAttention: key_padding_mask shape {tuple(key_padding_mask.shape)} "
                                    f"should be {(N, S)}")
        kp = _additive(key_padding_mask, q.dtype, "key_padding_mask").reshape(N, 1, 1, S)
        if mask is None:
            mask = kp
        elif isinstance(mask, Tensor) or isinstance(kp, Tensor):  # a learned float mask: keep the graph
            mask = _tensor(mask) + _tensor(kp)
        else:
            mask = mask + kp
    if mask is not None and extra:
        mask = _pad_keys(mask, extra)
    p = dropout_p if training else 0.0
    weights = None
    if need_weights:
        # the weights are an output, so build them from differentiable pieces
        s = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(d))
        if mask is not None:
            s = s + _tensor(mask)
        a = F.softmax(s, dim=-1)
        a = F.dropout(a, p, True) if p > 0 else a
        o = a @ v
        weights = a.mean(1) if average_attn_weights else a
    else:
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=None if mask is None else _tensor(mask), dropout_p=p,
                                           is_causal=sdpa_causal)
    o = o.permute(2, 0, 1, 3).reshape(L, N, e)  # (L, N, E)
    out = F.linear(o, out_proj_weight, out_proj_bias)
    if not batched:
        return out.squeeze(1), (weights.squeeze(0) if weights is not None else None)
    return out, weights
