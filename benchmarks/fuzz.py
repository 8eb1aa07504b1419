"""Differential fuzzing of modelint's trust invariant against the real frameworks.

Generates N random valid Keras / PyTorch model files (tests/fuzz/generator.py), builds
each in the framework (one oracle subprocess for the whole run, fed in batches:
tests/fuzz/oracle_child.py) and analyses each with modelint in this process. The
invariant: a model modelint marks ``exact`` has the framework's total, trainable /
non-trainable split, per-layer parameters and per-layer output shapes.

Usage (from the repo root, with torch and keras installed):
    python benchmarks/fuzz.py --n 5000 [--seed 0] [--framework torch|keras] [--batch 100]
                              [--save-mismatches DIR] [--show 10]

Case ``i`` is generated from seed ``seed + i`` alone (``tests.fuzz.generator.case_for_seed``),
so any case the summary names is reproducible with ``--seed i --n 1``, and shrinks to a
small model that still fails with ``python -m tests.fuzz.minimize i`` (the start of its
fixture under fixtures/fuzz/; a still-open one is listed in tests/fuzz/known_open.py).
Prints a summary to stdout: models generated, refused by the framework (a generator
bug), exact rate, mismatches (exact but wrong: the invariant broken), modelint crashes,
models not found, the commonest reasons for inexact results, and the time taken.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.fuzz.differential import Oracle, Verdict, compare  # noqa: E402
from tests.fuzz.generator import Case, case_for_seed  # noqa: E402
from tests.fuzz.known_open import KNOWN_OPEN, known_open  # noqa: E402


def _category(v: Verdict, source: str) -> str:
    if v.oracle_error:
        return "refused"
    if v.crash:
        return "crash"
    if not v.found:
        return "not_found"
    if v.mismatch:
        return "known_open" if known_open(source) else "mismatch"
    return "exact" if v.exact else "inexact"


def _reason_key(reason: str) -> str:
    """Group inexact reasons: numbers and names vary, the sentence does not."""
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'|`[^`]*`", "'…'", reason))[:110]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="models to generate (default 1000)")
    ap.add_argument("--seed", type=int, default=0, help="first seed (case i uses seed + i)")
    ap.add_argument("--framework", choices=("torch", "keras"), help="only this framework (default: both)")
    ap.add_argument("--batch", type=int, default=100, help="models per oracle round trip")
    ap.add_argument("--save-mismatches", type=Path, help="write each mismatch / crash source here")
    ap.add_argument("--show", type=int, default=10, help="mismatches to print in full")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    seeds = list(range(args.seed, args.seed + args.n))
    batches = [seeds[i:i + args.batch] for i in range(0, len(seeds), args.batch)]
    counts: collections.Counter[str] = collections.Counter()
    by_style: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    reasons: collections.Counter[str] = collections.Counter()
    open_hits: collections.Counter[str] = collections.Counter()
    bad: list[tuple[int, Case, Verdict, str]] = []
    gen_time = analysis_time = 0.0

    def generate(batch: list[int]) -> list[Case]:
        nonlocal gen_time
        t = time.perf_counter()
        cases = [case_for_seed(s, args.framework) for s in batch]
        gen_time += time.perf_counter() - t
        return cases

    with Oracle() as oracle:
        pending = generate(batches[0]) if batches else []
        if pending:
            oracle.send(pending)
        for k in range(len(batches)):
            cases, seeds_k = pending, batches[k]
            truths = oracle.receive()
            if k + 1 < len(batches):  # the framework builds the next batch while we analyse this one
                pending = generate(batches[k + 1])
                oracle.send(pending)
            t = time.perf_counter()
            for seed, case, truth in zip(seeds_k, cases, truths):
                v = compare(case, truth)
                cat = _category(v, case.source)
                counts[cat] += 1
                by_style[case.style][cat] += 1
                if cat == "exact" and v.unknown_shapes:
                    counts["exact_gaps"] += 1
                if cat == "inexact":
                    reasons.update({_reason_key(r) for r in v.reasons} or {"(no reason given)"})
                if cat == "known_open":
                    open_hits[known_open(case.source)] += 1
                if cat in ("mismatch", "crash", "refused", "known_open"):
                    bad.append((seed, case, v, cat))
            analysis_time += time.perf_counter() - t
            done = min((k + 1) * args.batch, args.n)
            print(f"  {done}/{args.n} models, {counts['mismatch'] + counts['known_open']} mismatches, "
                  f"{time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    wall = time.perf_counter() - t0

    judged = args.n - counts["refused"]
    exact_rate = counts["exact"] / judged if judged else 0.0
    print(f"modelint differential fuzz: {args.n} models generated (seeds {args.seed}..{args.seed + args.n - 1}"
          f"{', ' + args.framework if args.framework else ', torch + keras'})")
    print(f"  built by the framework : {judged}  (refused: {counts['refused']})")
    print(f"  exact                  : {counts['exact']}  ({exact_rate:.1%} of built models)")
    print(f"    of which some layer output shape is unknown (None, never wrong): {counts['exact_gaps']}")
    print(f"  inexact (honest)       : {counts['inexact']}")
    print(f"  not found by modelint  : {counts['not_found']}")
    print(f"  modelint crashed       : {counts['crash']}")
    print(f"  MISMATCHES (exact but wrong): {counts['mismatch'] + counts['known_open']}  "
          f"(new: {counts['mismatch']}; already known, tests/fuzz/known_open.py: {counts['known_open']})")
    for name, n in sorted(open_hits.items()):
        print(f"    {n:5d}  {name} ({KNOWN_OPEN[name].fixture}): {KNOWN_OPEN[name].what}")
    print(f"  time: {wall:.1f} s wall ({args.n / wall:.1f} models/s); modelint analysis {analysis_time:.1f} s, "
          f"generation {gen_time:.1f} s, framework in parallel")
    print("  by style (exact / inexact / not found / mismatch new+known / crash / refused):")
    for style in sorted(by_style):
        c = by_style[style]
        print(f"    {style:34s} {c['exact']:5d} {c['inexact']:5d} {c['not_found']:5d} "
              f"{c['mismatch'] + c['known_open']:5d} {c['crash']:5d} {c['refused']:5d}")
    if reasons:
        print("  commonest reasons for inexact results:")
        for reason, n in reasons.most_common(8):
            print(f"    {n:5d}  {reason}")
    if args.save_mismatches and bad:
        args.save_mismatches.mkdir(parents=True, exist_ok=True)
    # new mismatches first: they are the ones to minimize into fixtures
    bad.sort(key=lambda b: ("mismatch", "crash", "refused", "known_open").index(b[3]))
    for i, (seed, case, v, cat) in enumerate(bad):
        if args.save_mismatches:
            detail = v.problems or [v.crash or v.oracle_error or ""]
            header = "".join(f"# {line}\n" for line in [f"{cat}, seed {seed}, {case.style}", *detail])
            (args.save_mismatches / f"{cat}_{seed}.py").write_text(header + case.source)
        if i < args.show:
            print(f"\n--- {cat}: seed {seed} ({case.style}) ---")
            for p in (v.problems or [v.crash or v.oracle_error or ""])[:5]:
                print(f"  {p}")
            print(case.source)
    return 1 if counts["mismatch"] or counts["crash"] else 0


if __name__ == "__main__":
    sys.exit(main())
