"""Character-level tokenizer: each character is one token id.

Two ways to build one, matching the two lectures it serves:
  CharTokenizer.from_text(text)    ids 0.. over sorted(set(text))                (nanoGPT shakespeare_char)
  CharTokenizer.from_words(words)  '.' = 0 marks start/end of a word, then sorted chars from 1  (makemore)
"""
import numpy as np


class CharTokenizer:
    def __init__(self, chars):
        """`chars[i]` is the character with id i."""
        chars = list(chars)
        if not chars:
            raise ValueError("CharTokenizer: the vocabulary is empty")
        bad = [c for c in chars if not (isinstance(c, str) and len(c) == 1)]
        if bad:
            raise ValueError(f"CharTokenizer: every entry must be a single character, got {bad[:5]!r}")
        if len(set(chars)) != len(chars):
            dup = sorted({c for c in chars if chars.count(c) > 1})
            raise ValueError(f"CharTokenizer: characters appear twice in the vocabulary: {dup!r}")
        self.itos = chars
        self.stoi = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str) -> "CharTokenizer":
        return cls(sorted(set(text)))

    @classmethod
    def from_words(cls, words, boundary: str = ".") -> "CharTokenizer":
        """makemore's `stoi = {s: i+1 for i, s in enumerate(chars)}; stoi['.'] = 0`."""
        chars = sorted(set("".join(words)))
        if boundary in chars:
            raise ValueError(f"CharTokenizer.from_words: the boundary token {boundary!r} also occurs "
                             f"inside the words, so word ends would be ambiguous")
        return cls([boundary] + chars)

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def __len__(self) -> int:
        return len(self.itos)

    def __eq__(self, other) -> bool:
        return isinstance(other, CharTokenizer) and self.itos == other.itos

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size}, chars={''.join(self.itos)!r})"

    def encode(self, text: str) -> np.ndarray:
        """int64 ids, one per character."""
        try:
            return np.fromiter((self.stoi[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError as e:
            c = e.args[0]
            if not (isinstance(c, str) and len(c) == 1):      # bytes iterate as ints
                raise TypeError(f"CharTokenizer.encode: expects a str, got {type(text).__name__}") from None
            raise ValueError(f"CharTokenizer.encode: character {c!r} (U+{ord(c):04X}) at position "
                             f"{text.index(c)} is not in the vocabulary of {self.vocab_size} "
                             f"characters {''.join(self.itos)!r}") from None

    def decode(self, ids) -> str:
        """Accepts any sequence of integer ids: a list, a numpy array, `tensor.numpy()`."""
        ids = np.asarray(ids)
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"CharTokenizer.decode: ids must be integers, got dtype {ids.dtype}")
        ids = ids.reshape(-1)
        bad = ids[(ids < 0) | (ids >= self.vocab_size)]
        if bad.size:
            raise ValueError(f"CharTokenizer.decode: id {int(bad[0])} is out of range for a "
                             f"vocabulary of {self.vocab_size} (valid ids: 0..{self.vocab_size - 1})")
        return "".join(self.itos[i] for i in ids.tolist())

    def to_dict(self) -> dict:
        """JSON-able description, to be saved inside a checkpoint."""
        return {"type": "char", "chars": "".join(self.itos)}

    @classmethod
    def from_dict(cls, d: dict) -> "CharTokenizer":
        if not isinstance(d, dict) or d.get("type") != "char" or not isinstance(d.get("chars"), str):
            raise ValueError(f"CharTokenizer.from_dict: expected {{'type': 'char', 'chars': str}}, got {d!r:.200}")
        return cls(d["chars"])
