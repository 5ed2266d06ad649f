"""Forward + backward of ~45 common ops, teenygrad against PyTorch in the same process: elementwise, reductions,
activations, losses, indexing, joins and batch_norm1d at (256, 512) float32, and conv2d / batch_norm / avg_pool2d /
nearest upsampling at (32, 16, 32, 32). Each op's output is backpropagated with ones. Prints the ops sorted by the ratio
teenygrad / torch, the largest first: where teenygrad is furthest behind.

    python bench/ops_sweep.py [--threads 2] [--reps 40] [--realtime]

PyTorch splits elementwise work over its threads (from 32k elements) where teenygrad's numpy and numba paths run
on one core, so ~2x on elementwise ops at 2 threads is that; more is something to fix."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _side_by_side import parse, median_s, fwd_bwd  # noqa: E402

ARGS = parse(__doc__, lambda p: p.add_argument("--reps", type=int, default=40))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import teenygrad as tg  # noqa: E402

torch.set_num_threads(ARGS.threads)
rng = np.random.default_rng(0)
X, Y = (rng.standard_normal((256, 512)).astype(np.float32) for _ in range(2))
ROWS = rng.integers(0, 256, (256,))
IMG = rng.standard_normal((32, 16, 32, 32)).astype(np.float32)
W3 = np.full((16, 16, 3, 3), 0.01, np.float32)

# name -> fn(framework, x, y): a (256, 512) output to backpropagate through
OPS = {
    "add": lambda m, x, y: x + y,
    "mul": lambda m, x, y: x * y,
    "div": lambda m, x, y: x / (y.abs() + 1),
    "pow2": lambda m, x, y: x ** 2,
    "exp": lambda m, x, y: x.exp(),
    "log": lambda m, x, y: (x.abs() + 1).log(),
    "sqrt": lambda m, x, y: (x.abs() + 1).sqrt(),
    "abs": lambda m, x, y: x.abs(),
    "clamp": lambda m, x, y: x.clamp(-0.5, 0.5),
    "where": lambda m, x, y: m.where(x > 0, x, y),
    "tanh": lambda m, x, y: x.tanh(),
    "sigmoid": lambda m, x, y: x.sigmoid(),
    "relu": lambda m, x, y: x.relu(),
    "gelu": lambda m, x, y: m.nn.functional.gelu(x),
    "silu": lambda m, x, y: m.nn.functional.silu(x),
    "leaky_relu": lambda m, x, y: m.nn.functional.leaky_relu(x, 0.1),
    "elu": lambda m, x, y: m.nn.functional.elu(x),
    "softplus": lambda m, x, y: m.nn.functional.softplus(x),
    "sum0": lambda m, x, y: x.sum(0),
    "sum1": lambda m, x, y: x.sum(1),
    "mean": lambda m, x, y: x.mean(),
    "var": lambda m, x, y: x.var(1),
    "max1": lambda m, x, y: x.max(1).values,
    "amax": lambda m, x, y: x.amax(1),
    "norm": lambda m, x, y: x.norm(dim=1),
    "cumsum": lambda m, x, y: x.cumsum(1),
    "logsumexp": lambda m, x, y: x.logsumexp(1),
    "softmax": lambda m, x, y: x.softmax(1),
    "log_softmax": lambda m, x, y: x.log_softmax(1),
    "layer_norm": lambda m, x, y: m.nn.functional.layer_norm(x, (512,)),
    "batch_norm1d": lambda m, x, y: m.nn.functional.batch_norm(x, None, None, training=True),  # (n, c): makemore's
    "mse": lambda m, x, y: m.nn.functional.mse_loss(x, y),
    "cross_entropy": lambda m, x, y: m.nn.functional.cross_entropy(x, m.tensor(ROWS)),
    "nll_log_softmax": lambda m, x, y: m.nn.functional.nll_loss(x.log_softmax(1), m.tensor(ROWS)),
    "bce_logits": lambda m, x, y: m.nn.functional.binary_cross_entropy_with_logits(x, y.sigmoid()),
    "dropout_eval": lambda m, x, y: m.nn.functional.dropout(x, 0.1, training=False),
    "matmul": lambda m, x, y: x @ y.t(),
    "transpose_contiguous": lambda m, x, y: x.t().contiguous(),
    "slice": lambda m, x, y: x[:, ::2],
    "index_rows": lambda m, x, y: x[m.tensor(ROWS)],
    "cat": lambda m, x, y: m.cat([x, y], 1),
    "stack": lambda m, x, y: m.stack([x, y]),
}
# name -> fn(framework, x) on the (32, 16, 32, 32) image batch
IMAGE_OPS = {
    "conv2d": lambda m, x: m.nn.functional.conv2d(x, m.tensor(W3), padding=1),
    "batch_norm2d": lambda m, x: m.nn.functional.batch_norm(x, None, None, training=True),
    "avg_pool2d": lambda m, x: m.nn.functional.avg_pool2d(x, 2),
    "upsample_nearest": lambda m, x: m.nn.functional.interpolate(x, scale_factor=2, mode="nearest"),
}


def step(m, name):
    """One forward + backward of op `name` in framework m, as a closure."""
    if name in IMAGE_OPS:
        return fwd_bwd(m, [IMG], IMAGE_OPS[name])
    return fwd_bwd(m, [X, Y], OPS[name])


def main():
    rows = []
    for name in list(OPS) + list(IMAGE_OPS):
        ours, theirs = (1e6 * median_s(step(m, name), ARGS.reps) for m in (tg, torch))
        rows.append((ours / theirs, name, ours, theirs))
    print(f"forward + backward, {ARGS.threads} threads, median of {ARGS.reps}; ratio teenygrad / torch, largest first")
    for ratio, name, ours, theirs in sorted(rows, reverse=True):
        print(f"  {name:22s} {ratio:5.2f}x   teenygrad {ours:9.1f} us   torch {theirs:9.1f} us")


if __name__ == "__main__":
    main()
