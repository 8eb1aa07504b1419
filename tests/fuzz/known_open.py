"""Mismatches the fuzzer found that are still open (modelint exact but wrong), each with
its minimized fixture under fixtures/fuzz/. The seeded test skips generated cases that
show one of these patterns (they would fail for a reason already on record) and the
benchmark counts them apart from new mismatches; the fixture test marks them xfail.

When a fix lands, delete its entry: the fixture test then holds it fixed for good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownOpen:
    fixture: str  # fixtures/fuzz/<framework>/<name>.py
    what: str  # the bug, and where it lives
    pattern: re.Pattern[str]  # a generated source showing it

    def matches(self, source: str) -> bool:
        return bool(self.pattern.search(source))


# Found and since fixed (their fixtures stay as regression tests):
#   fuzz_001  torch weight tying (self.decoder.weight = self.embed.weight) counted twice, marked exact
#   fuzz_002  torch model.fc.weight.requires_grad = False on an add_module child ignored, marked exact
# An entry looks like:
#   "fuzz_NNN": KnownOpen("torch/fuzz_NNN.py", "what is wrong, and whose code it is",
#                         re.compile(r"a regex a generated source showing it matches")),
KNOWN_OPEN: dict[str, KnownOpen] = {}


def known_open(source: str) -> str | None:
    """The known-open bug a generated source shows, if any."""
    for name, bug in KNOWN_OPEN.items():
        if bug.matches(source):
            return name
    return None
