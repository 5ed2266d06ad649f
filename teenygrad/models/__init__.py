"""The book's models, each in one readable file, and a registry that the trainer and CLI build them from.

    bigram.py       counts-as-a-network: a (v, v) table of next-character logits
    mlp.py          Bengio et al. 2003, as in makemore part 2/3
    cnn.py          the WaveNet-style hierarchical model of makemore part 5
    rnn.py          RNN, GRU and LSTM language models
    gpt.py          nanoGPT: pre-LN decoder with causal self-attention and a KV-cached generate()
    bert.py         a bidirectional encoder trained as a masked language model
    classifiers.py  XOR network, n-gram sentiment network and its logistic-regression baseline
    gpt2.py         GPT-2 inference from Hugging Face weights (`teenygrad sample --gpt2 DIR`)

    tasks.py        what each model trains on and how its loss is measured (used by teenygrad/train.py)
    sampling.py     names, text continuations, BERT's fill-in and classifier demos for `teenygrad sample`

Each registry entry names the model's class, the kind of training task it needs, its default data set, and
the default hyper-parameters (`model`) and training settings (`train`) that reproduce the anchors' runs.
Presets are named overrides of both (`teenygrad train gpt --preset shakespeare-gpu`).
Modules load lazily, so importing this package is cheap.
"""
import importlib
from dataclasses import dataclass, field

__all__ = ["REGISTRY", "ModelSpec", "get_spec", "build_model"]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    module: str             # file inside teenygrad/models
    cls: str                # class name in that file
    task: str               # 'window' (context -> next char), 'sequence' (next char at every position),
                            # 'mlm' (masked characters), 'classify' (labels)
    data: str               # default data set
    model: dict             # constructor keyword arguments (vocab_size and block_size come from the data)
    train: dict             # TrainConfig overrides
    presets: dict = field(default_factory=dict)   # name -> {key: value}, model or train keys
    default_preset: str | None = None
    about: str = ""

    def model_class(self):
        return getattr(importlib.import_module(f".{self.module}", __name__), self.cls)


_SGD_NAMES = dict(optimizer="sgd", batch_size=32, eval_interval=10_000)
_SEQ_TRAIN = dict(optimizer="adamw", lr=5e-3, weight_decay=0.01, batch_size=32, max_iters=5000,
                  eval_interval=500, eval_iters=100, warmup_iters=100, schedule="cosine", min_lr=5e-4, grad_clip=1.0)

# nanoGPT's config/train_shakespeare_char.py (+ train.py defaults: bias False, weight decay 0.1,
# beta1 0.9, grad clip 1.0, min_lr 1e-4, cosine decay after 100 warmup iterations), and the README's
# CPU command on top of it: block 64, batch 12, 4 layers/heads, 128 wide, 2000 iters, dropout 0, eval_iters 20.
# Both draw their batches as nanoGPT (sampling='nanogpt'), so `--seed 1337` replays nanoGPT's own run.
_GPT_GPU = dict(block_size=256, batch_size=64, n_layer=6, n_head=6, n_embd=384, dropout=0.2, lr=1e-3,
                max_iters=5000, lr_decay_iters=5000, min_lr=1e-4, beta2=0.99, warmup_iters=100, eval_iters=200,
                eval_interval=250, sampling="nanogpt", allow_tf32=True)
_GPT_CPU = dict(_GPT_GPU, block_size=64, batch_size=12, n_layer=4, n_head=4, n_embd=128, dropout=0.0,
                max_iters=2000, lr_decay_iters=2000, eval_iters=20)
_GPT_TRAIN = dict(optimizer="adamw", schedule="cosine", weight_decay=0.1, beta1=0.9, grad_clip=1.0)
# makemore.py's transformer on names: 4 layers, 4 heads, 64 wide, AdamW 5e-4, weight decay 0.01, batch 32
_GPT_NAMES = dict(n_layer=4, n_head=4, n_embd=64, dropout=0.0, lr=5e-4, min_lr=5e-5, weight_decay=0.01,
                  batch_size=32, max_iters=10_000, lr_decay_iters=10_000, beta2=0.99, warmup_iters=100,
                  eval_interval=1000, eval_iters=100)

REGISTRY = {
    "bigram": ModelSpec("bigram", "bigram", "Bigram", "window", "names", model=dict(block_size=1),
                        train=dict(optimizer="sgd", lr=50.0, batch_size=4096, max_iters=500, eval_interval=100),
                        about="a (v, v) table of logits: the counting model as a one-layer network"),
    "mlp": ModelSpec("mlp", "mlp", "MLP", "window", "names",
                     model=dict(block_size=3, n_embd=10, n_hidden=200),
                     train=dict(_SGD_NAMES, lr=0.1, max_iters=200_000, schedule="step", lr_drop_frac=0.5,
                                lr_drop_to=0.01),
                     about="Bengio 2003: embed 3 characters, one tanh layer, softmax (makemore part 2)"),
    "cnn": ModelSpec("cnn", "cnn", "WaveNet", "window", "names",
                     model=dict(block_size=8, n_embd=24, n_hidden=128),
                     train=dict(_SGD_NAMES, lr=0.1, max_iters=200_000, schedule="step", lr_drop_frac=0.75,
                                lr_drop_to=0.01),
                     about="WaveNet-style tree of FlattenConsecutive + Linear + BatchNorm1d + Tanh (makemore part 5)"),
    "rnn": ModelSpec("rnn", "rnn", "RNNLM", "sequence", "names", model=dict(cell="rnn", n_embd=32, n_hidden=128),
                     train=dict(_SEQ_TRAIN), about="Elman RNN language model"),
    "gru": ModelSpec("gru", "rnn", "RNNLM", "sequence", "names", model=dict(cell="gru", n_embd=32, n_hidden=128),
                     train=dict(_SEQ_TRAIN), about="GRU language model"),
    "lstm": ModelSpec("lstm", "rnn", "RNNLM", "sequence", "names", model=dict(cell="lstm", n_embd=32, n_hidden=128),
                      train=dict(_SEQ_TRAIN), about="LSTM language model"),
    "gpt": ModelSpec("gpt", "gpt", "GPT", "sequence", "shakespeare",
                     model=dict(block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False),
                     train=dict(_GPT_TRAIN, lr=1e-3, batch_size=12, max_iters=2000),
                     presets={"shakespeare-cpu": _GPT_CPU, "shakespeare-gpu": _GPT_GPU,
                              "names": dict(_GPT_NAMES, data="names")},
                     default_preset="shakespeare-cpu",
                     about="nanoGPT: pre-LN transformer decoder, weight tying, KV-cached sampling"),
    "bert": ModelSpec("bert", "bert", "BERT", "mlm", "shakespeare",
                      model=dict(block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False,
                                 mask_prob=0.15),
                      # only ~15% of the positions carry a loss, so a larger batch than GPT's (32, not 12)
                      train=dict(_GPT_TRAIN, lr=2e-3, min_lr=2e-4, batch_size=32, max_iters=1500,
                                 lr_decay_iters=1500, warmup_iters=100, beta2=0.99, eval_iters=20,
                                 eval_interval=250),
                      presets={"names": dict(_GPT_NAMES, data="names", max_iters=3000, lr_decay_iters=3000,
                                             lr=2e-3, min_lr=2e-4, eval_interval=500)},
                      about="bidirectional encoder trained to fill in masked characters"),
    "xor": ModelSpec("xor", "classifiers", "XORNet", "classify", "xor", model=dict(n_hidden=8),
                     train=dict(optimizer="adamw", lr=0.05, weight_decay=0.0, batch_size=4, max_iters=500,
                                eval_interval=50),
                     about="2 -> 8 (tanh) -> 2 feed-forward network on the four XOR points"),
    "sentiment": ModelSpec("sentiment", "classifiers", "BagOfWordsNet", "classify", "sentiment",
                           model=dict(n_hidden=16, dropout=0.5, features="ngrams"),
                           train=dict(optimizer="adamw", lr=1e-3, weight_decay=0.01, batch_size=64, max_iters=1500,
                                      eval_interval=50),
                           about="word + bigram + character n-gram feed-forward network (UCI sentiment sentences)"),
    "logreg": ModelSpec("logreg", "classifiers", "LogisticRegression", "classify", "sentiment",
                        model=dict(features="words"),
                        train=dict(optimizer="adamw", lr=1e-2, weight_decay=0.01, batch_size=64, max_iters=1500,
                                   eval_interval=50),
                        about="logistic regression on a bag of words, same split (the sentiment baseline; "
                              "--features ngrams for the FFN's inputs)"),
}


def get_spec(name: str) -> ModelSpec:
    if name not in REGISTRY:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def build_model(name: str, **hparams):
    """REGISTRY[name]'s class built with `hparams` (which must include vocab_size or n_features)."""
    return get_spec(name).model_class()(**hparams)
