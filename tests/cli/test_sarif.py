"""``--output-format sarif``: every fixture's log validates against the OASIS SARIF 2.1.0
schema, rules are described once, locations are repository-relative and 1-based, and
fingerprints survive shifted lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from modelint.analyzer import __version__
from modelint.analyzer.reporters import json as json_reporter
from modelint.analyzer.reporters import sarif
from modelint.analyzer.rule import all_rules
from modelint.analyzer.engine import Options
from modelint.analyzer.selection import Selection
from tests.conftest import REPO, analyze, fixture_files

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
FIXTURES = fixture_files("keras") + fixture_files("torch")
BUGGY_KERAS = (
    "import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n"
    "    keras.Input((28, 28, 1)),\n    layers.Conv2D(32, 3, activation=\"relu\"),\n"
    "    layers.Dense(10, activation=\"softmax\"),\n])\n"
)


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(validator, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def test_fixture_list_is_not_empty():
    assert len(FIXTURES) > 50


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_validates(path, sarif_validator):
    result = analyze(path)
    log = sarif.log([result])
    assert _errors(sarif_validator, log) == []
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(result.diagnostics)
    for res, diag in zip(run["results"], result.diagnostics):
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == diag.code
        region = res["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == diag.span.line and region["startColumn"] == diag.span.column
        loc = res["locations"][0]["physicalLocation"]["artifactLocation"]
        assert loc == {"uri": path.relative_to(REPO).as_posix(), "uriBaseId": "%SRCROOT%"}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_json_report_validates(path, report_validator):
    """The issue asks for both outputs of every fixture to validate (JSON: report-v2.json)."""
    assert _errors(report_validator, json.loads(json_reporter.render([analyze(path)]))) == []


def test_driver_describes_every_rule(sarif_validator):
    log = sarif.log([])
    assert _errors(sarif_validator, log) == []
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "modelint" and driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == [r.code for r in all_rules()]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for desc, rule in zip(driver["rules"], all_rules()):
        assert desc["name"] == rule.name
        assert desc["shortDescription"]["text"] == rule.summary
        assert desc["defaultConfiguration"]["level"] == levels[rule.severity.value]
        assert desc["help"]["markdown"].startswith(f"## {rule.code}")
        assert desc["help"]["text"] == (rule.doc() or rule.summary)
        assert desc["fullDescription"]["text"]


def test_ml101_result_region_level_and_fingerprint(sarif_validator):
    path = REPO / "fixtures" / "keras" / "alexnet_no_flatten.py"
    log = sarif.log([analyze(path, Options(selection=Selection(("ML101",))))])
    assert _errors(sarif_validator, log) == []
    (res,) = log["runs"][0]["results"]
    assert res["ruleId"] == "ML101" and res["level"] == "error"
    line = path.read_text().splitlines()[12]
    start = line.index("tf.keras.layers.Dense")
    end = line.index("),") + 1  # 0-based, exclusive: the call up to its closing parenthesis
    region = res["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 13, "startColumn": start + 1, "endLine": 13, "endColumn": end + 1,
                      "snippet": {"text": line}}
    assert set(res["partialFingerprints"]) == {"modelint/v1"}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == REPO.resolve().as_uri() + "/"


def _git_repo(tmp_path: Path) -> Path:
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "models").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def _cli_sarif(cwd: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "modelint.analyzer", "--output-format", "sarif",
                           "--select", "ML101", *args],
                          cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)


def test_uri_is_relative_to_the_git_root_from_any_cwd(tmp_path, sarif_validator):
    repo = _git_repo(tmp_path)
    model = repo / "models" / "net.py"
    model.write_text(BUGGY_KERAS)
    from_root = _cli_sarif(repo, "models/net.py")
    from_sub = _cli_sarif(repo / "models", "net.py")
    from_outside = _cli_sarif(tmp_path, str(model))
    for log in (from_root, from_sub, from_outside):
        assert _errors(sarif_validator, log) == []
        run = log["runs"][0]
        assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}
        loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        assert loc == {"uri": "models/net.py", "uriBaseId": "%SRCROOT%"}
    fps = {json.dumps(log["runs"][0]["results"][0]["partialFingerprints"]) for log in (from_root, from_sub, from_outside)}
    assert len(fps) == 1


def test_fingerprint_is_stable_when_lines_shift(tmp_path):
    repo = _git_repo(tmp_path)
    model = repo / "models" / "net.py"
    model.write_text(BUGGY_KERAS)
    before = _cli_sarif(repo, "models/net.py")["runs"][0]["results"][0]
    model.write_text("# a comment\n\n\n" + BUGGY_KERAS.replace("import keras\n", "import keras\nimport os\n"))
    after = _cli_sarif(repo, "models/net.py")["runs"][0]["results"][0]
    line = lambda r: r["locations"][0]["physicalLocation"]["region"]["startLine"]  # noqa: E731
    assert line(after) == line(before) + 4
    assert after["partialFingerprints"] == before["partialFingerprints"]
    # A different finding on a different line has a different fingerprint.
    model.write_text(BUGGY_KERAS.replace("Dense(10,", "Dense(11,"))
    changed = _cli_sarif(repo, "models/net.py")["runs"][0]["results"][0]
    assert changed["partialFingerprints"] != before["partialFingerprints"]


def test_cli_outside_a_git_repository_uses_cwd(tmp_path, sarif_validator):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "net.py").write_text(BUGGY_KERAS)
    if sarif.repository_root(folder) is not None:
        pytest.skip("the temporary folder lies inside a git repository")
    log = _cli_sarif(folder, "net.py")
    assert _errors(sarif_validator, log) == []
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == folder.resolve().as_uri() + "/"
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "net.py"
