"""Turn token ids and sentences into training arrays (numpy; the models wrap them in Tensors).

build_windows  makemore: every (context of block_size ids -> next id) pair of every word
random_batch   nanoGPT: batch_size random slices of one long id stream, targets shifted by one
Vocabulary     bag-of-words features for the sentiment classifier
"""
import re
from collections import Counter

import numpy as np


def _check_positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")


def build_windows(words, tokenizer, block_size: int, boundary: str = "."):
    """X int64 (n, block_size), Y int64 (n,), as the lecture's build_dataset:

        for w in words:
            context = [0] * block_size
            for ch in w + '.':
                X.append(context); Y.append(stoi[ch]); context = context[1:] + [stoi[ch]]
    """
    _check_positive_int("build_windows", "block_size", block_size)
    if boundary not in tokenizer.stoi:
        raise ValueError(f"build_windows: the tokenizer has no boundary token {boundary!r}; "
                         f"build it with CharTokenizer.from_words(words)")
    pad = tokenizer.stoi[boundary]    # 0 for a from_words tokenizer: '.' both pads and ends a word
    X, Y = [], []
    for w in words:
        context = [pad] * block_size
        for ix in tokenizer.encode(w + boundary).tolist():
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return (np.array(X, dtype=np.int64).reshape(len(Y), block_size), np.array(Y, dtype=np.int64))


def random_batch(data_ids, block_size: int, batch_size: int, rng: np.random.Generator):
    """x, y int64 (batch_size, block_size) with y[:, i] == x[:, i + 1] (the next token), from random
    offsets drawn with `rng` (as nanoGPT's get_batch: ix = randint(len(data) - block_size, (b,)))."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"random_batch: rng must be a numpy Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    data = np.asarray(data_ids)
    if data.ndim != 1 or not np.issubdtype(data.dtype, np.integer):
        raise ValueError(f"random_batch: data_ids must be a 1-D integer array, got shape {data.shape} "
                         f"dtype {data.dtype}")
    _check_positive_int("random_batch", "block_size", block_size)
    _check_positive_int("random_batch", "batch_size", batch_size)
    if len(data) <= block_size:
        raise ValueError(f"random_batch: {len(data)} tokens are too few for block_size {block_size} "
                         f"(need at least block_size + 1)")
    ix = rng.integers(0, len(data) - block_size, size=batch_size)
    rows = ix[:, None] + np.arange(block_size)    # (b, t) gather indices
    return data[rows].astype(np.int64), data[rows + 1].astype(np.int64)


def words_of(sentence: str) -> list:
    """Lowercased runs of letters, digits and apostrophes: "Don't BUY it!!" -> ["don't", 'buy', 'it']. Letters
    are Unicode letters, so "Clichés" is one word, 'clichés' (not 'clich' and 's')."""
    return _WORD.findall(sentence.lower())


_WORD = re.compile(r"(?:[^\W_]|')+")    # \w without the underscore, plus the apostrophe


class Vocabulary:
    """Word -> column index for bag-of-words features. Build it from the TRAIN sentences only, so
    that validation and test words the model never saw are ignored rather than leaked."""

    def __init__(self, words):
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("Vocabulary: a word appears twice")

    @classmethod
    def build(cls, sentences, min_count: int = 1, max_size: int | None = None) -> "Vocabulary":
        """Most frequent words first (ties alphabetical, so the order is reproducible)."""
        if isinstance(sentences, str):
            raise TypeError("Vocabulary.build: pass a list of sentences, not one string")
        if max_size is not None:
            _check_positive_int("Vocabulary.build", "max_size", max_size)   # [:0] or [:-1] would cut silently
        counts = Counter(w for s in sentences for w in words_of(s))
        ranked = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        if not ranked:
            raise ValueError(f"Vocabulary.build: no word occurs at least {min_count} times in "
                             f"{len(sentences)} sentences")
        return cls(ranked[:max_size])

    def __len__(self) -> int:
        return len(self.words)

    def grams(self, sentence: str) -> list:
        """The feature names of one sentence: here its words."""
        return words_of(sentence)

    def bag_of_words(self, sentences, binary: bool = False) -> np.ndarray:
        """float32 (n, V): how often each vocabulary feature (see grams) occurs in each sentence (1/0 if
        binary). Features outside the vocabulary are ignored."""
        if isinstance(sentences, str):
            raise TypeError(f"{type(self).__name__}.bag_of_words: pass a list of sentences, not one string")
        out = np.zeros((len(sentences), len(self.words)), dtype=np.float32)
        for row, s in enumerate(sentences):
            for g in self.grams(s):
                col = self.index.get(g)
                if col is not None:
                    out[row, col] = 1.0 if binary else out[row, col] + 1.0
        return out

    def to_dict(self) -> dict:
        return {"type": "words", "words": list(self.words)}

    @classmethod
    def from_dict(cls, d: dict) -> "Vocabulary":
        if not isinstance(d, dict) or d.get("type") != "words" or not isinstance(d.get("words"), list):
            raise ValueError(f"Vocabulary.from_dict: expected {{'type': 'words', 'words': list}}, got {d!r:.200}")
        return cls(d["words"])
