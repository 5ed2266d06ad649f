"""The cases where teenygrad was furthest behind PyTorch at some realistic shape (the tenth landing's search over
~300 op x shape x layout cases), forward + backward, teenygrad against PyTorch in one process. bench/ops_sweep.py
times each op at one shape; this keeps watch on the shapes and layouts that once hid a pathology: a layout that
thrashes the cache, a fallback to np.add.at, a full sort for a top-k, a Python call per element.

    python bench/shapes_sweep.py [--threads 2] [--reps 10] [--only NAME,NAME] [--realtime]

Prints each case's times and the ratio teenygrad / torch, the largest first."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _side_by_side import parse, median_s, fwd_bwd  # noqa: E402


def _options(p):
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--only", default="", help="comma-separated case names (default: all)")


ARGS = parse(__doc__, _options)

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import teenygrad as tg  # noqa: E402

torch.set_num_threads(ARGS.threads)
_rng = np.random.default_rng(0)


def f32(*shape):
    return _rng.standard_normal(shape).astype(np.float32)


def ids(high, *shape):
    return _rng.integers(0, high, shape)


def F(m):
    return m.nn.functional


# name -> (numpy inputs (float ones require grad), fn(framework, *tensors) -> the output to backpropagate)
CASES = {
    "batch_norm1d (4096, 128)": ([f32(4096, 128)], lambda m, x: F(m).batch_norm(x, None, None, training=True)),
    "x.t().exp() (2048, 2048)": ([f32(2048, 2048)], lambda m, x: x.t().exp()),
    "x.t().contiguous() (4096, 4096)": ([f32(4096, 4096)], lambda m, x: x.t().contiguous()),
    "gelu(x.t()) (2048, 2048)": ([f32(2048, 2048)], lambda m, x: F(m).gelu(x.t())),
    "stack(x.unbind(1)) (4096, 64)": ([f32(4096, 64)], lambda m, x: m.stack([u * 1.0 for u in x.unbind(1)])),
    "depthwise conv2d (32, 128, 32, 32) 3x3": (
        [f32(32, 128, 32, 32), f32(128, 1, 3, 3)], lambda m, x, w: F(m).conv2d(x, w, padding=1, groups=128)),
    "x ** 3.0 (4096, 512)": ([f32(4096, 512)], lambda m, x: x ** 3.0),
    "remainder(1.5) (4096, 512)": ([f32(4096, 512)], lambda m, x: x.remainder(1.5)),
    "huber_loss (4096, 1024)": ([f32(4096, 1024), f32(4096, 1024)], lambda m, x, y: F(m).huber_loss(x, y)),
    "erf float64 (4096, 512)": ([f32(4096, 512).astype(np.float64)], lambda m, x: x.erf()),
    "einsum bhqd,bhkd (8, 8, 256, 64)": (
        [f32(8, 8, 256, 64), f32(8, 8, 256, 64)], lambda m, a, b: m.einsum("bhqd,bhkd->bhqk", a, b)),
    "matmul float16 (512, 512)": (
        [f32(512, 512).astype(np.float16), f32(512, 512).astype(np.float16)], lambda m, a, b: a @ b),
    "cdist (1024, 64) x2": ([f32(1024, 64), f32(1024, 64)], lambda m, a, b: m.cdist(a, b)),
    "group_norm (64, 64, 32, 32) g8": (
        [f32(64, 64, 32, 32), f32(64), f32(64)], lambda m, x, w, b: F(m).group_norm(x, 8, w, b)),
    "layer_norm float64 (4096, 512)": ([f32(4096, 512).astype(np.float64)], lambda m, x: F(m).layer_norm(x, (512,))),
    "hardswish (4096, 512)": ([f32(4096, 512)], lambda m, x: F(m).hardswish(x)),
    "index_add (512, 128) += 20000 rows": (
        [f32(512, 128), ids(512, 20000), f32(20000, 128)], lambda m, x, i, s: x.index_add(0, i, s)),
    "pad reflect (32, 64, 32, 32)": ([f32(32, 64, 32, 32)], lambda m, x: F(m).pad(x, (2, 2, 2, 2), mode="reflect")),
    "topk(5, 1) (4096, 1000)": ([f32(4096, 1000)], lambda m, x: x.topk(5, 1)[0]),
    "embedding_bag mean (4096, 8) of 50000": (
        [f32(50000, 128), ids(50000, 4096, 8)], lambda m, w, i: F(m).embedding_bag(i, w, mode="mean")),
    "cummax(1) (4096, 128)": ([f32(4096, 128)], lambda m, x: x.cummax(1)[0]),
    "median(1) (64, 8192)": ([f32(64, 8192)], lambda m, x: x.median(1)[0]),
    "one_hot (8192,) x 1000": ([ids(1000, 8192)], lambda m, i: F(m).one_hot(i, 1000)),
    "conv3d (4, 16, 16, 32, 32) 3x3x3": (
        [f32(4, 16, 16, 32, 32), 0.1 * f32(16, 16, 3, 3, 3)], lambda m, x, w: F(m).conv3d(x, w, padding=1)),
    "interpolate bilinear (16, 32, 64, 64) -> 100": (
        [f32(16, 32, 64, 64)],
        lambda m, x: F(m).interpolate(x, size=(100, 100), mode="bilinear", align_corners=True)),
    "grid_sample (16, 32, 64, 64)": (
        [f32(16, 32, 64, 64), (_rng.random((16, 64, 64, 2)) * 2 - 1).astype(np.float32)],
        lambda m, x, g: F(m).grid_sample(x, g, align_corners=False)),
    "adaptive_max_pool2d (32, 64, 32, 32) -> 4": ([f32(32, 64, 32, 32)], lambda m, x: F(m).adaptive_max_pool2d(x, 4)),
    "max_pool1d (32, 128, 1024) k3 s2": ([f32(32, 128, 1024)], lambda m, x: F(m).max_pool1d(x, 3, 2)),
    "log_softmax(1) (32, 256, 128)": ([f32(32, 256, 128)], lambda m, x: x.log_softmax(1)),
    "scatter_add (1024, 1024) along 1": (
        [f32(1024, 1024), ids(1024, 1024, 1024), f32(1024, 1024)], lambda m, x, i, s: x.scatter_add(1, i, s)),
}


def main():
    only = [n for n in ARGS.only.split(",") if n]
    rows = []
    for name, (arrays, fn) in CASES.items():
        if only and not any(o in name for o in only):
            continue
        ours, theirs = (1e3 * median_s(fwd_bwd(m, arrays, fn), ARGS.reps, warmup=2) for m in (tg, torch))
        rows.append((ours / theirs, name, ours, theirs))
    print(f"forward + backward, {ARGS.threads} threads, median of {ARGS.reps}; ratio teenygrad / torch, largest first")
    for ratio, name, ours, theirs in sorted(rows, reverse=True):
        print(f"  {name:40s} {ratio:6.2f}x   teenygrad {ours:9.2f} ms   torch {theirs:9.2f} ms")


if __name__ == "__main__":
    main()
