"""Byte-level BPE, as GPT-2 does it, reading the vocab.json + merges.txt of a Hugging Face checkpoint.

    tok = GPT2Tokenizer.from_dir("path/to/gpt2")            # holds vocab.json and merges.txt
    ids = tok.encode("Hello world<|endoftext|>", allowed_special="all")
    tok.decode(ids)                                         # 'Hello world<|endoftext|>'

Encoding is three steps:
  1. split the text into pieces with GPT-2's pre-tokenisation regex (`pretokenize`), so that merges
     never cross a word, number or whitespace boundary;
  2. turn each piece into its UTF-8 bytes, one symbol per byte;
  3. repeatedly merge the adjacent pair with the lowest rank in merges.txt (`GPT2Tokenizer._bpe`).
Token ids come from vocab.json, merge ranks from the line order of merges.txt; the two are independent.
Special tokens (`<|endoftext|>`) follow tiktoken: found in text only when allowed, an error when present
but not allowed (the default), ordinary text when neither.

Compatibility: for every text made of code points that this Python's `unicodedata` has assigned, the
ids equal tiktoken's for the same ranks (tests/test_bpe.py checks). Code points that a newer Unicode
assigned may split differently, because letters and digits come from `unicodedata` (Unicode 14 in
Python 3.11), while `regex` and tiktoken carry their own, newer tables.
"""
import json
import os
import re
import unicodedata
from functools import lru_cache

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
ENDOFTEXT = "<|endoftext|>"

# `regex` (and the Rust regex inside tiktoken) define \s as Unicode's White_Space property, which
# `unicodedata` does not expose. It is not str.isspace(): that also counts U+001C..U+001F. The set
# has been stable since Unicode 6.3; the tests compare it with tiktoken on every code point.
_WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

_CACHE_MAX = 1 << 16   # pieces remembered by one tokenizer; real text repeats a few thousand words


@lru_cache(maxsize=None)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> character table: vocab.json and merges.txt spell every token with
    one printable character per byte, so a file never holds a space, a control byte or a half UTF-8
    sequence. The 188 printable bytes stand for themselves; the other 68 (controls, space, NBSP,
    soft hyphen) become chr(256), chr(257), ... in byte order, e.g. space -> 'Ġ', newline -> 'Ċ'.
    Iteration order is GPT-2's: token ids 0..255 of its vocab.json are the bytes in this order."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in printable}
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + len(table) - len(printable))
    return table


@lru_cache(maxsize=None)
def _unicode_classes() -> tuple[str, str, str]:
    """Bodies of the character classes for \\p{L}, \\p{N} and \\s, as stdlib `re` ranges."""
    letters, numbers = [], []
    for cp in range(0x110000):
        major = unicodedata.category(chr(cp))[0]
        if major == "L":
            letters.append(cp)
        elif major == "N":
            numbers.append(cp)
    return _ranges(letters), _ranges(numbers), _WHITE_SPACE


def _ranges(code_points: list[int]) -> str:
    """Sorted code points -> '\\U00000041-\\U0000005a...' for a `re` character class."""
    out, start = [], code_points[0]
    for prev, cp in zip(code_points, code_points[1:] + [-1]):
        if cp != prev + 1:
            out.append(f"\\U{start:08x}" if start == prev else f"\\U{start:08x}-\\U{prev:08x}")
            start = cp
    return "".join(out)


@lru_cache(maxsize=None)
def _pretokenizer() -> re.Pattern:
    """GPT2_PATTERN for the stdlib `re`, which has no \\p{..}: the same alternatives in the same
    order, with the classes spelled out. `re` backtracks like `regex`, so `\\s+(?!\\S)` still gives
    back the last whitespace character of a run when a word follows, and ' ?\\p{L}+' takes it."""
    L, N, S = _unicode_classes()
    return re.compile(rf"'s|'t|'re|'ve|'m|'ll|'d| ?[{L}]+| ?[{N}]+| ?[^{S}{L}{N}]+|[{S}]+(?![^{S}])|[{S}]+")


def pretokenize(text: str) -> list[str]:
    """Split text into the pieces BPE works within: "Hi  there's" -> ['Hi', ' ', ' there', "'s"].
    The pattern matches every character, so ''.join(pieces) == text."""
    return _pretokenizer().findall(text)


class GPT2Tokenizer:
    def __init__(self, encoder: dict[bytes, int], merges: list[tuple[bytes, bytes]],
                 special_tokens: dict[str, int] | None = None):
        """`encoder`: token bytes -> id for every ordinary token (all 256 single bytes included);
        `merges`: pairs in rank order; `special_tokens`: name -> id. `from_files` checks a
        vocab.json / merges.txt pair line by line and builds this; here only the invariants that
        encoding relies on are checked."""
        missing = [b for b in range(256) if bytes([b]) not in encoder]
        if missing:
            raise ValueError(f"GPT2Tokenizer: the vocabulary lacks {len(missing)} single-byte tokens, "
                             f"e.g. {bytes(missing[:8])!r}; byte-level BPE needs all 256")
        for rank, (a, b) in enumerate(merges):
            if a + b not in encoder:
                raise ValueError(f"GPT2Tokenizer: merge {rank} ({a!r}, {b!r}) makes {a + b!r}, "
                                 f"which is not in the vocabulary")
        self._encoder = dict(encoder)
        self._ranks: dict[tuple[bytes, bytes], int] = {}
        for rank, pair in enumerate(merges):
            self._ranks.setdefault(pair, rank)      # a repeated pair keeps its first (lowest) rank
        self._special = dict(special_tokens or {})
        self._decoder = {i: t for t, i in self._encoder.items()}
        for name, i in self._special.items():
            if i in self._decoder:
                raise ValueError(f"GPT2Tokenizer: special token {name!r} has id {i}, which the "
                                 f"ordinary token {self._decoder[i]!r} already has")
            self._decoder[i] = name.encode("utf-8")
        self._cache: dict[str, list[int]] = {}

    # --- loading -----------------------------------------------------------------------------------

    @classmethod
    def from_dir(cls, directory, special_tokens=(ENDOFTEXT,)) -> "GPT2Tokenizer":
        """A Hugging Face GPT-2 checkpoint folder: reads vocab.json and merges.txt from it."""
        return cls.from_files(os.path.join(directory, "vocab.json"),
                              os.path.join(directory, "merges.txt"), special_tokens)

    @classmethod
    def from_files(cls, vocab_json_path, merges_txt_path, special_tokens=(ENDOFTEXT,)) -> "GPT2Tokenizer":
        """vocab.json maps tokens (spelled with `bytes_to_unicode`) to ids; merges.txt holds a
        '#version' line, then one merge 'a b' per line, lowest rank first. Entries of vocab.json
        named in `special_tokens` (GPT-2 has one: <|endoftext|> = 50256) become special tokens."""
        encoder, special = _read_vocab(vocab_json_path, set(special_tokens))
        merges = _read_merges(merges_txt_path, encoder, vocab_json_path)
        return cls(encoder, merges, special)

    # --- properties ---------------------------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        """Largest id + 1, the size an embedding table needs (50257 for GPT-2)."""
        return max(self._decoder) + 1

    @property
    def eot_token(self) -> int | None:
        """Id of <|endoftext|>, or None when the vocabulary has none."""
        return self._special.get(ENDOFTEXT)

    @property
    def special_tokens(self) -> dict[str, int]:
        return dict(self._special)

    def __repr__(self) -> str:
        return (f"GPT2Tokenizer(vocab_size={self.vocab_size}, merges={len(self._ranks)}, "
                f"special_tokens={sorted(self._special)})")

    # --- encoding -----------------------------------------------------------------------------------

    def encode(self, text: str, *, allowed_special=frozenset(), disallowed_special="all") -> list[int]:
        """tiktoken's semantics: a special token in `allowed_special` ("all" or a set of names)
        becomes its id; one in `disallowed_special` (default "all": every special not allowed)
        raises ValueError; any other is encoded as ordinary text."""
        if not isinstance(text, str):
            raise TypeError(f"GPT2Tokenizer.encode: expected str, got {type(text).__name__}")
        allowed = self._special_set(allowed_special, "allowed_special")
        disallowed = (set(self._special) - allowed if disallowed_special == "all"
                      else self._special_set(disallowed_special, "disallowed_special"))
        if disallowed and (m := _special_regex(frozenset(disallowed)).search(text)):
            raise ValueError(
                f"GPT2Tokenizer.encode: the text contains the special token {m.group()!r} at position "
                f"{m.start()}, which is not allowed. Pass allowed_special={{{m.group()!r}}} to encode it "
                f"as the special token, or disallowed_special=() to encode it as ordinary text.")
        if not allowed:
            return self.encode_ordinary(text)
        ids, start = [], 0
        for m in _special_regex(frozenset(allowed)).finditer(text):
            ids += self.encode_ordinary(text[start:m.start()])
            ids.append(self._special[m.group()])
            start = m.end()
        return ids + self.encode_ordinary(text[start:])

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode with no special-token handling: '<|endoftext|>' is just text here."""
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # lone surrogates have no UTF-8; like tiktoken, pair up what pairs and replace the rest by U+FFFD
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        ids, cache = [], self._cache
        for piece in _pretokenizer().findall(text):
            piece_ids = cache.get(piece)
            if piece_ids is None:
                if len(cache) >= _CACHE_MAX:
                    cache.clear()
                piece_ids = cache[piece] = self._bpe(piece.encode("utf-8"))
            ids += piece_ids
        return ids

    def _bpe(self, piece: bytes) -> list[int]:
        """GPT-2's merge loop: find the adjacent pair with the lowest rank, merge every occurrence
        of it left to right, repeat until no adjacent pair is a merge."""
        parts, ranks = [piece[i:i + 1] for i in range(len(piece))], self._ranks
        while len(parts) > 1:
            pairs = list(zip(parts, parts[1:]))
            best = min(pairs, key=lambda p: ranks.get(p, _NO_RANK))
            if best not in ranks:
                break
            first, second = best
            merged, i = [], 0
            while i < len(parts):
                if i + 1 < len(parts) and parts[i] == first and parts[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        return [self._encoder[p] for p in parts]

    def _special_set(self, names, argname: str) -> set[str]:
        if names == "all":
            return set(self._special)
        if isinstance(names, str):
            raise TypeError(f"GPT2Tokenizer.encode: {argname} must be 'all' or a set of token names, "
                            f"got the string {names!r}; did you mean {{{names!r}}}?")
        names = set(names)
        unknown = names - set(self._special)
        if unknown:
            raise ValueError(f"GPT2Tokenizer.encode: {argname} names {sorted(unknown)}, which are not "
                             f"special tokens of this vocabulary (it has {sorted(self._special)})")
        return names

    # --- decoding -----------------------------------------------------------------------------------

    def decode_bytes(self, ids) -> bytes:
        """The raw bytes of the tokens; a token can end in the middle of a UTF-8 character."""
        ids = ids.tolist() if hasattr(ids, "tolist") else list(ids)   # numpy arrays: plain ints hash faster
        try:
            return b"".join([self._decoder[i] for i in ids])
        except (KeyError, TypeError):
            bad = next(i for i in ids if not isinstance(i, int) or i not in self._decoder)
            raise ValueError(f"GPT2Tokenizer.decode: {bad!r} is not a token id of this vocabulary "
                             f"(vocab_size {self.vocab_size})") from None

    def decode(self, ids) -> str:
        """Text of the tokens; incomplete UTF-8 (e.g. a cut-off sample) shows as U+FFFD."""
        return self.decode_bytes(ids).decode("utf-8", errors="replace")


_NO_RANK = float("inf")


@lru_cache(maxsize=None)
def _special_regex(names: frozenset) -> re.Pattern:
    # longest first, so that a special token that is a prefix of another cannot shadow it
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


@lru_cache(maxsize=None)
def _byte_decoder() -> dict[str, int]:
    return {c: b for b, c in bytes_to_unicode().items()}


def _token_bytes(token: str, where: str) -> bytes:
    """A vocab.json / merges.txt spelling -> the token's bytes."""
    decoder = _byte_decoder()
    try:
        return bytes(decoder[c] for c in token)
    except KeyError as e:
        c = e.args[0]
        raise ValueError(f"{where}: token {token!r} contains {c!r} (U+{ord(c):04X}), which is not one of "
                         f"GPT-2's 256 byte characters; if it is a special token, name it in "
                         f"special_tokens=") from None


def _read_vocab(path, special_names: set[str]) -> tuple[dict[bytes, int], dict[str, int]]:
    with open(path, encoding="utf-8") as f:
        try:
            vocab = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"vocab.json {path}: not valid JSON (line {e.lineno}, column {e.colno}: "
                             f"{e.msg})") from None
    if not isinstance(vocab, dict):
        raise ValueError(f"vocab.json {path}: expected an object mapping tokens to ids, "
                         f"got {type(vocab).__name__}")
    encoder, special, owner = {}, {}, {}
    for token, i in vocab.items():
        if not isinstance(i, int) or isinstance(i, bool) or i < 0:
            raise ValueError(f"vocab.json {path}: token {token!r} has id {i!r}; ids must be ints >= 0")
        if i in owner:
            raise ValueError(f"vocab.json {path}: tokens {owner[i]!r} and {token!r} both have id {i}")
        owner[i] = token
        if token in special_names:
            special[token] = i
        else:
            encoder[_token_bytes(token, f"vocab.json {path}")] = i
    missing = [b for b in range(256) if bytes([b]) not in encoder]
    if missing:
        spelled = [bytes_to_unicode()[b] for b in missing[:8]]
        raise ValueError(f"vocab.json {path}: {len(missing)} of the 256 single-byte tokens are missing, "
                         f"e.g. {spelled}; byte-level BPE needs all of them")
    return encoder, special


def _read_merges(path, encoder: dict[bytes, int], vocab_path) -> list[tuple[bytes, bytes]]:
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges, seen = [], {}
    for lineno, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        if not line or (lineno == 1 and line.startswith("#version")):
            continue
        where = f"merges.txt {path} line {lineno}"
        parts = line.split(" ")
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"{where}: expected two tokens separated by one space, got {line!r}")
        a, b = (_token_bytes(p, where) for p in parts)
        for token, spelled in ((a, parts[0]), (b, parts[1]), (a + b, parts[0] + parts[1])):
            if token not in encoder:
                raise ValueError(f"{where}: merge {line!r} needs the token {spelled!r}, which vocab.json "
                                 f"{vocab_path} lacks (do the two files belong to the same model?)")
        if (a, b) in seen:
            raise ValueError(f"{where}: merge {line!r} repeats line {seen[a, b]}")
        seen[a, b] = lineno
        merges.append((a, b))
    return merges
