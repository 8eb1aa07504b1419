"""flake8-bugbear's habit: every fixture states its expected findings on the line
itself (``# expect: ML101`` or ``# expect: ML101, ML204``).

Recall: each expectation must be met by a finding with that code on that line.
Precision: no fixture line may get a warning- or error-level finding it does not
expect — the clean fixtures (real models of every framework) must stay silent.
Info findings (ML401 hotspots, ML403 unresolved parts) are not judged here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modelint.analyzer.diagnostics import Severity
from modelint.analyzer.engine import Options
from modelint.analyzer.selection import Selection
from tests.conftest import FIXTURES, analyze

_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>ML\d{3}(?:\s*,\s*ML\d{3})*)")
FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".py", ".onnx") and p.is_file())


def expectations(path: Path) -> set[tuple[int, str]]:
    if path.suffix != ".py":
        return set()
    found: set[tuple[int, str]] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = _EXPECT.search(line)
        if m:
            found.update((number, code.strip()) for code in m.group("codes").split(","))
    return found


def test_fixtures_are_found():
    frameworks = {p.parent.name for p in FILES}
    assert {"keras", "torch"} <= frameworks
    assert sum(1 for p in FILES if expectations(p)) >= 20


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(FIXTURES).as_posix() for p in FILES])
def test_fixture_findings_match_expect_comments(path: Path):
    expected = expectations(path)
    # The default selection, plus any opt-in advice rule the fixture expects (ML204, ML302).
    result = analyze(path, Options(selection=Selection(extend_select=tuple(sorted({c for _, c in expected})))))
    reported = {(d.span.line, d.code) for d in result.diagnostics}
    missing = sorted(expected - reported)
    unexpected = sorted(
        (d.span.line, d.code, d.message) for d in result.diagnostics
        if d.severity.rank >= Severity.WARNING.rank and (d.span.line, d.code) not in expected
    )
    assert not missing, f"expected but not reported: {missing}; reported: {sorted(reported)}"
    assert not unexpected, f"reported but not expected: {unexpected}"
