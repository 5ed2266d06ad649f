"""MultiheadAttention with torch's parameters (in_proj_weight, in_proj_bias, out_proj) and mask conventions:
in attn_mask and key_padding_mask a bool True means "may NOT attend" (the opposite of SDPA's bool mask);
float masks are added to the scores. add_bias_kv appends a learned key and value (bias_k, bias_v) to every source
sequence, add_zero_attn an all-zero one, as torch's do."""
import math
import numpy as np
from ...tensor import Tensor, dt  # dt: the dtype module (the package attribute `dtype` is the class, as torch)
from ...tensor_ops import cat
from ...creation import empty, zeros
from ..._arrays import xp_of
from ..parameter import Parameter
from .. import functional as F, init
from .module import Module
from .linear import Linear


class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for MultiheadAttention.out_proj (a plain Linear)."""


def _additive(mask, dtype, what):
    """The mask as scores to add: a numpy array, or the Tensor itself when it is a float mask needing a gradient."""
    if isinstance(mask, Tensor) and mask.requires_grad and dt.is_floating(mask.dtype):
        return mask if mask.dtype == dtype else mask.to(dtype)
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        return np.where(m, dtype.type(-np.inf), dtype.type(0))
    if not dt.is_floating(m.dtype):
        raise TypeError(f"MultiheadAttention: {what} must be bool or float, got {m.dtype}")
    return m.astype(dtype, copy=False)


def _pad_keys(mask, extra):
    """The additive mask with `extra` zero columns for the appended keys (they may be attended to)."""
    if isinstance(mask, Tensor):
        return F.pad(mask, (0, extra))
    return xp_of(mask).pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, extra)])


def _tensor(mask):
    return mask if isinstance(mask, Tensor) else Tensor._wrap(mask)


class MultiheadAttention(Module):
    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                             f"({num_heads}), both positive")
        dtype = dtype or dt._default_float
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        # built (and drawn) before _reset_parameters, as torch's: its default init comes first in the stream
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, dtype=dtype))
            self.bias_v = Parameter(empty(1, 1, embed_dim, dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved

    def _reset_parameters(self):
        # torch: xavier-uniform projections, zero biases, xavier-normal bias_k / bias_v; out_proj.weight keeps
        # Linear's default init
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _project(self, query, key, value):
        E = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if self._qkv_same_embed_dim:
            if query is key and key is value:  # self-attention: one GEMM for q, k and v
                qkv = F.linear(query, self.in_proj_weight, b)
                return qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
            w = self.in_proj_weight
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """query (L, N, E) / key, value (S, N, E) ((N, L, E) with batch_first; (L, E) unbatched).
        Returns (output like query, attention weights (N, L, S) averaged over heads, or None)."""
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise RuntimeError(f"MultiheadAttention: query, key and value must all be 3-D (batched) or 2-D, got "
                               f"{query.shape}, {key.shape}, {value.shape}")
        if query.shape[-1] != self.embed_dim:
            raise RuntimeError(f"MultiheadAttention: query's last dim {query.shape[-1]} != embed_dim "
                               f"{self.embed_dim} (query shape {query.shape})")
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: need attn_mask if specifying the is_causal hint")
        same = query is key and key is value
        if not batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            key_padding_mask = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        if same:
            key = value = query
        L, N, _ = query.shape
        S = key.shape[0]
        if key.shape[1] != N or value.shape[:2] != key.shape[:2]:
            raise RuntimeError(f"MultiheadAttention: key {tuple(key.shape)} and value {tuple(value.shape)} don't "
                               f"match query {tuple(query.shape)} in batch / source length (after batch_first)")
        h, d = self.num_heads, self.head_dim
        q, k, v = self._project(query, key, value)
        extra = 0  # keys appended below: the masks get a zero column for each
        if self.bias_k is not None:
            k = cat([k, self.bias_k.expand(1, N, self.embed_dim)])  # (S + 1, N, E)
            v = cat([v, self.bias_v.expand(1, N, self.embed_dim)])
            extra += 1
        # (len, N, E) -> (N, h, len, d)
        q = q.reshape(L, N, h, d).permute(1, 2, 0, 3)
        k = k.reshape(S + extra, N, h, d).permute(1, 2, 0, 3)
        v = v.reshape(S + extra, N, h, d).permute(1, 2, 0, 3)
        if self.add_zero_attn:
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
            else:
                raise RuntimeError(f"MultiheadAttention: attn_mask shape {m.shape} should be {(L, S)} or "
                                   f"{(N * h, L, S)}")
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (N, S):
                raise RuntimeError(f"MultiheadAttention: key_padding_mask shape {tuple(key_padding_mask.shape)} "
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
        p = self.dropout if self.training else 0.0
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
            o = F.scaled_dot_product_attention(q, k, v, attn_mask=None if mask is None else _tensor(mask),
                                               dropout_p=p)
        o = o.permute(2, 0, 1, 3).reshape(L, N, self.embed_dim)  # (L, N, E)
        out = self.out_proj(o)
        if not batched:
            return out.squeeze(1), (weights.squeeze(0) if weights is not None else None)
        if self.batch_first:
            out = out.transpose(0, 1)
        return out, weights
