"""The `teenygrad` command end to end, on tiny generated data sets: train / sample / eval, exact resume
after a real SIGKILL, and bad input (one-line error, non-zero exit, checkpoints left byte for byte)."""
import os
import pathlib
import signal
import subprocess
import sys

import numpy as np
import pytest

import teenygrad
from teenygrad.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
TINY_GPT = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "8", "--batch-size", "4",
            "--eval-iters", "2"]


@pytest.fixture(scope="module")
def names_file(tmp_path_factory):
    """400 made-up lowercase names, one per line (the shape of makemore's names.txt)."""
    rng = np.random.default_rng(0)
    syllables = ["an", "ma", "li", "ra", "el", "jo", "ka", "ne", "is", "ty", "so", "mi", "da", "ve"]
    words = ["".join(rng.choice(syllables, size=rng.integers(1, 4))) for _ in range(400)]
    path = tmp_path_factory.mktemp("data") / "words.txt"
    path.write_text("\n".join(words))
    return path


def run_cli(*args, capsys=None):
    """main() in this process: (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def mlp_dir(tmp_path_factory, names_file):
    out = tmp_path_factory.mktemp("runs") / "mlp"
    assert main(["train", "mlp", "--data", str(names_file), "--out-dir", str(out), "--max-iters", "300",
                 "--eval-interval", "100", "--lr", "0.2"]) == 0
    return out


def test_train_sample_eval_mlp(mlp_dir, capsys):
    ckpt = teenygrad.load(str(mlp_dir / "best.ckpt"))
    assert ckpt["model"] == "mlp" and ckpt["tokenizer"]["type"] == "char"
    assert ckpt["model_config"]["block_size"] == 3 and ckpt["iter"] > 0
    last = teenygrad.load(str(mlp_dir / "last.ckpt"))
    assert last["iter"] == 300 and len(last["history"]) == 300
    assert last["history"][-50:].mean() < last["history"][:10].mean() - 0.5      # it learned
    code, out, err = run_cli("sample", "--out-dir", mlp_dir, "--num-samples", "7", "--seed", "1", capsys=capsys)
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 7 and all(set(w) <= set("abcdefghijklmnopqrstuvwxyz") for w in lines)
    code, out2, _ = run_cli("sample", "--out-dir", mlp_dir, "--num-samples", "7", "--seed", "1", capsys=capsys)
    assert out2 == out                                                             # seeded
    code, out, _ = run_cli("sample", "--out-dir", mlp_dir, "--num-samples", "3", "--prompt", "ma", capsys=capsys)
    assert all(w.startswith("ma") for w in out.split())
    for split in ("train", "val", "test"):
        code, out, _ = run_cli("eval", "--out-dir", mlp_dir, "--split", split, capsys=capsys)
        name, word, value = out.strip().splitlines()[-1].split()
        assert code == 0 and (name, word) == (split, "loss") and 1.0 < float(value) < 3.0
    code, out, _ = run_cli("eval", "--out-dir", mlp_dir, "--split", "val", capsys=capsys)
    assert abs(float(out.split()[-1]) - ckpt["best_val"]) < 1e-3                    # best.ckpt is the best val


@pytest.mark.parametrize("model", ["bigram", "cnn", "gru", "gpt", "bert"])
def test_every_language_model_trains_and_samples_from_the_cli(model, names_file, tmp_path, capsys):
    extra = {"gpt": TINY_GPT[:6], "bert": TINY_GPT[:6], "cnn": ["--n-hidden", "16"], "gru": ["--n-hidden", "16"]}
    code, out, err = run_cli("train", model, "--data", names_file, "--out-dir", tmp_path, "--max-iters", "40",
                             "--eval-interval", "20", *extra.get(model, []), capsys=capsys)
    assert code == 0, err
    evals = [line for line in out.splitlines() if line.startswith("iter ")]
    assert len(evals) == 3 and "val loss" in evals[-1]
    assert (tmp_path / "best.ckpt").exists() and (tmp_path / "last.ckpt").exists()
    code, out, err = run_cli("sample", "--out-dir", tmp_path, "--num-samples", "3", capsys=capsys)
    assert code == 0 and out.strip(), err


def test_gpt_on_text_with_a_prompt(text_file, tmp_path, capsys):
    code, _, err = run_cli("train", "gpt", "--data", text_file, "--out-dir", tmp_path, "--max-iters", "30",
                           "--eval-interval", "15", *TINY_GPT, capsys=capsys)
    assert code == 0, err
    code, out, _ = run_cli("sample", "--out-dir", tmp_path, "--prompt", "the king", "--max-new-tokens", "40",
                           capsys=capsys)
    assert code == 0 and out.startswith("the king") and len(out) == len("the king") + 40 + 1   # + print's newline
    code, out, err = run_cli("eval", "--out-dir", tmp_path, "--split", "test", capsys=capsys)
    assert code == 2 and "no test split" in err


def test_classifiers_from_the_cli(tmp_path, capsys):
    code, out, err = run_cli("train", "xor", "--out-dir", tmp_path, "--max-iters", "300", capsys=capsys)
    assert code == 0, err
    code, out, _ = run_cli("eval", "--out-dir", tmp_path, "--split", "test", capsys=capsys)
    assert "test acc 1.0000" in out and out.strip().splitlines()[-1].startswith("test loss ")


def _train_cmd(out_dir, text_file, max_iters=240, sampling="nanogpt"):
    return [sys.executable, "-m", "teenygrad", "train", "gpt", "--data", str(text_file), "--out-dir", str(out_dir),
            "--max-iters", str(max_iters), "--eval-interval", "40", "--dropout", "0.1", "--seed", "7",
            "--sampling", sampling, *TINY_GPT]


@pytest.mark.parametrize("sampling", ["nanogpt", "numpy"])
def test_resume_after_sigkill_matches_an_uninterrupted_run(text_file, tmp_path, sampling):
    """Kill a real training process once it has saved a checkpoint, resume it, and compare every
    logged loss with a run that was never interrupted (dropout on: the RNG state must be restored; nanoGPT's
    sampling also draws each batch ahead, so the checkpoint must carry that batch)."""
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    subprocess.run(_train_cmd(whole, text_file, sampling=sampling), env=ENV, check=True, capture_output=True,
                   timeout=300)
    proc = subprocess.Popen(_train_cmd(broken, text_file, sampling=sampling), env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    killed_at = None
    for line in proc.stdout:                                    # 'iter 40: ... (best, saved)' after the save
        if line.startswith("iter ") and not line.startswith("iter 0:"):
            proc.send_signal(signal.SIGKILL)
            killed_at = int(line.split()[1].rstrip(":"))
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL and killed_at is not None
    resumed_from = teenygrad.load(str(broken / "last.ckpt"))["iter"]
    assert 40 <= resumed_from < 240
    done = subprocess.run(_train_cmd(broken, text_file, sampling=sampling) + ["--resume"], env=ENV,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"resuming gpt from {broken / 'last.ckpt'} at iteration {resumed_from}" in done.stdout
    a, b = teenygrad.load(str(whole / "last.ckpt")), teenygrad.load(str(broken / "last.ckpt"))
    assert len(a["history"]) == len(b["history"]) == 240
    np.testing.assert_array_equal(a["history"], b["history"])   # every training loss, bit for bit
    assert a["evals"] == b["evals"]
    for name, value in a["model_state"].items():
        np.testing.assert_array_equal(value.numpy(), b["model_state"][name].numpy())


# ---------------------------------------------------------------- bad input

def _snapshot(directory):
    return {p.name: p.read_bytes() for p in sorted(pathlib.Path(directory).iterdir()) if p.suffix == ".ckpt"}


def _assert_clean_error(code, err, fragment):
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("args,fragment", [
    (["train", "transformer9000"], "unknown model 'transformer9000'"),
    (["train", "mlp", "--lr", "-0.1"], "lr must be a positive number"),
    (["train", "mlp", "--block-size", "0"], "block_size must be a positive integer"),
    (["train", "gpt", "--n-embd", "30", "--n-head", "4"], "must be divisible by n_head"),
    (["train", "gpt", "--dropout", "1.5"], "dropout must be in [0, 1)"),
    (["train", "mlp", "--max-iters", "0"], "max_iters must be a positive integer"),
    (["train", "mlp", "--n-embd", "ten"], "cannot read 'ten'"),
    (["train", "mlp", "--warp-speed", "9"], "unknown hyper-parameter --warp-speed"),
    (["train", "gpt", "--preset", "moon-gpu"], "no preset 'moon-gpu'"),
    (["train", "mlp", "--data", "/nonexistent/names.txt"], "cannot load data"),
    (["train", "gpt", "--resume"], "holds a 'mlp' model, not 'gpt'"),
    (["train", "gpt"], "already holds a checkpoint"),
    (["train", "mlp", "--seed", "-1"], "seed must be a non-negative integer, got -1"),
    (["train", "mlp", "--max-iters", "5"], "already holds a mlp run (iteration "),   # its own run: not replaced
    (["train", "mlp", "--resume", "--overwrite"], "pass one of them"),
])
def test_bad_training_input_fails_cleanly_and_leaves_checkpoints(args, fragment, mlp_dir, capsys):
    before = _snapshot(mlp_dir)
    code, _, err = run_cli(*args, "--out-dir", mlp_dir, capsys=capsys)
    _assert_clean_error(code, err, fragment)
    assert _snapshot(mlp_dir) == before


def test_empty_and_missing_data_files(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    code, _, err = run_cli("train", "gpt", "--data", empty, "--out-dir", tmp_path / "o", capsys=capsys)
    _assert_clean_error(code, err, "is empty")
    code, _, err = run_cli("train", "mlp", "--data", tmp_path / "missing.txt", "--out-dir", tmp_path / "o",
                           capsys=capsys)
    _assert_clean_error(code, err, "cannot load data")
    assert not (tmp_path / "o").exists()


def test_out_dir_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    code, _, err = run_cli("train", "mlp", "--max-iters", "5", "--out-dir", f, capsys=capsys)
    _assert_clean_error(code, err, "is a file, not a directory")
    assert f.read_text() == "keep me"


def test_overwrite_trains_afresh_over_a_run(mlp_dir, names_file, tmp_path, capsys):
    # the refusal above names --overwrite: with it the same model trains anew in the folder, from iteration 0
    import shutil
    out = tmp_path / "again"
    shutil.copytree(mlp_dir, out)
    code, _, err = run_cli("train", "mlp", "--data", names_file, "--max-iters", "5", "--eval-interval", "5",
                           "--out-dir", out, capsys=capsys)
    _assert_clean_error(code, err, "iteration 300 of 300, best val ")
    assert teenygrad.load(str(out / "last.ckpt"))["iter"] == 300
    code, _, err = run_cli("train", "mlp", "--data", names_file, "--max-iters", "5", "--eval-interval", "5",
                           "--out-dir", out, "--overwrite", capsys=capsys)
    assert code == 0, err
    last = teenygrad.load(str(out / "last.ckpt"))
    assert last["iter"] == 5 and len(last["history"]) == 5


@pytest.mark.parametrize("damage", ["truncate", "garbage", "pickle"])
def test_corrupt_checkpoint(damage, mlp_dir, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    data = (mlp_dir / "best.ckpt").read_bytes()
    data = {"truncate": data[:len(data) // 2], "garbage": b"\x00" * 64 + data[64:],
            "pickle": b"\x80\x04\x95" + data[3:]}[damage]
    (bad / "best.ckpt").write_bytes(data)
    (bad / "last.ckpt").write_bytes(data)
    before = _snapshot(bad)
    for args in (["sample", "--out-dir", bad], ["eval", "--out-dir", bad], ["train", "mlp", "--resume", "--out-dir", bad]):
        code, _, err = run_cli(*args, capsys=capsys)
        _assert_clean_error(code, err, "")
        assert "checkpoint" in err
    assert _snapshot(bad) == before


def test_missing_checkpoint_and_bad_sample_options(mlp_dir, tmp_path, capsys):
    code, _, err = run_cli("sample", "--out-dir", tmp_path / "nothing", capsys=capsys)
    _assert_clean_error(code, err, "no checkpoint at")
    code, _, err = run_cli("sample", "--out-dir", mlp_dir, "--temperature", "0", capsys=capsys)
    _assert_clean_error(code, err, "--temperature must be > 0")
    code, _, err = run_cli("sample", "--out-dir", mlp_dir, "--prompt", "Zed!", capsys=capsys)
    _assert_clean_error(code, err, "not in the vocabulary")


def test_console_entry_point_exit_code(tmp_path):
    """The real process: non-zero status, one line on stderr."""
    done = subprocess.run([sys.executable, "-m", "teenygrad", "train", "nosuchmodel", "--out-dir", str(tmp_path)],
                          env=ENV, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "unknown model" in done.stderr


def test_import_stays_light():
    code = "import sys, teenygrad; print(any(m.startswith(('teenygrad.train', 'teenygrad.models.', 'teenygrad.cli')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False"


def test_label_smoothing_is_saved_and_a_resumed_run_keeps_it(tmp_path):
    """--label-smoothing goes into the checkpoint, and a sentiment run stopped at 20 and resumed to 40 ends bit
    for bit like one that ran straight through (it would not if the resumed run trained on hard targets)."""
    from teenygrad.train import config_from_checkpoint, train
    good = ["loved it", "great food", "really good value", "not bad at all", "lovely staff", "works great"]
    bad = ["hated it", "awful food", "really bad value", "not good at all", "rude staff", "broke at once"]
    data = tmp_path / "tiny_labelled.txt"
    data.write_text("\n".join([f"{s} {i}\t1" for i in range(5) for s in good] +
                              [f"{s} {i}\t0" for i in range(5) for s in bad]) + "\n", encoding="utf-8")
    run = dict(data=str(data), label_smoothing=0.3, n_hidden=4, batch_size=8, lr=0.01, eval_interval=10, seed=3)
    quiet = lambda *a: None                                         # noqa: E731
    train("sentiment", tmp_path / "whole", dict(run, max_iters=40), log=quiet)
    train("sentiment", tmp_path / "hard", dict(run, max_iters=40, label_smoothing=0.0), log=quiet)
    train("sentiment", tmp_path / "broken", dict(run, max_iters=20), log=quiet)
    train("sentiment", tmp_path / "broken", {"max_iters": 40}, resume=True, log=quiet)
    a, b, hard = (teenygrad.load(str(tmp_path / d / "last.ckpt")) for d in ("whole", "broken", "hard"))
    assert a["train_config"]["label_smoothing"] == 0.3
    np.testing.assert_array_equal(a["history"], b["history"])
    assert a["evals"] == b["evals"] and a["evals"] != hard["evals"]
    for name, value in a["model_state"].items():
        np.testing.assert_array_equal(value.numpy(), b["model_state"][name].numpy())
    old = {k: v for k, v in a["train_config"].items() if k != "label_smoothing"}   # checkpoints from before it
    assert config_from_checkpoint(old).label_smoothing == 0.0
