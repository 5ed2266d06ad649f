"""Run torch programs the way `python prog.py` would, without paying for `import torch` each time.

tests/test_tutorials.py and tests/test_torch_style.py run ~100 programs under real torch as the oracle. Each fresh
interpreter spent ~3 s of its ~5-8 s importing torch: about a third of the whole suite's CPU time. Here one server
process per test worker imports torch once, before any program runs, and forks a child for each program. The child
is a clean copy of a process that has only imported torch (no program has run in it, no thread has started, no
random number has been drawn), so what it prints is what a fresh interpreter prints.

    run_torch(path, cwd, env, timeout) -> (returncode, stdout, stderr)

env: the environment the program sees (the server itself starts with it, so import-time settings such as
OMP_NUM_THREADS take effect: programs that need different ones get a server of their own). If the server cannot
start (no torch), a plain subprocess runs the program instead, which fails the same way it always did."""
import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time

_SERVER_CODE = r'''
import json, os, runpy, sys, traceback
import torch  # noqa: F401  (the point of the server)
import torch.nn.functional  # noqa: F401
proto_in, proto_out = sys.stdin, os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nothing the server prints may reach the protocol pipe
for line in proto_in:
    req = json.loads(line)
    sys.stdout.flush(); sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: `python path` in req["cwd"] with req["env"]
        code = 1
        try:
            proto_in.close(); proto_out.close()
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(os.open(req["out"], os.O_WRONLY | os.O_TRUNC), 1)
            os.dup2(os.open(req["err"], os.O_WRONLY | os.O_TRUNC), 2)
            os.chdir(req["cwd"])
            os.environ.clear(); os.environ.update(req["env"])
            sys.argv = [req["path"]]
            sys.path[0] = os.path.dirname(req["path"])  # was '' (python -c): as `python path` sets it
            try:
                runpy.run_path(req["path"], run_name="__main__")
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
                if not isinstance(e.code, (int, type(None))):
                    print(e.code, file=sys.stderr)
            except BaseException:
                traceback.print_exc()
        finally:
            try:
                sys.stdout.flush(); sys.stderr.flush()
            finally:
                os._exit(code)
    proto_out.write(f"pid {pid}\n")
    _, status = os.waitpid(pid, 0)
    proto_out.write(f"rc {os.waitstatus_to_exitcode(status)}\n")
'''

_servers = {}  # frozen env -> Popen


def _server(env):
    key = tuple(sorted(env.items()))
    proc = _servers.get(key)
    if proc is None or proc.poll() is not None:
        proc = subprocess.Popen([sys.executable, "-c", _SERVER_CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                env=env, bufsize=0)
        proc.pending = b""  # what was read of the server's replies past the last full line
        _servers[key] = proc
    return proc


@atexit.register
def _stop_servers():
    for proc in _servers.values():
        if proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _read_line(proc, wait_s):
    """The server's next reply line within wait_s seconds ('' if it closed its end), or None."""
    deadline = time.monotonic() + wait_s
    while b"\n" not in proc.pending:
        ready, _, _ = select.select([proc.stdout], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            return None
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            return ""
        proc.pending += chunk
    line, proc.pending = proc.pending.split(b"\n", 1)
    return line.decode()


def run_torch(path, cwd, env, timeout):
    """(returncode, stdout, stderr) of `python path` run in cwd with env, forked from a server that imported torch.
    Raises subprocess.TimeoutExpired past timeout seconds, as subprocess.run does (the program is killed)."""
    path = os.path.abspath(path)
    with tempfile.TemporaryDirectory() as tmp:
        out, err = os.path.join(tmp, "out"), os.path.join(tmp, "err")
        for f in (out, err):
            open(f, "w").close()
        proc = _server(env)
        start = time.monotonic()
        try:
            proc.stdin.write((json.dumps({"path": path, "cwd": str(cwd), "env": env, "out": out, "err": err})
                              + "\n").encode())
            pid_line = _read_line(proc, timeout)
        except (BrokenPipeError, OSError):
            pid_line = None
        if not pid_line or not pid_line.startswith("pid "):  # the server died (torch missing?): run it plainly
            proc.kill()
            r = subprocess.run([sys.executable, path], capture_output=True, text=True, env=env, cwd=cwd,
                               timeout=timeout)
            return r.returncode, r.stdout, r.stderr
        rc_line = _read_line(proc, timeout - (time.monotonic() - start))
        if rc_line is None:
            os.kill(int(pid_line.split()[1]), signal.SIGKILL)
            _read_line(proc, 30)  # its rc line
            raise subprocess.TimeoutExpired([sys.executable, path], timeout)
        with open(out, encoding="utf-8", errors="replace") as f_out, \
                open(err, encoding="utf-8", errors="replace") as f_err:
            return int(rc_line.split()[1]), f_out.read(), f_err.read()
