"""`teenygrad train gpt` on text samples as nanoGPT's train.py (sampling='nanogpt', the shakespeare presets'
default): the same seed gives nanoGPT's initial weights, its training batches and its evaluation batches, so the
losses it logs are the ones nanoGPT logs. The oracle is nanoGPT's loop written in torch (bench/gpt_torch_twin.py's
model) on the same data, with the trainer's own learning-rate function."""
import math
import pathlib
import sys

import numpy as np
import torch
import torch.nn.functional as F

import teenygrad
from teenygrad.cli import main
from teenygrad.models.tasks import SequenceTask, load_corpus
from teenygrad.train import TrainConfig, learning_rate

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "bench"))
from gpt_torch_twin import GPT as TorchGPT  # noqa: E402  (nanoGPT's model.py in torch)

TINY = dict(n_layer=1, n_head=2, n_embd=16, block_size=8, batch_size=4, eval_iters=2, max_iters=30,
            eval_interval=10, warmup_iters=5, lr_decay_iters=30, seed=7)


def _nanogpt_losses(text_file):
    """nanoGPT's train.py loop in torch for the TINY config: (iteration, train, val) at every evaluation."""
    cfg = TrainConfig(**{k: v for k, v in TINY.items() if k in TrainConfig.__dataclass_fields__},
                      lr=1e-3, min_lr=1e-4, beta2=0.99, schedule="cosine", weight_decay=0.1, grad_clip=1.0)
    splits, tok = load_corpus(str(text_file), "text")
    task = SequenceTask(splits, tok, TINY["block_size"])
    data = {s: torch.from_numpy(np.asarray(task.data[s], dtype=np.int64)) for s in ("train", "val")}
    b, t, v = TINY["batch_size"], TINY["block_size"], tok.vocab_size
    torch.manual_seed(TINY["seed"])
    model = TorchGPT(v, t, TINY["n_layer"], TINY["n_head"], TINY["n_embd"])
    opt = torch.optim.AdamW([{"params": [p for p in model.parameters() if p.dim() >= 2], "weight_decay": 0.1},
                             {"params": [p for p in model.parameters() if p.dim() < 2], "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.99))

    def get_batch(split):
        ix = torch.randint(len(data[split]) - t, (b,))
        return (torch.stack([data[split][i:i + t] for i in ix]), torch.stack([data[split][i + 1:i + 1 + t] for i in ix]))

    def loss_of(x, y):
        return F.cross_entropy(model(x).view(-1, v), y.view(-1))

    def estimate():
        model.eval()
        with torch.no_grad():
            out = [float(torch.tensor([loss_of(*get_batch(s)).item() for _ in range(TINY["eval_iters"])]).mean())
                   for s in ("train", "val")]
        model.train()
        return out

    logged = []
    x, y = get_batch("train")
    for it in range(TINY["max_iters"] + 1):
        if it % TINY["eval_interval"] == 0:
            logged.append((it, *estimate()))
        if it == TINY["max_iters"]:
            return logged
        for g in opt.param_groups:
            g["lr"] = learning_rate(cfg, it)
        loss = loss_of(x, y)
        x, y = get_batch("train")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)


def _args(text_file, out_dir, *extra):
    args = ["train", "gpt", "--data", str(text_file), "--out-dir", str(out_dir), "--lr", "1e-3", "--min-lr", "1e-4"]
    for k, v in TINY.items():
        args += [f"--{k.replace('_', '-')}", str(v)]
    return args + list(extra)


def test_trainer_logs_nanogpts_losses(text_file, tmp_path, capsys):
    assert main(_args(text_file, tmp_path / "run")) == 0
    ours = [line for line in capsys.readouterr().out.splitlines() if line.startswith("iter ")]
    ours = [(int(s.split()[1].rstrip(":")), float(s.split()[4].rstrip(",")), float(s.split()[7])) for s in ours]
    theirs = _nanogpt_losses(text_file)
    assert [r[0] for r in ours] == [r[0] for r in theirs] == [0, 10, 20, 30]
    for (it, tr, va), (_, ttr, tva) in zip(ours, theirs):
        # printed to 4 decimals; the two frameworks' float32 sums differ in the last bits
        assert math.isclose(tr, ttr, abs_tol=2e-4) and math.isclose(va, tva, abs_tol=2e-4), (it, tr, ttr, va, tva)
    assert ours[-1][2] < ours[0][2] - 0.1  # and it learned something


def test_numpy_sampling_draws_other_batches_and_nanogpt_needs_text(text_file, tmp_path, capsys):
    assert main(_args(text_file, tmp_path / "np", "--sampling", "numpy")) == 0
    numpy_run = [line for line in capsys.readouterr().out.splitlines() if line.startswith("iter 30:")]
    assert main(_args(text_file, tmp_path / "nano")) == 0
    nano_run = [line for line in capsys.readouterr().out.splitlines() if line.startswith("iter 30:")]
    assert numpy_run and nano_run and numpy_run != nano_run
    assert teenygrad.load(str(tmp_path / "np" / "last.ckpt"))["train_config"]["sampling"] == "numpy"
    words = tmp_path / "words.txt"
    words.write_text("\n".join(["anna", "bob", "carla", "dave"] * 50))
    code = main(["train", "gpt", "--data", str(words), "--sampling", "nanogpt", "--out-dir", str(tmp_path / "w")])
    assert code != 0 and "sampling 'nanogpt'" in capsys.readouterr().err
