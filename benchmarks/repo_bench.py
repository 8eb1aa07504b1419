"""Repository-scale speed, side by side in one run (issue 11).

Over a corpus of real Python — the ``keras/src`` and ``torch/nn`` packages of the
installed oracle dependencies, copied outside any virtualenv — it times, each in a fresh
process with its peak memory (the process and its largest worker):

  * pyflakes, and modelint cold (no cache), on the same files, alternating (``--rounds``,
    default 3; the median ratio is reported with its range);
  * modelint warm (cache, nothing changed), then after one file's content changed
    (how many files were analysed again is counted from the cache entries written);
  * the fixtures end to end against the libcst floor (``bench_fixtures.py``);
  * the language server's first diagnostics on opening a 1,000-line mixed file (one
    model among ordinary code), through a real client, and the engine alone.

Usage:
    nice python benchmarks/repo_bench.py [--jobs N] [--rounds N] [--corpus DIR] [--skip-fixtures] [--skip-lsp]

Prints a Markdown table (the README's speed section holds the last one measured).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent

# Runs a module as __main__ and writes its peak RSS (KiB: the process, its largest child).
WRAP = """
import atexit, os, resource, runpy, sys
def report():
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(os.environ["BENCH_RSS_FILE"], "w") as f:
        f.write(f"{me} {kids}")
atexit.register(report)
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def site_packages() -> Path:
    import sysconfig

    return Path(sysconfig.get_paths()["purelib"])


def make_corpus(target: Path) -> Path:
    """keras/src + torch/nn, copied once (outside the venv: discovery skips site-packages)."""
    if not target.exists():
        site = site_packages()
        target.mkdir(parents=True)
        shutil.copytree(site / "keras" / "src", target / "keras_src", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(site / "torch" / "nn", target / "torch_nn", ignore=shutil.ignore_patterns("__pycache__"))
    return target


def snapshot() -> Path:
    """A copy of modelint's code to run: the cache keys results on the build, and a
    tree being edited while the benchmark runs would make every run a cold one."""
    root = Path(tempfile.mkdtemp(prefix="modelint-bench-code-"))
    for package in ("analyzer", "rules"):
        shutil.copytree(REPO / package, root / "modelint" / package, ignore=shutil.ignore_patterns("__pycache__"))
    return root


CODE: Path | None = None


def measure(module_args: list[str], cwd: Path) -> tuple[float, float, float, subprocess.CompletedProcess]:
    """(wall s, peak RSS MiB of the process, of its largest child, the completed run)."""
    rss_file = Path(tempfile.mktemp(prefix="bench-rss-"))
    env = dict(os.environ, BENCH_RSS_FILE=str(rss_file))
    if CODE is not None:
        env["PYTHONPATH"] = str(CODE)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", WRAP, *module_args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    try:
        me, kids = (int(v) / 1024 for v in rss_file.read_text().split())
        rss_file.unlink()
    except (OSError, ValueError):
        me = kids = float("nan")
    return wall, me, kids, proc


def entries_written_since(cache: Path, since: float) -> int:
    return sum(1 for p in cache.rglob("*") if p.is_file() and p.parent.parent.name.startswith("v")
               and p.stat().st_mtime >= since)


def corpus_runs(corpus: Path, jobs: int, rows: list[tuple[str, str, str]], rounds: int = 3) -> None:
    files = sorted(corpus.rglob("*.py"))
    size = sum(p.stat().st_size for p in files)
    print(f"corpus: {corpus} — {len(files)} files, {size / 1e6:.1f} MB", file=sys.stderr)
    work = corpus.parent  # the cache lives in the cwd of the run
    cache = work / ".modelint_cache"

    # pyflakes and the cold run alternate, ``rounds`` times: the ratio of each pair is
    # measured under the same conditions (a shared machine's speed drifts by ±15 %
    # within minutes), and the median pair is reported with the range.
    args = ["modelint.analyzer", "--output-format", "json", "--jobs", str(jobs), corpus.name]
    pairs = []
    for _ in range(max(1, rounds)):
        pf_wall, pf_rss, _, _ = measure(["pyflakes", corpus.name], work)
        shutil.rmtree(cache, ignore_errors=True)
        cold, rss, kid_rss, proc = measure(args, work)
        pairs.append((cold / pf_wall, pf_wall, cold, rss, kid_rss, pf_rss, proc))
    pairs.sort(key=lambda p: p[0])
    ratio, pf_wall, cold, rss, kid_rss, pf_rss, proc = pairs[len(pairs) // 2]
    spread = f"; {len(pairs)} alternating rounds: {pairs[0][0]:.2f}–{pairs[-1][0]:.2f}×" if len(pairs) > 1 else ""
    rows.append((f"pyflakes, {len(files)} files", f"{pf_wall:.1f} s ({len(files) / pf_wall:.0f} files/s)",
                 f"{pf_rss:.0f} MiB"))
    try:
        report = json.loads(proc.stdout)
        accounted = len(report["files"])
    except (json.JSONDecodeError, KeyError):
        accounted = -1
    status = "no internal error" if proc.returncode in (0, 1) else f"exit {proc.returncode}: {proc.stderr.strip()[:200]}"
    rows.append((f"modelint cold, --jobs {jobs}", f"{cold:.1f} s ({len(files) / cold:.0f} files/s) = "
                 f"{ratio:.2f}× pyflakes (median{spread})", f"{rss:.0f} MiB (worker {kid_rss:.0f} MiB)"))
    rows.append(("files accounted for in the JSON", f"{accounted} of {len(files)}; {status}", ""))

    since = time.time()
    time.sleep(0.01)
    warm, rss, _, proc = measure(args, work)
    rows.append(("modelint warm (cache, nothing changed)",
                 f"{warm:.2f} s = {warm / cold:.3f}× cold; {entries_written_since(cache, since)} files analysed",
                 f"{rss:.0f} MiB"))

    touched = corpus / "torch_nn" / "modules" / "linear.py"
    original = touched.read_bytes()
    try:
        touched.write_bytes(original + b"\n# touched by repo_bench\n")
        since = time.time()
        time.sleep(0.01)
        again, rss, _, proc = measure(args, work)
        rows.append((f"after changing one file ({touched.relative_to(corpus)})",
                     f"{again:.2f} s; {entries_written_since(cache, since)} file(s) analysed", f"{rss:.0f} MiB"))
    finally:
        touched.write_bytes(original)


def fixture_rows(rows: list[tuple[str, str, str]]) -> None:
    proc = subprocess.run([sys.executable, str(HERE / "bench_fixtures.py"), "--repeat", "1"],
                          capture_output=True, text=True, cwd=REPO)
    for line in proc.stdout.splitlines():
        if line.startswith(("ratio to floor", "peak memory")):
            rows.append((f"fixtures: {line.split(':', 1)[0]}", line.split(":", 1)[1].strip(), ""))
    if proc.returncode != 0:
        rows.append(("fixtures", f"bench_fixtures.py failed: {proc.stderr.strip()[-200:]}", ""))


def mixed_file(lines: int = 1000) -> str:
    """One PyTorch model among ordinary code (data handling, argument parsing, helpers):
    the file an editor opens most often."""
    head = ('"""Train a small classifier."""\nimport argparse\nimport json\nimport math\nimport os\n\n'
            "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
            "class Net(nn.Module):\n    def __init__(self, classes=10):\n        super().__init__()\n"
            "        self.conv = nn.Conv2d(3, 16, 3, padding=1)\n        self.fc = nn.Linear(16 * 32 * 32, classes)\n\n"
            "    def forward(self, x):\n        x = F.relu(self.conv(x))\n        return self.fc(x.flatten(1))\n\n\n")
    parts = [head]
    i = 0
    while sum(p.count("\n") for p in parts) < lines - 12:
        parts.append(
            f"def load_split_{i}(root, name='train', limit=None):\n"
            f"    \"\"\"Read split {i} from a JSON-lines file.\"\"\"\n"
            f"    path = os.path.join(root, f'{{name}}_{i}.jsonl')\n"
            "    rows = []\n    with open(path) as handle:\n        for line in handle:\n"
            "            row = json.loads(line)\n            if limit is not None and len(rows) >= limit:\n"
            "                break\n            rows.append((row['x'], row['y']))\n"
            f"    return rows, math.ceil(len(rows) / {i + 2})\n\n\n")
        i += 1
    parts.append("def main():\n    parser = argparse.ArgumentParser()\n    parser.add_argument('--root')\n"
                 "    args = parser.parse_args()\n    model = Net()\n    return model, args\n\n\n"
                 "if __name__ == '__main__':\n    main()\n")
    return "".join(parts)


def engine_first_open(text: str, runs: int = 5) -> tuple[float, float]:
    """Median ms of the engine on a first open (fresh parse cache), first pass vs whole file."""
    from modelint.analyzer.engine import Options, analyze_source
    from modelint.analyzer.incremental import ParseCache

    path = Path("mixed.py")
    analyze_source(path, text, Options(), str(path))  # imports, warm caches of the process
    ours, whole = [], []
    for _ in range(runs):
        started = time.perf_counter()
        analyze_source(path, text, Options(), str(path), parse_cache=ParseCache())
        ours.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        analyze_source(path, text, Options(), str(path), parse_cache=ParseCache(), whole_file=True)
        whole.append((time.perf_counter() - started) * 1000)
    return statistics.median(ours), statistics.median(whole)


async def lsp_first_open(text: str) -> float:
    """didOpen → first publishDiagnostics through a real client, in ms."""
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    folder = Path(tempfile.mkdtemp(prefix="modelint-bench-lsp-"))
    path = folder / "mixed.py"
    path.write_text(text, encoding="utf-8")
    got = asyncio.Event()
    stamp: dict[str, float] = {}
    client = LanguageClient("repo-bench", "1")

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        stamp.setdefault("published", time.perf_counter())
        got.set()

    await client.start_io(sys.executable, "-m", "modelint.analyzer", "lsp")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    await asyncio.sleep(1.0)  # let the server finish its start (imports) before the clock runs
    sent = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=path.as_uri(), language_id="python", version=1, text=text)))
    await asyncio.wait_for(got.wait(), 60)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return (stamp["published"] - sent) * 1000


def lsp_rows(rows: list[tuple[str, str, str]]) -> None:
    text = mixed_file()
    n = text.count("\n")
    ours, whole = engine_first_open(text)
    try:
        served = asyncio.run(lsp_first_open(text))
        rows.append((f"LSP first open of a {n}-line mixed file", f"{served:.0f} ms to first diagnostics", ""))
    except Exception as exc:  # noqa: BLE001 — report, keep the other figures
        rows.append((f"LSP first open of a {n}-line mixed file", f"client failed: {type(exc).__name__}: {exc}", ""))
    rows.append(("  engine alone on that file", f"{ours:.0f} ms with the first pass, {whole:.0f} ms whole file", ""))


def load() -> str:
    try:
        return ", ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--corpus", default=str(Path(tempfile.gettempdir()) / "modelint-bench" / "corpus"),
                   help="where the copy of keras/src + torch/nn is made (or an existing folder of Python files)")
    p.add_argument("--rounds", type=int, default=3, help="alternating pyflakes / cold rounds (median reported)")
    p.add_argument("--skip-fixtures", action="store_true")
    p.add_argument("--skip-lsp", action="store_true")
    args = p.parse_args(argv)
    global CODE
    CODE = snapshot()
    rows: list[tuple[str, str, str]] = []
    before = load()
    corpus_runs(make_corpus(Path(args.corpus)), args.jobs, rows, args.rounds)
    if not args.skip_fixtures:
        fixture_rows(rows)
    if not args.skip_lsp:
        lsp_rows(rows)
    # Every time above is only comparable with a run at a similar load (the machine is shared).
    rows.append(("load average (1, 5, 15 min) at the start / at the end", f"{before} / {load()}", ""))
    print(f"| what ({os.cpu_count()} cores, Python {sys.version.split()[0]}) | time | peak memory |")
    print("|---|---|---|")
    for what, figure, memory in rows:
        print(f"| {what} | {figure} | {memory} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
