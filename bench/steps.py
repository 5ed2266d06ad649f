"""Training steps of small models beside bench/run.py's MLP and GPT, teenygrad against PyTorch in the same process,
alternating rounds:
- rnn, gru, lstm: Embedding(27, 32) -> RNN / GRU / LSTM(32 -> 128, batch_first) -> Linear(128, 27), cross-entropy
  over a (32, 16) batch of ids, AdamW (the models of `teenygrad train rnn|gru|lstm` at their default widths);
- lenet: LeNet-5 on a (64, 1, 28, 28) batch (conv 5x5 -> relu -> max pool, twice; 400 -> 120 -> 84 -> 10), SGD
  with momentum: what an MNIST tutorial trains;
- mlpbn: makemore part 3's deeper MLP (embedding 10 over 3 characters, five Linear(100, bias=False) -> BatchNorm1d
  -> Tanh, then Linear -> BatchNorm1d), batch 32, manual SGD;
- wavenet: makemore part 5's hierarchical model (embedding 24 over 8 characters, three FlattenConsecutive(2) ->
  Linear(128, bias=False) -> BatchNorm over the last dim -> Tanh), batch 32, manual SGD.

    python bench/steps.py [--only lstm,lenet] [--rounds 3] [--reps 100] [--threads 2] [--realtime]

Prints the median step time of each (over rounds of `reps`-step medians) and the ratio teenygrad / torch."""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _side_by_side import parse, median_s  # noqa: E402



def _options(p):
    p.add_argument("--only", default="rnn,gru,lstm,lenet,mlpbn,wavenet", help="comma-separated workloads")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=100)


ARGS = parse(__doc__, _options)

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import teenygrad as tg  # noqa: E402


def make_lenet(m):
    m.manual_seed(0)
    nn = m.nn
    net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                        nn.Linear(84, 10))
    opt = m.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x, y = m.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32)), m.tensor(rng.integers(0, 10, 64))

    def step():
        loss = m.nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def _init_like_numpy(m, params, seed):
    """The same starting values in both frameworks: N(0, 0.1) drawn in numpy, parameter by parameter."""
    rng = np.random.default_rng(seed)
    with m.no_grad():
        for p in params:
            p.copy_(m.from_numpy((0.1 * rng.standard_normal(tuple(p.shape))).astype(np.float32)))


def _sgd_step(m, forward, params, lr=0.1):
    """The lectures' loop: loss, grads set to None, backward, p.data += -lr * p.grad."""
    def step():
        loss = forward()
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data += -lr * p.grad
    return step


def make_mlpbn(m):
    nn = m.nn
    layers, d = [], 30
    for _ in range(5):
        layers += [nn.Linear(d, 100, bias=False), nn.BatchNorm1d(100), nn.Tanh()]
        d = 100
    net, emb = nn.Sequential(*layers, nn.Linear(100, 27, bias=False), nn.BatchNorm1d(27)), nn.Embedding(27, 10)
    params = list(emb.parameters()) + list(net.parameters())
    _init_like_numpy(m, params, 1)
    rng = np.random.default_rng(0)
    x, y = m.tensor(rng.integers(0, 27, (32, 3))), m.tensor(rng.integers(0, 27, 32))
    return _sgd_step(m, lambda: m.nn.functional.cross_entropy(net(emb(x).view(32, -1)), y), params)


def make_wavenet(m):
    nn = m.nn

    class FlattenConsecutive(nn.Module):
        def forward(self, x):
            b, t, c = x.shape
            x = x.view(b, t // 2, c * 2)
            return x.squeeze(1) if x.shape[1] == 1 else x

    class BatchNormLastDim(nn.BatchNorm1d):
        def forward(self, x):
            return super().forward(x) if x.ndim == 2 else super().forward(x.reshape(-1, x.shape[-1])).view(x.shape)

    layers, d = [nn.Embedding(27, 24)], 24
    for _ in range(3):
        layers += [FlattenConsecutive(), nn.Linear(2 * d, 128, bias=False), BatchNormLastDim(128), nn.Tanh()]
        d = 128
    net = nn.Sequential(*layers, nn.Linear(128, 27))
    params = list(net.parameters())
    _init_like_numpy(m, params, 1)
    rng = np.random.default_rng(0)
    x, y = m.tensor(rng.integers(0, 27, (32, 8))), m.tensor(rng.integers(0, 27, 32))
    return _sgd_step(m, lambda: m.nn.functional.cross_entropy(net(x), y), params)


def make(m, cell):
    if cell in ("LENET", "MLPBN", "WAVENET"):
        return {"LENET": make_lenet, "MLPBN": make_mlpbn, "WAVENET": make_wavenet}[cell](m)
    m.manual_seed(0)
    emb, rnn, head = m.nn.Embedding(27, 32), getattr(m.nn, cell)(32, 128, batch_first=True), m.nn.Linear(128, 27)
    opt = m.optim.AdamW(list(emb.parameters()) + list(rnn.parameters()) + list(head.parameters()), lr=1e-3)
    rng = np.random.default_rng(0)
    x, y = m.tensor(rng.integers(0, 27, (32, 16))), m.tensor(rng.integers(0, 27, (32, 16)))

    def step():
        out, _ = rnn(emb(x))
        loss = m.nn.functional.cross_entropy(head(out).reshape(-1, 27), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def main():
    torch.set_num_threads(ARGS.threads)
    print(f"training steps, {ARGS.threads} threads, median of {ARGS.rounds} rounds x {ARGS.reps} steps")
    for cell in ARGS.only.upper().split(","):
        ours, theirs = make(tg, cell), make(torch, cell)
        a, b = [], []
        for r in range(ARGS.rounds):
            for side in ((ours, a), (theirs, b)) if r % 2 == 0 else ((theirs, b), (ours, a)):
                side[1].append(1e3 * median_s(side[0], ARGS.reps, warmup=10))
        ratio = statistics.median(x / y for x, y in zip(a, b))
        print(f"  {cell:7s} teenygrad {statistics.median(a):6.3f} ms  torch {statistics.median(b):6.3f} ms  "
              f"ratio {ratio:.2f}x")


if __name__ == "__main__":
    main()
