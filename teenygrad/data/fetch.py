"""Find a data file on disk, or download it once into a user cache and verify it.

`locate(name_or_path)` looks, in this order:
  1. an explicit path that exists (what `--data PATH` passes);
  2. `$TEENYGRAD_DATA/<file>`            (a folder you keep the data sets in);
  3. the user cache `cache_dir()/<file>` (`$TEENYGRAD_CACHE`, else `$XDG_CACHE_HOME/teenygrad`,
                                          else `~/.cache/teenygrad`);
  4. a download from the public URL into the cache, kept only if its sha256 matches.

The hashes are those of /work/shared/data/README.md. Set `$TEENYGRAD_DATA_URL` (or pass `base_url=`) to
fetch from a mirror instead: it must serve each file under the last part of its source URL
(`names.txt`, `input.txt`, `sentiment+labelled+sentences.zip`).
"""
import hashlib
import os
import pathlib
import tempfile
from dataclasses import dataclass

_MAKEMORE = "https://raw.githubusercontent.com/karpathy/makemore/988aa59e4d8fefa526d06f3b453ad116258398d4"
_CHAR_RNN = "https://raw.githubusercontent.com/karpathy/char-rnn/master"
_UCI_ZIP = "https://archive.ics.uci.edu/static/public/331/sentiment+labelled+sentences.zip"


@dataclass(frozen=True)
class Remote:
    filename: str               # the name on disk, in $TEENYGRAD_DATA and in the cache
    url: str
    sha256: str                 # of the file as stored on disk (after normalisation, for zip members)
    member: str | None = None   # set when `url` is a zip archive holding the file under this base name


REGISTRY = {
    "names": Remote("names.txt", f"{_MAKEMORE}/names.txt",
                    "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"),
    "shakespeare": Remote("tinyshakespeare.txt", f"{_CHAR_RNN}/data/tinyshakespeare/input.txt",
                          "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"),
    "amazon": Remote("amazon_cells_labelled.txt", _UCI_ZIP,
                     "47003fc0a0d4840b00e96e715b6189bad09e7443a3da41c4cbe12ffc79f86ae3",
                     member="amazon_cells_labelled.txt"),
    "imdb": Remote("imdb_labelled.txt", _UCI_ZIP,
                   "aef2e49e3da25714d61175e3a6e68eeef74a20a2f914318dc3be9947ea86512d",
                   member="imdb_labelled.txt"),
    "yelp": Remote("yelp_labelled.txt", _UCI_ZIP,
                   "c76468b7b5c6e56a0804d728345c5f84aa2142ddb214420f61cc9cfd4c00d2ea",
                   member="yelp_labelled.txt"),
}
_ALIASES = {"tinyshakespeare": "shakespeare", **{r.filename: k for k, r in REGISTRY.items()}}


def cache_dir() -> pathlib.Path:
    """Where downloads are kept; nothing is created until something is downloaded."""
    if os.environ.get("TEENYGRAD_CACHE"):
        return pathlib.Path(os.environ["TEENYGRAD_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return pathlib.Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "teenygrad"
    return pathlib.Path.home() / ".cache" / "teenygrad"


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def remote(name: str) -> Remote:
    """The registry entry for a data set key ('names') or its file name ('names.txt')."""
    key = _ALIASES.get(name, name)
    if key not in REGISTRY:
        raise KeyError(f"locate: {name!r} is neither an existing file nor a known data set "
                       f"(known: {', '.join(sorted(REGISTRY))})")
    return REGISTRY[key]


def locate(name_or_path, *, download: bool = True, base_url: str | None = None,
           timeout: float = 30.0) -> pathlib.Path:
    """Return the path of a data file, downloading it into the cache if no copy is found."""
    path = pathlib.Path(name_or_path).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        raise FileNotFoundError(f"locate: {name_or_path} is a directory; pass a data file inside it, or a data set "
                                f"name (known: {', '.join(sorted(REGISTRY))})")
    try:
        entry = remote(str(name_or_path))
    except KeyError as e:
        raise FileNotFoundError(e.args[0]) from None
    looked = []
    data_dir = os.environ.get("TEENYGRAD_DATA")
    if data_dir:
        candidate = pathlib.Path(data_dir).expanduser() / entry.filename
        if candidate.is_file():
            return candidate
        looked.append(f"$TEENYGRAD_DATA: {candidate} (missing)")
    else:
        looked.append("$TEENYGRAD_DATA: not set")
    cached = cache_dir() / entry.filename
    if cached.is_file():
        return cached
    looked.append(f"cache: {cached} (missing)")

    url = _source_url(entry, base_url)
    why = "downloads were disabled (download=False)"
    if download:
        try:
            _download(entry, url, timeout)
            return cached
        except OSError as e:    # URLError, refused connections, timeouts, a read-only cache ...
            why = f"downloading {url} failed: {e}"
    source = "" if url == entry.url and download else f" (it comes from {entry.url})"    # the URL once, not twice
    env = ""
    if data_dir and not pathlib.Path(data_dir).expanduser().is_dir():
        env = f" (TEENYGRAD_DATA is set to {data_dir}, which is not a folder)"
    raise FileNotFoundError(    # the advice on the first line: the command line shows only that one
        f"locate: no copy of {entry.filename} was found and {why}. To fix: set TEENYGRAD_DATA to a folder "
        f"holding {entry.filename}{env}, or pass --data PATH to a copy of the file{source}.\nLooked in:\n  - "
        + "\n  - ".join(looked))


def _source_url(entry: Remote, base_url: str | None) -> str:
    base = base_url or os.environ.get("TEENYGRAD_DATA_URL")
    if not base:
        return entry.url
    return base.rstrip("/") + "/" + entry.url.rsplit("/", 1)[1]


def _download(entry: Remote, url: str, timeout: float) -> None:
    """Fetch `url` into the cache; a zip fills in every registered member it holds."""
    import urllib.request    # here, not at module level: `import teenygrad` stays fast
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                out.write(chunk)
        if entry.member is None:
            _keep_if_verified(entry, url, tmp)
        else:
            _unpack_members(entry, url, tmp)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _unpack_members(entry: Remote, url: str, zip_path: str) -> None:
    import zipfile
    wanted = {r.member: r for r in REGISTRY.values() if r.url == entry.url and r.member}
    if not zipfile.is_zipfile(zip_path):
        raise RuntimeError(f"locate: {url} did not send a zip archive (expected one holding {entry.member})")
    with zipfile.ZipFile(zip_path) as zf:
        members = {n.rsplit("/", 1)[-1]: n for n in zf.namelist() if not n.startswith("__MACOSX/")}
        if entry.member not in members:
            raise RuntimeError(f"locate: {url} holds no {entry.member} (it holds: {sorted(members)})")
        for base, r in wanted.items():
            if base in members and (r is entry or not (cache_dir() / r.filename).exists()):
                _save_member(r, url, _normalise_newlines(zf.read(members[base])))


def _save_member(entry: Remote, url: str, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=cache_dir(), prefix=".unpack-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        _keep_if_verified(entry, url, tmp)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _normalise_newlines(raw: bytes) -> bytes:
    """UCI's members use CRLF; the README's hashes are of `tr -d '\\r'` plus one final newline."""
    text = raw.replace(b"\r", b"")
    return text if text.endswith(b"\n") else text + b"\n"


def _keep_if_verified(entry: Remote, url: str, tmp: str) -> None:
    got = sha256_file(tmp)
    if got != entry.sha256:    # the caller's `finally` deletes tmp, so nothing bad stays in the cache
        raise RuntimeError(f"locate: sha256 mismatch for {entry.filename} from {url}: expected "
                           f"{entry.sha256}, got {got}; the download was deleted, not cached")
    os.replace(tmp, cache_dir() / entry.filename)    # atomic: readers never see a partial file
