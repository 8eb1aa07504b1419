from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.rule import Example, Rule

# Layers whose object holds state that two call sites would mix: running statistics.
# Not Dropout (a new mask is drawn at every call, reuse is harmless and common) and not
# RNNs (applying one LSTM to two inputs shares its weights on purpose — Siamese
# encoders — and torch keeps no state between calls).
STATEFUL_KINDS = frozenset({"batch_norm"})

_BLOCK = ("import torch.nn as nn\n\n\n# modelint: input-shape=(2, 16, 8, 8)\nclass Block(nn.Module):\n"
          "    def __init__(self):\n        super().__init__()\n        self.conv1 = nn.Conv2d(16, 16, 3, padding=1)\n"
          "        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)\n        self.bn1 = nn.BatchNorm2d(16)\n"
          "        self.bn2 = nn.BatchNorm2d(16)\n        self.relu = nn.ReLU()\n\n"
          "    def forward(self, x):\n        out = self.relu(self.bn1(self.conv1(x)))\n"
          "        return self.relu(self.{second}(self.conv2(out)))\n")


class ReusedStatefulModule(Rule):
    """## What it does
    Flags one BatchNorm object applied at two places of `forward` (or one Keras
    `BatchNormalization` layer called on two tensors). Reusing a stateless
    activation (`self.relu`) or a Dropout is fine and not flagged; neither is an
    RNN or a convolution applied twice, which shares weights on purpose.

    ## Why is this bad?
    A BatchNorm's running mean and variance are then an average over two different
    feature distributions, so the model behaves differently in evaluation mode than in
    training; the two places also share one affine scale and shift. An RNN object
    applied twice shares its weights, which is rarely what a second recurrent
    layer was meant to do.

    ## Known problems
    Weight tying is sometimes intended (a Siamese encoder); suppress the finding
    there with `# noqa: ML304`.

    ## Example
    ```python
    out = self.relu(self.bn(self.conv1(x)))
    out = self.bn(self.conv2(out))
    ```

    ## Use instead
    ```python
    out = self.relu(self.bn1(self.conv1(x)))
    out = self.bn2(self.conv2(out))
    ```
    """

    code = "ML304"
    name = "reused-stateful-module"
    severity = Severity.WARNING
    summary = "One BatchNorm object applied at two places"
    INVALID = [
        Example(_BLOCK.format(second="bn1")),
        Example("import torch.nn as nn\n\n\n# modelint: input-shape=(4, 20)\nclass MLP(nn.Module):\n"
                "    def __init__(self):\n        super().__init__()\n        self.fc1 = nn.Linear(20, 20)\n"
                "        self.fc2 = nn.Linear(20, 20)\n        self.bn = nn.BatchNorm1d(20)\n\n"
                "    def forward(self, x):\n        x = self.bn(self.fc1(x))\n        return self.bn(self.fc2(x))\n"),
    ]
    VALID = [
        Example(_BLOCK.format(second="bn2")),
        Example("import torch.nn as nn\n\n\n# modelint: input-shape=(4, 20)\nclass MLP(nn.Module):\n"
                "    def __init__(self):\n        super().__init__()\n        self.fc1 = nn.Linear(20, 20)\n"
                "        self.fc2 = nn.Linear(20, 2)\n        self.drop = nn.Dropout(0.3)\n\n"
                "    def forward(self, x):\n        x = self.drop(self.fc1(x))\n        return self.fc2(self.drop(x))\n"),
        Example("import torch.nn as nn\n\n\n# modelint: input-shape=(4, 20)\nclass MLP(nn.Module):\n"
                "    def __init__(self):\n        super().__init__()\n        self.fc1 = nn.Linear(20, 20)\n"
                "        self.fc2 = nn.Linear(20, 2)\n        self.act = nn.ReLU()\n\n"
                "    def forward(self, x):\n        x = self.act(self.fc1(x))\n        return self.act(self.fc2(x))\n"),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        first: dict[str, object] = {}
        for layer in model.layers():
            if layer.kind not in STATEFUL_KINDS or not layer.applied or layer.attrs.get("functional"):
                continue
            if layer.owner not in first:
                first[layer.owner] = layer
                continue
            earlier = first[layer.owner]
            line = earlier.span.line if earlier.span is not None else "?"
            message = (f"{layer.name} ({layer.op}) is applied again here after line {line}; "
                       f"one {layer.op} object used at two places shares its state between them")
            yield self.on_layer(ctx, model, layer, message,
                                Fix(f"Create a separate {layer.op} for this place"))
