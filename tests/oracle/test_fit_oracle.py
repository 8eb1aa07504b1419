""""Which inputs fit" against the real frameworks (issue 9, done when: the answer
agrees with the framework over the tested input range for every fixture with a
symbolic input).

tests/oracle/record_fit.py ran each fixture model whose input is symbolic over a grid
of input sizes in the real framework and recorded which ran and which raised
(``tests/oracle/truth_symbolic/fit/*.json``).  Here modelint analyses the file once
(never running it; this test needs neither torch nor keras) and its JSON v2
``input_constraints`` is evaluated at every recorded point: a size fits iff ``fits`` is
not false, every symbol lies in its ``ranges`` entry and every entry of
``constraints`` holds; a dimension of ``input_shape`` that is a number must equal the
point's.  The two answers must be the same at every point.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.oracle.test_formula_oracle import NO_FORMULA, bindings, evaluate, input_bindings, modelint_models

pytestmark = pytest.mark.oracle

TRUTH_DIR = Path(__file__).resolve().parent / "truth_symbolic" / "fit"
RECORDED = [json.loads(p.read_text()) for p in sorted(TRUTH_DIR.glob("*.json"))]
CASES = [(t["fixture"], m) for t in RECORDED for m in t["models"]]

# Known disagreements, each strict (a fix fails here until removed), with the reason:
# KNOWN_WRONG for the trust invariant, KNOWN (a superset) for the done-when test.
NOT_A_SIZE_QUESTION = {
    ("torch/reach_framework_subclasses", "PretrainedText"):
        "torch raises at every size for a dtype reason, not a size one: the float64 pretrained "
        "embedding (np.zeros) is concatenated into a float32 Linear",
}
NO_SYMBOLIC_INPUT = {
    ("torch/style_transfer_padding", "ConvLayer"):
        "its first layer, ReflectionPad2d, takes a 3-D or a 4-D input: the rank is not fixed, so the input gets "
        "no symbols (SYMBOLS.md) and modelint gives no input constraints",
}
KNOWN_WRONG = {**NOT_A_SIZE_QUESTION, **NO_SYMBOLIC_INPUT}
# Where the constructor argument decides control flow (which layers exist, how many),
# the contract leaves the class undecided (SYMBOLS.md): the same models as the formula
# test's NO_FORMULA, plus a list argument driving loops.
CONTROL_FLOW = {**NO_FORMULA,
                ("keras/subclassed_resnet18_blocks", "ResNet18"):
                    "`block_list` is a list whose items drive range(): which blocks exist is not known"}
# Honest "not decided" answers (the trust test holds them) short of the done-when: what
# modelint cannot yet say, each strict.
_ADD = ("an elementwise add of two symbolic sizes (channels `C` and `filters`) is valid when they are equal "
        "or one is 1: a disjunction the constraint language does not express, so that size stays unknown")
_CUSTOM = ("the requirements inside a nested Sequential (the `ffn` of a custom layer) are not collected onto "
           "the model's row")
UNDECIDED = {
    ("keras/subclassed_resnet18_blocks", "ResnetBlock"): _ADD,
    ("torch/bug_residual_add_mismatch", "ResBlock"): _ADD,
    ("torch/resnet", "BasicBlock"): _ADD,
    ("torch/resnet", "Bottleneck"): _ADD,
    ("torch/sym_branch_on_argument", "ResidualBlock"): _ADD,
    ("keras/sym_transformer_text", "build_classifier"):
        _CUSTOM + " (the position lookup's L ≤ maxlen is collected)",
    ("keras/sym_transformer_text", "TextClassifier"):
        _CUSTOM + " (the position lookup's L ≤ maxlen is collected)",
    ("real/torch/pytorch_examples_word_language_model", "TransformerModel"):
        "`nn.TransformerEncoderLayer` with symbolic `nhead`/`nlayers` is unknown (ML403)",
    ("real/torch/shaoxiongji_federated_main_nn", "CNNCifar"):
        "`x.view(-1, 400)` needs the element count divisible by 400: a divisibility constraint the solver "
        "does not express, so the view's output is unknown",
}
KNOWN = {**KNOWN_WRONG, **{k: f"control flow on a symbol: {v}" for k, v in CONTROL_FLOW.items()}, **UNDECIDED}


# Models with input constraints that the framework cannot be asked about, with why.
NOT_RECORDABLE = {
    ("torch/noshape_softmax_crossentropy", "train.model"):
        "built inside train(loader, in_channels, num_classes) from the function's parameters: the oracle "
        "cannot evaluate it (docs/models.md); its class Classifier is recorded",
    ("torch/noshape_softmax_crossentropy_fixed", "train.model"):
        "built inside train(loader, in_channels, num_classes) from the function's parameters: the oracle "
        "cannot evaluate it (docs/models.md); its class Classifier is recorded",
}


def predicted_fit(model: dict, shape: list[int], args: dict) -> tuple[bool | None, str]:
    """modelint's answer at one input size: (True fits / False does not / None not
    decided, why).  Every listed constraint is a necessary condition, so one that fails
    is a definite no even when ``fits`` is null; all holding is a yes only when modelint
    decided the model (``fits`` true), otherwise it is "not decided"."""
    ic = model.get("input_constraints")
    ours = model.get("input_shape")
    if not isinstance(ours, list) or len(ours) != len(shape):
        return False, f"rank: modelint's input is {ours}, the point {shape}"
    env = {**bindings(args), **input_bindings(model, shape)}
    for dim, size in zip(ours, shape):
        if isinstance(dim, int) and dim != size:
            return False, f"input_shape {ours} fixes {dim}, the point has {size}"
        if isinstance(dim, str) and not dim.isidentifier() and evaluate(dim, env) != size:
            return False, f"input dim `{dim}` = {evaluate(dim, env)} at this point, not {size}"
    if ic["fits"] is False:
        return False, f"fits: false ({ic.get('text')})"
    for name, (lo, hi) in ic.get("ranges", {}).items():
        value = evaluate(name, env)
        if value < lo or (hi is not None and value > hi):
            return False, f"{name} = {value} outside [{lo}, {hi}]"
    for c in ic.get("constraints", []):
        value = evaluate(c["expr"], env)
        ok = value == c["value"] if c["relation"] == "==" else value >= c["value"]
        if not ok:
            return False, f"{c['expr']} = {value}, needs {c['relation']} {c['value']} ({c.get('why')}, {c.get('layer')})"
    if ic["fits"] is None:
        return None, f"not decided ({ic.get('text')})"
    return True, ""


def _case(fixture: str, m: dict, known: dict):
    reason = known.get((fixture, m["model"]))
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(fixture, m, marks=marks, id=f"{fixture}::{m['model']}")


def _compare(fixture: str, recorded: dict) -> tuple[dict, list[str], list[str]]:
    """(modelint's model, points where its definite answer is wrong, points it leaves
    undecided), over every recorded point."""
    ours = modelint_models(fixture)
    assert recorded["model"] in ours, f"model {recorded['model']} not reported; have {sorted(ours)}"
    model = ours[recorded["model"]]
    assert model.get("input_constraints") is not None, (
        f"no input_constraints; input_shape={model.get('input_shape')}, "
        f"symbols={[s['name'] for s in model.get('symbols', [])]}")
    wrong, undecided = [], []
    for pt in recorded["points"]:
        args = {**recorded.get("args", {}), **pt.get("args", {})}
        says, why = predicted_fit(model, pt["input"], args)
        where = f"{pt['input']}{' ' + str(pt['args']) if pt.get('args') else ''}: framework " + (
            "runs" if pt["ok"] else f"raises {pt.get('error')}")
        if says is None:
            undecided.append(where + f", modelint: {why}")
        elif says != pt["ok"]:
            wrong.append(where + (", modelint says it fits" if says else f", modelint says no: {why}"))
    return model, wrong, undecided


@pytest.mark.parametrize(("fixture", "recorded"), [_case(f, m, KNOWN) for f, m in CASES])
def test_which_inputs_fit_agrees_with_the_framework(fixture, recorded):
    """Done when (b): at every recorded size modelint's answer is decided and is the
    framework's."""
    model, wrong, undecided = _compare(fixture, recorded)
    text = model["input_constraints"].get("text")
    assert not wrong and not undecided, (
        f"modelint: {text!r}; of {len(recorded['points'])} points {len(wrong)} disagree, {len(undecided)} undecided:\n  "
        + "\n  ".join((wrong + undecided)[:12]))


@pytest.mark.parametrize(("fixture", "recorded"), [_case(f, m, KNOWN_WRONG) for f, m in CASES])
def test_no_definite_fit_answer_is_wrong(fixture, recorded):
    """The trust invariant for "which inputs fit": where modelint says yes or no (not
    "not decided"), the framework agrees."""
    model, wrong, _ = _compare(fixture, recorded)
    assert not wrong, (f"modelint: {model['input_constraints'].get('text')!r}; {len(wrong)} of "
                       f"{len(recorded['points'])} points disagree:\n  " + "\n  ".join(wrong[:12]))


def test_every_fixture_with_a_symbolic_input_is_recorded():
    """Done when (b) says *every* fixture: each fixture model for which modelint derives
    input constraints (over input symbols) has a recorded grid here."""
    recorded = {(f, m["model"]) for f, m in CASES}
    missing = []
    for path in sorted(FIXTURES.rglob("*.py")):
        if "fuzz" in path.relative_to(FIXTURES).parts:
            continue
        fixture = path.relative_to(FIXTURES).with_suffix("").as_posix()
        for name, model in modelint_models(fixture).items():
            if (model.get("input_constraints") is not None and (fixture, name) not in recorded
                    and (fixture, name) not in NOT_RECORDABLE):
                missing.append(f"{fixture}::{name} ({model['input_constraints'].get('text')})")
    assert not missing, "no framework truth for:\n  " + "\n  ".join(missing)


def test_predicted_fit_reads_the_contract():
    model = {"input_shape": ["N", 1, "H", "W"],
             "input_constraints": {"fits": True, "text": "", "ranges": {"H": [6, None]},
                                   "constraints": [{"expr": "64*((H - 4) // 2)*((W - 4) // 2)",
                                                    "relation": "==", "value": 9216}]}}
    assert predicted_fit(model, [1, 1, 28, 29], {})[0] is True
    assert predicted_fit(model, [2, 1, 22, 36], {})[0] is True
    assert predicted_fit(model, [1, 3, 28, 28], {})[0] is False
    assert predicted_fit(model, [1, 1, 30, 30], {})[0] is False
    model["input_constraints"]["fits"] = None
    assert predicted_fit(model, [1, 1, 28, 28], {})[0] is None
    assert predicted_fit(model, [1, 1, 30, 30], {})[0] is False
    model["input_constraints"]["fits"] = False
    assert predicted_fit(model, [1, 1, 28, 28], {})[0] is False
