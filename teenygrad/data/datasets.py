"""The book's data sets, split exactly as the lectures split them. Plain Python and numpy only.

Every loader takes `path=None`: None finds the file with `fetch.locate` ($TEENYGRAD_DATA, the
cache, else a verified download); a path (what `--data PATH` passes) is used as given.
"""
import pathlib
import random
from collections import Counter

import numpy as np

from .batching import Vocabulary, words_of
from .fetch import locate, remote

SENTIMENT_SOURCES = ("amazon", "imdb", "yelp")


def read_text(path) -> str:
    """A whole UTF-8 text file, without the byte-order mark some editors write first (it is no character
    of the text); an empty or undecodable file is an error that names it."""
    path = pathlib.Path(path)
    raw = path.read_bytes()
    if not raw.removeprefix(b"\xef\xbb\xbf"):
        raise ValueError(f"read_text: {path} is empty; a text data set needs at least a few characters")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"read_text: {path} is not UTF-8 text (byte {raw[e.start]:#04x} at offset "
                         f"{e.start}); convert it, e.g. with iconv -t UTF-8") from None


def split_text(text: str, train_frac: float = 0.9) -> dict:
    """nanoGPT's split: the first 90% of the characters train, the last 10% validate."""
    if not 0 <= train_frac <= 1:                              # -0.1 would cut text[:-1]: one character of val
        raise ValueError(f"split_text: train_frac must be in [0, 1], got {train_frac!r}")
    n = len(text)
    return {"train": text[:int(n * train_frac)], "val": text[int(n * train_frac):]}


def text_file(path) -> dict:
    """Any plain UTF-8 text file as {'train': str, 'val': str}. Build the tokenizer from both."""
    return split_text(read_text(path).replace("\r\n", "\n"))


def shakespeare(path=None) -> dict:
    """tinyshakespeare as {'train': str, 'val': str}: 1,003,854 and 111,540 characters."""
    return text_file(locate(path or "shakespeare"))


def names(path=None) -> dict:
    """makemore's names as {'train', 'val', 'test'} lists of words, split 80/10/10 as in the lecture:
    random.seed(42); random.shuffle(words); n1 = int(0.8*len(words)); n2 = int(0.9*len(words))."""
    path = locate(path or "names")
    words = [w for w in read_text(path).splitlines() if w]    # blank lines (a trailing one, say) are no names
    if not words:
        raise ValueError(f"names: {path} holds no words")
    random.Random(42).shuffle(words)    # same stream as random.seed(42), but leaves the global RNG alone
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return {"train": words[:n1], "val": words[n1:n2], "test": words[n2:]}


def read_labelled(path) -> list:
    """UCI `sentence<TAB>label` lines as (sentence, label) pairs.

    Lines end at '\\n' only: imdb holds U+0085, which str.splitlines() would also break on. The label
    follows the LAST tab; trailing spaces before it are dropped (imdb has many); quotes are kept."""
    pairs = []
    for lineno, line in enumerate(read_text(path).split("\n"), start=1):
        line = line.rstrip("\r")    # tolerate CRLF copies such as the raw UCI zip members
        if not line:
            continue
        sentence, tab, label = line.rpartition("\t")
        if not tab or label.strip() not in ("0", "1"):
            raise ValueError(f"read_labelled: {path} line {lineno} is not 'sentence<TAB>0|1': {line[:80]!r}")
        pairs.append((sentence.rstrip(" "), int(label)))
    return pairs


def sentiment(path=None, seed: int = 0) -> dict:
    """UCI Sentiment Labelled Sentences as {'train', 'val', 'test'}: (sentences list, int64 labels).

    `path`: None pools the amazon, imdb and yelp files (3,000 sentences); a folder pools the three
    files inside it; a file is used alone. The split is stratified: the pairs are grouped by
    (source file, label), each group is shuffled with random.Random(seed) and cut 80/10/10, and each
    split is shuffled again. So the 3,000 pool gives 2,400 / 300 / 300 sentences, every split
    balanced across sources and labels, and the same seed always gives the same split."""
    if path is None:
        files = [locate(name) for name in SENTIMENT_SOURCES]
    elif pathlib.Path(path).is_dir():
        files = [pathlib.Path(path) / remote(name).filename for name in SENTIMENT_SOURCES]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise FileNotFoundError(f"sentiment: the folder {path} lacks {', '.join(missing)}")
    else:
        files = [locate(path)]
    rng = random.Random(seed)
    splits = {"train": [], "val": [], "test": []}
    for f in files:
        pairs = read_labelled(f)
        for label in (0, 1):
            group = [p for p in pairs if p[1] == label]
            rng.shuffle(group)
            n1, n2 = int(0.8 * len(group)), int(0.9 * len(group))
            splits["train"] += group[:n1]
            splits["val"] += group[n1:n2]
            splits["test"] += group[n2:]
    out = {}
    for name, pairs in splits.items():
        rng.shuffle(pairs)
        out[name] = ([s for s, _ in pairs], np.array([y for _, y in pairs], dtype=np.int64))
    return out


class NgramVocabulary(Vocabulary):
    """Sentence features for the sentiment classifiers: every word, plus the word bigrams and the
    character n-grams that occur in at least `min_count` training sentences.

        "Not bad, LOVED it"  words     not bad loved it
                             bigrams   "not bad" "bad loved" "loved it"      ("not bad" is not "bad")
                             chars     #<lo #lov #ove #ved #ed> ... #<love #oved> ...   (3-5 of "<loved>")

    A plain bag of words cannot tell "not bad" from "bad" nor see that "loved" and "lovely" share a root;
    bigrams and fastText's subword n-grams (Bojanowski et al. 2017) can. Each row is binary (the feature
    occurs or not) and scaled to unit length, so a long review does not speak louder than a short one.
    Build it from the TRAIN sentences only, as Vocabulary."""

    def __init__(self, words, chars=(3, 5), bigrams=True):
        super().__init__(words)
        lo, hi = chars
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi):
            raise ValueError(f"NgramVocabulary: chars must be (lo, hi) with 0 <= lo <= hi, got {chars!r} "
                             f"((0, 0) turns them off)")
        self.chars, self.bigrams = (lo, hi), bool(bigrams)

    def grams(self, sentence: str) -> list:
        """The feature names of one sentence: words, 'w1 w2' bigrams, '#abc' character n-grams."""
        words = words_of(sentence)
        out = list(words)
        if self.bigrams:
            out += [f"{a} {b}" for a, b in zip(words, words[1:])]
        lo, hi = self.chars
        for w in words if hi else []:
            w = f"<{w}>"                                     # so prefixes and suffixes differ from insides
            out += [f"#{w[i:i + n]}" for n in range(max(lo, 1), hi + 1) for i in range(len(w) - n + 1)]
        return out

    @classmethod
    def build(cls, sentences, min_count: int = 2, chars=(3, 5), bigrams=True) -> "NgramVocabulary":
        """Every training word, and the n-grams found in >= min_count training sentences; most frequent
        first (ties alphabetical, so the order is reproducible)."""
        if isinstance(sentences, str):
            raise TypeError("NgramVocabulary.build: pass a list of sentences, not one string")
        probe = cls(["."], chars, bigrams)
        counts = Counter(g for s in sentences for g in set(probe.grams(s)))
        words = set(w for s in sentences for w in words_of(s))
        kept = sorted((g for g, c in counts.items() if g in words or c >= min_count), key=lambda g: (-counts[g], g))
        if not kept:
            raise ValueError(f"NgramVocabulary.build: no word in {len(sentences)} sentences")
        return cls(kept, chars, bigrams)

    def bag_of_words(self, sentences, binary: bool = True) -> np.ndarray:
        """float32 (n, V): the features of each sentence (1/0 if binary, else counts), each row of unit
        length (an empty row stays zero). Features outside the vocabulary are ignored."""
        out = super().bag_of_words(sentences, binary)
        return out / np.maximum(np.sqrt((out * out).sum(axis=1, keepdims=True)), 1e-12)

    def to_dict(self) -> dict:
        return {"type": "ngrams", "words": list(self.words), "chars": list(self.chars), "bigrams": self.bigrams}

    @classmethod
    def from_dict(cls, d: dict) -> "NgramVocabulary":
        if not isinstance(d, dict) or d.get("type") != "ngrams" or not isinstance(d.get("words"), list):
            raise ValueError(f"NgramVocabulary.from_dict: expected {{'type': 'ngrams', 'words': list, ...}}, "
                             f"got {d!r:.200}")
        return cls(d["words"], tuple(d.get("chars", (3, 5))), d.get("bigrams", True))


def xor():
    """The four XOR points: X float32 (4, 2), y int64 (4,)."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y
