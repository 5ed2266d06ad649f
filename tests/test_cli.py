"""The `teenygrad` command end to end, on tiny generated data sets: train / sample / eval, exact resume
after a real SIGKILL, and bad input (one-line error, non-zero exit, checkpoints left byte for byte)."""
import importlib.util
import io
import os
import pathlib
import re
import select
import shlex
import signal
import subprocess
import sys
import time

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
    # training estimated val from --eval-iters 2 batches, eval scores the whole split: the header says so (before:
    # two different 'val loss' numbers for one checkpoint, unexplained)
    best = teenygrad.load(str(tmp_path / "best.ckpt"))["best_val"]
    code, out, err = run_cli("eval", "--out-dir", tmp_path, capsys=capsys)
    header, last = out.strip().splitlines()
    assert code == 0 and last.startswith("val loss "), err
    assert header.endswith(f"on the whole val split (the val loss {best:.4f} logged in training was an estimate "
                           f"from 2 batches of 4)"), header


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
    # a folder holding the same model's run is refused, untouched; with --overwrite the model trains anew there
    import shutil
    out = tmp_path / "again"
    shutil.copytree(mlp_dir, out)
    code, _, err = run_cli("train", "mlp", "--data", names_file, "--max-iters", "5", "--eval-interval", "5",
                           "--out-dir", out, capsys=capsys)
    _assert_clean_error(code, err, "already holds a mlp run (iteration 300 of 300, best val ")
    assert _snapshot(out) == _snapshot(mlp_dir)                  # refused: the run is left as it was
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


@pytest.mark.parametrize("schedule", ["step", "cosine"])
def test_resume_with_more_iterations_keeps_the_saved_schedule(names_file, tmp_path, schedule):
    """A finished 8-iteration run resumed to 16 keeps its learning-rate schedule: the step drop stays at iteration
    6 (0.75 of 8), the cosine decay ends at 8, and iterations 8..15 run at the final rate, bit for bit like a fresh
    16-iteration run given those iterations explicitly. Before, the schedule stretched to the new length and the
    rate jumped back up (the step drop moved to 12, the cosine restarted mid-curve)."""
    from teenygrad.train import train
    run = dict(data=str(names_file), block_size=3, n_embd=4, n_hidden=8, batch_size=8, eval_interval=4,
               eval_iters=2, optimizer="sgd", lr=0.1, seed=5, schedule=schedule, lr_drop_frac=0.75,
               lr_drop_to=0.01, min_lr=0.001)
    pinned = {"lr_drop_iter": 6} if schedule == "step" else {"lr_decay_iters": 8}
    logs, quiet = [], lambda *a: None                                  # noqa: E731
    train("mlp", tmp_path / "whole", dict(run, max_iters=16, **pinned), log=quiet)
    train("mlp", tmp_path / "extended", dict(run, max_iters=8), log=quiet)
    train("mlp", tmp_path / "extended", {"max_iters": 16}, resume=True, log=logs.append)
    a, b = (teenygrad.load(str(tmp_path / d / "last.ckpt")) for d in ("whole", "extended"))
    np.testing.assert_array_equal(a["history"], b["history"])
    for name, value in a["model_state"].items():
        np.testing.assert_array_equal(value.numpy(), b["model_state"][name].numpy())
    key, value = next(iter(pinned.items()))
    assert b["train_config"][key] == value                # saved, so a second resume keeps it too
    assert any(line.startswith("resume: ") and str(value) in line for line in logs), logs


def test_resume_with_more_iterations_of_a_run_that_dropped_at_once(names_file, tmp_path):
    """lr_drop_frac 0 drops the rate before the first step; extended on resume, the drop stays at iteration 0 (the
    pinned lr_drop_iter 0 was refused as not positive, and the resume failed)."""
    from teenygrad.train import train
    run = dict(data=str(names_file), block_size=3, n_embd=4, n_hidden=8, batch_size=8, eval_interval=4,
               eval_iters=2, optimizer="sgd", lr=0.1, seed=5, schedule="step", lr_drop_frac=0.0, lr_drop_to=0.01)
    quiet = lambda *a: None                                         # noqa: E731
    train("mlp", tmp_path / "whole", dict(run, max_iters=8, lr_drop_iter=0), log=quiet)
    train("mlp", tmp_path / "extended", dict(run, max_iters=4), log=quiet)
    train("mlp", tmp_path / "extended", {"max_iters": 8}, resume=True, log=quiet)
    a, b = (teenygrad.load(str(tmp_path / d / "last.ckpt")) for d in ("whole", "extended"))
    np.testing.assert_array_equal(a["history"], b["history"])
    assert b["train_config"]["lr_drop_iter"] == 0


# ---------------------------------------------------------------- what a user meets along the README

def _stdout_line(proc, prefix, timeout):
    """The first whole stdout line of a running proc that starts with prefix, or None if none comes in time."""
    buf, deadline = b"", time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0 and select.select([proc.stdout], [], [], left)[0]:
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            return None
        buf += chunk
        for line in buf.decode().split("\n")[:-1]:
            if line.startswith(prefix):
                return line
    return None


def test_ctrl_c_names_the_checkpoint_to_resume_from_and_log_lines_reach_a_pipe_at_once(names_file, tmp_path, capsys):
    """A real SIGINT mid-run: exit status 130 and a line saying which iteration last.ckpt holds and the command that
    continues it, which works (before: 'the last checkpoint on disk is intact', whether or not one had been written).
    The evaluation lines reach a pipe while the run goes on (before: stdout to a pipe or a file was block-buffered,
    so `teenygrad train ... | tee log` showed them only at the end)."""
    out = tmp_path / "run"
    env = {k: v for k, v in ENV.items() if k != "PYTHONUNBUFFERED"}
    cmd = [sys.executable, "-m", "teenygrad", "train", "mlp", "--data", str(names_file), "--out-dir", str(out),
           "--max-iters", "1000000", "--eval-interval", "2000", "--n-hidden", "8"]   # minutes of logging to fill 8 KiB
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,   # SIGINT as at a shell,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # even run in background
    try:
        assert _stdout_line(proc, "iter 2000:", timeout=30) is not None and proc.poll() is None
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    saved = teenygrad.load(str(out / "last.ckpt"))["iter"]
    said = re.fullmatch(r"teenygrad train: interrupted at iteration (\d+) of 1000000; (.+) holds iteration (\d+): "
                        r"continue with (teenygrad train mlp --out-dir \S+ --resume)", err.decode().splitlines()[-1])
    assert proc.returncode == 130 and said, err.decode()
    assert said[2] == str(out / "last.ckpt") and int(said[3]) == saved and int(said[1]) >= saved >= 2000
    code, log, err = run_cli(*shlex.split(said[4])[1:], "--max-iters", saved + 5, capsys=capsys)
    assert code == 0 and f"resuming mlp from {out / 'last.ckpt'} at iteration {saved}" in log, err
    assert teenygrad.load(str(out / "last.ckpt"))["iter"] == saved + 5


def test_ctrl_c_before_the_first_checkpoint_says_none_was_saved(names_file, tmp_path, capsys, monkeypatch):
    from teenygrad import train as T

    def interrupted(ckpt, path):
        raise KeyboardInterrupt
    monkeypatch.setattr(T, "_save_checkpoint", interrupted)       # Ctrl-C while iteration 0 is being saved
    code, _, err = run_cli("train", "mlp", "--data", names_file, "--out-dir", tmp_path, "--max-iters", "5",
                           capsys=capsys)
    assert code == 130
    assert err.strip().splitlines() == ["teenygrad train: interrupted at iteration 0 of 5, before this run saved a "
                                        "checkpoint"]
    assert not list(tmp_path.glob("*.ckpt"))


def test_loss_curve_without_matplotlib_goes_through_log_and_names_the_package(tmp_path, monkeypatch, capsys):
    # before: print()ed past a caller's log, with `pip install teenygrad[plot]`, which outside an install of this
    # checkout fetches PyPI's unrelated project of that name; `teenygrad env` says `pip install matplotlib`
    from teenygrad.train import train
    monkeypatch.setitem(sys.modules, "matplotlib", None)          # `import matplotlib` raises ImportError
    lines = []
    train("xor", tmp_path, {"max_iters": 2, "eval_interval": 2}, log=lines.append)
    assert capsys.readouterr().out == ""
    assert lines[-1] == "loss curve: matplotlib is not installed, skipping loss.png (pip install matplotlib)"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_in_a_log_file_waits_its_interval_before_the_first_line():
    # before: a log file's first line came after iteration 1, whose time holds the warm-up, so it read
    # '1/300 ... 54 tok/s | ETA 02:58' for a run of 11 s
    from teenygrad.train import ProgressBar
    log = io.StringIO()
    bar = ProgressBar(0, 300, 32, stream=log)
    bar.update(1, 3.0)
    assert log.getvalue() == ""
    bar.update(300, 2.5, force=True)
    assert log.getvalue().startswith("    300/300 [####") and log.getvalue().count("\n") == 1
    terminal = _Terminal()
    ProgressBar(0, 300, 32, stream=terminal).update(1, 3.0)        # a terminal shows the bar at once
    assert terminal.getvalue().startswith("\r      1/300 [")


def test_help_says_how_to_give_hyper_parameters_and_what_bert_samples(capsys):
    # before: `train --help` listed seven options and no word of --name value; `sample --help` said 10 or 1 samples,
    # and bert shows 5
    for command, fragment in [("train", "given as --name value"), ("sample", "5 masked snippets for bert")]:
        with pytest.raises(SystemExit) as e:
            main([command, "--help"])
        assert e.value.code == 0 and fragment in " ".join(capsys.readouterr().out.split())


def test_sample_options_a_model_does_not_read_are_named(names_file, tmp_path, capsys):
    # before: ignored without a word (bert's fill is an argmax, xor prints its truth table)
    assert main(["train", "xor", "--out-dir", str(tmp_path / "xor"), "--max-iters", "2", "--eval-interval", "2"]) == 0
    assert main(["train", "bert", "--data", str(names_file), "--out-dir", str(tmp_path / "bert"), "--max-iters", "2",
                 "--eval-interval", "2", "--eval-iters", "1", *TINY_GPT[:6]]) == 0
    capsys.readouterr()
    code, out, err = run_cli("sample", "--out-dir", tmp_path / "xor", "--prompt", "1 1", "--top-k", "2", capsys=capsys)
    assert code == 0 and len(out.splitlines()) == 4
    assert err == "teenygrad sample: note: --top-k and --prompt do not apply to xor, which prints its truth table; " \
                  "ignored\n"
    code, out, err = run_cli("sample", "--out-dir", tmp_path / "bert", "--temperature", "0.5", "--num-samples", "2",
                             capsys=capsys)
    assert code == 0 and out.count("masked: ") == 2 and err.startswith("teenygrad sample: note: --temperature does ")
    code, out, err = run_cli("sample", "--out-dir", tmp_path / "bert", "--prompt", "a_", capsys=capsys)
    assert code == 0 and err == ""


def test_embeddings_example_refuses_a_model_without_a_character_table(mlp_dir, tmp_path, capsys, monkeypatch):
    # before: on an xor run it took the first Linear layer for a table and died with an AttributeError traceback
    spec = importlib.util.spec_from_file_location("embeddings_example", ROOT / "examples" / "embeddings.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert example.main(["--out-dir", str(mlp_dir)]) == 0
    chars = teenygrad.load(str(mlp_dir / "best.ckpt"))["tokenizer"]["chars"]
    assert capsys.readouterr().out.startswith(f"mlp embedding table ({len(chars)}, 10); nearest neighbours")
    assert main(["train", "xor", "--out-dir", str(tmp_path), "--max-iters", "2", "--eval-interval", "2"]) == 0
    capsys.readouterr()
    assert example.main(["--out-dir", str(tmp_path)]) == 2
    _assert_clean_error(2, capsys.readouterr().err, "a xor checkpoint has no character embedding table")
