"""numpy's floating-point RuntimeWarnings ('overflow encountered in cast', 'invalid value encountered in power') from
teenygrad's own numpy calls: torch returns inf / nan without a warning, so teenygrad must not print numpy's. numpy
used directly keeps its warnings, and teenygrad's own RuntimeWarnings (kl_divergence's) still reach the user.

Run in a fresh interpreter, as a script or notebook runs: the filter is installed when teenygrad is imported, and
pytest imports test modules inside a warnings.catch_warnings() block that drops it again."""
import json
import os
import subprocess
import sys

import numpy as np
import torch

CASES = {  # each overflows or is invalid somewhere in numpy when computed by teenygrad
    "half() past 65504": "L.tensor([1e6, 1.0]).half()",
    "to(float16)": "L.tensor([1e6, 1.0]).to(L.float16)",
    "tensor(dtype=float16)": "L.tensor([1e6, 1.0], dtype=L.float16)",
    "float16 * number": "L.tensor([60000.0, 1.0], dtype=L.float16) * 2",
    "float16 + float16": "L.tensor([60000.0, 1.0], dtype=L.float16) + L.tensor([60000.0, 1.0], dtype=L.float16)",
    "float32 * number": "L.tensor([3e38, 1.0]) * 10",
    "float64 -> float32": "L.tensor([1e300, 1.0], dtype=L.float64).float()",
    "negative ** 0.5": "L.tensor([-2.0, 4.0]) ** 0.5",
    "long() of nan": "L.tensor([float('nan'), 1.0]).long()[1:]",
    "int() past int32": "L.tensor([1e10, 1.0]).int()[1:]",
}

SCRIPT = """
import json, sys, warnings
import teenygrad as L
out = {name: L.tensor(eval(expr)).float().tolist() for name, expr in json.loads(sys.argv[1]).items()}
import numpy as np
np.array([3e38], np.float32) * np.float32(10)           # numpy's own warning: still printed
warnings.warn_explicit("kl: an own warning", RuntimeWarning, "kl.py", 1, module="teenygrad.distributions.kl")
print(json.dumps(out))
"""


def test_no_numpy_warning_where_torch_is_silent():
    env = dict(os.environ, PYTHONWARNINGS="")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(CASES)], capture_output=True, text=True, env=env,
                       cwd=root, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "Warning" in ln]
    assert len(lines) == 2 and "overflow encountered in multiply" in lines[0] and "kl: an own warning" in lines[1], \
        r.stderr
    got = json.loads(r.stdout)
    for name, expr in CASES.items():
        want = eval(expr, {"L": torch}).float().numpy()
        np.testing.assert_array_equal(np.array(got[name], np.float32), want, err_msg=name)
