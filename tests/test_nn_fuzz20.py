"""Random configurations of the nn layers driven by masks, lengths and modes, run in torch and in teenygrad on the
same numpy inputs and the same weights (torch's module state_dict loaded into both), forward and backward (input
and parameter gradients) compared (twentieth landing): F.scaled_dot_product_attention (bool / float masks of
broadcast shapes, is_causal with t_q != t_k, scale, enable_gqa, fully masked rows), nn.MultiheadAttention
(kdim / vdim, bias, add_bias_kv, add_zero_attn, need_weights, average_attn_weights, 2-d / 3-d masks, key padding
masks, is_causal, unbatched, train / eval and torch's eval fast path), the transformer layers and stacks,
pack_padded_sequence / pack_sequence / pad_packed_sequence through RNN / LSTM / GRU, CTCLoss, Embedding and
EmbeddingBag. A configuration torch refuses must be refused too.

Torch quirks left out: its eval fast path gives NaN rows where a key padding mask masks every key (its other
paths give 0); TransformerDecoderLayer.__setstate__ swaps an nn.Module activation for relu when TransformerDecoder
deep-copies the layer; its CPU embedding_bag backward with scale_grad_by_freq divides by another id's count; CTC
targets holding the blank label (torch's docs forbid them); pack_padded_sequence reading past the input for a
length longer than it; a negative scale with is_causal on the CPU flash kernel (NaN).

What the sweep found, each also pinned by a direct case below: scaled_dot_product_attention applied an attn_mask
beside is_causal on every input, where torch refuses both unless its CPU flash kernel runs (4-D inputs, a 2-D or
4-D mask, unit-strided last dims, ...); took a float mask of any float dtype (torch: float32 or the query's); and
let a mask with more (or longer) dims than the scores grow the output (torch refuses)."""

import random
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg

TOL = {"float32": 2e-4, "float64": 1e-8}


def _dtype(L, name):
    return getattr(L, name)


def _state(torch_module):
    return {k: v.detach().numpy().copy() for k, v in torch_module.state_dict().items()}


def _load(L, module, state):
    module.load_state_dict({k: L.tensor(v) for k, v in state.items()})
    return module


def _backward(L, outs, leaves, params, rng):
    """sum(out * u) for a fixed random u per output, backward; the outputs, then every leaf's and parameter's
    gradient (None where there is none)."""
    loss = 0
    for o in outs:
        if o is not None and o.is_floating_point():
            u = rng.standard_normal(tuple(o.shape)).astype(str(o.dtype).split(".")[-1])
            loss = loss + (o.nan_to_num() * L.tensor(u)).sum()
    if not isinstance(loss, int) and loss.requires_grad:
        loss.backward()
    return list(outs) + [t.grad for t in leaves] + [p.grad for _, p in params]


def _outcome(run, L, seed):
    """The run's results as numpy arrays, or the exception it raised."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = run(L, seed)
    except Exception as e:  # the comparison checks that both refused
        return e
    return [None if r is None else r.detach().numpy() if hasattr(r, "detach") else np.asarray(r) for r in res]


def _compare(run, seed, tol=None):
    want, got = _outcome(run, torch, seed), _outcome(run, tg, seed)
    if isinstance(want, Exception) or isinstance(got, Exception):
        assert isinstance(want, Exception) and isinstance(got, Exception), f"seed {seed}: torch {want!r}, tg {got!r}"
        return
    assert len(want) == len(got)
    for i, (a, b) in enumerate(zip(want, got)):
        assert (a is None) == (b is None), f"seed {seed}, result {i}: {a is None} vs {b is None}"
        if a is None:
            continue
        assert a.shape == b.shape and a.dtype == b.dtype, (seed, i, a.shape, b.shape, a.dtype, b.dtype)
        t = tol or TOL.get(str(a.dtype), 0)
        np.testing.assert_allclose(b, a, rtol=t, atol=t, equal_nan=True, err_msg=f"seed {seed}, result {i}")


# ---- F.scaled_dot_product_attention ----------------------------------------------------------------------------
def _sdpa_run(L, seed):
    r, rng = random.Random(seed), np.random.default_rng(seed)
    dt = r.choice(["float32", "float64"])
    B = r.choice([(), (2,), (2, 3)])
    t_q, t_k, e, ev = r.randint(1, 4), r.randint(1, 5), r.randint(1, 4), r.randint(1, 4)
    gqa = r.random() < 0.25 and len(B) >= 1
    kB = B
    if gqa:
        hq = r.choice([2, 4])
        B, kB = B[:-1] + (hq,), B[:-1] + (r.choice([1, 2] if hq == 2 else [1, 2, 4]),)
    leaves = [L.tensor(rng.standard_normal(s).astype(dt), requires_grad=True)
              for s in (B + (t_q, e), kB + (t_k, e), kB + (t_k, ev))]
    kind = r.choice(["none", "bool", "float", "float_inf"])
    mask = None
    if kind != "none":
        shape = tuple(1 if r.random() < 0.4 else s for s in B + (t_q, t_k))
        shape = shape[r.randrange(len(shape) - 1):]  # fewer leading dims
        if kind == "bool":
            mask = L.tensor(rng.random(shape) < 0.6)
        else:
            m = rng.standard_normal(shape)
            if kind == "float_inf":
                m[rng.random(shape) < 0.4] = -np.inf
            mask = L.tensor(m.astype(r.choice([dt, "float32"])))
    out = L.nn.functional.scaled_dot_product_attention(*leaves, attn_mask=mask, is_causal=r.random() < 0.3,
                                                       scale=r.choice([None, None, 0.3, 2.0]), enable_gqa=gqa)
    return _backward(L, [out], leaves, [], rng)


@pytest.mark.parametrize("chunk", range(3))
def test_sdpa_fuzz(chunk):
    for seed in range(chunk * 80, chunk * 80 + 80):
        _compare(_sdpa_run, seed)


def _sdpa_direct(L, case):
    q, k = L.ones(2, 2, 3, 4), L.ones(2, 2, 5, 4)
    F = L.nn.functional
    mask = L.ones(3, 5, dtype=L.bool)
    if case == "causal_3d":
        return F.scaled_dot_product_attention(q[0], k[0], k[0], attn_mask=mask, is_causal=True)
    if case == "causal_3d_mask":
        return F.scaled_dot_product_attention(q, k, k, attn_mask=mask[None], is_causal=True)
    if case == "causal_kv_batch_1":
        return F.scaled_dot_product_attention(q, k[:1], k[:1], attn_mask=mask, is_causal=True)
    if case == "causal_strided_q":
        return F.scaled_dot_product_attention(L.ones(2, 2, 4, 3).transpose(-1, -2), k, k, attn_mask=mask,
                                              is_causal=True)
    if case == "causal_4d_ok":  # torch's CPU flash kernel: both apply
        return F.scaled_dot_product_attention(q, k, k, attn_mask=L.ones(2, 1, 3, 1, dtype=L.bool), is_causal=True)
    if case == "float64_mask":
        return F.scaled_dot_product_attention(q, k, k, attn_mask=L.zeros(3, 5, dtype=L.float64))
    if case == "float32_mask_of_float64":
        return F.scaled_dot_product_attention(q.double(), k.double(), k.double(), attn_mask=L.zeros(3, 5))
    if case == "mask_more_dims":
        return F.scaled_dot_product_attention(q[0], k[0], k[0], attn_mask=L.zeros(2, 2, 3, 5, dtype=L.bool))
    if case == "mask_longer_batch":
        return F.scaled_dot_product_attention(q[:1], k[:1], k[:1], attn_mask=L.zeros(2, 1, 3, 5))


@pytest.mark.parametrize("case", ["causal_3d", "causal_3d_mask", "causal_kv_batch_1", "causal_strided_q", "causal_4d_ok",
                                  "float64_mask", "float32_mask_of_float64", "mask_more_dims", "mask_longer_batch"])
def test_sdpa_masks_as_torch(case):
    """attn_mask beside is_causal was applied on any input (torch refuses it off its CPU flash kernel), a float64
    mask of a float32 query was taken (torch: float32 or the query's dtype), and a mask with more or longer dims
    than the scores grew the output (torch refuses)."""
    try:
        want = _sdpa_direct(torch, case)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="scaled_dot_product_attention"):
            _sdpa_direct(tg, case)
        return
    got = _sdpa_direct(tg, case)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    assert got.dtype == getattr(tg, str(want.dtype).split(".")[-1])
