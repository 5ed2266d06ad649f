"""tests/_torch_forkserver.py runs the oracle's programs as `python prog.py` would: output, exit status, cwd, argv,
sys.path, environment and a timeout, checked here against a real fresh interpreter."""
import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")
from _torch_forkserver import run_torch  # noqa: E402

PROGRAM = r'''
import os, sys, torch
print("argv", [os.path.basename(a) for a in sys.argv])
print("cwd", os.getcwd())
print("path0", sys.path[0])
print("env", os.environ.get("FORKSERVER_PROBE"))
print("main", __name__, os.path.basename(__file__))
torch.manual_seed(5)  # unseeded draws differ between fresh interpreters too (torch 2.13 seeds from the OS)
print("randn", torch.randn(3).tolist())
print("rand", torch.rand(2, generator=torch.Generator().manual_seed(1)).tolist())
print("threads", torch.get_num_threads())
print("to stderr", file=sys.stderr)
sys.exit(int(os.environ.get("FORKSERVER_EXIT", "0")))
'''


def _fresh(path, cwd, env):
    r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
    return r.returncode, r.stdout, r.stderr


@pytest.mark.parametrize("exit_code", ["0", "3"])
def test_a_forked_program_prints_what_a_fresh_interpreter_prints(tmp_path, exit_code):
    prog = tmp_path / "prog.py"
    prog.write_text(PROGRAM)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = dict(os.environ, FORKSERVER_PROBE="seen", FORKSERVER_EXIT=exit_code, OMP_NUM_THREADS="1")
    want = _fresh(prog, cwd, env)
    assert want[0] == int(exit_code) and "randn" in want[1], want
    for _ in range(2):  # the second run comes from the same server: nothing of the first may leak into it
        assert run_torch(prog, cwd, env, 120) == want


def test_an_exception_fails_with_its_traceback(tmp_path):
    prog = tmp_path / "bad.py"
    prog.write_text("import torch\nraise ValueError('no such thing')\n")
    code, out, err = run_torch(prog, tmp_path, dict(os.environ), 120)
    assert code == 1 and "ValueError: no such thing" in err and out == ""


def test_a_program_past_its_time_is_killed(tmp_path):
    prog = tmp_path / "slow.py"
    prog.write_text("import time\ntime.sleep(60)\n")
    with pytest.raises(subprocess.TimeoutExpired):
        run_torch(prog, tmp_path, dict(os.environ), 1)
    ok = tmp_path / "ok.py"
    ok.write_text("print('after')\n")
    assert run_torch(ok, tmp_path, dict(os.environ), 120) == (0, "after\n", "")  # the server still serves
