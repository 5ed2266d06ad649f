"""teenygrad.data: splits against independent recomputations on the real files, the lookup order,
the verified download against a local HTTP server, the tokenizer and the batching helpers.

The real files come from ../shared/data (tests skip when it is missing); no test touches the internet:
every download goes to a server on 127.0.0.1 or to a closed port."""
import functools
import hashlib
import http.server
import io
import json
import pathlib
import random
import socket
import subprocess
import sys
import threading
import zipfile

import numpy as np
import pytest

from teenygrad.data import (REGISTRY, CharTokenizer, Vocabulary, build_windows, cache_dir, locate, names,
                            random_batch, read_labelled, read_text, sentiment, sha256_file, shakespeare,
                            text_file, words_of, xor)

SHARED = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"
if not SHARED.is_dir():
    SHARED = pathlib.Path("/work/shared/data")
needs_data = pytest.mark.skipif(not (SHARED / "names.txt").is_file(), reason="shared/data not present")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No test may read the user's cache or reach the internet."""
    for var in ("TEENYGRAD_DATA", "TEENYGRAD_DATA_URL", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TEENYGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TEENYGRAD_DATA_URL", "http://127.0.0.1:9")    # discard port: nothing answers
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def shared_data(monkeypatch):
    if not (SHARED / "names.txt").is_file():
        pytest.skip("shared/data not present")
    monkeypatch.setenv("TEENYGRAD_DATA", str(SHARED))
    return SHARED


# ---- the real data sets: sizes and splits, recomputed independently ----

@needs_data
@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_registry_hashes_match_the_shared_files(key):
    entry = REGISTRY[key]
    assert sha256_file(SHARED / entry.filename) == entry.sha256
    assert hashlib.sha256((SHARED / entry.filename).read_bytes()).hexdigest() == entry.sha256


def test_names_split_matches_the_lecture(shared_data):
    words = open(shared_data / "names.txt", "r").read().splitlines()    # the lecture's own lines
    state = random.getstate()
    random.seed(42)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    splits = names()
    assert len(words) == 32033
    assert splits["train"] == words[:n1] and splits["val"] == words[n1:n2] and splits["test"] == words[n2:]
    assert [len(splits[k]) for k in ("train", "val", "test")] == [25626, 3203, 3204]
    random.setstate(state)
    before = random.getstate()
    names()
    assert random.getstate() == before, "names() must not disturb the global RNG"


def test_names_windows_match_the_lecture_shapes(shared_data):
    splits = names()
    tok = CharTokenizer.from_words(splits["train"] + splits["val"] + splits["test"])
    X, Y = build_windows(splits["train"], tok, block_size=3)
    assert X.shape == (182625, 3) and Y.shape == (182625,)    # Xtr.shape printed in the lecture
    assert X.dtype == np.int64 and Y.dtype == np.int64
    assert int((Y == 0).sum()) == len(splits["train"])    # one end token per word


def test_shakespeare_split_matches_nanogpt(shared_data):
    data = open(shared_data / "tinyshakespeare.txt", "r").read()
    n = len(data)
    splits = shakespeare()
    assert splits["train"] == data[:int(n * 0.9)] and splits["val"] == data[int(n * 0.9):]
    assert (len(splits["train"]), len(splits["val"])) == (1003854, 111540)
    assert CharTokenizer.from_text(splits["train"] + splits["val"]).vocab_size == 65


def test_sentiment_parsing(shared_data):
    rows = [p for name in ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt")
            for p in read_labelled(shared_data / name)]
    assert len(rows) == 3000
    assert sum(label for _, label in rows) == 1500
    assert all(label in (0, 1) for _, label in rows)
    assert not any("\t" in s for s, _ in rows)
    assert not any(s.endswith(" ") for s, _ in rows)
    nel = [s for s, _ in rows if "\x85" in s]
    assert len(nel) == 2 and all(s.index("\x85") < len(s) - 1 for s in nel), "U+0085 must stay inside"
    # independent recomputation: split on '\n' only, label after the LAST tab
    raw = (shared_data / "imdb_labelled.txt").read_text(encoding="utf-8").split("\n")[:-1]
    expect = [(line.rsplit("\t", 1)[0].rstrip(" "), int(line.rsplit("\t", 1)[1])) for line in raw]
    assert read_labelled(shared_data / "imdb_labelled.txt") == expect
    assert any('"' in s for s, _ in rows), "quotes are data, not CSV quoting"


def test_sentiment_split_is_stratified_and_reproducible(shared_data):
    a, b, c = sentiment(seed=0), sentiment(seed=0), sentiment(seed=1)
    sizes = {k: len(a[k][0]) for k in a}
    assert sizes == {"train": 2400, "val": 300, "test": 300}
    for k in a:
        assert a[k][0] == b[k][0] and np.array_equal(a[k][1], b[k][1])
        assert a[k][1].dtype == np.int64 and int(a[k][1].sum()) == sizes[k] // 2
        assert len(a[k][0]) == len(a[k][1])
    assert a["train"][0] != c["train"][0], "a different seed must give a different split"
    everything = [s for k in a for s in zip(*a[k])]
    pooled = [p for name in ("amazon", "imdb", "yelp") for p in read_labelled(locate(name))]
    assert sorted((s, int(y)) for s, y in everything) == sorted(pooled), "splits must partition the pool"
    assert sentiment(path=shared_data)["val"][0] == a["val"][0]    # a folder works like the lookup
    one = sentiment(path=shared_data / "yelp_labelled.txt")
    assert [len(one[k][0]) for k in ("train", "val", "test")] == [800, 100, 100]


def test_text_file_and_empty_file(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text("abcdefghij", encoding="utf-8")
    assert text_file(f) == {"train": "abcdefghi", "val": "j"}
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.txt is empty"):
        text_file(empty)
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.txt is not UTF-8.*0xe9.*offset 3"):
        read_text(bad)


def test_labelled_file_errors(tmp_path):
    f = tmp_path / "mine.txt"
    f.write_text("a\tb good\t1\r\nno tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"mine.txt line 2 is not 'sentence<TAB>0\|1'"):
        read_labelled(f)
    f.write_text("a\tb good  \t1\r\nbad\t0\n", encoding="utf-8")
    assert read_labelled(f) == [("a\tb good", 1), ("bad", 0)]    # the label follows the LAST tab
    with pytest.raises(FileNotFoundError, match="lacks .*amazon_cells_labelled.txt"):
        sentiment(path=tmp_path)


def test_xor():
    X, y = xor()
    assert X.dtype == np.float32 and X.shape == (4, 2) and y.dtype == np.int64
    assert np.array_equal(y, np.logical_xor(X[:, 0], X[:, 1]).astype(np.int64))


# ---- lookup order ----

def _put(folder, filename, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_text(text)
    return folder / filename


def test_lookup_order_explicit_then_env_then_cache(tmp_path, monkeypatch):
    cached = _put(cache_dir(), "names.txt", "cache\n")
    assert locate("names") == cached
    env = _put(tmp_path / "env", "names.txt", "env\n")
    monkeypatch.setenv("TEENYGRAD_DATA", str(tmp_path / "env"))
    assert locate("names") == env
    assert locate("names.txt") == env                    # the file name works as the key, too
    explicit = _put(tmp_path / "mine", "names.txt", "mine\n")
    assert locate(explicit) == explicit
    assert locate(str(explicit)) == explicit
    assert names(explicit)["train"] == []                # one word: 80% of 1 is 0
    assert names(explicit)["test"] == ["mine"]


def test_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.delenv("TEENYGRAD_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "teenygrad"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == pathlib.Path.home() / ".cache" / "teenygrad"


def test_unknown_name_and_missing_explicit_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="neither an existing file nor a known data set"):
        locate("mnist")
    with pytest.raises(FileNotFoundError, match="neither an existing file"):
        locate(tmp_path / "nope" / "names.txt")    # an explicit path never falls back to a download


# ---- downloads against a local server ----

@pytest.fixture
def server(tmp_path, monkeypatch):
    """Serve tmp_path/www over HTTP on 127.0.0.1 and point TEENYGRAD_DATA_URL at it."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TEENYGRAD_DATA_URL", f"http://127.0.0.1:{httpd.server_address[1]}/mirror")
    (root / "mirror").mkdir()
    yield root / "mirror"
    httpd.shutdown()
    httpd.server_close()


def _fake_entry(monkeypatch, text):
    """Register names.txt with the hash of `text`, so no real data is needed to test the download."""
    from teenygrad.data import fetch
    entry = fetch.Remote("names.txt", REGISTRY["names"].url, hashlib.sha256(text.encode()).hexdigest())
    monkeypatch.setitem(fetch.REGISTRY, "names", entry)
    return entry


def test_download_success_is_verified_and_cached(server, monkeypatch):
    _fake_entry(monkeypatch, "emma\nolivia\n")
    (server / "names.txt").write_text("emma\nolivia\n")
    path = locate("names")
    assert path == cache_dir() / "names.txt" and path.read_text() == "emma\nolivia\n"
    assert sorted(p.name for p in cache_dir().iterdir()) == ["names.txt"], "no temp file may remain"
    (server / "names.txt").unlink()
    assert locate("names") == path    # the second call is served from the cache


def test_download_hash_mismatch_leaves_nothing(server, monkeypatch):
    entry = _fake_entry(monkeypatch, "emma\nolivia\n")
    (server / "names.txt").write_text("tampered\n")
    with pytest.raises(RuntimeError) as err:
        locate("names")
    msg = str(err.value)
    assert entry.sha256 in msg and hashlib.sha256(b"tampered\n").hexdigest() in msg
    assert list(cache_dir().iterdir()) == [], "a bad download must not be cached, not even as a temp file"


def test_server_down_gives_advice(monkeypatch):
    with socket.socket() as s:    # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FileNotFoundError) as err:
        locate("names", base_url=f"http://127.0.0.1:{port}", timeout=5)
    msg = str(err.value)
    assert "TEENYGRAD_DATA" in msg and "--data PATH" in msg
    assert str(cache_dir() / "names.txt") in msg and "not set" in msg    # where it looked
    assert f"127.0.0.1:{port}/names.txt" in msg
    with pytest.raises(FileNotFoundError, match="download=False"):
        locate("names", download=False)


def test_offline_advice_names_the_url_once_and_a_bad_data_folder(monkeypatch, tmp_path):
    """The first line is all the command line shows: it gave the public URL twice, and said nothing when
    TEENYGRAD_DATA pointed at no folder at all (a typo there is the usual cause)."""
    import teenygrad.data.fetch as fetch
    from teenygrad.data import REGISTRY

    def offline(entry, url, timeout):
        raise OSError("no network")
    monkeypatch.setattr(fetch, "_download", offline)
    monkeypatch.setenv("TEENYGRAD_DATA", str(tmp_path / "no-such-folder"))
    with pytest.raises(FileNotFoundError) as err:
        locate("names")
    first = str(err.value).splitlines()[0]
    assert first.count(REGISTRY["names"].url) == 1 and "no network" in first
    assert f"TEENYGRAD_DATA is set to {tmp_path / 'no-such-folder'}, which is not a folder" in first
    monkeypatch.setenv("TEENYGRAD_DATA", str(tmp_path))    # a folder without the file: no such remark
    with pytest.raises(FileNotFoundError) as err:
        locate("names")
    assert "not a folder" not in str(err.value)
    with pytest.raises(FileNotFoundError) as err:    # nothing downloaded: the URL is still given, once
        locate("names", download=False)
    assert str(err.value).splitlines()[0].count(REGISTRY["names"].url) == 1


@needs_data
@pytest.mark.parametrize("final_newline", [False, True])
def test_download_uci_zip_normalises_crlf(server, final_newline):
    """UCI ships CRLF members; the registry hashes are of the LF files with one final newline."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for key in ("amazon", "imdb", "yelp"):
            lf = (SHARED / REGISTRY[key].filename).read_bytes()
            crlf = lf[:-1].replace(b"\n", b"\r\n") + (b"\r\n" if final_newline else b"")
            zf.writestr(f"sentiment labelled sentences/{REGISTRY[key].filename}", crlf)
        zf.writestr("__MACOSX/sentiment labelled sentences/._imdb_labelled.txt", b"junk")
    (server / "sentiment+labelled+sentences.zip").write_bytes(buf.getvalue())
    path = locate("imdb")
    assert path == cache_dir() / "imdb_labelled.txt"
    assert path.read_bytes() == (SHARED / "imdb_labelled.txt").read_bytes()
    names_in_cache = sorted(p.name for p in cache_dir().iterdir())
    assert names_in_cache == ["amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"]
    assert len(sentiment()["train"][0]) == 2400


def test_download_zip_member_mismatch_leaves_nothing(server):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("sentiment labelled sentences/imdb_labelled.txt", b"Great film.\t1\r\n")
    (server / "sentiment+labelled+sentences.zip").write_bytes(buf.getvalue())
    with pytest.raises(RuntimeError, match=f"sha256 mismatch for imdb_labelled.txt.*{REGISTRY['imdb'].sha256}"):
        locate("imdb")
    assert list(cache_dir().iterdir()) == []
    with pytest.raises(RuntimeError, match="holds no yelp_labelled.txt"):
        locate("yelp")


def test_download_non_zip_is_an_error(server):
    (server / "sentiment+labelled+sentences.zip").write_text("<html>not found</html>")
    with pytest.raises(RuntimeError, match="did not send a zip"):
        locate("yelp")
    assert list(cache_dir().iterdir()) == []


def test_import_stays_light():
    """urllib and zipfile load only when a download actually happens."""
    code = ("import sys, teenygrad; before = set(sys.modules); import teenygrad.data; "
            "print(sorted({'urllib.request', 'zipfile', 'http.client'} & (set(sys.modules) - before)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=pathlib.Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# ---- tokenizer ----

def test_char_tokenizer_from_words_is_makemore():
    words = ["emma", "olivia", "ava"]
    tok = CharTokenizer.from_words(words)
    chars = sorted(list(set("".join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    assert tok.stoi == stoi and tok.vocab_size == len(stoi) == 8
    assert tok.encode(".emma.").tolist() == [stoi[c] for c in ".emma."]
    with pytest.raises(ValueError, match="boundary token '.'"):
        CharTokenizer.from_words(["a.b"])


@pytest.mark.parametrize("text", ["hello world\n", "First Citizen:\nBefore we proceed", "caf\u00e9 \x85 \u2603"])
def test_char_tokenizer_round_trip(text):
    tok = CharTokenizer.from_text(text)
    ids = tok.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert tok.decode(ids) == text and tok.decode(ids.tolist()) == text
    assert ids.tolist() == [sorted(set(text)).index(c) for c in text]
    again = CharTokenizer.from_dict(json.loads(json.dumps(tok.to_dict())))
    assert again == tok and again.encode(text).tolist() == ids.tolist()


def test_char_tokenizer_errors():
    tok = CharTokenizer.from_text("abc")
    with pytest.raises(ValueError, match=r"'z' \(U\+007A\) at position 2"):
        tok.encode("abz")
    with pytest.raises(ValueError, match="id 3 is out of range"):
        tok.decode([0, 3])
    with pytest.raises(ValueError, match="id -1"):
        tok.decode(np.array([-1]))
    with pytest.raises(ValueError, match="must be integers"):
        tok.decode(np.array([0.5]))
    with pytest.raises(ValueError, match="twice"):
        CharTokenizer("aba")
    with pytest.raises(ValueError, match="from_dict"):
        CharTokenizer.from_dict({"type": "bpe", "merges": []})
    assert tok.decode([]) == "" and tok.encode("").shape == (0,)


# ---- batching ----

def test_build_windows_hand_computed():
    tok = CharTokenizer.from_words(["ab", "b"])    # . a b -> 0 1 2
    X, Y = build_windows(["ab", "b"], tok, block_size=2)
    # "ab.": [. .]->a, [. a]->b, [a b]->.   "b.": [. .]->b, [. b]->.
    assert X.tolist() == [[0, 0], [0, 1], [1, 2], [0, 0], [0, 2]]
    assert Y.tolist() == [1, 2, 0, 2, 0]
    assert X.dtype == np.int64 and Y.dtype == np.int64
    X1, Y1 = build_windows(["ab"], tok, block_size=1)
    assert X1.tolist() == [[0], [1], [2]] and Y1.tolist() == [1, 2, 0]
    X0, Y0 = build_windows([], tok, block_size=3)
    assert X0.shape == (0, 3) and Y0.shape == (0,)
    with pytest.raises(ValueError, match="block_size"):
        build_windows(["ab"], tok, block_size=0)
    with pytest.raises(ValueError, match="no boundary token"):
        build_windows(["ab"], CharTokenizer.from_text("ab"), block_size=2)


def test_random_batch_shift_and_reproducibility():
    data = np.arange(100, 200, dtype=np.int64)    # value - 100 == position, so offsets are visible
    x, y = random_batch(data, block_size=8, batch_size=16, rng=np.random.default_rng(0))
    assert x.shape == y.shape == (16, 8) and x.dtype == y.dtype == np.int64
    assert np.array_equal(x[:, 1:], y[:, :-1]) and np.array_equal(y, x + 1)
    assert np.all(np.diff(x, axis=1) == 1), "each row is one contiguous slice"
    assert x.min() >= 100 and y.max() <= 199
    x2, y2 = random_batch(data, 8, 16, np.random.default_rng(0))
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    x3, _ = random_batch(data, 8, 16, np.random.default_rng(1))
    assert not np.array_equal(x, x3)
    starts = set(random_batch(data, 8, 5000, np.random.default_rng(2))[0][:, 0].tolist())
    assert starts == set(range(100, 192)), "every offset 0..len-block-1 must be reachable, none beyond"


def test_random_batch_errors():
    with pytest.raises(ValueError, match="too few"):
        random_batch(np.arange(8), 8, 2, np.random.default_rng(0))
    with pytest.raises(TypeError, match="Generator"):
        random_batch(np.arange(20), 8, 2, 0)
    with pytest.raises(ValueError, match="1-D integer"):
        random_batch(np.zeros(20), 8, 2, np.random.default_rng(0))


def test_vocabulary_bag_of_words():
    train = ["Good food, GOOD service!", "Bad food.", "don't go"]
    vocab = Vocabulary.build(train)
    assert words_of("Don't BUY it!!") == ["don't", "buy", "it"]
    # accented letters belong to their word (the UCI files have "clichés", "fiancé", "puréed"); '_' separates
    assert words_of("Clichés, my fiancé_said") == ["clichés", "my", "fiancé", "said"]
    assert vocab.words == ["food", "good", "bad", "don't", "go", "service"]    # by count, then a-z
    bow = vocab.bag_of_words(["good good bad", "unseen words only", ""])
    assert bow.dtype == np.float32 and bow.shape == (3, 6)
    assert bow.tolist() == [[0, 2, 1, 0, 0, 0], [0] * 6, [0] * 6]
    assert vocab.bag_of_words(["good good"], binary=True).tolist() == [[0, 1, 0, 0, 0, 0]]
    assert Vocabulary.build(train, min_count=2).words == ["food", "good"]
    assert Vocabulary.build(train, max_size=1).words == ["food"]
    assert Vocabulary.from_dict(json.loads(json.dumps(vocab.to_dict()))).words == vocab.words
    with pytest.raises(TypeError, match="list of sentences"):
        vocab.bag_of_words("good food")


def test_ngram_vocabulary_features():
    from teenygrad.data.datasets import NgramVocabulary
    train = ["Not bad, LOVED it", "not bad at all", "bad food"]
    vocab = NgramVocabulary.build(train, min_count=2)
    grams = vocab.grams("Not bad, LOVED it")
    assert grams[:7] == ["not", "bad", "loved", "it", "not bad", "bad loved", "loved it"]
    assert {"#<lo", "#lov", "#ove", "#ved", "#ed>", "#<love", "#loved", "#oved>"} <= set(grams)
    assert "#<lov" in grams and "#<loved>" not in grams                  # 3 to 5 characters of '<loved>'
    assert {"not", "loved", "food", "all"} <= set(vocab.words)            # every training word is kept
    assert "not bad" in vocab.words and "bad loved" not in vocab.words    # n-grams need 2 sentences
    assert vocab.words[:7] == ["#<ba", "#<bad", "#<bad>", "#ad>", "#bad", "#bad>", "bad"]   # in 3 sentences: first
    X = vocab.bag_of_words(["not bad", "nothing known here", ""])
    assert X.dtype == np.float32 and X.shape == (3, len(vocab))
    row = X[0]
    on = row > 0
    assert np.allclose(row[on], row[on][0]) and np.isclose(np.linalg.norm(row), 1.0)   # binary, unit length
    assert set(np.array(vocab.words)[on]) == {g for g in vocab.grams("not bad") if g in vocab.index}
    assert not X[2].any()                                                 # an empty sentence stays zero
    assert np.isclose(np.linalg.norm(X[1]), 1.0)                          # 'nothing' shares '#<no', '#not'
    plain = NgramVocabulary.build(train, chars=(0, 0), bigrams=False)
    assert sorted(plain.words) == sorted(Vocabulary.build(train).words)   # no n-grams: a bag of words
    again = NgramVocabulary.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert again.words == vocab.words and np.array_equal(again.bag_of_words(train), vocab.bag_of_words(train))
    with pytest.raises(ValueError, match="chars"):
        NgramVocabulary(["a"], chars=(5, 3))
    with pytest.raises(TypeError, match="list of sentences"):
        vocab.bag_of_words("not bad")
