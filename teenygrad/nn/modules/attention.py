"""MultiheadAttention with torch's parameters (in_proj_weight, in_proj_bias, out_proj); the computation and the
mask conventions are F.multi_head_attention_forward's (nn/functional_mha.py), which this module calls as torch's
does. add_bias_kv appends a learned key and value (bias_k, bias_v) to every source sequence, add_zero_attn an
all-zero one."""
from ...tensor import dt  # dt: the dtype module (the package attribute `dtype` is the class, as torch)
from ...creation import empty
from ..parameter import Parameter
from .. import init
from ..functional_mha import multi_head_attention_forward
from .module import Module
from .linear import Linear


class _DivisibleError(AssertionError, ValueError):
    """torch asserts embed_dim % num_heads == 0 (AssertionError); a ValueError too, as teenygrad raised before."""


class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for MultiheadAttention.out_proj (a plain Linear)."""


class MultiheadAttention(Module):
    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise _DivisibleError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                                  f"({num_heads})")
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

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """query (L, N, E) / key, value (S, N, E) ((N, L, E) with batch_first; (L, E) unbatched).
        Returns (output like query, attention weights (N, L, S) averaged over heads, or None)."""
        if self.batch_first and query.ndim == 3:  # unbatched (L, E) input needs no transposing
            same = query is key and key is value
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
            if same:  # keep the self-attention identity: it picks the one-GEMM projection
                key = value = query
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and out.ndim == 3:
            out = out.transpose(0, 1)
        return out, weights
