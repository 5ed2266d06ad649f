"""GPT-2 from a Hugging Face checkpoint folder, checked against a PyTorch GPT-2 written here (the oracle).

No real GPT-2 weights exist on this machine, so every test writes random weights in the HF layout:
keys `h.{i}.attn.c_attn.weight` (or with a `transformer.` prefix), Conv1D weights stored (in, out),
the `attn.bias` / `attn.masked_bias` buffers, no `lm_head.weight` (tied to wte), plus config.json.
The reference below reads that same file with HF's math (x @ W + b on (in, out) weights, gelu_new,
HF's growing past_key_values cache), so nothing of ours is shared with it.
"""
import io
import json
import os
import sys
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from safetensors.numpy import save_file

import teenygrad as tg
from teenygrad.models import gpt2

FWD = dict(atol=1e-4, rtol=0)          # float32 logits, prefill and every cached step
LOSS = dict(atol=0, rtol=1e-5)         # float32 loss
GRAD = dict(atol=1e-6, rtol=1e-3)      # float32 parameter gradients (relative; atol only for ~0 entries)

SMALL = dict(n_layer=2, n_head=2, n_embd=32, vocab_size=101, n_positions=64)


# --- a checkpoint folder in the HF layout -------------------------------------------------------------

def hf_config(n_layer, n_head, n_embd, vocab_size, n_positions, **extra):
    cfg = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_layer": n_layer, "n_head": n_head,
           "n_embd": n_embd, "vocab_size": vocab_size, "n_positions": n_positions, "n_ctx": n_positions,
           "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new", "n_inner": None,
           "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1, "bos_token_id": vocab_size - 1,
           "eos_token_id": vocab_size - 1}
    cfg.update(extra)
    return cfg


def hf_weights(cfg, seed=0, prefix=""):
    """Random GPT-2 weights with HF's names and Conv1D (in, out) layout, biases and LayerNorms random too
    (so a transposition or a missed bias shows). Includes the attention-mask buffers HF writes."""
    rng = np.random.default_rng(seed)
    e, v, p, L = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"], cfg["n_layer"]
    f = 4 * e

    def r(*shape, std=0.2):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    sd = {"wte.weight": r(v, e), "wpe.weight": r(p, e, std=0.1),
          "ln_f.weight": 1 + r(e, std=0.1), "ln_f.bias": r(e, std=0.1)}
    mask = np.tril(np.ones((p, p), np.float32))[None, None]
    for i in range(L):
        h = f"h.{i}."
        sd.update({h + "ln_1.weight": 1 + r(e, std=0.1), h + "ln_1.bias": r(e, std=0.1),
                   h + "attn.c_attn.weight": r(e, 3 * e), h + "attn.c_attn.bias": r(3 * e, std=0.1),
                   h + "attn.c_proj.weight": r(e, e), h + "attn.c_proj.bias": r(e, std=0.1),
                   h + "ln_2.weight": 1 + r(e, std=0.1), h + "ln_2.bias": r(e, std=0.1),
                   h + "mlp.c_fc.weight": r(e, f), h + "mlp.c_fc.bias": r(f, std=0.1),
                   h + "mlp.c_proj.weight": r(f, e, std=0.1), h + "mlp.c_proj.bias": r(e, std=0.1),
                   h + "attn.bias": mask, h + "attn.masked_bias": np.asarray(-1e4, np.float32)})
    return {prefix + k: a for k, a in sd.items()}


def write_checkpoint(directory, cfg, sd):
    os.makedirs(directory, exist_ok=True)
    save_file(sd, os.path.join(directory, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(cfg, f)
    return str(directory)


@pytest.fixture(scope="module", autouse=True)
def _torch_one_thread():
    """Tiny reference ops: torch's thread pool only spins on these shared 2-core machines (30x slower)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """(folder, config, HF state dict) for the small random GPT-2."""
    cfg = hf_config(**SMALL)
    sd = hf_weights(cfg)
    return write_checkpoint(tmp_path_factory.mktemp("gpt2_small"), cfg, sd), cfg, sd


# --- the oracle: HF GPT-2's math in PyTorch ---------------------------------------------------------

class TorchGPT2(torch.nn.Module):
    """GPT-2 as HF computes it: Conv1D y = x @ W + b with W (in, out); gelu_new; head tied to wte;
    a past_key_values cache that grows by concatenation. b batch, t sequence length, e width."""

    def __init__(self, cfg, sd):
        super().__init__()
        self.cfg = cfg
        self.p = torch.nn.ParameterDict({k.replace(".", "_"): torch.nn.Parameter(torch.tensor(a))
                                         for k, a in sd.items() if not k.endswith((".attn.bias", ".attn.masked_bias"))})

    def w(self, name):
        return self.p[name.replace(".", "_")]

    def forward(self, idx, past=None):
        """idx (b, t) -> logits (b, t, v), present: one (k, v) pair per layer, each (b, nh, T, hs)."""
        cfg, w = self.cfg, self.w
        b, t = idx.shape
        nh, e, eps = cfg["n_head"], cfg["n_embd"], cfg["layer_norm_epsilon"]
        start = 0 if past is None else past[0][0].shape[2]
        pos = torch.arange(start, start + t)
        x = w("wte.weight")[idx] + w("wpe.weight")[pos]                       # (b, t, e)
        present = []
        for i in range(cfg["n_layer"]):
            h = f"h.{i}."
            a = tF.layer_norm(x, (e,), w(h + "ln_1.weight"), w(h + "ln_1.bias"), eps)
            qkv = a @ w(h + "attn.c_attn.weight") + w(h + "attn.c_attn.bias")    # (b, t, 3e)
            q, k, v = (z.view(b, t, nh, e // nh).transpose(1, 2) for z in qkv.split(e, dim=2))
            if past is not None:
                k, v = torch.cat([past[i][0], k], dim=2), torch.cat([past[i][1], v], dim=2)
            present.append((k, v))
            T = k.shape[2]
            att = (q @ k.transpose(-1, -2)) / (e // nh) ** 0.5                 # (b, nh, t, T)
            causal = torch.ones(t, T, dtype=torch.bool).tril(diagonal=T - t)
            att = att.masked_fill(~causal, float("-inf")).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).reshape(b, t, e)
            x = x + (y @ w(h + "attn.c_proj.weight") + w(h + "attn.c_proj.bias"))
            m = tF.layer_norm(x, (e,), w(h + "ln_2.weight"), w(h + "ln_2.bias"), eps)
            m = tF.gelu(m @ w(h + "mlp.c_fc.weight") + w(h + "mlp.c_fc.bias"), approximate="tanh")
            x = x + (m @ w(h + "mlp.c_proj.weight") + w(h + "mlp.c_proj.bias"))
        x = tF.layer_norm(x, (e,), w("ln_f.weight"), w("ln_f.bias"), eps)
        return x @ w("wte.weight").T, present


def tg_logits(x):
    return np.asarray(x._data, dtype=np.float32)


# --- loading ---------------------------------------------------------------------------------------------

def test_config_from_hf(small):
    directory, cfg, _ = small
    c = gpt2.read_config(directory)
    assert (c.n_layer, c.n_head, c.n_embd, c.vocab_size, c.n_positions) == (2, 2, 32, 101, 64)
    assert c.gelu_approximate == "tanh" and c.layer_norm_epsilon == 1e-5


def test_loaded_weights_are_hf_transposed_and_tied(small):
    directory, _, sd = small
    model = gpt2.from_pretrained(directory)
    np.testing.assert_array_equal(model.h[1].attn.c_attn.weight.numpy(), sd["h.1.attn.c_attn.weight"].T)
    np.testing.assert_array_equal(model.h[0].mlp.c_proj.weight.numpy(), sd["h.0.mlp.c_proj.weight"].T)
    np.testing.assert_array_equal(model.h[0].mlp.c_fc.bias.numpy(), sd["h.0.mlp.c_fc.bias"])
    assert model.lm_head.weight is model.wte.weight
    assert all(m.approximate == "tanh" for m in model.modules() if isinstance(m, tg.nn.GELU))
    # loading skips the random init (the checkpoint fills every parameter) and puts the init functions back
    from teenygrad.models import gpt
    assert tg.nn.init.normal_.__module__ == "teenygrad.nn.init" and gpt.init_gpt2_weights.__name__ == "init_gpt2_weights"
    fresh = gpt2.build_model(gpt2.read_config(directory))
    assert 0.01 < float(fresh.h[0].attn.c_attn.weight.std()) < 0.03       # build_model alone: GPT-2's N(0, 0.02)


# --- forward against the oracle -----------------------------------------------------------------------

def test_prefill_and_every_cached_step_match_torch(small):
    directory, cfg, sd = small
    model, ref = gpt2.from_pretrained(directory), TorchGPT2(cfg, sd)
    rng = np.random.default_rng(1)
    prompt = rng.integers(0, cfg["vocab_size"], (1, 7))
    steps = rng.integers(0, cfg["vocab_size"], 20)
    cache = gpt2.KVCache(model, 1, 7 + len(steps))
    with torch.no_grad():
        want, past = ref(torch.tensor(prompt))
        got = gpt2.forward_cached(model, tg.tensor(prompt), cache)
        assert got.shape == (1, 7, cfg["vocab_size"]) and got.dtype == tg.float32
        np.testing.assert_allclose(tg_logits(got), want.numpy(), **FWD)
        for i, tok in enumerate(steps):
            want, past = ref(torch.tensor([[tok]]), past)
            got = gpt2.forward_cached(model, tg.tensor([[tok]]), cache)
            np.testing.assert_allclose(tg_logits(got), want.numpy(), **FWD, err_msg=f"decode step {i}")
        assert cache.pos == 7 + len(steps)


def greedy_without_cache(model, prompt, n):
    """Recompute the whole context every step with the model's plain forward: the cache-free oracle."""
    idx = list(prompt)
    with tg.no_grad():
        for _ in range(n):
            logits = model(tg.tensor([idx]))                 # (1, t, v)
            idx.append(int(logits[0, -1].argmax().item()))
    return idx[len(prompt):]


def test_greedy_generation_same_with_and_without_cache(small):
    directory, cfg, sd = small
    model, ref = gpt2.from_pretrained(directory), TorchGPT2(cfg, sd)
    prompt = [5, 17, 99, 3]
    got = list(gpt2.stream(model, prompt, 30, temperature=0))
    assert got == greedy_without_cache(model, prompt, 30)
    idx = torch.tensor([prompt])
    with torch.no_grad():
        for _ in range(30):
            idx = torch.cat([idx, ref(idx)[0][:, -1:].argmax(-1)], dim=1)
    assert got == idx[0, len(prompt):].tolist()
    assert len(set(got)) > 3                                   # not a degenerate repetition that proves little


def test_sampling_is_seeded_and_matches_generate(small):
    directory, cfg, _ = small
    model = gpt2.from_pretrained(directory)
    draw = lambda seed: list(gpt2.stream(model, [1, 2, 3], 20, temperature=0.9, top_k=20,
                                         generator=tg.Generator().manual_seed(seed)))
    assert draw(7) == draw(7) and draw(7) != draw(8)
    # nanoGPT's generate (the shared sampler, gpt.py's own cache) draws the same tokens
    out = model.generate(tg.tensor([[1, 2, 3]]), 20, temperature=0.9, top_k=20, generator=tg.Generator().manual_seed(7))
    assert out[0, 3:].tolist() == draw(7)


def test_stream_stops_at_stop_token_and_checks_length(small):
    directory, cfg, _ = small
    model = gpt2.from_pretrained(directory)
    first = list(gpt2.stream(model, [4, 5], 10, temperature=0))
    assert list(gpt2.stream(model, [4, 5], 10, temperature=0, stop_token=first[2])) == first[:first.index(first[2]) + 1]
    with pytest.raises(ValueError, match="n_positions"):
        gpt2.stream(model, list(range(60)), 10)               # raised at the call, before any token
    with pytest.raises(ValueError, match="empty"):
        gpt2.stream(model, [], 10)
    it = gpt2.stream(model, list(range(60)), 5, temperature=0)   # 60 + 5 - 1 = 64 positions: fits exactly
    assert len(list(it)) == 5
    it = gpt2.stream(model, [1, 2], 3)
    next(it)
    assert tg.is_grad_enabled()                               # no no_grad() leaks out between tokens


# --- training math: loss and every gradient against the oracle ----------------------------------------

def test_loss_and_every_gradient_match_torch(small):
    directory, cfg, sd = small
    model, ref = gpt2.from_pretrained(directory).train(), TorchGPT2(cfg, sd)
    rng = np.random.default_rng(2)
    x, y = rng.integers(0, cfg["vocab_size"], (2, 2, 16))       # (b, t) inputs and targets
    v = cfg["vocab_size"]
    loss = tg.nn.functional.cross_entropy(model(tg.tensor(x)).view(-1, v), tg.tensor(y).view(-1))
    loss.backward()
    want = tF.cross_entropy(ref(torch.tensor(x))[0].view(-1, v), torch.tensor(y).view(-1))
    want.backward()
    np.testing.assert_allclose(loss.item(), want.item(), **LOSS)
    ours = dict(model.named_parameters())
    assert len(ours) == len(ref.p) == 4 + 12 * cfg["n_layer"]  # lm_head is wte: one parameter, one gradient
    for name in (k for k in sd if not k.endswith((".attn.bias", ".attn.masked_bias"))):
        g = ours[name].grad.numpy()
        g_ref = ref.w(name).grad.numpy()
        if name.endswith(("c_attn.weight", "c_proj.weight", "c_fc.weight")):
            g_ref = g_ref.T                                    # HF's Conv1D (in, out) -> Linear (out, in)
        np.testing.assert_allclose(g, g_ref, **GRAD, err_msg=name)
        assert np.linalg.norm(g - g_ref) <= 1e-4 * np.linalg.norm(g_ref), name


# --- bad checkpoints: refused at load time, naming the key and both shapes -----------------------------

def _broken(tmp_path, cfg_changes=None, edit=None):
    cfg = hf_config(**SMALL)
    sd = hf_weights(cfg)
    if edit:
        edit(sd)
    cfg.update(cfg_changes or {})
    return write_checkpoint(tmp_path / "ckpt", cfg, sd)


@pytest.mark.parametrize("cfg_changes, edit, message", [
    (None, lambda sd: sd.update({"h.0.attn.c_attn.weight": np.zeros((32, 99), np.float32)}),
     r"'h\.0\.attn\.c_attn\.weight' has shape \(32, 99\) in the checkpoint but the config needs \(32, 96\)"),
    (None, lambda sd: sd.update({"h.1.mlp.c_fc.weight": sd["h.1.mlp.c_fc.weight"].T.copy()}),  # (out, in) by mistake
     r"'h\.1\.mlp\.c_fc\.weight' has shape \(128, 32\) .* needs \(32, 128\) \(Conv1D, stored \(in, out\)\)"),
    (None, lambda sd: sd.pop("h.1.ln_2.bias"), r"missing key 'h\.1\.ln_2\.bias' \(shape \(32,\)\)"),
    (None, lambda sd: sd.update({"h.0.attn.q_proj.weight": np.zeros((32, 32), np.float32)}),
     r"unexpected key 'h\.0\.attn\.q_proj\.weight' \(shape \(32, 32\)\)"),
    ({"n_layer": 3}, None, r"missing key 'h\.2\.ln_1\.weight'"),
    ({"n_layer": 1}, None, r"unexpected key 'h\.1\.ln_1\.weight'"),
    ({"vocab_size": 100}, None, r"'wte\.weight' has shape \(101, 32\) in the checkpoint but the config needs \(100, 32\)"),
    ({"n_positions": 128}, None, r"'wpe\.weight' has shape \(64, 32\) .* needs \(128, 32\)"),
    (None, lambda sd: sd.update({"lm_head.weight": sd["wte.weight"] + 1}), r"'lm_head\.weight' .* is not tied"),
    (None, lambda sd: sd.update({"ln_f.bias": np.zeros(32, np.int32)}), r"'ln_f\.bias' has dtype int32"),
    ({"activation_function": "relu"}, None, r"activation_function 'relu' is not supported"),
    ({"n_head": 3}, None, r"n_embd 32 is not divisible by n_head 3"),
    ({"n_inner": 64}, None, r"n_inner 64 != 4 \* n_embd"),
])
def test_bad_checkpoint_is_refused(tmp_path, cfg_changes, edit, message):
    directory = _broken(tmp_path, cfg_changes, edit)
    with pytest.raises(gpt2.GPT2LoadError, match=message):
        gpt2.from_pretrained(directory)


def test_every_problem_is_listed_at_once(tmp_path):
    def edit(sd):
        sd.pop("wpe.weight")
        sd["h.0.ln_1.weight"] = np.zeros(31, np.float32)
    with pytest.raises(gpt2.GPT2LoadError) as e:
        gpt2.from_pretrained(_broken(tmp_path, None, edit))
    assert "missing key 'wpe.weight'" in str(e.value) and "'h.0.ln_1.weight' has shape (31,)" in str(e.value)


def test_missing_files_are_named(tmp_path):
    with pytest.raises(gpt2.GPT2LoadError, match="no config.json"):
        gpt2.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps(hf_config(**SMALL)))
    with pytest.raises(gpt2.GPT2LoadError, match="no model.safetensors"):
        gpt2.from_pretrained(tmp_path)


def test_transformer_prefix_and_a_tied_head_copy_load_the_same(small, tmp_path):
    directory, cfg, sd = small
    alt = dict(hf_weights(cfg, prefix="transformer."), **{"lm_head.weight": sd["wte.weight"]})
    other = write_checkpoint(tmp_path / "prefixed", cfg, alt)
    idx = tg.tensor([[1, 2, 3, 4]])
    a, b = gpt2.from_pretrained(directory), gpt2.from_pretrained(other)
    with tg.no_grad():
        np.testing.assert_array_equal(tg_logits(a(idx)), tg_logits(b(idx)))


# --- half precision: weights stored in half, activations / cache / logits float32 ---------------------

@pytest.mark.parametrize("dtype, tol", [("float16", 2e-3), ("bfloat16", 2e-2)])
def test_half_precision_weights(small, dtype, tol, monkeypatch):
    directory, cfg, _ = small
    monkeypatch.setattr(gpt2, "_CHUNK", 100)                  # blocks of 3 rows of 32: ragged last block
    full, half = gpt2.from_pretrained(directory), gpt2.from_pretrained(directory, dtype=dtype)
    assert half.h[0].mlp.c_fc.weight.dtype == tg.nn.functional.dt.to_dtype(dtype)
    assert half.wte.weight.dtype.itemsize == 2 and half.h[0].ln_1.weight.dtype == tg.float32
    prompt = tg.tensor([[3, 1, 4, 1, 5, 9, 2, 6]])
    want = gpt2.forward_cached(full, prompt, gpt2.KVCache(full, 1, 9))
    cache = gpt2.KVCache(half, 1, 9)
    got = gpt2.forward_cached(half, prompt, cache)
    assert got.dtype == tg.float32
    scale = np.abs(tg_logits(want)).max()
    assert np.abs(tg_logits(got) - tg_logits(want)).max() <= tol * scale
    step = gpt2.forward_cached(half, tg.tensor([[7]]), cache)
    assert step.dtype == tg.float32 and step.shape == (1, 1, cfg["vocab_size"])


# --- text out: incremental UTF-8 and the command line --------------------------------------------------

def write_tokenizer(directory, merges=(("H", "e"), ("l", "l"), ("Ġ", "w"))):
    """A tiny GPT-2 vocabulary: the 256 bytes (ids 0..255, GPT-2's spelling), a few merges, <|endoftext|>."""
    from teenygrad.data.bpe import bytes_to_unicode
    vocab = {ch: i for i, ch in enumerate(bytes_to_unicode().values())}
    for a, b in merges:
        vocab[a + b] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    return len(vocab)


@pytest.fixture(scope="module")
def with_tokenizer(tmp_path_factory):
    directory = tmp_path_factory.mktemp("gpt2_tok")
    n_vocab = write_tokenizer(directory)
    cfg = hf_config(**dict(SMALL, vocab_size=n_vocab))
    return write_checkpoint(directory, cfg, hf_weights(cfg, seed=3))


def test_decode_stream_holds_back_partial_utf8(with_tokenizer):
    from teenygrad.data.bpe import GPT2Tokenizer
    tok = GPT2Tokenizer.from_dir(with_tokenizer)
    ids = tok.encode("é€😀 Hello")                             # multi-byte characters, one byte per token
    assert len(ids) > len("é€😀 Hello") - 3
    pieces = list(gpt2.decode_stream(tok, ids))
    assert "".join(pieces) == "é€😀 Hello" and "\ufffd" not in "".join(pieces)
    assert pieces[0] == "é"                                    # printed as soon as its second byte came
    assert "".join(gpt2.decode_stream(tok, ids[:2] + ids[3:4])) == tok.decode(ids[:2] + ids[3:4])  # cut: U+FFFD


def _cli_args(directory, **kw):
    import argparse
    return gpt2.add_sample_arguments(argparse.ArgumentParser()).parse_args(
        ["--gpt2", str(directory)] + [a for k, v in kw.items() for a in (f"--{k.replace('_', '-')}", str(v))])


def test_sample_cli_streams_the_greedy_text(with_tokenizer):
    from teenygrad.data.bpe import GPT2Tokenizer
    tok = GPT2Tokenizer.from_dir(with_tokenizer)
    out, err = io.StringIO(), io.StringIO()
    ids = gpt2.sample_cli(_cli_args(with_tokenizer, prompt="Hello world", max_new_tokens=12, temperature=0), out, err)
    model = gpt2.from_pretrained(with_tokenizer)
    want = greedy_without_cache(model, tok.encode("Hello world"), 12)
    want = want[:want.index(tok.eot_token) + 1] if tok.eot_token in want else want
    assert ids == want
    assert out.getvalue() == "Hello world" + tok.decode([i for i in ids if i != tok.eot_token]) + "\n"
    assert "tokens/s" in err.getvalue() and f"prefill of {len(tok.encode('Hello world'))} prompt tokens" in err.getvalue()


def test_sample_cli_seeded_sampling_and_half_precision(with_tokenizer):
    runs = [gpt2.sample_cli(_cli_args(with_tokenizer, prompt="He", max_new_tokens=8, top_k=50, seed=s, dtype=d),
                            io.StringIO(), io.StringIO()) for s, d in [(1, "float32"), (1, "float32"), (2, "bfloat16")]]
    assert runs[0] == runs[1] and len(runs[0]) >= 1


def test_module_entry_point(with_tokenizer):
    import subprocess
    r = subprocess.run([sys.executable, "-m", "teenygrad.models.gpt2", "--gpt2", with_tokenizer, "--prompt", "Hello",
                        "--max-new-tokens", "5", "--temperature", "0"], capture_output=True, text=True, timeout=60,
                       cwd=os.path.join(os.path.dirname(__file__), ".."))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Hello") and "tokens/s" in r.stderr
    r = subprocess.run([sys.executable, "-m", "teenygrad.models.gpt2", "--gpt2", "/nonexistent"], capture_output=True,
                       text=True, timeout=60, cwd=os.path.join(os.path.dirname(__file__), ".."))
    assert r.returncode == 2 and "no config.json" in r.stderr


def test_teenygrad_sample_gpt2_command(with_tokenizer, capsys):
    from teenygrad import cli
    from teenygrad.data.bpe import GPT2Tokenizer
    tok = GPT2Tokenizer.from_dir(with_tokenizer)
    assert cli.main(["sample", "--gpt2", with_tokenizer, "--prompt", "Hello", "--max-new-tokens", "6",
                     "--temperature", "0", "--dtype", "float32"]) in (0, None)
    out, err = capsys.readouterr()
    want = greedy_without_cache(gpt2.from_pretrained(with_tokenizer), tok.encode("Hello"), 6)
    want = want[:want.index(tok.eot_token)] if tok.eot_token in want else want
    assert out == "Hello" + tok.decode(want) + "\n" and "tokens/s" in err
    assert cli.main(["sample", "--gpt2", str(with_tokenizer) + "-missing", "--prompt", "x"]) == 2
    assert "no config.json" in capsys.readouterr().err
    assert cli.main(["sample", "--gpt2", with_tokenizer, "--temperature", "-1"]) == 2
    assert "--temperature >= 0" in capsys.readouterr().err
    assert cli.main(["sample", "--gpt2", with_tokenizer, "--prompt", "Hi", "--max-new-tokens", "100"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "exceeds n_positions (64)" in err                 # refused before printing anything
