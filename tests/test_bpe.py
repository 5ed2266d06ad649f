"""GPT2Tokenizer against tiktoken (the oracle) and the `regex` module (GPT-2's own pre-tokeniser).

No GPT-2 files can be downloaded here, so the tests train a small BPE themselves and write it in
GPT-2's file format. The ids have to line up with tiktoken's ranks, which takes some care:
  * GPT-2's vocab.json gives ids 0..255 to the single bytes, in `bytes_to_unicode()` order (printable
    bytes first, then the rest), not in byte order. We do the same.
  * merge number r (line r+2 of merges.txt, after '#version') makes the token with id 256 + r, so a
    token's id is also its rank. tiktoken's `mergeable_ranks` is {token bytes: rank}: we pass
    {bytes: id}. The relative order of the 256 byte ranks never matters to tiktoken (single bytes are
    never the result of a merge), so GPT-2's byte order costs nothing.
  * tiktoken ranks a pair by the rank of the concatenated bytes, GPT-2 by the pair's line in
    merges.txt. They agree when every token comes from exactly one merge, so the trainer never makes a
    merge whose result already exists.
  * <|endoftext|> gets the id after the last merge (as 50256 does in GPT-2).
"""
import json
import os
import random
import re
import unicodedata
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teenygrad.data.bpe import (ENDOFTEXT, GPT2_PATTERN, GPT2Tokenizer, _unicode_classes, bytes_to_unicode,
                                pretokenize)

tiktoken = pytest.importorskip("tiktoken")

SHAKESPEARE = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "tinyshakespeare.txt")
N_MERGES = 400

# A bit of everything, so that merges exist inside multi-byte characters, digit runs and whitespace runs.
UNICODE_SAMPLE = ("naïve café résumé Ünïcödé straße. αβγ λόγος, привет мир! 日本語のテキストです。 "
                  "😀😀 👍🏽 e\u0301 2024 3.14 1,000,000 ² Ⅻ    \n\n\t\t\r\n don't we'll they're I'm "
                  "you've he'd it's IT'S\u00a0\u3000 ...!!?? ")
FALLBACK_TEXT = open(__file__, encoding="utf-8").read()    # varied enough for N_MERGES, if Shakespeare is absent


# --- a tiny trainer and GPT-2's file format ----------------------------------------------------------

def train_bpe(text: str, n_merges: int) -> list[tuple[bytes, bytes]]:
    """Most-frequent-pair BPE over pre-tokenised pieces, updating pair counts incrementally.
    Ties go to the smaller pair, so training is deterministic."""
    pieces = Counter(p.encode("utf-8") for p in pretokenize(text))
    words = [[w[i:i + 1] for i in range(len(w))] for w in pieces]
    freq = list(pieces.values())
    counts, where = Counter(), {}
    for wi, w in enumerate(words):
        for pair in zip(w, w[1:]):
            counts[pair] += freq[wi]
            where.setdefault(pair, set()).add(wi)
    tokens = {bytes([b]) for b in range(256)}
    merges = []
    while len(merges) < n_merges:
        candidates = [(c, p) for p, c in counts.items() if c > 0 and p[0] + p[1] not in tokens]
        if not candidates:
            break
        _, (a, b) = max(candidates)
        merges.append((a, b))
        tokens.add(a + b)
        for wi in where.pop((a, b), ()):
            w = words[wi]
            for pair in zip(w, w[1:]):
                counts[pair] -= freq[wi]
            new, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    new.append(a + b)
                    i += 2
                else:
                    new.append(w[i])
                    i += 1
            words[wi] = new
            for pair in zip(new, new[1:]):
                counts[pair] += freq[wi]
                where.setdefault(pair, set()).add(wi)
        counts.pop((a, b), None)
    return merges


def spell(token: bytes) -> str:
    return "".join(bytes_to_unicode()[b] for b in token)


def write_gpt2_files(directory, merges, with_eot=True) -> dict[bytes, int]:
    """vocab.json + merges.txt as GPT-2 ships them. Returns the ranks {token bytes: id}."""
    ranks = {bytes([b]): i for i, b in enumerate(bytes_to_unicode())}       # GPT-2's byte order
    for a, b in merges:
        ranks[a + b] = len(ranks)
    vocab = {spell(t): i for t, i in ranks.items()}
    if with_eot:
        vocab[ENDOFTEXT] = len(ranks)
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{spell(a)} {spell(b)}\n" for a, b in merges))
    return ranks


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    if os.path.exists(SHAKESPEARE):
        text = open(SHAKESPEARE, encoding="utf-8").read()[:60_000]
    else:
        text = FALLBACK_TEXT
    merges = train_bpe(text + UNICODE_SAMPLE * 20, N_MERGES)
    assert len(merges) == N_MERGES
    directory = tmp_path_factory.mktemp("gpt2")
    ranks = write_gpt2_files(directory, merges)
    tok = GPT2Tokenizer.from_dir(directory)
    enc = tiktoken.Encoding(name="test_bpe", pat_str=GPT2_PATTERN, mergeable_ranks=ranks,
                            special_tokens={ENDOFTEXT: len(ranks)})
    return tok, enc, directory


# --- text strategies ---------------------------------------------------------------------------------

# Fragments that random characters rarely hit: contractions, whitespace of every kind (U+001C is
# str.isspace() but not \s), digits, emoji with modifiers, combining marks, noncharacters, specials.
FRAGMENTS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'", " '", "''s", " ", "  ", "   ", "\n",
             "\n\n", "\t", "\r\n", " \n ", "\u00a0", "\u3000", "\u2028", "\x85", "\x1c", "\x1f", "\x0b",
             " the", "the", "The", " 123", "4567", "½", "Ⅻ", "😀", "👍🏽", "👨‍👩‍👧", "e\u0301",
             "\u0301", " \u0301", "café", " naïve", "!!", " ...", "日本", "ß", "aaaa", "\uffff",
             "\U0010ffff", "\ufdd0", ENDOFTEXT, "<|endoftext", "|>"]
# Code points this Python's unicodedata leaves unassigned (Cn) may be letters to tiktoken's newer
# tables (test_classes_agree_with_tiktoken_and_regex_on_every_code_point pins that down), so the
# comparisons keep to assigned ones; the noncharacters above are Cn in every Unicode version.
assigned_chars = st.characters(exclude_categories=("Cs", "Cn"))
any_chars = st.characters(exclude_categories=("Cs",))


def texts(chars):
    return st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(chars, max_size=8)), max_size=16).map("".join)


# --- byte table and pre-tokeniser --------------------------------------------------------------------

def test_bytes_to_unicode_is_gpt2s_table():
    table = bytes_to_unicode()
    assert len(set(table.values())) == 256
    assert table[ord(" ")] == "Ġ" and table[ord("\n")] == "Ċ" and table[ord("A")] == "A"
    assert table[0] == "Ā" and table[0xAD] == "Ń"      # soft hyphen is the last non-printable byte
    order = list(table)
    assert order[:3] == [ord("!"), ord('"'), ord("#")] and order[187] == 0xFF and order[188] == 0x00
    assert not any(c.isspace() for c in table.values())   # so 'a b' in merges.txt is unambiguous


def test_pretokenize_examples():
    # \s+(?!\S) gives back the last space of a run, so ' world' keeps its space
    assert pretokenize("Hello   world") == ["Hello", "  ", " world"]
    assert pretokenize("they're 42x!!\n\n") == ["they", "'re", " 42", "x", "!!", "\n\n"]
    assert pretokenize("I'M") == ["I", "'", "M"]                    # contractions are case sensitive
    # NBSP is \s but cannot prefix a word (only ' ' can), so it stands alone via the last alternative
    assert pretokenize("a \u00a0b") == ["a", " ", "\u00a0", "b"]


def all_code_points() -> str:
    return "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)


def tiktoken_members(pattern: str, text: str) -> set[str]:
    """Characters of `text` that tiktoken's regex engine matches with `pattern`. tiktoken encodes only
    the matches of its pattern and silently drops the text between them; with one token per byte,
    decoding the ids gives back exactly the matched characters."""
    enc = tiktoken.Encoding(name="probe", pat_str=pattern, mergeable_ranks={bytes([b]): b for b in range(256)},
                            special_tokens={})
    return set(enc.decode(enc.encode_ordinary(text)))


def test_classes_agree_with_tiktoken_and_regex_on_every_code_point():
    regex = pytest.importorskip("regex")
    assert tiktoken_members(r"\d", "a1b2") == {"1", "2"}            # the probe works as described
    text = all_code_points()
    L, N, S = _unicode_classes()
    unassigned = {c for c in text if unicodedata.category(c) == "Cn"}
    for ours, prop in ((S, r"\s"), (L, r"\p{L}"), (N, r"\p{N}")):
        mine = set(re.findall(f"[{ours}]", text))
        for name, theirs in (("tiktoken", tiktoken_members(prop, text)), ("regex", set(regex.findall(prop, text)))):
            # \s must agree everywhere; letters and digits may differ only where a newer Unicode than
            # this Python's assigned a code point
            differ = (mine ^ theirs) - (unassigned if prop != r"\s" else set())
            assert not differ, f"{prop} vs {name}: {sorted(hex(ord(c)) for c in differ)[:20]}"
    isspace = {c for c in text if c.isspace()}
    assert isspace - set(re.findall(f"[{S}]", text)) == {"\x1c", "\x1d", "\x1e", "\x1f"}


@settings(max_examples=400, deadline=None)
@given(texts(assigned_chars))
def test_pretokenize_matches_regex_module(text):
    regex = pytest.importorskip("regex")
    assert pretokenize(text) == regex.findall(GPT2_PATTERN, text)


@settings(max_examples=200, deadline=None)
@given(texts(any_chars))
def test_pretokenize_covers_the_text(text):
    assert "".join(pretokenize(text)) == text


# --- encode against tiktoken -------------------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(text=texts(assigned_chars))
def test_encode_matches_tiktoken(trained, text):
    tok, enc, _ = trained
    assert tok.encode(text, allowed_special="all") == enc.encode(text, allowed_special="all")
    assert tok.encode(text, disallowed_special=()) == enc.encode(text, disallowed_special=())
    assert tok.encode_ordinary(text) == enc.encode_ordinary(text)


def test_encode_matches_tiktoken_on_shakespeare(trained):
    if not os.path.exists(SHAKESPEARE):
        pytest.skip(f"{SHAKESPEARE} is absent")
    tok, enc, _ = trained
    text = open(SHAKESPEARE, encoding="utf-8").read()
    rng = random.Random(0)
    for _ in range(20):
        start = rng.randrange(len(text))
        piece = text[start:start + rng.randrange(1, 20_000)]
        assert tok.encode(piece) == enc.encode(piece)
    ids = tok.encode(text)
    assert ids == enc.encode(text)
    assert len(ids) < 0.6 * len(text)            # the merges really compress
    assert tok.decode(ids) == text


def test_lone_surrogates_like_tiktoken(trained):
    tok, enc, _ = trained
    for text in ["a\ud800b", "\ud83d\ude00 ok", "x\udfff"]:      # lone, a valid pair, lone low
        assert tok.encode(text) == enc.encode(text)
    assert tok.decode(tok.encode("a\ud800b")) == "a\ufffdb"


def test_hand_made_merge_order(tmp_path):
    # (a, a) merges every occurrence left to right: 'aaa' -> [aa, a], never [a, aa]; 'aaaa' -> [aa, aa] -> [aaaa]
    ranks = write_gpt2_files(tmp_path, [(b"a", b"a"), (b"aa", b"aa"), (b" ", b"a")], with_eot=False)
    tok = GPT2Tokenizer.from_dir(tmp_path)
    assert tok.encode("aaa") == [ranks[b"aa"], ranks[b"a"]]
    assert tok.encode("aaaa") == [ranks[b"aaaa"]]
    # the lower rank wins: (a, a) takes the first 'a' before (' ', a) gets a chance, and ' ' is left over
    assert tok.encode(" aaa") == [ranks[b" "], ranks[b"aa"], ranks[b"a"]]
    assert tok.encode(" ab") == [ranks[b" a"], ranks[b"b"]]
    assert tok.eot_token is None and tok.vocab_size == 259


def test_ids_come_from_vocab_json_not_rank(tmp_path, trained):
    """Shuffle every id in vocab.json: the same tokens come out under their new ids."""
    tok, _, directory = trained
    vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
    new_ids = list(vocab.values())
    random.Random(1).shuffle(new_ids)
    perm = dict(zip(vocab.values(), new_ids))
    write(tmp_path / "vocab.json", json.dumps(dict(zip(vocab, new_ids))))
    write(tmp_path / "merges.txt", (directory / "merges.txt").read_text(encoding="utf-8"))
    shuffled = GPT2Tokenizer.from_dir(tmp_path)
    text = UNICODE_SAMPLE + ENDOFTEXT + " the end"
    expected = [perm[i] for i in tok.encode(text, allowed_special="all")]
    assert shuffled.encode(text, allowed_special="all") == expected
    assert shuffled.eot_token == perm[tok.eot_token]


# --- special tokens ----------------------------------------------------------------------------------

def test_special_tokens(trained):
    tok, enc, _ = trained
    text = f"hello{ENDOFTEXT} world"
    assert tok.eot_token == N_MERGES + 256 and tok.vocab_size == N_MERGES + 257
    assert tok.special_tokens == {ENDOFTEXT: tok.eot_token}
    with pytest.raises(ValueError, match=re.escape(repr(ENDOFTEXT))):
        tok.encode(text)
    with pytest.raises(ValueError):                                  # the oracle agrees it is an error
        enc.encode(text)
    for kw in ({"allowed_special": "all"}, {"allowed_special": {ENDOFTEXT}}, {"disallowed_special": ()}):
        assert tok.encode(text, **kw) == enc.encode(text, **kw)
    assert tok.eot_token in tok.encode(text, allowed_special="all")
    assert tok.eot_token not in tok.encode(text, disallowed_special=())
    assert tok.decode(tok.encode(text, allowed_special="all")) == text
    with pytest.raises(TypeError, match="did you mean"):
        tok.encode(text, allowed_special=ENDOFTEXT)
    with pytest.raises(ValueError, match="<\\|im_start\\|>"):
        tok.encode(text, allowed_special={"<|im_start|>"})


# --- decode ------------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(text=texts(any_chars))
def test_round_trip(trained, text):
    tok, _, _ = trained
    ids = tok.encode(text, allowed_special="all")
    assert tok.decode(ids) == text
    assert tok.decode_bytes(ids) == text.encode("utf-8")


def test_decode_partial_utf8_and_bad_ids(trained):
    tok, _, _ = trained
    byte_id = {b: i for i, b in enumerate(bytes_to_unicode())}      # ids 0..255, GPT-2's byte order
    ids = tok.encode("é😀")
    assert tok.decode_bytes(ids) == "é😀".encode("utf-8")
    cut = tok.encode("é") + [byte_id[0xF0], byte_id[0x9F]]          # a sample cut inside the emoji
    assert tok.decode_bytes(cut) == b"\xc3\xa9\xf0\x9f"
    assert tok.decode(cut) == "é\ufffd"
    with pytest.raises(ValueError, match="99999"):
        tok.decode([1, 99999])
    assert tok.decode(np.array(ids)) == "é😀"                        # numpy ids (e.g. a model's sample)


# --- bad files ---------------------------------------------------------------------------------------

@pytest.fixture
def good_files(tmp_path):
    write_gpt2_files(tmp_path, [(b" ", b"t"), (b"h", b"e"), (b" t", b"he")])
    return tmp_path / "vocab.json", tmp_path / "merges.txt"


def test_good_files_load(good_files):
    tok = GPT2Tokenizer.from_files(*good_files)
    assert tok.decode(tok.encode(" the")) == " the" and len(tok.encode(" the")) == 1


def test_missing_file(tmp_path, good_files):
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        GPT2Tokenizer.from_files(good_files[0], tmp_path / "nope.txt")
    with pytest.raises(FileNotFoundError, match="vocab.json"):
        GPT2Tokenizer.from_dir(tmp_path / "empty")


@pytest.mark.parametrize("line", ["Ġt", "Ġ t h", "Ġ  t", " Ġt"])
def test_malformed_merges_line(good_files, line):
    vocab, merges = good_files
    write(merges, f"#version: 0.2\nh e\n{line}\n")
    with pytest.raises(ValueError, match=rf"merges.txt .*merges.txt line 3: expected two tokens"):
        GPT2Tokenizer.from_files(vocab, merges)


def test_merges_vocab_mismatch(good_files):
    vocab, merges = good_files
    write(merges, "#version: 0.2\nĠ t\nh e\nt h\n")                      # 'th' is not in vocab.json
    with pytest.raises(ValueError, match=r"line 4: merge 't h' needs the token 'th'.*vocab.json"):
        GPT2Tokenizer.from_files(vocab, merges)
    write(merges, "#version: 0.2\nĠ t\nh e\nĠ t\n")
    with pytest.raises(ValueError, match="line 4: merge 'Ġ t' repeats line 2"):
        GPT2Tokenizer.from_files(vocab, merges)
    write(merges, "#version: 0.2\nĠ t\nh e\nĠt h☃\n")                   # not a byte character
    with pytest.raises(ValueError, match="line 4: token 'h☃' contains '☃'"):
        GPT2Tokenizer.from_files(vocab, merges)


def test_bad_vocab(good_files):
    vocab_path, merges = good_files
    vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
    write(vocab_path, '{"a": 1,')
    with pytest.raises(ValueError, match=r"vocab.json .*not valid JSON \(line 1"):
        GPT2Tokenizer.from_files(vocab_path, merges)
    write(vocab_path, json.dumps({k: v for k, v in vocab.items() if k != "Ġ"}))
    with pytest.raises(ValueError, match="vocab.json .*1 of the 256 single-byte tokens are missing.*'Ġ'"):
        GPT2Tokenizer.from_files(vocab_path, merges)
    write(vocab_path, json.dumps({**vocab, "Ġthe": 0}))
    with pytest.raises(ValueError, match="tokens '!' and 'Ġthe' both have id 0"):
        GPT2Tokenizer.from_files(vocab_path, merges)
    write(vocab_path, json.dumps({**vocab, "Ġthe": "7"}))
    with pytest.raises(ValueError, match="'Ġthe' has id '7'"):
        GPT2Tokenizer.from_files(vocab_path, merges)
    write(vocab_path, json.dumps({**vocab, "<|☃|>": 998}))               # not spelled in byte characters
    with pytest.raises(ValueError, match=re.escape("'<|☃|>' contains '☃'") + ".*special_tokens="):
        GPT2Tokenizer.from_files(vocab_path, merges)
    write(vocab_path, json.dumps({**vocab, "<|im_start|>": 999}))
    tok = GPT2Tokenizer.from_files(vocab_path, merges)                    # unnamed: an ordinary token
    assert set(tok.special_tokens) == {ENDOFTEXT} and tok.decode([999]) == "<|im_start|>"
    tok = GPT2Tokenizer.from_files(vocab_path, merges, special_tokens=("<|im_start|>",))
    assert tok.special_tokens == {"<|im_start|>": 999} and tok.eot_token is None
