"""docs/rules.md is generated from the rule classes and must not go stale;
``modelint rule`` prints one rule's documentation or the whole list."""

from __future__ import annotations

import subprocess
import sys

from modelint.analyzer.cli import main
from modelint.analyzer.docs import rules_markdown
from modelint.analyzer.rule import all_rules
from tests.conftest import REPO

DOCS = REPO / "docs" / "rules.md"


def test_rules_md_is_up_to_date():
    assert DOCS.exists(), "run: python -m modelint.analyzer.docs > docs/rules.md"
    assert DOCS.read_text() == rules_markdown(), "docs/rules.md is stale; run: python -m modelint.analyzer.docs > docs/rules.md"


def test_docs_module_prints_the_same_markdown():
    out = subprocess.run([sys.executable, "-m", "modelint.analyzer.docs"], capture_output=True, text=True, check=True)
    assert out.stdout == rules_markdown()


def test_every_rule_is_in_the_docs():
    text = rules_markdown()
    for rule in all_rules():
        assert f"## {rule.code} `{rule.name}`" in text
        assert f"| {rule.code} | {rule.name} | {rule.severity.value} |" in text


def test_rule_by_code(capsys):
    assert main(["rule", "ML101"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## ML101 `dense-on-unflattened`")
    for heading in ("### What it does", "### Why is this bad?", "### Example", "### Use instead"):
        assert heading in out


def test_rule_by_name_and_lowercase_code(capsys):
    assert main(["rule", "dense-on-unflattened"]) == 0
    by_name = capsys.readouterr().out
    assert main(["rule", "ml101"]) == 0
    assert capsys.readouterr().out == by_name


def test_rule_all_lists_every_rule(capsys):
    assert main(["rule", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [r.code for r in all_rules()]
    assert any(line.split()[1] == "softmax-into-logits-loss" for line in lines)


def test_unknown_rule_exits_2(capsys):
    assert main(["rule", "ML999"]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "ML999" in err
    assert main(["rule"]) == 2


def test_rule_subcommand_through_the_console_script():
    out = subprocess.run([sys.executable, "-m", "modelint.analyzer", "rule", "ML204"], capture_output=True,
                         text=True)
    assert out.returncode == 0 and "missing-nonlinearity" in out.stdout
