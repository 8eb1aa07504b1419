"""Score modelint (and TorchShapeFlow) on the real-world bug benchmark.

    python benchmarks/bugs/score.py                 # Markdown tables: recall and false alarms
    python benchmarks/bugs/score.py --details       # plus one line per case (hit / miss and why)
    python benchmarks/bugs/score.py --json out.json # machine-readable results
    python benchmarks/bugs/score.py --select ALL    # another rule selection (default: the default one)

A buggy case counts as caught when a finding whose code is one of the case's ``expected``
codes lies within 3 lines of its ``defect_line`` (the line the fix changes). A correct case
raises a false alarm when modelint reports any finding on it at the default selection.
TorchShapeFlow (``tsf check --json``) is run on the PyTorch cases of the same manifest: a
diagnostic within 3 lines of the defect is a hit (it has no rule codes), any diagnostic on a
correct file a false alarm. modelint never runs the case files; the frameworks only run in
``oracle.py``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "cases.toml"
WINDOW = 3


@dataclass
class Outcome:
    """One tool's verdict on one case."""

    hit: bool | None = None          # buggy cases: caught?
    false_alarm: bool | None = None  # correct cases: any finding?
    findings: list[str] = field(default_factory=list)


def load_cases(manifest: Path = MANIFEST) -> list[dict]:
    """The manifest's cases, in file order."""
    return tomllib.loads(manifest.read_text())["case"]


def _selection(select: str | None):
    from modelint.analyzer.selection import Selection, default_selection

    if select is None:
        return default_selection()
    return Selection(tuple(s.strip() for s in select.split(",") if s.strip()))


def run_modelint(cases: list[dict], select: str | None = None) -> dict[str, Outcome]:
    """Analyse every case in-process, exactly as ``modelint FILE`` would at that selection."""
    from modelint.analyzer.engine import Options, analyze_path

    options = Options(selection=_selection(select))
    out: dict[str, Outcome] = {}
    for case in cases:
        path = HERE / case["file"]
        result = analyze_path(path, options, display_path=case["file"])
        diags = [(d.code, d.span.line, d.message) for d in result.diagnostics]
        outcome = Outcome(findings=[f"{line}:{code} {msg}" for code, line, msg in diags])
        if case["kind"] == "bug":
            outcome.hit = any(code in case["expected"] and abs(line - case["defect_line"]) <= WINDOW
                              for code, line, _ in diags)
        else:
            outcome.false_alarm = bool(diags)
        out[case["id"]] = outcome
    return out


def run_tsf(cases: list[dict]) -> dict[str, Outcome] | None:
    """TorchShapeFlow on the PyTorch cases (None when ``tsf`` is not installed)."""
    exe = shutil.which("tsf") or str(Path(sys.executable).with_name("tsf"))
    if not Path(exe).exists():
        return None
    torch_cases = [c for c in cases if c["framework"] == "torch"]
    if not torch_cases:
        return {}
    proc = subprocess.run([exe, "check", "--json", str(HERE / "cases")], capture_output=True, text=True)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return None
    by_file: dict[str, list[tuple[int, str]]] = {}
    for entry in report.get("files", []):
        diags = []
        for d in entry.get("diagnostics", []):
            line = d.get("line") or (d.get("range") or {}).get("start", {}).get("line") or d.get("lineno") or 0
            diags.append((int(line), str(d.get("message", d))))
        by_file[Path(entry["path"]).name] = diags
    out: dict[str, Outcome] = {}
    for case in torch_cases:
        diags = by_file.get(Path(case["file"]).name, [])
        outcome = Outcome(findings=[f"{line}: {msg}" for line, msg in diags])
        if case["kind"] == "bug":
            outcome.hit = any(abs(line - case["defect_line"]) <= WINDOW for line, _ in diags)
        else:
            outcome.false_alarm = bool(diags)
        out[case["id"]] = outcome
    return out


def _pct(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100 * hits / total:.0f} %)" if total else "–"


def tables(cases: list[dict], ml: dict[str, Outcome], tsf: dict[str, Outcome] | None) -> str:
    """The Markdown the README shows: recall per category, then false alarms."""
    bugs = [c for c in cases if c["kind"] == "bug"]
    correct = [c for c in cases if c["kind"] == "correct"]
    by_cat: dict[str, list[dict]] = defaultdict(list)
    for c in bugs:
        by_cat[c["category"]].append(c)

    def rec(group: list[dict], results: dict[str, Outcome] | None, torch_only: bool = False) -> str:
        if results is None:
            return "not run"
        group = [c for c in group if not torch_only or c["framework"] == "torch"]
        return _pct(sum(bool(results[c["id"]].hit) for c in group), len(group))

    lines = ["| category | cases (torch / keras) | modelint recall | TorchShapeFlow recall (torch cases) |",
             "|---|---|---|---|"]
    for cat in sorted(by_cat):
        group = by_cat[cat]
        nt = sum(c["framework"] == "torch" for c in group)
        lines.append(f"| {cat} | {len(group)} ({nt} / {len(group) - nt}) | {rec(group, ml)} | {rec(group, tsf, True)} |")
    nt = sum(c["framework"] == "torch" for c in bugs)
    lines.append(f"| **all** | **{len(bugs)} ({nt} / {len(bugs) - nt})** | **{rec(bugs, ml)}** | **{rec(bugs, tsf, True)}** |")
    for label, group in (("taken verbatim (trimmed)", [c for c in bugs if "reconstructed" not in c["provenance"]]),
                         ("reconstructed around the quoted lines", [c for c in bugs if "reconstructed" in c["provenance"]])):
        if group and len(group) < len(bugs):
            gt = sum(c["framework"] == "torch" for c in group)
            lines.append(f"| *{label}* | {len(group)} ({gt} / {len(group) - gt}) | {rec(group, ml)} | "
                         f"{rec(group, tsf, True)} |")
    lines.append("")
    lines.append("| correct files | files (torch / keras) | modelint false alarms | TorchShapeFlow false alarms (torch files) |")
    lines.append("|---|---|---|---|")
    ct = [c for c in correct if c["framework"] == "torch"]
    fa_ml = sum(bool(ml[c["id"]].false_alarm) for c in correct)
    fa_tsf = "not run" if tsf is None else f"{sum(bool(tsf[c['id']].false_alarm) for c in ct)} / {len(ct)}"
    lines.append(f"| all | {len(correct)} ({len(ct)} / {len(correct) - len(ct)}) | {fa_ml} / {len(correct)} | {fa_tsf} |")
    return "\n".join(lines)


def details(cases: list[dict], ml: dict[str, Outcome], tsf: dict[str, Outcome] | None) -> str:
    rows = []
    for c in cases:
        o = ml[c["id"]]
        if c["kind"] == "bug":
            verdict = "hit " if o.hit else "MISS"
            t = "" if tsf is None or c["id"] not in tsf else (" tsf:hit" if tsf[c["id"]].hit else " tsf:miss")
            rows.append(f"{verdict} {c['id']} [{c['category']}] line {c['defect_line']} expects {','.join(c['expected'])}{t}")
        else:
            rows.append(f"{'FALSE-ALARM' if o.false_alarm else 'clean      '} {c['id']}")
        for f in o.findings:
            rows.append(f"      {f}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="one line per case, with its findings")
    parser.add_argument("--json", metavar="PATH", help="write the per-case results as JSON")
    parser.add_argument("--select", help="rule selection (default: modelint's default selection)")
    parser.add_argument("--no-tsf", action="store_true", help="skip TorchShapeFlow")
    parser.add_argument("--cases", help="comma-separated case ids (default: all)")
    parser.add_argument("--manifest", default=str(MANIFEST), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    cases = load_cases(Path(args.manifest))
    if args.cases:
        wanted = set(args.cases.split(","))
        cases = [c for c in cases if c["id"] in wanted]
    ml = run_modelint(cases, args.select)
    tsf = None if args.no_tsf else run_tsf(cases)
    print(tables(cases, ml, tsf))
    if args.details:
        print()
        print(details(cases, ml, tsf))
    if args.json:
        Path(args.json).write_text(json.dumps({
            c["id"]: {"modelint": vars(ml[c["id"]]), "tsf": vars(tsf[c["id"]]) if tsf and c["id"] in tsf else None}
            for c in cases}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
