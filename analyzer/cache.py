"""Results per file, kept between runs under ``.modelint_cache/`` (as ruff keeps its own).

An entry is found by the file's path and settings, and holds the file's ``stat`` (size, mtime), the hash
of its content, and a key made of modelint's version and every setting that changes the
file's analysis (rule selection, input shapes, expected parameter counts, the path shown
in reports). A warm run checks ``stat`` first and reads nothing else when it matches; when
only the ``stat`` changed (a touch, a checkout) the content is hashed and the entry is
still used if the hash matches.

Entries are pickles, so an entry is trusted only when its HMAC verifies under a secret key
kept outside the project (in the user's cache folder): a corrupt entry, one written by
another version, or one planted in a repository fails the check, is ignored and is
rewritten — never loaded, never a crash. The language server never uses this cache.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from modelint.analyzer import __version__
from modelint.analyzer.context import FileResult, Options

CACHE_DIR = ".modelint_cache"
_MAGIC = b"modelint-cache-1\n"
_DIGEST = 32


def _user_key() -> bytes | None:
    """The secret that signs entries: per user, outside any project, created once."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "modelint" / "cache-key"
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    except FileExistsError:  # another process created it meanwhile
        try:
            key = path.read_bytes()
            return key if len(key) >= 32 else None
        except OSError:
            return None
    except OSError:
        return None


def _build_id() -> str:
    """modelint's own code, by the size and mtime of its modules: an edited checkout or
    an editable install must not read results an older build wrote under the same version."""
    import modelint.analyzer
    import modelint.rules

    h = hashlib.sha256(__version__.encode())
    for package in (modelint.analyzer, modelint.rules):
        for folder in package.__path__:
            for dirpath, dirnames, filenames in os.walk(folder):
                dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
                for name in sorted(filenames):
                    if name.endswith((".py", ".json")):
                        try:
                            st = os.stat(os.path.join(dirpath, name))
                        except OSError:
                            continue
                        h.update(f"{dirpath}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _digest(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            h = hashlib.sha256()
            while block := handle.read(1 << 20):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def settings_key(options: Options, display: str) -> str:
    """Everything besides the content that changes a file's result."""
    sel = options.selection
    parts = (
        __version__, display, sel.select, sel.ignore, sel.extend_select,
        sorted(options.input_shapes.items(), key=lambda kv: (kv[0] is not None, str(kv[0]))),
        sorted(options.expect_params.items()),
        sorted(options.expect_macs.items()), sorted(options.max_macs.items()),  # ML405 budgets
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@dataclass(slots=True)
class _Entry:
    size: int
    mtime_ns: int
    digest: str  # sha256 of the content
    key: str  # settings_key
    result: FileResult


class Cache:
    """One folder of entries; every method swallows I/O problems (a cache that cannot be
    read or written is a slower run, not a failed one)."""

    def __init__(self, root: Path, key: bytes) -> None:
        self.root = root
        self._key = key
        self._folder = root / f"v{__version__}-{_build_id()}"

    @classmethod
    def open(cls, where: Path | None = None) -> "Cache | None":
        """The cache under ``where`` (default: the current folder), or None when it
        cannot be used (no writable place, no key)."""
        root = (where or Path.cwd()) / CACHE_DIR
        key = _user_key()
        if key is None:
            return None
        try:
            root.mkdir(exist_ok=True)
            ignore = root / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by modelint: the cache is not part of the project.\n*\n")
            tag = root / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n"
                               "# This file is a cache directory tag created by modelint.\n")
        except OSError:
            return None
        cache = cls(root, key)
        cache._prune()
        return cache

    def _prune(self) -> None:
        """Entries of other modelint builds can never match again: remove them."""
        try:
            stale = [p for p in self.root.iterdir() if p.is_dir() and p.name.startswith("v") and p != self._folder]
        except OSError:
            return
        for folder in stale:
            shutil.rmtree(folder, ignore_errors=True)

    def _path(self, path: Path, key: str) -> Path:
        """One entry per file and settings: switching settings back and forth (a
        pre-commit hook and a CI job with different selections) keeps both."""
        name = hashlib.sha256(f"{os.path.abspath(path)}\0{key}".encode()).hexdigest()
        return self._folder / name[:2] / name

    def _load(self, where: Path) -> _Entry | None:
        try:
            blob = where.read_bytes()
        except OSError:
            return None
        head = len(_MAGIC)
        if not blob.startswith(_MAGIC) or len(blob) < head + _DIGEST:
            return None
        mac, payload = blob[head:head + _DIGEST], blob[head + _DIGEST:]
        if not hmac.compare_digest(mac, hmac.new(self._key, payload, hashlib.sha256).digest()):
            return None
        try:
            entry = pickle.loads(payload)
        except Exception:  # noqa: BLE001 — signed by us but unreadable (another Python): ignore
            return None
        return entry if isinstance(entry, _Entry) and isinstance(entry.result, FileResult) else None

    def get(self, path: Path, options: Options, display: str) -> FileResult | None:
        """The stored result when the file and the settings are those it was made for."""
        key = settings_key(options, display)
        entry = self._load(self._path(path, key))
        if entry is None or entry.key != key:
            return None
        try:
            st = path.stat()
        except OSError:
            return None
        if st.st_size == entry.size and st.st_mtime_ns == entry.mtime_ns:
            return entry.result
        if st.st_size != entry.size:
            return None
        if _digest(path) != entry.digest:
            return None
        entry.mtime_ns = st.st_mtime_ns  # touched, not changed: trust the stat next time
        self._store(path, entry)
        return entry.result

    def put(self, path: Path, options: Options, display: str, result: FileResult,
            st: os.stat_result) -> None:
        """Store a fresh result with the ``stat`` taken before the analysis read the
        file: a file changed meanwhile keeps an old stat here, so the next run hashes it
        and finds it changed."""
        digest = _digest(path)
        if digest is None:
            return
        self._store(path, _Entry(st.st_size, st.st_mtime_ns, digest, settings_key(options, display), result))

    def _store(self, path: Path, entry: _Entry) -> None:
        try:
            payload = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 — a result that does not pickle is simply not cached
            return
        mac = hmac.new(self._key, payload, hashlib.sha256).digest()
        where = self._path(path, entry.key)
        tmp = where.with_name(f"{where.name}.{os.getpid()}.tmp")
        try:
            where.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(_MAGIC + mac + payload)
            os.replace(tmp, where)  # atomic: a reader sees the old entry or the new one
        except OSError:
            try:
                tmp.unlink()
            except OSError:
                pass


def clean(where: Path | None = None) -> bool:
    """``modelint clean``: remove the cache folder; True when there was one."""
    root = (where or Path.cwd()) / CACHE_DIR
    if not root.is_dir():
        return False
    shutil.rmtree(root, ignore_errors=True)
    return True
