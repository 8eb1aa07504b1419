"""``[tool.modelint]`` in ``pyproject.toml`` or a ``modelint.toml``: the closest one
found by walking up from each analysed file, as ruff does; CLI flags override it.

A bad key or value is a usage error (exit 2) whose one line names the key and file.
"""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from modelint.analyzer.diagnostics import Severity
from modelint.analyzer.context import Options
from modelint.analyzer.selection import DEFAULT_SELECT, Selection
from modelint.analyzer.shapes import Shape

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KNOWN_KEYS = {
    "select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude",
    "fail-on", "input-shape", "expect-params",
    "expect-macs", "max-macs",  # compute budgets (ML405), model name = MACs
}
DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "node_modules", "build", "dist", "site-packages",
    "*.egg-info",
)


class ConfigError(Exception):
    """A configuration problem; its message is the one line users see."""


@dataclass(frozen=True, slots=True)
class Settings:
    root: Path | None = None  # folder of the config file that produced these settings
    source: str = ""
    select: tuple[str, ...] = DEFAULT_SELECT  # the rules whose findings are defects
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: Severity = Severity.WARNING
    input_shapes: tuple[tuple[str | None, Shape], ...] = ()
    expect_params: tuple[tuple[str, int], ...] = ()
    expect_macs: tuple[tuple[str, int], ...] = ()
    max_macs: tuple[tuple[str, int], ...] = ()

    def options_for(self, path: Path, real: Path | None = None) -> Options:
        """``real``: the path resolved, when the caller has it (a run resolves each file once)."""
        ignore = list(self.ignore)
        rel = self._relative(path, real)
        for pattern, codes in self.per_file_ignores:
            if _glob_match(rel, pattern):
                ignore.extend(codes)
        return Options(
            selection=Selection(self.select, tuple(ignore), self.extend_select),
            input_shapes=dict(self.input_shapes),
            expect_params=dict(self.expect_params),
            expect_macs=dict(self.expect_macs),
            max_macs=dict(self.max_macs),
        )

    def _relative(self, path: Path, real: Path | None = None) -> str:
        try:
            base = self.root.resolve() if self.root is not None else Path.cwd().resolve()
            return (real if real is not None else path.resolve()).relative_to(base).as_posix()
        except ValueError:
            return path.as_posix()

    def is_excluded(self, path: Path, real: Path | None = None) -> bool:
        rel = self._relative(path, real)
        parts = rel.split("/")
        for pattern in self.exclude:
            if _glob_match(rel, pattern) or any(fnmatch.fnmatch(p, pattern) for p in parts):
                return True
        return False


def _glob_match(rel: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    return fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, f"{pattern}/*") or rel.startswith(f"{pattern}/")


def _str_list(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def parse_severity(value: Any, key: str, where: str) -> Severity:
    try:
        return Severity(str(value).lower())
    except ValueError:
        raise ConfigError(f"{where}: `{key}` must be one of info, warning, error (got {value!r})") from None


def _shapes(value: Any, where: str) -> tuple[tuple[str | None, Shape], ...]:
    from modelint.analyzer.frontends._shapes_config import parse_shape

    if isinstance(value, (str, list)):
        value = {"*": value}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `input-shape` must be a shape or a table of model name = shape")
    out: list[tuple[str | None, Shape]] = []
    for name, raw in value.items():
        text = raw if isinstance(raw, str) else ",".join("None" if v is None else str(v) for v in raw) if isinstance(raw, list) else None
        shape = parse_shape(text) if text is not None else None
        if not shape:
            raise ConfigError(f"{where}: `input-shape.{name}` is not a shape (got {raw!r}); write e.g. \"1,3,32,32\"")
        out.append((None if name == "*" else name, shape))
    return tuple(out)


def settings_from_table(table: dict[str, Any], root: Path, where: str) -> Settings:
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key `{unknown[0]}` in [tool.modelint] "
                          f"(known: {', '.join(sorted(KNOWN_KEYS))})")
    from modelint.analyzer.rule import all_rules
    from modelint.analyzer.selection import unknown_selectors

    s = Settings(root=root, source=where)
    for key, attr in (("select", "select"), ("ignore", "ignore"), ("extend-select", "extend_select")):
        if key in table:
            values = _str_list(table[key], key, where)
            bad = unknown_selectors(values, all_rules())
            if bad:
                raise ConfigError(f"{where}: `{key}` names no rule: {bad[0]!r}")
            s = replace(s, **{attr: values})
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError(f"{where}: `per-file-ignores` must be a table of glob = [codes]")
        entries = tuple((k, _str_list(v, f"per-file-ignores.{k}", where)) for k, v in pfi.items())
        for pattern, codes in entries:
            bad = unknown_selectors(codes, all_rules())
            if bad:
                raise ConfigError(f"{where}: `per-file-ignores.{pattern}` names no rule: {bad[0]!r}")
        s = replace(s, per_file_ignores=entries)
    excludes: list[str] = []
    for key in ("exclude", "extend-exclude"):
        if key in table:
            excludes.extend(_str_list(table[key], key, where))
    s = replace(s, exclude=tuple(excludes))
    if "fail-on" in table:
        s = replace(s, fail_on=parse_severity(table["fail-on"], "fail-on", where))
    if "input-shape" in table:
        s = replace(s, input_shapes=_shapes(table["input-shape"], where))
    if "expect-params" in table:
        ep = table["expect-params"]
        if not isinstance(ep, dict) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                               for v in ep.values()):
            raise ConfigError(f"{where}: `expect-params` must be a table of model name = non-negative integer")
        s = replace(s, expect_params=tuple(ep.items()))
    for key, attr in (("expect-macs", "expect_macs"), ("max-macs", "max_macs")):
        if key in table:
            budget = table[key]
            if not isinstance(budget, dict) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                                       for v in budget.values()):
                raise ConfigError(f"{where}: `{key}` must be a table of model name = non-negative integer")
            s = replace(s, **{attr: tuple(budget.items())})
    return s


def load_config_file(path: Path) -> Settings | None:
    """Settings from one file, or None when a pyproject.toml has no [tool.modelint]."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("modelint")
        if table is None:
            return None
        where = f"{where} [tool.modelint]"
    else:
        table = data.get("tool", {}).get("modelint", data) if "tool" in data else data
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.modelint] must be a table")
    return settings_from_table(table, path.parent, where)


@dataclass
class ConfigResolver:
    """Finds the closest config for each file; ``explicit`` (``--config``) wins."""

    explicit: Settings | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    _cache: dict[Path, Settings] = field(default_factory=dict)
    _real: dict[Path, Path] = field(default_factory=dict)

    def real(self, path: Path) -> Path:
        """``path.resolve()``, once per path for this resolver's run (a file's settings,
        its excludes and its identity all ask; each resolve stats every folder above it).
        Raises as ``resolve`` does (a symlink loop), and is then not remembered."""
        found = self._real.get(path)
        if found is None:
            found = self._real[path] = path.resolve()
        return found

    def for_path(self, path: Path, real: Path | None = None) -> Settings:
        if self.explicit is not None:
            return self.apply_overrides(self.explicit)
        folder = (real if real is not None else self.real(path)).parent
        if folder not in self._cache:
            self._cache[folder] = self.apply_overrides(_closest(folder))
        return self._cache[folder]

    def apply_overrides(self, s: Settings) -> Settings:
        o = self.overrides
        if o.get("select"):
            s = replace(s, select=tuple(o["select"]))
        if o.get("ignore"):
            s = replace(s, ignore=s.ignore + tuple(o["ignore"]))
        if o.get("extend_select"):
            s = replace(s, extend_select=s.extend_select + tuple(o["extend_select"]))
        if o.get("fail_on") is not None:
            s = replace(s, fail_on=o["fail_on"])
        if o.get("input_shapes"):
            merged = dict(s.input_shapes)
            merged.update(o["input_shapes"])
            s = replace(s, input_shapes=tuple(merged.items()))
        if o.get("exclude"):
            s = replace(s, exclude=s.exclude + tuple(o["exclude"]))
        return s


def _closest(folder: Path) -> Settings:
    for candidate_dir in (folder, *folder.parents):
        for name in ("modelint.toml", "pyproject.toml"):
            candidate = candidate_dir / name
            if candidate.is_file():
                settings = load_config_file(candidate)
                if settings is not None:
                    return settings
    return Settings()
