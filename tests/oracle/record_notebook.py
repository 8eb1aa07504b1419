#!/usr/bin/env python
"""Record the real framework's truth for the notebooks in ``fixtures/notebooks/``.

Usage (from the repo root)::

    KERAS_BACKEND=torch /work/venv/bin/python tests/oracle/record_notebook.py [NOTEBOOKS...]

Without NOTEBOOKS every ``fixtures/notebooks/*.ipynb`` is recorded; the truth is
written beside each notebook as ``<stem>.oracle.json``.

How a notebook is executed: its code cells, in order, as "Run All" would, written
to a temporary ``.py`` that the existing recorders execute — ``record_torch`` for a
notebook importing torch, ``record_keras`` (Keras 3 on the torch backend, with the
``tensorflow.keras`` shim) for one importing keras or tensorflow. This script does
not reuse modelint's own notebook reader (an oracle must not share the code it
checks): it reads the JSON with the standard library and drops IPython syntax
itself — a ``%%`` cell magic drops the whole cell; a line starting with ``%``, ``!``
or ``?`` (or an ``x = !cmd`` assignment) is replaced by ``pass``.

Public notebooks load data files and packages the recorder does not have
(``pd.read_csv('data/penguins.csv')``, sklearn); a kernel would stop at the first
failing cell. So that the models defined after such a cell are still built, every
top-level statement other than ``def`` / ``class`` runs inside ``try: ... except
Exception: pass`` — exactly the statements that need the missing data fail, and
everything a model definition reads (constants, layer lists, classes) is defined as
in the kernel. ``"skipped_statements"`` lists the failures (cell, line, error), so a
model that depends on one of them is visibly recorded from partial state.
"""
from __future__ import annotations

import ast
import json
import os
import re
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURE_DIR = REPO / "fixtures" / "notebooks"
_ASSIGNED_SHELL = re.compile(r"^[\w\s.,()\[\]*]+=\s*[!%]")
SKIPS = "__modelint_oracle_skipped__"


def code_cells(path: Path) -> list[tuple[int, str]]:
    """(1-based index among all cells, source) of every code cell."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for index, cell in enumerate(nb["cells"], 1):
        if cell["cell_type"] != "code":
            continue
        source = cell["source"]
        out.append((index, source if isinstance(source, str) else "".join(source)))
    return out


def _plain_python(source: str) -> str:
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return ""
    out = []
    for line in lines:
        stripped = line.strip()
        if stripped[:1] in ("%", "!", "?") or _ASSIGNED_SHELL.match(stripped) or \
                (stripped.endswith("?") and not stripped.startswith("#")):
            out.append(line[: len(line) - len(line.lstrip())] + "pass")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def to_script(cells: list[tuple[int, str]], skipped_file: Path | None = None) -> str:
    """One Python script: each cell's top-level statements in order, the ones that are
    not definitions guarded so that a failure (missing data) skips only itself."""
    parts = [f"{SKIPS} = []\n"]
    for index, source in cells:
        text = _plain_python(source)
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            parts.append(f"{SKIPS}.append(({index}, {exc.lineno}, 'SyntaxError: cell not run'))\n")
            continue
        for stmt in tree.body:
            segment = ast.get_source_segment(text, stmt, padded=False) or ""
            decorators = getattr(stmt, "decorator_list", [])
            if decorators:
                start = decorators[0].lineno - 1
                segment = "\n".join(text.splitlines()[start: stmt.end_lineno])
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                parts.append(segment + "\n")
                continue
            parts.append("try:\n" + textwrap.indent(segment, "    ") + "\n"
                         f"except Exception as _exc:\n"
                         f"    {SKIPS}.append(({index}, {stmt.lineno}, f'{{type(_exc).__name__}}: {{_exc}}'[:200]))\n")
    if skipped_file is not None:
        parts.append(f"import json as _json\nopen({str(skipped_file)!r}, 'w').write(_json.dumps({SKIPS}))\n")
    return "".join(parts)


def _framework(script: str) -> str:
    if re.search(r"^\s*(import|from)\s+(keras|tensorflow)\b", script, re.MULTILINE):
        return "keras"
    return "torch"


def record(path: Path) -> dict:
    """Execute one notebook's code cells in the real framework; the oracle dict."""
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="modelint-nb-oracle-") as tmp:
        skipped_file = Path(tmp) / "skipped.json"
        script = to_script(code_cells(path), skipped_file)
        framework = _framework(script)
        py = Path(tmp) / (path.stem.replace("-", "_").replace(" ", "_") + ".py")
        py.write_text(script, encoding="utf-8")
        old_cwd = os.getcwd()
        os.chdir(tmp)  # relative data paths fail the same way wherever the recorder runs
        try:
            if framework == "torch":
                sys.path.insert(0, str(HERE))
                import record_torch

                data = record_torch.record(py)
            else:
                import record_keras

                data = record_keras.record(str(py))
        finally:
            os.chdir(old_cwd)
        skipped = json.loads(skipped_file.read_text()) if skipped_file.exists() else None
    data["fixture"] = path.name
    data["skipped_statements"] = [{"cell": c, "line": l, "error": e} for c, l, e in skipped or []]
    data["models"] = [m for m in data["models"] if m["name"] != SKIPS]
    return data


def oracle_path(path: Path) -> Path:
    return path.with_name(path.stem + ".oracle.json")


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE))
    files = [Path(a) for a in argv] or sorted(FIXTURE_DIR.glob("*.ipynb"))
    rc = 0
    for path in files:
        try:
            data = record(path)
        except Exception as exc:  # noqa: BLE001 — report and go on with the next notebook
            print(f"FAIL {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
            rc = 1
            continue
        oracle_path(path).write_text(json.dumps(data, sort_keys=True, indent=1) + "\n", encoding="utf-8")
        summary = ", ".join(f"{m['name']}={m['total']}" for m in data["models"])
        print(f"{path.name} ({data['framework']}): {summary}")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
