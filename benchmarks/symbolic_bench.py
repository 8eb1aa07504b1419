"""Why modelint has its own integer-expression type: import cost and the cost of the
conv/flatten arithmetic a model needs, side by side with symengine and sympy.

    python benchmarks/symbolic_bench.py [--runs 5]

Each import is timed in a fresh interpreter (best of --runs), after what every modelint
run has already imported (dataclasses, typing, the package itself); the arithmetic is a
LeNet-style chain (two conv + pool stages, flatten, a Linear pinning the product)
evaluated 1,000 times in-process. Then "files without symbols cost nothing extra": a
whole run (``--summary`` and the JSON report, which ask for every total and for which
inputs fit) on a file without symbols, timed in a fresh interpreter, must leave
analyzer.symbolic unimported; a file with symbols is timed beside it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

IMPORTS = {
    "modelint.analyzer.symbolic": "import modelint.analyzer.symbolic",
    "symengine": "import symengine",
    "sympy": "import sympy",
}

CHAIN = {
    "modelint.analyzer.symbolic": (
        "from modelint.analyzer.symbolic import Expr, floordiv\n"
        "H = Expr.symbol('H')\n"
        "def chain():\n"
        "    s = floordiv(H - 4, 2); s = floordiv(s - 4, 2)\n"
        "    return (16 * s * s).subs({'H': 32})\n"),
    "symengine": (
        "import symengine as se\n"
        "H = se.Symbol('H')\n"
        "def chain():\n"
        "    s = se.floor((H - 4) / 2); s = se.floor((s - 4) / 2)\n"
        "    return (16 * s * s).subs({H: 32})\n"),
    "sympy": (
        "import sympy as sp\n"
        "H = sp.Symbol('H', integer=True, positive=True)\n"
        "def chain():\n"
        "    s = sp.floor((H - 4) / 2); s = sp.floor((s - 4) / 2)\n"
        "    return (16 * s * s).subs({H: 32})\n"),
}


def _import_ms(stmt: str, runs: int) -> float | None:
    best = None
    for _ in range(runs):
        # dataclasses and typing are loaded by every modelint run before any symbol.
        code = ("import time, dataclasses, typing, collections.abc; import modelint.analyzer.shapes; "
                f"t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if proc.returncode != 0:
            return None
        ms = float(proc.stdout) * 1000
        best = ms if best is None else min(best, ms)
    return best


def _chain_us(setup: str) -> tuple[float | None, str]:
    code = setup + (
        "import time\nassert int(chain()) == 400, chain()\nt = time.perf_counter()\n"
        "for _ in range(1000): chain()\nprint((time.perf_counter() - t) * 1000)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode != 0:
        return None, proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"
    return float(proc.stdout), ""


RUNS = {  # (fixture, has symbols)
    "fixtures/keras/alexnet_flatten.py": False,
    "fixtures/torch/resnet.py": True,
    "fixtures/keras/sym_sequential_no_input.py": True,
}


def _run_ms(path: str, runs: int) -> tuple[float | None, bool]:
    """Best wall time of analysing ``path`` (summary + JSON) in a fresh interpreter, and
    whether analyzer.symbolic was imported."""
    code = ("import contextlib, io, sys, time\nfrom modelint.analyzer.cli import main\n"
            "t = time.perf_counter()\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main(['--no-cache', '--exit-zero', '--summary', {path!r}])\n"
            f"    main(['--no-cache', '--exit-zero', '--output-format', 'json', {path!r}])\n"
            "print((time.perf_counter() - t) * 1000, 'modelint.analyzer.symbolic' in sys.modules)\n")
    best, loaded = None, False
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if proc.returncode != 0:
            return None, False
        ms, flag = proc.stdout.split()
        best = float(ms) if best is None else min(best, float(ms))
        loaded = flag == "True"
    return best, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| library | import (ms, best of %d) | LeNet chain (µs per model) |" % args.runs)
    print("|---|---|---|")
    for name, stmt in IMPORTS.items():
        imp = _import_ms(stmt, args.runs)
        chain, err = _chain_us(CHAIN[name])
        imp_s = "not installed" if imp is None else f"{imp:.1f}"
        chain_s = err or f"{chain:.1f}"
        print(f"| {name} | {imp_s} | {chain_s} |")
    print()
    print("| file | symbols | run (ms, best of %d) | analyzer.symbolic imported |" % args.runs)
    print("|---|---|---|---|")
    failed = False
    for path, symbolic in RUNS.items():
        ms, loaded = _run_ms(path, args.runs)
        print(f"| {path} | {'yes' if symbolic else 'no'} | {'failed' if ms is None else f'{ms:.0f}'} | "
              f"{'yes' if loaded else 'no'} |")
        failed = failed or (not symbolic and loaded)
    if failed:
        raise SystemExit("a file without symbols imported analyzer.symbolic")


if __name__ == "__main__":
    main()
