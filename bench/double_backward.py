"""Double backward (create_graph=True) speed: one WGAN-GP critic step, teenygrad against PyTorch in the same process
on the same weights and data, alternating rounds.

    python bench/double_backward.py [--rounds 5] [--reps 30] [--threads 2] [--realtime]

The critic is an MLP (64 -> 256 -> 256 -> 1, LeakyReLU 0.2), batch 64. A step: the critic on real and fake rows,
the gradient penalty ((|d D(x_hat) / d x_hat| - 1)^2 on random interpolates, its gradient taken with
create_graph=True), backward through all of it, Adam. The same step without the penalty (first order only) is timed
too, so the table shows what the second-order part costs in each framework. Prints medians over rounds and the
median of the per-round ratios teenygrad / torch."""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _side_by_side import parse, median_s  # noqa: E402



def _options(p):
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--reps", type=int, default=30)


ARGS = parse(__doc__, _options)

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import teenygrad as tg  # noqa: E402


def make(m, seed=0):
    """(step with penalty, step without) for framework m, all weights and data drawn in numpy."""
    rng = np.random.default_rng(seed)
    sizes = [(64, 256), (256, 256), (256, 1)]
    layers = []
    for i, o in sizes:
        lin = m.nn.Linear(i, o)
        with m.no_grad():
            lin.weight.copy_(m.tensor(rng.standard_normal((o, i)).astype(np.float32) / np.sqrt(i)))
            lin.bias.zero_()
        layers += [lin, m.nn.LeakyReLU(0.2)]
    critic = m.nn.Sequential(*layers[:-1])
    opt = m.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
    real = m.tensor(rng.standard_normal((64, 64)).astype(np.float32))
    fake = m.tensor(rng.standard_normal((64, 64)).astype(np.float32) + 1.0)
    alpha = m.tensor(rng.random((64, 1)).astype(np.float32))

    def step(penalty=True):
        loss = critic(fake).mean() - critic(real).mean()
        if penalty:
            x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            (g,) = m.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
            loss = loss + 10.0 * ((g.norm(2, dim=1) - 1) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def main():
    torch.set_num_threads(ARGS.threads)
    steps = {"tg": make(tg), "torch": make(torch)}
    rows = {(k, p): [] for k in steps for p in (True, False)}
    for r in range(ARGS.rounds):
        order = ["tg", "torch"] if r % 2 == 0 else ["torch", "tg"]
        for penalty in (True, False):
            for k in order:
                rows[(k, penalty)].append(1e3 * median_s(lambda: steps[k](penalty), ARGS.reps, warmup=1))
    print(f"WGAN-GP critic step, {ARGS.threads} threads, median of {ARGS.rounds} rounds x {ARGS.reps} steps")
    for penalty, what in ((True, "with gradient penalty (double backward)"), (False, "without (first order)")):
        a, b = rows[("tg", penalty)], rows[("torch", penalty)]
        ratio = statistics.median(x / y for x, y in zip(a, b))
        print(f"  {what:42s} teenygrad {statistics.median(a):7.3f} ms  torch {statistics.median(b):7.3f} ms  "
              f"ratio {ratio:.2f}x")


if __name__ == "__main__":
    main()
