"""GPT-2 inference from a Hugging Face checkpoint folder: config.json, model.safetensors, vocab.json, merges.txt.

    teenygrad sample --gpt2 DIR --prompt "Hello, I'm a language model," --max-new-tokens 64 --top-k 40

    model = gpt2.from_pretrained(DIR)                       # nanoGPT's GPT with HF's weights
    tok = GPT2Tokenizer.from_dir(DIR)
    for i in gpt2.stream(model, tok.encode("Hello"), 32):   # token ids, one at a time
        ...

Names: b batch, t sequence length, v vocabulary, e embedding width (= d, the model width), nh heads.
The model is GPT-2 = nanoGPT with biases, LayerNorm eps from the config and GELU's tanh approximation
("gelu_new"). HF's checkpoint has the same module names as nanoGPT, but its Conv1D layers store weights
(in, out) where Linear wants (out, in): loading transposes them, and ties the head to wte.

Generation runs the prompt through the model in one forward pass (prefill), then one token per step,
each step attending to keys/values kept in a per-layer cache preallocated for prompt + new tokens and
written in place: no step recomputes earlier positions.
"""
import codecs
import contextlib
import json
import os
import sys
import time

import numpy as np

from ..autograd import no_grad
from ..creation import arange, zeros
from ..tensor import Tensor, dt  # dt: the dtype module (teenygrad.dtype is the dtype class, as in torch)
from ..nn import GELU, LayerNorm, functional as F
from ._common import sample_next
from .gpt import GPT


class GPT2LoadError(ValueError):
    """A checkpoint folder that doesn't hold a GPT-2 matching its config.json."""


_GELU = {"gelu_new": "tanh", "gelu_fast": "tanh", "gelu_pytorch_tanh": "tanh", "gelu": "none"}
_CONV1D = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
_DTYPES = ("float32", "float16", "bfloat16")
DEFAULT_NEW_TOKENS = 64


# --- config ---------------------------------------------------------------------------------------------

class GPT2Config:
    """The fields of HF's config.json that shape the network (HF's names)."""

    def __init__(self, n_layer=12, n_head=12, n_embd=768, vocab_size=50257, n_positions=1024,
                 layer_norm_epsilon=1e-5, activation_function="gelu_new", n_inner=None):
        self.n_layer, self.n_head, self.n_embd = int(n_layer), int(n_head), int(n_embd)
        self.vocab_size, self.n_positions = int(vocab_size), int(n_positions)
        self.layer_norm_epsilon = float(layer_norm_epsilon)
        self.activation_function = activation_function
        self.n_inner = 4 * self.n_embd if n_inner is None else int(n_inner)
        if activation_function not in _GELU:
            raise GPT2LoadError(f"GPT2Config: activation_function {activation_function!r} is not supported "
                                f"(expected one of {sorted(_GELU)})")
        if self.n_embd % self.n_head:
            raise GPT2LoadError(f"GPT2Config: n_embd {self.n_embd} is not divisible by n_head {self.n_head}")

    @property
    def gelu_approximate(self):
        return _GELU[self.activation_function]

    @classmethod
    def from_dict(cls, d, where="config"):
        if d.get("model_type", "gpt2") != "gpt2":
            raise GPT2LoadError(f"{where}: model_type is {d['model_type']!r}, not 'gpt2'")
        for flag in ("scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "add_cross_attention"):
            if d.get(flag):
                raise GPT2LoadError(f"{where}: {flag}=true is not supported")
        if d.get("scale_attn_weights") is False:
            raise GPT2LoadError(f"{where}: scale_attn_weights=false is not supported")
        missing = [k for k in ("n_layer", "n_head", "n_embd", "vocab_size") if k not in d]
        if missing:
            raise GPT2LoadError(f"{where}: missing {missing}")
        return cls(d["n_layer"], d["n_head"], d["n_embd"], d["vocab_size"], d.get("n_positions", d.get("n_ctx", 1024)),
                   d.get("layer_norm_epsilon", 1e-5), d.get("activation_function", "gelu_new"), d.get("n_inner"))

    def __repr__(self):
        return (f"GPT2Config(n_layer={self.n_layer}, n_head={self.n_head}, n_embd={self.n_embd}, "
                f"vocab_size={self.vocab_size}, n_positions={self.n_positions}, "
                f"layer_norm_epsilon={self.layer_norm_epsilon}, activation_function={self.activation_function!r})")


def read_config(directory):
    path = os.path.join(directory, "config.json")
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except FileNotFoundError:
        raise GPT2LoadError(f"{directory}: no config.json (a Hugging Face GPT-2 folder has config.json, "
                            f"model.safetensors, vocab.json and merges.txt)") from None
    except ValueError as e:
        raise GPT2LoadError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(d, dict):
        raise GPT2LoadError(f"{path}: expected a JSON object")
    return GPT2Config.from_dict(d, where=path)


# --- weights: HF names and layout -> the model's --------------------------------------------------------

def hf_shapes(config):
    """HF's name -> shape for every weight of a GPT-2 checkpoint; Conv1D weights are (in, out)."""
    e, f, v, p = config.n_embd, config.n_inner, config.vocab_size, config.n_positions
    shapes = {"wte.weight": (v, e), "wpe.weight": (p, e), "ln_f.weight": (e,), "ln_f.bias": (e,)}
    for i in range(config.n_layer):
        h = f"h.{i}."
        shapes.update({h + "ln_1.weight": (e,), h + "ln_1.bias": (e,),
                       h + "attn.c_attn.weight": (e, 3 * e), h + "attn.c_attn.bias": (3 * e,),
                       h + "attn.c_proj.weight": (e, e), h + "attn.c_proj.bias": (e,),
                       h + "ln_2.weight": (e,), h + "ln_2.bias": (e,),
                       h + "mlp.c_fc.weight": (e, f), h + "mlp.c_fc.bias": (f,),
                       h + "mlp.c_proj.weight": (f, e), h + "mlp.c_proj.bias": (e,)})
    return shapes


def _is_mask_buffer(name):
    """HF's causal-mask buffers `h.{i}.attn.bias` / `h.{i}.attn.masked_bias`: constants, not weights."""
    parts = name.split(".")
    return len(parts) >= 2 and parts[-2] == "attn" and parts[-1] in ("bias", "masked_bias")


def convert_hf_state_dict(hf, config, where="state dict"):
    """{HF name: array} -> {model name: array}. Accepts names with or without the `transformer.` prefix,
    drops the mask buffers, checks every name and shape against the config (one error listing every
    problem), transposes the Conv1D weights to (out, in) and ties lm_head to wte."""
    hf = {(k[len("transformer."):] if k.startswith("transformer.") else k): (v._data if isinstance(v, Tensor) else v)
          for k, v in hf.items()}
    head = hf.pop("lm_head.weight", None)
    hf = {k: v for k, v in hf.items() if not _is_mask_buffer(k)}
    want = hf_shapes(config)
    errors = [f"missing key {k!r} (shape {s})" for k, s in want.items() if k not in hf]
    errors += [f"unexpected key {k!r} (shape {tuple(hf[k].shape)})" for k in hf if k not in want]
    for k, s in want.items():
        if k in hf and tuple(hf[k].shape) != s:
            layout = " (Conv1D, stored (in, out))" if k.endswith(_CONV1D) else ""
            errors.append(f"{k!r} has shape {tuple(hf[k].shape)} in the checkpoint but the config needs {s}{layout}")
    if head is not None and (tuple(head.shape) != want["wte.weight"] or
                             ("wte.weight" in hf and not np.array_equal(head, hf["wte.weight"]))):
        errors.append(f"'lm_head.weight' (shape {tuple(head.shape)}) is not tied to 'wte.weight': GPT-2's head "
                      f"is the token embedding")
    for k, a in hf.items():
        if k in want and not dt.is_floating(a.dtype):
            errors.append(f"{k!r} has dtype {a.dtype}; expected floating point")
    if errors:
        shown = "\n  ".join(errors[:12]) + (f"\n  ... and {len(errors) - 12} more" if len(errors) > 12 else "")
        raise GPT2LoadError(f"{where}: the weights don't match {config}:\n  {shown}")
    out = {k: (a.T if k.endswith(_CONV1D) else a) for k, a in hf.items()}     # transposed views, no copy yet
    out["lm_head.weight"] = out["wte.weight"]
    return out


# --- the model ------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _skip_init():
    """Build modules without drawing their random init (what torch.nn.utils.skip_init is for): every
    parameter is then assigned from the checkpoint (load_state_dict(strict=True) refuses to leave one
    out), and drawing GPT-2's 124M-1.5B random numbers costs tens of seconds to minutes. Stubs the init
    functions that nn's layers and gpt.py call, and restores them."""
    from ..nn import init
    from . import gpt
    saved = [(m, name, getattr(m, name)) for m, name in
             [(init, "uniform_"), (init, "normal_"), (init, "kaiming_uniform_"), (gpt, "init_gpt2_weights")]]
    try:
        for m, name, _ in saved:
            setattr(m, name, lambda *args, **kwargs: None)
        yield
    finally:
        for m, name, fn in saved:
            setattr(m, name, fn)


def build_model(config, init=True):
    """A GPT-2: nanoGPT's GPT with biases, HF's LayerNorm eps and GELU flavour. init=False leaves the
    parameters uninitialised (np.empty), for a checkpoint to fill."""
    if config.n_inner != 4 * config.n_embd:
        raise GPT2LoadError(f"{config}: n_inner {config.n_inner} != 4 * n_embd; nanoGPT's MLP is 4x wide")
    with (contextlib.nullcontext() if init else _skip_init()):
        model = GPT(config.vocab_size, block_size=config.n_positions, n_layer=config.n_layer, n_head=config.n_head,
                    n_embd=config.n_embd, dropout=0.0, bias=True)
    for m in model.modules():
        if isinstance(m, GELU):
            m.approximate = config.gelu_approximate
        elif isinstance(m, LayerNorm):
            m.eps = config.layer_norm_epsilon
    return model


def from_pretrained(directory, dtype="float32", device="cpu"):
    """GPT-2 from a Hugging Face folder (config.json + model.safetensors), in eval mode.

    dtype float16/bfloat16 stores the weight matrices (embeddings and Linear weights, ~all the bytes) in
    half precision; biases and LayerNorms stay float32, and so do activations, the KV cache and logits.
    Such a model is for forward_cached/stream (the model's own forward wants one dtype throughout).
    On CPU numpy has no half-precision GEMM (its float16 matmul is a non-BLAS loop, ~100x slower than
    sgemm; it does accumulate in float32), so each matmul converts its weight to float32 block by block
    and runs sgemm, accumulating in float32: half the memory; bfloat16 decodes about as fast as float32,
    float16 slower (numpy's float16 -> float32 conversion is scalar code, ~1 ns per weight)."""
    from ..serialization import load
    if dtype not in _DTYPES:
        raise ValueError(f"gpt2.from_pretrained: dtype must be one of {_DTYPES}, got {dtype!r}")
    config = read_config(directory)
    path = os.path.join(directory, "model.safetensors")
    if not os.path.exists(path):
        raise GPT2LoadError(f"{directory}: no model.safetensors (a PyTorch pytorch_model.bin is not read: "
                            f"pickles can run code)")
    model = build_model(config, init=False)
    model.load_state_dict(convert_hf_state_dict(load(path), config, where=path), strict=True, assign=True)
    # assign=True gives each key its own Parameter (as torch's does for plain tensors): tie the head again
    model.lm_head.weight = model.wte.weight
    # Matrices become C-contiguous (out, in) in the requested dtype, one at a time: each copy frees its HF
    # original, so memory peaks at one model + one matrix. The row-major layout decodes ~6% faster at 2
    # threads (OpenBLAS GEMV), and _linear's half-precision path converts blocks of rows.
    for p in model.parameters():
        if p.ndim == 2:
            p._data = p._data.astype(dt.to_dtype(dtype), order="C", copy=False)
    model.config = config
    return model.to(device).eval()


def _f32(t):
    return t if t.dtype == dt.float32 else t.float()


_CHUNK = 1 << 17    # weight elements converted at a time: 512 KB of float32 stays in L2 for the GEMM that reads it


def _matmul_half_weight(x, w, b):
    """x (n, in) float32 @ w (out, in) float16/bfloat16, C-contiguous, + b -> (n, out) float32.
    Converting all of w to float32 first would write and re-read 2x its bytes through memory each
    step (bfloat16 decode at 0.4x of float32); converting a block of rows at a time into a buffer that
    stays in cache keeps the traffic at w's own 2 bytes per weight."""
    out = np.empty((x.shape[0], w.shape[0]), np.float32)
    rows = max(1, _CHUNK // w.shape[1])
    buf = np.empty((rows, w.shape[1]), np.float32)
    for r in range(0, w.shape[0], rows):
        blk = buf[:min(rows, w.shape[0] - r)]
        np.copyto(blk, w[r:r + len(blk)], casting="unsafe")
        np.matmul(x, blk.T, out=out[:, r:r + len(blk)])
    if b is not None:
        out += b
    return out


def _linear(layer, x):
    """layer(x) in float32. A half-precision weight is converted on the fly: block by block on CPU
    (float32 accumulation in sgemm), whole on a GPU."""
    w, b = layer.weight, layer.bias
    if w.dtype == dt.float32:
        return F.linear(x, w, b)
    if w.device != "cpu":
        return F.linear(x, w.float(), b)
    y = _matmul_half_weight(x._data.reshape(-1, x.shape[-1]), w._data, None if b is None else b._data)
    return Tensor._wrap(y.reshape(*x.shape[:-1], w.shape[0]))


class KVCache:
    """Keys and values of every layer, preallocated for `size` positions and written in place.
    k[i], v[i]: (b, nh, size, hs); positions [0, pos) are filled."""

    def __init__(self, model, batch, size, device="cpu"):
        block = model.h[0].attn
        hs = block.n_embd // block.n_head
        if size > model.block_size:
            raise ValueError(f"KVCache: {size} positions exceed the model's n_positions ({model.block_size})")
        self.k = [zeros(batch, block.n_head, size, hs, device=device) for _ in model.h]
        self.v = [zeros(batch, block.n_head, size, hs, device=device) for _ in model.h]
        self.size, self.pos = size, 0

    def write(self, i, k, v):
        """Store layer i's keys/values (b, nh, t, hs) at positions pos..pos+t-1; -> the filled (b, nh, pos+t, hs)."""
        end = self.pos + k.shape[2]
        if end > self.size:
            raise ValueError(f"KVCache: position {end - 1} is past the cache's {self.size} positions")
        self.k[i][:, :, self.pos:end] = k
        self.v[i][:, :, self.pos:end] = v
        return self.k[i][:, :, :end], self.v[i][:, :, :end]


def _attention(attn, x, cache, i, mask):
    """nanoGPT's SelfAttention.forward, with keys/values going through the preallocated cache."""
    b, t, d = x.shape
    h = attn.n_head
    q, k, v = _linear(attn.c_attn, x).split(d, dim=2)                       # 3 x (b, t, d)
    q, k, v = (z.view(b, t, h, d // h).transpose(1, 2) for z in (q, k, v))  # (b, h, t, s)
    k, v = cache.write(i, k, v)                                             # (b, h, T, s)
    y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)             # (b, h, t, s)
    return _linear(attn.c_proj, y.transpose(1, 2).reshape(b, t, d))


@no_grad()
def forward_cached(model, idx, cache, last_only=False):
    """idx (b, t): the tokens at positions cache.pos .. cache.pos + t - 1 -> float32 logits (b, t, v),
    or (b, 1, v) for the last position with last_only. Appends their keys/values to the cache."""
    b, t = idx.shape
    start, end = cache.pos, cache.pos + t
    pos = arange(start, end, device=idx.device)
    x = _f32(F.embedding(idx, model.wte.weight)) + _f32(F.embedding(pos, model.wpe.weight))   # (b, t, e)
    # t new queries see the `start` cached keys and themselves causally; a single query sees them all
    mask = None if t == 1 else Tensor._from_data(np.tril(np.ones((t, end), dtype=bool), k=start), device=idx.device)
    for i, block in enumerate(model.h):
        x = x + _attention(block.attn, block.ln_1(x), cache, i, mask)
        m = block.mlp
        x = x + _linear(m.c_proj, m.gelu(_linear(m.c_fc, block.ln_2(x))))  # (b, t, e) -> (b, t, 4e) -> (b, t, e)
    cache.pos = end
    if last_only:
        x = x[:, -1:]
    return _linear(model.lm_head, model.ln_f(x))                           # (b, t, v)


# --- generation -----------------------------------------------------------------------------------------

def _next_token(logits, temperature, top_k, generator):
    """(b, v) logits -> (b, 1) ids: argmax at temperature 0, else nanoGPT's sampler."""
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)
    return sample_next(logits, temperature, top_k, generator)


def stream(model, prompt, max_new_tokens, temperature=1.0, top_k=None, generator=None, stop_token=None):
    """An iterator over up to max_new_tokens ids continuing `prompt` (a list of ids), each yielded as soon
    as it is chosen: one forward pass over the whole prompt (prefill), then one position per step from the
    KV cache. Stops early after yielding `stop_token`. Temperature 0 is greedy. Bad arguments raise here,
    before anything is computed."""
    prompt = [int(i) for i in prompt]
    if not prompt:
        raise ValueError("gpt2.stream: the prompt is empty; GPT-2 needs at least one token "
                         "(use <|endoftext|> to sample unconditionally)")
    if temperature < 0:
        raise ValueError(f"gpt2.stream: temperature must be >= 0, got {temperature!r}")
    if len(prompt) + max_new_tokens - 1 > model.block_size:
        raise ValueError(f"gpt2.stream: prompt ({len(prompt)} tokens) + max_new_tokens ({max_new_tokens}) "
                         f"exceeds n_positions ({model.block_size})")
    return _stream(model, prompt, max_new_tokens, temperature, top_k, generator, stop_token)


def _stream(model, prompt, max_new_tokens, temperature, top_k, generator, stop_token):
    # no no_grad() here: a generator would hold it across its yields; forward_cached takes care of it
    if max_new_tokens <= 0:
        return
    device = model.wte.weight.device
    cache = KVCache(model, 1, len(prompt) + max_new_tokens - 1, device)    # the last token is never fed back
    logits = forward_cached(model, Tensor._from_data(np.asarray([prompt], np.int64), device=device), cache, last_only=True)
    for step in range(max_new_tokens):
        nxt = _next_token(logits[:, -1, :], temperature, top_k, generator)   # (1, 1)
        tok = int(nxt.item())
        yield tok
        if tok == stop_token or step == max_new_tokens - 1:
            return
        logits = forward_cached(model, nxt, cache)                          # (1, 1, v)


def decode_stream(tokenizer, ids):
    """Yield the text of a stream of token ids as it becomes printable: a token can end inside a UTF-8
    character, whose bytes wait for the next token (invalid bytes print as U+FFFD, as decode() does)."""
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
    for i in ids:
        text = utf8.decode(tokenizer.decode_bytes([i]))
        if text:
            yield text
    tail = utf8.decode(b"", final=True)
    if tail:
        yield tail


# --- command line ---------------------------------------------------------------------------------------

def add_sample_arguments(parser):
    """The options of `teenygrad sample --gpt2 DIR` (also `python -m teenygrad.models.gpt2`)."""
    parser.add_argument("--gpt2", metavar="DIR", required=True,
                        help="Hugging Face GPT-2 folder: config.json, model.safetensors, vocab.json, merges.txt")
    parser.add_argument("--prompt", default="", help="text to continue (default: <|endoftext|>, unconditional)")
    parser.add_argument("--max-new-tokens", type=int, default=DEFAULT_NEW_TOKENS)
    parser.add_argument("--temperature", type=float, default=1.0, help="0 = greedy")
    parser.add_argument("--top-k", type=int, default=None)
    parser.add_argument("--dtype", choices=_DTYPES, default="float32")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--seed", type=int, default=None)
    return parser


def sample_cli(args, out=None, err=None):
    """Load args.gpt2, continue args.prompt, print tokens to `out` as they come and the speed to `err`."""
    from ..data.bpe import GPT2Tokenizer
    from ..random import Generator
    out, err = out or sys.stdout, err or sys.stderr
    max_new = DEFAULT_NEW_TOKENS if args.max_new_tokens is None else args.max_new_tokens
    if max_new < 1 or args.temperature < 0 or (args.top_k is not None and args.top_k < 1):
        raise ValueError(f"sample --gpt2: need --max-new-tokens >= 1, --temperature >= 0 (0 = greedy) and "
                         f"--top-k >= 1; got {max_new}, {args.temperature}, {args.top_k}")
    if getattr(args, "num_samples", None) not in (None, 1):
        raise ValueError(f"sample --gpt2 streams one sample; got --num-samples {args.num_samples}")
    t0 = time.perf_counter()
    device = getattr(args, "device", None) or "cpu"
    model = from_pretrained(args.gpt2, dtype=args.dtype, device=device)
    tok = GPT2Tokenizer.from_dir(args.gpt2)
    if tok.vocab_size > model.vocab_size:
        raise GPT2LoadError(f"{args.gpt2}: the tokenizer has {tok.vocab_size} tokens but the model only "
                            f"{model.vocab_size}")
    prompt = tok.encode(args.prompt, allowed_special="all") if args.prompt else [tok.eot_token]
    if prompt == [None]:
        raise ValueError(f"{args.gpt2}: the vocabulary has no <|endoftext|>; give a --prompt")
    gen = Generator().manual_seed(args.seed) if args.seed is not None else None
    load_s = time.perf_counter() - t0
    tokens = stream(model, prompt, max_new, args.temperature, args.top_k, gen, tok.eot_token)   # checks first
    ids, times = [], [time.perf_counter()]

    def timed():
        for i in tokens:
            times.append(time.perf_counter())
            ids.append(i)
            if i != tok.eot_token:
                yield i

    out.write(args.prompt)
    out.flush()
    for text in decode_stream(tok, timed()):
        out.write(text)
        out.flush()
    out.write("\n")
    out.flush()
    n = len(ids)
    if n:
        decode_s = times[-1] - times[1]
        rate = f"{(n - 1) / decode_s:.1f} tokens/s" if n > 1 and decode_s > 0 else "n/a"
        err.write(f"[gpt2] {n} tokens: prefill of {len(prompt)} prompt tokens + first token "
                  f"{(times[1] - times[0]) * 1e3:.0f} ms, then {rate} "
                  f"({args.dtype}, {device}; load {load_s:.1f} s)\n")
    return ids


def main(argv=None):
    import argparse
    parser = add_sample_arguments(argparse.ArgumentParser(
        prog="python -m teenygrad.models.gpt2", description="Sample from a Hugging Face GPT-2 checkpoint."))
    args = parser.parse_args(argv)
    try:
        sample_cli(args)
    except (GPT2LoadError, ValueError) as e:
        parser.exit(2, f"error: {e}\n")


if __name__ == "__main__":
    main()
