"""modelint against its floor and against the frameworks, on every fixture.

For each fixture, each in a fresh process, with wall time and peak RSS:
  (a) ``modelint --output-format json FILE``;
  (b) the floor: a fresh python that imports libcst, parses the file and resolves
      QualifiedName + Position metadata (what any libcst-based linter pays);
  (c) the framework: build the model(s) for real and count parameters
      (Keras 3 ``count_params()`` / ``sum(p.numel() for p in model.parameters())``),
      run with ``--framework-python`` (a python that has torch/keras; skipped if absent).
Also: ``modelint --version`` startup and in-process analysis of an already parsed file.

Usage:
    python benchmarks/bench_fixtures.py [--framework-python PY] [--repeat 3] [--only keras|torch]

Run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` unset) and modelint installed
normally (``pip install .``): an editable install or uncached ``.pyc`` measure Python's
compiler, not modelint.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

FLOOR = """
import sys
import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider
wrapper = MetadataWrapper(cst.parse_module(open(sys.argv[1], encoding="utf-8").read()))
wrapper.resolve(QualifiedNameProvider)
wrapper.resolve(PositionProvider)
"""

KERAS_BUILD = """
import os, sys, runpy
os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, {oracle!r})
import _shim
_shim.install()
import keras
ns = runpy.run_path(sys.argv[1])
total = sum(m.count_params() for m in ns.values() if isinstance(m, keras.Model))
print(total)
"""

TORCH_BUILD = """
import sys, runpy, inspect
import torch
ns = runpy.run_path(sys.argv[1])
total = 0
for name, value in list(ns.items()):
    if inspect.isclass(value) and issubclass(value, torch.nn.Module) and value.__module__ == "<run_path>":
        try:
            value = value()
        except Exception:
            continue
    if isinstance(value, torch.nn.Module):
        total += sum(p.numel() for p in value.parameters())
print(total)
"""


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{cmd} exited with {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss / 1024


def best(cmd: list[str], repeat: int, env: dict | None = None) -> tuple[float, float]:
    runs = [measure(cmd, env) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def in_process_ms(path: Path, repeat: int = 20) -> tuple[float, float]:
    """(analysis, metadata) in ms for an already parsed file, in the running
    interpreter: analysis is the frontend's folding plus every rule, given the
    libcst metadata (positions, qualified names) the floor also resolves."""
    import libcst as cst

    from modelint.analyzer.engine import FileContext, Options, run_rules
    from modelint.analyzer.frontends import keras as keras_frontend
    from modelint.analyzer.frontends import pytorch as torch_frontend
    from modelint.analyzer.frontends._evaluate import resolve_metadata

    source = path.read_text(encoding="utf-8")
    module = cst.parse_module(source)
    frontend = torch_frontend if path.parent.name == "torch" else keras_frontend
    analysis, metadata = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        resolved = resolve_metadata(module)
        metadata.append(time.perf_counter() - start)
        ctx = FileContext(path, str(path), source, Options(), module=module)
        ctx.extra["cst_metadata"] = (module, resolved)
        start = time.perf_counter()
        ctx.models = frontend.models_in(module, ctx)
        run_rules(ctx)
        analysis.append(time.perf_counter() - start)
    return statistics.median(analysis) * 1000, statistics.median(metadata) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--framework-python", default=None, help="a python with torch (and keras) installed")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("keras", "torch"), default=None)
    args = parser.parse_args()

    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    modelint = [sys.executable, "-m", "modelint.analyzer"]
    with tempfile.TemporaryDirectory() as tmp:
        floor_script = Path(tmp) / "floor.py"
        floor_script.write_text(FLOOR)
        keras_script = Path(tmp) / "keras_build.py"
        keras_script.write_text(KERAS_BUILD.format(oracle=str(REPO / "tests" / "oracle")))
        torch_script = Path(tmp) / "torch_build.py"
        torch_script.write_text(TORCH_BUILD)

        version_s, _ = best([*modelint, "--version"], max(args.repeat, 5), env)
        print(f"modelint --version: {version_s * 1000:.0f} ms\n")
        header = f"{'fixture':<44} {'modelint':>9} {'floor':>7} {'ratio':>6} {'MiB':>5} {'framework':>10} {'MiB':>5} {'speedup':>8} {'analysis':>9} {'metadata':>9}"
        print(header)
        print("-" * len(header))
        ratios, speedups, peaks, inproc = [], [], [], []
        for framework in ("keras", "torch"):
            if args.only and framework != args.only:
                continue
            for path in sorted((REPO / "fixtures" / framework).glob("*.py")):
                ours, ours_mib = best([*modelint, "--no-cache", "--output-format", "json", str(path)], args.repeat, env)
                floor, _ = best([sys.executable, str(floor_script), str(path)], args.repeat, env)
                fw = fw_mib = None
                if args.framework_python:
                    script = keras_script if framework == "keras" else torch_script
                    try:
                        fw, fw_mib = best([args.framework_python, str(script), str(path)], 1, env)
                    except RuntimeError:
                        fw = None
                ms, meta_ms = in_process_ms(path)
                ratios.append(ours / floor)
                peaks.append(ours_mib)
                inproc.append(ms)
                if fw:
                    speedups.append(fw / ours)
                print(f"{framework + '/' + path.name:<44} {ours:>8.3f}s {floor:>6.3f}s {ours / floor:>6.2f} "
                      f"{ours_mib:>5.0f} {(f'{fw:.2f}s' if fw else '-'):>10} {(f'{fw_mib:.0f}' if fw_mib else '-'):>5} "
                      f"{(f'{fw / ours:.1f}x' if fw else '-'):>8} {ms:>7.1f}ms {meta_ms:>7.1f}ms")
        print()
        print(f"ratio to floor: median {statistics.median(ratios):.2f}, max {max(ratios):.2f}")
        print(f"peak memory: max {max(peaks):.0f} MiB")
        print(f"in-process analysis of a parsed file (metadata resolved): median {statistics.median(inproc):.1f} ms, "
              f"max {max(inproc):.1f} ms")
        if speedups:
            print(f"speedup over the framework: median {statistics.median(speedups):.1f}x, min {min(speedups):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
