"""What a model is trained on and how its loss is measured, one class per kind of task.

    WindowTask     (context of block_size ids -> next id): bigram, mlp, cnn            makemore parts 1-5
    SequenceTask   next id at every position of a sequence: rnn, gru, lstm, gpt       makemore.py / nanoGPT
    MaskedTask     the original id at randomly corrupted positions: bert
    ClassifyTask   one label per example: xor, sentiment, logreg

Every task gives the trainer the same four things: `batch(rng)` (numpy inputs and targets drawn with the
trainer's data generator, so a resumed run draws the same batches), `loss(model, x, y)`,
`evaluate(model, split, max_batches)` (a dict with 'loss', a token-weighted mean), and
`tokens_per_batch` (for the tokens/s readout). Data sets are either words (names: one example per word,
split 80/10/10) or one long text (shakespeare or any file: 90/10 train/val).
"""
import numpy as np

import teenygrad
import teenygrad.nn.functional as F
from teenygrad import data as D
from teenygrad.data.datasets import NgramVocabulary

from .classifiers import check_features

IGNORE = -1      # targets that carry no loss (padding after a name, unmasked positions for BERT)
EVAL_BATCH = 512


def load_corpus(name_or_path: str, kind: str):
    """kind 'words' or 'text' -> (splits, tokenizer). Names split into word lists, text into strings."""
    if kind == "words":
        splits = D.names(None if name_or_path == "names" else name_or_path)
        empty = [name for name, words in splits.items() if not words]
        if empty:   # an empty split would train on nothing or score a loss of 0.0
            n = sum(len(words) for words in splits.values())
            raise ValueError(f"data {name_or_path}: too few words ({n}) to split 80/10/10: the "
                             f"{' and '.join(empty)} split{'s' * (len(empty) > 1)} would be empty; "
                             f"give at least 6 words, one per line")
        return splits, D.CharTokenizer.from_words(splits["train"] + splits["val"] + splits["test"])
    if name_or_path in ("shakespeare", "tinyshakespeare"):
        splits = D.shakespeare()
    else:
        splits = D.text_file(D.locate(name_or_path))
    if len(splits["val"]) < 2:
        raise ValueError(f"data {name_or_path}: too short to hold a validation split ({len(splits['train'])} "
                         f"training characters)")
    return splits, D.CharTokenizer.from_text(splits["train"] + splits["val"])


def corpus_kind(name_or_path: str) -> str:
    """'names' and files that look like one word per line are words; everything else is running text."""
    if name_or_path == "names":
        return "words"
    if name_or_path in ("shakespeare", "tinyshakespeare"):
        return "text"
    path = D.locate(name_or_path)
    lines = [line for line in D.read_text(path).splitlines() if line][:1000]   # blank lines: neither words nor prose
    wordy = lines and all(" " not in line and len(line) <= 32 for line in lines)
    return "words" if wordy and "." not in "".join(lines) else "text"


def _token_mean(model, batches, loss_fn):
    """Mean loss over every target that is not IGNORE, the batches weighted by their target counts."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with teenygrad.no_grad():
        for x, y in batches:
            n = int((y != IGNORE).sum())
            if n:
                total += float(loss_fn(model, x, y).item()) * n
                count += n
    model.train(was_training)
    return total / max(count, 1)


class WindowTask:
    """makemore's build_dataset: every (block_size previous characters -> next character) pair."""

    def __init__(self, splits, tokenizer, block_size: int, device="cpu"):
        self.tokenizer, self.block_size, self.device = tokenizer, block_size, device
        self.X, self.Y = {}, {}
        for split, part in splits.items():
            if isinstance(part, str):                               # running text: slide over one long stream
                ids = tokenizer.encode(part)
                if len(ids) <= block_size:
                    raise ValueError(f"the {split} split has {len(ids)} characters, too few for block_size "
                                     f"{block_size}; use a longer text or a smaller --block-size")
                self.X[split] = np.lib.stride_tricks.sliding_window_view(ids, block_size)[:-1]
                self.Y[split] = ids[block_size:]
            else:
                self.X[split], self.Y[split] = D.build_windows(part, tokenizer, block_size)
        self.tokens_per_batch = None

    def splits(self):
        return list(self.X)

    def batch(self, batch_size, rng):
        ix = rng.integers(0, len(self.X["train"]), size=batch_size)
        return self.X["train"][ix], self.Y["train"][ix]

    def loss(self, model, x, y):
        logits = model(teenygrad.tensor(x, device=self.device))           # (b, v)
        return F.cross_entropy(logits, teenygrad.tensor(y, device=self.device))

    def evaluate(self, model, split, max_batches=None, batch_size=EVAL_BATCH):
        X, Y = self.X[split], self.Y[split]
        if max_batches is not None:                                 # the same random rows at every evaluation
            ix = np.random.default_rng(1234).integers(0, len(X), size=max_batches * batch_size)
            X, Y = X[ix], Y[ix]
        chunks = ((X[i:i + EVAL_BATCH], Y[i:i + EVAL_BATCH]) for i in range(0, len(X), EVAL_BATCH))
        return {"loss": _token_mean(model, chunks, self.loss)}


class SequenceTask:
    """Predict every next character. Words: each row is '.' + word padded, targets word + '.' then
    IGNORE (makemore.py's CharDataset). Text: nanoGPT's random windows of block_size characters."""
    nanogpt = False  # the trainer's sampling='nanogpt': evaluation batches drawn as nanoGPT's estimate_loss draws them

    def __init__(self, splits, tokenizer, block_size: int, device="cpu"):
        self.tokenizer, self.block_size, self.device = tokenizer, block_size, device
        self.text = isinstance(splits["train"], str)
        self.data = {}
        for split, part in splits.items():
            if self.text:
                ids = tokenizer.encode(part)
                if len(ids) <= block_size:
                    raise ValueError(f"the {split} split has {len(ids)} characters, too few for block_size "
                                     f"{block_size}; use a longer text or a smaller --block-size")
                self.data[split] = ids
            else:
                self.data[split] = self._word_rows(part)

    @staticmethod
    def longest(splits):
        return max(len(w) for part in splits.values() for w in part)

    def _word_rows(self, words):
        t = self.block_size
        X = np.zeros((len(words), t), dtype=np.int64)               # '.' = 0 starts every row and pads it
        Y = np.full((len(words), t), IGNORE, dtype=np.int64)
        for row, w in enumerate(words):
            ids = self.tokenizer.encode(w)
            if len(ids) + 1 > t:
                raise ValueError(f"the word {w!r} needs block_size >= {len(ids) + 1}, got {t}")
            X[row, 1:len(ids) + 1] = ids
            Y[row, :len(ids)] = ids
            Y[row, len(ids)] = 0                                    # '.' ends the word
        return X, Y

    @property
    def tokens_per_batch(self):
        return self.block_size

    def splits(self):
        return list(self.data)

    def batch(self, batch_size, rng):
        if self.text:
            return D.random_batch(self.data["train"], self.block_size, batch_size, rng)
        X, Y = self.data["train"]
        ix = rng.integers(0, len(X), size=batch_size)
        return X[ix], Y[ix]

    def loss(self, model, x, y):
        logits = model(teenygrad.tensor(x, device=self.device))           # (b, t, v)
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), teenygrad.tensor(y, device=self.device).view(-1),
                               ignore_index=IGNORE)

    def offsets(self, split, batch_size):
        """nanoGPT's get_batch draw for text: randint(len(data) - block_size, (batch_size,)) from teenygrad's default
        generator (torch's numbers, so a seed gives nanoGPT's batches)."""
        return teenygrad.randint(len(self.data[split]) - self.block_size, (batch_size,)).numpy()

    def batch_at(self, split, ix):
        """The text windows starting at offsets ix: x (b, t) and y shifted by one."""
        pos = np.asarray(ix)[:, None] + np.arange(self.block_size)
        ids = self.data[split]
        return ids[pos], ids[pos + 1]

    def eval_batches(self, split, max_batches, batch_size):
        """Whole split (non-overlapping windows for text), or max_batches random batches: the same fixed ones at
        every evaluation, or in nanoGPT sampling fresh ones from the default generator, as its estimate_loss."""
        if max_batches is not None and self.nanogpt:
            return [self.batch_at(split, self.offsets(split, batch_size)) for _ in range(max_batches)]
        if max_batches is not None:
            rng = np.random.default_rng(1234)                       # the same batches at every evaluation
            if self.text:
                return [D.random_batch(self.data[split], self.block_size, batch_size, rng) for _ in range(max_batches)]
            X, Y = self.data[split]
            ix = [rng.integers(0, len(X), size=batch_size) for _ in range(max_batches)]
            return [(X[i], Y[i]) for i in ix]
        if self.text:
            ids, t = self.data[split], self.block_size
            n = (len(ids) - 1) // t
            X, Y = ids[:n * t].reshape(n, t), ids[1:n * t + 1].reshape(n, t)
        else:
            X, Y = self.data[split]
        rows = max(1, EVAL_BATCH * 16 // self.block_size)
        return [(X[i:i + rows], Y[i:i + rows]) for i in range(0, len(X), rows)]

    def evaluate(self, model, split, max_batches=None, batch_size=EVAL_BATCH):
        return {"loss": _token_mean(model, self.eval_batches(split, max_batches, batch_size), self.loss)}


class MaskedTask(SequenceTask):
    """BERT's masked-LM objective on SequenceTask's rows: corrupt ~15% of the real characters (never the
    '.' that starts and pads a name) and score only those."""

    def __init__(self, splits, tokenizer, block_size: int, model, device="cpu"):
        super().__init__(splits, tokenizer, block_size, device)
        self.model = model

    def _corrupt(self, x, rng):
        can_mask = None if self.text else x != 0
        return self.model.mask_tokens(x, rng, can_mask)

    def batch(self, batch_size, rng):
        x, _ = super().batch(batch_size, rng)
        return self._corrupt(x, rng)

    def eval_batches(self, split, max_batches, batch_size):
        rng = np.random.default_rng(4321)                           # the same masks at every evaluation
        return [self._corrupt(x, rng) for x, _ in super().eval_batches(split, max_batches, batch_size)]


class ClassifyTask:
    """Rows of float features with integer labels; the metrics add accuracy. With label_smoothing ls the
    training loss is the cross-entropy against (1 - ls) on the label + ls spread over all classes (Szegedy
    et al. 2016); evaluate() always scores the plain cross-entropy, so losses stay comparable across runs."""

    def __init__(self, features: dict, labels: dict, vocabulary=None, device="cpu", label_smoothing=0.0):
        self.X, self.Y, self.vocabulary, self.device = features, labels, vocabulary, device
        self.label_smoothing = label_smoothing
        self.tokens_per_batch = None

    @classmethod
    def load(cls, name_or_path, device="cpu", features="words"):
        """xor's four points, or labelled sentences as features: 'words' a binary bag of words, 'ngrams'
        words + word bigrams + character 3-5-grams, each row of unit length (D.NgramVocabulary)."""
        if name_or_path == "xor":
            X, y = D.xor()
            return cls({s: X for s in ("train", "val", "test")}, {s: y for s in ("train", "val", "test")},
                       device=device)
        check_features(features, "ClassifyTask.load")
        splits = D.sentiment(None if name_or_path == "sentiment" else name_or_path)
        empty = [name for name, (sentences, _) in splits.items() if not sentences]
        if empty:   # an empty split would score a loss and accuracy of nan, and no best.ckpt would be written
            n = sum(len(sentences) for sentences, _ in splits.values())
            raise ValueError(f"data {name_or_path}: too few sentences ({n}) to split 80/10/10: the "
                             f"{' and '.join(empty)} split{'s' * (len(empty) > 1)} would be empty; "
                             f"give at least 6 sentences of a label")
        build = D.Vocabulary.build if features == "words" else NgramVocabulary.build
        vocab = build(splits["train"][0])                           # train sentences only: no leak from val/test
        return cls.from_vocabulary(splits, vocab, device)

    @classmethod
    def from_vocabulary(cls, splits, vocab, device="cpu"):
        X = {s: vocab.bag_of_words(sentences, binary=True) for s, (sentences, _) in splits.items()}
        return cls(X, {s: labels for s, (_, labels) in splits.items()}, vocab, device)

    @property
    def n_features(self):
        return self.X["train"].shape[1]

    def splits(self):
        return list(self.X)

    def batch(self, batch_size, rng):
        n = len(self.X["train"])
        ix = np.arange(n) if batch_size >= n else rng.integers(0, n, size=batch_size)
        return self.X["train"][ix], self.Y["train"][ix]

    def loss(self, model, x, y):
        return F.cross_entropy(model(teenygrad.tensor(x, device=self.device)), teenygrad.tensor(y, device=self.device),
                               label_smoothing=self.label_smoothing)

    def evaluate(self, model, split, max_batches=None, batch_size=None):
        was_training = model.training
        model.eval()
        with teenygrad.no_grad():
            logits = model(teenygrad.tensor(self.X[split], device=self.device))
            loss = float(F.cross_entropy(logits, teenygrad.tensor(self.Y[split], device=self.device)).item())
            acc = float((logits.argmax(dim=-1).cpu().numpy() == self.Y[split]).mean())
        model.train(was_training)
        return {"loss": loss, "acc": acc}
