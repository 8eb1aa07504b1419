from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.passes.infer import PER_EXAMPLE_BATCH
from modelint.analyzer.rule import Example, Rule

_KERAS = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((784,)),\n"
          "    layers.Dense(128, activation=\"relu\"),\n    layers.Dense(10, activation=\"softmax\"),\n])\n")
_TORCH = (
    "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc1 = nn.Linear(784, 128)\n        self.fc2 = nn.Linear(128, 10)\n\n"
    "    def forward(self, x):\n        return self.fc2(self.fc1(x).relu())\n"
)
# Both models cost 101,632 MACs per example (784 × 128 + 128 × 10).
_ONE = {"Net": (1, 784)}


class ComputeBudget(Rule):
    """## What it does
    Compares a model's total MACs (multiply-accumulates, counted statically as
    docs/flops.md defines them) with the budget declared for it in
    `[tool.modelint]`: `expect-macs` (model name = the exact count) and
    `max-macs` (model name = the most it may cost). Reports the difference with
    both numbers.

    ## Why is this bad?
    Compute decides latency, energy and whether a model fits its device. A
    kernel size changed from 3 to 7, a stride dropped, an upsampling moved before
    a convolution: the parameter count barely moves while the MACs multiply.
    Pinning the figure turns a silent cost regression into a failing check in CI,
    as `expect-params` (ML402) does for parameters.

    ## Known problems
    Keras models count per example (their batch axis is `None`); PyTorch models
    count for the batch of their input shape (`--input-shape`, the config, or an
    example input in the file). When some layer's MACs are unknown the total is a
    lower bound: only a lower bound above the budget is reported. A total that is
    symbolic (the batch is `N`) is not compared.

    ## Example
    ```toml
    [tool.modelint.max-macs]
    model = 100000
    ```
    with a model that costs 101,632 MACs per example.

    ## Use instead
    Make the model cheaper until it fits, or update the budget when the increase
    is intended.
    """

    code = "ML405"
    name = "compute-budget"
    severity = Severity.ERROR
    summary = "Total MACs differ from expect-macs or exceed max-macs"
    INVALID = [
        Example(_KERAS, config={"expect_macs": {"model": 100_000}}),
        Example(_KERAS, config={"max_macs": {"model": 100_000}}),
        Example(_TORCH, config={"input_shapes": _ONE, "expect_macs": {"Net": 101_633}}),
        Example(_TORCH, config={"input_shapes": {"Net": (2, 784)}, "max_macs": {"Net": 150_000}}),
    ]
    VALID = [
        Example(_KERAS, config={"expect_macs": {"model": 101_632}}),
        Example(_KERAS, config={"max_macs": {"model": 101_632}}),
        Example(_TORCH, config={"input_shapes": _ONE, "expect_macs": {"Net": 101_632}, "max_macs": {"Net": 10**6}}),
        Example(_TORCH, config={"input_shapes": _ONE, "max_macs": {"OtherNet": 5}}),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        expected = ctx.options.expect_macs.get(model.name)
        limit = ctx.options.max_macs.get(model.name)
        if expected is None and limit is None:
            return
        macs, _flops, exact = model.cost_totals()
        total = macs.constant
        if total is None:
            return
        bound = "" if exact else "at least "
        per = " per example" if model.framework in PER_EXAMPLE_BATCH else ""
        facts = {"total": total, "exact": exact}
        if expected is not None and total != expected and (exact or total > expected):
            diff = total - expected
            yield self.at(ctx, model.span,
                          f"{model.name} costs {bound}{total:,} MACs{per}, but expect-macs declares {expected:,} "
                          f"({abs(diff):,} {'more' if diff > 0 else 'fewer'})",
                          model.name, expected=expected, **facts)
        if limit is not None and total > limit:
            yield self.at(ctx, model.span,
                          f"{model.name} costs {bound}{total:,} MACs{per}, over its max-macs budget of {limit:,} "
                          f"(+{total - limit:,}{f', {total / limit:.2f}×' if limit else ''})",
                          model.name, limit=limit, **facts)
