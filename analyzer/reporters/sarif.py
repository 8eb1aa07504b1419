"""SARIF 2.1.0 for GitHub code scanning (``--output-format sarif``).

Code scanning needs three things beyond the findings themselves: every rule described
once in ``tool.driver.rules`` (so the alert page shows the rule's documentation),
locations relative to the repository root (``uriBaseId: %SRCROOT%``) so the alert
lands on the checked-out file, and ``partialFingerprints`` that survive unrelated edits
so an alert is tracked across commits instead of being closed and re-opened whenever
lines shift. The fingerprint therefore hashes the rule, the path, the model and the
*text* of the flagged line (whitespace-normalised), never its line number.

SARIF has no notion of notebook cells: a finding in a ``.ipynb`` points at the line
of the notebook's JSON that holds the flagged source line (nbformat stores one
source line per JSON line), without columns, and carries ``cell``, ``cellLine`` and
``cellColumn`` in its ``properties``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from modelint.analyzer import __version__
from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.context import FileResult
from modelint.analyzer.notebook import cell_of, display_line, file_line, file_lines
from modelint.analyzer.rule import Rule, all_rules

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/modelint/"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "modelint/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def repository_root(path: Path) -> Path | None:
    """The git top level holding ``path`` (a ``.git`` folder, or file for worktrees)."""
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _first_section(doc: str) -> str:
    """The body of the first ``## ...`` section (What it does), as one paragraph."""
    match = re.search(r"^##[^\n]*\n(.*?)(?=^##|\Z)", doc, re.MULTILINE | re.DOTALL)
    body = match.group(1) if match else doc
    return " ".join(body.split())


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    from modelint.analyzer.docs import rule_markdown

    doc = rule.doc()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _first_section(doc) or rule.summary},
        "help": {"text": doc or rule.summary, "markdown": rule_markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": [rule.name], "precision": "high"},
    }


def _artifact(display: str, root: Path) -> dict[str, Any]:
    """``uri`` relative to ``root`` when the file lies inside it, else an absolute file URI."""
    if display == "-":
        return {"uri": "stdin"}
    absolute = Path(display).absolute()
    try:
        rel = absolute.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return {"uri": absolute.as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": SRCROOT}


def _fingerprint(d: Diagnostic, uri: str, line_text: str) -> str:
    normalized = " ".join(line_text.split())
    key = "\0".join((d.code, uri, d.model or "", normalized))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _region(d: Diagnostic, lines: Sequence[str]) -> dict[str, Any]:
    """1-based, ``endColumn`` exclusive on both sides; never an empty or inverted span."""
    start_line = max(d.span.line, 1)
    start_col = max(d.span.column, 1)
    end_line = max(d.span.end_line, start_line)
    end_col = max(d.span.end_column, 1)
    if end_line == start_line and end_col <= start_col:
        end_col = start_col + 1
    region: dict[str, Any] = {"startLine": start_line, "startColumn": start_col,
                              "endLine": end_line, "endColumn": end_col}
    if start_line <= len(lines):
        region["snippet"] = {"text": lines[start_line - 1]}
    return region


def _cell_region(d: Diagnostic, lines: Sequence[str], rows: dict[int, list[int]] | None) -> dict[str, Any]:
    """A notebook finding: the .ipynb line holding the flagged source line."""
    cell = cell_of(d)
    assert cell is not None
    region: dict[str, Any] = {"startLine": file_line(rows, cell, d.span.line) or 1}
    at = display_line(d)
    if 1 <= at <= len(lines):
        region["snippet"] = {"text": lines[at - 1]}
    return region


def _result(d: Diagnostic, index: dict[str, int], artifact: dict[str, Any], lines: Sequence[str],
            seen: Counter, rows: dict[int, list[int]] | None = None) -> dict[str, Any]:
    at = display_line(d)
    line_text = lines[at - 1] if 1 <= at <= len(lines) else ""
    digest = _fingerprint(d, artifact["uri"], line_text)
    seen[digest] += 1  # identical findings on identical lines stay distinct
    cell = cell_of(d)
    region = _region(d, lines) if cell is None else _cell_region(d, lines, rows)
    result: dict[str, Any] = {
        "ruleId": d.code,
        "level": LEVELS[d.severity],
        "message": {"text": d.message},
        "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
        "partialFingerprints": {FINGERPRINT_KEY: f"{digest}:{seen[digest]}"},
    }
    if cell is not None:
        result["properties"] = {"cell": cell, "cellLine": d.span.line, "cellColumn": d.span.column}
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    if d.model:
        result.setdefault("properties", {})["model"] = d.model
    if d.fix is not None:
        result.setdefault("properties", {})["fix"] = d.fix.message
    return result


def _folder_uri(folder: Path) -> str:
    uri = folder.resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _root_for(results: Sequence[FileResult]) -> Path:
    """The repository root of the analysed files (the first one decides), else cwd."""
    for r in results:
        if r.path != "-":
            root = repository_root(Path(r.path).absolute())
            if root is not None:
                return root
    return repository_root(Path.cwd()) or Path.cwd()


def log(results: Sequence[FileResult]) -> dict[str, Any]:
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    root = _root_for(results)
    sarif_results: list[dict[str, Any]] = []
    seen: Counter = Counter()
    for r in results:
        artifact = _artifact(r.path, root)
        lines = r.source.splitlines()
        rows = file_lines(Path(r.path)) if any(cell_of(d) is not None for d in r.diagnostics) else None
        sarif_results.extend(_result(d, index, artifact, lines, seen, rows) for d in r.diagnostics)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "modelint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [rule_descriptor(rule) for rule in rules],
        }},
        "originalUriBaseIds": {SRCROOT: {"uri": _folder_uri(root)}},
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(results: Sequence[FileResult]) -> str:
    return json.dumps(log(results), indent=2) + "\n"
