"""The command line as a user drives it (twentieth landing): random train flags for every model, then sample and
eval of what trained; each input that used to go wrong is pinned by a direct case below.

What the sweep found: a word list with one blank line (a trailing empty line, say) was taken for running text, so
mlp / rnn / bert trained on text windows and sampled text instead of names; a labelled file of 3 sentences trained
with an empty val split (val loss nan); bert's --prompt on a names model was fed without the '.' that starts every
training row (the first letter sat where a '.' always was: 7% of first letters right instead of 19% on a small names
model); a tiny positive --temperature (1e-40) overflowed the logits and ended in multinomial's traceback; argparse's
errors (--max-iters x, --split dev) printed the usage on extra lines; `sample --seed -5` of a bert run said numpy's
'expected non-negative integer' and a --seed past 2**64 named manual_seed, not the flag; a flipped bit in a
checkpoint's settings (its tokenizer's characters, an lr) went unnoticed, as the digest covered the weights only;
--eval-iters none / --lr-decay-iters none were refused ("cannot read 'none' as int") where a preset had set a
number; softmax over large finite logits printed numpy's overflow RuntimeWarning; and in teenygrad.data,
random_batch took a float block_size to an IndexError, Vocabulary.build(max_size=-1) dropped the last word silently,
split_text(text, -0.1) kept the last character for val and CharTokenizer.encode(bytes) failed inside its own error
message."""
import math
import pathlib
import random
import re
import warnings

import numpy as np
import pytest
import torch

import teenygrad
from teenygrad import data as D
from teenygrad.cli import main
from teenygrad.models import tasks
from teenygrad.models._common import sample_next
from teenygrad.train import train

SYLLABLES = ["an", "ma", "li", "ra", "el", "jo", "ka", "ne"]
TINY = {"bigram": [], "mlp": ["--n-embd", "4", "--n-hidden", "8"], "cnn": ["--n-embd", "4", "--n-hidden", "8"],
        "rnn": ["--n-embd", "4", "--n-hidden", "8"], "gru": ["--n-embd", "4", "--n-hidden", "8"],
        "lstm": ["--n-embd", "4", "--n-hidden", "8"],
        "gpt": ["--n-layer", "1", "--n-head", "2", "--n-embd", "8", "--block-size", "8"],
        "bert": ["--n-layer", "1", "--n-head", "2", "--n-embd", "8", "--block-size", "8"]}
QUIET = lambda *a: None                                                   # noqa: E731


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(code, err, *fragments):
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert all(f in lines[0] for f in fragments), lines[0]


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(pathlib.Path(folder).glob("*.ckpt"))}


@pytest.fixture(scope="module")
def words_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(SYLLABLES, size=rng.integers(1, 4))) for _ in range(200)]
    path = tmp_path_factory.mktemp("data") / "words.txt"
    path.write_text("\n".join(words) + "\n")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory, words_file, text_file):
    """Tiny trained runs: mlp and rnn on words, gpt and bert on text, bert on words."""
    root = tmp_path_factory.mktemp("runs")
    for model, data in [("mlp", words_file), ("rnn", words_file), ("gpt", text_file), ("bert", text_file),
                        ("bert", words_file)]:
        out = root / f"{model}_{pathlib.Path(data).stem}"
        assert main(["train", model, "--data", str(data), "--out-dir", str(out), "--max-iters", "6",
                     "--eval-interval", "3", "--batch-size", "4", "--eval-iters", "2", *TINY[model]]) == 0
    return root


# ---------------------------------------------------------------- the fuzz

FLAGS = {"--max-iters": ["1", "2", "3", "0", "x"], "--batch-size": ["1", "2", "4", "0"],
         "--lr": ["0.01", "0", "nan", "inf"], "--eval-interval": ["1", "2", "0"], "--eval-iters": ["1", "none", "0"],
         "--seed": ["0", "7", "-1", str(2**64)], "--optimizer": ["sgd", "adamw", "adam"],
         "--schedule": ["constant", "step", "cosine", "linear"], "--warmup-iters": ["0", "2", "-1"],
         "--grad-clip": ["0", "0.5", "-1"], "--weight-decay": ["0", "0.1", "nan"], "--beta2": ["0.9", "1.0"],
         "--dropout": ["0", "0.5", "1"], "--block-size": ["1", "4", "8", "0", "2.5"], "--n-embd": ["4", "0"],
         "--label-smoothing": ["0", "0.1"], "--sampling": ["numpy", "nanogpt", "torch"], "--device": ["cpu", "tpu"],
         "--warp-speed": ["9"], "--bias": ["true", "maybe"], "--data": ["WORDS", "TEXT", "SHORT", "EMPTY", "DIR"]}


@pytest.mark.parametrize("seed", range(6))
def test_random_training_flags(seed, words_file, text_file, tmp_path, capsys):
    """Each run either trains (then sample prints only vocabulary characters and eval's last line is
    '<split> loss <float>') or ends with one line, exit status 2, and no checkpoint written."""
    rnd = random.Random(seed)
    short, empty = tmp_path / "short.txt", tmp_path / "empty.txt"
    short.write_text("to be.")
    empty.write_text("")
    files = {"WORDS": words_file, "TEXT": text_file, "SHORT": short, "EMPTY": empty, "DIR": tmp_path}
    for i in range(8):
        model = rnd.choice(sorted(TINY))
        flags = dict(zip(TINY[model][::2], TINY[model][1::2]), **{"--max-iters": "2", "--batch-size": "4",
                                                                 "--eval-iters": "2", "--eval-interval": "1"})
        flags["--data"] = str(words_file if model in ("bigram", "mlp", "cnn", "rnn", "gru", "lstm") else text_file)
        for key in rnd.sample(sorted(FLAGS), rnd.randint(1, 2)):
            value = rnd.choice(FLAGS[key])
            flags[key] = str(files.get(value, value))
        out = tmp_path / f"run{i}"
        args = ["train", model, "--out-dir", out] + [x for kv in flags.items() for x in kv]
        try:
            code, _, err = run_cli(capsys, *args)
        except SystemExit as e:                          # argparse: a flag of its own with a bad value
            code, err = e.code, capsys.readouterr().err
        if code != 0:
            assert_clean_error(code, err, "error:")
            assert not list(out.glob("*.ckpt")), args
            continue
        tok = teenygrad.load(str(out / "last.ckpt"))["tokenizer"]["chars"]
        code, text, err = run_cli(capsys, "sample", "--out-dir", out, "--num-samples", "3", "--max-new-tokens", "6")
        assert code == 0, (args, err)
        if model != "bert":
            assert set(text.replace("-" * 40, "")) <= set(tok) | {"\n"}, (args, text)
        code, text, err = run_cli(capsys, "eval", "--out-dir", out, "--split", "val")
        assert code == 0 and re.fullmatch(r"val loss \d+\.\d{4}", text.strip().splitlines()[-1]), (args, text, err)
        assert math.isfinite(float(text.split()[-1]))


# ---------------------------------------------------------------- word lists with blank lines

def test_a_blank_line_does_not_turn_a_word_list_into_text(words_file, tmp_path, capsys):
    # before: corpus_kind saw the empty line and called the file running text; mlp sampled text, not names
    data = tmp_path / "blank.txt"
    data.write_text(words_file.read_text().replace("\n", "\n\n", 1) + "\n\n")
    assert tasks.corpus_kind(str(data)) == "words"
    splits = D.names(data)
    assert sum(len(s) for s in splits.values()) == len(words_file.read_text().split()) and "" not in splits["train"]
    out = tmp_path / "mlp"
    code, _, err = run_cli(capsys, "train", "mlp", "--data", data, "--out-dir", out, "--max-iters", "3",
                           *TINY["mlp"])
    assert code == 0, err
    assert teenygrad.load(str(out / "best.ckpt"))["data_kind"] == "words"
    code, text, _ = run_cli(capsys, "sample", "--out-dir", out, "--num-samples", "5", "--max-new-tokens", "8")
    assert code == 0 and len(text.splitlines()) == 5 and "-" * 40 not in text     # five names, not text blocks


def test_a_run_keeps_the_reading_of_its_data_it_was_trained_with(tmp_path, capsys, monkeypatch):
    """eval and --resume rebuild the task as the checkpoint says (words or text), not as the data reads today: a run
    on a blank-lined word list from before the fix above was text, and must still evaluate and resume as text."""
    data, out = tmp_path / "blank.txt", tmp_path / "run"
    data.write_text("anna\nbob\n\ncarl\ndave\nemma\nfred\ngina\nhal\nivy\njo\nkim\nlea\n")
    with monkeypatch.context() as m:
        m.setattr(tasks, "corpus_kind", lambda name: "text")                  # the old reading
        train("mlp", out, {"data": str(data), "max_iters": 4, "eval_interval": 2, "n_embd": 4, "n_hidden": 8},
              log=QUIET)
    ckpt = teenygrad.load(str(out / "best.ckpt"))
    assert ckpt["data_kind"] == "text" and tasks.corpus_kind(str(data)) == "words"
    code, text, err = run_cli(capsys, "eval", "--out-dir", out)
    assert code == 0 and float(text.split()[-1]) == pytest.approx(ckpt["best_val"], abs=1e-4), err
    code, _, err = run_cli(capsys, "train", "mlp", "--out-dir", out, "--resume", "--max-iters", "6")
    assert code == 0, err


def test_a_labelled_file_too_small_to_split_is_a_clear_error(tmp_path, capsys):
    # before: 3 sentences left the val split empty; training logged 'val loss nan, val acc nan', never wrote best.ckpt
    data, out = tmp_path / "tiny.txt", tmp_path / "out"
    data.write_text("good food\t1\nbad food\t0\ngreat\t1\n")
    for model in ("logreg", "sentiment"):
        code, _, err = run_cli(capsys, "train", model, "--data", data, "--out-dir", out, "--max-iters", "3")
        assert_clean_error(code, err, "too few sentences (3)", "the val split would be empty")
        assert not out.exists()
    data.write_text("".join(f"good thing {i}\t1\nbad thing {i}\t0\n" for i in range(6)))
    code, _, err = run_cli(capsys, "train", "logreg", "--data", data, "--out-dir", out, "--max-iters", "3",
                           "--eval-interval", "1")
    assert code == 0, err
    assert all(math.isfinite(v) for e in teenygrad.load(str(out / "last.ckpt"))["evals"] for v in e)


# ---------------------------------------------------------------- bert's prompt on names

def test_bert_fills_a_names_prompt_in_the_rows_it_trained_on(runs, capsys, monkeypatch):
    from teenygrad.models.bert import BERT
    seen, fill = [], BERT.fill

    def spy(self, idx, masked):
        seen.append((np.asarray(idx).copy(), np.asarray(masked).copy()))
        return fill(self, idx, masked)
    monkeypatch.setattr(BERT, "fill", spy)
    out = runs / "bert_words"
    for prompt in ["_na", "ma_a", "_" * 7]:
        seen.clear()
        code, text, err = run_cli(capsys, "sample", "--out-dir", out, "--prompt", prompt)
        assert code == 0, err
        idx, masked = seen[0]
        # before: idx was the prompt alone, so its first letter sat at position 0, where training always had '.'
        assert idx.shape == masked.shape == (1, 8) and idx[0, 0] == 0 and not masked[0, 0]
        assert idx[0, 1 + len(prompt):].tolist() == [0] * (7 - len(prompt))      # '.' pads the row, as in training
        assert masked[0, 1:1 + len(prompt)].tolist() == [c == "_" for c in prompt]
        filled = text.splitlines()[1]
        assert len(filled) == len(prompt) and all(a == b for a, b in zip(prompt, filled) if a != "_")
    code, _, err = run_cli(capsys, "sample", "--out-dir", out, "--prompt", "_" * 8)      # 7 letters and the '.'
    assert_clean_error(code, err, "--prompt: 8 characters", "at most 7 letters")
    code, _, err = run_cli(capsys, "sample", "--out-dir", out, "--prompt", "an_.")
    assert_clean_error(code, err, "--prompt", "'.'")
    code, text, err = run_cli(capsys, "sample", "--out-dir", runs / "bert_text", "--prompt", "_" * 8)
    assert code == 0 and len(text[9:-1]) == 8, err            # prompt, newline, fill (text rows have no '.': all 8)


# ---------------------------------------------------------------- temperature

@pytest.mark.parametrize("run", ["mlp_words", "rnn_words", "gpt_text"])
def test_a_tiny_temperature_is_greedy(run, runs, capsys):
    # before: logits / 1e-40 overflowed float32 to inf, softmax gave nan and multinomial's RuntimeError escaped
    args = ["sample", "--out-dir", runs / run, "--num-samples", "3", "--max-new-tokens", "10"]
    code, greedy, err = run_cli(capsys, *args, "--top-k", "1")
    assert code == 0, err
    for temperature in ["1e-5", "1e-40", "1e-300"]:
        code, text, err = run_cli(capsys, *args, "--temperature", temperature)
        assert code == 0 and err == "" and text == greedy, (temperature, err)


def test_sample_next_at_tiny_temperatures_is_torch_argmax():
    logits = torch.randn(64, 50, generator=torch.Generator().manual_seed(0)) * 30
    expect = logits.argmax(dim=-1, keepdim=True).numpy()
    for temperature in [1e-5, 1e-30, 1e-45, 1e-300]:
        got = sample_next(teenygrad.tensor(logits.numpy()), temperature, None, teenygrad.Generator().manual_seed(1))
        np.testing.assert_array_equal(got.numpy(), expect)
    at_one = sample_next(teenygrad.tensor(logits.numpy()), 1.0, None, teenygrad.Generator().manual_seed(1))
    assert not np.array_equal(at_one.numpy(), expect)                          # temperature 1 still samples


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_of_large_finite_logits_is_quiet_and_as_torch(op, kernels):
    # before: the kernels' NaN probe summed the row and numpy warned 'overflow encountered in reduce'
    x = np.full((2, 3001), -3e38, np.float32)
    x[:, -1] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = getattr(teenygrad.tensor(x), op)(dim=-1).numpy()
    np.testing.assert_array_equal(got, getattr(torch.tensor(x), op)(dim=-1).numpy())


# ---------------------------------------------------------------- one-line errors

@pytest.mark.parametrize("args,fragments", [
    (["train", "mlp", "--max-iters", "x"], ["--max-iters", "'x'"]),
    (["train", "mlp", "--device", "tpu"], ["--device", "'tpu'"]),
    (["eval", "--out-dir", "o", "--split", "dev"], ["--split", "'dev'"]),
    (["sample", "--num-samples", "3"], ["--out-dir", "--gpt2"]),
    (["sample", "--out-dir", "o", "--temperature", "hot"], ["--temperature", "'hot'"]),
    (["frobnicate"], ["'frobnicate'"]),
])
def test_argparse_errors_are_one_line(args, fragments, capsys):
    # before: argparse printed its usage (five lines for train) above the error
    with pytest.raises(SystemExit) as e:
        main(args)
    assert_clean_error(e.value.code, capsys.readouterr().err, "error:", *fragments)


@pytest.mark.parametrize("flag", [["--device", "cuda"], ["--dtype", "float16"]])
def test_gpt2_only_flags_are_refused_for_a_checkpoint(flag, runs, capsys):
    # before: ignored silently (a checkpoint samples in float32 on the CPU whatever they say)
    code, _, err = run_cli(capsys, "sample", "--out-dir", runs / "mlp_words", *flag)
    assert_clean_error(code, err, flag[1], "are for --gpt2")


def test_seeds_out_of_range_name_the_flag(runs, tmp_path, capsys):
    before = snapshot(runs / "bert_text")
    for seed in ["-5", str(2**64)]:
        # before: bert's fill demo passed -5 to numpy ('expected non-negative integer'); 2**64 named manual_seed
        code, _, err = run_cli(capsys, "sample", "--out-dir", runs / "bert_text", "--seed", seed)
        assert_clean_error(code, err, "--seed", seed)
    assert snapshot(runs / "bert_text") == before
    code, _, err = run_cli(capsys, "train", "mlp", "--seed", 2**64, "--out-dir", tmp_path / "o")
    assert_clean_error(code, err, "seed must be below 2**64", str(2**64))
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- checkpoints changed on disk

def test_a_flipped_byte_in_a_checkpoints_settings_is_refused(runs, tmp_path, capsys):
    # before: only the weights had a digest, so one flipped bit in the tokenizer's characters sampled names
    # spelled with another alphabet ('a' -> '`'), and one in the key 'tokenizer' ended in an AttributeError
    out = tmp_path / "mlp"
    out.mkdir()
    chars = teenygrad.load(str(runs / "mlp_words" / "best.ckpt"))["tokenizer"]["chars"]
    for name in ("best.ckpt", "last.ckpt"):
        raw = bytearray((runs / "mlp_words" / name).read_bytes())
        at = raw.index(chars.encode()) + 1                  # the first letter after '.', inside the JSON header
        raw[at] ^= 0x01
        (out / name).write_bytes(bytes(raw))
    before = snapshot(out)
    for args in (["sample", "--out-dir", out], ["eval", "--out-dir", out]):
        code, _, err = run_cli(capsys, *args)
        assert_clean_error(code, err, "best.ckpt is corrupt", "settings")
    code, _, err = run_cli(capsys, "train", "mlp", "--out-dir", out, "--resume", "--max-iters", "9")
    assert_clean_error(code, err, "last.ckpt is corrupt", "settings")
    assert snapshot(out) == before


def test_checkpoints_edited_on_purpose_or_from_before_the_settings_digest(runs, tmp_path, capsys):
    ckpt = teenygrad.load(str(runs / "mlp_words" / "best.ckpt"))
    assert "settings_digest" in ckpt
    del ckpt["settings_digest"]                              # as written before this landing: still loads
    out = tmp_path / "old"
    out.mkdir()
    teenygrad.save(ckpt, str(out / "best.ckpt"))
    code, text, err = run_cli(capsys, "eval", "--out-dir", out)
    assert code == 0 and text.splitlines()[-1].startswith("val loss "), err
    for edit, fragment in [(dict(tokenizer=None), "holds no tokenizer"),      # before: AttributeError
                           (dict(iter="6"), "is not a teenygrad training checkpoint"),
                           (dict(train_config=[1]), "is not a teenygrad training checkpoint")]:
        teenygrad.save(dict(ckpt, **edit), str(out / "best.ckpt"))
        for command in ("sample", "eval"):
            code, _, err = run_cli(capsys, command, "--out-dir", out)
            assert_clean_error(code, err, fragment)


# ---------------------------------------------------------------- 'none' for optional settings

def test_none_restores_an_optional_setting_a_preset_made_a_number(text_file, tmp_path, capsys):
    # before: the gpt preset's eval_iters 20 and lr_decay_iters 2000 made 'none' an unreadable int
    out = tmp_path / "gpt"
    code, _, err = run_cli(capsys, "train", "gpt", "--data", text_file, "--out-dir", out, "--max-iters", "2",
                           "--eval-iters", "none", "--lr-decay-iters", "None", *TINY["gpt"])
    assert code == 0, err
    saved = teenygrad.load(str(out / "last.ckpt"))["train_config"]
    assert saved["eval_iters"] is None and saved["lr_decay_iters"] is None
    code, _, err = run_cli(capsys, "train", "gpt", "--out-dir", out, "--resume", "--max-iters", "4",
                           "--eval-iters", "none")
    assert code == 0, err                                                     # the same value: allowed
    before = snapshot(out)
    code, _, err = run_cli(capsys, "train", "gpt", "--out-dir", out, "--resume", "--max-iters", "6",
                           "--eval-iters", "3")
    assert_clean_error(code, err, "--eval-iters cannot change")
    assert snapshot(out) == before


# ---------------------------------------------------------------- resume after a kill, every kind of task

class Killed(Exception):
    pass


@pytest.mark.parametrize("model", ["cnn", "lstm", "bert"])
def test_resume_after_a_kill_matches_an_uninterrupted_run(model, words_file, tmp_path):
    """A run stopped right after its iteration-4 checkpoint (what a SIGKILL leaves on disk) and resumed logs the
    losses of one that ran straight through: cnn's BatchNorm statistics, bert's masks, lstm's batches."""
    hp = {k[2:].replace("-", "_"): v for k, v in zip(TINY[model][::2], TINY[model][1::2])}
    hp.update(data=str(words_file), max_iters=8, eval_interval=4, batch_size=4, eval_iters=2)
    if model == "bert":
        hp.update(dropout="0.2", block_size="10")

    def kill(line):
        if line.startswith("iter 4:"):
            raise Killed
    train(model, tmp_path / "whole", hp, log=QUIET)
    with pytest.raises(Killed):
        train(model, tmp_path / "broken", hp, log=kill)
    train(model, tmp_path / "broken", {"max_iters": 8}, resume=True, log=QUIET)
    a, b = (teenygrad.load(str(tmp_path / d / "last.ckpt")) for d in ("whole", "broken"))
    np.testing.assert_array_equal(a["history"], b["history"])
    assert a["evals"] == b["evals"]
    for name, value in a["model_state"].items():
        np.testing.assert_array_equal(value.numpy(), b["model_state"][name].numpy())


# ---------------------------------------------------------------- teenygrad.data from Python

def test_data_helpers_check_their_arguments():
    rng = np.random.default_rng(0)
    ids = np.arange(20)
    for bad in [2.5, True, None, "4"]:      # before: 2.5 -> numpy IndexError, True -> block_size 1, None / '4' -> '<'
        with pytest.raises(ValueError, match=r"random_batch: block_size must be a positive int"):
            D.random_batch(ids, bad, 2, rng)
        with pytest.raises(ValueError, match=r"random_batch: batch_size must be a positive int"):
            D.random_batch(ids, 2, bad, rng)
    x, y = D.random_batch(ids, np.int64(3), np.int32(2), rng)
    assert x.shape == y.shape == (2, 3) and np.array_equal(y, x + 1)
    tok = D.CharTokenizer.from_words(["ab"])
    with pytest.raises(ValueError, match="block_size must be a positive int, got True"):
        D.build_windows(["ab"], tok, True)
    for max_size in [0, -1]:                 # before: [:0] an empty vocabulary, [:-1] one word short, silently
        with pytest.raises(ValueError, match="max_size must be a positive int"):
            D.Vocabulary.build(["a b c"], max_size=max_size)
    assert D.Vocabulary.build(["a b c"], max_size=2).words == ["a", "b"]
    with pytest.raises(TypeError, match="CharTokenizer.encode: expects a str, got bytes"):
        tok.encode(b"ab")                    # before: TypeError from ord() inside the error message
    assert tok.encode("ba").tolist() == [2, 1] and tok.decode(tok.encode("abba")) == "abba"
    for frac in [-0.1, 1.5, float("nan")]:   # before: -0.1 split as text[:-1] / text[-1:], 1.5 as all / nothing
        with pytest.raises(ValueError, match=r"split_text: train_frac must be in \[0, 1\]"):
            D.split_text("abcdefghij", frac)
    assert D.split_text("abcdefghij", 0.7) == {"train": "abcdefg", "val": "hij"}
