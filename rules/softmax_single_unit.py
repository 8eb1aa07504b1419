from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.rule import Example, Rule
from modelint.rules._activations import activation_axis_size, activation_name

_KERAS = ("from keras import layers, models\n\nmodel = models.Sequential([\n    layers.Input((30,)),\n"
          "    layers.Dense(16, activation=\"relu\"),\n{tail}])\n")
_TORCH = (
    "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
    "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc1 = nn.Linear(30, 16)\n        self.fc2 = nn.Linear(16, {units})\n\n"
    "    def forward(self, x):\n        return {ret}\n\n\nmodel = Net()\nout = model(torch.randn(4, 30))\n"
)


class SoftmaxSingleUnit(Rule):
    """## What it does
    Flags a softmax (or log-softmax) taken over an axis of size 1, typically the
    single output unit of a binary classifier: `Dense(1, activation="softmax")`.

    ## Why is this bad?
    Softmax normalizes over its axis; over one element the result is always
    exactly 1.0 (log-softmax: 0.0), whatever the input. The model cannot learn:
    its prediction is constant and the loss gives no useful gradient.

    ## Known problems
    The axis size must be known statically; with a symbolic or unknown size the
    layer is not judged.

    ## Example
    ```python
    layers.Dense(1, activation="softmax")
    ```

    ## Use instead
    ```python
    layers.Dense(1, activation="sigmoid")  # with binary_crossentropy
    ```
    or two units with softmax and a categorical loss.
    """

    code = "ML203"
    name = "softmax-single-unit"
    severity = Severity.ERROR
    summary = "Softmax over one unit: the output is always 1"
    INVALID = [
        Example(_KERAS.format(tail="    layers.Dense(1, activation=\"softmax\"),\n")),
        Example(_KERAS.format(tail="    layers.Dense(1),\n    layers.Softmax(),\n")),
        Example(_TORCH.format(units=1, ret="F.softmax(self.fc2(F.relu(self.fc1(x))), dim=1)")),
        Example(_TORCH.format(units=1, ret="torch.softmax(self.fc2(F.relu(self.fc1(x))), dim=-1)")),
    ]
    VALID = [
        Example(_KERAS.format(tail="    layers.Dense(1, activation=\"sigmoid\"),\n")),
        Example(_KERAS.format(tail="    layers.Dense(2, activation=\"softmax\"),\n")),
        Example(_TORCH.format(units=1, ret="torch.sigmoid(self.fc2(F.relu(self.fc1(x))))")),
        Example(_TORCH.format(units=3, ret="F.softmax(self.fc2(F.relu(self.fc1(x))), dim=1)")),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for layer in model.layers():
            name = activation_name(layer)
            if name not in ("softmax", "log_softmax") or layer.shared:
                continue
            if activation_axis_size(layer, name) != 1:
                continue
            constant = "1.0" if name == "softmax" else "0.0"
            message = (f"{name} over an axis of size 1 in {layer.name} ({layer.op}): "
                       f"the output is always {constant}, whatever the input")
            hint = "Use one unit with sigmoid (binary crossentropy), or two units with softmax"
            yield self.on_layer(ctx, model, layer, message, Fix(hint))
