"""Where a GPU training step's time goes: nanoGPT's GPU config (6 layers, 6 heads, 384 wide, block 256, batch 64)
on device='cuda', forward + backward + clip + AdamW, timed over 5 steps after 3 warm-ups (the first ones compile
and autotune), then 3 steps under cProfile, sorted by own time.

    python bench/gpu_step_profile.py [DROPOUT]      # default 0.0; 0.2 is the preset's (composite attention)
"""
import cProfile
import os
import pstats
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import teenygrad as tg  # noqa: E402
import teenygrad.nn.functional as F  # noqa: E402
from teenygrad.models.gpt import GPT  # noqa: E402


def main(dropout):
    tg.manual_seed(0)
    model = GPT(65, 256, 6, 6, 384, dropout=dropout, bias=False).to("cuda")
    opt = tg.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.99), weight_decay=0.1)
    xy = np.random.default_rng(0).integers(0, 65, (64, 257))

    def step():
        x, y = tg.tensor(xy[:, :-1], device="cuda"), tg.tensor(xy[:, 1:], device="cuda")
        loss = F.cross_entropy(model(x).view(-1, 65), y.view(-1))
        opt.zero_grad()
        loss.backward()
        tg.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return float(loss)  # waits for the GPU

    for _ in range(3):
        step()
    t = time.perf_counter()
    for _ in range(5):
        step()
    print(f"dropout {dropout}: {(time.perf_counter() - t) / 5 * 1e3:.1f} ms/step", flush=True)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(3):
        step()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0)
