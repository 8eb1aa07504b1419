from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.rule import Example, Rule
from modelint.analyzer.shapes import format_count, is_expr
from modelint.rules._symbols import always_greater, never_equal, param_total

_KERAS = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((784,)),\n"
          "    layers.Dense(128, activation=\"relu\"),\n    layers.Dense(10, activation=\"softmax\"),\n])\n")
_TORCH = (
    "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc1 = nn.Linear(784, 128)\n        self.fc2 = nn.Linear(128, 10)\n\n"
    "    def forward(self, x):\n        return self.fc2(self.fc1(x).relu())\n"
)
# Both models hold 101,770 parameters (100,480 + 1,290).
_FORMULA = (
    "import torch.nn as nn\n\n\nclass MLP(nn.Module):\n    def __init__(self, hidden):\n        super().__init__()\n"
    "        self.fc1 = nn.Linear(20, hidden)\n        self.fc2 = nn.Linear(hidden, 10)\n\n"
    "    def forward(self, x):\n        return self.fc2(self.fc1(x).relu())\n"
)
# MLP holds 31·hidden + 10 parameters: 1,994 for hidden = 64, never 1,995 or 20.


class ParameterBudget(Rule):
    """## What it does
    Compares a model's total parameter count with the number declared for it
    under `expect-params` in `[tool.modelint]` (model name = count), and
    reports any difference with both numbers.

    ## Why is this bad?
    A paper or a reference implementation states the count ("AlexNet: 62.4 M");
    a different count means the architecture differs — a missing `Flatten`, a
    wrong kernel size, a layer too many. Pinning the count turns a silent
    architecture change into a failing check in CI.

    ## Known problems
    The name is the model's name in the report (the variable, or the class for
    an `nn.Module` subclass). When part of the model is unresolved the total
    is a lower bound; then only a lower bound above the budget is reported.
    A count that is a formula (`dim_in·dim_hidden + dim_hidden`, the class
    built without its constructor arguments) is reported only when no value of
    its symbols gives the declared number.

    ## Example
    ```toml
    [tool.modelint.expect-params]
    model = 62378344
    ```
    with a model that counts 25,678,184.

    ## Use instead
    Fix the architecture until the count matches, or update the declared
    number when the change is intended.
    """

    code = "ML402"
    name = "parameter-budget"
    severity = Severity.ERROR
    summary = "Total parameters differ from the declared expect-params"
    INVALID = [
        Example(_KERAS, config={"expect_params": {"model": 100_000}}),
        Example(_TORCH, config={"expect_params": {"Net": 101_000}}),
        Example(_FORMULA, config={"expect_params": {"MLP": 1_995}}),
        Example(_FORMULA, config={"expect_params": {"MLP": 20}}),
    ]
    VALID = [
        Example(_KERAS, config={"expect_params": {"model": 101_770}}),
        Example(_TORCH, config={"expect_params": {"Net": 101_770}}),
        Example(_TORCH, config={"expect_params": {"OtherNet": 5}}),
        Example(_FORMULA, config={"expect_params": {"MLP": 1_994}}),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        expected = ctx.options.expect_params.get(model.name)
        if expected is None:
            return
        total, exact = param_total(model)
        if total is None:
            return
        if is_expr(total):
            # A formula over constructor arguments or input sizes: reported only when no
            # value of its symbols gives the declared count (a lower bound: when every
            # value gives more).
            if not (never_equal(total, expected) if exact else always_greater(total, expected)):
                return
            names = ", ".join(sorted(total.symbols()))
            if exact:
                message = (f"{model.name} has {format_count(total)} parameters, which differs from the {expected:,} "
                           f"expect-params declares for every value of {names}")
            else:
                message = (f"{model.name} has at least {format_count(total)} parameters, more than the {expected:,} "
                           f"expect-params declares for every value of {names}")
            yield self.at(ctx, model.span, message, model.name, total=str(total), expected=expected, exact=exact)
            return
        if total == expected or (not exact and total < expected):
            return
        diff = total - expected
        bound = "" if exact else "at least "
        message = (f"{model.name} has {bound}{total:,} parameters, but expect-params declares {expected:,} "
                   f"({abs(diff):,} {'more' if diff > 0 else 'fewer'})")
        yield self.at(ctx, model.span, message, model.name, total=total, expected=expected, exact=exact)
