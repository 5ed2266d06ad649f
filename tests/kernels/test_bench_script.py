"""bench/gpu.py --interpret runs its whole pipeline (checks, GEMM table, fused timings, JSON) on the CPU."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("triton")


def test_bench_gpu_interpret_mode_passes_its_checks(tmp_path):
    bench = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "gpu.py")
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, bench, "--interpret", "--json", str(out)], capture_output=True,
                          text=True, timeout=170)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    results = json.loads(out.read_text())
    assert results["interpret"] and results["checks"] and all(c["ok"] for c in results["checks"])
    rungs = {(r["rung"], r["dtype"]) for r in results["gemm"]}
    assert {("cublas", "fp32"), ("naive", "fp32"), ("hopper", "bf16"), ("tensorcore", "tf32")} <= rungs
    assert {r["op"] for r in results["fused"]} >= {"softmax fwd", "attention fwd causal", "adamw step"}
    assert "skipped: needs teenygrad cuda training path" in proc.stdout
