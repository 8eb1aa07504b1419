from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.ops._base import RESHAPE_MISMATCH
from modelint.analyzer.rule import Example, Rule
from modelint.analyzer.shapes import format_shape
from modelint.rules._graph import report_issues
from modelint.rules._symbols import no_fit, refuted_constraints

_TORCH = ("import torch\nimport torch.nn as nn\n\n\n# modelint: input-shape=(1, 3, 32, 32)\nclass Net(nn.Module):\n"
          "    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 16, 5)\n"
          "        self.fc = nn.Linear({n}, 10)\n\n    def forward(self, x):\n"
          "        x = self.conv(x)\n        x = x.view({view})\n        return self.fc(x)\n")

_NO_SHAPE = ("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self, in_channels):\n"
             "        super().__init__()\n        self.conv = nn.Conv2d(in_channels, 16, 3)\n\n"
             "    def forward(self, x):\n        x = self.conv(x)\n        return x.view(x.size(0), {features})\n")
_HEADS = ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass AuxNet(nn.Module):\n"
          "    def __init__(self, in_channels):\n        super().__init__()\n"
          "        self.conv1 = nn.Conv1d(in_channels, 32, 3)\n        self.conv2 = nn.Conv1d(32, 64, 3)\n"
          "        self.aux = nn.Linear(32 * 13, 10)\n        self.head = nn.Linear(64 * {head}, 10)\n\n"
          "    def forward(self, x):\n        x = F.max_pool1d(F.relu(self.conv1(x)), 2)\n"
          "        aux = self.aux(torch.flatten(x, 1))\n        x = F.max_pool1d(F.relu(self.conv2(x)), 2)\n"
          "        return self.head(torch.flatten(x, 1)), aux\n")


class ReshapeMismatch(Rule):
    """## What it does
    Flags a `view` / `reshape` / `Reshape` / `Unflatten` whose target cannot hold
    the tensor's elements (per sample when the batch axis is kept with
    `x.size(0)`).

    ## Why is this bad?
    torch fails with `shape '[-1, 500]' is invalid for input of size 6272`; worse,
    a `-1` that happens to divide the size silently mixes samples of the batch
    (`x.view(-1, 400)` on the wrong feature count changes the batch size).

    ## Known problems
    A hard-coded batch size (`view(64, -1)`) is checked against the batch of
    the input shape modelint uses. Without an input shape the element count is
    a formula over the input's symbols: reported when it differs for every
    input size (`16·(H - 2)·(W - 2)` values never make 300), and when no input
    size satisfies every layer together while the size that breaks is a pinned
    one (two heads after flattens, sized for different inputs). One that only
    some sizes fit is a constraint: `--summary` and the JSON say which inputs fit.

    ## Example
    ```python
    x = x.view(-1, 500)       # the feature map has 16 × 28 × 28 = 12544 per sample
    ```

    ## Use instead
    ```python
    x = torch.flatten(x, 1)
    ```
    """

    code = "ML106"
    name = "reshape-mismatch"
    severity = Severity.ERROR
    summary = "A view/reshape whose target cannot hold the tensor's elements"
    INVALID = [
        Example(_TORCH.format(n=500, view="x.size(0), 500")),
        Example(_NO_SHAPE.format(features=300)),  # 16·(H - 2)·(W - 2) is a multiple of 16
        Example(_HEADS.format(head=6)),  # the aux head needs L in 28..29, the main head 30..33
        Example("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((28, 28)),\n"
                "    layers.Reshape((28, 27)),\n])\n"),
    ]
    VALID = [
        Example(_TORCH.format(n=12544, view="x.size(0), -1")),
        Example(_NO_SHAPE.format(features=320)),  # 16·(H - 2)·(W - 2) = 320 for H = 6, W = 7
        Example(_HEADS.format(head=5)),
        Example("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((28, 28)),\n"
                "    layers.Reshape((28, 28, 1)),\n])\n"),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        yield from report_issues(self, model, ctx, RESHAPE_MISMATCH)
        for layer, _constraint, text in refuted_constraints(model, RESHAPE_MISMATCH):
            refs = [r for r in model.input_refs(layer.id) if r is not None]
            shape = f" (input {format_shape(model.shape_of(refs[0]))})" if refs else ""
            yield self.on_layer(ctx, model, layer, text + shape)
        for layer, text in no_fit(model, RESHAPE_MISMATCH):
            yield self.on_layer(ctx, model, layer, text)
