"""Turn a trained checkpoint into text: names one per line, text continuations, BERT's filled-in
characters, or a classifier's predictions. `sample_from_checkpoint` returns the lines `teenygrad sample`
prints.

Key: n samples (the batch), t sequence length, v vocabulary.
"""
import sys

import numpy as np

import teenygrad

from ._common import sample_next

WORD_LIMIT = 64     # a names model that never emits '.' still stops


def _prompt_ids(tokenizer, prompt):
    try:
        return tokenizer.encode(prompt).tolist()
    except ValueError as e:
        raise ValueError(f"--prompt: {e}") from None


@teenygrad.no_grad()
def sample_windows(model, n, context, steps, temperature, top_k, generator, stop_id=None):
    """Window models (bigram, mlp, cnn): slide a block_size context; (n, steps) ids, a row ending at stop_id."""
    ctx = np.tile(np.asarray(context, dtype=np.int64)[-model.block_size:], (n, 1))   # (n, block)
    out = np.zeros((n, 0), dtype=np.int64)
    done = np.zeros(n, bool)
    for _ in range(steps):
        logits = model(teenygrad.tensor(ctx))                                         # (n, v)
        nxt = sample_next(logits, temperature, top_k, generator).numpy()[:, 0]
        out = np.concatenate([out, nxt[:, None]], axis=1)
        ctx = np.concatenate([ctx[:, 1:], nxt[:, None]], axis=1)
        done |= nxt == stop_id
        if done.all():
            break
    return out


@teenygrad.no_grad()
def sample_sequence(model, n, prefix, steps, temperature, top_k, generator, stop_id=None):
    """Sequence models: GPT's KV-cached generate, the RNNs carry their hidden state. (n, steps) new ids."""
    idx = teenygrad.tensor(np.tile(np.asarray(prefix, dtype=np.int64), (n, 1)))     # (n, t)
    if hasattr(model, "generate"):
        if stop_id is not None:                                  # a name never outgrows the trained window
            steps = min(steps, model.block_size - idx.shape[1] + 1)
            if steps < 1:
                raise ValueError(f"--prompt: too long for a model trained on {model.block_size - 1}-letter words")
        return model.generate(idx, steps, temperature, top_k, generator).numpy()[:, len(prefix):]
    logits, state = model.forward_with_state(idx)
    out = []
    done = np.zeros(n, bool)
    for _ in range(steps):
        nxt = sample_next(logits[:, -1, :], temperature, top_k, generator)          # (n, 1)
        out.append(nxt.numpy()[:, 0])
        done |= out[-1] == stop_id
        if done.all():
            break
        logits, state = model.forward_with_state(nxt, state)
    return np.stack(out, axis=1)


def _cut_words(tokenizer, rows, prompt):
    lines = []
    for row in rows.tolist():
        word = row[:row.index(0)] if 0 in row else row
        lines.append(prompt + tokenizer.decode(word))
    return lines


def fill_demo(model, tok, task, n, prompt, rng, words=False):
    """BERT: fill the '_' of --prompt, or mask val snippets and show masked / filled / truth. A names model
    (words) sees the prompt as it saw every name in training: '.', the letters, '.' up to block_size."""
    if prompt:
        if "_" not in prompt:
            raise ValueError("--prompt: mark the characters for bert to fill with '_' (e.g. 'to be or n_t to b_')")
        if "_" in tok.stoi:
            raise ValueError("--prompt: '_' is a character of this vocabulary, so it cannot mark masks")
        if words and "." in prompt:
            raise ValueError("--prompt: '.' marks the ends of a name; give its letters only (e.g. 'em_a')")
        room = model.block_size - 1 if words else model.block_size            # a name's row starts with '.'
        if len(prompt) > room:
            raise ValueError(f"--prompt: {len(prompt)} characters; bert sees at most {room} "
                             f"{'letters of a name' if words else 'characters'} (block_size {model.block_size})")
        masked = [c == "_" for c in prompt]
        ids = _prompt_ids(tok, prompt.replace("_", tok.itos[0]))              # '_' -> any id; fill masks it
        if words:
            pad = room - len(prompt)
            ids, masked = [0] + ids + [0] * pad, [False] + masked + [False] * pad
        filled = model.fill(np.array([ids]), np.array([masked]))[0]           # (t,)
        return [prompt, tok.decode(filled[1:len(prompt) + 1] if words else filled)]
    from .tasks import SequenceTask                                           # uncorrupted val windows
    x = SequenceTask.eval_batches(task, "val", 1, n)[0][0] if task.text else task.data["val"][0][:n]  # (n, t)
    _, targets = model.mask_tokens(x, rng, None if task.text else x != 0)
    masked = targets != -1
    filled = model.fill(x, masked)
    lines, right = [], 0
    for i in range(len(x)):
        keep = slice(None) if task.text else slice(1, int((x[i] != 0).sum()) + 1)   # a name without its dots
        shown = "".join("_" if m else c for c, m in zip(tok.decode(x[i][keep]), masked[i][keep]))
        lines += [f"masked: {shown!r}", f"filled: {tok.decode(filled[i][keep])!r}",
                  f"truth:  {tok.decode(x[i][keep])!r}", ""]
        right += int((filled[i][masked[i]] == x[i][masked[i]]).sum())
    lines.append(f"filled {right}/{int(masked.sum())} masked characters correctly "
                 f"({100.0 * right / max(int(masked.sum()), 1):.1f}%)")
    return lines


@teenygrad.no_grad()
def classify_demo(model, vocabulary, prompt):
    """xor: the truth table; sentiment: P(positive) of --prompt (or of three example sentences)."""
    from teenygrad.data import xor
    if vocabulary is None:
        X, _ = xor()
        probs = model(teenygrad.tensor(X)).softmax(dim=-1).numpy()
        return [f"{a:.0f} xor {b:.0f} -> {int(p.argmax())}  (p = {p.max():.3f})" for (a, b), p in zip(X, probs)]
    sentences = [prompt] if prompt else ["I loved it, great value.", "Terrible service, never again.",
                                         "The battery died after a day."]
    probs = model(teenygrad.tensor(vocabulary.bag_of_words(sentences, binary=True))).softmax(dim=-1).numpy()
    return [f"P(positive) = {p[1]:.3f}  {s!r}" for s, p in zip(sentences, probs)]


def _note_unused(model, does, **given):
    """Name on stderr the options a model's sampling does not read (bert's fill is an argmax: a --temperature that
    silently changed nothing would mislead); a note, not an error, so one command line can sample every model."""
    unused = [f"--{key.replace('_', '-')}" for key, value in given.items() if value]
    if unused:
        print(f"teenygrad sample: note: {' and '.join(unused)} {'does' if len(unused) == 1 else 'do'} not apply to "
              f"{model}, which {does}; ignored", file=sys.stderr)


def sample_from_checkpoint(out_dir, num_samples=None, max_new_tokens=None, temperature=1.0, top_k=None,
                           prompt="", seed=42, device="cpu"):
    from teenygrad.train import load_checkpoint, restore
    ckpt = load_checkpoint(out_dir)
    generating = dict(max_new_tokens=max_new_tokens is not None, temperature=temperature != 1.0,
                      top_k=top_k is not None)
    if ckpt["model"] == "xor":
        _note_unused("xor", "prints its truth table", num_samples=num_samples is not None, **generating,
                     prompt=bool(prompt))
    elif ckpt["model"] in ("sentiment", "logreg"):
        _note_unused(ckpt["model"], "scores --prompt (or three example sentences)",
                     num_samples=num_samples is not None, **generating)
    elif ckpt["model"] == "bert":
        _note_unused("bert", "fills the '_' of --prompt with its most likely characters" if prompt else
                     "masks val snippets and fills them with its most likely characters",
                     num_samples=num_samples is not None and bool(prompt), **generating)
    needs_data = ckpt["model"] == "bert" and not prompt                  # the fill demo masks val text
    spec, model, task, cfg, tok = restore(ckpt, device, with_data=needs_data)
    model.eval()
    generator = teenygrad.Generator().manual_seed(seed)
    if spec.task == "classify":
        return classify_demo(model, tok, prompt)
    words = ckpt.get("data_kind") == "words"
    if spec.task == "mlm":
        return fill_demo(model, tok, task, num_samples or 5, prompt, np.random.default_rng(seed), words)
    if words:
        if "." in prompt:
            raise ValueError("--prompt: '.' marks the end of a name; give the first letters only")
        n, steps = num_samples or 10, max_new_tokens or WORD_LIMIT
        prefix = [0] + _prompt_ids(tok, prompt)                       # '.' starts every word
        if spec.task == "window":
            rows = sample_windows(model, n, [0] * model.block_size + prefix[1:], steps, temperature, top_k,
                                  generator, stop_id=0)
        else:
            rows = sample_sequence(model, n, prefix, steps, temperature, top_k, generator, stop_id=0)
        return _cut_words(tok, rows, prompt)
    n, steps = num_samples or 1, max_new_tokens or 500
    start = prompt or ("\n" if "\n" in tok.stoi else tok.itos[0])
    prefix = _prompt_ids(tok, start)
    if spec.task == "window":
        pad = [tok.stoi["\n"] if "\n" in tok.stoi else 0] * model.block_size
        rows = sample_windows(model, n, pad + prefix, steps, temperature, top_k, generator)
    else:
        rows = sample_sequence(model, n, prefix[-model.block_size:], steps, temperature, top_k, generator)
    lines = []
    for i, row in enumerate(rows):
        lines.append(start + tok.decode(row))
        if i < n - 1:
            lines.append("-" * 40)
    return lines
