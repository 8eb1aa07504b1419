"""Which files a run analyses: ``*.py`` and ``*.onnx`` under the given folders,
skipping version-control folders, virtualenvs, what ``.gitignore`` files exclude and
the configured ``exclude`` globs. Files named explicitly are always analysed,
unless ``--force-exclude`` says the excludes apply to them too (pre-commit)."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from modelint.analyzer.config import DEFAULT_EXCLUDE, ConfigResolver

SUFFIXES = (".py", ".onnx", ".ipynb")


def _display(path: Path) -> str:
    """The path as the user named it, relative to the current folder when inside it
    (symlinks are not resolved: a link is reported under its own name)."""
    try:
        return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(os.getcwd()))).as_posix() \
            if _inside(path) else path.as_posix()
    except ValueError:  # another drive (Windows)
        return path.as_posix()


def _inside(path: Path) -> bool:
    here = os.path.abspath(os.getcwd())
    return os.path.commonpath([os.path.abspath(path), here]) == here


def config_path(path: Path, resolver: ConfigResolver | None = None) -> Path:
    """The path to look a file's settings up by. A symlink loop has no real path (and
    resolving it raises): its folder's settings apply, and reading it reports the loop."""
    try:
        resolver.real(path) if resolver is not None else path.resolve()
    except (OSError, RuntimeError):
        return path.parent / "_"
    return path


def settings_of(path: Path, resolver: ConfigResolver):
    """(the path settings are looked up by, its real path, those settings)."""
    where = config_path(path, resolver)
    real = resolver.real(where)
    return where, real, resolver.for_path(where, real)


def _identity(path: Path, resolver: ConfigResolver) -> Path:
    """What makes two names the same file (a file named twice is analysed once); a
    symlink loop has no target and stays itself (reading it reports the loop)."""
    try:
        return resolver.real(path)
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


_GITIGNORE_STYLE = "gitignore"  # pathspec >= 0.12 name; "gitwildmatch" is deprecated


def _gitignore(folder: Path):
    gi = folder / ".gitignore"
    if not gi.is_file():
        return None
    import pathspec

    lines = gi.read_text(encoding="utf-8", errors="replace").splitlines()
    for style in (_GITIGNORE_STYLE, "gitwildmatch"):  # older pathspec knows only the latter
        try:
            return pathspec.PathSpec.from_lines(style, lines)
        except LookupError:
            continue
        except Exception:  # noqa: BLE001 — a broken .gitignore must not stop the run
            return None
    return None


def _walk(root: Path, resolver: ConfigResolver) -> Iterator[Path]:
    specs: list[tuple[Path, object]] = []
    for parent in (root, *root.parents):
        if (parent / ".git").exists():
            break
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        spec = _gitignore(here)
        if spec is not None:
            specs.append((here, spec))

        def ignored(p: Path, is_dir: bool) -> bool:
            for base, sp in specs:
                try:
                    rel = p.relative_to(base).as_posix()
                except ValueError:
                    continue
                if sp.match_file(rel + ("/" if is_dir else "")):  # type: ignore[attr-defined]
                    return True
            return False

        keep = []
        for d in sorted(dirnames):
            sub = here / d
            if any(fnmatch.fnmatch(d, pat) for pat in DEFAULT_EXCLUDE) or (sub / "pyvenv.cfg").exists():
                continue
            if ignored(sub, True):
                continue
            real = resolver.real(sub)
            if resolver.for_path(sub / "_", real / "_").is_excluded(sub, real):
                continue
            keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            p = here / f
            if p.suffix.lower() in SUFFIXES and not ignored(p, False):
                where, real, settings = settings_of(p, resolver)
                if not settings.is_excluded(where, real):
                    yield p


def discover(paths: Sequence[Path], resolver: ConfigResolver, force_exclude: bool = False) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for given in paths:
        if given.is_dir():
            candidates = list(_walk(given, resolver))
        else:
            if force_exclude:
                where, real, settings = settings_of(given, resolver)
                if settings.is_excluded(where, real):
                    continue
            candidates = [given]
        for p in candidates:
            key = _identity(p, resolver)
            if key not in seen:
                seen.add(key)
                out.append((p, _display(p)))
    return out
