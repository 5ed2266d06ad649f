"""`teenygrad env`: versions, BLAS kernels, threads, optional pieces and where each data set is read from; it never
downloads and exits 0."""
import os
import subprocess
import sys

import numpy as np
import pytest

from teenygrad import cli, env_info
from teenygrad.data import fetch


def _run(argv, capsys):
    rc = cli.main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def _rows(text):
    rows = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        rows.setdefault(key.strip(), value.strip())
    return rows


def test_env_reports_this_installation(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("TEENYGRAD_DATA", str(tmp_path))
    monkeypatch.setenv("TEENYGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TEENYGRAD_DATA_URL", "http://127.0.0.1:9/")   # a download attempt would fail loudly
    (tmp_path / "names.txt").write_text("emma\nolivia\n")
    rc, out, err = _run(["env", "--verify"], capsys)
    assert rc == 0 and err == ""
    rows = _rows(out)
    assert rows["numpy"].startswith(np.__version__)
    assert rows["cpu"].endswith(f"{len(os.sched_getaffinity(0))} usable")
    from teenygrad.backend import cpu
    assert rows["blas kernels"].split()[0] == (cpu.openblas_core() or "not")
    assert rows["data folder"] == str(tmp_path)
    assert rows["data names"].startswith(str(tmp_path / "names.txt"))
    assert "SHA256 MISMATCH" in rows["data names"]          # not the published file
    assert rows["data shakespeare"].startswith("not found: downloaded from https://")
    assert not (tmp_path / "cache").exists()                # nothing fetched, no cache folder made


def test_env_verifies_the_published_files(capsys, monkeypatch):
    data = os.environ.get("TEENYGRAD_DATA") or os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
    if not os.path.isfile(os.path.join(data, "names.txt")):
        pytest.skip("names.txt not available (set TEENYGRAD_DATA)")
    monkeypatch.setenv("TEENYGRAD_DATA", data)
    rc, out, _ = _run(["env", "--verify"], capsys)
    assert rc == 0 and _rows(out)["data names"].endswith("sha256 ok")


@pytest.mark.parametrize("core, env, avx512, warned", [
    ("Haswell", {"OPENBLAS_CORETYPE": "Haswell"}, True, True),
    ("Zen", {"OPENBLAS_CORETYPE": "Zen"}, True, True),
    ("Haswell", {"OPENBLAS_CORETYPE": "Haswell"}, False, False),   # an AVX2 CPU: Haswell is its best
    ("Haswell", {}, True, False),                                    # OpenBLAS's own choice: nothing to say
    ("SkylakeX", {"OPENBLAS_CORETYPE": "SkylakeX"}, True, False),
    (None, {"OPENBLAS_CORETYPE": "Haswell"}, True, False),           # not OpenBLAS
])
def test_blas_note(core, env, avx512, warned):
    note = env_info.blas_note(core, env, {"AVX512_SKX": avx512})
    assert (note is not None) == warned
    if warned:
        assert f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}" in note and "OPENBLAS_L2_SIZE" in note


def test_env_names_the_forced_kernels_in_a_fresh_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in env_info.BLAS_VARS}
    env.update(OPENBLAS_CORETYPE="Haswell", TEENYGRAD_CACHE=str(tmp_path))
    p = subprocess.run([sys.executable, "-m", "teenygrad", "env"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    rows = _rows(p.stdout)
    if rows["blas kernels"].startswith("not OpenBLAS"):
        pytest.skip("numpy here is not built on OpenBLAS")
    assert rows["blas kernels"] == "Haswell (set by OPENBLAS_CORETYPE=Haswell)"
    features = np._core._multiarray_umath.__cpu_features__
    assert ("note" in rows) == bool(features.get("AVX512_SKX"))


def test_env_refuses_unknown_options(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["env", "--bogus"])
    assert e.value.code == 2



def test_env_says_when_the_data_folder_does_not_exist(capsys, tmp_path, monkeypatch):
    # before: the folder was echoed as given and every data set read 'not found', with no reason for it
    monkeypatch.setenv("TEENYGRAD_DATA", str(tmp_path / "typo"))
    monkeypatch.setenv("TEENYGRAD_CACHE", str(tmp_path / "cache"))
    rc, out, _ = _run(["env"], capsys)
    assert rc == 0 and _rows(out)["data folder"] == f"{tmp_path / 'typo'} (no such folder)"
