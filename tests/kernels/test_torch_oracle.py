"""The fused kernels against PyTorch itself (float64 autograd), so a formula error shared by a kernel and
its hand-written numpy reference cannot hide. torch is only the test oracle here."""
import numpy as np
import pytest

pytest.importorskip("triton")
torch = pytest.importorskip("torch")

from kernel_checks import assert_close  # noqa: E402
from teenygrad.kernels import adamw, cross_entropy, flash_attention, gelu, layernorm, softmax  # noqa: E402


def leaf(x):
    return torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


def test_softmax_and_gelu_match_torch(rng):
    x, dy = rng.standard_normal((5, 33)).astype(np.float32), rng.standard_normal((5, 33)).astype(np.float32)
    t = leaf(x)
    y = torch.softmax(t, dim=-1)
    y.backward(torch.tensor(dy, dtype=torch.float64))
    ours = softmax.softmax_fwd(x)
    assert_close(ours, y.detach(), "float32", "softmax vs torch")
    assert_close(softmax.softmax_bwd(ours, dy), t.grad, "float32", "softmax grad vs torch")
    for approximate in ("none", "tanh"):
        t = leaf(x * 3)
        y = torch.nn.functional.gelu(t, approximate=approximate)
        y.backward(torch.tensor(dy, dtype=torch.float64))
        assert_close(gelu.gelu_fwd(x * 3, approximate), y.detach(), "float32", f"gelu {approximate} vs torch")
        assert_close(gelu.gelu_bwd(dy, x * 3, approximate), t.grad, "float32", f"gelu {approximate} grad vs torch")


def test_cross_entropy_mean_with_ignore_index_matches_torch(rng):
    logits = (rng.standard_normal((10, 29)) * 4).astype(np.float32)
    target = rng.integers(0, 29, 10)
    target[[2, 7]] = -100
    t = leaf(logits)
    loss = torch.nn.functional.cross_entropy(t, torch.tensor(target), ignore_index=-100)  # mean over kept rows
    loss.backward()
    rows, lse = cross_entropy.cross_entropy_fwd(logits, target)
    kept = int((target != -100).sum())
    assert_close(rows.sum() / kept, loss.detach(), "float32", "mean cross entropy vs torch")
    assert_close(cross_entropy.cross_entropy_bwd(logits, target, lse, 1.0 / kept), t.grad, "float32",
                 "cross entropy grad vs torch")


def test_layer_norm_matches_torch(rng):
    x, dy = (rng.standard_normal((6, 40)) * 2 + 1).astype(np.float32), rng.standard_normal((6, 40)).astype(np.float32)
    w, b = rng.standard_normal(40).astype(np.float32), rng.standard_normal(40).astype(np.float32)
    tx, tw, tb = leaf(x), leaf(w), leaf(b)
    y = torch.nn.functional.layer_norm(tx, (40,), tw, tb, eps=1e-5)
    y.backward(torch.tensor(dy, dtype=torch.float64))
    ours, mean, rstd = layernorm.layer_norm_fwd(x, w, b, eps=1e-5)
    assert_close(ours, y.detach(), "float32", "layer_norm vs torch")
    for name, got, want in zip(("dx", "dw", "db"), layernorm.layer_norm_bwd(dy, x, w, mean, rstd),
                               (tx.grad, tw.grad, tb.grad)):
        assert_close(got, want, "float32", f"layer_norm {name} vs torch", scale=4)


@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_torch_sdpa(causal, rng):
    q, k, v, do = (rng.standard_normal((2, 2, 21, 16)).astype(np.float32) for _ in range(4))
    tq, tk, tv = leaf(q), leaf(k), leaf(v)
    out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=causal)
    out.backward(torch.tensor(do, dtype=torch.float64))
    o, lse = flash_attention.attention_fwd(q, k, v, causal=causal)
    assert_close(o, out.detach(), "float32", "attention vs torch sdpa")
    for name, got, want in zip(("dq", "dk", "dv"), flash_attention.attention_bwd(do, q, k, v, o, lse, causal=causal),
                               (tq.grad, tk.grad, tv.grad)):
        assert_close(got, want, "float32", f"attention {name} vs torch")


def test_adamw_matches_torch_optimizer(rng):
    p0 = rng.standard_normal((9, 5)).astype(np.float32)
    grads = [rng.standard_normal((9, 5)).astype(np.float32) for _ in range(4)]
    tp = torch.tensor(p0.astype(np.float64), requires_grad=True)
    opt = torch.optim.AdamW([tp], lr=1e-2, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.05)
    p, m, v = p0.copy(), np.zeros_like(p0), np.zeros_like(p0)
    for step, g in enumerate(grads, start=1):
        tp.grad = torch.tensor(g.astype(np.float64))
        opt.step()
        adamw.adamw_step(p, g, m, v, lr=1e-2, beta1=0.9, beta2=0.98, eps=1e-6, weight_decay=0.05, step=step)
        assert_close(p, tp.detach(), "float32", f"adamw param vs torch, step {step}")
    state = opt.state[tp]
    assert_close(m, state["exp_avg"], "float32", "adamw exp_avg vs torch")
    assert_close(v, state["exp_avg_sq"], "float32", "adamw exp_avg_sq vs torch")
