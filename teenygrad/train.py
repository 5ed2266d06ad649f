"""Train the book's models: one loop for all of them, with evaluation, checkpoints and exact resume.

    from teenygrad.train import train
    train("mlp", out_dir="out/mlp", overrides={"max_iters": 30000})

Every eval_interval iterations the train and val losses are measured; when val improves, `best.ckpt` is
written (the model, its config, the tokenizer and the model name: what `sample` and `eval` need), and
`last.ckpt` always is (plus optimizer state, both random generators, the iteration and the loss history:
what `resume` needs). Both are written atomically and pickle-free by teenygrad.save, with a sha256 of their
weights and optimizer state and one of everything else (settings, tokenizer, history) that loading checks (a
flipped bit on disk is an error, not a silently different model). A resumed run draws the same batches, dropout
masks and learning rates as an uninterrupted one, so it logs the same losses.
"""
import dataclasses
import hashlib
import inspect
import json
import math
import pathlib
import shlex
import sys
import time

import numpy as np

import teenygrad
from teenygrad.models import get_spec

FORMAT = "teenygrad.train/1"
BEST, LAST = "best.ckpt", "last.ckpt"


class TrainError(ValueError):
    """Bad input the user can fix: the CLI prints the message alone, without a traceback."""


class TrainInterrupted(KeyboardInterrupt):
    """Ctrl-C during training: the message says which iteration last.ckpt holds and how to continue from it."""


def _print_flushed(*args):
    """print, flushed: stdout to a file or a pipe (`| tee train.log`) is block-buffered, and the evaluation lines
    would reach it only when the run ends."""
    print(*args, flush=True)


@dataclasses.dataclass
class TrainConfig:
    data: str = "names"
    max_iters: int = 5000
    batch_size: int = 32
    lr: float = 1e-3
    optimizer: str = "adamw"           # 'sgd' or 'adamw'
    weight_decay: float = 0.0          # AdamW: on matrices and embeddings only (nanoGPT's groups)
    beta1: float = 0.9
    beta2: float = 0.999
    momentum: float = 0.0              # SGD
    grad_clip: float = 0.0             # max global grad norm; 0 = off
    schedule: str = "constant"         # 'constant', 'step' (lr -> lr_drop_to after lr_drop_frac of
    lr_drop_frac: float = 0.5          #   max_iters, makemore) or 'cosine' (linear warmup, cosine decay
    lr_drop_to: float = 0.01           #   to min_lr at lr_decay_iters, nanoGPT)
    warmup_iters: int = 0
    lr_decay_iters: int | None = None  # None: max_iters
    lr_drop_iter: int | None = None    # 'step': the iteration of the drop; None: lr_drop_frac of max_iters
    min_lr: float = 0.0
    label_smoothing: float = 0.0       # classifiers: smoothed training targets (tasks.ClassifyTask)
    eval_interval: int = 500
    eval_iters: int | None = None      # batches per evaluation; None: the whole split
    seed: int = 1337
    device: str = "cpu"
    allow_tf32: bool = False           # cuda: true turns tf32 matmuls on for the run (nanoGPT's train.py does);
    #                                    false leaves the process's setting (TEENYGRAD_ALLOW_TF32, torch.backends)
    # 'numpy': batches from the trainer's own generator (np.random, seeded with seed), fixed evaluation batches.
    # 'nanogpt' (text only): batches and evaluation batches drawn as nanoGPT's train.py draws them, from teenygrad's
    # default generator (torch's numbers) in the same order, so a seed replays nanoGPT's run of that seed.
    sampling: str = "numpy"

    def validate(self):
        positive = ["max_iters", "batch_size", "eval_interval"]
        for name in positive:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise TrainError(f"{name} must be a positive integer, got {value!r}")
        if self.eval_iters is not None and (not isinstance(self.eval_iters, int) or self.eval_iters < 1):
            raise TrainError(f"eval_iters must be a positive integer (or omitted for the whole split), got {self.eval_iters!r}")
        for name in ["lr", "lr_drop_to"]:
            if not (isinstance(getattr(self, name), (int, float)) and math.isfinite(getattr(self, name))
                    and getattr(self, name) > 0):
                raise TrainError(f"{name} must be a positive number, got {getattr(self, name)!r}")
        for name in ["weight_decay", "momentum", "grad_clip", "min_lr", "warmup_iters"]:
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0):
                raise TrainError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        for name in ["beta1", "beta2", "lr_drop_frac", "label_smoothing"]:
            if not 0 <= getattr(self, name) < 1:
                raise TrainError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if self.optimizer not in ("sgd", "adamw"):
            raise TrainError(f"optimizer must be 'sgd' or 'adamw', got {self.optimizer!r}")
        if self.schedule not in ("constant", "step", "cosine"):
            raise TrainError(f"schedule must be 'constant', 'step' or 'cosine', got {self.schedule!r}")
        for name, least in [("lr_decay_iters", 1), ("lr_drop_iter", 0)]:    # a drop at 0: lr_drop_frac 0's
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < least):
                raise TrainError(f"{name} must be an integer >= {least}, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise TrainError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.seed >= 2**64:                                   # the generators take 64 bits
            raise TrainError(f"seed must be below 2**64, got {self.seed!r}")
        if not isinstance(self.allow_tf32, bool):
            raise TrainError(f"allow_tf32 must be true or false, got {self.allow_tf32!r}")
        if self.device not in ("cpu", "cuda"):
            raise TrainError(f"device must be 'cpu' or 'cuda', got {self.device!r}")
        if self.sampling not in ("numpy", "nanogpt"):
            raise TrainError(f"sampling must be 'numpy' or 'nanogpt', got {self.sampling!r}")


_OPTIONAL = {name for name, f in TrainConfig.__dataclass_fields__.items() if f.default is None}


def config_from_checkpoint(saved: dict) -> TrainConfig:
    """TrainConfig from a checkpoint; settings this version no longer has are dropped, missing ones default."""
    known = TrainConfig.__dataclass_fields__
    return TrainConfig(**{k: v for k, v in saved.items() if k in known})


def learning_rate(cfg: TrainConfig, it: int) -> float:
    """The learning rate of iteration `it`, a pure function of it (so resuming needs no scheduler state)."""
    if cfg.schedule == "step":
        drop = cfg.lr_drop_iter if cfg.lr_drop_iter is not None else cfg.lr_drop_frac * cfg.max_iters
        return cfg.lr if it < drop else cfg.lr_drop_to
    if cfg.schedule == "cosine":
        decay_iters = cfg.lr_decay_iters or cfg.max_iters
        if it < cfg.warmup_iters:
            return cfg.lr * (it + 1) / (cfg.warmup_iters + 1)
        if it > decay_iters:
            return cfg.min_lr
        ratio = (it - cfg.warmup_iters) / max(decay_iters - cfg.warmup_iters, 1)
        return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg.lr - cfg.min_lr)
    return cfg.lr


# ---------------------------------------------------------------- configuration

def _coerce(key, value, like):
    """CLI strings -> the type of the default (`like`); 'none' for the settings whose default is None."""
    if not isinstance(value, str):
        return value
    if value.lower() == "none" and key in _OPTIONAL:         # e.g. --eval-iters none: the whole split again, though
        return None                                          # a preset set a number
    try:
        if isinstance(like, bool):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if isinstance(like, int) or (like is None and value.lstrip("-").isdigit()):
            return int(value)
        if isinstance(like, float) or like is None:
            return float(value) if value.lower() not in ("none", "") else None
    except ValueError:
        raise TrainError(f"--{key.replace('_', '-')}: cannot read {value!r} as {type(like).__name__}") from None
    return value


def model_keys(spec):
    sig = inspect.signature(spec.model_class().__init__)
    return [n for n in sig.parameters if n not in ("self", "vocab_size", "n_features", "n_classes")]


def resolve_config(name: str, overrides: dict | None = None, preset: str | None = None):
    """(spec, model hyper-parameters, TrainConfig, keys the user set) for `name`, merging: the class
    defaults < the registry's defaults < the preset < `overrides` (e.g. from the command line)."""
    spec = get_spec(name)
    overrides = {k.replace("-", "_"): v for k, v in (overrides or {}).items()}
    preset = preset or spec.default_preset
    if preset is not None and preset not in spec.presets:
        known = ", ".join(spec.presets) or "none"
        raise TrainError(f"model {name} has no preset {preset!r} (presets: {known})")
    mkeys = model_keys(spec)
    sig = inspect.signature(spec.model_class().__init__)
    model = {k: sig.parameters[k].default for k in mkeys if sig.parameters[k].default is not inspect.Parameter.empty}
    train = dataclasses.asdict(TrainConfig())
    train["data"] = spec.data
    layers = [spec.model, spec.train, spec.presets.get(preset, {}), overrides]
    for layer in layers:
        for key, value in layer.items():
            if key in mkeys:
                model[key] = _coerce(key, value, model.get(key))
            elif key in train:
                train[key] = _coerce(key, value, TrainConfig.__dataclass_fields__[key].default
                                     if train[key] is None else train[key])
            else:
                known = sorted(set(mkeys) | set(train))
                raise TrainError(f"unknown hyper-parameter --{key.replace('_', '-')} for model {name} "
                                 f"(known: {', '.join('--' + k.replace('_', '-') for k in known)})")
    cfg = TrainConfig(**train)
    cfg.validate()
    if cfg.label_smoothing and spec.task != "classify":
        raise TrainError(f"label_smoothing is for the classifiers (xor, sentiment, logreg), not {name}")
    size_key = "n_features" if spec.task == "classify" else "vocab_size"
    try:                                      # a dry build with a stand-in vocabulary: bad sizes fail before
        with teenygrad.no_grad():             # any data is read or any file is written
            dry = spec.model_class()(**dict(model, **{size_key: 2}))
    except (TypeError, ValueError) as e:
        raise TrainError(_first_line(e)) from None
    if cfg.batch_size < 2 and any(isinstance(m, teenygrad.nn.BatchNorm1d) for m in dry.modules()):
        raise TrainError(f"batch_size 1 is too small for {name}: its BatchNorm layers need at least 2 examples "
                         f"per batch; pass --batch-size 2 or more")
    explicit = set(overrides) | set(spec.presets.get(preset, {}))
    return spec, model, cfg, explicit


def build_task(spec, model_hp: dict, cfg: TrainConfig, explicit: set, model=None, kind=None):
    """Load the data set, fix the data-dependent hyper-parameters (vocab_size, block_size for names,
    n_features), build the model (unless given) and return (task, model, hyper-parameters). `kind` ('words' or
    'text', as a checkpoint saved it) is read from the data when not given. Raises TrainError for data that cannot
    be used."""
    from teenygrad.models import tasks
    try:
        if spec.task == "classify":
            # sentiment features: 'words' or 'ngrams' (checkpoints older than the setting used words)
            task = tasks.ClassifyTask.load(cfg.data, cfg.device, features=model_hp.get("features", "words"))
            task.label_smoothing = cfg.label_smoothing
            hp = dict(model_hp, n_features=task.n_features)
            return task, model or spec.model_class()(**hp), hp
        kind = kind if kind in ("words", "text") else tasks.corpus_kind(cfg.data)
        splits, tok = tasks.load_corpus(cfg.data, kind)
    except (FileNotFoundError, KeyError, ValueError, UnicodeError, RuntimeError) as e:   # RuntimeError: a bad download
        raise TrainError(f"cannot load data {cfg.data!r}: {_first_line(e)}") from None
    hp = dict(model_hp, vocab_size=tok.vocab_size)
    if spec.task in ("sequence", "mlm") and kind == "words":
        need = tasks.SequenceTask.longest(splits) + 1
        if "block_size" not in explicit:
            hp["block_size"] = need                          # makemore: the longest name plus its start token
        elif hp["block_size"] < need:
            raise TrainError(f"block_size {hp['block_size']} is too short for the longest word in "
                             f"{cfg.data} (needs {need})")
    model = model or spec.model_class()(**hp)
    block = getattr(model, "block_size", 1)
    try:
        if spec.task == "window":
            task = tasks.WindowTask(splits, tok, block, cfg.device)
        elif spec.task == "sequence":
            task = tasks.SequenceTask(splits, tok, block, cfg.device)
        else:
            task = tasks.MaskedTask(splits, tok, block, model, cfg.device)
    except ValueError as e:
        raise TrainError(f"data {cfg.data!r}: {_first_line(e)}") from None
    task.corpus_kind = kind
    task.data_digest = hashlib.sha256(json.dumps(splits, sort_keys=True).encode()).hexdigest()
    return task, model, hp


def _first_line(e):
    text = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
    return text.strip().splitlines()[0] if text.strip() else type(e).__name__


# ---------------------------------------------------------------- optimizer

def make_optimizer(model, cfg: TrainConfig):
    params = [p for p in model.parameters() if p.requires_grad]
    if cfg.optimizer == "sgd":
        return teenygrad.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    decay = [p for p in params if p.ndim >= 2]           # nanoGPT: weight-decay matrices and embeddings,
    no_decay = [p for p in params if p.ndim < 2]         # not biases and norm gains
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return teenygrad.optim.AdamW([g for g in groups if g["params"]], lr=cfg.lr, betas=(cfg.beta1, cfg.beta2))


# ---------------------------------------------------------------- checkpoints

def state_digest(ckpt) -> str:
    """sha256 of the weights and optimizer state of a checkpoint (path, dtype, shape, bytes of each tensor). Saved
    beside them, it lets load_checkpoint refuse a file whose weights changed on disk: the file format checks its
    layout, not its bytes."""
    h = hashlib.sha256()

    def walk(obj, path):
        if isinstance(obj, dict):
            for key in sorted(obj, key=str):
                walk(obj[key], f"{path}/{key}")
        elif isinstance(obj, (list, tuple)):
            for i, value in enumerate(obj):
                walk(value, f"{path}/{i}")
        elif isinstance(obj, (teenygrad.Tensor, np.ndarray)):
            a = np.ascontiguousarray(obj.detach().cpu().numpy() if isinstance(obj, teenygrad.Tensor) else obj)
            h.update(f"{path}:{a.dtype}:{a.shape};".encode())
            h.update(a.tobytes())
    walk({key: ckpt[key] for key in ("model_state", "optimizer") if key in ckpt}, "")
    return h.hexdigest()


def settings_digest(ckpt) -> str:
    """sha256 of everything else in a checkpoint: settings, tokenizer, iteration, history, random states and the
    optimizer's numbers (its lr, ...). A changed byte there (a tokenizer character, an lr) is no format error."""
    def plain(obj, path):          # the JSON the file gives back: tuples as lists, numpy scalars as numbers
        if isinstance(obj, dict):
            return [[str(k), plain(obj[k], f"{path}/{k}")] for k in sorted(obj, key=str)]
        if isinstance(obj, (list, tuple)):
            if all(type(v) is str for v in obj):                              # a vocabulary: 20,000 words
                return list(obj)
            return [plain(v, f"{path}/{i}") for i, v in enumerate(obj)]
        if isinstance(obj, (teenygrad.Tensor, np.ndarray)):
            if path.startswith(("/model_state/", "/optimizer/")):           # state_digest has those
                return None
            a = np.ascontiguousarray(obj.detach().cpu().numpy() if isinstance(obj, teenygrad.Tensor) else obj)
            return [str(a.dtype), list(a.shape), hashlib.sha256(a.tobytes()).hexdigest()]
        return obj.item() if isinstance(obj, np.generic) else obj
    rest = {key: value for key, value in ckpt.items() if key not in ("digest", "settings_digest")}
    return hashlib.sha256(json.dumps(plain(rest, ""), default=repr).encode()).hexdigest()


def _save_checkpoint(ckpt, path):
    teenygrad.save(dict(ckpt, digest=state_digest(ckpt), settings_digest=settings_digest(ckpt)), str(path))


def checkpoint_path(out_dir, which=BEST):
    return pathlib.Path(out_dir) / which


def load_checkpoint(out_dir, which=BEST, model_name=None):
    """The checkpoint dict, checked; TrainError (one line) if missing, corrupt or of another model."""
    if pathlib.Path(out_dir).is_file():
        raise TrainError(f"--out-dir {out_dir} is a file, not a directory of checkpoints")
    path = checkpoint_path(out_dir, which)
    if which == BEST and not path.exists() and checkpoint_path(out_dir, LAST).exists():
        path = checkpoint_path(out_dir, LAST)
    if not path.exists():
        raise TrainError(f"no checkpoint at {path}; train one first: teenygrad train MODEL --out-dir {out_dir}")
    try:
        ckpt = teenygrad.load(str(path), map_location="cpu")   # a GPU run's checkpoint samples on a CPU too;
                                                                # the caller moves the model where it runs
    except Exception as e:   # CheckpointError, PickleRefusedError, OSError: all mean the same to the user
        raise TrainError(f"checkpoint {path} is unreadable: {_first_line(e)}") from None
    needed = {"format", "model", "model_config", "train_config", "model_state", "iter"}
    if (not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT or not needed <= set(ckpt)
            or not isinstance(ckpt["model_config"], dict) or not isinstance(ckpt["train_config"], dict)
            or type(ckpt["iter"]) is not int):
        raise TrainError(f"{path} is not a teenygrad training checkpoint (expected format {FORMAT})")
    if "digest" in ckpt and ckpt["digest"] != state_digest(ckpt):     # checkpoints before the digest have none
        raise TrainError(f"checkpoint {path} is corrupt: its weights no longer match the digest saved with them "
                         f"(if you changed them on purpose, delete its 'digest' entry)")
    if "settings_digest" in ckpt and ckpt["settings_digest"] != settings_digest(ckpt):   # none before this landing
        raise TrainError(f"checkpoint {path} is corrupt: its settings, tokenizer or history no longer match the "
                         f"digest saved with them (if you edited them on purpose, delete its 'settings_digest' entry)")
    if model_name is not None and ckpt["model"] != model_name:
        raise TrainError(f"{path} holds a {ckpt['model']!r} model, not {model_name!r}; use another --out-dir "
                         f"or train {ckpt['model']}")
    return ckpt


def tokenizer_from_dict(d):
    """The tokenizer (CharTokenizer), vocabulary (bag of words) or None a checkpoint was trained with."""
    from teenygrad import data as D
    if d is None:
        return None
    if isinstance(d, dict) and d.get("type") == "words":
        return D.Vocabulary.from_dict(d)
    if isinstance(d, dict) and d.get("type") == "ngrams":
        from teenygrad.data.datasets import NgramVocabulary
        return NgramVocabulary.from_dict(d)
    return D.CharTokenizer.from_dict(d)


def restore(ckpt, device="cpu", with_data=True):
    """(spec, model, task, cfg, tokenizer) rebuilt from a checkpoint; the model holds the saved weights.
    with_data=False skips loading the data set (task is None): sampling needs only the checkpoint."""
    spec = get_spec(ckpt["model"])
    try:
        cfg = config_from_checkpoint(ckpt["train_config"])
        model = spec.model_class()(**ckpt["model_config"])
        model.load_state_dict(ckpt["model_state"])
        tokenizer = tokenizer_from_dict(ckpt.get("tokenizer"))
        if spec.task != "classify" and tokenizer is None:
            raise ValueError("it holds no tokenizer")
    except (TypeError, KeyError, ValueError, RuntimeError) as e:
        raise TrainError(f"the checkpoint does not fit the {spec.name} model: {_first_line(e)}") from None
    cfg.device = device
    task = None
    if with_data:
        task, _, _ = build_task(spec, ckpt["model_config"], cfg, explicit={"block_size"}, model=model,
                                kind=ckpt.get("data_kind"))
        _check_same_vocabulary(task, ckpt, cfg)
    if device != "cpu":
        _check_cuda()
        model.to(device)
    return spec, model, task, cfg, tokenizer


def _check_same_vocabulary(task, ckpt, cfg):
    now = getattr(task, "tokenizer", None) or getattr(task, "vocabulary", None)
    if now is not None and now.to_dict() != ckpt.get("tokenizer"):
        raise TrainError(f"data {cfg.data!r} changed since training: its vocabulary differs from the checkpoint's")


def _rng_state(gen_state):
    return json.dumps(gen_state)                      # PCG64 states hold 128-bit ints: keep them exact as text


# ---------------------------------------------------------------- progress

class ProgressBar:
    """One stderr line, rewritten with '\r': iteration, loss, tokens/s, ETA. No dependencies. When stderr
    is not a terminal (a log file), it writes a plain line every 10 seconds instead, the first one 10 seconds in:
    a line after the first iteration (warm-up and compilation included) would log a rate and ETA far off."""

    def __init__(self, start, total, tokens_per_iter, stream=None):
        stream = sys.stderr if stream is None else stream    # looked up now: sys.stderr may be redirected after import
        self.start, self.total, self.tokens, self.stream = start, total, tokens_per_iter, stream
        self.t0, self.last, self.paused, self.width = time.perf_counter(), 0.0, 0.0, 0
        self.tty = stream.isatty()
        self.every = 0.2 if self.tty else 10.0
        if not self.tty:
            self.last = self.t0

    def pause(self):
        """Wipe the bar so log lines print on a clean line; returns the time the pause began."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0
        return time.perf_counter()

    def resume(self, since):
        self.paused += time.perf_counter() - since      # evaluation time is not training speed

    def update(self, it, loss, force=False):
        now = time.perf_counter()
        if not force and now - self.last < self.every:
            return
        self.last = now
        elapsed = max(now - self.t0 - self.paused, 1e-9)
        rate = (it - self.start) / elapsed
        eta = (self.total - it) / rate if rate > 0 else float("inf")
        eta_s = "--:--" if not math.isfinite(eta) else f"{int(eta // 60):02d}:{int(eta % 60):02d}"
        fill = 24 * it // self.total
        line = (f"{it:>7d}/{self.total} [{'#' * fill}{'.' * (24 - fill)}] loss {loss:.4f} | "
                f"{rate * self.tokens:,.0f} tok/s | ETA {eta_s}")
        if self.tty:
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self):
        if self.width:
            self.stream.write("\n")
            self.stream.flush()
        self.width = 0


def plot_losses(out_dir, history, evals, title, log=print):
    """loss.png beside the checkpoints, if matplotlib is installed (the optional 'plot' extra)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        # as `teenygrad env` says; `pip install teenygrad[plot]` outside an install of this checkout fetches PyPI's
        # unrelated project of that name
        log("loss curve: matplotlib is not installed, skipping loss.png (pip install matplotlib)")
        return None
    losses = np.asarray(history, dtype=np.float64)
    k = max(1, len(losses) // 200)                   # average runs of k iterations, as the lectures do
    n = len(losses) // k * k
    fig, ax = plt.subplots(figsize=(7, 4))
    if n:
        ax.plot(np.arange(n // k) * k + k / 2, losses[:n].reshape(-1, k).mean(1), label=f"train (mean of {k})")
    if evals:
        it, _, val = zip(*[(e[0], e[1], e[2]) for e in evals])
        ax.plot(it, val, "o-", label="val")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    path = pathlib.Path(out_dir) / "loss.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    log(f"loss curve: {path}")
    return path


# ---------------------------------------------------------------- the loop

def _run_summary(out_dir):
    """'iteration 3000 of 30000, best val 2.1753' for the run in out_dir (its last checkpoint, else its best)"""
    for which in (LAST, BEST):
        if checkpoint_path(out_dir, which).exists():
            try:
                ckpt = load_checkpoint(out_dir, which)
                return (f"iteration {ckpt['iter']} of {ckpt['train_config']['max_iters']}, "
                        f"best val {float(ckpt['best_val']):.4f}")
            except (TrainError, KeyError, TypeError, ValueError):
                pass
    return "its checkpoints could not be read"


def train(name: str, out_dir, overrides: dict | None = None, preset: str | None = None, resume: bool = False,
          log=_print_flushed, overwrite: bool = False):
    """Train model `name` into out_dir; returns {'best_val', 'iter', 'wall_s', 'history', 'evals'}. An out_dir that
    already holds a run is continued with resume=True, replaced with overwrite=True, and otherwise refused."""
    from .backend import cuda as cuda_backend
    saved = cuda_backend.tf32_setting()
    try:
        return _train(name, out_dir, overrides, preset, resume, log, overwrite)
    finally:
        cuda_backend.set_allow_tf32(saved)  # a run's allow_tf32 ends with it


def _keep_schedule(cfg: TrainConfig, saved_iters: int, log) -> None:
    """A resumed run with another --max-iters keeps the saved run's learning-rate schedule: its step drop and cosine
    decay stay at the iterations they had, and iterations past the decay run at min_lr (nanoGPT's lr_decay_iters),
    instead of the schedule stretching to the new length and the rate jumping back up mid-run."""
    if cfg.max_iters == saved_iters:
        return
    if cfg.schedule == "step" and cfg.lr_drop_iter is None:
        cfg.lr_drop_iter = math.ceil(cfg.lr_drop_frac * saved_iters)   # it < x  <=>  it < ceil(x), it an int
        log(f"resume: the learning rate still drops to {cfg.lr_drop_to:g} at iteration {cfg.lr_drop_iter} "
            f"(lr_drop_frac {cfg.lr_drop_frac:g} of the saved run's {saved_iters} iterations)")
    elif cfg.schedule == "cosine" and cfg.lr_decay_iters is None:
        cfg.lr_decay_iters = saved_iters
        log(f"resume: the cosine decay still ends at iteration {saved_iters}, the saved run's length; "
            f"later iterations run at min_lr {cfg.min_lr:g}")


def _train(name, out_dir, overrides, preset, resume, log, overwrite=False):
    out_dir = pathlib.Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise TrainError(f"--out-dir {out_dir} is a file, not a directory; choose another --out-dir")
    if resume and overwrite:
        raise TrainError("--resume continues the run in --out-dir and --overwrite replaces it: pass one of them")
    if resume:
        ckpt = load_checkpoint(out_dir, LAST, model_name=name)
        spec = get_spec(name)
        cfg = config_from_checkpoint(ckpt["train_config"])
        for key, value in (overrides or {}).items():         # only the run length and bookkeeping may change
            key = key.replace("-", "_")
            if key in ("max_iters", "eval_interval", "device"):
                setattr(cfg, key, _coerce(key, value, getattr(cfg, key)))
            elif key in ckpt["model_config"] and _coerce(key, value, ckpt["model_config"][key]) == ckpt["model_config"][key]:
                continue
            elif key in ckpt["train_config"] and _coerce(key, value, ckpt["train_config"][key]) == ckpt["train_config"][key]:
                continue
            else:
                raise TrainError(f"--resume continues the saved run; --{key.replace('_', '-')} cannot change "
                                 f"(only --max-iters, --eval-interval, --device)")
        cfg.validate()
        if ckpt["iter"] >= cfg.max_iters:
            raise TrainError(f"{out_dir / LAST} is already at iteration {ckpt['iter']} of {cfg.max_iters}; "
                             f"pass a larger --max-iters to train on")
        _keep_schedule(cfg, ckpt["train_config"]["max_iters"], log)   # lr_drop_frac cannot change on resume
        task, model, hp = build_task(spec, ckpt["model_config"], cfg, explicit={"block_size"},
                                     kind=ckpt.get("data_kind"))
        _check_same_vocabulary(task, ckpt, cfg)            # else the saved weights would not fit the model
        if ckpt.get("data_digest") not in (None, getattr(task, "data_digest", None)):   # same letters, other text
            raise TrainError(f"data {cfg.data!r} changed since {out_dir / LAST} was written, so --resume cannot "
                             f"continue the same run; put the data back or train afresh in another --out-dir")
    else:
        spec, model_hp, cfg, explicit = resolve_config(name, overrides, preset)
        for which in (LAST, BEST):                           # never overwrite another model's run
            if checkpoint_path(out_dir, which).exists():
                try:
                    other = load_checkpoint(out_dir, which)["model"]
                except TrainError:
                    other = None
                if other != name:
                    raise TrainError(f"{out_dir} already holds a checkpoint ({which}) of "
                                     f"{'an unreadable or foreign kind' if other is None else repr(other)}; "
                                     f"choose another --out-dir")
        teenygrad.manual_seed(cfg.seed)                      # the model's init draws come from here
        task, model, hp = build_task(spec, model_hp, cfg, explicit)
        if not overwrite and any(checkpoint_path(out_dir, w).exists() for w in (LAST, BEST)):  # after the input's
            raise TrainError(f"{out_dir} already holds a {name} run ({_run_summary(out_dir)}); pass --resume to "
                             f"continue it, --overwrite to train afresh over it, or choose another --out-dir")
    nanogpt = cfg.sampling == "nanogpt"
    if nanogpt and not (spec.task == "sequence" and getattr(task, "text", False)):
        if "sampling" in {k.replace("-", "_") for k in (overrides or {})}:  # asked for, not just a preset's
            raise TrainError(f"sampling 'nanogpt' draws nanoGPT's random text windows: it needs a sequence model "
                             f"(gpt, rnn, gru, lstm) on a text corpus, not {name} on {cfg.data}")
        cfg.sampling, nanogpt = "numpy", False               # a nanoGPT preset on words (names): the usual batches
    task.nanogpt = nanogpt
    if cfg.device == "cuda":
        _check_cuda()
        if cfg.allow_tf32:  # for this run: train() puts the previous setting back when it returns
            from .backend import cuda as cuda_backend
            cuda_backend.set_allow_tf32(True)
        model.to("cuda")
    optimizer = make_optimizer(model, cfg)
    data_rng = np.random.default_rng(cfg.seed)
    history, evals, best_val, start = [], [], float("inf"), 0
    saved_at = None  # the iteration last.ckpt of this run holds
    pending = None  # nanogpt sampling: the offsets of the next training batch, drawn ahead as nanoGPT does
    if resume:
        try:
            model.load_state_dict(ckpt["model_state"])
            optimizer.load_state_dict(ckpt["optimizer"])
            data_rng.bit_generator.state = json.loads(ckpt["rng"]["data"])
            state = ckpt["rng"]["teenygrad"]  # checkpoints before the uint8 state hold get_rng_state()'s dict as JSON
            teenygrad.set_rng_state(json.loads(state) if isinstance(state, str) else state)
            history = [float(v) for v in np.asarray(ckpt["history"]).tolist()]
            evals = [list(e) for e in ckpt["evals"]]
            best_val, start = float(ckpt["best_val"]), ckpt["iter"]
            saved_at = start
            if nanogpt:
                pending = np.asarray(ckpt["pending_batch"], dtype=np.int64)
        except (TypeError, KeyError, ValueError, RuntimeError) as e:   # a best.ckpt copied over, or edited
            why = f"it lacks {e.args[0]!r}" if isinstance(e, KeyError) else _first_line(e)
            raise TrainError(f"{out_dir / LAST} cannot be resumed: {why}") from None
        log(f"resuming {name} from {out_dir / LAST} at iteration {start} (best val {best_val:.4f})")
    tokenizer = getattr(task, "tokenizer", None) or task.vocabulary      # None for xor
    n_params = sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
    tf32 = " | cuda, tf32 matmuls" if cfg.device == "cuda" and cfg.allow_tf32 else ""
    log(f"{name}: {n_params:,} parameters | data {cfg.data} | {cfg.max_iters} iterations of batch {cfg.batch_size} | "
        f"{cfg.optimizer} lr {cfg.lr} ({cfg.schedule}){tf32}")

    def snapshot(it):
        return {"format": FORMAT, "model": name, "model_config": hp, "train_config": dataclasses.asdict(cfg),
                "tokenizer": None if tokenizer is None else tokenizer.to_dict(), "data_kind": getattr(task, "corpus_kind", spec.task),
                "data_digest": getattr(task, "data_digest", None), "iter": it, "best_val": best_val,
                "n_params": int(n_params),
                "model_state": model.state_dict()}

    def evaluate_and_save(it):
        nonlocal best_val, saved_at
        metrics = {s: task.evaluate(model, s, cfg.eval_iters, cfg.batch_size) for s in ("train", "val")}
        tr, va = metrics["train"]["loss"], metrics["val"]["loss"]
        evals.append([it, tr, va])
        improved = va < best_val
        extra = "".join(f", val {k} {v:.4f}" for k, v in metrics["val"].items() if k != "loss")
        if improved:
            best_val = va
            _save_checkpoint(dict(snapshot(it), val_metrics=metrics["val"]), checkpoint_path(out_dir, BEST))
        last = snapshot(it)
        last.update(optimizer=optimizer.state_dict(), history=np.asarray(history, dtype=np.float32),
                    evals=evals, rng={"data": _rng_state(data_rng.bit_generator.state),
                                      "teenygrad": teenygrad.get_rng_state()})
        if nanogpt:
            last["pending_batch"] = pending
        _save_checkpoint(last, checkpoint_path(out_dir, LAST))
        saved_at = it
        log(f"iter {it}: train loss {tr:.4f}, val loss {va:.4f}{extra}{' (best, saved)' if improved else ''}")

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TrainError(f"cannot create --out-dir {out_dir}: {e.strerror}") from None
    tokens = cfg.batch_size * (task.tokens_per_batch or 1)
    bar = ProgressBar(start, cfg.max_iters, tokens)
    t0 = time.perf_counter()
    model.train()
    loss_value = float("nan")
    try:
        for it in range(start, cfg.max_iters):
            if nanogpt and pending is None:
                pending = task.offsets("train", cfg.batch_size)  # nanoGPT fetches its first batch before evaluating
            if it % cfg.eval_interval == 0 and not (resume and it == start):
                paused = bar.pause()
                evaluate_and_save(it)
                bar.resume(paused)
            lr = learning_rate(cfg, it)
            for group in optimizer.param_groups:
                group["lr"] = lr
            x, y = task.batch_at("train", pending) if nanogpt else task.batch(cfg.batch_size, data_rng)
            loss = task.loss(model, x, y)
            if nanogpt:  # nanoGPT draws the next batch right after the forward (after its dropout draws)
                pending = task.offsets("train", cfg.batch_size)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip > 0:
                teenygrad.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            loss_value = float(loss.item())
            if not math.isfinite(loss_value):
                bar.close()
                raise TrainError(f"the loss became {loss_value} at iteration {it}; lower --lr (now {lr:g})")
            history.append(loss_value)
            bar.update(it + 1, loss_value)
        bar.update(cfg.max_iters, loss_value, force=True)
        bar.close()
        evaluate_and_save(cfg.max_iters)
    except KeyboardInterrupt:   # Ctrl-C: checkpoints are written atomically, so last.ckpt is whole
        bar.close()
        stop = f"interrupted at iteration {len(history)} of {cfg.max_iters}"
        if saved_at is None:
            raise TrainInterrupted(f"{stop}, before this run saved a checkpoint") from None
        raise TrainInterrupted(f"{stop}; {out_dir / LAST} holds iteration {saved_at}: continue with "
                               f"teenygrad train {name} --out-dir {shlex.quote(str(out_dir))} --resume") from None
    wall = time.perf_counter() - t0
    log(f"done in {wall:.1f}s: best val loss {best_val:.4f}; checkpoints in {out_dir}")
    plot_losses(out_dir, history, evals, f"{name} on {cfg.data}", log)
    return {"best_val": best_val, "iter": cfg.max_iters, "wall_s": wall, "history": history, "evals": evals}


def _check_cuda():
    try:
        from teenygrad.backend import cuda
        ok = cuda.is_available()
    except Exception:  # noqa: BLE001 - any import failure means the same thing here
        ok = False
    if not ok:
        raise TrainError("device cuda: no CUDA GPU with cupy is available here; use --device cpu")
