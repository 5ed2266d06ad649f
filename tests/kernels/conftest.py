"""Kernel tests run Triton's CPU interpreter on numpy memory: no GPU needed.

The interpreter is chosen when triton decorates a kernel, so these variables must be set before any
teenygrad.kernels module is imported. TRITON_DEFAULT_BACKEND=nvidia keeps triton from probing for an
AMD driver (which imports torch). Every float array np.empty returns during a test is NaN-filled, so
an output element a kernel forgets to write fails the comparison instead of passing by luck.
Each test module starts with pytest.importorskip("triton"), so without triton the folder skips cleanly
(a skip raised here, in a conftest, would be an error when the folder is named on the command line).
"""
import os

os.environ["TRITON_INTERPRET"] = "1"
os.environ["TRITON_DEFAULT_BACKEND"] = "nvidia"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

_real_empty = np.empty


def _poisoned_empty(shape, dtype=float, *args, **kwargs):
    out = _real_empty(shape, dtype, *args, **kwargs)
    if out.dtype.kind == "f" or out.dtype.name == "bfloat16":
        out[...] = np.nan
    return out


@pytest.fixture(autouse=True)
def poison_outputs(monkeypatch):
    monkeypatch.setattr(np, "empty", _poisoned_empty)


@pytest.fixture
def rng():
    """Fresh random inputs each run; the seed is printed so a failure can be replayed."""
    seed = int(np.random.SeedSequence().entropy % 2**32)
    print(f"rng seed: {seed}")
    return np.random.default_rng(seed)
