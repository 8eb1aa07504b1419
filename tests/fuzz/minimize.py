"""Shrink a failing generated case to a small one that still fails (hypothesis' idea,
applied to the benchmark's seeded cases): the case's recorded decisions are lowered one
at a time towards the simplest option, and a change is kept when the regenerated model
is still valid and modelint still gets it wrong.

    python -m tests.fuzz.minimize SEED [--framework torch|keras]

prints the minimized source; it becomes fixtures/fuzz/<framework>/fuzz_NNN.py (then
record its truth with tests/oracle/record_torch.py / record_keras.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from tests.fuzz.differential import Oracle, Verdict, compare
from tests.fuzz.generator import Case, RandomChooser, ReplayChooser, case_from


def failing(v: Verdict) -> bool:
    return not v.oracle_error and (v.mismatch or bool(v.crash))


def shrink(decisions: list[int], framework: str | None, still_fails: Callable[[Case], bool],
           budget: int = 400) -> tuple[Case, list[int]]:
    """Greedy passes over the decisions: each is set to 0, else lowered by one, while the
    regenerated case keeps failing; stops after ``budget`` attempts or a pass with no gain."""
    best = list(decisions)
    tries = 0
    improved = True
    while improved and tries < budget:
        improved = False
        for i in range(len(best)):
            for value in (0, best[i] - 1):
                if best[i] == 0 or value < 0 or value >= best[i] or tries >= budget:
                    continue
                trial = best[:i] + [value] + best[i + 1:]
                tries += 1
                if still_fails(case_from(ReplayChooser(trial), framework)):
                    best, improved = trial, True
                    break
    return case_from(ReplayChooser(best), framework), best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("seed", type=int)
    ap.add_argument("--framework", choices=("torch", "keras"))
    args = ap.parse_args(argv)
    chooser = RandomChooser(args.seed)
    case = case_from(chooser, args.framework)
    with Oracle() as oracle:
        def still_fails(c: Case) -> bool:
            [truth] = oracle.run([c])
            return failing(compare(c, truth))

        if not still_fails(case):
            print(f"seed {args.seed} does not fail", file=sys.stderr)
            return 1
        small, _ = shrink(chooser.decisions, args.framework, still_fails)
        [truth] = oracle.run([small])
        v = compare(small, truth)
    print(f"# {small.style}: " + "; ".join(v.problems[:3] or [v.crash or ""]))
    print(small.source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
