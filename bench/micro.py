"""Micro benchmarks at nanoGPT shapes: one op forward + backward (or one optimizer step), same code for both
frameworks. Each returns a zero-argument callable that does one repetition."""
import importlib
import numpy as np
from models import to_t, build_gpt, adamw_for

B, T, D, H, V = 12, 64, 128, 4, 65


def _F(torch):
    return importlib.import_module(torch.__name__ + ".nn.functional")


def tiny_add(torch):
    """Per-op overhead: two 4-element tensors, add, sum, backward."""
    a = to_t(torch, np.ones(4, np.float32), True)
    b = to_t(torch, np.ones(4, np.float32), True)

    def run():
        a.grad = b.grad = None
        (a + b).sum().backward()
    return run


def _fwd_bwd(torch, fn, inputs, out_shape, seed=0):
    rng = np.random.default_rng(seed)
    g = to_t(torch, rng.standard_normal(out_shape).astype(np.float32))

    def run():
        for x in inputs:
            x.grad = None
        fn().backward(g)
    return run


def layernorm(torch):
    F, rng = _F(torch), np.random.default_rng(1)
    x = to_t(torch, rng.standard_normal((B, T, D)).astype(np.float32), True)
    w = to_t(torch, np.ones(D, np.float32), True)
    b = to_t(torch, np.zeros(D, np.float32), True)
    return _fwd_bwd(torch, lambda: F.layer_norm(x, (D,), w, b), [x, w, b], (B, T, D))


def gelu(torch):
    F, rng = _F(torch), np.random.default_rng(2)
    x = to_t(torch, rng.standard_normal((B, T, 4 * D)).astype(np.float32), True)
    return _fwd_bwd(torch, lambda: F.gelu(x), [x], (B, T, 4 * D))


def cross_entropy(torch):
    F, rng = _F(torch), np.random.default_rng(3)
    x = to_t(torch, rng.standard_normal((B * T, V)).astype(np.float32), True)
    y = to_t(torch, rng.integers(0, V, B * T))

    def run():
        x.grad = None
        F.cross_entropy(x, y).backward()
    return run


def sdpa(torch):
    F, rng = _F(torch), np.random.default_rng(4)
    q, k, v = (to_t(torch, rng.standard_normal((B, H, T, D // H)).astype(np.float32), True) for _ in range(3))
    return _fwd_bwd(torch, lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True), [q, k, v],
                    (B, H, T, D // H))


def masked_softmax(torch):
    """minGPT's attention weights: att.masked_fill(tril == 0, -inf).softmax(-1) with the (1, 1, T, T) mask."""
    rng = np.random.default_rng(7)
    att = to_t(torch, rng.standard_normal((B, H, T, T)).astype(np.float32), True)
    causal = to_t(torch, np.tril(np.ones((T, T), np.float32)).reshape(1, 1, T, T)) == 0
    return _fwd_bwd(torch, lambda: att.masked_fill(causal, float("-inf")).softmax(-1), [att], (B, H, T, T))


def embedding_bwd(torch):
    F, rng = _F(torch), np.random.default_rng(5)
    w = to_t(torch, rng.standard_normal((V, D)).astype(np.float32), True)
    idx = to_t(torch, rng.integers(0, V, (B, T)))
    return _fwd_bwd(torch, lambda: F.embedding(idx, w), [w], (B, T, D))


def linear(torch):
    F, rng = _F(torch), np.random.default_rng(6)
    x = to_t(torch, rng.standard_normal((B, T, D)).astype(np.float32), True)
    w = to_t(torch, (rng.standard_normal((4 * D, D)) * 0.02).astype(np.float32), True)
    b = to_t(torch, np.zeros(4 * D, np.float32), True)
    return _fwd_bwd(torch, lambda: F.linear(x, w, b), [x, w, b], (B, T, 4 * D))


def adamw_step(torch):
    """One AdamW step over the nanoGPT parameters (gradients preset, no graph)."""
    model = build_gpt(torch)
    opt = adamw_for(torch, model)
    rng = np.random.default_rng(7)
    for p in model.parameters():
        p.grad = to_t(torch, (rng.standard_normal(tuple(p.shape)) * 1e-3).astype(np.float32))
    return opt.step


def clip_grad_norm(torch):
    model = build_gpt(torch)
    rng = np.random.default_rng(8)
    for p in model.parameters():
        p.grad = to_t(torch, (rng.standard_normal(tuple(p.shape)) * 1e-3).astype(np.float32))
    params = list(model.parameters())
    return lambda: torch.nn.utils.clip_grad_norm_(params, 1.0)


MICRO = {"tiny_add": tiny_add, "layernorm": layernorm, "gelu": gelu, "cross_entropy": cross_entropy,
         "sdpa": sdpa, "masked_softmax": masked_softmax, "embedding_bwd": embedding_bwd, "linear": linear,
         "adamw_step": adamw_step, "clip_grad_norm": clip_grad_norm}
