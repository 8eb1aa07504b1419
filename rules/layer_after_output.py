from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.graph import Layer, ModelGraph
from modelint.analyzer.rule import Example, Rule
from modelint.rules._activations import LINEAR_KINDS, activation_name, describe, placement_span
from modelint.rules._tree import built_inside_other_classes

_KERAS = ("from keras.layers import Dense, Dropout, Input, Activation\nfrom keras.models import Sequential\n\n"
          "model = Sequential([\n    Input(shape=(100,)),\n    Dense(64, activation=\"relu\"),\n    Dropout(0.5),\n"
          "{tail}])\n")
_TORCH = (
    "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
    "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc1 = nn.Linear(100, 64)\n        self.fc2 = nn.Linear(64, 3)\n        self.drop = nn.Dropout(0.2)\n\n"
    "    def forward(self, x):\n        x = self.drop(F.relu(self.fc1(x)))\n{tail}\n\n"
    "model = Net()\nout = model(torch.randn(4, 100))\n"
)
# A Transformer block's projection ends in dropout before the residual add: not the output.
_BLOCK = (
    "import torch\nimport torch.nn as nn\n\n\n"
    "class Mlp(nn.Module):\n    def __init__(self, dim=64):\n        super().__init__()\n"
    "        self.fc = nn.Linear(dim, dim)\n        self.drop = nn.Dropout(0.1)\n\n"
    "    def forward(self, x):\n        return self.drop(self.fc(x))\n\n\n"
    "class Block(nn.Module):\n    def __init__(self, dim=64):\n        super().__init__()\n"
    "        self.norm = nn.LayerNorm(dim)\n        self.mlp = Mlp(dim)\n\n"
    "    def forward(self, x):\n        return x + self.mlp(self.norm(x))\n"
)
# What produces a classifier output: a dense/conv head, or its final activation.
_HEADS = LINEAR_KINDS | {"activation", "softmax"}
_SQUASHING = frozenset({"softmax", "log_softmax", "sigmoid"})


def _is_dropout(layer: Layer) -> bool:
    return layer.kind == "dropout" and layer.attrs.get("training") is not False


def _head_below(model: ModelGraph, layer: Layer) -> Layer | None:
    preds = model.predecessors(layer.id)
    if len(preds) != 1 or len(model.successors(preds[0].id)) != 1:
        return None
    return preds[0]


def _finding(model: ModelGraph, layer: Layer) -> tuple[str, str] | None:
    """(message, hint) when ``layer`` — a model output — comes after the head."""
    below = _head_below(model, layer)
    if below is None or below.kind not in _HEADS:
        return None
    if _is_dropout(layer):
        return (f"{layer.name} ({layer.op}) applies dropout to the model output from {describe(below)}: "
                "training randomly zeroes predictions",
                f"Remove {layer.name}, or move it before {below.name}")
    act, prev = activation_name(layer), activation_name(below)
    if act is None or act == "linear" or prev not in _SQUASHING:
        return None
    return (f"{layer.name} ({layer.op}) applies {act} after the {prev} output of {describe(below)}",
            f"Remove {layer.name}: {below.name} already produces the output")


class LayerAfterOutput(Rule):
    """## What it does
    Flags a dropout layer applied to a model's final output (the classifier
    head or its softmax/sigmoid), and an activation applied after the final
    softmax/sigmoid.

    ## Why is this bad?
    Dropout on the output zeroes predictions at random during training and
    rescales the rest, so probabilities no longer sum to 1 and logits are
    scaled by `1 / (1 - rate)`; the loss sees noise it cannot fix. A second
    activation after softmax (or sigmoid) squashes probabilities again and
    distorts them. Both usually come from pasting a block one line too far.

    ## Known problems
    Only the layers that produce a model output are checked. An activation on
    raw logits (e.g. a ReLU for non-negative regression targets) is legitimate
    and is not flagged. A class that another class of the file builds (a
    Transformer block whose projection ends in dropout before the residual add)
    is a part of a larger model: its outputs are not checked.

    ## Example
    ```python
    Dense(4, activation="softmax"),
    Dropout(0.5),
    ```

    ## Use instead
    ```python
    Dropout(0.5),
    Dense(4, activation="softmax"),
    ```
    """

    code = "ML306"
    name = "layer-after-output"
    severity = Severity.WARNING
    summary = "Dropout or an activation after the final classifier output"
    INVALID = [
        Example(_KERAS.format(tail="    Dense(4, activation=\"softmax\"),\n    Dropout(0.5),\n")),
        Example(_KERAS.format(tail="    Dense(4, activation=\"softmax\"),\n    Activation(\"relu\"),\n")),
        Example(_TORCH.format(tail="        return self.drop(self.fc2(x))")),
        Example(_TORCH.format(tail="        return torch.sigmoid(F.softmax(self.fc2(x), dim=1))")),
    ]
    VALID = [
        Example(_KERAS.format(tail="    Dense(4, activation=\"softmax\"),\n")),
        Example(_KERAS.format(tail="    Dense(4),\n    Activation(\"softmax\"),\n")),
        Example(_TORCH.format(tail="        return self.fc2(x)")),
        Example(_TORCH.format(tail="        return F.log_softmax(self.fc2(x), dim=1)")),
        Example(_BLOCK),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for ref in model.outputs:
            if ref.node not in model:
                continue
            layer = model.layer(ref.node)
            found = _finding(model, layer)
            if found is not None and model.class_name in built_inside_other_classes(ctx):
                return  # a block of a larger model (a Transformer's residual dropout): its output is no model output
            if found is not None:
                message, hint = found
                yield self.at(ctx, placement_span(model, layer), message, model.name, Fix(hint), layer=layer.id)
