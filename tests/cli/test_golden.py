"""Golden files for what users read: the ``full`` text output of every rule's
first INVALID example (``pytest tests/cli/test_golden.py --update-golden``
rewrites them after an intended change; review the diff)."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelint.analyzer.rule import all_rules
from tests.cli._helpers import run_cli, write

GOLDEN = Path(__file__).parent / "golden"
RULES = [rule for rule in all_rules() if rule.INVALID]


def _args(example) -> list[str]:
    args: list[str] = []
    for name, shape in example.config.get("input_shapes", {}).items():
        dims = ",".join("N" if d is None else str(d) for d in shape)
        args += ["--input-shape", f"{name}={dims}" if name else dims]
    return args


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_full_output_of_first_invalid_example(rule, tmp_path, capsys, request):
    example = rule.INVALID[0]
    write(tmp_path, example.path, example.code)
    tables = ""
    for key in ("expect_params", "expect_macs", "max_macs"):  # budgets: ML402, ML405
        expect = example.config.get(key)
        if expect:
            table = "".join(f'"{name}" = {count}\n' for name, count in expect.items())
            tables += f"[{key.replace('_', '-')}]\n{table}"
    if tables:
        write(tmp_path, "modelint.toml", tables)
    opt_in = [] if getattr(rule, "default", True) else ["--extend-select", rule.code]  # advice rules: opt-in
    run = run_cli(capsys, tmp_path, "--output-format", "full", *opt_in, *_args(example), example.path)
    text = f"$ modelint {example.path}  (exit {run.code})\n{run.out}"
    golden = GOLDEN / f"{rule.code}.txt"
    if request.config.getoption("--update-golden", default=False):
        golden.write_text(text)
    assert golden.exists(), f"no golden file {golden.name}; run pytest with --update-golden"
    assert text == golden.read_text()
    assert rule.code in run.out
