"""F.grid_sample on 5-D input, forward + backward (input and grid gradients): the Tensor-op composition (the path
without numba), the GridSample3d kernels and PyTorch at 2 and 1 threads, alternating rounds in one process.
    python bench/grid_sample3d.py [N C D H W]        (default 2 4 16 16 16; SECS=6 sets the run length)"""
import os
import sys
import time

import numpy as np
import torch

import teenygrad as tg
from teenygrad.ops.grid import grid_sample_composite

shape = tuple(int(s) for s in (sys.argv[1:] or [2, 4, 16, 16, 16]))
rng = np.random.default_rng(0)
x = rng.standard_normal(shape).astype(np.float32)
g = rng.uniform(-1.1, 1.1, (shape[0], *shape[2:], 3)).astype(np.float32)
w = rng.standard_normal((shape[0], shape[1], *shape[2:])).astype(np.float32)
kw = dict(mode="bilinear", padding_mode="zeros", align_corners=False)

def run_tg(fn):
    a, b = tg.tensor(x, requires_grad=True), tg.tensor(g, requires_grad=True)
    (fn(a, b) * tg.tensor(w)).sum().backward()
    return a.grad, b.grad

def run_torch():
    a, b = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
    (torch.nn.functional.grid_sample(a, b, **kw) * torch.tensor(w)).sum().backward()
    return a.grad, b.grad

paths = {"composition": lambda: run_tg(lambda a, b: grid_sample_composite(a, b, *kw.values())),
         "kernels": lambda: run_tg(lambda a, b: tg.nn.functional.grid_sample(a, b, **kw)),
         "torch": run_torch, "torch_1thread": run_torch}
for f in paths.values():
    f()
times = {k: [] for k in paths}
t_end = time.perf_counter() + float(os.environ.get("SECS", "6"))
while time.perf_counter() < t_end:
    for k, f in paths.items():
        torch.set_num_threads(1 if k == "torch_1thread" else 2)
        t0 = time.perf_counter()
        f()
        times[k].append(time.perf_counter() - t0)
print(f"shape {shape}, torch threads {torch.get_num_threads()}, rounds {len(times['torch'])}")
for k, v in times.items():
    v = np.array(v) * 1e3
    print(f"  {k:12s} median {np.median(v):7.2f} ms  (q25 {np.percentile(v, 25):7.2f}, q75 {np.percentile(v, 75):7.2f})")
