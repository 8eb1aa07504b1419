from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.ops._base import RESHAPE_MISMATCH
from modelint.analyzer.rule import Example, Rule
from modelint.rules._graph import report_issues

_TORCH = ("import torch\nimport torch.nn as nn\n\n\n# modelint: input-shape=(1, 3, 32, 32)\nclass Net(nn.Module):\n"
          "    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 16, 5)\n"
          "        self.fc = nn.Linear({n}, 10)\n\n    def forward(self, x):\n"
          "        x = self.conv(x)\n        x = x.view({view})\n        return self.fc(x)\n")


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
    Needs the input shape (see ML102). A hard-coded batch size (`view(64, -1)`)
    is checked against the batch of the input shape modelint uses.

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
        Example("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((28, 28)),\n"
                "    layers.Reshape((28, 27)),\n])\n"),
    ]
    VALID = [
        Example(_TORCH.format(n=12544, view="x.size(0), -1")),
        Example("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((28, 28)),\n"
                "    layers.Reshape((28, 28, 1)),\n])\n"),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        yield from report_issues(self, model, ctx, RESHAPE_MISMATCH)
