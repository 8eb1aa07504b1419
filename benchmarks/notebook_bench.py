"""A notebook should cost what its code cells cost as a ``.py`` file.

For each notebook: its code cells are written out as the equivalent ``.py`` (the
virtual module modelint analyses, IPython syntax blanked), then both are analysed
  (a) in-process, warm (median of ``--repeat`` runs of ``analyze_path``): the notebook
      overhead itself — JSON decoding, joining cells, mapping positions back;
  (b) cold, ``modelint --output-format json --no-cache`` in a fresh process (CPU time,
      peak RSS), as pre-commit and CI run it.
Notebooks: the real ones of fixtures/notebooks/, a large one made of every Keras and
PyTorch fixture as one cell each, and that large one with 20 MB of PNG outputs.

Usage:
    python benchmarks/notebook_bench.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# CPU seconds (user + system), not wall time: a shared machine's load moves wall time.
# Peak RSS through /usr/bin/time: Linux carries ru_maxrss across fork + exec, so a child
# measuring itself would report this (large) benchmark process's peak.
RUN = "import sys\nfrom modelint.analyzer.cli import main\nmain(sys.argv[1:])\n"
TIME = ["/usr/bin/time", "-f", "@@%U %S %M"]


def _notebook(cells: list[str], outputs: str | None = None) -> dict:
    out_cells = []
    for i, source in enumerate(cells, 1):
        cell = {"cell_type": "code", "execution_count": i, "id": f"c{i}", "metadata": {}, "outputs": [],
                "source": source.splitlines(True)}
        if outputs is not None:
            cell["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": outputs}}]
        out_cells.append(cell)
    return {"cells": out_cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def cases(tmp: Path) -> list[Path]:
    paths = sorted((REPO / "fixtures" / "notebooks").glob("*.ipynb"))
    fixtures = sorted((REPO / "fixtures" / "keras").glob("*.py")) + sorted((REPO / "fixtures" / "torch").glob("*.py"))
    # One fixture per cell: names re-bound by a later cell are re-bound in the .py twin
    # too, so both sides analyse the same module.
    big = _notebook([p.read_text(encoding="utf-8") for p in fixtures[:60]])
    (tmp / "fixtures_as_cells.ipynb").write_text(json.dumps(big, indent=1) + "\n")
    images = _notebook([p.read_text(encoding="utf-8") for p in fixtures[:60]], outputs="A" * 340_000)
    (tmp / "fixtures_with_20mb_outputs.ipynb").write_text(json.dumps(images, indent=1) + "\n")
    return paths + [tmp / "fixtures_as_cells.ipynb", tmp / "fixtures_with_20mb_outputs.ipynb"]


def twin(path: Path, tmp: Path) -> Path:
    from modelint.analyzer.notebook import build_module, parse_notebook

    module = build_module(parse_notebook(path.read_bytes()).code_cells)
    py = tmp / (path.stem + ".py")
    py.write_text(module.source, encoding="utf-8")
    return py


def warm(path: Path, repeat: int) -> float:
    from modelint.analyzer.engine import Options, analyze_path

    analyze_path(path, Options())  # imports, first-use caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        analyze_path(path, Options())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold(path: Path) -> tuple[float, int]:
    proc = subprocess.run([*TIME, sys.executable, "-c", RUN, str(path), "--output-format", "json", "--exit-zero",
                           "--no-cache"], capture_output=True, text=True, cwd=path.parent)
    line = [l for l in proc.stderr.splitlines() if l.startswith("@@")][-1]
    user, system, rss = line[2:].split()
    return float(user) + float(system), int(rss) // 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print(f"{'notebook':42} {'size':>9} {'lines':>6} | {'warm nb':>8} {'warm py':>8} {'ratio':>6} | "
              f"{'CPU nb':>8} {'CPU py':>8} | {'RSS nb':>7} {'RSS py':>7}")
        for path in cases(tmp):
            py = twin(path, tmp)
            lines = len(py.read_text().splitlines())
            w_nb, w_py = warm(path, args.repeat), warm(py, args.repeat)
            (c_nb, r_nb), (c_py, r_py) = cold(path), cold(py)
            size = path.stat().st_size
            print(f"{path.name[:42]:42} {size / 1e6:8.2f}M {lines:6d} | {w_nb * 1e3:6.1f}ms {w_py * 1e3:6.1f}ms "
                  f"{w_nb / w_py:6.2f} | {c_nb * 1e3:6.0f}ms {c_py * 1e3:6.0f}ms | {r_nb:5d}MB {r_py:5d}MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
