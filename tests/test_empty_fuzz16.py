"""Zero-size inputs across the API, differentially against torch: an empty batch, sequence, channel, feature or
reduced dim in each position that makes sense. Each case compares raises-or-not (and the exception type), every
output's shape, dtype and values (nan-aware: reductions of empties give 0, 1, -inf, nan, ...), and, where the op
is differentiable, the inputs' gradients after backward."""
import warnings
import zlib

import numpy as np
import pytest
import torch

import teenygrad as tg

_rng = [np.random.default_rng(0)]


def mk(m, *shape, grad=True, dtype="float32"):
    a = _rng[0].standard_normal(shape).astype(dtype)
    t = m.tensor(a)
    if grad:
        t.requires_grad_()
        _leaves.append(t)
    return t


def ix(m, *shape, high=3):
    return m.tensor(_rng[0].integers(0, high, shape).astype(np.int64))


_leaves = []


def det(m, mod):
    """Deterministic parameters (the same in both frameworks): init differs, so fill in named order."""
    for _, p in mod.named_parameters():
        with m.no_grad():
            p.copy_(m.tensor(_rng[0].standard_normal(tuple(p.shape)).astype(np.float32) * 0.3))
        _leaves.append(p)
    return mod


def F(m):
    return m.nn.functional


# name -> lambda m: output (a tensor, or a tuple/list of them, or a number)
C = {}
# --- elementwise / unary / Tensor methods over empties
for _shape in [(0,), (0, 3), (3, 0), (2, 0, 4)]:
    _s = "x".join(map(str, _shape))
    for _op in ["exp", "log", "sin", "tanh", "sigmoid", "relu", "abs", "neg", "sqrt", "rsqrt", "reciprocal",
                "floor", "sign", "erf", "square", "clone", "contiguous", "t_or_T", "flatten", "float"]:
        if _op == "t_or_T":
            C[f"mT_{_s}"] = (lambda s: lambda m: mk(m, *s).mT if len(s) >= 2 else mk(m, *s).t())(_shape)
            continue
        C[f"{_op}_{_s}"] = (lambda s, o: lambda m: getattr(mk(m, *s), o)())(_shape, _op)
    for _red in ["sum", "mean", "prod", "amax", "amin", "max", "min", "std", "var", "norm", "logsumexp",
                 "argmax", "argmin", "all", "any", "count_nonzero", "nansum", "nanmean", "median", "mode",
                 "cumsum", "cumprod", "cummax", "logcumsumexp", "softmax", "log_softmax", "sort", "argsort",
                 "flip", "unique", "nonzero", "diff"]:
        for _d in [None] + list(range(len(_shape))):
            if _d is None and _red in ("logsumexp", "cumsum", "cumprod", "cummax", "logcumsumexp", "softmax",
                                       "log_softmax", "sort", "argsort", "flip", "diff", "mode"):
                continue
            if _d is not None and _red in ("unique", "nonzero", "count_nonzero"):
                continue

            def _f(m, s=_shape, o=_red, d=_d):
                x = mk(m, *s)
                if o in ("all", "any", "unique"):   # unique: torch's output needs grad but has no backward
                    x = x.detach() > 0
                if o == "flip":
                    return x.flip(d)
                if d is None:
                    return getattr(x, o)()
                return getattr(x, o)(d)
            C[f"{_red}_{_s}_d{_d}"] = _f
C["sum_keepdim_0x3"] = lambda m: mk(m, 0, 3).sum(0, keepdim=True)
C["max_keepdim_3x0"] = lambda m: mk(m, 3, 0).amax(0, keepdim=True)
C["var_corr0_0x3"] = lambda m: mk(m, 0, 3).var(0, correction=0)
C["std_mean_0x3"] = lambda m: m.std_mean(mk(m, 0, 3), 0)
C["var_mean_3x0"] = lambda m: m.var_mean(mk(m, 3, 0), 1)
C["aminmax_3x0_d0"] = lambda m: m.aminmax(mk(m, 3, 0), dim=0)
C["quantile_0"] = lambda m: m.quantile(mk(m, 0), 0.5)
C["nanquantile_3x0"] = lambda m: m.nanquantile(mk(m, 3, 0), 0.5, dim=1)
C["topk_k0"] = lambda m: mk(m, 3, 4).topk(0, 1)
C["topk_empty_rows"] = lambda m: mk(m, 0, 4).topk(2, 1)
C["kthvalue_0x3"] = lambda m: mk(m, 0, 3).kthvalue(1, 1)
C["msort_0x3"] = lambda m: m.msort(mk(m, 0, 3))
C["unique_dim0_0x3"] = lambda m: m.unique(mk(m, 0, 3).detach(), dim=0, return_inverse=True, return_counts=True)
C["unique_consecutive_0"] = lambda m: m.unique_consecutive(mk(m, 0).detach(), return_counts=True)
C["bincount_0"] = lambda m: m.bincount(m.zeros(0, dtype=m.long))
C["bincount_0_minlen"] = lambda m: m.bincount(m.zeros(0, dtype=m.long), minlength=3)
C["histc_0"] = lambda m: m.histc(mk(m, 0, grad=False), bins=4, min=0, max=1)
C["searchsorted_empty_seq"] = lambda m: m.searchsorted(mk(m, 0, grad=False), mk(m, 3, grad=False))
C["searchsorted_empty_vals"] = lambda m: m.searchsorted(mk(m, 4, grad=False).sort()[0], mk(m, 0, grad=False))
C["bucketize_0"] = lambda m: m.bucketize(mk(m, 0, grad=False), m.tensor([0.0, 1.0]))
C["cumsum_dtype_0"] = lambda m: m.cumsum(m.zeros(0, dtype=m.int32), 0)
C["sum_int_0"] = lambda m: m.zeros(0, 3, dtype=m.int32).sum()
C["prod_bool_0"] = lambda m: m.zeros(0, dtype=m.bool).prod()
C["mean_int_0"] = lambda m: m.zeros(0, dtype=m.int64).mean()
C["max_int_nodim_0"] = lambda m: m.zeros(0, dtype=m.int64).max()
C["clamp_0x3"] = lambda m: mk(m, 0, 3).clamp(-0.5, 0.5)
C["where_0"] = lambda m: m.where(mk(m, 0, 3).detach() > 0, mk(m, 0, 3), mk(m, 1, 3))
C["lerp_0"] = lambda m: m.lerp(mk(m, 0, 3), mk(m, 0, 3), 0.3)
C["pow_0"] = lambda m: mk(m, 0, 3) ** 2
C["add_bcast_0"] = lambda m: mk(m, 0, 1) + mk(m, 1, 3)
C["mul_bcast_3x0"] = lambda m: mk(m, 3, 1) * mk(m, 1, 0)
C["atan2_0"] = lambda m: m.atan2(mk(m, 0, 2), mk(m, 0, 2))
C["maximum_0"] = lambda m: m.maximum(mk(m, 2, 0), mk(m, 2, 0))
C["bcast_mismatch_0_vs_2"] = lambda m: mk(m, 0) + mk(m, 2)
C["eq_0"] = lambda m: mk(m, 0, 3) == mk(m, 0, 3)
C["isclose_0"] = lambda m: m.isclose(mk(m, 0), mk(m, 0))
C["allclose_0"] = lambda m: m.allclose(mk(m, 0, grad=False), mk(m, 0, grad=False))
C["equal_0"] = lambda m: m.equal(mk(m, 0, grad=False), mk(m, 0, grad=False))
C["nan_to_num_0"] = lambda m: m.nan_to_num(mk(m, 0, 2))
C["item_0"] = lambda m: mk(m, 0).item()
C["tolist_0x3"] = lambda m: mk(m, 0, 3).tolist()
C["bool_0"] = lambda m: bool(mk(m, 0))
C["numel_0"] = lambda m: mk(m, 0, 3).numel()
# --- shape ops
C["cat_0_and_2"] = lambda m: m.cat([mk(m, 0, 3), mk(m, 2, 3)])
C["cat_dim1_empties"] = lambda m: m.cat([mk(m, 2, 0), mk(m, 2, 3)], 1)
C["cat_legacy_1d_empty"] = lambda m: m.cat([mk(m, 0), mk(m, 2, 3)])
C["cat_all_empty"] = lambda m: m.cat([mk(m, 0), mk(m, 0)])
C["cat_empty_list"] = lambda m: m.cat([])
C["stack_empties"] = lambda m: m.stack([mk(m, 0, 3), mk(m, 0, 3)], 1)
C["hstack_0"] = lambda m: m.hstack([mk(m, 0), mk(m, 2)])
C["vstack_0x3"] = lambda m: m.vstack([mk(m, 0, 3), mk(m, 2, 3)])
C["split_0"] = lambda m: mk(m, 0, 3).split(2)
C["split_sizes_0"] = lambda m: mk(m, 4, 3).split([0, 4])
C["chunk_0"] = lambda m: mk(m, 0, 3).chunk(2)
C["tensor_split_0"] = lambda m: m.tensor_split(mk(m, 0, 3), 3)
C["unbind_0"] = lambda m: mk(m, 0, 3).unbind(0)
C["unbind_3x0"] = lambda m: mk(m, 3, 0).unbind(0)
C["reshape_0_neg1"] = lambda m: mk(m, 0, 3).reshape(-1)
C["reshape_0_ambiguous"] = lambda m: mk(m, 0, 3).reshape(0, -1)
C["view_0"] = lambda m: mk(m, 0, 6).view(0, 2, 3)
C["permute_0"] = lambda m: mk(m, 2, 0, 3).permute(2, 0, 1)
C["expand_0"] = lambda m: mk(m, 1, 3).expand(0, 3)
C["repeat_0"] = lambda m: mk(m, 2, 3).repeat(0, 2)
C["repeat_interleave_0"] = lambda m: mk(m, 0, 3).repeat_interleave(2, 0)
C["repeat_interleave_counts0"] = lambda m: m.repeat_interleave(m.zeros(3, dtype=m.long))
C["tile_0"] = lambda m: mk(m, 0, 3).tile(2, 2)
C["roll_0"] = lambda m: mk(m, 0, 3).roll(1, 0)
C["roll_flat_0"] = lambda m: mk(m, 0, 3).roll(1)
C["rot90_0"] = lambda m: mk(m, 0, 3).rot90()
C["tril_0"] = lambda m: mk(m, 0, 3).tril()
C["triu_3x0"] = lambda m: mk(m, 3, 0).triu(1)
C["diag_0"] = lambda m: m.diag(mk(m, 0))
C["diagonal_0x3"] = lambda m: mk(m, 0, 3).diagonal()
C["diag_embed_0"] = lambda m: m.diag_embed(mk(m, 2, 0))
C["movedim_0"] = lambda m: mk(m, 0, 2, 3).movedim(0, 2)
C["squeeze_0"] = lambda m: mk(m, 0, 1).squeeze()
C["narrow_0"] = lambda m: mk(m, 4, 3).narrow(0, 1, 0)
C["unfold_method_0"] = lambda m: mk(m, 0, 5).unfold(1, 2, 1)
C["unfold_size_gt"] = lambda m: mk(m, 3, 1).unfold(1, 2, 1)
C["flatten_0"] = lambda m: mk(m, 2, 0, 3).flatten(1)
C["unflatten_0"] = lambda m: mk(m, 0, 6).unflatten(1, (2, 3))
C["meshgrid_0"] = lambda m: m.meshgrid(mk(m, 0), mk(m, 3), indexing="ij")
C["cartesian_prod_0"] = lambda m: m.cartesian_prod(mk(m, 0), mk(m, 3))
C["broadcast_tensors_0"] = lambda m: m.broadcast_tensors(mk(m, 0, 1), mk(m, 3))
C["atleast_2d_0"] = lambda m: m.atleast_2d(mk(m, 0))
C["block_diag_0"] = lambda m: m.block_diag(mk(m, 0, 2), mk(m, 2, 0))
C["combinations_0"] = lambda m: m.combinations(mk(m, 0, grad=False), 2)
C["tril_indices_0"] = lambda m: m.tril_indices(0, 0)
C["zeros_like_0"] = lambda m: m.zeros_like(mk(m, 0, 3))
C["arange_empty"] = lambda m: m.arange(3, 3)
C["linspace_0"] = lambda m: m.linspace(0, 1, 0)
C["eye_0"] = lambda m: m.eye(0, 3)
C["full_0"] = lambda m: m.full((0, 2), 3.0)
C["randn_0"] = lambda m: m.randn(0, 3).shape
C["randperm_0"] = lambda m: m.randperm(0)
C["multinomial_0rows"] = lambda m: m.multinomial(m.ones(0, 3), 2)
C["multinomial_0rows_0cats"] = lambda m: m.multinomial(m.ones(0, 0), 1, replacement=True)
C["multinomial_0cats"] = lambda m: m.multinomial(m.ones(3, 0), 1, replacement=True)
C["multinomial_0cats_1d"] = lambda m: m.multinomial(m.ones(0), 1, replacement=True)
# --- indexing / scatter / gather
C["index_empty_idx"] = lambda m: mk(m, 4, 3)[m.zeros(0, dtype=m.long)]
C["index_empty_src"] = lambda m: mk(m, 0, 3)[:, 1]
C["index_oob_on_empty"] = lambda m: mk(m, 0, 3)[0]
C["index_bool_none"] = lambda m: mk(m, 4, 3)[m.zeros(4, dtype=m.bool)]
C["slice_empty"] = lambda m: mk(m, 4, 3)[2:2]
C["masked_select_none"] = lambda m: mk(m, 4, 3).masked_select(m.zeros(4, 3, dtype=m.bool))
C["masked_fill_0"] = lambda m: mk(m, 0, 3).masked_fill(m.zeros(0, 3, dtype=m.bool), 1.0)
C["gather_empty_idx"] = lambda m: mk(m, 3, 4).gather(1, m.zeros(3, 0, dtype=m.long))
C["gather_empty_src"] = lambda m: mk(m, 0, 4).gather(1, m.zeros(0, 2, dtype=m.long))
C["gather_oob_src_empty_dim"] = lambda m: mk(m, 3, 0).gather(1, m.zeros(3, 1, dtype=m.long))
C["take_0"] = lambda m: mk(m, 3, 4).take(m.zeros(0, dtype=m.long))
C["take_along_dim_0"] = lambda m: m.take_along_dim(mk(m, 3, 4), m.zeros(3, 0, dtype=m.long), 1)
C["index_select_0"] = lambda m: mk(m, 3, 4).index_select(1, m.zeros(0, dtype=m.long))
C["index_select_src0"] = lambda m: mk(m, 0, 4).index_select(1, m.tensor([0, 2]))
C["scatter_0"] = lambda m: mk(m, 3, 2).scatter(0, m.zeros(0, 2, dtype=m.long), mk(m, 0, 2))
C["scatter_add_0"] = lambda m: mk(m, 3, 2).scatter_add(0, m.zeros(0, 2, dtype=m.long), mk(m, 0, 2))
C["scatter_reduce_0"] = lambda m: mk(m, 3, 2).scatter_reduce(0, m.zeros(0, 2, dtype=m.long), mk(m, 0, 2), "amax")
C["scatter_reduce_mean_to_empty"] = lambda m: mk(m, 3, 2).scatter_reduce(0, m.zeros(0, 2, dtype=m.long),
                                                                          mk(m, 0, 2), "mean", include_self=False)
C["index_add_0"] = lambda m: mk(m, 3, 2).index_add(0, m.zeros(0, dtype=m.long), mk(m, 0, 2))
C["index_copy_0"] = lambda m: mk(m, 3, 2).index_copy(0, m.zeros(0, dtype=m.long), mk(m, 0, 2))
C["index_fill_0"] = lambda m: mk(m, 3, 2).index_fill(0, m.zeros(0, dtype=m.long), 1.0)
C["index_put_0"] = lambda m: mk(m, 3, 2).index_put((m.zeros(0, dtype=m.long),), mk(m, 0, 2))
C["masked_scatter_0"] = lambda m: mk(m, 3, 2).masked_scatter(m.zeros(3, 2, dtype=m.bool), mk(m, 0))
C["put_0"] = lambda m: mk(m, 3, 2).detach().put(m.zeros(0, dtype=m.long), mk(m, 0, grad=False))
C["one_hot_0"] = lambda m: F(m).one_hot(m.zeros(0, dtype=m.long), 3)
C["one_hot_0_auto"] = lambda m: F(m).one_hot(m.zeros(0, dtype=m.long))
C["embedding_0"] = lambda m: F(m).embedding(m.zeros(2, 0, dtype=m.long), mk(m, 5, 3))
C["embedding_dim0"] = lambda m: F(m).embedding(ix(m, 2, 3), mk(m, 5, 0))
C["embedding_bag_0"] = lambda m: F(m).embedding_bag(m.zeros(0, dtype=m.long), mk(m, 5, 3), m.tensor([0, 0]))
C["embedding_bag_2d0"] = lambda m: F(m).embedding_bag(m.zeros(2, 0, dtype=m.long), mk(m, 5, 3), mode="max")
C["embedding_bag_sum_0"] = lambda m: F(m).embedding_bag(m.zeros(0, dtype=m.long), mk(m, 5, 3), m.tensor([0]),
                                                        mode="sum")
C["EmbeddingBag_mod_0"] = lambda m: det(m, m.nn.EmbeddingBag(5, 3))(m.zeros(2, 0, dtype=m.long))
# --- matmul family, einsum, linalg
C["matmul_k0"] = lambda m: mk(m, 2, 0) @ mk(m, 0, 3)
C["matmul_m0"] = lambda m: mk(m, 0, 2) @ mk(m, 2, 3)
C["matmul_vec0"] = lambda m: mk(m, 0) @ mk(m, 0)
C["mv_0"] = lambda m: m.mv(mk(m, 3, 0), mk(m, 0))
C["bmm_b0"] = lambda m: m.bmm(mk(m, 0, 2, 3), mk(m, 0, 3, 4))
C["bmm_k0"] = lambda m: m.bmm(mk(m, 2, 2, 0), mk(m, 2, 0, 4))
C["baddbmm_k0"] = lambda m: m.baddbmm(mk(m, 2, 2, 4), mk(m, 2, 2, 0), mk(m, 2, 0, 4), beta=0.5)
C["addmm_k0"] = lambda m: m.addmm(mk(m, 2, 3), mk(m, 2, 0), mk(m, 0, 3))
C["outer_0"] = lambda m: m.outer(mk(m, 0), mk(m, 3))
C["dot_0"] = lambda m: m.dot(mk(m, 0), mk(m, 0))
C["inner_0"] = lambda m: m.inner(mk(m, 2, 0), mk(m, 3, 0))
C["tensordot_0"] = lambda m: m.tensordot(mk(m, 2, 0), mk(m, 0, 3), dims=1)
C["kron_0"] = lambda m: m.kron(mk(m, 0, 2), mk(m, 2, 2))
C["chain_matmul_0"] = lambda m: m.linalg.multi_dot([mk(m, 2, 0), mk(m, 0, 3), mk(m, 3, 2)])
C["einsum_k0"] = lambda m: m.einsum("ij,jk->ik", mk(m, 2, 0), mk(m, 0, 3))
C["einsum_trace0"] = lambda m: m.einsum("ii", mk(m, 0, 0))
C["einsum_batch0"] = lambda m: m.einsum("bij,bjk->bik", mk(m, 0, 2, 3), mk(m, 0, 3, 2))
C["trace_0"] = lambda m: m.trace(mk(m, 0, 0))
C["linalg_norm_0"] = lambda m: m.linalg.norm(mk(m, 0, 3))
C["linalg_vector_norm_inf_0"] = lambda m: m.linalg.vector_norm(mk(m, 0), float("inf"))
C["linalg_vector_norm_dim_0"] = lambda m: m.linalg.vector_norm(mk(m, 3, 0), 2, dim=1)
C["linalg_matrix_norm_fro_0"] = lambda m: m.linalg.matrix_norm(mk(m, 0, 3))
C["det_0x0"] = lambda m: m.linalg.det(mk(m, 0, 0))
C["det_batch0"] = lambda m: m.linalg.det(mk(m, 0, 3, 3))
C["slogdet_0x0"] = lambda m: m.linalg.slogdet(mk(m, 0, 0))
C["inv_0x0"] = lambda m: m.linalg.inv(mk(m, 0, 0))
C["inv_batch0"] = lambda m: m.linalg.inv(mk(m, 0, 2, 2))
C["solve_0"] = lambda m: m.linalg.solve(mk(m, 0, 0), mk(m, 0, 2))
C["cholesky_0x0"] = lambda m: m.linalg.cholesky(mk(m, 0, 0))
C["qr_0x3"] = lambda m: m.linalg.qr(mk(m, 0, 3))
C["svdvals_0x3"] = lambda m: m.linalg.svdvals(mk(m, 0, 3))
C["eigh_0"] = lambda m: m.linalg.eigh(mk(m, 0, 0))
C["pinv_0x3"] = lambda m: m.linalg.pinv(mk(m, 0, 3))
C["matrix_rank_0"] = lambda m: m.linalg.matrix_rank(mk(m, 0, 3, grad=False))
C["matrix_power_0"] = lambda m: m.linalg.matrix_power(mk(m, 0, 0), 3)
C["matrix_exp_0"] = lambda m: m.linalg.matrix_exp(mk(m, 0, 0))
C["lstsq_0"] = lambda m: m.linalg.lstsq(mk(m, 3, 0), mk(m, 3, 2)).solution
C["cross_0"] = lambda m: m.linalg.cross(mk(m, 0, 3), mk(m, 0, 3))
C["cdist_0"] = lambda m: m.cdist(mk(m, 0, 3), mk(m, 4, 3))
C["cdist_feat0"] = lambda m: m.cdist(mk(m, 2, 0), mk(m, 4, 0))
C["pdist_0"] = lambda m: F(m).pdist(mk(m, 1, 3))
C["cosine_similarity_0"] = lambda m: F(m).cosine_similarity(mk(m, 0, 3), mk(m, 0, 3))
C["pairwise_distance_0"] = lambda m: F(m).pairwise_distance(mk(m, 0, 3), mk(m, 0, 3))
C["normalize_0"] = lambda m: F(m).normalize(mk(m, 0, 3))
C["normalize_feat0"] = lambda m: F(m).normalize(mk(m, 3, 0))
# --- fft, special
C["fft_0"] = lambda m: m.fft.fft(mk(m, 0))
C["fft_batch0"] = lambda m: m.fft.fft(mk(m, 0, 4))
C["rfft_batch0"] = lambda m: m.fft.rfft(mk(m, 0, 4))
C["fft_n0"] = lambda m: m.fft.fft(mk(m, 4), n=0)
C["fftfreq_0"] = lambda m: m.fft.fftfreq(0)
C["fftshift_0"] = lambda m: m.fft.fftshift(mk(m, 0, 3))
C["special_erfinv_0"] = lambda m: m.special.erfinv(mk(m, 0, 2))
C["special_logsumexp_0"] = lambda m: m.special.logsumexp(mk(m, 2, 0), 1)
C["special_xlogy_0"] = lambda m: m.special.xlogy(mk(m, 0), mk(m, 0))
C["special_entr_0"] = lambda m: m.special.entr(mk(m, 0))
C["special_softmax_0"] = lambda m: m.special.softmax(mk(m, 0, 3), 1)
C["special_i0_0"] = lambda m: m.special.i0(mk(m, 0, grad=False))
C["lgamma_0"] = lambda m: m.lgamma(mk(m, 0))
# --- nn.functional
C["linear_b0"] = lambda m: F(m).linear(mk(m, 0, 3), mk(m, 2, 3), mk(m, 2))
C["linear_in0"] = lambda m: F(m).linear(mk(m, 4, 0), mk(m, 2, 0), mk(m, 2))
C["linear_out0"] = lambda m: F(m).linear(mk(m, 4, 3), mk(m, 0, 3), mk(m, 0))
C["bilinear_b0"] = lambda m: F(m).bilinear(mk(m, 0, 2), mk(m, 0, 3), mk(m, 4, 2, 3), mk(m, 4))
for _act in ["gelu", "silu", "mish", "elu", "selu", "celu", "leaky_relu", "hardtanh", "relu6", "softplus",
             "softsign", "tanhshrink", "hardswish", "hardsigmoid", "logsigmoid", "softshrink", "hardshrink"]:
    C[f"F_{_act}_0"] = (lambda a: lambda m: getattr(F(m), a)(mk(m, 0, 3)))(_act)
C["F_prelu_0"] = lambda m: F(m).prelu(mk(m, 0, 3), mk(m, 3))
C["F_glu_0"] = lambda m: F(m).glu(mk(m, 0, 4))
C["F_glu_dim0"] = lambda m: F(m).glu(mk(m, 2, 0))
C["F_softmax_0"] = lambda m: F(m).softmax(mk(m, 0, 3), 1)
C["F_softmin_3x0"] = lambda m: F(m).softmin(mk(m, 3, 0), 1)
C["F_gumbel_softmax_0"] = lambda m: F(m).gumbel_softmax(mk(m, 0, 3)).shape
C["F_dropout_0"] = lambda m: F(m).dropout(mk(m, 0, 3), 0.5)
C["F_dropout2d_0"] = lambda m: F(m).dropout2d(mk(m, 0, 3, 2, 2), 0.5).shape
C["F_alpha_dropout_0"] = lambda m: F(m).alpha_dropout(mk(m, 0, 3), 0.5, True).shape
C["F_pad_0"] = lambda m: F(m).pad(mk(m, 0, 3), (1, 1))
C["F_pad_reflect_0"] = lambda m: F(m).pad(mk(m, 0, 2, 3), (1, 1), mode="reflect")
C["F_pad_reflect_emptydim"] = lambda m: F(m).pad(mk(m, 1, 2, 0), (1, 1), mode="reflect")
C["F_pad_replicate_0"] = lambda m: F(m).pad(mk(m, 0, 2, 3), (1, 1), mode="replicate")
C["F_pad_replicate_emptydim"] = lambda m: F(m).pad(mk(m, 1, 2, 0), (1, 1), mode="replicate")
C["F_pad_circular_0"] = lambda m: F(m).pad(mk(m, 0, 2, 3), (1, 1), mode="circular")
C["F_pad_neg_to0"] = lambda m: F(m).pad(mk(m, 2, 2), (-1, -1))
for _mode, _shape in [("nearest", (0, 2, 3, 3)), ("bilinear", (0, 2, 3, 3)), ("bicubic", (0, 2, 3, 3)),
                      ("linear", (0, 2, 3)), ("area", (0, 2, 4, 4)), ("nearest", (1, 0, 3, 3)),
                      ("bilinear", (1, 0, 3, 3)), ("nearest", (1, 2, 0, 3)), ("trilinear", (0, 1, 2, 2, 2))]:
    C[f"interpolate_{_mode}_{'x'.join(map(str, _shape))}"] = (
        lambda md, s: lambda m: F(m).interpolate(mk(m, *s), scale_factor=2, mode=md))(_mode, _shape)
C["interpolate_size0"] = lambda m: F(m).interpolate(mk(m, 1, 2, 3, 3), size=(0, 2))
C["upsample_size_b0"] = lambda m: F(m).interpolate(mk(m, 0, 2, 3), size=5)
for _fn, _shape, _kw in [("conv1d", (0, 3, 5), {}), ("conv1d", (2, 3, 0), {}), ("conv2d", (0, 3, 5, 5), {}),
                         ("conv2d", (2, 0, 5, 5), {}), ("conv2d", (2, 3, 0, 5), {}), ("conv3d", (0, 2, 3, 3, 3), {}),
                         ("conv2d", (0, 4, 5, 5), {"groups": 2}), ("conv2d", (2, 3, 5, 5), {"out0": True}),
                         ("conv2d", (2, 3, 0, 5), {"padding": 1})]:
    def _conv(m, fn=_fn, s=_shape, kw=_kw):
        nd, kw = len(s) - 2, dict(kw)
        out = 0 if kw.pop("out0", False) else 4
        g = kw.get("groups", 1)
        w = mk(m, out, s[1] // g if s[1] else 0, *([3] * nd)) if s[1] else mk(m, out, 3, *([3] * nd))
        return getattr(F(m), fn)(mk(m, *s), w, mk(m, out), **kw)
    C[f"F_{_fn}_{'x'.join(map(str, _shape))}_{'_'.join(_kw)}"] = _conv
C["F_conv_transpose1d_b0"] = lambda m: F(m).conv_transpose1d(mk(m, 0, 3, 5), mk(m, 3, 4, 3))
C["F_conv_transpose2d_b0"] = lambda m: F(m).conv_transpose2d(mk(m, 0, 3, 5, 5), mk(m, 3, 4, 3, 3), mk(m, 4),
                                                              stride=2, output_padding=1)
C["F_conv_transpose2d_out0"] = lambda m: F(m).conv_transpose2d(mk(m, 1, 3, 5, 5), mk(m, 3, 0, 3, 3))
C["F_conv_transpose3d_b0"] = lambda m: F(m).conv_transpose3d(mk(m, 0, 2, 3, 3, 3), mk(m, 2, 2, 2, 2, 2))
for _fn, _shape in [("max_pool1d", (0, 3, 6)), ("max_pool2d", (0, 3, 4, 4)), ("avg_pool1d", (0, 3, 6)),
                    ("avg_pool2d", (0, 3, 4, 4)), ("avg_pool3d", (0, 2, 4, 4, 4)), ("lp_pool2d", (0, 3, 4, 4)),
                    ("max_pool2d", (2, 0, 4, 4)), ("avg_pool2d", (2, 3, 0, 4)), ("max_pool2d", (0, 4, 4)),
                    ("adaptive_avg_pool2d", (0, 3, 4, 4)), ("adaptive_max_pool2d", (0, 3, 4, 4)),
                    ("adaptive_avg_pool1d", (0, 3, 4)), ("adaptive_avg_pool2d", (1, 0, 4, 4)),
                    ("adaptive_max_pool1d", (1, 3, 0)), ("adaptive_avg_pool2d", (1, 3, 0, 4))]:
    def _pool(m, fn=_fn, s=_shape):
        if fn == "lp_pool2d":
            return F(m).lp_pool2d(mk(m, *s), 2, 2)
        return getattr(F(m), fn)(mk(m, *s), 2)
    C[f"F_{_fn}_{'x'.join(map(str, _shape))}"] = _pool
C["F_adaptive_avg_pool2d_out0"] = lambda m: F(m).adaptive_avg_pool2d(mk(m, 1, 3, 4, 4), (0, 2))
C["F_max_pool2d_indices_b0"] = lambda m: F(m).max_pool2d(mk(m, 0, 3, 4, 4), 2, return_indices=True)
C["F_max_unpool2d_b0"] = lambda m: F(m).max_unpool2d(mk(m, 0, 3, 2, 2), m.zeros(0, 3, 2, 2, dtype=m.long), 2)
C["F_unfold_b0"] = lambda m: F(m).unfold(mk(m, 0, 2, 4, 4), 2)
C["F_fold_b0"] = lambda m: F(m).fold(mk(m, 0, 8, 9), (4, 4), 2)
C["F_pixel_shuffle_c0"] = lambda m: F(m).pixel_shuffle(mk(m, 1, 0, 2, 2), 2)
C["F_pixel_unshuffle_b0"] = lambda m: F(m).pixel_unshuffle(mk(m, 0, 1, 4, 4), 2)
C["F_channel_shuffle_b0"] = lambda m: F(m).channel_shuffle(mk(m, 0, 4, 2, 2), 2)
C["F_grid_sample_b0"] = lambda m: F(m).grid_sample(mk(m, 0, 2, 3, 3), mk(m, 0, 2, 2, 2), align_corners=False)
C["F_grid_sample_out0"] = lambda m: F(m).grid_sample(mk(m, 1, 2, 3, 3), mk(m, 1, 0, 2, 2), align_corners=False)
C["F_affine_grid_b0"] = lambda m: F(m).affine_grid(mk(m, 0, 2, 3), [0, 1, 3, 3], align_corners=False)
C["F_layer_norm_b0"] = lambda m: F(m).layer_norm(mk(m, 0, 4), (4,), mk(m, 4), mk(m, 4))
C["F_layer_norm_feat0"] = lambda m: F(m).layer_norm(mk(m, 3, 0), (0,))
C["F_rms_norm_b0"] = lambda m: F(m).rms_norm(mk(m, 0, 4), (4,), mk(m, 4))
C["F_rms_norm_feat0"] = lambda m: F(m).rms_norm(mk(m, 3, 0), (0,))
C["F_group_norm_b0"] = lambda m: F(m).group_norm(mk(m, 0, 4, 3), 2, mk(m, 4), mk(m, 4))
C["F_group_norm_sp0"] = lambda m: F(m).group_norm(mk(m, 2, 4, 0), 2, mk(m, 4), mk(m, 4))
C["F_instance_norm_b0"] = lambda m: F(m).instance_norm(mk(m, 0, 3, 4))
C["F_instance_norm_sp0"] = lambda m: F(m).instance_norm(mk(m, 2, 3, 0))
C["F_batch_norm_train_b0"] = lambda m: F(m).batch_norm(mk(m, 0, 3), m.zeros(3), m.ones(3), training=True)
C["F_batch_norm_eval_b0"] = lambda m: F(m).batch_norm(mk(m, 0, 3), m.zeros(3), m.ones(3), mk(m, 3), mk(m, 3))
C["F_batch_norm_train_c0"] = lambda m: F(m).batch_norm(mk(m, 2, 0), None, None, training=True)
C["F_local_response_norm_b0"] = lambda m: F(m).local_response_norm(mk(m, 0, 3, 4), 2)
C["F_sdpa_k0"] = lambda m: F(m).scaled_dot_product_attention(mk(m, 1, 3, 4), mk(m, 1, 0, 4), mk(m, 1, 0, 4))
C["F_embedding_max_norm_0"] = lambda m: F(m).embedding(m.zeros(0, dtype=m.long), mk(m, 5, 3, grad=False),
                                                       max_norm=1.0)
# --- losses, each reduction
for _red in ["mean", "sum", "none"]:
    for _name, _fn in [
            ("mse", lambda m, r: F(m).mse_loss(mk(m, 0, 3), mk(m, 0, 3, grad=False), reduction=r)),
            ("l1", lambda m, r: F(m).l1_loss(mk(m, 0), mk(m, 0, grad=False), reduction=r)),
            ("smooth_l1", lambda m, r: F(m).smooth_l1_loss(mk(m, 0), mk(m, 0, grad=False), reduction=r)),
            ("huber", lambda m, r: F(m).huber_loss(mk(m, 0), mk(m, 0, grad=False), reduction=r)),
            ("bce", lambda m, r: F(m).binary_cross_entropy(mk(m, 0).sigmoid(), mk(m, 0, grad=False).sigmoid(),
                                                            reduction=r)),
            ("bce_logits", lambda m, r: F(m).binary_cross_entropy_with_logits(mk(m, 0, 2), mk(m, 0, 2, grad=False),
                                                                               pos_weight=mk(m, 2, grad=False),
                                                                               reduction=r)),
            ("ce", lambda m, r: F(m).cross_entropy(mk(m, 0, 3), m.zeros(0, dtype=m.long), reduction=r)),
            ("ce_weight", lambda m, r: F(m).cross_entropy(mk(m, 0, 3), m.zeros(0, dtype=m.long),
                                                          weight=mk(m, 3, grad=False).abs(), reduction=r)),
            ("ce_smooth", lambda m, r: F(m).cross_entropy(mk(m, 0, 3), m.zeros(0, dtype=m.long),
                                                          label_smoothing=0.1, reduction=r)),
            ("ce_probs", lambda m, r: F(m).cross_entropy(mk(m, 0, 3), mk(m, 0, 3, grad=False).softmax(1),
                                                         reduction=r)),
            ("ce_3d_seq0", lambda m, r: F(m).cross_entropy(mk(m, 2, 3, 0), m.zeros(2, 0, dtype=m.long),
                                                           reduction=r)),
            ("ce_ignore_all", lambda m, r: F(m).cross_entropy(mk(m, 2, 3), m.tensor([-100, -100]), reduction=r)),
            ("nll", lambda m, r: F(m).nll_loss(mk(m, 0, 3), m.zeros(0, dtype=m.long), reduction=r)),
            ("nll_3d", lambda m, r: F(m).nll_loss(mk(m, 2, 3, 0), m.zeros(2, 0, dtype=m.long), reduction=r)),
            ("kl_div", lambda m, r: F(m).kl_div(mk(m, 0, 3), mk(m, 0, 3, grad=False).softmax(1),
                                                reduction="batchmean" if r == "mean" else r)),
            ("poisson_nll", lambda m, r: F(m).poisson_nll_loss(mk(m, 0), mk(m, 0, grad=False).abs(), reduction=r)),
            ("gaussian_nll", lambda m, r: F(m).gaussian_nll_loss(mk(m, 0, 2), mk(m, 0, 2, grad=False),
                                                                 mk(m, 0, 2, grad=False).abs(), reduction=r)),
            ("hinge_emb", lambda m, r: F(m).hinge_embedding_loss(mk(m, 0), m.ones(0), reduction=r)),
            ("margin_rank", lambda m, r: F(m).margin_ranking_loss(mk(m, 0), mk(m, 0), m.ones(0), reduction=r)),
            ("soft_margin", lambda m, r: F(m).soft_margin_loss(mk(m, 0), m.ones(0), reduction=r)),
            ("multilabel_soft_margin", lambda m, r: F(m).multilabel_soft_margin_loss(mk(m, 0, 3), m.ones(0, 3),
                                                                                     reduction=r)),
            ("multi_margin", lambda m, r: F(m).multi_margin_loss(mk(m, 0, 3), m.zeros(0, dtype=m.long),
                                                                 reduction=r)),
            ("multilabel_margin", lambda m, r: F(m).multilabel_margin_loss(mk(m, 0, 3),
                                                                           m.zeros(0, 3, dtype=m.long), reduction=r)),
            ("cosine_emb", lambda m, r: F(m).cosine_embedding_loss(mk(m, 0, 3), mk(m, 0, 3), m.ones(0),
                                                                   reduction=r)),
            ("triplet", lambda m, r: F(m).triplet_margin_loss(mk(m, 0, 3), mk(m, 0, 3), mk(m, 0, 3), reduction=r)),
            ("ctc_target0", lambda m, r: F(m).ctc_loss(mk(m, 4, 2, 3).log_softmax(2), m.zeros(2, 0, dtype=m.long),
                                                       m.tensor([4, 3]), m.tensor([0, 0]), reduction=r))]:
        C[f"loss_{_name}_{_red}"] = (lambda f, r: lambda m: f(m, r))(_fn, _red)
# --- nn modules
C["Linear_b0"] = lambda m: det(m, m.nn.Linear(3, 2))(mk(m, 0, 3))
C["Linear_in0"] = lambda m: det(m, m.nn.Linear(0, 2))(mk(m, 4, 0))
C["Bilinear_b0"] = lambda m: det(m, m.nn.Bilinear(2, 3, 4))(mk(m, 0, 2), mk(m, 0, 3))
C["Conv2d_b0"] = lambda m: det(m, m.nn.Conv2d(3, 4, 3, padding=1))(mk(m, 0, 3, 5, 5))
C["Conv1d_b0_same"] = lambda m: det(m, m.nn.Conv1d(3, 4, 3, padding="same"))(mk(m, 0, 3, 5))
C["Conv2d_reflect_b0"] = lambda m: det(m, m.nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"))(
    mk(m, 0, 3, 5, 5))
C["ConvTranspose2d_b0"] = lambda m: det(m, m.nn.ConvTranspose2d(3, 4, 3, stride=2))(mk(m, 0, 3, 5, 5))
C["ConvTranspose1d_b0"] = lambda m: det(m, m.nn.ConvTranspose1d(3, 4, 3))(mk(m, 0, 3, 5))
C["BatchNorm1d_train_b0"] = lambda m: det(m, m.nn.BatchNorm1d(3))(mk(m, 0, 3))
C["BatchNorm2d_eval_b0"] = lambda m: det(m, m.nn.BatchNorm2d(3)).eval()(mk(m, 0, 3, 2, 2))
C["BatchNorm2d_train_b0"] = lambda m: det(m, m.nn.BatchNorm2d(3))(mk(m, 0, 3, 2, 2))
C["BatchNorm1d_train_b1"] = lambda m: det(m, m.nn.BatchNorm1d(3))(mk(m, 1, 3))
C["LayerNorm_b0"] = lambda m: det(m, m.nn.LayerNorm(4))(mk(m, 2, 0, 4))
C["GroupNorm_b0"] = lambda m: det(m, m.nn.GroupNorm(2, 4))(mk(m, 0, 4, 3))
C["InstanceNorm1d_b0"] = lambda m: det(m, m.nn.InstanceNorm1d(3, affine=True))(mk(m, 0, 3, 4))
C["RMSNorm_b0"] = lambda m: det(m, m.nn.RMSNorm(4))(mk(m, 0, 4))
C["MaxPool2d_b0"] = lambda m: m.nn.MaxPool2d(2)(mk(m, 0, 3, 4, 4))
C["AvgPool1d_b0"] = lambda m: m.nn.AvgPool1d(2)(mk(m, 0, 3, 4))
C["AdaptiveAvgPool2d_b0"] = lambda m: m.nn.AdaptiveAvgPool2d(1)(mk(m, 0, 3, 4, 4))
C["Flatten_b0"] = lambda m: m.nn.Flatten()(mk(m, 0, 3, 4))
C["Embedding_b0"] = lambda m: det(m, m.nn.Embedding(5, 3))(m.zeros(0, 4, dtype=m.long))
C["Embedding_padding_b0"] = lambda m: det(m, m.nn.Embedding(5, 3, padding_idx=0))(m.zeros(0, dtype=m.long))
for _cell, _h in [("RNNCell", None), ("GRUCell", None), ("LSTMCell", None)]:
    C[f"{_cell}_b0"] = (lambda c: lambda m: det(m, getattr(m.nn, c)(3, 4))(mk(m, 0, 3)))(_cell)
    C[f"{_cell}_b0_h"] = (lambda c: lambda m: det(m, getattr(m.nn, c)(3, 4))(
        mk(m, 0, 3), (mk(m, 0, 4), mk(m, 0, 4)) if c == "LSTMCell" else mk(m, 0, 4)))(_cell)
    C[f"{_cell}_in0"] = (lambda c: lambda m: det(m, getattr(m.nn, c)(0, 4))(mk(m, 2, 0)))(_cell)
for _rnn in ["RNN", "GRU", "LSTM"]:
    C[f"{_rnn}_b0_bf"] = (lambda c: lambda m: det(m, getattr(m.nn, c)(3, 4, batch_first=True))(mk(m, 0, 2, 3)))(_rnn)
    C[f"{_rnn}_b0_bidir2"] = (lambda c: lambda m: det(m, getattr(m.nn, c)(3, 4, 2, bidirectional=True))(
        mk(m, 2, 0, 3)))(_rnn)
    C[f"{_rnn}_seq0"] = (lambda c: lambda m: det(m, getattr(m.nn, c)(3, 4))(mk(m, 0, 2, 3)))(_rnn)
    C[f"{_rnn}_unbatched_seq0"] = (lambda c: lambda m: det(m, getattr(m.nn, c)(3, 4))(mk(m, 0, 3)))(_rnn)
C["MHA_seq0"] = lambda m: det(m, m.nn.MultiheadAttention(4, 2, batch_first=True))(mk(m, 1, 0, 4), mk(m, 1, 0, 4),
                                                                                  mk(m, 1, 0, 4))
C["MHA_keys0"] = lambda m: det(m, m.nn.MultiheadAttention(4, 2, batch_first=True))(mk(m, 1, 3, 4), mk(m, 1, 0, 4),
                                                                                   mk(m, 1, 0, 4))
C["MHA_b0"] = lambda m: det(m, m.nn.MultiheadAttention(4, 2))(mk(m, 3, 0, 4), mk(m, 3, 0, 4), mk(m, 3, 0, 4))
C["TransformerEncoderLayer_b0"] = lambda m: det(m, m.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0,
                                                                                batch_first=True))(mk(m, 0, 3, 4))
C["TransformerEncoderLayer_seq0"] = lambda m: det(m, m.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0,
                                                                                  batch_first=True))(mk(m, 2, 0, 4))
C["TransformerDecoderLayer_mem0"] = lambda m: det(m, m.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0,
                                                                                  batch_first=True))(
    mk(m, 2, 3, 4), mk(m, 2, 0, 4))
C["Transformer_b0"] = lambda m: det(m, m.nn.Transformer(4, 2, 1, 1, 8, dropout=0.0, batch_first=True))(
    mk(m, 0, 3, 4), mk(m, 0, 2, 4))
C["Sequential_b0"] = lambda m: det(m, m.nn.Sequential(m.nn.Linear(3, 4), m.nn.ReLU(), m.nn.Linear(4, 2)))(
    mk(m, 0, 3))
C["Unflatten_b0"] = lambda m: m.nn.Unflatten(1, (2, 2))(mk(m, 0, 4))
C["Identity_b0"] = lambda m: m.nn.Identity()(mk(m, 0, 4))
C["PixelShuffle_b0_fwd"] = lambda m: m.nn.PixelShuffle(2)(mk(m, 0, 4, 2, 2, grad=False))
C["ZeroPad2d_b0"] = lambda m: m.nn.ZeroPad2d(1)(mk(m, 0, 1, 2, 2))
C["Upsample_b0"] = lambda m: m.nn.Upsample(scale_factor=2)(mk(m, 0, 1, 2, 2))

# --- more positions and functions
C["split_size0_on_empty"] = lambda m: mk(m, 0, 3).split(0)
C["chunk_0_chunks"] = lambda m: mk(m, 0, 3).chunk(0)
C["stack_none"] = lambda m: m.stack([])
C["where_1arg_0"] = lambda m: m.where(mk(m, 0, 3, grad=False) > 0)
C["argwhere_0"] = lambda m: m.argwhere(mk(m, 3, 0, grad=False))
C["cummin_3x0"] = lambda m: m.cummin(mk(m, 3, 0), 1)
C["sort_stable_0"] = lambda m: m.sort(mk(m, 0), stable=True)
C["topk_0_k0"] = lambda m: m.topk(mk(m, 0), 0)
C["topk_k_too_big"] = lambda m: m.topk(mk(m, 0), 1)
C["cov_3x0"] = lambda m: m.cov(mk(m, 3, 0))
C["corrcoef_0x3"] = lambda m: m.corrcoef(mk(m, 0, 3))
C["trapezoid_0"] = lambda m: m.trapezoid(mk(m, 0))
C["trapezoid_3x0"] = lambda m: m.trapezoid(mk(m, 3, 0))
C["cumulative_trapezoid_0"] = lambda m: m.cumulative_trapezoid(mk(m, 0))
C["logdet_0x0"] = lambda m: m.logdet(mk(m, 0, 0))
C["dist_0"] = lambda m: m.dist(mk(m, 0), mk(m, 0))
C["renorm_0"] = lambda m: mk(m, 0, 3).renorm(2, 0, 1.0)
C["cosine_similarity_feat0"] = lambda m: F(m).cosine_similarity(mk(m, 2, 0), mk(m, 2, 0))
C["histogram_0"] = lambda m: m.histogram(mk(m, 0, grad=False), 3, range=(0.0, 1.0))
C["polar_0"] = lambda m: m.polar(mk(m, 0, grad=False).abs(), mk(m, 0, grad=False))
C["complex_0"] = lambda m: m.complex(mk(m, 0, grad=False), mk(m, 0, grad=False))
C["empty_like_0"] = lambda m: m.empty_like(mk(m, 0, 2)).shape
C["new_zeros_0"] = lambda m: mk(m, 2).new_zeros((0, 2))
C["nll_classes0"] = lambda m: F(m).nll_loss(mk(m, 2, 0), m.zeros(2, dtype=m.long))
C["ce_classes0_probs"] = lambda m: F(m).cross_entropy(mk(m, 2, 0), mk(m, 2, 0, grad=False))
C["log_softmax_0_d0"] = lambda m: F(m).log_softmax(mk(m, 0), 0)
C["sum_dims_empty_list"] = lambda m: mk(m, 0, 3).sum(dim=[])
C["mean_dims_tuple_0"] = lambda m: mk(m, 2, 0, 3).mean((0, 1))
C["amax_dims_tuple_0"] = lambda m: mk(m, 2, 0, 3).amax((0, 2))
C["embedding_bag_psw_0"] = lambda m: F(m).embedding_bag(m.zeros(0, dtype=m.long), mk(m, 5, 3), m.tensor([0]),
                                                        mode="sum", per_sample_weights=mk(m, 0))
C["pack_padded_len0"] = lambda m: m.nn.utils.rnn.pack_padded_sequence(mk(m, 3, 2, 4), m.tensor([3, 0])).data
C["LSTM_proj_b0"] = lambda m: det(m, m.nn.LSTM(3, 4, proj_size=2, batch_first=True))(mk(m, 0, 2, 3))
C["TransformerEncoder_mask_b0"] = lambda m: det(m, m.nn.TransformerEncoder(
    m.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True), 1, enable_nested_tensor=False))(
    mk(m, 0, 3, 4), src_key_padding_mask=m.zeros(0, 3, dtype=m.bool))
C["MHA_need_weights_b0"] = lambda m: det(m, m.nn.MultiheadAttention(4, 2, batch_first=True))(
    mk(m, 0, 3, 4), mk(m, 0, 3, 4), mk(m, 0, 3, 4), need_weights=True)
C["Conv2d_groups_b0"] = lambda m: det(m, m.nn.Conv2d(4, 4, 3, groups=4))(mk(m, 0, 4, 5, 5))
C["Conv3d_b0"] = lambda m: det(m, m.nn.Conv3d(2, 3, 2))(mk(m, 0, 2, 3, 3, 3))
C["ConvTranspose2d_unbatched_c"] = lambda m: det(m, m.nn.ConvTranspose2d(2, 3, 2))(mk(m, 2, 0, 3))
C["conv1d_unbatched_len0_pad"] = lambda m: F(m).conv1d(mk(m, 3, 0), mk(m, 4, 3, 1))
C["BatchNorm1d_3d_b0"] = lambda m: det(m, m.nn.BatchNorm1d(3))(mk(m, 0, 3, 4))
C["BatchNorm1d_seq0"] = lambda m: det(m, m.nn.BatchNorm1d(3))(mk(m, 2, 3, 0))
C["batch_norm_running_kept_b0"] = lambda m: (lambda bn: (bn(mk(m, 0, 3)), bn.running_mean, bn.running_var,
                                                         bn.num_batches_tracked))(m.nn.BatchNorm1d(3))
C["instance_norm_running_sp0"] = lambda m: (lambda nm: (nm(mk(m, 2, 3, 0)), nm.running_mean))(
    m.nn.InstanceNorm1d(3, track_running_stats=True))
C["F_conv_transpose1d_unbatched"] = lambda m: F(m).conv_transpose1d(mk(m, 3, 0), mk(m, 3, 2, 1))

C["ifft_0x4"] = lambda m: m.fft.ifft(mk(m, 4, 0), dim=0)
C["irfft_b0"] = lambda m: m.fft.irfft(mk(m, 0, 3, grad=False).to(m.complex64))
C["fft2_b0"] = lambda m: m.fft.fft2(mk(m, 0, 2, 2))
C["rfftfreq_0"] = lambda m: m.fft.rfftfreq(0)
C["hfft_n0"] = lambda m: m.fft.hfft(mk(m, 3, grad=False).to(m.complex64), n=0)
C["special_ndtr_0"] = lambda m: m.special.ndtr(mk(m, 0))
C["special_log_softmax_3x0"] = lambda m: m.special.log_softmax(mk(m, 3, 0), 1)
C["special_logit_0"] = lambda m: m.special.logit(mk(m, 0).sigmoid())
C["special_multigammaln_0"] = lambda m: m.special.multigammaln(mk(m, 0, grad=False).abs() + 3, 2)
C["special_zeta_0"] = lambda m: m.special.zeta(mk(m, 0, grad=False).abs() + 2, mk(m, 0, grad=False).abs() + 1)
C["digamma_0"] = lambda m: m.digamma(mk(m, 0, 3))
C["linalg_eigvalsh_b0"] = lambda m: m.linalg.eigvalsh(mk(m, 0, 2, 2))
C["linalg_svd_0x0"] = lambda m: m.linalg.svd(mk(m, 0, 0, grad=False))
C["linalg_lu_factor_0"] = lambda m: m.linalg.lu_factor(mk(m, 0, 0, grad=False))
C["linalg_solve_b0"] = lambda m: m.linalg.solve(mk(m, 0, 2, 2), mk(m, 0, 2))
C["linalg_cholesky_b0"] = lambda m: m.linalg.cholesky(mk(m, 0, 2, 2))
C["linalg_vecdot_0"] = lambda m: m.linalg.vecdot(mk(m, 3, 0), mk(m, 3, 0))
C["linalg_norm_ord_inf_0"] = lambda m: m.linalg.norm(mk(m, 3, 0, grad=False), float("inf"))
C["linalg_matrix_norm_nuc_0"] = lambda m: m.linalg.matrix_norm(mk(m, 0, 0, grad=False), "nuc")
C["linalg_cond_0"] = lambda m: m.linalg.cond(mk(m, 0, 0, grad=False))
C["triangular_solve_0"] = lambda m: m.linalg.solve_triangular(mk(m, 0, 0), mk(m, 0, 2), upper=True)
C["scatter_value_0"] = lambda m: mk(m, 3, 2, grad=False).scatter(1, m.zeros(3, 0, dtype=m.long), 1.0)
C["scatter_into_empty"] = lambda m: mk(m, 0, 2).scatter(0, m.zeros(0, 2, dtype=m.long), mk(m, 0, 2))
C["index_add_into_empty_dim"] = lambda m: mk(m, 3, 0).index_add(1, m.zeros(0, dtype=m.long), mk(m, 3, 0))
C["index_reduce_0"] = lambda m: mk(m, 3, 2).index_reduce(0, m.zeros(0, dtype=m.long), mk(m, 0, 2), "prod")
C["gather_0d_idx_empty_dim"] = lambda m: mk(m, 3, 0).gather(0, m.zeros(0, 0, dtype=m.long))
C["nonzero_as_tuple_0"] = lambda m: m.nonzero(mk(m, 0, 3, grad=False), as_tuple=True)
C["masked_fill_bcast_0"] = lambda m: mk(m, 2, 0).masked_fill(m.ones(1, 0, dtype=m.bool), 0.5)
C["embedding_scale_grad_freq_0"] = lambda m: F(m).embedding(m.zeros(0, dtype=m.long), mk(m, 5, 3),
                                                            scale_grad_by_freq=True)
C["F_max_pool1d_idx_b0"] = lambda m: F(m).max_pool1d(mk(m, 0, 3, 6), 2, return_indices=True)
C["F_avg_pool2d_ceil_b0"] = lambda m: F(m).avg_pool2d(mk(m, 0, 3, 5, 5), 2, ceil_mode=True, count_include_pad=False)
C["F_fractional_max_pool2d_b0"] = lambda m: F(m).fractional_max_pool2d(mk(m, 0, 2, 6, 6), 2, output_size=3)
C["F_fractional_max_pool3d_b0"] = lambda m: F(m).fractional_max_pool3d(mk(m, 0, 2, 4, 4, 4), 2, output_size=2)
C["F_fractional_max_pool2d_c0"] = lambda m: F(m).fractional_max_pool2d(mk(m, 2, 0, 6, 6), 2, output_size=3)
C["F_fractional_max_pool2d_unbatched_c0"] = lambda m: F(m).fractional_max_pool2d(mk(m, 0, 6, 6), 2, output_size=3)
C["F_fractional_max_pool3d_c0"] = lambda m: F(m).fractional_max_pool3d(mk(m, 1, 0, 4, 4, 4), 2, output_size=2)
C["F_adaptive_max_pool2d_idx_b0"] = lambda m: F(m).adaptive_max_pool2d(mk(m, 0, 3, 4, 4), 2, return_indices=True)
C["Fold_mod_b0"] = lambda m: m.nn.Fold((3, 3), 2)(mk(m, 0, 4, 4))
C["Unfold_mod_b0"] = lambda m: m.nn.Unfold(2)(mk(m, 0, 1, 3, 3))
C["CTCLoss_mod_target0"] = lambda m: m.nn.CTCLoss(zero_infinity=True)(mk(m, 3, 1, 4).log_softmax(2),
                                                                     m.zeros(1, 0, dtype=m.long), m.tensor([3]),
                                                                     m.tensor([0]))
C["CrossEntropyLoss_mod_b0"] = lambda m: m.nn.CrossEntropyLoss()(mk(m, 0, 3), m.zeros(0, dtype=m.long))
C["BCELoss_weight_b0"] = lambda m: m.nn.BCEWithLogitsLoss(weight=m.ones(0, 2))(mk(m, 0, 2), mk(m, 0, 2, grad=False))
C["Softmax2d_b0"] = lambda m: m.nn.Softmax2d()(mk(m, 0, 3, 2, 2))
C["AdaptiveLogSoftmax_b0"] = lambda m: det(m, m.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2]))(
    mk(m, 0, 4), m.zeros(0, dtype=m.long)).output
C["GRU_h0_b0"] = lambda m: det(m, m.nn.GRU(3, 4, batch_first=True))(mk(m, 0, 2, 3), mk(m, 1, 0, 4))
C["LSTM_h0_b0"] = lambda m: det(m, m.nn.LSTM(3, 4))(mk(m, 2, 0, 3), (mk(m, 1, 0, 4), mk(m, 1, 0, 4)))
C["RNN_hidden0"] = lambda m: det(m, m.nn.RNN(3, 0))(mk(m, 2, 1, 3))
C["Linear_out0_mod"] = lambda m: det(m, m.nn.Linear(3, 0))(mk(m, 2, 3))
C["LayerNorm_feat0"] = lambda m: det(m, m.nn.LayerNorm(0))(mk(m, 2, 0))
C["GroupNorm_c0"] = lambda m: det(m, m.nn.GroupNorm(1, 0))(mk(m, 2, 0, 3)) if True else None
C["PReLU_b0"] = lambda m: det(m, m.nn.PReLU(3))(mk(m, 0, 3))
C["Dropout1d_b0"] = lambda m: m.nn.Dropout1d(0.5)(mk(m, 0, 3, 4)).shape
C["CosineSimilarity_b0"] = lambda m: m.nn.CosineSimilarity()(mk(m, 0, 3), mk(m, 0, 3))
C["ChannelShuffle_b0"] = lambda m: m.nn.ChannelShuffle(2)(mk(m, 0, 4, 1, 1))
C["logaddexp_0"] = lambda m: m.logaddexp(mk(m, 0), mk(m, 0))
C["addcmul_0"] = lambda m: m.addcmul(mk(m, 0, 2), mk(m, 0, 2), mk(m, 1, 2), value=0.5)
C["sum_to_size_0"] = lambda m: mk(m, 0, 3).sum_to_size(1, 3)
C["cumsum_reverse_flip_0"] = lambda m: mk(m, 2, 0).flip(1).cumsum(1)
C["std_unbiased_single"] = lambda m: mk(m, 1, 0).std(0)
C["var_1elem"] = lambda m: mk(m, 1).var()
C["median_dim_3x0"] = lambda m: mk(m, 3, 0).median(0)
C["nanmedian_0"] = lambda m: mk(m, 0).nanmedian()
C["logcumsumexp_0"] = lambda m: m.logcumsumexp(mk(m, 0, 2), 0)
C["softmax_dtype_0"] = lambda m: F(m).softmax(mk(m, 0, 3), 1, dtype=m.float64)
C["norm_p0_0"] = lambda m: mk(m, 0, 3).norm(p=0)
C["norm_inf_0"] = lambda m: mk(m, 0, 3).norm(p=float("inf"))
C["norm_fro_dim_0"] = lambda m: mk(m, 3, 0).norm(dim=1)

C["tensor_empty_list"] = lambda m: m.tensor([])
C["tensor_nested_empty"] = lambda m: m.tensor([[], []])
C["tensor_empty_int"] = lambda m: m.tensor([], dtype=m.int64)
C["as_tensor_empty"] = lambda m: m.as_tensor([[]])
C["zeros_tuple0"] = lambda m: m.zeros((0,)) + m.zeros(())
C["cat_legacy_tensor_empty"] = lambda m: m.cat([mk(m, 2, 3), m.tensor([])])
C["noncontig_empty_t_sum"] = lambda m: mk(m, 3, 0).t().sum(1)
C["noncontig_empty_slice_mean"] = lambda m: mk(m, 4, 3)[:, 1:1].mean(0)
C["noncontig_empty_step_cumsum"] = lambda m: mk(m, 0, 6)[:, ::2].cumsum(1)
C["expand_as_0"] = lambda m: mk(m, 1, 3).expand_as(mk(m, 0, 3, grad=False))
C["max_int_dim_0x3"] = lambda m: m.zeros(0, 3, dtype=m.int32).max(1)
C["argmax_keep_0"] = lambda m: mk(m, 0, 3).argmax(1, keepdim=True)
C["prod_dim_int_3x0"] = lambda m: m.zeros(3, 0, dtype=m.int64).prod(1)
C["sum_bool_0"] = lambda m: m.zeros(0, dtype=m.bool).sum()
C["mean_3x0_d1"] = lambda m: mk(m, 3, 0).mean(1)
C["logsumexp_nodim_0"] = lambda m: m.logsumexp(mk(m, 0, 3), (0, 1))
C["softmax_0_d0_T"] = lambda m: mk(m, 0).softmax(0)
C["clamp_tensor_bounds_0"] = lambda m: mk(m, 0, 2).clamp(min=mk(m, 2), max=mk(m, 0, 2))
C["matmul_bcast_b0"] = lambda m: mk(m, 0, 1, 2, 3) @ mk(m, 4, 3, 2)
C["matmul_mat_vec_k0"] = lambda m: mk(m, 3, 0) @ mk(m, 0)
C["linear_nobias_b0_3d"] = lambda m: F(m).linear(mk(m, 2, 0, 3), mk(m, 4, 3))
C["bilinear_in0"] = lambda m: F(m).bilinear(mk(m, 2, 0), mk(m, 2, 3), mk(m, 4, 0, 3))
C["einsum_outer_0"] = lambda m: m.einsum("i,j->ij", mk(m, 0), mk(m, 3))
C["einsum_sum_all_0"] = lambda m: m.einsum("ij->", mk(m, 0, 3))
C["addmv_0"] = lambda m: m.addmv(mk(m, 3), mk(m, 3, 0), mk(m, 0))
C["addbmm_b0"] = lambda m: m.addbmm(mk(m, 2, 4), mk(m, 0, 2, 3), mk(m, 0, 3, 4))
C["vdot_0"] = lambda m: m.vdot(mk(m, 0), mk(m, 0))
C["sdpa_b0_mask"] = lambda m: F(m).scaled_dot_product_attention(mk(m, 0, 2, 3, 4), mk(m, 0, 2, 3, 4),
                                                                 mk(m, 0, 2, 3, 4), is_causal=True)


# --- optimizers stepping an empty parameter, clip_grad over nothing
def _opt(name, **kw):
    def f(m):
        p = m.nn.Parameter(m.zeros(0, 3))
        q = m.nn.Parameter(m.tensor(_rng[0].standard_normal((2,)).astype(np.float32)))
        opt = getattr(m.optim, name)([p, q], **kw)
        for _ in range(2):
            opt.zero_grad()
            ((p * 2).sum() + (q * q).sum()).backward()
            opt.step() if name != "LBFGS" else opt.step(lambda: (p * 2).sum() + (q * q).sum())
        return p.detach().clone(), q.detach().clone()
    return f


for _o, _kw in [("SGD", {"lr": 0.1, "momentum": 0.9}), ("SGD", {"lr": 0.1, "nesterov": True, "momentum": 0.5,
                                                               "weight_decay": 0.1}),
                ("Adam", {"lr": 0.1, "foreach": False, "weight_decay": 0.1}), ("Adam", {"lr": 0.1, "foreach": True}),
                ("Adam", {"lr": 0.1}), ("AdamW", {"lr": 0.1, "amsgrad": True}),
                ("Adagrad", {"lr": 0.1}), ("RMSprop", {"lr": 0.1, "centered": True}), ("Adamax", {"lr": 0.1}),
                ("NAdam", {"lr": 0.1}), ("RAdam", {"lr": 0.1}), ("Adadelta", {}), ("Rprop", {"lr": 0.1}),
                ("ASGD", {"lr": 0.1}), ("Adafactor", {"lr": 0.1})]:
    C[f"optim_{_o}_{'_'.join(f'{k}{v}' for k, v in _kw.items())}_empty_param"] = _opt(_o, **_kw)


def _clip(m, how):
    ps = [m.nn.Parameter(m.zeros(0, 3)), m.nn.Parameter(m.zeros(0))]
    for p in ps:
        p.grad = m.zeros_like(p)
    if how == "none":
        return m.nn.utils.clip_grad_norm_([], 1.0)
    if how == "inf":
        return m.nn.utils.clip_grad_norm_(ps, 1.0, norm_type="inf")
    if how == "-inf_mixed":
        q = m.nn.Parameter(m.ones(2))
        q.grad = m.ones(2)
        return m.nn.utils.clip_grad_norm_([q] + ps, 1.0, norm_type=-float("inf"))
    if how in ("p0", "p1", "p3"):
        return m.nn.utils.clip_grad_norm_(ps, 1.0, norm_type=float(how[1]))
    if how == "value":
        m.nn.utils.clip_grad_value_(ps, 0.5)
        return ps[0].grad
    if how == "get_total_norm":
        return m.nn.utils.get_total_norm([p.grad for p in ps])
    return m.nn.utils.clip_grad_norm_(ps, 1.0)


for _h in ["none", "inf", "-inf_mixed", "p0", "p1", "p3", "value", "empty_grads", "get_total_norm"]:
    C[f"clip_grad_{_h}"] = (lambda h: lambda m: _clip(m, h))(_h)
C["parameters_to_vector_empty"] = lambda m: m.nn.utils.parameters_to_vector([m.nn.Parameter(m.zeros(0, 2))])
C["pad_sequence_empty_seqs"] = lambda m: m.nn.utils.rnn.pad_sequence([mk(m, 0, 3), mk(m, 2, 3)], batch_first=True)


# Torch's own behaviour on these is a bug; teenygrad keeps the sane result. name -> why
TORCH_BUGS = {
    "fft_batch0": "torch's MKL FFT raises 'Inconsistent configuration parameters' on an empty batch",
    "rfft_batch0": "torch's MKL FFT raises 'Inconsistent configuration parameters' on an empty batch",
    "fft2_b0": "torch's MKL FFT raises 'Inconsistent configuration parameters' on an empty batch",
    "ifft_0x4": "torch's MKL FFT raises 'Inconsistent configuration parameters' on an empty batch",
    "irfft_b0": "torch's MKL FFT raises 'Inconsistent configuration parameters' on an empty batch",
    "F_pixel_shuffle_c0": "torch's PixelShuffleBackward returns an invalid gradient [1, 0, 4, 4] for [1, 0, 2, 2]",
    "F_pixel_unshuffle_b0": "torch's pixel_unshuffle returns an empty batch unshuffled: (0, 1, 4, 4), not (0, 4, 2, 2)",
    "InstanceNorm1d_b0": "torch's affine instance norm of an empty batch raises an IndexError from weight[0]",
    "F_group_norm_sp0": "torch's group_norm with no spatial elements gives NaN weight gradients for an empty output",
    "F_adaptive_avg_pool2d_1x0x4x4": "torch's adaptive_avg_pool2d backward refuses the empty output its forward made",
    "F_adaptive_avg_pool2d_out0": "torch's adaptive_avg_pool2d backward refuses the empty output its forward made",
    "bilinear_in0": "torch's bilinear with an empty in1_features cannot reshape (the -1 is ambiguous); the math "
                    "gives zeros (plus the bias)",
    "TransformerEncoder_mask_b0": "torch's fast path with a padding mask cannot reshape an empty batch "
                                  "(the -1 is ambiguous)",
}
for _n in ("multi_margin", "multilabel_margin"):    # teenygrad gives 0 for both
    for _r in ("mean", "sum"):
        TORCH_BUGS[f"loss_{_n}_{_r}"] = f"torch's {_n}_loss(reduction={_r!r}) of no samples is uninitialised memory"
# Mismatches left for the owners of files this landing could not touch. name -> why
KNOWN_GAPS = {}


def _flat(r):
    if isinstance(r, (tuple, list)) and not (r and isinstance(r[0], (int, float, bool)) or r == []):
        return [x for e in r for x in _flat(e)]
    if hasattr(r, "_fields") or type(r).__name__.startswith("torch.return_types"):
        return [x for e in tuple(r) for x in _flat(e)]
    return [r]


def _desc(m, r):
    if isinstance(r, m.Tensor):
        return ("T", tuple(r.shape), str(r.dtype).split(".")[-1], r.detach().numpy())
    if isinstance(r, (torch.Size,)) or type(r).__name__ == "Size":
        return ("V", tuple(r))
    return ("V", r)


def _run(m, name):
    _rng[0] = np.random.default_rng(zlib.crc32(name.encode()))
    _leaves.clear()
    m.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = _flat(C[name](m))
        except Exception as e:      # noqa: BLE001 - the exception type is what is compared
            return ("raises", type(e).__name__, str(e)), None
        res = [_desc(m, r) for r in out]
        grads = None
        diff = [r for r in out if isinstance(r, m.Tensor) and r.requires_grad and r.is_floating_point()]
        if diff and _leaves:
            try:
                sum(((r.float() * 1.5).sum() for r in diff), m.zeros(())).backward()
                grads = [None if p.grad is None else (tuple(p.grad.shape), p.grad.detach().numpy()) for p in _leaves]
            except Exception as e:   # noqa: BLE001
                grads = ("raises", type(e).__name__, str(e))
    return res, grads


def _same_val(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return False
        if a.size == 0:
            return True
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            return np.allclose(a.astype(np.complex128), b.astype(np.complex128), rtol=1e-4, atol=1e-5,
                               equal_nan=True)
        return (a == b).all()
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    return a == b


def _compare(name, t, g):
    (tr, tgr), (gr, ggr) = t, g
    if tr[:1] == ("raises",) or gr[:1] == ("raises",):
        assert tr[0] == gr[0], f"{name}: torch={tr} teenygrad={gr}"
        assert tr[1] == gr[1], f"{name}: torch raised {tr[1]}({tr[2]!r}), teenygrad {gr[1]}({gr[2]!r})"
        return
    assert len(tr) == len(gr), f"{name}: {len(tr)} outputs vs {len(gr)}"
    for i, (a, b) in enumerate(zip(tr, gr)):
        assert a[0] == b[0], f"{name} out{i}: torch {a} teenygrad {b}"
        if a[0] == "T":
            assert a[1:3] == b[1:3], f"{name} out{i}: torch shape/dtype {a[1:3]} teenygrad {b[1:3]}"
        assert _same_val(a[-1], b[-1]), f"{name} out{i}: torch {a[-1]!r} teenygrad {b[-1]!r}"
    if tgr is None or ggr is None:   # an output cut from the graph (torch's trapezoid of nothing) = zero gradients
        other = tgr if ggr is None else ggr
        assert other is None or other[:1] != ("raises",) and all(a is None or not np.any(a[1]) for a in other), \
            f"{name}: gradients torch={tgr} teenygrad={ggr}"
        return
    if tgr[0] == "raises" or ggr[0] == "raises":
        assert tgr[:2] == ggr[:2], f"{name} backward: torch={tgr} teenygrad={ggr}"
        return
    assert len(tgr) == len(ggr)
    for i, (a, b) in enumerate(zip(tgr, ggr)):
        if a is None or b is None:   # no gradient and an empty one are the same thing
            assert (a or b)[0].count(0) > 0 if (a or b) else True, f"{name} grad of input {i}: torch {a} teenygrad {b}"
        else:
            assert a[0] == b[0] and _same_val(a[1], b[1]), f"{name} grad of input {i}: torch {a} teenygrad {b}"


@pytest.mark.parametrize("name", sorted(C))
def test_empty_input_as_torch(name):
    t, g = _run(torch, name), _run(tg, name)
    if name in TORCH_BUGS:   # teenygrad's result is the sane one: it computes, forward and backward
        assert g[0][:1] != ("raises",) and (g[1] is None or g[1][:1] != ("raises",)), f"{name}: {g}"
        pytest.xfail(TORCH_BUGS[name])
    if name in KNOWN_GAPS:
        pytest.xfail(KNOWN_GAPS[name])
    _compare(name, t, g)
