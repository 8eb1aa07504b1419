"""Rule documentation: ``modelint rule CODE``, ``modelint rule --all`` and the
generated ``docs/rules.md`` (a test fails when the checked-in file is stale)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from modelint.analyzer.rule import Rule, all_rules, rule_by_code_or_name


def rule_markdown(rule: type[Rule]) -> str:
    return (f"## {rule.code} `{rule.name}`\n\n*{rule.summary}* (default severity: {rule.severity.value})\n\n"
            f"{rule.doc().replace('## ', '### ')}\n")


def rules_markdown() -> str:
    header = ("# modelint rules\n\nGenerated from the rule classes in `rules/` by "
              "`python -m modelint.analyzer.docs > docs/rules.md`; do not edit by hand.\n\n"
              "| code | name | severity | summary |\n|---|---|---|---|\n")
    rows = "".join(f"| {r.code} | {r.name} | {r.severity.value} | {r.summary} |\n" for r in all_rules())
    return header + rows + "\n" + "\n".join(rule_markdown(r) for r in all_rules())


def rule_command(argv: Sequence[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: modelint rule CODE|NAME | modelint rule --all")
        return 0 if argv else 2
    if argv[0] == "--all":
        for r in all_rules():
            print(f"{r.code}  {r.name:<28} {r.severity.value:<8} {r.summary}")
        return 0
    rule = rule_by_code_or_name(argv[0])
    if rule is None:
        print(f"modelint: error: no rule {argv[0]!r} (see `modelint rule --all`)", file=sys.stderr)
        return 2
    sys.stdout.write(rule_markdown(rule))
    return 0


if __name__ == "__main__":
    sys.stdout.write(rules_markdown())
