from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.graph import Layer
from modelint.analyzer.rule import Example, Rule
from modelint.rules._activations import construction_span

_KERAS = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((28, 28, 1)),\n"
          "    layers.Conv2D(32, 3, use_bias=False),\n    layers.BatchNormalization({bn}),\n    layers.ReLU(),\n"
          "    layers.Flatten(),\n    layers.Dropout({rate}),\n    layers.Dense(10, activation=\"softmax\"),\n])\n")
_TORCH = (
    "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.conv = nn.Conv2d(3, 16, 3, bias=False)\n"
    "        self.bn = nn.BatchNorm2d(16{bn})\n        self.drop = nn.Dropout({rate})\n"
    "        self.fc = nn.Linear(16, 10)\n\n    def forward(self, x):\n"
    "        x = torch.relu(self.bn(self.conv(x)))\n        x = x.mean(dim=(2, 3))\n"
    "        return self.fc(self.drop(x))\n\n\nmodel = Net()\nout = model(torch.randn(2, 3, 32, 32))\n"
)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _dropout_problem(layer: Layer) -> str | None:
    rate = _number(layer.attrs.get("rate", layer.attrs.get("p")))
    if rate is None or 0 <= rate < 1:
        return None
    if rate >= 1:
        extra = f" (did you mean {rate / 100:g}?)" if 1 < rate <= 100 else ""
        return f"dropout rate {rate:g} drops every unit{extra}; a rate must lie in [0, 1)"
    return f"dropout rate {rate:g} is negative; a rate must lie in [0, 1)"


def _momentum_problem(layer: Layer) -> str | None:
    momentum = _number(layer.attrs.get("momentum"))
    if momentum is None:
        return None
    if not 0 <= momentum <= 1:
        return f"BatchNorm momentum {momentum:g} is outside [0, 1]"
    if layer.framework == "torch" and momentum > 0.5:
        return (f"BatchNorm momentum {momentum:g} is Keras' convention: PyTorch's momentum is the weight of the "
                f"new batch (default 0.1), so the running statistics follow the last batch only; "
                f"PyTorch's equivalent is {1 - momentum:.2g}")
    if layer.framework == "keras" and momentum < 0.5:
        return (f"BatchNorm momentum {momentum:g} is PyTorch's convention: Keras' momentum is the weight of the "
                f"old running average (default 0.99), so the moving statistics forget almost at once; "
                f"Keras' equivalent is {1 - momentum:.2g}")
    return None


class SuspiciousHyperparameter(Rule):
    """## What it does
    Flags a dropout rate outside [0, 1), and a BatchNorm momentum written in the
    other framework's convention: PyTorch's `momentum=0.9` / `0.99`, Keras'
    `momentum=0.1`.

    ## Why is this bad?
    A dropout rate of 1 or more zeroes every activation (`Dropout(50)` meant
    50 %). BatchNorm momentum means opposite things in the two frameworks:
    in Keras it weighs the *old* moving average (default 0.99), in PyTorch the
    *new* batch (default 0.1). Ported code that keeps the number makes the
    running statistics either frozen or chasing every batch, and the model
    evaluates badly although training looked fine.

    ## Known problems
    A momentum of exactly 0.5 means the same in both conventions and is never
    flagged. Values computed at run time are not judged.

    ## Example
    ```python
    nn.BatchNorm2d(64, momentum=0.99)
    ```

    ## Use instead
    ```python
    nn.BatchNorm2d(64, momentum=0.01)
    ```
    """

    code = "ML305"
    name = "suspicious-hyperparameter"
    severity = Severity.WARNING
    summary = "Dropout rate outside [0, 1), or BatchNorm momentum in the other framework's convention"
    INVALID = [
        Example(_KERAS.format(bn="momentum=0.1", rate="0.5")),
        Example(_KERAS.format(bn="", rate="50")),
        Example(_TORCH.format(bn=", momentum=0.99", rate="0.5")),
        Example(_TORCH.format(bn="", rate="1.0")),
    ]
    VALID = [
        Example(_KERAS.format(bn="momentum=0.9", rate="0.5")),
        Example(_KERAS.format(bn="", rate="0.0")),
        Example(_TORCH.format(bn=", momentum=0.01", rate="0.5")),
        Example(_TORCH.format(bn=", momentum=None", rate="0.2")),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for layer in model.layers():
            if layer.shared:
                continue
            if layer.kind == "dropout":
                problem = _dropout_problem(layer)
                hint = "Use a rate in [0, 1), e.g. 0.5"
            elif layer.kind == "batch_norm":
                problem = _momentum_problem(layer)
                in_range = 0 <= (_number(layer.attrs.get("momentum")) or 0) <= 1
                hint = ("Use 1 - momentum, the same decay in this framework's convention" if in_range
                        else "Use a momentum in [0, 1]")
            else:
                continue
            if problem is not None:
                yield self.at(ctx, construction_span(layer), f"{layer.name} ({layer.op}): {problem}", model.name,
                              Fix(hint), layer=layer.id)
