"""Run each torch-style script (tests/torch_style/*.py, written purely against PyTorch's API) under torch
and under teenygrad, and compare what they print, line by line.

Numbers must agree to RTOL = 1e-4 (ATOL = 1e-5 for values near 0). Why not tighter: both frameworks compute
in float32 but sum in different orders (BLAS blocking, reduction trees), which perturbs the 7th digit of each
step; 20-50 optimizer steps carry that into the 5th-6th digit of the losses. A wrong gradient, update or
schedule moves the 1st-3rd digit within a step or two. Every other token (shapes, dtypes, names, sampled
text, booleans) must match exactly."""
import os
import pathlib
import subprocess
import sys
import pytest

from _torch_forkserver import run_torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (ROOT / "tests" / "torch_style").glob("*.py") if not p.name.startswith("_"))
RTOL, ATOL = 1e-4, 1e-5
DATA = os.environ.get("TEENYGRAD_DATA", "/work/shared/data")
NEEDS = {"makemore_mlp": "names.txt", "makemore_batchnorm": "names.txt", "backprop_ninja": "names.txt",
         "makemore_wavenet": "names.txt", "train_boilerplate": "names.txt",
         "nanogpt": "tinyshakespeare.txt"}  # the real data a script reads


def _run(script, framework):
    env = dict(os.environ, FRAMEWORK=framework, TEENYGRAD_DATA=DATA, OMP_NUM_THREADS="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if framework == "torch":  # forked from a process that has imported torch (tests/_torch_forkserver.py)
        code, stdout, stderr = run_torch(script, ROOT, env, 600)
    else:
        r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600,
                           cwd=str(ROOT))
        code, stdout, stderr = r.returncode, r.stdout, r.stderr
    assert code == 0, f"{script.name} failed under {framework}:\n{stdout[-2000:]}\n{stderr[-4000:]}"
    return stdout.splitlines()


def _number(tok):
    try:
        return float(tok)
    except ValueError:
        return None


def _compare(script, want, got):
    assert len(want) == len(got), (f"{script}: torch printed {len(want)} lines, teenygrad {len(got)}\n"
                                   f"torch tail: {want[-3:]}\nteenygrad tail: {got[-3:]}")
    worst = 0.0
    for i, (a, b) in enumerate(zip(want, got)):
        ta, tb = a.split(), b.split()
        assert len(ta) == len(tb), f"{script} line {i}:\n torch:     {a}\n teenygrad: {b}"
        for x, y in zip(ta, tb):
            fx, fy = _number(x), _number(y)
            if fx is None or fy is None:
                assert x == y, f"{script} line {i}: {x!r} != {y!r}\n torch:     {a}\n teenygrad: {b}"
                continue
            err = abs(fx - fy)
            assert err <= ATOL + RTOL * abs(fx), f"{script} line {i}: {fx} vs {fy}\n torch:     {a}\n teenygrad: {b}"
            worst = max(worst, err / (abs(fx) + 1e-12))
    return worst


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_script_prints_the_same_under_both_frameworks(script):
    need = NEEDS.get(script.stem)
    if need and not os.path.isfile(os.path.join(DATA, need)):  # as the other data tests: skip, saying why
        pytest.skip(f"{need} not found in TEENYGRAD_DATA={DATA}")
    want = _run(script, "torch")
    assert sum(line.startswith("loss ") for line in want) >= 15, "the script must report its training losses"
    got = _run(script, "teenygrad")
    worst = _compare(script.name, want, got)
    print(f"{script.name}: {len(want)} lines agree, worst relative difference {worst:.2e}")
