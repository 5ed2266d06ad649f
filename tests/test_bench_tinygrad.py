"""bench/run.py's tinygrad column: skipped cleanly where tinygrad is absent (CI), summarized and printed beside the
other two where present, and the clang stand-in's argument translation. Timing itself lives in bench/."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

BENCH = pathlib.Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
import run as bench_run  # noqa: E402
import tinygrad_clang  # noqa: E402


def _no_tinygrad_python(tmp_path):
    """An 'interpreter' that cannot import tinygrad (nor anything else)."""
    fake = tmp_path / "python-without-tinygrad"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    return str(fake)


def test_tinygrad_version_is_none_when_the_interpreter_cannot_import_it(tmp_path):
    assert bench_run.tinygrad_version(_no_tinygrad_python(tmp_path)) is None
    assert bench_run.tinygrad_version(str(tmp_path / "no-such-python")) is None


def test_no_tinygrad_flag_leaves_it_out_without_asking(monkeypatch):
    monkeypatch.setattr(bench_run, "tinygrad_version", lambda python: pytest.fail("asked for tinygrad"))
    args = type("Args", (), {"no_tinygrad": True, "tinygrad_python": sys.executable})()
    assert bench_run._frameworks(args) == ["teenygrad", "torch"]


def test_run_py_without_tinygrad_runs_the_other_two(tmp_path):
    out = tmp_path / "out.json"
    proc = subprocess.run([sys.executable, str(BENCH / "run.py"), "--rounds", "1", "--seconds", "0.05", "--warmup",
                           "0.01", "--only", "mlp", "--tinygrad-python", _no_tinygrad_python(tmp_path),
                           "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "tinygrad not importable" in proc.stdout
    data = json.loads(out.read_text())
    assert [r["workload"] for r in data["rows"]] == ["mlp"]          # no mlp_eager row without tinygrad
    row = data["rows"][0]
    assert "tinygrad" not in row and "ratio_tinygrad" not in row
    assert row["teenygrad"]["rounds"] == 1 and row["torch"]["rounds"] == 1
    assert "ratio tiny/torch" not in proc.stdout


def _res(fw, w, r, t):
    return {"framework": fw, "workload": w, "round": r, "times": [t, t]}


def test_summarize_pairs_tinygrad_with_torch_by_round_and_marks_the_rest_na():
    fws = ["teenygrad", "torch", "tinygrad"]
    results = {("mlp", "teenygrad"): [_res("teenygrad", "mlp", 0, 1.0), _res("teenygrad", "mlp", 1, 1.0)],
               ("mlp", "torch"): [_res("torch", "mlp", 0, 2.0), _res("torch", "mlp", 1, 4.0)],
               # round 0 of tinygrad failed: round 1 must pair with torch's round 1, not its round 0
               ("mlp", "tinygrad"): [{"framework": "tinygrad", "workload": "mlp", "round": 0, "error": "boom"},
                                     _res("tinygrad", "mlp", 1, 12.0)],
               ("sample", "teenygrad"): [_res("teenygrad", "sample", 0, 1.0)],
               ("sample", "torch"): [_res("torch", "sample", 0, 1.0)]}
    rows = bench_run.summarize(fws, [["mlp"], ["sample"]], results)
    mlp, sample = rows
    assert mlp["ratio_tinygrad"] == {"median": 3.0, "min": 3.0, "max": 3.0}
    assert mlp["ratio"]["median"] == pytest.approx(0.375)
    assert mlp["tinygrad"]["rounds"] == 1 and mlp["tinygrad"]["error"] == "boom"
    assert "n/a" in sample["tinygrad"] and "ratio_tinygrad" not in sample


def test_print_table_keeps_the_two_framework_header_and_adds_tinygrad_columns(capsys):
    row = {"workload": "sample", "teenygrad": {"median_s": 1e-3, "min_s": 1e-3, "max_s": 1e-3, "rounds": 1},
           "torch": {"median_s": 2e-3, "min_s": 2e-3, "max_s": 2e-3, "rounds": 1},
           "ratio": {"median": 0.5, "min": 0.5, "max": 0.5}, "tinygrad": {"n/a": "not written for tinygrad"}}
    bench_run.print_table([row], {})
    two = capsys.readouterr().out
    assert "tinygrad" not in two and two.splitlines()[1].endswith("ratio tg/torch")
    bench_run.print_table([row], {}, ["teenygrad", "torch", "tinygrad"])
    three = capsys.readouterr().out.splitlines()
    assert three[1].startswith(two.splitlines()[1]) and three[1].endswith("ratio tiny/torch")
    assert three[2].split()[-2:] == ["n/a", "-"]


def test_clang_stand_in_translates_tinygrads_arguments():
    argv = ["-c", "-x", "c", "-O2", "--target=x86_64-none-unknown-elf", "-march=native", "-", "-o", "-"]
    args, out = tinygrad_clang.translate(argv)
    assert out == "-"
    assert args == ["-c", "-x", "c", "-O2", "-target", "x86_64-freestanding-none", "-g0", "-march=native", "-"]
    assert tinygrad_clang.translate(["-c", "k.c", "-o", "k.o"]) == (["-c", "k.c"], "k.o")


def test_clang_stand_in_installs_only_when_needed(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setattr(tinygrad_clang, "_zig", lambda: None)
    assert tinygrad_clang.install() is None                        # no ziglang: nothing to offer
    monkeypatch.setattr(tinygrad_clang, "_zig", lambda: "/bin/true")
    monkeypatch.setenv("CC", "gcc")
    assert tinygrad_clang.install() is None                        # the user chose a compiler
    monkeypatch.delenv("CC")
    d = tinygrad_clang.install()
    wrapper = os.path.join(d, "clang")
    assert os.environ["PATH"].split(os.pathsep)[0] == d and os.access(wrapper, os.X_OK)
    assert sys.executable in open(wrapper).read()
    assert tinygrad_clang.install() is None                        # a clang is on PATH now
