"""Shared test helpers: analyse a file or a snippet in-process, validate reports."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from modelint.analyzer.engine import FileResult, Options, analyze_path, analyze_source

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
REPORT_SCHEMA = REPO / "analyzer" / "schemas" / "report-v2.json"


def analyze(path: Path, options: Options | None = None) -> FileResult:
    return analyze_path(path, options or Options(), display_path=_display(path))


def analyze_text(source: str, path: str = "example.py", options: Options | None = None) -> FileResult:
    return analyze_source(Path(path), source, options or Options(), path)


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return str(path)


def fixture_files(framework: str, suffix: str = ".py") -> list[Path]:
    return sorted((FIXTURES / framework).glob(f"*{suffix}"))


def oracle_fixtures(framework: str) -> list[Path]:
    """Every ``X.py`` under fixtures/ (any directory: the real-world corpus, the fuzzer's
    finds) whose ``X.oracle.json`` was recorded by ``framework``."""
    out = []
    for truth in sorted(FIXTURES.rglob("*.oracle.json")):
        source = truth.with_name(truth.name[: -len(".oracle.json")] + ".py")
        if source.exists() and json.loads(truth.read_text()).get("framework") == framework:
            out.append(source)
    return out


def fixture_id(path: Path) -> str:
    """``real/torch/kuangliu_vgg``: a fixture's test id, unique across directories."""
    return path.relative_to(FIXTURES).with_suffix("").as_posix()


def oracle_for(path: Path) -> dict | None:
    truth = path.with_name(path.stem + ".oracle.json")
    return json.loads(truth.read_text()) if truth.exists() else None


@functools.cache
def _schema_validator():
    import jsonschema

    schema = json.loads(REPORT_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def checked_report(text: str) -> dict:
    """Parse a ``--output-format json`` report and validate it against the contract's
    schema: every report a test reads is checked, not only the ones about the schema."""
    report = json.loads(text)
    _schema_validator().validate(report)
    return report


@pytest.fixture(scope="session")
def report_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(REPORT_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)
