"""``--output-format github``: one workflow command per finding, escaped as the
Actions runner (``@actions/core``'s ``issueCommand``) expects."""

from __future__ import annotations

import re
import subprocess
import sys

from modelint.analyzer.diagnostics import Diagnostic, Severity, Span
from modelint.analyzer.reporters import github
from modelint.analyzer.engine import Options
from modelint.analyzer.selection import Selection
from tests.conftest import REPO, analyze, fixture_files

COMMAND = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


def _diag(severity=Severity.ERROR, message="m", path="a.py", span=Span(3, 5, 3, 9)) -> Diagnostic:
    return Diagnostic("ML101", "dense-on-unflattened", severity, message, path, span)


def _props(line: str) -> dict[str, str]:
    m = COMMAND.match(line)
    assert m, line
    return dict(p.split("=", 1) for p in m.group("props").split(","))


def test_alexnet_annotation_is_exact():
    result = analyze(REPO / "fixtures" / "keras" / "alexnet_no_flatten.py", Options(selection=Selection(("ML101",))))
    out = github.render([result])
    assert out == (
        "::error file=fixtures/keras/alexnet_no_flatten.py,line=13,col=5,endLine=13,endColumn=51,"
        "title=ML101 dense-on-unflattened::Dense applied to a 4-D tensor (None, 13, 13, 256) from conv2d_4 "
        "(Conv2D); it only mixes the last axis. Did you forget Flatten()?\n"
    )


def test_severity_picks_the_command():
    assert github.command(_diag(Severity.ERROR)).startswith("::error ")
    assert github.command(_diag(Severity.WARNING)).startswith("::warning ")
    assert github.command(_diag(Severity.INFO)).startswith("::notice ")


def test_message_escaping():
    line = github.command(_diag(message="100% wrong\r\nsecond line: a, b"))
    assert line.endswith("::100%25 wrong%0D%0Asecond line: a, b")
    assert "\n" not in line and "\r" not in line


def test_property_escaping():
    line = github.command(_diag(path="we,ird:dir/100%\nx.py"))
    assert _props(line)["file"] == "we%2Cird%3Adir/100%25%0Ax.py"
    assert _props(line)["title"] == "ML101 dense-on-unflattened"


def test_positions_are_one_based_with_a_non_empty_range():
    props = _props(github.command(_diag(span=Span(7, 1, 7, 1))))
    assert props == {"file": "a.py", "line": "7", "col": "1", "endLine": "7", "endColumn": "2",
                     "title": "ML101 dense-on-unflattened"}


def test_every_fixture_gives_one_well_formed_command_per_finding():
    for path in fixture_files("keras") + fixture_files("torch"):
        result = analyze(path)
        lines = github.render([result]).splitlines()
        assert len(lines) == len(result.diagnostics), path
        for line, d in zip(lines, result.diagnostics):
            props = _props(line)
            assert props["line"] == str(d.span.line) and props["col"] == str(d.span.column)
            assert props["title"] == f"{d.code} {d.name}"


def test_cli_output_format_github_and_exit_code():
    proc = subprocess.run([sys.executable, "-m", "modelint.analyzer", "--output-format", "github",
                           "fixtures/keras/alexnet_no_flatten.py", "fixtures/keras/alexnet_flatten.py"],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    files = ("fixtures/keras/alexnet_no_flatten.py", "fixtures/keras/alexnet_flatten.py")
    expected = [github.command(d) for f in files for d in analyze(REPO / f).diagnostics]
    assert proc.stdout.splitlines() == expected
    assert any(line.startswith("::error file=fixtures/keras/alexnet_no_flatten.py,line=13,col=5,") and
               "title=ML101 dense-on-unflattened::" in line for line in expected)
