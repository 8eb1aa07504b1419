"""Every rule's VALID / INVALID examples run as tests (Fixit's habit): an INVALID
example must produce the rule's code, a VALID one must not, and where an example
states ``expected_fix``, applying the rule's fixes must give exactly that source."""

from __future__ import annotations

import pytest

from modelint.analyzer.engine import Options
from modelint.analyzer.fixes import apply_edits
from modelint.analyzer.rule import all_rules
from modelint.analyzer.selection import Selection
from tests.conftest import analyze_text

CASES = [(rule, kind, i, ex) for rule in all_rules()
         for kind in ("INVALID", "VALID") for i, ex in enumerate(getattr(rule, kind))]


def _options(rule, example) -> Options:
    shapes = example.config.get("input_shapes", {})
    expect = example.config.get("expect_params", {})
    # Every rule runs (opt-in ones too, hence ALL): a suppression is only "used" when the
    # rule it names is enabled (ML404), and one rule's example may trip another.
    return Options(selection=Selection(("ALL",)), input_shapes=shapes, expect_params=expect,
                   expect_macs=example.config.get("expect_macs", {}), max_macs=example.config.get("max_macs", {}))


@pytest.mark.parametrize("rule,kind,index,example", CASES,
                         ids=[f"{r.code}-{k}-{i}" for r, k, i, _ in CASES])
def test_example(rule, kind, index, example):
    result = analyze_text(example.code, example.path, _options(rule, example))
    codes = [d.code for d in result.diagnostics]
    if kind == "INVALID":
        assert rule.code in codes, f"{rule.code} not reported; got {[(d.code, d.message) for d in result.diagnostics]}"
        if example.expected_fix is not None:
            fixed, applied = apply_edits(example.code, [d for d in result.diagnostics if d.code == rule.code])
            assert applied and fixed == example.expected_fix
            again = analyze_text(fixed, example.path, _options(rule, example))
            assert rule.code not in [d.code for d in again.diagnostics]
    else:
        assert rule.code not in codes, [d.message for d in result.diagnostics if d.code == rule.code]


def test_opt_in_rules_are_documented_and_off_by_default():
    """Advice rules (``default = False``) say so in their docs and stay out of the
    default selection; every other rule is in it."""
    default = Selection()
    for rule in all_rules():
        if getattr(rule, "default", True):
            assert default.enabled(rule), rule.code
        else:
            assert not default.enabled(rule) and "## Opt-in" in rule.doc(), rule.code
            assert Selection(("ALL",)).enabled(rule) and Selection(extend_select=(rule.code,)).enabled(rule)


def test_every_rule_is_documented_and_exemplified():
    for rule in all_rules():
        doc = rule.doc()
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert heading in doc, f"{rule.code} lacks {heading!r}"
        assert rule.name == rule.name.lower() and " " not in rule.name
        if rule.code not in ("ML902",):
            assert len(rule.INVALID) >= 2 and len(rule.VALID) >= 2, rule.code
