"""Adversarial use of the command line, data loading and checkpoints (fifteenth landing): each test pins one
input that used to end in a traceback, a silent wrong result or a changed checkpoint."""
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import teenygrad
from teenygrad.cli import main
from teenygrad.data import read_text
from teenygrad.models import tasks

ROOT = pathlib.Path(__file__).resolve().parents[1]
TINY_MLP = ["--n-embd", "4", "--n-hidden", "8", "--eval-interval", "2"]
NAMES = ["anna", "bob", "carl", "dave", "emma", "fred", "gina", "hal", "ivy", "jo"] * 10


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(code, err, fragment):
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("teenygrad ") and fragment in lines[0], lines[0]


def digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(pathlib.Path(folder).glob("*.ckpt"))}


@pytest.fixture
def names_file(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("\n".join(NAMES) + "\n")
    return path


@pytest.fixture
def mlp_run(tmp_path, names_file, capsys):
    out = tmp_path / "run"
    code, _, err = run_cli(capsys, "train", "mlp", "--data", names_file, "--out-dir", out, "--max-iters", "4",
                           *TINY_MLP)
    assert code == 0, err
    return out


@pytest.mark.parametrize("text,n,empty", [("a", 1, "train and val splits"), ("ab\ncd\nef\n", 3, "val split")])
def test_a_word_file_too_small_to_split_is_a_clear_error(tmp_path, capsys, text, n, empty):
    # before: 1 word crashed with numpy's 'high <= 0' after writing checkpoints; 3 words trained and reported a
    # val loss of 0.0000 (an empty split's mean) and saved it as the best
    data, out = tmp_path / "tiny.txt", tmp_path / "out"
    data.write_text(text)
    code, _, err = run_cli(capsys, "train", "mlp", "--data", data, "--out-dir", out, "--max-iters", "3", *TINY_MLP)
    assert_clean_error(code, err, f"too few words ({n})")
    assert empty in err and not out.exists()


def test_six_words_still_train(tmp_path):
    data = tmp_path / "six.txt"
    data.write_text("ab\ncd\nef\ngh\nij\nkl\n")
    splits, _ = tasks.load_corpus(str(data), "words")
    assert [len(splits[s]) for s in ("train", "val", "test")] == [4, 1, 1]


def test_a_byte_order_mark_is_not_a_character(tmp_path):
    # before: '\ufeff' joined the vocabulary and made the first word one letter longer
    data = tmp_path / "bom.txt"
    data.write_bytes(b"\xef\xbb\xbf" + "\n".join(NAMES).encode())
    assert read_text(data) == "\n".join(NAMES)
    splits, tok = tasks.load_corpus(str(data), "words")
    assert "\ufeff" not in tok.stoi and tok.itos == ["."] + sorted(set("".join(NAMES)))
    assert tasks.SequenceTask.longest(splits) == 4
    only_bom = tmp_path / "only_bom.txt"
    only_bom.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(ValueError, match="only_bom.txt is empty"):
        read_text(only_bom)


def test_resume_after_the_data_changed_is_a_clear_error(mlp_run, names_file, capsys):
    # before: load_state_dict's RuntimeError (size mismatch) escaped as a multi-line traceback
    names_file.write_text("\n".join(NAMES + ["zoe", "xena"]) + "\n")
    before = digests(mlp_run)
    code, _, err = run_cli(capsys, "train", "mlp", "--out-dir", mlp_run, "--max-iters", "6", "--resume")
    assert_clean_error(code, err, "changed since training: its vocabulary differs")
    assert digests(mlp_run) == before


def test_resume_from_a_best_checkpoint_copied_over_last(mlp_run, capsys):
    shutil.copy(mlp_run / "best.ckpt", mlp_run / "last.ckpt")   # best.ckpt holds no optimizer state
    before = digests(mlp_run)
    code, _, err = run_cli(capsys, "train", "mlp", "--out-dir", mlp_run, "--max-iters", "6", "--resume")
    assert_clean_error(code, err, "last.ckpt cannot be resumed: it lacks 'optimizer'")
    assert digests(mlp_run) == before


def test_cnn_with_batch_one_fails_before_training(tmp_path, names_file, capsys):
    # before: BatchNorm failed inside the first step, after iteration 0's checkpoints were written
    out = tmp_path / "cnn"
    code, _, err = run_cli(capsys, "train", "cnn", "--data", names_file, "--out-dir", out, "--max-iters", "3",
                           "--batch-size", "1", "--n-embd", "4", "--n-hidden", "8")
    assert_clean_error(code, err, "batch_size 1 is too small for cnn")
    assert not out.exists()


def test_a_directory_as_data(tmp_path, capsys):
    code, _, err = run_cli(capsys, "train", "mlp", "--data", tmp_path, "--out-dir", tmp_path / "out",
                           "--max-iters", "3")
    assert_clean_error(code, err, f"{tmp_path} is a directory")


@pytest.mark.parametrize("command", ["sample", "eval"])
def test_out_dir_that_is_a_file(names_file, capsys, command):
    code, _, err = run_cli(capsys, command, "--out-dir", names_file)
    assert_clean_error(code, err, f"--out-dir {names_file} is a file")


def test_infinite_temperature(mlp_run, capsys):
    code, _, err = run_cli(capsys, "sample", "--out-dir", mlp_run, "--temperature", "inf")
    assert_clean_error(code, err, "--temperature must be > 0 and finite, got inf")


def test_out_of_memory_and_a_closed_pipe(mlp_run, capsys, monkeypatch):
    from teenygrad.models import sampling

    def fail(error):
        def sample(*args, **kwargs):
            raise error
        return sample
    monkeypatch.delenv("TEENYGRAD_DEBUG", raising=False)
    monkeypatch.setattr(sampling, "sample_from_checkpoint", fail(MemoryError()))
    code, _, err = run_cli(capsys, "sample", "--out-dir", mlp_run, "--num-samples", "100000000")
    assert_clean_error(code, err, "out of memory")
    monkeypatch.setattr(sampling, "sample_from_checkpoint", fail(BrokenPipeError(32, "Broken pipe")))
    code, out, err = run_cli(capsys, "sample", "--out-dir", mlp_run)       # `teenygrad sample | head`
    assert code == 141 and err == ""


@pytest.mark.parametrize("error,fragment", [
    (RuntimeError("locate: sha256 mismatch for names.txt from URL: expected a, got b"), "sha256 mismatch"),
    (OSError("no network"), "To fix: set TEENYGRAD_DATA to a folder holding names.txt, or pass --data PATH"),
])
def test_failed_download_from_the_cli(tmp_path, capsys, monkeypatch, error, fragment):
    # before: a bad download's RuntimeError was a traceback; an offline run's advice was cut off (2nd line)
    from teenygrad.data import fetch

    def download(*args):
        raise error
    monkeypatch.delenv("TEENYGRAD_DATA", raising=False)
    monkeypatch.setenv("TEENYGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(fetch, "_download", download)
    code, _, err = run_cli(capsys, "train", "mlp", "--out-dir", tmp_path / "out", "--max-iters", "3")
    assert_clean_error(code, err, fragment)
    assert not (tmp_path / "out").exists()


def test_python_dash_m_is_the_command(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    env.pop("TEENYGRAD_DEBUG", None)
    p = subprocess.run([sys.executable, "-m", "teenygrad", "train", "mlp", "--data", tmp_path, "--out-dir",
                        tmp_path / "o"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines() == [p.stderr.strip()] and "is a directory" in p.stderr


def test_a_flipped_weight_byte_is_refused(mlp_run, capsys):
    # before: safetensors checks the layout only, so a changed weight loaded silently (resume and sample went on)
    assert "digest" in teenygrad.load(str(mlp_run / "last.ckpt"))
    for name in ("best.ckpt", "last.ckpt"):
        raw = bytearray((mlp_run / name).read_bytes())
        n = int.from_bytes(raw[:8], "little")            # safetensors: header length, JSON header, tensor bytes
        start, _ = json.loads(raw[8:8 + n])["model_state.out.bias"]["data_offsets"]
        raw[8 + n + start] ^= 0x01                       # the lowest mantissa bit of one weight
        (mlp_run / name).write_bytes(bytes(raw))
    before = digests(mlp_run)
    code, _, err = run_cli(capsys, "sample", "--out-dir", mlp_run)
    assert_clean_error(code, err, "best.ckpt is corrupt")
    code, _, err = run_cli(capsys, "train", "mlp", "--out-dir", mlp_run, "--max-iters", "6", "--resume")
    assert_clean_error(code, err, "last.ckpt is corrupt")
    assert digests(mlp_run) == before


def test_checkpoints_without_a_digest_still_load(mlp_run, capsys):
    ckpt = teenygrad.load(str(mlp_run / "best.ckpt"))
    del ckpt["digest"]                                    # as written before the digest existed
    teenygrad.save(ckpt, str(mlp_run / "best.ckpt"))
    code, out, err = run_cli(capsys, "eval", "--out-dir", mlp_run)
    assert code == 0 and out.splitlines()[-1].startswith("val loss "), err


def test_resume_after_the_data_changed_within_its_vocabulary(mlp_run, names_file, capsys):
    # before: the same letters in other words passed the vocabulary check and the run went on with other data
    names_file.write_text("\n".join(NAMES + ["anna", "hal"]) + "\n")
    before = digests(mlp_run)
    code, _, err = run_cli(capsys, "train", "mlp", "--out-dir", mlp_run, "--max-iters", "6", "--resume")
    assert_clean_error(code, err, "changed since")
    assert digests(mlp_run) == before
    names_file.write_text("\n".join(NAMES) + "\n")                      # put back: the run goes on
    code, _, err = run_cli(capsys, "train", "mlp", "--out-dir", mlp_run, "--max-iters", "6", "--resume")
    assert code == 0, err
    assert teenygrad.load(str(mlp_run / "last.ckpt"))["iter"] == 6


def test_a_classifier_resumes(tmp_path, capsys):
    out = tmp_path / "xor"
    assert run_cli(capsys, "train", "xor", "--out-dir", out, "--max-iters", "2", "--eval-interval", "1")[0] == 0
    code, _, err = run_cli(capsys, "train", "xor", "--out-dir", out, "--max-iters", "4", "--resume")
    assert code == 0, err
